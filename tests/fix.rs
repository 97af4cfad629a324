//! `--fix`: before/after snapshots of every fix in every layout
//! (`testdata/fix/`), a property test over generated manifests in random
//! styles, and the command line (`--fix`, `--diff`, `--unsafe-fixes`,
//! stdin, JSON and SARIF fixes).

mod common;

use assert_cmd::Command;
use kubelint::engine::{Input, Options};
use kubelint::fix::{self, FixRun};
use kubelint::rules::Selection;
use kubelint::yaml::{load, yaml11_bool, LoadLimits};
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options(rules: Option<&[String]>) -> Options {
    let mut selection = Selection::default();
    if let Some(r) = rules {
        selection
            .apply(r, &["all".to_string()])
            .expect("known rules");
    }
    Options {
        selection,
        ..Options::default()
    }
}

/// Fix one in-memory file; returns the fixed text and the run.
fn fix_text(name: &str, text: &str, opts: &Options, unsafe_fixes: bool) -> (String, FixRun) {
    let inputs = [Input::Bytes {
        display: Arc::from(name),
        bytes: text.as_bytes().into(),
    }];
    let run = fix::run(&inputs, opts, unsafe_fixes);
    let fixed = run
        .files
        .first()
        .map_or_else(|| text.to_string(), |f| f.fixed.clone());
    (fixed, run)
}

/// The documents of a text as Kubernetes reads them.
fn meaning(text: &str) -> Result<Vec<Value>, String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let loaded = load(body, &LoadLimits::default());
    if let Some(e) = loaded.error {
        return Err(format!(
            "does not parse: {} at byte {}",
            e.message, e.offset
        ));
    }
    Ok(loaded.documents.iter().map(|d| d.to_json(d.root)).collect())
}

/// Keys a fix may add.
const ADDED: &[&str] = &[
    "securityContext",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "runAsNonRoot",
    "capabilities",
    "drop",
    "seccompProfile",
    "type",
    "automountServiceAccountToken",
    "omitStages",
    "resources",
    "requests",
    "cpu",
    "memory",
];

/// Fields a fix may change, with the value it sets.
fn fixed_value(key: &str) -> Option<Value> {
    Some(match key {
        "allowPrivilegeEscalation" => Value::Bool(false),
        "readOnlyRootFilesystem" | "runAsNonRoot" => Value::Bool(true),
        "readOnlyPort" => Value::from(0),
        "automountServiceAccountToken" => Value::Bool(false),
        _ => return None,
    })
}

/// Compare two documents: every difference must be one a fix makes.
fn compare(path: &str, key: &str, a: &Value, b: &Value, errors: &mut Vec<String>) {
    match (a, b) {
        _ if a == b => {}
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => compare(&format!("{path}.{k}"), k, va, vb, errors),
                    None => errors.push(format!("{path}.{k} was removed")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                if !ADDED.contains(&k.as_str()) {
                    errors.push(format!("{path}.{k} was added"));
                }
            }
        }
        (Value::Array(x), Value::Array(y))
            if matches!(key, "drop" | "omitStages")
                && y.len() == x.len() + 1
                && y[..x.len()] == x[..]
                && matches!(
                    y.last().and_then(Value::as_str),
                    Some("ALL" | "RequestReceived")
                ) => {}
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                compare(&format!("{path}[{i}]"), key, va, vb, errors);
            }
        }
        (Value::Bool(p), Value::String(s)) if yaml11_bool(s) == Some(*p) => {}
        (Value::String(s0), Value::String(s1)) if key == "image" => {
            let moved = [
                "k8s.gcr.io/",
                "gcr.io/google_containers/",
                "gcr.io/google-containers/",
            ]
            .iter()
            .find_map(|p| s0.strip_prefix(p))
            .map(|rest| format!("registry.k8s.io/{rest}"));
            if moved.as_deref() != Some(s1.as_str()) {
                errors.push(format!("{path}: image {s0} became {s1}"));
            }
        }
        // A removed apiVersion replaced by its stable successor.
        (Value::String(s0), Value::String(s1))
            if key == "apiVersion"
                && (s0.contains("alpha") || s0.contains("beta"))
                && !s1.contains("alpha")
                && !s1.contains("beta") => {}
        (_, v) if fixed_value(key).as_ref() == Some(v) => {}
        (Value::Null, Value::Object(_) | Value::Array(_)) if ADDED.contains(&key) => {}
        _ => errors.push(format!("{path}: {a} became {b}")),
    }
}

