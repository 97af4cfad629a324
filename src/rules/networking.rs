//! Category `networking`: ports, Services and Ingresses of one object —
//! port numbers and names the API server rejects, ports that expose
//! services on every node or to the internet, Ingresses without TLS or
//! with raw NGINX configuration.

use super::resources::{is_placeholder, workload};
use super::{Cx, Rule};
use crate::model::{Container, ContainerList, Object};
use crate::yaml::{Document, NodeId};

pub(super) static RULES: &[&dyn Rule] = &[
    &InvalidPort,
    &SshPort,
    &PrivilegedPort,
    &ServiceNodePort,
    &ServiceLoadBalancer,
    &IngressMissingTls,
    &IngressNginxSnippet,
];

fn is_core(obj: &Object<'_>, kind: &str) -> bool {
    obj.kind == kind && obj.group().is_empty()
}

fn is_ingress(obj: &Object<'_>) -> bool {
    obj.kind == "Ingress" && matches!(obj.group(), "networking.k8s.io" | "extensions")
}

/// Regular and init containers (ephemeral containers may not have ports).
fn port_containers<'d>(obj: &Object<'d>) -> Vec<Container<'d>> {
    let Some(spec) = obj.pod_spec() else {
        return Vec::new();
    };
    spec.containers_in(ContainerList::Containers)
        .chain(spec.containers_in(ContainerList::InitContainers))
        .collect()
}

/// `ports[]` items of a container or Service that are mappings.
fn port_items<'d>(doc: &'d Document<'d>, parent: NodeId) -> impl Iterator<Item = NodeId> + 'd {
    doc.get_seq(parent, "ports")
        .into_iter()
        .flat_map(move |s| doc.items(s))
        .filter(move |&i| doc.is_map(i))
}

/// Why a name is not an IANA service name (what container port names and
/// named target ports must be), if it is not.
pub(super) fn iana_svc_name_error(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > 15 {
        Some("is longer than 15 characters")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Some("may contain only lowercase letters, digits and `-`")
    } else if !name.chars().any(|c| c.is_ascii_lowercase()) {
        Some("must contain at least one letter")
    } else if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        Some("may not begin or end with `-` or contain `--`")
    } else {
        None
    }
}

/// Why a name is not a DNS label (what Service port names must be).
fn dns_label_error(name: &str) -> Option<&'static str> {
    if name.len() > 63 {
        Some("is longer than 63 characters")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Some("may contain only lowercase letters, digits and `-`")
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("may not begin or end with `-`")
    } else {
        None
    }
}

/// A written port value that is a string (a name) or an integer, skipping
/// placeholders.
enum PortValue<'d> {
    Number(i64),
    Name(&'d str),
    Other,
}

fn port_value<'d>(doc: &'d Document<'d>, v: NodeId) -> PortValue<'d> {
    if let Some(n) = doc.int(v) {
        return PortValue::Number(n);
    }
    match doc.str(v) {
        Some(s) if !is_placeholder(s) && !s.contains('$') => PortValue::Name(s),
        _ => PortValue::Other,
    }
}

struct InvalidPort;

impl InvalidPort {
    fn containers(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let rejected = "the API server rejects the object";
        for c in port_containers(obj) {
            let mut names: Vec<&str> = Vec::new();
            for p in port_items(doc, c.node) {
                let owner = format!("{c} of {}", workload(obj));
                match doc.entry(p, "containerPort") {
                    None => cx.report(
                        doc.span(p),
                        format!(
                            "a port of {owner} has no containerPort: {rejected} (`Required value`)"
                        ),
                        "Add `containerPort` with the number the process listens on",
                    ),
                    Some((k, v)) => {
                        if let PortValue::Number(n) = port_value(doc, v) {
                            if !(1..=65535).contains(&n) {
                                cx.report(
                                    doc.entry_span(k, v),
                                    format!("{owner} declares containerPort {n}: ports are 1 to 65535, and {rejected}"),
                                    "Use the port number the process listens on (1–65535)",
                                );
                            }
                        }
                    }
                }
                if let Some((k, v)) = doc.entry(p, "hostPort") {
                    if let PortValue::Number(n) = port_value(doc, v) {
                        if !(0..=65535).contains(&n) {
                            cx.report(
                                doc.entry_span(k, v),
                                format!("{owner} declares hostPort {n}: ports are 1 to 65535 (0 means none), and {rejected}"),
                                "Fix the number or remove `hostPort`",
                            );
                        }
                    }
                }
                let Some((k, v)) = doc.entry(p, "name") else {
                    continue;
                };
                let PortValue::Name(name) = port_value(doc, v) else {
                    continue;
                };
                if let Some(e) = iana_svc_name_error(name) {
                    cx.report(
                        doc.entry_span(k, v),
                        format!("port name `{name}` of {owner} {e}: container port names must be IANA service names (up to 15 lowercase letters, digits and `-`, with at least one letter), and {rejected}"),
                        "Shorten or rename the port (for example `http`, `metrics`, `grpc-api`) and update probes and Services that refer to it",
                    );
                } else if names.contains(&name) {
                    cx.report(
                        doc.entry_span(k, v),
                        format!("port name `{name}` is used twice in {owner}: names must be unique within a container, and {rejected} (`Duplicate value`)"),
                        "Give each port its own name",
                    );
                } else {
                    names.push(name);
                }
            }
        }
    }

