//! Stage 1: spec text (YAML or JSON; OpenAPI 3.0 or 3.1) to `openapiv3::OpenAPI`, with errors
//! located in the file.
//!
//! JSON is read by a JSON parser and YAML by a YAML parser (`syntax`). A 3.1 description is read
//! into the 3.0 shape `openapiv3` takes by a pass over the untyped document (`normalize`, which
//! finds schemas through `walk`), and every node that pass moves or makes keeps the pointer it
//! had in the file (`origins`), so diagnostics name the lines the author wrote.

mod locate;
mod normalize;
mod origins;
mod syntax;
mod walk;

use locate::UNNAMEABLE;
pub use locate::{locate, locate_nearest};
pub use normalize::Version;
pub use origins::Origins;
pub use syntax::Syntax;

use crate::diagnostics::{pointer_push, Diagnostic};

/// A description read for `lower`.
#[derive(Debug)]
pub struct Loaded {
    pub doc: openapiv3::OpenAPI,
    /// What reading it approximated or left out (3.1 constructs 3.0 cannot say), located in
    /// the original text.
    pub warnings: Vec<Diagnostic>,
    /// Where the nodes of `doc` were in the original text; `lower`'s pointers go through it.
    pub origins: Origins,
}

/// Parses `text` and checks it is an OpenAPI 3.0 or 3.1 document, telling JSON from YAML by
/// the content alone; see [`load`]. For the generator's own tests: the library goes through
/// `stages::load`.
#[cfg(test)]
pub fn load_spec(text: &str) -> Result<openapiv3::OpenAPI, Vec<Diagnostic>> {
    load(text, None).map(|loaded| loaded.doc)
}

/// Parses `text` (named `spec_path`, whose `.json` ending makes it JSON) and checks it is an
/// OpenAPI 3.0 or 3.1 document. Errors and warnings carry pointers into the original text.
pub fn load(text: &str, spec_path: Option<&str>) -> Result<Loaded, Vec<Diagnostic>> {
    // Editors on Windows start files with a byte-order mark, which serde_yaml takes for a second
    // document; it is not part of the text a reader sees.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let syntax = Syntax::of(spec_path, text);
    // The direct path takes 3.0 only; a typed parse of a file that says 3.1 would be wasted.
    let direct = if declared_version(text) == Some(Version::Oas31) { None } else { load_direct(text, syntax) };
    match direct {
        Some(doc) => Ok(Loaded { doc, warnings: Vec::new(), origins: Origins::default() }),
        None => load_checked(text, syntax),
    }
}

/// The version the text declares on an `openapi` line near its top (`openapi: 3.1.0`,
/// `"openapi": "3.1.0",`), found without parsing. Only a shortcut: the checked path reads the
/// version properly whatever this says.
fn declared_version(text: &str) -> Option<Version> {
    let head = text.get(..text.len().min(64 << 10)).unwrap_or(text);
    head.lines().find_map(|line| {
        let line = line.trim_start().trim_start_matches(['{', ' ']);
        let rest = line.strip_prefix("openapi:").or_else(|| line.strip_prefix("\"openapi\":"))?;
        let value = rest.trim().trim_end_matches(',').trim_matches(|c| c == '"' || c == '\'');
        Version::of(value)
    })
}

/// Stack for the typed parse: serde_yaml lets a document nest 128 levels, and openapiv3's
/// untagged enums take a dozen frames per level, more than a 2 MiB stack holds in a debug build.
/// Only the pages it touches are used.
const TYPED_PARSE_STACK: usize = 64 << 20;

/// The usual case at the speed of the parser alone: straight from the text into `openapiv3`, as
/// the bench's parse floor does. Deserializing into types checks neither duplicate keys (a map
/// keeps the last) nor the nesting bound, so a second thread reads the same text for just that
/// meanwhile. None when anything is off; `load_checked` then says what.
fn load_direct(text: &str, syntax: Syntax) -> Option<openapiv3::OpenAPI> {
    let typed = || match syntax {
        Syntax::Yaml => serde_yaml::from_str::<openapiv3::OpenAPI>(text).ok(),
        Syntax::Json => serde_json::from_str::<openapiv3::OpenAPI>(text).ok(),
    };
    let (doc, sound) = std::thread::scope(|scope| {
        let typed = std::thread::Builder::new().stack_size(TYPED_PARSE_STACK).spawn_scoped(scope, typed);
        let sound = shape_is_sound(text, syntax);
        let doc = typed.ok().and_then(|t| t.join().ok()).flatten();
        (doc, sound)
    });
    doc.filter(|d| sound && Version::of(&d.openapi) == Some(Version::Oas30))
}

