//! Run a compiled schema over an object and turn each JSON Schema error
//! into one [`Problem`] at the exact node.
//!
//! The object is converted with [`Document::to_json`], which types scalars
//! the way Kubernetes' YAML 1.1 decoder does, so an unquoted `on` in a
//! string field is a boolean here too. An error's instance path (a JSON
//! pointer) is walked back through the tree: an unknown field points at its
//! key, a wrong type or value at the key and value, a missing field at the
//! key of the mapping that lacks it (or the list item, or the object's
//! `kind`). `anyOf`/`oneOf` failures collapse into one problem: the errors
//! of the branch that matched the value's shape, or a single finding when
//! no branch did.

use super::Compiled;
use crate::yaml::{Document, NodeId, ScalarStyle, Span, Value as Y};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    UnknownField,
    InvalidType,
    MissingRequired,
    InvalidEnum,
    InvalidValue,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The node the problem is about (the value; for an unknown field, its
    /// value; for a missing field, the mapping that lacks it).
    pub node: NodeId,
    pub span: Span,
    pub message: String,
    pub help: String,
}

/// Where a JSON pointer leads in the tree.
struct Located {
    node: NodeId,
    /// The key whose value is `node`, if `node` is a mapping value.
    key: Option<NodeId>,
    /// Dotted path (`spec.containers[0].image`).
    path: String,
    /// The pointer's segments, for walking the schema.
    segments: Vec<String>,
    complete: bool,
}

fn locate(doc: &Document<'_>, root: NodeId, pointer: &str) -> Located {
    let mut loc = Located {
        node: root,
        key: None,
        path: String::new(),
        segments: Vec::new(),
        complete: true,
    };
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        let next = if doc.is_seq(loc.node) {
            seg.parse::<usize>()
                .ok()
                .and_then(|i| doc.items(loc.node).nth(i))
                .map(|n| (None, n))
        } else {
            doc.entry(loc.node, &seg).map(|(k, v)| (Some(k), v))
        };
        match next {
            Some((key, node)) => {
                if key.is_some() {
                    if !loc.path.is_empty() {
                        loc.path.push('.');
                    }
                    loc.path.push_str(&seg);
                } else {
                    loc.path.push_str(&format!("[{seg}]"));
                }
                loc.node = node;
                loc.key = key;
                loc.segments.push(seg);
            }
            None => {
                loc.complete = false;
                break;
            }
        }
    }
    loc
}

/// Validate the object at `root`; None when the schema turns out not to
/// compile (the object is then as good as without a schema).
pub fn check(
    compiled: &Compiled,
    doc: &Document<'_>,
    root: NodeId,
    kind: &str,
) -> Option<Vec<Problem>> {
    if compiled.certainly_valid(doc, root) {
        return Some(Vec::new());
    }
    let validator = compiled.validator()?;
    let mut instance = doc.to_json(root);
    if let Some(root) = compiled.crd_root() {
        super::crd::prepare(&mut instance, root);
    }
    if validator.is_valid(&instance) {
        return Some(Vec::new());
    }
    let cx = Context {
        compiled,
        doc,
        root,
        kind,
    };
    let mut out = Vec::new();
    for e in validator.iter_errors(&instance) {
        cx.classify(&e, &mut out);
    }
    out.sort_by(|a, b| (a.span, a.kind, &a.message).cmp(&(b.span, b.kind, &b.message)));
    out.dedup_by(|a, b| a.span == b.span && a.kind == b.kind && a.message == b.message);
    Some(out)
}

struct Context<'a, 'd> {
    compiled: &'a Compiled,
    doc: &'a Document<'d>,
    root: NodeId,
    kind: &'a str,
}

