//! Helpers shared by the integration tests.
#![allow(dead_code)]

use kubelint::engine::{lint, Input, Options, Outcome};
use kubelint::finding::Finding;
use kubelint::rules::Selection;
use std::sync::Arc;

/// Lint in-memory files with the default rules plus `enable`.
pub fn lint_files(files: &[(&str, &[u8])], enable: &[&str]) -> Outcome {
    let mut selection = Selection::default();
    let enable: Vec<String> = enable.iter().map(|s| s.to_string()).collect();
    selection.apply(&enable, &[]).expect("known rules");
    let opts = Options {
        selection,
        ..Options::default()
    };
    let inputs: Vec<Input> = files
        .iter()
        .map(|(name, bytes)| Input::Bytes {
            display: Arc::from(*name),
            bytes: (*bytes).into(),
        })
        .collect();
    lint(&inputs, &opts)
}

pub fn lint_str(name: &str, text: &str) -> Outcome {
    lint_files(&[(name, text.as_bytes())], &[])
}

/// One line per finding, for snapshots.
pub fn render(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let loc = f
            .location
            .map(|l| format!("{}:{}-{}:{}", l.line, l.column, l.end_line, l.end_column))
            .unwrap_or_else(|| "-".into());
        let obj = f
            .object
            .as_ref()
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        s.push_str(&format!(
            "{}:{loc} {} {}{obj}\n  {}\n  help: {}\n",
            f.file, f.severity, f.rule, f.message, f.help
        ));
    }
    s
}

/// Path of the shared corpus, or None (with the reason) when it is missing.
pub fn corpus_dir() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    p.is_dir().then_some(p)
}
