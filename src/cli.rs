//! The command line: argument parsing, the `rules` and `explain`
//! subcommands, and exit codes (0 clean, 1 findings at or above
//! `--fail-on`, 2 usage or configuration error).

use crate::config;
use crate::discover::{discover, DiscoverOptions};
use crate::engine::{lint, Input, Options, PssLevel};
use crate::finding::Severity;
use crate::report;
use crate::rules::catalog::RuleDoc;
use crate::rules::{Rules, Selection};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  kubelint                                   lint every manifest below the current directory
  kubelint deploy/ k8s/base.yaml             lint directories and files
  helm template ./chart | kubelint -         lint a rendered chart from stdin
  kustomize build . | kubelint - --stdin-filename overlays/prod
  kubelint --format json -o report.json .    machine-readable findings
  kubelint --disable yaml11-boolean --enable duplicate-key .
  kubelint --diff deploy/                    show the safe fixes as a diff, change nothing
  kubelint --fix deploy/                     apply them in place (comments and layout kept)
  kubelint rules                             list every rule (custom rules of the configuration too)
  kubelint --kubernetes-version 1.30 deploy/   validate against Kubernetes 1.30's schemas
  kubelint explain duplicate-key             rationale, examples and fix of a rule
  kubelint rules import-polaris check.yaml   a Polaris custom check as a kubelint custom rule
  kubelint netpol deploy/ --graph mermaid    who may connect to whom, per namespace

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or configuration error.";

