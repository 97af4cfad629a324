//! `--format github`: GitHub Actions workflow commands, so findings show
//! as annotations on the pull request, and a Markdown job summary.

use crate::finding::{Finding, Severity, Summary};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Escape the message part of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error file=…,line=…::message` line per finding.
pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = vec![format!("file={}", escape_property(&f.file))];
        if let Some(l) = f.location {
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
            props.push(format!("endLine={}", l.end_line));
            props.push(format!("endColumn={}", l.end_column));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("kubelint {}", f.rule))
        ));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape_data(&format!(
                "{}\nFix: {}",
                f.message,
                super::human::help_with_fix(f)
            ))
        ));
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown job summary: counts per category and the first findings.
pub fn step_summary(findings: &[Finding], summary: &Summary) -> String {
    let mut s = StepSummary::default();
    for f in findings {
        s.add(f);
    }
    s.render(summary)
}

/// The most severe findings the job summary lists.
const TOP: usize = 30;

/// The job summary, built from findings as they come (in report order):
/// counts per category and the first findings of each severity.
#[derive(Default)]
pub struct StepSummary {
    per_cat: BTreeMap<Arc<str>, [usize; 3]>,
    /// The first `TOP` errors, warnings and notes, in report order.
    top: [Vec<Finding>; 3],
    total: usize,
}

impl StepSummary {
    pub fn add(&mut self, f: &Finding) {
        let i = match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Note => 2,
        };
        self.per_cat.entry(f.category.clone()).or_default()[i] += 1;
        if self.top[i].len() < TOP {
            self.top[i].push(f.clone());
        }
        self.total += 1;
    }

    pub fn render(&self, summary: &Summary) -> String {
        let mut s = String::from("## kubelint\n\n");
        s.push_str(&format!(
            "**{} errors, {} warnings, {} notes** in {} files ({} objects{}).\n\n",
            summary.errors,
            summary.warnings,
            summary.notes,
            summary.files,
            summary.objects,
            if summary.suppressed > 0 {
                format!(", {} suppressed", summary.suppressed)
            } else {
                String::new()
            }
        ));
        if self.total == 0 {
            s.push_str("No findings.\n");
            return s;
        }
        s.push_str("| category | errors | warnings | notes |\n|---|---:|---:|---:|\n");
        for (cat, [e, w, n]) in &self.per_cat {
            s.push_str(&format!("| {cat} | {e} | {w} | {n} |\n"));
        }
        // Most severe first, report order within a severity.
        let top: Vec<&Finding> = self.top.iter().flatten().take(TOP).collect();
        s.push_str(&format!(
            "\n<details><summary>{} of {} findings, most severe first</summary>\n\n| severity | rule | location | message |\n|---|---|---|---|\n",
            top.len(),
            self.total
        ));
        for f in top {
            let loc = match f.location {
                Some(l) => format!("{}:{}", f.file, l.line),
                None => f.file.to_string(),
            };
            s.push_str(&format!(
                "| {} | `{}` | `{}` | {} |\n",
                f.severity,
                f.rule,
                md(&loc),
                md(&f.message)
            ));
        }
        s.push_str("\n</details>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
