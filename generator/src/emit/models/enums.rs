//! Enums of string values, with a variant that keeps an unlisted value.

use super::*;

pub(super) fn emit_enum(name: &Ident, head: TokenStream, e: &EnumDef) -> TokenStream {
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
