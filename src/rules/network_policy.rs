//! Category `network-policy`: coverage of the input's workloads by its
//! NetworkPolicies, reasoned the way the cluster evaluates them.
//!
//! A policy selects pods of its own namespace; a pod is isolated for a
//! direction when some policy selecting it has that type; traffic is then
//! allowed only by the rules of the policies selecting it. Peers may live
//! outside the input, so findings about them are notes, and findings that
//! need pods are only made where the input has pods in that namespace.
//!
//! An input may hold several projects that share a namespace name without
//! sharing a cluster (examples that all deploy to `default`): a policy
//! governs only the workloads of its project tree — see
//! [`PolicyScope`] — and namespaces are judged tree by tree.

use super::references::kind_name;
use super::{Cx, IndexCx, Rule};
use crate::finding::Finding;
use crate::index::{Index, ObjectEntry};
use crate::model::network::{effective_types, NetworkPolicy, Peer, PolicyRule};
use crate::model::selector::LabelSelector;
use crate::model::Object;
use crate::netpol::{PolicyScope, Workload};
use serde_json::json;

pub(super) static RULES: &[&dyn Rule] = &[
    &MissingDefaultDeny { egress: false },
    &MissingDefaultDeny { egress: true },
    &PodNotSelected,
    &DanglingPolicy,
    &PeerSelectsNothing,
    &EgressWithoutDns,
    &NamespaceNameLabel,
    &NamedPortUndefined,
    &ImplicitIngressIsolation,
    &InvalidIpBlock,
];

/// Whether a per-object rule has a NetworkPolicy to look at: the same test
/// as [`NetworkPolicy::of`], without building the model.
fn is_policy(obj: &Object<'_>) -> bool {
    obj.kind == "NetworkPolicy"
        && obj.group() == "networking.k8s.io"
        && obj.doc.get_map(obj.node, "spec").is_some()
}

/// The NetworkPolicies of the index with their namespace.
fn policies(index: &Index) -> impl Iterator<Item = (&ObjectEntry, &str, &NetworkPolicy)> {
    index.objects.iter().filter_map(|o| {
        Some((
            o,
            o.reference.namespace.as_deref()?,
            o.facts.network_policy.as_deref()?,
        ))
    })
}

/// The workloads of namespace `ns` that a policy written in `file` may
/// select: those of its project tree.
fn governed<'i>(scope: &PolicyScope, index: &'i Index, ns: &str, file: &str) -> Vec<Workload<'i>> {
    scope.workloads(index, ns, scope.tree(ns, file))
}

/// Where the workloads of `ns` that a policy written in `file` may select
/// are: `in the input`, or its project tree when the input has several.
fn where_governed(scope: &PolicyScope, ns: &str, file: &str) -> String {
    if !scope.several(ns) {
        return "in the input".to_string();
    }
    match scope.tree(ns, file) {
        "" => "in `./`, this policy's project tree".to_string(),
        t => format!("in `{t}/`, this policy's project tree"),
    }
}

fn policy_name(o: &ObjectEntry) -> &str {
    o.reference.name.as_deref().unwrap_or("?")
}

struct MissingDefaultDeny {
    egress: bool,
}

impl Rule for MissingDefaultDeny {
    fn id(&self) -> &'static str {
        if self.egress {
            "missing-default-deny-egress"
        } else {
            "missing-default-deny-ingress"
        }
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = PolicyScope::of(index);
        for ns in index.workload_namespaces() {
            let trees = scope.trees(index, ns);
            let several = trees.len() > 1;
            for (tree, workloads) in &trees {
                self.check_tree(index, &scope, ns, (tree, several), workloads, cx);
            }
        }
    }
}

