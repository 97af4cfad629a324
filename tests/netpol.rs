//! NetworkPolicy coverage on a realistic three-tier app: clean as written,
//! exactly the expected finding for each single mistake, and the
//! reachability matrix of `kubelint netpol`; and which policies count for
//! which workloads when one input holds several projects.

mod common;

use assert_cmd::Command;
use common::lint_files;
use kubelint::netpol::{matrices, Cell};

const APP: &str = include_str!("../testdata/netpol/three-tier.yaml");

/// Findings of the network-policy category as (rule, line).
fn findings(text: &str) -> Vec<(String, u32)> {
    let out = lint_files(&[("app.yaml", text.as_bytes())], &[]);
    out.findings
        .iter()
        .filter(|f| &*f.category == "network-policy")
        .map(|f| (f.rule.to_string(), f.location.map_or(0, |l| l.line)))
        .collect()
}

fn rules(text: &str) -> Vec<String> {
    findings(text).into_iter().map(|(r, _)| r).collect()
}

fn mutate(from: &str, to: &str) -> String {
    assert!(APP.contains(from), "fixture lacks {from:?}");
    APP.replacen(from, to, 1)
}

#[test]
fn the_three_tier_app_is_clean() {
    assert_eq!(findings(APP), []);
}

#[test]
fn each_single_mistake_gives_exactly_the_expected_finding() {
    let cases: &[(&str, &str, &[&str])] = &[
        // The namespace-wide default deny becomes ingress-only.
        ("policyTypes: [Ingress, Egress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-dns",
         "policyTypes: [Ingress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-dns",
         &["missing-default-deny-egress"]),
        // A typo in the backend policy's client selector.
        ("matchLabels: {app: frontend}\n      ports: [{port: grpc}]", "matchLabels: {app: frontnd}\n      ports: [{port: grpc}]",
         &["network-policy-peer-selects-nothing"]),
        // The backend policy names a port the container does not declare.
        ("ports: [{port: grpc}]", "ports: [{port: grcp}]", &["network-policy-named-port-undefined"]),
        // The db policy targets a label nothing carries.
        ("podSelector:\n    matchLabels: {app: db}\n  policyTypes: [Ingress]", "podSelector:\n    matchLabels: {app: database}\n  policyTypes: [Ingress]",
         &["dangling-network-policy"]),
        // DNS over UDP only: every workload is affected.
        ("        - {port: 53, protocol: TCP}\n", "",
         &["network-policy-egress-without-dns", "network-policy-egress-without-dns", "network-policy-egress-without-dns"]),
        // The old `name` label for the DNS namespace.
        ("matchLabels: {kubernetes.io/metadata.name: kube-system}", "matchLabels: {name: kube-system}",
         &["namespace-selector-name-label", "network-policy-egress-without-dns", "network-policy-egress-without-dns", "network-policy-egress-without-dns"]),
        // A broken CIDR.
        ("cidr: 0.0.0.0/0", "cidr: 0.0.0.0/33", &["invalid-ip-block"]),
    ];
    for (from, to, expected) in cases {
        let mut got = rules(&mutate(from, to));
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "mutation {from:?} -> {to:?}");
    }
    // A new workload that no policy but the default deny selects is still
    // covered; with the default deny removed it is reported.
    let without_deny = mutate(
        "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
        "  podSelector: {matchLabels: {app: none}}\n  policyTypes: [Ingress, Egress]\n",
    );
    let got = rules(&without_deny);
    assert!(
        got.contains(&"missing-default-deny-ingress".to_string()),
        "{got:?}"
    );
    assert!(
        got.contains(&"dangling-network-policy".to_string()),
        "{got:?}"
    );
}

