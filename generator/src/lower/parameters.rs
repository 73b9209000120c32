//! Parameters: which types a path, query or header parameter may have, and how each is serialized
//! (`style`/`explode`).

use super::*;

/// What lowering one parameter gave.
pub(super) struct LoweredParam {
    /// None: the parameter is left out (with a warning).
    pub(super) param: Option<Param>,
    /// The operation cannot be expressed with this parameter as described: it is left out.
    pub(super) refuses_operation: bool,
}

impl<'a> Lowerer<'a> {
    /// The parameters an operation takes, each with where it is declared: the path item's, then
    /// the operation's own, which override a path item's of the same name and location.
    pub(super) fn declared_parameters(
        &mut self,
        op: &'a openapiv3::Operation,
        shared_params: &'a [ReferenceOr<Parameter>],
        pointer: &str,
    ) -> Vec<(&'a Parameter, String)> {
        // Path-item parameters first, so the operation's own replace them below.
        let mut declared: Vec<(&'a ReferenceOr<Parameter>, String)> = Vec::new();
        for (i, p) in shared_params.iter().enumerate() {
            declared.push((p, pointer_push(&pointer_push(&parent_pointer(pointer), "parameters"), &i.to_string())));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            declared.push((p, pointer_push(&pointer_push(pointer, "parameters"), &i.to_string())));
        }
        let mut resolved: Vec<(&'a Parameter, String)> = Vec::new();
        for (p, p_pointer) in declared {
            let Some(param) = self.resolve_parameter(p, &p_pointer) else { continue };
            let p_pointer = match p {
                ReferenceOr::Reference { reference } => local_pointer(reference).unwrap_or(p_pointer),
                ReferenceOr::Item(_) => p_pointer,
            };
            let data = param.parameter_data_ref();
            if let Some(pos) = resolved
                .iter()
                .position(|(q, _)| q.parameter_data_ref().name == data.name && std::mem::discriminant(*q) == std::mem::discriminant(param))
            {
                if let Some(slot) = resolved.get_mut(pos) {
                    *slot = (param, p_pointer);
                }
            } else {
                resolved.push((param, p_pointer));
            }
        }
        resolved
    }

    /// One parameter of the operation `operation_id`, typed and with its serialization; `used`
    /// holds the Rust names its siblings took.
    pub(super) fn lower_parameter(
        &mut self,
        param: &'a Parameter,
        p_pointer: &str,
        owner: &str,
        operation_id: &str,
        used: &mut BTreeSet<String>,
    ) -> LoweredParam {
        let mut refuses_operation = false;
        let data = param.parameter_data_ref();
        let location = match param {
            Parameter::Path { .. } => ParamLocation::Path,
            Parameter::Query { .. } => ParamLocation::Query,
            Parameter::Header { .. } => {
                if let Some(why) = refused_header(&data.name) {
                    self.diags.push(
                        Diagnostic::warning(pointer_push(p_pointer, "name"), format!("header parameter `{}` left out: {why}", data.name))
                            .help("the operation is generated without it; remove the parameter from the description"),
                    );
                    return LoweredParam { param: None, refuses_operation: false };
                }
                ParamLocation::Header
            }
            Parameter::Cookie { .. } => {
                self.diags.push(Diagnostic::warning(p_pointer, format!("cookie parameter `{}` is not supported; left out", data.name)));
                return LoweredParam { param: None, refuses_operation: false };
            }
        };
        // An object or array in a path is refused below; typing it first would leave its
        // inline struct in the models with no operation to use it.
        let compound = |lw: &Self, s: &'a ReferenceOr<Schema>| {
            matches!(lw.resolve_node(node(s), 0).map(|s| &s.schema_kind), Some(SchemaKind::Type(Type::Object(_) | Type::Array(_))))
        };
        let ty = match &data.format {
            ParameterSchemaOrContent::Schema(s) if location == ParamLocation::Path && compound(self, s) => TypeRef::Json,
            // `oneOf`/`anyOf` of scalars (an id that is a number or a name) becomes a small
            // enum of them, written as the alternative's own text.
            ParameterSchemaOrContent::Schema(s) => {
                let param_owner = format!("{owner} {}", data.name);
                self.type_ref_of(node(s), &pointer_push(p_pointer, "schema"), &param_owner, 1)
            }
            ParameterSchemaOrContent::Content(_) => {
                self.diags.push(Diagnostic::warning(p_pointer, format!("parameter `{}` uses `content`; sent as a string", data.name)));
                TypeRef::String
            }
        };
        let ty = typed_header(location, &data.name, ty);
        if location == ParamLocation::Path && !self.is_single_value(&ty, 0) {
            // One operation the client cannot call is no reason to refuse the others.
            self.diags.push(
                Diagnostic::warning(
                    p_pointer,
                    format!("path parameter `{}` is not a single scalar value; operation `{operation_id}` left out", data.name),
                )
                .help("path segments carry single values: a string, number, boolean or enum"),
            );
            refuses_operation = true;
        }
        let serialization = match param {
            Parameter::Query { style, .. } => self.choose_query_serialization(style, data.explode, &ty),
            // Headers (`simple`) join array items with commas.
            Parameter::Header { .. } => self.choose_header_serialization(&ty),
            // Paths carry single values (checked above).
            _ => Ok(Serialization::Joined(',')),
        };
        if let Ok(Serialization::Members(_)) = serialization {
            self.warn_nested_members(&ty, &data.name, p_pointer);
        }
        // An array in `deepObject` style goes out as `name[]=a&name[]=b` (see
        // `choose_query_serialization`).
        let wire_name = match (param, &ty) {
            (Parameter::Query { style: openapiv3::QueryStyle::DeepObject, .. }, TypeRef::Array(_)) => format!("{}[]", data.name),
            _ => data.name.clone(),
        };
        let serialization = match serialization {
            Ok(serialization) => serialization,
            Err(why) => {
                let kind = if location == ParamLocation::Header { "header" } else { "query" };
                let what = format!("{kind} parameter `{}` {why}", data.name);
                let help = "describe the parameter as a scalar, an array of scalars or (in the query) an object";
                if data.required {
                    self.diags.push(Diagnostic::warning(p_pointer, format!("{what}; operation `{operation_id}` left out")).help(help));
                    refuses_operation = true;
                } else {
                    self.diags.push(Diagnostic::warning(p_pointer, format!("{what}; the parameter is left out")).help(help));
                }
                return LoweredParam { param: None, refuses_operation };
            }
        };
        let param = Param {
            rust_name: names::dedupe(names::snake(&data.name, "param"), used, "_"),
            wire_name,
            location,
            required: data.required || location == ParamLocation::Path,
            ty,
            serialization,
            doc: data.description.clone(),
        };
        LoweredParam { param: Some(param), refuses_operation }
    }

    /// True for a type written as one piece of text: a string of any format, a number, a
    /// boolean, an enum (its wire value), or a named alias of one of those. Such a value fits in
    /// one path segment; arrays, maps, objects and unions do not.
    pub(super) fn is_single_value(&self, ty: &TypeRef, depth: usize) -> bool {
        match ty {
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I16
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::U8
            | TypeRef::U16
            | TypeRef::U32
            | TypeRef::U64
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::DateTime
            | TypeRef::Date
            | TypeRef::Time
            | TypeRef::Duration
            | TypeRef::Uuid
            | TypeRef::Bytes
            | TypeRef::ConsistencyLevel => true,
            TypeRef::Lenient(inner) => self.is_single_value(inner, depth + 1),
            // Flags enums are one comma-separated value, as Graph sends them.
            TypeRef::Named(id) => match self.kind_of(*id) {
                Some(TypeKind::Enum(_)) => true,
                Some(TypeKind::Alias(inner)) if depth < MAX_DEPTH => self.is_single_value(inner, depth + 1),
                Some(TypeKind::Alternatives(a)) => a.single_value,
                _ => false,
            },
            TypeRef::Json | TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Nullable(_) => false,
        }
    }

    /// How a query parameter goes into the query string, from its `style` and `explode` (whose
    /// default is true for `form` only), or why it cannot.
    pub(super) fn choose_query_serialization(
        &self,
        style: &openapiv3::QueryStyle,
        explode: Option<bool>,
        ty: &TypeRef,
    ) -> Result<Serialization, &'static str> {
        use openapiv3::QueryStyle;
        let joined = |style: &QueryStyle| match style {
            QueryStyle::SpaceDelimited => ' ',
            QueryStyle::PipeDelimited => '|',
            QueryStyle::Form | QueryStyle::DeepObject => ',',
        };
        let object_style = match style {
            QueryStyle::DeepObject => ObjectStyle::DeepObject,
            QueryStyle::Form if explode.unwrap_or(true) => ObjectStyle::Exploded,
            other => ObjectStyle::Joined(joined(other)),
        };
        let item = match ty {
            TypeRef::Array(item) => item.as_ref(),
            // Any JSON value is sent as its text.
            TypeRef::Json => return Ok(Serialization::Joined(',')),
            object if self.is_object(object, 0) => return Ok(Serialization::Members(object_style)),
            single if self.is_single_value(single, 0) => return Ok(Serialization::Joined(',')),
            union if self.is_object_or_single_values(union) => return Ok(Serialization::MembersOrValue(object_style)),
            _ => return Err("is a union of objects or arrays, which has no query form"),
        };
        // OpenAPI gives a null item no query form (RFC 6570 drops it, servers read `a,,b` and
        // `a=` differently), so such an array is not guessed at.
        if matches!(item, TypeRef::Nullable(_)) {
            return Err("is an array whose items may be null, which has no query form");
        }
        if !self.is_single_value(item, 0) {
            return Err("is an array of objects or arrays, which OpenAPI gives no query form");
        }
        match style {
            QueryStyle::Form if explode.unwrap_or(true) => Ok(Serialization::Repeated),
            // OpenAPI defines `deepObject` for objects only; the services that write it on an
            // array (Stripe's `expand`) read `name[]=a&name[]=b`: repeated, under the key the
            // operation gives it (`name[]`).
            QueryStyle::DeepObject => Ok(Serialization::Repeated),
            other => Ok(Serialization::Joined(joined(other))),
        }
    }