impl MissingDefaultDeny {
    /// One project tree of namespace `ns`: its directory, and whether the
    /// input cuts the namespace into several.
    fn check_tree(
        &self,
        index: &Index,
        scope: &PolicyScope,
        ns: &str,
        (tree, several): (&str, bool),
        workloads: &[Workload<'_>],
        cx: &mut IndexCx<'_>,
    ) {
        let covered = scope.policies(index, ns, tree).iter().any(|(_, p)| {
            if self.egress {
                p.denies_all_egress()
            } else {
                p.denies_all_ingress()
            }
        });
        if covered {
            return;
        }
        // Point at the Namespace object when the input has it (in this
        // tree, when there are several), else at the tree's first workload.
        let at = index
            .namespace(ns)
            .filter(|n| !several || scope.tree(ns, &n.file) == tree)
            .unwrap_or(workloads[0].0);
        let place = match tree {
            _ if !several => String::new(),
            "" => " in `./`".to_string(),
            t => format!(" in `{t}/`"),
        };
        let (message, help) = if self.egress {
            (
                format!(
                    "namespace `{ns}`{place} runs {} workload(s) but has no default-deny egress NetworkPolicy: a compromised pod can open connections anywhere — other namespaces, the cloud metadata endpoint, the internet — and exfiltrate data",
                    workloads.len()
                ),
                format!(
                    "Add a NetworkPolicy in `{ns}` with `podSelector: {{}}`, `policyTypes: [Egress]` and no egress rules, then allow DNS and each workload's destinations explicitly"
                ),
            )
        } else {
            (
                format!(
                    "namespace `{ns}`{place} runs {} workload(s) but has no default-deny ingress NetworkPolicy: every pod that no policy selects accepts connections from any pod in the cluster, so one compromised pod can reach them all",
                    workloads.len()
                ),
                format!(
                    "Add a NetworkPolicy in `{ns}` with `podSelector: {{}}`, `policyTypes: [Ingress]` and no ingress rules, then allow the traffic each workload needs"
                ),
            )
        };
        cx.report(
            &at.file,
            at.name_location,
            Some(&at.reference),
            message,
            help,
        );
    }
}

struct PodNotSelected;

impl Rule for PodNotSelected {
    fn id(&self) -> &'static str {
        "pod-not-selected-by-network-policy"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = PolicyScope::of(index);
        for ns in index.workload_namespaces() {
            for (tree, workloads) in scope.trees(index, ns) {
                let in_tree = scope.policies(index, ns, &tree);
                // Without any policy in the namespace (in this project
                // tree), `missing-default-deny-*` says it once for all.
                if in_tree.is_empty() {
                    continue;
                }
                for (w, labels) in workloads {
                    if in_tree
                        .iter()
                        .any(|(_, p)| p.pod_selector.matches_pairs(labels))
                    {
                        continue;
                    }
                    cx.report(
                        &w.file,
                        w.name_location,
                        Some(&w.reference),
                        format!(
                            "no NetworkPolicy in namespace `{ns}` selects the pods of {}: they are not isolated, so any pod in the cluster can connect to them although the namespace uses NetworkPolicies",
                            kind_name(w)
                        ),
                        "Add a NetworkPolicy whose podSelector matches these pods' labels (or a namespace-wide default-deny) and allow only the traffic they need",
                    );
                }
            }
        }
    }
}

struct DanglingPolicy;

impl Rule for DanglingPolicy {
    fn id(&self) -> &'static str {
        "dangling-network-policy"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = PolicyScope::of(index);
        // The workloads of each project tree, listed once for all of its
        // policies.
        let mut trees: foldhash::HashMap<(&str, &str), Vec<Workload<'_>>> = Default::default();
        for (o, ns, p) in policies(index) {
            if p.pod_selector.is_empty() {
                continue;
            }
            // Only where the input holds this namespace's pods, in the
            // policy's project tree; otherwise they are simply elsewhere.
            let tree = scope.tree(ns, &o.file);
            let workloads = trees
                .entry((ns, tree))
                .or_insert_with(|| scope.workloads(index, ns, tree));
            if workloads.is_empty() {
                continue;
            }
            // Operators (custom resources in the namespace) create pods the
            // input does not show.
            if index.has_custom_resources(ns) {
                continue;
            }
            if workloads
                .iter()
                .any(|(_, labels)| p.pod_selector.matches_pairs(labels))
            {
                continue;
            }
            cx.report(
                &o.file,
                o.name_location,
                Some(&o.reference),
                format!(
                    "NetworkPolicy `{}` selects no workload of namespace `{ns}` {}: it protects nothing, and the pods it was written for (a renamed label?) are not isolated",
                    policy_name(o),
                    where_governed(&scope, ns, &o.file)
                ),
                "Make spec.podSelector match the labels of the pod template it is meant for",
            );
        }
    }
}

/// Does some Namespace known to the input match the selector?
fn matching_namespaces<'i>(index: &'i Index, sel: &LabelSelector) -> Vec<&'i str> {
    index
        .namespaces()
        .filter(|ns| sel.matches_pairs(&index.namespace_labels(ns)))
        .collect()
}

