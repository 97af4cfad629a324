//! The real-world corpus beside the repository (`../shared/corpus`): every
//! file outside `_not-plain-yaml/` must load without a syntax finding (a
//! valid manifest reported as broken is the worst false positive), and the
//! deliberately broken files must not crash the run.
//!
//! Without the corpus this test fails and says so; set
//! `KUBELINT_SKIP_CORPUS=1` to skip it explicitly.

mod common;

use kubelint::engine::{lint, Input, Options};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            all_files(&p, out);
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

#[test]
fn every_corpus_file_loads() {
    let Some(corpus) = common::corpus_dir() else {
        if std::env::var_os("KUBELINT_SKIP_CORPUS").is_some() {
            eprintln!("corpus test skipped: KUBELINT_SKIP_CORPUS is set");
            return;
        }
        panic!(
            "../shared/corpus is missing: this test needs the real-world corpus beside the repository \
             (set KUBELINT_SKIP_CORPUS=1 to skip it explicitly)"
        );
    };
    let mut files = Vec::new();
    all_files(&corpus, &mut files);
    files.sort();
    assert!(
        files.len() > 3000,
        "corpus looks truncated: {} files",
        files.len()
    );
    let inputs: Vec<Input> = files
        .iter()
        .map(|p| Input::File {
            path: p.clone(),
            display: Arc::from(p.strip_prefix(&corpus).unwrap().to_string_lossy().as_ref()),
        })
        .collect();
    let out = lint(&inputs, &Options::default());
    let bad: Vec<String> = out
        .findings
        .iter()
        .filter(|f| &*f.rule == "yaml-syntax" && !f.file.starts_with("_not-plain-yaml/"))
        .map(|f| format!("{}:{:?}: {}", f.file, f.location.map(|l| l.line), f.message))
        .collect();
    assert!(
        bad.is_empty(),
        "valid corpus files reported as syntax errors:\n{}",
        bad.join("\n")
    );
    let broken = out
        .findings
        .iter()
        .filter(|f| &*f.rule == "yaml-syntax" && f.file.starts_with("_not-plain-yaml/"))
        .count();
    assert!(
        broken > 0,
        "the deliberately broken files should produce syntax findings"
    );
    assert!(out.summary.objects > 5000, "{:?}", out.summary);
}

/// The fast acceptance test of schemas (`schema::plan`) never vouches
/// for an object the full validator rejects, over every object of
/// `testdata/` and the corpus: bundled schemas, and the CRDs of the input
/// for custom resources (validated as `prepare` leaves them); and it
/// vouches for most valid objects, which is what it is for.
#[test]
fn schema_plan_never_accepts_an_invalid_object() {
    use kubelint::model::{objects_of, DocumentContent};
    use kubelint::schema::{Origin, Registry, SchemaOptions};
    use kubelint::yaml::{load, LoadLimits};
    let mut files = Vec::new();
    all_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
        &mut files,
    );
    match common::corpus_dir() {
        Some(corpus) => all_files(&corpus, &mut files),
        None if std::env::var_os("KUBELINT_SKIP_CORPUS").is_some() => {
            eprintln!("corpus part skipped: KUBELINT_SKIP_CORPUS is set; testdata/ only");
        }
        None => panic!(
            "../shared/corpus is missing (set KUBELINT_SKIP_CORPUS=1 to skip the corpus part)"
        ),
    }
    let inputs: Vec<Input> = files
        .iter()
        .map(|p| Input::File {
            path: p.clone(),
            display: Arc::from(p.to_string_lossy().as_ref()),
        })
        .collect();
    let registry = Registry::build(&inputs, &SchemaOptions::default());
    // (checked, valid, vouched for) for bundled schemas and CRDs.
    let mut tally = [[0usize; 3]; 2];
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for doc in &load(&text, &LoadLimits::default()).documents {
            let DocumentContent::Objects(objects) = objects_of(doc, "default") else {
                continue;
            };
            for o in objects {
                let Some(c) = registry.lookup(o.api_version, o.kind) else {
                    continue;
                };
                let Some(validator) = c.validator() else {
                    continue;
                };
                let t = &mut tally[usize::from(c.origin == Origin::Crd)];
                let mut instance = doc.to_json(o.node);
                if let Some(root) = c.crd_root() {
                    kubelint::schema::crd::prepare(&mut instance, root);
                }
                let ok = validator.is_valid(&instance);
                t[0] += 1;
                t[1] += usize::from(ok);
                if c.certainly_valid(doc, o.node) {
                    t[2] += 1;
                    assert!(ok, "plan accepted an invalid {} in {}", o.kind, f.display());
                }
            }
        }
    }
    let [[checked, valid, vouched], [crs, crs_valid, crs_vouched]] = tally;
    eprintln!(
        "bundled schemas: {checked} objects, {valid} valid, {vouched} vouched for; \
         custom resources: {crs} objects, {crs_valid} valid, {crs_vouched} vouched for"
    );
    assert!(checked > 100 && crs > 10, "{tally:?}");
    assert!(vouched * 10 >= valid * 9, "{vouched} of {valid}");
}
