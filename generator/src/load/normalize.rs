//! OpenAPI 3.1 read into the shape `openapiv3` (3.0) takes: a pass over the untyped document,
//! before the typed parse, that writes each 3.1 construct as the 3.0 construct that means the
//! same, and says where it cannot. Every node it moves or makes is recorded in [`Origins`], so
//! diagnostics about the result still name the line of the original file.
//!
//! The same pass repairs, in 3.0 and 3.1 alike, what would fail the typed parse of a whole file
//! for the sake of a constraint: an integer bound outside `i64`.

use super::origins::Origins;
use super::walk::{self, key_text};
use crate::diagnostics::{pointer_push, Diagnostic};
use serde_yaml::{Mapping, Value};

/// The version a description declares, as far as reading it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Oas30,
    Oas31,
}

impl Version {
    /// `3.0.x` or `3.1.x` (also written as a number, `3.1`); None for anything else.
    pub fn of(declared: &str) -> Option<Version> {
        let mut parts = declared.split('.');
        match (parts.next(), parts.next()) {
            (Some("3"), Some("0")) => Some(Version::Oas30),
            (Some("3"), Some("1")) => Some(Version::Oas31),
            _ => None,
        }
    }
}

/// Rewrites `doc` for the typed parse; returns the diagnostics of what could not be said in 3.0
/// (warnings; errors for a description that is wrong, such as a path item `$ref` to nothing).
pub fn normalize(doc: &mut Value, version: Version, origins: &mut Origins) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if version == Version::Oas31 {
        document(doc, origins, &mut diags);
    }
    walk::schemas(doc, &mut |node, at| {
        if version == Version::Oas31 {
            schema(node, at, origins, &mut diags);
        }
        integer_bounds(node);
    });
    diags
}

/// The dialects whose schemas mean what this pass reads them as.
const KNOWN_DIALECTS: [&str; 2] = ["https://spec.openapis.org/oas/3.1/dialect/base", "https://json-schema.org/draft/2020-12/schema"];

/// How many `$ref`s a path item may go through before its content; more is a cycle.
const MAX_PATH_ITEM_HOPS: usize = 16;

/// Document-level constructs: the dialect, webhooks, absent `paths`, path items by reference,
/// and `$defs`.
fn document(doc: &mut Value, origins: &mut Origins, diags: &mut Vec<Diagnostic>) {
    let Some(map) = doc.as_mapping_mut() else { return };
    if let Some(dialect) = map.remove("jsonSchemaDialect") {
        let name = dialect.as_str().unwrap_or_default();
        if !KNOWN_DIALECTS.contains(&name) {
            diags.push(
                Diagnostic::warning(
                    "/jsonSchemaDialect",
                    format!("schemas are read as OpenAPI 3.1's own dialect (JSON Schema 2020-12), not as `{name}`"),
                )
                .help("if the dialect changes what a keyword means, the generated types may not match it"),
            );
        }
    }
    if let Some(Value::Mapping(hooks)) = map.remove("webhooks") {
        for (name, _) in &hooks {
            diags.push(
                Diagnostic::warning(
                    pointer_push("/webhooks", &key_text(name)),
                    "a webhook is a request the API sends, not one a client makes: no operation is generated for it",
                )
                .help("receive it with your own HTTP server; its schemas under `components` are still generated"),
            );
        }
    }
    // 3.1 makes `paths` optional (a description of webhooks or components alone).
    if !map.contains_key("paths") {
        map.insert("paths".into(), Value::Mapping(Mapping::new()));
    }
    mutual_tls(doc, diags);
    inline_path_items(doc, origins, diags);
    hoist_defs(doc, origins);
    resolve_anchors(doc);
    if let Some(components) = doc.get_mut("components").and_then(Value::as_mapping_mut) {
        components.remove("pathItems");
    }
}

