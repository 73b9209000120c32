//! `cargo xtask slice RECIPE [--check]`: cut operations out of OpenAPI descriptions, merge
//! several into one, and write the result with Microsoft's YAML blocks copied byte for byte.
//!
//! `recipe` reads the recipe, `index` finds every block's byte span in one pass over each
//! source's YAML events (the sources on all cores), `cut` selects, merges and closes over
//! `$ref`s, and this module adds the header and writes `out` (only when its bytes differ).

mod cut;
mod glob;
mod index;
mod recipe;

pub use cut::Stats;

use crate::read::{read_regular, Links};
use rayon::prelude::*;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Something wrong with the recipe or a source, where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    /// The JSON pointer of the node, where one applies.
    pub pointer: Option<String>,
    pub message: String,
}

impl Problem {
    fn at(file: &str, line: usize, message: impl Into<String>) -> Self {
        Problem { file: file.to_string(), line: Some(line), pointer: None, message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(pointer) = &self.pointer {
            write!(f, ": {pointer}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug)]
pub enum SliceError {
    /// Every problem found in the recipe and the sources; nothing was written.
    Problems(Vec<Problem>),
    /// `--check`: `out` differs from what the recipe makes (a unified diff) or is missing.
    Stale {
        out: String,
        diff: String,
    },
    Missing {
        out: String,
    },
    /// `out` could not be written (or is a link or a folder); it was left as it was.
    Write {
        out: String,
        why: String,
    },
}

impl fmt::Display for SliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SliceError::Problems(problems) => {
                for p in problems {
                    writeln!(f, "error: {p}")?;
                }
                write!(f, "error: {} problem(s); nothing was written", problems.len())
            }
            SliceError::Stale { out, diff } => {
                write!(f, "{diff}error: {out} is stale; run `cargo xtask slice` on its recipe without --check")
            }
            SliceError::Missing { out } => write!(f, "error: {out} does not exist; run `cargo xtask slice` on its recipe without --check"),
            SliceError::Write { out, why } => write!(f, "error: cannot write {out}: {why}; it was left as it was"),
        }
    }
}

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    pub out: String,
    pub bytes: usize,
    pub stats: Stats,
    /// Warnings (operationIds repeated across operations), each located.
    pub warnings: Vec<Problem>,
    /// Whether `out` was written (false: its bytes were already these, or `--check`).
    pub written: bool,
}

/// Runs the recipe at `recipe_path` against the repository at `root`: with `check`, writes
/// nothing and fails if `out` is stale; otherwise writes `out` if its bytes differ.
pub fn run(root: &Path, recipe_path: &Path, check: bool) -> Result<Outcome, SliceError> {
    let name = display_name(root, recipe_path);
    let text = read_text(recipe_path)
        .map_err(|why| SliceError::Problems(vec![Problem { file: name.clone(), line: None, pointer: None, message: why }]))?;
    let recipe = recipe::parse_recipe(root, &name, &text).map_err(SliceError::Problems)?;
    let sources = index_sources(&recipe.sources)?;
    let made = cut::cut(&recipe, &sources).map_err(SliceError::Problems)?;
    let mut contents = header_text(&recipe);
    contents.push_str(&made.text);
    let written =
        if check { check_out(&recipe.out, &recipe.out_path, &contents)? } else { write_out(&recipe.out, &recipe.out_path, &contents)? };
    Ok(Outcome { out: recipe.out, bytes: contents.len(), stats: made.stats, warnings: made.warnings, written })
}

/// The recipe's path relative to the root when it is inside it, so the header does not depend
/// on the folder the command ran from.
fn display_name(root: &Path, path: &Path) -> String {
    let relative = match (fs::canonicalize(root), fs::canonicalize(path)) {
        (Ok(root), Ok(full)) => full.strip_prefix(&root).map(Path::to_path_buf).ok(),
        _ => None,
    };
    relative.unwrap_or_else(|| path.to_path_buf()).to_string_lossy().replace('\\', "/")
}

/// A regular file's text (bounded, see `read`), or why not.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = read_regular(path, Links::Follow).map_err(|e| format!("cannot read it: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("it is not UTF-8 text (byte {}); OpenAPI descriptions are", e.utf8_error().valid_up_to()))
}

