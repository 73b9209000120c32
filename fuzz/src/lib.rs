//! Fuzz inputs for graph-codegen and the property every input must satisfy.
//!
//! Inputs come from bytes (so any byte source can drive them): either a structured OpenAPI-ish
//! document (nested schemas, valid and dangling `$ref`s, `allOf`/`anyOf`/`oneOf`, hostile names,
//! paths with parameters that may or may not match), or the real spec's text mutated byte-wise.
//! The property: `graph_codegen::generate` returns, without panicking, either files whose every
//! `.rs` parses with `syn::parse_file`, or diagnostics with at least one error, all located in the
//! named spec file.

use arbitrary::{Result, Unstructured};
use graph_codegen::{Runtime, Settings};
use serde_json::{json, Map, Value};

/// The checked-in spec: the mutation seed that looks most like what the generator meets.
pub const REAL_SPEC: &str = include_str!("../../spec/openapi.yaml");

const SPEC_NAME: &str = "fuzz.yaml";

pub fn settings() -> Settings {
    Settings {
        crate_name: "fuzzed".to_string(),
        crate_version: "0.1.0".to_string(),
        spec_path: SPEC_NAME.to_string(),
        command: "fuzz".to_string(),
        standalone: true,
        runtime: Runtime::Vendored,
    }
}

/// What a passing input produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Generated { files: usize },
    Rejected { errors: usize },
}

/// Runs the generator on `text` and checks the property; `Err` describes a violation. A panic
/// inside the generator propagates, for the caller to catch.
pub fn check(text: &str) -> std::result::Result<Verdict, String> {
    match graph_codegen::generate(text, &settings()) {
        Ok(generated) => {
            for file in &generated.files {
                if file.path.ends_with(".rs") {
                    if let Err(e) = syn::parse_file(&file.contents) {
                        return Err(format!("generated {} does not parse: {e}", file.path));
                    }
                }
            }
            if let Some(w) = generated.warnings.iter().find(|w| w.is_error()) {
                return Err(format!("generation succeeded with an error among its warnings: {w}"));
            }
            Ok(Verdict::Generated { files: generated.files.len() })
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            if errors == 0 {
                return Err(format!("generation failed with no error diagnostic ({} warnings)", diags.len()));
            }
            if let Some(d) = diags.iter().find(|d| d.file != SPEC_NAME) {
                return Err(format!("diagnostic not attributed to the spec file: {d}"));
            }
            Ok(Verdict::Rejected { errors })
        }
    }
}

/// The input text for one run: mostly structured documents, otherwise mutated real text.
pub fn input_from_bytes(data: &[u8]) -> String {
    let mut u = Unstructured::new(data);
    let mode = u.int_in_range(0u8..=9).unwrap_or(0);
    let result = match mode {
        0..=4 => structured(&mut u),
        5..=7 => Ok(mutate(&mut u, REAL_SPEC)),
        _ => structured(&mut u).map(|doc| mutate(&mut u, &doc)),
    };
    result.unwrap_or_default()
}

/// Deterministic bytes for a seed (SplitMix64), so a run is reproducible from its seed alone.
pub fn bytes_for_seed(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let len = 256 + (next() % 8192) as usize;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&next().to_le_bytes());
    }
    out
}

pub fn input_for_seed(seed: u64) -> String {
    input_from_bytes(&bytes_for_seed(seed))
}

