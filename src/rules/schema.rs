//! Category `schema`: objects validated offline against the Kubernetes JSON
//! Schemas of the target version (`--kubernetes-version`), the CRDs of the
//! input and `--schema-dir` (machinery in [`crate::schema`]); removed,
//! deprecated and unserved API versions.
//!
//! One validation pass per object feeds five rules (`unknown-field`,
//! `invalid-type`, `missing-required-field`, `invalid-enum-value`,
//! `invalid-value`) and `unknown-kind`: the first of them that is enabled
//! drives the pass and reports for the others that are enabled.
//!
//! Ownership of YAML 1.1 booleans: an unquoted `on`/`yes`/`true`… in a
//! string field is reported once. Where `yaml11-boolean` examines the node
//! (labels, annotations, selectors, ConfigMap data, container commands,
//! arguments and env values) and is enabled, it owns the finding; in every
//! other string field `invalid-type` reports it.

use super::yaml::yaml11_boolean_covers;
use super::{Cx, Rule};
use crate::fix::{Editor, Fix, NewValue};
use crate::model::Object;
use crate::schema::lifecycle::{self, Status};
use crate::schema::validate::{self, ProblemKind};
use crate::schema::{is_builtin_group, is_config_kind, versions_with, Origin};
use crate::yaml::{yaml11_bool, ScalarStyle};

pub const UNKNOWN_FIELD: &str = "unknown-field";
pub const INVALID_TYPE: &str = "invalid-type";
pub const MISSING_REQUIRED: &str = "missing-required-field";
pub const INVALID_ENUM: &str = "invalid-enum-value";
pub const INVALID_VALUE: &str = "invalid-value";
pub const UNKNOWN_KIND: &str = "unknown-kind";

/// The rules fed by the validation pass, in the order that picks the driver.
const VALIDATION: [&str; 6] = [
    UNKNOWN_FIELD,
    INVALID_TYPE,
    MISSING_REQUIRED,
    INVALID_ENUM,
    INVALID_VALUE,
    UNKNOWN_KIND,
];

pub(super) static RULES: &[&dyn Rule] = &[
    &Validation(UNKNOWN_FIELD),
    &Validation(INVALID_TYPE),
    &Validation(MISSING_REQUIRED),
    &Validation(INVALID_ENUM),
    &Validation(INVALID_VALUE),
    &Validation(UNKNOWN_KIND),
    &RemovedApiVersion,
    &DeprecatedApiVersion,
    &UnservedApiVersion,
];

/// Whether any rule that needs the schema registry is on (the fix of
/// `removed-api-version` validates against the replacement's schema).
pub fn needs_registry(enabled: &dyn Fn(&str) -> bool) -> bool {
    VALIDATION.iter().any(|id| enabled(id)) || enabled("removed-api-version")
}

struct Validation(&'static str);

impl Rule for Validation {
    fn id(&self) -> &'static str {
        self.0
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let enabled = |id: &str| cx.opts.selection.is_enabled(id);
        // The first enabled rule of the family drives the pass.
        if VALIDATION.iter().find(|id| enabled(id)) != Some(&self.0) {
            return;
        }
        // Borrowed, not cloned: every object of every thread comes here,
        // and a shared reference count would bounce between the cores.
        let opts = cx.opts;
        let Some(registry) = opts.schema.registry.as_deref() else {
            return;
        };
        if obj.api_version.is_empty() || obj.kind.is_empty() {
            return;
        }
        // A strategic-merge patch (`$patch: delete`, `$retainKeys`…) is
        // not an object of its own.
        if is_patch(obj) {
            registry.count_unvalidated();
            return;
        }
        if obj.kind == "CustomResourceDefinition" && obj.group() == "apiextensions.k8s.io" {
            registry.offer_crd(obj.doc, obj.node, obj.api_version);
        }
        let problems = registry
            .lookup(obj.api_version, obj.kind)
            .and_then(|c| Some((validate::check(&c, obj.doc, obj.node, obj.kind)?, c)));
        let Some((problems, compiled)) = problems else {
            registry.count_unvalidated();
            if enabled(UNKNOWN_KIND) {
                unknown_kind(obj, cx);
            }
            return;
        };
        let yaml11_owner = cx.opts.selection.is_enabled("yaml11-boolean");
        // Kustomize bases and patches are completed by kustomize (selectors
        // from labels, containers from the base): only a complete object
        // can be required to have every field.
        let partial = registry.in_kustomize_dir(cx.file);
        for p in problems {
            let id = match p.kind {
                ProblemKind::UnknownField => UNKNOWN_FIELD,
                ProblemKind::InvalidType => INVALID_TYPE,
                ProblemKind::MissingRequired => MISSING_REQUIRED,
                ProblemKind::InvalidEnum => INVALID_ENUM,
                ProblemKind::InvalidValue => INVALID_VALUE,
            };
            if p.kind == ProblemKind::MissingRequired && partial {
                continue;
            }
            if p.kind == ProblemKind::InvalidType
                && yaml11_owner
                && is_plain_yaml11_bool(obj, p.node)
                && yaml11_boolean_covers(obj, p.node)
            {
                continue;
            }
            let help = match (&compiled.origin, p.kind) {
                (Origin::Crd, ProblemKind::UnknownField) => format!(
                    "{} (the field is not in the CustomResourceDefinition's schema for {})",
                    p.help, obj.api_version
                ),
                _ => p.help,
            };
            cx.report_for(id, p.span, p.message, help);
        }
    }
}

