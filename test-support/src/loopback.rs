//! A keep-alive HTTP/1.1 server on 127.0.0.1 for client tests: it answers each request with what
//! the test's function makes of it (status, headers, body, a delay before answering), and records
//! every request (method, target, headers, body, when it arrived, the index of the connection it
//! came on), so a test can see what went over the wire and on how many connections.
//!
//! The fixture crates' tests (`generator/tests/support/loopback.rs`) and `generated/tests` keep
//! servers of their own: their manifests are the generator's output, so they cannot depend on
//! this crate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Which connection it came on, counting from 0 in the order they were accepted.
    pub connection: usize,
    pub method: String,
    /// The request target, such as `/beta/users/1`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the server had read all of it.
    pub at: Instant,
}

impl Seen {
    /// The first value of `name`, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// How many times `name` was sent.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count()
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// How long the server waits before answering (on tokio's clock).
    pub delay: Duration,
}

impl Answer {
    /// `status` with `body` and no header but its length.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Answer { status, headers: Vec::new(), body: body.into(), delay: Duration::ZERO }
    }

    /// `status` with a JSON `body`.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Answer::new(status, body).header("content-type", "application/json")
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// The requests a server has seen, shared with its task.
pub type Log = Arc<Mutex<Vec<Seen>>>;

/// Makes the answer to a request: the request, its number (counting from 1, over all
/// connections) and the server's own origin.
type Answering = Arc<dyn Fn(&Seen, usize, &str) -> Answer + Send + Sync>;

/// Starts a server answering with `answer(request, its own origin)`; returns its origin
/// (`http://127.0.0.1:port`) and its log.
pub async fn serve(answer: impl Fn(&Seen, &str) -> Answer + Send + Sync + 'static) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    serve_on(listener, move |seen, _, origin| answer(seen, origin))
}

/// Serves `listener` (bound by a test that must know its port first), answering the n-th request
/// (counting from 1) with `answer(request, n, origin)`; returns its origin and its log. Call it
/// inside a tokio runtime: the server is a task of it.
pub fn serve_on(listener: TcpListener, answer: impl Fn(&Seen, usize, &str) -> Answer + Send + Sync + 'static) -> (String, Log) {
    let origin = format!("http://{}", listener.local_addr().expect("local address"));
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let answer: Answering = Arc::new(answer);
    let (task_log, task_origin) = (Arc::clone(&log), origin.clone());
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve_connection(socket, connection, Arc::clone(&task_log), Arc::clone(&answer), task_origin.clone()));
            connection += 1;
        }
    });
    (origin, log)
}

async fn serve_connection(mut socket: TcpStream, connection: usize, log: Log, answer: Answering, origin: String) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut socket, &mut buf, connection).await {
        let n = {
            let mut log = log.lock().expect("log");
            log.push(request.clone());
            log.len()
        };
        let reply = answer(&request, n, &origin);
        tokio::time::sleep(reply.delay).await;
        let mut response = format!("HTTP/1.1 {} X\r\ncontent-length: {}\r\n", reply.status, reply.body.len());
        for (name, value) in &reply.headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&reply.body);
        if socket.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads one request (its head, then a `content-length` body) from `socket`, keeping what
/// follows it in `buf`; `None` at the end of the stream or on an error.
async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>, connection: usize) -> Option<Seen> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_string();
    let target = request_line.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_string(), v.trim().to_string())).collect();
    let length: usize =
        headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    while buf.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + length].to_vec();
    buf.drain(..head_end + length);
    Some(Seen { connection, method, target, headers, body, at: Instant::now() })
}
