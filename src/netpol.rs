//! NetworkPolicies across the input: which policies govern which workloads
//! ([`PolicyScope`], shared with the `network-policy` rules), and
//! `kubelint netpol`: the ingress reachability matrix of each namespace —
//! which workload may open connections to which, on which ports — computed
//! from the input's NetworkPolicies the way the cluster enforces them, as a
//! table, JSON, or a Mermaid / Graphviz graph.

use crate::index::{dir_of, nearest, Index, ObjectEntry, NEAR_LEVELS};
use crate::model::network::{NetworkPolicy, Peer, PolicyRule, PortValue};
use foldhash::{HashMap, HashSet};
use serde_json::json;
use std::sync::Arc;

/// A workload with its pod labels.
pub type Workload<'i> = (&'i ObjectEntry, &'i [(String, String)]);

/// Which NetworkPolicies govern which workloads: those of the workload's
/// namespace in the same *project tree* of the input.
///
/// The cluster applies a policy to the pods of its namespace. One input,
/// though, may hold several projects that never share a cluster yet all
/// deploy to `default` (or to namespaces of the same name): a repository of
/// examples, a monorepo of unrelated services, a corpus. The policies of
/// one must neither isolate the workloads of another nor count as its
/// coverage. So, for each namespace, the input is cut along directories
/// into project trees:
///
/// - A policy is *anchored* where the workloads it is written for are: at
///   the nearest directory — its own, its parent or its grandparent (see
///   [`nearest`]) — under which the input holds a workload of its namespace
///   that it selects. A policy that selects none that near is written for
///   pods that are not shipped with it (made by `kubectl run` in a
///   tutorial, by a chart, in another repository): it is anchored at its
///   own directory, so that a label that happens to match in a far-away,
///   unrelated project ties nothing together, and its namespace does not
///   count as using policies for the workloads elsewhere. A namespace-wide
///   policy (`podSelector: {}`) that near no workload is not anchored.
/// - A directory is split into its subdirectories (and its own files) when
///   policies of the namespace are anchored below it, each strictly inside
///   one subdirectory: the subdirectories ship their policies with the
///   workloads those select. A policy anchored at the directory or above
///   keeps it whole — `policies/default-deny.yaml` beside `apps/web/`
///   anchors at their common directory, and so does a kustomize component
///   written for `base/`. A directory with no anchored policy below it is
///   never split.
/// - The tree of a file is the first directory on its path, from the top,
///   that is not split (its own directory when all are).
///
/// A namespace whose policies are written beside all of its workloads — a
/// single project with a shared `policies/` directory, one file, stdin —
/// is one tree, judged as a whole as if nothing were cut; sibling
/// directories that each bring their own policies, and the directories
/// without any beside them, are judged apart, each as it would be alone. A
/// namespace without any anchored policy stays one tree.
#[derive(Debug, Default)]
pub struct PolicyScope {
    /// The namespaces cut into several trees.
    namespaces: HashMap<String, Trees>,
}

/// One namespace cut into trees.
#[derive(Debug, Default)]
struct Trees {
    /// The directories split into their subdirectories.
    split: HashSet<String>,
    /// Positions in the index of the namespace's policies, by tree.
    policies: HashMap<String, Vec<usize>>,
    /// Positions in the index of the namespace's workloads, by tree.
    workloads: HashMap<String, Vec<usize>>,
}

/// `dir` and the directories above it, up to the top (`""`).
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let d = next?;
        next = (!d.is_empty()).then(|| dir_of(d));
        Some(d)
    })
}

/// Is `path` (a file or a directory) `dir` or under it?
fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || (path.starts_with(dir) && path[dir.len()..].starts_with('/'))
}