fn is_patch(obj: &Object<'_>) -> bool {
    let doc = obj.doc;
    if !doc.has_dollar_scalars() {
        return false;
    }
    doc.maps_in(obj.node).any(|m| {
        doc.entries(m).any(|(k, _)| {
            doc.text(k).is_some_and(|t| {
                t.starts_with('$')
                    && (t.starts_with("$patch")
                        || t.starts_with("$setElementOrder")
                        || t.starts_with("$retainKeys")
                        || t.starts_with("$deleteFromPrimitiveList"))
            })
        })
    })
}

fn is_plain_yaml11_bool(obj: &Object<'_>, node: crate::yaml::NodeId) -> bool {
    let doc = obj.doc;
    doc.tag(node).is_none()
        && matches!(doc.scalar(node), Some((t, ScalarStyle::Plain)) if yaml11_bool(t).is_some())
}

/// The `kind:` entry of an object (where kind-level findings point), or
/// the `apiVersion:` entry, or the object.
fn kind_span(obj: &Object<'_>, key: &str) -> crate::yaml::Span {
    let doc = obj.doc;
    doc.entry(obj.node, key)
        .map(|(k, v)| doc.entry_span(k, v))
        .unwrap_or_else(|| doc.span(obj.node))
}

fn unknown_kind(obj: &Object<'_>, cx: &mut Cx<'_>) {
    let (av, kind) = (obj.api_version, obj.kind);
    let group = obj.group();
    // Reported by their own rules (configuration files) or by the API
    // version rules (Kubernetes' own groups); not API objects at all.
    if is_config_kind(av)
        || is_builtin_group(group)
        || lifecycle::table()
            .status(av, kind, cx.opts.schema.minor())
            .is_some()
        || kind == "List"
    {
        return;
    }
    let registry = cx.opts.schema.registry.clone();
    let crd_other_version = registry.as_ref().is_some_and(|r| r.crd_defines(av, kind));
    let message = if crd_other_version {
        format!(
            "{kind} {av} has no schema: the CustomResourceDefinition in the input does not serve version `{}`, so the API server rejects the object",
            av.rsplit('/').next().unwrap_or(av)
        )
    } else {
        format!(
            "{kind} {av} has no schema (not a Kubernetes {} kind, no CustomResourceDefinition for it in the input, none in --schema-dir), so it was not validated",
            minor_str(cx.opts.schema.minor())
        )
    };
    cx.report_for(
        UNKNOWN_KIND,
        kind_span(obj, "kind"),
        message,
        "Lint the CustomResourceDefinition together with its resources, or add its JSON Schema to --schema-dir (kubeconform's {kind}-{group}-{version}.json layout)",
    );
}

fn minor_str(m: u32) -> String {
    format!("1.{m}")
}

struct RemovedApiVersion;

impl Rule for RemovedApiVersion {
    fn id(&self) -> &'static str {
        "removed-api-version"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let target = cx.opts.schema.minor();
        let Some(Status::Removed {
            since,
            replacement,
            note,
        }) = lifecycle::table().status(obj.api_version, obj.kind, target)
        else {
            return;
        };
        let (av, kind) = (obj.api_version, obj.kind);
        let mut message = format!(
            "{kind} {av} was removed in Kubernetes 1.{since}: the API server of {} refuses the object (\"no matches for kind\")",
            minor_str(target)
        );
        let help = match (replacement, note) {
            (Some(r), _) => {
                message.push_str(&format!("; use {r}"));
                format!("Change `apiVersion` to `{r}` and adapt the fields that changed (`kubectl convert` can help)")
            }
            (None, Some(n)) => {
                message.push_str(&format!("; {n}"));
                format!("Remove the {kind}: {n}")
            }
            (None, None) => format!("Remove the {kind}, or target an older --kubernetes-version"),
        };
        cx.report(kind_span(obj, "apiVersion"), message, help);
        if let Some(r) = replacement {
            cx.fix(replacement_fix(obj, r, cx));
        }
    }
}

/// The safe fix of a removed apiVersion: its replacement, offered only when
/// the object as written validates against the replacement's schema (the
/// fields did not change between the versions, as for CronJob batch/v1beta1
/// → batch/v1); otherwise the fields need a hand conversion and no fix is
/// offered.
fn replacement_fix(obj: &Object<'_>, replacement: &str, cx: &Cx<'_>) -> Option<Fix> {
    let registry = cx.opts.schema.registry.as_ref()?;
    let compiled = registry.lookup(replacement, obj.kind)?;
    let doc = obj.doc;
    let mut instance = doc.to_json(obj.node);
    instance
        .as_object_mut()?
        .insert("apiVersion".into(), replacement.into());
    if !compiled.validator()?.is_valid(&instance) {
        return None;
    }
    let value = doc.get_key(obj.node, "apiVersion")?;
    let edit = Editor::new(doc, cx.text).replace(value, &NewValue::str(replacement))?;
    Some(Fix::safe(
        format!(
            "Change `apiVersion` to `{replacement}` (the object validates against it unchanged)"
        ),
        vec![edit],
    ))
}

