//! Custom resources learnt from the `CustomResourceDefinition`s of the
//! input: each served version's `openAPIV3Schema` (a Kubernetes structural
//! schema, OpenAPI v3 flavoured) becomes a JSON Schema 2020-12 document.
//!
//! The conversion follows what the API server does with a custom resource:
//! fields not in the schema are pruned, so strict field validation rejects
//! them (`additionalProperties: false` wherever the schema does not say
//! `x-kubernetes-preserve-unknown-fields`); `nullable` admits null;
//! `x-kubernetes-int-or-string` admits both; `apiVersion`, `kind` and
//! `metadata` (checked as `ObjectMeta`) are implicit at the root and in
//! embedded resources. CEL rules, formats and defaults are not checked.

use crate::engine::Input;
use crate::model::{objects_of, DocumentContent};
use crate::yaml::{load, LoadLimits};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// The schema of one served version of a custom resource.
#[derive(Debug, Clone)]
pub struct CrdSchema {
    /// The converted `openAPIV3Schema`.
    root: Value,
}

impl CrdSchema {
    /// A standalone document: the converted schema plus the `ObjectMeta`
    /// definitions of the target version.
    pub fn document(&self, minor: u32) -> Option<Value> {
        let (defs, _) = super::bundle::bundle().definitions_schema(minor, &[OBJECT_META])?;
        let mut doc = match &self.root {
            Value::Object(m) => m.clone(),
            _ => return None,
        };
        doc.insert("$defs".into(), Value::Object(defs));
        Some(Value::Object(doc))
    }
}

/// One CRD: its group and kind, and its served versions.
pub struct CrdDef {
    pub group: String,
    pub kind: String,
    /// Size of its schemas: when several CRDs of the input define the
    /// same group and kind, the most complete one is used.
    size: usize,
    pub versions: Vec<((String, String), CrdSchema)>,
}

/// Where the CRDs of the input are, found without parsing: the documents
/// of files that mention `CustomResourceDefinition`, indexed by the values
/// of their `group:` lines. A CRD document is parsed only when a custom
/// resource of one of its groups needs a schema; most CRDs in a repository
/// have no resources beside them, and CRD files are large.
#[derive(Default)]
pub struct CrdIndex {
    /// Candidate group → documents that may define CRDs of it.
    by_group: HashMap<String, Vec<usize>>,
    docs: Vec<DocRef>,
    /// Parsed definitions per group, on first use.
    parsed: std::sync::Mutex<HashMap<String, std::sync::Arc<GroupDefs>>>,
}

/// One document of an input: the file (or the bytes of stdin) and its range.
struct DocRef {
    source: Source,
    range: std::ops::Range<usize>,
}

enum Source {
    File(std::path::PathBuf),
    Bytes(std::sync::Arc<[u8]>),
}

/// The definitions of one group: for each kind, the most complete CRD.
#[derive(Default)]
pub struct GroupDefs {
    pub schemas: HashMap<(String, String), CrdSchema>,
    /// Kinds with a CRD (whatever versions it serves).
    pub kinds: std::collections::HashSet<String>,
}

