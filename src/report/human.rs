//! The default report: miette graphical diagnostics with the offending YAML
//! underlined, a `help:` line and the rule's documentation link.

use crate::finding::{Finding, Severity};
use crate::fix::Safety;
use crate::rules::Rules;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource,
    SourceCode, SourceSpan, SpanContents,
};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Shared file text as a miette source.
#[derive(Debug, Clone)]
struct Text(Arc<str>);

impl SourceCode for Text {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.0
            .as_ref()
            .read_span(span, context_lines_before, context_lines_after)
    }
}

struct Diag<'a> {
    finding: &'a Finding,
    /// The finding's help, with the fix marker when it has a fix.
    help: String,
    source: Option<NamedSource<Text>>,
    label: Option<LabeledSpan>,
    url: Option<String>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.finding.rule))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// The help line, and the `fix available` marker under it.
pub fn help_with_fix(f: &Finding) -> String {
    match f.fix.as_deref() {
        None => f.help.to_string(),
        Some(fix) => {
            let marker = match fix.safety {
                Safety::Safe => format!("fix available (kubelint --fix): {}", fix.description),
                Safety::Unsafe => format!(
                    "unsafe fix available (kubelint --fix --unsafe-fixes): {}",
                    fix.description
                ),
            };
            if f.help.is_empty() {
                marker
            } else {
                format!("{}\n{marker}", f.help)
            }
        }
    }
}

/// Render findings as miette diagnostics. `sources` holds the text of the
/// files with findings; a file missing there is read from disk. `rules`
/// gives each rule's summary (the label) and documentation link (a custom
/// rule's first reference, or none).
pub fn render(
    findings: &[Finding],
    sources: &BTreeMap<Arc<str>, Arc<str>>,
    rules: &Rules,
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_context_lines(1)
        .with_width(100);
    let mut cache: BTreeMap<Arc<str>, Option<Arc<str>>> = BTreeMap::new();
    let mut out = String::new();
    for f in findings {
        let text = cache
            .entry(f.file.clone())
            .or_insert_with(|| {
                sources
                    .get(&f.file)
                    .cloned()
                    .or_else(|| std::fs::read_to_string(&*f.file).ok().map(Arc::from))
            })
            .clone();
        let (source, label) = match (&text, f.location) {
            (Some(t), Some(loc)) if (loc.end as usize) <= t.len() => {
                // Show a multi-line span by its first line only.
                let start = loc.start as usize;
                let line_end = t[start..].find('\n').map_or(t.len(), |i| start + i);
                let end = (loc.end as usize).min(line_end).max(start);
                let end = end.max(start);
                let label_text = rules.get(&f.rule).map(|d| d.summary.clone());
                (
                    Some(NamedSource::new(&*f.file, Text(t.clone()))),
                    Some(LabeledSpan::new(label_text, start, end - start)),
                )
            }
            _ => (None, None),
        };
        let diag = Diag {
            finding: f,
            help: help_with_fix(f),
            source,
            label,
            url: rules.get(&f.rule).and_then(|d| d.url()),
        };
        if diag.source.is_none() {
            out.push_str(&format!("{}: ", f.file));
        }
        let _ = handler.render_report(&mut out, &diag);
        out.push('\n');
    }
    out
}
