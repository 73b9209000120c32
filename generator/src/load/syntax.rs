//! Which parser reads a description: JSON through serde_json, YAML through serde_yaml.
//!
//! YAML 1.2 is a superset of JSON, but the YAML reader is not a JSON reader: it refuses a UTF-16
//! surrogate-pair escape (`"\ud83d\udc4d"`, valid JSON) and takes a trailing comma that JSON does
//! not allow. A description written as JSON is therefore read by a JSON parser, with its errors
//! located by the line and column that parser reports.

use crate::diagnostics::Diagnostic;
use serde::de::{DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_yaml::{Mapping, Value};
use std::fmt;

/// The syntax a description is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

impl Syntax {
    /// A file named `*.json` is JSON; so is text whose first mapping key is a double-quoted
    /// string (`{"openapi": …`) or that is the empty mapping `{}`, which is how JSON starts and
    /// how no YAML author starts a block document. Everything else is YAML.
    pub fn of(spec_path: Option<&str>, text: &str) -> Syntax {
        if spec_path.is_some_and(|p| p.to_ascii_lowercase().ends_with(".json")) {
            return Syntax::Json;
        }
        let mut rest = text.trim_start().chars().filter(|c| !c.is_whitespace());
        match (rest.next(), rest.next()) {
            (Some('{'), Some('"' | '}')) => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }
}

/// The text as an untyped document, read by the parser its syntax calls for. serde_yaml bounds
/// nesting (128 levels) and serde_json does too (128), so neither recursion outruns the stack.
pub fn parse_value(text: &str, syntax: Syntax) -> Result<Value, Vec<Diagnostic>> {
    match syntax {
        Syntax::Yaml => Untyped.deserialize(serde_yaml::Deserializer::from_str(text)).map_err(|e| vec![yaml_error(e)]),
        Syntax::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let value = Untyped.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
            value.map_err(|e| vec![json_error(e)])
        }
    }
}

/// Reads any document as a `serde_yaml::Value`, as that type's own `Deserialize` does (a
/// duplicate key is an error, with its message; a `!tag` is kept), except that an integer
/// outside `i64` and `u64` (`minimum: -9223372036854776000`) is read as the nearest `f64`
/// instead of failing the whole file: such numbers are bounds, and only constrain.
#[derive(Clone, Copy)]
struct Untyped;

impl<'de> DeserializeSeed<'de> for Untyped {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Untyped {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    // The nearest f64 is the point: the integer does not fit any integer type serde_yaml has.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number((v as f64).into()))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number((v as f64).into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut mapping = Mapping::new();
        while let Some(key) = map.next_key_seed(self)? {
            if mapping.contains_key(&key) {
                // serde_yaml's own wording, so YAML and JSON say it alike.
                let which = match &key {
                    Value::Null => "with null key".to_string(),
                    Value::Bool(b) => format!("with key `{b}`"),
                    Value::Number(n) => format!("with key {n}"),
                    Value::String(s) => format!("with key {s:?}"),
                    _ => "in YAML map".to_string(),
                };
                return Err(serde::de::Error::custom(format!("duplicate entry {which}")));
            }
            let value = map.next_value_seed(self)?;
            mapping.insert(key, value);
        }
        Ok(Value::Mapping(mapping))
    }
    /// A tagged value (`!tag value`), kept as serde_yaml keeps it.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, contents) = data.variant::<String>()?;
        if tag.is_empty() {
            return Err(serde::de::Error::custom("empty YAML tag is not allowed"));
        }
        let value = contents.newtype_variant_seed(self)?;
        Ok(Value::Tagged(Box::new(serde_yaml::value::TaggedValue { tag: serde_yaml::value::Tag::new(tag), value })))
    }
}

fn yaml_error(e: serde_yaml::Error) -> Diagnostic {
    let message = e.to_string();
    // serde_yaml's two defences against hostile documents deserve their own advice.
    let help = if message.contains("recursion limit exceeded") {
        TOO_DEEP
    } else if message.contains("repetition limit exceeded") {
        "aliases (`*name`) expand the document past the YAML reader's limit, as in a \"billion laughs\" document; write the repeated parts out once, or drop the aliases"
    } else if message.contains("more than one document") {
        "keep the description alone in the file: it holds several YAML documents (separated by `---`)"
    } else {
        "fix the syntax at the position shown; the spec must be one YAML or JSON document"
    };
    let mut d = Diagnostic::error("", format!("not valid YAML or JSON: {message}")).help(help);
    if let Some(loc) = e.location() {
        d.line = Some(loc.line());
        d.column = Some(loc.column());
    }
    d
}

const TOO_DEEP: &str = "the document nests deeper than the reader allows (128 levels); real descriptions nest about 15";