#[derive(Parser, Debug)]
#[command(
    name = "kubelint",
    version,
    about = "A fast static linter for Kubernetes manifests and cluster-configuration files",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    lint: LintArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every rule with its id, category, severity and whether it is on by default
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        #[command(flatten)]
        config: ConfigArgs,
        #[command(subcommand)]
        action: Option<RulesAction>,
    },
    /// Show a rule's rationale, bad and good examples, fix and references
    Explain {
        /// Rule id, e.g. duplicate-key
        rule: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print each namespace's ingress reachability matrix (who may connect to whom, on which ports)
    Netpol {
        /// Files or directories; `-` reads stdin
        #[arg(value_name = "PATH", default_value = ".")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = NetpolFormat::Table)]
        format: NetpolFormat,
        /// Print a graph instead of the matrix
        #[arg(long, value_enum)]
        graph: Option<Graph>,
        /// Namespace of namespaced objects that set none
        #[arg(long, value_name = "NAME", default_value = "default")]
        default_namespace: String,
        /// Name to report for input read from stdin
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum RulesAction {
    /// Print Polaris custom checks (a check.yaml, or a Polaris config with customChecks) as kubelint custom rules
    ImportPolaris {
        /// Polaris check or configuration file
        file: PathBuf,
    },
}

/// Where the rules come from (for `rules` and `explain`).
#[derive(Args, Debug)]
struct ConfigArgs {
    /// Configuration file [default: nearest .kubelint.yaml upwards]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not read any configuration file
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Also load custom rules from the rule files under DIR (repeatable)
    #[arg(long, value_name = "DIR")]
    rules_dir: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum NetpolFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Graph {
    Mermaid,
    Dot,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// Files or directories to lint; `-` reads stdin
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Turn on rules or whole categories (repeatable, comma-separated, `all`)
    #[arg(long, value_name = "RULE|CATEGORY", value_delimiter = ',')]
    enable: Vec<String>,
    /// Turn off rules or whole categories (repeatable, comma-separated, `all`)
    #[arg(long, value_name = "RULE|CATEGORY", value_delimiter = ',')]
    disable: Vec<String>,
    /// Lowest severity that makes the exit code 1 [default: error]
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Only lint files matching GLOB (repeatable)
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Skip files and directories matching GLOB (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Do not respect .gitignore and .ignore files
    #[arg(long)]
    no_ignore: bool,
    /// Never colour the output (NO_COLOR is respected too)
    #[arg(long)]
    no_color: bool,
    /// Threads to use (default: all cores)
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Print findings only, no summary line
    #[arg(short, long)]
    quiet: bool,
    /// Name to report for input read from stdin
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Namespace of namespaced objects that set none [default: default]
    #[arg(long, value_name = "NAME")]
    default_namespace: Option<String>,
    /// Configuration file [default: nearest .kubelint.yaml upwards]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not read any configuration file
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Also load custom rules from the rule files under DIR (repeatable)
    #[arg(long, value_name = "DIR")]
    rules_dir: Vec<PathBuf>,
    /// Ignore every suppression (annotations and comments): strict mode
    #[arg(long)]
    no_suppress: bool,
    /// Pod Security level for objects whose Namespace is not in the input [default: restricted]
    #[arg(long, value_name = "LEVEL", value_parser = ["restricted", "baseline", "privileged"])]
    pss_level: Option<String>,
    /// Apply safe fixes to the files in place, then report what remains (stdin: the fixed text goes to stdout, the report to stderr)
    #[arg(long)]
    fix: bool,
    /// With --fix or --diff, apply unsafe fixes too (placeholder values to review)
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff and write nothing (exit 1 when there is a diff)
    #[arg(long)]
    diff: bool,
    /// Kubernetes version to validate against, 1.NN [default: the newest bundled]
    #[arg(long, value_name = "1.NN")]
    kubernetes_version: Option<String>,
    /// Directory of extra JSON Schemas (kubeconform layout {kind}-{group}-{version}.json; repeatable)
    #[arg(long, value_name = "DIR")]
    schema_dir: Vec<PathBuf>,
    /// Report objects whose kind has no schema (turns on `unknown-kind`)
    #[arg(long)]
    strict_kinds: bool,
}

/// A usage or configuration error: printed as a diagnostic, exit 2.
fn usage_error(message: &str) -> i32 {
    let report = miette::miette!(code = "kubelint::usage", "{message}");
    eprintln!("{report:?}");
    2
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    run(std::env::args_os().collect())
}

pub fn run(args: Vec<std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match cli.command {
        Some(Command::Rules {
            action: Some(RulesAction::ImportPolaris { file }),
            ..
        }) => import_polaris(&file),
        Some(Command::Rules { format, config, .. }) => {
            match load_config(config.config.as_ref(), config.no_config, &config.rules_dir) {
                Ok(c) => print_rules(format, &c.rule_set),
                Err(code) => code,
            }
        }
        Some(Command::Explain { rule, config }) => {
            match load_config(config.config.as_ref(), config.no_config, &config.rules_dir) {
                Ok(c) => explain(&rule, &c.rule_set),
                Err(code) => code,
            }
        }
        Some(Command::Netpol {
            paths,
            format,
            graph,
            default_namespace,
            stdin_filename,
        }) => netpol(paths, format, graph, default_namespace, stdin_filename),
        None => run_lint(cli.lint),
    }
}

/// The configuration (`--config`, else the nearest `.kubelint.yaml`, none
/// with `--no-config`) with the custom rules of `rules_dirs`; on error the
/// diagnostic is printed and the exit code returned.
fn load_config(
    path: Option<&PathBuf>,
    no_config: bool,
    rules_dirs: &[PathBuf],
) -> Result<config::Config, i32> {
    let path = if no_config {
        None
    } else {
        path.cloned()
            .or_else(|| config::find(&std::env::current_dir().unwrap_or_default()))
    };
    let loaded = match path {
        Some(p) => config::read_with(&p, rules_dirs),
        None => config::rules_from_dirs(rules_dirs).map(|rule_set| config::Config {
            rule_set,
            ..config::Config::default()
        }),
    };
    loaded.map_err(|report| {
        eprintln!("{report:?}");
        2
    })
}

fn run_lint(args: LintArgs) -> i32 {
    let started = Instant::now();
    let config = match load_config(args.config.as_ref(), args.no_config, &args.rules_dir) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut selection = Selection::new(config.rule_set.clone());
    selection.apply_settings(&config.rules);
    let mut enable = args.enable.clone();
    if args.strict_kinds {
        enable.push(crate::rules::UNKNOWN_KIND.to_string());
    }
    if let Err(e) = selection.apply(&enable, &args.disable) {
        return usage_error(&e);
    }
    let kubernetes_version = match (&args.kubernetes_version, &config.kubernetes_version) {
        (Some(v), _) => match crate::schema::check_version(v) {
            Ok(m) => Some(m),
            Err(e) => return usage_error(&format!("--kubernetes-version: {e}")),
        },
        (None, Some(v)) => match crate::schema::check_version(v) {
            Ok(m) => Some(m),
            Err(e) => {
                return usage_error(&format!(
                    "kubernetesVersion in {}: {e}",
                    config.path.display()
                ))
            }
        },
        (None, None) => None,
    };
    let user_schemas = if args.schema_dir.is_empty() {
        None
    } else {
        match crate::schema::UserSchemas::load(&args.schema_dir) {
            Ok(u) => Some(Arc::new(u)),
            Err(e) => return usage_error(&e),
        }
    };
    if args.jobs == Some(0) {
        return usage_error("--jobs must be at least 1");
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(p) => p,
        Err(e) => return usage_error(&format!("cannot start {jobs} threads: {e}")),
    };
    let stdin_count = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        return usage_error("`-` (stdin) may be given only once");
    }
    let mut inputs: Vec<Input> = Vec::new();
    if stdin_count == 1 {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            return usage_error(&format!("cannot read stdin: {e}"));
        }
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "<stdin>".to_string());
        inputs.push(Input::Bytes {
            display: Arc::from(name.as_str()),
            bytes: bytes.into(),
        });
    }
    let paths: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let dopts = DiscoverOptions {
        include: config
            .include
            .iter()
            .chain(&args.include)
            .cloned()
            .collect(),
        exclude: config
            .exclude
            .iter()
            .chain(&args.exclude)
            .cloned()
            .collect(),
        no_ignore: args.no_ignore,
        threads: jobs,
        base: (!config.path.as_os_str().is_empty()).then(|| config.base_dir()),
    };
    if !paths.is_empty() {
        match discover(&paths, &dopts) {
            Ok(found) => inputs.extend(found),
            Err(e) => return usage_error(&e),
        }
    }
    let opts = Options {
        selection,
        default_namespace: args
            .default_namespace
            .clone()
            .or(config.default_namespace.clone())
            .unwrap_or_else(|| "default".to_string()),
        no_suppress: args.no_suppress,
        ignores: config.ignore.clone(),
        config_dir: (!config.path.as_os_str().is_empty()).then(|| config.base_dir()),
        pss_level: PssLevel::parse(
            args.pss_level
                .as_deref()
                .or(config.pod_security_level.as_deref())
                .unwrap_or("restricted"),
        )
        .unwrap_or_default(),
        keep_sources: args.format == Format::Human,
        node_paths: args.format == Format::Sarif,
        schema: crate::schema::SchemaOptions {
            kubernetes_version,
            user: user_schemas,
            ..Default::default()
        },
        ..Options::default()
    };
    let fail_on = args.fail_on.unwrap_or(match config.fail_on.as_deref() {
        Some("warning") => FailOn::Warning,
        Some("note") => FailOn::Note,
        Some("never") => FailOn::Never,
        _ => FailOn::Error,
    });
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    let stdin_text: Option<Vec<u8>> = inputs.iter().find_map(|i| match i {
        Input::Bytes { bytes, .. } if stdin_count == 1 => Some(bytes.to_vec()),
        _ => None,
    });
    let mut report_to_stderr = false;
    let outcome = if args.fix || args.diff {
        let mut run = pool.install(|| crate::fix::run(&inputs, &opts, args.unsafe_fixes));
        let mut outcome = std::mem::take(&mut run.outcome);
        outcome.summary.fixed = run.applied;
        for (file, reason) in &run.refused {
            eprintln!("warning: {file}: fixes not applied: {reason}");
        }
        if args.diff {
            return print_diff(&args, &run, &outcome, threshold);
        }
        for f in &run.files {
            if let Some(path) = &f.path {
                if let Err(e) = std::fs::write(path, f.fixed.as_bytes()) {
                    return usage_error(&format!("cannot write {}: {e}", path.display()));
                }
            }
        }
        if let Some(original) = &stdin_text {
            // stdin: the fixed text (unchanged when nothing applied) goes
            // to stdout, so the report goes to stderr unless -o is given.
            let fixed = run
                .files
                .iter()
                .find(|f| f.path.is_none())
                .map_or(&original[..], |f| f.fixed.as_bytes());
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(fixed).and_then(|_| out.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return usage_error(&format!("cannot write the fixed text: {e}"));
                }
            }
            report_to_stderr = args.output.is_none();
        }
        outcome
    } else if matches!(args.format, Format::Json | Format::Github) {
        return pool.install(|| stream_report(&args, &inputs, &opts, threshold, started));
    } else {
        pool.install(|| lint(&inputs, &opts))
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color =
        to_terminal && !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let text = match args.format {
        // Streamed: the report is not held in memory as a whole.
        Format::Json => String::new(),
        Format::Sarif => report::sarif::render(
            &outcome.findings,
            &std::env::current_dir().unwrap_or_default(),
            &config.rule_set,
        ),
        Format::Github => {
            if let Some(path) = job_summary_path() {
                append_job_summary(
                    &path,
                    &report::github::step_summary(&outcome.findings, &outcome.summary),
                );
            }
            let mut s = report::github::render(&outcome.findings);
            if !args.quiet {
                s.push_str(&report::summary_line(&outcome.summary, started.elapsed()));
                s.push('\n');
            }
            s
        }
        Format::Human => {
            let mut s =
                report::human::render(&outcome.findings, &outcome.sources, &config.rule_set, color);
            if !args.quiet {
                if let Some(line) = report::fix_line(&outcome.summary) {
                    s.push_str(&line);
                    s.push('\n');
                }
                s.push_str(&report::summary_line(&outcome.summary, started.elapsed()));
                s.push('\n');
            }
            s
        }
    };
    let write_report = |w: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            Format::Json => report::json::write(&outcome.findings, &outcome.summary, w)?,
            _ => w.write_all(text.as_bytes())?,
        }
        w.flush()
    };
    if let Err(e) = write_output(args.output.as_deref(), report_to_stderr, write_report) {
        return usage_error(&e);
    }
    let failed = threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    // The process exits next: freeing the findings, the index and the
    // compiled schema validators one allocation at a time would only
    // delay the exit (by several percent of a whole run).
    std::mem::forget(outcome);
    std::mem::forget(opts);
    i32::from(failed)
}

