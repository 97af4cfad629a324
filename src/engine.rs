//! The pipeline: read each input, load it, run the per-object rules while
//! its tree is alive, keep only index entries and findings (beyond a memory
//! budget, findings wait in a temporary file: [`crate::spill`]), then run
//! the cross-object rules on the index and hand the findings out file by
//! file in report order ([`Run`]).

use crate::finding::{Finding, ObjectRef, Severity, Summary};
use crate::index::{Facts, Index, ObjectEntry};
use crate::model::{objects_of, DocumentContent, Object};
use crate::rules::{registry, Cx, IndexCx, IndexFinding, Pending, Selection, YAML_SYNTAX};
use crate::spill;
use crate::suppress::{LineSuppression, RuleSet};
use crate::yaml::{load, LoadLimits, Span};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Files with at least this many objects have them checked in parallel.
const PARALLEL_OBJECTS: usize = 256;

/// One thing to lint.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file on disk, with the path to display.
    File { path: PathBuf, display: Arc<str> },
    /// Content already in memory (stdin, tests), with the name to display.
    /// Shared: the CRD index keeps the inputs that hold CRDs without a copy.
    Bytes { display: Arc<str>, bytes: Arc<[u8]> },
    /// A path that could not be walked: reported as a finding.
    Unreadable { display: Arc<str>, error: String },
}

impl Input {
    pub fn display(&self) -> &Arc<str> {
        match self {
            Input::File { display, .. }
            | Input::Bytes { display, .. }
            | Input::Unreadable { display, .. } => display,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub selection: Selection,
    /// Namespace of namespaced objects without `metadata.namespace`.
    pub default_namespace: String,
    /// Keep the text of files with findings (for snippets in reports).
    pub keep_sources: bool,
    /// Bytes of findings a [`Run`] keeps in memory until they are handed
    /// out; the findings of further files wait in a temporary file (see
    /// [`crate::spill`]). [`lint`] keeps them all.
    pub findings_memory: usize,
    /// Record each finding's node path ([`Finding::node_path`], for SARIF
    /// fingerprints); other reports do without it, so it is off by default
    /// (the command line turns it on for `--format sarif`).
    pub node_paths: bool,
    pub limits: LoadLimits,
    /// Larger files are reported, not loaded.
    pub max_file_size: u64,
    /// Ignore every suppression (annotations and comments): strict mode.
    pub no_suppress: bool,
    /// The configuration's per-resource `ignore:` entries, with the
    /// directory their paths are relative to.
    pub ignores: Vec<crate::config::Ignore>,
    pub config_dir: Option<PathBuf>,
    /// Pod Security level for objects whose Namespace (with an `enforce`
    /// label) is not in the input.
    pub pss_level: PssLevel,
    /// Target Kubernetes version and extra schemas (category `schema`).
    pub schema: crate::schema::SchemaOptions,
}

/// A Pod Security Standards level, from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum PssLevel {
    Privileged,
    Baseline,
    #[default]
    Restricted,
}

impl PssLevel {
    pub fn parse(s: &str) -> Option<PssLevel> {
        match s {
            "privileged" => Some(PssLevel::Privileged),
            "baseline" => Some(PssLevel::Baseline),
            "restricted" => Some(PssLevel::Restricted),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Privileged => "privileged",
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

impl std::fmt::Display for PssLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            selection: Selection::default(),
            default_namespace: "default".to_string(),
            keep_sources: false,
            findings_memory: 64 << 20,
            node_paths: false,
            limits: LoadLimits::default(),
            max_file_size: 256 << 20,
            no_suppress: false,
            ignores: Vec::new(),
            config_dir: None,
            pss_level: PssLevel::default(),
            schema: crate::schema::SchemaOptions::default(),
        }
    }
}

/// Everything a run produced, sorted.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Text of the files that have findings, when `keep_sources` was set.
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
    /// The cross-object index of the input.
    pub index: Index,
}

struct FileResult {
    findings: Vec<Finding>,
    entries: Vec<ObjectEntry>,
    documents: usize,
    objects: usize,
    skipped: usize,
    suppressed: usize,
    /// Comment suppressions, kept for cross-object findings in this file.
    comments: Vec<LineSuppression>,
    source: Option<(Arc<str>, Arc<str>)>,
}

