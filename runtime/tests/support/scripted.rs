//! Scripted answers on the shared loopback server (`test_support::loopback`): the n-th request
//! gets the n-th canned reply (or what a handler makes of it), and the server records what
//! arrived (method, target, headers, body, time).

pub use test_support::loopback::Seen;
use test_support::loopback::{Answer, Log, serve_on};
use tokio::net::TcpListener;

/// One canned response.
pub type Reply = Answer;

pub fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    headers.iter().fold(Answer::new(status, body), |answer, (name, value)| answer.header(name, *value))
}

/// A server on 127.0.0.1 that answers the n-th request with `script[n]` (the last one once the
/// script runs out), over keep-alive connections; returns its URL (ending in `/beta`).
pub async fn scripted(script: Vec<Reply>) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_script(listener, script)
}

/// [`scripted`] on a listener the test bound, for scripts that must name its port.
pub fn serve_script(listener: TcpListener, script: Vec<Reply>) -> (String, Log) {
    let (origin, log) = serve_on(listener, move |_, n, _| script.get(n - 1).or(script.last()).unwrap().clone());
    (format!("{origin}/beta"), log)
}

/// A server on 127.0.0.1 that answers each request with what `answer` makes of it, for mocks
/// that must read the request (a `$batch` body); returns its URL (ending in `/beta`).
pub async fn answering(answer: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (origin, log) = serve_on(listener, move |seen, _, _| answer(seen));
    (format!("{origin}/beta"), log)
}
