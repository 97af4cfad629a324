//! Category `pod-security`, beyond the Pod Security Standards: hardening
//! that no Pod Security level enforces (so, unlike the PSS controls in
//! `pod_security.rs`, the severity does not depend on the namespace) —
//! host paths that hand over the node, shared process namespaces, low
//! user ids, default service accounts, privileged OpenShift
//! SecurityContextConstraints, and components with a record of being the
//! way in (Tiller, the Kubernetes dashboard).

use super::replicas::spec_anchor;
use super::resources::workload;
use super::workloads::{pod_noun, pod_spec_key};
use super::{Cx, Rule};
use crate::model::{ContainerList, Object, WorkloadKind};
use crate::yaml::{NodeId, Span};

pub(super) static RULES: &[&dyn Rule] = &[
    &SensitiveHostPath,
    &ShareProcessNamespace,
    &LowUserId,
    &SccPrivileged,
    &DefaultServiceAccount,
    &DefaultServiceAccountAutomount,
    &HelmTiller,
    &KubernetesDashboard,
];

/// What mounting a host path gives the pod, for paths that hand over the
/// node; None for other paths.
fn host_path_danger(path: &str) -> Option<&'static str> {
    let p = path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    const SOCKETS: &[&str] = &[
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/var/run/containerd/containerd.sock",
        "/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/run/crio/crio.sock",
        "/var/run/cri-dockerd.sock",
        "/run/cri-dockerd.sock",
        "/var/run/dockershim.sock",
        "/run/k3s/containerd/containerd.sock",
    ];
    if SOCKETS.contains(&p) || p.ends_with("/docker.sock") || p.ends_with("/containerd.sock") {
        return Some("the container runtime's socket: the pod can start privileged containers and read every container's filesystem and secrets, so it is root on the node (mounting a socket read-only changes nothing)");
    }
    Some(match p {
        "/" => "the node's whole filesystem: kubelet credentials, every pod's volumes and secrets, and binaries the node runs",
        "/var/run" | "/run" | "/var/run/containerd" | "/run/containerd" | "/var/run/crio" => {
            "the node's runtime directory, which holds the container runtime's socket: control of the runtime is root on the node"
        }
        "/var/lib/kubelet" | "/var/lib/kubelet/pods" => {
            "the kubelet's directory: every pod's volumes on the node, service-account tokens and Secrets included"
        }
        "/var/lib/docker" | "/var/lib/containerd" | "/var/lib/containers" => {
            "the container runtime's storage: every container's filesystem on the node"
        }
        "/etc" | "/etc/kubernetes" => {
            "the node's configuration: kubelet credentials, static pod manifests and host credentials"
        }
        "/root" | "/home" => "home directories on the node: SSH keys and cloud credentials",
        "/proc" | "/sys" => "the node's kernel interfaces: host processes, kernel tunables and cgroups",
        "/dev" => "the node's devices: disks can be read or written directly",
        "/boot" | "/lib" | "/usr" | "/bin" | "/sbin" | "/lib64" => {
            "binaries and libraries the node runs: a write survives as malware on the host"
        }
        _ => return None,
    })
}

struct SensitiveHostPath;

impl Rule for SensitiveHostPath {
    fn id(&self) -> &'static str {
        "sensitive-host-path"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        for vol in doc
            .get_seq(spec.node, "volumes")
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            let Some(hp) = doc.get_map(vol, "hostPath") else {
                continue;
            };
            let Some((k, v)) = doc.entry(hp, "path") else {
                continue;
            };
            let Some(path) = doc.text(v) else {
                continue;
            };
            let Some(danger) = host_path_danger(path) else {
                continue;
            };
            let name = doc
                .get_str(vol, "name")
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default();
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "volume{name} of {} mounts host path `{path}`, {danger}",
                    workload(obj)
                ),
                "Remove the hostPath volume; if a node agent really needs it, run it in a dedicated namespace whose Pod Security level allows it, and document the exception",
            );
        }
    }
}

struct ShareProcessNamespace;

impl Rule for ShareProcessNamespace {
    fn id(&self) -> &'static str {
        "share-process-namespace"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        let Some((k, v)) = doc.entry(spec.node, "shareProcessNamespace") else {
            return;
        };
        if doc.bool(v) != Some(true) {
            return;
        }
        cx.report(
            doc.entry_span(k, v),
            format!(
                "{} sets `shareProcessNamespace: true`: every container sees and can signal the processes of the others, and reads their environment and files through /proc/<pid>/root, so one compromised sidecar reaches the secrets of all",
                pod_noun(obj)
            ),
            "Remove `shareProcessNamespace` unless a sidecar must signal the main process; for debugging, `kubectl debug --target` shares one container's namespace only",
        );
    }
}