    fn service(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some(spec) = doc.get_map(obj.node, "spec") else {
            return;
        };
        let what = workload(obj);
        let rejected = "the API server rejects the Service";
        let ports: Vec<NodeId> = port_items(doc, spec).collect();
        let mut names: Vec<&str> = Vec::new();
        for &p in &ports {
            if let Some((k, v)) = doc.entry(p, "port") {
                if let PortValue::Number(n) = port_value(doc, v) {
                    if !(1..=65535).contains(&n) {
                        cx.report(
                            doc.entry_span(k, v),
                            format!(
                                "{what} declares port {n}: ports are 1 to 65535, and {rejected}"
                            ),
                            "Use a port number from 1 to 65535",
                        );
                    }
                }
            }
            if let Some((k, v)) = doc.entry(p, "targetPort") {
                match port_value(doc, v) {
                    PortValue::Number(n) if !(1..=65535).contains(&n) => cx.report(
                        doc.entry_span(k, v),
                        format!("{what} has targetPort {n}: ports are 1 to 65535, and {rejected}"),
                        "Use the container's port number or the name of one of its ports",
                    ),
                    PortValue::Name(name) => {
                        if let Some(e) = iana_svc_name_error(name) {
                            cx.report(
                                doc.entry_span(k, v),
                                format!("targetPort `{name}` of {what} {e}: a named target port must be an IANA service name (up to 15 lowercase letters, digits and `-`), so it can never match a container port, and {rejected}"),
                                "Refer to the container port by number, or by a valid port name the container declares",
                            );
                        }
                    }
                    _ => {}
                }
            }
            match doc.entry(p, "name").map(|(k, v)| (k, v, port_value(doc, v))) {
                Some((k, v, PortValue::Name(name))) => {
                    if let Some(e) = dns_label_error(name) {
                        cx.report(
                            doc.entry_span(k, v),
                            format!("port name `{name}` of {what} {e}: Service port names must be DNS labels, and {rejected}"),
                            "Use lowercase letters, digits and `-` (for example `http` or `grpc-api`)",
                        );
                    } else if names.contains(&name) {
                        cx.report(
                            doc.entry_span(k, v),
                            format!("port name `{name}` is used twice in {what}: {rejected} (`Duplicate value`)"),
                            "Give each port its own name",
                        );
                    } else {
                        names.push(name);
                    }
                }
                None if ports.len() > 1 => cx.report(
                    doc.span(p),
                    format!("a port of {what} has no name although the Service has several ports: {rejected} (`Required value`)"),
                    "Name every port of a multi-port Service (for example `http` and `metrics`)",
                ),
                _ => {}
            }
        }
    }
}

impl Rule for InvalidPort {
    fn id(&self) -> &'static str {
        "invalid-port"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if is_core(obj, "Service") {
            self.service(obj, cx);
        } else {
            self.containers(obj, cx);
        }
    }
}

/// Each declared container port number: (container, key, value, number).
fn container_ports<'d>(obj: &Object<'d>) -> Vec<(Container<'d>, NodeId, NodeId, i64)> {
    let doc = obj.doc;
    let mut out = Vec::new();
    for c in port_containers(obj) {
        for p in port_items(doc, c.node) {
            if doc.get_str(p, "protocol").is_some_and(|pr| pr != "TCP") {
                continue;
            }
            if let Some((k, v)) = doc.entry(p, "containerPort") {
                if let Some(n) = doc.int(v) {
                    out.push((c, k, v, n));
                }
            }
        }
    }
    out
}

struct SshPort;

impl Rule for SshPort {
    fn id(&self) -> &'static str {
        "ssh-port"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (c, k, v, n) in container_ports(obj) {
            if n != 22 {
                continue;
            }
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{c} of {} exposes port 22 (SSH): an SSH daemon in a container is a second way in, with its own keys to leak and rotate, that bypasses the API server's authentication, RBAC and audit log",
                    workload(obj)
                ),
                "Remove the SSH server and use `kubectl exec` or `kubectl debug`; if the port serves something else (a Git server's SSH), move it to an unprivileged port",
            );
        }
    }
}

struct PrivilegedPort;

impl Rule for PrivilegedPort {
    fn id(&self) -> &'static str {
        "privileged-port"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (c, k, v, n) in container_ports(obj) {
            if !(1..1024).contains(&n) {
                continue;
            }
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{c} of {} listens on privileged port {n}: binding a port below 1024 needs root or the NET_BIND_SERVICE capability unless the runtime lowers the limit, which pulls the image towards running as root",
                    workload(obj)
                ),
                "Listen on a port above 1023 in the container (8080, 8443) and map it in the Service (`port: 80`, `targetPort: 8080`)",
            );
        }
    }
}

