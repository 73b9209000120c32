//! The recipe: which descriptions, which operations, where the result goes.

use super::glob::Glob;
use super::index::METHODS;
use super::Problem;
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

/// A recipe file as written. Paths are relative to the repository root.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RecipeFile {
    /// Description files; an entry may be a glob over file names (`spec/graph-modules/beta/*.yml`).
    pub sources: Vec<String>,
    #[serde(default)]
    pub include_paths: Vec<String>,
    #[serde(default)]
    pub exclude_paths: Vec<String>,
    #[serde(default)]
    pub operation_ids: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    pub out: String,
    /// Comment text written above the description, one `# ` line per line.
    #[serde(default)]
    pub header: Option<String>,
}

/// One selector value and the recipe line it is on, so "matches nothing" can point at it.
#[derive(Debug, Clone)]
pub struct Selector<T> {
    pub value: T,
    /// `include-paths[0]`: how the report names it.
    pub name: String,
    pub line: Option<usize>,
}

/// A recipe read and checked: sources expanded, selectors parsed, paths resolved.
#[derive(Debug)]
pub struct Recipe {
    /// The recipe's path as given, for messages.
    pub file: String,
    /// Each source: as it will be named (relative to the root) and its full path.
    pub sources: Vec<(String, PathBuf)>,
    pub include_paths: Vec<Selector<Glob>>,
    pub exclude_paths: Vec<Selector<Glob>>,
    pub operation_ids: Vec<Selector<String>>,
    pub tags: Vec<Selector<Glob>>,
    pub methods: Vec<Selector<String>>,
    pub out: String,
    pub out_path: PathBuf,
    pub header: Option<String>,
}

impl Recipe {
    /// No selector at all: the whole of every source, components included.
    pub fn takes_everything(&self) -> bool {
        self.include_paths.is_empty()
            && self.exclude_paths.is_empty()
            && self.operation_ids.is_empty()
            && self.tags.is_empty()
            && self.methods.is_empty()
    }
}

/// Parses and checks the recipe text; every problem found, each with the recipe line.
pub fn parse_recipe(root: &Path, file: &str, text: &str) -> Result<Recipe, Vec<Problem>> {
    let raw: RecipeFile = serde_yaml::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        vec![Problem {
            file: file.to_string(),
            line,
            pointer: None,
            message: format!("{e}; the keys are sources, include-paths, exclude-paths, operation-ids, tags, methods, out, header"),
        }]
    })?;
    let mut problems = Vec::new();
    let line_of = |pointer: &str| graph_codegen::locate(text, pointer).map(|(line, _)| line);
    let selectors = |key: &str, values: &[String]| -> Vec<Selector<String>> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Selector { value: v.clone(), name: format!("{key}[{i}] `{v}`"), line: line_of(&format!("/{key}/{i}")) })
            .collect()
    };
    let globs = |key: &str, values: &[String]| {
        selectors(key, values).into_iter().map(|s| Selector { value: Glob::new(&s.value), name: s.name, line: s.line }).collect::<Vec<_>>()
    };
    let methods = selectors("methods", &raw.methods);
    for m in &methods {
        if !METHODS.contains(&m.value.to_ascii_lowercase().as_str()) {
            problems.push(Problem {
                file: file.to_string(),
                line: m.line,
                pointer: None,
                message: format!("{} is not an HTTP method of OpenAPI 3.0; use one of {}", m.name, METHODS.join(", ")),
            });
        }
    }
    let mut sources = Vec::new();
    if raw.sources.is_empty() {
        problems.push(Problem {
            file: file.to_string(),
            line: line_of("/sources"),
            pointer: None,
            message: "`sources` is empty; name at least one description file".to_string(),
        });
    }
    for (i, entry) in raw.sources.iter().enumerate() {
        let line = line_of(&format!("/sources/{i}"));
        match expand_source(root, entry) {
            Ok(found) => sources.extend(found),
            Err(why) => {
                problems.push(Problem { file: file.to_string(), line, pointer: None, message: format!("sources[{i}] `{entry}`: {why}") })
            }
        }
    }
    let out_path = match inside_root(root, &raw.out) {
        Ok(p) => p,
        Err(why) => {
            problems.push(Problem {
                file: file.to_string(),
                line: line_of("/out"),
                pointer: None,
                message: format!("out `{}`: {why}", raw.out),
            });
            PathBuf::new()
        }
    };
    if sources.iter().any(|(_, p)| *p == out_path) {
        problems.push(Problem {
            file: file.to_string(),
            line: line_of("/out"),
            pointer: None,
            message: format!("out `{}` is one of the sources; write the cut elsewhere", raw.out),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Recipe {
        file: file.to_string(),
        sources,
        include_paths: globs("include-paths", &raw.include_paths),
        exclude_paths: globs("exclude-paths", &raw.exclude_paths),
        operation_ids: selectors("operation-ids", &raw.operation_ids),
        tags: globs("tags", &raw.tags),
        methods: methods.into_iter().map(|m| Selector { value: m.value.to_ascii_lowercase(), ..m }).collect(),
        out: raw.out,
        out_path,
        header: raw.header,
    })
}

/// A relative path without `..` joined to the root: recipes name files of the repository only.
fn inside_root(root: &Path, relative: &str) -> Result<PathBuf, String> {
    let path = Path::new(relative);
    if relative.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err("give a path relative to the repository root, without `..`".to_string());
    }
    Ok(root.join(path))
}

/// A source entry: one file, or a glob over the file names of one folder (sorted by name).
fn expand_source(root: &Path, entry: &str) -> Result<Vec<(String, PathBuf)>, String> {
    let path = inside_root(root, entry)?;
    if !entry.contains(['*', '?']) {
        return Ok(vec![(entry.to_string(), path)]);
    }
    let (folder, pattern) = entry.rsplit_once('/').unwrap_or(("", entry));
    if folder.contains(['*', '?']) {
        return Err("only the file name may be a glob, not the folders above it".to_string());
    }
    let glob = Glob::new(pattern);
    let dir = root.join(folder);
    let listing = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", if folder.is_empty() { "." } else { folder }))?;
    let mut names: Vec<String> =
        listing.filter_map(|e| e.ok()).filter_map(|e| e.file_name().into_string().ok()).filter(|n| glob.matches(n)).collect();
    names.sort();
    if names.is_empty() {
        return Err("the glob matches no file; check the folder and the pattern".to_string());
    }
    Ok(names.into_iter().map(|n| (if folder.is_empty() { n.clone() } else { format!("{folder}/{n}") }, dir.join(n))).collect())
}