impl FileResult {
    fn empty() -> FileResult {
        FileResult {
            findings: Vec::new(),
            entries: Vec::new(),
            documents: 0,
            objects: 0,
            skipped: 0,
            suppressed: 0,
            comments: Vec::new(),
            source: None,
        }
    }
}

/// Lint inputs in parallel on the current rayon pool, every finding in
/// memory (for reports built from all of them; [`Run`] streams them).
pub fn lint(inputs: &[Input], opts: &Options) -> Outcome {
    // Spilling findings that are all read back into one vector would
    // only cost time.
    let mut run = Run::start(
        inputs,
        Options {
            findings_memory: usize::MAX,
            ..opts.clone()
        },
    );
    // Every file is settled in one parallel pass (the findings are all
    // kept anyway), with room for every finding at once: the vector is
    // not regrown (and copied) as files come out.
    run.settle_batch = usize::MAX;
    let mut findings = Vec::with_capacity(run.findings_hint());
    while let Some(batch) = run.next_file() {
        findings.extend(batch);
    }
    let (summary, sources, index) = run.finish();
    Outcome {
        findings,
        summary,
        sources,
        index,
    }
}

/// Files whose findings are settled together, in parallel, by
/// [`Run::next_file`]: their findings are in memory at the same time.
const SETTLE_BATCH: usize = 64;

/// A run after the per-file and cross-object phases: the findings come out
/// one file at a time, in report order ([`Finding::output_order`]), each
/// file's deferred findings decided as it comes out. The JSON report
/// streams them, so the findings of a large input never need to be in
/// memory together (see [`Options::findings_memory`]).
pub struct Run {
    opts: Options,
    store: spill::Store,
    /// Displayed file names in report order, with their inputs.
    order: Vec<(Arc<str>, Vec<usize>)>,
    next: usize,
    /// Cross-object findings by file.
    index_findings: BTreeMap<Arc<str>, Vec<Finding>>,
    index: Index,
    summary: Summary,
    sources: BTreeMap<Arc<str>, Arc<str>>,
    deferred: Vec<bool>,
    /// Files settled ahead of the caller, in report order.
    ready: std::collections::VecDeque<Vec<Finding>>,
    /// Files settled together (see [`SETTLE_BATCH`]).
    settle_batch: usize,
    error: Option<std::io::Error>,
    /// For the configuration's `ignore:` entries (when there are any and
    /// suppressions are on): the directory their paths are relative to,
    /// and the working directory.
    ignore_dirs: Option<(PathBuf, PathBuf)>,
}

impl Run {
    /// Lint every input and run the cross-object rules.
    pub fn new(inputs: &[Input], opts: &Options) -> Run {
        Run::start(inputs, opts.clone())
    }

