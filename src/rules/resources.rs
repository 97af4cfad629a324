//! Category `resources`: container requests and limits.
//!
//! Requests and limits are read from `containers` and `initContainers`
//! (ephemeral containers may not set resources at all). A missing request
//! whose limit is set is not reported: Kubernetes copies the limit into the
//! request. The missing-value rules are deferred: a `LimitRange` of the same
//! namespace in the input whose defaults supply the value drops the finding
//! (see [`crate::index::LimitRangeDefaults`]).

use super::{Cx, Rule};
use crate::finding::Finding;
use crate::fix::{Editor, Fix, NewValue};
use crate::index::Index;
use crate::model::quantity::Quantity;
use crate::model::{group_of, Container, ContainerList, Object};
use crate::yaml::{Document, NodeId};

pub(super) static RULES: &[&dyn Rule] = &[
    &Missing::CPU_REQUEST,
    &Missing::MEMORY_REQUEST,
    &Missing::MEMORY_LIMIT,
    &Missing::CPU_LIMIT,
    &RequestExceedsLimit,
    &InvalidQuantity,
    &SuspiciousQuantity,
    &ExtendedResourceMismatch,
    &RequestBelowLimit,
    &MissingEphemeralStorage,
];

/// "Deployment `web`" (or just the kind when the object has no name).
pub(super) fn workload<'d>(obj: &Object<'d>) -> crate::model::KindName<'d> {
    crate::model::KindName {
        kind: obj.kind,
        name: obj.name,
    }
}

/// Containers that can carry resources: regular and init containers.
fn resource_containers<'d>(obj: &Object<'d>) -> Vec<Container<'d>> {
    let Some(spec) = obj.pod_spec() else {
        return Vec::new();
    };
    spec.containers_in(ContainerList::Containers)
        .chain(spec.containers_in(ContainerList::InitContainers))
        .collect()
}

/// One of the missing-value rules.
struct Missing {
    id: &'static str,
    resource: &'static str,
    /// `requests` or `limits`.
    section: &'static str,
    /// Tag carried to `finalize` (`request:cpu`, `limit:memory`).
    tag: &'static str,
    /// Why the missing value hurts, in production terms.
    why: &'static str,
    example: &'static str,
}

impl Missing {
    const CPU_REQUEST: Missing = Missing {
        id: "missing-cpu-request",
        resource: "cpu",
        section: "requests",
        tag: "request:cpu",
        why: "the scheduler counts it as needing no CPU, so it can be packed onto a saturated node and starved of CPU time under contention",
        example: "100m",
    };
    const MEMORY_REQUEST: Missing = Missing {
        id: "missing-memory-request",
        resource: "memory",
        section: "requests",
        tag: "request:memory",
        why: "the scheduler counts it as needing no memory, so nodes get overcommitted and it is among the first pods evicted under memory pressure",
        example: "256Mi",
    };
    const MEMORY_LIMIT: Missing = Missing {
        id: "missing-memory-limit",
        resource: "memory",
        section: "limits",
        tag: "limit:memory",
        why: "a leak or a burst can take all of the node's memory, and the kernel's OOM killer then picks processes of other pods too",
        example: "512Mi",
    };
    const CPU_LIMIT: Missing = Missing {
        id: "missing-cpu-limit",
        resource: "cpu",
        section: "limits",
        tag: "limit:cpu",
        why: "a busy loop can use every idle core of the node (set one only if you accept CFS throttling)",
        example: "1",
    };

    fn noun(&self) -> String {
        let what = if self.resource == "cpu" {
            "CPU"
        } else {
            "memory"
        };
        let kind = if self.section == "requests" {
            "request"
        } else {
            "limit"
        };
        format!("{what} {kind}")
    }
}

