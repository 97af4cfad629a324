//! A fast acceptance test for schemas, run on the tree itself.
//!
//! The bundled Kubernetes schemas use eight keywords (`type`,
//! `properties`, `additionalProperties`, `required`, `items`, `enum`,
//! `$ref`, `$defs`); the schemas converted from CRDs add a few more
//! (`pattern`, bounds, `allOf`/`anyOf`, defaults). A [`Plan`] compiles that
//! subset into a compact table and answers one question per object: is it
//! certainly valid? Almost every object is, and then no JSON copy of it is
//! made and no `jsonschema` validator is compiled or run. Any doubt — a
//! keyword outside the subset, an alias or merge key, a float where an
//! integer is expected, a value that fails — answers "not certainly", and
//! the caller runs the full validator, which explains the problems. So a
//! plan only ever says "valid" where the full validator would too: its
//! answers decide speed, never findings.
//!
//! A custom resource is validated the way the API server sees it, after
//! [`super::crd::prepare`] (null members pruned, absent members defaulted).
//! The plan follows that without copying the object: an absent member
//! with a default counts as its default, checked once when the plan is
//! compiled; a null member that would be pruned makes it defer.

use crate::yaml::{Document, NodeData, NodeId, Value as Y};
use serde_json::Value;
use std::collections::HashMap;

const NULL: u8 = 1;
const BOOL: u8 = 2;
const INTEGER: u8 = 4;
const NUMBER: u8 = 8;
const STRING: u8 = 16;
const ARRAY: u8 = 32;
const OBJECT: u8 = 64;

/// Keywords that assert nothing here: annotations, and `format`, which
/// the validator does not assert either. (`default` is read by CRD plans.)
fn is_annotation(k: &str) -> bool {
    matches!(
        k,
        "description" | "title" | "format" | "default" | "example" | "examples" | "$comment"
    ) || k.starts_with("x-")
}

enum Additional {
    Any,
    Forbidden,
    Schema(u32),
}

/// A property of a node: its name, its schema and, for CRD plans, whether
/// it has a default and whether that default (prepared) is valid.
struct Property {
    name: Box<str>,
    schema: u32,
    default: Option<bool>,
}

#[derive(Default)]
struct Bounds {
    min_length: Option<u64>,
    max_length: Option<u64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    max_properties: Option<u64>,
    minimum: Option<(f64, bool)>,
    maximum: Option<(f64, bool)>,
}

struct Pattern {
    source: String,
    regex: std::sync::OnceLock<Option<regex::Regex>>,
}

impl Pattern {
    /// The translation the validator applies, run by the engine it uses
    /// for patterns without look-around or back-references; None for any
    /// other pattern.
    fn is_match(&self, s: &str) -> Option<bool> {
        self.regex
            .get_or_init(|| {
                let rust = jsonschema_regex::to_rust_regex(&self.source).ok()?;
                regex::Regex::new(&rust).ok()
            })
            .as_ref()
            .map(|re| re.is_match(s))
    }
}

struct Node {
    /// Allowed JSON types (bits above); 0: any.
    types: u8,
    /// `type` is a list holding `null`: what `prepare` keeps a null for.
    admits_null: bool,
    /// Sorted by [`by_name`].
    properties: Vec<Property>,
    additional: Additional,
    required: Vec<Box<str>>,
    items: Option<u32>,
    enumeration: Option<Vec<Value>>,
    /// A `pattern`, compiled when a string first meets it.
    pattern: Option<Box<Pattern>>,
    bounds: Option<Box<Bounds>>,
    /// `$ref` targets and `allOf` branches: all apply beside the node's own
    /// keywords.
    all: Vec<u32>,
    /// `anyOf` branches: one must hold.
    any: Vec<u32>,
    /// Some property has a default.
    defaults: bool,
    /// Uses a keyword outside the subset: never certainly valid.
    unsupported: bool,
}

