//! Category `kubelet`: `kubelet.config.k8s.io/v1beta1` `KubeletConfiguration`
//! files.
//!
//! Errors mirror the checks the kubelet runs on its configuration at start-up
//! (`ValidateKubeletConfiguration`, the parsing of reserved resources and of
//! eviction thresholds): a config that fails them keeps the node from ever
//! joining. The other rules are best practice. A field that is missing is
//! reported at the `kind:` entry, the one-line stand-in for the document.

use super::{Cx, Rule};
use crate::fix::{Editor, Fix, NewValue};
use crate::model::quantity::Quantity;
use crate::model::Object;
use crate::yaml::{Document, NodeId, Span, Value};

pub(super) static RULES: &[&dyn Rule] = &[
    &InvalidConfig,
    &MissingReservation,
    &NoEvictionHard,
    &ReadOnlyPort,
    &AnonymousAuth,
    &AuthorizationAlwaysAllow,
    &EventQpsUnlimited,
    &UnboundedImagePulls,
    &ProtectKernelDefaults,
    &RotateCertificates,
    &ClientCa,
    &StreamingTimeout,
    &IptablesUtilChains,
    &ServingTls,
];

fn is_kubelet_config(obj: &Object<'_>) -> bool {
    obj.kind == "KubeletConfiguration" && obj.group() == "kubelet.config.k8s.io"
}

/// Where a finding about a missing top-level field points.
fn kind_span(obj: &Object<'_>) -> Span {
    let doc = obj.doc;
    match doc.entry(obj.node, "kind") {
        Some((k, v)) => doc.entry_span(k, v),
        None => doc.span(obj.node),
    }
}

fn entry_span(doc: &Document<'_>, map: NodeId, key: &str) -> Option<Span> {
    doc.entry(map, key).map(|(k, v)| doc.entry_span(k, v))
}

/// A non-empty string field.
fn nonempty_str<'d>(doc: &'d Document<'d>, map: NodeId, key: &str) -> Option<&'d str> {
    doc.get_key(map, key)
        .filter(|&v| !doc.is_null(v))
        .and_then(|v| doc.text(v))
        .filter(|s| !s.is_empty())
}

const NOT_UP: &str =
    "the kubelet refuses to start with this configuration, so the node never comes up";

const ENFORCE_OPTIONS: &[&str] = &[
    "pods",
    "system-reserved",
    "system-reserved-compressible",
    "kube-reserved",
    "kube-reserved-compressible",
    "none",
];

const EVICTION_SIGNALS: &[&str] = &[
    "memory.available",
    "nodefs.available",
    "nodefs.inodesFree",
    "imagefs.available",
    "imagefs.inodesFree",
    "containerfs.available",
    "containerfs.inodesFree",
    "pid.available",
    "allocatableMemory.available",
];

struct InvalidConfig;

