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
    /// For a core `LimitRange`: what its `type: Container` items supply.
    pub limit_range: Option<LimitRangeDefaults>,
    /// How the object refers to others (Service selector and ports,
    /// Ingress backends, autoscaler target, disruption budget, workload
    /// replicas and ServiceAccount, …).
    pub links: Option<Box<crate::model::links::Links>>,
    /// For RBAC `RoleBinding`s and `ClusterRoleBinding`s: the subjects as
    /// the API server names them (`system:serviceaccount:NS:NAME` for a
    /// ServiceAccount, the name for a User or Group).
    pub rbac_subjects: Vec<String>,
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
        let pod_spec = obj.pod_spec();
        let pod_labels = pod_spec.map(|p| pairs(p.metadata.and_then(|m| doc.get_map(m, "labels"))));
        let ignore = obj
            .annotation(crate::suppress::ANNOTATION)
            .map(crate::suppress::RuleSet::parse);
        let mut ports = Vec::new();
        if let Some(spec) = pod_spec {
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
        let limit_range = LimitRangeDefaults::of(obj);
        let rbac_subjects = if obj.group() == "rbac.authorization.k8s.io"
            && matches!(obj.kind, "RoleBinding" | "ClusterRoleBinding")
        {
            doc.get_seq(obj.node, "subjects")
                .into_iter()
                .flat_map(|s| doc.items(s))
                .filter_map(|s| {
                    let name = doc.get_str(s, "name")?;
                    Some(match doc.get_str(s, "kind")? {
                        "ServiceAccount" => format!(
                            "system:serviceaccount:{}:{name}",
                            doc.get_str(s, "namespace")
                                .or(obj.namespace)
                                .unwrap_or("default")
                        ),
                        _ => name.to_string(),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        Facts {
            labels,
            pod_labels,
            ignore,
            ports,
            network_policy: crate::model::network::NetworkPolicy::of(obj).map(Box::new),
            automount_token,
            limit_range,
            links: crate::model::links::Links::of(obj, pod_spec).map(Box::new),
            rbac_subjects,
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
    /// Core `Namespace` objects by name (first definition wins).
    namespaces: foldhash::HashMap<String, usize>,
    /// Namespaces holding custom resources.
    custom_resource_namespaces: foldhash::HashSet<String>,
    /// Object positions by kind, so per-finding lookups stay cheap.
    by_kind: foldhash::HashMap<String, Vec<usize>>,
    /// Workload positions by namespace.
    workloads_by_namespace: std::collections::BTreeMap<String, Vec<usize>>,
    /// NetworkPolicy positions by namespace.
    policies_by_namespace: foldhash::HashMap<String, Vec<usize>>,
    /// Every namespace the input mentions, sorted.
    all_namespaces: Vec<String>,
    /// Data derived from the index for several rules (see [`Index::memo`]).
    memo: std::sync::Mutex<foldhash::HashMap<std::any::TypeId, MemoSlot>>,
}

type MemoSlot = Arc<std::sync::OnceLock<Arc<dyn std::any::Any + Send + Sync>>>;

impl Index {
    pub fn new(mut objects: Vec<ObjectEntry>) -> Index {
        objects.sort_by(|a, b| (&a.file, a.name_location).cmp(&(&b.file, b.name_location)));
        let mut namespaces = foldhash::HashMap::default();
        let mut custom_resource_namespaces = foldhash::HashSet::default();
        for (i, o) in objects.iter().enumerate() {
            let r = &o.reference;
            let g = crate::model::group_of(&r.api_version);
            if r.kind == "Namespace" && g.is_empty() {
                if let Some(n) = &r.name {
                    namespaces.entry(n.clone()).or_insert(i);
                }
            }
            if g.contains('.') && !g.ends_with(".k8s.io") && !g.ends_with(".kubernetes.io") {
                if let Some(ns) = r
                    .namespace
                    .as_ref()
                    .filter(|ns| !custom_resource_namespaces.contains(ns.as_str()))
                {
                    custom_resource_namespaces.insert(ns.clone());
                }
            }
        }
        let mut by_kind: foldhash::HashMap<String, Vec<usize>> = Default::default();
        let mut workloads_by_namespace: std::collections::BTreeMap<String, Vec<usize>> =
            Default::default();
        let mut policies_by_namespace: foldhash::HashMap<String, Vec<usize>> = Default::default();
        let mut all: std::collections::BTreeSet<String> = Default::default();
        // Keys are cloned only when first seen: most objects share their
        // kind and namespace with many others.
        macro_rules! push {
            ($map:expr, $key:expr, $i:expr) => {
                match $map.get_mut($key.as_str()) {
                    Some(v) => v.push($i),
                    None => {
                        $map.insert($key.clone(), vec![$i]);
                    }
                }
            };
        }
        for (i, o) in objects.iter().enumerate() {
            let r = &o.reference;
            push!(by_kind, r.kind, i);
            let namespace_name = r.name.as_ref().filter(|_| r.kind == "Namespace");
            for n in namespace_name.into_iter().chain(&r.namespace) {
                if !all.contains(n.as_str()) {
                    all.insert(n.clone());
                }
            }
            if let Some(ns) = &r.namespace {
                if o.facts.pod_labels.is_some() {
                    push!(workloads_by_namespace, ns, i);
                }
                if o.facts.network_policy.is_some() {
                    push!(policies_by_namespace, ns, i);
                }
            }
        }
        Index {
            objects,
            namespaces,
            custom_resource_namespaces,
            by_kind,
            workloads_by_namespace,
            policies_by_namespace,
            all_namespaces: all.into_iter().collect(),
            memo: Default::default(),
        }
    }

    /// Data derived from the index that several rules need (lookup tables
    /// by label or name), built by `init` on first use and then shared:
    /// one value per type, so rules do not each rebuild it. Rules running
    /// in parallel that ask for the same value wait for one build; `init`
    /// runs without the table's lock held, as it may use other memos.
    pub fn memo<T: std::any::Any + Send + Sync>(&self, init: impl FnOnce(&Index) -> T) -> Arc<T> {
        let key = std::any::TypeId::of::<T>();
        let slot = self
            .memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        slot.get_or_init(|| Arc::new(init(self)))
            .clone()
            .downcast()
            .unwrap_or_else(|_| unreachable!("memo entries are keyed by their type"))
    }

    /// Objects of a kind (any API group).
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a ObjectEntry> + 'a {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.objects[i])
    }

    /// The objects at these index positions that have the fact `get`
    /// picks, with it.
    pub fn with_fact<'a, 'p, T, P, G>(
        &'a self,
        positions: P,
        get: G,
    ) -> impl Iterator<Item = (&'a ObjectEntry, &'a T)> + use<'a, 'p, T, P, G>
    where
        T: ?Sized + 'a,
        P: IntoIterator<Item = &'p usize>,
        G: Fn(&'a Facts) -> Option<&'a T>,
    {
        positions.into_iter().filter_map(move |&i| {
            let o = &self.objects[i];
            Some((o, get(&o.facts)?))
        })
    }

    /// Workloads of one namespace with their pod labels, in index order.
    pub fn workloads_in<'a>(
        &'a self,
        namespace: &str,
    ) -> impl Iterator<Item = (&'a ObjectEntry, &'a [(String, String)])> + 'a {
        let positions = self.workloads_by_namespace.get(namespace).into_iter();
        self.with_fact(positions.flatten(), |f| f.pod_labels.as_deref())
    }

    /// Index positions of the workloads of one namespace, in index order
    /// (so by file).
    pub fn workload_positions(&self, namespace: &str) -> &[usize] {
        self.workloads_by_namespace
            .get(namespace)
            .map_or(&[], Vec::as_slice)
    }

    /// Index positions of the NetworkPolicies of one namespace, in index
    /// order.
    pub fn policy_positions(&self, namespace: &str) -> &[usize] {
        self.policies_by_namespace
            .get(namespace)
            .map_or(&[], Vec::as_slice)
    }

    /// NetworkPolicies of one namespace.
    pub fn policies_in<'a>(
        &'a self,
        namespace: &str,
    ) -> impl Iterator<Item = (&'a ObjectEntry, &'a crate::model::network::NetworkPolicy)> + 'a
    {
        let positions = self.policies_by_namespace.get(namespace).into_iter();
        self.with_fact(positions.flatten(), |f| f.network_policy.as_deref())
    }

    /// Namespaces with workloads, sorted.
    pub fn workload_namespaces(&self) -> impl Iterator<Item = &str> + '_ {
        self.workloads_by_namespace.keys().map(String::as_str)
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
    pub fn namespaces(&self) -> impl Iterator<Item = &str> + '_ {
        self.all_namespaces.iter().map(String::as_str)
    }

    /// Whether the namespace holds custom resources in the input: their
    /// operators may create pods that the input does not show.
    pub fn has_custom_resources(&self, namespace: &str) -> bool {
        self.custom_resource_namespaces.contains(namespace)
    }

    /// The `Namespace` object of that name, if the input defines it.
    pub fn namespace(&self, name: &str) -> Option<&ObjectEntry> {
        self.namespaces.get(name).map(|&i| &self.objects[i])
    }
}

/// The directory of a displayed file path (`""` for a bare name).
pub fn dir_of(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

/// How many directories above an object another may be written and still
/// be taken as shipped with it: a reference's referent (`app/hpa/` →
/// `app/deploy/`, `app/overlays/prod/` → `app/base/`), the workloads a
/// NetworkPolicy is written for.
pub const NEAR_LEVELS: usize = 2;

/// Of the objects that a name or selector written in `from` could mean,
/// those nearest to it: under `from`'s directory, else under its parent,
/// else under its grandparent; none when all are further away. One input
/// may hold several applications that each define a `web` Deployment, or
/// alternative manifests for one object; a reference means the one
/// shipped with it.
pub fn nearest<'a>(
    from: &str,
    candidates: impl Iterator<Item = &'a ObjectEntry>,
) -> Vec<&'a ObjectEntry> {
    let candidates: Vec<&ObjectEntry> = candidates.collect();
    let mut dir = dir_of(from);
    for level in 0..=NEAR_LEVELS {
        let under = |file: &str| {
            dir.is_empty() || (file.starts_with(dir) && file[dir.len()..].starts_with('/'))
        };
        let near: Vec<&ObjectEntry> = candidates
            .iter()
            .copied()
            .filter(|o| under(&o.file))
            .collect();
        if !near.is_empty() || dir.is_empty() || level == NEAR_LEVELS {
            return near;
        }
        dir = dir_of(dir);
    }
    Vec::new()
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