/// The order of [`Node::properties`]: by length, then bytes. Most
/// property names differ in length, so a lookup rarely compares bytes.
fn by_name(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Node {
    fn property(&self, name: &str) -> Option<&Property> {
        let i = self
            .properties
            .binary_search_by(|p| by_name(&p.name, name))
            .ok()?;
        Some(&self.properties[i])
    }

    fn empty() -> Node {
        Node {
            types: 0,
            admits_null: false,
            properties: Vec::new(),
            additional: Additional::Any,
            required: Vec::new(),
            items: None,
            enumeration: None,
            pattern: None,
            bounds: None,
            all: Vec::new(),
            any: Vec::new(),
            defaults: false,
            unsupported: false,
        }
    }
}

/// A compiled schema document (see the module documentation).
pub struct Plan {
    nodes: Vec<Node>,
    root: u32,
    /// Validates custom resources: `prepare` semantics apply.
    crd: bool,
}

struct Compiler<'a> {
    defs: Option<&'a serde_json::Map<String, Value>>,
    nodes: Vec<Node>,
    by_def: HashMap<&'a str, u32>,
    crd: bool,
    /// (node, property, property schema, default) to check once every
    /// node is compiled.
    defaults: Vec<(u32, usize, &'a Value, &'a Value)>,
}

fn count(v: &Value) -> Option<u64> {
    v.as_u64()
}

impl<'a> Compiler<'a> {
    fn node(&mut self, schema: &'a Value) -> u32 {
        let at = self.nodes.len() as u32;
        self.nodes.push(Node::empty());
        let mut n = Node::empty();
        match schema {
            Value::Bool(true) => {}
            Value::Object(m) => {
                for (k, v) in m {
                    if !self.keyword(&mut n, k, v) {
                        n.unsupported = true;
                    }
                }
                if self.crd {
                    if let Some(Value::Object(props)) = m.get("properties") {
                        for (i, p) in n.properties.iter_mut().enumerate() {
                            let ps = &props[&*p.name];
                            if let Some(d) = ps.get("default") {
                                p.default = Some(false);
                                n.defaults = true;
                                self.defaults.push((at, i, ps, d));
                            }
                        }
                    }
                }
            }
            _ => n.unsupported = true,
        }
        self.nodes[at as usize] = n;
        at
    }

    fn bounds(n: &mut Node) -> &mut Bounds {
        n.bounds.get_or_insert_with(Default::default)
    }