/// Names that stress identifier generation: keywords, digits, empty, non-ASCII, punctuation,
/// pointer escapes, and groups that collide after case conversion.
const NAMES: &[&str] = &[
    "user",
    "entity",
    "microsoft.graph.entity",
    "microsoft.graph.user",
    "other.ns.user",
    "mobileApp",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "fn",
    "async",
    "r#type",
    "match",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Patch",
    "Default",
    "Client",
    "Error",
    "1st",
    "123",
    "0",
    "",
    " ",
    "_",
    "__",
    "ü",
    "日本語",
    "🦀",
    "naïve",
    "a/b",
    "~0",
    "a~1b",
    "@odata.type",
    "@odata.nextLink",
    "x-y",
    "fooBar",
    "foo_bar",
    "FooBar",
    "FOO_BAR",
    "foo-bar",
    "id",
    "ID",
    "value",
    "additionalProperties",
    "additional_properties",
    "\u{0}",
    "\n",
    "'",
    "\"",
    "`",
    "*/",
    "#[x]",
    "\\",
    "{",
    "}",
    "a b c",
    "Unrecognized",
    "models",
    "runtime",
    "operations",
    "DEFAULT_BASE_URL",
    // Control and separator characters, which must never reach a doc comment or identifier raw.
    "\r",
    "a\rb",
    "x\r\ny",
    "\t",
    "\u{7f}",
    "\u{2028}",
    "\u{feff}",
    "\u{200b}",
    "a\u{0}b",
];

fn name(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1u8, 12)? {
        // Occasionally a raw arbitrary string, which may be anything at all.
        let s: String = u.arbitrary()?;
        return Ok(s.chars().take(40).collect());
    }
    Ok(u.choose(NAMES)?.to_string())
}

const TEXTS: &[&str] = &[
    "plain",
    "cr\ronly",
    "\r\n\r\n",
    "tab\there",
    "nul\u{0}byte",
    "/// inner",
    "//! inner",
    "*/",
    "/*",
    "\\",
    "*/ /* ",
    "```\nfn x() {}\n```",
    "line\r\nbreak",
    "#[doc = \"x\"]",
    "\\u{0}",
    "<https://example.com/a>",
    "see https://x.y/z?a=b) and more",
    "\u{202e}reversed",
    "'quoted' \"double\"",
    "",
    "trailing\\",
];

fn text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(u.choose(TEXTS)?.to_string())
}

struct Ctx {
    /// Component schema keys, so `$ref`s can hit them.
    keys: Vec<String>,
    max_depth: u32,
}

fn schema_ref(u: &mut Unstructured<'_>, cx: &Ctx) -> Result<Value> {
    let target = match u.int_in_range(0u8..=9)? {
        0..=5 if !cx.keys.is_empty() => {
            let key = u.choose(&cx.keys)?;
            format!("#/components/schemas/{}", key.replace('~', "~0").replace('/', "~1"))
        }
        0..=6 => format!("#/components/schemas/{}", name(u)?),
        7 => "other.yaml#/components/schemas/x".to_string(),
        8 => "https://example.com/spec.yaml#/x".to_string(),
        _ => u.choose(&["#/components/parameters/p", "#", "#/", "", "#/components/schemas", "#/paths/~1a"])?.to_string(),
    };
    Ok(json!({ "$ref": target }))
}

