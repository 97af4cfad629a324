//! Fixes: text edits on spans, applied without disturbing the rest of the
//! file.
//!
//! A rule that knows how to repair what it reports attaches a [`Fix`] to
//! the finding ([`crate::rules::Cx::fix`]): a safety level, a one-line
//! description and one or more [`Edit`]s — a byte range of the file's text
//! and what replaces it (an empty range inserts, empty content deletes).
//! Edits are built with an [`Editor`], which writes into the document the
//! way its author wrote the rest: block entries at the indentation of their
//! siblings, flow entries inside `{…}` and `[…]`, the file's line endings,
//! its indentation width, its sequence style and its preferred quotes.
//! Nothing outside the edited range changes, so comments, key order, blank
//! lines, document separators and untouched values are kept byte for byte.
//!
//! [`run`] is the `--fix` loop: lint, apply the non-overlapping fixes of
//! each file (a fix whose edits overlap an already accepted one waits for
//! the next round), re-parse, refuse a result that no longer parses, re-lint
//! the whole input (cross-object context such as a Namespace's Pod Security
//! level decides which findings exist), and repeat until nothing is left to
//! apply or [`MAX_ROUNDS`] is reached.
//!
//! Two levels: [`Safety::Safe`] fixes are applied by `--fix`;
//! [`Safety::Unsafe`] ones (placeholder values that a person must size)
//! only with `--unsafe-fixes` as well.

mod edit;

pub use edit::{Editor, NewValue};

use crate::engine::{lint, Input, Options, Outcome};
use crate::source::Location;
use crate::yaml::{load, LoadLimits, Span};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Rounds of fix → re-lint before `--fix` gives up on convergence.
pub const MAX_ROUNDS: usize = 10;

/// Whether a fix is applied by `--fix` alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    /// Does what the finding's help says, and only that.
    Safe,
    /// Needs a person's judgement afterwards (e.g. a placeholder value):
    /// applied only with `--unsafe-fixes`.
    Unsafe,
}

impl Safety {
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
        }
    }
}

/// Replace the bytes of `span` with `content`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Byte range of the file's text (empty: an insertion point).
    pub span: Span,
    pub content: String,
    /// Line and column of `span`, filled in when the finding is finalized.
    pub location: Option<Location>,
}

impl Edit {
    pub fn replace(span: Span, content: impl Into<String>) -> Edit {
        Edit {
            span,
            content: content.into(),
            location: None,
        }
    }
    pub fn insert(at: u32, content: impl Into<String>) -> Edit {
        Edit::replace(Span::new(at, at), content)
    }
    pub fn delete(span: Span) -> Edit {
        Edit::replace(span, String::new())
    }
}

/// What a rule offers to repair a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub safety: Safety,
    /// What the fix does, e.g. "Set `allowPrivilegeEscalation: false`".
    pub description: crate::finding::Text,
    /// Non-overlapping edits, applied together or not at all.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(description: impl Into<crate::finding::Text>, edits: Vec<Edit>) -> Fix {
        Fix {
            safety: Safety::Safe,
            description: description.into(),
            edits,
        }
    }
    pub fn unsafe_(description: impl Into<crate::finding::Text>, edits: Vec<Edit>) -> Fix {
        Fix {
            safety: Safety::Unsafe,
            description: description.into(),
            edits,
        }
    }

    /// The same fix with every edit moved `by` bytes (a byte-order mark
    /// in front of the text the rule saw).
    pub fn shifted(mut self, by: u32) -> Fix {
        if by > 0 {
            for e in &mut self.edits {
                e.span = Span::new(e.span.start + by, e.span.end + by);
            }
        }
        self
    }

    /// The edits' ranges and contents, without locations: two fixes with
    /// the same key make the same change.
    fn key(&self) -> Vec<(u32, u32, &str)> {
        self.edits
            .iter()
            .map(|e| (e.span.start, e.span.end, e.content.as_str()))
            .collect()
    }
}

/// `(indentation, key)` of an insertion of whole block lines at the start
/// of a line (`    key: …` + line break …). Such insertions can share
/// their point: mappings that end there end together, so the deeper entry
/// goes first, and siblings with different keys go in any order.
fn line_block<'t>(text: &str, e: &'t Edit) -> Option<(usize, &'t str)> {
    let at = e.span.start as usize;
    if !e.span.is_empty()
        || (at != 0 && text.as_bytes().get(at - 1) != Some(&b'\n'))
        || !e.content.ends_with('\n')
    {
        return None;
    }
    let first = e.content.lines().next()?;
    let body = first.trim_start_matches(' ');
    let (key, _) = body.split_once(':')?;
    if key.is_empty() || key.starts_with(['#', '-', '"', '\'', '?', '{', '[']) {
        return None;
    }
    Some((first.len() - body.len(), key))
}

