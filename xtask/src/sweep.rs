//! `cargo xtask graph-sweep`: every Graph module in spec/graph-modules, and the two merged
//! descriptions of all modules, generated into crates and linted, one crate at a time.
//!
//! The crates are members of one throwaway workspace, target/graph-sweep/Cargo.toml, seeded with
//! the repository's Cargo.lock (the same dependency versions as the checked-in crate) and one
//! target dir, target/graph-sweep/target, so the dependencies build once for all 80 crates (the
//! approach of generator/tests/oai_examples.rs). A crate that fails does not stop the sweep; the
//! command fails at the end, listing each failure with its first compiler errors.

use graph_codegen::Settings;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use xtask::{compiler_failure, generate_from, package_name_from_folder, workspace_root, write_tree};

const USAGE: &str =
    "usage: cargo xtask graph-sweep [--version beta|v1.0|all] [--modules A,B,...] [--merged-only|--no-merged] [--features A,B,...]
       cargo xtask graph-sweep --sample
  --version V     the modules of spec/graph-modules/V (default: all, beta first)
  --modules A,B   only these modules (`Mail`, or `beta/Mail` for one version)
  --merged-only   only the crates of the merged descriptions (target/graph/beta.yaml, target/graph/v1.0.yaml)
  --no-merged     only the modules, one crate each
  --features A,B  the areas checked alone in each merged crate (default: users-todo, users-user, groups-group,
                  teams-team, device-app-management-mobile-app)
  --sample        the fixed sample CI runs: 3 small beta modules, 2 small v1.0 modules, and the area users-todo
                  of the merged beta crate (if its description exists or can be made)
Each module's crate must pass `cargo clippy --all-features -- -D warnings`; each merged crate, clippy with
each sample area alone and (not with --sample) with --all-features (minutes, ~8-10 GB of memory).
The result table is printed and written to target/graph-sweep/RESULT.md (SAMPLE.md for --sample).";

/// The folder of the throwaway workspace, relative to the repository.
const SWEEP_DIR: &str = "target/graph-sweep";
/// The areas each merged crate is checked with alone: a small one (`users-todo`), the one whose
/// types reach nearly everything through navigation properties (`users-user`), and three more of
/// the areas a program is likeliest to start with.
const SAMPLE_AREAS: &[&str] = &["users-todo", "users-user", "groups-group", "teams-team", "device-app-management-mobile-app"];
/// The CI sample: the smallest modules of each version (16-52 KB each), so the stage's time is
/// mostly the dependencies' build.
const SAMPLE_MODULES: &[(GraphVersion, &str)] = &[
    (GraphVersion::Beta, "SchemaExtensions"),
    (GraphVersion::Beta, "ChangeNotifications"),
    (GraphVersion::Beta, "DirectoryObjects"),
    (GraphVersion::V1_0, "SchemaExtensions"),
    (GraphVersion::V1_0, "People"),
];
/// The area of the merged beta crate CI checks: the example of one small area.
const SAMPLE_MERGED_AREA: &str = "users-todo";
/// How many compiler errors each failure quotes.
const QUOTED_ERRORS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GraphVersion {
    Beta,
    V1_0,
}

impl GraphVersion {
    const ALL: [GraphVersion; 2] = [GraphVersion::Beta, GraphVersion::V1_0];

    /// The folder under spec/graph-modules, and the version's name in labels.
    fn dir(self) -> &'static str {
        match self {
            GraphVersion::Beta => "beta",
            GraphVersion::V1_0 => "v1.0",
        }
    }

    /// The package name of the merged crate.
    fn merged_crate(self) -> &'static str {
        match self {
            GraphVersion::Beta => "graph-beta",
            GraphVersion::V1_0 => "graph-v1-0",
        }
    }

    /// Where the slice recipe writes the merged description of all the version's modules.
    fn merged_input(self) -> &'static str {
        match self {
            GraphVersion::Beta => "target/graph/beta.yaml",
            GraphVersion::V1_0 => "target/graph/v1.0.yaml",
        }
    }

    /// The slice recipe that makes `merged_input`.
    fn recipe(self) -> &'static str {
        match self {
            GraphVersion::Beta => "spec/recipes/graph-beta.yaml",
            GraphVersion::V1_0 => "spec/recipes/graph-v1.0.yaml",
        }
    }
}

