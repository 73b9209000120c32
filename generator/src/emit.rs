//! Stage 3: the IR to Rust source text (and the crate manifest), one part of a file at a time.
//!
//! Reads only `ir`; every decision about what the spec means was made in `lower`. Items are
//! written already laid out as prettyplease lays them out (its 89-column margin, its line
//! breaks); an item that would need a layout this writer does not do is marked for `render` to
//! print with prettyplease instead. Either way the bytes are prettyplease's.

use crate::areas::{plan_areas, Areas};
use crate::ir::*;
use crate::names::needs_raw;
use std::collections::BTreeSet;

/// The fixed parts of the generated crate, kept as real Rust source so they read as code.
const RUNTIME_TEMPLATE: &str = include_str!("../templates/runtime.rs");
const CLIENT_TEMPLATE: &str = include_str!("../templates/client.rs");
const VALUES_TEMPLATE: &str = include_str!("../templates/values.rs");
const PAGING_TEMPLATE: &str = include_str!("../templates/paging.rs");

/// prettyplease's line width: a line it prints is at most this long unless nothing in it can break.
pub const MARGIN: usize = 89;

/// One emitted part of a file, before rendering.
pub enum Emitted {
    Rust { path: String, source: Vec<Segment> },
    Text { path: String, text: String },
}

/// A run of Rust source in a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Items laid out as prettyplease prints them.
    Laid(String),
    /// Items this writer could not lay out (a line past the margin, a construct whose breaking it
    /// does not do), left for prettyplease. With `within`, they are members of an impl block,
    /// printed inside a block that opens with that line and dropped again.
    Unlaid { text: String, within: Option<&'static str> },
}

pub struct CrateSettings<'a> {
    pub crate_name: &'a str,
    pub crate_version: &'a str,
    pub standalone: bool,
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
    OperationsRoot,
    /// A slice of the operations of one area (or of all, when there are no areas); the first
    /// slice of a file also writes the module's header.
    Operations { area: Option<usize>, range: std::ops::Range<usize> },
    Template(&'static str),
}

/// The parts of the crate in file order; parts of one file are consecutive.
pub struct Plan {
    pub parts: Vec<Part>,
    areas: Areas,
}

pub fn plan_crate(api: &Api) -> Plan {
    let areas = plan_areas(api);
    let part = |path: &str, job: Job| Part { path: path.to_string(), job };
    let mut parts = vec![part("Cargo.toml", Job::Manifest), part("src/lib.rs", Job::Lib), part("src/models.rs", Job::ModelsHead)];
    let mut start = 0;
    while start < api.types.len() {
        let end = (start + TYPES_PER_PART).min(api.types.len());
        parts.push(part("src/models.rs", Job::Types(start..end)));
        start = end;
    }
    parts.push(part("src/models.rs", Job::PatchesAndPages));
    if areas.split() {
        parts.push(part("src/operations.rs", Job::OperationsRoot));
        for (i, area) in areas.areas.iter().enumerate() {
            let path = format!("src/operations/{}.rs", area.module);
            push_operation_parts(&mut parts, &path, Some(i), area.operations.len());
        }
    } else {
        push_operation_parts(&mut parts, "src/operations.rs", None, api.operations.len());
    }
    for (path, text) in [
        ("src/runtime.rs", RUNTIME_TEMPLATE),
        ("src/values.rs", VALUES_TEMPLATE),
        ("src/paging.rs", PAGING_TEMPLATE),
        ("src/client.rs", CLIENT_TEMPLATE),
    ] {
        parts.push(part(path, Job::Template(text)));
    }
    Plan { parts, areas }
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
pub fn emit_part(api: &Api, settings: &CrateSettings<'_>, plan: &Plan, part: &Part) -> Result<Emitted, String> {
    let areas = &plan.areas;
    let path = part.path.clone();
    let mut w = Writer::default();
    match &part.job {
        Job::Manifest => return Ok(Emitted::Text { path, text: emit_manifest(api, settings, areas) }),
        Job::Lib => emit_lib(&mut w, api, settings),
        Job::ModelsHead => w.raw(
            "//! The description's schemas as Rust types, and the PATCH bodies derived from them.\n\
             #![allow(deprecated)]\n\
             use serde::{Deserialize, Serialize};\n",
        ),
        Job::Types(range) => {
            for i in range.clone() {
                if let Some(t) = api.types.get(i) {
                    emit_type(&mut w, api, t, &cfg_for(areas, areas.type_users.get(i)));
                }
            }
        }
        Job::PatchesAndPages => emit_patches_and_pages(&mut w, api, areas),
        Job::OperationsRoot => emit_operations_root(&mut w, areas),
        Job::Operations { area: Some(a), range } => {
            let Some(area) = areas.areas.get(*a) else { return Err(format!("no area {a}")) };
            let ops: Vec<&Operation> =
                area.operations.get(range.clone()).unwrap_or_default().iter().filter_map(|i| api.operations.get(*i)).collect();
            let head = (range.start == 0).then(|| format!("Operations tagged `{}`.", escape_doc_line(&area.tag)));
            emit_operations(&mut w, api, &ops, head.as_deref());
        }
        Job::Operations { area: None, range } => {
            let ops: Vec<&Operation> = api.operations.get(range.clone()).unwrap_or_default().iter().collect();
            let head = (range.start == 0).then_some("One request type per operation, and the client method that sends it.");
            emit_operations(&mut w, api, &ops, head);
        }
        // The templates are hand-written; prettyplease gives them the generated code's layout.
        Job::Template(text) => return Ok(Emitted::Rust { path, source: vec![Segment::Unlaid { text: text.to_string(), within: None }] }),
    }
    Ok(Emitted::Rust { path, source: w.finish() })
}

/// Every part, emitted in order on this thread.
pub fn emit_crate(api: &Api, settings: &CrateSettings<'_>) -> Result<Vec<Emitted>, String> {
    let plan = plan_crate(api);
    plan.parts.iter().map(|part| emit_part(api, settings, &plan, part)).collect()
}

/// Collects a part's source, item by item.
#[derive(Default)]
struct Writer {
    laid: String,
    segments: Vec<Segment>,
}

impl Writer {
    /// Text that needs no checking (module headers, fixed lines).
    fn raw(&mut self, text: &str) {
        self.laid.push_str(text);
    }

    /// One top-level item. `write` returns false when it wrote something whose layout it cannot
    /// vouch for; that item, like one with a line past the margin, goes to prettyplease.
    fn item(&mut self, write: impl FnOnce(&mut String) -> bool) {
        self.unit(None, write);
    }

    /// One member of an impl block that opens with `within` (its first line, as written).
    fn member(&mut self, within: &'static str, write: impl FnOnce(&mut String) -> bool) {
        self.unit(Some(within), write);
    }

    fn unit(&mut self, within: Option<&'static str>, write: impl FnOnce(&mut String) -> bool) {
        let start = self.laid.len();
        let laid = write(&mut self.laid);
        if laid && fits_margin(&self.laid[start..]) {
            return;
        }
        let text = self.laid.split_off(start);
        if !self.laid.is_empty() {
            self.segments.push(Segment::Laid(std::mem::take(&mut self.laid)));
        }
        self.segments.push(Segment::Unlaid { text, within });
    }

    fn finish(mut self) -> Vec<Segment> {
        if !self.laid.is_empty() {
            self.segments.push(Segment::Laid(self.laid));
        }
        self.segments
    }
}

/// Whether every line fits prettyplease's margin, or is one it cannot break either: a comment, a
/// lone string literal (a call argument), `name = "literal"` (an attribute argument), or names and
/// paths, alone or opening a group.
fn fits_margin(text: &str) -> bool {
    text.split('\n').all(|line| line.len() <= MARGIN || unbreakable(line.trim_start()))
}

fn unbreakable(code: &str) -> bool {
    if code.starts_with("///") || code.starts_with("//!") {
        return true;
    }
    // Names, paths, references and field accesses, such as `pub name: &'a str,` or `self.name,`,
    // alone, opening a group (`pub async fn a_long_name(`, `pub struct Name<`) or a block
    // (`pub struct Name {`).
    let prefix = code.strip_suffix(['(', '<']).or_else(|| code.strip_suffix(" {")).or_else(|| code.strip_suffix(" {}")).unwrap_or(code);
    if prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"_:&'. ,".contains(&b)) && !prefix.contains(" for ") {
        return true;
    }
    let code = code.strip_suffix(',').unwrap_or(code);
    let literal = match code.split_once(" = ") {
        Some((name, value)) if name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => value,
        _ => code,
    };
    literal.len() >= 2 && literal.starts_with('"') && literal.ends_with('"') && !literal[1..literal.len() - 1].contains('"')
}

