//! The async client: sends the requests that `operations` builds, over `reqwest` with rustls.

use crate::runtime::{build_request, parse_response, BaseUrl, BearerToken, Error, Operation, RequestError};
use std::fmt;

/// A Microsoft Graph client holding a base URL and a bearer token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: BaseUrl,
    token: BearerToken,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base_url", &self.base_url).field("token", &self.token).finish()
    }
}

impl Client {
    /// A client for the default service root, with its own connection pool.
    pub fn new(token: BearerToken) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder().build()?;
        Ok(Self::with_http_client(http, token))
    }

    /// A client on a `reqwest::Client` you configured (timeouts, proxies, pool).
    pub fn with_http_client(http: reqwest::Client, token: BearerToken) -> Self {
        Client { http, base_url: crate::default_base_url(), token }
    }

    /// Sends requests to another service root, such as a national cloud or a test server.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, RequestError> {
        self.base_url = BaseUrl::parse(base_url)?;
        Ok(self)
    }

    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    /// Sends any operation and reads its response.
    pub async fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error<O::Error>> {
        let request = build_request(op, &self.base_url, &self.token).map_err(Error::Request)?;
        let request = reqwest::Request::try_from(request).map_err(|e| Error::Transport(Box::new(e)))?;
        let response = self.http.execute(request).await.map_err(|e| Error::Transport(Box::new(e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| Error::Transport(Box::new(e)))?;
        let mut parts = http::Response::new(body.to_vec());
        *parts.status_mut() = status;
        *parts.headers_mut() = headers;
        parse_response::<O>(parts)
    }
}
