//! Suppressions: the object annotation `kubelint.io/ignore: "rule-a,rule-b"`
//! (or `all`, with an optional `kubelint.io/ignore-reason`), and the YAML
//! comment `# kubelint-ignore: rule-a, rule-b` on a line or alone on the
//! line above.
//!
//! A comment applies to the line it targets and, when a mapping entry or
//! a sequence item starts on that line, to everything inside that node —
//! so a comment above `- name: istio-proxy` silences a rule for that one
//! container. Ranges are kept as lines so that cross-object findings, whose
//! files are no longer loaded, can be matched too.

use crate::yaml::{Document, NodeData, Span};

pub const ANNOTATION: &str = "kubelint.io/ignore";
pub const REASON_ANNOTATION: &str = "kubelint.io/ignore-reason";
const MARKER: &str = "kubelint-ignore:";

/// Which rules a suppression names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSet {
    All,
    Ids(Vec<String>),
}

impl RuleSet {
    /// Parse `rule-a, rule-b` or `all`. Ids may also be categories.
    pub fn parse(list: &str) -> RuleSet {
        let ids: Vec<String> = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if ids.iter().any(|i| i == "all") {
            RuleSet::All
        } else {
            RuleSet::Ids(ids)
        }
    }

    pub fn covers(&self, rule: &str, category: &str) -> bool {
        match self {
            RuleSet::All => true,
            RuleSet::Ids(ids) => ids.iter().any(|i| i == rule || i == category),
        }
    }

    /// The ids that name neither a rule of `rules` nor a category.
    pub fn unknown(&self, rules: &crate::rules::Rules) -> Vec<&str> {
        match self {
            RuleSet::All => Vec::new(),
            RuleSet::Ids(ids) => ids
                .iter()
                .map(String::as_str)
                .filter(|i| !rules.knows(i))
                .collect(),
        }
    }
}

/// A comment suppression: the lines it covers (1-based, inclusive).
#[derive(Debug, Clone)]
pub struct LineSuppression {
    pub from_line: u32,
    pub to_line: u32,
    pub rules: RuleSet,
    /// Where the rule list is written (for unknown-id findings).
    pub span: Span,
}

impl LineSuppression {
    pub fn covers(&self, line: u32, rule: &str, category: &str) -> bool {
        (self.from_line..=self.to_line).contains(&line) && self.rules.covers(rule, category)
    }
}

fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset) - 1
}

