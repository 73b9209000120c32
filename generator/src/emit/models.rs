//! Models: where they go (the models file of a crate of one area, or the root and one file per
//! model group of a split crate; a `Scope` names types and gates references for each) and which
//! emitter each kind of type takes. Each kind is a file of its own under `models/`: structs,
//! enums, unions, alternatives, PATCH bodies and `Page` impls, each built with `quote!`.

mod alternatives;
mod enums;
mod pages;
mod patches;
mod structs;
mod unions;

use super::tokens::{deprecated_attr, doc, ident, lit, own_doc, rust_type, type_name};
use crate::areas::Split;
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeSet;

use alternatives::emit_alternatives;
use enums::emit_enum;
use pages::emit_page_impl;
use patches::emit_patch;
use structs::emit_struct;
use unions::emit_union;

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
    let wire_enum =
        g.types.iter().filter_map(|id| api.types.get(id.0)).any(|t| matches!(t.kind, TypeKind::Enum(_) | TypeKind::Union(_))).then(|| {
            quote!(
                #[allow(unused_imports)]
                use graph_runtime::values::WireEnum;
            )
        });
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

/// The struct a type id names, if it is one (every union member is, as `lower` builds them).
fn struct_def(api: &Api, id: TypeId) -> Option<&StructDef> {
    match api.types.get(id.0).map(|t| &t.kind) {
        Some(TypeKind::Struct(s)) => Some(s),
        _ => None,
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
