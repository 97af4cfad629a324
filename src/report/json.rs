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

/// The findings as a JSON array, serialized one at a time (no
/// intermediate vector: the report streams to its writer).
struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.0.iter().map(|f| JsonFinding {
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
        }))
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Findings<'a>,
    summary: &'a Summary,
}

/// Write the report to `w` (pretty-printed, newline-terminated).
pub fn write(
    findings: &[Finding],
    summary: &Summary,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let report = JsonReport {
        version: VERSION,
        findings: Findings(findings),
        summary,
    };
    serde_json::to_writer_pretty(&mut *w, &report)?;
    w.write_all(b"\n")
}

pub fn render(findings: &[Finding], summary: &Summary) -> String {
    let mut out = Vec::new();
    write(findings, summary, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
