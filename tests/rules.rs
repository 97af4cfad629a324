//! Every rule: its catalog examples (bad fires, good does not) and its
//! fixtures under `testdata/rules/<rule-id>/` with a snapshot of the exact
//! findings.

mod common;

use common::{lint_files, render};
use kubelint::rules::catalog::catalog;
use kubelint::rules::registry;
use std::path::Path;

#[test]
fn catalog_examples_fire_and_pass() {
    let mut failures = Vec::new();
    for doc in &catalog().rules {
        for (i, bad) in doc.bad.iter().enumerate() {
            let out = lint_files(&[("bad.yaml", bad.as_bytes())], &[&doc.id]);
            if !out.findings.iter().any(|f| *f.rule == *doc.id) {
                failures.push(format!("{}: bad example #{} does not fire", doc.id, i + 1));
            }
        }
        for (i, good) in doc.good.iter().enumerate() {
            let out = lint_files(&[("good.yaml", good.as_bytes())], &[&doc.id]);
            let own: Vec<_> = out.findings.iter().filter(|f| *f.rule == *doc.id).collect();
            if !own.is_empty() {
                failures.push(format!(
                    "{}: good example #{} fires: {:?}",
                    doc.id,
                    i + 1,
                    own
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fixture_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = format!(
                "{}/{}",
                dir.file_name().unwrap().to_string_lossy(),
                p.file_name().unwrap().to_string_lossy()
            );
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn fixtures_match_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    for r in registry() {
        let id = &*r.id;
        let dir = root.join(id);
        let bad = dir.join("bad");
        let good = dir.join("good");
        assert!(
            bad.is_dir() && good.is_dir(),
            "testdata/rules/{id}/bad/ and good/ must exist"
        );
        // Bad fixtures: the exact findings of this rule are snapshotted.
        let files = fixture_files(&bad);
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let out = lint_files(&refs, &[id]);
        let own: Vec<_> = out
            .findings
            .into_iter()
            .filter(|f| *f.rule == *id)
            .collect();
        assert!(!own.is_empty(), "{id}: bad fixtures produce no finding");
        insta::with_settings!({snapshot_path => "../testdata/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(id, render(&own));
        });
        // Good fixtures: not one finding of this rule.
        let files = fixture_files(&good);
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let out = lint_files(&refs, &[id]);
        let own: Vec<_> = out.findings.iter().filter(|f| *f.rule == *id).collect();
        assert!(
            own.is_empty(),
            "{id}: good fixtures fire:\n{}",
            render(&out.findings)
        );
    }
}
