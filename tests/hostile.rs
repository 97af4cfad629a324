//! Hostile input (SPEC §3): alias bombs, 10 000-deep nesting, a 20 MB file,
//! a 50 000-document stream, invalid UTF-8, binary content. Each must give
//! a clear `yaml` finding (or none, when it is valid), never a panic, and
//! the other files of the run must still be linted. The big inputs are
//! generated here, not committed.

mod common;

use common::lint_files;
use kubelint::engine::Outcome;
use kubelint::yaml::{load, LoadLimits, MAX_RELAX_WORK};
use proptest::prelude::*;

const GOOD_BOOL: &[u8] = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: yes}\n";

/// Lint `bad` next to a file with one known finding; that finding must survive.
fn beside_known(name: &str, bad: &[u8]) -> Outcome {
    let out = lint_files(&[(name, bad), ("other.yaml", GOOD_BOOL)], &[]);
    assert!(
        out.findings
            .iter()
            .any(|f| &*f.file == "other.yaml" && &*f.rule == "yaml11-boolean"),
        "the rest of the run was lost"
    );
    out
}

fn syntax_messages(out: &Outcome, file: &str) -> Vec<String> {
    out.findings
        .iter()
        .filter(|f| &*f.file == file && &*f.rule == "yaml-syntax")
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn billion_laughs() {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    let out = beside_known("bomb.yaml", text.as_bytes());
    let m = syntax_messages(&out, "bomb.yaml");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].contains("aliases expand this document beyond"),
        "{m:?}"
    );
}

#[test]
fn deep_nesting() {
    let flow = "[".repeat(10_000) + &"]".repeat(10_000);
    let out = beside_known("flow.yaml", flow.as_bytes());
    assert!(syntax_messages(&out, "flow.yaml")[0].contains("nested deeper than 255"));
    let mut block = String::new();
    for i in 0..10_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("- \n");
    }
    let out = beside_known("block.yaml", block.as_bytes());
    assert!(syntax_messages(&out, "block.yaml")[0].contains("nesting deeper than 512"));
    let json = "{\"a\":".repeat(10_000) + "1" + &"}".repeat(10_000);
    let out = beside_known("deep.json", json.as_bytes());
    assert_eq!(syntax_messages(&out, "deep.json").len(), 1);
}

/// Load `text` and assert the loader's counted work: no more nodes than
/// bytes, and parsed bytes within the text plus the re-read budget
/// (`reread`: whether a relaxed re-read must, or must not, have happened).
fn check_bounded<'a>(
    name: &str,
    text: &'a str,
    reread: Option<bool>,
) -> kubelint::yaml::Loaded<'a> {
    let l = load(text, &LoadLimits::default());
    let nodes: usize = l.documents.iter().map(|d| d.node_count()).sum();
    assert!(
        nodes <= text.len(),
        "{name}: {nodes} nodes for {} bytes",
        text.len()
    );
    match reread {
        Some(true) => assert!(l.parsed_bytes > text.len(), "{name}: expected a re-read"),
        Some(false) => assert_eq!(l.parsed_bytes, text.len(), "{name}: read once"),
        None => {}
    }
    // Each re-read round parses the patched text, at most a few bytes
    // of indentation per line longer than the original.
    let slack = text.lines().count() * 4096;
    assert!(
        l.parsed_bytes <= text.len() + MAX_RELAX_WORK + slack,
        "{name}: parsed {} bytes",
        l.parsed_bytes
    );
    l
}

