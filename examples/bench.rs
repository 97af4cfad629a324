//! Throughput, scaling and memory over the real-world corpus.
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench -- [CORPUS_DIR]
//! ```
//!
//! 1. In process, on the same bytes held in memory (the corpus copied until
//!    it is at least 100 MB), with 1 thread and with all threads, one file
//!    per task as the linter schedules them: reading only is excluded; the
//!    bare saphyr-parser event stream (the span-preserving floor),
//!    kubelint's tree loader, and the full lint with
//!    every default rule. The headline is lint / floor. The full lint runs
//!    once more with the 20 custom rules of `examples/custom-rules-bench.yaml`
//!    on top, for what custom rules cost.
//! 2. Whole process: the corpus copied 1x, 4x and 16x into a temporary
//!    directory, `kubelint DIR --format json -o /dev/null` with `--jobs 1`
//!    and `--jobs 2`, wall time and peak RSS from `/usr/bin/time` — time
//!    should grow linearly and memory should not grow with the input.
//! 3. Start-up: one small file, median of 50 runs.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use kubelint::engine::{lint, Input, Options};
use kubelint::yaml::{load, LoadLimits};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

/// The files `kubelint DIR` lints (the same discovery: `.gitignore`,
/// hidden directories skipped, `.yaml`/`.yml`/`.json`), sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let opts = kubelint::discover::DiscoverOptions {
        threads: 2,
        ..Default::default()
    };
    let inputs = kubelint::discover::discover(&[dir.to_path_buf()], &opts)
        .unwrap_or_else(|e| panic!("cannot walk {}: {e}", dir.display()));
    let mut out: Vec<PathBuf> = inputs
        .into_iter()
        .filter_map(|i| match i {
            Input::File { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// Rounds of the in-process phases; each phase's best is reported (the
/// machine's noise only ever adds time).
const RUNS: usize = 7;

fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let r = f();
    (t.elapsed().as_secs_f64(), r)
}

fn events(text: &str) -> usize {
    let mut p = saphyr_parser::Parser::new_from_str(text);
    let mut n = 0;
    while let Some(Ok(_)) = p.next_event() {
        n += 1;
    }
    n
}

fn kubelint_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/release/examples/bench -> target/release/kubelint
    exe.parent().unwrap().parent().unwrap().join("kubelint")
}

/// Wall seconds and peak RSS (MB) of one process.
fn measure(args: &[&str]) -> Option<(f64, f64)> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(kubelint_binary())
        .args(args)
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last()?;
    let mut it = last.split_whitespace();
    let secs: f64 = it.next()?.parse().ok()?;
    let kb: f64 = it.next()?.parse().ok()?;
    Some((secs, kb / 1024.0))
}