    /// Compile one keyword into `n`; false when it is outside the subset.
    fn keyword(&mut self, n: &mut Node, k: &str, v: &'a Value) -> bool {
        match k {
            "type" => {
                let names: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    v => vec![v],
                };
                for name in names {
                    n.types |= match name.as_str() {
                        Some("null") => NULL,
                        Some("boolean") => BOOL,
                        Some("integer") => INTEGER,
                        Some("number") => NUMBER,
                        Some("string") => STRING,
                        Some("array") => ARRAY,
                        Some("object") => OBJECT,
                        _ => return false,
                    };
                }
                n.admits_null = v.as_array().is_some_and(|t| t.iter().any(|x| x == "null"));
                true
            }
            "properties" => {
                let Some(m) = v.as_object() else { return false };
                for (name, s) in m {
                    let schema = self.node(s);
                    n.properties.push(Property {
                        name: name.as_str().into(),
                        schema,
                        default: None,
                    });
                }
                n.properties.sort_by(|a, b| by_name(&a.name, &b.name));
                true
            }
            "additionalProperties" => {
                n.additional = match v {
                    Value::Bool(true) => Additional::Any,
                    Value::Bool(false) => Additional::Forbidden,
                    Value::Object(_) => Additional::Schema(self.node(v)),
                    _ => return false,
                };
                true
            }
            "required" => {
                let Some(a) = v.as_array() else { return false };
                for r in a {
                    // The meta-schema wants the names unique.
                    let Some(r) = r
                        .as_str()
                        .filter(|r| !n.required.iter().any(|x| &**x == *r))
                    else {
                        return false;
                    };
                    n.required.push(r.into());
                }
                true
            }
            "items" if v.is_object() || v.is_boolean() => {
                n.items = Some(self.node(v));
                true
            }
            "enum" => {
                let Some(a) = v.as_array() else { return false };
                n.enumeration = Some(a.clone());
                true
            }
            "$ref" => match v.as_str().and_then(|r| self.def(r)) {
                Some(id) => {
                    n.all.push(id);
                    true
                }
                None => false,
            },
            "allOf" | "anyOf" => {
                let Some(branches) = v.as_array().filter(|b| !b.is_empty()) else {
                    return false;
                };
                for b in branches {
                    let id = self.node(b);
                    if k == "allOf" {
                        n.all.push(id);
                    } else {
                        n.any.push(id);
                    }
                }
                true
            }
            // Compiled on first use: most patterns never meet a value.
            "pattern" => {
                let Some(p) = v.as_str() else { return false };
                n.pattern = Some(Box::new(Pattern {
                    source: p.to_string(),
                    regex: std::sync::OnceLock::new(),
                }));
                true
            }
            "minLength" | "maxLength" | "minItems" | "maxItems" | "maxProperties" => {
                let Some(c) = count(v) else { return false };
                let b = Self::bounds(n);
                *match k {
                    "minLength" => &mut b.min_length,
                    "maxLength" => &mut b.max_length,
                    "minItems" => &mut b.min_items,
                    "maxItems" => &mut b.max_items,
                    _ => &mut b.max_properties,
                } = Some(c);
                true
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                // Bounds beyond 2^53 are not compared exactly here.
                let Some(x) = v.as_f64().filter(|x| x.abs() < 9.0e15) else {
                    return false;
                };
                let exclusive = k.starts_with("exclusive");
                let b = Self::bounds(n);
                let slot = if k.ends_with("inimum") {
                    &mut b.minimum
                } else {
                    &mut b.maximum
                };
                if slot.is_some() {
                    return false;
                }
                *slot = Some((x, exclusive));
                true
            }
            // Resolved through `$ref`.
            "$defs" => true,
            k => is_annotation(k),
        }
    }

    /// The node of a `#/$defs/NAME` reference, compiled once.
    fn def(&mut self, r: &str) -> Option<u32> {
        let name = r.strip_prefix("#/$defs/")?;
        if name.contains(['/', '~']) {
            return None;
        }
        let (key, schema) = self.defs?.get_key_value(name)?;
        if let Some(&id) = self.by_def.get(key.as_str()) {
            return Some(id);
        }
        // Reserve the slot first: definitions refer to themselves.
        let id = self.nodes.len() as u32;
        self.nodes.push(Node::empty());
        self.by_def.insert(key.as_str(), id);
        let body = self.node(schema);
        self.nodes[id as usize].all.push(body);
        Some(id)
    }
}

/// What a plan looks at: a node of the tree, or (for a CRD default) a
/// JSON value.
#[derive(Clone, Copy)]
enum Inst<'a, 'd> {
    Tree(&'a Document<'d>, NodeId),
    Json(&'a Value),
}

impl<'a> Inst<'a, '_> {
    fn tree(self) -> bool {
        matches!(self, Inst::Tree(..))
    }