/// Whether the workloads a policy selects nearest to it (`near`, see
/// [`nearest`]) look like a label that happens to match: none under its
/// own directory or its parent, and under its grandparent in more than one
/// of its subdirectories — `app: hello` in several unrelated examples of a
/// repository, next to a tutorial's policy for pods made by `kubectl run`.
/// A kustomize overlay's policy selects in one place (`base/`), and so do
/// `policies/` beside `apps/`.
fn coincidence<'a>(policy_file: &str, near: &[&'a ObjectEntry]) -> bool {
    let own = dir_of(policy_file);
    if own.is_empty() || near.iter().any(|w| is_under(&w.file, dir_of(own))) {
        return false;
    }
    let grandparent = dir_of(dir_of(own));
    let child = |file: &'a str| -> Option<&'a str> {
        let rest = if grandparent.is_empty() {
            file
        } else {
            file.strip_prefix(grandparent)?.strip_prefix('/')?
        };
        rest.split_once('/').map(|(c, _)| c)
    };
    let mut children = near.iter().filter_map(|w| child(&w.file));
    let first = children.next();
    children.any(|c| Some(c) != first)
}

/// The first directory on the path of `dir`, from the top, that is not
/// split; `dir` itself when all are.
fn tree_of<'f>(split: &HashSet<String>, dir: &'f str) -> &'f str {
    let path: Vec<&str> = ancestors(dir).collect();
    path.iter()
        .rev()
        .find(|d| !split.contains(**d))
        .copied()
        .unwrap_or(dir)
}

impl PolicyScope {
    /// The scope of the index, built once and shared.
    pub fn of(index: &Index) -> Arc<PolicyScope> {
        index.memo(PolicyScope::build)
    }

    fn build(index: &Index) -> PolicyScope {
        let mut out = PolicyScope::default();
        for ns in index.namespaces() {
            // Directories with a policy anchored strictly below them, and
            // those a policy is anchored at or under.
            let mut below: HashSet<&str> = HashSet::default();
            let mut whole: HashSet<&str> = HashSet::default();
            let workloads = index.workload_positions(ns);
            for (p, policy) in index.policies_in(ns) {
                // Only workloads under the furthest directory `nearest`
                // looks in can be near: a run of the workloads, which are
                // sorted by file.
                let reach = ancestors(dir_of(&p.file)).nth(NEAR_LEVELS).unwrap_or("");
                let candidates = if reach.is_empty() {
                    workloads
                } else {
                    let file = |i: &usize| &*index.objects[*i].file;
                    let (from, to) = (format!("{reach}/"), format!("{reach}0"));
                    let lo = workloads.partition_point(|i| file(i) < from.as_str());
                    let hi = workloads.partition_point(|i| file(i) < to.as_str());
                    &workloads[lo..hi.max(lo)]
                };
                let selected = index
                    .with_fact(candidates, |f| f.pod_labels.as_deref())
                    .filter(|(_, labels)| policy.pod_selector.matches_pairs(labels))
                    .map(|(w, _)| w);
                let near = nearest(&p.file, selected);
                let anchor = match near.first() {
                    Some(w) if policy.pod_selector.is_empty() || !coincidence(&p.file, &near) => {
                        ancestors(dir_of(&p.file))
                            .find(|d| is_under(&w.file, d))
                            .unwrap_or("")
                    }
                    // Written for pods of its own that are not shipped near
                    // it (made by `kubectl run`, a chart, another repo):
                    // it ties together only what is beside it.
                    _ if !policy.pod_selector.is_empty() => dir_of(&p.file),
                    // A namespace-wide policy far from every workload keeps
                    // the namespace whole.
                    _ => continue,
                };
                for d in ancestors(dir_of(&p.file)) {
                    if d.len() >= anchor.len() {
                        whole.insert(d);
                    } else {
                        below.insert(d);
                    }
                }
            }
            let split: HashSet<String> = below.difference(&whole).map(|d| d.to_string()).collect();
            if split.is_empty() {
                continue;
            }
            let mut trees = Trees {
                split,
                ..Trees::default()
            };
            // A NetworkPolicy has no pod template: the two lists are apart.
            let Trees {
                split,
                policies,
                workloads,
            } = &mut trees;
            for (positions, by_tree) in [
                (index.policy_positions(ns), policies),
                (index.workload_positions(ns), workloads),
            ] {
                // Objects come by file: the tree is found once per directory.
                let mut last: Option<(&str, &str)> = None;
                for &i in positions {
                    let dir = dir_of(&index.objects[i].file);
                    let tree = match last {
                        Some((d, t)) if d == dir => t,
                        _ => tree_of(split, dir),
                    };
                    last = Some((dir, tree));
                    by_tree.entry(tree.to_string()).or_default().push(i);
                }
            }
            // Splits above everything of the namespace change nothing.
            let mut all = trees.policies.keys().chain(trees.workloads.keys());
            let first = all.next();
            if all.all(|t| Some(t) == first) {
                continue;
            }
            out.namespaces.insert(ns.to_string(), trees);
        }
        out
    }

