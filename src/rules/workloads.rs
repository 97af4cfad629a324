//! Category `workloads`: how a workload's object and pod template are
//! written — restart policies the API server rejects, Jobs and CronJobs
//! that never clean up or start hours late, environment variables defined
//! twice, deprecated or invalid metadata, interactive containers.

use super::replicas::{key_of, spec_anchor};
use super::resources::{is_placeholder, workload};
use super::{Cx, Rule};
use crate::model::{ContainerList, Object, PodSpec, WorkloadKind};
use crate::yaml::{Document, NodeId, Span};

pub(super) static RULES: &[&dyn Rule] = &[
    &InvalidRestartPolicy,
    &JobTtlAfterFinished,
    &CronJobMissingDeadline,
    &CronJobOverlappingRuns,
    &DuplicateEnvVar,
    &DeprecatedServiceAccountField,
    &DefaultNamespace,
    &InvalidLabel,
    &InteractiveContainer,
    &MissingPriorityClass,
];

/// The key of the pod spec (`spec:` of the template, or of a Pod).
pub(super) fn pod_spec_key(obj: &Object<'_>, spec: &PodSpec<'_>) -> Span {
    let doc = obj.doc;
    doc.maps_in(obj.node)
        .find(|&m| doc.entries(m).any(|(_, v)| v == spec.node))
        .map(|parent| key_of(doc, parent, spec.node))
        .unwrap_or_else(|| doc.span(spec.node))
}

/// "the pod template of Deployment `web`" / "Pod `debug`".
pub(super) fn pod_noun<'d>(obj: &Object<'d>) -> PodNoun<'d> {
    PodNoun {
        object: workload(obj),
        pod: obj.workload_kind() == Some(WorkloadKind::Pod),
    }
}

/// See [`pod_noun`]; written only when a message is.
#[derive(Clone, Copy)]
pub(super) struct PodNoun<'d> {
    object: crate::model::KindName<'d>,
    pod: bool,
}

impl std::fmt::Display for PodNoun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pod {
            write!(f, "{}", self.object)
        } else {
            write!(f, "the pod template of {}", self.object)
        }
    }
}

struct InvalidRestartPolicy;

impl Rule for InvalidRestartPolicy {
    fn id(&self) -> &'static str {
        "invalid-restart-policy"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(kind) = obj.workload_kind() else {
            return;
        };
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        let entry = doc.entry(spec.node, "restartPolicy");
        let value = entry.and_then(|(_, v)| doc.str(v));
        if value.is_some_and(is_placeholder) {
            return;
        }
        let what = workload(obj);
        match kind {
            WorkloadKind::Job | WorkloadKind::CronJob => {
                let (span, how) = match (entry, value) {
                    (Some((k, v)), Some("Always")) => {
                        (doc.entry_span(k, v), "has `restartPolicy: Always`")
                    }
                    // A container without an image marks a patch fragment
                    // (Kustomize), not a whole object.
                    (None, _)
                        if spec
                            .all_containers()
                            .any(|c| doc.get_key(c.node, "image").is_none()) =>
                    {
                        return
                    }
                    (None, _) => (
                        pod_spec_key(obj, &spec),
                        "sets no restartPolicy, so it defaults to Always",
                    ),
                    _ => return,
                };
                cx.report(
                    span,
                    format!(
                        "{} {how}: the API server rejects Jobs whose pods restart forever (`Unsupported value: \"Always\"`), so {what} is never created",
                        pod_noun(obj)
                    ),
                    "Set `restartPolicy: OnFailure` (retry in place) or `Never` (a new pod per retry)",
                );
            }
            WorkloadKind::Pod | WorkloadKind::PodTemplate => {
                if let (Some((k, v)), Some(p)) = (entry, value) {
                    if !matches!(p, "Always" | "OnFailure" | "Never") {
                        cx.report(
                            doc.entry_span(k, v),
                            format!("{} has `restartPolicy: {p}`: the API server accepts only Always, OnFailure or Never", pod_noun(obj)),
                            "Use `Always`, `OnFailure` or `Never` (values are case-sensitive)",
                        );
                    }
                }
            }
            _ => {
                if let (Some((k, v)), Some(p)) = (entry, value) {
                    if p != "Always" {
                        cx.report(
                            doc.entry_span(k, v),
                            format!(
                                "{} has `restartPolicy: {p}`: a {} must restart its pods, and the API server rejects anything but Always (`Unsupported value`), so the object is never applied",
                                pod_noun(obj),
                                obj.kind
                            ),
                            "Remove `restartPolicy` (it defaults to Always); use a Job for work that should finish",
                        );
                    }
                }
            }
        }
    }
}