/// Whether two edits cannot both be applied in a well-defined order: their
/// ranges overlap, an insertion point touches the other edit, or two
/// insertions at one point are not block lines of different entries.
fn conflict(text: &str, a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() && a.span.start == b.span.start {
        return match (line_block(text, a), line_block(text, b)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
    }
    spans_conflict(a.span, b.span)
}

fn spans_conflict(a: Span, b: Span) -> bool {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => a.start == b.start,
        (true, false) => b.start <= a.start && a.start <= b.end,
        (false, true) => a.start <= b.start && b.start <= a.end,
        (false, false) => a.start < b.end && b.start < a.end,
    }
}

/// The result of applying fixes to one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Fixes applied (a fix identical to one already applied counts too:
    /// it is the same change, made once).
    pub applied: usize,
    /// Fixes left out because they overlap an accepted one.
    pub conflicts: usize,
}

/// Apply every fix whose edits overlap no edit of an earlier accepted fix.
/// Fixes are taken in order of their first edit, so the result does not
/// depend on the order given. Fixes with edits outside the text or off a
/// character boundary are dropped (counted as conflicts).
pub fn apply(text: &str, fixes: &[&Fix]) -> Applied {
    let mut order: Vec<&Fix> = fixes.to_vec();
    order.sort_by(|a, b| {
        let first = |f: &Fix| f.edits.iter().map(|e| (e.span.start, e.span.end)).min();
        first(a).cmp(&first(b)).then_with(|| a.key().cmp(&b.key()))
    });
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut seen: HashSet<Vec<(u32, u32, &str)>> = HashSet::new();
    let (mut applied, mut conflicts) = (0, 0);
    for f in order {
        if f.edits.is_empty() {
            continue;
        }
        let key = f.key();
        if seen.contains(&key) {
            applied += 1;
            continue;
        }
        let valid = f.edits.iter().all(|e| {
            (e.span.end as usize) <= text.len()
                && text.is_char_boundary(e.span.start as usize)
                && text.is_char_boundary(e.span.end as usize)
        });
        let clashes = f
            .edits
            .iter()
            .any(|e| accepted.iter().any(|a| conflict(text, a, e)));
        let own_overlap = f.edits.iter().enumerate().any(|(i, a)| {
            f.edits[i + 1..]
                .iter()
                .any(|b| a.span.start < b.span.end && b.span.start < a.span.end)
        });
        if !valid || clashes || own_overlap {
            conflicts += 1;
            continue;
        }
        accepted.extend(f.edits.iter());
        seen.insert(key);
        applied += 1;
    }
    // Within one fix an insertion may sit right at the end of its own
    // deletion: order by (start, end) keeps the deletion first. Block
    // lines sharing a point go deepest first.
    accepted.sort_by_key(|e| {
        let block = line_block(text, e);
        (
            e.span.start,
            e.span.end,
            std::cmp::Reverse(block.map_or(usize::MAX, |(indent, _)| indent)),
            block.map(|(_, key)| key),
        )
    });
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0usize;
    for e in accepted {
        let (s, t) = (e.span.start as usize, e.span.end as usize);
        out.push_str(&text[at..s]);
        out.push_str(&e.content);
        at = t.max(at);
    }
    out.push_str(&text[at..]);
    Applied {
        text: out,
        applied,
        conflicts,
    }
}

/// One file that `--fix` changed.
#[derive(Debug, Clone)]
pub struct FixedFile {
    pub display: Arc<str>,
    /// Where to write it back; None for stdin.
    pub path: Option<PathBuf>,
    pub original: String,
    pub fixed: String,
    /// Findings whose fix was applied to this file.
    pub fixes: usize,
}

/// What the `--fix` loop did.
#[derive(Debug, Default)]
pub struct FixRun {
    /// The lint of the fixed texts: what remains.
    pub outcome: Outcome,
    /// Changed files, in input order.
    pub files: Vec<FixedFile>,
    /// Findings whose fix was applied.
    pub applied: usize,
    /// Files whose fixes were refused, with the reason (the result would
    /// not parse, or the file was not valid YAML to begin with).
    pub refused: Vec<(Arc<str>, String)>,
    /// Lint rounds run (the first lint included).
    pub rounds: usize,
}

