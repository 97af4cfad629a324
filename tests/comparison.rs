//! kubelint against the checks of other Kubernetes linters.
//!
//! `docs/peers/<tool>.yaml` lists every check of kube-linter, kube-score,
//! Polaris and Checkov (Kubernetes), with a reason for each check that no
//! rule covers. The rules say which peer checks they match in their catalog
//! front matter (`equivalents:`). This test joins the two, fails when they
//! disagree, and keeps `docs/comparison.md` in step:
//!
//! ```sh
//! UPDATE_COMPARISON=1 cargo test --test comparison   # rewrite docs/comparison.md
//! ```

use kubelint::rules::catalog::{catalog, RuleDoc, PEER_TOOLS};
use kubelint::yaml::{load, LoadLimits};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The number of checks each peer's upstream list holds (see the sources
/// named in the data files); a data file with fewer or more was edited wrongly.
const EXPECTED_COUNTS: [(&str, usize); 4] = [
    ("kube-linter", 63),
    ("kube-score", 39),
    ("polaris", 44),
    ("checkov", 119),
];

/// The share of applicable peer checks that must be covered.
const MIN_COVERAGE: f64 = 0.95;

/// Why a peer check has no kubelint rule (at most one per check).
#[derive(Debug, Clone, PartialEq)]
enum Reason {
    /// The check does not apply to static manifests (removed APIs, …).
    NotApplicable(String),
    /// Applicable but deliberately not covered.
    NotCovered(String),
    /// Expressed as a custom rule in `.kubelint.yaml`.
    CustomRule(String),
    /// Rules still being built, by id.
    Planned(Vec<String>),
}

#[derive(Debug, Clone)]
struct PeerCheck {
    id: String,
    title: String,
    /// On in the peer tool without configuration.
    default: bool,
    reason: Option<Reason>,
    note: Option<String>,
}