/// Which crates a run covers besides the modules'.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MergedCrates {
    Include,
    Only,
    Skip,
}

/// Whether a merged crate is also linted whole, with every feature.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WholeCheck {
    AllFeatures,
    Skip,
}

/// A run of every selected module, or the fixed CI sample.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Sweep,
    Sample,
}

impl Scope {
    fn result_file(self) -> &'static str {
        match self {
            Scope::Sweep => "RESULT.md",
            Scope::Sample => "SAMPLE.md",
        }
    }
}

struct Options {
    versions: Vec<GraphVersion>,
    /// `Mail` or `beta/Mail`; empty for every module.
    modules: Vec<String>,
    merged: MergedCrates,
    areas: Vec<String>,
    whole: WholeCheck,
    scope: Scope,
}

/// One crate to generate and check.
enum Job {
    Module { version: GraphVersion, name: String, spec: PathBuf },
    Merged { version: GraphVersion, areas: Vec<String>, whole: WholeCheck },
}

impl Job {
    fn label(&self) -> String {
        match self {
            Job::Module { version, name, .. } => format!("{}/{name}", version.dir()),
            Job::Merged { version, .. } => format!("{} (merged)", version.dir()),
        }
    }
}

/// How one check ended.
enum Outcome {
    Passed,
    Failed(String),
}

/// One line of the result table: a module's crate, or one check of a merged crate.
struct Row {
    label: String,
    /// What was run, such as `clippy --all-features`.
    check: String,
    generated: Option<Generation>,
    check_time: Option<Duration>,
    peak_kib: Option<u64>,
    outcome: Outcome,
}

#[derive(Clone, Copy)]
struct Generation {
    operations: usize,
    types: usize,
    bytes: u64,
    time: Duration,
}

pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse_options(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    let jobs = match plan_jobs(&options, &root) {
        Ok(jobs) => jobs,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut workspace = match Workspace::create(&root) {
        Ok(workspace) => workspace,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "graph-sweep: {} crate(s) in {} (one target dir; the first check also builds the dependencies)",
        jobs.len(),
        workspace.dir.display()
    );
    let mut progress = Progress::new(jobs.len());
    let mut rows = Vec::new();
    for job in &jobs {
        progress.begin(&job.label());
        let job_rows = match job {
            Job::Module { version, name, spec } => vec![sweep_module(&mut workspace, &mut progress, *version, name, spec)],
            Job::Merged { version, areas, whole } => sweep_merged(&mut workspace, &mut progress, &root, *version, areas, *whole),
        };
        progress.end();
        rows.extend(job_rows);
    }
    report(&rows, &options, &workspace, progress.started.elapsed(), args)
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        versions: GraphVersion::ALL.to_vec(),
        modules: Vec::new(),
        merged: MergedCrates::Include,
        areas: SAMPLE_AREAS.iter().map(|a| a.to_string()).collect(),
        whole: WholeCheck::AllFeatures,
        scope: Scope::Sweep,
    };
    let list = |value: Option<&String>, flag: &str| -> Result<Vec<String>, String> {
        let items: Vec<String> =
            value.map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()).unwrap_or_default();
        if items.is_empty() {
            return Err(format!("{flag} takes a comma-separated list"));
        }
        Ok(items)
    };
    let mut narrowed = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--version" => {
                options.versions = match it.next().map(String::as_str) {
                    Some("beta") => vec![GraphVersion::Beta],
                    Some("v1.0") => vec![GraphVersion::V1_0],
                    Some("all") => GraphVersion::ALL.to_vec(),
                    _ => return Err("--version takes beta, v1.0 or all".to_string()),
                };
                narrowed = true;
            }
            "--modules" => {
                options.modules = list(it.next(), "--modules")?;
                narrowed = true;
            }
            "--features" => {
                options.areas = list(it.next(), "--features")?;
                narrowed = true;
            }
            "--merged-only" => options.merged = MergedCrates::Only,
            "--no-merged" => options.merged = MergedCrates::Skip,
            "--sample" => options.scope = Scope::Sample,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.scope == Scope::Sample {
        if narrowed || options.merged != MergedCrates::Include {
            return Err("--sample is a fixed selection; it takes no other option".to_string());
        }
        options.areas = vec![SAMPLE_MERGED_AREA.to_string()];
        options.whole = WholeCheck::Skip;
    }
    Ok(options)
}

