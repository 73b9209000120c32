//! Shared request and response plumbing for every operation: path encoding, the PATCH field type,
//! request building and response parsing. No I/O happens here.

use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::fmt;

/// One field of a PATCH body: leave it alone, clear it (send `null`), or set it.
///
/// Only nullable properties use this type; a property that cannot be null is an `Option<T>` in
/// the PATCH body, so clearing it cannot even be written. A PATCH body's fields start as
/// `Unchanged` (its `Default`), so a body names only what it changes (the crate's front page
/// shows one written out):
///
/// ```
#[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::Patch;")]
///
/// let rename: Patch<String> = "Contoso".to_string().into();
/// assert_eq!(rename, Patch::Set("Contoso".to_string()));
/// let forget: Patch<String> = Patch::Clear;
/// assert!(!forget.is_unchanged());
/// assert!(Patch::<String>::default().is_unchanged());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Not sent: the server keeps the current value.
    #[default]
    Unchanged,
    /// Sent as `null`: the server clears the value.
    Clear,
    /// Sent as the value.
    Set(T),
}

impl<T> Patch<T> {
    /// True for [`Patch::Unchanged`], which is left out of the serialized body.
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Set(value)
    }
}

impl<T: serde::Serialize> serde::Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => value.serialize(serializer),
            Patch::Unchanged | Patch::Clear => serializer.serialize_none(),
        }
    }
}

