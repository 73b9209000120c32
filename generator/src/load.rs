//! Stage 1: spec text (YAML or JSON) to `openapiv3::OpenAPI`, with errors located in the file.

use crate::diagnostics::{pointer_push, Diagnostic};

/// Parses `text` and checks it is an OpenAPI 3.0 document.
pub fn load_spec(text: &str) -> Result<openapiv3::OpenAPI, Vec<Diagnostic>> {
    // YAML is a superset of JSON, so one parser serves both; serde_yaml bounds nesting depth
    // itself, so a deeply nested document is an error here, not a stack overflow.
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let mut d = Diagnostic::error("", format!("not valid YAML or JSON: {e}"))
                .help("fix the syntax at the position shown; the spec must be one YAML or JSON document");
            if let Some(loc) = e.location() {
                d.line = Some(loc.line());
                d.column = Some(loc.column());
            }
            return Err(vec![d]);
        }
    };
    let Some(map) = value.as_mapping() else {
        return Err(vec![Diagnostic::error("", "the document is not a mapping, so not an OpenAPI description")
            .help("an OpenAPI description is a mapping with `openapi`, `info` and `paths` at its top")]);
    };
    if let Some(v) = map.get("swagger") {
        let version = yaml_scalar(v);
        return Err(vec![Diagnostic::error("/swagger", format!("unsupported version: Swagger {version}"))
            .help("convert the description to OpenAPI 3.0 (for example with swagger2openapi) and generate from that")]);
    }
    match map.get("openapi") {
        None => {
            return Err(vec![Diagnostic::error("", "no `openapi` field: this is not an OpenAPI description")
                .help("the generator reads OpenAPI 3.0 descriptions, which start with `openapi: 3.0.x`")]);
        }
        Some(v) => {
            let version = yaml_scalar(v);
            if !version.starts_with("3.0") {
                return Err(vec![Diagnostic::error("/openapi", format!("unsupported version: OpenAPI {version}"))
                    .help("the generator reads OpenAPI 3.0.x; describe the API in 3.0 (Microsoft Graph's descriptions are 3.0)")]);
            }
        }
    }
    serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(value).map_err(|e| {
        let mut pointer = String::new();
        for segment in e.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => pointer = pointer_push(&pointer, &index.to_string()),
                Segment::Map { key } => pointer = pointer_push(&pointer, key),
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        vec![Diagnostic::error(pointer, format!("not a valid OpenAPI 3.0 node: {}", e.inner()))
            .help("correct this node so that it follows the OpenAPI 3.0 schema")]
    })
}

fn yaml_scalar(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

/// Finds the line and column of the node at `pointer` in the source text, for block-style YAML
/// and for JSON, by following keys at increasing depth. Returns None where it cannot tell.
pub fn locate(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    if tokens.is_empty() {
        return Some((1, 1));
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0usize; // first line of the current node's body
    let mut end = lines.len(); // one past its last line
    let mut parent_indent: isize = -1;
    let mut found = None;
    for token in &tokens {
        let mut hit = None;
        let mut in_sequence = false;
        if let Ok(index) = token.parse::<usize>() {
            // The index-th sequence item directly below the parent.
            let mut seen = 0usize;
            for (i, line) in lines.iter().enumerate().take(end).skip(start) {
                let indent = indent_of(line);
                let trimmed = line.trim_start();
                if (indent as isize) > parent_indent && trimmed.starts_with('-') {
                    if seen == index {
                        hit = Some((i, indent));
                        in_sequence = true;
                        break;
                    }
                    seen += 1;
                }
            }
        }
        if hit.is_none() {
            for (i, line) in lines.iter().enumerate().take(end).skip(start) {
                let trimmed = line.trim_start().trim_start_matches("- ");
                let key_col = line.len() - trimmed.len();
                if (key_col as isize) <= parent_indent {
                    continue;
                }
                for quoted in [format!("{token}:"), format!("'{token}':"), format!("\"{token}\":"), format!("\"{token}\" :")] {
                    if trimmed.starts_with(&quoted) {
                        hit = Some((i, key_col));
                        break;
                    }
                }
                if hit.is_some() {
                    break;
                }
            }
        }
        let (line_no, indent) = hit?;
        found = Some((line_no + 1, indent + 1));
        // A sequence item's first key sits on the item's own line, after the dash.
        start = if in_sequence { line_no } else { line_no + 1 };
        parent_indent = indent as isize;
        end = (line_no + 1..lines.len())
            .find(|&i| !lines[i].trim().is_empty() && (indent_of(lines[i]) as isize) <= parent_indent && !is_json(text))
            .unwrap_or(lines.len());
    }
    found
}

fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn locates_yaml_nodes() {
        let text = "openapi: 3.0.1\npaths:\n  /a:\n    get:\n      parameters:\n        - name: x\n        - name: y\n          in: query\n";
        assert_eq!(locate(text, "/paths/~1a/get"), Some((4, 5)));
        assert_eq!(locate(text, "/paths/~1a/get/parameters/1/in"), Some((8, 11)));
        assert_eq!(locate(text, "/nope"), None);
    }
}
