//! Request bodies by media type: JSON, PATCH, forms, multipart parts, bytes and text.

use super::*;

impl<'a> Lowerer<'a> {
    /// The request body, `Ok(None)` when there is none (or an optional one that cannot be
    /// sent, with a warning), and `Err(())` when a required one cannot be sent: the operation is
    /// then left out, with a warning naming the media types.
    pub(super) fn lower_request_body(
        &mut self,
        op: &'a openapiv3::Operation,
        method: Method,
        pointer: &str,
        owner: &str,
        operation_id: &str,
    ) -> Result<Option<RequestBody>, ()> {
        let body_pointer = pointer_push(pointer, "requestBody");
        let Some(declared) = op.request_body.as_ref() else { return Ok(None) };
        // An unresolvable `$ref` is an error already reported; the operation is left out with it.
        let body = self.resolve(declared, "requestBodies", |c| &c.request_bodies, "request body", &body_pointer).ok_or(())?;
        let body_pointer = match declared {
            ReferenceOr::Reference { reference } => local_pointer(reference).unwrap_or(body_pointer),
            _ => body_pointer,
        };
        let content_pointer = pointer_push(&body_pointer, "content");
        let mut json: Vec<(&String, &openapiv3::MediaType)> = body.content.iter().filter(|(m, _)| is_json(m)).collect();
        // `application/json` first where it is offered: ASP.NET lists `application/json-patch+json`
        // or `text/json` before it, for the same schema.
        json.sort_by_key(|(m, _)| !is_plain_json(m));
        if body.content.len() > 1 && !json.is_empty() {
            let others: Vec<&str> = body.content.keys().filter(|m| !is_json(m)).map(|m| m.as_str()).collect();
            if !others.is_empty() {
                self.diags.push(Diagnostic::warning(
                    &content_pointer,
                    format!("only JSON request bodies are supported; {} left out", others.join(", ")),
                ));
            }
            if let Some(((first, chosen), rest)) = json.split_first() {
                // Another JSON media type with the same schema loses nothing: the server reads both.
                let rest: Vec<&str> = rest.iter().filter(|(_, mt)| mt.schema != chosen.schema).map(|(m, _)| m.as_str()).collect();
                if !rest.is_empty() {
                    self.diags.push(
                        Diagnostic::warning(&content_pointer, format!("the body is sent as {first}; {} left out", rest.join(", ")))
                            .help("list the JSON media type the client should send first"),
                    );
                }
            }
        }
        if let Some((media, media_type)) = json.first() {
            let ty = match &media_type.schema {
                Some(schema) => {
                    let schema_pointer = pointer_push(&pointer_push(&content_pointer, media), "schema");
                    self.type_ref_of(node(schema), &schema_pointer, &format!("{owner} body"), 1)
                }
                None => {
                    // No schema allows any JSON value; say so, since the client then checks nothing.
                    self.diags.push(
                        Diagnostic::warning(pointer_push(&content_pointer, media), "request body has no schema; typed as any JSON value")
                            .help("add a `schema` to the media type"),
                    );
                    TypeRef::Json
                }
            };
            let ty = match (&ty, method) {
                (TypeRef::Named(id), Method::Patch) if matches!(self.kind_of(self.struct_of(*id)), Some(TypeKind::Struct(_))) => {
                    BodyType::Patch(self.patch_for(self.struct_of(*id)))
                }
                _ => BodyType::Model(ty),
            };
            // `application/*+json` names no type a server can be sent.
            let content_type = if media.contains('*') { "application/json".to_string() } else { media.to_string() };
            return Ok(Some(RequestBody { ty, content_type, required: body.required, doc: body.description.clone() }));
        }
        // No JSON: the first media type the client can send, in the order the description lists them.
        let mut chosen = None;
        for (media, media_type) in &body.content {
            let ty = match classify_media(media, media_type.schema.as_ref()) {
                MediaKind::Binary => BodyType::Bytes,
                MediaKind::Text => BodyType::Text,
                MediaKind::Form => {
                    let Some(schema) = &media_type.schema else { continue };
                    let schema_pointer = pointer_push(&pointer_push(&content_pointer, media), "schema");
                    let ty = self.type_ref_of(node(schema), &schema_pointer, &format!("{owner} form"), 1);
                    if !self.is_form_value(&ty) {
                        continue;
                    }
                    let encoding_pointer = pointer_push(&pointer_push(&content_pointer, media), "encoding");
                    BodyType::Form(ty, self.deep_form_members(media_type, &encoding_pointer))
                }
                MediaKind::Multipart => {
                    let Some(schema) = &media_type.schema else { continue };
                    let schema_pointer = pointer_push(&pointer_push(&content_pointer, media), "schema");
                    match self.lower_multipart(node(schema), &schema_pointer, owner) {
                        Some(def) => BodyType::Multipart(def),
                        None => continue,
                    }
                }
                MediaKind::Json | MediaKind::Other => continue,
            };
            // `image/*` names no type a server can be sent; the bytes' own type is unknown.
            let content_type = if media.contains('*') { "application/octet-stream".to_string() } else { media.clone() };
            chosen = Some((media.as_str(), RequestBody { ty, content_type, required: body.required, doc: body.description.clone() }));
            break;
        }
        let offered: Vec<&str> = body.content.keys().map(String::as_str).collect();
        let Some((media, chosen)) = chosen else {
            let offered = if offered.is_empty() { "no media type".to_string() } else { offered.join(", ") };
            if body.required {
                self.diags.push(Diagnostic::warning(&content_pointer, format!("the required request body is {offered}, which the generator cannot send yet; operation `{operation_id}` left out"))
                    .help("describe the body as JSON, form fields, text or bytes"));
                return Err(());
            }
            // An optional body that is an object with no members (Stripe writes one on every
            // GET and DELETE) has nothing to send: leaving it off loses nothing.
            if body.content.values().all(|mt| mt.schema.as_ref().is_some_and(|s| self.is_memberless_object(s))) {
                return Ok(None);
            }
            // Dropping an optional body is still a change to what the client can send: say so.
            self.diags.push(Diagnostic::warning(&content_pointer, format!("the optional request body is {offered}, which the generator cannot send yet; operation `{operation_id}` is generated without it"))
                .help("describe the body as JSON, form fields, text or bytes"));
            return Ok(None);
        };
        let others: Vec<&str> = offered.into_iter().filter(|m| *m != media).collect();
        if !others.is_empty() {
            self.diags.push(Diagnostic::warning(&content_pointer, format!("the body is sent as {media}; {} left out", others.join(", "))));
        }
        Ok(Some(chosen))
    }