/// The crates of the run, in order: the modules of each version, then the merged crates.
fn plan_jobs(options: &Options, root: &Path) -> Result<Vec<Job>, String> {
    let mut jobs = Vec::new();
    if options.merged != MergedCrates::Only {
        let mut unmatched = options.modules.clone();
        for &version in &options.versions {
            for (name, spec) in list_modules(root, version)? {
                let wanted = match options.scope {
                    Scope::Sample => SAMPLE_MODULES.contains(&(version, name.as_str())),
                    Scope::Sweep => options.modules.is_empty() || options.modules.iter().any(|m| module_matches(m, version, &name)),
                };
                unmatched.retain(|m| !module_matches(m, version, &name));
                if wanted {
                    jobs.push(Job::Module { version, name, spec });
                }
            }
        }
        if !unmatched.is_empty() {
            return Err(format!("no module {} in spec/graph-modules/{{beta,v1.0}} for the versions chosen", unmatched.join(", ")));
        }
    }
    if options.merged != MergedCrates::Skip {
        for &version in &options.versions {
            // The sample checks the merged beta crate only: one small area is what CI has time for.
            if options.scope == Scope::Sample && version != GraphVersion::Beta {
                continue;
            }
            jobs.push(Job::Merged { version, areas: options.areas.clone(), whole: options.whole });
        }
    }
    Ok(jobs)
}

/// `Mail` matches the module in every version; `beta/Mail` only beta's. Case-insensitive.
fn module_matches(wanted: &str, version: GraphVersion, name: &str) -> bool {
    match wanted.split_once('/') {
        Some((v, n)) => v.eq_ignore_ascii_case(version.dir()) && n.eq_ignore_ascii_case(name),
        None => wanted.eq_ignore_ascii_case(name),
    }
}

/// The version's modules (`*.yml` in spec/graph-modules/VERSION), sorted by name.
fn list_modules(root: &Path, version: GraphVersion) -> Result<Vec<(String, PathBuf)>, String> {
    let dir = root.join("spec/graph-modules").join(version.dir());
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut modules: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.strip_suffix(".yml")?.to_string();
            Some((name, path))
        })
        .collect();
    modules.sort();
    Ok(modules)
}

/// The throwaway workspace: its folder, its target dir, and the members written so far.
struct Workspace {
    dir: PathBuf,
    target_dir: PathBuf,
    members: Vec<String>,
}

impl Workspace {
    /// Creates the folder and seeds it with the repository's Cargo.lock, anew each run so the
    /// dependency versions are the repository's (cargo adds the members' own entries).
    fn create(root: &Path) -> Result<Workspace, String> {
        let dir = root.join(SWEEP_DIR);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| format!("cannot seed {}/Cargo.lock: {e}", dir.display()))?;
        let workspace = Workspace { target_dir: dir.join("target"), dir, members: Vec::new() };
        workspace.write_manifest()?;
        Ok(workspace)
    }

    /// Adds a generated crate (its folder relative to the workspace) as a member. Members are
    /// added as they are generated, so cargo never sees a member whose folder does not exist.
    fn add_member(&mut self, folder: &str) -> Result<(), String> {
        if !self.members.iter().any(|m| m == folder) {
            self.members.push(folder.to_string());
        }
        self.write_manifest()
    }

    fn write_manifest(&self) -> Result<(), String> {
        let members: Vec<String> = self.members.iter().map(|m| format!("    {m:?},\n")).collect();
        let text = format!(
            "# Written by `cargo xtask graph-sweep`: the crates of its last run, linted with one lock file\n\
             # and one target dir. Throwaway; nothing reads it afterwards.\n\
             [workspace]\nresolver = \"2\"\nmembers = [\n{}]\n",
            members.concat()
        );
        let path = self.dir.join("Cargo.toml");
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// `cargo ARGS` in the workspace, measured. Not incremental: the figures are a first build's,
    /// as a crate from a registry builds, and 80 crates' incremental caches would fill the disk.
    fn cargo(&self, args: &[&str]) -> io::Result<Measured> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(&self.dir)
            .args(args)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("CARGO_TERM_COLOR", "never")
            .env("CARGO_INCREMENTAL", "0");
        run_measured(&mut command)
    }
}