/// 3.1's `mutualTLS` security scheme, which `openapiv3` has no variant for: the client
/// certificate belongs to the HTTP client, not to generated code, so the scheme is taken out
/// (with a warning) along with its place in every security requirement.
fn mutual_tls(doc: &mut Value, diags: &mut Vec<Diagnostic>) {
    let Some(schemes) = doc.get_mut("components").and_then(|c| c.get_mut("securitySchemes")).and_then(Value::as_mapping_mut) else {
        return;
    };
    let names: Vec<Value> =
        schemes.iter().filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("mutualTLS")).map(|(k, _)| k.clone()).collect();
    for name in &names {
        schemes.remove(name);
        diags.push(Diagnostic::warning(pointer_push("/components/securitySchemes", &key_text(name)), "mutual TLS is set up on the HTTP client, not by the generated code; requests carry no client certificate unless you add one")
            .help("give `Client::with_http_builder` a `reqwest::ClientBuilder` with your certificate (`reqwest::Identity`)"));
    }
    if names.is_empty() {
        return;
    }
    let strip = |security: Option<&mut Value>| {
        for requirement in security.and_then(Value::as_sequence_mut).into_iter().flatten() {
            if let Some(requirement) = requirement.as_mapping_mut() {
                names.iter().for_each(|n| {
                    requirement.remove(n);
                });
            }
        }
    };
    strip(doc.get_mut("security"));
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_mapping_mut) else { return };
    for (_, item) in paths.iter_mut() {
        for method in walk::METHODS {
            strip(item.get_mut(method).and_then(|op| op.get_mut("security")));
        }
    }
}

/// A path item written as a `$ref` (3.1 puts reusable ones under `components/pathItems`)
/// becomes a copy of what it names; its `summary` and `description` override the target's.
fn inline_path_items(doc: &mut Value, origins: &mut Origins, diags: &mut Vec<Diagnostic>) {
    let by_reference = |paths: &Mapping| paths.values().any(|item| item.get("$ref").is_some());
    if !doc.get("paths").and_then(Value::as_mapping).is_some_and(by_reference) {
        return;
    }
    let mut snapshot = doc.clone();
    // Each copy costs its size, so references alone could make a small file huge, as aliases
    // can in YAML; the copies may add at most what the document holds, or a million nodes.
    let mut budget = nodes(&snapshot).max(1_000_000);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_mapping_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let at = pointer_push("/paths", &key_text(path));
        let mut was = at.clone();
        for hop in 0.. {
            let Some(reference) = item.get("$ref").and_then(Value::as_str).map(str::to_string) else { break };
            let Some(target) = reference.strip_prefix('#').and_then(|p| resolve_mut(&mut snapshot, p)).filter(|t| t.is_mapping()) else {
                if reference.starts_with('#') {
                    diags.push(
                        Diagnostic::error(pointer_push(&was, "$ref"), format!("`{reference}` names no path item in this file"))
                            .help("point it at an entry of `#/components/pathItems`"),
                    );
                }
                break;
            };
            if hop == MAX_PATH_ITEM_HOPS {
                diags.push(
                    Diagnostic::error(pointer_push(&was, "$ref"), "path item references go round in a cycle")
                        .help("make one of them a path item rather than a `$ref`"),
                );
                break;
            }
            let Some(left) = budget.checked_sub(nodes(target)) else {
                diags.push(
                    Diagnostic::error(pointer_push(&was, "$ref"), "path item references expand the document past the reader's limit")
                        .help("write the shared operations out once per path, or share fewer of them"),
                );
                return;
            };
            budget = left;
            let mut merged = target.clone();
            if let (Some(merged), Some(own)) = (merged.as_mapping_mut(), item.as_mapping()) {
                for key in ["summary", "description"] {
                    if let Some(v) = own.get(key) {
                        merged.insert(key.into(), v.clone());
                    }
                }
            }
            *item = merged;
            was = reference.trim_start_matches('#').to_string();
        }
        origins.record(at, was);
    }
}

/// How many nodes `value` holds, itself included; the document's depth is bounded already.
fn nodes(value: &Value) -> usize {
    1 + match value {
        Value::Mapping(m) => m.values().map(nodes).sum(),
        Value::Sequence(items) => items.iter().map(nodes).sum(),
        Value::Tagged(t) => nodes(&t.value),
        _ => 0,
    }
}

