//! One input measured in fresh processes: `xtask bench-one MODE FILE` (the child, which prints
//! `key value` lines) and [`measure_in_child`] (the parent, which runs the children and reads the
//! lines into [`Figures`]). The child times the library's steps one by one
//! (`graph_codegen::stages`) and `generate` whole.

use super::proc::{peak_kib, sched_stat, CpuTime};
use graph_codegen::{stages, Diagnostic};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};
use xtask::workspace_settings;

/// The figures of one input, as `bench-one` reports them.
#[derive(Debug, Default)]
pub(super) struct Figures {
    pub(super) bytes_in: u64,
    pub(super) load: Duration,
    pub(super) lower: Duration,
    pub(super) emit: Duration,
    pub(super) parse: Duration,
    pub(super) print: Duration,
    pub(super) generate: Duration,
    pub(super) floor: Duration,
    /// On-CPU time (0 where the kernel does not report it) and the share of time spent waiting for a CPU.
    pub(super) generate_cpu: Duration,
    pub(super) floor_cpu: Duration,
    pub(super) wait_share: f64,
    pub(super) peak_kib: u64,
    pub(super) floor_peak_kib: u64,
    /// VmHWM after load, lower, emit, parse and print.
    pub(super) stage_peaks_kib: Vec<u64>,
    pub(super) bytes_out: u64,
    pub(super) files: u64,
    pub(super) types: u64,
    pub(super) operations: u64,
    pub(super) warnings: u64,
}

impl Figures {
    pub(super) fn stages(&self) -> Duration {
        self.load + self.lower + self.emit + self.parse + self.print
    }
}

pub(super) fn measure_in_child(exe: &Path, file: &Path, runs: usize) -> Result<Figures, String> {
    // The parse floor and the peak of one `generate` in processes of their own: freed memory
    // stays resident, so a peak measured after the timed runs would be theirs, not one run's.
    let mut text = child_report(exe, file, runs, "--generate")?;
    text.push_str(&child_report(exe, file, runs, "--floor")?);
    text.push_str(&child_report(exe, file, 1, "--peak")?);
    let values: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once(' ')).collect();
    let num = |key: &str| -> Result<u64, String> {
        values.get(key).and_then(|v| v.parse().ok()).ok_or_else(|| format!("bench-one did not report `{key}`:\n{text}"))
    };
    let dur = |key: &str| num(key).map(Duration::from_nanos);
    Ok(Figures {
        bytes_in: num("bytes_in")?,
        load: dur("load_ns")?,
        lower: dur("lower_ns")?,
        emit: dur("emit_ns")?,
        parse: dur("parse_ns")?,
        print: dur("print_ns")?,
        generate: dur("generate_ns")?,
        floor: dur("floor_ns")?,
        generate_cpu: dur("generate_cpu_ns")?,
        floor_cpu: dur("floor_cpu_ns")?,
        wait_share: values.get("generate_wait_share").and_then(|v| v.parse().ok()).unwrap_or(0.0),
        peak_kib: num("peak_kib")?,
        floor_peak_kib: num("floor_peak_kib")?,
        stage_peaks_kib: values.get("stage_peaks_kib").map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect()).unwrap_or_default(),
        bytes_out: num("bytes_out")?,
        files: num("files")?,
        types: num("types")?,
        operations: num("operations")?,
        warnings: num("warnings")?,
    })
}

