//! `kubelint rules import-polaris FILE`: Polaris custom checks (JSON Schema
//! checks with `target`, `schemaTarget`, `controllers`, `containers`) as
//! kubelint custom rules, printed as YAML.
//!
//! FILE is one check (`check.yaml`: `successMessage`, `failureMessage`,
//! `category`, `target`, `schema` / `schemaString` / `jsonSchema`) or a
//! Polaris configuration whose `customChecks:` maps ids to checks (their
//! severities come from its `checks:`). What kubelint cannot express —
//! Go templates in schemas, multi-resource `additionalSchemas`, the
//! `PodTemplate` target — is an error pointing at it rather than a
//! silently weaker rule; `mutations` are dropped with a note.

use super::yaml_out::{to_yaml, Out};
use crate::config::diagnostic;
use crate::yaml::{load, Document, LoadLimits, NodeId, Span};
use miette::Report;
use std::path::Path;

/// Workload kinds Polaris calls controllers (and naked Pods).
const CONTROLLERS: [&str; 8] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
];

const CHECK_KEYS: [&str; 14] = [
    "id",
    "successMessage",
    "failureMessage",
    "category",
    "target",
    "schemaTarget",
    "controllers",
    "containers",
    "schema",
    "schemaString",
    "jsonSchema",
    "additionalSchemas",
    "additionalSchemaStrings",
    "mutations",
];

/// `imageRegistry` → `image-registry`, `hostIPCSet` → `host-ipc-set`.
pub fn kebab_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower)
                {
                    out.push('-');
                }
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    doc: &'a Document<'a>,
}

