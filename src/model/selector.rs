//! Kubernetes label selectors (`matchLabels` + `matchExpressions`):
//! matching against a label set, API-server style validation, and a
//! satisfiability check that finds selectors no object could ever match.
//!
//! Matching follows Kubernetes semantics: every `matchLabels` pair and every
//! expression must hold. `In` needs the key present with a listed value,
//! `NotIn` holds when the key is absent or its value is not listed, `Exists`
//! needs the key present, `DoesNotExist` needs it absent. An empty selector
//! matches everything.

use std::collections::BTreeSet;
use std::fmt;

/// Operator of a `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Operator {
    /// Parse the exact (case-sensitive) Kubernetes spelling.
    pub fn parse(s: &str) -> Option<Operator> {
        match s {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            _ => None,
        }
    }

    /// The Kubernetes spelling of the operator.
    pub fn as_str(&self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        }
    }

    /// True for `In` and `NotIn`, which require a non-empty value list.
    pub fn takes_values(&self) -> bool {
        matches!(self, Operator::In | Operator::NotIn)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    /// Does this requirement hold for a label whose value is `value`
    /// (`None` when the label is absent)?
    pub fn matches_value(&self, value: Option<&str>) -> bool {
        let listed = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            Operator::In => value.is_some_and(listed),
            Operator::NotIn => !value.is_some_and(listed),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

impl fmt::Display for Requirement {
    /// Renders e.g. `app In [a, b]` or `tier Exists`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.key, self.operator)?;
        if self.operator.takes_values() || !self.values.is_empty() {
            write!(f, " [{}]", self.values.join(", "))?;
        }
        Ok(())
    }
}

/// A Kubernetes `LabelSelector`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: Vec<(String, String)>,
    pub match_expressions: Vec<Requirement>,
}

/// Conversion from and to the API's JSON form
/// (`{"matchLabels": {...}, "matchExpressions": [...]}`).
impl LabelSelector {
    /// Read a selector from its JSON form (as produced by
    /// `Document::to_json`). Unknown operators make the requirement
    /// match nothing (`In` with no values), as the API would reject it.
    pub fn from_json(v: &serde_json::Value) -> LabelSelector {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let match_labels = v["matchLabels"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), text(v))).collect())
            .unwrap_or_default();
        let match_expressions = v["matchExpressions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        let op = e["operator"].as_str().and_then(Operator::parse);
                        Requirement {
                            key: e["key"].as_str().unwrap_or_default().to_string(),
                            operator: op.clone().unwrap_or(Operator::In),
                            values: if op.is_some() {
                                e["values"]
                                    .as_array()
                                    .map(|v| v.iter().map(text).collect())
                                    .unwrap_or_default()
                            } else {
                                Vec::new()
                            },
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        LabelSelector {
            match_labels,
            match_expressions,
        }
    }

    /// The JSON form of the selector.
    pub fn to_json(&self) -> serde_json::Value {
        let labels: serde_json::Map<String, serde_json::Value> = self
            .match_labels
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let exprs: Vec<serde_json::Value> = self
            .match_expressions
            .iter()
            .map(|r| serde_json::json!({"key": r.key, "operator": r.operator.as_str(), "values": r.values}))
            .collect();
        serde_json::json!({"matchLabels": labels, "matchExpressions": exprs})
    }
}

