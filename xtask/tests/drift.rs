//! Drift test: `generated/` must be exactly what the generator makes from `spec/openapi.yaml`.

use xtask::{compare, generate_from, workspace_root, workspace_settings, Change, OUT, SPEC};

#[test]
fn generated_crate_matches_spec() {
    let root = workspace_root();
    let generated = match generate_from(&root.join(SPEC), &workspace_settings()) {
        Ok(g) => g,
        Err(e) => panic!("the spec no longer generates:\n{e}"),
    };
    let changes = match compare(&root.join(OUT), &generated.files) {
        Ok(changes) => changes,
        Err(e) => panic!("{OUT}/ cannot be compared:\n{e}"),
    };
    if changes.is_empty() {
        return;
    }
    let mut report = format!(
        "{} file(s) under {OUT}/ differ from what {SPEC} generates; run `cargo xtask codegen` and commit the result:\n",
        changes.len()
    );
    for change in &changes {
        match change {
            Change::Stale { path, diff } => report.push_str(&format!("\nstale: {OUT}/{path}\n{diff}")),
            Change::Missing { path } => report.push_str(&format!("\nmissing: {OUT}/{path}\n")),
            Change::Extra { path } => report.push_str(&format!("\nextra (no longer generated): {OUT}/{path}\n")),
        }
    }
    panic!("{report}");
}
