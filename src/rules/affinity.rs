//! Category `affinity`: how replicas are spread over nodes and zones —
//! pod anti-affinity, pod affinity (topology keys only) and topology
//! spread constraints.
//!
//! A term "spreads" a workload when its `labelSelector` selects the
//! workload's own pod-template labels. `no-anti-affinity` asks only that some
//! anti-affinity term or spread constraint exist; one whose selector misses
//! the workload's own pods is reported by `spread-selector-mismatch`
//! instead, so one mistake gives one finding.

use super::resources::{is_placeholder, workload};
use super::{Cx, Rule};
use crate::model::selector::LabelSelector;
use crate::model::{Object, PodSpec, WorkloadKind};
use crate::yaml::{Document, NodeId};

pub(super) static RULES: &[&dyn Rule] = &[
    &NoAntiAffinity,
    &SpreadSelectorMismatch,
    &EmptyTopologyKey,
    &DeprecatedTopologyKey,
    &UnknownTopologyKey,
    &UnsatisfiableSpread,
    &InvalidSpreadConstraint,
];

const WELL_KNOWN_KEYS: &[&str] = &[
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
];
const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TermKind {
    AntiRequired,
    AntiPreferred,
    Affinity,
    Spread,
}

impl TermKind {
    fn describe(self) -> &'static str {
        match self {
            TermKind::AntiRequired => "required pod anti-affinity term",
            TermKind::AntiPreferred => "preferred pod anti-affinity term",
            TermKind::Affinity => "pod affinity term",
            TermKind::Spread => "topology spread constraint",
        }
    }
    fn spreads(self) -> bool {
        self != TermKind::Affinity
    }
}

struct Term {
    kind: TermKind,
    /// The term mapping (`podAffinityTerm` for preferred terms; the
    /// constraint for spread constraints).
    node: NodeId,
}

fn terms(doc: &Document<'_>, spec: &PodSpec<'_>) -> Vec<Term> {
    let mut out = Vec::new();
    let seq_items = |n: Option<NodeId>| {
        n.filter(|&s| doc.is_seq(s))
            .into_iter()
            .flat_map(|s| doc.items(s))
            .filter(|&i| doc.is_map(i))
    };
    let affinity = doc.get_map(spec.node, "affinity");
    for (key, required, preferred) in [
        (
            "podAntiAffinity",
            TermKind::AntiRequired,
            TermKind::AntiPreferred,
        ),
        ("podAffinity", TermKind::Affinity, TermKind::Affinity),
    ] {
        let Some(block) = affinity.and_then(|a| doc.get_map(a, key)) else {
            continue;
        };
        for t in seq_items(doc.get_key(block, "requiredDuringSchedulingIgnoredDuringExecution")) {
            out.push(Term {
                kind: required,
                node: t,
            });
        }
        for w in seq_items(doc.get_key(block, "preferredDuringSchedulingIgnoredDuringExecution")) {
            if let Some(t) = doc.get_map(w, "podAffinityTerm") {
                out.push(Term {
                    kind: preferred,
                    node: t,
                });
            }
        }
    }
    for c in seq_items(doc.get_key(spec.node, "topologySpreadConstraints")) {
        out.push(Term {
            kind: TermKind::Spread,
            node: c,
        });
    }
    out
}

/// The pod-template labels, if the template has a `labels` mapping.
fn pod_labels(doc: &Document<'_>, spec: &PodSpec<'_>) -> Option<Vec<(String, String)>> {
    let labels = doc.get_map(spec.metadata?, "labels")?;
    Some(
        doc.entries(labels)
            .filter_map(|(k, v)| Some((doc.text(k)?.to_string(), doc.text(v)?.to_string())))
            .collect(),
    )
}

