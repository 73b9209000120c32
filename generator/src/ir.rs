//! The intermediate representation: what the emitters read, with Rust-ready unique names.
//!
//! Nothing from `openapiv3` appears here; `lower` builds it and the back ends only read it.

pub mod check;

/// Index of a type in [`Api::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

#[derive(Debug, Clone)]
pub struct Api {
    /// `info.title` of the description.
    pub title: String,
    /// The root the client defaults to: the first server URL without its trailing slash, or
    /// Graph's own for a cut of Graph's description that names none usable; `None`: no default.
    pub default_base_url: Option<String>,
    /// Whether the description follows Microsoft Graph's OData conventions; decided once, in
    /// `lower`, and only then are they applied.
    pub dialect: Dialect,
    /// How every request is authenticated, from the description's security requirements.
    pub auth: Auth,
    pub types: Vec<TypeDef>,
    /// PATCH body types, one per struct that some PATCH operation sends.
    pub patches: Vec<PatchDef>,
    pub operations: Vec<Operation>,
}

/// How the client authenticates its requests, with the one token it is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// The description asks for no security: nothing is sent.
    None,
    /// `Authorization: Bearer …` (HTTP bearer, OAuth 2.0, OpenID Connect; Graph always).
    Bearer,
    /// `Authorization: Basic …` from `user:password`.
    Basic,
    /// The token as the value of this header.
    ApiKeyHeader(String),
    /// The token as the value of this query parameter.
    ApiKeyQuery(String),
}

/// The conventions a description follows beyond OpenAPI itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Microsoft Graph's (OData): `@odata.type` names a value's type (`#` + its schema name), a
    /// base schema others derive from is read through a union of them all, a property that
    /// refers to an entity is a navigation link, and the service root defaults to Graph's.
    OData,
    /// Plain OpenAPI: `allOf` only composes structs, unions need a `discriminator`, and the service
    /// root is the description's server or one the caller gives.
    Plain,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Rust type name, unique among the types.
    pub name: String,
    /// The key under `#/components/schemas` (or a synthesised one for inline types).
    pub schema_name: String,
    pub doc: Option<String>,
    pub deprecated: Option<Deprecation>,
    pub kind: TypeKind,
}

/// `deprecated: true` or `x-ms-deprecation`; the note says since when and what to use instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Deprecation {
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct(StructDef),
    Enum(EnumDef),
    /// A schema that is only another type under a name of its own.
    Alias(TypeRef),
    /// A base type and every type derived from it (`allOf`), told apart by `@odata.type`.
    Union(UnionDef),
    /// `oneOf`/`anyOf` of alternatives a value can be told apart by: by a discriminator's value,
    /// or by shape (serde tries the variants in order).
    Alternatives(AlternativesDef),
}

#[derive(Debug, Clone)]
pub struct AlternativesDef {
    /// In the order a value is tried against them (the most specific first), when untagged.
    pub variants: Vec<Alternative>,
    /// The discriminator's property: its value picks the variant, and a value it does not list
    /// is kept as JSON in `fallback`. None: the shape picks.
    pub tag_property: Option<String>,
    /// The variant that keeps an unlisted tag (tagged alternatives only).
    pub fallback: String,
    /// Every alternative is one piece of text (a scalar or an enum): it can be a parameter.
    pub single_value: bool,
}

