//! The generated crate's `Cargo.toml`: TOML text, not Rust, so it is written as text.

use super::CrateSettings;
use crate::areas::{Areas, Split};
use crate::ir::Api;

pub fn emit_manifest(api: &Api, s: &CrateSettings<'_>, areas: &Areas) -> String {
    let (default, area_features) = match areas {
        Areas::Single => (r#"["client"]"#, String::new()),
        Areas::Split(split) => (r#"["client", "full"]"#, split_features(split)),
    };
    let workspace = if s.standalone { "\n# Built on its own, not as part of an enclosing workspace.\n[workspace]\n" } else { "" };
    let description = toml_string(&format!("Typed Rust client for {}, generated from its OpenAPI description", api.title));
    format!(
        r#"[package]
name = {name}
version = {version}
# 2024: rustdoc builds all of a crate's doctests as one binary (2021: one per example).
edition = "2024"
description = {description}
publish = false

[dependencies]
http = "1"
serde = {{ version = "1", features = ["derive"] }}
# `raw_value`: unknown members are kept as their JSON text (see objects::UnknownMembers).
serde_json = {{ version = "1", features = ["raw_value"] }}
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