#[derive(Debug)]
struct Peer {
    tool: String,
    name: String,
    version: String,
    source: String,
    checks: Vec<PeerCheck>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn load_peer(tool: &str) -> Peer {
    let path = root().join(format!("docs/peers/{tool}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let loaded = load(&text, &LoadLimits::default());
    if let Some(e) = &loaded.error {
        panic!("{}: {}", path.display(), e.message);
    }
    let doc = &loaded.documents[0];
    let top = |k: &str| {
        doc.get_key(doc.root, k)
            .and_then(|v| doc.text(v))
            .unwrap_or_else(|| panic!("{}: no `{k}`", path.display()))
            .to_string()
    };
    assert_eq!(top("tool"), tool, "{}: wrong `tool`", path.display());
    let mut checks = Vec::new();
    let seq = doc
        .get_seq(doc.root, "checks")
        .unwrap_or_else(|| panic!("{}: no `checks` list", path.display()));
    for item in doc.items(seq) {
        let text = |k: &str| {
            doc.get_key(item, k)
                .and_then(|v| doc.text(v))
                .map(str::to_string)
        };
        let id = text("id").unwrap_or_else(|| panic!("{}: a check without `id`", path.display()));
        let mut reasons = Vec::new();
        if let Some(r) = text("not-applicable") {
            reasons.push(Reason::NotApplicable(r));
        }
        if let Some(r) = text("not-covered") {
            reasons.push(Reason::NotCovered(r));
        }
        if let Some(r) = text("custom-rule") {
            reasons.push(Reason::CustomRule(r));
        }
        if let Some(p) = doc.get_seq(item, "planned") {
            let ids: Vec<String> = doc
                .items(p)
                .filter_map(|i| doc.text(i).map(str::to_string))
                .collect();
            assert!(!ids.is_empty(), "{tool}:{id}: empty `planned`");
            reasons.push(Reason::Planned(ids));
        }
        assert!(
            reasons.len() <= 1,
            "{tool}:{id}: give at most one of not-applicable, not-covered, custom-rule, planned"
        );
        for r in &reasons {
            if let Reason::NotApplicable(s) | Reason::NotCovered(s) | Reason::CustomRule(s) = r {
                assert!(
                    !s.trim().is_empty() && !s.contains('\n'),
                    "{tool}:{id}: a reason is one non-empty line"
                );
            }
        }
        checks.push(PeerCheck {
            title: text("title").unwrap_or_else(|| panic!("{tool}:{id}: no `title`")),
            default: doc
                .get_key(item, "default")
                .and_then(|v| doc.bool(v))
                .unwrap_or_else(|| panic!("{tool}:{id}: `default: true|false` missing")),
            reason: reasons.pop(),
            note: text("note"),
            id,
        });
    }
    Peer {
        tool: tool.to_string(),
        name: top("name"),
        version: top("version"),
        source: top("source"),
        checks,
    }
}

fn peers() -> Vec<Peer> {
    PEER_TOOLS.iter().map(|t| load_peer(t)).collect()
}

/// Rules naming each `tool:check`, in catalog order.
fn equivalents() -> HashMap<String, Vec<&'static RuleDoc>> {
    let mut out: HashMap<String, Vec<&'static RuleDoc>> = HashMap::new();
    for r in &catalog().rules {
        for e in &r.equivalents {
            out.entry(e.clone()).or_default().push(r);
        }
    }
    out
}

/// How one peer check stands.
enum Status<'a> {
    Covered(&'a [&'static RuleDoc]),
    Custom(&'a str),
    Planned(&'a [String]),
    NotCovered(&'a str),
    NotApplicable(&'a str),
}

fn status<'a>(
    tool: &str,
    c: &'a PeerCheck,
    eq: &'a HashMap<String, Vec<&'static RuleDoc>>,
) -> Status<'a> {
    if let Some(rules) = eq.get(&format!("{tool}:{}", c.id)) {
        return Status::Covered(rules);
    }
    match &c.reason {
        Some(Reason::CustomRule(s)) => Status::Custom(s),
        Some(Reason::Planned(ids)) => Status::Planned(ids),
        Some(Reason::NotCovered(s)) => Status::NotCovered(s),
        Some(Reason::NotApplicable(s)) => Status::NotApplicable(s),
        None => panic!("{tool}:{}: no rule names it and it has no reason", c.id),
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    checks: usize,
    applicable: usize,
    rule: usize,
    custom: usize,
    planned: usize,
    not_covered: usize,
}

impl Tally {
    fn add(&mut self, s: &Status<'_>) {
        self.checks += 1;
        if !matches!(s, Status::NotApplicable(_)) {
            self.applicable += 1;
        }
        match s {
            Status::Covered(_) => self.rule += 1,
            Status::Custom(_) => self.custom += 1,
            Status::Planned(_) => self.planned += 1,
            Status::NotCovered(_) => self.not_covered += 1,
            Status::NotApplicable(_) => {}
        }
    }
    fn sum(self, o: Tally) -> Tally {
        Tally {
            checks: self.checks + o.checks,
            applicable: self.applicable + o.applicable,
            rule: self.rule + o.rule,
            custom: self.custom + o.custom,
            planned: self.planned + o.planned,
            not_covered: self.not_covered + o.not_covered,
        }
    }
    /// Covered by a rule or by configuration, over applicable checks.
    fn coverage(self) -> f64 {
        (self.rule + self.custom) as f64 / self.applicable.max(1) as f64
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", (x * 1000.0).floor() / 10.0)
}

fn rule_link(r: &RuleDoc) -> String {
    let off = if r.enabled { "" } else { " (opt-in)" };
    format!("[`{}`](../rules/{}/{}.md){off}", r.id, r.category, r.id)
}

/// Table cells must not contain a raw `|`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn generate(peers: &[Peer]) -> String {
    let eq = equivalents();
    let mut tallies: Vec<Tally> = Vec::new();
    for p in peers {
        let mut t = Tally::default();
        for c in &p.checks {
            t.add(&status(&p.tool, c, &eq));
        }
        tallies.push(t);
    }
    let total = tallies.iter().fold(Tally::default(), |a, &b| a.sum(b));
    let mut s = String::new();
    s.push_str("# kubelint and other Kubernetes linters\n\n");
    s.push_str(
        "<!-- Generated by `UPDATE_COMPARISON=1 cargo test --test comparison` from the rules' \
         `equivalents:` (rules/*/*.md) and the peers' check lists (docs/peers/*.yaml). \
         Do not edit by hand. -->\n\n",
    );
    s.push_str(
        "Every check of kube-linter, kube-score, Polaris and Checkov's Kubernetes \
         checks, with the kubelint rule that catches the same problem or the \
         reason why none does. A check counts as covered when a rule catches \
         it or a custom rule (`customRules:` in `.kubelint.yaml`) expresses it; \
         checks that do not apply to static manifests (PodSecurityPolicy, \
         removed admission plugins) are left out of the percentage. Rules \
         marked *opt-in* are off by default (`--enable RULE`).\n\n",
    );
    s.push_str("## Coverage\n\n");
    s.push_str("| tool | checks | applicable | covered by a rule | by a custom rule | planned | not covered | coverage |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (p, t) in peers.iter().zip(&tallies) {
        let _ = writeln!(
            s,
            "| [{}](#{}) | {} | {} | {} | {} | {} | {} | {} |",
            p.name,
            p.tool,
            t.checks,
            t.applicable,
            t.rule,
            t.custom,
            t.planned,
            t.not_covered,
            pct(t.coverage())
        );
    }
    let _ = writeln!(
        s,
        "| **all** | {} | {} | {} | {} | {} | {} | **{}** |\n",
        total.checks,
        total.applicable,
        total.rule,
        total.custom,
        total.planned,
        total.not_covered,
        pct(total.coverage())
    );
    if total.planned > 0 {
        s.push_str(
            "*Planned* checks wait for rules that are being built (the rule ids are \
             given); they are not counted as covered.\n\n",
        );
    }
    s.push_str("### Not covered\n\n");
    for p in peers {
        for c in &p.checks {
            if let Status::NotCovered(r) = status(&p.tool, c, &eq) {
                let _ = writeln!(s, "- {} `{}` ({}): {}", p.name, c.id, c.title, r);
            }
        }
    }
    s.push('\n');
    for p in peers {
        let _ = writeln!(s, "<a id=\"{}\"></a>\n## {}\n", p.tool, p.name);
        let _ = writeln!(
            s,
            "{} checks of {} {}, from <{}>. *default*: on in {} without configuration.\n",
            p.checks.len(),
            p.name,
            p.version,
            p.source,
            p.name
        );
        s.push_str(
            "| check | what it reports | default | kubelint | notes |\n|---|---|---|---|---|\n",
        );
        for c in &p.checks {
            let (kubelint, mut notes) = match status(&p.tool, c, &eq) {
                Status::Covered(rules) => (
                    rules
                        .iter()
                        .map(|r| rule_link(r))
                        .collect::<Vec<_>>()
                        .join(", "),
                    String::new(),
                ),
                Status::Custom(snippet) => ("custom rule".to_string(), format!("`{snippet}`")),
                Status::Planned(ids) => (
                    format!(
                        "planned: {}",
                        ids.iter()
                            .map(|i| format!("`{i}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    String::new(),
                ),
                Status::NotCovered(r) => ("not covered".to_string(), r.to_string()),
                Status::NotApplicable(r) => ("not applicable".to_string(), r.to_string()),
            };
            if let Some(n) = &c.note {
                if !notes.is_empty() {
                    notes.push_str("; ");
                }
                notes.push_str(n);
            }
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} |",
                c.id,
                cell(&c.title),
                if c.default { "on" } else { "off" },
                kubelint,
                cell(&notes)
            );
        }
        s.push('\n');
    }
    s
}

#[test]
fn peer_lists_are_complete() {
    for (p, (tool, n)) in peers().iter().zip(EXPECTED_COUNTS) {
        assert_eq!(p.tool, tool);
        assert_eq!(
            p.checks.len(),
            n,
            "docs/peers/{tool}.yaml should list all {n} checks"
        );
        let mut seen = std::collections::HashSet::new();
        for c in &p.checks {
            assert!(seen.insert(&c.id), "{tool}:{} is listed twice", c.id);
        }
    }
}

#[test]
fn every_equivalent_names_a_peer_check() {
    let peers = peers();
    let known: std::collections::HashSet<String> = peers
        .iter()
        .flat_map(|p| p.checks.iter().map(move |c| format!("{}:{}", p.tool, c.id)))
        .collect();
    let mut bad = Vec::new();
    for r in &catalog().rules {
        let mut seen = std::collections::HashSet::new();
        for e in &r.equivalents {
            if !known.contains(e) {
                bad.push(format!("{}: `{e}` is not in docs/peers/", r.id));
            }
            if !seen.insert(e) {
                bad.push(format!("{}: `{e}` is listed twice", r.id));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_peer_check_is_covered_or_explained() {
    let eq = equivalents();
    let mut bad = Vec::new();
    for p in peers() {
        for c in &p.checks {
            let key = format!("{}:{}", p.tool, c.id);
            match (eq.get(&key), &c.reason) {
                (None, None) => bad.push(format!(
                    "{key}: name it in a rule's `equivalents:` or give a reason in docs/peers/{}.yaml",
                    p.tool
                )),
                (Some(rules), Some(Reason::NotApplicable(_) | Reason::NotCovered(_) | Reason::CustomRule(_))) => {
                    bad.push(format!(
                        "{key}: covered by {} but docs/peers/{}.yaml still gives a reason",
                        rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", "),
                        p.tool
                    ))
                }
                (None, Some(Reason::Planned(ids))) => {
                    for id in ids {
                        if catalog().get(id).is_some() {
                            bad.push(format!(
                                "{key}: planned rule `{id}` exists but does not name `{key}` in its `equivalents:` (add it there, or re-point `planned:`)"
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn coverage_of_applicable_checks() {
    let eq = equivalents();
    let mut total = Tally::default();
    for p in peers() {
        for c in &p.checks {
            total.add(&status(&p.tool, c, &eq));
        }
    }
    // Planned checks count here so that work split across branches can
    // land in any order; docs/comparison.md reports them separately.
    let with_planned = (total.rule + total.custom + total.planned) as f64 / total.applicable as f64;
    assert!(
        with_planned >= MIN_COVERAGE,
        "only {} of applicable peer checks are covered or planned ({} by rules, {} by custom rules, {} planned, of {})",
        pct(with_planned),
        total.rule,
        total.custom,
        total.planned,
        total.applicable
    );
    if total.planned == 0 {
        assert!(total.coverage() >= MIN_COVERAGE);
    }
}

#[test]
fn comparison_doc_is_current() {
    let generated = generate(&peers());
    let path = root().join("docs/comparison.md");
    if std::env::var_os("UPDATE_COMPARISON").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let first = current
            .lines()
            .zip(generated.lines())
            .take_while(|(a, b)| a == b)
            .count();
        panic!(
            "docs/comparison.md is stale (first difference at line {}); regenerate it with \
             `UPDATE_COMPARISON=1 cargo test --test comparison`",
            first + 1
        );
    }
}
