//! Typed views over loaded documents: Kubernetes objects, their pod specs and
//! containers. Views borrow the tree; nothing is copied.

pub mod links;
pub mod network;
pub mod quantity;
pub mod selector;

use crate::finding::ObjectRef;
use crate::yaml::{Document, NodeId};
use std::sync::Arc;

/// One Kubernetes object: a document, or an item of a `List` document.
#[derive(Debug, Clone)]
pub struct Object<'d> {
    pub doc: &'d Document<'d>,
    pub node: NodeId,
    pub api_version: &'d str,
    pub kind: &'d str,
    pub metadata: Option<NodeId>,
    pub name: Option<&'d str>,
    /// The namespace the object lives in: `metadata.namespace`, else the
    /// default namespace for namespaced kinds; None for cluster-scoped kinds.
    pub namespace: Option<&'d str>,
    pub reference: Arc<ObjectRef>,
    /// The pod spec and template metadata, located once when the object is
    /// built (dozens of rules ask for it), and the workload kind.
    pod: Option<(NodeId, Option<NodeId>)>,
    workload: Option<WorkloadKind>,
    /// Answers to [`Memo`] questions, found on first use.
    memo: [std::sync::OnceLock<bool>; Memo::COUNT],
}

/// A question that several rules ask of every object, answered once per
/// object (see [`Object::memo`]).
#[derive(Debug, Clone, Copy)]
pub enum Memo {
    /// Whether a container may run a control-plane component (by its
    /// command or its pod's `component` label): a score of control-plane
    /// rules ask first.
    ControlPlane,
}

impl Memo {
    const COUNT: usize = 1;
}

/// How messages name an object: "Deployment `web`", or just the kind when
/// it has no name. Written only when a message is.
#[derive(Debug, Clone, Copy)]
pub struct KindName<'d> {
    pub kind: &'d str,
    pub name: Option<&'d str>,
}

impl std::fmt::Display for KindName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name {
            Some(n) => write!(f, "{} `{n}`", self.kind),
            None => f.write_str(self.kind),
        }
    }
}

/// What a document holds.
pub enum DocumentContent<'d> {
    /// Neither `apiVersion` nor `kind`: not a Kubernetes object.
    NotKubernetes,
    /// One object, or the items of a `List`.
    Objects(Vec<Object<'d>>),
}

/// The objects of a document. `kind: List` and `*List` documents with an
/// `items` sequence yield one object per item.
pub fn objects_of<'d>(doc: &'d Document<'d>, default_namespace: &'d str) -> DocumentContent<'d> {
    let root = doc.root;
    if !doc.is_map(root) {
        return DocumentContent::NotKubernetes;
    }
    let api = doc.get_key(root, "apiVersion");
    let kind = doc.get_key(root, "kind");
    if api.is_none() && kind.is_none() {
        return DocumentContent::NotKubernetes;
    }
    let kind_str = kind.and_then(|k| doc.text(k)).unwrap_or("");
    if kind_str.ends_with("List") {
        if let Some(items) = doc.get_seq(root, "items") {
            let objs = doc
                .items(items)
                .filter_map(|item| object_at(doc, item, default_namespace))
                .collect();
            return DocumentContent::Objects(objs);
        }
    }
    DocumentContent::Objects(
        object_at(doc, root, default_namespace)
            .into_iter()
            .collect(),
    )
}

fn object_at<'d>(
    doc: &'d Document<'d>,
    node: NodeId,
    default_namespace: &'d str,
) -> Option<Object<'d>> {
    if !doc.is_map(node) {
        return None;
    }
    let api_version = doc
        .get_key(node, "apiVersion")
        .and_then(|v| doc.text(v))
        .unwrap_or("");
    let kind = doc
        .get_key(node, "kind")
        .and_then(|v| doc.text(v))
        .unwrap_or("");
    if api_version.is_empty() && kind.is_empty() {
        return None;
    }
    let metadata = doc.get_map(node, "metadata");
    let name = metadata
        .and_then(|m| doc.get_key(m, "name"))
        .and_then(|v| doc.text(v));
    let explicit_ns = metadata
        .and_then(|m| doc.get_key(m, "namespace"))
        .and_then(|v| doc.text(v))
        .filter(|s| !s.is_empty());
    let namespace = if is_namespaced(api_version, kind) {
        Some(explicit_ns.unwrap_or(default_namespace))
    } else {
        None
    };
    let reference = Arc::new(ObjectRef {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
    });
    let mut obj = Object {
        doc,
        node,
        api_version,
        kind,
        metadata,
        name,
        namespace,
        reference,
        pod: None,
        workload: WorkloadKind::of(api_version, kind),
        memo: Default::default(),
    };
    obj.pod = obj.locate_pod_spec();
    Some(obj)
}