impl LabelSelector {
    /// An empty selector (`{}`): matches every object.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Does the selector match a set of labels? `labels` answers the value of
    /// a label key (`None` if the object does not carry that label).
    pub fn matches<'a, F: Fn(&str) -> Option<&'a str>>(&self, labels: F) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels(k) == Some(v.as_str()))
            && self
                .match_expressions
                .iter()
                .all(|r| r.matches_value(labels(&r.key)))
    }

    /// Convenience over a slice of (key, value) pairs; the first pair with a
    /// given key wins.
    pub fn matches_pairs(&self, labels: &[(String, String)]) -> bool {
        self.matches(|key| {
            labels
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        })
    }

    /// Problems the API server would reject: `In`/`NotIn` without values,
    /// `Exists`/`DoesNotExist` with values, and invalid label keys or values.
    /// Returns one human-readable message per problem (empty if valid).
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (key, value) in &self.match_labels {
            if let Err(why) = check_label_key(key) {
                problems.push(format!("matchLabels: invalid label key `{key}`: {why}"));
            }
            if let Err(why) = check_label_value(value) {
                problems.push(format!(
                    "matchLabels: invalid value `{value}` for label `{key}`: {why}"
                ));
            }
        }
        for (i, req) in self.match_expressions.iter().enumerate() {
            let at = format!("matchExpressions[{i}]");
            if let Err(why) = check_label_key(&req.key) {
                problems.push(format!("{at}: invalid label key `{}`: {why}", req.key));
            }
            let op = &req.operator;
            if op.takes_values() && req.values.is_empty() {
                problems.push(format!(
                    "{at}: operator {op} on `{}` needs at least one value",
                    req.key
                ));
            }
            if !op.takes_values() && !req.values.is_empty() {
                problems.push(format!(
                    "{at}: operator {op} on `{}` must not list values",
                    req.key
                ));
            }
            for value in &req.values {
                if let Err(why) = check_label_value(value) {
                    problems.push(format!(
                        "{at}: invalid value `{value}` for label `{}`: {why}",
                        req.key
                    ));
                }
            }
        }
        problems
    }

    /// Could some label set satisfy this selector? `false` for e.g.
    /// `matchLabels app=a` plus `app In [b]`, or `Exists` plus
    /// `DoesNotExist` on the same key. Label syntax is not considered here
    /// (see [`LabelSelector::validate`]).
    pub fn is_satisfiable(&self) -> bool {
        self.conflicts().is_empty()
    }

    /// One message per label key whose requirements contradict each other,
    /// in order of first appearance. Empty if the selector is satisfiable.
    pub fn conflicts(&self) -> Vec<String> {
        let mut keys: Vec<KeyConstraints<'_>> = Vec::new();
        fn entry<'k, 'a>(
            keys: &'k mut Vec<KeyConstraints<'a>>,
            key: &'a str,
        ) -> &'k mut KeyConstraints<'a> {
            let idx = match keys.iter().position(|c| c.key == key) {
                Some(idx) => idx,
                None => {
                    keys.push(KeyConstraints::new(key));
                    keys.len() - 1
                }
            };
            &mut keys[idx]
        }
        for (key, value) in &self.match_labels {
            let c = entry(&mut keys, key);
            c.must_exist = true;
            c.restrict(std::iter::once(value.as_str()));
            c.sources.push(format!("`{key}={value}` (matchLabels)"));
        }
        for req in &self.match_expressions {
            let c = entry(&mut keys, &req.key);
            match req.operator {
                Operator::In => {
                    c.must_exist = true;
                    c.restrict(req.values.iter().map(String::as_str));
                }
                Operator::NotIn => c.forbidden.extend(req.values.iter().map(String::as_str)),
                Operator::Exists => c.must_exist = true,
                Operator::DoesNotExist => c.must_not_exist = true,
            }
            c.sources.push(format!("`{req}`"));
        }
        keys.iter()
            .filter(|c| !c.satisfiable())
            .map(|c| {
                format!(
                    "no label set satisfies all requirements on `{}`: {}",
                    c.key,
                    c.sources.join(", ")
                )
            })
            .collect()
    }
}

/// Accumulated requirements on a single label key.
struct KeyConstraints<'a> {
    key: &'a str,
    must_exist: bool,
    must_not_exist: bool,
    /// Values allowed by every `In`/matchLabels seen; `None` = unrestricted.
    allowed: Option<BTreeSet<&'a str>>,
    forbidden: BTreeSet<&'a str>,
    sources: Vec<String>,
}