impl Context<'_, '_> {
    fn classify(&self, e: &ValidationError<'_>, out: &mut Vec<Problem>) {
        let doc = self.doc;
        let pointer = e.instance_path().as_str().to_string();
        // Status is written by controllers and dropped on create.
        if pointer == "/status" || pointer.starts_with("/status/") {
            return;
        }
        let loc = locate(doc, self.root, &pointer);
        if !loc.complete || doc.text(loc.node).is_some_and(is_placeholder) {
            return;
        }
        let at = self.at(&loc);
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                let (type_name, known) = self.schema_fields(&loc.segments);
                for name in unexpected {
                    let Some((k, v)) = doc.entry(loc.node, name) else {
                        continue;
                    };
                    if name.contains("{{") || name.contains("${") {
                        continue;
                    }
                    let of = match &type_name {
                        Some(t) => format!("{t}{at}"),
                        None if loc.path.is_empty() => format!("{} objects", self.kind),
                        None => format!("`{}`", loc.path),
                    };
                    let mut help = match suggest(name, &known) {
                        Some(s) => {
                            format!("Did you mean `{s}`? Fix the spelling, or remove `{name}`")
                        }
                        None => format!("Remove `{name}`, or move it to where it belongs"),
                    };
                    if let Some(explain) = self.explain(&loc.segments) {
                        help.push_str(&format!("; `{explain}` lists the fields"));
                    }
                    out.push(Problem {
                        kind: ProblemKind::UnknownField,
                        node: v,
                        span: doc.span(k),
                        message: format!(
                            "`{name}` is not a field of {of}: the API server's strict field validation (kubectl's default) rejects the object, and where validation is off the field is silently dropped"
                        ),
                        help,
                    });
                }
            }
            ValidationErrorKind::Type { kind } => {
                let expected = type_names(kind);
                // `containerPort: PORT`: a name to substitute, not a value.
                if !expected.contains(&"string") && doc.str(loc.node).is_some_and(is_variable_name)
                {
                    return;
                }
                out.push(self.type_problem(&loc, &expected));
            }
            ValidationErrorKind::Required { property } => {
                let Some(name) = property.as_str() else {
                    return;
                };
                if doc
                    .entries(loc.node)
                    .any(|(k, _)| doc.text(k).is_some_and(|t| t.contains("{{")))
                {
                    return;
                }
                let (type_name, _) = self.schema_fields(&loc.segments);
                let span = match loc.key {
                    Some(k) => doc.span(k),
                    None if loc.node == self.root => doc
                        .entry(self.root, "kind")
                        .map(|(k, v)| doc.entry_span(k, v))
                        .unwrap_or_else(|| doc.span(self.root)),
                    None => doc.span(loc.node),
                };
                let whose = match (&type_name, loc.path.is_empty()) {
                    (_, true) => format!("a {}", self.kind),
                    (Some(t), false) => format!("{t} `{}`", loc.path),
                    (None, false) => format!("`{}`", loc.path),
                };
                out.push(Problem {
                    kind: ProblemKind::MissingRequired,
                    node: loc.node,
                    span,
                    message: format!(
                        "`{name}` is required in {whose} but is missing: the API server rejects the object"
                    ),
                    help: format!("Add `{name}` here"),
                });
            }
            ValidationErrorKind::Enum { options } => {
                let allowed = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter(|v| !v.is_null())
                            .map(|v| format!("`{}`", display(v)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                let shown = self.shown(loc.node);
                out.push(Problem {
                    kind: ProblemKind::InvalidEnum,
                    node: loc.node,
                    span: self.value_span(&loc),
                    message: format!(
                        "{shown} is not an allowed value of `{}` (one of {allowed}): the API server rejects the object",
                        self.field(&loc)
                    ),
                    help: format!("Use one of {allowed}"),
                });
            }
            ValidationErrorKind::Constant { expected_value } => {
                let shown = self.shown(loc.node);
                out.push(Problem {
                    kind: ProblemKind::InvalidEnum,
                    node: loc.node,
                    span: self.value_span(&loc),
                    message: format!(
                        "{shown} is not allowed for `{}`: it must be `{}`",
                        self.field(&loc),
                        display(expected_value)
                    ),
                    help: format!("Set it to `{}`", display(expected_value)),
                });
            }
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                self.collapse(&loc, &pointer, context, out);
            }
            ValidationErrorKind::OneOfMultipleValid { .. } => {
                out.push(Problem {
                    kind: ProblemKind::InvalidValue,
                    node: loc.node,
                    span: self.value_span(&loc),
                    message: format!(
                        "`{}` matches more than one of the forms its schema allows, and must match exactly one",
                        self.field(&loc)
                    ),
                    help: "Keep only the fields of one form".to_string(),
                });
            }
            ValidationErrorKind::Referencing(_)
            | ValidationErrorKind::BacktrackLimitExceeded { .. }
            | ValidationErrorKind::RegexEngineFailure { .. } => {}
            _ => {
                let field = self.field(&loc);
                out.push(Problem {
                    kind: ProblemKind::InvalidValue,
                    node: loc.node,
                    span: self.value_span(&loc),
                    message: format!(
                        "`{field}` is invalid: {}; the API server rejects the object",
                        constraint(e)
                    ),
                    help: format!(
                        "Change `{field}` to satisfy its schema{}",
                        self.origin_hint()
                    ),
                });
            }
        }
    }

    /// One problem for a failed `anyOf`/`oneOf`.
    fn collapse(
        &self,
        loc: &Located,
        pointer: &str,
        branches: &[Vec<ValidationError<'static>>],
        out: &mut Vec<Problem>,
    ) {
        // A branch whose errors are all deeper than this node accepted the
        // value's shape: its errors are the real problems.
        let deeper = |b: &Vec<ValidationError<'static>>| {
            !b.is_empty()
                && b.iter().all(|e| {
                    let p = e.instance_path().as_str();
                    p.len() > pointer.len() && p.starts_with(pointer)
                })
        };
        if let Some(best) = branches
            .iter()
            .filter(|b| deeper(b))
            .min_by_key(|b| b.len())
        {
            for e in best {
                self.classify(e, out);
            }
            return;
        }
        let all_types = branches.iter().flatten().all(|e| {
            matches!(e.kind(), ValidationErrorKind::Type { .. })
                && e.instance_path().as_str() == pointer
        });
        if all_types {
            let mut expected: Vec<&'static str> = Vec::new();
            for e in branches.iter().flatten() {
                if let ValidationErrorKind::Type { kind } = e.kind() {
                    for t in type_names(kind) {
                        if !expected.contains(&t) {
                            expected.push(t);
                        }
                    }
                }
            }
            out.push(self.type_problem(loc, &expected));
            return;
        }
        let field = self.field(loc);
        let reasons: Vec<String> = branches
            .iter()
            .filter_map(|b| b.first())
            .map(constraint)
            .collect();
        out.push(Problem {
            kind: ProblemKind::InvalidValue,
            node: loc.node,
            span: self.value_span(loc),
            message: format!(
                "`{field}` matches none of the forms its schema allows ({}): the API server rejects the object",
                reasons.join("; or ")
            ),
            help: format!("Rewrite `{field}` in one of the allowed forms{}", self.origin_hint()),
        });
    }

    fn type_problem(&self, loc: &Located, expected: &[&'static str]) -> Problem {
        let doc = self.doc;
        let want = expected
            .iter()
            .filter(|t| **t != "null")
            .map(|t| article_type(t))
            .collect::<Vec<_>>()
            .join(" or ");
        let field = self.field(loc);
        let wants_string = expected.contains(&"string");
        let (found, help) = match (doc.scalar(loc.node), doc.value(loc.node)) {
            (Some((text, ScalarStyle::Plain)), Some(Y::Bool(b))) if wants_string => (
                if matches!(text, "true" | "false") {
                    format!("`{text}` is a boolean")
                } else {
                    format!("`{text}` is read as the boolean `{b}` by Kubernetes' YAML 1.1 decoder (YAML 1.2 tools show the string \"{text}\")")
                },
                format!("Quote the value: \"{text}\""),
            ),
            (Some((text, ScalarStyle::Plain)), Some(Y::Int(_) | Y::Float(_))) if wants_string => (
                format!("`{text}` is read as a number"),
                format!("Quote the value: \"{text}\""),
            ),
            (Some((text, style)), Some(Y::Str(_)))
                if style.is_quoted()
                    && expected.iter().any(|t| {
                        let v = crate::yaml::resolve(text, ScalarStyle::Plain, None);
                        matches!(
                            (*t, v),
                            ("integer", Y::Int(_))
                                | ("number", Y::Int(_) | Y::Float(_))
                                | ("boolean", Y::Bool(_))
                        )
                    }) =>
            {
                (
                    format!("`\"{text}\"` is a quoted string"),
                    format!("Remove the quotes: {text}"),
                )
            }
            (Some(_), Some(v)) => (
                match v {
                    Y::Null => "it is empty (null)".to_string(),
                    Y::Bool(b) => format!("`{b}` is a boolean"),
                    Y::Int(_) | Y::Float(_) => {
                        format!("`{}` is a number", doc.text(loc.node).unwrap_or_default())
                    }
                    Y::Str(s) => format!("`{}` is a string", shorten(s)),
                },
                format!("Write {want} here"),
            ),
            _ if doc.is_map(loc.node) => (
                "it is a mapping".to_string(),
                if expected.contains(&"array") {
                    "Write it as a list: put `- ` before each item".to_string()
                } else {
                    format!("Write {want} here")
                },
            ),
            _ if doc.is_seq(loc.node) => (
                "it is a list".to_string(),
                if expected.contains(&"object") {
                    "Write it as a mapping of fields, without `- `".to_string()
                } else {
                    format!("Write {want} here")
                },
            ),
            _ => (
                "it has another type".to_string(),
                format!("Write {want} here"),
            ),
        };
        Problem {
            kind: ProblemKind::InvalidType,
            node: loc.node,
            span: self.value_span(loc),
            message: format!(
                "`{field}` must be {want}, but {found}: the API server rejects the object"
            ),
            help,
        }
    }

    /// Key and value of a mapping entry, or the item itself.
    fn value_span(&self, loc: &Located) -> Span {
        match loc.key {
            Some(k) => self.doc.entry_span(k, loc.node),
            None => self.doc.span(loc.node),
        }
    }

    fn field(&self, loc: &Located) -> String {
        if loc.path.is_empty() {
            self.kind.to_string()
        } else {
            loc.path.clone()
        }
    }

    fn at(&self, loc: &Located) -> String {
        if loc.path.is_empty() {
            String::new()
        } else {
            format!(" (`{}`)", loc.path)
        }
    }

    fn shown(&self, node: NodeId) -> String {
        match self.doc.text(node) {
            Some(t) => format!("`{}`", shorten(t)),
            None => "this value".to_string(),
        }
    }

    fn origin_hint(&self) -> String {
        match &self.compiled.origin {
            super::Origin::Crd => " (see the CustomResourceDefinition's openAPIV3Schema)".into(),
            super::Origin::User(p) => format!(" (see {})", p.display()),
            super::Origin::Builtin => String::new(),
        }
    }

    /// `kubectl explain kind.path` for built-in kinds.
    fn explain(&self, segments: &[String]) -> Option<String> {
        if self.compiled.origin != super::Origin::Builtin {
            return None;
        }
        let mut s = self.kind.to_ascii_lowercase();
        for seg in segments {
            if seg.parse::<usize>().is_err() {
                s.push('.');
                s.push_str(seg);
            }
        }
        Some(format!("kubectl explain {s}"))
    }

    /// The type name (last segment of the definition) and field names of
    /// the schema at an instance path, following `$ref`s.
    fn schema_fields(&self, segments: &[String]) -> (Option<String>, Vec<String>) {
        let Some(schema) = self.compiled.document() else {
            return (None, Vec::new());
        };
        let mut name: Option<String> = None;
        let mut node = resolve(schema, schema, &mut name);
        for seg in segments {
            let next = node
                .and_then(|n| n.get("properties"))
                .and_then(|p| p.get(seg))
                .or_else(|| {
                    seg.parse::<usize>()
                        .ok()
                        .and(node.and_then(|n| n.get("items")))
                })
                .or_else(|| {
                    node.and_then(|n| n.get("additionalProperties"))
                        .filter(|a| a.is_object())
                });
            name = None;
            node = next.and_then(|n| resolve(schema, n, &mut name));
        }
        let known = node
            .and_then(|n| n.get("properties"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let name = name.map(|n| n.rsplit('.').next().unwrap_or(&n).to_string());
        (name, known)
    }
}

/// Follow `$ref`s (to `#/$defs/…` of the same document) while the node
/// has no `properties` of its own.
fn resolve<'v>(
    doc: &'v Value,
    mut node: &'v Value,
    name: &mut Option<String>,
) -> Option<&'v Value> {
    for _ in 0..32 {
        if node.get("properties").is_some() {
            return Some(node);
        }
        let Some(r) = node.get("$ref").and_then(Value::as_str) else {
            return Some(node);
        };
        let def = r.strip_prefix("#/$defs/")?;
        *name = Some(def.to_string());
        node = doc.get("$defs")?.get(def)?;
    }
    Some(node)
}

