//! What a schema means where its keywords are of more than one kind. `openapiv3` reads a schema
//! as a type (`type: string` and string keywords only), a combinator (`allOf` alone, …) or, for
//! anything mixed, `SchemaKind::Any`, which lowering could only type as any JSON value. Before
//! lowering, each mixed schema whose meaning is plain is rewritten as what it means:
//!
//! - `type: object` beside `allOf`, `oneOf` or `anyOf` and nothing else: the combinator;
//! - `type` beside keywords of another type (`type: string` with `minimum`, `type: object` with
//!   `items`): that type, the other keywords dropped (they only constrain);
//! - `items` with no `type`: an array;
//! - `type: string` with `enum` values written unquoted (`true`, `1`, which YAML reads as a
//!   boolean and a number): a string enum of their text, with a warning, since that is a guess.
//!
//! Everything else stays as it was. The document's structure is unchanged, so every JSON
//! pointer still names the same place in the text.

use super::*;
use openapiv3::{
    AnySchema, ArrayType, BooleanType, Components, Header, IntegerType, MediaType, NumberType, ObjectType, PathItem, StringType,
};

/// Rewrites every mixed schema in `doc` whose meaning is plain; the warnings say where a
/// reading was a guess.
pub(super) fn normalize(doc: &mut OpenAPI) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if let Some(components) = doc.components.as_mut() {
        in_components(components, &mut diags);
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        if let ReferenceOr::Item(item) = item {
            in_path_item(item, &pointer_push("/paths", path), &mut diags);
        }
    }
    diags
}

fn in_components(c: &mut Components, diags: &mut Vec<Diagnostic>) {
    for (name, s) in c.schemas.iter_mut() {
        in_schema_ref(s, &pointer_push("/components/schemas", name), diags);
    }
    for (name, p) in c.parameters.iter_mut() {
        if let ReferenceOr::Item(p) = p {
            in_format(parameter_format(p), &pointer_push("/components/parameters", name), diags);
        }
    }
    for (name, h) in c.headers.iter_mut() {
        in_header(h, &pointer_push("/components/headers", name), diags);
    }
    for (name, b) in c.request_bodies.iter_mut() {
        if let ReferenceOr::Item(b) = b {
            in_content(&mut b.content, &pointer_push("/components/requestBodies", name), diags);
        }
    }
    for (name, r) in c.responses.iter_mut() {
        in_response(r, &pointer_push("/components/responses", name), diags);
    }
}

fn in_path_item(item: &mut PathItem, pointer: &str, diags: &mut Vec<Diagnostic>) {
    in_parameters(&mut item.parameters, pointer, diags);
    let ops = [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ];
    for (method, op) in ops {
        let Some(op) = op else { continue };
        let op_pointer = pointer_push(pointer, method);
        in_parameters(&mut op.parameters, &op_pointer, diags);
        if let Some(ReferenceOr::Item(body)) = &mut op.request_body {
            in_content(&mut body.content, &pointer_push(&op_pointer, "requestBody"), diags);
        }
        let responses = pointer_push(&op_pointer, "responses");
        if let Some(r) = &mut op.responses.default {
            in_response(r, &pointer_push(&responses, "default"), diags);
        }
        for (code, r) in op.responses.responses.iter_mut() {
            let key = match code {
                StatusCode::Code(c) => c.to_string(),
                StatusCode::Range(r) => format!("{r}XX"),
            };
            in_response(r, &pointer_push(&responses, &key), diags);
        }
    }
}

fn in_parameters(list: &mut [ReferenceOr<Parameter>], pointer: &str, diags: &mut Vec<Diagnostic>) {
    let list_pointer = pointer_push(pointer, "parameters");
    for (i, p) in list.iter_mut().enumerate() {
        if let ReferenceOr::Item(p) = p {
            in_format(parameter_format(p), &pointer_push(&list_pointer, &i.to_string()), diags);
        }
    }
}

fn parameter_format(p: &mut Parameter) -> &mut ParameterSchemaOrContent {
    match p {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => &mut parameter_data.format,
    }
}

