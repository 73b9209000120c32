//! Models: structs, enums, aliases and `@odata.type` unions, the PATCH bodies, and the `Page`
//! impls of collection responses, each built with `quote!`.

use super::tokens::{deprecated_attr, doc, ident, lit, own_doc, rust_type, type_name};
use crate::areas::Split;
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeSet;

/// Where models are emitted: how they name other types, and which references are gated.
pub struct Scope<'a> {
    pub api: &'a Api,
    pub layout: Layout<'a>,
}

pub enum Layout<'a> {
    /// Every model in one `models.rs`, always compiled: types are named as they are.
    Whole,
    /// One file per model group (`models/<group>.rs`), compiled with its feature: types are named
    /// `models::T`, and a reference that does not pull its target in is gated on the target's group.
    Grouped { split: &'a Split, group: usize },
}

impl Scope<'_> {
    /// The Rust type of a reference, as this layout names it.
    fn ty(&self, ty: &TypeRef) -> TokenStream {
        rust_type(self.api, ty, matches!(self.layout, Layout::Grouped { .. }))
    }

    /// `#[cfg(feature = "model-…")]` on a reference to a type whose group may be off (see
    /// `areas`); nothing where the target is always there with this group.
    fn gate(&self, ty: &TypeRef) -> TokenStream {
        let Layout::Grouped { split, group } = self.layout else { return TokenStream::new() };
        match split.gate(group, ty) {
            Some(feature) => {
                let feature = lit(feature);
                quote!(#[cfg(feature = #feature)])
            }
            None => TokenStream::new(),
        }
    }

    /// A rustdoc link to a type, by a path that resolves where the link is.
    fn link(&self, id: TypeId) -> String {
        let name = type_name(self.api, id);
        match self.layout {
            Layout::Whole => format!("[`{name}`]"),
            Layout::Grouped { .. } => format!("[`{name}`](models::{name})"),
        }
    }

    /// A field's gate: only navigation properties have one.
    fn field_gate(&self, f: &Field) -> TokenStream {
        if f.navigation {
            self.gate(&f.ty)
        } else {
            TokenStream::new()
        }
    }

    /// Whether every field of a struct is gated: with each of their features off, the code that
    /// reads and writes them is empty, and rustc's lints for that case must not fire.
    fn all_gated(&self, s: &StructDef) -> bool {
        !s.fields.is_empty() && s.fields.iter().all(|f| !self.field_gate(f).is_empty())
    }

    /// A union variant's gate: the base is always there, derived types only with their group.
    fn variant_gate(&self, u: &UnionDef, v: &UnionVariant) -> TokenStream {
        if v.ty == u.base {
            TokenStream::new()
        } else {
            self.gate(&TypeRef::Named(v.ty))
        }
    }
}

pub fn emit_models_head() -> TokenStream {
    let head = super::tokens::inner_doc("The description's schemas as Rust types, and the PATCH bodies derived from them.");
    quote! {
        #head
        #![allow(deprecated)]
        // Unused when the description has no schemas, or the enabled features need none of them.
        #[allow(unused_imports)]
        use serde::{Deserialize, Serialize};
        #[allow(unused_imports)]
        use graph_runtime::values::WireEnum;
    }
}

/// `models.rs` of a crate split into model groups: each group's file, compiled with its feature,
/// and its items re-exported by name, so every model is `models::T` whatever file holds it.
pub fn emit_models_root(api: &Api, split: &Split, group_patches: &[Vec<usize>]) -> TokenStream {
    let head = super::tokens::inner_doc(
        "The description's schemas as Rust types, and the PATCH bodies derived from them. Each file \
         below holds one model group: a type and the types only it contains, compiled with the \
         group's feature (`model-…`), which an area's feature turns on for the types its operations \
         use. A navigation property or a derived type's union variant exists only while its \
         target's feature is on; until then its member is kept with the unknown members.",
    );
    let modules = split.groups.iter().enumerate().map(|(i, g)| {
        let module = ident(&g.module);
        let feature = lit(&g.feature);
        let names = g.types.iter().filter_map(|id| api.types.get(id.0)).map(|t| ident(&t.name));
        let patches = group_patches.get(i).into_iter().flatten().filter_map(|p| api.patches.get(*p)).map(|p| ident(&p.name));
        quote! {
            #[cfg(feature = #feature)]
            mod #module;
            #[cfg(feature = #feature)]
            pub use #module::{#(#names,)* #(#patches),*};
        }
    });
    quote! {
        #head
        #![allow(deprecated)]
        #(#modules)*
    }
}

