//! A keep-alive HTTP/1.1 server on 127.0.0.1 for the runtime's tests: it answers each request
//! with what the test's function says (status, headers, body, and a delay before answering),
//! and records every request with the index of the connection it came on, so a test can see what
//! went over the wire and how many connections carried it.

#![allow(dead_code)] // Each test binary uses its own part of it.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub connection: usize,
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
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
    /// How long the server waits before answering.
    pub delay: Duration,
}

impl Answer {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Answer { status, headers: vec![("content-type".to_string(), "application/json".to_string())], body: body.into(), delay: Duration::ZERO }
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

/// Starts a server answering with `answer(request, its own origin)`; returns its origin
/// (`http://127.0.0.1:port`) and its log.
pub async fn serve(answer: impl Fn(&Seen, &str) -> Answer + Send + Sync + 'static) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    let origin = format!("http://{}", listener.local_addr().expect("local address"));
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let answer = Arc::new(answer);
    let (task_log, task_origin) = (Arc::clone(&log), origin.clone());
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((socket, _)) = listener.accept().await {
            let (log, answer, origin) = (Arc::clone(&task_log), Arc::clone(&answer), task_origin.clone());
            tokio::spawn(serve_connection(socket, connection, log, answer, origin));
            connection += 1;
        }
    });
    (origin, log)
}

async fn serve_connection(
    mut socket: tokio::net::TcpStream,
    connection: usize,
    log: Log,
    answer: Arc<impl Fn(&Seen, &str) -> Answer + Send + Sync>,
    origin: String,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
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
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        let request = Seen { connection, method, target, headers, body };
        let reply = answer(&request, &origin);
        log.lock().expect("log").push(request);
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
