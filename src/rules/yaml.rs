//! Category `yaml`: problems in how a file is written, before any
//! Kubernetes semantics.

use super::{Cx, IndexCx, Rule};
use crate::fix::{Editor, Fix};
use crate::index::Index;
use crate::model::{group_of, Object};
use crate::yaml::{yaml11_bool, Document, NodeId, ScalarStyle};
use foldhash::HashMap;
use std::sync::Arc;

pub const YAML_SYNTAX: &str = "yaml-syntax";
pub const UNKNOWN_SUPPRESSION: &str = "unknown-suppression";

pub(super) static RULES: &[&dyn Rule] = &[
    &YamlSyntax,
    &DuplicateKey,
    &Yaml11Boolean,
    &DuplicateObject,
    &UnknownSuppression,
];

/// Reported by the engine while reading suppressions; see `engine::lint_text`.
struct UnknownSuppression;

impl Rule for UnknownSuppression {
    fn id(&self) -> &'static str {
        UNKNOWN_SUPPRESSION
    }
}

/// Reported by the engine when a file cannot be read or parsed; see
/// `engine::lint_text`.
struct YamlSyntax;

impl Rule for YamlSyntax {
    fn id(&self) -> &'static str {
        YAML_SYNTAX
    }
}

struct DuplicateKey;

impl Rule for DuplicateKey {
    fn id(&self) -> &'static str {
        "duplicate-key"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        // The loader saw every mapping: it says when no key can repeat.
        if !doc.may_repeat_keys() {
            return;
        }
        // Most mappings are small: a linear scan beats hashing every key.
        let mut seen: HashMap<&str, NodeId> = HashMap::default();
        let mut few: Vec<(&str, NodeId)> = Vec::new();
        for map in doc.maps_in(obj.node) {
            let entries = doc.entries(map);
            if entries.len() < 2 {
                continue;
            }
            let small = entries.len() <= 16;
            seen.clear();
            few.clear();
            for (k, _) in entries {
                let Some((key, style)) = doc.scalar(k) else {
                    continue;
                };
                if key == "<<" && style == ScalarStyle::Plain {
                    continue;
                }
                let earlier = if small {
                    few.iter().find(|(s, _)| *s == key).map(|&(_, n)| n)
                } else {
                    seen.get(key).copied()
                };
                if let Some(first) = earlier {
                    let (message, help) = if matches!(
                        key,
                        "podAntiAffinity" | "podAffinity" | "nodeAffinity"
                    ) {
                        (
                            format!(
                                "`{key}` appears twice in the same mapping: the API server's strict field validation rejects the object, and where it is accepted Kubernetes keeps only this last `{key}` block, so every term of the first block is silently dropped"
                            ),
                            format!("Merge the terms of both `{key}` blocks into one `{key}`"),
                        )
                    } else {
                        (
                            format!(
                                "`{key}` appears twice in the same mapping: the API server's strict field validation rejects the object, and tools that accept it keep only the last value, silently dropping the first"
                            ),
                            format!("Merge the two `{key}` entries into one, or delete the one you do not want"),
                        )
                    };
                    cx.report_related(
                        doc.span(k),
                        message,
                        help,
                        vec![(doc.span(first), "first defined".to_string())],
                    );
                } else if small {
                    few.push((key, k));
                } else {
                    seen.insert(key, k);
                }
            }
        }
    }
}

struct Yaml11Boolean;

impl Yaml11Boolean {
    fn check_value(ed: &Editor<'_>, doc: &Document<'_>, v: NodeId, what: &str, cx: &mut Cx<'_>) {
        let Some((text, ScalarStyle::Plain)) = doc.scalar(v) else {
            return;
        };
        if doc.tag(v).is_some() {
            return;
        }
        let Some(b) = yaml11_bool(text) else {
            return;
        };
        let lower = text.to_ascii_lowercase();
        let message = if lower == "true" || lower == "false" {
            format!(
                "`{text}` is a boolean, but {} {what} must be a string: the API server rejects the object",
                article(what)
            )
        } else {
            format!(
                "`{text}` is read as the boolean `{b}` by Kubernetes' YAML 1.1 decoder, but {} {what} must be a string: the API server rejects the object (YAML 1.2 tools and editors show it as the string \"{text}\")",
                article(what)
            )
        };
        cx.report(doc.span(v), message, format!("Quote the value: \"{text}\""));
        let quoted = ed.quoted(text);
        cx.fix(
            ed.replace_text(doc.span(v), quoted.as_str())
                .map(|e| Fix::safe(format!("Quote `{text}` as {quoted}"), vec![e])),
        );
    }
}

/// Where a value visitor is told about a string-typed node.
type Visit<'f> = dyn FnMut(NodeId, &'static str) + 'f;

fn visit_string_map(
    doc: &Document<'_>,
    map: Option<NodeId>,
    what: &'static str,
    f: &mut Visit<'_>,
) {
    for (_, v) in map.into_iter().flat_map(|m| doc.entries(m)) {
        f(v, what);
    }
}