/// How the description says requests are authenticated; the crate's own scheme is
/// [`crate::AUTH`], and [`build_request`] applies it to the client's [`BearerToken`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// No security: nothing is sent (the token is not used).
    None,
    /// `Authorization: Bearer <token>` (HTTP bearer, OAuth 2.0, OpenID Connect).
    Bearer,
    /// `Authorization: Basic <base64 of the token>`, the token being `user:password`.
    Basic,
    /// The token as the value of this header.
    ApiKeyHeader(&'static str),
    /// The token as the value of this query parameter.
    ApiKeyQuery(&'static str),
}

/// The client's secret: an OAuth 2.0 access token, sent as `Authorization: Bearer …`, or whatever
/// [`crate::AUTH`] says (an API key, `user:password`). It never appears in `Debug` output or in
/// errors.
#[derive(Clone)]
pub struct BearerToken(String);

impl BearerToken {
    pub fn new(token: impl Into<String>) -> Self {
        BearerToken(token.into())
    }

    pub(crate) fn header_value(&self) -> Result<http::HeaderValue, RequestError> {
        sensitive_header(format!("Bearer {}", self.0))
    }

    /// The header `scheme` sends the token in, with its value; None when it sends none there.
    fn credential_header(&self, scheme: AuthScheme) -> Result<Option<(http::HeaderName, http::HeaderValue)>, RequestError> {
        Ok(match scheme {
            AuthScheme::None | AuthScheme::ApiKeyQuery(_) => None,
            AuthScheme::Bearer => Some((http::header::AUTHORIZATION, self.header_value()?)),
            AuthScheme::Basic => {
                let encoded = crate::values::Base64Bytes(self.0.as_bytes().to_vec()).encode();
                Some((http::header::AUTHORIZATION, sensitive_header(format!("Basic {encoded}"))?))
            }
            AuthScheme::ApiKeyHeader(name) => {
                let name = http::HeaderName::try_from(name).map_err(|_| RequestError::InvalidHeader { name })?;
                Some((name, sensitive_header(self.0.clone())?))
            }
        })
    }
}

/// A header value marked sensitive (left out of HTTP/2 header compression tables and `Debug`).
fn sensitive_header(text: String) -> Result<http::HeaderValue, RequestError> {
    let mut value = http::HeaderValue::try_from(text).map_err(|_| RequestError::InvalidToken)?;
    value.set_sensitive(true);
    Ok(value)
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

/// The service root every path is appended to, such as `https://graph.microsoft.com/beta`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks that `url` is an absolute http(s) URL without user information, query or fragment
    /// (the generator holds the description's server URL to the same rules).
    pub fn parse(url: &str) -> Result<Self, RequestError> {
        let trimmed = url.trim_end_matches('/');
        let uri: http::Uri = trimmed.parse().map_err(|_| RequestError::InvalidBaseUrl(url.to_string()))?;
        let scheme_ok = matches!(uri.scheme_str(), Some("http") | Some("https"));
        // `https://graph.microsoft.com@attacker.example` is a request to attacker.example.
        let host_only = uri.authority().is_some_and(|a| !a.as_str().contains('@'));
        if !scheme_ok || !host_only || uri.query().is_some() || trimmed.contains('#') {
            return Err(RequestError::InvalidBaseUrl(url.to_string()));
        }
        Ok(BaseUrl(trimmed.to_string()))
    }

    /// For URLs the generator already checked, such as the description's server URL.
    pub(crate) fn trusted(url: &str) -> Self {
        BaseUrl(url.trim_end_matches('/').to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The OAuth scope a token for `base_url` is asked with: its origin and `/.default`, which is
/// `https://graph.microsoft.com/.default` for Graph and the same rule for the national clouds
/// (`https://graph.microsoft.us/.default`, `https://microsoftgraph.chinacloudapi.cn/.default`, …).
pub fn token_scopes(base_url: &BaseUrl) -> Vec<String> {
    let origin = match base_url.as_str().parse::<http::Uri>() {
        Ok(uri) => match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => base_url.as_str().to_string(),
        },
        Err(_) => base_url.as_str().to_string(),
    };
    vec![format!("{origin}/.default")]
}

/// Why a request could not be built. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// A path parameter was empty, `.` or `..`: it would address another resource.
    InvalidPathParameter { name: &'static str, value: String },
    /// The base URL is not an absolute http(s) URL.
    InvalidBaseUrl(String),
    /// The description names no server, and no base URL was given (`Client::with_base_url`).
    MissingBaseUrl,
    /// The token contains characters that cannot go in an HTTP header (the token is not shown).
    InvalidToken,
    /// A header parameter's value contains characters that cannot go in an HTTP header.
    InvalidHeader { name: &'static str },
    /// The body could not be serialized.
    Body(String),
    /// An object query parameter could not be written as its members.
    Query { name: &'static str, why: String },
    /// The assembled request was rejected by the `http` crate.
    Build(String),
    /// A next link pointed away from the base URL's scheme and host; it was not followed.
    UntrustedNextLink(String),
    /// An operation cannot go into a [`Batch`] as asked (a `dependsOn` it cannot keep, a header
    /// JSON cannot carry); the message says which item and why.
    Batch(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::InvalidPathParameter { name, value } => {
                write!(f, "path parameter `{name}` may not be {value:?}: it would address another resource")
            }
            RequestError::InvalidBaseUrl(url) => write!(f, "base URL {url:?} is not an absolute http(s) URL"),
            RequestError::MissingBaseUrl => f.write_str("no base URL: the description names no server; give one with `with_base_url`"),
            RequestError::InvalidToken => f.write_str("the bearer token contains characters not allowed in a header"),
            RequestError::InvalidHeader { name } => write!(f, "header `{name}` contains characters not allowed in a header"),
            RequestError::Body(e) => write!(f, "could not serialize the request body: {e}"),
            RequestError::Query { name, why } => write!(f, "could not write query parameter `{name}`: {why}"),
            RequestError::Build(e) => write!(f, "could not build the request: {e}"),
            RequestError::UntrustedNextLink(link) => write!(f, "next link {link:?} leaves the service; not followed"),
            RequestError::Batch(why) => write!(f, "cannot batch: {why}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// The path of an operation: its description's template (`/users/{user-id}/photo`) with each
/// `{name}` replaced, in order, by the next of `values` encoded as one segment by
/// [`encode_path_segment`], so no value can add a `/` or climb out of the resource it names.
/// Each operation keeps its template as data for this one function rather than code of its own.
pub fn expand_path(template: &'static str, values: &[&str]) -> Result<String, RequestError> {
    let mut path = String::with_capacity(template.len() + 32);
    let mut rest = template;
    let mut values = values.iter();
    while let Some((literal, after)) = rest.split_once('{') {
        let Some((name, after)) = after.split_once('}') else { break };
        let Some(value) = values.next() else {
            return Err(RequestError::Build(format!("no value for `{{{name}}}` in the path `{template}`")));
        };
        path.push_str(literal);
        path.push_str(&encode_path_segment(name, value)?);
        rest = after;
    }
    path.push_str(rest);
    Ok(path)
}

/// Percent-encodes `value` as exactly one path segment: every byte outside RFC 3986's unreserved
/// set (`A-Z a-z 0-9 - . _ ~`) is encoded, `%` and `/` included. Empty, `.` and `..` are refused,
/// since they would change which resource the path names.
pub fn encode_path_segment(name: &'static str, value: &str) -> Result<String, RequestError> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(RequestError::InvalidPathParameter { name, value: value.to_string() });
    }
    Ok(percent_encode(value, b""))
}

/// Percent-encodes a query key or value; `keep` lists extra bytes left as they are.
pub fn encode_query_component(value: &str, keep: &[u8]) -> String {
    percent_encode(value, keep)
}

fn percent_encode(value: &str, keep: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// A value that can be written into a path segment, query string or header.
pub trait ParamValue {
    fn to_param(&self) -> String;
}

impl ParamValue for str {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl ParamValue for String {
    fn to_param(&self) -> String {
        self.clone()
    }
}

impl ParamValue for bool {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

/// Integers of every width a format names (`int16`, `int32`, `int64`, `uint8` … `uint64`).
macro_rules! integer_param_values {
    ($($t:ty),*) => {
        $(
            impl ParamValue for $t {
                fn to_param(&self) -> String {
                    self.to_string()
                }
            }
        )*
    };
}

integer_param_values!(i16, i32, i64, u8, u16, u32, u64);

impl ParamValue for f32 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl ParamValue for f64 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

/// Any JSON value (a parameter whose schema the generator could not type): a string is sent as
/// its text, anything else as its JSON, so such a parameter still compiles and can be set.
impl ParamValue for serde_json::Value {
    fn to_param(&self) -> String {
        match self {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }
}

/// The `ConsistencyLevel` header, typed where the description declares it. Graph defines one
/// value, `eventual`, which advanced queries on directory objects require (`$count`, `$search`,
/// and some `$filter` and `$orderby` forms: <https://learn.microsoft.com/graph/aad-advanced-queries>).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConsistencyLevel {
    /// `eventual`; the default, being the only value Graph defines.
    #[default]
    Eventual,
    /// A value this crate does not know, sent as written (checked like any header when the
    /// request is built).
    Other(String),
}

impl ParamValue for ConsistencyLevel {
    fn to_param(&self) -> String {
        match self {
            ConsistencyLevel::Eventual => "eventual".to_string(),
            ConsistencyLevel::Other(value) => value.clone(),
        }
    }
}

/// Arrays go comma-separated (OpenAPI `style: form, explode: false`, as Graph's OData options are).
impl<T: ParamValue> ParamValue for Vec<T> {
    fn to_param(&self) -> String {
        self.iter().map(ParamValue::to_param).collect::<Vec<_>>().join(",")
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
}

/// An operation's query or header pairs from its parameters: an optional one that is not set
/// (`None`) is left out. Each request type lists its parameters as data for this one function
/// instead of a branch per parameter. The names come out as header names (`&'static str`) or
/// query keys ([`QueryKey`]), whichever the caller returns.
pub fn param_pairs<K: From<&'static str>, const N: usize>(params: [(&'static str, Option<String>); N]) -> Vec<(K, String)> {
    params.into_iter().filter_map(|(name, value)| Some((K::from(name), value?))).collect()
}

/// [`param_pairs`] as an operation's query: what `Operation::query` returns when every parameter
/// is one pair, which cannot fail.
pub fn query_pairs<const N: usize>(params: [(&'static str, Option<String>); N]) -> Result<Vec<(QueryKey, String)>, RequestError> {
    Ok(param_pairs(params))
}

/// A query parameter's key: its name, or one made from it and an object's member
/// (`filter[name]` for `deepObject`, the member's own name for an exploded `form` object).
pub type QueryKey = Cow<'static, str>;

/// How an object query parameter's members go into the query string (OpenAPI's `style` and
/// `explode`), for `{"name": "x", "age": 3}` given as `filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `deepObject`: `filter[age]=3&filter[name]=x`.
    DeepObject,
    /// `form` with `explode: true` (the default): `age=3&name=x`, the parameter's name unused.
    Exploded,
    /// One pair, names and values joined: `filter=age,3,name,x` (`form` with `explode: false`);
    /// with a space (`spaceDelimited`) or `|` (`pipeDelimited`).
    Joined(char),
}

/// The query pairs of the object `value` given as the parameter `name`, written as `style` says.
/// Members come in name order; an absent or `null` member is left out, an array member gives one
/// entry per item (its name repeated) and a nested object its JSON text, as form bodies do
/// (OpenAPI leaves both undefined for query parameters).
pub fn object_query_pairs<T: serde::Serialize + ?Sized>(
    name: &'static str,
    value: &T,
    style: ObjectStyle,
) -> Result<Vec<(QueryKey, String)>, RequestError> {
    let members = object_members(value).map_err(|why| RequestError::Query { name, why })?;
    Ok(match style {
        ObjectStyle::DeepObject => members.into_iter().map(|(member, text)| (Cow::Owned(format!("{name}[{member}]")), text)).collect(),
        ObjectStyle::Exploded => members.into_iter().map(|(member, text)| (Cow::Owned(member), text)).collect(),
        ObjectStyle::Joined(delimiter) => {
            let joined: Vec<String> = members.into_iter().flat_map(|(member, text)| [member, text]).collect();
            Vec::from([(Cow::Borrowed(name), joined.join(&delimiter.to_string()))])
        }
    })
}

/// An object's members as (name, text) entries in name order: `null` left out, an array's items
/// as entries of the same name, a string as its text and anything else as its JSON. Form bodies
/// and object query parameters are both written from these.
fn object_members<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>, String> {
    let serde_json::Value::Object(members) = serde_json::to_value(value).map_err(|e| e.to_string())? else {
        return Err("not an object of members".to_string());
    };
    let text = |v: serde_json::Value| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    let mut entries = Vec::new();
    for (name, member) in members {
        match member {
            serde_json::Value::Null => {}
            serde_json::Value::Array(items) => entries.extend(items.into_iter().map(|item| (name.clone(), text(item)))),
            other => entries.push((name, text(other))),
        }
    }
    Ok(entries)
}

/// The wire text of an optional parameter, if it is set.
pub fn optional_param<T: ParamValue>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(ParamValue::to_param)
}

/// One API operation: how to build its request and read its response. Implemented by every
/// request type in [`crate::operations`].
pub trait Operation {
    /// What a successful response yields.
    type Output: FromBody;
    /// The error body the service sends with a non-2xx status.
    type Error: DeserializeOwned;
    const METHOD: http::Method;
    /// The `Accept` header: JSON, or what a download is described as (`image/jpeg`, `*/*`).
    const ACCEPT: &'static str = "application/json";
    /// False for an operation the description marks `security: []`: no credentials are sent.
    const SENDS_CREDENTIALS: bool = true;

    /// The percent-encoded path below the base URL, starting with `/`.
    fn path(&self) -> Result<String, RequestError>;

    /// Query parameters, not yet encoded; an object parameter that cannot be written as members
    /// is an error.
    fn query(&self) -> Result<Vec<(QueryKey, String)>, RequestError> {
        Ok(Vec::new())
    }

    /// Header parameters, not yet validated.
    fn headers(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The body, if the operation sends one, already encoded as [`Operation::content_type`] says.
    fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
        Ok(None)
    }

    /// The body's media type: JSON, or form fields, text or bytes where the description says so.
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    /// Reads a 2xx response body: as [`FromBody`] says for the output type, unless the operation
    /// reads something other than JSON (a download, text).
    ///
    /// A provided method rather than one generated per operation: it is compiled only for the
    /// operations a program sends, so a crate of a thousand operations does not build a
    /// thousand JSON decoders it may never use.
    fn parse_success(status: http::StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        Self::Output::from_body(status, body)
    }
}

/// How a 2xx response body becomes an operation's output.
pub trait FromBody: Sized {
    fn from_body(status: http::StatusCode, body: &[u8]) -> Result<Self, DecodeError>;
}

/// An operation described with no response body: whatever comes is ignored.
impl FromBody for () {
    fn from_body(status: http::StatusCode, body: &[u8]) -> Result<Self, DecodeError> {
        decode_nothing(status, body)
    }
}

/// A JSON body; `None` for `204 No Content` or an empty body (see [`decode_optional`]).
impl<T: DeserializeOwned> FromBody for Option<T> {
    fn from_body(status: http::StatusCode, body: &[u8]) -> Result<Self, DecodeError> {
        decode_optional(status, body)
    }
}

/// An operation sent with extra headers, such as `ConsistencyLevel: eventual` (which `$count` and
/// `$search` on directory objects require): `client.send(&WithHeaders::new(&op).header(…))`.
/// The values are checked, like every header, when the request is built; the client's own headers
/// (`Authorization`, `Accept`, `Content-Type`, `User-Agent`, `client-request-id`) are not replaced.
pub struct WithHeaders<'o, O> {
    op: &'o O,
    headers: Vec<(&'static str, String)>,
}

impl<'o, O: Operation> WithHeaders<'o, O> {
    pub fn new(op: &'o O) -> Self {
        WithHeaders { op, headers: Vec::new() }
    }

    /// Adds one header, sent after the operation's own.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl<O: Operation> Operation for WithHeaders<'_, O> {
    type Output = O::Output;
    type Error = O::Error;
    const METHOD: http::Method = O::METHOD;

    fn path(&self) -> Result<String, RequestError> {
        self.op.path()
    }

    fn query(&self) -> Result<Vec<(QueryKey, String)>, RequestError> {
        self.op.query()
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = self.op.headers();
        headers.extend(self.headers.iter().cloned());
        headers
    }

    fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
        self.op.body()
    }

    fn parse_success(status: http::StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        O::parse_success(status, body)
    }
}

/// Builds the complete HTTP request for `op`, without sending it.
pub fn build_request<O: Operation>(
    op: &O,
    base_url: &BaseUrl,
    token: &BearerToken,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    // Without a service root the path alone would be sent as a relative URL; refuse instead.
    if base_url.as_str().is_empty() {
        return Err(RequestError::MissingBaseUrl);
    }
    build_request_at(op, base_url.as_str(), Some(token))
}

/// The request for `op` at `root` (the base URL, or `""` for a `$batch` item, whose URL is
/// relative to the version root), with the token when there is one: the one place a request is
/// assembled, so a batch item is exactly what a single send would be.
fn build_request_at<O: Operation>(
    op: &O,
    root: &str,
    token: Option<&BearerToken>,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut url = format!("{root}{}", op.path()?);
    let mut query = op.query()?;
    let scheme = if O::SENDS_CREDENTIALS { crate::AUTH } else { AuthScheme::None };
    if let (AuthScheme::ApiKeyQuery(name), Some(token)) = (scheme, token) {
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
    let mut builder = http::Request::builder().method(O::METHOD).uri(url).header(http::header::ACCEPT, O::ACCEPT);
    let headers = op.headers();
    if let Some((name, value)) = token.map(|token| token.credential_header(scheme)).transpose()?.flatten() {
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

/// Reads the response to `O`: 2xx through [`Operation::parse_success`], anything else as an
/// [`ApiError`] carrying the service's error body.
pub fn parse_response<O: Operation>(response: http::Response<Vec<u8>>) -> Result<O::Output, Error<O::Error>> {
    let status = response.status();
    if status.is_success() {
        return O::parse_success(status, response.body()).map_err(Error::Decode);
    }
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = response.body();
    let parsed = if body.iter().all(u8::is_ascii_whitespace) {
        ErrorBody::Empty
    } else {
        match serde_json::from_slice::<O::Error>(body) {
            Ok(e) => ErrorBody::Parsed(e),
            Err(_) => ErrorBody::Raw(body.to_vec()),
        }
    };
    Err(Error::Api(Box::new(ApiError {
        status,
        request_id: header("request-id"),
        client_request_id: header("client-request-id"),
        // A throttled answer the client did not retry (or one item of a batch) says when to come
        // back; an HTTP date is measured from now.
        retry_after: header("retry-after").and_then(|v| parse_retry_after(&v, std::time::SystemTime::now())),
        body: parsed,
    })))
}

/// Decodes a JSON body; an empty body (or 204) is `None`.
pub fn decode_optional<T: DeserializeOwned>(status: http::StatusCode, body: &[u8]) -> Result<Option<T>, DecodeError> {
    if status == http::StatusCode::NO_CONTENT || body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| DecodeError { status, path: e.path().to_string(), message: e.inner().to_string() })?;
    // Trailing bytes after the JSON value mean the body is not what was described either.
    de.end().map_err(|e| DecodeError { status, path: ".".to_string(), message: e.to_string() })?;
    Ok(Some(value))
}

/// Decodes a `text/plain` body, such as OData's `$count`; an empty body is `None`.
pub fn decode_text<T>(status: http::StatusCode, body: &[u8]) -> Result<Option<T>, DecodeError>
where
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if status == http::StatusCode::NO_CONTENT || text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|e: T::Err| DecodeError { status, path: ".".to_string(), message: e.to_string() })
}

/// Reads a download as it came; an empty body (or 204) is `None`.
pub fn decode_bytes(status: http::StatusCode, body: &[u8]) -> Result<Option<Vec<u8>>, DecodeError> {
    if status == http::StatusCode::NO_CONTENT || body.is_empty() {
        return Ok(None);
    }
    Ok(Some(body.to_vec()))
}

/// Encodes a struct's fields as `application/x-www-form-urlencoded`: `name=value` pairs sorted by
/// name, each percent-encoded, absent (`None`) fields left out, an array's items as repeated
/// pairs (OpenAPI's default for forms), and a nested object as its JSON text.
pub fn encode_form<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, RequestError> {
    let pairs = object_members(value).map_err(RequestError::Body)?;
    let encoded: Vec<String> =
        pairs.iter().map(|(name, value)| format!("{}={}", percent_encode(name, b""), percent_encode(value, b""))).collect();
    Ok(encoded.join("&").into_bytes())
}

/// The boundary between the parts of every `multipart/form-data` body. Fixed, so the content
/// type is a constant; a part that contains it is refused rather than sent broken.
pub const MULTIPART_BOUNDARY: &str = "graph-codegen-part-5f0c7a1e9b3d4c2a8e6f1d07";
/// The content type of every multipart body, naming [`MULTIPART_BOUNDARY`].
pub const MULTIPART_CONTENT_TYPE: &str = "multipart/form-data; boundary=graph-codegen-part-5f0c7a1e9b3d4c2a8e6f1d07";

/// One part's value in a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub enum PartValue<'a> {
    /// A file: sent as `application/octet-stream`, named after the part.
    File(&'a [u8]),
    /// A single value, as text.
    Text(String),
    /// An object or array, as `application/json`.
    Json(Vec<u8>),
}

/// Encodes `parts` as `multipart/form-data` (RFC 7578) with [`MULTIPART_BOUNDARY`].
pub fn encode_multipart(parts: &[(&str, PartValue<'_>)]) -> Result<Vec<u8>, RequestError> {
    let mut out = Vec::new();
    for (name, value) in parts {
        // A quote or line break would end the header early; HTML's form encoding escapes them so.
        let name = name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A");
        let (head, bytes) = match value {
            PartValue::File(bytes) => (
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n"),
                *bytes,
            ),
            PartValue::Text(text) => (format!("Content-Disposition: form-data; name=\"{name}\"\r\n"), text.as_bytes()),
            PartValue::Json(json) => (
                format!("Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n"),
                json.as_slice(),
            ),
        };
        if bytes.windows(MULTIPART_BOUNDARY.len()).any(|w| w == MULTIPART_BOUNDARY.as_bytes()) {
            return Err(RequestError::Body(format!("part `{name}` contains the multipart boundary")));
        }
        out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}\r\n{head}\r\n").as_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}--\r\n").as_bytes());
    Ok(out)
}

/// For operations whose success carries no body: whatever was sent is ignored.
pub fn decode_nothing(_status: http::StatusCode, _body: &[u8]) -> Result<(), DecodeError> {
    Ok(())
}

/// A 2xx response whose body did not match the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub status: http::StatusCode,
    /// Where in the JSON it failed, such as `value[3].installedDeviceCount` (`.` for the root).
    pub path: String,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path and message can quote the response (a member name, a value).
        let path = escape_for_display(&self.path, DISPLAY_TEXT_LIMIT);
        let message = escape_for_display(&self.message, DISPLAY_TEXT_LIMIT);
        write!(f, "response body ({}) did not match the description at `{path}`: {message}", self.status)
    }
}

/// How many characters of text from a response an error's `Display` shows; the error value keeps
/// all of it.
pub const DISPLAY_TEXT_LIMIT: usize = 1024;

/// `text` made safe to print: control characters (ESC, CR, LF, NUL, …) and bidirectional
/// overrides are written as `\u{…}`, so a response cannot drive a terminal or forge log lines, and
/// whatever follows the first `limit` characters is replaced by a count of its bytes.
pub fn escape_for_display(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit));
    for (shown, (at, c)) in text.char_indices().enumerate() {
        if shown == limit {
            out.push_str(&format!("… ({} more bytes)", text.len() - at));
            break;
        }
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

impl std::error::Error for DecodeError {}

/// A non-2xx response.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError<E> {
    pub status: http::StatusCode,
    /// The `request-id` response header, which Microsoft support asks for.
    pub request_id: Option<String>,
    /// The `client-request-id` the request was sent with, as the service echoes it (the client
    /// sends a fresh one with each request; the service's echo wins if they differ).
    pub client_request_id: Option<String>,
    /// The response's `Retry-After` (a 429 or 503 the client did not retry, or a throttled item
    /// of a [`Batch`], which the client never retries on its own): how long to wait before
    /// sending it again.
    pub retry_after: Option<std::time::Duration>,
    pub body: ErrorBody<E>,
}

/// The body of a non-2xx response.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody<E> {
    /// It parsed as the described error type.
    Parsed(E),
    /// It did not; here it is byte for byte as received (nothing decoded, escaped or cut:
    /// [`ErrorBody::text`] decodes, `Display` escapes and cuts).
    Raw(Vec<u8>),
    /// There was none.
    Empty,
}

impl<E> ErrorBody<E> {
    /// A raw body as text, bytes that are not UTF-8 replaced by U+FFFD; `None` unless
    /// [`ErrorBody::Raw`].
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            ErrorBody::Raw(bytes) => Some(String::from_utf8_lossy(bytes)),
            ErrorBody::Parsed(_) | ErrorBody::Empty => None,
        }
    }
}

/// Everything an operation can fail with. Its `Display` is a sentence for people (status, the
/// service's `code` and `message`, `request-id`, `client-request-id`); match on it to act:
///
/// ```
#[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::Error;")]
///
/// /// What to do after `error`, given back by any operation of this crate.
/// fn next_step<E: std::fmt::Debug + serde::Serialize>(error: &Error<E>) -> String {
///     match error {
///         Error::Api(e) if e.status == 404 => "gone: drop it from the list".to_string(),
///         Error::Api(e) if e.status == 429 => format!("throttled: try again after {:?}", e.retry_after),
///         // Sent, maybe received: quote the id to Graph's support before resending.
///         Error::Transport { client_request_id, .. } => format!("unknown outcome ({client_request_id:?})"),
///         other => format!("failed: {other}"),
///     }
/// }
/// ```
#[derive(Debug)]
pub enum Error<E> {
    /// The request could not be built; nothing was sent.
    Request(RequestError),
    /// Connecting, sending or receiving failed. The request may have reached the service:
    /// `client_request_id` is the id it was sent with, for support to find it.
    Transport {
        source: Box<dyn std::error::Error + Send + Sync>,
        client_request_id: Option<String>,
    },
    /// The service answered with a non-2xx status. Boxed: it carries the whole error body, and
    /// a large `Err` would make every `Result` of the crate large.
    Api(Box<ApiError<E>>),
    /// The service answered 2xx with a body that did not match the description.
    Decode(DecodeError),
    /// No token could be had from the client's token provider; nothing was sent.
    Credential(Box<dyn std::error::Error + Send + Sync>),
}

impl<E: fmt::Debug + serde::Serialize> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Request(e) => write!(f, "{e}"),
            Error::Transport { source, client_request_id } => {
                write!(f, "transport error: {source}")?;
                match client_request_id {
                    Some(id) => write!(f, " (client-request-id {})", escape_for_display(id, DISPLAY_TEXT_LIMIT)),
                    None => Ok(()),
                }
            }
            Error::Api(e) => write!(f, "{e}"),
            Error::Decode(e) => write!(f, "{e}"),
            Error::Credential(e) => write!(f, "could not get a token: {e}"),
        }
    }
}

