//! `--format json`: the versioned contract of SPEC §4.
//!
//! ```json
//! {"version": 1, "findings": [...], "summary": {...}}
//! ```
//! Version 1 is stable: fields may be added, never renamed or removed.

use crate::finding::{Finding, ObjectRef, Severity, Summary};
use crate::fix::{Fix, Safety};
use serde::Serialize;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    category: &'a str,
    severity: Severity,
    message: &'a str,
    help: &'a str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    object: Option<&'a ObjectRef>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    safety: Safety,
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

/// Replace `[line:column, end_line:end_column)` (1-based, columns in
/// characters; equal ends insert) — or the same range as bytes,
/// `[start_byte, end_byte)` — with `content`.
#[derive(Serialize)]
struct JsonEdit<'a> {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    start_byte: u32,
    end_byte: u32,
    content: &'a str,
}

fn fix_of(fix: &Fix) -> JsonFix<'_> {
    JsonFix {
        safety: fix.safety,
        description: &fix.description,
        edits: fix
            .edits
            .iter()
            .filter_map(|e| {
                let l = e.location?;
                Some(JsonEdit {
                    line: l.line,
                    column: l.column,
                    end_line: l.end_line,
                    end_column: l.end_column,
                    start_byte: e.span.start,
                    end_byte: e.span.end,
                    content: &e.content,
                })
            })
            .collect(),
    }
}

fn json_finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: &f.rule,
        category: &f.category,
        severity: f.severity,
        message: &f.message,
        help: &f.help,
        file: &f.file,
        line: f.location.map(|l| l.line),
        column: f.location.map(|l| l.column),
        end_line: f.location.map(|l| l.end_line),
        end_column: f.location.map(|l| l.end_column),
        object: f.object.as_deref(),
        fix: f.fix.as_deref().map(fix_of),
    }
}

/// The findings as a JSON array, pulled batch by batch from `next` and
/// serialized one at a time: the report streams to its writer.
struct Findings<N>(std::cell::RefCell<N>);

impl<N, B> Serialize for Findings<N>
where
    N: FnMut() -> Option<B>,
    B: AsRef<[Finding]>,
{
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(None)?;
        let mut next = self.0.borrow_mut();
        while let Some(batch) = next() {
            for f in batch.as_ref() {
                seq.serialize_element(&json_finding(f))?;
            }
        }
        seq.end()
    }
}

/// The summary, asked for when it is written: after the findings.
struct LateSummary<M>(M);

impl<M: Fn() -> Summary> Serialize for LateSummary<M> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        (self.0)().serialize(ser)
    }
}

#[derive(Serialize)]
struct JsonReport<F, M> {
    version: u32,
    findings: F,
    summary: M,
}

/// Write the report to `w` (pretty-printed, newline-terminated).
pub fn write(
    findings: &[Finding],
    summary: &Summary,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut batch = Some(findings);
    write_stream(|| batch.take(), || summary.clone(), w)
}

/// Write the report to `w` from findings pulled batch by batch (in report
/// order) and the summary as it stands after the last batch.
pub fn write_stream<B: AsRef<[Finding]>>(
    next: impl FnMut() -> Option<B>,
    summary: impl Fn() -> Summary,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let report = JsonReport {
        version: VERSION,
        findings: Findings(std::cell::RefCell::new(next)),
        summary: LateSummary(summary),
    };
    serde_json::to_writer_pretty(&mut *w, &report)?;
    w.write_all(b"\n")
}

pub fn render(findings: &[Finding], summary: &Summary) -> String {
    let mut out = Vec::new();
    write(findings, summary, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
