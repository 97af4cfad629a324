//! The [`Editor`]: builds [`Edit`]s that write into a loaded document the
//! way its author wrote the rest of it.
//!
//! * A new entry of a block mapping goes on its own line(s) after the
//!   mapping's last entry (after any comment on that line, before any blank
//!   line or comment that follows), at the column of its siblings; nested
//!   mappings use the document's indentation width and nested sequences its
//!   sequence style (`-` at the key's column or indented), both detected
//!   from the document; when every collection among the siblings is
//!   written `{…}`/`[…]`, a new collection is too. With `before`, it goes
//!   above the named sibling and the comment lines directly above it.
//! * A new entry of a flow mapping goes after the last one (`{a: 1}` →
//!   `{a: 1, b: 2}`; on its own line when the entries are one per line), or
//!   between the braces of `{}`; JSON documents get JSON (`"b": 2`),
//!   minified where the file is minified and one entry per line where it is
//!   pretty-printed.
//! * A mapping value written as `key:`, `key: ~` or `key: null` is filled in.
//! * A replaced scalar keeps its place; new strings are plain when YAML 1.1
//!   reads them back as the same string, else quoted with the document's
//!   preferred quote character.
//! * Line endings are those of the line next to the edit (CRLF stays CRLF).
//!
//! The editor declines (returns `None`) whenever it cannot be sure the edit
//! changes only what it means to: documents with aliases (an edit of an
//! anchored node would change every alias of it), mappings with `<<` merge
//! keys or duplicate keys on the path, block scalars with `|+` keep
//! chomping that an insertion would cut, values of an unexpected type.

use super::Edit;
use crate::yaml::{resolve, Document, NodeData, NodeId, ScalarStyle, Span, Value};

/// Style detection looks at the document's first nodes only, so that
/// building fixes for every object of a huge `List` stays linear.
const SCAN_NODES: NodeId = 4096;

/// A value to write.
#[derive(Clone, Debug, PartialEq)]
pub enum NewValue {
    Bool(bool),
    Int(i64),
    Str(String),
    Map(Vec<(String, NewValue)>),
    Seq(Vec<NewValue>),
}

impl NewValue {
    pub fn str(s: impl Into<String>) -> NewValue {
        NewValue::Str(s.into())
    }

    /// `value` nested under `path`: `["a", "b"]`, `1` → `{a: {b: 1}}`.
    pub fn nested(path: &[&str], value: NewValue) -> NewValue {
        path.iter()
            .rev()
            .fold(value, |v, k| NewValue::Map(vec![(k.to_string(), v)]))
    }

    fn is_collection(&self) -> bool {
        matches!(self, NewValue::Map(_) | NewValue::Seq(_))
    }
}

/// How the document is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    /// Columns from a key to the keys of its nested block mapping.
    indent: usize,
    /// Columns from a key to the `-` of its block sequence (0: not indented).
    seq_indent: usize,
}

/// Where a key stands in a mapping.
enum Lookup {
    Absent,
    Found(NodeId, NodeId),
    /// Duplicate keys or a merge key: editing could change the wrong entry.
    Ambiguous,
}

/// Edits into one document. Cheap to create: what it detects (layout,
/// quotes) is computed on first use.
pub struct Editor<'a> {
    doc: &'a Document<'a>,
    /// The text the document was loaded from.
    text: &'a str,
}

impl<'a> Editor<'a> {
    pub fn new(doc: &'a Document<'a>, text: &'a str) -> Editor<'a> {
        Editor { doc, text }
    }

    /// Whether edits are possible at all in this document.
    fn usable(&self) -> bool {
        !self.doc.has_aliases() && (self.doc.span.end as usize) <= self.text.len()
    }

    // -- public operations ------------------------------------------------

    /// Replace a scalar with `value` (`key:` with an empty value gets
    /// ` value` after the colon). A string keeps the quotes of the string
    /// it replaces. This is all a rule needs to offer a corrected value,
    /// e.g. a removed `apiVersion` → its replacement:
    ///
    /// ```ignore
    /// let v = doc.get_key(obj.node, "apiVersion")?;
    /// let edit = Editor::new(doc, cx.text).replace(v, &NewValue::str("apps/v1"));
    /// cx.fix(edit.map(|e| Fix::safe("Use `apps/v1`", vec![e])));
    /// ```
    pub fn replace(&self, node: NodeId, value: &NewValue) -> Option<Edit> {
        if !self.usable() {
            return None;
        }
        let NodeData::Scalar { style, .. } = &self.doc.get(node).data else {
            return None;
        };
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            return None;
        }
        let s = self.scalar_span(node);
        // A string replacing a quoted string keeps its quotes.
        let rendered = match (value, style) {
            (NewValue::Str(v), ScalarStyle::SingleQuoted) => quote_with(v, '\''),
            (NewValue::Str(v), ScalarStyle::DoubleQuoted) => quote_with(v, '"'),
            _ => self.inline_value(value, self.json()),
        };
        if s.is_empty() {
            // An empty value: the span sits on the colon.
            if self.byte(s.start) != Some(b':') || value.is_collection() {
                return None;
            }
            return Some(Edit::insert(s.start + 1, format!(" {rendered}")));
        }
        Some(Edit::replace(s, rendered))
    }