impl CrdIndex {
    /// Index the CRD documents of `inputs`: each file is read once and
    /// scanned, not parsed.
    pub fn build(inputs: &[Input]) -> CrdIndex {
        let found: Vec<Vec<(DocRef, Vec<String>)>> = inputs
            .par_iter()
            .map(|input| {
                let (source, bytes): (Source, std::borrow::Cow<[u8]>) = match input {
                    Input::File { path, .. } => match std::fs::read(path) {
                        Ok(b) => (Source::File(path.clone()), b.into()),
                        Err(_) => return Vec::new(),
                    },
                    Input::Bytes { bytes, .. } => {
                        if memchr::memmem::find(bytes, b"CustomResourceDefinition").is_none() {
                            return Vec::new();
                        }
                        (Source::Bytes(bytes.as_slice().into()), bytes.as_slice().into())
                    }
                    Input::Unreadable { .. } => return Vec::new(),
                };
                if memchr::memmem::find(&bytes, b"CustomResourceDefinition").is_none() {
                    return Vec::new();
                }
                split_documents(&bytes)
                    .into_iter()
                    .filter(|r| {
                        memchr::memmem::find(&bytes[r.clone()], b"CustomResourceDefinition")
                            .is_some()
                    })
                    .map(|r| {
                        let groups = candidate_groups(&bytes[r.clone()]);
                        (
                            DocRef {
                                source: match &source {
                                    Source::File(p) => Source::File(p.clone()),
                                    Source::Bytes(b) => Source::Bytes(b.clone()),
                                },
                                range: r,
                            },
                            groups,
                        )
                    })
                    .collect()
            })
            .collect();
        let mut index = CrdIndex::default();
        for (doc, groups) in found.into_iter().flatten() {
            let i = index.docs.len();
            index.docs.push(doc);
            for g in groups {
                let list = index.by_group.entry(g).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        index
    }

    /// The CRD definitions of a group (parsed on first use). Several CRDs
    /// for one group and kind (copies of different releases) cannot all be
    /// installed: the one with the largest schemas wins, whole, the first
    /// in input order on a tie.
    pub fn group(&self, group: &str) -> Option<std::sync::Arc<GroupDefs>> {
        let docs = self.by_group.get(group)?;
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(g) = parsed.get(group) {
            return Some(g.clone());
        }
        let mut best: HashMap<String, CrdDef> = HashMap::new();
        for &i in docs {
            let doc = &self.docs[i];
            let bytes: std::borrow::Cow<[u8]> = match &doc.source {
                Source::File(p) => match std::fs::read(p) {
                    Ok(b) => b.into(),
                    Err(_) => continue,
                },
                Source::Bytes(b) => (&b[..]).into(),
            };
            let Some(text) = bytes
                .get(doc.range.clone())
                .and_then(|b| std::str::from_utf8(b).ok())
            else {
                continue;
            };
            for def in from_text(text.strip_prefix('\u{feff}').unwrap_or(text)) {
                if def.group != group {
                    continue;
                }
                match best.get(&def.kind) {
                    Some(b) if b.size >= def.size => {}
                    _ => {
                        best.insert(def.kind.clone(), def);
                    }
                }
            }
        }
        let defs = std::sync::Arc::new(GroupDefs {
            kinds: best.keys().cloned().collect(),
            schemas: best.into_values().flat_map(|d| d.versions).collect(),
        });
        parsed.insert(group.to_string(), defs.clone());
        Some(defs)
    }
}

/// Byte ranges of the YAML documents of a stream (split at `---` lines).
fn split_documents(b: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < b.len() {
        let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i + 1);
        let line = &b[pos..end];
        if line.starts_with(b"---")
            && line
                .get(3)
                .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            if pos > start {
                out.push(start..pos);
            }
            start = end;
        }
        pos = end;
    }
    if b.len() > start {
        out.push(start..b.len());
    }
    out
}