    /// The parts of a `multipart/form-data` body: one per property of its object schema, a
    /// binary string as a file, a single value as text, anything else as JSON. None when the
    /// schema describes no properties.
    pub(super) fn lower_multipart(&mut self, n: Node<'a>, pointer: &str, owner: &str) -> Option<MultipartDef> {
        let schema = self.resolve_node(n, 0)?;
        let (props, required) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (&o.properties, &o.required),
            SchemaKind::Any(a) => (&a.properties, &a.required),
            _ => return None,
        };
        if props.is_empty() {
            return None;
        }
        let mut used = BTreeSet::new();
        let mut parts = Vec::new();
        for (name, prop) in props {
            let prop_pointer = pointer_push(&pointer_push(pointer, "properties"), name);
            let prop_node = node_boxed(prop);
            let is_file = matches!(self.resolve_node(prop_node, 0), Some(Schema { schema_kind: SchemaKind::Type(Type::String(st)), .. })
                if matches!(st.format, VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary | openapiv3::StringFormat::Byte)));
            let kind = if is_file {
                PartKind::Bytes
            } else {
                let ty = self.type_ref_of(prop_node, &prop_pointer, &format!("{owner} {name}"), 1);
                match &ty {
                    TypeRef::Array(item) if self.is_single_value(item, 0) => PartKind::Repeated(ty),
                    _ if self.is_single_value(&ty, 0) => PartKind::Text(ty),
                    _ => PartKind::Json(ty),
                }
            };
            let doc = match prop_node {
                Node::Item(s) => s.schema_data.description.clone(),
                Node::Ref(_) => None,
            };
            parts.push(MultipartPart {
                rust_name: names::dedupe(names::snake(name, "part"), &mut used, "_"),
                wire_name: name.clone(),
                required: required.contains(name),
                kind,
                doc,
            });
        }
        let name = self.inline_name(&format!("{owner} parts"));
        Some(MultipartDef { name, parts })
    }

    /// The members a form's `encoding` writes as `deepObject`; a style the client does not
    /// follow is named in a warning (the member is then sent as the form's default writes it).
    fn deep_form_members(&mut self, media_type: &openapiv3::MediaType, pointer: &str) -> Vec<String> {
        let mut deep = Vec::new();
        for (name, encoding) in &media_type.encoding {
            let at = pointer_push(pointer, name);
            let other = match &encoding.style {
                Some(openapiv3::QueryStyle::DeepObject) => {
                    deep.push(name.clone());
                    None
                }
                None | Some(openapiv3::QueryStyle::Form) => None,
                Some(openapiv3::QueryStyle::SpaceDelimited) => Some("spaceDelimited"),
                Some(openapiv3::QueryStyle::PipeDelimited) => Some("pipeDelimited"),
            };
            if let Some(other) = other {
                self.diags.push(
                    Diagnostic::warning(
                        pointer_push(&at, "style"),
                        format!("form member `{name}`: style `{other}` is not followed; sent as `name=value` pairs, arrays repeated"),
                    )
                    .help("the client writes form members as `form` or `deepObject`"),
                );
            }
            if !encoding.headers.is_empty() {
                self.diags.push(Diagnostic::warning(
                    pointer_push(&at, "headers"),
                    format!("form member `{name}`: per-member headers are not sent"),
                ));
            }
        }
        deep
    }

    /// `{type: object}` describing no member: no properties, and no schema for undeclared ones.
    fn is_memberless_object(&self, s: &'a ReferenceOr<Schema>) -> bool {
        matches!(self.resolve_node(node(s), 0), Some(Schema { schema_kind: SchemaKind::Type(Type::Object(o)), .. })
            if o.properties.is_empty() && matches!(o.additional_properties, None | Some(AdditionalProperties::Any(false))))
    }

    /// A form body is a struct of fields (or a map of them).
    pub(super) fn is_form_value(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Map(_) => true,
            TypeRef::Named(id) => matches!(self.kind_of(*id), Some(TypeKind::Struct(_))),
            _ => false,
        }
    }
}

