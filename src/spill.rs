//! Findings waiting for the report, per input, within a memory budget.
//!
//! The report is sorted and deferred rules are decided only once every
//! object is known, so the findings of the per-file phase wait until the
//! last file is linted. Up to [`crate::engine::Options::findings_memory`]
//! bytes of them stay in memory; beyond that each file's findings are
//! written, in a compact binary form, to an unlinked temporary file and read
//! back one file at a time when the report is written. Memory then grows
//! with the cross-object index, not with the number of findings.

use crate::finding::{Finding, ObjectRef, Severity};
use crate::fix::{Edit, Fix, Safety};
use crate::source::Location;
use crate::yaml::Span;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Approximate heap bytes of a finding (struct, message, fix, paths).
pub fn weight(f: &Finding) -> usize {
    let owned = |s: &crate::finding::Text| match s {
        std::borrow::Cow::Owned(s) => s.len(),
        std::borrow::Cow::Borrowed(_) => 0,
    };
    std::mem::size_of::<Finding>()
        + f.message.len()
        + owned(&f.help)
        + f.node_path.as_ref().map_or(0, |p| p.len() + 16)
        + f.data.as_ref().map_or(0, |d| d.len() + 16)
        + f.fix.as_ref().map_or(0, |x| {
            std::mem::size_of::<Fix>()
                + owned(&x.description)
                + x.edits
                    .iter()
                    .map(|e| std::mem::size_of::<Edit>() + e.content.len())
                    .sum::<usize>()
        })
}

enum Slot {
    Memory(Vec<Finding>),
    Spilled { offset: u64, len: usize },
}

/// The findings of each input, in memory or spilled.
pub struct Store {
    budget: usize,
    held: usize,
    /// Findings put, in memory or on disk.
    count: usize,
    slots: Vec<Option<Slot>>,
    file: Option<(std::fs::File, PathBuf)>,
    end: u64,
    /// Shared strings for what is read back (rule ids, files).
    names: HashMap<String, Arc<str>>,
}

impl Store {
    pub fn new(inputs: usize, budget: usize) -> Store {
        Store {
            budget,
            held: 0,
            count: 0,
            slots: (0..inputs).map(|_| None).collect(),
            file: None,
            end: 0,
            names: HashMap::new(),
        }
    }

    /// How many findings were put.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether any findings went to disk.
    pub fn spilled(&self) -> bool {
        self.file.is_some()
    }

    /// Keep input `i`'s findings. An I/O error writing the spill file
    /// keeps them in memory instead.
    pub fn put(&mut self, i: usize, findings: Vec<Finding>) {
        if findings.is_empty() {
            return;
        }
        self.count += findings.len();
        let size: usize = findings.iter().map(weight).sum();
        if self.held + size > self.budget {
            let mut buf = Vec::with_capacity(size);
            for f in &findings {
                encode(f, &mut buf);
            }
            if let Ok(offset) = self.append(&buf) {
                self.slots[i] = Some(Slot::Spilled {
                    offset,
                    len: buf.len(),
                });
                return;
            }
        }
        self.held += size;
        self.slots[i] = Some(Slot::Memory(findings));
    }

    fn append(&mut self, buf: &[u8]) -> std::io::Result<u64> {
        if self.file.is_none() {
            self.file = Some(temp_file()?);
        }
        let (file, _) = self.file.as_mut().expect("opened above");
        file.seek(SeekFrom::Start(self.end))?;
        file.write_all(buf)?;
        let offset = self.end;
        self.end += buf.len() as u64;
        Ok(offset)
    }

