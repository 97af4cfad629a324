//! Offline schema validation (category `schema`).
//!
//! * [`bundle`]: the Kubernetes JSON Schemas of every supported minor
//!   version, embedded compressed with definitions shared across versions,
//!   inflated on first use.
//! * [`lifecycle`]: removed and deprecated API versions.
//! * [`crd`]: `CustomResourceDefinition`s in the input become schemas for
//!   their custom resources; [`user`]: schemas from `--schema-dir`.
//! * [`validate`]: runs a compiled validator over an object and turns each
//!   error into one problem at the exact node.
//!
//! A [`Registry`] is built once per run (it holds the CRDs found in the
//! input) and compiles a validator per (apiVersion, kind) on first use,
//! shared by every thread.

pub mod bundle;
pub mod crd;
pub mod lifecycle;
pub mod plan;
pub mod user;
pub mod validate;

use crate::engine::Input;
use foldhash::HashMap;
use rayon::prelude::*;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub use user::UserSchemas;

/// `1.NN`, `v1.NN` or `1.NN.P` → NN.
pub fn parse_minor(s: &str) -> Option<u32> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut parts = s.split('.');
    if parts.next()? != "1" {
        return None;
    }
    let minor = parts.next()?.parse().ok()?;
    match parts.next() {
        None => {}
        Some(p) if p.parse::<u32>().is_ok() && parts.next().is_none() => {}
        Some(_) => return None,
    }
    Some(minor)
}

/// The newest bundled minor version.
pub fn newest() -> u32 {
    bundle::supported_versions()
        .last()
        .copied()
        .unwrap_or_default()
}

/// Check a `--kubernetes-version` / `kubernetesVersion` value.
pub fn check_version(s: &str) -> Result<u32, String> {
    let supported = bundle::supported_versions();
    let list = supported
        .iter()
        .map(|m| format!("1.{m}"))
        .collect::<Vec<_>>()
        .join(", ");
    match parse_minor(s) {
        Some(m) if supported.contains(&m) => Ok(m),
        Some(_) => Err(format!(
            "Kubernetes {s} is not supported: kubelint bundles schemas for {list}"
        )),
        None => Err(format!(
            "`{s}` is not a Kubernetes version: use 1.NN, one of {list}"
        )),
    }
}

/// Schema settings of a run.
#[derive(Clone, Default)]
pub struct SchemaOptions {
    /// Target minor version (`1.NN`); None: the newest bundled.
    pub kubernetes_version: Option<u32>,
    /// Schemas from `--schema-dir`, searched before everything else.
    pub user: Option<Arc<UserSchemas>>,
    /// Built by the engine for one run.
    pub(crate) registry: Option<Arc<Registry>>,
}

impl std::fmt::Debug for SchemaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaOptions")
            .field("kubernetes_version", &self.kubernetes_version)
            .field("user", &self.user.as_ref().map(|u| u.dir.clone()))
            .finish_non_exhaustive()
    }
}

impl SchemaOptions {
    /// The target minor version.
    pub fn minor(&self) -> u32 {
        self.kubernetes_version.unwrap_or_else(newest)
    }
}

/// Where a schema came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    /// A CustomResourceDefinition of the input.
    Crd,
    /// A file of `--schema-dir`.
    User(std::path::PathBuf),
}

/// A compiled schema for one (apiVersion, kind).
pub struct Compiled {
    /// The full validator; for a bundled schema compiled only when its
    /// [`plan::Plan`] cannot vouch for an object.
    validator: OnceLock<Option<jsonschema::Validator>>,
    /// The fast acceptance test of a bundled schema.
    plan: Option<plan::Plan>,
    pub origin: Origin,
    source: Source,
    /// The schema document, rebuilt on demand for messages (field names):
    /// only kinds with problems need it, and compiled validators are large
    /// enough already.
    document: OnceLock<Option<Value>>,
}

enum Source {
    Builtin {
        minor: u32,
        api_version: String,
        kind: String,
    },
    Crd {
        schema: crd::CrdSchema,
        minor: u32,
    },
    User(Arc<Value>),
}

impl Compiled {
    /// A schema compiled now (CRDs and `--schema-dir` files: their
    /// documents are per run and may be invalid).
    fn eager(validator: jsonschema::Validator, origin: Origin, source: Source) -> Compiled {
        Compiled {
            validator: OnceLock::from(Some(validator)),
            plan: None,
            origin,
            source,
            document: OnceLock::new(),
        }
    }

