//! The compact cross-object index, built after every file's per-object
//! phase. It holds what cross-object rules need — identities, locations of
//! names — not the documents, so memory stays proportional to
//! the number of objects rather than to the input text.

use crate::finding::ObjectRef;
use crate::model::Object;
use crate::source::Location;
use std::sync::Arc;

/// One object as the cross-object rules see it.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub file: Arc<str>,
    pub reference: Arc<ObjectRef>,
    /// Where `metadata.name` (or the object) is written.
    pub name_location: Location,
    /// What cross-object rules need to know about the object.
    pub facts: Facts,
}

/// The compact, kind-specific summary of an object kept after its tree is
/// dropped. Extracted once per object by [`Facts::of`], whatever rules run.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `metadata.labels` (string values only).
    pub labels: Vec<(String, String)>,
    /// For workloads: the labels of the pod template (of the Pod itself).
    pub pod_labels: Option<Vec<(String, String)>>,
    /// For a core `LimitRange`: what its `type: Container` items supply.
    pub limit_range: Option<LimitRangeDefaults>,
}

/// Resource names a `LimitRange` fills in for containers that omit them,
/// after the API server's defaulting of the item: a missing `default`
/// takes `max`; a missing `defaultRequest` takes `default`, else `min`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitRangeDefaults {
    /// Resource names given a default limit (`default`, `max`).
    pub limits: Vec<String>,
    /// Resource names given a default request (`defaultRequest`,
    /// `default`, `max`, `min`).
    pub requests: Vec<String>,
}

impl LimitRangeDefaults {
    fn of(obj: &Object<'_>) -> Option<LimitRangeDefaults> {
        let doc = obj.doc;
        if obj.kind != "LimitRange" || !obj.group().is_empty() {
            return None;
        }
        let mut out = LimitRangeDefaults::default();
        let items = doc.path(obj.node, &["spec", "limits"])?;
        for item in doc.items(items) {
            if doc.get_str(item, "type") != Some("Container") {
                continue;
            }
            let names = |key: &str| -> Vec<String> {
                doc.get_map(item, key)
                    .map(|m| {
                        doc.entries(m)
                            .filter(|&(_, v)| !doc.is_null(v))
                            .filter_map(|(k, _)| doc.text(k).map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let add = |list: &mut Vec<String>, key: &str| {
                for n in names(key) {
                    if !list.contains(&n) {
                        list.push(n);
                    }
                }
            };
            add(&mut out.limits, "default");
            add(&mut out.limits, "max");
            for key in ["defaultRequest", "default", "max", "min"] {
                add(&mut out.requests, key);
            }
        }
        Some(out)
    }
}

impl Facts {
    pub fn of(obj: &Object<'_>) -> Facts {
        let doc = obj.doc;
        let pairs = |map: Option<crate::yaml::NodeId>| -> Vec<(String, String)> {
            map.map(|m| {
                doc.entries(m)
                    .filter_map(|(k, v)| Some((doc.text(k)?.to_string(), doc.text(v)?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
        };
        let labels = pairs(obj.metadata.and_then(|m| doc.get_map(m, "labels")));
        let pod_labels = obj
            .pod_spec()
            .map(|p| pairs(p.metadata.and_then(|m| doc.get_map(m, "labels"))));
        let limit_range = LimitRangeDefaults::of(obj);
        Facts {
            labels,
            pod_labels,
            limit_range,
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
pub struct Index {
    /// Every object of the input, sorted by (file, location).
    pub objects: Vec<ObjectEntry>,
}

impl Index {
    pub fn new(mut objects: Vec<ObjectEntry>) -> Index {
        objects.sort_by(|a, b| (&a.file, a.name_location).cmp(&(&b.file, b.name_location)));
        Index { objects }
    }

    /// Objects of a kind (any API group).
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a ObjectEntry> + 'a {
        self.objects
            .iter()
            .filter(move |o| o.reference.kind == kind)
    }

    /// The `Namespace` object of that name, if the input defines it.
    pub fn namespace(&self, name: &str) -> Option<&ObjectEntry> {
        self.of_kind("Namespace").find(|o| {
            o.reference.name.as_deref() == Some(name)
                && crate::model::group_of(&o.reference.api_version).is_empty()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{objects_of, DocumentContent};
    use crate::yaml::{load, LoadLimits};

    #[test]
    fn limit_range_defaults_follow_api_defaulting() {
        let text = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: d}\nspec:\n  limits:\n    - type: Pod\n      max: {cpu: '8'}\n    - type: Container\n      max: {memory: 1Gi}\n      min: {ephemeral-storage: 1Mi}\n      default: {cpu: 500m}\n      defaultRequest: {example.com/foo: 1}\n";
        let loaded = load(text, &LoadLimits::default());
        let DocumentContent::Objects(objs) = objects_of(&loaded.documents[0], "default") else {
            panic!("not an object");
        };
        let d = Facts::of(&objs[0]).limit_range.unwrap();
        assert_eq!(d.limits, ["cpu", "memory"]);
        assert_eq!(
            d.requests,
            ["example.com/foo", "cpu", "memory", "ephemeral-storage"]
        );
    }
}