    /// How a header parameter is written (`simple`: array items joined with commas), or why it
    /// cannot be: an object's members have no header form the generated code writes.
    pub(super) fn choose_header_serialization(&self, ty: &TypeRef) -> Result<Serialization, &'static str> {
        let item = match ty {
            TypeRef::Array(item) => item.as_ref(),
            _ => ty,
        };
        match item {
            _ if *item == TypeRef::Json || self.is_single_value(item, 0) => Ok(Serialization::Joined(',')),
            TypeRef::Nullable(_) => Err("is an array whose items may be null, which the generator cannot write into a header"),
            _ => Err("is an object or holds objects, which the generator cannot write into a header"),
        }
    }

    /// A union (`anyOf`/`oneOf`) of exactly one object and single values, such as a range filter
    /// that is `{gt, lt}` or a number.
    fn is_object_or_single_values(&self, ty: &TypeRef) -> bool {
        let TypeRef::Named(id) = ty else { return false };
        let Some(TypeKind::Alternatives(a)) = self.kind_of(*id) else { return false };
        let objects = a.variants.iter().filter(|v| self.is_object(&v.ty, 0)).count();
        objects == 1 && a.tag_property.is_none() && a.variants.iter().all(|v| self.is_object(&v.ty, 0) || self.is_single_value(&v.ty, 0))
    }

    /// True for a struct or a map (or a named alias of one): a value written member by member.
    pub(super) fn is_object(&self, ty: &TypeRef, depth: usize) -> bool {
        match ty {
            TypeRef::Map(_) => true,
            TypeRef::Named(id) => match self.kind_of(*id) {
                Some(TypeKind::Struct(_)) => true,
                Some(TypeKind::Alias(inner)) if depth < MAX_DEPTH => self.is_object(inner, depth + 1),
                _ => false,
            },
            _ => false,
        }
    }

    /// Warns at an object query parameter whose declared members are themselves objects, or arrays
    /// of them: OpenAPI leaves how they are written undefined, and the client sends their JSON text.
    pub(super) fn warn_nested_members(&mut self, ty: &TypeRef, name: &str, pointer: &str) {
        let mut ty = ty;
        for _ in 0..MAX_DEPTH {
            match ty {
                TypeRef::Named(id) => match self.kind_of(*id) {
                    Some(TypeKind::Alias(inner)) => ty = inner,
                    _ => break,
                },
                _ => break,
            }
        }
        let nested = |lw: &Self, ty: &TypeRef| {
            let item = match ty {
                TypeRef::Array(item) | TypeRef::Nullable(item) => item.as_ref(),
                other => other,
            };
            !matches!(item, TypeRef::Json) && !lw.is_single_value(item, 0)
        };
        let members = match ty {
            TypeRef::Named(id) => match self.kind_of(*id) {
                Some(TypeKind::Struct(s)) => {
                    let names: Vec<String> =
                        s.fields.iter().filter(|f| nested(self, &f.ty)).map(|f| format!("`{}`", f.json_name)).collect();
                    match names.len() {
                        0 => None,
                        1 => Some(format!("member {} holds an object or array", names.join(""))),
                        _ => Some(format!("members {} hold objects or arrays", names.join(", "))),
                    }
                }
                _ => None,
            },
            TypeRef::Map(value) if nested(self, value) => Some("every member holds an object or array".to_string()),
            _ => None,
        };
        if let Some(members) = members {
            self.diags.push(
                Diagnostic::warning(pointer, format!("query parameter `{name}`: {members}, sent as JSON text"))
                    .help("OpenAPI does not say how nested values go into a query string; check what the server expects"),
            );
        }
    }

    pub(super) fn resolve_parameter(&mut self, p: &'a ReferenceOr<Parameter>, pointer: &str) -> Option<&'a Parameter> {
        self.resolve(p, "parameters", |c| &c.parameters, "parameter", pointer)
    }
}

