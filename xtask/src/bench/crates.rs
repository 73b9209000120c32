//! `cargo check` (and build) of generated crates: the module's, with all features and with one
//! area, and the merged crate's, each timed on the crate alone.

use super::features::{type_features_enabled, types_per_group};
use super::report::{bytes, ms};
use super::{MERGED_BETA, MODULE};
use crate::sweep;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use xtask::{compiler_failure, corpus_dir, generate_from, workspace_settings, write_tree};

/// The merged crate's checks: a small area, the area whose types reach furthest, and everything.
const MERGED_CHECKS: &[MergedFeatures] = &[MergedFeatures::Area("users-todo"), MergedFeatures::Area("users-user"), MergedFeatures::All];

/// The area whose share of the crate's types is reported (the target: at most 25%).
const REACH_AREA: &str = "users-user";

/// The features a check of the merged crate enables.
#[derive(Clone, Copy)]
enum MergedFeatures {
    /// One area with the client, as a program that needs that area builds it.
    Area(&'static str),
    All,
}

/// `cargo check` of the module's generated crate: all features, and one feature alone, each timed
/// on the crate only (dependencies are built by an untimed run first).
pub(super) fn check_generated_crate(root: &Path, module: &Path, work: &Path, feature: Option<&str>, release_build: bool) {
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
    let mut configs: Vec<(String, Vec<String>)> =
        vec![("check, all features".to_string(), vec!["check".to_string(), "--all-features".to_string()])];
    let chosen = feature.map(str::to_string).or_else(|| pick_feature(&features));
    match chosen {
        Some(area) => {
            let mut list = area.clone();
            if manifest.lines().any(|l| l.starts_with("client =")) {
                list.push_str(",client");
            }
            configs.push((
                format!("check, one feature ({area})"),
                vec!["check".to_string(), "--no-default-features".to_string(), "--features".to_string(), list],
            ));
        }
        None => println!("  the crate has one area: its default build is all of it"),
    }
    if release_build {
        configs.push((
            "build --release, all features".to_string(),
            vec!["build".to_string(), "--release".to_string(), "--all-features".to_string()],
        ));
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
pub(super) fn write_standalone_crate(
    root: &Path,
    spec: &Path,
    spec_label: &str,
    name: &str,
    out: &Path,
) -> Result<(u64, Vec<String>), String> {
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

/// `cargo check` of the merged crate alone: the dependencies are built first by checking a small
/// crate with the same manifest (so its timed runs build nothing else), and each timed run is
/// non-incremental, as a crate from a registry builds for its users.
pub(super) fn check_merged_crate(root: &Path, input: &Path, work: &Path) {
    println!(
        "cargo check of the merged crate alone (dependencies prebuilt, CARGO_INCREMENTAL=0; time and peak memory of cargo and rustc):"
    );
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
}
