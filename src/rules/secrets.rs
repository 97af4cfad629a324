//! Category `secrets`: credentials where they do not belong — written into
//! a manifest (an environment variable's literal value, a ConfigMap) or
//! handed to a process through its environment.
//!
//! A name "looks secret" when one of its words (split at `_`, `-`, `.`
//! and lower-to-upper case changes) is PASSWORD, PASSWD, SECRET, TOKEN or
//! CREDENTIALS, or two adjacent words are API KEY, PRIVATE KEY, ACCESS KEY,
//! SECRET KEY or AUTH KEY — unless its last word says it only points at a
//! secret (`_FILE`, `_PATH`, `_NAME`, `_REF`, `_ID`, `_URL`, …). A value
//! counts as a literal secret unless it is empty, a placeholder (`$(VAR)`,
//! `${VAR}`, `{{ … }}`), a path, a boolean or a number. A PEM private key
//! counts whatever the name.

use super::resources::{is_placeholder, workload};
use super::{Cx, Rule};
use crate::model::Object;
use crate::yaml::NodeId;

pub(super) static RULES: &[&dyn Rule] = &[&HardcodedSecretEnv, &SecretEnvVar, &SecretInConfigMap];

/// Words of a name, upper-cased: `dbPassword` → [DB, PASSWORD].
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | '.' | ' ' | '/') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Last words that make a name a reference to a secret, not the secret.
const POINTER_WORDS: &[&str] = &[
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "NAME",
    "NAMES",
    "NAMESPACE",
    "REF",
    "ID",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRATION",
    "LENGTH",
    "HEADER",
    "TYPE",
    "MODE",
    "LOCATION",
    "MOUNT",
    "VERSION",
    "FORMAT",
    "ALGORITHM",
    "ISSUER",
    "AUDIENCE",
    "PROVIDER",
    "STORE",
    "REGION",
    "SCOPE",
    "SCOPES",
    "FIELD",
    "PREFIX",
    "SUFFIX",
    "KIND",
    "POLICY",
    "SOURCE",
    "REFRESH",
    "LIFETIME",
    "DURATION",
    "INTERVAL",
    "ROTATION",
    "REQUIRED",
    "KEYS",
    "TEMPLATE",
    "SELECTOR",
    "LABEL",
    "ANNOTATION",
];

/// Whether a variable or key name looks like it holds a credential.
pub(super) fn looks_secret(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else {
        return false;
    };
    if POINTER_WORDS.contains(&last.as_str()) {
        return false;
    }
    let single = w.iter().any(|x| {
        matches!(
            x.as_str(),
            "PASSWORD" | "PASSWD" | "SECRET" | "TOKEN" | "CREDENTIALS" | "APIKEY" | "PRIVATEKEY"
        )
    });
    let pair = w.windows(2).any(|p| {
        p[1] == "KEY"
            && matches!(
                p[0].as_str(),
                "API" | "PRIVATE" | "ACCESS" | "SECRET" | "AUTH"
            )
    });
    single || pair
}

/// A value that is actually a credential written in the manifest.
fn literal_secret(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty()
        || is_placeholder(v)
        || v.starts_with('$')
        || v.starts_with('/')
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true"
                | "false"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "none"
                | "null"
                | "disabled"
                | "enabled"
        )
        || v.parse::<f64>().is_ok())
}

fn private_key(value: &str) -> bool {
    value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----")
}

struct HardcodedSecretEnv;

impl Rule for HardcodedSecretEnv {
    fn id(&self) -> &'static str {
        "hardcoded-secret-env"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        for c in spec.all_containers() {
            for item in doc
                .get_seq(c.node, "env")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let Some(name) = doc.get_key(item, "name").and_then(|n| doc.text(n)) else {
                    continue;
                };
                let Some((vk, vv)) = doc.entry(item, "value") else {
                    continue;
                };
                let Some(value) = doc.text(vv) else {
                    continue;
                };
                let what = if private_key(value) {
                    "a PEM private key"
                } else if looks_secret(name) && literal_secret(value) {
                    "what looks like a credential"
                } else {
                    continue;
                };
                cx.report(
                    doc.entry_span(vk, vv),
                    format!(
                        "{c} of {} sets environment variable `{name}` to {what} written in the manifest: it is in Git history, in every rendered chart and CI log, and readable by anyone who can read the {} — not only by those who can read Secrets",
                        workload(obj),
                        obj.kind
                    ),
                    "Move the value to a Secret (rotate it: it has been exposed) and reference it with `valueFrom.secretKeyRef`, or mount it as a file",
                );
            }
        }
    }
}

