//! The async client: sends the requests that `operations` builds, over `reqwest` with rustls,
//! retrying throttled ones under a [`RetryPolicy`] and following redirects only where that is
//! safe. It needs a Tokio runtime with timers enabled, as `reqwest` does.

use crate::paging::{DeltaLink, Page, PageOf, Pager};
use crate::runtime::{
    build_request, parse_response, retry_decision, token_scopes, BaseUrl, Batch, BatchResponses, BearerToken, Error,
    Operation, RequestError, RetryDecision, RetryPolicy, StopReason,
};
#[cfg(doc)]
use crate::runtime::BATCH_LIMIT;
/// What a listing's streams need, re-exported so that one `use` (`use <crate>::client::StreamExt;`)
/// gives `while let Some(item) = items.next().await`: [`Client::pages`] and [`Client::items`]
/// return a [`BoxStream`], which is `Unpin` and `Send`.
pub use futures_util::stream::BoxStream;
pub use futures_util::{Stream, StreamExt, TryStreamExt};

/// The pages of a listing ([`Client::pages`]), for an item type `T` and error body `E`.
pub type Pages<'a, T, E> = BoxStream<'a, Result<PageOf<T>, Error<E>>>;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A `tracing` event under the `tracing` feature; without it, nothing, and its arguments are not
/// evaluated. Fields carry methods, paths, statuses, counts, delays and ids, never a token or a
/// URL query (a pre-authenticated download URL holds its signature there).
macro_rules! event {
    ($($arg:tt)*) => {{
        #[cfg(feature = "tracing")]
        tracing::event!($($arg)*);
    }};
}

/// How long one send may take, from connecting to the end of the response body, unless
/// [`Client::with_timeout`] says otherwise (the figure .NET's `HttpClient`, under Graph's SDK, uses).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

/// The largest response body the client reads unless [`Client::with_max_response_bytes`] says
/// otherwise: far above any JSON page Graph sends, far below what would exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

/// The most redirects one send follows (reqwest's and browsers' figure).
pub const MAX_REDIRECTS: usize = 10;

/// The `User-Agent` sent unless [`Client::with_user_agent`] says otherwise: this crate's name and
/// version, which is what Graph's support and logs can tell clients apart by.
pub const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The service's client, holding a base URL, a token provider (and its cached token), a retry
/// policy, a timeout, a limit on response size and the `User-Agent` it sends.
///
/// Every request also carries a fresh `client-request-id` (a random UUID, kept across the
/// retries of one request), which errors return ([`crate::ApiError::client_request_id`]) and
/// Graph's support asks for. A `client-request-id` or `User-Agent` given per request
/// ([`crate::runtime::WithHeaders`]) is sent instead.
///
/// Each operation of the description is a method (see the crate's front page); this builds one
/// for a national cloud, with retries off and a shorter timeout:
///
/// ```no_run
#[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::{BearerToken, Client, RetryPolicy};")]
/// use std::time::Duration;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(BearerToken::new("<access token>"))?
///     .with_base_url("https://graph.microsoft.us/v1.0")?
///     .with_retry_policy(RetryPolicy::never())
///     .with_timeout(Duration::from_secs(30));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: BaseUrl,
    credential: Arc<TokenCache>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    max_response_bytes: usize,
    user_agent: http::HeaderValue,
}

/// A bearer token and when it stops being valid (`None`: not known to expire).
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: BearerToken,
    pub expires_at: Option<SystemTime>,
}

/// Why a [`TokenProvider`] gave no token; the send fails with it as [`Error::Credential`].
pub type CredentialError = Box<dyn std::error::Error + Send + Sync>;

/// What [`TokenProvider::token`] returns: a boxed future, so that the trait can be used as
/// `dyn TokenProvider`.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken, CredentialError>> + Send + 'a>>;

/// Where the client gets its tokens: scopes in (see [`crate::runtime::token_scopes`]), a token and
/// its expiry out. The client caches the token and asks again [`REFRESH_BEFORE_EXPIRY`] before it
/// expires, one request at a time. [`BearerToken`] is the provider of a fixed token.
pub trait TokenProvider: Send + Sync {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a>;
}

/// A provider shared with the caller (who can then look at it, or hand it to several clients).
impl<T: TokenProvider + ?Sized> TokenProvider for Arc<T> {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a> {
        (**self).token(scopes)
    }
}