impl InvalidConfig {
    fn enforce_node_allocatable(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let root = obj.node;
        let Some((list_key, list)) = doc.entry(root, "enforceNodeAllocatable") else {
            return;
        };
        let items: Vec<(NodeId, &str)> = doc
            .items(list)
            .filter_map(|i| Some((i, doc.text(i)?)))
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        for &(node, v) in &items {
            if !ENFORCE_OPTIONS.contains(&v) {
                cx.report(
                    doc.span(node),
                    format!("`{v}` is not a valid enforceNodeAllocatable option: {NOT_UP}"),
                    format!("Use only {}", ENFORCE_OPTIONS.join(", ")),
                );
            } else if seen.contains(&v) {
                cx.report(
                    doc.span(node),
                    format!("`{v}` is listed twice in enforceNodeAllocatable: {NOT_UP}"),
                    "Delete the duplicate entry",
                );
            }
            seen.push(v);
        }
        let has = |v: &str| items.iter().find(|(_, s)| *s == v).map(|(n, _)| *n);
        if has("none").is_some() && items.len() > 1 {
            cx.report(
                doc.span(list_key),
                format!("enforceNodeAllocatable lists `none` together with other enforcements: {NOT_UP}"),
                "Either list only `none`, or remove `none`",
            );
        }
        for (reserved, cgroup_key) in [
            ("system-reserved", "systemReservedCgroup"),
            ("kube-reserved", "kubeReservedCgroup"),
        ] {
            let compressible = format!("{reserved}-compressible");
            let plain = has(reserved);
            let comp = has(&compressible);
            if let (Some(_), Some(c)) = (plain, comp) {
                cx.report(
                    doc.span(c),
                    format!("`{reserved}` and `{compressible}` cannot both be listed in enforceNodeAllocatable: {NOT_UP}"),
                    format!("Keep one of `{reserved}` and `{compressible}`"),
                );
            }
            if let Some(node) = plain.or(comp) {
                if nonempty_str(doc, root, cgroup_key).is_none() {
                    let what = doc.text(node).unwrap_or(reserved);
                    cx.report(
                        doc.span(node),
                        format!("enforceNodeAllocatable includes `{what}` but `{cgroup_key}` is not set: {NOT_UP}"),
                        format!("Set `{cgroup_key}` to the cgroup the reserved processes run in (for example `/system.slice` or `/runtime`), or remove `{what}`"),
                    );
                }
            }
        }
        if let Some((k, v)) = doc.entry(root, "cgroupsPerQOS") {
            if doc.bool(v) == Some(false) && items.iter().any(|(_, s)| *s != "none") {
                cx.report(
                    doc.entry_span(k, v),
                    format!("cgroupsPerQOS is false while enforceNodeAllocatable has enforcements: {NOT_UP}"),
                    "Set `cgroupsPerQOS: true` (the default), or set `enforceNodeAllocatable: [none]`",
                );
            }
        }
        if let Some(span) = entry_span(doc, root, "reservedSystemCPUs") {
            if nonempty_str(doc, root, "reservedSystemCPUs").is_some()
                && (nonempty_str(doc, root, "systemReservedCgroup").is_some()
                    || nonempty_str(doc, root, "kubeReservedCgroup").is_some())
            {
                cx.report(
                    span,
                    format!("reservedSystemCPUs cannot be combined with systemReservedCgroup or kubeReservedCgroup: {NOT_UP}"),
                    "Reserve CPUs either with `reservedSystemCPUs` or with the reserved cgroups, not both",
                );
            }
        }
    }

    fn reserved(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for field in ["systemReserved", "kubeReserved"] {
            let Some(map) = doc.get_map(obj.node, field) else {
                continue;
            };
            for (k, v) in doc.entries(map) {
                let name = doc.text(k).unwrap_or("");
                let span = doc.entry_span(k, v);
                if !matches!(name, "cpu" | "memory" | "ephemeral-storage" | "pid") {
                    cx.report(
                        span,
                        format!("{field} cannot reserve `{name}`: {NOT_UP}"),
                        "Reserve only `cpu`, `memory`, `ephemeral-storage` or `pid`",
                    );
                    continue;
                }
                let text = doc.text(v).unwrap_or("");
                match Quantity::parse(text) {
                    Err(e) => cx.report(
                        span,
                        format!("{field}.{name} `{text}` is not a valid quantity ({e}): {NOT_UP}"),
                        format!(
                            "Write a Kubernetes quantity such as `{}`",
                            example_quantity(name)
                        ),
                    ),
                    Ok(q) if q.is_negative() => cx.report(
                        span,
                        format!("{field}.{name} `{text}` is negative: {NOT_UP}"),
                        format!(
                            "Reserve a positive amount such as `{}`",
                            example_quantity(name)
                        ),
                    ),
                    Ok(_) => {}
                }
            }
        }
    }