/// The fixed text parses, has the same documents, and differs from the
/// original only where a fix writes.
fn check_meaning(before: &str, after: &str) -> Result<(), String> {
    let a = meaning(before)?;
    let b = meaning(after)?;
    if a.len() != b.len() {
        return Err(format!("{} documents became {}", a.len(), b.len()));
    }
    let mut errors = Vec::new();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        compare(&format!("doc{i}"), "", x, y, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// The comment lines of a text, in order.
fn comments(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('#'))
        .collect()
}

struct Case {
    name: String,
    text: String,
    rules: Option<Vec<String>>,
    unsafe_fixes: bool,
}

fn cases() -> Vec<Case> {
    let dir = root().join("testdata/fix");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "json")
            )
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let rules = text.lines().next().and_then(|l| {
                l.strip_prefix("# rules:")
                    .map(|r| r.split(',').map(|s| s.trim().to_string()).collect())
            });
            let unsafe_fixes = text.lines().take(3).any(|l| l.trim() == "# unsafe");
            Case {
                name: p.file_name().unwrap().to_string_lossy().to_string(),
                text,
                rules,
                unsafe_fixes,
            }
        })
        .collect()
}

/// The snapshot of a case: the diff, then what the rules still report.
fn render(case: &Case, fixed: &str, run: &FixRun) -> String {
    let mut s = fix::unified_diff(&case.name, &case.text, fixed);
    if s.is_empty() {
        s.push_str("(no change)\n");
    }
    s.push_str("\nremaining:\n");
    for f in &run.outcome.findings {
        let l = f.location.unwrap();
        let fix = match &f.fix {
            Some(x) => format!(" [{} fix: {}]", x.safety.as_str(), x.description),
            None => String::new(),
        };
        s.push_str(&format!("  {}:{} {}{fix}\n", l.line, l.column, f.rule));
    }
    s
}

#[test]
fn every_fix_before_and_after() {
    let all = cases();
    assert!(all.len() >= 20, "the fixtures are there");
    for case in &all {
        let opts = options(case.rules.as_deref());
        let (fixed, run) = fix_text(&case.name, &case.text, &opts, case.unsafe_fixes);
        assert!(run.refused.is_empty(), "{}: {:?}", case.name, run.refused);
        if let Err(e) = check_meaning(&case.text, &fixed) {
            panic!(
                "{}: the fix changed more than it should:\n{e}\n{fixed}",
                case.name
            );
        }
        assert_eq!(
            comments(&case.text),
            comments(&fixed),
            "{}: comments are kept",
            case.name
        );
        if case.name.ends_with(".json") {
            serde_json::from_str::<Value>(&fixed)
                .unwrap_or_else(|e| panic!("{}: not JSON any more: {e}\n{fixed}", case.name));
        }
        // Converged: nothing fixable is left (fixes that cannot be made
        // safely are not offered at all).
        let s = &run.outcome.summary;
        assert_eq!(s.fixable, 0, "{}: safe fixes left", case.name);
        if case.unsafe_fixes {
            assert_eq!(s.unsafe_fixable, 0, "{}: unsafe fixes left", case.name);
        }
        // Idempotent.
        let (again, _) = fix_text(&case.name, &fixed, &opts, case.unsafe_fixes);
        assert_eq!(
            again, fixed,
            "{}: a second --fix changes nothing",
            case.name
        );
        // The same fixes with CRLF line endings, and after a byte-order mark.
        let crlf = case.text.replace('\n', "\r\n");
        let (fixed_crlf, _) = fix_text(&case.name, &crlf, &opts, case.unsafe_fixes);
        assert_eq!(
            fixed_crlf,
            fixed.replace('\n', "\r\n"),
            "{}: CRLF stays CRLF",
            case.name
        );
        let bom = format!("\u{feff}{}", case.text);
        let (fixed_bom, _) = fix_text(&case.name, &bom, &opts, case.unsafe_fixes);
        assert_eq!(fixed_bom, format!("\u{feff}{fixed}"), "{}: BOM", case.name);

        let stem = case.name.replace('.', "-");
        insta::with_settings!({snapshot_path => "../testdata/fix/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(stem, render(case, &fixed, &run));
        });
    }
}

