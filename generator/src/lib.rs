//! graph-codegen: OpenAPI descriptions (Microsoft Graph first) to a typed Rust client crate.
//!
//! The pipeline is `load` (text to `openapiv3`), `lower` (to the IR in `ir`), `emit` (IR to Rust
//! text laid out as prettyplease prints it) and `render` (prettyplease for the rest, and the
//! files). [`generate`] runs it all and returns the files of a crate; it never writes anything.

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

use sha2::{Digest, Sha256};

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
    let (api, diags) = lower::lower_api(&doc);
    drop(doc);
    // `lower` checked the server URL and warned where it falls back.
    let base_url = api.default_base_url.clone().unwrap_or_else(|| lower::FALLBACK_BASE_URL.to_string());
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
    // Emitting and printing are most of the work; the parts go to a few threads, each emitting
    // what it prints. Output is assembled in plan order.
    let rendered = run_parallel(plan.parts.len(), |i| {
        let part = plan.parts.get(i).ok_or_else(|| format!("no part {i}"))?;
        match emit::emit_part(&api, &crate_settings, &plan, part)? {
            emit::Emitted::Rust { source, .. } => render::render_rust_part(source).map(|text| (true, text)),
            emit::Emitted::Text { text, .. } => Ok((false, text)),
        }
    });
    let sha = sha256_hex(text.as_bytes());
    let header = render::Header { spec_path: &settings.spec_path, spec_sha256: &sha, command: &settings.command };
    let mut parts = Vec::with_capacity(plan.parts.len());
    for (part, result) in plan.parts.iter().zip(rendered) {
        let (rust, text) = result.map_err(internal)?;
        parts.push(render::RenderedPart { path: part.path.clone(), rust, text });
    }
    let files = render::assemble_files(parts, &header).into_iter().map(|(path, contents)| GeneratedFile { path, contents }).collect();
    Ok(Generated { files, warnings: locate(diags), types: api.types.len(), operations: api.operations.len() })
}

/// Runs `job(0..n)` on up to as many threads as there are cores, and returns the results in
/// index order, so the output does not depend on scheduling.
fn run_parallel<T: Send>(n: usize, job: impl Fn(usize) -> Result<T, String> + Sync) -> Vec<Result<T, String>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8).min(n.max(1));
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<T, String>>> = (0..n).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (next, job) = (&next, &job);
                // Printing a deeply nested item recurses; give workers the main thread's stack.
                std::thread::Builder::new().stack_size(8 << 20).spawn_scoped(scope, move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return done;
                        }
                        done.push((i, job(i)));
                    }
                })
            })
            .collect();
        for worker in workers {
            // A thread that could not start or that panicked leaves its parts unset; they are
            // reported below as not rendered.
            let Ok(Ok(done)) = worker.map(|w| w.join()) else { continue };
            for (i, result) in done {
                if let Some(slot) = results.get_mut(i) {
                    *slot = Some(result);
                }
            }
        }
    });
    results.into_iter().enumerate().map(|(i, r)| r.unwrap_or_else(|| Err(format!("part {i} was not rendered")))).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
