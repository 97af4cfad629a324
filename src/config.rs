//! `.kubelint.yaml`: found upwards from the working directory or named by
//! `--config`, validated against `schemas/kubelint-config.schema.json`,
//! with errors reported as diagnostics pointing into the file (exit 2).

use crate::rules::Rules;
use crate::yaml::{load, Document, LoadLimits, NodeId, Span};
use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub const FILE_NAMES: [&str; 2] = [".kubelint.yaml", ".kubelint.yml"];
const SCHEMA: &str = include_str!("../schemas/kubelint-config.schema.json");

/// The configuration's JSON Schema, parsed once.
pub(crate) fn schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(|| serde_json::from_str(SCHEMA).expect("bundled schema is JSON"))
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| jsonschema::validator_for(schema()).expect("bundled schema compiles"))
}

/// A rule setting: `off`, `on`, or a severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    On,
    Severity(crate::finding::Severity),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub kubernetes_version: Option<String>,
    pub pod_security_level: Option<String>,
    pub fail_on: Option<String>,
    pub default_namespace: Option<String>,
    /// (rule id or category, setting), in file order.
    pub rules: Vec<(String, RuleSetting)>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Per-resource suppressions (`ignore:`).
    pub ignore: Vec<Ignore>,
    /// The run's rules: built-in rules plus the custom rules of
    /// `customRules:`, `customRulesDir` and `--rules-dir`.
    pub rule_set: Arc<Rules>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: PathBuf::new(),
            kubernetes_version: None,
            pod_security_level: None,
            fail_on: None,
            default_namespace: None,
            rules: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
            ignore: Vec::new(),
            rule_set: Rules::builtin(),
        }
    }
}

/// One `ignore:` entry: findings of `rules` on objects matching every
/// given filter are suppressed.
#[derive(Debug, Clone)]
pub struct Ignore {
    pub rules: crate::suppress::RuleSet,
    pub kinds: Vec<String>,
    pub namespaces: Option<globset::GlobSet>,
    pub names: Option<globset::GlobSet>,
    pub paths: Option<globset::GlobSet>,
}

impl Ignore {
    /// Does this entry silence `f`? `base` makes file paths relative to the
    /// configuration file's directory.
    pub fn covers(&self, f: &crate::finding::Finding, base: &Path, cwd: &Path) -> bool {
        if !self.rules.covers(&f.rule, &f.category) {
            return false;
        }
        let obj = f.object.as_deref();
        if !self.kinds.is_empty() && !obj.is_some_and(|o| self.kinds.contains(&o.kind)) {
            return false;
        }
        let glob = |set: &Option<globset::GlobSet>, value: Option<&str>| {
            set.as_ref()
                .is_none_or(|s| value.is_some_and(|v| s.is_match(v)))
        };
        if !glob(&self.namespaces, obj.and_then(|o| o.namespace.as_deref()))
            || !glob(&self.names, obj.and_then(|o| o.name.as_deref()))
        {
            return false;
        }
        match &self.paths {
            None => true,
            Some(set) => {
                let abs = crate::discover::normalize(&cwd.join(&*f.file));
                let rel = abs.strip_prefix(base).map(crate::discover::display_path);
                set.is_match(&*f.file) || rel.is_ok_and(|r| set.is_match(r))
            }
        }
    }
}

impl Config {
    /// The directory globs are relative to.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

/// The nearest `.kubelint.yaml` (or `.yml`) in `start` or its parents.
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        dir = d.parent();
    }
    None
}

/// A diagnostic pointing into a configuration or rule file.
pub(crate) fn diagnostic(
    path: &Path,
    text: &str,
    span: Option<Span>,
    message: String,
    label: &str,
) -> Report {
    let mut d = MietteDiagnostic::new(message).with_code("kubelint::config");
    if let Some(s) = span {
        d = d.with_label(LabeledSpan::new(
            Some(label.to_string()),
            s.start as usize,
            s.len() as usize,
        ));
    }
    Report::new(d).with_source_code(NamedSource::new(
        path.display().to_string(),
        text.to_string(),
    ))
}

/// Read and validate a configuration file.
pub fn read(path: &Path) -> Result<Config, Report> {
    read_with(path, &[])
}

