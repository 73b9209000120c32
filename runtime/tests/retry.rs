//! Throttling: the retry policy as a pure function, and the client against loopback servers that
//! answer 429/503/504 (with and without `Retry-After`), never answer, or fail otherwise.
#![cfg(feature = "client")]

use graph_runtime::client::reqwest;
use graph_runtime::{BearerToken, Client, Error};
use graph_runtime::{RetryDecision, RetryPolicy, StopReason, parse_http_date, parse_retry_after, retry_decision};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::models::{ODataError, Status, StatusPatch};
use support::operations::{GetStatus, UpdateStatus};
use support::scripted::{reply, scripted};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

mod support;

// ---------------------------------------------------------------------------------------------
// The decision, without I/O.

fn headers(retry_after: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(v) = retry_after {
        h.insert(http::header::RETRY_AFTER, HeaderValue::from_str(v).unwrap());
    }
    h
}

/// The decision with the jitter roll at 1: the whole backoff, as the rules state it.
fn decide(policy: &RetryPolicy, method: Method, status: u16, retry_after: Option<&str>, attempts: u32, elapsed_ms: u64) -> RetryDecision {
    decide_rolled(policy, method, status, retry_after, attempts, elapsed_ms, 1.0)
}

fn decide_rolled(
    policy: &RetryPolicy,
    method: Method,
    status: u16,
    retry_after: Option<&str>,
    attempts: u32,
    elapsed_ms: u64,
    roll: f64,
) -> RetryDecision {
    retry_decision(
        policy,
        &method,
        StatusCode::from_u16(status).unwrap(),
        &headers(retry_after),
        attempts,
        Duration::from_millis(elapsed_ms),
        SystemTime::now(),
        roll,
    )
}

#[test]
fn defaults_are_the_documented_ones() {
    let p = RetryPolicy::default();
    assert_eq!(p.max_attempts, 4);
    assert_eq!(p.max_total, Duration::from_secs(60));
    assert_eq!(p.base_delay, Duration::from_secs(3));
    assert_eq!(p.max_delay, Duration::from_secs(30));
    assert!(!p.retry_non_idempotent);
    assert_eq!(RetryPolicy::never().max_attempts, 1);
}

#[test]
fn only_429_503_504_are_retried() {
    let p = RetryPolicy::default();
    for status in [429, 503, 504] {
        assert_eq!(decide(&p, Method::GET, status, Some("2"), 1, 0), RetryDecision::Retry(Duration::from_secs(2)), "{status}");
    }
    for status in [200, 204, 400, 401, 403, 404, 409, 500, 501, 502] {
        assert_eq!(decide(&p, Method::GET, status, Some("2"), 1, 0), RetryDecision::Stop(StopReason::NotThrottled), "{status}");
    }
}

#[test]
fn idempotent_methods_retry_by_default_and_patch_post_only_when_opted_in() {
    let p = RetryPolicy::default();
    for m in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD, Method::OPTIONS] {
        assert!(matches!(decide(&p, m.clone(), 429, Some("1"), 1, 0), RetryDecision::Retry(_)), "{m}");
    }
    for m in [Method::PATCH, Method::POST] {
        assert_eq!(decide(&p, m.clone(), 429, Some("1"), 1, 0), RetryDecision::Stop(StopReason::NotIdempotent), "{m}");
    }
    let opted_in = RetryPolicy { retry_non_idempotent: true, ..RetryPolicy::default() };
    for m in [Method::PATCH, Method::POST] {
        assert_eq!(decide(&opted_in, m.clone(), 429, Some("1"), 1, 0), RetryDecision::Retry(Duration::from_secs(1)), "{m}");
    }
}

#[test]
fn attempts_are_bounded_and_zero_means_one() {
    let p = RetryPolicy::default();
    assert!(matches!(decide(&p, Method::GET, 503, None, 3, 0), RetryDecision::Retry(_)));
    assert_eq!(decide(&p, Method::GET, 503, None, 4, 0), RetryDecision::Stop(StopReason::AttemptsExhausted));
    assert_eq!(decide(&p, Method::GET, 503, None, u32::MAX, 0), RetryDecision::Stop(StopReason::AttemptsExhausted));
    for max_attempts in [0, 1] {
        let p = RetryPolicy { max_attempts, ..RetryPolicy::default() };
        assert_eq!(decide(&p, Method::GET, 429, Some("0"), 1, 0), RetryDecision::Stop(StopReason::AttemptsExhausted));
    }
}

