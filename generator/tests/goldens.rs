//! Generator goldens: each spec under tests/fixtures/<concern>/openapi.yaml (one concern each) is
//! generated and compared byte for byte with the crate kept in tests/fixtures/<concern>/expected/,
//! and its warnings with tests/fixtures/<concern>/warnings.txt. The expected crates are workspace
//! members, so `cargo test --workspace` and clippy also prove that the output compiles.
//!
//! UPDATE_GOLDENS=1 cargo test -p graph-codegen --test goldens
//!     rewrites expected/ and warnings.txt from the current generator (removing files it no longer
//!     produces) instead of failing; review the result with `git diff` before committing it.

use graph_codegen::{generate, Runtime, Settings};
use std::fs;
use std::path::{Path, PathBuf};

/// Set to `1` to rewrite the goldens instead of comparing with them.
const UPDATE_VAR: &str = "UPDATE_GOLDENS";

fn updating() -> bool {
    std::env::var(UPDATE_VAR).is_ok_and(|v| v == "1")
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn settings(concern: &str) -> Settings {
    Settings {
        crate_name: format!("fixture-{}", concern.replace('_', "-")),
        crate_version: "0.1.0".to_string(),
        // Relative to the workspace root, so the headers name no machine's folders.
        spec_path: format!("generator/tests/fixtures/{concern}/openapi.yaml"),
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

/// `path` is relative to the fixture's folder, such as `expected/src/models.rs`.
fn diff(path: &str, expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{path} (golden)"), &format!("{path} (generated now)"))
        .to_string()
}

/// Generates the fixture and compares (or, when updating, rewrites) every file.
fn check(concern: &str) {
    let dir = fixtures_dir().join(concern);
    let spec = fs::read_to_string(dir.join("openapi.yaml")).unwrap();
    let generated = match generate(&spec, &settings(concern)) {
        Ok(g) => g,
        Err(diags) => {
            let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
            panic!("fixture `{concern}` does not generate:\n{}", text.join("\n"));
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

    if updating() {
        for (path, contents) in &produced {
            let target = dir.join(path);
            if fs::read_to_string(&target).ok().as_deref() != Some(contents.as_str()) {
                fs::create_dir_all(target.parent().unwrap()).unwrap();
                fs::write(&target, contents).unwrap();
            }
        }
        for path in &extra {
            fs::remove_file(dir.join(path)).unwrap();
        }
        return;
    }

    let mut failures = Vec::new();
    for (path, contents) in &produced {
        match fs::read_to_string(dir.join(path)) {
            Ok(expected) if &expected == contents => {}
            Ok(expected) => failures.push(format!("differs: {path}\n{}", diff(path, &expected, contents))),
            Err(_) => failures.push(format!("missing: {path} (the generator produces it)")),
        }
    }
    for path in &extra {
        failures.push(format!("extra: {path} (the generator no longer produces it)"));
    }
    assert!(
        failures.is_empty(),
        "fixture `{concern}`: {} golden file(s) out of date; if the change is intended, run \
         `{UPDATE_VAR}=1 cargo test -p graph-codegen --test goldens` and review the diff\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

macro_rules! goldens {
    ($($concern:ident),* $(,)?) => {
        $(
            #[test]
            fn $concern() {
                check(stringify!($concern));
            }
        )*
        const CONCERNS: &[&str] = &[$(stringify!($concern)),*];
    };
}

goldens!(naming_keywords, collisions, nullable, enums, all_of, path_parameters, responses, polymorphism, paging, formats, areas, delta, unsupported_operations, plain_formats, scalar_path_parameters, plain_dialect, small_misses, no_schemas, query_styles, object_query_parameters, media_types, alternatives, api_key_auth, basic_auth, api_key_query_auth, server_variables, model_groups, vendored_runtime, ms_extension_api_key, openapi31, foreign_bodies, foreign_paths, foreign_schemas);

/// A fixture folder without a test above would never be compared.
#[test]
fn every_fixture_has_a_test() {
    let mut on_disk: Vec<String> = fs::read_dir(fixtures_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CONCERNS.iter().map(|c| c.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}