    fn start(inputs: &[Input], mut opts: Options) -> Run {
        // The schema rules share one registry per run: it knows the CRDs of
        // the whole input before any object is checked.
        if opts.schema.registry.is_none()
            && crate::rules::schema_needs_registry(&|id| opts.selection.is_enabled(id))
        {
            opts.schema.registry = Some(Arc::new(crate::schema::Registry::build(
                inputs,
                &opts.schema,
            )));
        }
        // Files with CRDs first: their CRDs are learnt from the trees being
        // linted, not parsed again for the custom resources of other files.
        let phases: Vec<Vec<usize>> = match opts.schema.registry.as_ref().filter(|r| r.has_crds()) {
            None => vec![(0..inputs.len()).collect()],
            Some(reg) => {
                let (first, rest) = (0..inputs.len()).partition(|&i| reg.input_has_crds(i));
                vec![first, rest]
            }
        };
        // Each file's result is merged as soon as it is done (its findings
        // handed to the store, which may spill them), in whatever order the
        // threads finish: no step waits for the slowest file of a batch.
        // What must keep input order is kept per input and joined after.
        struct Merge {
            store: spill::Store,
            summary: Summary,
            entries: Vec<Vec<ObjectEntry>>,
            comments: Vec<Vec<LineSuppression>>,
            sources: BTreeMap<Arc<str>, Arc<str>>,
        }
        let merge = std::sync::Mutex::new(Merge {
            store: spill::Store::new(inputs.len(), opts.findings_memory),
            summary: Summary {
                files: inputs.len(),
                ..Summary::default()
            },
            entries: (0..inputs.len()).map(|_| Vec::new()).collect(),
            comments: (0..inputs.len()).map(|_| Vec::new()).collect(),
            sources: BTreeMap::new(),
        });
        // The per-object rules, found once for the run (not per file: each
        // is asked through its registry entry and vtable, scattered in
        // memory), built-in ones held as the rule itself.
        let rules = &opts.selection.rules;
        let active: Vec<Active> = (0..rules.len())
            .filter(|&i| opts.selection.enabled[i] && rules.per_object(i))
            .map(|i| Active {
                index: i,
                rule: registry().get(i).map(|r| r.rule),
            })
            .collect();
        for phase in phases {
            // One file per task: files differ in size by four orders of
            // magnitude, and with rayon's default split (a few contiguous
            // runs per thread) a run of large files kept one thread busy
            // for a tenth of the phase after the others had run dry.
            phase.par_iter().with_max_len(1).for_each(|&i| {
                let r = guarded(&inputs[i], &opts, &active);
                let mut m = merge.lock().unwrap_or_else(|e| e.into_inner());
                m.summary.documents += r.documents;
                m.summary.objects += r.objects;
                m.summary.skipped += r.skipped;
                m.summary.suppressed += r.suppressed;
                m.comments[i] = r.comments;
                m.entries[i] = r.entries;
                if let Some((k, v)) = r.source {
                    m.sources.insert(k, v);
                }
                m.store.put(i, r.findings);
            });
        }
        let Merge {
            store,
            mut summary,
            entries,
            comments: by_input,
            sources,
        } = merge.into_inner().unwrap_or_else(|e| e.into_inner());
        // Joined into one exact allocation, each input's part freed as it is
        // moved: the index entries are the run's largest long-lived data.
        let mut joined = Vec::with_capacity(entries.iter().map(Vec::len).sum());
        for part in entries {
            joined.extend(part);
        }
        let entries = joined;
        let mut comments: BTreeMap<Arc<str>, Vec<LineSuppression>> = BTreeMap::new();
        for (c, input) in by_input.into_iter().zip(inputs) {
            if !c.is_empty() {
                comments
                    .entry(input.display().clone())
                    .or_default()
                    .extend(c);
            }
        }
        let index = Index::new(entries);
        let reg = registry();
        let deferred: Vec<bool> = reg
            .iter()
            .enumerate()
            .map(|(i, r)| opts.selection.enabled[i] && r.rule.deferred())
            .collect();
        // The cross-object rules are independent of each other: run in
        // parallel, their findings concatenated in registry order.
        let cross: Vec<usize> = (0..reg.len())
            .filter(|&i| opts.selection.enabled[i] && reg[i].rule.cross_object())
            .collect();
        let mut index_findings: Vec<IndexFinding> = cross
            .par_iter()
            .flat_map_iter(|&i| {
                let mut out = Vec::new();
                let mut cx = IndexCx {
                    rule: i,
                    out: &mut out,
                };
                reg[i].rule.check_index(&index, &mut cx);
                out
            })
            .collect();
        let ignores: Vec<(*const ObjectRef, &RuleSet)> = index
            .objects
            .iter()
            .filter_map(|o| Some((Arc::as_ptr(&o.reference), o.facts.ignore.as_ref()?)))
            .collect();
        let before = index_findings.len();
        if !opts.no_suppress {
            index_findings.retain(|f| {
                let r = &reg[f.rule];
                let by_object = f.object.as_ref().is_some_and(|o| {
                    ignores
                        .iter()
                        .any(|(p, set)| *p == Arc::as_ptr(o) && set.covers(&r.id, &r.category))
                });
                let by_comment = comments.get(&f.file).is_some_and(|c| {
                    c.iter()
                        .any(|s| s.covers(f.location.line, &r.id, &r.category))
                });
                !(by_object || by_comment)
            });
        }
        summary.suppressed += before - index_findings.len();
        let mut by_file: BTreeMap<Arc<str>, Vec<Finding>> = BTreeMap::new();
        for f in index_findings {
            by_file.entry(f.file.clone()).or_default().push(Finding {
                rule: reg[f.rule].id.clone(),
                category: reg[f.rule].category.clone(),
                severity: opts.selection.severity[f.rule],
                message: f.message,
                help: f.help,
                file: f.file,
                location: Some(f.location),
                object: f.object,
                data: None,
                node_path: Some(Arc::from("metadata.name")),
                fix: None,
            });
        }
        let ignore_dirs = (!opts.no_suppress && !opts.ignores.is_empty()).then(|| {
            let cwd = std::env::current_dir().unwrap_or_default();
            (cwd.join(opts.config_dir.clone().unwrap_or_default()), cwd)
        });
        let mut order: BTreeMap<Arc<str>, Vec<usize>> = BTreeMap::new();
        for (i, input) in inputs.iter().enumerate() {
            order.entry(input.display().clone()).or_default().push(i);
        }
        for file in by_file.keys() {
            order.entry(file.clone()).or_default();
        }
        Run {
            opts,
            store,
            order: order.into_iter().collect(),
            next: 0,
            index_findings: by_file,
            index,
            summary,
            sources,
            deferred,
            ready: std::collections::VecDeque::new(),
            settle_batch: SETTLE_BATCH,
            error: None,
            ignore_dirs,
        }
    }