fn schema(u: &mut Unstructured<'_>, cx: &Ctx, depth: u32) -> Result<Value> {
    let leaf_only = depth >= cx.max_depth;
    let kind = if leaf_only { u.int_in_range(0u8..=5)? } else { u.int_in_range(0u8..=14)? };
    let mut s = match kind {
        0 => {
            let mut m = json!({ "type": "string" });
            if u.ratio(1u8, 3)? {
                m["format"] = json!(u.choose(&["date-time", "uuid", "byte", "binary", "duration", "weird-format", "", "int32"])?);
            }
            if u.ratio(1u8, 4)? {
                let n = u.int_in_range(0..=5)?;
                let mut values = Vec::new();
                for _ in 0..n {
                    values.push(if u.ratio(1u8, 6)? { Value::Null } else { json!(name(u)?) });
                }
                m["enum"] = Value::Array(values);
            }
            m
        }
        1 => json!({ "type": "integer", "format": u.choose(&["int32", "int64", "int8", "uint8", "int128", "float"])? }),
        2 => json!({ "type": "number", "format": u.choose(&["float", "double", "int32", "int64", "decimal", "strange"])? }),
        3 => json!({ "type": "boolean" }),
        4 => schema_ref(u, cx)?,
        5 => json!({}),
        6 | 7 => {
            let mut props = Map::new();
            let n = u.int_in_range(0..=5)?;
            let mut required = Vec::new();
            for _ in 0..n {
                let key = name(u)?;
                if u.ratio(1u8, 3)? {
                    required.push(json!(key.clone()));
                }
                props.insert(key, schema(u, cx, depth + 1)?);
            }
            if u.ratio(1u8, 8)? {
                required.push(json!("notAProperty"));
            }
            let mut m = json!({ "type": "object", "properties": props });
            if !required.is_empty() {
                m["required"] = Value::Array(required);
            }
            match u.int_in_range(0u8..=3)? {
                0 => m["additionalProperties"] = json!(false),
                1 => m["additionalProperties"] = schema(u, cx, depth + 1)?,
                _ => {}
            }
            m
        }
        8 => {
            let mut m = json!({ "type": "array" });
            if u.ratio(5u8, 6)? {
                m["items"] = schema(u, cx, depth + 1)?;
            }
            m
        }
        9 | 10 => {
            let n = u.int_in_range(0..=3)?;
            let mut parts = Vec::new();
            for _ in 0..n {
                parts.push(schema(u, cx, depth + 1)?);
            }
            json!({ "allOf": parts })
        }
        11 | 12 => {
            let key = if u.ratio(1u8, 2)? { "anyOf" } else { "oneOf" };
            let mut parts = vec![schema(u, cx, depth + 1)?];
            if u.ratio(2u8, 3)? {
                // The converter's nullable reference pattern, in its three spellings.
                parts.push(
                    u.choose(&[json!({ "type": "object", "nullable": true }), json!({ "enum": [null] }), json!({ "nullable": true })])?
                        .clone(),
                );
            } else {
                parts.push(schema(u, cx, depth + 1)?);
            }
            json!({ key: parts })
        }
        13 => json!({ "not": schema(u, cx, depth + 1)? }),
        _ => json!({ "type": u.choose(&["file", "null", "", "object"])?, "items": schema(u, cx, depth + 1)? }),
    };
    if let Value::Object(m) = &mut s {
        if !m.contains_key("$ref") {
            if u.ratio(1u8, 4)? {
                m.insert("nullable".into(), json!(true));
            }
            if u.ratio(1u8, 5)? {
                m.insert("description".into(), json!(text(u)?));
            }
            if u.ratio(1u8, 10)? {
                m.insert("readOnly".into(), json!(true));
            }
            if u.ratio(1u8, 12)? {
                m.insert("deprecated".into(), json!(true));
            }
            if u.ratio(1u8, 12)? {
                m.insert("x-ms-navigationProperty".into(), json!(true));
            }
            if u.ratio(1u8, 15)? {
                m.insert("x-ms-enum".into(), json!({ "name": name(u)?, "values": [{ "value": name(u)?, "description": text(u)? }] }));
            }
        }
    }
    Ok(s)
}

fn parameter(u: &mut Unstructured<'_>, cx: &Ctx, path_vars: &[String]) -> Result<Value> {
    if u.ratio(1u8, 10)? {
        return Ok(json!({ "$ref": format!("#/components/parameters/{}", name(u)?) }));
    }
    let location = *u.choose(&["path", "path", "query", "header", "cookie"])?;
    let pname = if location == "path" && !path_vars.is_empty() && u.ratio(4u8, 5)? { u.choose(path_vars)?.clone() } else { name(u)? };
    let mut p = json!({ "name": pname, "in": location });
    if location == "path" || u.ratio(1u8, 2)? {
        p["required"] = json!(true);
    }
    if u.ratio(1u8, 12)? {
        p["content"] = json!({ "application/json": { "schema": { "type": "string" } } });
    } else {
        p["schema"] = schema(u, cx, 1)?;
    }
    if u.ratio(1u8, 4)? {
        p["description"] = json!(text(u)?);
    }
    Ok(p)
}