fn copy_tree(paths: &[PathBuf], root: &Path, into: &Path, copies: usize) {
    for c in 0..copies {
        for p in paths {
            let dest = into
                .join(format!("copy{c}"))
                .join(p.strip_prefix(root).unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(p, &dest).unwrap();
        }
    }
}

/// The default rules plus the 20 custom rules of the benchmark file.
fn custom_rules_options() -> Options {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/custom-rules-bench.yaml");
    let config = kubelint::config::read(&path).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(config.rule_set.custom().len(), 20);
    Options {
        selection: kubelint::rules::Selection::new(config.rule_set.clone()),
        ..Options::default()
    }
}

fn main() {
    kubelint::keep_freed_memory();
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/corpus".into()),
    );
    if !dir.is_dir() {
        eprintln!(
            "corpus not found at {}: pass its path as the first argument",
            dir.display()
        );
        std::process::exit(2);
    }
    let paths = files(&dir);
    let one: usize = paths
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len() as usize))
        .sum();
    let copies = (100_000_000 / one.max(1)) + 1;

    // 1. In process.
    let texts: Vec<(Arc<str>, String)> = (0..copies)
        .flat_map(|c| {
            paths.iter().filter_map(move |p| {
                let t = std::fs::read_to_string(p).ok()?;
                Some((Arc::from(format!("{c}/{}", p.display()).as_str()), t))
            })
        })
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "## in process: {} files, {mb:.1} MB ({copies} copies of the corpus)",
        texts.len()
    );
    println!("| threads | phase | seconds | MB/s | documents/s | x floor |");
    println!("|---|---|---:|---:|---:|---:|");
    let limits = LoadLimits::default();
    let inputs: Vec<Input> = texts
        .iter()
        .map(|(n, t)| Input::Bytes {
            display: n.clone(),
            bytes: t.as_bytes().into(),
        })
        .collect();
    for threads in [1, rayon::current_num_threads().max(2)] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let opts = Options::default();
            let custom_opts = custom_rules_options();
            // The phases take turns, round after round, and each keeps its
            // best round: a slow spell of the machine falls on every phase
            // alike instead of on whichever ran during it.
            let (mut floor, mut tree, mut full, mut custom) =
                (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
            let (mut docs, mut out, mut custom_out) = (0, None, None);
            for _ in 0..RUNS {
                let (t, _) = timed(|| {
                    texts
                        .par_iter()
                        .with_max_len(1)
                        .map(|(_, t)| events(t))
                        .sum::<usize>()
                });
                floor = floor.min(t);
                let (t, d) = timed(|| {
                    texts
                        .par_iter()
                        .with_max_len(1)
                        .map(|(_, t)| load(t, &limits).documents.len())
                        .sum::<usize>()
                });
                (tree, docs) = (tree.min(t), d);
                drop(out.take());
                let (t, o) = timed(|| lint(&inputs, &opts));
                (full, out) = (full.min(t), Some(o));
                drop(custom_out.take());
                let (t, o) = timed(|| lint(&inputs, &custom_opts));
                (custom, custom_out) = (custom.min(t), Some(o));
            }
            let (out, custom_out) = (out.unwrap(), custom_out.unwrap());
            for (phase, secs) in [
                ("saphyr events (floor)", floor),
                ("kubelint tree", tree),
                ("full lint", full),
                ("full lint + 20 custom rules", custom),
            ] {
                println!(
                    "| {threads} | {phase} | {secs:.3} | {:.1} | {:.0} | {:.2} |",
                    mb / secs,
                    docs as f64 / secs,
                    secs / floor
                );
            }
            if threads == 1 {
                println!(
                    "<!-- {} documents, {} objects, {} findings ({} with the custom rules) -->",
                    docs, out.summary.objects, out.summary.findings, custom_out.summary.findings
                );
            }
            println!(
                "<!-- {threads} thread(s): 20 custom rules cost {:+.1}% -->",
                (custom / full - 1.0) * 100.0
            );
        });
    }
    drop(inputs);
    drop(texts);

    // 2. Whole process at 1x, 4x, 16x.
    if !kubelint_binary().is_file() {
        println!("\n(build the binary with `cargo build --release` for the process measurements)");
        return;
    }
    println!("\n## whole process (`kubelint DIR --format json -o /dev/null`)");
    println!("| input | MB | --jobs 1 s | --jobs 2 s | speed-up | MB/s (2 jobs) | peak RSS MB (2 jobs) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let tmp = std::env::temp_dir().join(format!("kubelint-bench-{}", std::process::id()));
    let mut have = 0;
    for scale in [1usize, 4, 16] {
        copy_tree(&paths, &dir, &tmp, scale - have);
        // Copies are numbered from `have`: rename the new ones.
        if have > 0 {
            for c in (0..scale - have).rev() {
                let from = tmp.join(format!("copy{c}"));
                let to = tmp.join(format!("copy{}", c + have));
                if from != to && from.exists() && !to.exists() {
                    std::fs::rename(&from, &to).unwrap();
                }
            }
        }
        have = scale;
        let d = tmp.to_string_lossy().to_string();
        let r1 = measure(&[&d, "--format", "json", "-o", "/dev/null", "--jobs", "1"]);
        let r2 = measure(&[&d, "--format", "json", "-o", "/dev/null", "--jobs", "2"]);
        if let (Some((t1, _)), Some((t2, rss))) = (r1, r2) {
            let size = one as f64 * scale as f64 / 1e6;
            println!(
                "| {scale}x | {size:.0} | {t1:.2} | {t2:.2} | {:.2} | {:.1} | {rss:.0} |",
                t1 / t2,
                size / t2
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);

    // 3. Start-up.
    let small = std::env::temp_dir().join("kubelint-bench-small.yaml");
    std::fs::write(
        &small,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n",
    )
    .unwrap();
    let mut times: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let _ = Command::new(kubelint_binary())
                .arg(&small)
                .arg("-q")
                .output();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "\nstart-up, one small file, whole process: median {:.1} ms, min {:.1} ms (50 runs)",
        times[25], times[0]
    );
}