    /// Take input `i`'s findings back (empty when it had none). A spill
    /// file that cannot be read back is an error.
    pub fn take(&mut self, i: usize) -> std::io::Result<Vec<Finding>> {
        match self.slots.get_mut(i).and_then(Option::take) {
            None => Ok(Vec::new()),
            Some(Slot::Memory(v)) => Ok(v),
            Some(Slot::Spilled { offset, len }) => {
                let (file, _) = self.file.as_mut().expect("a spilled slot has a file");
                file.seek(SeekFrom::Start(offset))?;
                let mut buf = vec![0; len];
                file.read_exact(&mut buf)?;
                let mut r = Reader {
                    buf: &buf,
                    pos: 0,
                    names: &mut self.names,
                };
                let mut out = Vec::new();
                while r.pos < buf.len() {
                    out.push(r.finding().ok_or_else(|| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "the findings spill file is corrupt",
                        )
                    })?);
                }
                Ok(out)
            }
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some((_, path)) = self.file.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn temp_file() -> std::io::Result<(std::fs::File, PathBuf)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir();
    for _ in 0..16 {
        let path = dir.join(format!(
            "kubelint-findings-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                // Unlinked at once where the platform allows: nothing is
                // left behind even if the process is killed.
                if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
                    return Ok((f, PathBuf::new()));
                }
                return Ok((f, path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

// ---------------------------------------------------------------------------
// Codec: little-endian u32 lengths and numbers; options as a 0/1 byte.

fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_u32(b, s.len() as u32);
    b.extend_from_slice(s.as_bytes());
}

fn put_opt_str(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => b.push(0),
        Some(s) => {
            b.push(1);
            put_str(b, s);
        }
    }
}

fn put_location(b: &mut Vec<u8>, l: Option<Location>) {
    match l {
        None => b.push(0),
        Some(l) => {
            b.push(1);
            for v in [l.line, l.column, l.end_line, l.end_column, l.start, l.end] {
                put_u32(b, v);
            }
        }
    }
}

fn encode(f: &Finding, b: &mut Vec<u8>) {
    put_str(b, &f.rule);
    put_str(b, &f.category);
    b.push(f.severity as u8);
    put_str(b, &f.message);
    put_str(b, &f.help);
    put_str(b, &f.file);
    put_location(b, f.location);
    match f.object.as_deref() {
        None => b.push(0),
        Some(o) => {
            b.push(1);
            put_str(b, &o.api_version);
            put_str(b, &o.kind);
            put_opt_str(b, o.namespace.as_deref());
            put_opt_str(b, o.name.as_deref());
        }
    }
    put_opt_str(b, f.data.as_deref());
    put_opt_str(b, f.node_path.as_deref());
    match f.fix.as_deref() {
        None => b.push(0),
        Some(x) => {
            b.push(1);
            b.push(x.safety as u8);
            put_str(b, &x.description);
            put_u32(b, x.edits.len() as u32);
            for e in &x.edits {
                put_u32(b, e.span.start);
                put_u32(b, e.span.end);
                put_str(b, &e.content);
                put_location(b, e.location);
            }
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    names: &'a mut HashMap<String, Arc<str>>,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    fn u32(&mut self) -> Option<u32> {
        let s = self.buf.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        Some(u32::from_le_bytes(s.try_into().ok()?))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        let s = self.buf.get(self.pos..self.pos + n)?;
        self.pos += n;
        String::from_utf8(s.to_vec()).ok()
    }
    fn opt_str(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            _ => Some(Some(self.str()?)),
        }
    }
    fn shared(&mut self) -> Option<Arc<str>> {
        let s = self.str()?;
        Some(
            self.names
                .entry(s)
                .or_insert_with_key(|k| Arc::from(k.as_str()))
                .clone(),
        )
    }
    fn location(&mut self) -> Option<Option<Location>> {
        if self.byte()? == 0 {
            return Some(None);
        }
        Some(Some(Location {
            line: self.u32()?,
            column: self.u32()?,
            end_line: self.u32()?,
            end_column: self.u32()?,
            start: self.u32()?,
            end: self.u32()?,
        }))
    }
    fn finding(&mut self) -> Option<Finding> {
        let rule = self.shared()?;
        let category = self.shared()?;
        let severity = match self.byte()? {
            0 => Severity::Note,
            1 => Severity::Warning,
            _ => Severity::Error,
        };
        let message = self.str()?;
        let help = self.str()?.into();
        let file = self.shared()?;
        let location = self.location()?;
        let object = match self.byte()? {
            0 => None,
            _ => Some(Arc::new(ObjectRef {
                api_version: self.str()?,
                kind: self.str()?,
                namespace: self.opt_str()?,
                name: self.opt_str()?,
            })),
        };
        let data = self.opt_str()?.map(|s| Arc::from(s.as_str()));
        let node_path = self.opt_str()?.map(|s| Arc::from(s.as_str()));
        let fix = match self.byte()? {
            0 => None,
            _ => {
                let safety = match self.byte()? {
                    0 => Safety::Safe,
                    _ => Safety::Unsafe,
                };
                let description = self.str()?;
                let n = self.u32()? as usize;
                let mut edits = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    let span = Span::new(self.u32()?, self.u32()?);
                    let content = self.str()?;
                    let location = self.location()?;
                    edits.push(Edit {
                        span,
                        content,
                        location,
                    });
                }
                Some(Arc::new(Fix {
                    safety,
                    description: description.into(),
                    edits,
                }))
            }
        };
        Some(Finding {
            rule,
            category,
            severity,
            message,
            help,
            file,
            location,
            object,
            data,
            node_path,
            fix,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(i: u32, with_fix: bool) -> Finding {
        Finding {
            rule: Arc::from("latest-tag"),
            category: Arc::from("image"),
            severity: if i % 2 == 0 {
                Severity::Warning
            } else {
                Severity::Error
            },
            message: format!("message {i} — ünïcode"),
            help: if i % 2 == 0 {
                "a literal help".into()
            } else {
                format!("help {i}").into()
            },
            file: Arc::from("deploy/app.yaml"),
            location: Some(Location {
                line: i + 1,
                column: 3,
                end_line: i + 2,
                end_column: 9,
                start: 10 * i,
                end: 10 * i + 7,
            }),
            object: (i % 3 != 0).then(|| {
                Arc::new(ObjectRef {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: (i % 2 == 0).then(|| "prod".into()),
                    name: Some(format!("web-{i}")),
                })
            }),
            data: (i == 1).then(|| Arc::from("restricted")),
            node_path: Some(Arc::from("spec.template.spec.containers[0].image")),
            fix: with_fix.then(|| {
                Arc::new(Fix {
                    safety: Safety::Unsafe,
                    description: "Pin the tag".into(),
                    edits: vec![
                        Edit {
                            span: Span::new(4, 9),
                            content: "nginx:1.27".into(),
                            location: None,
                        },
                        Edit {
                            span: Span::new(12, 12),
                            content: String::new(),
                            location: Some(Location {
                                line: 2,
                                column: 1,
                                end_line: 2,
                                end_column: 1,
                                start: 12,
                                end: 12,
                            }),
                        },
                    ],
                })
            }),
        }
    }

    #[test]
    fn spilled_findings_come_back_equal() {
        let files: Vec<Vec<Finding>> = (0..4)
            .map(|f| (0..5).map(|i| finding(f * 10 + i, i % 2 == 0)).collect())
            .collect();
        // Budget 0: everything goes to disk.
        let mut store = Store::new(files.len() + 1, 0);
        for (i, v) in files.iter().enumerate() {
            store.put(i, v.clone());
        }
        assert!(store.spilled());
        // Read back out of order; an input without findings is empty.
        for i in [2, 0, 3, 1] {
            assert_eq!(store.take(i).unwrap(), files[i], "file {i}");
        }
        assert!(store.take(4).unwrap().is_empty());
    }

    #[test]
    fn within_the_budget_nothing_is_written() {
        let mut store = Store::new(1, usize::MAX);
        let v = vec![finding(1, true)];
        store.put(0, v.clone());
        assert!(!store.spilled());
        assert_eq!(store.take(0).unwrap(), v);
    }
}
