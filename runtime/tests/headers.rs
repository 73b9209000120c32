//! The headers every request carries (`User-Agent`, a fresh `client-request-id`), headers added per
//! request, and what an error tells a person: over loopback, against answers shaped like Graph's.
#![cfg(feature = "client")]

use graph_runtime::{BearerToken, Client, Error, RequestError, RetryPolicy, WithHeaders};
use std::time::Duration;
use support::operations::GetStatus;
use support::scripted::{reply, scripted};

mod support;

const OK_BODY: &str = r#"{"id":"s1","installedDeviceCount":3}"#;

fn client(url: &str) -> Client {
    let retry = RetryPolicy { base_delay: Duration::from_millis(1), ..RetryPolicy::default() };
    Client::new(BearerToken::new("t")).unwrap().with_base_url(url).unwrap().with_retry_policy(retry)
}

fn is_uuid_v4(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|id| id.get_version_num() == 4)
}

#[tokio::test]
async fn every_request_names_its_service_and_carries_a_fresh_client_request_id_kept_across_retries() {
    let script = vec![reply(503, &[("retry-after", "0")], ""), reply(200, &[], OK_BODY), reply(200, &[], OK_BODY)];
    let (url, seen) = scripted(script).await;
    let client = client(&url);
    client.send(&GetStatus { id: "s1" }).await.unwrap();
    client.send(&GetStatus { id: "s1" }).await.unwrap();
    let seen = seen.lock().unwrap();
    // The operation's service names the agent (a generated crate's is its name and version).
    let default_user_agent = support::operations::SERVICE.user_agent;
    assert_eq!(default_user_agent, "runtime-tests/0.1");
    assert!(seen.iter().all(|s| s.header("user-agent") == Some(default_user_agent)));
    let ids: Vec<&str> = seen.iter().map(|s| s.header("client-request-id").unwrap()).collect();
    assert!(ids.iter().all(|id| is_uuid_v4(id)), "{ids:?}");
    // The retry is the same request; the second send is another.
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
}

#[tokio::test]
async fn the_user_agent_and_per_request_headers_can_be_set() {
    let (url, seen) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let client = client(&url).with_user_agent("contoso-inventory/2.1").unwrap();
    let op = GetStatus { id: "s1" };
    let op = WithHeaders::new(&op).header("ConsistencyLevel", "eventual").header("client-request-id", "mine-1");
    client.send(&op).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0].header("user-agent"), Some("contoso-inventory/2.1"));
    assert_eq!(seen[0].header("consistencylevel"), Some("eventual"));
    assert_eq!(seen[0].headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("client-request-id")).count(), 1);
    assert_eq!(seen[0].header("client-request-id"), Some("mine-1"));

    assert!(matches!(client.with_user_agent("bad\r\nx: y"), Err(RequestError::InvalidHeader { .. })));
    let bad = GetStatus { id: "s1" };
    let bad = WithHeaders::new(&bad).header("x-note", "a\nb");
    assert!(matches!(Client::new(BearerToken::new("t")).unwrap().send(&bad).await, Err(Error::Request(_))));
}

#[tokio::test]
async fn an_error_reads_as_a_sentence_with_both_ids_even_when_the_service_does_not_echo_one() {
    let body = r#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 's1' does not exist.","innerError":{"date":"2026-11-30T06:40:12","request-id":"9b0f2c1e-4d3a-4b5c-8d6e-7f8091a2b3c4"}}}"#;
    let (url, seen) = scripted(vec![reply(404, &[("request-id", "9b0f2c1e-4d3a-4b5c-8d6e-7f8091a2b3c4")], body)]).await;
    let err = client(&url).send(&GetStatus { id: "s1" }).await.unwrap_err();
    let sent = seen.lock().unwrap()[0].header("client-request-id").unwrap().to_string();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.client_request_id.as_deref(), Some(sent.as_str()));
    assert_eq!(
        err.to_string(),
        format!(
            "the service answered 404 Not Found: Request_ResourceNotFound: Resource 's1' does not exist. \
             (request-id 9b0f2c1e-4d3a-4b5c-8d6e-7f8091a2b3c4, client-request-id {sent})"
        )
    );
}

/// A connection that closes before any answer: the request may have reached the service, so the
/// transport error names the `client-request-id` it was sent with.
#[tokio::test]
async fn a_transport_error_names_the_client_request_id_it_was_sent_with() {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut chunk = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed before the request head ended");
            head.extend_from_slice(&chunk[..n]);
        }
        // Dropped here: the connection closes with no response.
        let head = String::from_utf8(head).unwrap();
        head.lines().find_map(|l| l.strip_prefix("client-request-id: ")).map(str::to_string).unwrap()
    });
    let err = client(&url).with_retry_policy(RetryPolicy::never()).send(&GetStatus { id: "s1" }).await.unwrap_err();
    let sent = server.await.unwrap();
    let Error::Transport { client_request_id, .. } = &err else { panic!("{err:?}") };
    assert_eq!(client_request_id.as_deref(), Some(sent.as_str()));
    assert!(err.to_string().ends_with(&format!("(client-request-id {sent})")), "{err}");
}
