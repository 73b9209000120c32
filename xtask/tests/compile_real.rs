//! Every real description in spec/graph (and the OData converter's two test outputs) generates,
//! deterministically, a standalone crate that passes `cargo clippy --all-targets -- -D warnings`
//! with all features, and with each area's feature alone.
//!
//! Ignored in the default `cargo test` because it builds six crates (minutes); `.ci/run` runs it:
//! `cargo test -p xtask --test compile_real -- --ignored`. While iterating on one input,
//! `COMPILE_REAL=mobileApps cargo test -p xtask --test compile_real -- --ignored --nocapture`
//! checks only the inputs whose path contains that text. The crates stay in target/compile-real/
//! for inspection; they share one target directory there so dependencies build once.

use graph_codegen::{Diagnostic, GeneratedFile, Settings};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use xtask::{compiler_failure, corpus_dir, workspace_root, write_tree};

/// Relative to spec/graph, smallest first so a failure shows up early.
const INPUTS: &[&str] = &[
    "userAppInstallStatus.slice.yaml",
    "odata/Basic.OpenApi.yaml",
    "mobileApps.slice.yaml",
    "odata/Multiple.Schema.OpenApi.yaml",
    "mobileApps.2024-10-01.slice.yaml",
    "Devices.CorporateManagement.beta.2024-10-01.yml",
];

/// How many compiler errors (or generator diagnostics) each failure quotes.
const QUOTED_ERRORS: usize = 4;

