//! How objects point at each other: the names, selectors and ports by which
//! Services, Ingresses, autoscalers, disruption budgets, Prometheus
//! monitors and workloads refer to one another. [`Links::of`] extracts
//! them once per object into the index's facts, so the cross-object rules
//! of the `references` and `availability` categories never need the
//! documents.
//!
//! Values that are templated (`${VAR}`, `{{ .Values.x }}`) or not of the
//! type the API expects are kept as unknown, never guessed: a rule that
//! cannot tell what a reference names says nothing about it.

use super::selector::LabelSelector;
use super::{Object, PodSpec, WorkloadKind};
use crate::yaml::{Document, NodeId};

/// An `IntOrString` field (`targetPort`, `minAvailable`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrString {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for IntOrString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::Str(s) => write!(f, "{s}"),
        }
    }
}

impl IntOrString {
    /// Read a value the way the API decodes it: an integer only when
    /// Kubernetes' decoder types it as one (`"8080"` is a string).
    /// Templated values are unknown (`None`).
    fn of(doc: &Document<'_>, node: NodeId) -> Option<IntOrString> {
        if let Some(i) = doc.int(node) {
            return Some(IntOrString::Int(i));
        }
        let s = doc.str(node)?;
        (!is_templated(s)).then(|| IntOrString::Str(s.to_string()))
    }

    /// Resolve against `total` the way the disruption controller does
    /// (percentages round up). `None` for a malformed percentage.
    pub fn scaled(&self, total: i64) -> Option<i64> {
        match self {
            IntOrString::Int(i) => Some(*i),
            IntOrString::Str(s) => {
                let pct: i64 = s.strip_suffix('%')?.parse().ok()?;
                Some((pct * total + 99) / 100)
            }
        }
    }
}

/// Whether a value is a placeholder of a template engine or `envsubst`.
pub fn is_templated(s: &str) -> bool {
    s.contains("${") || s.contains("{{")
}

/// What one object says about others. Only kinds that refer to something
/// (or are referred to by port or replica count) get links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Links {
    Workload(WorkloadLinks),
    Service(ServiceLinks),
    /// An Ingress: the Services its backends name.
    Ingress(Vec<Backend>),
    Autoscaler(Autoscaler),
    DisruptionBudget(DisruptionBudget),
    Monitor(Monitor),
    /// A kustomize `Kustomization` or `Component`: its manifests are not
    /// final when it transforms labels.
    Kustomization(Kustomization),
    /// A core ConfigMap or Secret: the keys it holds.
    ConfigData(ConfigData),
}

/// The keys of a ConfigMap (`data`, `binaryData`) or Secret (`data`,
/// `stringData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigData {
    pub secret: bool,
    pub keys: Vec<String>,
}

/// What a kustomization does to the manifests it includes, as far as
/// references are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kustomization {
    /// `commonLabels` or `labels`: the labels (and possibly selectors) of
    /// the included objects are not as written.
    pub sets_labels: bool,
    /// `resources`, `bases` and `components` entries (paths relative to the
    /// kustomization's directory, or URLs).
    pub includes: Vec<String>,
    /// `configMapGenerator` or `secretGenerator`: ConfigMaps and Secrets
    /// that exist only once built, under hash-suffixed names.
    pub generates: bool,
}

/// A workload's references and scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadLinks {
    pub kind: WorkloadKind,
    /// `spec.replicas`: `None` when absent, `Some(None)` when written but
    /// not an integer (templated).
    pub replicas: Option<Option<i64>>,
    /// `serviceAccountName`, else the deprecated `serviceAccount`, when
    /// set to a concrete name.
    pub service_account: Option<String>,
    /// A StatefulSet's `spec.serviceName`.
    pub service_name: Option<String>,
    /// The ConfigMaps and Secrets its pods read (required ones only).
    pub config: Vec<ConfigRef>,
}

