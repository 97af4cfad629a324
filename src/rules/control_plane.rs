//! Category `control-plane`: static pod manifests of `kube-apiserver`,
//! `kube-controller-manager`, `kube-scheduler` and `etcd`.
//!
//! A container is recognised by the first element of its `command`
//! (`kube-apiserver`, `/usr/local/bin/etcd`, …) or, failing that, by the
//! pod's `component` label together with the container's name (kubeadm
//! labels its static pods `component: kube-apiserver` and names the
//! container the same). Flags are read from `command` (after the binary)
//! and `args`, as `--flag=value`, `--flag value` or a bare boolean
//! `--flag`; a repeated flag's last value wins, except for list flags,
//! whose values accumulate. A present flag is reported at its list item; a
//! missing one at the `command` (or `args`) key.

use super::{Cx, Rule};
use crate::model::{Container, Memo, Object};
use crate::yaml::{Document, NodeId, Span};

pub(super) static RULES: &[&dyn Rule] = &[
    &AnonymousAuth,
    &AuditLog,
    &NodeRestriction,
    &AuthorizationAlwaysAllow,
    &AuthorizationMode,
    &Profiling,
    &EtcdTls,
    &InsecurePort,
    &RequestLimits,
    &StaticCredentials,
    &KubeletTls,
    &AdmissionPlugins,
    &RecommendedAdmissionPlugins,
    &AuditLogRotation,
    &ServiceAccountTokens,
    &ServingTls,
    &EncryptionAtRest,
    &ControllerManagerServiceAccounts,
    &BindAddress,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
}

impl Component {
    fn from_name(s: &str) -> Option<Component> {
        Some(match s {
            "kube-apiserver" => Component::ApiServer,
            "kube-controller-manager" => Component::ControllerManager,
            "kube-scheduler" => Component::Scheduler,
            "etcd" => Component::Etcd,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
        }
    }
}

struct Flag<'d> {
    name: &'d str,
    value: Option<&'d str>,
    /// The list item holding the flag.
    node: NodeId,
}

struct Process<'d> {
    component: Component,
    flags: Vec<Flag<'d>>,
    /// Where a missing flag is reported.
    missing_span: Span,
    container: Container<'d>,
}

impl<'d> Process<'d> {
    /// The last occurrence of a flag.
    fn get(&self, name: &str) -> Option<&Flag<'d>> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// Values of a list flag, over all its occurrences, with the last item.
    fn list(&self, name: &str) -> Option<(Vec<&'d str>, NodeId)> {
        let occurrences: Vec<&Flag<'d>> = self.flags.iter().filter(|f| f.name == name).collect();
        let last = occurrences.last()?.node;
        let values = occurrences
            .iter()
            .flat_map(|f| f.value.unwrap_or("").split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        Some((values, last))
    }

    fn is_false(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|f| f.value.is_some_and(|v| v.eq_ignore_ascii_case("false")))
    }

    fn is_true(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|f| f.value.is_none_or(|v| v.eq_ignore_ascii_case("true")))
    }
}

fn strings<'d>(doc: &'d Document<'d>, seq: Option<NodeId>) -> Vec<(NodeId, &'d str)> {
    seq.map(|s| {
        doc.items(s)
            .filter_map(|i| Some((i, doc.text(i)?)))
            .collect()
    })
    .unwrap_or_default()
}

fn parse_flags<'d>(items: &[(NodeId, &'d str)]) -> Vec<Flag<'d>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let (node, s) = items[i];
        i += 1;
        let Some(body) = s.strip_prefix("--").or_else(|| s.strip_prefix('-')) else {
            continue;
        };
        if body.is_empty() {
            continue;
        }
        match body.split_once('=') {
            Some((name, value)) => out.push(Flag {
                name,
                value: Some(value),
                node,
            }),
            None => {
                let value = match items.get(i) {
                    Some((_, next)) if !next.starts_with('-') => {
                        i += 1;
                        Some(*next)
                    }
                    _ => None,
                };
                out.push(Flag {
                    name: body,
                    value,
                    node,
                });
            }
        }
    }
    out
}

