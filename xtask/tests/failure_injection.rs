//! Never a half-written generated crate: a failure injected before each step of `xtask::apply`
//! (and a spec error before it) leaves every previous file byte-identical and no temporary file
//! behind, and a run stopped at each step (as `kill -9` would) is undone by the next run's recovery.
//!
//! CI runs as root, where permission bits stop no write, so failures are injected by
//! `apply_with_fault` rather than with permissions.

mod support;

use graph_codegen::GeneratedFile;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use support::{snapshot, Scratch};
use xtask::{apply_with_fault, compare, generate_from, leftovers, lock_out, recover, workspace_root, workspace_settings, write_tree, Change, Fault, SPEC};

/// The checked-in crate's files, generated afresh, written into an empty directory.
fn old_crate(dir: &Path) -> Vec<GeneratedFile> {
    let generated = generate_from(&workspace_root().join(SPEC), &workspace_settings()).expect("the spec generates");
    let changes = compare(dir, &generated.files).expect("an empty dir holds nothing foreign");
    assert!(changes.iter().all(|c| matches!(c, Change::Missing { .. })));
    write_tree(dir, &generated.files).expect("writing into an empty dir works");
    generated.files
}

/// The same files with new contents, plus one file (in a new folder) that did not exist before.
fn new_crate(old: &[GeneratedFile]) -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = old
        .iter()
        .map(|f| GeneratedFile { path: f.path.clone(), contents: format!("{}\n// changed\n", f.contents) })
        .collect();
    let header = old.iter().find(|f| f.path.ends_with(".rs")).and_then(|f| f.contents.lines().next()).unwrap_or_default();
    files.push(GeneratedFile { path: "src/brand_new/extra.rs".to_string(), contents: format!("{header}\n// new\n") });
    files
}

/// One run of [`apply_new_with`]: the folder, its files before, the new files, and the result.
type Applied = (Scratch, BTreeMap<String, Vec<u8>>, Vec<GeneratedFile>, Result<(usize, usize), xtask::CodegenError>);

/// Applies the new crate over the old one with `fault`, and returns the result with the directory.
fn apply_new_with(tag: &str, fault: Fault) -> Applied {
    let dir = Scratch::new(tag);
    let old = old_crate(&dir.0);
    let before = snapshot(&dir.0);
    let new = new_crate(&old);
    let changes = compare(&dir.0, &new).expect("comparable");
    assert_eq!(changes.len(), new.len(), "{tag}: every file is to change");
    let lock = lock_out(&dir.0).expect("unlocked");
    let result = apply_with_fault(&lock, &new, &changes, fault);
    drop(lock);
    (dir, before, new, result)
}

/// A failure at every step that changes the disk, one run each: every run fails, says the previous
/// files were left in place, and leaves every file as it was with nothing of its own behind.
/// The steps are counted until a run meets no injected failure, so every one is covered.
#[test]
fn a_failure_at_any_step_leaves_the_tree_all_old() {
    for step in 0.. {
        let tag = format!("fail-{step}");
        let (dir, before, new, result) = apply_new_with(&tag, Fault::FailAt(step));
        let Err(error) = result else {
            assert!(step > new.len(), "only {step} steps for {} files", new.len());
            assert_eq!(snapshot(&dir.0), expected(&new), "{tag}: the run past every step is all new");
            return;
        };
        let message = error.to_string();
        assert!(message.contains("the previous files were left in place"), "{tag}: {message}");
        assert_eq!(snapshot(&dir.0), before, "{tag}: the tree changed");
        assert!(!dir.0.join("src/brand_new").exists(), "{tag}: a directory created for the new file was left behind");
    }
}

