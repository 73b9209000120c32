//! Where a JSON pointer's node is written in the spec text (line and column), for diagnostics:
//! read off the text's YAML events, so every style of YAML and JSON is covered.

use super::syntax;
use crate::diagnostics::pointer_push;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

/// Finds the line and column of the node at `pointer`; see [`locate_all`].
pub fn locate(text: &str, pointer: &str) -> Option<(usize, usize)> {
    locate_all(text, &[pointer]).pop().flatten()
}

/// Like [`locate_all`], but a pointer that names nothing in the text (a node the reading of a
/// 3.1 description made) is placed at its nearest ancestor that does, short of the root.
pub fn locate_nearest(text: &str, pointers: &[&str]) -> Vec<Option<(usize, usize)>> {
    let mut candidates: Vec<&str> = Vec::new();
    let mut spans = Vec::with_capacity(pointers.len());
    for pointer in pointers {
        let start = candidates.len();
        let mut p = *pointer;
        candidates.push(p);
        while let Some(end) = p.rfind('/').filter(|end| *end > 0) {
            p = &p[..end];
            candidates.push(p);
        }
        spans.push(start..candidates.len());
    }
    let places = locate_all(text, &candidates);
    spans.into_iter().map(|span| places.get(span).and_then(|found| found.iter().flatten().next().copied())).collect()
}

/// A pointer token no escaped pointer contains (`~` is always followed by 0 or 1 there): stands
/// for a mapping key that is not a scalar, which no diagnostic can name.
pub(super) const UNNAMEABLE: &str = "~complex";

enum Frame {
    /// `pending`: the pointers (by index) located at this mapping, once its first key is seen.
    Map {
        key: Option<(String, Marker)>,
        pending: Vec<usize>,
        start: Marker,
    },
    Seq {
        next: usize,
    },
    /// Inside a mapping key that is itself a collection; `depth` counts its open collections.
    ComplexKey {
        depth: usize,
    },
}

