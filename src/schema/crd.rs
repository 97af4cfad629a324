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
use crate::yaml::{load, Document, LoadLimits, NodeId};
use foldhash::HashMap;
use rayon::prelude::*;
use serde_json::{json, Map, Value};

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// The schema of one served version of a custom resource.
#[derive(Debug, Clone)]
pub struct CrdSchema {
    /// The converted `openAPIV3Schema`.
    pub root: std::sync::Arc<Value>,
}

impl CrdSchema {
    /// A standalone document: the converted schema plus the `ObjectMeta`
    /// definitions of the target version.
    pub fn document(&self, minor: u32) -> Option<Value> {
        let defs = self.definitions(minor)?;
        let mut doc = self.root.as_object()?.clone();
        doc.insert("$defs".into(), Value::Object(defs));
        Some(Value::Object(doc))
    }

    /// The definitions [`CrdSchema::document`] adds to the converted
    /// schema; None when it has no document.
    pub fn definitions(&self, minor: u32) -> Option<serde_json::Map<String, Value>> {
        if !self.root.is_object() {
            return None;
        }
        let (defs, _) = super::bundle::bundle().definitions_schema(minor, &[OBJECT_META])?;
        Some(defs)
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
/// of their `group:` and `kind:` lines. A CRD document is parsed only when
/// a custom resource of its group and kind needs a schema: most CRDs in a
/// repository have no resources beside them, and CRD files are large.
#[derive(Default)]
pub struct CrdIndex {
    /// Candidate (group, kind) → documents that may define it.
    by_kind: HashMap<(String, String), Vec<usize>>,
    docs: Vec<DocRef>,
    /// Parsed definitions per (group, kind), on first use (one slot per
    /// key, so threads parse different kinds at the same time).
    parsed: std::sync::Mutex<HashMap<(String, String), KindSlot>>,
    /// API groups of the objects of the input (`apiVersion:` values).
    used_groups: foldhash::HashSet<String>,
    /// Which inputs hold CRDs.
    crd_inputs: Vec<bool>,
}

type KindSlot = std::sync::Arc<std::sync::OnceLock<std::sync::Arc<KindDefs>>>;

/// One document of an input: the file (or the bytes of stdin) and its range.
struct DocRef {
    source: Source,
    range: std::ops::Range<usize>,
}

enum Source {
    File(std::path::PathBuf),
    Bytes(std::sync::Arc<[u8]>),
}

/// The CRD of one group and kind: its served versions' schemas.
#[derive(Default)]
pub struct KindDefs {
    /// Whether a CRD defines the kind (whatever versions it serves).
    pub defined: bool,
    /// apiVersion → schema.
    pub schemas: HashMap<String, CrdSchema>,
}

impl CrdIndex {
    /// Index the CRD documents of `inputs`: each file is read once and
    /// scanned, not parsed.
    pub fn build(inputs: &[Input]) -> CrdIndex {
        type Found = (Vec<(DocRef, Vec<String>, Vec<String>, u64)>, Vec<String>);
        // Byte-identical copies are found by digest: a fast hash, seeded at
        // random per run so that no input can be made to collide on purpose.
        let digests = foldhash::quality::RandomState::default();
        let found: Vec<Found> = inputs
            .par_iter()
            .map(|input| {
                let bytes: std::borrow::Cow<[u8]> = match input {
                    Input::File { path, .. } => match std::fs::read(path) {
                        Ok(b) => b.into(),
                        Err(_) => return Default::default(),
                    },
                    Input::Bytes { bytes, .. } => (&bytes[..]).into(),
                    Input::Unreadable { .. } => return Default::default(),
                };
                let mut groups: Vec<String> = scalar_values(&bytes, b"apiVersion")
                    .iter()
                    .map(|av| crate::model::group_of(av).to_string())
                    .collect();
                groups.dedup();
                if memchr::memmem::find(&bytes, b"CustomResourceDefinition").is_none() {
                    return (Vec::new(), groups);
                }
                // Only now, for the few inputs with CRDs: stdin's bytes are
                // kept for parsing the CRDs later.
                let source = match input {
                    Input::File { path, .. } => Source::File(path.clone()),
                    Input::Bytes { bytes, .. } => Source::Bytes(bytes.clone()),
                    Input::Unreadable { .. } => return Default::default(),
                };
                let docs = split_documents(&bytes)
                    .into_iter()
                    .filter(|r| {
                        memchr::memmem::find(&bytes[r.clone()], b"CustomResourceDefinition")
                            .is_some()
                    })
                    .map(|r| {
                        let doc = &bytes[r.clone()];
                        let groups = scalar_values(doc, b"group");
                        let kinds = scalar_values(doc, b"kind");
                        let digest = std::hash::BuildHasher::hash_one(&digests, doc);
                        (
                            DocRef {
                                source: match &source {
                                    Source::File(p) => Source::File(p.clone()),
                                    Source::Bytes(b) => Source::Bytes(b.clone()),
                                },
                                range: r,
                            },
                            groups,
                            kinds,
                            digest,
                        )
                    })
                    .collect();
                (docs, groups)
            })
            .collect();
        let mut index = CrdIndex::default();
        // A CRD copied byte for byte into several places (vendored charts,
        // one copy per environment) is parsed once: copies define the same
        // schemas, so only the first can win.
        let mut seen = foldhash::HashSet::default();
        for (docs, used) in found {
            index.crd_inputs.push(!docs.is_empty());
            index.used_groups.extend(used);
            for (doc, groups, kinds, digest) in docs {
                if !seen.insert((digest, doc.range.len())) {
                    continue;
                }
                let i = index.docs.len();
                index.docs.push(doc);
                for g in &groups {
                    for k in &kinds {
                        let list = index.by_kind.entry((g.clone(), k.clone())).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        index
    }

    /// Whether input `i` holds CRDs.
    pub fn input_has_crds(&self, i: usize) -> bool {
        self.crd_inputs.get(i).copied().unwrap_or(false)
    }

    /// Whether any input holds CRDs.
    pub fn has_crds(&self) -> bool {
        !self.docs.is_empty()
    }

    /// The CRDs converted so far, taken out (to be freed in parallel).
    pub fn take_converted(&mut self) -> Vec<KindSlot> {
        std::mem::take(self.parsed.get_mut().unwrap_or_else(|e| e.into_inner()))
            .into_values()
            .collect()
    }

    fn slot(&self, key: (String, String)) -> KindSlot {
        self.parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone()
    }

    /// Learn a CRD from a tree being linted anyway, instead of parsing its
    /// document again when a custom resource needs it: done when it is the
    /// only candidate for its group and kind, and objects of its group are
    /// in the input.
    pub fn offer(&self, doc: &Document<'_>, node: NodeId, api_version: &str) {
        let Some(spec) = doc.get_map(node, "spec") else {
            return;
        };
        let (Some(group), Some(kind)) = (
            doc.get_str(spec, "group"),
            doc.path(spec, &["names", "kind"]).and_then(|k| doc.str(k)),
        ) else {
            return;
        };
        if !self.used_groups.contains(group) {
            return;
        }
        let key = (group.to_string(), kind.to_string());
        if self.by_kind.get(&key).map(Vec::len) != Some(1) {
            return;
        }
        let slot = self.slot(key);
        if slot.get().is_none() {
            slot.get_or_init(|| {
                let best = definition(doc, node, api_version);
                std::sync::Arc::new(kind_defs(best))
            });
        }
    }

    /// The CRD of a group and kind (parsed on first use). Several CRDs
    /// for one group and kind (copies of different releases) cannot all be
    /// installed: the one with the largest schemas wins, whole, the first
    /// in input order on a tie.
    pub fn kind(&self, group: &str, kind: &str) -> Option<std::sync::Arc<KindDefs>> {
        let key = (group.to_string(), kind.to_string());
        let docs = self.by_kind.get(&key)?;
        let slot = self.slot(key);
        Some(slot.get_or_init(|| self.parse(docs, group, kind)).clone())
    }

    fn parse(&self, docs: &[usize], group: &str, kind: &str) -> std::sync::Arc<KindDefs> {
        let mut best: Option<CrdDef> = None;
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
                if def.group != group || def.kind != kind {
                    continue;
                }
                if best.as_ref().is_none_or(|b| def.size > b.size) {
                    best = Some(def);
                }
            }
        }
        std::sync::Arc::new(kind_defs(best))
    }
}

fn kind_defs(best: Option<CrdDef>) -> KindDefs {
    KindDefs {
        defined: best.is_some(),
        schemas: best
            .into_iter()
            .flat_map(|d| d.versions)
            .map(|((av, _), s)| (av, s))
            .collect(),
    }
}

/// Byte ranges of the YAML documents of a stream (split at `---` lines).
fn split_documents(b: &[u8]) -> Vec<std::ops::Range<usize>> {
    // A separator is a line starting with `---` and then a blank or the
    // line's end: found by searching for `---` after a line break (a
    // CRD file is megabytes of schema with a handful of separators).
    let is_separator = |at: usize| {
        b.get(at + 3)
            .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    };
    let line_end = |at: usize| memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i + 1);
    let mut out = Vec::new();
    let mut start = 0;
    let starts = (b.starts_with(b"---").then_some(0))
        .into_iter()
        .chain(memchr::memmem::find_iter(b, b"\n---").map(|i| i + 1));
    for pos in starts {
        if !is_separator(pos) {
            continue;
        }
        if pos > start {
            out.push(start..pos);
        }
        start = line_end(pos);
    }
    if b.len() > start {
        out.push(start..b.len());
    }
    out
}

/// Values of `key:` / `"key":` scalars in a document: a superset of its
/// CRDs' `spec.group` (key `group`) or `spec.names.kind` (key `kind`).
fn scalar_values(b: &[u8], key: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for at in memchr::memmem::find_iter(b, key) {
        let mut rest = &b[at + key.len()..];
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
                out.extend(definition(doc, o.node, o.api_version));
            }
        }
    }
    out
}

/// Group, kind and the converted schema of every served version of the
/// CRD at `node`, read straight from the tree (CRDs are large: their
/// descriptions are never copied).
pub fn definition(doc: &Document<'_>, node: NodeId, api_version: &str) -> Option<CrdDef> {
    let spec = doc.get_map(node, "spec")?;
    let group = doc.get_str(spec, "group")?;
    let kind = doc
        .path(spec, &["names", "kind"])
        .and_then(|k| doc.str(k))?;
    // apiextensions.k8s.io/v1beta1 defaulted to keeping unknown fields, and
    // only it had a schema shared by all versions.
    let v1beta1 = api_version == "apiextensions.k8s.io/v1beta1";
    let preserve = doc
        .get_key(spec, "preserveUnknownFields")
        .and_then(|v| doc.bool(v))
        .unwrap_or(v1beta1);
    let shared = if v1beta1 {
        doc.path(spec, &["validation", "openAPIV3Schema"])
    } else {
        None
    };
    let size = |n: NodeId| (doc.subtree_end(n) - n) as usize;
    let mut total = 0;
    let mut versions: Vec<(&str, NodeId)> = Vec::new();
    if let Some(list) = doc.get_seq(spec, "versions") {
        for v in doc.items(list) {
            let Some(name) = doc.get_str(v, "name") else {
                continue;
            };
            let schema = doc
                .path(v, &["schema", "openAPIV3Schema"])
                .filter(|&s| doc.is_map(s))
                .or(shared);
            let Some(schema) = schema else { continue };
            total += size(schema);
            if doc.get_key(v, "served").and_then(|b| doc.bool(b)) == Some(false) {
                continue;
            }
            versions.push((name, schema));
        }
    } else if let (Some(name), Some(schema)) = (doc.get_str(spec, "version"), shared) {
        total += size(schema);
        versions.push((name, schema));
    }
    let versions = versions
        .into_iter()
        .filter(|&(_, s)| doc.is_map(s))
        .map(|(version, schema)| {
            let mut root = convert(doc, schema, !preserve);
            add_root_fields(&mut root);
            (
                (format!("{group}/{version}"), kind.to_string()),
                CrdSchema {
                    root: std::sync::Arc::new(root),
                },
            )
        })
        .collect();
    Some(CrdDef {
        group: group.to_string(),
        kind: kind.to_string(),
        size: total,
        versions,
    })
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

/// Where [`convert`] keeps the value of a key it reads.
fn slot(key: &str) -> Option<usize> {
    Some(match key {
        "nullable" => 0,
        "x-kubernetes-int-or-string" => 1,
        "x-kubernetes-preserve-unknown-fields" => 2,
        "x-kubernetes-embedded-resource" => 3,
        "type" => 4,
        "enum" => 5,
        "pattern" => 6,
        "minimum" => 7,
        "maximum" => 8,
        "multipleOf" => 9,
        "minLength" => 10,
        "maxLength" => 11,
        "minItems" => 12,
        "maxItems" => 13,
        "uniqueItems" => 14,
        "minProperties" => 15,
        "maxProperties" => 16,
        "required" => 17,
        "default" => 18,
        "exclusiveMinimum" => 19,
        "exclusiveMaximum" => 20,
        "properties" => 21,
        "items" => 22,
        "additionalProperties" => 23,
        "allOf" => 24,
        "anyOf" => 25,
        "oneOf" => 26,
        "not" => 27,
        _ => return None,
    })
}

/// How many keys [`convert`] reads.
const READ: usize = 28;

/// The values of the keys `convert` reads from one schema mapping, found
/// in one pass over its entries (CRD schemas are large, and each mapping
/// is asked for some thirty keys). The last duplicate wins, as
/// [`Document::entry`] decides; a mapping with a merge key (`<<`) is read
/// through `Document::entry`, which consults the merged mappings.
struct Keys<'a, 'd> {
    doc: &'a Document<'d>,
    node: NodeId,
    found: Option<[Option<NodeId>; READ]>,
}

impl<'a, 'd> Keys<'a, 'd> {
    fn of(doc: &'a Document<'d>, node: NodeId) -> Self {
        let mut found = [None; READ];
        let mut merge = false;
        for (k, v) in doc.entries(node) {
            let Some((text, style)) = doc.scalar(k) else {
                continue;
            };
            merge |= style == crate::yaml::ScalarStyle::Plain && text == "<<";
            if let Some(i) = slot(text) {
                found[i] = Some(v);
            }
        }
        Keys {
            doc,
            node,
            found: (!merge).then_some(found),
        }
    }

    fn get(&self, key: &str) -> Option<NodeId> {
        match (&self.found, slot(key)) {
            (Some(found), Some(i)) => found[i],
            _ => self.doc.get_key(self.node, key),
        }
    }

    fn flag(&self, key: &str) -> bool {
        self.get(key).and_then(|v| self.doc.bool(v)) == Some(true)
    }

    fn map(&self, key: &str) -> Option<NodeId> {
        self.get(key).filter(|&v| self.doc.is_map(v))
    }
}

/// Convert a structural schema node. `strict`: unknown fields are errors
/// (false under `x-kubernetes-preserve-unknown-fields` and inside
/// `allOf`/`anyOf`/`oneOf`/`not`, whose branches only add constraints).
pub fn convert(doc: &Document<'_>, node: NodeId, strict: bool) -> Value {
    if !doc.is_map(node) {
        return json!({});
    }
    let keys = Keys::of(doc, node);
    let flag = |k: &str| keys.flag(k);
    let nullable = flag("nullable");
    let int_or_string = flag("x-kubernetes-int-or-string");
    let preserve = flag("x-kubernetes-preserve-unknown-fields");
    let embedded = flag("x-kubernetes-embedded-resource");
    let mut out = Map::new();
    let mut types: Vec<Value> = Vec::new();
    let declared = keys.get("type").and_then(|v| doc.str(v));
    if int_or_string {
        types = vec![json!("integer"), json!("string")];
    } else if let Some(t) = declared {
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
        if let Some(v) = keys.get(k) {
            out.insert(k.into(), doc.to_json(v));
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
        if flag(flag_key) {
            if let Some(limit) = out.remove(key) {
                out.insert(flag_key.into(), limit);
            }
        }
    }
    let child_strict = strict && !preserve;
    if let Some(props) = keys.map("properties") {
        let converted = doc
            .entries(props)
            .filter_map(|(k, v)| Some((doc.text(k)?.to_string(), convert(doc, v, strict))))
            .collect();
        out.insert("properties".into(), Value::Object(converted));
    }
    if let Some(items) = keys.map("items") {
        out.insert("items".into(), convert(doc, items, strict));
    }
    if let Some(ap) = keys.get("additionalProperties") {
        if let Some(b) = doc.bool(ap) {
            out.insert("additionalProperties".into(), Value::Bool(b));
        } else if doc.is_map(ap) {
            out.insert("additionalProperties".into(), convert(doc, ap, strict));
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        let Some(branches) = keys.get(key).filter(|&v| doc.is_seq(v)) else {
            continue;
        };
        // `anyOf: [{type: integer}, {type: string}]` beside
        // x-kubernetes-int-or-string says nothing more.
        if int_or_string && doc.items(branches).all(|b| only_type(doc, b)) {
            continue;
        }
        let converted = doc
            .items(branches)
            .map(|b| convert(doc, b, false))
            .collect();
        out.insert(key.into(), Value::Array(converted));
    }
    if let Some(n) = keys.map("not") {
        out.insert("not".into(), convert(doc, n, false));
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
    let is_object = declared == Some("object") || keys.get("properties").is_some();
    if child_strict && is_object && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

fn only_type(doc: &Document<'_>, n: NodeId) -> bool {
    doc.is_map(n)
        && doc
            .entries(n)
            .all(|(k, _)| matches!(doc.text(k), Some("type" | "description")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_at_separator_lines_only() {
        let parts = |t: &str| -> Vec<String> {
            split_documents(t.as_bytes())
                .into_iter()
                .map(|r| t[r].to_string())
                .collect()
        };
        assert_eq!(parts("a: 1\n---\nb: 2\n"), ["a: 1\n", "b: 2\n"]);
        assert_eq!(parts("---\na: 1\n--- # two\r\nb: 2"), ["a: 1\n", "b: 2"]);
        // Not separators: more dashes, text after them, not at a line start.
        assert_eq!(
            parts("a: ----\n----\n---x\nb: 2\n"),
            ["a: ----\n----\n---x\nb: 2\n"]
        );
        assert_eq!(parts("a: 1\n---"), ["a: 1\n"]);
        assert_eq!(parts("---\n---\n"), Vec::<String>::new());
        assert_eq!(parts("a\n---\tx\n"), ["a\n"]);
    }

    #[test]
    fn converts_structural_schemas() {
        let text = "
type: object
properties:
  spec:
    type: object
    description: ignored
    properties:
      port:
        x-kubernetes-int-or-string: true
        anyOf: [{type: integer}, {type: string}]
      mode: {type: string, enum: [a, b], nullable: true}
      extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
      n: {type: integer, minimum: 1, exclusiveMinimum: true}
    required: [mode]
";
        let loaded = load(text, &LoadLimits::default());
        let doc = &loaded.documents[0];
        let c = convert(doc, doc.root, true);
        let spec = &c["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], json!(false));
        assert_eq!(
            spec["properties"]["port"],
            json!({"type": ["integer", "string"]})
        );
        assert_eq!(spec["properties"]["mode"]["enum"], json!(["a", "b", null]));
        assert_eq!(
            spec["properties"]["extra"].get("additionalProperties"),
            None
        );
        assert_eq!(spec["properties"]["n"]["exclusiveMinimum"], json!(1));
        assert_eq!(spec["required"], json!(["mode"]));
    }

    #[test]
    fn byte_identical_crd_copies_are_candidates_once() {
        let crd = |group: &str| {
            format!(
                "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: widgets.{group}}}
spec:
  group: {group}
  names: {{kind: Widget, plural: widgets}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {{type: object}}
"
            )
        };
        let input = |name: &str, text: String| Input::Bytes {
            display: std::sync::Arc::from(name),
            bytes: text.into_bytes().into(),
        };
        let index = CrdIndex::build(&[
            input("a/crd.yaml", crd("example.com")),
            input("b/crd.yaml", crd("example.com")),
            input("c/crd.yaml", crd("example.com") + "# a changed copy\n"),
            input(
                "cr.yaml",
                "apiVersion: example.com/v1\nkind: Widget\n".into(),
            ),
        ]);
        let key = ("example.com".to_string(), "Widget".to_string());
        // The second copy is skipped; the changed one is a candidate.
        assert_eq!(index.by_kind[&key], vec![0, 1]);
        assert!(index.input_has_crds(1), "the copy's file still holds a CRD");
        let defs = index.kind("example.com", "Widget").expect("defined");
        assert!(defs.defined && defs.schemas.contains_key("example.com/v1"));
    }
}
