//! Rules: the catalog ([`catalog`]) and the code, joined by rule id.
//!
//! A rule is a small struct implementing [`Rule`]. Per-object rules
//! implement [`Rule::check`] and run while a file's tree is alive;
//! cross-object rules implement [`Rule::check_index`] and run once on the
//! compact [`Index`]. Rules report through a context that knows the source,
//! so no rule computes line numbers.

mod affinity;
mod audit_policy;
mod availability;
pub mod catalog;
mod control_plane;
mod hardening;
mod image;
mod kubelet;
mod network_policy;
mod networking;
mod pod_security;
mod probes;
mod rbac;
mod references;
mod replicas;
mod resources;
mod schema;
mod secrets;
mod workloads;
mod yaml;

use crate::engine::Options;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::index::Index;
use crate::model::Object;
use crate::source::Location;
use crate::yaml::Span;
use catalog::{catalog, RuleDoc};
use foldhash::HashMap;
use std::sync::{Arc, OnceLock};

pub use schema::{needs_registry as schema_needs_registry, UNKNOWN_KIND};
pub use yaml::{UNKNOWN_SUPPRESSION, YAML_SYNTAX};

pub trait Rule: Send + Sync {
    fn id(&self) -> &'static str;
    /// Check one object.
    fn check(&self, _obj: &Object<'_>, _cx: &mut Cx<'_>) {}
    /// Check the whole input through the cross-object index.
    fn check_index(&self, _index: &Index, _cx: &mut IndexCx<'_>) {}
    /// Whether [`Rule::check`] does anything (lets the engine skip the rule).
    fn per_object(&self) -> bool {
        false
    }
    /// Whether [`Rule::check_index`] does anything.
    fn cross_object(&self) -> bool {
        false
    }
    /// Whether findings of [`Rule::check`] pass through [`Rule::finalize`].
    fn deferred(&self) -> bool {
        false
    }
    /// Revisit a per-object finding once the whole input is indexed: adjust
    /// its severity or message from other objects (a namespace's Pod
    /// Security level, a LimitRange default) or drop it (`false`). Runs
    /// only when [`Rule::deferred`] is true.
    fn finalize(&self, _finding: &mut Finding, _index: &Index) -> bool {
        true
    }
}

/// Every rule in code.
fn all_rules() -> Vec<&'static dyn Rule> {
    let mut v: Vec<&'static dyn Rule> = Vec::new();
    v.extend_from_slice(yaml::RULES);
    v.extend_from_slice(network_policy::RULES);
    v.extend_from_slice(pod_security::RULES);
    v.extend_from_slice(resources::RULES);
    v.extend_from_slice(affinity::RULES);
    v.extend_from_slice(image::RULES);
    v.extend_from_slice(probes::RULES);
    v.extend_from_slice(kubelet::RULES);
    v.extend_from_slice(audit_policy::RULES);
    v.extend_from_slice(rbac::RULES);
    v.extend_from_slice(control_plane::RULES);
    v.extend_from_slice(references::RULES);
    v.extend_from_slice(availability::RULES);
    v.extend_from_slice(replicas::RULES);
    v.extend_from_slice(workloads::RULES);
    v.extend_from_slice(networking::RULES);
    v.extend_from_slice(secrets::RULES);
    v.extend_from_slice(hardening::RULES);
    v.extend_from_slice(schema::RULES);
    v
}

/// A rule with its catalog entry.
pub struct Registered {
    pub rule: &'static dyn Rule,
    pub doc: &'static RuleDoc,
    pub id: Arc<str>,
    pub category: Arc<str>,
}

/// All rules, in catalog order (category, id).
pub fn registry() -> &'static [Registered] {
    static REG: OnceLock<Vec<Registered>> = OnceLock::new();
    REG.get_or_init(|| {
        let cat = catalog();
        let mut code = all_rules();
        let mut out = Vec::new();
        for doc in &cat.rules {
            if let Some(pos) = code.iter().position(|r| r.id() == doc.id) {
                let rule = code.swap_remove(pos);
                out.push(Registered {
                    rule,
                    doc,
                    id: Arc::from(doc.id.as_str()),
                    category: Arc::from(doc.category.as_str()),
                });
            }
        }
        out
    })
}