impl TokenProvider for BearerToken {
    fn token<'a>(&'a self, _scopes: &'a [String]) -> TokenFuture<'a> {
        let token = AccessToken { token: self.clone(), expires_at: None };
        Box::pin(async move { Ok(token) })
    }
}

/// Tokens from any of `azure_identity`'s credentials, or anything else implementing
/// `azure_core`'s `TokenCredential`:
/// `Client::new(AzureCredential::new(azure_identity::DeveloperToolsCredential::new(None)?))`.
/// The client asks it with the base URL's scope and caches what it gives like any provider's.
#[cfg(feature = "azure-identity")]
#[derive(Clone, Debug)]
pub struct AzureCredential(Arc<dyn azure_core::credentials::TokenCredential>);

#[cfg(feature = "azure-identity")]
impl AzureCredential {
    pub fn new(credential: Arc<dyn azure_core::credentials::TokenCredential>) -> Self {
        AzureCredential(credential)
    }
}

#[cfg(feature = "azure-identity")]
impl TokenProvider for AzureCredential {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a> {
        Box::pin(async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let token = self.0.get_token(&scopes, None).await?;
            Ok(AccessToken {
                token: BearerToken::new(token.token.secret()),
                expires_at: Some(SystemTime::from(token.expires_on)),
            })
        })
    }
}

/// How long before its expiry a cached token is replaced, so that no request leaves with a token
/// that expires on the way (the margin Azure's SDKs use). A token that lives less than this is
/// asked for again before each request.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// The client's tokens: one provider, the scopes it is asked for, and the last token it gave.
struct TokenCache {
    provider: Arc<dyn TokenProvider>,
    scopes: Vec<String>,
    /// An async lock held across the provider's call: requests that find the token stale wait
    /// for the one refresh under way instead of each starting their own.
    cached: futures_util::lock::Mutex<Option<AccessToken>>,
}

impl TokenCache {
    fn new(provider: Arc<dyn TokenProvider>, scopes: Vec<String>) -> Self {
        TokenCache { provider, scopes, cached: futures_util::lock::Mutex::new(None) }
    }

    /// The cached token while it is fresh, else a new one from the provider, which gets `timeout`
    /// (the client's per-send timeout) to give it: every request waits on a refresh, so a provider
    /// that hangs must not hang them all.
    async fn current(&self, timeout: Option<Duration>) -> Result<BearerToken, CredentialError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| is_fresh(t, SystemTime::now())) {
            return Ok(token.token.clone());
        }
        let asking = self.provider.token(&self.scopes);
        let fresh = match timeout {
            Some(limit) => tokio::time::timeout(limit, asking)
                .await
                .map_err(|_| format!("the token provider gave no token within {limit:?}"))??,
            None => asking.await?,
        };
        event!(
            tracing::Level::DEBUG,
            expires_in_s = fresh.expires_at.and_then(|at| at.duration_since(SystemTime::now()).ok()).map(|d| d.as_secs()),
            "graph: new token"
        );
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }
}

