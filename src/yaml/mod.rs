//! The span-preserving YAML layer.
//!
//! [`load`] turns one file's text into [`Document`]s: compact trees built
//! from the `saphyr-parser` event stream, where every node (mapping key,
//! value, sequence item) carries the byte [`Span`] it was written at.
//! Scalars keep their decoded text and their [`ScalarStyle`]; typing is done
//! on demand by [`resolve`], the way Kubernetes' YAML-1.1-flavoured decoder
//! does it, so a rule can tell `"on"` from `on`.
//!
//! Aliases are not expanded: an alias node points at its anchored node
//! ([`Document::get`] follows it), and the loader refuses documents whose
//! expansion would exceed a budget, so no later traversal can be blown up.

mod load;

pub use load::{load, LoadError, LoadLimits, Loaded, MAX_RELAX_WORK};

use std::borrow::Cow;

/// Index of a node inside its [`Document`].
pub type NodeId = u32;

/// A half-open byte range `[start, end)` in the file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }
    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn len(self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        matches!(self, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
    }
}

/// What a node is.
#[derive(Clone, Debug)]
pub enum NodeData<'a> {
    /// A scalar: its decoded text, style, and whether it carried an explicit
    /// tag (`!!str`, `!!int`, …; the tag's suffix is kept).
    Scalar {
        value: Cow<'a, str>,
        style: ScalarStyle,
        tag: Option<Box<str>>,
    },
    /// A mapping: `len` key/value pairs stored at `children[first..first + 2*len]`.
    Map { first: u32, len: u32 },
    /// A sequence: `len` items stored at `children[first..first + len]`.
    Seq { first: u32, len: u32 },
    /// An alias (`*name`) of an earlier anchored node.
    Alias(NodeId),
}

#[derive(Clone, Debug)]
pub struct Node<'a> {
    pub data: NodeData<'a>,
    pub span: Span,
}

/// One YAML document of a stream.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    pub(crate) nodes: Vec<Node<'a>>,
    pub(crate) children: Vec<NodeId>,
    pub root: NodeId,
    /// Span of the whole document's content.
    pub span: Span,
    /// Whether the document holds an alias (`*name`) anywhere.
    pub(crate) has_aliases: bool,
    /// Whether some mapping may write a key twice (set by the loader when
    /// two scalar keys of one mapping read the same, or a key is an alias;
    /// `duplicate-key` looks closer only then).
    pub(crate) repeated_keys: bool,
    /// Whether some scalar starts with `$` (strategic-merge patch
    /// directives such as `$patch` are keys that do).
    pub(crate) dollar_scalars: bool,
    /// How the document is laid out, for fix edits (indentation, sequence
    /// indentation, preferred quote), found once per document: every fix
    /// of every object of a long `List` asks for it.
    pub(crate) edit_style: std::sync::OnceLock<(usize, usize, char)>,
}

/// The kind of a node after following aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Map,
    Seq,
}