/// Ids below this overlap with users and groups of the node (system
/// accounts, the first human users).
const HIGH_ID: i64 = 10000;

struct LowUserId;

impl Rule for LowUserId {
    fn id(&self) -> &'static str {
        "low-user-id"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        let psc = doc.get_map(spec.node, "securityContext");
        // Windows pods use runAsUserName, not numeric ids.
        if doc
            .path(spec.node, &["os", "name"])
            .and_then(|v| doc.str(v))
            == Some("windows")
        {
            return;
        }
        // Missing at every level: (field, span, who), merged below when
        // user and group are both missing for the same containers.
        let mut missing: Vec<(&str, Span, String)> = Vec::new();
        for (field, noun) in [("runAsUser", "user"), ("runAsGroup", "group")] {
            let pod_value = psc.and_then(|p| doc.entry(p, field));
            let mut inheriting: Vec<String> = Vec::new();
            for c in spec
                .containers_in(ContainerList::Containers)
                .chain(spec.containers_in(ContainerList::InitContainers))
            {
                match doc
                    .get_map(c.node, "securityContext")
                    .and_then(|s| doc.entry(s, field))
                {
                    Some((k, v)) => {
                        if let Some(n) = doc.int(v).filter(|&n| n < HIGH_ID) {
                            report_low(
                                cx,
                                doc.entry_span(k, v),
                                &format!("{c} of {}", workload(obj)),
                                field,
                                noun,
                                Some(n),
                            );
                        }
                    }
                    None => inheriting.push(c.to_string()),
                }
            }
            if inheriting.is_empty() {
                continue;
            }
            match pod_value {
                Some((k, v)) => {
                    if let Some(n) = doc.int(v).filter(|&n| n < HIGH_ID) {
                        report_low(
                            cx,
                            doc.entry_span(k, v),
                            &pod_noun(obj).to_string(),
                            field,
                            noun,
                            Some(n),
                        );
                    }
                }
                None => {
                    let span = psc
                        .and_then(|p| doc.entries(spec.node).find(|&(_, v)| v == p))
                        .map(|(k, _)| doc.span(k))
                        .unwrap_or_else(|| pod_spec_key(obj, &spec));
                    missing.push((
                        field,
                        span,
                        format!("{} ({})", pod_noun(obj), inheriting.join(", ")),
                    ));
                }
            }
        }
        match missing.as_slice() {
            [(_, s1, w1), (_, s2, w2)] if s1 == s2 && w1 == w2 => cx.report(
                *s1,
                format!("{w1} sets neither runAsUser nor runAsGroup, so the image decides (often root): {}", low_why("user and group")),
                format!("Set `securityContext.runAsUser` and `runAsGroup` to ids of {HIGH_ID} or more (for example 10001) that the image can run as"),
            ),
            _ => {
                for (field, span, who) in missing {
                    let noun = if field == "runAsUser" { "user" } else { "group" };
                    report_low(cx, span, &who, field, noun, None);
                }
            }
        }
    }
}

fn low_why(noun: &str) -> String {
    format!("low {noun} ids are shared with accounts of the node, so a process that escapes the container, or files it writes to a host volume, belong to a real account there")
}

fn report_low(cx: &mut Cx<'_>, span: Span, who: &str, field: &str, noun: &str, value: Option<i64>) {
    let how = match value {
        Some(0) => format!("sets `{field}: 0`, the root {noun}"),
        Some(n) => format!("sets `{field}: {n}`, below {HIGH_ID}"),
        None => format!("sets no {field}, so the image decides (often root or a low id)"),
    };
    cx.report(
        span,
        format!("{who} {how}: {}", low_why(noun)),
        format!("Set `securityContext.{field}` to an id of {HIGH_ID} or more (for example 10001) that the image can run as"),
    );
}

struct SccPrivileged;

impl Rule for SccPrivileged {
    fn id(&self) -> &'static str {
        "scc-privileged"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.kind != "SecurityContextConstraints" || obj.group() != "security.openshift.io" {
            return;
        }
        let doc = obj.doc;
        let Some((k, v)) = doc.entry(obj.node, "allowPrivilegedContainer") else {
            return;
        };
        if doc.bool(v) != Some(true) {
            return;
        }
        cx.report(
            doc.entry_span(k, v),
            format!(
                "{} allows privileged containers: every user and service account it is granted to can run pods with full access to the node",
                workload(obj)
            ),
            "Set `allowPrivilegedContainer: false`, and grant a privileged SCC only to the few service accounts that need it",
        );
    }
}

