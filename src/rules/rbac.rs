//! Category `rbac`: Roles, ClusterRoles and their bindings
//! (`rbac.authorization.k8s.io`).
//!
//! Objects that Kubernetes itself bootstraps carry the label
//! `kubernetes.io/bootstrapping: rbac-defaults` and are skipped: a linted
//! copy of them is not a choice the user made. A `system:` name alone is
//! no such sign — third-party charts use it too (metrics-server's
//! `system:metrics-server`, `system:aggregated-metrics-reader`).
//! Aggregated ClusterRoles (`aggregationRule`) get their rules from the
//! roles they select, so their own `rules` are not checked.

use super::resources::workload;
use super::{Cx, Rule};
use crate::model::Object;
use crate::yaml::{Document, NodeId};

pub(super) static RULES: &[&dyn Rule] = &[
    &Wildcard,
    &ClusterAdminBinding,
    &SecretsClusterWide,
    &EscalationVerbs,
    &PodExec,
    &CreatePods,
    &SecretsAccess,
    &DefaultServiceAccountBinding,
    &AdmissionWebhooks,
    &ApproveCsr,
    &ServicesStatus,
];

fn is_rbac(obj: &Object<'_>) -> bool {
    obj.group() == "rbac.authorization.k8s.io"
        && obj.label("kubernetes.io/bootstrapping") != Some("rbac-defaults")
}

/// `rules[]` of a Role or ClusterRole that has rules of its own.
fn policy_rules<'d>(obj: &Object<'d>) -> Vec<NodeId> {
    if !is_rbac(obj) || !matches!(obj.kind, "Role" | "ClusterRole") {
        return Vec::new();
    }
    let doc = obj.doc;
    if obj.kind == "ClusterRole" && doc.get_key(obj.node, "aggregationRule").is_some() {
        return Vec::new();
    }
    doc.get_seq(obj.node, "rules")
        .map(|s| doc.items(s).filter(|i| doc.is_map(*i)).collect())
        .unwrap_or_default()
}

fn items<'d>(doc: &'d Document<'d>, rule: NodeId, key: &str) -> Vec<(NodeId, &'d str)> {
    doc.get_seq(rule, key)
        .map(|s| {
            doc.items(s)
                .filter_map(|i| Some((i, doc.text(i)?)))
                .collect()
        })
        .unwrap_or_default()
}

fn has(list: &[(NodeId, &str)], v: &str) -> bool {
    list.iter().any(|(_, s)| *s == v)
}

struct Wildcard;

impl Rule for Wildcard {
    fn id(&self) -> &'static str {
        "rbac-wildcard"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let groups = items(doc, rule, "apiGroups");
            let core = has(&groups, "") || has(&groups, "*");
            let resources = if core {
                "every resource of its API groups, including secrets and any resource added later"
            } else {
                "every resource of its API groups, including any resource added later"
            };
            for (field, grants) in [
                (
                    "verbs",
                    "every verb, including escalate, bind and impersonate",
                ),
                ("resources", resources),
                (
                    "apiGroups",
                    "every API group, including ones installed later",
                ),
            ] {
                for (node, v) in items(doc, rule, field) {
                    if v == "*" {
                        cx.report(
                            doc.span(node),
                            format!(
                                "{} grants `*` in {field}: that is {grants}, so the role silently grows whenever the API does",
                                workload(obj)
                            ),
                            format!("List the {field} the workload needs explicitly"),
                        );
                    }
                }
            }
        }
    }
}

struct ClusterAdminBinding;

