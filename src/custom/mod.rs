//! Custom rules: an organisation's policies written as data, run beside
//! the built-in rules and reported the same way.
//!
//! A custom rule is declared in YAML — in `.kubelint.yaml` under
//! `customRules:`, or in files under `customRulesDir` / `--rules-dir` —
//! with a *target* (the object, its pod spec, its containers, or a path),
//! a *match* (kinds, apiVersions, namespaces, a label selector) and a
//! *check*: a JSON Schema the target must satisfy, or the simpler
//! `require:` / `forbid:` of a path with an optional `pattern` or `values`.
//! `docs/custom-rules.md` is the user guide.
//!
//! Everything that can fail is compiled once, when the configuration is
//! read (schemas, regular expressions, globs, paths), and a bad definition
//! is a diagnostic pointing into its file (exit 2). Per object, a rule
//! first tests its match (no allocation), then walks its paths over the
//! spanned tree; only a JSON Schema check converts its target to JSON.
//! Findings point at the failing node: a wrong value at its key and value,
//! a missing field at the deepest existing ancestor.

pub mod path;
pub mod polaris;
mod quantity_keyword;
pub mod yaml_out;

use crate::config::{diagnostic, schema_diagnostic};
use crate::finding::Severity;
use crate::model::selector::LabelSelector;
use crate::model::{Container, ContainerList, Object, WorkloadKind};
use crate::rules::catalog::{catalog, RuleDoc};
use crate::rules::{Cx, Rules};
use crate::yaml::{load, Document, LoadLimits, NodeId, ScalarStyle, Span};
use miette::Report;
use path::{At, Path, Reach, Seg, Step};
use std::borrow::Cow;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, OnceLock};

/// The category of a custom rule that names none.
pub const DEFAULT_CATEGORY: &str = "custom";
/// Findings of one JSON Schema check on one target beyond this many are
/// dropped (a schema that rejects everything would otherwise flood).
const MAX_SCHEMA_ERRORS: usize = 20;

/// The JSON Schema of one rule definition (the `customRules` items of the
/// configuration's schema).
fn definition_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| crate::config::schema()["properties"]["customRules"]["items"].clone())
}

fn definition_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::validator_for(definition_schema()).expect("bundled rule schema compiles")
    })
}

/// A compiled custom rule.
pub struct CustomRule {
    pub id: Arc<str>,
    pub category: Arc<str>,
    /// What `kubelint rules`, `explain` and the reports show.
    pub doc: RuleDoc,
    matcher: Match,
    target: Target,
    check: Check,
}

impl std::fmt::Debug for CustomRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomRule").field("id", &self.id).finish()
    }
}

/// Which objects a rule looks at. Empty lists match everything.
#[derive(Default)]
struct Match {
    kinds: Vec<String>,
    api_versions: Option<globset::GlobSet>,
    namespaces: Option<globset::GlobSet>,
    labels: Option<LabelSelector>,
}