/// Generates one module's crate into the workspace and runs clippy on it with every feature.
fn sweep_module(workspace: &mut Workspace, progress: &mut Progress, version: GraphVersion, name: &str, spec: &Path) -> Row {
    let crate_name = package_name_from_folder(&format!("graph-{}-{name}", version.dir()));
    let folder = format!("{}/{crate_name}", version.dir());
    let mut row = Row::new(format!("{}/{name}", version.dir()), "clippy --all-features");
    let spec_path = format!("spec/graph-modules/{}/{name}.yml", version.dir());
    let generated = generate_member(workspace, spec, &spec_path, &crate_name, &folder);
    match generated {
        Ok((generation, _)) => {
            progress.step(&format!("generated {}", seconds(generation.time)));
            row.generated = Some(generation);
        }
        Err(message) => {
            progress.step("generation FAILED");
            row.outcome = Outcome::Failed(message);
            return row;
        }
    }
    lint(workspace, progress, &mut row, &Member { name: &crate_name, folder: &folder }, Features::All, "clippy");
    row
}

/// The merged crate of a version: generated from target/graph/VERSION.yaml (made by the slice
/// recipe), then clippy with each area alone and, unless skipped, with every feature.
fn sweep_merged(
    workspace: &mut Workspace,
    progress: &mut Progress,
    root: &Path,
    version: GraphVersion,
    areas: &[String],
    whole: WholeCheck,
) -> Vec<Row> {
    let label = format!("{} (merged)", version.dir());
    let crate_name = version.merged_crate();
    let input = match merged_input(root, version) {
        Ok(input) => input,
        Err(why) => {
            progress.step("slice FAILED");
            let mut row = Row::new(label, "generate");
            row.outcome = Outcome::Failed(why);
            return vec![row];
        }
    };
    let folder = format!("merged/{crate_name}");
    let (generation, features) = match generate_member(workspace, &input, version.merged_input(), crate_name, &folder) {
        Ok(made) => made,
        Err(message) => {
            progress.step("generation FAILED");
            let mut row = Row::new(label, "generate");
            row.outcome = Outcome::Failed(message);
            return vec![row];
        }
    };
    progress.step(&format!("generated {} ({})", seconds(generation.time), megabytes(generation.bytes)));
    let mut rows = Vec::new();
    for area in areas {
        let mut row = Row::new(label.clone(), &format!("clippy client,{area}"));
        if rows.is_empty() {
            row.generated = Some(generation);
        }
        if features.iter().any(|f| f == area) {
            lint(workspace, progress, &mut row, &Member { name: crate_name, folder: &folder }, Features::Area(area), area);
        } else {
            progress.step(&format!("{area} FAILED (no such feature)"));
            row.outcome = Outcome::Failed(format!("the generated crate has no area `{area}`; its areas: {}", some_names(&features)));
        }
        rows.push(row);
    }
    if whole == WholeCheck::AllFeatures {
        let mut row = Row::new(label, "clippy --all-features");
        // The whole of a merged crate takes minutes: say what is running before it ends.
        progress.step("all features (the whole crate: minutes, ~8-10 GB of memory)...");
        lint(workspace, progress, &mut row, &Member { name: crate_name, folder: &folder }, Features::All, "");
        rows.push(row);
    }
    rows
}

/// The merged description of `version`: the file the slice recipe writes, made anew (it is
/// rewritten only when its bytes differ), so a changed module never meets a stale merge.
fn merged_input(root: &Path, version: GraphVersion) -> Result<PathBuf, String> {
    let input = root.join(version.merged_input());
    make_merged_input(root, version)?;
    if input.is_file() {
        Ok(input)
    } else {
        Err(format!("the recipe {} ran but did not write {}", version.recipe(), version.merged_input()))
    }
}

