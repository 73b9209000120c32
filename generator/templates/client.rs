//! The async client: sends the requests that `operations` builds, over `reqwest` with rustls,
//! retrying throttled ones under a [`RetryPolicy`]. It needs a Tokio runtime with timers enabled,
//! as `reqwest` does.

use crate::paging::{Page, Pager};
use crate::runtime::{
    build_request, parse_response, retry_decision, BaseUrl, BearerToken, Error, Operation, RequestError, RetryDecision,
    RetryPolicy,
};
use futures_util::{Stream, TryStreamExt};
use std::fmt;
use std::time::{Duration, Instant, SystemTime};

/// How long one send may take, from connecting to the end of the response body, unless
/// [`Client::with_timeout`] says otherwise (the figure .NET's `HttpClient`, under Graph's SDK, uses).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

/// The largest response body the client reads unless [`Client::with_max_response_bytes`] says
/// otherwise: far above any JSON page Graph sends, far below what would exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

/// A Microsoft Graph client holding a base URL, a bearer token, a retry policy, a timeout and a
/// limit on response size.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: BaseUrl,
    token: BearerToken,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    max_response_bytes: usize,
}

/// A response body longer than the client's limit ([`Client::with_max_response_bytes`]); the
/// send fails with it as an [`Error::Transport`], having read no more than the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTooLarge {
    pub limit: usize,
}

impl fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the response body is larger than the client's limit of {} bytes", self.limit)
    }
}

impl std::error::Error for ResponseTooLarge {}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl Client {
    /// A client for the default service root, with its own connection pool, the default
    /// [`RetryPolicy`] and [`DEFAULT_TIMEOUT`].
    pub fn new(token: BearerToken) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder().build()?;
        Ok(Self::with_http_client(http, token).with_timeout(DEFAULT_TIMEOUT))
    }

    /// A client on a `reqwest::Client` you configured (timeouts, proxies, pool), with the default
    /// [`RetryPolicy`]. It keeps that client's timeout until [`Client::with_timeout`] sets one
    /// per send, which then takes precedence.
    pub fn with_http_client(http: reqwest::Client, token: BearerToken) -> Self {
        Client {
            http,
            base_url: crate::default_base_url(),
            token,
            retry: RetryPolicy::default(),
            timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Sends requests to another service root, such as a national cloud or a test server.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, RequestError> {
        self.base_url = BaseUrl::parse(base_url)?;
        Ok(self)
    }

    /// Retries throttled requests under `policy`; [`RetryPolicy::never`] turns retrying off.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Limits each send (each retry gets its own) to `timeout`; past it the send fails with
    /// [`Error::Transport`] and is not retried.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Leaves each send without a timeout of its own (the `reqwest::Client`'s, if any, applies).
    pub fn without_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Reads at most `limit` bytes of any response body; a longer one fails the send with
    /// [`ResponseTooLarge`] (inside [`Error::Transport`]) and is not retried.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Sends any operation and reads its response, resending it while [`retry_decision`] says so.
    pub async fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error<O::Error>> {
        let response = self.execute(&O::METHOD, || build_request(op, &self.base_url, &self.token)).await?;
        parse_response::<O>(response)
    }

    /// Sends an operation it is given to keep: what each generated per-operation method returns.
    /// Those methods are plain functions, so a crate with a thousand of them type-checks one
    /// async body (this one) instead of a thousand.
    pub async fn send_owned<O: Operation>(&self, op: O) -> Result<O::Output, Error<O::Error>> {
        self.send(&op).await
    }

    /// Every page of a paged listing (`x-ms-pageable`), following `@odata.nextLink` on the same
    /// service; the stream ends after the last page or the first error.
    pub fn pages<'a, O, P>(&'a self, op: &'a O) -> impl Stream<Item = Result<Vec<P::Item>, Error<O::Error>>> + 'a
    where
        O: Operation<Output = Option<P>>,
        P: Page + 'a,
    {
        futures_util::stream::unfold(Some(Pager::new(op)), move |state| async move {
            let mut pager = state?;
            // The state is only kept while the pager has a next page; the closure rebuilds that
            // page's request for each retry.
            let next = || {
                pager
                    .next_request(&self.base_url, &self.token)
                    .unwrap_or_else(|| Err(RequestError::Build("the listing has no further page".to_string())))
            };
            let result = match self.execute(&http::Method::GET, next).await {
                Ok(response) => pager.read_page(response),
                Err(e) => Err(e),
            };
            let state = if result.is_err() || pager.is_done() { None } else { Some(pager) };
            Some((result, state))
        })
    }

    /// Every item of a paged listing, page after page.
    pub fn items<'a, O, P>(&'a self, op: &'a O) -> impl Stream<Item = Result<P::Item, Error<O::Error>>> + 'a
    where
        O: Operation<Output = Option<P>>,
        P: Page + 'a,
    {
        self.pages(op).map_ok(|items| futures_util::stream::iter(items.into_iter().map(Ok))).try_flatten()
    }

    /// Sends the request `build` makes, building it again for each retry, and returns the last
    /// response whatever its status.
    async fn execute<E>(
        &self,
        method: &http::Method,
        build: impl Fn() -> Result<http::Request<Vec<u8>>, RequestError>,
    ) -> Result<http::Response<Vec<u8>>, Error<E>> {
        let started = Instant::now();
        let mut attempts: u32 = 0;
        loop {
            attempts = attempts.saturating_add(1);
            let mut request = build().map_err(Error::Request)?;
            if attempts > 1 {
                // Graph's SDKs tell the service which retry this is.
                request.headers_mut().insert("retry-attempt", http::HeaderValue::from(attempts - 1));
            }
            let mut request = reqwest::Request::try_from(request).map_err(|e| Error::Transport(Box::new(e)))?;
            if let Some(timeout) = self.timeout {
                *request.timeout_mut() = Some(timeout);
            }
            let response = self.http.execute(request).await.map_err(|e| Error::Transport(Box::new(e)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = self.read_body(response).await?;
            if !status.is_success() {
                let decision =
                    retry_decision(&self.retry, method, status, &headers, attempts, started.elapsed(), SystemTime::now());
                if let RetryDecision::Retry(delay) = decision {
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            let mut parts = http::Response::new(body);
            *parts.status_mut() = status;
            *parts.headers_mut() = headers;
            return Ok(parts);
        }
    }

    /// The body, chunk by chunk, stopping as soon as it is longer than the limit (a declared
    /// `Content-Length` over it stops it before any is read).
    async fn read_body<E>(&self, mut response: reqwest::Response) -> Result<Vec<u8>, Error<E>> {
        let limit = self.max_response_bytes;
        let too_large = || Error::Transport(Box::new(ResponseTooLarge { limit }));
        let declared = response.content_length().and_then(|n| usize::try_from(n).ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(declared.unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| Error::Transport(Box::new(e)))? {
            if chunk.len() > limit.saturating_sub(body.len()) {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
