//! Category `references`: objects that point at other objects — a Service
//! at pods, an Ingress at Services, an autoscaler at a workload, a
//! disruption budget or a Prometheus monitor at pods or Services, a pod at
//! its ServiceAccount, a StatefulSet at its headless Service, a workload's
//! selector at its own template — where the thing pointed at is not there.
//!
//! Manifests are often split across repositories, and operators create
//! objects the input never shows, so a reference into the void is only
//! reported where the input evidently holds what it would point at: the
//! namespace has workloads (for selectors of pods) or Services (for
//! Service names) or ServiceAccounts in the input, and no custom resources
//! whose operators could create the missing pods or Services. Each rule's
//! catalog entry states its exact condition. Findings point at the
//! referring object's `metadata.name` and name where the other objects
//! involved are written.

use super::{Cx, IndexCx, Rule};
use crate::index::{dir_of, nearest, Index, ObjectEntry};
use crate::model::links::{
    is_templated, IntOrString, Links, Monitor, MonitorNamespaces, ServiceLinks, WorkloadLinks,
};
use crate::model::selector::LabelSelector;
use crate::model::{Object, WorkloadKind};
use foldhash::{HashMap, HashSet};
use std::sync::Arc;

pub(super) static RULES: &[&dyn Rule] = &[
    &DanglingService,
    &ServicePortNotExposed { numbers: false },
    &ServicePortNotExposed { numbers: true },
    &DanglingIngressBackend,
    &DanglingHpa,
    &DanglingPdb,
    &MissingServiceAccount,
    &WorkloadSelectorMismatch,
    &DanglingServiceMonitor,
    &StatefulSetHeadlessService,
    &DanglingConfigReference,
];

pub(super) fn links(o: &ObjectEntry) -> Option<&Links> {
    o.facts.links.as_deref()
}

pub(super) fn name(o: &ObjectEntry) -> &str {
    o.reference.name.as_deref().unwrap_or("?")
}

/// `Deployment `web``.
pub(super) fn kind_name(o: &ObjectEntry) -> String {
    format!("{} `{}`", o.reference.kind, name(o))
}

fn namespace(o: &ObjectEntry) -> &str {
    o.reference.namespace.as_deref().unwrap_or("default")
}

