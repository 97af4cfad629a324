//! Category `audit-policy`: `audit.k8s.io/v1` `Policy` files.
//!
//! The API server walks the rules in order and the first rule that matches
//! a request decides its level; a request no rule matches is not logged.
//! [`PolicyRule`] models one rule's match, [`PolicyRule::covers`] decides —
//! conservatively — whether one rule matches every request another one
//! matches. "Conservatively" means: when that is not provable from the rule
//! text (users against groups, say), the answer is "no", so a rule is never
//! reported as unreachable, and a sensitive resource is never reported as
//! safe, by accident.

use super::{Cx, Rule};
use crate::fix::{Editor, Fix, NewValue};
use crate::model::Object;
use crate::yaml::{Document, NodeId, Span};

pub(super) static RULES: &[&dyn Rule] = &[
    &SensitiveBody,
    &NoCatchAll,
    &ShadowedRule,
    &OmitRequestReceived,
    &ExecNotLogged,
    &InvalidPolicy,
];

const LEVELS: &[&str] = &["None", "Metadata", "Request", "RequestResponse"];
const STAGES: &[&str] = &[
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
];

fn is_policy(obj: &Object<'_>) -> bool {
    obj.kind == "Policy" && obj.group() == "audit.k8s.io"
}

/// One `resources[]` entry.
#[derive(Debug, Clone)]
struct GroupResources<'d> {
    group: &'d str,
    resources: Vec<&'d str>,
    names: Vec<&'d str>,
}

#[derive(Debug, Clone)]
struct PolicyRule<'d> {
    /// 1-based position.
    number: usize,
    item: NodeId,
    level: Option<&'d str>,
    /// The `level:` entry, else the rule's list item.
    level_span: Span,
    users: Vec<&'d str>,
    groups: Vec<&'d str>,
    verbs: Vec<&'d str>,
    namespaces: Vec<&'d str>,
    resources: Vec<GroupResources<'d>>,
    non_resource: Vec<&'d str>,
    omit_stages: Vec<&'d str>,
}

/// A resource a finding is about: (group, resource with optional
/// `/subresource`, namespaced).
#[derive(Clone, Copy)]
struct Target {
    group: &'static str,
    resource: &'static str,
    namespaced: bool,
    label: &'static str,
}

const SENSITIVE: &[Target] = &[
    Target {
        group: "",
        resource: "secrets",
        namespaced: true,
        label: "secrets",
    },
    Target {
        group: "",
        resource: "configmaps",
        namespaced: true,
        label: "configmaps",
    },
    Target {
        group: "authentication.k8s.io",
        resource: "tokenreviews",
        namespaced: false,
        label: "tokenreviews",
    },
];

const EXEC: &[Target] = &[
    Target {
        group: "",
        resource: "pods/exec",
        namespaced: true,
        label: "pods/exec",
    },
    Target {
        group: "",
        resource: "pods/attach",
        namespaced: true,
        label: "pods/attach",
    },
    Target {
        group: "",
        resource: "pods/portforward",
        namespaced: true,
        label: "pods/portforward",
    },
];

fn strings<'d>(doc: &'d Document<'d>, map: NodeId, key: &str) -> Vec<&'d str> {
    doc.get_seq(map, key)
        .map(|s| doc.items(s).filter_map(|i| doc.text(i)).collect())
        .unwrap_or_default()
}

