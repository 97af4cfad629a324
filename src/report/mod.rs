//! Reporters: pure functions from the sorted findings (and, for snippets,
//! the sources) to bytes.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::finding::Summary;
use std::time::Duration;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning, 0 notes in 3 files (9 documents, 8 objects) — 0.12s`
pub fn summary_line(s: &Summary, elapsed: Duration) -> String {
    let mut line = format!(
        "{}, {}, {} in {} ({}, {}",
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        plural(s.notes, "note", "notes"),
        plural(s.files, "file", "files"),
        plural(s.documents, "document", "documents"),
        plural(s.objects, "object", "objects"),
    );
    if s.skipped > 0 {
        line.push_str(&format!(", {} skipped", s.skipped));
    }
    if s.no_schema > 0 {
        line.push_str(&format!(", {} without schema", s.no_schema));
    }
    if s.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", s.suppressed));
    }
    line.push_str(&format!(") — {:.2}s", elapsed.as_secs_f64()));
    line
}

/// The line about fixes printed above the summary line, if any:
/// `fixed 12 findings; 3 fixable with --fix; 2 more with --fix --unsafe-fixes`.
pub fn fix_line(s: &Summary) -> Option<String> {
    let mut parts = Vec::new();
    if s.fixed > 0 {
        parts.push(format!("fixed {}", plural(s.fixed, "finding", "findings")));
    }
    if s.fixable > 0 {
        parts.push(format!("{} fixable with --fix", s.fixable));
    }
    if s.unsafe_fixable > 0 {
        parts.push(format!(
            "{} {}with --fix --unsafe-fixes",
            s.unsafe_fixable,
            if s.fixable > 0 { "more " } else { "fixable " }
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
