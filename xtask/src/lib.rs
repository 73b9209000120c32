//! The codegen task behind `cargo xtask codegen`: generate in memory, compare with the tree,
//! write only what differs (all or nothing, see `writer`), remove what is stale, and never touch
//! a file the generator does not own.

pub mod read;
pub mod slice;
pub mod writer;

use graph_codegen::{Diagnostic, GeneratedFile, Runtime, Settings};
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
pub use writer::{leftovers, lock_out, lock_out_shared, recover, Fault, OutLock};

/// The checked-in spec and crate, relative to the workspace root.
pub const SPEC: &str = "spec/openapi.yaml";
pub const OUT: &str = "generated";
pub const CRATE_NAME: &str = "graph-beta-intune";

pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The real descriptions the tests, the bench and the compile check read: Microsoft's files, copied
/// into the repository (spec/graph/README.md says from where), so a fresh clone needs nothing beside it.
pub fn corpus_dir() -> PathBuf {
    workspace_root().join("spec/graph")
}

/// Settings for the checked-in crate.
pub fn workspace_settings() -> Settings {
    Settings {
        crate_name: CRATE_NAME.to_string(),
        crate_version: "0.1.0".to_string(),
        spec_path: SPEC.to_string(),
        command: "cargo xtask codegen".to_string(),
        standalone: false,
        runtime: Runtime::Path(format!("../{RUNTIME_DIR}")),
    }
}

/// The runtime crate's folder in the workspace.
pub const RUNTIME_DIR: &str = "runtime";

/// A dependency on this workspace's runtime for a crate generated into `out`: relative when `out`
/// is inside the workspace (so the path names no machine's folders), else absolute (a crate in a
/// scratch folder, which nothing commits).
pub fn shared_runtime_for(out: &Path) -> Runtime {
    let root = workspace_root();
    let runtime = root.join(RUNTIME_DIR);
    let absolute = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    let out = absolute(out);
    match out.strip_prefix(&root) {
        Ok(inside) => {
            let ups = inside.components().filter(|c| matches!(c, std::path::Component::Normal(_))).count();
            Runtime::Path(format!("{}{RUNTIME_DIR}", "../".repeat(ups)))
        }
        Err(_) => Runtime::Path(runtime.to_string_lossy().replace('\\', "/")),
    }
}

#[derive(Debug)]
pub enum CodegenError {
    Read(PathBuf, io::Error),
    Spec(Vec<Diagnostic>),
    Write(PathBuf, io::Error),
    /// Files (or links, or folders) standing where generated files go that the generator does not
    /// own, each with why it is not the generator's.
    NotOwned(Vec<(PathBuf, String)>),
    /// Another run holds the output folder's lock.
    Busy(PathBuf),
    /// What an interrupted run left in the output folder, seen by `--check`.
    Interrupted(Vec<PathBuf>),
    /// An interrupted or failed run could not be undone at this path.
    Recover(PathBuf, io::Error),
}

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodegenError::Read(p, e) => write!(f, "error: cannot read {}: {e}", p.display()),
            CodegenError::Spec(diags) => {
                let errors = diags.iter().filter(|d| d.is_error()).count();
                for d in diags {
                    writeln!(f, "{d}")?;
                }
                write!(f, "error: {errors} error(s) in the spec; nothing was written")
            }
            CodegenError::Write(p, e) => write!(f, "error: cannot write {}: {e}; the previous files were left in place", p.display()),
            CodegenError::NotOwned(found) => {
                for (p, why) in found {
                    writeln!(f, "error: {}: {why}", p.display())?;
                }
                write!(
                    f,
                    "error: {} path(s) where generated files go hold something graph-codegen did not write (no `@generated` first line); \
                     nothing was written. Move them out of the way or choose another --out, then run again",
                    found.len()
                )
            }
            CodegenError::Busy(out) => {
                write!(f, "error: another codegen is running on {}; wait for it to finish, then run again", out.display())
            }
            CodegenError::Interrupted(left) => {
                for p in left {
                    writeln!(f, "interrupted: {}", p.display())?;
                }
                write!(f, "error: an earlier codegen run was interrupted here, so the files may be half old, half new; run `cargo xtask codegen` (with the same --spec/--out) to undo it and regenerate")
            }
            CodegenError::Recover(p, e) => write!(
                f,
                "error: cannot undo an interrupted run at {}: {e}; nothing else was changed, fix that path and run again",
                p.display()
            ),
        }
    }
}

