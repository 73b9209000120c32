//! A short, bounded fuzz run inside `cargo test`: fixed seeds, so it is reproducible; the long
//! run is `cargo run --release -p graph-codegen-fuzz -- run --seconds 1800` (see src/main.rs).

use graph_codegen_fuzz::{check, input_for_seed, panic_message, Verdict};

/// Enough to reach every branch of the input generator many times, in a few seconds of a debug build.
const CASES: u64 = 1000;

#[test]
fn generator_never_panics_and_output_parses() {
    let mut generated = 0;
    let mut rejected = 0;
    for seed in 0..CASES {
        let text = input_for_seed(seed);
        match std::panic::catch_unwind(|| check(&text)) {
            Ok(Ok(Verdict::Generated { .. })) => generated += 1,
            Ok(Ok(Verdict::Rejected { .. })) => rejected += 1,
            Ok(Err(violation)) => panic!("seed {seed}: {violation}\n--- input ---\n{text}"),
            Err(payload) => panic!("seed {seed}: generator panicked: {}\n--- input ---\n{text}", panic_message(payload.as_ref())),
        }
    }
    // Both outcomes must occur, or the inputs are not exploring what they should.
    assert!(generated > 0, "no fuzz input generated a crate");
    assert!(rejected > 0, "no fuzz input was rejected");
}

#[test]
fn the_real_spec_passes_the_property() {
    assert!(matches!(check(graph_codegen_fuzz::REAL_SPEC), Ok(Verdict::Generated { .. })));
}