/// A pod's required reference to a ConfigMap or Secret (`optional: true`
/// references are not kept: a missing object or key is then fine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRef {
    /// A Secret rather than a ConfigMap.
    pub secret: bool,
    pub name: String,
    /// The keys it reads (an env `…KeyRef`, a volume's `items`); empty when
    /// it takes the whole object (`envFrom`, a volume without `items`).
    pub keys: Vec<String>,
    /// Where it is read, for messages: `env DB_HOST of container api`.
    pub place: String,
}

impl WorkloadLinks {
    /// The replica count the controller keeps when nothing scales it:
    /// `spec.replicas`, 1 when absent. `None` for kinds without replicas
    /// (DaemonSet, Job, Pod, …) and templated counts.
    pub fn replica_count(&self) -> Option<i64> {
        if !self.kind.is_scalable() {
            return None;
        }
        match self.replicas {
            None => Some(1),
            Some(n) => n,
        }
    }
}

impl WorkloadKind {
    /// Kinds with `spec.replicas` that a HorizontalPodAutoscaler can scale.
    pub fn is_scalable(self) -> bool {
        matches!(
            self,
            WorkloadKind::Deployment
                | WorkloadKind::StatefulSet
                | WorkloadKind::ReplicaSet
                | WorkloadKind::ReplicationController
        )
    }
}

/// One entry of a Service's `spec.ports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: Option<i64>,
    /// `targetPort` as written; `None` when absent (it defaults to `port`)
    /// or unknown.
    pub target: Option<IntOrString>,
    /// Whether `targetPort` is written at all.
    pub target_written: bool,
    pub protocol: String,
}

impl ServicePort {
    /// The port of the pods that traffic goes to: `targetPort`, else `port`.
    pub fn effective_target(&self) -> Option<IntOrString> {
        if self.target_written {
            self.target.clone()
        } else {
            self.port.map(IntOrString::Int)
        }
    }

    /// How a message names this port: `http (80)`, `80`.
    pub fn describe(&self) -> String {
        match (&self.name, self.port) {
            (Some(n), Some(p)) => format!("`{n}` ({p})"),
            (None, Some(p)) => format!("{p}"),
            (Some(n), None) => format!("`{n}`"),
            (None, None) => "?".to_string(),
        }
    }
}

/// A core `Service`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLinks {
    /// `spec.selector` when it is a non-empty map of concrete labels.
    /// `None`: no selector (endpoints managed by hand or ExternalName) or
    /// a templated one.
    pub selector: Option<Vec<(String, String)>>,
    /// `spec.type` (`ClusterIP` when absent).
    pub service_type: String,
    /// `clusterIP: None`.
    pub headless: bool,
    pub ports: Vec<ServicePort>,
}

/// One backend of an Ingress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// Where it is written, for messages: `defaultBackend`, `host
    /// shop.example.com path /api`.
    pub place: String,
    pub service: String,
    /// The Service port by number or name; `None` when absent or unknown.
    pub port: Option<IntOrString>,
}

/// A HorizontalPodAutoscaler (any `autoscaling` version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autoscaler {
    pub target_api_version: String,
    pub target_kind: String,
    pub target_name: String,
    /// `minReplicas`, 1 when absent; `None` when templated.
    pub min_replicas: Option<i64>,
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisruptionBudget {
    /// `None` when the selector is absent or null, which selects no pod.
    pub selector: Option<LabelSelector>,
    /// The selector is written but could not be read (templated,
    /// malformed): nothing is said about what it selects.
    pub selector_unknown: bool,
    pub min_available: Option<IntOrString>,
    pub max_unavailable: Option<IntOrString>,
}

/// Which namespaces a Prometheus monitor looks in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorNamespaces {
    /// Its own (no `namespaceSelector`).
    Own,
    /// `any: true`.
    Any,
    /// `matchNames`.
    Names(Vec<String>),
}

/// A Prometheus operator `ServiceMonitor` or `PodMonitor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    /// A PodMonitor (selects pods) rather than a ServiceMonitor (Services).
    pub pods: bool,
    pub selector: LabelSelector,
    pub namespaces: MonitorNamespaces,
    /// The named ports of its endpoints (`endpoints[].port` of a
    /// ServiceMonitor: Service port names; `podMetricsEndpoints[].port` of
    /// a PodMonitor: container port names).
    pub ports: Vec<String>,
}

