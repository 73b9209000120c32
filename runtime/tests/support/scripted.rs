//! A scripted HTTP/1.1 server on 127.0.0.1 for the client tests: it answers the n-th request with
//! the n-th canned reply (or what a handler makes of it) and records what arrived (method,
//! target, headers, body, time).

use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One canned response.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

pub fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
    Reply { status, headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(), body: body.to_string() }
}

/// What the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The request target, such as `/beta/users/1`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A server on 127.0.0.1 that answers the n-th request with `script[n]` (the last one once the
/// script runs out), over keep-alive connections; returns its URL (ending in `/beta`).
pub async fn scripted(script: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_script(listener, script)
}

/// [`scripted`] on a listener the test bound, for scripts that must name its port.
pub fn serve_script(listener: TcpListener, script: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    serve_with(listener, move |_, n| script.get(n - 1).or(script.last()).unwrap().clone())
}

/// A server on 127.0.0.1 that answers each request with what `answer` makes of it, for mocks
/// that must read the request (a `$batch` body); returns its URL (ending in `/beta`).
pub async fn answering(answer: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_with(listener, move |seen, _| answer(seen))
}

/// Makes the reply to the n-th request (counting from 1).
type Answer = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

/// Serves `listener`, answering the n-th request (counting from 1) with `answer(request, n)`.
fn serve_with(listener: TcpListener, answer: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let answer: Answer = Arc::new(answer);
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        // Bounded: no test here makes more than a handful of connections.
        for _ in 0..64 {
            let Ok((stream, _)) = listener.accept().await else { return };
            tokio::spawn(serve_connection(stream, answer.clone(), log.clone()));
        }
    });
    (url, seen)
}

async fn serve_connection(mut stream: TcpStream, answer: Answer, log: Arc<Mutex<Vec<Seen>>>) {
    let mut buf = Vec::new();
    for _ in 0..64 {
        let Some(seen) = read_request(&mut stream, &mut buf).await else { return };
        let n = {
            let mut log = log.lock().unwrap();
            log.push(seen.clone());
            log.len()
        };
        let r = &answer(&seen, n);
        let mut out = format!("HTTP/1.1 {} Whatever\r\ncontent-length: {}\r\n", r.status, r.body.len());
        for (k, v) in &r.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&r.body);
        if stream.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads one HTTP/1.1 request (headers, then a Content-Length body); `None` at end of stream.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Seen> {
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    buf.drain(..end + 4);
    while buf.len() < len {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf.drain(..len).collect();
    Some(Seen { method, target, headers, body, at: Instant::now() })
}

