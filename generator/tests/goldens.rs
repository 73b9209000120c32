//! Generator goldens: each spec under tests/fixtures/<concern>/openapi.yaml (or .json; one concern
//! each) is generated and compared byte for byte with the crate kept in
//! tests/fixtures/<concern>/expected/, and its warnings with tests/fixtures/<concern>/warnings.txt.
//! The fixtures are found on disk: a new folder is compared without being listed anywhere, and a
//! folder without a spec or without expected/ fails. The expected crates are workspace members,
//! so `cargo test --workspace` and clippy also prove that the output compiles.
//!
//! UPDATE_GOLDENS=1 cargo test -p graph-codegen --test goldens
//!     rewrites expected/ and warnings.txt from the current generator (removing files it no longer
//!     produces) instead of failing; review the result with `git diff` before committing it.

use graph_codegen::{generate, Runtime, Settings};
use std::fs;
use std::path::{Path, PathBuf};
use test_support::{check_golden, updating, Golden, UPDATE_VAR};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The spec files a fixture folder may hold, in the order they are looked for.
const SPEC_FILES: &[&str] = &["openapi.yaml", "openapi.json"];

/// Every fixture: each folder under tests/fixtures, by name, sorted.
fn concerns() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The file name of `concern`'s spec, or why the folder is not a fixture.
fn spec_file(concern: &str) -> Result<&'static str, String> {
    let dir = fixtures_dir().join(concern);
    let spec = SPEC_FILES.iter().copied().find(|f| dir.join(f).is_file());
    let spec = spec.ok_or_else(|| format!("fixture `{concern}` has no spec (one of {SPEC_FILES:?})"))?;
    // Updating writes expected/ of a new fixture; comparing, its absence is a failure.
    if !updating() && !dir.join("expected").is_dir() {
        return Err(format!(
            "fixture `{concern}` has no expected/ (`{UPDATE_VAR}=1 cargo test -p graph-codegen --test goldens` writes it)"
        ));
    }
    Ok(spec)
}

fn settings(concern: &str, spec: &str) -> Settings {
    Settings {
        crate_name: format!("fixture-{}", concern.replace('_', "-")),
        crate_version: "0.1.0".to_string(),
        // Relative to the workspace root, so the headers name no machine's folders.
        spec_path: format!("generator/tests/fixtures/{concern}/{spec}"),
        command: format!("{UPDATE_VAR}=1 cargo test -p graph-codegen --test goldens"),
        standalone: false,
        runtime: if VENDORED.contains(&concern) {
            Runtime::Vendored
        } else {
            // From tests/fixtures/<concern>/expected to the workspace's runtime/.
            Runtime::Path("../../../../../runtime".to_string())
        },
    }
}

/// The fixtures generated with a copy of the runtime of their own rather than the workspace's.
const VENDORED: &[&str] = &["vendored_runtime"];

/// Relative `/`-separated paths of every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// Generates the fixture and compares (or, when updating, rewrites) every file; `Err` says what
/// is wrong with it.
fn check(concern: &str) -> Result<(), String> {
    let dir = fixtures_dir().join(concern);
    let spec_name = spec_file(concern)?;
    let spec = fs::read_to_string(dir.join(spec_name)).map_err(|e| format!("fixture `{concern}`: {spec_name}: {e}"))?;
    let generated = match generate(&spec, &settings(concern, spec_name)) {
        Ok(g) => g,
        Err(diags) => {
            let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
            return Err(format!("fixture `{concern}` does not generate:\n{}", text.join("\n")));
        }
    };
    let mut produced: Vec<(String, String)> =
        generated.files.iter().map(|f| (format!("expected/{}", f.path), f.contents.clone())).collect();
    let warnings: String = generated.warnings.iter().map(|w| format!("{w}\n")).collect();
    produced.push(("warnings.txt".to_string(), warnings));

    let expected_dir = dir.join("expected");
    // `expected/tests/` holds hand-written tests of the generated crate, as `generated/tests/`
    // does for the real one: the generator never writes there, so nothing there is extra.
    let extra: Vec<String> = files_under(&expected_dir)
        .into_iter()
        .filter(|p| !p.starts_with("tests/"))
        .map(|p| format!("expected/{p}"))
        .filter(|p| !produced.iter().any(|(q, _)| q == p))
        .collect();

    // `path` is relative to the fixture's folder, such as `expected/src/models.rs`.
    let mut failures = Vec::new();
    for (path, contents) in &produced {
        match check_golden(&dir.join(path), path, contents) {
            Golden::Same => {}
            Golden::Differs(diff) => failures.push(format!("differs: {path}\n{diff}")),
            Golden::Missing => failures.push(format!("missing: {path} (the generator produces it)")),
        }
    }
    if updating() {
        for path in &extra {
            fs::remove_file(dir.join(path)).unwrap();
        }
        return Ok(());
    }
    for path in &extra {
        failures.push(format!("extra: {path} (the generator no longer produces it)"));
    }
    if failures.is_empty() {
        return Ok(());
    }
    Err(format!(
        "fixture `{concern}`: {} golden file(s) out of date; if the change is intended, run \
         `{UPDATE_VAR}=1 cargo test -p graph-codegen --test goldens` and review the diff\n\n{}",
        failures.len(),
        failures.join("\n")
    ))
}

/// Every fixture folder, checked (or rewritten) one after another: one test, whose failure names
/// each fixture that failed and why, and which prints a line per fixture (`--nocapture`).
#[test]
fn every_fixture_matches_its_golden() {
    let concerns = concerns();
    assert!(!concerns.is_empty(), "no fixtures under {}", fixtures_dir().display());
    let mut failed = Vec::new();
    for concern in &concerns {
        match check(concern) {
            Ok(()) => println!("fixture {concern} ... ok"),
            Err(why) => {
                println!("fixture {concern} ... FAILED");
                failed.push((concern, why));
            }
        }
    }
    let names: Vec<&str> = failed.iter().map(|(c, _)| c.as_str()).collect();
    let reasons: Vec<&str> = failed.iter().map(|(_, why)| why.as_str()).collect();
    assert!(
        failed.is_empty(),
        "{} of {} fixture(s) failed: {}\n\n{}",
        failed.len(),
        concerns.len(),
        names.join(", "),
        reasons.join("\n\n")
    );
}
