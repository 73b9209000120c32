//! The bad-spec corpus: each fixture in tests/bad_specs/ (one problem apiece) either generates a
//! crate whose every file parses, or is rejected with located diagnostics; what it gets is compared
//! with its golden `<name>.expected`. After an intended change, rewrite the goldens and review the diff:
//!
//!     UPDATE_GOLDENS=1 cargo test -p graph-codegen --test bad_specs
//!
//! Inputs too large to commit (10,000 levels of nesting, a 100 MB spec) are built here in memory.

use graph_codegen::{generate, is_bidi_control, Diagnostic, Generated, Runtime, Settings};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use test_support::{check_golden, Golden, UPDATE_VAR};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_specs")
}

fn settings(file: &str) -> Settings {
    Settings {
        crate_name: "bad-spec".to_string(),
        crate_version: "0.1.0".to_string(),
        spec_path: format!("bad_specs/{file}"),
        command: "cargo test -p graph-codegen --test bad_specs".to_string(),
        standalone: true,
        runtime: Runtime::Vendored,
    }
}

/// Fixture file names (`.yaml` and `.json`), sorted.
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/bad_specs exists")
        .map(|e| e.expect("readable entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

fn read(file: &str) -> String {
    std::fs::read_to_string(corpus_dir().join(file)).expect("fixture is UTF-8")
}

fn run(file: &str) -> Result<Generated, Vec<Diagnostic>> {
    generate(&read(file), &settings(file))
}

/// Every generated `.rs` file must parse; returns the models' items as `kind Name: members`, the
/// part of a successful run that shows how hostile names came out.
fn parse_and_list_models(generated: &Generated) -> Vec<String> {
    let mut items = Vec::new();
    for file in &generated.files {
        if !file.path.ends_with(".rs") {
            continue;
        }
        let parsed = syn::parse_file(&file.contents).unwrap_or_else(|e| panic!("{} does not parse: {e}", file.path));
        // rustc denies bidi controls in literals and comments (`text_direction_codepoint_in_literal`).
        assert!(!file.contents.contains(is_bidi_control), "{} holds a raw bidi control character", file.path);
        if !file.path.contains("models") {
            continue;
        }
        for item in parsed.items {
            match item {
                syn::Item::Struct(s) => {
                    let fields: Vec<String> = s.fields.iter().filter_map(|f| f.ident.as_ref().map(ToString::to_string)).collect();
                    items.push(format!("struct {}: {}", s.ident, fields.join(", ")));
                }
                syn::Item::Enum(e) => {
                    let variants: Vec<String> = e.variants.iter().map(|v| v.ident.to_string()).collect();
                    items.push(format!("enum {}: {}", e.ident, variants.join(", ")));
                }
                syn::Item::Type(t) => items.push(format!("type {}", t.ident)),
                _ => {}
            }
        }
    }
    items
}

/// The files under `src/operations/` and the features named in Cargo.toml after `full`, the
/// names a crate split into areas takes from its tags.
fn area_files_and_features(generated: &Generated) -> Vec<String> {
    let mut out: Vec<String> =
        generated.files.iter().filter(|f| f.path.starts_with("src/operations/")).map(|f| format!("file {}", f.path)).collect();
    let manifest = generated.files.iter().find(|f| f.path == "Cargo.toml").map(|f| f.contents.as_str()).unwrap_or_default();
    let features = manifest.lines().skip_while(|l| !l.starts_with("full = ")).skip(1);
    out.extend(
        features
            .take_while(|l| !l.starts_with('['))
            .filter(|l| l.ends_with(" = []"))
            .map(|l| format!("feature {}", l.trim_end_matches(" = []"))),
    );
    out
}

/// What a fixture gets, as the golden records it.
fn report(file: &str) -> String {
    let mut out = String::new();
    match run(file) {
        Ok(generated) => {
            let _ = writeln!(out, "result: generated ({} types, {} operations)", generated.types, generated.operations);
            for w in &generated.warnings {
                let _ = writeln!(out, "{w}");
            }
            let _ = writeln!(out, "models:");
            for item in parse_and_list_models(&generated) {
                let _ = writeln!(out, "  {item}");
            }
            // Where tags became files and features: only crates split into areas have any.
            let areas = area_files_and_features(&generated);
            if !areas.is_empty() {
                let _ = writeln!(out, "areas:");
                for line in areas {
                    let _ = writeln!(out, "  {line}");
                }
            }
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let _ = writeln!(out, "result: rejected ({errors} errors, {} warnings)", diags.len() - errors);
            for d in &diags {
                let _ = writeln!(out, "{d}");
            }
        }
    }
    out
}

#[test]
fn corpus_matches_goldens() {
    let mut failures = Vec::new();
    for file in fixtures() {
        let actual = report(&file);
        let golden = Path::new(&file).with_extension("expected");
        match check_golden(&corpus_dir().join(&golden), &golden.to_string_lossy(), &actual) {
            Golden::Same => {}
            Golden::Differs(diff) => failures.push(diff),
            Golden::Missing => failures.push(format!("{file}: no golden {}", golden.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ from their goldens ({UPDATE_VAR}=1 to rewrite):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_golden_has_its_fixture() {
    let fixtures = fixtures();
    for entry in std::fs::read_dir(corpus_dir()).expect("corpus dir") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".expected") {
            assert!(fixtures.iter().any(|f| Path::new(f).file_stem().is_some_and(|s| s == stem)), "{name} has no fixture");
        }
    }
    assert!(fixtures.len() >= 25, "the corpus lost fixtures: {}", fixtures.len());
}

/// Hostile names are not errors: the crate is generated and compiles as far as syn can tell.
#[test]
fn hostile_names_generate() {
    for file in [
        "names_keywords.yaml",
        "names_keyword_tags.yaml",
        "names_digits.yaml",
        "names_empty.yaml",
        "names_non_ascii.yaml",
        "colliding_rust_names.yaml",
    ] {
        let generated = run(file).unwrap_or_else(|d| panic!("{file} was rejected: {d:#?}"));
        let items = parse_and_list_models(&generated);
        let names: Vec<&str> = items.iter().filter_map(|i| i.split(':').next()?.split(' ').nth(1)).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{file}: two model items share a name: {names:?}");
    }
    // The four spellings of foo bar are four types, none dropped.
    let generated = run("colliding_rust_names.yaml").expect("generates");
    assert_eq!(generated.types, 4);
}

/// Tags reach file names: every name the generated crate's files take is short enough for any file
/// system, none is one Windows reserves (`con.rs` is as reserved as `con`), no area module is
/// `mod` (its `operations/mod.rs` would be a second file for `operations`, E0761), and no feature
/// is declared twice.
#[test]
fn tags_make_portable_file_names_and_features() {
    const RESERVED: &[&str] = &["con", "prn", "aux", "nul", "com1", "com9", "lpt1", "lpt9", "mod"];
    for file in ["names_long_tag.yaml", "names_reserved_tags.yaml", "names_keyword_tags.yaml"] {
        let generated = run(file).unwrap_or_else(|d| panic!("{file} was rejected: {d:#?}"));
        assert!(generated.files.iter().any(|f| f.path.starts_with("src/operations/")), "{file}: not split into areas");
        // The vendored runtime's files have fixed names (its `client/mod.rs` is no area module).
        for f in generated.files.iter().filter(|f| !f.path.starts_with("graph-runtime/")) {
            for part in f.path.split('/') {
                let stem = part.split('.').next().unwrap_or(part);
                assert!(part.len() <= 80, "{file}: {} has a name of {} bytes", f.path, part.len());
                assert!(!RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)), "{file}: {} uses a reserved name", f.path);
            }
        }
        let manifest = generated.files.iter().find(|f| f.path == "Cargo.toml").map(|f| f.contents.clone()).unwrap_or_default();
        let mut keys: Vec<&str> = manifest
            .lines()
            .skip_while(|l| *l != "[features]")
            .skip(1)
            .take_while(|l| !l.starts_with('['))
            .filter_map(|l| l.split(" = ").next())
            .filter(|k| !k.starts_with('#') && !k.is_empty())
            .collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count, "{file}: a feature is declared twice:\n{manifest}");
    }
}

/// A construct the generator cannot express costs its operation, not the description: the
/// operation is left out with a warning at the construct, and everything else generates.
#[test]
fn unsupported_constructs_leave_out_only_their_operation() {
    let generated = run("required_body_only_xml.yaml").expect("generates");
    assert_eq!(generated.operations, 0);
    assert!(
        generated.warnings.iter().any(|d| d.pointer == "/paths/~1things/post/requestBody/content" && d.message.contains("left out")),
        "{:#?}",
        generated.warnings
    );
    let generated = run("required_body_without_schema.yaml").expect("generates");
    assert_eq!(generated.operations, 1, "a body without a schema is any JSON value");
    // A path template and parameters that disagree are the description's error, but only about
    // that operation (issue 21).
    for (file, pointer, message) in [
        ("path_param_missing_from_template.yaml", "/paths/~1things/get/parameters/0", "does not appear in the path template"),
        ("template_var_without_param.yaml", "/paths/~1things~1{thing-id}/get", "has no path parameter"),
    ] {
        let generated = run(file).unwrap_or_else(|e| panic!("{file} is refused: {e:#?}"));
        assert_eq!(generated.operations, 0, "{file}");
        assert!(
            generated.warnings.iter().any(|d| d.pointer == pointer && d.message.contains(message) && d.message.contains("left out")),
            "{file}: {:#?}",
            generated.warnings
        );
    }
}

/// The spec problems the issue lists are rejected (not generated around), each with its pointer.
#[test]
fn rejections_name_the_offending_node() {
    let cases = [
        ("openapi_32.yaml", "/openapi", "unsupported version: OpenAPI 3.2.0"),
        ("openapi_31_path_item_ref_to_nothing.yaml", "/paths/~1things/$ref", "names no path item"),
        ("openapi_31_bad_node_in_defs.yaml", "/components/schemas/outer/$defs/inner/required", "not a valid OpenAPI 3.1 node"),
        ("json_trailing_comma.json", "", "trailing comma"),
        ("swagger_20.yaml", "/swagger", "unsupported version: Swagger 2.0"),
        ("unresolved_ref.yaml", "/components/schemas/thing/properties/owner/$ref", "unresolved reference"),
        ("external_ref_file.yaml", "/components/schemas/thing/properties/owner/$ref", "another document"),
        ("external_ref_url.yaml", "/components/schemas/thing/properties/owner/$ref", "another document"),
        ("allof_cycle.yaml", "/components/schemas/", "cycle"),
        ("not_an_openapi_node.yaml", "/paths/~1things/get/parameters/0", "not a valid OpenAPI 3.0 node"),
    ];
    for (file, pointer, message) in cases {
        let diags = run(file).err().unwrap_or_else(|| panic!("{file} generated"));
        assert!(
            diags.iter().any(|d| d.is_error() && d.pointer.starts_with(pointer) && d.message.contains(message) && d.help.is_some()),
            "{file}: no error at {pointer} saying {message:?}: {diags:#?}"
        );
    }
}

#[test]
fn three_independent_errors_are_all_reported() {
    let diags = run("three_independent_errors.yaml").expect_err("rejected");
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    for (pointer, message) in [
        ("/paths/~1things~1{thing-id}/get/parameters/0/$ref", "unresolved parameter reference"),
        ("/paths/~1things/post/requestBody/$ref", "unresolved request body reference"),
        ("/components/schemas/thing/properties/owner/$ref", "unresolved reference"),
    ] {
        assert!(errors.iter().any(|d| d.pointer == pointer && d.message.contains(message)), "missing {pointer}: {errors:#?}");
    }
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

/// Every diagnostic that names a mapping member is placed on that member's key in the text, so
/// the line and column in the goldens are checked against the fixture itself, not just recorded.
#[test]
fn locations_point_at_the_named_node() {
    let mut checked = 0;
    for file in fixtures() {
        let text = read(&file);
        let lines: Vec<&str> = text.lines().collect();
        let diags = match run(&file) {
            Ok(g) => g.warnings,
            Err(d) => d,
        };
        for d in diags {
            assert_eq!(d.file, format!("bad_specs/{file}"));
            let (Some(line), Some(column)) = (d.line, d.column) else {
                // Only the structural failures before any node exists may lack a place.
                assert!(d.pointer.is_empty() || d.pointer == "/servers", "{file}: unlocated {d}");
                continue;
            };
            let Some(last) = d.pointer.rsplit('/').next().filter(|_| !d.pointer.is_empty()) else { continue };
            let key = last.replace("~1", "/").replace("~0", "~");
            if d.message.starts_with("not valid YAML") {
                continue;
            }
            let whole = lines.get(line - 1).copied().unwrap_or_default();
            let at: String = whole.chars().skip(column - 1).collect();
            if key.parse::<usize>().is_ok() {
                // A sequence item: right after its dash (or bracket or comma), on its first key.
                let before: String = whole.chars().take(column - 1).collect();
                assert!(before.trim_end().ends_with(['-', '[', ',']) && !at.trim().is_empty(), "{file}: {d}\n  points into {whole:?}");
                checked += 1;
                continue;
            }
            let at = at.trim_start_matches(['\'', '"']);
            assert!(at.starts_with(&key), "{file}: {d}\n  points at {at:?}, not at key {key:?}");
            checked += 1;
        }
    }
    assert!(checked >= 18, "only {checked} located diagnostics were checked");
}

/// A document nested 10,000 levels deep: the YAML parser's depth limit stops it with a located
/// error; nothing recurses 10,000 times. The test thread's small stack is part of the check.
#[test]
fn nesting_ten_thousand_levels_is_an_error_not_a_stack_overflow() {
    let depth = 10_000;
    let mut schema = String::new();
    for _ in 0..depth {
        schema.push_str(r#"{"type": "object", "properties": {"a": "#);
    }
    schema.push_str(r#"{"type": "string"}"#);
    for _ in 0..depth {
        schema.push_str("}}");
    }
    let text = format!(
        r#"{{"openapi": "3.0.1", "info": {{"title": "deep", "version": "1"}}, "paths": {{}}, "components": {{"schemas": {{"deep": {schema}}}}}}}"#
    );
    let diags = generate(&text, &settings("deep.json")).expect_err("rejected");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0].message.contains("recursion limit exceeded"), "{}", diags[0]);
    assert_eq!(diags[0].line, Some(1));
    assert!(diags[0].column.is_some_and(|c| c > 128), "{}", diags[0]);

    // Deep arrays in block YAML, the other shape of nesting.
    let mut yaml = String::from("openapi: 3.0.1\ninfo: {title: deep, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    deep:\n");
    for level in 0..depth {
        let indent = " ".repeat(6 + 2 * (level % 200));
        if level % 200 == 199 {
            // Block YAML that deep would be lines of 20,000 spaces; switch to flow style past 200.
            yaml.push_str(&format!("{indent}items: "));
            yaml.push_str(&"{type: array, items: ".repeat(depth - level));
            yaml.push_str(&format!("{{type: string}}{}\n", "}".repeat(depth - level)));
            break;
        }
        yaml.push_str(&format!("{indent}type: array\n{indent}items:\n"));
    }
    let diags = generate(&yaml, &settings("deep.yaml")).expect_err("rejected");
    assert!(diags.iter().any(|d| d.is_error() && d.message.contains("recursion limit exceeded") && d.line.is_some()), "{diags:#?}");
}

/// Nesting within the YAML parser's limit (128) but past the loader's (64): a located error
/// before deserialization, which in a debug build would otherwise overflow a 2 MiB stack.
#[test]
fn nesting_past_the_document_limit_is_an_error() {
    let deep = |depth: usize| {
        format!(
            r#"{{"openapi": "3.0.1", "info": {{"title": "deep", "version": "1"}}, "paths": {{}}, "components": {{"schemas": {{"deep": {}{{"type": "string"}}{}}}}}}}"#,
            r#"{"type": "array", "items": "#.repeat(depth),
            "}".repeat(depth)
        )
    };
    let diags = generate(&deep(100), &settings("deep.json")).expect_err("rejected");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let error = &diags[0];
    assert!(error.message.contains("nested more than 64 levels deep"), "{error}");
    assert!(error.pointer.starts_with("/components/schemas/deep/items/items/"), "{error}");
    assert!(error.help.is_some() && error.line == Some(1) && error.column.is_some(), "{error}");
    // Just inside the limit it deserializes, on this thread's 2 MiB stack, and then meets the
    // lowering's own bound on nested types.
    let diags = generate(&deep(58), &settings("deep.json")).expect_err("rejected");
    assert!(diags.iter().any(|d| d.is_error() && d.message.contains("schema nested deeper than 20 levels")), "{diags:#?}");
    // Within both, it generates: 19 nested Vecs.
    let generated = generate(&deep(19), &settings("deep.json")).expect("generates");
    assert_eq!(generated.types, 1);
}

/// Inline `allOf`s that each pull in the next component nest one struct inside the next, without
/// any deep text: the lowering's own depth bound stops the chain with a located error.
#[test]
fn allof_chains_past_the_lowering_limit_are_an_error() {
    let mut text = String::from("openapi: 3.0.1\ninfo: {title: chain, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n");
    for i in 0..80 {
        text.push_str(&format!(
            "    c{i}:\n      type: object\n      properties:\n        next:\n          allOf:\n            - $ref: '#/components/schemas/c{}'\n            - type: object\n              properties:\n                label: {{type: string}}\n",
            i + 1
        ));
    }
    text.push_str("    c80:\n      type: string\n");
    let diags = generate(&text, &settings("chain.yaml")).expect_err("rejected");
    let error = diags.iter().find(|d| d.is_error()).expect("an error");
    assert!(error.message.contains("nested deeper than"), "{error}");
    assert!(error.help.is_some() && error.line.is_some(), "{error}");
}

/// A 100 MB description (the real spec's components, renamed and repeated, with one operation per
/// copy): generation completes and peak memory stays within a bound. Slow, so not in CI:
///
///     cargo test --release -p graph-codegen --test bad_specs -- --ignored --nocapture huge
#[test]
#[ignore]
fn huge_spec_memory_is_bounded() {
    const TARGET: usize = 100 * 1024 * 1024;
    let spec = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi.yaml")).expect("spec");
    let components = spec.split("\ncomponents:\n  schemas:\n").nth(1).expect("components");
    let (schemas, responses) = components.split_once("\n  responses:\n").expect("responses");
    let paths = spec.split("\npaths:\n").nth(1).and_then(|p| p.split("\ncomponents:\n").next()).expect("paths");
    let head = spec.split("\npaths:\n").next().expect("head");
    let mut text = String::with_capacity(TARGET + TARGET / 10);
    // The originals once, for the shared error response that names them.
    text.push_str(schemas);
    text.push('\n');
    let mut copies = Vec::new();
    let mut copy = 0;
    while text.len() < TARGET {
        copies.push(copy);
        // Every schema key and reference gets the copy's own namespace.
        text.push_str(&schemas.replace("microsoft.graph.", &format!("c{copy}.microsoft.graph.")));
        text.push('\n');
        copy += 1;
    }
    let mut doc = String::with_capacity(text.len() + copies.len() * paths.len() + 4096);
    doc.push_str(head);
    doc.push_str("\npaths:\n");
    for c in &copies {
        doc.push_str(
            &paths
                .replace("/deviceAppManagement/", &format!("/c{c}/deviceAppManagement/"))
                .replace("operationId: ", &format!("operationId: c{c}."))
                .replace("microsoft.graph.", &format!("c{c}.microsoft.graph.")),
        );
        doc.push('\n');
    }
    doc.push_str("components:\n  schemas:\n");
    doc.push_str(&text);
    drop(text);
    doc.push_str("  responses:\n");
    doc.push_str(responses);
    if let Some(path) = std::env::var_os("HUGE_SPEC_OUT") {
        std::fs::write(path, &doc).expect("write the huge spec");
    }
    let size_mib = doc.len() as f64 / (1024.0 * 1024.0);
    let before = test_support::peak_resident_kib().unwrap_or(0);
    // The stages one by one first, for the peak each reaches (the high-water mark only rises).
    let started = std::time::Instant::now();
    let huge = settings("huge.yaml");
    let loaded = graph_codegen::stages::load(&doc, &huge).unwrap_or_else(|d| panic!("does not load: {d:?}"));
    let after_load = test_support::peak_resident_kib().unwrap_or(0);
    let lowered = loaded.lower().unwrap_or_else(|d| panic!("does not lower: {:?}", d.first()));
    drop(lowered);
    let after_lower = test_support::peak_resident_kib().unwrap_or(0);
    println!(
        "huge spec stages: load peak {:.0} MiB, lower peak {:.0} MiB, {:.1?}",
        after_load as f64 / 1024.0,
        after_lower as f64 / 1024.0,
        started.elapsed()
    );
    let started = std::time::Instant::now();
    let generated =
        generate(&doc, &huge).unwrap_or_else(|d| panic!("{}", d.iter().take(5).map(ToString::to_string).collect::<Vec<_>>().join("\n")));
    let elapsed = started.elapsed();
    let peak = test_support::peak_resident_kib().unwrap_or(0);
    let output: usize = generated.files.iter().map(|f| f.contents.len()).sum();
    println!(
        "huge spec: {size_mib:.1} MiB, {} copies, {} types, {} operations, {:.1} MiB of code, {elapsed:.1?}; peak RSS {:.0} MiB (before generating {:.0} MiB)",
        copies.len(),
        generated.types,
        generated.operations,
        output as f64 / (1024.0 * 1024.0),
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
    );
    assert!(generated.operations >= copies.len());
    // The bound is linear in input and output together. Measured (2026-11-28): 104.5 MiB in,
    // 173.4 MiB of code out, peak 1.9 GiB, ~7x; loading sets it (1.8 GiB: the typed parse and the
    // shape check read the text side by side, each holding serde_yaml's events). It was 6.3 GiB
    // (~24x) when every item went through token streams and syn trees. 10x leaves room, not slack.
    let bound_kib = ((doc.len() + output) / 1024) as u64 * 10;
    assert!(peak < bound_kib, "peak RSS {peak} KiB over {bound_kib} KiB");
}

/// Header parameters that would clobber what the client or the HTTP layer sends (`Host`,
/// `Authorization`, `Content-Length`, …) are left out of the operation with a warning apiece;
/// an ordinary one beside them is kept.
#[test]
fn protocol_header_parameters_are_left_out() {
    let generated = run("protocol_header_parameters.yaml").expect("generates");
    let operations: String = generated.files.iter().filter(|f| f.path.contains("operations")).map(|f| f.contents.as_str()).collect();
    assert!(operations.contains("(\"ConsistencyLevel\","), "{operations}");
    for name in ["Host", "Authorization", "Content-Length", "transfer-encoding", "Proxy-Authorization", "Cookie", "Bad Name"] {
        assert!(!operations.contains(&format!("(\"{name}\",")), "{name} is still sent");
        assert!(generated.warnings.iter().any(|w| w.message.contains(&format!("`{name}` left out"))), "no warning for {name}");
    }
}

/// A server URL `BaseUrl::parse` would refuse (user information, query, fragment, another scheme)
/// is not made the client's default: a located warning, and the default is the fallback, which
/// for these fixtures (no Graph conventions in them) is none at all.
#[test]
fn hostile_server_urls_fall_back_with_a_warning() {
    for (file, why) in [
        ("server_url_userinfo.yaml", "user information"),
        ("server_url_query.yaml", "has a query"),
        ("server_url_fragment.yaml", "has a fragment"),
        ("server_url_not_http.yaml", "not an absolute http(s) URL"),
    ] {
        let generated = run(file).unwrap_or_else(|d| panic!("{file} was rejected: {d:#?}"));
        let lib = generated.files.iter().find(|f| f.path == "src/lib.rs").expect("lib.rs");
        assert!(lib.contents.contains("DEFAULT_BASE_URL: &str = \"\";"), "{file}: {}", lib.contents);
        let warning = generated.warnings.iter().find(|w| w.pointer == "/servers/0/url").unwrap_or_else(|| panic!("{file}: no warning"));
        assert!(warning.message.contains(why) && warning.line.is_some(), "{file}: {warning}");
    }
}
