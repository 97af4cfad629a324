//! Category `affinity`.

use super::Rule;

pub(super) static RULES: &[&dyn Rule] = &[];