fn processes<'d>(obj: &Object<'d>) -> Vec<Process<'d>> {
    let Some(spec) = obj.pod_spec() else {
        return Vec::new();
    };
    let doc = obj.doc;
    let label = || {
        spec.metadata
            .and_then(|m| doc.get_map(m, "labels"))
            .and_then(|l| doc.get_key(l, "component"))
            .and_then(|v| doc.text(v))
            .and_then(Component::from_name)
    };
    // Most workloads run no control-plane component: decide that from the
    // label and the first word of each command before collecting any
    // flags, once for all the control-plane rules.
    let runs_component = |c: &Container<'_>| {
        doc.get_seq(c.node, "command")
            .and_then(|s| doc.items(s).find_map(|v| doc.text(v)))
            .is_some_and(|s| Component::from_name(s.rsplit('/').next().unwrap_or(s)).is_some())
    };
    let may_run = || label().is_some() || spec.all_containers().any(|c| runs_component(&c));
    if !obj.memo(Memo::ControlPlane, may_run) {
        return Vec::new();
    }
    let label = label();
    let mut out = Vec::new();
    for c in spec.all_containers() {
        let command_entry = doc.entry(c.node, "command");
        let args_entry = doc.entry(c.node, "args");
        let command = strings(doc, command_entry.map(|(_, v)| v));
        let args = strings(doc, args_entry.map(|(_, v)| v));
        let by_command = command
            .first()
            .and_then(|(_, s)| Component::from_name(s.rsplit('/').next().unwrap_or(s)));
        let component = match (by_command, label) {
            (Some(c), _) => c,
            (None, Some(l)) if command.is_empty() && c.name == Some(l.name()) => l,
            _ => continue,
        };
        let mut items: Vec<(NodeId, &str)> = Vec::new();
        if by_command.is_some() {
            items.extend_from_slice(&command[1..]);
        }
        items.extend_from_slice(&args);
        let missing_span = match (by_command.is_some(), command_entry, args_entry) {
            (true, Some((k, _)), _) => doc.span(k),
            (_, _, Some((k, _))) => doc.span(k),
            (_, Some((k, _)), None) => doc.span(k),
            _ => doc.span(c.node),
        };
        out.push(Process {
            component,
            flags: parse_flags(&items),
            missing_span,
            container: c,
        });
    }
    out
}

fn for_each(obj: &Object<'_>, which: &[Component], mut f: impl FnMut(&Process<'_>)) {
    for p in processes(obj) {
        if which.contains(&p.component) {
            f(&p);
        }
    }
}

fn flag_span(obj: &Object<'_>, f: &Flag<'_>) -> Span {
    obj.doc.span(f.node)
}

struct AnonymousAuth;

impl Rule for AnonymousAuth {
    fn id(&self) -> &'static str {
        "apiserver-anonymous-auth"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if p.is_false("anonymous-auth") || p.get("authentication-config").is_some() {
                return;
            }
            let (span, how) = match p.get("anonymous-auth") {
                Some(f) => (flag_span(obj, f), "is enabled"),
                None => (
                    p.missing_span,
                    "is on by default (no --anonymous-auth=false)",
                ),
            };
            cx.report(
                span,
                format!(
                    "anonymous access to kube-apiserver {how}: unauthenticated requests are served as system:anonymous, and any RBAC binding to system:unauthenticated or a permissive authorizer exposes the API to the network"
                ),
                "Add `--anonymous-auth=false` (or allow anonymous access only for health endpoints through `--authentication-config`)",
            );
        });
    }
}

struct AuditLog;