/// What differs between the tree and the freshly generated files.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// A generated file whose bytes differ; `diff` is empty where no diff was asked for.
    Stale {
        path: String,
        diff: String,
    },
    Missing {
        path: String,
    },
    /// A file of this crate and output (by its header, see `generated_files_under`) that the
    /// generator no longer produces.
    Extra {
        path: String,
    },
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Stale { path, .. } | Change::Missing { path } | Change::Extra { path } => path,
        }
    }
}

pub fn generate_from(spec: &Path, settings: &Settings) -> Result<graph_codegen::Generated, CodegenError> {
    let bytes = read::read_regular(spec, read::Links::Follow).map_err(|e| CodegenError::Read(spec.to_path_buf(), e))?;
    let text =
        String::from_utf8(bytes).map_err(|e| CodegenError::Read(spec.to_path_buf(), io::Error::new(io::ErrorKind::InvalidData, e)))?;
    graph_codegen::generate(&text, settings).map_err(CodegenError::Spec)
}

/// `path` (a generated file's, or one read back from a journal) if it stays inside the output
/// folder: relative, `/`-separated, no `.`/`..`/empty part, no drive or control character.
pub fn checked_relative(path: &str) -> io::Result<&Path> {
    let bad = path.is_empty()
        || path.contains(['\\', ':'])
        || path.chars().any(char::is_control)
        || path.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the path {path:?} would leave the output folder (a generator bug; please report it)"),
        ));
    }
    Ok(Path::new(path))
}

/// What stands at a generated file's place in the tree.
enum Existing {
    Missing,
    /// The generator's file (exact header on the first line), with its text.
    Ours(String),
    /// Something the generator does not own, at this path, and why.
    Foreign(PathBuf, String),
}

/// Looks at `rel` under `out` without following any link, in `out` or on the way to `rel`.
fn existing(out: &Path, rel: &str) -> Existing {
    let parts: Vec<&str> = rel.split('/').collect();
    let mut at = out.to_path_buf();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Existing::Missing,
            Err(e) => return Existing::Foreign(at, format!("cannot be examined: {e}")),
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Existing::Foreign(
                    at,
                    "a folder of generated files goes here, but this is a link or a file; codegen writes nothing through links".to_string(),
                )
            }
        }
    }
    let target = out.join(rel);
    match fs::symlink_metadata(&target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Existing::Missing,
        Err(e) => return Existing::Foreign(target, format!("cannot be examined: {e}")),
        Ok(_) => {}
    }
    let text = match read::read_regular(&target, read::Links::Refuse) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => return Existing::Foreign(target, "not UTF-8 text, so not a generated file".to_string()),
        },
        Err(e) => return Existing::Foreign(target, e.to_string()),
    };
    if !text.lines().next().is_some_and(graph_codegen::is_header_first_line) {
        return Existing::Foreign(
            target,
            "its first line is not graph-codegen's `@generated` header, so it is not the generator's to replace".to_string(),
        );
    }
    Existing::Ours(text)
}

/// Compares `files` with what is under `out`. Anything standing where a generated file goes that
/// the generator does not own (see [`graph_codegen::is_header_first_line`]) is an error listing
/// each such path, since writing there would destroy it.
pub fn compare(out: &Path, files: &[GeneratedFile]) -> Result<Vec<Change>, CodegenError> {
    compare_with(out, files, true)
}

