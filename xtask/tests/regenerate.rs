//! Changing the spec changes the output: a property added to a copy of spec/openapi.yaml shows up
//! in the generated model and PATCH body, and makes the checked-in crate stale. spec/ and
//! generated/ are only read.

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use xtask::{compare, workspace_root, workspace_settings, Change, OUT, SPEC};

/// Where the new property goes: the start of userAppInstallStatus's own properties.
const ANCHOR: &str = "        - title: userAppInstallStatus\n          type: object\n          properties:\n";
const NEW_PROPERTY: &str = "            userDisplayName:\n              type: string\n              description: The user's display name.\n              nullable: true\n";

fn spec_text() -> String {
    fs::read_to_string(workspace_root().join(SPEC)).unwrap()
}

/// The spec with one nullable string property added to `microsoft.graph.userAppInstallStatus`.
fn spec_with_new_property() -> String {
    let text = spec_text();
    assert_eq!(text.matches(ANCHOR).count(), 1, "the anchor must name exactly one place in {SPEC}");
    text.replacen(ANCHOR, &format!("{ANCHOR}{NEW_PROPERTY}"), 1)
}

/// The text from `start` to the end of the item it opens (the next line that is just `}`).
fn item<'a>(source: &'a str, start: &str) -> &'a str {
    let from = source.find(start).unwrap_or_else(|| panic!("`{start}` not found"));
    let len = source[from..].find("\n}\n").unwrap_or_else(|| panic!("`{start}` is not closed"));
    &source[from..from + len]
}

fn models(files: &[graph_codegen::GeneratedFile]) -> &str {
    &files.iter().find(|f| f.path == "src/models.rs").unwrap().contents
}

#[test]
fn added_property_appears_in_model_and_patch() {
    let generated = graph_codegen::generate(&spec_with_new_property(), &workspace_settings()).unwrap();
    let models = models(&generated.files);

    let model = item(models, "pub struct UserAppInstallStatus {");
    // The field with its doc comment, and its wire name where the model is read and written.
    let doc = model.find("/// The user's display name.\n").unwrap_or_else(|| panic!("{model}"));
    let field = model.find("pub user_display_name: Option<String>,").unwrap_or_else(|| panic!("{model}"));
    assert!(!model[doc..field].contains("pub "), "the doc comment belongs to another field: {}", &model[doc..field]);
    let read = item(models, "impl graph_runtime::__private::Members for UserAppInstallStatus {");
    assert!(read.contains("\"userDisplayName\" => self.user_display_name = map.next_value()?,"), "{read}");
    let write = item(models, "impl Serialize for UserAppInstallStatus {");
    assert!(write.contains("map.optional(\"userDisplayName\", &self.user_display_name)?;"), "{write}");
    let patch = item(models, "pub struct UserAppInstallStatusPatch {");
    assert!(patch.contains("pub user_display_name: graph_runtime::Patch<String>,"), "{patch}");
    let serialize = item(models, "impl Serialize for UserAppInstallStatusPatch {");
    assert!(serialize.contains("map.serialize_entry(\"userDisplayName\", &self.user_display_name)?;"), "{serialize}");

    let checked_in = fs::read_to_string(workspace_root().join(OUT).join("src/models.rs")).unwrap();
    assert!(!checked_in.contains("user_display_name"), "the checked-in crate already has the field; pick another name");
    assert!(!checked_in.contains("userDisplayName"));
}

#[test]
fn added_property_makes_checked_in_crate_stale() {
    let generated = graph_codegen::generate(&spec_with_new_property(), &workspace_settings()).unwrap();
    let changes = compare(&workspace_root().join(OUT), &generated.files).unwrap();
    let models_diff = changes.iter().find_map(|c| match c {
        Change::Stale { path, diff } if path == "src/models.rs" => Some(diff),
        _ => None,
    });
    let Some(diff) = models_diff else { panic!("src/models.rs not reported stale: {changes:?}") };
    assert!(diff.contains("+    pub user_display_name: Option<String>,"), "{diff}");
    assert!(diff.contains("+    pub user_display_name: graph_runtime::Patch<String>,"), "{diff}");
    // The header names the spec's hash, so every file is stale, but none is missing or extra.
    assert!(changes.iter().all(|c| matches!(c, Change::Stale { .. })), "{changes:?}");

    // The unchanged spec still matches, so the difference is the property alone.
    let original = graph_codegen::generate(&spec_text(), &workspace_settings()).unwrap();
    assert_eq!(compare(&workspace_root().join(OUT), &original.files).unwrap(), Vec::new());
}

/// The command line end to end, in a scratch folder: `--spec/--out` writes the crate, and
/// `--check` fails naming models.rs once the spec it is checked against differs.
#[test]
fn codegen_command_regenerates_and_check_fails_on_drift() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("regenerate-cli");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let changed_spec = dir.join("changed.yaml");
    fs::write(&changed_spec, spec_with_new_property()).unwrap();
    let out = dir.join("crate");
    let xtask = env!("CARGO_BIN_EXE_xtask");

    let run = |spec: &PathBuf, check: bool| {
        let mut cmd = Command::new(xtask);
        cmd.arg("codegen");
        if check {
            cmd.arg("--check");
        }
        cmd.arg("--spec").arg(spec).arg("--out").arg(&out).arg("--name").arg("regen-probe");
        cmd.output().unwrap()
    };

    let written = run(&changed_spec, false);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let models = fs::read_to_string(out.join("src/models.rs")).unwrap();
    assert!(models.contains("pub user_display_name: Option<String>,"));
    assert!(out.join("Cargo.toml").exists());

    let clean = run(&changed_spec, true);
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));

    // The same folder checked against a spec without the property: stale, and nothing rewritten.
    let original_spec = dir.join("original.yaml");
    fs::write(&original_spec, spec_text()).unwrap();
    let stale = run(&original_spec, true);
    assert!(!stale.status.success());
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(stderr.contains("src/models.rs"), "{stderr}");
    assert!(stderr.contains("-    pub user_display_name: Option<String>,"), "{stderr}");
    assert_eq!(fs::read_to_string(out.join("src/models.rs")).unwrap(), models, "--check must not write");
}