/// Why a header parameter named `name` may not be generated, if it may not. The client or the
/// HTTP layer owns these headers; one set from an argument would duplicate or contradict theirs
/// (a second `Authorization`, a `Host` naming another server, a `Content-Length` that hangs a GET).
pub(super) fn refused_header(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let valid_token = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid_token {
        return Some("not a valid HTTP header name, so no request could carry it");
    }
    match lower.as_str() {
        // OpenAPI 3.0.3, Parameter Object: "If in is header and the name field is Accept,
        // Content-Type or Authorization, the parameter definition SHALL be ignored."
        "accept" | "content-type" | "authorization" => Some("OpenAPI says to ignore it; the client sets it"),
        "host" | "content-length" | "transfer-encoding" | "connection" | "keep-alive" | "te" | "trailer" | "upgrade" | "expect" => {
            Some("the HTTP layer sets this protocol header")
        }
        _ if lower.starts_with("proxy-") => Some("proxy headers belong to the HTTP layer and may carry credentials"),
        "cookie" => Some("it carries credentials; cookie parameters (`in: cookie`) are not supported"),
        "retry-attempt" => Some("the client sets it on each retry"),
        _ => None,
    }
}

/// The runtime's typed header for a header parameter Graph gives a fixed meaning, where the
/// description types it as a plain string: `ConsistencyLevel` (`eventual`, which `$count` and
/// `$search` on directory objects require). Anything else keeps its type.
pub(super) fn typed_header(location: ParamLocation, name: &str, ty: TypeRef) -> TypeRef {
    if location == ParamLocation::Header && name.eq_ignore_ascii_case("ConsistencyLevel") && ty == TypeRef::String {
        return TypeRef::ConsistencyLevel;
    }
    ty
}
