//! Pod Security Standards end to end: a hardened Deployment passes every
//! `pod-security` rule, and breaking any single field yields exactly the
//! one expected finding; namespace labels decide severity.

mod common;

use common::{lint_files, lint_str, render};

const HARDENED: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
      volumes:
        - name: tmp
          emptyDir: {}
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
"#;

fn pod_security_findings(text: &str) -> Vec<kubelint::finding::Finding> {
    lint_str("web.yaml", text)
        .findings
        .into_iter()
        .filter(|f| &*f.category == "pod-security")
        .collect()
}

#[test]
fn hardened_deployment_is_clean() {
    let own = pod_security_findings(HARDENED);
    assert!(own.is_empty(), "{}", render(&own));
}

#[test]
fn each_broken_field_gives_exactly_one_finding() {
    let cases: &[(&str, &str, &str)] = &[
        ("      securityContext:\n", "      hostNetwork: true\n      securityContext:\n", "host-namespaces"),
        ("      securityContext:\n", "      hostPID: true\n      securityContext:\n", "host-namespaces"),
        ("      securityContext:\n", "      hostIPC: true\n      securityContext:\n", "host-namespaces"),
        ("            allowPrivilegeEscalation: false\n", "            allowPrivilegeEscalation: false\n            privileged: true\n", "privileged-container"),
        ("              drop: [\"ALL\"]\n", "              drop: [\"ALL\"]\n              add: [\"SYS_ADMIN\"]\n", "baseline-capabilities"),
        ("              drop: [\"ALL\"]\n", "              drop: [\"ALL\"]\n              add: [\"CHOWN\"]\n", "restricted-capabilities"),
        ("              drop: [\"ALL\"]\n", "              drop: [\"NET_RAW\"]\n", "restricted-capabilities"),
        ("          emptyDir: {}\n", "          hostPath: {path: /tmp}\n", "host-path-volume"),
        ("          emptyDir: {}\n", "          nfs: {server: nfs, path: /tmp}\n", "restricted-volume-types"),
        ("            - containerPort: 8080\n", "            - containerPort: 8080\n              hostPort: 8080\n", "host-ports"),
        ("          volumeMounts:\n", "          livenessProbe:\n            tcpSocket: {host: 10.0.0.1, port: 8080}\n          volumeMounts:\n", "host-probes"),
        ("        runAsUser: 10001\n", "        runAsUser: 10001\n        appArmorProfile: {type: Unconfined}\n", "apparmor"),
        ("      labels: {app: web}\n    spec:", "      labels: {app: web}\n      annotations:\n        container.apparmor.security.beta.kubernetes.io/web: unconfined\n    spec:", "apparmor"),
        ("        runAsUser: 10001\n", "        runAsUser: 10001\n        seLinuxOptions: {type: spc_t}\n", "selinux"),
        ("        runAsUser: 10001\n", "        runAsUser: 10001\n        seLinuxOptions: {user: system_u}\n", "selinux"),
        ("            allowPrivilegeEscalation: false\n", "            allowPrivilegeEscalation: false\n            procMount: Unmasked\n", "proc-mount"),
        ("          type: RuntimeDefault\n", "          type: Unconfined\n", "seccomp-unconfined"),
        ("        seccompProfile:\n          type: RuntimeDefault\n", "", "seccomp-profile"),
        ("        runAsUser: 10001\n", "        runAsUser: 10001\n        sysctls: [{name: kernel.msgmax, value: \"1\"}]\n", "sysctls"),
        ("            readOnlyRootFilesystem: true\n", "            readOnlyRootFilesystem: true\n            windowsOptions: {hostProcess: true}\n", "windows-host-process"),
        ("            allowPrivilegeEscalation: false\n", "            allowPrivilegeEscalation: true\n", "allow-privilege-escalation"),
        ("            allowPrivilegeEscalation: false\n", "", "allow-privilege-escalation"),
        ("        runAsNonRoot: true\n", "", "run-as-non-root"),
        ("        runAsNonRoot: true\n", "        runAsNonRoot: false\n", "run-as-non-root"),
        ("        runAsUser: 10001\n", "        runAsUser: 0\n", "run-as-user-root"),
        ("            readOnlyRootFilesystem: true\n", "", "read-only-root-filesystem"),
        ("      automountServiceAccountToken: false\n", "", "automount-service-account-token"),
    ];
    let mut failures = Vec::new();
    for (from, to, rule) in cases {
        assert!(HARDENED.contains(from), "{from}");
        let text = HARDENED.replacen(from, to, 1);
        let own = pod_security_findings(&text);
        let rules: Vec<&str> = own.iter().map(|f| &*f.rule).collect();
        if rules != [*rule] {
            failures.push(format!("{rule}: got {rules:?} for\n{to}\n{}", render(&own)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn namespace_enforce_makes_errors_and_exempts() {
    let broken = HARDENED.replacen("        runAsNonRoot: true\n", "", 1);
    let ns = |labels: &str| {
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n{labels}---\n{broken}")
    };
    let run = |text: &str| {
        let out = lint_files(&[("a.yaml", text.as_bytes())], &[]);
        out.findings
            .into_iter()
            .filter(|f| &*f.rule == "run-as-non-root")
            .collect::<Vec<_>>()
    };
    // No Namespace in the input: the default level, a warning.
    let f = run(&broken);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity.as_str(), "warning");
    // enforce: restricted → error that names the consequence.
    let f = run(&ns("    pod-security.kubernetes.io/enforce: restricted\n"));
    assert_eq!(f[0].severity.as_str(), "error");
    assert!(
        f[0].message
            .contains("ReplicaSet will fail to create the pods"),
        "{}",
        f[0].message
    );
    // enforce: baseline → a restricted-only control does not apply.
    assert!(run(&ns("    pod-security.kubernetes.io/enforce: baseline\n")).is_empty());
    // A version before the control starts (1.23 for runAsUser) exempts it.
    let user0 = HARDENED.replacen("runAsUser: 10001", "runAsUser: 0", 1);
    let text = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: v1.22\n---\n{user0}");
    let out = lint_files(&[("a.yaml", text.as_bytes())], &[]);
    assert!(!out.findings.iter().any(|f| &*f.rule == "run-as-user-root"));
    // enforce: privileged but warn: restricted → warning.
    let f = run(&ns("    pod-security.kubernetes.io/enforce: privileged\n    pod-security.kubernetes.io/warn: restricted\n"));
    assert_eq!(f[0].severity.as_str(), "warning");
    assert!(f[0]
        .message
        .starts_with("namespace `shop` warns at restricted"));
}

#[test]
fn pss_level_option() {
    use kubelint::engine::{lint, Input, Options, PssLevel};
    use std::sync::Arc;
    let text = HARDENED
        .replacen(
            "      securityContext:\n",
            "      hostNetwork: true\n      securityContext:\n",
            1,
        )
        .replacen("        runAsUser: 10001\n", "        runAsUser: 0\n", 1);
    let run = |level| {
        let opts = Options {
            pss_level: level,
            ..Options::default()
        };
        let input = Input::Bytes {
            display: Arc::from("a.yaml"),
            bytes: text.as_bytes().into(),
        };
        let mut rules: Vec<String> = lint(&[input], &opts)
            .findings
            .iter()
            .filter(|f| &*f.category == "pod-security")
            .map(|f| f.rule.to_string())
            .collect();
        rules.sort();
        rules
    };
    assert_eq!(
        run(PssLevel::Restricted),
        ["host-namespaces", "run-as-user-root"]
    );
    assert_eq!(run(PssLevel::Baseline), ["host-namespaces"]);
    assert!(run(PssLevel::Privileged).is_empty());
}

/// The Pod Security Admission project's own fixtures (in the shared corpus,
/// when present): every `fail` file gets at least one control finding at
/// its level, every `pass` file none.
#[test]
fn agrees_with_pod_security_admission_fixtures() {
    use kubelint::engine::{lint, Input, Options, PssLevel};
    use std::sync::Arc;
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let root = corpus.join("kubernetes__pod-security-admission/test/testdata");
    if !root.is_dir() {
        return;
    }
    let hardening = [
        "read-only-root-filesystem",
        "missing-security-context",
        "automount-service-account-token",
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (level, name) in [
        (PssLevel::Baseline, "baseline"),
        (PssLevel::Restricted, "restricted"),
    ] {
        for verdict in ["pass", "fail"] {
            let dir = root.join(name).join("v1.37").join(verdict);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let bytes = std::fs::read(e.path()).unwrap();
                let opts = Options {
                    pss_level: level,
                    ..Options::default()
                };
                let input = Input::Bytes {
                    display: Arc::from(e.file_name().to_string_lossy().as_ref()),
                    bytes: bytes.into(),
                };
                let rules: Vec<String> = lint(&[input], &opts)
                    .findings
                    .iter()
                    .filter(|f| &*f.category == "pod-security" && !hardening.contains(&&*f.rule))
                    .map(|f| f.rule.to_string())
                    .collect();
                checked += 1;
                if (verdict == "pass") != rules.is_empty() {
                    failures.push(format!("{name}/{verdict}/{:?}: {rules:?}", e.file_name()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{checked} checked:\n{}",
        failures.join("\n")
    );
}
