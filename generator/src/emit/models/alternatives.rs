//! `oneOf`/`anyOf` alternatives: an enum of the variants, tagged by a discriminator or told apart
//! by shape in the order `lower` chose.

use super::*;

/// `oneOf`/`anyOf`: an enum of the alternatives, read by serde in order (untagged), or by the
/// discriminator's value with unlisted values kept as JSON (tagged).
pub(super) fn emit_alternatives(scope: &Scope<'_>, name: &proc_macro2::Ident, head: TokenStream, a: &AlternativesDef) -> TokenStream {
    let variants: Vec<_> = a.variants.iter().map(|v| ident(&v.rust_name)).collect();
    let types: Vec<TokenStream> = a
        .variants
        .iter()
        .map(|v| {
            let ty = scope.ty(&v.ty);
            if v.boxed {
                quote!(Box<#ty>)
            } else {
                ty
            }
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