/// For a person or a log line: the status, the service's `code` and `message` where the body
/// has them (OData's `{"error": {"code", "message"}}` or the two at the top), then the ids
/// support asks for. Text from the response is escaped and cut (see [`escape_for_display`]).
impl<E: fmt::Debug + serde::Serialize> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |text: &str| escape_for_display(text, DISPLAY_TEXT_LIMIT);
        write!(f, "the service answered {}", self.status)?;
        match &self.body {
            ErrorBody::Parsed(body) => {
                let value = serde_json::to_value(body).unwrap_or_default();
                let detail = value.get("error").filter(|e| e.is_object()).unwrap_or(&value);
                let text = |key: &str| detail.get(key).and_then(serde_json::Value::as_str).filter(|t| !t.is_empty());
                match (text("code"), text("message")) {
                    (Some(code), Some(message)) => write!(f, ": {}: {}", show(code), show(message))?,
                    (Some(one), None) | (None, Some(one)) => write!(f, ": {}", show(one))?,
                    (None, None) => write!(f, ": {}", show(&value.to_string()))?,
                }
            }
            ErrorBody::Raw(bytes) => write!(f, ": {}", show(&String::from_utf8_lossy(bytes)))?,
            ErrorBody::Empty => {}
        }
        let ids = [("request-id", &self.request_id), ("client-request-id", &self.client_request_id)];
        for (i, (name, id)) in ids.iter().filter_map(|(name, id)| Some((name, id.as_deref()?))).enumerate() {
            write!(f, "{}{name} {}", if i == 0 { " (" } else { ", " }, show(id))?;
        }
        if ids.iter().any(|(_, id)| id.is_some()) {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + serde::Serialize> std::error::Error for Error<E> {}

/// When and how long the client waits before resending a throttled request, as Microsoft Graph asks
/// (<https://learn.microsoft.com/graph/throttling>). The decision is [`retry_decision`]; the client
/// only sleeps.
///
/// Rules, in order:
/// 1. Only `429 Too Many Requests`, `503 Service Unavailable` and `504 Gateway Timeout` are retried.
///    Transport errors and timeouts are not: the request may have reached the service.
/// 2. GET, HEAD, OPTIONS, PUT, DELETE and TRACE are retried; PATCH, POST and any other method only
///    with `retry_non_idempotent`, since the service may have applied the first one.
/// 3. At most `max_attempts` sends in all, the first included (0 counts as 1).
/// 4. The wait is the response's `Retry-After` (delta-seconds or an HTTP date), taken as it is;
///    without one (or with one that does not parse) it is a backoff of `base_delay * 2^(retry - 1)`,
///    capped at `max_delay`, of which a random part is taken: between half of it and all of it
///    ("equal jitter"), so that clients throttled together do not all come back together.
/// 5. A wait that would end more than `max_total` after the first send began is not started: the
///    response is returned as the error at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends in all, the first included; 1 never retries.
    pub max_attempts: u32,
    /// Time budget from the first send to the end of the last wait.
    pub max_total: std::time::Duration,
    /// The first backoff when the response has no usable `Retry-After`; it doubles on each retry.
    pub base_delay: std::time::Duration,
    /// Cap on a backoff (not on `Retry-After`: the service's word is kept, within `max_total`).
    pub max_delay: std::time::Duration,
    /// Also retry PATCH, POST and other methods that are not idempotent.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    /// 4 sends, 60 s in all, backoff 3 s, 6 s, 12 s (capped at 30 s), idempotent methods only;
    /// the count and first delay are those of Graph's own SDKs.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_total: std::time::Duration::from_secs(60),
            base_delay: std::time::Duration::from_secs(3),
            max_delay: std::time::Duration::from_secs(30),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// Sends once and returns whatever comes back.
    pub fn never() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }
}

