//! What a generated crate says about the service it calls, and the service root requests go to.

use crate::auth::AuthScheme;
use crate::error::RequestError;

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
    fn trusted(url: &str) -> Self {
        BaseUrl(url.trim_end_matches('/').to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a generated crate says about the service its operations call: all that differs, in the
/// runtime's eyes, from one generated crate to another. Each generated crate has one (its
/// `SERVICE`), and each of its operations names it ([`Operation::service`]), so that one
/// [`Client`] can send the operations of several crates, each to its own service.
///
/// [`Operation::service`]: crate::Operation::service
/// [`Client`]: crate::Client
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The service root named by the description's first server; empty when it names none (a
    /// client then needs one of its own: [`RequestError::MissingBaseUrl`] until it has it).
    pub default_base_url: &'static str,
    /// How the description says requests are authenticated.
    pub auth: AuthScheme,
    /// The `User-Agent` requests carry unless the client names another: the generated crate's
    /// name and version, which is what the service's support and logs tell clients apart by.
    pub user_agent: &'static str,
}

impl Service {
    /// [`Service::default_base_url`] as a [`BaseUrl`] (empty when there is none).
    pub fn base_url(&self) -> BaseUrl {
        BaseUrl::trusted(self.default_base_url)
    }
}
