//! The pipeline as steps, each taking what the one before returns: [`load`] (text to
//! `openapiv3`), [`Loaded::lower`] (to the IR, diagnostics located), then either
//! [`Lowered::render`] (every part emitted, parsed and printed on the pool's threads: what
//! [`generate`](crate::generate) does) or, one step at a time on this thread,
//! [`Lowered::emit`], [`Emitted::parse`] and [`Parsed::print`]. Both ends give the same
//! [`Generated`]: the same per-part functions in the same order, only the threads differ. The
//! bench times the steps one by one; nothing else decides anything here that `generate` does not.

use crate::diagnostics::{fold_repeated_warnings, Diagnostic};
use crate::{emit, ir, load as read, lower as to_ir, render, Generated, GeneratedFile, Settings};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The spec text and the settings every step reads: to locate diagnostics, to label the files.
#[derive(Clone, Copy)]
struct Input<'a> {
    text: &'a str,
    settings: &'a Settings,
}

impl Input<'_> {
    /// Diagnostics deduplicated, located in the text (one pass over it, however many there are)
    /// and repeated warnings folded.
    fn locate(&self, mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        // A schema lowered in several places says the same thing each time; once is enough.
        let mut seen = std::collections::HashSet::new();
        diags.retain(|d| seen.insert((d.severity, d.pointer.clone(), d.message.clone())));
        let pointers: Vec<&str> = diags.iter().filter(|d| d.line.is_none()).map(|d| d.pointer.as_str()).collect();
        let mut places = read::locate_nearest(self.text, &pointers).into_iter();
        for d in &mut diags {
            d.file = self.settings.spec_path.clone();
            if d.line.is_none() {
                if let Some((line, column)) = places.next().flatten() {
                    d.line = Some(line);
                    d.column = Some(column);
                }
            }
        }
        fold_repeated_warnings(diags)
    }

    /// A generator bug (emitted code that does not parse, a part planned for another layout),
    /// reported as an error rather than a panic.
    fn internal(&self, message: String) -> Vec<Diagnostic> {
        self.locate(vec![Diagnostic::internal(message)])
    }
}

/// Step 1: the description read (YAML or JSON, OpenAPI 3.0 or 3.1) into `openapiv3`'s model.
pub struct Loaded<'a> {
    input: Input<'a>,
    loaded: read::Loaded,
}

/// Reads `text`, named `settings.spec_path` (whose `.json` ending makes it JSON). On failure,
/// every diagnostic, located.
pub fn load<'a>(text: &'a str, settings: &'a Settings) -> Result<Loaded<'a>, Vec<Diagnostic>> {
    let input = Input { text, settings };
    let loaded = read::load(text, Some(&settings.spec_path)).map_err(|d| input.locate(d))?;
    Ok(Loaded { input, loaded })
}

impl<'a> Loaded<'a> {
    /// Step 2: the document lowered to the IR, which it then drops; the diagnostics of reading and
    /// lowering located in the text. Fails if any is an error.
    pub fn lower(self) -> Result<Lowered<'a>, Vec<Diagnostic>> {
        let Loaded { input, loaded: read::Loaded { mut doc, warnings, origins } } = self;
        let (api, lowered) = to_ir::lower_api(&mut doc);
        drop(doc);
        // `lower` names nodes of the document as read; a 3.1 description's were rewritten, and
        // the user looks for them where they were written.
        let mut diags = warnings;
        diags.extend(lowered.into_iter().map(|mut d| {
            d.pointer = origins.original(&d.pointer);
            d
        }));
        let diags = input.locate(diags);
        if diags.iter().any(Diagnostic::is_error) {
            return Err(diags);
        }
        Ok(Lowered { input, api, warnings: diags })
    }
}

/// Step 2 done: the IR and the warnings, located.
pub struct Lowered<'a> {
    input: Input<'a>,
    api: ir::Api,
    warnings: Vec<Diagnostic>,
}

impl<'a> Lowered<'a> {
    /// What `lower` decided.
    pub fn api(&self) -> &ir::Api {
        &self.api
    }

    /// What was left out or approximated, with where.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The IR, for a tool that reads what `lower` decided and generates nothing.
    pub fn into_api(self) -> ir::Api {
        self.api
    }

    /// Step 3, on this thread: the crate planned into parts and every part emitted as tokens, in
    /// plan order. The IR is dropped after.
    pub fn emit(self) -> Result<Emitted<'a>, Vec<Diagnostic>> {
        let (api, plan, tally) = self.plan();
        let crate_settings = crate_settings(tally.input.settings, &api);
        let parts = plan.parts.iter().map(|part| emit::emit_part(&api, &crate_settings, &plan, part)).collect::<Result<Vec<_>, _>>();
        let parts = parts.map_err(|e| tally.input.internal(e))?;
        Ok(Emitted { tally, parts })
    }

    /// Steps 3 to 5 at once: each part emitted, parsed and printed whole on one of the pool's
    /// threads, the results taken in plan order, so the output does not depend on scheduling.
    pub fn render(self) -> Result<Generated, Vec<Diagnostic>> {
        let (api, plan, tally) = self.plan();
        let crate_settings = crate_settings(tally.input.settings, &api);
        let render_one = |part: &emit::Part| emit::emit_part(&api, &crate_settings, &plan, part).and_then(render::render_part);
        let rendered: Vec<Result<render::RenderedPart, String>> = match render_pool() {
            Some(pool) => pool.install(|| plan.parts.par_iter().map(render_one).collect()),
            None => plan.parts.iter().map(render_one).collect(),
        };
        let parts = rendered.into_iter().collect::<Result<Vec<_>, String>>().map_err(|e| tally.input.internal(e))?;
        Ok(tally.assemble(parts))
    }

    /// The IR, the crate's parts, and what the finished [`Generated`] says besides its files.
    fn plan(self) -> (ir::Api, emit::Plan, Tally<'a>) {
        let Lowered { input, api, warnings } = self;
        let plan = emit::plan_crate(&api, &input.settings.runtime);
        let tally = Tally { input, warnings, types: api.types.len(), operations: api.operations.len(), areas: plan.area_features() };
        (api, plan, tally)
    }
}