/// Ids present on one side only (catalog without code, code without
/// catalog). Empty in a consistent build; a test asserts it.
pub fn catalog_mismatches() -> Vec<String> {
    let cat = catalog();
    let code = all_rules();
    let mut out = Vec::new();
    for d in &cat.rules {
        if !code.iter().any(|r| r.id() == d.id) {
            out.push(format!("{} is in the catalog but has no code", d.id));
        }
    }
    for r in &code {
        if cat.get(r.id()).is_none() {
            out.push(format!("{} has code but no catalog entry", r.id()));
        }
    }
    out
}

/// Position of a rule in [`registry`] (a hash lookup: it runs per finding).
pub fn index_of(id: &str) -> Option<usize> {
    static BY_ID: OnceLock<foldhash::HashMap<&'static str, usize>> = OnceLock::new();
    BY_ID
        .get_or_init(|| {
            registry()
                .iter()
                .enumerate()
                .map(|(i, r)| (r.doc.id.as_str(), i))
                .collect()
        })
        .get(id)
        .copied()
}

/// The rules of one run: every built-in rule, at the position it has in
/// [`registry`], followed by the configuration's custom rules
/// ([`crate::custom`]). Custom rules come from the configuration, so they
/// are per run, never process-wide: runs with different custom rules can
/// share a process. Built-in lookups stay on the static tables.
pub struct Rules {
    custom: Vec<crate::custom::CustomRule>,
    /// Custom rule id → position in `custom`.
    by_id: HashMap<Arc<str>, usize>,
    /// The catalog's categories, then new categories of custom rules.
    categories: Vec<String>,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("builtin", &registry().len())
            .field(
                "custom",
                &self.custom.iter().map(|c| &*c.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Rules {
    /// The built-in rules alone (shared: building it costs nothing per run).
    pub fn builtin() -> Arc<Rules> {
        static BUILTIN: OnceLock<Arc<Rules>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Arc::new(Rules::with_custom(Vec::new())))
            .clone()
    }

    /// The built-in rules plus `custom` (ids already checked to be unique
    /// and distinct from built-in ids and categories).
    pub fn with_custom(custom: Vec<crate::custom::CustomRule>) -> Rules {
        let mut categories = catalog().categories.clone();
        for c in &custom {
            if !categories.iter().any(|k| **k == *c.category) {
                categories.push(c.category.to_string());
            }
        }
        let by_id = custom
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        Rules {
            custom,
            by_id,
            categories,
        }
    }

    /// Number of rules (built-in and custom).
    pub fn len(&self) -> usize {
        registry().len() + self.custom.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The custom rules, in definition order (positions from
    /// `registry().len()` on).
    pub fn custom(&self) -> &[crate::custom::CustomRule] {
        &self.custom
    }

    /// Position of a rule id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        index_of(id).or_else(|| self.by_id.get(id).map(|&i| registry().len() + i))
    }

    pub fn id(&self, i: usize) -> &Arc<str> {
        let reg = registry();
        match reg.get(i) {
            Some(r) => &r.id,
            None => &self.custom[i - reg.len()].id,
        }
    }

    pub fn category(&self, i: usize) -> &Arc<str> {
        let reg = registry();
        match reg.get(i) {
            Some(r) => &r.category,
            None => &self.custom[i - reg.len()].category,
        }
    }

    pub fn doc(&self, i: usize) -> &RuleDoc {
        let reg = registry();
        match reg.get(i) {
            Some(r) => r.doc,
            None => &self.custom[i - reg.len()].doc,
        }
    }

    /// The documentation of a rule by id.
    pub fn get(&self, id: &str) -> Option<&RuleDoc> {
        self.index_of(id).map(|i| self.doc(i))
    }

    /// Every rule's documentation, in rule order.
    pub fn docs(&self) -> impl Iterator<Item = &RuleDoc> + '_ {
        (0..self.len()).map(|i| self.doc(i))
    }

    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// A rule id, a category or `all`.
    pub fn knows(&self, item: &str) -> bool {
        item == "all" || self.index_of(item).is_some() || self.categories.iter().any(|c| c == item)
    }

    /// Whether the rule checks objects one at a time.
    pub fn per_object(&self, i: usize) -> bool {
        registry().get(i).is_none_or(|r| r.rule.per_object())
    }

    /// Run rule `i` on one object.
    pub fn check(&self, i: usize, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let reg = registry();
        match reg.get(i) {
            Some(r) => r.rule.check(obj, cx),
            None => self.custom[i - reg.len()].check(obj, cx),
        }
    }

    /// The closest rule id or category to a misspelt one.
    pub fn suggest(&self, item: &str) -> Option<&str> {
        let names = self
            .docs()
            .map(|d| d.id.as_str())
            .chain(self.categories.iter().map(String::as_str));
        closest(item, names)
    }

    /// "unknown rule or category `x`", with the closest id as a suggestion.
    pub fn unknown_message(&self, item: &str) -> String {
        unknown_message(item, self.suggest(item))
    }
}

/// Which rules run, at which severity (indexed like [`Rules`]).
#[derive(Debug, Clone)]
pub struct Selection {
    pub enabled: Vec<bool>,
    pub severity: Vec<Severity>,
    /// The rules the two vectors are indexed by.
    pub rules: Arc<Rules>,
}

impl Default for Selection {
    /// The built-in rules with their default settings.
    fn default() -> Self {
        Selection::new(Rules::builtin())
    }
}

impl Selection {
    /// Every rule of `rules` with its default settings.
    pub fn new(rules: Arc<Rules>) -> Selection {
        Selection {
            enabled: rules.docs().map(|d| d.enabled).collect(),
            severity: rules.docs().map(|d| d.severity).collect(),
            rules,
        }
    }

    /// Apply `--enable`/`--disable` lists. Each item is a rule id, a
    /// category or `all`. `all` applies first, then categories, then rule
    /// ids, so `--disable yaml --enable duplicate-key` keeps that one rule
    /// and `--disable all --enable yaml` runs one category.
    pub fn apply(&mut self, enable: &[String], disable: &[String]) -> Result<(), String> {
        let rules = self.rules.clone();
        let cats = rules.categories();
        for item in enable.iter().chain(disable) {
            if !rules.knows(item) {
                return Err(rules.unknown_message(item));
            }
        }
        for (level, list, on) in [
            (0, enable, true),
            (0, disable, false),
            (1, enable, true),
            (1, disable, false),
            (2, enable, true),
            (2, disable, false),
        ] {
            for item in list.iter().filter(|i| specificity(i, cats) == level) {
                for i in 0..rules.len() {
                    if item == "all" || *item == **rules.category(i) || *item == **rules.id(i) {
                        self.enabled[i] = on;
                    }
                }
            }
        }
        Ok(())
    }

    /// Apply a configuration file's `rules:` settings (ids already checked).
    /// Categories apply before single rules, as for the flags.
    pub fn apply_settings(&mut self, settings: &[(String, crate::config::RuleSetting)]) {
        use crate::config::RuleSetting;
        let rules = self.rules.clone();
        let cats = rules.categories();
        for level in 0..3 {
            for (item, setting) in settings
                .iter()
                .filter(|(i, _)| specificity(i, cats) == level)
            {
                for i in 0..rules.len() {
                    if item == "all" || *item == **rules.category(i) || *item == **rules.id(i) {
                        match setting {
                            RuleSetting::Off => self.enabled[i] = false,
                            RuleSetting::On => self.enabled[i] = true,
                            RuleSetting::Severity(s) => {
                                self.enabled[i] = true;
                                self.severity[i] = *s;
                            }
                        }
                    }
                }
            }
        }
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.rules.index_of(id).is_some_and(|i| self.enabled[i])
    }
}

/// `all` (0) applies before categories (1), categories before rules (2).
fn specificity(item: &str, categories: &[String]) -> u8 {
    if item == "all" {
        0
    } else if categories.iter().any(|c| c == item) {
        1
    } else {
        2
    }
}

/// The closest built-in rule id or category to a misspelt one (see
/// [`Rules::suggest`] for a run's rules).
pub fn suggest(item: &str) -> Option<&'static str> {
    let cat = catalog();
    let names = cat
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .chain(cat.categories.iter().map(String::as_str));
    closest(item, names)
}

fn closest<'a>(item: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for n in names {
        let d = edit_distance(item, n);
        if d <= 3 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, n));
        }
    }
    best.map(|(_, n)| n)
}

