//! Responses that are not what the description promised, read by the generated models: every
//! field given the wrong JSON kind, every truncation, seeded byte mutations, deep nesting. Each is
//! a typed error (with the JSON path of the failing field where there is one), never a panic;
//! unknown fields and enum values are kept. (Broken HTTP over loopback is the runtime's to test:
//! runtime/tests/robustness.rs.)

use graph_beta_intune::models::{
    MobileAppInstallStatus, MobileAppPublishingState, ODataError, ResultantAppState, ResultantAppStateDetail,
    UserAppInstallStatus,
};
use graph_beta_intune::operations::UpdateUserStatus;
use graph_beta_intune::runtime::parse_response;
use graph_beta_intune::{DecodeError, Error, WireEnum};
use serde_json::{json, Value};

type Parsed = Result<Option<UserAppInstallStatus>, Error<ODataError>>;

// Passes on the crate's own `Result`, whatever its size.
#[allow(clippy::result_large_err)]
fn respond(status: u16, body: &[u8]) -> Parsed {
    let response = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .unwrap();
    parse_response::<UpdateUserStatus<'_>>(response)
}

fn decode_error(body: &[u8]) -> DecodeError {
    match respond(200, body) {
        Err(Error::Decode(e)) => e,
        other => panic!("expected a decode error for {:?}, got {other:?}", String::from_utf8_lossy(body)),
    }
}

/// A body that fills every level the model has: the status, its app (with an icon and a list of
/// strings) and two device statuses.
fn rich_body() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.userAppInstallStatus",
        "id": "s1",
        "userName": "User Name value",
        "userPrincipalName": "user@contoso.example",
        "installedDeviceCount": 4,
        "failedDeviceCount": 1,
        "notInstalledDeviceCount": 7,
        "app": {
            "@odata.type": "#microsoft.graph.mobileApp",
            "id": "a1",
            "displayName": "App",
            "isAssigned": true,
            "dependentAppCount": 0,
            "publishingState": "published",
            "roleScopeTagIds": ["0", "1"],
            "largeIcon": { "type": "image/png", "value": "AAAA" },
            "categories": [{ "id": "c1", "displayName": "Tools" }]
        },
        "deviceStatuses": [
            { "id": "d0", "deviceName": "pc0", "errorCode": 0, "installState": "installed" },
            { "id": "d1", "deviceName": "pc1", "errorCode": -2016345060, "installState": "failed",
              "installStateDetail": "iosAppStoreUpdateFailedToInstall" }
        ]
    })
}

#[test]
fn the_rich_body_decodes() {
    let parsed = respond(200, rich_body().to_string().as_bytes()).unwrap().unwrap();
    let app = parsed.app.as_ref().unwrap();
    assert_eq!(app.publishing_state, Some(MobileAppPublishingState::Published));
    assert_eq!(app.large_icon.as_ref().unwrap().r#type.as_deref(), Some("image/png"));
    let devices = parsed.device_statuses.as_ref().unwrap();
    assert_eq!(devices[1].install_state, Some(ResultantAppState::Failed));
    assert_eq!(devices[1].install_state_detail, Some(ResultantAppStateDetail::IosAppStoreUpdateFailedToInstall));
    assert_eq!(devices[1].error_code, Some(-2016345060));
    // Nothing is lost on the way back.
    assert_eq!(serde_json::to_value(&parsed).unwrap(), rich_body());
}

/// Every node below the root, with its path spelled as `DecodeError.path` spells it.
fn nodes(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                // Annotations go to `additional_properties`, which takes any JSON.
                if key.starts_with('@') {
                    continue;
                }
                let p = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                out.push(p.clone());
                nodes(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                out.push(p.clone());
                nodes(child, p, out);
            }
        }
        _ => {}
    }
}