struct DeprecatedApiVersion;

impl Rule for DeprecatedApiVersion {
    fn id(&self) -> &'static str {
        "deprecated-api-version"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let target = cx.opts.schema.minor();
        let Some(Status::Deprecated {
            since,
            removed_in,
            replacement,
        }) = lifecycle::table().status(obj.api_version, obj.kind, target)
        else {
            return;
        };
        let (av, kind) = (obj.api_version, obj.kind);
        let oldest = crate::schema::bundle::supported_versions()
            .first()
            .copied()
            .unwrap_or(since);
        let since_text = if since <= oldest {
            format!("since Kubernetes 1.{since} or earlier")
        } else {
            format!("since Kubernetes 1.{since}")
        };
        let newer = replacement
            .map(|r| format!(" {since_text}, in favour of {r}"))
            .unwrap_or_else(|| format!(" {since_text}"));
        let when = match removed_in {
            Some(r) => format!("it is removed in Kubernetes 1.{r}, and the upgrade breaks every pipeline that still applies it"),
            None => format!(
                "it is still served by {} (the newest version kubelint knows) but pre-release API versions are removed a few releases after a more stable one appears",
                minor_str(crate::schema::newest())
            ),
        };
        let help = match replacement {
            Some(r) => {
                format!("Change `apiVersion` to `{r}` now and adapt the fields that changed")
            }
            None => "Plan the migration before upgrading".to_string(),
        };
        cx.report(
            kind_span(obj, "apiVersion"),
            format!("{kind} {av} is deprecated{newer}: {when}"),
            help,
        );
    }
}

struct UnservedApiVersion;

impl Rule for UnservedApiVersion {
    fn id(&self) -> &'static str {
        "unserved-api-version"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let (av, kind) = (obj.api_version, obj.kind);
        if av.is_empty() || kind.is_empty() || kind == "List" || kind.ends_with("List") {
            return;
        }
        let group = obj.group();
        let target = cx.opts.schema.minor();
        // Only Kubernetes' own API groups are known completely; the core
        // group also holds non-API files (kubeconfig `Config`).
        if !is_builtin_group(group) || group.is_empty() && NOT_API_CORE_KINDS.contains(&kind) {
            return;
        }
        // Served by the target: the common case, one lookup.
        if crate::schema::bundle::bundle().has_kind(target, av, kind)
            || lifecycle::table().status(av, kind, target).is_some()
        {
            return;
        }
        let versions = versions_with(av, kind);
        if versions.contains(&target) {
            return;
        }
        let (message, help) = match (versions.first(), versions.last()) {
            (Some(&first), _) if first > target => (
                format!(
                    "{kind} {av} is not served by Kubernetes {}: it first appears in 1.{first}, so the API server refuses the object (\"no matches for kind\")",
                    minor_str(target)
                ),
                format!("Target --kubernetes-version 1.{first} or later, or use an API version that {} serves", minor_str(target)),
            ),
            (Some(_), Some(&last)) => (
                format!(
                    "{kind} {av} is no longer served by Kubernetes {} (last served by 1.{last})",
                    minor_str(target)
                ),
                "Use an API version that the target version serves".to_string(),
            ),
            _ => {
                let others: Vec<String> = crate::schema::bundle::bundle()
                    .kinds(target)
                    .into_iter()
                    .filter(|(a, k)| k == kind && crate::model::group_of(a) == group)
                    .map(|(a, _)| a)
                    .collect();
                if others.is_empty() {
                    (
                        format!(
                            "{av} has no kind `{kind}` in Kubernetes {}: the API server refuses the object (\"no matches for kind\")",
                            minor_str(target)
                        ),
                        "Check the spelling of `kind` and `apiVersion` (`kubectl api-resources` lists them)".to_string(),
                    )
                } else {
                    (
                        format!(
                            "{kind} has no API version `{av}` in Kubernetes {}: the API server refuses the object (\"no matches for kind\")",
                            minor_str(target)
                        ),
                        format!("Use {}", others.join(" or ")),
                    )
                }
            }
        };
        let span = if versions.is_empty() && !kind_exists_in_group(group, kind, target) {
            kind_span(obj, "kind")
        } else {
            kind_span(obj, "apiVersion")
        };
        cx.report(span, message, help);
    }
}

/// Core-group (`apiVersion: v1`) kinds of files that are not API objects.
const NOT_API_CORE_KINDS: &[&str] = &["Config", "Policy", "EncryptionConfig"];

fn kind_exists_in_group(group: &str, kind: &str, target: u32) -> bool {
    crate::schema::bundle::bundle()
        .kinds(target)
        .iter()
        .any(|(a, k)| k == kind && crate::model::group_of(a) == group)
}
