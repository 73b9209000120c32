//! The `tracing` feature: spans and events for a send, a throttled retry, a redirect and a page,
//! and never the token in any field. Runs only with the feature:
//!
//!     cargo test -p graph-runtime --features tracing --test tracing
#![cfg(feature = "tracing")]

use graph_runtime::RetryPolicy;
use graph_runtime::client::StreamExt;
use graph_runtime::{BearerToken, Client};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::operations::{GetStatus, ListStatuses};
use support::scripted::{reply, scripted};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

mod support;

const TOKEN: &str = "traced-token.77aa";
const OK_BODY: &str = r#"{"id":"s1","installedDeviceCount":3}"#;

/// Every span and event as one line: its name or message, then `field=value` pairs.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Line(&mut line));
        let mut lines = self.0.lock().unwrap();
        lines.push(line);
        Id::from_u64(lines.len() as u64)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = "record".to_string();
        values.record(&mut Line(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = "event".to_string();
        event.record(&mut Line(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn send_retry_and_redirect_are_traced_without_the_token() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let script = vec![
        reply(429, &[("retry-after", "0")], ""),
        reply(302, &[("location", "moved?sig=secret-signature")], ""),
        reply(200, &[], OK_BODY),
    ];
    let (url, _) = scripted(script).await;
    let retry = RetryPolicy { base_delay: Duration::from_millis(1), ..RetryPolicy::default() };
    let client = Client::new(BearerToken::new(TOKEN)).unwrap().with_base_url(&url).unwrap().with_retry_policy(retry);
    client.send(&GetStatus { id: "s1" }).await.unwrap();
    let lines = capture.0.lock().unwrap().clone();
    let text = lines.join("\n");
    assert!(text.contains("span graph.request method=GET"), "{text}");
    let path = "path=/beta/statuses/s1 client_request_id=";
    assert!(text.contains(&format!("message=graph: throttled, retrying {path}")), "{text}");
    assert!(text.contains("attempt=1 status=429 delay_ms=0"), "{text}");
    assert!(text.contains("message=graph: following a redirect status=302 cross_origin=false"), "{text}");
    assert!(text.contains("attempt=2 status=200"), "{text}");
    assert!(!text.contains(TOKEN) && !text.contains("secret-signature"), "{text}");
}

#[tokio::test]
async fn an_exhausted_throttle_is_a_warning() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let (url, _) = scripted(vec![reply(503, &[("retry-after", "0")], "")]).await;
    let client = Client::new(BearerToken::new(TOKEN)).unwrap().with_base_url(&url).unwrap().with_retry_policy(RetryPolicy::never());
    assert!(client.send(&GetStatus { id: "s1" }).await.is_err());
    let text = capture.0.lock().unwrap().join("\n");
    assert!(text.contains("message=graph: throttled, not retried path="), "{text}");
    assert!(text.contains("attempt=1 status=503 decision=Stop(AttemptsExhausted)"), "{text}");
}

#[tokio::test]
async fn each_page_is_an_event() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let (url, _) = scripted(vec![reply(200, &[], r#"{"value":[{"id":"s1"},{"id":"s2"}]}"#)]).await;
    let client = Client::new(BearerToken::new(TOKEN)).unwrap().with_base_url(&url).unwrap();
    let pages: Vec<_> = client.pages(&ListStatuses).collect().await;
    assert_eq!(pages.len(), 1);
    let text = capture.0.lock().unwrap().join("\n");
    assert!(text.contains("message=graph: page items=2 last=true"), "{text}");
}