/// The API group of an `apiVersion` (`""` for the core group).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Whether objects of this kind live in a namespace. Kinds not known to be
/// cluster-scoped (including custom resources) are taken as namespaced;
/// configuration files (`*.config.k8s.io`, `audit.k8s.io`, …) are not
/// API objects and have no namespace.
pub fn is_namespaced(api_version: &str, kind: &str) -> bool {
    let group = group_of(api_version);
    if group.ends_with("config.k8s.io") || group == "audit.k8s.io" || group == "kubeadm.k8s.io" {
        return false;
    }
    !matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "StorageClass"
            | "PriorityClass"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding"
            | "APIService"
            | "CSIDriver"
            | "CSINode"
            | "RuntimeClass"
            | "IngressClass"
            | "VolumeAttachment"
            | "CertificateSigningRequest"
            | "PodSecurityPolicy"
            | "ComponentStatus"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
            | "ClusterTrustBundle"
            | "DeviceClass"
            | "VolumeAttributesClass"
            | "StorageVersionMigration"
            | "ClusterIssuer"
            | "SecurityContextConstraints"
    )
}

impl<'d> Object<'d> {
    pub fn group(&self) -> &'d str {
        group_of(self.api_version)
    }

    /// `metadata.labels` as (key node, value node) pairs.
    pub fn label_entries(&self) -> impl Iterator<Item = (NodeId, NodeId)> + 'd {
        map_entries(self.doc, self.metadata, "labels")
    }

    /// `metadata.annotations` as (key node, value node) pairs.
    pub fn annotation_entries(&self) -> impl Iterator<Item = (NodeId, NodeId)> + 'd {
        map_entries(self.doc, self.metadata, "annotations")
    }

    pub fn label(&self, key: &str) -> Option<&'d str> {
        let labels = self.doc.get_map(self.metadata?, "labels")?;
        self.doc.text(self.doc.get_key(labels, key)?)
    }

    pub fn annotation(&self, key: &str) -> Option<&'d str> {
        let ann = self.doc.get_map(self.metadata?, "annotations")?;
        self.doc.text(self.doc.get_key(ann, key)?)
    }

    /// The node of `metadata.name`'s value, else `metadata`, else the object:
    /// where cross-object findings point.
    pub fn name_node(&self) -> NodeId {
        self.metadata
            .and_then(|m| self.doc.get_key(m, "name"))
            .or(self.metadata)
            .unwrap_or(self.node)
    }

    /// The workload kind, if this object carries a pod template.
    pub fn workload_kind(&self) -> Option<WorkloadKind> {
        self.workload
    }

    /// The answer to `question`, computed by `answer` the first time it
    /// is asked of this object.
    pub fn memo(&self, question: Memo, answer: impl FnOnce() -> bool) -> bool {
        *self.memo[question as usize].get_or_init(answer)
    }

    /// The pod spec of a workload (Pod, Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, ReplicationController, Job, CronJob, PodTemplate).
    pub fn pod_spec(&self) -> Option<PodSpec<'d>> {
        let (node, metadata) = self.pod?;
        Some(PodSpec {
            doc: self.doc,
            node,
            metadata,
        })
    }

    fn locate_pod_spec(&self) -> Option<(NodeId, Option<NodeId>)> {
        let doc = self.doc;
        let (meta, spec) = match self.workload_kind()? {
            WorkloadKind::Pod => (self.metadata, doc.get_map(self.node, "spec")?),
            WorkloadKind::PodTemplate => {
                let t = doc.get_map(self.node, "template")?;
                (doc.get_map(t, "metadata"), doc.get_map(t, "spec")?)
            }
            WorkloadKind::CronJob => {
                let t = doc.path(self.node, &["spec", "jobTemplate", "spec", "template"])?;
                (doc.get_map(t, "metadata"), doc.get_map(t, "spec")?)
            }
            _ => {
                let t = doc.path(self.node, &["spec", "template"])?;
                (doc.get_map(t, "metadata"), doc.get_map(t, "spec")?)
            }
        };
        if !doc.is_map(spec) {
            return None;
        }
        Some((spec, meta))
    }
}

fn map_entries<'d>(
    doc: &'d Document<'d>,
    parent: Option<NodeId>,
    key: &str,
) -> impl Iterator<Item = (NodeId, NodeId)> + 'd {
    let m = parent.and_then(|p| doc.get_map(p, key));
    m.into_iter().flat_map(move |m| doc.entries(m))
}