/// Runs the version's slice recipe, which writes `version.merged_input()`: the same code path as
/// `cargo xtask slice RECIPE`.
fn make_merged_input(root: &Path, version: GraphVersion) -> Result<(), String> {
    xtask::slice::run(root, &root.join(version.recipe()), false).map(|_| ()).map_err(|e| e.to_string())
}

/// Generates the crate of `spec` into the workspace folder `folder` and adds it as a member;
/// the time covers generating and writing.
/// With the crate's area features.
fn generate_member(
    workspace: &mut Workspace,
    spec: &Path,
    spec_path: &str,
    crate_name: &str,
    folder: &str,
) -> Result<(Generation, Vec<String>), String> {
    let settings = Settings {
        crate_name: crate_name.to_string(),
        crate_version: "0.1.0".to_string(),
        spec_path: spec_path.to_string(),
        command: "cargo xtask graph-sweep".to_string(),
        // A member of the throwaway workspace, so no `[workspace]` table of its own.
        standalone: false,
        runtime: xtask::shared_runtime_for(&workspace.dir.join(folder)),
    };
    let started = Instant::now();
    let generated = generate_from(spec, &settings).map_err(|e| first_lines(&e.to_string(), QUOTED_ERRORS + 1))?;
    write_tree(&workspace.dir.join(folder), &generated.files).map_err(|e| e.to_string())?;
    let time = started.elapsed();
    workspace.add_member(folder)?;
    let bytes = generated.files.iter().map(|f| f.contents.len() as u64).sum();
    Ok((Generation { operations: generated.operations, types: generated.types, bytes, time }, generated.areas))
}

/// A generated crate of the workspace: its package name and its folder there.
struct Member<'a> {
    name: &'a str,
    folder: &'a str,
}

/// The features a lint enables.
#[derive(Clone, Copy)]
enum Features<'a> {
    All,
    /// One area with the client, as a program that needs that area builds it.
    Area(&'a str),
}

/// `cargo clippy` of one member with `features` and `-D warnings`, its time, peak memory and
/// outcome recorded in `row`; `what` names it in the progress line (empty: the step already
/// printed says what it is). The crate's root is touched first, so clippy lints it even when an
/// earlier sweep left it up to date, and its time is this run's.
fn lint(workspace: &Workspace, progress: &mut Progress, row: &mut Row, member: &Member<'_>, features: Features<'_>, what: &str) {
    let selected;
    let mut args = vec!["clippy", "-p", member.name];
    match features {
        Features::All => args.push("--all-features"),
        Features::Area(area) => {
            selected = format!("client,{area}");
            args.extend(["--no-default-features", "--features", &selected]);
        }
    }
    args.extend(["--", "-D", "warnings"]);
    let run = touch_crate_root(&workspace.dir.join(member.folder)).and_then(|()| workspace.cargo(&args));
    match run {
        Ok(run) => {
            row.check_time = Some(run.wall);
            row.peak_kib = run.peak_kib;
            let verdict = if run.status.success() { "ok" } else { "FAILED" };
            let text = format!("{verdict} {}", seconds(run.wall));
            match what {
                "" => progress.append(&format!(" {text}")),
                _ => progress.step(&format!("{what} {text}")),
            }
            if !run.status.success() {
                row.outcome = Outcome::Failed(compiler_failure(&run.stderr, QUOTED_ERRORS));
            }
        }
        Err(e) => {
            progress.step(&format!("{what} FAILED to start"));
            row.outcome = Outcome::Failed(format!("cannot run cargo: {e}"));
        }
    }
}

impl Row {
    fn new(label: String, check: &str) -> Row {
        Row { label, check: check.to_string(), generated: None, check_time: None, peak_kib: None, outcome: Outcome::Passed }
    }
}