struct FileState {
    index: usize,
    path: Option<PathBuf>,
    original: String,
    current: String,
    shape: Shape,
    fixes: usize,
    seen: HashSet<u64>,
}

fn text_of(input: &Input) -> Option<String> {
    let bytes = match input {
        Input::File { path, .. } => std::fs::read(path).ok()?,
        Input::Bytes { bytes, .. } => bytes.to_vec(),
        Input::Unreadable { .. } => return None,
    };
    String::from_utf8(bytes).ok()
}

fn hash_text(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// What a text holds: its documents, and mapping keys written twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    documents: usize,
    duplicate_keys: usize,
}

/// The shape of a text, or None when it does not load cleanly.
fn shape(text: &str, limits: &LoadLimits) -> Option<Shape> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let loaded = load(body, limits);
    if loaded.error.is_some() {
        return None;
    }
    let mut duplicate_keys = 0;
    let mut seen: HashSet<&str> = HashSet::new();
    for doc in &loaded.documents {
        for map in doc.maps_in(doc.root) {
            seen.clear();
            for (k, _) in doc.entries(map) {
                if let Some(key) = doc.text(k) {
                    if !seen.insert(key) {
                        duplicate_keys += 1;
                    }
                }
            }
        }
    }
    Some(Shape {
        documents: loaded.documents.len(),
        duplicate_keys,
    })
}

/// Lint `inputs`, apply the fixes allowed (`unsafe_fixes` adds the unsafe
/// ones) and re-lint until stable. Nothing is written: the caller writes
/// [`FixRun::files`] back, prints them as a diff, or both.
pub fn run(inputs: &[Input], opts: &Options, unsafe_fixes: bool) -> FixRun {
    let mut inputs: Vec<Input> = inputs.to_vec();
    let position: HashMap<Arc<str>, usize> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, input)| (input.display().clone(), i))
        .collect();
    let mut states: BTreeMap<usize, FileState> = BTreeMap::new();
    let mut refused: BTreeMap<Arc<str>, String> = BTreeMap::new();
    let mut outcome = lint(&inputs, opts);
    let mut rounds = 1;
    let mut applied_total = 0;
    while rounds <= MAX_ROUNDS {
        let mut by_file: BTreeMap<Arc<str>, Vec<&Fix>> = BTreeMap::new();
        for f in &outcome.findings {
            let Some(fix) = &f.fix else { continue };
            if fix.safety == Safety::Unsafe && !unsafe_fixes {
                continue;
            }
            if refused.contains_key(&f.file) {
                continue;
            }
            by_file.entry(f.file.clone()).or_default().push(fix);
        }
        let mut changed = false;
        for (file, fixes) in by_file {
            let Some(&index) = position.get(&file) else {
                continue;
            };
            if let std::collections::btree_map::Entry::Vacant(slot) = states.entry(index) {
                let Some(text) = text_of(&inputs[index]) else {
                    refused.insert(file, "the file could not be read again as UTF-8".into());
                    continue;
                };
                let Some(shape) = shape(&text, &opts.limits) else {
                    refused.insert(
                        file,
                        "the file has a YAML syntax error: fix it by hand first".into(),
                    );
                    continue;
                };
                let mut seen = HashSet::new();
                seen.insert(hash_text(&text));
                let path = match &inputs[index] {
                    Input::File { path, .. } => Some(path.clone()),
                    _ => None,
                };
                slot.insert(FileState {
                    index,
                    path,
                    original: text.clone(),
                    current: text,
                    shape,
                    fixes: 0,
                    seen,
                });
            }
            let Some(state) = states.get_mut(&index) else {
                continue;
            };
            let mut result = apply(&state.current, &fixes);
            if result.applied == 0 || result.text == state.current {
                continue;
            }
            let mut after = shape(&result.text, &opts.limits);
            if after.is_some_and(|a| a.duplicate_keys > state.shape.duplicate_keys) {
                // Two fixes added the same key at different places: take
                // the first alone this round; the next lint offers the rest
                // against the new text.
                let first = fixes
                    .iter()
                    .min_by_key(|f| f.edits.iter().map(|e| (e.span.start, e.span.end)).min())
                    .copied();
                result = apply(&state.current, &first.into_iter().collect::<Vec<_>>());
                after = shape(&result.text, &opts.limits);
            }
            if after != Some(state.shape) {
                refused.insert(
                    file,
                    "applying its fixes would leave YAML that does not parse (or with a key written twice); the file was left unchanged by the last round".into(),
                );
                continue;
            }
            if !state.seen.insert(hash_text(&result.text)) {
                // A cycle: the same text again. Stop fixing this file.
                refused.insert(file, "its fixes do not converge".into());
                continue;
            }
            state.current = result.text;
            state.fixes += result.applied;
            applied_total += result.applied;
            inputs[index] = Input::Bytes {
                display: file.clone(),
                bytes: state.current.as_bytes().into(),
            };
            changed = true;
        }
        if !changed {
            break;
        }
        outcome = lint(&inputs, opts);
        rounds += 1;
    }
    let files = states
        .into_values()
        .filter(|s| s.current != s.original)
        .map(|s| FixedFile {
            display: inputs[s.index].display().clone(),
            path: s.path,
            original: s.original,
            fixed: s.current,
            fixes: s.fixes,
        })
        .collect();
    FixRun {
        outcome,
        files,
        applied: applied_total,
        refused: refused.into_iter().collect(),
        rounds,
    }
}