struct SecretEnvVar;

impl Rule for SecretEnvVar {
    fn id(&self) -> &'static str {
        "secret-env-var"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        let why = "environment variables are inherited by every child process, dumped by crash reporters and debug endpoints, shown by `docker inspect` on the node, and cannot be rotated without restarting the pod";
        for c in spec.all_containers() {
            for item in doc
                .get_seq(c.node, "env")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let Some((k, v)) = doc
                    .get_map(item, "valueFrom")
                    .and_then(|vf| doc.entry(vf, "secretKeyRef"))
                else {
                    continue;
                };
                let name = doc.get_str(item, "name").unwrap_or("?");
                cx.report(
                    doc.entry_span(k, v),
                    format!(
                        "{c} of {} reads Secret data into environment variable `{name}`: {why}",
                        workload(obj)
                    ),
                    "Mount the Secret as a volume and read the file (it is updated in place when the Secret changes)",
                );
            }
            for item in doc
                .get_seq(c.node, "envFrom")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let Some((k, v)) = doc.entry(item, "secretRef") else {
                    continue;
                };
                let secret = doc
                    .get_str(v, "name")
                    .map(|n| format!(" `{n}`"))
                    .unwrap_or_default();
                cx.report(
                    doc.entry_span(k, v),
                    format!(
                        "{c} of {} loads every key of Secret{secret} into its environment: {why}",
                        workload(obj)
                    ),
                    "Mount the Secret as a volume and read the files (it is updated in place when the Secret changes)",
                );
            }
        }
    }
}

struct SecretInConfigMap;

impl SecretInConfigMap {
    fn check_entry(&self, obj: &Object<'_>, k: NodeId, v: NodeId, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some(key) = doc.text(k) else {
            return;
        };
        let Some(value) = doc.text(v) else {
            return;
        };
        let what = if private_key(value) {
            "a PEM private key"
        } else if looks_secret(key) && literal_secret(value) && !value.contains('\n') {
            "what looks like a credential"
        } else {
            return;
        };
        cx.report(
            doc.entry_span(k, v),
            format!(
                "key `{key}` of {} holds {what}: ConfigMaps are not meant for secrets — they are readable by far more people than Secrets (the built-in `view` role reads ConfigMaps, not Secrets), are not encrypted at rest by the usual encryption configuration, and end up in Git with the manifest",
                workload(obj)
            ),
            "Move the value to a Secret (and rotate it: it has been exposed); mount or reference the Secret instead",
        );
    }
}

impl Rule for SecretInConfigMap {
    fn id(&self) -> &'static str {
        "secret-in-configmap"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.kind != "ConfigMap" || !obj.group().is_empty() {
            return;
        }
        let doc = obj.doc;
        if let Some(data) = doc.get_map(obj.node, "data") {
            for (k, v) in doc.entries(data) {
                self.check_entry(obj, k, v, cx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "dbPassword",
            "API_KEY",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "client-secret",
            "PRIVATE_KEY",
            "SECRET",
        ] {
            assert!(looks_secret(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "SECRET_NAME",
            "TOKEN_URL",
            "AWS_ACCESS_KEY_ID",
            "tokenizer.json",
            "KEYCLOAK_HOST",
            "LOG_LEVEL",
            "SECRETS_PATH",
            "TOKEN_TTL",
        ] {
            assert!(!looks_secret(n), "{n}");
        }
        assert!(literal_secret("hunter2"));
        for v in [
            "",
            "$(DB_PASS)",
            "${PASS}",
            "{{ .Values.pass }}",
            "/run/secrets/db",
            "true",
            "3600",
        ] {
            assert!(!literal_secret(v), "{v}");
        }
    }
}