impl Rule for AuditLog {
    fn id(&self) -> &'static str {
        "apiserver-audit-log"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            let sink =
                p.get("audit-log-path").is_some() || p.get("audit-webhook-config-file").is_some();
            let policy = p.get("audit-policy-file").is_some();
            let missing = match (sink, policy) {
                (true, true) => return,
                (false, false) => "--audit-policy-file and --audit-log-path",
                (true, false) => "--audit-policy-file",
                (false, true) => "--audit-log-path (or --audit-webhook-config-file)",
            };
            cx.report(
                p.missing_span,
                format!(
                    "kube-apiserver has no {missing}: no audit events are written, so there is no record of who read Secrets, exec'd into pods or changed RBAC"
                ),
                "Add `--audit-policy-file=/etc/kubernetes/audit-policy.yaml` and `--audit-log-path=/var/log/kubernetes/audit.log` (with `--audit-log-maxage`/`--audit-log-maxbackup`)",
            );
        });
    }
}

struct NodeRestriction;

impl Rule for NodeRestriction {
    fn id(&self) -> &'static str {
        "apiserver-node-restriction"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            let msg = "lets a kubelet modify any Node and any Pod, so one compromised node can relabel others and attract workloads and their Secrets";
            if let Some((values, node)) = p.list("disable-admission-plugins") {
                if values.contains(&"NodeRestriction") {
                    cx.report(
                        obj.doc.span(node),
                        format!("the NodeRestriction admission plugin is disabled: that {msg}"),
                        "Remove NodeRestriction from `--disable-admission-plugins`",
                    );
                    return;
                }
            }
            match p.list("enable-admission-plugins") {
                Some((values, _)) if values.contains(&"NodeRestriction") => {}
                Some((_, node)) => cx.report(
                    obj.doc.span(node),
                    format!("--enable-admission-plugins does not include NodeRestriction: that {msg}"),
                    "Add NodeRestriction to `--enable-admission-plugins`",
                ),
                None => cx.report(
                    p.missing_span,
                    format!("kube-apiserver has no --enable-admission-plugins with NodeRestriction (it is not on by default): that {msg}"),
                    "Add `--enable-admission-plugins=NodeRestriction`",
                ),
            }
        });
    }
}

struct AuthorizationAlwaysAllow;

impl Rule for AuthorizationAlwaysAllow {
    fn id(&self) -> &'static str {
        "apiserver-authorization-always-allow"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if p.get("authorization-config").is_some() {
                return;
            }
            let msg = "every authenticated request is allowed — any service account token can read all Secrets and create privileged pods";
            match p.list("authorization-mode") {
                Some((values, node)) if values.contains(&"AlwaysAllow") => cx.report(
                    obj.doc.span(node),
                    format!("--authorization-mode includes AlwaysAllow: {msg}"),
                    "Set `--authorization-mode=Node,RBAC`",
                ),
                Some(_) => {}
                None => cx.report(
                    p.missing_span,
                    format!("kube-apiserver has no --authorization-mode, and the default is AlwaysAllow: {msg}"),
                    "Add `--authorization-mode=Node,RBAC`",
                ),
            }
        });
    }
}

struct AuthorizationMode;

impl Rule for AuthorizationMode {
    fn id(&self) -> &'static str {
        "apiserver-authorization-mode"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            let Some((values, node)) = p.list("authorization-mode") else {
                return;
            };
            if values.contains(&"AlwaysAllow") {
                return;
            }
            let mut missing = Vec::new();
            if !values.contains(&"Node") {
                missing.push(
                    "Node (kubelets are then authorized by RBAC alone and can read every Secret)",
                );
            }
            if !values.contains(&"RBAC") {
                missing.push("RBAC (Roles and bindings have no effect)");
            }
            if missing.is_empty() {
                return;
            }
            cx.report(
                obj.doc.span(node),
                format!("--authorization-mode lacks {}", missing.join(" and ")),
                "Set `--authorization-mode=Node,RBAC` (plus Webhook if you use one)",
            );
        });
    }
}

