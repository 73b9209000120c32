//! End to end over real HTTP: the async client against a one-shot HTTP/1.1 server on 127.0.0.1 that
//! this test starts, checking what arrived on the wire and what the client returned.

use graph_beta_intune::models::{ODataError, UserAppInstallStatus, UserAppInstallStatusPatch};
use graph_beta_intune::operations::UpdateUserStatus;
use graph_beta_intune::{ApiError, BearerToken, Client, Error, ErrorBody, Patch, RequestError};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const TOKEN: &str = "e2e-token.5b1d0f";
const APP_ID: &str = "2b3c9a1e-7f4d-4e2a-9c6b-5d8e1f0a3b7c";
const STATUS_ID: &str = "14959a2a-9a2a-1495-2a9a-95142a9a9514";
/// Nothing here should take long; a hung test fails instead.
const LIMIT: Duration = Duration::from_secs(20);

/// One request as it arrived.
#[derive(Debug)]
struct Received {
    method: String,
    target: String,
    version: String,
    /// Names lowercased, in arrival order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(n, _)| n == name);
        let first = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "header {name} sent more than once");
        first
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Serves exactly one request with `response` (bytes as sent), then closes the connection.
async fn serve_once(response: Vec<u8>) -> (SocketAddr, JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed before the request head ended");
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap().split(' ');
        let (method, target, version) =
            (request_line.next().unwrap().to_string(), request_line.next().unwrap().to_string(), request_line.next().unwrap().to_string());
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.trim().to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        let length: usize = headers.iter().find(|(n, _)| n == "content-length").map(|(_, v)| v.parse().unwrap()).unwrap_or(0);
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < length {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed before the body ended");
            body.extend_from_slice(&chunk[..n]);
        }
        stream.write_all(&response).await.unwrap();
        stream.shutdown().await.unwrap();
        Received { method, target, version, headers, body }
    });
    (addr, task)
}