#[test]
fn backoff_doubles_from_base_and_is_capped_when_there_is_no_retry_after() {
    let p = RetryPolicy { max_attempts: 100, max_total: Duration::from_secs(3600), ..RetryPolicy::default() };
    let delays: Vec<RetryDecision> = (1..=6).map(|n| decide(&p, Method::GET, 503, None, n, 0)).collect();
    let secs = |s| RetryDecision::Retry(Duration::from_secs(s));
    assert_eq!(delays, vec![secs(3), secs(6), secs(12), secs(24), secs(30), secs(30)]);
    // Far past 2^32 the factor saturates instead of overflowing.
    assert_eq!(decide(&p, Method::GET, 503, None, 99, 0), secs(30));
    // A Retry-After that does not parse is as good as none.
    assert_eq!(decide(&p, Method::GET, 503, Some("soon"), 2, 0), secs(6));
    assert_eq!(decide(&p, Method::GET, 503, Some("-5"), 1, 0), secs(3));
}

/// Without `Retry-After` the backoff is jittered between half and all of it; the service's own
/// `Retry-After` is kept exactly whatever the roll.
#[test]
fn backoff_is_jittered_between_half_and_all_of_it_and_retry_after_is_not() {
    let p = RetryPolicy::default();
    let ms = |m| RetryDecision::Retry(Duration::from_millis(m));
    assert_eq!(decide_rolled(&p, Method::GET, 503, None, 2, 0, 0.0), ms(3_000));
    assert_eq!(decide_rolled(&p, Method::GET, 503, None, 2, 0, 0.5), ms(4_500));
    assert_eq!(decide_rolled(&p, Method::GET, 503, None, 2, 0, 1.0), ms(6_000));
    // Out of range and NaN are clamped, never a panic or a wait past the backoff.
    assert_eq!(decide_rolled(&p, Method::GET, 503, None, 2, 0, -3.0), ms(3_000));
    assert_eq!(decide_rolled(&p, Method::GET, 503, None, 2, 0, 7.0), ms(6_000));
    assert_eq!(decide_rolled(&p, Method::GET, 503, None, 2, 0, f64::NAN), ms(6_000));
    // The cap applies before the jitter: half of 30 s at the least.
    let many = RetryPolicy { max_attempts: 100, ..RetryPolicy::default() };
    assert_eq!(decide_rolled(&many, Method::GET, 503, None, 5, 0, 0.0), ms(15_000));
    for roll in [0.0, 0.3, 1.0] {
        assert_eq!(decide_rolled(&p, Method::GET, 429, Some("7"), 1, 0, roll), ms(7_000));
    }
}

#[test]
fn retry_after_is_kept_even_above_max_delay_but_never_past_the_budget() {
    let p = RetryPolicy::default();
    assert_eq!(decide(&p, Method::GET, 429, Some("45"), 1, 0), RetryDecision::Retry(Duration::from_secs(45)));
    assert_eq!(decide(&p, Method::GET, 429, Some("45"), 1, 15_000), RetryDecision::Retry(Duration::from_secs(45)));
    assert_eq!(decide(&p, Method::GET, 429, Some("45"), 1, 15_001), RetryDecision::Stop(StopReason::OverBudget));
    assert_eq!(decide(&p, Method::GET, 429, Some("61"), 1, 0), RetryDecision::Stop(StopReason::OverBudget));
    assert_eq!(decide(&p, Method::GET, 429, Some("99999999999999999999999"), 1, 0), RetryDecision::Stop(StopReason::OverBudget));
    // Backoff is held to the budget too.
    assert_eq!(decide(&p, Method::GET, 503, None, 1, 58_000), RetryDecision::Stop(StopReason::OverBudget));
}

