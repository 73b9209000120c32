//! Broken HTTP over loopback, odd `Retry-After` values and bodies past the client's size limit:
//! transport or API errors, never a panic, a hang or a token in an error's text.
#![cfg(feature = "client")]

use graph_runtime::client::{DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLarge, StreamExt, reqwest};
use graph_runtime::{BearerToken, Client, Error, RetryDecision, RetryPolicy, StopReason, retry_decision};
use std::time::Duration;
use support::models::{ODataError, StatusPatch};
use support::operations::{GetStatus, ListStatuses, UpdateStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod support;

/// Nothing here should take long; a hung test fails instead.
const LIMIT: Duration = Duration::from_secs(20);

/// A server that answers each connection with `raw` and closes it.
async fn raw_server(raw: impl AsRef<[u8]> + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for _ in 0..16 {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(raw.as_ref()).await;
            let _ = stream.shutdown().await;
        }
    });
    url
}

#[tokio::test]
async fn broken_http_responses_are_errors() {
    let cases: [(&str, &[u8]); 9] = [
        ("body shorter than its Content-Length", b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"id\":\"s1\""),
        ("closed without a word", b""),
        ("not HTTP", b"SSH-2.0-OpenSSH_9.6\r\n"),
        ("status out of range", b"HTTP/1.1 999 What\r\ncontent-length: 0\r\n\r\n"),
        ("broken chunk", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
        ("header without a colon", b"HTTP/1.1 200 OK\r\nbroken header\r\ncontent-length: 2\r\n\r\n{}"),
        ("two content lengths", b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}"),
        ("truncated headers", b"HTTP/1.1 200 OK\r\ncontent-len"),
        ("empty body promised as JSON", b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"),
    ];
    let patch = StatusPatch { installed_device_count: Some(1), ..Default::default() };
    for (what, raw) in cases {
        let url = raw_server(raw).await;
        let client = Client::new(BearerToken::new("t")).unwrap().with_base_url(&url).unwrap().with_timeout(Duration::from_secs(30));
        let result = client.send(&UpdateStatus { id: "s1", patch: &patch }).await;
        // Each answer is complete when the server closes the connection, so the client must see
        // what is wrong with it then; only waiting for more would end in the timeout.
        if let Err(Error::Transport { source, .. }) = &result {
            let timed_out = source.downcast_ref::<reqwest::Error>().is_some_and(reqwest::Error::is_timeout);
            assert!(!timed_out, "{what}: hung until the timeout");
        }
        match (what, &result) {
            // An `Option` output: an empty 2xx body is "no body", not an error.
            ("empty body promised as JSON", Ok(None)) => {}
            // Any three digits are a status to HTTP; outside 2xx it is an API error.
            ("status out of range", Err(Error::Api(e))) if e.status.as_u16() == 999 => {}
            (_, Err(Error::Transport { .. })) => {}
            _ => panic!("{what}: {result:?}"),
        }
    }
}

#[tokio::test]
async fn odd_retry_after_values_neither_panic_nor_wait_long() {
    // Each response, the `Retry-After` values it carries, and what the policy must make of them:
    // unreadable or past values fall back to millisecond backoff, huge ones stop at once, and of
    // two headers the first (0) is the one read.
    let backoff = |d: &RetryDecision| matches!(d, RetryDecision::Retry(wait) if *wait <= Duration::from_millis(10));
    type Case = (&'static [u8], &'static [&'static [u8]], fn(&RetryDecision) -> bool);
    let cases: [Case; 5] = [
        (b"HTTP/1.1 429 Too Many\r\nretry-after: \xff\xfe\r\ncontent-length: 0\r\n\r\n", &[b"\xff\xfe"], backoff),
        (b"HTTP/1.1 429 Too Many\r\nretry-after: -1\r\ncontent-length: 0\r\n\r\n", &[b"-1"], backoff),
        (
            b"HTTP/1.1 503 Busy\r\nretry-after: 99999999999999999999999999\r\ncontent-length: 0\r\n\r\n",
            &[b"99999999999999999999999999"],
            |d| *d == RetryDecision::Stop(StopReason::OverBudget),
        ),
        (
            b"HTTP/1.1 503 Busy\r\nretry-after: Sun, 06 Nov 1994 08:49:37 GMT\r\ncontent-length: 0\r\n\r\n",
            &[b"Sun, 06 Nov 1994 08:49:37 GMT"],
            |d| *d == RetryDecision::Retry(Duration::ZERO),
        ),
        (b"HTTP/1.1 504 Late\r\nretry-after: 0\r\nretry-after: 9\r\ncontent-length: 0\r\n\r\n", &[b"0", b"9"], |d| {
            *d == RetryDecision::Retry(Duration::ZERO)
        }),
    ];
    let policy = RetryPolicy {
        max_attempts: 3,
        max_total: Duration::from_secs(3),
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(10),
        retry_non_idempotent: true,
    };
    let patch = StatusPatch::default();
    for (raw, values, expected) in cases {
        let shown = String::from_utf8_lossy(raw);
        // What the client decides with these headers, without a clock: the decision is pure.
        let status = if raw.starts_with(b"HTTP/1.1 429") {
            429
        } else if raw.starts_with(b"HTTP/1.1 503") {
            503
        } else {
            504
        };
        let mut headers = http::HeaderMap::new();
        for value in values {
            headers.append(http::header::RETRY_AFTER, http::HeaderValue::from_bytes(value).unwrap());
        }
        let status = http::StatusCode::from_u16(status).unwrap();
        let decision =
            retry_decision(&policy, &http::Method::PATCH, status, &headers, 1, Duration::ZERO, std::time::SystemTime::now(), 0.5);
        assert!(expected(&decision), "{shown:?}: {decision:?}");
        // And the client, over loopback, ends with the service's answer rather than a panic.
        let url = raw_server(raw).await;
        let client = Client::new(BearerToken::new("t")).unwrap().with_base_url(&url).unwrap().with_retry_policy(policy.clone());
        let result = client.send(&UpdateStatus { id: "s1", patch: &patch }).await;
        assert!(matches!(result, Err(Error::Api(_))), "{shown:?}: {result:?}");
    }
}

#[tokio::test]
async fn transport_errors_do_not_show_the_token() {
    const TOKEN: &str = "robust-token.5b1d0f";
    // A server that hangs up without answering. (A port closed on purpose could be taken by a
    // parallel test's server in the meantime; this cannot.)
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        drop(stream);
    });
    let client = Client::new(BearerToken::new(TOKEN)).unwrap().with_base_url(&url).unwrap();
    let patch = StatusPatch { installed_device_count: Some(4), ..Default::default() };
    let err = tokio::time::timeout(LIMIT, client.send(&UpdateStatus { id: "s1", patch: &patch })).await.unwrap().unwrap_err();
    server.await.unwrap();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(TOKEN) && !text.contains("5b1d0f"), "{text}");
}

/// A 200 answer whose JSON body is exactly `len` bytes: a status padded with spaces.
fn answer_of_length(len: usize) -> Vec<u8> {
    let json = r#"{"id":"s1","installedDeviceCount":4}"#;
    assert!(json.len() <= len);
    let body = format!("{json}{}", " ".repeat(len - json.len()));
    format!("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n{body}").into_bytes()
}

fn too_large_limit(err: &Error<ODataError>) -> Option<usize> {
    match err {
        Error::Transport { source: e, .. } => e.downcast_ref::<ResponseTooLarge>().map(|t| t.limit),
        _ => None,
    }
}

fn client_with_limit(url: &str, limit: usize) -> Client {
    Client::new(BearerToken::new("t")).unwrap().with_base_url(url).unwrap().with_max_response_bytes(limit)
}

#[tokio::test]
async fn a_body_over_the_limit_is_an_error_and_one_at_the_limit_is_read() {
    let limit = 1024;
    // Declared by Content-Length: refused before reading it.
    let client = client_with_limit(&raw_server(answer_of_length(limit + 1)).await, limit);
    let err = tokio::time::timeout(LIMIT, client.send(&GetStatus { id: "s1" })).await.unwrap().unwrap_err();
    assert_eq!(too_large_limit(&err), Some(limit), "{err:?}");
    assert!(err.to_string().contains("larger than the client's limit of 1024 bytes"), "{err}");

    // Exactly the limit is fine.
    let client = client_with_limit(&raw_server(answer_of_length(limit)).await, limit);
    let status = tokio::time::timeout(LIMIT, client.send(&GetStatus { id: "s1" })).await.unwrap().unwrap();
    assert_eq!(status.and_then(|s| s.installed_device_count), Some(4));
}

#[tokio::test]
async fn a_chunked_body_stops_being_read_at_the_limit() {
    // No Content-Length: 64 chunks of 1 KiB, far past a 4 KiB limit.
    let limit = 4096;
    let mut response =
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let chunk = " ".repeat(1024);
    for _ in 0..64 {
        response.extend_from_slice(format!("400\r\n{chunk}\r\n").as_bytes());
    }
    response.extend_from_slice(b"0\r\n\r\n");
    let client = client_with_limit(&raw_server(response).await, limit);
    assert_eq!(client.max_response_bytes(), limit);
    let err = tokio::time::timeout(LIMIT, client.send(&GetStatus { id: "s1" })).await.unwrap().unwrap_err();
    assert_eq!(too_large_limit(&err), Some(limit), "{err:?}");
    assert_eq!(Client::new(BearerToken::new("t")).unwrap().max_response_bytes(), DEFAULT_MAX_RESPONSE_BYTES);
}

/// A page of `n` empty statuses: a few bytes each on the wire, a whole `Status` each decoded.
fn page_of_empty_statuses(n: usize) -> String {
    format!(r#"{{"value":[{}{{}}]}}"#, "{},".repeat(n - 1))
}

fn decoded_limit_of(err: &Error<ODataError>) -> bool {
    matches!(err, Error::Decode(e) if e.message.contains("bytes of memory"))
}

/// The client's limit on decoded memory reaches every way a response is read: a send, a page of
/// a listing, an item of a batch (read after the batch came back); a larger limit reads the
/// same responses whole.
#[cfg(feature = "graph")]
#[tokio::test]
async fn the_decoded_limit_applies_to_sends_pages_and_batch_items() {
    let page = page_of_empty_statuses(2_000);
    let batch = format!(r#"{{"responses":[{{"id":"1","status":200,"headers":{{"content-type":"application/json"}},"body":{page}}}]}}"#);
    let answer = move |seen: &support::scripted::Seen| {
        let body = if seen.target.ends_with("/$batch") { &batch } else { &page };
        support::scripted::reply(200, &[("content-type", "application/json")], body)
    };
    let (url, _) = support::scripted::answering(answer).await;
    let client = |limit: usize| Client::new(BearerToken::new("t")).unwrap().with_base_url(&url).unwrap().with_max_decoded_bytes(limit);
    let (small, large) = (client(64 << 10), client(16 << 20));
    assert_eq!(small.max_decoded_bytes(), 64 << 10);

    let sent = small.send(&ListStatuses).await.expect_err("over the limit");
    assert!(decoded_limit_of(&sent), "{sent}");
    let pages: Vec<_> = small.pages(&ListStatuses).collect().await;
    assert!(matches!(&pages[..], [Err(e)] if decoded_limit_of(e)), "{pages:?}");
    let mut items = graph_runtime::Batch::new();
    let key = items.add(&ListStatuses).unwrap();
    let answers = small.send_batch(&items).await.expect("the batch itself is small");
    let item = answers.get(&key).expect_err("its item is over the limit");
    assert!(decoded_limit_of(&item), "{item}");

    let page = large.send(&ListStatuses).await.expect("under the limit").expect("a page");
    assert_eq!(page.value.len(), 2_000);
    let answers = large.send_batch(&items).await.expect("a batch");
    assert_eq!(answers.get(&key).expect("under the limit").map(|p| p.value.len()), Some(2_000));
}