impl Links {
    /// The links of an object; `pod_spec` is its [`Object::pod_spec`]
    /// (looked up once by the caller).
    pub fn of(obj: &Object<'_>, pod_spec: Option<PodSpec<'_>>) -> Option<Links> {
        let doc = obj.doc;
        let group = obj.group();
        if let Some(kind) = obj.workload_kind() {
            let spec = pod_spec;
            let sa = spec.and_then(|s| {
                doc.get_str(s.node, "serviceAccountName")
                    .filter(|n| !n.is_empty())
                    .or_else(|| doc.get_str(s.node, "serviceAccount"))
            });
            let replicas = doc
                .path(obj.node, &["spec", "replicas"])
                .filter(|&v| !doc.is_null(v))
                .map(|v| doc.int(v));
            let service_name = (kind == WorkloadKind::StatefulSet)
                .then(|| doc.path(obj.node, &["spec", "serviceName"]))
                .flatten()
                .and_then(|v| doc.str(v))
                .filter(|s| !s.is_empty() && !is_templated(s));
            let config = spec.map(|s| config_refs(doc, s)).unwrap_or_default();
            return Some(Links::Workload(WorkloadLinks {
                kind,
                replicas,
                service_account: sa
                    .filter(|s| !s.is_empty() && !is_templated(s))
                    .map(str::to_string),
                service_name: service_name.map(str::to_string),
                config,
            }));
        }
        let spec = doc.get_map(obj.node, "spec");
        match (group, obj.kind) {
            ("", "Service") => Some(Links::Service(service(doc, spec?))),
            ("", "ConfigMap" | "Secret") => {
                let secret = obj.kind == "Secret";
                let sections: &[&str] = if secret {
                    &["data", "stringData"]
                } else {
                    &["data", "binaryData"]
                };
                let keys = sections
                    .iter()
                    .filter_map(|k| doc.get_map(obj.node, k))
                    .flat_map(|m| doc.entries(m))
                    .filter_map(|(k, _)| doc.text(k))
                    .map(str::to_string)
                    .collect();
                Some(Links::ConfigData(ConfigData { secret, keys }))
            }
            ("networking.k8s.io" | "extensions", "Ingress") => {
                Some(Links::Ingress(ingress(doc, spec?)))
            }
            ("autoscaling", "HorizontalPodAutoscaler") => {
                let spec = spec?;
                let target = doc.get_map(spec, "scaleTargetRef")?;
                let text = |k: &str| {
                    doc.get_str(target, k)
                        .filter(|s| !is_templated(s))
                        .map(str::to_string)
                };
                let min_replicas = match doc.get_key(spec, "minReplicas") {
                    None => Some(1),
                    Some(v) if doc.is_null(v) => Some(1),
                    Some(v) => doc.int(v),
                };
                Some(Links::Autoscaler(Autoscaler {
                    target_api_version: text("apiVersion").unwrap_or_default(),
                    target_kind: text("kind")?,
                    target_name: text("name")?,
                    min_replicas,
                }))
            }
            ("policy", "PodDisruptionBudget") => {
                let spec = spec?;
                let sel = doc.get_key(spec, "selector").filter(|&v| !doc.is_null(v));
                let parsed = sel.and_then(|s| LabelSelector::from_node(doc, s));
                let templated = parsed.as_ref().is_some_and(|s| {
                    s.match_labels
                        .iter()
                        .any(|(k, v)| is_templated(k) || is_templated(v))
                        || s.match_expressions.iter().any(|r| {
                            is_templated(&r.key) || r.values.iter().any(|v| is_templated(v))
                        })
                });
                let value = |k: &str| {
                    doc.get_key(spec, k)
                        .filter(|&v| !doc.is_null(v))
                        .and_then(|v| IntOrString::of(doc, v))
                };
                Some(Links::DisruptionBudget(DisruptionBudget {
                    selector_unknown: sel.is_some() && (parsed.is_none() || templated),
                    selector: parsed.filter(|_| !templated),
                    min_available: value("minAvailable"),
                    max_unavailable: value("maxUnavailable"),
                }))
            }
            ("kustomize.config.k8s.io", "Kustomization" | "Component") => {
                let root = obj.node;
                let non_empty = |k: &str| {
                    doc.get_key(root, k)
                        .is_some_and(|v| doc.entries(v).len() > 0 || doc.items(v).len() > 0)
                };
                let includes = ["resources", "bases", "components"]
                    .iter()
                    .filter_map(|k| doc.get_seq(root, k))
                    .flat_map(|s| doc.items(s))
                    .filter_map(|i| doc.text(i))
                    .map(str::to_string)
                    .collect();
                Some(Links::Kustomization(Kustomization {
                    sets_labels: non_empty("commonLabels") || non_empty("labels"),
                    includes,
                    generates: non_empty("configMapGenerator") || non_empty("secretGenerator"),
                }))
            }
            ("monitoring.coreos.com", "ServiceMonitor" | "PodMonitor") => {
                let spec = spec?;
                let pods = obj.kind == "PodMonitor";
                let selector = match doc.get_key(spec, "selector") {
                    None => LabelSelector::default(),
                    Some(s) if doc.is_null(s) => LabelSelector::default(),
                    Some(s) => LabelSelector::from_node(doc, s)?,
                };
                if selector
                    .match_labels
                    .iter()
                    .any(|(k, v)| is_templated(k) || is_templated(v))
                {
                    return None;
                }
                let namespaces = match doc.get_map(spec, "namespaceSelector") {
                    None => MonitorNamespaces::Own,
                    Some(ns) if doc.get_key(ns, "any").and_then(|v| doc.bool(v)) == Some(true) => {
                        MonitorNamespaces::Any
                    }
                    Some(ns) => match doc.get_seq(ns, "matchNames") {
                        Some(names) if doc.items(names).len() > 0 => MonitorNamespaces::Names(
                            doc.items(names)
                                .filter_map(|n| doc.text(n))
                                .map(str::to_string)
                                .collect(),
                        ),
                        _ => MonitorNamespaces::Own,
                    },
                };
                let endpoints = if pods {
                    "podMetricsEndpoints"
                } else {
                    "endpoints"
                };
                let ports = doc
                    .get_seq(spec, endpoints)
                    .into_iter()
                    .flat_map(|s| doc.items(s))
                    .filter_map(|e| doc.get_str(e, "port"))
                    .filter(|p| !p.is_empty() && !is_templated(p))
                    .map(str::to_string)
                    .collect();
                Some(Links::Monitor(Monitor {
                    pods,
                    selector,
                    namespaces,
                    ports,
                }))
            }
            _ => None,
        }
    }
}

