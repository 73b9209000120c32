//! One pass over a description's YAML events: the byte span of every block `slice` may copy
//! (top-level keys, path items and their operations, component entries, top-level tags), the
//! `$ref`s inside each, and what the selectors read (operationId, tags, security names).
//!
//! Spans come from yaml-rust2's event markers, not from guessing indentation: a block starts at
//! the start of its key's line and ends where the next sibling's line starts (or where the
//! parser closes the parent), so any block-style YAML is cut where its structure says. Flow
//! style (and so JSON) at the levels that are cut has no such lines, and is refused.

use super::Problem;
use std::ops::Range;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

/// The HTTP methods an OpenAPI 3.0 path item may hold as operations.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A `$ref` found in a block: its target as written, and where.
#[derive(Debug, Clone)]
pub struct Ref {
    pub target: String,
    pub line: usize,
    /// The JSON pointer of the `$ref` member, `#/...`.
    pub pointer: String,
}

/// What the selectors and the security closure read from an operation.
#[derive(Debug, Default, Clone)]
pub struct OpInfo {
    pub operation_id: Option<(String, usize)>,
    pub tags: Vec<String>,
    /// Security scheme names this operation's own `security` requires, with their lines.
    pub security: Vec<(String, usize)>,
}

/// A block copied as it is: a key (or a tag's name) with its value, and the refs inside it.
#[derive(Debug, Clone)]
pub struct Block {
    pub key: String,
    pub line: usize,
    pub span: Range<usize>,
    pub refs: Vec<Ref>,
    /// Set for the method keys of a path item.
    pub op: Option<OpInfo>,
}

/// A block whose children are cut one by one (a path item, a component section): the text of
/// its own key line(s), and its children.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    pub line: usize,
    pub head: Range<usize>,
    pub children: Vec<Block>,
}

/// One source, indexed.
#[derive(Debug, Default)]
pub struct Index {
    pub text: String,
    /// Top-level blocks in order (including `paths`, `components` and `tags`, whose heads and
    /// children are also below).
    pub top: Vec<Block>,
    pub paths_head: Option<Range<usize>>,
    pub paths: Vec<Group>,
    pub components_head: Option<Range<usize>>,
    pub sections: Vec<Group>,
    pub tags_head: Option<Range<usize>>,
    /// The items of the top-level `tags` list, keyed by their `name`.
    pub tags: Vec<Block>,
    /// Scheme names the top-level `security` requires, with their lines.
    pub security: Vec<(String, usize)>,
}

impl Index {
    pub fn slice(&self, span: &Range<usize>) -> &str {
        self.text.get(span.clone()).unwrap_or("")
    }
}

/// A child being read: where its key was, and (if its value is itself cut) its container.
struct Child {
    key: String,
    line: usize,
    start: usize,
    refs: Vec<Ref>,
    op: Option<OpInfo>,
    container: Option<usize>,
}

/// A mapping (or the `tags` list) whose children become blocks.
struct Container {
    pointer: Vec<String>,
    flow: bool,
    children: Vec<Child>,
    end: usize,
}

enum Frame {
    Map { key: Option<String>, container: Option<usize> },
    Seq { next: usize, container: Option<usize> },
}

/// Reads `text` (one YAML document, block style where it is cut) into an [`Index`]; `file`
/// names it in problems.
pub fn index_source(file: &str, text: String) -> Result<Index, Problem> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let offset = text.len() - body.len();
    let containers = walk_events(file, body)?;
    let mut index = build_index(&containers, offset);
    index.text = text;
    Ok(index)
}