struct Profiling;

impl Rule for Profiling {
    fn id(&self) -> &'static str {
        "control-plane-profiling"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(
            obj,
            &[
                Component::ApiServer,
                Component::ControllerManager,
                Component::Scheduler,
            ],
            |p| {
                if p.is_false("profiling") {
                    return;
                }
                let name = p.component.name();
                let (span, how) = match p.get("profiling") {
                    Some(f) => (flag_span(obj, f), "--profiling is enabled"),
                    None => (p.missing_span, "profiling is on by default"),
                };
                cx.report(
                    span,
                    format!(
                        "{name} serves /debug/pprof ({how}): it exposes internals and lets callers trigger expensive CPU profiles"
                    ),
                    "Add `--profiling=false`",
                );
            },
        );
    }
}

struct EtcdTls;

impl Rule for EtcdTls {
    fn id(&self) -> &'static str {
        "etcd-tls"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::Etcd, Component::ApiServer], |p| {
            let doc = obj.doc;
            let (required, what): (&[&str], &str) = if p.component == Component::Etcd {
                (
                    &[
                        "cert-file",
                        "key-file",
                        "trusted-ca-file",
                        "peer-cert-file",
                        "peer-key-file",
                        "peer-trusted-ca-file",
                    ],
                    "without client and peer TLS anyone who reaches etcd can read or rewrite its data — for a cluster's etcd, every Secret",
                )
            } else {
                (
                    &["etcd-certfile", "etcd-keyfile", "etcd-cafile"],
                    "kube-apiserver then talks to etcd — every Secret of the cluster — without mutual TLS",
                )
            };
            let missing: Vec<String> = required
                .iter()
                .filter(|f| p.get(f).is_none_or(|f| f.value.is_none_or(str::is_empty)))
                .map(|f| format!("--{f}"))
                .collect();
            if !missing.is_empty() {
                cx.report(
                    p.missing_span,
                    format!("{} has no {}: {what}", p.container, missing.join(", ")),
                    format!(
                        "Add {}",
                        missing
                            .iter()
                            .map(|m| format!("`{m}=…`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            if p.component != Component::Etcd {
                return;
            }
            for (flag, wanted) in [("client-cert-auth", true), ("peer-client-cert-auth", true)] {
                if !p.is_true(flag) {
                    let span = p.get(flag).map_or(p.missing_span, |f| doc.span(f.node));
                    cx.report(
                        span,
                        format!("etcd does not set --{flag}=true: {} connections are not required to present a certificate signed by the trusted CA", if flag.starts_with("peer") { "peer" } else { "client" }),
                        format!("Add `--{flag}={wanted}`"),
                    );
                }
            }
            for flag in ["auto-tls", "peer-auto-tls"] {
                if let Some(f) = p.get(flag).filter(|_| p.is_true(flag)) {
                    cx.report(
                        doc.span(f.node),
                        format!("etcd --{flag} uses self-signed certificates that nobody verifies"),
                        format!("Remove `--{flag}` and configure certificates from the cluster CA"),
                    );
                }
            }
        });
    }
}

struct InsecurePort;

impl Rule for InsecurePort {
    fn id(&self) -> &'static str {
        "apiserver-insecure-port"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if let Some(f) = p.get("insecure-bind-address") {
                cx.report(
                    flag_span(obj, f),
                    format!(
                        "--insecure-bind-address={} exposes the unauthenticated insecure port on that address (the flag is gone since Kubernetes 1.24, where kube-apiserver refuses to start with it)",
                        f.value.unwrap_or("")
                    ),
                    "Remove `--insecure-bind-address`",
                );
            }
            if let Some(f) = p.get("secure-port") {
                if f.value.is_some_and(|v| v.trim() == "0") {
                    cx.report(
                        flag_span(obj, f),
                        "--secure-port=0 turns off HTTPS serving: the API is then reachable only through an insecure port, without TLS, authentication or authorization — or not at all",
                        "Remove `--secure-port=0` (the default is 6443)",
                    );
                }
            }
            let Some(f) = p.get("insecure-port") else {
                return;
            };
            if f.value.is_some_and(|v| v.trim() == "0") {
                return;
            }
            cx.report(
                flag_span(obj, f),
                format!(
                    "--insecure-port={} serves the API without authentication or authorization (and the flag is gone since Kubernetes 1.24, where kube-apiserver refuses to start with it)",
                    f.value.unwrap_or("")
                ),
                "Remove `--insecure-port`",
            );
        });
    }
}