/// The loader's work on hostile input, counted rather than timed: the
/// parser never sees more than the text plus the bounded re-read budget, and
/// the tree never holds more nodes than the text has bytes (aliases are
/// links, never copies), so time and memory stay linear in the input.
#[test]
fn loader_work_is_bounded_by_counting() {
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..30 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let l = check_bounded("alias bomb", &bomb, Some(false));
    assert!(l.documents.is_empty() && l.error.is_some());
    check_bounded(
        "deep flow",
        &("[".repeat(10_000) + &"]".repeat(10_000)),
        Some(false),
    );
    let block: String = (0..10_000).map(|i| " ".repeat(i) + "- \n").collect();
    check_bounded("deep block", &block, Some(false));
    let stream: String = (0..50_000)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"))
        .collect();
    let l = check_bounded("long stream", &stream, Some(false));
    assert_eq!(l.documents.len(), 50_000);
    // Flow sequences closed left of their key's indentation, as Kubernetes
    // accepts them: every one costs a re-read round, and the rounds are
    // capped however many there are.
    let relaxed: String = (0..2_000)
        .map(|i| format!("  k{i}:\n    args: [a,\n  b]\n"))
        .collect();
    let relaxed = format!("root:\n{relaxed}");
    check_bounded("many relaxed lines", &relaxed, Some(true));
}

#[test]
fn big_file_and_long_stream() {
    // 50 000 documents, about 20 MB, each with one finding at the end.
    let mut text = String::with_capacity(21 << 20);
    let filler = "x".repeat(300);
    for i in 0..50_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  annotations:\n    note: {filler}\ndata:\n  flag: {}\n",
            if i % 1000 == 0 { "on" } else { "\"on\"" }
        ));
    }
    assert!(text.len() > 20_000_000);
    let out = beside_known("big.yaml", text.as_bytes());
    assert_eq!(out.summary.documents, 50_001);
    let own: Vec<_> = out
        .findings
        .iter()
        .filter(|f| &*f.file == "big.yaml")
        .collect();
    assert_eq!(own.len(), 50);
    assert_eq!(own[1].location.unwrap().line, 1000 * 9 + 9);
}

#[test]
fn long_single_line_with_many_findings() {
    // Minified JSON: 20 000 findings on one 1.5 MB line.
    let items: Vec<String> = (0..20_000).map(|i| format!("\"k{i}\":true")).collect();
    let text = format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"m\"}},\"data\":{{{}}}}}",
        items.join(",")
    );
    let out = beside_known("min.json", text.as_bytes());
    let own: Vec<_> = out
        .findings
        .iter()
        .filter(|f| &*f.file == "min.json")
        .collect();
    assert_eq!(own.len(), 20_000);
    let last = own.last().unwrap().location.unwrap();
    assert_eq!(last.line, 1);
    assert_eq!(last.column as usize, text.rfind("true").unwrap() + 1);
}

#[test]
fn invalid_utf8_and_binary() {
    let mut latin1 = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf".to_vec();
    latin1.push(0xe9);
    latin1.extend_from_slice(b"\n");
    let out = beside_known("latin1.yaml", &latin1);
    let f = out
        .findings
        .iter()
        .find(|f| &*f.file == "latin1.yaml")
        .unwrap();
    assert_eq!(&*f.rule, "yaml-syntax");
    assert!(
        f.message.contains("invalid UTF-8 at byte 52"),
        "{}",
        f.message
    );
    assert_eq!(
        (f.location.unwrap().line, f.location.unwrap().column),
        (4, 12)
    );

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 13, 73, 72, 68, 82]);
    let out = beside_known("logo.yaml", &png);
    let m = syntax_messages(&out, "logo.yaml");
    assert!(m[0].contains("binary file"), "{m:?}");
}

#[test]
fn empty_and_comment_only_files() {
    let out = beside_known("empty.yaml", b"");
    assert!(syntax_messages(&out, "empty.yaml").is_empty());
    let out = beside_known("comments.yaml", b"# nothing here\n---\n# still nothing\n");
    assert!(syntax_messages(&out, "comments.yaml").is_empty());
    assert_eq!(out.summary.documents, 1);
}

