//! Tokens from a provider: cached, refreshed before they expire (mid-paging too), one refresh at a
//! time under concurrency, asked with the base URL's scope; over loopback.
//!
//! On tokio's paused clock (`start_paused`): the cache reads expiries on tokio's clock, so a test
//! moves time on with `tokio::time::advance` instead of sleeping, and waits (a provider's delay,
//! a timeout) end as soon as nothing else is left to run.
#![cfg(all(feature = "client", feature = "graph"))]

use graph_runtime::client::StreamExt;
use graph_runtime::client::{AccessToken, CredentialError, REFRESH_BEFORE_EXPIRY, TokenFuture, TokenProvider};
use graph_runtime::{BaseUrl, BearerToken, Client, Error};
use graph_runtime::{RetryPolicy, token_scopes};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use support::operations::{GetStatus, ListStatuses};
use support::scripted::{reply, scripted, serve_script};
use tokio::net::TcpListener;

mod support;

const OK_BODY: &str = r#"{"id":"s1","installedDeviceCount":3}"#;

/// Hands out `t1`, `t2`, … and records each call's scopes; `lifetimes[n]` is how long the n-th
/// token lives (the last one for any later call). Each call takes `delay`, long enough for
/// concurrent requests to pile up behind a refresh.
struct FakeCredential {
    lifetimes: Vec<Duration>,
    delay: Duration,
    calls: Mutex<Vec<Vec<String>>>,
}

impl FakeCredential {
    fn new(lifetimes: Vec<Duration>, delay: Duration) -> Arc<Self> {
        Arc::new(FakeCredential { lifetimes, delay, calls: Mutex::new(Vec::new()) })
    }

    fn calls(&self) -> Vec<Vec<String>> {
        self.calls.lock().unwrap().clone()
    }
}

impl TokenProvider for FakeCredential {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            let n = {
                let mut calls = self.calls.lock().unwrap();
                calls.push(scopes.to_vec());
                calls.len()
            };
            let lifetime = self.lifetimes.get(n - 1).or(self.lifetimes.last()).copied().unwrap_or_default();
            Ok(AccessToken { token: BearerToken::new(format!("t{n}")), expires_at: Some(SystemTime::now() + lifetime) })
        })
    }
}

struct Failing;

/// Never answers.
struct Hanging;

impl TokenProvider for Hanging {
    fn token<'a>(&'a self, _scopes: &'a [String]) -> TokenFuture<'a> {
        Box::pin(std::future::pending())
    }
}

impl TokenProvider for Failing {
    fn token<'a>(&'a self, _scopes: &'a [String]) -> TokenFuture<'a> {
        Box::pin(async { Err(CredentialError::from("the identity service said no")) })
    }
}

fn bearer(seen: &support::scripted::Seen) -> &str {
    seen.header("authorization").unwrap_or("")
}

