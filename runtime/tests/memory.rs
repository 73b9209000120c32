//! What a response costs in memory, measured by counting allocations: a body whose unknown member
//! is a long array of small values (`[0,0,…]`) once took ~34 bytes of memory per byte received,
//! because unknown members were `serde_json::Value` trees. Kept as their JSON text, they cost
//! about their size. A test binary of its own, since it installs a counting global allocator.

use graph_runtime::parse_response;
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

#[test]
fn an_unknown_member_of_many_small_values_costs_about_its_size() {
    // 16 MiB of `0,` inside an unknown member, at the top level and in a nested model.
    let extra = format!("[{}0]", "0,".repeat(4 << 20));
    let body = format!(r##"{{"id":"s1","app":{{"@odata.type":"#microsoft.graph.mobileApp","big":{extra}}},"big":{extra}}}"##);
    let response = http::Response::builder().status(200).body(body.into_bytes()).expect("a response");
    let received = response.body().len();

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let parsed = parse_response::<UpdateStatus<'_>>(response).expect("decodes").expect("a body");
    let peak = PEAK.load(Ordering::Relaxed) - before;

    assert_eq!(parsed.additional_properties.get("big").map(|raw| raw.get().len()), Some(extra.len()));
    // The body itself (freed once read), its unknown members' text, and the decoder's buffers:
    // a few times the size received. As `Value` trees the same body took over 30 times.
    assert!(peak < 4 * received, "decoding {received} bytes peaked at {peak} bytes of allocations");
}
