//! Redirects over loopback: a PATCH (or anything with a body) is never re-sent to where a 3xx
//! points, and a GET follows one without carrying the token to another origin (another port on
//! 127.0.0.1 is another origin).
#![cfg(feature = "client")]

use graph_runtime::{BearerToken, Client, Error, Patch, RetryPolicy, WithHeaders};
use support::models::{ODataError, StatusPatch};
use support::operations::{GetStatus, UpdateStatus};
use support::scripted::{reply, scripted, serve_script};
use tokio::net::TcpListener;

mod support;

const TOKEN: &str = "redirect-token.9f2c";
const OK_BODY: &str = r#"{"id":"s1","installedDeviceCount":3}"#;

fn client(url: &str) -> Client {
    Client::new(BearerToken::new(TOKEN)).unwrap().with_base_url(url).unwrap().with_retry_policy(RetryPolicy::never())
}

fn status_of<T: std::fmt::Debug>(result: Result<T, Error<ODataError>>) -> u16 {
    match result {
        Err(Error::Api(e)) => e.status.as_u16(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_patch_answered_307_or_308_to_another_path_is_not_followed() {
    for status in [307, 308, 301, 302, 303] {
        let location = "/beta/users/victim-user/delete-me";
        let (url, seen) = scripted(vec![reply(status, &[("location", location)], ""), reply(200, &[], OK_BODY)]).await;
        let patch = StatusPatch { user_name: Patch::Set("x".to_string()), ..Default::default() };
        let result = client(&url).send(&UpdateStatus { id: "s1", patch: &patch }).await;
        assert_eq!(status_of(result), status);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{status}: the PATCH was re-sent: {:?}", seen.iter().map(|s| &s.target).collect::<Vec<_>>());
        assert!(seen.iter().all(|s| s.target != location));
    }
}

#[tokio::test]
async fn a_patch_redirected_to_another_host_sends_neither_body_nor_token_there() {
    let (elsewhere, seen_elsewhere) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let (url, seen) = scripted(vec![reply(308, &[("location", &format!("{elsewhere}/steal"))], "")]).await;
    let patch = StatusPatch { user_name: Patch::Set("secret".to_string()), ..Default::default() };
    assert_eq!(status_of(client(&url).send(&UpdateStatus { id: "s1", patch: &patch }).await), 308);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(seen_elsewhere.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_get_redirected_to_another_origin_is_followed_without_the_token() {
    let (download, seen_download) = scripted(vec![reply(200, &[], OK_BODY)]).await;
    let location = format!("{download}/pre-authenticated?sig=abc");
    let (url, seen) = scripted(vec![reply(302, &[("location", &location)], "")]).await;
    let op = GetStatus { id: "s1" };
    let op = WithHeaders::new(&op).header("cookie", "session=1");
    let status = client(&url).send(&op).await.unwrap().unwrap();
    assert_eq!(status.installed_device_count, Some(3));
    let first = &seen.lock().unwrap()[0];
    assert_eq!(first.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let seen_download = seen_download.lock().unwrap();
    assert_eq!(seen_download.len(), 1);
    assert_eq!(seen_download[0].target, "/beta/pre-authenticated?sig=abc");
    assert_eq!(seen_download[0].method, "GET");
    assert_eq!(seen_download[0].header("authorization"), None);
    assert_eq!(seen_download[0].header("cookie"), None);
}

#[tokio::test]
async fn a_get_redirected_on_the_same_origin_keeps_the_token_and_a_return_does_not_regain_it() {
    // Same origin, relative Location: followed with the token.
    let (url, seen) = scripted(vec![reply(307, &[("location", "moved")], ""), reply(200, &[], OK_BODY)]).await;
    client(&url).send(&GetStatus { id: "s1" }).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].target, "/beta/statuses/moved");
    assert_eq!(seen[1].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));

    // Out to another origin and back: `localhost` names the same server as `127.0.0.1` but is
    // another origin. The token, once dropped, stays dropped.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let away = format!("http://localhost:{port}/away");
    let back = format!("http://127.0.0.1:{port}/back");
    let script = vec![reply(302, &[("location", &away)], ""), reply(302, &[("location", &back)], ""), reply(200, &[], OK_BODY)];
    let (url, seen) = serve_script(listener, script);
    client(&url).send(&GetStatus { id: "s1" }).await.unwrap();
    let seen = seen.lock().unwrap();
    let targets: Vec<&str> = seen.iter().map(|s| s.target.as_str()).collect();
    assert_eq!(targets[1..], ["/away", "/back"]);
    assert!(seen[0].header("authorization").is_some());
    assert_eq!(seen[1].header("authorization"), None);
    assert_eq!(seen[2].header("authorization"), None);
}

#[tokio::test]
async fn redirects_stop_after_the_limit_and_the_3xx_is_returned() {
    let (url, seen) = scripted(vec![reply(302, &[("location", "again")], "")]).await;
    assert_eq!(status_of(client(&url).send(&GetStatus { id: "s1" }).await), 302);
    assert_eq!(seen.lock().unwrap().len(), 1 + graph_runtime::client::MAX_REDIRECTS);
}

#[tokio::test]
async fn a_redirect_to_another_scheme_is_not_followed() {
    let (url, seen) = scripted(vec![reply(302, &[("location", "ftp://127.0.0.1/file")], "")]).await;
    assert_eq!(status_of(client(&url).send(&GetStatus { id: "s1" }).await), 302);
    assert_eq!(seen.lock().unwrap().len(), 1);
}
