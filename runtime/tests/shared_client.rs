//! One runtime client serving two generated crates: `graph-beta-intune` (generated/) and
//! `fixture-paging` (a fixture). Over real HTTP on 127.0.0.1, against a keep-alive server this
//! test starts: the token provider is asked once, every request of both crates rides one
//! connection (one pool), each carries its own crate's `User-Agent`, and one `$batch` holds an
//! operation of each, read back as each crate's own type. A service at another root is refused
//! from that batch.

use fixture_paging::operations::GetCount;
use graph_beta_intune::models::UserAppInstallStatusPatch;
use graph_beta_intune::operations::UpdateUserStatus;
use graph_runtime::client::{AccessToken, TokenFuture, TokenProvider};
use graph_runtime::graph::Batch;
use graph_runtime::{AuthScheme, BearerToken, Operation, RequestError, Service};
use std::sync::{Arc, Mutex};
use test_support::loopback::{Answer, Seen, serve};

/// A provider that counts how often it is asked, and with which scopes.
#[derive(Default)]
struct Counting {
    asked: Mutex<Vec<Vec<String>>>,
}

impl TokenProvider for Counting {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a> {
        self.asked.lock().unwrap().push(scopes.to_vec());
        Box::pin(async { Ok(AccessToken { token: BearerToken::new("shared-token"), expires_at: None }) })
    }
}

fn answer(seen: &Seen, _origin: &str) -> Answer {
    match (seen.method.as_str(), seen.target.as_str()) {
        ("PATCH", "/deviceAppManagement/mobileApps/app-1/userStatuses/status-1") => {
            Answer::json(200, r#"{"id":"status-1","userName":"Contoso"}"#)
        }
        ("GET", "/deviceAppManagement/mobileAppCategories/$count") => {
            Answer { headers: vec![("content-type".to_string(), "text/plain".to_string())], ..Answer::json(200, "12") }
        }
        ("POST", "/$batch") => Answer::json(
            200,
            r#"{"responses":[
                {"id":"1","status":200,"headers":{"content-type":"application/json"},"body":{"id":"status-1"}},
                {"id":"2","status":200,"headers":{"content-type":"text/plain"},"body":"7"}
            ]}"#,
        ),
        _ => Answer::json(404, r#"{"error":{"code":"NotFound","message":"no such route"}}"#),
    }
}

#[tokio::test]
async fn one_client_one_token_one_pool_and_one_batch_serve_two_generated_crates() {
    let (base, seen) = serve(answer).await;
    let provider = Arc::new(Counting::default());
    let shared = graph_runtime::Client::new(Arc::clone(&provider)).unwrap().with_base_url(&base).unwrap();
    // Each crate's own client type, wrapping clones of the one runtime client.
    let intune = graph_beta_intune::Client::from(shared.clone());
    let paging = fixture_paging::Client::from(shared.clone());

    let patch = UserAppInstallStatusPatch { user_name: "Contoso".to_string().into(), ..Default::default() };
    let updated = intune.update_user_status("app-1", "status-1", &patch).await.unwrap().unwrap();
    assert_eq!(updated.user_name.as_deref(), Some("Contoso"));
    let count = paging.get_count().await.unwrap();
    assert_eq!(count, Some(12));

    let mut batch = Batch::new();
    let first = batch.add(&UpdateUserStatus::new("app-1", "status-1", &patch)).unwrap();
    let second = batch.add(&GetCount::new()).unwrap();
    let answers = shared.send_batch(&batch).await.unwrap();
    assert_eq!(answers.get(&first).unwrap().and_then(|s| s.id), Some("status-1".to_string()));
    assert_eq!(answers.get(&second).unwrap(), Some(7));

    assert_eq!(provider.asked.lock().unwrap().len(), 1, "the provider is asked once for the three requests");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.connection == 0), "one pool: every request on the first connection: {seen:?}");
    assert!(seen.iter().all(|s| s.header("authorization") == Some("Bearer shared-token")));
    assert_eq!(seen[0].header("user-agent"), Some(graph_beta_intune::SERVICE.user_agent));
    assert_eq!(seen[1].header("user-agent"), Some(fixture_paging::SERVICE.user_agent));
    assert_ne!(graph_beta_intune::SERVICE.user_agent, fixture_paging::SERVICE.user_agent);

    let body: serde_json::Value = serde_json::from_slice(&seen[2].body).unwrap();
    let items = body["requests"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["method"], "PATCH");
    assert_eq!(items[0]["url"], "/deviceAppManagement/mobileApps/app-1/userStatuses/status-1");
    assert_eq!(items[0]["body"]["userName"], "Contoso");
    assert_eq!(items[1]["method"], "GET");
    assert_eq!(items[1]["url"], "/deviceAppManagement/mobileAppCategories/$count");
}

/// An operation of a service at another root: Graph resolves a batch's relative URLs against
/// one root, so it cannot go into a batch of Graph beta's operations.
struct Elsewhere;

static ELSEWHERE: Service = Service { default_base_url: "https://example.com/api", auth: AuthScheme::Bearer, user_agent: "elsewhere/1" };

impl Operation for Elsewhere {
    type Output = ();
    type Error = serde_json::Value;
    const METHOD: http::Method = http::Method::GET;

    fn service(&self) -> &'static Service {
        &ELSEWHERE
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/things".to_string())
    }
}

#[test]
fn a_batch_holds_only_operations_of_one_service_root() {
    let mut batch = Batch::new();
    batch.add(&GetCount::new()).unwrap();
    let refused = batch.add(&Elsewhere).unwrap_err();
    assert!(matches!(&refused, RequestError::Batch(why) if why.contains("https://example.com/api")), "{refused}");
    assert_eq!(batch.len(), 1, "the refused operation is not added");
}