    /// The scalar, or None for a sequence, a mapping or anything the plan
    /// does not judge (an alias, a huge number).
    fn scalar(self) -> Option<Y<'a>> {
        match self {
            Inst::Tree(doc, n) => doc.value(n),
            Inst::Json(v) => Some(match v {
                Value::Null => Y::Null,
                Value::Bool(b) => Y::Bool(*b),
                Value::Number(x) => match x.as_i64() {
                    Some(i) => Y::Int(i),
                    None if x.is_f64() => Y::Float(x.as_f64()?),
                    None => return None,
                },
                Value::String(s) => Y::Str(s),
                _ => return None,
            }),
        }
    }

    fn is_null(self) -> bool {
        matches!(self.scalar(), Some(Y::Null))
    }

    /// What the node is: 0 unknown, ARRAY, OBJECT, or a scalar (checked by
    /// [`Inst::scalar`]).
    fn shape(self) -> u8 {
        match self {
            Inst::Tree(doc, n) => match doc.get(n).data {
                NodeData::Seq { .. } => ARRAY,
                NodeData::Map { .. } => OBJECT,
                NodeData::Scalar { .. } => NULL,
                NodeData::Alias(_) => 0,
            },
            Inst::Json(Value::Array(_)) => ARRAY,
            Inst::Json(Value::Object(_)) => OBJECT,
            Inst::Json(_) => NULL,
        }
    }

    fn len(self) -> usize {
        match self {
            Inst::Tree(doc, n) => match doc.get(n).data {
                NodeData::Seq { len, .. } | NodeData::Map { len, .. } => len as usize,
                _ => 0,
            },
            Inst::Json(Value::Array(a)) => a.len(),
            Inst::Json(Value::Object(m)) => m.len(),
            Inst::Json(_) => 0,
        }
    }

    /// Whether every item passes `f`.
    fn all_items(self, mut f: impl FnMut(Self) -> bool) -> bool {
        match self {
            Inst::Tree(doc, n) => doc.items(n).all(|i| f(Inst::Tree(doc, i))),
            Inst::Json(Value::Array(a)) => a.iter().all(|i| f(Inst::Json(i))),
            Inst::Json(_) => true,
        }
    }

    /// Whether every member passes `f`; false at a key that is not a
    /// plain JSON member name (a merge key `<<`, a tagged or complex key).
    fn all_members(self, mut f: impl FnMut(&str, Self) -> bool) -> bool {
        match self {
            Inst::Tree(doc, n) => doc.entries(n).all(|(k, v)| match &doc.get(k).data {
                NodeData::Scalar {
                    value, tag: None, ..
                } if value != "<<" => f(value, Inst::Tree(doc, v)),
                _ => false,
            }),
            Inst::Json(Value::Object(m)) => m.iter().all(|(k, v)| f(k, Inst::Json(v))),
            Inst::Json(_) => true,
        }
    }

    fn has(self, key: &str) -> bool {
        match self {
            Inst::Tree(doc, n) => doc.entry(n, key).is_some(),
            Inst::Json(v) => v.get(key).is_some(),
        }
    }
}

impl Plan {
    /// Compile a bundled schema document (references point into its own
    /// `$defs`).
    pub fn compile(document: &Value) -> Plan {
        Plan::build(
            document,
            document.get("$defs").and_then(Value::as_object),
            false,
        )
    }

    /// Compile a custom resource's converted schema, with the definitions
    /// its references point to (not joined into one document): objects
    /// are judged as `prepare` leaves them.
    pub fn compile_crd(root: &Value, defs: &serde_json::Map<String, Value>) -> Plan {
        Plan::build(root, Some(defs), true)
    }

    fn build(document: &Value, defs: Option<&serde_json::Map<String, Value>>, crd: bool) -> Plan {
        let mut c = Compiler {
            defs,
            nodes: Vec::new(),
            by_def: HashMap::new(),
            crd,
            defaults: Vec::new(),
        };
        let root = c.node(document);
        let mut plan = Plan {
            nodes: c.nodes,
            root,
            crd,
        };
        if !crd {
            plan.skip_wrappers();
        }
        // A default is valid when what `prepare` makes of it is.
        for (node, i, schema, default) in c.defaults {
            let mut d = default.clone();
            super::crd::prepare(&mut d, schema);
            let id = plan.nodes[node as usize].properties[i].schema;
            let ok = plan.check(id, Inst::Json(&d), false);
            plan.nodes[node as usize].properties[i].default = Some(ok);
        }
        plan
    }

