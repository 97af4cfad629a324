//! Category `image`: how container images are referenced and pulled.
//! Every container list (containers, initContainers, ephemeralContainers)
//! of the built-in workload kinds.

use super::resources::{is_placeholder, workload};
use super::{Cx, Rule};
use crate::fix::{Editor, Fix};
use crate::model::{Container, Object};
use crate::yaml::{NodeId, ScalarStyle, Span};

pub(super) static RULES: &[&dyn Rule] = &[
    &LatestTag,
    &DeprecatedRegistry,
    &MutableTagPullPolicy,
    &PullPolicyNotAlways,
    &ImageDigest,
];

/// The parts of an image reference that the rules look at.
#[derive(Debug, PartialEq, Eq)]
struct ImageRef<'a> {
    /// Registry host, if the first path component names one.
    registry: Option<&'a str>,
    /// Path after the registry.
    path: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    fn parse(image: &'a str) -> ImageRef<'a> {
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (image, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
            None => (name, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, name),
        };
        ImageRef {
            registry,
            path,
            tag,
            digest,
        }
    }

    /// Tags that are moved to new builds as a matter of course.
    fn is_mutable(&self) -> bool {
        if self.digest.is_some() {
            return false;
        }
        match self.tag {
            None => true,
            Some(t) => matches!(
                t,
                "latest" | "main" | "master" | "develop" | "dev" | "edge" | "nightly" | "canary"
            ),
        }
    }
}

/// Each container with a usable `image`: (container, key, value, image).
fn images<'d>(obj: &Object<'d>) -> Vec<(Container<'d>, NodeId, NodeId, &'d str)> {
    let doc = obj.doc;
    let Some(spec) = obj.pod_spec() else {
        return Vec::new();
    };
    spec.all_containers()
        .filter_map(|c| {
            let (k, v) = doc.entry(c.node, "image")?;
            let image = doc.str(v)?;
            // `$VAR`, `${VAR}`, `$(VAR)` and `{{ … }}` are substituted before
            // apply; `auto` is Istio's placeholder, replaced at injection;
            // `ko://<import path>` is built and replaced by `ko` with an
            // image pinned by digest.
            let usable = !image.is_empty()
                && !is_placeholder(image)
                && !image.contains('$')
                && image != "auto"
                && !image.starts_with("ko://")
                && !image.chars().any(char::is_whitespace);
            usable.then_some((c, k, v, image))
        })
        .collect()
}

struct LatestTag;

impl Rule for LatestTag {
    fn id(&self) -> &'static str {
        "latest-tag"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (c, k, v, image) in images(obj) {
            let r = ImageRef::parse(image);
            if r.digest.is_some() {
                continue;
            }
            let what = match r.tag {
                None => format!("image `{image}` has no tag, which means `:latest`"),
                Some("latest") => format!("image `{image}` uses the `:latest` tag"),
                Some(_) => continue,
            };
            let base = image.strip_suffix(":latest").unwrap_or(image);
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{c} of {}: {what}; each node pulls whatever `latest` points to at the time, so replicas run different builds and a rollback does not bring the old code back",
                    workload(obj)
                ),
                format!("Pin a version tag (`{base}:1.2.3`) or a digest (`{base}@sha256:…`)"),
            );
        }
    }
}

struct DeprecatedRegistry;

impl Rule for DeprecatedRegistry {
    fn id(&self) -> &'static str {
        "deprecated-registry"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (c, k, v, image) in images(obj) {
            let r = ImageRef::parse(image);
            let rest = match r.registry {
                Some("k8s.gcr.io") => r.path,
                Some("gcr.io") => match r
                    .path
                    .strip_prefix("google_containers/")
                    .or_else(|| r.path.strip_prefix("google-containers/"))
                {
                    Some(rest) => rest,
                    None => continue,
                },
                _ => continue,
            };
            let tail = &image[image.find(rest).unwrap_or(0)..];
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{c} of {} pulls `{image}` from the legacy Kubernetes registry, frozen since April 2023: it receives no new releases or security fixes, and pulls depend on a redirect that may go away",
                    workload(obj)
                ),
                format!("Use `registry.k8s.io/{tail}` (check that the tag exists there, and prefer a current release)"),
            );
            cx.fix(registry_fix(obj, v, image, cx.text));
        }
    }
}

/// Legacy registry prefixes and what serves the same images today: the
/// community registry holds every image ever published to `k8s.gcr.io`,
/// which was itself a name for `gcr.io/google-containers`.
const LEGACY_PREFIXES: &[&str] = &[
    "k8s.gcr.io/",
    "gcr.io/google_containers/",
    "gcr.io/google-containers/",
];

