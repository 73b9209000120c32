//! JSON batching over real HTTP on 127.0.0.1, against a mock that answers `$batch` as Graph does:
//! mixed operations go in one POST and come back typed as if sent alone (a 404 item with its
//! ODataError, a 429 item with its Retry-After), large sets split into POSTs of 20, and a
//! `dependsOn` that would cross POSTs is refused before anything is sent.
#![cfg(all(feature = "client", feature = "graph"))]

mod support;

use graph_runtime::{BATCH_LIMIT, Batch, build_request, parse_response};
use graph_runtime::{BaseUrl, BearerToken, Client, Error, ErrorBody, Patch, RequestError, RetryPolicy};
use serde_json::{Value, json};
use std::time::Duration;
use support::models::{Status, StatusPatch};
use support::operations::{GetStatus, ListStatuses, UpdateStatus};
use support::scripted::{Reply, Seen, answering, reply};

fn status_json(id: &str) -> Value {
    json!({"id": id, "userName": format!("user {id}"), "installedDeviceCount": 3})
}

/// What Graph answers to one item of a batch, by its URL: a missing user is a 404 with Graph's
/// error body, a busy one a 429 with Retry-After in the item's headers, anything else a success.
fn answer_item(item: &Value) -> Value {
    let id = item["id"].as_str().unwrap_or_default().to_string();
    let url = item["url"].as_str().unwrap_or_default();
    let error = |status: u16, code: &str, extra: Value| {
        let mut headers = json!({"Content-Type": "application/json", "request-id": format!("req-{id}")});
        headers.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"id": id, "status": status, "headers": headers, "body": {"error": {
            "code": code, "message": format!("{code} for {url}"),
            "innerError": {"date": "2026-11-30T07:40:00", "request-id": format!("req-{id}"), "client-request-id": "c0ffee00-0000-4000-8000-000000000000"}
        }}})
    };
    if url.ends_with("/missing") {
        error(404, "Request_ResourceNotFound", json!({}))
    } else if url.ends_with("/busy") {
        // A number where Graph writes a string: still read.
        error(429, "TooManyRequests", json!({"Retry-After": 7}))
    } else if item["method"] == "PATCH" {
        json!({"id": id, "status": 204, "headers": {}})
    } else if url.starts_with("/statuses/") {
        let user = url.rsplit('/').next().unwrap();
        json!({"id": id, "status": 200, "headers": {"Content-Type": "application/json;odata.metadata=minimal"}, "body": status_json(user)})
    } else {
        json!({"id": id, "status": 200, "headers": {"Content-Type": "application/json"}, "body": {"value": [status_json("s1")]}})
    }
}

