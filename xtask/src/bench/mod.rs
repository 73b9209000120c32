//! `cargo xtask bench`: prints how fast the generator is on the real descriptions, against the
//! parse floor (serde_yaml to openapiv3 alone) measured in the same run. Prints figures only;
//! nothing here passes or fails on a timing.
//!
//! Each input is measured in fresh child processes (`xtask bench-one MODE FILE`, [`child`]): one
//! for the timed runs, one for the parse floor, and one that runs `generate` once, whose peak
//! memory (VmHWM) is that of a single run on that input alone. This file reads the command line
//! and runs the sections in order; [`report`] prints the table, [`sections`] the figures after
//! it, [`crates`] times `cargo` on generated crates.

mod child;
mod crates;
mod features;
mod proc;
mod report;
mod sections;
mod synth;

pub use child::one;

use child::measure_in_child;
use report::{print_header, print_row};
use sections::{codegen_as_users_run_it, decode_comparison, graph_sized, merged_graph};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use xtask::{corpus_dir, workspace_root};

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
pub(super) const MODULE: &str = "Devices.CorporateManagement.beta.2024-10-01.yml";

/// The merged description of all beta modules, which `cargo xtask slice spec/recipes/graph-beta.yaml` writes.
pub(super) const MERGED_BETA: &str = "target/graph/beta.yaml";

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
    let files: Vec<PathBuf> =
        if options.files.is_empty() { INPUTS.iter().map(|i| corpus.join(i)).collect() } else { options.files.clone() };

    if options.graph == GraphRows::Only {
        merged_graph(&exe, &root, &work, options.runs.min(2));
        let _ = fs::remove_file(&exe);
        return ExitCode::SUCCESS;
    }
    let profile = if options.dev { "the dev profile, as `cargo xtask codegen` runs" } else { "a release build" };
    println!("graph-codegen bench: best of {} runs, each input in a fresh process of {profile}", options.runs);
    println!("  graph_codegen::stages on one thread: load (YAML to openapiv3), lower (to IR, diagnostics located), emit (plan, quote! to tokens),");
    println!("  parse (syn::parse2), print (prettyplease, dropping the syn trees, files with headers);");
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
        crates::check_generated_crate(&root, &corpus.join(MODULE), &work, options.feature.as_deref(), options.release_build);
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