struct PeerSelectsNothing;

impl PeerSelectsNothing {
    fn check_rules(
        obj: &Object<'_>,
        rules: Option<crate::yaml::NodeId>,
        peers_key: &str,
        cx: &mut Cx<'_>,
    ) {
        let doc = obj.doc;
        let ns = obj.namespace.unwrap_or("default");
        for r in rules.into_iter().flat_map(|s| doc.items(s)) {
            for peer in doc
                .get_seq(r, peers_key)
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let pods = doc
                    .entry(peer, "podSelector")
                    .filter(|(_, v)| !doc.is_null(*v));
                let namespaces = doc
                    .entry(peer, "namespaceSelector")
                    .filter(|(_, v)| !doc.is_null(*v));
                if pods.is_none() && namespaces.is_none() {
                    continue;
                }
                let data = json!({
                    "ns": ns,
                    "pods": pods.map(|(_, v)| doc.to_json(v)),
                    "namespaces": namespaces.map(|(_, v)| doc.to_json(v)),
                });
                let (k, v) = pods.or(namespaces).unwrap_or_default();
                let span = match (pods, namespaces) {
                    (Some((pk, pv)), Some((nk, nv))) => {
                        doc.entry_span(pk, pv).join(doc.entry_span(nk, nv))
                    }
                    _ => doc.entry_span(k, v),
                };
                cx.report_with_data(
                    span,
                    format!("this {peers_key} peer selects nothing in the input"),
                    "Check the selector's labels against the pods and Namespaces it is meant for",
                    &data.to_string(),
                );
            }
        }
    }
}

impl Rule for PeerSelectsNothing {
    fn id(&self) -> &'static str {
        "network-policy-peer-selects-nothing"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn deferred(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let doc = obj.doc;
        let Some(spec) = doc.get_map(obj.node, "spec") else {
            return;
        };
        Self::check_rules(obj, doc.get_seq(spec, "ingress"), "from", cx);
        Self::check_rules(obj, doc.get_seq(spec, "egress"), "to", cx);
    }
    fn finalize(&self, f: &mut Finding, index: &Index) -> bool {
        let Some(data) = f
            .data
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        else {
            return false;
        };
        let ns = data["ns"].as_str().unwrap_or("default");
        let namespaces: Vec<&str> = match &data["namespaces"] {
            serde_json::Value::Null => vec![ns],
            sel => {
                let sel = LabelSelector::from_json(sel);
                if sel.is_empty() {
                    return false;
                }
                let found = matching_namespaces(index, &sel);
                // Namespaces named explicitly, or any namespace when the
                // input defines none, may simply be managed elsewhere.
                let by_name_only = sel
                    .match_labels
                    .iter()
                    .all(|(k, _)| k == "kubernetes.io/metadata.name")
                    && sel
                        .match_expressions
                        .iter()
                        .all(|r| r.key == "kubernetes.io/metadata.name");
                let manages_namespaces = index.of_kind("Namespace").next().is_some();
                // A selector on the `name` label is namespace-selector-name-label's.
                let on_name_label = sel.match_labels.iter().any(|(k, _)| k == "name")
                    || sel.match_expressions.iter().any(|r| r.key == "name");
                if found.is_empty() && (by_name_only || on_name_label || !manages_namespaces) {
                    return false;
                }
                if found.is_empty() {
                    f.message = format!(
                        "namespaceSelector matches none of the Namespaces defined in the input (namespaces carry only the automatic `kubernetes.io/metadata.name` label and the labels set on them): if no namespace in the cluster carries these labels, this {} peer allows nothing",
                        if f.message.contains("from peer") { "from" } else { "to" }
                    );
                    return true;
                }
                found
            }
        };
        let pods = match &data["pods"] {
            serde_json::Value::Null => return false,
            sel => LabelSelector::from_json(sel),
        };
        if pods.is_empty() {
            return false;
        }
        let scope = PolicyScope::of(index);
        let workloads: Vec<_> = namespaces
            .iter()
            .flat_map(|ns| governed(&scope, index, ns, &f.file))
            .collect();
        if namespaces.iter().any(|ns| index.has_custom_resources(ns)) {
            return false;
        }
        // Pods of those namespaces may all live outside the input.
        if workloads.is_empty()
            || workloads
                .iter()
                .any(|(_, labels)| pods.matches_pairs(labels))
        {
            return false;
        }
        let place = namespaces
            .iter()
            .find(|ns| scope.several(ns))
            .map_or("in the input".to_string(), |ns| {
                where_governed(&scope, ns, &f.file)
            });
        f.message = format!(
            "podSelector matches no workload of namespace {} {place}: unless such pods are deployed from elsewhere, this peer allows no traffic and the connection it was meant for is blocked",
            namespaces.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        );
        true
    }
}