    fn eviction(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let grace = doc.get_map(obj.node, "evictionSoftGracePeriod");
        for field in ["evictionHard", "evictionSoft"] {
            let Some(map) = doc.get_map(obj.node, field) else {
                continue;
            };
            for (k, v) in doc.entries(map) {
                let signal = doc.text(k).unwrap_or("");
                let span = doc.entry_span(k, v);
                if !EVICTION_SIGNALS.contains(&signal) {
                    cx.report(
                        span,
                        format!("`{signal}` is not an eviction signal: {NOT_UP}"),
                        format!("Use one of {}", EVICTION_SIGNALS.join(", ")),
                    );
                    continue;
                }
                let text = doc.text(v).unwrap_or("");
                if let Some(p) = text.strip_suffix('%') {
                    match p.parse::<f64>() {
                        Ok(x) if (0.0..=100.0).contains(&x) => {}
                        Ok(_) => cx.report(
                            span,
                            format!("{field}.{signal} `{text}` is outside 0%–100%: {NOT_UP}"),
                            "Use a percentage between 0% and 100%",
                        ),
                        Err(_) => cx.report(
                            span,
                            format!(
                                "{field}.{signal} `{text}` is not a valid percentage: {NOT_UP}"
                            ),
                            "Write a percentage such as `10%`",
                        ),
                    }
                } else {
                    match Quantity::parse(text) {
                        Err(e) => cx.report(
                            span,
                            format!("{field}.{signal} `{text}` is neither a quantity nor a percentage ({e}): {NOT_UP}"),
                            "Write a quantity such as `500Mi` or a percentage such as `10%`",
                        ),
                        Ok(q) if q.is_negative() => cx.report(
                            span,
                            format!("{field}.{signal} `{text}` is negative: {NOT_UP}"),
                            "Write a positive quantity such as `500Mi` or a percentage such as `10%`",
                        ),
                        Ok(_) => {}
                    }
                }
                if field == "evictionSoft" {
                    let has_grace = grace
                        .and_then(|g| doc.get_key(g, signal))
                        .and_then(|g| doc.text(g))
                        .is_some_and(|g| !g.is_empty() && g != "0" && g != "0s");
                    if !has_grace {
                        cx.report(
                            span,
                            format!("soft eviction threshold `{signal}` has no grace period in evictionSoftGracePeriod: {NOT_UP}"),
                            format!("Add `evictionSoftGracePeriod: {{{signal}: 1m30s}}`"),
                        );
                    }
                }
            }
        }
    }

