//! Where the schemas of an untyped description are: every place the OpenAPI object model puts a
//! Schema Object, found from the document's structure (a key named `schema` under `properties`
//! is a property, not a schema slot).

use crate::diagnostics::pointer_push;
use serde_yaml::Value;

/// What a visit of one schema does; it may rewrite the node, and the walk then goes on into the
/// node as it was left.
pub(super) type Visit<'f> = dyn FnMut(&mut Value, &str) + 'f;

pub(super) const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Calls `visit` on every schema of the document, each parent before its children.
pub(super) fn schemas(doc: &mut Value, visit: &mut Visit<'_>) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_mapping_mut) {
        for (key, item) in paths.iter_mut() {
            path_item(item, &pointer_push("/paths", &key_text(key)), visit);
        }
    }
    let Some(components) = doc.get_mut("components").and_then(Value::as_mapping_mut) else { return };
    for (kind, entries) in components.iter_mut() {
        let kind = key_text(kind);
        let Some(entries) = entries.as_mapping_mut() else { continue };
        for (name, entry) in entries.iter_mut() {
            let at = pointer_push(&pointer_push("/components", &kind), &key_text(name));
            match kind.as_str() {
                "schemas" => schema(entry, &at, visit),
                "parameters" | "headers" => parameter(entry, &at, visit),
                "responses" => response(entry, &at, visit),
                "requestBodies" => content_of(entry, &at, visit),
                "callbacks" => callback(entry, &at, visit),
                "pathItems" => path_item(entry, &at, visit),
                _ => {}
            }
        }
    }
}

/// A mapping key as the text a pointer names it by.
pub(super) fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Tagged(t) => key_text(&t.value),
        _ => super::UNNAMEABLE.to_string(),
    }
}

/// Each entry of the mapping at `key` of `node`, with its pointer.
fn each_entry(node: &mut Value, at: &str, key: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    let Some(entries) = node.get_mut(key).and_then(Value::as_mapping_mut) else { return };
    let at = pointer_push(at, key);
    for (name, entry) in entries.iter_mut() {
        f(entry, &pointer_push(&at, &key_text(name)));
    }
}

/// Each item of the sequence at `key` of `node`, with its pointer.
fn each_item(node: &mut Value, at: &str, key: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    let Some(items) = node.get_mut(key).and_then(Value::as_sequence_mut) else { return };
    let at = pointer_push(at, key);
    for (i, item) in items.iter_mut().enumerate() {
        f(item, &pointer_push(&at, &i.to_string()));
    }
}

fn path_item(item: &mut Value, at: &str, visit: &mut Visit<'_>) {
    each_item(item, at, "parameters", &mut |p, at| parameter(p, at, visit));
    for method in METHODS {
        let Some(op) = item.get_mut(method) else { continue };
        let at = pointer_push(at, method);
        each_item(op, &at, "parameters", &mut |p, at| parameter(p, at, visit));
        if let Some(body) = op.get_mut("requestBody") {
            content_of(body, &pointer_push(&at, "requestBody"), visit);
        }
        each_entry(op, &at, "responses", &mut |r, at| response(r, at, visit));
        each_entry(op, &at, "callbacks", &mut |c, at| callback(c, at, visit));
    }
}

fn callback(cb: &mut Value, at: &str, visit: &mut Visit<'_>) {
    let Some(expressions) = cb.as_mapping_mut() else { return };
    for (expression, item) in expressions.iter_mut() {
        path_item(item, &pointer_push(at, &key_text(expression)), visit);
    }
}

/// A parameter or a header: a `schema`, or a `content` map.
fn parameter(p: &mut Value, at: &str, visit: &mut Visit<'_>) {
    if let Some(s) = p.get_mut("schema") {
        schema(s, &pointer_push(at, "schema"), visit);
    }
    content_of(p, at, visit);
}

fn response(r: &mut Value, at: &str, visit: &mut Visit<'_>) {
    each_entry(r, at, "headers", &mut |h, at| parameter(h, at, visit));
    content_of(r, at, visit);
}

/// The media types of a `content` map: each one's schema and its encodings' headers.
fn content_of(owner: &mut Value, at: &str, visit: &mut Visit<'_>) {
    each_entry(owner, at, "content", &mut |media, at| {
        if let Some(s) = media.get_mut("schema") {
            schema(s, &pointer_push(at, "schema"), visit);
        }
        each_entry(media, at, "encoding", &mut |enc, at| each_entry(enc, at, "headers", &mut |h, at| parameter(h, at, visit)));
    });
}

/// Keywords whose value is one schema.
const ONE_SCHEMA: [&str; 4] = ["items", "additionalProperties", "not", "contentSchema"];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];

/// One schema and, after `visit`, the schemas inside it. The document's depth is bounded before
/// any walk, so the recursion is too.
pub(super) fn schema(node: &mut Value, at: &str, visit: &mut Visit<'_>) {
    visit(node, at);
    if !node.is_mapping() {
        return;
    }
    each_entry(node, at, "properties", &mut |p, at| schema(p, at, visit));
    for key in ONE_SCHEMA {
        // `additionalProperties: true` stays the 3.0 boolean it also is; elsewhere `true` and
        // `false` are 3.1's boolean schemas, which the visit rewrites.
        if let Some(child) = node.get_mut(key).filter(|c| c.is_mapping() || (c.is_bool() && key != "additionalProperties")) {
            schema(child, &pointer_push(at, key), visit);
        }
    }
    for key in SCHEMA_LISTS {
        each_item(node, at, key, &mut |s, at| schema(s, at, visit));
    }
}
