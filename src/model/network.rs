//! NetworkPolicy semantics: which pods a policy selects, for which
//! directions it isolates them, and what its rules allow — the compact form
//! kept in the index for the cross-object `network-policy` rules.

use super::selector::LabelSelector;
use super::Object;
use crate::yaml::{Document, NodeId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortValue {
    Number(u32),
    Name(String),
}

/// One entry of a rule's `ports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// None: every port of the protocol.
    pub port: Option<PortValue>,
    pub end_port: Option<u32>,
    pub protocol: String,
}

impl PortSpec {
    /// Does it allow this numbered port? A named port is resolved by the
    /// caller; here it allows nothing known.
    pub fn allows(&self, port: u32, protocol: &str) -> bool {
        if !self.protocol.eq_ignore_ascii_case(protocol) {
            return false;
        }
        match &self.port {
            None => true,
            Some(PortValue::Number(p)) => {
                port == *p || self.end_port.is_some_and(|e| (*p..=e).contains(&port))
            }
            Some(PortValue::Name(_)) => false,
        }
    }
}

/// One peer of `from` / `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` (absent = None).
    Pods {
        pods: Option<LabelSelector>,
        namespaces: Option<LabelSelector>,
    },
    IpBlock {
        cidr: String,
        except: Vec<String>,
    },
}

/// One ingress or egress rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// None: `from`/`to` absent or empty — every peer.
    pub peers: Option<Vec<Peer>>,
    /// None: `ports` absent or empty — every port.
    pub ports: Option<Vec<PortSpec>>,
}