/// What kind of body a media type carries, as far as the generated client can send or read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaKind {
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `text/*`.
    Text,
    /// Bytes whose meaning the client does not look into: `application/octet-stream`, images,
    /// audio, video, PDF, archives, `*/*`, or any media type whose schema is a binary string.
    Binary,
    /// `multipart/form-data`, one part per property.
    Multipart,
    /// XML and the rest: not supported yet.
    Other,
}

pub(super) fn classify_media(media: &str, schema: Option<&ReferenceOr<Schema>>) -> MediaKind {
    let m = essence(media);
    let binary_schema = matches!(schema, Some(ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::String(st)), .. }))
        if st.format == VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary));
    if is_json(&m) {
        MediaKind::Json
    } else if m == "application/x-www-form-urlencoded" {
        MediaKind::Form
    } else if m == "multipart/form-data" {
        MediaKind::Multipart
    } else if m.starts_with("multipart/") {
        MediaKind::Other
    } else if binary_schema
        || m == "*/*"
        || m == "application/octet-stream"
        || ["image/", "audio/", "video/", "font/"].iter().any(|p| m.starts_with(p))
        || ["application/pdf", "application/zip", "application/gzip"].contains(&m.as_str())
    {
        MediaKind::Binary
    } else if m.starts_with("text/") {
        MediaKind::Text
    } else {
        MediaKind::Other
    }
}

/// JSON by any reading: `application/json`, `text/json` (ASP.NET), `application/problem+json`.
pub(super) fn is_json(media: &str) -> bool {
    let m = essence(media);
    m.ends_with("/json") || m.ends_with("+json")
}

pub(super) fn is_plain_json(media: &str) -> bool {
    essence(media) == "application/json"
}

/// The media type without its parameters (`; charset=utf-8`), lowercased.
fn essence(media: &str) -> String {
    media.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}
