//! Request bodies other than JSON: form fields and multipart parts.

use crate::encode::percent_encode;
use crate::error::RequestError;
use crate::params::object_members;

/// Encodes a struct's fields as `application/x-www-form-urlencoded`: `name=value` pairs sorted by
/// name, each percent-encoded, absent (`None`) fields left out, an array's items as repeated
/// pairs (OpenAPI's default for forms), and a nested object as its JSON text.
pub fn encode_form<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, RequestError> {
    let pairs = object_members(value).map_err(RequestError::Body)?;
    let encoded: Vec<String> =
        pairs.iter().map(|(name, value)| format!("{}={}", percent_encode(name, b""), percent_encode(value, b""))).collect();
    Ok(encoded.join("&").into_bytes())
}

/// The boundary between the parts of every `multipart/form-data` body. Fixed, so the content
/// type is a constant; a part that contains it is refused rather than sent broken.
pub const MULTIPART_BOUNDARY: &str = "graph-codegen-part-5f0c7a1e9b3d4c2a8e6f1d07";
/// The content type of every multipart body, naming [`MULTIPART_BOUNDARY`].
pub const MULTIPART_CONTENT_TYPE: &str = "multipart/form-data; boundary=graph-codegen-part-5f0c7a1e9b3d4c2a8e6f1d07";

/// One part's value in a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub enum PartValue<'a> {
    /// A file: sent as `application/octet-stream`, named after the part.
    File(&'a [u8]),
    /// A single value, as text.
    Text(String),
    /// An object or array, as `application/json`.
    Json(Vec<u8>),
}

/// Encodes `parts` as `multipart/form-data` (RFC 7578) with [`MULTIPART_BOUNDARY`].
pub fn encode_multipart(parts: &[(&str, PartValue<'_>)]) -> Result<Vec<u8>, RequestError> {
    let mut out = Vec::new();
    for (name, value) in parts {
        // A quote or line break would end the header early; HTML's form encoding escapes them so.
        let name = name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A");
        let (head, bytes) = match value {
            PartValue::File(bytes) => (
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n"
                ),
                *bytes,
            ),
            PartValue::Text(text) => (format!("Content-Disposition: form-data; name=\"{name}\"\r\n"), text.as_bytes()),
            PartValue::Json(json) => {
                (format!("Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n"), json.as_slice())
            }
        };
        if bytes.windows(MULTIPART_BOUNDARY.len()).any(|w| w == MULTIPART_BOUNDARY.as_bytes()) {
            return Err(RequestError::Body(format!("part `{name}` contains the multipart boundary")));
        }
        out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}\r\n{head}\r\n").as_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}--\r\n").as_bytes());
    Ok(out)
}