/// What to do after a response: wait and resend, or return it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send again.
    Retry(std::time::Duration),
    /// Return the response as it is.
    Stop(StopReason),
}

/// Why a response is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The status is not 429, 503 or 504.
    NotThrottled,
    /// The method is not idempotent and the policy does not opt in.
    NotIdempotent,
    /// `max_attempts` sends were made.
    AttemptsExhausted,
    /// The wait would end past `max_total`.
    OverBudget,
}

/// Decides whether to resend after the `attempts`-th send (counting from 1) came back with `status`
/// and `headers`, `elapsed` after the first send began; `now` dates an HTTP-date `Retry-After`, and
/// `roll`, a uniform random number in `[0, 1]`, places a backoff in its jitter range (0 gives
/// half the backoff, 1 all of it; anything else, NaN included, is clamped). Pure, so the policy
/// is tested without a server, a clock or a random source.
#[allow(clippy::too_many_arguments)] // Each is an input the decision is a function of.
pub fn retry_decision(
    policy: &RetryPolicy,
    method: &http::Method,
    status: http::StatusCode,
    headers: &http::HeaderMap,
    attempts: u32,
    elapsed: std::time::Duration,
    now: std::time::SystemTime,
    roll: f64,
) -> RetryDecision {
    use http::{Method, StatusCode};
    let throttled = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT);
    if !throttled {
        return RetryDecision::Stop(StopReason::NotThrottled);
    }
    let idempotent = [Method::GET, Method::HEAD, Method::OPTIONS, Method::PUT, Method::DELETE, Method::TRACE].contains(method);
    if !idempotent && !policy.retry_non_idempotent {
        return RetryDecision::Stop(StopReason::NotIdempotent);
    }
    if attempts >= policy.max_attempts.max(1) {
        return RetryDecision::Stop(StopReason::AttemptsExhausted);
    }
    let delay = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now))
        .unwrap_or_else(|| {
            let factor = 2u32.saturating_pow(attempts.saturating_sub(1));
            let backoff = policy.base_delay.saturating_mul(factor).min(policy.max_delay);
            let roll = if roll.is_nan() { 1.0 } else { roll.clamp(0.0, 1.0) };
            backoff / 2 + (backoff / 2).mul_f64(roll)
        });
    if elapsed.saturating_add(delay) > policy.max_total {
        return RetryDecision::Stop(StopReason::OverBudget);
    }
    RetryDecision::Retry(delay)
}