impl Rule for Missing {
    fn id(&self) -> &'static str {
        self.id
    }
    fn per_object(&self) -> bool {
        true
    }
    fn deferred(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        // Pod-level resources (`spec.resources`) cover containers that set none.
        if let Some(pod) = obj
            .pod_spec()
            .and_then(|p| doc.get_map(p.node, "resources"))
        {
            if has_resource(doc, pod, self.section, self.resource)
                || (self.section == "requests" && has_resource(doc, pod, "limits", self.resource))
            {
                return;
            }
        }
        for c in resource_containers(obj) {
            // The deepest existing ancestor of resources.<section>.<resource>.
            let span = match doc.entry(c.node, "resources") {
                None => doc.span(c.node),
                Some((rk, rv)) => match doc.entry(rv, self.section).filter(|_| doc.is_map(rv)) {
                    None => {
                        if self.section == "requests"
                            && has_resource(doc, rv, "limits", self.resource)
                        {
                            continue; // the request defaults to the limit
                        }
                        doc.span(rk)
                    }
                    Some((sk, sv)) => {
                        if doc.is_map(sv) && doc.get_key(sv, self.resource).is_some() {
                            continue;
                        }
                        if self.section == "requests"
                            && has_resource(doc, rv, "limits", self.resource)
                        {
                            continue;
                        }
                        doc.span(sk)
                    }
                },
            };
            cx.report_with_data(
                span,
                format!(
                    "{c} of {} has no {}: {}",
                    workload(obj),
                    self.noun(),
                    self.why
                ),
                format!(
                    "Set `resources.{}.{}` on {c} (for example `{}`), sized from observed usage",
                    self.section, self.resource, self.example
                ),
                self.tag,
            );
            // A guessed request is a placeholder that someone must size:
            // an unsafe fix, applied only with `--unsafe-fixes`.
            if self.section == "requests" {
                cx.fix(
                    Editor::new(doc, cx.text)
                        .set(
                            c.node,
                            &["resources", "requests", self.resource],
                            NewValue::str(self.example),
                        )
                        .map(|e| {
                            Fix::unsafe_(
                                format!(
                                    "Add a placeholder `resources.requests.{}: {}` to {c} (size it from observed usage)",
                                    self.resource, self.example
                                ),
                                e,
                            )
                        }),
                );
            }
        }
    }
    fn finalize(&self, finding: &mut Finding, index: &Index) -> bool {
        let Some(ns) = finding.object.as_ref().and_then(|o| o.namespace.as_deref()) else {
            return true;
        };
        let Some((section, resource)) = finding.data.as_deref().and_then(|d| d.split_once(':'))
        else {
            return true;
        };
        let supplied = index.of_kind("LimitRange").any(|o| {
            group_of(&o.reference.api_version).is_empty()
                && o.reference.namespace.as_deref() == Some(ns)
                && o.facts.limit_range.as_ref().is_some_and(|d| {
                    let list = if section == "request" {
                        &d.requests
                    } else {
                        &d.limits
                    };
                    list.iter().any(|r| r == resource)
                })
        });
        !supplied
    }
}

fn has_resource(doc: &Document<'_>, resources: NodeId, section: &str, name: &str) -> bool {
    doc.get_map(resources, section)
        .and_then(|m| doc.get_key(m, name))
        .is_some_and(|v| !doc.is_null(v))
}

/// A quantity value as written (`1`, `1.5` and `"500m"` all give text);
/// None for null, a collection, or a template placeholder that is
/// substituted before the manifest is applied.
fn quantity_text<'d>(doc: &'d Document<'d>, v: NodeId) -> Option<&'d str> {
    if doc.is_null(v) {
        return None;
    }
    doc.text(v).filter(|t| !is_placeholder(t))
}

/// `${VAR}` (envsubst) or `{{ … }}` (templating) left in a value: the
/// file is a template, and the real value is not known.
pub(super) fn is_placeholder(text: &str) -> bool {
    text.contains("${") || text.contains("{{")
}