/// A Go duration in seconds (`1m30s`, `60s`, `2h`), if it parses.
pub(super) fn go_duration_secs(s: &str) -> Option<f64> {
    if s == "0" {
        return Some(0.0);
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if num_end == 0 {
            return None;
        }
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += n * mult;
        rest = &rest[unit_end..];
    }
    Some(total)
}

struct RequestLimits;

impl Rule for RequestLimits {
    fn id(&self) -> &'static str {
        "apiserver-request-limits"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if let Some(f) = p.get("request-timeout") {
                let v = f.value.unwrap_or("");
                match go_duration_secs(v) {
                    Some(s) if s < 30.0 => cx.report(
                        flag_span(obj, f),
                        format!("--request-timeout={v} is short: large LIST requests and slow admission webhooks fail with timeouts"),
                        "Keep `--request-timeout` between 30s and 5m (default 1m0s)",
                    ),
                    Some(s) if s > 300.0 => cx.report(
                        flag_span(obj, f),
                        format!("--request-timeout={v} is long: stuck requests hold API server resources for that long and make overload harder to shed"),
                        "Keep `--request-timeout` between 30s and 5m (default 1m0s)",
                    ),
                    _ => {}
                }
            }
            for (flag, default) in [
                ("max-requests-inflight", 400),
                ("max-mutating-requests-inflight", 200),
            ] {
                let Some(f) = p.get(flag) else { continue };
                let Some(n) = f.value.and_then(|v| v.trim().parse::<i64>().ok()) else {
                    continue;
                };
                if n == 0 || n < 50 {
                    let what = if n == 0 {
                        "removes the limit: an overloaded API server accepts requests until it runs out of memory".to_string()
                    } else {
                        format!("is very low (default {default}): ordinary controller traffic is throttled with 429 errors")
                    };
                    cx.report(
                        flag_span(obj, f),
                        format!("--{flag}={n} {what}"),
                        format!("Keep `--{flag}` near its default of {default}, scaled to the control plane's size"),
                    );
                }
            }
        });
    }
}

/// A flag that is present with a non-empty value.
fn has_value(p: &Process<'_>, name: &str) -> bool {
    p.get(name)
        .is_some_and(|f| f.value.is_some_and(|v| !v.trim().is_empty()))
}

/// `--a, --b` for a list of flag names.
fn flags(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("--{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct StaticCredentials;

impl Rule for StaticCredentials {
    fn id(&self) -> &'static str {
        "apiserver-static-credentials"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if let Some(f) = p.get("basic-auth-file") {
                cx.report(
                    flag_span(obj, f),
                    "--basic-auth-file authenticates with static passwords kept in plain text on the control-plane node, sent with every request and never expiring; the flag was removed in Kubernetes 1.19, where kube-apiserver refuses to start with it",
                    "Remove `--basic-auth-file`; authenticate people through OIDC or client certificates",
                );
            }
            if let Some(f) = p.get("token-auth-file") {
                cx.report(
                    flag_span(obj, f),
                    "--token-auth-file authenticates with static bearer tokens kept in plain text on the control-plane node: they never expire, and revoking one means editing the file and restarting the API server",
                    "Remove `--token-auth-file`; use OIDC, client certificates or service-account tokens, which expire",
                );
            }
        });
    }
}