fn http_response(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    if !status.starts_with("204") {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

fn client_for(addr: SocketAddr) -> Client {
    Client::new(BearerToken::new(TOKEN)).unwrap().with_base_url(&format!("http://{addr}/beta")).unwrap()
}

fn example_patch() -> UserAppInstallStatusPatch {
    UserAppInstallStatusPatch {
        user_name: Patch::Set("User Name value".to_string()),
        user_principal_name: Patch::Set("User Principal Name value".to_string()),
        installed_device_count: Some(4),
        failed_device_count: Some(1),
        not_installed_device_count: Some(7),
    }
}

/// What every PATCH must carry on the wire.
fn assert_common(received: &Received, path: &str, addr: SocketAddr) {
    assert_eq!(received.method, "PATCH");
    assert_eq!(received.target, path);
    assert_eq!(received.version, "HTTP/1.1");
    assert_eq!(received.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(received.header("accept"), Some("application/json"));
    assert_eq!(received.header("content-type"), Some("application/json"));
    assert_eq!(received.header("host"), Some(addr.to_string().as_str()));
    assert_eq!(received.header("content-length"), Some(received.body.len().to_string().as_str()));
    // The crate names itself: its `SERVICE` carries its name and version, which the runtime
    // sends as the `User-Agent` unless the client names another.
    assert_eq!(graph_beta_intune::SERVICE.user_agent, concat!("graph-beta-intune/", env!("CARGO_PKG_VERSION")));
    assert_eq!(received.header("user-agent"), Some(graph_beta_intune::SERVICE.user_agent));
}

#[tokio::test]
async fn ok_200_with_body_returns_the_model() {
    let response_body = json!({
        "@odata.type": "#microsoft.graph.userAppInstallStatus",
        "id": STATUS_ID,
        "userName": "User Name value",
        "userPrincipalName": "User Principal Name value",
        "installedDeviceCount": 4,
        "failedDeviceCount": 1,
        "notInstalledDeviceCount": 7
    })
    .to_string();
    let (addr, server) =
        serve_once(http_response("200 OK", &[("Content-Type", "application/json"), ("request-id", "req-200")], &response_body)).await;
    let client = client_for(addr);

    let result = tokio::time::timeout(LIMIT, client.update_user_status(APP_ID, STATUS_ID, &example_patch())).await.unwrap();
    let received = server.await.unwrap();

    assert_common(&received, &format!("/beta/deviceAppManagement/mobileApps/{APP_ID}/userStatuses/{STATUS_ID}"), addr);
    assert_eq!(
        received.json(),
        json!({
            "@odata.type": "#microsoft.graph.userAppInstallStatus",
            "userName": "User Name value",
            "userPrincipalName": "User Principal Name value",
            "installedDeviceCount": 4,
            "failedDeviceCount": 1,
            "notInstalledDeviceCount": 7
        })
    );
    let status: UserAppInstallStatus = result.unwrap().unwrap();
    assert_eq!(status.id.as_deref(), Some(STATUS_ID));
    assert_eq!(status.user_principal_name.as_deref(), Some("User Principal Name value"));
    assert_eq!((status.installed_device_count, status.failed_device_count, status.not_installed_device_count), (Some(4), Some(1), Some(7)));
    assert_eq!(status.additional_properties.value("@odata.type"), Some(json!("#microsoft.graph.userAppInstallStatus")));
}

#[tokio::test]
async fn no_content_204_returns_none_and_ids_travel_encoded() {
    let (addr, server) = serve_once(http_response("204 No Content", &[], "")).await;
    let client = client_for(addr);
    let patch = UserAppInstallStatusPatch { user_name: Patch::Clear, failed_device_count: Some(0), ..Default::default() };

    let op = UpdateUserStatus::new("a/b c", "..%2e ü", &patch);
    let result = tokio::time::timeout(LIMIT, client.send(&op)).await.unwrap();
    let received = server.await.unwrap();

    assert_common(&received, "/beta/deviceAppManagement/mobileApps/a%2Fb%20c/userStatuses/..%252e%20%C3%BC", addr);
    assert_eq!(
        received.body,
        br##"{"@odata.type":"#microsoft.graph.userAppInstallStatus","failedDeviceCount":0,"userName":null}"##
    );
    assert_eq!(result.unwrap(), None);
}

#[tokio::test]
async fn bad_request_400_returns_the_odata_error() {
    let error_body = json!({
        "error": {
            "code": "BadRequest",
            "message": "Write requests (excluding DELETE) must contain the Content-Type header declaration.",
            "innererror": {"request-id": "9b0f1a3c-0000-4000-8000-000000000400", "date": "2024-08-01T10:00:00"}
        }
    })
    .to_string();
    let (addr, server) = serve_once(http_response(
        "400 Bad Request",
        &[
            ("Content-Type", "application/json"),
            ("request-id", "9b0f1a3c-0000-4000-8000-000000000400"),
            ("client-request-id", "9b0f1a3c-0000-4000-8000-000000000401"),
        ],
        &error_body,
    ))
    .await;
    let client = client_for(addr);

    let result = tokio::time::timeout(LIMIT, client.update_user_status(APP_ID, STATUS_ID, &example_patch())).await.unwrap();
    let received = server.await.unwrap();

    assert_common(&received, &format!("/beta/deviceAppManagement/mobileApps/{APP_ID}/userStatuses/{STATUS_ID}"), addr);
    let err = result.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(TOKEN) && !text.contains("5b1d0f"), "{text}");
    let Error::Api(api) = err else { panic!("expected an API error, got {err:?}") };
    // `Borrow` reads the error the same whether the crate holds it inline or boxed.
    let api: &ApiError<ODataError> = std::borrow::Borrow::borrow(&api);
    let ApiError { status, request_id, client_request_id, retry_after: None, body: ErrorBody::Parsed(ODataError { error, .. }) } = api.clone() else {
        panic!("expected a parsed ODataError, got {:?}", api.body)
    };
    assert_eq!(status, http::StatusCode::BAD_REQUEST);
    assert_eq!(request_id.as_deref(), Some("9b0f1a3c-0000-4000-8000-000000000400"));
    assert_eq!(client_request_id.as_deref(), Some("9b0f1a3c-0000-4000-8000-000000000401"));
    assert_eq!(error.code, "BadRequest");
    assert!(error.message.starts_with("Write requests"));
}

#[tokio::test]
async fn refused_id_sends_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = client_for(addr);
    let err = client.update_user_status(APP_ID, "..", &example_patch()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Request(RequestError::InvalidPathParameter { name: "userAppInstallStatus-id", value }) if value == ".."),
        "{err:?}"
    );
    let nobody = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(nobody.is_err(), "a connection was made for a refused request");
}