/// Write a report to `-o FILE`, stderr or stdout (a closed stdout pipe,
/// as in `kubelint | head`, is not an error).
fn write_output(
    output: Option<&std::path::Path>,
    to_stderr: bool,
    mut write: impl FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    match output {
        Some(path) => std::fs::File::create(path)
            .and_then(|f| write(&mut std::io::BufWriter::new(f)))
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None if to_stderr => write(&mut std::io::stderr().lock())
            .map_err(|e| format!("cannot write the report: {e}")),
        None => match write(&mut std::io::BufWriter::new(std::io::stdout().lock())) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r.map_err(|e| format!("cannot write the report: {e}")),
        },
    }
}

/// `GITHUB_STEP_SUMMARY`, when set: the file GitHub shows as the job summary.
fn job_summary_path() -> Option<std::ffi::OsString> {
    std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
}

/// Append the Markdown job summary; failing to is a warning, not an error.
fn append_job_summary(path: &std::ffi::OsStr, md: &str) {
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(md.as_bytes()));
    if let Err(e) = appended {
        eprintln!(
            "warning: cannot write the job summary to {}: {e}",
            PathBuf::from(path).display()
        );
    }
}

/// `--format json` and `--format github` without fixes: findings are
/// written file by file as the run hands them out, never all in memory at
/// once.
fn stream_report(
    args: &LintArgs,
    inputs: &[Input],
    opts: &Options,
    threshold: Option<Severity>,
    started: Instant,
) -> i32 {
    let run = std::cell::RefCell::new(crate::engine::Run::new(inputs, opts));
    let mut failed = false;
    let job_summary = job_summary_path();
    let mut step = report::github::StepSummary::default();
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        let mut next = || {
            let batch = run.borrow_mut().next_file()?;
            failed |= threshold.is_some_and(|t| batch.iter().any(|f| f.severity >= t));
            Some(batch)
        };
        if args.format == Format::Json {
            report::json::write_stream(next, || run.borrow().summary(), w)?;
        } else {
            while let Some(batch) = next() {
                w.write_all(report::github::render(&batch).as_bytes())?;
                if job_summary.is_some() {
                    for f in &batch {
                        step.add(f);
                    }
                }
            }
            if !args.quiet {
                let line = report::summary_line(&run.borrow().summary(), started.elapsed());
                w.write_all(line.as_bytes())?;
                w.write_all(b"\n")?;
            }
        }
        w.flush()
    };
    if let Err(e) = write_output(args.output.as_deref(), false, write) {
        return usage_error(&e);
    }
    if let Some(path) = job_summary {
        append_job_summary(&path, &step.render(&run.borrow().summary()));
    }
    if let Some(e) = run.borrow().error() {
        return usage_error(&format!(
            "cannot read back findings held in a temporary file: {e}"
        ));
    }
    // As for the other reports: no frees before the exit.
    std::mem::forget(run);
    i32::from(failed)
}