fn content(u: &mut Unstructured<'_>, cx: &Ctx) -> Result<Value> {
    let mut c = Map::new();
    let n = u.int_in_range(0..=3)?;
    for _ in 0..n {
        let media = *u.choose(&[
            "application/json",
            "application/json; charset=utf-8",
            "application/problem+json",
            "text/plain",
            "application/xml",
            "multipart/form-data",
            "",
        ])?;
        let mut mt = Map::new();
        if u.ratio(5u8, 6)? {
            mt.insert("schema".into(), schema(u, cx, 1)?);
        }
        c.insert(media.to_string(), Value::Object(mt));
    }
    Ok(Value::Object(c))
}

fn operation(u: &mut Unstructured<'_>, cx: &Ctx, path_vars: &[String], op_ids: &mut Vec<String>) -> Result<Value> {
    let mut op = Map::new();
    if u.ratio(7u8, 8)? {
        let id = if !op_ids.is_empty() && u.ratio(1u8, 6)? {
            u.choose(op_ids)?.clone()
        } else {
            format!("{}.{}_{}", name(u)?, name(u)?, name(u)?)
        };
        op_ids.push(id.clone());
        op.insert("operationId".into(), json!(id));
    }
    if u.ratio(1u8, 3)? {
        op.insert("summary".into(), json!(text(u)?));
    }
    let n = u.int_in_range(0..=4)?;
    let mut params = Vec::new();
    for _ in 0..n {
        params.push(parameter(u, cx, path_vars)?);
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if u.ratio(1u8, 2)? {
        let body = if u.ratio(1u8, 10)? {
            json!({ "$ref": format!("#/components/requestBodies/{}", name(u)?) })
        } else {
            json!({ "required": u.arbitrary::<bool>()?, "content": content(u, cx)? })
        };
        op.insert("requestBody".into(), body);
    }
    let mut responses = Map::new();
    let n = u.int_in_range(0..=3)?;
    for _ in 0..n {
        let code = *u.choose(&["200", "201", "204", "2XX", "4XX", "default", "404", "5XX", "abc", "600"])?;
        let r = if u.ratio(1u8, 6)? {
            json!({ "$ref": u.choose(&["#/components/responses/error", "#/components/responses/missing"])? })
        } else {
            json!({ "description": "r", "content": content(u, cx)? })
        };
        responses.insert(code.to_string(), r);
    }
    op.insert("responses".into(), Value::Object(responses));
    Ok(Value::Object(op))
}

/// A whole OpenAPI-ish document, as YAML or JSON text.
pub fn structured(u: &mut Unstructured<'_>) -> Result<String> {
    let mut cx = Ctx { keys: Vec::new(), max_depth: u.int_in_range(1..=6)? };
    let n_schemas = u.int_in_range(0..=8)?;
    for _ in 0..n_schemas {
        cx.keys.push(name(u)?);
    }
    let mut schemas = Map::new();
    for key in cx.keys.clone() {
        schemas.insert(key, schema(u, &cx, 0)?);
    }
    let mut doc = Map::new();
    let version = match u.int_in_range(0u8..=19)? {
        0 => json!("3.1.0"),
        1 => json!(3.0),
        2 => json!("2.0"),
        3 => Value::Null,
        _ => json!(*u.choose(&["3.0.0", "3.0.1", "3.0.3", "3.0.4"])?),
    };
    if u.ratio(1u8, 30)? {
        doc.insert("swagger".into(), json!("2.0"));
    } else if !version.is_null() {
        doc.insert("openapi".into(), version);
    }
    doc.insert("info".into(), json!({ "title": text(u)?, "version": "1" }));
    if u.ratio(3u8, 4)? {
        let url =
            *u.choose(&["https://graph.microsoft.com/beta/", "http://localhost", "/relative", "ftp://x", "https://x/\"quote`", ""])?;
        doc.insert("servers".into(), json!([{ "url": url }]));
    }
    let mut paths = Map::new();
    let mut op_ids = Vec::new();
    let n_paths = u.int_in_range(0..=4)?;
    for _ in 0..n_paths {
        let mut template = String::new();
        let mut vars = Vec::new();
        let segs = u.int_in_range(1..=4)?;
        for _ in 0..segs {
            template.push('/');
            match u.int_in_range(0u8..=5)? {
                0 | 1 => {
                    let v = name(u)?;
                    template.push_str(&format!("{{{v}}}"));
                    vars.push(v);
                }
                2 => template.push_str(&format!("x({{{}}})", name(u)?)),
                3 => template.push_str(u.choose(&["{", "}", "{}", "..", "%2F", "a{b"])?),
                _ => template.push_str(&name(u)?),
            }
        }
        let mut item = Map::new();
        let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
        for m in methods {
            if u.ratio(1u8, 3)? {
                item.insert(m.into(), operation(u, &cx, &vars, &mut op_ids)?);
            }
        }
        if u.ratio(1u8, 5)? {
            item.insert("parameters".into(), Value::Array(vec![parameter(u, &cx, &vars)?]));
        }
        paths.insert(template, Value::Object(item));
    }
    doc.insert("paths".into(), Value::Object(paths));
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    if u.ratio(1u8, 3)? {
        components.insert(
            "responses".into(),
            json!({ "error": { "description": "e", "content": { "application/json": { "schema": schema(u, &cx, 1)? } } } }),
        );
    }
    if u.ratio(1u8, 4)? {
        components.insert("parameters".into(), json!({ name(u)?: { "name": name(u)?, "in": "query", "schema": { "type": "string" } } }));
    }
    doc.insert("components".into(), Value::Object(components));
    let doc = Value::Object(doc);
    let text = if u.ratio(1u8, 3)? {
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    } else {
        serde_yaml::to_string(&doc).unwrap_or_default()
    };
    Ok(text)
}

/// Tokens worth splicing into YAML: structure, references, anchors, tags, odd scalars.
const SPLICES: &[&str] = &[
    "\n",
    ": ",
    "- ",
    "  ",
    "\t",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "#",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!binary ",
    "!tag ",
    "$ref: '#/components/schemas/microsoft.graph.entity'",
    "$ref: '#/nowhere'",
    "$ref: 'other.yaml#/x'",
    "allOf:\n",
    "anyOf:\n",
    "type: object\n",
    "properties:\n",
    "nullable: true",
    "~",
    "null",
    "1e400",
    "-0",
    "0x10",
    "\u{feff}",
    "\u{0}",
    "...\n",
    "---\n",
    "? ",
    "{mobileApp-id}",
    "{x}",
    "required: true",
    "format: int128",
    "enum: [a, a]",
    "openapi: 3.1.0\n",
    "swagger: '2.0'\n",
];

/// Byte-level mutations of `text`: flips, deletions, duplications, splices and line swaps.
pub fn mutate(u: &mut Unstructured<'_>, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let rounds = u.int_in_range(1..=8).unwrap_or(1);
    for _ in 0..rounds {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        let at = u.int_in_range(0..=len - 1).unwrap_or(0);
        let span = u.int_in_range(1..=64usize).unwrap_or(1).min(len - at);
        match u.int_in_range(0u8..=5).unwrap_or(0) {
            0 => {
                let b: u8 = u.arbitrary().unwrap_or(0);
                if let Some(x) = bytes.get_mut(at) {
                    *x = b;
                }
            }
            1 => {
                bytes.drain(at..at + span);
            }
            2 => {
                let copy: Vec<u8> = bytes.get(at..at + span).map(<[u8]>::to_vec).unwrap_or_default();
                let to = u.int_in_range(0..=bytes.len()).unwrap_or(0);
                bytes.splice(to..to, copy);
            }
            3 | 4 => {
                let splice = u.choose(SPLICES).copied().unwrap_or("\n");
                bytes.splice(at..at, splice.bytes());
            }
            _ => {
                // Swap two lines, which breaks indentation and nesting in YAML-shaped ways.
                let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let n = lines.len();
                if n > 1 {
                    let a = u.int_in_range(0..=n - 1).unwrap_or(0);
                    let b = u.int_in_range(0..=n - 1).unwrap_or(0);
                    lines.swap(a, b);
                }
                bytes = lines.join(&b'\n');
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string())
}