    /// Whether the input cuts namespace `ns` into several project trees
    /// with workloads.
    pub fn several(&self, ns: &str) -> bool {
        self.namespaces
            .get(ns)
            .is_some_and(|t| t.workloads.len() > 1)
    }

    /// The project tree of namespace `ns` that `file` belongs to: a
    /// directory, `""` for the whole input.
    pub fn tree<'f>(&self, ns: &str, file: &'f str) -> &'f str {
        match self.namespaces.get(ns) {
            Some(t) => tree_of(&t.split, dir_of(file)),
            None => "",
        }
    }

    /// The policies of `ns` in `tree` (see [`PolicyScope::tree`]).
    pub fn policies<'i>(
        &self,
        index: &'i Index,
        ns: &str,
        tree: &str,
    ) -> Vec<(&'i ObjectEntry, &'i NetworkPolicy)> {
        match self.namespaces.get(ns) {
            Some(t) => {
                let positions = t.policies.get(tree).into_iter().flatten();
                index
                    .with_fact(positions, |f| f.network_policy.as_deref())
                    .collect()
            }
            None => index.policies_in(ns).collect(),
        }
    }

    /// The workloads of `ns` in `tree`, in index order.
    pub fn workloads<'i>(&self, index: &'i Index, ns: &str, tree: &str) -> Vec<Workload<'i>> {
        match self.namespaces.get(ns) {
            Some(t) => {
                let positions = t.workloads.get(tree).into_iter().flatten();
                index
                    .with_fact(positions, |f| f.pod_labels.as_deref())
                    .collect()
            }
            None => index.workloads_in(ns).collect(),
        }
    }

    /// The trees of `ns` that hold workloads, sorted, with those workloads.
    pub fn trees<'i>(&self, index: &'i Index, ns: &str) -> Vec<(String, Vec<Workload<'i>>)> {
        match self.namespaces.get(ns) {
            Some(t) => {
                let mut trees: Vec<&String> = t.workloads.keys().collect();
                trees.sort();
                trees
                    .into_iter()
                    .map(|tree| (tree.clone(), self.workloads(index, ns, tree)))
                    .collect()
            }
            None => {
                let all: Vec<Workload<'i>> = index.workloads_in(ns).collect();
                if all.is_empty() {
                    Vec::new()
                } else {
                    vec![(String::new(), all)]
                }
            }
        }
    }
}

/// What one workload may send to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// No connection is allowed.
    Blocked,
    /// Every port (the destination is not isolated, or a rule allows all).
    All,
    /// These ports, as `8080/TCP` (named ports resolved on the destination).
    Ports(Vec<String>),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Blocked => "-".into(),
            Cell::All => "all".into(),
            Cell::Ports(p) => p.join(","),
        }
    }
}

/// The ingress matrix of one namespace, or of one project tree of it (see
/// [`PolicyScope`]): `cells[from][to]`.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub namespace: String,
    /// The project tree's directory (`.` for the top) when the input cuts
    /// the namespace into several; `None` when it is one.
    pub directory: Option<String>,
    /// `Kind/name` of each workload, sorted.
    pub workloads: Vec<String>,
    pub cells: Vec<Vec<Cell>>,
}

