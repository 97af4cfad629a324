//! From text to [`Document`]s: saphyr-parser events folded into a compact
//! arena tree, with byte spans, bounded depth and a bounded alias expansion.

use super::{Document, Node, NodeData, NodeId, ScalarStyle, Span};
use crate::source::line_start;
use saphyr_parser::{Event, Parser, ScanError};
use std::borrow::Cow;

/// Limits that keep hostile input cheap.
#[derive(Clone, Copy, Debug)]
pub struct LoadLimits {
    /// Deepest nesting of collections accepted.
    pub max_depth: usize,
    /// A document may expand (aliases followed) to at most
    /// `max(alias_min_budget, alias_factor * nodes)` nodes.
    pub alias_factor: u64,
    pub alias_min_budget: u64,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_depth: 512,
            alias_factor: 20,
            alias_min_budget: 50_000,
        }
    }
}

/// Why a stream stopped loading, and where (byte offset into the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
    pub offset: u32,
}

/// The documents of one stream. When `error` is set, the documents are
/// those complete before the error.
#[derive(Debug)]
pub struct Loaded<'a> {
    pub documents: Vec<Document<'a>>,
    pub error: Option<LoadError>,
    /// Bytes handed to the parser, over the first read and every relaxed
    /// re-read together: at most the text's length plus
    /// [`MAX_RELAX_WORK`] and the indentation added, whatever the input.
    pub parsed_bytes: usize,
}

/// Load a YAML (or JSON) stream.
///
/// Kubernetes decodes YAML with a port of libyaml, which accepts flow
/// collections and multi-line quoted scalars whose continuation lines sit at
/// or left of the parent's indentation (`args: [` … `]` closing at the key's
/// column). saphyr-parser rejects those; since flow content and the leading
/// white space of quoted continuation lines carry no meaning, such a stream
/// is re-read with those lines indented, and every span mapped back to the
/// original text.
pub fn load<'a>(text: &'a str, limits: &LoadLimits) -> Loaded<'a> {
    let first = parse(text, limits);
    match &first.error {
        Some(e) if e.indentation.is_some() => {}
        _ => return first.into_loaded(text.len()),
    }
    let mut parsed_bytes = text.len();
    match relaxed_indentation(text, limits, &mut parsed_bytes) {
        Some(docs) => Loaded {
            documents: docs,
            error: None,
            parsed_bytes,
        },
        None => first.into_loaded(parsed_bytes),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IndentError {
    /// A token in a flow collection left of the required column.
    Flow,
    /// A continuation line of a quoted scalar left of the required column.
    Quoted,
}

struct RawError {
    message: String,
    /// Byte offset in the parsed text.
    offset: u32,
    indentation: Option<IndentError>,
}

struct RawLoaded<'a> {
    documents: Vec<Document<'a>>,
    error: Option<RawError>,
}

impl<'a> RawLoaded<'a> {
    fn into_loaded(self, parsed_bytes: usize) -> Loaded<'a> {
        Loaded {
            parsed_bytes,
            documents: self.documents,
            error: self.error.map(|e| LoadError {
                message: e.message,
                offset: e.offset,
            }),
        }
    }
}

/// Converts the scanner's character indices to byte offsets.
struct CharToByte {
    /// (char index after a multi-byte char, byte offset after it).
    checkpoints: Vec<(u32, u32)>,
    /// The scanner may report a mark one past the end; offsets are clamped.
    len: u32,
}

impl CharToByte {
    fn new(text: &str) -> CharToByte {
        let mut checkpoints = Vec::new();
        if !text.is_ascii() {
            for (ci, (bi, ch)) in text.char_indices().enumerate() {
                if ch.len_utf8() > 1 {
                    checkpoints.push(((ci + 1) as u32, (bi + ch.len_utf8()) as u32));
                }
            }
        }
        CharToByte {
            checkpoints,
            len: text.len() as u32,
        }
    }