/// Jobs that a tool deletes itself (Helm and Argo CD hooks).
fn has_delete_policy(obj: &Object<'_>) -> bool {
    obj.annotation("helm.sh/hook-delete-policy").is_some()
        || obj
            .annotation("argocd.argoproj.io/hook-delete-policy")
            .is_some()
}

struct JobTtlAfterFinished;

impl Rule for JobTtlAfterFinished {
    fn id(&self) -> &'static str {
        "job-ttl-after-finished"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.workload_kind() != Some(WorkloadKind::Job) || has_delete_policy(obj) {
            return;
        }
        let doc = obj.doc;
        if doc
            .path(obj.node, &["spec", "ttlSecondsAfterFinished"])
            .is_some()
        {
            return;
        }
        cx.report(
            spec_anchor(obj),
            format!(
                "{} sets no ttlSecondsAfterFinished: the finished Job and its pods stay in the cluster forever, piling up in etcd and in every `kubectl get pods`, and applying a changed manifest fails (`field is immutable`) until someone deletes the old Job",
                workload(obj)
            ),
            "Add `ttlSecondsAfterFinished` (for example `86400`) so the Job is cleaned up a day after it finishes, or run it from a CronJob",
        );
    }
}

fn is_cronjob(obj: &Object<'_>) -> bool {
    obj.workload_kind() == Some(WorkloadKind::CronJob)
}

struct CronJobMissingDeadline;

impl Rule for CronJobMissingDeadline {
    fn id(&self) -> &'static str {
        "cronjob-missing-deadline"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_cronjob(obj) {
            return;
        }
        let doc = obj.doc;
        if doc
            .path(obj.node, &["spec", "startingDeadlineSeconds"])
            .is_some_and(|v| !doc.is_null(v))
        {
            return;
        }
        cx.report(
            spec_anchor(obj),
            format!(
                "{} sets no startingDeadlineSeconds: a run missed while the controller was down or the CronJob was suspended starts whenever the controller catches up, however late (a nightly job at noon), and after a long gap the controller only warns about too many missed start times",
                workload(obj)
            ),
            "Add `startingDeadlineSeconds` (for example `600`): a run that cannot start within it is skipped and counted as missed",
        );
    }
}

struct CronJobOverlappingRuns;

impl Rule for CronJobOverlappingRuns {
    fn id(&self) -> &'static str {
        "cronjob-overlapping-runs"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_cronjob(obj) {
            return;
        }
        let doc = obj.doc;
        let (span, how) = match doc
            .path(obj.node, &["spec"])
            .and_then(|s| doc.entry(s, "concurrencyPolicy"))
        {
            Some((k, v)) if doc.str(v) == Some("Allow") => {
                (doc.entry_span(k, v), "`concurrencyPolicy: Allow`")
            }
            Some(_) => return,
            None => (spec_anchor(obj), "no concurrencyPolicy (default Allow)"),
        };
        cx.report(
            span,
            format!(
                "{} has {how}: when a run takes longer than the schedule interval the next one starts beside it, and slow runs pile up, competing for the same data and resources",
                workload(obj)
            ),
            "Set `concurrencyPolicy: Forbid` (skip a run while one is active) or `Replace`",
        );
    }
}

struct DuplicateEnvVar;

impl Rule for DuplicateEnvVar {
    fn id(&self) -> &'static str {
        "duplicate-env-var"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        for c in spec.all_containers() {
            let mut seen: Vec<(&str, NodeId)> = Vec::new();
            for item in doc
                .get_seq(c.node, "env")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let Some((nk, nv)) = doc.entry(item, "name") else {
                    continue;
                };
                let Some(name) = doc.text(nv) else {
                    continue;
                };
                if is_placeholder(name) {
                    continue;
                }
                if let Some(&(_, first)) = seen.iter().find(|(n, _)| *n == name) {
                    cx.report_related(
                        doc.entry_span(nk, nv),
                        format!(
                            "{c} of {} defines environment variable `{name}` twice: the last definition silently wins, and `kubectl apply` merges env entries by name, so editing or deleting one of them later changes or drops the other",
                            workload(obj)
                        ),
                        format!("Keep one `{name}` entry"),
                        vec![(doc.span(first), "first defined".to_string())],
                    );
                } else {
                    seen.push((name, nv));
                }
            }
        }
    }
}