/// "unknown rule or category `x`", with the closest built-in id as a
/// suggestion (see [`Rules::unknown_message`] for a run's rules).
pub fn unknown_rule_message(item: &str) -> String {
    unknown_message(item, suggest(item))
}

fn unknown_message(item: &str, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(n) => format!(
            "unknown rule or category `{item}` (did you mean `{n}`?); `kubelint rules` lists them"
        ),
        None => format!("unknown rule or category `{item}`; `kubelint rules` lists them"),
    }
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A finding before its span is turned into lines and columns.
#[derive(Debug, Clone)]
pub struct Pending {
    pub rule: usize,
    pub span: Span,
    pub message: String,
    pub help: crate::finding::Text,
    pub object: Option<Arc<ObjectRef>>,
    /// Secondary spans with labels (mentioned in the message).
    pub related: Vec<(Span, String)>,
    /// Rule-private data carried to [`Rule::finalize`].
    pub data: Option<Arc<str>>,
    /// Filled in by the engine (see [`Finding::node_path`]).
    pub node_path: Option<Arc<str>>,
    /// Attached by [`Cx::fix`].
    pub fix: Option<crate::fix::Fix>,
}

/// What a per-object rule reports through.
pub struct Cx<'a> {
    pub(crate) rule: usize,
    pub(crate) object: Option<&'a Arc<ObjectRef>>,
    pub(crate) out: &'a mut Vec<Pending>,
    /// The run's options (default namespace, levels, versions).
    pub opts: &'a Options,
    /// The text of the file being linted (spans index into it).
    pub text: &'a str,
    /// The file's path as displayed.
    pub file: &'a Arc<str>,
}

