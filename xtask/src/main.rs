//! `cargo xtask`: the project's developer commands (see README.md).

mod bench;
#[cfg(feature = "decode-bench")]
mod decode;
mod names;
mod sweep;

// The generator allocates many small strings and vectors, and glibc's allocator spent about a
// third of a module run in malloc and free (perf); mimalloc cuts each stage by 10-20%. The
// library leaves the choice of allocator to its binaries.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use graph_codegen::{Generated, Runtime};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use xtask::{
    compare, generate_from, leftovers, lock_out_shared, package_name_from_folder, shared_runtime_for, workspace_root, workspace_settings,
    write_tree, Change, CodegenError, OUT, SPEC,
};

const USAGE: &str = "usage:
  cargo xtask codegen                         regenerate generated/ from spec/openapi.yaml
  cargo xtask codegen --check                 change nothing; fail if generated/ is stale
  cargo xtask codegen --spec FILE --out DIR   generate a complete crate from any spec
      [--name CRATE]                          package name (default: the folder's name)
      [--runtime vendored|shared]             vendored (default): a copy of the runtime in
                                              DIR/graph-runtime, so DIR builds anywhere; shared:
                                              a path dependency on this workspace's runtime/
  cargo xtask bench [--help]                  print the generator's speed on spec/graph
  cargo xtask slice RECIPE                    cut and merge descriptions as RECIPE says (e.g.
                                              spec/recipes/openapi.yaml); writes its `out`
  cargo xtask slice RECIPE --check            change nothing; fail, with a diff, if `out` is stale
  cargo xtask graph-sweep [--help]            generate every Graph module (and the merged descriptions) and lint the crates
  cargo xtask names [--list N]                count numbered and unreadable operation names across the Graph modules";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => codegen(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("slice") => slice(&args[1..]),
        Some("graph-sweep") => sweep::run(&args[1..]),
        Some("names") => names::run(&args[1..]),
        // Internal: one input measured in a fresh process, for `bench`.
        Some("bench-one") => bench::one(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn codegen(args: &[String]) -> ExitCode {
    let mut check = false;
    let mut spec: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut name: Option<String> = None;
    let mut runtime: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--spec" => spec = it.next().map(PathBuf::from),
            "--out" => out = it.next().map(PathBuf::from),
            "--name" => name = it.next().cloned(),
            "--runtime" => runtime = it.next().cloned(),
            other => {
                eprintln!("error: unknown argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let root = workspace_root();
    let mut settings = workspace_settings();
    let (spec_path, out_dir) = match (spec, out) {
        (None, None) => (root.join(SPEC), root.join(OUT)),
        (Some(spec), Some(out)) => {
            settings.spec_path = spec.display().to_string();
            settings.command = format!("cargo xtask codegen --spec {} --out {}", spec.display(), out.display());
            settings.standalone = true;
            settings.runtime = match runtime.as_deref() {
                None | Some("vendored") => Runtime::Vendored,
                Some("shared") => shared_runtime_for(&out),
                Some(other) => {
                    eprintln!("error: --runtime {other:?}: say `vendored` or `shared`\n{USAGE}");
                    return ExitCode::from(2);
                }
            };
            settings.crate_name = match name {
                Some(name) if valid_package_name(&name) => name,
                Some(name) => {
                    eprintln!("error: --name {name:?} is not a cargo package name: use ASCII letters, digits, `-` and `_`, starting with a letter");
                    return ExitCode::from(2);
                }
                None => package_name_from_folder(&out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
            };
            (spec, out)
        }
        _ if runtime.is_some() => {
            eprintln!("error: --runtime goes with --spec and --out (generated/ uses the workspace's runtime)\n{USAGE}");
            return ExitCode::from(2);
        }
        _ => {
            eprintln!("error: --spec and --out go together\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let started = Instant::now();
    let generated = match generate_from(&spec_path, &settings) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for w in &generated.warnings {
        eprintln!("{w}");
    }
    if check {
        return check_tree(&out_dir, &generated, started);
    }
    match write_tree(&out_dir, &generated.files) {
        Ok((written, removed, recovered)) => {
            for path in recovered {
                eprintln!("codegen: undid what an interrupted run left: {}", path.display());
            }
            println!(
                "codegen: {} types, {} operations, {written} files written, {removed} removed, {} unchanged, {:.2?}",
                generated.types,
                generated.operations,
                generated.files.len() - written,
                started.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `--check`: changes nothing, and fails on a stale tree, on one an interrupted run left (even if
/// its files happen to match), and while another run is writing it.
fn check_tree(out_dir: &Path, generated: &Generated, started: Instant) -> ExitCode {
    let result = (|| {
        // Held shared until the end, so no run starts writing while the tree is read.
        let _lock = if out_dir.exists() { lock_out_shared(out_dir)? } else { None };
        let interrupted = |left: Vec<PathBuf>| if left.is_empty() { Ok(()) } else { Err(CodegenError::Interrupted(left)) };
        interrupted(leftovers(out_dir))?;
        let changes = compare(out_dir, &generated.files)?;
        interrupted(leftovers(out_dir))?;
        Ok::<_, CodegenError>(changes)
    })();
    let changes = match result {
        Ok(changes) => changes,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for change in &changes {
        match change {
            Change::Stale { path, diff } => eprintln!("stale: {}/{path}\n{diff}", out_dir.display()),
            Change::Missing { path } => eprintln!("missing: {}/{path}", out_dir.display()),
            Change::Extra { path } => eprintln!("extra: {}/{path} (generated, but no longer produced)", out_dir.display()),
        }
    }
    if changes.is_empty() {
        println!(
            "codegen --check: {} is up to date ({} types, {} operations, {} files, {:.2?})",
            out_dir.display(),
            generated.types,
            generated.operations,
            generated.files.len(),
            started.elapsed()
        );
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {} file(s) differ from what `cargo xtask codegen` generates; run it and commit the result", changes.len());
    ExitCode::FAILURE
}

/// The most repeated-operationId warnings printed one by one; the rest are counted.
const MAX_SHOWN_WARNINGS: usize = 20;

/// `slice RECIPE [--check]`: runs the recipe, prints its warnings and one summary line.
fn slice(args: &[String]) -> ExitCode {
    let (mut recipe, mut check) = (None, false);
    for arg in args {
        match arg.as_str() {
            "--check" => check = true,
            other if recipe.is_none() && !other.starts_with('-') => recipe = Some(PathBuf::from(other)),
            other => {
                eprintln!("error: unexpected argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(recipe) = recipe else {
        eprintln!("error: name the recipe file\n{USAGE}");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let outcome = match xtask::slice::run(&workspace_root(), &recipe, check) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for w in outcome.warnings.iter().take(MAX_SHOWN_WARNINGS) {
        eprintln!("warning: {w}");
    }
    if outcome.warnings.len() > MAX_SHOWN_WARNINGS {
        eprintln!(
            "warning: … and {} more operationIds repeated (the generator numbers their names)",
            outcome.warnings.len() - MAX_SHOWN_WARNINGS
        );
    }
    let components: Vec<String> = outcome.stats.components.iter().map(|(section, n)| format!("{n} {section}")).collect();
    let what = if check {
        "up to date"
    } else if outcome.written {
        "written"
    } else {
        "unchanged"
    };
    println!(
        "slice: {} {what}: {} bytes, {} paths, {} operations, components: {}, {:.2?}",
        outcome.out,
        outcome.bytes,
        outcome.stats.paths,
        outcome.stats.operations,
        if components.is_empty() { "none".to_string() } else { components.join(", ") },
        started.elapsed()
    );
    ExitCode::SUCCESS
}

/// Cargo's rule for a package name, as far as `--name` needs it.
fn valid_package_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