impl Match {
    fn matches(&self, obj: &Object<'_>) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k == obj.kind))
            && self
                .api_versions
                .as_ref()
                .is_none_or(|g| g.is_match(obj.api_version))
            && self
                .namespaces
                .as_ref()
                .is_none_or(|g| obj.namespace.is_some_and(|n| g.is_match(n)))
            && self
                .labels
                .as_ref()
                .is_none_or(|s| s.matches(|k| obj.label(k)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Object,
    PodSpec,
    /// Containers of the listed kinds (`containers`, `initContainers`,
    /// `ephemeralContainers`).
    Container([bool; 3]),
}

const BASES: [&str; 3] = ["Object", "PodSpec", "Container"];

struct Target {
    base: Base,
    /// A path below the base (`spec.rules[*]`, `PodSpec.volumes[*]`).
    path: Option<Path>,
}

enum Cond {
    Pattern(regex::Regex),
    Values(Vec<serde_json::Value>),
}

enum Check {
    /// A compiled schema, and the part of the target it can look at.
    Schema(Box<jsonschema::Validator>, Projection),
    Require(Path, Option<Cond>),
    Forbid(Path, Option<Cond>),
}

/// The part of a target a schema can look at, so that only that part is
/// converted to JSON: a schema made only of `type`, `properties`,
/// `required` and annotations sees nothing but the listed properties (a
/// Deployment's `spec.replicas`, not its whole pod template). Any other
/// keyword (`additionalProperties`, `not`, `$ref`, `minProperties`, …)
/// may look at everything below it, which is then converted whole.
#[derive(Debug, Clone, PartialEq)]
enum Projection {
    Whole,
    /// A mapping is reduced to these keys (other values pass through whole).
    Keys(Vec<(String, Projection)>),
}

/// Keywords that look at no more than `properties` and `required` name.
const PROJECTABLE: [&str; 13] = [
    "type",
    "properties",
    "required",
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

impl Projection {
    fn of(schema: &serde_json::Value) -> Projection {
        let Some(m) = schema.as_object() else {
            // `true` looks at nothing, `false` rejects whatever is there.
            return Projection::Keys(Vec::new());
        };
        if !m.keys().all(|k| PROJECTABLE.contains(&k.as_str())) {
            return Projection::Whole;
        }
        let mut keys: Vec<(String, Projection)> = Vec::new();
        if let Some(props) = m.get("properties") {
            let Some(props) = props.as_object() else {
                return Projection::Whole;
            };
            for (k, sub) in props {
                keys.push((k.clone(), Projection::of(sub)));
            }
        }
        match m.get("required") {
            None => {}
            Some(serde_json::Value::Array(req)) => {
                for r in req {
                    let Some(r) = r.as_str() else {
                        return Projection::Whole;
                    };
                    if !keys.iter().any(|(k, _)| k == r) {
                        // Only its presence matters.
                        keys.push((r.to_string(), Projection::Keys(Vec::new())));
                    }
                }
            }
            Some(_) => return Projection::Whole,
        }
        Projection::Keys(keys)
    }

    /// The node as JSON ([`Document::to_json`]), reduced to what the schema
    /// can see.
    fn to_json(&self, doc: &Document<'_>, node: NodeId) -> serde_json::Value {
        match self {
            Projection::Keys(keys) if doc.is_map(node) => {
                let mut m = serde_json::Map::new();
                for (k, sub) in keys {
                    if let Some(v) = doc.get_key(node, k) {
                        m.insert(k.clone(), sub.to_json(doc, v));
                    }
                }
                serde_json::Value::Object(m)
            }
            Projection::Keys(keys) if keys.is_empty() && doc.is_seq(node) => {
                serde_json::Value::Array(Vec::new())
            }
            _ => doc.to_json(node),
        }
    }
}

/// One place a rule's check runs: a node, how messages name it, and the
/// concrete steps from the base to it.
struct Anchor<'a> {
    at: At,
    /// The container, for container targets (named in messages).
    container: Option<Container<'a>>,
    trail: Vec<Seg>,
    /// What the target is called when the check fails on the target itself.
    noun: &'a str,
}

impl CustomRule {
    /// Check one object (called by the engine for enabled custom rules).
    pub(crate) fn check<'d>(&self, obj: &Object<'d>, cx: &mut Cx<'_>) {
        if !self.matcher.matches(obj) {
            return;
        }
        let doc = obj.doc;
        let mut bases: Vec<Anchor<'d>> = Vec::new();
        match self.target.base {
            Base::Object => bases.push(Anchor {
                at: At {
                    node: obj.node,
                    key: None,
                },
                container: None,
                trail: Vec::new(),
                noun: "the object",
            }),
            Base::PodSpec => {
                let Some(spec) = obj.pod_spec() else { return };
                bases.push(Anchor {
                    at: At {
                        node: spec.node,
                        key: pod_spec_key(obj),
                    },
                    container: None,
                    trail: Vec::new(),
                    noun: "the pod spec",
                });
            }
            Base::Container(lists) => {
                let Some(spec) = obj.pod_spec() else { return };
                for c in spec.all_containers() {
                    let wanted = match c.list {
                        ContainerList::Containers => lists[0],
                        ContainerList::InitContainers => lists[1],
                        ContainerList::EphemeralContainers => lists[2],
                    };
                    if wanted {
                        bases.push(Anchor {
                            at: At {
                                node: c.node,
                                key: None,
                            },
                            container: Some(c),
                            trail: Vec::new(),
                            noun: "the container",
                        });
                    }
                }
            }
        }
        for base in bases {
            match &self.target.path {
                None => self.check_anchor(obj, &base, cx),
                Some(p) => {
                    let mut trail = base.trail.clone();
                    let mut reached = Vec::new();
                    p.walk(doc, base.at, &mut trail, &mut |r, segs| {
                        if let Reach::Found(at) = r {
                            reached.push((at, segs.to_vec()));
                        }
                    });
                    for (at, trail) in reached {
                        let anchor = Anchor {
                            at,
                            container: base.container,
                            trail,
                            noun: "",
                        };
                        self.check_anchor(obj, &anchor, cx);
                    }
                }
            }
        }
    }

    fn check_anchor(&self, obj: &Object<'_>, anchor: &Anchor<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        match &self.check {
            Check::Require(p, cond) | Check::Forbid(p, cond) => {
                let require = matches!(self.check, Check::Require(..));
                let mut trail = anchor.trail.clone();
                let mut out: Vec<(Span, String)> = Vec::new();
                p.walk(doc, anchor.at, &mut trail, &mut |r, segs| match r {
                    Reach::Missing { at, step } if require => {
                        let rest = Path {
                            steps: p.steps[step..].to_vec(),
                        };
                        let shown = join(&path::render(doc, segs), &rest.to_string());
                        out.push((missing_span(doc, at), format!("`{shown}` is not set")));
                    }
                    Reach::Missing { .. } => {}
                    Reach::Found(at) => {
                        let shown = || path::render(doc, segs);
                        if let Some(detail) = judge(doc, at, shown, cond.as_ref(), require) {
                            out.push((value_span(doc, at), detail));
                        }
                    }
                });
                for (span, detail) in out {
                    self.report(cx, anchor, span, detail);
                }
            }
            Check::Schema(v, projection) => {
                let instance = projection.to_json(doc, anchor.at.node);
                let errors: Vec<_> = v.iter_errors(&instance).take(MAX_SCHEMA_ERRORS).collect();
                for e in errors {
                    for (span, detail) in schema_findings(doc, anchor, &e) {
                        self.report(cx, anchor, span, detail);
                    }
                }
            }
        }
    }

    fn report(&self, cx: &mut Cx<'_>, anchor: &Anchor<'_>, span: Span, detail: String) {
        let message = match anchor.container {
            Some(c) => format!("{}: {detail} in {c}", self.doc.summary),
            None => format!("{}: {detail}", self.doc.summary),
        };
        cx.report(span, message, self.doc.fix.clone());
    }
}

/// The key of a workload's pod spec (`spec:` of the template, or of a Pod).
fn pod_spec_key(obj: &Object<'_>) -> Option<NodeId> {
    let doc = obj.doc;
    let template = match obj.workload_kind()? {
        WorkloadKind::Pod => obj.node,
        WorkloadKind::PodTemplate => doc.get_map(obj.node, "template")?,
        WorkloadKind::CronJob => {
            doc.path(obj.node, &["spec", "jobTemplate", "spec", "template"])?
        }
        _ => doc.path(obj.node, &["spec", "template"])?,
    };
    doc.entry(template, "spec").map(|(k, _)| k)
}

/// Where a missing field points: the key of the deepest existing ancestor,
/// or the ancestor itself (a list item, the object).
fn missing_span(doc: &Document<'_>, at: At) -> Span {
    match at.key {
        Some(k) => doc.span(k),
        None => doc.span(at.node),
    }
}

/// Where a wrong value points: its key and value, or the list item.
fn value_span(doc: &Document<'_>, at: At) -> Span {
    match at.key {
        Some(k) => doc.entry_span(k, at.node),
        None => doc.span(at.node),
    }
}

/// `a.b` + `c[0]` → `a.b.c[0]`; either may be empty.
fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ if b.starts_with('[') => format!("{a}{b}"),
        _ => format!("{a}.{b}"),
    }
}