    #[inline]
    fn byte(&self, char_index: usize) -> u32 {
        let c = char_index.min(u32::MAX as usize) as u32;
        let i = self.checkpoints.partition_point(|&(ci, _)| ci <= c);
        let b = if i == 0 {
            c
        } else {
            let (ci, bi) = self.checkpoints[i - 1];
            bi.saturating_add(c - ci)
        };
        b.min(self.len)
    }
}

struct Frame {
    node: NodeId,
    is_map: bool,
    flow: bool,
    scratch_start: usize,
    anchor: usize,
    weight: u64,
}

struct Builder<'a, 'l> {
    limits: &'l LoadLimits,
    nodes: Vec<Node<'a>>,
    children: Vec<NodeId>,
    scratch: Vec<NodeId>,
    stack: Vec<Frame>,
    /// anchor id → (node, expanded weight)
    anchors: Vec<(usize, NodeId, u64)>,
    root_weight: u64,
    has_aliases: bool,
    repeated_keys: bool,
    dollar_scalars: bool,
}

impl<'a> Builder<'a, '_> {
    fn reset(&mut self) {
        self.nodes = Vec::new();
        self.children = Vec::new();
        self.scratch.clear();
        self.stack.clear();
        self.anchors.clear();
        self.root_weight = 0;
        self.has_aliases = false;
        self.repeated_keys = false;
        self.dollar_scalars = false;
    }

    fn budget(&self) -> u64 {
        self.limits
            .alias_min_budget
            .max(self.limits.alias_factor * self.nodes.len() as u64)
    }

    /// Attach a finished node to its parent (or make it the root).
    fn attach(&mut self, id: NodeId, weight: u64) -> Result<(), String> {
        if let Some(top) = self.stack.last_mut() {
            self.scratch.push(id);
            top.weight = top.weight.saturating_add(weight);
            if top.weight > self.limits.alias_min_budget && top.weight > self.budget() {
                return Err(alias_budget_message(self.budget()));
            }
        } else {
            self.root_weight = weight;
        }
        Ok(())
    }

    fn register_anchor(&mut self, anchor: usize, id: NodeId, weight: u64) {
        if anchor != 0 {
            self.anchors.push((anchor, id, weight));
        }
    }

    fn finish(&mut self) -> Option<Document<'a>> {
        // An empty document (`---` followed by nothing) holds one empty
        // plain scalar: there is nothing to lint.
        let empty = match self.nodes.as_slice() {
            [] => true,
            [Node {
                data:
                    NodeData::Scalar {
                        value,
                        style,
                        tag: None,
                    },
                ..
            }] => value.is_empty() && *style == ScalarStyle::Plain,
            _ => false,
        };
        if empty {
            return None;
        }
        let root_span = self.nodes[0].span;
        Some(Document {
            nodes: std::mem::take(&mut self.nodes),
            children: std::mem::take(&mut self.children),
            root: 0,
            span: root_span,
            has_aliases: self.has_aliases,
            repeated_keys: self.repeated_keys,
            dollar_scalars: self.dollar_scalars,
            edit_style: Default::default(),
        })
    }
}