fn pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        let (name, indices) = part.split_once('[').map_or((part, ""), |(n, rest)| (n, rest));
        out.push('/');
        out.push_str(name);
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            out.push('/');
            out.push_str(index.trim_end_matches(']'));
        }
    }
    out
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn every_field_of_the_wrong_kind_is_a_decode_error_at_its_path() {
    let body = rich_body();
    let mut paths = Vec::new();
    nodes(&body, String::new(), &mut paths);
    assert!(paths.len() > 30, "{paths:?}");
    let wrong = [json!("text"), json!(12), json!(true), json!([1]), json!({"x": 1})];
    let mut checked = 0;
    for path in &paths {
        for replacement in &wrong {
            let mut mutated = body.clone();
            let slot = mutated.pointer_mut(&pointer(path)).unwrap();
            if kind(slot) == kind(replacement) {
                continue;
            }
            *slot = replacement.clone();
            let e = decode_error(mutated.to_string().as_bytes());
            assert_eq!(e.path, *path, "{} at {path}: {e:?}", kind(replacement));
            assert!(!e.message.is_empty());
            checked += 1;
        }
    }
    assert!(checked > 120, "{checked}");
}

#[test]
fn every_truncation_is_a_decode_error_never_a_panic_or_a_value() {
    for body in [rich_body().to_string(), serde_json::to_string_pretty(&rich_body()).unwrap()] {
        for cut in 1..body.len() {
            if !body.is_char_boundary(cut) || body[..cut].trim().is_empty() {
                continue;
            }
            let e = decode_error(&body.as_bytes()[..cut]);
            assert!(!e.path.is_empty(), "cut {cut}: {e:?}");
            assert!(e.message.contains("EOF") || e.message.contains("end of"), "cut {cut}: {e:?}");
        }
    }
    // Cut inside a multi-byte character: still an error, not a panic.
    let body = r#"{"userName":"日本"}"#.as_bytes();
    for cut in 1..body.len() {
        assert!(matches!(respond(200, &body[..cut]), Err(Error::Decode(_))), "cut {cut}");
    }
}

#[test]
fn seeded_byte_mutations_never_panic_and_errors_carry_a_path() {
    let body = rich_body().to_string().into_bytes();
    let mut state: u64 = 0x0BAD_F00D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut errors) = (0, 0);
    for _ in 0..20_000 {
        let mut mutated = body.clone();
        for _ in 0..=next() % 4 {
            let i = (next() % mutated.len() as u64) as usize;
            match next() % 4 {
                0 => mutated[i] = next() as u8,
                1 => mutated[i] = b"{}[]\":,0-e.\\ntf"[(next() % 15) as usize],
                2 => {
                    mutated.remove(i);
                }
                _ => mutated.insert(i, b"\"{[0"[(next() % 4) as usize]),
            }
        }
        match respond(200, &mutated) {
            Ok(_) => ok += 1,
            Err(Error::Decode(e)) => {
                assert!(!e.path.is_empty(), "{e:?}");
                errors += 1;
            }
            Err(other) => panic!("a 200 gave {other:?}"),
        }
    }
    assert!(ok > 0 && errors > 10_000, "ok {ok}, errors {errors}");
}

