//! Where the client's tokens come from, and how long it keeps them.

use crate::BearerToken;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A bearer token and when it stops being valid (`None`: not known to expire).
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: BearerToken,
    pub expires_at: Option<SystemTime>,
}

/// Why a [`TokenProvider`] gave no token; the send fails with it as [`Error::Credential`](crate::Error::Credential).
pub type CredentialError = Box<dyn std::error::Error + Send + Sync>;

/// What [`TokenProvider::token`] returns: a boxed future, so that the trait can be used as
/// `dyn TokenProvider`.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken, CredentialError>> + Send + 'a>>;

/// Where the client gets its tokens: scopes in (see [`crate::graph::token_scopes`]), a token and
/// its expiry out. The client caches the token and asks again [`REFRESH_BEFORE_EXPIRY`] before it
/// expires, one request at a time. [`BearerToken`] is the provider of a fixed token.
///
/// When the service rejects a token before its stated expiry (`401`: Graph revokes tokens under
/// Continuous Access Evaluation), the client drops it and asks once more: with
/// [`TokenProvider::token_with_claims`] when the answer carries a claims challenge
/// (`WWW-Authenticate: Bearer … claims="…"`), else with [`TokenProvider::token`]; the request is
/// sent again once with the new token, and a second `401` is the caller's error.
pub trait TokenProvider: Send + Sync {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a>;

    /// A token that satisfies `claims`, the JSON a service's claims challenge asks for (decoded
    /// from the challenge's base64): what MSAL's `WithClaims` and Azure Identity's `claims`
    /// option take. A provider that cannot pass claims on gives what [`TokenProvider::token`]
    /// gives, which is this method's default.
    fn token_with_claims<'a>(&'a self, scopes: &'a [String], claims: &'a str) -> TokenFuture<'a> {
        let _ = claims;
        self.token(scopes)
    }
}

/// A provider shared with the caller (who can then look at it, or hand it to several clients).
impl<T: TokenProvider + ?Sized> TokenProvider for Arc<T> {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a> {
        (**self).token(scopes)
    }

    fn token_with_claims<'a>(&'a self, scopes: &'a [String], claims: &'a str) -> TokenFuture<'a> {
        (**self).token_with_claims(scopes, claims)
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
            Ok(AccessToken { token: BearerToken::new(token.token.secret()), expires_at: Some(SystemTime::from(token.expires_on)) })
        })
    }
}

/// How long before its expiry a cached token is replaced, so that no request leaves with a token
/// that expires on the way (the margin Azure's SDKs use). A token that lives less than this is
/// asked for again before each request.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// The client's tokens: one provider, and the last token it gave for each set of scopes (one
/// per service root the client has sent to: Graph's modules share one).
pub(super) struct TokenCache {
    provider: Arc<dyn TokenProvider>,
    /// An async lock held across the provider's call: requests that find the token stale wait
    /// for the one refresh under way instead of each starting their own.
    cached: futures_util::lock::Mutex<BTreeMap<Vec<String>, Cached>>,
}

/// A token the cache holds, its expiry read on tokio's clock: the provider states it on the
/// wall clock ([`AccessToken::expires_at`]), turned into an instant once, when the token arrives.
/// Every later question (is it fresh?) is asked of tokio's clock, which tests can pause and
/// advance instead of sleeping.
struct Cached {
    token: BearerToken,
    /// `None`: not known to expire (or so far ahead that tokio's clock cannot hold it).
    expires_at: Option<tokio::time::Instant>,
}

impl TokenCache {
    pub(super) fn new(provider: Arc<dyn TokenProvider>) -> Self {
        TokenCache { provider, cached: futures_util::lock::Mutex::new(BTreeMap::new()) }
    }