/// Does the term select the workload's own pods? `None` when that cannot
/// be decided: no readable selector, no template labels, placeholders, or a
/// term aimed at other namespaces.
fn selects_own(
    doc: &Document<'_>,
    term: &Term,
    labels: Option<&[(String, String)]>,
    namespace: Option<&str>,
) -> Option<bool> {
    let labels = labels?;
    if term.kind != TermKind::Spread {
        if doc.get_key(term.node, "namespaceSelector").is_some() {
            return None;
        }
        if let Some(ns) = doc.get_seq(term.node, "namespaces") {
            if doc.items(ns).len() > 0 && !doc.items(ns).any(|n| doc.text(n) == namespace) {
                return None;
            }
        }
    }
    let sel = LabelSelector::from_node(doc, doc.get_key(term.node, "labelSelector")?)?;
    let templated = sel
        .match_labels
        .iter()
        .any(|(k, v)| is_placeholder(k) || is_placeholder(v))
        || labels.iter().any(|(_, v)| is_placeholder(v));
    if templated {
        return None;
    }
    Some(sel.matches_pairs(labels))
}

/// `spec.replicas` of a replicated workload kind, as (key, value, count).
/// A missing `replicas` means 1.
fn replicas(obj: &Object<'_>) -> Option<(NodeId, NodeId, i64)> {
    match obj.workload_kind()? {
        WorkloadKind::Deployment
        | WorkloadKind::StatefulSet
        | WorkloadKind::ReplicaSet
        | WorkloadKind::ReplicationController => {}
        _ => return None,
    }
    let spec = obj.doc.get_map(obj.node, "spec")?;
    let (k, v) = obj.doc.entry(spec, "replicas")?;
    Some((k, v, obj.doc.int(v)?))
}

struct NoAntiAffinity;

impl Rule for NoAntiAffinity {
    fn id(&self) -> &'static str {
        "no-anti-affinity"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some((k, v, n)) = replicas(obj) else {
            return;
        };
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        if n <= 1 || terms(doc, &spec).iter().any(|t| t.kind.spreads()) {
            return;
        }
        cx.report(
            doc.entry_span(k, v),
            format!(
                "{} runs {n} replicas with neither pod anti-affinity nor a topology spread constraint: {} may land on one node, and a single node failure or drain takes the whole service down",
                workload(obj),
                if n == 2 { "both".to_string() } else { format!("all {n}") }
            ),
            "Add `topologySpreadConstraints` (topologyKey `kubernetes.io/hostname` or `topology.kubernetes.io/zone`, `whenUnsatisfiable: ScheduleAnyway`) or a preferred `podAntiAffinity` term, with a `labelSelector` that matches the pod template's labels",
        );
    }
}

struct SpreadSelectorMismatch;

impl Rule for SpreadSelectorMismatch {
    fn id(&self) -> &'static str {
        "spread-selector-mismatch"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let labels = pod_labels(doc, &spec);
        let ts = terms(doc, &spec);
        let own: Vec<Option<bool>> = ts
            .iter()
            .map(|t| selects_own(doc, t, labels.as_deref(), obj.namespace))
            .collect();
        // Anti-affinity against other workloads is a legitimate way to keep
        // away from them; it is only a mistake when the workload has several
        // replicas and nothing else spreads them.
        let replicated = replicas(obj).is_some_and(|(_, _, n)| n > 1);
        let anything_spreads = ts
            .iter()
            .zip(&own)
            .any(|(t, o)| t.kind.spreads() && *o != Some(false));
        let shown = labels
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        for (t, o) in ts.iter().zip(&own) {
            if *o != Some(false) || !t.kind.spreads() {
                continue;
            }
            if t.kind != TermKind::Spread && (!replicated || anything_spreads) {
                continue;
            }
            let Some((sk, sv)) = doc.entry(t.node, "labelSelector") else {
                continue;
            };
            let effect = if t.kind == TermKind::Spread {
                "it balances some other set of pods, and this workload's replicas can still pile up in one domain"
            } else {
                "it keeps these pods away from some other workload, not from each other, so all replicas may still land on one node"
            };
            cx.report(
                doc.entry_span(sk, sv),
                format!(
                    "the {} of {} selects none of its own pods (pod labels: {shown}): {effect}",
                    t.kind.describe(),
                    workload(obj)
                ),
                "Make the `labelSelector` match the pod template's labels (for example the same `matchLabels` as `spec.selector`)",
            );
        }
        // A spread constraint without a selector counts no pods at all.
        for t in ts.iter().filter(|t| t.kind == TermKind::Spread) {
            if doc.get_key(t.node, "labelSelector").is_some()
                || doc.get_key(t.node, "matchLabelKeys").is_some()
            {
                continue;
            }
            cx.report(
                doc.span(t.node),
                format!(
                    "a topology spread constraint of {} has no labelSelector: it counts no pods in any domain, so it is always satisfied and spreads nothing",
                    workload(obj)
                ),
                "Add a `labelSelector` that matches the pod template's labels (for example the same `matchLabels` as `spec.selector`)",
            );
        }
    }
}

