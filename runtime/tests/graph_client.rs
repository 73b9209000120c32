//! The client as a Graph developer uses it, over real HTTP on 127.0.0.1 against servers that
//! answer as Graph does: headers on every page and on a delta resume, a token rejected before
//! its expiry (and a claims challenge), ids on batch item errors, response headers on success,
//! one header where a typed one and an added one meet, transport errors that say why, token
//! scopes named by hand, the service's error code in one call. And what a hostile or broken
//! server must not get: an API key past a redirect, more than the timeout over redirect hops, a
//! next link followed forever, batch answers for items it was not sent, an empty token sent.

use graph_runtime::client::{AccessToken, CredentialError, StreamExt, TokenFuture, TokenProvider};
use graph_runtime::graph::{Batch, ConsistencyLevel};
use graph_runtime::paging::Page;
use graph_runtime::{AuthScheme, BearerToken, Client, Error, Operation, QueryKey, RequestError, Service, WithHeaders};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use test_support::loopback::{Answer, Seen, serve};

static GRAPH: Service = Service { default_base_url: "", auth: AuthScheme::Bearer, user_agent: "tests/1" };
static KEYED: Service = Service { default_base_url: "", auth: AuthScheme::ApiKeyHeader("X-Api-Key"), user_agent: "tests/1" };

/// `GET /users?$count=true`, with the `ConsistencyLevel` header Graph needs for `$count`.
#[derive(Debug, Default)]
struct ListUsers {
    consistency_level: Option<ConsistencyLevel>,
}

#[derive(Debug, serde::Deserialize)]
struct UserPage {
    value: Vec<serde_json::Value>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

impl Page for UserPage {
    type Item = serde_json::Value;
    fn into_items(self) -> Vec<serde_json::Value> {
        self.value
    }
    fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }
    fn delta_link(&self) -> Option<&str> {
        self.delta_link.as_deref()
    }
}

impl Operation for ListUsers {
    type Output = Option<UserPage>;
    type Error = serde_json::Value;
    const METHOD: http::Method = http::Method::GET;

    fn service(&self) -> &'static Service {
        &GRAPH
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/users".to_string())
    }

    fn query(&self) -> Result<Vec<(QueryKey, String)>, RequestError> {
        Ok(vec![(QueryKey::Borrowed("$count"), "true".to_string())])
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        let level = self.consistency_level.as_ref().map(|level| match level {
            ConsistencyLevel::Eventual => "eventual".to_string(),
            ConsistencyLevel::Other(other) => other.clone(),
        });
        level.map(|level| ("ConsistencyLevel", level)).into_iter().collect()
    }
}

/// `GET /things/{id}` of a service that takes an API key in `X-Api-Key`.
struct GetThing;

impl Operation for GetThing {
    type Output = ();
    type Error = serde_json::Value;
    const METHOD: http::Method = http::Method::GET;

    fn service(&self) -> &'static Service {
        &KEYED
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/things/1".to_string())
    }
}

/// `GET /me`: a single Graph request.
struct GetMe;

impl Operation for GetMe {
    type Output = Option<serde_json::Value>;
    type Error = serde_json::Value;
    const METHOD: http::Method = http::Method::GET;

    fn service(&self) -> &'static Service {
        &GRAPH
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/me".to_string())
    }
}

