//! The small token builders every emitter shares: names, literals, type references, `cfg` and
//! `deprecated` attributes, and documentation made safe for rustdoc and rustc.

use crate::ir::{Api, Deprecation, TypeKind, TypeRef};
use crate::names::needs_raw;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// An identifier for a name from the IR, raw (`r#type`) where it is a keyword.
///
/// `lower` only hands out valid identifiers; a name that is not one anyway is made one here
/// (invalid characters become `_`) rather than letting proc-macro2 panic on it.
pub fn ident(name: &str) -> Ident {
    let valid = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name != "_";
    if !valid {
        let mut fixed: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        if !fixed.starts_with(|c: char| c.is_ascii_alphabetic()) {
            fixed.insert_str(0, "x_");
        }
        return Ident::new(&fixed, Span::call_site());
    }
    if needs_raw(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// A string literal for `s`. Unicode bidi controls are escaped too: rustc rejects them raw in a
/// literal (`text_direction_codepoint_in_literal`), and spec text may carry them.
pub fn lit(s: &str) -> Literal {
    if !s.contains(is_bidi_control) {
        return Literal::string(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    out.push('"');
    for c in s.chars() {
        if is_bidi_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            // proc-macro2's own escaping, one character at a time.
            let one = Literal::string(c.encode_utf8(&mut [0; 4])).to_string();
            out.push_str(one.get(1..one.len().saturating_sub(1)).unwrap_or(""));
        }
    }
    out.push('"');
    out.parse().unwrap_or_else(|_| Literal::string(s))
}

/// The characters that reorder text on screen (embeddings, overrides, isolates, marks): code that
/// shows them raw can read differently from what it is, so rustc denies them in literals and
/// comments.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The Rust type of a type reference; `qualified` prefixes named types with `models::`.
pub fn rust_type(api: &Api, ty: &TypeRef, qualified: bool) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I16 => quote!(i16),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U8 => quote!(u8),
        TypeRef::U16 => quote!(u16),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::DateTime => quote!(jiff::Timestamp),
        TypeRef::Date => quote!(jiff::civil::Date),
        TypeRef::Time => quote!(jiff::civil::Time),
        TypeRef::Duration => quote!(graph_runtime::values::IsoDuration),
        TypeRef::Uuid => quote!(uuid::Uuid),
        // A runtime type lower chose for a header parameter.
        TypeRef::ConsistencyLevel => quote!(graph_runtime::graph::ConsistencyLevel),
        TypeRef::Bytes => quote!(graph_runtime::values::Base64Bytes),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Lenient(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(graph_runtime::values::Lenient<#inner>)
        }
        TypeRef::Named(id) => {
            let def = api.types.get(id.0);
            let name = ident(type_name(api, *id));
            let path = if qualified { quote!(models::#name) } else { quote!(#name) };
            match def.map(|t| &t.kind) {
                Some(TypeKind::Enum(e)) if e.flags => quote!(graph_runtime::values::Flags<#path>),
                _ => path,
            }
        }
        TypeRef::Array(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(Option<#inner>)
        }
    }
}

/// The name of a type. `emit_part` refuses an IR whose indices do not all resolve (`ir::check`),
/// so the empty name is never emitted: it only keeps a generator bug from panicking.
pub fn type_name(api: &Api, id: crate::ir::TypeId) -> &str {
    api.types.get(id.0).map_or("", |t| t.name.as_str())
}

pub fn deprecated_attr(d: &Option<Deprecation>) -> TokenStream {
    match d {
        None => TokenStream::new(),
        Some(Deprecation { note: Some(note) }) => {
            let note = lit(note);
            quote!(#[deprecated(note = #note)])
        }
        Some(Deprecation { note: None }) => quote!(#[deprecated]),
    }
}

/// Documentation from the spec, as `#[doc]` attributes (printed as `///` lines), made safe for
/// rustdoc: brackets and angle brackets escaped (no broken intra-doc links or stray HTML), bare
/// URLs wrapped, no accidental code blocks.
pub fn doc(text: &str) -> TokenStream {
    let text = text.trim();
    let mut out = TokenStream::new();
    // The width of the list marker the current paragraph started with (`- `, `1. `), if any.
    let mut list_indent: Option<usize> = None;
    // A lone CR is a line break to a reader but is rejected inside a doc comment, so it splits too.
    for l in text.lines().flat_map(|l| l.split('\r')).filter(|_| !text.is_empty()) {
        let line = l.trim();
        let escaped = escape_doc_line(line);
        if line.is_empty() {
            list_indent = None;
        } else if let Some(width) = measure_list_marker(line) {
            list_indent = Some(width);
        } else if let Some(width) = list_indent {
            // A line after a list item, not indented, continues the item in Markdown ("lazy
            // continuation"); indenting it under the item says so, which clippy asks for
            // (`doc_lazy_continuation`) and renders the same.
            out.extend(doc_line(&format!("{}{escaped}", " ".repeat(width))));
            continue;
        }
        out.extend(doc_line(&escaped));
    }
    out
}

/// Where the text of a Markdown list item starting `line` begins: the marker (`-`, `*`, `+`,
/// `12.`, `3)`) and the spaces after it, 1 to 4 (`*   item` is 4 wide; past 4, CommonMark counts
/// one and the rest belong to the text); None when the line does not start a list item.
fn measure_list_marker(line: &str) -> Option<usize> {
    let marker = if line.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        let rest = line.get(digits..)?;
        if digits == 0 || digits >= 10 || !rest.starts_with(['.', ')']) {
            return None;
        }
        digits + 1
    };
    let spaces = line.get(marker..)?.bytes().take_while(|b| *b == b' ').count();
    match spaces {
        0 => None,
        1..=4 => Some(marker + spaces),
        _ => Some(marker + 1),
    }
}

/// Documentation the generator writes itself (already Markdown, links meant).
pub fn own_doc(text: &str) -> TokenStream {
    // Spec strings spliced in (an operationId, a path) may hold a lone CR, which a doc comment rejects.
    text.trim().lines().flat_map(|l| l.split('\r')).map(|l| doc_line(l.trim())).collect()
}

/// Like [`own_doc`], as inner attributes (printed as `//!` lines), for a module's documentation.
pub fn inner_doc(text: &str) -> TokenStream {
    text.trim()
        .lines()
        .flat_map(|l| l.split('\r'))
        .map(|l| {
            let line = doc_text(l.trim());
            quote!(#![doc = #line])
        })
        .collect()
}

/// Like [`inner_doc`], keeping each line's indentation (for code blocks): only trailing space
/// is dropped.
pub fn inner_doc_verbatim(text: &str) -> TokenStream {
    text.lines()
        .flat_map(|l| l.split('\r'))
        .map(|l| {
            let line = doc_text(l.trim_end());
            quote!(#![doc = #line])
        })
        .collect()
}

fn doc_line(text: &str) -> TokenStream {
    let line = doc_text(text);
    quote!(#[doc = #line])
}

/// One line's `doc` value: prettyplease prints it right after `///`, so it starts with a space.
/// Bidi controls become HTML character references, which rustdoc renders and rustc accepts.
fn doc_text(text: &str) -> Literal {
    if text.trim().is_empty() {
        return Literal::string("");
    }
    let mut line = String::with_capacity(text.len() + 1);
    line.push(' ');
    for c in text.chars() {
        if is_bidi_control(c) {
            line.push_str(&format!("&#x{:X};", u32::from(c)));
        } else {
            line.push(c);
        }
    }
    Literal::string(&line)
}

pub fn escape_doc_line(line: &str) -> String {
    let ticks = line.matches('`').count();
    let mut out = String::with_capacity(line.len());
    if line.starts_with('#') {
        out.push('\\');
    }
    for (i, part) in line.split('`').enumerate() {
        if i > 0 {
            // Balanced backticks are code spans and stay; a lone one is escaped.
            out.push_str(if ticks.is_multiple_of(2) { "`" } else { "\\`" });
        }
        if ticks.is_multiple_of(2) && i % 2 == 1 {
            out.push_str(part);
        } else {
            escape_prose(part, &mut out);
        }
    }
    out
}

fn escape_prose(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let url_start = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min();
        let (before, url) = match url_start {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        for c in before.chars() {
            if matches!(c, '[' | ']' | '<' | '>' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        if url.is_empty() {
            break;
        }
        let end = url.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(url.len());
        // Sentence punctuation after a URL is not part of it.
        let link = url.get(..end).unwrap_or(url).trim_end_matches(['.', ',', ')', ';', ':', '\'']);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if link.len() <= scheme_len {
            // A scheme with no host is not a link; keep it as text and move past it.
            out.push_str(url.get(..scheme_len).unwrap_or(url));
            rest = url.get(scheme_len..).unwrap_or("");
            continue;
        }
        out.push('<');
        out.push_str(link);
        out.push('>');
        rest = url.get(link.len()..).unwrap_or("");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_are_escaped_in_literals_and_docs() {
        let text = "a\u{202e}b\u{2066}c";
        assert_eq!(lit(text).to_string(), "\"a\\u{202e}b\\u{2066}c\"");
        assert_eq!(lit("plain \"q\"").to_string(), Literal::string("plain \"q\"").to_string());
        assert_eq!(doc_text(text).to_string(), "\" a&#x202E;b&#x2066;c\"");
    }

    #[test]
    fn lines_that_continue_a_list_item_are_indented_under_it() {
        let printed = doc("Kinds:\n- one\nstill one\n12. two\nstill two\n\nafter").to_string();
        assert!(printed.contains("\"   still one\""), "{printed}");
        assert!(printed.contains("\"     still two\""), "{printed}");
        assert!(printed.contains("\" after\""), "{printed}");
        // The text of `*   item` starts 4 columns in; so must the lines that continue it.
        let printed = doc("*   Lists are\n  wrapped here\n*   and here").to_string();
        assert!(printed.contains("\"     wrapped here\""), "{printed}");
    }

    #[test]
    fn invalid_names_become_identifiers_instead_of_panicking() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("9lives").to_string(), "x_9lives");
        assert_eq!(ident("").to_string(), "x_");
        assert_eq!(ident("a-b").to_string(), "a_b");
    }
}