#[test]
fn unsafe_fixes_wait_for_the_flag() {
    let text =
        std::fs::read_to_string(root().join("testdata/fix/unsafe-resource-requests.yaml")).unwrap();
    let rules = ["missing-cpu-request".to_string()];
    let opts = options(Some(&rules));
    let (fixed, run) = fix_text("u.yaml", &text, &opts, false);
    assert_eq!(fixed, text, "not applied without --unsafe-fixes");
    assert_eq!(run.outcome.summary.unsafe_fixable, 3);
    assert_eq!(run.applied, 0);
    let (fixed, run) = fix_text("u.yaml", &text, &opts, true);
    assert_ne!(fixed, text);
    assert_eq!(run.applied, 3);
    assert_eq!(run.outcome.summary.unsafe_fixable, 0);
}

#[test]
fn fixes_are_refused_in_files_with_syntax_errors() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: yes}\n---\nb: [\n";
    let (fixed, run) = fix_text("broken.yaml", text, &options(None), false);
    assert_eq!(fixed, text);
    assert_eq!(run.refused.len(), 1);
    assert!(run.refused[0].1.contains("syntax error"));
}

// ---------------------------------------------------------------------------
// Property: generated manifests in random layouts

#[derive(Debug, Clone)]
struct Style {
    indent: usize,
    seq_indent: bool,
    crlf: bool,
    comments: bool,
    final_newline: bool,
    single_quotes: bool,
}

#[derive(Debug, Clone)]
enum Sc {
    None,
    Null,
    EmptyFlow,
    Flow,
    Block {
        escalate: Option<bool>,
        privileged: bool,
        drop: bool,
        root: bool,
    },
}

#[derive(Debug, Clone)]
struct Ctr {
    legacy_image: bool,
    resources: u8,
    sc: Sc,
    tail: u8,
}

#[derive(Debug, Clone)]
struct Workload {
    deployment: bool,
    label_bool: bool,
    pod_sc: u8,
    sa: bool,
    containers: Vec<Ctr>,
    kubectl: bool,
}

fn sc_strategy() -> impl Strategy<Value = Sc> {
    prop_oneof![
        Just(Sc::None),
        Just(Sc::Null),
        Just(Sc::EmptyFlow),
        Just(Sc::Flow),
        (
            proptest::option::of(any::<bool>()),
            any::<bool>(),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(escalate, privileged, drop, root)| Sc::Block {
                escalate,
                privileged,
                drop,
                root
            }),
    ]
}

fn workload_strategy() -> impl Strategy<Value = Workload> {
    let ctr = (any::<bool>(), 0u8..3, sc_strategy(), 0u8..5).prop_map(
        |(legacy_image, resources, sc, tail)| Ctr {
            legacy_image,
            resources,
            sc,
            tail,
        },
    );
    (
        any::<bool>(),
        any::<bool>(),
        0u8..4,
        any::<bool>(),
        proptest::collection::vec(ctr, 1..4),
        any::<bool>(),
    )
        .prop_map(
            |(deployment, label_bool, pod_sc, sa, containers, kubectl)| Workload {
                deployment,
                label_bool,
                pod_sc,
                sa,
                containers,
                kubectl,
            },
        )
}

fn style_strategy() -> impl Strategy<Value = Style> {
    (
        prop_oneof![Just(2usize), Just(4usize)],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(indent, seq_indent, crlf, comments, final_newline, single_quotes)| Style {
                indent,
                seq_indent,
                crlf,
                comments,
                final_newline,
                single_quotes,
            },
        )
}