fn port_strings(rule: &PolicyRule, dst: &ObjectEntry) -> Option<Vec<String>> {
    let ports = rule.ports.as_ref()?;
    Some(
        ports
            .iter()
            .map(|p| {
                let proto = p.protocol.to_ascii_uppercase();
                match &p.port {
                    None => format!("all/{proto}"),
                    Some(PortValue::Number(n)) => match p.end_port {
                        Some(e) if e > *n => format!("{n}-{e}/{proto}"),
                        _ => format!("{n}/{proto}"),
                    },
                    Some(PortValue::Name(name)) => dst
                        .facts
                        .ports
                        .iter()
                        .find(|(n, _, pr)| {
                            n.as_deref() == Some(name) && pr.eq_ignore_ascii_case(&proto)
                        })
                        .map(|(_, num, _)| format!("{num}/{proto}"))
                        .unwrap_or_else(|| format!("{name}(undefined)/{proto}")),
                }
            })
            .collect(),
    )
}

impl Matrix {
    /// `namespace shop`, or `namespace default in apps/web/`.
    fn title(&self) -> String {
        match &self.directory {
            Some(d) => format!("namespace {} in {d}/", self.namespace),
            None => format!("namespace {}", self.namespace),
        }
    }

    /// A prefix for graph node ids, unique among the matrices (`k`: this
    /// one's position).
    fn group(&self, k: usize) -> String {
        match &self.directory {
            Some(_) => format!("{}_{k}", self.namespace),
            None => self.namespace.clone(),
        }
    }
}

/// Compute the matrix of every namespace with workloads (of each of its
/// project trees, when the input cuts it into several).
pub fn matrices(index: &Index) -> Vec<Matrix> {
    let scope = PolicyScope::of(index);
    let mut groups = Vec::new();
    for ns in index.workload_namespaces() {
        let trees = scope.trees(index, ns);
        let several = trees.len() > 1;
        for (tree, workloads) in trees {
            let policies = scope.policies(index, ns, &tree);
            let directory = several.then(|| {
                if tree.is_empty() {
                    ".".to_string()
                } else {
                    tree
                }
            });
            groups.push((ns, directory, workloads, policies));
        }
    }
    let name = |o: &ObjectEntry| {
        format!(
            "{}/{}",
            o.reference.kind,
            o.reference.name.as_deref().unwrap_or("?")
        )
    };
    let mut out = Vec::new();
    for (ns, directory, mut workloads, policies) in groups {
        workloads.sort_by_key(|(o, _)| name(o));
        let ns_labels = index.namespace_labels(ns);
        let mut cells = vec![vec![Cell::Blocked; workloads.len()]; workloads.len()];
        for (j, (dst, dst_labels)) in workloads.iter().enumerate() {
            let rules: Vec<&PolicyRule> = policies
                .iter()
                .filter(|(_, p)| p.ingress.is_some() && p.pod_selector.matches_pairs(dst_labels))
                .flat_map(|(_, p)| p.ingress.iter().flatten())
                .collect();
            let isolated = policies
                .iter()
                .any(|(_, p)| p.ingress.is_some() && p.pod_selector.matches_pairs(dst_labels));
            for (i, (_, src_labels)) in workloads.iter().enumerate() {
                if !isolated {
                    cells[i][j] = Cell::All;
                    continue;
                }
                let mut ports: Vec<String> = Vec::new();
                let mut all = false;
                for r in &rules {
                    let from_src = r.peers.as_ref().is_none_or(|peers| {
                        peers.iter().any(|p| match p {
                            Peer::IpBlock { .. } => false,
                            Peer::Pods { pods, namespaces } => {
                                namespaces
                                    .as_ref()
                                    .is_none_or(|s| s.matches_pairs(&ns_labels))
                                    && pods.as_ref().is_none_or(|s| s.matches_pairs(src_labels))
                            }
                        })
                    });
                    if !from_src {
                        continue;
                    }
                    match port_strings(r, dst) {
                        None => all = true,
                        Some(p) => ports.extend(p),
                    }
                }
                ports.sort();
                ports.dedup();
                cells[i][j] = if all {
                    Cell::All
                } else if ports.is_empty() {
                    Cell::Blocked
                } else {
                    Cell::Ports(ports)
                };
            }
        }
        out.push(Matrix {
            namespace: ns.to_string(),
            directory,
            workloads: workloads.iter().map(|(o, _)| name(o)).collect(),
            cells,
        });
    }
    out
}

