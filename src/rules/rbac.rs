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

use super::{Cx, Rule};
use crate::model::Object;
use crate::yaml::{Document, NodeId};

pub(super) static RULES: &[&dyn Rule] = &[
    &Wildcard,
    &ClusterAdminBinding,
    &SecretsClusterWide,
    &EscalationVerbs,
    &PodExec,
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

fn what(obj: &Object<'_>) -> String {
    match obj.name {
        Some(n) => format!("{} `{n}`", obj.kind),
        None => obj.kind.to_string(),
    }
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
                                what(obj)
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
                what(obj)
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
                    what(obj),
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
                        what(obj)
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
                            what(obj)
                        ),
                        "Drop pods/exec and pods/attach from the role; give interactive access through a separate, audited role",
                    );
                }
            }
        }
    }
}
