//! From command-line paths to [`Input`]s: a parallel, `.gitignore`-aware
//! walk (the `ignore` crate), hidden directories and `.git` skipped,
//! `--include`/`--exclude` globs, symlinks followed with loop detection.
//!
//! Files named explicitly are always linted whatever their extension (but
//! `--exclude` still applies, so a pre-commit hook honours it); files found
//! by walking a directory are linted when they end in `.yaml`, `.yml` or
//! `.json`.

use crate::engine::Input;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Do not read `.gitignore` / `.ignore` files.
    pub no_ignore: bool,
    pub threads: usize,
    /// Patterns are also matched against paths relative to this directory
    /// (the configuration file's), when set.
    pub base: Option<PathBuf>,
}

/// Compiled `--include` / `--exclude` patterns.
#[derive(Debug, Clone)]
pub struct Filters {
    include: Option<GlobSet>,
    exclude: GlobSet,
    /// Absolute directory patterns are relative to, with the working directory.
    base: Option<(PathBuf, PathBuf)>,
}

fn build_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let p = p.strip_prefix("./").unwrap_or(p);
        let glob: Glob = GlobBuilder::new(p)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("invalid glob `{p}`: {e}"))?;
        b.add(glob);
        // `vendor/**` also names the directory `vendor` itself.
        if let Some(dir) = p.strip_suffix("/**") {
            b.add(Glob::new(dir).map_err(|e| format!("invalid glob `{p}`: {e}"))?);
        }
    }
    b.build().map_err(|e| e.to_string())
}

impl Filters {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filters, String> {
        Ok(Filters {
            include: if include.is_empty() {
                None
            } else {
                Some(build_set(include)?)
            },
            exclude: build_set(exclude)?,
            base: None,
        })
    }

    /// Also match patterns against paths relative to `base`.
    pub fn with_base(mut self, base: Option<PathBuf>) -> Filters {
        let cwd = std::env::current_dir().unwrap_or_default();
        self.base = base.map(|b| (cwd.join(b), cwd));
        self
    }

    /// Candidate strings a pattern may match: the displayed path, the path
    /// relative to the walked root, the path relative to the configuration
    /// file's directory, and the file name (so `*.json` works at any depth).
    fn matches(&self, set: &GlobSet, display: &str, relative: &str) -> bool {
        let name = display.rsplit('/').next().unwrap_or(display);
        if set.is_match(display) || set.is_match(relative) || set.is_match(name) {
            return true;
        }
        if let Some((base, cwd)) = &self.base {
            if let Ok(rel) = normalize(&cwd.join(display)).strip_prefix(base) {
                return set.is_match(display_path(rel));
            }
        }
        false
    }

    pub fn excluded(&self, display: &str, relative: &str) -> bool {
        self.matches(&self.exclude, display, relative)
    }

    pub fn included(&self, display: &str, relative: &str) -> bool {
        self.include
            .as_ref()
            .is_none_or(|s| self.matches(s, display, relative))
    }
}

/// Resolve `.` and `..` components lexically (without touching the disk).
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// How a path is shown: as given, `./` stripped, forward slashes.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Walk the given paths. Returns inputs sorted by displayed path.
pub fn discover(paths: &[PathBuf], opts: &DiscoverOptions) -> Result<Vec<Input>, String> {
    let filters = Filters::new(&opts.include, &opts.exclude)?.with_base(opts.base.clone());
    let found: Mutex<Vec<Input>> = Mutex::new(Vec::new());
    for root in paths {
        let root_display = display_path(root);
        match std::fs::metadata(root) {
            Err(e) => found.lock().unwrap().push(Input::Unreadable {
                display: Arc::from(root_display.as_str()),
                error: e.to_string(),
            }),
            Ok(m) if !m.is_dir() => {
                if !filters.excluded(&root_display, &root_display) {
                    found.lock().unwrap().push(Input::File {
                        path: root.clone(),
                        display: Arc::from(root_display.as_str()),
                    });
                }
            }
            Ok(_) => walk_dir(root, &filters, opts, &found),
        }
    }
    let mut v = found.into_inner().unwrap();
    v.sort_by(|a, b| a.display().cmp(b.display()));
    v.dedup_by(|a, b| a.display() == b.display());
    Ok(v)
}

fn walk_dir(root: &Path, filters: &Filters, opts: &DiscoverOptions, found: &Mutex<Vec<Input>>) {
    let mut wb = ignore::WalkBuilder::new(root);
    wb.hidden(true)
        .follow_links(true)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(false)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .threads(opts.threads.max(1));
    let root_owned = root.to_path_buf();
    let filters_dir = filters.clone();
    wb.filter_entry(move |e| {
        if e.depth() == 0 {
            return true;
        }
        if e.file_name() == ".git" {
            return false;
        }
        if e.file_type().is_some_and(|t| t.is_dir()) {
            let display = display_path(e.path());
            let rel = e
                .path()
                .strip_prefix(&root_owned)
                .map(display_path)
                .unwrap_or_default();
            return !filters_dir.excluded(&display, &rel);
        }
        true
    });
    wb.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) => {
                    let is_file = e.file_type().is_some_and(|t| t.is_file());
                    if is_file && is_manifest(e.path()) {
                        let display = display_path(e.path());
                        let rel = e
                            .path()
                            .strip_prefix(root)
                            .map(display_path)
                            .unwrap_or_default();
                        if !filters.excluded(&display, &rel) && filters.included(&display, &rel) {
                            found.lock().unwrap().push(Input::File {
                                path: e.path().to_path_buf(),
                                display: Arc::from(display.as_str()),
                            });
                        }
                    }
                }
                Err(err) => {
                    // Symlink loops are skipped: following them again would
                    // only find files already walked.
                    if !is_loop(&err) {
                        if let Some(p) = error_path(&err) {
                            let display = display_path(&p);
                            if is_manifest(&p) || p.is_dir() || !p.exists() {
                                found.lock().unwrap().push(Input::Unreadable {
                                    display: Arc::from(display.as_str()),
                                    error: root_cause(&err),
                                });
                            }
                        }
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        ignore::Error::Partial(errs) => errs.iter().all(is_loop),
        _ => false,
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn root_cause(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => root_cause(err),
        other => other.to_string(),
    }
}