/// A server that answers `$count` listings as Graph's directory does: 400 "Count is not
/// currently supported." to a request without `ConsistencyLevel: eventual`. Page 1 links to
/// page 2 (keeping `$count=true`), which ends with a delta link (keeping it too).
fn count_needs_consistency(seen: &Seen, origin: &str) -> Answer {
    if seen.target.contains("$count=true") && seen.header("consistencylevel") != Some("eventual") {
        return Answer::json(400, r#"{"error":{"code":"Request_BadRequest","message":"Count is not currently supported."}}"#);
    }
    if seen.target.contains("$skiptoken=2") || seen.target.contains("$deltatoken=") {
        Answer::json(200, format!(r#"{{"value":[{{"id":"u2"}}],"@odata.deltaLink":"{origin}/users?$count=true&$deltatoken=d1"}}"#))
    } else {
        Answer::json(
            200,
            format!(r#"{{"@odata.count":2,"value":[{{"id":"u1"}}],"@odata.nextLink":"{origin}/users?$count=true&$skiptoken=2"}}"#),
        )
    }
}

fn client(origin: &str) -> Client {
    Client::new(BearerToken::new("t0")).unwrap().with_base_url(origin).unwrap()
}

#[tokio::test]
async fn the_listing_s_headers_go_with_every_page_and_with_a_delta_resume() {
    let (origin, log) = serve(count_needs_consistency).await;
    let client = client(&origin);
    let op = ListUsers { consistency_level: Some(ConsistencyLevel::Eventual) };
    let pages: Vec<_> = client.pages(&op).collect().await;
    assert_eq!(pages.len(), 2);
    let last = pages.into_iter().map(|page| page.unwrap()).last().unwrap();
    let delta = last.delta_link.expect("the last page's delta link");
    assert!(delta.as_str().ends_with("$deltatoken=d1"));

    let resumed: Vec<_> = client.resume_pages(&op, &delta).collect().await;
    assert!(resumed.iter().all(Result::is_ok), "{resumed:?}");
    // The same through a header added by hand, on an operation that does not declare it.
    let untyped = ListUsers::default();
    let added = WithHeaders::new(&untyped).header("ConsistencyLevel", "eventual");
    let items: Vec<_> = client.items(&added).collect().await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_eq!(items.len(), 2);

    let log = log.lock().unwrap();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|s| s.header("consistencylevel") == Some("eventual")), "{log:?}");
    assert!(log.iter().all(|s| s.header("authorization") == Some("Bearer t0")));
}

#[tokio::test]
async fn an_added_header_replaces_the_operation_s_own_of_the_same_name() {
    let (origin, log) = serve(count_needs_consistency).await;
    let op = ListUsers { consistency_level: Some(ConsistencyLevel::Eventual) };
    let twice = WithHeaders::new(&op).header("consistencylevel", "eventual");
    client(&origin).send(&twice).await.unwrap();
    assert_eq!(log.lock().unwrap()[0].header_count("consistencylevel"), 1);
}

/// A provider that gives `t1`, `t2`, … (each valid for an hour) and records what it was asked.
#[derive(Default)]
struct Numbered {
    asked: Mutex<Vec<(Vec<String>, Option<String>)>>,
}

impl Numbered {
    fn give(&self, scopes: &[String], claims: Option<&str>) -> TokenFuture<'_> {
        let mut asked = self.asked.lock().unwrap();
        asked.push((scopes.to_vec(), claims.map(str::to_string)));
        let token = format!("t{}", asked.len());
        Box::pin(async move {
            Ok(AccessToken { token: BearerToken::new(token), expires_at: Some(SystemTime::now() + Duration::from_secs(3600)) })
        })
    }
}

impl TokenProvider for Numbered {
    fn token<'a>(&'a self, scopes: &'a [String]) -> TokenFuture<'a> {
        self.give(scopes, None)
    }
    fn token_with_claims<'a>(&'a self, scopes: &'a [String], claims: &'a str) -> TokenFuture<'a> {
        self.give(scopes, Some(claims))
    }
}

/// A server that refuses the tokens `refused` names with 401, and its challenge.
fn refusing(refused: &'static [&'static str], challenge: &'static str) -> impl Fn(&Seen, &str) -> Answer + Send + Sync {
    move |seen, _| {
        let token = seen.header("authorization").unwrap_or_default().trim_start_matches("Bearer ");
        if refused.contains(&token) {
            Answer::json(
                401,
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}"#,
            )
            .header("www-authenticate", challenge)
        } else {
            Answer::json(200, r#"{"id":"me"}"#)
        }
    }
}