/// The required ConfigMap and Secret references of a pod spec.
fn config_refs(doc: &Document<'_>, spec: PodSpec<'_>) -> Vec<ConfigRef> {
    let mut out = Vec::new();
    let optional = |n: NodeId| doc.get_key(n, "optional").and_then(|v| doc.bool(v)) == Some(true);
    let concrete = |s: Option<&str>| {
        s.filter(|n| !n.is_empty() && !is_templated(n))
            .map(str::to_string)
    };
    for c in spec.all_containers() {
        let container = c.name.unwrap_or("?");
        for e in doc
            .get_seq(c.node, "env")
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            let var = doc.get_str(e, "name").unwrap_or("?");
            for (key, secret) in [("configMapKeyRef", false), ("secretKeyRef", true)] {
                let Some(r) = doc
                    .get_map(e, "valueFrom")
                    .and_then(|v| doc.get_map(v, key))
                else {
                    continue;
                };
                if optional(r) {
                    continue;
                }
                let (Some(name), Some(k)) = (
                    concrete(doc.get_str(r, "name")),
                    concrete(doc.get_str(r, "key")),
                ) else {
                    continue;
                };
                out.push(ConfigRef {
                    secret,
                    name,
                    keys: vec![k],
                    place: format!("env `{var}` of container `{container}`"),
                });
            }
        }
        for e in doc
            .get_seq(c.node, "envFrom")
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            for (key, secret) in [("configMapRef", false), ("secretRef", true)] {
                let Some(r) = doc.get_map(e, key).filter(|&r| !optional(r)) else {
                    continue;
                };
                if let Some(name) = concrete(doc.get_str(r, "name")) {
                    out.push(ConfigRef {
                        secret,
                        name,
                        keys: Vec::new(),
                        place: format!("envFrom of container `{container}`"),
                    });
                }
            }
        }
    }
    // `name` for a ConfigMap and a projected Secret, `secretName` for a
    // Secret volume.
    let volume_source = |v: NodeId, secret: bool, name_key: &str, place: String| {
        if optional(v) {
            return None;
        }
        Some(ConfigRef {
            secret,
            name: concrete(doc.get_str(v, name_key))?,
            keys: doc
                .get_seq(v, "items")
                .into_iter()
                .flat_map(|s| doc.items(s))
                .filter_map(|i| concrete(doc.get_str(i, "key")))
                .collect(),
            place,
        })
    };
    for vol in doc
        .get_seq(spec.node, "volumes")
        .into_iter()
        .flat_map(|s| doc.items(s))
    {
        let vname = doc.get_str(vol, "name").unwrap_or("?");
        if let Some(v) = doc.get_map(vol, "configMap") {
            out.extend(volume_source(v, false, "name", format!("volume `{vname}`")));
        }
        if let Some(v) = doc.get_map(vol, "secret") {
            out.extend(volume_source(
                v,
                true,
                "secretName",
                format!("volume `{vname}`"),
            ));
        }
        for src in doc
            .path(vol, &["projected", "sources"])
            .filter(|&s| doc.is_seq(s))
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            let place = || format!("projected volume `{vname}`");
            if let Some(v) = doc.get_map(src, "configMap") {
                out.extend(volume_source(v, false, "name", place()));
            }
            if let Some(v) = doc.get_map(src, "secret") {
                out.extend(volume_source(v, true, "name", place()));
            }
        }
    }
    out
}

