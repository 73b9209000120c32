//! The IR's own consistency: every index it holds names something that exists. `lower` builds
//! the IR so that this always holds; `emit` checks it once per crate (`emit::plan_crate`), so that
//! a generator bug is an internal error naming it rather than a crate that fails to compile.

use super::*;

/// Every dangling index in `api`, each said with what holds it; empty for a consistent IR.
pub fn inconsistencies(api: &Api) -> Vec<String> {
    let mut found = Vec::new();
    let mut type_ref = |ty: &TypeRef, holder: &dyn Fn() -> String| {
        if let Some(id) = dangling_type(api, ty) {
            found.push(format!("type #{} referenced by {} does not exist ({} types)", id.0, holder(), api.types.len()));
        }
    };
    for t in &api.types {
        let holder = |part: &str| format!("type `{}`{part}", t.name);
        match &t.kind {
            TypeKind::Struct(s) => {
                for f in &s.fields {
                    type_ref(&f.ty, &|| holder(&format!(" field `{}`", f.rust_name)));
                }
                if let Some(extra) = &s.extra {
                    type_ref(&extra.value, &|| holder(" additional members"));
                }
            }
            TypeKind::Enum(_) => {}
            TypeKind::Alias(ty) => type_ref(ty, &|| holder("")),
            TypeKind::Union(u) => {
                type_ref(&TypeRef::Named(u.base), &|| holder(" as its base"));
                for v in &u.variants {
                    type_ref(&TypeRef::Named(v.ty), &|| holder(&format!(" variant `{}`", v.rust_name)));
                }
            }
            TypeKind::Alternatives(a) => {
                for v in &a.variants {
                    type_ref(&v.ty, &|| holder(&format!(" variant `{}`", v.rust_name)));
                }
            }
        }
    }
    for p in &api.patches {
        type_ref(&TypeRef::Named(p.of), &|| format!("PATCH body `{}` as the type it patches", p.name));
        for f in &p.fields {
            type_ref(&f.ty, &|| format!("PATCH body `{}` field `{}`", p.name, f.rust_name));
        }
    }
    let mut indices = Vec::new();
    for op in &api.operations {
        let holder = |part: &str| format!("operation `{}`{part}", op.operation_id);
        for p in &op.params {
            type_ref(&p.ty, &|| holder(&format!(" parameter `{}`", p.wire_name)));
        }
        match op.body.as_ref().map(|b| &b.ty) {
            Some(BodyType::Model(ty) | BodyType::Form(ty, _)) => type_ref(ty, &|| holder(" body")),
            Some(BodyType::Patch(i)) if api.patches.get(*i).is_none() => {
                indices.push(format!("PATCH body #{i} referenced by {} does not exist ({} PATCH bodies)", holder(""), api.patches.len()));
            }
            Some(BodyType::Multipart(m)) => {
                for part in &m.parts {
                    if let PartKind::Text(ty) | PartKind::Repeated(ty) | PartKind::Json(ty) = &part.kind {
                        type_ref(ty, &|| holder(&format!(" body part `{}`", part.wire_name)));
                    }
                }
            }
            Some(BodyType::Patch(_) | BodyType::Bytes | BodyType::Text) | None => {}
        }
        if let Some(ty) = op.success.body() {
            type_ref(ty, &|| holder(" response"));
        }
        if let Some(ty) = &op.error {
            type_ref(ty, &|| holder(" error response"));
        }
        if let Some(pager) = &op.pager {
            type_ref(&TypeRef::Named(pager.page), &|| holder(" page"));
            type_ref(&pager.item, &|| holder(" page item"));
        }
        for segment in &op.path {
            if let PathSegment::Param(i) = segment {
                if op.params.get(*i).is_none() {
                    indices.push(format!("parameter #{i} in the path of {} does not exist ({} parameters)", holder(""), op.params.len()));
                }
            }
        }
    }
    found.extend(indices);
    found
}

/// The type `ty` names, if `api` does not have it.
fn dangling_type(api: &Api, ty: &TypeRef) -> Option<TypeId> {
    ty.named_target().filter(|id| api.types.get(id.0).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::{emit_part, plan_crate, CrateSettings};
    use crate::Runtime;

    const SPEC: &str = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://example.com'}]\npaths:\n  /things/{id}:\n    patch:\n      operationId: updateThing\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/thing'}}}}\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/thing'}}}}}\ncomponents:\n  schemas:\n    thing: {type: object, properties: {name: {type: string}}}\n";

    fn lowered() -> Api {
        let mut doc = crate::load::load_spec(SPEC).unwrap_or_else(|d| panic!("{d:?}"));
        let (api, diags) = crate::lower::lower_api(&mut doc);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(inconsistencies(&api).is_empty(), "{:?}", inconsistencies(&api));
        api
    }

    /// What emitting every part of `api` gives: the first error, if any.
    fn emitted(api: &Api) -> Result<(), String> {
        let runtime = Runtime::Path("../runtime".into());
        let settings = CrateSettings { crate_name: "t", crate_version: "0.1.0", standalone: true, runtime: &runtime, base_url: "" };
        let plan = plan_crate(api, &runtime);
        plan.parts.iter().try_for_each(|part| emit_part(api, &settings, &plan, part).map(drop))
    }

    #[test]
    fn a_dangling_type_is_an_internal_error_not_a_placeholder() {
        let mut api = lowered();
        assert_eq!(emitted(&api), Ok(()));
        let Some(TypeKind::Struct(thing)) = api.types.first_mut().map(|t| &mut t.kind) else { panic!("a struct first") };
        let Some(field) = thing.fields.first_mut() else { panic!("a field") };
        field.ty = TypeRef::Array(Box::new(TypeRef::Named(TypeId(99))));
        let error = emitted(&api).expect_err("refused");
        assert!(error.contains("type #99 referenced by type `Thing` field `name` does not exist"), "{error}");
    }

    #[test]
    fn a_dangling_patch_body_is_an_internal_error_not_a_placeholder() {
        let mut api = lowered();
        let Some(body) = api.operations.first_mut().and_then(|op| op.body.as_mut()) else { panic!("a body") };
        assert!(matches!(body.ty, BodyType::Patch(0)), "{:?}", body.ty);
        body.ty = BodyType::Patch(5);
        let error = emitted(&api).expect_err("refused");
        assert!(error.contains("PATCH body #5 referenced by operation `updateThing` does not exist"), "{error}");
    }
}
