//! The loader on arbitrary text: no panic, spans inside the text and on
//! character boundaries, bounded work.
#![no_main]

use kubelint::yaml::{load, LoadLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = load(text, &LoadLimits::default());
    for doc in &loaded.documents {
        let mut stack = vec![doc.root];
        let mut seen = 0usize;
        while let Some(n) = stack.pop() {
            seen += 1;
            assert!(
                seen <= doc.node_count() * 2 + 2,
                "traversal bounded by the tree"
            );
            let s = doc.span(n);
            assert!(s.start <= s.end && (s.end as usize) <= text.len());
            assert!(
                text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize)
            );
            if doc.get(n).span == s {
                for (k, v) in doc.entries(n) {
                    stack.push(k);
                    stack.push(v);
                }
                stack.extend(doc.items(n));
            }
        }
    }
    if let Some(e) = loaded.error {
        assert!((e.offset as usize) <= text.len());
    }
});