/// `a=b, c=d`.
fn show_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a`, `b`, `c` and 2 more.
fn show_names<'a>(names: impl Iterator<Item = &'a str>, max: usize) -> String {
    let all: Vec<&str> = names.collect();
    let mut s = all
        .iter()
        .take(max)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > max {
        s.push_str(&format!(" and {} more", all.len() - max));
    }
    s
}

/// Whether `s` can be an object name (a DNS subdomain). Anything else — a
/// placeholder such as `$SA_NAME`, `<KSA_NAME>` or `PORT` — is not
/// judged: the API would reject it, or a tool substitutes it first.
fn is_object_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Lexically normalised `base/rel` (`a/b/../c` → `a/c`); leading `..`
/// components are kept.
fn join_path(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let start = if rel.starts_with('/') { "" } else { base };
    for p in start.split('/').chain(rel.split('/')) {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if base.starts_with('/') || rel.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// What the input evidently holds, so that a missing referent can be told
/// from one deployed from elsewhere.
///
/// A directory "ships" a kind in a namespace when it holds such an object
/// (`*` stands for every workload kind): a reference from that directory
/// to a missing object of that kind is credible, since the directory
/// evidently carries its own. This mirrors how manifests are kept — an
/// application's objects side by side, one chart or kustomization per
/// directory, `helm template` output as one stream — and keeps a Service
/// in one repository from being judged by the workloads of another.
///
/// Kustomizations that add labels (`commonLabels`, `labels`) make the
/// labels of the manifests they include differ from what is written: label
/// selectors are not judged in the namespaces of such manifests.
pub(super) struct Scope(Arc<ScopeData>);

/// What [`Scope`] knows, built once per index.
#[derive(Default)]
struct ScopeData {
    /// [`key`]s of (directory, namespace, [`WORKLOAD`] or `Service`).
    ships: HashSet<String>,
    relabelled_namespaces: HashSet<String>,
    operator_namespaces: HashSet<String>,
    /// Where a kustomization generates ConfigMaps or Secrets.
    generated: KustomizedPaths,
}

/// The kind standing for every workload kind in [`Scope`].
const WORKLOAD: &str = "*";

/// A lookup key made of several strings.
fn key(parts: &[&str]) -> String {
    parts.join("\0")
}

impl ScopeData {
    fn build(index: &Index) -> ScopeData {
        let relabelled = KustomizedPaths::new(index, |k| k.sets_labels);
        let mut out = ScopeData {
            generated: KustomizedPaths::new(index, |k| k.generates),
            ..ScopeData::default()
        };
        // Objects are sorted by file: a directory's objects of one
        // namespace and class make one key, and a file is looked up in the
        // kustomizations once.
        let mut last: Option<(&str, &str, &str)> = None;
        let mut last_file: Option<(&str, bool)> = None;
        for o in &index.objects {
            let Some(ns) = o.reference.namespace.as_deref() else {
                continue;
            };
            if may_create_pods(&o.reference.api_version, &o.reference.kind)
                && !out.operator_namespaces.contains(ns)
            {
                out.operator_namespaces.insert(ns.to_string());
            }
            let class = if o.facts.pod_labels.is_some() {
                WORKLOAD
            } else if o.reference.kind == "Service" {
                "Service"
            } else {
                continue;
            };
            let dir = dir_of(&o.file);
            if last != Some((dir, ns, class)) {
                last = Some((dir, ns, class));
                let k = key(&[dir, ns, class]);
                if !out.ships.contains(&k) {
                    out.ships.insert(k);
                }
            }
            if out.relabelled_namespaces.contains(ns) {
                continue;
            }
            let covered = match last_file {
                Some((f, c)) if f == &*o.file => c,
                _ => relabelled.covers(&o.file),
            };
            last_file = Some((&o.file, covered));
            if covered {
                out.relabelled_namespaces.insert(ns.to_string());
            }
        }
        out
    }
}

impl Scope {
    pub(super) fn new(index: &Index) -> Scope {
        Scope(index.memo(ScopeData::build))
    }

    /// Is the file included by a kustomization that generates ConfigMaps
    /// or Secrets (under hash-suffixed names the manifests do not show)?
    pub(super) fn generated(&self, file: &str) -> bool {
        self.0.generated.covers(file)
    }

    /// Does `ns` hold custom resources that an operator may turn into pods
    /// or Services the input does not show?
    pub(super) fn has_operators(&self, ns: &str) -> bool {
        self.0.operator_namespaces.contains(ns)
    }

    /// Does the directory of `o` hold objects of `kind` ([`WORKLOAD`] or
    /// `Service`) in `ns`?
    pub(super) fn ships(&self, o: &ObjectEntry, ns: &str, kind: &str) -> bool {
        self.0.ships.contains(&key(&[dir_of(&o.file), ns, kind]))
    }

    /// Can label selectors of `ns` be judged: no custom resources (whose
    /// operators create pods and Services the input does not show) and no
    /// kustomize label transforms?
    pub(super) fn labels_final(&self, ns: &str) -> bool {
        !self.has_operators(ns) && !self.0.relabelled_namespaces.contains(ns)
    }

    /// Whether a selector of pods written in `o` and selecting nothing in
    /// `ns` is credibly dangling: `o`'s directory ships workloads of `ns`,
    /// and the namespace's labels are final.
    pub(super) fn pods_are_here(&self, o: &ObjectEntry, ns: &str) -> bool {
        self.ships(o, ns, WORKLOAD) && self.labels_final(ns)
    }
}

/// Whether an object is a custom resource that an operator may turn into
/// pods or Services (a `Prometheus`, a `CephCluster`, an Argo `Rollout`).
/// Custom resources known to be configuration only — monitoring scrape
/// configurations, certificates, service-mesh routing, external secrets —
/// are not.
fn may_create_pods(api_version: &str, kind: &str) -> bool {
    let group = crate::model::group_of(api_version);
    if !group.contains('.') || group.ends_with(".k8s.io") || group.ends_with(".kubernetes.io") {
        return false;
    }
    let configuration_only = match group {
        "monitoring.coreos.com" => matches!(
            kind,
            "ServiceMonitor"
                | "PodMonitor"
                | "Probe"
                | "PrometheusRule"
                | "ScrapeConfig"
                | "AlertmanagerConfig"
        ),
        "keda.sh" => matches!(
            kind,
            "ScaledObject" | "TriggerAuthentication" | "ClusterTriggerAuthentication"
        ),
        "cert-manager.io"
        | "acme.cert-manager.io"
        | "networking.istio.io"
        | "security.istio.io"
        | "telemetry.istio.io"
        | "external-secrets.io"
        | "bitnami.com"
        | "traefik.io"
        | "traefik.containo.us" => true,
        _ => false,
    };
    !configuration_only
}

/// Files and directories whose manifests a kustomization of some kind
/// (one that adds labels, one that generates ConfigMaps) includes,
/// directly or through other kustomizations.
#[derive(Default)]
struct KustomizedPaths(HashSet<String>);

impl KustomizedPaths {
    fn new(index: &Index, pred: impl Fn(&crate::model::links::Kustomization) -> bool) -> Self {
        let kustomizations: Vec<(String, &crate::model::links::Kustomization)> =
            ["Kustomization", "Component"]
                .iter()
                .flat_map(|k| index.of_kind(k))
                .filter_map(|o| match links(o)? {
                    Links::Kustomization(k) => Some((join_path(dir_of(&o.file), ""), k)),
                    _ => None,
                })
                .collect();
        // By directory, in input order (a large input holds hundreds).
        let mut by_dir: HashMap<&str, Vec<&crate::model::links::Kustomization>> =
            HashMap::default();
        for (d, k) in &kustomizations {
            by_dir.entry(d.as_str()).or_default().push(k);
        }
        let mut out: HashSet<String> = HashSet::default();
        let mut queue: Vec<&str> = kustomizations
            .iter()
            .filter(|(_, k)| pred(k))
            .map(|(d, _)| d.as_str())
            .collect();
        while let Some(dir) = queue.pop() {
            if !out.insert(dir.to_string()) {
                continue;
            }
            for k in by_dir.get(dir).into_iter().flatten() {
                for inc in &k.includes {
                    if inc.contains("://") || inc.starts_with("github.com/") {
                        continue;
                    }
                    let path = join_path(dir, inc);
                    if [".yaml", ".yml", ".json"].iter().any(|x| inc.ends_with(x)) {
                        out.insert(path);
                    } else if let Some((&d, _)) = by_dir.get_key_value(path.as_str()) {
                        queue.push(d);
                    } else {
                        out.insert(path);
                    }
                }
            }
        }
        KustomizedPaths(out)
    }

    /// Is the file, or a directory above it, included?
    fn covers(&self, file: &str) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let file = join_path("", file);
        self.0.contains(&file)
            || std::iter::successors(Some(dir_of(&file)), |d| (!d.is_empty()).then(|| dir_of(d)))
                .any(|d| self.0.contains(d))
    }
}

/// Labels that controllers put on the pods they create, beyond the
/// template's: a selector may name them (a Service for one StatefulSet
/// pod selects `statefulset.kubernetes.io/pod-name`).
fn is_automatic(key: &str) -> bool {
    matches!(
        key,
        "statefulset.kubernetes.io/pod-name"
            | "apps.kubernetes.io/pod-index"
            | "controller-revision-hash"
            | "pod-template-hash"
            | "pod-template-generation"
            | "job-name"
            | "controller-uid"
            | "batch.kubernetes.io/job-name"
            | "batch.kubernetes.io/controller-uid"
            | "batch.kubernetes.io/job-completion-index"
    )
}

/// Workloads findable by pod label, so that a selector is matched against
/// the few workloads carrying one of its labels rather than against every
/// workload of its namespace.
pub(super) struct Pods<'i> {
    index: &'i Index,
    data: Arc<PodLabels>,
}

/// Workload positions in the index by [`key`] of (namespace, label, value).
struct PodLabels {
    by_label: HashMap<String, Vec<u32>>,
    namespaces: Vec<String>,
}

impl PodLabels {
    fn build(index: &Index) -> PodLabels {
        let mut by_label: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, o) in index.objects.iter().enumerate() {
            let (Some(ns), Some(labels)) = (&o.reference.namespace, &o.facts.pod_labels) else {
                continue;
            };
            for (k, v) in labels {
                let k = key(&[ns, k, v]);
                match by_label.get_mut(&k) {
                    Some(list) => list.push(i as u32),
                    None => {
                        by_label.insert(k, vec![i as u32]);
                    }
                }
            }
        }
        PodLabels {
            by_label,
            namespaces: index.workload_namespaces().map(str::to_string).collect(),
        }
    }
}

impl<'i> Pods<'i> {
    pub(super) fn new(index: &'i Index) -> Pods<'i> {
        Pods {
            index,
            data: index.memo(PodLabels::build),
        }
    }

    fn with_label(&self, ns: &str, k: &str, v: &str) -> Vec<&'i ObjectEntry> {
        self.data
            .by_label
            .get(&key(&[ns, k, v]))
            .into_iter()
            .flatten()
            .map(|&i| &self.index.objects[i as usize])
            .collect()
    }

    /// The workloads of `ns` whose pod labels the selector matches, in
    /// index order. Requirements on labels that controllers add to the
    /// pods they create (not in the template) are taken as met.
    pub(super) fn select(&self, ns: &str, sel: &LabelSelector) -> Vec<&'i ObjectEntry> {
        let stripped;
        let sel = if sel.match_labels.iter().any(|(k, _)| is_automatic(k))
            || sel.match_expressions.iter().any(|r| is_automatic(&r.key))
        {
            stripped = LabelSelector {
                match_labels: sel
                    .match_labels
                    .iter()
                    .filter(|(k, _)| !is_automatic(k))
                    .cloned()
                    .collect(),
                match_expressions: sel
                    .match_expressions
                    .iter()
                    .filter(|r| !is_automatic(&r.key))
                    .cloned()
                    .collect(),
            };
            &stripped
        } else {
            sel
        };
        let matches = |o: &&ObjectEntry| {
            o.facts
                .pod_labels
                .as_deref()
                .is_some_and(|l| sel.matches_pairs(l))
        };
        // The narrowest candidate list: one matchLabels pair, or the
        // values of one `In` expression.
        let from_labels = sel
            .match_labels
            .iter()
            .map(|(k, v)| self.with_label(ns, k, v))
            .min_by_key(Vec::len);
        let from_in = || {
            sel.match_expressions
                .iter()
                .filter(|r| r.operator == crate::model::selector::Operator::In)
                .map(|r| {
                    let mut c: Vec<&ObjectEntry> = r
                        .values
                        .iter()
                        .flat_map(|v| self.with_label(ns, &r.key, v))
                        .collect();
                    c.sort_by_key(|o| *o as *const ObjectEntry);
                    c.dedup_by_key(|o| *o as *const ObjectEntry);
                    c
                })
                .min_by_key(Vec::len)
        };
        let mut out: Vec<&ObjectEntry> = match from_labels.or_else(from_in) {
            Some(candidates) => candidates.into_iter().filter(matches).collect(),
            None => self
                .index
                .workloads_in(ns)
                .map(|(o, _)| o)
                .filter(matches)
                .collect(),
        };
        out.sort_by_key(|o| (&o.file, o.name_location));
        out
    }

    /// A workload of another namespace that the selector would match: a
    /// hint that the selector is right and the namespace is not.
    fn in_other_namespace(&self, ns: &str, sel: &LabelSelector) -> Option<&'i ObjectEntry> {
        if sel.match_labels.is_empty() {
            return None;
        }
        self.data
            .namespaces
            .iter()
            .filter(|n| *n != ns)
            .find_map(|n| self.select(n, sel).into_iter().next())
    }

    /// The workload of `ns` carrying most of the selector's pairs (at least
    /// one), with the pairs it lacks: a hint for a near miss.
    fn closest(
        &self,
        ns: &str,
        pairs: &[(String, String)],
    ) -> Option<(&'i ObjectEntry, Vec<(String, String)>)> {
        let mut count: HashMap<*const ObjectEntry, (usize, &'i ObjectEntry)> = HashMap::default();
        for (k, v) in pairs.iter().filter(|(k, _)| !is_automatic(k)) {
            for o in self.with_label(ns, k, v) {
                count.entry(o as *const _).or_insert((0, o)).0 += 1;
            }
        }
        let (_, best) = count
            .into_values()
            .max_by_key(|(n, o)| (*n, std::cmp::Reverse((&o.file, o.name_location))))?;
        let labels = best.facts.pod_labels.as_deref().unwrap_or_default();
        let missing = pairs
            .iter()
            .filter(|(k, v)| !is_automatic(k) && !labels.iter().any(|(lk, lv)| lk == k && lv == v))
            .cloned()
            .collect();
        Some((best, missing))
    }
}

/// Which workload a selector that matches nothing was meant for, as
/// evidence that it is a mistake rather than a reference to pods deployed
/// from elsewhere.
pub(super) enum MeantFor<'i> {
    /// A workload of another namespace has the labels.
    OtherNamespace(&'i ObjectEntry),
    /// A workload of the namespace has some of the labels; these it lacks.
    Closest(&'i ObjectEntry, Vec<(String, String)>),
    /// A workload near the referring object has its name (`web` for a
    /// Service `web` or `web-internal`); whether exactly.
    Named(&'i ObjectEntry, bool),
}

impl MeantFor<'_> {
    /// The evidence as a clause of a message.
    pub(super) fn describe(&self) -> String {
        match self {
            MeantFor::OtherNamespace(w) => format!(
                "{} of namespace `{}` has them, but only pods of the same namespace are selected",
                kind_name(w),
                namespace(w)
            ),
            MeantFor::Closest(w, missing) => {
                format!(
                    "the closest, {}, lacks {}",
                    kind_name(w),
                    show_pairs(missing)
                )
            }
            MeantFor::Named(w, exact) => format!(
                "{} of {} name does not have them",
                kind_name(w),
                if *exact { "the same" } else { "a related" }
            ),
        }
    }

    pub(super) fn workload(&self) -> &ObjectEntry {
        match self {
            MeantFor::OtherNamespace(w) | MeantFor::Closest(w, _) | MeantFor::Named(w, _) => w,
        }
    }
}

/// Whether two object names are related: equal, or one is the other with
/// a `-suffix` (`web`, `web-internal`; `checkout-svc`, `checkout`).
fn related_names(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long == short || (long.starts_with(short) && long[short.len()..].starts_with('-'))
}

impl<'i> Pods<'i> {
    /// The evidence that a selector written in `o`, matching nothing in
    /// `ns`, was meant for a workload of the input (see [`MeantFor`]).
    pub(super) fn meant_for(
        &self,
        o: &ObjectEntry,
        ns: &str,
        sel: &LabelSelector,
    ) -> Option<MeantFor<'i>> {
        if let Some(w) = self.in_other_namespace(ns, sel) {
            return Some(MeantFor::OtherNamespace(w));
        }
        if sel.match_expressions.is_empty() {
            if let Some((w, missing)) = self.closest(ns, &sel.match_labels) {
                return Some(MeantFor::Closest(w, missing));
            }
        }
        let named = self
            .index
            .workloads_in(ns)
            .map(|(w, _)| w)
            .filter(|w| related_names(name(w), name(o)));
        nearest(&o.file, named)
            .first()
            .map(|w| MeantFor::Named(w, name(w) == name(o)))
    }
}

/// Core Services of the input, in index order.
pub(super) struct Services<'i> {
    index: &'i Index,
    data: Arc<ServiceTable>,
}

/// Service positions in the index: all, by [`key`] of (namespace, name),
/// by namespace.
struct ServiceTable {
    list: Vec<u32>,
    by_name: HashMap<String, Vec<u32>>,
    by_namespace: HashMap<String, Vec<u32>>,
}

impl ServiceTable {
    fn build(index: &Index) -> ServiceTable {
        let mut t = ServiceTable {
            list: Vec::new(),
            by_name: HashMap::default(),
            by_namespace: HashMap::default(),
        };
        for (i, o) in index.objects.iter().enumerate() {
            if o.reference.kind != "Service" || !matches!(links(o), Some(Links::Service(_))) {
                continue;
            }
            let ns = namespace(o);
            t.by_name
                .entry(key(&[ns, name(o)]))
                .or_default()
                .push(i as u32);
            t.by_namespace
                .entry(ns.to_string())
                .or_default()
                .push(i as u32);
            t.list.push(i as u32);
        }
        t
    }
}

impl<'i> Services<'i> {
    pub(super) fn new(index: &'i Index) -> Services<'i> {
        Services {
            index,
            data: index.memo(ServiceTable::build),
        }
    }

    /// The Services at these index positions.
    fn at<'a>(
        &'a self,
        positions: impl IntoIterator<Item = &'a u32> + 'a,
    ) -> impl Iterator<Item = (&'i ObjectEntry, &'i ServiceLinks)> + 'a {
        let objects = &self.index.objects;
        positions.into_iter().filter_map(move |&i| {
            let o = &objects[i as usize];
            match links(o)? {
                Links::Service(s) => Some((o, s)),
                _ => None,
            }
        })
    }

    /// The definitions of Service `name` in `ns` that a reference written
    /// in `from` resolves to (see [`nearest`]); `None` when the input
    /// defines no such Service anywhere, an empty list when it defines
    /// one only far away.
    fn resolve(
        &self,
        from: &ObjectEntry,
        ns: &str,
        name: &str,
    ) -> Option<Vec<(&'i ObjectEntry, &'i ServiceLinks)>> {
        let all: Vec<_> = self.at(self.data.by_name.get(&key(&[ns, name]))?).collect();
        let near = nearest(&from.file, all.iter().map(|(o, _)| *o));
        Some(
            all.into_iter()
                .filter(|(o, _)| near.iter().any(|n| std::ptr::eq(*n, *o)))
                .collect(),
        )
    }

    fn in_namespace(&self, ns: &str) -> Vec<(&'i ObjectEntry, &'i ServiceLinks)> {
        self.at(self.data.by_namespace.get(ns).into_iter().flatten())
            .collect()
    }

    fn all(&self) -> impl Iterator<Item = (&'i ObjectEntry, &'i ServiceLinks)> + '_ {
        self.at(&self.data.list)
    }
}

/// A Service's selector as a [`LabelSelector`].
fn service_selector(s: &ServiceLinks) -> Option<LabelSelector> {
    if s.service_type == "ExternalName" {
        return None;
    }
    Some(LabelSelector {
        match_labels: s.selector.clone()?,
        match_expressions: Vec::new(),
    })
}

struct DanglingService;

impl Rule for DanglingService {
    fn id(&self) -> &'static str {
        "dangling-service"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let pods = Pods::new(index);
        for (o, s) in Services::new(index).all() {
            let Some(sel) = service_selector(s) else {
                continue;
            };
            let ns = namespace(o);
            if !scope.pods_are_here(o, ns) || !pods.select(ns, &sel).is_empty() {
                continue;
            }
            // Only a selector evidently meant for a workload of the input:
            // a Service for pods installed otherwise (another chart, an
            // operator) also selects nothing here.
            let Some(meant) = pods.meant_for(o, ns, &sel) else {
                continue;
            };
            cx.report_related(
                o,
                format!(
                    "Service `{}` selects pods labelled {}, but no workload of namespace `{ns}` in the input has these pod labels: the Service has no endpoints, so every connection to it is refused; {}",
                    name(o),
                    show_pairs(&sel.match_labels),
                    meant.describe()
                ),
                "Make spec.selector match the pod template labels of the workload that serves this Service, in the Service's namespace (a Service whose endpoints are managed by hand has no selector)",
                &[meant.workload()],
            );
        }
    }
}

/// IANA service-name syntax, which the API requires of port names.
fn is_port_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 15
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(|c| c.is_ascii_lowercase())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

/// `service-port-not-exposed` (named target ports) and the opt-in
/// `service-target-port-undeclared` (numbered target ports no container
/// declares).
struct ServicePortNotExposed {
    numbers: bool,
}

impl ServicePortNotExposed {
    fn check_port(
        &self,
        o: &ObjectEntry,
        p: &crate::model::links::ServicePort,
        selected: &[&ObjectEntry],
        cx: &mut IndexCx<'_>,
    ) {
        let selected_names = show_names(selected.iter().map(|w| name(w)), 3);
        match p.effective_target() {
            // A name the API rejects is `invalid-port`'s finding.
            Some(IntOrString::Str(target)) if !self.numbers && is_port_name(&target) => {
                let named = |w: &&&ObjectEntry, protocol: Option<&str>| {
                    w.facts.ports.iter().any(|(n, _, proto)| {
                        n.as_deref() == Some(target.as_str())
                            && protocol.is_none_or(|p| proto.eq_ignore_ascii_case(p))
                    })
                };
                if selected.iter().any(|w| named(&w, Some(&p.protocol))) {
                    return;
                }
                let why = if selected.iter().any(|w| named(&w, None)) {
                    format!(" for protocol {}", p.protocol)
                } else {
                    String::new()
                };
                cx.report_related(
                    o,
                    format!(
                        "port {} of Service `{}` targets the named port `{target}`, which no container of the pods it selects ({selected_names}) defines{why}: those pods get no endpoint for this port and connections to it fail",
                        p.describe(),
                        name(o)
                    ),
                    format!("Name the container port `{target}` (with protocol {}) in the pod template, or set targetPort to the container's port number", p.protocol),
                    selected,
                );
            }
            Some(IntOrString::Int(n)) if self.numbers => {
                // Declared container ports are informational: a number is
                // only suspicious when every selected workload declares
                // its ports and none declares it.
                let declares = |w: &&ObjectEntry| !w.facts.ports.is_empty();
                if !selected.iter().all(declares)
                    || selected
                        .iter()
                        .any(|w| w.facts.ports.iter().any(|(_, c, _)| i64::from(*c) == n))
                {
                    return;
                }
                let mut declared: Vec<u32> = selected
                    .iter()
                    .flat_map(|w| w.facts.ports.iter().map(|(_, c, _)| *c))
                    .collect();
                declared.sort_unstable();
                declared.dedup();
                let declared = declared
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let target = if p.target_written {
                    format!("targetPort {n}")
                } else {
                    format!("port {n} (no targetPort, so the same number on the pods)")
                };
                cx.report_related(
                    o,
                    format!(
                        "port {} of Service `{}` sends traffic to {target}, but the containers of the pods it selects ({selected_names}) declare only {declared}: unless the application also listens on {n} without declaring it, connections through this port are refused",
                        p.describe(),
                        name(o)
                    ),
                    "Set targetPort to the port the container listens on (better: name the container port and target it by name), or declare the port in the container",
                    selected,
                );
            }
            _ => {}
        }
    }
}

impl Rule for ServicePortNotExposed {
    fn id(&self) -> &'static str {
        if self.numbers {
            "service-target-port-undeclared"
        } else {
            "service-port-not-exposed"
        }
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let pods = Pods::new(index);
        for (o, s) in Services::new(index).all() {
            let Some(sel) = service_selector(s) else {
                continue;
            };
            let ns = namespace(o);
            // Only where the input holds the pods: selected workloads from
            // another application of the input say nothing.
            if !scope.pods_are_here(o, ns) {
                continue;
            }
            // The workloads shipped with it, not another application's
            // that happen to carry the same labels.
            let selected = nearest(&o.file, pods.select(ns, &sel).into_iter());
            if selected.is_empty() {
                continue;
            }
            for p in &s.ports {
                self.check_port(o, p, &selected, cx);
            }
        }
    }
}

struct DanglingIngressBackend;

impl Rule for DanglingIngressBackend {
    fn id(&self) -> &'static str {
        "dangling-ingress-backend"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let services = Services::new(index);
        for o in index.of_kind("Ingress") {
            let Some(Links::Ingress(backends)) = links(o) else {
                continue;
            };
            let ns = namespace(o);
            // Missing Services, each with the places that route to it.
            let mut missing: Vec<(&str, Vec<&str>)> = Vec::new();
            // (Service, port, places)
            let mut bad_port: Vec<(&ObjectEntry, &ServiceLinks, &IntOrString, Vec<&str>)> =
                Vec::new();
            for b in backends.iter().filter(|b| is_object_name(&b.service)) {
                let Some(found) = services.resolve(o, ns, &b.service) else {
                    // Only where this directory ships the namespace's
                    // Services, and no operator could create this one.
                    if !scope.ships(o, ns, "Service") || scope.has_operators(ns) {
                        continue;
                    }
                    match missing.iter_mut().find(|(s, _)| *s == b.service) {
                        Some((_, places)) => places.push(&b.place),
                        None => missing.push((&b.service, vec![&b.place])),
                    }
                    continue;
                };
                // Defined only far away: another application's Service.
                let (Some(port), false) = (&b.port, found.is_empty()) else {
                    continue;
                };
                let has_port = |s: &ServiceLinks| {
                    s.service_type == "ExternalName"
                        || s.ports.iter().any(|p| match port {
                            IntOrString::Int(n) => p.port == Some(*n),
                            IntOrString::Str(n) => p.name.as_deref() == Some(n.as_str()),
                        })
                };
                if found.iter().any(|(_, s)| has_port(s)) {
                    continue;
                }
                let (so, s) = found[0];
                match bad_port
                    .iter_mut()
                    .find(|(x, _, q, _)| std::ptr::eq(*x, so) && *q == port)
                {
                    Some((_, _, _, places)) => places.push(&b.place),
                    None => bad_port.push((so, s, port, vec![&b.place])),
                }
            }
            for (service, places) in missing {
                let here = services.in_namespace(ns);
                cx.report_related(
                    o,
                    format!(
                        "Ingress `{}` routes {} to Service `{service}`, which namespace `{ns}` does not define in the input (it defines {}): the ingress controller answers these requests with 503",
                        name(o),
                        places.join(", "),
                        show_names(here.iter().map(|(s, _)| name(s)), 4)
                    ),
                    format!("Define Service `{service}` in namespace `{ns}`, or point the backend at an existing Service (an Ingress can only reach Services of its own namespace)"),
                    &[],
                );
            }
            for (so, s, port, places) in bad_port {
                let ports = s
                    .ports
                    .iter()
                    .map(|p| p.describe())
                    .collect::<Vec<_>>()
                    .join(", ");
                let how = match port {
                    IntOrString::Int(_) => "port number",
                    IntOrString::Str(_) => "port name",
                };
                cx.report_related(
                    o,
                    format!(
                        "Ingress `{}` routes {} to {how} `{port}` of Service `{}`, which has no such port (it has {}): the ingress controller answers these requests with 503",
                        name(o),
                        places.join(", "),
                        name(so),
                        if ports.is_empty() { "none".to_string() } else { ports }
                    ),
                    "Use the Service's `port` number (not the container's targetPort) or its port name",
                    &[so],
                );
            }
        }
    }
}

struct DanglingHpa;

impl Rule for DanglingHpa {
    fn id(&self) -> &'static str {
        "dangling-hpa"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let hpas: Vec<(&ObjectEntry, &crate::model::links::Autoscaler)> = index
            .of_kind("HorizontalPodAutoscaler")
            .filter_map(|o| match links(o)? {
                Links::Autoscaler(a) if is_object_name(&a.target_name) => Some((o, a)),
                _ => None,
            })
            .collect();
        if hpas.is_empty() {
            return;
        }
        // Objects of the target kinds: by (namespace, kind, name), and by
        // (directory, namespace, kind) for the evidence and the hint.
        let kinds: HashSet<&str> = hpas.iter().map(|(_, a)| a.target_kind.as_str()).collect();
        let mut defined: HashSet<(&str, &str, &str)> = HashSet::default();
        let mut nearby: HashMap<(&str, &str, &str), Vec<&ObjectEntry>> = HashMap::default();
        for kind in kinds {
            for t in index.of_kind(kind) {
                let ns = namespace(t);
                defined.insert((ns, kind, name(t)));
                nearby
                    .entry((dir_of(&t.file), ns, kind))
                    .or_default()
                    .push(t);
            }
        }
        // Workloads by name, for a target of the wrong kind.
        let workloads: HashMap<(&str, &str), &ObjectEntry> = index
            .workloads()
            .map(|(w, ns, _)| ((ns, name(w)), w))
            .collect();
        for (o, a) in hpas {
            let ns = namespace(o);
            let kind = a.target_kind.as_str();
            if defined.contains(&(ns, kind, a.target_name.as_str())) {
                continue;
            }
            // Only where this directory holds the namespace's objects of
            // that kind: otherwise the target is deployed from elsewhere.
            let Some(here) = nearby.get(&(dir_of(&o.file), ns, kind)) else {
                continue;
            };
            let (hint, related) = match workloads.get(&(ns, a.target_name.as_str())) {
                Some(w) => (
                    format!(
                        "; a {} of that name exists — the wrong kind in scaleTargetRef?",
                        w.reference.kind
                    ),
                    *w,
                ),
                None => (String::new(), here[0]),
            };
            cx.report_related(
                o,
                format!(
                    "HorizontalPodAutoscaler `{}` scales {kind} `{}`, which namespace `{ns}` does not define in the input (next to it: {}): the autoscaler fails with FailedGetScale and the workload it was meant for is not scaled{hint}",
                    name(o),
                    a.target_name,
                    show_names(here.iter().map(|t| name(t)), 4)
                ),
                "Make spec.scaleTargetRef name the workload to scale (kind, name and apiVersion, in the autoscaler's namespace)",
                &[related],
            );
        }
    }
}

struct DanglingPdb;

impl Rule for DanglingPdb {
    fn id(&self) -> &'static str {
        "dangling-pdb"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let pods = Pods::new(index);
        for o in index.of_kind("PodDisruptionBudget") {
            let Some(Links::DisruptionBudget(b)) = links(o) else {
                continue;
            };
            let ns = namespace(o);
            match &b.selector {
                None if !b.selector_unknown => cx.report_related(
                    o,
                    format!(
                        "PodDisruptionBudget `{}` has no selector, so it selects no pod: it protects nothing against evictions",
                        name(o)
                    ),
                    "Add spec.selector with the pod template labels of the workload to protect",
                    &[],
                ),
                Some(sel) if !sel.is_empty() && scope.pods_are_here(o, ns) => {
                    if !pods.select(ns, sel).is_empty() {
                        continue;
                    }
                    let Some(meant) = pods.meant_for(o, ns, sel) else {
                        continue;
                    };
                    cx.report_related(
                        o,
                        format!(
                            "PodDisruptionBudget `{}` selects no workload of namespace `{ns}` in the input: it protects nothing, and the pods it was written for can all be evicted at once during a node drain; {}",
                            name(o),
                            meant.describe()
                        ),
                        "Make spec.selector match the pod template labels of the workload to protect",
                        &[meant.workload()],
                    );
                }
                _ => {}
            }
        }
    }
}

struct MissingServiceAccount;

impl Rule for MissingServiceAccount {
    fn id(&self) -> &'static str {
        "missing-service-account"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let mut defined: HashSet<(&str, &str)> = HashSet::default();
        let mut nearby: HashMap<(&str, &str), Vec<&ObjectEntry>> = HashMap::default();
        let mut namespaces_of: HashMap<&str, Vec<&str>> = HashMap::default();
        for o in index.of_kind("ServiceAccount") {
            if !crate::model::group_of(&o.reference.api_version).is_empty() {
                continue;
            }
            let ns = namespace(o);
            defined.insert((ns, name(o)));
            nearby.entry((dir_of(&o.file), ns)).or_default().push(o);
            namespaces_of.entry(name(o)).or_default().push(ns);
        }
        let uses: Vec<(&ObjectEntry, &str, &str)> = index
            .workloads()
            .filter_map(|(w, ns, _)| match links(w)? {
                Links::Workload(WorkloadLinks {
                    service_account: Some(sa),
                    ..
                }) if sa != "default" && is_object_name(sa) => Some((w, ns, sa.as_str())),
                _ => None,
            })
            .collect();
        // Directories (and namespaces) that evidently carry their own
        // ServiceAccounts: one of their workloads uses one they define.
        let defined_near: HashSet<(&str, &str, &str)> = nearby
            .iter()
            .flat_map(|((dir, ns), list)| list.iter().map(|o| (*dir, *ns, name(o))))
            .collect();
        let carries: HashSet<(&str, &str)> = uses
            .iter()
            .filter(|(w, ns, sa)| defined_near.contains(&(dir_of(&w.file), *ns, *sa)))
            .map(|(w, ns, _)| (dir_of(&w.file), *ns))
            .collect();
        for (w, ns, sa) in uses {
            if defined.contains(&(ns, sa)) || !carries.contains(&(dir_of(&w.file), ns)) {
                continue;
            }
            let Some(here) = nearby.get(&(dir_of(&w.file), ns)) else {
                continue;
            };
            let elsewhere = namespaces_of
                .get(sa)
                .map(|nss| {
                    format!(
                        "; a ServiceAccount `{sa}` is defined in namespace {} (a missing or different `metadata.namespace`?)",
                        show_names(nss.iter().copied(), 3)
                    )
                })
                .unwrap_or_default();
            cx.report_related(
                w,
                format!(
                    "{} runs as ServiceAccount `{sa}`, which is not defined in namespace `{ns}` anywhere in the input, while the manifests beside it define that namespace's other ServiceAccounts ({}): the ServiceAccount admission plugin rejects every pod (\"serviceaccount not found\"), so no replica starts{elsewhere}",
                    kind_name(w),
                    show_names(here.iter().map(|o| name(o)), 3)
                ),
                format!("Add a ServiceAccount `{sa}` in namespace `{ns}` to the manifests, or fix serviceAccountName"),
                &here[..1],
            );
        }
    }
}

struct WorkloadSelectorMismatch;

impl Rule for WorkloadSelectorMismatch {
    fn id(&self) -> &'static str {
        "workload-selector-mismatch"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(kind) = obj.workload_kind() else {
            return;
        };
        let doc = obj.doc;
        let Some((sk, sv)) = doc
            .path(obj.node, &["spec"])
            .and_then(|spec| doc.entry(spec, "selector"))
        else {
            return;
        };
        let selector = match kind {
            WorkloadKind::Deployment
            | WorkloadKind::StatefulSet
            | WorkloadKind::DaemonSet
            | WorkloadKind::ReplicaSet => {
                if doc.is_null(sv) {
                    return;
                }
                LabelSelector::from_node(doc, sv)
            }
            // A plain label map; empty means "the template's labels".
            WorkloadKind::ReplicationController => {
                if !doc.is_map(sv) || doc.entries(sv).len() == 0 {
                    return;
                }
                doc.entries(sv)
                    .map(|(k, v)| Some((doc.text(k)?.to_string(), doc.text(v)?.to_string())))
                    .collect::<Option<Vec<_>>>()
                    .map(|match_labels| LabelSelector {
                        match_labels,
                        match_expressions: Vec::new(),
                    })
            }
            // Generated by the Job controller unless manualSelector is set.
            WorkloadKind::Job => {
                let manual = doc
                    .path(obj.node, &["spec", "manualSelector"])
                    .and_then(|v| doc.bool(v));
                if manual != Some(true) || doc.is_null(sv) {
                    return;
                }
                LabelSelector::from_node(doc, sv)
            }
            _ => return,
        };
        let Some(selector) = selector else { return };
        let templated = selector
            .match_labels
            .iter()
            .any(|(k, v)| is_templated(k) || is_templated(v))
            || selector
                .match_expressions
                .iter()
                .any(|r| is_templated(&r.key) || r.values.iter().any(|v| is_templated(v)));
        if templated {
            return;
        }
        let Some(spec) = obj.pod_spec() else { return };
        let labels_node = spec.metadata.and_then(|m| doc.entry(m, "labels"));
        let labels: Vec<(String, String)> = labels_node
            .filter(|(_, v)| doc.is_map(*v))
            .map(|(_, v)| {
                doc.entries(v)
                    .filter_map(|(k, v)| Some((doc.text(k)?.to_string(), doc.text(v)?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        if labels
            .iter()
            .any(|(k, v)| is_templated(k) || is_templated(v))
        {
            return;
        }
        let what = super::resources::workload(obj);
        let related = match labels_node {
            Some((k, v)) => vec![(doc.entry_span(k, v), "the template's labels".to_string())],
            None => Vec::new(),
        };
        if selector.is_empty() {
            if kind == WorkloadKind::ReplicationController {
                return;
            }
            cx.report_related(
                doc.entry_span(sk, sv),
                format!("the selector of {what} is empty: the API server rejects it (an empty selector would adopt every pod of the namespace)"),
                "Select the pod template's identifying labels, e.g. `matchLabels: {app: web}`",
                related,
            );
            return;
        }
        if selector.matches_pairs(&labels) {
            return;
        }
        let shown = if labels.is_empty() {
            "none".to_string()
        } else {
            show_pairs(&labels)
        };
        let wanted = {
            let mut parts: Vec<String> = selector
                .match_labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            parts.extend(selector.match_expressions.iter().map(|r| r.to_string()));
            parts.join(", ")
        };
        cx.report_related(
            doc.entry_span(sk, sv),
            format!(
                "the selector of {what} ({wanted}) does not match its pod template's labels ({shown}): the API server rejects it (`selector` does not match template `labels`)"
            ),
            "Give spec.template.metadata.labels every label the selector requires, or fix the selector (the selector of an existing Deployment, StatefulSet or DaemonSet is immutable: changing it means recreating the object)",
            related,
        );
    }
}

struct DanglingServiceMonitor;

impl DanglingServiceMonitor {
    fn target_namespaces<'i>(o: &'i ObjectEntry, m: &'i Monitor, index: &'i Index) -> Vec<&'i str> {
        match &m.namespaces {
            MonitorNamespaces::Own => vec![namespace(o)],
            MonitorNamespaces::Names(n) => n.iter().map(String::as_str).collect(),
            MonitorNamespaces::Any => index.namespaces().collect(),
        }
    }
}

impl Rule for DanglingServiceMonitor {
    fn id(&self) -> &'static str {
        "dangling-service-monitor"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let services = Services::new(index);
        let pods = Pods::new(index);
        for kind in ["ServiceMonitor", "PodMonitor"] {
            for o in index.of_kind(kind) {
                let Some(Links::Monitor(m)) = links(o) else {
                    continue;
                };
                let namespaces = Self::target_namespaces(o, m, index);
                let shipped = if m.pods { WORKLOAD } else { "Service" };
                // Only where the monitor's directory ships what it selects
                // in a namespace it looks in, and their labels are final.
                if !namespaces.iter().all(|ns| scope.labels_final(ns))
                    || !namespaces.iter().any(|ns| scope.ships(o, ns, shipped))
                {
                    continue;
                }
                let where_ = match &m.namespaces {
                    MonitorNamespaces::Any => "any namespace".to_string(),
                    _ => format!("namespace {}", show_names(namespaces.iter().copied(), 4)),
                };
                // What the monitor selects and the port names they offer.
                let (candidates, selected, ports): (usize, Vec<&ObjectEntry>, HashSet<&str>) =
                    if m.pods {
                        let candidates = namespaces
                            .iter()
                            .map(|ns| index.workloads_in(ns).count())
                            .sum();
                        let selected: Vec<&ObjectEntry> = namespaces
                            .iter()
                            .flat_map(|ns| pods.select(ns, &m.selector))
                            .collect();
                        let ports = selected
                            .iter()
                            .flat_map(|w| w.facts.ports.iter().filter_map(|(n, _, _)| n.as_deref()))
                            .collect();
                        (candidates, selected, ports)
                    } else {
                        let all: Vec<(&ObjectEntry, &ServiceLinks)> = namespaces
                            .iter()
                            .flat_map(|ns| services.in_namespace(ns))
                            .collect();
                        let selected: Vec<(&ObjectEntry, &ServiceLinks)> = all
                            .iter()
                            .copied()
                            .filter(|(s, _)| m.selector.matches_pairs(&s.facts.labels))
                            .collect();
                        let ports = selected
                            .iter()
                            .flat_map(|(_, s)| s.ports.iter().filter_map(|p| p.name.as_deref()))
                            .collect();
                        (all.len(), selected.iter().map(|(o, _)| *o).collect(), ports)
                    };
                let what = if m.pods { "pods" } else { "Services" };
                if candidates == 0 {
                    continue;
                }
                if selected.is_empty() {
                    cx.report_related(
                        o,
                        format!(
                            "{kind} `{}` selects no {what} of {where_} in the input: Prometheus scrapes nothing for it, and the alerts built on these metrics never fire",
                            name(o)
                        ),
                        if m.pods {
                            "Make spec.selector match the pod template labels of the workload to scrape (and spec.namespaceSelector its namespace)"
                        } else {
                            "Make spec.selector match the labels of the Service (metadata.labels, not its selector) and spec.namespaceSelector its namespace"
                        },
                        &[],
                    );
                    continue;
                }
                let unknown: Vec<&str> = m
                    .ports
                    .iter()
                    .map(String::as_str)
                    .filter(|p| !ports.contains(p))
                    .collect();
                if unknown.is_empty() {
                    continue;
                }
                let offered = if ports.is_empty() {
                    "no named port".to_string()
                } else {
                    let mut p: Vec<&str> = ports.into_iter().collect();
                    p.sort_unstable();
                    show_names(p.into_iter(), 6)
                };
                cx.report_related(
                    o,
                    format!(
                        "{kind} `{}` scrapes port {} of the {what} it selects, which offer {offered}: that endpoint yields no target, so its metrics are missing",
                        name(o),
                        show_names(unknown.iter().copied(), 4),
                    ),
                    if m.pods {
                        "Use the name of a container port of the selected pods"
                    } else {
                        "Use the name of a port of the selected Services (spec.ports[].name)"
                    },
                    &selected.iter().take(1).copied().collect::<Vec<_>>(),
                );
            }
        }
    }
}

struct StatefulSetHeadlessService;

impl Rule for StatefulSetHeadlessService {
    fn id(&self) -> &'static str {
        "statefulset-headless-service"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        let scope = Scope::new(index);
        let services = Services::new(index);
        for o in index.of_kind("StatefulSet") {
            let Some(Links::Workload(WorkloadLinks {
                service_name: Some(svc),
                ..
            })) = links(o)
            else {
                continue;
            };
            if !is_object_name(svc) {
                continue;
            }
            let ns = namespace(o);
            let pod0 = format!("{}-0.{svc}.{ns}.svc", name(o));
            let Some(found) = services.resolve(o, ns, svc) else {
                // Only where this directory ships the namespace's Services.
                if !scope.ships(o, ns, "Service") || scope.has_operators(ns) {
                    continue;
                }
                let here: Vec<_> = services
                    .in_namespace(ns)
                    .into_iter()
                    .filter(|(s, _)| dir_of(&s.file) == dir_of(&o.file))
                    .collect();
                cx.report_related(
                    o,
                    format!(
                        "StatefulSet `{}` names the governing Service `{svc}`, which namespace `{ns}` does not define in the input (next to it: {}): its pods get no stable DNS names (`{pod0}`), so peers that find each other by name cannot form a cluster",
                        name(o),
                        show_names(here.iter().map(|(s, _)| name(s)), 4)
                    ),
                    format!("Add a headless Service `{svc}` (`clusterIP: None`) selecting the StatefulSet's pods, or fix spec.serviceName"),
                    &[],
                );
                continue;
            };
            if found.is_empty() {
                continue;
            }
            let headless: Vec<_> = found.iter().filter(|(_, s)| s.headless).collect();
            let Some(&&(so, s)) = headless.first() else {
                let (so, _) = found[0];
                cx.report_related(
                    o,
                    format!(
                        "StatefulSet `{}` names the governing Service `{svc}`, which is not headless (`clusterIP: None`): Kubernetes creates per-pod DNS names (`{pod0}`) only for a headless Service, so peers that find each other by name cannot resolve them",
                        name(o)
                    ),
                    format!("Point spec.serviceName at a headless Service, or add one (`clusterIP: None`) next to `{svc}` (clusterIP cannot be changed on an existing Service)"),
                    &[so],
                );
                continue;
            };
            let labels = o.facts.pod_labels.as_deref().unwrap_or_default();
            let selects = |s: &ServiceLinks| {
                s.selector.as_ref().is_none_or(|sel| {
                    sel.iter().all(|(k, v)| {
                        is_automatic(k) || labels.iter().any(|(lk, lv)| lk == k && lv == v)
                    })
                })
            };
            if !scope.labels_final(ns) || headless.iter().any(|(_, s)| selects(s)) {
                continue;
            }
            cx.report_related(
                o,
                format!(
                    "StatefulSet `{}` names the governing Service `{svc}`, whose selector ({}) does not select the StatefulSet's pods: they are not its endpoints, so their DNS names (`{pod0}`) do not exist",
                    name(o),
                    show_pairs(s.selector.as_deref().unwrap_or_default())
                ),
                "Make the headless Service's selector match the StatefulSet's pod template labels",
                &[so],
            );
        }
    }
}

struct DanglingConfigReference;

/// A ConfigMap or Secret of the index with its keys.
type ConfigObject<'i> = (&'i ObjectEntry, &'i crate::model::links::ConfigData);

/// ConfigMaps that the cluster creates in every namespace.
const CLUSTER_CONFIGMAPS: &[&str] = &[
    "kube-root-ca.crt",
    "openshift-service-ca.crt",
    "istio-ca-root-cert",
];

impl Rule for DanglingConfigReference {
    fn id(&self) -> &'static str {
        "dangling-config-reference"
    }
    fn cross_object(&self) -> bool {
        true
    }
    fn check_index(&self, index: &Index, cx: &mut IndexCx<'_>) {
        use crate::model::links::ConfigRef;
        let scope = Scope::new(index);
        // ConfigMaps and Secrets: by (namespace, Secret?, name), and by
        // (directory, namespace, Secret?).
        let mut defined: HashMap<(&str, bool, &str), Vec<ConfigObject<'_>>> = HashMap::default();
        let mut nearby: HashMap<(&str, &str, bool), Vec<&ObjectEntry>> = HashMap::default();
        for kind in ["ConfigMap", "Secret"] {
            for o in index.of_kind(kind) {
                if let Some(Links::ConfigData(c)) = links(o) {
                    let ns = namespace(o);
                    defined
                        .entry((ns, c.secret, name(o)))
                        .or_default()
                        .push((o, c));
                    nearby
                        .entry((dir_of(&o.file), ns, c.secret))
                        .or_default()
                        .push(o);
                }
            }
        }
        let uses: Vec<(&ObjectEntry, &str, &ConfigRef)> = index
            .workloads()
            .filter_map(|(w, ns, _)| match links(w)? {
                Links::Workload(l) => Some(l.config.iter().map(move |r| (w, ns, r))),
                _ => None,
            })
            .flatten()
            .filter(|(_, _, r)| is_object_name(&r.name))
            .collect();
        // Directories that evidently carry their own ConfigMaps: one of
        // their workloads reads one they define.
        let defined_near: HashSet<(&str, &str, &str)> = nearby
            .iter()
            .filter(|((_, _, secret), _)| !secret)
            .flat_map(|((dir, ns, _), list)| list.iter().map(|o| (*dir, *ns, name(o))))
            .collect();
        let carries: HashSet<(&str, &str)> = uses
            .iter()
            .filter(|(w, ns, r)| {
                !r.secret && defined_near.contains(&(dir_of(&w.file), *ns, r.name.as_str()))
            })
            .map(|(w, ns, _)| (dir_of(&w.file), *ns))
            .collect();
        // One finding per workload and object, naming every place.
        let mut grouped: Vec<(&ObjectEntry, &str, &ConfigRef, Vec<&ConfigRef>)> = Vec::new();
        for (w, ns, r) in uses {
            // A workload's references are consecutive: look only among its
            // own groups.
            match grouped
                .iter_mut()
                .rev()
                .take_while(|(g, ..)| std::ptr::eq(*g, w))
                .find(|(_, _, first, _)| first.secret == r.secret && first.name == r.name)
            {
                Some((_, _, _, refs)) => refs.push(r),
                None => grouped.push((w, ns, r, vec![r])),
            }
        }
        for (w, ns, r, refs) in grouped {
            let what = if r.secret { "Secret" } else { "ConfigMap" };
            let places = |refs: &[&ConfigRef]| {
                let mut p: Vec<&str> = refs.iter().map(|r| r.place.as_str()).collect();
                p.dedup();
                p.join(", ")
            };
            match defined.get(&(ns, r.secret, r.name.as_str())) {
                Some(all) => {
                    // The definitions shipped with the workload; one
                    // defined only further away is another application's.
                    let near = nearest(&w.file, all.iter().map(|(o, _)| *o));
                    let candidates: Vec<&ConfigObject<'_>> = all
                        .iter()
                        .filter(|(o, _)| near.iter().any(|n| std::ptr::eq(*n, *o)))
                        .collect();
                    let Some(&&(first, data)) = candidates.first() else {
                        continue;
                    };
                    let has = |k: &str| {
                        candidates
                            .iter()
                            .any(|(_, c)| c.keys.iter().any(|x| x == k))
                    };
                    let lacking: Vec<&ConfigRef> = refs
                        .iter()
                        .copied()
                        .filter(|r| r.keys.iter().any(|k| !has(k)))
                        .collect();
                    let mut missing: Vec<&str> = lacking
                        .iter()
                        .flat_map(|r| r.keys.iter().map(String::as_str))
                        .filter(|k| !has(k))
                        .collect();
                    missing.dedup();
                    if missing.is_empty() {
                        continue;
                    }
                    cx.report_related(
                        w,
                        format!(
                            "{} reads {} {} of {what} `{}` ({}), which it does not have (it has {}): {}",
                            kind_name(w),
                            if missing.len() == 1 { "key" } else { "keys" },
                            show_names(missing.iter().copied(), 4),
                            r.name,
                            places(&lacking),
                            if data.keys.is_empty() {
                                "none".to_string()
                            } else {
                                show_names(data.keys.iter().map(String::as_str), 6)
                            },
                            consequence(&lacking)
                        ),
                        format!("Add the key to {what} `{}`, correct the key name, or mark the reference `optional: true` if the pods can do without it", r.name),
                        &[first],
                    );
                }
                // Secrets are rightly kept out of manifests (sealed,
                // external, created by hand): only ConfigMaps are expected.
                None if !r.secret => {
                    if CLUSTER_CONFIGMAPS.contains(&r.name.as_str())
                        || !carries.contains(&(dir_of(&w.file), ns))
                        || scope.generated(&w.file)
                        || scope.has_operators(ns)
                    {
                        continue;
                    }
                    let here = nearby
                        .get(&(dir_of(&w.file), ns, false))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    cx.report_related(
                        w,
                        format!(
                            "{} reads ConfigMap `{}` ({}), which is not defined in namespace `{ns}` anywhere in the input, while the manifests beside it define that namespace's other ConfigMaps ({}): {}",
                            kind_name(w),
                            r.name,
                            places(&refs),
                            show_names(here.iter().map(|o| name(o)), 3),
                            consequence(&refs)
                        ),
                        format!("Add ConfigMap `{}` in namespace `{ns}` to the manifests, correct the name, or mark the reference `optional: true`", r.name),
                        &here[..here.len().min(1)],
                    );
                }
                None => {}
            }
        }
    }
}

/// What a missing ConfigMap, Secret or key does to the pods, by where it
/// is read.
fn consequence(refs: &[&crate::model::links::ConfigRef]) -> &'static str {
    let volume = refs.iter().any(|r| r.place.contains("volume"));
    let env = refs.iter().any(|r| !r.place.contains("volume"));
    match (env, volume) {
        (true, false) => "the container cannot be created, so the pods never start (CreateContainerConfigError)",
        (false, _) => "the volume cannot be mounted, so the pods stay in ContainerCreating (FailedMount)",
        (true, true) => "the pods never start (CreateContainerConfigError for the environment, FailedMount for the volume)",
    }
}
