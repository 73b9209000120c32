//! The `azure-identity` feature: tokens from an `azure_core` `TokenCredential` (here a fake one,
//! no network), asked with the base URL's scope, cached until near their expiry, errors passed on.
//! Runs only with the feature:
//!
//!     cargo test -p graph-runtime --features azure-identity --test azure_identity
#![cfg(all(feature = "azure-identity", feature = "graph"))]

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error as AzureError, ErrorKind};
use azure_core::time::{Duration as AzureDuration, OffsetDateTime};
use graph_runtime::client::AzureCredential;
use graph_runtime::{Client, Error, token_scopes};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use support::operations::{GetStatus, OnService, SERVICE, service_at};
use support::scripted::{reply, scripted};

mod support;

const OK_BODY: &str = r#"{"id":"s1","installedDeviceCount":3}"#;

/// Records the scopes it is asked for; answers `azure-1`, `azure-2`, … valid for an hour, or an
/// error when `fail` is set.
#[derive(Debug, Default)]
struct FakeAzureCredential {
    asked: Mutex<Vec<Vec<String>>>,
    fail: bool,
}

// azure_core declares the trait with `#[async_trait]`; this is that macro's signature, written
// out so that the test needs no macro crate.
impl TokenCredential for FakeAzureCredential {
    fn get_token<'a, 'b, 'c, 'd, 'f>(
        &'a self,
        scopes: &'b [&'c str],
        _options: Option<TokenRequestOptions<'d>>,
    ) -> Pin<Box<dyn Future<Output = azure_core::Result<AccessToken>> + Send + 'f>>
    where
        'a: 'f,
        'b: 'f,
        'c: 'f,
        'd: 'f,
        Self: 'f,
    {
        Box::pin(async move {
            if self.fail {
                return Err(AzureError::with_message(ErrorKind::Credential, "no account signed in"));
            }
            let n = {
                let mut asked = self.asked.lock().unwrap();
                asked.push(scopes.iter().map(|s| s.to_string()).collect());
                asked.len()
            };
            Ok(AccessToken::new(format!("azure-{n}"), OffsetDateTime::now_utc() + AzureDuration::hours(1)))
        })
    }
}

#[tokio::test]
async fn tokens_come_from_the_credential_with_the_graph_scope_and_are_cached() {
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let fake = Arc::new(FakeAzureCredential::default());
    let client = Client::new(AzureCredential::new(fake.clone())).unwrap().with_base_url(&url).unwrap();
    client.send(&GetStatus { id: "s1" }).await.unwrap();
    client.send(&GetStatus { id: "s1" }).await.unwrap();
    let origin = url.trim_end_matches("/beta");
    assert_eq!(*fake.asked.lock().unwrap(), vec![vec![format!("{origin}/.default")]]);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|s| s.header("authorization") == Some("Bearer azure-1")));
}

/// A client without a base URL of its own sends each operation to its service's default root,
/// and asks the credential with that root's scope: on Graph's root, Graph's own scope.
#[tokio::test]
async fn without_a_base_url_the_scope_is_that_of_the_operation_s_service() {
    assert_eq!(token_scopes(&SERVICE.base_url()), ["https://graph.microsoft.com/.default"]);
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let fake = Arc::new(FakeAzureCredential::default());
    let client = Client::new(AzureCredential::new(fake.clone())).unwrap();
    assert_eq!(client.base_url(), None);
    client.send(&OnService { op: &GetStatus { id: "s1" }, service: service_at(&url) }).await.unwrap();
    let origin = url.trim_end_matches("/beta");
    assert_eq!(*fake.asked.lock().unwrap(), vec![vec![format!("{origin}/.default")]]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].target, "/beta/statuses/s1");
    assert_eq!(seen[0].header("authorization"), Some("Bearer azure-1"));
}

#[tokio::test]
async fn a_credential_error_is_error_credential_and_sends_nothing() {
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let fake = Arc::new(FakeAzureCredential { fail: true, ..FakeAzureCredential::default() });
    let client = Client::new(AzureCredential::new(fake)).unwrap().with_base_url(&url).unwrap();
    let err = client.send(&GetStatus { id: "s1" }).await.unwrap_err();
    assert!(matches!(err, Error::Credential(_)), "{err:?}");
    assert!(err.to_string().contains("no account signed in"), "{err}");
    assert!(seen.lock().unwrap().is_empty());
}