#[test]
#[ignore = "generates and builds six crates, which takes minutes; .ci/run runs it with --ignored"]
fn real_descriptions_generate_crates_that_pass_clippy() {
    let root = workspace_root();
    let corpus = corpus_dir();
    let work = root.join("target/compile-real");
    let target_dir = work.join("target");
    let only = std::env::var("COMPILE_REAL").unwrap_or_default();
    let inputs: Vec<&str> = INPUTS.iter().copied().filter(|i| i.contains(only.as_str())).collect();
    assert!(!inputs.is_empty(), "COMPILE_REAL={only} matches none of {INPUTS:?}");

    let mut failures = Vec::new();
    for input in &inputs {
        let started = Instant::now();
        let outcome = check_input(&corpus.join(input), input, &work, &target_dir);
        match &outcome {
            Ok(summary) => eprintln!("ok   {input}: {summary} ({:.1?})", started.elapsed()),
            Err(report) => {
                eprintln!("FAIL {input} ({:.1?})", started.elapsed());
                failures.push(format!("- {input}: {report}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} real inputs did not generate or compile cleanly:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
}

/// Generates `spec` twice (the bytes must match), writes the crate, runs clippy on it.
/// Returns a one-line summary, or what went wrong with the first errors quoted.
fn check_input(spec: &Path, input: &str, work: &Path, target_dir: &Path) -> Result<String, String> {
    let text = fs::read_to_string(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let name = crate_name(input);
    let settings = Settings {
        crate_name: name.clone(),
        crate_version: "0.1.0".to_string(),
        spec_path: format!("spec/graph/{input}"),
        command: "cargo test -p xtask --test compile_real -- --ignored".to_string(),
        standalone: true,
        runtime: xtask::shared_runtime_for(&work.join(&name)),
    };
    let first = graph_codegen::generate(&text, &settings).map_err(|diags| generation_failure(&diags))?;
    let second = graph_codegen::generate(&text, &settings).map_err(|diags| generation_failure(&diags))?;
    if let Some(difference) = first_difference(&first.files, &second.files) {
        return Err(format!("generating twice gave different bytes: {difference}"));
    }

    let out = work.join(&name);
    // Only files that changed are rewritten, so a rerun rebuilds only what the generator changed.
    write_tree(&out, &first.files).map_err(|e| e.to_string())?;
    // The workspace's lock file as a starting point: the same dependency versions as the
    // checked-in crate, already downloaded; cargo adds whatever else the crate needs.
    let lock = workspace_root().join("Cargo.lock");
    if lock.is_file() && !out.join("Cargo.lock").is_file() {
        fs::copy(&lock, out.join("Cargo.lock")).map_err(|e| format!("cannot seed Cargo.lock: {e}"))?;
    }

    // All features: every area, the client, and the tests.
    clippy(&out, target_dir, &["--all-targets", "--all-features"])
        .map_err(|e| format!("generated {}, but `cargo clippy --all-targets --all-features -- -D warnings` failed:\n{e}", out.display()))?;
    // Each area alone with the client, as a user who needs one area builds it: what an area's
    // code refers to must be enabled by that area's feature, and nothing may go unused.
    let areas = &first.areas;
    let mut failed_areas = Vec::new();
    let mut first_area_errors = String::new();
    if let Err(e) = clippy(&out, target_dir, &["--no-default-features"]) {
        failed_areas.push("(none)".to_string());
        first_area_errors = e;
    }
    for area in areas {
        let features = format!("client,{area}");
        if let Err(e) = clippy(&out, target_dir, &["--no-default-features", "--features", &features]) {
            if first_area_errors.is_empty() {
                first_area_errors = e;
            }
            failed_areas.push(area.clone());
        }
    }
    if !failed_areas.is_empty() {
        return Err(format!(
            "generated {} and it passes clippy with all features, but not with only these features (and `client`): {}; the first failure:\n{first_area_errors}",
            out.display(),
            failed_areas.join(", ")
        ));
    }
    Ok(format!(
        "{} types, {} operations, {} warnings from the generator, {} bytes of output, {} area features each checked alone",
        first.types,
        first.operations,
        first.warnings.len(),
        first.files.iter().map(|f| f.contents.len()).sum::<usize>(),
        areas.len()
    ))
}

/// `cargo clippy ARGS -- -D warnings` on the crate at `dir`; on failure, its first errors.
fn clippy(dir: &Path, target_dir: &Path, args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .arg("clippy")
        .args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .args(["--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .map_err(|e| format!("cannot run cargo clippy: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(compiler_failure(&String::from_utf8_lossy(&output.stderr), QUOTED_ERRORS))
    }
}

/// `mobileApps.2024-10-01.slice.yaml` -> `mobileapps-2024-10-01-slice`: a valid package name.
fn crate_name(input: &str) -> String {
    let file = input.rsplit('/').next().unwrap_or(input);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("real-{name}")
}

fn generation_failure(diags: &[Diagnostic]) -> String {
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    let mut report = format!("did not generate: {} error(s)", errors.len());
    for d in errors.iter().take(QUOTED_ERRORS) {
        let _ = write!(report, "\n{}", indent(&d.to_string()));
    }
    report
}

/// The first file (and line in it) where two generations differ.
fn first_difference(a: &[GeneratedFile], b: &[GeneratedFile]) -> Option<String> {
    let paths = |files: &[GeneratedFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    if paths(a) != paths(b) {
        return Some(format!("file lists differ: {:?} vs {:?}", paths(a), paths(b)));
    }
    a.iter().zip(b).find(|(x, y)| x.contents != y.contents).map(|(x, y)| {
        let line = x.contents.lines().zip(y.contents.lines()).position(|(l, r)| l != r);
        match line {
            Some(n) => format!(
                "{} line {}:\n    {}\n    {}",
                x.path,
                n + 1,
                x.contents.lines().nth(n).unwrap_or_default(),
                y.contents.lines().nth(n).unwrap_or_default()
            ),
            None => format!("{} differs in length", x.path),
        }
    })
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

#[test]
fn crate_names_are_valid_package_names() {
    assert_eq!(crate_name("mobileApps.2024-10-01.slice.yaml"), "real-mobileapps-2024-10-01-slice");
    assert_eq!(crate_name("odata/Basic.OpenApi.yaml"), "real-basic-openapi");
    assert_eq!(crate_name("Devices.CorporateManagement.beta.2024-10-01.yml"), "real-devices-corporatemanagement-beta-2024-10-01");
}