    fn numbers(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        let root = obj.node;
        let int_field = |key: &str| -> Option<(Span, i64)> {
            let (k, v) = doc.entry(root, key)?;
            Some((doc.entry_span(k, v), doc.int(v)?))
        };
        let ranges: &[(&str, i64, i64, &str)] = &[
            ("eventRecordQPS", 0, i64::MAX, "must not be negative"),
            ("eventBurst", 0, i64::MAX, "must not be negative"),
            ("kubeAPIQPS", 0, i64::MAX, "must not be negative"),
            ("kubeAPIBurst", 0, i64::MAX, "must not be negative"),
            ("registryPullQPS", 0, i64::MAX, "must not be negative"),
            ("registryBurst", 0, i64::MAX, "must not be negative"),
            ("maxPods", 0, i64::MAX, "must not be negative"),
            ("podsPerCore", 0, i64::MAX, "must not be negative"),
            ("maxOpenFiles", 0, i64::MAX, "must not be negative"),
            (
                "readOnlyPort",
                0,
                65535,
                "must be 0 (disabled) or a port 1–65535",
            ),
            ("port", 1, 65535, "must be a port 1–65535"),
            (
                "healthzPort",
                0,
                65535,
                "must be 0 (disabled) or a port 1–65535",
            ),
            ("oomScoreAdj", -1000, 1000, "must be between -1000 and 1000"),
            (
                "imageGCHighThresholdPercent",
                0,
                100,
                "must be between 0 and 100",
            ),
            (
                "imageGCLowThresholdPercent",
                0,
                100,
                "must be between 0 and 100",
            ),
            (
                "nodeLeaseDurationSeconds",
                1,
                i64::MAX,
                "must be greater than 0",
            ),
            ("maxParallelImagePulls", 1, i64::MAX, "must be at least 1"),
        ];
        for &(key, lo, hi, rule) in ranges {
            if let Some((span, n)) = int_field(key) {
                if n < lo || n > hi {
                    cx.report(
                        span,
                        format!("{key} is {n} but {rule}: {NOT_UP}"),
                        format!(
                            "Set `{key}` to a value that {}",
                            rule.replace("must be", "is")
                                .replace("must not be", "is not")
                        ),
                    );
                }
            }
        }
        if let (Some((span, low)), Some((_, high))) = (
            int_field("imageGCLowThresholdPercent"),
            int_field("imageGCHighThresholdPercent"),
        ) {
            if low >= high && (0..=100).contains(&low) && (0..=100).contains(&high) {
                cx.report(
                    span,
                    format!("imageGCLowThresholdPercent ({low}) must be lower than imageGCHighThresholdPercent ({high}): {NOT_UP}"),
                    "Lower `imageGCLowThresholdPercent` below the high threshold (defaults: 80 and 85)",
                );
            }
        }
        if let Some((span, n)) = int_field("maxParallelImagePulls") {
            let serialize = doc
                .get_key(root, "serializeImagePulls")
                .and_then(|v| doc.bool(v))
                .unwrap_or(true);
            if n > 1 && serialize {
                cx.report(
                    span,
                    format!("maxParallelImagePulls is {n} but serializeImagePulls is true (its default): {NOT_UP}"),
                    "Add `serializeImagePulls: false`, or drop `maxParallelImagePulls`",
                );
            }
        }
        if let Some((k, v)) = doc.entry(root, "runOnce") {
            if doc.bool(v) == Some(true) {
                cx.report(
                    doc.entry_span(k, v),
                    format!("runOnce mode has been removed: {NOT_UP}"),
                    "Delete `runOnce`",
                );
            }
        }
        let enums: &[(&str, &[&str])] = &[
            (
                "topologyManagerPolicy",
                &["none", "best-effort", "restricted", "single-numa-node"],
            ),
            ("topologyManagerScope", &["container", "pod"]),
            (
                "hairpinMode",
                &["none", "hairpin-veth", "promiscuous-bridge"],
            ),
        ];
        for &(key, allowed) in enums {
            if let Some((k, v)) = doc.entry(root, key) {
                if let Some(Value::Str(s)) = doc.value(v) {
                    if !s.is_empty() && !allowed.contains(&s) {
                        cx.report(
                            doc.entry_span(k, v),
                            format!("{key} `{s}` is not a valid value: {NOT_UP}"),
                            format!("Use one of {}", allowed.join(", ")),
                        );
                    }
                }
            }
        }
    }
}

fn example_quantity(resource: &str) -> &'static str {
    match resource {
        "cpu" => "500m",
        "memory" => "1Gi",
        "ephemeral-storage" => "1Gi",
        _ => "1000",
    }
}

impl Rule for InvalidConfig {
    fn id(&self) -> &'static str {
        "kubelet-invalid-config"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_kubelet_config(obj) {
            return;
        }
        self.enforce_node_allocatable(obj, cx);
        self.reserved(obj, cx);
        self.eviction(obj, cx);
        self.numbers(obj, cx);
    }
}

struct MissingReservation;

