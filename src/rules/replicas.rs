//! Category `availability`, the rules that need only one object: the
//! settings that decide whether a service stays up through rollouts, node
//! drains and quiet hours — replica counts, rollout strategies, autoscaler
//! bounds and disruption budgets. An explicit value is reported at its key
//! and value, a missing one at the key of the deepest map that exists
//! (`spec:`).

use super::resources::{is_placeholder, workload};
use super::{Cx, Rule};
use crate::model::{Object, WorkloadKind};
use crate::yaml::{Document, NodeId, Span};

pub(super) static RULES: &[&dyn Rule] = &[
    &SingleReplica,
    &RollingUpdateUnavailable,
    &RecreateStrategy,
    &HpaMinReplicas,
    &HpaReplicaRange,
    &PdbMissingBudget,
    &PdbUnhealthyPodEvictionPolicy,
];

/// The span of the key that holds `map` under `parent` (`spec:`), else the
/// whole `map`.
pub(super) fn key_of(doc: &Document<'_>, parent: NodeId, map: NodeId) -> Span {
    doc.entries(parent)
        .find(|&(_, v)| v == map)
        .map(|(k, _)| doc.span(k))
        .unwrap_or_else(|| doc.span(map))
}

/// Where a missing field of `spec` points: the `spec:` key, else the
/// object's `kind:` entry.
pub(super) fn spec_anchor(obj: &Object<'_>) -> Span {
    let doc = obj.doc;
    match doc.entry(obj.node, "spec") {
        Some((k, _)) => doc.span(k),
        None => match doc.entry(obj.node, "kind") {
            Some((k, v)) => doc.entry_span(k, v),
            None => doc.span(obj.node),
        },
    }
}

/// An int-or-string field such as `maxUnavailable`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum IntOrPercent {
    Int(i64),
    Percent(f64),
}

fn int_or_percent(doc: &Document<'_>, v: NodeId) -> Option<IntOrPercent> {
    if let Some(i) = doc.int(v) {
        return Some(IntOrPercent::Int(i));
    }
    let s = doc.str(v)?;
    if is_placeholder(s) {
        return None;
    }
    let p = s.strip_suffix('%')?.trim();
    p.parse::<f64>().ok().map(IntOrPercent::Percent)
}

impl IntOrPercent {
    fn is_zero(self) -> bool {
        match self {
            IntOrPercent::Int(i) => i == 0,
            IntOrPercent::Percent(p) => p == 0.0,
        }
    }
}

fn is_kind(obj: &Object<'_>, group: &str, kind: &str) -> bool {
    obj.kind == kind && obj.group() == group
}

fn is_hpa(obj: &Object<'_>) -> bool {
    is_kind(obj, "autoscaling", "HorizontalPodAutoscaler")
}

fn is_pdb(obj: &Object<'_>) -> bool {
    is_kind(obj, "policy", "PodDisruptionBudget")
}

/// `spec.replicas` as written (`None` when absent or not an integer).
fn replicas(obj: &Object<'_>) -> Option<(NodeId, NodeId, i64)> {
    let doc = obj.doc;
    let spec = doc.get_map(obj.node, "spec")?;
    let (k, v) = doc.entry(spec, "replicas")?;
    Some((k, v, doc.int(v)?))
}

struct SingleReplica;

impl Rule for SingleReplica {
    fn id(&self) -> &'static str {
        "single-replica"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.workload_kind() != Some(WorkloadKind::Deployment) {
            return;
        }
        let Some((k, v, 1)) = replicas(obj) else {
            return;
        };
        cx.report(
            obj.doc.entry_span(k, v),
            format!(
                "{} runs a single replica: a node drain, a crash or an eviction takes the service down until a new pod is scheduled and ready, and every rollout depends on that one pod",
                workload(obj)
            ),
            "Run at least 2 replicas spread over nodes (or let a HorizontalPodAutoscaler with `minReplicas: 2` own the count and remove `replicas`)",
        );
    }
}

struct RollingUpdateUnavailable;