/// Whether the text is one document with no duplicate keys in any mapping and no collection
/// nested deeper than [`MAX_NESTING`]: what reading it as a `serde_yaml::Value` would check.
fn shape_is_sound(text: &str, syntax: Syntax) -> bool {
    use serde::de::DeserializeSeed;
    match syntax {
        Syntax::Yaml => Shape { depth: 0 }.deserialize(serde_yaml::Deserializer::from_str(text)).is_ok(),
        Syntax::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            Shape { depth: 0 }.deserialize(&mut de).is_ok() && de.end().is_ok()
        }
    }
}

/// Walks a document without keeping it; fails at a duplicate key or past the nesting bound.
#[derive(Clone, Copy)]
struct Shape {
    depth: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for Shape {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Shape {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.nested::<A::Error>()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.nested::<A::Error>()?;
        let mut keys = std::collections::HashSet::new();
        while let Some(key) = map.next_key_seed(Key(inner))? {
            // Keys that are collections are never equal here; serde_yaml compares them, but
            // no OpenAPI document has one, and the checked path still rejects it.
            if key.is_some_and(|k| !keys.insert(k)) {
                return Err(serde::de::Error::custom("duplicate key"));
            }
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
    // A tagged value (`!tag value`): the tag is no level of its own.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use serde::de::VariantAccess;
        let (serde::de::IgnoredAny, variant) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

impl Shape {
    fn nested<E: serde::de::Error>(self) -> Result<Shape, E> {
        if self.depth >= MAX_NESTING {
            return Err(E::custom("nested too deep"));
        }
        Ok(Shape { depth: self.depth + 1 })
    }
}

/// A mapping key, as its kind and text (so `1` and `"1"` differ, as they do in a YAML mapping);
/// None for a key that is itself a collection.
struct Key(Shape);

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = Option<(u8, String)>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = Option<(u8, String)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a mapping key")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some((0, v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some((1, v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some((1, v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some((2, v.to_string())))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some((3, v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Some((4, String::new())))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Some((4, String::new())))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(seq).map(|()| None)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map).map(|()| None)
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.0.visit_enum(data).map(|()| None)
    }
}

/// The careful path, for a document the direct one did not take: each check in turn, so that
/// what is wrong is said precisely and located.
fn load_checked(text: &str, syntax: Syntax) -> Result<Loaded, Vec<Diagnostic>> {
    let mut value = syntax::parse_value(text, syntax)?;
    check_depth(&value)?;
    let Some(map) = value.as_mapping() else {
        return Err(vec![Diagnostic::error("", "the document is not a mapping, so not an OpenAPI description")
            .help("an OpenAPI description is a mapping with `openapi`, `info` and `paths` at its top")]);
    };
    // The version comes before anything else is read: whatever else is wrong, a description in
    // a version this generator does not read is told so first.
    if let Some(v) = map.get("swagger") {
        let version = yaml_scalar(v);
        return Err(vec![Diagnostic::error("/swagger", format!("unsupported version: Swagger {version}"))
            .help("convert the description to OpenAPI 3.0 or 3.1 (for example with swagger2openapi) and generate from that")]);
    }
    let version = match map.get("openapi") {
        None => {
            return Err(vec![Diagnostic::error("", "no `openapi` field: this is not an OpenAPI description")
                .help("the generator reads OpenAPI 3.0 and 3.1 descriptions, which start with `openapi: 3.0.x` or `openapi: 3.1.x`")]);
        }
        Some(v) => {
            let declared = yaml_scalar(v);
            Version::of(&declared).ok_or_else(|| {
                vec![Diagnostic::error("/openapi", format!("unsupported version: OpenAPI {declared}"))
                    .help("the generator reads OpenAPI 3.0.x and 3.1.x; describe the API in one of those (Microsoft Graph's descriptions are 3.0)")]
            })?
        }
    };
    let mut origins = Origins::default();
    let mut warnings = normalize::normalize(&mut value, version, &mut origins);
    for d in &mut warnings {
        d.pointer = origins.original(&d.pointer);
    }
    if warnings.iter().any(Diagnostic::is_error) {
        return Err(warnings);
    }
    // Rewriting 3.1 nests some nodes a level or two deeper (`$ref` into `allOf`).
    check_depth(&value).map_err(|mut errors| {
        errors.iter_mut().for_each(|d| d.pointer = origins.original(&d.pointer));
        errors
    })?;
    let label = match version {
        Version::Oas30 => "3.0",
        Version::Oas31 => "3.1",
    };
    // By value, so each node is freed as it is converted: a borrowed tree would stay whole until
    // the end and add its size to the peak. The error path parses the text again to narrow.
    let doc = serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(value).map_err(|e| {
        let mut pointer = String::new();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => pointer = pointer_push(&pointer, &index.to_string()),
                Segment::Map { key } => pointer = pointer_push(&pointer, key),
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        let message = e.inner().to_string();
        let pointer = match syntax::parse_value(text, syntax) {
            Ok(mut value) => {
                normalize::normalize(&mut value, version, &mut Origins::default());
                narrow(&value, &pointer, &message)
            }
            Err(_) => pointer,
        };
        vec![Diagnostic::error(origins.original(&pointer), format!("not a valid OpenAPI {label} node: {message}"))
            .help(format!("correct this node so that it follows the OpenAPI {label} schema"))]
    })?;
    Ok(Loaded { doc, warnings, origins })
}

/// The depth bound of [`MAX_NESTING`], as a located error.
fn check_depth(value: &serde_yaml::Value) -> Result<(), Vec<Diagnostic>> {
    match first_too_deep(value, MAX_NESTING) {
        None => Ok(()),
        Some(path) => {
            let pointer = path.iter().rev().fold(String::new(), |p, token| pointer_push(&p, token));
            Err(vec![Diagnostic::error(pointer, format!("nested more than {MAX_NESTING} levels deep")).help(
                "real descriptions nest about 15 levels; name the inner schemas under #/components/schemas and refer to them with `$ref`",
            )])
        }
    }
}

/// serde loses the path inside `#[serde(flatten)]` and untagged enums, which openapiv3 uses
/// throughout, so the reported path often stops at an ancestor such as `/paths`. When the message
/// quotes the offending value or key and exactly one node under that ancestor holds it, that
/// node is the better place to point at.
fn narrow(root: &serde_yaml::Value, pointer: &str, message: &str) -> String {
    use serde_yaml::Value;
    if message.starts_with("missing field") {
        return pointer.to_string();
    }
    let quoted = ['"', '`'].iter().find_map(|q| {
        let start = message.find(*q)? + 1;
        let len = message.get(start..)?.find(*q)?;
        message.get(start..start + len)
    });
    let Some(needle) = quoted else { return pointer.to_string() };
    let mut node = root;
    for token in pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")) {
        let next = match node {
            Value::Mapping(m) => m.iter().find(|(k, _)| yaml_scalar(k) == token).map(|(_, v)| v),
            Value::Sequence(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return pointer.to_string(),
        }
    }
    // Depth-first with an explicit stack; the document's depth is already bounded.
    let mut hits: Vec<String> = Vec::new();
    let mut stack: Vec<(&Value, String)> = vec![(node, pointer.to_string())];
    while let Some((n, at)) = stack.pop() {
        if hits.len() > 1 {
            break;
        }
        match n {
            Value::Mapping(m) => {
                for (k, v) in m.iter() {
                    let key = yaml_scalar(k);
                    let child = pointer_push(&at, &key);
                    if key == needle {
                        hits.push(child.clone());
                    }
                    stack.push((v, child));
                }
            }
            Value::Sequence(items) => {
                for (i, v) in items.iter().enumerate().rev() {
                    stack.push((v, pointer_push(&at, &i.to_string())));
                }
            }
            Value::Tagged(t) => stack.push((&t.value, at)),
            scalar => {
                if yaml_scalar(scalar) == needle {
                    hits.push(at);
                }
            }
        }
    }
    match hits.as_slice() {
        [only] => only.clone(),
        _ => pointer.to_string(),
    }
}

/// How many mappings and sequences may nest. Graph's descriptions reach 13. The checked path
/// converts a `Value` to `openapiv3` on the caller's stack, a dozen frames per level (its untagged
/// enums), so this bound is what keeps a hostile document from overflowing a 2 MiB thread stack in
/// a debug build; the direct path enforces it too, so both accept the same documents.
pub const MAX_NESTING: usize = 64;

/// The path (innermost token first) to the first collection nested deeper than `remaining`
/// levels. The recursion stops at `remaining`, so it is bounded whatever the input.
fn first_too_deep(value: &serde_yaml::Value, remaining: usize) -> Option<Vec<String>> {
    use serde_yaml::Value;
    let children: Box<dyn Iterator<Item = (String, &Value)>> = match value {
        Value::Mapping(m) => Box::new(m.iter().map(|(k, v)| (yaml_scalar(k), v))),
        Value::Sequence(s) => Box::new(s.iter().enumerate().map(|(i, v)| (i.to_string(), v))),
        Value::Tagged(t) => return first_too_deep(&t.value, remaining),
        _ => return None,
    };
    if remaining == 0 {
        return Some(Vec::new());
    }
    for (token, child) in children {
        if let Some(mut path) = first_too_deep(child, remaining - 1) {
            path.push(token);
            return Some(path);
        }
    }
    None
}

fn yaml_scalar(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => "null".to_string(),
        serde_yaml::Value::Tagged(t) => yaml_scalar(&t.value),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reading the text as a `serde_yaml::Value` concludes, which `shape_is_sound` stands in for.
    fn sound_by_value(text: &str) -> bool {
        serde_yaml::from_str::<serde_yaml::Value>(text).is_ok_and(|v| first_too_deep(&v, MAX_NESTING).is_none())
    }

    #[test]
    fn the_shape_check_agrees_with_reading_a_value() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let cases = [
            "a: 1\nb: 2\n".to_string(),
            "a: 1\na: 2\n".to_string(),
            "outer:\n  inner: {x: 1, y: 2, x: 3}\n".to_string(),
            "list:\n  - {k: 1}\n  - {k: 2}\n".to_string(),
            "1: a\n'1': b\n".to_string(),
            "1: a\n1: b\n".to_string(),
            "? [a, b]\n: 1\n".to_string(),
            "tagged: !thing {a: 1, a: 2}\n".to_string(),
            "tagged: !thing {a: 1, b: 2}\n".to_string(),
            "a: 1\n---\nb: 2\n".to_string(),
            "a: [1, 2\n".to_string(),
            "".to_string(),
            "{\"json\": true, \"json\": false}".to_string(),
            nested(MAX_NESTING),
            nested(MAX_NESTING + 1),
            format!("a: {}", nested(MAX_NESTING - 1)),
            format!("a: {}", nested(MAX_NESTING)),
        ];
        for text in &cases {
            assert_eq!(shape_is_sound(text, Syntax::Yaml), sound_by_value(text), "{text:?}");
        }
        assert!(!shape_is_sound("a: 1\na: 2\n", Syntax::Yaml) && shape_is_sound(&nested(MAX_NESTING), Syntax::Yaml));
    }

    #[test]
    fn the_declared_version_is_found_without_parsing() {
        assert_eq!(declared_version("# c\nopenapi: 3.1.0\ninfo: {}\n"), Some(Version::Oas31));
        assert_eq!(declared_version("{\n  \"openapi\": \"3.1.1\",\n"), Some(Version::Oas31));
        assert_eq!(declared_version("{\"openapi\": \"3.0.3\", \"info\": {}}"), Some(Version::Oas30));
        assert_eq!(declared_version("openapi: '3.0.1'\n"), Some(Version::Oas30));
        assert_eq!(declared_version("info:\n  title: openapi: 3.1\n"), None);
    }

    #[test]
    fn a_duplicate_schema_is_not_loaded_silently() {
        // Typed deserialization alone would keep the second `thing`; the checked path reports it.
        let text = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    thing: {type: object}\n    thing: {type: string}\n";
        assert!(serde_yaml::from_str::<openapiv3::OpenAPI>(text).is_ok());
        let errors = load_spec(text).expect_err("rejected");
        assert!(errors[0].message.contains("duplicate entry"), "{errors:?}");
    }
}
