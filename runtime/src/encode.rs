//! Percent-encoding of paths and query strings.

use crate::error::RequestError;

/// The path of an operation: its description's template (`/users/{user-id}/photo`) with each
/// `{name}` replaced, in order, by the next of `values` encoded as one segment by
/// [`encode_path_segment`], so no value can add a `/` or climb out of the resource it names.
/// Each operation keeps its template as data for this one function rather than code of its own.
pub fn expand_path(template: &'static str, values: &[&str]) -> Result<String, RequestError> {
    let mut path = String::with_capacity(template.len() + 32);
    let mut rest = template;
    let mut values = values.iter();
    while let Some((literal, after)) = rest.split_once('{') {
        let Some((name, after)) = after.split_once('}') else { break };
        let Some(value) = values.next() else {
            return Err(RequestError::Build(format!("no value for `{{{name}}}` in the path `{template}`")));
        };
        path.push_str(literal);
        path.push_str(&encode_path_segment(name, value)?);
        rest = after;
    }
    path.push_str(rest);
    Ok(path)
}

/// Percent-encodes `value` as exactly one path segment: every byte outside RFC 3986's unreserved
/// set (`A-Z a-z 0-9 - . _ ~`) is encoded, `%` and `/` included. Empty, `.` and `..` are refused,
/// since they would change which resource the path names.
pub fn encode_path_segment(name: &'static str, value: &str) -> Result<String, RequestError> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(RequestError::InvalidPathParameter { name, value: value.to_string() });
    }
    Ok(percent_encode(value, b""))
}

/// Percent-encodes a query key or value; `keep` lists extra bytes left as they are.
pub fn encode_query_component(value: &str, keep: &[u8]) -> String {
    percent_encode(value, keep)
}

pub(crate) fn percent_encode(value: &str, keep: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}