impl<'a> Document<'a> {
    /// The node with this id, with aliases followed to their anchor.
    #[inline]
    pub fn get(&self, id: NodeId) -> &Node<'a> {
        let n = &self.nodes[id as usize];
        match n.data {
            NodeData::Alias(target) => &self.nodes[target as usize],
            _ => n,
        }
    }

    /// The span where this node is written (for an alias, the `*name` itself).
    #[inline]
    pub fn span(&self, id: NodeId) -> Span {
        self.nodes[id as usize].span
    }

    /// The node exactly as written in `text` (the text it was loaded from):
    /// quotes, escapes and block indicators included.
    pub fn raw<'t>(&self, text: &'t str, id: NodeId) -> &'t str {
        let s = self.span(id);
        text.get(s.start as usize..s.end as usize).unwrap_or("")
    }

    pub fn kind(&self, id: NodeId) -> Kind {
        match self.get(id).data {
            NodeData::Scalar { .. } | NodeData::Alias(_) => Kind::Scalar,
            NodeData::Map { .. } => Kind::Map,
            NodeData::Seq { .. } => Kind::Seq,
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        self.kind(id) == Kind::Map
    }

    pub fn is_seq(&self, id: NodeId) -> bool {
        self.kind(id) == Kind::Seq
    }

    /// The scalar's text and style, or `None` for a collection.
    #[inline]
    pub fn scalar(&self, id: NodeId) -> Option<(&str, ScalarStyle)> {
        match &self.get(id).data {
            NodeData::Scalar { value, style, .. } => Some((value, *style)),
            _ => None,
        }
    }

    /// The scalar's explicit tag suffix (`str` for `!!str`), if any.
    pub fn tag(&self, id: NodeId) -> Option<&str> {
        match &self.get(id).data {
            NodeData::Scalar { tag, .. } => tag.as_deref(),
            _ => None,
        }
    }

    /// The scalar's text whatever its type (`8080`, `true` and `"x"` all give text).
    #[inline]
    pub fn text(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|(s, _)| s)
    }

    /// The scalar as Kubernetes' decoder types it.
    pub fn value(&self, id: NodeId) -> Option<Value<'_>> {
        match &self.get(id).data {
            NodeData::Scalar { value, style, tag } => Some(resolve(value, *style, tag.as_deref())),
            _ => None,
        }
    }

    /// The value as a string, only if Kubernetes would decode it as one.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        match self.value(id)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a boolean, only if Kubernetes would decode it as one.
    pub fn bool(&self, id: NodeId) -> Option<bool> {
        match self.value(id)? {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value as an integer, only if Kubernetes would decode it as one.
    pub fn int(&self, id: NodeId) -> Option<i64> {
        match self.value(id)? {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }

    /// True for an explicit or implicit null (`~`, `null`, empty value).
    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(self.value(id), Some(Value::Null))
    }

    /// Key/value pairs of a mapping (empty for anything else). Merge keys
    /// (`<<`) are returned as written; [`Document::get_key`] honours them.
    pub fn entries(&self, id: NodeId) -> impl ExactSizeIterator<Item = (NodeId, NodeId)> + '_ {
        let (first, len) = match self.get(id).data {
            NodeData::Map { first, len } => (first as usize, len as usize),
            _ => (0, 0),
        };
        self.children[first..first + 2 * len]
            .chunks_exact(2)
            .map(|c| (c[0], c[1]))
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self, id: NodeId) -> impl ExactSizeIterator<Item = NodeId> + '_ {
        let (first, len) = match self.get(id).data {
            NodeData::Seq { first, len } => (first as usize, len as usize),
            _ => (0, 0),
        };
        self.children[first..first + len].iter().copied()
    }

    /// The key and value nodes of `key` in a mapping; the last one wins on
    /// duplicates (as Kubernetes' decoder does), and `<<` merges are
    /// consulted when the key is not written directly.
    pub fn entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let (first, len) = match self.get(map).data {
            NodeData::Map { first, len } => (first as usize, len as usize),
            _ => return None,
        };
        // From the end: the last occurrence wins, and most lookups stop
        // early. Merges are consulted only when the key is not written.
        let mut has_merge = false;
        for pair in self.children[first..first + 2 * len].chunks_exact(2).rev() {
            if let NodeData::Scalar { value, style, .. } = &self.get(pair[0]).data {
                if value.len() == key.len() && value.as_ref() == key {
                    return Some((pair[0], pair[1]));
                }
                has_merge |= *style == ScalarStyle::Plain && value.as_ref() == "<<";
            }
        }
        if !has_merge {
            return None;
        }
        for (k, v) in self.entries(map) {
            if self.scalar(k) == Some(("<<", ScalarStyle::Plain)) {
                let sources: Vec<NodeId> = if self.is_seq(v) {
                    self.items(v).collect()
                } else {
                    vec![v]
                };
                for src in sources {
                    // Merge sources are aliases of earlier maps; their own
                    // merges are followed without further recursion.
                    for (k2, v2) in self.entries(src) {
                        if self.text(k2) == Some(key) {
                            return Some((k2, v2));
                        }
                    }
                }
            }
        }
        None
    }

    /// The value node of `key` in a mapping.
    #[inline]
    pub fn get_key(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entry(map, key).map(|(_, v)| v)
    }

    /// Follow a path of mapping keys.
    pub fn path(&self, mut node: NodeId, keys: &[&str]) -> Option<NodeId> {
        for k in keys {
            node = self.get_key(node, k)?;
        }
        Some(node)
    }

    /// The value of `key` if it is a mapping.
    pub fn get_map(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_key(map, key).filter(|&v| self.is_map(v))
    }

    /// The value of `key` if it is a sequence.
    pub fn get_seq(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_key(map, key).filter(|&v| self.is_seq(v))
    }

    /// The string value of `key`.
    pub fn get_str(&self, map: NodeId, key: &str) -> Option<&str> {
        self.get_key(map, key).and_then(|v| self.str(v))
    }

    /// The span of `key: value` (key start to value end).
    pub fn entry_span(&self, key: NodeId, value: NodeId) -> Span {
        self.span(key).join(self.span(value))
    }

    /// One past the last node id of the subtree rooted at `id` (ids are
    /// assigned in pre-order, so a subtree is the id range `id..end`).
    pub fn subtree_end(&self, id: NodeId) -> NodeId {
        let mut cur = id;
        loop {
            match self.nodes[cur as usize].data {
                NodeData::Map { first, len } if len > 0 => {
                    cur = self.children[(first + 2 * len - 1) as usize]
                }
                NodeData::Seq { first, len } if len > 0 => {
                    cur = self.children[(first + len - 1) as usize]
                }
                _ => return cur + 1,
            }
        }
    }

    /// The mappings written inside the subtree of `id` (aliases not followed).
    pub fn maps_in(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        (id..self.subtree_end(id))
            .filter(|&i| matches!(self.nodes[i as usize].data, NodeData::Map { .. }))
    }

    /// Whether an alias (`*name`) occurs anywhere in the document: then
    /// an edit of one node may change what other nodes mean.
    pub fn has_aliases(&self) -> bool {
        self.has_aliases
    }

    /// False when no mapping of the document writes a key twice; true
    /// when one may (the caller compares the keys to be sure).
    pub fn may_repeat_keys(&self) -> bool {
        self.repeated_keys
    }

    /// False when no scalar of the document (key or value) starts with `$`.
    pub fn has_dollar_scalars(&self) -> bool {
        self.dollar_scalars
    }

    /// Number of nodes (aliases counted once).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The subtree as JSON, typed as Kubernetes' decoder types it (keys
    /// become their text; `<<` merges are applied). Aliases are followed:
    /// the loader's expansion budget bounds the result.
    pub fn to_json(&self, id: NodeId) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.get(id).data {
            NodeData::Scalar { .. } | NodeData::Alias(_) => match self.value(id) {
                Some(Value::Null) | None => J::Null,
                Some(Value::Bool(b)) => J::Bool(b),
                Some(Value::Int(i)) => J::from(i),
                Some(Value::Float(f)) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
                Some(Value::Str(s)) => J::String(s.to_string()),
            },
            NodeData::Seq { .. } => J::Array(self.items(id).map(|i| self.to_json(i)).collect()),
            NodeData::Map { .. } => {
                let mut m = serde_json::Map::new();
                for (k, v) in self.entries(id) {
                    let key = self.text(k).unwrap_or_default();
                    if key == "<<"
                        && self
                            .scalar(k)
                            .is_some_and(|(_, st)| st == ScalarStyle::Plain)
                    {
                        let sources: Vec<NodeId> = if self.is_seq(v) {
                            self.items(v).collect()
                        } else {
                            vec![v]
                        };
                        for src in sources {
                            if let J::Object(merged) = self.to_json(src) {
                                for (mk, mv) in merged {
                                    m.entry(mk).or_insert(mv);
                                }
                            }
                        }
                    } else {
                        m.insert(key.to_string(), self.to_json(v));
                    }
                }
                J::Object(m)
            }
        }
    }

    /// The node at a JSON pointer (`/spec/containers/0/image`), as far as
    /// it exists: returns the deepest node reached and whether it was
    /// reached completely.
    pub fn at_pointer(&self, root: NodeId, pointer: &str) -> (NodeId, bool) {
        let mut node = root;
        for raw in pointer.split('/').skip(1) {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            let next = if self.is_seq(node) {
                seg.parse::<usize>()
                    .ok()
                    .and_then(|i| self.items(node).nth(i))
            } else {
                self.get_key(node, &seg)
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// The path of keys and indices from the root to the deepest node
    /// whose span contains `target`'s start, e.g.
    /// `spec.template.spec.containers[0].image`. Stable when lines are
    /// inserted above, so reports use it to fingerprint findings.
    pub fn node_path(&self, target: Span) -> String {
        let mut path = String::new();
        let mut node = self.root;
        let at = target.start;
        let inside = |s: Span| s.start <= at && (at < s.end || (s.is_empty() && at == s.start));
        'descend: loop {
            let (first, len, map) = match self.get(node).data {
                NodeData::Map { first, len } => (first as usize, len as usize, true),
                NodeData::Seq { first, len } => (first as usize, len as usize, false),
                _ => break,
            };
            let width = if map { 2 } else { 1 };
            let kids = &self.children[first..first + width * len];
            // Children are in document order: start from the last one that
            // begins at or before the target (long `List`s stay cheap), and
            // fall back to a scan for the rare empty spans.
            let start_of = |i: usize| self.span(kids[i * width]).start;
            let (mut lo, mut hi) = (0, len);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if start_of(mid) <= at {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let guess = lo;
            let order = guess
                .checked_sub(1)
                .into_iter()
                .chain((0..len).filter(move |&i| Some(i) != guess.checked_sub(1)));
            for i in order {
                if map {
                    let (k, v) = (kids[2 * i], kids[2 * i + 1]);
                    let (ks, vs) = (self.span(k), self.span(v));
                    if inside(ks) || inside(vs) {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(self.text(k).unwrap_or("?"));
                        if inside(vs) && !matches!(self.nodes[v as usize].data, NodeData::Alias(_))
                        {
                            node = v;
                            continue 'descend;
                        }
                        break 'descend;
                    }
                } else {
                    let item = kids[i];
                    if inside(self.span(item)) {
                        path.push_str(&format!("[{i}]"));
                        if matches!(self.nodes[item as usize].data, NodeData::Alias(_)) {
                            break 'descend;
                        }
                        node = item;
                        continue 'descend;
                    }
                }
            }
            break;
        }
        path
    }

    /// Drop borrowed text so the document outlives its source string.
    pub fn into_owned(self) -> Document<'static> {
        Document {
            nodes: self
                .nodes
                .into_iter()
                .map(|n| Node {
                    span: n.span,
                    data: match n.data {
                        NodeData::Scalar { value, style, tag } => NodeData::Scalar {
                            value: Cow::Owned(value.into_owned()),
                            style,
                            tag,
                        },
                        NodeData::Map { first, len } => NodeData::Map { first, len },
                        NodeData::Seq { first, len } => NodeData::Seq { first, len },
                        NodeData::Alias(t) => NodeData::Alias(t),
                    },
                })
                .collect(),
            children: self.children,
            root: self.root,
            span: self.span,
            has_aliases: self.has_aliases,
            repeated_keys: self.repeated_keys,
            dollar_scalars: self.dollar_scalars,
            edit_style: self.edit_style,
        }
    }
}

/// A scalar typed the way Kubernetes' decoder types it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'s> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'s str),
}