/// A `$batch` endpoint: refuses more than 20 requests as Graph does, answers each item (in
/// reverse order, as Graph may), and 404s anything that is not a batch.
fn graph_batch(seen: &Seen) -> Reply {
    if seen.method != "POST" || seen.target != "/beta/$batch" {
        return reply(404, &[], r#"{"error":{"code":"BadRequest","message":"not a batch"}}"#);
    }
    let body: Value = serde_json::from_slice(&seen.body).unwrap();
    let requests = body["requests"].as_array().unwrap();
    if requests.len() > 20 {
        let error = r#"{"error":{"code":"BadRequest","message":"Number of requests exceeds the limit of 20."}}"#;
        return reply(400, &[("content-type", "application/json")], error);
    }
    let responses: Vec<Value> = requests.iter().rev().map(answer_item).collect();
    reply(200, &[("content-type", "application/json")], &json!({ "responses": responses }).to_string())
}

async fn client_and_server() -> (Client, std::sync::Arc<std::sync::Mutex<Vec<Seen>>>) {
    let (url, seen) = answering(graph_batch).await;
    let client = Client::new(BearerToken::new("b4tch-token")).unwrap().with_base_url(&url).unwrap();
    (client, seen)
}

#[tokio::test]
async fn mixed_operations_go_in_one_post_and_come_back_typed_as_if_sent_alone() {
    let (client, seen) = client_and_server().await;
    let patch = StatusPatch { user_name: Patch::Set("renamed".to_string()), ..Default::default() };
    let mut batch = Batch::new();
    let found = batch.add(&GetStatus { id: "u1" }).unwrap();
    let updated = batch.add_after(&UpdateStatus { id: "u1", patch: &patch }, &[found.id()]).unwrap();
    let missing = batch.add(&GetStatus { id: "missing" }).unwrap();
    let busy = batch.add(&GetStatus { id: "busy" }).unwrap();
    let listed = batch.add(&ListStatuses).unwrap();
    let answers = client.send_batch(&batch).await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "one round trip for five operations");
    assert_eq!(seen[0].header("authorization"), Some("Bearer b4tch-token"), "the POST carries the token");
    assert!(seen[0].header("client-request-id").is_some());
    let sent: Value = serde_json::from_slice(&seen[0].body).unwrap();
    let requests = sent["requests"].as_array().unwrap();
    assert_eq!(requests[0]["id"], "1");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["url"], "/statuses/u1");
    assert!(requests[0].get("body").is_none() && requests[0].get("dependsOn").is_none());
    assert_eq!(requests[1]["method"], "PATCH");
    assert_eq!(requests[1]["url"], "/statuses/u1");
    assert_eq!(requests[1]["headers"]["content-type"], "application/json");
    // The body as the operation encoded it, embedded as JSON rather than as a string.
    assert_eq!(requests[1]["body"], json!({"userName": "renamed"}));
    assert_eq!(requests[1]["dependsOn"], json!(["1"]));
    assert!(requests.iter().all(|r| r["headers"].get("authorization").is_none()), "no token inside the body");

    let status: Status = answers.get(&found).unwrap().unwrap();
    assert_eq!(status.id.as_deref(), Some("u1"));
    assert_eq!(status.installed_device_count, Some(3));
    assert!(answers.get(&updated).unwrap().is_none(), "204: no body, as for a single PATCH");
    let page = answers.get(&listed).unwrap().unwrap();
    assert_eq!(page.value.len(), 1);

    let Err(Error::Api(not_found)) = answers.get(&missing) else { panic!("the 404 item is its own error") };
    assert_eq!(not_found.status, 404);
    assert_eq!(not_found.request_id.as_deref(), Some("req-3"), "the item's own headers");
    let ErrorBody::Parsed(body) = &not_found.body else { panic!("the item's ODataError parses") };
    assert_eq!(body.error.code, "Request_ResourceNotFound");
    assert!(body.error.innererror.is_some(), "Graph's innerError is read");
    assert_eq!(not_found.retry_after, None);

    let Err(Error::Api(throttled)) = answers.get(&busy) else { panic!("the 429 item is its own error") };
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.retry_after, Some(Duration::from_secs(7)), "that item's Retry-After");
    assert_eq!(answers.response(busy.id()).unwrap().headers()["retry-after"], "7");
}

#[tokio::test]
async fn an_item_reads_as_the_same_response_sent_alone_would() {
    // Sent alone: the same operation's request, and the same answer read by parse_response.
    let op = GetStatus { id: "missing" };
    let base = BaseUrl::parse("https://graph.microsoft.com/beta").unwrap();
    let alone = build_request(&op, &base, &BearerToken::new("t")).unwrap();
    let mut batch = Batch::new();
    let key = batch.add(&op).unwrap();
    let item = &batch.items()[0];
    assert_eq!(format!("https://graph.microsoft.com/beta{}", item.url), alone.uri().to_string());
    assert_eq!(item.method, alone.method().as_str());
    assert_eq!(item.headers["accept"], alone.headers()["accept"].to_str().unwrap());

    let answer = answer_item(&json!({"id": "1", "method": "GET", "url": item.url}));
    let body = json!({"responses": [answer]}).to_string();
    let post = batch.posts().next().unwrap();
    let http_response = http::Response::builder().status(200).body(body.into_bytes()).unwrap();
    let answers = parse_response::<graph_runtime::graph::BatchPost>(http_response).unwrap();
    // Sent alone, the ids come as headers; in a batch, from the item's `innerError`.
    let mut single = http::Response::builder()
        .status(404)
        .header("request-id", "req-1")
        .header("client-request-id", "c0ffee00-0000-4000-8000-000000000000");
    single = single.header("content-type", "application/json");
    let single = single.body(serde_json::to_vec(&answer["body"]).unwrap()).unwrap();
    let (Err(Error::Api(batched)), Err(Error::Api(alone))) = (answers.get(&key), parse_response::<GetStatus>(single)) else {
        panic!("both are API errors")
    };
    assert_eq!(batched, alone);
    assert_eq!(post.items().len(), 1);
}

