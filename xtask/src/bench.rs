//! `cargo xtask bench`: prints how fast the generator is on the real descriptions, against the
//! parse floor (serde_yaml to openapiv3 alone) measured in the same run. Prints figures only;
//! nothing here passes or fails on a timing.
//!
//! Each input is measured in fresh child processes (`xtask bench-one MODE FILE`): one for the
//! timed runs, one for the parse floor, and one that runs `generate` once, whose peak memory
//! (VmHWM) is that of a single run on that input alone.

use crate::sweep;
use graph_codegen::{emit, load, lower, render};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};
use xtask::{compiler_failure, corpus_dir, generate_from, workspace_root, workspace_settings, write_tree};

/// Relative to spec/graph, smallest first.
const INPUTS: &[&str] = &[
    "odata/Basic.OpenApi.yaml",
    "userAppInstallStatus.slice.yaml",
    "mobileApps.slice.yaml",
    "odata/Multiple.Schema.OpenApi.yaml",
    "mobileApps.2024-10-01.slice.yaml",
    "Devices.CorporateManagement.beta.2024-10-01.yml",
];
/// The module that the Graph-sized input is made of, and whose crate is checked.
const MODULE: &str = "Devices.CorporateManagement.beta.2024-10-01.yml";
const COPIES: usize = 10;
/// On-CPU figures below this are not printed: see `sched_stat`.
const MIN_CPU_FIGURE: Duration = Duration::from_millis(50);

/// The merged description of all beta modules, which `cargo xtask slice spec/recipes/graph-beta.yaml` writes.
const MERGED_BETA: &str = "target/graph/beta.yaml";
/// The merged crate's checks: a small area, the area whose types reach furthest, and everything.
const MERGED_CHECKS: &[MergedFeatures] = &[MergedFeatures::Area("users-todo"), MergedFeatures::Area("users-user"), MergedFeatures::All];
/// The area whose share of the crate's types is reported (the target: at most 25%).
const REACH_AREA: &str = "users-user";

const USAGE: &str = "usage: cargo xtask bench [--runs N] [--dev] [--no-graph-sized] [--no-check] [--no-codegen] [--no-decode] [--release-build] [--feature NAME] [--graph|--graph-only] [FILE...]
  FILE...          inputs to measure (default: every description in spec/graph)
  --dev            measure this binary's build (the dev profile) instead of a release build
  --runs N         best of N runs for each figure (default 5; the Graph-sized input uses at most 3)
  --no-graph-sized skip the module replicated 10x under renamed namespaces (~30 MB)
  --no-check       skip `cargo check` of the generated module crate
  --no-codegen     skip timing `cargo xtask codegen` as a user runs it
  --no-decode      skip decoding 10,000 objects into the generated model and a derived struct
  --release-build  also time `cargo build --release --all-features` of the module crate (minutes)
  --feature NAME   the feature to check alone (default: one picked from the crate's features)
  --graph          also all of Graph beta merged (target/graph/beta.yaml): generating it, and `cargo check`
                   of its crate with users-todo, users-user and all features (minutes, ~8 GB of memory)
  --graph-only     only those figures";

struct Options {
    runs: usize,
    dev: bool,
    graph_sized: bool,
    check: bool,
    codegen: bool,
    decode: bool,
    release_build: bool,
    feature: Option<String>,
    files: Vec<PathBuf>,
    graph: GraphRows,
}

/// Whether the figures of all of Graph beta merged are measured: they take minutes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GraphRows {
    Skip,
    Include,
    Only,
}