/// Replace the legacy prefix inside the image scalar, keeping its quotes.
fn registry_fix(obj: &Object<'_>, v: NodeId, image: &str, text: &str) -> Option<Fix> {
    let doc = obj.doc;
    let prefix = LEGACY_PREFIXES.iter().find(|p| image.starts_with(**p))?;
    let (_, style) = doc.scalar(v)?;
    let raw = doc.raw(text, v);
    // The parser may count blanks and a comment after a quoted scalar.
    let raw = match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let q = raw.chars().next()?;
            &raw[..raw[1..].find(q)? + 2]
        }
        _ => raw,
    };
    // Only when the scalar is written exactly as its value (no escapes,
    // no line folding), so byte offsets inside it are offsets in the image.
    let inner = match style {
        ScalarStyle::Plain => raw,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            raw.get(1..raw.len().checked_sub(1)?)?
        }
        _ => return None,
    };
    if inner != image {
        return None;
    }
    let start = doc.span(v).start + (raw.len() - inner.len()) as u32 / 2;
    let span = Span::new(start, start + prefix.len() as u32);
    let edit = Editor::new(doc, text).replace_text(span, "registry.k8s.io/")?;
    Some(Fix::safe(
        format!("Pull from `registry.k8s.io/` instead of `{prefix}`"),
        vec![edit],
    ))
}

struct MutableTagPullPolicy;

impl Rule for MutableTagPullPolicy {
    fn id(&self) -> &'static str {
        "mutable-tag-pull-policy"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (c, _, _, image) in images(obj) {
            let r = ImageRef::parse(image);
            if !r.is_mutable() {
                continue;
            }
            let Some((pk, pv)) = doc.entry(c.node, "imagePullPolicy") else {
                continue; // defaults to Always for `latest` and untagged images
            };
            let Some(policy @ ("IfNotPresent" | "Never")) = doc.str(pv) else {
                continue;
            };
            let tag = r.tag.map_or("no tag (`latest`)".to_string(), |t| {
                format!("the moving tag `{t}`")
            });
            cx.report(
                doc.entry_span(pk, pv),
                format!(
                    "{c} of {} has `imagePullPolicy: {policy}` but image `{image}` has {tag}: nodes keep running whichever build they cached first, so replicas silently run different code and a push never reaches nodes that already have the image",
                    workload(obj)
                ),
                "Pin a version tag or digest; or set `imagePullPolicy: Always`".to_string(),
            );
        }
    }
}

struct PullPolicyNotAlways;

impl Rule for PullPolicyNotAlways {
    fn id(&self) -> &'static str {
        "pull-policy-not-always"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (c, k, v, image) in images(obj) {
            let r = ImageRef::parse(image);
            let (span, how) = match doc.entry(c.node, "imagePullPolicy") {
                Some((pk, pv)) => match doc.str(pv) {
                    Some("Always") => continue,
                    Some(p) => (doc.entry_span(pk, pv), format!("`imagePullPolicy: {p}`")),
                    None => continue,
                },
                // Untagged and `latest` images default to Always.
                None if matches!(r.tag, None | Some("latest")) && r.digest.is_none() => continue,
                None => (
                    doc.entry_span(k, v),
                    "no imagePullPolicy (IfNotPresent for a tagged image)".to_string(),
                ),
            };
            let repush = if r.digest.is_some() {
                ""
            } else {
                ", and a re-pushed tag is not picked up"
            };
            cx.report(
                span,
                format!(
                    "{c} of {} has {how}: a pod on a node that already holds `{image}` starts without asking the registry, so it skips the registry's access check — any pod on that node can run a private image it has no pull secret for{repush}",
                    workload(obj)
                ),
                "Set `imagePullPolicy: Always` (pulls are cheap when the layers are cached), or enable the AlwaysPullImages admission plugin",
            );
        }
    }
}

struct ImageDigest;

impl Rule for ImageDigest {
    fn id(&self) -> &'static str {
        "image-digest"
    }
    fn per_object(&self) -> bool {
        true
    }
    fn check(&self, obj: &Object<'_>, cx: &mut Cx<'_>) {
        let doc = obj.doc;
        for (c, k, v, image) in images(obj) {
            if ImageRef::parse(image).digest.is_some() {
                continue;
            }
            cx.report(
                doc.entry_span(k, v),
                format!(
                    "{c} of {} refers to `{image}` without a digest: tags can be moved or re-pushed, so what runs is whatever the registry returns at pull time — a compromised registry or a careless push changes it without a change to the manifest",
                    workload(obj)
                ),
                format!("Pin the digest (`{}@sha256:…`), keeping the tag for readability if you like", image.split('@').next().unwrap_or(image)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ImageRef;

    #[test]
    fn parses_image_references() {
        let r = ImageRef::parse("localhost:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry, Some("localhost:5000"));
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, Some("sha256:abc"));
        let r = ImageRef::parse("registry.example.com:443/app");
        assert_eq!(r.registry, Some("registry.example.com:443"));
        assert_eq!((r.path, r.tag), ("app", None));
        let r = ImageRef::parse("nginx");
        assert_eq!((r.registry, r.path, r.tag), (None, "nginx", None));
        let r = ImageRef::parse("library/nginx:latest");
        assert_eq!(
            (r.registry, r.path, r.tag),
            (None, "library/nginx", Some("latest"))
        );
        assert!(r.is_mutable());
        assert!(!ImageRef::parse("nginx:latest@sha256:abc").is_mutable());
        assert!(!ImageRef::parse("nginx:1.27").is_mutable());
        let r = ImageRef::parse("k8s.gcr.io/pause:3.2");
        assert_eq!((r.registry, r.path), (Some("k8s.gcr.io"), "pause"));
    }
}