/// Write a workload in the given style.
fn render_workload(w: &Workload, st: &Style, n: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let i = st.indent;
    let q = |s: &str| {
        if st.single_quotes {
            format!("'{s}'")
        } else {
            format!("\"{s}\"")
        }
    };
    let mut push = |col: usize, s: &str| lines.push(format!("{}{s}", " ".repeat(col)));
    if st.comments {
        push(0, &format!("# workload {n}"));
    }
    if w.deployment {
        push(0, "apiVersion: apps/v1");
        push(0, "kind: Deployment");
    } else {
        push(0, "apiVersion: v1");
        push(0, "kind: Pod");
    }
    push(0, "metadata:");
    push(i, &format!("name: w{n}"));
    push(i, "labels:");
    push(2 * i, &format!("app: {}", q(&format!("w{n}"))));
    if w.label_bool {
        push(2 * i, "canary: yes");
    }
    let mut spec_col = 0;
    push(0, "spec:");
    if w.deployment {
        push(i, "selector:");
        push(2 * i, &format!("matchLabels: {{app: w{n}}}"));
        push(i, "template:");
        push(2 * i, "metadata:");
        push(3 * i, &format!("labels: {{app: w{n}}}"));
        push(2 * i, "spec:");
        spec_col = 2 * i;
    }
    let c = spec_col + i;
    if w.sa {
        push(c, "serviceAccountName: app");
    }
    match w.pod_sc {
        1 => {
            push(c, "securityContext:");
            push(c + i, "fsGroup: 2000");
        }
        2 => push(c, "securityContext: {}"),
        3 => push(c, "securityContext:"),
        _ => {}
    }
    push(c, "containers:");
    let dash = if st.seq_indent { c + i } else { c };
    let k = dash + 2;
    for (j, ct) in w.containers.iter().enumerate() {
        if st.comments && j > 0 {
            push(0, "");
            push(k, &format!("# container {j}"));
        }
        let image = if ct.legacy_image {
            "k8s.gcr.io/pause:3.2".to_string()
        } else if w.kubectl && j == 0 {
            "bitnami/kubectl:1.30".to_string()
        } else {
            "app:1.0".to_string()
        };
        if ct.tail == 4 {
            // A container written as one flow mapping.
            push(
                dash,
                &format!("- {{name: c{j}, image: \"{image}\", env: [{{name: A, value: on}}]}}"),
            );
            continue;
        }
        push(dash, &format!("- name: c{j}"));
        let trailing = if st.comments { "   # image" } else { "" };
        push(k, &format!("image: {image}{trailing}"));
        match ct.resources {
            1 => {
                push(k, "resources:");
                push(k + i, "requests: {cpu: 10m, memory: 16Mi}");
                push(k + i, "limits: {memory: 16Mi}");
            }
            2 => push(k, "resources: {}"),
            _ => {}
        }
        match &ct.sc {
            Sc::None => {}
            Sc::Null => push(k, "securityContext:"),
            Sc::EmptyFlow => push(k, "securityContext: {}"),
            Sc::Flow => push(k, "securityContext: {runAsUser: 1000}"),
            Sc::Block {
                escalate,
                privileged,
                drop,
                root,
            } => {
                push(k, "securityContext:");
                push(
                    k + i,
                    &format!("runAsUser: {}", if *root { 0 } else { 1000 }),
                );
                if let Some(e) = escalate {
                    push(k + i, &format!("allowPrivilegeEscalation: {e}"));
                }
                if *privileged {
                    push(k + i, "privileged: true");
                }
                if *drop {
                    push(k + i, "capabilities:");
                    push(k + 2 * i, "drop:");
                    let d = if st.seq_indent { k + 3 * i } else { k + 2 * i };
                    push(d, "- NET_RAW");
                }
                if st.comments {
                    push(k + i, "# more settings later");
                }
            }
        }
        match ct.tail {
            1 => {
                push(k, "args:");
                let d = if st.seq_indent { k + i } else { k };
                push(d, "- --port=8080");
                push(d, "- on");
            }
            2 => {
                push(k, "command: |");
                push(k + i, "echo hello");
                push(k + i, "exec app");
            }
            3 => {
                push(k, "env:");
                let d = if st.seq_indent { k + i } else { k };
                push(d, "- name: DEBUG");
                push(d + 2, "value: off");
            }
            _ => {}
        }
    }
    if st.comments {
        push(0, "# end");
    }
    lines.join("\n")
}