/// Whether two keys of a mapping (its children, keys and values
/// alternating) may be the same: two scalar keys that read the same, or a
/// key that is an alias (its anchor is compared only by whoever looks
/// closer).
fn may_repeat_key(nodes: &[Node<'_>], kids: &[NodeId]) -> bool {
    let keys = || kids.iter().step_by(2).map(|&k| &nodes[k as usize].data);
    if keys().any(|d| matches!(d, NodeData::Alias(_))) {
        return true;
    }
    let texts = || {
        keys().filter_map(|d| match d {
            NodeData::Scalar { value, .. } => Some(value.as_ref()),
            _ => None,
        })
    };
    // Most mappings are small: comparing every pair beats hashing.
    if kids.len() <= 32 {
        return texts()
            .enumerate()
            .any(|(i, a)| texts().skip(i + 1).any(|b| b == a));
    }
    let mut seen = foldhash::HashSet::default();
    seen.reserve(kids.len() / 2);
    texts().any(|k| !seen.insert(k))
}

fn alias_budget_message(budget: u64) -> String {
    format!("aliases expand this document beyond {budget} nodes (an alias bomb?); the document was not loaded")
}

fn style_of(s: saphyr_parser::ScalarStyle) -> ScalarStyle {
    match s {
        saphyr_parser::ScalarStyle::Plain => ScalarStyle::Plain,
        saphyr_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        saphyr_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        saphyr_parser::ScalarStyle::Literal => ScalarStyle::Literal,
        saphyr_parser::ScalarStyle::Folded => ScalarStyle::Folded,
    }
}

/// A scalar the parser copied out but that reads exactly as written (a
/// plain scalar on one line, a quoted one without escapes) points into
/// the source instead: the copy is freed at once, so a tree holds few
/// strings of its own and rules read keys from the contiguous source.
fn borrow_source<'a>(
    value: Cow<'a, str>,
    style: ScalarStyle,
    text: &'a str,
    start: u32,
    end: u32,
) -> Cow<'a, str> {
    let Cow::Owned(owned) = value else {
        return value;
    };
    let (a, z) = (start as usize, end as usize);
    let written = match style {
        ScalarStyle::Plain => text.get(a..z),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if z >= a + 2 => {
            text.get(a + 1..z - 1)
        }
        _ => None,
    };
    match written {
        Some(w) if w == owned => Cow::Borrowed(w),
        _ => Cow::Owned(owned),
    }
}

fn scan_error(e: &ScanError, conv: &CharToByte) -> RawError {
    let info = e.info();
    let indentation = match info {
        "invalid indentation" | "invalid indentation in flow construct" => Some(IndentError::Flow),
        "invalid indentation in quoted scalar" => Some(IndentError::Quoted),
        _ => None,
    };
    let message = match info {
        "recursion limit exceeded" => "flow collections nested deeper than 255 levels".to_string(),
        "invalid indentation in quoted scalar" => {
            "a quoted string starting here is not closed, or its continuation lines are not indented".to_string()
        }
        _ => info.to_string(),
    };
    RawError {
        message,
        offset: conv.byte(e.marker().index()),
        indentation,
    }
}

