//! Request building with no I/O: the documentation page's example PATCH as a golden file, the PATCH
//! body's three states, path-segment encoding and refusals, headers, and a token that never leaks.
//!
//! UPDATE_GOLDENS=1 cargo test -p graph-beta-intune --test request
//!     rewrites tests/golden/update_user_status.http instead of failing; review it with `git diff`.

use graph_beta_intune::models::UserAppInstallStatusPatch;
use graph_beta_intune::operations::UpdateUserStatus;
use graph_beta_intune::runtime::build_request;
use graph_beta_intune::{default_base_url, BaseUrl, BearerToken, Client, Patch, RequestError};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

const TOKEN: &str = "test-only-token.7f3a9c";
/// Realistic ids: Intune app ids are GUIDs; the status id is the one in the page's example response.
const MOBILE_APP_ID: &str = "2b3c9a1e-7f4d-4e2a-9c6b-5d8e1f0a3b7c";
const STATUS_ID: &str = "14959a2a-9a2a-1495-2a9a-95142a9a9514";
const DOCS_PAGE: &str = "../spec/graph/docs/intune-apps-userappinstallstatus-update.md";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The body of the page's example request.
fn example_patch() -> UserAppInstallStatusPatch {
    UserAppInstallStatusPatch {
        user_name: Patch::Set("User Name value".to_string()),
        user_principal_name: Patch::Set("User Principal Name value".to_string()),
        installed_device_count: Some(4),
        failed_device_count: Some(1),
        not_installed_device_count: Some(7),
    }
}

fn build(app: &str, status: &str, patch: &UserAppInstallStatusPatch) -> Result<http::Request<Vec<u8>>, RequestError> {
    build_request(&UpdateUserStatus::new(app, status, patch), &default_base_url(), &BearerToken::new(TOKEN))
}

/// The JSON in the first ```http block after `heading` of the documentation page.
fn docs_example(heading: &str) -> (String, Value) {
    let path: PathBuf = manifest_dir().join(DOCS_PAGE);
    let page = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let section = &page[page.find(heading).unwrap_or_else(|| panic!("no `{heading}` in the page"))..];
    let block = &section[section.find("``` http\n").unwrap() + "``` http\n".len()..];
    let block = &block[..block.find("```").unwrap()];
    let first_line = block.lines().next().unwrap().to_string();
    // The body follows the head after the first blank line, as in HTTP itself.
    let json = &block[block.find("\n\n").unwrap()..];
    (first_line, serde_json::from_str(json).unwrap())
}

/// Method, URL, headers sorted by name, a blank line and the body pretty-printed in sent order.
fn render_http(request: &http::Request<Vec<u8>>, pretty_body: &str) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    let mut headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), value.to_str().unwrap().to_string()))
        .collect();
    headers.sort();
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    out.push_str(pretty_body);
    out.push('\n');
    out
}

#[test]
fn docs_example_request_matches_golden_file() {
    let patch = example_patch();
    let request = build(MOBILE_APP_ID, STATUS_ID, &patch).unwrap();
    // The golden shows the body pretty-printed in the order it is sent; the wire bytes are exactly
    // the compact serialization of the same value.
    assert_eq!(request.body(), &serde_json::to_vec(&patch).unwrap());
    let rendered = render_http(&request, &serde_json::to_string_pretty(&patch).unwrap());

    let golden = manifest_dir().join("tests/golden/update_user_status.http");
    if std::env::var("UPDATE_GOLDENS").is_ok_and(|v| v == "1") {
        fs::create_dir_all(golden.parent().unwrap()).unwrap();
        fs::write(&golden, &rendered).unwrap();
        return;
    }
    let expected = fs::read_to_string(&golden).unwrap_or_default();
    assert!(
        expected == rendered,
        "the request differs from {}; if intended, rerun with UPDATE_GOLDENS=1 and review the diff\n\
         --- expected\n{expected}\n+++ built\n{rendered}",
        golden.display()
    );
}

