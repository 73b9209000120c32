//! Stage 3: the IR to Rust token streams (and the crate manifest), one per generated file.
//!
//! Reads only `ir`; every decision about what the spec means was made in `lower`.

use crate::areas::{plan_areas, Areas};
use crate::ir::*;
use crate::names::needs_raw;
use std::collections::BTreeSet;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// The fixed parts of the generated crate, kept as real Rust source so they read as code.
const RUNTIME_TEMPLATE: &str = include_str!("../templates/runtime.rs");
const CLIENT_TEMPLATE: &str = include_str!("../templates/client.rs");
const VALUES_TEMPLATE: &str = include_str!("../templates/values.rs");
const PAGING_TEMPLATE: &str = include_str!("../templates/paging.rs");

/// One emitted file before rendering.
pub enum Emitted {
    Rust { path: String, tokens: TokenStream },
    Text { path: String, text: String },
}

pub struct CrateSettings<'a> {
    pub crate_name: &'a str,
    pub crate_version: &'a str,
    pub standalone: bool,
    pub base_url: &'a str,
}

/// How many types one slice of `models.rs` holds: small enough to spread over threads and to keep
/// the printer's syntax tree small, large enough that slicing costs nothing noticeable.
const TYPES_PER_PART: usize = 128;
/// Likewise for operations, whose request types and client methods are larger.
const OPERATIONS_PER_PART: usize = 64;

/// One piece of the crate: a whole file, or one slice of a large one. Pieces are independent, so
/// they can be emitted and rendered on separate threads (token streams are not `Send`).
#[derive(Debug, Clone)]
pub struct Part {
    pub path: String,
    job: Job,
}

#[derive(Debug, Clone)]
enum Job {
    Manifest,
    Lib,
    ModelsHead,
    Types(std::ops::Range<usize>),
    PatchesAndPages,
    OperationsRoot,
    /// A slice of the operations of one area (or of all, when there are no areas); the first
    /// slice of a file also writes the module's header.
    Operations { area: Option<usize>, range: std::ops::Range<usize> },
    Template(&'static str, &'static str),
}

/// The parts of the crate in file order; parts of one file are consecutive.
pub struct Plan {
    pub parts: Vec<Part>,
    areas: Areas,
}

pub fn plan_crate(api: &Api) -> Plan {
    let areas = plan_areas(api);
    let part = |path: &str, job: Job| Part { path: path.to_string(), job };
    let mut parts = vec![part("Cargo.toml", Job::Manifest), part("src/lib.rs", Job::Lib), part("src/models.rs", Job::ModelsHead)];
    let mut start = 0;
    while start < api.types.len() {
        let end = (start + TYPES_PER_PART).min(api.types.len());
        parts.push(part("src/models.rs", Job::Types(start..end)));
        start = end;
    }
    parts.push(part("src/models.rs", Job::PatchesAndPages));
    if areas.split() {
        parts.push(part("src/operations.rs", Job::OperationsRoot));
        for (i, area) in areas.areas.iter().enumerate() {
            let path = format!("src/operations/{}.rs", area.module);
            push_operation_parts(&mut parts, &path, Some(i), area.operations.len());
        }
    } else {
        push_operation_parts(&mut parts, "src/operations.rs", None, api.operations.len());
    }
    for (path, name, text) in [
        ("src/runtime.rs", "runtime", RUNTIME_TEMPLATE),
        ("src/values.rs", "values", VALUES_TEMPLATE),
        ("src/paging.rs", "paging", PAGING_TEMPLATE),
        ("src/client.rs", "client", CLIENT_TEMPLATE),
    ] {
        parts.push(part(path, Job::Template(name, text)));
    }
    Plan { parts, areas }
}

fn push_operation_parts(parts: &mut Vec<Part>, path: &str, area: Option<usize>, count: usize) {
    let mut start = 0;
    loop {
        let end = (start + OPERATIONS_PER_PART).min(count);
        parts.push(Part { path: path.to_string(), job: Job::Operations { area, range: start..end } });
        if end >= count {
            break;
        }
        start = end;
    }
}

