//! Where requests go and how they are authenticated: the dialect (Graph's OData conventions or plain
//! OpenAPI), the server URL and the security scheme.

use super::*;

impl<'a> Lowerer<'a> {
    /// The scheme every request uses: the first of the description's security requirements (or,
    /// with none at the top, of its first operation that has one). A description that declares
    /// none takes a bearer token if it follows Graph's conventions (a cut of Graph's description
    /// may have left its `security` out), and nothing otherwise. What a description declares
    /// always wins over its dialect: an `x-ms-pageable` does not make an API key a bearer token.
    pub(super) fn lower_auth(&mut self) -> Auth {
        use openapiv3::{APIKeyLocation, SecurityScheme};
        let undeclared = match self.dialect {
            Dialect::OData => Auth::Bearer,
            Dialect::Plain => Auth::None,
        };
        let doc = self.doc;
        let from_ops = || {
            doc.paths.paths.values().find_map(|item| match item {
                ReferenceOr::Item(item) => item.iter().find_map(|(_, op)| op.security.as_ref().filter(|s| !s.is_empty())),
                ReferenceOr::Reference { .. } => None,
            })
        };
        let Some(requirements) = doc.security.as_ref().or_else(from_ops) else { return undeclared };
        // `security: [{}]` (or `[]`) makes security optional, and a client with no token works.
        let Some(name) = requirements.iter().find_map(|r| r.keys().next()) else { return Auth::None };
        if requirements.len() > 1 || requirements.iter().any(|r| r.len() > 1) {
            self.diags.push(Diagnostic::warning(
                "/security",
                format!("several security schemes are listed; the client uses `{name}` for every request"),
            ));
        }
        let pointer = pointer_push("/components/securitySchemes", name);
        let scheme = doc.components.as_ref().and_then(|c| c.security_schemes.get(name));
        match scheme {
            Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) if scheme.eq_ignore_ascii_case("basic") => Auth::Basic,
            Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })) if !scheme.eq_ignore_ascii_case("bearer") => {
                self.diags.push(
                    Diagnostic::warning(
                        pointer_push(&pointer, "scheme"),
                        format!("HTTP authentication scheme `{scheme}` is not supported; the token is sent as a bearer token"),
                    )
                    .help("use `bearer` or `basic`"),
                );
                Auth::Bearer
            }
            Some(ReferenceOr::Item(SecurityScheme::HTTP { .. } | SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. })) => {
                Auth::Bearer
            }
            Some(ReferenceOr::Item(SecurityScheme::APIKey { location: APIKeyLocation::Header, name, .. })) => {
                Auth::ApiKeyHeader(name.clone())
            }
            Some(ReferenceOr::Item(SecurityScheme::APIKey { location: APIKeyLocation::Query, name, .. })) => {
                Auth::ApiKeyQuery(name.clone())
            }
            Some(ReferenceOr::Item(SecurityScheme::APIKey { location: APIKeyLocation::Cookie, .. })) => {
                self.diags.push(
                    Diagnostic::warning(pointer, "an API key in a cookie is not supported; no credentials are sent")
                        .help("send the cookie yourself, through `Client::with_http_builder` (a `reqwest::ClientBuilder` with default headers or a cookie store)"),
                );
                Auth::None
            }
            Some(ReferenceOr::Reference { .. }) | None => {
                self.diags.push(Diagnostic::warning("/security", format!("security scheme `{name}` is not defined under #/components/securitySchemes; the token is sent as a bearer token"))
                    .help("define the scheme"));
                Auth::Bearer
            }
        }
    }
}

/// The root the client defaults to: the first server's URL, if it is one the client may default
/// to; otherwise a warning, and Graph's own root ([`FALLBACK_BASE_URL`]) for a cut of Graph's
/// description that sends Graph a bearer token, or no default at all (the client then fails with
/// `RequestError::MissingBaseUrl` until given one). Following OData's conventions is not enough
/// for Graph's root: an Azure description with `x-ms-` extensions and an API key must not send
/// its key to Graph.
pub(super) fn lower_server_url(doc: &OpenAPI, auth: &Auth, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let graph_cut = *auth == Auth::Bearer && is_graph_cut(doc);
    let (fallback, note) = if graph_cut {
        (Some(FALLBACK_BASE_URL.to_string()), format!("the client defaults to {FALLBACK_BASE_URL}"))
    } else {
        (None, "the client has no default service root (requests fail with `RequestError::MissingBaseUrl`)".to_string())
    };
    let fallback_with = |diags: &mut Vec<Diagnostic>, d: Diagnostic| {
        diags.push(d);
        fallback.clone()
    };
    let Some(server) = doc.servers.first() else {
        return fallback_with(
            diags,
            Diagnostic::warning("/servers", format!("no absolute server URL; {note}"))
                .help("add `servers: [{url: https://…}]`, or call `with_base_url` on the client"),
        );
    };
    let resolved = match resolve_server_variables(server) {
        Ok(resolved) => resolved,
        Err((pointer, why)) => {
            return fallback_with(diags, Diagnostic::warning(pointer, format!("{why}; {note}"))
                .help("define every `{variable}` of the URL under `variables`, each with a `default` among its `enum` values, or call `with_base_url` on the client"));
        }
    };
    let url = resolved.trim_end_matches('/');
    match server_url_problem(url) {
        None => Some(url.to_string()),
        Some(why) => {
            // Quoted with `{:?}`: the URL may hold control characters.
            let named = if resolved == server.url {
                format!("server URL {:?}", server.url)
            } else {
                format!("server URL {:?} (with its variables' defaults, {resolved:?})", server.url)
            };
            fallback_with(
                diags,
                Diagnostic::warning("/servers/0/url", format!("{named} {why}; {note}")).help(
                    "give an absolute http(s) URL with no user information, query or fragment, or call `with_base_url` on the client",
                ),
            )
        }
    }
}