fn parse<'a>(text: &'a str, limits: &LoadLimits) -> RawLoaded<'a> {
    let conv = CharToByte::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        limits,
        nodes: Vec::new(),
        children: Vec::new(),
        scratch: Vec::new(),
        stack: Vec::new(),
        anchors: Vec::new(),
        root_weight: 0,
        has_aliases: false,
        repeated_keys: false,
        dollar_scalars: false,
    };
    let mut documents = Vec::new();
    let fail = |documents, message: String, offset: u32| RawLoaded {
        documents,
        error: Some(RawError {
            message,
            offset,
            indentation: None,
        }),
    };
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                return RawLoaded {
                    documents,
                    error: Some(scan_error(&e, &conv)),
                }
            }
        };
        let start = conv.byte(span.start.index());
        let end = conv.byte(span.end.index());
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => b.reset(),
            Event::DocumentEnd => {
                if let Some(doc) = b.finish() {
                    documents.push(doc);
                }
                b.reset();
            }
            Event::Scalar(value, style, anchor, tag) => {
                let id = b.nodes.len() as NodeId;
                let tag = tag.map(|t| {
                    let t: &saphyr_parser::Tag = &t;
                    if t.handle == "!!" || t.handle == "tag:yaml.org,2002:" {
                        t.suffix.clone().into_boxed_str()
                    } else {
                        format!("{}{}", t.handle, t.suffix).into_boxed_str()
                    }
                });
                let style = style_of(style);
                b.dollar_scalars |= value.starts_with('$');
                b.nodes.push(Node {
                    data: NodeData::Scalar {
                        value: borrow_source(value, style, text, start, end),
                        style,
                        tag,
                    },
                    span: Span::new(start, end),
                });
                b.register_anchor(anchor, id, 1);
                if let Err(m) = b.attach(id, 1) {
                    return fail(documents, m, start);
                }
            }
            Event::Alias(anchor) => {
                let Some(&(_, target, weight)) = b.anchors.iter().rev().find(|a| a.0 == anchor)
                else {
                    return fail(
                        documents,
                        "alias refers to an anchor that is not defined before it, or to a node that contains the alias".to_string(),
                        start,
                    );
                };
                let id = b.nodes.len() as NodeId;
                b.has_aliases = true;
                b.nodes.push(Node {
                    data: NodeData::Alias(target),
                    span: Span::new(start, end),
                });
                if let Err(m) = b.attach(id, weight) {
                    return fail(documents, m, start);
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if b.stack.len() >= limits.max_depth {
                    return fail(
                        documents,
                        format!(
                            "nesting deeper than {} levels; the document was not loaded",
                            limits.max_depth
                        ),
                        start,
                    );
                }
                let is_map = matches!(event, Event::MappingStart(..));
                let id = b.nodes.len() as NodeId;
                let flow = matches!(text.as_bytes().get(start as usize), Some(b'[' | b'{'));
                b.nodes.push(Node {
                    data: if is_map {
                        NodeData::Map { first: 0, len: 0 }
                    } else {
                        NodeData::Seq { first: 0, len: 0 }
                    },
                    span: Span::new(start, end),
                });
                b.stack.push(Frame {
                    node: id,
                    is_map,
                    flow,
                    scratch_start: b.scratch.len(),
                    anchor,
                    weight: 1,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = b.stack.pop() else {
                    continue;
                };
                let first = b.children.len() as u32;
                let kids = &b.scratch[frame.scratch_start..];
                if frame.is_map && kids.len() >= 4 && !b.repeated_keys {
                    b.repeated_keys = may_repeat_key(&b.nodes, kids);
                }
                let last_end = kids.last().map(|&k| b.nodes[k as usize].span.end);
                b.children.extend_from_slice(kids);
                let count = kids.len() as u32;
                b.scratch.truncate(frame.scratch_start);
                let node = &mut b.nodes[frame.node as usize];
                node.data = if frame.is_map {
                    NodeData::Map {
                        first,
                        len: count / 2,
                    }
                } else {
                    NodeData::Seq { first, len: count }
                };
                let node_end = if frame.flow {
                    end
                } else {
                    last_end.unwrap_or(end)
                };
                node.span = Span::new(node.span.start, node_end.max(node.span.start));
                b.register_anchor(frame.anchor, frame.node, frame.weight);
                if let Err(m) = b.attach(frame.node, frame.weight) {
                    return fail(documents, m, start);
                }
            }
        }
    }
    RawLoaded {
        documents,
        error: None,
    }
}

/// Insertions made to the text: (original byte offset, spaces inserted),
/// kept sorted by offset.
#[derive(Default)]
struct Inserts(Vec<(u32, u32)>);

impl Inserts {
    /// Map a byte offset of the patched text back to the original.
    fn to_original(&self, p: u32) -> u32 {
        let mut shift = 0;
        for &(orig, count) in &self.0 {
            let at = orig + shift;
            if p < at {
                break;
            }
            if p < at + count {
                return orig;
            }
            shift += count;
        }
        p - shift
    }

    fn add(&mut self, orig: u32, count: u32) {
        let i = self.0.partition_point(|&(o, _)| o <= orig);
        if i > 0 && self.0[i - 1].0 == orig {
            self.0[i - 1].1 += count;
        } else {
            self.0.insert(i, (orig, count));
        }
    }
}

const MAX_RELAX_ROUNDS: usize = 256;
const MAX_RELAX_BYTES: usize = 8 << 20;
/// Bytes re-parsed in all rounds together, so hostile input stays linear.
pub const MAX_RELAX_WORK: usize = 64 << 20;

fn indentation_at(text: &str, line_start: usize) -> usize {
    text[line_start..]
        .bytes()
        .take_while(|&c| c == b' ')
        .count()
}