/// Emits one part.
pub fn emit_part(api: &Api, settings: &CrateSettings<'_>, plan: &Plan, part: &Part) -> Result<Emitted, String> {
    let areas = &plan.areas;
    let path = part.path.clone();
    let tokens = match &part.job {
        Job::Manifest => return Ok(Emitted::Text { path, text: emit_manifest(api, settings, areas) }),
        Job::Lib => emit_lib(api, settings),
        Job::ModelsHead => quote! {
            #![doc = " The description's schemas as Rust types, and the PATCH bodies derived from them."]
            // Deprecated schemas stay usable; the warning is for the crate's users, not its own code.
            #![allow(deprecated)]
            use serde::{Deserialize, Serialize};
        },
        Job::Types(range) => {
            let types = range.clone().filter_map(|i| {
                let t = api.types.get(i)?;
                Some(emit_type(api, t, &cfg_for(areas, areas.type_users.get(i))))
            });
            quote!(#(#types)*)
        }
        Job::PatchesAndPages => emit_patches_and_pages(api, areas),
        Job::OperationsRoot => emit_operations_root(areas),
        Job::Operations { area: Some(a), range } => {
            let Some(area) = areas.areas.get(*a) else { return Err(format!("no area {a}")) };
            let ops: Vec<&Operation> =
                area.operations.get(range.clone()).unwrap_or_default().iter().filter_map(|i| api.operations.get(*i)).collect();
            let head = (range.start == 0).then(|| format!("Operations tagged `{}`.", escape_doc_line(&area.tag)));
            emit_operations(api, &ops, head.as_deref())
        }
        Job::Operations { area: None, range } => {
            let ops: Vec<&Operation> = api.operations.get(range.clone()).unwrap_or_default().iter().collect();
            let head = (range.start == 0).then_some("One request type per operation, and the client method that sends it.");
            emit_operations(api, &ops, head)
        }
        Job::Template(name, text) => template_tokens(text, name)?,
    };
    Ok(Emitted::Rust { path, tokens })
}

/// Every part, emitted in order on this thread.
pub fn emit_crate(api: &Api, settings: &CrateSettings<'_>) -> Result<Vec<Emitted>, String> {
    let plan = plan_crate(api);
    plan.parts.iter().map(|part| emit_part(api, settings, &plan, part)).collect()
}

/// `#[cfg(...)]` for an item that the given areas need: nothing when every area (or the only
/// one) needs it; `full` for what no operation needs.
fn cfg_for(areas: &Areas, users: Option<&BTreeSet<usize>>) -> TokenStream {
    if !areas.split() {
        return quote!();
    }
    let users = users.cloned().unwrap_or_default();
    if users.len() == areas.areas.len() {
        return quote!();
    }
    let features: Vec<&str> = users.iter().filter_map(|a| areas.areas.get(*a)).map(|a| a.feature.as_str()).collect();
    match features.as_slice() {
        [] => quote!(#[cfg(feature = "full")]),
        [one] => quote!(#[cfg(feature = #one)]),
        many => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}

fn emit_operations_root(areas: &Areas) -> TokenStream {
    let modules = areas.areas.iter().map(|a| {
        let module = ident(&a.module);
        let feature = &a.feature;
        let doc = own_doc_attrs(&format!("Operations tagged `{}` (feature `{}`).", escape_doc_line(&a.tag), a.feature));
        quote! {
            #doc
            #[cfg(feature = #feature)]
            pub mod #module;
            #[cfg(feature = #feature)]
            pub use #module::*;
        }
    });
    quote! {
        #![doc = " One request type per operation, in one module per area (Cargo feature), all re-exported here."]
        #(#modules)*
    }
}

fn template_tokens(text: &str, what: &str) -> Result<TokenStream, String> {
    text.parse::<TokenStream>().map_err(|e| format!("the {what} template does not tokenize: {e}"))
}

fn emit_manifest(api: &Api, s: &CrateSettings<'_>, areas: &Areas) -> String {
    let mut area_features = String::new();
    let mut default = r#"["client"]"#.to_string();
    if areas.split() {
        let names: Vec<String> = areas.areas.iter().map(|a| toml_string(&a.feature)).collect();
        default = r#"["client", "full"]"#.to_string();
        area_features.push_str("# Every area, and the types no operation uses.\n");
        area_features.push_str(&format!("full = [{}]\n", names.join(", ")));
        area_features.push_str("# One feature per area (operation tag): each compiles its operations and the types they use.\n");
        for area in &areas.areas {
            area_features.push_str(&format!("{} = []\n", toml_string(&area.feature)));
        }
    }
    let workspace = if s.standalone { "\n# Built on its own, not as part of an enclosing workspace.\n[workspace]\n" } else { "" };
    let description = toml_string(&format!("Typed Rust client for {}, generated from its OpenAPI description", api.title));
    format!(
        r#"[package]
name = {name}
version = {version}
edition = "2021"
rust-version = "1.85"
description = {description}
publish = false

[dependencies]
http = "1"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
serde_path_to_error = "0.1"
jiff = {{ version = "1", default-features = false, features = ["std", "serde"] }}
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}
reqwest = {{ version = "0.12", default-features = false, features = ["rustls-tls"], optional = true }}
# Only its timer, for the waits between retries (see runtime::RetryPolicy).
tokio = {{ version = "1", default-features = false, features = ["time"], optional = true }}
# Only for the paged-listing streams.
futures-util = {{ version = "0.3", default-features = false, features = ["std"], optional = true }}

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt", "net", "io-util", "time"] }}

[features]
default = {default}
# The async client over reqwest; without it the crate builds and parses requests with no I/O.
client = ["dep:reqwest", "dep:tokio", "dep:futures-util"]
{area_features}{workspace}"#,
        name = toml_string(s.crate_name),
        version = toml_string(s.crate_version),
    )
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn emit_lib(api: &Api, s: &CrateSettings<'_>) -> TokenStream {
    let title_doc = inner_doc_attrs(&format!(
        "Typed client for {}, generated from its OpenAPI description.\n\n\
         - `models`: the schemas, as Graph sends them; unknown members are kept.\n\
         - `operations`: one request type per operation; each builds an `http::Request` and parses \
         the response with no I/O.\n\
         - `client` (feature `client`, on by default): an async client that sends them.",
        escape_doc_line(&api.title)
    ));
    let base_url = s.base_url;
    quote! {
        #title_doc
        pub mod models;
        pub mod operations;
        pub mod paging;
        pub mod runtime;
        pub mod values;
        #[cfg(feature = "client")]
        pub mod client;

        #[cfg(feature = "client")]
        pub use client::Client;
        pub use runtime::{ApiError, BaseUrl, BearerToken, DecodeError, Error, ErrorBody, Operation, Patch, RequestError, RetryPolicy};

        /// The service root named by the description's first server.
        pub const DEFAULT_BASE_URL: &str = #base_url;

        /// [`DEFAULT_BASE_URL`] as a [`BaseUrl`].
        pub fn default_base_url() -> BaseUrl {
            BaseUrl::trusted(DEFAULT_BASE_URL)
        }
    }
}

fn emit_patches_and_pages(api: &Api, areas: &Areas) -> TokenStream {
    let patches = api.patches.iter().enumerate().map(|(i, p)| emit_patch(api, p, &cfg_for(areas, areas.patch_users.get(i))));
    let mut seen_pages = BTreeSet::new();
    let pages = api
        .operations
        .iter()
        .filter_map(|op| op.pager.as_ref())
        .filter(|p| seen_pages.insert(p.page))
        .map(|p| emit_page_impl(api, p, &cfg_for(areas, areas.type_users.get(p.page.0))));
    quote! {
        #(#patches)*
        #(#pages)*
    }
}

fn emit_page_impl(api: &Api, p: &PagerDef, cfg: &TokenStream) -> TokenStream {
    let page = rust_type(api, &TypeRef::Named(p.page), false);
    let item = rust_type(api, &p.item, false);
    let items = field_ident(&p.items_field);
    let next = field_ident(&p.next_link_field);
    let (items_optional, next_optional) = match api.types.get(p.page.0).map(|t| &t.kind) {
        Some(TypeKind::Struct(s)) => (
            s.fields.iter().any(|f| f.rust_name == p.items_field && (!f.required || f.nullable)),
            s.fields.iter().any(|f| f.rust_name == p.next_link_field && (!f.required || f.nullable)),
        ),
        _ => (true, true),
    };
    let into_items = if items_optional { quote!(self.#items.unwrap_or_default()) } else { quote!(self.#items) };
    let next_link = if next_optional { quote!(self.#next.as_deref()) } else { quote!(Some(self.#next.as_str())) };
    quote! {
        #cfg
        impl crate::paging::Page for #page {
            type Item = #item;
            fn into_items(self) -> Vec<Self::Item> {
                #into_items
            }
            fn next_link(&self) -> Option<&str> {
                #next_link
            }
        }
    }
}

fn deprecated_attr(d: &Option<Deprecation>) -> TokenStream {
    match d {
        None => quote!(),
        Some(Deprecation { note: Some(note) }) => quote!(#[deprecated(note = #note)]),
        Some(Deprecation { note: None }) => quote!(#[deprecated]),
    }
}

fn emit_type(api: &Api, t: &TypeDef, cfg: &TokenStream) -> TokenStream {
    let name = ident(&t.name);
    let mut docs = t.doc.clone().unwrap_or_default();
    if !t.schema_name.is_empty() && t.schema_name.contains('.') {
        if !docs.is_empty() {
            docs.push_str("\n\n");
        }
        docs.push_str(&format!("Schema `{}`.", t.schema_name));
    }
    let doc = doc_attrs(&docs);
    let deprecated = deprecated_attr(&t.deprecated);
    let doc = quote!(#doc #deprecated);
    match &t.kind {
        TypeKind::Alias(ty) => {
            let ty = rust_type(api, ty, false);
            quote! { #doc #cfg pub type #name = #ty; }
        }
        TypeKind::Enum(e) => emit_enum(&name, &doc, cfg, e),
        TypeKind::Struct(s) => emit_struct(api, &name, &doc, cfg, s),
        TypeKind::Union(u) => emit_union(api, &name, &doc, cfg, u),
    }
}

fn emit_struct(api: &Api, name: &Ident, doc: &TokenStream, cfg: &TokenStream, s: &StructDef) -> TokenStream {
    let defaultable = s.fields.iter().all(|f| !f.required || f.nullable || type_has_default(api, &f.ty));
    let fields = s.fields.iter().map(|f| {
        let field = field_ident(&f.rust_name);
        let doc = doc_attrs(f.doc.as_deref().unwrap_or(""));
        let mut ty = rust_type(api, &f.ty, false);
        if f.boxed {
            ty = quote!(Box<#ty>);
        }
        let optional = !f.required || f.nullable;
        let mut serde_args = Vec::new();
        if f.rust_name != f.json_name {
            let wire = &f.json_name;
            serde_args.push(quote!(rename = #wire));
        }
        if optional {
            ty = quote!(Option<#ty>);
            // A required but nullable member is always written, as `null` when None.
            if f.required {
                serde_args.push(quote!(default));
            } else {
                serde_args.push(quote!(default, skip_serializing_if = "Option::is_none"));
            }
        }
        let serde_attr = if serde_args.is_empty() { quote!() } else { quote!(#[serde(#(#serde_args),*)]) };
        let deprecated = deprecated_attr(&f.deprecated);
        quote! { #doc #deprecated #serde_attr pub #field: #ty, }
    });
    let extra = s.extra.as_ref().map(|x| {
        let field = field_ident(&x.rust_name);
        let value = rust_type(api, &x.value, false);
        quote! {
            /// Members the description does not declare, kept as sent (Graph adds properties over time).
            #[serde(flatten)]
            pub #field: serde_json::Map<String, #value>,
        }
    });
    let derives = if defaultable {
        quote!(#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)])
    };
    quote! {
        #doc
        #cfg
        #derives
        pub struct #name {
            #(#fields)*
            #extra
        }
    }
}

/// Whether `Default` can be derived for a required field of this type.
fn type_has_default(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(id) => match api.types.get(id.0).map(|t| &t.kind) {
            // Only one level deep: a struct whose required fields are all plain values.
            Some(TypeKind::Struct(s)) => s.fields.iter().all(|f| !f.required || f.nullable || plain_default(&f.ty)),
            Some(TypeKind::Alias(inner)) => plain_default(inner),
            Some(TypeKind::Enum(e)) => e.flags,
            _ => false,
        },
        other => plain_default(other),
    }
}

/// Types whose `Default` exists without looking at any generated type.
fn plain_default(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String | TypeRef::Bool | TypeRef::I16 | TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64 => true,
        TypeRef::Json | TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Nullable(_) | TypeRef::Bytes | TypeRef::Duration => true,
        TypeRef::Lenient(inner) => plain_default(inner),
        TypeRef::Named(_) | TypeRef::DateTime | TypeRef::Date | TypeRef::Time | TypeRef::Uuid => false,
    }
}

fn emit_union(api: &Api, name: &Ident, doc: &TokenStream, cfg: &TokenStream, u: &UnionDef) -> TokenStream {
    let tag_property = &u.tag_property;
    let fallback = ident(&u.fallback);
    let base = rust_type(api, &TypeRef::Named(u.base), false);
    let base_name = api.types.get(u.base.0).map(|t| t.name.as_str()).unwrap_or("");
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let ty = rust_type(api, &TypeRef::Named(v.ty), false);
        let doc = own_doc_attrs(&format!("`{tag_property}` `{}`.", v.wire));
        quote! { #doc #variant(Box<#ty>), }
    });
    let to_value = u.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let wire = &v.wire;
        quote! { Self::#variant(value) => (Some(#wire), serde_json::to_value(value)), }
    });
    // The base also takes values with no tag, which Graph omits for the declared type.
    let from_value = u.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let tag = v.wire.trim_start_matches('#');
        let pattern = if v.ty == u.base { quote!(None | Some(#tag)) } else { quote!(Some(#tag)) };
        quote! { #pattern => serde_json::from_value(value).map(|v| Self::#variant(Box::new(v))), }
    });
    let fallback_doc = own_doc_attrs(&format!(
        "A type derived from [`{base_name}`] that this crate does not know; its own members, and \
         its `{tag_property}`, are kept in `additional_properties`."
    ));
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
            #fallback_doc
            #fallback(Box<#base>),
        }

        #cfg
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let (tag, value) = match self {
                    #(#to_value)*
                    Self::#fallback(value) => (None, serde_json::to_value(value)),
                };
                let mut value = value.map_err(serde::ser::Error::custom)?;
                if let (Some(tag), serde_json::Value::Object(map)) = (tag, &mut value) {
                    map.entry(#tag_property).or_insert_with(|| serde_json::Value::from(tag));
                }
                value.serialize(serializer)
            }
        }

        #cfg
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let tag = value.get(#tag_property).and_then(serde_json::Value::as_str).map(|t| t.trim_start_matches('#').to_string());
                let parsed = match tag.as_deref() {
                    #(#from_value)*
                    Some(_) => serde_json::from_value(value).map(|v| Self::#fallback(Box::new(v))),
                };
                parsed.map_err(serde::de::Error::custom)
            }
        }
    }
}

fn emit_enum(name: &Ident, doc: &TokenStream, cfg: &TokenStream, e: &EnumDef) -> TokenStream {
    let fallback = ident(&e.fallback);
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let doc = doc_attrs(&format!("`{}`{}", v.wire, v.doc.as_deref().map(|d| format!(": {d}")).unwrap_or_default()));
        quote! { #doc #variant, }
    });
    let to_str = e.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let wire = &v.wire;
        quote! { Self::#variant => #wire, }
    });
    let from_str = e.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let wire = &v.wire;
        quote! { #wire => Self::#variant, }
    });
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variants)*
            /// A value this crate does not know yet, kept as sent.
            #fallback(String),
        }

        #cfg
        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::#fallback(value) => value,
                }
            }
        }

        #cfg
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::#fallback(other.to_string()),
                }
            }
        }

        #cfg
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #cfg
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #cfg
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }

        #cfg
        impl crate::runtime::ParamValue for #name {
            fn to_param(&self) -> String {
                self.as_str().to_string()
            }
        }

        #cfg
        impl crate::values::WireEnum for #name {
            fn as_wire(&self) -> &str {
                self.as_str()
            }
            fn from_wire(value: &str) -> Self {
                Self::from(value)
            }
        }
    }
}

