//! What a response costs in memory, measured by counting allocations: a body whose unknown member
//! is a long array of small values (`[0,0,…]`) once took ~34 bytes of memory per byte received,
//! because unknown members were `serde_json::Value` trees. Kept as their JSON text, they cost
//! about their size. A test binary of its own, since it installs a counting global allocator.

use graph_runtime::{Error, decode_within, parse_response};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use support::operations::UpdateStatus;

mod support;

/// The system allocator, counting the bytes live now and the most live at once.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn note_allocated(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocated(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        note_allocated(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests measure the peak of one process-wide counter, so they run one at a time.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The most bytes live at once while `work` runs, beyond what was live before it.
fn peak_of<R>(work: impl FnOnce() -> R) -> (R, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = work();
    (result, PEAK.load(Ordering::Relaxed) - before)
}

#[test]
fn an_unknown_member_of_many_small_values_costs_about_its_size() {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    // 16 MiB of `0,` inside an unknown member, at the top level and in a nested model.
    let extra = format!("[{}0]", "0,".repeat(4 << 20));
    let body = format!(r##"{{"id":"s1","app":{{"@odata.type":"#microsoft.graph.mobileApp","big":{extra}}},"big":{extra}}}"##);
    let response = http::Response::builder().status(200).body(body.into_bytes()).expect("a response");
    let received = response.body().len();

    let (parsed, peak) = peak_of(|| parse_response::<UpdateStatus<'_>>(response));
    let parsed = parsed.expect("decodes").expect("a body");

    assert_eq!(parsed.additional_properties.get("big").map(|raw| raw.get().len()), Some(extra.len()));
    // The body itself (freed once read), its unknown members' text, and the decoder's buffers:
    // a few times the size received. As `Value` trees the same body took over 30 times.
    assert!(peak < 4 * received, "decoding {received} bytes peaked at {peak} bytes of allocations");
}

/// The worst case found by probing: a body of empty objects (`{},` is three bytes) in a typed
/// array, each of which becomes a whole `MobileAppInstallStatus` (about a kilobyte): 24 MiB of
/// them took 8.1 GiB of allocations. Now the decode stops once what it decoded counts past the
/// limit, and what it allocated stays below the body plus three times the limit (docs/robustness.md,
/// "Memory").
#[test]
fn empty_objects_in_a_typed_array_stop_at_the_decoded_limit() {
    use graph_beta_intune::operations::UpdateUserStatus;
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    // Nested, as Graph's bodies nest it: the status's app, and the app's device statuses.
    let objects = "{},".repeat(8 << 20);
    let body = format!(r##"{{"app":{{"@odata.type":"#microsoft.graph.mobileApp","deviceStatuses":[{objects}{{}}]}}}}"##);
    let received = body.len();
    let limit = 32 << 20;
    let response = http::Response::builder().status(200).body(body.into_bytes()).expect("a response");

    let (parsed, peak) = peak_of(|| decode_within(limit, || parse_response::<UpdateUserStatus<'_>>(response)));

    let Err(Error::Decode(e)) = parsed else { panic!("decoded past the limit: {parsed:?}") };
    assert!(e.message.contains(&format!("more than {limit} bytes of memory")), "{e}");
    assert!(e.path.starts_with("app"), "the error says where: {e}");
    assert!(peak < received + 3 * limit, "decoding {received} bytes peaked at {peak} bytes, over the bound");
}

/// Under the limit the same shape decodes whole: the limit is a bound, not a ceiling on what a
/// normal body may hold.
#[test]
fn a_body_under_the_decoded_limit_decodes_whole() {
    use graph_beta_intune::operations::UpdateUserStatus;
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let objects = "{},".repeat(999);
    let body = format!(r##"{{"app":{{"@odata.type":"#microsoft.graph.mobileApp","deviceStatuses":[{objects}{{}}]}}}}"##);
    let response = http::Response::builder().status(200).body(body.into_bytes()).expect("a response");
    let parsed = parse_response::<UpdateUserStatus<'_>>(response).expect("decodes").expect("a body");
    assert_eq!(parsed.app.and_then(|app| app.device_statuses).map(|s| s.len()), Some(1000));
}
