//! graph-codegen: OpenAPI descriptions (Microsoft Graph first) to a typed Rust client crate.
//!
//! The pipeline is `load` (text to `openapiv3`), `lower` (to the IR in `ir`), `emit` (IR to Rust
//! tokens, built with `quote!`) and `render` (`syn` parses them, prettyplease prints them, and the
//! files get their headers). [`generate`] runs it all and returns the files of a crate; it never writes anything.

pub mod areas;
pub mod diagnostics;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod names;
pub mod render;

pub use diagnostics::{Diagnostic, Severity};

/// The README's Rust examples, compiled (and run where they are not `no_run`) by `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// What to generate and how to label it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The package name of the generated crate.
    pub crate_name: String,
    pub crate_version: String,
    /// How the spec is named in file headers and diagnostics, such as `spec/openapi.yaml`.
    pub spec_path: String,
    /// The command that regenerates the files, named in their headers.
    pub command: String,
    /// Adds an empty `[workspace]` so the crate builds on its own anywhere.
    pub standalone: bool,
    /// Where the crate takes the runtime (client, request machinery, paging, values) from.
    pub runtime: Runtime,
}

/// Where a generated crate takes the runtime crate (`runtime/` in this workspace) from. The
/// emitted code is the same either way: it names the runtime as `graph_runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// A path dependency on the runtime crate, the path relative to the generated crate and
    /// `/`-separated (`../runtime` for `generated/`): every crate of a workspace shares one runtime.
    Path(String),
    /// A copy of the runtime inside the crate, as a crate of its own in `graph-runtime/`, so that
    /// the crate builds with nothing beside it (until the runtime is published).
    Vendored,
}

/// One file of the generated crate; `path` is relative to the crate root, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

#[derive(Debug, Clone)]
pub struct Generated {
    pub files: Vec<GeneratedFile>,
    /// Warnings: what was left out or approximated, with where.
    pub warnings: Vec<Diagnostic>,
    pub types: usize,
    pub operations: usize,
    /// The crate's area features, one per tag (empty for a crate of one area); model groups'
    /// features (`model-…`) are not areas, and no area feature starts with `model-`.
    pub areas: Vec<String>,
}

/// Generates the crate for the spec `text`. On failure, returns every diagnostic (errors and
/// warnings), each located in the spec where that can be recovered.
pub fn generate(text: &str, settings: &Settings) -> Result<Generated, Vec<Diagnostic>> {
    // One pass over the text locates every diagnostic, however many there are.
    let locate = |mut diags: Vec<Diagnostic>| {
        // A schema lowered in several places says the same thing each time; once is enough.
        let mut seen = std::collections::HashSet::new();
        diags.retain(|d| seen.insert((d.severity, d.pointer.clone(), d.message.clone())));
        let pointers: Vec<&str> = diags.iter().filter(|d| d.line.is_none()).map(|d| d.pointer.as_str()).collect();
        let mut places = load::locate_nearest(text, &pointers).into_iter();
        for d in &mut diags {
            d.file = settings.spec_path.clone();
            if d.line.is_none() {
                if let Some((line, column)) = places.next().flatten() {
                    d.line = Some(line);
                    d.column = Some(column);
                }
            }
        }
        diagnostics::fold_repeated_warnings(diags)
    };
    let mut loaded = load::load(text, Some(&settings.spec_path)).map_err(locate)?;
    let (api, lowered) = lower::lower_api(&mut loaded.doc);
    // `lower` names nodes of the document as read; a 3.1 description's were rewritten, and the
    // user looks for them where they were written.
    let mut diags = loaded.warnings;
    diags.extend(lowered.into_iter().map(|mut d| {
        d.pointer = loaded.origins.original(&d.pointer);
        d
    }));
    drop(loaded.doc);
    // `lower` decided the default root (the server's, Graph's for a cut of Graph, or none).
    let base_url = api.default_base_url.clone().unwrap_or_default();
    if diags.iter().any(Diagnostic::is_error) {
        return Err(locate(diags));
    }
    let crate_settings = emit::CrateSettings {
        crate_name: &settings.crate_name,
        crate_version: &settings.crate_version,
        standalone: settings.standalone,
        runtime: &settings.runtime,
        base_url: &base_url,
    };
    let internal = |message: String| locate(vec![Diagnostic::error("", format!("internal generator error: {message}"))
        .help("please report this with the spec that caused it")]);
    let plan = emit::plan_crate(&api, &settings.runtime);
    let areas = plan.area_features();
    // Emitting, parsing and printing are most of the work; each part is done whole on one of the
    // pool's threads, and the results come back in plan order, so the output does not depend on
    // scheduling.
    let render_one = |part: &emit::Part| emit::emit_part(&api, &crate_settings, &plan, part).and_then(render::render_part);
    let rendered: Vec<Result<render::RenderedPart, String>> = match render_pool() {
        Some(pool) => pool.install(|| plan.parts.par_iter().map(render_one).collect()),
        None => plan.parts.iter().map(render_one).collect(),
    };
    let sha = sha256_hex(text.as_bytes());
    // The spec's path and the command come from the command line, and a line break in either
    // would end the header's comment and put the rest into the file as TOML or Rust.
    let (spec_path, command) = (one_line(&settings.spec_path), one_line(&settings.command));
    let header = render::Header { spec_path: &spec_path, spec_sha256: &sha, command: &command };
    let parts = rendered.into_iter().collect::<Result<Vec<_>, String>>().map_err(internal)?;
    let files = render::assemble_files(parts, &header).into_iter().map(|(path, contents)| GeneratedFile { path, contents }).collect();
    Ok(Generated { files, warnings: locate(diags), types: api.types.len(), operations: api.operations.len(), areas })
}