fn relaxed_indentation<'a>(
    text: &str,
    limits: &LoadLimits,
    parsed_bytes: &mut usize,
) -> Option<Vec<Document<'a>>> {
    if text.len() > MAX_RELAX_BYTES {
        return None;
    }
    let mut patched = text.to_string();
    let mut inserts = Inserts::default();
    let mut last: Option<(usize, u32)> = None;
    let mut pad = 2usize;
    let rounds = MAX_RELAX_ROUNDS.min(MAX_RELAX_WORK / text.len().max(1));
    for _ in 0..rounds {
        *parsed_bytes += patched.len();
        let result = parse(&patched, limits);
        let Some(err) = result.error else {
            let docs = result
                .documents
                .into_iter()
                .map(|mut d| {
                    for n in &mut d.nodes {
                        n.span = Span::new(
                            inserts.to_original(n.span.start),
                            inserts.to_original(n.span.end),
                        );
                    }
                    d.span = Span::new(
                        inserts.to_original(d.span.start),
                        inserts.to_original(d.span.end),
                    );
                    d.into_owned()
                })
                .collect();
            return Some(docs);
        };
        let kind = err.indentation?;
        // Lines (patched-text offsets of their starts) to indent further.
        let mut lines: Vec<usize> = Vec::new();
        match kind {
            IndentError::Flow => {
                let ls = line_start(&patched, err.offset as usize);
                // Indent past the previous non-blank line, more each time the
                // same line is still refused.
                if last == Some((ls, err.offset)) {
                    pad *= 2;
                } else {
                    pad = 2;
                    if ls > 0 {
                        let prev = line_start(&patched, ls - 1);
                        let want = indentation_at(&patched, prev) + 2;
                        pad = pad.max(want.saturating_sub(indentation_at(&patched, ls)));
                    }
                }
                if pad > 4096 {
                    return None;
                }
                last = Some((ls, err.offset));
                lines.push(ls);
            }
            IndentError::Quoted => {
                // The error points at the scalar's opening quote.
                let q = err.offset as usize;
                let quote = *patched.as_bytes().get(q)?;
                if quote != b'\'' && quote != b'"' {
                    return None;
                }
                let open_col = q - line_start(&patched, q);
                let bytes = patched.as_bytes();
                let mut i = q + 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if quote == b'"' => i += 1,
                        b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                        c if c == quote => break,
                        b'\n' => {
                            let ls = i + 1;
                            if indentation_at(&patched, ls) <= open_col {
                                lines.push(ls);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                if lines.is_empty() || last == Some((q, err.offset)) {
                    return None;
                }
                last = Some((q, err.offset));
            }
        }
        // Apply from the end so earlier offsets stay valid.
        for &ls in lines.iter().rev() {
            let n = if kind == IndentError::Quoted {
                let q = err.offset as usize;
                let open_col = q - line_start(&patched, q);
                open_col + 1 - indentation_at(&patched, ls).min(open_col)
            } else {
                pad
            };
            let orig = inserts.to_original(ls as u32);
            patched.insert_str(ls, &" ".repeat(n));
            inserts.add(orig, n as u32);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Kind;

    #[test]
    fn scalars_written_as_read_point_into_the_source() {
        let text = "plain: value\nsq: 'it''s'\ndq: \"a\\tb\"\nq: \"x y\"\nfolded: a\n  b\n";
        let loaded = load(text, &LoadLimits::default());
        let d = &loaded.documents[0];
        let value = |key: &str| match &d.get(d.get_key(d.root, key).unwrap()).data {
            NodeData::Scalar { value, .. } => value.clone(),
            _ => unreachable!(),
        };
        let borrowed = |key: &str| matches!(value(key), Cow::Borrowed(_));
        assert!(borrowed("plain") && borrowed("q"));
        assert_eq!(value("q"), "x y");
        // Escapes, doubled quotes and folding read differently from the source.
        assert_eq!(value("sq"), "it's");
        assert_eq!(value("dq"), "a\tb");
        assert_eq!(value("folded"), "a b");
        assert!(!borrowed("sq") && !borrowed("dq") && !borrowed("folded"));
    }

    #[test]
    fn node_path_finds_items_of_long_sequences_and_empty_values() {
        let mut text = String::from("items:\n");
        for i in 0..300 {
            text.push_str(&format!(
                "- metadata: {{name: n{i}, labels: {{}}}}\n  spec:\n  kind: K\n"
            ));
        }
        let l = load(&text, &LoadLimits::default());
        let d = &l.documents[0];
        let at = |needle: &str| {
            let s = text.find(needle).unwrap() as u32;
            Span::new(s, s + needle.len() as u32)
        };
        assert_eq!(d.node_path(at("n257")), "items[257].metadata.name");
        assert_eq!(d.node_path(at("n0,")), "items[0].metadata.name");
        let spec = text.match_indices("spec:").nth(120).unwrap().0 as u32;
        assert_eq!(d.node_path(Span::new(spec, spec + 4)), "items[120].spec");
        // The empty value of `spec:`, wherever the parser places it.
        let item = d
            .items(d.get_key(d.root, "items").unwrap())
            .nth(120)
            .unwrap();
        let value = d.span(d.get_key(item, "spec").unwrap());
        assert!(value.is_empty());
        assert_eq!(d.node_path(value), "items[120].spec");
    }

    fn load_ok(text: &str) -> Vec<Document<'_>> {
        let l = load(text, &LoadLimits::default());
        assert!(l.error.is_none(), "{:?}", l.error);
        l.documents
    }

    fn snippet(text: &str, s: Span) -> &str {
        &text[s.start as usize..s.end as usize]
    }

    #[test]
    fn spans_of_keys_values_and_items() {
        let text = "a: 1\nb:\n  - x\n  - 'y'\nc: {d: e}\n";
        let docs = load_ok(text);
        let d = &docs[0];
        let (k, v) = d.entry(d.root, "b").unwrap();
        assert_eq!(snippet(text, d.span(k)), "b");
        let items: Vec<_> = d.items(v).collect();
        assert_eq!(snippet(text, d.span(items[0])), "x");
        assert_eq!(snippet(text, d.span(items[1])), "'y'");
        assert_eq!(d.raw(text, items[1]), "'y'");
        assert_eq!(d.text(items[1]), Some("y"));
        assert_eq!(snippet(text, d.span(v)), "- x\n  - 'y'");
        let c = d.get_key(d.root, "c").unwrap();
        assert_eq!(snippet(text, d.span(c)), "{d: e}");
        assert_eq!(d.kind(c), Kind::Map);
    }

    #[test]
    fn multibyte_text_before_a_span() {
        let text = "name: \"héllo wörld\"\nimage: nginx\n";
        let d = &load_ok(text)[0];
        let (k, v) = d.entry(d.root, "image").unwrap();
        assert_eq!(snippet(text, d.span(k)), "image");
        assert_eq!(snippet(text, d.span(v)), "nginx");
    }

    #[test]
    fn crlf_line_endings() {
        let text = "a: 1\r\nb: two\r\n";
        let d = &load_ok(text)[0];
        let v = d.get_key(d.root, "b").unwrap();
        assert_eq!(snippet(text, d.span(v)), "two");
        assert_eq!(d.text(v), Some("two"));
    }

    #[test]
    fn documents_after_separators() {
        let text = "---\na: 1\n---\n---\nb: 2\n...\n";
        let docs = load_ok(text);
        assert_eq!(docs.len(), 2);
        let v = docs[1].get_key(docs[1].root, "b").unwrap();
        assert_eq!(snippet(text, docs[1].span(v)), "2");
    }

    #[test]
    fn json_has_spans() {
        let text = "{\"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"x\"}]}}";
        let d = &load_ok(text)[0];
        let k = d.path(d.root, &["spec", "containers"]).unwrap();
        let item = d.items(k).next().unwrap();
        assert_eq!(snippet(text, d.span(item)), "{\"name\": \"x\"}");
        assert_eq!(d.get_str(item, "name"), Some("x"));
    }

    #[test]
    fn flow_sequence_closing_at_parent_indentation() {
        let text = "spec:\n  containers:\n  - name: c\n    args: [\n      \"-a\", \"b\",\n    ]\n    image: x\n";
        let d = &load_ok(text)[0];
        let c = d.path(d.root, &["spec", "containers"]).unwrap();
        let c0 = d.items(c).next().unwrap();
        let args = d.get_key(c0, "args").unwrap();
        let items: Vec<_> = d.items(args).map(|i| d.text(i).unwrap()).collect();
        assert_eq!(items, ["-a", "b"]);
        let img = d.get_key(c0, "image").unwrap();
        assert_eq!(snippet(text, d.span(img)), "x");
        assert_eq!(
            snippet(text, d.span(args)),
            "[\n      \"-a\", \"b\",\n    ]"
        );
    }

    #[test]
    fn quoted_scalar_continuation_at_parent_indentation() {
        let text = "metadata:\n  annotations:\n    a: '[\n        {\"x\": 1}\n    ]'\n  name: n\n";
        let d = &load_ok(text)[0];
        let a = d.path(d.root, &["metadata", "annotations", "a"]).unwrap();
        assert_eq!(d.text(a), Some("[ {\"x\": 1} ]"));
        let n = d.path(d.root, &["metadata", "name"]).unwrap();
        assert_eq!(snippet(text, d.span(n)), "n");
    }

    #[test]
    fn repeated_keys_and_dollar_scalars_are_flagged() {
        let flags = |text: &str| {
            let loaded = load(text, &LoadLimits::default());
            assert!(loaded.error.is_none(), "{text}");
            loaded
                .documents
                .iter()
                .map(|d| (d.may_repeat_keys(), d.has_dollar_scalars()))
                .collect::<Vec<_>>()
        };
        assert_eq!(flags("a: 1\nb: 2\nc: {d: 1, e: 2}\n"), [(false, false)]);
        assert_eq!(flags("a: 1\nb:\n  c: 1\n  c: 2\n"), [(true, false)]);
        // Quoted and plain spellings of one key are the same key.
        assert_eq!(flags("a: 1\n'a': 2\n"), [(true, false)]);
        // A large mapping takes the hashed path.
        let mut big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        assert_eq!(flags(&big), [(false, false)]);
        big.push_str("k7: again\n");
        assert_eq!(flags(&big), [(true, false)]);
        // An alias key may repeat whatever its anchor says.
        assert_eq!(flags("a: &k x\n*k : y\n"), [(true, false)]);
        // The flags are per document.
        assert_eq!(
            flags("a: 1\na: 2\n---\n$patch: delete\nb: 1\n"),
            [(true, false), (false, true)]
        );
        assert_eq!(flags("a: 1\n"), [(false, false)]);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let l = load(&text, &LoadLimits::default());
        assert!(l.error.unwrap().message.contains("alias"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let l = load(&text, &LoadLimits::default());
        let e = l.error.unwrap();
        assert!(e.message.contains("nested deeper"), "{e:?}");
        let mut block = String::new();
        for i in 0..10_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        let e = load(&block, &LoadLimits::default()).error.unwrap();
        assert!(e.message.contains("nesting deeper than 512"), "{e:?}");
    }

    #[test]
    fn merge_keys_are_followed() {
        let text = "base: &b {cpu: 1}\nres:\n  <<: *b\n  memory: 2\n";
        let d = &load_ok(text)[0];
        let r = d.get_key(d.root, "res").unwrap();
        assert_eq!(d.get_key(r, "cpu").and_then(|v| d.int(v)), Some(1));
    }

    #[test]
    fn inserts_map_back() {
        let mut ins = Inserts::default();
        ins.add(10, 3);
        ins.add(20, 2);
        assert_eq!(ins.to_original(5), 5);
        assert_eq!(ins.to_original(11), 10);
        assert_eq!(ins.to_original(13), 10);
        assert_eq!(ins.to_original(25), 20);
        assert_eq!(ins.to_original(27), 22);
    }
}