impl Ctx<'_> {
    fn fail(&self, span: Span, message: String, label: &str) -> Report {
        diagnostic(self.path, self.text, Some(span), message, label)
    }
    fn string(&self, map: NodeId, key: &str) -> Option<String> {
        self.doc
            .get_key(map, key)
            .and_then(|v| self.doc.text(v))
            .map(str::to_string)
    }
    fn strings(&self, map: Option<NodeId>, key: &str) -> Vec<(String, NodeId)> {
        map.and_then(|m| self.doc.get_key(m, key))
            .map(|q| {
                self.doc
                    .items(q)
                    .filter_map(|i| Some((self.doc.text(i)?.to_string(), i)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Convert the checks in `text` (read from `path`) to kubelint rule YAML.
pub fn import(path: &Path, text: &str) -> Result<String, Report> {
    let loaded = load(text, &LoadLimits::default());
    if let Some(e) = &loaded.error {
        return Err(diagnostic(
            path,
            text,
            Some(Span::new(e.offset, e.offset)),
            format!("not valid YAML: {}", e.message),
            "here",
        ));
    }
    let Some(doc) = loaded.documents.first() else {
        return Err(diagnostic(
            path,
            text,
            None,
            "empty file: expected a Polaris check".into(),
            "",
        ));
    };
    let cx = Ctx { path, text, doc };
    let root = doc.root;
    if !doc.is_map(root) {
        return Err(cx.fail(
            doc.span(root),
            "expected a Polaris check (a mapping) or a Polaris configuration with `customChecks:`"
                .into(),
            "not a check",
        ));
    }
    let mut rules = Vec::new();
    let mut notes = Vec::new();
    if let Some(checks) = doc.get_map(root, "customChecks") {
        let severities = doc.get_map(root, "checks");
        for (k, v) in doc.entries(checks) {
            let name = doc.text(k).unwrap_or_default();
            let severity = severities.and_then(|s| cx.string(s, name));
            rules.push(convert(&cx, v, name, severity.as_deref(), &mut notes)?);
        }
        if rules.is_empty() {
            return Err(cx.fail(
                doc.span(checks),
                "`customChecks` is empty".into(),
                "no checks",
            ));
        }
    } else {
        let name = cx.string(root, "id").unwrap_or_else(|| default_name(path));
        rules.push(convert(&cx, root, &name, None, &mut notes)?);
    }
    let mut out = format!(
        "# kubelint custom rules imported from the Polaris checks in {}.\n# Paste them under `customRules:` in .kubelint.yaml, or save this file in the\n# directory named by `customRulesDir` / `--rules-dir`.\n",
        crate::discover::display_path(path)
    );
    for n in notes {
        out.push_str(&format!("# {n}\n"));
    }
    out.push_str(&to_yaml(&Out::Seq(rules)));
    Ok(out)
}

/// A check's id when the file does not name it: the directory of a
/// `check.yaml` (Polaris' test layout), else the file name.
fn default_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    if stem == "check" {
        if let Some(dir) = path.canonicalize().ok().and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|d| d.to_string_lossy().to_string())
        }) {
            return dir;
        }
    }
    stem
}

fn convert(
    cx: &Ctx<'_>,
    check: NodeId,
    name: &str,
    severity: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Out, Report> {
    let doc = cx.doc;
    if !doc.is_map(check) {
        return Err(cx.fail(
            doc.span(check),
            format!("check `{name}` is not a mapping"),
            "not a check",
        ));
    }
    for (k, _) in doc.entries(check) {
        let key = doc.text(k).unwrap_or_default();
        if !CHECK_KEYS.contains(&key) {
            return Err(cx.fail(
                doc.span(k),
                format!("unknown field `{key}` in Polaris check `{name}`"),
                "unknown",
            ));
        }
    }
    for key in ["additionalSchemas", "additionalSchemaStrings"] {
        if let Some((k, _)) = doc.entry(check, key) {
            return Err(cx.fail(
                doc.span(k),
                format!("`{key}` (a check across several resources) has no kubelint equivalent: check `{name}` cannot be imported"),
                "not importable",
            ));
        }
    }
    if doc.entry(check, "mutations").is_some() {
        notes.push(format!(
            "The `mutations` of `{name}` were dropped: kubelint reports, it does not rewrite manifests."
        ));
    }
    let id = kebab_case(name);
    if id.is_empty() {
        return Err(cx.fail(
            doc.span(check),
            format!("cannot derive a rule id from `{name}`"),
            "check",
        ));
    }
    let (severity, enabled) = match severity {
        Some("danger") => ("error", true),
        Some("ignore") => ("warning", false),
        _ => ("warning", true),
    };
    let failure = cx.string(check, "failureMessage");
    let success = cx.string(check, "successMessage");
    let summary = failure
        .clone()
        .or_else(|| success.clone())
        .unwrap_or_else(|| format!("Polaris check {name}"));
    let help = success.or(failure).unwrap_or_else(|| summary.clone());
    let category = cx
        .string(check, "category")
        .map(|c| kebab_case(&c))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| super::DEFAULT_CATEGORY.to_string());

    // Target: where the schema applies (schemaTarget when given) and which
    // objects are looked at (target, controllers).
    let target_entry = doc.entry(check, "target");
    let target = target_entry
        .and_then(|(_, v)| doc.text(v))
        .unwrap_or("Controller")
        .to_string();
    let schema_target = doc
        .entry(check, "schemaTarget")
        .and_then(|(_, v)| Some((doc.text(v)?.to_string(), v)));
    let target_span = target_entry.map_or(doc.span(check), |(k, v)| doc.entry_span(k, v));
    let mut kinds: Vec<String> = Vec::new();
    let mut api_versions: Vec<String> = Vec::new();
    let workload = matches!(
        target.as_str(),
        "Controller" | "PodSpec" | "Container" | "PodTemplate"
    );
    if !workload {
        // `apps/Deployment`, `networking.k8s.io/Ingress`, `/ConfigMap` (core) or `Namespace`.
        match target.rsplit_once('/') {
            Some((group, kind)) => {
                kinds.push(kind.to_string());
                api_versions.push(if group.is_empty() {
                    "v1".to_string()
                } else {
                    format!("{group}/*")
                });
            }
            None => kinds.push(target.clone()),
        }
    }
    let (base, base_span) = match &schema_target {
        Some((t, n)) => (t.clone(), doc.span(*n)),
        None => (target.clone(), target_span),
    };
    let kubelint_target = match base.as_str() {
        "PodSpec" => "PodSpec",
        "Container" => "Container",
        "Controller" => "Object",
        "PodTemplate" => {
            return Err(cx.fail(
                base_span,
                format!("the `PodTemplate` target has no kubelint equivalent: rewrite check `{name}` for `PodSpec` (paths relative to the pod spec) or `Controller`"),
                "not importable",
            ))
        }
        _ => "Object",
    };
    if workload {
        let controllers = doc.get_map(check, "controllers");
        let include = cx.strings(controllers, "include");
        let exclude = cx.strings(controllers, "exclude");
        for (c, n) in include.iter().chain(&exclude) {
            if !CONTROLLERS.contains(&c.as_str()) {
                return Err(cx.fail(
                    doc.span(*n),
                    format!(
                        "unknown controller `{c}`: expected one of {}",
                        CONTROLLERS.join(", ")
                    ),
                    "unknown",
                ));
            }
        }
        if !include.is_empty() {
            kinds = include.into_iter().map(|(c, _)| c).collect();
        } else if !exclude.is_empty() || target == "Controller" {
            kinds = CONTROLLERS
                .iter()
                .filter(|c| !exclude.iter().any(|(e, _)| e == *c))
                .map(|c| c.to_string())
                .collect();
        }
    }
    let mut containers: Option<Vec<&str>> = None;
    if let Some((ck, cv)) = doc.entry(check, "containers") {
        if kubelint_target != "Container" {
            return Err(cx.fail(
                doc.span(ck),
                "`containers` only applies to `target: Container`".into(),
                "needs Container",
            ));
        }
        let include = cx.strings(Some(cv), "include");
        let exclude = cx.strings(Some(cv), "exclude");
        let mut lists = [true, true];
        if !include.is_empty() {
            lists = [false, false];
        }
        for (c, n) in include.iter().chain(&exclude) {
            let i = match c.as_str() {
                "container" => 0,
                "initContainer" => 1,
                _ => {
                    return Err(cx.fail(
                        doc.span(*n),
                        format!(
                            "unknown container kind `{c}`: expected `container` or `initContainer`"
                        ),
                        "unknown",
                    ))
                }
            };
            lists[i] = include.iter().any(|(x, _)| x == c);
        }
        let mut v = Vec::new();
        if lists[0] {
            v.push("containers");
        }
        if lists[1] {
            v.push("initContainers");
        }
        if v.is_empty() {
            return Err(cx.fail(
                doc.span(ck),
                format!("check `{name}` excludes every container"),
                "no containers",
            ));
        }
        containers = Some(v);
    } else if kubelint_target == "Container" {
        // Polaris' container checks cover containers and init containers.
        containers = Some(vec!["containers", "initContainers"]);
    }

    // Schema.
    let schema = schema_of(cx, check, name)?;

    let mut rule = vec![
        ("id".to_string(), Out::str(id)),
        ("category".to_string(), Out::str(category)),
        ("severity".to_string(), Out::str(severity)),
    ];
    if !enabled {
        rule.push(("enabled".to_string(), Out::Bool(false)));
    }
    rule.push(("summary".to_string(), Out::str(summary)));
    rule.push(("help".to_string(), Out::str(help)));
    rule.push(("target".to_string(), Out::str(kubelint_target)));
    if let Some(c) = containers {
        rule.push((
            "containers".to_string(),
            Out::Seq(c.into_iter().map(Out::str).collect()),
        ));
    }
    let mut matcher = Vec::new();
    if !kinds.is_empty() {
        matcher.push((
            "kinds".to_string(),
            Out::Seq(kinds.into_iter().map(Out::Str).collect()),
        ));
    }
    if !api_versions.is_empty() {
        matcher.push((
            "apiVersions".to_string(),
            Out::Seq(api_versions.into_iter().map(Out::Str).collect()),
        ));
    }
    if !matcher.is_empty() {
        rule.push(("match".to_string(), Out::Map(matcher)));
    }
    rule.push(("schema".to_string(), schema));
    Ok(Out::Map(rule))
}

/// The check's schema from `schema`, `schemaString` or `jsonSchema`.
fn schema_of(cx: &Ctx<'_>, check: NodeId, name: &str) -> Result<Out, Report> {
    let doc = cx.doc;
    let given: Vec<(NodeId, NodeId, &str)> = ["schema", "schemaString", "jsonSchema"]
        .into_iter()
        .filter_map(|k| doc.entry(check, k).map(|(kn, vn)| (kn, vn, k)))
        .collect();
    let (_, v, key) = match given.as_slice() {
        [] => {
            return Err(cx.fail(
                doc.span(check),
                format!("check `{name}` has no `schema`, `schemaString` or `jsonSchema`"),
                "no schema",
            ))
        }
        [one] => *one,
        [_, second, ..] => {
            return Err(cx.fail(
                doc.span(second.0),
                format!("check `{name}` has more than one schema"),
                "second schema",
            ))
        }
    };
    if key == "schema" {
        if let Some(t) = first_template(doc, v) {
            return Err(cx.fail(
                doc.span(t),
                format!("Go templates in schemas have no kubelint equivalent: check `{name}` cannot be imported"),
                "template",
            ));
        }
        return Ok(Out::from_node(doc, v));
    }
    let source = doc.text(v).unwrap_or_default();
    if source.contains("{{") {
        return Err(cx.fail(
            doc.span(v),
            format!("Go templates in schemas have no kubelint equivalent: check `{name}` cannot be imported"),
            "template",
        ));
    }
    let inner = load(source, &LoadLimits::default());
    match (&inner.error, inner.documents.first()) {
        (None, Some(d)) => Ok(Out::from_node(d, d.root)),
        (Some(e), _) => Err(cx.fail(
            doc.span(v),
            format!(
                "`{key}` of check `{name}` is not valid YAML or JSON: {}",
                e.message
            ),
            "invalid",
        )),
        (None, None) => Err(cx.fail(
            doc.span(v),
            format!("`{key}` of check `{name}` is empty"),
            "empty",
        )),
    }
}

/// The first string in a schema that holds a Go template.
fn first_template(doc: &Document<'_>, node: NodeId) -> Option<NodeId> {
    (node..doc.subtree_end(node)).find(|&n| doc.text(n).is_some_and(|t| t.contains("{{")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(kebab_case("imageRegistry"), "image-registry");
        assert_eq!(kebab_case("hostIPCSet"), "host-ipc-set");
        assert_eq!(kebab_case("nakedPod"), "naked-pod");
        assert_eq!(kebab_case("Security"), "security");
        assert_eq!(kebab_case("resource_range 2"), "resource-range-2");
    }
}
