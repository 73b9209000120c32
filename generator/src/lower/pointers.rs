//! `$ref`s that name a schema anywhere in the document, not only a component: a part of one
//! (`#/components/schemas/Tag/allOf/0`, `…/Tag/properties/name`), a parameter's schema
//! (`#/components/parameters/kind/schema`) or a schema inside a path item. JSON Reference allows
//! any JSON pointer; descriptions written by tools that reuse pieces this way have hundreds.

use super::*;
use openapiv3::{MediaType, PathItem, RequestBody, Response};

impl<'a> Lowerer<'a> {
    /// The schema node a local `$ref` lands on, following the `$ref`s met on the way; None when
    /// it lands on nothing, or on something that is not a schema.
    pub(super) fn schema_at(&self, reference: &str) -> Option<Node<'a>> {
        self.schema_at_hops(reference, 0)
    }

    /// `hops` counts the `$ref`s followed so far, so a pointer that reaches itself ends.
    fn schema_at_hops(&self, reference: &str, hops: usize) -> Option<Node<'a>> {
        if hops > MAX_DEPTH {
            return None;
        }
        let pointer = local_pointer(reference)?;
        let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        let mut rest = tokens.iter().map(String::as_str);
        let components = self.doc.components.as_ref();
        let start = match rest.next()? {
            "components" => {
                let components = components?;
                let section = rest.next()?;
                let name = rest.next()?;
                match section {
                    "schemas" => node(components.schemas.get(name)?),
                    "parameters" => {
                        let p = self.follow(components.parameters.get(name)?, "parameters", |c| &c.parameters)?;
                        in_format(&p.parameter_data_ref().format, &mut rest)?
                    }
                    "headers" => in_format(&self.follow(components.headers.get(name)?, "headers", |c| &c.headers)?.format, &mut rest)?,
                    "requestBodies" => {
                        in_body(self.follow(components.request_bodies.get(name)?, "requestBodies", |c| &c.request_bodies)?, &mut rest)?
                    }
                    "responses" => in_response(self.follow(components.responses.get(name)?, "responses", |c| &c.responses)?, &mut rest)?,
                    _ => return None,
                }
            }
            "paths" => {
                let ReferenceOr::Item(item) = self.doc.paths.paths.get(rest.next()?)? else { return None };
                self.in_path_item(item, &mut rest)?
            }
            _ => return None,
        };
        self.walk_schema(start, rest, hops)
    }

    /// Steps from `start` down the remaining tokens of a pointer, through schema keywords.
    fn walk_schema<'t>(&self, start: Node<'a>, tokens: impl Iterator<Item = &'t str>, hops: usize) -> Option<Node<'a>> {
        let mut at = start;
        let mut tokens = tokens.peekable();
        while let Some(token) = tokens.next() {
            let schema = match at {
                Node::Item(s) => s,
                Node::Ref(r) => match self.schema_at_hops(r, hops + 1)? {
                    Node::Item(s) => s,
                    Node::Ref(_) => return None,
                },
            };
            let mut index =
                |list: &'a [ReferenceOr<Schema>]| -> Option<Node<'a>> { Some(node(list.get(tokens.next()?.parse::<usize>().ok()?)?)) };
            at = match (&schema.schema_kind, token) {
                (SchemaKind::AllOf { all_of: list }, "allOf")
                | (SchemaKind::OneOf { one_of: list }, "oneOf")
                | (SchemaKind::AnyOf { any_of: list }, "anyOf") => index(list)?,
                (SchemaKind::Any(a), "allOf") => index(&a.all_of)?,
                (SchemaKind::Any(a), "oneOf") => index(&a.one_of)?,
                (SchemaKind::Any(a), "anyOf") => index(&a.any_of)?,
                (SchemaKind::Not { not }, "not") => node(not),
                (SchemaKind::Any(a), "not") => node(a.not.as_deref()?),
                (SchemaKind::Type(Type::Object(o)), "properties") => node_boxed(o.properties.get(tokens.next()?)?),
                (SchemaKind::Any(a), "properties") => node_boxed(a.properties.get(tokens.next()?)?),
                (SchemaKind::Type(Type::Array(a)), "items") => node_boxed(a.items.as_ref()?),
                (SchemaKind::Any(a), "items") => node_boxed(a.items.as_ref()?),
                (SchemaKind::Type(Type::Object(o)), "additionalProperties") => additional(o.additional_properties.as_ref())?,
                (SchemaKind::Any(a), "additionalProperties") => additional(a.additional_properties.as_ref())?,
                _ => return None,
            };
        }
        // A pointer to a `$ref` lands where that `$ref` points: a component stays a `$ref`.
        match at {
            Node::Ref(r) if !is_component_schema_ref(r) => self.schema_at_hops(r, hops + 1),
            _ => Some(at),
        }
    }

    /// A parameter, header, body or response on the way, through a `$ref` to its component.
    fn follow<T>(
        &self,
        r: &'a ReferenceOr<T>,
        section: &str,
        table: impl Fn(&'a openapiv3::Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Option<&'a T> {
        match r {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix(&format!("#/components/{section}/"))?;
                match table(self.doc.components.as_ref()?).get(unescape(name).as_str())? {
                    ReferenceOr::Item(item) => Some(item),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        }
    }

    fn in_path_item<'t>(&self, item: &'a PathItem, rest: &mut impl Iterator<Item = &'t str>) -> Option<Node<'a>> {
        let parameter = |list: &'a [ReferenceOr<Parameter>], rest: &mut dyn Iterator<Item = &'t str>| {
            let p = self.follow(list.get(rest.next()?.parse::<usize>().ok()?)?, "parameters", |c| &c.parameters)?;
            in_format(&p.parameter_data_ref().format, rest)
        };
        let op = match rest.next()? {
            "parameters" => return parameter(&item.parameters, rest),
            "get" => item.get.as_ref(),
            "put" => item.put.as_ref(),
            "post" => item.post.as_ref(),
            "delete" => item.delete.as_ref(),
            "options" => item.options.as_ref(),
            "head" => item.head.as_ref(),
            "patch" => item.patch.as_ref(),
            "trace" => item.trace.as_ref(),
            _ => None,
        }?;
        match rest.next()? {
            "parameters" => parameter(&op.parameters, rest),
            "requestBody" => in_body(self.follow(op.request_body.as_ref()?, "requestBodies", |c| &c.request_bodies)?, rest),
            "responses" => {
                let code = rest.next()?;
                let response = match code {
                    "default" => op.responses.default.as_ref(),
                    _ => op.responses.responses.iter().find(|(c, _)| status_key(c) == code).map(|(_, r)| r),
                }?;
                in_response(self.follow(response, "responses", |c| &c.responses)?, rest)
            }
            _ => None,
        }
    }

    /// An `allOf` part that is a `$ref` other than to a component: the members of the schema it
    /// lands on, as if written in its place. One that lands nowhere is reported by `ref_type`.
    pub(super) fn flatten_deep(&mut self, reference: &'a str, pointer: &str, stack: &mut Vec<String>) -> Flat<'a> {
        match self.schema_at(reference) {
            Some(Node::Ref(component)) => match component.strip_prefix(SCHEMA_PREFIX).map(unescape) {
                Some(key) if self.schemas().is_some_and(|s| s.contains_key(key.as_str())) => self.flatten_key(&key, pointer, stack),
                _ => {
                    self.ref_type(component, pointer);
                    Flat::default()
                }
            },
            // The stack holds component keys and these references alike: neither may contain itself.
            Some(Node::Item(schema)) if !stack.iter().any(|k| k == reference) && stack.len() < MAX_DEPTH => {
                stack.push(reference.to_string());
                let flat = self.flatten_schema(schema, &local_pointer(reference).unwrap_or_default(), stack);
                stack.pop();
                flat
            }
            Some(Node::Item(_)) => {
                self.diags.push(
                    Diagnostic::error(
                        pointer,
                        format!("`allOf` cycle or chain deeper than {MAX_DEPTH}: {} -> {reference}", stack.join(" -> ")),
                    )
                    .help("a schema cannot inherit from itself; remove one `$ref` from the cycle"),
                );
                Flat::default()
            }
            _ => {
                self.ref_type(reference, pointer);
                Flat::default()
            }
        }
    }

    /// The type a `$ref` into the document (not to a component) names: the schema it lands on,
    /// lowered once however often it is referred to, and named after where it is.
    pub(super) fn deep_ref_type(&mut self, reference: &str, target: Node<'a>) -> TypeRef {
        if let Some(ty) = self.deep_types.get(reference) {
            return ty.clone();
        }
        if self.deep_types.len() > self.type_budget() {
            return TypeRef::Json;
        }
        // A pointer into a schema that contains it meets itself as any JSON value, not forever.
        self.deep_types.insert(reference.to_string(), TypeRef::Json);
        let pointer = local_pointer(reference).unwrap_or_default();
        let ty = self.type_ref_of(target, &pointer, &deep_owner(&pointer), 1);
        self.deep_types.insert(reference.to_string(), ty.clone());
        ty
    }
}

/// `#/components/schemas/<name>` and nothing below it.
pub(super) fn is_component_schema_ref(reference: &str) -> bool {
    reference.strip_prefix(SCHEMA_PREFIX).is_some_and(|name| !name.contains('/'))
}

/// The words an inline type found by pointer is named from: `Tag allOf 0` for
/// `/components/schemas/Tag/allOf/0`, `kind` for `/components/parameters/kind/schema`.
fn deep_owner(pointer: &str) -> String {
    let words: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(unescape)
        .filter(|t| {
            !matches!(
                t.as_str(),
                "components"
                    | "schemas"
                    | "parameters"
                    | "headers"
                    | "requestBodies"
                    | "responses"
                    | "paths"
                    | "properties"
                    | "schema"
                    | "content"
            )
        })
        .collect();
    words.join(" ")
}

fn status_key(code: &StatusCode) -> String {
    match code {
        StatusCode::Code(c) => c.to_string(),
        StatusCode::Range(r) => format!("{r}XX"),
    }
}

fn additional(a: Option<&AdditionalProperties>) -> Option<Node<'_>> {
    match a? {
        AdditionalProperties::Schema(s) => Some(node(s)),
        AdditionalProperties::Any(_) => None,
    }
}

/// `schema`, or `content/<media>/schema`, of a parameter or header.
fn in_format<'a, 't>(format: &'a ParameterSchemaOrContent, rest: &mut (impl Iterator<Item = &'t str> + ?Sized)) -> Option<Node<'a>> {
    match (format, rest.next()?) {
        (ParameterSchemaOrContent::Schema(s), "schema") => Some(node(s)),
        (ParameterSchemaOrContent::Content(content), "content") => in_content(content, rest),
        _ => None,
    }
}

fn in_content<'a, 't>(
    content: &'a indexmap::IndexMap<String, MediaType>,
    rest: &mut (impl Iterator<Item = &'t str> + ?Sized),
) -> Option<Node<'a>> {
    let media = content.get(rest.next()?)?;
    (rest.next()? == "schema").then_some(())?;
    media.schema.as_ref().map(node)
}

fn in_body<'a, 't>(body: &'a RequestBody, rest: &mut (impl Iterator<Item = &'t str> + ?Sized)) -> Option<Node<'a>> {
    (rest.next()? == "content").then_some(())?;
    in_content(&body.content, rest)
}

fn in_response<'a, 't>(response: &'a Response, rest: &mut (impl Iterator<Item = &'t str> + ?Sized)) -> Option<Node<'a>> {
    (rest.next()? == "content").then_some(())?;
    in_content(&response.content, rest)
}