impl Rule for MissingReservation {
    fn id(&self) -> &'static str {
        "kubelet-missing-reservation"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_kubelet_config(obj) {
            return;
        }
        let doc = obj.doc;
        for (field, who) in [
            ("systemReserved", "the OS daemons (sshd, journald, systemd)"),
            ("kubeReserved", "the kubelet and the container runtime"),
        ] {
            match doc.entry(obj.node, field) {
                Some((k, v)) if doc.is_map(v) => {
                    let missing: Vec<&str> = ["cpu", "memory"]
                        .into_iter()
                        .filter(|r| doc.get_key(v, r).is_none())
                        .collect();
                    if !missing.is_empty() {
                        cx.report(
                            doc.span(k),
                            format!(
                                "{field} reserves no {} for {who}: pods may take all of it, and under pressure the node goes NotReady instead of evicting pods",
                                missing.join(" or ")
                            ),
                            format!("Add {} to `{field}`", missing.iter().map(|r| format!("`{r}: {}`", example_quantity(r))).collect::<Vec<_>>().join(" and ")),
                        );
                    }
                }
                _ => cx.report(
                    kind_span(obj),
                    format!(
                        "no {field}: nothing is set aside for {who}, so pods can be scheduled onto the node's whole capacity and starve them; under memory pressure the node goes NotReady instead of evicting pods"
                    ),
                    format!("Add `{field}: {{cpu: 100m, memory: 512Mi}}` sized for the node"),
                ),
            }
        }
    }
}

struct NoEvictionHard;

impl Rule for NoEvictionHard {
    fn id(&self) -> &'static str {
        "kubelet-no-eviction-hard"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_kubelet_config(obj) || obj.doc.get_key(obj.node, "evictionHard").is_some() {
            return;
        }
        cx.report(
            kind_span(obj),
            "no evictionHard: the kubelet evicts only below its built-in thresholds (memory.available 100Mi, nodefs.available 10%), which on a large node leaves the kernel OOM killer to act first",
            "Set `evictionHard` explicitly, for example `{memory.available: 500Mi, nodefs.available: 10%, imagefs.available: 15%, nodefs.inodesFree: 5%}`",
        );
    }
}

/// Reports a present field whose value is bad; `bad` decides.
fn check_field(
    obj: &Object<'_>,
    cx: &mut Cx<'_>,
    path: &[&str],
    bad: impl Fn(&Document<'_>, NodeId) -> bool,
    message: &str,
    help: &'static str,
) {
    if !is_kubelet_config(obj) {
        return;
    }
    let doc = obj.doc;
    let (parent, last) = path.split_at(path.len() - 1);
    let Some(map) = doc.path(obj.node, parent) else {
        return;
    };
    if !doc.is_map(map) {
        return;
    }
    if let Some((k, v)) = doc.entry(map, last[0]) {
        if bad(doc, v) {
            cx.report(doc.entry_span(k, v), message, help);
        }
    }
}

struct ReadOnlyPort;

impl Rule for ReadOnlyPort {
    fn id(&self) -> &'static str {
        "kubelet-read-only-port"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        check_field(
            obj,
            cx,
            &["readOnlyPort"],
            |d, v| d.int(v).is_some_and(|n| n != 0),
            "readOnlyPort opens the kubelet's read-only API without authentication: anyone who reaches the node can list every pod with its environment and spec",
            "Set `readOnlyPort: 0` and scrape metrics through the authenticated port 10250",
        );
        if let Some(v) = obj.doc.get_key(obj.node, "readOnlyPort") {
            cx.fix(
                Editor::new(obj.doc, cx.text)
                    .replace(v, &NewValue::Int(0))
                    .map(|e| Fix::safe("Set `readOnlyPort: 0`", vec![e])),
            );
        }
    }
}

struct AnonymousAuth;

impl Rule for AnonymousAuth {
    fn id(&self) -> &'static str {
        "kubelet-anonymous-auth"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        check_field(
            obj,
            cx,
            &["authentication", "anonymous", "enabled"],
            |d, v| d.bool(v) == Some(true),
            "anonymous requests to the kubelet API are accepted (as system:anonymous): with a permissive authorizer anyone reaching port 10250 can exec into pods",
            "Set `authentication.anonymous.enabled: false` and enable `authentication.webhook`",
        );
    }
}

struct AuthorizationAlwaysAllow;

impl Rule for AuthorizationAlwaysAllow {
    fn id(&self) -> &'static str {
        "kubelet-authorization-always-allow"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        check_field(
            obj,
            cx,
            &["authorization", "mode"],
            |d, v| d.text(v) == Some("AlwaysAllow"),
            "authorization mode AlwaysAllow lets every authenticated caller use the whole kubelet API, including exec, attach and port-forward into any pod on the node",
            "Set `authorization.mode: Webhook` so the API server authorizes each request",
        );
    }
}

