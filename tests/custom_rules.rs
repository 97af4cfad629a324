//! Custom rules: fixtures for every target type with snapshots of the
//! exact findings, every kind of invalid definition with a snapshot of its
//! diagnostic, the Polaris import, the worked examples of
//! `docs/custom-rules.md`, and custom rules in every place built-in rules
//! appear (rules, explain, SARIF, selection, severity, suppressions).

mod common;

use assert_cmd::Command;
use common::render;
use kubelint::config::{self, Config};
use kubelint::engine::{lint, Input, Options, Outcome};
use kubelint::rules::Selection;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/custom-rules")
}

fn kubelint() -> Command {
    let mut c = Command::cargo_bin("kubelint").unwrap();
    c.env_remove("NO_COLOR");
    c
}

fn snapshot(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../testdata/custom-rules/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, value);
    });
}

/// Files of a directory as inputs named `<dir name>/<file>`, sorted.
fn inputs_of(dir: &Path) -> Vec<Input> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| Input::Bytes {
            display: Arc::from(format!(
                "{}/{}",
                dir.file_name().unwrap().to_string_lossy(),
                p.file_name().unwrap().to_string_lossy()
            )),
            bytes: std::fs::read(&p).unwrap().into(),
        })
        .collect()
}

/// Lint with the configuration's rules; only its custom rules run.
fn lint_custom(config: &Config, inputs: &[Input]) -> Outcome {
    let mut selection = Selection::new(config.rule_set.clone());
    selection.apply_settings(&config.rules);
    let ids: Vec<String> = config
        .rule_set
        .custom()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    selection.apply(&ids, &["all".to_string()]).unwrap();
    lint(
        inputs,
        &Options {
            selection,
            ..Options::default()
        },
    )
}

fn diagnostic_text(report: &miette::Report) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, report.as_ref())
        .unwrap();
    out
}

#[test]
fn targets() {
    for target in ["object", "podspec", "container", "path"] {
        let dir = root().join("targets").join(target);
        let config = config::read(&dir.join("rules.yaml")).unwrap();
        assert!(!config.rule_set.custom().is_empty());
        let bad = lint_custom(&config, &inputs_of(&dir.join("bad")));
        assert!(!bad.findings.is_empty(), "{target}: bad fixtures pass");
        // Every custom rule of the fixture fires at least once.
        for c in config.rule_set.custom() {
            assert!(
                bad.findings.iter().any(|f| f.rule == c.id),
                "{target}: {} does not fire",
                c.id
            );
        }
        snapshot(&format!("target-{target}"), &render(&bad.findings));
        let good = lint_custom(&config, &inputs_of(&dir.join("good")));
        assert!(
            good.findings.is_empty(),
            "{target}: good fixtures fire:\n{}",
            render(&good.findings)
        );
    }
}

#[test]
fn invalid_definitions_point_into_their_file() {
    let dir = root().join("errors");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let path = Path::new("testdata/custom-rules/errors").join(&name);
        let report = match config::read(&path) {
            Ok(_) => panic!("{name}: accepted"),
            Err(r) => r,
        };
        let d: &dyn miette::Diagnostic = report.as_ref();
        let label = d.labels().and_then(|mut l| l.next());
        assert!(label.is_some(), "{name}: no span: {report}");
        snapshot(
            &format!("error-{}", name.trim_end_matches(".yaml")),
            &diagnostic_text(&report),
        );
    }
}