struct KubeletTls;

impl Rule for KubeletTls {
    fn id(&self) -> &'static str {
        "apiserver-kubelet-tls"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if let Some(f) = p
                .get("kubelet-https")
                .filter(|_| p.is_false("kubelet-https"))
            {
                cx.report(
                    flag_span(obj, f),
                    "--kubelet-https=false makes kube-apiserver talk to kubelets over plain HTTP: exec sessions, logs and port-forwards cross the node network unencrypted",
                    "Remove `--kubelet-https=false`",
                );
            }
            let missing: Vec<&str> = ["kubelet-client-certificate", "kubelet-client-key"]
                .into_iter()
                .filter(|f| !has_value(p, f))
                .collect();
            if !missing.is_empty() {
                cx.report(
                    p.missing_span,
                    format!(
                        "kube-apiserver has no {}: it cannot authenticate to kubelets, so with kubelet anonymous access off `kubectl logs` and `exec` fail, and with it on any client can do what the API server does",
                        flags(&missing)
                    ),
                    "Add `--kubelet-client-certificate` and `--kubelet-client-key` (a client certificate the kubelets' CA trusts)",
                );
            }
            if !has_value(p, "kubelet-certificate-authority") {
                cx.report(
                    p.missing_span,
                    "kube-apiserver has no --kubelet-certificate-authority: it does not verify the kubelets' serving certificates, so anyone who can intercept node traffic sees exec sessions and logs",
                    "Give kubelets CA-signed serving certificates (`serverTLSBootstrap: true`) and add `--kubelet-certificate-authority`",
                );
            }
        });
    }
}

struct AdmissionPlugins;

impl Rule for AdmissionPlugins {
    fn id(&self) -> &'static str {
        "apiserver-admission-plugins"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            for flag in ["enable-admission-plugins", "admission-control"] {
                if let Some((values, node)) = p.list(flag) {
                    if values.contains(&"AlwaysAdmit") {
                        cx.report(
                            obj.doc.span(node),
                            format!("--{flag} includes AlwaysAdmit: it admits every request whatever the other plugins decide, so admission control does nothing"),
                            "Remove AlwaysAdmit (it is deprecated and off by default)",
                        );
                    }
                }
            }
            if let Some((values, node)) = p.list("disable-admission-plugins") {
                for (plugin, why) in [
                    ("ServiceAccount", "pods are no longer given a service account or checked against it, and token projection stops"),
                    ("NamespaceLifecycle", "objects can be created in namespaces that are being deleted or do not exist, and the system namespaces can be deleted"),
                ] {
                    if values.contains(&plugin) {
                        cx.report(
                            obj.doc.span(node),
                            format!("--disable-admission-plugins turns off {plugin}: {why}"),
                            format!("Remove {plugin} from `--disable-admission-plugins` (it is on by default)"),
                        );
                    }
                }
            }
        });
    }
}

struct RecommendedAdmissionPlugins;

impl Rule for RecommendedAdmissionPlugins {
    fn id(&self) -> &'static str {
        "apiserver-recommended-admission-plugins"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            let (values, span) = match p.list("enable-admission-plugins") {
                Some((v, node)) => (v, obj.doc.span(node)),
                None => (Vec::new(), p.missing_span),
            };
            for (plugin, why, extra) in [
                ("AlwaysPullImages", "a pod can then run any private image already cached on its node without having the pull secret for it", ""),
                ("EventRateLimit", "a misbehaving client can then flood the API server and etcd with events", ", with its limits in `--admission-control-config-file`"),
            ] {
                if !values.contains(&plugin) {
                    cx.report(
                        span,
                        format!("kube-apiserver does not enable the {plugin} admission plugin: {why}"),
                        format!("Add {plugin} to `--enable-admission-plugins`{extra}"),
                    );
                }
            }
        });
    }
}

struct AuditLogRotation;

