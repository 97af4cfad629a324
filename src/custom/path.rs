//! Paths of custom rules (`require:`, `forbid:`, path targets): a dotted
//! list of mapping keys with list steps, walked over the spanned tree.
//!
//! ```text
//! path    := first ( "." key | bracket )*
//! first   := key | bracket
//! key     := one or more of: any character but . [ ] \ ' " , or \ and any character
//! bracket := "[" ( "*" | "" | digits | "'" text "'" | '"' text '"' ) "]"
//! ```
//!
//! `[*]` (or `[]`) is every item of a list (or every value of a mapping),
//! `[2]` one item, `['app.kubernetes.io/name']` a key that contains dots;
//! `\.` escapes a dot inside a bare key (`app\.kubernetes\.io/name`). A `/`
//! is an ordinary key character. Inside quotes, `\` escapes the quote and
//! itself.

use crate::yaml::{Document, NodeId};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// Every item of a list, every value of a mapping.
    All,
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path {
    pub steps: Vec<Step>,
}

/// A syntax error: byte offset in the path text and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub offset: usize,
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, PathError> {
    Err(PathError {
        offset,
        message: message.into(),
    })
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let b = text.as_bytes();
        let mut steps = Vec::new();
        let mut i = 0;
        if text.is_empty() {
            return err(0, "empty path");
        }
        let mut first = true;
        while i < b.len() {
            match b[i] {
                b'[' => {
                    let open = i;
                    i += 1;
                    match b.get(i) {
                        Some(b'*') if b.get(i + 1) == Some(&b']') => {
                            steps.push(Step::All);
                            i += 2;
                        }
                        Some(b']') => {
                            steps.push(Step::All);
                            i += 1;
                        }
                        Some(&q @ (b'\'' | b'"')) => {
                            i += 1;
                            let mut key = String::new();
                            loop {
                                let Some(c) = text[i..].chars().next() else {
                                    return err(open, "unterminated quoted key");
                                };
                                match c {
                                    '\\' => {
                                        let Some(n) = text[i + 1..].chars().next() else {
                                            return err(i, "`\\` at the end of the path");
                                        };
                                        key.push(n);
                                        i += 1 + n.len_utf8();
                                    }
                                    _ if c as u32 == u32::from(q) => {
                                        i += 1;
                                        break;
                                    }
                                    _ => {
                                        key.push(c);
                                        i += c.len_utf8();
                                    }
                                }
                            }
                            if b.get(i) != Some(&b']') {
                                return err(i, "expected `]` after the quoted key");
                            }
                            i += 1;
                            steps.push(Step::Key(key));
                        }
                        Some(c) if c.is_ascii_digit() => {
                            let start = i;
                            while b.get(i).is_some_and(u8::is_ascii_digit) {
                                i += 1;
                            }
                            if b.get(i) != Some(&b']') {
                                return err(i, "expected `]` after the list index");
                            }
                            let n = text[start..i]
                                .parse::<usize>()
                                .or_else(|_| err(start, "list index too large"))?;
                            i += 1;
                            steps.push(Step::Index(n));
                        }
                        _ => {
                            return err(
                                open,
                                "expected `[*]`, `[]`, a list index like `[0]` or a quoted key like `['a.b']`",
                            )
                        }
                    }
                }
                b'.' if !first => {
                    i += 1;
                    if matches!(b.get(i), None | Some(b'.' | b'[' | b']')) {
                        return err(i, "expected a key after `.`");
                    }
                    i = bare_key(text, i, &mut steps)?;
                }
                b'.' => return err(0, "a path cannot start with `.`"),
                b']' => return err(i, "unmatched `]`"),
                _ if first => i = bare_key(text, i, &mut steps)?,
                _ => return err(i, "expected `.` or `[` between path steps"),
            }
            first = false;
        }
        Ok(Path { steps })
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

fn bare_key(text: &str, mut i: usize, steps: &mut Vec<Step>) -> Result<usize, PathError> {
    let mut key = String::new();
    while let Some(c) = text[i..].chars().next() {
        match c {
            '.' | '[' => break,
            ']' => return err(i, "unmatched `]`"),
            '\'' | '"' => {
                return err(
                    i,
                    "quotes are only allowed in brackets: write `['a.b']` for a key with dots",
                )
            }
            '\\' => {
                let Some(n) = text[i + 1..].chars().next() else {
                    return err(i, "`\\` at the end of the path");
                };
                key.push(n);
                i += 1 + n.len_utf8();
            }
            _ => {
                key.push(c);
                i += c.len_utf8();
            }
        }
    }
    steps.push(Step::Key(key));
    Ok(i)
}

/// Does a key need brackets to be written back?
fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && !k
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '\\' | '\'' | '"'))
}