/// Every `name: quantity` entry of a resource list, as (key, value, name).
fn list_entries<'d>(
    doc: &'d Document<'d>,
    list: Option<NodeId>,
) -> impl Iterator<Item = (NodeId, NodeId, &'d str)> + 'd {
    list.filter(|&m| doc.is_map(m))
        .into_iter()
        .flat_map(move |m| doc.entries(m))
        .filter_map(move |(k, v)| Some((k, v, doc.text(k)?)))
}

/// Resource lists of an object as (where, list node, is a namespace
/// quota): container and pod-level `requests`/`limits`, LimitRange items
/// and ResourceQuota `hard`.
fn resource_lists(obj: &Object<'_>) -> Vec<(String, NodeId, bool)> {
    let doc = obj.doc;
    let mut out = Vec::new();
    let mut push_reqs = |owner: String, resources: Option<NodeId>| {
        if let Some(r) = resources.filter(|&r| doc.is_map(r)) {
            for section in ["requests", "limits"] {
                if let Some(m) = doc.get_map(r, section) {
                    out.push((format!("`resources.{section}` of {owner}"), m, false));
                }
            }
        }
    };
    if let Some(spec) = obj.pod_spec() {
        for c in spec.all_containers() {
            push_reqs(
                format!("{c} of {}", workload(obj)),
                doc.get_key(c.node, "resources"),
            );
        }
        push_reqs(
            format!("the pod of {}", workload(obj)),
            doc.get_key(spec.node, "resources"),
        );
    }
    if group_of(obj.api_version).is_empty() {
        match obj.kind {
            "LimitRange" => {
                for item in doc
                    .path(obj.node, &["spec", "limits"])
                    .filter(|&s| doc.is_seq(s))
                    .into_iter()
                    .flat_map(|s| doc.items(s))
                {
                    for key in ["default", "defaultRequest", "max", "min"] {
                        if let Some(m) = doc.get_map(item, key) {
                            out.push((format!("`{key}` of {}", workload(obj)), m, false));
                        }
                    }
                }
            }
            "ResourceQuota" => {
                if let Some(m) = doc
                    .path(obj.node, &["spec", "hard"])
                    .filter(|&m| doc.is_map(m))
                {
                    out.push((format!("`spec.hard` of {}", workload(obj)), m, true));
                }
            }
            _ => {}
        }
    }
    out
}

struct InvalidQuantity;

impl Rule for InvalidQuantity {
    fn id(&self) -> &'static str {
        "invalid-quantity"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (owner, list, _) in resource_lists(obj) {
            for (k, v, name) in list_entries(doc, Some(list)) {
                let Some(text) = quantity_text(doc, v) else {
                    continue;
                };
                let problem = match Quantity::parse(text) {
                    Err(e) => e.to_string(),
                    Ok(q) if q.is_negative() => "resource quantities must not be negative".into(),
                    Ok(_) => continue,
                };
                cx.report(
                    doc.entry_span(k, v),
                    format!(
                        "`{name}: {}` in {owner} is not a valid quantity ({problem}): the API server rejects the object, so the rollout fails",
                        if text.is_empty() { "\"\"" } else { text }
                    ),
                    format!(
                        "Write a Kubernetes quantity such as `{}`",
                        if name == "cpu" { "500m` or `2" } else { "512Mi` or `1Gi" }
                    ),
                );
            }
        }
    }
}

struct SuspiciousQuantity;

impl Rule for SuspiciousQuantity {
    fn id(&self) -> &'static str {
        "suspicious-quantity"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let four_mi = Quantity::parse("4Mi").expect("valid");
        let max_cpu = Quantity::parse("256").expect("valid");
        for (owner, list, quota) in resource_lists(obj) {
            if quota {
                continue; // namespace totals may well exceed one node
            }
            for (k, v, name) in list_entries(doc, Some(list)) {
                let Some(text) = quantity_text(doc, v) else {
                    continue;
                };
                let Ok(q) = Quantity::parse(text) else {
                    continue;
                };
                if q.is_negative() || q.is_zero() {
                    continue;
                }
                let (message, help) = match name {
                    "memory" if q.suffix() == "m" => {
                        let number = &text[..text.len() - 1];
                        (
                            format!(
                                "`{name}: {text}` in {owner} means {number} millibytes (thousandths of a byte), not megabytes: the container gets almost no memory and is OOM-killed at start"
                            ),
                            format!("Write `{number}Mi` (mebibytes) or `{number}M` (megabytes)"),
                        )
                    }
                    "memory" if q < four_mi => (
                        format!(
                            "`{name}: {text}` in {owner} is less than 4Mi of memory: no real process fits, so the container is OOM-killed or cannot start (a missing unit makes it bytes)"
                        ),
                        "Add the unit you meant, e.g. `256Mi`".to_string(),
                    ),
                    "cpu" if q > max_cpu => (
                        format!(
                            "`{name}: {text}` in {owner} is more than 256 CPU cores: no node can schedule it, so the pod stays Pending (millicores need the `m` suffix)"
                        ),
                        format!("Write `{text}m` if you meant millicores"),
                    ),
                    _ => continue,
                };
                cx.report(doc.entry_span(k, v), message, help);
            }
        }
    }
}

