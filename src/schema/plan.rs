//! A fast acceptance test for the bundled Kubernetes schemas, run on the
//! tree itself.
//!
//! The bundled schemas use eight keywords (`type`, `properties`,
//! `additionalProperties`, `required`, `items`, `enum`, `$ref`, `$defs`).
//! A [`Plan`] compiles that subset into a compact table and answers one
//! question per object: is it certainly valid? Almost every object is, and
//! then no JSON copy of it is made and no `jsonschema` validator is
//! compiled or run. Any doubt — a keyword outside the subset, an alias or
//! merge key, a float where an integer is expected, a value that fails —
//! answers "not certainly", and the caller runs the full validator, which
//! explains the problems. So a plan only ever says "valid" where the full
//! validator would too: its answers decide speed, never findings.

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
/// the validator does not assert either.
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

struct Node {
    /// Allowed JSON types (bits above); 0: any.
    types: u8,
    /// Sorted by name.
    properties: Vec<(Box<str>, u32)>,
    additional: Additional,
    required: Vec<Box<str>>,
    items: Option<u32>,
    enumeration: Option<Vec<Value>>,
    /// `$ref` targets, which apply beside the node's own keywords.
    refs: Vec<u32>,
    /// Uses a keyword outside the subset: never certainly valid.
    unsupported: bool,
}

impl Node {
    fn empty() -> Node {
        Node {
            types: 0,
            properties: Vec::new(),
            additional: Additional::Any,
            required: Vec::new(),
            items: None,
            enumeration: None,
            refs: Vec::new(),
            unsupported: false,
        }
    }
}

/// A compiled schema document (see the module documentation).
pub struct Plan {
    nodes: Vec<Node>,
    root: u32,
}

struct Compiler<'a> {
    defs: Option<&'a serde_json::Map<String, Value>>,
    nodes: Vec<Node>,
    by_def: HashMap<&'a str, u32>,
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
            }
            _ => n.unsupported = true,
        }
        self.nodes[at as usize] = n;
        at
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
                true
            }
            "properties" => {
                let Some(m) = v.as_object() else { return false };
                for (name, s) in m {
                    let id = self.node(s);
                    n.properties.push((name.as_str().into(), id));
                }
                n.properties.sort_by(|a, b| a.0.cmp(&b.0));
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
                    let Some(r) = r.as_str() else { return false };
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
                    n.refs.push(id);
                    true
                }
                None => false,
            },
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
        self.nodes[id as usize].refs.push(body);
        Some(id)
    }
}

impl Plan {
    /// Compile a schema document whose references point into its own
    /// `$defs`.
    pub fn compile(document: &Value) -> Plan {
        let mut c = Compiler {
            defs: document.get("$defs").and_then(Value::as_object),
            nodes: Vec::new(),
            by_def: HashMap::new(),
        };
        let root = c.node(document);
        Plan {
            nodes: c.nodes,
            root,
        }
    }

    /// Whether the object at `node` is certainly valid.
    pub fn accepts(&self, doc: &Document<'_>, node: NodeId) -> bool {
        self.check(self.root, doc, node)
    }

    fn check(&self, s: u32, doc: &Document<'_>, node: NodeId) -> bool {
        let n = &self.nodes[s as usize];
        if n.unsupported {
            return false;
        }
        if !n.refs.iter().all(|&r| self.check(r, doc, node)) {
            return false;
        }
        match &doc.get(node).data {
            NodeData::Alias(_) => false,
            NodeData::Scalar { .. } => self.scalar(n, doc, node),
            NodeData::Seq { .. } => {
                if n.types != 0 && n.types & ARRAY == 0 || n.enumeration.is_some() {
                    return false;
                }
                match n.items {
                    Some(items) => doc.items(node).all(|i| self.check(items, doc, i)),
                    None => true,
                }
            }
            NodeData::Map { .. } => {
                if n.types != 0 && n.types & OBJECT == 0 || n.enumeration.is_some() {
                    return false;
                }
                for (k, v) in doc.entries(node) {
                    // Only plain scalar keys map one-to-one onto JSON
                    // members; `<<` merges another mapping in.
                    let key = match &doc.get(k).data {
                        NodeData::Scalar {
                            value, tag: None, ..
                        } if value != "<<" => value.as_ref(),
                        _ => return false,
                    };
                    let sub = match n.properties.binary_search_by(|(p, _)| (**p).cmp(key)) {
                        Ok(i) => n.properties[i].1,
                        Err(_) => match n.additional {
                            Additional::Any => continue,
                            Additional::Forbidden => return false,
                            Additional::Schema(a) => a,
                        },
                    };
                    if !self.check(sub, doc, v) {
                        return false;
                    }
                }
                n.required.iter().all(|r| doc.entry(node, r).is_some())
            }
        }
    }

    fn scalar(&self, n: &Node, doc: &Document<'_>, node: NodeId) -> bool {
        let Some(value) = doc.value(node) else {
            return false;
        };
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
        match &n.enumeration {
            None => true,
            Some(allowed) => allowed.iter().any(|a| match (&value, a) {
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

    fn accepts(schema: &Value, yaml: &str) -> bool {
        let plan = Plan::compile(schema);
        let loaded = load(yaml, &LoadLimits::default());
        let doc = &loaded.documents[0];
        let root = doc.root;
        let verdict = plan.accepts(doc, root);
        // Never "valid" where the full validator disagrees.
        if verdict {
            let v = crate::schema::options().build(schema).unwrap();
            assert!(v.is_valid(&doc.to_json(root)), "{schema} {yaml}");
        }
        verdict
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
    fn keywords_outside_the_subset_defer_to_the_validator() {
        let s = json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}});
        assert!(!accepts(&s, "n: 5\n"));
        assert!(accepts(&s, "m: 5\n"));
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
}