fn in_header(h: &mut ReferenceOr<Header>, pointer: &str, diags: &mut Vec<Diagnostic>) {
    if let ReferenceOr::Item(h) = h {
        in_format(&mut h.format, pointer, diags);
    }
}

fn in_response(r: &mut ReferenceOr<openapiv3::Response>, pointer: &str, diags: &mut Vec<Diagnostic>) {
    let ReferenceOr::Item(r) = r else { return };
    in_content(&mut r.content, pointer, diags);
    let headers = pointer_push(pointer, "headers");
    for (name, h) in r.headers.iter_mut() {
        in_header(h, &pointer_push(&headers, name), diags);
    }
}

fn in_format(format: &mut ParameterSchemaOrContent, pointer: &str, diags: &mut Vec<Diagnostic>) {
    match format {
        ParameterSchemaOrContent::Schema(s) => in_schema_ref(s, &pointer_push(pointer, "schema"), diags),
        ParameterSchemaOrContent::Content(content) => in_content(content, pointer, diags),
    }
}

fn in_content(content: &mut indexmap::IndexMap<String, MediaType>, pointer: &str, diags: &mut Vec<Diagnostic>) {
    let content_pointer = pointer_push(pointer, "content");
    for (media, mt) in content.iter_mut() {
        if let Some(s) = &mut mt.schema {
            in_schema_ref(s, &pointer_push(&pointer_push(&content_pointer, media), "schema"), diags);
        }
    }
}

fn in_schema_ref(s: &mut ReferenceOr<Schema>, pointer: &str, diags: &mut Vec<Diagnostic>) {
    if let ReferenceOr::Item(s) = s {
        in_schema(s, pointer, diags);
    }
}

fn in_boxed(s: &mut ReferenceOr<Box<Schema>>, pointer: &str, diags: &mut Vec<Diagnostic>) {
    if let ReferenceOr::Item(s) = s {
        in_schema(s, pointer, diags);
    }
}

/// Rewrites `schema` if it is mixed, then the schemas inside it.
fn in_schema(schema: &mut Schema, pointer: &str, diags: &mut Vec<Diagnostic>) {
    if let SchemaKind::Any(any) = &mut schema.schema_kind {
        let any = std::mem::take(any);
        schema.schema_kind = meant(any, pointer, diags);
    }
    let list = |parts: &mut Vec<ReferenceOr<Schema>>, key: &str, diags: &mut Vec<Diagnostic>| {
        let at = pointer_push(pointer, key);
        for (i, part) in parts.iter_mut().enumerate() {
            in_schema_ref(part, &pointer_push(&at, &i.to_string()), diags);
        }
    };
    let properties = |props: &mut indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>, diags: &mut Vec<Diagnostic>| {
        let at = pointer_push(pointer, "properties");
        for (name, p) in props.iter_mut() {
            in_boxed(p, &pointer_push(&at, name), diags);
        }
    };
    let additional = |a: &mut Option<AdditionalProperties>, diags: &mut Vec<Diagnostic>| {
        if let Some(AdditionalProperties::Schema(s)) = a {
            in_schema_ref(s, &pointer_push(pointer, "additionalProperties"), diags);
        }
    };
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            properties(&mut o.properties, diags);
            additional(&mut o.additional_properties, diags);
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(items) = &mut a.items {
                in_boxed(items, &pointer_push(pointer, "items"), diags);
            }
        }
        SchemaKind::Type(_) => {}
        SchemaKind::AllOf { all_of: parts } => list(parts, "allOf", diags),
        SchemaKind::OneOf { one_of: parts } => list(parts, "oneOf", diags),
        SchemaKind::AnyOf { any_of: parts } => list(parts, "anyOf", diags),
        SchemaKind::Not { not } => in_schema_ref(not, &pointer_push(pointer, "not"), diags),
        SchemaKind::Any(a) => {
            properties(&mut a.properties, diags);
            additional(&mut a.additional_properties, diags);
            if let Some(items) = &mut a.items {
                in_boxed(items, &pointer_push(pointer, "items"), diags);
            }
            list(&mut a.all_of, "allOf", diags);
            list(&mut a.one_of, "oneOf", diags);
            list(&mut a.any_of, "anyOf", diags);
            if let Some(not) = &mut a.not {
                in_schema_ref(not, &pointer_push(pointer, "not"), diags);
            }
        }
    }
}