impl Rule for ClusterAdminBinding {
    fn id(&self) -> &'static str {
        "rbac-cluster-admin-binding"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_rbac(obj) || !matches!(obj.kind, "RoleBinding" | "ClusterRoleBinding") {
            return;
        }
        let doc = obj.doc;
        let Some(role_ref) = doc.get_map(obj.node, "roleRef") else {
            return;
        };
        if doc.get_str(role_ref, "kind") != Some("ClusterRole") {
            return;
        }
        let Some((k, v)) = doc.entry(role_ref, "name") else {
            return;
        };
        if doc.text(v) != Some("cluster-admin") {
            return;
        }
        let subjects: Vec<String> = doc
            .get_seq(obj.node, "subjects")
            .into_iter()
            .flat_map(|s| doc.items(s))
            .filter_map(|s| {
                let kind = doc.get_str(s, "kind").unwrap_or("subject");
                let name = doc.get_str(s, "name")?;
                Some(format!("{kind} `{name}`"))
            })
            .collect();
        let who = if subjects.is_empty() {
            "its subjects".to_string()
        } else {
            subjects.join(", ")
        };
        let (scope, lost) = if obj.kind == "ClusterRoleBinding" {
            ("full control of the whole cluster", "cluster")
        } else {
            (
                "full control of the namespace, including its Secrets and RBAC",
                "namespace",
            )
        };
        cx.report(
            doc.entry_span(k, v),
            format!(
                "{} binds cluster-admin to {who}: that is {scope}; a leaked token of any of them is a compromised {lost}",
                workload(obj)
            ),
            "Bind a role with only the permissions needed (write a Role/ClusterRole listing them)",
        );
    }
}

struct SecretsClusterWide;

impl Rule for SecretsClusterWide {
    fn id(&self) -> &'static str {
        "rbac-secrets-cluster-wide"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.kind != "ClusterRole" {
            return;
        }
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let groups = items(doc, rule, "apiGroups");
            if !has(&groups, "") && !has(&groups, "*") {
                continue;
            }
            if doc
                .get_seq(rule, "resourceNames")
                .is_some_and(|s| doc.items(s).len() > 0)
            {
                continue;
            }
            let resources = items(doc, rule, "resources");
            let Some(&(res_node, _)) = resources
                .iter()
                .find(|(_, r)| *r == "secrets")
                .or_else(|| resources.iter().find(|(_, r)| *r == "*"))
            else {
                continue;
            };
            let verbs = items(doc, rule, "verbs");
            let read: Vec<&str> = ["get", "list", "watch", "*"]
                .into_iter()
                .filter(|v| has(&verbs, v))
                .collect();
            if read.is_empty() {
                continue;
            }
            cx.report(
                doc.span(res_node),
                format!(
                    "{} can read Secrets in every namespace (verbs {}): whoever holds it reads every service-account token, TLS key and password of the cluster",
                    workload(obj),
                    read.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
                ),
                "Use a namespaced Role for the namespaces that need it, or restrict the rule with `resourceNames`",
            );
        }
    }
}

struct EscalationVerbs;

impl Rule for EscalationVerbs {
    fn id(&self) -> &'static str {
        "rbac-escalation-verbs"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            for (node, v) in items(doc, rule, "verbs") {
                let why = match v {
                    "escalate" => "lets the holder edit roles to grant permissions it does not have",
                    "bind" => "lets the holder bind any role, including cluster-admin, to itself",
                    "impersonate" => "lets the holder act as other users, groups or service accounts, and so inherit their permissions",
                    _ => continue,
                };
                cx.report(
                    doc.span(node),
                    format!(
                        "{} grants `{v}`: it {why}, a direct path to cluster-admin",
                        workload(obj)
                    ),
                    format!("Remove `{v}`, or restrict the rule with `resourceNames` to the exact roles or identities needed"),
                );
            }
        }
    }
}

struct PodExec;

impl Rule for PodExec {
    fn id(&self) -> &'static str {
        "rbac-pod-exec"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let groups = items(doc, rule, "apiGroups");
            if !has(&groups, "") && !has(&groups, "*") {
                continue;
            }
            let verbs = items(doc, rule, "verbs");
            if !has(&verbs, "create") && !has(&verbs, "*") {
                continue;
            }
            for (node, r) in items(doc, rule, "resources") {
                if matches!(r, "pods/exec" | "pods/attach" | "pods/*") {
                    cx.report(
                        doc.span(node),
                        format!(
                            "{} allows `create` on `{r}`: the holder can run commands in any pod it can reach, with that pod's service account and mounted secrets",
                            workload(obj)
                        ),
                        "Drop pods/exec and pods/attach from the role; give interactive access through a separate, audited role",
                    );
                } else if matches!(r, "nodes/proxy" | "nodes/*") {
                    cx.report(
                        doc.span(node),
                        format!(
                            "{} allows `create` on `{r}`: the holder talks to the kubelet API of every node directly and can exec into any pod there, bypassing admission control and the API server's audit of pods/exec",
                            workload(obj)
                        ),
                        "Drop nodes/proxy from the role; monitoring agents need only `get` on nodes/metrics or nodes/stats",
                    );
                }
            }
        }
    }
}

