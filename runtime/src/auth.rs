//! Credentials: how a description says requests are authenticated, and the secret the client
//! sends as it says.

use crate::error::RequestError;
use std::fmt;

/// How a description says requests are authenticated: a generated crate's scheme is in its
/// [`Service`](crate::Service), and [`build_request`](crate::build_request) applies it to the
/// client's [`BearerToken`].
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
/// the operation's [`Service::auth`](crate::Service::auth) says (an API key, `user:password`). It never appears in `Debug` output or in
/// errors.
#[derive(Clone)]
pub struct BearerToken(pub(crate) String);

impl BearerToken {
    pub fn new(token: impl Into<String>) -> Self {
        BearerToken(token.into())
    }

    pub(crate) fn header_value(&self) -> Result<http::HeaderValue, RequestError> {
        sensitive_header(format!("Bearer {}", self.0))
    }

    /// The header `scheme` sends the token in, with its value; None when it sends none there.
    pub(crate) fn credential_header(&self, scheme: AuthScheme) -> Result<Option<(http::HeaderName, http::HeaderValue)>, RequestError> {
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
