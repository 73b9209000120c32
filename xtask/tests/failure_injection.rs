//! Never a half-written generated crate: failures injected at each stage of `xtask::apply` (and a
//! spec error before it) leave every previous file byte-identical and no temporary file behind.
//!
//! CI runs as root, where permission bits stop no write, so failures are injected with
//! directories standing where a file must go, which stops root too.

use graph_codegen::GeneratedFile;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use xtask::{apply, compare, generate_from, workspace_root, workspace_settings, Change, SPEC};

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("xtask-failure-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Every file under `dir` (relative path to bytes), directories left out.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir").to_string_lossy().replace('\\', "/");
                out.insert(rel, fs::read(&path).expect("readable file"));
            }
        }
    }
    out
}

/// The checked-in crate's files, generated afresh, written into an empty directory by `apply`.
fn old_crate(dir: &Path) -> Vec<GeneratedFile> {
    let generated = generate_from(&workspace_root().join(SPEC), &workspace_settings()).expect("the spec generates");
    let changes = compare(dir, &generated.files);
    assert!(changes.iter().all(|c| matches!(c, Change::Missing { .. })));
    apply(dir, &generated.files, &changes).expect("writing into an empty dir works");
    generated.files
}

/// The same files with new contents, plus one file that did not exist before.
fn new_crate(old: &[GeneratedFile]) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = old
        .iter()
        .map(|f| GeneratedFile { path: f.path.clone(), contents: format!("{}\n// changed\n", f.contents) })
        .collect();
    files.push(GeneratedFile { path: "src/brand_new/extra.rs".to_string(), contents: "// new\n".to_string() });
    files
}

/// Runs `apply` with new contents after `inject` has put an obstacle in place, and checks the
/// run fails and leaves every file (the obstacle included) as it was before the run.
fn assert_all_old_after(tag: &str, inject: impl FnOnce(&Path)) {
    let dir = TempDir::new(tag);
    let old = old_crate(&dir.0);
    inject(&dir.0);
    let before = snapshot(&dir.0);
    assert!(before.keys().any(|k| k.ends_with("/keep")), "{tag}: the obstacle holds a file of its own");
    let new = new_crate(&old);
    let changes = compare(&dir.0, &new);
    assert_eq!(changes.len(), new.len(), "{tag}: every file is to change");
    let result = apply(&dir.0, &new, &changes);
    assert!(result.is_err(), "{tag}: apply succeeded despite the obstacle");
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("the previous files were left in place"), "{tag}: {message}");
    let after = snapshot(&dir.0);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "{tag}: files appeared or vanished");
    for (path, bytes) in &before {
        assert!(after.get(path) == Some(bytes), "{tag}: {path} changed");
    }
    assert!(!dir.0.join("src/brand_new").exists(), "{tag}: a directory created for the new file was left behind");
}

fn plant_directory(at: &Path) {
    fs::create_dir_all(at).expect("obstacle dir");
    // Non-empty, so neither a rename onto it nor a removal of it can succeed.
    fs::write(at.join("keep"), "obstacle").expect("obstacle file");
}

/// A generated file replaced by a directory: apply refuses before writing anything.
#[test]
fn a_directory_where_a_file_goes_leaves_the_tree_all_old() {
    assert_all_old_after("in-place", |dir| {
        let target = dir.join("src/models.rs");
        fs::remove_file(&target).expect("remove models.rs");
        plant_directory(&target);
    });
}

/// The staging write of the third file fails, after two have been staged.
#[test]
fn a_failed_staging_write_leaves_the_tree_all_old() {
    assert_all_old_after("staging", |dir| plant_directory(&dir.join("src/.models.rs.codegen-tmp")));
}

/// Moving the third old file aside fails after two files have already been swapped in: those
/// two are swapped back.
#[test]
fn a_failed_swap_partway_rolls_back_to_all_old() {
    assert_all_old_after("swap", |dir| plant_directory(&dir.join("src/.models.rs.codegen-old")));
}

/// Without an obstacle the same change is applied whole, and leaves no temporary file.
#[test]
fn without_a_failure_the_tree_is_all_new() {
    let dir = TempDir::new("clean");
    let old = old_crate(&dir.0);
    let new = new_crate(&old);
    let changes = compare(&dir.0, &new);
    let (written, removed) = apply(&dir.0, &new, &changes).expect("applies");
    assert_eq!((written, removed), (new.len(), 0));
    let after = snapshot(&dir.0);
    let expected: BTreeMap<String, Vec<u8>> = new.iter().map(|f| (f.path.clone(), f.contents.clone().into_bytes())).collect();
    assert_eq!(after, expected);
}

/// A spec with errors fails in generation, before any write: the binary exits non-zero, prints
/// located diagnostics, and the output tree is untouched.
#[test]
fn a_spec_error_leaves_the_tree_untouched() {
    let dir = TempDir::new("spec-error");
    let out = dir.0.join("crate");
    fs::create_dir_all(&out).expect("out dir");
    old_crate(&out);
    let before = snapshot(&out);
    let bad = dir.0.join("bad.yaml");
    fs::write(&bad, "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {}\n").expect("bad spec");
    assert!(matches!(generate_from(&bad, &workspace_settings()), Err(xtask::CodegenError::Spec(_))));
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--spec"])
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("xtask runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.yaml:5:5: at /paths/~1a~1{id}/get: path template variable `{id}` has no path parameter"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(snapshot(&out), before);
}