#[test]
fn polaris_checks_import_and_behave_the_same() {
    let dir = root().join("polaris");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5);
    let scratch = tempfile::tempdir().unwrap();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let source = ["check.yaml", "polaris.yaml"]
            .iter()
            .map(|f| case.join(f))
            .find(|p| p.is_file())
            .unwrap();
        let rel = source
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .to_path_buf();
        let text = std::fs::read_to_string(&source).unwrap();
        let yaml = kubelint::custom::polaris::import(&rel, &text)
            .unwrap_or_else(|e| panic!("{name}: {}", diagnostic_text(&e)));
        snapshot(&format!("polaris-{name}"), &yaml);
        // The printed rules compile as a rule file and behave like the
        // Polaris check on its success and failure fixtures.
        let rules_dir = scratch.path().join(&name);
        std::fs::create_dir_all(&rules_dir).unwrap();
        std::fs::write(rules_dir.join("imported.yaml"), &yaml).unwrap();
        let rule_set = config::rules_from_dirs(std::slice::from_ref(&rules_dir))
            .unwrap_or_else(|e| panic!("{name}: {}", diagnostic_text(&e)));
        let mut selection = Selection::new(rule_set.clone());
        let ids: Vec<String> = rule_set.custom().iter().map(|c| c.id.to_string()).collect();
        selection.apply(&ids, &["all".to_string()]).unwrap();
        let opts = Options {
            selection,
            ..Options::default()
        };
        let read = |f: &str| Input::Bytes {
            display: Arc::from(format!("{name}/{f}")),
            bytes: std::fs::read(case.join(f)).unwrap().into(),
        };
        let failure = lint(&[read("failure.yaml")], &opts);
        assert!(!failure.findings.is_empty(), "{name}: failure passes");
        snapshot(
            &format!("polaris-{name}-failure"),
            &render(&failure.findings),
        );
        let success = lint(&[read("success.yaml")], &opts);
        assert!(
            success.findings.is_empty(),
            "{name}: success fires:\n{}",
            render(&success.findings)
        );
    }
}

#[test]
fn polaris_checks_without_an_equivalent_are_refused() {
    let dir = Path::new("testdata/custom-rules/polaris-errors");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4);
    for name in names {
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path).unwrap();
        let report = kubelint::custom::polaris::import(&path, &text).unwrap_err();
        snapshot(
            &format!("polaris-error-{}", name.trim_end_matches(".yaml")),
            &diagnostic_text(&report),
        );
        kubelint()
            .args(["rules", "import-polaris"])
            .arg(&path)
            .assert()
            .code(2);
    }
}

/// A fenced block of the guide: its info string and text.
fn blocks(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in markdown.lines() {
        match &mut cur {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    cur = Some((info.trim().to_string(), String::new()));
                }
            }
            Some(_) if line.starts_with("```") => out.extend(cur.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    out
}

fn trim_lines(s: &str) -> String {
    s.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

#[test]
fn the_guide_is_what_kubelint_does() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/custom-rules.md"))
            .unwrap();
    let examples: Vec<&str> = guide.split("\n## Example ").skip(1).collect();
    assert_eq!(examples.len(), 3, "three worked examples");
    for (n, example) in examples.iter().enumerate() {
        let example = example.split("\n## ").next().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut ran = false;
        for (info, text) in blocks(example) {
            if let Some(file) = info.strip_prefix("yaml file=") {
                let p = dir.path().join(file);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, text).unwrap();
            } else if info == "console" {
                let (command, expected) = text.split_once('\n').unwrap();
                let args: Vec<&str> = command
                    .strip_prefix("$ kubelint ")
                    .expect("a kubelint command")
                    .split_whitespace()
                    .collect();
                let out = kubelint()
                    .current_dir(dir.path())
                    .args(&args)
                    .output()
                    .unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert_eq!(
                    trim_lines(&stdout),
                    trim_lines(expected),
                    "example {}: output differs; stderr: {}",
                    n + 1,
                    String::from_utf8_lossy(&out.stderr)
                );
                // Exit 1 exactly when an error (not a warning) is shown.
                let errors = stdout.lines().any(|l| l.trim_start().starts_with('×'));
                assert_eq!(
                    out.status.code(),
                    Some(i32::from(errors)),
                    "example {}",
                    n + 1
                );
                ran = true;
            }
        }
        assert!(ran, "example {} runs a command", n + 1);
    }
    // Every other rule snippet of the guide compiles.
    let dir = tempfile::tempdir().unwrap();
    let mut snippets = 0;
    for (info, text) in blocks(&guide) {
        if info == "yaml rules" {
            snippets += 1;
            let d = dir.path().join(format!("snippet-{snippets}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("rules.yaml"), &text).unwrap();
            if let Err(e) = config::rules_from_dirs(&[d]) {
                panic!("snippet {snippets}:\n{text}\n{}", diagnostic_text(&e));
            }
        } else {
            assert!(
                info.starts_with("yaml file=")
                    || ["console", "text", "sh"].contains(&info.as_str()),
                "untested block `{info}` in the guide"
            );
        }
    }
    assert!(snippets >= 4);
    // The README's example configuration is valid too.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("\n## Custom rules\n").nth(1).unwrap();
    let (_, text) = blocks(section)
        .into_iter()
        .find(|(info, _)| info == "yaml")
        .unwrap();
    let config = config::parse(Path::new(".kubelint.yaml"), &text)
        .unwrap_or_else(|e| panic!("README:\n{}", diagnostic_text(&e)));
    assert_eq!(config.rule_set.custom().len(), 3);
}

/// Rules of different runs do not leak into each other, also when linted
/// at the same time.
#[test]
fn custom_rules_are_per_run() {
    let text = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";
    let run = |rules: &'static str| {
        std::thread::spawn(move || {
            let config = config::parse(Path::new(".kubelint.yaml"), rules).unwrap();
            let selection = {
                let mut s = Selection::new(config.rule_set.clone());
                s.apply(&[], &["all".to_string()]).unwrap();
                s.apply(&["custom".to_string()], &[]).unwrap();
                s
            };
            let out = lint(
                &[Input::Bytes {
                    display: Arc::from("cm.yaml"),
                    bytes: text[..].into(),
                }],
                &Options {
                    selection,
                    ..Options::default()
                },
            );
            out.findings
                .iter()
                .map(|f| f.rule.to_string())
                .collect::<Vec<_>>()
        })
    };
    let a = run("customRules:\n  - id: team-label\n    summary: s\n    help: h\n    require: metadata.labels.team\n");
    let b = run("customRules:\n  - id: data-set\n    summary: s\n    help: h\n    require: data\n");
    assert_eq!(a.join().unwrap(), ["team-label"]);
    assert_eq!(b.join().unwrap(), ["data-set"]);
    // The built-in rules alone know neither.
    let plain = Selection::default();
    assert!(!plain.is_enabled("team-label") && plain.rules.get("data-set").is_none());
}

const RULES: &str = r#"customRules:
  - id: owner-label
    severity: error
    summary: Workloads name their owning team
    help: Add an owner label
    references: [https://wiki.example.com/labels]
    match:
      kinds: [Deployment]
    require: metadata.labels.owner
  - id: no-latest
    category: supply-chain
    summary: Images are pinned
    help: Use a version tag or a digest
    target: Container
    forbid: image
    pattern: ':latest$'
"#;

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com/web:latest
";

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".kubelint.yaml"), config).unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), DEPLOY).unwrap();
    dir
}