impl Rule for RollingUpdateUnavailable {
    fn id(&self) -> &'static str {
        "rolling-update-unavailable"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let (strategy_key, rolling_type) = match obj.workload_kind() {
            Some(WorkloadKind::Deployment) => ("strategy", "RollingUpdate"),
            Some(WorkloadKind::DaemonSet | WorkloadKind::StatefulSet) => {
                ("updateStrategy", "RollingUpdate")
            }
            _ => return,
        };
        let Some(strategy) = doc.path(obj.node, &["spec", strategy_key]) else {
            return;
        };
        if doc
            .get_str(strategy, "type")
            .is_some_and(|t| t != rolling_type)
        {
            return;
        }
        let Some(rolling) = doc.get_map(strategy, "rollingUpdate") else {
            return;
        };
        let Some((uk, uv)) = doc.entry(rolling, "maxUnavailable") else {
            return;
        };
        let Some(unavailable) = int_or_percent(doc, uv) else {
            return;
        };
        let surge = doc
            .get_key(rolling, "maxSurge")
            .and_then(|v| int_or_percent(doc, v));
        let span = doc.entry_span(uk, uv);
        let what = workload(obj);
        // Deployments and DaemonSets default maxSurge to 25% / 0; a zero
        // maxUnavailable with a zero maxSurge is rejected.
        let surge_zero = match surge {
            Some(s) => s.is_zero(),
            None => obj.workload_kind() != Some(WorkloadKind::Deployment),
        };
        if unavailable.is_zero()
            && surge_zero
            && obj.workload_kind() != Some(WorkloadKind::StatefulSet)
        {
            cx.report(
                span,
                format!(
                    "{what} sets maxUnavailable to 0 with maxSurge 0: the API server rejects it (`may not be 0 when maxSurge is 0`), since such a rollout could never replace a pod"
                ),
                "Allow one extra pod during the rollout (`maxSurge: 1`, `maxUnavailable: 0`), or one unavailable pod",
            );
            return;
        }
        let replicas = replicas(obj).map(|(_, _, n)| n);
        let all = match (unavailable, replicas) {
            (IntOrPercent::Percent(p), _) => p >= 100.0,
            (IntOrPercent::Int(i), Some(r)) => r > 0 && i >= r,
            (IntOrPercent::Int(_), None) => false,
        };
        if !all {
            return;
        }
        let shown = doc.text(uv).unwrap_or_default();
        let pods = if obj.workload_kind() == Some(WorkloadKind::DaemonSet) {
            "every node's pod"
        } else {
            "every pod"
        };
        cx.report(
            span,
            format!(
                "{what} allows `maxUnavailable: {shown}`: a rollout may take down {pods} at once, so the service has zero available pods until the new ones are ready — an outage on every deploy, and a long one if the new version fails to start"
            ),
            "Lower `maxUnavailable` (for example `25%` or `1`) so that some pods keep serving during the rollout",
        );
    }
}

struct RecreateStrategy;

impl Rule for RecreateStrategy {
    fn id(&self) -> &'static str {
        "recreate-strategy"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let (key, bad, effect) = match obj.workload_kind() {
            Some(WorkloadKind::Deployment) => (
                "strategy",
                "Recreate",
                "every rollout stops all old pods before the first new one starts, so each deploy is an outage",
            ),
            Some(WorkloadKind::DaemonSet | WorkloadKind::StatefulSet) => (
                "updateStrategy",
                "OnDelete",
                "changes to the pod template are not rolled out at all until someone deletes each pod by hand, so nodes silently keep running the old version",
            ),
            _ => return,
        };
        let Some(strategy) = doc.path(obj.node, &["spec", key]) else {
            return;
        };
        let Some((tk, tv)) = doc.entry(strategy, "type") else {
            return;
        };
        if doc.str(tv) != Some(bad) {
            return;
        }
        // A single-writer volume is the usual reason for Recreate.
        if bad == "Recreate"
            && obj.pod_spec().is_some_and(|p| {
                doc.get_seq(p.node, "volumes")
                    .into_iter()
                    .flat_map(|s| doc.items(s))
                    .any(|v| doc.get_key(v, "persistentVolumeClaim").is_some())
            })
        {
            return;
        }
        cx.report(
            doc.entry_span(tk, tv),
            format!("{} uses the {bad} update strategy: {effect}", workload(obj)),
            "Use `type: RollingUpdate` (the default)",
        );
    }
}

