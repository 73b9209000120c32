//! One API operation: the trait every generated request type implements.

use crate::error::{DecodeError, RequestError};
use crate::params::QueryKey;
use crate::response::{decode_nothing, decode_optional};
use crate::service::Service;
use serde::de::DeserializeOwned;

/// One API operation: how to build its request and read its response. Implemented by every
/// request type of a generated crate's `operations`, and by [`Batch`](crate::graph::Batch)'s POSTs.
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

    /// The service the operation belongs to: its default root, its credentials, its
    /// `User-Agent` (the generated crate's [`Service`]).
    fn service(&self) -> &'static Service;

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

    /// Adds one header, sent after the operation's own; it replaces a header of the operation's
    /// of the same name (names compare without case).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl<O: Operation> Operation for WithHeaders<'_, O> {
    type Output = O::Output;
    type Error = O::Error;
    const METHOD: http::Method = O::METHOD;
    const ACCEPT: &'static str = O::ACCEPT;
    const SENDS_CREDENTIALS: bool = O::SENDS_CREDENTIALS;

    fn service(&self) -> &'static Service {
        self.op.service()
    }

    fn path(&self) -> Result<String, RequestError> {
        self.op.path()
    }

    fn query(&self) -> Result<Vec<(QueryKey, String)>, RequestError> {
        self.op.query()
    }

    /// The operation's headers, then the added ones; an added header replaces the operation's
    /// header of the same name (a typed `consistency_level` and a `ConsistencyLevel` added by
    /// hand send one header, the added one).
    fn headers(&self) -> Vec<(&'static str, String)> {
        let added = |name: &str| self.headers.iter().any(|(own, _)| own.eq_ignore_ascii_case(name));
        let mut headers: Vec<(&'static str, String)> = self.op.headers().into_iter().filter(|(name, _)| !added(name)).collect();
        headers.extend(self.headers.iter().cloned());
        headers
    }

    fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
        self.op.body()
    }

    fn content_type(&self) -> &'static str {
        self.op.content_type()
    }

    fn parse_success(status: http::StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        O::parse_success(status, body)
    }
}
