//! Stage 3: the IR to Rust tokens (and the crate manifest), one part of a file at a time.
//!
//! Reads only `ir`; every decision about what the spec means was made in `lower`. Every item is
//! built with `quote!` as a `proc_macro2::TokenStream`; `render` parses it with `syn` and prints it
//! with prettyplease, which alone decides the layout. The runtime is a crate of its own
//! (`runtime/`), which the crate depends on or, vendored, carries a copy of ([`vendor`]).

mod client;
mod examples;
mod manifest;
mod models;
mod operations;
pub mod tokens;
pub mod vendor;

use crate::areas::{plan_areas, Areas, Split};
use crate::ir::check;
use crate::ir::*;
use crate::Runtime;
use models::{Layout, Scope};
use proc_macro2::TokenStream;
use quote::quote;
use tokens::{escape_doc_line, ident, inner_doc, inner_doc_verbatim, lit, own_doc};

/// What a part emits is what `render` takes, so `render` defines it: emit depends on render
/// (the front page's examples are printed with it) and never the other way round.
pub use crate::render::Emitted;

pub struct CrateSettings<'a> {
    pub crate_name: &'a str,
    pub crate_version: &'a str,
    pub standalone: bool,
    pub runtime: &'a Runtime,
    pub base_url: &'a str,
}

/// How many types one slice of `models.rs` holds: small enough to spread over threads, large
/// enough that slicing costs nothing noticeable.
const TYPES_PER_PART: usize = 128;
/// Likewise for operations, whose request types and client methods are larger.
const OPERATIONS_PER_PART: usize = 64;

/// One piece of the crate: a whole file, or one slice of a large one. Pieces are independent, so
/// they can be emitted and rendered on separate threads.
#[derive(Debug, Clone)]
pub struct Part {
    pub path: String,
    job: Job,
}

#[derive(Debug, Clone)]
enum Job {
    Manifest,
    Lib,
    ModelsHead,
    Types(std::ops::Range<usize>),
    PatchesAndPages,
    /// `models.rs` of a crate split into model groups: one gated module per group.
    ModelsRoot,
    /// One model group's file.
    Group(usize),
    OperationsRoot,
    /// A slice of the operations of one area (or of all, when there are no areas); the first
    /// slice of a file also writes the module's header.
    Operations {
        area: Option<usize>,
        range: std::ops::Range<usize>,
    },
    /// `src/client.rs`: the crate's `Client`.
    Client,
    /// A source file of the vendored runtime, copied as it is.
    VendoredSource(&'static str),
    /// The vendored runtime's `Cargo.toml`.
    VendoredManifest,
}

/// The parts of the crate in file order; parts of one file are consecutive.
pub struct Plan {
    pub parts: Vec<Part>,
    areas: Areas,
    /// For each model group (split crates only): the PATCH bodies and the pagers of its types.
    group_patches: Vec<Vec<usize>>,
    group_pagers: Vec<Vec<usize>>,
    /// What is wrong with the IR (`ir::check`), if anything: every part is then refused, so that
    /// no part has to name what does not exist.
    inconsistent: Option<String>,
}

pub fn plan_crate(api: &Api, runtime: &Runtime) -> Plan {
    let problems = check::inconsistencies(api);
    let inconsistent = problems.first().map(|first| match problems.len() {
        1 => first.clone(),
        n => format!("{first} (and {} more inconsistencies)", n - 1),
    });
    let areas = plan_areas(api);
    let part = |path: &str, job: Job| Part { path: path.to_string(), job };
    let mut parts = vec![part("Cargo.toml", Job::Manifest), part("src/lib.rs", Job::Lib)];
    let (mut group_patches, mut group_pagers) = (Vec::new(), Vec::new());
    match &areas {
        Areas::Single => {
            parts.push(part("src/models.rs", Job::ModelsHead));
            let mut start = 0;
            while start < api.types.len() {
                let end = (start + TYPES_PER_PART).min(api.types.len());
                parts.push(part("src/models.rs", Job::Types(start..end)));
                start = end;
            }
            parts.push(part("src/models.rs", Job::PatchesAndPages));
            push_operation_parts(&mut parts, "src/operations.rs", None, api.operations.len());
        }
        Areas::Split(split) => {
            parts.push(part("src/models.rs", Job::ModelsRoot));
            for (g, group) in split.groups.iter().enumerate() {
                parts.push(part(&format!("src/models/{}.rs", group.module), Job::Group(g)));
            }
            (group_patches, group_pagers) = place_patches_and_pagers(api, split);
            parts.push(part("src/operations.rs", Job::OperationsRoot));
            for (i, area) in split.areas.iter().enumerate() {
                let path = format!("src/operations/{}.rs", area.module);
                push_operation_parts(&mut parts, &path, Some(i), area.operations.len());
            }
        }
    }
    parts.push(part("src/client.rs", Job::Client));
    match runtime {
        Runtime::Path(_) => {}
        Runtime::Vendored => {
            parts.push(part(&format!("{}/Cargo.toml", vendor::VENDORED_DIR), Job::VendoredManifest));
            for (path, text) in vendor::RUNTIME_SOURCES {
                parts.push(part(&format!("{}/{path}", vendor::VENDORED_DIR), Job::VendoredSource(text)));
            }
        }
    }
    Plan { parts, areas, group_patches, group_pagers, inconsistent }
}

impl Plan {
    /// The area features, in the manifest's order.
    pub fn area_features(&self) -> Vec<String> {
        match &self.areas {
            Areas::Single => Vec::new(),
            Areas::Split(split) => split.areas.iter().map(|a| a.feature.clone()).collect(),
        }
    }
}

/// Each PATCH body goes with the struct it patches, each `Page` impl with its page type (the
/// first operation that pages through it names it).
fn place_patches_and_pagers(api: &Api, split: &Split) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut patches = vec![Vec::new(); split.groups.len()];
    let mut pagers = vec![Vec::new(); split.groups.len()];
    for (i, p) in api.patches.iter().enumerate() {
        if let Some(list) = split.group_of.get(p.of.0).and_then(|g| patches.get_mut(*g)) {
            list.push(i);
        }
    }
    for (i, pager) in models::distinct_pagers(api) {
        if let Some(list) = split.group_of.get(pager.page.0).and_then(|g| pagers.get_mut(*g)) {
            list.push(i);
        }
    }
    (patches, pagers)
}