fn parse_rules<'d>(obj: &Object<'d>) -> Vec<PolicyRule<'d>> {
    let doc = obj.doc;
    let Some(seq) = doc.get_seq(obj.node, "rules") else {
        return Vec::new();
    };
    doc.items(seq)
        .enumerate()
        .filter(|(_, item)| doc.is_map(*item))
        .map(|(i, item)| {
            let (level, level_span) = match doc.entry(item, "level") {
                Some((k, v)) => (doc.text(v), doc.entry_span(k, v)),
                None => (None, doc.span(item)),
            };
            let resources = doc
                .get_seq(item, "resources")
                .map(|s| {
                    doc.items(s)
                        .filter(|g| doc.is_map(*g))
                        .map(|g| GroupResources {
                            group: doc
                                .get_key(g, "group")
                                .and_then(|v| doc.text(v))
                                .unwrap_or(""),
                            resources: strings(doc, g, "resources"),
                            names: strings(doc, g, "resourceNames"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            PolicyRule {
                number: i + 1,
                item,
                level,
                level_span,
                users: strings(doc, item, "users"),
                groups: strings(doc, item, "userGroups"),
                verbs: strings(doc, item, "verbs"),
                namespaces: strings(doc, item, "namespaces"),
                resources,
                non_resource: strings(doc, item, "nonResourceURLs"),
                omit_stages: strings(doc, item, "omitStages"),
            }
        })
        .collect()
}

/// `a` contains every element of `b`, where an empty list means "all".
fn list_covers(a: &[&str], b: &[&str]) -> bool {
    a.is_empty() || (!b.is_empty() && b.iter().all(|x| a.contains(x)))
}

/// Whether resource pattern `a` matches every resource pattern `b` matches.
fn pattern_covers(a: &str, b: &str) -> bool {
    if a == "*" || a == b {
        return true;
    }
    match (a.split_once('/'), b.split_once('/')) {
        (Some((ar, "*")), Some((br, _))) => ar == br && br != "*",
        (Some(("*", asub)), Some((_, bsub))) => asub == bsub,
        _ => false,
    }
}

/// Whether resource pattern `p` matches the concrete `resource[/sub]`.
fn pattern_matches(p: &str, resource: &str) -> bool {
    if p == "*" || p == resource {
        return true;
    }
    match (p.split_once('/'), resource.split_once('/')) {
        (Some((pr, "*")), Some((r, _))) => pr == r,
        (Some(("*", psub)), Some((_, sub))) => psub == sub,
        _ => false,
    }
}

fn url_covers(a: &str, b: &str) -> bool {
    match a.strip_suffix('*') {
        Some(prefix) => b.starts_with(prefix),
        None => a == b,
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Scope {
    /// Matches resource requests only.
    Resource,
    /// Matches non-resource requests only.
    NonResource,
    /// Matches every request.
    All,
}

impl<'d> PolicyRule<'d> {
    fn scope(&self) -> Scope {
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            Scope::Resource
        } else if !self.non_resource.is_empty() {
            Scope::NonResource
        } else {
            Scope::All
        }
    }

    fn is_catch_all(&self) -> bool {
        self.scope() == Scope::All
            && self.users.is_empty()
            && self.groups.is_empty()
            && self.verbs.is_empty()
    }

    /// Whether `self` matches every request that `other` matches (false
    /// when that cannot be shown).
    fn covers(&self, other: &PolicyRule<'_>) -> bool {
        if !list_covers(&self.users, &other.users) || !list_covers(&self.groups, &other.groups) {
            return false;
        }
        if !list_covers(&self.verbs, &other.verbs) {
            return false;
        }
        match (self.scope(), other.scope()) {
            (Scope::All, _) => true,
            (Scope::NonResource, Scope::NonResource) => other
                .non_resource
                .iter()
                .all(|b| self.non_resource.iter().any(|a| url_covers(a, b))),
            (Scope::Resource, Scope::Resource) => {
                if !list_covers(&self.namespaces, &other.namespaces) {
                    return false;
                }
                if self.resources.is_empty() {
                    return true;
                }
                if other.resources.is_empty() {
                    return false;
                }
                other.resources.iter().all(|b| {
                    self.resources.iter().any(|a| {
                        a.group == b.group
                            && list_covers(&a.names, &b.names)
                            && (a.resources.is_empty()
                                || (!b.resources.is_empty()
                                    && b.resources.iter().all(|br| {
                                        a.resources.iter().any(|ar| pattern_covers(ar, br))
                                    })))
                    })
                })
            }
            _ => false,
        }
    }

    /// This rule narrowed to the requests on `t`, or None if it matches
    /// none of them.
    fn restrict(&self, t: &Target) -> Option<PolicyRule<'d>> {
        if self.scope() == Scope::NonResource {
            return None;
        }
        if !self.namespaces.is_empty() {
            let ok = if t.namespaced {
                self.namespaces.iter().any(|n| !n.is_empty())
            } else {
                self.namespaces.contains(&"")
            };
            if !ok {
                return None;
            }
        }
        let names = if self.resources.is_empty() {
            Some(Vec::new())
        } else {
            let matching: Vec<&GroupResources<'_>> = self
                .resources
                .iter()
                .filter(|g| {
                    g.group == t.group
                        && (g.resources.is_empty()
                            || g.resources.iter().any(|p| pattern_matches(p, t.resource)))
                })
                .collect();
            if matching.is_empty() {
                None
            } else if matching.iter().any(|g| g.names.is_empty()) {
                Some(Vec::new())
            } else {
                Some(matching.iter().flat_map(|g| g.names.clone()).collect())
            }
        }?;
        let mut r = self.clone();
        r.resources = vec![GroupResources {
            group: t.group,
            resources: vec![t.resource],
            names,
        }];
        Some(r)
    }
}

/// The rules that are the first match for at least one request on `t`.
fn first_matches<'a, 'd>(rules: &'a [PolicyRule<'d>], t: &Target) -> Vec<&'a PolicyRule<'d>> {
    let mut out = Vec::new();
    let mut earlier: Vec<PolicyRule<'d>> = Vec::new();
    for r in rules {
        let Some(narrow) = r.restrict(t) else {
            continue;
        };
        if !earlier.iter().any(|e| e.covers(&narrow)) {
            out.push(r);
        }
        earlier.push(narrow);
    }
    out
}

struct SensitiveBody;

impl Rule for SensitiveBody {
    fn id(&self) -> &'static str {
        "audit-sensitive-body"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let rules = parse_rules(obj);
        // Rule → the sensitive resources it logs with bodies.
        let mut hits: Vec<(&PolicyRule<'_>, Vec<&str>)> = Vec::new();
        for t in SENSITIVE {
            for r in first_matches(&rules, t) {
                // At level Request only writes carry a body: a rule limited
                // to reads (get, list, watch) logs no Secret content.
                let logs_body = match r.level {
                    Some("RequestResponse") => true,
                    Some("Request") => {
                        r.verbs.is_empty()
                            || r.verbs
                                .iter()
                                .any(|v| matches!(*v, "create" | "update" | "patch"))
                    }
                    _ => false,
                };
                if logs_body {
                    match hits.iter_mut().find(|(h, _)| h.number == r.number) {
                        Some((_, v)) => v.push(t.label),
                        None => hits.push((r, vec![t.label])),
                    }
                }
            }
        }
        hits.sort_by_key(|(r, _)| r.number);
        for (r, what) in hits {
            let n = r.number;
            let level = r.level.unwrap_or("");
            let list = join_and(&what);
            let body = if level == "Request" {
                "request bodies"
            } else {
                "request and response bodies"
            };
            let contents: Vec<&str> = what
                .iter()
                .map(|w| match *w {
                    "secrets" => "Secret values",
                    "configmaps" => "ConfigMap contents",
                    _ => "bearer tokens",
                })
                .collect();
            let core: Vec<&str> = what
                .iter()
                .copied()
                .filter(|w| *w != "tokenreviews")
                .collect();
            let mut example = Vec::new();
            if !core.is_empty() {
                example.push(format!("{{group: \"\", resources: [{}]}}", core.join(", ")));
            }
            if what.contains(&"tokenreviews") {
                example
                    .push("{group: authentication.k8s.io, resources: [tokenreviews]}".to_string());
            }
            cx.report(
                r.level_span,
                format!(
                    "{list} reach rule #{n} first, at level {level}: the audit log stores their {body} — {} in clear text, readable by anyone with access to the logs",
                    join_and(&contents)
                ),
                format!(
                    "Add a rule before rule #{n}: `- level: Metadata` with `resources: [{}]`",
                    example.join(", ")
                ),
            );
        }
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [a] => a.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

struct NoCatchAll;

impl Rule for NoCatchAll {
    fn id(&self) -> &'static str {
        "audit-no-catch-all"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let rules = parse_rules(obj);
        let Some(last) = rules.last() else {
            return;
        };
        if rules.iter().any(PolicyRule::is_catch_all) {
            return;
        }
        cx.report(
            last.level_span,
            format!(
                "the policy has no catch-all rule: requests that match none of its {} rules are not logged at all, so new resources and unexpected callers leave no trace",
                rules.len()
            ),
            "End the rules with a catch-all such as `- level: Metadata` with `omitStages: [RequestReceived]`",
        );
    }
}

struct ShadowedRule;

impl Rule for ShadowedRule {
    fn id(&self) -> &'static str {
        "audit-shadowed-rule"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let rules = parse_rules(obj);
        for (i, r) in rules.iter().enumerate() {
            if let Some(e) = rules[..i].iter().find(|e| e.covers(r)) {
                cx.report_related(
                    r.level_span,
                    format!(
                        "rule #{} can never match: rule #{} comes first and matches every request it matches, so its level {} is never applied",
                        r.number,
                        e.number,
                        r.level.unwrap_or("(none)")
                    ),
                    format!(
                        "Move rule #{} above rule #{}, narrow rule #{}, or delete rule #{}",
                        r.number, e.number, e.number, r.number
                    ),
                    vec![(e.level_span, format!("rule #{} matches first", e.number))],
                );
            }
        }
    }
}

struct OmitRequestReceived;

impl Rule for OmitRequestReceived {
    fn id(&self) -> &'static str {
        "audit-omit-request-received"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let doc = obj.doc;
        if strings(doc, obj.node, "omitStages").contains(&"RequestReceived") {
            return;
        }
        let rules = parse_rules(obj);
        let missing: Vec<String> = rules
            .iter()
            .filter(|r| r.level.is_some_and(|l| l != "None"))
            .filter(|r| !r.omit_stages.contains(&"RequestReceived"))
            .map(|r| format!("#{}", r.number))
            .collect();
        if missing.is_empty() {
            return;
        }
        let span = doc
            .entry(obj.node, "omitStages")
            .or_else(|| doc.entry(obj.node, "rules"))
            .map(|(k, v)| {
                if doc.text(k) == Some("rules") {
                    doc.span(k)
                } else {
                    doc.entry_span(k, v)
                }
            })
            .unwrap_or_else(|| doc.span(obj.node));
        let (which, verb) = if missing.len() == 1 {
            ("rule", "logs")
        } else {
            ("rules", "log")
        };
        cx.report(
            span,
            format!(
                "{which} {} {verb} the RequestReceived stage: every request is written twice (once when received, once when complete) with no extra information, doubling audit volume",
                missing.join(", ")
            ),
            "Add `omitStages: [RequestReceived]` at the top level of the policy",
        );
        // Top-level stages are omitted for every rule; a new list goes
        // above `rules`.
        let ed = Editor::new(doc, cx.text);
        let item = NewValue::str("RequestReceived");
        let edits = match doc.entry(obj.node, "omitStages") {
            Some(_) => ed.ensure_item(obj.node, &["omitStages"], item),
            None => ed
                .insert_entry(
                    obj.node,
                    "omitStages",
                    &NewValue::Seq(vec![item]),
                    &["rules"],
                )
                .map(|e| vec![e]),
        };
        cx.fix(edits.map(|e| {
            Fix::safe(
                "Add `RequestReceived` to the policy's top-level `omitStages`",
                e,
            )
        }));
    }
}

struct ExecNotLogged;

impl Rule for ExecNotLogged {
    fn id(&self) -> &'static str {
        "audit-exec-not-logged"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let rules = parse_rules(obj);
        let mut hits: Vec<(&PolicyRule<'_>, Vec<&str>)> = Vec::new();
        for t in EXEC {
            for r in first_matches(&rules, t) {
                if r.level == Some("None") {
                    match hits.iter_mut().find(|(h, _)| h.number == r.number) {
                        Some((_, v)) => v.push(t.label),
                        None => hits.push((r, vec![t.label])),
                    }
                }
            }
        }
        hits.sort_by_key(|(r, _)| r.number);
        for (r, what) in hits {
            let n = r.number;
            cx.report(
                r.level_span,
                format!(
                    "{} requests reach rule #{n} first and are not logged (level None): interactive access into running containers leaves no audit trail",
                    join_and(&what)
                ),
                format!(
                    "Add a rule before rule #{n} that logs pods/exec, pods/attach and pods/portforward at `level: Metadata` (or higher)"
                ),
            );
        }
    }
}

struct InvalidPolicy;

impl Rule for InvalidPolicy {
    fn id(&self) -> &'static str {
        "audit-invalid-policy"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_policy(obj) {
            return;
        }
        let doc = obj.doc;
        const DOWN: &str = "the API server refuses to start with this audit policy";
        // Rule-level stages are validated at start-up; policy-level ones
        // are not, and an unknown one there silently omits nothing.
        let check_stages = |cx: &mut Cx<'_>, map: NodeId, policy_level: bool| {
            for i in doc
                .get_seq(map, "omitStages")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let s = doc.text(i).unwrap_or("");
                if !STAGES.contains(&s) {
                    let consequence = if policy_level {
                        "the API server does not validate policy-level stages, so the stage meant here is still logged"
                    } else {
                        DOWN
                    };
                    cx.report(
                        doc.span(i),
                        format!("`{s}` is not an audit stage: {consequence}"),
                        format!("Use one of {}", STAGES.join(", ")),
                    );
                }
            }
        };
        check_stages(cx, obj.node, true);
        match doc.entry(obj.node, "rules") {
            None => {
                let span = doc
                    .entry(obj.node, "kind")
                    .map_or(doc.span(obj.node), |(k, v)| doc.entry_span(k, v));
                cx.report(
                    span,
                    format!("the policy has no rules: {DOWN} (a policy with 0 rules is illegal)"),
                    "Add `rules:` ending with a catch-all such as `- level: Metadata`",
                );
            }
            Some((k, v)) if doc.items(v).len() == 0 => cx.report(
                doc.entry_span(k, v),
                format!("the policy has no rules: {DOWN} (a policy with 0 rules is illegal)"),
                "Add rules ending with a catch-all such as `- level: Metadata`",
            ),
            Some((_, v)) => {
                for (i, item) in doc.items(v).enumerate() {
                    if !doc.is_map(item) {
                        cx.report(
                            doc.span(item),
                            format!(
                                "rule #{} is not a mapping: the API server cannot decode the policy and refuses to start",
                                i + 1
                            ),
                            "Write the rule as a mapping such as `- level: Metadata`, or delete the item",
                        );
                    }
                }
            }
        }
        for r in parse_rules(obj) {
            let n = r.number;
            match r.level {
                Some(l) if LEVELS.contains(&l) => {}
                Some(l) => cx.report(
                    r.level_span,
                    format!("rule #{n} has level `{l}`, which is not an audit level: {DOWN}"),
                    format!("Use one of {}", LEVELS.join(", ")),
                ),
                None => cx.report(
                    r.level_span,
                    format!("rule #{n} has no level: {DOWN}"),
                    "Add `level:` with one of None, Metadata, Request, RequestResponse",
                ),
            }
            check_stages(cx, r.item, false);
            if !r.non_resource.is_empty() && (!r.resources.is_empty() || !r.namespaces.is_empty()) {
                let (k, _) = doc
                    .entry(r.item, "nonResourceURLs")
                    .unwrap_or((r.item, r.item));
                cx.report(
                    doc.span(k),
                    format!(
                        "rule #{n} combines nonResourceURLs with resources or namespaces: {DOWN}"
                    ),
                    "Split it into one rule for the resources and one for the non-resource URLs",
                );
            }
            for u in doc
                .get_seq(r.item, "nonResourceURLs")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                let s = doc.text(u).unwrap_or("");
                let star = s.find('*');
                if !s.starts_with('/') || star.is_some_and(|p| p + 1 != s.len()) {
                    cx.report(
                        doc.span(u),
                        format!("rule #{n}: non-resource URL `{s}` must start with `/` and may have `*` only at the end: {DOWN}"),
                        "Write a path such as `/healthz*`",
                    );
                }
            }
            for g in doc
                .get_seq(r.item, "resources")
                .into_iter()
                .flat_map(|s| doc.items(s))
            {
                if doc.get_key(g, "resourceNames").is_some()
                    && strings(doc, g, "resources").is_empty()
                {
                    let (k, _) = doc.entry(g, "resourceNames").unwrap();
                    cx.report(
                        doc.span(k),
                        format!("rule #{n}: resourceNames needs at least one resource in the same entry: {DOWN}"),
                        "Add `resources: [...]` next to `resourceNames`",
                    );
                }
                if let Some((k, v)) = doc.entry(g, "group") {
                    let s = doc.text(v).unwrap_or("");
                    if s.contains('/') || s.contains('*') || s.contains(' ') {
                        cx.report(
                            doc.entry_span(k, v),
                            format!("rule #{n}: `{s}` is not an API group name (no version, no wildcard): {DOWN}"),
                            "Write the group only, e.g. `rbac.authorization.k8s.io`; use \"\" for the core group",
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_patterns() {
        assert!(pattern_covers("*", "pods/log"));
        assert!(pattern_covers("pods/*", "pods/log"));
        assert!(!pattern_covers("pods/*", "pods"));
        assert!(!pattern_covers("pods", "pods/log"));
        assert!(pattern_covers("*/scale", "deployments/scale"));
        assert!(!pattern_covers("*/scale", "deployments/status"));
        assert!(!pattern_covers("pods/*", "*/exec"));
        assert!(pattern_matches("pods/*", "pods/exec"));
        assert!(!pattern_matches("pods", "pods/exec"));
        assert!(pattern_matches("*/exec", "pods/exec"));
        assert!(!pattern_matches("secrets/*", "secrets"));
    }

    #[test]
    fn url_patterns() {
        assert!(url_covers("/healthz*", "/healthz/etcd"));
        assert!(url_covers("/healthz*", "/healthz*"));
        assert!(!url_covers("/healthz", "/healthz/etcd"));
        assert!(url_covers("/*", "/api"));
    }

    #[test]
    fn list_semantics() {
        assert!(list_covers(&[], &["a"]));
        assert!(list_covers(&[], &[]));
        assert!(!list_covers(&["a"], &[]));
        assert!(list_covers(&["a", "b"], &["b"]));
        assert!(!list_covers(&["a"], &["a", "c"]));
    }
}
