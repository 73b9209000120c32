//! `cargo xtask names`: how readable the operation names are across every Graph module in
//! spec/graph-modules (issue 18): how many needed a number to be unique, how many carry a
//! one-letter word (the residue of an encoded operationId, `get_graph_b_pre_id`), how long they
//! run, and with `--list N` the N worst. Only the naming stage runs (parse and lower, the stage
//! that names operations); nothing is emitted or written.

use graph_codegen::ir::Operation;
use graph_codegen::stages;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "usage: cargo xtask names [--list N] [--numbered]
  Lowers every module in spec/graph-modules/{beta,v1.0}/*.yml and counts its operation names:
  numbered (made unique by a number), with a one-letter word, longer than 60 characters.
  --list N   also print the N worst names (most one-letter words, then numbered, then longest),
             each with its module, operationId, method and path
  --numbered also print every numbered name, with the same details";

/// Names longer than this are counted as long: about a line of a rustdoc index.
const LONG: usize = 60;

/// One operation's name, with what it was named from.
struct Named {
    module: String,
    operation_id: String,
    method: &'static str,
    path: String,
    name: String,
}

impl Named {
    /// A name that ends in digits its operationId does not end in got them from de-duplication.
    fn numbered(&self) -> bool {
        let digits = self.name.len() - self.name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        digits > 0 && !graph_codegen::names::snake(&self.operation_id, "op").ends_with(&self.name[self.name.len() - digits..])
    }

    fn one_letter_words(&self) -> usize {
        self.name.split('_').filter(|w| w.len() == 1).count()
    }

    /// Worst first: one-letter words, then numbered, then length.
    fn badness(&self) -> (usize, bool, usize) {
        (self.one_letter_words(), self.numbered(), self.name.len())
    }
}

pub fn run(args: &[String]) -> ExitCode {
    let mut list = 0usize;
    let mut numbered_list = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.clone().next().map(|n| n.parse::<usize>())) {
            ("--list", Some(Ok(n))) => {
                list = n;
                it.next();
            }
            ("--numbered", _) => numbered_list = true,
            _ => {
                eprintln!("{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    let root = xtask::workspace_root();
    let mut files: Vec<PathBuf> = Vec::new();
    for version in ["beta", "v1.0"] {
        let dir = root.join("spec/graph-modules").join(version);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("error: cannot read {}", dir.display());
            return ExitCode::FAILURE;
        };
        files.extend(entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "yml")));
    }
    files.sort();
    let results: Vec<Result<Vec<Named>, String>> = files.par_iter().map(|f| names_of(&root, f)).collect();
    let mut all = Vec::new();
    for r in results {
        match r {
            Ok(named) => all.extend(named),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let numbered = all.iter().filter(|n| n.numbered()).count();
    let lettered = all.iter().filter(|n| n.one_letter_words() > 0).count();
    let long = all.iter().filter(|n| n.name.len() > LONG).count();
    let total_len: usize = all.iter().map(|n| n.name.len()).sum();
    println!("modules: {}, operations: {}", files.len(), all.len());
    println!("numbered names: {numbered}");
    println!("names with a one-letter word: {lettered}");
    println!("names longer than {LONG} characters: {long}");
    println!("mean length: {:.1}", total_len as f64 / all.len().max(1) as f64);
    let show = |n: &Named| println!("{}\n    {} {} {} ({})", n.name, n.module, n.method, n.path, n.operation_id);
    if numbered_list {
        println!("\nnumbered:");
        all.iter().filter(|n| n.numbered()).for_each(show);
    }
    if list > 0 {
        all.sort_by(|a, b| b.badness().cmp(&a.badness()).then_with(|| a.name.cmp(&b.name)));
        println!("\nworst {list}:");
        all.iter().take(list).for_each(show);
    }
    ExitCode::SUCCESS
}

fn names_of(root: &Path, file: &Path) -> Result<Vec<Named>, String> {
    let module = file.strip_prefix(root.join("spec/graph-modules")).unwrap_or(file).display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| format!("{module}: {e}"))?;
    let mut settings = xtask::workspace_settings();
    settings.spec_path = module.clone();
    let failed =
        |d: Vec<graph_codegen::Diagnostic>| format!("{module}: {} diagnostics, the first: {:?}", d.len(), d.first().map(|d| &d.message));
    let api = stages::load(&text, &settings).and_then(stages::Loaded::lower).map_err(failed)?.into_api();
    Ok(api
        .operations
        .into_iter()
        .map(|op: Operation| Named {
            module: module.clone(),
            method: op.method.as_str(),
            operation_id: op.operation_id,
            path: op.path_template,
            name: op.fn_name,
        })
        .collect())
}