#[test]
fn reachability_matrix() {
    let out = lint_files(&[("app.yaml", APP.as_bytes())], &[]);
    let ms = matrices(&out.index);
    assert_eq!(ms.len(), 1);
    let m = &ms[0];
    assert_eq!(m.namespace, "shop");
    assert_eq!(
        m.workloads,
        [
            "Deployment/backend",
            "Deployment/frontend",
            "StatefulSet/db"
        ]
    );
    let cell = |from: &str, to: &str| {
        let i = m.workloads.iter().position(|w| w.ends_with(from)).unwrap();
        let j = m.workloads.iter().position(|w| w.ends_with(to)).unwrap();
        m.cells[i][j].clone()
    };
    // The named port `grpc` is resolved on the backend.
    assert_eq!(
        cell("frontend", "backend"),
        Cell::Ports(vec!["9090/TCP".into()])
    );
    assert_eq!(cell("backend", "db"), Cell::Ports(vec!["5432/TCP".into()]));
    assert_eq!(cell("frontend", "db"), Cell::Blocked);
    assert_eq!(cell("db", "backend"), Cell::Blocked);
    assert_eq!(cell("backend", "frontend"), Cell::Blocked);
    // Without the db policy's isolation (and the default deny), db is open.
    let open = APP.replace("policyTypes: [Ingress, Egress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-dns", "policyTypes: [Egress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-dns")
        .replace("policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels: {app: backend}", "policyTypes: [Egress]\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels: {app: backend}");
    let out = lint_files(&[("app.yaml", open.as_bytes())], &[]);
    let m = &matrices(&out.index)[0];
    assert_eq!(
        m.cells[1][2],
        Cell::All,
        "frontend -> db once db is not isolated"
    );
}

#[test]
fn netpol_command_outputs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("kubelint")
            .unwrap()
            .current_dir(root)
            .arg("netpol")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let table = run(&["testdata/netpol"]);
    assert!(table.contains("namespace shop"));
    assert!(table
        .lines()
        .any(|l| l.starts_with("Deployment/frontend") && l.contains("9090/TCP")));
    let json: serde_json::Value =
        serde_json::from_str(&run(&["testdata/netpol", "--format", "json"])).unwrap();
    assert_eq!(json["version"], 1);
    let edges = json["namespaces"][0]["ingress"].as_array().unwrap();
    assert_eq!(edges.len(), 2);
    assert!(run(&["testdata/netpol", "--graph", "mermaid"]).contains("-->|9090/TCP|"));
    assert!(run(&["testdata/netpol", "--graph", "dot"]).starts_with("digraph netpol {"));
}

// One input, several projects: which policies govern which workloads.

const PROJECTS: &str = "testdata/netpol-projects";

/// A Deployment `name` without a namespace (so in `default`).
fn deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: {name}, image: registry.example.com/{name}:1.0.0}}]
"
    )
}

/// A policy selecting `app: target` (every pod for `{}`) with these types
/// and no rules.
fn policy(name: &str, selector: &str, types: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}}}
spec:
  podSelector: {selector}
  policyTypes: {types}
"
    )
}

const ALLOW_DNS: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: kube-system}
          podSelector:
            matchLabels: {k8s-app: kube-dns}
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
";

/// Sorted (rule, file) of the network-policy findings of in-memory files.
fn findings_in(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    let mut out: Vec<(String, String)> = lint_files(&files, &[])
        .findings
        .iter()
        .filter(|f| &*f.category == "network-policy")
        .map(|f| (f.rule.to_string(), f.file.to_string()))
        .collect();
    out.sort();
    out
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = expected
        .iter()
        .map(|(r, f)| (r.to_string(), f.to_string()))
        .collect();
    v.sort();
    v
}