#[test]
fn deep_nesting_is_an_error_or_kept_as_text_never_a_stack_overflow() {
    // Known fields: app.userStatuses[0].app.userStatuses[0]… is a legal shape, 5,000 levels deep.
    let mut deep = String::new();
    for _ in 0..5_000 {
        deep.push_str(r#"{"app":{"userStatuses":["#);
    }
    for _ in 0..5_000 {
        deep.push_str("]}}");
    }
    let e = decode_error(deep.as_bytes());
    assert!(e.message.contains("recursion limit"), "{e:?}");
    // Unknown fields are kept as their JSON text, skipped over without recursion: any depth
    // decodes, and the limit applies when the member is parsed.
    let extra = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let unknown = format!(r#"{{"id":"s1","extra":{extra}}}"#);
    let parsed = respond(200, unknown.as_bytes()).unwrap().unwrap();
    assert_eq!(parsed.additional_properties.get("extra").map(|raw| raw.get()), Some(extra.as_str()));
    let e = parsed.additional_properties.parse::<Value>("extra").unwrap().unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e:?}");
}

#[test]
fn not_json_at_all_is_a_decode_error() {
    let cases: [&[u8]; 8] = [
        b"<html><body>Service Unavailable</body></html>",
        b"\xff\xfe{\x00}\x00",
        b"{\"userName\":\"\xff\"}",
        b"null",
        b"42",
        b"\"a string\"",
        b"{\"installedDeviceCount\":1e400}",
        b"{\"id\":\"a\"}{\"id\":\"b\"}",
    ];
    for body in cases {
        let e = decode_error(body);
        assert!(!e.path.is_empty(), "{body:?}: {e:?}");
    }
}

#[test]
fn unknown_fields_are_kept_at_every_level() {
    let mut body = rich_body();
    body["newTopLevel"] = json!({"nested": [1, 2, 3]});
    body["app"]["newAppField"] = json!("x");
    body["app"]["largeIcon"]["newIconField"] = json!(null);
    body["deviceStatuses"][0]["newDeviceField"] = json!(7);
    body["@odata.etag"] = json!("W/\"1\"");
    let parsed = respond(200, body.to_string().as_bytes()).unwrap().unwrap();
    assert_eq!(parsed.additional_properties.value("newTopLevel"), Some(json!({"nested": [1, 2, 3]})));
    assert_eq!(parsed.additional_properties.value("@odata.etag"), Some(json!("W/\"1\"")));
    let app = parsed.app.as_ref().unwrap();
    assert_eq!(app.additional_properties.value("newAppField"), Some(json!("x")));
    assert_eq!(app.large_icon.as_ref().unwrap().additional_properties.value("newIconField"), Some(json!(null)));
    assert_eq!(parsed.device_statuses.as_ref().unwrap()[0].additional_properties.value("newDeviceField"), Some(json!(7)));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
}

#[test]
fn unknown_enum_values_are_kept_and_sent_back_as_they_came() {
    let status: MobileAppInstallStatus = serde_json::from_value(json!({
        "installState": "somethingNew",
        "installStateDetail": "alsoNew",
        "mobileAppInstallStatusValue": "installed"
    }))
    .unwrap();
    assert_eq!(status.install_state, Some(ResultantAppState::Unrecognized("somethingNew".to_string())));
    assert_eq!(status.install_state.as_ref().unwrap().as_str(), "somethingNew");
    assert_eq!(status.install_state_detail, Some(ResultantAppStateDetail::Unrecognized("alsoNew".to_string())));
    assert_eq!(status.mobile_app_install_status_value, Some(ResultantAppState::Installed));
    assert_eq!(serde_json::to_value(&status).unwrap()["installState"], json!("somethingNew"));

    // The same inside a response, nested.
    let mut body = rich_body();
    body["deviceStatuses"][1]["installState"] = json!("somethingNew");
    body["app"]["publishingState"] = json!("");
    let parsed = respond(200, body.to_string().as_bytes()).unwrap().unwrap();
    assert_eq!(
        parsed.device_statuses.unwrap()[1].install_state,
        Some(ResultantAppState::Unrecognized("somethingNew".to_string()))
    );
    assert_eq!(parsed.app.unwrap().publishing_state, Some(MobileAppPublishingState::Unrecognized(String::new())));
}

#[test]
fn a_large_unknown_member_is_kept_as_its_text() {
    // As a `serde_json::Value`, `[0,0,…]` costs ~34 bytes of memory per input byte (a 63 MiB
    // body took over 2 GiB); as text it costs its own size.
    let extra = format!("[{}0]", "0,".repeat(4 << 20));
    let body = format!(r##"{{"id":"s1","app":{{"@odata.type":"#microsoft.graph.mobileApp","big":{extra}}},"big":{extra}}}"##);
    let parsed = respond(200, body.as_bytes()).unwrap().unwrap();
    assert_eq!(parsed.additional_properties.get("big").map(|raw| raw.get().len()), Some(extra.len()));
    let app = parsed.app.as_ref().unwrap();
    assert_eq!(app.additional_properties.get("big").map(|raw| raw.get().len()), Some(extra.len()), "nested too");
}
