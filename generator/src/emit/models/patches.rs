//! PATCH bodies: the fields a client may change, each optional.

use super::*;

pub(super) fn emit_patch(scope: &Scope<'_>, p: &PatchDef) -> TokenStream {
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