/// One model group's file: its types, their PATCH bodies and `Page` impls.
pub fn emit_group(api: &Api, split: &Split, group: usize, patches: &[usize], pagers: &[usize]) -> Result<TokenStream, String> {
    let g = split.groups.get(group).ok_or_else(|| format!("no model group {group}"))?;
    let scope = Scope { api, layout: Layout::Grouped { split, group } };
    let head_name = g.types.first().map_or("", |id| type_name(api, *id));
    let head = super::tokens::inner_doc(&if g.types.len() > 1 {
        format!("`{head_name}` and the types only it contains (feature `{}`).", g.feature)
    } else {
        format!("`{head_name}` (feature `{}`).", g.feature)
    });
    let types = g.types.iter().filter_map(|id| api.types.get(id.0)).map(|t| emit_type(&scope, t));
    let patches = patches.iter().filter_map(|i| api.patches.get(*i)).map(|p| emit_patch(&scope, p));
    let pages = pagers.iter().filter_map(|i| api.operations.get(*i)?.pager.as_ref()).map(|p| emit_page_impl(&scope, p));
    // An enum implements the trait, and a union may read its tag through it.
    let wire_enum = g
        .types
        .iter()
        .filter_map(|id| api.types.get(id.0))
        .any(|t| matches!(t.kind, TypeKind::Enum(_) | TypeKind::Union(_)))
        .then(|| quote!(#[allow(unused_imports)] use graph_runtime::values::WireEnum;));
    Ok(quote! {
        #head
        #[allow(unused_imports)]
        use serde::{Deserialize, Serialize};
        #[allow(unused_imports)]
        use crate::models;
        #wire_enum
        #(#types)*
        #(#patches)*
        #(#pages)*
    })
}

pub fn emit_type(scope: &Scope<'_>, t: &TypeDef) -> TokenStream {
    let mut docs = t.doc.clone().unwrap_or_default();
    if t.schema_name.contains('.') {
        if !docs.is_empty() {
            docs.push_str("\n\n");
        }
        docs.push_str(&format!("Schema `{}`.", t.schema_name));
    }
    let docs = doc(&docs);
    let deprecated = deprecated_attr(&t.deprecated);
    let head = quote!(#docs #deprecated);
    let name = ident(&t.name);
    match &t.kind {
        TypeKind::Alias(ty) => {
            let ty = scope.ty(ty);
            quote! {
                #head
                pub type #name = #ty;
            }
        }
        TypeKind::Enum(e) => emit_enum(&name, head, e),
        TypeKind::Struct(s) => emit_struct(scope, &name, head, s),
        TypeKind::Union(u) => emit_union(scope, &name, head, u),
        TypeKind::Alternatives(a) => emit_alternatives(scope, &name, head, a),
    }
}

/// `oneOf`/`anyOf`: an enum of the alternatives, read by serde in order (untagged), or by the
/// discriminator's value with unlisted values kept as JSON (tagged).
fn emit_alternatives(scope: &Scope<'_>, name: &proc_macro2::Ident, head: TokenStream, a: &AlternativesDef) -> TokenStream {
    let variants: Vec<_> = a.variants.iter().map(|v| ident(&v.rust_name)).collect();
    let types: Vec<TokenStream> = a
        .variants
        .iter()
        .map(|v| {
            let ty = scope.ty(&v.ty);
            if v.boxed { quote!(Box<#ty>) } else { ty }
        })
        .collect();
    let param = a.single_value.then(|| {
        quote! {
            impl graph_runtime::__private::ParamValue for #name {
                fn to_param(&self) -> String {
                    match self {
                        #(Self::#variants(value) => value.to_param(),)*
                    }
                }
            }
        }
    });
    let Some(tag_property) = &a.tag_property else {
        return quote! {
            #head
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants(#types),)*
            }

            #param
        };
    };
    let tag = lit(tag_property);
    let fallback = ident(&a.fallback);
    let fallback_doc = own_doc(&format!("A `{tag_property}` this crate does not know, kept as sent."));
    let variant_docs = a.variants.iter().map(|v| own_doc(&format!("`{tag_property}` `{}`.", v.tag.as_deref().unwrap_or(""))));
    let wires = a.variants.iter().map(|v| lit(v.tag.as_deref().unwrap_or("")));
    let reads = a.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        if v.boxed {
            quote!(graph_runtime::__private::decode_json_value(value).map(|v| Self::#variant(Box::new(v))))
        } else {
            quote!(graph_runtime::__private::decode_json_value(value).map(Self::#variant))
        }
    });
    quote! {
        #head
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variant_docs #variants(#types),)*
            #fallback_doc
            #fallback(serde_json::Value),
        }

        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(Self::#variants(value) => value.serialize(serializer),)*
                    Self::#fallback(value) => value.serialize(serializer),
                }
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(serde_json::Value::as_str).map(str::to_string);
                let parsed = match tag.as_deref() {
                    #(Some(#wires) => #reads,)*
                    _ => Ok(Self::#fallback(value)),
                };
                parsed.map_err(serde::de::Error::custom)
            }
        }

        #param
    }
}

fn emit_struct(scope: &Scope<'_>, name: &Ident, head: TokenStream, s: &StructDef) -> TokenStream {
    let api = scope.api;
    let defaultable = s.fields.iter().all(|f| !f.required || f.nullable || type_has_default(api, &f.ty));
    let mut derives = vec![quote!(Debug), quote!(Clone), quote!(PartialEq)];
    if defaultable {
        derives.push(quote!(Default));
    }
    // A struct that keeps unknown members is read and written member by member (see
    // objects.rs), by impls generated below; one that does not keeps serde's derives.
    if s.extra.is_none() {
        derives.push(quote!(Serialize));
        derives.push(quote!(Deserialize));
    }
    let fields = s.fields.iter().map(|f| {
        let docs = doc(f.doc.as_deref().unwrap_or(""));
        let deprecated = deprecated_attr(&f.deprecated);
        let mut ty = scope.ty(&f.ty);
        if f.boxed {
            ty = quote!(Box<#ty>);
        }
        let mut serde_args = Vec::new();
        if f.rust_name != f.json_name && s.extra.is_none() {
            let wire = lit(&f.json_name);
            serde_args.push(quote!(rename = #wire));
        }
        if s.extra.is_none() {
            serde_args.extend(f.aliases.iter().map(|alias| {
                let alias = lit(alias);
                quote!(alias = #alias)
            }));
        }
        if f.is_optional() {
            ty = quote!(Option<#ty>);
            if s.extra.is_none() {
                serde_args.push(quote!(default));
            }
            // A required but nullable member is always written, as `null` when None.
            if !f.required && s.extra.is_none() {
                serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
            }
        }
        let serde = (!serde_args.is_empty()).then(|| quote!(#[serde(#(#serde_args),*)]));
        let field = ident(&f.rust_name);
        let gate = scope.field_gate(f);
        quote! {
            #docs
            #gate
            #deprecated
            #serde
            pub #field: #ty,
        }
    });
    let extra = s.extra.as_ref().map(|x| {
        let field = ident(&x.rust_name);
        let docs = match api.dialect {
            Dialect::OData => own_doc("Members the description does not declare, kept as sent (Graph adds properties over time)."),
            Dialect::Plain => own_doc("Members the description does not declare, kept as sent."),
        };
        quote! {
            #docs
            pub #field: graph_runtime::objects::UnknownMembers,
        }
    });
    let serde_impls = s.extra.as_ref().map(|x| {
        let extra = ident(&x.rust_name);
        let decode = if s.fields.iter().all(Field::is_optional) {
            emit_members_impl(scope, name, s, &extra)
        } else {
            emit_strict_deserialize(scope, name, s, &extra)
        };
        let encode = emit_serialize(scope, name, s, &extra);
        quote!(#encode #decode)
    });
    quote! {
        #head
        #[derive(#(#derives),*)]
        pub struct #name {
            #(#fields)*
            #extra
        }
        #serde_impls
    }
}

/// The encoding of a struct that keeps unknown members: its members in declared order, an
/// absent optional one left out (a required nullable one written as `null`), then the unknown
/// ones as they came.
fn emit_serialize(scope: &Scope<'_>, name: &Ident, s: &StructDef, extra: &Ident) -> TokenStream {
    let entries = s.fields.iter().map(|f| {
        let (wire, field, gate) = (lit(&f.json_name), ident(&f.rust_name), scope.field_gate(f));
        if f.required {
            quote!(#gate map.required(#wire, &self.#field)?;)
        } else {
            quote!(#gate map.optional(#wire, &self.#field)?;)
        }
    });
    // With no declared members there is nothing to write before `end`.
    let mutable = (!s.fields.is_empty()).then(|| quote!(mut));
    let allow = scope.all_gated(s).then(|| quote!(#[allow(unused_mut)]));
    quote! {
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                #allow
                let #mutable map = graph_runtime::__private::MemberWriter::new(serializer)?;
                #(#entries)*
                map.end(&self.#extra)
            }
        }
    }
}

/// The member names a field is read from: its own, then the spellings lower found the service
/// sends instead (`innerError` for the description's `innererror`), as one match pattern.
fn member_names(f: &Field) -> TokenStream {
    let names = std::iter::once(&f.json_name).chain(&f.aliases).map(|name| lit(name));
    quote!(#(#names)|*)
}

/// A field that may be absent on the wire (or is null): an `Option`.
/// The decoding of a struct whose every member may be absent: each known member read into its
/// field of a default value, by the shared `deserialize_members`.
fn emit_members_impl(scope: &Scope<'_>, name: &Ident, s: &StructDef, extra: &Ident) -> TokenStream {
    let read_member = (!s.fields.is_empty()).then(|| {
        let wires = s.fields.iter().map(member_names);
        let fields = s.fields.iter().map(|f| ident(&f.rust_name));
        // A gated field's member, while its field is compiled out, is an unknown member.
        let gates = s.fields.iter().map(|f| scope.field_gate(f));
        let allow = scope.all_gated(s).then(|| quote!(#[allow(unreachable_code, unused_variables)]));
        quote! {
            #allow
            fn read_member<'de, A: serde::de::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
                match key {
                    #(#gates #wires => self.#fields = map.next_value()?,)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    });
    quote! {
        impl graph_runtime::__private::Members for #name {
            #read_member
            fn unknown_members(&mut self) -> &mut graph_runtime::objects::UnknownMembers {
                &mut self.#extra
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                graph_runtime::__private::deserialize_members(deserializer)
            }
        }
    }
}

/// The decoding of a struct with members that must be present: each read into a local, and a
/// missing one an error, as serde's derive reports it.
fn emit_strict_deserialize(scope: &Scope<'_>, name: &Ident, s: &StructDef, extra: &Ident) -> TokenStream {
    let locals: Vec<_> = s.fields.iter().enumerate().map(|(i, _)| format_ident!("field_{i}")).collect();
    let patterns = s.fields.iter().map(member_names);
    let wires: Vec<_> = s.fields.iter().map(|f| lit(&f.json_name)).collect();
    let reads = s.fields.iter().zip(&locals).map(|(f, local)| {
        if f.is_optional() {
            quote!(#local = map.next_value()?)
        } else {
            quote!(#local = Some(map.next_value()?))
        }
    });
    let inits = s.fields.iter().zip(&locals).zip(&wires).map(|((f, local), wire)| {
        let field = ident(&f.rust_name);
        if f.is_optional() {
            quote!(#field: #local)
        } else {
            quote!(#field: #local.ok_or_else(|| <A::Error as serde::de::Error>::missing_field(#wire))?)
        }
    });
    let gates: Vec<TokenStream> = s.fields.iter().map(|f| scope.field_gate(f)).collect();
    let expecting = lit(&format!("struct {name}"));
    quote! {
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                        #(#gates let mut #locals = None;)*
                        let mut #extra = graph_runtime::objects::UnknownMembers::new();
                        while let Some(key) = map.next_key::<graph_runtime::__private::MemberKey<'de>>()? {
                            match key.as_str() {
                                #(#gates #patterns => #reads,)*
                                _ => graph_runtime::__private::read_unknown(&mut #extra, key, &mut map)?,
                            }
                        }
                        #extra.finish_reading();
                        Ok(#name {
                            #(#gates #inits,)*
                            #extra,
                        })
                    }
                }
                deserializer.deserialize_map(ObjectVisitor)
            }
        }
    }
}

/// Whether `Default` can be derived for a required field of this type.
fn type_has_default(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(id) => match api.types.get(id.0).map(|t| &t.kind) {
            // Only one level deep: a struct whose required fields are all plain values.
            Some(TypeKind::Struct(s)) => s.fields.iter().all(|f| f.is_optional() || plain_default(&f.ty)),
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
        TypeRef::U8 | TypeRef::U16 | TypeRef::U32 | TypeRef::U64 => true,
        TypeRef::Json | TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Nullable(_) | TypeRef::Bytes | TypeRef::Duration => true,
        TypeRef::Lenient(inner) => plain_default(inner),
        TypeRef::Named(_) | TypeRef::DateTime | TypeRef::Date | TypeRef::Time | TypeRef::Uuid => false,
        TypeRef::ConsistencyLevel => true,
    }
}

fn emit_union(scope: &Scope<'_>, name: &Ident, head: TokenStream, u: &UnionDef) -> TokenStream {
    let api = scope.api;
    let tag = lit(&u.tag_property);
    let fallback = ident(&u.fallback);
    let base = scope.ty(&TypeRef::Named(u.base));
    let variants: Vec<_> = u.variants.iter().map(|v| ident(&v.rust_name)).collect();
    let variant_docs = u.variants.iter().map(|v| own_doc(&format!("`{}` `{}`.", u.tag_property, v.wire)));
    let variant_types = u.variants.iter().map(|v| scope.ty(&TypeRef::Named(v.ty)));
    let gates: Vec<TokenStream> = u.variants.iter().map(|v| scope.variant_gate(u, v)).collect();
    let (tag_method, accessors) = emit_union_accessors(scope, name, u);
    let kept = match struct_def(api, u.base).and_then(|s| s.fields.iter().find(|f| f.json_name == u.tag_property)) {
        Some(f) => format!("its own members are kept in `additional_properties`, its `{}` in `{}`", u.tag_property, f.rust_name),
        None => format!("its own members, and its `{}`, are kept in `additional_properties`", u.tag_property),
    };
    let unknown = match scope.layout {
        Layout::Whole => "that this crate does not know",
        Layout::Grouped { .. } => "that this crate does not know, or whose model feature is off",
    };
    let fallback_doc = own_doc(&format!("A type derived from {} {unknown}; {kept}.", scope.link(u.base)));
    // A value with no `@odata.type` is the base type.
    let patterns = u.variants.iter().map(|v| {
        let tag = lit(v.wire.trim_start_matches('#'));
        if v.ty == u.base {
            quote!(None | Some(#tag))
        } else {
            quote!(Some(#tag))
        }
    });
    quote! {
        #head
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(
                #variant_docs
                #gates
                #variants(Box<#variant_types>),
            )*
            #fallback_doc
            #fallback(Box<#base>),
        }

        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let value = match self {
                    #(#gates Self::#variants(v) => serde_json::to_value(v),)*
                    Self::#fallback(v) => serde_json::to_value(v),
                };
                let mut value = value.map_err(serde::ser::Error::custom)?;
                // The tag goes out even where the value's own member for it is unset.
                if let serde_json::Value::Object(map) = &mut value {
                    map.entry(#tag).or_insert_with(|| serde_json::Value::from(self.#tag_method()));
                }
                value.serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let (value, tag) = graph_runtime::__private::read_tagged(deserializer, #tag)?;
                let parsed = match tag.as_deref().map(|t| t.trim_start_matches('#')) {
                    #(#gates #patterns => graph_runtime::__private::decode_json_text(value.get()).map(|v| Self::#variants(Box::new(v))),)*
                    Some(_) => graph_runtime::__private::decode_json_text(value.get()).map(|v| Self::#fallback(Box::new(v))),
                };
                parsed.map_err(serde::de::Error::custom)
            }
        }

        #accessors
    }
}

/// A union's accessors: the name of the variant's type as sent, and each member of the base
/// that every variant holds as the same Rust type (each derived struct has the base's members
/// flattened in, so an accessor is one match over the variants).
fn emit_union_accessors(scope: &Scope<'_>, name: &Ident, u: &UnionDef) -> (Ident, TokenStream) {
    let api = scope.api;
    let base = struct_def(api, u.base);
    // A variant that is not a struct (never, as `lower` builds unions) has no members to read.
    let structs: Vec<Option<&StructDef>> = u.variants.iter().map(|v| struct_def(api, v.ty)).collect();
    let base_fields = base.map_or(&[][..], |b| b.fields.as_slice());
    let variants: Vec<Ident> = u.variants.iter().map(|v| ident(&v.rust_name)).chain([ident(&u.fallback)]).collect();
    // Each match arm's gate, the fallback's (none) last.
    let gates: Vec<TokenStream> = u.variants.iter().map(|v| scope.variant_gate(u, v)).chain([TokenStream::new()]).collect();
    let tag_field = base_fields.iter().find(|f| f.json_name == u.tag_property);
    let tag_method = ident(&u.tag_accessor);
    let base_wire = u.variants.iter().find(|v| v.ty == u.base).map_or(String::new(), |v| v.wire.clone());
    let tag_doc = own_doc(&format!(
        "The `{}` that names this value's type: its variant's, or for [`Self::{}`] the one it was read with \
         (`{base_wire}` if it has none). Written with the value where the value itself does not set it.",
        u.tag_property, u.fallback
    ));
    let wires = u.variants.iter().map(|v| lit(&v.wire));
    let known = &variants[..u.variants.len()];
    let known_gates = &gates[..u.variants.len()];
    let fallback = ident(&u.fallback);
    let base_wire = lit(&base_wire);
    // The fallback's own tag is wherever the base keeps that member.
    let other_tag = match tag_field {
        None => match base.and_then(|b| b.extra.as_ref()) {
            Some(x) => {
                let (extra, tag) = (ident(&x.rust_name), lit(&u.tag_property));
                quote!(v.#extra.get_str(#tag).unwrap_or(#base_wire))
            }
            None => quote!(#base_wire),
        },
        Some(f) => {
            let field = ident(&f.rust_name);
            let enum_tag = matches!(&f.ty, TypeRef::Named(id) if matches!(api.types.get(id.0).map(|t| &t.kind), Some(TypeKind::Enum(e)) if !e.flags));
            match (f.is_optional(), f.ty == TypeRef::String, enum_tag) {
                (false, true, _) => quote!(&v.#field),
                (true, true, _) => quote!(v.#field.as_deref().unwrap_or(#base_wire)),
                (false, false, true) => quote!(v.#field.as_str()),
                (true, false, true) => quote!(v.#field.as_ref().map_or(#base_wire, |tag| tag.as_str())),
                _ => quote!(#base_wire),
            }
        }
    };
    let accessors = u
        .member_accessors
        .iter()
        .filter_map(|name| base_fields.iter().find(|f| &f.rust_name == name))
        .map(|f| emit_union_accessor(scope, &variants, &gates, f));
    let extra = base.and_then(|b| b.extra.as_ref());
    let extra = extra.filter(|x| structs.iter().all(|s| s.and_then(|s| s.extra.as_ref()).is_some_and(|y| y.rust_name == x.rust_name))).map(|x| {
        let field = ident(&x.rust_name);
        quote! {
            /// The members the description does not declare, as kept by whichever type this is.
            pub fn #field(&self) -> &graph_runtime::objects::UnknownMembers {
                match self {
                    #(#gates Self::#variants(v) => &v.#field,)*
                }
            }
        }
    });
    let tokens = quote! {
        impl #name {
            #tag_doc
            pub fn #tag_method(&self) -> &str {
                match self {
                    #(#known_gates Self::#known(_) => #wires,)*
                    Self::#fallback(v) => #other_tag,
                }
            }
            #(#accessors)*
            #extra
        }
    };
    (tag_method, tokens)
}

/// Small values an accessor returns by value (`Option<i32>` reads better than `Option<&i32>`).
fn is_copy(ty: &TypeRef) -> bool {
    use TypeRef::*;
    matches!(ty, Bool | I16 | I32 | I64 | U8 | U16 | U32 | U64 | F32 | F64 | DateTime | Date | Time | Uuid)
}

/// The struct a type id names, if it is one (every union member is, as `lower` builds them).
fn struct_def(api: &Api, id: TypeId) -> Option<&StructDef> {
    match api.types.get(id.0).map(|t| &t.kind) {
        Some(TypeKind::Struct(s)) => Some(s),
        _ => None,
    }
}

/// One member of the base, read from whichever variant this is; an optional one as
/// `Option<&T>` (`Option<&str>`, `Option<&[T]>`), a required one as `&T`.
fn emit_union_accessor(scope: &Scope<'_>, variants: &[Ident], gates: &[TokenStream], f: &Field) -> TokenStream {
    let field = ident(&f.rust_name);
    let deprecated = deprecated_attr(&f.deprecated);
    let inner = scope.ty(&f.ty);
    let copied = !f.boxed && is_copy(&f.ty);
    let (ty, deref) = match &f.ty {
        _ if f.boxed => (inner, true),
        TypeRef::String => (quote!(str), true),
        TypeRef::Array(item) => {
            let item = scope.ty(item);
            (quote!([#item]), true)
        }
        _ => (inner, false),
    };
    let docs = own_doc(&format!("`{}`, whichever type this is.", f.json_name));
    let arms = quote!(match self { #(#gates Self::#variants(v) => &v.#field,)* });
    let copies = quote!(match self { #(#gates Self::#variants(v) => v.#field,)* });
    let gate = scope.field_gate(f);
    let (ret, body) = match (f.is_optional(), copied, deref) {
        (true, true, _) => (quote!(Option<#ty>), copies),
        (false, true, _) => (quote!(#ty), copies),
        (true, false, true) => (quote!(Option<&#ty>), quote!(#arms.as_deref())),
        (true, false, false) => (quote!(Option<&#ty>), quote!(#arms.as_ref())),
        (false, false, _) => (quote!(&#ty), arms),
    };
    quote! {
        #docs
        #gate
        #deprecated
        pub fn #field(&self) -> #ret {
            #body
        }
    }
}

fn emit_enum(name: &Ident, head: TokenStream, e: &EnumDef) -> TokenStream {
    let fallback = ident(&e.fallback);
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.rust_name)).collect();
    let docs = e.variants.iter().map(|v| doc(&format!("`{}`{}", v.wire, v.doc.as_deref().map(|d| format!(": {d}")).unwrap_or_default())));
    let wires: Vec<_> = e.variants.iter().map(|v| lit(&v.wire)).collect();
    quote! {
        #head
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(
                #docs
                #variants,
            )*
            /// A value this crate does not know yet, kept as sent.
            #fallback(String),
        }

        impl WireEnum for #name {
            fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #wires,)*
                    Self::#fallback(value) => value,
                }
            }
            fn from_wire(value: &str) -> Self {
                match value {
                    #(#wires => Self::#variants,)*
                    other => Self::#fallback(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                graph_runtime::__private::deserialize_wire(deserializer)
            }
        }

        impl graph_runtime::__private::ParamValue for #name {
            fn to_param(&self) -> String {
                self.as_str().to_string()
            }
        }
    }
}

/// The PATCH bodies and `Page` impls of a crate whose models are in one file.
pub fn emit_patches_and_pages(scope: &Scope<'_>) -> TokenStream {
    let api = scope.api;
    let mut out: TokenStream = api.patches.iter().map(|p| emit_patch(scope, p)).collect();
    out.extend(distinct_pagers(api).map(|(_, p)| emit_page_impl(scope, p)));
    out
}

/// The pagers a `Page` impl is written for: one per page type, as the first operation that pages
/// through it describes it. With the index of that operation.
pub fn distinct_pagers(api: &Api) -> impl Iterator<Item = (usize, &PagerDef)> {
    let mut seen = BTreeSet::new();
    api.operations.iter().enumerate().filter_map(|(i, op)| op.pager.as_ref().map(|p| (i, p))).filter(move |(_, p)| seen.insert(p.page))
}

pub fn emit_page_impl(scope: &Scope<'_>, p: &PagerDef) -> TokenStream {
    let api = scope.api;
    let page = scope.ty(&TypeRef::Named(p.page));
    let item = scope.ty(&p.item);
    let items = ident(&p.items_field);
    let next = ident(&p.next_link_field);
    let (items_optional, next_optional) = match struct_def(api, p.page) {
        Some(s) => (
            s.fields.iter().any(|f| f.rust_name == p.items_field && f.is_optional()),
            s.fields.iter().any(|f| f.rust_name == p.next_link_field && f.is_optional()),
        ),
        None => (true, true),
    };
    let into_items = if items_optional { quote!(self.#items.unwrap_or_default()) } else { quote!(self.#items) };
    let next_link = if next_optional { quote!(self.#next.as_deref()) } else { quote!(Some(self.#next.as_str())) };
    let delta_link = p.delta_link_field.as_ref().map(|field| {
        let field = ident(field);
        quote! {
            fn delta_link(&self) -> Option<&str> {
                self.#field.as_deref()
            }
        }
    });
    // Where lower found `@odata.count`; the trait's default (`None`) covers the rest.
    let count = p.count.as_ref().map(|count| {
        let count = match count {
            PageCount::Field { rust_name, wide, optional } => {
                let field = ident(rust_name);
                match (wide, optional) {
                    (true, true) => quote!(self.#field),
                    (true, false) => quote!(Some(self.#field)),
                    (false, true) => quote!(self.#field.map(i64::from)),
                    (false, false) => quote!(Some(i64::from(self.#field))),
                }
            }
            PageCount::Extra(map) => {
                let map = ident(map);
                quote!(graph_runtime::__private::odata_count(&self.#map))
            }
        };
        quote! {
            fn count(&self) -> Option<i64> {
                #count
            }
        }
    });
    quote! {
        impl graph_runtime::paging::Page for #page {
            type Item = #item;
            fn into_items(self) -> Vec<Self::Item> {
                #into_items
            }
            fn next_link(&self) -> Option<&str> {
                #next_link
            }
            #delta_link
            #count
        }
    }
}

pub fn emit_patch(scope: &Scope<'_>, p: &PatchDef) -> TokenStream {
    let api = scope.api;
    let name = ident(&p.name);
    let docs = own_doc(&format!(
        "The PATCH body of [`{}`]: each field is left alone unless set. Fields that may be null are a \
         [`Patch`](graph_runtime::Patch) (leave alone, clear, set); the others an `Option` (leave alone, \
         set). The key, read-only and navigation properties are not here.",
        type_name(api, p.of)
    ));
    let fields = p.fields.iter().map(|f| {
        let docs = doc(f.doc.as_deref().unwrap_or(""));
        let field = ident(&f.rust_name);
        let mut ty = scope.ty(&f.ty);
        if f.boxed {
            ty = quote!(Box<#ty>);
        }
        let ty = if f.nullable { quote!(graph_runtime::Patch<#ty>) } else { quote!(Option<#ty>) };
        quote! {
            #docs
            pub #field: #ty,
        }
    });
    let entries = p.fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let wire = lit(&f.json_name);
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
    let tag = p.type_tag.as_ref().map(|(member, value)| {
        let (member, value) = (lit(member), lit(value));
        quote!(map.serialize_entry(#member, #value)?;)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #name {
            #(#fields)*
        }

        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                #tag
                #(#entries)*
                map.end()
            }
        }
    }
}