/// A plain table per namespace: rows are sources, columns destinations.
pub fn table(ms: &[Matrix]) -> String {
    let mut s = String::new();
    for m in ms {
        s.push_str(&format!(
            "{} — ingress: may the row open connections to the column?\n",
            m.title()
        ));
        let first = m
            .workloads
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(0)
            .max("from \\ to".len());
        let widths: Vec<usize> = (0..m.workloads.len())
            .map(|j| {
                m.cells
                    .iter()
                    .map(|r| r[j].text().len())
                    .chain([m.workloads[j].len()])
                    .max()
                    .unwrap_or(1)
            })
            .collect();
        s.push_str(&format!("{:first$}", "from \\ to"));
        for (j, w) in m.workloads.iter().enumerate() {
            s.push_str(&format!("  {:w$}", w, w = widths[j]));
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        for (i, row) in m.cells.iter().enumerate() {
            s.push_str(&format!("{:first$}", m.workloads[i]));
            for (j, c) in row.iter().enumerate() {
                s.push_str(&format!("  {:w$}", c.text(), w = widths[j]));
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
        }
        s.push('\n');
    }
    s
}

pub fn to_json(ms: &[Matrix]) -> String {
    let namespaces: Vec<serde_json::Value> = ms
        .iter()
        .map(|m| {
            let mut edges = Vec::new();
            for (i, row) in m.cells.iter().enumerate() {
                for (j, c) in row.iter().enumerate() {
                    let ports = match c {
                        Cell::Blocked => continue,
                        Cell::All => json!("all"),
                        Cell::Ports(p) => json!(p),
                    };
                    edges.push(
                        json!({"from": m.workloads[i], "to": m.workloads[j], "ports": ports}),
                    );
                }
            }
            let mut v =
                json!({"namespace": m.namespace, "workloads": m.workloads, "ingress": edges});
            if let Some(d) = &m.directory {
                v["directory"] = json!(d);
            }
            v
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({"version": 1, "namespaces": namespaces}))
        .unwrap_or_default();
    s.push('\n');
    s
}

fn node_id(ns: &str, w: &str) -> String {
    format!("{ns}_{w}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

pub fn mermaid(ms: &[Matrix]) -> String {
    let mut s = String::from("graph LR\n");
    for (k, m) in ms.iter().enumerate() {
        let g = m.group(k);
        s.push_str(&format!(
            "  subgraph {}[\"{}\"]\n",
            node_id(&g, ""),
            m.title().replace('"', "#quot;")
        ));
        for w in &m.workloads {
            s.push_str(&format!("    {}[\"{}\"]\n", node_id(&g, w), w));
        }
        s.push_str("  end\n");
        for (i, row) in m.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if i != j && *c != Cell::Blocked {
                    s.push_str(&format!(
                        "  {} -->|{}| {}\n",
                        node_id(&g, &m.workloads[i]),
                        c.text(),
                        node_id(&g, &m.workloads[j])
                    ));
                }
            }
        }
    }
    s
}

pub fn dot(ms: &[Matrix]) -> String {
    let mut s = String::from("digraph netpol {\n  rankdir=LR;\n");
    for (k, m) in ms.iter().enumerate() {
        let g = m.group(k);
        s.push_str(&format!(
            "  subgraph \"cluster_{}\" {{\n    label=\"{}\";\n",
            g,
            m.title().replace('\\', "\\\\").replace('"', "\\\"")
        ));
        for w in &m.workloads {
            s.push_str(&format!("    \"{}\" [label=\"{}\"];\n", node_id(&g, w), w));
        }
        s.push_str("  }\n");
        for (i, row) in m.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if i != j && *c != Cell::Blocked {
                    s.push_str(&format!(
                        "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
                        node_id(&g, &m.workloads[i]),
                        node_id(&g, &m.workloads[j]),
                        c.text()
                    ));
                }
            }
        }
    }
    s.push_str("}\n");
    s
}