/// Read and validate a configuration file, with custom rules also from the
/// directories `rules_dirs` (`--rules-dir`).
pub fn read_with(path: &Path, rules_dirs: &[PathBuf]) -> Result<Config, Report> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Report::new(
            MietteDiagnostic::new(format!(
                "cannot read configuration file {}: {e}",
                path.display()
            ))
            .with_code("kubelint::config"),
        )
    })?;
    parse_with(path, &text, rules_dirs)
}

/// Parse and validate configuration text read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Config, Report> {
    parse_with(path, text, &[])
}

/// The rules of a run without a configuration file: built-in rules plus
/// the custom rules under `rules_dirs`.
pub fn rules_from_dirs(rules_dirs: &[PathBuf]) -> Result<Arc<Rules>, Report> {
    if rules_dirs.is_empty() {
        return Ok(Rules::builtin());
    }
    let mut loader = crate::custom::Loader::default();
    for d in rules_dirs {
        loader.add_dir(d, None)?;
    }
    Ok(Arc::new(loader.finish()))
}

/// Parse and validate configuration text read from `path`, with custom
/// rules also from `rules_dirs`.
pub fn parse_with(path: &Path, text: &str, rules_dirs: &[PathBuf]) -> Result<Config, Report> {
    let loaded = load(text, &LoadLimits::default());
    if let Some(e) = loaded.error {
        return Err(diagnostic(
            path,
            text,
            Some(Span::new(e.offset, e.offset)),
            format!("configuration is not valid YAML: {}", e.message),
            "here",
        ));
    }
    let mut config = Config {
        path: path.to_path_buf(),
        ..Config::default()
    };
    let Some(doc) = loaded.documents.first() else {
        config.rule_set = rules_from_dirs(rules_dirs)?;
        return Ok(config);
    };
    if loaded.documents.len() > 1 {
        return Err(diagnostic(
            path,
            text,
            Some(loaded.documents[1].span),
            "configuration must be a single YAML document".into(),
            "second document",
        ));
    }
    let root = doc.root;
    let value = doc.to_json(root);
    if let Some(err) = validator().iter_errors(&value).next() {
        return Err(schema_diagnostic(
            path,
            text,
            doc,
            root,
            schema(),
            &err,
            "configuration",
        ));
    }
    // Custom rules: inline, then the configured directory, then --rules-dir.
    let mut loader = crate::custom::Loader::default();
    if let Some(seq) = doc.get_seq(root, "customRules") {
        loader.add_node(path, text, doc, seq)?;
    }
    if let Some((k, v)) = doc.entry(root, "customRulesDir") {
        let dir = config.base_dir().join(doc.text(v).unwrap_or_default());
        let written = diagnostic(
            path,
            text,
            Some(doc.entry_span(k, v)),
            format!("cannot read the rules directory {}", dir.display()),
            "not a readable directory",
        );
        loader.add_dir(&dir, Some(written))?;
    }
    for d in rules_dirs {
        loader.add_dir(d, None)?;
    }
    let rule_set = if loader.is_empty() {
        Rules::builtin()
    } else {
        Arc::new(loader.finish())
    };
    let s = |k: &str| doc.get_str(root, k).map(str::to_string);
    config.kubernetes_version = s("kubernetesVersion");
    config.pod_security_level = s("podSecurityLevel");
    config.fail_on = s("failOn");
    config.default_namespace = s("defaultNamespace");
    let list = |k: &str| -> Vec<String> {
        doc.get_seq(root, k)
            .map(|q| {
                doc.items(q)
                    .filter_map(|i| doc.text(i))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    config.include = list("include");
    config.exclude = list("exclude");
    for entry in doc
        .get_seq(root, "ignore")
        .into_iter()
        .flat_map(|q| doc.items(q))
    {
        let strings = |k: &str| -> Vec<(String, Span)> {
            doc.get_seq(entry, k)
                .map(|q| {
                    doc.items(q)
                        .filter_map(|i| Some((doc.text(i)?.to_string(), doc.span(i))))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut ids = Vec::new();
        for (id, span) in strings("rules") {
            let set = crate::suppress::RuleSet::parse(&id);
            if let Some(bad) = set.unknown(&rule_set).first() {
                return Err(diagnostic(
                    path,
                    text,
                    Some(span),
                    rule_set.unknown_message(bad),
                    "unknown",
                ));
            }
            ids.push(id);
        }
        let globs = |k: &str| -> Result<Option<globset::GlobSet>, Report> {
            let items = strings(k);
            if items.is_empty() {
                return Ok(None);
            }
            let mut b = globset::GlobSetBuilder::new();
            for (g, span) in items {
                let glob = globset::Glob::new(&g).map_err(|e| {
                    diagnostic(
                        path,
                        text,
                        Some(span),
                        format!("invalid glob `{g}`: {e}"),
                        "invalid",
                    )
                })?;
                b.add(glob);
            }
            Ok(Some(b.build().map_err(|e| {
                diagnostic(path, text, None, e.to_string(), "")
            })?))
        };
        config.ignore.push(Ignore {
            rules: crate::suppress::RuleSet::parse(&ids.join(",")),
            kinds: strings("kinds").into_iter().map(|(k, _)| k).collect(),
            namespaces: globs("namespaces")?,
            names: globs("names")?,
            paths: globs("paths")?,
        });
    }
    if let Some(rules) = doc.get_map(root, "rules") {
        for (k, v) in doc.entries(rules) {
            let id = doc.text(k).unwrap_or_default().to_string();
            if !rule_set.knows(&id) {
                return Err(diagnostic(
                    path,
                    text,
                    Some(doc.span(k)),
                    rule_set.unknown_message(&id),
                    "unknown",
                ));
            }
            // `off`/`on` unquoted are YAML 1.1 booleans: both spellings work.
            let setting = match doc.text(v).unwrap_or_default() {
                _ if doc.bool(v) == Some(false) => RuleSetting::Off,
                _ if doc.bool(v) == Some(true) => RuleSetting::On,
                "off" => RuleSetting::Off,
                "on" => RuleSetting::On,
                other => match crate::finding::Severity::parse(other) {
                    Some(sev) => RuleSetting::Severity(sev),
                    None => RuleSetting::On,
                },
            };
            config.rules.push((id, setting));
        }
    }
    config.rule_set = rule_set;
    Ok(config)
}

/// A diagnostic for the first JSON Schema error of a configuration or rule
/// definition: the node at the error's instance path under `root` (an
/// unknown key points at the key, with the keys the schema allows there).
/// `what` names the root (`configuration`, `custom rule`).
pub(crate) fn schema_diagnostic(
    path: &Path,
    text: &str,
    doc: &Document<'_>,
    root: NodeId,
    schema: &serde_json::Value,
    err: &jsonschema::ValidationError<'_>,
    what: &str,
) -> Report {
    let pointer = err.instance_path().to_string();
    let (node, _) = doc.at_pointer(root, &pointer);
    let field = if pointer.is_empty() {
        what.to_string()
    } else {
        format!("`{}`", pointer.trim_start_matches('/').replace('/', "."))
    };
    // An unknown key: point at the key itself.
    if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } = err.kind()
    {
        if let Some((k, _)) = unexpected.first().and_then(|u| doc.entry(node, u)) {
            let known = keys_hint(schema, err.schema_path().as_str());
            return diagnostic(
                path,
                text,
                Some(doc.span(k)),
                format!("unknown key `{}` in {field}{known}", unexpected[0]),
                "unknown",
            );
        }
    }
    let span = point_at(doc, root, node, &pointer);
    diagnostic(
        path,
        text,
        Some(span),
        format!("invalid {field}: {err}"),
        "invalid",
    )
}

/// Where a schema error points: the value at the pointer, or — for an
/// unknown or missing property — the key or the parent mapping.
fn point_at(doc: &Document<'_>, root: NodeId, node: NodeId, pointer: &str) -> Span {
    // For a map entry, point at `key: value`.
    if let Some((parent_ptr, last)) = pointer.rsplit_once('/') {
        let (parent, complete) = doc.at_pointer(root, parent_ptr);
        let last = last.replace("~1", "/").replace("~0", "~");
        if let Some((k, v)) = doc.entry(parent, &last).filter(|_| complete) {
            return doc.entry_span(k, v);
        }
    }
    doc.span(node)
}

/// ": expected one of `a`, `b`" — the properties of the schema object
/// whose `additionalProperties` failed (`schema_path` ends with it).
fn keys_hint(schema: &serde_json::Value, schema_path: &str) -> String {
    let mut at = schema;
    let segments: Vec<&str> = schema_path.split('/').skip(1).collect();
    for seg in &segments[..segments.len().saturating_sub(1)] {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        at = match at {
            serde_json::Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get(i)) {
                Some(v) => v,
                None => return String::new(),
            },
            serde_json::Value::Object(m) => match m.get(&seg) {
                Some(v) => v,
                None => return String::new(),
            },
            _ => return String::new(),
        };
    }
    let keys: Vec<String> = at["properties"]
        .as_object()
        .map(|m| m.keys().map(|k| format!("`{k}`")).collect())
        .unwrap_or_default();
    if keys.is_empty() {
        String::new()
    } else {
        format!(" (expected one of {})", keys.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let e = parse(Path::new(".kubelint.yaml"), text).unwrap_err();
        let d: &dyn miette::Diagnostic = e.as_ref();
        let label = d
            .labels()
            .and_then(|mut l| l.next())
            .map(|l| &text[l.offset()..l.offset() + l.len()])
            .unwrap_or("");
        format!("{e} @ {label}")
    }

    #[test]
    fn valid_config() {
        let c = parse(
            Path::new("/repo/.kubelint.yaml"),
            "kubernetesVersion: \"1.34\"\npodSecurityLevel: baseline\nfailOn: warning\nrules:\n  duplicate-object: off\n  yaml: warning\nexclude: [\"charts/**\"]\n",
        )
        .unwrap();
        assert_eq!(c.kubernetes_version.as_deref(), Some("1.34"));
        assert_eq!(c.fail_on.as_deref(), Some("warning"));
        assert_eq!(c.rules[0], ("duplicate-object".into(), RuleSetting::Off));
        assert_eq!(
            c.rules[1],
            (
                "yaml".into(),
                RuleSetting::Severity(crate::finding::Severity::Warning)
            )
        );
        assert_eq!(c.exclude, ["charts/**"]);
        assert_eq!(c.base_dir(), PathBuf::from("/repo"));
    }

    #[test]
    fn per_resource_ignores() {
        use crate::finding::{Finding, ObjectRef, Severity};
        use std::sync::Arc;
        let c = parse(
            Path::new("/repo/.kubelint.yaml"),
            "ignore:\n  - rules: [yaml11-boolean]\n    kinds: [ConfigMap]\n    namespaces: [\"kube-*\"]\n  - rules: [yaml]\n    paths: [\"vendor/**\"]\n    reason: upstream files\n",
        )
        .unwrap();
        let finding = |file: &str, kind: &str, ns: &str| Finding {
            rule: Arc::from("yaml11-boolean"),
            category: Arc::from("yaml"),
            severity: Severity::Error,
            message: String::new(),
            help: "".into(),
            file: Arc::from(file),
            location: None,
            object: Some(Arc::new(ObjectRef {
                api_version: "v1".into(),
                kind: kind.into(),
                namespace: Some(ns.into()),
                name: Some("x".into()),
            })),
            data: None,
            node_path: None,
            fix: None,
        };
        let base = Path::new("/repo");
        let cwd = Path::new("/repo/apps");
        let covered = |f: &Finding| c.ignore.iter().any(|i| i.covers(f, base, cwd));
        assert!(covered(&finding("a.yaml", "ConfigMap", "kube-system")));
        assert!(!covered(&finding("a.yaml", "ConfigMap", "prod")));
        assert!(!covered(&finding("a.yaml", "Secret", "kube-system")));
        assert!(covered(&finding("../vendor/x/a.yaml", "Secret", "prod")));
        let e = err("ignore:\n  - rules: [no-such]\n");
        assert!(
            e.contains("unknown rule or category `no-such`") && e.ends_with("@ no-such"),
            "{e}"
        );
        let e = err("ignore:\n  - kinds: [Pod]\n");
        assert!(e.contains("invalid `ignore.0`"), "{e}");
    }

    #[test]
    fn errors_point_into_the_file() {
        let e = err("failOn: sometimes\n");
        assert!(
            e.starts_with("invalid `failOn`") && e.ends_with("@ failOn: sometimes"),
            "{e}"
        );
        let e = err("kubernetesVersion: 1.30\n");
        assert!(
            e.contains("invalid `kubernetesVersion`") && e.ends_with("@ kubernetesVersion: 1.30"),
            "{e}"
        );
        let e = err("rules:\n  duplicate-kye: off\n");
        assert!(
            e.contains("did you mean `duplicate-key`") && e.ends_with("@ duplicate-kye"),
            "{e}"
        );
        let e = err("exclud: [a]\n");
        assert!(
            e.contains("exclud") && e.contains("@ exclud: [a]") || e.contains("@ "),
            "{e}"
        );
        let e = err("rules: [a\n");
        assert!(e.contains("not valid YAML"), "{e}");
    }
}