fn service(doc: &Document<'_>, spec: NodeId) -> ServiceLinks {
    let selector = doc.get_map(spec, "selector").and_then(|m| {
        let pairs: Option<Vec<(String, String)>> = doc
            .entries(m)
            .map(|(k, v)| Some((doc.text(k)?.to_string(), doc.text(v)?.to_string())))
            .collect();
        pairs
            .filter(|p| !p.is_empty() && !p.iter().any(|(k, v)| is_templated(k) || is_templated(v)))
    });
    let ports = doc
        .get_seq(spec, "ports")
        .into_iter()
        .flat_map(|s| doc.items(s))
        .filter(|&p| doc.is_map(p))
        .map(|p| {
            let target_node = doc.get_key(p, "targetPort").filter(|&v| !doc.is_null(v));
            ServicePort {
                name: doc
                    .get_str(p, "name")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                port: doc.get_key(p, "port").and_then(|v| doc.int(v)),
                target: target_node.and_then(|v| IntOrString::of(doc, v)),
                target_written: target_node.is_some(),
                protocol: doc.get_str(p, "protocol").unwrap_or("TCP").to_string(),
            }
        })
        .collect();
    ServiceLinks {
        selector,
        service_type: doc.get_str(spec, "type").unwrap_or("ClusterIP").to_string(),
        headless: doc.get_str(spec, "clusterIP") == Some("None"),
        ports,
    }
}