struct HpaMinReplicas;

impl Rule for HpaMinReplicas {
    fn id(&self) -> &'static str {
        "hpa-min-replicas"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_hpa(obj) {
            return;
        }
        let doc = obj.doc;
        let Some(spec) = doc.get_map(obj.node, "spec") else {
            return;
        };
        let (span, shown) = match doc.entry(spec, "minReplicas") {
            Some((k, v)) => match doc.int(v) {
                // 0 is scale-to-zero (HPAScaleToZero), a deliberate choice.
                Some(1) => (doc.entry_span(k, v), "`minReplicas: 1`"),
                _ => return,
            },
            None => (spec_anchor(obj), "no minReplicas (default 1)"),
        };
        cx.report(
            span,
            format!(
                "{} has {shown}: at quiet times it scales the workload down to a single pod, so a node drain or a crash is an outage and the next burst of traffic hits one pod while new ones start",
                workload(obj)
            ),
            "Set `minReplicas: 2` or more",
        );
    }
}

struct HpaReplicaRange;

impl Rule for HpaReplicaRange {
    fn id(&self) -> &'static str {
        "hpa-replica-range"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_hpa(obj) {
            return;
        }
        let doc = obj.doc;
        let Some(spec) = doc.get_map(obj.node, "spec") else {
            return;
        };
        let Some((mk, mv)) = doc.entry(spec, "maxReplicas") else {
            return;
        };
        let Some(max) = doc.int(mv) else {
            return;
        };
        let min = match doc.get_key(spec, "minReplicas") {
            Some(v) => match doc.int(v) {
                Some(n) => n,
                None => return,
            },
            None => 1,
        };
        let what = workload(obj);
        if max < min {
            cx.report(
                doc.entry_span(mk, mv),
                format!("{what} has maxReplicas {max} below minReplicas {min}: the API server rejects it"),
                "Set `maxReplicas` to at least `minReplicas`",
            );
        } else if max == min {
            cx.report(
                doc.entry_span(mk, mv),
                format!("{what} has minReplicas and maxReplicas both {max}: it can never scale, so it adds nothing but a second place where the replica count is set"),
                "Raise `maxReplicas` above `minReplicas` so the autoscaler has room, or drop the autoscaler and set `replicas`",
            );
        }
    }
}

struct PdbMissingBudget;

impl Rule for PdbMissingBudget {
    fn id(&self) -> &'static str {
        "pdb-missing-budget"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_pdb(obj) {
            return;
        }
        let doc = obj.doc;
        let spec = doc.get_map(obj.node, "spec");
        let has = |k: &str| {
            spec.and_then(|s| doc.get_key(s, k))
                .is_some_and(|v| !doc.is_null(v))
        };
        if has("minAvailable") || has("maxUnavailable") {
            return;
        }
        cx.report(
            spec_anchor(obj),
            format!(
                "{} sets neither minAvailable nor maxUnavailable: it protects nothing, and the eviction API lets a node drain take down every selected pod at once",
                workload(obj)
            ),
            "Add `maxUnavailable: 1` (or a `minAvailable` below the replica count)",
        );
    }
}

struct PdbUnhealthyPodEvictionPolicy;

impl Rule for PdbUnhealthyPodEvictionPolicy {
    fn id(&self) -> &'static str {
        "pdb-unhealthy-pod-eviction-policy"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_pdb(obj) {
            return;
        }
        let doc = obj.doc;
        if doc
            .path(obj.node, &["spec", "unhealthyPodEvictionPolicy"])
            .is_some_and(|v| !doc.is_null(v))
        {
            return;
        }
        cx.report(
            spec_anchor(obj),
            format!(
                "{} does not set unhealthyPodEvictionPolicy: with the default (IfHealthyBudget) a pod that is running but not ready — crash-looping, stuck on a bad config — cannot be evicted while the budget is short, so it blocks node drains and cluster upgrades",
                workload(obj)
            ),
            "Add `unhealthyPodEvictionPolicy: AlwaysAllow`",
        );
    }
}