/// The features a check of the merged crate enables.
#[derive(Clone, Copy)]
enum MergedFeatures {
    /// One area with the client, as a program that needs that area builds it.
    Area(&'static str),
    All,
}

pub fn run(args: &[String]) -> ExitCode {
    let mut options = Options {
        runs: 5,
        dev: false,
        graph_sized: true,
        check: true,
        codegen: true,
        decode: true,
        release_build: false,
        feature: None,
        files: Vec::new(),
        graph: GraphRows::Skip,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => match it.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => options.runs = n,
                _ => return usage_error("--runs takes a positive number"),
            },
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--dev" => options.dev = true,
            "--no-graph-sized" => options.graph_sized = false,
            "--no-check" => options.check = false,
            "--no-codegen" => options.codegen = false,
            "--no-decode" => options.decode = false,
            "--release-build" => options.release_build = true,
            "--graph" => options.graph = GraphRows::Include,
            "--graph-only" => options.graph = GraphRows::Only,
            "--feature" => match it.next() {
                Some(name) => options.feature = Some(name.clone()),
                None => return usage_error("--feature takes a name"),
            },
            other if other.starts_with("--") => return usage_error(&format!("unknown argument `{other}`")),
            file => options.files.push(PathBuf::from(file)),
        }
    }
    let root = workspace_root();
    let corpus = corpus_dir();
    let work = root.join("target/bench");
    if let Err(e) = fs::create_dir_all(&work) {
        eprintln!("error: cannot create {}: {e}", work.display());
        return ExitCode::FAILURE;
    }
    // Children run from a private copy: other builds in this checkout may replace target/debug/xtask
    // while the bench runs, and the copy keeps every input measured by the same binary.
    let exe = match measuring_binary(&root, &work, options.dev) {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let files: Vec<PathBuf> = if options.files.is_empty() { INPUTS.iter().map(|i| corpus.join(i)).collect() } else { options.files.clone() };

    if options.graph == GraphRows::Only {
        merged_graph(&exe, &root, &work, options.runs.min(2));
        let _ = fs::remove_file(&exe);
        return ExitCode::SUCCESS;
    }
    let profile = if options.dev { "the dev profile, as `cargo xtask codegen` runs" } else { "a release build" };
    println!("graph-codegen bench: best of {} runs, each input in a fresh process of {profile}", options.runs);
    println!("  stages on one thread: load (YAML to openapiv3), lower (to IR), emit (quote! to tokens), parse (syn::parse2),");
    println!("  print (prettyplease, dropping the syn trees, files with headers);");
    println!("  generate = graph_codegen::generate end to end; floor = serde_yaml::from_str::<openapiv3::OpenAPI> alone");
    println!();
    print_header();
    let mut module_result = None;
    for file in &files {
        let result = measure_in_child(&exe, file, options.runs);
        print_row(&display_name(file, &corpus), &result);
        if file.ends_with(MODULE) {
            module_result = result.ok();
        }
    }

    if options.graph_sized {
        println!();
        graph_sized(&exe, &corpus.join(MODULE), &work, module_result.as_ref(), options.runs.min(3));
    }
    if options.codegen {
        println!();
        codegen_as_users_run_it(&root, &corpus.join(MODULE), &work, module_result.as_ref());
    }
    if options.decode {
        println!();
        decode_comparison(&exe, options.runs);
    }
    if options.check {
        println!();
        check_generated_crate(&root, &corpus.join(MODULE), &work, options.feature.as_deref(), options.release_build);
    }
    if options.graph == GraphRows::Include {
        println!();
        merged_graph(&exe, &root, &work, options.runs.min(2));
    }
    let _ = fs::remove_file(&exe);
    ExitCode::SUCCESS
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n{USAGE}");
    ExitCode::from(2)
}

fn display_name(file: &Path, corpus: &Path) -> String {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let file = canonical(file);
    file.strip_prefix(canonical(corpus)).unwrap_or(&file).display().to_string()
}

/// The figures of one input, as `bench-one` reports them.
#[derive(Debug, Default)]
struct Figures {
    bytes_in: u64,
    load: Duration,
    lower: Duration,
    emit: Duration,
    parse: Duration,
    print: Duration,
    generate: Duration,
    floor: Duration,
    /// On-CPU time (0 where the kernel does not report it) and the share of time spent waiting for a CPU.
    generate_cpu: Duration,
    floor_cpu: Duration,
    wait_share: f64,
    peak_kib: u64,
    floor_peak_kib: u64,
    /// VmHWM after load, lower, emit, parse and print.
    stage_peaks_kib: Vec<u64>,
    bytes_out: u64,
    files: u64,
    types: u64,
    operations: u64,
    warnings: u64,
}

impl Figures {
    fn stages(&self) -> Duration {
        self.load + self.lower + self.emit + self.parse + self.print
    }
}

/// The program the children run. By default a release build, so that the generator and the parse
/// floor are compiled alike: in the dev profile the floor's serde code is instantiated in xtask at
/// opt-level 0, which would flatter the ratio.
fn measuring_binary(root: &Path, work: &Path, dev: bool) -> Result<PathBuf, String> {
    let exe = if dev {
        std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?
    } else {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        eprintln!("building xtask in release for the measurements (cargo build --release -p xtask --features decode-bench)...");
        let status = Command::new(cargo)
            .current_dir(root)
            .args(["build", "--quiet", "--release", "-p", "xtask", "--features", "decode-bench"])
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err("`cargo build --release -p xtask --features decode-bench` failed".to_string());
        }
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        target.join("release").join(format!("xtask{}", std::env::consts::EXE_SUFFIX))
    };
    private_copy(&exe, work)
}

