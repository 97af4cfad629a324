//! Category `pod-security`: the Pod Security Standards controls, evaluated
//! the way the Pod Security Admission code evaluates them (Kubernetes 1.37,
//! level version `latest`), plus hardening beyond the standards.
//!
//! Every control is a deferred rule. At check time it records the level the
//! control belongs to, the Kubernetes minor version it starts in and the
//! run's default level (`--pss-level`) in the finding's data tag
//! (`"restricted|22|baseline"`). [`finalize_level`] then looks up the
//! object's Namespace in the index: when its `enforce` label covers the
//! control the finding is an error that says the cluster rejects the pods;
//! when only its `warn`/`audit` label (or, without an `enforce` label, the
//! default level) covers it the finding is a warning; otherwise it is
//! dropped.

use super::resources::workload;
use super::workloads::{pod_noun, PodNoun};
use super::{Cx, Rule};
use crate::engine::PssLevel;
use crate::finding::{Finding, Severity};
use crate::fix::{Editor, Fix, NewValue};
use crate::index::Index;
use crate::model::{Container, KindName, Object, PodSpec};
use crate::yaml::{Document, NodeId, Span};

pub(super) static RULES: &[&dyn Rule] = &[
    &HostNamespaces,
    &PrivilegedContainer,
    &BaselineCapabilities,
    &HostPathVolume,
    &HostPorts,
    &HostProbes,
    &Apparmor,
    &Selinux,
    &ProcMount,
    &SeccompUnconfined,
    &Sysctls,
    &WindowsHostProcess,
    &RestrictedVolumeTypes,
    &AllowPrivilegeEscalation,
    &RunAsNonRoot,
    &RunAsUserRoot,
    &SeccompProfile,
    &RestrictedCapabilities,
    &ReadOnlyRootFilesystem,
    &AutomountServiceAccountToken,
    &MissingSecurityContext,
    &PssNamespaceLabels,
    &PssNamespaceUnenforced,
];

const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";

/// Capabilities Baseline allows containers to add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls Baseline allows, with the level version that allows each
/// (the `latest` list of Kubernetes 1.37).
const SAFE_SYSCTLS: &[(&str, u32)] = &[
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32),
    ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37),
    ("net.ipv4.tcp_notsent_lowat", 37),
];

/// SELinux types Baseline allows (besides empty).
const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Volume sources Restricted allows.
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Volume sources Restricted forbids (hostPath is the Baseline rule's).
const FORBIDDEN_VOLUMES: &[&str] = &[
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "portworxVolume",
    "photonPersistentDisk",
    "scaleIO",
    "storageos",
];

// ---------------------------------------------------------------------------
// Levels

/// Whether a `*-version` label value puts a finding in force. A finding
/// holds from level version 1.`since` and, when `until` is non-zero, only
/// before 1.`until` (a later version allows what it reports). `latest`,
/// absent or invalid (which admission treats as `latest`) count as newest.
fn version_covers(version: Option<&str>, since: u32, until: u32) -> bool {
    match version.and_then(parse_version) {
        Some(minor) => minor >= since && (until == 0 || minor < until),
        None => until == 0,
    }
}

/// `v1.N` → N.
fn parse_version(v: &str) -> Option<u32> {
    let n = v.strip_prefix("v1.")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || (n.len() > 1 && n.starts_with('0'))
    {
        return None;
    }
    n.parse().ok()
}

fn valid_version(v: &str) -> bool {
    v == "latest" || parse_version(v).is_some()
}

/// What the cluster does with a workload's pods when `enforce` rejects them.
fn rejection(kind: &str) -> &'static str {
    match kind {
        "Pod" => "the API server will reject this Pod",
        "Deployment" => "the API server accepts the Deployment with a warning, but its ReplicaSet will fail to create the pods and the rollout stalls",
        "StatefulSet" => "the API server accepts the StatefulSet with a warning, but the controller will fail to create its pods and the rollout stalls",
        "DaemonSet" => "the API server accepts the DaemonSet with a warning, but the controller will fail to create its pods on every node",
        "ReplicaSet" | "ReplicationController" => "the API server accepts it with a warning, but the controller will fail to create its pods",
        "Job" => "the API server accepts the Job with a warning, but the Job controller will fail to create its pods and the Job never runs",
        "CronJob" => "the API server accepts the CronJob with a warning, but every Job it starts will fail to create its pods",
        _ => "pods created from this template will be rejected",
    }
}

/// The shared `finalize` of every control: decide severity from the
/// Namespace's labels or the default level, or drop the finding.
fn finalize_level(f: &mut Finding, index: &Index) -> bool {
    let Some(data) = f.data.clone() else {
        return true;
    };
    let mut parts = data.split('|');
    let control = parts
        .next()
        .and_then(PssLevel::parse)
        .unwrap_or(PssLevel::Restricted);
    let since: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let default = parts
        .next()
        .and_then(PssLevel::parse)
        .unwrap_or(PssLevel::Restricted);
    let until: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let ns_name = f.object.as_ref().and_then(|o| o.namespace.clone());
    let ns = ns_name.as_deref().and_then(|n| index.namespace(n));
    if let (Some(ns), Some(ns_name)) = (ns, ns_name.as_deref()) {
        let facts = &ns.facts;
        let mode_covers = |mode: &str, fallback: PssLevel| -> Option<PssLevel> {
            let value = facts.label(&format!("{LABEL_PREFIX}{mode}"))?;
            let level = PssLevel::parse(value).unwrap_or(fallback);
            let version = facts.label(&format!("{LABEL_PREFIX}{mode}-version"));
            (level >= control && version_covers(version, since, until)).then_some(level)
        };
        let has_enforce = facts.label(&format!("{LABEL_PREFIX}enforce")).is_some();
        // An invalid enforce level is enforced as restricted; invalid
        // audit/warn levels fail open (privileged).
        if let Some(level) = mode_covers("enforce", PssLevel::Restricted) {
            let kind = f.object.as_ref().map_or("", |o| o.kind.as_str());
            f.severity = Severity::Error;
            f.message = format!(
                "namespace `{ns_name}` enforces {level}: {}. {}",
                rejection(kind),
                f.message
            );
            return true;
        }
        for mode in ["warn", "audit"] {
            if let Some(level) = mode_covers(mode, PssLevel::Privileged) {
                f.severity = Severity::Warning;
                let what = if mode == "warn" {
                    "the pods are admitted, with a warning to whoever applies them"
                } else {
                    "the pods are admitted and the violation is recorded in the audit log"
                };
                f.message = format!(
                    "namespace `{ns_name}` {mode}s at {level}: {what}. {}",
                    f.message
                );
                return true;
            }
        }
        if has_enforce {
            return false;
        }
    }
    // The default level is judged at the newest level version.
    if default >= control && until == 0 {
        f.severity = Severity::Warning;
        return true;
    }
    false
}

