//! The generated crate's `Cargo.toml`: TOML text, not Rust, so it is written as text.

use super::vendor::{vendored_package, VENDORED_DIR};
use super::CrateSettings;
use crate::areas::{Areas, Split};
use crate::ir::Api;
use crate::Runtime;

pub fn emit_manifest(api: &Api, s: &CrateSettings<'_>, areas: &Areas) -> Result<String, String> {
    let (default, area_features) = match areas {
        Areas::Single => (r#"["client"]"#, String::new()),
        Areas::Split(split) => (r#"["client", "full"]"#, split_features(split)),
    };
    let workspace = if s.standalone { "\n# Built on its own, not as part of an enclosing workspace.\n[workspace]\n" } else { "" };
    let description = toml_string(&format!("Typed Rust client for {}, generated from its OpenAPI description", api.title));
    Ok(format!(
        r#"[package]
name = {name}
version = {version}
# 2024: rustdoc builds all of a crate's doctests as one binary (2021: one per example).
edition = "2024"
description = {description}
publish = false

[dependencies]
{runtime}
http = "1"
serde = {{ version = "1", features = ["derive"] }}
# `raw_value`: unknown members are kept as their JSON text (see objects::UnknownMembers).
serde_json = {{ version = "1", features = ["raw_value"] }}
jiff = {{ version = "1", default-features = false, features = ["std", "serde"] }}
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}

[dev-dependencies]
# For tests written beside the crate: an async runtime, and JSON paths in decode errors.
tokio = {{ version = "1", features = ["macros", "rt", "net", "io-util", "time"] }}
serde_path_to_error = "0.1"

[features]
default = {default}
# The async client over reqwest; without it the crate builds and parses requests with no I/O.
client = ["graph-runtime/client"]
# `tracing` spans and events from the client (no token in any field).
tracing = ["client", "graph-runtime/tracing"]
# Tokens from azure_identity's credentials (client::AzureCredential).
azure-identity = ["client", "graph-runtime/azure-identity"]
{area_features}{workspace}"#,
        name = toml_string(s.crate_name),
        version = toml_string(s.crate_version),
        runtime = runtime_dependency(s)?,
    ))
}

/// The dependency on the runtime, which the emitted code names `graph_runtime` in either mode:
/// the workspace's crate by path, or the copy in the crate's own folder under a package name of
/// its own. Exact version: the runtime's `__private` helpers may change in any release.
fn runtime_dependency(s: &CrateSettings<'_>) -> Result<String, String> {
    let (comment, source) = match s.runtime {
        Runtime::Path(path) => (
            "# The runtime (client, request machinery, paging, values), shared by the workspace's generated crates.".to_string(),
            format!("path = {}", toml_string(path)),
        ),
        Runtime::Vendored => (
            format!("# The runtime (client, request machinery, paging, values), vendored: a copy in {VENDORED_DIR}/, so that\n# this crate builds with nothing beside it."),
            format!("path = {}, package = {}", toml_string(VENDORED_DIR), toml_string(&vendored_package(s.crate_name))),
        ),
    };
    Ok(format!(
        "{comment}\ngraph-runtime = {{ {source}, version = \"={}\", default-features = false, features = [\"graph\"] }}",
        super::vendor::runtime_version()?
    ))
}

/// The features of a split crate: `full`, one per area (the model groups its operations name) and
/// one per model group (the groups its types contain); Cargo follows the lists, so each name is
/// written once per area or group that needs it directly, never once per area that reaches it.
fn split_features(split: &Split) -> String {
    let list = |names: &mut dyn Iterator<Item = &str>| names.map(toml_string).collect::<Vec<_>>().join(", ");
    let mut out = String::new();
    out.push_str("# Every area and every model group.\nfull = [\n");
    for name in split.areas.iter().map(|a| a.feature.as_str()).chain(split.groups.iter().map(|g| g.feature.as_str())) {
        out.push_str(&format!("    {},\n", toml_string(name)));
    }
    out.push_str("]\n");
    out.push_str("# One feature per area (operation tag): its operations and the model groups they name.\n");
    for area in &split.areas {
        let groups = list(&mut area.groups.iter().filter_map(|g| split.groups.get(*g)).map(|g| g.feature.as_str()));
        out.push_str(&format!("{} = [{groups}]\n", toml_string(&area.feature)));
    }
    out.push_str(
        "# One feature per model group (models/<group>.rs): a type and the types only it contains, with the\n\
         # groups it needs. Navigation properties and derived types' union variants need their target's\n\
         # group on; without it their members are kept as unknown members. Turn a group on by name to\n\
         # type such a target outside the areas you use.\n",
    );
    for group in &split.groups {
        let needs = list(&mut group.needs.iter().filter_map(|g| split.groups.get(*g)).map(|g| g.feature.as_str()));
        out.push_str(&format!("{} = [{needs}]\n", toml_string(&group.feature)));
    }
    out
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