impl<'a> KeyConstraints<'a> {
    fn new(key: &'a str) -> Self {
        KeyConstraints {
            key,
            must_exist: false,
            must_not_exist: false,
            allowed: None,
            forbidden: BTreeSet::new(),
            sources: Vec::new(),
        }
    }

    fn restrict(&mut self, values: impl Iterator<Item = &'a str>) {
        let new: BTreeSet<&str> = values.collect();
        self.allowed = Some(match self.allowed.take() {
            None => new,
            Some(old) => old.intersection(&new).copied().collect(),
        });
    }

    fn satisfiable(&self) -> bool {
        if !self.must_exist {
            // An absent label satisfies DoesNotExist and NotIn alike.
            return true;
        }
        if self.must_not_exist {
            return false;
        }
        match &self.allowed {
            // Only Exists/NotIn: infinitely many values remain.
            None => true,
            Some(allowed) => allowed.iter().any(|v| !self.forbidden.contains(v)),
        }
    }
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// Shared rule for label names and non-empty label values.
fn check_name_like(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!("must be at most 63 characters (has {})", s.len()));
    }
    if !s.bytes().all(is_name_char) {
        return Err("may contain only letters, digits, `-`, `_` and `.`".to_string());
    }
    let bytes = s.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Err("must start and end with a letter or digit".to_string());
    }
    Ok(())
}

/// DNS-1123 subdomain: lowercase alphanumeric labels with inner `-`,
/// separated by `.`, at most 253 characters.
fn check_dns_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!("must be at most 253 characters (has {})", s.len()));
    }
    let label_ok = |label: &str| {
        let b = label.as_bytes();
        let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && edge(b[0])
            && edge(b[b.len() - 1])
            && b.iter().all(|&c| edge(c) || c == b'-')
    };
    if s.split('.').all(label_ok) {
        Ok(())
    } else {
        Err("must be a lowercase DNS subdomain such as `example.com`".to_string())
    }
}

/// Check a label key (`[prefix/]name`); the error explains what is wrong.
pub fn check_label_key(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".to_string());
    }
    let (prefix, name) = match s.split_once('/') {
        None => (None, s),
        Some((prefix, name)) => (Some(prefix), name),
    };
    if name.contains('/') {
        return Err("may contain at most one `/`, between prefix and name".to_string());
    }
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Err("prefix before `/` must not be empty".to_string());
        }
        check_dns_subdomain(prefix).map_err(|why| format!("prefix `{prefix}` {why}"))?;
    }
    if name.is_empty() {
        return Err("name must not be empty".to_string());
    }
    check_name_like(name).map_err(|why| format!("name {why}"))
}

/// Check a label value (may be empty); the error explains what is wrong.
pub fn check_label_value(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    check_name_like(s)
}

/// Kubernetes label-key syntax: optional DNS-1123 subdomain prefix (at most
/// 253 characters) and `/`, then a name of 1-63 characters from
/// `[A-Za-z0-9_.-]` that starts and ends alphanumeric.
pub fn is_valid_label_key(s: &str) -> bool {
    check_label_key(s).is_ok()
}

/// Kubernetes label-value syntax: empty, or 1-63 characters from
/// `[A-Za-z0-9_.-]` that start and end alphanumeric.
pub fn is_valid_label_value(s: &str) -> bool {
    check_label_value(s).is_ok()
}