    /// Replace the bytes `span` (inside a node the caller checked) with
    /// `content` as is.
    pub fn replace_text(&self, span: Span, content: impl Into<String>) -> Option<Edit> {
        (self.usable() && (span.end as usize) <= self.text.len())
            .then(|| Edit::replace(span, content))
    }

    /// Set `map.path[0].path[1]…` to `value`: replace the scalar there,
    /// or insert what is missing, creating parent mappings.
    pub fn set(&self, map: NodeId, path: &[&str], value: NewValue) -> Option<Vec<Edit>> {
        if !self.usable() || !self.doc.is_map(map) {
            return None;
        }
        let (first, rest) = path.split_first()?;
        match self.lookup(map, first) {
            Lookup::Ambiguous => None,
            Lookup::Absent => {
                let edit = self.insert_entry(map, first, &NewValue::nested(rest, value), &[])?;
                Some(vec![edit])
            }
            Lookup::Found(k, v) => {
                if rest.is_empty() {
                    return match self.doc.kind(v) {
                        crate::yaml::Kind::Scalar if !value.is_collection() => {
                            self.replace(v, &value).map(|e| vec![e])
                        }
                        crate::yaml::Kind::Scalar if self.is_plain_null(v) => {
                            self.fill_null(map, k, v, &value)
                        }
                        _ => None,
                    };
                }
                if self.doc.is_map(v) {
                    self.set(v, rest, value)
                } else if self.is_plain_null(v) {
                    self.fill_null(map, k, v, &NewValue::nested(rest, value))
                } else {
                    None
                }
            }
        }
    }

    /// Make the sequence at `map.path` contain `item`: append it to an
    /// existing sequence, or create the sequence (and its parents).
    pub fn ensure_item(&self, map: NodeId, path: &[&str], item: NewValue) -> Option<Vec<Edit>> {
        if !self.usable() {
            return None;
        }
        let (last, parents) = path.split_last()?;
        let mut at = map;
        for (i, k) in parents.iter().enumerate() {
            match self.lookup(at, k) {
                Lookup::Found(_, v) if self.doc.is_map(v) => at = v,
                Lookup::Found(_, _) | Lookup::Absent => {
                    return self.set(at, &path[i..], NewValue::Seq(vec![item]));
                }
                Lookup::Ambiguous => return None,
            }
        }
        match self.lookup(at, last) {
            Lookup::Found(_, v) if self.doc.is_seq(v) => {
                self.append_item(v, &item).map(|e| vec![e])
            }
            Lookup::Found(_, _) | Lookup::Absent => {
                self.set(at, &[last], NewValue::Seq(vec![item]))
            }
            Lookup::Ambiguous => None,
        }
    }

    /// Insert `key: value` as a new entry of a mapping (block or flow).
    /// `before`: keys to insert above (the first one present wins); the
    /// entry goes last otherwise.
    pub fn insert_entry(
        &self,
        map: NodeId,
        key: &str,
        value: &NewValue,
        before: &[&str],
    ) -> Option<Edit> {
        if !self.usable() || !self.doc.is_map(map) {
            return None;
        }
        if self.is_flow(map) {
            self.insert_flow_entry(map, key, value)
        } else {
            self.insert_block_entry(map, key, value, before)
        }
    }

    /// Append an item to a sequence (block or flow).
    pub fn append_item(&self, seq: NodeId, item: &NewValue) -> Option<Edit> {
        if !self.usable() || !self.doc.is_seq(seq) {
            return None;
        }
        let doc = self.doc;
        let items: Vec<NodeId> = doc.items(seq).collect();
        if self.is_flow(seq) {
            let json = self.json();
            let rendered = self.inline_value(item, json);
            let Some(&last) = items.last() else {
                return Some(Edit::insert(doc.span(seq).start + 1, rendered));
            };
            let end = self.value_end(last)?;
            let sep = self.flow_separator(doc.span(seq).start, doc.span(last).start);
            return Some(Edit::insert(end as u32, format!("{sep}{rendered}")));
        }
        let first = *items.first()?;
        let dash = self.dash_before(doc.span(first).start as usize)?;
        let col = self.col(dash);
        let end = self.value_end(*items.last()?)?;
        let eol = self.eol_near(end);
        let line = format!(
            "{}- {}{eol}",
            " ".repeat(col),
            self.inline_value(item, false)
        );
        Some(self.insert_after_line(end, line, eol))
    }

    /// The string `s` as a scalar this document would write: plain when
    /// that reads back as the same string, else quoted.
    pub fn scalar(&self, s: &str) -> String {
        self.inline_value(&NewValue::str(s), self.json())
    }

    /// `s` quoted with the document's preferred quote character.
    pub fn quoted(&self, s: &str) -> String {
        quote_with(s, self.quote())
    }