fn visit_string_list(
    doc: &Document<'_>,
    seq: Option<NodeId>,
    what: &'static str,
    f: &mut Visit<'_>,
) {
    for v in seq.into_iter().flat_map(|s| doc.items(s)) {
        f(v, what);
    }
}

/// Every string-typed value `yaml11-boolean` examines in an object, with
/// what it is (labels, annotations, selectors, ConfigMap data, container
/// commands, arguments and environment values, …).
fn visit_string_fields(obj: &Object<'_>, f: &mut Visit<'_>) {
    let doc = obj.doc;
    // Fields typed map[string]string or []string wherever they appear.
    for map in doc.maps_in(obj.node) {
        for (k, v) in doc.entries(map) {
            match doc.text(k) {
                Some("metadata") if doc.is_map(v) => {
                    visit_string_map(doc, doc.get_map(v, "labels"), "label value", f);
                    visit_string_map(doc, doc.get_map(v, "annotations"), "annotation value", f);
                }
                Some("matchLabels") => visit_string_map(doc, Some(v), "label selector value", f),
                Some("matchExpressions") => {
                    for e in doc.items(v) {
                        visit_string_list(
                            doc,
                            doc.get_seq(e, "values"),
                            "selector expression value",
                            f,
                        );
                    }
                }
                Some("nodeSelector") if doc.is_map(v) => {
                    visit_string_map(doc, Some(v), "node selector value", f)
                }
                _ => {}
            }
        }
    }
    let core = group_of(obj.api_version).is_empty();
    match obj.kind {
        "ConfigMap" if core => visit_string_map(
            doc,
            doc.get_map(obj.node, "data"),
            "ConfigMap data value",
            f,
        ),
        "Secret" if core => visit_string_map(
            doc,
            doc.get_map(obj.node, "stringData"),
            "Secret stringData value",
            f,
        ),
        "Service" if core => visit_string_map(
            doc,
            doc.path(obj.node, &["spec", "selector"])
                .filter(|&s| doc.is_map(s)),
            "Service selector value",
            f,
        ),
        _ => {}
    }
    if let Some(spec) = obj.pod_spec() {
        for c in spec.all_containers() {
            visit_string_list(
                doc,
                doc.get_seq(c.node, "command"),
                "container command item",
                f,
            );
            visit_string_list(doc, doc.get_seq(c.node, "args"), "container argument", f);
            for e in doc
                .get_seq(c.node, "env")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                if let Some(v) = doc.get_key(e, "value") {
                    f(v, "environment variable value");
                }
            }
        }
    }
}

/// Whether `yaml11-boolean` examines this node. The schema rules leave
/// such nodes to it (one owner per node, see `rules/schema.rs`).
pub(super) fn yaml11_boolean_covers(obj: &Object<'_>, node: NodeId) -> bool {
    let mut found = false;
    visit_string_fields(obj, &mut |n, _| found |= n == node);
    found
}

impl Rule for Yaml11Boolean {
    fn id(&self) -> &'static str {
        "yaml11-boolean"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let ed = &Editor::new(doc, cx.text);
        visit_string_fields(obj, &mut |v, what| Self::check_value(ed, doc, v, what, cx));
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

struct DuplicateObject;

impl Rule for DuplicateObject {
    fn id(&self) -> &'static str {
        "duplicate-object"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        // Only definitions in the same file (or stream) are compared; see
        // the catalog entry. The index is sorted by file, so each file's
        // objects are one run; most files hold one object.
        let objects = &index.objects;
        let mut first: HashMap<(&str, &str, Option<&str>, &str), usize> = HashMap::default();
        let mut start = 0;
        while start < objects.len() {
            let file = &objects[start].file;
            let len = objects[start..]
                .iter()
                .position(|o| !Arc::ptr_eq(&o.file, file) && o.file != *file)
                .unwrap_or(objects.len() - start);
            let run = start..start + len;
            start += len;
            if len < 2 {
                continue;
            }
            first.clear();
            for i in run {
                let o = &objects[i];
                let r = &o.reference;
                let Some(name) = r.name.as_deref().filter(|n| !n.is_empty()) else {
                    continue;
                };
                let key = (
                    group_of(&r.api_version),
                    r.kind.as_str(),
                    r.namespace.as_deref(),
                    name,
                );
                let Some(&f) = first.get(&key) else {
                    first.insert(key, i);
                    continue;
                };
                let prev = &objects[f];
                cx.report(
                    &o.file,
                    o.name_location,
                    Some(&o.reference),
                    format!(
                        "{r} is defined twice in this file (first at line {}): applying it keeps only the last definition, so the first silently never takes effect",
                        prev.name_location.line
                    ),
                    "Delete one definition, or give the objects different names or namespaces",
                );
            }
        }
    }
}
