//! Operations: one request type per operation (its fields, constructor and `Operation` impl) and
//! the client method that sends it, each built with `quote!`.

use super::tokens::{deprecated_attr, doc, ident, inner_doc, lit, own_doc, rust_type};
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

/// Request types and client methods for `ops`; with `module_doc`, as the start of the module file
/// (its documentation and imports), else as a later slice of it. `group_doc` heads the client
/// methods, which rustdoc shows as one group per `impl` block.
pub fn emit_operations(api: &Api, ops: &[&Operation], module_doc: Option<&str>, group_doc: &str) -> TokenStream {
    let head = module_doc.map(|module_doc| {
        let docs = inner_doc(module_doc);
        quote! {
            #docs
            //!
            //! Each request type builds its `http::Request` and reads its response with no I/O (see
            //! [`graph_runtime::build_request`] and [`graph_runtime::parse_response`]).
            #![allow(deprecated)]
            #[allow(unused_imports)]
            use crate::models;
            #[allow(unused_imports)]
            use graph_runtime::__private::{
                decode_bytes, decode_text, encode_form, encode_multipart, expand_path, optional_param,
                param_pairs, query_pairs, ParamValue, PartValue,
            };
            #[allow(unused_imports)]
            use graph_runtime::{DecodeError, Operation, QueryKey, RequestError, Service};
            #[cfg(feature = "client")]
            #[allow(unused_imports)]
            use crate::client::Call;
        }
    });
    if ops.is_empty() {
        return head.unwrap_or_default();
    }
    let group_doc = own_doc(group_doc);
    let types = ops.iter().map(|op| emit_operation(api, op));
    let methods = ops.iter().map(|op| emit_client_method(api, op));
    quote! {
        #head
        #(#types)*
        #group_doc
        #[cfg(feature = "client")]
        impl crate::client::Client {
            #(#methods)*
        }
    }
}