    /// The full validator (compiled on first use).
    pub fn validator(&self) -> Option<&jsonschema::Validator> {
        self.validator
            .get_or_init(|| options().build(self.document()?).ok())
            .as_ref()
    }

    /// Whether the fast test vouches for the object at `node` (when it does
    /// not, the full validator decides).
    pub fn certainly_valid(
        &self,
        doc: &crate::yaml::Document<'_>,
        node: crate::yaml::NodeId,
    ) -> bool {
        self.plan.as_ref().is_some_and(|p| p.accepts(doc, node))
    }

    /// The schema document (`$ref`s resolve inside it).
    pub fn document(&self) -> Option<&Value> {
        self.document
            .get_or_init(|| match &self.source {
                Source::Builtin {
                    minor,
                    api_version,
                    kind,
                } => bundle::bundle().kind_schema(*minor, api_version, kind),
                Source::Crd { schema, minor } => schema.document(*minor),
                Source::User(v) => Some((**v).clone()),
            })
            .as_ref()
    }

    /// The converted schema of a custom resource (for its defaults).
    pub fn crd_root(&self) -> Option<&Value> {
        match &self.source {
            Source::Crd { schema, .. } => Some(&schema.root),
            _ => None,
        }
    }
}

type Slot = Arc<OnceLock<Option<Arc<Compiled>>>>;

/// The schemas of one run.
pub struct Registry {
    pub minor: u32,
    user: Option<Arc<UserSchemas>>,
    crds: crd::CrdIndex,
    /// Inputs in a directory with a kustomization file (bases and
    /// patches: partial objects).
    kustomize: foldhash::HashSet<Arc<str>>,
    /// apiVersion → kind → compiled schema (two levels: looked up per
    /// object without building a key).
    cache: RwLock<HashMap<String, HashMap<String, Slot>>>,
    unvalidated: AtomicUsize,
}

impl Registry {
    /// A registry for `opts`, learning the CRDs of `inputs`.
    pub fn build(inputs: &[Input], opts: &SchemaOptions) -> Registry {
        // The kustomization lookups (file-system calls, one thread) run
        // beside the CRD scan.
        let (crds, kustomize) =
            rayon::join(|| crd::CrdIndex::build(inputs), || kustomize_inputs(inputs));
        Registry {
            minor: opts.minor(),
            user: opts.user.clone(),
            crds,
            kustomize,
            cache: RwLock::new(HashMap::default()),
            unvalidated: AtomicUsize::new(0),
        }
    }

    /// A registry of the bundled schemas only.
    pub fn builtin(minor: u32) -> Registry {
        Registry {
            minor,
            user: None,
            crds: crd::CrdIndex::default(),
            kustomize: Default::default(),
            cache: RwLock::new(HashMap::default()),
            unvalidated: AtomicUsize::new(0),
        }
    }

    /// Whether input `i` (of the inputs the registry was built from) holds
    /// CRDs: the engine lints those first.
    pub fn input_has_crds(&self, i: usize) -> bool {
        self.crds.input_has_crds(i)
    }

    /// Whether any input holds CRDs.
    pub fn has_crds(&self) -> bool {
        self.crds.has_crds()
    }

    /// Learn a CRD object being linted (see [`crd::CrdIndex::offer`]).
    pub fn offer_crd(
        &self,
        doc: &crate::yaml::Document<'_>,
        node: crate::yaml::NodeId,
        api_version: &str,
    ) {
        self.crds.offer(doc, node, api_version);
    }

    /// Whether the input is in a directory with a kustomization file.
    pub fn in_kustomize_dir(&self, file: &str) -> bool {
        self.kustomize.contains(file)
    }

    /// Count an object that had no schema.
    pub fn count_unvalidated(&self) {
        self.unvalidated.fetch_add(1, Ordering::Relaxed);
    }

    /// Objects that had no schema.
    pub fn unvalidated(&self) -> usize {
        self.unvalidated.load(Ordering::Relaxed)
    }

