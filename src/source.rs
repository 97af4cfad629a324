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

    /// Locations of many byte ranges at once. Offsets are resolved in
    /// increasing order with a cursor, so many findings on one very long
    /// line (minified JSON) cost one pass over the line, not one each.
    pub fn locations(&self, text: &str, spans: &[(u32, u32)]) -> Vec<Location> {
        let mut offsets: Vec<(u32, usize)> = Vec::with_capacity(spans.len() * 2);
        for (i, &(s, e)) in spans.iter().enumerate() {
            offsets.push((s, 2 * i));
            offsets.push((e.max(s), 2 * i + 1));
        }
        offsets.sort_unstable();
        let mut pos = vec![(0u32, 0u32); offsets.len()];
        // (line index, byte offset, column at that offset)
        let mut cursor: Option<(usize, usize, usize)> = None;
        for &(off, slot) in &offsets {
            let off = clamp_to_char_boundary(text, off as usize);
            let line = self.starts.partition_point(|&s| s as usize <= off) - 1;
            let col = match cursor {
                Some((l, o, c)) if l == line && o <= off => c + text[o..off].chars().count(),
                _ => 1 + text[self.starts[line] as usize..off].chars().count(),
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
        let locs = idx.locations(text, &spans);
        for (l, &(s, e)) in locs.iter().zip(&spans) {
            assert_eq!((l.line, l.column), idx.position(text, s));
            assert_eq!((l.end_line, l.end_column), idx.position(text, e));
        }
    }
}
