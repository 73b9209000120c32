//! Assembling an operation's HTTP request. No I/O happens here.

use crate::auth::{AuthScheme, BearerToken};
use crate::encode::encode_query_component;
use crate::error::RequestError;
use crate::operation::Operation;
use crate::service::BaseUrl;
use std::borrow::Cow;

/// Builds the complete HTTP request for `op`, without sending it.
pub fn build_request<O: Operation>(op: &O, base_url: &BaseUrl, token: &BearerToken) -> Result<http::Request<Vec<u8>>, RequestError> {
    // Without a service root the path alone would be sent as a relative URL; refuse instead.
    if base_url.as_str().is_empty() {
        return Err(RequestError::MissingBaseUrl);
    }
    build_request_at(op, base_url.as_str(), Some(token))
}

/// The request for `op` at `root` (the base URL, or `""` for a `$batch` item, whose URL is
/// relative to the version root), with the token when there is one: the one place a request is
/// assembled from an operation, so a batch item is exactly what a single send would be.
pub(crate) fn build_request_at<O: Operation>(
    op: &O,
    root: &str,
    token: Option<&BearerToken>,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut url = format!("{root}{}", op.path()?);
    let mut query = op.query()?;
    if let (AuthScheme::ApiKeyQuery(name), Some(token)) = (credential_scheme(op), token) {
        query.push((Cow::Borrowed(name), token.0.clone()));
    }
    for (i, (key, value)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        // `$` stays literal in keys: OData's system query options are spelled `$select`, `$top`, ….
        url.push_str(&encode_query_component(key, b"$"));
        url.push('=');
        url.push_str(&encode_query_component(value, b","));
    }
    let body = op.body()?;
    let builder = http::Request::builder().method(O::METHOD).uri(url);
    with_operation_headers(op, builder, token, body)
}

/// A GET of `link` (a next or delta link the service gave, already checked to be on the
/// service) for the listing `op`: the link is the URL as written, and the request carries what
/// the operation's first request carried (its credentials as its service says, its `Accept`,
/// its header parameters and the headers added to it), since Graph asks for some of them
/// (`ConsistencyLevel`) on every page.
pub(crate) fn build_link_request<O: Operation>(op: &O, link: &str, token: &BearerToken) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut url = link.to_string();
    if let AuthScheme::ApiKeyQuery(name) = credential_scheme(op) {
        // A link the service wrote may carry the key already; it is sent once.
        let query = url.split_once('?').map_or("", |(_, query)| query);
        let key = encode_query_component(name, b"$");
        if !query.split('&').any(|pair| pair.split('=').next() == Some(key.as_str())) {
            url.push(if query.is_empty() && !url.ends_with('?') { '?' } else { '&' });
            url.push_str(&format!("{key}={}", encode_query_component(&token.0, b",")));
        }
    }
    let builder = http::Request::builder().method(http::Method::GET).uri(url);
    with_operation_headers(op, builder, Some(token), None)
}

/// How `op` sends credentials: as its service says, unless it is marked `security: []`.
fn credential_scheme<O: Operation>(op: &O) -> AuthScheme {
    if O::SENDS_CREDENTIALS { op.service().auth } else { AuthScheme::None }
}

/// `builder` with `op`'s `Accept`, credential header, content type (with a body) and header
/// parameters, and `body`.
fn with_operation_headers<O: Operation>(
    op: &O,
    mut builder: http::request::Builder,
    token: Option<&BearerToken>,
    body: Option<Vec<u8>>,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    builder = builder.header(http::header::ACCEPT, O::ACCEPT);
    let headers = op.headers();
    if let Some((name, value)) = token.map(|token| token.credential_header(credential_scheme(op))).transpose()?.flatten() {
        // An operation that declares the same header itself (its own `Authorization`) sets it;
        // sending both would give the server two.
        if !headers.iter().any(|(declared, _)| name.as_str().eq_ignore_ascii_case(declared)) {
            builder = builder.header(name, value);
        }
    }
    if body.is_some() {
        builder = builder.header(http::header::CONTENT_TYPE, op.content_type());
    }
    for (name, value) in headers {
        let value = http::HeaderValue::try_from(value).map_err(|_| RequestError::InvalidHeader { name })?;
        builder = builder.header(name, value);
    }
    builder.body(body.unwrap_or_default()).map_err(|e| RequestError::Build(e.to_string()))
}
