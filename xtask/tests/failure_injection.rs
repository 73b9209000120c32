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
use xtask::{
    apply_with_fault, compare, generate_from, leftovers, lock_out, recover, workspace_root, workspace_settings, write_tree, Change, Fault,
    SPEC,
};

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
    let mut files: Vec<GeneratedFile> =
        old.iter().map(|f| GeneratedFile { path: f.path.clone(), contents: format!("{}\n// changed\n", f.contents) }).collect();
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
        // Empty folders too (the snapshot holds files only): a work folder the run could not fill
        // (issue 20, item 12: out of inodes) is removed, not left for --check to find.
        assert_eq!(work_folders(&dir.0), Vec::<String>::new(), "{tag}: a work folder was left behind");
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
        // A crash that changed nothing but (at most) create an empty work folder needs no trace:
        // the tree is all old.
        let changed = snapshot(&dir.0) != before;
        assert!(!changed || !leftovers(&dir.0).is_empty(), "{tag}: an interrupted run left no trace for --check");
        let lock = lock_out(&dir.0).expect("unlocked");
        recover(&lock).expect("recovers");
        drop(lock);
        assert!(leftovers(&dir.0).is_empty(), "{tag}: {:?}", leftovers(&dir.0));
        assert_eq!(work_folders(&dir.0), Vec::<String>::new(), "{tag}: recovery left a work folder");
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

/// The names of the `.codegen-run-*` entries directly in `dir`, empty folders included.
fn work_folders(dir: &Path) -> Vec<String> {
    let names = fs::read_dir(dir).expect("readable").flatten().map(|e| e.file_name().to_string_lossy().into_owned());
    names.filter(|n| n.starts_with(".codegen-run-")).collect()
}

/// Issue 20, item 8: a build that starts after the new files are staged but before they are
/// swapped in reads the old files; cargo then takes any source older than that start for compiled.
/// Every file the run writes is marked modified at the swap, so it is newer than such a build's
/// start and the next build compiles it (a staged file's own time once left the build `Fresh`).
#[test]
fn written_files_are_newer_than_a_build_started_before_the_swap() {
    use std::time::Duration;
    let dir = Scratch::new("mtime");
    let old = old_crate(&dir.0);
    let new = new_crate(&old);
    let changes = compare(&dir.0, &new).expect("comparable");
    let lock = lock_out(&dir.0).expect("unlocked");
    let build_started = std::thread::scope(|scope| {
        // The "build": starts once the journal is on disk (every file staged), during the pause.
        let build = scope.spawn(|| wait_for_journal(&dir.0));
        apply_with_fault(&lock, &new, &changes, Fault::PauseBeforeSwap(Duration::from_millis(300))).expect("applies");
        build.join().expect("the build thread")
    });
    let build_started = build_started.expect("the journal appeared during the pause");
    for file in &new {
        let modified = fs::metadata(dir.0.join(&file.path)).and_then(|m| m.modified()).expect("mtime");
        assert!(modified > build_started, "{} keeps a time before the build's start: {modified:?} <= {build_started:?}", file.path);
    }
}

/// Waits (up to a minute) for the run to have staged every file: its journal is then on disk.
fn wait_for_journal(dir: &Path) -> Option<std::time::SystemTime> {
    let waiting = std::time::Instant::now();
    while waiting.elapsed() < std::time::Duration::from_secs(60) {
        if dir.join(".codegen-journal").exists() {
            return Some(std::time::SystemTime::now());
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    None
}

/// Issue 20, item 1, during a run: `src` swapped for a link to a folder elsewhere after the
/// comparison (here while the run pauses between staging and swap) is caught right before each
/// step, so nothing is created, moved or replaced through it; the run fails naming the link, and
/// once the folder is put back the next run's recovery makes the tree all old.
#[cfg(unix)]
#[test]
fn a_link_planted_during_a_run_is_never_written_through() {
    let dir = Scratch::new("planted-during");
    let out = dir.0.join("out");
    fs::create_dir(&out).expect("out");
    let old = old_crate(&out);
    let before = snapshot(&out);
    let victim = dir.0.join("victim");
    fs::create_dir(&victim).expect("victim");
    // Named as the crate's files, which the swap would move aside and replace through the link.
    for name in ["lib.rs", "models.rs"] {
        fs::write(victim.join(name), "outside --out").expect("victim file");
    }
    let victim_before = snapshot(&victim);
    let new = new_crate(&old);
    let changes = compare(&out, &new).expect("comparable");
    let lock = lock_out(&out).expect("unlocked");
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            wait_for_journal(&out).expect("the journal appeared during the pause");
            fs::rename(out.join("src"), dir.0.join("src-aside")).expect("src aside");
            std::os::unix::fs::symlink("../victim", out.join("src")).expect("link");
        });
        apply_with_fault(&lock, &new, &changes, Fault::PauseBeforeSwap(std::time::Duration::from_millis(300)))
    });
    drop(lock);
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("leads through") && message.contains("a link (or a file) where a folder goes"), "{message}");
    assert_eq!(snapshot(&victim), victim_before, "files outside --out were changed through the link");
    assert!(!victim.join("brand_new").exists(), "a folder was created through the link");

    fs::remove_file(out.join("src")).expect("unlink");
    fs::rename(dir.0.join("src-aside"), out.join("src")).expect("src back");
    let lock = lock_out(&out).expect("unlocked");
    recover(&lock).expect("recovers once the link is gone");
    drop(lock);
    assert_eq!(snapshot(&out), before, "not all old after recovery");
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
    // Tags without the words looked for below, which the folder's path would otherwise supply.
    let dir = Scratch::new("journal");
    let old = old_crate(&dir.0);
    let elsewhere = Scratch::new("journal-elsewhere");
    fs::create_dir_all(elsewhere.0.join("old")).expect("elsewhere");
    fs::write(elsewhere.0.join("old/0"), "outside").expect("outside file");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&elsewhere.0, dir.0.join(".codegen-run-9-9-9")).expect("link");
    for (journal, why) in [
        ("garbage\n", "is damaged"),
        (
            "graph-codegen journal 1\nwork .codegen-run-9-9-9\nput 0 1 src/lib.rs\nend\n",
            "names a work folder that is not one graph-codegen made",
        ),
        ("graph-codegen journal 1\nwork .codegen-run-1\nput 0 1 ../../x\nend\n", "is damaged"),
    ] {
        fs::write(dir.0.join(".codegen-journal"), journal).expect("journal");
        let before = snapshot(&dir.0);
        let message = write_tree(&dir.0, &new_crate(&old)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains(".codegen-journal") && message.contains(why), "{journal:?}: {message}");
        assert_eq!(snapshot(&dir.0), before, "{journal:?}");
        assert_eq!(fs::read_to_string(elsewhere.0.join("old/0")).ok().as_deref(), Some("outside"));
    }
}
