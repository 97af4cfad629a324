//! A small YAML writer (block style) for printing imported rules. Mapping
//! keys keep their order. Strings stay plain only when they read back as
//! the same string under Kubernetes' YAML 1.1 typing; anything else is
//! written as a JSON string, which YAML reads as a double-quoted scalar.

use crate::yaml::{resolve, Document, NodeId, ScalarStyle, Value as Y};

/// An ordered YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Null,
    Bool(bool),
    /// A number, as written.
    Number(String),
    Str(String),
    Seq(Vec<Out>),
    Map(Vec<(String, Out)>),
}

impl Out {
    pub fn str(s: impl Into<String>) -> Out {
        Out::Str(s.into())
    }

    /// A loaded subtree, typed as Kubernetes' decoder types it (aliases
    /// followed, `<<` merges applied).
    pub fn from_node(doc: &Document<'_>, node: NodeId) -> Out {
        if doc.is_map(node) {
            let mut entries: Vec<(String, Out)> = Vec::new();
            for (k, v) in doc.entries(node) {
                let key = doc.text(k).unwrap_or_default();
                if key == "<<" && doc.scalar(k).is_some_and(|(_, s)| s == ScalarStyle::Plain) {
                    let sources: Vec<NodeId> = if doc.is_seq(v) {
                        doc.items(v).collect()
                    } else {
                        vec![v]
                    };
                    for src in sources {
                        if let Out::Map(m) = Out::from_node(doc, src) {
                            for (mk, mv) in m {
                                if !entries.iter().any(|(k, _)| *k == mk) {
                                    entries.push((mk, mv));
                                }
                            }
                        }
                    }
                } else if let Some(e) = entries.iter_mut().find(|(k, _)| k == key) {
                    e.1 = Out::from_node(doc, v);
                } else {
                    entries.push((key.to_string(), Out::from_node(doc, v)));
                }
            }
            Out::Map(entries)
        } else if doc.is_seq(node) {
            Out::Seq(doc.items(node).map(|i| Out::from_node(doc, i)).collect())
        } else {
            match doc.value(node) {
                Some(Y::Null) | None => Out::Null,
                Some(Y::Bool(b)) => Out::Bool(b),
                Some(Y::Int(i)) => Out::Number(i.to_string()),
                Some(Y::Float(f)) => Out::Number(f.to_string()),
                Some(Y::Str(s)) => Out::Str(s.to_string()),
            }
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Out> {
        match self {
            Out::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Remove `key` from a mapping, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Out> {
        match self {
            Out::Map(m) => m.iter().position(|(k, _)| k == key).map(|i| m.remove(i).1),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Out::Str(s) => Some(s),
            _ => None,
        }
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_whitespace()
        || s.ends_with(char::is_whitespace)
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(char::is_control)
        || s == "<<"
    {
        return false;
    }
    matches!(resolve(s, ScalarStyle::Plain, None), Y::Str(_))
}

fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialize")
    }
}

fn inline(v: &Out) -> Option<String> {
    Some(match v {
        Out::Null => "null".to_string(),
        Out::Bool(b) => b.to_string(),
        Out::Number(n) => n.clone(),
        Out::Str(s) => scalar(s),
        Out::Seq(a) if a.is_empty() => "[]".to_string(),
        Out::Map(m) if m.is_empty() => "{}".to_string(),
        _ => return None,
    })
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Write `v` as a block at `indent`; the first line goes without
/// indentation when `inline_first` (right after `- `).
fn block(v: &Out, indent: usize, inline_first: bool, out: &mut String) {
    match v {
        Out::Map(m) => {
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 || !inline_first {
                    pad(out, indent);
                }
                out.push_str(&scalar(k));
                out.push(':');
                match inline(val) {
                    Some(s) => {
                        out.push(' ');
                        out.push_str(&s);
                        out.push('\n');
                    }
                    None => {
                        out.push('\n');
                        block(val, indent + 2, false, out);
                    }
                }
            }
        }
        Out::Seq(a) => {
            for (i, item) in a.iter().enumerate() {
                if i > 0 || !inline_first {
                    pad(out, indent);
                }
                out.push_str("- ");
                match inline(item) {
                    Some(s) => {
                        out.push_str(&s);
                        out.push('\n');
                    }
                    None => block(item, indent + 2, true, out),
                }
            }
        }
        other => {
            if !inline_first {
                pad(out, indent);
            }
            out.push_str(&inline(other).unwrap_or_default());
            out.push('\n');
        }
    }
}

/// `v` as a YAML document body.
pub fn to_yaml(v: &Out) -> String {
    let mut out = String::new();
    match inline(v) {
        Some(s) => {
            out.push_str(&s);
            out.push('\n');
        }
        None => block(v, 0, false, &mut out),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{load, LoadLimits};

    #[test]
    fn round_trips_through_the_loader() {
        let source = r#"
- id: a
  "on": "yes"
  n: "0755"
  colon: "a: b"
  text: plain text, fine
  list: [x, 1, true, null, {k: v, deep: [[]]}]
  empty: {}
  $schema: http://json-schema.org/draft/2019-09/schema
  multi: "one\ntwo"
  app.kubernetes.io/name: "-dash"
  zeta: 1.5
"#;
        let loaded = load(source, &LoadLimits::default());
        let doc = &loaded.documents[0];
        let v = Out::from_node(doc, doc.root);
        let text = to_yaml(&v);
        let again = load(&text, &LoadLimits::default());
        assert!(again.error.is_none(), "{text}");
        let d2 = &again.documents[0];
        assert_eq!(Out::from_node(d2, d2.root), v, "{text}");
        assert_eq!(d2.to_json(d2.root), doc.to_json(doc.root));
        assert!(text.starts_with("- id: a\n  \"on\": \"yes\"\n"), "{text}");
    }
}