/// Text still to be substituted: `{{ … }}`, `${VAR}`, `<endpoint>`,
/// `{CONTROLLER_NAME}`.
pub fn is_placeholder(t: &str) -> bool {
    let t = t.trim();
    t.contains("{{")
        || t.contains("${")
        || (t.starts_with('<') && t.ends_with('>') && t.len() > 2)
        || (t.starts_with('{')
            && t.ends_with('}')
            && t.len() > 2
            && is_variable_name(&t[1..t.len() - 1]))
}

/// `PORT`, `REPLICA_COUNT`: an upper-case name where a number is expected.
fn is_variable_name(t: &str) -> bool {
    t.len() >= 2
        && t.starts_with(|c: char| c.is_ascii_uppercase())
        && t.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The closest field name, if close enough to be a typo.
fn suggest<'k>(name: &str, known: &'k [String]) -> Option<&'k str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let d = if k.to_ascii_lowercase() == lower {
            0
        } else {
            crate::rules::edit_distance(name, k)
        };
        let limit = (name.len().max(k.len()) / 4).clamp(1, 3);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

fn type_names(kind: &TypeKind) -> Vec<&'static str> {
    match kind {
        TypeKind::Single(t) => vec![json_type(*t)],
        TypeKind::Multiple(set) => set.iter().map(json_type).collect(),
    }
}