/// A value as messages show it.
fn shown_value(doc: &Document<'_>, node: NodeId) -> String {
    match doc.text(node) {
        Some(t) => {
            let mut t = t.replace('\n', "\\n");
            if t.chars().count() > 80 {
                t = t.chars().take(79).collect::<String>() + "…";
            }
            format!("`{t}`")
        }
        None if doc.is_seq(node) => "a list".to_string(),
        None => "a mapping".to_string(),
    }
}

/// The verdict of `require`/`forbid` on a value that exists: `Some(detail)`
/// when the rule is violated. The path (`shown`) and the value are only
/// written out for a violation.
fn judge(
    doc: &Document<'_>,
    at: At,
    shown: impl FnOnce() -> String,
    cond: Option<&Cond>,
    require: bool,
) -> Option<String> {
    let value = || shown_value(doc, at.node);
    match (cond, require) {
        (None, true) => None,
        (None, false) => Some(format!("`{}` is set", shown())),
        (Some(Cond::Pattern(re)), _) => {
            let matched = doc.text(at.node).is_some_and(|t| re.is_match(t));
            match (require, matched) {
                (true, false) => Some(format!(
                    "`{}` is {}, which does not match `{}`",
                    shown(),
                    value(),
                    re.as_str()
                )),
                (false, true) => Some(format!(
                    "`{}` is {}, which matches `{}`",
                    shown(),
                    value(),
                    re.as_str()
                )),
                _ => None,
            }
        }
        (Some(Cond::Values(values)), _) => {
            let listed = values.contains(&doc.to_json(at.node));
            match (require, listed) {
                (true, false) => Some(format!(
                    "`{}` is {}, expected {}",
                    shown(),
                    value(),
                    one_of(values)
                )),
                (false, true) => Some(format!("`{}` is {}", shown(), value())),
                _ => None,
            }
        }
    }
}