fn rules_fired(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = kubelint()
        .current_dir(dir)
        .args(["--format", "json", "deploy.yaml"])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .filter(|r| r.starts_with("owner-label") || r.starts_with("no-latest"))
        .collect()
}

#[test]
fn custom_rules_are_selected_like_built_in_ones() {
    let dir = project(RULES);
    let p = dir.path();
    assert_eq!(
        rules_fired(p, &[]),
        ["owner-label:error", "no-latest:warning"]
    );
    assert_eq!(
        rules_fired(p, &["--disable", "owner-label"]),
        ["no-latest:warning"]
    );
    assert_eq!(
        rules_fired(p, &["--disable", "all", "--enable", "supply-chain"]),
        ["no-latest:warning"]
    );
    assert_eq!(
        rules_fired(p, &["--disable", "custom"]),
        ["no-latest:warning"]
    );
    // Severity overrides and off in the configuration.
    let dir = project(&format!(
        "{RULES}rules:\n  owner-label: note\n  supply-chain: off\n"
    ));
    assert_eq!(rules_fired(dir.path(), &[]), ["owner-label:note"]);
    // Misspelt custom ids get a suggestion.
    let out = kubelint()
        .current_dir(p)
        .args(["--enable", "owner-labels", "deploy.yaml"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("did you mean `owner-label`"), "{err}");
}

#[test]
fn custom_rules_are_suppressed_like_built_in_ones() {
    let annotated = DEPLOY.replace(
        "  labels: {app: web}\n",
        "  labels: {app: web}\n  annotations:\n    kubelint.io/ignore: owner-label, no-such-rule\n",
    );
    let dir = project(RULES);
    std::fs::write(dir.path().join("deploy.yaml"), &annotated).unwrap();
    let fired = rules_fired(dir.path(), &[]);
    assert_eq!(fired, ["no-latest:warning"]);
    let out = kubelint()
        .current_dir(dir.path())
        .args(["--format", "json", "deploy.yaml"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unknown: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unknown-suppression")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(unknown[0].contains("`no-such-rule`"), "{unknown:?}");
    // A line comment names a custom rule too.
    let commented = DEPLOY.replace(
        "          image: registry.example.com/web:latest",
        "          image: registry.example.com/web:latest # kubelint-ignore: no-latest",
    );
    std::fs::write(dir.path().join("deploy.yaml"), commented).unwrap();
    assert_eq!(rules_fired(dir.path(), &[]), ["owner-label:error"]);
    // Without the configuration, the id is unknown and reported.
    let out = kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--format", "json", "deploy.yaml"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "unknown-suppression"));
}

#[test]
fn rules_explain_and_sarif_show_custom_rules() {
    let dir = project(RULES);
    let p = dir.path();
    let out = kubelint().current_dir(p).arg("rules").output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    let last: Vec<&str> = table.lines().rev().take(2).collect();
    assert!(
        last[1].starts_with("owner-label ") && last[1].contains("custom"),
        "{table}"
    );
    assert!(
        last[0].starts_with("no-latest ") && last[0].contains("supply-chain"),
        "{table}"
    );
    let out = kubelint()
        .current_dir(p)
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let owner = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "owner-label")
        .unwrap();
    assert_eq!(owner["custom"], true);
    assert_eq!(owner["url"], "https://wiki.example.com/labels");
    assert_eq!(owner["definedIn"], ".kubelint.yaml:2");
    let no_latest = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "no-latest")
        .unwrap();
    assert!(no_latest["url"].is_null());

    let out = kubelint()
        .current_dir(p)
        .args(["explain", "no-latest"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    snapshot("explain", &String::from_utf8_lossy(&out.stdout));

    // --rules-dir works for `rules` and `explain` without a configuration.
    let rules_dir = p.join("policies");
    std::fs::create_dir(&rules_dir).unwrap();
    std::fs::write(
        rules_dir.join("extra.yaml"),
        "id: data-required\nsummary: ConfigMaps carry data\nhelp: Add data\nmatch: {kinds: [ConfigMap]}\nrequire: data\n",
    )
    .unwrap();
    let out = kubelint()
        .current_dir(p)
        .args([
            "explain",
            "data-required",
            "--no-config",
            "--rules-dir",
            "policies",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Custom rule defined in policies/extra.yaml:1"));

    // SARIF: every custom rule in rules[], results pointing at them.
    let out = kubelint()
        .current_dir(p)
        .args(["--format", "sarif", "deploy.yaml"])
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let find = |id: &str| rules.iter().position(|r| r["id"] == id).unwrap();
    let (oi, ni) = (find("owner-label"), find("no-latest"));
    assert_eq!(rules[oi]["helpUri"], "https://wiki.example.com/labels");
    assert!(rules[ni].get("helpUri").is_none(), "no bogus link");
    assert!(rules[ni]["properties"]["tags"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("custom")));
    let results = run["results"].as_array().unwrap();
    for (id, i) in [("owner-label", oi), ("no-latest", ni)] {
        let r = results.iter().find(|r| r["ruleId"] == id).unwrap();
        assert_eq!(r["ruleIndex"], i);
    }

    // Human output links a custom rule to its first reference, or nowhere.
    let out = kubelint()
        .current_dir(p)
        .args([
            "--no-color",
            "--quiet",
            "deploy.yaml",
            "--disable",
            "all",
            "--enable",
            "custom,supply-chain",
        ])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        human.contains("owner-label (https://wiki.example.com/labels)"),
        "{human}"
    );
    assert!(human.lines().any(|l| l.trim() == "no-latest"), "{human}");
    assert!(
        !human.contains("kubelint/blob/main/rules/custom"),
        "{human}"
    );
}

/// The official SARIF schema, with its one uncompilable `language`
/// pattern replaced (kubelint never emits `language`).
fn sarif_schema() -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&p).expect("the official SARIF schema");
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    serde_json::from_str(&text).unwrap()
}

#[test]
fn invalid_definitions_exit_2() {
    let dir = project(&RULES.replace("pattern: ':latest$'", "pattern: ':latest($'"));
    for args in [
        vec!["deploy.yaml"],
        vec!["rules"],
        vec!["explain", "owner-label"],
    ] {
        let out = kubelint()
            .current_dir(dir.path())
            .args(&args)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            err.contains("invalid regular expression") && err.contains(".kubelint.yaml:16:14"),
            "{err}"
        );
    }
    kubelint()
        .current_dir(dir.path())
        .args(["--no-config", "--rules-dir", "missing", "deploy.yaml"])
        .assert()
        .code(2);
}