/// Appends `indent` spaces, then `text`, then a newline.
fn line(out: &mut String, indent: usize, text: &str) {
    pad(out, indent);
    out.push_str(text);
    out.push('\n');
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A group of comma-separated `items` between `open` (ending in a delimiter) and `close`, as
/// prettyplease prints a group that may break: on one line when the line fits, else one item per
/// line, one level deeper. `trailing` is whether a broken group ends its last item with a comma
/// (function parameters do; attribute arguments do not). Whether the line fits counts `close`
/// but not a comma that only breaking adds.
fn group(out: &mut String, indent: usize, open: &str, items: &[String], close: &str, trailing: bool) {
    let flat = indent + open.len() + items.iter().map(|i| i.len() + 2).sum::<usize>().saturating_sub(2) + close.len();
    if flat <= MARGIN || items.is_empty() {
        pad(out, indent);
        out.push_str(open);
        out.push_str(&items.join(", "));
        out.push_str(close);
        out.push('\n');
        return;
    }
    line(out, indent, open);
    for (i, item) in items.iter().enumerate() {
        pad(out, indent + 4);
        out.push_str(item);
        if trailing || i + 1 < items.len() {
            out.push(',');
        }
        out.push('\n');
    }
    line(out, indent, close);
}

/// `{prefix}{ty}{suffix}` at `indent`, as prettyplease prints a type that may not fit: the
/// outermost generic arguments on their own lines one level deeper, and so on inward.
fn typed_line(out: &mut String, indent: usize, prefix: &str, ty: &str, suffix: &str) {
    if indent + prefix.len() + ty.len() + suffix.len() <= MARGIN {
        pad(out, indent);
        out.push_str(prefix);
        out.push_str(ty);
        out.push_str(suffix);
        out.push('\n');
        return;
    }
    match split_generics(ty) {
        Some((head, args)) => {
            line(out, indent, &format!("{prefix}{head}<"));
            type_args(out, indent + 4, &args);
            line(out, indent, &format!(">{suffix}"));
        }
        // Nothing in it can break; prettyplease leaves it long too.
        None => line(out, indent, &format!("{prefix}{ty}{suffix}")),
    }
}

/// Generic arguments (or tuple fields) one per line, each ending in a comma. A comma between
/// arguments counts toward whether an argument fits; the last one, added by the break, does not.
fn type_args(out: &mut String, indent: usize, args: &[&str]) {
    for (i, arg) in args.iter().enumerate() {
        let counted = usize::from(i + 1 < args.len());
        match split_generics(arg) {
            Some((head, inner)) if indent + arg.len() + counted > MARGIN => {
                line(out, indent, &format!("{head}<"));
                type_args(out, indent + 4, &inner);
                line(out, indent, ">,");
            }
            _ => line(out, indent, &format!("{arg},")),
        }
    }
}

/// `Head<A, B>` as `("Head", ["A", "B"])`; None for a type with no generic arguments.
fn split_generics(ty: &str) -> Option<(&str, Vec<&str>)> {
    let open = ty.find('<')?;
    let inner = ty.strip_suffix('>')?.get(open + 1..)?;
    let mut args = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, b) in inner.bytes().enumerate() {
        match b {
            b'<' | b'(' => depth += 1,
            b'>' | b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                args.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(inner[start..].trim());
    Some((&ty[..open], args))
}

/// A call whose arguments prettyplease puts one per line (with a trailing comma) when the line
/// does not fit: `open` ends with `(`, `close` starts with `)`.
fn call(out: &mut String, indent: usize, open: &str, args: &[String], close: &str) {
    group(out, indent, open, args, close, true);
}

/// `impl Trait for Type {`, which prettyplease breaks before `for` when it does not fit.
fn impl_for(out: &mut String, head: &str, ty: &str) {
    let flat = format!("{head} for {ty} {{");
    if flat.len() <= MARGIN {
        line(out, 0, &flat);
    } else {
        line(out, 0, head);
        line(out, 0, &format!("for {ty} {{"));
    }
}

/// `{head}{name}<'a> {rest}` (with `lifetime`), which prettyplease breaks, when it does not fit,
/// as `{head}{name}<` / `'a,` / `> {rest}`.
fn generic_head(out: &mut String, head: &str, name: &str, lifetime: bool, rest: &str) {
    let flat = if lifetime { format!("{head}{name}<'a> {rest}") } else { format!("{head}{name} {rest}") };
    if !lifetime || flat.len() <= MARGIN {
        line(out, 0, &flat);
        return;
    }
    line(out, 0, &format!("{head}{name}<"));
    line(out, 4, "'a,");
    line(out, 0, &format!("> {rest}"));
}

/// `if condition {` at `indent`; prettyplease moves the brace to a line of its own when the line
/// does not fit.
fn if_open(out: &mut String, indent: usize, condition: &str) {
    if indent + condition.len() + 2 <= MARGIN {
        line(out, indent, &format!("{condition} {{"));
    } else {
        line(out, indent, condition);
        line(out, indent, "{");
    }
}

/// `#[name(args)]`, broken one argument per line when it does not fit.
fn attr_args(out: &mut String, indent: usize, name: &str, args: &[String]) {
    group(out, indent, &format!("#[{name}("), args, ")]", false);
}

/// A Rust string literal for `s`, escaped as proc-macro2 writes one (so output matches what the
/// token printer made of the same string).
fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            // `\0` followed by a digit would read as an octal-looking escape.
            '\0' if chars.as_str().starts_with(|n: char| ('0'..='7').contains(&n)) => out.push_str("\\x00"),
            '\0' => out.push_str("\\0"),
            '\'' => out.push('\''),
            c if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' => out.push(c),
            c => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
    out
}

fn char_lit(c: char) -> String {
    match c {
        '"' => "'\"'".to_string(),
        c => format!("'{}'", c.escape_debug()),
    }
}

/// A field or method name, raw (`r#type`) where it is a keyword.
fn field_ident(name: &str) -> String {
    if needs_raw(name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// `#[cfg(...)]` (with its newline) for a top-level item that the given areas need: nothing
/// when every area (or the only one) needs it; `full` for what no operation needs.
fn cfg_for(areas: &Areas, users: Option<&BTreeSet<usize>>) -> String {
    if !areas.split() {
        return String::new();
    }
    let users = users.cloned().unwrap_or_default();
    if users.len() == areas.areas.len() {
        return String::new();
    }
    let features: Vec<String> =
        users.iter().filter_map(|a| areas.areas.get(*a)).map(|a| format!("feature = {}", lit(&a.feature))).collect();
    let mut out = String::new();
    match features.as_slice() {
        [] => out.push_str("#[cfg(feature = \"full\")]\n"),
        [one] => attr_args(&mut out, 0, "cfg", std::slice::from_ref(one)),
        many => {
            let any = format!("any({})", many.join(", "));
            if "#[cfg()]".len() + any.len() <= MARGIN {
                out.push_str(&format!("#[cfg({any})]\n"));
            } else {
                out.push_str("#[cfg(\n");
                group(&mut out, 4, "any(", many, ")", false);
                out.push_str(")]\n");
            }
        }
    }
    out
}

fn emit_operations_root(w: &mut Writer, areas: &Areas) {
    w.raw("//! One request type per operation, in one module per area (Cargo feature), all re-exported here.\n");
    for a in &areas.areas {
        w.item(|out| {
            own_doc(out, 0, &format!("Operations tagged `{}` (feature `{}`).", escape_doc_line(&a.tag), a.feature));
            let cfg = format!("#[cfg(feature = {})]", lit(&a.feature));
            line(out, 0, &cfg);
            // A tag such as `match` makes a module named by a keyword; `r#match` is still `match.rs`.
            let module = field_ident(&a.module);
            line(out, 0, &format!("pub mod {module};"));
            line(out, 0, &cfg);
            line(out, 0, &format!("pub use {module}::*;"));
            true
        });
    }
}

fn emit_lib(w: &mut Writer, api: &Api, s: &CrateSettings<'_>) {
    let mut head = String::new();
    inner_doc(
        &mut head,
        &format!(
            "Typed client for {}, generated from its OpenAPI description.\n\n\
             - `models`: the schemas, as Graph sends them; unknown members are kept.\n\
             - `operations`: one request type per operation; each builds an `http::Request` and parses \
             the response with no I/O.\n\
             - `client` (feature `client`, on by default): an async client that sends them.",
            escape_doc_line(&api.title)
        ),
    );
    w.raw(&head);
    w.raw(
        "pub mod models;\n\
         pub mod operations;\n\
         pub mod paging;\n\
         pub mod runtime;\n\
         pub mod values;\n\
         #[cfg(feature = \"client\")]\n\
         pub mod client;\n\
         #[cfg(feature = \"client\")]\n\
         pub use client::Client;\n\
         pub use runtime::{\n    \
             ApiError, BaseUrl, BearerToken, DecodeError, Error, ErrorBody, Operation, Patch,\n    \
             RequestError, RetryPolicy,\n\
         };\n",
    );
    w.item(|out| {
        line(out, 0, "/// The service root named by the description's first server.");
        line(out, 0, &format!("pub const DEFAULT_BASE_URL: &str = {};", lit(s.base_url)));
        true
    });
    w.raw(
        "/// [`DEFAULT_BASE_URL`] as a [`BaseUrl`].\n\
         pub fn default_base_url() -> BaseUrl {\n    \
             BaseUrl::trusted(DEFAULT_BASE_URL)\n\
         }\n",
    );
}

fn emit_patches_and_pages(w: &mut Writer, api: &Api, areas: &Areas) {
    for (i, p) in api.patches.iter().enumerate() {
        emit_patch(w, api, p, &cfg_for(areas, areas.patch_users.get(i)));
    }
    let mut seen_pages = BTreeSet::new();
    for p in api.operations.iter().filter_map(|op| op.pager.as_ref()) {
        if seen_pages.insert(p.page) {
            emit_page_impl(w, api, p, &cfg_for(areas, areas.type_users.get(p.page.0)));
        }
    }
}

fn emit_page_impl(w: &mut Writer, api: &Api, p: &PagerDef, cfg: &str) {
    let page = rust_type(api, &TypeRef::Named(p.page), false);
    let item = rust_type(api, &p.item, false);
    let items = field_ident(&p.items_field);
    let next = field_ident(&p.next_link_field);
    let (items_optional, next_optional) = match api.types.get(p.page.0).map(|t| &t.kind) {
        Some(TypeKind::Struct(s)) => (
            s.fields.iter().any(|f| f.rust_name == p.items_field && (!f.required || f.nullable)),
            s.fields.iter().any(|f| f.rust_name == p.next_link_field && (!f.required || f.nullable)),
        ),
        _ => (true, true),
    };
    let into_items = if items_optional { format!("self.{items}.unwrap_or_default()") } else { format!("self.{items}") };
    let next_link = if next_optional { format!("self.{next}.as_deref()") } else { format!("Some(self.{next}.as_str())") };
    w.item(|out| {
        out.push_str(cfg);
        impl_for(out, "impl crate::paging::Page", &page);
        typed_line(out, 4, "type Item = ", &item, ";");
        line(out, 4, "fn into_items(self) -> Vec<Self::Item> {");
        line(out, 8, &into_items);
        line(out, 4, "}");
        line(out, 4, "fn next_link(&self) -> Option<&str> {");
        line(out, 8, &next_link);
        line(out, 4, "}");
        emit_page_extras(out, p);
        line(out, 0, "}");
        true
    });
}

/// Hook: the `Page` methods lower found a source for (`delta_link`, `count`); the trait's
/// defaults (`None`) cover the rest.
fn emit_page_extras(out: &mut String, p: &PagerDef) {
    if let Some(field) = &p.delta_link_field {
        line(out, 4, "fn delta_link(&self) -> Option<&str> {");
        line(out, 8, &format!("self.{}.as_deref()", field_ident(field)));
        line(out, 4, "}");
    }
    let count = match &p.count {
        None => return,
        Some(PageCount::Field { rust_name, wide, optional }) => {
            let field = format!("self.{}", field_ident(rust_name));
            match (wide, optional) {
                (true, true) => field,
                (true, false) => format!("Some({field})"),
                (false, true) => format!("{field}.map(i64::from)"),
                (false, false) => format!("Some(i64::from({field}))"),
            }
        }
        Some(PageCount::Extra(map)) => {
            format!("crate::paging::odata_count(&self.{})", field_ident(map))
        }
    };
    line(out, 4, "fn count(&self) -> Option<i64> {");
    line(out, 8, &count);
    line(out, 4, "}");
}

fn deprecated_attr(out: &mut String, indent: usize, d: &Option<Deprecation>) {
    match d {
        None => {}
        Some(Deprecation { note: Some(note) }) => attr_args(out, indent, "deprecated", &[format!("note = {}", lit(note))]),
        Some(Deprecation { note: None }) => line(out, indent, "#[deprecated]"),
    }
}

fn emit_type(w: &mut Writer, api: &Api, t: &TypeDef, cfg: &str) {
    let mut docs = t.doc.clone().unwrap_or_default();
    if !t.schema_name.is_empty() && t.schema_name.contains('.') {
        if !docs.is_empty() {
            docs.push_str("\n\n");
        }
        docs.push_str(&format!("Schema `{}`.", t.schema_name));
    }
    let head = |out: &mut String| {
        doc(out, 0, &docs);
        deprecated_attr(out, 0, &t.deprecated);
        out.push_str(cfg);
    };
    match &t.kind {
        TypeKind::Alias(ty) => w.item(|out| {
            head(out);
            typed_line(out, 0, &format!("pub type {} = ", t.name), &rust_type(api, ty, false), ";");
            true
        }),
        TypeKind::Enum(e) => emit_enum(w, &t.name, head, cfg, e),
        TypeKind::Struct(s) => w.item(|out| {
            head(out);
            emit_struct(out, api, &t.name, s);
            true
        }),
        TypeKind::Union(u) => emit_union(w, api, &t.name, head, cfg, u),
    }
}

fn emit_struct(out: &mut String, api: &Api, name: &str, s: &StructDef) {
    let defaultable = s.fields.iter().all(|f| !f.required || f.nullable || type_has_default(api, &f.ty));
    line(
        out,
        0,
        if defaultable {
            "#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]"
        } else {
            "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]"
        },
    );
    if s.fields.is_empty() && s.extra.is_none() {
        line(out, 0, &format!("pub struct {name} {{}}"));
        return;
    }
    line(out, 0, &format!("pub struct {name} {{"));
    for f in &s.fields {
        doc(out, 4, f.doc.as_deref().unwrap_or(""));
        deprecated_attr(out, 4, &f.deprecated);
        let mut ty = rust_type(api, &f.ty, false);
        if f.boxed {
            ty = format!("Box<{ty}>");
        }
        let optional = !f.required || f.nullable;
        let mut serde_args = Vec::new();
        if f.rust_name != f.json_name {
            serde_args.push(format!("rename = {}", lit(&f.json_name)));
        }
        for alias in &f.aliases {
            serde_args.push(format!("alias = {}", lit(alias)));
        }
        if optional {
            ty = format!("Option<{ty}>");
            serde_args.push("default".to_string());
            // A required but nullable member is always written, as `null` when None.
            if !f.required {
                serde_args.push("skip_serializing_if = \"Option::is_none\"".to_string());
            }
        }
        if !serde_args.is_empty() {
            attr_args(out, 4, "serde", &serde_args);
        }
        typed_line(out, 4, &format!("pub {}: ", field_ident(&f.rust_name)), &ty, ",");
    }
    if let Some(x) = &s.extra {
        line(out, 4, "/// Members the description does not declare, kept as sent (Graph adds properties over time).");
        line(out, 4, "#[serde(flatten)]");
        let ty = format!("serde_json::Map<String, {}>", rust_type(api, &x.value, false));
        typed_line(out, 4, &format!("pub {}: ", field_ident(&x.rust_name)), &ty, ",");
    }
    line(out, 0, "}");
}

/// Whether `Default` can be derived for a required field of this type.
fn type_has_default(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(id) => match api.types.get(id.0).map(|t| &t.kind) {
            // Only one level deep: a struct whose required fields are all plain values.
            Some(TypeKind::Struct(s)) => s.fields.iter().all(|f| !f.required || f.nullable || plain_default(&f.ty)),
            Some(TypeKind::Alias(inner)) => plain_default(inner),
            Some(TypeKind::Enum(e)) => e.flags,
            _ => false,
        },
        other => plain_default(other),
    }
}

/// Types whose `Default` exists without looking at any generated type.
fn plain_default(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String | TypeRef::Bool | TypeRef::I16 | TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64 => true,
        TypeRef::Json | TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Nullable(_) | TypeRef::Bytes | TypeRef::Duration => true,
        TypeRef::Lenient(inner) => plain_default(inner),
        TypeRef::Named(_) | TypeRef::DateTime | TypeRef::Date | TypeRef::Time | TypeRef::Uuid => false,
        TypeRef::ConsistencyLevel => true,
    }
}

/// The value of a match arm, with the shape prettyplease breaks it by when it does not fit.
enum ArmValue {
    Plain(String),
    /// `(tag, serde_json::to_value(value))`, the tag `None` or `Some("…")` (a literal): broken, one
    /// element per line.
    Tagged(Option<String>),
    /// `serde_json::from_value(value).map(|v| Self::Variant(Box::new(v)))`: broken, `.map` on its
    /// own line, and then the variant's argument on its own.
    FromValue(String),
}

impl ArmValue {
    fn flat(&self) -> String {
        match self {
            ArmValue::Plain(v) => v.clone(),
            ArmValue::Tagged(tag) => format!("({}, serde_json::to_value(value))", some_or_none(tag.as_deref())),
            ArmValue::FromValue(variant) => format!("serde_json::from_value(value).map(|v| Self::{variant}(Box::new(v)))"),
        }
    }
}

fn some_or_none(literal: Option<&str>) -> String {
    literal.map_or_else(|| "None".to_string(), |l| format!("Some({l})"))
}

/// A match arm `pattern => value,` at `indent`; when it does not fit, prettyplease moves the value
/// into a block on its own line, broken further if need be. Returns false when the value would
/// break in a way this writer does not lay out.
fn arm(out: &mut String, indent: usize, pattern: &str, value: &ArmValue) -> bool {
    let flat = value.flat();
    // The arm's comma is added by a break that did not break, so it does not count.
    if indent + pattern.len() + 4 + flat.len() <= MARGIN {
        pad(out, indent);
        out.push_str(pattern);
        out.push_str(" => ");
        out.push_str(&flat);
        out.push_str(",\n");
        return true;
    }
    line(out, indent, &format!("{pattern} => {{"));
    let inner = indent + 4;
    let laid = if inner + flat.len() <= MARGIN {
        line(out, inner, &flat);
        true
    } else {
        match value {
            ArmValue::Plain(v) => {
                line(out, inner, v);
                false
            }
            ArmValue::Tagged(tag) => {
                line(out, inner, "(");
                let first = some_or_none(tag.as_deref());
                // The comma after the first element counts toward its fit.
                let laid = match tag {
                    Some(literal) if inner + 4 + first.len() + 1 > MARGIN => {
                        line(out, inner + 4, "Some(");
                        line(out, inner + 8, &format!("{literal},"));
                        line(out, inner + 4, "),");
                        inner + 8 + literal.len() <= MARGIN || unbreakable(literal)
                    }
                    _ => {
                        line(out, inner + 4, &format!("{first},"));
                        true
                    }
                };
                line(out, inner + 4, "serde_json::to_value(value),");
                line(out, inner, ")");
                laid
            }
            ArmValue::FromValue(variant) => {
                line(out, inner, "serde_json::from_value(value)");
                let call = format!(".map(|v| Self::{variant}(Box::new(v)))");
                let at = inner + 4;
                if at + call.len() <= MARGIN {
                    line(out, at, &call);
                    true
                } else {
                    let head = format!(".map(|v| Self::{variant}(");
                    line(out, at, &head);
                    line(out, at + 4, "Box::new(v),");
                    line(out, at, "))");
                    at + head.len() <= MARGIN
                }
            }
        }
    };
    line(out, indent, "}");
    laid
}

/// `Name(Ty),` as an enum variant at indent 4, its field on a line of its own when it does not fit.
fn tuple_variant(out: &mut String, name: &str, ty: &str) {
    if 4 + name.len() + ty.len() + 3 <= MARGIN {
        line(out, 4, &format!("{name}({ty}),"));
    } else {
        line(out, 4, &format!("{name}("));
        type_args(out, 8, &[ty]);
        line(out, 4, "),");
    }
}

fn emit_union(w: &mut Writer, api: &Api, name: &str, head: impl FnOnce(&mut String), cfg: &str, u: &UnionDef) {
    let tag = lit(&u.tag_property);
    let fallback = &u.fallback;
    let base = rust_type(api, &TypeRef::Named(u.base), false);
    let base_name = api.types.get(u.base.0).map(|t| t.name.as_str()).unwrap_or("");
    w.item(|out| {
        head(out);
        line(out, 0, "#[derive(Debug, Clone, PartialEq)]");
        line(out, 0, &format!("pub enum {name} {{"));
        for v in &u.variants {
            own_doc(out, 4, &format!("`{}` `{}`.", u.tag_property, v.wire));
            tuple_variant(out, &v.rust_name, &format!("Box<{}>", rust_type(api, &TypeRef::Named(v.ty), false)));
        }
        own_doc(
            out,
            4,
            &format!(
                "A type derived from [`{base_name}`] that this crate does not know; its own members, and \
                 its `{}`, are kept in `additional_properties`.",
                u.tag_property
            ),
        );
        tuple_variant(out, fallback, &format!("Box<{base}>"));
        line(out, 0, "}");
        true
    });
    w.item(|out| {
        out.push_str(cfg);
        impl_for(out, "impl Serialize", name);
        line(out, 4, "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {");
        line(out, 8, "let (tag, value) = match self {");
        let mut laid = true;
        for v in &u.variants {
            laid &= arm(out, 12, &format!("Self::{}(value)", v.rust_name), &ArmValue::Tagged(Some(lit(&v.wire))));
        }
        laid &= arm(out, 12, &format!("Self::{fallback}(value)"), &ArmValue::Tagged(None));
        line(out, 8, "};");
        line(out, 8, "let mut value = value.map_err(serde::ser::Error::custom)?;");
        line(out, 8, "if let (Some(tag), serde_json::Value::Object(map)) = (tag, &mut value) {");
        line(out, 12, &format!("map.entry({tag}).or_insert_with(|| serde_json::Value::from(tag));"));
        line(out, 8, "}");
        line(out, 8, "value.serialize(serializer)");
        line(out, 4, "}");
        line(out, 0, "}");
        laid
    });
    w.item(|out| {
        out.push_str(cfg);
        impl_for(out, "impl<'de> Deserialize<'de>", name);
        out.push_str(
            "    fn deserialize<D: serde::Deserializer<'de>>(\n        \
                 deserializer: D,\n    \
             ) -> Result<Self, D::Error> {\n        \
                 let value = serde_json::Value::deserialize(deserializer)?;\n        \
                 let tag = value\n",
        );
        line(out, 12, &format!(".get({tag})"));
        line(out, 12, ".and_then(serde_json::Value::as_str)");
        line(out, 12, ".map(|t| t.trim_start_matches('#').to_string());");
        line(out, 8, "let parsed = match tag.as_deref() {");
        let mut laid = true;
        for v in &u.variants {
            let tag = lit(v.wire.trim_start_matches('#'));
            let pattern = if v.ty == u.base { format!("None | Some({tag})") } else { format!("Some({tag})") };
            laid &= arm(out, 12, &pattern, &ArmValue::FromValue(v.rust_name.clone()));
        }
        laid &= arm(out, 12, "Some(_)", &ArmValue::FromValue(fallback.clone()));
        line(out, 8, "};");
        line(out, 8, "parsed.map_err(serde::de::Error::custom)");
        line(out, 4, "}");
        line(out, 0, "}");
        laid
    });
}

fn emit_enum(w: &mut Writer, name: &str, head: impl FnOnce(&mut String), cfg: &str, e: &EnumDef) {
    let fallback = &e.fallback;
    w.item(|out| {
        head(out);
        line(out, 0, "#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]");
        line(out, 0, &format!("pub enum {name} {{"));
        for v in &e.variants {
            doc(out, 4, &format!("`{}`{}", v.wire, v.doc.as_deref().map(|d| format!(": {d}")).unwrap_or_default()));
            line(out, 4, &format!("{},", v.rust_name));
        }
        line(out, 4, "/// A value this crate does not know yet, kept as sent.");
        line(out, 4, &format!("{fallback}(String),"));
        line(out, 0, "}");
        true
    });
    w.item(|out| {
        out.push_str(cfg);
        line(out, 0, &format!("impl {name} {{"));
        line(out, 4, "/// The value as it appears on the wire.");
        line(out, 4, "pub fn as_str(&self) -> &str {");
        line(out, 8, "match self {");
        let mut laid = true;
        for v in &e.variants {
            laid &= arm(out, 12, &format!("Self::{}", v.rust_name), &ArmValue::Plain(lit(&v.wire)));
        }
        line(out, 12, &format!("Self::{fallback}(value) => value,"));
        line(out, 8, "}");
        line(out, 4, "}");
        line(out, 0, "}");
        laid
    });
    w.item(|out| {
        out.push_str(cfg);
        impl_for(out, "impl From<&str>", name);
        line(out, 4, "fn from(value: &str) -> Self {");
        line(out, 8, "match value {");
        let mut laid = true;
        for v in &e.variants {
            laid &= arm(out, 12, &lit(&v.wire), &ArmValue::Plain(format!("Self::{}", v.rust_name)));
        }
        laid &= arm(out, 12, "other", &ArmValue::Plain(format!("Self::{fallback}(other.to_string())")));
        line(out, 8, "}");
        line(out, 4, "}");
        line(out, 0, "}");
        laid
    });
    for (head, body) in [
        (
            "impl std::fmt::Display",
            "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n        \
                 f.write_str(self.as_str())\n    \
             }\n",
        ),
        (
            "impl Serialize",
            "    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {\n        \
                 serializer.serialize_str(self.as_str())\n    \
             }\n",
        ),
        (
            "impl<'de> Deserialize<'de>",
            "    fn deserialize<D: serde::Deserializer<'de>>(\n        \
                 deserializer: D,\n    \
             ) -> Result<Self, D::Error> {\n        \
                 let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;\n        \
                 Ok(Self::from(value.as_ref()))\n    \
             }\n",
        ),
        (
            "impl crate::runtime::ParamValue",
            "    fn to_param(&self) -> String {\n        \
                 self.as_str().to_string()\n    \
             }\n",
        ),
        (
            "impl crate::values::WireEnum",
            "    fn as_wire(&self) -> &str {\n        \
                 self.as_str()\n    \
             }\n    \
             fn from_wire(value: &str) -> Self {\n        \
                 Self::from(value)\n    \
             }\n",
        ),
    ] {
        w.item(|out| {
            out.push_str(cfg);
            impl_for(out, head, name);
            out.push_str(body);
            out.push_str("}\n");
            true
        });
    }
}

fn emit_patch(w: &mut Writer, api: &Api, p: &PatchDef, cfg: &str) {
    let name = &p.name;
    let of = api.types.get(p.of.0).map(|t| t.name.as_str()).unwrap_or("");
    w.item(|out| {
        own_doc(
            out,
            0,
            &format!(
                "The PATCH body of [`{of}`]: each field is left alone unless set. Fields that may be null \
                 are a [`Patch`](crate::runtime::Patch) (leave alone, clear, set); the others an `Option` \
                 (leave alone, set). The key, read-only and navigation properties are not here."
            ),
        );
        out.push_str(cfg);
        line(out, 0, "#[derive(Debug, Clone, PartialEq, Default)]");
        if p.fields.is_empty() {
            line(out, 0, &format!("pub struct {name} {{}}"));
            return true;
        }
        line(out, 0, &format!("pub struct {name} {{"));
        for f in &p.fields {
            doc(out, 4, f.doc.as_deref().unwrap_or(""));
            let mut ty = rust_type(api, &f.ty, false);
            if f.boxed {
                ty = format!("Box<{ty}>");
            }
            let ty = if f.nullable { format!("crate::runtime::Patch<{ty}>") } else { format!("Option<{ty}>") };
            typed_line(out, 4, &format!("pub {}: ", field_ident(&f.rust_name)), &ty, ",");
        }
        line(out, 0, "}");
        true
    });
    w.item(|out| {
        out.push_str(cfg);
        impl_for(out, "impl Serialize", name);
        line(out, 4, "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {");
        line(out, 8, "use serde::ser::SerializeMap;");
        line(out, 8, "let mut map = serializer.serialize_map(None)?;");
        call(out, 8, "map.serialize_entry(", &[lit(&p.tag_property), lit(&p.odata_type)], ")?;");
        for f in &p.fields {
            let field = field_ident(&f.rust_name);
            let wire = lit(&f.json_name);
            if f.nullable {
                if_open(out, 8, &format!("if !self.{field}.is_unchanged()"));
                call(out, 12, "map.serialize_entry(", &[wire, format!("&self.{field}")], ")?;");
            } else {
                if_open(out, 8, &format!("if let Some(value) = &self.{field}"));
                call(out, 12, "map.serialize_entry(", &[wire, "value".to_string()], ")?;");
            }
            line(out, 8, "}");
        }
        line(out, 8, "map.end()");
        line(out, 4, "}");
        line(out, 0, "}");
        true
    });
}

/// How an operation's field is held: path strings are borrowed, bodies by reference.
fn param_field_type(api: &Api, p: &Param) -> String {
    let base = if p.location == ParamLocation::Path && p.ty == TypeRef::String {
        "&'a str".to_string()
    } else {
        rust_type(api, &p.ty, true)
    };
    if p.required {
        base
    } else {
        format!("Option<{base}>")
    }
}

fn op_borrows(op: &Operation) -> bool {
    op.body.is_some() || op.params.iter().any(|p| p.location == ParamLocation::Path && p.ty == TypeRef::String)
}

fn body_type(api: &Api, body: &RequestBody) -> String {
    match &body.ty {
        BodyType::Model(ty) => rust_type(api, ty, true),
        BodyType::Patch(i) => format!("models::{}", api.patches.get(*i).map(|p| p.name.as_str()).unwrap_or("PatchMissing")),
    }
}

fn output_type(api: &Api, op: &Operation) -> String {
    match &op.success.body {
        Some(ty) => format!("Option<{}>", rust_type(api, ty, true)),
        None => "()".to_string(),
    }
}

fn error_type(api: &Api, op: &Operation) -> String {
    match &op.error {
        Some(ty) => rust_type(api, ty, true),
        None => "serde_json::Value".to_string(),
    }
}

const CLIENT_IMPL: &str = "impl crate::client::Client {";

/// Request types and client methods for `ops`; with `module_doc`, as the start of the module file
/// (its documentation and imports), else as a later slice of it.
fn emit_operations(w: &mut Writer, api: &Api, ops: &[&Operation], module_doc: Option<&str>) {
    if let Some(module_doc) = module_doc {
        let mut head = String::new();
        inner_doc(&mut head, module_doc);
        w.raw(&head);
        w.raw(
            "//!\n\
             //! Each request type builds its `http::Request` and reads its response with no I/O (see\n\
             //! [`crate::runtime::build_request`] and [`crate::runtime::parse_response`]).\n\
             #![allow(deprecated)]\n\
             #[allow(unused_imports)]\n\
             use crate::models;\n\
             #[allow(unused_imports)]\n\
             use crate::runtime::{\n    \
                 decode_nothing, decode_optional, decode_text, encode_path_segment, DecodeError,\n    \
                 Error, Operation, ParamValue, RequestError,\n\
             };\n",
        );
    }
    if ops.is_empty() {
        return;
    }
    for op in ops {
        emit_operation(w, api, op);
    }
    w.raw("/// One method per operation, each sending its request type.\n#[cfg(feature = \"client\")]\n");
    w.raw(CLIENT_IMPL);
    w.raw("\n");
    for op in ops {
        w.member(CLIENT_IMPL, |out| {
            emit_client_method(out, api, op);
            true
        });
    }
    w.raw("}\n");
}

fn emit_operation(w: &mut Writer, api: &Api, op: &Operation) {
    let name = &op.type_name;
    let borrows = op_borrows(op);
    let lifetime = if borrows { "<'a>" } else { "" };

    // The constructor takes what is required; optional parameters start as None.
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in &op.params {
        let field = field_ident(&p.rust_name);
        if p.required {
            args.push(format!("{field}: {}", param_field_type(api, p)));
            inits.push(field);
        } else {
            inits.push(format!("{field}: None"));
        }
    }
    if let Some(b) = &op.body {
        if b.required {
            args.push(format!("body: &'a {}", body_type(api, b)));
            inits.push("body".to_string());
        } else {
            inits.push("body: None".to_string());
        }
    }

    w.item(|out| {
        let doc_text = op.doc.as_deref().unwrap_or("");
        doc(out, 0, doc_text);
        if !doc_text.is_empty() {
            line(out, 0, "///");
        }
        own_doc(out, 0, &format!("`{} {}` (operationId `{}`)", op.method.as_str(), op.path_template, op.operation_id));
        deprecated_attr(out, 0, &op.deprecated);
        // With nothing required, `new()` is what `Default` gives; clippy asks for both.
        line(out, 0, if args.is_empty() { "#[derive(Debug, Clone, Default)]" } else { "#[derive(Debug, Clone)]" });
        let fields: Vec<(String, String, Option<&str>)> = op
            .params
            .iter()
            .map(|p| (field_ident(&p.rust_name), param_field_type(api, p), p.doc.as_deref()))
            .chain(op.body.as_ref().map(|b| {
                let ty = body_type(api, b);
                ("body".to_string(), if b.required { format!("&'a {ty}") } else { format!("Option<&'a {ty}>") }, b.doc.as_deref())
            }))
            .collect();
        if fields.is_empty() {
            line(out, 0, &format!("pub struct {name}{lifetime} {{}}"));
        } else {
            generic_head(out, "pub struct ", name, borrows, "{");
            for (field, ty, field_doc) in &fields {
                doc(out, 4, field_doc.unwrap_or(""));
                typed_line(out, 4, &format!("pub {field}: "), ty, ",");
            }
            line(out, 0, "}");
        }
        true
    });

    w.item(|out| {
        if borrows {
            generic_head(out, "impl", "", true, &format!("{name}<'a> {{"));
        } else {
            line(out, 0, &format!("impl {name} {{"));
        }
        if args.len() > 7 {
            line(out, 4, "#[allow(clippy::too_many_arguments)]");
        }
        group(out, 4, "pub fn new(", &args, ") -> Self {", true);
        struct_literal(out, 8, name, &inits);
        line(out, 4, "}");
        line(out, 0, "}");
        true
    });

    w.item(|out| {
        let impl_lifetime = if borrows { "<'_>" } else { "" };
        impl_for(out, "impl Operation", &format!("{name}{impl_lifetime}"));
        typed_line(out, 4, "type Output = ", &output_type(api, op), ";");
        typed_line(out, 4, "type Error = ", &error_type(api, op), ";");
        line(out, 4, &format!("const METHOD: http::Method = http::Method::{};", op.method.as_str()));
        let mut laid = emit_path_fn(out, op);
        emit_param_list(out, op, ParamLocation::Query, "query");
        emit_param_list(out, op, ParamLocation::Header, "headers");
        if let Some(b) = &op.body {
            line(out, 4, "fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {");
            if b.required {
                line(out, 8, "serde_json::to_vec(self.body)");
                line(out, 12, ".map(Some)");
                line(out, 12, ".map_err(|e| RequestError::Body(e.to_string()))");
            } else {
                // prettyplease breaks this chain its own way; leave it to it.
                line(out, 8, "self.body.map(serde_json::to_vec).transpose().map_err(|e| RequestError::Body(e.to_string()))");
                laid = false;
            }
            line(out, 4, "}");
        }
        let decode = match (&op.success.body, op.success.text) {
            (Some(_), false) => "decode_optional",
            (Some(_), true) => "decode_text",
            (None, _) => "decode_nothing",
        };
        out.push_str(
            "    fn parse_success(\n        \
                 status: http::StatusCode,\n        \
                 body: &[u8],\n    \
             ) -> Result<Self::Output, DecodeError> {\n",
        );
        line(out, 8, &format!("{decode}(status, body)"));
        line(out, 4, "}");
        line(out, 0, "}");
        laid
    });
}

/// `Name { a, b: None }`: prettyplease keeps a struct literal on one line only up to 34 columns
/// of fields, else puts one field per line.
fn struct_literal(out: &mut String, indent: usize, name: &str, fields: &[String]) {
    let flat = if fields.is_empty() { format!("{name} {{}}") } else { format!("{name} {{ {} }}", fields.join(", ")) };
    if flat.len() - 1 <= 34 && indent + flat.len() <= MARGIN {
        line(out, indent, &flat);
        return;
    }
    line(out, indent, &format!("{name} {{"));
    for f in fields {
        pad(out, indent + 4);
        out.push_str(f);
        out.push_str(",\n");
    }
    line(out, indent, "}");
}

/// Returns false when a line had to break in a way this writer does not lay out.
fn emit_path_fn(out: &mut String, op: &Operation) -> bool {
    line(out, 4, "fn path(&self) -> Result<String, RequestError> {");
    line(out, 8, "let mut path = String::new();");
    let mut laid = true;
    for segment in &op.path {
        match segment {
            PathSegment::Literal(text) => match single_char(text) {
                Some(c) => line(out, 8, &format!("path.push({});", char_lit(c))),
                None => call(out, 8, "path.push_str(", &[lit(text)], ");"),
            },
            PathSegment::Param(i) => {
                let Some(p) = op.params.get(*i) else { continue };
                let field = field_ident(&p.rust_name);
                let value = if p.ty == TypeRef::String { format!("self.{field}") } else { format!("&self.{field}.to_param()") };
                let wire = lit(&p.wire_name);
                let call = format!("&encode_path_segment({wire}, {value})?");
                if 8 + "path.push_str();".len() + call.len() <= MARGIN {
                    line(out, 8, &format!("path.push_str({call});"));
                } else {
                    line(out, 8, "path.push_str(");
                    if 12 + call.len() <= MARGIN {
                        line(out, 12, &format!("{call},"));
                    } else {
                        line(out, 12, "&encode_path_segment(");
                        line(out, 16, &format!("{wire},"));
                        line(out, 16, &format!("{value},"));
                        line(out, 12, ")?,");
                        laid &= 16 + wire.len() <= MARGIN && 16 + value.len() <= MARGIN;
                    }
                    line(out, 8, ");");
                }
            }
        }
    }
    line(out, 8, "Ok(path)");
    line(out, 4, "}");
    laid
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// `fn query` or `fn headers`, when the operation has such parameters.
fn emit_param_list(out: &mut String, op: &Operation, location: ParamLocation, fn_name: &str) {
    let params: Vec<&Param> = op.params.iter().filter(|p| p.location == location).collect();
    if params.is_empty() {
        return;
    }
    line(out, 4, &format!("fn {fn_name}(&self) -> Vec<(&'static str, String)> {{"));
    let required: Vec<String> = params
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("({}, self.{}.to_param())", lit(&p.wire_name), field_ident(&p.rust_name)))
        .collect();
    let list = format!("vec![{}]", required.join(", "));
    if params.iter().all(|p| p.required) {
        line(out, 8, &list);
    } else {
        line(out, 8, &format!("let mut list = {list};"));
        for p in params.iter().filter(|p| !p.required) {
            if_open(out, 8, &format!("if let Some(value) = &self.{}", field_ident(&p.rust_name)));
            line(out, 12, &format!("list.push(({}, value.to_param()));", lit(&p.wire_name)));
            line(out, 8, "}");
        }
        line(out, 8, "list");
    }
    line(out, 4, "}");
}

fn emit_client_method(out: &mut String, api: &Api, op: &Operation) {
    let doc_text = op.doc.as_deref().unwrap_or("");
    doc(out, 4, doc_text);
    if op.doc.is_some() {
        line(out, 4, "///");
    }
    own_doc(
        out,
        4,
        &format!(
            "Sends [`{0}`]; optional parameters are left out (build the request type and call \
             [`Client::send`](crate::client::Client::send) to set them).",
            op.type_name
        ),
    );
    deprecated_attr(out, 4, &op.deprecated);
    let mut args = vec!["&self".to_string()];
    let mut values = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let field = field_ident(&p.rust_name);
        let ty = if p.location == ParamLocation::Path && p.ty == TypeRef::String { "&str".to_string() } else { param_field_type(api, p) };
        args.push(format!("{field}: {ty}"));
        values.push(field);
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        args.push(format!("body: &{}", body_type(api, b)));
        values.push("body".to_string());
    }
    if args.len() > 7 {
        line(out, 4, "#[allow(clippy::too_many_arguments)]");
    }
    let open = format!("pub async fn {}(", field_ident(&op.fn_name));
    let output = output_type(api, op);
    let error = format!("Error<{}>", error_type(api, op));
    let params = args.join(", ");
    let returns = format!(") -> Result<{output}, {error}> {{");
    if 4 + open.len() + params.len() + returns.len() <= MARGIN {
        line(out, 4, &format!("{open}{params}{returns}"));
    } else {
        // One parameter per line; then the return type's generic arguments too, if need be.
        line(out, 4, &open);
        for a in &args {
            line(out, 8, &format!("{a},"));
        }
        if 4 + returns.len() <= MARGIN {
            line(out, 4, &returns);
        } else {
            line(out, 4, ") -> Result<");
            type_args(out, 8, &[&output, &error]);
            line(out, 4, "> {");
        }
    }
    let request = format!("&{}::new({})", op.type_name, values.join(", "));
    let send = format!("self.send({request})");
    if 8 + send.len() + ".await".len() <= MARGIN {
        line(out, 8, &format!("{send}.await"));
    } else {
        // prettyplease puts `.await` on a line of its own, one level deeper, and the call's
        // arguments one level deeper still.
        if 8 + send.len() <= MARGIN {
            line(out, 8, &send);
        } else {
            line(out, 8, "self.send(");
            // A call with no arguments has nothing to break.
            if 16 + request.len() <= MARGIN || values.is_empty() {
                line(out, 16, &format!("{request},"));
            } else {
                line(out, 16, &format!("&{}::new(", op.type_name));
                for v in &values {
                    line(out, 20, &format!("{v},"));
                }
                line(out, 16, "),");
            }
            line(out, 12, ")");
        }
        line(out, 12, ".await");
    }
    line(out, 4, "}");
}

