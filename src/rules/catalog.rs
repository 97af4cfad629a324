//! The rule catalog: one Markdown file per rule under `rules/`, embedded at
//! build time. Front matter (YAML) carries the metadata; the body carries
//! *Why*, *Bad*, *Good* and *Fix* sections. `kubelint rules`, `kubelint
//! explain`, the reports and the example tests all read it from here.

use crate::finding::Severity;
use crate::yaml::{load, LoadLimits};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));

/// Tools whose checks the catalog's `equivalents:` may name.
pub const PEER_TOOLS: &[&str] = &["kube-linter", "kube-score", "polaris", "checkov"];

/// Where the rule documentation is published.
pub const DOCS_BASE: &str = "https://github.com/kubelint/kubelint/blob/main/rules";

#[derive(Debug, Clone)]
pub struct RuleDoc {
    pub id: String,
    pub category: String,
    pub severity: Severity,
    pub enabled: bool,
    pub summary: String,
    pub references: Vec<String>,
    /// Checks of other linters that catch the same problem, as
    /// `tool:check-id` (tools: [`PEER_TOOLS`]).
    pub equivalents: Vec<String>,
    /// Path under `rules/` (empty for a custom rule).
    pub path: Cow<'static, str>,
    /// The Markdown body after the front matter (generated for a custom
    /// rule from its definition).
    pub body: Cow<'static, str>,
    pub why: String,
    pub fix: String,
    /// YAML blocks of the *Bad* section: each is linted as one input and
    /// the rule must fire.
    pub bad: Vec<String>,
    /// YAML blocks of the *Good* section: the rule must not fire.
    pub good: Vec<String>,
    /// Where a custom rule is defined (`rules/org.yaml:12`); `None` for a
    /// built-in rule.
    pub defined_in: Option<String>,
}

impl RuleDoc {
    /// The rule's documentation: the catalog page of a built-in rule, the
    /// first reference of a custom rule (or nothing).
    pub fn url(&self) -> Option<String> {
        if self.defined_in.is_some() {
            self.references.first().cloned()
        } else {
            Some(format!("{DOCS_BASE}/{}", self.path))
        }
    }
}

#[derive(Debug)]
pub struct Catalog {
    pub rules: Vec<RuleDoc>,
    by_id: HashMap<String, usize>,
    pub categories: Vec<String>,
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&RuleDoc> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }
}

/// The embedded catalog, parsed once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut rules: Vec<RuleDoc> = CATALOG_FILES
            .iter()
            .map(|(path, text)| {
                parse_entry(path, text).unwrap_or_else(|e| panic!("rules/{path}: {e}"))
            })
            .collect();
        rules.sort_by(|a, b| (&a.category, &a.id).cmp(&(&b.category, &b.id)));
        let by_id = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let mut categories: Vec<String> = rules.iter().map(|r| r.category.clone()).collect();
        categories.dedup();
        Catalog {
            rules,
            by_id,
            categories,
        }
    })
}

/// Parse one catalog file.
pub fn parse_entry(path: &'static str, text: &'static str) -> Result<RuleDoc, String> {
    let rest = text.strip_prefix("---\n").ok_or("missing front matter")?;
    let end = rest.find("\n---\n").ok_or("unterminated front matter")?;
    let front = &rest[..end + 1];
    let body = &rest[end + 5..];
    let loaded = load(front, &LoadLimits::default());
    if let Some(e) = loaded.error {
        return Err(format!("front matter: {}", e.message));
    }
    let doc = loaded.documents.first().ok_or("empty front matter")?;
    let root = doc.root;
    let field = |k: &str| -> Result<String, String> {
        doc.get_key(root, k)
            .and_then(|v| doc.text(v))
            .map(str::to_string)
            .ok_or(format!("front matter lacks `{k}`"))
    };
    let id = field("id")?;
    let category = field("category")?;
    let severity = Severity::parse(&field("severity")?).ok_or("bad severity")?;
    let enabled = doc
        .get_key(root, "enabled")
        .and_then(|v| doc.bool(v))
        .ok_or("front matter lacks `enabled: true|false`")?;
    let summary = field("summary")?;
    let references = doc
        .get_key(root, "references")
        .map(|r| {
            doc.items(r)
                .filter_map(|i| doc.text(i))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let equivalents: Vec<String> = doc
        .get_key(root, "equivalents")
        .map(|r| {
            doc.items(r)
                .filter_map(|i| doc.text(i))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for e in &equivalents {
        match e.split_once(':') {
            Some((tool, check)) if PEER_TOOLS.contains(&tool) && !check.is_empty() => {}
            _ => {
                return Err(format!(
                    "equivalent `{e}` is not `tool:check-id` with tool one of {}",
                    PEER_TOOLS.join(", ")
                ))
            }
        }
    }
    if !path.ends_with(&format!("{category}/{id}.md")) {
        return Err(format!("expected at rules/{category}/{id}.md"));
    }
    let sections = sections(body);
    let section = |name: &str| {
        sections
            .iter()
            .find(|(h, _)| h == name)
            .map(|(_, t)| t.as_str())
    };
    let why = section("Why").ok_or("missing `## Why`")?.trim().to_string();
    let fix = section("Fix").ok_or("missing `## Fix`")?.trim().to_string();
    let bad = yaml_blocks(section("Bad").ok_or("missing `## Bad`")?);
    let good = yaml_blocks(section("Good").ok_or("missing `## Good`")?);
    if bad.is_empty() || good.is_empty() {
        return Err("`## Bad` and `## Good` need a ```yaml block each".into());
    }
    Ok(RuleDoc {
        id,
        category,
        severity,
        enabled,
        summary,
        references,
        equivalents,
        path: Cow::Borrowed(path),
        body: Cow::Borrowed(body),
        why,
        fix,
        bad,
        good,
        defined_in: None,
    })
}

/// `## Heading` sections of a Markdown body.
fn sections(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_fence = false;
    for line in body.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some(h) = line.strip_prefix("## ") {
                out.push((h.trim().to_string(), String::new()));
                continue;
            }
        }
        if let Some((_, t)) = out.last_mut() {
            t.push_str(line);
            t.push('\n');
        }
    }
    out
}

fn yaml_blocks(section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in section.lines() {
        match &mut cur {
            None if line.trim_start().starts_with("```yaml") => cur = Some(String::new()),
            Some(_) if line.trim_start().starts_with("```") => out.extend(cur.take()),
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}