struct DeprecatedServiceAccountField;

impl Rule for DeprecatedServiceAccountField {
    fn id(&self) -> &'static str {
        "deprecated-service-account-field"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        let Some((k, v)) = doc.entry(spec.node, "serviceAccount") else {
            return;
        };
        let Some(old) = doc.text(v) else {
            return;
        };
        let name = doc
            .get_key(spec.node, "serviceAccountName")
            .and_then(|n| doc.text(n));
        let effect = match name {
            Some(n) if n != old => format!(
                "here it names `{old}` but serviceAccountName names `{n}`, and serviceAccountName wins, so the pod does not run as `{old}`"
            ),
            Some(_) => "serviceAccountName already says the same, so it is only noise".to_string(),
            None => "tools and policies that read serviceAccountName do not see it".to_string(),
        };
        cx.report(
            doc.entry_span(k, v),
            format!(
                "{} uses the deprecated `serviceAccount` field: {effect}",
                pod_noun(obj)
            ),
            format!("Replace it with `serviceAccountName: {old}`"),
        );
    }
}

struct DefaultNamespace;

impl Rule for DefaultNamespace {
    fn id(&self) -> &'static str {
        "default-namespace"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.namespace.is_none() || obj.api_version.is_empty() || obj.kind.is_empty() {
            return;
        }
        // Objects Kubernetes itself keeps in `default`.
        let core = obj.group().is_empty();
        if core
            && matches!(
                (obj.kind, obj.name),
                ("ServiceAccount", Some("default")) | ("Service", Some("kubernetes"))
            )
        {
            return;
        }
        let doc = obj.doc;
        let explicit = obj.metadata.and_then(|m| doc.entry(m, "namespace"));
        let span = match explicit {
            Some((k, v)) => match doc.text(v) {
                Some("default") => doc.entry_span(k, v),
                _ if doc.is_null(v) || doc.text(v) == Some("") => doc.entry_span(k, v),
                _ => return,
            },
            None => match doc.entry(obj.node, "metadata") {
                Some((k, _)) => doc.span(k),
                None => spec_anchor(obj),
            },
        };
        let how = if explicit.is_some() {
            "is in the `default` namespace"
        } else {
            "sets no namespace, so it lands in whatever namespace the kubectl context uses — `default` unless told otherwise"
        };
        cx.report(
            span,
            format!(
                "{} {how}: `default` has no owner, no quota and no policies of its own, and everything in it shares one blast radius and one set of RBAC grants",
                workload(obj)
            ),
            "Create a namespace for the application and set `metadata.namespace`",
        );
    }
}

/// Why a label key is invalid, if it is.
fn label_key_error(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() || p.len() > 253 {
            return Some("its prefix must be a DNS subdomain of 1 to 253 characters".into());
        }
        if !p.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        }) {
            return Some(
                "its prefix must be a lowercase DNS subdomain (letters, digits, `-` and `.`)"
                    .into(),
            );
        }
    }
    if name.is_empty() {
        return Some("its name part is empty".into());
    }
    label_value_error(name).map(|e| format!("its name part {e}"))
}

/// Why a label value is invalid, if it is (the empty value is valid).
fn label_value_error(v: &str) -> Option<String> {
    if v.len() > 63 {
        return Some(format!("is {} characters long (at most 63)", v.len()));
    }
    if v.is_empty() {
        return None;
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    let first = v.chars().next().is_some_and(alnum);
    let last = v.chars().last().is_some_and(alnum);
    if !first || !last {
        return Some("must begin and end with a letter or digit".into());
    }
    if let Some(bad) = v
        .chars()
        .find(|&c| !(alnum(c) || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "contains `{bad}` (only letters, digits, `-`, `_` and `.` are allowed)"
        ));
    }
    None
}

