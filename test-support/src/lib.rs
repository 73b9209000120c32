//! What the workspace's tests share, one copy each: where the workspace is, how a golden file is
//! compared or rewritten, and a loopback HTTP server ([`loopback`]). A dev-dependency only (`publish = false`); the generated crates do not
//! use it (their manifests, dev-dependencies included, are the generator's output).

use std::fs;
use std::path::{Path, PathBuf};

pub mod loopback;

/// Peak resident memory of this process so far, in KiB, from `/proc/self/status` (`VmHWM`):
/// Linux only, None elsewhere.
pub fn peak_resident_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The workspace's root folder (this crate sits one level under it).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The variable that rewrites goldens instead of comparing with them, when it is `1` (any other
/// value, or none, compares): `UPDATE_GOLDENS=1 cargo test …`.
pub const UPDATE_VAR: &str = "UPDATE_GOLDENS";

/// Whether this run rewrites goldens ([`UPDATE_VAR`] is `1`).
pub fn updating() -> bool {
    std::env::var(UPDATE_VAR).is_ok_and(|v| v == "1")
}

/// A unified diff of `expected` (the golden) and `actual`, both named `name`.
pub fn diff(name: &str, expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (golden)"), &format!("{name} (generated now)"))
        .to_string()
}

/// What [`check_golden`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Golden {
    /// The golden holds `actual` (or was just rewritten to).
    Same,
    /// The golden differs: the diff, named with the golden's name.
    Differs(String),
    /// There is no golden file.
    Missing,
}

/// Compares `actual` with the golden at `path`, or, when [`updating`], writes it there (creating
/// its folder; an unchanged file is not touched). `name` names the golden in a diff.
pub fn check_golden(path: &Path, name: &str, actual: &str) -> Golden {
    let expected = fs::read_to_string(path).ok();
    if updating() {
        if expected.as_deref() != Some(actual) {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
            }
            fs::write(path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        return Golden::Same;
    }
    match expected {
        Some(expected) if expected == actual => Golden::Same,
        Some(expected) => Golden::Differs(diff(name, &expected, actual)),
        None => Golden::Missing,
    }
}