/// The Rust spelling of a type reference; `qualified` prefixes named types with `models::`.
fn rust_type(api: &Api, ty: &TypeRef, qualified: bool) -> String {
    match ty {
        TypeRef::String => "String".to_string(),
        TypeRef::Bool => "bool".to_string(),
        TypeRef::I16 => "i16".to_string(),
        TypeRef::DateTime => "jiff::Timestamp".to_string(),
        TypeRef::Date => "jiff::civil::Date".to_string(),
        TypeRef::Time => "jiff::civil::Time".to_string(),
        TypeRef::Duration => "crate::values::IsoDuration".to_string(),
        TypeRef::Uuid => "uuid::Uuid".to_string(),
        TypeRef::Bytes => "crate::values::Base64Bytes".to_string(),
        TypeRef::Lenient(inner) => format!("crate::values::Lenient<{}>", rust_type(api, inner, qualified)),
        TypeRef::I32 => "i32".to_string(),
        TypeRef::I64 => "i64".to_string(),
        TypeRef::F32 => "f32".to_string(),
        TypeRef::F64 => "f64".to_string(),
        TypeRef::Json => "serde_json::Value".to_string(),
        TypeRef::Named(id) => {
            let def = api.types.get(id.0);
            let name = def.map(|t| t.name.as_str()).unwrap_or("MissingType");
            let path = if qualified { format!("models::{name}") } else { name.to_string() };
            match def.map(|t| &t.kind) {
                Some(TypeKind::Enum(e)) if e.flags => format!("crate::values::Flags<{path}>"),
                _ => path,
            }
        }
        TypeRef::Array(inner) => format!("Vec<{}>", rust_type(api, inner, qualified)),
        TypeRef::Map(inner) => format!("std::collections::BTreeMap<String, {}>", rust_type(api, inner, qualified)),
        TypeRef::Nullable(inner) => format!("Option<{}>", rust_type(api, inner, qualified)),
        // Hook: a runtime type lower chose for a header parameter.
        TypeRef::ConsistencyLevel => "crate::runtime::ConsistencyLevel".to_string(),
    }
}