/// [`compare`], with each stale file's diff computed only if `diffs` is set: a run that writes
/// prints none, and diffing every file of a module costs seconds.
fn compare_with(out: &Path, files: &[GeneratedFile], diffs: bool) -> Result<Vec<Change>, CodegenError> {
    let mut changes = Vec::new();
    let mut foreign = Vec::new();
    for file in files {
        checked_relative(&file.path).map_err(|e| CodegenError::Write(out.join(&file.path), e))?;
        match existing(out, &file.path) {
            Existing::Missing => changes.push(Change::Missing { path: file.path.clone() }),
            Existing::Ours(current) if current == file.contents => {}
            Existing::Ours(current) => {
                let diff = if diffs { unified_diff(&file.path, &current, &file.contents) } else { String::new() };
                changes.push(Change::Stale { path: file.path.clone(), diff });
            }
            Existing::Foreign(at, why) => foreign.push((at, why)),
        }
    }
    if !foreign.is_empty() {
        return Err(CodegenError::NotOwned(foreign));
    }
    // This run's output, as its files name it; a run that produces no file removes none.
    let output = files.iter().find_map(|f| f.contents.lines().nth(1).and_then(output_named));
    for existing in output.map(|output| generated_files_under(out, &output)).unwrap_or_default() {
        if !files.iter().any(|f| f.path == existing) {
            changes.push(Change::Extra { path: existing });
        }
    }
    Ok(changes)
}

/// A unified diff of a file's old and new text, for `--check` (codegen's and slice's).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(&format!("a/{path}"), &format!("b/{path}")).to_string()
}

/// Which output a generated file says it was written for, from the second line of its header
/// (`// Do not edit: regenerate with `COMMAND`.`, `#` in TOML): the command without its `--spec
/// …` part, so `cargo xtask codegen --out DIR` for a `--spec/--out` run and the whole command
/// otherwise (`cargo xtask codegen` for the checked-in crate). The spec is left out: the same
/// crate regenerated from another spec file is the same output.
fn output_named(second_line: &str) -> Option<String> {
    let text = second_line.strip_prefix("// ").or_else(|| second_line.strip_prefix("# "))?;
    let command = text.strip_prefix("Do not edit: regenerate with `")?.strip_suffix("`.")?;
    let output = match command.split_once(" --spec ").and_then(|(head, rest)| Some((head, rest.rsplit_once(" --out ")?.1))) {
        Some((head, out)) => format!("{head} --out {out}"),
        None => command.to_string(),
    };
    Some(output)
}

/// Relative paths of the files under `out` that belong to the crate generated there for
/// `output` (see `output_named`), sorted: the regular files whose first line is exactly the
/// generator's header and whose second names `output`, in a crate whose root `out/Cargo.toml` is
/// itself a generated file. Nothing else is this output's to remove, whatever its header says:
/// - a file generated for another output (`--out crate/src` beside the sources of `crate`, which
///   name `--out crate`) is that output's;
/// - with no generated `out/Cargo.toml`, `out` is no generated crate's root (`--out crate/src`, or
///   `--out clients` above other crates), so nothing under it is this crate's;
/// - a folder with a `Cargo.toml` of its own is another crate (a sibling generated into
///   `clients/a`, a fixture's expected crate), and is not searched;
/// - a name that is not UTF-8 is no generated path (those are UTF-8), and is passed over rather
///   than reported under a lossy name that does not exist;
/// - links are never followed (a link to a folder could lead out of `out`, or back into it
///   forever), and `target`, hand-written `tests` and hidden folders are not searched.
pub fn generated_files_under(out: &Path, output: &str) -> Vec<String> {
    let is_generated = |path: &Path| read::first_line(path).is_some_and(|l| graph_codegen::is_header_first_line(&l));
    let is_this_outputs = |path: &Path| {
        read::first_lines(path, 2).is_some_and(|lines| match lines.as_slice() {
            [first, second] => graph_codegen::is_header_first_line(first) && output_named(second).is_some_and(|named| named == output),
            _ => false,
        })
    };
    if !is_generated(&out.join("Cargo.toml")) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut stack = vec![(out.to_path_buf(), String::new())];
    while let Some((dir, rel_dir)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
            // The entry's own type: a link is a link here, whatever it points at.
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            let rel = if rel_dir.is_empty() { name.clone() } else { format!("{rel_dir}/{name}") };
            if kind.is_dir() {
                let another_crate = fs::symlink_metadata(path.join("Cargo.toml")).is_ok();
                if name != "target" && name != "tests" && !name.starts_with('.') && !another_crate {
                    stack.push((path, rel));
                }
            } else if kind.is_file() && is_this_outputs(&path) {
                found.push(rel);
            }
        }
    }
    found.sort();
    found
}

