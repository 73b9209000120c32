//! The table of inputs: its header, one row per input, and the units figures are printed in.

use super::child::Figures;
use std::time::Duration;

/// On-CPU figures below this are not printed: see `sched_stat`.
pub(super) const MIN_CPU_FIGURE: Duration = Duration::from_millis(50);

pub(super) fn print_header() {
    println!(
        "{:<48} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>7} {:>9} {:>9}",
        "input", "in", "load", "lower", "emit", "parse", "print", "generate", "floor", "ratio", "peak", "out"
    );
}

pub(super) fn print_row(name: &str, result: &Result<Figures, String>) {
    match result {
        Ok(f) => {
            println!(
                "{:<48} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>6.2}x {:>9} {:>9}",
                name,
                bytes(f.bytes_in),
                ms(f.load),
                ms(f.lower),
                ms(f.emit),
                ms(f.parse),
                ms(f.print),
                ms(f.generate),
                ms(f.floor),
                ratio(f.generate, f.floor),
                kib(f.peak_kib),
                bytes(f.bytes_out),
            );
            let stage_peaks: Vec<String> = f.stage_peaks_kib.iter().map(|k| format!("{:.0}", *k as f64 / 1024.0)).collect();
            println!(
                "{:<48}   {} types, {} operations, {} warnings, {} files; stages sum {}; peak after load/lower/emit/parse/print {} MiB; floor peak {}",
                "",
                f.types,
                f.operations,
                f.warnings,
                f.files,
                ms(f.stages()),
                stage_peaks.join("/"),
                kib(f.floor_peak_kib)
            );
            if f.types + f.operations > 0 {
                println!(
                    "{:<48}   {:.0} bytes of output per type, {:.0} per operation (the total over each)",
                    "",
                    f.bytes_out as f64 / f.types.max(1) as f64,
                    f.bytes_out as f64 / f.operations.max(1) as f64
                );
            }
            // schedstat is updated at scheduler ticks, so it says nothing reliable about short runs.
            if f.generate_cpu >= MIN_CPU_FIGURE && f.floor_cpu >= MIN_CPU_FIGURE {
                println!(
                    "{:<48}   on-CPU: generate {}, floor {}, ratio {:.2}x; the runs waited for a CPU {:.0}% of the time",
                    "",
                    ms(f.generate_cpu),
                    ms(f.floor_cpu),
                    ratio(f.generate_cpu, f.floor_cpu),
                    f.wait_share * 100.0
                );
            }
        }
        Err(e) => println!("{name:<48} FAILED: {e}"),
    }
}

pub(super) fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

pub(super) fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        0.0
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

pub(super) fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.0} KB", n as f64 / 1024.0)
    }
}

pub(super) fn kib(n: u64) -> String {
    format!("{:.0} MiB", n as f64 / 1024.0)
}