/// Could this egress rule reach the cluster DNS (kube-dns in kube-system)
/// on `port`/`protocol`?
fn reaches_dns(rule: &PolicyRule, own_ns: &str, index: &Index, protocol: &str) -> bool {
    if !rule.allows_port(53, protocol) {
        return false;
    }
    let Some(peers) = &rule.peers else {
        return true;
    };
    let dns_pod = [
        ("k8s-app".to_string(), "kube-dns".to_string()),
        ("kubernetes.io/name".to_string(), "CoreDNS".to_string()),
    ];
    peers.iter().any(|p| match p {
        Peer::IpBlock { cidr, .. } => cidr == "0.0.0.0/0" || cidr == "::/0",
        Peer::Pods { pods, namespaces } => {
            let ns_ok = match namespaces {
                None => own_ns == "kube-system",
                Some(sel) => sel.matches_pairs(&index.namespace_labels("kube-system")),
            };
            ns_ok && pods.as_ref().is_none_or(|s| s.matches_pairs(&dns_pod))
        }
    })
}

struct EgressWithoutDns;

impl Rule for EgressWithoutDns {
    fn id(&self) -> &'static str {
        "network-policy-egress-without-dns"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = PolicyScope::of(index);
        // The egress policies of each project tree, listed once for all
        // of its workloads.
        let mut trees: foldhash::HashMap<(&str, &str), Vec<&NetworkPolicy>> = Default::default();
        for (w, ns, labels) in index.workloads() {
            let tree = scope.tree(ns, &w.file);
            let selecting: Vec<&NetworkPolicy> = trees
                .entry((ns, tree))
                .or_insert_with(|| {
                    scope
                        .policies(index, ns, tree)
                        .into_iter()
                        .map(|(_, p)| p)
                        .filter(|p| p.egress.is_some())
                        .collect()
                })
                .iter()
                .copied()
                .filter(|p| p.pod_selector.matches_pairs(labels))
                .collect();
            let egress: Vec<&PolicyRule> = selecting
                .iter()
                .flat_map(|p| p.egress.iter().flatten())
                .collect();
            let isolated = !selecting.is_empty();
            if !isolated {
                continue;
            }
            let udp = egress.iter().any(|r| reaches_dns(r, ns, index, "UDP"));
            let tcp = egress.iter().any(|r| reaches_dns(r, ns, index, "TCP"));
            let message = match (udp, tcp) {
                (true, true) => continue,
                (false, _) => format!(
                    "the pods of {} are isolated for egress but no rule allows DNS (port 53/UDP to kube-dns in kube-system): every name lookup times out, so the application cannot reach even the services it is allowed to",
                    kind_name(w)
                ),
                (true, false) => format!(
                    "the pods of {} may send DNS over UDP but not over TCP (port 53/TCP): answers too large for UDP (many records, DNSSEC) are retried over TCP and then fail",
                    kind_name(w)
                ),
            };
            cx.report(
                &w.file,
                w.name_location,
                Some(&w.reference),
                message,
                "Add an egress rule to `namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}` with `podSelector: {matchLabels: {k8s-app: kube-dns}}` on ports 53/UDP and 53/TCP",
            );
        }
    }
}

struct NamespaceNameLabel;