/// The spans of every scalar of the documents, sorted by start. Scalars
/// never overlap, so one binary search answers [`in_scalar`].
fn scalar_spans(docs: &[Document<'_>]) -> Vec<Span> {
    let mut v: Vec<Span> = docs
        .iter()
        .flat_map(|d| d.nodes.iter())
        .filter(|n| matches!(n.data, NodeData::Scalar { .. }))
        .map(|n| n.span)
        .collect();
    v.sort_unstable();
    v
}

/// Is `offset` inside a scalar (then a `#` there is text, not a comment)?
fn in_scalar(scalars: &[Span], offset: u32) -> bool {
    let i = scalars.partition_point(|s| s.start <= offset);
    i > 0 && offset < scalars[i - 1].end
}

/// Find `# kubelint-ignore:` comments in a file.
pub fn scan_comments(text: &str, docs: &[Document<'_>]) -> Vec<LineSuppression> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let mut starts = vec![0usize];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let scalars = scalar_spans(docs);
    let mut found: Vec<(usize, LineSuppression)> = Vec::new();
    for (at, _) in text.match_indices(MARKER) {
        let line = line_of(&starts, at);
        let ls = starts[line];
        let Some(hash) = text[ls..at].rfind('#').map(|h| ls + h) else {
            continue;
        };
        if !text[hash + 1..at].trim().is_empty() {
            continue;
        }
        let before = &text[ls..hash];
        if !(before.is_empty() || before.ends_with([' ', '\t'])) || in_scalar(&scalars, hash as u32)
        {
            continue;
        }
        let le = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let list_start = at + MARKER.len();
        let list = text[list_start..le]
            .split(" -- ")
            .next()
            .unwrap_or("")
            .trim_end_matches('\r');
        let rules = RuleSet::parse(list);
        let span = Span::new(list_start as u32, (list_start + list.len()) as u32);
        // A comment alone on its line targets the next line with content.
        let mut target = line;
        if before.trim().is_empty() {
            target += 1;
            while target < starts.len() {
                let s = starts[target];
                let e = starts.get(target + 1).copied().unwrap_or(text.len());
                let t = text[s..e].trim();
                if !t.is_empty() && !t.starts_with('#') {
                    break;
                }
                target += 1;
            }
            if target >= starts.len() {
                continue;
            }
        }
        found.push((
            target,
            LineSuppression {
                from_line: target as u32 + 1,
                to_line: target as u32 + 1,
                rules,
                span,
            },
        ));
    }
    if found.is_empty() {
        return Vec::new();
    }
    // Extend each target line over the node that starts on it.
    found.sort_by_key(|(t, _)| *t);
    let targets: Vec<usize> = found.iter().map(|(t, _)| *t).collect();
    let mut ends: Vec<usize> = targets.iter().map(|&t| starts[t]).collect();
    let mut consider = |start: u32, end: u32| {
        let l = line_of(&starts, start as usize);
        if let Ok(i) = targets.binary_search(&l) {
            // Several comments may target the same line; extend them all.
            let mut j = i;
            while j > 0 && targets[j - 1] == l {
                j -= 1;
            }
            while j < targets.len() && targets[j] == l {
                ends[j] = ends[j].max(end as usize);
                j += 1;
            }
        }
    };
    for d in docs {
        for n in &d.nodes {
            match n.data {
                NodeData::Map { first, len } => {
                    for c in d.children[first as usize..(first + 2 * len) as usize].chunks_exact(2)
                    {
                        let (k, v) = (d.nodes[c[0] as usize].span, d.nodes[c[1] as usize].span);
                        consider(k.start, k.end.max(v.end));
                    }
                }
                NodeData::Seq { first, len } => {
                    for &c in &d.children[first as usize..(first + len) as usize] {
                        let s = d.nodes[c as usize].span;
                        consider(s.start, s.end);
                    }
                }
                _ => {}
            }
        }
    }
    found
        .into_iter()
        .zip(ends)
        .map(|((_, mut s), end)| {
            let end_line = line_of(
                &starts,
                end.saturating_sub(1).max(starts[s.from_line as usize - 1]),
            );
            s.to_line = s.to_line.max(end_line as u32 + 1);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{load, LoadLimits};

    fn scan(text: &str) -> Vec<(u32, u32, RuleSet)> {
        let docs = load(text, &LoadLimits::default()).documents;
        scan_comments(text, &docs)
            .into_iter()
            .map(|s| (s.from_line, s.to_line, s.rules))
            .collect()
    }

    #[test]
    fn inline_and_line_above() {
        let text = "a: yes # kubelint-ignore: yaml11-boolean\n# kubelint-ignore: all -- reviewed\nb: on\nc: '# kubelint-ignore: x'\n";
        assert_eq!(
            scan(text),
            [
                (1, 1, RuleSet::Ids(vec!["yaml11-boolean".into()])),
                (3, 3, RuleSet::All)
            ]
        );
    }

    #[test]
    fn a_comment_above_a_list_item_covers_the_item() {
        let text = "containers:\n  - name: app\n    image: a\n  # kubelint-ignore: rule-a, rule-b\n  - name: sidecar\n    image: b\n    securityContext:\n      privileged: true\n  - name: last\n";
        assert_eq!(
            scan(text),
            [(5, 8, RuleSet::Ids(vec!["rule-a".into(), "rule-b".into()]))]
        );
    }
}