/// The server's URL with each `{variable}` replaced by its `default`, or where and why it cannot
/// be: a variable `variables` does not define, or a default its own `enum` does not list. A `{`
/// with no closing `}` is left as it is, for the URL check to refuse.
pub(super) fn resolve_server_variables(server: &openapiv3::Server) -> Result<String, (String, String)> {
    let mut resolved = String::with_capacity(server.url.len());
    let mut rest = server.url.as_str();
    while let Some((before, after)) = rest.split_once('{') {
        let Some((name, after)) = after.split_once('}') else { break };
        resolved.push_str(before);
        let Some(variable) = server.variables.as_ref().and_then(|v| v.get(name)) else {
            return Err((
                "/servers/0/url".to_string(),
                format!("server URL {:?} uses variable `{name}`, which `variables` does not define", server.url),
            ));
        };
        if !variable.enumeration.is_empty() && !variable.enumeration.contains(&variable.default) {
            let pointer = pointer_push(&pointer_push("/servers/0/variables", name), "default");
            return Err((pointer, format!("server variable `{name}` defaults to {:?}, which its `enum` does not list", variable.default)));
        }
        resolved.push_str(&variable.default);
        rest = after;
    }
    resolved.push_str(rest);
    Ok(resolved)
}

/// Why `url` cannot be the generated client's default service root, if it cannot: the rules of
/// the runtime's `BaseUrl::parse`, since the default never passes through it. A URL with user
/// information (`https://graph.microsoft.com@attacker.example/beta`) names the host after the `@`.
pub(super) fn server_url_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else {
        return Some("is not an absolute http(s) URL");
    };
    if url.chars().any(|c| !c.is_ascii_graphic() || "{}<>\"\\^|`".contains(c)) {
        return Some("holds characters a URL cannot");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        Some("has no host")
    } else if authority.contains('@') {
        Some("has user information (`user@`): the request would go to the host after the `@`")
    } else if url.contains('?') {
        Some("has a query")
    } else if url.contains('#') {
        Some("has a fragment")
    } else {
        None
    }
}

/// Whether the description is a cut of Microsoft Graph's own: it names schemas in Graph's
/// namespace (`microsoft.graph.user`).
fn is_graph_cut(doc: &OpenAPI) -> bool {
    doc.components.as_ref().is_some_and(|c| c.schemas.keys().any(|k| k.to_ascii_lowercase().starts_with("microsoft.graph.")))
}

/// Whether the description follows Graph's OData conventions. Any one sign is enough, since a
/// cut of Graph's description may keep only some: a `microsoft.graph.` schema key, an ODataError
/// schema, a property named `@odata.…`, or an `x-ms-…` extension on the document, a path, an
/// operation or a component schema (or its properties).
pub(super) fn detect_dialect(doc: &OpenAPI) -> Dialect {
    let ms_extension = |ext: &indexmap::IndexMap<String, serde_json::Value>| ext.keys().any(|k| k.starts_with("x-ms-"));
    let schema_is_odata = |key: &str, schema: &ReferenceOr<Schema>| {
        let lower = key.to_ascii_lowercase();
        if lower.starts_with("microsoft.graph.") || lower.ends_with("odataerror") {
            return true;
        }
        let ReferenceOr::Item(schema) = schema else { return false };
        let props = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => Some(&o.properties),
            SchemaKind::Any(a) => Some(&a.properties),
            SchemaKind::AllOf { all_of } => all_of.iter().find_map(|p| match p {
                ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Object(o)), .. }) => Some(&o.properties),
                _ => None,
            }),
            _ => None,
        };
        ms_extension(&schema.schema_data.extensions)
            || props.is_some_and(|props| {
                props.iter().any(|(name, p)| {
                    name.starts_with("@odata.") || matches!(p, ReferenceOr::Item(p) if ms_extension(&p.schema_data.extensions))
                })
            })
    };
    let in_schemas = doc.components.as_ref().is_some_and(|c| c.schemas.iter().any(|(k, s)| schema_is_odata(k, s)));
    let in_paths = doc.paths.paths.values().any(|item| match item {
        ReferenceOr::Item(item) => ms_extension(&item.extensions) || item.iter().any(|(_, op)| ms_extension(&op.extensions)),
        ReferenceOr::Reference { .. } => false,
    });
    if ms_extension(&doc.extensions) || in_schemas || in_paths {
        Dialect::OData
    } else {
        Dialect::Plain
    }
}