fn emit_patch(api: &Api, p: &PatchDef, cfg: &TokenStream) -> TokenStream {
    let name = ident(&p.name);
    let of = api.types.get(p.of.0).map(|t| t.name.as_str()).unwrap_or("");
    let doc = own_doc_attrs(&format!(
        "The PATCH body of [`{of}`]: each field is left alone unless set. Fields that may be null \
         are a [`Patch`](crate::runtime::Patch) (leave alone, clear, set); the others an `Option` \
         (leave alone, set). The key, read-only and navigation properties are not here."
    ));
    let fields = p.fields.iter().map(|f| {
        let field = field_ident(&f.rust_name);
        let doc = doc_attrs(f.doc.as_deref().unwrap_or(""));
        let mut ty = rust_type(api, &f.ty, false);
        if f.boxed {
            ty = quote!(Box<#ty>);
        }
        let ty = if f.nullable { quote!(crate::runtime::Patch<#ty>) } else { quote!(Option<#ty>) };
        quote! { #doc pub #field: #ty, }
    });
    let odata_type = &p.odata_type;
    let tag_property = &p.tag_property;
    let entries = p.fields.iter().map(|f| {
        let field = field_ident(&f.rust_name);
        let wire = &f.json_name;
        if f.nullable {
            quote! {
                if !self.#field.is_unchanged() {
                    map.serialize_entry(#wire, &self.#field)?;
                }
            }
        } else {
            quote! {
                if let Some(value) = &self.#field {
                    map.serialize_entry(#wire, value)?;
                }
            }
        }
    });
    quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #name {
            #(#fields)*
        }

        #cfg
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry(#tag_property, #odata_type)?;
                #(#entries)*
                map.end()
            }
        }
    }
}

/// How an operation's field is held: path strings are borrowed, bodies by reference.
fn param_field_type(api: &Api, p: &Param) -> TokenStream {
    let base = if p.location == ParamLocation::Path && p.ty == TypeRef::String {
        quote!(&'a str)
    } else {
        rust_type(api, &p.ty, true)
    };
    if p.required {
        base
    } else {
        quote!(Option<#base>)
    }
}

fn op_borrows(op: &Operation) -> bool {
    op.body.is_some() || op.params.iter().any(|p| p.location == ParamLocation::Path && p.ty == TypeRef::String)
}

fn body_type(api: &Api, body: &RequestBody) -> TokenStream {
    match &body.ty {
        BodyType::Model(ty) => rust_type(api, ty, true),
        BodyType::Patch(i) => {
            let name = ident(api.patches.get(*i).map(|p| p.name.as_str()).unwrap_or("PatchMissing"));
            quote!(models::#name)
        }
    }
}

fn output_type(api: &Api, op: &Operation) -> TokenStream {
    match &op.success.body {
        Some(ty) => {
            let ty = rust_type(api, ty, true);
            quote!(Option<#ty>)
        }
        None => quote!(()),
    }
}

fn error_type(api: &Api, op: &Operation) -> TokenStream {
    match &op.error {
        Some(ty) => rust_type(api, ty, true),
        None => quote!(serde_json::Value),
    }
}

/// Request types and client methods for `ops`; with `module_doc`, as the start of the module file
/// (its documentation and imports), else as a later slice of it.
fn emit_operations(api: &Api, ops: &[&Operation], module_doc: Option<&str>) -> TokenStream {
    let head = module_doc.map(|doc| {
        let doc = inner_doc_attrs(doc);
        quote! {
            #doc
            #![doc = ""]
            #![doc = " Each request type builds its `http::Request` and reads its response with no I/O (see"]
            #![doc = " [`crate::runtime::build_request`] and [`crate::runtime::parse_response`])."]
            #![allow(deprecated)]
            #[allow(unused_imports)]
            use crate::models;
            #[allow(unused_imports)]
            use crate::runtime::{decode_nothing, decode_optional, decode_text, encode_path_segment, DecodeError, Error, Operation, ParamValue, RequestError};
        }
    });
    if ops.is_empty() {
        return quote!(#head);
    }
    let types = ops.iter().map(|op| emit_operation(api, op));
    let methods = ops.iter().map(|op| emit_client_method(api, op));
    quote! {
        #head
        #(#types)*

        /// One method per operation, each sending its request type.
        #[cfg(feature = "client")]
        impl crate::client::Client {
            #(#methods)*
        }
    }
}

fn emit_operation(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.type_name);
    let doc_text = op.doc.clone().unwrap_or_default();
    let doc = doc_attrs(&doc_text);
    let signature = own_doc_attrs(&format!("`{} {}` (operationId `{}`)", op.method.as_str(), op.path_template, op.operation_id));
    let doc = if doc_text.is_empty() { signature } else { quote!(#doc #[doc = ""] #signature) };
    let lifetime = if op_borrows(op) { quote!(<'a>) } else { quote!() };
    let impl_lifetime = if op_borrows(op) { quote!(<'_>) } else { quote!() };

    let param_fields = op.params.iter().map(|p| {
        let field = field_ident(&p.rust_name);
        let doc = doc_attrs(p.doc.as_deref().unwrap_or(""));
        let ty = param_field_type(api, p);
        quote! { #doc pub #field: #ty, }
    });
    let body_field = op.body.as_ref().map(|b| {
        let ty = body_type(api, b);
        let doc = doc_attrs(b.doc.as_deref().unwrap_or(""));
        if b.required {
            quote! { #doc pub body: &'a #ty, }
        } else {
            quote! { #doc pub body: Option<&'a #ty>, }
        }
    });

    // The constructor takes what is required; optional parameters start as None.
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in &op.params {
        let field = field_ident(&p.rust_name);
        if p.required {
            let ty = param_field_type(api, p);
            args.push(quote!(#field: #ty));
            inits.push(quote!(#field));
        } else {
            inits.push(quote!(#field: None));
        }
    }
    if let Some(b) = &op.body {
        let ty = body_type(api, b);
        if b.required {
            args.push(quote!(body: &'a #ty));
            inits.push(quote!(body));
        } else {
            inits.push(quote!(body: None));
        }
    }
    let many_args = if args.len() > 7 { quote!(#[allow(clippy::too_many_arguments)]) } else { quote!() };
    // With nothing required, `new()` is what `Default` gives; clippy asks for both.
    let derives = if args.is_empty() { quote!(#[derive(Debug, Clone, Default)]) } else { quote!(#[derive(Debug, Clone)]) };

    let method = format_ident!("{}", op.method.as_str());
    let output = output_type(api, op);
    let error = error_type(api, op);
    let path_fn = emit_path_fn(op);
    let query_fn = emit_param_list(op, ParamLocation::Query, quote!(query));
    let headers_fn = emit_param_list(op, ParamLocation::Header, quote!(headers));
    let body_fn = op.body.as_ref().map(|b| {
        let serialized = if b.required {
            quote!(serde_json::to_vec(self.body).map(Some))
        } else {
            quote!(self.body.map(serde_json::to_vec).transpose())
        };
        quote! {
            fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
                #serialized.map_err(|e| RequestError::Body(e.to_string()))
            }
        }
    });
    let parse = match (&op.success.body, op.success.text) {
        (Some(_), false) => quote!(decode_optional(status, body)),
        (Some(_), true) => quote!(decode_text(status, body)),
        (None, _) => quote!(decode_nothing(status, body)),
    };

    let deprecated = deprecated_attr(&op.deprecated);
    quote! {
        #doc
        #deprecated
        #derives
        pub struct #name #lifetime {
            #(#param_fields)*
            #body_field
        }

        impl #lifetime #name #lifetime {
            #many_args
            pub fn new(#(#args),*) -> Self {
                #name { #(#inits),* }
            }
        }

        impl Operation for #name #impl_lifetime {
            type Output = #output;
            type Error = #error;
            const METHOD: http::Method = http::Method::#method;

            #path_fn
            #query_fn
            #headers_fn
            #body_fn

            fn parse_success(status: http::StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
                #parse
            }
        }
    }
}

fn emit_path_fn(op: &Operation) -> TokenStream {
    let mut steps = Vec::new();
    for segment in &op.path {
        match segment {
            PathSegment::Literal(text) => match single_char(text) {
                Some(c) => steps.push(quote!(path.push(#c);)),
                None => steps.push(quote!(path.push_str(#text);)),
            },
            PathSegment::Param(i) => {
                let Some(p) = op.params.get(*i) else { continue };
                let field = field_ident(&p.rust_name);
                let wire = &p.wire_name;
                let value = if p.ty == TypeRef::String { quote!(self.#field) } else { quote!(&self.#field.to_param()) };
                steps.push(quote!(path.push_str(&encode_path_segment(#wire, #value)?);));
            }
        }
    }
    quote! {
        fn path(&self) -> Result<String, RequestError> {
            let mut path = String::new();
            #(#steps)*
            Ok(path)
        }
    }
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

fn emit_param_list(op: &Operation, location: ParamLocation, fn_name: TokenStream) -> Option<TokenStream> {
    let params: Vec<&Param> = op.params.iter().filter(|p| p.location == location).collect();
    if params.is_empty() {
        return None;
    }
    let pair = |p: &Param| {
        let field = field_ident(&p.rust_name);
        let wire = &p.wire_name;
        quote!((#wire, self.#field.to_param()))
    };
    let required: Vec<TokenStream> = params.iter().filter(|p| p.required).map(|p| pair(p)).collect();
    let optional: Vec<TokenStream> = params
        .iter()
        .filter(|p| !p.required)
        .map(|p| {
            let field = field_ident(&p.rust_name);
            let wire = &p.wire_name;
            quote! {
                if let Some(value) = &self.#field {
                    list.push((#wire, value.to_param()));
                }
            }
        })
        .collect();
    let body = if optional.is_empty() {
        quote!(vec![#(#required),*])
    } else {
        quote! {
            let mut list = vec![#(#required),*];
            #(#optional)*
            list
        }
    };
    Some(quote! {
        fn #fn_name(&self) -> Vec<(&'static str, String)> {
            #body
        }
    })
}

fn emit_client_method(api: &Api, op: &Operation) -> TokenStream {
    let fn_name = field_ident(&op.fn_name);
    let type_name = ident(&op.type_name);
    let sends = own_doc_attrs(&format!(
        "Sends [`{0}`]; optional parameters are left out (build the request type and call \
         [`Client::send`](crate::client::Client::send) to set them).",
        op.type_name
    ));
    let doc = doc_attrs(op.doc.as_deref().unwrap_or(""));
    let doc = if op.doc.is_some() { quote!(#doc #[doc = ""] #sends) } else { sends };
    let mut args = Vec::new();
    let mut values = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let field = field_ident(&p.rust_name);
        let ty = if p.location == ParamLocation::Path && p.ty == TypeRef::String { quote!(&str) } else { param_field_type(api, p) };
        args.push(quote!(#field: #ty));
        values.push(quote!(#field));
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        let ty = body_type(api, b);
        args.push(quote!(body: &#ty));
        values.push(quote!(body));
    }
    let output = output_type(api, op);
    let error = error_type(api, op);
    let many_args = if args.len() > 6 { quote!(#[allow(clippy::too_many_arguments)]) } else { quote!() };
    let deprecated = deprecated_attr(&op.deprecated);
    quote! {
        #doc
        #deprecated
        #many_args
        pub async fn #fn_name(&self, #(#args),*) -> Result<#output, Error<#error>> {
            self.send(&#type_name::new(#(#values),*)).await
        }
    }
}

/// The Rust spelling of a type reference; `qualified` prefixes named types with `models::`.
fn rust_type(api: &Api, ty: &TypeRef, qualified: bool) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I16 => quote!(i16),
        TypeRef::DateTime => quote!(jiff::Timestamp),
        TypeRef::Date => quote!(jiff::civil::Date),
        TypeRef::Time => quote!(jiff::civil::Time),
        TypeRef::Duration => quote!(crate::values::IsoDuration),
        TypeRef::Uuid => quote!(uuid::Uuid),
        TypeRef::Bytes => quote!(crate::values::Base64Bytes),
        TypeRef::Lenient(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(crate::values::Lenient<#inner>)
        }
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Named(id) => {
            let def = api.types.get(id.0);
            let name = ident(def.map(|t| t.name.as_str()).unwrap_or("MissingType"));
            let path = if qualified { quote!(models::#name) } else { quote!(#name) };
            match def.map(|t| &t.kind) {
                Some(TypeKind::Enum(e)) if e.flags => quote!(crate::values::Flags<#path>),
                _ => path,
            }
        }
        TypeRef::Array(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(Option<#inner>)
        }
    }
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn field_ident(name: &str) -> Ident {
    if needs_raw(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// `///` lines for a description, made safe for rustdoc: brackets and angle brackets escaped (no
/// broken intra-doc links or stray HTML), bare URLs wrapped, no accidental code blocks.
fn doc_attrs(text: &str) -> TokenStream {
    let text = text.trim();
    if text.is_empty() {
        return quote!();
    }
    // A lone CR is a line break to a reader but is rejected inside a doc comment, so it splits too.
    let lines = text.lines().flat_map(|l| l.split('\r')).map(|line| {
        let line = format!(" {}", escape_doc_line(line.trim()));
        let line = if line.trim().is_empty() { String::new() } else { line };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// Documentation the generator writes itself (already Markdown, links meant), as `///` lines.
fn own_doc_attrs(text: &str) -> TokenStream {
    // Spec strings spliced in (an operationId, a path) may hold a lone CR, which a doc comment rejects.
    let lines = text.trim().lines().flat_map(|l| l.split('\r')).map(|line| {
        let line = if line.trim().is_empty() { String::new() } else { format!(" {}", line.trim()) };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// Like [`own_doc_attrs`], as inner attributes (`//!`), for a module's own documentation. The
/// spec's title is escaped where it is spliced in.
fn inner_doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim().lines().flat_map(|l| l.split('\r')).map(|line| {
        let line = if line.trim().is_empty() { String::new() } else { format!(" {}", line.trim()) };
        quote!(#![doc = #line])
    });
    quote!(#(#lines)*)
}

fn escape_doc_line(line: &str) -> String {
    let ticks = line.matches('`').count();
    let mut out = String::with_capacity(line.len());
    if line.starts_with('#') {
        out.push('\\');
    }
    for (i, part) in line.split('`').enumerate() {
        if i > 0 {
            // Balanced backticks are code spans and stay; a lone one is escaped.
            out.push_str(if ticks % 2 == 0 { "`" } else { "\\`" });
        }
        if ticks % 2 == 0 && i % 2 == 1 {
            out.push_str(part);
        } else {
            escape_prose(part, &mut out);
        }
    }
    out
}

fn escape_prose(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let url_start = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min();
        let (before, url) = match url_start {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        for c in before.chars() {
            if matches!(c, '[' | ']' | '<' | '>' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        if url.is_empty() {
            break;
        }
        let end = url.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(url.len());
        // Sentence punctuation after a URL is not part of it.
        let link = url[..end].trim_end_matches(['.', ',', ')', ';', ':', '\'']);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if link.len() <= scheme_len {
            // A scheme with no host is not a link; keep it as text and move past it.
            out.push_str(&url[..scheme_len]);
            rest = &url[scheme_len..];
            continue;
        }
        out.push('<');
        out.push_str(link);
        out.push('>');
        rest = &url[link.len()..];
    }
}