struct EventQpsUnlimited;

impl Rule for EventQpsUnlimited {
    fn id(&self) -> &'static str {
        "kubelet-event-qps-unlimited"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        check_field(
            obj,
            cx,
            &["eventRecordQPS"],
            |d, v| d.int(v) == Some(0),
            "eventRecordQPS 0 does not turn events off: it removes the rate limit, so a crash-looping pod can flood the API server and etcd with events",
            "Set `eventRecordQPS` to a positive limit (the default is 50)",
        );
    }
}

struct UnboundedImagePulls;

impl Rule for UnboundedImagePulls {
    fn id(&self) -> &'static str {
        "kubelet-unbounded-image-pulls"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if obj.doc.get_key(obj.node, "maxParallelImagePulls").is_some() {
            return;
        }
        check_field(
            obj,
            cx,
            &["serializeImagePulls"],
            |d, v| d.bool(v) == Some(false),
            "serializeImagePulls is false without maxParallelImagePulls: the kubelet pulls any number of images at once, which can saturate the node's disk and network when many pods start",
            "Add `maxParallelImagePulls: 5` (or another bound)",
        );
    }
}

struct ProtectKernelDefaults;

impl Rule for ProtectKernelDefaults {
    fn id(&self) -> &'static str {
        "kubelet-protect-kernel-defaults"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_kubelet_config(obj) {
            return;
        }
        let doc = obj.doc;
        match doc.entry(obj.node, "protectKernelDefaults") {
            Some((_, v)) if doc.bool(v) == Some(true) => {}
            Some((k, v)) => cx.report(
                doc.entry_span(k, v),
                "protectKernelDefaults is off: the kubelet silently rewrites kernel sysctls it does not like instead of failing on a node that is not configured as expected",
                "Set `protectKernelDefaults: true` and configure the kernel parameters on the node",
            ),
            None => cx.report(
                kind_span(obj),
                "protectKernelDefaults is not set (default false): the kubelet silently rewrites kernel sysctls it does not like instead of failing on a node that is not configured as expected",
                "Add `protectKernelDefaults: true` and configure the kernel parameters on the node",
            ),
        }
    }
}

struct RotateCertificates;

impl Rule for RotateCertificates {
    fn id(&self) -> &'static str {
        "kubelet-rotate-certificates"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_kubelet_config(obj) {
            return;
        }
        let doc = obj.doc;
        match doc.entry(obj.node, "rotateCertificates") {
            Some((_, v)) if doc.bool(v) == Some(true) => {}
            Some((k, v)) => cx.report(
                doc.entry_span(k, v),
                "rotateCertificates is off: when the kubelet's client certificate expires the node drops out of the cluster",
                "Set `rotateCertificates: true` (and approve kubelet CSRs in the cluster)",
            ),
            None => cx.report(
                kind_span(obj),
                "rotateCertificates is not set (default false): when the kubelet's client certificate expires the node drops out of the cluster",
                "Add `rotateCertificates: true` (and approve kubelet CSRs in the cluster)",
            ),
        }
    }
}

struct ClientCa;

impl Rule for ClientCa {
    fn id(&self) -> &'static str {
        "kubelet-client-ca"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_kubelet_config(obj) {
            return;
        }
        let doc = obj.doc;
        let x509 = doc.path(obj.node, &["authentication", "x509"]);
        if x509
            .and_then(|m| nonempty_str(doc, m, "clientCAFile"))
            .is_some()
        {
            return;
        }
        let span = match (x509, doc.entry(obj.node, "authentication")) {
            (Some(_), Some(_)) => doc
                .get_map(obj.node, "authentication")
                .and_then(|a| doc.entry(a, "x509"))
                .map(|(k, _)| doc.span(k))
                .unwrap_or_else(|| kind_span(obj)),
            (None, Some((k, _))) => doc.span(k),
            _ => kind_span(obj),
        };
        cx.report(
            span,
            "authentication.x509.clientCAFile is not set: the kubelet cannot verify client certificates, so the API server's own requests (logs, exec, port-forward) are either refused or, with anonymous access on, indistinguishable from anyone's",
            "Set `authentication.x509.clientCAFile` to the cluster CA bundle (kubeadm uses /etc/kubernetes/pki/ca.crt)",
        );
    }
}