struct InvalidLabel;

impl InvalidLabel {
    fn check_map(
        &self,
        doc: &Document<'_>,
        map: NodeId,
        whose: &dyn std::fmt::Display,
        values_only: bool,
        cx: &mut Cx<'_>,
    ) {
        if !doc.is_map(map) {
            return;
        }
        for (k, v) in doc.entries(map) {
            let Some(key) = doc.text(k) else {
                continue;
            };
            if is_placeholder(key) || key.contains('$') {
                continue;
            }
            if !values_only {
                if let Some(e) = label_key_error(key) {
                    let shown = if key.is_empty() {
                        "the empty label key".to_string()
                    } else {
                        format!("label key `{key}`")
                    };
                    cx.report(
                        doc.span(k),
                        format!("{shown} of {whose} is invalid: {e}; the API server rejects the object"),
                        "Use a key of the form `prefix.example.com/name` (name: up to 63 letters, digits, `-`, `_`, `.`, beginning and ending with a letter or digit)",
                    );
                    continue;
                }
            }
            // Non-string values are the schema's concern.
            let Some(value) = doc.str(v) else {
                continue;
            };
            if is_placeholder(value) || value.contains('$') {
                continue;
            }
            if let Some(e) = label_value_error(value) {
                cx.report(
                    doc.entry_span(k, v),
                    format!("label `{key}` of {whose} has an invalid value `{value}`: it {e}; the API server rejects the object"),
                    "Use at most 63 letters, digits, `-`, `_` and `.`, beginning and ending with a letter or digit (put longer or free-form text in an annotation)",
                );
            }
        }
    }
}

impl Rule for InvalidLabel {
    fn id(&self) -> &'static str {
        "invalid-label"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let what = workload(obj);
        if let Some(l) = obj.metadata.and_then(|m| doc.get_map(m, "labels")) {
            self.check_map(doc, l, &what, false, cx);
        }
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        if obj.workload_kind() != Some(WorkloadKind::Pod) {
            if let Some(l) = spec.metadata.and_then(|m| doc.get_map(m, "labels")) {
                self.check_map(doc, l, &pod_noun(obj), false, cx);
            }
            if let Some(l) = doc.path(obj.node, &["spec", "selector", "matchLabels"]) {
                self.check_map(doc, l, &format_args!("the selector of {what}"), false, cx);
            }
        }
    }
}

struct InteractiveContainer;

impl Rule for InteractiveContainer {
    fn id(&self) -> &'static str {
        "interactive-container"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        // Ephemeral containers are debugging shells by design.
        for c in spec
            .containers_in(ContainerList::Containers)
            .chain(spec.containers_in(ContainerList::InitContainers))
        {
            for key in ["stdin", "tty"] {
                let Some((k, v)) = doc.entry(c.node, key) else {
                    continue;
                };
                if doc.bool(v) != Some(true) {
                    continue;
                }
                let effect = if key == "stdin" {
                    "keeps the container's standard input open, so anyone allowed to `kubectl attach` can type into the running process, and a process that reads stdin waits on it instead of failing"
                } else {
                    "allocates a terminal, which changes how the process buffers its output and handles signals — a debugging setting left in a long-running workload"
                };
                cx.report(
                    doc.entry_span(k, v),
                    format!("{c} of {} sets `{key}: true`: it {effect}", workload(obj)),
                    format!("Remove `{key}`; debug with `kubectl debug` (an ephemeral container) instead"),
                );
            }
        }
    }
}

struct MissingPriorityClass;

impl Rule for MissingPriorityClass {
    fn id(&self) -> &'static str {
        "missing-priority-class"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if matches!(obj.workload_kind(), None | Some(WorkloadKind::PodTemplate)) {
            return;
        }
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        if doc
            .get_key(spec.node, "priorityClassName")
            .is_some_and(|v| !doc.is_null(v))
        {
            return;
        }
        cx.report(
            pod_spec_key(obj, &spec),
            format!(
                "{} sets no priorityClassName: the pods get the cluster's default priority, so when nodes are full the scheduler cannot tell them from batch jobs and may preempt or refuse them first",
                pod_noun(obj)
            ),
            "Set `priorityClassName` to one of the cluster's PriorityClasses that matches the workload's importance",
        );
    }
}
