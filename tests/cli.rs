//! End-to-end tests of the built binary: exit codes, stdin, the JSON
//! contract, determinism across `--jobs`, discovery, subcommands.

use assert_cmd::Command;
use std::path::Path;

fn kubelint() -> Command {
    let mut c = Command::cargo_bin("kubelint").unwrap();
    c.env_remove("NO_COLOR");
    c
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples")
}

const CLEAN: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n";
const BOOL: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: yes\n";
const DUP_OBJ: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("valid JSON on stdout")
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), CLEAN).unwrap();
    kubelint().arg(dir.path()).assert().code(0);
    kubelint().arg(examples()).assert().code(1);
    kubelint()
        .arg(examples())
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
    // A warning only fails with --fail-on warning or note.
    std::fs::write(dir.path().join("dup.yaml"), DUP_OBJ).unwrap();
    kubelint().arg(dir.path()).assert().code(0);
    kubelint()
        .arg(dir.path())
        .args(["--fail-on", "warning"])
        .assert()
        .code(1);
    kubelint()
        .arg(dir.path())
        .args(["--fail-on", "note"])
        .assert()
        .code(1);
    kubelint()
        .arg(dir.path())
        .args([
            "--disable",
            "duplicate-object,pss-namespace-unenforced",
            "--fail-on",
            "note",
        ])
        .assert()
        .code(0);
}

#[test]
fn usage_errors_exit_2() {
    let out = kubelint()
        .args(["--enable", "no-such-rule", "."])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("unknown rule or category `no-such-rule`"),
        "{err}"
    );
    let out = kubelint()
        .args(["--disable", "duplicate-kye"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("did you mean `duplicate-key`"), "{err}");
    kubelint().args(["--format", "xml"]).assert().code(2);
    kubelint().args(["--no-such-flag"]).assert().code(2);
    kubelint().args(["--jobs", "0"]).assert().code(2);
    kubelint().args(["--exclude", "a[", "."]).assert().code(2);
    kubelint().args(["explain", "nope"]).assert().code(2);
}

#[test]
fn stdin_with_a_filename() {
    let out = kubelint()
        .args([
            "-",
            "--stdin-filename",
            "rendered/chart.yaml",
            "--format",
            "json",
        ])
        .write_stdin(BOOL)
        .assert()
        .code(1);
    let v = json_of(&out.get_output().stdout);
    assert_eq!(v["findings"][0]["file"], "rendered/chart.yaml");
    assert_eq!(v["findings"][0]["rule"], "yaml11-boolean");
    assert_eq!(v["findings"][0]["line"], 6);
    assert_eq!(v["findings"][0]["column"], 6);
    let out = kubelint()
        .args(["-", "--format", "json"])
        .write_stdin(BOOL)
        .assert()
        .code(1);
    assert_eq!(
        json_of(&out.get_output().stdout)["findings"][0]["file"],
        "<stdin>"
    );
}