fn json_error(e: serde_json::Error) -> Diagnostic {
    let message = e.to_string();
    let help = if message.contains("recursion limit exceeded") {
        TOO_DEEP
    } else if message.contains("trailing comma") {
        "remove the comma before the closing bracket: JSON allows none there"
    } else {
        "fix the syntax at the position shown; a description named `.json` or starting `{\"` is read as JSON (no comments, no trailing commas; YAML goes in a `.yaml` file)"
    };
    let mut d = Diagnostic::error("", format!("not valid JSON: {message}")).help(help);
    // serde_json reports line 0 for errors that have no position (an I/O error, never here).
    if e.line() > 0 {
        d.line = Some(e.line());
        d.column = Some(e.column());
    }
    d
}

/// The text as the YAML event parser that locates diagnostics can read it. That parser refuses
/// `\uD800`–`\uDFFF` escapes, the halves of a UTF-16 surrogate pair that JSON writes for a
/// character outside the BMP, and would stop locating there; each half becomes `\uFFFD`, the
/// same six characters, so every line and column stays where it was. Only a key holding such a
/// character is then not found by its name.
pub fn for_locating(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\\u") && !text.contains("\\U") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 6 <= bytes.len() {
        let is_surrogate = bytes[i] == b'\\'
            && matches!(bytes[i + 1], b'u' | b'U')
            && matches!(bytes[i + 2], b'd' | b'D')
            && matches!(bytes[i + 3], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
            && bytes[i + 4].is_ascii_hexdigit()
            && bytes[i + 5].is_ascii_hexdigit();
        // An escaped backslash (`\\ud83d`) is text, not an escape.
        let escaped = i > 0 && bytes[i - 1] == b'\\' && (i < 2 || bytes[i - 2] != b'\\');
        if is_surrogate && !escaped {
            out.push_str(&text[copied..i]);
            out.push_str("\\uFFFD");
            i += 6;
            copied = i;
        } else {
            i += 1;
        }
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_told_from_yaml_by_name_or_first_key() {
        assert_eq!(Syntax::of(Some("a/b.JSON"), "openapi: 3.0.0"), Syntax::Json);
        assert_eq!(Syntax::of(None, "\u{20}\n{\n  \"openapi\": \"3.0.0\"}"), Syntax::Json);
        assert_eq!(Syntax::of(None, "{}"), Syntax::Json);
        assert_eq!(Syntax::of(None, "{openapi: 3.0.0}"), Syntax::Yaml);
        assert_eq!(Syntax::of(Some("spec.yaml"), "openapi: 3.0.0"), Syntax::Yaml);
    }

    #[test]
    fn json_reads_surrogate_pairs_and_refuses_trailing_commas_where_they_are() {
        let value = parse_value(r#"{"a": "\ud83d\udc4d"}"#, Syntax::Json).expect("valid JSON");
        assert_eq!(value.get("a").and_then(|v| v.as_str()), Some("\u{1f44d}"));
        let error = parse_value("{\n  \"a\": 1,\n}\n", Syntax::Json).expect_err("trailing comma").remove(0);
        assert_eq!((error.line, error.column), (Some(3), Some(1)), "{error:?}");
        assert!(error.message.contains("trailing comma"), "{error:?}");
        let duplicate = parse_value("{\"a\": 1, \"a\": 2}", Syntax::Json).expect_err("duplicate key").remove(0);
        assert!(duplicate.message.contains("duplicate entry with key \"a\""), "{duplicate:?}");
    }

    #[test]
    fn integers_past_i64_are_read_as_the_nearest_number_in_both_syntaxes() {
        for (text, syntax) in [("m: -9223372036854776000\n", Syntax::Yaml), ("{\"m\": 184467440737095516160}", Syntax::Json)] {
            let value = parse_value(text, syntax).expect("reads");
            assert!(value.get("m").and_then(Value::as_f64).is_some_and(|m| m.abs() > 9e18), "{value:?}");
        }
        let tagged = parse_value("a: !thing {b: 1}\n", Syntax::Yaml).expect("reads");
        assert_eq!(tagged, serde_yaml::from_str::<Value>("a: !thing {b: 1}\n").expect("reads"));
    }

    #[test]
    fn locating_text_keeps_every_position() {
        let text = r#"{"a": "\ud83d\udc4d", "b": "\\ud83d"}"#;
        let sanitized = for_locating(text);
        assert_eq!(sanitized.len(), text.len());
        assert_eq!(sanitized, r#"{"a": "\uFFFD\uFFFD", "b": "\\ud83d"}"#);
        assert!(matches!(for_locating("plain: text"), std::borrow::Cow::Borrowed(_)));
    }
}