    // -- lookups ------------------------------------------------------------

    fn lookup(&self, map: NodeId, key: &str) -> Lookup {
        let doc = self.doc;
        let mut found = None;
        for (k, v) in doc.entries(map) {
            match doc.scalar(k) {
                Some(("<<", ScalarStyle::Plain)) => return Lookup::Ambiguous,
                Some((s, _)) if s == key => {
                    if found.is_some() {
                        return Lookup::Ambiguous;
                    }
                    found = Some((k, v));
                }
                _ => {}
            }
        }
        match found {
            Some((k, v)) => Lookup::Found(k, v),
            None => Lookup::Absent,
        }
    }

    fn is_plain_null(&self, v: NodeId) -> bool {
        self.doc.is_null(v)
            && self.doc.tag(v).is_none()
            && matches!(self.doc.scalar(v), Some((_, ScalarStyle::Plain)))
    }

    // -- text geometry ------------------------------------------------------

    fn byte(&self, at: u32) -> Option<u8> {
        self.text.as_bytes().get(at as usize).copied()
    }

    fn line_start(&self, pos: usize) -> usize {
        crate::source::line_start(self.text, pos)
    }

    /// Column (in characters) of a byte offset.
    fn col(&self, pos: usize) -> usize {
        self.text[self.line_start(pos)..pos].chars().count()
    }

    fn same_line(&self, a: usize, b: usize) -> bool {
        let (lo, hi) = (a.min(b), a.max(b));
        memchr::memchr(b'\n', &self.text.as_bytes()[lo..hi]).is_none()
    }

