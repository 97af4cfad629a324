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
    /// The object's `kubelint.io/ignore` annotation.
    pub ignore: Option<crate::suppress::RuleSet>,
    /// For workloads: the containers' ports as (name, number, protocol).
    pub ports: Vec<(Option<String>, u32, String)>,
    /// For NetworkPolicies: what they select and allow.
    pub network_policy: Option<Box<crate::model::network::NetworkPolicy>>,
    /// For ServiceAccounts: `automountServiceAccountToken`, when set.
    pub automount_token: Option<bool>,
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
        let ignore = obj
            .annotation(crate::suppress::ANNOTATION)
            .map(crate::suppress::RuleSet::parse);
        let mut ports = Vec::new();
        if let Some(spec) = obj.pod_spec() {
            for c in spec.all_containers() {
                for p in doc
                    .get_seq(c.node, "ports")
                    .into_iter()
                    .flat_map(|s| doc.items(s))
                {
                    if let Some(n) = doc.get_key(p, "containerPort").and_then(|v| doc.int(v)) {
                        ports.push((
                            doc.get_str(p, "name").map(str::to_string),
                            n.clamp(0, u32::MAX as i64) as u32,
                            doc.get_str(p, "protocol").unwrap_or("TCP").to_string(),
                        ));
                    }
                }
            }
        }
        let automount_token = (obj.kind == "ServiceAccount" && obj.group().is_empty())
            .then(|| doc.get_key(obj.node, "automountServiceAccountToken"))
            .flatten()
            .and_then(|v| doc.bool(v));
        Facts {
            labels,
            pod_labels,
            ignore,
            ports,
            network_policy: crate::model::network::NetworkPolicy::of(obj).map(Box::new),
            automount_token,
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

    /// Workloads (objects with a pod template) with their namespace.
    pub fn workloads(
        &self,
    ) -> impl Iterator<Item = (&ObjectEntry, &str, &[(String, String)])> + '_ {
        self.objects.iter().filter_map(|o| {
            Some((
                o,
                o.reference.namespace.as_deref()?,
                o.facts.pod_labels.as_deref()?,
            ))
        })
    }

    /// The labels a namespace carries: its Namespace object's labels when the
    /// input defines it, plus the automatic `kubernetes.io/metadata.name`.
    pub fn namespace_labels(&self, name: &str) -> Vec<(String, String)> {
        let mut labels = self
            .namespace(name)
            .map(|n| n.facts.labels.clone())
            .unwrap_or_default();
        labels.retain(|(k, _)| k != "kubernetes.io/metadata.name");
        labels.push(("kubernetes.io/metadata.name".to_string(), name.to_string()));
        labels
    }

    /// Every namespace the input mentions: Namespace objects and the
    /// namespaces of namespaced objects, sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .objects
            .iter()
            .filter_map(|o| {
                if o.reference.kind == "Namespace" {
                    o.reference.name.as_deref()
                } else {
                    o.reference.namespace.as_deref()
                }
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether the namespace holds custom resources in the input: their
    /// operators may create pods that the input does not show.
    pub fn has_custom_resources(&self, namespace: &str) -> bool {
        self.objects.iter().any(|o| {
            let g = crate::model::group_of(&o.reference.api_version);
            o.reference.namespace.as_deref() == Some(namespace)
                && g.contains('.')
                && !g.ends_with(".k8s.io")
                && !g.ends_with(".kubernetes.io")
        })
    }

    /// The `Namespace` object of that name, if the input defines it.
    pub fn namespace(&self, name: &str) -> Option<&ObjectEntry> {
        self.of_kind("Namespace").find(|o| {
            o.reference.name.as_deref() == Some(name)
                && crate::model::group_of(&o.reference.api_version).is_empty()
        })
    }
}