    /// Point every reference past nodes that only apply one other node
    /// (a `$ref` with a description, a definition's own slot, a one-branch
    /// `allOf`): such a node accepts exactly what its branch accepts, and
    /// checking it would walk the value a second time for nothing.
    /// Not for CRD plans, where a branch is checked off the `prepare` path
    /// (see [`Plan::check`]) and so may judge a value differently.
    fn skip_wrappers(&mut self) {
        let only_branch = |n: &Node| -> Option<u32> {
            let plain = n.any.is_empty()
                && n.types == 0
                && !n.admits_null
                && n.properties.is_empty()
                && matches!(n.additional, Additional::Any)
                && n.required.is_empty()
                && n.items.is_none()
                && n.enumeration.is_none()
                && n.pattern.is_none()
                && n.bounds.is_none()
                && !n.defaults
                && !n.unsupported;
            match n.all[..] {
                [b] if plain => Some(b),
                _ => None,
            }
        };
        let limit = self.nodes.len();
        let target: Vec<u32> = (0..limit as u32)
            .map(|mut id| {
                // A chain longer than the plan is a cycle: left as it is.
                for _ in 0..limit {
                    match only_branch(&self.nodes[id as usize]) {
                        Some(next) => id = next,
                        None => return id,
                    }
                }
                id
            })
            .collect();
        let t = |id: &mut u32| *id = target[*id as usize];
        for n in &mut self.nodes {
            n.properties.iter_mut().for_each(|p| t(&mut p.schema));
            n.items.iter_mut().for_each(t);
            if let Additional::Schema(a) = &mut n.additional {
                t(a);
            }
            n.all.iter_mut().for_each(t);
            n.any.iter_mut().for_each(t);
        }
        t(&mut self.root);
    }

    /// Whether every keyword of the document is within the subset.
    pub fn complete(&self) -> bool {
        self.nodes.iter().all(|n| !n.unsupported)
    }

    /// Whether the object at `node` is certainly valid.
    pub fn accepts(&self, doc: &Document<'_>, node: NodeId) -> bool {
        self.check(self.root, Inst::Tree(doc, node), true)
    }

    /// `prepared`: the node is on the path `prepare` walks (the root,
    /// then properties, additional properties and items), so its absent
    /// members with defaults are filled in; not so for `$ref`, `allOf` and
    /// `anyOf` branches.
    fn check(&self, s: u32, inst: Inst<'_, '_>, prepared: bool) -> bool {
        let n = &self.nodes[s as usize];
        if n.unsupported {
            return false;
        }
        if !n.all.iter().all(|&r| self.check(r, inst, false)) {
            return false;
        }
        if !n.any.is_empty() && !n.any.iter().any(|&r| self.check(r, inst, false)) {
            return false;
        }
        // Custom resources as `prepare` leaves them (the tree only: a JSON
        // default was prepared before it is checked).
        let prepare = self.crd && inst.tree();
        match inst.shape() {
            ARRAY => {
                if n.types != 0 && n.types & ARRAY == 0 || n.enumeration.is_some() {
                    return false;
                }
                if let Some(b) = &n.bounds {
                    let len = inst.len() as u64;
                    if b.min_items.is_some_and(|m| len < m) || b.max_items.is_some_and(|m| len > m)
                    {
                        return false;
                    }
                }
                match n.items {
                    Some(items) => inst.all_items(|i| self.check(items, i, prepared)),
                    None => true,
                }
            }
            OBJECT => {
                if n.types != 0 && n.types & OBJECT == 0 || n.enumeration.is_some() {
                    return false;
                }
                if prepare && n.defaults {
                    // Defaults are filled in only on the prepared path, and
                    // branches beside them would see them: defer then.
                    let branches = !n.all.is_empty() || !n.any.is_empty();
                    let missing_bad = n.properties.iter().any(|p| {
                        p.default.is_some()
                            && (!prepared || branches || p.default == Some(false))
                            && !inst.has(&p.name)
                    });
                    if missing_bad {
                        return false;
                    }
                }
                if let Some(max) = n.bounds.as_ref().and_then(|b| b.max_properties) {
                    if n.defaults || inst.len() as u64 > max {
                        return false;
                    }
                }
                let members = inst.all_members(|key, v| {
                    let sub = match n.property(key) {
                        Some(p) => Some(p.schema),
                        None => match n.additional {
                            Additional::Any => None,
                            Additional::Forbidden => return false,
                            Additional::Schema(a) => Some(a),
                        },
                    };
                    // `prepare` drops a null the member's schema does not
                    // admit (and may default it): defer.
                    let kept = |s: u32| prepared && self.nodes[s as usize].admits_null;
                    if prepare && v.is_null() && !sub.is_some_and(kept) {
                        return false;
                    }
                    sub.is_none_or(|s| self.check(s, v, prepared))
                });
                if !members {
                    return false;
                }
                n.required.iter().all(|r| {
                    inst.has(r)
                        || prepare
                            && prepared
                            && n.all.is_empty()
                            && n.any.is_empty()
                            && n.property(r).is_some_and(|p| p.default == Some(true))
                })
            }
            NULL => match inst.scalar() {
                Some(v) => self.scalar(n, &v),
                None => false,
            },
            _ => false,
        }
    }