/// The pool that emits and prints parts, built once per process. Printing a deeply nested item
/// recurses, so its threads get the main thread's stack size rather than rayon's 2 MiB. None when
/// no thread could be started; the parts are then done on the calling thread.
fn render_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| rayon::ThreadPoolBuilder::new().stack_size(8 << 20).thread_name(|i| format!("graph-codegen-{i}")).build().ok())
        .as_ref()
}

/// Characters that may not stand as they are in a one-line comment: control characters (a line
/// break ends the comment; TOML refuses the others) and the bidirectional overrides and isolates,
/// which rustc refuses in comments (`text_direction_codepoint_in_comment`).
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character [`needs_escape`] names written as a `\u{..}` escape, so it fits on
/// one comment line whatever it holds.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `line` (without its line break) is, exactly, the first line of a file the generator
/// writes: `// @generated by graph-codegen from SPEC (sha256 HEX).`, or the same after `#` in
/// TOML. Ownership of a file is decided with it, so a file that merely mentions the marker, or
/// carries it further down, is not the generator's.
pub fn is_header_first_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("// ").or_else(|| line.strip_prefix("# ")) else { return false };
    let Some(rest) = rest.strip_prefix("@generated by graph-codegen from ").and_then(|r| r.strip_suffix(").")) else {
        return false;
    };
    let Some((spec, hash)) = rest.rsplit_once(" (sha256 ") else { return false };
    !spec.is_empty()
        && !spec.chars().any(needs_escape)
        && hash.len() == 64
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(spec_path: &str, command: &str) -> Settings {
        Settings {
            crate_name: "header-probe".to_string(),
            crate_version: "0.1.0".to_string(),
            spec_path: spec_path.to_string(),
            command: command.to_string(),
            standalone: true,
            runtime: Runtime::Vendored,
        }
    }

    const SPEC: &str = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://example.com/v1'}]\npaths:\n  /a:\n    get:\n      responses: {'204': {description: none}}\n";

    /// A path with a line break once put `[patch.crates-io]` into the generated Cargo.toml as a
    /// table of its own; every header line stays a comment now, and is still recognised as ours.
    #[test]
    fn headers_hold_hostile_paths_on_one_line() {
        let path = "x\n[patch.crates-io]\nserde = { path = \"/tmp/evil\" }\r\u{202e}\u{1b}.yaml";
        let generated = generate(SPEC, &settings(path, &format!("cargo xtask codegen --spec {path}"))).expect("generates");
        for file in &generated.files {
            let comment = if file.path.ends_with(".toml") { "# " } else { "// " };
            let lines: Vec<&str> = file.contents.lines().take(3).collect();
            assert!(lines.len() == 3 && lines[0].starts_with(comment) && lines[1].starts_with(comment) && lines[2].is_empty(), "{}: {lines:?}", file.path);
            assert!(is_header_first_line(lines[0]), "{}: {}", file.path, lines[0]);
            assert!(!file.contents.contains("\n[patch"), "{}", file.path);
            assert!(lines[0].contains("x\\u{a}[patch.crates-io]\\u{a}serde"), "{}", lines[0]);
        }
    }

    #[test]
    fn only_the_exact_first_line_is_a_header() {
        let generated = generate(SPEC, &settings("spec/openapi.yaml", "cargo xtask codegen")).expect("generates");
        for file in &generated.files {
            assert!(file.contents.lines().next().is_some_and(is_header_first_line), "{}", file.path);
        }
        let hash = "0".repeat(64);
        for line in [
            "// mine".to_string(),
            "// see @generated by graph-codegen from a (sha256 0).".to_string(),
            format!(" // @generated by graph-codegen from a (sha256 {hash})."),
            format!("// @generated by graph-codegen from a (sha256 {hash}). and more"),
            format!("/// @generated by graph-codegen from a (sha256 {hash})."),
            format!("// @generated by graph-codegen from  (sha256 {hash})."),
            format!("// @generated by graph-codegen from a\u{1b} (sha256 {hash})."),
            format!("// @generated by graph-codegen from a (sha256 {}).", "G".repeat(64)),
        ] {
            assert!(!is_header_first_line(&line), "{line}");
        }
        assert!(is_header_first_line(&format!("# @generated by graph-codegen from a b (sha256 {hash}).")));
    }
}