fn render_stream(ws: &[Workload], st: &Style) -> String {
    let docs: Vec<String> = ws
        .iter()
        .enumerate()
        .map(|(n, w)| render_workload(w, st, n))
        .collect();
    let mut text = docs.join("\n---\n");
    if st.final_newline {
        text.push('\n');
    }
    if st.crlf {
        text = text.replace('\n', "\r\n");
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fixes_keep_yaml_valid_and_untouched_nodes_unchanged(
        ws in proptest::collection::vec(workload_strategy(), 1..3),
        st in style_strategy(),
        unsafe_fixes in any::<bool>(),
    ) {
        let text = render_stream(&ws, &st);
        prop_assume!(meaning(&text).is_ok());
        let opts = options(None);
        let (fixed, run) = fix_text("gen.yaml", &text, &opts, unsafe_fixes);
        prop_assert!(run.refused.is_empty(), "refused: {:?}\n{}", run.refused, text);
        if let Err(e) = check_meaning(&text, &fixed) {
            prop_assert!(false, "{}\n--- before\n{}\n--- after\n{}", e, text, fixed);
        }
        prop_assert_eq!(comments(&text), comments(&fixed));
        prop_assert_eq!(run.outcome.summary.fixable, 0, "converged:\n{}", fixed);
        if st.crlf {
            prop_assert!(!fixed.replace("\r\n", "").contains('\n'), "CRLF kept:\n{:?}", fixed);
        }
        prop_assert_eq!(st.final_newline, fixed.ends_with('\n'));
        let (again, _) = fix_text("gen.yaml", &fixed, &opts, unsafe_fixes);
        prop_assert_eq!(again, fixed);
    }
}

// ---------------------------------------------------------------------------
// The real-world corpus

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            corpus_files(&p, out);
        } else if ft.is_file()
            && matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml" | "json")
            )
        {
            out.push(p);
        }
    }
}

/// `--fix --unsafe-fixes` over the whole corpus (in memory): every changed
/// file still parses, keeps its comments and the meaning of every node no
/// fix touched, nothing fixable is left, and only files with a syntax
/// error are refused.
#[test]
fn corpus_round_trip() {
    let Some(corpus) = common::corpus_dir() else {
        if std::env::var_os("KUBELINT_SKIP_CORPUS").is_some() {
            return;
        }
        panic!("../shared/corpus is missing (set KUBELINT_SKIP_CORPUS=1 to skip)");
    };
    let mut files = Vec::new();
    corpus_files(&corpus, &mut files);
    files.sort();
    let inputs: Vec<Input> = files
        .iter()
        .map(|p| Input::File {
            path: p.clone(),
            display: Arc::from(p.strip_prefix(&corpus).unwrap().to_string_lossy().as_ref()),
        })
        .collect();
    // The rules that have fixes (the others cost time and fix nothing).
    let fixable: Vec<String> = [
        "yaml11-boolean",
        "deprecated-registry",
        "allow-privilege-escalation",
        "restricted-capabilities",
        "run-as-non-root",
        "seccomp-profile",
        "read-only-root-filesystem",
        "automount-service-account-token",
        "audit-omit-request-received",
        "kubelet-read-only-port",
        "missing-cpu-request",
        "missing-memory-request",
    ]
    .map(String::from)
    .to_vec();
    let opts = options(Some(&fixable));
    let run = fix::run(&inputs, &opts, true);
    for (file, reason) in &run.refused {
        assert!(
            file.starts_with("_not-plain-yaml/") && reason.contains("syntax error"),
            "{file}: {reason}"
        );
    }
    assert!(run.files.len() > 500, "{} files fixed", run.files.len());
    let mut failures = Vec::new();
    for f in &run.files {
        if let Err(e) = check_meaning(&f.original, &f.fixed) {
            failures.push(format!("{}: {e}", f.display));
        }
        if comments(&f.original) != comments(&f.fixed) {
            failures.push(format!("{}: comments changed", f.display));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let s = &run.outcome.summary;
    assert_eq!(
        (s.fixable, s.unsafe_fixable),
        (0, 0),
        "nothing fixable left"
    );
    assert!(run.rounds <= fix::MAX_ROUNDS);
}

// ---------------------------------------------------------------------------
// Command line

fn kubelint() -> Command {
    let mut c = Command::cargo_bin("kubelint").unwrap();
    c.env_remove("NO_COLOR").env_remove("GITHUB_STEP_SUMMARY");
    c
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p   # the pod\nspec:\n  containers:\n  - name: a\n    image: k8s.gcr.io/pause:3.2\n";

fn write_tree(dir: &Path) -> PathBuf {
    let f = dir.join("pod.yaml");
    std::fs::write(&f, POD).unwrap();
    std::fs::write(
        dir.join("ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
    )
    .unwrap();
    f
}

#[test]
fn cli_diff_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_tree(dir.path());
    let out = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--diff", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a diff exits 1");
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.starts_with("--- a/pod.yaml\n+++ b/pod.yaml\n@@"),
        "{diff}"
    );
    assert!(
        diff.contains("-    image: k8s.gcr.io/pause:3.2\n+    image: registry.k8s.io/pause:3.2\n")
    );
    assert!(diff.contains("+    securityContext:\n+      allowPrivilegeEscalation: false\n"));
    assert!(!diff.contains("ok.yaml"));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("would fix "), "{err}");
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        POD,
        "--diff writes nothing"
    );
    // Nothing to fix: no diff, exit as for linting.
    let clean = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--diff", "ok.yaml"])
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0));
    assert!(clean.stdout.is_empty());
}

