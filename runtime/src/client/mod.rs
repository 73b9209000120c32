//! The async client: sends the requests operations build, over `reqwest` with rustls, retrying
//! throttled ones under a [`RetryPolicy`] and following redirects only where that is safe. It
//! needs a Tokio runtime with timers enabled, as `reqwest` does.

#[cfg(doc)]
use crate::graph::BATCH_LIMIT;
#[cfg(feature = "graph")]
use crate::graph::{Batch, BatchResponses};
use crate::{BaseUrl, Error, Operation, RequestError, RetryPolicy, Service};
/// What a listing's streams need, re-exported so that one `use` (`use <crate>::client::StreamExt;`)
/// gives `while let Some(item) = items.next().await`: [`Client::pages`] and [`Client::items`]
/// return a [`BoxStream`], which is `Unpin` and `Send`.
pub use futures_util::stream::BoxStream;
pub use futures_util::{Stream, StreamExt, TryStreamExt};
/// The HTTP client underneath, at the version this crate builds with: for
/// [`Client::with_http_builder`]'s builder, and the error [`Client::new`] can fail with. Its
/// rustls has no crypto provider of its own: a `reqwest::Client` built other than through this
/// crate's [`Client`] needs [`install_crypto_provider`] first.
pub use reqwest;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A `tracing` event under the `tracing` feature; without it, nothing, and its arguments are not
/// evaluated. Fields carry methods, paths, statuses, counts, delays and ids, never a token or a
/// URL query (a pre-authenticated download URL holds its signature there).
macro_rules! event {
    ($($arg:tt)*) => {{
        #[cfg(feature = "tracing")]
        tracing::event!($($arg)*);
    }};
}

mod call;
mod pages;
mod token;
mod transport;

pub use call::Call;
pub use pages::Pages;
#[cfg(feature = "azure-identity")]
pub use token::AzureCredential;
use token::TokenCache;
pub use token::{AccessToken, CredentialError, REFRESH_BEFORE_EXPIRY, TokenFuture, TokenProvider};
pub use transport::ResponseTooLarge;

/// How long one send may take, from connecting to the end of the response body, unless
/// [`Client::with_timeout`] says otherwise (the figure .NET's `HttpClient`, under Graph's SDK, uses).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

/// The largest response body the client reads unless [`Client::with_max_response_bytes`] says
/// otherwise: far above any JSON page Graph sends, far below what would exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

/// The most redirects one send follows (reqwest's and browsers' figure).
pub const MAX_REDIRECTS: usize = 10;

/// The client of one service or several: a connection pool, a token provider (and the tokens it
/// gave, by scope), a retry policy, a timeout and a limit on response size.
///
/// Each request goes to its operation's service ([`Operation::service`]): to the client's base
/// URL if it has one ([`Client::with_base_url`]), else to that service's default root, with that
/// service's credentials and `User-Agent` (unless [`Client::with_user_agent`] names another). So
/// one client serves the operations of several generated crates, with one pool and one token
/// cache: a token is asked once per scope ([`crate::graph::token_scopes`]) and shared by every
/// request for it. A generated crate's own `Client` wraps this one, and converts from and to it.
///
/// The credential goes to every service whose operations the client sends. Share a client
/// between services that take the same credential (Microsoft Graph's modules); give any other
/// service a client of its own.
///
/// Every request also carries a fresh `client-request-id` (a random UUID, kept across the
/// retries of one request), which errors return ([`crate::ApiError::client_request_id`]) and
/// Graph's support asks for. A `client-request-id` or `User-Agent` given per request
/// ([`crate::WithHeaders`]) is sent instead.
///
/// This builds one for a national cloud, with retries off and a shorter timeout:
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
    /// Where every request goes instead of its service's default root.
    base_url: Option<BaseUrl>,
    credential: Arc<TokenCache>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    max_response_bytes: usize,
    /// The most memory one decoded response may take (see [`crate::decode_within`]).
    max_decoded_bytes: usize,
    /// Sent instead of each service's own `User-Agent`.
    user_agent: Option<http::HeaderValue>,
    /// Asked for instead of the scopes of each request's root.
    token_scopes: Option<Vec<String>>,
}

