//! `kubelint netpol`: the ingress reachability matrix of each namespace —
//! which workload may open connections to which, on which ports — computed
//! from the input's NetworkPolicies the way the cluster enforces them, as a
//! table, JSON, or a Mermaid / Graphviz graph.

use crate::index::{Index, ObjectEntry};
use crate::model::network::{Peer, PolicyRule, PortValue};
use serde_json::json;
use std::collections::BTreeMap;

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

/// The ingress matrix of one namespace: `cells[from][to]`.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub namespace: String,
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

/// A workload with its pod labels.
type Workload<'i> = (&'i ObjectEntry, &'i [(String, String)]);

/// Compute the matrix of every namespace with workloads.
pub fn matrices(index: &Index) -> Vec<Matrix> {
    let mut by_ns: BTreeMap<&str, Vec<Workload<'_>>> = BTreeMap::new();
    for (o, ns, labels) in index.workloads() {
        by_ns.entry(ns).or_default().push((o, labels));
    }
    let policies: Vec<(&str, &crate::model::network::NetworkPolicy)> = index
        .objects
        .iter()
        .filter_map(|o| {
            Some((
                o.reference.namespace.as_deref()?,
                o.facts.network_policy.as_deref()?,
            ))
        })
        .collect();
    let name = |o: &ObjectEntry| {
        format!(
            "{}/{}",
            o.reference.kind,
            o.reference.name.as_deref().unwrap_or("?")
        )
    };
    let mut out = Vec::new();
    for (ns, mut workloads) in by_ns {
        workloads.sort_by_key(|(o, _)| name(o));
        let ns_labels = index.namespace_labels(ns);
        let mut cells = vec![vec![Cell::Blocked; workloads.len()]; workloads.len()];
        for (j, (dst, dst_labels)) in workloads.iter().enumerate() {
            let rules: Vec<&PolicyRule> = policies
                .iter()
                .filter(|(pns, p)| {
                    *pns == ns && p.ingress.is_some() && p.pod_selector.matches_pairs(dst_labels)
                })
                .flat_map(|(_, p)| p.ingress.iter().flatten())
                .collect();
            let isolated = policies.iter().any(|(pns, p)| {
                *pns == ns && p.ingress.is_some() && p.pod_selector.matches_pairs(dst_labels)
            });
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
            "namespace {} — ingress: may the row open connections to the column?\n",
            m.namespace
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
            json!({"namespace": m.namespace, "workloads": m.workloads, "ingress": edges})
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
    for m in ms {
        s.push_str(&format!(
            "  subgraph {}[\"namespace {}\"]\n",
            node_id(&m.namespace, ""),
            m.namespace
        ));
        for w in &m.workloads {
            s.push_str(&format!("    {}[\"{}\"]\n", node_id(&m.namespace, w), w));
        }
        s.push_str("  end\n");
        for (i, row) in m.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if i != j && *c != Cell::Blocked {
                    s.push_str(&format!(
                        "  {} -->|{}| {}\n",
                        node_id(&m.namespace, &m.workloads[i]),
                        c.text(),
                        node_id(&m.namespace, &m.workloads[j])
                    ));
                }
            }
        }
    }
    s
}

pub fn dot(ms: &[Matrix]) -> String {
    let mut s = String::from("digraph netpol {\n  rankdir=LR;\n");
    for m in ms {
        s.push_str(&format!(
            "  subgraph \"cluster_{}\" {{\n    label=\"namespace {}\";\n",
            m.namespace, m.namespace
        ));
        for w in &m.workloads {
            s.push_str(&format!(
                "    \"{}\" [label=\"{}\"];\n",
                node_id(&m.namespace, w),
                w
            ));
        }
        s.push_str("  }\n");
        for (i, row) in m.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if i != j && *c != Cell::Blocked {
                    s.push_str(&format!(
                        "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
                        node_id(&m.namespace, &m.workloads[i]),
                        node_id(&m.namespace, &m.workloads[j]),
                        c.text()
                    ));
                }
            }
        }
    }
    s.push_str("}\n");
    s
}
