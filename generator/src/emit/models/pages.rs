//! The `Page` impls of collection responses that link to their next page.

use super::*;

pub(super) fn emit_page_impl(scope: &Scope<'_>, p: &PagerDef) -> TokenStream {
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
