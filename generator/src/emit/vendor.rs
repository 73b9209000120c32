//! The runtime copied into a crate generated with [`Runtime::Vendored`](crate::Runtime::Vendored):
//! the workspace's `runtime/` crate, its sources as they are, under `graph-runtime/`.

/// The folder of the crate the copy goes in.
pub const VENDORED_DIR: &str = "graph-runtime";

/// Every source file of the runtime crate, by its path inside that crate. A test compares this
/// list with `runtime/src`, so a new file cannot be left out of vendored crates.
pub const RUNTIME_SOURCES: &[(&str, &str)] = &[
    ("src/auth.rs", include_str!("../../../runtime/src/auth.rs")),
    ("src/bodies.rs", include_str!("../../../runtime/src/bodies.rs")),
    ("src/budget.rs", include_str!("../../../runtime/src/budget.rs")),
    ("src/client/call.rs", include_str!("../../../runtime/src/client/call.rs")),
    ("src/client/mod.rs", include_str!("../../../runtime/src/client/mod.rs")),
    ("src/client/pages.rs", include_str!("../../../runtime/src/client/pages.rs")),
    ("src/client/token.rs", include_str!("../../../runtime/src/client/token.rs")),
    ("src/client/transport.rs", include_str!("../../../runtime/src/client/transport.rs")),
    ("src/encode.rs", include_str!("../../../runtime/src/encode.rs")),
    ("src/error.rs", include_str!("../../../runtime/src/error.rs")),
    ("src/graph/batch.rs", include_str!("../../../runtime/src/graph/batch.rs")),
    ("src/graph/consistency.rs", include_str!("../../../runtime/src/graph/consistency.rs")),
    ("src/graph/count.rs", include_str!("../../../runtime/src/graph/count.rs")),
    ("src/graph/delta.rs", include_str!("../../../runtime/src/graph/delta.rs")),
    ("src/graph/mod.rs", include_str!("../../../runtime/src/graph/mod.rs")),
    ("src/graph/scopes.rs", include_str!("../../../runtime/src/graph/scopes.rs")),
    ("src/lib.rs", include_str!("../../../runtime/src/lib.rs")),
    ("src/members.rs", include_str!("../../../runtime/src/members.rs")),
    ("src/operation.rs", include_str!("../../../runtime/src/operation.rs")),
    ("src/pages.rs", include_str!("../../../runtime/src/pages.rs")),
    ("src/params.rs", include_str!("../../../runtime/src/params.rs")),
    ("src/patch.rs", include_str!("../../../runtime/src/patch.rs")),
    ("src/request.rs", include_str!("../../../runtime/src/request.rs")),
    ("src/response.rs", include_str!("../../../runtime/src/response.rs")),
    ("src/retry.rs", include_str!("../../../runtime/src/retry.rs")),
    ("src/service.rs", include_str!("../../../runtime/src/service.rs")),
    ("src/wire.rs", include_str!("../../../runtime/src/wire.rs")),
];

/// The runtime's own manifest, made into the copy's.
const RUNTIME_MANIFEST: &str = include_str!("../../../runtime/Cargo.toml");

/// The copy's `Cargo.toml`: the runtime's manifest under a package name of the generated crate's
/// own (two copies in one workspace may not share one), with the license written out, since the
/// copy is in no workspace to inherit it from, and without its dev-dependencies (its tests are
/// not copied, and they name crates of this workspace). The generated crate names it
/// `graph-runtime`.
pub fn vendored_manifest(crate_name: &str) -> Result<String, String> {
    let name_line = "name = \"graph-runtime\"";
    let license_line = "license.workspace = true";
    if !RUNTIME_MANIFEST.lines().any(|l| l == name_line) || !RUNTIME_MANIFEST.lines().any(|l| l == license_line) {
        return Err(format!("runtime/Cargo.toml no longer has the lines `{name_line}` and `{license_line}` that vendoring rewrites"));
    }
    let mut manifest = String::with_capacity(RUNTIME_MANIFEST.len());
    let mut in_dev_dependencies = false;
    for line in RUNTIME_MANIFEST.lines() {
        if line.starts_with('[') {
            in_dev_dependencies = line == "[dev-dependencies]";
        }
        if !in_dev_dependencies {
            manifest.push_str(line);
            manifest.push('\n');
        }
    }
    Ok(manifest
        .replace(name_line, &format!("name = \"{}\"", vendored_package(crate_name)))
        .replace(license_line, "license = \"MIT OR Apache-2.0\""))
}

/// The package name of a crate's copy of the runtime.
pub fn vendored_package(crate_name: &str) -> String {
    format!("{crate_name}-runtime")
}

/// The runtime's version, as its manifest states it, which generated crates name exactly.
pub fn runtime_version() -> Result<&'static str, String> {
    RUNTIME_MANIFEST
        .lines()
        .find_map(|line| line.strip_prefix("version = \"")?.strip_suffix('"'))
        .ok_or_else(|| "runtime/Cargo.toml states no `version = \"…\"` line".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under runtime/src is vendored, and nothing else.
    #[test]
    fn the_vendored_sources_are_the_runtime_crate_s_files() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src");
        let mut on_disk = Vec::new();
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&src) {
                    on_disk.push(format!("src/{}", rel.to_string_lossy().replace('\\', "/")));
                }
            }
        }
        on_disk.sort();
        let listed: Vec<String> = RUNTIME_SOURCES.iter().map(|(path, _)| path.to_string()).collect();
        assert_eq!(listed, on_disk);
    }

    #[test]
    fn the_vendored_manifest_has_its_own_name_and_no_dev_dependencies() {
        let manifest = vendored_manifest("demo").unwrap();
        assert!(manifest.contains("\nname = \"demo-runtime\"\n"), "{manifest}");
        assert!(manifest.contains("\nlicense = \"MIT OR Apache-2.0\"\n"), "{manifest}");
        assert!(!manifest.contains("dev-dependencies") && !manifest.contains("path ="), "{manifest}");
        assert!(manifest.contains("[features]"), "{manifest}");
        assert_eq!(runtime_version(), Ok("0.1.0"));
    }
}
