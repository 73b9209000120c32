//! `@odata.type`/discriminator unions of a base and its derived types, with the accessors `lower`
//! named: the tag, and the base's members every variant holds alike.

use super::*;

pub(super) fn emit_union(scope: &Scope<'_>, name: &Ident, head: TokenStream, u: &UnionDef) -> TokenStream {
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
            let enum_tag =
                matches!(&f.ty, TypeRef::Named(id) if matches!(api.types.get(id.0).map(|t| &t.kind), Some(TypeKind::Enum(e)) if !e.flags));
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
    let extra =
        extra.filter(|x| structs.iter().all(|s| s.and_then(|s| s.extra.as_ref()).is_some_and(|y| y.rust_name == x.rust_name))).map(|x| {
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
