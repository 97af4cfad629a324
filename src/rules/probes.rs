//! Category `probes`: readiness, liveness and startup probes.
//!
//! The missing-probe rules cover long-running, controller-managed
//! workloads — Deployment, StatefulSet, DaemonSet, ReplicaSet and
//! ReplicationController — and in them the regular containers plus sidecar
//! init containers (`restartPolicy: Always`), which run for the pod's whole
//! life. Bare Pods (usually one-off or debugging pods), Jobs, CronJobs and
//! PodTemplates are not checked for missing probes. The port and
//! identical-probe checks apply to every probe that is written, in any
//! workload.

use super::resources::workload;
use super::{Cx, Rule};
use crate::model::{Container, ContainerList, Object, WorkloadKind};
use crate::yaml::{Document, NodeId};

pub(super) static RULES: &[&dyn Rule] = &[
    &MissingProbe::READINESS,
    &MissingProbe::LIVENESS,
    &ProbePort::NAMED,
    &ProbePort::NUMBERED,
    &IdenticalProbes,
];

/// Containers that run as long as the pod: regular containers and sidecar
/// init containers.
fn long_running<'d>(obj: &Object<'d>) -> Vec<Container<'d>> {
    let doc = obj.doc;
    let Some(spec) = obj.pod_spec() else {
        return Vec::new();
    };
    spec.containers_in(ContainerList::Containers)
        .chain(
            spec.containers_in(ContainerList::InitContainers)
                .filter(|c| doc.get_str(c.node, "restartPolicy") == Some("Always")),
        )
        .collect()
}

struct MissingProbe {
    id: &'static str,
    key: &'static str,
    why: &'static str,
    help: &'static str,
}

impl MissingProbe {
    const READINESS: MissingProbe = MissingProbe {
        id: "missing-readiness-probe",
        key: "readinessProbe",
        why: "it is counted ready as soon as the process starts, so Services send it traffic before it can serve, and a rolling update can replace working pods with ones that are not serving yet",
        help: "Add a `readinessProbe` that checks the container can serve (for example `httpGet` on a `/ready` endpoint)",
    };
    const LIVENESS: MissingProbe = MissingProbe {
        id: "missing-liveness-probe",
        key: "livenessProbe",
        why: "if the process deadlocks or hangs without exiting, Kubernetes never restarts it and it keeps failing requests until someone notices",
        help: "Add a `livenessProbe` that checks only the process itself (not its dependencies), with a generous `failureThreshold`",
    };
}

impl Rule for MissingProbe {
    fn id(&self) -> &'static str {
        self.id
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        if !matches!(
            obj.workload_kind(),
            Some(
                WorkloadKind::Deployment
                    | WorkloadKind::StatefulSet
                    | WorkloadKind::DaemonSet
                    | WorkloadKind::ReplicaSet
                    | WorkloadKind::ReplicationController
            )
        ) {
            return;
        }
        for c in long_running(obj) {
            if doc
                .get_key(c.node, self.key)
                .is_some_and(|p| !doc.is_null(p))
            {
                continue;
            }
            let what = if c.list == ContainerList::InitContainers {
                format!("sidecar {c}")
            } else {
                c.to_string()
            };
            cx.report(
                doc.span(c.node),
                format!(
                    "{what} of {} has no `{}`: {}",
                    workload(obj),
                    self.key,
                    self.why
                ),
                self.help,
            );
        }
    }
}

const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

/// A probe port the container does not declare: by name (the probe can
/// never succeed) or by number (opt-in: the `ports` list is informational,
/// and probing an undeclared port works).
struct ProbePort {
    id: &'static str,
    named: bool,
}

impl ProbePort {
    const NAMED: ProbePort = ProbePort {
        id: "probe-port-not-exposed",
        named: true,
    };
    const NUMBERED: ProbePort = ProbePort {
        id: "probe-port-undeclared",
        named: false,
    };
}

