//! Stage 2: `openapiv3::OpenAPI` to the IR: resolved references, flattened `allOf`, unique names.
//!
//! This is the only module besides `load` that knows `openapiv3`; everything after it reads `ir`.

use crate::diagnostics::{pointer_push, Diagnostic};
use crate::ir::*;
use crate::names;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind,
    StatusCode, Type, VariantOrUnknownOrEmpty,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod bodies;
mod boxing;
mod normalize;
mod operation_names;
mod operations;
mod parameters;
mod patch;
mod pointers;
mod schemas;
mod service;
mod unions;

use bodies::*;
use pointers::is_component_schema_ref;
use service::*;

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
/// Mixed schemas whose meaning is plain are first rewritten as what they mean (`normalize`).
pub fn lower_api(doc: &mut OpenAPI) -> (Api, Vec<Diagnostic>) {
    let read = normalize::normalize(doc);
    let doc: &OpenAPI = doc;
    let mut lw = Lowerer::new(doc);
    lw.diags = read;
    lw.dialect = detect_dialect(doc);
    lw.lower_components();
    let operations = lw.lower_operations();
    lw.mark_boxes();
    lw.name_union_accessors();
    let auth = lw.lower_auth();
    // Every allocated slot is filled before this point; an empty one is a generator bug, said as
    // an internal error (the slot keeps an alias to any JSON value, so the indices stay as they
    // are, but with the error nothing is emitted).
    let mut types = Vec::with_capacity(lw.types.len());
    for (i, slot) in lw.types.into_iter().enumerate() {
        let def = slot.unwrap_or_else(|| {
            let name = lw.type_names.get(&TypeId(i)).map_or_else(|| "unnamed".to_string(), |n| format!("`{n}`"));
            lw.diags.push(Diagnostic::internal(format!("type #{i} ({name}) was allocated but never filled")));
            TypeDef { name: String::new(), schema_name: String::new(), doc: None, deprecated: None, kind: TypeKind::Alias(TypeRef::Json) }
        });
        types.push(def);
    }
    let default_base_url = lower_server_url(doc, &auth, &mut lw.diags);
    let api = Api { title: doc.info.title.clone(), default_base_url, dialect: lw.dialect, auth, types, patches: lw.patches, operations };
    (api, lw.diags)
}

/// Member names the service is known to send where descriptions spell them otherwise, as
/// (description's name, name on the wire). Graph's error bodies carry `innerError`, while its
/// converter wrote `innererror` into the schema (OpenAPI.NET.OData #393, after msgraph-sdk-dotnet
/// #1916); the spec is kept verbatim and the model reads both.
const WIRE_SPELLINGS: &[(&str, &str)] = &[("innererror", "innerError")];

/// The other names a property called `name` is read under: the wire spellings of
/// [`WIRE_SPELLINGS`], unless a sibling property already has that name.
fn wire_aliases<'n>(name: &str, mut siblings: impl Iterator<Item = &'n str>) -> Vec<String> {
    let aliases: Vec<String> = WIRE_SPELLINGS.iter().filter(|(spec, _)| *spec == name).map(|(_, wire)| (*wire).to_string()).collect();
    if aliases.is_empty() || siblings.any(|s| aliases.iter().any(|a| a == s)) {
        return Vec::new();
    }
    aliases
}

/// What lowering a schema gave: a type reference, or a type of its own still to be named.
enum Lowered {
    Type(TypeRef),
    Kind(TypeKind),
}

/// A schema's Rust type, as `Lowerer::type_of` gives it.
struct SchemaType {
    ty: TypeRef,
    /// The schema was a nullable union (`anyOf: [X, {nullable: true}]`, as the converter writes a
    /// nullable reference): `null` is admitted where it is held, though `ty` says nothing of it.
    null_in_union: bool,
}

impl SchemaType {
    /// A type written without a nullable union around it.
    fn plain(ty: TypeRef) -> Self {
        SchemaType { ty, null_in_union: false }
    }
}

/// `{}` (or only a description): a schema that admits any value.
fn is_any_schema(s: &ReferenceOr<Schema>) -> bool {
    let ReferenceOr::Item(Schema { schema_kind: SchemaKind::Any(a), .. }) = s else { return false };
    a.typ.is_none()
        && a.properties.is_empty()
        && a.items.is_none()
        && a.one_of.is_empty()
        && a.any_of.is_empty()
        && a.all_of.is_empty()
        && a.not.is_none()
        && a.enumeration.is_empty()
        && a.additional_properties.is_none()
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
    /// The types of `$ref`s that point inside the document rather than at a component, by
    /// reference (see `pointers`).
    deep_types: HashMap<String, TypeRef>,
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
            deep_types: HashMap::new(),
        }
    }

    fn schemas(&self) -> Option<&'a indexmap::IndexMap<String, ReferenceOr<Schema>>> {
        self.doc.components.as_ref().map(|c| &c.schemas)
    }

    /// The schema a node names, following component `$ref`s (a bounded number of them).
    fn resolve_node(&self, n: Node<'a>, depth: usize) -> Option<&'a Schema> {
        let mut n = n;
        for _ in depth..MAX_DEPTH {
            match n {
                Node::Item(s) => return Some(s),
                Node::Ref(r) if is_component_schema_ref(r) => {
                    n = node(self.schemas()?.get(unescape(r.strip_prefix(SCHEMA_PREFIX)?).as_str())?)
                }
                Node::Ref(r) => n = self.schema_at(r)?,
            }
        }
        None
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
                self.diags.push(
                    Diagnostic::error(pointer_push(pointer, "$ref"), format!("unresolved {what} reference `{reference}`"))
                        .help(format!("define it under #/components/{section}")),
                );
                None
            }
        }
    }

    fn kind_of(&self, id: TypeId) -> Option<&TypeKind> {
        self.types.get(id.0)?.as_ref().map(|t| &t.kind)
    }
}

fn direct_target(ty: &TypeRef) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => Some(*id),
        TypeRef::Nullable(inner) => direct_target(inner),
        _ => None,
    }
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
