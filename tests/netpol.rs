//! NetworkPolicy coverage on a realistic three-tier app: clean as written,
//! exactly the expected finding for each single mistake, and the
//! reachability matrix of `kubelint netpol`.

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