/// Runs `bench-one MODE FILE` and returns its `key value` lines.
fn child_report(exe: &Path, file: &Path, runs: usize, mode: &str) -> Result<String, String> {
    let output = Command::new(exe)
        .args(["bench-one", mode, "--runs", &runs.to_string()])
        .arg(file)
        .output()
        .map_err(|e| format!("cannot start bench-one: {e}"))?;
    if !output.status.success() {
        return Err(format!("bench-one {mode} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `xtask bench-one --generate|--floor|--peak [--runs N] FILE`: measures one input (the
/// generator's stages and runs, the parse floor, or the peak memory of a single `generate`) and
/// prints `key value` lines for the parent.
pub fn one(args: &[String]) -> ExitCode {
    let mut runs = 5usize;
    let mut mode = "--generate";
    let mut file = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(5).max(1),
            "--floor" | "--generate" | "--peak" | "--decode" => mode = arg.as_str(),
            other => file = Some(PathBuf::from(other)),
        }
    }
    let measured = match (mode, file) {
        ("--decode", _) => measure_decode(runs),
        (_, None) => {
            eprintln!("usage: xtask bench-one --generate|--floor|--peak [--runs N] FILE, or --decode");
            return ExitCode::from(2);
        }
        (mode, Some(file)) => measure_one(mode, &file, runs),
    };
    match measured {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "decode-bench")]
fn measure_decode(runs: usize) -> Result<String, String> {
    crate::decode::measure_decode(runs)
}

#[cfg(not(feature = "decode-bench"))]
fn measure_decode(_runs: usize) -> Result<String, String> {
    Err("this xtask was built without the `decode-bench` feature".to_string())
}

fn measure_one(mode: &str, file: &Path, runs: usize) -> Result<String, String> {
    let measured = match mode {
        "--floor" => measure_floor(file, runs),
        "--peak" => measure_peak(file),
        _ => measure(file, runs),
    };
    measured.map_err(|e| format!("{}: {e}", file.display()))
}

/// The input's text, and the settings a bench run generates it with.
fn read_input(file: &Path) -> Result<(String, graph_codegen::Settings), String> {
    let text = fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut settings = workspace_settings();
    settings.standalone = true;
    settings.spec_path = file.display().to_string();
    Ok((text, settings))
}

/// Why `step` failed, for the parent to print.
fn failed(step: &'static str) -> impl Fn(Vec<Diagnostic>) -> String {
    move |diags| match diags.iter().find(|d| d.is_error()) {
        Some(first) => format!("does not {step}: {} diagnostics, the first: {first}", diags.len()),
        None => format!("does not {step}: {} diagnostics", diags.len()),
    }
}

fn measure(file: &Path, runs: usize) -> Result<String, String> {
    let (text, settings) = read_input(file)?;

    // The library's steps one by one, on one thread, so each one's cost shows; `generate` below
    // spreads emit, parse and print over the cores.
    let mut steps = Steps::default();
    for run in 0..runs {
        steps.start_run(run == 0);
        let loaded = steps.time(|| stages::load(&text, &settings)).map_err(failed("load"))?;
        let lowered = steps.time(|| loaded.lower()).map_err(failed("lower"))?;
        let emitted = steps.time(|| lowered.emit()).map_err(failed("emit"))?;
        let parsed = steps.time(|| emitted.parse()).map_err(failed("parse"))?;
        // Printing, dropping the syn trees, and joining the files with their headers.
        drop(steps.time(|| parsed.print()).map_err(failed("print"))?);
    }

    let mut generate_best = Duration::MAX;
    let mut cpu = CpuTime::default();
    let mut generated = None;
    for _ in 0..runs {
        // The previous run's files are freed first, as they would be between two codegen runs.
        drop(generated.take());
        let t = Instant::now();
        let before = sched_stat();
        let g = graph_codegen::generate(&text, &settings).map_err(failed("generate"))?;
        cpu.record(before, sched_stat());
        generate_best = generate_best.min(t.elapsed());
        generated = Some(g);
    }
    let Some(generated) = generated else { return Err("no runs".to_string()) };
    let bytes_out: u64 = generated.files.iter().map(|f| f.contents.len() as u64).sum();
    let mut report = String::new();
    let _ = writeln!(report, "files {}", generated.files.len());
    let _ = writeln!(report, "types {}", generated.types);
    let _ = writeln!(report, "operations {}", generated.operations);
    let _ = writeln!(report, "warnings {}", generated.warnings.len());
    drop(generated);

    let _ = writeln!(report, "bytes_in {}", text.len());
    let _ = writeln!(report, "load_ns {}", steps.best_ns(0));
    let _ = writeln!(report, "lower_ns {}", steps.best_ns(1));
    let _ = writeln!(report, "emit_ns {}", steps.best_ns(2));
    let _ = writeln!(report, "parse_ns {}", steps.best_ns(3));
    let _ = writeln!(report, "print_ns {}", steps.best_ns(4));
    let _ = writeln!(report, "generate_ns {}", generate_best.as_nanos());
    let _ = writeln!(report, "generate_cpu_ns {}", cpu.best_ns);
    let _ = writeln!(report, "generate_wait_share {:.3}", cpu.wait_share());
    let _ = writeln!(report, "stage_peaks_kib {}", steps.peaks_kib.iter().map(u64::to_string).collect::<Vec<_>>().join(","));
    let _ = writeln!(report, "bytes_out {bytes_out}");
    Ok(report)
}

/// The best time of each of the library's steps over the runs, in the order they are taken (load,
/// lower, emit, parse, print), and VmHWM after each step of the first run: which step sets the peak.
#[derive(Default)]
struct Steps {
    best: Vec<Duration>,
    peaks_kib: Vec<u64>,
    /// The step the next [`Steps::time`] measures.
    next: usize,
    first_run: bool,
}

impl Steps {
    fn start_run(&mut self, first: bool) {
        self.next = 0;
        self.first_run = first;
    }

    fn time<T>(&mut self, step: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let done = step();
        let elapsed = t.elapsed();
        match self.best.get_mut(self.next) {
            Some(best) => *best = (*best).min(elapsed),
            None => self.best.push(elapsed),
        }
        self.next += 1;
        if self.first_run {
            self.peaks_kib.push(peak_kib().unwrap_or(0));
        }
        done
    }

    fn best_ns(&self, step: usize) -> u128 {
        self.best.get(step).map_or(0, Duration::as_nanos)
    }
}

/// One `generate` in a process that does nothing else: its peak is what a codegen run costs.
fn measure_peak(file: &Path) -> Result<String, String> {
    let (text, settings) = read_input(file)?;
    let generated = graph_codegen::generate(&text, &settings).map_err(failed("generate"))?;
    let peak = peak_kib().ok_or("no VmHWM in /proc/self/status")?;
    drop(generated);
    Ok(format!("peak_kib {peak}\n"))
}

fn measure_floor(file: &Path, runs: usize) -> Result<String, String> {
    let text = fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut best = Duration::MAX;
    let mut cpu = CpuTime::default();
    for _ in 0..runs {
        let t = Instant::now();
        let before = sched_stat();
        let doc: openapiv3::OpenAPI = serde_yaml::from_str(&text).map_err(|e| format!("parse floor: {e}"))?;
        cpu.record(before, sched_stat());
        best = best.min(t.elapsed());
        drop(doc);
    }
    let peak = peak_kib().ok_or("no VmHWM in /proc/self/status")?;
    Ok(format!("floor_ns {}\nfloor_cpu_ns {}\nfloor_peak_kib {peak}\n", best.as_nanos(), cpu.best_ns))
}