/// Reads a `Retry-After` value: delta-seconds, or an HTTP date (IMF-fixdate, RFC 850 or asctime)
/// measured from `now` (a date already past is zero). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<std::time::Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "later than any budget".
        return Some(value.parse::<u64>().map(std::time::Duration::from_secs).unwrap_or(std::time::Duration::MAX));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(std::time::Duration::ZERO))
}

/// Parses the three date formats HTTP/1.1 recipients must accept (RFC 9110, section 5.6.7).
pub fn parse_http_date(value: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let (day, month, year, time) = match parts.as_slice() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        [weekday, day, month, year, time, "GMT"] if weekday.ends_with(',') => (*day, *month, year.parse::<i64>().ok()?, *time),
        // Sunday, 06-Nov-94 08:49:37 GMT
        [weekday, date, time, "GMT"] if weekday.ends_with(',') => {
            let mut fields = date.split('-');
            let (day, month, year) = (fields.next()?, fields.next()?, fields.next()?);
            if fields.next().is_some() || year.len() != 2 {
                return None;
            }
            let year = year.parse::<i64>().ok()?;
            (day, month, if year < 70 { 2000 + year } else { 1900 + year }, *time)
        }
        // Sun Nov  6 08:49:37 1994
        [_weekday, month, day, time, year] => (*day, *month, year.parse::<i64>().ok()?, *time),
        _ => return None,
    };
    let month = 1 + ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| *m == month)?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    // A date that does not exist (31 Feb) is not read as the one it would roll over to.
    let day = day.parse::<i64>().ok().filter(|d| (1..=month_days).contains(d))?;
    let mut hms = time.split(':').map(|n| n.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..=60).contains(&s) {
        return None;
    }
    if !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, i64::try_from(month).ok()?, day);
    let secs = u64::try_from(days * 86_400 + h * 3_600 + m * 60 + s).ok()?;
    std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The most requests Graph accepts in one `$batch`.