/// Report a control violation with its level tag.
fn report(cx: &mut Cx<'_>, level: PssLevel, since: u32, span: Span, msg: String, help: String) {
    report_until(cx, level, since, 0, span, msg, help);
}

/// Report a violation that a newer level version (1.`until`) allows: it
/// holds only in namespaces pinned to an older `*-version`.
fn report_until(
    cx: &mut Cx<'_>,
    level: PssLevel,
    since: u32,
    until: u32,
    span: Span,
    mut msg: String,
    help: String,
) {
    if until > 0 {
        msg.push_str(&format!(
            " (level version v1.{until} and later allow it; the namespace pins an older version)"
        ));
    }
    let tag = format!(
        "{}|{since}|{}|{until}",
        level.as_str(),
        cx.opts.pss_level.as_str()
    );
    cx.report_with_data(span, msg, help, &tag);
}

// ---------------------------------------------------------------------------
// Pod views

/// A pod spec with what every control needs.
struct Pod<'d> {
    doc: &'d Document<'d>,
    spec: PodSpec<'d>,
    /// `spec.securityContext`.
    psc: Option<NodeId>,
    /// "Deployment `web`".
    what: KindName<'d>,
    /// "Pod `x`" / "the pod template of Deployment `web`".
    noun: PodNoun<'d>,
    /// The object's node.
    obj: NodeId,
}

impl<'d> Pod<'d> {
    fn of(obj: &Object<'d>) -> Option<Pod<'d>> {
        let spec = obj.pod_spec()?;
        let doc = obj.doc;
        Some(Pod {
            doc,
            psc: doc.get_map(spec.node, "securityContext"),
            spec,
            what: workload(obj),
            noun: pod_noun(obj),
            obj: obj.node,
        })
    }

    fn containers(&self) -> impl Iterator<Item = Container<'d>> + 'd {
        self.spec.all_containers()
    }

    /// A container's `securityContext`.
    fn csc(&self, c: &Container<'_>) -> Option<NodeId> {
        self.doc.get_map(c.node, "securityContext")
    }

    /// `spec.os.name: windows`.
    fn is_windows(&self) -> bool {
        self.doc
            .path(self.spec.node, &["os", "name"])
            .and_then(|v| self.doc.str(v))
            == Some("windows")
    }

    /// `spec.hostUsers: false` (the pod runs in a user namespace).
    fn user_namespace(&self) -> bool {
        self.doc
            .get_key(self.spec.node, "hostUsers")
            .and_then(|v| self.doc.bool(v))
            == Some(false)
    }

    /// Span of `key: value` in `map`, with the value node.
    fn field(&self, map: Option<NodeId>, key: &str) -> Option<(Span, NodeId)> {
        let (k, v) = self.doc.entry(map?, key)?;
        Some((self.doc.entry_span(k, v), v))
    }

    /// Span of the key of `key` in `map` (where a missing sub-field points).
    fn key_span(&self, map: NodeId, key: &str) -> Option<Span> {
        self.doc.entry(map, key).map(|(k, _)| self.doc.span(k))
    }

    /// Where a missing field of a container's security context points: the
    /// `securityContext` key, else the container.
    fn container_anchor(&self, c: &Container<'_>) -> Span {
        self.key_span(c.node, "securityContext")
            .unwrap_or_else(|| self.doc.span(c.node))
    }

    /// The key of the pod spec (`spec:`), where a missing pod-level field
    /// points.
    fn spec_key(&self) -> Span {
        let doc = self.doc;
        doc.maps_in(self.obj)
            .flat_map(|m| doc.entries(m))
            .find(|&(_, v)| v == self.spec.node)
            .map(|(k, _)| doc.span(k))
            .unwrap_or_else(|| doc.span(self.spec.node))
    }

    /// How a message names the pod level: "Pod `x`" or "the pod template
    /// of Deployment `web`".
    fn pod_noun(&self) -> Who<'d> {
        Who::Pod(self.noun)
    }

    /// Pod-level then container-level security contexts, with a label.
    fn contexts(&self) -> Vec<(Option<NodeId>, Who<'d>)> {
        let mut v = vec![(self.psc, self.pod_noun())];
        for c in self.containers() {
            v.push((self.csc(&c), Who::Container(c, self.what)));
        }
        v
    }
}

/// A security context's owner in messages: the pod level ("Pod `x`", "the
/// pod template of Deployment `web`") or a container ("container `app` of
/// Deployment `web`").
enum Who<'d> {
    Pod(PodNoun<'d>),
    Container(Container<'d>, KindName<'d>),
}

