//! The one finding type that flows from the checks to every reporter.

use crate::fix::Fix;
use crate::source::Location;
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identity of the object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => write!(f, " {ns}/{n}"),
            (None, Some(n)) => write!(f, " {n}"),
            _ => Ok(()),
        }
    }
}

/// Text that is usually a literal of the rule's code (a help line, a fix's
/// description) and only sometimes formatted: literals are not copied into
/// every finding.
pub type Text = std::borrow::Cow<'static, str>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Arc<str>,
    pub category: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub help: Text,
    /// Path of the file as displayed (relative, forward slashes).
    pub file: Arc<str>,
    /// None only for findings about a file as a whole that has no text
    /// (e.g. unreadable).
    pub location: Option<Location>,
    pub object: Option<Arc<ObjectRef>>,
    /// Rule-private data for [`crate::rules::Rule::finalize`] (e.g. the
    /// Pod Security level a control belongs to); never reported.
    pub data: Option<Arc<str>>,
    /// Path of the node the finding points at inside its document
    /// (`spec.template.spec.containers[0].image`), for stable fingerprints.
    pub node_path: Option<Arc<str>>,
    /// How to repair it, when the rule knows (see [`crate::fix`]).
    pub fix: Option<Arc<Fix>>,
}

impl Finding {
    /// The order of every report: file, line, column, rule, then the rest
    /// so that output never depends on thread scheduling.
    /// Compares file, location, rule, message, object; shared strings
    /// (the file and rule of most neighbours) compare by pointer first.
    pub fn output_order(&self, other: &Finding) -> std::cmp::Ordering {
        fn shared<T: Ord + ?Sized>(a: &Arc<T>, b: &Arc<T>) -> std::cmp::Ordering {
            if Arc::ptr_eq(a, b) {
                std::cmp::Ordering::Equal
            } else {
                a.cmp(b)
            }
        }
        let loc = |f: &Finding| {
            f.location
                .map(|l| (l.line, l.column, l.end_line, l.end_column))
        };
        shared(&self.file, &other.file)
            .then_with(|| loc(self).cmp(&loc(other)))
            .then_with(|| shared(&self.rule, &other.rule))
            .then_with(|| self.message.cmp(&other.message))
            .then_with(|| match (&self.object, &other.object) {
                (Some(a), Some(b)) => shared(a, b),
                (a, b) => a.cmp(b),
            })
    }
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    pub skipped: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings silenced by `kubelint.io/ignore` annotations or
    /// `# kubelint-ignore:` comments (not counted above).
    pub suppressed: usize,
    /// Findings with a safe fix (`kubelint --fix` applies them).
    pub fixable: usize,
    /// Findings with an unsafe fix (applied with `--unsafe-fixes` too).
    pub unsafe_fixable: usize,
    /// Findings whose fix `--fix` (or `--diff`) applied in this run.
    pub fixed: usize,
    /// Objects not schema-validated: no bundled schema, CRD or
    /// `--schema-dir` schema for their apiVersion and kind.
    pub no_schema: usize,
}
