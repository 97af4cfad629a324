//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning.
//!
//! Every rule of the catalog is listed in `tool.driver.rules` (GitHub shows
//! rule help from there, also for rules that did not fire), results carry
//! a relative `uri` with `uriBaseId: %SRCROOT%`, a region, and
//! `partialFingerprints` built from the rule, the file, the object's
//! identity and the path of the node in its document — not from line
//! numbers — so alerts survive lines inserted above them.

use crate::finding::{Finding, Severity};
use crate::rules::catalog::RuleDoc;
use crate::rules::Rules;
use serde_json::{json, Value};
use std::collections::HashMap;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/kubelint/kubelint";

/// Categories whose findings are security results on GitHub.
pub const SECURITY_CATEGORIES: [&str; 8] = [
    "pod-security",
    "rbac",
    "network-policy",
    "audit-policy",
    "control-plane",
    "kubelet",
    "networking",
    "secrets",
];

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// GitHub's `security-severity` score for a rule of a security category.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Note => "3.0",
    }
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max - 1;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Percent-encode a relative path for a URI reference.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// 64-bit FNV-1a: small, stable across versions and platforms.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

fn rule_descriptor(d: &RuleDoc) -> Value {
    let security = SECURITY_CATEGORIES.contains(&d.category.as_str());
    let first_paragraph = d
        .why
        .split("\n\n")
        .next()
        .unwrap_or(&d.why)
        .replace('\n', " ");
    let mut properties = json!({
        "tags": if security { vec![d.category.clone(), "security".to_string()] } else { vec![d.category.clone()] },
        "precision": "high",
    });
    if security {
        properties["security-severity"] = json!(security_severity(d.severity));
    } else {
        properties["problem.severity"] = json!(match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "recommendation",
        });
    }
    if d.defined_in.is_some() && d.category != "custom" {
        properties["tags"]
            .as_array_mut()
            .expect("tags is a list")
            .push(json!("custom"));
    }
    let mut descriptor = json!({
        "id": d.id,
        "name": pascal_case(&d.id),
        "shortDescription": {"text": truncate(&d.summary, 1024)},
        "fullDescription": {"text": truncate(&first_paragraph, 1024)},
        "help": {
            "text": format!("{}\n\nFix: {}", d.why, d.fix),
            "markdown": d.body.trim(),
        },
        "defaultConfiguration": {"level": level(d.severity), "enabled": d.enabled},
        "properties": properties,
    });
    // A custom rule links to its first reference, or nowhere.
    if let Some(url) = d.url() {
        descriptor["helpUri"] = json!(url);
    }
    descriptor
}

/// A SARIF `fix`: one `artifactChange` of the finding's file whose
/// `replacements` delete a region (empty for an insertion) and insert text.
fn sarif_fix(fix: &crate::fix::Fix, artifact: &Value) -> Value {
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .filter_map(|e| {
            let l = e.location?;
            let mut r = json!({
                "deletedRegion": {
                    "startLine": l.line, "startColumn": l.column,
                    "endLine": l.end_line, "endColumn": l.end_column,
                },
            });
            if !e.content.is_empty() {
                r["insertedContent"] = json!({"text": e.content});
            }
            Some(r)
        })
        .collect();
    json!({
        "description": {"text": fix.description},
        "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}],
        "properties": {"safety": fix.safety.as_str()},
    })
}

/// Render findings as a SARIF log. `cwd` (an absolute directory) lets
/// absolute paths be made relative to `%SRCROOT%`; `rule_set` (built-in
/// and custom rules) fills `tool.driver.rules`.
pub fn render(findings: &[Finding], cwd: &std::path::Path, rule_set: &Rules) -> String {
    let rules: Vec<Value> = rule_set.docs().map(rule_descriptor).collect();
    let index_of: HashMap<&str, usize> = (0..rule_set.len())
        .map(|i| (&**rule_set.id(i), i))
        .collect();
    let cwd_str = crate::discover::display_path(cwd);
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let rel = f
                .file
                .strip_prefix(&format!("{cwd_str}/"))
                .unwrap_or(&f.file)
                .to_string();
            let artifact = if rel.starts_with('/') {
                json!({"uri": format!("file://{}", uri_path(&rel))})
            } else {
                json!({"uri": uri_path(&rel), "uriBaseId": "%SRCROOT%"})
            };
            let region = match f.location {
                Some(l) => json!({
                    "startLine": l.line, "startColumn": l.column,
                    "endLine": l.end_line, "endColumn": l.end_column,
                }),
                None => json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}),
            };
            let object = f
                .object
                .as_ref()
                .map(|o| format!("{}|{}|{}|{}", o.api_version, o.kind, o.namespace.as_deref().unwrap_or(""), o.name.as_deref().unwrap_or("")))
                .unwrap_or_default();
            let path = f.node_path.as_deref().unwrap_or("");
            // Without a node (syntax errors, unreadable files) the message
            // stands in for the node.
            let anchor = if path.is_empty() && f.object.is_none() { f.message.as_str() } else { path };
            let base = fnv1a(&[&f.rule, &rel, &object, anchor]);
            let n = seen.entry(base).or_insert(0);
            *n += 1;
            let fingerprint = format!("{base:016x}:{n}");
            let mut result = json!({
                "ruleId": &*f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{}\nFix: {}", f.message, f.help)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
                "partialFingerprints": {"kubelint/v1": fingerprint},
            });
            if let Some(&i) = index_of.get(&*f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(o) = &f.object {
                result["properties"] = json!({"object": &**o});
            }
            if let Some(fix) = f.fix.as_deref().filter(|x| x.edits.iter().all(|e| e.location.is_some())) {
                result["fixes"] = json!([sarif_fix(fix, &artifact)]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kubelint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": format!("file://{}/", uri_path(&cwd_str))}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(pascal_case("duplicate-key"), "DuplicateKey");
        assert_eq!(uri_path("a b/c#.yaml"), "a%20b/c%23.yaml");
        assert_ne!(fnv1a(&["a", "bc"]), fnv1a(&["ab", "c"]));
        assert_eq!(truncate("ééé", 4), "é…");
    }
}