impl std::fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Who::Pod(p) => write!(f, "{p}"),
            Who::Container(c, w) => write!(f, "{c} of {w}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Fixes
//
// Linux-only fields (allowPrivilegeEscalation, capabilities, seccompProfile,
// readOnlyRootFilesystem) are forbidden on Windows pods (`spec.os.name:
// windows`): no fix adds them there.

/// `securityContext.<path> = value` on a container (replaced if present,
/// inserted with its missing parents otherwise).
fn container_set(
    p: &Pod<'_>,
    c: &Container<'_>,
    text: &str,
    path: &[&str],
    value: NewValue,
    what: &str,
) -> Option<Fix> {
    let full: Vec<&str> = std::iter::once("securityContext")
        .chain(path.iter().copied())
        .collect();
    let edits = Editor::new(p.doc, text).set(c.node, &full, value)?;
    Some(Fix::safe(
        format!("Set `securityContext.{what}` on {c}"),
        edits,
    ))
}

/// `securityContext.<path> = value` at pod level.
fn pod_set(p: &Pod<'_>, text: &str, path: &[&str], value: NewValue, what: &str) -> Option<Fix> {
    let full: Vec<&str> = std::iter::once("securityContext")
        .chain(path.iter().copied())
        .collect();
    let edits = Editor::new(p.doc, text).set(p.spec.node, &full, value)?;
    Some(Fix::safe(
        format!(
            "Set `securityContext.{what}` in the pod's securityContext (it covers every container)"
        ),
        edits,
    ))
}

/// `runAsUser` of a security context.
fn run_as_user(p: &Pod<'_>, sc: Option<NodeId>) -> Option<i64> {
    sc.and_then(|sc| p.doc.get_key(sc, "runAsUser"))
        .and_then(|v| p.doc.int(v))
}

/// Whether the pod template still uses the seccomp annotations, which the
/// API server requires to agree with any `seccompProfile` field.
fn seccomp_annotations(p: &Pod<'_>) -> bool {
    let doc = p.doc;
    p.spec
        .metadata
        .and_then(|m| doc.get_map(m, "annotations"))
        .into_iter()
        .flat_map(|a| doc.entries(a))
        .filter_map(|(k, _)| doc.text(k))
        .any(|k| {
            k.starts_with("seccomp.security.alpha.kubernetes.io/")
                || k.starts_with("container.seccomp.security.alpha.kubernetes.io/")
        })
}

macro_rules! pss_rule {
    ($name:ident, $id:literal, $body:ident) => {
        struct $name;
        impl Rule for $name {
            fn id(&self) -> &'static str {
                $id
            }
            fn per_object(&self) -> bool {
                true
            }
            fn deferred(&self) -> bool {
                true
            }
            fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
                if let Some(p) = Pod::of(obj) {
                    $body(&p, cx);
                }
            }
            fn finalize(&self, f: &mut Finding, index: &Index) -> bool {
                finalize_level(f, index)
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Baseline

pss_rule!(HostNamespaces, "host-namespaces", host_namespaces);
fn host_namespaces(p: &Pod<'_>, cx: &mut Cx<'_>) {
    for (key, what) in [
        ("hostNetwork", "shares the node's network stack: it can bind node ports, sniff traffic of every pod on the node and reach services listening on localhost"),
        ("hostPID", "sees every process on the node: it can read their environment (secrets included) and signal or trace them"),
        ("hostIPC", "shares the node's IPC namespace: it can read and write shared memory of other processes on the node"),
    ] {
        if let Some((span, v)) = p.field(Some(p.spec.node), key) {
            if p.doc.bool(v) == Some(true) {
                report(
                    cx,
                    PssLevel::Baseline,
                    0,
                    span,
                    format!("{} sets `{key}: true` (Pod Security baseline, Host Namespaces): the pod {what}", p.what),
                    format!("Remove `{key}` or set `{key}: false`"),
                );
            }
        }
    }
}

pss_rule!(
    PrivilegedContainer,
    "privileged-container",
    privileged_container
);
fn privileged_container(p: &Pod<'_>, cx: &mut Cx<'_>) {
    for c in p.containers() {
        if let Some((span, v)) = p.field(p.csc(&c), "privileged") {
            if p.doc.bool(v) == Some(true) {
                report(
                    cx,
                    PssLevel::Baseline,
                    0,
                    span,
                    format!("{c} of {} sets `privileged: true` (Pod Security baseline, Privileged Containers): it gets every capability and the node's devices, so a compromise of the container is a compromise of the node", p.what),
                    "Remove `privileged` or set `securityContext.privileged: false`; grant only the capabilities the process needs".to_string(),
                );
            }
        }
    }
}

/// The `capabilities.add` items of a container: (item node, name).
fn added_caps<'d>(p: &Pod<'d>, c: &Container<'_>) -> Vec<(NodeId, &'d str)> {
    let doc = p.doc;
    p.csc(c)
        .and_then(|sc| doc.get_map(sc, "capabilities"))
        .and_then(|caps| doc.get_seq(caps, "add"))
        .map(|s| {
            doc.items(s)
                .filter_map(|i| Some((i, doc.text(i)?)))
                .collect()
        })
        .unwrap_or_default()
}

pss_rule!(
    BaselineCapabilities,
    "baseline-capabilities",
    baseline_capabilities
);
fn baseline_capabilities(p: &Pod<'_>, cx: &mut Cx<'_>) {
    for c in p.containers() {
        for (node, cap) in added_caps(p, &c) {
            if !BASELINE_CAPABILITIES.contains(&cap) {
                report(
                    cx,
                    PssLevel::Baseline,
                    0,
                    p.doc.span(node),
                    format!("{c} of {} adds capability `{cap}` (Pod Security baseline, Capabilities): only the container runtime's default set may be added, and `{cap}` widens what a compromised process can do to the node", p.what),
                    format!("Remove `{cap}` from `securityContext.capabilities.add`"),
                );
            }
        }
    }
}

pss_rule!(HostPathVolume, "host-path-volume", host_path_volume);
fn host_path_volume(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    for v in doc
        .get_seq(p.spec.node, "volumes")
        .into_iter()
        .flat_map(|s| doc.items(s))
    {
        if let Some((span, hp)) = p.field(Some(v), "hostPath") {
            if doc.is_null(hp) {
                continue;
            }
            let name = doc.get_str(v, "name").unwrap_or("?");
            let path = doc.get_str(hp, "path").unwrap_or("?");
            report(
                cx,
                PssLevel::Baseline,
                0,
                span,
                format!("volume `{name}` of {} mounts `{path}` from the node (Pod Security baseline, HostPath Volumes): the pod can read or change the node's files and escape its isolation", p.what),
                "Use an `emptyDir`, `configMap`, `secret` or `persistentVolumeClaim` volume instead of `hostPath`".to_string(),
            );
        }
    }
}

pss_rule!(HostPorts, "host-ports", host_ports);
fn host_ports(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    for c in p.containers() {
        for port in doc
            .get_seq(c.node, "ports")
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            if let Some((span, v)) = p.field(Some(port), "hostPort") {
                let n = doc.int(v);
                if n.is_some_and(|n| n != 0) {
                    report(
                        cx,
                        PssLevel::Baseline,
                        0,
                        span,
                        format!("{c} of {} binds host port {} (Pod Security baseline, Host Ports): the pod is reachable on the node's address, bypassing Services and NetworkPolicies, and only one such pod fits per node", p.what, n.unwrap_or(0)),
                        "Remove `hostPort` and expose the port through a Service".to_string(),
                    );
                }
            }
        }
    }
}

pss_rule!(HostProbes, "host-probes", host_probes);
fn host_probes(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    for c in p.containers() {
        let mut handlers = Vec::new();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if let Some(m) = doc.get_map(c.node, probe) {
                handlers.push((probe.to_string(), m));
            }
        }
        if let Some(l) = doc.get_map(c.node, "lifecycle") {
            for hook in ["postStart", "preStop"] {
                if let Some(m) = doc.get_map(l, hook) {
                    handlers.push((format!("lifecycle.{hook}"), m));
                }
            }
        }
        for (name, h) in handlers {
            for action in ["httpGet", "tcpSocket"] {
                let host = doc.get_map(h, action);
                if let Some((span, v)) = p.field(host, "host") {
                    let text = doc.text(v).unwrap_or("");
                    if !text.is_empty() {
                        report(
                            cx,
                            PssLevel::Baseline,
                            34,
                            span,
                            format!("{c} of {} points its {name} {action} at host `{text}` (Pod Security baseline, Host Probes / Lifecycle Hooks, Kubernetes 1.34+): the kubelet connects from the node to any address you name, which lets a pod reach endpoints it could not reach itself", p.what),
                            format!("Remove `{name}.{action}.host` so the kubelet probes the pod's own IP"),
                        );
                    }
                }
            }
        }
    }
}

