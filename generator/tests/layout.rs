//! The emitter writes Rust already laid out, leaving to prettyplease only what it cannot lay out
//! itself. This checks that the result is, line for line, what prettyplease prints for the same
//! code, on every fixture, on spec/openapi.yaml and on every real description in spec/graph
//! (the whole 3 MB module included): a layout rule that differs from prettyplease's shows up here
//! as the first line that differs.

use graph_codegen::render::layout_difference;
use graph_codegen::{generate, Settings};
use std::fs;
use std::path::{Path, PathBuf};

fn settings() -> Settings {
    Settings {
        crate_name: "layout-check".to_string(),
        crate_version: "0.1.0".to_string(),
        spec_path: "spec.yaml".to_string(),
        command: "cargo test".to_string(),
        standalone: true,
    }
}

fn check_spec(path: &Path) -> Vec<String> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return vec![format!("{}: cannot read: {e}", path.display())],
    };
    let generated = match generate(&text, &settings()) {
        Ok(generated) => generated,
        Err(diags) => return vec![format!("{}: does not generate: {diags:?}", path.display())],
    };
    let rust: Vec<_> = generated.files.iter().filter(|f| f.path.ends_with(".rs")).collect();
    assert!(!rust.is_empty(), "{}: no Rust files", path.display());
    rust.iter()
        .filter_map(|f| layout_difference(&f.contents).map(|d| format!("{} → {}: {d}", path.display(), f.path)))
        .collect()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

#[test]
fn fixtures_and_the_spec_are_laid_out_as_prettyplease_prints_them() {
    let fixtures = root().join("generator/tests/fixtures");
    let mut specs: Vec<PathBuf> = fs::read_dir(&fixtures)
        .expect("fixtures folder")
        .flatten()
        .map(|e| e.path().join("openapi.yaml"))
        .filter(|p| p.is_file())
        .collect();
    specs.sort();
    assert!(specs.len() >= 10, "expected the fixtures, found {}", specs.len());
    specs.push(root().join("spec/openapi.yaml"));
    let problems: Vec<String> = specs.iter().flat_map(|s| check_spec(s)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn real_descriptions_are_laid_out_as_prettyplease_prints_them() {
    let shared = root().join("spec/graph");
    let inputs = [
        "userAppInstallStatus.slice.yaml",
        "mobileApps.slice.yaml",
        "mobileApps.2024-10-01.slice.yaml",
        "Devices.CorporateManagement.beta.2024-10-01.yml",
        "odata/Basic.OpenApi.yaml",
        "odata/Multiple.Schema.OpenApi.yaml",
    ];
    let problems: Vec<String> = inputs.iter().flat_map(|i| check_spec(&shared.join(i))).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn a_layout_difference_is_reported() {
    // The check itself must be able to fail: a struct literal prettyplease would break.
    let text = "fn f() -> S {\n    LongStructName { first_field, second_field }\n}\n";
    let found = layout_difference(text).expect("a difference");
    assert!(found.contains("LongStructName {"), "{found}");
    assert_eq!(layout_difference("fn f() {}\n"), None);
}

/// Any description, named by `LAYOUT_SPEC` (such as the bench's Graph-sized input, whose long
/// qualified names reach layouts the real descriptions do not):
///     LAYOUT_SPEC=target/bench/graph-sized.yaml cargo test -p graph-codegen --test layout -- --ignored
#[test]
#[ignore = "needs LAYOUT_SPEC"]
fn the_spec_named_by_layout_spec_is_laid_out_as_prettyplease_prints_it() {
    let spec = std::env::var("LAYOUT_SPEC").expect("LAYOUT_SPEC names a description");
    let path = root().join(spec);
    let problems = check_spec(&path);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