    /// About how many findings the run has: per-file and cross-object
    /// ones, before deferred findings are decided.
    fn findings_hint(&self) -> usize {
        self.store.count() + self.index_findings.values().map(Vec::len).sum::<usize>()
    }

    /// The findings of the next file with any, sorted; None at the end.
    pub fn next_file(&mut self) -> Option<Vec<Finding>> {
        loop {
            if let Some(v) = self.ready.pop_front() {
                return Some(v);
            }
            if self.next >= self.order.len() {
                return None;
            }
            self.settle_batch();
        }
    }

    /// Take the next files' findings from the store (in order: the store
    /// may read them back from disk) and settle them in parallel: deferred
    /// findings decided, cross-object findings added, `ignore:` entries
    /// applied, sorted and counted.
    fn settle_batch(&mut self) {
        let mut batch: Vec<(Vec<Finding>, Option<Vec<Finding>>)> = Vec::new();
        while self.next < self.order.len() && batch.len() < self.settle_batch {
            let (file, inputs) = &self.order[self.next];
            self.next += 1;
            let mut findings = Vec::new();
            for &i in inputs {
                match self.store.take(i) {
                    Ok(v) => findings.extend(v),
                    Err(e) => {
                        self.error.get_or_insert(e);
                    }
                }
            }
            batch.push((findings, self.index_findings.remove(file)));
        }
        let reg = registry();
        let any_deferred = self.deferred.iter().any(|&d| d);
        let (deferred, index, ignores, ignore_dirs) = (
            &self.deferred,
            &self.index,
            &self.opts.ignores,
            &self.ignore_dirs,
        );
        let settle = |(mut findings, extra): (Vec<Finding>, Option<Vec<Finding>>)| {
            if any_deferred {
                findings.retain_mut(|f| match crate::rules::index_of(&f.rule) {
                    Some(i) if deferred[i] => reg[i].rule.finalize(f, index),
                    _ => true,
                });
            }
            findings.extend(extra.into_iter().flatten());
            let mut suppressed = 0;
            if let Some((base, cwd)) = ignore_dirs {
                let before = findings.len();
                findings.retain(|f| !ignores.iter().any(|i| i.covers(f, base, cwd)));
                suppressed = before - findings.len();
            }
            findings.sort_by(Finding::output_order);
            (findings, suppressed)
        };
        let settled: Vec<(Vec<Finding>, usize)> = if batch.len() > 1 {
            batch.into_par_iter().map(settle).collect()
        } else {
            batch.into_iter().map(settle).collect()
        };
        for (findings, suppressed) in settled {
            self.summary.suppressed += suppressed;
            if findings.is_empty() {
                continue;
            }
            for f in &findings {
                match f.severity {
                    Severity::Error => self.summary.errors += 1,
                    Severity::Warning => self.summary.warnings += 1,
                    Severity::Note => self.summary.notes += 1,
                }
                match f.fix.as_ref().map(|x| x.safety) {
                    Some(crate::fix::Safety::Safe) => self.summary.fixable += 1,
                    Some(crate::fix::Safety::Unsafe) => self.summary.unsafe_fixable += 1,
                    None => {}
                }
            }
            self.summary.findings += findings.len();
            self.ready.push_back(findings);
        }
    }

    /// The counts so far (complete once [`Run::next_file`] returned None).
    pub fn summary(&self) -> Summary {
        let mut s = self.summary.clone();
        s.no_schema = self
            .opts
            .schema
            .registry
            .as_ref()
            .map_or(0, |r| r.unvalidated());
        s
    }