    /// The line ending of the line holding `pos` (else the file's first,
    /// else `\n`).
    fn eol_near(&self, pos: usize) -> &'static str {
        let b = self.text.as_bytes();
        let nl = memchr::memchr(b'\n', &b[pos.min(b.len())..])
            .map(|i| pos + i)
            .or_else(|| memchr::memchr(b'\n', b));
        match nl {
            Some(i) if i > 0 && b[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }

    /// Whether a collection is written in flow style (`{…}`, `[…]`). A
    /// block sequence's span may start at its first item, which can itself
    /// be `[…]`, so the first child must lie strictly inside.
    fn is_flow(&self, node: NodeId) -> bool {
        let doc = self.doc;
        let s = doc.span(node);
        let open = match doc.get(node).data {
            NodeData::Map { .. } => b'{',
            NodeData::Seq { .. } => b'[',
            _ => return false,
        };
        if self.byte(s.start) != Some(open) {
            return false;
        }
        let first = match doc.get(node).data {
            NodeData::Map { .. } => doc.entries(node).next().map(|(k, _)| k),
            _ => doc.items(node).next(),
        };
        first.is_none_or(|f| doc.span(f).start > s.start)
    }

    /// The `-` of the block sequence item starting at `pos`.
    fn dash_before(&self, pos: usize) -> Option<usize> {
        let b = self.text.as_bytes();
        let mut i = pos;
        if b.get(i) == Some(&b'-') && matches!(b.get(i + 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            return Some(i);
        }
        while i > 0 {
            i -= 1;
            match b[i] {
                b' ' | b'\t' => continue,
                b'-' => return Some(i),
                _ => return None,
            }
        }
        None
    }

    /// Where a value's text really ends (exclusive): flow collections up
    /// to their closing bracket, block collections at their last
    /// descendant, block scalars at their last non-blank character. None
    /// for a block scalar that an insertion after it would change.
    fn value_end(&self, node: NodeId) -> Option<usize> {
        let doc = self.doc;
        let s = doc.span(node);
        match &doc.get(node).data {
            NodeData::Scalar {
                value,
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            } => {
                // Trailing blank lines kept by `|+` belong to the value.
                if value.ends_with("\n\n") {
                    return None;
                }
                let raw = &self.text[s.start as usize..s.end as usize];
                let trimmed = raw.trim_end();
                (!trimmed.is_empty()).then_some(s.start as usize + trimmed.len())
            }
            NodeData::Scalar { .. } | NodeData::Alias(_) => {
                Some(self.scalar_span(node).end as usize)
            }
            NodeData::Map { .. } | NodeData::Seq { .. } if self.is_flow(node) => {
                Some(self.flow_end(node))
            }
            NodeData::Map { .. } => {
                let (k, v) = doc.entries(node).last()?;
                Some(self.value_end(v)?.max(doc.span(k).end as usize))
            }
            NodeData::Seq { .. } => self.value_end(doc.items(node).last()?),
        }
    }

    /// A scalar's span without what the parser may count after a quoted
    /// scalar (trailing blanks and a comment on its line).
    fn scalar_span(&self, node: NodeId) -> Span {
        let s = self.doc.span(node);
        let quote = match self.doc.scalar(node) {
            Some((_, ScalarStyle::DoubleQuoted)) => b'"',
            Some((_, ScalarStyle::SingleQuoted)) => b'\'',
            _ => return s,
        };
        let b = self.text.as_bytes();
        let (start, end) = (s.start as usize, (s.end as usize).min(b.len()));
        if b.get(start) != Some(&quote) {
            return s;
        }
        let mut i = start + 1;
        while i < end {
            match b[i] {
                b'\\' if quote == b'"' => i += 2,
                b'\'' if quote == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
                c if c == quote => return Span::new(s.start, (i + 1) as u32),
                _ => i += 1,
            }
        }
        s
    }

    /// One past the closing bracket of a flow collection.
    fn flow_end(&self, node: NodeId) -> usize {
        let s = self.doc.span(node);
        let close = if self.doc.is_map(node) { b'}' } else { b']' };
        let b = self.text.as_bytes();
        let end = s.end as usize;
        if end > 0 && b.get(end - 1) == Some(&close) {
            return end;
        }
        let mut i = end;
        while i < b.len() {
            match b[i] {
                c if c == close => return i + 1,
                b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        end
    }

    /// An insertion of whole `lines` (each ending in `eol`) after the line
    /// holding the byte before `end`.
    fn insert_after_line(&self, end: usize, lines: String, eol: &str) -> Edit {
        let from = end.saturating_sub(1);
        match memchr::memchr(b'\n', &self.text.as_bytes()[from..]) {
            Some(i) => Edit::insert((from + i + 1) as u32, lines),
            // The last line has no line break: add one before, none after.
            None => {
                let body = lines.strip_suffix(eol).unwrap_or(&lines);
                Edit::insert(self.text.len() as u32, format!("{eol}{body}"))
            }
        }
    }

    // -- style detection ------------------------------------------------------

    /// Indentation width and sequence style, the most common ones among
    /// the document's block collections (2 and indented sequences when it
    /// has none).
    fn layout(&self) -> Layout {
        let &(indent, seq_indent, _) = self.style();
        Layout { indent, seq_indent }
    }

    /// Layout and quote of the document, found once per document.
    fn style(&self) -> &(usize, usize, char) {
        self.doc.edit_style.get_or_init(|| {
            let l = self.find_layout();
            (l.indent, l.seq_indent, self.find_quote())
        })
    }

    fn find_layout(&self) -> Layout {
        let doc = self.doc;
        let mut indents: Vec<(usize, usize)> = Vec::new();
        let mut seqs: Vec<(usize, usize)> = Vec::new();
        let bump = |v: &mut Vec<(usize, usize)>, x: usize| match v.iter_mut().find(|e| e.0 == x) {
            Some(e) => e.1 += 1,
            None => v.push((x, 1)),
        };
        let mut samples = 0;
        for map in doc.maps_in(doc.root).take_while(|&m| m < SCAN_NODES) {
            if self.is_flow(map) {
                continue;
            }
            for (k, v) in doc.entries(map) {
                let ks = doc.span(k).start as usize;
                let kcol = self.col(ks);
                match doc.get(v).data {
                    NodeData::Map { .. } if !self.is_flow(v) => {
                        if let Some((k2, _)) = doc.entries(v).next() {
                            let p = doc.span(k2).start as usize;
                            let c = self.col(p);
                            if !self.same_line(ks, p) && c > kcol {
                                bump(&mut indents, c - kcol);
                                samples += 1;
                            }
                        }
                    }
                    NodeData::Seq { .. } if !self.is_flow(v) => {
                        if let Some(first) = doc.items(v).next() {
                            if let Some(d) = self.dash_before(doc.span(first).start as usize) {
                                let c = self.col(d);
                                if !self.same_line(ks, d) && c >= kcol {
                                    bump(&mut seqs, c - kcol);
                                    samples += 1;
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            if samples >= 64 {
                break;
            }
        }
        let most = |v: &[(usize, usize)]| {
            v.iter()
                .enumerate()
                .max_by_key(|(i, e)| (e.1, std::cmp::Reverse(*i)))
                .map(|(_, e)| e.0)
        };
        let indent = most(&indents).unwrap_or(2);
        Layout {
            indent,
            seq_indent: most(&seqs).unwrap_or(indent),
        }
    }

    /// `'` when the document quotes with single quotes more often than
    /// with double quotes, else `"`.
    fn quote(&self) -> char {
        self.style().2
    }

    fn find_quote(&self) -> char {
        let (mut single, mut double) = (0usize, 0usize);
        for n in self.doc.nodes.iter().take(SCAN_NODES as usize) {
            if let NodeData::Scalar { style, .. } = n.data {
                match style {
                    ScalarStyle::SingleQuoted => single += 1,
                    ScalarStyle::DoubleQuoted => double += 1,
                    _ => {}
                }
            }
        }
        if single > double {
            '\''
        } else {
            '"'
        }
    }

    /// Whether the document is JSON: a flow mapping at the root with
    /// double-quoted keys.
    fn json(&self) -> bool {
        let doc = self.doc;
        self.is_flow(doc.root)
            && doc.is_map(doc.root)
            && doc.entries(doc.root).next().is_none_or(|(k, _)| {
                doc.scalar(k).map(|(_, s)| s) == Some(ScalarStyle::DoubleQuoted)
            })
    }

    // -- rendering --------------------------------------------------------------

    fn key(&self, key: &str, json: bool) -> String {
        if json {
            return quote_with(key, '"');
        }
        let mut out = String::new();
        self.push_key(&mut out, key);
        out
    }

    /// A block mapping's key, written at the end of `out`: plain when it
    /// reads back as the same string, else double-quoted.
    fn push_key(&self, out: &mut String, key: &str) {
        if plain_ok(key) {
            out.push_str(key);
        } else {
            out.push_str(&quote_with(key, '"'));
        }
    }

    /// A block scalar or flow value, [`Editor::inline_value`] written at
    /// the end of `out` (the common scalars without a string of their own).
    fn push_inline(&self, out: &mut String, v: &NewValue) {
        match v {
            NewValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            NewValue::Str(s) if plain_ok(s) => out.push_str(s),
            v => out.push_str(&self.inline_value(v, false)),
        }
    }

    /// A value on one line: a scalar, or a flow collection.
    fn inline_value(&self, v: &NewValue, json: bool) -> String {
        match v {
            NewValue::Bool(b) => b.to_string(),
            NewValue::Int(i) => i.to_string(),
            NewValue::Str(s) if json => quote_with(s, '"'),
            NewValue::Str(s) if plain_ok(s) => s.clone(),
            NewValue::Str(s) => self.quoted(s),
            NewValue::Map(es) => {
                let (kv, sep) = self.punctuation(json);
                let inner: Vec<String> = es
                    .iter()
                    .map(|(k, v)| {
                        format!("{}{kv}{}", self.key(k, json), self.inline_value(v, json))
                    })
                    .collect();
                format!("{{{}}}", inner.join(sep))
            }
            NewValue::Seq(items) => {
                let (_, sep) = self.punctuation(json);
                let inner: Vec<String> = items.iter().map(|i| self.inline_value(i, json)).collect();
                format!("[{}]", inner.join(sep))
            }
        }
    }

    /// `key: value` as block lines at column `col`, each ending in `eol`.
    fn block_entry(&self, out: &mut String, key: &str, value: &NewValue, col: usize, eol: &str) {
        let lay = self.layout();
        out.extend(std::iter::repeat_n(' ', col));
        self.push_key(out, key);
        out.push(':');
        self.block_value(out, value, col, lay, eol);
    }

    /// Whether a mapping writes its collection values in flow style: it
    /// has some, and all of them are `{…}` or `[…]`. A new collection
    /// value of it is then written the same way.
    fn flow_siblings(&self, map: NodeId) -> bool {
        let doc = self.doc;
        let mut any = false;
        for (_, v) in doc.entries(map) {
            if doc.kind(v) != crate::yaml::Kind::Scalar {
                if !self.is_flow(v) {
                    return false;
                }
                any = true;
            }
        }
        any
    }

    /// The part after `key:` (the colon is written).
    fn block_value(&self, out: &mut String, value: &NewValue, col: usize, lay: Layout, eol: &str) {
        match value {
            NewValue::Map(es) if !es.is_empty() => {
                out.push_str(eol);
                for (k, v) in es {
                    self.block_entry(out, k, v, col + lay.indent, eol);
                }
            }
            NewValue::Seq(items) if !items.is_empty() => {
                out.push_str(eol);
                for item in items {
                    out.extend(std::iter::repeat_n(' ', col + lay.seq_indent));
                    out.push_str("- ");
                    self.push_inline(out, item);
                    out.push_str(eol);
                }
            }
            _ => {
                out.push(' ');
                self.push_inline(out, value);
                out.push_str(eol);
            }
        }
    }

    /// Whether the document is minified JSON (`{"a":1,"b":2}`): its first
    /// key is followed by `:` and no blank.
    fn compact(&self) -> bool {
        let doc = self.doc;
        self.json()
            && doc.entries(doc.root).next().is_some_and(|(k, _)| {
                let e = self.scalar_span(k).end as usize;
                let b = self.text.as_bytes();
                b.get(e) == Some(&b':')
                    && !matches!(b.get(e + 1), Some(b' ' | b'\t' | b'\r' | b'\n'))
            })
    }

    /// The key/value and item separators of flow collections: `: ` and
    /// `, `, or `:` and `,` in minified JSON.
    fn punctuation(&self, json: bool) -> (&'static str, &'static str) {
        if json && self.compact() {
            (":", ",")
        } else {
            (": ", ", ")
        }
    }

    /// What goes between a flow collection's last item and a new one: `, `
    /// (`,` in minified JSON) or, when the items stand one per line, `,` +
    /// line break + the last item's indentation.
    fn flow_separator(&self, open: u32, last_start: u32) -> String {
        let (open, last) = (open as usize, last_start as usize);
        if self.same_line(open, last) {
            self.punctuation(self.json()).1.to_string()
        } else {
            let eol = self.eol_near(last);
            let ls = self.line_start(last);
            let indent: String = self.text[ls..last]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            format!(",{eol}{indent}")
        }
    }

    // -- insertion ----------------------------------------------------------------

    fn insert_flow_entry(&self, map: NodeId, key: &str, value: &NewValue) -> Option<Edit> {
        let doc = self.doc;
        let entries: Vec<(NodeId, NodeId)> = doc.entries(map).collect();
        let json = match entries.first() {
            Some(&(k, _)) => doc.scalar(k).map(|(_, s)| s) == Some(ScalarStyle::DoubleQuoted),
            None => self.json(),
        };
        let entry = format!(
            "{}{}{}",
            self.key(key, json),
            self.punctuation(json).0,
            self.inline_value(value, json)
        );
        let open = doc.span(map).start;
        let Some(&(lk, lv)) = entries.last() else {
            return Some(Edit::insert(open + 1, entry));
        };
        let end = self.value_end(lv)?;
        let last = doc.span(lk).start as usize;
        let sep = self.flow_separator(open, last as u32);
        if !json || !sep.contains('\n') {
            return Some(Edit::insert(end as u32, format!("{sep}{entry}")));
        }
        // Pretty-printed JSON: a new mapping value opens over several lines
        // too, one level deeper per the file's step.
        let col = self.col(last);
        let open_line = self.line_start(open as usize);
        let step = col.saturating_sub(
            self.text[open_line..]
                .bytes()
                .take_while(|&c| c == b' ')
                .count(),
        );
        let eol = self.eol_near(last);
        let entry = format!(
            "{}{}{}",
            self.key(key, json),
            self.punctuation(json).0,
            self.pretty_value(value, json, col, step.max(1), eol)
        );
        Some(Edit::insert(end as u32, format!("{sep}{entry}")))
    }

    /// A JSON value laid out one entry per line: mappings open over
    /// several lines (entries at `col + step`), everything else inline.
    fn pretty_value(&self, v: &NewValue, json: bool, col: usize, step: usize, eol: &str) -> String {
        match v {
            NewValue::Map(es) if !es.is_empty() => {
                let kv = self.punctuation(json).0;
                let inner: Vec<String> = es
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}{}{kv}{}",
                            " ".repeat(col + step),
                            self.key(k, json),
                            self.pretty_value(v, json, col + step, step, eol)
                        )
                    })
                    .collect();
                format!(
                    "{{{eol}{}{eol}{}}}",
                    inner.join(&format!(",{eol}")),
                    " ".repeat(col)
                )
            }
            _ => self.inline_value(v, json),
        }
    }

    fn insert_block_entry(
        &self,
        map: NodeId,
        key: &str,
        value: &NewValue,
        before: &[&str],
    ) -> Option<Edit> {
        let doc = self.doc;
        let entries: Vec<(NodeId, NodeId)> = doc.entries(map).collect();
        let &(k0, _) = entries.first()?;
        let col = self.col(doc.span(k0).start as usize);
        for b in before {
            let Some(&(bk, _)) = entries.iter().find(|(k, _)| doc.text(*k) == Some(*b)) else {
                continue;
            };
            let ks = doc.span(bk).start as usize;
            let ls = self.line_start(ks);
            if !self.text[ls..ks].bytes().all(|c| c == b' ') {
                break; // the key follows a `- ` on its line
            }
            // Above the comment lines that introduce the key.
            let mut at = ls;
            while at > 0 {
                let prev = self.line_start(at - 1);
                let line = &self.text[prev..at];
                let body = line.trim_start_matches(' ');
                if body.starts_with('#') && line.len() - body.len() == col {
                    at = prev;
                } else {
                    break;
                }
            }
            let eol = self.eol_near(ks);
            let mut lines = String::new();
            if value.is_collection() && self.flow_siblings(map) {
                lines = format!(
                    "{}{}: {}{eol}",
                    " ".repeat(col),
                    self.key(key, false),
                    self.inline_value(value, false)
                );
            } else {
                self.block_entry(&mut lines, key, value, col, eol);
            }
            return Some(Edit::insert(at as u32, lines));
        }
        let &(_, lv) = entries.last()?;
        let end = self.value_end(lv)?;
        let eol = self.eol_near(end);
        let mut lines = String::new();
        if value.is_collection() && self.flow_siblings(map) {
            lines = format!(
                "{}{}: {}{eol}",
                " ".repeat(col),
                self.key(key, false),
                self.inline_value(value, false)
            );
        } else {
            self.block_entry(&mut lines, key, value, col, eol);
        }
        Some(self.insert_after_line(end, lines, eol))
    }

    /// Give `key:` (empty, `~` or `null`) the collection `value`, as block
    /// lines under the key (in a flow mapping, in place of the token).
    fn fill_null(&self, map: NodeId, k: NodeId, v: NodeId, value: &NewValue) -> Option<Vec<Edit>> {
        let doc = self.doc;
        if !value.is_collection() {
            return None;
        }
        if self.is_flow(map) {
            // `{"a": null}` → `{"a": {…}}`: the token is replaced in place.
            let vs = doc.span(v);
            let json = doc.scalar(k).map(|(_, s)| s) == Some(ScalarStyle::DoubleQuoted);
            return (!vs.is_empty())
                .then(|| vec![Edit::replace(vs, self.inline_value(value, json))]);
        }
        let ks = doc.span(k);
        let vs = doc.span(v);
        let colon = if vs.is_empty() {
            vs.start
        } else {
            let between = &self.text[ks.end as usize..vs.start as usize];
            ks.end + between.find(':')? as u32
        };
        if self.byte(colon) != Some(b':') {
            return None;
        }
        let col = self.col(ks.start as usize);
        let lay = self.layout();
        let eol = self.eol_near(colon as usize);
        let mut lines = String::new();
        match value {
            NewValue::Map(es) => {
                for (k2, v2) in es {
                    self.block_entry(&mut lines, k2, v2, col + lay.indent, eol);
                }
            }
            NewValue::Seq(items) => {
                for item in items {
                    lines.push_str(&" ".repeat(col + lay.seq_indent));
                    lines.push_str("- ");
                    lines.push_str(&self.inline_value(item, false));
                    lines.push_str(eol);
                }
            }
            _ => return None,
        }
        if lines.is_empty() {
            return None;
        }
        let mut edits = Vec::new();
        if !vs.is_empty() {
            edits.push(Edit::delete(Span::new(colon + 1, vs.end)));
        }
        edits.push(self.insert_after_line((colon + 1) as usize, lines, eol));
        Some(edits)
    }
}

/// Whether `s` can be written as a plain scalar and read back (YAML 1.1,
/// block or flow context) as the same string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && matches!(resolve(s, ScalarStyle::Plain, None), Value::Str(_))
}

fn quote_with(s: &str, q: char) -> String {
    if q == '\'' && !s.chars().any(char::is_control) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{load, LoadLimits};

    /// Apply `f`'s edits to the first document of `text`.
    fn edit(text: &str, f: impl Fn(&Editor<'_>, &Document<'_>) -> Option<Vec<Edit>>) -> String {
        let loaded = load(text, &LoadLimits::default());
        assert!(loaded.error.is_none(), "{:?}", loaded.error);
        let doc = &loaded.documents[0];
        let ed = Editor::new(doc, text);
        let edits = f(&ed, doc).expect("an edit");
        let fix = super::super::Fix::safe("t", edits);
        let out = super::super::apply(text, &[&fix]).text;
        assert!(
            load(&out, &LoadLimits::default()).error.is_none(),
            "does not parse:\n{out}"
        );
        out
    }

    fn set(text: &str, path: &[&str], v: NewValue) -> String {
        edit(text, |ed, doc| ed.set(doc.root, path, v.clone()))
    }

    #[test]
    fn block_insert_at_sibling_indentation() {
        let t = "a:\n    b: 1\n    c: 2 # two\n\nd: 3\n";
        assert_eq!(
            set(t, &["a", "e"], NewValue::Bool(false)),
            "a:\n    b: 1\n    c: 2 # two\n    e: false\n\nd: 3\n"
        );
        assert_eq!(
            set(t, &["f", "g", "h"], NewValue::Int(0)),
            "a:\n    b: 1\n    c: 2 # two\n\nd: 3\nf:\n    g:\n        h: 0\n"
        );
    }

    #[test]
    fn sequences_follow_the_document_style() {
        let t = "a:\n- x\nb:\n  c: 1\n";
        assert_eq!(
            set(t, &["b", "d"], NewValue::Seq(vec![NewValue::str("ALL")])),
            "a:\n- x\nb:\n  c: 1\n  d:\n  - ALL\n"
        );
        let t = "a:\n  - x\nb:\n  c: 1\n";
        assert_eq!(
            set(t, &["b", "d"], NewValue::Seq(vec![NewValue::str("ALL")])),
            "a:\n  - x\nb:\n  c: 1\n  d:\n    - ALL\n"
        );
        assert_eq!(
            edit(t, |ed, doc| ed.ensure_item(
                doc.root,
                &["a"],
                NewValue::str("z")
            )),
            "a:\n  - x\n  - z\nb:\n  c: 1\n"
        );
        // `y` is a YAML 1.1 boolean: it is quoted.
        assert_eq!(
            edit(t, |ed, doc| ed.ensure_item(
                doc.root,
                &["a"],
                NewValue::str("y")
            )),
            "a:\n  - x\n  - \"y\"\nb:\n  c: 1\n"
        );
    }

    #[test]
    fn flow_maps_and_json() {
        assert_eq!(
            set("a: {b: 1}\n", &["a", "c"], NewValue::Bool(true)),
            "a: {b: 1, c: true}\n"
        );
        assert_eq!(
            set("a: {}\n", &["a", "c", "d"], NewValue::str("x y")),
            "a: {c: {d: \"x y\"}}\n"
        );
        assert_eq!(
            set(
                "{\"a\": {\"b\": 1}}",
                &["a", "c"],
                NewValue::str("RuntimeDefault")
            ),
            "{\"a\": {\"b\": 1, \"c\": \"RuntimeDefault\"}}"
        );
        let t = "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ]\n}\n";
        assert_eq!(
            set(t, &["c"], NewValue::Bool(false)),
            "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ],\n  \"c\": false\n}\n"
        );
        assert_eq!(
            set(t, &["c", "d"], NewValue::Bool(false)),
            "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ],\n  \"c\": {\n    \"d\": false\n  }\n}\n"
        );
        assert_eq!(
            edit("a: [x, y]\n", |ed, doc| ed.ensure_item(
                doc.root,
                &["a"],
                NewValue::str("ALL")
            )),
            "a: [x, y, ALL]\n"
        );
        assert_eq!(
            edit("a: []\n", |ed, doc| ed.ensure_item(
                doc.root,
                &["a"],
                NewValue::str("ALL")
            )),
            "a: [ALL]\n"
        );
    }

    #[test]
    fn nulls_are_filled_and_scalars_replaced() {
        assert_eq!(
            set("a:\nb: 1\n", &["a", "c"], NewValue::Int(0)),
            "a:\n  c: 0\nb: 1\n"
        );
        assert_eq!(
            set("a: ~ # none\nb: 1\n", &["a", "c"], NewValue::Int(0)),
            "a: # none\n  c: 0\nb: 1\n"
        );
        assert_eq!(
            set("a: true\n", &["a"], NewValue::Bool(false)),
            "a: false\n"
        );
        assert_eq!(set("a:\n", &["a"], NewValue::Bool(false)), "a: false\n");
        assert_eq!(
            set("a: 'x/v1beta1' # old\n", &["a"], NewValue::str("x/v1")),
            "a: 'x/v1' # old\n"
        );
    }

    #[test]
    fn json_null_is_replaced_in_place() {
        assert_eq!(
            set(
                "{\"a\": null, \"b\": 1}",
                &["a", "c"],
                NewValue::Bool(false)
            ),
            "{\"a\": {\"c\": false}, \"b\": 1}"
        );
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        assert_eq!(
            set("a:\r\n  b: 1\r\nc: 2\r\n", &["a", "d"], NewValue::Int(3)),
            "a:\r\n  b: 1\r\n  d: 3\r\nc: 2\r\n"
        );
        assert_eq!(
            set("a:\n  b: 1", &["a", "d"], NewValue::Int(3)),
            "a:\n  b: 1\n  d: 3"
        );
    }

    #[test]
    fn block_scalars_and_sequence_items() {
        let t = "c:\n- name: a\n  args: |\n    x\n\n- name: b\n";
        assert_eq!(
            edit(t, |ed, doc| {
                let c = doc.get_key(doc.root, "c")?;
                let first = doc.items(c).next()?;
                ed.set(first, &["k"], NewValue::Bool(true))
            }),
            "c:\n- name: a\n  args: |\n    x\n  k: true\n\n- name: b\n"
        );
        let keep = "a:\n  b: |+\n    x\n\n";
        let loaded = load(keep, &LoadLimits::default());
        let d = &loaded.documents[0];
        let a = d.get_key(d.root, "a").unwrap();
        assert!(Editor::new(d, keep)
            .set(a, &["c"], NewValue::Int(1))
            .is_none());
    }

    #[test]
    fn before_a_key_and_its_comment() {
        let t = "kind: Policy\n# the rules\nrules:\n- level: None\n";
        assert_eq!(
            edit(t, |ed, doc| ed
                .insert_entry(
                    doc.root,
                    "omitStages",
                    &NewValue::Seq(vec![NewValue::str("RequestReceived")]),
                    &["rules"]
                )
                .map(|e| vec![e])),
            "kind: Policy\nomitStages:\n- RequestReceived\n# the rules\nrules:\n- level: None\n"
        );
    }

    #[test]
    fn declines_what_it_cannot_do_safely() {
        for (t, path) in [
            ("a: &x {b: 1}\nc: *x\n", &["a", "d"][..]),
            ("a:\n  <<: {b: 1}\n", &["a", "b"][..]),
            ("a: 1\na: 2\n", &["a"][..]),
            ("a: [1]\n", &["a", "b"][..]),
        ] {
            let loaded = load(t, &LoadLimits::default());
            let d = &loaded.documents[0];
            assert!(
                Editor::new(d, t)
                    .set(d.root, path, NewValue::Int(1))
                    .is_none(),
                "{t}"
            );
        }
    }

    #[test]
    fn quotes_follow_the_document() {
        let t = "a: 'x'\nb: 'y'\nc: yes\n";
        let loaded = load(t, &LoadLimits::default());
        let d = &loaded.documents[0];
        assert_eq!(Editor::new(d, t).quoted("yes"), "'yes'");
        assert_eq!(Editor::new(d, t).scalar("on"), "'on'");
        assert_eq!(Editor::new(d, t).scalar("100m"), "100m");
    }
}