    /// The compiled schema of a kind, compiled on first use.
    pub fn lookup(&self, api_version: &str, kind: &str) -> Option<Arc<Compiled>> {
        let slot = {
            let read = self.cache.read().unwrap_or_else(|e| e.into_inner());
            let slot = read.get(api_version).and_then(|m| m.get(kind));
            // Compiled already (nearly every lookup): the slot itself is
            // not cloned, so threads share one reference count less.
            if let Some(compiled) = slot.and_then(|s| s.get()) {
                return compiled.clone();
            }
            slot.cloned()
        };
        let slot = match slot {
            Some(s) => s,
            None => {
                let mut write = self.cache.write().unwrap_or_else(|e| e.into_inner());
                write
                    .entry(api_version.to_string())
                    .or_default()
                    .entry(kind.to_string())
                    .or_default()
                    .clone()
            }
        };
        slot.get_or_init(|| self.compile(api_version, kind)).clone()
    }

    fn compile(&self, api_version: &str, kind: &str) -> Option<Arc<Compiled>> {
        if let Some(user) = &self.user {
            if let Some(c) = user.compile(api_version, kind) {
                return Some(Arc::new(c));
            }
        }
        let group = crate::model::group_of(api_version);
        if let Some(c) = self
            .crds
            .kind(group, kind)
            .and_then(|g| g.schemas.get(api_version).cloned())
        {
            // The plan is compiled from the converted schema in place: a
            // joined document (a deep copy) is built only for a schema
            // the plan cannot judge alone, or later for messages.
            let defs = c.definitions(self.minor)?;
            let plan = plan::Plan::compile_crd(&c.root, &defs);
            // A schema entirely within the plan's subset compiles; any
            // other is compiled now, to know whether it does.
            if plan.complete() {
                return Some(Arc::new(Compiled {
                    validator: OnceLock::new(),
                    plan: Some(plan),
                    origin: Origin::Crd,
                    source: Source::Crd {
                        schema: c,
                        minor: self.minor,
                    },
                    document: OnceLock::new(),
                }));
            }
            let document = c.document(self.minor)?;
            let validator = options().build(&document).ok()?;
            let source = Source::Crd {
                schema: c,
                minor: self.minor,
            };
            let mut compiled = Compiled::eager(validator, Origin::Crd, source);
            compiled.plan = Some(plan);
            return Some(Arc::new(compiled));
        }
        builtin(self.minor, api_version, kind)
    }

    /// Whether a CRD of the input defines this group and kind (any version).
    pub fn crd_defines(&self, api_version: &str, kind: &str) -> bool {
        self.crds
            .kind(crate::model::group_of(api_version), kind)
            .is_some_and(|g| g.defined)
    }
}

impl Drop for Registry {
    /// A run's compiled schemas and converted CRDs are many small
    /// allocations (tens of milliseconds to free on a large input): freed
    /// on all threads instead of one after the other at the end of a run.
    fn drop(&mut self) {
        let cache = std::mem::take(self.cache.get_mut().unwrap_or_else(|e| e.into_inner()));
        let compiled: Vec<Slot> = cache.into_values().flat_map(|m| m.into_values()).collect();
        let converted = self.crds.take_converted();
        rayon::join(
            || compiled.into_par_iter().with_max_len(1).for_each(drop),
            || converted.into_par_iter().with_max_len(1).for_each(drop),
        );
    }
}

/// Inputs whose directory or its parent holds a kustomization file: their
/// objects are bases and patches (often in a `patches/` folder beside the
/// kustomization) that kustomize completes.
fn kustomize_inputs(inputs: &[Input]) -> foldhash::HashSet<Arc<str>> {
    let mut dirs: HashMap<std::path::PathBuf, bool> = HashMap::default();
    let mut out = foldhash::HashSet::default();
    let mut has_kustomization = |dir: &std::path::Path| -> bool {
        *dirs.entry(dir.to_path_buf()).or_insert_with(|| {
            ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                .iter()
                .any(|n| dir.join(n).is_file())
        })
    };
    for i in inputs {
        let Input::File { path, display } = i else {
            continue;
        };
        let Some(dir) = path.parent() else { continue };
        if has_kustomization(dir) || dir.parent().is_some_and(&mut has_kustomization) {
            out.insert(display.clone());
        }
    }
    out
}

/// Validator options: draft 2020-12, formats not asserted (Kubernetes
/// checks few of them, differently), nothing fetched.
pub(crate) fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(false)
}