struct StreamingTimeout;

impl Rule for StreamingTimeout {
    fn id(&self) -> &'static str {
        "kubelet-streaming-timeout"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        check_field(
            obj,
            cx,
            &["streamingConnectionIdleTimeout"],
            |d, v| {
                d.text(v)
                    .and_then(super::control_plane::go_duration_secs)
                    == Some(0.0)
            },
            "streamingConnectionIdleTimeout 0 never closes idle exec, attach and port-forward sessions: forgotten sessions stay open to the node indefinitely and the kubelet's connections pile up",
            "Remove the field (the default is 4h) or set a bound such as `5m`",
        );
    }
}

struct IptablesUtilChains;

impl Rule for IptablesUtilChains {
    fn id(&self) -> &'static str {
        "kubelet-iptables-util-chains"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        check_field(
            obj,
            cx,
            &["makeIPTablesUtilChains"],
            |d, v| d.bool(v) == Some(false),
            "makeIPTablesUtilChains is off: the kubelet no longer creates the iptables chains that drop invalid and martian packets for pods, leaving that filtering to whatever else manages the node's firewall",
            "Remove the field (the default is true)",
        );
    }
}

struct ServingTls;

impl Rule for ServingTls {
    fn id(&self) -> &'static str {
        "kubelet-tls"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        if !is_kubelet_config(obj) {
            return;
        }
        let doc = obj.doc;
        let bootstrap = doc
            .get_key(obj.node, "serverTLSBootstrap")
            .and_then(|v| doc.bool(v))
            == Some(true);
        let files = nonempty_str(doc, obj.node, "tlsCertFile").is_some()
            && nonempty_str(doc, obj.node, "tlsPrivateKeyFile").is_some();
        if !bootstrap && !files {
            cx.report(
                kind_span(obj),
                "neither tlsCertFile/tlsPrivateKeyFile nor serverTLSBootstrap is set: the kubelet serves a self-signed certificate, so the API server cannot verify it and exec sessions and logs can be intercepted on the node network",
                "Set `serverTLSBootstrap: true` (and approve the kubelet serving CSRs) or provide `tlsCertFile` and `tlsPrivateKeyFile` signed by the cluster CA",
            );
        }
        if let Some((k, v)) = doc
            .get_map(obj.node, "featureGates")
            .and_then(|g| doc.entry(g, "RotateKubeletServerCertificate"))
        {
            if doc.bool(v) == Some(false) {
                cx.report(
                    doc.entry_span(k, v),
                    "the RotateKubeletServerCertificate feature gate is off: the kubelet's serving certificate is never renewed, so it either expires or stays self-signed",
                    "Remove the gate (it is on by default)",
                );
            }
        }
        if let Some((k, v)) = doc.entry(obj.node, "tlsCipherSuites") {
            let weak: Vec<&str> = doc
                .items(v)
                .filter_map(|i| doc.text(i))
                .filter(|c| super::control_plane::weak_cipher(c))
                .collect();
            if !weak.is_empty() {
                cx.report(
                    doc.entry_span(k, v),
                    format!(
                        "tlsCipherSuites allows weak suites ({}): broken ciphers, or CBC modes with known padding-oracle attacks, on the connection that carries exec sessions and logs",
                        weak.join(", ")
                    ),
                    "List only ECDHE suites with AES-GCM or ChaCha20-Poly1305 (or drop the field and use Go's secure defaults)",
                );
            }
        }
    }
}
