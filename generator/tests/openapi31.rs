//! OpenAPI 3.1 read as its 3.0 equivalent: each description here and its 3.1 rewrite (under
//! `tests/openapi31/`) generate byte-identical crates and say the same warnings. The rewrites
//! were made once from the 3.0 files and are committed as they are: every schema's `nullable`
//! as a `type` list and `{type: object, nullable: true}` beside a reference as `type: 'null'`,
//! `example` as `examples`, `allOf` of one reference beside other keywords as `$ref` with
//! siblings, a one-value `enum` as `const`, boolean exclusive bounds as numbers, `format:
//! binary`/`byte` as `contentMediaType`/`contentEncoding`, empty `paths` dropped, the first path
//! item moved under `components/pathItems`, and one component schema moved into another's
//! `$defs` with its references following. The Graph module's rewrite is JSON.

use graph_codegen::{generate, Generated, Runtime, Settings};
use std::path::Path;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the generator is inside the workspace")
}

fn generated(relative: &str) -> Generated {
    let text = std::fs::read_to_string(repository().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"));
    let settings = Settings {
        crate_name: "round-trip".to_string(),
        crate_version: "0.1.0".to_string(),
        spec_path: relative.to_string(),
        command: "cargo test -p graph-codegen --test openapi31".to_string(),
        standalone: true,
        runtime: Runtime::Vendored,
    };
    generate(&text, &settings).unwrap_or_else(|d| panic!("{relative} does not generate: {d:#?}"))
}

/// A file's text after its two header lines, which name the spec file and its hash: the one
/// part of a crate that must differ between two descriptions.
fn body(contents: &str) -> &str {
    let mut rest = contents;
    for _ in 0..2 {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

fn same_crate(description_30: &str, description_31: &str) {
    let text_31 = std::fs::read_to_string(repository().join(description_31)).expect("readable");
    assert!(
        text_31.contains("3.1.0") && text_31.contains("$defs") && text_31.contains("pathItems"),
        "{description_31} is not a 3.1 rewrite"
    );
    let (old, new) = (generated(description_30), generated(description_31));
    assert!(old.operations > 0 && old.types > 0, "{description_30} generates too little to compare");
    let paths = |g: &Generated| g.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&old), paths(&new), "{description_31} generates other files");
    for (a, b) in old.files.iter().zip(&new.files) {
        assert!(a.contents.lines().next().is_some_and(|l| l.contains(description_30)), "{}: no header", a.path);
        assert!(body(&a.contents) == body(&b.contents), "{}: differs between {description_30} and {description_31}", a.path);
    }
    // The same warnings, by what they say; where they point differs where the rewrite moved a node.
    let said = |g: &Generated| {
        let mut said: Vec<(String, Option<String>)> = g.warnings.iter().map(|w| (w.message.clone(), w.help.clone())).collect();
        said.sort();
        said
    };
    assert_eq!(said(&old), said(&new));
    assert_eq!((old.types, old.operations, &old.areas), (new.types, new.operations, &new.areas));
}

#[test]
fn an_oai_example_and_its_31_rewrite_generate_the_same_crate() {
    same_crate("spec/openapi-examples/petstore-expanded.yaml", "generator/tests/openapi31/petstore-expanded.yaml");
}

#[test]
fn the_main_spec_and_its_31_rewrite_generate_the_same_crate() {
    same_crate("spec/openapi.yaml", "generator/tests/openapi31/openapi.yaml");
}

#[test]
fn a_graph_module_and_its_31_rewrite_in_json_generate_the_same_crate() {
    same_crate("spec/graph-modules/v1.0/SchemaExtensions.yml", "generator/tests/openapi31/SchemaExtensions.json");
}

/// The rewrites hold the constructs they are meant to exercise, so the tests above are not
/// comparing two 3.0 descriptions.
#[test]
fn the_rewrites_use_31_constructs() {
    let read = |relative: &str| std::fs::read_to_string(repository().join("generator/tests/openapi31").join(relative)).expect("readable");
    let (main, module) = (read("openapi.yaml"), read("SchemaExtensions.json"));
    assert!(main.contains("- 'null'") && !main.contains("nullable"), "openapi.yaml keeps 3.0's nullable");
    assert!(module.trim_start().starts_with('{') && module.contains("\"null\"") && !module.contains("nullable"));
}
