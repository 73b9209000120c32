//! Stage 2: `openapiv3::OpenAPI` to the IR: resolved references, flattened `allOf`, unique names.
//!
//! This is the only module besides `load` that knows `openapiv3`; everything after it reads `ir`.

use crate::diagnostics::{pointer_push, Diagnostic};
use crate::ir::*;
use crate::names;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, Parameter, ParameterSchemaOrContent,
    ReferenceOr, Schema, SchemaKind, StatusCode, Type, VariantOrUnknownOrEmpty,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How deep `allOf` chains and inline schemas may nest before the generator gives up on them.
/// Real descriptions stay far below it (Graph's whole documents nest 13 levels); it exists so
/// hostile input cannot exhaust the stack. Each level can add two generic levels to the emitted
/// type (`Vec<Option<…>>`), and syn's parser, in a debug build, overflows a 2 MiB stack at
/// about 55 nested generics, hence 20.
const MAX_DEPTH: usize = 20;

/// The service root used when the description names no usable absolute server URL.
pub const FALLBACK_BASE_URL: &str = "https://graph.microsoft.com/v1.0";

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// The member that names an OData value's type, where no `discriminator` says otherwise.
const ODATA_TYPE: &str = "@odata.type";

/// Lowers a whole description. Errors and warnings come back together; the caller decides
/// whether errors stop the run.
pub fn lower_api(doc: &OpenAPI) -> (Api, Vec<Diagnostic>) {
    let mut lw = Lowerer::new(doc);
    lw.dialect = detect_dialect(doc);
    lw.lower_components();
    let operations = lw.lower_operations();
    lw.mark_boxes();
    let auth = lw.lower_auth();
    // Every allocated slot is filled before this point; an empty one would be a generator bug,
    // and is emitted as an alias to any JSON value rather than a panic.
    let types = lw
        .types
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            t.unwrap_or_else(|| TypeDef {
                name: format!("Unfilled{i}"),
                schema_name: String::new(),
                doc: None,
                deprecated: None,
                kind: TypeKind::Alias(TypeRef::Json),
            })
        })
        .collect();
    let default_base_url = lower_server_url(doc, lw.dialect, &mut lw.diags);
    let api = Api {
        title: doc.info.title.clone(),
        default_base_url,
        dialect: lw.dialect,
        auth,
        types,
        patches: lw.patches,
        operations,
    };
    (api, lw.diags)
}

/// The first server's URL, if it is one the client may default to; otherwise a warning and `None`
/// (a client for Graph then defaults to [`FALLBACK_BASE_URL`]; any other has no default, and
/// fails with `RequestError::MissingBaseUrl` until given one).
fn lower_server_url(doc: &OpenAPI, dialect: Dialect, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let fallback = match dialect {
        // Graph's own root is only a guess worth making for a cut of Graph's description.
        Dialect::OData => format!("the client defaults to {FALLBACK_BASE_URL}"),
        Dialect::Plain => "the client has no default service root (requests fail with `RequestError::MissingBaseUrl`)".to_string(),
    };
    let Some(server) = doc.servers.first() else {
        diags.push(Diagnostic::warning("/servers", format!("no absolute server URL; {fallback}"))
            .help("add `servers: [{url: https://…}]`, or call `with_base_url` on the client"));
        return None;
    };
    let resolved = match resolve_server_variables(server) {
        Ok(resolved) => resolved,
        Err((pointer, why)) => {
            diags.push(Diagnostic::warning(pointer, format!("{why}; {fallback}"))
                .help("define every `{variable}` of the URL under `variables`, each with a `default` among its `enum` values, or call `with_base_url` on the client"));
            return None;
        }
    };
    let url = resolved.trim_end_matches('/');
    match server_url_problem(url) {
        None => Some(url.to_string()),
        Some(why) => {
            // Quoted with `{:?}`: the URL may hold control characters.
            let named = if resolved == server.url {
                format!("server URL {:?}", server.url)
            } else {
                format!("server URL {:?} (with its variables' defaults, {resolved:?})", server.url)
            };
            diags.push(Diagnostic::warning("/servers/0/url", format!("{named} {why}; {fallback}"))
                .help("give an absolute http(s) URL with no user information, query or fragment, or call `with_base_url` on the client"));
            None
        }
    }
}

/// The server's URL with each `{variable}` replaced by its `default`, or where and why it cannot
/// be: a variable `variables` does not define, or a default its own `enum` does not list. A `{`
/// with no closing `}` is left as it is, for the URL check to refuse.
fn resolve_server_variables(server: &openapiv3::Server) -> Result<String, (String, String)> {
    let mut resolved = String::with_capacity(server.url.len());
    let mut rest = server.url.as_str();
    while let Some((before, after)) = rest.split_once('{') {
        let Some((name, after)) = after.split_once('}') else { break };
        resolved.push_str(before);
        let Some(variable) = server.variables.as_ref().and_then(|v| v.get(name)) else {
            return Err(("/servers/0/url".to_string(), format!("server URL {:?} uses variable `{name}`, which `variables` does not define", server.url)));
        };
        if !variable.enumeration.is_empty() && !variable.enumeration.contains(&variable.default) {
            let pointer = pointer_push(&pointer_push("/servers/0/variables", name), "default");
            return Err((pointer, format!("server variable `{name}` defaults to {:?}, which its `enum` does not list", variable.default)));
        }
        resolved.push_str(&variable.default);
        rest = after;
    }
    resolved.push_str(rest);
    Ok(resolved)
}

/// Why `url` cannot be the generated client's default service root, if it cannot: the rules of
/// the runtime's `BaseUrl::parse`, since the default never passes through it. A URL with user
/// information (`https://graph.microsoft.com@attacker.example/beta`) names the host after the `@`.
fn server_url_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else {
        return Some("is not an absolute http(s) URL");
    };
    if url.chars().any(|c| !c.is_ascii_graphic() || "{}<>\"\\^|`".contains(c)) {
        return Some("holds characters a URL cannot");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        Some("has no host")
    } else if authority.contains('@') {
        Some("has user information (`user@`): the request would go to the host after the `@`")
    } else if url.contains('?') {
        Some("has a query")
    } else if url.contains('#') {
        Some("has a fragment")
    } else {
        None
    }
}

/// Member names the service is known to send where descriptions spell them otherwise, as
/// (description's name, name on the wire). Graph's error bodies carry `innerError`, while its
/// converter wrote `innererror` into the schema (OpenAPI.NET.OData #393, after msgraph-sdk-dotnet
/// #1916); the spec is kept verbatim and the model reads both.
const WIRE_SPELLINGS: &[(&str, &str)] = &[("innererror", "innerError")];

/// The other names a property called `name` is read under: the wire spellings of
/// [`WIRE_SPELLINGS`], unless a sibling property already has that name.
fn wire_aliases<'n>(name: &str, mut siblings: impl Iterator<Item = &'n str>) -> Vec<String> {
    let aliases: Vec<String> =
        WIRE_SPELLINGS.iter().filter(|(spec, _)| *spec == name).map(|(_, wire)| (*wire).to_string()).collect();
    if aliases.is_empty() || siblings.any(|s| aliases.iter().any(|a| a == s)) {
        return Vec::new();
    }
    aliases
}

/// Why a header parameter named `name` may not be generated, if it may not. The client or the
/// HTTP layer owns these headers; one set from an argument would duplicate or contradict theirs
/// (a second `Authorization`, a `Host` naming another server, a `Content-Length` that hangs a GET).
fn refused_header(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let valid_token = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid_token {
        return Some("not a valid HTTP header name, so no request could carry it");
    }
    match lower.as_str() {
        // OpenAPI 3.0.3, Parameter Object: "If in is header and the name field is Accept,
        // Content-Type or Authorization, the parameter definition SHALL be ignored."
        "accept" | "content-type" | "authorization" => Some("OpenAPI says to ignore it; the client sets it"),
        "host" | "content-length" | "transfer-encoding" | "connection" | "keep-alive" | "te" | "trailer" | "upgrade"
        | "expect" => Some("the HTTP layer sets this protocol header"),
        _ if lower.starts_with("proxy-") => Some("proxy headers belong to the HTTP layer and may carry credentials"),
        "cookie" => Some("it carries credentials; cookie parameters (`in: cookie`) are not supported"),
        "retry-attempt" => Some("the client sets it on each retry"),
        _ => None,
    }
}

/// What lowering a schema gave: a type reference, or a type of its own still to be named.
enum Lowered {
    Type(TypeRef),
    Kind(TypeKind),
}

/// `{}` (or only a description): a schema that admits any value.
fn is_any_schema(s: &ReferenceOr<Schema>) -> bool {
    let ReferenceOr::Item(Schema { schema_kind: SchemaKind::Any(a), .. }) = s else { return false };
    a.typ.is_none() && a.properties.is_empty() && a.items.is_none() && a.one_of.is_empty() && a.any_of.is_empty()
        && a.all_of.is_empty() && a.not.is_none() && a.enumeration.is_empty() && a.additional_properties.is_none()
}

/// A schema reached through either of openapiv3's two reference shapes.
#[derive(Clone, Copy)]
enum Node<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

fn node(r: &ReferenceOr<Schema>) -> Node<'_> {
    match r {
        ReferenceOr::Reference { reference } => Node::Ref(reference),
        ReferenceOr::Item(s) => Node::Item(s),
    }
}

fn node_boxed(r: &ReferenceOr<Box<Schema>>) -> Node<'_> {
    match r {
        ReferenceOr::Reference { reference } => Node::Ref(reference),
        ReferenceOr::Item(s) => Node::Item(s),
    }
}

/// A base schema and the schemas derived from it, found before any union is made.
#[derive(Clone)]
struct Hierarchy {
    key: String,
    /// The member whose value names the type.
    tag_property: String,
    /// The base first, then every descendant, each with its type-naming value.
    members: Vec<(TypeId, String)>,
}

/// One property after `allOf` flattening, still in openapiv3 terms.
#[derive(Clone)]
struct FlatProp<'a> {
    name: String,
    schema: Node<'a>,
    pointer: String,
    required: bool,
}

#[derive(Clone, Default)]
struct Flat<'a> {
    props: Vec<FlatProp<'a>>,
    extra: bool,
    /// Every `required` entry of every part, with where it is written: one part may require a
    /// property another declares, and an entry that names no property at all is reported.
    required: Vec<(String, String)>,
}

struct Lowerer<'a> {
    doc: &'a OpenAPI,
    ids: BTreeMap<&'a str, TypeId>,
    types: Vec<Option<TypeDef>>,
    used_type_names: BTreeSet<String>,
    flat_cache: HashMap<String, Flat<'a>>,
    /// Inline schemas whose struct is being lowered, by address, to stop one that contains itself.
    inline_stack: Vec<usize>,
    /// Set once the inline types outgrow [`Lowerer::type_budget`], so the error is reported once.
    over_budget: bool,
    patches: Vec<PatchDef>,
    patch_of: BTreeMap<TypeId, usize>,
    inline_enums: HashMap<Vec<String>, TypeId>,
    type_names: BTreeMap<TypeId, String>,
    /// Base struct -> the union of it and its derived types, once something refers to it.
    unions: BTreeMap<TypeId, TypeId>,
    /// Base struct -> itself and every derived struct.
    hierarchy: BTreeMap<TypeId, Hierarchy>,
    dialect: Dialect,
    diags: Vec<Diagnostic>,
}

impl<'a> Lowerer<'a> {
    fn new(doc: &'a OpenAPI) -> Self {
        Lowerer {
            doc,
            ids: BTreeMap::new(),
            types: Vec::new(),
            used_type_names: names::reserved_types(),
            flat_cache: HashMap::new(),
            inline_stack: Vec::new(),
            over_budget: false,
            patches: Vec::new(),
            patch_of: BTreeMap::new(),
            inline_enums: HashMap::new(),
            type_names: BTreeMap::new(),
            unions: BTreeMap::new(),
            hierarchy: BTreeMap::new(),
            dialect: Dialect::Plain,
            diags: Vec::new(),
        }
    }