/// Prints the summary, writes it as markdown, lists the failures; fails if any check failed.
fn report(rows: &[Row], options: &Options, workspace: &Workspace, elapsed: Duration, args: &[String]) -> ExitCode {
    let table = render_table(rows);
    let failed: Vec<&Row> = rows.iter().filter(|r| matches!(r.outcome, Outcome::Failed(_))).collect();
    let passed = rows.len() - failed.len();
    let command = format!("cargo xtask graph-sweep {}", args.join(" "));
    let summary = format!("{passed} passed, {} failed, in {}", failed.len(), clock(elapsed));
    let mut markdown = String::new();
    let _ = writeln!(markdown, "# graph-sweep result\n");
    let _ = writeln!(markdown, "`{}`, {}: {summary}.\n", command.trim_end(), toolchain());
    markdown.push_str(&table);
    println!();
    println!("{table}");
    println!("graph-sweep: {summary}");
    let result = workspace.dir.join(options.scope.result_file());
    match fs::write(&result, &markdown) {
        Ok(()) => println!("graph-sweep: the table is in {}", result.display()),
        Err(e) => eprintln!("error: cannot write {}: {e}", result.display()),
    }
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!("\nerror: {} check(s) failed:", failed.len());
    for row in &failed {
        if let Outcome::Failed(why) = &row.outcome {
            eprintln!("- {} ({}):\n{why}", row.label, row.check);
        }
    }
    ExitCode::FAILURE
}

/// The result table as markdown, one row per check.
fn render_table(rows: &[Row]) -> String {
    let mut table = String::from("| module | check | operations | types | output | generate | check time | peak memory | result |\n");
    table.push_str("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for row in rows {
        let (operations, types, bytes, time) = match &row.generated {
            Some(g) => (g.operations.to_string(), g.types.to_string(), megabytes(g.bytes), seconds(g.time)),
            None => Default::default(),
        };
        let result = match &row.outcome {
            Outcome::Passed => "ok",
            Outcome::Failed(_) => "FAILED",
        };
        let _ = writeln!(
            table,
            "| {} | {} | {operations} | {types} | {bytes} | {time} | {} | {} | {result} |",
            row.label,
            row.check,
            row.check_time.map(seconds).unwrap_or_default(),
            row.peak_kib.map(gibibytes).unwrap_or_default()
        );
    }
    table
}

/// `rustc --version`, for the result's heading; the figures depend on it.
fn toolchain() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "rustc (version unknown)".to_string())
}

/// Cargo-style progress: `[12/80] beta/Mail: generated 1.9 s, clippy ok 41.2 s (elapsed 9m12s)`,
/// each step printed as it ends so a long check shows what it is waiting for.
struct Progress {
    total: usize,
    done: usize,
    steps: usize,
    started: Instant,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress { total, done: 0, steps: 0, started: Instant::now() }
    }

    fn begin(&mut self, label: &str) {
        self.done += 1;
        self.steps = 0;
        print!("[{}/{}] {label}: ", self.done, self.total);
        let _ = io::stdout().flush();
    }

    fn step(&mut self, text: &str) {
        if self.steps > 0 {
            print!(", ");
        }
        self.steps += 1;
        print!("{text}");
        let _ = io::stdout().flush();
    }

    /// Continues the last step, as its result.
    fn append(&self, text: &str) {
        print!("{text}");
        let _ = io::stdout().flush();
    }

    fn end(&self) {
        println!(" (elapsed {})", clock(self.started.elapsed()));
    }
}

/// A child process's end: its status, wall time, peak memory and what it printed on stderr.
pub(crate) struct Measured {
    pub status: ExitStatus,
    pub wall: Duration,
    /// The largest resident set of the child and of every descendant it waited for (cargo waits
    /// for each rustc), in KiB; None where the platform does not say.
    pub peak_kib: Option<u64>,
    pub stderr: String,
}