impl Rule for NamespaceNameLabel {
    fn id(&self) -> &'static str {
        "namespace-selector-name-label"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn deferred(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let doc = obj.doc;
        for map in doc.maps_in(obj.node) {
            let Some(sel) = doc.get_map(map, "namespaceSelector") else {
                continue;
            };
            if let Some((k, v)) = doc
                .get_map(sel, "matchLabels")
                .and_then(|m| doc.entry(m, "name"))
            {
                let value = doc.text(v).unwrap_or_default();
                cx.report_with_data(
                    doc.entry_span(k, v),
                    format!("namespaceSelector uses the label `name: {value}`, which Kubernetes does not set on namespaces: unless someone labels the namespace by hand, this peer matches nothing and the traffic is blocked"),
                    format!("Select on the automatic label instead: `kubernetes.io/metadata.name: {value}`"),
                    value,
                );
            }
            for e in doc
                .get_seq(sel, "matchExpressions")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                if let Some((k, v)) = doc
                    .entry(e, "key")
                    .filter(|(_, v)| doc.text(*v) == Some("name"))
                {
                    cx.report_with_data(
                        doc.entry_span(k, v),
                        "namespaceSelector matches on the label `name`, which Kubernetes does not set on namespaces: unless someone labels the namespaces by hand, this expression does not select what it says",
                        "Use the automatic label `kubernetes.io/metadata.name` as the key",
                        "",
                    );
                }
            }
        }
    }
    fn finalize(&self, f: &mut Finding, index: &Index) -> bool {
        // The input labels its namespaces with `name` itself: fine.
        let value = f.data.as_deref().unwrap_or_default();
        !index.of_kind("Namespace").any(|n| {
            n.facts
                .label("name")
                .is_some_and(|v| value.is_empty() || v == value)
        })
    }
}

struct NamedPortUndefined;

impl Rule for NamedPortUndefined {
    fn id(&self) -> &'static str {
        "network-policy-named-port-undefined"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn deferred(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let doc = obj.doc;
        let Some(spec) = doc.get_map(obj.node, "spec") else {
            return;
        };
        let selector = doc
            .get_key(spec, "podSelector")
            .map(|s| doc.to_json(s))
            .unwrap_or(json!({}));
        // Ingress ports name ports of the selected pods; egress ports name
        // ports of the destinations, which are not checked here.
        for r in doc
            .get_seq(spec, "ingress")
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            for p in doc
                .get_seq(r, "ports")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let Some((k, v)) = doc.entry(p, "port") else {
                    continue;
                };
                if doc.int(v).is_some() {
                    continue;
                }
                let Some(name) = doc.text(v) else { continue };
                let protocol = doc.get_str(p, "protocol").unwrap_or("TCP");
                let data = json!({"ns": obj.namespace.unwrap_or("default"), "selector": selector, "port": name, "protocol": protocol});
                cx.report_with_data(
                    doc.entry_span(k, v),
                    format!("named port `{name}`"),
                    format!("Name the container port `{name}` in the selected pods, or use the port number"),
                    &data.to_string(),
                );
            }
        }
    }
    fn finalize(&self, f: &mut Finding, index: &Index) -> bool {
        let Some(data) = f
            .data
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        else {
            return false;
        };
        let ns = data["ns"].as_str().unwrap_or("default");
        let sel = LabelSelector::from_json(&data["selector"]);
        let port = data["port"].as_str().unwrap_or_default();
        let protocol = data["protocol"].as_str().unwrap_or("TCP");
        let scope = PolicyScope::of(index);
        let selected: Vec<&ObjectEntry> = governed(&scope, index, ns, &f.file)
            .into_iter()
            .filter(|(_, labels)| sel.matches_pairs(labels))
            .map(|(o, _)| o)
            .collect();
        if selected.is_empty() {
            return false;
        }
        let defined = selected.iter().any(|o| {
            o.facts.ports.iter().any(|(n, _, proto)| {
                n.as_deref() == Some(port) && proto.eq_ignore_ascii_case(protocol)
            })
        });
        if defined {
            return false;
        }
        f.message = format!(
            "named port `{port}` ({protocol}) is not defined by any container of the pods this policy selects ({}): the rule allows nothing and the traffic it was written for is dropped",
            selected.iter().map(|o| kind_name(o)).collect::<Vec<_>>().join(", ")
        );
        true
    }
}

struct ImplicitIngressIsolation;

impl Rule for ImplicitIngressIsolation {
    fn id(&self) -> &'static str {
        "network-policy-implicit-ingress-isolation"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(p) = NetworkPolicy::of(obj) else {
            return;
        };
        let doc = obj.doc;
        let Some((spec_key, spec)) = doc.entry(obj.node, "spec") else {
            return;
        };
        if doc.get_key(spec, "policyTypes").is_some() || doc.get_key(spec, "ingress").is_some() {
            return;
        }
        let (ingress, egress) = effective_types(doc, spec);
        if !(ingress && egress) || p.ingress.as_ref().is_none_or(|r| !r.is_empty()) {
            return;
        }
        cx.report(
            doc.span(spec_key),
            "this policy only has egress rules but no `policyTypes`, so Kubernetes also applies it to ingress — with no ingress rules: every connection to the selected pods is now dropped",
            "Add `policyTypes: [Egress]` if the policy is only about egress (or `[Ingress, Egress]` with the ingress rules you want)",
        );
    }
}