/// The node at a JSON pointer (RFC 6901) of `root`.
fn resolve_mut<'v>(root: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    let mut node = root;
    if pointer.is_empty() {
        return Some(node);
    }
    for token in pointer.strip_prefix('/')?.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match node {
            Value::Mapping(m) => m.iter_mut().find(|(k, _)| key_text(k) == token).map(|(_, v)| v)?,
            Value::Sequence(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// `$defs` anywhere in the document: each definition becomes a component schema (under its
/// own name when that is free, else qualified by its owner's, as a dotted name), and every local
/// `$ref` into it follows. Definitions inside definitions come out on the next round.
fn hoist_defs(doc: &mut Value, origins: &mut Origins) {
    for _ in 0..super::MAX_NESTING {
        let mut owners = Vec::new();
        find_keyword(doc, "", None, "$defs", &mut owners);
        if owners.is_empty() {
            return;
        }
        let mut renames: Vec<(String, String)> = Vec::new();
        for owner in owners {
            let Some(Value::Mapping(defs)) = resolve_mut(doc, &owner).and_then(Value::as_mapping_mut).and_then(|m| m.remove("$defs"))
            else {
                continue;
            };
            let owner_name = owner
                .strip_prefix("/components/schemas/")
                .map(|rest| rest.split('/').next().unwrap_or(rest).replace("~1", "/").replace("~0", "~"));
            let Some(schemas) = component_schemas(doc) else { return };
            for (name, def) in defs {
                let name = key_text(&name);
                let mut unique = match &owner_name {
                    Some(o) if schemas.contains_key(name.as_str()) => format!("{o}.{name}"),
                    _ => name.clone(),
                };
                let mut n = 2;
                while schemas.contains_key(unique.as_str()) {
                    unique = format!("{name}{n}");
                    n += 1;
                }
                let now = pointer_push("/components/schemas", &unique);
                let was = pointer_push(&pointer_push(&owner, "$defs"), &name);
                origins.record(now.clone(), was.clone());
                renames.push((was, now));
                schemas.insert(unique.into(), def);
            }
        }
        rewrite_refs(doc, &renames);
    }
}

/// `components/schemas`, made if the document has none.
fn component_schemas(doc: &mut Value) -> Option<&mut Mapping> {
    let root = doc.as_mapping_mut()?;
    let components = root.entry("components".into()).or_insert_with(|| Value::Mapping(Mapping::new())).as_mapping_mut()?;
    components.entry("schemas".into()).or_insert_with(|| Value::Mapping(Mapping::new())).as_mapping_mut()
}

/// Keys whose value is data (an example, a default, allowed values), never a schema.
const DATA_KEYS: [&str; 5] = ["example", "examples", "default", "enum", "const"];

/// Pointers of the mappings that hold `keyword` (`$defs` as a mapping, `$anchor` as a string),
/// not looking inside its value. `parent` is the key `node` is under: under `properties` every
/// key is a member's name, whatever it spells.
fn find_keyword(node: &Value, at: &str, parent: Option<&str>, keyword: &str, owners: &mut Vec<String>) {
    match node {
        Value::Mapping(m) => {
            let names_members = matches!(parent, Some("properties" | "patternProperties"));
            for (k, v) in m {
                let key = key_text(k);
                if !names_members && key == keyword && (v.is_mapping() || v.is_string()) {
                    owners.push(at.to_string());
                } else if names_members || !DATA_KEYS.contains(&key.as_str()) {
                    find_keyword(v, &pointer_push(at, &key), Some(&key), keyword, owners);
                }
            }
        }
        Value::Sequence(items) => {
            for (i, v) in items.iter().enumerate() {
                find_keyword(v, &pointer_push(at, &i.to_string()), None, keyword, owners);
            }
        }
        _ => {}
    }
}

/// `$ref: '#name'` to a schema that says `$anchor: name` becomes a JSON pointer to it.
fn resolve_anchors(doc: &mut Value) {
    let mut owners = Vec::new();
    find_keyword(doc, "", None, "$anchor", &mut owners);
    let renames: Vec<(String, String)> = owners
        .into_iter()
        .filter_map(|at| {
            let name = resolve_mut(doc, &at)?.get("$anchor")?.as_str()?.to_string();
            // A plain name never starts with `/`, which would make it match pointers.
            (!name.is_empty() && !name.starts_with('/')).then_some((name, at))
        })
        .collect();
    if !renames.is_empty() {
        rewrite_refs(doc, &renames);
    }
}

/// Points every local `$ref` at or under a moved definition at its new place; a rename from a
/// plain name (an anchor) matches that name alone.
fn rewrite_refs(node: &mut Value, renames: &[(String, String)]) {
    match node {
        Value::Mapping(m) => {
            for (k, v) in m.iter_mut() {
                if k.as_str() == Some("$ref") {
                    if let Some(target) = v.as_str().and_then(|r| r.strip_prefix('#')) {
                        let moved = renames.iter().find_map(|(was, now)| {
                            let rest = target.strip_prefix(was.as_str())?;
                            (rest.is_empty() || rest.starts_with('/')).then(|| format!("#{now}{rest}"))
                        });
                        if let Some(moved) = moved {
                            *v = Value::String(moved);
                        }
                    }
                } else {
                    rewrite_refs(v, renames);
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renames)),
        _ => {}
    }
}

/// Keywords that only say which values are valid, as `pattern` does: the generated types check
/// none of them, so dropping them loses nothing a client relies on.
const CONSTRAINTS_ONLY: [&str; 8] =
    ["contains", "minContains", "maxContains", "propertyNames", "dependentRequired", "unevaluatedItems", "$comment", "$anchor"];

/// Keywords that change a schema's shape and have no 3.0 equivalent: ignoring them makes the
/// type wider than the schema, which is said.
const NO_EQUIVALENT: [&str; 6] = ["if", "then", "else", "dependentSchemas", "patternProperties", "$dynamicRef"];

/// Keywords that belong to one JSON type, for splitting a schema of several types into one
/// alternative per type.
fn keywords_of(json_type: &str) -> &'static [&'static str] {
    match json_type {
        "string" => &["pattern", "minLength", "maxLength"],
        "integer" | "number" => &["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
        "array" => &["items", "minItems", "maxItems", "uniqueItems"],
        "object" => &["properties", "required", "additionalProperties", "minProperties", "maxProperties"],
        _ => &[],
    }
}

/// One schema's own 3.1 keywords, rewritten in 3.0 terms. Its children are visited after it.
fn schema(node: &mut Value, at: &str, origins: &mut Origins, diags: &mut Vec<Diagnostic>) {
    // Boolean schemas: `true` admits anything, `false` nothing.
    if let Value::Bool(admits) = node {
        let mut map = Mapping::new();
        if !*admits {
            map.insert("not".into(), Value::Mapping(Mapping::new()));
        }
        *node = Value::Mapping(map);
        return;
    }
    let Some(map) = node.as_mapping_mut() else { return };
    for key in ["$schema", "$id", "$dynamicAnchor", "$defs"].iter().chain(CONSTRAINTS_ONLY.iter()) {
        map.remove(*key);
    }
    if map.get("unevaluatedProperties").is_some_and(Value::is_bool) {
        map.remove("unevaluatedProperties");
    }
    for key in NO_EQUIVALENT.iter().chain(["unevaluatedProperties"].iter()) {
        if map.remove(*key).is_some() {
            diags.push(
                Diagnostic::warning(
                    pointer_push(at, key),
                    format!("`{key}` has no OpenAPI 3.0 equivalent; ignored, so the generated type accepts more than the schema does"),
                )
                .help("where the alternatives are known, write them as `oneOf`"),
            );
        }
    }
    sibling_ref(map, at, origins);
    if let Some(value) = map.remove("const") {
        let was = pointer_push(at, "const");
        if !map.contains_key("type") {
            if let Some(json_type) = json_type_of(&value) {
                map.insert("type".into(), json_type.into());
                origins.record(pointer_push(at, "type"), was.clone());
            }
        }
        map.insert("enum".into(), Value::Sequence(vec![value]));
        origins.record(pointer_push(at, "enum"), was);
    }
    if let Some(examples) = map.remove("examples") {
        if let (Some(first), false) = (examples.as_sequence().and_then(|e| e.first()), map.contains_key("example")) {
            map.insert("example".into(), first.clone());
            origins.record(pointer_push(at, "example"), pointer_push(at, "examples/0"));
        }
    }
    exclusive_bounds(map, at, origins);
    content_keywords(map, at, origins, diags);
    if map.remove("prefixItems").is_some() {
        map.insert("items".into(), Value::Mapping(Mapping::new()));
        origins.record(pointer_push(at, "items"), pointer_push(at, "prefixItems"));
        diags.push(
            Diagnostic::warning(pointer_push(at, "prefixItems"), "a tuple (`prefixItems`) is typed as a list of JSON values")
                .help("where every item has one schema, write it as `items`"),
        );
    }
    type_keyword(map, at, origins, diags);
}

/// `$ref` beside other keywords, which 3.1 applies together: the reference becomes the last
/// entry of `allOf`, the 3.0 way of adding keywords to a referenced schema.
fn sibling_ref(map: &mut Mapping, at: &str, origins: &mut Origins) {
    if map.len() < 2 || !map.contains_key("$ref") {
        return;
    }
    let Some(reference) = map.remove("$ref") else { return };
    let all_of = map.entry("allOf".into()).or_insert_with(|| Value::Sequence(Vec::new()));
    let Some(all_of) = all_of.as_sequence_mut() else {
        // `allOf` that is not a list: the typed parse says so; keep the reference where it was.
        map.insert("$ref".into(), reference);
        return;
    };
    let mut only_ref = Mapping::new();
    only_ref.insert("$ref".into(), reference);
    origins.record(pointer_push(&pointer_push(at, "allOf"), &all_of.len().to_string()), at.to_string());
    all_of.push(Value::Mapping(only_ref));
    // `type: object` (or `[object, 'null']`) beside a reference repeats what the reference says;
    // beside `allOf` it would make the schema one 3.0 reads as untyped. Its `null` stays.
    let object_or_null = |t: &Value| matches!(t.as_str(), Some("object" | "null"));
    let nullable = match map.get("type") {
        Some(Value::String(t)) if t == "object" => false,
        Some(Value::Sequence(list)) if list.iter().all(object_or_null) && list.iter().any(|t| t.as_str() == Some("object")) => {
            list.iter().any(|t| t.as_str() == Some("null"))
        }
        _ => return,
    };
    map.remove("type");
    if nullable {
        map.insert("nullable".into(), Value::Bool(true));
        origins.record(pointer_push(at, "nullable"), pointer_push(at, "type"));
    }
}

/// The JSON type of a `const` value, so that the schema keeps a type 3.0 can read.
fn json_type_of(value: &Value) -> Option<&'static str> {
    match value {
        Value::Null => Some("null"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
        Value::Number(_) => Some("number"),
        Value::String(_) => Some("string"),
        _ => None,
    }
}

/// Numeric `exclusiveMinimum: m` is 3.0's `minimum: m` with `exclusiveMinimum: true` (unless an
/// inclusive bound beside it is already stricter).
fn exclusive_bounds(map: &mut Mapping, at: &str, origins: &mut Origins) {
    for (exclusive, bound, stricter) in [("exclusiveMinimum", "minimum", 1.0), ("exclusiveMaximum", "maximum", -1.0)] {
        let Some(Value::Number(limit)) = map.get(exclusive).cloned() else { continue };
        let (limit_f, bound_f) = (limit.as_f64().unwrap_or(0.0), map.get(bound).and_then(Value::as_f64));
        if bound_f.is_some_and(|b| (b - limit_f) * stricter > 0.0) {
            map.remove(exclusive);
        } else {
            map.insert(bound.into(), Value::Number(limit));
            map.insert(exclusive.into(), Value::Bool(true));
            origins.record(pointer_push(at, bound), pointer_push(at, exclusive));
        }
    }
}

/// Media types whose content is text: a string with one of them is still a string.
fn is_textual(media: &str) -> bool {
    let media = media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase();
    media.starts_with("text/") || media.ends_with("/json") || media.ends_with("+json") || media.ends_with("/xml") || media.ends_with("+xml")
}

/// `contentEncoding` and `contentMediaType`, 3.1's way of saying what 3.0's string formats
/// `byte` and `binary` said.
fn content_keywords(map: &mut Mapping, at: &str, origins: &mut Origins, diags: &mut Vec<Diagnostic>) {
    let encoding = map.remove("contentEncoding");
    let media = map.remove("contentMediaType");
    map.remove("contentSchema");
    if map.contains_key("format") {
        return;
    }
    let format = match (encoding.as_ref().and_then(Value::as_str), media.as_ref().and_then(Value::as_str)) {
        (Some(e), _) if e.eq_ignore_ascii_case("base64") => ("byte", "contentEncoding"),
        (Some(e), _) if e.eq_ignore_ascii_case("base64url") => ("base64url", "contentEncoding"),
        (Some(other), _) => {
            diags.push(
                Diagnostic::warning(
                    pointer_push(at, "contentEncoding"),
                    format!("content encoding `{other}` is not decoded; the value is kept as text"),
                )
                .help("base64 and base64url are decoded to bytes"),
            );
            return;
        }
        (None, Some(m)) if !is_textual(m) => ("binary", "contentMediaType"),
        _ => return,
    };
    map.insert("format".into(), format.0.into());
    origins.record(pointer_push(at, "format"), pointer_push(at, format.1));
    if !map.contains_key("type") {
        map.insert("type".into(), "string".into());
    }
}

/// `type: 'null'` and `type` as a list: one type and `null` is a nullable schema; several types
/// are alternatives, one per type, each with the keywords of its type.
fn type_keyword(map: &mut Mapping, at: &str, origins: &mut Origins, diags: &mut Vec<Diagnostic>) {
    let types: Vec<String> = match map.get("type") {
        Some(Value::String(t)) if t == "null" => vec![t.clone()],
        Some(Value::Sequence(list)) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => return,
    };
    map.remove("type");
    let nullable = types.iter().any(|t| t == "null");
    let mut real: Vec<String> = Vec::new();
    for t in types.into_iter().filter(|t| t != "null") {
        if !real.contains(&t) {
            real.push(t);
        }
    }
    let type_at = pointer_push(at, "type");
    match real.as_slice() {
        [] => {
            // Only null: the null-only schema `lower` recognises beside a real one.
            map.insert("nullable".into(), Value::Bool(true));
            map.insert("enum".into(), Value::Sequence(vec![Value::Null]));
            origins.record(pointer_push(at, "enum"), type_at.clone());
        }
        [one] => {
            map.insert("type".into(), one.as_str().into());
        }
        several => split_types(map, several, at, origins, diags),
    }
    if nullable {
        map.insert("nullable".into(), Value::Bool(true));
        origins.record(pointer_push(at, "nullable"), type_at);
    }
}

/// Formats of numbers; any other format belongs to a string.
const NUMBER_FORMATS: [&str; 4] = ["int32", "int64", "float", "double"];

fn split_types(map: &mut Mapping, types: &[String], at: &str, origins: &mut Origins, diags: &mut Vec<Diagnostic>) {
    let key = if !map.contains_key("oneOf") {
        "oneOf"
    } else if !map.contains_key("anyOf") {
        "anyOf"
    } else {
        diags.push(
            Diagnostic::warning(pointer_push(at, "type"), "a list of types beside both `oneOf` and `anyOf`: only the first type is read")
                .help("write the types as one more alternative"),
        );
        if let Some(first) = types.first() {
            map.insert("type".into(), first.as_str().into());
        }
        return;
    };
    let values = map.remove("enum").and_then(|e| e.as_sequence().cloned());
    let format = map.remove("format");
    let mut alternatives = Vec::new();
    for t in types {
        let mut alternative = Mapping::new();
        alternative.insert("type".into(), t.as_str().into());
        for keyword in keywords_of(t) {
            if let Some(v) = map.get(*keyword) {
                alternative.insert((*keyword).into(), v.clone());
            }
        }
        if let Some(f) = format.as_ref().and_then(Value::as_str) {
            let takes = if NUMBER_FORMATS.contains(&f) { matches!(t.as_str(), "integer" | "number") } else { t == "string" };
            if takes {
                alternative.insert("format".into(), f.into());
            }
        }
        if let Some(values) = &values {
            let own: Vec<Value> = values
                .iter()
                .filter(|v| json_type_of(v).is_some_and(|vt| vt == t || (vt == "integer" && t == "number")))
                .cloned()
                .collect();
            if !own.is_empty() {
                alternative.insert("enum".into(), Value::Sequence(own));
            }
        }
        alternatives.push(Value::Mapping(alternative));
    }
    for t in types {
        for keyword in keywords_of(t) {
            map.remove(*keyword);
        }
    }
    let list_at = pointer_push(at, key);
    for i in 0..alternatives.len() {
        origins.record(pointer_push(&list_at, &i.to_string()), at.to_string());
    }
    map.insert(key.into(), Value::Sequence(alternatives));
}

/// `type: integer` with a bound or step `i64` cannot hold (`minimum: -9223372036854776000`):
/// a fractional bound is rounded inward, and one past `i64`'s range says nothing an `i64` could
/// break, so it is dropped. Either way the typed parse reads the schema as the integer it is.
fn integer_bounds(node: &mut Value) {
    let Some(map) = node.as_mapping_mut() else { return };
    if map.get("type").and_then(Value::as_str) != Some("integer") {
        return;
    }
    // i64's range as f64: -2^63 is exact, 2^63 is one past the largest i64.
    let (low, high) = (-9_223_372_036_854_775_808.0_f64, 9_223_372_036_854_775_808.0_f64);
    for (key, round) in [("minimum", f64::ceil as fn(f64) -> f64), ("maximum", f64::floor), ("multipleOf", f64::round)] {
        let Some(Value::Number(n)) = map.get(key) else { continue };
        if n.is_i64() {
            continue;
        }
        let rounded = n.as_f64().map(round).filter(|r| r.is_finite() && *r >= low && *r < high && (key != "multipleOf" || *r >= 1.0));
        // In range after rounding, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        match rounded {
            Some(r) if key != "multipleOf" || n.as_f64() == Some(r) => {
                map.insert(key.into(), Value::Number((r as i64).into()));
            }
            _ => {
                map.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(text: &str) -> (Value, Vec<Diagnostic>, Origins) {
        let mut doc: Value = serde_yaml::from_str(text).expect("YAML");
        let mut origins = Origins::default();
        let diags = normalize(&mut doc, Version::Oas31, &mut origins);
        (doc, diags, origins)
    }

    fn at<'v>(doc: &'v mut Value, pointer: &str) -> &'v Value {
        resolve_mut(doc, pointer).unwrap_or_else(|| panic!("nothing at {pointer}"))
    }

    #[test]
    fn versions_are_read_by_major_and_minor() {
        assert_eq!(Version::of("3.0.3"), Some(Version::Oas30));
        assert_eq!(Version::of("3.1"), Some(Version::Oas31));
        assert_eq!(Version::of("3.1.1"), Some(Version::Oas31));
        assert_eq!(Version::of("3.10.0"), None);
        assert_eq!(Version::of("3.2.0"), None);
        assert_eq!(Version::of("2.0"), None);
    }

    #[test]
    fn a_type_list_becomes_nullable_or_alternatives_each_with_its_keywords() {
        let (mut doc, _, origins) = normalized(
            "components:\n  schemas:\n    A:\n      type: [string, 'null']\n    B:\n      type: [string, integer]\n      maxLength: 3\n      minimum: 1\n      format: int64\n      enum: [a, 1]\n      description: d\n",
        );
        assert_eq!(at(&mut doc, "/components/schemas/A"), &serde_yaml::from_str::<Value>("{type: string, nullable: true}").expect("YAML"));
        let expected =
            "{description: d, oneOf: [{type: string, maxLength: 3, enum: [a]}, {type: integer, minimum: 1, format: int64, enum: [1]}]}";
        assert_eq!(at(&mut doc, "/components/schemas/B"), &serde_yaml::from_str::<Value>(expected).expect("YAML"));
        assert_eq!(origins.original("/components/schemas/B/oneOf/1/minimum"), "/components/schemas/B/minimum");
        assert_eq!(origins.original("/components/schemas/A/nullable"), "/components/schemas/A/type");
    }

    #[test]
    fn defs_become_components_and_refs_follow() {
        let (mut doc, _, origins) = normalized(
            "components:\n  schemas:\n    Foo:\n      type: object\n      properties:\n        bar: {$ref: '#/components/schemas/Foo/$defs/Bar'}\n        baz: {$ref: '#/components/schemas/Foo/$defs/Baz/properties/x'}\n      $defs:\n        Bar: {type: string}\n        Baz: {type: object, properties: {x: {type: integer}}}\n    Bar: {type: boolean}\n",
        );
        assert_eq!(at(&mut doc, "/components/schemas/Foo/properties/bar/$ref").as_str(), Some("#/components/schemas/Foo.Bar"));
        assert_eq!(at(&mut doc, "/components/schemas/Foo/properties/baz/$ref").as_str(), Some("#/components/schemas/Baz/properties/x"));
        assert!(at(&mut doc, "/components/schemas/Foo").get("$defs").is_none());
        assert_eq!(origins.original("/components/schemas/Foo.Bar/type"), "/components/schemas/Foo/$defs/Bar/type");
    }

    #[test]
    fn path_item_references_cannot_multiply_the_document() {
        let item = format!("get:\n      responses:\n        '204':\n          description: {}\n", "x ".repeat(10));
        let big: String = (0..200_000).map(|i| format!("      x-{i}: 1\n")).collect();
        let refs: String = (0..20).map(|i| format!("  /p{i}:\n    $ref: '#/components/pathItems/big'\n")).collect();
        let text = format!("openapi: 3.1.0\npaths:\n{refs}components:\n  pathItems:\n    big:\n      {item}{big}");
        let (_, diags, _) = normalized(&text);
        assert!(diags.iter().any(|d| d.is_error() && d.message.contains("past the reader's limit")), "{diags:?}");
        let (doc, diags, _) = normalized(&format!(
            "openapi: 3.1.0\npaths:\n  /a:\n    $ref: '#/components/pathItems/small'\ncomponents:\n  pathItems:\n    small:\n      {item}"
        ));
        assert!(diags.is_empty() && doc.get("paths").and_then(|p| p.get("/a")).and_then(|a| a.get("get")).is_some(), "{diags:?}");
    }

    #[test]
    fn integer_bounds_outside_i64_are_read_not_refused() {
        let text = "components:\n  schemas:\n    N: {type: integer, minimum: -9223372036854776000, maximum: 2.5, multipleOf: 0.5}\n";
        let mut doc = super::super::syntax::parse_value(text, super::super::Syntax::Yaml).expect("YAML");
        normalize(&mut doc, Version::Oas30, &mut Origins::default());
        // The nearest f64 to the bound is -2^63, which is `i64::MIN` itself.
        let expected = "{type: integer, minimum: -9223372036854775808, maximum: 2}";
        assert_eq!(at(&mut doc, "/components/schemas/N"), &serde_yaml::from_str::<Value>(expected).expect("YAML"));
    }
}