pub const BATCH_LIMIT: usize = 20;

/// Operations sent together as JSON batches (`POST {base}/$batch`), each read back as if it had
/// been sent alone (<https://learn.microsoft.com/graph/json-batching>).
///
/// [`Batch::add`] builds an operation's request with the code a single send uses and returns a
/// typed [`BatchKey`]; [`BatchResponses::get`] reads that item's answer with the code a single
/// send uses, so an item's 404 is that item's [`Error::Api`] with its `ODataError`, and an
/// item's 429 is its error with [`ApiError::retry_after`]. Items go out in the order added,
/// [`BATCH_LIMIT`] to a POST ([`Batch::posts`]); a `dependsOn` must stay within one POST, since
/// Graph resolves it only there, and is refused when it would not.
///
/// Two operations of any types in one round trip, the second run after the first:
///
/// ```no_run
#[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::{Batch, Client, Error, Operation};")]
///
/// async fn send_pair<A: Operation, B: Operation>(
///     client: &Client,
///     first: &A,
///     second: &B,
/// ) -> Result<(Option<A::Output>, Option<B::Output>), Box<dyn std::error::Error>> {
///     let mut batch = Batch::new();
///     let a = batch.add(first)?;
///     let b = batch.add_after(second, &[a.id()])?;
///     let answers = client.send_batch(&batch).await?;
///     // Each answer reads as if its operation had been sent alone.
///     let second = match answers.get(&b) {
///         Ok(output) => Some(output),
///         Err(Error::Api(e)) if e.status == 429 => {
///             println!("throttled: send it again after {:?}", e.retry_after);
///             None
///         }
///         Err(_) => None,
///     };
///     Ok((answers.get(&a).ok(), second))
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Batch {
    items: Vec<BatchItem>,
}