/// `--diff`: the unified diff of every file a fix would change, on stdout
/// (or `-o`), and a one-line account on stderr. Exit 1 when there is a
/// diff, else as for linting the fixed input.
fn print_diff(
    args: &LintArgs,
    run: &crate::fix::FixRun,
    outcome: &crate::engine::Outcome,
    threshold: Option<Severity>,
) -> i32 {
    let mut text = String::new();
    for f in &run.files {
        text.push_str(&crate::fix::unified_diff(&f.display, &f.original, &f.fixed));
    }
    let written = match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| format!("cannot write the diff: {e}")),
            }
        }
    };
    if let Err(e) = written {
        return usage_error(&e);
    }
    if !args.quiet {
        let remaining = outcome.findings.len();
        eprintln!(
            "would fix {} finding{} in {} file{}; {remaining} finding{} would remain",
            run.applied,
            if run.applied == 1 { "" } else { "s" },
            run.files.len(),
            if run.files.len() == 1 { "" } else { "s" },
            if remaining == 1 { "" } else { "s" },
        );
    }
    let failed = threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    i32::from(!text.is_empty() || failed)
}

fn netpol(
    paths: Vec<PathBuf>,
    format: NetpolFormat,
    graph: Option<Graph>,
    default_namespace: String,
    stdin_filename: Option<String>,
) -> i32 {
    let mut inputs = Vec::new();
    if paths.iter().any(|p| p.as_os_str() == "-") {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            return usage_error(&format!("cannot read stdin: {e}"));
        }
        let name = stdin_filename.unwrap_or_else(|| "<stdin>".to_string());
        inputs.push(Input::Bytes {
            display: Arc::from(name.as_str()),
            bytes: bytes.into(),
        });
    }
    let files: Vec<PathBuf> = paths.into_iter().filter(|p| p.as_os_str() != "-").collect();
    if !files.is_empty() {
        match discover(&files, &DiscoverOptions::default()) {
            Ok(found) => inputs.extend(found),
            Err(e) => return usage_error(&e),
        }
    }
    let mut selection = Selection::default();
    selection.enabled.iter_mut().for_each(|e| *e = false);
    let opts = Options {
        selection,
        default_namespace,
        ..Options::default()
    };
    let outcome = lint(&inputs, &opts);
    let ms = crate::netpol::matrices(&outcome.index);
    let text = match (graph, format) {
        (Some(Graph::Mermaid), _) => crate::netpol::mermaid(&ms),
        (Some(Graph::Dot), _) => crate::netpol::dot(&ms),
        (None, NetpolFormat::Json) => crate::netpol::to_json(&ms),
        (None, NetpolFormat::Table) => crate::netpol::table(&ms),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    0
}

