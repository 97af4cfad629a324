//! Category `availability`, the rules that need several objects (those
//! that need one are in `replicas.rs`): objects that decide how many pods
//! run and how many may be taken away — replica counts,
//! HorizontalPodAutoscalers and PodDisruptionBudgets — working against each
//! other: a budget that never allows an eviction, a static replica count
//! that fights the autoscaler, a replicated workload that no budget
//! protects.
//!
//! A workload's pod count is its `spec.replicas` (1 when absent), or the
//! `minReplicas` of the autoscaler that scales it: the count it may be
//! scaled down to. Kinds without a replica count (DaemonSet, Job, Pod) are
//! not counted, and a budget covering one of them is not judged.

use super::references::{kind_name, links, name, Pods, Scope};
use super::{Cx, IndexCx, Rule};
use crate::index::{nearest, Index, ObjectEntry};
use crate::model::links::{Autoscaler, IntOrString, Links, WorkloadLinks};
use crate::model::Object;
use std::collections::{HashMap, HashSet};

pub(super) static RULES: &[&dyn Rule] = &[&PdbBlocksEviction, &HpaManagedReplicas, &MissingPdb];

/// The HorizontalPodAutoscalers scaling each object, by its address.
type Scalers<'i> = HashMap<*const ObjectEntry, Vec<(&'i ObjectEntry, &'i Autoscaler)>>;

/// Bind each autoscaler to its target: the objects of that kind and name
/// in its namespace nearest to it (two applications of one input may both
/// have a `web` Deployment; see [`nearest`]).
fn autoscalers(index: &Index) -> Scalers<'_> {
    let hpas: Vec<(&ObjectEntry, &Autoscaler)> = index
        .of_kind("HorizontalPodAutoscaler")
        .filter_map(|o| match links(o)? {
            Links::Autoscaler(a) => Some((o, a)),
            _ => None,
        })
        .collect();
    let kinds: HashSet<&str> = hpas.iter().map(|(_, a)| a.target_kind.as_str()).collect();
    let mut targets: HashMap<(&str, &str, &str), Vec<&ObjectEntry>> = HashMap::new();
    for kind in kinds {
        for t in index.of_kind(kind) {
            let ns = t.reference.namespace.as_deref().unwrap_or("default");
            targets.entry((ns, kind, name(t))).or_default().push(t);
        }
    }
    let mut out: Scalers<'_> = HashMap::new();
    for (h, a) in hpas {
        let ns = h.reference.namespace.as_deref().unwrap_or("default");
        let Some(all) = targets.get(&(ns, a.target_kind.as_str(), a.target_name.as_str())) else {
            continue;
        };
        for t in nearest(&h.file, all.iter().copied()) {
            out.entry(t as *const _).or_default().push((h, a));
        }
    }
    out
}

/// A workload's links, when it is one.
fn workload(o: &ObjectEntry) -> Option<&WorkloadLinks> {
    match links(o)? {
        Links::Workload(w) => Some(w),
        _ => None,
    }
}

/// How many pods a workload may run with: the smallest `minReplicas` of
/// the autoscalers scaling it, else its replica count. `None` when it
/// cannot be told. The autoscaler, when one decides.
fn pod_count<'i>(o: &'i ObjectEntry, hpas: &Scalers<'i>) -> Option<(i64, Option<&'i ObjectEntry>)> {
    let w = workload(o)?;
    if !w.kind.is_scalable() {
        return None;
    }
    if let Some(list) = hpas.get(&(o as *const _)) {
        let (h, a) = list.iter().min_by_key(|(_, a)| a.min_replicas)?;
        return Some((a.min_replicas?, Some(h)));
    }
    Some((w.replica_count()?, None))
}

struct PdbBlocksEviction;

impl PdbBlocksEviction {
    /// A value that blocks every eviction whatever the pod count.
    fn always_blocks(key: &str, v: &IntOrString) -> bool {
        match key {
            "maxUnavailable" => v.scaled(100) == Some(0),
            _ => matches!(v, IntOrString::Str(s) if s == "100%"),
        }
    }
}

