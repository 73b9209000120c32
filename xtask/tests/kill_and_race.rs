//! `kill -9` at random moments of `cargo xtask codegen`, and two runs at once on one folder
//! (issue 10, item 3), on a module-sized spec: whatever a killed run leaves, `--check` never calls
//! it current unless it is exactly a complete tree, and the next run restores a complete, correct
//! tree with no temporary file left; of two runs at once, one may be told "another codegen is
//! running", and the tree ends exactly as one of them makes it.
//!
//! A short version runs in `cargo test`; the long one (30 kills, 20 pairs) is ignored there:
//!
//!     cargo test -p xtask --test kill_and_race -- --ignored
//!
//! `KILL_SEED=N` repeats a run's random moments (each run prints its seed).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};
use support::{snapshot, spawn_xtask, xtask, Scratch};
use xtask::workspace_root;

/// What the runs are killed on.
#[derive(Clone, Copy)]
enum Input {
    /// A spec of about this many bytes built from spec/openapi.yaml, one area per copy; its two
    /// variants also differ in the set of files (areas appear and go).
    Built(usize),
    /// A real module, relative to the workspace root; its variant B is the same text with a
    /// comment added, which changes every file (the header holds the spec's hash).
    Module(&'static str),
}

/// The real module the check names: 3.1 MB, about 90 areas, so about 100 files.
const MODULE: &str = "spec/graph/Devices.CorporateManagement.beta.2024-10-01.yml";

/// 4 kills and 2 pairs on a built spec of 384 KB (about a dozen areas), so `cargo test` stays quick.
#[test]
fn short_kills_and_races_leave_complete_trees() {
    kill_and_race(4, 2, Input::Built(3 << 17));
}

#[test]
#[ignore = "30 kills and 20 pairs of runs on the 3 MB module take minutes; .ci/run runs it with --ignored"]
fn thirty_kills_and_twenty_races_leave_complete_trees() {
    kill_and_race(30, 20, Input::Module(MODULE));
}

/// Two specs, A and B, whose crates differ in every file (built ones also in the set of files).
fn specs(input: Input) -> (String, String) {
    let bytes = match input {
        Input::Built(bytes) => bytes,
        Input::Module(module) => {
            let a = fs::read_to_string(workspace_root().join(module)).unwrap_or_else(|e| panic!("{module}: {e}"));
            let b = format!("{a}\n# variant B: every generated file changes with the spec's hash\n");
            return (a, b);
        }
    };
    let spec = fs::read_to_string(workspace_root().join("spec/openapi.yaml")).expect("spec/openapi.yaml");
    let copies = (bytes / spec.len()).max(4);
    // A has copies 0..n, B copies 3..n+3: three areas appear, three go, the rest change.
    (replicated(&spec, 0..copies), replicated(&spec, 3..copies + 3))
}

/// spec/openapi.yaml with its operation and schemas copied once per number in `copies`, each copy
/// in a namespace and area (tag) of its own.
fn replicated(spec: &str, copies: std::ops::Range<usize>) -> String {
    let (head, rest) = spec.split_once("\npaths:\n").expect("paths");
    let (paths, components) = rest.split_once("\ncomponents:\n  schemas:\n").expect("schemas");
    let (schemas, responses) = components.split_once("\n  responses:\n").expect("responses");
    let mut doc = format!("{head}\npaths:\n");
    for c in copies.clone() {
        let path = paths
            .replace("'/deviceAppManagement/", &format!("'/c{c}/deviceAppManagement/"))
            .replace("        - deviceAppManagement.mobileApp\n", &format!("        - c{c}.deviceAppManagement.mobileApp\n"))
            .replace("operationId: ", &format!("operationId: c{c}."))
            .replace("microsoft.graph.", &format!("c{c}.microsoft.graph."));
        doc.push_str(&path);
        doc.push('\n');
    }
    doc.push_str("components:\n  schemas:\n");
    // The originals once, for the shared error response that names them.
    doc.push_str(schemas);
    doc.push('\n');
    for c in copies {
        doc.push_str(&schemas.replace("microsoft.graph.", &format!("c{c}.microsoft.graph.")));
        doc.push('\n');
    }
    doc.push_str("  responses:\n");
    doc.push_str(responses);
    doc
}

/// Returns once the run `child` begins writing into `out` (a name that is not the lock file appears
/// in or goes from `out` or `out/src`), or once it has ended.
fn wait_for_writing(child: &mut Child, out: &Path) {
    let names = || -> BTreeSet<String> {
        [out.to_path_buf(), out.join("src")]
            .iter()
            .filter_map(|dir| fs::read_dir(dir).ok())
            .flat_map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|name| name != ".codegen.lock")
            .collect()
    };
    let before = names();
    while matches!(child.try_wait(), Ok(None)) && names() == before {
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// A small seeded generator (xorshift), so a failing run can be repeated with its seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

struct Setup {
    _scratch: Scratch,
    out: PathBuf,
    /// The two spec files, and the complete tree each makes in `out`.
    specs: [(PathBuf, BTreeMap<String, Vec<u8>>); 2],
    /// How long one clean run took: the range the random kill moments are drawn from.
    run_time: Duration,
    /// How long the same run took from its first change to `out` to its end: the range of the
    /// kill moments aimed at writing.
    write_time: Duration,
}

fn codegen_args<'a>(spec: &'a Path, out: &'a Path, check: bool) -> Vec<&'a std::ffi::OsStr> {
    let mut args: Vec<&std::ffi::OsStr> = vec!["codegen".as_ref()];
    if check {
        args.push("--check".as_ref());
    }
    args.extend(["--spec".as_ref(), spec.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    args
}

/// Runs codegen to completion and checks that `out` is then exactly spec `i`'s tree.
fn run_clean(setup: &Setup, i: usize, why: &str) -> Duration {
    let (spec, expected) = &setup.specs[i];
    let started = Instant::now();
    let run = xtask(&codegen_args(spec, &setup.out, false));
    let took = started.elapsed();
    assert!(run.status.success(), "{why}: the run failed:\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(snapshot(&setup.out) == *expected, "{why}: not exactly spec {i}'s tree: {:?}", differing(&snapshot(&setup.out), expected));
    took
}

/// The paths that differ between two trees, for a failure message.
fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut paths: Vec<String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect();
    paths.dedup();
    paths.truncate(10);
    paths
}

fn set_up(input: Input) -> Setup {
    let scratch = Scratch::new("kill");
    let out = scratch.0.join("module-crate");
    let (a, b) = specs(input);
    let (path_a, path_b) = (scratch.0.join("a.yaml"), scratch.0.join("b.yaml"));
    fs::write(&path_a, a).expect("spec A");
    fs::write(&path_b, b).expect("spec B");
    let mut trees = Vec::new();
    let (mut run_time, mut write_time) = (Duration::ZERO, Duration::ZERO);
    for spec in [&path_a, &path_b] {
        let started = Instant::now();
        let mut child = spawn_xtask(&codegen_args(spec, &out, false));
        wait_for_writing(&mut child, &out);
        let writing = Instant::now();
        let status = child.wait().expect("the run ends");
        (run_time, write_time) = (run_time.max(started.elapsed()), write_time.max(writing.elapsed()));
        assert!(status.success(), "the run on {} failed; run `cargo xtask codegen --spec {0} --out DIR` to see why", spec.display());
        trees.push(snapshot(&out));
    }
    let tree_b = trees.pop().unwrap_or_default();
    let tree_a = trees.pop().unwrap_or_default();
    assert!(tree_a.iter().all(|(k, v)| tree_b.get(k) != Some(v)), "A and B must differ in every file");
    // A real module's variant only changes its hash; the built ones also add and drop areas.
    assert!(matches!(input, Input::Module(_)) || tree_a.keys().any(|k| !tree_b.contains_key(k)), "A and B must differ in the set of files");
    eprintln!("kill_and_race: {} files, one run ~{run_time:.1?}, of which writing ~{write_time:.1?}", tree_a.len());
    Setup { _scratch: scratch, out, specs: [(path_a, tree_a), (path_b, tree_b)], run_time, write_time }
}

/// After a kill: `--check` against either spec passes only on exactly that spec's complete tree.
/// The lock file a killed run leaves is no part of the tree (a lock no process holds, which the
/// next run takes over and removes); every other file counts, temporary ones included.
fn assert_check_is_honest(setup: &Setup, why: &str) {
    let mut now = snapshot(&setup.out);
    now.remove(".codegen.lock");
    for (i, (spec, expected)) in setup.specs.iter().enumerate() {
        let check = xtask(&codegen_args(spec, &setup.out, true));
        if check.status.success() {
            assert!(
                now == *expected,
                "{why}: --check against spec {i} passed on a tree that is not its complete tree: {:?}",
                differing(&now, expected)
            );
        }
    }
}

fn kill_and_race(kills: usize, pairs: usize, input: Input) {
    let seed = std::env::var("KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1);
    eprintln!("kill_and_race: KILL_SEED={seed}");
    let mut random = Random(seed);
    let setup = set_up(input);
    let mut now = 1; // set_up ended with spec B
    let window = setup.run_time.as_micros() as u64 + 1;
    let write_window = setup.write_time.as_micros() as u64 + 1;

    for k in 0..kills {
        // The other spec than the tree was last made from, so the run has every file to write.
        let i = 1 - now;
        let mut child = spawn_xtask(&codegen_args(&setup.specs[i].0, &setup.out, false));
        // A third of the moments anywhere in a run; two thirds while it writes, which is a small
        // part of a run that generation and comparison dominate.
        let moment = if random.below(3) == 0 {
            let delay = random.below(window);
            std::thread::sleep(Duration::from_micros(delay));
            format!("{delay} µs after the start")
        } else {
            let delay = random.below(write_window);
            wait_for_writing(&mut child, &setup.out);
            std::thread::sleep(Duration::from_micros(delay));
            format!("{delay} µs after it began writing")
        };
        let why = format!("kill {k} (spec {i} over spec {now}, {moment}, KILL_SEED={seed})");
        let _ = child.kill();
        let _ = child.wait();
        assert_check_is_honest(&setup, &why);
        // Now and then the next run is killed too (so recovery itself is interrupted); otherwise
        // it must restore a complete tree.
        if random.below(3) != 0 || k + 1 == kills {
            now = random.below(2) as usize;
            run_clean(&setup, now, &format!("{why}, then a clean run of spec {now}"));
        }
    }

    for p in 0..pairs {
        let why = format!("pair {p} (KILL_SEED={seed})");
        let outs: Vec<_> = std::thread::scope(|scope| {
            let runs: Vec<_> = setup.specs.iter().map(|(spec, _)| scope.spawn(|| xtask(&codegen_args(spec, &setup.out, false)))).collect();
            runs.into_iter().map(|r| r.join().expect("run thread")).collect()
        });
        let mut succeeded = 0;
        for (i, run) in outs.iter().enumerate() {
            let stderr = String::from_utf8_lossy(&run.stderr);
            if run.status.success() {
                succeeded += 1;
            } else {
                assert!(stderr.contains("another codegen is running on"), "{why}: run of spec {i} failed otherwise:\n{stderr}");
            }
        }
        assert!(succeeded >= 1, "{why}: both runs were turned away");
        let tree = snapshot(&setup.out);
        let Some(last) = setup.specs.iter().position(|(_, expected)| *expected == tree) else {
            panic!("{why}: the tree is neither A's nor B's: {:?}", differing(&tree, &setup.specs[0].1));
        };
        let check = xtask(&codegen_args(&setup.specs[last].0, &setup.out, true));
        assert!(check.status.success(), "{why}: {}", String::from_utf8_lossy(&check.stderr));
    }
}
