//! Findings beyond the in-memory budget (`Options::findings_memory`) wait
//! in a temporary file until they are handed out: the report streamed
//! file by file (`Run`, as `--format json` writes it) must be
//! byte-identical to a run that kept everything in memory (`lint`).

use kubelint::discover::{discover, DiscoverOptions};
use kubelint::engine::{lint, Options, Run};
use kubelint::report::json;
use std::cell::RefCell;
use std::path::Path;

#[test]
fn spilled_findings_report_identically() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let opts = DiscoverOptions {
        threads: 2,
        ..Default::default()
    };
    let inputs = discover(&[root], &opts).unwrap();
    let all = lint(&inputs, &Options::default());
    assert!(all.findings.len() > 500, "a real report");
    let expected = json::render(&all.findings, &all.summary);
    // All in memory; 0: every file's findings to disk; 64 KiB: some in
    // memory, the rest on disk.
    for budget in [usize::MAX, 0, 64 << 10] {
        let opts = Options {
            findings_memory: budget,
            ..Options::default()
        };
        let run = RefCell::new(Run::new(&inputs, &opts));
        let mut streamed = Vec::new();
        json::write_stream(
            || run.borrow_mut().next_file(),
            || run.borrow().summary(),
            &mut streamed,
        )
        .unwrap();
        assert!(run.borrow().error().is_none());
        assert!(
            String::from_utf8(streamed).unwrap() == expected,
            "streamed, budget {budget}"
        );
    }
}