/// The event walk: containers with their children's starts and ends, byte offsets into `text`.
fn walk_events(file: &str, text: &str) -> Result<Vec<Container>, Problem> {
    let lines = LineTable::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut frames: Vec<Frame> = Vec::new();
    let mut pointer: Vec<String> = Vec::new();
    let mut containers: Vec<Container> = Vec::new();
    let mut seen_root = false;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let m = e.marker();
            Problem::at(
                file,
                m.line(),
                format!("the YAML does not parse (column {}): {}; fix the file or take a fresh copy", m.col() + 1, e.info()),
            )
        })?;
        match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
            Event::Alias(_) => {
                return Err(Problem::at(
                    file,
                    mark.line(),
                    "a YAML alias (`*name`): slice copies blocks as text and cannot follow one; expand it in a copy of the file",
                ));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Map { container: Some(c), .. } | Frame::Seq { container: Some(c), .. }) = frames.pop() {
                    if let Some(container) = containers.get_mut(c) {
                        container.end = lines.block_boundary(text, &mark);
                    }
                }
                end_value(&mut frames, &mut pointer);
            }
            Event::Scalar(..) | Event::MappingStart(..) | Event::SequenceStart(..) => {
                if frames.is_empty() {
                    if seen_root {
                        break;
                    }
                    seen_root = true;
                    if !matches!(event, Event::MappingStart(..)) {
                        return Err(Problem::at(file, mark.line(), "the document is not a mapping, so it is no OpenAPI description"));
                    }
                }
                // A mapping key: remember it, and start a child if its mapping is cut.
                if let Some(Frame::Map { key: None, container }) = frames.last() {
                    let Event::Scalar(name, ..) = event else {
                        return Err(Problem::at(
                            file,
                            mark.line(),
                            "a mapping key that is not a scalar: slice cannot name it; this is no OpenAPI description",
                        ));
                    };
                    if let Some(c) = container.and_then(|c| containers.get_mut(c)) {
                        start_child(file, text, &lines, c, name.clone(), &mark, true)?;
                    }
                    record_key_fact(&mut containers, &frames, &pointer, &name, mark.line());
                    if let Some(Frame::Map { key, .. }) = frames.last_mut() {
                        *key = Some(name);
                    }
                    continue;
                }
                // A value: its pointer token, and a child if it is an item of the cut `tags` list.
                match frames.last() {
                    Some(Frame::Map { key: Some(k), .. }) => pointer.push(k.clone()),
                    Some(Frame::Seq { next, container }) => {
                        pointer.push(next.to_string());
                        if let Some(c) = container.and_then(|c| containers.get_mut(c)) {
                            start_child(file, text, &lines, c, next.to_string(), &mark, false)?;
                        }
                    }
                    _ => {}
                }
                match &event {
                    Event::Scalar(value, ..) => {
                        record_scalar_fact(&mut containers, &frames, &pointer, value, mark.line());
                        end_value(&mut frames, &mut pointer);
                    }
                    Event::MappingStart(..) | Event::SequenceStart(..) => {
                        let is_map = matches!(event, Event::MappingStart(..));
                        let container = is_cut(&pointer, is_map).then(|| {
                            let flow = lines.char_at(text, &mark).is_some_and(|c| c == '{' || c == '[');
                            attach_container(&mut containers, &frames, pointer.clone(), flow)
                        });
                        frames.push(if is_map { Frame::Map { key: None, container } } else { Frame::Seq { next: 0, container } });
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(containers)
}

/// Whether the node at `pointer` is one whose children are cut into blocks.
fn is_cut(pointer: &[String], is_map: bool) -> bool {
    match pointer {
        [] => is_map,
        [p] => (is_map && (p == "paths" || p == "components")) || (!is_map && p == "tags"),
        [p, _] => is_map && (p == "paths" || p == "components"),
        _ => false,
    }
}

/// Registers a new container and links it to the child of the innermost container it belongs to.
fn attach_container(containers: &mut Vec<Container>, frames: &[Frame], pointer: Vec<String>, flow: bool) -> usize {
    let id = containers.len();
    if let Some(child) = innermost_child(containers, frames) {
        child.container = Some(id);
    }
    containers.push(Container { pointer, flow, children: Vec::new(), end: 0 });
    id
}

/// The child being read of the innermost container on the stack: the block a `$ref` belongs to.
fn innermost_child<'a>(containers: &'a mut [Container], frames: &[Frame]) -> Option<&'a mut Child> {
    let id = frames.iter().rev().find_map(|f| match f {
        Frame::Map { container, .. } | Frame::Seq { container, .. } => *container,
    })?;
    containers.get_mut(id)?.children.last_mut()
}

