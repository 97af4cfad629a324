//! The JSON Schema keywords `resourceMinimum` and `resourceMaximum`: bounds
//! on Kubernetes quantities (`100m`, `6Gi`), compared by value, so that
//! `1Gi` exceeds `1000Mi`. The same keywords Polaris custom checks use,
//! so such checks import unchanged.

use crate::model::quantity::Quantity;
use jsonschema::paths::Location;
use jsonschema::{Keyword, ValidationError};
use serde_json::{Map, Value};

struct Bound {
    limit: Quantity,
    minimum: bool,
}

/// A quantity as JSON: a string, or a number (`cpu: 2`).
fn quantity_of(v: &Value) -> Option<Result<Quantity, String>> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(Quantity::parse(&text).map_err(|e| format!("is not a Kubernetes quantity ({e})")))
}

impl Bound {
    fn error(&self, instance: &Value) -> Option<String> {
        let q = match quantity_of(instance)? {
            Ok(q) => q,
            Err(e) => return Some(e),
        };
        if self.minimum && q < self.limit {
            Some(format!(
                "is less than the minimum `{}`",
                self.limit.as_str()
            ))
        } else if !self.minimum && q > self.limit {
            Some(format!(
                "is more than the maximum `{}`",
                self.limit.as_str()
            ))
        } else {
            None
        }
    }
}

impl<'i> Keyword<'i> for Bound {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match self.error(instance) {
            None => Ok(()),
            Some(m) => Err(ValidationError::custom(m)),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        self.error(instance).is_none()
    }
}

type Built<'a> = Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>>;

fn bound(value: &Value, minimum: bool) -> Built<'static> {
    let name = if minimum {
        "resourceMinimum"
    } else {
        "resourceMaximum"
    };
    match quantity_of(value) {
        Some(Ok(limit)) => Ok(Box::new(Bound { limit, minimum })),
        _ => Err(ValidationError::schema(format!(
            "`{name}` must be a Kubernetes quantity such as `100m` or `1Gi`"
        ))),
    }
}

pub fn minimum<'a>(_: &'a Map<String, Value>, value: &'a Value, _: Location) -> Built<'a> {
    bound(value, true)
}

pub fn maximum<'a>(_: &'a Map<String, Value>, value: &'a Value, _: Location) -> Built<'a> {
    bound(value, false)
}