/// `///` lines for a description, made safe for rustdoc: brackets and angle brackets escaped (no
/// broken intra-doc links or stray HTML), bare URLs wrapped, no accidental code blocks.
fn doc(out: &mut String, indent: usize, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    // A lone CR is a line break to a reader but is rejected inside a doc comment, so it splits too.
    for l in text.lines().flat_map(|l| l.split('\r')) {
        doc_line(out, indent, "///", &escape_doc_line(l.trim()));
    }
}

/// Documentation the generator writes itself (already Markdown, links meant), as `///` lines.
fn own_doc(out: &mut String, indent: usize, text: &str) {
    // Spec strings spliced in (an operationId, a path) may hold a lone CR, which a doc comment rejects.
    for l in text.trim().lines().flat_map(|l| l.split('\r')) {
        doc_line(out, indent, "///", l.trim());
    }
}

/// Like [`own_doc`], as inner doc comments (`//!`), for a module's own documentation. The spec's
/// title is escaped where it is spliced in.
fn inner_doc(out: &mut String, text: &str) {
    for l in text.trim().lines().flat_map(|l| l.split('\r')) {
        doc_line(out, 0, "//!", l.trim());
    }
}

fn doc_line(out: &mut String, indent: usize, marker: &str, text: &str) {
    pad(out, indent);
    out.push_str(marker);
    if !text.trim().is_empty() {
        out.push(' ');
        out.push_str(text);
    }
    out.push('\n');
}

