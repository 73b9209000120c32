//! Where a node of the normalized document came from in the original text, so that a diagnostic
//! about a rewritten 3.1 construct still names the line the author wrote.

use std::collections::BTreeMap;

/// Pointers of the normalized document whose node came from elsewhere, each with the pointer it
/// had in the original: a moved subtree (a path item taken from `components/pathItems`, a schema
/// hoisted out of `$defs`) or a node the normalization made from another (`oneOf/1` split out of
/// a `type` list, `enum` from `const`). Everything under such a pointer moved with it.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    moved: BTreeMap<String, String>,
}

/// Moves are recorded as they happen and may build on each other (a hoisted schema whose
/// `$ref` is then wrapped); following more than this many is a cycle, which no walk records.
const MAX_HOPS: usize = 32;

impl Origins {
    /// Records that the node now at `now` was at `was` (both in the document as it stood when
    /// the move was made).
    pub(super) fn record(&mut self, now: String, was: String) {
        if now != was {
            self.moved.insert(now, was);
        }
    }

    /// The pointer in the original text of the node at `pointer` in the normalized document.
    pub fn original(&self, pointer: &str) -> String {
        let mut pointer = pointer.to_string();
        for _ in 0..MAX_HOPS {
            let Some((now, was)) = self.longest_prefix(&pointer) else { break };
            pointer = format!("{was}{}", &pointer[now.len()..]);
        }
        pointer
    }

    /// The recorded move whose pointer is `pointer` or its nearest ancestor.
    fn longest_prefix(&self, pointer: &str) -> Option<(&str, &str)> {
        let mut end = pointer.len();
        loop {
            let candidate = &pointer[..end];
            if let Some((now, was)) = self.moved.get_key_value(candidate) {
                return Some((now, was));
            }
            end = candidate.rfind('/')?;
            if end == 0 {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_nearest_move_then_the_moves_before_it() {
        let mut origins = Origins::default();
        origins.record("/components/schemas/Bar".into(), "/components/schemas/Foo/$defs/Bar".into());
        origins.record("/components/schemas/Bar/properties/x/allOf/0".into(), "/components/schemas/Bar/properties/x".into());
        assert_eq!(
            origins.original("/components/schemas/Bar/properties/x/allOf/0/$ref"),
            "/components/schemas/Foo/$defs/Bar/properties/x/$ref"
        );
        assert_eq!(origins.original("/components/schemas/Barn"), "/components/schemas/Barn");
        assert_eq!(origins.original("/paths"), "/paths");
    }
}