    fn schemas(&self) -> Option<&'a indexmap::IndexMap<String, ReferenceOr<Schema>>> {
        self.doc.components.as_ref().map(|c| &c.schemas)
    }

    /// Allocates a type id for every component schema (sorted by key, so reordering the file
    /// changes nothing) and names them all at once, so collisions are resolved as a whole.
    fn lower_components(&mut self) {
        let Some(schemas) = self.schemas() else { return };
        let mut keys: Vec<&'a String> = schemas.keys().collect();
        keys.sort();
        let candidates: Vec<(String, Vec<String>)> =
            keys.iter().map(|k| (k.to_string(), names::type_name_candidates(k))).collect();
        let rust_names = names::assign_unique(&candidates, &self.used_type_names);
        for ((key, name), (_, tried)) in keys.iter().zip(&rust_names).zip(&candidates) {
            // Qualifying with the namespace is expected; a number means the names could not be
            // told apart at all, which the user should hear about.
            if !tried.contains(name) {
                let wanted = tried.first().map(String::as_str).unwrap_or_default();
                let why = if names::reserved_types().contains(wanted) {
                    "the generated code uses that name itself"
                } else {
                    "another schema's name differs from this one only in case or punctuation"
                };
                self.diags.push(
                    Diagnostic::warning(pointer_push("/components/schemas", key), format!("schema `{key}` is named `{name}`, not `{wanted}`: {why}"))
                        .help("the numbered name is stable; rename the schema to choose another"),
                );
            }
            self.used_type_names.insert(name.clone());
            let id = TypeId(self.types.len());
            self.ids.insert(key.as_str(), id);
            self.type_names.insert(id, name.clone());
            self.types.push(None);
        }
        self.allocate_unions(schemas, &keys);
        for (key, name) in keys.iter().zip(rust_names) {
            let pointer = pointer_push("/components/schemas", key);
            let def = match schemas.get(key.as_str()) {
                Some(ReferenceOr::Reference { reference }) => {
                    let ty = self.ref_type(reference, &pointer_push(&pointer, "$ref"));
                    TypeDef { name, schema_name: key.to_string(), doc: None, deprecated: None, kind: TypeKind::Alias(ty) }
                }
                Some(ReferenceOr::Item(schema)) => self.lower_schema_def(key, name, schema, &pointer),
                None => continue,
            };
            if let Some(slot) = self.ids.get(key.as_str()).and_then(|id| self.types.get_mut(id.0)) {
                *slot = Some(def);
            }
        }
    }

    /// Finds every struct that others derive from through `allOf` and allocates, beside it, a union
    /// of it and all its descendants, so a response typed as the base can carry any of them.
    fn allocate_unions(&mut self, schemas: &'a indexmap::IndexMap<String, ReferenceOr<Schema>>, keys: &[&'a String]) {
        let mut children: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
        let mut wire_of: BTreeMap<&'a str, String> = BTreeMap::new();
        for key in keys {
            let Some(ReferenceOr::Item(schema)) = schemas.get(key.as_str()) else { continue };
            let SchemaKind::AllOf { all_of } = &schema.schema_kind else { continue };
            let mut value = discriminator_value(schema);
            for part in all_of {
                match part {
                    ReferenceOr::Reference { reference } => {
                        let Some(target) = reference.strip_prefix(SCHEMA_PREFIX) else { continue };
                        let target = unescape(target);
                        if let Some((parent, _)) = schemas.get_key_value(target.as_str()) {
                            if parent != key.as_str() {
                                children.entry(parent.as_str()).or_default().push(key.as_str());
                            }
                        }
                    }
                    ReferenceOr::Item(inline) => value = value.or_else(|| discriminator_value(inline)),
                }
            }
            // Only a value the schema itself gives here; the base's mapping comes next, and the
            // default (the schema name) last, when the variants are made.
            if let Some(value) = value {
                wire_of.insert(key.as_str(), value);
            }
        }
        // A base's own discriminator mapping, where present, names its derived types' values.
        for key in keys {
            let Some(ReferenceOr::Item(schema)) = schemas.get(key.as_str()) else { continue };
            let Some(d) = &schema.schema_data.discriminator else { continue };
            for (value, target) in &d.mapping {
                if let Some((k, _)) = target.strip_prefix(SCHEMA_PREFIX).and_then(|t| schemas.get_key_value(unescape(t).as_str())) {
                    wire_of.entry(k.as_str()).or_insert_with(|| value.clone());
                }
            }
        }
        for key in keys {
            let Some(direct) = children.get(key.as_str()) else { continue };
            if direct.is_empty() {
                continue;
            }
            // Every descendant, each once, whatever cycles the input has.
            let mut descendants: BTreeSet<&'a str> = BTreeSet::new();
            let mut queue: Vec<&'a str> = direct.clone();
            while let Some(k) = queue.pop() {
                if k != key.as_str() && descendants.insert(k) {
                    queue.extend(children.get(k).into_iter().flatten().copied());
                }
            }
            let Some(&base) = self.ids.get(key.as_str()) else { continue };
            // In plain OpenAPI, `allOf` composes: only a base with a `discriminator` says that a
            // value of it may be any of its derived types. OData's `@odata.type` always does.
            let has_discriminator =
                matches!(schemas.get(key.as_str()), Some(ReferenceOr::Item(schema)) if schema.schema_data.discriminator.is_some());
            if self.dialect == Dialect::Plain && !has_discriminator {
                continue;
            }
            let mut variants = Vec::new();
            for k in std::iter::once(key.as_str()).chain(descendants.iter().copied()) {
                let Some(&ty) = self.ids.get(k) else { continue };
                let wire = wire_of.get(k).cloned().unwrap_or_else(|| self.choose_type_name(k));
                variants.push((ty, wire));
            }
            // The base's own discriminator names the member that carries the type, if it has one.
            let tag_property = match schemas.get(key.as_str()) {
                Some(ReferenceOr::Item(schema)) => schema.schema_data.discriminator.as_ref().map(|d| d.property_name.clone()),
                _ => None,
            }
            .unwrap_or_else(|| ODATA_TYPE.to_string());
            self.hierarchy.insert(base, Hierarchy { key: key.to_string(), tag_property, members: variants });
        }
    }

    /// The union for a base with derived types, made on first use: a base that is only ever
    /// inherited from (Graph's `entity`) gets none.
    fn union_for(&mut self, base: TypeId) -> TypeId {
        if let Some(id) = self.unions.get(&base) {
            return *id;
        }
        let Some(Hierarchy { key, tag_property, members }) = self.hierarchy.get(&base).cloned() else { return base };
        let mut used = BTreeSet::new();
        let variants = members
            .into_iter()
            .filter_map(|(ty, wire)| {
                let rust_name = self.type_names.get(&ty)?.clone();
                Some(UnionVariant { rust_name: names::dedupe(rust_name, &mut used, ""), ty, wire })
            })
            .collect();
        let fallback = names::dedupe("Other".to_string(), &mut used, "");
        let base_name = self.type_names.get(&base).cloned().unwrap_or_default();
        let name = names::dedupe(format!("Any{base_name}"), &mut self.used_type_names, "");
        let id = TypeId(self.types.len());
        self.types.push(Some(TypeDef {
            name,
            doc: Some(format!("A `{key}` or any type derived from it, told apart by `{tag_property}`.")),
            schema_name: key,
            deprecated: None,
            kind: TypeKind::Union(UnionDef { base, tag_property, variants, fallback }),
        }));
        self.unions.insert(base, id);
        id
    }

    /// The struct behind a type: itself, or a union's base.
    fn struct_of(&self, id: TypeId) -> TypeId {
        match self.kind_of(id) {
            Some(TypeKind::Union(u)) => u.base,
            _ => id,
        }
    }

    fn lower_schema_def(&mut self, key: &str, name: String, schema: &'a Schema, pointer: &str) -> TypeDef {
        // Graph's converter puts a derived type's description on its inline `allOf` member.
        let doc = schema.schema_data.description.clone().or_else(|| match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of.iter().rev().find_map(|part| match part {
                ReferenceOr::Item(inline) => inline.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            }),
            _ => None,
        });
        let deprecated = deprecation(&schema.schema_data.extensions, schema.schema_data.deprecated);
        let kind = match &schema.schema_kind {
            SchemaKind::AllOf { .. } | SchemaKind::Type(Type::Object(_)) => {
                let flat = self.flatten_component(key, pointer);
                TypeKind::Struct(self.lower_struct(&name, key, &flat, 0))
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                let flat = self.flatten_component(key, pointer);
                TypeKind::Struct(self.lower_struct(&name, key, &flat, 0))
            }
            // Alternatives get the component's own name, not an alias of an inline type.
            SchemaKind::AnyOf { any_of: parts } | SchemaKind::OneOf { one_of: parts } if self.is_real_alternatives(parts, pointer) => {
                let real: Vec<&'a ReferenceOr<Schema>> = parts.iter().filter(|p| !is_null_schema(p)).collect();
                match self.lower_alternatives(schema, &real, pointer, &name, 0) {
                    Lowered::Kind(kind) => kind,
                    Lowered::Type(ty) => TypeKind::Alias(ty),
                }
            }
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                TypeKind::Enum(self.lower_enum(&s.enumeration, schema, pointer))
            }
            _ => {
                let (ty, _) = self.type_of(Node::Item(schema), pointer, &name, 0);
                TypeKind::Alias(ty)
            }
        };
        TypeDef { name, schema_name: key.to_string(), doc, deprecated, kind }
    }

    /// Properties of a component schema with its `allOf` bases flattened in, base first.
    fn flatten_component(&mut self, key: &str, pointer: &str) -> Flat<'a> {
        if let Some(f) = self.flat_cache.get(key) {
            return f.clone();
        }
        let mut stack = Vec::new();
        let flat = self.flatten_key(key, pointer, &mut stack);
        self.flat_cache.insert(key.to_string(), flat.clone());
        flat
    }

    fn flatten_key(&mut self, key: &str, pointer: &str, stack: &mut Vec<String>) -> Flat<'a> {
        if let Some(f) = self.flat_cache.get(key) {
            return f.clone();
        }
        if stack.iter().any(|k| k == key) {
            self.diags.push(
                Diagnostic::error(pointer, format!("`allOf` cycle: {} -> {key}", stack.join(" -> ")))
                    .help("a schema cannot inherit from itself; remove one `$ref` from the cycle"),
            );
            return Flat::default();
        }
        if stack.len() >= MAX_DEPTH {
            self.diags.push(Diagnostic::error(pointer, format!("`allOf` inheritance deeper than {MAX_DEPTH} levels"))
                .help("flatten the inheritance chain"));
            return Flat::default();
        }
        let Some(entry) = self.schemas().and_then(|s| s.get(key)) else { return Flat::default() };
        let own_pointer = pointer_push("/components/schemas", key);
        stack.push(key.to_string());
        let flat = match entry {
            ReferenceOr::Reference { reference } => match reference.strip_prefix(SCHEMA_PREFIX) {
                Some(target) => self.flatten_key(&unescape(target), &pointer_push(&own_pointer, "$ref"), stack),
                None => Flat::default(),
            },
            ReferenceOr::Item(schema) => self.flatten_schema(schema, &own_pointer, stack),
        };
        stack.pop();
        flat
    }

    fn flatten_schema(&mut self, schema: &'a Schema, pointer: &str, stack: &mut Vec<String>) -> Flat<'a> {
        let mut flat = Flat::default();
        match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => {
                for (i, part) in all_of.iter().enumerate() {
                    let part_pointer = pointer_push(&pointer_push(pointer, "allOf"), &i.to_string());
                    let sub = match node(part) {
                        Node::Ref(r) => match r.strip_prefix(SCHEMA_PREFIX) {
                            Some(target) if self.schemas().is_some_and(|s| s.contains_key(unescape(target).as_str())) => {
                                self.flatten_key(&unescape(target), &pointer_push(&part_pointer, "$ref"), stack)
                            }
                            _ => {
                                self.ref_type(r, &pointer_push(&part_pointer, "$ref"));
                                Flat::default()
                            }
                        },
                        Node::Item(s) => self.flatten_schema(s, &part_pointer, stack),
                    };
                    merge_flat(&mut flat, sub);
                }
            }
            SchemaKind::Type(Type::Object(obj)) => {
                let props_pointer = pointer_push(pointer, "properties");
                for (name, prop) in &obj.properties {
                    flat.props.push(FlatProp {
                        name: name.clone(),
                        schema: node_boxed(prop),
                        pointer: pointer_push(&props_pointer, name),
                        required: obj.required.contains(name),
                    });
                }
                flat.extra = !matches!(obj.additional_properties, Some(AdditionalProperties::Any(false)));
                flat.required.extend(collect_required_entries(&obj.required, pointer));
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                let props_pointer = pointer_push(pointer, "properties");
                for (name, prop) in &any.properties {
                    flat.props.push(FlatProp {
                        name: name.clone(),
                        schema: node_boxed(prop),
                        pointer: pointer_push(&props_pointer, name),
                        required: any.required.contains(name),
                    });
                }
                flat.extra = true;
                flat.required.extend(collect_required_entries(&any.required, pointer));
            }
            _ => {
                self.diags.push(Diagnostic::warning(pointer, "an `allOf` member that is not an object was left out")
                    .help("only object schemas and `$ref`s to them can be combined with `allOf`"));
            }
        }
        flat
    }

    /// `depth` is the nesting of the struct itself: an inline struct whose `allOf` reaches back to
    /// its own component would otherwise restart the count at every level and recurse forever.
    fn lower_struct(&mut self, type_name: &str, key: &str, flat: &Flat<'a>, depth: usize) -> StructDef {
        let mut used = BTreeSet::new();
        let mut fields = Vec::new();
        for (name, at) in &flat.required {
            if !flat.props.iter().any(|p| &p.name == name) {
                self.diags.push(Diagnostic::warning(at, format!("`required` names `{name}`, which is not a property of the schema; ignored"))
                    .help("declare the property, or remove it from `required`"));
            }
        }
        for prop in &flat.props {
            // Required where any part of the composition says so.
            let required_anywhere = prop.required || flat.required.iter().any(|(name, _)| name == &prop.name);
            let owner = format!("{type_name} {}", prop.name);
            let (ty, nullable_union) = self.type_of(prop.schema, &prop.pointer, &owner, depth + 1);
            let (nullable, read_only, nav_ext, doc, deprecated) = match prop.schema {
                Node::Item(s) => (
                    s.schema_data.nullable,
                    s.schema_data.read_only,
                    s.schema_data.extensions.get("x-ms-navigationProperty") == Some(&serde_json::Value::Bool(true)),
                    s.schema_data.description.clone(),
                    deprecation(&s.schema_data.extensions, s.schema_data.deprecated),
                ),
                Node::Ref(_) => (false, false, false, None, None),
            };
            // A bare reference to an entity is a navigation link only where OData says so.
            let navigation = nav_ext || (self.dialect == Dialect::OData && single_ref(prop.schema).is_some_and(|r| self.is_entity_ref(r)));
            // A required property with a default may be left out by the server, and so may
            // `@odata.type`, which Graph omits when the value is of the declared type (its
            // `openapi.yaml` marks it required all the same): both are read as optional.
            let has_default = matches!(prop.schema, Node::Item(s) if s.schema_data.default.is_some()) || prop.name == ODATA_TYPE;
            fields.push(Field {
                rust_name: names::dedupe(names::snake(&prop.name, "field"), &mut used, "_"),
                json_name: prop.name.clone(),
                aliases: wire_aliases(&prop.name, flat.props.iter().map(|p| p.name.as_str())),
                doc,
                ty,
                required: required_anywhere && !has_default,
                nullable: nullable || nullable_union,
                read_only,
                navigation,
                deprecated,
                boxed: false,
            });
        }
        let extra = flat.extra.then(|| ExtraFields {
            rust_name: names::dedupe("additional_properties".to_string(), &mut used, "_"),
            value: TypeRef::Json,
        });
        StructDef {
            is_entity: flat.props.iter().any(|p| p.name == "id"),
            fields,
            extra,
            odata_type: self.choose_type_name(key),
        }
    }

    /// The value that names a schema's type on the wire when nothing in the description gives
    /// one: OData's `#` + schema name, or OpenAPI's discriminator default, the schema name.
    fn choose_type_name(&self, key: &str) -> String {
        match self.dialect {
            Dialect::OData => format!("#{key}"),
            Dialect::Plain => key.to_string(),
        }
    }

    fn is_entity_ref(&mut self, reference: &str) -> bool {
        let Some(target) = reference.strip_prefix(SCHEMA_PREFIX) else { return false };
        let key = unescape(target);
        let is_struct = matches!(
            self.schemas().and_then(|s| s.get(key.as_str())),
            Some(ReferenceOr::Item(Schema { schema_kind: SchemaKind::AllOf { .. } | SchemaKind::Type(Type::Object(_)), .. }))
        );
        if !is_struct {
            return false;
        }
        let pointer = pointer_push("/components/schemas", &key);
        self.flatten_component(&key, &pointer).props.iter().any(|p| p.name == "id")
    }

    fn lower_enum(&mut self, values: &[Option<String>], schema: &Schema, pointer: &str) -> EnumDef {
        // x-ms-enum carries a description per value; use it for the variant docs.
        let mut docs: HashMap<String, String> = HashMap::new();
        if let Some(serde_json::Value::Array(items)) =
            schema.schema_data.extensions.get("x-ms-enum").and_then(|e| e.get("values"))
        {
            for item in items {
                if let (Some(v), Some(d)) = (item.get("value").and_then(|v| v.as_str()), item.get("description").and_then(|d| d.as_str())) {
                    docs.insert(v.to_string(), d.to_string());
                }
            }
        }
        let mut used = BTreeSet::new();
        let mut variants = Vec::new();
        let mut seen = BTreeSet::new();
        for value in values.iter().flatten() {
            if !seen.insert(value.clone()) {
                self.diags.push(Diagnostic::warning(pointer_push(pointer, "enum"), format!("enum value `{value}` is listed twice; kept once")));
                continue;
            }
            variants.push(Variant {
                rust_name: names::dedupe(names::upper_camel(value, "V"), &mut used, ""),
                wire: value.clone(),
                doc: docs.get(value).cloned(),
            });
        }
        let fallback = names::dedupe("Unrecognized".to_string(), &mut used, "");
        let flags = schema
            .schema_data
            .extensions
            .get("x-ms-enum-flags")
            .and_then(|f| f.get("isFlags"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        EnumDef { variants, flags, fallback }
    }

    /// The Rust type of a schema node, and whether a nullable union (`anyOf` with null) wrapped it.
    /// `owner` names inline types that need a name of their own.
    fn type_of(&mut self, n: Node<'a>, pointer: &str, owner: &str, depth: usize) -> (TypeRef, bool) {
        if depth > MAX_DEPTH {
            self.diags.push(Diagnostic::error(pointer, format!("schema nested deeper than {MAX_DEPTH} levels"))
                .help("name the inner schemas under #/components/schemas and refer to them"));
            return (TypeRef::Json, false);
        }
        let schema = match n {
            Node::Ref(r) => return (self.ref_type(r, &pointer_push(pointer, "$ref")), false),
            Node::Item(s) => s,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                if s.enumeration.iter().flatten().next().is_some() {
                    let def = self.lower_enum(&s.enumeration, schema, pointer);
                    return (self.inline_enum(owner, schema, def), false);
                }
                (self.string_format(&s.format, pointer), false)
            }
            SchemaKind::Type(Type::Boolean(_)) => (TypeRef::Bool, false),
            SchemaKind::Type(Type::Integer(i)) => {
                let format = match &i.format {
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => "int32",
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => "int64",
                    VariantOrUnknownOrEmpty::Unknown(f) => f.as_str(),
                    VariantOrUnknownOrEmpty::Empty => "",
                };
                (self.number_format(format, true, pointer), false)
            }
            SchemaKind::Type(Type::Number(num)) => {
                // Graph's converter writes Int32 both as `integer` and as `number` with an integer format.
                let format = match &num.format {
                    VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => "float",
                    VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => "double",
                    VariantOrUnknownOrEmpty::Unknown(f) => f.as_str(),
                    VariantOrUnknownOrEmpty::Empty => "",
                };
                (self.number_format(format, false, pointer), false)
            }
            SchemaKind::Type(Type::Array(arr)) => {
                let Some(items) = &arr.items else { return (TypeRef::Array(Box::new(TypeRef::Json)), false) };
                let items_node = node_boxed(items);
                let (inner, union_null) = self.type_of(items_node, &pointer_push(pointer, "items"), &format!("{owner} item"), depth + 1);
                let item_nullable = union_null || matches!(items_node, Node::Item(s) if s.schema_data.nullable);
                let inner = if item_nullable { TypeRef::Nullable(Box::new(inner)) } else { inner };
                (TypeRef::Array(Box::new(inner)), false)
            }
            SchemaKind::Type(Type::Object(obj)) => {
                if !obj.properties.is_empty() {
                    return (self.inline_struct(schema, pointer, owner, depth), false);
                }
                // Graph writes `additionalProperties: {type: object}` on every schema to mean "more
                // members may come", which stays a JSON value; elsewhere it is a map of objects.
                match &obj.additional_properties {
                    Some(AdditionalProperties::Schema(s)) if self.dialect == Dialect::Plain || !is_bare_object(s) => {
                        let (inner, _) = self.type_of(node(s), &pointer_push(pointer, "additionalProperties"), &format!("{owner} value"), depth + 1);
                        (TypeRef::Map(Box::new(inner)), false)
                    }
                    _ => (TypeRef::Json, false),
                }
            }
            SchemaKind::AnyOf { any_of: parts } | SchemaKind::OneOf { one_of: parts } => {
                // The converter's nullable reference: one real schema beside a null-only one.
                let real: Vec<&ReferenceOr<Schema>> = parts.iter().filter(|p| !is_null_schema(p)).collect();
                if let ([only], 2) = (real.as_slice(), parts.len()) {
                    let (ty, _) = self.type_of(node(only), pointer, owner, depth + 1);
                    return (ty, true);
                }
                // The converter's IEEE754Compatible numbers: `number | string` (Int64, Decimal) and
                // `number | string | ReferenceNumeric` (Double with INF, -INF, NaN).
                // Outside OData, `integer | string` is an id that is either, not a lenient number.
                let lenient = if self.dialect == Dialect::OData { self.lenient_number(&real, pointer, depth) } else { None };
                if let Some(number) = lenient {
                    let nullable = real.len() < parts.len() || real.iter().any(|p| matches!(p, ReferenceOr::Item(s) if s.schema_data.nullable));
                    return (TypeRef::Lenient(Box::new(number)), nullable);
                }
                let nullable = real.len() < parts.len();
                match self.lower_alternatives(schema, &real, pointer, owner, depth) {
                    Lowered::Type(ty) => (ty, nullable),
                    Lowered::Kind(kind) => {
                        let name = self.inline_name(owner);
                        (self.push_inline(name, owner, schema, kind), nullable)
                    }
                }
            }
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => match all_of.first() {
                Some(part) => self.type_of(node(part), &pointer_push(&pointer_push(pointer, "allOf"), "0"), owner, depth + 1),
                None => (TypeRef::Json, false),
            },
            SchemaKind::AllOf { .. } => (self.inline_struct(schema, pointer, owner, depth), false),
            // Properties without `type: object` (often beside an `anyOf` of `required` lists):
            // an object all the same.
            SchemaKind::Any(any) if !any.properties.is_empty() => (self.inline_struct(schema, pointer, owner, depth), false),
            SchemaKind::Any(any) => {
                let is_empty = any.typ.is_none() && any.properties.is_empty() && any.items.is_none() && any.one_of.is_empty()
                    && any.any_of.is_empty() && any.all_of.is_empty() && any.not.is_none();
                if !is_empty {
                    self.diags.push(Diagnostic::warning(pointer, "schema shape not recognised; typed as any JSON value")
                        .help("give the schema one `type` (string, integer, number, boolean, array, object)"));
                }
                (TypeRef::Json, false)
            }
            SchemaKind::Not { .. } => {
                self.diags.push(Diagnostic::warning(pointer, "`not` is not supported; typed as any JSON value"));
                (TypeRef::Json, false)
            }
        }
    }

    fn string_format(&mut self, format: &VariantOrUnknownOrEmpty<openapiv3::StringFormat>, pointer: &str) -> TypeRef {
        use openapiv3::StringFormat;
        match format {
            VariantOrUnknownOrEmpty::Empty => TypeRef::String,
            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
            VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
            VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => TypeRef::Bytes,
            VariantOrUnknownOrEmpty::Item(StringFormat::Password | StringFormat::Binary) => TypeRef::String,
            VariantOrUnknownOrEmpty::Unknown(f) => match f.as_str() {
                "time" => TypeRef::Time,
                "duration" => TypeRef::Duration,
                "uuid" => TypeRef::Uuid,
                "base64url" => TypeRef::Bytes,
                // Formats that only constrain the text (JSON Schema's and OpenAPI's registry),
                // and numbers written as strings: the value stays a String, and nothing is
                // approximated, so there is nothing to warn about.
                "uri" | "uri-reference" | "uriref" | "uri-template" | "url" | "iri" | "iri-reference" | "email" | "idn-email"
                | "hostname" | "idn-hostname" | "ipv4" | "ipv6" | "ip" | "regex" | "json-pointer"
                | "relative-json-pointer" | "char" | "html" | "commonmark" | "media-range" | "int32" | "int64"
                | "decimal" | "double" | "float" => TypeRef::String,
                other => {
                    self.diags.push(Diagnostic::warning(pointer_push(pointer, "format"), format!("unknown string format `{other}`; typed as String"))
                        .help("the value is kept as text; use a standard format to get a typed value"));
                    TypeRef::String
                }
            },
        }
    }

    fn number_format(&mut self, format: &str, integer: bool, pointer: &str) -> TypeRef {
        match format {
            "int8" | "int16" => TypeRef::I16,
            // Unsigned formats keep their range: a u64 id above i64::MAX must still decode.
            "uint8" => TypeRef::U8,
            "uint16" => TypeRef::U16,
            "uint32" => TypeRef::U32,
            "uint64" | "uint" => TypeRef::U64,
            "int32" => TypeRef::I32,
            "int64" => TypeRef::I64,
            "float" => TypeRef::F32,
            "double" | "decimal" => TypeRef::F64,
            "" if integer => TypeRef::I64,
            "" => TypeRef::F64,
            other => {
                self.diags.push(Diagnostic::warning(pointer_push(pointer, "format"), format!("unknown number format `{other}`; typed as {}", if integer { "i64" } else { "f64" }))
                    .help("use int16, int32, int64, uint8, uint16, uint32, uint64, float, double or decimal"));
                if integer { TypeRef::I64 } else { TypeRef::F64 }
            }
        }
    }

    /// True when `oneOf`/`anyOf` is more than a nullable reference or a lenient number (which
    /// `type_of` makes an `Option` and a `Lenient`).
    fn is_real_alternatives(&mut self, parts: &'a [ReferenceOr<Schema>], pointer: &str) -> bool {
        let real: Vec<&'a ReferenceOr<Schema>> = parts.iter().filter(|p| !is_null_schema(p)).collect();
        if real.len() == 1 && parts.len() == 2 {
            return false;
        }
        let diags = self.diags.len();
        let lenient = self.dialect == Dialect::OData && self.lenient_number(&real, pointer, 0).is_some();
        self.diags.truncate(diags);
        !lenient
    }

    /// `oneOf`/`anyOf` of several alternatives: merged when they are all single string values
    /// (an enum), tagged by a discriminator when there is one, else told apart by shape. Any
    /// JSON value only where an alternative allows anything, with a warning.
    fn lower_alternatives(&mut self, schema: &'a Schema, real: &[&'a ReferenceOr<Schema>], pointer: &str, owner: &str, depth: usize) -> Lowered {
        let key = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
        // Single-value enums (`{enum: [a]}`, `{const-like enum: [b]}`): one enum of all of them.
        let mut values: Vec<Option<String>> = Vec::new();
        let all_enums = real.iter().all(|p| match self.resolve_node(node(p), depth) {
            Some(Schema { schema_kind: SchemaKind::Type(Type::String(st)), .. }) if !st.enumeration.is_empty() => {
                values.extend(st.enumeration.iter().cloned());
                true
            }
            _ => false,
        });
        if all_enums && !real.is_empty() {
            return Lowered::Kind(TypeKind::Enum(self.lower_enum(&values, schema, pointer)));
        }
        if real.is_empty() {
            // An enum of no variants could hold no value at all; what the server sends is kept.
            self.diags.push(Diagnostic::warning(pointer_push(pointer, key), format!("`{key}` lists no alternative other than null; typed as any JSON value")));
            return Lowered::Type(TypeRef::Json);
        }
        if real.iter().any(|p| is_any_schema(p)) {
            self.diags.push(Diagnostic::warning(pointer_push(pointer, key), "an alternative allows any value; typed as any JSON value")
                .help("the value is kept as serde_json::Value"));
            return Lowered::Type(TypeRef::Json);
        }
        let mut variants = Vec::new();
        let mut used = BTreeSet::new();
        for (i, part) in real.iter().enumerate() {
            let part_pointer = pointer_push(&pointer_push(pointer, key), &i.to_string());
            let (ty, _) = self.type_of(node(part), &part_pointer, &format!("{owner} {}", i + 1), depth + 1);
            let rust_name = names::dedupe(self.name_alternative(&ty), &mut used, "");
            let boxed = matches!(&ty, TypeRef::Named(id) if !matches!(self.kind_of(*id), Some(TypeKind::Enum(_))));
            let tag = match part {
                ReferenceOr::Reference { reference } => reference.strip_prefix(SCHEMA_PREFIX).map(|k| self.choose_type_name(&unescape(k))),
                ReferenceOr::Item(_) => None,
            };
            variants.push(Alternative { rust_name, ty, boxed, tag });
        }
        // A discriminator picks by value, where every alternative is a named schema it can name.
        let discriminator = schema.schema_data.discriminator.as_ref().filter(|_| variants.iter().all(|v| v.tag.is_some()));
        if let Some(d) = discriminator {
            for (value, target) in &d.mapping {
                let target_key = target.strip_prefix(SCHEMA_PREFIX).map(unescape);
                for (part, v) in real.iter().zip(variants.iter_mut()) {
                    if let ReferenceOr::Reference { reference } = part {
                        if reference.strip_prefix(SCHEMA_PREFIX).map(unescape) == target_key {
                            v.tag = Some(value.clone());
                        }
                    }
                }
            }
            let fallback = names::dedupe("Other".to_string(), &mut used, "");
            return Lowered::Kind(TypeKind::Alternatives(AlternativesDef {
                variants,
                tag_property: Some(d.property_name.clone()),
                fallback,
                single_value: false,
            }));
        }
        // serde tries untagged variants in order and keeps the first that reads the value, so
        // the most demanding go first: objects with more required members before fewer, then
        // maps, arrays, enums, typed strings and numbers, integers before floats, and plain text
        // (which any string matches) last. The sort is stable, so ties keep the written order.
        variants.sort_by_key(|v| self.rank_alternative(&v.ty, 0));
        for v in &mut variants {
            v.tag = None;
        }
        // Two objects requiring the same members (none, often) cannot be told apart by shape:
        // every value goes to the first. Say so, since a discriminator would fix it.
        let required_sets: Vec<(&str, Option<BTreeSet<&str>>)> = variants
            .iter()
            .map(|v| (v.rust_name.as_str(), self.find_required_members(&v.ty)))
            .collect();
        for (i, (first, set)) in required_sets.iter().enumerate() {
            let Some(set) = set else { continue };
            if let Some((second, _)) = required_sets.iter().skip(i + 1).find(|(_, other)| other.as_ref() == Some(set)) {
                self.diags.push(Diagnostic::warning(pointer_push(pointer, key), format!("alternatives `{first}` and `{second}` require the same members, so a value is always read as `{first}`"))
                    .help("add a `discriminator`, or required members that tell them apart"));
                break;
            }
        }
        let single_value = variants.iter().all(|v| self.is_single_value(&v.ty, 0));
        Lowered::Kind(TypeKind::Alternatives(AlternativesDef { variants, tag_property: None, fallback: String::new(), single_value }))
    }

    /// The names of a struct's required members; None for anything that is not a struct.
    fn find_required_members(&self, ty: &TypeRef) -> Option<BTreeSet<&str>> {
        let TypeRef::Named(id) = ty else { return None };
        match self.kind_of(*id) {
            Some(TypeKind::Struct(s)) => Some(s.fields.iter().filter(|f| f.required).map(|f| f.json_name.as_str()).collect()),
            _ => None,
        }
    }

    /// The variant name of an alternative: its type's name, or what kind of value it is.
    fn name_alternative(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Named(id) => self.type_names.get(id).cloned().or_else(|| self.types.get(id.0)?.as_ref().map(|t| t.name.clone())).unwrap_or_else(|| "Variant".to_string()),
            TypeRef::String => "String".to_string(),
            TypeRef::Bool => "Bool".to_string(),
            TypeRef::I16 | TypeRef::I32 | TypeRef::I64 | TypeRef::U8 | TypeRef::U16 | TypeRef::U32 | TypeRef::U64 => "Integer".to_string(),
            TypeRef::F32 | TypeRef::F64 | TypeRef::Lenient(_) => "Number".to_string(),
            TypeRef::Array(_) => "Array".to_string(),
            TypeRef::Map(_) => "Map".to_string(),
            TypeRef::DateTime => "DateTime".to_string(),
            TypeRef::Date => "Date".to_string(),
            TypeRef::Time => "Time".to_string(),
            TypeRef::Duration => "Duration".to_string(),
            TypeRef::Uuid => "Uuid".to_string(),
            TypeRef::Bytes => "Bytes".to_string(),
            TypeRef::Json | TypeRef::Nullable(_) => "Value".to_string(),
            TypeRef::ConsistencyLevel => "ConsistencyLevel".to_string(),
        }
    }

    /// Where an alternative goes in the order serde tries them (lower first).
    fn rank_alternative(&self, ty: &TypeRef, depth: usize) -> (u8, usize) {
        match ty {
            TypeRef::Named(id) => match self.kind_of(*id) {
                // More required members first: a value with fewer fails them and falls through.
                Some(TypeKind::Struct(s)) => (0, usize::MAX - s.fields.iter().filter(|f| f.required).count()),
                Some(TypeKind::Union(_) | TypeKind::Alternatives(_)) => (1, 0),
                Some(TypeKind::Enum(_)) => (4, 0),
                // Aliases may form a cycle (`a: {$ref: b}`, `b: {$ref: a}`): bounded.
                Some(TypeKind::Alias(inner)) if depth < MAX_DEPTH => self.rank_alternative(inner, depth + 1),
                Some(TypeKind::Alias(_)) | None => (9, 0),
            },
            TypeRef::Map(_) => (2, 0),
            TypeRef::Array(_) => (3, 0),
            TypeRef::Bool => (5, 0),
            TypeRef::DateTime | TypeRef::Date | TypeRef::Time | TypeRef::Duration | TypeRef::Uuid => (5, 1),
            TypeRef::U8 | TypeRef::U16 | TypeRef::U32 | TypeRef::U64 => (6, 0),
            TypeRef::I16 | TypeRef::I32 | TypeRef::I64 => (6, 1),
            TypeRef::F32 | TypeRef::F64 | TypeRef::Lenient(_) => (7, 0),
            TypeRef::Bytes | TypeRef::String | TypeRef::ConsistencyLevel => (8, 0),
            TypeRef::Json | TypeRef::Nullable(_) => (9, 0),
        }
    }

    /// Recognises alternatives that are one number plus strings (and the INF/-INF/NaN enum).
    fn lenient_number(&mut self, real: &[&'a ReferenceOr<Schema>], pointer: &str, depth: usize) -> Option<TypeRef> {
        let mut number = None;
        for part in real {
            let schema = match part {
                ReferenceOr::Item(s) => s,
                ReferenceOr::Reference { reference } => {
                    let key = unescape(reference.strip_prefix(SCHEMA_PREFIX)?);
                    match self.schemas()?.get(key.as_str())? {
                        ReferenceOr::Item(s) => s,
                        ReferenceOr::Reference { .. } => return None,
                    }
                }
            };
            match &schema.schema_kind {
                SchemaKind::Type(Type::Number(_) | Type::Integer(_)) if number.is_none() => {
                    number = Some(self.type_of(Node::Item(schema), pointer, "", depth + 1).0);
                }
                SchemaKind::Type(Type::String(st)) if st.enumeration.iter().flatten().all(|v| matches!(v.as_str(), "INF" | "-INF" | "NaN")) => {}
                SchemaKind::Any(any)
                    if !any.enumeration.is_empty()
                        && any.enumeration.iter().all(|v| matches!(v.as_str(), Some("INF" | "-INF" | "NaN"))) => {}
                _ => return None,
            }
        }
        number
    }

    /// An inline object or `allOf` as a struct of its own. An inline schema that contains itself
    /// (an `allOf` back to the component holding it) would unfold forever, so its inner
    /// occurrence is typed as any JSON value, with a warning.
    /// How many types lowering may create: generous for any real description (a few inline types
    /// per schema and operation), but it stops an `allOf` chain that doubles at every link (a
    /// 7 KB spec once took more than 20 GB and five minutes before this bound).
    fn type_budget(&self) -> usize {
        let schemas = self.schemas().map_or(0, |s| s.len());
        10_000 + 20 * (schemas + self.doc.paths.paths.len())
    }

    fn inline_struct(&mut self, schema: &'a Schema, pointer: &str, owner: &str, depth: usize) -> TypeRef {
        let address = schema as *const Schema as usize;
        if self.inline_stack.contains(&address) {
            self.diags.push(Diagnostic::warning(pointer, "this inline schema contains itself through `allOf`; the inner occurrence is typed as any JSON value")
                .help("name the schema under #/components/schemas and refer to it with `$ref`"));
            return TypeRef::Json;
        }
        if self.types.len() > self.type_budget() {
            if !std::mem::replace(&mut self.over_budget, true) {
                self.diags.push(Diagnostic::error(pointer, format!("the schemas expand to more than {} types", self.type_budget()))
                    .help("each inline `allOf` copies the properties of the schemas it names, inline ones included, so chains of them multiply; name the inline schemas under #/components/schemas and refer to them with `$ref`"));
            }
            return TypeRef::Json;
        }
        self.inline_stack.push(address);
        let name = self.inline_name(owner);
        let mut stack = Vec::new();
        let flat = self.flatten_schema(schema, pointer, &mut stack);
        let def = self.lower_struct(&name, owner, &flat, depth);
        self.inline_stack.pop();
        self.push_inline(name, owner, schema, TypeKind::Struct(def))
    }

    fn inline_name(&mut self, owner: &str) -> String {
        let name = names::upper_camel(owner, "Type");
        names::dedupe(name, &mut self.used_type_names, "")
    }

    /// Inline enums with the same values (Graph repeats its `$select`/`$expand` lists on every
    /// operation of a resource) share one type, named after the first owner.
    fn inline_enum(&mut self, owner: &str, schema: &Schema, def: EnumDef) -> TypeRef {
        let key: Vec<String> = def.variants.iter().map(|v| v.wire.clone()).collect();
        if let Some(id) = self.inline_enums.get(&key) {
            return TypeRef::Named(*id);
        }
        let name = self.inline_name(owner);
        let ty = self.push_inline(name, owner, schema, TypeKind::Enum(def));
        if let TypeRef::Named(id) = ty {
            self.inline_enums.insert(key, id);
        }
        ty
    }

    fn push_inline(&mut self, name: String, owner: &str, schema: &Schema, kind: TypeKind) -> TypeRef {
        let id = TypeId(self.types.len());
        self.types.push(Some(TypeDef {
            name,
            schema_name: owner.to_string(),
            doc: schema.schema_data.description.clone(),
            deprecated: deprecation(&schema.schema_data.extensions, schema.schema_data.deprecated),
            kind,
        }));
        TypeRef::Named(id)
    }

    /// The type a `$ref` names; an unresolvable one is an error and becomes any JSON value.
    fn ref_type(&mut self, reference: &str, pointer: &str) -> TypeRef {
        if let Some(target) = reference.strip_prefix(SCHEMA_PREFIX) {
            if let Some(id) = self.ids.get(unescape(target).as_str()).copied() {
                // A base with derived types is referred to through its union.
                return TypeRef::Named(self.union_for(id));
            }
            self.diags.push(Diagnostic::error(pointer, format!("unresolved reference `{reference}`: no such schema"))
                .help("add the schema under #/components/schemas or correct the name"));
        } else if reference.starts_with('#') {
            self.diags.push(Diagnostic::error(pointer, format!("`{reference}` does not point at a schema"))
                .help("schema references must point into #/components/schemas"));
        } else {
            self.diags.push(Diagnostic::error(pointer, format!("reference to another document `{reference}` is not supported"))
                .help("bundle the description into one file first (all `$ref`s local, starting with `#/`)"));
        }
        TypeRef::Json
    }

    fn lower_operations(&mut self) -> Vec<Operation> {
        let doc = self.doc;
        let mut raw = Vec::new();
        for (path, item) in doc.paths.paths.iter() {
            let path_pointer = pointer_push("/paths", path);
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    self.diags.push(Diagnostic::warning(path_pointer, "path item `$ref` is not supported; the path was left out")
                        .help("write the path item inline"));
                    continue;
                }
            };
            let methods = [
                ("get", Method::Get, &item.get),
                ("put", Method::Put, &item.put),
                ("post", Method::Post, &item.post),
                ("delete", Method::Delete, &item.delete),
                ("patch", Method::Patch, &item.patch),
            ];
            for (verb, method, op) in methods {
                if let Some(op) = op {
                    let pointer = pointer_push(&path_pointer, verb);
                    if let Some(lowered) = self.lower_operation(path, method, op, &item.parameters, &pointer) {
                        raw.push(lowered);
                    }
                }
            }
            for (verb, op) in [("head", &item.head), ("options", &item.options), ("trace", &item.trace)] {
                if op.is_some() {
                    self.diags.push(Diagnostic::warning(pointer_push(&path_pointer, verb), format!("`{verb}` operations are not supported; left out")));
                }
            }
        }
        self.name_operations(&mut raw);
        raw
    }

    /// Method names from operationIds: `deviceAppManagement.mobileApp_UpdateUserStatus` becomes
    /// `update_user_status`; where two operations would share a name, both are qualified with the
    /// segments before it until they differ.
    fn name_operations(&mut self, ops: &mut [Operation]) {
        let mut seen_ids: BTreeMap<String, usize> = BTreeMap::new();
        let case_groups = ids_differing_in_case(ops);
        let naming = naming_ids(ops, &case_groups);
        let candidates: Vec<(String, Vec<String>)> = ops
            .iter()
            .zip(&naming)
            .enumerate()
            .map(|(i, (op, (id, qualifier)))| {
                let segments: Vec<&str> = id.split(['.', '_']).filter(|s| !s.is_empty()).collect();
                let mut c = Vec::new();
                for take in 1..=segments.len().max(1) {
                    let from = segments.len().saturating_sub(take);
                    let joined = segments.get(from..).map(|s| s.join(" ")).unwrap_or_default();
                    c.push(names::upper_camel(&format!("{joined} {qualifier}"), "Op"));
                }
                // The sort key keeps numbering stable across runs: operationId, then position.
                (format!("{}\u{0}{i:08}", op.operation_id), c)
            })
            .collect();
        for (i, op) in ops.iter().enumerate() {
            if seen_ids.insert(op.operation_id.clone(), i).is_some() {
                self.diags.push(Diagnostic::warning(
                    format!("{}/operationId", op.path_template_pointer()),
                    format!("operationId `{}` is used by more than one operation; the later one gets a numbered name", op.operation_id),
                ).help("operationIds must be unique in a description"));
            }
        }
        let type_names = names::assign_unique(&candidates, &BTreeSet::new());
        for (op, type_name) in ops.iter_mut().zip(type_names) {
            op.fn_name = names::snake(&type_name, "op");
            op.type_name = type_name;
        }
        for group in case_groups {
            let members: Vec<&Operation> = group.iter().filter_map(|i| ops.get(*i)).collect();
            let Some(last) = members.last() else { continue };
            let listed: Vec<String> = members
                .iter()
                .map(|op| format!("`{}` ({} {}) is `{}`", op.operation_id, op.method.as_str(), op.path_template, op.fn_name))
                .collect();
            self.diags.push(
                Diagnostic::warning(
                    format!("{}/operationId", last.path_template_pointer()),
                    format!("operationIds that differ only in case, named apart by their paths: {}", listed.join("; ")),
                )
                .help("Rust names ignore case; give these operations operationIds that differ in more than case"),
            );
        }
    }

    fn lower_operation(
        &mut self,
        path: &str,
        method: Method,
        op: &'a openapiv3::Operation,
        shared_params: &'a [ReferenceOr<Parameter>],
        pointer: &str,
    ) -> Option<Operation> {
        let operation_id = match &op.operation_id {
            Some(id) => id.clone(),
            None => {
                let synthesized = format!("{} {}", method.as_str().to_lowercase(), path);
                self.diags.push(Diagnostic::warning(pointer, "operation has no operationId; named from its method and path")
                    .help("give every operation a unique operationId"));
                synthesized
            }
        };
        let owner = names::upper_camel(operation_id.rsplit(['_', '.']).next().unwrap_or(&operation_id), "Op");

        // Operation-level parameters override path-level ones with the same name and location.
        let mut params: Vec<Param> = Vec::new();
        // Where each param is declared, for errors about the param itself.
        let mut param_pointers: Vec<String> = Vec::new();
        let mut used = BTreeSet::new();
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
            if let Some(pos) = resolved.iter().position(|(q, _)| {
                q.parameter_data_ref().name == data.name && std::mem::discriminant(*q) == std::mem::discriminant(param)
            }) {
                if let Some(slot) = resolved.get_mut(pos) {
                    *slot = (param, p_pointer);
                }
            } else {
                resolved.push((param, p_pointer));
            }
        }
        // False once something the generator cannot express is found: the operation is left
        // out (with a warning saying why) but the rest of the description still generates.
        let mut supported = true;
        for (param, p_pointer) in resolved {
            let data = param.parameter_data_ref();
            let location = match param {
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => {
                    if let Some(why) = refused_header(&data.name) {
                        self.diags.push(Diagnostic::warning(pointer_push(&p_pointer, "name"), format!("header parameter `{}` left out: {why}", data.name))
                            .help("the operation is generated without it; remove the parameter from the description"));
                        continue;
                    }
                    ParamLocation::Header
                }
                Parameter::Cookie { .. } => {
                    self.diags.push(Diagnostic::warning(p_pointer, format!("cookie parameter `{}` is not supported; left out", data.name)));
                    continue;
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
                    self.type_of(node(s), &pointer_push(&p_pointer, "schema"), &param_owner, 1).0
                }
                ParameterSchemaOrContent::Content(_) => {
                    self.diags.push(Diagnostic::warning(&p_pointer, format!("parameter `{}` uses `content`; sent as a string", data.name)));
                    TypeRef::String
                }
            };
            let ty = typed_header(location, &data.name, ty);
            if location == ParamLocation::Path && !self.is_single_value(&ty, 0) {
                // One operation the client cannot call is no reason to refuse the others.
                self.diags.push(Diagnostic::warning(&p_pointer, format!("path parameter `{}` is not a single scalar value; operation `{operation_id}` left out", data.name))
                    .help("path segments carry single values: a string, number, boolean or enum"));
                supported = false;
            }
            let serialization = match param {
                Parameter::Query { style, .. } => self.choose_query_serialization(style, data.explode, &ty),
                // Headers (`simple`) join array items with commas.
                Parameter::Header { .. } => self.choose_header_serialization(&ty),
                // Paths carry single values (checked above).
                _ => Ok(Serialization::Joined(',')),
            };
            if let Ok(Serialization::Members(_)) = serialization {
                self.warn_nested_members(&ty, &data.name, &p_pointer);
            }
            let serialization = match serialization {
                Ok(serialization) => serialization,
                Err(why) => {
                    let kind = if location == ParamLocation::Header { "header" } else { "query" };
                    let what = format!("{kind} parameter `{}` {why}", data.name);
                    let help = "describe the parameter as a scalar, an array of scalars or (in the query) an object";
                    if data.required {
                        self.diags.push(Diagnostic::warning(&p_pointer, format!("{what}; operation `{operation_id}` left out")).help(help));
                        supported = false;
                    } else {
                        self.diags.push(Diagnostic::warning(&p_pointer, format!("{what}; the parameter is left out")).help(help));
                    }
                    continue;
                }
            };
            param_pointers.push(p_pointer.clone());
            params.push(Param {
                rust_name: names::dedupe(names::snake(&data.name, "param"), &mut used, "_"),
                wire_name: data.name.clone(),
                location,
                required: data.required || location == ParamLocation::Path,
                ty,
                serialization,
                doc: data.description.clone(),
            });
        }

        // Body and responses are lowered even when the path is wrong, so one run reports all.
        let segments = self.lower_path(path, &params, &param_pointers, pointer);
        let body = self.lower_request_body(op, method, pointer, &owner, &operation_id);
        let (success, error) = self.lower_responses(op, pointer, &owner);
        let segments = segments?;
        let body = body.ok()?;
        if !supported {
            return None;
        }
        let pager = self.lower_pager(op, &success, pointer);
        let doc = match (&op.summary, &op.description) {
            (Some(s), Some(d)) if s != d => Some(format!("{s}\n\n{d}")),
            (Some(s), _) => Some(s.clone()),
            (None, Some(d)) => Some(d.clone()),
            (None, None) => None,
        };
        Some(Operation {
            operation_id,
            fn_name: String::new(),
            type_name: String::new(),
            method,
            path_template: path.to_string(),
            path: segments,
            params,
            body,
            success,
            error,
            pager,
            // An empty requirement list, or only the empty requirement, asks for no credentials.
            anonymous: op.security.as_ref().is_some_and(|s| s.iter().all(|r| r.is_empty())),
            tag: op.tags.first().cloned(),
            doc,
            deprecated: deprecation(&op.extensions, op.deprecated),
        })
    }

    /// True for a type written as one piece of text: a string of any format, a number, a
    /// boolean, an enum (its wire value), or a named alias of one of those. Such a value fits in
    /// one path segment; arrays, maps, objects and unions do not.
    fn is_single_value(&self, ty: &TypeRef, depth: usize) -> bool {
        match ty {
            TypeRef::String | TypeRef::Bool | TypeRef::I16 | TypeRef::I32 | TypeRef::I64 | TypeRef::U8 | TypeRef::U16
            | TypeRef::U32 | TypeRef::U64 | TypeRef::F32 | TypeRef::F64 | TypeRef::DateTime | TypeRef::Date
            | TypeRef::Time | TypeRef::Duration | TypeRef::Uuid | TypeRef::Bytes | TypeRef::ConsistencyLevel => true,
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
    fn choose_query_serialization(&self, style: &openapiv3::QueryStyle, explode: Option<bool>, ty: &TypeRef) -> Result<Serialization, &'static str> {
        use openapiv3::QueryStyle;
        let joined = |style: &QueryStyle| match style {
            QueryStyle::SpaceDelimited => ' ',
            QueryStyle::PipeDelimited => '|',
            QueryStyle::Form | QueryStyle::DeepObject => ',',
        };
        let item = match ty {
            TypeRef::Array(item) => item.as_ref(),
            // Any JSON value is sent as its text.
            TypeRef::Json => return Ok(Serialization::Joined(',')),
            object if self.is_object(object, 0) => {
                return Ok(Serialization::Members(match style {
                    QueryStyle::DeepObject => ObjectStyle::DeepObject,
                    QueryStyle::Form if explode.unwrap_or(true) => ObjectStyle::Exploded,
                    other => ObjectStyle::Joined(joined(other)),
                }));
            }
            single if self.is_single_value(single, 0) => return Ok(Serialization::Joined(',')),
            _ => return Err("is a union of objects or arrays, which has no query form"),
        };
        let item = match item {
            TypeRef::Nullable(inner) => inner.as_ref(),
            other => other,
        };
        if !self.is_single_value(item, 0) {
            return Err("is an array of objects or arrays, which OpenAPI gives no query form");
        }
        match style {
            QueryStyle::Form if explode.unwrap_or(true) => Ok(Serialization::Repeated),
            QueryStyle::DeepObject => Err("is an array with `style: deepObject`, which is for objects"),
            other => Ok(Serialization::Joined(joined(other))),
        }
    }

    /// How a header parameter is written (`simple`: array items joined with commas), or why it
    /// cannot be: an object's members have no header form the generated code writes.
    fn choose_header_serialization(&self, ty: &TypeRef) -> Result<Serialization, &'static str> {
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

    /// True for a struct or a map (or a named alias of one): a value written member by member.
    fn is_object(&self, ty: &TypeRef, depth: usize) -> bool {
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
    fn warn_nested_members(&mut self, ty: &TypeRef, name: &str, pointer: &str) {
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
                    let names: Vec<String> = s.fields.iter().filter(|f| nested(self, &f.ty)).map(|f| format!("`{}`", f.json_name)).collect();
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
            self.diags.push(Diagnostic::warning(pointer, format!("query parameter `{name}`: {members}, sent as JSON text"))
                .help("OpenAPI does not say how nested values go into a query string; check what the server expects"));
        }
    }

    /// The schema a node names, following component `$ref`s (a bounded number of them).
    fn resolve_node(&self, n: Node<'a>, depth: usize) -> Option<&'a Schema> {
        let mut n = n;
        for _ in depth..MAX_DEPTH {
            match n {
                Node::Item(s) => return Some(s),
                Node::Ref(r) => n = node(self.schemas()?.get(unescape(r.strip_prefix(SCHEMA_PREFIX)?).as_str())?),
            }
        }
        None
    }

    /// `x-ms-pageable`: the response must be a struct with the item array and the next link.
    fn lower_pager(&mut self, op: &openapiv3::Operation, success: &SuccessResponse, pointer: &str) -> Option<PagerDef> {
        let pageable = op.extensions.get("x-ms-pageable")?;
        let next_name = pageable.get("nextLinkName").and_then(|v| v.as_str()).unwrap_or("@odata.nextLink");
        let item_name = pageable.get("itemName").and_then(|v| v.as_str()).unwrap_or("value");
        let found = match &success.body {
            Some(TypeRef::Named(id)) if !success.text => match self.kind_of(*id) {
                Some(TypeKind::Struct(s)) => {
                    let items = s.fields.iter().find(|f| f.json_name == item_name);
                    let next = s.fields.iter().find(|f| f.json_name == next_name && f.ty == TypeRef::String);
                    match (items, next) {
                        (Some(items), Some(next)) => match &items.ty {
                            TypeRef::Array(item) => Some(PagerDef {
                                page: *id,
                                items_field: items.rust_name.clone(),
                                item: (**item).clone(),
                                next_link_field: next.rust_name.clone(),
                                delta_link_field: find_delta_link(s),
                                count: find_page_count(s),
                            }),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if found.is_none() {
            self.diags.push(Diagnostic::warning(pointer_push(pointer, "x-ms-pageable"), format!("the response has no `{item_name}` array and `{next_name}` string; no pager generated"))
                .help("the operation is still generated; follow next links by hand"));
        }
        found
    }

    fn resolve_parameter(&mut self, p: &'a ReferenceOr<Parameter>, pointer: &str) -> Option<&'a Parameter> {
        self.resolve(p, "parameters", |c| &c.parameters, "parameter", pointer)
    }

    /// Follows a `$ref` to `#/components/<section>/<name>` (one level, as Graph writes them); an
    /// unresolvable one is an error at the `$ref`.
    fn resolve<T>(
        &mut self,
        r: &'a ReferenceOr<T>,
        section: &str,
        table: impl FnOnce(&'a openapiv3::Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
        what: &str,
        pointer: &str,
    ) -> Option<&'a T> {
        let reference = match r {
            ReferenceOr::Item(item) => return Some(item),
            ReferenceOr::Reference { reference } => reference,
        };
        let found = reference
            .strip_prefix(&format!("#/components/{section}/"))
            .and_then(|name| table(self.doc.components.as_ref()?).get(unescape(name).as_str()));
        match found {
            Some(ReferenceOr::Item(item)) => Some(item),
            _ => {
                self.diags.push(Diagnostic::error(pointer_push(pointer, "$ref"), format!("unresolved {what} reference `{reference}`"))
                    .help(format!("define it under #/components/{section}")));
                None
            }
        }
    }

    /// Splits the path template into literals and parameters, checking that the two agree.
    fn lower_path(&mut self, path: &str, params: &[Param], param_pointers: &[String], pointer: &str) -> Option<Vec<PathSegment>> {
        let mut segments = Vec::new();
        let mut rest = path;
        let mut used_params = BTreeSet::new();
        let mut ok = true;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                self.diags.push(Diagnostic::error(parent_pointer(pointer), format!("unclosed `{{` in path `{path}`")));
                return None;
            };
            if open > 0 {
                segments.push(PathSegment::Literal(rest[..open].to_string()));
            }
            let name = &rest[open + 1..close];
            match params.iter().position(|p| p.location == ParamLocation::Path && p.wire_name == name) {
                Some(i) => {
                    used_params.insert(i);
                    segments.push(PathSegment::Param(i));
                }
                None => {
                    self.diags.push(Diagnostic::error(pointer, format!("path template variable `{{{name}}}` has no path parameter"))
                        .help(format!("declare a parameter with `name: {name}` and `in: path`")));
                    ok = false;
                }
            }
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            segments.push(PathSegment::Literal(rest.to_string()));
        }
        for (i, p) in params.iter().enumerate() {
            if p.location == ParamLocation::Path && !used_params.contains(&i) {
                let at = param_pointers.get(i).map_or(pointer, String::as_str);
                self.diags.push(Diagnostic::error(at, format!("path parameter `{}` does not appear in the path template `{path}`", p.wire_name))
                    .help("add `{name}` to the path or remove the parameter"));
                ok = false;
            }
        }
        ok.then_some(segments)
    }

    /// The request body, `Ok(None)` when there is none (or an optional one that cannot be
    /// sent, with a warning), and `Err(())` when a required one cannot be sent: the operation is
    /// then left out, with a warning naming the media types.
    fn lower_request_body(&mut self, op: &'a openapiv3::Operation, method: Method, pointer: &str, owner: &str, operation_id: &str) -> Result<Option<RequestBody>, ()> {
        let body_pointer = pointer_push(pointer, "requestBody");
        let Some(declared) = op.request_body.as_ref() else { return Ok(None) };
        // An unresolvable `$ref` is an error already reported; the operation is left out with it.
        let body = self.resolve(declared, "requestBodies", |c| &c.request_bodies, "request body", &body_pointer).ok_or(())?;
        let body_pointer = match declared {
            ReferenceOr::Reference { reference } => local_pointer(reference).unwrap_or(body_pointer),
            _ => body_pointer,
        };
        let content_pointer = pointer_push(&body_pointer, "content");
        let json: Vec<(&String, &openapiv3::MediaType)> = body.content.iter().filter(|(m, _)| is_json(m)).collect();
        if body.content.len() > 1 && !json.is_empty() {
            let others: Vec<&str> = body.content.keys().filter(|m| !is_json(m)).map(|m| m.as_str()).collect();
            if !others.is_empty() {
                self.diags.push(Diagnostic::warning(&content_pointer, format!("only JSON request bodies are supported; {} left out", others.join(", "))));
            }
            if let Some(((first, _), rest)) = json.split_first().filter(|(_, rest)| !rest.is_empty()) {
                let rest: Vec<&str> = rest.iter().map(|(m, _)| m.as_str()).collect();
                self.diags.push(Diagnostic::warning(&content_pointer, format!("the body is sent as {first}; {} left out", rest.join(", ")))
                    .help("list the JSON media type the client should send first"));
            }
        }
        if let Some((media, media_type)) = json.first() {
            let ty = match &media_type.schema {
                Some(schema) => {
                    let schema_pointer = pointer_push(&pointer_push(&content_pointer, media), "schema");
                    self.type_of(node(schema), &schema_pointer, &format!("{owner} body"), 1).0
                }
                None => {
                    // No schema allows any JSON value; say so, since the client then checks nothing.
                    self.diags.push(Diagnostic::warning(pointer_push(&content_pointer, media), "request body has no schema; typed as any JSON value")
                        .help("add a `schema` to the media type"));
                    TypeRef::Json
                }
            };
            let ty = match (&ty, method) {
                (TypeRef::Named(id), Method::Patch) if matches!(self.kind_of(self.struct_of(*id)), Some(TypeKind::Struct(_))) => {
                    BodyType::Patch(self.patch_for(self.struct_of(*id)))
                }
                _ => BodyType::Model(ty),
            };
            return Ok(Some(RequestBody { ty, content_type: media.to_string(), required: body.required, doc: body.description.clone() }));
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
                    let ty = self.type_of(node(schema), &schema_pointer, &format!("{owner} form"), 1).0;
                    if !self.is_form_value(&ty) {
                        continue;
                    }
                    BodyType::Form(ty)
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
    fn lower_multipart(&mut self, n: Node<'a>, pointer: &str, owner: &str) -> Option<MultipartDef> {
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
                let ty = self.type_of(prop_node, &prop_pointer, &format!("{owner} {name}"), 1).0;
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

    /// A form body is a struct of fields (or a map of them).
    fn is_form_value(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Map(_) => true,
            TypeRef::Named(id) => matches!(self.kind_of(*id), Some(TypeKind::Struct(_))),
            _ => false,
        }
    }

    fn kind_of(&self, id: TypeId) -> Option<&TypeKind> {
        self.types.get(id.0)?.as_ref().map(|t| &t.kind)
    }

    /// The PATCH body for a struct: every field a client may change, each optional. The key `id`
    /// (it is in the URL), read-only and navigation properties are left out.
    fn patch_for(&mut self, id: TypeId) -> usize {
        if let Some(i) = self.patch_of.get(&id) {
            return *i;
        }
        let odata = self.dialect == Dialect::OData;
        let Some(Some(def)) = self.types.get(id.0) else { return 0 };
        let TypeKind::Struct(s) = &def.kind else { return 0 };
        let fields = s
            .fields
            .iter()
            // `@odata.type` is written by the patch type itself.
            .filter(|f| !(f.read_only || f.navigation || (odata && s.is_entity && f.json_name == "id") || f.json_name == ODATA_TYPE))
            .map(|f| PatchField {
                rust_name: f.rust_name.clone(),
                json_name: f.json_name.clone(),
                doc: f.doc.clone(),
                ty: f.ty.clone(),
                nullable: f.nullable,
                boxed: false,
            })
            .collect();
        let name = names::dedupe(format!("{}Patch", def.name), &mut self.used_type_names, "");
        let type_tag = odata.then(|| (ODATA_TYPE.to_string(), s.odata_type.clone()));
        let patch = PatchDef { name, of: id, type_tag, fields };
        self.patches.push(patch);
        let index = self.patches.len() - 1;
        self.patch_of.insert(id, index);
        index
    }

    fn lower_responses(&mut self, op: &'a openapiv3::Operation, pointer: &str, owner: &str) -> (SuccessResponse, Option<TypeRef>) {
        let responses_pointer = pointer_push(pointer, "responses");
        let mut success = None;
        let mut error = None;
        let mut text = false;
        let mut binary = None;
        let mut entries: Vec<(String, bool, &'a ReferenceOr<openapiv3::Response>)> = Vec::new();
        for (code, r) in &op.responses.responses {
            let (key, is_success) = match code {
                StatusCode::Code(c) => (c.to_string(), (200..300).contains(c)),
                StatusCode::Range(r) => (format!("{r}XX"), *r == 2),
            };
            entries.push((key, is_success, r));
        }
        if let Some(d) = &op.responses.default {
            entries.push(("default".to_string(), false, d));
        }
        for (key, is_success, r) in entries {
            let r_pointer = pointer_push(&responses_pointer, &key);
            let Some(response) = self.resolve_response(r, &r_pointer) else { continue };
            // A referenced response is described where it is defined: point there, or no line is found.
            let r_pointer = match r {
                ReferenceOr::Reference { reference } => local_pointer(reference).unwrap_or(r_pointer),
                ReferenceOr::Item(_) => r_pointer,
            };
            let found = response
                .content
                .iter()
                .find(|(m, _)| is_json(m))
                .or_else(|| response.content.iter().find(|(m, mt)| is_success && classify_media(m, mt.schema.as_ref()) == MediaKind::Text));
            if found.is_none() && is_success && success.is_none() && binary.is_none() {
                // A download (`$value`, `content`, an image): read as bytes, asked for as declared.
                binary = response.content.iter().find(|(m, mt)| classify_media(m, mt.schema.as_ref()) == MediaKind::Binary).map(|(m, _)| m.clone());
            }
            let Some((media, mt)) = found else { continue };
            let Some(schema) = &mt.schema else { continue };
            let slot = if is_success { &mut success } else { &mut error };
            if slot.is_some() {
                continue;
            }
            if is_success {
                text = !is_json(media);
            }
            let schema_pointer = pointer_push(&pointer_push(&pointer_push(&r_pointer, "content"), media), "schema");
            let suffix = if is_success { "response" } else { "error" };
            let (ty, _) = self.type_of(node(schema), &schema_pointer, &format!("{owner} {suffix}"), 1);
            let slot = if is_success { &mut success } else { &mut error };
            *slot = Some(ty);
        }
        // A JSON or text body, where one is declared, wins over a download.
        let binary = binary.filter(|_| success.is_none());
        (SuccessResponse { body: success, text, binary }, error)
    }

    fn resolve_response(&mut self, r: &'a ReferenceOr<openapiv3::Response>, pointer: &str) -> Option<&'a openapiv3::Response> {
        self.resolve(r, "responses", |c| &c.responses, "response", pointer)
    }

    /// The scheme every request uses: the first of the description's security requirements (or,
    /// with none at the top, of its first operation that has one). Graph's descriptions always
    /// take a bearer token.
    fn lower_auth(&mut self) -> Auth {
        use openapiv3::{APIKeyLocation, SecurityScheme};
        if self.dialect == Dialect::OData {
            return Auth::Bearer;
        }
        let doc = self.doc;
        let from_ops = || {
            doc.paths.paths.values().find_map(|item| match item {
                ReferenceOr::Item(item) => item.iter().find_map(|(_, op)| op.security.as_ref().filter(|s| !s.is_empty())),
                ReferenceOr::Reference { .. } => None,
            })
        };
        let Some(requirements) = doc.security.as_ref().or_else(from_ops) else { return Auth::None };
        // `security: [{}]` (or `[]`) makes security optional, and a client with no token works.
        let Some(name) = requirements.iter().find_map(|r| r.keys().next()) else { return Auth::None };
        if requirements.len() > 1 || requirements.iter().any(|r| r.len() > 1) {
            self.diags.push(Diagnostic::warning("/security", format!("several security schemes are listed; the client uses `{name}` for every request")));
        }
        let pointer = pointer_push("/components/securitySchemes", name);
        let scheme = doc.components.as_ref().and_then(|c| c.security_schemes.get(name));
        match scheme {
            Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) if scheme.eq_ignore_ascii_case("basic") => Auth::Basic,
            Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) if !scheme.eq_ignore_ascii_case("bearer") => {
                self.diags.push(Diagnostic::warning(pointer_push(&pointer, "scheme"), format!("HTTP authentication scheme `{scheme}` is not supported; the token is sent as a bearer token"))
                    .help("use `bearer` or `basic`"));
                Auth::Bearer
            }
            Some(ReferenceOr::Item(SecurityScheme::HTTP { .. } | SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. })) => Auth::Bearer,
            Some(ReferenceOr::Item(SecurityScheme::APIKey { location: APIKeyLocation::Header, name, .. })) => Auth::ApiKeyHeader(name.clone()),
            Some(ReferenceOr::Item(SecurityScheme::APIKey { location: APIKeyLocation::Query, name, .. })) => Auth::ApiKeyQuery(name.clone()),
            Some(ReferenceOr::Item(SecurityScheme::APIKey { location: APIKeyLocation::Cookie, .. })) => {
                self.diags.push(Diagnostic::warning(pointer, "an API key in a cookie is not supported; no credentials are sent")
                    .help("send the cookie yourself, through `Client::with_http_client`"));
                Auth::None
            }
            Some(ReferenceOr::Reference { .. }) | None => {
                self.diags.push(Diagnostic::warning("/security", format!("security scheme `{name}` is not defined under #/components/securitySchemes; the token is sent as a bearer token"))
                    .help("define the scheme"));
                Auth::Bearer
            }
        }
    }

    /// Boxes the fields whose type directly contains (not through a Vec or map) the struct
    /// holding them, since such a cycle would give the struct an infinite size.
    fn mark_boxes(&mut self) {
        let n = self.types.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, t) in self.types.iter().enumerate() {
            if let Some(TypeDef { kind, .. }) = t {
                match kind {
                    TypeKind::Struct(s) => {
                        for f in &s.fields {
                            if let (Some(TypeId(j)), Some(out)) = (direct_target(&f.ty), edges.get_mut(i)) {
                                out.push(j);
                            }
                        }
                    }
                    TypeKind::Alias(ty) => {
                        if let (Some(TypeId(j)), Some(out)) = (direct_target(ty), edges.get_mut(i)) {
                            out.push(j);
                        }
                    }
                    // Union variants are boxed, so they never make a type infinitely large.
                    TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Alternatives(_) => {}
                }
            }
        }
        let reaches = |from: usize, to: usize| -> bool {
            let mut seen = vec![false; n];
            let mut stack = vec![from];
            while let Some(x) = stack.pop() {
                if x == to {
                    return true;
                }
                match seen.get_mut(x) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                stack.extend(edges.get(x).into_iter().flatten().copied());
            }
            false
        };
        let mut to_box: Vec<(usize, usize)> = Vec::new();
        for (i, t) in self.types.iter().enumerate() {
            if let Some(TypeDef { kind: TypeKind::Struct(s), .. }) = t {
                for (k, f) in s.fields.iter().enumerate() {
                    if let Some(TypeId(j)) = direct_target(&f.ty) {
                        if reaches(j, i) {
                            to_box.push((i, k));
                        }
                    }
                }
            }
        }
        for (i, k) in to_box {
            if let Some(Some(TypeDef { kind: TypeKind::Struct(s), .. })) = self.types.get_mut(i) {
                if let Some(f) = s.fields.get_mut(k) {
                    f.boxed = true;
                }
            }
        }
        for p in &mut self.patches {
            if let Some(Some(TypeDef { kind: TypeKind::Struct(s), .. })) = self.types.get(p.of.0) {
                for pf in &mut p.fields {
                    pf.boxed = s.fields.iter().any(|f| f.json_name == pf.json_name && f.boxed);
                }
            }
        }
    }
}

/// Positions of the operations whose operationIds are equal but for case, in groups of two or
/// more distinct ids (ids repeated exactly are warned about on their own).
fn ids_differing_in_case(ops: &[Operation]) -> Vec<Vec<usize>> {
    let mut by_folded: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        by_folded.entry(op.operation_id.to_ascii_lowercase()).or_default().push(i);
    }
    by_folded
        .into_values()
        .filter(|group| group.iter().filter_map(|i| ops.get(*i)).map(|op| &op.operation_id).collect::<BTreeSet<_>>().len() > 1)
        .collect()
}

/// What each operation is named from: its operationId and an empty qualifier, except within a
/// group of ids that differ only in case, which Rust names cannot tell apart. There an OData
/// action or function (a path ending `…/microsoft.graph.updateRelationships`) is named after
/// that segment; members whose names still clash get a qualifier saying what differs: `Action`
/// or `Function`, or for all but one plain operation the last segment of its path, else its
/// method. A clash left after that is numbered by `assign_unique`.
fn naming_ids(ops: &[Operation], case_groups: &[Vec<usize>]) -> Vec<(String, String)> {
    let mut naming: Vec<(String, String)> = ops.iter().map(|op| (op.operation_id.clone(), String::new())).collect();
    for group in case_groups {
        for &i in group {
            let Some(op) = ops.get(i) else { continue };
            if let (Some(action), Some(entry)) = (odata_operation_segment(&op.path_template), naming.get_mut(i)) {
                let stem = op.operation_id.rfind(['.', '_']).map_or("", |at| &op.operation_id[..=at]);
                entry.0 = format!("{stem}{action}");
            }
        }
        let mut clashes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &i in group {
            if let Some((id, _)) = naming.get(i) {
                clashes.entry(id.rsplit(['.', '_']).next().unwrap_or(id).to_ascii_lowercase()).or_default().push(i);
            }
        }
        for clash in clashes.into_values().filter(|c| c.len() > 1) {
            let mut kept: Option<&Operation> = None;
            for i in clash {
                let Some(op) = ops.get(i) else { continue };
                let qualifier = match (odata_operation_segment(&op.path_template), kept) {
                    (Some(_), _) if op.method == Method::Post => "Action".to_string(),
                    (Some(_), _) => "Function".to_string(),
                    (None, None) => {
                        kept = Some(op);
                        continue;
                    }
                    // The first plain one keeps its name; the others say how their path or
                    // method differs from it.
                    (None, Some(first)) => match last_literal_segment(&op.path_template) {
                        Some(segment) if last_literal_segment(&first.path_template) != Some(segment) => segment.to_string(),
                        _ if op.method != first.method => op.method.as_str().to_ascii_lowercase(),
                        _ => String::new(),
                    },
                };
                if let Some(entry) = naming.get_mut(i) {
                    entry.1 = qualifier;
                }
            }
        }
    }
    naming
}

/// The last path segment that is neither a parameter nor an OData system segment (`$count`).
fn last_literal_segment(path: &str) -> Option<&str> {
    path.rsplit('/').find(|s| !s.is_empty() && !s.contains(['{', '$']))
}

/// The name of the OData action or function a path ends in: `updateRelationships` for
/// `…/microsoft.graph.updateRelationships`, `getStatus` for `…/getStatus()`.
fn odata_operation_segment(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next()?;
    let (name, called) = match last.find('(') {
        Some(at) => (&last[..at], true),
        None => (last, false),
    };
    let name = match name.rfind('.') {
        Some(at) => &name[at + 1..],
        None if called => name,
        None => return None,
    };
    (!name.is_empty() && !name.contains(['{', '}', '$'])).then_some(name)
}

impl Operation {
    fn path_template_pointer(&self) -> String {
        pointer_push(&pointer_push("/paths", &self.path_template), &self.method.as_str().to_lowercase())
    }
}

fn direct_target(ty: &TypeRef) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => Some(*id),
        TypeRef::Nullable(inner) => direct_target(inner),
        _ => None,
    }
}

fn merge_flat<'a>(into: &mut Flat<'a>, from: Flat<'a>) {
    for prop in from.props {
        // A derived type may redeclare a base property; the derived declaration wins, in place.
        if let Some(existing) = into.props.iter_mut().find(|p| p.name == prop.name) {
            *existing = prop;
        } else {
            into.props.push(prop);
        }
    }
    into.extra |= from.extra;
    into.required.extend(from.required);
}

/// `required` entries with the pointer of each (`…/required/0`).
fn collect_required_entries(required: &[String], pointer: &str) -> Vec<(String, String)> {
    let at = pointer_push(pointer, "required");
    required.iter().enumerate().map(|(i, name)| (name.clone(), pointer_push(&at, &i.to_string()))).collect()
}

/// What kind of body a media type carries, as far as the generated client can send or read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaKind {
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

fn classify_media(media: &str, schema: Option<&ReferenceOr<Schema>>) -> MediaKind {
    let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
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

fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json")
}

fn is_bare_object(s: &ReferenceOr<Schema>) -> bool {
    matches!(s, ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Object(o)), .. }) if o.properties.is_empty() && o.additional_properties.is_none())
}