#[tokio::test]
async fn a_token_rejected_before_its_expiry_is_replaced_once_then_the_401_is_the_error() {
    let (origin, log) = serve(refusing(&["t1"], r#"Bearer realm="", error="invalid_token""#)).await;
    let provider = Arc::new(Numbered::default());
    let client = Client::new(Arc::clone(&provider)).unwrap().with_base_url(&origin).unwrap();
    assert_eq!(client.send(&GetMe).await.unwrap().unwrap()["id"], "me");
    assert_eq!(provider.asked.lock().unwrap().len(), 2, "asked again once, after the 401");
    // The new token is cached: the next request asks nothing.
    client.send(&GetMe).await.unwrap();
    assert_eq!(provider.asked.lock().unwrap().len(), 2);
    let sent: Vec<Option<String>> = log.lock().unwrap().iter().map(|s| s.header("authorization").map(str::to_string)).collect();
    assert_eq!(sent, [Some("Bearer t1".to_string()), Some("Bearer t2".to_string()), Some("Bearer t2".to_string())]);

    // Every token refused: one more ask, one more send, then the 401 itself.
    let (origin, log) = serve(refusing(&["t1", "t2"], r#"Bearer error="invalid_token""#)).await;
    let provider = Arc::new(Numbered::default());
    let client = Client::new(Arc::clone(&provider)).unwrap().with_base_url(&origin).unwrap();
    let error = client.send(&GetMe).await.unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(error.service_code().as_deref(), Some("InvalidAuthenticationToken"));
    assert_eq!(provider.asked.lock().unwrap().len(), 2);
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_claims_challenge_reaches_the_provider() {
    // `{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}`, as Graph sends it under
    // Continuous Access Evaluation.
    const CHALLENGE: &str = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNjA0MTA2NjUxIn19fQ==""#;
    let (origin, _) = serve(refusing(&["t1"], CHALLENGE)).await;
    let provider = Arc::new(Numbered::default());
    let client = Client::new(Arc::clone(&provider)).unwrap().with_base_url(&origin).unwrap();
    client.send(&GetMe).await.unwrap();
    let asked = provider.asked.lock().unwrap();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[0].1, None);
    assert_eq!(asked[1].1.as_deref(), Some(r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}"#));
}

#[tokio::test]
async fn forgetting_tokens_makes_the_next_request_ask_and_scopes_can_be_named() {
    let (origin, _) = serve(|_: &Seen, _: &str| Answer::json(200, "{}")).await;
    let provider = Arc::new(Numbered::default());
    let client = Client::new(Arc::clone(&provider)).unwrap().with_base_url(&origin).unwrap();
    client.send(&GetMe).await.unwrap();
    client.send(&GetMe).await.unwrap();
    client.forget_tokens().await;
    client.send(&GetMe).await.unwrap();
    let gateway = client.clone().with_token_scopes(["api://gateway/.default"]);
    gateway.send(&GetMe).await.unwrap();
    let asked = provider.asked.lock().unwrap();
    let scopes: Vec<&str> = asked.iter().map(|(scopes, _)| scopes[0].as_str()).collect();
    assert_eq!(scopes, [format!("{origin}/.default").as_str(), &format!("{origin}/.default"), "api://gateway/.default"]);
}

#[tokio::test]
async fn batch_item_errors_carry_the_ids_of_their_inner_error_or_of_the_post() {
    let (origin, _) = serve(|_: &Seen, _: &str| {
        Answer::json(
            200,
            r#"{"responses":[
                {"id":"1","status":404,"headers":{"content-type":"application/json"},
                 "body":{"error":{"code":"Request_ResourceNotFound","message":"gone","innerError":{"request-id":"item-rid","client-request-id":"item-crid"}}}},
                {"id":"2","status":500,"headers":{"content-type":"application/json"},"body":{"error":{"code":"generalException","message":"boom"}}}
            ]}"#,
        )
        .header("request-id", "post-rid")
    })
    .await;
    let mut batch = Batch::new();
    let first = batch.add(&GetMe).unwrap();
    let second = batch.add(&GetMe).unwrap();
    let answers = client(&origin).send_batch(&batch).await.unwrap();
    let Err(Error::Api(e)) = answers.get(&first) else { panic!("item 1 is a 404") };
    assert_eq!((e.request_id.as_deref(), e.client_request_id.as_deref()), (Some("item-rid"), Some("item-crid")));
    let Err(error) = answers.get(&second) else { panic!("item 2 is a 500") };
    assert_eq!(error.service_code().as_deref(), Some("generalException"));
    let Error::Api(e) = error else { panic!("an API error") };
    assert_eq!(e.request_id.as_deref(), Some("post-rid"), "the POST's request-id");
    assert!(e.client_request_id.is_some(), "the POST's client-request-id, sent by the client");
}

#[tokio::test]
async fn batch_answers_for_items_not_sent_twice_sent_or_unreadable_are_not_taken() {
    let (origin, _) = serve(|_: &Seen, _: &str| {
        Answer::json(
            200,
            r#"{"responses":[
                {"id":"1","status":404,"body":{"error":{"code":"NotFound"}}},
                {"id":"1","status":200,"body":{"id":"forged"}},
                {"id":"2","status":1000},
                {"id":"3","status":200,"body":{"id":"ok"}},
                {"id":"99","status":200,"body":{"id":"never sent"}}
            ]}"#,
        )
    })
    .await;
    let mut batch = Batch::new();
    let keys: Vec<_> = (0..3).map(|_| batch.add(&GetMe).unwrap()).collect();
    let answers = client(&origin).send_batch(&batch).await.unwrap();
    assert!(matches!(answers.get(&keys[0]), Err(Error::Decode(e)) if e.message.contains("more than once")));
    assert!(matches!(answers.get(&keys[1]), Err(Error::Decode(e)) if e.message.contains("not an HTTP status")));
    assert_eq!(answers.get(&keys[2]).unwrap().unwrap()["id"], "ok", "the others' answers are kept");
    assert!(answers.response("99").is_none());
    assert_eq!(answers.len(), 1);
}

#[tokio::test]
async fn a_success_s_headers_can_be_read() {
    let (origin, _) = serve(|_: &Seen, _: &str| {
        Answer::json(201, r#"{"id":"new"}"#)
            .header("etag", "W/\"1\"")
            .header("location", "https://graph.microsoft.com/v1.0/me")
            .header("request-id", "rid")
    })
    .await;
    let response = client(&origin).send_with_response(&GetMe).await.unwrap();
    assert_eq!(response.status(), http::StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "W/\"1\"");
    assert_eq!(response.headers()["location"], "https://graph.microsoft.com/v1.0/me");
    assert_eq!(response.headers()["request-id"], "rid");
    assert_eq!(response.into_body().unwrap()["id"], "new");
    let called = client(&origin).call(GetMe).with_response().await.unwrap();
    assert_eq!(called.headers()["request-id"], "rid");
}

#[tokio::test]
async fn a_transport_error_says_why_and_shows_no_url() {
    // A port nothing listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = Client::new(BearerToken::new("t")).unwrap().with_base_url(&format!("http://{closed}")).unwrap();
    let op = WithHeaders::new(&GetMe);
    let error = client.send(&op).await.unwrap_err();
    let text = error.to_string();
    assert!(text.to_ascii_lowercase().contains("refused"), "{text}");
    assert!(!text.contains(&closed.to_string()), "{text}");
}

#[tokio::test]
async fn an_api_key_does_not_follow_a_redirect_to_another_origin_and_hops_share_the_timeout() {
    let (elsewhere, seen_elsewhere) = serve(|_: &Seen, _: &str| Answer::json(200, "{}")).await;
    let target = format!("{elsewhere}/download?sig=secret");
    let (origin, _) = serve(move |_: &Seen, _: &str| Answer::json(302, "").header("location", target.clone())).await;
    let client = Client::new(BearerToken::new("the-key")).unwrap().with_base_url(&origin).unwrap();
    client.send(&GetThing).await.unwrap();
    let seen = seen_elsewhere.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-api-key"), None, "{seen:?}");

    // Each hop answers after 400 ms and points at the next: a 1 s budget ends within 3 hops.
    let (slow, hops) = serve(|seen: &Seen, origin: &str| {
        let n: usize = seen.target.trim_start_matches("/hop/").parse().unwrap_or(0);
        Answer::json(302, "").header("location", format!("{origin}/hop/{}", n + 1)).after(Duration::from_millis(400))
    })
    .await;
    let client = Client::new(BearerToken::new("t")).unwrap().with_base_url(&slow).unwrap().with_timeout(Duration::from_secs(1));
    let error = client.send(&GetMe).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error}");
    assert!(hops.lock().unwrap().len() <= 3, "{} hops", hops.lock().unwrap().len());
}

#[tokio::test]
async fn a_next_link_that_repeats_is_not_followed_forever() {
    let (origin, log) = serve(|_: &Seen, origin: &str| {
        Answer::json(200, format!(r#"{{"value":[{{"id":"x"}}],"@odata.nextLink":"{origin}/users?$skiptoken=same"}}"#))
    })
    .await;
    let op = ListUsers { consistency_level: Some(ConsistencyLevel::Eventual) };
    let pages: Vec<_> = client(&origin).pages(&op).collect().await;
    assert!(matches!(pages.last(), Some(Err(Error::Decode(e))) if e.path == "@odata.nextLink"), "{pages:?}");
    assert_eq!(log.lock().unwrap().len(), 2, "the first page, then its link once: that page links to itself");
}

/// A provider that gives a blank token.
struct Blank;

impl TokenProvider for Blank {
    fn token<'a>(&'a self, _: &'a [String]) -> TokenFuture<'a> {
        Box::pin(async { Ok(AccessToken { token: BearerToken::new("  "), expires_at: None }) })
    }
}

/// A provider that never answers.
struct Hung;

impl TokenProvider for Hung {
    fn token<'a>(&'a self, _: &'a [String]) -> TokenFuture<'a> {
        Box::pin(std::future::pending::<Result<AccessToken, CredentialError>>())
    }
}

#[tokio::test]
async fn an_empty_token_is_a_credential_error_and_nothing_is_sent() {
    let (origin, log) = serve(|_: &Seen, _: &str| Answer::json(200, "{}")).await;
    let client = Client::new(Blank).unwrap().with_base_url(&origin).unwrap();
    assert!(matches!(client.send(&GetMe).await, Err(Error::Credential(_))));
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn requests_waiting_on_a_hung_provider_all_fail_within_one_timeout() {
    let client = Client::new(Hung).unwrap().with_base_url("http://127.0.0.1:9").unwrap().with_timeout(Duration::from_secs(1));
    let started = tokio::time::Instant::now();
    let sends: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&GetMe).await })
        })
        .collect();
    for send in sends {
        assert!(matches!(send.await.unwrap(), Err(Error::Credential(_))));
    }
    // On tokio's paused clock: every wait ended when the first one's timeout did.
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}