struct RequestExceedsLimit;

impl Rule for RequestExceedsLimit {
    fn id(&self) -> &'static str {
        "request-exceeds-limit"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let mut owners: Vec<(String, NodeId)> = spec
            .all_containers()
            .filter_map(|c| Some((c.to_string(), doc.get_map(c.node, "resources")?)))
            .collect();
        if let Some(r) = doc.get_map(spec.node, "resources") {
            owners.push(("the pod".to_string(), r));
        }
        for (owner, res) in owners {
            let limits = doc.get_map(res, "limits");
            for (k, v, name) in list_entries(doc, doc.get_map(res, "requests")) {
                let Some((lk, lv)) = limits.and_then(|l| doc.entry(l, name)) else {
                    continue;
                };
                let (Some(rt), Some(lt)) = (quantity_text(doc, v), quantity_text(doc, lv)) else {
                    continue;
                };
                let (Ok(rq), Ok(lq)) = (Quantity::parse(rt), Quantity::parse(lt)) else {
                    continue;
                };
                if rq > lq {
                    cx.report_related(
                        doc.entry_span(k, v),
                        format!(
                            "{owner} of {} requests {name} `{rt}`, more than its limit `{lt}`: the API server rejects the object (`must be less than or equal to {name} limit`), so the rollout fails",
                            workload(obj)
                        ),
                        format!("Lower `requests.{name}` to at most `{lt}`, or raise `limits.{name}`"),
                        vec![(doc.entry_span(lk, lv), "limit".to_string())],
                    );
                }
            }
        }
    }
}

/// A resource name outside the `kubernetes.io` namespace: extended
/// resources (`nvidia.com/gpu`) cannot be overcommitted.
fn is_extended(name: &str) -> bool {
    match name.split_once('/') {
        Some((domain, _)) => !(domain == "kubernetes.io" || domain.ends_with(".kubernetes.io")),
        None => false,
    }
}

struct ExtendedResourceMismatch;

impl Rule for ExtendedResourceMismatch {
    fn id(&self) -> &'static str {
        "extended-resource-mismatch"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for c in resource_containers(obj) {
            let Some(res) = doc.get_map(c.node, "resources") else {
                continue;
            };
            let limits = doc.get_map(res, "limits");
            for (k, v, name) in list_entries(doc, doc.get_map(res, "requests")) {
                if !is_extended(name) {
                    continue;
                }
                let Some(rt) = quantity_text(doc, v) else {
                    continue;
                };
                match limits.and_then(|l| doc.entry(l, name)) {
                    None => cx.report(
                        doc.entry_span(k, v),
                        format!(
                            "{c} of {} requests the extended resource `{name}` without a limit: extended resources cannot be overcommitted, so the API server rejects the object",
                            workload(obj)
                        ),
                        format!("Set `limits.{name}: {rt}` (or set only the limit: the request defaults to it)"),
                    ),
                    Some((lk, lv)) => {
                        let Some(lt) = quantity_text(doc, lv) else {
                            continue;
                        };
                        let (Ok(rq), Ok(lq)) = (Quantity::parse(rt), Quantity::parse(lt)) else {
                            continue;
                        };
                        if rq != lq {
                            cx.report_related(
                                doc.entry_span(k, v),
                                format!(
                                    "{c} of {} requests `{name}: {rt}` but limits it to `{lt}`: extended resources cannot be overcommitted, so the API server rejects the object unless request and limit are equal",
                                    workload(obj)
                                ),
                                format!("Make `requests.{name}` equal to `limits.{name}`, or drop the request (it defaults to the limit)"),
                                vec![(doc.entry_span(lk, lv), "limit".to_string())],
                            );
                        }
                    }
                }
            }
        }
    }
}

struct RequestBelowLimit;