/// The verbs a rule grants, the resources it names, whether its API groups
/// include `group` (or `*`), and whether `resourceNames` restricts it.
struct PolicyRule<'d> {
    verbs: Vec<(NodeId, &'d str)>,
    resources: Vec<(NodeId, &'d str)>,
    groups: Vec<(NodeId, &'d str)>,
    named: bool,
}

impl<'d> PolicyRule<'d> {
    fn of(doc: &'d Document<'d>, rule: NodeId) -> PolicyRule<'d> {
        PolicyRule {
            verbs: items(doc, rule, "verbs"),
            resources: items(doc, rule, "resources"),
            groups: items(doc, rule, "apiGroups"),
            named: doc
                .get_seq(rule, "resourceNames")
                .is_some_and(|s| doc.items(s).len() > 0),
        }
    }
    fn in_group(&self, group: &str) -> bool {
        has(&self.groups, group) || has(&self.groups, "*")
    }
    /// The granted verbs among `wanted` (`*` grants all of them).
    fn granted(&self, wanted: &[&str]) -> Vec<&'d str> {
        if has(&self.verbs, "*") {
            return vec!["*"];
        }
        self.verbs
            .iter()
            .map(|&(_, v)| v)
            .filter(|v| wanted.contains(v))
            .collect()
    }
    /// The written resource entry naming `name` exactly.
    fn resource(&self, name: &str) -> Option<NodeId> {
        self.resources
            .iter()
            .find(|(_, r)| *r == name)
            .map(|&(n, _)| n)
    }
}

fn verb_list(verbs: &[&str]) -> String {
    verbs
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resources whose `create` makes pods with any spec.
const POD_CREATORS: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

struct CreatePods;

impl Rule for CreatePods {
    fn id(&self) -> &'static str {
        "rbac-create-pods"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let r = PolicyRule::of(doc, rule);
            let verbs = r.granted(&["create"]);
            if verbs.is_empty() {
                continue;
            }
            for &(group, resource) in POD_CREATORS {
                if !r.in_group(group) {
                    continue;
                }
                let Some(node) = r.resource(resource) else {
                    continue;
                };
                cx.report(
                    doc.span(node),
                    format!(
                        "{} may create {resource}: whoever holds it can start pods with any image, service account and volume of the namespace — mounting its Secrets or, where Pod Security allows, the node itself (CIS 5.1.4)",
                        workload(obj)
                    ),
                    "Grant creation of workloads only to deployment pipelines and controllers, and keep the namespace's Pod Security level strict",
                );
            }
        }
    }
}

struct SecretsAccess;

impl Rule for SecretsAccess {
    fn id(&self) -> &'static str {
        "rbac-secrets-access"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let r = PolicyRule::of(doc, rule);
            if !r.in_group("") {
                continue;
            }
            let Some(node) = r.resource("secrets") else {
                continue;
            };
            let read = r.granted(&["get", "list", "watch"]);
            // rbac-secrets-cluster-wide reports unrestricted reads by a ClusterRole.
            if obj.kind == "ClusterRole" && !read.is_empty() && !r.named {
                continue;
            }
            let verbs = r.granted(&[
                "get",
                "list",
                "watch",
                "create",
                "update",
                "patch",
                "delete",
                "deletecollection",
            ]);
            if verbs.is_empty() {
                continue;
            }
            let scope = if r.named {
                "the named Secrets"
            } else if obj.kind == "Role" {
                "every Secret of its namespace"
            } else {
                "Secrets"
            };
            cx.report(
                doc.span(node),
                format!(
                    "{} grants {} on {scope}: Secrets hold service-account tokens, TLS keys and passwords, and access to them is access to whatever they unlock (CIS 5.1.2)",
                    workload(obj),
                    verb_list(&verbs)
                ),
                "Grant Secret access only to the workloads that need it, with `resourceNames` for the exact Secrets",
            );
        }
    }
}

struct DefaultServiceAccountBinding;

