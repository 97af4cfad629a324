//! kubelint — a static linter for Kubernetes manifests and cluster-configuration files.
//!
//! Data flows one way:
//!
//! ```text
//! discover ──▶ load ──▶ model ──▶ check ──▶ report
//! ```
//!
//! * [`discover`] turns paths, globs and `.gitignore` rules into a list of inputs
//!   (a parallel walk with the `ignore` crate).
//! * [`yaml`] loads one input's text into documents: compact trees built from the
//!   `saphyr-parser` event stream in which every node keeps its byte span.
//!   Scalars keep their text and style; typing follows Kubernetes' YAML-1.1
//!   flavoured decoder on demand.
//! * [`model`] gives typed views over a tree — [`model::Object`], pod specs of every
//!   workload kind, [`model::quantity::Quantity`], [`model::selector::LabelSelector`] —
//!   never copies of it.
//! * [`rules`] holds the rule catalog (embedded from `rules/`) and the rule code.
//!   Per-object rules run in parallel over all objects while each file's tree is
//!   alive; cross-object rules run once on the compact [`index::Index`] built from
//!   all files afterwards, so trees are dropped as soon as a file is done.
//!   Each object leaves behind its [`index::Facts`] (labels, pod template
//!   labels, kind-specific summaries, and [`model::links::Links`]: how it
//!   refers to other objects) — the only thing cross-object rules see.
//!   Lookup tables that several of them need (workloads by pod label,
//!   Services by name) are built once per index by [`index::Index::memo`].
//!   A per-object finding that depends on other objects (a namespace's Pod
//!   Security level, a LimitRange default) is revisited by its rule's
//!   [`rules::Rule::finalize`] once the index exists.
//! * [`custom`] compiles the configuration's custom rules (YAML definitions
//!   with a target, a match and a JSON Schema or `require`/`forbid` check)
//!   once per run; [`rules::Rules`] is the run's rule set — the built-in
//!   rules at their static positions followed by the custom ones — which
//!   the engine, the selection, the suppressions and the reports share.
//! * [`schema`] validates objects offline against the bundled Kubernetes
//!   JSON Schemas of the target version, the CRDs found in the input and
//!   `--schema-dir`, with a validator compiled per (apiVersion, kind) on
//!   first use and shared by every thread.
//! * [`report`] is pure functions from sorted findings to bytes.
//! * [`fix`] holds fixes: a rule may attach text edits on spans to a finding
//!   (built by [`fix::Editor`], which writes the way the file is written);
//!   `--fix` applies the non-overlapping ones, re-parses, re-lints and
//!   repeats until stable.
//!
//! [`engine`] ties the phases together; [`cli`] is the command line.

pub mod cli;
pub mod config;
pub mod custom;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod fix;
pub mod index;
pub mod model;
pub mod netpol;
pub mod report;
pub mod rules;
pub mod schema;
pub mod source;
pub mod spill;
pub mod suppress;
pub mod yaml;

/// Tells mimalloc, when it is the global allocator (as in the `kubelint`
/// binary and the benchmark), to keep pages it has freed instead of handing
/// them back to the operating system after its purge delay (1 s). A lint
/// frees every file's tree and allocates the next one's; once a run is
/// longer than the delay, purged pages come straight back as fresh page
/// faults, each zeroing a (huge) page: 5–10% of the run's time on inputs of
/// 100 MB and more. Peak memory is the same, since freed pages are reused.
/// Harmless under any other allocator (it only sets mimalloc's option).
pub fn keep_freed_memory() {
    /// `mi_option_purge_delay` in mimalloc.h (v2 and v3); -1: never purge.
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one integer option; mimalloc reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keep_freed_memory_sets_mimallocs_purge_delay() {
        // Option 15 is the purge delay: its default is mimalloc v3's 1000 ms
        // (no other option defaults to 1000), unless the environment sets it.
        // SAFETY: reads one integer option.
        let get = || unsafe { libmimalloc_sys::mi_option_get(15) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(get(), 1000);
        }
        super::keep_freed_memory();
        assert_eq!(get(), -1);
    }
}