impl Cx<'_> {
    /// Report a finding carrying rule-private data for [`Rule::finalize`].
    pub fn report_with_data(
        &mut self,
        span: Span,
        message: impl Into<String>,
        help: impl Into<crate::finding::Text>,
        data: &str,
    ) {
        self.out.push(Pending {
            rule: self.rule,
            span,
            message: message.into(),
            help: help.into(),
            object: self.object.cloned(),
            related: Vec::new(),
            data: Some(Arc::from(data)),
            node_path: None,
            fix: None,
        });
    }

    /// Report a finding at `span` for another rule of the same family
    /// (one pass computes findings of several rules), if that rule is on.
    pub(crate) fn report_for(
        &mut self,
        rule_id: &str,
        span: Span,
        message: impl Into<String>,
        help: impl Into<crate::finding::Text>,
    ) {
        let Some(rule) = index_of(rule_id).filter(|&i| self.opts.selection.enabled[i]) else {
            return;
        };
        self.out.push(Pending {
            rule,
            span,
            message: message.into(),
            help: help.into(),
            object: self.object.cloned(),
            related: Vec::new(),
            data: None,
            node_path: None,
            fix: None,
        });
    }

    /// Report a finding at `span`.
    pub fn report(
        &mut self,
        span: Span,
        message: impl Into<String>,
        help: impl Into<crate::finding::Text>,
    ) {
        self.report_related(span, message, help, Vec::new());
    }

    /// Report a finding with secondary labelled spans.
    pub fn report_related(
        &mut self,
        span: Span,
        message: impl Into<String>,
        help: impl Into<crate::finding::Text>,
        related: Vec<(Span, String)>,
    ) {
        self.out.push(Pending {
            rule: self.rule,
            span,
            message: message.into(),
            help: help.into(),
            object: self.object.cloned(),
            related,
            data: None,
            node_path: None,
            fix: None,
        });
    }

    /// Attach a fix to the finding this rule reported last; call it right
    /// after that report (nothing happens when `fix` is None, or when the
    /// last finding is another rule's or has a fix already). Build
    /// the edits with a [`crate::fix::Editor`] over `obj.doc` and
    /// [`Cx::text`]; e.g. a value replaced:
    ///
    /// ```ignore
    /// cx.report(span, message, help);
    /// let ed = Editor::new(doc, cx.text);
    /// cx.fix(ed.replace(v, &NewValue::str("apps/v1")).map(|e| Fix::safe("Use apps/v1", vec![e])));
    /// ```
    pub fn fix(&mut self, fix: Option<crate::fix::Fix>) {
        if let (Some(fix), Some(last)) = (fix, self.out.last_mut()) {
            if last.rule == self.rule && last.fix.is_none() && !fix.edits.is_empty() {
                last.fix = Some(fix);
            }
        }
    }
}

