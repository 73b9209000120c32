//! Ids can never change a request's target: a seeded property test of the path builder over
//! hostile strings, the same ids sent to a loopback server that must see them back intact, and
//! the encoding of query values and the refusal of header values that could inject lines.
//!
//! The strings come from a seeded generator written here (splitmix64), not `proptest`: no new
//! dependency, and a failure prints the seed and the case, so it replays exactly. Set
//! `PATH_PROPERTY_SEED` and `PATH_PROPERTY_CASES` to explore further.

use graph_beta_intune::models::{ODataError, UserAppInstallStatusPatch};
use graph_beta_intune::operations::UpdateUserStatus;
use graph_beta_intune::runtime::{build_request, Operation, QueryKey};
use graph_beta_intune::{BaseUrl, BearerToken, Client, Error, RequestError};
use http::Method;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The default seed; `PATH_PROPERTY_SEED` replaces it.
const SEED: u64 = 0x05EE_D1D5;

/// splitmix64: tiny, seeded, good enough to spread cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces that have broken path builders: separators, dot segments plain and encoded, already
/// encoded text, query and fragment marks, controls, and non-ASCII.
const PIECES: &[&str] = &[
    "/", "\\", "%", "%%", ".", "..", "...", "%2e", "%2E", "%2e%2e", ".%2e", "%2f", "%2F", "%25", "%252e", "%zz", "%0",
    "?", "#", "&", "=", "+", " ", ";", ":", "@", "!", "$", "'", "\"", "<", ">", "{", "}", "|", "^", "`", "[", "]",
    "*", "(", ")", ",", "a", "Z", "0", "9", "-", "_", "~", "abc", "mobileApps", "userStatuses", "é", "日本", "🦀",
    "\u{202e}", "\u{200b}", "\u{feff}", "\u{fffd}", "\u{85}", "\u{2028}", "\u{ff0f}", "\u{2024}", "\0", "\r", "\n",
    "\r\n", "\t", "\x7f", "\x1b", "HTTP/1.1", "\r\nHost: evil", "../../", "/./", "//",
];

/// Strings that are not built from the pieces, checked every run.
const FIXED: &[&str] = &[
    "", ".", "..", "...", "....", " ", "/", "//", "./", "../", "/..", "a/../b", "%2e", "%2e%2e", ".%2e", "%2e.", "%",
    "%%", "%zz", "?", "#", "?x=1#y", "\r\n", "\0", "é", "🦀", "a b", "+", "%2f..%2f",
];