fn json_type(t: JsonType) -> &'static str {
    match t {
        JsonType::Null => "null",
        JsonType::Boolean => "boolean",
        JsonType::Integer => "integer",
        JsonType::Number => "number",
        JsonType::String => "string",
        JsonType::Array => "array",
        JsonType::Object => "object",
    }
}

fn article_type(t: &str) -> &'static str {
    match t {
        "boolean" => "a boolean (true or false)",
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "array" => "a list",
        "object" => "a mapping",
        _ => "null",
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn shorten(s: &str) -> String {
    let first = s.lines().next().unwrap_or("");
    if first.chars().count() > 60 || first.len() < s.len() {
        format!("{}…", first.chars().take(60).collect::<String>())
    } else {
        first.to_string()
    }
}

/// A constraint failure in words.
fn constraint(e: &ValidationError<'_>) -> String {
    match e.kind() {
        ValidationErrorKind::Minimum { limit } => format!("it must be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("it must be at most {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("it must be greater than {limit}")
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("it must be less than {limit}"),
        ValidationErrorKind::MinLength { limit } => {
            format!("it must be at least {limit} characters long")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("it must be at most {limit} characters long")
        }
        ValidationErrorKind::MinItems { limit } => format!("it needs at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("it allows at most {limit} items"),
        ValidationErrorKind::MinProperties { limit } => {
            format!("it needs at least {limit} fields")
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("it allows at most {limit} fields")
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("it must match the pattern `{pattern}`")
        }
        ValidationErrorKind::UniqueItems => "its items must be unique".to_string(),
        ValidationErrorKind::MultipleOf { multiple_of } => {
            format!("it must be a multiple of {multiple_of}")
        }
        ValidationErrorKind::Type { kind } => {
            let t: Vec<&str> = type_names(kind)
                .into_iter()
                .filter(|t| *t != "null")
                .map(article_type)
                .collect();
            format!("it must be {}", t.join(" or "))
        }
        ValidationErrorKind::Required { property } => {
            format!("`{}` is required", display(property))
        }
        ValidationErrorKind::Enum { options } => format!("it must be one of {options}"),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            format!("`{}` is not allowed", unexpected.join("`, `"))
        }
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{objects_of, DocumentContent};
    use crate::schema::Registry;
    use crate::yaml::{load, LoadLimits};

    /// (kind, line, text under the span) of every problem.
    fn problems(text: &str) -> Vec<(ProblemKind, usize, String)> {
        let reg = Registry::builtin(crate::schema::newest());
        let loaded = load(text, &LoadLimits::default());
        let mut out = Vec::new();
        for doc in &loaded.documents {
            let DocumentContent::Objects(objs) = objects_of(doc, "default") else {
                continue;
            };
            for o in objs {
                let c = reg.lookup(o.api_version, o.kind).expect("schema");
                for p in check(&c, doc, o.node, o.kind).expect("compiles") {
                    let line = text[..p.span.start as usize].lines().count()
                        + usize::from(text[..p.span.start as usize].ends_with('\n'));
                    let under = text[p.span.start as usize..p.span.end as usize].to_string();
                    out.push((p.kind, line, under));
                }
            }
        }
        out
    }

    #[test]
    fn spans_of_nested_list_items() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: a
          image: a:1
        - name: b
          image: b:1
          ports:
            - containerPort: 80
            - containerPort: \"x\"
              hostPort: 8080
              protocl: TCP
          env:
            - name: A
            - valueFrom: {}
";
        assert_eq!(
            problems(text),
            vec![
                (
                    ProblemKind::InvalidType,
                    19,
                    "containerPort: \"x\"".to_string()
                ),
                (ProblemKind::UnknownField, 21, "protocl".to_string()),
                (
                    ProblemKind::MissingRequired,
                    24,
                    "valueFrom: {}".to_string()
                ),
            ]
        );
    }

    #[test]
    fn list_items_and_yaml11_typing() {
        let text = "\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
    data: {port: 8080}
  - apiVersion: v1
    kind: Service
    metadata: {name: b}
    spec:
      ports:
        - port: 80
          targetPort: http
        - port: 81
          targetPort: 8081
      sessionAffinity: off
";
        let p = problems(text);
        assert_eq!(
            p,
            vec![
                (ProblemKind::InvalidType, 7, "port: 8080".to_string()),
                (
                    ProblemKind::InvalidType,
                    17,
                    "sessionAffinity: off".to_string()
                ),
            ],
            "{p:?}"
        );
    }
}
