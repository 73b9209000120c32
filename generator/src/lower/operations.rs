//! Operations: their names (operationIds that differ only in case told apart), path templates,
//! responses and pagers.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn lower_operations(&mut self) -> Vec<Operation> {
        let doc = self.doc;
        let mut raw = Vec::new();
        for (path, item) in doc.paths.paths.iter() {
            let path_pointer = pointer_push("/paths", path);
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    self.diags.push(
                        Diagnostic::warning(path_pointer, "path item `$ref` is not supported; the path was left out")
                            .help("write the path item inline"),
                    );
                    continue;
                }
            };
            let methods = [
                ("get", Method::Get, &item.get),
                ("put", Method::Put, &item.put),
                ("post", Method::Post, &item.post),
                ("delete", Method::Delete, &item.delete),
                ("patch", Method::Patch, &item.patch),
            ];
            for (verb, method, op) in methods {
                if let Some(op) = op {
                    let pointer = pointer_push(&path_pointer, verb);
                    if let Some(lowered) = self.lower_operation(path, method, op, &item.parameters, &pointer) {
                        raw.push(lowered);
                    }
                }
            }
            for (verb, op) in [("head", &item.head), ("options", &item.options), ("trace", &item.trace)] {
                if op.is_some() {
                    self.diags.push(Diagnostic::warning(
                        pointer_push(&path_pointer, verb),
                        format!("`{verb}` operations are not supported; left out"),
                    ));
                }
            }
        }
        self.name_operations(&mut raw);
        raw
    }

    /// Method names from operationIds: `deviceAppManagement.mobileApp_UpdateUserStatus` becomes
    /// `update_user_status`; where two operations would share a name, both are qualified with the
    /// segments before it until they differ.
    pub(super) fn name_operations(&mut self, ops: &mut [Operation]) {
        let mut seen_ids: BTreeMap<String, usize> = BTreeMap::new();
        let case_groups = ids_differing_in_case(ops);
        let mut naming = naming_ids(ops, &case_groups);
        if self.dialect == Dialect::OData {
            for (op, (id, _)) in ops.iter().zip(naming.iter_mut()) {
                *id = operation_names::odata_naming_id(id, &op.path_template, op.method);
            }
        }
        // Operations whose whole naming text reads the same (Graph repeats operationIds on
        // different paths, and splits the same words differently: `deploymentAudience.exclusion_addMember`
        // beside `deployment.audience.exclusion_addMember`) are told apart by the words of their paths.
        let same: Vec<String> = naming.iter().map(|(id, qualifier)| names::upper_camel(&format!("{id} {qualifier}"), "Op")).collect();
        let by_path = operation_names::path_qualifiers(ops, &same);
        let candidates: Vec<(String, Vec<String>)> = ops
            .iter()
            .zip(&naming)
            .zip(&by_path)
            .enumerate()
            .map(|(i, ((op, (id, qualifier)), path))| {
                let segments: Vec<&str> = id.split(['.', '_']).filter(|s| !s.is_empty()).collect();
                let (before, after) = (path.before.join(" "), path.after.join(" "));
                let mut c = Vec::new();
                for take in 1..=segments.len().max(1) {
                    let from = segments.len().saturating_sub(take);
                    let joined = segments.get(from..).map(|s| s.join(" ")).unwrap_or_default();
                    c.push(names::upper_camel(&format!("{before} {joined} {after} {qualifier}"), "Op"));
                }
                // The sort key keeps numbering stable across runs: operationId, then position.
                (format!("{}\u{0}{i:08}", op.operation_id), c)
            })
            .collect();
        let type_names = names::assign_unique(&candidates, &BTreeSet::new());
        for (op, type_name) in ops.iter_mut().zip(type_names) {
            op.fn_name = names::snake(&type_name, "op");
            op.type_name = type_name;
        }
        for (i, op) in ops.iter().enumerate() {
            if let Some(first) = seen_ids.insert(op.operation_id.clone(), i).and_then(|first| ops.get(first)) {
                self.diags.push(Diagnostic::warning(
                    format!("{}/operationId", op.path_template_pointer()),
                    format!(
                        "operationId `{}` is used by more than one operation; named apart by their paths: `{}` ({} {}) and `{}` ({} {})",
                        op.operation_id, first.fn_name, first.method.as_str(), first.path_template, op.fn_name, op.method.as_str(), op.path_template
                    ),
                ).help("operationIds must be unique in a description"));
            }
        }
        for group in case_groups {
            let members: Vec<&Operation> = group.iter().filter_map(|i| ops.get(*i)).collect();
            let Some(last) = members.last() else { continue };
            let listed: Vec<String> = members
                .iter()
                .map(|op| format!("`{}` ({} {}) is `{}`", op.operation_id, op.method.as_str(), op.path_template, op.fn_name))
                .collect();
            self.diags.push(
                Diagnostic::warning(
                    format!("{}/operationId", last.path_template_pointer()),
                    format!("operationIds that differ only in case, named apart by their paths: {}", listed.join("; ")),
                )
                .help("Rust names ignore case; give these operations operationIds that differ in more than case"),
            );
        }
    }

    pub(super) fn lower_operation(
        &mut self,
        path: &str,
        method: Method,
        op: &'a openapiv3::Operation,
        shared_params: &'a [ReferenceOr<Parameter>],
        pointer: &str,
    ) -> Option<Operation> {
        let operation_id = self.operation_id(op, method, path, pointer);
        let owner = names::upper_camel(operation_id.rsplit(['_', '.']).next().unwrap_or(&operation_id), "Op");
        let mut params: Vec<Param> = Vec::new();
        // Where each param is declared, for errors about the param itself.
        let mut param_pointers: Vec<String> = Vec::new();
        let mut used = BTreeSet::new();
        // False once something the generator cannot express is found: the operation is left
        // out (with a warning saying why) but the rest of the description still generates.
        let mut supported = true;
        for (param, p_pointer) in self.declared_parameters(op, shared_params, pointer) {
            let lowered = self.lower_parameter(param, &p_pointer, &owner, &operation_id, &mut used);
            supported &= !lowered.refuses_operation;
            if let Some(param) = lowered.param {
                param_pointers.push(p_pointer);
                params.push(param);
            }
        }

        // Body and responses are lowered even when the path is wrong, so one run reports all.
        let segments = self.lower_path(path, &params, &param_pointers, pointer, &operation_id);
        let body = self.lower_request_body(op, method, pointer, &owner, &operation_id);
        let (success, error) = self.lower_responses(op, pointer, &owner);
        let segments = segments?;
        let body = body.ok()?;
        if !supported {
            return None;
        }
        let pager = self.lower_pager(op, &success, pointer);
        Some(Operation {
            operation_id,
            fn_name: String::new(),
            type_name: String::new(),
            method,
            path_template: path.to_string(),
            path: segments,
            params,
            body,
            success,
            error,
            pager,
            // An empty requirement list, or only the empty requirement, asks for no credentials.
            anonymous: op.security.as_ref().is_some_and(|s| s.iter().all(|r| r.is_empty())),
            tag: op.tags.first().cloned(),
            doc: operation_doc(op),
            deprecated: deprecation(&op.extensions, op.deprecated),
        })
    }

    /// The operation's `operationId`, or one made from its method and path (with a warning).
    fn operation_id(&mut self, op: &openapiv3::Operation, method: Method, path: &str, pointer: &str) -> String {
        match &op.operation_id {
            Some(id) => id.clone(),
            None => {
                let synthesized = format!("{} {}", method.as_str().to_lowercase(), path);
                self.diags.push(
                    Diagnostic::warning(pointer, "operation has no operationId; named from its method and path")
                        .help("give every operation a unique operationId"),
                );
                synthesized
            }
        }
    }

    /// `x-ms-pageable`: the response must be a struct with the item array and the next link.
    pub(super) fn lower_pager(&mut self, op: &openapiv3::Operation, success: &SuccessResponse, pointer: &str) -> Option<PagerDef> {
        let pageable = op.extensions.get("x-ms-pageable")?;
        let next_name = pageable.get("nextLinkName").and_then(|v| v.as_str()).unwrap_or("@odata.nextLink");
        let item_name = pageable.get("itemName").and_then(|v| v.as_str()).unwrap_or("value");
        let found = match success {
            SuccessResponse::Json(TypeRef::Named(id)) => match self.kind_of(*id) {
                Some(TypeKind::Struct(s)) => {
                    let items = s.fields.iter().find(|f| f.json_name == item_name);
                    let next = s.fields.iter().find(|f| f.json_name == next_name && f.ty == TypeRef::String);
                    match (items, next) {
                        (Some(items), Some(next)) => match &items.ty {
                            TypeRef::Array(item) => Some(PagerDef {
                                page: *id,
                                items_field: items.rust_name.clone(),
                                item: (**item).clone(),
                                next_link_field: next.rust_name.clone(),
                                delta_link_field: find_delta_link(s),
                                count: find_page_count(s),
                            }),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if found.is_none() {
            self.diags.push(
                Diagnostic::warning(
                    pointer_push(pointer, "x-ms-pageable"),
                    format!("the response has no `{item_name}` array and `{next_name}` string; no pager generated"),
                )
                .help("the operation is still generated; follow next links by hand"),
            );
        }
        found
    }

    /// Splits the path template into literals and parameters, checking that the two agree. Where
    /// they do not, the description is wrong, but only about this operation: it is left out with
    /// a warning and the rest still generates.
    pub(super) fn lower_path(
        &mut self,
        path: &str,
        params: &[Param],
        param_pointers: &[String],
        pointer: &str,
        operation_id: &str,
    ) -> Option<Vec<PathSegment>> {
        let mut segments = Vec::new();
        let mut rest = path;
        let mut used_params = BTreeSet::new();
        let mut ok = true;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                self.diags.push(Diagnostic::warning(
                    parent_pointer(pointer),
                    format!("unclosed `{{` in path `{path}`; operation `{operation_id}` left out"),
                ));
                return None;
            };
            if open > 0 {
                segments.push(PathSegment::Literal(rest[..open].to_string()));
            }
            let name = &rest[open + 1..close];
            match params.iter().position(|p| p.location == ParamLocation::Path && p.wire_name == name) {
                Some(i) => {
                    used_params.insert(i);
                    segments.push(PathSegment::Param(i));
                }
                None => {
                    // Declared elsewhere (`in: query`) is the usual slip; say so.
                    let elsewhere = params
                        .iter()
                        .find(|p| p.wire_name == name)
                        .map(|p| {
                            let location = match p.location {
                                ParamLocation::Path => "path",
                                ParamLocation::Query => "query",
                                ParamLocation::Header => "header",
                            };
                            format!(" (`{name}` is declared `in: {location}`)")
                        })
                        .unwrap_or_default();
                    self.diags.push(
                        Diagnostic::warning(
                            pointer,
                            format!(
                                "path template variable `{{{name}}}` has no path parameter{elsewhere}; operation `{operation_id}` left out"
                            ),
                        )
                        .help(format!("declare a parameter with `name: {name}` and `in: path`")),
                    );
                    ok = false;
                }
            }
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            segments.push(PathSegment::Literal(rest.to_string()));
        }
        for (i, p) in params.iter().enumerate() {
            if p.location == ParamLocation::Path && !used_params.contains(&i) {
                let at = param_pointers.get(i).map_or(pointer, String::as_str);
                self.diags.push(
                    Diagnostic::warning(
                        at,
                        format!(
                            "path parameter `{}` does not appear in the path template `{path}`; operation `{operation_id}` left out",
                            p.wire_name
                        ),
                    )
                    .help("add `{name}` to the path or remove the parameter"),
                );
                ok = false;
            }
        }
        ok.then_some(segments)
    }

    pub(super) fn lower_responses(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        owner: &str,
    ) -> (SuccessResponse, Option<TypeRef>) {
        let responses_pointer = pointer_push(pointer, "responses");
        let mut success = None;
        let mut error = None;
        let mut text = false;
        let mut binary = None;
        let mut entries: Vec<(String, bool, &'a ReferenceOr<openapiv3::Response>)> = Vec::new();
        for (code, r) in &op.responses.responses {
            let (key, is_success) = match code {
                StatusCode::Code(c) => (c.to_string(), (200..300).contains(c)),
                StatusCode::Range(r) => (format!("{r}XX"), *r == 2),
            };
            entries.push((key, is_success, r));
        }
        if let Some(d) = &op.responses.default {
            entries.push(("default".to_string(), false, d));
        }
        for (key, is_success, r) in entries {
            let r_pointer = pointer_push(&responses_pointer, &key);
            let Some(content) = self.response_content(r, &r_pointer) else { continue };
            // A referenced response is described where it is defined: point there, or no line is found.
            let r_pointer = match r {
                ReferenceOr::Reference { reference } => local_pointer(reference).unwrap_or(r_pointer),
                ReferenceOr::Item(_) => r_pointer,
            };
            let found = content
                .iter()
                .find(|(m, _)| is_plain_json(m))
                .or_else(|| content.iter().find(|(m, _)| is_json(m)))
                .or_else(|| content.iter().find(|(m, mt)| is_success && classify_media(m, mt.schema.as_ref()) == MediaKind::Text));
            if found.is_none() && is_success && success.is_none() && binary.is_none() {
                // A download (`$value`, `content`, an image): read as bytes, asked for as declared.
                binary = content.iter().find(|(m, mt)| classify_media(m, mt.schema.as_ref()) == MediaKind::Binary).map(|(m, _)| m.clone());
            }
            let Some((media, mt)) = found else { continue };
            let Some(schema) = &mt.schema else { continue };
            let slot = if is_success { &mut success } else { &mut error };
            if slot.is_some() {
                continue;
            }
            if is_success {
                text = !is_json(media);
            }
            let schema_pointer = pointer_push(&pointer_push(&pointer_push(&r_pointer, "content"), media), "schema");
            let suffix = if is_success { "response" } else { "error" };
            let ty = self.type_ref_of(node(schema), &schema_pointer, &format!("{owner} {suffix}"), 1);
            let slot = if is_success { &mut success } else { &mut error };
            *slot = Some(ty);
        }
        // A JSON or text body, where one is declared, wins over a download.
        let success = match (success, binary) {
            (Some(ty), _) if text => SuccessResponse::Text(ty),
            (Some(ty), _) => SuccessResponse::Json(ty),
            (None, Some(accept)) => SuccessResponse::Binary { accept },
            (None, None) => SuccessResponse::Empty,
        };
        (success, error)
    }

    /// The content a response declares. A `$ref` to `#/components/requestBodies/…`, a slip some
    /// descriptions make, names content too: it is read as the response's, with a warning.
    pub(super) fn response_content(
        &mut self,
        r: &'a ReferenceOr<openapiv3::Response>,
        pointer: &str,
    ) -> Option<&'a indexmap::IndexMap<String, openapiv3::MediaType>> {
        if let ReferenceOr::Reference { reference } = r {
            let body = reference
                .strip_prefix("#/components/requestBodies/")
                .and_then(|name| self.doc.components.as_ref()?.request_bodies.get(unescape(name).as_str()));
            if let Some(ReferenceOr::Item(body)) = body {
                self.diags.push(
                    Diagnostic::warning(
                        pointer_push(pointer, "$ref"),
                        format!("this response refers to the request body `{reference}`; its content is read as the response's"),
                    )
                    .help("define the response under #/components/responses and refer to it there"),
                );
                return Some(&body.content);
            }
        }
        self.resolve(r, "responses", |c| &c.responses, "response", pointer).map(|response| &response.content)
    }
}

/// Positions of the operations whose operationIds are equal but for case, in groups of two or
/// more distinct ids (ids repeated exactly are warned about on their own).
/// The operation's documentation: its summary, then its description where that says more.
fn operation_doc(op: &openapiv3::Operation) -> Option<String> {
    match (&op.summary, &op.description) {
        (Some(s), Some(d)) if s != d => Some(format!("{s}\n\n{d}")),
        (Some(s), _) => Some(s.clone()),
        (None, Some(d)) => Some(d.clone()),
        (None, None) => None,
    }
}

pub(super) fn ids_differing_in_case(ops: &[Operation]) -> Vec<Vec<usize>> {
    let mut by_folded: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        by_folded.entry(op.operation_id.to_ascii_lowercase()).or_default().push(i);
    }
    by_folded
        .into_values()
        .filter(|group| group.iter().filter_map(|i| ops.get(*i)).map(|op| &op.operation_id).collect::<BTreeSet<_>>().len() > 1)
        .collect()
}

/// What each operation is named from: its operationId and an empty qualifier, except within a
/// group of ids that differ only in case, which Rust names cannot tell apart. There an OData
/// action or function (a path ending `…/microsoft.graph.updateRelationships`) is named after
/// that segment; members whose names still clash get a qualifier saying what differs: `Action`
/// or `Function`, or for all but one plain operation the last segment of its path, else its
/// method. A clash left after that is numbered by `assign_unique`.
pub(super) fn naming_ids(ops: &[Operation], case_groups: &[Vec<usize>]) -> Vec<(String, String)> {
    let mut naming: Vec<(String, String)> = ops.iter().map(|op| (op.operation_id.clone(), String::new())).collect();
    for group in case_groups {
        for &i in group {
            let Some(op) = ops.get(i) else { continue };
            if let (Some(action), Some(entry)) = (odata_operation_segment(&op.path_template), naming.get_mut(i)) {
                let stem = op.operation_id.rfind(['.', '_']).map_or("", |at| &op.operation_id[..=at]);
                entry.0 = format!("{stem}{action}");
            }
        }
        let mut clashes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &i in group {
            if let Some((id, _)) = naming.get(i) {
                clashes.entry(id.rsplit(['.', '_']).next().unwrap_or(id).to_ascii_lowercase()).or_default().push(i);
            }
        }
        for clash in clashes.into_values().filter(|c| c.len() > 1) {
            let mut kept: Option<&Operation> = None;
            for i in clash {
                let Some(op) = ops.get(i) else { continue };
                let qualifier = match (odata_operation_segment(&op.path_template), kept) {
                    (Some(_), _) if op.method == Method::Post => "Action".to_string(),
                    (Some(_), _) => "Function".to_string(),
                    (None, None) => {
                        kept = Some(op);
                        continue;
                    }
                    // The first plain one keeps its name; the others say how their path or
                    // method differs from it.
                    (None, Some(first)) => match last_literal_segment(&op.path_template) {
                        Some(segment) if last_literal_segment(&first.path_template) != Some(segment) => segment.to_string(),
                        _ if op.method != first.method => op.method.as_str().to_ascii_lowercase(),
                        _ => String::new(),
                    },
                };
                if let Some(entry) = naming.get_mut(i) {
                    entry.1 = qualifier;
                }
            }
        }
    }
    naming
}

/// The last path segment that is neither a parameter nor an OData system segment (`$count`).
pub(super) fn last_literal_segment(path: &str) -> Option<&str> {
    path.rsplit('/').find(|s| !s.is_empty() && !s.contains(['{', '$']))
}

/// The name of the OData action or function a path ends in: `updateRelationships` for
/// `…/microsoft.graph.updateRelationships`, `getStatus` for `…/getStatus()`.
pub(super) fn odata_operation_segment(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next()?;
    let (name, called) = match last.find('(') {
        Some(at) => (&last[..at], true),
        None => (last, false),
    };
    let name = match name.rfind('.') {
        Some(at) => &name[at + 1..],
        None if called => name,
        None => return None,
    };
    (!name.is_empty() && !name.contains(['{', '}', '$'])).then_some(name)
}

impl Operation {
    fn path_template_pointer(&self) -> String {
        pointer_push(&pointer_push("/paths", &self.path_template), &self.method.as_str().to_lowercase())
    }
}

/// A delta function's response declares `@odata.deltaLink` (a string) beside its next link: that
/// is what makes its pager one that ends with a link to resume from.
pub(super) fn find_delta_link(page: &StructDef) -> Option<String> {
    page.fields.iter().find(|f| f.json_name == "@odata.deltaLink" && f.ty == TypeRef::String).map(|f| f.rust_name.clone())
}

/// `@odata.count` as declared (an integer), else from the map of undeclared members, where
/// Graph's count lands when the description leaves it out (most collection responses do).
pub(super) fn find_page_count(page: &StructDef) -> Option<PageCount> {
    match page.fields.iter().find(|f| f.json_name == "@odata.count") {
        Some(f) if matches!(f.ty, TypeRef::I32 | TypeRef::I64) => {
            Some(PageCount::Field { rust_name: f.rust_name.clone(), wide: f.ty == TypeRef::I64, optional: !f.required || f.nullable })
        }
        Some(_) => None,
        None => page.extra.as_ref().filter(|e| e.value == TypeRef::Json).map(|e| PageCount::Extra(e.rust_name.clone())),
    }
}