fn one_of(values: &[serde_json::Value]) -> String {
    let list: Vec<String> = values
        .iter()
        .map(|v| match v {
            serde_json::Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect();
    match list.len() {
        1 => list[0].clone(),
        _ => format!("one of {}", list.join(", ")),
    }
}

/// Findings for one JSON Schema error: the node at the error's instance
/// path, mapped back to its span.
fn schema_findings(
    doc: &Document<'_>,
    anchor: &Anchor<'_>,
    e: &jsonschema::ValidationError<'_>,
) -> Vec<(Span, String)> {
    use jsonschema::error::ValidationErrorKind as K;
    let mut at = anchor.at;
    let mut trail = anchor.trail.clone();
    for raw in e.instance_path().as_str().split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        if doc.is_seq(at.node) {
            let Some((i, v)) = seg
                .parse::<usize>()
                .ok()
                .and_then(|i| Some((i, doc.items(at.node).nth(i)?)))
            else {
                break;
            };
            trail.push(Seg::Index(i));
            at = At { node: v, key: None };
        } else {
            let Some((k, v)) = doc.entry(at.node, &seg) else {
                break;
            };
            trail.push(Seg::Key(k));
            at = At {
                node: v,
                key: Some(k),
            };
        }
    }
    let shown = path::render(doc, &trail);
    let name = if shown.is_empty() {
        if anchor.noun.is_empty() {
            "the target".to_string()
        } else {
            anchor.noun.to_string()
        }
    } else if doc.text(at.node).is_some() {
        format!("`{shown}: {}`", doc.text(at.node).unwrap_or_default())
    } else {
        format!("`{shown}`")
    };
    let key_text = |k: &str| {
        join(
            &shown,
            &Path {
                steps: vec![Step::Key(k.to_string())],
            }
            .to_string(),
        )
    };
    match e.kind() {
        K::Required { property } => {
            let prop = property.as_str().unwrap_or_default();
            vec![(
                missing_span(doc, at),
                format!("`{}` is not set", key_text(prop)),
            )]
        }
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            unexpected
                .iter()
                .map(|k| {
                    let span = doc
                        .entry(at.node, k)
                        .map_or(value_span(doc, at), |(kn, vn)| doc.entry_span(kn, vn));
                    (span, format!("`{}` is not allowed", key_text(k)))
                })
                .collect()
        }
        K::Custom { message, .. } => vec![(value_span(doc, at), format!("{name} {message}"))],
        K::Not { schema } => vec![(
            value_span(doc, at),
            format!("{name} must not match the schema {schema}"),
        )],
        _ => vec![(value_span(doc, at), e.masked_with(name).to_string())],
    }
}

// ---------------------------------------------------------------------------
// Definitions

/// A rule definition's file, kept for diagnostics.
#[derive(Debug)]
struct SourceFile {
    path: PathBuf,
    text: String,
}

/// A compiled rule with where its id is written.
pub struct Def {
    rule: CustomRule,
    file: Arc<SourceFile>,
    id_span: Span,
}

impl std::fmt::Debug for Def {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Def").field("id", &self.rule.id).finish()
    }
}

/// Custom rules are being collected from the configuration and rule files.
#[derive(Debug, Default)]
pub struct Loader {
    defs: Vec<Def>,
    dirs: Vec<PathBuf>,
}

impl Loader {
    /// Compile the rules of a `customRules:` sequence (or a rule file's
    /// document) at `node` of `doc`, loaded from `text` read from `path`.
    pub fn add_node(
        &mut self,
        path: &FsPath,
        text: &str,
        doc: &Document<'_>,
        node: NodeId,
    ) -> Result<(), Report> {
        let file = Arc::new(SourceFile {
            path: path.to_path_buf(),
            text: text.to_string(),
        });
        let items: Vec<NodeId> = if doc.is_seq(node) {
            doc.items(node).collect()
        } else {
            vec![node]
        };
        for item in items {
            let def = compile(&file, doc, item)?;
            self.push(def)?;
        }
        Ok(())
    }