#[test]
fn docs_example_request_body_equals_the_page() {
    let (request_line, page_body) = docs_example("### Request");
    let request = build(MOBILE_APP_ID, STATUS_ID, &example_patch()).unwrap();
    let sent: Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(sent, page_body);
    // The page's request line, with its placeholders filled in, is the one built.
    let documented = request_line.replace("{mobileAppId}", MOBILE_APP_ID).replace("{userAppInstallStatusId}", STATUS_ID);
    assert_eq!(format!("{} {}", request.method(), request.uri()), documented);
    // The @odata.type goes first, as on the page.
    assert!(request.body().starts_with(br##"{"@odata.type":"#microsoft.graph.userAppInstallStatus","##));
}

#[test]
fn headers_are_authorization_accept_and_content_type_only() {
    let request = build(MOBILE_APP_ID, STATUS_ID, &example_patch()).unwrap();
    let headers = request.headers();
    assert_eq!(headers.len(), 3, "{headers:?}");
    assert_eq!(headers[http::header::AUTHORIZATION], format!("Bearer {TOKEN}").as_str());
    assert!(headers[http::header::AUTHORIZATION].is_sensitive());
    assert_eq!(headers[http::header::ACCEPT], "application/json");
    assert_eq!(headers[http::header::CONTENT_TYPE], "application/json");
    assert_eq!(request.method(), http::Method::PATCH);
}

// ---------------------------------------------------------------------------------------------
// The PATCH body: absent, null and set.

fn body_of(patch: &UserAppInstallStatusPatch) -> Value {
    serde_json::from_slice(build(MOBILE_APP_ID, STATUS_ID, patch).unwrap().body()).unwrap()
}

#[test]
fn untouched_fields_are_absent() {
    let patch = UserAppInstallStatusPatch::default();
    assert_eq!(serde_json::to_string(&patch).unwrap(), r##"{"@odata.type":"#microsoft.graph.userAppInstallStatus"}"##);
    assert_eq!(body_of(&patch), json!({"@odata.type": "#microsoft.graph.userAppInstallStatus"}));
}

#[test]
fn cleared_strings_are_sent_as_null() {
    let patch = UserAppInstallStatusPatch { user_name: Patch::Clear, ..Default::default() };
    assert_eq!(
        serde_json::to_string(&patch).unwrap(),
        r##"{"@odata.type":"#microsoft.graph.userAppInstallStatus","userName":null}"##
    );
    let patch = UserAppInstallStatusPatch { user_name: Patch::Clear, user_principal_name: Patch::Clear, ..Default::default() };
    assert_eq!(
        body_of(&patch),
        json!({"@odata.type": "#microsoft.graph.userAppInstallStatus", "userName": null, "userPrincipalName": null})
    );
}

#[test]
fn set_fields_are_sent_with_their_values() {
    let patch = UserAppInstallStatusPatch {
        user_principal_name: "adele@contoso.com".to_string().into(),
        failed_device_count: Some(0),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&patch).unwrap(),
        r##"{"@odata.type":"#microsoft.graph.userAppInstallStatus","failedDeviceCount":0,"userPrincipalName":"adele@contoso.com"}"##
    );
    // Set to an empty string is a value, not a clear.
    let patch = UserAppInstallStatusPatch { user_name: Patch::Set(String::new()), ..Default::default() };
    assert_eq!(body_of(&patch)["userName"], json!(""));
}

/// The types themselves say what can be done: counts are left alone or set (no way to send null),
/// strings have three states, and nothing else is in the body (the destructuring lists every field,
/// so adding `id`, `app` or `deviceStatuses` would fail to compile).
#[test]
fn field_types_allow_exactly_the_documented_states() {
    fn option<T>(_: &Option<T>) {}
    fn patch<T>(_: &Patch<T>) {}
    let UserAppInstallStatusPatch {
        failed_device_count,
        installed_device_count,
        not_installed_device_count,
        user_name,
        user_principal_name,
    } = example_patch();
    option::<i32>(&failed_device_count);
    option::<i32>(&installed_device_count);
    option::<i32>(&not_installed_device_count);
    patch::<String>(&user_name);
    patch::<String>(&user_principal_name);
    assert_eq!(Patch::<String>::default(), Patch::Unchanged);
}

// ---------------------------------------------------------------------------------------------
// Path parameters.

#[test]
fn each_id_is_exactly_one_percent_encoded_segment() {
    let cases = [
        ("a/b", "a%2Fb"),
        ("x?y#z", "x%3Fy%23z"),
        ("a b", "a%20b"),
        ("%2e%2e", "%252e%252e"),
        ("ü", "%C3%BC"),
        // Unreserved characters stay as they are; only the exact values "." and ".." are refused.
        ("AZaz09-._~", "AZaz09-._~"),
        ("...", "..."),
        ("a+b&c=d;e,f:g@h'(i)*!$", "a%2Bb%26c%3Dd%3Be%2Cf%3Ag%40h%27%28i%29%2A%21%24"),
    ];
    let patch = example_patch();
    for (id, encoded) in cases {
        let request = build(id, id, &patch).unwrap();
        assert_eq!(
            request.uri().to_string(),
            format!("https://graph.microsoft.com/beta/deviceAppManagement/mobileApps/{encoded}/userStatuses/{encoded}"),
            "id {id:?}"
        );
        assert_eq!(request.uri().path().split('/').count(), 7, "id {id:?} must stay one segment");
        assert_eq!(request.uri().query(), None, "id {id:?}");
    }
}

#[test]
fn empty_dot_and_dotdot_ids_are_refused() {
    let patch = example_patch();
    for bad in ["", ".", ".."] {
        assert_eq!(
            build(bad, STATUS_ID, &patch).unwrap_err(),
            RequestError::InvalidPathParameter { name: "mobileApp-id", value: bad.to_string() },
        );
        assert_eq!(
            build(MOBILE_APP_ID, bad, &patch).unwrap_err(),
            RequestError::InvalidPathParameter { name: "userAppInstallStatus-id", value: bad.to_string() },
        );
    }
    let message = build("..", STATUS_ID, &patch).unwrap_err().to_string();
    assert!(message.contains("mobileApp-id") && message.contains("\"..\""), "{message}");
}

#[test]
fn base_url_is_joined_without_doubling_slashes() {
    let patch = example_patch();
    let op = UpdateUserStatus::new("a", "b", &patch);
    let token = BearerToken::new(TOKEN);
    for base in ["http://127.0.0.1:8080/beta", "http://127.0.0.1:8080/beta/"] {
        let request = build_request(&op, &BaseUrl::parse(base).unwrap(), &token).unwrap();
        assert_eq!(request.uri(), "http://127.0.0.1:8080/beta/deviceAppManagement/mobileApps/a/userStatuses/b");
    }
    // User information names another host: the request would go to the one after the `@`.
    let userinfo = ["https://graph.microsoft.com@attacker.example/beta", "https://user:pw@host/beta"];
    for bad in ["graph.microsoft.com/beta", "ftp://host/beta", "https://host/beta?x=1", "https://host/beta#f", ""].into_iter().chain(userinfo) {
        assert!(matches!(BaseUrl::parse(bad), Err(RequestError::InvalidBaseUrl(_))), "{bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// The token.

#[test]
fn token_never_shows_in_debug_or_display() {
    let token = BearerToken::new(TOKEN);
    assert!(!format!("{token:?}").contains(TOKEN));

    let request = build(MOBILE_APP_ID, STATUS_ID, &example_patch()).unwrap();
    let debug = format!("{request:?}");
    assert!(!debug.contains(TOKEN) && !debug.contains("7f3a9c"), "{debug}");

    let client = Client::new(BearerToken::new(TOKEN)).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(TOKEN) && !debug.contains("7f3a9c"), "{debug}");
    let debug = format!("{:#?}", client.with_base_url("http://127.0.0.1:1/beta").unwrap());
    assert!(!debug.contains("7f3a9c"), "{debug}");

    // A token that cannot go in a header is refused without being repeated.
    let bad = "secret-part\nsecond-line";
    let patch = example_patch();
    let err = build_request(&UpdateUserStatus::new("a", "b", &patch), &default_base_url(), &BearerToken::new(bad)).unwrap_err();
    assert_eq!(err, RequestError::InvalidToken);
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains("secret-part"), "{text}");
    }
}
