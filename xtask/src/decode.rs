//! The decode part of `cargo xtask bench`: a 10,000-object `userAppInstallStatus` array decoded
//! into the generated model and into a hand-written `#[derive(Deserialize)]` struct with the same
//! fields, in the same process. Figures only.

use serde::Deserialize;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const OBJECTS: usize = 10_000;

/// The generated model's fields (nested models are the generated ones), derived by serde: the
/// floor a generated decoder is held to. It keeps no unknown members; the generated model keeps
/// `@odata.type` (which it does not declare).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct HandWritten {
    id: Option<String>,
    failed_device_count: Option<i32>,
    installed_device_count: Option<i32>,
    not_installed_device_count: Option<i32>,
    user_name: Option<String>,
    user_principal_name: Option<String>,
    app: Option<graph_beta_intune::models::MobileApp>,
    device_statuses: Option<Vec<graph_beta_intune::models::MobileAppInstallStatus>>,
}

/// The array, about 250 bytes an object as Graph sends them (with `@odata.type`).
fn sample() -> String {
    let mut out = String::with_capacity(OBJECTS * 260);
    out.push('[');
    for i in 0..OBJECTS {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r##"{{"@odata.type":"#microsoft.graph.userAppInstallStatus","id":"5b2e6a4c-{i:04}-4d6e-9f1a-2c3b4d5e6f70","userName":"User Name {i}","userPrincipalName":"user{i}@contoso.onmicrosoft.com","installedDeviceCount":{},"failedDeviceCount":{},"notInstalledDeviceCount":{}}}"##,
            i % 7,
            i % 3,
            i % 5
        );
    }
    out.push(']');
    out
}

/// One timed decode.
fn time<T>(decode: &mut impl FnMut() -> Result<T, serde_json::Error>) -> Result<Duration, String> {
    let t = Instant::now();
    let value = decode().map_err(|e| e.to_string())?;
    let took = t.elapsed();
    drop(value);
    Ok(took)
}

/// `rounds` runs of `a` and `b` in turn, so that a slow spell of this shared machine falls on
/// both: the best time of each, and the median of the round-by-round ratios `a / b`.
fn compare<A, B>(
    rounds: usize,
    mut a: impl FnMut() -> Result<A, serde_json::Error>,
    mut b: impl FnMut() -> Result<B, serde_json::Error>,
) -> Result<(Duration, Duration, f64), String> {
    let (mut best_a, mut best_b) = (Duration::MAX, Duration::MAX);
    let mut ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let (ta, tb) = (time(&mut a)?, time(&mut b)?);
        best_a = best_a.min(ta);
        best_b = best_b.min(tb);
        ratios.push(ta.as_secs_f64() / tb.as_secs_f64().max(1e-9));
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
    Ok((best_a, best_b, median))
}

/// `key value` lines: the input's size, the best time of each decoder and the median paired ratio
/// (in thousandths).
pub fn measure_decode(runs: usize) -> Result<String, String> {
    let text = sample();
    let rounds = runs.max(5) * 8;
    let (generated, hand, ratio) = compare(
        rounds,
        || serde_json::from_str::<Vec<graph_beta_intune::models::UserAppInstallStatus>>(&text),
        || serde_json::from_str::<Vec<HandWritten>>(&text),
    )?;
    // The generated model as `parse_response` decodes it (decoded memory counted against its
    // limit; a failure read again to find its path), the derived struct through the path
    // tracker, as this crate decoded every body before.
    let (with_paths, hand_with_paths, paths_ratio) = compare(
        rounds,
        || {
            let ok = http::StatusCode::OK;
            graph_beta_intune::runtime::__private::decode_optional::<Vec<graph_beta_intune::models::UserAppInstallStatus>>(
                ok,
                text.as_bytes(),
            )
            .map_err(|e| <serde_json::Error as serde::de::Error>::custom(e.to_string()))
        },
        || {
            serde_path_to_error::deserialize::<_, Vec<HandWritten>>(&mut serde_json::Deserializer::from_str(&text))
                .map_err(serde_path_to_error::Error::into_inner)
        },
    )?;
    Ok(format!(
        "decode_bytes {}\ndecode_objects {OBJECTS}\ndecode_rounds {rounds}\ndecode_generated_ns {}\ndecode_hand_ns {}\ndecode_ratio_milli {}\ndecode_paths_ns {}\ndecode_hand_paths_ns {}\ndecode_paths_ratio_milli {}\n",
        text.len(),
        generated.as_nanos(),
        hand.as_nanos(),
        (ratio * 1000.0).round() as u64,
        with_paths.as_nanos(),
        hand_with_paths.as_nanos(),
        (paths_ratio * 1000.0).round() as u64
    ))
}
