//! Reading an operation's HTTP response. No I/O happens here.

use crate::budget::{BodyError, decode_json_body};
use crate::error::{ApiError, DecodeError, Error, ErrorBody};
use crate::operation::Operation;
use crate::retry::parse_retry_after;
use serde::de::DeserializeOwned;
use std::fmt;

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
        match decode_json_body::<O::Error>(body) {
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

/// Decodes a JSON body within the memory limit in force ([`crate::decode_within`]); an empty
/// body (or 204) is `None`.
pub fn decode_optional<T: DeserializeOwned>(status: http::StatusCode, body: &[u8]) -> Result<Option<T>, DecodeError> {
    if status == http::StatusCode::NO_CONTENT || body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // Trailing bytes after the JSON value mean the body is not what was described either.
    decode_json_body(body).map(Some).map_err(|BodyError { path, message }| DecodeError { status, path, message })
}

/// Decodes a `text/plain` body, such as OData's `$count`; an empty body is `None`.
pub fn decode_text<T>(status: http::StatusCode, body: &[u8]) -> Result<Option<T>, DecodeError>
where
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    let text = String::from_utf8_lossy(body);
    let mut text = text.trim().to_string();
    if status == http::StatusCode::NO_CONTENT || text.is_empty() {
        return Ok(None);
    }
    // The same text as a JSON string (`"7"`): how a `$batch` answer may carry a `$count`.
    if let Some(unquoted) = text.starts_with('"').then(|| serde_json::from_str::<String>(&text).ok()).flatten() {
        text = unquoted.trim().to_string();
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

/// For operations whose success carries no body: whatever was sent is ignored.
pub fn decode_nothing(_status: http::StatusCode, _body: &[u8]) -> Result<(), DecodeError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `$count` inside a `$batch` answer may come as a JSON string.
    #[test]
    fn text_is_read_as_sent_or_as_a_json_string() {
        let ok = http::StatusCode::OK;
        assert_eq!(decode_text::<i64>(ok, b"12\n"), Ok(Some(12)));
        assert_eq!(decode_text::<i64>(ok, br#""7""#), Ok(Some(7)));
        assert_eq!(decode_text::<String>(ok, br#""a \"quoted\" word""#), Ok(Some("a \"quoted\" word".to_string())));
        assert!(decode_text::<i64>(ok, br#""seven""#).is_err());
    }
}