/// A unified diff of one file's fix (`--- a/FILE`, `+++ b/FILE`, three
/// lines of context), empty when nothing changed.
pub fn unified_diff(display: &str, original: &str, fixed: &str) -> String {
    if original == fixed {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(original, fixed);
    // git's `a/` and `b/` prefixes for relative paths; absolute ones as is.
    let (a, b) = if display.starts_with('/') {
        (display.to_string(), display.to_string())
    } else {
        (format!("a/{display}"), format!("b/{display}"))
    };
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: &[(u32, u32, &str)]) -> Fix {
        Fix::safe(
            "t",
            edits
                .iter()
                .map(|&(s, e, c)| Edit::replace(Span::new(s, e), c))
                .collect(),
        )
    }

    #[test]
    fn non_overlapping_edits_merge_and_overlapping_ones_wait() {
        let text = "abcdef";
        let a = fix(&[(0, 1, "A")]);
        let b = fix(&[(1, 3, "")]);
        let c = fix(&[(2, 4, "X")]); // overlaps b
        let d = fix(&[(6, 6, "!")]);
        let e = fix(&[(0, 1, "A")]); // identical to a
        let r = apply(text, &[&d, &c, &b, &a, &e]);
        assert_eq!(r.text, "Adef!");
        assert_eq!((r.applied, r.conflicts), (4, 1));
        // Two insertions at one point conflict: their order is undefined.
        let r = apply(text, &[&fix(&[(3, 3, "x")]), &fix(&[(3, 3, "y")])]);
        assert_eq!((r.text.as_str(), r.conflicts), ("abcxdef", 1));
        // Unless they are block lines of different entries: the deeper
        // goes first, siblings by key; the same key twice still conflicts.
        let t = "a:\n  b:\n    c: 1\nz: 2\n";
        let at = t.find("z:").unwrap() as u32;
        let r = apply(
            t,
            &[
                &fix(&[(at, at, "y: 1\n")]),
                &fix(&[(at, at, "    e: 1\n")]),
                &fix(&[(at, at, "  x: 1\n")]),
                &fix(&[(at, at, "    d: 1\n")]),
                &fix(&[(at, at, "    d: 2\n")]),
            ],
        );
        assert_eq!(
            r.text,
            "a:\n  b:\n    c: 1\n    d: 1\n    e: 1\n  x: 1\ny: 1\nz: 2\n"
        );
        assert_eq!((r.applied, r.conflicts), (4, 1));
        // An insertion touching a replacement waits too.
        let r = apply(text, &[&fix(&[(1, 3, "R")]), &fix(&[(3, 3, "y")])]);
        assert_eq!((r.text.as_str(), r.conflicts), ("aRdef", 1));
        // Out of range: dropped.
        let r = apply(text, &[&fix(&[(5, 9, "")])]);
        assert_eq!((r.text.as_str(), r.applied), ("abcdef", 0));
    }

    #[test]
    fn a_fix_may_delete_and_insert_next_to_it() {
        let r = apply("k: ~", &[&fix(&[(2, 4, ""), (4, 4, "\n  a: 1")])]);
        assert_eq!(r.text, "k:\n  a: 1");
    }

    #[test]
    fn diff_has_headers_and_context() {
        let d = unified_diff("x.yaml", "a\nb\nc\n", "a\nb2\nc\n");
        assert!(d.starts_with("--- a/x.yaml\n+++ b/x.yaml\n@@"), "{d}");
        assert!(d.contains("-b\n+b2\n"), "{d}");
        assert_eq!(unified_diff("x", "a", "a"), "");
    }
}