impl Rule for RequestBelowLimit {
    fn id(&self) -> &'static str {
        "request-below-limit"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for c in resource_containers(obj) {
            let Some(res) = doc.get_map(c.node, "resources") else {
                continue;
            };
            let limits = doc.get_map(res, "limits");
            for (k, v, name) in list_entries(doc, doc.get_map(res, "requests")) {
                let effect = match name {
                    "cpu" => "the CPU above the request is only there when neighbours leave it idle, so latency swings with the load of the node",
                    "memory" => "memory above the request is not reserved: when the node runs short, this container is among the first to be OOM-killed or evicted",
                    "ephemeral-storage" => "disk above the request is not reserved: the node's disk can fill up, and then this pod is evicted",
                    _ => continue,
                };
                let Some((lk, lv)) = limits.and_then(|l| doc.entry(l, name)) else {
                    continue;
                };
                let (Some(rt), Some(lt)) = (quantity_text(doc, v), quantity_text(doc, lv)) else {
                    continue;
                };
                let (Ok(rq), Ok(lq)) = (Quantity::parse(rt), Quantity::parse(lt)) else {
                    continue;
                };
                if rq >= lq {
                    continue;
                }
                let qos = if name == "ephemeral-storage" {
                    ""
                } else {
                    "; only requests equal to limits give the pod the Guaranteed QoS class"
                };
                cx.report_related(
                    doc.entry_span(k, v),
                    format!(
                        "{c} of {} requests {name} `{rt}` but may use up to `{lt}`: {effect}{qos}",
                        workload(obj)
                    ),
                    format!("Set `requests.{name}` equal to `limits.{name}` (`{lt}`), sized from observed peak usage"),
                    vec![(doc.entry_span(lk, lv), "limit".to_string())],
                );
            }
        }
    }
}

struct MissingEphemeralStorage;

impl Rule for MissingEphemeralStorage {
    fn id(&self) -> &'static str {
        "missing-ephemeral-storage"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn deferred(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        if let Some(pod) = obj
            .pod_spec()
            .and_then(|p| doc.get_map(p.node, "resources"))
        {
            if has_resource(doc, pod, "limits", "ephemeral-storage") {
                return;
            }
        }
        for c in resource_containers(obj) {
            let res = doc.entry(c.node, "resources");
            let rv = res.map(|(_, v)| v).filter(|&v| doc.is_map(v));
            let limit = rv.is_some_and(|r| has_resource(doc, r, "limits", "ephemeral-storage"));
            // A missing request defaults to the limit.
            let request =
                limit || rv.is_some_and(|r| has_resource(doc, r, "requests", "ephemeral-storage"));
            let missing: Vec<&str> = [(!request).then_some("request"), (!limit).then_some("limit")]
                .into_iter()
                .flatten()
                .collect();
            if missing.is_empty() {
                continue;
            }
            // The deepest existing ancestor of resources.limits.ephemeral-storage.
            let span = match (res, rv.and_then(|r| doc.entry(r, "limits"))) {
                (Some(_), Some((lk, _))) => doc.span(lk),
                (Some((rk, _)), None) => doc.span(rk),
                (None, _) => doc.span(c.node),
            };
            cx.report_with_data(
                span,
                format!(
                    "{c} of {} has no ephemeral-storage {}: logs, emptyDir volumes and files written to the container's own filesystem can fill the node's disk, and the kubelet then evicts pods that had nothing to do with it",
                    workload(obj),
                    missing.join(" or ")
                ),
                "Set `resources.limits.ephemeral-storage` (for example `1Gi`; the request defaults to it) from the disk the container really writes",
                &missing.join(","),
            );
        }
    }
    fn finalize(&self, finding: &mut Finding, index: &Index) -> bool {
        let Some(ns) = finding.object.as_ref().and_then(|o| o.namespace.as_deref()) else {
            return true;
        };
        let needs: Vec<&str> = finding
            .data
            .as_deref()
            .map(|d| d.split(',').collect())
            .unwrap_or_default();
        let supplied = index.of_kind("LimitRange").any(|o| {
            group_of(&o.reference.api_version).is_empty()
                && o.reference.namespace.as_deref() == Some(ns)
                && o.facts.limit_range.as_ref().is_some_and(|d| {
                    needs.iter().all(|n| {
                        let list = if *n == "request" {
                            &d.requests
                        } else {
                            &d.limits
                        };
                        list.iter().any(|r| r == "ephemeral-storage")
                    })
                })
        });
        !supplied
    }
}