#[test]
fn retry_after_reads_seconds_and_the_three_http_date_forms() {
    // 1994-11-06T08:49:37Z, the example date of RFC 9110.
    let at = UNIX_EPOCH + Duration::from_secs(784_111_777);
    for form in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
        assert_eq!(parse_http_date(form), Some(at), "{form}");
    }
    let now = at - Duration::from_secs(7);
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(7)));
    // A date already past means "now".
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at + Duration::from_secs(60)), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
    for bad in [
        "",
        " ",
        "-1",
        "1.5",
        "0x10",
        "soon",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 PST",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37:00 GMT",
        "Sun, 06 Nov 99999999999999999999 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sat, 31 Feb 2024 00:00:00 GMT",
        "Thu, 29 Feb 2023 00:00:00 GMT",
        "Mon, 29 Feb 1900 00:00:00 GMT",
        "Sun, 31 Apr 2024 00:00:00 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
    ] {
        assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
    }
    // Leap years and the end of the year land on the right second.
    assert_eq!(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"), Some(UNIX_EPOCH + Duration::from_secs(1_709_164_800)));
    assert_eq!(parse_http_date("Fri, 31 Dec 1999 23:59:59 GMT"), Some(UNIX_EPOCH + Duration::from_secs(946_684_799)));
    assert_eq!(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"), Some(UNIX_EPOCH + Duration::from_secs(951_782_400)));
}

#[test]
fn an_http_date_retry_after_is_measured_from_now() {
    let p = RetryPolicy::default();
    let now = UNIX_EPOCH + Duration::from_secs(1_709_164_800 - 10);
    let decision = retry_decision(
        &p,
        &Method::GET,
        StatusCode::TOO_MANY_REQUESTS,
        &headers(Some("Thu, 29 Feb 2024 00:00:00 GMT")),
        1,
        Duration::ZERO,
        now,
        0.0,
    );
    assert_eq!(decision, RetryDecision::Retry(Duration::from_secs(10)));
}

// ---------------------------------------------------------------------------------------------
// The client, against loopback servers.

/// Millisecond delays, so that the tests take little time.
fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_total: Duration::from_secs(10),
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        retry_non_idempotent: false,
    }
}

fn client(url: &str, policy: RetryPolicy) -> Client {
    Client::new(BearerToken::new("t")).unwrap().with_base_url(url).unwrap().with_retry_policy(policy)
}

const OK_BODY: &str = r#"{"id":"s1","installedDeviceCount":3}"#;