fn private_copy(exe: &Path, work: &Path) -> Result<PathBuf, String> {
    let copy = work.join(format!("xtask-bench-{}", std::process::id()));
    fs::copy(exe, &copy).map_err(|e| format!("cannot copy {} to {}: {e}", exe.display(), copy.display()))?;
    Ok(copy)
}

fn measure_in_child(exe: &Path, file: &Path, runs: usize) -> Result<Figures, String> {
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

fn print_header() {
    println!(
        "{:<48} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>7} {:>9} {:>9}",
        "input", "in", "load", "lower", "emit", "parse", "print", "generate", "floor", "ratio", "peak", "out"
    );
}

fn print_row(name: &str, result: &Result<Figures, String>) {
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

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        0.0
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.0} KB", n as f64 / 1024.0)
    }
}

fn kib(n: u64) -> String {
    format!("{:.0} MiB", n as f64 / 1024.0)
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

fn measure(file: &Path, runs: usize) -> Result<String, String> {
    let (text, settings) = read_input(file)?;

    // The stages one by one, chained as `graph_codegen::generate` chains them.
    let (mut load_best, mut lower_best, mut emit_best) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let (mut parse_best, mut print_best) = (Duration::MAX, Duration::MAX);
    let mut staged_bytes = 0u64;
    // VmHWM after each stage of the first run: which stage sets the peak.
    let mut stage_peaks: Vec<u64> = Vec::new();
    for run in 0..runs {
        let mut mark = || {
            if run == 0 {
                stage_peaks.push(peak_kib().unwrap_or(0));
            }
        };
        let t = Instant::now();
        let mut doc = load::load_spec(&text).map_err(|d| format!("does not load: {} diagnostics", d.len()))?;
        load_best = load_best.min(t.elapsed());
        mark();

        let t = Instant::now();
        let (api, _diags) = lower::lower_api(&mut doc);
        lower_best = lower_best.min(t.elapsed());
        mark();
        drop(doc);

        let base_url = api.default_base_url.clone().unwrap_or_default();
        let crate_settings = emit::CrateSettings {
            crate_name: &settings.crate_name,
            crate_version: &settings.crate_version,
            standalone: settings.standalone,
            runtime: &settings.runtime,
            base_url: &base_url,
        };
        // Stage by stage on one thread, so each stage's cost shows; `generate` below spreads
        // emit, parse and print over the cores.
        let t = Instant::now();
        let emitted = emit::emit_crate(&api, &crate_settings)?;
        emit_best = emit_best.min(t.elapsed());
        mark();

        let t = Instant::now();
        let mut parsed = Vec::with_capacity(emitted.len());
        for e in emitted {
            parsed.push(match e {
                emit::Emitted::Rust { path, tokens } => (path, Ok(render::parse_part(tokens)?)),
                other => (String::new(), Err(other)),
            });
        }
        parse_best = parse_best.min(t.elapsed());
        mark();

        let sha = "0".repeat(64);
        let header = render::Header { spec_path: &settings.spec_path, spec_sha256: &sha, command: &settings.command };
        // Printing, dropping the syn trees, and joining the files with their headers.
        let t = Instant::now();
        let mut parts = Vec::with_capacity(parsed.len());
        for (path, part) in parsed {
            parts.push(match part {
                Ok(file) => render::RenderedPart { path, kind: render::PartKind::Rust, text: render::print_part(&file) },
                Err(other) => render::render_part(other)?,
            });
        }
        let out: u64 = render::assemble_files(parts, &header).iter().map(|(_, contents)| contents.len() as u64).sum();
        print_best = print_best.min(t.elapsed());
        mark();
        staged_bytes = out;
    }

    let mut generate_best = Duration::MAX;
    let mut cpu = CpuTime::default();
    let mut generated = None;
    for _ in 0..runs {
        // The previous run's files are freed first, as they would be between two codegen runs.
        drop(generated.take());
        let t = Instant::now();
        let before = sched_stat();
        let g = graph_codegen::generate(&text, &settings).map_err(|d| format!("does not generate: {} diagnostics", d.len()))?;
        cpu.record(before, sched_stat());
        generate_best = generate_best.min(t.elapsed());
        generated = Some(g);
    }
    let Some(generated) = generated else { return Err("no runs".to_string()) };
    let bytes_out: u64 = generated.files.iter().map(|f| f.contents.len() as u64).sum();
    // The staged chain used a fixed hash in its headers; everything else must match `generate`.
    if bytes_out.abs_diff(staged_bytes) > 64 * generated.files.len() as u64 {
        return Err(format!(
            "the bench's stage chain produced {staged_bytes} bytes but generate produced {bytes_out}: update bench.rs to chain the stages as lib.rs does"
        ));
    }
    let mut report = String::new();
    let _ = writeln!(report, "files {}", generated.files.len());
    let _ = writeln!(report, "types {}", generated.types);
    let _ = writeln!(report, "operations {}", generated.operations);
    let _ = writeln!(report, "warnings {}", generated.warnings.len());
    drop(generated);

    let _ = writeln!(report, "bytes_in {}", text.len());
    let _ = writeln!(report, "load_ns {}", load_best.as_nanos());
    let _ = writeln!(report, "lower_ns {}", lower_best.as_nanos());
    let _ = writeln!(report, "emit_ns {}", emit_best.as_nanos());
    let _ = writeln!(report, "parse_ns {}", parse_best.as_nanos());
    let _ = writeln!(report, "print_ns {}", print_best.as_nanos());
    let _ = writeln!(report, "generate_ns {}", generate_best.as_nanos());
    let _ = writeln!(report, "generate_cpu_ns {}", cpu.best_ns);
    let _ = writeln!(report, "generate_wait_share {:.3}", cpu.wait_share());
    let _ = writeln!(report, "stage_peaks_kib {}", stage_peaks.iter().map(u64::to_string).collect::<Vec<_>>().join(","));
    let _ = writeln!(report, "bytes_out {bytes_out}");
    Ok(report)
}

/// One `generate` in a process that does nothing else: its peak is what a codegen run costs.
fn measure_peak(file: &Path) -> Result<String, String> {
    let (text, settings) = read_input(file)?;
    let generated = graph_codegen::generate(&text, &settings).map_err(|d| format!("does not generate: {} diagnostics", d.len()))?;
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

/// On-CPU time of the measuring thread, which the other processes on a shared machine do not
/// inflate (wall time does: a run that waits for a CPU looks slow).
#[derive(Default)]
struct CpuTime {
    best_ns: u64,
    run_ns: u64,
    wait_ns: u64,
}

impl CpuTime {
    fn record(&mut self, before: Option<(u64, u64)>, after: Option<(u64, u64)>) {
        if let (Some((run0, wait0)), Some((run1, wait1))) = (before, after) {
            let run = run1.saturating_sub(run0);
            self.best_ns = if self.best_ns == 0 { run } else { self.best_ns.min(run) };
            self.run_ns += run;
            self.wait_ns += wait1.saturating_sub(wait0);
        }
    }

    /// How much of the runs' time was spent waiting for a CPU.
    fn wait_share(&self) -> f64 {
        let total = self.run_ns + self.wait_ns;
        if total == 0 {
            0.0
        } else {
            self.wait_ns as f64 / total as f64
        }
    }
}

/// (time on a CPU of the whole process, time this thread waited for one) so far, in nanoseconds.
/// `generate` renders on worker threads, so its CPU time is the process's (`/proc/self/stat`
/// counts threads that have ended too, in clock ticks of 10 ms, Linux's USER_HZ); the wait is
/// the main thread's (schedstat), enough to tell a busy machine.
fn sched_stat() -> Option<(u64, u64)> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let text = fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let wait = text.split_whitespace().nth(1)?.parse::<u64>().ok()?;
    Some((ticks * 10_000_000, wait))
}

/// The process's peak resident memory so far.
fn peak_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The module replicated `COPIES` times: copy N renames `microsoft.graph.` to `microsoft.graphN.`
/// everywhere (schema keys, refs, discriminator values, bound action paths) and prefixes its paths
/// with `/vN` and its operationIds with `vN.`. Components every copy shares unrenamed (the OData
/// error, `$top`, ...) are kept once, as in Graph's whole description.
fn replicate(module_text: &str) -> Result<(String, usize, usize), String> {
    use serde_yaml::{Mapping, Value};
    let mut combined: Option<Mapping> = None;
    for n in 0..COPIES {
        let text = if n == 0 { module_text.to_string() } else { module_text.replace("microsoft.graph.", &format!("microsoft.graph{n}.")) };
        let mut doc: Mapping = serde_yaml::from_str(&text).map_err(|e| format!("module does not parse: {e}"))?;
        if n > 0 {
            if let Some(Value::Mapping(paths)) = doc.get_mut("paths") {
                let renamed: Mapping = std::mem::take(paths)
                    .into_iter()
                    .map(|(path, mut item)| {
                        prefix_operation_ids(&mut item, &format!("v{n}."));
                        (Value::String(format!("/v{n}{}", path.as_str().unwrap_or_default())), item)
                    })
                    .collect();
                *paths = renamed;
            }
        }
        match &mut combined {
            None => combined = Some(doc),
            Some(all) => {
                merge_section(all, &doc, "paths");
                let components = doc.get("components").and_then(Value::as_mapping).cloned().unwrap_or_default();
                if let Some(Value::Mapping(all_components)) = all.get_mut("components") {
                    for (kind, _) in &components {
                        if let Some(kind) = kind.as_str() {
                            merge_section(all_components, &components, kind);
                        }
                    }
                }
            }
        }
    }
    let combined = combined.unwrap_or_default();
    let count = |section: Option<&Value>| section.and_then(Value::as_mapping).map_or(0, Mapping::len);
    let paths = count(combined.get("paths"));
    let schemas = count(combined.get("components").and_then(|c| c.get("schemas")));
    let text = serde_yaml::to_string(&combined).map_err(|e| format!("cannot write the replicated module: {e}"))?;
    Ok((text, paths, schemas))
}

fn prefix_operation_ids(item: &mut serde_yaml::Value, prefix: &str) {
    let Some(item) = item.as_mapping_mut() else { return };
    for (_, operation) in item.iter_mut() {
        if let Some(serde_yaml::Value::String(id)) = operation.get_mut("operationId") {
            id.insert_str(0, prefix);
        }
    }
}

/// Adds the entries of `from[key]` missing from `into[key]`.
fn merge_section(into: &mut serde_yaml::Mapping, from: &serde_yaml::Mapping, key: &str) {
    use serde_yaml::Value;
    let Some(Value::Mapping(source)) = from.get(key) else { return };
    if !into.contains_key(key) {
        into.insert(Value::String(key.to_string()), Value::Mapping(serde_yaml::Mapping::new()));
    }
    if let Some(Value::Mapping(target)) = into.get_mut(key) {
        for (k, v) in source {
            if !target.contains_key(k) {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

fn graph_sized(exe: &Path, module: &Path, work: &Path, module_result: Option<&Figures>, runs: usize) {
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
fn codegen_as_users_run_it(root: &Path, module: &Path, work: &Path, module_result: Option<&Figures>) {
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
fn decode_comparison(exe: &Path, runs: usize) {
    println!("decode: 10,000 userAppInstallStatus objects (generated/ crate's model vs a #[derive(Deserialize)] struct, same fields):");
    let output = Command::new(exe).args(["bench-one", "--decode", "--runs", &runs.to_string()]).output();
    let text = match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => return println!("  FAILED: {}", String::from_utf8_lossy(&o.stderr).trim()),
        Err(e) => return println!("  FAILED: cannot start bench-one: {e}"),
    };
    let values: BTreeMap<&str, u64> = text.lines().filter_map(|l| l.split_once(' ')).filter_map(|(k, v)| Some((k, v.parse().ok()?))).collect();
    let get = |k: &str| values.get(k).copied().unwrap_or(0);
    let (generated, hand, paths) =
        (Duration::from_nanos(get("decode_generated_ns")), Duration::from_nanos(get("decode_hand_ns")), Duration::from_nanos(get("decode_paths_ns")));
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

/// `cargo check` of the module's generated crate: all features, and one feature alone, each timed
/// on the crate only (dependencies are built by an untimed run first).
fn check_generated_crate(root: &Path, module: &Path, work: &Path, feature: Option<&str>, release_build: bool) {
    println!("cargo on the module's generated crate (dependencies prebuilt; the crate itself only):");
    let out = work.join("module-crate");
    let (rust_bytes, features) = match write_standalone_crate(root, module, MODULE, "bench-module", &out) {
        Ok(made) => made,
        Err(e) => {
            println!("  FAILED to generate: {e}");
            return;
        }
    };
    println!("  {} of Rust in {}", bytes(rust_bytes), out.display());

    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap_or_default();
    let mut configs: Vec<(String, Vec<String>)> = vec![("check, all features".to_string(), vec!["check".to_string(), "--all-features".to_string()])];
    let chosen = feature.map(str::to_string).or_else(|| pick_feature(&features));
    match chosen {
        Some(area) => {
            let mut list = area.clone();
            if manifest.lines().any(|l| l.starts_with("client =")) {
                list.push_str(",client");
            }
            configs.push((format!("check, one feature ({area})"), vec!["check".to_string(), "--no-default-features".to_string(), "--features".to_string(), list]));
        }
        None => println!("  the crate has one area: its default build is all of it"),
    }
    if release_build {
        configs.push(("build --release, all features".to_string(), vec!["build".to_string(), "--release".to_string(), "--all-features".to_string()]));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = work.join("target");
    for (label, args) in configs {
        let check = || -> Result<Duration, String> {
            let t = Instant::now();
            let output = Command::new(&cargo)
                .args(&args)
                .arg("--manifest-path")
                .arg(out.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", &target_dir)
                .env("CARGO_TERM_COLOR", "never")
                .output()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            let elapsed = t.elapsed();
            if !output.status.success() {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let first: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).take(5).collect();
                return Err(first.join("\n    "));
            }
            Ok(elapsed)
        };
        let warm = check();
        // Touching the crate root makes cargo check the crate again, and only the crate.
        let touched = sweep::touch_crate_root(&out);
        match (warm, touched) {
            (Err(e), _) => println!("  {label}: FAILED\n    {e}"),
            (Ok(first), Err(e)) => println!("  {label}: first check {} (cannot touch src/lib.rs to time the crate alone: {e})", ms(first)),
            (Ok(first), Ok(())) => match check() {
                Ok(d) => println!("  {label}: {} (the untimed first run, which builds whatever is missing: {})", ms(d), ms(first)),
                Err(e) => println!("  {label}: FAILED\n    {e}"),
            },
        }
    }
}

/// Generates `spec` as a standalone crate named `name` into `out`, its Cargo.lock seeded from the
/// repository's (the same dependency versions, already downloaded). Returns the bytes of Rust.
/// Generates and writes a standalone crate; returns its bytes of Rust and its area features.
fn write_standalone_crate(root: &Path, spec: &Path, spec_label: &str, name: &str, out: &Path) -> Result<(u64, Vec<String>), String> {
    let mut settings = workspace_settings();
    settings.crate_name = name.to_string();
    settings.spec_path = spec_label.to_string();
    settings.command = "cargo xtask bench".to_string();
    settings.standalone = true;
    settings.runtime = xtask::shared_runtime_for(out);
    let generated = generate_from(spec, &settings).map_err(|e| e.to_string())?;
    write_tree(out, &generated.files).map_err(|e| e.to_string())?;
    if !out.join("Cargo.lock").is_file() {
        let _ = fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"));
    }
    let rust = generated.files.iter().filter(|f| f.path.ends_with(".rs")).map(|f| f.contents.len() as u64).sum();
    Ok((rust, generated.areas))
}

/// All of Graph beta merged ([`MERGED_BETA`], which the slice recipe writes): generating it, in
/// the same fresh-process way as every input above (its parse floor measured in the same run), and
/// `cargo check` of its crate with one small area, one large area and every feature.
fn merged_graph(exe: &Path, root: &Path, work: &Path, runs: usize) {
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
    check_merged_crate(root, &input, work);
}

/// `cargo check` of the merged crate alone: the dependencies are built first by checking a small
/// crate with the same manifest (so its timed runs build nothing else), and each timed run is
/// non-incremental, as a crate from a registry builds for its users.
fn check_merged_crate(root: &Path, input: &Path, work: &Path) {
    println!("cargo check of the merged crate alone (dependencies prebuilt, CARGO_INCREMENTAL=0; time and peak memory of cargo and rustc):");
    let out = work.join("graph-beta");
    let target_dir = work.join("target");
    let features = match write_standalone_crate(root, input, MERGED_BETA, "graph-beta", &out) {
        Ok((n, areas)) => {
            println!("  {} of Rust in {}", bytes(n), out.display());
            areas
        }
        Err(e) => return println!("  FAILED to generate: {e}"),
    };
    if let Err(e) = build_dependencies(root, work, &target_dir) {
        return println!("  FAILED to build the dependencies: {e}");
    }
    let manifest = fs::read_to_string(out.join("Cargo.toml")).unwrap_or_default();
    for &check in MERGED_CHECKS {
        let (label, args) = match check {
            MergedFeatures::Area(area) if !features.iter().any(|f| f == area) => {
                println!("  {area}: FAILED: the generated crate has no such area");
                continue;
            }
            MergedFeatures::Area(area) => {
                (area.to_string(), vec!["--no-default-features".to_string(), "--features".to_string(), format!("client,{area}")])
            }
            MergedFeatures::All => ("all features".to_string(), vec!["--all-features".to_string()]),
        };
        println!("  {label}: {}", timed_check(&out, &target_dir, &args));
    }
    let models = fs::read_to_string(out.join("src/models.rs")).unwrap_or_default();
    match type_features_enabled(&manifest, REACH_AREA) {
        Some((enabled, total)) => {
            let per_group = types_per_group(&models);
            let count = |groups: &std::collections::BTreeSet<String>| groups.iter().filter_map(|g| per_group.get(g)).sum::<usize>();
            let all: usize = per_group.values().sum();
            let compiled = count(&enabled);
            println!(
                "  {REACH_AREA} turns on {} of the crate's {total} model groups: {compiled} of its {all} model types ({:.1}%), read from its Cargo.toml and models.rs",
                enabled.len(),
                compiled as f64 * 100.0 / all.max(1) as f64
            )
        }
        None => println!("  the share of types {REACH_AREA} compiles is left out: the generated Cargo.toml has no model groups to count"),
    }
}

/// Builds what the merged crate depends on, with the features its checks use, by checking a small
/// crate with the same manifest: dependencies are shared in one target dir across crates.
fn build_dependencies(root: &Path, work: &Path, target_dir: &Path) -> Result<(), String> {
    let small = "userAppInstallStatus.slice.yaml";
    let out = work.join("dependencies-crate");
    write_standalone_crate(root, &corpus_dir().join(small), small, "bench-dependencies", &out)?;
    for args in [&["--all-features"][..], &["--no-default-features", "--features", "client"][..]] {
        let run = cargo_check(&out, target_dir, args).map_err(|e| format!("cannot run cargo: {e}"))?;
        if !run.status.success() {
            return Err(compiler_failure(&run.stderr, 4));
        }
    }
    Ok(())
}

/// One non-incremental `cargo check ARGS` of the crate at `dir`, after touching its root so cargo
/// checks it again; its time and peak memory, or why it failed.
fn timed_check(dir: &Path, target_dir: &Path, args: &[String]) -> String {
    if let Err(e) = sweep::touch_crate_root(dir) {
        return format!("FAILED: cannot touch src/lib.rs to check the crate again: {e}");
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = match cargo_check(dir, target_dir, &args) {
        Ok(run) => run,
        Err(e) => return format!("FAILED: cannot run cargo: {e}"),
    };
    if !run.status.success() {
        return format!("FAILED after {}\n{}", ms(run.wall), compiler_failure(&run.stderr, 4));
    }
    let peak = run.peak_kib.map_or_else(|| "peak unknown".to_string(), |k| format!("peak {}", sweep::gibibytes(k)));
    // Anything cargo compiled besides the crate is in the figure: say so rather than hide it.
    let others = run
        .stderr
        .lines()
        .map(str::trim_start)
        .filter(|l| (l.starts_with("Checking ") || l.starts_with("Compiling ")) && !l.contains("graph-beta"))
        .count();
    let note = if others > 0 { format!(" (includes {others} other crate(s) cargo had to build)") } else { String::new() };
    format!("{}, {peak}{note}", ms(run.wall))
}

/// `cargo check ARGS` of the crate at `dir` in `target_dir`, measured.
fn cargo_check(dir: &Path, target_dir: &Path, args: &[&str]) -> std::io::Result<sweep::Measured> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("check")
        .args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_INCREMENTAL", "0");
    sweep::run_measured(&mut command)
}

/// Each feature of the manifest's `[features]` table with the names its list holds (arrays over
/// several lines included; `dep:` and `crate/feature` entries kept as written).
fn feature_table(manifest: &str) -> BTreeMap<String, Vec<String>> {
    let mut table = BTreeMap::new();
    let mut in_features = false;
    // A feature whose list goes on over the next lines: its name and its text so far.
    let mut open: Option<(String, String)> = None;
    for line in manifest.lines().map(str::trim) {
        let (name, text) = match open.take() {
            Some((name, text)) => (name, text + line),
            None if line.starts_with('[') => {
                in_features = line == "[features]";
                continue;
            }
            None => match line.split_once('=') {
                Some((name, value)) if in_features && !line.starts_with('#') => (name.trim().trim_matches('"').to_string(), value.to_string()),
                _ => continue,
            },
        };
        if text.contains(']') {
            table.insert(name, quoted_strings(&text));
        } else {
            open = Some((name, text));
        }
    }
    table
}

/// The `"…"` strings of a TOML array's text.
fn quoted_strings(text: &str) -> Vec<String> {
    text.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

/// (the model groups `area` turns on, how many the crate has): a model group is a feature named
/// `model-…` (see the generator's `areas`). None where the manifest has none.
fn type_features_enabled(manifest: &str, area: &str) -> Option<(std::collections::BTreeSet<String>, usize)> {
    let table = feature_table(manifest);
    let fixed = |name: &str| matches!(name, "default" | "full" | "client" | "tracing" | "azure-identity");
    let is_feature = |name: &String| table.contains_key(name.as_str()) && !fixed(name);
    let groups = table.keys().filter(|name| name.starts_with("model-")).count();
    if groups == 0 || !table.contains_key(area) {
        return None;
    }
    let mut reached = std::collections::BTreeSet::new();
    let mut stack = vec![area.to_string()];
    while let Some(name) = stack.pop() {
        for next in table.get(&name).into_iter().flatten() {
            if is_feature(next) && reached.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    reached.retain(|name| name.starts_with("model-"));
    Some((reached, groups))
}

/// For each model group's feature, how many types `models.rs` re-exports under it (its
/// `#[cfg(feature = "…")]` line, then `pub use module::{A, B};` or `pub use module::A;`).
fn types_per_group(models: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let mut feature: Option<&str> = None;
    for line in models.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("#[cfg(feature = \"").and_then(|r| r.strip_suffix("\")]")) {
            feature = Some(name);
        } else if let (Some(name), Some(names)) = (feature, line.strip_prefix("pub use ")) {
            let list = names.split_once("::").map_or("", |(_, list)| list);
            let n = list.split(',').filter(|n| !n.trim().trim_matches(|c| matches!(c, '{' | '}' | ';')).is_empty()).count();
            counts.insert(name.to_string(), n);
            feature = None;
        }
    }
    counts
}

/// The mobile apps area if there is one (the example of a user who needs one area): the
/// shortest feature naming mobile apps, so `...-mobile-app` over `...-mobile-app-category`.
fn pick_feature(features: &[String]) -> Option<String> {
    let normalized = |f: &String| f.to_ascii_lowercase().replace(['-', '_'], "");
    features
        .iter()
        .filter(|f| normalized(f).contains("mobileapp"))
        .min_by_key(|f| (f.len(), f.as_str()))
        .or_else(|| features.first())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mobile_apps_area_is_picked() {
        let areas = ["a-mobile-app-category".to_string(), "a-mobile-app".to_string()];
        assert_eq!(pick_feature(&areas).as_deref(), Some("a-mobile-app"));
        assert_eq!(pick_feature(&["users".to_string()]).as_deref(), Some("users"));
        assert_eq!(pick_feature(&[]), None);
    }

    #[test]
    fn model_groups_reached_from_an_area_are_counted() {
        let manifest = "[features]\ndefault = [\"client\", \"full\"]\nclient = [\"dep:reqwest\"]\nfull = [\"users-user\", \"users-todo\"]\n\"users-user\" = [\n    \"model-user\",\n    \"model-todo\",\n]\n\"users-todo\" = [\"model-todo\"]\n\"model-user\" = [\"model-group\"]\n\"model-todo\" = []\n\"model-group\" = []\n\"model-drive\" = []\n\"users-drive\" = [\"model-drive\"]\n";
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<std::collections::BTreeSet<String>>();
        assert_eq!(type_features_enabled(manifest, "users-user"), Some((names(&["model-group", "model-todo", "model-user"]), 4)));
        assert_eq!(type_features_enabled(manifest, "users-todo"), Some((names(&["model-todo"]), 4)));
        assert_eq!(type_features_enabled("[features]\nfull = [\"a\"]\n\"a\" = []\n", "a"), None, "no model groups");
        let models = "#![allow(deprecated)]\n#[cfg(feature = \"model-user\")]\nmod user;\n\n#[cfg(feature = \"model-user\")]\npub use user::{PasswordProfile, User};\n#[cfg(feature = \"model-todo\")]\nmod todo;\n#[cfg(feature = \"model-todo\")]\npub use todo::Todo;\n";
        let counts = types_per_group(models);
        assert_eq!((counts.get("model-user"), counts.get("model-todo")), (Some(&2), Some(&1)));
    }

    #[test]
    fn replication_renames_namespaces_paths_and_operation_ids() {
        let module = "openapi: 3.0.1\ninfo: {title: t, version: v}\npaths:\n  /things/microsoft.graph.do:\n    post:\n      operationId: things.do\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/microsoft.graph.thing'}\ncomponents:\n  schemas:\n    microsoft.graph.thing: {type: object}\n  parameters:\n    top: {name: $top, in: query, schema: {type: integer}}\n";
        let (text, paths, schemas) = replicate(module).unwrap();
        assert_eq!((paths, schemas), (COPIES, COPIES));
        let doc: openapiv3::OpenAPI = serde_yaml::from_str(&text).unwrap();
        assert!(doc.paths.paths.contains_key("/things/microsoft.graph.do"));
        assert!(doc.paths.paths.contains_key("/v3/things/microsoft.graph3.do"));
        let components = doc.components.unwrap();
        assert!(components.schemas.contains_key("microsoft.graph9.thing"));
        assert_eq!(components.parameters.len(), 1, "shared components are kept once");
        assert!(text.contains("operationId: v3.things.do"), "{text}");
        assert!(text.contains("'#/components/schemas/microsoft.graph3.thing'"), "{text}");
    }
}