/// Starts a child of a container at the start of the line of `mark`, refusing flow style there.
fn start_child(
    file: &str,
    text: &str,
    lines: &LineTable,
    container: &mut Container,
    key: String,
    mark: &Marker,
    is_key: bool,
) -> Result<(), Problem> {
    let at = lines.offset(text, mark);
    let line_start = lines.line_start(mark.line());
    let before = text.get(line_start..at).unwrap_or("");
    // A key starts its line; a list item's line starts with its `-` (a mapping item is marked at
    // its first key's `:`, after the `-`).
    let plain = if is_key { before.bytes().all(|b| b == b' ') } else { before.trim_start_matches(' ').starts_with('-') };
    if container.flow || !plain {
        let place = if container.pointer.is_empty() { "the document".to_string() } else { format!("#/{}", container.pointer.join("/")) };
        return Err(Problem::at(
            file,
            mark.line(),
            format!("{place} is written in flow style (JSON or `{{...}}`): slice cuts block-style YAML only; convert the file to block YAML first (e.g. with yq -P)"),
        ));
    }
    let op = (container.pointer.len() == 2 && container.pointer.first().is_some_and(|p| p == "paths") && METHODS.contains(&key.as_str()))
        .then(OpInfo::default);
    container.children.push(Child { key, line: mark.line(), start: line_start, refs: Vec::new(), op, container: None });
    Ok(())
}

/// Ends the value just read: drops its pointer token and moves its parent past it.
fn end_value(frames: &mut [Frame], pointer: &mut Vec<String>) {
    match frames.last_mut() {
        Some(Frame::Map { key, .. }) if key.is_some() => {
            *key = None;
            pointer.pop();
        }
        Some(Frame::Seq { next, .. }) => {
            *next += 1;
            pointer.pop();
        }
        _ => {}
    }
}

/// Keys that matter: security scheme names under a `security` requirement.
fn record_key_fact(containers: &mut [Container], frames: &[Frame], pointer: &[String], name: &str, line: usize) {
    let Some(child) = innermost_child(containers, frames) else {
        return;
    };
    let in_requirement = match pointer {
        [s, _] => s == "security",
        [p, _, _, s, _] => p == "paths" && s == "security",
        _ => false,
    };
    if in_requirement {
        if let Some(op) = child.op.as_mut() {
            op.security.push((name.to_string(), line));
        } else {
            // Top-level security: kept on the block, read out in `build_index`.
            child.refs.push(Ref { target: format!("security:{name}"), line, pointer: String::new() });
        }
    }
}

/// Scalars that matter: `$ref` targets, an operation's operationId and tags, a tag's name.
fn record_scalar_fact(containers: &mut [Container], frames: &[Frame], pointer: &[String], value: &str, line: usize) {
    let Some(child) = innermost_child(containers, frames) else {
        return;
    };
    match pointer {
        [.., last] if last == "$ref" && !is_literal(pointer) => {
            child.refs.push(Ref { target: value.to_string(), line, pointer: to_pointer(pointer) });
        }
        [p, _, _, k] if p == "paths" && k == "operationId" => {
            if let Some(op) = child.op.as_mut() {
                op.operation_id = Some((value.to_string(), line));
            }
        }
        [p, _, _, k, _] if p == "paths" && k == "tags" => {
            if let Some(op) = child.op.as_mut() {
                op.tags.push(value.to_string());
            }
        }
        [t, _, k] if t == "tags" && k == "name" => child.key = value.to_string(),
        _ => {}
    }
}

/// Whether the pointer is inside an example or an extension, whose `$ref` members are data, not
/// references (a property that happens to be named `example` is not).
fn is_literal(pointer: &[String]) -> bool {
    pointer.windows(2).any(|w| match w {
        [parent, name] => parent != "properties" && (name == "example" || name.starts_with("x-")),
        _ => false,
    }) || pointer.windows(3).any(|w| matches!(w, [e, _, v] if e == "examples" && v == "value"))
}