fn write_key(f: &mut impl fmt::Write, k: &str, first: bool) -> fmt::Result {
    if plain_key(k) {
        if !first {
            f.write_char('.')?;
        }
        f.write_str(k)
    } else {
        f.write_str("['")?;
        for c in k.chars() {
            if c == '\'' || c == '\\' {
                f.write_char('\\')?;
            }
            f.write_char(c)?;
        }
        f.write_str("']")
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                Step::Key(k) => write_key(f, k, i == 0)?,
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::All => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// One step actually taken through a document: the key node of a mapping
/// entry, or a list index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    Key(NodeId),
    Index(usize),
}

/// Write the concrete path of `segs` (`spec.containers[1].image`).
pub fn render(doc: &Document<'_>, segs: &[Seg]) -> String {
    let mut s = String::new();
    for (i, seg) in segs.iter().enumerate() {
        match *seg {
            Seg::Key(k) => {
                let _ = write_key(&mut s, doc.text(k).unwrap_or("?"), i == 0);
            }
            Seg::Index(n) => s.push_str(&format!("[{n}]")),
        }
    }
    s
}

/// A node reached by a walk: where it sits (its key, if it is a mapping
/// value) and the concrete steps from the start.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub node: NodeId,
    pub key: Option<NodeId>,
}

/// The outcome of walking one path (for each item a `[*]` reaches).
#[derive(Debug, Clone, Copy)]
pub enum Reach {
    /// The whole path exists (and its value is not null).
    Found(At),
    /// The path stops early: `at` is the deepest node that exists, `step`
    /// the index of the first step that could not be taken.
    Missing { at: At, step: usize },
}

impl Path {
    /// Walk the path from `start`, calling `f` once per reached end. A
    /// `[*]` reaches each item of a list (each value of a mapping); when
    /// the steps up to the last `[*]` lead nowhere (a missing, null or
    /// empty collection) nothing is reached at all, so only the steps after
    /// the last `[*]` can be [`Reach::Missing`]. A key whose value is null
    /// counts as absent, as the API server decodes it. `trail` holds the
    /// concrete segments (it is restored on return).
    pub fn walk(
        &self,
        doc: &Document<'_>,
        start: At,
        trail: &mut Vec<Seg>,
        f: &mut dyn FnMut(Reach, &[Seg]),
    ) {
        self.walk_from(doc, start, 0, trail, f);
    }

    /// Steps before this index are looked up, not required.
    fn required_from(&self) -> usize {
        self.steps
            .iter()
            .rposition(|s| *s == Step::All)
            .map_or(0, |i| i + 1)
    }

    fn missing(&self, at: At, step: usize, trail: &[Seg], f: &mut dyn FnMut(Reach, &[Seg])) {
        if step >= self.required_from() {
            f(Reach::Missing { at, step }, trail);
        }
    }