/// Installs ring as rustls's process-default crypto provider unless one is installed: [`reqwest`]
/// is built without a provider of its own (its own choice, aws-lc-rs, is slow to build), and
/// building a `reqwest::Client` panics when it finds none. [`Client::new`] and
/// [`Client::with_http_builder`] call it; call it before building a `reqwest::Client` by other
/// means. Another thread installing a provider in between is no error: that one serves as well.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_decoded_bytes", &self.max_decoded_bytes)
            .field("user_agent", &self.user_agent)
            .field("token_scopes", &self.token_scopes)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with its own connection pool, the default [`RetryPolicy`] and
    /// [`DEFAULT_TIMEOUT`], taking its tokens from `credential` (a fixed [`crate::BearerToken`],
    /// or any [`TokenProvider`]); each request goes to its service's default root.
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
    ///
    /// TLS uses rustls's process-default crypto provider: ring's, installed here if the process
    /// has none yet (one installed before, by the application or another library, is kept).
    /// Server certificates are checked against the system's roots (on Linux, its CA bundle).
    pub fn with_http_builder(builder: reqwest::ClientBuilder, credential: impl TokenProvider + 'static) -> Result<Self, reqwest::Error> {
        install_crypto_provider();
        Ok(Client {
            http: builder.redirect(reqwest::redirect::Policy::none()).build()?,
            base_url: None,
            credential: Arc::new(TokenCache::new(Arc::new(credential))),
            retry: RetryPolicy::default(),
            timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_decoded_bytes: crate::DEFAULT_MAX_DECODED_BYTES,
            user_agent: None,
            token_scopes: None,
        })
    }

    /// Sends every request to `base_url` instead of its service's default root: a national
    /// cloud, a proxy, a test server. Tokens are then asked for that root's scope.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, RequestError> {
        self.base_url = Some(BaseUrl::parse(base_url)?);
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

    /// Lets one decoded response take at most `limit` bytes of memory, as
    /// [`crate::decode_within`] counts them (sizes of the values it becomes, lengths of its
    /// strings; what is allocated stays below three times the count). A response that would
    /// take more fails with [`Error::Decode`] saying so. The default,
    /// [`DEFAULT_MAX_DECODED_BYTES`](crate::DEFAULT_MAX_DECODED_BYTES), is four times the default
    /// limit on response bytes: a body of empty objects (`[{},{},…]`) cannot become gigabytes
    /// of structs.
    pub fn with_max_decoded_bytes(mut self, limit: usize) -> Self {
        self.max_decoded_bytes = limit;
        self
    }

    /// Sends `user_agent` as the `User-Agent` of every request, instead of the one each service
    /// names ([`Service::user_agent`]: the generated crate's name and version). Graph asks
    /// applications to name themselves there.
    pub fn with_user_agent(mut self, user_agent: &str) -> Result<Self, RequestError> {
        let value = http::HeaderValue::try_from(user_agent).map_err(|_| RequestError::InvalidHeader { name: "user-agent" })?;
        self.user_agent = Some(value);
        Ok(self)
    }

    /// Asks the token provider for `scopes` for every request, instead of the scopes of the
    /// request's root ([`crate::graph::token_scopes`]: `https://graph.microsoft.com/.default`):
    /// for a proxy or gateway in front of a service, whose own URL is not the token's audience.
    pub fn with_token_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.token_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Drops every token the client holds (those of its clones too: they share the cache), so
    /// that the next request asks the provider: after a sign-out, a change of permissions, or a
    /// revocation the client cannot see.
    pub async fn forget_tokens(&self) {
        self.credential.forget().await;
    }

    /// The `User-Agent` the client sends instead of each service's own, if it was given one.
    pub fn user_agent(&self) -> Option<&http::HeaderValue> {
        self.user_agent.as_ref()
    }

    /// The root every request goes to instead of its service's default, if the client was given one.
    pub fn base_url(&self) -> Option<&BaseUrl> {
        self.base_url.as_ref()
    }

    /// Where requests of `service` go: the client's base URL, else the service's default root
    /// (empty when it has none: building the request then fails with
    /// [`RequestError::MissingBaseUrl`]).
    pub fn base_url_for(&self, service: &Service) -> BaseUrl {
        self.base_url.clone().unwrap_or_else(|| service.base_url())
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

    pub fn max_decoded_bytes(&self) -> usize {
        self.max_decoded_bytes
    }

    /// Reads `response` as `O`'s, within the client's limit on decoded memory.
    fn parse<O: Operation>(&self, response: http::Response<Vec<u8>>) -> Result<O::Output, Error<O::Error>> {
        crate::decode_within(self.max_decoded_bytes, || crate::parse_response::<O>(response))
    }

    /// Sends any operation and reads its response, resending it while
    /// [`retry_decision`](crate::retry_decision) says so.
    ///
    /// Redirects (301, 302, 303, 307, 308) are followed only for a GET without a body, at most
    /// [`MAX_REDIRECTS`] times, and the `Authorization` header is dropped for good at the first
    /// hop to another origin (scheme, host and port): Graph answers `GET …/content` with a 302 to
    /// a pre-authenticated download URL, which needs no token and must not see it. Any other
    /// method, or a request with a body, gets the 3xx back as [`Error::Api`]: re-sending a PATCH or
    /// its body to wherever a response points could change or leak another resource.
    pub async fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error<O::Error>> {
        let base_url = self.base_url_for(op.service());
        let response = self.execute(&O::METHOD, op.service(), &base_url, |token| crate::build_request(op, &base_url, token)).await?;
        self.parse::<O>(response)
    }

    /// [`Client::send`], with the response's status and headers around the output (`ETag`,
    /// `Location`, `request-id`, `Preference-Applied`): `response.headers()["etag"]`,
    /// `response.into_body()`.
    pub async fn send_with_response<O: Operation>(&self, op: &O) -> Result<http::Response<O::Output>, Error<O::Error>> {
        let base_url = self.base_url_for(op.service());
        let response = self.execute(&O::METHOD, op.service(), &base_url, |token| crate::build_request(op, &base_url, token)).await?;
        let (parts, body) = response.into_parts();
        let output = self.parse::<O>(http::Response::from_parts(parts.clone(), body))?;
        Ok(http::Response::from_parts(parts, output))
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
    #[cfg(feature = "graph")]
    pub async fn send_batch(&self, batch: &Batch) -> Result<BatchResponses, Error<serde_json::Value>> {
        let mut answers = BatchResponses::default().decoded_within(self.max_decoded_bytes);
        for post in batch.posts() {
            let (parts, answered) = self.send_with_response(&post).await?.into_parts();
            answers.extend(answered.kept_for_post(post.items(), &parts.headers));
        }
        Ok(answers)
    }
}