/// `{type: object, nullable: true}` or `{enum: [null]}` or `{nullable: true}`: a schema that only admits null.
fn is_null_schema(s: &ReferenceOr<Schema>) -> bool {
    let ReferenceOr::Item(schema) = s else { return false };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => schema.schema_data.nullable && o.properties.is_empty(),
        SchemaKind::Any(a) => {
            matches!(a.enumeration.as_slice(), [v] if v.is_null())
                || (schema.schema_data.nullable && a.typ.is_none() && a.properties.is_empty())
        }
        SchemaKind::Type(Type::String(st)) => matches!(st.enumeration.as_slice(), [None]),
        _ => false,
    }
}

/// The one schema a property refers to: a bare `$ref`, or one wrapped as nullable in `anyOf`/`oneOf`.
fn single_ref(n: Node<'_>) -> Option<&str> {
    match n {
        Node::Ref(r) => Some(r),
        Node::Item(Schema { schema_kind: SchemaKind::AnyOf { any_of: parts } | SchemaKind::OneOf { one_of: parts }, .. }) => {
            let mut real = parts.iter().filter(|p| !is_null_schema(p));
            match (real.next(), real.next()) {
                (Some(ReferenceOr::Reference { reference }), None) => Some(reference),
                _ => None,
            }
        }
        Node::Item(_) => None,
    }
}