    /// A spilled file that could not be read back (its findings are
    /// missing from the report).
    pub fn error(&self) -> Option<&std::io::Error> {
        self.error.as_ref()
    }

    /// The summary, the kept file texts and the index, after the last file.
    pub fn finish(self) -> (Summary, BTreeMap<Arc<str>, Arc<str>>, Index) {
        (self.summary(), self.sources, self.index)
    }
}

fn file_finding(
    display: &Arc<str>,
    opts: &Options,
    message: String,
    help: &'static str,
) -> FileResult {
    let mut r = FileResult::empty();
    if let Some(i) = crate::rules::index_of(YAML_SYNTAX).filter(|&i| opts.selection.enabled[i]) {
        let reg = &registry()[i];
        r.findings.push(Finding {
            rule: reg.id.clone(),
            category: reg.category.clone(),
            severity: opts.selection.severity[i],
            message,
            help: help.into(),
            file: display.clone(),
            location: None,
            object: None,
            data: None,
            node_path: None,
            fix: None,
        });
    }
    r
}

/// A per-object rule of a run: its index in the selection, and the rule
/// itself when it is built in (custom rules go through the selection).
#[derive(Clone, Copy)]
struct Active {
    index: usize,
    rule: Option<&'static dyn crate::rules::Rule>,
}

/// [`lint_input`], with a defect of kubelint on one file reported as a
/// finding for that file instead of ending the run: the other files are
/// still linted and reported.
fn guarded(input: &Input, opts: &Options, active: &[Active]) -> FileResult {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lint_input(input, opts, active)
    }))
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            file_finding(
                input.display(),
                opts,
                format!("kubelint failed on this file (internal error: {what}); its findings are missing, the other files were linted"),
                "Please report this file to the kubelint issue tracker; meanwhile exclude it with --exclude",
            )
        })
}

fn lint_input(input: &Input, opts: &Options, active: &[Active]) -> FileResult {
    match input {
        Input::Bytes { display, bytes } => lint_bytes(display, bytes, opts, active),
        Input::Unreadable { display, error } => file_finding(
            display,
            opts,
            format!("cannot read this path: {error}"),
            "Check that the path exists and is readable",
        ),
        Input::File { path, display } => {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if size > opts.max_file_size {
                return file_finding(
                    display,
                    opts,
                    format!(
                        "file is {} MiB, over the {} MiB limit; it was not linted",
                        size >> 20,
                        opts.max_file_size >> 20
                    ),
                    "Split the file, or exclude it with --exclude",
                );
            }
            match std::fs::read(path) {
                Err(e) => file_finding(
                    display,
                    opts,
                    format!("cannot read this file: {e}"),
                    "Check the file's permissions",
                ),
                Ok(bytes) => lint_bytes(display, &bytes, opts, active),
            }
        }
    }
}