/// Applies `changes` under `lock`, all or nothing (see [`writer`]). Returns (written, removed).
pub fn apply(lock: &OutLock, files: &[GeneratedFile], changes: &[Change]) -> Result<(usize, usize), CodegenError> {
    apply_with_fault(lock, files, changes, Fault::None)
}

/// [`apply`] with a failure injected, for tests.
#[doc(hidden)]
pub fn apply_with_fault(lock: &OutLock, files: &[GeneratedFile], changes: &[Change], fault: Fault) -> Result<(usize, usize), CodegenError> {
    let mut puts = Vec::new();
    let mut removals = Vec::new();
    for change in changes {
        match change {
            Change::Stale { path, .. } | Change::Missing { path } => {
                let Some(file) = files.iter().find(|f| &f.path == path) else { continue };
                puts.push(writer::Put { path: &file.path, contents: &file.contents, old: matches!(change, Change::Stale { .. }) });
            }
            Change::Extra { path } => removals.push(path.as_str()),
        }
    }
    if puts.is_empty() && removals.is_empty() {
        return Ok((0, 0));
    }
    writer::commit(lock, &puts, &removals, fault)?;
    Ok((puts.len(), removals.len()))
}

/// A whole run on `out`: creates it if need be, takes its lock, undoes an interrupted run, and
/// applies what differs from `files`. Returns (written, removed, what was recovered).
pub fn write_tree(out: &Path, files: &[GeneratedFile]) -> Result<(usize, usize, Vec<PathBuf>), CodegenError> {
    fs::create_dir_all(out).map_err(|e| CodegenError::Write(out.to_path_buf(), e))?;
    let lock = lock_out(out)?;
    let recovered = recover(&lock)?;
    let changes = compare_with(out, files, false)?;
    let (written, removed) = apply(&lock, files, &changes)?;
    Ok((written, removed, recovered))
}

/// The package name `--out`'s folder name gives when `--name` is not given: lowercase ASCII
/// letters and digits, other runs of characters as one `-`, none at either end (cargo refuses a
/// name starting with `-`), and `api-` in front of a name cargo would refuse (empty, starting with
/// a digit, a keyword or a name it reserves).
pub fn package_name_from_folder(folder: &str) -> String {
    const RESERVED: &[&str] = &[
        "std",
        "core",
        "alloc",
        "test",
        "proc-macro",
        "self",
        "super",
        "crate",
        "mod",
        "fn",
        "type",
        "use",
        "impl",
        "struct",
        "enum",
        "trait",
        "match",
        "if",
        "else",
        "for",
        "while",
        "loop",
        "let",
        "const",
        "static",
        "async",
        "await",
        "dyn",
        "move",
        "ref",
        "return",
        "where",
        "unsafe",
        "extern",
        "pub",
        "in",
        "as",
        "break",
        "continue",
        "true",
        "false",
        "try",
        "box",
        "gen",
        "con",
        "prn",
        "aux",
        "nul",
        "build",
        "deps",
        "examples",
        "incremental",
    ];
    let mut name = String::new();
    for c in folder.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_string();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) || RESERVED.contains(&name.as_str()) {
        return format!("api-{name}").trim_end_matches('-').to_string();
    }
    name
}

