//! Everything an operation can fail with, and how an error shows text from a response.

use std::fmt;

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
    /// An operation cannot go into a [`Batch`](crate::graph::Batch) as asked (a `dependsOn` it cannot keep, a header
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

/// `text` made safe to print: control characters (ESC, CR, LF, NUL, …) and the bidirectional
/// controls (marks, embeddings, overrides, isolates) are written as `\u{…}`, so a response cannot drive a terminal,
/// forge log lines or reorder what is shown, and whatever follows the first `limit` characters is
/// replaced by a count of its bytes.
pub fn escape_for_display(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit));
    for (shown, (at, c)) in text.char_indices().enumerate() {
        if shown == limit {
            out.push_str(&format!("… ({} more bytes)", text.len() - at));
            break;
        }
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The characters that reorder text on screen: the marks (U+200E, U+200F), embeddings and
/// overrides (U+202A–U+202E) and isolates (U+2066–U+2069). The runtime's one list of them; the
/// generator keeps the same set for what it writes into code.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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
    /// of a [`Batch`](crate::graph::Batch), which the client never retries on its own): how long to wait before
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
    Transport { source: Box<dyn std::error::Error + Send + Sync>, client_request_id: Option<String> },
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
                // The causes too: reqwest's own text ("error sending request") says nothing of
                // why ("connection refused"), which is in its sources.
                write!(f, "transport error: {}", escape_for_display(&source.to_string(), DISPLAY_TEXT_LIMIT))?;
                let mut cause = source.source();
                while let Some(next) = cause {
                    write!(f, ": {}", escape_for_display(&next.to_string(), DISPLAY_TEXT_LIMIT))?;
                    cause = next.source();
                }
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

impl<E: serde::Serialize> Error<E> {
    /// The service's error code (`Request_ResourceNotFound`, `ErrorItemNotFound`, …) where the
    /// service answered with one: OData's `{"error": {"code": …}}`, or a `code` at the top.
    pub fn service_code(&self) -> Option<String> {
        match self {
            Error::Api(e) => e.service_code(),
            Error::Request(_) | Error::Transport { .. } | Error::Decode(_) | Error::Credential(_) => None,
        }
    }

    /// The HTTP status the service answered with, for an [`Error::Api`].
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Request(_) | Error::Transport { .. } | Error::Decode(_) | Error::Credential(_) => None,
        }
    }
}

impl<E: serde::Serialize> ApiError<E> {
    /// The service's error code, read from the parsed body or from a raw JSON one: OData's
    /// `{"error": {"code": …}}`, or a `code` at the top.
    pub fn service_code(&self) -> Option<String> {
        let value = match &self.body {
            ErrorBody::Parsed(body) => serde_json::to_value(body).ok()?,
            ErrorBody::Raw(bytes) => serde_json::from_slice(bytes).ok()?,
            ErrorBody::Empty => return None,
        };
        let detail = value.get("error").filter(|e| e.is_object()).unwrap_or(&value);
        detail.get("code").and_then(serde_json::Value::as_str).filter(|code| !code.is_empty()).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_s_display_escapes_every_bidi_control() {
        let error = DecodeError {
            status: http::StatusCode::OK,
            path: "a\u{200e}b".to_string(),
            message: "\u{200f}x\u{202a}\u{202e}\u{2066}\u{2069}".to_string(),
        };
        let shown = error.to_string();
        assert!(!shown.contains(is_bidi_control), "{shown:?}");
        assert!(shown.contains(r"`a\u{200e}b`"), "{shown}");
        assert!(shown.ends_with(r"\u{200f}x\u{202a}\u{202e}\u{2066}\u{2069}"), "{shown}");
    }
}