#[test]
fn non_kubernetes_documents_are_skipped() {
    let out = lint_files(
        &[(
            "values.yaml",
            b"replicaCount: 3\nimage: {tag: yes}\n---\n- a\n- b\n",
        )],
        &[],
    );
    assert_eq!(out.summary.skipped, 2);
    assert_eq!(out.summary.objects, 0);
    assert!(out.findings.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn loader_never_panics_and_spans_stay_in_bounds(text in "[ \\n\\t:\\-\\[\\]{}'\"&*!|>#,?%@`ab1é]{0,160}") {
        let loaded = load(&text, &LoadLimits::default());
        for d in &loaded.documents {
            let mut stack = vec![d.root];
            while let Some(n) = stack.pop() {
                let s = d.span(n);
                prop_assert!(s.start <= s.end && (s.end as usize) <= text.len());
                prop_assert!(text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize));
                if d.is_map(n) && d.get(n).span == d.span(n) {
                    for (k, v) in d.entries(n) { stack.push(k); stack.push(v); }
                } else if d.is_seq(n) && d.get(n).span == d.span(n) {
                    stack.extend(d.items(n));
                }
            }
        }
        if let Some(e) = loaded.error {
            prop_assert!((e.offset as usize) <= text.len());
        }
    }

    #[test]
    fn linting_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let out = lint_files(&[("fuzz.yaml", &bytes)], &["all"]);
        prop_assert!(out.summary.files == 1);
        prop_assert!(!failed(&out), "{:?}", out.findings);
    }

    #[test]
    fn linting_manifest_shaped_text_never_panics(
        text in "(apiVersion: (v1|apps/v1)\\nkind: (Pod|Deployment|List|ConfigMap)\\n(metadata|spec|items|data|template):( |\\n  )[a-z:{}\\[\\], \\n-]{0,80}\\n(---\\n)?){1,3}"
    ) {
        let out = lint_files(&[("m.yaml", text.as_bytes())], &["all"]);
        prop_assert!(!failed(&out), "{:?}", out.findings);
        for f in &out.findings {
            if let Some(l) = f.location {
                prop_assert!((l.end as usize) <= text.len());
            }
        }
    }
}

/// Inputs the fuzzers found slow (seconds under the sanitizer build; each
/// was a long chain of relaxed re-reads): the work stays within the
/// counted bounds and the whole lint still runs.
#[test]
fn fuzz_regressions() {
    for (name, bytes) in regression_inputs("load") {
        let text = String::from_utf8_lossy(&bytes);
        check_bounded(&name, &text, None);
        let out = lint_files(&[(name.as_str(), bytes.as_slice())], &["all"]);
        assert_eq!(out.summary.files, 1);
        assert!(!failed(&out), "{name}: {:?}", out.findings);
    }
}

/// The inputs kept under `testdata/fuzz/<target>/`: (file name, bytes).
fn regression_inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz")
        .join(target);
    let inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    assert!(
        !inputs.is_empty(),
        "no regression inputs under {}",
        dir.display()
    );
    inputs
}

/// Whether kubelint failed on a file (a defect caught by the engine and
/// reported as a finding: the run goes on, but the test must not).
fn failed(out: &Outcome) -> bool {
    out.findings
        .iter()
        .any(|f| f.message.starts_with("kubelint failed on this file"))
}

/// Inputs the lint fuzzer made kubelint fail on, each now linted in full.
#[test]
fn lint_fuzz_regressions() {
    let inputs = regression_inputs("lint");
    for (name, bytes) in &inputs {
        let out = lint_files(&[(name.as_str(), bytes.as_slice())], &["all"]);
        assert!(!failed(&out), "{name}: {:?}", out.findings);
    }
    // An audit policy whose rules list holds a non-mapping item before a
    // `level: None` rule: findings number rules by list position.
    let (_, text) = inputs
        .iter()
        .find(|(name, _)| name == "crash-790cfe4d.yaml")
        .unwrap();
    let out = lint_files(&[("policy.yaml", text.as_slice())], &["all"]);
    let exec: Vec<_> = out
        .findings
        .iter()
        .filter(|f| &*f.rule == "audit-exec-not-logged")
        .collect();
    assert_eq!(exec.len(), 1, "{:?}", out.findings);
    assert!(exec[0].message.contains("rule #2"), "{}", exec[0].message);
    assert_eq!(exec[0].location.unwrap().line, 5);
}