#[test]
fn cli_fix_writes_and_reports_what_remains() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_tree(dir.path());
    let before = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--format", "json", "."])
        .output()
        .unwrap();
    let before: Value = serde_json::from_slice(&before.stdout).unwrap();
    let fixable = before["summary"]["fixable"].as_u64().unwrap();
    assert!(fixable >= 6, "{}", before["summary"]);
    let out = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--fix", "--format", "json", "."])
        .output()
        .unwrap();
    let after: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &after["summary"];
    assert_eq!(s["fixable"], 0);
    assert!(s["fixed"].as_u64().unwrap() >= fixable);
    assert!(
        s["unsafe_fixable"].as_u64().unwrap() >= 2,
        "placeholder requests wait"
    );
    // The exit code reflects what remains (missing requests are warnings).
    let errors = s["errors"].as_u64().unwrap();
    assert_eq!(out.status.code(), Some(i32::from(errors > 0)));
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(
        text.contains("  name: p   # the pod\n"),
        "comments kept:\n{text}"
    );
    assert!(text.contains("image: registry.k8s.io/pause:3.2"));
    // A re-lint agrees with the report.
    let relint = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--format", "json", "."])
        .output()
        .unwrap();
    let relint: Value = serde_json::from_slice(&relint.stdout).unwrap();
    assert_eq!(relint["findings"], after["findings"]);
    // The unsafe ones.
    let out = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--fix", "--unsafe-fixes", "-q", "."])
        .output()
        .unwrap();
    assert!(
        out.stdout.is_empty()
            || !String::from_utf8_lossy(&out.stdout).contains("missing-cpu-request")
    );
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(
        text.contains("    resources:\n      requests:\n        cpu: 100m\n"),
        "{text}"
    );
}

#[test]
fn cli_fix_on_stdin_prints_the_fixed_text() {
    let out = kubelint()
        .args(["--no-config", "--fix", "-", "--format", "json"])
        .write_stdin(POD)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("apiVersion: v1\nkind: Pod\n"), "{text}");
    assert!(text.contains("registry.k8s.io/pause:3.2"));
    let report: Value = serde_json::from_slice(&out.stderr).expect("the report on stderr");
    assert_eq!(report["summary"]["fixable"], 0);
}

#[test]
fn cli_human_json_and_sarif_show_fixes() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path());
    let human = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "pod.yaml"])
        .output()
        .unwrap();
    let h = String::from_utf8(human.stdout).unwrap();
    assert!(
        h.contains("fix available (kubelint --fix): Pull from `registry.k8s.io/`"),
        "{h}"
    );
    assert!(
        h.contains("unsafe fix available (kubelint --fix --unsafe-fixes)"),
        "{h}"
    );
    assert!(
        h.contains("fixable with --fix; 2 more with --fix --unsafe-fixes\n"),
        "{h}"
    );

    let json = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--format", "json", "pod.yaml"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    let reg = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "deprecated-registry")
        .unwrap();
    let fix = &reg["fix"];
    assert_eq!(fix["safety"], "safe");
    let e = &fix["edits"][0];
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(8), Some(12))
    );
    assert_eq!(
        (e["end_line"].as_u64(), e["end_column"].as_u64()),
        (Some(8), Some(23))
    );
    assert_eq!(e["content"], "registry.k8s.io/");
    let (s, t) = (
        e["start_byte"].as_u64().unwrap() as usize,
        e["end_byte"].as_u64().unwrap() as usize,
    );
    assert_eq!(&POD[s..t], "k8s.gcr.io/");

    let sarif = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--format", "sarif", "pod.yaml"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let res = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "deprecated-registry")
        .unwrap();
    let change = &res["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "pod.yaml");
    let r = &change["replacements"][0];
    assert_eq!(r["deletedRegion"]["startLine"], 8);
    assert_eq!(r["deletedRegion"]["startColumn"], 12);
    assert_eq!(r["deletedRegion"]["endColumn"], 23);
    assert_eq!(r["insertedContent"]["text"], "registry.k8s.io/");
}