impl Rule for PdbBlocksEviction {
    fn id(&self) -> &'static str {
        "pdb-blocks-eviction"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn cross_object(&self) -> bool {
        true
    }
    /// Values that block evictions for any pod count point at themselves.
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.kind != "PodDisruptionBudget" || obj.group() != "policy" {
            return;
        }
        let doc = obj.doc;
        let Some(spec) = doc.get_map(obj.node, "spec") else {
            return;
        };
        for key in ["maxUnavailable", "minAvailable"] {
            let Some((k, v)) = doc.entry(spec, key) else {
                continue;
            };
            let value = if let Some(i) = doc.int(v) {
                IntOrString::Int(i)
            } else if let Some(s) = doc.str(v) {
                IntOrString::Str(s.to_string())
            } else {
                continue;
            };
            if !Self::always_blocks(key, &value) {
                continue;
            }
            cx.report(
                doc.entry_span(k, v),
                format!("`{key}: {value}` allows no voluntary eviction at all: `kubectl drain`, node upgrades and the cluster autoscaler wait on these pods forever, so node maintenance stalls until someone deletes the budget"),
                "Allow one disruption at a time: `maxUnavailable: 1` (with enough replicas to stay available while one pod moves)",
            );
        }
    }
    /// `minAvailable` that is as large as the selected workloads' pods.
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let pods = Pods::new(index);
        let hpas = autoscalers(index);
        for o in index.of_kind("PodDisruptionBudget") {
            let Some(Links::DisruptionBudget(b)) = links(o) else {
                continue;
            };
            let (Some(min), Some(sel)) = (&b.min_available, &b.selector) else {
                continue;
            };
            if Self::always_blocks("minAvailable", min) || b.max_unavailable.is_some() {
                continue;
            }
            let ns = o.reference.namespace.as_deref().unwrap_or("default");
            // Pods the input does not show would count too.
            if !scope.labels_final(ns) {
                continue;
            }
            let selected = pods.select(ns, sel);
            if selected.is_empty() {
                continue;
            }
            let counts: Option<Vec<(i64, Option<&ObjectEntry>)>> =
                selected.iter().map(|w| pod_count(w, &hpas)).collect();
            let Some(counts) = counts else { continue };
            let total: i64 = counts.iter().map(|(n, _)| n).sum();
            let Some(required) = min.scaled(total) else {
                continue;
            };
            if total <= 0 || required < total {
                continue;
            }
            let scaled_by: Vec<&ObjectEntry> = counts.iter().filter_map(|(_, h)| *h).collect();
            let whose = selected
                .iter()
                .map(|w| kind_name(w))
                .collect::<Vec<_>>()
                .join(", ");
            let at_min = if scaled_by.is_empty() {
                String::new()
            } else {
                " when scaled down to the autoscaler's minReplicas".to_string()
            };
            let mut related: Vec<&ObjectEntry> = selected.clone();
            related.extend(scaled_by);
            cx.report_related(
                o,
                format!(
                    "PodDisruptionBudget `{}` requires minAvailable {min} of the {total} pod(s) of {whose}{at_min}: no pod may ever be evicted voluntarily, so `kubectl drain`, node upgrades and the cluster autoscaler wait on these pods forever",
                    name(o)
                ),
                "Use `maxUnavailable: 1`, or keep minAvailable below the replica count (and the replicas at 2 or more)",
                &related,
            );
        }
    }
}

struct HpaManagedReplicas;

impl Rule for HpaManagedReplicas {
    fn id(&self) -> &'static str {
        "hpa-managed-replicas"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let hpas = autoscalers(index);
        if hpas.is_empty() {
            return;
        }
        for (o, _, _) in index.workloads() {
            let Some(w) = workload(o) else { continue };
            let Some(replicas) = w.replicas else { continue };
            if !w.kind.is_scalable() {
                continue;
            }
            let Some(list) = hpas.get(&(o as *const _)) else {
                continue;
            };
            let count = replicas.map(|n| format!(": {n}")).unwrap_or_default();
            let (h, _) = list[0];
            cx.report_related(
                o,
                format!(
                    "{} sets spec.replicas{count} although HorizontalPodAutoscaler `{}` scales it: every `kubectl apply` or GitOps sync resets the replica count to the manifest's value, scaling a loaded workload down until the autoscaler catches up again",
                    kind_name(o),
                    name(h)
                ),
                "Remove spec.replicas from the manifest and let the autoscaler's minReplicas set the floor (for an existing object, remove the field with the tool that last applied it so it is not reset to 1)",
                &[h],
            );
        }
    }
}

struct MissingPdb;

impl Rule for MissingPdb {
    fn id(&self) -> &'static str {
        "missing-pod-disruption-budget"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let pods = Pods::new(index);
        let hpas = autoscalers(index);
        let mut covered: HashSet<*const ObjectEntry> = HashSet::new();
        for o in index.of_kind("PodDisruptionBudget") {
            let Some(Links::DisruptionBudget(b)) = links(o) else {
                continue;
            };
            let ns = o.reference.namespace.as_deref().unwrap_or("default");
            match &b.selector {
                Some(sel) => {
                    covered.extend(pods.select(ns, sel).into_iter().map(|w| w as *const _))
                }
                // A budget whose selector cannot be read may cover anything
                // in its namespace.
                None if b.selector_unknown => {
                    covered.extend(index.workloads_in(ns).map(|(w, _)| w as *const ObjectEntry))
                }
                None => {}
            }
        }
        for (o, ns, _) in index.workloads() {
            if !matches!(o.reference.kind.as_str(), "Deployment" | "StatefulSet")
                || covered.contains(&(o as *const _))
                || !scope.labels_final(ns)
            {
                continue;
            }
            let Some((count, hpa)) = pod_count(o, &hpas) else {
                continue;
            };
            if count < 2 {
                continue;
            }
            let runs = match hpa {
                Some(h) => format!(
                    "runs at least {count} replicas (HorizontalPodAutoscaler `{}`)",
                    name(h)
                ),
                None => format!("runs {count} replicas"),
            };
            cx.report(
                &o.file,
                o.name_location,
                Some(&o.reference),
                format!(
                    "{} {runs} but no PodDisruptionBudget of namespace `{ns}` selects its pods: a node drain or cluster upgrade may evict all of them at the same time",
                    kind_name(o)
                ),
                "Add a PodDisruptionBudget selecting the pod template labels, e.g. with `maxUnavailable: 1`",
            );
        }
    }
}