pss_rule!(Apparmor, "apparmor", apparmor);
fn apparmor(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    let ann = p.spec.metadata.and_then(|m| doc.get_map(m, "annotations"));
    for (k, v) in ann.into_iter().flat_map(|m| doc.entries(m)) {
        let Some(key) = doc.text(k) else { continue };
        if !key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
            continue;
        }
        let value = doc.text(v).unwrap_or("");
        if !(value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")) {
            report(
                cx,
                PssLevel::Baseline,
                0,
                doc.entry_span(k, v),
                format!("{} sets AppArmor profile `{value}` (Pod Security baseline, AppArmor): only the runtime default or a profile loaded on the node may be used; `unconfined` removes the mandatory access control that contains a compromised process", p.what),
                "Set the annotation to `runtime/default` (or `localhost/<profile>`), or better `securityContext.appArmorProfile.type: RuntimeDefault`".to_string(),
            );
        }
    }
    for (sc, who) in p.contexts() {
        let prof = sc.and_then(|sc| doc.get_map(sc, "appArmorProfile"));
        if let Some((span, v)) = p.field(prof, "type") {
            let t = doc.text(v).unwrap_or("");
            if t != "RuntimeDefault" && t != "Localhost" {
                report(
                    cx,
                    PssLevel::Baseline,
                    0,
                    span,
                    format!("{who} sets `appArmorProfile.type: {t}` (Pod Security baseline, AppArmor): only `RuntimeDefault` or `Localhost` are allowed; an unconfined process loses the mandatory access control that contains it"),
                    "Set `securityContext.appArmorProfile.type: RuntimeDefault`".to_string(),
                );
            }
        }
    }
}

pss_rule!(Selinux, "selinux", selinux);
fn selinux(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    for (sc, who) in p.contexts() {
        let opts = sc.and_then(|sc| doc.get_map(sc, "seLinuxOptions"));
        if let Some((span, v)) = p.field(opts, "type") {
            let t = doc.text(v).unwrap_or("");
            let until = if t == "container_engine_t" { 31 } else { 0 };
            if !t.is_empty() && (!SELINUX_TYPES.contains(&t) || until > 0) {
                report_until(
                    cx,
                    PssLevel::Baseline,
                    0,
                    until,
                    span,
                    format!("{who} sets SELinux type `{t}` (Pod Security baseline, SELinux): only `container_t`, `container_init_t`, `container_kvm_t` and `container_engine_t` are allowed; other types can lift the confinement of the container"),
                    "Remove `seLinuxOptions.type`, or set it to `container_t`".to_string(),
                );
            }
        }
        for key in ["user", "role"] {
            if let Some((span, v)) = p.field(opts, key) {
                let t = doc.text(v).unwrap_or("");
                if !t.is_empty() {
                    report(
                        cx,
                        PssLevel::Baseline,
                        0,
                        span,
                        format!("{who} sets SELinux {key} `{t}` (Pod Security baseline, SELinux): a custom SELinux {key} may escape the container policy"),
                        format!("Remove `seLinuxOptions.{key}`"),
                    );
                }
            }
        }
    }
}

pss_rule!(ProcMount, "proc-mount", proc_mount);
fn proc_mount(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    // With `hostUsers: false` Baseline (1.35+) allows any procMount;
    // Restricted does not. Such a pod gets both findings, for disjoint
    // level versions: at most one survives `finalize`.
    let windows: &[(PssLevel, u32, u32)] = if p.user_namespace() {
        &[(PssLevel::Baseline, 0, 35), (PssLevel::Restricted, 35, 0)]
    } else {
        &[(PssLevel::Baseline, 0, 0)]
    };
    for c in p.containers() {
        if let Some((span, v)) = p.field(p.csc(&c), "procMount") {
            let t = doc.text(v).unwrap_or("");
            if doc.is_null(v) || t == "Default" {
                continue;
            }
            for &(level, since, until) in windows {
                report_until(
                    cx,
                    level,
                    since,
                    until,
                    span,
                    format!("{c} of {} sets `procMount: {t}` (Pod Security {level}, /proc Mount Type): an unmasked /proc exposes kernel information and tunables the runtime normally hides", p.what),
                    "Remove `procMount` or set `securityContext.procMount: Default`".to_string(),
                );
            }
        }
    }
}