fn emit_manifest(api: &Api, s: &CrateSettings<'_>, areas: &Areas) -> String {
    let mut area_features = String::new();
    let mut default = r#"["client"]"#.to_string();
    if areas.split() {
        let names: Vec<String> = areas.areas.iter().map(|a| toml_string(&a.feature)).collect();
        default = r#"["client", "full"]"#.to_string();
        area_features.push_str("# Every area, and the types no operation uses.\n");
        area_features.push_str(&format!("full = [{}]\n", names.join(", ")));
        area_features.push_str("# One feature per area (operation tag): each compiles its operations and the types they use.\n");
        for area in &areas.areas {
            area_features.push_str(&format!("{} = []\n", toml_string(&area.feature)));
        }
    }
    let workspace = if s.standalone { "\n# Built on its own, not as part of an enclosing workspace.\n[workspace]\n" } else { "" };
    let description = toml_string(&format!("Typed Rust client for {}, generated from its OpenAPI description", api.title));
    format!(
        r#"[package]
name = {name}
version = {version}
edition = "2021"
rust-version = "1.85"
description = {description}
publish = false

[dependencies]
http = "1"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
serde_path_to_error = "0.1"
jiff = {{ version = "1", default-features = false, features = ["std", "serde"] }}
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}
reqwest = {{ version = "0.12", default-features = false, features = ["rustls-tls"], optional = true }}
# Only its timer, for the waits between retries (see runtime::RetryPolicy).
tokio = {{ version = "1", default-features = false, features = ["time"], optional = true }}
# Only for the paged-listing streams.
futures-util = {{ version = "0.3", default-features = false, features = ["std"], optional = true }}
# Only with the `tracing` feature: spans and events for sends, retries, redirects and pages.
tracing = {{ version = "0.1", default-features = false, features = ["std"], optional = true }}
# Only with the `azure-identity` feature: the `TokenCredential` trait azure_identity's credentials
# implement (no HTTP client of its own: default features off).
azure_core = {{ version = "1", default-features = false, optional = true }}

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt", "net", "io-util", "time"] }}

[features]
default = {default}
# The async client over reqwest; without it the crate builds and parses requests with no I/O.
# uuid's v4: the random client-request-id each request carries.
client = ["dep:reqwest", "dep:tokio", "dep:futures-util", "uuid/v4"]
# `tracing` spans and events from the client (no token in any field).
tracing = ["client", "dep:tracing"]
# Tokens from azure_identity's credentials (client::AzureCredential).
azure-identity = ["client", "dep:azure_core"]
{area_features}{workspace}"#,
        name = toml_string(s.crate_name),
        version = toml_string(s.crate_version),
    )
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn escape_doc_line(line: &str) -> String {
    let ticks = line.matches('`').count();
    let mut out = String::with_capacity(line.len());
    if line.starts_with('#') {
        out.push('\\');
    }
    for (i, part) in line.split('`').enumerate() {
        if i > 0 {
            // Balanced backticks are code spans and stay; a lone one is escaped.
            out.push_str(if ticks % 2 == 0 { "`" } else { "\\`" });
        }
        if ticks % 2 == 0 && i % 2 == 1 {
            out.push_str(part);
        } else {
            escape_prose(part, &mut out);
        }
    }
    out
}