impl Value<'_> {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
        }
    }
}

/// Plain scalars that Kubernetes' YAML 1.1 decoder reads as booleans.
pub fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            Some(false)
        }
        _ => None,
    }
}

/// Type a scalar as Kubernetes does (YAML 1.1 core resolution of plain
/// scalars; quoted and block scalars are strings; explicit tags win).
pub fn resolve<'s>(s: &'s str, style: ScalarStyle, tag: Option<&str>) -> Value<'s> {
    if let Some(t) = tag {
        return match t {
            "str" | "binary" | "timestamp" => Value::Str(s),
            "null" => Value::Null,
            "bool" => yaml11_bool(s).map(Value::Bool).unwrap_or(Value::Str(s)),
            "int" => parse_int(s).map(Value::Int).unwrap_or(Value::Str(s)),
            "float" => parse_int(s)
                .map(|i| Value::Float(i as f64))
                .or_else(|| parse_float(s).map(Value::Float))
                .unwrap_or(Value::Str(s)),
            _ => resolve(s, style, None),
        };
    }
    if style != ScalarStyle::Plain {
        return Value::Str(s);
    }
    let Some(first) = s.as_bytes().first() else {
        return Value::Null;
    };
    // Fast path: most plain scalars in manifests start with a letter that
    // cannot begin a null, bool or number.
    if first.is_ascii_alphabetic()
        && !matches!(
            first,
            b'y' | b'Y' | b'n' | b'N' | b'o' | b'O' | b't' | b'T' | b'f' | b'F'
        )
    {
        return Value::Str(s);
    }
    match s {
        "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = yaml11_bool(s) {
        return Value::Bool(b);
    }
    if matches!(first, b'0'..=b'9' | b'-' | b'+' | b'.') {
        if let Some(i) = parse_int(s) {
            return Value::Int(i);
        }
        if let Some(f) = parse_float(s) {
            return Value::Float(f);
        }
    }
    Value::Str(s)
}