/// The first `quoted` compiler errors as rustc printed them (for a report of a failed cargo run), and the per-target totals; if there are no
/// compiler errors (say, dependency resolution failed), the end of cargo's output.
pub fn compiler_failure(stderr: &str, quoted: usize) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in stderr.lines() {
        if line.starts_with("error") || line.starts_with("warning") {
            blocks.extend(current.take());
            current = Some(line.to_string());
        } else if line.trim().is_empty() {
            blocks.extend(current.take());
        } else if let Some(block) = &mut current {
            block.push('\n');
            block.push_str(line);
        }
    }
    blocks.extend(current);
    let totals: Vec<&String> = blocks.iter().filter(|b| b.starts_with("error: could not compile")).collect();
    let errors: Vec<&String> = blocks
        .iter()
        .filter(|b| b.starts_with("error") && !b.starts_with("error: could not compile") && !b.starts_with("error: aborting"))
        .collect();
    if errors.is_empty() {
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
        return indent(&tail.join("\n"));
    }
    let mut report = String::new();
    for total in &totals {
        let _ = writeln!(report, "{}", indent(total));
    }
    for error in errors.iter().take(quoted) {
        let _ = writeln!(report, "{}", indent(error));
    }
    if errors.len() > quoted {
        let _ = writeln!(report, "    … and {} more distinct error(s) shown by cargo", errors.len() - quoted);
    }
    report.trim_end().to_string()
}

/// `text` indented by four spaces, to quote it under a line of its own.
fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_from_folders_are_ones_cargo_accepts() {
        assert_eq!(package_name_from_folder("-dash folder"), "dash-folder");
        assert_eq!(package_name_from_folder("My Crate!!"), "my-crate");
        assert_eq!(package_name_from_folder("2024 api"), "api-2024-api");
        assert_eq!(package_name_from_folder("test"), "api-test");
        assert_eq!(package_name_from_folder("---"), "api");
        assert_eq!(package_name_from_folder(""), "api");
        assert_eq!(package_name_from_folder("graph-beta"), "graph-beta");
    }

    #[test]
    fn the_output_a_file_names_leaves_out_the_spec() {
        let standalone = "// Do not edit: regenerate with `cargo xtask codegen --spec a/b.yaml --out clients/a`.";
        assert_eq!(output_named(standalone).as_deref(), Some("cargo xtask codegen --out clients/a"));
        let other_spec = "# Do not edit: regenerate with `cargo xtask codegen --spec c.yaml --out clients/a`.";
        assert_eq!(output_named(other_spec), output_named(standalone));
        let checked_in = "// Do not edit: regenerate with `cargo xtask codegen`.";
        assert_eq!(output_named(checked_in).as_deref(), Some("cargo xtask codegen"));
        let inner = "// Do not edit: regenerate with `cargo xtask codegen --spec a/b.yaml --out clients/a/src`.";
        assert_ne!(output_named(inner), output_named(standalone));
        assert_eq!(output_named("// Do not edit by hand"), None);
    }

    #[test]
    fn generated_paths_stay_inside_the_output_folder() {
        for bad in ["", "/etc/passwd", "../x", "src/../../x", "src//x", "./x", "c:x", "a\\b", "a\nb"] {
            assert!(checked_relative(bad).is_err(), "{bad:?}");
        }
        assert!(checked_relative("src/operations/mod_area.rs").is_ok());
    }

    #[test]
    fn compiler_failures_quote_errors_and_totals() {
        let stderr = "    Checking real-x v0.1.0\nwarning: unused import\n --> src/a.rs:1:5\n\nerror[E0428]: the name `A` is defined multiple times\n --> src/models.rs:3:1\n  |\n3 | pub struct A;\n\nerror: aborting due to 1 previous error\n\nerror: could not compile `real-x` (lib) due to 1 previous error\n";
        let report = compiler_failure(stderr, 4);
        assert!(report.contains("error[E0428]: the name `A` is defined multiple times\n     --> src/models.rs:3:1"), "{report}");
        assert!(report.contains("could not compile `real-x` (lib)"), "{report}");
        assert!(!report.contains("unused import"), "warnings that are not errors are not quoted: {report}");
        assert!(!report.contains("aborting"), "{report}");
    }
}