impl PolicyRule {
    /// Does the rule allow this port to some destination?
    pub fn allows_port(&self, port: u32, protocol: &str) -> bool {
        self.ports
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| p.allows(port, protocol)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkPolicy {
    pub pod_selector: LabelSelector,
    /// Ingress rules when the policy isolates ingress (None: it does not).
    pub ingress: Option<Vec<PolicyRule>>,
    /// Egress rules when the policy isolates egress (None: it does not).
    pub egress: Option<Vec<PolicyRule>>,
}

impl NetworkPolicy {
    /// A default-deny policy for a direction: selects every pod of the
    /// namespace and allows nothing in that direction.
    pub fn denies_all_ingress(&self) -> bool {
        self.pod_selector.is_empty() && self.ingress.as_ref().is_some_and(|r| r.is_empty())
    }
    pub fn denies_all_egress(&self) -> bool {
        self.pod_selector.is_empty() && self.egress.as_ref().is_some_and(|r| r.is_empty())
    }

    /// Read a `networking.k8s.io` NetworkPolicy.
    pub fn of(obj: &Object<'_>) -> Option<NetworkPolicy> {
        if obj.kind != "NetworkPolicy" || obj.group() != "networking.k8s.io" {
            return None;
        }
        let doc = obj.doc;
        let spec = doc.get_map(obj.node, "spec")?;
        let pod_selector = doc
            .get_key(spec, "podSelector")
            .map(|s| LabelSelector::from_json(&doc.to_json(s)))
            .unwrap_or_default();
        let ingress_rules = doc.get_seq(spec, "ingress");
        let egress_rules = doc.get_seq(spec, "egress");
        let (ingress_on, egress_on) = effective_types(doc, spec);
        let rules = |seq: Option<NodeId>, peers_key: &str| -> Vec<PolicyRule> {
            seq.map(|s| doc.items(s).map(|r| rule(doc, r, peers_key)).collect())
                .unwrap_or_default()
        };
        Some(NetworkPolicy {
            pod_selector,
            ingress: ingress_on.then(|| rules(ingress_rules, "from")),
            egress: egress_on.then(|| rules(egress_rules, "to")),
        })
    }
}

/// The effective `policyTypes`: as written, else Ingress, plus Egress when
/// the policy has egress rules.
pub fn effective_types(doc: &Document<'_>, spec: NodeId) -> (bool, bool) {
    match doc.get_seq(spec, "policyTypes") {
        Some(types) => {
            let has = |t: &str| doc.items(types).any(|i| doc.text(i) == Some(t));
            (has("Ingress"), has("Egress"))
        }
        None => (
            true,
            doc.get_seq(spec, "egress")
                .is_some_and(|e| doc.items(e).len() > 0),
        ),
    }
}

fn rule(doc: &Document<'_>, r: NodeId, peers_key: &str) -> PolicyRule {
    let peers = doc
        .get_seq(r, peers_key)
        .filter(|s| doc.items(*s).len() > 0)
        .map(|s| doc.items(s).map(|p| peer(doc, p)).collect());
    let ports = doc
        .get_seq(r, "ports")
        .filter(|s| doc.items(*s).len() > 0)
        .map(|s| {
            doc.items(s)
                .map(|p| PortSpec {
                    port: doc.get_key(p, "port").and_then(|v| match doc.int(v) {
                        Some(n) if n >= 0 => Some(PortValue::Number(n as u32)),
                        _ => doc
                            .text(v)
                            .filter(|t| !t.is_empty())
                            .map(|t| PortValue::Name(t.to_string())),
                    }),
                    end_port: doc
                        .get_key(p, "endPort")
                        .and_then(|v| doc.int(v))
                        .map(|n| n.max(0) as u32),
                    protocol: doc.get_str(p, "protocol").unwrap_or("TCP").to_string(),
                })
                .collect()
        });
    PolicyRule { peers, ports }
}

fn peer(doc: &Document<'_>, p: NodeId) -> Peer {
    if let Some(b) = doc.get_map(p, "ipBlock") {
        return Peer::IpBlock {
            cidr: doc.get_str(b, "cidr").unwrap_or_default().to_string(),
            except: doc
                .get_seq(b, "except")
                .map(|e| {
                    doc.items(e)
                        .filter_map(|i| doc.text(i))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        };
    }
    let sel = |k: &str| {
        doc.get_key(p, k)
            .filter(|&n| !doc.is_null(n))
            .map(|n| LabelSelector::from_json(&doc.to_json(n)))
    };
    Peer::Pods {
        pods: sel("podSelector"),
        namespaces: sel("namespaceSelector"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{objects_of, DocumentContent};
    use crate::yaml::{load, LoadLimits};

    fn policy(spec: &str) -> NetworkPolicy {
        let text = format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p}}\nspec: {spec}\n");
        let docs = load(&text, &LoadLimits::default()).documents;
        let DocumentContent::Objects(objs) = objects_of(&docs[0], "default") else {
            panic!()
        };
        NetworkPolicy::of(&objs[0]).unwrap()
    }

    #[test]
    fn effective_policy_types() {
        let p = policy("{podSelector: {}}");
        assert!(p.denies_all_ingress() && p.egress.is_none());
        let p = policy("{podSelector: {}, policyTypes: [Egress]}");
        assert!(p.denies_all_egress() && p.ingress.is_none());
        // Only egress rules, no policyTypes: ingress is isolated too.
        let p =
            policy("{podSelector: {matchLabels: {app: a}}, egress: [{to: [{podSelector: {}}]}]}");
        assert_eq!(p.ingress, Some(vec![]));
        assert_eq!(p.egress.as_ref().unwrap().len(), 1);
        let p = policy("{podSelector: {}, egress: []}");
        assert!(p.egress.is_none());
    }

    #[test]
    fn rules_and_ports() {
        let p = policy("{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 53, protocol: UDP}, {port: 8000, endPort: 8100}, {port: http}]}, {to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}");
        let e = p.egress.unwrap();
        assert!(e[0].peers.is_none());
        assert!(e[0].allows_port(53, "UDP") && !e[0].allows_port(53, "TCP"));
        assert!(e[0].allows_port(8050, "TCP"));
        assert!(e[1].allows_port(1, "SCTP"));
        let peers = e[1].peers.as_ref().unwrap();
        assert!(
            matches!(&peers[0], Peer::Pods { pods: Some(_), namespaces: Some(n) } if n.is_empty())
        );
        assert_eq!(
            peers[1],
            Peer::IpBlock {
                cidr: "10.0.0.0/8".into(),
                except: vec!["10.1.0.0/16".into()]
            }
        );
    }
}
