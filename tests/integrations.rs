//! CI integrations end to end: SARIF (validated against the official
//! schema), GitHub annotations and job summary, the configuration file,
//! every suppression form, and the pre-commit hook manifest.

mod common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn kubelint() -> Command {
    let mut c = Command::cargo_bin("kubelint").unwrap();
    c.env_remove("NO_COLOR").env_remove("GITHUB_STEP_SUMMARY");
    c
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("valid JSON on stdout")
}

const BOOL: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: yes\n";

fn sarif_schema() -> serde_json::Value {
    let p = root().join("../shared/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|_| {
        panic!(
            "{} is missing: the SARIF test validates against the official schema there",
            p.display()
        )
    });
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The official schema's pattern for `language` (on run and
    // toolComponent) has a stray `]` that no regex engine compiles; kubelint
    // never emits `language`, so the evidently intended pattern stands in.
    fn fix(v: &mut serde_json::Value, fixed: &mut usize) {
        match v {
            serde_json::Value::String(s) if s == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" => {
                *s = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
                *fixed += 1;
            }
            serde_json::Value::Object(m) => m.values_mut().for_each(|x| fix(x, fixed)),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| fix(x, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    fix(&mut schema, &mut fixed);
    assert!(fixed > 0, "the schema changed: revisit this workaround");
    schema
}

#[test]
fn sarif_is_valid_and_complete() {
    let out = kubelint()
        .current_dir(root())
        .args(["testdata/examples", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = json_of(&out.stdout);
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "kubelint");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        kubelint::rules::registry().len(),
        "every rule, not only those that fired"
    );
    for r in rules {
        for k in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
            "defaultConfiguration",
        ] {
            assert!(!r[k].is_null(), "rule {} lacks {k}", r["id"]);
        }
        assert!(!r["help"]["markdown"].as_str().unwrap().is_empty());
        assert!(!r["help"]["text"].as_str().unwrap().is_empty());
        let tags = r["properties"]["tags"].as_array().unwrap();
        let security =
            kubelint::report::sarif::SECURITY_CATEGORIES.contains(&tags[0].as_str().unwrap());
        assert_eq!(
            r["properties"]["security-severity"].is_string(),
            security,
            "{}",
            r["id"]
        );
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("testdata/examples/"));
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(res["partialFingerprints"]["kubelint/v1"].is_string());
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
    }
    // A clean run still has a results array.
    let clean = kubelint()
        .args(["-", "--format", "sarif"])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n")
        .output()
        .unwrap();
    assert_eq!(
        json_of(&clean.stdout)["runs"][0]["results"],
        serde_json::json!([])
    );
}

fn fingerprints(text: &str) -> Vec<(String, String, u64)> {
    let out = kubelint()
        .args([
            "-",
            "--stdin-filename",
            "deploy/app.yaml",
            "--format",
            "sarif",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    let log = json_of(&out.stdout);
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                "deploy/app.yaml"
            );
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["kubelint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: yes}\ndata:\n  a: yes\n  b: on\n";
    let before = fingerprints(text);
    let after = fingerprints(&format!("# a comment\n# another\n\n{text}"));
    assert_eq!(before.len(), 3);
    for ((r1, f1, l1), (r2, f2, l2)) in before.iter().zip(&after) {
        assert_eq!((r1, f1), (r2, f2));
        assert_eq!(l1 + 3, *l2);
    }
    let unique: std::collections::BTreeSet<_> = before.iter().map(|(_, f, _)| f).collect();
    assert_eq!(unique.len(), 3, "fingerprints are distinct");
    // Changing the object changes the fingerprint.
    let renamed = fingerprints(&text.replace("name: c", "name: d"));
    assert_ne!(before[0].1, renamed[0].1);
}

#[test]
fn github_annotations_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "previous step\n").unwrap();
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: yes\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let out = kubelint()
        .args([
            "-",
            "--stdin-filename",
            "dir,with:odd%name.yaml",
            "--format",
            "github",
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("::error file=dir%2Cwith%3Aodd%25name.yaml,line=6,col=6,endLine=6,endColumn=9,title=kubelint yaml11-boolean::`yes` is read"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("%0AFix: Quote the value"),
        "newlines escaped: {}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("::warning file=dir%2Cwith%3Aodd%25name.yaml,line=11,col=9,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("1 error, 1 warning"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("previous step\n## kubelint\n"),
        "appended: {md}"
    );
    assert!(md.contains("| yaml | 1 | 1 | 0 |"), "{md}");
    assert!(md.contains("`yaml11-boolean`"));
}

#[test]
fn config_file_is_found_upwards_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("apps/web")).unwrap();
    std::fs::create_dir_all(d.join("charts/x")).unwrap();
    std::fs::write(d.join("apps/web/a.yaml"), BOOL).unwrap();
    std::fs::write(d.join("charts/x/b.yaml"), BOOL).unwrap();
    std::fs::write(
        d.join(".kubelint.yaml"),
        "failOn: never\nrules:\n  yaml11-boolean: warning\nexclude: [\"charts/**\"]\n",
    )
    .unwrap();
    // From a subdirectory: the config upwards applies, globs relative to it.
    let out = kubelint()
        .current_dir(d.join("apps"))
        .args(["--format", "json", ".."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "failOn: never");
    let v = json_of(&out.stdout);
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["../apps/web/a.yaml"]);
    assert_eq!(v["findings"][0]["severity"], "warning");
    // Flags override the file.
    kubelint()
        .current_dir(d)
        .args(["--fail-on", "warning", "."])
        .assert()
        .code(1);
    kubelint()
        .current_dir(d)
        .args(["--no-config", "."])
        .assert()
        .code(1);
    // --config names a file explicitly.
    std::fs::write(d.join("strict.yaml"), "failOn: note\n").unwrap();
    kubelint()
        .current_dir(d)
        .args(["--config", "strict.yaml", "apps"])
        .assert()
        .code(1);
}

#[test]
fn config_per_resource_ignores() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("vendor")).unwrap();
    let two = format!(
        "{BOOL}---\n{}",
        BOOL.replace("name: c", "name: kept")
            .replace("metadata:", "metadata:\n  namespace: prod")
    );
    std::fs::write(d.join("a.yaml"), &two).unwrap();
    std::fs::write(d.join("vendor/v.yaml"), BOOL).unwrap();
    std::fs::write(
        d.join(".kubelint.yaml"),
        "ignore:\n  - rules: [yaml11-boolean]\n    kinds: [ConfigMap]\n    namespaces: [default]\n    reason: legacy readers\n  - rules: [all]\n    paths: [\"vendor/**\"]\n",
    )
    .unwrap();
    let out = kubelint()
        .current_dir(d)
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let left: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["object"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(left, [("a.yaml", "kept")]);
    assert_eq!(v["summary"]["suppressed"], 2);
    let strict = kubelint()
        .current_dir(d)
        .args(["--format", "json", "--no-suppress", "."])
        .output()
        .unwrap();
    assert_eq!(json_of(&strict.stdout)["summary"]["findings"], 3);
}