/// Finds the 1-based line and column of the node at each JSON pointer, in one pass over the
/// text's YAML events, so block and flow YAML and JSON (minified or not) are all covered. A
/// mapping member is located at its key, a sequence item at the item itself, the root at 1:1.
/// None where the pointer names nothing in the text or the text stops parsing before it. The
/// parser is a state machine, so nesting depth costs heap, not stack.
pub fn locate_all(text: &str, pointers: &[&str]) -> Vec<Option<(usize, usize)>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = syntax::for_locating(text);
    let text = text.as_ref();
    let mut found: Vec<Option<(usize, usize)>> = vec![None; pointers.len()];
    let mut wanted: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pointers.iter().enumerate() {
        if p.is_empty() {
            if let Some(slot) = found.get_mut(i) {
                *slot = Some((1, 1));
            }
        } else {
            wanted.entry(p).or_default().push(i);
        }
    }
    let mut remaining = wanted.len();
    let mut parser = Parser::new_from_str(text);
    let mut frames: Vec<Frame> = Vec::new();
    // The pointer of the current node, and its length before each token was pushed.
    let mut current = String::new();
    let mut lengths: Vec<usize> = Vec::new();
    while remaining > 0 {
        let Ok((event, mark)) = parser.next_token() else { break };
        let starts = matches!(event, Event::Scalar(..) | Event::Alias(_) | Event::MappingStart(..) | Event::SequenceStart(..));
        let opens = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
        let closes = matches!(event, Event::MappingEnd | Event::SequenceEnd);
        if matches!(event, Event::StreamEnd | Event::DocumentEnd) {
            break;
        }
        if let Some(Frame::ComplexKey { depth }) = frames.last_mut() {
            if opens {
                *depth += 1;
            } else if closes {
                *depth -= 1;
                if *depth == 0 {
                    frames.pop();
                    if let Some(Frame::Map { key, .. }) = frames.last_mut() {
                        *key = Some((UNNAMEABLE.to_string(), mark));
                    }
                }
            }
            continue;
        }
        if closes {
            // An empty mapping never showed a key: place what waited for one at its start.
            if let Some(Frame::Map { pending, start, .. }) = frames.last_mut() {
                if !pending.is_empty() {
                    remaining -= 1;
                }
                for i in pending.drain(..) {
                    if let Some(slot) = found.get_mut(i) {
                        *slot = Some((start.line(), start.col() + 1));
                    }
                }
            }
            frames.pop();
            // The collection was a value: its parent's token comes off the pointer.
            if !frames.is_empty() {
                if let Some(len) = lengths.pop() {
                    current.truncate(len);
                }
            }
            continue;
        }
        if !starts {
            continue;
        }
        // A new node: either a mapping key, or a value under the top frame (or the root).
        let located_at = match frames.last_mut() {
            None => None,
            Some(Frame::Map { key, pending, .. }) => match key.take() {
                None => {
                    // A block mapping's start event is marked after its first key; the key itself is
                    // where a reader looks for a sequence item that is a mapping.
                    if !pending.is_empty() {
                        remaining -= 1;
                    }
                    for i in pending.drain(..) {
                        if let Some(slot) = found.get_mut(i) {
                            *slot = Some((mark.line(), mark.col() + 1));
                        }
                    }
                    match &event {
                        Event::Scalar(value, ..) => *key = Some((value.clone(), mark)),
                        Event::Alias(_) => *key = Some((UNNAMEABLE.to_string(), mark)),
                        _ => frames.push(Frame::ComplexKey { depth: 1 }),
                    }
                    continue;
                }
                Some((name, key_mark)) => {
                    lengths.push(current.len());
                    current = pointer_push(&current, &name);
                    Some(key_mark)
                }
            },
            Some(Frame::Seq { next }) => {
                lengths.push(current.len());
                current = pointer_push(&current, &next.to_string());
                *next += 1;
                Some(mark)
            }
            Some(Frame::ComplexKey { .. }) => None,
        };
        let mut pending = Vec::new();
        if let Some(at) = located_at {
            if let Some(indices) = wanted.remove(current.as_str()) {
                remaining -= 1;
                let in_sequence = matches!(frames.last(), Some(Frame::Seq { .. }));
                if in_sequence && matches!(event, Event::MappingStart(..)) {
                    pending = indices;
                    // Keep parsing until the mapping's first key places them.
                    remaining += 1;
                } else {
                    for i in indices {
                        if let Some(slot) = found.get_mut(i) {
                            *slot = Some((at.line(), at.col() + 1));
                        }
                    }
                }
            }
        }
        match event {
            Event::MappingStart(..) => frames.push(Frame::Map { key: None, pending, start: mark }),
            Event::SequenceStart(..) => frames.push(Frame::Seq { next: 0 }),
            _ => {
                if located_at.is_some() {
                    if let Some(len) = lengths.pop() {
                        current.truncate(len);
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_yaml_nodes() {
        let text =
            "openapi: 3.0.1\npaths:\n  /a:\n    get:\n      parameters:\n        - name: x\n        - name: y\n          in: query\n";
        assert_eq!(locate(text, "/paths/~1a/get"), Some((4, 5)));
        assert_eq!(locate(text, "/paths/~1a/get/parameters/1/in"), Some((8, 11)));
        // A sequence item that is a block mapping is placed at its first key, after the dash.
        assert_eq!(locate(text, "/paths/~1a/get/parameters/1"), Some((7, 11)));
        assert_eq!(locate("a:\n  - {}\n  - []\n", "/a/0"), Some((2, 5)));
        assert_eq!(locate(text, "/nope"), None);
    }

    #[test]
    fn locates_direct_children_not_deeper_namesakes() {
        let text = "a:\n  b:\n    id: 1\n  id: 2\n";
        assert_eq!(locate(text, "/a/id"), Some((4, 3)));
        assert_eq!(locate(text, "/a/b/id"), Some((3, 5)));
    }

    #[test]
    fn locates_in_indentless_sequences_flow_style_and_json() {
        let text = "required:\n- a\n- b\nflow: {x: [1, {y: 2}]}\n";
        assert_eq!(locate(text, "/required/1"), Some((3, 3)));
        assert_eq!(locate(text, "/flow/x/1/y"), Some((4, 16)));
        let json = r#"{"paths": {"/a": {"get": {"operationId": "x"}}}}"#;
        assert_eq!(locate(json, "/paths/~1a/get/operationId"), Some((1, 27)));
        let pretty = "{\n  \"a~b\": {\n    \"c/d\": true\n  }\n}\n";
        assert_eq!(locate(pretty, "/a~0b/c~1d"), Some((3, 5)));
    }

    #[test]
    fn locates_many_at_once_and_survives_deep_nesting() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(locate(&deep, "/0/0/0"), Some((1, 4)));
        // Past the parser's flow-nesting limit (255) the position is simply unknown.
        let deeper = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(locate(&deeper, "/0/0/0"), None);
        let text = "k:\n  - x\n  - y\n";
        assert_eq!(locate_all(text, &["/k/1", "", "/k/0", "/k/1"]), vec![Some((3, 5)), Some((1, 1)), Some((2, 5)), Some((3, 5))]);
    }
}