/// A written `topologyKey`: key node, value node, text (`""` for null).
type TopologyKey<'d> = (NodeId, NodeId, &'d str);

/// Every term with its `topologyKey`, if written as a scalar.
fn topology_keys<'d>(obj: &Object<'d>) -> Vec<(Term, Option<TopologyKey<'d>>)> {
    let doc = obj.doc;
    let Some(spec) = obj.pod_spec() else {
        return Vec::new();
    };
    terms(doc, &spec)
        .into_iter()
        .map(|t| {
            let key = doc
                .entry(t.node, "topologyKey")
                .and_then(|(k, v)| Some((k, v, if doc.is_null(v) { "" } else { doc.text(v)? })));
            (t, key)
        })
        .collect()
}

struct EmptyTopologyKey;

impl Rule for EmptyTopologyKey {
    fn id(&self) -> &'static str {
        "empty-topology-key"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (t, key) in topology_keys(obj) {
            let span = match key {
                Some((k, v, "")) => doc.entry_span(k, v),
                Some(_) => continue,
                // A non-scalar value is the schema's concern.
                None if doc.get_key(t.node, "topologyKey").is_some() => continue,
                None => doc.span(t.node),
            };
            cx.report(
                span,
                format!(
                    "a {} of {} has no `topologyKey`: the API server rejects the object (`topologyKey: Required value`), so the rollout fails",
                    t.kind.describe(),
                    workload(obj)
                ),
                "Set `topologyKey: kubernetes.io/hostname` (spread over nodes) or `topology.kubernetes.io/zone` (over zones)",
            );
        }
    }
}

struct DeprecatedTopologyKey;

impl Rule for DeprecatedTopologyKey {
    fn id(&self) -> &'static str {
        "deprecated-topology-key"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (t, key) in topology_keys(obj) {
            let Some((k, v, text)) = key else {
                continue;
            };
            let Some(what) = text.strip_prefix("failure-domain.beta.kubernetes.io/") else {
                continue;
            };
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "a {} of {} uses the deprecated node label `{text}`: nodes of current Kubernetes versions and cloud providers may no longer carry it, and then the term silently constrains nothing (or, when required, matches no node)",
                    t.kind.describe(),
                    workload(obj)
                ),
                format!("Use `topology.kubernetes.io/{what}`"),
            );
        }
    }
}

struct UnknownTopologyKey;

impl Rule for UnknownTopologyKey {
    fn id(&self) -> &'static str {
        "unknown-topology-key"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (t, key) in topology_keys(obj) {
            let Some((k, v, text)) = key else {
                continue;
            };
            if text.is_empty()
                || WELL_KNOWN_KEYS.contains(&text)
                || text.starts_with("failure-domain.beta.kubernetes.io/")
                || is_placeholder(text)
            {
                continue;
            }
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "a {} of {} uses the topology key `{text}`, which is not a well-known node label: if your nodes do not carry it, the term has no effect (or, when required, no node qualifies and pods stay Pending)",
                    t.kind.describe(),
                    workload(obj)
                ),
                "Check that your nodes carry this label; otherwise use `kubernetes.io/hostname`, `topology.kubernetes.io/zone` or `topology.kubernetes.io/region`",
            );
        }
    }
}

struct UnsatisfiableSpread;