impl Rule for DefaultServiceAccountBinding {
    fn id(&self) -> &'static str {
        "rbac-default-service-account-binding"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_rbac(obj) || !matches!(obj.kind, "RoleBinding" | "ClusterRoleBinding") {
            return;
        }
        let doc = obj.doc;
        let role = doc
            .path(obj.node, &["roleRef", "name"])
            .and_then(|v| doc.text(v))
            .unwrap_or("its role");
        for s in doc
            .get_seq(obj.node, "subjects")
            .into_iter()
            .flat_map(|s| doc.items(s))
        {
            if doc.get_str(s, "kind") != Some("ServiceAccount") {
                continue;
            }
            let Some((k, v)) = doc.entry(s, "name") else {
                continue;
            };
            if doc.text(v) != Some("default") {
                continue;
            }
            let ns = doc
                .get_str(s, "namespace")
                .or(obj.namespace)
                .unwrap_or("its");
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{} grants `{role}` to the `default` service account of namespace `{ns}`: every pod there that names no service account — including ones added later for other purposes — gets these permissions",
                    workload(obj)
                ),
                "Create a ServiceAccount for the workload that needs the permissions and bind that instead",
            );
        }
    }
}

struct AdmissionWebhooks;

impl Rule for AdmissionWebhooks {
    fn id(&self) -> &'static str {
        "rbac-admission-webhooks"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.kind != "ClusterRole" {
            return;
        }
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let r = PolicyRule::of(doc, rule);
            if !r.in_group("admissionregistration.k8s.io") || r.named {
                continue;
            }
            let verbs = r.granted(&["create", "update", "patch", "delete", "deletecollection"]);
            if verbs.is_empty() {
                continue;
            }
            for res in [
                "validatingwebhookconfigurations",
                "mutatingwebhookconfigurations",
                "validatingadmissionpolicies",
                "validatingadmissionpolicybindings",
                "mutatingadmissionpolicies",
                "mutatingadmissionpolicybindings",
            ] {
                let Some(node) = r.resource(res) else {
                    continue;
                };
                cx.report(
                    doc.span(node),
                    format!(
                        "{} grants {} on {res} of any name: the holder can switch off admission controls or intercept and rewrite every object sent to the API server, Secrets included",
                        workload(obj),
                        verb_list(&verbs)
                    ),
                    "Restrict the rule with `resourceNames` to the configurations the controller owns (a CA injector needs only those)",
                );
            }
        }
    }
}

struct ApproveCsr;

impl Rule for ApproveCsr {
    fn id(&self) -> &'static str {
        "rbac-approve-csr"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.kind != "ClusterRole" {
            return;
        }
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let r = PolicyRule::of(doc, rule);
            if !r.in_group("certificates.k8s.io") {
                continue;
            }
            let (node, how) = if let Some(n) = r.resource("certificatesigningrequests/approval") {
                let verbs = r.granted(&["update", "patch"]);
                if verbs.is_empty() {
                    continue;
                }
                (
                    n,
                    format!(
                        "{} on certificatesigningrequests/approval",
                        verb_list(&verbs)
                    ),
                )
            } else if let Some(n) = r.resource("signers") {
                if r.named || r.granted(&["approve"]).is_empty() {
                    continue;
                }
                (n, "`approve` on every signer".to_string())
            } else {
                continue;
            };
            cx.report(
                doc.span(node),
                format!(
                    "{} grants {how}: the holder can approve certificate requests, including client certificates for `system:masters` or any node — credentials the API server trusts",
                    workload(obj)
                ),
                "Grant CSR approval only to the controller that needs it, with `resourceNames` naming its signer (`example.com/my-signer`)",
            );
        }
    }
}

struct ServicesStatus;

impl Rule for ServicesStatus {
    fn id(&self) -> &'static str {
        "rbac-services-status"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for rule in policy_rules(obj) {
            let r = PolicyRule::of(doc, rule);
            if !r.in_group("") {
                continue;
            }
            let Some(node) = r.resource("services/status") else {
                continue;
            };
            let verbs = r.granted(&["update", "patch"]);
            if verbs.is_empty() {
                continue;
            }
            cx.report(
                doc.span(node),
                format!(
                    "{} grants {} on services/status: the holder can set a Service's load-balancer IP to any address and make nodes route that address's traffic to its pods — a man-in-the-middle that Kubernetes has not fixed (CVE-2020-8554)",
                    workload(obj),
                    verb_list(&verbs)
                ),
                "Only the cloud controller or the load-balancer controller needs this; remove it elsewhere, and block the attack with an admission policy on `status.loadBalancer.ingress`",
            );
        }
    }
}