impl Rule for AuditLogRotation {
    fn id(&self) -> &'static str {
        "apiserver-audit-log-rotation"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            let Some(f) = p.get("audit-log-path") else {
                return;
            };
            // `-` writes to standard output, rotated by the log collector.
            if f.value
                .is_none_or(|v| v.trim() == "-" || v.trim().is_empty())
            {
                return;
            }
            let missing: Vec<&str> = [
                "audit-log-maxage",
                "audit-log-maxbackup",
                "audit-log-maxsize",
            ]
            .into_iter()
            .filter(|n| !has_value(p, n))
            .collect();
            if missing.is_empty() {
                return;
            }
            cx.report(
                flag_span(obj, f),
                format!(
                    "the audit log is written to a file without {}: old logs are then kept forever (until the control-plane disk fills up and the API server stops logging) or not kept long enough for an investigation",
                    flags(&missing)
                ),
                "Add `--audit-log-maxage=30`, `--audit-log-maxbackup=10` and `--audit-log-maxsize=100` (or ship the log elsewhere and keep what your retention policy requires)",
            );
        });
    }
}

struct ServiceAccountTokens;

impl Rule for ServiceAccountTokens {
    fn id(&self) -> &'static str {
        "apiserver-service-account-tokens"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if let Some(f) = p
                .get("service-account-lookup")
                .filter(|_| p.is_false("service-account-lookup"))
            {
                cx.report(
                    flag_span(obj, f),
                    "--service-account-lookup=false accepts a service-account token without checking that its account still exists: tokens of deleted service accounts keep working until they expire",
                    "Remove `--service-account-lookup=false` (the default is true)",
                );
            }
            if !has_value(p, "service-account-key-file") {
                cx.report(
                    p.missing_span,
                    "kube-apiserver has no --service-account-key-file: service-account tokens are then verified with the serving certificate's key, so rotating the serving certificate invalidates every token, and the keys cannot be rotated separately",
                    "Add `--service-account-key-file` with the public key(s) matching `--service-account-signing-key-file`",
                );
            }
        });
    }
}

/// TLS cipher suites that are broken (RC4, 3DES, NULL, export grade) or
/// use CBC, which the CIS benchmark's list of strong suites leaves out.
pub(super) fn weak_cipher(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["RC4", "3DES", "_NULL_", "EXPORT", "_CBC_"]
        .iter()
        .any(|w| n.contains(w))
}

struct ServingTls;

impl Rule for ServingTls {
    fn id(&self) -> &'static str {
        "apiserver-tls"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            let missing: Vec<&str> = ["tls-cert-file", "tls-private-key-file"]
                .into_iter()
                .filter(|n| !has_value(p, n))
                .collect();
            if !missing.is_empty() {
                cx.report(
                    p.missing_span,
                    format!(
                        "kube-apiserver has no {}: it serves a self-signed certificate generated at start-up, which clients cannot verify (so they end up skipping verification) and which changes on every restart",
                        flags(&missing)
                    ),
                    "Add `--tls-cert-file` and `--tls-private-key-file` with a certificate signed by the cluster CA",
                );
            }
            if let Some((values, node)) = p.list("tls-cipher-suites") {
                let weak: Vec<&str> = values.iter().copied().filter(|c| weak_cipher(c)).collect();
                if !weak.is_empty() {
                    cx.report(
                        obj.doc.span(node),
                        format!(
                            "--tls-cipher-suites allows weak suites ({}): broken ciphers, or CBC modes with known padding-oracle attacks, on the connection that carries every credential of the cluster",
                            weak.join(", ")
                        ),
                        "List only ECDHE suites with AES-GCM or ChaCha20-Poly1305 (or drop the flag and use Go's secure defaults)",
                    );
                }
            }
        });
    }
}

struct EncryptionAtRest;