fn print_rules(format: RulesFormat, rules: &Rules) -> i32 {
    let mut out = String::new();
    match format {
        RulesFormat::Table => {
            let w = rules.docs().map(|d| d.id.len()).max().unwrap_or(4).max(4);
            let cw = rules
                .docs()
                .map(|d| d.category.len())
                .max()
                .unwrap_or(8)
                .max(8);
            out.push_str(&format!(
                "{:w$}  {:cw$}  {:8}  {:7}  SUMMARY\n",
                "RULE", "CATEGORY", "SEVERITY", "DEFAULT"
            ));
            for d in rules.docs() {
                out.push_str(&format!(
                    "{:w$}  {:cw$}  {:8}  {:7}  {}\n",
                    d.id,
                    d.category,
                    d.severity.as_str(),
                    if d.enabled { "on" } else { "off" },
                    d.summary
                ));
            }
        }
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .docs()
                .map(|d| {
                    let mut v = serde_json::json!({
                        "id": d.id, "category": d.category, "severity": d.severity,
                        "enabled": d.enabled, "summary": d.summary, "references": d.references,
                        "url": d.url(), "custom": d.defined_in.is_some(),
                    });
                    if let Some(at) = &d.defined_in {
                        v["definedIn"] = serde_json::json!(at);
                    }
                    v
                })
                .collect();
            out = serde_json::to_string_pretty(&list).unwrap_or_default();
            out.push('\n');
        }
        RulesFormat::Markdown => {
            out.push_str(
                "| Rule | Category | Severity | Default | Summary |\n|---|---|---|---|---|\n",
            );
            for d in rules.docs() {
                let link = match (&d.defined_in, d.url()) {
                    (None, _) => format!("[`{}`](./{})", d.id, d.path),
                    (Some(_), Some(u)) => format!("[`{}`]({u})", d.id),
                    (Some(_), None) => format!("`{}`", d.id),
                };
                out.push_str(&format!(
                    "| {link} | {} | {} | {} | {} |\n",
                    d.category,
                    d.severity.as_str(),
                    if d.enabled { "on" } else { "off" },
                    d.summary.replace('|', "\\|")
                ));
            }
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    0
}

/// The text `kubelint explain` prints for a rule.
pub fn explain_text(d: &RuleDoc) -> String {
    let mut s = format!(
        "{} ({}, {}, {} by default)\n\n{}\n",
        d.id,
        d.category,
        d.severity,
        if d.enabled { "on" } else { "off" },
        d.summary
    );
    s.push_str(d.body.trim_end());
    s.push('\n');
    if !d.references.is_empty() {
        s.push_str("\n## References\n\n");
        for r in &d.references {
            s.push_str(&format!("- {r}\n"));
        }
    }
    match (&d.defined_in, d.url()) {
        (Some(at), _) => s.push_str(&format!("\nCustom rule defined in {at}\n")),
        (None, Some(url)) => s.push_str(&format!("\nDocumentation: {url}\n")),
        (None, None) => {}
    }
    s
}

fn explain(rule: &str, rules: &Rules) -> i32 {
    match rules.get(rule) {
        Some(d) => {
            let _ = std::io::stdout().write_all(explain_text(d).as_bytes());
            0
        }
        None => usage_error(&rules.unknown_message(rule)),
    }
}

fn import_polaris(file: &std::path::Path) -> i32 {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return usage_error(&format!("cannot read {}: {e}", file.display())),
    };
    match crate::custom::polaris::import(file, &text) {
        Ok(yaml) => {
            let _ = std::io::stdout().write_all(yaml.as_bytes());
            0
        }
        Err(report) => {
            eprintln!("{report:?}");
            2
        }
    }
}
