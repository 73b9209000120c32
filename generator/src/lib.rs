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
}

/// The service root used when the description names no usable absolute server URL.
const FALLBACK_BASE_URL: &str = "https://graph.microsoft.com/v1.0";

/// Generates the crate for the spec `text`. On failure, returns every diagnostic (errors and
/// warnings), each located in the spec where that can be recovered.
pub fn generate(text: &str, settings: &Settings) -> Result<Generated, Vec<Diagnostic>> {
    // One pass over the text locates every diagnostic, however many there are.
    let locate = |mut diags: Vec<Diagnostic>| {
        // A schema lowered in several places says the same thing each time; once is enough.
        let mut seen = std::collections::HashSet::new();
        diags.retain(|d| seen.insert((d.severity, d.pointer.clone(), d.message.clone())));
        let pointers: Vec<&str> = diags.iter().filter(|d| d.line.is_none()).map(|d| d.pointer.as_str()).collect();
        let mut places = load::locate_all(text, &pointers).into_iter();
        for d in &mut diags {
            d.file = settings.spec_path.clone();
            if d.line.is_none() {
                if let Some((line, column)) = places.next().flatten() {
                    d.line = Some(line);
                    d.column = Some(column);
                }
            }
        }
        diags
    };
    let doc = load::load_spec(text).map_err(locate)?;
    let (api, mut diags) = lower::lower_api(&doc);
    drop(doc);
    let base_url = match api.default_base_url.as_deref() {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => url.to_string(),
        // Graph's own root is only a guess worth making for a cut of Graph's description.
        _ if api.dialect == ir::Dialect::Plain => {
            diags.push(
                Diagnostic::warning("/servers", "no absolute server URL; the client has no default service root")
                    .help("add `servers: [{url: https://…}]`, or call `with_base_url` on the client (until then requests fail with `RequestError::MissingBaseUrl`)"),
            );
            String::new()
        }
        _ => {
            diags.push(
                Diagnostic::warning("/servers", format!("no absolute server URL; the client defaults to {FALLBACK_BASE_URL}"))
                    .help("add `servers: [{url: https://…}]`, or call `with_base_url` on the client"),
            );
            FALLBACK_BASE_URL.to_string()
        }
    };
    if diags.iter().any(Diagnostic::is_error) {
        return Err(locate(diags));
    }
    let crate_settings = emit::CrateSettings {
        crate_name: &settings.crate_name,
        crate_version: &settings.crate_version,
        standalone: settings.standalone,
        base_url: &base_url,
    };
    let internal = |message: String| locate(vec![Diagnostic::error("", format!("internal generator error: {message}"))
        .help("please report this with the spec that caused it")]);
    let plan = emit::plan_crate(&api);
    // Emitting, parsing and printing are most of the work; each part is done whole on one of the
    // pool's threads, and the results come back in plan order, so the output does not depend on
    // scheduling.
    let render_one = |part: &emit::Part| emit::emit_part(&api, &crate_settings, &plan, part).and_then(render::render_part);
    let rendered: Vec<Result<render::RenderedPart, String>> = match render_pool() {
        Some(pool) => pool.install(|| plan.parts.par_iter().map(render_one).collect()),
        None => plan.parts.iter().map(render_one).collect(),
    };
    let sha = sha256_hex(text.as_bytes());
    let header = render::Header { spec_path: &settings.spec_path, spec_sha256: &sha, command: &settings.command };
    let parts = rendered.into_iter().collect::<Result<Vec<_>, String>>().map_err(internal)?;
    let files = render::assemble_files(parts, &header).into_iter().map(|(path, contents)| GeneratedFile { path, contents }).collect();
    Ok(Generated { files, warnings: locate(diags), types: api.types.len(), operations: api.operations.len() })
}

/// The pool that emits and prints parts, built once per process. Printing a deeply nested item
/// recurses, so its threads get the main thread's stack size rather than rayon's 2 MiB. None when
/// no thread could be started; the parts are then done on the calling thread.
fn render_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| rayon::ThreadPoolBuilder::new().stack_size(8 << 20).thread_name(|i| format!("graph-codegen-{i}")).build().ok())
        .as_ref()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