#[test]
fn json_contract() {
    let out = kubelint()
        .arg(examples())
        .args(["--format", "json"])
        .assert()
        .code(1);
    let v = json_of(&out.get_output().stdout);
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report-v1.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut broken = v.clone();
    broken["findings"][0]["line"] = serde_json::json!(0);
    assert!(
        !validator.is_valid(&broken),
        "the schema must reject a 0 line"
    );
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, ["findings", "summary", "version"]);
    assert_eq!(v["version"], 1);
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "category",
                "column",
                "end_column",
                "end_line",
                "file",
                "fix",
                "help",
                "line",
                "message",
                "object",
                "rule",
                "severity"
            ]
        );
        assert!(["error", "warning", "note"].contains(&f["severity"].as_str().unwrap()));
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
        if !f["object"].is_null() {
            let o = f["object"].as_object().unwrap();
            let mut k: Vec<&str> = o.keys().map(String::as_str).collect();
            k.sort();
            assert_eq!(k, ["apiVersion", "kind", "name", "namespace"]);
        }
    }
    let s = &v["summary"];
    for k in [
        "files",
        "documents",
        "objects",
        "skipped",
        "findings",
        "errors",
        "warnings",
        "notes",
        "suppressed",
        "no_schema",
    ] {
        assert!(s[k].is_u64(), "summary.{k}");
    }
    assert_eq!(s["findings"].as_u64().unwrap() as usize, findings.len());
    assert_eq!(
        s["errors"].as_u64().unwrap()
            + s["warnings"].as_u64().unwrap()
            + s["notes"].as_u64().unwrap(),
        findings.len() as u64
    );
    // Sorted by file, line, column.
    let keys: Vec<(String, u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn output_is_identical_across_jobs_and_runs() {
    for format in ["json", "sarif", "github"] {
        let run = |jobs: &str| {
            kubelint()
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["testdata", "--quiet", "--format", format, "--jobs", jobs])
                .output()
                .unwrap()
                .stdout
        };
        let one = run("1");
        assert!(one.len() > 1000, "{format}: a real report");
        // (assert! rather than assert_eq!: the reports are large)
        assert!(one == run("8"), "{format}: --jobs 1 vs 8");
        assert!(one == run("2"), "{format}: --jobs 1 vs 2");
        assert!(one == run("2"), "{format}: run to run");
    }
}

#[test]
fn human_report_without_a_terminal_has_no_colour() {
    let out = kubelint().arg(examples()).assert().code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        !text.contains('\u{1b}'),
        "no ANSI escapes when stdout is not a terminal"
    );
    assert!(text.contains("duplicate-key"));
    assert!(text.contains("help: Merge the terms of both `podAntiAffinity` blocks"));
    assert!(text.contains("shop/web.yaml:43:9"));
    // The summary line agrees with the JSON summary of the same run.
    let json = kubelint()
        .arg(examples())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let s = &json_of(&json.stdout)["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let expected = format!(
        "{}, {}, {} in {} ({}, {}",
        plural(n("errors"), "error", "errors"),
        plural(n("warnings"), "warning", "warnings"),
        plural(n("notes"), "note", "notes"),
        plural(n("files"), "file", "files"),
        plural(n("documents"), "document", "documents"),
        plural(n("objects"), "object", "objects"),
    );
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with(&expected) && last.contains(") — "),
        "{last} / {expected}"
    );
    let quiet = kubelint().arg(examples()).arg("--quiet").output().unwrap();
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains(" notes in "));
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    kubelint()
        .arg(examples())
        .args(["--format", "json", "-o"])
        .arg(&report)
        .assert()
        .code(1)
        .stdout("");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["version"], 1);
    kubelint()
        .arg(examples())
        .args(["-o", "/nonexistent-dir/x.json"])
        .assert()
        .code(2);
}