impl Rule for UnsatisfiableSpread {
    fn id(&self) -> &'static str {
        "unsatisfiable-spread"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some((_, _, n)) = replicas(obj) else {
            return;
        };
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        if n <= 3 {
            return;
        }
        let labels = pod_labels(doc, &spec);
        let ts = terms(doc, &spec);
        let hard_spread = ts.iter().any(|t| {
            t.kind == TermKind::Spread
                && doc.get_str(t.node, "whenUnsatisfiable") == Some("DoNotSchedule")
        });
        for t in &ts {
            if t.kind != TermKind::AntiRequired {
                continue;
            }
            let Some((k, v)) = doc.entry(t.node, "topologyKey") else {
                continue;
            };
            let Some(key) = doc.text(v).filter(|k| ZONE_KEYS.contains(k)) else {
                continue;
            };
            if selects_own(doc, t, labels.as_deref(), obj.namespace) != Some(true) {
                continue;
            }
            let also = if hard_spread {
                " (the `DoNotSchedule` spread constraint cannot help: it never overrides a required term)"
            } else {
                ""
            };
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{} asks for {n} replicas but its required anti-affinity on `{key}` allows at most one of its pods per zone: in a typical region of 3 zones, {} pods stay Pending forever{also}",
                    workload(obj),
                    n - 3
                ),
                "Make the zone anti-affinity `preferredDuringSchedulingIgnoredDuringExecution`, or use a topology spread constraint on the zone with `maxSkew: 1`",
            );
        }
    }
}
struct InvalidSpreadConstraint;

impl Rule for InvalidSpreadConstraint {
    fn id(&self) -> &'static str {
        "invalid-spread-constraint"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let what = workload(obj);
        let rejected = "the API server rejects the object";
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for t in terms(doc, &spec)
            .iter()
            .filter(|t| t.kind == TermKind::Spread)
        {
            let when = doc.entry(t.node, "whenUnsatisfiable");
            let when_value = when.and_then(|(_, v)| doc.str(v));
            match (when, when_value) {
                (None, _) => cx.report(
                    doc.span(t.node),
                    format!("a topology spread constraint of {what} has no whenUnsatisfiable: {rejected} (`Required value`)"),
                    "Add `whenUnsatisfiable: ScheduleAnyway` (a preference) or `DoNotSchedule` (a hard rule)",
                ),
                (Some((k, v)), Some(w)) if !matches!(w, "DoNotSchedule" | "ScheduleAnyway") && !is_placeholder(w) => cx.report(
                    doc.entry_span(k, v),
                    format!("a topology spread constraint of {what} has `whenUnsatisfiable: {w}`: only DoNotSchedule and ScheduleAnyway exist, and {rejected}"),
                    "Use `ScheduleAnyway` or `DoNotSchedule` (case-sensitive)",
                ),
                _ => {}
            }
            if let Some((k, v)) = doc.entry(t.node, "maxSkew") {
                if let Some(n) = doc.int(v).filter(|&n| n < 1) {
                    cx.report(
                        doc.entry_span(k, v),
                        format!("a topology spread constraint of {what} has `maxSkew: {n}`: it must be at least 1, and {rejected}"),
                        "Set `maxSkew: 1` (domains may differ by at most one pod)",
                    );
                }
            }
            if let Some((k, v)) = doc.entry(t.node, "minDomains") {
                match doc.int(v) {
                    Some(n) if n < 1 => cx.report(
                        doc.entry_span(k, v),
                        format!("a topology spread constraint of {what} has `minDomains: {n}`: it must be at least 1, and {rejected}"),
                        "Remove `minDomains` or set it to the number of domains the pods must spread over",
                    ),
                    Some(_) if when_value == Some("ScheduleAnyway") => cx.report(
                        doc.entry_span(k, v),
                        format!("a topology spread constraint of {what} sets minDomains with `whenUnsatisfiable: ScheduleAnyway`: minDomains applies only to DoNotSchedule, and {rejected}"),
                        "Remove `minDomains`, or use `whenUnsatisfiable: DoNotSchedule`",
                    ),
                    _ => {}
                }
            }
            let key = doc.get_key(t.node, "topologyKey").and_then(|v| doc.str(v));
            if let (Some(key), Some(w)) = (key, when_value) {
                if seen.contains(&(key, w)) {
                    cx.report(
                        doc.span(t.node),
                        format!("{what} has two topology spread constraints for `{key}` with `whenUnsatisfiable: {w}`: {rejected} (`Duplicate value`)"),
                        "Merge the two constraints into one",
                    );
                } else {
                    seen.push((key, w));
                }
            }
        }
    }
}