fn crate_settings<'s>(settings: &'s Settings, api: &'s ir::Api) -> emit::CrateSettings<'s> {
    emit::CrateSettings {
        crate_name: &settings.crate_name,
        crate_version: &settings.crate_version,
        standalone: settings.standalone,
        runtime: &settings.runtime,
        // `lower` decided the default root (the server's, Graph's for a cut of Graph, or none).
        base_url: api.default_base_url.as_deref().unwrap_or_default(),
    }
}

/// Step 3 done: every part's tokens (or text), in plan order.
pub struct Emitted<'a> {
    tally: Tally<'a>,
    parts: Vec<emit::Emitted>,
}

impl<'a> Emitted<'a> {
    /// Step 4: every Rust part parsed by `syn`; the others kept as they are.
    pub fn parse(self) -> Result<Parsed<'a>, Vec<Diagnostic>> {
        let Emitted { tally, parts } = self;
        let parsed = parts
            .into_iter()
            .map(|part| match part {
                emit::Emitted::Rust { path, tokens } => render::parse_part(tokens).map(|file| ParsedPart::Rust { path, file }),
                other => Ok(ParsedPart::Other(other)),
            })
            .collect::<Result<Vec<_>, String>>();
        let parts = parsed.map_err(|e| tally.input.internal(e))?;
        Ok(Parsed { tally, parts })
    }
}

/// Step 4 done: the parsed parts.
pub struct Parsed<'a> {
    tally: Tally<'a>,
    parts: Vec<ParsedPart>,
}

enum ParsedPart {
    Rust {
        path: String,
        file: syn::File,
    },
    /// Hand-written Rust or the manifest, which are not parsed.
    Other(emit::Emitted),
}

impl Parsed<'_> {
    /// Step 5: every part printed by prettyplease (the `syn` trees dropped as it goes), the
    /// files joined with their headers.
    pub fn print(self) -> Result<Generated, Vec<Diagnostic>> {
        let Parsed { tally, parts } = self;
        let printed = parts
            .into_iter()
            .map(|part| match part {
                ParsedPart::Rust { path, file } => {
                    Ok(render::RenderedPart { path, kind: render::PartKind::Rust, text: render::print_part(&file) })
                }
                ParsedPart::Other(other) => render::render_part(other),
            })
            .collect::<Result<Vec<_>, String>>();
        let parts = printed.map_err(|e| tally.input.internal(e))?;
        Ok(tally.assemble(parts))
    }
}

/// What the finished crate says besides its files, known once it is planned.
struct Tally<'a> {
    input: Input<'a>,
    warnings: Vec<Diagnostic>,
    types: usize,
    operations: usize,
    areas: Vec<String>,
}

impl Tally<'_> {
    /// The rendered parts, in plan order, joined into files under their headers.
    fn assemble(self, parts: Vec<render::RenderedPart>) -> Generated {
        let Tally { input, warnings, types, operations, areas } = self;
        let sha = sha256_hex(input.text.as_bytes());
        // The spec's path and the command come from the command line, and a line break in either
        // would end the header's comment and put the rest into the file as TOML or Rust.
        let (spec_path, command) = (crate::one_line(&input.settings.spec_path), crate::one_line(&input.settings.command));
        let header = render::Header { spec_path: &spec_path, spec_sha256: &sha, command: &command };
        let files = render::assemble_files(parts, &header).into_iter().map(|(path, contents)| GeneratedFile { path, contents }).collect();
        Generated { files, warnings, types, operations, areas }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Runtime;

    const SPEC: &str = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://example.com/v1'}]\npaths:\n  /things/{id}:\n    get:\n      operationId: things.get\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses:\n        '200':\n          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/thing'}}}\ncomponents:\n  schemas:\n    thing: {type: object, properties: {name: {type: string}, size: {type: string, format: weird}}}\n";

    fn settings() -> Settings {
        Settings {
            crate_name: "stages-probe".to_string(),
            crate_version: "0.1.0".to_string(),
            spec_path: "probe.yaml".to_string(),
            command: "cargo xtask codegen".to_string(),
            standalone: true,
            runtime: Runtime::Vendored,
        }
    }

    /// The steps one at a time on one thread make what `generate` makes on the pool.
    #[test]
    fn the_steps_one_by_one_are_generate() {
        let settings = settings();
        let staged = load(SPEC, &settings)
            .and_then(Loaded::lower)
            .and_then(Lowered::emit)
            .and_then(Emitted::parse)
            .and_then(Parsed::print)
            .expect("generates");
        let whole = crate::generate(SPEC, &settings).expect("generates");
        assert_eq!(staged.files, whole.files);
        assert_eq!(staged.warnings, whole.warnings);
        assert_eq!((staged.types, staged.operations, &staged.areas), (whole.types, whole.operations, &whole.areas));
        assert!(!whole.files.is_empty());
    }

    #[test]
    fn lowering_stops_at_an_error_and_locates_it() {
        let settings = settings();
        let broken = SPEC.replace("'#/components/schemas/thing'", "'#/components/schemas/missing'");
        let diags = load(&broken, &settings).and_then(Loaded::lower).err().expect("an error");
        assert!(diags.iter().any(|d| d.is_error() && d.line.is_some() && d.file == "probe.yaml"), "{diags:?}");
    }
}
