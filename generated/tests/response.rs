//! Response parsing with no I/O: the documentation page's example response, 2xx with and without a
//! body, error statuses with an ODataError, a raw or empty body, and 2xx bodies that do not decode.

use graph_beta_intune::models::{ErrorDetails, MainError, ODataError, UserAppInstallStatus};
use graph_beta_intune::operations::UpdateUserStatus;
use graph_beta_intune::runtime::parse_response;
use graph_beta_intune::{ApiError, DecodeError, Error, ErrorBody, UnknownMembers, WireEnum};
use http::StatusCode;
use serde_json::{json, Value};
use std::fs;
use std::path::Path;

type Parsed = Result<Option<UserAppInstallStatus>, Error<ODataError>>;

// The crate's error type as `parse_response` returns it; its size is the crate's choice, not this test's.
#[allow(clippy::result_large_err)]
fn respond(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Parsed {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    parse_response::<UpdateUserStatus<'_>>(builder.body(body.to_vec()).unwrap())
}

/// The API error inside `err`. `Borrow` reads it the same whether the crate holds it inline or
/// boxed, so these tests check behaviour, not that layout choice.
fn api_error(err: Error<ODataError>) -> ApiError<ODataError> {
    match err {
        Error::Api(api) => {
            let api: &ApiError<ODataError> = std::borrow::Borrow::borrow(&api);
            api.clone()
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The JSON body of the page's example response, as text.
fn docs_example_response() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/graph/docs/intune-apps-userappinstallstatus-update.md");
    let page = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let section = &page[page.find("### Response").unwrap()..];
    let block = &section[section.find("``` http\n").unwrap() + "``` http\n".len()..];
    let block = &block[..block.find("```").unwrap()];
    assert!(block.starts_with("HTTP/1.1 200 OK\n"), "{block}");
    block[block.find("\n\n").unwrap()..].trim().to_string()
}

fn expected_docs_status() -> UserAppInstallStatus {
    let mut additional_properties = UnknownMembers::new();
    additional_properties.insert("@odata.type", "#microsoft.graph.userAppInstallStatus").unwrap();
    UserAppInstallStatus {
        id: Some("14959a2a-9a2a-1495-2a9a-95142a9a9514".to_string()),
        user_name: Some("User Name value".to_string()),
        user_principal_name: Some("User Principal Name value".to_string()),
        installed_device_count: Some(4),
        failed_device_count: Some(1),
        not_installed_device_count: Some(7),
        app: None,
        device_statuses: None,
        additional_properties,
    }
}

#[test]
fn docs_example_response_parses_to_the_expected_struct() {
    let body = docs_example_response();
    let parsed = respond(200, &[("content-type", "application/json")], body.as_bytes()).unwrap();
    assert_eq!(parsed, Some(expected_docs_status()));
    // And back: nothing was lost, "@odata.type" included.
    let again = serde_json::to_value(parsed.unwrap()).unwrap();
    assert_eq!(again, serde_json::from_str::<Value>(&body).unwrap());
}

#[test]
fn any_2xx_with_a_body_is_the_model() {
    let body = br#"{"id":"s1","userName":"Adele","deviceStatuses":[{"id":"d1","installState":"installed","errorCode":0}],"newProperty":[1,2]}"#;
    for status in [200, 201, 202, 299] {
        let parsed = respond(status, &[], body).unwrap().unwrap();
        assert_eq!(parsed.id.as_deref(), Some("s1"), "{status}");
        assert_eq!(parsed.user_name.as_deref(), Some("Adele"));
        let devices = parsed.device_statuses.as_ref().unwrap();
        assert_eq!(devices[0].install_state.as_ref().map(|s| s.as_str()), Some("installed"));
        // Members the description does not declare are kept, not rejected.
        assert_eq!(parsed.additional_properties.value("newProperty"), Some(json!([1, 2])));
    }
    // Explicit nulls are as good as absent for nullable fields.
    let parsed = respond(200, &[], br#"{"userName":null,"userPrincipalName":null}"#).unwrap().unwrap();
    assert_eq!(parsed.user_name, None);
}

#[test]
fn no_content_and_empty_2xx_bodies_are_none() {
    assert_eq!(respond(204, &[], b"").unwrap(), None);
    assert_eq!(respond(200, &[], b"").unwrap(), None);
    assert_eq!(respond(202, &[("content-length", "0")], b"").unwrap(), None);
    assert_eq!(respond(200, &[], b" \r\n\t").unwrap(), None);
    // A 204 carries no body by definition; whatever came is ignored.
    assert_eq!(respond(204, &[], b"{\"id\":\"ignored\"}").unwrap(), None);
}

#[test]
fn error_status_carries_odata_error_and_request_ids() {
    let body = json!({
        "error": {
            "code": "BadRequest",
            "message": "Property 'installedDeviceCount' has an invalid value.",
            "details": [{"code": "InvalidValue", "message": "Expected Int32.", "target": "installedDeviceCount"}],
            "innererror": {"date": "2024-08-01T10:00:00", "request-id": "7d1f5c2e-0000-4000-8000-000000000001"}
        }
    });
    let err = respond(
        400,
        &[
            ("content-type", "application/json"),
            ("request-id", "7d1f5c2e-0000-4000-8000-000000000001"),
            ("client-request-id", "c0ffee00-0000-4000-8000-000000000002"),
        ],
        body.to_string().as_bytes(),
    )
    .unwrap_err();
    let text = err.to_string();
    let api = api_error(err);
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.request_id.as_deref(), Some("7d1f5c2e-0000-4000-8000-000000000001"));
    assert_eq!(api.client_request_id.as_deref(), Some("c0ffee00-0000-4000-8000-000000000002"));
    let ErrorBody::Parsed(odata) = &api.body else { panic!("expected a parsed ODataError, got {:?}", api.body) };
    assert_eq!(
        odata.error,
        MainError {
            code: "BadRequest".to_string(),
            message: "Property 'installedDeviceCount' has an invalid value.".to_string(),
            target: None,
            details: Some(vec![ErrorDetails {
                code: "InvalidValue".to_string(),
                message: "Expected Int32.".to_string(),
                target: Some("installedDeviceCount".to_string()),
                additional_properties: UnknownMembers::new(),
            }]),
            innererror: odata.error.innererror.clone(),
            additional_properties: UnknownMembers::new(),
        }
    );
    let inner = odata.error.innererror.as_ref().unwrap();
    assert_eq!(inner.additional_properties.value("date"), Some(json!("2024-08-01T10:00:00")));
    assert!(text.contains("400") && text.contains("7d1f5c2e-0000-4000-8000-000000000001") && text.contains("BadRequest"), "{text}");
}

#[test]
fn error_status_without_ids_or_with_a_non_error_json_body() {
    let err = respond(404, &[], br#"{"error":{"code":"ResourceNotFound","message":"Not found"}}"#).unwrap_err();
    let ApiError { status, request_id: None, client_request_id: None, retry_after: None, body: ErrorBody::Parsed(e) } = api_error(err) else {
        panic!("expected a parsed body and no ids")
    };
    assert_eq!((status.as_u16(), e.error.code.as_str()), (404, "ResourceNotFound"));
    // JSON that is not an ODataError is kept as text rather than lost.
    let err = respond(409, &[], br#"{"message":"conflict"}"#).unwrap_err();
    assert_eq!(api_error(err).body, ErrorBody::Raw(br#"{"message":"conflict"}"#.to_vec()));
}

#[test]
fn non_json_error_body_is_kept_raw_and_empty_is_empty() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let err = respond(502, &[("content-type", "text/html"), ("request-id", "r-1")], html.as_bytes()).unwrap_err();
    let api = api_error(err);
    assert_eq!(api.status, StatusCode::BAD_GATEWAY);
    assert_eq!(api.request_id.as_deref(), Some("r-1"));
    assert_eq!(api.body, ErrorBody::Raw(html.as_bytes().to_vec()));
    assert_eq!(api.body.text().as_deref(), Some(html));

    let err = respond(401, &[], b"").unwrap_err();
    assert_eq!(api_error(err).body, ErrorBody::Empty);
    // Bytes that are not UTF-8 do not make parsing fail, and are kept as they came.
    let err = respond(500, &[], &[0xff, 0xfe, b'x']).unwrap_err();
    let body = api_error(err).body;
    assert_eq!(body, ErrorBody::Raw(vec![0xff, 0xfe, b'x']));
    assert_eq!(body.text().as_deref(), Some("\u{fffd}\u{fffd}x"));
}

fn decode_error(status: u16, body: &[u8]) -> DecodeError {
    match respond(status, &[], body) {
        Err(Error::Decode(e)) => e,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn malformed_2xx_body_is_a_decode_error_with_a_json_path() {
    let e = decode_error(200, br#"{"id":"s1","installedDeviceCount":"four"}"#);
    assert_eq!(e.status, StatusCode::OK);
    assert_eq!(e.path, "installedDeviceCount", "{e:?}");
    assert!(e.message.contains("invalid type"), "{e:?}");

    let e = decode_error(200, br#"{"deviceStatuses":[{"id":"d0"},{"id":"d1","errorCode":1.5}]}"#);
    assert_eq!(e.path, "deviceStatuses[1].errorCode", "{e:?}");

    // Int32 bounds are enforced.
    let e = decode_error(200, br#"{"failedDeviceCount":2147483648}"#);
    assert_eq!(e.path, "failedDeviceCount", "{e:?}");

    let e = decode_error(201, b"<html>not json</html>");
    assert_eq!(e.status, StatusCode::CREATED);
    let e = decode_error(200, br#"{"id":"s1"} trailing"#);
    assert_eq!(e.path, ".", "{e:?}");
    let e = decode_error(200, br#"["not","an","object"]"#);
    assert_eq!(e.path, ".", "{e:?}");

    let text = Error::<ODataError>::Decode(decode_error(200, br#"{"installedDeviceCount":"four"}"#)).to_string();
    assert!(text.contains("installedDeviceCount") && text.contains("200"), "{text}");
}

/// A body that would drive a terminal or forge log lines (ESC sequences, CR/LF, a bidi override)
/// is escaped in `Display` and cut when long; the value keeps every character.
#[test]
fn error_text_is_escaped_and_cut_in_display_but_kept_whole_in_the_value() {
    let hostile = "oops\u{1b}[2J\r\nINFO forged log line\u{202e}\u{0}";
    let err = respond(500, &[], hostile.as_bytes()).unwrap_err();
    let text = err.to_string();
    assert!(!text.chars().any(|c| c.is_control() || c == '\u{202e}'), "{text:?}");
    assert!(text.contains(r"oops\u{1b}[2J\u{d}\u{a}INFO forged log line\u{202e}\u{0}"), "{text}");
    assert_eq!(api_error(err).body, ErrorBody::Raw(hostile.as_bytes().to_vec()));

    let long = "x".repeat(100_000);
    let err = respond(502, &[], long.as_bytes()).unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 2_000 && text.ends_with("… (98976 more bytes)"), "{}", &text[text.len() - 40..]);
    assert_eq!(api_error(err).body, ErrorBody::Raw(long.into_bytes()));

    // A parsed body's text is escaped too, and so is a decode error quoting a member name.
    let err = respond(400, &[], br#"{"error":{"code":"x","message":"line\r\nbreak\u001b"}}"#).unwrap_err();
    assert!(!err.to_string().chars().any(|c| c.is_control()), "{err}");
    let err = respond(200, &[], b"{\"installedDeviceCount\":\"\x1b[31mred\"}").unwrap_err();
    assert!(!err.to_string().chars().any(|c| c.is_control()), "{err}");
}

/// Graph's error body as the service sends it: `innerError` (camel case, where the description
/// says `innererror`) with `date`, `request-id` and `client-request-id` inside.
#[test]
fn graph_s_inner_error_spelling_is_read() {
    let body = br#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist or one of its queried reference-property objects are not present.","innerError":{"date":"2026-11-30T06:40:12","request-id":"9b0f2c1e-4d3a-4b5c-8d6e-7f8091a2b3c4","client-request-id":"1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"}}}"#;
    let api = api_error(respond(404, &[("content-type", "application/json")], body).unwrap_err());
    let ErrorBody::Parsed(odata) = &api.body else { panic!("expected a parsed ODataError, got {:?}", api.body) };
    assert!(odata.error.additional_properties.is_empty(), "{:?}", odata.error.additional_properties);
    let inner = odata.error.innererror.as_ref().expect("innerError is read");
    assert_eq!(inner.additional_properties.value("date").unwrap_or_default(), json!("2026-11-30T06:40:12"));
    assert_eq!(inner.additional_properties.value("request-id").unwrap_or_default(), json!("9b0f2c1e-4d3a-4b5c-8d6e-7f8091a2b3c4"));
    assert_eq!(inner.additional_properties.value("client-request-id").unwrap_or_default(), json!("1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"));
}