fn arbitrary_string(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..=rng.below(6) {
        if rng.below(4) == 0 {
            // Any Unicode scalar value, weighted towards the low planes.
            let max = [0x80, 0x800, 0x1_0000, 0x11_0000][rng.below(4)];
            if let Some(c) = char::from_u32(rng.below(max) as u32) {
                s.push(c);
            }
        } else {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    s
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The ids of a run: the fixed ones, then seeded ones.
fn cases(seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut out: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    while out.len() < count {
        out.push(arbitrary_string(&mut rng));
    }
    out
}

fn percent_decode(segment: &str) -> Option<Vec<u8>> {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A segment as a WHATWG URL parser (reqwest's) would treat as `.` or `..`.
fn is_dot_segment(raw: &str) -> bool {
    let lower = raw.to_ascii_lowercase();
    matches!(lower.as_str(), "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e")
}

fn refused(id: &str) -> bool {
    id.is_empty() || id == "." || id == ".."
}

const BASE: &str = "https://graph.example.test/beta";
const FIXED_SEGMENTS: [&str; 6] = ["beta", "deviceAppManagement", "mobileApps", "", "userStatuses", ""];

/// Checks one request path against the two ids it was built from.
fn check_path(path: &str, app: &str, status: &str) -> Result<(), String> {
    let Some(rest) = path.strip_prefix('/') else { return Err(format!("{path:?} does not start with /")) };
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.len() != FIXED_SEGMENTS.len() {
        return Err(format!("{path:?} has {} segments, not {}", segments.len(), FIXED_SEGMENTS.len()));
    }
    for (i, (raw, fixed)) in segments.iter().zip(FIXED_SEGMENTS).enumerate() {
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)) {
            return Err(format!("segment {i} {raw:?} has a byte that is neither unreserved nor an escape"));
        }
        if is_dot_segment(raw) {
            return Err(format!("segment {i} {raw:?} is a dot segment"));
        }
        let decoded = percent_decode(raw).ok_or_else(|| format!("segment {i} {raw:?} has a broken escape"))?;
        if decoded == b"." || decoded == b".." {
            return Err(format!("segment {i} {raw:?} decodes to a dot segment"));
        }
        let expected = match i {
            3 => app,
            5 => status,
            _ => fixed,
        };
        if decoded != expected.as_bytes() {
            return Err(format!("segment {i} {raw:?} decodes to {:?}, not {expected:?}", String::from_utf8_lossy(&decoded)));
        }
    }
    Ok(())
}

#[test]
fn ids_never_change_the_target_of_the_built_request() {
    let seed = env_u64("PATH_PROPERTY_SEED", SEED);
    let count = env_u64("PATH_PROPERTY_CASES", 20_000) as usize;
    let ids = cases(seed, count);
    let base = BaseUrl::parse(BASE).unwrap();
    let token = BearerToken::new("t");
    let patch = UserAppInstallStatusPatch::default();
    let (mut built, mut refusals) = (0, 0);
    for (n, app) in ids.iter().enumerate() {
        // Pair each id with another, so both positions see every case.
        let status = &ids[(n * 7 + 3) % ids.len()];
        let context = format!("seed {seed:#x}, case {n}: app {app:?}, status {status:?}");
        let op = UpdateUserStatus::new(app, status, &patch);
        match build_request(&op, &base, &token) {
            Ok(request) => {
                assert!(!refused(app) && !refused(status), "{context}: should have been refused");
                let uri = request.uri().clone();
                assert_eq!(uri.scheme_str(), Some("https"), "{context}");
                assert_eq!(uri.authority().map(|a| a.as_str()), Some("graph.example.test"), "{context}");
                assert_eq!(uri.query(), None, "{context}");
                check_path(uri.path(), app, status).unwrap_or_else(|e| panic!("{context}: {e}"));
                // reqwest re-parses the URI as a WHATWG URL before sending: it must not normalize it.
                let sent = graph_beta_intune::client::reqwest::Request::try_from(request).unwrap_or_else(|e| panic!("{context}: {e}"));
                assert_eq!(sent.url().path(), uri.path(), "{context}");
                assert_eq!(sent.url().query(), None, "{context}");
                assert_eq!(sent.url().fragment(), None, "{context}");
                built += 1;
            }
            Err(RequestError::InvalidPathParameter { name, value }) => {
                let culprit = if refused(app) { ("mobileApp-id", app.as_str()) } else { ("userAppInstallStatus-id", status.as_str()) };
                assert!(refused(culprit.1), "{context}: refused for no reason");
                assert_eq!((name, value.as_str()), culprit, "{context}");
                refusals += 1;
            }
            Err(e) => panic!("{context}: unexpected {e:?}"),
        }
    }
    // Both outcomes were exercised, and mostly the interesting one.
    assert!(refusals > 0 && built > count * 9 / 10, "built {built}, refused {refusals}");
}

#[test]
fn the_generator_reaches_the_hostile_pieces() {
    // Guards the property above against a generator that quietly stopped producing the cases
    // it is meant to cover.
    let ids = cases(SEED, 20_000);
    for must in ["/", "%", "..", "?", "#", "\r", "\n", "\0", "🦀"] {
        let hits = ids.iter().filter(|id| id.contains(must)).count();
        assert!(hits > 100, "{must:?} in only {hits} cases");
    }
    assert!(ids.iter().any(|id| !id.is_ascii() && !PIECES.iter().any(|p| id.contains(p) && !p.is_ascii())));
}

// ---------------------------------------------------------------------------------------------
// Over loopback: what the server receives.

/// Records each request target and answers 204, over keep-alive connections.
async fn echo_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    let targets = Arc::new(Mutex::new(Vec::new()));
    let log = targets.clone();
    tokio::spawn(async move {
        for _ in 0..1000 {
            let Ok((stream, _)) = listener.accept().await else { return };
            tokio::spawn(serve(stream, log.clone()));
        }
    });
    (url, targets)
}

async fn serve(mut stream: TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let mut buf = Vec::new();
    for _ in 0..10_000 {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let target = head.split(' ').nth(1).unwrap_or_default().to_string();
        let len: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        buf.drain(..end + 4);
        while buf.len() < len {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..len);
        log.lock().unwrap().push(target);
        if stream.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn the_server_sees_every_id_back_intact() {
    let seed = env_u64("PATH_PROPERTY_SEED", SEED) ^ 0xA5A5;
    let ids = cases(seed, 400);
    let (url, targets) = echo_server().await;
    let client = Client::new(BearerToken::new("t")).unwrap().with_base_url(&url).unwrap();
    let patch = UserAppInstallStatusPatch { installed_device_count: Some(1), ..Default::default() };
    let mut sent = 0;
    for (n, app) in ids.iter().enumerate() {
        let status = &ids[(n * 13 + 5) % ids.len()];
        let context = format!("seed {seed:#x}, case {n}: app {app:?}, status {status:?}");
        let result = client.update_user_status(app, status, &patch).await;
        if refused(app) || refused(status) {
            assert!(matches!(result, Err(Error::Request(RequestError::InvalidPathParameter { .. }))), "{context}: {result:?}");
            assert_eq!(targets.lock().unwrap().len(), sent, "{context}: a refused request reached the server");
            continue;
        }
        assert!(matches!(result, Ok(None)), "{context}: {result:?}");
        sent += 1;
        let target = targets.lock().unwrap().last().cloned().unwrap();
        check_path(&target, app, status).unwrap_or_else(|e| panic!("{context}: server saw {target:?}: {e}"));
    }
    assert!(sent >= 350, "only {sent} requests sent");
    assert_eq!(targets.lock().unwrap().len(), sent);
}

// ---------------------------------------------------------------------------------------------
// Query values and header values.

/// A GET with a query and a header parameter whose values come from the user.
struct Search {
    filter: String,
    select: Vec<String>,
    client_request_id: String,
}

impl Operation for Search {
    type Output = ();
    type Error = ODataError;
    const METHOD: Method = Method::GET;

    fn service(&self) -> &'static graph_beta_intune::runtime::Service {
        &graph_beta_intune::SERVICE
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/deviceAppManagement/mobileApps".to_string())
    }

    fn query(&self) -> Result<Vec<(QueryKey, String)>, RequestError> {
        Ok(vec![("$filter".into(), self.filter.clone()), ("$select".into(), self.select.join(",")), ("q".into(), "fixed".to_string())])
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![("client-request-id", self.client_request_id.clone())]
    }
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            let decode = |s: &str| String::from_utf8(percent_decode(s).unwrap()).unwrap();
            (decode(k), decode(v))
        })
        .collect()
}

#[test]
fn query_values_are_encoded_and_come_back_intact() {
    let ids = cases(0xC0FFEE, 5_000);
    let base = BaseUrl::parse(BASE).unwrap();
    let token = BearerToken::new("t");
    for (n, value) in ids.iter().enumerate() {
        let other = &ids[(n * 5 + 1) % ids.len()];
        let op = Search {
            filter: value.clone(),
            select: vec![other.replace(',', ""), "id".to_string()],
            client_request_id: "x".to_string(),
        };
        let request = build_request(&op, &base, &token).unwrap();
        let uri = request.uri().clone();
        assert_eq!(uri.path(), "/beta/deviceAppManagement/mobileApps", "{value:?}");
        let query = uri.query().unwrap().to_string();
        let query = query.as_str();
        // Only unreserved bytes, escapes, and the separators the builder put there itself.
        assert!(query.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%&=$,".contains(&b)), "{value:?}: {query}");
        let pairs = query_pairs(query);
        let expected = vec![
            ("$filter".to_string(), value.clone()),
            ("$select".to_string(), format!("{},id", other.replace(',', ""))),
            ("q".to_string(), "fixed".to_string()),
        ];
        assert_eq!(pairs, expected, "{value:?}");
        let sent = graph_beta_intune::client::reqwest::Request::try_from(request).unwrap();
        assert_eq!(sent.url().query(), Some(query), "{value:?}");
        assert_eq!(sent.url().fragment(), None, "{value:?}");
    }
}

/// What `http` accepts in a header value: visible ASCII, space, tab and obs-text bytes.
fn header_safe(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[test]
fn header_values_with_line_breaks_or_controls_are_refused() {
    let base = BaseUrl::parse(BASE).unwrap();
    let token = BearerToken::new("t");
    let mut values: Vec<String> = cases(0xBEEF, 5_000);
    values.extend(["abc\r\nX-Injected: 1", "abc\nX-Injected: 1", "abc\rX", "\r\n\r\nGET / HTTP/1.1", "a\0b"].map(String::from));
    let (mut accepted, mut refused) = (0, 0);
    for value in &values {
        let op = Search { filter: "f".to_string(), select: vec![], client_request_id: value.clone() };
        match build_request(&op, &base, &token) {
            Ok(request) => {
                assert!(header_safe(value), "{value:?} was let through");
                let sent = request.headers().get("client-request-id").unwrap();
                assert_eq!(sent.as_bytes(), value.as_bytes(), "{value:?}");
                assert!(request.headers().get("x-injected").is_none());
                accepted += 1;
            }
            Err(RequestError::InvalidHeader { name }) => {
                assert_eq!(name, "client-request-id");
                assert!(!header_safe(value), "{value:?} was refused for no reason");
                refused += 1;
            }
            Err(e) => panic!("{value:?}: unexpected {e:?}"),
        }
    }
    assert!(accepted > 1000 && refused > 500, "accepted {accepted}, refused {refused}");
}

#[test]
fn a_token_with_line_breaks_is_refused_and_not_shown() {
    let base = BaseUrl::parse(BASE).unwrap();
    let op = Search { filter: "f".to_string(), select: vec![], client_request_id: "x".to_string() };
    for bad in ["secret\r\nX-Injected: 1", "secret\n", "sec\0ret", "secret\r"] {
        let err = build_request(&op, &base, &BearerToken::new(bad)).unwrap_err();
        assert_eq!(err, RequestError::InvalidToken);
        assert!(!err.to_string().contains("secret"));
        assert!(!format!("{err:?}").contains("secret"));
    }
    assert!(build_request(&op, &base, &BearerToken::new("eyJ0eXAi.abc-_~+/=")).is_ok());
}

#[tokio::test]
async fn a_refused_header_never_reaches_the_server() {
    let (url, targets) = echo_server().await;
    let client = Client::new(BearerToken::new("t")).unwrap().with_base_url(&url).unwrap();
    let injected = Search { filter: "f".to_string(), select: vec![], client_request_id: "a\r\nX-Injected: 1".to_string() };
    let result = client.send(&injected).await;
    assert!(matches!(result, Err(Error::Request(RequestError::InvalidHeader { name: "client-request-id" }))), "{result:?}");
    let fine = Search { filter: "a b&c=d#e".to_string(), select: vec!["x".to_string()], client_request_id: "ok".to_string() };
    client.send(&fine).await.unwrap();
    let targets = targets.lock().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0], "/beta/deviceAppManagement/mobileApps?$filter=a%20b%26c%3Dd%23e&$select=x&q=fixed");
}