/// A finding of a cross-object rule: its location is already resolved.
#[derive(Debug, Clone)]
pub struct IndexFinding {
    pub rule: usize,
    pub file: Arc<str>,
    pub location: Location,
    pub message: String,
    pub help: crate::finding::Text,
    pub object: Option<Arc<ObjectRef>>,
}

/// What a cross-object rule reports through.
pub struct IndexCx<'a> {
    pub(crate) rule: usize,
    pub(crate) out: &'a mut Vec<IndexFinding>,
}

impl IndexCx<'_> {
    pub fn report(
        &mut self,
        file: &Arc<str>,
        location: Location,
        object: Option<&Arc<ObjectRef>>,
        message: impl Into<String>,
        help: impl Into<crate::finding::Text>,
    ) {
        self.out.push(IndexFinding {
            rule: self.rule,
            file: file.clone(),
            location,
            message: message.into(),
            help: help.into(),
            object: object.cloned(),
        });
    }

    /// Report at an indexed object's `metadata.name`, naming where the
    /// other objects involved are written (`Deployment `web` at
    /// shop/web.yaml:4`), as [`Cx::report_related`] does within a file.
    pub fn report_related(
        &mut self,
        at: &crate::index::ObjectEntry,
        message: impl Into<String>,
        help: impl Into<crate::finding::Text>,
        related: &[&crate::index::ObjectEntry],
    ) {
        let mut message = message.into();
        if !related.is_empty() {
            let places: Vec<String> = related
                .iter()
                .map(|o| {
                    format!(
                        "{} `{}` at {}:{}",
                        o.reference.kind,
                        o.reference.name.as_deref().unwrap_or("?"),
                        o.file,
                        o.name_location.line
                    )
                })
                .collect();
            message.push_str(&format!(" ({})", places.join("; ")));
        }
        self.report(
            &at.file,
            at.name_location,
            Some(&at.reference),
            message,
            help,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_and_code_agree() {
        assert_eq!(catalog_mismatches(), Vec::<String>::new());
        assert_eq!(registry().len(), catalog().rules.len());
    }

    #[test]
    fn selection_by_category_then_rule() {
        let mut s = Selection::default();
        s.apply(&["duplicate-key".into()], &["yaml".into()])
            .unwrap();
        assert!(s.is_enabled("duplicate-key"));
        assert!(!s.is_enabled("yaml11-boolean"));
        let err = s.apply(&["duplicate-kye".into()], &[]).unwrap_err();
        assert!(err.contains("did you mean `duplicate-key`"), "{err}");
    }
}
