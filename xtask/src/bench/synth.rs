//! The Graph-sized input: one module replicated under renamed namespaces, about the size of all
//! of Graph.

pub(super) const COPIES: usize = 10;

/// The module replicated `COPIES` times: copy N renames `microsoft.graph.` to `microsoft.graphN.`
/// everywhere (schema keys, refs, discriminator values, bound action paths) and prefixes its paths
/// with `/vN` and its operationIds with `vN.`. Components every copy shares unrenamed (the OData
/// error, `$top`, ...) are kept once, as in Graph's whole description.
pub(super) fn replicate(module_text: &str) -> Result<(String, usize, usize), String> {
    use serde_yaml::{Mapping, Value};
    let mut combined: Option<Mapping> = None;
    for n in 0..COPIES {
        let text = if n == 0 { module_text.to_string() } else { module_text.replace("microsoft.graph.", &format!("microsoft.graph{n}.")) };
        let mut doc: Mapping = serde_yaml::from_str(&text).map_err(|e| format!("module does not parse: {e}"))?;
        if n > 0 {
            if let Some(Value::Mapping(paths)) = doc.get_mut("paths") {
                let renamed: Mapping = std::mem::take(paths)
                    .into_iter()
                    .map(|(path, mut item)| {
                        prefix_operation_ids(&mut item, &format!("v{n}."));
                        (Value::String(format!("/v{n}{}", path.as_str().unwrap_or_default())), item)
                    })
                    .collect();
                *paths = renamed;
            }
        }
        match &mut combined {
            None => combined = Some(doc),
            Some(all) => {
                merge_section(all, &doc, "paths");
                let components = doc.get("components").and_then(Value::as_mapping).cloned().unwrap_or_default();
                if let Some(Value::Mapping(all_components)) = all.get_mut("components") {
                    for (kind, _) in &components {
                        if let Some(kind) = kind.as_str() {
                            merge_section(all_components, &components, kind);
                        }
                    }
                }
            }
        }
    }
    let combined = combined.unwrap_or_default();
    let count = |section: Option<&Value>| section.and_then(Value::as_mapping).map_or(0, Mapping::len);
    let paths = count(combined.get("paths"));
    let schemas = count(combined.get("components").and_then(|c| c.get("schemas")));
    let text = serde_yaml::to_string(&combined).map_err(|e| format!("cannot write the replicated module: {e}"))?;
    Ok((text, paths, schemas))
}

fn prefix_operation_ids(item: &mut serde_yaml::Value, prefix: &str) {
    let Some(item) = item.as_mapping_mut() else { return };
    for (_, operation) in item.iter_mut() {
        if let Some(serde_yaml::Value::String(id)) = operation.get_mut("operationId") {
            id.insert_str(0, prefix);
        }
    }
}

/// Adds the entries of `from[key]` missing from `into[key]`.
fn merge_section(into: &mut serde_yaml::Mapping, from: &serde_yaml::Mapping, key: &str) {
    use serde_yaml::Value;
    let Some(Value::Mapping(source)) = from.get(key) else { return };
    if !into.contains_key(key) {
        into.insert(Value::String(key.to_string()), Value::Mapping(serde_yaml::Mapping::new()));
    }
    if let Some(Value::Mapping(target)) = into.get_mut(key) {
        for (k, v) in source {
            if !target.contains_key(k) {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_renames_namespaces_paths_and_operation_ids() {
        let module = "openapi: 3.0.1\ninfo: {title: t, version: v}\npaths:\n  /things/microsoft.graph.do:\n    post:\n      operationId: things.do\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/microsoft.graph.thing'}\ncomponents:\n  schemas:\n    microsoft.graph.thing: {type: object}\n  parameters:\n    top: {name: $top, in: query, schema: {type: integer}}\n";
        let (text, paths, schemas) = replicate(module).unwrap();
        assert_eq!((paths, schemas), (COPIES, COPIES));
        let doc: openapiv3::OpenAPI = serde_yaml::from_str(&text).unwrap();
        assert!(doc.paths.paths.contains_key("/things/microsoft.graph.do"));
        assert!(doc.paths.paths.contains_key("/v3/things/microsoft.graph3.do"));
        let components = doc.components.unwrap();
        assert!(components.schemas.contains_key("microsoft.graph9.thing"));
        assert_eq!(components.parameters.len(), 1, "shared components are kept once");
        assert!(text.contains("operationId: v3.things.do"), "{text}");
        assert!(text.contains("'#/components/schemas/microsoft.graph3.thing'"), "{text}");
    }
}