impl Rule for EncryptionAtRest {
    fn id(&self) -> &'static str {
        "apiserver-encryption-at-rest"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ApiServer], |p| {
            if has_value(p, "encryption-provider-config") {
                return;
            }
            cx.report(
                p.missing_span,
                "kube-apiserver has no --encryption-provider-config: Secrets are stored in etcd as plain (base64) text, so every etcd backup, snapshot and disk holds them readable",
                "Add `--encryption-provider-config` with an EncryptionConfiguration that encrypts `secrets` (a KMS provider, or aescbc/secretbox with a key kept off the etcd disks)",
            );
        });
    }
}

struct ControllerManagerServiceAccounts;

impl Rule for ControllerManagerServiceAccounts {
    fn id(&self) -> &'static str {
        "controller-manager-service-accounts"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(obj, &[Component::ControllerManager], |p| {
            if !p.is_true("use-service-account-credentials") {
                let span = p
                    .get("use-service-account-credentials")
                    .map_or(p.missing_span, |f| flag_span(obj, f));
                cx.report(
                    span,
                    "kube-controller-manager does not set --use-service-account-credentials=true: every controller then acts with the controller manager's own, all-powerful credentials instead of a service account with only its controller's permissions",
                    "Add `--use-service-account-credentials=true`",
                );
            }
            for (flag, why) in [
                ("service-account-private-key-file", "it cannot sign service-account token Secrets"),
                ("root-ca-file", "service-account token Secrets carry no CA certificate, so pods cannot verify the API server they talk to"),
            ] {
                if !has_value(p, flag) {
                    cx.report(
                        p.missing_span,
                        format!("kube-controller-manager has no --{flag}: {why}"),
                        format!("Add `--{flag}=…`"),
                    );
                }
            }
        });
    }
}

struct BindAddress;

impl Rule for BindAddress {
    fn id(&self) -> &'static str {
        "control-plane-bind-address"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        for_each(
            obj,
            &[Component::ControllerManager, Component::Scheduler],
            |p| {
                let name = p.component.name();
                let (span, how) = match p.get("bind-address") {
                    Some(f) => {
                        let v = f.value.unwrap_or("").trim();
                        if matches!(v, "127.0.0.1" | "localhost" | "::1") {
                            return;
                        }
                        (flag_span(obj, f), format!("binds to {v}"))
                    }
                    None => (
                        p.missing_span,
                        "has no --bind-address, so it binds to 0.0.0.0".to_string(),
                    ),
                };
                cx.report(
                span,
                format!("{name} {how}: its health, metrics and (when on) profiling endpoints are served on every interface of the control-plane node"),
                "Add `--bind-address=127.0.0.1` and scrape metrics from the node or through a proxy",
            );
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(go_duration_secs("1m0s"), Some(60.0));
        assert_eq!(go_duration_secs("90s"), Some(90.0));
        assert_eq!(go_duration_secs("1h"), Some(3600.0));
        assert_eq!(go_duration_secs("0"), Some(0.0));
        assert_eq!(go_duration_secs("1.5m"), Some(90.0));
        assert_eq!(go_duration_secs("abc"), None);
        assert_eq!(go_duration_secs("10"), None);
    }
}

#[cfg(test)]
mod flag_tests {
    use super::*;

    #[test]
    fn flag_forms() {
        let items: Vec<(NodeId, &str)> = [
            "--a=1",
            "--b",
            "2",
            "--c",
            "--d=x=y",
            "-e=3",
            "positional",
            "--a=4",
        ]
        .iter()
        .enumerate()
        .map(|(i, s)| (i as NodeId, *s))
        .collect();
        let flags = parse_flags(&items);
        let got: Vec<(&str, Option<&str>)> = flags.iter().map(|f| (f.name, f.value)).collect();
        assert_eq!(
            got,
            [
                ("a", Some("1")),
                ("b", Some("2")),
                ("c", None),
                ("d", Some("x=y")),
                ("e", Some("3")),
                ("a", Some("4")),
            ]
        );
    }
}