fn escape_prose(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let url_start = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min();
        let (before, url) = match url_start {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        for c in before.chars() {
            if matches!(c, '[' | ']' | '<' | '>' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        if url.is_empty() {
            break;
        }
        let end = url.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(url.len());
        // Sentence punctuation after a URL is not part of it.
        let link = url[..end].trim_end_matches(['.', ',', ')', ';', ':', '\'']);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if link.len() <= scheme_len {
            // A scheme with no host is not a link; keep it as text and move past it.
            out.push_str(&url[..scheme_len]);
            rest = &url[scheme_len..];
            continue;
        }
        out.push('<');
        out.push_str(link);
        out.push('>');
        rest = &url[link.len()..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped_as_proc_macro2_escapes_them() {
        // The generated bytes used to come from proc-macro2's token printer; they still match it.
        let strings = ["plain", "quote \" backslash \\", "tab\t newline\n cr\r", "nul\0 nul-digit\u{0}7", "é ü ñ 中", "\u{7f}\u{200b}\u{301}", "it's"];
        for s in strings {
            assert_eq!(lit(s), proc_macro2::Literal::string(s).to_string(), "{s:?}");
        }
        for c in ['/', '\'', '"', '\\', '\n', 'é', '\u{301}', '\0'] {
            assert_eq!(char_lit(c), proc_macro2::Literal::character(c).to_string(), "{c:?}");
        }
    }

    #[test]
    fn long_generic_types_break_as_prettyplease_breaks_them() {
        let types = [
            "Option<Vec<crate::values::Flags<SomeQuiteLongEnumerationNameThatGoesOnAndOnForeverAndEver>>>",
            "std::collections::BTreeMap<String, Vec<crate::values::Lenient<AnotherRatherLongTypeName>>>",
            "Option<Vec<AnyDeviceManagementTroubleshootingEventWithAVeryLongName>>",
            "Option<ShortName>",
        ];
        for ty in types {
            for name in ["a", "a_rather_long_field_name_of_the_kind_graph_has"] {
                let mut ours = String::from("struct S {\n");
                typed_line(&mut ours, 4, &format!("pub {name}: "), ty, ",");
                ours.push_str("}\n");
                let printed = prettyplease::unparse(&syn::parse_file(&ours).expect("parses"));
                assert_eq!(ours, printed);
            }
        }
        assert_eq!(split_generics("BTreeMap<String, Vec<A>>"), Some(("BTreeMap", vec!["String", "Vec<A>"])));
        assert_eq!(split_generics("String"), None);
    }

    #[test]
    fn unbreakable_lines_are_recognised() {
        assert!(unbreakable("note = \"a long deprecation note\""));
        assert!(unbreakable("\"a lone literal\","));
        assert!(unbreakable("pub a_name: &'a models::Type,"));
        assert!(!unbreakable("path.push_str(\"x\");"));
        assert!(!unbreakable("let x = y;"));
        assert!(!unbreakable("\"a\", \"b\""));
    }
}