#[test]
fn config_errors_exit_2_with_a_pointer_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join(".kubelint.yaml"),
        "rules:\n  duplicate-key: off\n  no-anti-afinity: warning\n",
    )
    .unwrap();
    let out = kubelint()
        .current_dir(d)
        .args(["--no-color", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown rule or category `no-anti-afinity`"),
        "{err}"
    );
    assert!(
        err.contains(".kubelint.yaml:3:3"),
        "points at the key: {err}"
    );
    std::fs::write(d.join(".kubelint.yaml"), "failOn: always\n").unwrap();
    let out = kubelint().current_dir(d).arg(".").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid `failOn`") && err.contains(".kubelint.yaml:1:1"),
        "{err}"
    );
    kubelint()
        .current_dir(d)
        .args(["--config", "missing.yaml", "."])
        .assert()
        .code(2);
}

#[test]
fn every_suppression_form() {
    let path = root().join("testdata/suppression/forms.yaml");
    let only_yaml = ["--disable", "all", "--enable", "yaml"];
    let out = kubelint()
        .arg(&path)
        .args(["--format", "json"])
        .args(only_yaml)
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let lines: Vec<(u64, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    // Left: the line after a suppressed line, and the container without one.
    assert_eq!(lines, [(29, "yaml11-boolean"), (39, "yaml11-boolean")]);
    assert_eq!(v["summary"]["suppressed"], 8);
    // Strict mode: suppressions cannot hide anything.
    let strict = kubelint()
        .arg(&path)
        .args(["--format", "json", "--no-suppress"])
        .args(only_yaml)
        .output()
        .unwrap();
    let s = json_of(&strict.stdout);
    assert_eq!(s["summary"]["findings"], 10);
    assert_eq!(s["summary"]["suppressed"], 0);
    let human = kubelint().arg(&path).args(only_yaml).output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains(", 8 suppressed)"));
}

#[test]
fn pre_commit_hooks_manifest() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let loaded = kubelint::yaml::load(&text, &kubelint::yaml::LoadLimits::default());
    assert!(loaded.error.is_none());
    let doc = &loaded.documents[0];
    let hooks: Vec<serde_json::Value> = doc.items(doc.root).map(|h| doc.to_json(h)).collect();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["kubelint", "kubelint-all", "kubelint-system"]);
    for h in &hooks {
        for k in ["id", "name", "entry", "language"] {
            assert!(h[k].is_string(), "{k}");
        }
        // The entry is the binary this crate builds.
        assert_eq!(h["entry"], "kubelint");
    }
    assert_eq!(hooks[0]["language"], "rust");
    let files = hooks[0]["files"].as_str().unwrap();
    assert_eq!(files, "\\.(ya?ml|json)$");
    assert_eq!(hooks[1]["pass_filenames"], false);
    // The hook's own arguments and a pre-commit style invocation work.
    let args: Vec<String> = hooks[0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), BOOL).unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"x\"}}",
    )
    .unwrap();
    kubelint()
        .current_dir(dir.path())
        .args(&args)
        .args(["b.json"])
        .assert()
        .code(0);
    kubelint()
        .current_dir(dir.path())
        .args(&args)
        .args(["a.yaml", "b.json"])
        .assert()
        .code(1);
    assert!(Path::new(&root().join("action.yml")).is_file());
}