/// Whether `token` is still good for a request at `now`: it does not expire within
/// [`REFRESH_BEFORE_EXPIRY`].
fn is_fresh(token: &AccessToken, now: SystemTime) -> bool {
    token.expires_at.is_none_or(|at| at.duration_since(now).is_ok_and(|left| left > REFRESH_BEFORE_EXPIRY))
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
            .field("token_scopes", &self.credential.scopes)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl Client {
    /// A client for the default service root, with its own connection pool, the default
    /// [`RetryPolicy`] and [`DEFAULT_TIMEOUT`], taking its tokens from `credential` (a fixed
    /// [`BearerToken`], or any [`TokenProvider`]).
    pub fn new(credential: impl TokenProvider + 'static) -> Result<Self, reqwest::Error> {
        Ok(Self::with_http_builder(reqwest::Client::builder(), credential)?.with_timeout(DEFAULT_TIMEOUT))
    }

    /// A client on a `reqwest::ClientBuilder` you configured (timeouts, proxies, pool), with the
    /// default [`RetryPolicy`]. It keeps that builder's timeout until [`Client::with_timeout`]
    /// sets one per send, which then takes precedence.
    ///
    /// A builder rather than a built `reqwest::Client`, so that its redirect policy can be turned
    /// off: this client follows redirects itself, by rules reqwest's policies cannot express
    /// (see [`Client::send`]).
    pub fn with_http_builder(
        builder: reqwest::ClientBuilder,
        credential: impl TokenProvider + 'static,
    ) -> Result<Self, reqwest::Error> {
        let base_url = crate::default_base_url();
        Ok(Client {
            http: builder.redirect(reqwest::redirect::Policy::none()).build()?,
            credential: Arc::new(TokenCache::new(Arc::new(credential), token_scopes(&base_url))),
            base_url,
            retry: RetryPolicy::default(),
            timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: http::HeaderValue::from_static(DEFAULT_USER_AGENT),
        })
    }

    /// Sends requests to another service root, such as a national cloud or a test server.
    /// Tokens are then asked for that root's scope ([`crate::runtime::token_scopes`]).
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, RequestError> {
        self.base_url = BaseUrl::parse(base_url)?;
        // A token for the old root is no good here.
        let provider = Arc::clone(&self.credential.provider);
        self.credential = Arc::new(TokenCache::new(provider, token_scopes(&self.base_url)));
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

    /// Sends `user_agent` as the `User-Agent` of every request, instead of [`DEFAULT_USER_AGENT`]
    /// (Graph asks applications to name themselves there).
    pub fn with_user_agent(mut self, user_agent: &str) -> Result<Self, RequestError> {
        self.user_agent =
            http::HeaderValue::try_from(user_agent).map_err(|_| RequestError::InvalidHeader { name: "user-agent" })?;
        Ok(self)
    }

    pub fn user_agent(&self) -> &http::HeaderValue {
        &self.user_agent
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
    ///
    /// Redirects (301, 302, 303, 307, 308) are followed only for a GET without a body, at most
    /// [`MAX_REDIRECTS`] times, and the `Authorization` header is dropped for good at the first
    /// hop to another origin (scheme, host and port): Graph answers `GET …/content` with a 302 to
    /// a pre-authenticated download URL, which needs no token and must not see it. Any other
    /// method, or a request with a body, gets the 3xx back as [`Error::Api`]: re-sending a PATCH or
    /// its body to wherever a response points could change or leak another resource.
    pub async fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error<O::Error>> {
        let response = self.execute(&O::METHOD, |token| build_request(op, &self.base_url, token)).await?;
        parse_response::<O>(response)
    }

    /// A [`Call`] of `op`: what each generated per-operation method returns.
    pub fn call<O: Operation>(&self, op: O) -> Call<'_, O> {
        Call::new(self, op)
    }

    /// Sends a [`Batch`]: one `POST {base}/$batch` per [`BATCH_LIMIT`] items, in order, each
    /// through [`Client::send`] (so with the token, retries and headers of any send: a throttled
    /// POST is retried only under [`RetryPolicy::retry_non_idempotent`], since its items may have
    /// run). Read each item with [`BatchResponses::get`]; a throttled item is that item's error,
    /// with its `Retry-After`, and is not resent. If a POST fails as a whole, its error is
    /// returned and later POSTs are not sent (the items of earlier ones did run); to keep the
    /// answers of the POSTs that did succeed, send [`Batch::posts`] one by one with
    /// [`Client::send`] (each is an operation) and [`BatchResponses::extend`] them.
    pub async fn send_batch(&self, batch: &Batch) -> Result<BatchResponses, Error<serde_json::Value>> {
        let mut answers = BatchResponses::default();
        for post in batch.posts() {
            answers.extend(self.send(&post).await?);
        }
        Ok(answers)
    }

    /// Every page of a paged listing (`x-ms-pageable`), following `@odata.nextLink` on the same
    /// service; the stream ends after the last page or the first error. Each page has its items
    /// and `@odata.count` if sent; the last page of a delta query has the [`DeltaLink`] to resume
    /// from ([`Client::resume_pages`]).
    pub fn pages<'a, O, P>(&'a self, op: &'a O) -> Pages<'a, P::Item, O::Error>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        self.follow_pages(Pager::new(op))
    }

    /// The changes since an earlier delta query of `op` ended with `from`: its pages, the last
    /// with the next [`DeltaLink`]. `from` is followed only on the base URL's scheme and host,
    /// like a next link ([`RequestError::UntrustedNextLink`] otherwise, and nothing is sent).
    pub fn resume_pages<'a, O, P>(
        &'a self,
        op: &'a O,
        from: &DeltaLink,
    ) -> Pages<'a, P::Item, O::Error>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        self.follow_pages(Pager::resume(op, from))
    }

    /// Every item of a paged listing, page after page.
    ///
    /// With the one `use` below, a listing reads with `while let`; `pages` is read the same way
    /// and gives each page with its `@odata.count` (the crate's front page shows a listing of
    /// this description):
    ///
    /// ```no_run
    #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::client::StreamExt;")]
    #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::paging::Page;")]
    #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::{Client, Error, Operation};")]
    ///
    /// /// How many items `listing` has, and how many the service said it has.
    /// async fn count<O, P>(client: &Client, listing: &O) -> Result<(usize, Option<i64>), Error<O::Error>>
    /// where
    ///     O: Operation<Output = Option<P>> + Sync,
    ///     P: Page,
    ///     P::Item: Send,
    /// {
    ///     let mut items = client.items(listing);
    ///     let mut seen = 0;
    ///     while let Some(item) = items.next().await {
    ///         item?;
    ///         seen += 1;
    ///     }
    ///     let first_page = client.pages(listing).next().await.transpose()?;
    ///     Ok((seen, first_page.and_then(|page| page.count)))
    /// }
    /// ```
    pub fn items<'a, O, P>(&'a self, op: &'a O) -> BoxStream<'a, Result<P::Item, Error<O::Error>>>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        self.pages(op).map_ok(|page| futures_util::stream::iter(page.items.into_iter().map(Ok))).try_flatten().boxed()
    }

    /// Drives `pager` as a stream: one page per request, ending after the last page or the
    /// first error.
    fn follow_pages<'a, O, P>(&'a self, pager: Pager<'a, O>) -> Pages<'a, P::Item, O::Error>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        futures_util::stream::unfold(Some(pager), move |state| async move {
            let mut pager = state?;
            // The state is only kept while the pager has a next page; the closure rebuilds that
            // page's request for each retry.
            let next = |token: &BearerToken| {
                pager
                    .next_request(&self.base_url, token)
                    .unwrap_or_else(|| Err(RequestError::Build("the listing has no further page".to_string())))
            };
            let result = match self.execute(&http::Method::GET, next).await {
                Ok(response) => pager.read_page(response),
                Err(e) => Err(e),
            };
            if result.is_ok() {
                event!(tracing::Level::DEBUG, items = result.as_ref().map_or(0, |p| p.len()), last = pager.is_done(), "graph: page");
            }
            let state = if result.is_err() || pager.is_done() { None } else { Some(pager) };
            Some((result, state))
        })
        .boxed()
    }

    /// Sends the request `build` makes with the current token, building it again (with the token
    /// then current) for each retry, and returns the last response whatever its status.
    async fn execute<E>(
        &self,
        method: &http::Method,
        build: impl Fn(&BearerToken) -> Result<http::Request<Vec<u8>>, RequestError>,
    ) -> Result<http::Response<Vec<u8>>, Error<E>> {
        let sending = self.send_with_retries(method, build);
        // One span per request, its retries and redirects included; its events name the path and
        // the client-request-id.
        #[cfg(feature = "tracing")]
        let sending = tracing::Instrument::instrument(sending, tracing::debug_span!("graph.request", method = %method));
        sending.await
    }

    /// [`Client::execute`] without its span.
    async fn send_with_retries<E>(
        &self,
        method: &http::Method,
        build: impl Fn(&BearerToken) -> Result<http::Request<Vec<u8>>, RequestError>,
    ) -> Result<http::Response<Vec<u8>>, Error<E>> {
        let started = Instant::now();
        let mut attempts: u32 = 0;
        // One id for the request and its retries: they are one operation to the caller.
        let fresh_id = http::HeaderValue::try_from(uuid::Uuid::new_v4().to_string());
        loop {
            attempts = attempts.saturating_add(1);
            let token = self.credential.current(self.timeout).await.map_err(Error::Credential)?;
            let mut request = build(&token).map_err(Error::Request)?;
            let headers = request.headers_mut();
            headers.entry(http::header::USER_AGENT).or_insert_with(|| self.user_agent.clone());
            if let Ok(id) = &fresh_id {
                headers.entry("client-request-id").or_insert_with(|| id.clone());
            }
            let sent_id = headers.get("client-request-id").cloned();
            let client_request_id = sent_id.as_ref().and_then(|id| id.to_str().ok()).map(str::to_string);
            // A failure after this point may have reached the service: it names the id.
            let with_id = |e: Error<E>| match e {
                Error::Transport { source, client_request_id: None } => {
                    Error::Transport { source, client_request_id: client_request_id.clone() }
                }
                other => other,
            };
            // For the events below; the query is left out (see `event!`).
            #[cfg(feature = "tracing")]
            let path = request.uri().path().to_string();
            if attempts > 1 {
                // Graph's SDKs tell the service which retry this is.
                request.headers_mut().insert("retry-attempt", http::HeaderValue::from(attempts - 1));
            }
            let mut request = reqwest::Request::try_from(request).map_err(transport)?;
            if let Some(timeout) = self.timeout {
                *request.timeout_mut() = Some(timeout);
            }
            let response = self.send_following_redirects(request).await.map_err(with_id)?;
            let status = response.status();
            let mut headers = response.headers().clone();
            // The id goes back in errors even when the service does not echo it.
            if let Some(id) = sent_id {
                headers.entry("client-request-id").or_insert(id);
            }
            let body = self.read_body(response).await.map_err(with_id)?;
            let elapsed = started.elapsed();
            event!(
                tracing::Level::DEBUG,
                path = %path,
                client_request_id = client_request_id.as_deref().unwrap_or_default(),
                attempt = attempts,
                status = status.as_u16(),
                bytes = body.len(),
                elapsed_ms = elapsed.as_millis() as u64,
                "graph: response"
            );
            if !status.is_success() {
                let now = SystemTime::now();
                let decision = retry_decision(&self.retry, method, status, &headers, attempts, elapsed, now, draw_roll());
                match decision {
                    RetryDecision::Retry(delay) => {
                        event!(
                            tracing::Level::INFO,
                            path = %path,
                            client_request_id = client_request_id.as_deref().unwrap_or_default(),
                            attempt = attempts,
                            status = status.as_u16(),
                            delay_ms = delay.as_millis() as u64,
                            "graph: throttled, retrying"
                        );
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    RetryDecision::Stop(StopReason::NotThrottled) => {}
                    RetryDecision::Stop(_) => {
                        event!(
                            tracing::Level::WARN,
                            path = %path,
                            client_request_id = client_request_id.as_deref().unwrap_or_default(),
                            attempt = attempts,
                            status = status.as_u16(),
                            decision = ?decision,
                            "graph: throttled, not retried"
                        );
                    }
                }
            }
            let mut parts = http::Response::new(body);
            *parts.status_mut() = status;
            *parts.headers_mut() = headers;
            return Ok(parts);
        }
    }

    /// Sends `request`, then each redirect [`redirect_target`] allows (see [`Client::send`]),
    /// and returns the first response that is not followed.
    async fn send_following_redirects<E>(&self, request: reqwest::Request) -> Result<reqwest::Response, Error<E>> {
        let origin = request.url().origin();
        // Only a GET without a body is ever re-sent elsewhere; it is kept to build the next hop.
        let empty = request.body().is_none_or(|b| b.as_bytes().is_some_and(<[u8]>::is_empty));
        let mut again = if request.method() == reqwest::Method::GET && empty { request.try_clone() } else { None };
        let mut response = self.http.execute(request).await.map_err(transport)?;
        for _ in 0..MAX_REDIRECTS {
            let (Some(mut next), Some(target)) = (again.take(), redirect_target(&response)) else { break };
            let cross_origin = target.origin() != origin;
            if cross_origin {
                // The credentials reqwest's own policy strips too, a per-request one included.
                let headers = next.headers_mut();
                for name in [
                    reqwest::header::AUTHORIZATION,
                    reqwest::header::COOKIE,
                    reqwest::header::PROXY_AUTHORIZATION,
                    reqwest::header::WWW_AUTHENTICATE,
                ] {
                    headers.remove(name);
                }
            }
            event!(tracing::Level::DEBUG, status = response.status().as_u16(), cross_origin, "graph: following a redirect");
            *next.url_mut() = target;
            again = next.try_clone();
            response = self.http.execute(next).await.map_err(transport)?;
        }
        Ok(response)
    }

    /// The body, chunk by chunk, stopping as soon as it is longer than the limit (a declared
    /// `Content-Length` over it stops it before any is read).
    async fn read_body<E>(&self, mut response: reqwest::Response) -> Result<Vec<u8>, Error<E>> {
        let limit = self.max_response_bytes;
        let too_large = || transport(ResponseTooLarge { limit });
        let declared = response.content_length().and_then(|n| usize::try_from(n).ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(declared.unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if chunk.len() > limit.saturating_sub(body.len()) {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// A request a generated client method made and has not sent: `.await` sends it. Before that,
/// set its optional parameters through the request type it derefs to, or with [`Call::with`],
/// and add headers with [`Call::header`]:
///
/// ```ignore
/// let mut call = client.list_mobile_app();
/// call.top = Some(10);
/// let page = call.header("ConsistencyLevel", "eventual").await?;
/// ```
///
/// The client methods only build this value; what sends it is one generic future, compiled for
/// the operations a program awaits rather than for every operation of the crate.
#[must_use = "a call sends nothing until it is awaited"]
pub struct Call<'c, O> {
    client: &'c Client,
    op: O,
    headers: Vec<(&'static str, String)>,
}

impl<'c, O: Operation> Call<'c, O> {
    pub fn new(client: &'c Client, op: O) -> Self {
        Call { client, op, headers: Vec::new() }
    }

    /// Changes the request before it is sent: `call.with(|op| op.select = Some(fields))`.
    pub fn with(mut self, change: impl FnOnce(&mut O)) -> Self {
        change(&mut self.op);
        self
    }

    /// Adds a header to this request, as [`WithHeaders`](crate::runtime::WithHeaders) does.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The request, to send later with [`Client::send`] or to build with
    /// [`build_request`].
    pub fn into_operation(self) -> O {
        self.op
    }

    /// Sends the request: what `.await` does.
    pub async fn send(self) -> Result<O::Output, Error<O::Error>> {
        if self.headers.is_empty() {
            return self.client.send(&self.op).await;
        }
        let op = self.headers.into_iter().fold(crate::runtime::WithHeaders::new(&self.op), |op, (name, value)| op.header(name, value));
        self.client.send(&op).await
    }
}

impl<O> std::ops::Deref for Call<'_, O> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.op
    }
}

impl<O> std::ops::DerefMut for Call<'_, O> {
    fn deref_mut(&mut self) -> &mut O {
        &mut self.op
    }
}

impl<'c, O> std::future::IntoFuture for Call<'c, O>
where
    O: Operation + Send + Sync + 'c,
    O::Output: Send,
    O::Error: Send,
{
    type Output = Result<O::Output, Error<O::Error>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<O: fmt::Debug> fmt::Debug for Call<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be credentials of the caller's; their names are enough to debug.
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Call").field("op", &self.op).field("headers", &headers).finish_non_exhaustive()
    }
}

/// A uniform random number in `[0, 1)` for the retry jitter, from the operating system's random
/// source by way of a v4 UUID (already a dependency, for `client-request-id`): 53 of the 56
/// random bits of its last seven bytes (the version and variant bits lie before them), as many
/// as an `f64` holds exactly.
fn draw_roll() -> f64 {
    let bits = (uuid::Uuid::new_v4().as_u128() as u64 & ((1 << 56) - 1)) >> 3;
    bits as f64 / (1u64 << 53) as f64
}

/// A transport failure, before any request id is attached to it.
fn transport<E>(source: impl std::error::Error + Send + Sync + 'static) -> Error<E> {
    Error::Transport { source: Box::new(source), client_request_id: None }
}

/// Where a redirect response points, resolved against the URL it came from; `None` when it is not
/// a redirect, has no usable `Location`, or points at anything but http(s).
fn redirect_target(response: &reqwest::Response) -> Option<reqwest::Url> {
    let redirect = [301, 302, 303, 307, 308].contains(&response.status().as_u16());
    let location = response.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    let target = response.url().join(location).ok()?;
    (redirect && matches!(target.scheme(), "http" | "https")).then_some(target)
}