impl Rule for ProbePort {
    fn id(&self) -> &'static str {
        self.id
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        for c in spec.all_containers() {
            let ports: Vec<(Option<&str>, Option<i64>)> = doc
                .get_seq(c.node, "ports")
                .into_iter()
                .flat_map(|s| doc.items(s))
                .map(|p| {
                    (
                        doc.get_key(p, "name").and_then(|n| doc.text(n)),
                        doc.get_key(p, "containerPort").and_then(|n| doc.int(n)),
                    )
                })
                .collect();
            for probe in PROBES {
                let Some(p) = doc.get_map(c.node, probe) else {
                    continue;
                };
                for handler in ["httpGet", "tcpSocket", "grpc"] {
                    let Some(h) = doc.get_map(p, handler) else {
                        continue;
                    };
                    if doc.get_key(h, "host").is_some_and(|v| !doc.is_null(v)) {
                        continue; // probes another host
                    }
                    let Some((pk, pv)) = doc.entry(h, "port") else {
                        continue;
                    };
                    let Some(text) = doc.text(pv) else {
                        continue;
                    };
                    if text.contains("{{") || text.contains('$') {
                        continue;
                    }
                    // The kubelet resolves a string as a port name first and
                    // falls back to reading it as a number.
                    let by_name = ports.iter().any(|(n, _)| *n == Some(text));
                    let number = text.parse::<i64>().ok();
                    let message = match number {
                        _ if by_name => continue,
                        Some(_) if self.named => continue,
                        None if !self.named => continue,
                        Some(n) => {
                            if ports.is_empty() || ports.iter().any(|(_, p)| *p == Some(n)) {
                                continue;
                            }
                            let declared: Vec<String> = ports
                                .iter()
                                .filter_map(|(_, p)| p.map(|p| p.to_string()))
                                .collect();
                            format!(
                                "the `{probe}` of {c} of {} checks port {n}, which the container does not declare (it declares {}): if the process does not listen there, the probe fails and the container is {}",
                                workload(obj),
                                declared.join(", "),
                                consequence(probe)
                            )
                        }
                        None => format!(
                            "the `{probe}` of {c} of {} uses the port name `{text}`, but the container declares no port of that name: the kubelet cannot resolve it, so the probe always fails and the container is {}",
                            workload(obj),
                            consequence(probe)
                        ),
                    };
                    cx.report(
                        doc.entry_span(pk, pv),
                        message,
                        format!("Point `{probe}.{handler}.port` at a port listed in the container's `ports` (by `containerPort` or `name`), or declare the port there"),
                    );
                }
            }
        }
    }
}

fn consequence(probe: &str) -> &'static str {
    match probe {
        "readinessProbe" => "never ready and receives no traffic",
        _ => "restarted over and over",
    }
}

/// A canonical text of a subtree (map keys sorted), to compare probes
/// whatever their key order or quoting.
fn canonical(doc: &Document<'_>, node: NodeId, out: &mut String) {
    if doc.is_map(node) {
        let mut entries: Vec<(String, NodeId)> = doc
            .entries(node)
            .map(|(k, v)| (doc.text(k).unwrap_or_default().to_string(), v))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        out.push('{');
        for (k, v) in entries {
            out.push_str(&k);
            out.push(':');
            canonical(doc, v, out);
            out.push(',');
        }
        out.push('}');
    } else if doc.is_seq(node) {
        out.push('[');
        for i in doc.items(node) {
            canonical(doc, i, out);
            out.push(',');
        }
        out.push(']');
    } else {
        out.push_str(&format!("{:?}", doc.text(node).unwrap_or_default()));
    }
}

struct IdenticalProbes;

impl Rule for IdenticalProbes {
    fn id(&self) -> &'static str {
        "identical-probes"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let Some(spec) = obj.pod_spec() else {
            return;
        };
        for c in spec.all_containers() {
            let (Some((lk, lv)), Some((rk, rv))) = (
                doc.entry(c.node, "livenessProbe"),
                doc.entry(c.node, "readinessProbe"),
            ) else {
                continue;
            };
            if !doc.is_map(lv) || !doc.is_map(rv) {
                continue;
            }
            let (mut a, mut b) = (String::new(), String::new());
            canonical(doc, lv, &mut a);
            canonical(doc, rv, &mut b);
            if a != b {
                continue;
            }
            cx.report_related(
                doc.span(lk),
                format!(
                    "{c} of {} has identical liveness and readiness probes: when the check fails under load or because a dependency is down, every replica is taken out of service and restarted at the same moment, turning a slowdown into an outage",
                    workload(obj)
                ),
                "Make the liveness probe check only that the process is alive (a cheap endpoint, higher `failureThreshold`), and keep the dependency checks in the readiness probe",
                vec![(doc.span(rk), "readiness probe".to_string())],
            );
        }
    }
}
