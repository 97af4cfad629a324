//! The whole lint (every rule, cross-object phase, JSON and SARIF reports)
//! of one arbitrary input: no panic, every finding located inside it.
#![no_main]

use kubelint::engine::{lint, Input, Options};
use kubelint::rules::Selection;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let mut selection = Selection::default();
    selection.apply(&["all".to_string()], &[]).unwrap();
    let opts = Options {
        selection,
        ..Options::default()
    };
    let input = Input::Bytes {
        display: Arc::from("fuzz.yaml"),
        bytes: data.into(),
    };
    let out = lint(&[input], &opts);
    // The engine turns a defect on one file into a finding and goes on:
    // here it must not happen at all.
    assert!(!out
        .findings
        .iter()
        .any(|f| f.message.starts_with("kubelint failed on this file")));
    for f in &out.findings {
        if let Some(l) = f.location {
            assert!((l.end as usize) <= data.len());
            assert!(l.line >= 1 && l.column >= 1);
        }
    }
    let _ = kubelint::report::json::render(&out.findings, &out.summary);
    let _ = kubelint::report::sarif::render(
        &out.findings,
        std::path::Path::new("/"),
        &opts.selection.rules,
    );
});