/// `seccompProfile.type` of a security context: (span, value).
fn seccomp_type<'d>(p: &Pod<'d>, sc: Option<NodeId>) -> Option<(Span, &'d str)> {
    let prof = sc.and_then(|sc| p.doc.get_map(sc, "seccompProfile"));
    let (span, v) = p.field(prof, "type")?;
    Some((span, p.doc.text(v).unwrap_or("")))
}

fn seccomp_ok(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

pss_rule!(SeccompUnconfined, "seccomp-unconfined", seccomp_unconfined);
fn seccomp_unconfined(p: &Pod<'_>, cx: &mut Cx<'_>) {
    for (sc, who) in p.contexts() {
        if let Some((span, t)) = seccomp_type(p, sc) {
            if !seccomp_ok(t) {
                report(
                    cx,
                    PssLevel::Baseline,
                    19,
                    span,
                    format!("{who} sets `seccompProfile.type: {t}` (Pod Security baseline, Seccomp): without a seccomp filter every system call reaches the kernel, so one kernel bug is a container escape"),
                    "Set `seccompProfile.type: RuntimeDefault`".to_string(),
                );
            }
        }
    }
}

pss_rule!(Sysctls, "sysctls", sysctls);
fn sysctls(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    for s in p
        .psc
        .and_then(|sc| doc.get_seq(sc, "sysctls"))
        .into_iter()
        .flat_map(|s| doc.items(s))
    {
        if let Some((span, v)) = p.field(Some(s), "name") {
            let name = doc.text(v).unwrap_or("");
            let allowed_from = SAFE_SYSCTLS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|&(_, v)| v);
            if allowed_from != Some(0) {
                report_until(
                    cx,
                    PssLevel::Baseline,
                    0,
                    allowed_from.unwrap_or(0),
                    span,
                    format!("{} sets sysctl `{name}` (Pod Security baseline, Sysctls): only namespaced sysctls known to be safe are allowed; others can affect every pod on the node", p.what),
                    format!("Remove the `{name}` sysctl, or set it on the node instead"),
                );
            }
        }
    }
}

