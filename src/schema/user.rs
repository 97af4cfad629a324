//! Schemas from `--schema-dir DIR`, searched before the bundled ones.
//!
//! File names follow kubeconform's layouts, matched case-insensitively:
//! `{kind}-{group}-{version}.json` (the group in full or its first label,
//! `{kind}-{version}.json` for the core group), `{kind}_{version}.json`
//! and `{group}/{kind}_{version}.json` (CRD catalog layout). `$ref`s to
//! other files resolve by file name inside the directory. Every file is
//! read and checked at start-up, so a broken schema is a usage error
//! (exit 2), not a silent skip.

use super::{options, Compiled, Origin};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct UserSchemas {
    pub dir: PathBuf,
    /// Lower-cased path relative to the directory (`/`-separated) →
    /// (path, schema).
    files: HashMap<String, (PathBuf, Arc<Value>)>,
}

impl UserSchemas {
    /// Read every `*.json` file of `dirs` (and of their subdirectories).
    /// Earlier directories win on equal names.
    pub fn load(dirs: &[PathBuf]) -> Result<UserSchemas, String> {
        let mut files = HashMap::new();
        for dir in dirs {
            if !dir.is_dir() {
                return Err(format!("--schema-dir {}: not a directory", dir.display()));
            }
            let mut found = Vec::new();
            walk(dir, dir, 0, &mut found)?;
            found.sort();
            for (rel, path) in found {
                if files.contains_key(&rel) {
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read schema {}: {e}", path.display()))?;
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("schema {} is not JSON: {e}", path.display()))?;
                files.insert(rel, (path, Arc::new(value)));
            }
        }
        let schemas = UserSchemas {
            dir: dirs.first().cloned().unwrap_or_default(),
            files,
        };
        for (path, value) in schemas.files.values() {
            if looks_like_schema(value) {
                schemas
                    .build(path, value)
                    .map_err(|e| format!("schema {} does not compile: {e}", path.display()))?;
            }
        }
        Ok(schemas)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file for a kind, if any.
    pub fn find(&self, api_version: &str, kind: &str) -> Option<&(PathBuf, Arc<Value>)> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let kind = kind.to_ascii_lowercase();
        let group = group.to_ascii_lowercase();
        let version = version.to_ascii_lowercase();
        let first = group.split('.').next().unwrap_or("");
        let mut names = Vec::new();
        if group.is_empty() {
            names.push(format!("{kind}-{version}.json"));
        } else {
            names.push(format!("{kind}-{group}-{version}.json"));
            names.push(format!("{kind}-{first}-{version}.json"));
            names.push(format!("{group}/{kind}_{version}.json"));
        }
        names.push(format!("{kind}_{version}.json"));
        names.iter().find_map(|n| self.files.get(n))
    }

    pub(super) fn compile(&self, api_version: &str, kind: &str) -> Option<Compiled> {
        let (path, value) = self.find(api_version, kind)?;
        let validator = self.build(path, value).ok()?;
        Some(Compiled::eager(
            validator,
            Origin::User(path.clone()),
            super::Source::User(value.clone()),
        ))
    }

    fn build(&self, path: &Path, value: &Value) -> Result<jsonschema::Validator, String> {
        let mut value = value.clone();
        let mut opts = options();
        if let Some(s) = value.get("$schema").and_then(Value::as_str) {
            let draft = if s.contains("draft-04") || s.ends_with("/schema#") {
                Some(jsonschema::Draft::Draft4)
            } else if s.contains("draft-06") {
                Some(jsonschema::Draft::Draft6)
            } else if s.contains("draft-07") {
                Some(jsonschema::Draft::Draft7)
            } else if s.contains("2019-09") {
                Some(jsonschema::Draft::Draft201909)
            } else {
                None
            };
            if let Some(d) = draft {
                opts = opts.with_draft(d);
            }
            if let Value::Object(m) = &mut value {
                m.remove("$schema");
            }
        }
        let by_name: HashMap<String, Arc<Value>> = self
            .files
            .values()
            .filter_map(|(p, v)| {
                Some((
                    p.file_name()?.to_string_lossy().to_ascii_lowercase(),
                    v.clone(),
                ))
            })
            .collect();
        let base = format!("file://{}", path.display()).replace('\\', "/");
        opts.with_base_uri(base)
            .with_retriever(DirRetriever { by_name })
            .build(&value)
            .map_err(|e| e.to_string())
    }
}

fn looks_like_schema(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        [
            "type",
            "properties",
            "$ref",
            "allOf",
            "anyOf",
            "oneOf",
            "$defs",
            "definitions",
        ]
        .iter()
        .any(|k| m.contains_key(*k))
    })
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: u32,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if depth < 2 {
                walk(root, &p, depth + 1, out)?;
            }
        } else if p.extension().is_some_and(|x| x == "json") {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/")
                .to_ascii_lowercase();
            out.push((rel, p));
        }
    }
    Ok(())
}

/// Resolves `$ref`s to other files of the directory by file name.
struct DirRetriever {
    by_name: HashMap<String, Arc<Value>>,
}

impl jsonschema::Retrieve for DirRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let s = s.split('#').next().unwrap_or(s);
        let name = s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase();
        self.by_name
            .get(&name)
            .map(|v| (**v).clone())
            .ok_or_else(|| format!("{s} is not in --schema-dir").into())
    }
}