fn push_operation_parts(parts: &mut Vec<Part>, path: &str, area: Option<usize>, count: usize) {
    let mut start = 0;
    loop {
        let end = (start + OPERATIONS_PER_PART).min(count);
        parts.push(Part { path: path.to_string(), job: Job::Operations { area, range: start..end } });
        if end >= count {
            break;
        }
        start = end;
    }
}

/// Emits one part.
/// An IR that `ir::check` finds inconsistent is refused, naming the first inconsistency.
pub fn emit_part(api: &Api, settings: &CrateSettings<'_>, plan: &Plan, part: &Part) -> Result<Emitted, String> {
    if let Some(problem) = &plan.inconsistent {
        return Err(problem.clone());
    }
    let areas = &plan.areas;
    let path = part.path.clone();
    let tokens = match &part.job {
        Job::Manifest => return Ok(Emitted::Text { path, text: manifest::emit_manifest(api, settings, areas)? }),
        Job::VendoredSource(text) => return Ok(Emitted::Verbatim { path, text }),
        Job::VendoredManifest => return Ok(Emitted::Text { path, text: vendor::vendored_manifest(settings.crate_name)? }),
        Job::Client => client::emit_client(api),
        Job::Lib => emit_lib(api, settings),
        Job::ModelsHead => models::emit_models_head(),
        Job::Types(range) => {
            let scope = Scope { api, layout: Layout::Whole };
            api.types.get(range.clone()).unwrap_or_default().iter().map(|t| models::emit_type(&scope, t)).collect()
        }
        Job::PatchesAndPages => models::emit_patches_and_pages(&Scope { api, layout: Layout::Whole }),
        Job::ModelsRoot => models::emit_models_root(api, split_of(areas)?, &plan.group_patches),
        Job::Group(g) => {
            let split = split_of(areas)?;
            let patches = plan.group_patches.get(*g).map_or(&[][..], Vec::as_slice);
            let pagers = plan.group_pagers.get(*g).map_or(&[][..], Vec::as_slice);
            models::emit_group(api, split, *g, patches, pagers)?
        }
        Job::OperationsRoot => emit_operations_root(api, split_of(areas)?),
        Job::Operations { area: Some(a), range } => {
            let Some(area) = split_of(areas)?.areas.get(*a) else { return Err(format!("no area {a}")) };
            let ops: Vec<&Operation> =
                area.operations.get(range.clone()).unwrap_or_default().iter().filter_map(|i| api.operations.get(*i)).collect();
            let tag = escape_doc_line(&area.tag);
            let head = (range.start == 0).then(|| format!("Operations tagged `{tag}`."));
            let group = format!(
                "**`{tag}`** (feature `{}`): one method per operation, each returning a [`Call`] of its request type.",
                area.feature
            );
            operations::emit_operations(api, &ops, head.as_deref(), &group)
        }
        Job::Operations { area: None, range } => {
            let ops: Vec<&Operation> = api.operations.get(range.clone()).unwrap_or_default().iter().collect();
            let head = (range.start == 0).then_some("One request type per operation, and the client method that sends it.");
            let ops =
                operations::emit_operations(api, &ops, head, "One method per operation, each returning a [`Call`] of its request type.");
            // A crate of one area has no operations root: the helper goes with the first slice.
            let deep_form = (range.start == 0).then(|| operations::emit_deep_form_helper(api)).flatten();
            quote!(#ops #deep_form)
        }
    };
    Ok(Emitted::Rust { path, tokens })
}

/// The layout of a split crate, which only its parts ask for.
fn split_of(areas: &Areas) -> Result<&Split, String> {
    match areas {
        Areas::Split(split) => Ok(split),
        Areas::Single => Err("a part of a split crate was planned for a crate of one area".to_string()),
    }
}

fn emit_operations_root(api: &Api, split: &Split) -> TokenStream {
    let modules = split.areas.iter().map(|a| {
        let docs = own_doc(&format!("Operations tagged `{}` (feature `{}`).", escape_doc_line(&a.tag), a.feature));
        let feature = lit(&a.feature);
        // A tag such as `match` makes a module named by a keyword; `r#match` is still `match.rs`.
        let module = ident(&a.module);
        quote! {
            #docs
            #[cfg(feature = #feature)]
            pub mod #module;
            #[cfg(feature = #feature)]
            pub use #module::*;
        }
    });
    let deep_form = operations::emit_deep_form_helper(api);
    quote! {
        //! One request type per operation, in one module per area (Cargo feature), all re-exported here.
        #(#modules)*
        #deep_form
    }
}

fn emit_lib(api: &Api, s: &CrateSettings<'_>) -> TokenStream {
    let runtime = match s.runtime {
        Runtime::Path(_) => {
            "the `graph-runtime` crate, shared with the other crates generated beside this one \
                             (one client can serve them all: see `client::Client`)"
        }
        Runtime::Vendored => {
            "a copy of the `graph-runtime` crate vendored in this crate's `graph-runtime/` folder, \
                              so that it builds with nothing beside it"
        }
    };
    let docs = inner_doc(&format!(
        "Typed client for {}, generated from its OpenAPI description.\n\n\
         - `models`: the schemas, as the service sends them; unknown members are kept.\n\
         - `operations`: one request type per operation; each builds an `http::Request` and parses the \
         response with no I/O.\n\
         - `client` (feature `client`, on by default): an async client that sends them.\n\
         - `runtime`: what the code above is written against: {runtime}.",
        escape_doc_line(&api.title)
    ));
    let examples = inner_doc_verbatim(&format!("\n{}", examples::crate_examples(api, &ident(&s.crate_name.replace('-', "_")), s.base_url)));
    let base_url = lit(s.base_url);
    let (auth, auth_doc) = match &api.auth {
        Auth::None => (quote!(runtime::AuthScheme::None), "The description asks for no credentials: the client's token is not sent."),
        Auth::Bearer => (quote!(runtime::AuthScheme::Bearer), "The client's token is sent as `Authorization: Bearer …`."),
        Auth::Basic => (quote!(runtime::AuthScheme::Basic), "The client's token, `user:password`, is sent as `Authorization: Basic …`."),
        Auth::ApiKeyHeader(name) => {
            let name = lit(name);
            (quote!(runtime::AuthScheme::ApiKeyHeader(#name)), "The client's token is sent as the value of this header.")
        }
        Auth::ApiKeyQuery(name) => {
            let name = lit(name);
            (quote!(runtime::AuthScheme::ApiKeyQuery(#name)), "The client's token is sent as the value of this query parameter.")
        }
    };
    let auth_doc = own_doc(&format!("How requests are authenticated, as the description's security requirements say. {auth_doc}"));
    let base_url_doc = if s.base_url.is_empty() {
        own_doc(
            "Empty: the description names no absolute server URL, so there is no default service root; \
                 give one with `Client::with_base_url` (requests fail with `RequestError::MissingBaseUrl` until then).",
        )
    } else {
        own_doc("The service root named by the description's first server.")
    };
    quote! {
        #docs
        #examples
        pub mod models;
        pub mod operations;
        #[cfg(feature = "client")]
        pub mod client;
        #[cfg(feature = "client")]
        pub use client::Client;
        /// The runtime this crate is written against (client, request machinery, paging, values),
        /// and its modules under the names this crate has always had.
        pub use graph_runtime::{self as runtime, objects, paging, values};
        pub use graph_runtime::{
            ApiError, BaseUrl, Batch, BearerToken, DecodeError, DeltaLink, Error, ErrorBody, Operation, PageOf, Patch,
            RequestError, RetryPolicy, UnknownMembers, WireEnum,
        };
        #base_url_doc
        pub const DEFAULT_BASE_URL: &str = #base_url;
        #auth_doc
        pub const AUTH: runtime::AuthScheme = #auth;
        /// This crate's service, as each of its operations names it ([`Operation::service`]): where
        /// requests go by default, how they are authenticated, and the `User-Agent` they carry (this
        /// crate's name and version).
        pub const SERVICE: runtime::Service = runtime::Service {
            default_base_url: DEFAULT_BASE_URL,
            auth: AUTH,
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
        };
        /// [`DEFAULT_BASE_URL`] as a [`BaseUrl`].
        pub fn default_base_url() -> BaseUrl {
            SERVICE.base_url()
        }
    }
}