#[test]
fn discovery_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("app")).unwrap();
    std::fs::create_dir_all(d.join(".hidden")).unwrap();
    std::fs::create_dir_all(d.join("vendor/x")).unwrap();
    std::fs::create_dir_all(d.join("generated")).unwrap();
    std::fs::write(d.join("app/a.yaml"), BOOL).unwrap();
    std::fs::write(d.join("app/b.yml"), BOOL).unwrap();
    std::fs::write(
        d.join("app/c.json"),
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":true}}"#,
    )
    .unwrap();
    std::fs::write(d.join("app/notes.txt"), BOOL).unwrap();
    std::fs::write(d.join(".hidden/h.yaml"), BOOL).unwrap();
    std::fs::write(d.join("vendor/x/v.yaml"), BOOL).unwrap();
    std::fs::write(d.join("generated/g.yaml"), BOOL).unwrap();
    std::fs::write(d.join(".gitignore"), "generated/\n").unwrap();
    let files = |extra: &[&str]| -> Vec<String> {
        let out = kubelint()
            .current_dir(d)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let v = json_of(&out.stdout);
        let mut f: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect();
        f.dedup();
        f
    };
    assert_eq!(
        files(&[]),
        ["app/a.yaml", "app/b.yml", "app/c.json", "vendor/x/v.yaml"]
    );
    assert_eq!(
        files(&["--no-ignore"]),
        [
            "app/a.yaml",
            "app/b.yml",
            "app/c.json",
            "generated/g.yaml",
            "vendor/x/v.yaml"
        ]
    );
    assert_eq!(
        files(&["--exclude", "vendor/**"]),
        ["app/a.yaml", "app/b.yml", "app/c.json"]
    );
    assert_eq!(
        files(&["--exclude", "*.json", "--exclude", "vendor"]),
        ["app/a.yaml", "app/b.yml"]
    );
    assert_eq!(files(&["--include", "*.yml"]), ["app/b.yml"]);
    assert_eq!(
        files(&["--include", "app/**", "--exclude", "app/a.yaml"]),
        ["app/b.yml", "app/c.json"]
    );
    // Files named explicitly are linted whatever their extension, hidden or ignored.
    assert_eq!(
        files(&["app/notes.txt", ".hidden/h.yaml", "generated/g.yaml"]),
        [".hidden/h.yaml", "app/notes.txt", "generated/g.yaml"]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_unreadable_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("a/b")).unwrap();
    std::fs::write(d.join("a/b/x.yaml"), BOOL).unwrap();
    std::os::unix::fs::symlink(d.join("a"), d.join("a/b/loop")).unwrap();
    std::os::unix::fs::symlink(d.join("missing.yaml"), d.join("a/dangling.yaml")).unwrap();
    let out = kubelint()
        .current_dir(d)
        .args(["--format", "json", ".", "nope.yaml"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        got.contains(&("a/b/x.yaml".into(), "yaml11-boolean".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("a/dangling.yaml".into(), "yaml-syntax".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("nope.yaml".into(), "yaml-syntax".into())),
        "{got:?}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn rules_and_explain() {
    let out = kubelint().args(["rules"]).assert().code(0);
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(table.starts_with("RULE"));
    for id in [
        "yaml-syntax",
        "duplicate-key",
        "yaml11-boolean",
        "duplicate-object",
    ] {
        assert!(table.contains(id));
    }
    let out = kubelint()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0);
    let v = json_of(&out.get_output().stdout);
    let first = &v.as_array().unwrap()[0];
    for k in [
        "id",
        "category",
        "severity",
        "enabled",
        "summary",
        "references",
        "url",
    ] {
        assert!(!first[k].is_null(), "{k}");
    }
    let out = kubelint()
        .args(["rules", "--format", "markdown"])
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("| Rule |"));
    let out = kubelint()
        .args(["explain", "duplicate-key"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for part in [
        "duplicate-key (yaml, error, on by default)",
        "## Why",
        "## Bad",
        "## Good",
        "## Fix",
        "## References",
    ] {
        assert!(text.contains(part), "{part}");
    }
}

#[test]
fn help_and_version() {
    let out = kubelint().arg("--help").assert().code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("Examples:"));
    let out = kubelint().arg("-V").assert().code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("kubelint "));
}

const FLOW_V1BETA3: &str = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: batch\nspec:\n  priorityLevelConfiguration: {name: low}\n";

fn schema_rules(out: &[u8]) -> Vec<(String, String)> {
    json_of(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "schema")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn kubernetes_version_from_flag_and_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flow.yaml"), FLOW_V1BETA3).unwrap();
    let run = |args: &[&str]| {
        let out = kubelint()
            .current_dir(dir.path())
            .args(["flow.yaml", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        schema_rules(&out.stdout)
    };
    // Deprecated on 1.30 (removal announced), removed from 1.32 on.
    let on_30 = run(&["--kubernetes-version", "1.30", "--no-config"]);
    assert_eq!(on_30.len(), 1, "{on_30:?}");
    assert_eq!(on_30[0].0, "deprecated-api-version");
    assert!(
        on_30[0].1.contains("removed in Kubernetes 1.32"),
        "{on_30:?}"
    );
    let newest = run(&["--no-config"]);
    assert_eq!(newest[0].0, "removed-api-version");
    assert!(newest[0].1.contains("use flowcontrol.apiserver.k8s.io/v1"));
    // Served, and not yet deprecated, on 1.28.
    assert!(run(&["--kubernetes-version", "v1.28", "--no-config"]).is_empty());
    // The configuration's kubernetesVersion applies; the flag overrides it.
    std::fs::write(
        dir.path().join(".kubelint.yaml"),
        "kubernetesVersion: \"1.30\"\n",
    )
    .unwrap();
    assert_eq!(run(&[])[0].0, "deprecated-api-version");
    assert_eq!(
        run(&["--kubernetes-version", "1.33"])[0].0,
        "removed-api-version"
    );
    // Unsupported versions are usage errors naming the supported ones.
    let out = kubelint()
        .current_dir(dir.path())
        .args(["flow.yaml", "--kubernetes-version", "1.19"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("1.19 is not supported") && err.contains("1.25"),
        "{err}"
    );
    std::fs::write(
        dir.path().join(".kubelint.yaml"),
        "kubernetesVersion: \"1.99\"\n",
    )
    .unwrap();
    let out = kubelint()
        .current_dir(dir.path())
        .arg("flow.yaml")
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("kubernetesVersion"), "{err}");
}

#[test]
fn schema_dir_strict_kinds_and_unvalidated_count() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join("schemas");
    std::fs::create_dir(&schemas).unwrap();
    // kubeconform's layout, with a $ref to a second file.
    std::fs::write(
        schemas.join("widget-example-v1.json"),
        r#"{"type": "object", "properties": {"apiVersion": {}, "kind": {}, "metadata": {},
            "spec": {"$ref": "widget-spec.json"}}, "additionalProperties": false}"#,
    )
    .unwrap();
    std::fs::write(
        schemas.join("widget-spec.json"),
        r#"{"type": "object", "properties": {"size": {"type": "integer"}}, "additionalProperties": false}"#,
    )
    .unwrap();
    let manifests = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\nspec:\n  size: big\n  colour: red\n---\napiVersion: other.example.com/v1\nkind: Gadget\nmetadata: {name: b}\n";
    std::fs::write(dir.path().join("w.yaml"), manifests).unwrap();
    let run = |args: &[&str]| {
        kubelint()
            .current_dir(dir.path())
            .args(["w.yaml", "--no-config", "--format", "json"])
            .args(args)
            .output()
            .unwrap()
            .stdout
    };
    let without = run(&[]);
    assert!(schema_rules(&without).is_empty());
    assert_eq!(json_of(&without)["summary"]["no_schema"], 2);
    let with = run(&["--schema-dir", "schemas"]);
    let rules: Vec<String> = schema_rules(&with).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rules, ["invalid-type", "unknown-field"]);
    assert_eq!(json_of(&with)["summary"]["no_schema"], 1);
    let strict = run(&["--schema-dir", "schemas", "--strict-kinds"]);
    let rules: Vec<String> = schema_rules(&strict).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rules, ["invalid-type", "unknown-field", "unknown-kind"]);
    // The human summary counts them too.
    let human = kubelint()
        .current_dir(dir.path())
        .args(["w.yaml", "--no-config"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("2 without schema"));
    // A broken schema directory is a usage error.
    std::fs::write(schemas.join("broken.json"), "{not json").unwrap();
    kubelint()
        .current_dir(dir.path())
        .args(["w.yaml", "--schema-dir", "schemas"])
        .assert()
        .code(2);
    kubelint()
        .current_dir(dir.path())
        .args(["w.yaml", "--schema-dir", "missing"])
        .assert()
        .code(2);
}