/// The service account a pod runs as: (key, value node, name); None when
/// unset (the namespace's `default`).
fn service_account<'d>(obj: &Object<'d>, spec: NodeId) -> Option<(NodeId, NodeId, &'d str)> {
    let doc = obj.doc;
    ["serviceAccountName", "serviceAccount"]
        .into_iter()
        .find_map(|k| doc.entry(spec, k))
        .and_then(|(k, v)| Some((k, v, doc.text(v)?)))
        .filter(|(_, _, n)| !n.is_empty())
}

struct DefaultServiceAccount;

impl Rule for DefaultServiceAccount {
    fn id(&self) -> &'static str {
        "default-service-account"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.workload_kind() == Some(WorkloadKind::PodTemplate) {
            return;
        }
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        let doc = obj.doc;
        let (span, how) = match service_account(obj, spec.node) {
            Some((k, v, "default")) => (doc.entry_span(k, v), "runs as"),
            Some(_) => return,
            None => (
                pod_spec_key(obj, &spec),
                "names no service account, so it runs as",
            ),
        };
        cx.report(
            span,
            format!(
                "{} {how} the namespace's `default` service account: every workload that does the same shares one identity, so a permission granted for one reaches all of them, and audit logs cannot tell them apart",
                pod_noun(obj)
            ),
            "Create a ServiceAccount for the workload (with `automountServiceAccountToken: false` if it does not call the API) and set `serviceAccountName`",
        );
    }
}

struct DefaultServiceAccountAutomount;

impl Rule for DefaultServiceAccountAutomount {
    fn id(&self) -> &'static str {
        "default-service-account-automount"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.kind != "ServiceAccount" || !obj.group().is_empty() || obj.name != Some("default") {
            return;
        }
        let doc = obj.doc;
        let span = match doc.entry(obj.node, "automountServiceAccountToken") {
            Some((_, v)) if doc.bool(v) == Some(false) => return,
            Some((k, v)) => doc.entry_span(k, v),
            None => spec_anchor(obj),
        };
        cx.report(
            span,
            "the namespace's `default` ServiceAccount does not set `automountServiceAccountToken: false`: every pod that names no service account gets its API token mounted, although almost none of them call the API — a free credential for whoever compromises one",
            "Set `automountServiceAccountToken: false` on the `default` ServiceAccount; workloads that call the API get their own ServiceAccount",
        );
    }
}

/// The last path component of an image without tag or digest.
fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

fn images<'d>(obj: &Object<'d>) -> Vec<(NodeId, NodeId, &'d str)> {
    let Some(spec) = obj.pod_spec() else {
        return Vec::new();
    };
    let doc = obj.doc;
    spec.all_containers()
        .filter_map(|c| {
            let (k, v) = doc.entry(c.node, "image")?;
            Some((k, v, doc.text(v)?))
        })
        .collect()
}

struct HelmTiller;

impl Rule for HelmTiller {
    fn id(&self) -> &'static str {
        "helm-tiller"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let why = "Tiller, the server side of Helm 2, has been unsupported since 2020; it runs with cluster-admin-like rights and its gRPC port accepts unauthenticated commands from any pod that reaches it";
        let doc = obj.doc;
        for (k, v, image) in images(obj) {
            if image_name(image) == "tiller" {
                cx.report(
                    doc.entry_span(k, v),
                    format!("{} runs `{image}`: {why}", workload(obj)),
                    "Migrate the releases to Helm 3 (no server component) and delete Tiller",
                );
            }
        }
        if obj.kind == "Service" && obj.group().is_empty() {
            let selector = doc.path(obj.node, &["spec", "selector"]);
            let sel = |k: &str| {
                selector
                    .and_then(|s| doc.get_key(s, k))
                    .and_then(|v| doc.text(v))
            };
            if obj.name == Some("tiller-deploy")
                || (sel("app") == Some("helm") && sel("name") == Some("tiller"))
            {
                cx.report(
                    doc.span(obj.name_node()),
                    format!("{} exposes Tiller: {why}", workload(obj)),
                    "Migrate the releases to Helm 3 and delete Tiller and its Service",
                );
            }
        }
    }
}

struct KubernetesDashboard;

impl Rule for KubernetesDashboard {
    fn id(&self) -> &'static str {
        "kubernetes-dashboard"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (k, v, image) in images(obj) {
            if image.contains("kubernetesui/dashboard")
                || image_name(image) == "kubernetes-dashboard-amd64"
                || image_name(image) == "kubernetes-dashboard"
            {
                cx.report(
                    doc.entry_span(k, v),
                    format!(
                        "{} runs the Kubernetes dashboard (`{image}`): a web UI over the whole API whose service account is often over-privileged and which has repeatedly been exposed without authentication",
                        workload(obj)
                    ),
                    "Remove the dashboard, or keep it internal, behind authentication, with a service account that can only read",
                );
            }
        }
    }
}