    /// Compile the rules of one rule file: each YAML document is one rule
    /// (a mapping) or a list of rules.
    pub fn add_file(&mut self, path: &FsPath) -> Result<(), Report> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Report::new(
                miette::MietteDiagnostic::new(format!(
                    "cannot read rule file {}: {e}",
                    path.display()
                ))
                .with_code("kubelint::custom-rules"),
            )
        })?;
        let loaded = load(&text, &LoadLimits::default());
        if let Some(e) = &loaded.error {
            return Err(diagnostic(
                path,
                &text,
                Some(Span::new(e.offset, e.offset)),
                format!("rule file is not valid YAML: {}", e.message),
                "here",
            ));
        }
        for doc in &loaded.documents {
            if doc.is_null(doc.root) {
                continue;
            }
            if !doc.is_map(doc.root) && !doc.is_seq(doc.root) {
                return Err(diagnostic(
                    path,
                    &text,
                    Some(doc.span(doc.root)),
                    "a rule file holds rules: a mapping (one rule) or a list of them".into(),
                    "not a rule",
                ));
            }
            self.add_node(path, &text, doc, doc.root)?;
        }
        Ok(())
    }

    /// Compile every `*.yaml` / `*.yml` file below `dir` (sorted by path;
    /// hidden entries skipped). `written` is where the directory is named,
    /// for the diagnostic when it does not exist. A directory already
    /// added is skipped.
    pub fn add_dir(&mut self, dir: &FsPath, written: Option<Report>) -> Result<(), Report> {
        let canonical = std::fs::canonicalize(dir).map_err(|e| {
            written.unwrap_or_else(|| {
                Report::new(
                    miette::MietteDiagnostic::new(format!(
                        "cannot read the rules directory {}: {e}",
                        dir.display()
                    ))
                    .with_code("kubelint::custom-rules"),
                )
            })
        })?;
        if self.dirs.contains(&canonical) {
            return Ok(());
        }
        self.dirs.push(canonical);
        let mut files = Vec::new();
        collect_rule_files(dir, &mut files);
        files.sort();
        for f in files {
            self.add_file(&f)?;
        }
        Ok(())
    }

    fn push(&mut self, def: Def) -> Result<(), Report> {
        let id = &*def.rule.id;
        let clash = |message: String| {
            diagnostic(
                &def.file.path,
                &def.file.text,
                Some(def.id_span),
                message,
                "this id",
            )
        };
        if catalog().get(id).is_some() {
            return Err(clash(format!(
                "custom rule id `{id}` is the id of a built-in rule: choose another id (`kubelint explain {id}` shows the built-in rule)"
            )));
        }
        if catalog().categories.iter().any(|c| c == id) {
            return Err(clash(format!(
                "custom rule id `{id}` is the name of a built-in category: choose another id"
            )));
        }
        if let Some(first) = self.defs.iter().find(|d| *d.rule.id == *id) {
            return Err(clash(format!(
                "custom rule id `{id}` is defined twice (first at {})",
                first.rule.doc.defined_in.as_deref().unwrap_or("?")
            )));
        }
        if let Some(other) = self
            .defs
            .iter()
            .find(|d| *d.rule.category == *id || *d.rule.id == *def.rule.category)
        {
            return Err(clash(format!(
                "custom rule id `{id}` and the category of `{}` would be ambiguous in --enable/--disable: rename one",
                other.rule.id
            )));
        }
        if catalog().get(&def.rule.category).is_some() {
            return Err(clash(format!(
                "the category `{}` of custom rule `{id}` is the id of a built-in rule: choose another category",
                def.rule.category
            )));
        }
        self.defs.push(def);
        Ok(())
    }

    /// The rule set of the run: built-in rules plus the custom ones.
    pub fn finish(self) -> Rules {
        Rules::with_custom(self.defs.into_iter().map(|d| d.rule).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
}

fn collect_rule_files(dir: &FsPath, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect_rule_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// The span of `len` bytes at `offset` of a scalar's decoded text, when
/// the scalar is written so that offsets carry over (plain, or quoted
/// without escapes); else the whole scalar.
fn sub_span(doc: &Document<'_>, text: &str, node: NodeId, offset: usize, len: usize) -> Span {
    let span = doc.span(node);
    let raw = doc.raw(text, node);
    let decoded = doc.text(node).unwrap_or_default();
    let shift = match doc.scalar(node).map(|(_, s)| s) {
        Some(ScalarStyle::Plain) if raw == decoded => 0,
        Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
            if raw.len() == decoded.len() + 2 && &raw[1..raw.len() - 1] == decoded =>
        {
            1
        }
        _ => return span,
    };
    let start = span.start + (shift + offset.min(decoded.len())) as u32;
    Span::new(
        start,
        start + len.max(1).min(decoded.len().saturating_sub(offset).max(1)) as u32,
    )
}

/// Compile one rule definition.
fn compile(file: &Arc<SourceFile>, doc: &Document<'_>, node: NodeId) -> Result<Def, Report> {
    let (path, text) = (file.path.as_path(), file.text.as_str());
    let fail = |span: Span, message: String, label: &str| {
        Err(diagnostic(path, text, Some(span), message, label))
    };
    if !doc.is_map(node) {
        return fail(
            doc.span(node),
            "a custom rule is a mapping with `id`, `summary`, `help` and a check".into(),
            "not a rule",
        );
    }
    let value = doc.to_json(node);
    if let Some(err) = definition_validator().iter_errors(&value).next() {
        return Err(schema_diagnostic(
            path,
            text,
            doc,
            node,
            definition_schema(),
            &err,
            "custom rule",
        ));
    }
    let entry = |k: &str| doc.entry(node, k);
    let string = |k: &str| entry(k).and_then(|(_, v)| doc.text(v)).map(str::to_string);
    let (id_key, id_node) = entry("id").expect("schema requires id");
    let id = doc.text(id_node).unwrap_or_default().to_string();
    let id_span = doc.span(id_node);
    let category = string("category").unwrap_or_else(|| DEFAULT_CATEGORY.to_string());
    let severity = string("severity")
        .and_then(|s| Severity::parse(&s))
        .unwrap_or(Severity::Warning);
    let enabled = entry("enabled")
        .and_then(|(_, v)| doc.bool(v))
        .unwrap_or(true);
    let summary = string("summary").unwrap_or_default();
    let help = string("help").unwrap_or_default();
    let description = string("description");
    let references: Vec<String> = entry("references")
        .map(|(_, v)| {
            doc.items(v)
                .filter_map(|i| doc.text(i))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();

    // Target.
    let target = match entry("target") {
        None => Target {
            base: Base::Object,
            path: None,
        },
        Some((_, v)) => parse_target(doc, text, v)
            .map_err(|(span, m)| diagnostic(path, text, Some(span), m, "invalid"))?,
    };
    let target = match (entry("containers"), target.base) {
        (Some((_, v)), Base::Container(_)) => {
            let mut lists = [false; 3];
            for item in doc.items(v) {
                match doc.text(item) {
                    Some("containers") => lists[0] = true,
                    Some("initContainers") => lists[1] = true,
                    _ => lists[2] = true,
                }
            }
            Target {
                base: Base::Container(lists),
                ..target
            }
        }
        (Some((k, _)), _) => {
            return fail(
                doc.span(k),
                "`containers` selects container lists and needs `target: Container` (or a `Container.` path)".into(),
                "needs target: Container",
            )
        }
        (None, _) => target,
    };

    // Match.
    let mut matcher = Match::default();
    if let Some((_, m)) = entry("match") {
        let list = |k: &str| -> Vec<(String, NodeId)> {
            doc.get_key(m, k)
                .map(|q| {
                    doc.items(q)
                        .filter_map(|i| Some((doc.text(i)?.to_string(), i)))
                        .collect()
                })
                .unwrap_or_default()
        };
        matcher.kinds = list("kinds").into_iter().map(|(k, _)| k).collect();
        let globs = |k: &str| -> Result<Option<globset::GlobSet>, Report> {
            let items = list(k);
            if items.is_empty() {
                return Ok(None);
            }
            let mut b = globset::GlobSetBuilder::new();
            for (g, n) in items {
                let glob = globset::GlobBuilder::new(&g)
                    .literal_separator(false)
                    .build()
                    .map_err(|e| {
                        diagnostic(
                            path,
                            text,
                            Some(doc.span(n)),
                            format!("invalid glob `{g}`: {}", e.kind()),
                            "invalid",
                        )
                    })?;
                b.add(glob);
            }
            b.build()
                .map(Some)
                .map_err(|e| diagnostic(path, text, None, e.to_string(), ""))
        };
        matcher.api_versions = globs("apiVersions")?;
        matcher.namespaces = globs("namespaces")?;
        if let Some((lk, lv)) = doc.entry(m, "labels") {
            let sel = LabelSelector::from_node(doc, lv);
            let problems = sel
                .as_ref()
                .map(LabelSelector::validate)
                .unwrap_or_default();
            match sel {
                Some(s) if problems.is_empty() => matcher.labels = Some(s),
                _ => {
                    return fail(
                        doc.span(lk),
                        format!(
                            "invalid label selector: {}",
                            problems
                                .first()
                                .map_or("expected `matchLabels` and/or `matchExpressions`", |p| p
                                    .as_str())
                        ),
                        "invalid",
                    )
                }
            }
        }
    }

    // Check.
    let checks: Vec<(NodeId, NodeId, &str)> = ["schema", "require", "forbid"]
        .into_iter()
        .filter_map(|k| entry(k).map(|(kn, vn)| (kn, vn, k)))
        .collect();
    let cond_keys: Vec<(NodeId, NodeId, &str)> = ["pattern", "values"]
        .into_iter()
        .filter_map(|k| entry(k).map(|(kn, vn)| (kn, vn, k)))
        .collect();
    let (_, cv, kind) = match checks.as_slice() {
        [] => {
            return fail(
                doc.entry_span(id_key, id_node),
                format!("custom rule `{id}` has no check: add `schema:`, `require:` or `forbid:`"),
                "no check",
            )
        }
        [one] => *one,
        [first, second, ..] => {
            return fail(
                doc.span(second.0),
                format!(
                    "custom rule `{id}` has both `{}` and `{}`: a rule has exactly one check",
                    first.2, second.2
                ),
                "second check",
            )
        }
    };
    if let [first, second] = cond_keys.as_slice() {
        return fail(
            doc.span(second.0),
            format!(
                "`{}` and `{}` cannot be combined: use one (or two rules)",
                first.2, second.2
            ),
            "second condition",
        );
    }
    let cond = match cond_keys.first() {
        None => None,
        Some(&(k, _, _)) if kind == "schema" => {
            return fail(
                doc.span(k),
                "`pattern` and `values` go with `require:` or `forbid:`; in a JSON Schema use its own `pattern` / `enum`".into(),
                "needs require or forbid",
            )
        }
        Some(&(_, v, "pattern")) => {
            let re = doc.text(v).unwrap_or_default();
            match regex::Regex::new(re) {
                Ok(r) => Some(Cond::Pattern(r)),
                Err(e) => {
                    return fail(
                        doc.span(v),
                        format!("invalid regular expression: {}", regex_error(&e)),
                        "invalid",
                    )
                }
            }
        }
        Some(&(_, v, _)) => Some(Cond::Values(doc.items(v).map(|i| doc.to_json(i)).collect())),
    };
    let check = match kind {
        "schema" => Check::Schema(
            Box::new(compile_schema(path, text, doc, cv)?),
            Projection::of(&doc.to_json(cv)),
        ),
        _ => {
            let p = Path::parse(doc.text(cv).unwrap_or_default()).map_err(|e| {
                diagnostic(
                    path,
                    text,
                    Some(sub_span(doc, text, cv, e.offset, 1)),
                    format!(
                        "invalid path: {} (see docs/custom-rules.md for the syntax)",
                        e.message
                    ),
                    "here",
                )
            })?;
            if kind == "require" {
                Check::Require(p, cond)
            } else {
                Check::Forbid(p, cond)
            }
        }
    };

    let line = crate::source::LineIndex::new(text)
        .position(text, doc.span(node).start)
        .0;
    let defined_in = format!("{}:{line}", shown_path(path));
    let body = rule_body(
        description.as_deref(),
        &definition_text(text, doc.span(node)),
        &help,
    );
    let doc_entry = RuleDoc {
        id: id.clone(),
        category: category.clone(),
        severity,
        enabled,
        summary,
        references,
        equivalents: Vec::new(),
        path: Cow::Borrowed(""),
        body: Cow::Owned(body),
        why: description.unwrap_or_default(),
        fix: help,
        bad: Vec::new(),
        good: Vec::new(),
        defined_in: Some(defined_in),
    };
    let doc_entry = RuleDoc {
        why: if doc_entry.why.is_empty() {
            doc_entry.summary.clone()
        } else {
            doc_entry.why.clone()
        },
        ..doc_entry
    };
    Ok(Def {
        rule: CustomRule {
            id: Arc::from(id.as_str()),
            category: Arc::from(category.as_str()),
            doc: doc_entry,
            matcher,
            target,
            check,
        },
        file: file.clone(),
        id_span,
    })
}

/// The last line of a regex error (`error: unclosed group`), without the
/// pattern echo and caret lines.
fn regex_error(e: &regex::Error) -> String {
    let s = e.to_string();
    s.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or(s.lines().last().unwrap_or_default())
        .to_string()
}

/// `Object`, `PodSpec`, `Container`, optionally followed by a path
/// (`PodSpec.volumes[*]`), or a path from the object (`spec.rules[*]`).
/// A capitalised first word names a base: Kubernetes fields start in
/// lower case.
fn parse_target(doc: &Document<'_>, text: &str, v: NodeId) -> Result<Target, (Span, String)> {
    let t = doc.text(v).unwrap_or_default();
    let word_end = t.find(['.', '[']).unwrap_or(t.len());
    let word = &t[..word_end];
    let (base, rest_at) = if word.starts_with(|c: char| c.is_ascii_uppercase()) {
        let base = match word {
            "Object" => Base::Object,
            "PodSpec" => Base::PodSpec,
            "Container" => Base::Container([true; 3]),
            _ => {
                let hint = BASES
                    .iter()
                    .min_by_key(|b| crate::rules::edit_distance(word, b))
                    .filter(|b| crate::rules::edit_distance(word, b) <= 3)
                    .map(|b| format!(" (did you mean `{b}`?)"))
                    .unwrap_or_default();
                return Err((
                    sub_span(doc, text, v, 0, word.len()),
                    format!(
                        "unknown target `{word}`{hint}: expected `Object`, `PodSpec`, `Container`, one of them followed by a path (`PodSpec.volumes[*]`), or a path from the object (`spec.rules[*]`)"
                    ),
                ));
            }
        };
        let rest = &t[word_end..];
        (base, word_end + usize::from(rest.starts_with('.')))
    } else {
        (Base::Object, 0)
    };
    let rest = &t[rest_at..];
    if rest.is_empty() {
        if rest_at > word_end {
            return Err((
                sub_span(doc, text, v, rest_at, 1),
                "invalid target path: expected a key after `.`".into(),
            ));
        }
        return Ok(Target { base, path: None });
    }
    match Path::parse(rest) {
        Ok(p) => Ok(Target {
            base,
            path: Some(p),
        }),
        Err(e) => Err((
            sub_span(doc, text, v, rest_at + e.offset, 1),
            format!("invalid target path: {}", e.message),
        )),
    }
}

/// No schema is ever fetched: a `$ref` must point inside the rule's own
/// schema.
struct NoRemoteRefs;

impl jsonschema::Retrieve for NoRemoteRefs {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!(
            "kubelint does not fetch schemas: `{}` cannot be used; inline it under `$defs` and refer to it as `#/$defs/NAME`",
            uri.as_str()
        )
        .into())
    }
}

/// Compile a rule's JSON Schema (with the `resourceMinimum` /
/// `resourceMaximum` quantity keywords). Errors point at the offending
/// part of the schema.
fn compile_schema(
    path: &FsPath,
    text: &str,
    doc: &Document<'_>,
    node: NodeId,
) -> Result<jsonschema::Validator, Report> {
    let schema = doc.to_json(node);
    let built = jsonschema::options()
        .with_retriever(NoRemoteRefs)
        .with_keyword("resourceMinimum", quantity_keyword::minimum)
        .with_keyword("resourceMaximum", quantity_keyword::maximum)
        .build(&schema);
    let err = match built {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    use jsonschema::error::ValidationErrorKind as K;
    let pointer = err.instance_path().as_str().to_string();
    let mut span = {
        let (n, complete) = doc.at_pointer(node, &pointer);
        match pointer.rsplit_once('/') {
            Some((parent, last)) if complete => {
                let (p, _) = doc.at_pointer(node, parent);
                doc.entry(p, &last.replace("~1", "/").replace("~0", "~"))
                    .map_or(doc.span(n), |(k, v)| doc.entry_span(k, v))
            }
            _ => doc.span(n),
        }
    };
    let message = match err.kind() {
        K::Referencing(r) => {
            // Point at the `$ref` that failed.
            let (reference, why) = match r {
                jsonschema::ReferencingError::Unretrievable { uri, .. } => (
                    uri.clone(),
                    format!("`$ref: {uri}` is outside this schema, and kubelint never fetches schemas: inline it under `$defs` and refer to it as `#/$defs/NAME`"),
                ),
                jsonschema::ReferencingError::PointerToNowhere { pointer } => (
                    pointer.clone(),
                    format!("`$ref` points to `{pointer}`, which is not in this schema"),
                ),
                other => (String::new(), other.to_string()),
            };
            if let Some((k, v)) = doc.maps_in(node).find_map(|m| {
                doc.entry(m, "$ref").filter(|&(_, v)| {
                    !reference.is_empty()
                        && doc
                            .text(v)
                            .is_some_and(|t| t.contains(&*reference) || reference.contains(t))
                })
            }) {
                span = doc.entry_span(k, v);
            }
            format!("invalid JSON Schema: {why}")
        }
        K::AnyOf { context } | K::OneOfNotValid { context } => {
            match context.iter().flatten().next() {
                Some(inner) => format!("invalid JSON Schema: {}", schema_problem(inner)),
                None => format!("invalid JSON Schema: {err}"),
            }
        }
        K::Format { format } if format == "regex" => format!(
            "invalid JSON Schema: `{}` is not a valid regular expression",
            err.instance().as_str().unwrap_or_default()
        ),
        _ => format!("invalid JSON Schema: {}", schema_problem(&err)),
    };
    Err(diagnostic(path, text, Some(span), message, "invalid"))
}

/// A meta-schema error in words, the offending schema value in backticks.
fn schema_problem(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    };
    match e.kind() {
        K::Enum { options } => {
            let list: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(shown).collect())
                .unwrap_or_default();
            format!("{} is not one of {}", shown(e.instance()), list.join(", "))
        }
        _ => e.masked_with(shown(e.instance())).to_string(),
    }
}

/// The rule definition as written, dedented, for `kubelint explain`.
fn definition_text(text: &str, span: Span) -> String {
    let start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let end = (span.end as usize).min(text.len());
    let block = &text[start..end];
    let first_indent = span.start as usize - start;
    let mut out = String::new();
    for (i, line) in block.lines().enumerate() {
        let line = if i == 0 {
            &line[first_indent.min(line.len())..]
        } else {
            let strip = line
                .char_indices()
                .take_while(|&(j, c)| j < first_indent && c == ' ')
                .count();
            &line[strip..]
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn rule_body(why: Option<&str>, definition: &str, help: &str) -> String {
    let why = why
        .map(|w| format!("## Why\n\n{}\n\n", w.trim()))
        .unwrap_or_default();
    format!("\n{why}## Definition\n\n```yaml\n{definition}```\n\n## Fix\n\n{help}\n")
}

/// A file path as reports show it: relative to the working directory when
/// it is below it.
fn shown_path(path: &FsPath) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let rel = path.strip_prefix(&cwd).unwrap_or(path);
    crate::discover::display_path(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_text_is_dedented() {
        let text = "customRules:\n  - id: a\n    summary: s\n  - id: b\n";
        let loaded = load(text, &LoadLimits::default());
        let doc = &loaded.documents[0];
        let seq = doc.get_key(doc.root, "customRules").unwrap();
        let first = doc.items(seq).next().unwrap();
        assert_eq!(
            definition_text(text, doc.span(first)),
            "id: a\nsummary: s\n"
        );
    }

    #[test]
    fn projections_keep_what_the_schema_sees() {
        let schema = serde_json::json!({
            "type": "object",
            "required": ["metadata"],
            "properties": {
                "spec": {"properties": {"replicas": {"minimum": 2}}},
                "status": {"not": {"type": "null"}},
            },
        });
        let p = Projection::of(&schema);
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, labels: {x: y}}\nspec:\n  replicas: 1\n  template: {spec: {containers: [{name: c}]}}\nstatus: {replicas: 1}\n";
        let loaded = load(text, &LoadLimits::default());
        let doc = &loaded.documents[0];
        assert_eq!(
            p.to_json(doc, doc.root),
            serde_json::json!({"metadata": {}, "spec": {"replicas": 1}, "status": {"replicas": 1}})
        );
        // Anything else sees the whole subtree.
        let whole =
            Projection::of(&serde_json::json!({"properties": {}, "additionalProperties": false}));
        assert_eq!(whole, Projection::Whole);
        assert_eq!(whole.to_json(doc, doc.root), doc.to_json(doc.root));
    }

    #[test]
    fn joins() {
        assert_eq!(join("a", "b[0]"), "a.b[0]");
        assert_eq!(join("a", "[0].b"), "a[0].b");
        assert_eq!(join("", "b"), "b");
    }
}