    fn walk_from(
        &self,
        doc: &Document<'_>,
        at: At,
        step: usize,
        trail: &mut Vec<Seg>,
        f: &mut dyn FnMut(Reach, &[Seg]),
    ) {
        let Some(s) = self.steps.get(step) else {
            f(Reach::Found(at), trail);
            return;
        };
        match s {
            Step::Key(k) => match doc.entry(at.node, k).filter(|&(_, v)| !doc.is_null(v)) {
                Some((key, v)) => {
                    trail.push(Seg::Key(key));
                    self.walk_from(
                        doc,
                        At {
                            node: v,
                            key: Some(key),
                        },
                        step + 1,
                        trail,
                        f,
                    );
                    trail.pop();
                }
                None => self.missing(at, step, trail, f),
            },
            Step::Index(n) => match doc.items(at.node).nth(*n).filter(|&v| !doc.is_null(v)) {
                Some(v) => {
                    trail.push(Seg::Index(*n));
                    self.walk_from(doc, At { node: v, key: None }, step + 1, trail, f);
                    trail.pop();
                }
                None => self.missing(at, step, trail, f),
            },
            Step::All => {
                if doc.is_seq(at.node) {
                    for (i, v) in doc.items(at.node).enumerate() {
                        if doc.is_null(v) {
                            continue;
                        }
                        trail.push(Seg::Index(i));
                        self.walk_from(doc, At { node: v, key: None }, step + 1, trail, f);
                        trail.pop();
                    }
                } else if doc.is_map(at.node) {
                    for (k, v) in doc.entries(at.node) {
                        if doc.is_null(v) {
                            continue;
                        }
                        trail.push(Seg::Key(k));
                        self.walk_from(
                            doc,
                            At {
                                node: v,
                                key: Some(k),
                            },
                            step + 1,
                            trail,
                            f,
                        );
                        trail.pop();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{load, LoadLimits};

    fn steps(s: &str) -> Vec<Step> {
        Path::parse(s).unwrap().steps
    }

    fn key(k: &str) -> Step {
        Step::Key(k.to_string())
    }

    #[test]
    fn syntax() {
        assert_eq!(
            steps("metadata.labels.owner"),
            [key("metadata"), key("labels"), key("owner")]
        );
        assert_eq!(
            steps("metadata.labels['app.kubernetes.io/name']"),
            [
                key("metadata"),
                key("labels"),
                key("app.kubernetes.io/name")
            ]
        );
        assert_eq!(
            steps(r"metadata.labels.app\.kubernetes\.io/name"),
            [
                key("metadata"),
                key("labels"),
                key("app.kubernetes.io/name")
            ]
        );
        assert_eq!(steps(r#"a["it's"].b"#), [key("a"), key("it's"), key("b")]);
        assert_eq!(
            steps("spec.containers[*].ports[].hostPort"),
            [
                key("spec"),
                key("containers"),
                Step::All,
                key("ports"),
                Step::All,
                key("hostPort")
            ]
        );
        assert_eq!(steps("[0].a"), [Step::Index(0), key("a")]);
        assert_eq!(steps("['a b']"), [key("a b")]);
        for bad in [
            "", ".a", "a.", "a..b", "a[", "a[x]", "a['b'", "a]b", "a['b']c", "a[1", "a'b", "a\\",
        ] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Path::parse("a..b").unwrap_err().offset, 2);
    }

    #[test]
    fn display_round_trips() {
        for p in [
            "metadata.labels['app.kubernetes.io/name']",
            "spec.containers[*].image",
            "a[3]['x\\'y']",
        ] {
            let parsed = Path::parse(p).unwrap();
            assert_eq!(parsed.to_string(), p);
            assert_eq!(Path::parse(&parsed.to_string()).unwrap(), parsed);
        }
    }

    #[test]
    fn walking() {
        let text =
            "spec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n  - ~\n  empty:\n";
        let loaded = load(text, &LoadLimits::default());
        let doc = &loaded.documents[0];
        let path = Path::parse("spec.containers[*].image").unwrap();
        let mut out = Vec::new();
        let start = At {
            node: doc.root,
            key: None,
        };
        path.walk(doc, start, &mut Vec::new(), &mut |r, trail| {
            out.push((
                matches!(r, Reach::Found(_)),
                render(doc, trail),
                match r {
                    Reach::Missing { step, .. } => step,
                    Reach::Found(_) => 99,
                },
            ))
        });
        assert_eq!(
            out,
            [
                (true, "spec.containers[0].image".to_string(), 99),
                (false, "spec.containers[1]".to_string(), 3)
            ]
        );
        // A null value is absent; a wildcard over nothing reaches nothing.
        let mut n = 0;
        Path::parse("spec.empty")
            .unwrap()
            .walk(doc, start, &mut Vec::new(), &mut |r, _| {
                assert!(matches!(r, Reach::Missing { step: 1, .. }));
                n += 1;
            });
        Path::parse("spec.missing[*].x")
            .unwrap()
            .walk(doc, start, &mut Vec::new(), &mut |_, _| n += 10);
        Path::parse("spec.empty[*]")
            .unwrap()
            .walk(doc, start, &mut Vec::new(), &mut |_, _| n += 10);
        assert_eq!(n, 1);
    }
}
