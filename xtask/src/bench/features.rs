//! What a generated crate's manifest and `models.rs` say about its features: which model groups an
//! area turns on, and how many types each group holds.

use std::collections::BTreeMap;

/// Each feature of the manifest's `[features]` table with the names its list holds (arrays over
/// several lines included; `dep:` and `crate/feature` entries kept as written).
fn feature_table(manifest: &str) -> BTreeMap<String, Vec<String>> {
    let mut table = BTreeMap::new();
    let mut in_features = false;
    // A feature whose list goes on over the next lines: its name and its text so far.
    let mut open: Option<(String, String)> = None;
    for line in manifest.lines().map(str::trim) {
        let (name, text) = match open.take() {
            Some((name, text)) => (name, text + line),
            None if line.starts_with('[') => {
                in_features = line == "[features]";
                continue;
            }
            None => match line.split_once('=') {
                Some((name, value)) if in_features && !line.starts_with('#') => {
                    (name.trim().trim_matches('"').to_string(), value.to_string())
                }
                _ => continue,
            },
        };
        if text.contains(']') {
            table.insert(name, quoted_strings(&text));
        } else {
            open = Some((name, text));
        }
    }
    table
}

/// The `"…"` strings of a TOML array's text.
fn quoted_strings(text: &str) -> Vec<String> {
    text.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

/// (the model groups `area` turns on, how many the crate has): a model group is a feature named
/// `model-…` (see the generator's `areas`). None where the manifest has none.
pub(super) fn type_features_enabled(manifest: &str, area: &str) -> Option<(std::collections::BTreeSet<String>, usize)> {
    let table = feature_table(manifest);
    let fixed = |name: &str| matches!(name, "default" | "full" | "client" | "tracing" | "azure-identity");
    let is_feature = |name: &String| table.contains_key(name.as_str()) && !fixed(name);
    let groups = table.keys().filter(|name| name.starts_with("model-")).count();
    if groups == 0 || !table.contains_key(area) {
        return None;
    }
    let mut reached = std::collections::BTreeSet::new();
    let mut stack = vec![area.to_string()];
    while let Some(name) = stack.pop() {
        for next in table.get(&name).into_iter().flatten() {
            if is_feature(next) && reached.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    reached.retain(|name| name.starts_with("model-"));
    Some((reached, groups))
}

/// For each model group's feature, how many types `models.rs` re-exports under it (its
/// `#[cfg(feature = "…")]` line, then `pub use module::{A, B};` or `pub use module::A;`).
pub(super) fn types_per_group(models: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let mut feature: Option<&str> = None;
    for line in models.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("#[cfg(feature = \"").and_then(|r| r.strip_suffix("\")]")) {
            feature = Some(name);
        } else if let (Some(name), Some(names)) = (feature, line.strip_prefix("pub use ")) {
            let list = names.split_once("::").map_or("", |(_, list)| list);
            let n = list.split(',').filter(|n| !n.trim().trim_matches(|c| matches!(c, '{' | '}' | ';')).is_empty()).count();
            counts.insert(name.to_string(), n);
            feature = None;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_groups_reached_from_an_area_are_counted() {
        let manifest = "[features]\ndefault = [\"client\", \"full\"]\nclient = [\"dep:reqwest\"]\nfull = [\"users-user\", \"users-todo\"]\n\"users-user\" = [\n    \"model-user\",\n    \"model-todo\",\n]\n\"users-todo\" = [\"model-todo\"]\n\"model-user\" = [\"model-group\"]\n\"model-todo\" = []\n\"model-group\" = []\n\"model-drive\" = []\n\"users-drive\" = [\"model-drive\"]\n";
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<std::collections::BTreeSet<String>>();
        assert_eq!(type_features_enabled(manifest, "users-user"), Some((names(&["model-group", "model-todo", "model-user"]), 4)));
        assert_eq!(type_features_enabled(manifest, "users-todo"), Some((names(&["model-todo"]), 4)));
        assert_eq!(type_features_enabled("[features]\nfull = [\"a\"]\n\"a\" = []\n", "a"), None, "no model groups");
        let models = "#![allow(deprecated)]\n#[cfg(feature = \"model-user\")]\nmod user;\n\n#[cfg(feature = \"model-user\")]\npub use user::{PasswordProfile, User};\n#[cfg(feature = \"model-todo\")]\nmod todo;\n#[cfg(feature = \"model-todo\")]\npub use todo::Todo;\n";
        let counts = types_per_group(models);
        assert_eq!((counts.get("model-user"), counts.get("model-todo")), (Some(&2), Some(&1)));
    }
}