#[derive(Debug, Clone)]
pub struct Alternative {
    pub rust_name: String,
    pub ty: TypeRef,
    /// Held in a `Box`: a struct alternative may contain the type itself.
    pub boxed: bool,
    /// The discriminator value that names it (tagged alternatives only).
    pub tag: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UnionDef {
    /// The base struct; also what a value with no or an unknown `@odata.type` becomes.
    pub base: TypeId,
    /// The member that names the type (`discriminator.propertyName`; Graph's is `@odata.type`).
    pub tag_property: String,
    /// The base itself first, then every derived struct, each with its `@odata.type` value.
    pub variants: Vec<UnionVariant>,
    /// The variant that keeps a value whose `@odata.type` the description does not list.
    pub fallback: String,
    /// The method that returns the tag: the Rust name of the base's field for the tag member if
    /// it has one, else the member's name in snake_case.
    pub tag_accessor: String,
    /// The base's fields read through the union, one method each named as the field, in the
    /// base's order: those every variant holds as the same Rust type, except the tag member and
    /// a field named as [`UnionDef::tag_accessor`].
    pub member_accessors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeId,
    /// The `@odata.type` value, such as `#microsoft.graph.win32LobApp`.
    pub wire: String,
}

#[derive(Debug, Clone)]
pub struct StructDef {
    /// Own and inherited (`allOf`) properties, base first.
    pub fields: Vec<Field>,
    /// `additionalProperties`: unknown members are kept in a map of this value type.
    pub extra: Option<ExtraFields>,
    /// True when the type carries the key `id` (an OData entity type).
    pub is_entity: bool,
    /// The name this type is known by on the wire in a type-naming member (`@odata.type`:
    /// `#` + schema name; in plain OpenAPI a discriminator's default, the schema name).
    pub odata_type: String,
}

impl Field {
    /// Held in an `Option`: it may be absent, or `null`.
    pub fn is_optional(&self) -> bool {
        !self.required || self.nullable
    }
}

#[derive(Debug, Clone)]
pub struct ExtraFields {
    pub rust_name: String,
    pub value: TypeRef,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub rust_name: String,
    pub json_name: String,
    /// Other member names read as this field (never written): spellings the service sends where
    /// the description has another.
    pub aliases: Vec<String>,
    pub doc: Option<String>,
    pub ty: TypeRef,
    /// Listed in `required`: may not be absent.
    pub required: bool,
    /// `nullable: true`: may be `null`.
    pub nullable: bool,
    pub read_only: bool,
    /// A link to another entity (`x-ms-navigationProperty`, or a bare `$ref` to an entity type).
    pub navigation: bool,
    pub deprecated: Option<Deprecation>,
    /// Needs a `Box` to break a cycle of directly contained types.
    pub boxed: bool,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub variants: Vec<Variant>,
    /// `x-ms-enum-flags: {isFlags: true}`: values combine, sent as `"a,b"`.
    pub flags: bool,
    /// The variant that keeps a value the description does not list (Graph adds values over time).
    pub fallback: String,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub rust_name: String,
    pub wire: String,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    String,
    Bool,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    /// `date-time`: an RFC 3339 instant.
    DateTime,
    /// `date`: a calendar date.
    Date,
    /// `time`: a time of day.
    Time,
    /// `duration`: an ISO 8601 duration such as `P1DT2H`.
    Duration,
    Uuid,
    /// `base64url` (or `byte`): bytes sent as base64 text.
    Bytes,
    /// A number that may also arrive as a string (OData's IEEE754Compatible form, and
    /// `INF`/`-INF`/`NaN` for floating point).
    Lenient(Box<TypeRef>),
    /// Any JSON value.
    Json,
    Named(TypeId),
    Array(Box<TypeRef>),
    Map(Box<TypeRef>),
    /// `null` is allowed where this appears inside an array or map.
    Nullable(Box<TypeRef>),
    /// The `ConsistencyLevel` header's value, typed by the runtime (`runtime::ConsistencyLevel`);
    /// only ever a header parameter's type.
    ConsistencyLevel,
}

impl TypeRef {
    /// The named type this reference holds, through arrays, maps, nullability and leniency (a
    /// reference holds at most one). Every variant is listed, so a new one that holds a type is a
    /// compile error here rather than a reference the areas and the consistency check miss.
    pub fn named_target(&self) -> Option<TypeId> {
        match self {
            TypeRef::Named(id) => Some(*id),
            TypeRef::Lenient(inner) | TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => inner.named_target(),
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
            | TypeRef::Json
            | TypeRef::ConsistencyLevel => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId` as written.
    pub operation_id: String,
    /// snake_case method name, unique among operations.
    pub fn_name: String,
    /// UpperCamelCase request type name, unique among operations.
    pub type_name: String,
    pub method: Method,
    /// The path template as written, for docs.
    pub path_template: String,
    pub path: Vec<PathSegment>,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub success: SuccessResponse,
    /// The schema of error responses (`default`, `4XX`, `5XX`), if one is declared.
    pub error: Option<TypeRef>,
    /// `x-ms-pageable`: how to follow the response's next links.
    pub pager: Option<PagerDef>,
    /// `security: []` (or `[{}]`) on the operation: it is sent without credentials.
    pub anonymous: bool,
    /// The tag that groups the operation (its area), as written.
    pub tag: Option<String>,
    pub doc: Option<String>,
    pub deprecated: Option<Deprecation>,
}

/// A collection response that links to its next page.
#[derive(Debug, Clone)]
pub struct PagerDef {
    /// The collection response struct.
    pub page: TypeId,
    /// Its array field (`value`) and what the array holds.
    pub items_field: String,
    pub item: TypeRef,
    /// Its next-link field (`@odata.nextLink`).
    pub next_link_field: String,
    /// Its `@odata.deltaLink` field, declared by delta functions: the last page carries the link
    /// a later call resumes from.
    pub delta_link_field: Option<String>,
    /// Where the page's `@odata.count` (sent with `$count=true`) is read, if anywhere.
    pub count: Option<PageCount>,
}

/// Where a page's `@odata.count` is read from.
#[derive(Debug, Clone, PartialEq)]
pub enum PageCount {
    /// A declared integer field.
    Field {
        rust_name: String,
        /// `i64` (else `i32`).
        wide: bool,
        /// An `Option` (not required, or nullable).
        optional: bool,
    },
    /// Not declared (Graph's collection responses mostly leave it out), so it lands in the
    /// struct's map of undeclared members, named here.
    Extra(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    Literal(String),
    /// Index into [`Operation::params`].
    Param(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub rust_name: String,
    pub wire_name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    /// How an array or object value is written (`style`, `explode`); single values are written
    /// as they are.
    pub serialization: Serialization,
    pub doc: Option<String>,
}

/// How an array parameter's items, or an object query parameter's members, go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serialization {
    /// One `name=item` pair per item: `tags=a&tags=b` (query `form` with `explode: true`, the
    /// default for query parameters).
    Repeated,
    /// One value, the items joined: `,` (`form` with `explode: false`, as Graph declares its OData
    /// options, and headers), ` ` (`spaceDelimited`) or `|` (`pipeDelimited`).
    Joined(char),
    /// An object (a struct or a map) in the query, written member by member.
    Members(ObjectStyle),
    /// A union of one object and single values (a range filter: `{gt, lt}` or a number): the
    /// object member by member, any other value as one pair.
    MembersOrValue(ObjectStyle),
}

/// How an object query parameter's members are written, for `filter = {name: x, age: 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `deepObject`: `filter[age]=3&filter[name]=x`.
    DeepObject,
    /// `form` with `explode: true`: `age=3&name=x`.
    Exploded,
    /// One pair, names and values joined: `filter=age,3,name,x` (`form` with `explode: false`),
    /// or with ` ` (`spaceDelimited`) or `|` (`pipeDelimited`).
    Joined(char),
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    pub ty: BodyType,
    /// The `Content-Type` sent: the media type chosen (a wildcard one such as `image/*` is sent as
    /// `application/octet-stream`).
    pub content_type: String,
    pub required: bool,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyType {
    /// The whole model as JSON, as for POST and PUT.
    Model(TypeRef),
    /// Index into [`Api::patches`].
    Patch(usize),
    /// A struct (or map) sent as `application/x-www-form-urlencoded`; the members the form's
    /// `encoding` writes as `deepObject` (`address[city]=Paris`), by wire name.
    Form(TypeRef, Vec<String>),
    /// Bytes sent as they are (`application/octet-stream`, `image/png`, …).
    Bytes,
    /// Text sent as it is (`text/plain`, …).
    Text,
    /// `multipart/form-data`: one part per property of the schema, held in a struct of its own.
    Multipart(MultipartDef),
}

/// The parts of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartDef {
    /// The Rust name of the struct holding the parts, unique among the generated types.
    pub name: String,
    pub parts: Vec<MultipartPart>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MultipartPart {
    pub rust_name: String,
    /// The part's `name`.
    pub wire_name: String,
    pub required: bool,
    pub kind: PartKind,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PartKind {
    /// A file: `Vec<u8>`, sent as `application/octet-stream` with a file name.
    Bytes,
    /// A single value, sent as its text.
    Text(TypeRef),
    /// An array of single values: one text part per item, all with the same name (OpenAPI's
    /// default for arrays of primitives).
    Repeated(TypeRef),
    /// An object or array, sent as `application/json`.
    Json(TypeRef),
}

/// The PATCH form of a struct: the fields a client may change, each optional.
#[derive(Debug, Clone)]
pub struct PatchDef {
    pub name: String,
    pub of: TypeId,
    /// The member that names the type and its value, written first as Graph's documentation
    /// examples do (`@odata.type`, `#` + schema name); none outside the OData dialect.
    pub type_tag: Option<(String, String)>,
    pub fields: Vec<PatchField>,
}

#[derive(Debug, Clone)]
pub struct PatchField {
    pub rust_name: String,
    pub json_name: String,
    pub doc: Option<String>,
    pub ty: TypeRef,
    /// Nullable fields get three states (leave alone, clear, set); others two.
    pub nullable: bool,
    pub boxed: bool,
}

/// What a 2XX response carries and how the client reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum SuccessResponse {
    /// No JSON, text or binary content is declared: the output is `()`.
    Empty,
    /// A JSON body of this type.
    Json(TypeRef),
    /// A `text/plain` body (such as OData's `$count`), parsed from its text as this type.
    Text(TypeRef),
    /// A binary download, read as bytes whatever schema it has; asked for with this `Accept`
    /// value (`image/jpeg`, `*/*`). Only where no JSON or text body is declared.
    Binary { accept: String },
}

impl SuccessResponse {
    /// The type a JSON or text body is read as.
    pub fn body(&self) -> Option<&TypeRef> {
        match self {
            SuccessResponse::Json(ty) | SuccessResponse::Text(ty) => Some(ty),
            SuccessResponse::Empty | SuccessResponse::Binary { .. } => None,
        }
    }
}
