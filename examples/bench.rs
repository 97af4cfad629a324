//! Throughput over the real-world corpus, measured in one process on the
//! same bytes: reading only, the bare saphyr-parser event stream (the
//! span-preserving floor), kubelint's tree loader, and the full lint.
//!
//! ```sh
//! cargo run --release --example bench -- [CORPUS_DIR] [COPIES]
//! ```
//! Defaults: `../shared/corpus`, 1 copy. Files are read into memory once;
//! every phase runs on 1 thread and then on all threads.

use kubelint::engine::{lint, Input, Options};
use kubelint::yaml::{load, LoadLimits};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            files(&p, out);
        } else if ft.is_file()
            && matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml" | "json")
            )
            && !p.to_string_lossy().contains("_not-plain-yaml")
        {
            out.push(p);
        }
    }
}

fn time<T>(label: &str, bytes: usize, f: impl Fn() -> T) -> (f64, T) {
    // Best of three runs.
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    println!(
        "{label:<34} {best:>8.3} s {:>8.1} MB/s",
        bytes as f64 / 1e6 / best
    );
    (best, last.unwrap())
}

fn events(text: &str) -> usize {
    let mut p = saphyr_parser::Parser::new_from_str(text);
    let mut n = 0;
    while let Some(Ok(_)) = p.next_event() {
        n += 1;
    }
    n
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "../shared/corpus".into()));
    let copies: usize = args
        .next()
        .map_or(1, |s| s.parse().expect("COPIES is a number"));
    if !dir.is_dir() {
        eprintln!(
            "corpus not found at {}: pass its path as the first argument",
            dir.display()
        );
        std::process::exit(2);
    }
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    let texts: Vec<(Arc<str>, String)> = (0..copies)
        .flat_map(|c| {
            paths.iter().filter_map(move |p| {
                let t = std::fs::read_to_string(p).ok()?;
                Some((Arc::from(format!("{c}/{}", p.display()).as_str()), t))
            })
        })
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    println!(
        "{} files, {:.1} MB ({copies} copies)",
        texts.len(),
        bytes as f64 / 1e6
    );
    let limits = LoadLimits::default();
    let threads = rayon::current_num_threads();
    for (label, pool) in [
        (
            "1 thread",
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap(),
        ),
        (
            "all threads",
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap(),
        ),
    ] {
        println!("-- {label} ({} threads)", pool.current_num_threads());
        pool.install(|| {
            let (floor, n) = time("saphyr-parser events (floor)", bytes, || {
                texts.par_iter().map(|(_, t)| events(t)).sum::<usize>()
            });
            let (tree, docs) = time("kubelint tree with spans", bytes, || {
                texts.par_iter().map(|(_, t)| load(t, &limits).documents.len()).sum::<usize>()
            });
            let inputs: Vec<Input> = texts
                .iter()
                .map(|(n, t)| Input::Bytes {
                    display: n.clone(),
                    bytes: t.as_bytes().to_vec(),
                })
                .collect();
            let opts = Options::default();
            let (full, out) = time("full lint (all default rules)", bytes, || lint(&inputs, &opts));
            println!(
                "{n} events, {docs} documents, {} objects, {} findings; tree/floor {:.2}, lint/floor {:.2}",
                out.summary.objects,
                out.summary.findings,
                tree / floor,
                full / floor
            );
        });
    }
}