/// One request of a batch, as Graph's `$batch` body writes it; its `url` is relative to the
/// version root (`/users/x?$select=id`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BatchItem {
    pub id: String,
    pub method: String,
    pub url: String,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    #[serde(rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// Which item of a [`Batch`] holds an `O`, and so how its response is read.
pub struct BatchKey<O> {
    id: String,
    // `fn() -> O`: the key neither owns an `O` nor limits where it may be sent.
    op: std::marker::PhantomData<fn() -> O>,
}

impl<O> BatchKey<O> {
    /// The item's `id` in the batch, for [`Batch::add_after`] and [`BatchResponses::response`].
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl<O> Clone for BatchKey<O> {
    fn clone(&self) -> Self {
        BatchKey { id: self.id.clone(), op: std::marker::PhantomData }
    }
}

impl<O> fmt::Debug for BatchKey<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BatchKey").field(&self.id).finish()
    }
}

impl Batch {
    pub fn new() -> Self {
        Batch::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items as they will be sent.
    pub fn items(&self) -> &[BatchItem] {
        &self.items
    }

    /// Adds `op`, built now exactly as [`build_request`] builds it (the token aside: the batch
    /// POST carries it).
    pub fn add<O: Operation>(&mut self, op: &O) -> Result<BatchKey<O>, RequestError> {
        self.add_after(op, &[])
    }

    /// Adds `op`, to run after the items `depends_on` names ([`BatchKey::id`]) have run; Graph
    /// answers it `424 Failed Dependency` if one of them failed. Each must be an earlier item
    /// that goes in the same POST of [`BATCH_LIMIT`].
    pub fn add_after<O: Operation>(&mut self, op: &O, depends_on: &[&str]) -> Result<BatchKey<O>, RequestError> {
        let index = self.items.len();
        let id = (index + 1).to_string();
        for dependency in depends_on {
            let Some(at) = self.items.iter().position(|item| item.id == *dependency) else {
                return Err(RequestError::Batch(format!("item {id} depends on {dependency:?}, which is not an earlier item of this batch")));
            };
            if at / BATCH_LIMIT != index / BATCH_LIMIT {
                let first = index / BATCH_LIMIT * BATCH_LIMIT + 1;
                return Err(RequestError::Batch(format!(
                    "item {id} depends on item {dependency}, which goes in an earlier POST (items {first} to {} go together); Graph resolves dependsOn only within one batch",
                    first + BATCH_LIMIT - 1
                )));
            }
        }
        let (parts, body) = build_request_at(op, "", None)?.into_parts();
        let mut headers = std::collections::BTreeMap::new();
        for (name, value) in &parts.headers {
            let Ok(text) = value.to_str() else {
                return Err(RequestError::Batch(format!("item {id}: header `{name}` is not text a JSON batch can carry")));
            };
            headers.insert(name.as_str().to_string(), text.to_string());
        }
        let body = if body.is_empty() {
            None
        } else {
            Some(serde_json::from_slice(&body).map_err(|e| RequestError::Body(e.to_string()))?)
        };
        self.items.push(BatchItem {
            id: id.clone(),
            method: parts.method.as_str().to_string(),
            url: parts.uri.to_string(),
            headers,
            body,
            depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        });
        Ok(BatchKey { id, op: std::marker::PhantomData })
    }

    /// The POSTs the batch is sent as, in order, [`BATCH_LIMIT`] items to each.
    pub fn posts(&self) -> impl Iterator<Item = BatchPost<'_>> {
        self.items.chunks(BATCH_LIMIT).map(|items| BatchPost { items })
    }
}