/// `#/a/b~1c`: RFC 6901 escaping of each token.
pub fn to_pointer(tokens: &[String]) -> String {
    let mut out = String::from("#");
    for t in tokens {
        out.push('/');
        out.push_str(&t.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// The containers as an [`Index`]: spans from each child's start to the next one's.
fn build_index(containers: &[Container], offset: usize) -> Index {
    let mut index = Index::default();
    let Some(root) = containers.first() else {
        return index;
    };
    index.top = blocks_of(root, offset);
    for child in &root.children {
        let Some(inner) = child.container.and_then(|c| containers.get(c)) else {
            continue;
        };
        let head = Some(head_of(child, inner, offset));
        match child.key.as_str() {
            "paths" => {
                index.paths_head = head;
                index.paths = groups_of(containers, inner, offset);
            }
            "components" => {
                index.components_head = head;
                index.sections = groups_of(containers, inner, offset);
            }
            "tags" => {
                index.tags_head = head;
                index.tags = blocks_of(inner, offset);
            }
            _ => {}
        }
    }
    if let Some(security) = root.children.iter().find(|c| c.key == "security") {
        index.security = security_names(security);
    }
    index
}

fn security_names(child: &Child) -> Vec<(String, usize)> {
    child.refs.iter().filter_map(|r| r.target.strip_prefix("security:").map(|n| (n.to_string(), r.line))).collect()
}

/// The children of a container, each a block up to the next one (the last up to the end).
fn blocks_of(container: &Container, offset: usize) -> Vec<Block> {
    let ends = container.children.iter().skip(1).map(|c| c.start).chain(std::iter::once(container.end));
    container
        .children
        .iter()
        .zip(ends)
        .map(|(c, end)| Block {
            key: c.key.clone(),
            line: c.line,
            span: offset + c.start..offset + end.max(c.start),
            refs: c.refs.iter().filter(|r| !r.target.starts_with("security:")).cloned().collect(),
            op: c.op.clone(),
        })
        .collect()
}

/// The children of a container whose children are themselves cut (paths, components).
fn groups_of(containers: &[Container], container: &Container, offset: usize) -> Vec<Group> {
    container
        .children
        .iter()
        .map(|child| match child.container.and_then(|c| containers.get(c)) {
            Some(inner) => {
                Group { key: child.key.clone(), line: child.line, head: head_of(child, inner, offset), children: blocks_of(inner, offset) }
            }
            // A value that is not a mapping (null, a scalar): all head, no children.
            None => {
                let end = next_start(container, child);
                Group { key: child.key.clone(), line: child.line, head: offset + child.start..offset + end, children: Vec::new() }
            }
        })
        .collect()
}

/// Where the sibling after `child` starts, or the container's end.
fn next_start(container: &Container, child: &Child) -> usize {
    container.children.iter().map(|c| c.start).find(|&s| s > child.start).unwrap_or(container.end).max(child.start)
}

/// A cut child's own lines: from its key to its first child (or its end, when it has none).
fn head_of(child: &Child, inner: &Container, offset: usize) -> Range<usize> {
    let end = inner.children.first().map(|c| c.start).unwrap_or(inner.end).max(child.start);
    offset + child.start..offset + end
}

/// Byte offsets of line starts, to turn a marker (line, column in characters) into a byte offset.
struct LineTable {
    starts: Vec<usize>,
    len: usize,
}

impl LineTable {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineTable { starts, len: text.len() }
    }

    /// The byte offset where 1-based `line` starts; the text's end past the last line (the
    /// scanner marks the end of a text without a final line break on the line after it).
    fn line_start(&self, line: usize) -> usize {
        self.starts.get(line.saturating_sub(1)).copied().unwrap_or(self.len)
    }

    /// The byte offset of a marker: its line's start plus its column's characters.
    fn offset(&self, text: &str, mark: &Marker) -> usize {
        let start = self.line_start(mark.line());
        let rest = text.get(start..).unwrap_or("");
        rest.char_indices().nth(mark.col()).map_or(text.len(), |(i, _)| start + i)
    }

    fn char_at(&self, text: &str, mark: &Marker) -> Option<char> {
        text.get(self.offset(text, mark)..)?.chars().next()
    }

    /// Where a block ends when its parent closes at `mark`: the start of the marker's line when
    /// only indentation precedes it (the next, less indented key), else the marker itself.
    fn block_boundary(&self, text: &str, mark: &Marker) -> usize {
        let at = self.offset(text, mark);
        let line_start = self.line_start(mark.line()).min(at);
        if text.get(line_start..at).is_some_and(|s| s.bytes().all(|b| b == b' ')) {
            line_start
        } else {
            at
        }
    }
}