/// How an operation's field is held: path strings are borrowed, bodies by reference.
fn param_field_type(api: &Api, p: &Param) -> TokenStream {
    let base = if is_borrowed(p) { quote!(&'a str) } else { rust_type(api, &p.ty, true) };
    if p.required {
        base
    } else {
        quote!(Option<#base>)
    }
}

/// A string path parameter is taken by reference.
fn is_borrowed(p: &Param) -> bool {
    p.location == ParamLocation::Path && p.ty == TypeRef::String
}

fn op_borrows(op: &Operation) -> bool {
    op.body.is_some() || op.params.iter().any(is_borrowed)
}

fn body_type(api: &Api, body: &RequestBody) -> TokenStream {
    match &body.ty {
        BodyType::Model(ty) | BodyType::Form(ty, _) => rust_type(api, ty, true),
        BodyType::Bytes => quote!([u8]),
        BodyType::Text => quote!(str),
        BodyType::Multipart(m) => {
            let name = ident(&m.name);
            quote!(#name)
        }
        BodyType::Patch(i) => {
            // Resolves: `emit_part` refuses an IR with a dangling index (`ir::check`).
            let name = ident(api.patches.get(*i).map_or("", |p| p.name.as_str()));
            quote!(models::#name)
        }
    }
}

fn output_type(api: &Api, op: &Operation) -> TokenStream {
    match &op.success {
        SuccessResponse::Binary { .. } => quote!(Option<Vec<u8>>),
        SuccessResponse::Json(ty) | SuccessResponse::Text(ty) => {
            let ty = rust_type(api, ty, true);
            quote!(Option<#ty>)
        }
        SuccessResponse::Empty => quote!(()),
    }
}

fn error_type(api: &Api, op: &Operation) -> TokenStream {
    match &op.error {
        Some(ty) => rust_type(api, ty, true),
        None => quote!(serde_json::Value),
    }
}

/// The operation's own documentation: the spec's text, then its method, path and operationId.
fn operation_doc(op: &Operation) -> TokenStream {
    let spec = doc(op.doc.as_deref().unwrap_or(""));
    let separator = (!spec.is_empty()).then(|| quote!(#[doc = ""]));
    let own = own_doc(&format!("`{} {}` (operationId `{}`)", op.method.as_str(), op.path_template, op.operation_id));
    quote!(#spec #separator #own)
}

fn emit_operation(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.type_name);
    let lifetime = op_borrows(op).then(|| quote!(<'a>));
    let impl_lifetime = op_borrows(op).then(|| quote!(<'_>));

    // The constructor takes what is required; optional parameters start as None.
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut fields = Vec::new();
    for p in &op.params {
        let field = ident(&p.rust_name);
        let ty = param_field_type(api, p);
        let docs = doc(p.doc.as_deref().unwrap_or(""));
        fields.push(quote!(#docs pub #field: #ty,));
        if p.required {
            args.push(quote!(#field: #ty));
            inits.push(quote!(#field));
        } else {
            inits.push(quote!(#field: None));
        }
    }
    if let Some(b) = &op.body {
        let ty = body_type(api, b);
        let docs = doc(b.doc.as_deref().unwrap_or(""));
        if b.required {
            fields.push(quote!(#docs pub body: &'a #ty,));
            args.push(quote!(body: &'a #ty));
            inits.push(quote!(body));
        } else {
            fields.push(quote!(#docs pub body: Option<&'a #ty>,));
            inits.push(quote!(body: None));
        }
    }
    // With nothing required, `new()` is what `Default` gives; clippy asks for both.
    let default = args.is_empty().then(|| quote!(, Default));
    let too_many = (args.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let docs = operation_doc(op);
    let deprecated = deprecated_attr(&op.deprecated);

    let output = output_type(api, op);
    let error = error_type(api, op);
    let method = format_ident!("{}", op.method.as_str());
    let path = emit_path_fn(op);
    let query = emit_param_list(op, ParamLocation::Query, "query");
    let headers = emit_param_list(op, ParamLocation::Header, "headers");
    let body = op.body.as_ref().map(emit_body_fn);
    // JSON and no body are the trait's own reading; downloads and text say theirs.
    let decode = match op.success {
        SuccessResponse::Binary { .. } => Some(quote!(decode_bytes)),
        SuccessResponse::Text(_) => Some(quote!(decode_text)),
        SuccessResponse::Json(_) | SuccessResponse::Empty => None,
    };
    let parse_success = decode.map(|decode| {
        quote! {
            fn parse_success(status: http::StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
                #decode(status, body)
            }
        }
    });
    let anonymous = op.anonymous.then(|| {
        quote!(
            const SENDS_CREDENTIALS: bool = false;
        )
    });
    // A download asks for what it is described as; everything else keeps the trait's JSON.
    let accept = match &op.success {
        SuccessResponse::Binary { accept } => {
            let accept = lit(accept);
            Some(quote!(const ACCEPT: &'static str = #accept;))
        }
        _ => None,
    };

    let parts = match op.body.as_ref().map(|b| &b.ty) {
        Some(BodyType::Multipart(m)) => Some(emit_multipart_parts(api, op, m)),
        _ => None,
    };

    quote! {
        #parts

        #docs
        #deprecated
        #[derive(Debug, Clone #default)]
        pub struct #name #lifetime {
            #(#fields)*
        }

        impl #lifetime #name #lifetime {
            #too_many
            pub fn new(#(#args),*) -> Self {
                #name { #(#inits),* }
            }
        }

        impl Operation for #name #impl_lifetime {
            type Output = #output;
            type Error = #error;
            const METHOD: http::Method = http::Method::#method;
            #accept
            #anonymous
            fn service(&self) -> &'static Service {
                &crate::SERVICE
            }
            #path
            #query
            #headers
            #body
            #parse_success
        }
    }
}

/// `fn body` (and `fn content_type` when it is not JSON): the bytes of the request body.
fn emit_body_fn(b: &RequestBody) -> TokenStream {
    let json = || {
        if b.required {
            quote!(serde_json::to_vec(self.body).map(Some).map_err(|e| RequestError::Body(e.to_string())))
        } else {
            quote!(self.body.map(serde_json::to_vec).transpose().map_err(|e| RequestError::Body(e.to_string())))
        }
    };
    let encode = match (&b.ty, b.required) {
        (BodyType::Model(_) | BodyType::Patch(_), _) => json(),
        (BodyType::Form(_, deep), true) if !deep.is_empty() => {
            quote!(encode_form(&crate::operations::deep_form(self.body, &[#(#deep),*])?).map(Some))
        }
        (BodyType::Form(_, deep), false) if !deep.is_empty() => {
            quote!(self.body.map(|body| encode_form(&crate::operations::deep_form(body, &[#(#deep),*])?)).transpose())
        }
        (BodyType::Form(..), true) => quote!(encode_form(self.body).map(Some)),
        (BodyType::Form(..), false) => quote!(self.body.map(encode_form).transpose()),
        (BodyType::Bytes, true) => quote!(Ok(Some(self.body.to_vec()))),
        (BodyType::Bytes, false) => quote!(Ok(self.body.map(<[u8]>::to_vec))),
        (BodyType::Text, true) => quote!(Ok(Some(self.body.as_bytes().to_vec()))),
        (BodyType::Text, false) => quote!(Ok(self.body.map(|text| text.as_bytes().to_vec()))),
        (BodyType::Multipart(_), true) => quote!(self.body.encode().map(Some)),
        (BodyType::Multipart(m), false) => {
            let name = ident(&m.name);
            quote!(self.body.map(#name::encode).transpose())
        }
    };
    let content_type = (b.content_type != "application/json").then(|| {
        // A multipart body names its boundary, which the runtime keeps beside the encoder.
        let content_type = match &b.ty {
            BodyType::Multipart(_) => quote!(graph_runtime::MULTIPART_CONTENT_TYPE),
            _ => lit(&b.content_type).into_token_stream(),
        };
        quote! {
            fn content_type(&self) -> &'static str {
                #content_type
            }
        }
    });
    quote! {
        fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
            #encode
        }
        #content_type
    }
}

/// The struct holding a multipart body's parts, and its `encode`.
fn emit_multipart_parts(api: &Api, op: &Operation, m: &MultipartDef) -> TokenStream {
    let name = ident(&m.name);
    let docs = own_doc(&format!("The parts of [`{}`]'s `multipart/form-data` body.", op.type_name));
    let fields = m.parts.iter().map(|p| {
        let field = ident(&p.rust_name);
        let docs = doc(p.doc.as_deref().unwrap_or(""));
        let ty = match &p.kind {
            PartKind::Bytes => quote!(Vec<u8>),
            PartKind::Text(ty) | PartKind::Repeated(ty) | PartKind::Json(ty) => rust_type(api, ty, true),
        };
        let ty = if p.required { ty } else { quote!(Option<#ty>) };
        quote!(#docs pub #field: #ty,)
    });
    let value = |p: &MultipartPart, v: TokenStream| match &p.kind {
        PartKind::Bytes => quote!(PartValue::File(#v)),
        // Called as a function: `&self.field.to_param()` would borrow the result, not the field.
        PartKind::Text(_) | PartKind::Repeated(_) => quote!(PartValue::Text(ParamValue::to_param(#v))),
        PartKind::Json(_) => quote!(PartValue::Json(serde_json::to_vec(#v).map_err(|e| RequestError::Body(e.to_string()))?)),
    };
    // Required single parts start the list; the rest (optional, or one part per item) follow.
    let first = |p: &&MultipartPart| p.required && !matches!(p.kind, PartKind::Repeated(_));
    let required = m.parts.iter().filter(first).map(|p| {
        let (wire, field) = (lit(&p.wire_name), ident(&p.rust_name));
        let value = value(p, quote!(&self.#field));
        quote!((#wire, #value))
    });
    let later: Vec<TokenStream> = m
        .parts
        .iter()
        .filter(|p| !first(p))
        .map(|p| {
            let (wire, field) = (lit(&p.wire_name), ident(&p.rust_name));
            let push = match &p.kind {
                PartKind::Repeated(_) => {
                    let item = value(p, quote!(item));
                    quote! {
                        for item in value {
                            parts.push((#wire, #item));
                        }
                    }
                }
                _ => {
                    let value = value(p, quote!(value));
                    quote!(parts.push((#wire, #value));)
                }
            };
            bind_field_value(&field, p.required, push)
        })
        .collect();
    let binding = if later.is_empty() { quote!(let parts) } else { quote!(let mut parts) };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// The body, encoded as `multipart/form-data` (the runtime encodes it).
            pub fn encode(&self) -> Result<Vec<u8>, RequestError> {
                #binding: Vec<(&str, PartValue<'_>)> = Vec::from([#(#required),*]);
                #(#later)*
                encode_multipart(&parts)
            }
        }
    }
}

/// `push` run with `value` bound to a reference to the field's value: always when it is
/// required, only when it is set when it is optional.
fn bind_field_value(field: &proc_macro2::Ident, required: bool, push: TokenStream) -> TokenStream {
    if required {
        quote! {
            let value = &self.#field;
            #push
        }
    } else {
        quote! {
            if let Some(value) = &self.#field {
                #push
            }
        }
    }
}

/// `fn path`: the description's template, filled in by the runtime's `expand_path`.
fn emit_path_fn(op: &Operation) -> TokenStream {
    let mut template = String::new();
    let mut values = Vec::new();
    for segment in &op.path {
        match segment {
            PathSegment::Literal(text) => template.push_str(text),
            PathSegment::Param(i) => {
                let Some(p) = op.params.get(*i) else { continue };
                template.push('{');
                template.push_str(&p.wire_name);
                template.push('}');
                let field = ident(&p.rust_name);
                // Every type goes through the same one-segment encoding and `""`/`.`/`..` check.
                values.push(if is_borrowed(p) { quote!(self.#field) } else { quote!(&self.#field.to_param()) });
            }
        }
    }
    let template = lit(&template);
    quote! {
        fn path(&self) -> Result<String, RequestError> {
            expand_path(#template, &[#(#values),*])
        }
    }
}

/// `fn query` or `fn headers`, when the operation has such parameters.
fn emit_param_list(op: &Operation, location: ParamLocation, fn_name: &str) -> Option<TokenStream> {
    let params: Vec<&Param> = op.params.iter().filter(|p| p.location == location).collect();
    if params.is_empty() {
        return None;
    }
    let fn_name = format_ident!("{fn_name}");
    // Values written as one pair are data for `param_pairs`, required ones first, as the request
    // has always listed them; repeated and delimited arrays and objects are pushed after them.
    let is_pair = |p: &&Param| !is_expanded(p);
    let required = params.iter().filter(|p| p.required && is_pair(p)).map(|p| {
        let (wire, field) = (lit(&p.wire_name), ident(&p.rust_name));
        quote!((#wire, Some(self.#field.to_param())))
    });
    let optional = params.iter().filter(|p| !p.required && is_pair(p)).map(|p| {
        let (wire, field) = (lit(&p.wire_name), ident(&p.rust_name));
        quote!((#wire, optional_param(&self.#field)))
    });
    let pairs: Vec<TokenStream> = required.chain(optional).collect();
    // Query keys may be made at run time (an object's members), and writing an object can fail.
    let query = location == ParamLocation::Query;
    let output = if query { quote!(Result<Vec<(QueryKey, String)>, RequestError>) } else { quote!(Vec<(&'static str, String)>) };
    let body = if params.iter().all(is_pair) {
        if query {
            quote!(query_pairs([#(#pairs,)*]))
        } else {
            quote!(param_pairs([#(#pairs,)*]))
        }
    } else {
        let returned = if query { quote!(Ok(list)) } else { quote!(list) };
        let pairs = if pairs.is_empty() { quote!(Vec::new()) } else { quote!(param_pairs([#(#pairs,)*])) };
        let pushes = params.iter().filter(|p| !is_pair(p)).map(|p| {
            let field = ident(&p.rust_name);
            let push = emit_param_push(p, quote!(value));
            bind_field_value(&field, p.required, push)
        });
        quote! {
            let mut list = #pairs;
            #(#pushes)*
            #returned
        }
    };
    Some(quote! {
        fn #fn_name(&self) -> #output {
            #body
        }
    })
}

/// A parameter written as other than one pair of its name and its text: an array repeated or
/// joined other than with commas, or an object written member by member.
fn is_expanded(p: &Param) -> bool {
    match p.serialization {
        Serialization::Members(_) | Serialization::MembersOrValue(_) => true,
        serialization => matches!(p.ty, TypeRef::Array(_)) && serialization != Serialization::Joined(','),
    }
}

/// The statements that add `value` (a reference to the parameter's value) to `list`.
fn emit_param_push(p: &Param, value: TokenStream) -> TokenStream {
    let wire = lit(&p.wire_name);
    let object_style = |style: ObjectStyle| match style {
        ObjectStyle::DeepObject => quote!(graph_runtime::__private::ObjectStyle::DeepObject),
        ObjectStyle::Exploded => quote!(graph_runtime::__private::ObjectStyle::Exploded),
        ObjectStyle::Joined(delimiter) => {
            let delimiter = proc_macro2::Literal::character(delimiter);
            quote!(graph_runtime::__private::ObjectStyle::Joined(#delimiter))
        }
    };
    match p.serialization {
        Serialization::Members(style) => {
            let style = object_style(style);
            quote!(list.extend(graph_runtime::__private::object_query_pairs(#wire, #value, #style)?);)
        }
        // Which alternative the value holds shows once it is JSON: an object, or one value.
        Serialization::MembersOrValue(style) => {
            let style = object_style(style);
            quote! {
                let value = serde_json::to_value(#value).map_err(|e| RequestError::Query { name: #wire, why: e.to_string() })?;
                if value.is_object() {
                    list.extend(graph_runtime::__private::object_query_pairs(#wire, &value, #style)?);
                } else {
                    list.push((#wire.into(), value.to_param()));
                }
            }
        }
        _ if !matches!(p.ty, TypeRef::Array(_)) => quote!(list.push((#wire.into(), #value.to_param()));),
        Serialization::Repeated => quote! {
            for item in #value {
                list.push((#wire.into(), item.to_param()));
            }
        },
        Serialization::Joined(',') => quote!(list.push((#wire.into(), #value.to_param()));),
        Serialization::Joined(delimiter) => {
            let delimiter = lit(&delimiter.to_string());
            quote!(list.push((#wire.into(), #value.iter().map(ParamValue::to_param).collect::<Vec<_>>().join(#delimiter)));)
        }
    }
}

fn emit_client_method(api: &Api, op: &Operation) -> TokenStream {
    let spec = doc(op.doc.as_deref().unwrap_or(""));
    let separator = op.doc.is_some().then(|| quote!(#[doc = ""]));
    let own = own_doc(&format!("A [`Call`] of [`{}`].", op.type_name));
    let deprecated = deprecated_attr(&op.deprecated);
    // The request type borrows path strings and the body, and the call borrows them and the
    // client for `'a`. With nothing borrowed but the client, `'_` says the same.
    let borrows = op.params.iter().any(|p| p.required && is_borrowed(p)) || op.body.as_ref().is_some_and(|b| b.required);
    let mut args = Vec::new();
    let mut values = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let field = ident(&p.rust_name);
        let ty = if is_borrowed(p) { quote!(&'a str) } else { param_field_type(api, p) };
        args.push(quote!(#field: #ty));
        values.push(field);
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        let ty = body_type(api, b);
        args.push(quote!(body: &'a #ty));
        values.push(format_ident!("body"));
    }
    // `&self` counts as an argument for clippy.
    let too_many = (args.len() + 1 > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let fn_name = ident(&op.fn_name);
    let type_name = ident(&op.type_name);
    let signature = match (borrows, op_borrows(op)) {
        (true, _) => quote!(#fn_name<'a>(&'a self, #(#args),*) -> Call<'a, #type_name<'a>>),
        (false, true) => quote!(#fn_name(&self, #(#args),*) -> Call<'_, #type_name<'_>>),
        (false, false) => quote!(#fn_name(&self, #(#args),*) -> Call<'_, #type_name>),
    };
    quote! {
        #spec
        #separator
        #own
        #deprecated
        #too_many
        pub fn #signature {
            self.call(#type_name::new(#(#values),*))
        }
    }
}

/// `deep_form`, in the operations root, where some form body writes members as `deepObject`.
pub fn emit_deep_form_helper(api: &Api) -> Option<TokenStream> {
    let used = api.operations.iter().any(|op| matches!(op.body.as_ref().map(|b| &b.ty), Some(BodyType::Form(_, deep)) if !deep.is_empty()));
    used.then(|| {
        quote! {
            /// A form body with its `deepObject` members (`deep`, by wire name) spread out: a
            /// nested object's members become `name[member]` entries and an array's items
            /// `name[0]`, `name[1]`, at any depth, for the runtime's form encoder to write
            /// like any other member. Other members are kept as they are.
            // An area whose forms use it may be turned off.
            #[allow(dead_code)]
            pub(crate) fn deep_form<T: serde::Serialize + ?Sized>(
                value: &T,
                deep: &[&str],
            ) -> Result<serde_json::Map<String, serde_json::Value>, graph_runtime::RequestError> {
                fn spread(key: String, value: serde_json::Value, into: &mut serde_json::Map<String, serde_json::Value>) {
                    match value {
                        serde_json::Value::Object(members) => {
                            for (name, member) in members {
                                spread(format!("{key}[{name}]"), member, into);
                            }
                        }
                        serde_json::Value::Array(items) => {
                            for (i, item) in items.into_iter().enumerate() {
                                spread(format!("{key}[{i}]"), item, into);
                            }
                        }
                        serde_json::Value::Null => {}
                        scalar => {
                            into.insert(key, scalar);
                        }
                    }
                }
                let serde_json::Value::Object(members) =
                    serde_json::to_value(value).map_err(|e| graph_runtime::RequestError::Body(e.to_string()))?
                else {
                    return Err(graph_runtime::RequestError::Body("a form body must be an object of members".to_string()));
                };
                let mut form = serde_json::Map::new();
                for (name, member) in members {
                    if deep.contains(&name.as_str()) {
                        spread(name, member, &mut form);
                    } else {
                        form.insert(name, member);
                    }
                }
                Ok(form)
            }
        }
    })
}