/// `spec.type` of a core Service: (key, value, type).
fn service_type<'d>(obj: &Object<'d>) -> Option<(NodeId, NodeId, &'d str)> {
    if !is_core(obj, "Service") {
        return None;
    }
    let doc = obj.doc;
    let (k, v) = doc.entry(doc.get_map(obj.node, "spec")?, "type")?;
    Some((k, v, doc.str(v)?))
}

struct ServiceNodePort;

impl Rule for ServiceNodePort {
    fn id(&self) -> &'static str {
        "service-node-port"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some((k, v, "NodePort")) = service_type(obj) else {
            return;
        };
        cx.report(
            obj.doc.entry_span(k, v),
            format!(
                "{} is of type NodePort: it opens a port on every node of the cluster, reachable by anything that can reach a node and bypassing the load balancer or ingress (and their TLS, authentication and rate limits)",
                workload(obj)
            ),
            "Use `type: ClusterIP` behind an Ingress or Gateway, or `type: LoadBalancer` for direct exposure",
        );
    }
}

/// Annotations that make a cloud load balancer internal.
const INTERNAL_LB: &[(&str, &str)] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", ""),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    ("networking.gke.io/load-balancer-type", "Internal"),
    ("cloud.google.com/load-balancer-type", "Internal"),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "true",
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        "private",
    ),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        "true",
    ),
];

struct ServiceLoadBalancer;

impl Rule for ServiceLoadBalancer {
    fn id(&self) -> &'static str {
        "service-load-balancer"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let Some((k, v, "LoadBalancer")) = service_type(obj) else {
            return;
        };
        let internal = INTERNAL_LB.iter().any(|(key, value)| {
            obj.annotation(key).is_some_and(|a| {
                if value.is_empty() {
                    !matches!(a, "false" | "")
                } else {
                    a.eq_ignore_ascii_case(value)
                }
            })
        });
        let doc = obj.doc;
        let restricted = doc
            .path(obj.node, &["spec", "loadBalancerSourceRanges"])
            .is_some_and(|s| doc.items(s).len() > 0);
        if internal || restricted {
            return;
        }
        cx.report(
            doc.entry_span(k, v),
            format!(
                "{} is of type LoadBalancer with no internal-load-balancer annotation and no loadBalancerSourceRanges: on most clouds that provisions a load balancer reachable from the internet",
                workload(obj)
            ),
            "Expose it through the shared Ingress or Gateway, mark the load balancer internal, or restrict `loadBalancerSourceRanges` to the clients that need it",
        );
    }
}

/// Annotations that terminate TLS in front of an Ingress without `tls`.
const TLS_ANNOTATIONS: &[&str] = &[
    "alb.ingress.kubernetes.io/certificate-arn",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/managed-certificates",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
];

struct IngressMissingTls;

impl Rule for IngressMissingTls {
    fn id(&self) -> &'static str {
        "ingress-missing-tls"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_ingress(obj) {
            return;
        }
        let doc = obj.doc;
        let Some(spec) = doc.get_map(obj.node, "spec") else {
            return;
        };
        if doc
            .get_seq(spec, "tls")
            .is_some_and(|s| doc.items(s).len() > 0)
            || TLS_ANNOTATIONS.iter().any(|a| obj.annotation(a).is_some())
        {
            return;
        }
        cx.report(
            super::replicas::spec_anchor(obj),
            format!(
                "{} has no `tls` section: its hosts are served over plain HTTP, so credentials, cookies and data cross the network readable and modifiable by anyone on the path",
                workload(obj)
            ),
            "Add `spec.tls` with the hosts and a certificate Secret (cert-manager can issue it), or terminate TLS in front of the controller and say so with its annotation",
        );
    }
}

struct IngressNginxSnippet;

impl Rule for IngressNginxSnippet {
    fn id(&self) -> &'static str {
        "ingress-nginx-snippet"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_ingress(obj) {
            return;
        }
        let doc = obj.doc;
        for (k, v) in obj.annotation_entries() {
            let Some(key) = doc.text(k) else {
                continue;
            };
            let Some(name) = key.strip_prefix("nginx.ingress.kubernetes.io/") else {
                continue;
            };
            if !name.ends_with("-snippet") {
                continue;
            }
            let value = doc.text(v).unwrap_or_default();
            let lower = value.to_ascii_lowercase();
            let extra = if lower.contains("_by_lua") || lower.contains("lua_") {
                " This one runs Lua code inside the controller."
            } else if lower
                .split([';', '\n', '{'])
                .any(|d| d.trim_start().starts_with("alias "))
            {
                " This one uses `alias`, which can serve arbitrary files of the controller's filesystem, including its service-account token."
            } else {
                ""
            };
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{} sets `{key}`: snippets inject raw NGINX configuration into the shared ingress controller, which can read every Secret of the cluster, so whoever may create an Ingress can make it serve them (CVE-2021-25742); ingress-nginx disables snippet annotations by default since 1.9.{extra}",
                    workload(obj)
                ),
                "Replace the snippet with the dedicated annotations or a ConfigMap setting of the controller; keep `allow-snippet-annotations: false`",
            );
        }
    }
}
