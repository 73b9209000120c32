//! The sections after the table of inputs: the Graph-sized input, `cargo xtask codegen` as a
//! user runs it, decoding into the generated models, and all of Graph beta merged.

use super::child::{measure_in_child, Figures};
use super::report::{bytes, kib, ms, print_header, print_row, ratio, MIN_CPU_FIGURE};
use super::synth::{replicate, COPIES};
use super::{crates, MERGED_BETA, MODULE};
use crate::sweep;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub(super) fn graph_sized(exe: &Path, module: &Path, work: &Path, module_result: Option<&Figures>, runs: usize) {
    println!("Graph-sized input: {MODULE} replicated {COPIES}x under renamed namespaces");
    let built = fs::read_to_string(module).map_err(|e| format!("cannot read {}: {e}", module.display())).and_then(|t| replicate(&t));
    let (text, paths, schemas) = match built {
        Ok(b) => b,
        Err(e) => {
            println!("  FAILED to build it: {e}");
            return;
        }
    };
    let file = work.join("graph-sized.yaml");
    if let Err(e) = fs::write(&file, &text) {
        println!("  FAILED to write {}: {e}", file.display());
        return;
    }
    println!("  {} paths, {} schemas, written to {} (best of {runs})", paths, schemas, file.display());
    drop(text);
    print_header();
    let result = measure_in_child(exe, &file, runs);
    print_row("graph-sized.yaml", &result);
    if let (Ok(big), Some(module)) = (&result, module_result) {
        let size = big.bytes_in as f64 / module.bytes_in as f64;
        let time = ratio(big.generate, module.generate);
        println!(
            "  linearity: {size:.2}x the bytes in {time:.2}x the time of the module ({:.2}x its time per byte); parse floor {:.2}x",
            time / size,
            ratio(big.floor, module.floor)
        );
        if big.generate_cpu >= MIN_CPU_FIGURE && module.generate_cpu >= MIN_CPU_FIGURE {
            let time = ratio(big.generate_cpu, module.generate_cpu);
            println!("  on-CPU linearity: {time:.2}x the time of the module ({:.2}x its time per byte)", time / size);
        }
        let gib = big.peak_kib as f64 / f64::from(1u32 << 20);
        println!("  peak memory {} ({gib:.2} GiB; {:.1}x the module's)", kib(big.peak_kib), big.peak_kib as f64 / module.peak_kib as f64);
    }
}

/// `cargo xtask codegen --spec MODULE --out DIR` in a fresh process, as a user runs it (after the
/// build is warm): what the user waits for, including cargo's freshness check and writing files.
pub(super) fn codegen_as_users_run_it(root: &Path, module: &Path, work: &Path, module_result: Option<&Figures>) {
    let out = work.join("codegen-module");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = || -> Result<Duration, String> {
        let _ = fs::remove_dir_all(&out);
        let t = Instant::now();
        let output = Command::new(&cargo)
            .current_dir(root)
            .args(["xtask", "codegen", "--spec"])
            .arg(module)
            .arg("--out")
            .arg(&out)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let elapsed = t.elapsed();
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
        }
        Ok(elapsed)
    };
    println!("`cargo xtask codegen --spec {MODULE} --out DIR` in a fresh process (warm build, best of 3):");
    let mut best = Duration::MAX;
    // The first run may build; it is not counted.
    for attempt in 0..4 {
        match run() {
            Ok(d) if attempt > 0 => best = best.min(d),
            Ok(_) => {}
            Err(e) => {
                println!("  FAILED: {e}");
                return;
            }
        }
    }
    let mut line = format!("  wall {}", ms(best));
    if let Some(m) = module_result {
        let _ = write!(line, "; {:.2}x the in-process generate, {:.2}x the parse floor", ratio(best, m.generate), ratio(best, m.floor));
    }
    println!("{line}");
}

/// Decoding a 10,000-object `userAppInstallStatus` array (made in the child) into the generated
/// model and into a derived struct with the same fields, in the release child.
pub(super) fn decode_comparison(exe: &Path, runs: usize) {
    println!("decode: 10,000 userAppInstallStatus objects (generated/ crate's model vs a #[derive(Deserialize)] struct, same fields):");
    let output = Command::new(exe).args(["bench-one", "--decode", "--runs", &runs.to_string()]).output();
    let text = match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => return println!("  FAILED: {}", String::from_utf8_lossy(&o.stderr).trim()),
        Err(e) => return println!("  FAILED: cannot start bench-one: {e}"),
    };
    let values: BTreeMap<&str, u64> =
        text.lines().filter_map(|l| l.split_once(' ')).filter_map(|(k, v)| Some((k, v.parse().ok()?))).collect();
    let get = |k: &str| values.get(k).copied().unwrap_or(0);
    let (generated, hand, paths) = (
        Duration::from_nanos(get("decode_generated_ns")),
        Duration::from_nanos(get("decode_hand_ns")),
        Duration::from_nanos(get("decode_paths_ns")),
    );
    let rate = |d: Duration| if d.is_zero() { 0.0 } else { get("decode_bytes") as f64 / d.as_secs_f64() / f64::from(1u32 << 20) };
    println!("  input {}", bytes(get("decode_bytes")));
    let milli = |k: &str| get(k) as f64 / 1000.0;
    println!(
        "  generated model {} ({:.0} MiB/s); derived struct {} ({:.0} MiB/s); ratio of the bests {:.2}x; median of {} paired runs {:.2}x",
        ms(generated),
        rate(generated),
        ms(hand),
        rate(hand),
        ratio(generated, hand),
        get("decode_rounds"),
        milli("decode_ratio_milli")
    );
    let hand_paths = Duration::from_nanos(get("decode_hand_paths_ns"));
    println!(
        "  as parse_response decodes (memory counted; a failure read again for its path): generated {}; derived through serde_path_to_error {}; ratio of the bests {:.2}x; median paired {:.2}x",
        ms(paths),
        ms(hand_paths),
        ratio(paths, hand_paths),
        milli("decode_paths_ratio_milli")
    );
}

/// All of Graph beta merged ([`MERGED_BETA`], which the slice recipe writes): generating it, in
/// the same fresh-process way as every input above (its parse floor measured in the same run), and
/// `cargo check` of its crate with one small area, one large area and every feature.
pub(super) fn merged_graph(exe: &Path, root: &Path, work: &Path, runs: usize) {
    println!("All of Graph beta merged: {MERGED_BETA} (best of {runs})");
    let input = root.join(MERGED_BETA);
    if !input.is_file() {
        println!("  skipped: {MERGED_BETA} is missing; make it with `cargo xtask slice spec/recipes/graph-beta.yaml`, then run again");
        return;
    }
    print_header();
    let result = measure_in_child(exe, &input, runs);
    print_row(MERGED_BETA, &result);
    if let Ok(f) = &result {
        println!(
            "  generate {} against its parse floor {} ({:.1}x); peak {}",
            ms(f.generate),
            ms(f.floor),
            ratio(f.generate, f.floor),
            sweep::gibibytes(f.peak_kib)
        );
    }
    println!();
    crates::check_merged_crate(root, &input, work);
}