/// Kinds that carry a pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Pod,
    PodTemplate,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadKind {
    /// Only the built-in API groups count: a custom resource that happens to
    /// be called `Deployment` is not a workload.
    pub fn of(api_version: &str, kind: &str) -> Option<WorkloadKind> {
        let group = group_of(api_version);
        Some(match (group, kind) {
            ("", "Pod") => WorkloadKind::Pod,
            ("", "PodTemplate") => WorkloadKind::PodTemplate,
            ("", "ReplicationController") => WorkloadKind::ReplicationController,
            ("apps" | "extensions", "Deployment") => WorkloadKind::Deployment,
            ("apps", "StatefulSet") => WorkloadKind::StatefulSet,
            ("apps" | "extensions", "DaemonSet") => WorkloadKind::DaemonSet,
            ("apps" | "extensions", "ReplicaSet") => WorkloadKind::ReplicaSet,
            ("batch", "Job") => WorkloadKind::Job,
            ("batch", "CronJob") => WorkloadKind::CronJob,
            _ => return None,
        })
    }
}

/// A pod spec inside a workload, with the metadata of its template.
#[derive(Debug, Clone, Copy)]
pub struct PodSpec<'d> {
    pub doc: &'d Document<'d>,
    pub node: NodeId,
    /// Template metadata (the object's own metadata for a Pod).
    pub metadata: Option<NodeId>,
}

/// Which list of the pod spec a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContainerList {
    Containers,
    InitContainers,
    EphemeralContainers,
}

impl ContainerList {
    pub const ALL: [ContainerList; 3] = [
        ContainerList::Containers,
        ContainerList::InitContainers,
        ContainerList::EphemeralContainers,
    ];
    pub fn key(self) -> &'static str {
        match self {
            ContainerList::Containers => "containers",
            ContainerList::InitContainers => "initContainers",
            ContainerList::EphemeralContainers => "ephemeralContainers",
        }
    }
    /// How a message names such a container.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerList::Containers => "container",
            ContainerList::InitContainers => "init container",
            ContainerList::EphemeralContainers => "ephemeral container",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Container<'d> {
    pub node: NodeId,
    pub list: ContainerList,
    pub index: usize,
    pub name: Option<&'d str>,
}

impl std::fmt::Display for Container<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name {
            Some(n) => write!(f, "{} `{n}`", self.list.noun()),
            None => write!(f, "{} #{}", self.list.noun(), self.index + 1),
        }
    }
}

impl<'d> PodSpec<'d> {
    /// Containers of one list.
    pub fn containers_in(&self, list: ContainerList) -> impl Iterator<Item = Container<'d>> + 'd {
        let doc = self.doc;
        let seq = doc.get_seq(self.node, list.key());
        seq.into_iter().flat_map(move |s| {
            doc.items(s)
                .enumerate()
                .filter(|(_, n)| doc.is_map(*n))
                .map(move |(index, node)| Container {
                    node,
                    list,
                    index,
                    name: doc.get_key(node, "name").and_then(|v| doc.text(v)),
                })
        })
    }

    /// Containers, init containers and ephemeral containers.
    pub fn all_containers(&self) -> impl Iterator<Item = Container<'d>> + 'd {
        let this = *self;
        ContainerList::ALL
            .into_iter()
            .flat_map(move |l| this.containers_in(l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{load, LoadLimits};

    fn with_objects(text: &str, f: impl FnOnce(Vec<Object<'_>>)) {
        let loaded = load(text, &LoadLimits::default());
        let docs = loaded.documents;
        let mut all = Vec::new();
        for d in &docs {
            if let DocumentContent::Objects(o) = objects_of(d, "default") {
                all.extend(o);
            }
        }
        f(all)
    }

    #[test]
    fn pod_specs_of_every_workload_kind() {
        let text = r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: a}], initContainers: [{name: i}], ephemeralContainers: [{name: e}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: prod}
spec: {template: {metadata: {labels: {app: d}}, spec: {containers: [{name: a}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a}, {name: b}]}}}}}
---
apiVersion: v1
kind: PodTemplate
metadata: {name: t}
template: {spec: {containers: [{name: a}]}}
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: custom}
spec: {template: {spec: {containers: [{name: a}]}}}
"#;
        with_objects(text, |objs| {
            let counts: Vec<_> = objs
                .iter()
                .map(|o| o.pod_spec().map(|p| p.all_containers().count()))
                .collect();
            assert_eq!(counts, [Some(3), Some(1), Some(2), Some(1), None]);
            assert_eq!(objs[1].namespace, Some("prod"));
            assert_eq!(objs[0].namespace, Some("default"));
            let tmpl = objs[1].pod_spec().unwrap();
            let labels = objs[1]
                .doc
                .get_map(tmpl.metadata.unwrap(), "labels")
                .unwrap();
            assert_eq!(objs[1].doc.get_str(labels, "app"), Some("d"));
        });
    }

    #[test]
    fn list_items_are_objects() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\n";
        with_objects(text, |objs| {
            assert_eq!(objs.len(), 2);
            assert_eq!(objs[0].name, Some("a"));
            assert_eq!(objs[1].kind, "Namespace");
            assert_eq!(objs[1].namespace, None);
            let span = objs[0].doc.span(objs[0].name_node());
            assert_eq!(&text[span.start as usize..span.end as usize], "a");
        });
    }
}
