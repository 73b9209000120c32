//! The OpenAPI Initiative's six 3.0 example descriptions (spec/openapi-examples/), none of them
//! Graph's: each must generate, and the six crates must compile and pass
//! `clippy --all-targets -D warnings`, with none of Graph's OData conventions in them.
//!
//! The crates are written under target/oai-examples/ as members of one throwaway workspace that
//! uses this workspace's Cargo.lock (so the same dependency versions, and no network) and its own
//! target dir (target/oai-examples-target/), so dependencies build once and stay built.

use graph_codegen::{generate, Runtime, Settings};
use std::path::Path;
use std::process::Command;
use test_support::workspace_root;

const EXAMPLES: &[&str] = &["api-with-examples", "callback-example", "link-example", "petstore", "petstore-expanded", "uspto"];

fn settings(name: &str) -> Settings {
    Settings {
        crate_name: format!("oai-{name}"),
        crate_version: "0.1.0".to_string(),
        spec_path: format!("spec/openapi-examples/{name}.yaml"),
        command: "cargo test -p graph-codegen --test oai_examples".to_string(),
        standalone: false,
        // The workspace's runtime, by an absolute path: the crates are written under target/.
        runtime: Runtime::Path(workspace_root().join("runtime").to_string_lossy().replace('\\', "/")),
    }
}

/// Generates every example into `dir/<name>/`, replacing what an earlier run left there; returns
/// the text of each file written.
fn generate_all(dir: &Path) -> Vec<String> {
    let mut texts = Vec::new();
    for name in EXAMPLES {
        let spec = std::fs::read_to_string(workspace_root().join(format!("spec/openapi-examples/{name}.yaml"))).unwrap();
        let generated = generate(&spec, &settings(name)).unwrap_or_else(|diags| {
            let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
            panic!("{name} does not generate:\n{}", text.join("\n"))
        });
        let out = dir.join(name);
        let _ = std::fs::remove_dir_all(&out);
        for file in &generated.files {
            let path = out.join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.contents).unwrap();
            texts.push(file.contents.clone());
        }
    }
    texts
}

#[test]
fn the_oai_examples_generate_compile_and_pass_clippy() {
    let root = workspace_root();
    let dir = root.join("target/oai-examples");
    std::fs::create_dir_all(&dir).unwrap();
    let texts = generate_all(&dir);
    for text in &texts {
        assert!(!text.contains("@odata"), "an OData convention leaked into a plain description");
        assert!(!text.contains("graph.microsoft.com"), "Graph's base URL leaked into a plain description");
    }
    // USPTO's server is `{scheme}://developer.uspto.gov/ds-api`, `scheme` defaulting to https.
    let uspto = std::fs::read_to_string(dir.join("uspto/src/lib.rs")).unwrap();
    assert!(
        uspto.contains(r#"pub const DEFAULT_BASE_URL: &str = "https://developer.uspto.gov/ds-api";"#),
        "USPTO's server variable was not resolved to its default"
    );
    let members: Vec<String> = EXAMPLES.iter().map(|n| format!("{n:?}")).collect();
    std::fs::write(dir.join("Cargo.toml"), format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", "))).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .current_dir(&dir)
        .args(["clippy", "--workspace", "--all-targets", "--offline", "--quiet", "--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", root.join("target/oai-examples-target"))
        .output()
        .unwrap();
    assert!(output.status.success(), "clippy failed on the OAI examples:\n{}", String::from_utf8_lossy(&output.stderr));
}
