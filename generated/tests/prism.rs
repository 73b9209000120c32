//! An independent check: the generated client's PATCH requests sent to Stoplight Prism, which mocks
//! spec/openapi.yaml and validates every request against it, reporting what breaks the description
//! in its `sl-violations` response header (and with a 4xx status). Hand-made requests that break
//! the description show that the same check fails when it should.
//!
//! Ignored by default: they need the server. `.ci/run` starts it (.ci/prism/start.sh) and runs
//! `PRISM_URL=http://127.0.0.1:4010 cargo test -p graph-beta-intune --test prism -- --ignored`.
//! Prism serves the spec's paths at its root: the server URL's `/beta` is not part of them.

use graph_beta_intune::models::UserAppInstallStatusPatch;
use graph_beta_intune::operations::UpdateUserStatus;
use graph_beta_intune::runtime::build_request;
use graph_beta_intune::{BaseUrl, BearerToken, Patch};
use http::{HeaderMap, StatusCode};
use serde_json::Value;

fn prism_url() -> String {
    std::env::var("PRISM_URL")
        .unwrap_or_else(|_| panic!("PRISM_URL is not set: start Prism with .ci/prism/start.sh and export PRISM_URL"))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
}

/// Sends a request as the client does (converted to a `reqwest::Request`), on a `reqwest::Client`
/// of its own, which needs rustls's crypto provider installed first.
async fn send(request: http::Request<Vec<u8>>) -> Answer {
    graph_beta_intune::client::install_crypto_provider();
    let request = graph_beta_intune::client::reqwest::Request::try_from(request).unwrap();
    let response = graph_beta_intune::client::reqwest::Client::new().execute(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    // Read to the end so that the connection is left clean.
    response.bytes().await.unwrap();
    Answer { status, headers }
}

/// The violations Prism found in the request (not those it found in its own mock response).
fn request_violations(headers: &HeaderMap) -> Vec<Value> {
    let Some(header) = headers.get("sl-violations") else { return Vec::new() };
    let text = header.to_str().unwrap();
    // Past a size Prism prefixes the list with this and cuts it short; request violations come first.
    let list = text.strip_prefix("Too many violations! ").unwrap_or(text);
    match serde_json::from_str::<Vec<Value>>(list) {
        Ok(all) => all.into_iter().filter(|v| v["location"][0] == "request").collect(),
        Err(_) if list.contains(r#""location":["request""#) => {
            vec![Value::String(format!("unparsed request violation in {list}"))]
        }
        Err(_) => Vec::new(),
    }
}

/// The check every conforming request must pass: a 2xx and no request violation.
fn conforms(answer: &Answer) -> Result<(), String> {
    let violations = request_violations(&answer.headers);
    if answer.status.is_success() && violations.is_empty() {
        Ok(())
    } else {
        Err(format!("{} {violations:?}", answer.status))
    }
}

/// The description's schemas say `additionalProperties: {type: object}` (as Graph's OData-to-OpenAPI
/// converter writes them) and do not declare `@odata.type`, so by the letter of the description the
/// string `"@odata.type": "#microsoft.graph.userAppInstallStatus"` that the generated body sends (as
/// the documentation's example request does) must be an object. Prism reports exactly that.
fn is_the_odata_type_quirk(violation: &Value) -> bool {
    violation["location"] == serde_json::json!(["request", "body", "@odata.type"]) && violation["code"] == "type"
}

fn without_odata_type(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut body: serde_json::Map<String, Value> = serde_json::from_slice(request.body()).unwrap();
    body.remove("@odata.type").unwrap();
    let mut builder = http::Request::builder().method(request.method()).uri(request.uri());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder.body(serde_json::to_vec(&body).unwrap()).unwrap()
}

fn patches() -> Vec<(&'static str, UserAppInstallStatusPatch)> {
    vec![
        (
            "all fields set",
            UserAppInstallStatusPatch {
                failed_device_count: Some(1),
                installed_device_count: Some(i32::MAX),
                not_installed_device_count: Some(i32::MIN),
                user_name: Patch::Set("User Name value".to_string()),
                user_principal_name: Patch::Set("ユーザー@contoso.example".to_string()),
            },
        ),
        (
            "fields cleared",
            UserAppInstallStatusPatch { user_name: Patch::Clear, user_principal_name: Patch::Clear, ..Default::default() },
        ),
        ("one field", UserAppInstallStatusPatch { installed_device_count: Some(4), ..Default::default() }),
        ("nothing to change", UserAppInstallStatusPatch::default()),
    ]
}

const IDS: [(&str, &str); 4] = [
    ("0177548a-548a-0177-8a54-77018a547701", "14959a2a-9a2a-1495-2a9a-95142a9a9514"),
    ("a/b", "../c"),
    ("日本 app", "100%"),
    ("...", "?x=1#y"),
];

#[tokio::test]
#[ignore = "needs Prism: run by .ci/run, or start .ci/prism/start.sh and set PRISM_URL"]
async fn the_generated_patch_requests_conform_to_the_description() {
    let base = BaseUrl::parse(&prism_url()).unwrap();
    let token = BearerToken::new("eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.e30.");
    let mut quirk_seen = 0;
    for (what, patch) in patches() {
        for (app, status) in IDS {
            let context = format!("{what}, ids {app:?} / {status:?}");
            let request = build_request(&UpdateUserStatus::new(app, status, &patch), &base, &token).unwrap();
            let again = without_odata_type(&request);
            let answer = send(request).await;
            if conforms(&answer).is_ok() {
                continue;
            }
            // The one violation allowed, and only that one: the same request without the annotation
            // must then conform.
            let violations = request_violations(&answer.headers);
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{context}: {violations:?}");
            assert!(violations.len() == 1 && is_the_odata_type_quirk(&violations[0]), "{context}: {violations:?}");
            quirk_seen += 1;
            conforms(&send(again).await).unwrap_or_else(|e| panic!("{context}, without @odata.type: {e}"));
        }
    }
    eprintln!("{quirk_seen} of {} requests met only the @odata.type violation", patches().len() * IDS.len());
}

/// A request like the client's, with `body` and `content_type` chosen by hand.
fn hand_made(path: &str, content_type: &str, authorization: Option<&str>, body: &str) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::builder()
        .method("PATCH")
        .uri(format!("{}{path}", prism_url()))
        .header("content-type", content_type)
        .header("accept", "application/json");
    if let Some(value) = authorization {
        builder = builder.header("authorization", value);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

const PATH: &str = "/deviceAppManagement/mobileApps/app/userStatuses/s1";

#[tokio::test]
#[ignore = "needs Prism: run by .ci/run, or start .ci/prism/start.sh and set PRISM_URL"]
async fn a_conforming_hand_made_request_passes_the_same_check() {
    let answer = send(hand_made(PATH, "application/json", Some("Bearer t"), r#"{"installedDeviceCount":4,"userName":null}"#)).await;
    conforms(&answer).unwrap();
}

#[tokio::test]
#[ignore = "needs Prism: run by .ci/run, or start .ci/prism/start.sh and set PRISM_URL"]
async fn requests_that_break_the_description_are_rejected() {
    let cases: [(&str, http::Request<Vec<u8>>, StatusCode, &str); 6] = [
        (
            "a string where an int32 is required",
            hand_made(PATH, "application/json", Some("Bearer t"), r#"{"installedDeviceCount":"4"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "installedDeviceCount must be integer",
        ),
        (
            "an int32 out of range",
            hand_made(PATH, "application/json", Some("Bearer t"), r#"{"failedDeviceCount":2147483648}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "failedDeviceCount must be <= 2147483647",
        ),
        (
            "a number for a nullable string",
            hand_made(PATH, "application/json", Some("Bearer t"), r#"{"userName":5}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "userName must be string,null",
        ),
        (
            "the wrong content type",
            hand_made(PATH, "text/plain", Some("Bearer t"), "installedDeviceCount=4"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Supported content types: application/json",
        ),
        (
            "no bearer token",
            hand_made(PATH, "application/json", None, "{}"),
            StatusCode::UNAUTHORIZED,
            "Invalid security scheme used",
        ),
        (
            "an id with a raw slash, which names another resource",
            hand_made("/deviceAppManagement/mobileApps/a/b/userStatuses/s1", "application/json", Some("Bearer t"), "{}"),
            StatusCode::NOT_FOUND,
            "",
        ),
    ];
    for (what, request, expected_status, expected_message) in cases {
        let answer = send(request).await;
        let verdict = conforms(&answer);
        assert!(verdict.is_err(), "{what}: Prism let it through");
        assert_eq!(answer.status, expected_status, "{what}: {verdict:?}");
        if !expected_message.is_empty() {
            let violations = request_violations(&answer.headers);
            assert!(
                violations.iter().any(|v| v["message"].as_str().unwrap_or_default().contains(expected_message)),
                "{what}: {violations:?}"
            );
        }
    }
}