pss_rule!(
    WindowsHostProcess,
    "windows-host-process",
    windows_host_process
);
fn windows_host_process(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    for (sc, who) in p.contexts() {
        let w = sc.and_then(|sc| doc.get_map(sc, "windowsOptions"));
        if let Some((span, v)) = p.field(w, "hostProcess") {
            if doc.bool(v) == Some(true) {
                report(
                    cx,
                    PssLevel::Baseline,
                    0,
                    span,
                    format!("{who} sets `windowsOptions.hostProcess: true` (Pod Security baseline, HostProcess): a HostProcess container runs directly on the Windows node with full access to it"),
                    "Remove `windowsOptions.hostProcess` or set it to `false`".to_string(),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Restricted

pss_rule!(
    RestrictedVolumeTypes,
    "restricted-volume-types",
    restricted_volume_types
);
fn restricted_volume_types(p: &Pod<'_>, cx: &mut Cx<'_>) {
    let doc = p.doc;
    for v in doc
        .get_seq(p.spec.node, "volumes")
        .into_iter()
        .flat_map(|s| doc.items(s))
    {
        for (k, val) in doc.entries(v) {
            let Some(key) = doc.text(k) else { continue };
            if !FORBIDDEN_VOLUMES.contains(&key) || doc.is_null(val) {
                continue;
            }
            let name = doc.get_str(v, "name").unwrap_or("?");
            report(
                cx,
                PssLevel::Restricted,
                0,
                doc.span(k),
                format!("volume `{name}` of {} uses the volume type `{key}` (Pod Security restricted, Volume Types): restricted pods may only use {}; other volume types mount storage straight from the node or network, outside the cluster's access control", p.what, RESTRICTED_VOLUMES.join(", ")),
                format!("Replace the `{key}` volume with a `persistentVolumeClaim` (backed by a PersistentVolume or CSI driver)"),
            );
        }
    }
}

pss_rule!(
    AllowPrivilegeEscalation,
    "allow-privilege-escalation",
    allow_privilege_escalation
);
fn allow_privilege_escalation(p: &Pod<'_>, cx: &mut Cx<'_>) {
    // Windows pods are exempt from level version 1.25 on.
    let until = if p.is_windows() { 25 } else { 0 };
    let doc = p.doc;
    for c in p.containers() {
        let sc = p.csc(&c);
        // The API server rejects `allowPrivilegeEscalation: false` next to
        // `privileged: true` or an added CAP_SYS_ADMIN.
        let privileged = sc
            .and_then(|sc| doc.get_key(sc, "privileged"))
            .and_then(|v| doc.bool(v))
            == Some(true);
        let sys_admin = added_caps(p, &c).iter().any(|(_, cap)| {
            cap.eq_ignore_ascii_case("SYS_ADMIN") || cap.eq_ignore_ascii_case("CAP_SYS_ADMIN")
        });
        let fix = (!p.is_windows() && !privileged && !sys_admin)
            .then(|| {
                container_set(
                    p,
                    &c,
                    cx.text,
                    &["allowPrivilegeEscalation"],
                    NewValue::Bool(false),
                    "allowPrivilegeEscalation: false",
                )
            })
            .flatten();
        match p.field(sc, "allowPrivilegeEscalation") {
            Some((_, v)) if p.doc.bool(v) == Some(false) => continue,
            Some((span, _)) => report_until(
                cx,
                PssLevel::Restricted,
                8,
                until,
                span,
                format!("{c} of {} allows privilege escalation (Pod Security restricted, Privilege Escalation): a setuid binary in the image can gain more privileges than the process started with", p.what),
                "Set `securityContext.allowPrivilegeEscalation: false`".to_string(),
            ),
            None => report_until(
                cx,
                PssLevel::Restricted,
                8,
                until,
                p.container_anchor(&c),
                format!("{c} of {} does not set `allowPrivilegeEscalation: false` (Pod Security restricted, Privilege Escalation): it defaults to allowed, so a setuid binary in the image can gain more privileges than the process started with", p.what),
                "Set `securityContext.allowPrivilegeEscalation: false`".to_string(),
            ),
        }
        cx.fix(fix);
    }
}

pss_rule!(RunAsNonRoot, "run-as-non-root", run_as_non_root);
fn run_as_non_root(p: &Pod<'_>, cx: &mut Cx<'_>) {
    // `hostUsers: false` exempts the pod from level version 1.35 on.
    let until = if p.user_namespace() { 35 } else { 0 };
    let doc = p.doc;
    let pod = p.field(p.psc, "runAsNonRoot");
    let msg_false = |who: &str| {
        format!("{who} sets `runAsNonRoot: false` (Pod Security restricted, Running as Non-root): its processes may run as root, and root in a container is one kernel bug away from root on the node")
    };
    let help = "Set `securityContext.runAsNonRoot: true` (in the pod's securityContext it covers every container) and run the image as a non-zero UID".to_string();
    // `runAsNonRoot: true` next to an explicit `runAsUser: 0` stops the
    // kubelet from starting the container: no fix where it would apply.
    let pod_user = run_as_user(p, p.psc);
    let runs_as_root = |c: &Container<'_>| run_as_user(p, p.csc(c)).or(pod_user) == Some(0);
    let inherits_root = p
        .containers()
        .any(|c| p.field(p.csc(&c), "runAsNonRoot").is_none() && runs_as_root(&c));
    let pod_fix = || {
        (!inherits_root)
            .then(|| {
                pod_set(
                    p,
                    cx.text,
                    &["runAsNonRoot"],
                    NewValue::Bool(true),
                    "runAsNonRoot: true",
                )
            })
            .flatten()
    };
    let (pod_fix, text) = (pod_fix(), cx.text);
    if let Some((span, v)) = pod {
        if doc.bool(v) != Some(true) {
            report_until(
                cx,
                PssLevel::Restricted,
                0,
                until,
                span,
                msg_false(&p.pod_noun().to_string()),
                help.clone(),
            );
            cx.fix(pod_fix.clone());
        }
    }
    for c in p.containers() {
        match p.field(p.csc(&c), "runAsNonRoot") {
            Some((span, v)) if doc.bool(v) != Some(true) => {
                report_until(
                    cx,
                    PssLevel::Restricted,
                    0,
                    until,
                    span,
                    msg_false(&format!("{c} of {}", p.what)),
                    help.clone(),
                );
                if !runs_as_root(&c) {
                    cx.fix(container_set(
                        p,
                        &c,
                        text,
                        &["runAsNonRoot"],
                        NewValue::Bool(true),
                        "runAsNonRoot: true",
                    ));
                }
            }
            Some(_) => {}
            // Unset: inherits the pod's value. A pod-level `false` is
            // reported once above.
            None if pod.is_none() => {
                report_until(
                    cx,
                    PssLevel::Restricted,
                    0,
                    until,
                    p.container_anchor(&c),
                    format!("{c} of {} does not set `runAsNonRoot: true`, nor does its pod (Pod Security restricted, Running as Non-root): nothing stops the image from running as root, and root in a container is one kernel bug away from root on the node", p.what),
                    help.clone(),
                );
                // One pod-level edit answers for every container: the
                // identical fixes of several containers are applied once.
                cx.fix(pod_fix.clone());
            }
            None => {}
        }
    }
}

pss_rule!(RunAsUserRoot, "run-as-user-root", run_as_user_root);
fn run_as_user_root(p: &Pod<'_>, cx: &mut Cx<'_>) {
    // `hostUsers: false` exempts the pod from level version 1.35 on.
    let until = if p.user_namespace() { 35 } else { 0 };
    for (sc, who) in p.contexts() {
        if let Some((span, v)) = p.field(sc, "runAsUser") {
            if p.doc.int(v) == Some(0) {
                report_until(
                    cx,
                    PssLevel::Restricted,
                    23,
                    until,
                    span,
                    format!("{who} sets `runAsUser: 0` (Pod Security restricted, Running as Non-root user): the process runs as root, which makes any container escape a root compromise of the node"),
                    "Set `runAsUser` to a non-zero UID (e.g. 10001) the image can run as".to_string(),
                );
            }
        }
    }
}

pss_rule!(SeccompProfile, "seccomp-profile", seccomp_profile);
fn seccomp_profile(p: &Pod<'_>, cx: &mut Cx<'_>) {
    // Windows pods are exempt from level version 1.25 on.
    let until = if p.is_windows() { 25 } else { 0 };
    // A pod-level profile (valid or not) answers for containers that set
    // none; an invalid one is the `seccomp-unconfined` finding.
    if seccomp_type(p, p.psc).is_some() {
        return;
    }
    // `RuntimeDefault` next to a `localhostProfile` is invalid; seccomp
    // annotations must agree with the field.
    let localhost = p
        .psc
        .and_then(|sc| p.doc.get_map(sc, "seccompProfile"))
        .is_some_and(|m| p.doc.get_key(m, "localhostProfile").is_some());
    let fix = (!p.is_windows() && !localhost && !seccomp_annotations(p))
        .then(|| {
            pod_set(
                p,
                cx.text,
                &["seccompProfile", "type"],
                NewValue::str("RuntimeDefault"),
                "seccompProfile.type: RuntimeDefault",
            )
        })
        .flatten();
    for c in p.containers() {
        if seccomp_type(p, p.csc(&c)).is_none() {
            report_until(
                cx,
                PssLevel::Restricted,
                19,
                until,
                p.container_anchor(&c),
                format!("{c} of {} has no seccomp profile, at container or pod level (Pod Security restricted, Seccomp): on most runtimes it then runs unconfined, with every system call reaching the kernel", p.what),
                "Set `securityContext.seccompProfile.type: RuntimeDefault` in the pod's securityContext (it covers every container)".to_string(),
            );
            cx.fix(fix.clone());
        }
    }
}

pss_rule!(
    RestrictedCapabilities,
    "restricted-capabilities",
    restricted_capabilities
);
fn restricted_capabilities(p: &Pod<'_>, cx: &mut Cx<'_>) {
    // Windows pods are exempt from level version 1.25 on.
    let until = if p.is_windows() { 25 } else { 0 };
    let doc = p.doc;
    for c in p.containers() {
        let sc = p.csc(&c);
        let caps = sc.and_then(|sc| doc.get_map(sc, "capabilities"));
        let drops_all = caps
            .and_then(|m| doc.get_seq(m, "drop"))
            .is_some_and(|s| doc.items(s).any(|i| doc.text(i) == Some("ALL")));
        if !drops_all {
            let span = caps
                .and_then(|_| sc.and_then(|sc| p.key_span(sc, "capabilities")))
                .unwrap_or_else(|| p.container_anchor(&c));
            report_until(
                cx,
                PssLevel::Restricted,
                22,
                until,
                span,
                format!("{c} of {} does not drop all capabilities (Pod Security restricted, Capabilities): it keeps the runtime's default set (CHOWN, DAC_OVERRIDE, SETUID, …), which a compromised process can use", p.what),
                "Set `securityContext.capabilities.drop: [\"ALL\"]` (add back only `NET_BIND_SERVICE` if needed)".to_string(),
            );
            if !p.is_windows() {
                // Capabilities in `add` are granted after the drop: they stay.
                cx.fix(
                    Editor::new(doc, cx.text)
                        .ensure_item(
                            c.node,
                            &["securityContext", "capabilities", "drop"],
                            NewValue::str("ALL"),
                        )
                        .map(|e| {
                            Fix::safe(
                                format!("Add `ALL` to `securityContext.capabilities.drop` of {c}"),
                                e,
                            )
                        }),
                );
            }
        }
        for (node, cap) in added_caps(p, &c) {
            // Outside the Baseline set is `baseline-capabilities`' finding.
            if cap != "NET_BIND_SERVICE" && BASELINE_CAPABILITIES.contains(&cap) {
                report_until(
                    cx,
                    PssLevel::Restricted,
                    22,
                    until,
                    doc.span(node),
                    format!("{c} of {} adds capability `{cap}` (Pod Security restricted, Capabilities): restricted pods may add only `NET_BIND_SERVICE`", p.what),
                    format!("Remove `{cap}` from `securityContext.capabilities.add`"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Hardening beyond the standards (not tied to a level)

struct ReadOnlyRootFilesystem;
impl Rule for ReadOnlyRootFilesystem {
    fn id(&self) -> &'static str {
        "read-only-root-filesystem"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(p) = Pod::of(obj) else {
            return;
        };
        for c in p.containers() {
            if c.list == crate::model::ContainerList::EphemeralContainers {
                continue;
            }
            let fix = (!p.is_windows())
                .then(|| {
                    container_set(
                        &p,
                        &c,
                        cx.text,
                        &["readOnlyRootFilesystem"],
                        NewValue::Bool(true),
                        "readOnlyRootFilesystem: true",
                    )
                })
                .flatten();
            match p.field(p.csc(&c), "readOnlyRootFilesystem") {
                Some((_, v)) if p.doc.bool(v) == Some(true) => continue,
                Some((span, _)) => cx.report(
                    span,
                    format!("{c} of {} has a writable root filesystem: an attacker who gets in can drop tools and change binaries, and writes go to the node's disk unaccounted", p.what),
                    "Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the process must write (e.g. /tmp)",
                ),
                None => cx.report(
                    p.container_anchor(&c),
                    format!("{c} of {} does not set `readOnlyRootFilesystem: true`: an attacker who gets in can drop tools and change binaries, and writes go to the node's disk unaccounted", p.what),
                    "Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the process must write (e.g. /tmp)",
                ),
            }
            cx.fix(fix);
        }
    }
}

struct MissingSecurityContext;
impl Rule for MissingSecurityContext {
    fn id(&self) -> &'static str {
        "missing-security-context"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(p) = Pod::of(obj) else {
            return;
        };
        if p.psc.is_some() {
            return;
        }
        for c in p.containers() {
            if c.list == crate::model::ContainerList::EphemeralContainers {
                continue;
            }
            if p.doc.get_key(c.node, "securityContext").is_none() {
                cx.report(
                    p.doc.span(c.node),
                    format!("{c} of {} has no securityContext, and neither has its pod: it runs with the image's user (often root), privilege escalation allowed, the runtime's default capabilities and no seccomp filter", p.what),
                    "Add `securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [\"ALL\"]}, seccompProfile: {type: RuntimeDefault}}`",
                );
            }
        }
    }
}

struct AutomountServiceAccountToken;
impl Rule for AutomountServiceAccountToken {
    fn id(&self) -> &'static str {
        "automount-service-account-token"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn deferred(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(p) = Pod::of(obj) else {
            return;
        };
        let doc = p.doc;
        if doc
            .get_key(p.spec.node, "automountServiceAccountToken")
            .is_some()
        {
            return;
        }
        // A pod that names its own service account is taken to need API
        // access; the `default` account normally has none.
        let sa = doc
            .get_str(p.spec.node, "serviceAccountName")
            .or_else(|| doc.get_str(p.spec.node, "serviceAccount"))
            .filter(|s| !s.is_empty())
            .unwrap_or("default");
        if sa != "default" {
            return;
        }
        cx.report_with_data(
            p.spec_key(),
            format!("{} runs as the `default` service account with its API token mounted: the pod does not appear to use the Kubernetes API, yet anyone who compromises it gets a token to call it", p.what),
            "Set `automountServiceAccountToken: false` in the pod spec (or on the `default` ServiceAccount)",
            "default",
        );
        if !uses_api(&p) {
            cx.fix(
                Editor::new(doc, cx.text)
                    .set(
                        p.spec.node,
                        &["automountServiceAccountToken"],
                        NewValue::Bool(false),
                    )
                    .map(|e| {
                        Fix::safe(
                            "Set `automountServiceAccountToken: false` in the pod spec",
                            e,
                        )
                    }),
            );
        }
    }
    fn finalize(&self, f: &mut Finding, index: &Index) -> bool {
        let data = index.memo(DefaultAccounts::build);
        // A `default` ServiceAccount in the input that disables the mount
        // answers for every pod using it.
        let ns = f.object.as_ref().and_then(|o| o.namespace.as_deref());
        if data.no_automount.contains(&ns.map(str::to_owned)) {
            return false;
        }
        // A binding in the input that grants the namespace's `default`
        // account (or all accounts of the namespace) a role says its pods
        // call the API: no fix then. Cluster-wide grants to every account
        // (`system:serviceaccounts`) are no such sign.
        if f.fix.is_some() {
            let ns = ns.unwrap_or("default");
            if data
                .granted
                .contains(&format!("system:serviceaccount:{ns}:default"))
                || data
                    .granted
                    .contains(&format!("system:serviceaccounts:{ns}"))
            {
                f.fix = None;
            }
        }
        true
    }
}

/// What `automount-service-account-token` asks of the whole input, found
/// once per run: the namespaces whose `default` ServiceAccount disables
/// the token mount, and every subject some (Cluster)RoleBinding grants.
struct DefaultAccounts {
    no_automount: std::collections::HashSet<Option<String>>,
    granted: std::collections::HashSet<String>,
}

impl DefaultAccounts {
    fn build(index: &Index) -> Self {
        let no_automount = index
            .of_kind("ServiceAccount")
            .filter(|o| {
                o.reference.name.as_deref() == Some("default")
                    && o.facts.automount_token == Some(false)
            })
            .map(|o| o.reference.namespace.clone())
            .collect();
        let granted = ["RoleBinding", "ClusterRoleBinding"]
            .into_iter()
            .flat_map(|k| index.of_kind(k))
            .flat_map(|o| o.facts.rbac_subjects.iter().cloned())
            .collect();
        DefaultAccounts {
            no_automount,
            granted,
        }
    }
}

/// Whether a pod evidently calls the Kubernetes API with its mounted
/// token: a container runs `kubectl` or `helm`, reads the API server's
/// address from `KUBERNETES_SERVICE_HOST`, or names the token's path.
/// Such a pod needs the token, and `automountServiceAccountToken: false`
/// would break it, so it gets no fix (its own ServiceAccount is the fix).
fn uses_api(p: &Pod<'_>) -> bool {
    let doc = p.doc;
    p.containers().any(|c| {
        (c.node..doc.subtree_end(c.node)).any(|n| {
            doc.text(n).is_some_and(|t| {
                t.contains("kubectl")
                    || t.contains("KUBERNETES_SERVICE_HOST")
                    || t.contains("secrets/kubernetes.io/serviceaccount")
                    || t == "helm"
                    || t.starts_with("helm ")
                    || t.rsplit('/')
                        .next()
                        .is_some_and(|i| i.starts_with("helm:") || i == "helm")
            })
        })
    })
}

// ---------------------------------------------------------------------------
// Namespace labels

fn pss_labels<'d>(obj: &Object<'d>) -> Option<Vec<(NodeId, NodeId, &'d str)>> {
    if obj.kind != "Namespace" || !obj.group().is_empty() {
        return None;
    }
    let doc = obj.doc;
    Some(
        obj.label_entries()
            .filter_map(|(k, v)| Some((k, v, doc.text(k)?)))
            .filter(|(_, _, k)| k.starts_with(LABEL_PREFIX))
            .collect(),
    )
}

struct PssNamespaceLabels;
impl Rule for PssNamespaceLabels {
    fn id(&self) -> &'static str {
        "pss-namespace-labels"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(labels) = pss_labels(obj) else {
            return;
        };
        let doc = obj.doc;
        for (k, v, key) in labels {
            let mode = &key[LABEL_PREFIX.len()..];
            let value = doc.text(v).unwrap_or("");
            let span = doc.entry_span(k, v);
            match mode {
                "enforce" | "audit" | "warn" => {
                    if PssLevel::parse(value).is_none() {
                        let effect = if mode == "enforce" {
                            "the admission controller falls back to enforcing restricted, which rejects pods you meant to allow"
                        } else {
                            "the admission controller ignores it (fails open to privileged), so nothing is reported"
                        };
                        cx.report(
                            span,
                            format!("`{key}: {value}` is not a Pod Security level: {effect}"),
                            format!("Set `{key}` to `privileged`, `baseline` or `restricted`"),
                        );
                    }
                }
                "enforce-version" | "audit-version" | "warn-version" => {
                    if !valid_version(value) {
                        cx.report(
                            span,
                            format!("`{key}: {value}` is not a Pod Security version: the admission controller treats it as `latest`, so the policy can tighten on a cluster upgrade without notice"),
                            format!("Set `{key}` to `latest` or a version such as `v1.37`"),
                        );
                    }
                }
                _ => cx.report(
                    span,
                    format!("`{key}` is not a Pod Security label: the admission controller ignores it, so no policy applies through it"),
                    "Use `pod-security.kubernetes.io/enforce`, `audit` or `warn` (each with an optional `-version`)",
                ),
            }
        }
    }
}

struct PssNamespaceUnenforced;
impl Rule for PssNamespaceUnenforced {
    fn id(&self) -> &'static str {
        "pss-namespace-unenforced"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some(labels) = pss_labels(obj) else {
            return;
        };
        let doc = obj.doc;
        let enforce = format!("{LABEL_PREFIX}enforce");
        if labels.iter().any(|(_, _, k)| *k == enforce) {
            return;
        }
        let name = obj.name.unwrap_or("?");
        cx.report(
            doc.span(obj.name_node()),
            format!("namespace `{name}` has no `{enforce}` label: its pods get only the cluster's default level (privileged unless the admission configuration says otherwise), so nothing stops a privileged pod"),
            format!("Add the label `{enforce}: restricted` (or `baseline`) to the Namespace"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("v1.22"), Some(22));
        assert_eq!(parse_version("v1.0"), Some(0));
        assert_eq!(parse_version("v1.022"), None);
        assert_eq!(parse_version("1.22"), None);
        assert!(valid_version("latest"));
        assert!(!valid_version("v2.0"));
        assert!(version_covers(Some("latest"), 35, 0));
        assert!(!version_covers(Some("v1.21"), 22, 0));
        assert!(version_covers(Some("v1.22"), 22, 0));
        assert!(version_covers(Some("bogus"), 22, 0));
        assert!(version_covers(Some("v1.24"), 0, 25));
        assert!(!version_covers(Some("v1.25"), 0, 25));
        assert!(!version_covers(Some("latest"), 0, 25));
        assert!(!version_covers(None, 0, 25));
    }
}