    fn scalar(&self, n: &Node, value: &Y<'_>) -> bool {
        let ty = match value {
            Y::Null => NULL,
            Y::Bool(_) => BOOL,
            Y::Int(_) => INTEGER | NUMBER,
            // A non-finite float is null in the JSON copy; a whole float
            // may or may not count as an integer: let the validator say.
            Y::Float(f) if f.is_finite() => NUMBER,
            Y::Float(_) => return false,
            Y::Str(_) => STRING,
        };
        if n.types != 0 && n.types & ty == 0 {
            return false;
        }
        if let Some(b) = &n.bounds {
            let number = match value {
                Y::Int(i) if i.unsigned_abs() < 1 << 53 => Some(*i as f64),
                Y::Int(_) => return false,
                Y::Float(f) => Some(*f),
                _ => None,
            };
            if let Some(x) = number {
                let below = |(m, excl): (f64, bool)| if excl { x <= m } else { x < m };
                let above = |(m, excl): (f64, bool)| if excl { x >= m } else { x > m };
                if b.minimum.is_some_and(below) || b.maximum.is_some_and(above) {
                    return false;
                }
            }
            if let Y::Str(s) = value {
                if b.min_length.is_some() || b.max_length.is_some() {
                    let len = s.chars().count() as u64;
                    if b.min_length.is_some_and(|m| len < m)
                        || b.max_length.is_some_and(|m| len > m)
                    {
                        return false;
                    }
                }
            }
        }
        if let (Some(p), Y::Str(s)) = (&n.pattern, value) {
            if p.is_match(s) != Some(true) {
                return false;
            }
        }
        match &n.enumeration {
            None => true,
            Some(allowed) => allowed.iter().any(|a| match (value, a) {
                (Y::Null, Value::Null) => true,
                (Y::Bool(b), Value::Bool(x)) => b == x,
                (Y::Int(i), Value::Number(x)) => x.as_i64() == Some(*i),
                (Y::Str(s), Value::String(x)) => s == x,
                _ => false,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{load, LoadLimits};
    use serde_json::json;

    /// The plan's verdict, checked against the full validator (for a
    /// custom resource, on the object as `prepare` leaves it): never
    /// "valid" where the validator disagrees.
    fn vouches(schema: &Value, yaml: &str, crd: bool) -> bool {
        let plan = if crd {
            let none = serde_json::Map::new();
            let defs = schema.get("$defs").and_then(Value::as_object);
            Plan::compile_crd(schema, defs.unwrap_or(&none))
        } else {
            Plan::compile(schema)
        };
        let loaded = load(yaml, &LoadLimits::default());
        let doc = &loaded.documents[0];
        let verdict = plan.accepts(doc, doc.root);
        if verdict {
            let v = crate::schema::options().build(schema).unwrap();
            let mut instance = doc.to_json(doc.root);
            if crd {
                crate::schema::crd::prepare(&mut instance, schema);
            }
            assert!(v.is_valid(&instance), "{schema} {yaml}");
        }
        verdict
    }

    fn accepts(schema: &Value, yaml: &str) -> bool {
        vouches(schema, yaml, false)
    }

    fn accepts_crd(schema: &Value, yaml: &str) -> bool {
        vouches(schema, yaml, true)
    }

    #[test]
    fn the_subset() {
        let s = json!({
            "$ref": "#/$defs/T",
            "$defs": {
                "T": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": false,
                    "properties": {
                        "name": {"type": "string"},
                        "size": {"type": "integer"},
                        "ratio": {"type": "number"},
                        "mode": {"type": "string", "enum": ["a", "b"]},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "children": {"type": "array", "items": {"$ref": "#/$defs/T"}},
                        "port": {"type": ["integer", "string"]},
                        "free": {}
                    }
                }
            }
        });
        assert!(accepts(&s, "name: x\n"));
        assert!(accepts(
            &s,
            "name: x\nsize: 3\nratio: 1.5\nmode: b\nlabels: {a: b}\nchildren: [{name: z}]\nport: http\nfree: [1, {a: 2}]\n"
        ));
        assert!(accepts(&s, "name: x\nratio: 2\nport: 80\n"));
        // Each of these is invalid, or needs the full validator to say.
        for bad in [
            "size: 3\n",
            "name: x\ntypo: 1\n",
            "name: 1\n",
            "name: x\nsize: x\n",
            "name: x\nsize: 1.0\n",
            "name: x\nsize: .nan\n",
            "name: x\nmode: c\n",
            "name: x\nlabels: {a: 1}\n",
            "name: x\nchildren: [{size: 1}]\n",
            "name: x\nchildren: [{name: y}]\n",
            "name: x\nchildren: {}\n",
            "name: on\n",
            "a: &a {name: x}\nname: x\n<<: *a\n",
            "[1]\n",
            "name: x\n? [a]\n: 1\n",
        ] {
            assert!(!accepts(&s, bad), "{bad}");
        }
    }

    #[test]
    fn custom_resources_as_prepared() {
        let s = json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["mode", "size"],
            "properties": {
                "mode": {"type": "string", "default": "fast", "enum": ["fast", "slow"]},
                "size": {"type": "integer", "default": 3, "minimum": 1, "exclusiveMaximum": 10},
                "bad": {"type": "string", "default": "x", "pattern": "^[0-9]+$"},
                "note": {"type": ["string", "null"], "maxLength": 3},
                "name": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2},
                "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
                "spec": {
                    "type": "object",
                    "properties": {"replicas": {"type": "integer", "default": 1}},
                    "additionalProperties": false
                },
                "port": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[a-z]+$"}]},
                "level": {"allOf": [{"type": "integer"}, {"maximum": 5}]}
            }
        });
        // Absent `mode` and `size` get valid defaults; `bad`'s default
        // fails its pattern, so an object without `bad` is not vouched for.
        assert!(!accepts_crd(&s, "name: ab\n"));
        assert!(accepts_crd(&s, "bad: '12'\nname: ab\n"));
        assert!(accepts_crd(
            &s,
            "bad: '1'\nmode: slow\nsize: 9\nnote: ~\ntags: [a, b]\nspec: {}\nport: http\nlevel: 5\n"
        ));
        assert!(accepts_crd(&s, "bad: '1'\nport: 8080\n"));
        for bad in [
            "bad: '1'\nsize: 10\n",
            "bad: '1'\nsize: 0\n",
            "bad: '1'\nmode: medium\n",
            "bad: '1'\nnote: long\n",
            "bad: '1'\nname: a\n",
            "bad: '1'\nname: A1\n",
            "bad: '1'\ntags: [a, b, c]\n",
            "bad: '1'\nspec: {replicas: x}\n",
            "bad: '1'\nport: HTTP\n",
            "bad: '1'\nlevel: 6\n",
            // Pruned by `prepare`: the validator decides.
            "bad: '1'\nname: ~\n",
            "bad: '1'\nspec: ~\n",
        ] {
            assert!(!accepts_crd(&s, bad), "{bad}");
        }
        // An object default is prepared (its own defaults filled in) before
        // it is checked.
        let s = json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "default": {},
                    "required": ["replicas"],
                    "properties": {"replicas": {"type": "integer", "default": 1}}
                }
            }
        });
        assert!(accepts_crd(&s, "{}\n"));
        // Required, defaulted, but a branch beside it: not vouched for.
        let s = json!({
            "type": "object",
            "required": ["a"],
            "properties": {"a": {"type": "string", "default": "x"}},
            "allOf": [{"properties": {"a": {"enum": ["z"]}}}]
        });
        assert!(!accepts_crd(&s, "{}\n"));
        assert!(!accepts_crd(&s, "a: x\n"));
        assert!(accepts_crd(&s, "a: z\n"));
    }

    #[test]
    fn keywords_outside_the_subset_defer_to_the_validator() {
        let s =
            json!({"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 2}}});
        assert!(!accepts(&s, "n: 4\n"));
        assert!(accepts(&s, "m: 5\n"));
        let s = json!({"type": "string", "pattern": "^(?=a)"});
        assert!(!accepts(&s, "a\n"));
        let s = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        assert!(!accepts(&s, "a\n"));
        let s = json!({"$ref": "#/$defs/missing", "$defs": {}});
        assert!(!accepts(&s, "a: 1\n"));
    }

    #[test]
    fn every_bundled_kind_compiles_without_unsupported_keywords() {
        let b = crate::schema::bundle::bundle();
        let m = *b.versions.last().unwrap();
        for (av, kind) in b.kinds(m) {
            let plan = Plan::compile(&b.kind_schema(m, &av, &kind).unwrap());
            assert!(
                plan.nodes.iter().all(|n| !n.unsupported),
                "1.{m} {av} {kind}"
            );
        }
    }

    #[test]
    fn references_skip_nodes_that_only_apply_another() {
        // `spec` is a `$ref` with a description inside a one-branch
        // `allOf`, to a definition: three nodes that only apply the next.
        let s = json!({
            "type": "object",
            "properties": {
                "spec": {"allOf": [{"$ref": "#/$defs/Spec", "description": "d"}]}
            },
            "$defs": {
                "Spec": {"type": "object", "properties": {"n": {"type": "integer"}}}
            }
        });
        let plan = Plan::compile(&s);
        let root = &plan.nodes[plan.root as usize];
        let spec = root.property("spec").unwrap().schema;
        assert!(plan.nodes[spec as usize].property("n").is_some());
        assert!(accepts(&s, "spec: {n: 1}\n"));
        assert!(accepts(&s, "spec: {m: 1}\n"));
        assert!(!accepts(&s, "spec: {n: x}\n"));
        // CRD plans keep their branches: they are checked off the path
        // `prepare` walks.
        let defs = s["$defs"].as_object().unwrap();
        let crd = Plan::compile_crd(&s, defs);
        let root = &crd.nodes[crd.root as usize];
        let spec = root.property("spec").unwrap().schema;
        assert!(crd.nodes[spec as usize].property("n").is_none());
        // A definition that only refers to itself is left as it is.
        let s = json!({"$ref": "#/$defs/Loop", "$defs": {"Loop": {"$ref": "#/$defs/Loop"}}});
        let plan = Plan::compile(&s);
        assert_eq!(plan.nodes[plan.root as usize].all.len(), 1);
    }
}