/// Lint raw bytes: binary and non-UTF-8 content is a `yaml-syntax` finding.
fn lint_bytes(display: &Arc<str>, bytes: &[u8], opts: &Options, active: &[Active]) -> FileResult {
    if let Some(nul) = memchr::memchr(0, bytes) {
        let text = String::from_utf8_lossy(&bytes[..nul]);
        return syntax_at(
            display,
            &text,
            nul as u32,
            "this is a binary file (it contains a NUL byte), not YAML or JSON".to_string(),
            "Exclude binary files with --exclude, or remove them from the manifest directory",
            opts,
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => lint_text(display, text, opts, active),
        Err(e) => {
            let valid = e.valid_up_to();
            let text = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            syntax_at(
                display,
                text,
                valid as u32,
                format!("invalid UTF-8 at byte {valid}: Kubernetes reads manifests as UTF-8"),
                "Re-encode the file as UTF-8",
                opts,
            )
        }
    }
}

fn syntax_at(
    display: &Arc<str>,
    text: &str,
    offset: u32,
    message: String,
    help: &'static str,
    opts: &Options,
) -> FileResult {
    let mut r = FileResult::empty();
    if let Some(i) = crate::rules::index_of(YAML_SYNTAX).filter(|&i| opts.selection.enabled[i]) {
        let pending = vec![Pending {
            rule: i,
            span: Span::new(offset, offset),
            message,
            help: help.into(),
            object: None,
            related: Vec::new(),
            data: None,
            node_path: None,
            fix: None,
        }];
        r.findings = finalize(display, text, pending, opts);
        if opts.keep_sources {
            r.source = Some((display.clone(), Arc::from(text)));
        }
    }
    r
}

/// Turn pending findings into findings with lines and columns.
fn finalize(display: &Arc<str>, text: &str, pending: Vec<Pending>, opts: &Options) -> Vec<Finding> {
    if pending.is_empty() {
        return Vec::new();
    }
    let rules = &opts.selection.rules;
    let mut spans: Vec<(u32, u32)> = pending.iter().map(|p| (p.span.start, p.span.end)).collect();
    spans.extend(
        pending
            .iter()
            .flat_map(|p| p.related.iter().map(|(s, _)| (s.start, s.start))),
    );
    let edit_base = spans.len();
    spans.extend(
        pending
            .iter()
            .flat_map(|p| p.fix.iter().flat_map(|f| f.edits.iter()))
            .map(|e| (e.span.start, e.span.end)),
    );
    let locations = crate::source::locations(text, &spans);
    let mut related_locations = locations[pending.len()..edit_base].iter();
    let mut edit_locations = locations[edit_base..].iter();
    pending
        .into_iter()
        .zip(locations.iter())
        .map(|(p, &location)| {
            let mut message = p.message;
            for (_, label) in &p.related {
                if let Some(l) = related_locations.next() {
                    message.push_str(&format!(" ({label} at line {})", l.line));
                }
            }
            // Findings live until the report is written: no slack from
            // `format!`'s growth (up to half of a message's allocation).
            message.shrink_to_fit();
            let fix = p.fix.map(|mut f| {
                for e in &mut f.edits {
                    e.location = edit_locations.next().copied();
                    e.content.shrink_to_fit();
                }
                f.edits.shrink_to_fit();
                Arc::new(f)
            });
            Finding {
                rule: rules.id(p.rule).clone(),
                category: rules.category(p.rule).clone(),
                severity: opts.selection.severity[p.rule],
                message,
                help: p.help,
                file: display.clone(),
                location: Some(location),
                object: p.object,
                data: p.data,
                node_path: p.node_path,
                fix,
            }
        })
        .collect()
}

fn unknown_suppression(
    rule: usize,
    span: Span,
    id: &str,
    object: Option<Arc<ObjectRef>>,
    opts: &Options,
) -> Pending {
    Pending {
        rule,
        span,
        message: match opts.selection.rules.suggest(id) {
            Some(n) => format!("`{id}` is not a kubelint rule or category (did you mean `{n}`?): this suppression silences nothing"),
            None => format!("`{id}` is not a kubelint rule or category: this suppression silences nothing"),
        },
        help: "Fix the rule id (`kubelint rules` lists them) or remove it from the suppression".into(),
        object,
        related: Vec::new(),
        data: None,
        node_path: None,
        fix: None,
    }
}

/// Lint one file's text.
fn lint_text(display: &Arc<str>, text: &str, opts: &Options, active: &[Active]) -> FileResult {
    let mut r = FileResult::empty();
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = (text.len() - body.len()) as u32;
    let loaded = load(body, &opts.limits);
    let rules = &opts.selection.rules;
    let mut pending: Vec<Pending> = Vec::new();
    if let Some(e) = &loaded.error {
        if let Some(i) = crate::rules::index_of(YAML_SYNTAX).filter(|&i| opts.selection.enabled[i])
        {
            pending.push(Pending {
                rule: i,
                span: Span::new(e.offset, e.offset),
                message: format!("YAML syntax error: {}", e.message),
                help: "Fix the syntax here; the rest of this file after this point was not linted"
                    .into(),
                object: None,
                related: Vec::new(),
                data: None,
                node_path: None,
                fix: None,
            });
        }
    }
    let mut all = Vec::new();
    for doc in &loaded.documents {
        r.documents += 1;
        match objects_of(doc, &opts.default_namespace) {
            DocumentContent::NotKubernetes => r.skipped += 1,
            DocumentContent::Objects(objs) => all.extend(objs),
        }
    }
    let check = |obj: &Object<'_>| {
        let mut out = Vec::new();
        for a in active {
            let mut cx = Cx {
                rule: a.index,
                object: Some(&obj.reference),
                out: &mut out,
                opts,
                text: body,
                file: display,
            };
            match a.rule {
                Some(rule) => rule.check(obj, &mut cx),
                None => rules.check(a.index, obj, &mut cx),
            }
        }
        out
    };
    // Long streams (`helm template`, `kustomize build`) are one input: their
    // objects are checked in parallel too. `collect` keeps the order.
    let per_object: Vec<Vec<Pending>> = if all.len() >= PARALLEL_OBJECTS && !active.is_empty() {
        all.par_iter().map(check).collect()
    } else {
        all.iter().map(check).collect()
    };
    pending.extend(per_object.into_iter().flatten());
    let name_spans: Vec<(u32, u32)> = all
        .iter()
        .map(|o| o.doc.span(o.name_node()))
        .map(|s| (s.start + bom, s.end + bom))
        .collect();
    let objects: Vec<_> = all
        .iter()
        .map(|o| (o.reference.clone(), Facts::of(o)))
        .collect();
    r.objects = objects.len();
    // Suppressions: object annotations and `# kubelint-ignore:` comments.
    let comments = crate::suppress::scan_comments(body, &loaded.documents);
    let mut ignores: Vec<(Arc<ObjectRef>, RuleSet)> = Vec::new();
    let unknown_rule = crate::rules::index_of(crate::rules::UNKNOWN_SUPPRESSION)
        .filter(|&i| opts.selection.enabled[i]);
    let mut unknown: Vec<Pending> = Vec::new();
    for obj in &all {
        let doc = obj.doc;
        let Some(ann) = obj.metadata.and_then(|m| doc.get_map(m, "annotations")) else {
            continue;
        };
        let Some((k, v)) = doc.entry(ann, crate::suppress::ANNOTATION) else {
            continue;
        };
        let set = RuleSet::parse(doc.text(v).unwrap_or_default());
        if let Some(i) = unknown_rule {
            for id in set.unknown(rules) {
                unknown.push(unknown_suppression(
                    i,
                    doc.entry_span(k, v),
                    id,
                    Some(obj.reference.clone()),
                    opts,
                ));
            }
        }
        ignores.push((obj.reference.clone(), set));
    }
    if let Some(i) = unknown_rule {
        for c in &comments {
            for id in c.rules.unknown(rules) {
                unknown.push(unknown_suppression(i, c.span, id, None, opts));
            }
        }
    }
    drop(all);
    for p in pending
        .iter_mut()
        .chain(unknown.iter_mut())
        .filter(|_| opts.node_paths)
    {
        // Documents are in stream order: find the last one starting at or before the span.
        let i = loaded
            .documents
            .partition_point(|d| d.span.start <= p.span.start);
        let doc = i
            .checked_sub(1)
            .map(|i| &loaded.documents[i])
            .filter(|d| p.span.start <= d.span.end);
        p.node_path = doc.map(|d| Arc::from(d.node_path(p.span).as_str()));
    }
    if bom > 0 {
        for p in pending.iter_mut().chain(unknown.iter_mut()) {
            p.fix = p.fix.take().map(|f| f.shifted(bom));
            p.span = Span::new(p.span.start + bom, p.span.end + bom);
            for (s, _) in &mut p.related {
                *s = Span::new(s.start + bom, s.end + bom);
            }
        }
    }
    let has_findings = !pending.is_empty() || !unknown.is_empty();
    let mut findings = finalize(display, text, pending, opts);
    if !opts.no_suppress && (!comments.is_empty() || !ignores.is_empty()) {
        let before = findings.len();
        findings.retain(|f| {
            let by_object = f.object.as_ref().is_some_and(|o| {
                ignores
                    .iter()
                    .any(|(r, set)| Arc::ptr_eq(r, o) && set.covers(&f.rule, &f.category))
            });
            let by_comment = f.location.is_some_and(|l| {
                comments
                    .iter()
                    .any(|s| s.covers(l.line, &f.rule, &f.category))
            });
            !(by_object || by_comment)
        });
        r.suppressed = before - findings.len();
    }
    findings.extend(finalize(display, text, unknown, opts));
    // Sorted here, in parallel across files, so the final sort merges runs.
    findings.sort_by(Finding::output_order);
    r.findings = findings;
    r.comments = comments;
    if !objects.is_empty() {
        let locations = crate::source::locations(text, &name_spans);
        r.entries = objects
            .into_iter()
            .zip(locations)
            .map(|((reference, facts), name_location)| ObjectEntry {
                file: display.clone(),
                reference,
                name_location,
                facts,
            })
            .collect();
    }
    if has_findings && opts.keep_sources {
        r.source = Some((display.clone(), Arc::from(text)));
    }
    r
}