/// Values of `group:` / `"group":` scalars in a document: a superset of
/// its CRDs' `spec.group`.
fn candidate_groups(b: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for at in memchr::memmem::find_iter(b, b"group") {
        let mut rest = &b[at + 5..];
        if let Some(r) = rest.strip_prefix(b"\"") {
            rest = r;
        }
        let Some(r) = rest.strip_prefix(b":") else {
            continue;
        };
        let value: &[u8] = r.trim_ascii_start();
        let value = match value.first() {
            Some(q @ (b'"' | b'\'')) => {
                let v = &value[1..];
                &v[..memchr::memchr(*q, v).unwrap_or(0)]
            }
            _ => {
                let end = value
                    .iter()
                    .position(|c| matches!(c, b'\n' | b'\r' | b' ' | b',' | b'}' | b'#'))
                    .unwrap_or(value.len());
                &value[..end]
            }
        };
        if value.is_empty() {
            continue;
        }
        if let Ok(v) = std::str::from_utf8(value) {
            if !out.iter().any(|g| g == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// The CRDs defined in a text.
pub fn from_text(text: &str) -> Vec<CrdDef> {
    let loaded = load(text, &LoadLimits::default());
    let mut out = Vec::new();
    for doc in &loaded.documents {
        let DocumentContent::Objects(objs) = objects_of(doc, "default") else {
            continue;
        };
        for o in objs {
            if o.kind == "CustomResourceDefinition" && o.group() == "apiextensions.k8s.io" {
                out.extend(definition(&doc.to_json(o.node)));
            }
        }
    }
    out
}

/// Group, kind and the schema of every served version of a CRD.
pub fn definition(crd: &Value) -> Option<CrdDef> {
    let spec = &crd["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str())
    else {
        return None;
    };
    // apiextensions.k8s.io/v1beta1 defaulted to keeping unknown fields.
    let v1beta1 = crd["apiVersion"].as_str() == Some("apiextensions.k8s.io/v1beta1");
    let preserve = spec["preserveUnknownFields"]
        .as_bool()
        .unwrap_or(v1beta1);
    // Only v1beta1 had a schema shared by all versions.
    let shared = if v1beta1 {
        &spec["validation"]["openAPIV3Schema"]
    } else {
        &Value::Null
    };
    let mut size = 0;
    let mut versions: Vec<(&str, &Value)> = Vec::new();
    if let Some(list) = spec["versions"].as_array() {
        for v in list {
            let Some(name) = v["name"].as_str() else {
                continue;
            };
            let schema = &v["schema"]["openAPIV3Schema"];
            let schema = if schema.is_object() { schema } else { shared };
            size += schema_size(schema);
            if v["served"].as_bool() == Some(false) {
                continue;
            }
            versions.push((name, schema));
        }
    } else if let Some(name) = spec["version"].as_str() {
        size += schema_size(shared);
        versions.push((name, shared));
    }
    let versions = versions
        .into_iter()
        .filter(|(_, s)| s.is_object())
        .map(|(version, schema)| {
            let mut root = convert(schema, !preserve);
            add_root_fields(&mut root);
            (
                (format!("{group}/{version}"), kind.to_string()),
                CrdSchema { root },
            )
        })
        .collect();
    Some(CrdDef {
        group: group.to_string(),
        kind: kind.to_string(),
        size,
        versions,
    })
}

/// The number of nodes of a schema (how complete it is).
fn schema_size(v: &Value) -> usize {
    match v {
        Value::Object(m) => 1 + m.values().map(schema_size).sum::<usize>(),
        Value::Array(a) => 1 + a.iter().map(schema_size).sum::<usize>(),
        _ => 1,
    }
}

/// Prepare a custom resource the way the API server does before it
/// validates: null values are pruned (unless the schema admits null) and
/// absent fields with a `default` get it.
pub fn prepare(v: &mut Value, s: &Value) {
    match v {
        Value::Object(m) => {
            let props = s.get("properties").and_then(Value::as_object);
            let additional = s.get("additionalProperties").filter(|a| a.is_object());
            m.retain(|k, x| {
                !x.is_null()
                    || props
                        .and_then(|p| p.get(k))
                        .or(additional)
                        .is_some_and(admits_null)
            });
            if let Some(props) = props {
                for (k, ps) in props {
                    if !m.contains_key(k) {
                        if let Some(d) = ps.get("default") {
                            m.insert(k.clone(), d.clone());
                        }
                    }
                }
            }
            for (k, x) in m.iter_mut() {
                if let Some(ps) = props.and_then(|p| p.get(k)).or(additional) {
                    prepare(x, ps);
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.get("items") {
                for x in a {
                    prepare(x, items);
                }
            }
        }
        _ => {}
    }
}

fn admits_null(s: &Value) -> bool {
    match s.get("type") {
        Some(Value::Array(t)) => t.contains(&Value::Null) || t.iter().any(|x| x == "null"),
        _ => false,
    }
}

fn add_root_fields(root: &mut Value) {
    let Value::Object(m) = root else { return };
    let props = m
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(props) = props else { return };
    props.insert("apiVersion".into(), json!({"type": "string"}));
    props.insert("kind".into(), json!({"type": "string"}));
    let meta_ref = json!(format!("#/$defs/{OBJECT_META}"));
    match props.get_mut("metadata") {
        Some(Value::Object(meta)) => {
            // The CRD may constrain `name`; ObjectMeta still applies.
            meta.remove("additionalProperties");
            meta.insert("$ref".into(), meta_ref);
        }
        _ => {
            props.insert("metadata".into(), json!({"$ref": meta_ref}));
        }
    }
}

/// Keywords copied as they are.
const COPY: &[&str] = &[
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "required",
    "default",
];

/// Convert a structural schema node. `strict`: unknown fields are errors
/// (false under `x-kubernetes-preserve-unknown-fields` and inside
/// `allOf`/`anyOf`/`oneOf`/`not`, whose branches only add constraints).
pub fn convert(s: &Value, strict: bool) -> Value {
    let Value::Object(s) = s else {
        return json!({});
    };
    let flag = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
    let nullable = flag("nullable");
    let int_or_string = flag("x-kubernetes-int-or-string");
    let preserve = flag("x-kubernetes-preserve-unknown-fields");
    let embedded = flag("x-kubernetes-embedded-resource");
    let mut out = Map::new();
    let mut types: Vec<Value> = Vec::new();
    if int_or_string {
        types = vec![json!("integer"), json!("string")];
    } else if let Some(t) = s.get("type").and_then(Value::as_str) {
        types.push(json!(t));
    }
    if nullable && !types.is_empty() {
        types.push(json!("null"));
    }
    match types.len() {
        0 => {}
        1 => {
            out.insert("type".into(), types.remove(0));
        }
        _ => {
            out.insert("type".into(), Value::Array(types));
        }
    }
    for &k in COPY {
        if let Some(v) = s.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    if nullable {
        if let Some(Value::Array(e)) = out.get_mut("enum") {
            if !e.contains(&Value::Null) {
                e.push(Value::Null);
            }
        }
    }
    for (flag_key, key) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if s.get(flag_key).and_then(Value::as_bool) == Some(true) {
            if let Some(limit) = out.remove(key) {
                out.insert(flag_key.into(), limit);
            }
        }
    }
    let child_strict = strict && !preserve;
    if let Some(Value::Object(props)) = s.get("properties") {
        let converted = props
            .iter()
            .map(|(k, v)| (k.clone(), convert(v, strict)))
            .collect();
        out.insert("properties".into(), Value::Object(converted));
    }
    if let Some(items) = s.get("items").filter(|i| i.is_object()) {
        out.insert("items".into(), convert(items, strict));
    }
    match s.get("additionalProperties") {
        Some(Value::Bool(b)) => {
            out.insert("additionalProperties".into(), Value::Bool(*b));
        }
        Some(v @ Value::Object(_)) => {
            out.insert("additionalProperties".into(), convert(v, strict));
        }
        _ => {}
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = s.get(key) else {
            continue;
        };
        // `anyOf: [{type: integer}, {type: string}]` beside
        // x-kubernetes-int-or-string says nothing more.
        if int_or_string && branches.iter().all(only_type) {
            continue;
        }
        let converted = branches.iter().map(|b| convert(b, false)).collect();
        out.insert(key.into(), Value::Array(converted));
    }
    if let Some(n) = s.get("not") {
        out.insert("not".into(), convert(n, false));
    }
    if embedded {
        let props = out
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(p) = props {
            for k in ["apiVersion", "kind"] {
                p.entry(k).or_insert_with(|| json!({"type": "string"}));
            }
            p.entry("metadata")
                .or_insert_with(|| json!({"type": "object"}));
        }
    }
    let is_object = s.get("type").and_then(Value::as_str) == Some("object")
        || s.contains_key("properties");
    if child_strict && is_object && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

fn only_type(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.keys().all(|k| k == "type" || k == "description"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_structural_schemas() {
        let s = json!({
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {
                    "port": {"x-kubernetes-int-or-string": true,
                             "anyOf": [{"type": "integer"}, {"type": "string"}]},
                    "mode": {"type": "string", "enum": ["a", "b"], "nullable": true},
                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "n": {"type": "integer", "minimum": 1, "exclusiveMinimum": true}
                }, "required": ["mode"]}
            }
        });
        let c = convert(&s, true);
        let spec = &c["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], json!(false));
        assert_eq!(
            spec["properties"]["port"],
            json!({"type": ["integer", "string"]})
        );
        assert_eq!(
            spec["properties"]["mode"]["enum"],
            json!(["a", "b", null])
        );
        assert_eq!(
            spec["properties"]["extra"].get("additionalProperties"),
            None
        );
        assert_eq!(spec["properties"]["n"]["exclusiveMinimum"], json!(1));
        assert_eq!(spec["required"], json!(["mode"]));
    }
}