#[tokio::test(start_paused = true)]
async fn a_token_that_expires_mid_paging_is_replaced_before_the_next_page() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let page1 = format!(r#"{{"value":[{{"id":"s1"}}],"@odata.nextLink":"{origin}/beta/statuses?$skiptoken=2"}}"#);
    let (url, seen) = serve_script(listener, vec![reply(200, &[], &page1), reply(200, &[], r#"{"value":[{"id":"s2"}]}"#)]);
    // The first token is good for a minute past the refresh margin; the second for an hour.
    let credential = FakeCredential::new(vec![REFRESH_BEFORE_EXPIRY + Duration::from_secs(60), Duration::from_secs(3600)], Duration::ZERO);
    let client = Client::new(credential.clone()).unwrap().with_base_url(&url).unwrap();
    let mut pages = Box::pin(client.pages(&ListStatuses));
    assert_eq!(pages.next().await.unwrap().unwrap().len(), 1);
    // Past the first token's margin.
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(pages.next().await.unwrap().unwrap()[0].id.as_deref(), Some("s2"));
    assert!(pages.next().await.is_none());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(bearer(&seen[0]), "Bearer t1");
    assert_eq!(bearer(&seen[1]), "Bearer t2");
    assert!(seen[1].target.ends_with("$skiptoken=2"), "{}", seen[1].target);
    // Asked with the test server's own scope.
    assert_eq!(credential.calls(), vec![vec![format!("{origin}/.default")]; 2]);
}

#[tokio::test(start_paused = true)]
async fn a_token_is_kept_until_its_refresh_margin_and_replaced_past_it() {
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let credential = FakeCredential::new(vec![REFRESH_BEFORE_EXPIRY + Duration::from_secs(60)], Duration::ZERO);
    let client = Client::new(credential.clone()).unwrap().with_base_url(&url).unwrap();
    let op = GetStatus { id: "s1" };
    client.send(&op).await.unwrap();
    // Short of the margin (the wall clock moved on a little too: a second of slack).
    tokio::time::advance(Duration::from_secs(58)).await;
    client.send(&op).await.unwrap();
    // Past it.
    tokio::time::advance(Duration::from_secs(3)).await;
    client.send(&op).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let bearers: Vec<&str> = seen.iter().map(bearer).collect();
    assert_eq!(bearers, ["Bearer t1", "Bearer t1", "Bearer t2"]);
    assert_eq!(credential.calls().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_fresh_token_is_reused_and_concurrent_requests_share_one_refresh() {
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let credential = FakeCredential::new(vec![Duration::from_secs(3600)], Duration::from_millis(50));
    let client = Client::new(credential.clone()).unwrap().with_base_url(&url).unwrap();
    let op = GetStatus { id: "s1" };
    let sends: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&GetStatus { id: "s1" }).await })
        })
        .collect();
    for send in sends {
        send.await.unwrap().unwrap();
    }
    client.send(&op).await.unwrap();
    assert_eq!(credential.calls().len(), 1);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 9);
    assert!(seen.iter().all(|s| bearer(s) == "Bearer t1"));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_the_token_went_stale_carries_a_new_one() {
    let (url, seen) = scripted(vec![reply(503, &[("retry-after", "0")], ""), reply(200, &[], OK_BODY)]).await;
    // Already inside the margin: every send asks again.
    let credential = FakeCredential::new(vec![Duration::ZERO], Duration::ZERO);
    let client = Client::new(credential.clone()).unwrap().with_base_url(&url).unwrap();
    client.send(&GetStatus { id: "s1" }).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!((bearer(&seen[0]), bearer(&seen[1])), ("Bearer t1", "Bearer t2"));
}

#[tokio::test(start_paused = true)]
async fn a_provider_error_sends_nothing() {
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let client = Client::new(Failing).unwrap().with_base_url(&url).unwrap().with_retry_policy(RetryPolicy::never());
    let err = client.send(&GetStatus { id: "s1" }).await.unwrap_err();
    assert!(matches!(err, Error::Credential(_)), "{err:?}");
    assert_eq!(err.to_string(), "could not get a token: the identity service said no");
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn scopes_are_the_base_url_s_origin_with_default() {
    for (base, scope) in [
        ("https://graph.microsoft.com/beta", "https://graph.microsoft.com/.default"),
        ("https://graph.microsoft.com/v1.0/", "https://graph.microsoft.com/.default"),
        ("https://graph.microsoft.us/v1.0", "https://graph.microsoft.us/.default"),
        ("https://dod-graph.microsoft.us/beta", "https://dod-graph.microsoft.us/.default"),
        ("https://microsoftgraph.chinacloudapi.cn/v1.0", "https://microsoftgraph.chinacloudapi.cn/.default"),
        ("http://127.0.0.1:8080/beta", "http://127.0.0.1:8080/.default"),
    ] {
        assert_eq!(token_scopes(&BaseUrl::parse(base).unwrap()), vec![scope.to_string()], "{base}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_provider_that_never_answers_fails_the_send_at_the_client_s_timeout() {
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let client = Client::new(Hanging).unwrap().with_base_url(&url).unwrap().with_timeout(Duration::from_millis(100));
    let err = client.send(&GetStatus { id: "s1" }).await.unwrap_err();
    assert!(matches!(err, Error::Credential(_)), "{err:?}");
    assert_eq!(err.to_string(), "could not get a token: the token provider gave no token within 100ms");
    assert!(seen.lock().unwrap().is_empty());
}