fn status_of<E: std::fmt::Debug>(result: Result<Option<Status>, Error<E>>) -> u16 {
    match result {
        Err(Error::Api(e)) => e.status.as_u16(),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_429_with_retry_after_1_is_waited_out_then_retried_and_succeeds() {
    let (url, seen) = scripted(vec![reply(429, &[("retry-after", "1")], ""), reply(200, &[], OK_BODY)]).await;
    let client = client(&url, backoff_over_budget());
    let got = client.send(&GetStatus { id: "s1" }).await.unwrap().unwrap();
    assert_eq!(got.installed_device_count, Some(3));
    let seen = seen.lock().unwrap();
    // Retried at all: the wait was Retry-After's, since any backoff is over the budget.
    assert_eq!(seen.len(), 2);
    let waited = seen[1].at - seen[0].at;
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert_eq!(seen[0].header("retry-attempt"), None);
    assert_eq!(seen[1].header("retry-attempt"), Some("1"));
}

#[tokio::test]
async fn retry_after_0_retries_at_once() {
    let (url, seen) = scripted(vec![reply(429, &[("retry-after", "0")], ""), reply(200, &[], OK_BODY)]).await;
    client(&url, backoff_over_budget()).send(&GetStatus { id: "s1" }).await.unwrap();
    // Any backoff is over the budget, so a retry at all shows Retry-After won.
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// A policy whose own backoff (at least 5 minutes) never fits its 60 s budget: a retry under it
/// can only have waited what `Retry-After` said. This proves which wait was taken by a count,
/// not by a clock.
fn backoff_over_budget() -> RetryPolicy {
    RetryPolicy { base_delay: Duration::from_secs(600), max_delay: Duration::from_secs(600), ..RetryPolicy::default() }
}

#[tokio::test]
async fn a_503_that_persists_fails_after_exactly_max_attempts() {
    let (url, seen) = scripted(vec![reply(503, &[], r#"{"error":{"code":"serviceNotAvailable","message":"busy"}}"#)]).await;
    let result = client(&url, RetryPolicy { max_attempts: 3, ..fast() }).send(&GetStatus { id: "s1" }).await;
    match result {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
            // The last response's error body is handed back, not swallowed.
            assert!(format!("{:?}", e.body).contains("serviceNotAvailable"), "{:?}", e.body);
        }
        other => panic!("expected the 503, got {other:?}"),
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    let attempts: Vec<Option<&str>> = seen.iter().map(|s| s.header("retry-attempt")).collect();
    assert_eq!(attempts, vec![None, Some("1"), Some("2")]);
}

#[tokio::test]
async fn a_504_without_retry_after_backs_off_exponentially() {
    let (url, seen) = scripted(vec![reply(504, &[], "")]).await;
    let policy = RetryPolicy { max_attempts: 4, base_delay: Duration::from_millis(40), max_delay: Duration::from_millis(100), ..fast() };
    assert_eq!(status_of(client(&url, policy).send(&GetStatus { id: "s1" }).await), 504);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4);
    let gaps: Vec<Duration> = seen.windows(2).map(|w| w[1].at - w[0].at).collect();
    // Jittered: at least half of each backoff (40, 80, then the 100 cap).
    for (gap, at_least) in gaps.iter().zip([20, 40, 50]) {
        assert!(*gap >= Duration::from_millis(at_least), "gaps {gaps:?}");
    }
}

#[tokio::test]
async fn patch_is_not_retried_unless_the_user_opts_in() {
    let patch = StatusPatch { installed_device_count: Some(7), ..Default::default() };
    let op = UpdateStatus { id: "s1", patch: &patch };
    let script = vec![reply(429, &[("retry-after", "0")], ""), reply(200, &[], OK_BODY)];

    let (url, seen) = scripted(script.clone()).await;
    assert_eq!(status_of(client(&url, fast()).send(&op).await), 429);
    assert_eq!(seen.lock().unwrap().len(), 1);

    let (url, seen) = scripted(script).await;
    let opted_in = RetryPolicy { retry_non_idempotent: true, ..fast() };
    let got = client(&url, opted_in).send(&op).await.unwrap().unwrap();
    assert_eq!(got.id.as_deref(), Some("s1"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.method == "PATCH"));
    // The resend carries the same body.
    assert_eq!(seen[0].body, seen[1].body);
    assert!(String::from_utf8_lossy(&seen[1].body).contains(r#""installedDeviceCount":7"#));
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_returns_the_error_at_once() {
    let in_two_minutes = httpdate_in(Duration::from_secs(120));
    for value in ["120", in_two_minutes.as_str()] {
        let (url, seen) = scripted(vec![reply(429, &[("retry-after", value)], ""), reply(200, &[], OK_BODY)]).await;
        let result = client(&url, RetryPolicy::default()).send(&GetStatus { id: "s1" }).await;
        let Err(Error::Api(e)) = result else { panic!("expected the 429, got {result:?}") };
        assert_eq!(e.status, 429, "{value}");
        assert_eq!(seen.lock().unwrap().len(), 1, "{value}");
        // Handed back with the wait it asked for, which the client did not take (the pure
        // decision's OverBudget, tested above, is why).
        let asked = e.retry_after.expect("the 429's Retry-After");
        assert!(asked > Duration::from_secs(100), "{value}: {asked:?}");
    }
}

/// An IMF-fixdate `d` from now, written by hand to keep the test free of date crates.
fn httpdate_in(d: Duration) -> String {
    let secs = (SystemTime::now() + d).duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant), for dates after 1970.
    let z = days as i64 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(month - 1) as usize];
    format!("{weekday}, {day:02} {mon} {year} {:02}:{:02}:{:02} GMT", rem / 3600, rem / 60 % 60, rem % 60)
}

#[test]
fn the_test_s_own_date_writer_agrees_with_the_parser() {
    let text = httpdate_in(Duration::from_secs(3600));
    let parsed = parse_http_date(&text).unwrap();
    let expected = SystemTime::now() + Duration::from_secs(3600);
    let diff = expected.duration_since(parsed).unwrap_or_else(|e| e.duration());
    assert!(diff < Duration::from_secs(3), "{text}");
}

#[tokio::test]
async fn errors_that_are_not_throttling_are_returned_without_retrying() {
    for status in [400, 404, 500, 502] {
        let (url, seen) = scripted(vec![reply(status, &[("retry-after", "0")], ""), reply(200, &[], OK_BODY)]).await;
        assert_eq!(status_of(client(&url, fast()).send(&GetStatus { id: "s1" }).await), status);
        assert_eq!(seen.lock().unwrap().len(), 1, "{status}");
    }
}

#[tokio::test]
async fn retry_policy_never_sends_once() {
    let (url, seen) = scripted(vec![reply(503, &[("retry-after", "0")], "")]).await;
    assert_eq!(status_of(client(&url, RetryPolicy::never()).send(&GetStatus { id: "s1" }).await), 503);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_timeout_fires_against_a_server_that_never_answers_and_is_not_retried() {
    let (url, connections) = silent_server().await;
    let client = client(&url, fast()).with_timeout(Duration::from_millis(300));
    assert_eq!(client.timeout(), Some(Duration::from_millis(300)));
    let started = Instant::now();
    assert_timed_out(client.send(&GetStatus { id: "s1" }).await);
    let took = started.elapsed();
    // A timeout error at all shows the timeout fired: the server never answers.
    assert!(took >= Duration::from_millis(300), "took {took:?}");
    assert_eq!(*connections.lock().unwrap(), 1, "not retried");
}

#[test]
fn the_client_starts_with_the_default_policy_and_timeout() {
    let client = Client::new(BearerToken::new("t")).unwrap();
    assert_eq!(client.retry_policy(), &RetryPolicy::default());
    assert_eq!(client.timeout(), Some(graph_runtime::client::DEFAULT_TIMEOUT));
    assert_eq!(client.without_timeout().timeout(), None);
    // A reqwest::ClientBuilder brought by the user keeps its own timeout.
    let client = Client::with_http_builder(reqwest::Client::builder(), BearerToken::new("t")).unwrap();
    assert_eq!(client.retry_policy(), &RetryPolicy::default());
    assert_eq!(client.timeout(), None);
}

/// A server that reads each request and never answers; counts connections.
async fn silent_server() -> (String, Arc<Mutex<u32>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    let connections = Arc::new(Mutex::new(0u32));
    let count = connections.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..8 {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            *count.lock().unwrap() += 1;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            held.push(stream);
        }
    });
    (url, connections)
}

fn assert_timed_out<T: std::fmt::Debug>(result: Result<T, Error<ODataError>>) {
    match result {
        Err(Error::Transport { source: e, .. }) => {
            let e = e.downcast_ref::<reqwest::Error>().expect("a reqwest error");
            assert!(e.is_timeout(), "{e:?}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn the_user_s_reqwest_timeout_applies_until_with_timeout_replaces_it() {
    let (url, connections) = silent_server().await;
    let http = reqwest::Client::builder().timeout(Duration::from_millis(200));
    let client = Client::with_http_builder(http, BearerToken::new("t")).unwrap().with_base_url(&url).unwrap().with_retry_policy(fast());
    // A timeout error at all shows the builder's timeout applied: the client has none of its
    // own here, and the server never answers.
    assert_eq!(client.timeout(), None);
    assert_timed_out(client.send(&GetStatus { id: "s1" }).await);

    let client = client.with_timeout(Duration::from_millis(600));
    let started = Instant::now();
    assert_timed_out(client.send(&GetStatus { id: "s1" }).await);
    assert!(started.elapsed() >= Duration::from_millis(600), "{:?}", started.elapsed());
    assert_eq!(*connections.lock().unwrap(), 2);
}