fn ingress(doc: &Document<'_>, spec: NodeId) -> Vec<Backend> {
    let mut out = Vec::new();
    let mut add = |place: String, backend: NodeId| {
        // networking.k8s.io/v1: `service: {name, port: {number|name}}`;
        // v1beta1 and extensions: `serviceName`, `servicePort`.
        let (name, port) = match doc.get_map(backend, "service") {
            Some(svc) => (
                doc.get_str(svc, "name"),
                doc.get_map(svc, "port").and_then(|p| {
                    doc.get_key(p, "number")
                        .filter(|&v| !doc.is_null(v))
                        .or_else(|| doc.get_key(p, "name"))
                }),
            ),
            None => (
                doc.get_str(backend, "serviceName"),
                doc.get_key(backend, "servicePort"),
            ),
        };
        let Some(name) = name.filter(|n| !n.is_empty() && !is_templated(n)) else {
            return;
        };
        out.push(Backend {
            place,
            service: name.to_string(),
            port: port
                .filter(|&v| !doc.is_null(v))
                .and_then(|v| IntOrString::of(doc, v)),
        });
    };
    for key in ["defaultBackend", "backend"] {
        if let Some(b) = doc.get_map(spec, key) {
            add(format!("`spec.{key}`"), b);
        }
    }
    for rule in doc
        .get_seq(spec, "rules")
        .into_iter()
        .flat_map(|s| doc.items(s))
    {
        let host = doc.get_str(rule, "host");
        for path in doc
            .path(rule, &["http", "paths"])
            .filter(|&s| doc.is_seq(s))
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            let Some(b) = doc.get_map(path, "backend") else {
                continue;
            };
            let p = doc.get_str(path, "path").unwrap_or("/");
            let place = match host {
                Some(h) => format!("host `{h}` path `{p}`"),
                None => format!("path `{p}`"),
            };
            add(place, b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{objects_of, DocumentContent};
    use crate::yaml::{load, LoadLimits};

    fn links_of(text: &str) -> Vec<Option<Links>> {
        let loaded = load(text, &LoadLimits::default());
        let mut out = Vec::new();
        for d in &loaded.documents {
            if let DocumentContent::Objects(objs) = objects_of(d, "default") {
                out.extend(objs.iter().map(|o| Links::of(o, o.pod_spec())));
            }
        }
        out
    }

    #[test]
    fn services_ingresses_and_budgets() {
        let text = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
    - {port: 443, targetPort: "8443"}
    - {port: 9090}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /api, backend: {service: {name: api, port: {name: http}}}}
          - {path: /x, backend: {resource: {kind: Bucket, name: b}}}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old}
spec:
  backend: {serviceName: web, servicePort: 80}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 10%
  selector: {matchLabels: {app: "${APP}"}}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: example.com}
"#;
        let l = links_of(text);
        let Some(Links::Service(s)) = &l[0] else {
            panic!("{:?}", l[0])
        };
        assert_eq!(
            s.selector.as_deref(),
            Some(&[("app".into(), "web".into())][..])
        );
        assert_eq!(
            s.ports[0].effective_target(),
            Some(IntOrString::Str("http".into()))
        );
        // A quoted number is a string to the API.
        assert_eq!(
            s.ports[1].effective_target(),
            Some(IntOrString::Str("8443".into()))
        );
        assert_eq!(s.ports[2].effective_target(), Some(IntOrString::Int(9090)));
        let Some(Links::Ingress(b)) = &l[1] else {
            panic!()
        };
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].port, Some(IntOrString::Int(80)));
        assert_eq!(b[1].service, "api");
        assert_eq!(b[1].place, "host `shop.example.com` path `/api`");
        let Some(Links::Ingress(b)) = &l[2] else {
            panic!()
        };
        assert_eq!(b[0].service, "web");
        let Some(Links::DisruptionBudget(p)) = &l[3] else {
            panic!()
        };
        assert!(p.selector_unknown && p.selector.is_none());
        assert_eq!(p.max_unavailable, Some(IntOrString::Str("10%".into())));
        let Some(Links::Service(s)) = &l[4] else {
            panic!()
        };
        assert!(s.selector.is_none());
    }

    #[test]
    fn percentages_round_up() {
        assert_eq!(IntOrString::Str("50%".into()).scaled(3), Some(2));
        assert_eq!(IntOrString::Str("100%".into()).scaled(3), Some(3));
        assert_eq!(IntOrString::Str("0%".into()).scaled(3), Some(0));
        assert_eq!(IntOrString::Str("x%".into()).scaled(3), None);
        assert_eq!(IntOrString::Int(2).scaled(3), Some(2));
    }
}
