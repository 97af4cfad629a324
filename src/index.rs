//! The compact cross-object index, built after every file's per-object
//! phase. It holds what cross-object rules need — identities, locations of
//! names — not the documents, so memory stays proportional to
//! the number of objects rather than to the input text.

use crate::finding::ObjectRef;
use crate::source::Location;
use std::sync::Arc;

/// One object as the cross-object rules see it.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub file: Arc<str>,
    pub reference: Arc<ObjectRef>,
    /// Where `metadata.name` (or the object) is written.
    pub name_location: Location,
}

#[derive(Debug, Default)]
pub struct Index {
    /// Every object of the input, sorted by (file, location).
    pub objects: Vec<ObjectEntry>,
}

impl Index {
    pub fn new(mut objects: Vec<ObjectEntry>) -> Index {
        objects.sort_by(|a, b| (&a.file, a.name_location).cmp(&(&b.file, b.name_location)));
        Index { objects }
    }
}