#[tokio::test]
async fn forty_five_operations_go_as_posts_of_twenty_twenty_and_five() {
    let (client, seen) = client_and_server().await;
    let ids: Vec<String> = (0..45).map(|i| format!("u{i}")).collect();
    let mut batch = Batch::new();
    let keys: Vec<_> = ids.iter().map(|id| batch.add(&GetStatus { id }).unwrap()).collect();
    let answers = client.send_batch(&batch).await.unwrap();
    let sizes: Vec<usize> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| serde_json::from_slice::<Value>(&s.body).unwrap()["requests"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [BATCH_LIMIT, BATCH_LIMIT, 5]);
    for (key, id) in keys.iter().zip(&ids) {
        assert_eq!(answers.get(key).unwrap().unwrap().id.as_deref(), Some(id.as_str()));
    }
}

#[test]
fn a_depends_on_across_posts_or_to_no_earlier_item_is_refused() {
    let mut batch = Batch::new();
    let first = batch.add(&GetStatus { id: "a" }).unwrap();
    for _ in 1..BATCH_LIMIT {
        batch.add(&GetStatus { id: "b" }).unwrap();
    }
    let Err(RequestError::Batch(why)) = batch.add_after(&GetStatus { id: "c" }, &[first.id()]) else {
        panic!("item 21 may not depend on item 1")
    };
    assert!(why.contains("item 21 depends on item 1") && why.contains("within one batch"), "{why}");
    let Err(RequestError::Batch(why)) = batch.add_after(&GetStatus { id: "c" }, &["99"]) else { panic!("no item 99") };
    assert!(why.contains("not an earlier item"), "{why}");
    assert_eq!(batch.len(), BATCH_LIMIT, "a refused item is not added");
    // Within the second POST a dependency is fine.
    let second = batch.add(&GetStatus { id: "d" }).unwrap();
    assert!(batch.add_after(&GetStatus { id: "e" }, &[second.id()]).is_ok());
}

#[tokio::test]
async fn a_throttled_batch_post_is_returned_not_resent_by_default() {
    let (url, seen) =
        answering(|_| reply(429, &[("retry-after", "1")], r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#)).await;
    let client = Client::new(BearerToken::new("t")).unwrap().with_base_url(&url).unwrap();
    let mut batch = Batch::new();
    batch.add(&GetStatus { id: "a" }).unwrap();
    let Err(Error::Api(e)) = client.send_batch(&batch).await else { panic!("the POST's 429") };
    assert_eq!(e.status, 429);
    assert_eq!(e.retry_after, Some(Duration::from_secs(1)));
    assert_eq!(seen.lock().unwrap().len(), 1, "its items may have run: a POST is not resent by default");
    assert_eq!(client.retry_policy(), &RetryPolicy::default());
}

/// A `$batch` endpoint that answers its first POST as Graph does and 503s every later one.
async fn first_post_only() -> String {
    let posts = std::sync::atomic::AtomicUsize::new(0);
    let (url, _) = answering(move |seen| match posts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
        0 => graph_batch(seen),
        _ => reply(503, &[], r#"{"error":{"code":"serviceNotAvailable","message":"busy"}}"#),
    })
    .await;
    url
}

#[tokio::test]
async fn posts_sent_one_by_one_keep_the_answers_of_those_that_succeeded() {
    let client =
        |url: &str| Client::new(BearerToken::new("t")).unwrap().with_base_url(url).unwrap().with_retry_policy(RetryPolicy::never());
    let ids: Vec<String> = (0..25).map(|i| format!("u{i}")).collect();
    let mut batch = Batch::new();
    let keys: Vec<_> = ids.iter().map(|id| batch.add(&GetStatus { id }).unwrap()).collect();

    // send_batch: the second POST's failure is the result.
    let Err(Error::Api(e)) = client(&first_post_only().await).send_batch(&batch).await else { panic!("the second POST's 503") };
    assert_eq!(e.status, 503);

    // One by one: the first POST's answers are kept.
    let one_by_one = client(&first_post_only().await);
    let mut answers = graph_runtime::BatchResponses::default();
    let mut failed = 0;
    for post in batch.posts() {
        match one_by_one.send(&post).await {
            Ok(more) => answers.extend(more),
            Err(_) => failed += 1,
        }
    }
    assert_eq!((answers.len(), failed), (BATCH_LIMIT, 1));
    assert_eq!(answers.get(&keys[0]).unwrap().unwrap().id.as_deref(), Some("u0"));
    assert!(matches!(answers.get(&keys[24]), Err(Error::Decode(_))), "never answered: named as such");
}
