//! The examples on the generated crate's front page, built from the description's own operations
//! and models with `quote!` and laid out by prettyplease, so that `cargo test --doc` compiles
//! them against the crate they document.

use super::tokens::{ident, lit};
use crate::ir::*;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

/// Markdown for the crate documentation: a section per example the description allows (a call,
/// a paged listing, a model read and written, a PATCH body), each a `no_run` code block.
pub fn crate_examples(api: &Api, crate_ident: &Ident, base_url: &str) -> String {
    let client = build_client(api, base_url);
    let sections = [
        call_example(api, crate_ident, &client),
        paging_example(api, crate_ident, &client),
        model_example(api, crate_ident),
        patch_example(api, crate_ident),
    ];
    sections.into_iter().flatten().collect::<Vec<_>>().join("\n\n")
}

/// A section: its heading and text, then the code, printed by prettyplease. Code that sends
/// requests is only compiled (`no_run`); the rest also runs, so its assertions are checked.
fn section(heading: &str, text: &str, code: TokenStream, sends: bool) -> Option<String> {
    let file = crate::render::parse_part(code).ok()?;
    let printed = crate::render::separate_items(&crate::render::print_part(&file));
    let fence = if sends { "```no_run" } else { "```" };
    Some(format!("# {heading}\n\n{text}\n\n{fence}\n{}\n```", printed.trim_end()))
}