/// A parsed CIDR: address bits and prefix length, IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    v6: bool,
    addr: u128,
    prefix: u32,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = s.split_once('/')?;
        let prefix: u32 = p.parse().ok().filter(|_| !p.starts_with('+'))?;
        match a.parse::<std::net::IpAddr>().ok()? {
            std::net::IpAddr::V4(v4) if prefix <= 32 => Some(Cidr {
                v6: false,
                addr: u128::from(u32::from(v4)),
                prefix,
            }),
            std::net::IpAddr::V6(v6) if prefix <= 128 => Some(Cidr {
                v6: true,
                addr: u128::from(v6),
                prefix,
            }),
            _ => None,
        }
    }

    fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    fn network(&self) -> u128 {
        let host = self.bits() - self.prefix;
        if host >= 128 {
            0
        } else {
            (self.addr >> host) << host
        }
    }

    /// Is `other` inside this block (and not the whole block)?
    fn strictly_contains(&self, other: &Cidr) -> bool {
        self.v6 == other.v6
            && other.prefix > self.prefix
            && Cidr {
                prefix: self.prefix,
                ..*other
            }
            .network()
                == self.network()
    }
}

struct InvalidIpBlock;

impl Rule for InvalidIpBlock {
    fn id(&self) -> &'static str {
        "invalid-ip-block"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let doc = obj.doc;
        for map in doc.maps_in(obj.node) {
            let Some(block) = doc.get_map(map, "ipBlock") else {
                continue;
            };
            let Some((ck, cv)) = doc.entry(block, "cidr") else {
                let (k, _) = doc.entry(map, "ipBlock").unwrap_or_default();
                cx.report(
                    doc.span(k),
                    "ipBlock has no `cidr`: the API server rejects the policy",
                    "Add `cidr:` with the address range, e.g. `10.0.0.0/8`",
                );
                continue;
            };
            let text = doc.text(cv).unwrap_or_default();
            let Some(cidr) = Cidr::parse(text) else {
                cx.report(
                    doc.entry_span(ck, cv),
                    format!("`{text}` is not a valid CIDR: the API server rejects the policy, so none of its rules apply"),
                    "Write the range as address/prefix, e.g. `10.0.0.0/8` or `2001:db8::/32`",
                );
                continue;
            };
            if cidr.network() != cidr.addr {
                cx.report(
                    doc.entry_span(ck, cv),
                    format!("`{text}` has host bits set: it is read as the whole /{} network, which is rarely what was meant, and API servers with strict IP validation reject it", cidr.prefix),
                    "Write the network address of the range (the address with the host bits zeroed)",
                );
            }
            for e in doc
                .get_seq(block, "except")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let et = doc.text(e).unwrap_or_default();
                match Cidr::parse(et) {
                    None => cx.report(
                        doc.span(e),
                        format!("`{et}` in `except` is not a valid CIDR: the API server rejects the policy"),
                        "Write the range as address/prefix",
                    ),
                    Some(ex) if !cidr.strictly_contains(&ex) => cx.report(
                        doc.span(e),
                        format!("`{et}` is not a sub-range of `{text}`: the API server rejects the policy (except ranges must lie strictly inside the cidr)"),
                        format!("Use a range inside `{text}`, or remove it"),
                    ),
                    Some(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cidr;

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.strictly_contains(&Cidr::parse("10.1.0.0/16").unwrap()));
        assert!(!c.strictly_contains(&Cidr::parse("10.0.0.0/8").unwrap()));
        assert!(!c.strictly_contains(&Cidr::parse("11.0.0.0/16").unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().strictly_contains(&c));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0/8").is_none());
        assert!(Cidr::parse("10.0.0.0").is_none());
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.strictly_contains(&Cidr::parse("2001:db8:1::/48").unwrap()));
        assert!(!v6.strictly_contains(&c));
        let host = Cidr::parse("10.1.2.3/8").unwrap();
        assert_ne!(host.network(), host.addr);
    }
}