/// Whether the description follows Graph's OData conventions. Any one sign is enough, since a
/// cut of Graph's description may keep only some: a `microsoft.graph.` schema key, an ODataError
/// schema, a property named `@odata.…`, or an `x-ms-…` extension on the document, a path, an
/// operation or a component schema (or its properties).
fn detect_dialect(doc: &OpenAPI) -> Dialect {
    let ms_extension = |ext: &indexmap::IndexMap<String, serde_json::Value>| ext.keys().any(|k| k.starts_with("x-ms-"));
    let schema_is_odata = |key: &str, schema: &ReferenceOr<Schema>| {
        let lower = key.to_ascii_lowercase();
        if lower.starts_with("microsoft.graph.") || lower.ends_with("odataerror") {
            return true;
        }
        let ReferenceOr::Item(schema) = schema else { return false };
        let props = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => Some(&o.properties),
            SchemaKind::Any(a) => Some(&a.properties),
            SchemaKind::AllOf { all_of } => all_of.iter().find_map(|p| match p {
                ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Object(o)), .. }) => Some(&o.properties),
                _ => None,
            }),
            _ => None,
        };
        ms_extension(&schema.schema_data.extensions)
            || props.is_some_and(|props| {
                props.iter().any(|(name, p)| {
                    name.starts_with("@odata.") || matches!(p, ReferenceOr::Item(p) if ms_extension(&p.schema_data.extensions))
                })
            })
    };
    let in_schemas = doc.components.as_ref().is_some_and(|c| c.schemas.iter().any(|(k, s)| schema_is_odata(k, s)));
    let in_paths = doc.paths.paths.values().any(|item| match item {
        ReferenceOr::Item(item) => ms_extension(&item.extensions) || item.iter().any(|(_, op)| ms_extension(&op.extensions)),
        ReferenceOr::Reference { .. } => false,
    });
    if ms_extension(&doc.extensions) || in_schemas || in_paths {
        Dialect::OData
    } else {
        Dialect::Plain
    }
}