/// `let client = Client::new(…)?;`, with a service root when the description names none.
fn build_client(api: &Api, base_url: &str) -> TokenStream {
    let token = lit(match api.auth {
        Auth::None => "",
        Auth::Bearer => "<access token>",
        Auth::Basic => "user:password",
        Auth::ApiKeyHeader(_) | Auth::ApiKeyQuery(_) => "<api key>",
    });
    let root = base_url.is_empty().then(|| quote!(.with_base_url("https://api.example.com")?));
    quote!(let client = Client::new(BearerToken::new(#token))? #root;)
}

/// The arguments of an operation's client method, when every one can be written as a literal:
/// string path parameters, and a PATCH body left at its default.
fn example_args(api: &Api, krate: &Ident, op: &Operation) -> Option<(Vec<TokenStream>, Option<TokenStream>)> {
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        if p.location != ParamLocation::Path || p.ty != TypeRef::String {
            return None;
        }
        let value = lit(&p.wire_name);
        args.push(quote!(#value));
    }
    let mut setup = None;
    match op.body.as_ref().filter(|b| b.required).map(|b| &b.ty) {
        None => {}
        Some(BodyType::Patch(i)) => {
            let patch = ident(&api.patches.get(*i)?.name);
            setup = Some(quote!(let body = #krate::models::#patch::default();));
            args.push(quote!(&body));
        }
        Some(_) => return None,
    }
    Some((args, setup))
}

/// The operation the front page calls: a GET that returns a JSON body if there is one, with the
/// fewest arguments; the first such in description order.
fn pick_operation<'a>(api: &'a Api, krate: &Ident, ops: impl Iterator<Item = &'a Operation>) -> Option<&'a Operation> {
    ops.filter(|op| op.deprecated.is_none() && example_args(api, krate, op).is_some()).min_by_key(|op| {
        (op.method != Method::Get, !matches!(op.success, SuccessResponse::Json(_)), op.params.iter().filter(|p| p.required).count())
    })
}

fn call_example(api: &Api, krate: &Ident, client: &TokenStream) -> Option<String> {
    let Some(op) = pick_operation(api, krate, api.operations.iter().filter(|op| op.pager.is_none())) else {
        let code = quote! {
            use #krate::{BearerToken, Client};

            fn main() -> Result<(), Box<dyn std::error::Error>> {
                #client
                println!("{client:?}");
                Ok(())
            }
        };
        return section("Example", "Build a client; each operation is a method on it.", code, true);
    };
    let (args, setup) = example_args(api, krate, op)?;
    let method = ident(&op.fn_name);
    let call = quote!(client.#method(#(#args),*).await?);
    let call_and_read = match read_output(api, op) {
        Some(read) => quote!(let output = #call; #read),
        None => quote!(#call; println!("done");),
    };
    let code = quote! {
        use #krate::{BearerToken, Client};

        #[tokio::main(flavor = "current_thread")]
        async fn main() -> Result<(), Box<dyn std::error::Error>> {
            #client
            #setup
            #call_and_read
            Ok(())
        }
    };
    let text = format!(
        "Build a client, send `{} {}` and read the answer (a `Tokio` runtime runs the client).",
        op.method.as_str(),
        op.path_template.replace('`', "'")
    );
    section("Example", &text, code, true)
}

/// Reads the method's result: a member of the model it returns, or the whole value.
fn read_output(api: &Api, op: &Operation) -> Option<TokenStream> {
    let ty = match &op.success {
        SuccessResponse::Binary { .. } => return Some(quote!(println!("{} bytes", output.map_or(0, |bytes| bytes.len()));)),
        SuccessResponse::Json(ty) | SuccessResponse::Text(ty) => ty,
        SuccessResponse::Empty => return None,
    };
    let field = match ty {
        TypeRef::Named(id) => match api.types.get(id.0).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => s.fields.iter().find(|f| f.deprecated.is_none()).map(|f| ident(&f.rust_name)),
            Some(TypeKind::Union(_)) => {
                return Some(quote!(if let Some(value) = output {
                    println!("a {}", value.odata_type());
                }))
            }
            _ => None,
        },
        _ => None,
    };
    Some(match field {
        Some(field) => quote! {
            match output {
                Some(value) => println!("{:?}", value.#field),
                None => println!("no content"),
            }
        },
        None => quote!(println!("{output:?}");),
    })
}

fn paging_example(api: &Api, krate: &Ident, client: &TokenStream) -> Option<String> {
    let op = pick_operation(api, krate, api.operations.iter().filter(|op| op.pager.is_some()))?;
    let (args, setup) = example_args(api, krate, op)?;
    let request = ident(&op.type_name);
    let code = quote! {
        use #krate::client::StreamExt;
        use #krate::operations::#request;
        use #krate::{BearerToken, Client};

        #[tokio::main(flavor = "current_thread")]
        async fn main() -> Result<(), Box<dyn std::error::Error>> {
            #client
            #setup
            let request = #request::new(#(#args),*);
            let mut items = client.items(&request);
            while let Some(item) = items.next().await {
                let item = item?;
                println!("{item:?}");
            }
            let mut pages = client.pages(&request);
            while let Some(page) = pages.next().await {
                let page = page?;
                println!("{} items of {:?}", page.len(), page.count);
            }
            Ok(())
        }
    };
    let text = format!(
        "`{} {}` answers page by page: `items` yields every item, `pages` each page with its `@odata.count`; \
         both follow `@odata.nextLink` on the same service.",
        op.method.as_str(),
        op.path_template.replace('`', "'")
    );
    section("Paged listings", &text, code, true)
}

/// A model every member of which may be absent, with a text member to show.
fn pick_model(api: &Api) -> Option<(&TypeDef, &StructDef, &Field)> {
    api.types.iter().find_map(|t| match &t.kind {
        TypeKind::Struct(s) if t.deprecated.is_none() && s.extra.is_some() && s.fields.iter().all(|f| !f.required || f.nullable) => {
            s.fields.iter().find(|f| f.ty == TypeRef::String && f.deprecated.is_none()).map(|f| (t, s, f))
        }
        _ => None,
    })
}

fn model_example(api: &Api, krate: &Ident) -> Option<String> {
    let (t, s, f) = pick_model(api)?;
    let name = ident(&t.name);
    let field = ident(&f.rust_name);
    let extra = ident(&s.extra.as_ref()?.rust_name);
    let text = raw_literal(&format!(r#"{{"{}": "Contoso", "addedLater": [1, 2]}}"#, f.json_name));
    let kept = raw_literal(r#""addedLater":[1, 2]"#);
    let code = quote! {
        use #krate::models::#name;

        fn main() -> Result<(), serde_json::Error> {
            let value: #name = serde_json::from_str(#text)?;
            assert_eq!(value.#field.as_deref(), Some("Contoso"));
            assert!(value.#extra.contains_key("addedLater"));
            let written = serde_json::to_string(&value)?;
            assert!(written.contains(#kept));
            Ok(())
        }
    };
    section(
        "Models",
        "A model reads the members it declares into its fields and keeps the others as sent, so writing it back loses nothing.",
        code,
        false,
    )
}

fn patch_example(api: &Api, krate: &Ident) -> Option<String> {
    let (patch, set, clear) = api.patches.iter().find_map(|p| {
        let set = p.fields.iter().find(|f| f.ty == TypeRef::String)?;
        let clear = p.fields.iter().find(|f| f.nullable && f.rust_name != set.rust_name)?;
        Some((p, set, clear))
    })?;
    let name = ident(&patch.name);
    let (set_field, clear_field) = (ident(&set.rust_name), ident(&clear.rust_name));
    let set_value = if set.nullable { quote!(Patch::Set("Contoso".to_string())) } else { quote!(Some("Contoso".to_string())) };
    let mut members: Vec<String> = patch.type_tag.iter().map(|(member, value)| json_member(member, &json_string(value))).collect();
    members.push(json_member(&set.json_name, "\"Contoso\""));
    members.push(json_member(&clear.json_name, "null"));
    let expected = raw_literal(&format!("{{{}}}", members.join(", ")));
    let code = quote! {
        use #krate::models::#name;
        use #krate::Patch;

        fn main() -> Result<(), serde_json::Error> {
            let patch = #name {
                #set_field: #set_value,
                #clear_field: Patch::Clear,
                ..Default::default()
            };
            let sent = serde_json::to_value(&patch)?;
            let expected: serde_json::Value = serde_json::from_str(#expected)?;
            assert_eq!(sent, expected);
            Ok(())
        }
    };
    section(
        "PATCH bodies",
        "A PATCH body sends only what it is told to: a value (`Patch::Set`), `null` to clear it (`Patch::Clear`), \
         and nothing for every field left at `Patch::Unchanged` (or `None`), its default.",
        code,
        false,
    )
}

/// `"name": value` in JSON text.
fn json_member(name: &str, value: &str) -> String {
    format!("{}: {value}", json_string(name))
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// `r#"…"#` for JSON text, which reads better than an escaped literal, with as many `#` as the
/// text needs (`r##"…"##` where it holds `"#`, as `@odata.type` values do).
fn raw_literal(text: &str) -> Literal {
    let hashes = (1..8).map(|n| "#".repeat(n)).find(|h| !text.contains(&format!("\"{h}")));
    hashes.and_then(|h| format!("r{h}\"{text}\"{h}").parse().ok()).unwrap_or_else(|| lit(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_literals_fall_back_to_escaped_ones() {
        assert_eq!(raw_literal(r#"{"a": 1}"#).to_string(), r##"r#"{"a": 1}"#"##);
        assert_eq!(raw_literal(r##"{"a": "#x"}"##).to_string(), r###"r##"{"a": "#x"}"##"###);
        let endless = (1..9).map(|n| format!("\"{}", "#".repeat(n))).collect::<String>();
        assert!(raw_literal(&endless).to_string().starts_with('"'), "an escaped literal");
    }

    #[test]
    fn a_description_without_operations_still_shows_a_client() {
        let api = Api {
            title: "T".into(),
            default_base_url: None,
            dialect: Dialect::Plain,
            auth: Auth::None,
            types: Vec::new(),
            patches: Vec::new(),
            operations: Vec::new(),
        };
        let text = crate_examples(&api, &ident("t"), "");
        assert!(text.starts_with("# Example"), "{text}");
        assert!(text.contains(".with_base_url(\"https://api.example.com\")?"), "{text}");
    }
}
