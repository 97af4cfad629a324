//! Byte offsets to line/column positions.
//!
//! Lines and columns are 1-based. Columns count Unicode scalar values
//! (characters), not bytes, so a finding after `é` points where an editor
//! shows it. A `\r` before `\n` belongs to the line ending.

use serde::Serialize;

/// Start offsets of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr_newlines(text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, text: &str, offset: u32) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset as usize);
        let line = self.starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.starts[line] as usize;
        let col = text[start..offset].chars().count() + 1;
        (line as u32 + 1, col as u32)
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.starts.get(line.checked_sub(1)? as usize).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..offset.min(text.len())]).map_or(0, |i| i + 1)
}

/// Locations of many byte ranges of `text` at once, in one forward pass
/// up to the last offset: newlines are counted a block at a time, with no
/// index of line starts built (most files need a few locations near their
/// top). Offsets are resolved in increasing order with a cursor, so many
/// findings on one very long line (minified JSON) cost one pass over the
/// line, not one each.
pub fn locations(text: &str, spans: &[(u32, u32)]) -> Vec<Location> {
    let bytes = text.as_bytes();
    let mut offsets: Vec<(u32, usize)> = Vec::with_capacity(spans.len() * 2);
    for (i, &(s, e)) in spans.iter().enumerate() {
        offsets.push((s, 2 * i));
        offsets.push((e.max(s), 2 * i + 1));
    }
    offsets.sort_unstable();
    let mut pos = vec![(0u32, 0u32); offsets.len()];
    // Scanned up to `at`: `line` newlines before it, the last line
    // starting at `line_start`.
    let (mut at, mut line, mut line_start) = (0usize, 0usize, 0usize);
    // (line, byte offset, column at that offset)
    let mut cursor: Option<(usize, usize, usize)> = None;
    for &(off, slot) in &offsets {
        // Clamping keeps the offsets in order.
        let off = clamp_to_char_boundary(text, off as usize);
        if off > at {
            let gap = &bytes[at..off];
            let n = count_newlines(gap);
            if n > 0 {
                line += n;
                line_start = at + memchr::memrchr(b'\n', gap).map_or(0, |i| i + 1);
            }
            at = off;
        }
        let col = match cursor {
            Some((l, o, c)) if l == line && o <= off => c + text[o..off].chars().count(),
            _ => 1 + text[line_start..off].chars().count(),
        };
        cursor = Some((line, off, col));
        pos[slot] = (line as u32 + 1, col as u32);
    }
    spans
        .iter()
        .enumerate()
        .map(|(i, &(s, e))| {
            let (line, column) = pos[2 * i];
            let (end_line, end_column) = pos[2 * i + 1];
            Location {
                line,
                column,
                end_line,
                end_column,
                start: s,
                end: e.max(s),
            }
        })
        .collect()
}

/// Number of `\n` bytes, counted in blocks the compiler vectorizes.
fn count_newlines(b: &[u8]) -> usize {
    let mut blocks = b.chunks_exact(128);
    let mut n: usize = blocks
        .by_ref()
        .map(|c| c.iter().map(|&x| (x == b'\n') as u8).sum::<u8>() as usize)
        .sum();
    n += blocks.remainder().iter().filter(|&&x| x == b'\n').count();
    n
}

fn memchr_newlines(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', b)
}

fn clamp_to_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Where a finding points: byte range and 1-based line/column of both ends
/// (the end is exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip)]
    pub start: u32,
    #[serde(skip)]
    pub end: u32,
}

impl Location {
    pub fn new(index: &LineIndex, text: &str, start: u32, end: u32) -> Location {
        let (line, column) = index.position(text, start);
        let (end_line, end_column) = index.position(text, end.max(start));
        Location {
            line,
            column,
            end_line,
            end_column,
            start,
            end: end.max(start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let text = "ab\ncdé f\r\ng";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 3), (2, 1));
        // 'f' is after the two-byte 'é' and a space.
        let f = text.find('f').unwrap() as u32;
        assert_eq!(idx.position(text, f), (2, 5));
        let g = text.find('g').unwrap() as u32;
        assert_eq!(idx.position(text, g), (3, 1));
        // Offsets inside a multi-byte character clamp to its start.
        let e = text.find('é').unwrap() as u32;
        assert_eq!(idx.position(text, e + 1), (2, 3));
        assert_eq!(idx.position(text, 999), (3, 2));
        let spans = [(f, g), (0, 2), (e + 1, f)];
        let locs = locations(text, &spans);
        for (l, &(s, e)) in locs.iter().zip(&spans) {
            assert_eq!((l.line, l.column), idx.position(text, s));
            assert_eq!((l.end_line, l.end_column), idx.position(text, e));
        }
    }

    #[test]
    fn locations_agree_with_the_line_index() {
        // Lines longer than a counting block, blank lines, CRLF, multi-byte
        // characters, offsets inside them and past the end, in any order.
        let mut text = String::new();
        for i in 0..400 {
            match i % 5 {
                0 => text.push('\n'),
                1 => text.push_str(&"é".repeat(i)),
                2 => text.push_str("key: value\r\n"),
                _ => text.push_str(&"x".repeat(3 * i)),
            }
            text.push('\n');
        }
        let idx = LineIndex::new(&text);
        let len = text.len() as u32;
        let mut seed = 0x9e37_79b9_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % (len + 10)
        };
        let spans: Vec<(u32, u32)> = (0..500).map(|_| (next(), next())).collect();
        let locs = locations(&text, &spans);
        assert_eq!(locs.len(), spans.len());
        for (l, &(s, e)) in locs.iter().zip(&spans) {
            assert_eq!((l.line, l.column), idx.position(&text, s), "{s}");
            assert_eq!(
                (l.end_line, l.end_column),
                idx.position(&text, e.max(s)),
                "{e}"
            );
            assert_eq!((l.start, l.end), (s, e.max(s)));
        }
        assert_eq!(count_newlines(text.as_bytes()), idx.line_count() - 1);
    }
}