impl LabelSelector {
    /// Build a selector from its YAML node (`matchLabels` and
    /// `matchExpressions`). `None` when the node is not a mapping or an
    /// entry is malformed (a non-scalar label, an unknown operator, an
    /// expression without a key): such selectors are the schema's concern,
    /// and guessing their meaning would produce false findings.
    pub fn from_node(
        doc: &crate::yaml::Document<'_>,
        node: crate::yaml::NodeId,
    ) -> Option<LabelSelector> {
        if !doc.is_map(node) {
            return None;
        }
        let mut sel = LabelSelector::default();
        if let Some(ml) = doc
            .get_key(node, "matchLabels")
            .filter(|&m| !doc.is_null(m))
        {
            if !doc.is_map(ml) {
                return None;
            }
            for (k, v) in doc.entries(ml) {
                sel.match_labels
                    .push((doc.text(k)?.to_string(), doc.text(v)?.to_string()));
            }
        }
        if let Some(me) = doc
            .get_key(node, "matchExpressions")
            .filter(|&m| !doc.is_null(m))
        {
            if !doc.is_seq(me) {
                return None;
            }
            for e in doc.items(me) {
                let key = doc.text(doc.get_key(e, "key")?)?.to_string();
                let operator = Operator::parse(doc.text(doc.get_key(e, "operator")?)?)?;
                let mut values = Vec::new();
                if let Some(vs) = doc.get_key(e, "values").filter(|&v| !doc.is_null(v)) {
                    if !doc.is_seq(vs) {
                        return None;
                    }
                    for v in doc.items(vs) {
                        values.push(doc.text(v)?.to_string());
                    }
                }
                sel.match_expressions.push(Requirement {
                    key,
                    operator,
                    values,
                });
            }
        }
        Some(sel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let v = serde_json::json!({
            "matchLabels": {"app": "web", "tier": 1},
            "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}, {"key": "x", "operator": "Bogus"}]
        });
        let s = LabelSelector::from_json(&v);
        assert_eq!(
            s.match_labels,
            [
                ("app".to_string(), "web".to_string()),
                ("tier".to_string(), "1".to_string())
            ]
        );
        assert_eq!(s.match_expressions[0].operator, Operator::NotIn);
        // An invalid operator matches nothing.
        assert!(!s.matches_pairs(&[
            ("app".into(), "web".into()),
            ("tier".into(), "1".into()),
            ("x".into(), "y".into())
        ]));
        assert_eq!(LabelSelector::from_json(&s.to_json()), s);
        assert!(LabelSelector::from_json(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn from_node_reads_labels_and_expressions() {
        let text = "a:\n  matchLabels: {app: web, tier: \"1\"}\n  matchExpressions:\n    - {key: env, operator: In, values: [prod, 2]}\n    - {key: canary, operator: DoesNotExist}\nb: {}\nc: {matchExpressions: [{key: x, operator: Maybe}]}\nd: [1]\ne: {matchLabels: {app: [x]}}\n";
        let loaded = crate::yaml::load(text, &crate::yaml::LoadLimits::default());
        let doc = &loaded.documents[0];
        let at = |k: &str| doc.get_key(doc.root, k).unwrap();
        let a = LabelSelector::from_node(doc, at("a")).unwrap();
        assert_eq!(a.match_labels, labels(&[("app", "web"), ("tier", "1")]));
        assert_eq!(
            a.match_expressions,
            vec![
                req("env", Operator::In, &["prod", "2"]),
                req("canary", Operator::DoesNotExist, &[])
            ]
        );
        assert!(a.matches_pairs(&labels(&[("app", "web"), ("tier", "1"), ("env", "2")])));
        assert!(!a.matches_pairs(&labels(&[("app", "web"), ("tier", "1"), ("env", "dev")])));
        assert!(LabelSelector::from_node(doc, at("b")).unwrap().is_empty());
        assert_eq!(LabelSelector::from_node(doc, at("c")), None);
        assert_eq!(LabelSelector::from_node(doc, at("d")), None);
        assert_eq!(LabelSelector::from_node(doc, at("e")), None);
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement {
            key: key.to_string(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn sel(match_labels: &[(&str, &str)], exprs: Vec<Requirement>) -> LabelSelector {
        LabelSelector {
            match_labels: labels(match_labels),
            match_expressions: exprs,
        }
    }

    #[test]
    fn operator_parse_and_as_str() {
        for op in [
            Operator::In,
            Operator::NotIn,
            Operator::Exists,
            Operator::DoesNotExist,
        ] {
            assert_eq!(Operator::parse(op.as_str()), Some(op.clone()));
            assert_eq!(op.to_string(), op.as_str());
        }
        assert_eq!(Operator::parse("in"), None);
        assert_eq!(Operator::parse("notin"), None);
        assert_eq!(Operator::parse("Exist"), None);
        assert_eq!(Operator::parse(""), None);
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = LabelSelector::default();
        assert!(s.is_empty());
        assert!(s.matches_pairs(&[]));
        assert!(s.matches_pairs(&labels(&[("app", "web")])));
        assert!(s.matches(|_| None));
        assert!(s.validate().is_empty());
        assert!(s.is_satisfiable());
        assert!(!sel(&[("a", "b")], vec![]).is_empty());
        assert!(!sel(&[], vec![req("a", Operator::Exists, &[])]).is_empty());
    }

    #[test]
    fn match_labels_require_exact_values() {
        let s = sel(&[("app", "web"), ("tier", "frontend")], vec![]);
        assert!(s.matches_pairs(&labels(&[
            ("app", "web"),
            ("tier", "frontend"),
            ("extra", "x")
        ])));
        assert!(!s.matches_pairs(&labels(&[("app", "web")])));
        assert!(!s.matches_pairs(&labels(&[("app", "Web"), ("tier", "frontend")])));
        assert!(!s.matches_pairs(&[]));
    }

    #[test]
    fn in_operator() {
        let s = sel(&[], vec![req("env", Operator::In, &["prod", "staging"])]);
        assert!(s.matches_pairs(&labels(&[("env", "prod")])));
        assert!(s.matches_pairs(&labels(&[("env", "staging")])));
        assert!(!s.matches_pairs(&labels(&[("env", "dev")])));
        assert!(!s.matches_pairs(&[]));
        // In with no values never matches.
        let none = sel(&[], vec![req("env", Operator::In, &[])]);
        assert!(!none.matches_pairs(&labels(&[("env", "prod")])));
    }

    #[test]
    fn not_in_operator_matches_absent_key() {
        let s = sel(&[], vec![req("env", Operator::NotIn, &["prod"])]);
        assert!(s.matches_pairs(&[]));
        assert!(s.matches_pairs(&labels(&[("other", "prod")])));
        assert!(s.matches_pairs(&labels(&[("env", "dev")])));
        assert!(s.matches_pairs(&labels(&[("env", "")])));
        assert!(!s.matches_pairs(&labels(&[("env", "prod")])));
    }

    #[test]
    fn exists_and_does_not_exist() {
        let exists = sel(&[], vec![req("gpu", Operator::Exists, &[])]);
        assert!(exists.matches_pairs(&labels(&[("gpu", "")])));
        assert!(exists.matches_pairs(&labels(&[("gpu", "true")])));
        assert!(!exists.matches_pairs(&[]));
        let absent = sel(&[], vec![req("gpu", Operator::DoesNotExist, &[])]);
        assert!(absent.matches_pairs(&[]));
        assert!(!absent.matches_pairs(&labels(&[("gpu", "")])));
    }

    #[test]
    fn combination_requires_everything() {
        let s = sel(
            &[("app", "web")],
            vec![
                req("env", Operator::In, &["prod", "staging"]),
                req("track", Operator::NotIn, &["canary"]),
                req("team", Operator::Exists, &[]),
                req("legacy", Operator::DoesNotExist, &[]),
            ],
        );
        let good = labels(&[("app", "web"), ("env", "prod"), ("team", "a")]);
        assert!(s.matches_pairs(&good));
        let mut with_track = good.clone();
        with_track.push(("track".into(), "stable".into()));
        assert!(s.matches_pairs(&with_track));
        let mut canary = good.clone();
        canary.push(("track".into(), "canary".into()));
        assert!(!s.matches_pairs(&canary));
        let mut legacy = good.clone();
        legacy.push(("legacy".into(), "yes".into()));
        assert!(!s.matches_pairs(&legacy));
        assert!(!s.matches_pairs(&labels(&[("app", "web"), ("env", "prod")])));
        assert!(!s.matches_pairs(&labels(&[("app", "api"), ("env", "prod"), ("team", "a")])));
        assert!(!s.matches_pairs(&labels(&[("app", "web"), ("env", "dev"), ("team", "a")])));
    }

    #[test]
    fn matches_with_closure_over_map() {
        let map: std::collections::BTreeMap<String, String> =
            labels(&[("app", "web")]).into_iter().collect();
        let s = sel(
            &[("app", "web")],
            vec![req("x", Operator::DoesNotExist, &[])],
        );
        assert!(s.matches(|k| map.get(k).map(String::as_str)));
    }

    #[test]
    fn requirement_display() {
        assert_eq!(
            req("app", Operator::In, &["a", "b"]).to_string(),
            "app In [a, b]"
        );
        assert_eq!(req("app", Operator::Exists, &[]).to_string(), "app Exists");
        assert_eq!(req("app", Operator::NotIn, &[]).to_string(), "app NotIn []");
    }

    #[test]
    fn label_keys() {
        for k in [
            "app",
            "a",
            "app.kubernetes.io/name",
            "example.com/My_Key.v-1",
            "k8s.io/x",
            "A1",
            "1a",
            &"a".repeat(63),
            &format!("{}/n", "a".repeat(253)),
        ] {
            assert!(is_valid_label_key(k), "{k:?} should be valid");
        }
        for k in [
            "",
            "-app",
            "app-",
            "_app",
            "app.",
            "my app",
            "app!",
            "/name",
            "prefix/",
            "a/b/c",
            "Example.com/name",
            "example..com/name",
            "-example.com/name",
            "example_com/name",
            "ключ",
            &"a".repeat(64),
            &format!("{}/n", "a".repeat(254)),
        ] {
            assert!(!is_valid_label_key(k), "{k:?} should be invalid");
        }
        assert_eq!(check_label_key(""), Err("must not be empty".to_string()));
        assert!(check_label_key("a/b/c").unwrap_err().contains("one `/`"));
        assert!(check_label_key("Foo.com/x")
            .unwrap_err()
            .contains("prefix `Foo.com`"));
        assert!(check_label_key(&"a".repeat(64)).unwrap_err().contains("63"));
        assert!(check_label_key("app-")
            .unwrap_err()
            .contains("start and end"));
    }

    #[test]
    fn label_values() {
        for v in ["", "a", "prod", "v1.2.3", "A_b-c.D", "0", &"x".repeat(63)] {
            assert!(is_valid_label_value(v), "{v:?} should be valid");
        }
        for v in ["-a", "a-", ".a", "a b", "a/b", "a:b", "é", &"x".repeat(64)] {
            assert!(!is_valid_label_value(v), "{v:?} should be invalid");
        }
    }

    #[test]
    fn validate_reports_api_server_errors() {
        let valid = sel(
            &[("app", "web"), ("version", "")],
            vec![
                req("env", Operator::In, &["prod"]),
                req("app.kubernetes.io/part-of", Operator::Exists, &[]),
            ],
        );
        assert_eq!(valid.validate(), Vec::<String>::new());

        let s = sel(
            &[("bad key", "web"), ("app", "bad value")],
            vec![
                req("env", Operator::In, &[]),
                req("env", Operator::NotIn, &[]),
                req("tier", Operator::Exists, &["x"]),
                req("gpu", Operator::DoesNotExist, &["y"]),
                req("/oops", Operator::In, &["ok", "not ok"]),
            ],
        );
        let problems = s.validate();
        assert_eq!(problems.len(), 8, "{problems:#?}");
        assert!(problems[0].starts_with("matchLabels: invalid label key `bad key`"));
        assert!(problems[1].starts_with("matchLabels: invalid value `bad value` for label `app`"));
        assert_eq!(
            problems[2],
            "matchExpressions[0]: operator In on `env` needs at least one value"
        );
        assert_eq!(
            problems[3],
            "matchExpressions[1]: operator NotIn on `env` needs at least one value"
        );
        assert_eq!(
            problems[4],
            "matchExpressions[2]: operator Exists on `tier` must not list values"
        );
        assert_eq!(
            problems[5],
            "matchExpressions[3]: operator DoesNotExist on `gpu` must not list values"
        );
        assert!(problems[6].starts_with("matchExpressions[4]: invalid label key `/oops`"));
        assert!(problems[7].starts_with("matchExpressions[4]: invalid value `not ok`"));
    }

    #[test]
    fn satisfiability() {
        let sat = [
            sel(&[], vec![]),
            sel(&[("app", "a")], vec![req("app", Operator::In, &["a", "b"])]),
            sel(&[("app", "a")], vec![req("app", Operator::NotIn, &["b"])]),
            sel(&[("app", "a")], vec![req("app", Operator::Exists, &[])]),
            sel(
                &[],
                vec![
                    req("app", Operator::In, &["a", "b"]),
                    req("app", Operator::In, &["b", "c"]),
                    req("app", Operator::NotIn, &["a"]),
                ],
            ),
            sel(
                &[],
                vec![
                    req("app", Operator::Exists, &[]),
                    req("app", Operator::NotIn, &["a", "b"]),
                ],
            ),
            sel(
                &[],
                vec![
                    req("app", Operator::DoesNotExist, &[]),
                    req("app", Operator::NotIn, &["a"]),
                ],
            ),
            sel(&[("a", "1")], vec![req("b", Operator::DoesNotExist, &[])]),
        ];
        for s in &sat {
            assert!(s.is_satisfiable(), "{s:?}");
            assert!(s.conflicts().is_empty());
        }

        let unsat = [
            sel(&[("app", "a")], vec![req("app", Operator::In, &["b"])]),
            sel(&[("app", "a"), ("app", "b")], vec![]),
            sel(&[("app", "a")], vec![req("app", Operator::NotIn, &["a"])]),
            sel(
                &[("app", "a")],
                vec![req("app", Operator::DoesNotExist, &[])],
            ),
            sel(
                &[],
                vec![
                    req("app", Operator::Exists, &[]),
                    req("app", Operator::DoesNotExist, &[]),
                ],
            ),
            sel(
                &[],
                vec![
                    req("app", Operator::In, &["a"]),
                    req("app", Operator::In, &["b"]),
                ],
            ),
            sel(
                &[],
                vec![
                    req("app", Operator::In, &["a", "b"]),
                    req("app", Operator::NotIn, &["a", "b"]),
                ],
            ),
            sel(&[], vec![req("app", Operator::In, &[])]),
        ];
        for s in &unsat {
            assert!(!s.is_satisfiable(), "{s:?}");
        }
    }

    #[test]
    fn satisfiability_agrees_with_matching_on_a_witness() {
        // For a satisfiable selector, a label set built from its constraints matches.
        let s = sel(
            &[("app", "web")],
            vec![
                req("env", Operator::In, &["prod", "dev"]),
                req("env", Operator::NotIn, &["prod"]),
            ],
        );
        assert!(s.is_satisfiable());
        assert!(s.matches_pairs(&labels(&[("app", "web"), ("env", "dev")])));
    }

    #[test]
    fn conflict_messages_name_the_key_and_sources() {
        let s = sel(
            &[("app", "a"), ("ok", "1")],
            vec![
                req("app", Operator::In, &["b"]),
                req("gpu", Operator::Exists, &[]),
                req("gpu", Operator::DoesNotExist, &[]),
            ],
        );
        assert_eq!(
            s.conflicts(),
            vec![
                "no label set satisfies all requirements on `app`: `app=a` (matchLabels), `app In [b]`"
                    .to_string(),
                "no label set satisfies all requirements on `gpu`: `gpu Exists`, `gpu DoesNotExist`"
                    .to_string(),
            ]
        );
    }
}