/// What a mixed schema means, where that is plain; else the schema as it was.
fn meant(any: AnySchema, pointer: &str, diags: &mut Vec<Diagnostic>) -> SchemaKind {
    let combinators = [!any.all_of.is_empty(), !any.one_of.is_empty(), !any.any_of.is_empty(), any.not.is_some()];
    let combined = combinators.iter().filter(|c| **c).count();
    let nothing_of_an_object = any.properties.is_empty() && any.required.is_empty() && any.additional_properties.is_none();
    if combined > 0 {
        // `type: object` says what every alternative or part already says.
        if combined > 1 || any.typ.as_deref() != Some("object") || !nothing_of_an_object {
            return SchemaKind::Any(any);
        }
        return if !any.all_of.is_empty() {
            SchemaKind::AllOf { all_of: any.all_of }
        } else if !any.one_of.is_empty() {
            SchemaKind::OneOf { one_of: any.one_of }
        } else if !any.any_of.is_empty() {
            SchemaKind::AnyOf { any_of: any.any_of }
        } else {
            match any.not {
                Some(not) => SchemaKind::Not { not },
                None => SchemaKind::Any(any),
            }
        };
    }
    let array = |any: AnySchema| {
        SchemaKind::Type(Type::Array(ArrayType {
            items: any.items,
            min_items: any.min_items,
            max_items: any.max_items,
            unique_items: any.unique_items.unwrap_or(false),
        }))
    };
    match any.typ.as_deref() {
        None if any.items.is_some() && nothing_of_an_object => array(any),
        Some("array") => array(any),
        Some("object") => SchemaKind::Type(Type::Object(ObjectType {
            properties: any.properties,
            required: any.required,
            additional_properties: any.additional_properties,
            min_properties: any.min_properties,
            max_properties: any.max_properties,
        })),
        Some("boolean") => SchemaKind::Type(Type::Boolean(BooleanType {
            enumeration: any.enumeration.iter().filter_map(|v| if v.is_null() { Some(None) } else { v.as_bool().map(Some) }).collect(),
        })),
        Some("string") => {
            let written: Vec<&serde_json::Value> = any.enumeration.iter().filter(|v| !v.is_string() && !v.is_null()).collect();
            if !written.is_empty() {
                let shown: Vec<String> = written.iter().take(3).map(|v| format!("`{v}`")).collect();
                diags.push(
                    Diagnostic::warning(
                        pointer_push(pointer, "enum"),
                        format!("`type: string` with enum values that are not strings ({}); read as their text", shown.join(", ")),
                    )
                    .help("quote the values (`'true'`, `'1'`), or give the schema the type the values have"),
                );
            }
            let enumeration = any
                .enumeration
                .iter()
                .filter_map(|v| match v {
                    serde_json::Value::Null => Some(None),
                    serde_json::Value::String(s) => Some(Some(s.clone())),
                    serde_json::Value::Bool(_) | serde_json::Value::Number(_) => Some(Some(v.to_string())),
                    _ => None,
                })
                .collect();
            SchemaKind::Type(Type::String(StringType {
                format: any.format.into(),
                pattern: any.pattern,
                enumeration,
                min_length: any.min_length,
                max_length: any.max_length,
            }))
        }
        // Number bounds only constrain; values of an `enum` that are not numbers are not kept.
        Some("integer") => SchemaKind::Type(Type::Integer(IntegerType {
            format: any.format.into(),
            enumeration: any.enumeration.iter().filter_map(|v| v.as_i64().map(Some)).collect(),
            ..IntegerType::default()
        })),
        Some("number") => SchemaKind::Type(Type::Number(NumberType {
            format: any.format.into(),
            enumeration: any.enumeration.iter().filter_map(|v| v.as_f64().map(Some)).collect(),
            ..NumberType::default()
        })),
        _ => SchemaKind::Any(any),
    }
}