/// A crash (the run simply stops) at every step: the tree may be half new, but it is marked as
/// interrupted, and the next run's recovery brings back every old file, removes every new one
/// and every temporary file.
#[test]
fn a_crash_at_any_step_is_undone_by_the_next_run() {
    for step in 0.. {
        let tag = format!("crash-{step}");
        let (dir, before, new, result) = apply_new_with(&tag, Fault::StopAt(step));
        if result.is_ok() {
            assert!(step > new.len(), "only {step} steps for {} files", new.len());
            return;
        }
        assert!(!leftovers(&dir.0).is_empty(), "{tag}: an interrupted run left no trace for --check");
        let lock = lock_out(&dir.0).expect("unlocked");
        recover(&lock).expect("recovers");
        drop(lock);
        assert!(leftovers(&dir.0).is_empty(), "{tag}: {:?}", leftovers(&dir.0));
        assert_eq!(snapshot(&dir.0), before, "{tag}: not all old after recovery");
    }
}

/// A folder standing where a generated file goes is not the generator's: compare refuses, naming
/// it, before anything is written.
#[test]
fn a_directory_where_a_file_goes_is_refused_by_name() {
    let dir = Scratch::new("in-place");
    let old = old_crate(&dir.0);
    let target = dir.0.join("src/models.rs");
    fs::remove_file(&target).expect("remove models.rs");
    fs::create_dir_all(&target).expect("obstacle dir");
    fs::write(target.join("keep"), "obstacle").expect("obstacle file");
    let before = snapshot(&dir.0);
    let message = write_tree(&dir.0, &new_crate(&old)).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("src/models.rs: it is a directory"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    assert_eq!(snapshot(&dir.0), before);
}

fn expected(files: &[GeneratedFile]) -> BTreeMap<String, Vec<u8>> {
    files.iter().map(|f| (f.path.clone(), f.contents.clone().into_bytes())).collect()
}

/// Without an obstacle the same change is applied whole, and leaves no temporary file.
#[test]
fn without_a_failure_the_tree_is_all_new() {
    let (dir, _, new, result) = apply_new_with("clean", Fault::None);
    assert_eq!(result.expect("applies"), (new.len(), 0));
    assert_eq!(snapshot(&dir.0), expected(&new));
}

/// A spec with errors fails in generation, before any write: the binary exits non-zero, prints
/// located diagnostics, and the output tree is untouched.
#[test]
fn a_spec_error_leaves_the_tree_untouched() {
    let dir = Scratch::new("spec-error");
    let out = dir.0.join("crate");
    fs::create_dir_all(&out).expect("out dir");
    old_crate(&out);
    let before = snapshot(&out);
    let bad = dir.0.join("bad.yaml");
    fs::write(&bad, "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          $ref: '#/components/responses/missing'\n").expect("bad spec");
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
    assert!(stderr.contains("bad.yaml:8:11: at /paths/~1a/get/responses/200/$ref: unresolved response reference"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(snapshot(&out), before);
}

/// A journal this writer did not write whole, or one whose work folder is a link out of the
/// folder, is not acted on: the run stops naming it and changes nothing.
#[test]
fn a_damaged_journal_is_refused_and_nothing_changes() {
    let dir = Scratch::new("damaged");
    let old = old_crate(&dir.0);
    let elsewhere = Scratch::new("damaged-elsewhere");
    fs::create_dir_all(elsewhere.0.join("old")).expect("elsewhere");
    fs::write(elsewhere.0.join("old/0"), "outside").expect("outside file");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&elsewhere.0, dir.0.join(".codegen-run-9-9-9")).expect("link");
    for journal in ["garbage\n", "graph-codegen journal 1\nwork .codegen-run-9-9-9\nput 0 1 src/lib.rs\nend\n", "graph-codegen journal 1\nwork .codegen-run-1\nput 0 1 ../../x\nend\n"] {
        fs::write(dir.0.join(".codegen-journal"), journal).expect("journal");
        let before = snapshot(&dir.0);
        let message = write_tree(&dir.0, &new_crate(&old)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains(".codegen-journal") && message.contains("damaged"), "{journal:?}: {message}");
        assert_eq!(snapshot(&dir.0), before, "{journal:?}");
        assert_eq!(fs::read_to_string(elsewhere.0.join("old/0")).ok().as_deref(), Some("outside"));
    }
}
