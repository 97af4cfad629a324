//! Removed and deprecated API versions: `schemas/kubernetes-api-versions.json`,
//! generated with the bundle (derived from the schemas of every bundled
//! version, plus the older removals of the upstream deprecation guide).

use foldhash::HashMap;
use serde::Deserialize;
use std::sync::OnceLock;

static JSON: &str = include_str!("../../schemas/kubernetes-api-versions.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    api_version: String,
    kind: String,
    deprecated_in: Option<String>,
    removed_in: Option<String>,
    replacement: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct RawTable {
    versions: Vec<String>,
    apis: Vec<RawEntry>,
}

/// What is known about one API version of a kind.
#[derive(Debug, Clone)]
pub struct ApiEntry {
    /// First minor version in which a more stable version of the kind is
    /// served beside this one (alpha and beta versions only).
    pub deprecated_in: Option<u32>,
    /// First minor version that no longer serves it.
    pub removed_in: Option<u32>,
    /// The apiVersion to migrate to.
    pub replacement: Option<String>,
    pub note: Option<String>,
}

pub struct Lifecycle {
    /// Minor versions with bundled schemas, ascending.
    pub versions: Vec<u32>,
    entries: HashMap<(String, String), ApiEntry>,
}

pub fn table() -> &'static Lifecycle {
    static T: OnceLock<Lifecycle> = OnceLock::new();
    T.get_or_init(|| {
        let raw: RawTable = serde_json::from_str(JSON).expect("the API version table is JSON");
        let minor = |s: &Option<String>| s.as_deref().and_then(super::parse_minor);
        Lifecycle {
            versions: raw
                .versions
                .iter()
                .filter_map(|v| super::parse_minor(v))
                .collect(),
            entries: raw
                .apis
                .into_iter()
                .map(|e| {
                    (
                        (e.api_version.clone(), e.kind.clone()),
                        ApiEntry {
                            deprecated_in: minor(&e.deprecated_in),
                            removed_in: minor(&e.removed_in),
                            replacement: e.replacement,
                            note: e.note,
                        },
                    )
                })
                .collect(),
        }
    })
}

/// The state of an API version at a target minor version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<'a> {
    Removed {
        since: u32,
        replacement: Option<&'a str>,
        note: Option<&'a str>,
    },
    Deprecated {
        since: u32,
        removed_in: Option<u32>,
        replacement: Option<&'a str>,
    },
}

impl Lifecycle {
    pub fn entry(&self, api_version: &str, kind: &str) -> Option<&ApiEntry> {
        self.entries
            .get(&(api_version.to_string(), kind.to_string()))
    }

    /// Whether `api_version` of `kind` is removed or deprecated at `minor`.
    pub fn status(&self, api_version: &str, kind: &str, minor: u32) -> Option<Status<'_>> {
        let e = self.entry(api_version, kind)?;
        if let Some(r) = e.removed_in.filter(|&r| r <= minor) {
            return Some(Status::Removed {
                since: r,
                replacement: e.replacement.as_deref(),
                note: e.note.as_deref(),
            });
        }
        let d = e.deprecated_in.filter(|&d| d <= minor)?;
        Some(Status::Deprecated {
            since: d,
            removed_in: e.removed_in,
            replacement: e.replacement.as_deref(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_removals_and_deprecations() {
        let t = table();
        assert!(matches!(
            t.status("extensions/v1beta1", "Deployment", 30),
            Some(Status::Removed {
                since: 16,
                replacement: Some("apps/v1"),
                ..
            })
        ));
        assert!(matches!(
            t.status("policy/v1beta1", "PodSecurityPolicy", 25),
            Some(Status::Removed {
                since: 25,
                replacement: None,
                note: Some(_)
            })
        ));
        assert!(matches!(
            t.status("autoscaling/v2beta2", "HorizontalPodAutoscaler", 26),
            Some(Status::Removed {
                since: 26,
                replacement: Some("autoscaling/v2"),
                ..
            })
        ));
        assert_eq!(
            t.status("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", 30),
            Some(Status::Deprecated {
                since: 29,
                removed_in: Some(32),
                replacement: Some("flowcontrol.apiserver.k8s.io/v1")
            })
        );
        assert_eq!(
            t.status("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", 28),
            None
        );
        assert_eq!(t.status("apps/v1", "Deployment", 37), None);
        assert_eq!(t.status("batch/v1", "CronJob", 37), None);
    }
}