/// One `POST /$batch` of at most [`BATCH_LIMIT`] items: an [`Operation`] like any other, so it is
/// built, sent and read (a whole-batch error included) by the same code as every operation.
#[derive(Debug, Clone, Copy)]
pub struct BatchPost<'b> {
    items: &'b [BatchItem],
}

impl BatchPost<'_> {
    pub fn items(&self) -> &[BatchItem] {
        self.items
    }
}

impl Operation for BatchPost<'_> {
    type Output = BatchResponses;
    /// The batch as a whole failed: the body as it came (Graph's `ODataError` shape).
    type Error = serde_json::Value;
    const METHOD: http::Method = http::Method::POST;

    fn path(&self) -> Result<String, RequestError> {
        Ok("/$batch".to_string())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            requests: &'a [BatchItem],
        }
        serde_json::to_vec(&Body { requests: self.items }).map(Some).map_err(|e| RequestError::Body(e.to_string()))
    }
}

/// `$batch`'s answer: each item's status, headers and body, read later as its own operation's.
impl FromBody for BatchResponses {
    fn from_body(status: http::StatusCode, body: &[u8]) -> Result<Self, DecodeError> {
        #[derive(serde::Deserialize)]
        struct Body {
            responses: Vec<Answer>,
        }
        #[derive(serde::Deserialize)]
        struct Answer {
            id: String,
            status: u16,
            /// Values are strings in Graph's answers; anything else is kept as its JSON text
            /// rather than failing every other item.
            #[serde(default)]
            headers: std::collections::BTreeMap<String, serde_json::Value>,
            #[serde(default)]
            body: Option<serde_json::Value>,
        }
        let Some(Body { responses }) = decode_optional::<Body>(status, body)? else {
            return Err(DecodeError { status, path: ".".to_string(), message: "the batch response has no body".to_string() });
        };
        let mut read = BatchResponses::default();
        for (i, answer) in responses.into_iter().enumerate() {
            let item_status = http::StatusCode::from_u16(answer.status).map_err(|_| DecodeError {
                status,
                path: format!("responses[{i}].status"),
                message: format!("{} is not an HTTP status", answer.status),
            })?;
            let mut response = http::Response::new(Vec::new());
            *response.status_mut() = item_status;
            let mut is_json = false;
            for (name, value) in &answer.headers {
                let value = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                if name.eq_ignore_ascii_case("content-type") {
                    is_json = value.to_ascii_lowercase().contains("json");
                }
                // A header HTTP could not carry is left out rather than failing the other items.
                if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(name.as_str()), http::HeaderValue::try_from(value)) {
                    response.headers_mut().append(name, value);
                }
            }
            *response.body_mut() = match answer.body {
                None => Vec::new(),
                // Graph carries a body that is not JSON (a `$count`'s text) as a JSON string.
                Some(serde_json::Value::String(text)) if !is_json => text.into_bytes(),
                Some(value) => serde_json::to_vec(&value).unwrap_or_default(),
            };
            read.responses.insert(answer.id, response);
        }
        Ok(read)
    }
}

/// The answers to a [`Batch`], by item id.
#[derive(Debug, Default)]
pub struct BatchResponses {
    responses: std::collections::BTreeMap<String, http::Response<Vec<u8>>>,
}

impl BatchResponses {
    /// `key`'s answer, read by [`parse_response`] as if its operation had been sent alone. An item
    /// the service did not answer is an [`Error::Decode`] naming it.
    pub fn get<O: Operation>(&self, key: &BatchKey<O>) -> Result<O::Output, Error<O::Error>> {
        let Some(answer) = self.responses.get(&key.id) else {
            return Err(Error::Decode(DecodeError {
                status: http::StatusCode::OK,
                path: "responses".to_string(),
                message: format!("the batch response has no answer for item {}", key.id),
            }));
        };
        let mut response = http::Response::new(answer.body().clone());
        *response.status_mut() = answer.status();
        *response.headers_mut() = answer.headers().clone();
        parse_response::<O>(response)
    }

    /// An item's answer as it came: status, headers and body.
    pub fn response(&self, id: &str) -> Option<&http::Response<Vec<u8>>> {
        self.responses.get(id)
    }

    pub fn len(&self) -> usize {
        self.responses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    /// Adds the answers of another POST of the same batch.
    pub fn extend(&mut self, other: BatchResponses) {
        self.responses.extend(other.responses);
    }
}