/// YAML 1.1 integers as go-yaml reads them: optional sign, `_` separators,
/// `0x` hex, `0o`/leading-`0` octal, `0b` binary.
fn parse_int(s: &str) -> Option<i64> {
    let cleaned: Cow<str> = if s.contains('_') {
        Cow::Owned(s.replace('_', ""))
    } else {
        Cow::Borrowed(s)
    };
    let (neg, body) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, o)
        } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, b)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.bytes().all(|c| (c as char).is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

/// YAML 1.1 floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, and `.inf`/`.nan`.
fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - fs;
        if int_digits == 0 && frac_digits == 0 {
            return None;
        }
    } else if int_digits == 0 {
        return None;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Value<'_> {
        resolve(s, ScalarStyle::Plain, None)
    }

    #[test]
    fn resolves_like_kubernetes() {
        assert_eq!(plain("yes"), Value::Bool(true));
        assert_eq!(plain("Off"), Value::Bool(false));
        assert_eq!(plain("y"), Value::Bool(true));
        assert_eq!(plain("true"), Value::Bool(true));
        assert_eq!(plain("~"), Value::Null);
        assert_eq!(plain(""), Value::Null);
        assert_eq!(plain("8080"), Value::Int(8080));
        assert_eq!(plain("0x1F"), Value::Int(31));
        assert_eq!(plain("0644"), Value::Int(420));
        assert_eq!(plain("0o644"), Value::Int(420));
        assert_eq!(plain("1_000"), Value::Int(1000));
        assert_eq!(plain("-3"), Value::Int(-3));
        assert_eq!(plain("0.5"), Value::Float(0.5));
        assert_eq!(plain(".5"), Value::Float(0.5));
        assert_eq!(plain("1e3"), Value::Float(1000.0));
        assert_eq!(plain("1.2.3"), Value::Str("1.2.3"));
        assert_eq!(plain("500m"), Value::Str("500m"));
        assert_eq!(plain("nginx"), Value::Str("nginx"));
        assert_eq!(plain("-"), Value::Str("-"));
        assert_eq!(plain("."), Value::Str("."));
        assert_eq!(plain("offset"), Value::Str("offset"));
        assert_eq!(
            resolve("yes", ScalarStyle::DoubleQuoted, None),
            Value::Str("yes")
        );
        assert_eq!(
            resolve("yes", ScalarStyle::Plain, Some("str")),
            Value::Str("yes")
        );
        assert_eq!(resolve("5", ScalarStyle::Literal, None), Value::Str("5"));
    }
}
