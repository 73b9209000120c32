//! One send: the token, the retries, the redirects and the size limit of the body.

use super::token::scopes_for;
use super::{Client, MAX_REDIRECTS};
use crate::retry::{RetryDecision, StopReason, retry_decision};
use crate::{BaseUrl, BearerToken, Error, RequestError, Service};
use std::fmt;
use std::time::{Instant, SystemTime};

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

impl Client {
    /// Sends the request `build` makes with the current token for `base_url`, building it again
    /// (with the token then current) for each retry, and returns the last response whatever its
    /// status. `service` names the `User-Agent` unless the client has its own.
    pub(super) async fn execute<E>(
        &self,
        method: &http::Method,
        service: &Service,
        base_url: &BaseUrl,
        build: impl Fn(&BearerToken) -> Result<http::Request<Vec<u8>>, RequestError>,
    ) -> Result<http::Response<Vec<u8>>, Error<E>> {
        let sending = self.send_with_retries(method, service, base_url, build);
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
        service: &Service,
        base_url: &BaseUrl,
        build: impl Fn(&BearerToken) -> Result<http::Request<Vec<u8>>, RequestError>,
    ) -> Result<http::Response<Vec<u8>>, Error<E>> {
        let started = Instant::now();
        let scopes = self.token_scopes.clone().unwrap_or_else(|| scopes_for(base_url));
        // A token rejected before its stated expiry is replaced once, and the request sent again.
        let mut renewed: Option<BearerToken> = None;
        let user_agent = match &self.user_agent {
            Some(value) => Some(value.clone()),
            // A generated crate's name and version is always a valid header; a hand-made
            // `Service` with one that is not sends none rather than failing.
            None => http::HeaderValue::try_from(service.user_agent).ok(),
        };
        let mut attempts: u32 = 0;
        let mut reauthenticated = false;
        // One id for the request and its retries: they are one operation to the caller.
        let fresh_id = http::HeaderValue::try_from(uuid::Uuid::new_v4().to_string());
        loop {
            attempts = attempts.saturating_add(1);
            let token = match renewed.take() {
                Some(token) => token,
                None => self.credential.current(&scopes, self.timeout).await.map_err(Error::Credential)?,
            };
            let mut request = build(&token).map_err(Error::Request)?;
            let carried_token = carries_token(&request, &token);
            let headers = request.headers_mut();
            if let Some(user_agent) = &user_agent {
                headers.entry(http::header::USER_AGENT).or_insert_with(|| user_agent.clone());
            }
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
            let request = reqwest::Request::try_from(request).map_err(transport)?;
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
            if status == http::StatusCode::UNAUTHORIZED && carried_token && !reauthenticated {
                reauthenticated = true;
                let claims = claims_challenge(&headers);
                event!(
                    tracing::Level::INFO,
                    path = %path,
                    client_request_id = client_request_id.as_deref().unwrap_or_default(),
                    claims_challenge = claims.is_some(),
                    "graph: token rejected, asking for a new one"
                );
                let token = self.credential.renew(&scopes, &token, claims.as_deref(), self.timeout).await.map_err(Error::Credential)?;
                renewed = Some(token);
                continue;
            }
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
    async fn send_following_redirects<E>(&self, mut request: reqwest::Request) -> Result<reqwest::Response, Error<E>> {
        let origin = request.url().origin();
        // The client's timeout bounds the send with all its hops, not each hop.
        let deadline = self.timeout.map(|limit| (Instant::now() + limit, limit));
        let time_left = |deadline: Option<(Instant, std::time::Duration)>| {
            deadline.map(|(at, limit)| at.checked_duration_since(Instant::now()).filter(|left| !left.is_zero()).ok_or(limit))
        };
        match time_left(deadline) {
            Some(Ok(left)) => *request.timeout_mut() = Some(left),
            Some(Err(limit)) => return Err(timed_out(limit)),
            None => {}
        }
        // Only a GET without a body is ever re-sent elsewhere; it is kept to build the next hop.
        let empty = request.body().is_none_or(|b| b.as_bytes().is_some_and(<[u8]>::is_empty));
        let mut again = if request.method() == reqwest::Method::GET && empty { request.try_clone() } else { None };
        let mut response = self.http.execute(request).await.map_err(transport)?;
        for _ in 0..MAX_REDIRECTS {
            let (Some(mut next), Some(target)) = (again.take(), redirect_target(&response)) else { break };
            let cross_origin = target.origin() != origin;
            if cross_origin {
                // The credentials reqwest's own policy strips too, a per-request one included, and
                // every header marked sensitive: the credential of an API-key scheme
                // (`X-Api-Key`) is one, sent under a name of the service's choosing.
                let headers = next.headers_mut();
                for name in [
                    reqwest::header::AUTHORIZATION,
                    reqwest::header::COOKIE,
                    reqwest::header::PROXY_AUTHORIZATION,
                    reqwest::header::WWW_AUTHENTICATE,
                ] {
                    headers.remove(name);
                }
                let sensitive: Vec<reqwest::header::HeaderName> =
                    headers.iter().filter(|(_, value)| value.is_sensitive()).map(|(name, _)| name.clone()).collect();
                for name in sensitive {
                    headers.remove(name);
                }
            }
            match time_left(deadline) {
                Some(Ok(left)) => *next.timeout_mut() = Some(left),
                Some(Err(limit)) => return Err(timed_out(limit)),
                None => {}
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
        let too_large = || Error::Transport { source: Box::new(ResponseTooLarge { limit }), client_request_id: None };
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

/// A uniform random number in `[0, 1)` for the retry jitter, from the operating system's random
/// source by way of a v4 UUID (already a dependency, for `client-request-id`): 53 of the 56
/// random bits of its last seven bytes (the version and variant bits lie before them), as many
/// as an `f64` holds exactly.
fn draw_roll() -> f64 {
    let bits = (uuid::Uuid::new_v4().as_u128() as u64 & ((1 << 56) - 1)) >> 3;
    bits as f64 / (1u64 << 53) as f64
}

/// A transport failure, before any request id is attached to it. The URL is taken out of
/// reqwest's error: after a redirect it is a pre-authenticated download URL, whose query holds
/// its signature, and an error's text ends up in logs.
fn transport<E>(source: reqwest::Error) -> Error<E> {
    Error::Transport { source: Box::new(source.without_url()), client_request_id: None }
}

/// The send ran past the client's timeout across its redirect hops.
fn timed_out<E>(limit: std::time::Duration) -> Error<E> {
    Error::Transport { source: format!("the request took longer than the client's timeout of {limit:?}").into(), client_request_id: None }
}

/// Whether `request` carries `token` (in a header the runtime marked sensitive, or in its query
/// for an API key sent there): only then is a `401` a reason to ask for a new token.
fn carries_token(request: &http::Request<Vec<u8>>, token: &BearerToken) -> bool {
    request.headers().values().any(http::HeaderValue::is_sensitive)
        || request.uri().query().is_some_and(|query| !token.0.is_empty() && query.contains(&crate::encode_query_component(&token.0, b",")))
}

/// The claims a `401`'s `WWW-Authenticate` challenge asks for (`Bearer …, error="insufficient_claims",
/// claims="eyJ…"`), decoded from base64 to the JSON a token request takes (as sent when it is not
/// base64).
fn claims_challenge(headers: &http::HeaderMap) -> Option<String> {
    for value in headers.get_all(http::header::WWW_AUTHENTICATE) {
        let Ok(text) = value.to_str() else { continue };
        let lower = text.to_ascii_lowercase();
        let Some(at) = lower.find("claims=\"") else { continue };
        let rest = &text[at + "claims=\"".len()..];
        let Some(end) = rest.find('"') else { continue };
        let raw = &rest[..end];
        if raw.is_empty() {
            continue;
        }
        let decoded = crate::values::Base64Bytes::decode(raw).and_then(|bytes| String::from_utf8(bytes.0).ok());
        return Some(decoded.filter(|json| json.trim_start().starts_with('{')).unwrap_or_else(|| raw.to_string()));
    }
    None
}

/// Where a redirect response points, resolved against the URL it came from; `None` when it is not
/// a redirect, has no usable `Location`, or points at anything but http(s).
fn redirect_target(response: &reqwest::Response) -> Option<reqwest::Url> {
    let redirect = [301, 302, 303, 307, 308].contains(&response.status().as_u16());
    let location = response.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    let target = response.url().join(location).ok()?;
    (redirect && matches!(target.scheme(), "http" | "https")).then_some(target)
}