/// Sorted (rule, file relative to the fixture root) of the network-policy
/// findings of `kubelint --format json` over `paths`.
fn cli_findings(paths: &[&str]) -> Vec<(String, String)> {
    let out = Command::cargo_bin("kubelint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(paths)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut v: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "network-policy")
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let file = file.strip_prefix(PROJECTS).unwrap_or(file);
            (f["rule"].as_str().unwrap().to_string(), file.to_string())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn unrelated_projects_sharing_a_namespace_are_judged_apart() {
    // shop/ denies all egress and forgets DNS; blog/ has no policy at all.
    // shop's policy neither isolates blog's pods nor covers its namespace.
    let monorepo = pairs(&[
        (
            "missing-default-deny-egress",
            "/monorepo/blog/deployment.yaml",
        ),
        (
            "missing-default-deny-ingress",
            "/monorepo/blog/deployment.yaml",
        ),
        (
            "missing-default-deny-ingress",
            "/monorepo/shop/deployment.yaml",
        ),
        (
            "network-policy-egress-without-dns",
            "/monorepo/shop/deployment.yaml",
        ),
    ]);
    assert_eq!(
        cli_findings(&["testdata/netpol-projects/monorepo"]),
        monorepo
    );
    // With a third project whose default deny allows DNS, nothing changes:
    // its policies are its own.
    assert_eq!(cli_findings(&[PROJECTS]), monorepo);
    // Each project alone gets the same findings.
    let shop = cli_findings(&["testdata/netpol-projects/monorepo/shop"]);
    let blog = cli_findings(&["testdata/netpol-projects/monorepo/blog"]);
    let mut both = [shop, blog].concat();
    both.sort();
    assert_eq!(both, monorepo);
}

#[test]
fn policies_in_a_sibling_directory_cover_the_project() {
    // layered/policies/ holds the namespace-wide default deny and DNS rule
    // for layered/apps/*, and apps/api/ also ships its own policy.
    assert_eq!(cli_findings(&["testdata/netpol-projects/layered"]), []);
    let out = Command::cargo_bin("kubelint")
        .unwrap()
        .current_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/netpol-projects/layered"
        ))
        .args([".", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["category"] != "network-policy"),
        "{json}"
    );
    // However deep the workloads, and with a policy of their own beside
    // them.
    let deny = policy("default-deny", "{}", "[Ingress, Egress]");
    let own = policy("web", "{matchLabels: {app: web}}", "[Ingress]");
    let files = [
        (
            "deploy/apps/team-a/web/base/deployment.yaml",
            deployment("web"),
        ),
        ("deploy/apps/team-a/web/base/networkpolicy.yaml", own),
        ("deploy/apps/team-b/api/deployment.yaml", deployment("api")),
        ("deploy/policies/default-deny.yaml", deny),
        ("deploy/policies/allow-dns.yaml", ALLOW_DNS.to_string()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    assert_eq!(findings_in(&files), []);
}

#[test]
fn subprojects_that_ship_their_own_policies_are_judged_apart() {
    let deny = format!(
        "{}---\n{ALLOW_DNS}",
        policy("deny", "{}", "[Ingress, Egress]")
    );
    let web = deployment("web");
    let worker = deployment("worker");
    // web/ is covered by its own policies; worker/ has none, so it lacks a
    // default deny rather than being an unselected pod of web's namespace.
    assert_eq!(
        findings_in(&[
            ("web/deployment.yaml", &web),
            ("web/networkpolicy.yaml", &deny),
            ("worker/deployment.yaml", &worker),
        ]),
        pairs(&[
            ("missing-default-deny-egress", "worker/deployment.yaml"),
            ("missing-default-deny-ingress", "worker/deployment.yaml"),
        ])
    );
    // One file, or one stream on stdin, is one project, as before.
    let stream = format!("{web}---\n{deny}---\n{worker}");
    assert_eq!(findings_in(&[("<stdin>", &stream)]), []);
    // So is a directory whose policies sit beside all of its workloads.
    assert_eq!(
        findings_in(&[
            ("app/web.yaml", &web),
            ("app/networkpolicy.yaml", &deny),
            ("app/worker.yaml", &worker),
        ]),
        []
    );
}

#[test]
fn a_policy_is_judged_against_the_workloads_of_its_project() {
    // a/ names a label that only b/'s workload carries, three levels away:
    // nothing in a/ is selected, so the policy is dangling there.
    let lonely = policy("api", "{matchLabels: {app: api}}", "[Ingress]");
    let deny = policy("deny", "{}", "[Ingress]");
    let got = findings_in(&[
        ("repos/a/k8s/web.yaml", &deployment("web")),
        ("repos/a/k8s/deny.yaml", &deny),
        ("repos/a/k8s/policies/api.yaml", &lonely),
        ("repos/b/k8s/apps/api.yaml", &deployment("api")),
    ]);
    assert!(
        got.contains(&(
            "dangling-network-policy".to_string(),
            "repos/a/k8s/policies/api.yaml".to_string()
        )),
        "{got:?}"
    );
    // b/ has no policy: its namespace lacks a default deny, its api is not
    // an unselected pod of a's.
    assert!(
        got.contains(&(
            "missing-default-deny-ingress".to_string(),
            "repos/b/k8s/apps/api.yaml".to_string()
        )),
        "{got:?}"
    );
    assert!(
        !got.iter()
            .any(|(r, _)| r == "pod-not-selected-by-network-policy"),
        "{got:?}"
    );
}

#[test]
fn one_matrix_per_project_tree() {
    let web = deployment("web");
    let deny = policy("deny", "{}", "[Ingress]");
    let out = lint_files(
        &[
            ("shop/web.yaml", web.as_bytes()),
            ("shop/deny.yaml", deny.as_bytes()),
            ("blog/web.yaml", web.as_bytes()),
        ],
        &[],
    );
    let ms = matrices(&out.index);
    let got: Vec<(Option<&str>, Cell)> = ms
        .iter()
        .map(|m| (m.directory.as_deref(), m.cells[0][0].clone()))
        .collect();
    // shop's web is isolated by shop's policy; blog's is open.
    assert_eq!(
        got,
        [(Some("blog"), Cell::All), (Some("shop"), Cell::Blocked)]
    );
    let out = Command::cargo_bin("kubelint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["netpol", "testdata/netpol-projects/monorepo"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("namespace default in testdata/netpol-projects/monorepo/blog/"),
        "{table}"
    );
    assert!(table.contains("namespace default in testdata/netpol-projects/monorepo/shop/"));
}

#[test]
fn a_tutorial_policy_for_pods_not_in_the_input_ties_nothing_together() {
    // A repository of examples: networking/policies/ holds a tutorial's
    // policies for pods made by `kubectl run` (`app: hello`, `app: foo`);
    // `app: hello` happens to be the label of two unrelated examples
    // beside networking/, and a third example has other labels.
    let hello = policy("hello", "{matchLabels: {app: hello}}", "[Ingress]");
    let foo = policy("foo", "{matchLabels: {app: foo}}", "[Egress]");
    let labelled = |name: &str, app: &str| {
        deployment(name).replace(&format!("app: {name}"), &format!("app: {app}"))
    };
    let files = [
        ("samples/networking/policies/hello.yaml", hello.clone()),
        ("samples/networking/policies/foo.yaml", foo),
        (
            "samples/quickstarts/hello-app/web.yaml",
            labelled("web", "hello"),
        ),
        (
            "samples/workloads/multi-arch/k8s/app.yaml",
            labelled("app", "hello"),
        ),
        ("samples/batch/redis/redis.yaml", deployment("redis")),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let got = findings_in(&files);
    // No example is an unselected pod of the tutorial's namespace: each
    // lacks a default deny of its own.
    assert!(
        !got.iter()
            .any(|(r, _)| r == "pod-not-selected-by-network-policy"),
        "{got:?}"
    );
    for f in [
        "samples/quickstarts/hello-app/web.yaml",
        "samples/workloads/multi-arch/k8s/app.yaml",
        "samples/batch/redis/redis.yaml",
    ] {
        assert!(
            got.contains(&("missing-default-deny-ingress".to_string(), f.to_string())),
            "{f}: {got:?}"
        );
    }
    // A kustomize overlay's policy selects in one place, base/, two
    // levels up: the project stays whole, and the unselected worker of
    // base/ is reported.
    let files = [
        ("app/overlays/prod/policy.yaml", hello),
        ("app/base/web.yaml", labelled("web", "hello")),
        ("app/base/worker.yaml", deployment("worker")),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    assert_eq!(
        findings_in(&files)
            .into_iter()
            .filter(|(r, _)| r == "pod-not-selected-by-network-policy")
            .collect::<Vec<_>>(),
        pairs(&[("pod-not-selected-by-network-policy", "app/base/worker.yaml")])
    );
}