/// Reads and indexes every source, on all cores; every unreadable or unparsable one is reported.
fn index_sources(sources: &[(String, PathBuf)]) -> Result<Vec<cut::Source>, SliceError> {
    let results: Vec<Result<cut::Source, Problem>> = sources
        .par_iter()
        .map(|(file, path)| {
            let text = read_text(path).map_err(|why| Problem { file: file.clone(), line: None, pointer: None, message: why })?;
            let index = index::index_source(file, text)?;
            Ok(cut::Source { file: file.clone(), index })
        })
        .collect();
    let mut indexed = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(source) => indexed.push(source),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(indexed)
    } else {
        Err(SliceError::Problems(problems))
    }
}

/// The comment above the description: the recipe's `header`, or one naming the recipe and the
/// sources; with several sources, which one `openapi`, `info`, `servers` and `security` are from.
fn header_text(recipe: &recipe::Recipe) -> String {
    let mut lines: Vec<String> = match &recipe.header {
        Some(header) => header.lines().map(str::to_string).collect(),
        None => {
            let mut lines = vec![
                format!("Made by `cargo xtask slice {}`; edit the recipe or the sources, not this file.", recipe.file),
                "Sources:".to_string(),
            ];
            lines.extend(recipe.sources.iter().map(|(name, _)| format!("  {name}")));
            lines
        }
    };
    if let (true, Some((first, _))) = (recipe.sources.len() > 1, recipe.sources.first()) {
        lines.push(format!("openapi, info, servers and the top-level security are the first source's ({first})."));
    }
    let mut text = String::new();
    for line in lines {
        text.push('#');
        if !line.is_empty() {
            text.push(' ');
            text.push_str(&line);
        }
        text.push('\n');
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// What is at `out` now: None when nothing is; an error when it is a link, a folder or unreadable.
fn read_out(out: &str, path: &Path) -> Result<Option<String>, SliceError> {
    let refuse = |why: String| SliceError::Write { out: out.to_string(), why };
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(refuse(e.to_string())),
        Ok(meta) if meta.file_type().is_symlink() => {
            Err(refuse("it is a symbolic link; slice writes only a regular file it can see (remove the link)".to_string()))
        }
        Ok(meta) if !meta.is_file() => {
            Err(refuse("it is a folder or a special file, not a regular file; choose another `out`".to_string()))
        }
        Ok(_) => {
            let bytes = read_regular(path, Links::Refuse).map_err(|e| refuse(e.to_string()))?;
            Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
        }
    }
}

/// `--check`: nothing is written; stale or missing is an error with a diff.
fn check_out(out: &str, path: &Path, contents: &str) -> Result<bool, SliceError> {
    match read_out(out, path)? {
        None => Err(SliceError::Missing { out: out.to_string() }),
        Some(current) if current == contents => Ok(false),
        Some(current) => Err(SliceError::Stale { out: out.to_string(), diff: crate::unified_diff(out, &current, contents) }),
    }
}

/// Writes `contents` to `out` if its bytes differ: to a temporary file beside it, then renamed
/// over it, so a reader never sees half a file and a failure leaves the old one.
fn write_out(out: &str, path: &Path, contents: &str) -> Result<bool, SliceError> {
    if read_out(out, path)?.as_deref() == Some(contents) {
        return Ok(false);
    }
    let fail = |e: io::Error| SliceError::Write { out: out.to_string(), why: e.to_string() };
    let (Some(parent), Some(file_name)) = (path.parent(), path.file_name()) else {
        return Err(SliceError::Write { out: out.to_string(), why: "it names no file".to_string() });
    };
    fs::create_dir_all(parent).map_err(fail)?;
    let temp = parent.join(format!(".{}.slice-{}.tmp", file_name.to_string_lossy(), std::process::id()));
    let result = fs::write(&temp, contents).and_then(|()| fs::rename(&temp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(true)
}