/// `x-ms-discriminator-value`, as Graph's `openapi.yaml` flavour writes it on derived types.
fn discriminator_value(schema: &Schema) -> Option<String> {
    schema.schema_data.extensions.get("x-ms-discriminator-value").and_then(|v| v.as_str()).map(str::to_string)
}

/// `deprecated: true`, with the dates and version of `x-ms-deprecation` as the note.
fn deprecation(extensions: &indexmap::IndexMap<String, serde_json::Value>, deprecated: bool) -> Option<Deprecation> {
    let info = extensions.get("x-ms-deprecation");
    if !deprecated && info.is_none() {
        return None;
    }
    let field = |name: &str| info.and_then(|i| i.get(name)).and_then(|v| v.as_str());
    let mut parts = Vec::new();
    if let Some(date) = field("date") {
        parts.push(format!("deprecated since {date}"));
    }
    if let Some(removal) = field("removalDate") {
        parts.push(format!("to be removed on {removal}"));
    }
    if let Some(version) = field("version") {
        parts.push(format!("({version})"));
    }
    if let Some(description) = field("description") {
        parts.push(description.to_string());
    }
    Some(Deprecation { note: (!parts.is_empty()).then(|| parts.join(" ")) })
}

/// The JSON pointer a local `$ref` names (`#/a/b` names `/a/b`); None for another document.
fn local_pointer(reference: &str) -> Option<String> {
    reference.strip_prefix('#').filter(|p| p.starts_with('/')).map(str::to_string)
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn parent_pointer(pointer: &str) -> String {
    pointer.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default()
}


/// A delta function's response declares `@odata.deltaLink` (a string) beside its next link: that
/// is what makes its pager one that ends with a link to resume from.
fn find_delta_link(page: &StructDef) -> Option<String> {
    page.fields.iter().find(|f| f.json_name == "@odata.deltaLink" && f.ty == TypeRef::String).map(|f| f.rust_name.clone())
}

/// `@odata.count` as declared (an integer), else from the map of undeclared members, where
/// Graph's count lands when the description leaves it out (most collection responses do).
fn find_page_count(page: &StructDef) -> Option<PageCount> {
    match page.fields.iter().find(|f| f.json_name == "@odata.count") {
        Some(f) if matches!(f.ty, TypeRef::I32 | TypeRef::I64) => Some(PageCount::Field {
            rust_name: f.rust_name.clone(),
            wide: f.ty == TypeRef::I64,
            optional: !f.required || f.nullable,
        }),
        Some(_) => None,
        None => page.extra.as_ref().filter(|e| e.value == TypeRef::Json).map(|e| PageCount::Extra(e.rust_name.clone())),
    }
}

/// The runtime's typed header for a header parameter Graph gives a fixed meaning, where the
/// description types it as a plain string: `ConsistencyLevel` (`eventual`, which `$count` and
/// `$search` on directory objects require). Anything else keeps its type.
fn typed_header(location: ParamLocation, name: &str, ty: TypeRef) -> TypeRef {
    if location == ParamLocation::Header && name.eq_ignore_ascii_case("ConsistencyLevel") && ty == TypeRef::String {
        return TypeRef::ConsistencyLevel;
    }
    ty
}