/// Runs `command` to its end with stdout discarded and stderr kept, measuring it.
pub(crate) fn run_measured(command: &mut Command) -> io::Result<Measured> {
    let started = Instant::now();
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn()?;
    // Read on a thread, so a child that fills the pipe is not blocked while this one waits.
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = stderr {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let (status, peak_kib) = wait_with_peak(&mut child)?;
    let wall = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    Ok(Measured { status, wall, peak_kib, stderr })
}

/// Waits for `child` with wait4, whose rusage holds the peak resident set of the child and of
/// its waited-for descendants: rustc's, not just cargo's. (/proc's VmHWM is only a live process's own.)
#[cfg(unix)]
fn wait_with_peak(child: &mut std::process::Child) -> io::Result<(ExitStatus, Option<u64>)> {
    use std::os::unix::process::ExitStatusExt as _;
    let pid = libc::pid_t::try_from(child.id()).map_err(|_| io::Error::other("process id out of range"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is a plain C struct, for which all zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is this process's child, not yet waited for (std's Child is not waited
        // on after this); `status` and `usage` are valid for writes.
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if waited == pid {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    // Linux reports ru_maxrss in KiB.
    Ok((ExitStatus::from_raw(status), u64::try_from(usage.ru_maxrss).ok()))
}

#[cfg(not(unix))]
fn wait_with_peak(child: &mut std::process::Child) -> io::Result<(ExitStatus, Option<u64>)> {
    Ok((child.wait()?, None))
}

/// Sets the modification time of the crate at `dir`'s `src/lib.rs` to now, so cargo checks the
/// crate again (and only it: its dependencies stay built).
pub(crate) fn touch_crate_root(dir: &Path) -> io::Result<()> {
    fs::File::options().append(true).open(dir.join("src/lib.rs")).and_then(|f| f.set_modified(std::time::SystemTime::now()))
}

/// The first few of `names`, for a message that must stay one line.
fn some_names(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut text = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        let _ = write!(text, " and {} more", names.len() - SHOWN);
    }
    text
}

/// The first `n` lines of `text`, and how many were left out.
fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut shown = lines.iter().take(n).map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n");
    if lines.len() > n {
        let _ = write!(shown, "\n    … and {} more line(s)", lines.len() - n);
    }
    shown
}

/// `41.2 s`; under a second, `0.04 s`, so a fast generation does not read as none.
pub(crate) fn seconds(d: Duration) -> String {
    match d.as_secs_f64() {
        s if s < 1.0 => format!("{s:.2} s"),
        s => format!("{s:.1} s"),
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub(crate) fn gibibytes(kib: u64) -> String {
    format!("{:.2} GiB", kib as f64 / f64::from(1u32 << 20))
}

/// `9m12s`, `1h02m05s`: the elapsed time as cargo users read it.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn modules_match_by_name_or_by_version_and_name() {
        assert!(module_matches("mail", GraphVersion::Beta, "Mail"));
        assert!(module_matches("beta/Mail", GraphVersion::Beta, "Mail"));
        assert!(!module_matches("v1.0/Mail", GraphVersion::Beta, "Mail"));
        assert!(!module_matches("Mai", GraphVersion::Beta, "Mail"));
    }

    #[test]
    fn the_sample_takes_no_other_option_and_skips_the_whole_check() {
        let sample = parse_options(&args(&["--sample"])).ok().map(|o| (o.areas, o.whole == WholeCheck::Skip));
        assert_eq!(sample, Some((vec![SAMPLE_MERGED_AREA.to_string()], true)));
        assert!(parse_options(&args(&["--sample", "--version", "beta"])).is_err());
        assert!(parse_options(&args(&["--modules"])).is_err());
        assert!(parse_options(&args(&["--version", "v2"])).is_err());
    }

    #[test]
    fn the_plan_names_unknown_modules_and_puts_merged_crates_last() {
        let root = workspace_root();
        let mut options = parse_options(&args(&["--modules", "People,beta/SchemaExtensions"])).unwrap_or_else(|e| panic!("{e}"));
        let labels: Vec<String> = plan_jobs(&options, &root).unwrap_or_else(|e| panic!("{e}")).iter().map(Job::label).collect();
        assert_eq!(labels, ["beta/People", "beta/SchemaExtensions", "v1.0/People", "beta (merged)", "v1.0 (merged)"]);
        options.modules = vec!["Nope".to_string()];
        assert!(plan_jobs(&options, &root).is_err_and(|e| e.contains("Nope")));
        let sample = parse_options(&args(&["--sample"])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan_jobs(&sample, &root).map(|jobs| jobs.len()).ok(), Some(SAMPLE_MODULES.len() + 1));
    }

    #[test]
    fn elapsed_times_read_as_cargo_prints_them() {
        assert_eq!(clock(Duration::from_secs(552)), "9m12s");
        assert_eq!(clock(Duration::from_secs(3725)), "1h02m05s");
    }
}
