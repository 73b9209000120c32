//! Structs, with generated `Serialize` and `Deserialize` impls for those that keep unknown
//! members, and whether a type has a `Default`.

use super::*;

pub(super) fn emit_struct(scope: &Scope<'_>, name: &Ident, head: TokenStream, s: &StructDef) -> TokenStream {
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