    /// The cached token for `scopes` while it is fresh, else a new one from the provider.
    /// `timeout` (the client's per-send timeout) bounds the whole wait, the wait for a refresh
    /// another request started included: every request waits on a refresh, so a provider that
    /// hangs must not hold them one timeout after another.
    pub(super) async fn current(&self, scopes: &[String], timeout: Option<Duration>) -> Result<BearerToken, CredentialError> {
        within(timeout, async {
            let mut cached = self.cached.lock().await;
            if let Some(token) = cached.get(scopes).filter(|t| is_fresh(t, tokio::time::Instant::now())) {
                return Ok(token.token.clone());
            }
            let fresh = checked(self.provider.token(scopes).await?)?;
            let token = fresh.token.clone();
            cached.insert(scopes.to_vec(), fresh);
            Ok(token)
        })
        .await
    }

    /// A token to replace `rejected`, which the service answered `401` to: a new one from the
    /// provider (with `claims`, when the answer carried a claims challenge), unless another
    /// request already replaced it.
    pub(super) async fn renew(
        &self,
        scopes: &[String],
        rejected: &BearerToken,
        claims: Option<&str>,
        timeout: Option<Duration>,
    ) -> Result<BearerToken, CredentialError> {
        within(timeout, async {
            let mut cached = self.cached.lock().await;
            let replaced = cached.get(scopes).filter(|t| t.token.0 != rejected.0 && is_fresh(t, tokio::time::Instant::now()));
            if let (Some(token), None) = (replaced, claims) {
                return Ok(token.token.clone());
            }
            cached.remove(scopes);
            let fresh = match claims {
                Some(claims) => self.provider.token_with_claims(scopes, claims).await?,
                None => self.provider.token(scopes).await?,
            };
            let fresh = checked(fresh)?;
            let token = fresh.token.clone();
            cached.insert(scopes.to_vec(), fresh);
            Ok(token)
        })
        .await
    }

    /// Drops every cached token: the next request of each scope asks the provider.
    pub(super) async fn forget(&self) {
        self.cached.lock().await.clear();
    }
}

/// `asking` within `timeout`, if there is one.
async fn within(
    timeout: Option<Duration>,
    asking: impl Future<Output = Result<BearerToken, CredentialError>>,
) -> Result<BearerToken, CredentialError> {
    match timeout {
        Some(limit) => {
            tokio::time::timeout(limit, asking).await.map_err(|_| format!("the token provider gave no token within {limit:?}"))?
        }
        None => asking.await,
    }
}

/// A token the provider gave, refused when it is empty or blank: `Authorization: Bearer ` would
/// be sent instead, and answered `401` as if the credential were wrong. Its expiry is read here,
/// once: how long it has left on the wall clock, counted from now on tokio's.
fn checked(fresh: AccessToken) -> Result<Cached, CredentialError> {
    if fresh.token.0.trim().is_empty() {
        return Err("the token provider gave an empty token".into());
    }
    // An expiry already past has nothing left.
    let left = fresh.expires_at.map(|at| at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO));
    event!(tracing::Level::DEBUG, expires_in_s = left.map(|d| d.as_secs()), "graph: new token");
    Ok(Cached { token: fresh.token, expires_at: left.and_then(|left| tokio::time::Instant::now().checked_add(left)) })
}

/// The scopes a token for requests to `base_url` is asked with: Microsoft identity platform's
/// rule under the `graph` feature ([`crate::graph::token_scopes`]), else none (the provider
/// knows what its service wants).
pub(super) fn scopes_for(base_url: &crate::BaseUrl) -> Vec<String> {
    #[cfg(feature = "graph")]
    return crate::graph::token_scopes(base_url);
    #[cfg(not(feature = "graph"))]
    {
        let _ = base_url;
        Vec::new()
    }
}

/// Whether `token` is still good for a request at `now`: it does not expire within
/// [`REFRESH_BEFORE_EXPIRY`].
fn is_fresh(token: &Cached, now: tokio::time::Instant) -> bool {
    token.expires_at.is_none_or(|at| at.saturating_duration_since(now) > REFRESH_BEFORE_EXPIRY)
}