/// API groups that Kubernetes itself serves (any bundled version).
pub fn is_builtin_group(group: &str) -> bool {
    static GROUPS: OnceLock<foldhash::HashSet<String>> = OnceLock::new();
    GROUPS
        .get_or_init(|| {
            let b = bundle::bundle();
            b.versions
                .iter()
                .flat_map(|&m| b.kinds(m))
                .map(|(av, _)| crate::model::group_of(&av).to_string())
                .collect()
        })
        .contains(group)
}

/// The bundled minor versions whose schemas have this kind.
pub fn versions_with(api_version: &str, kind: &str) -> Vec<u32> {
    let b = bundle::bundle();
    b.versions
        .iter()
        .copied()
        .filter(|&m| b.has_kind(m, api_version, kind))
        .collect()
}

/// Configuration files with no API schema: checked by their own rules
/// (`kubelet`, `audit-policy`, `control-plane` categories).
pub fn is_config_kind(api_version: &str) -> bool {
    let group = crate::model::group_of(api_version);
    group.ends_with(".config.k8s.io")
        || group == "audit.k8s.io"
        || group == "kubeadm.k8s.io"
        || group == "apiserver.config.k8s.io"
}

/// Bundled schemas depend only on the version, apiVersion and kind:
/// compiled once per process and shared by every run (a test suite, a
/// benchmark or an editor lints many times in one process).
type BuiltinCache = Mutex<HashMap<(u32, String, String), Option<Arc<Compiled>>>>;

fn builtin(minor: u32, api_version: &str, kind: &str) -> Option<Arc<Compiled>> {
    static CACHE: OnceLock<BuiltinCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (minor, api_version.to_string(), kind.to_string());
    if let Some(c) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return c.clone();
    }
    // Compiled without the lock held; two runs racing on one kind
    // compile it twice and keep the first. Only the plan is compiled now:
    // the full validator waits for an object the plan cannot vouch for.
    let compiled = bundle::bundle()
        .kind_schema(minor, api_version, kind)
        .map(|document| {
            Arc::new(Compiled {
                validator: OnceLock::new(),
                plan: Some(plan::Plan::compile(&document)),
                origin: Origin::Builtin,
                source: Source::Builtin {
                    minor,
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                },
                document: OnceLock::new(),
            })
        });
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_insert(compiled)
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_minor("1.34"), Some(34));
        assert_eq!(parse_minor("v1.30"), Some(30));
        assert_eq!(parse_minor("1.30.2"), Some(30));
        assert_eq!(parse_minor("2.1"), None);
        assert_eq!(parse_minor("1.x"), None);
        assert!(check_version("1.20").unwrap_err().contains("1.25"));
        assert!(check_version("latest").is_err());
        assert_eq!(check_version(&format!("1.{}", newest())), Ok(newest()));
    }

    use serde_json::json;

    #[test]
    fn every_bundled_version_loads() {
        let b = bundle::bundle();
        assert_eq!(b.source.license, "Apache-2.0");
        assert!(b.versions.len() >= 4, "{:?}", b.versions);
        assert_eq!(b.versions, bundle::supported_versions());
        for &m in &b.versions {
            let kinds = b.kinds(m);
            assert!(kinds.len() > 100, "1.{m}: {} kinds", kinds.len());
            let reg = Registry::builtin(m);
            for (av, kind, spec) in [
                (
                    "apps/v1",
                    "Deployment",
                    json!({"selector": {}, "template": {}}),
                ),
                ("v1", "Pod", json!({"containers": [{"name": "a"}]})),
                (
                    "v1",
                    "Service",
                    json!({"ports": [{"port": 80, "targetPort": "http"}]}),
                ),
            ] {
                let c = reg
                    .lookup(av, kind)
                    .unwrap_or_else(|| panic!("1.{m} {av} {kind}"));
                let mut obj = json!({"apiVersion": av, "kind": kind, "metadata": {"name": "x"}, "spec": spec});
                let v = c.validator().unwrap_or_else(|| panic!("1.{m} {kind}"));
                assert!(v.is_valid(&obj), "1.{m} {kind}");
                obj["spec"]["typo"] = json!(1);
                assert!(!v.is_valid(&obj), "1.{m} {kind} strict");
            }
            // Every kind of the version compiles.
            let reg = Registry::builtin(m);
            for (av, kind) in &kinds {
                let c = reg.lookup(av, kind);
                assert!(
                    c.is_some_and(|c| c.validator().is_some()),
                    "1.{m} {av} {kind}"
                );
            }
        }
    }
}
