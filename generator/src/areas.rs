//! Areas: operations grouped by tag into Cargo features, and the types each area needs, so a
//! user of one area compiles only that area and what it references.

use crate::ir::*;
use crate::names::{bounded, portable_stem};
use heck::{ToKebabCase, ToSnakeCase};
use std::collections::BTreeSet;

pub struct Area {
    /// The Cargo feature, such as `device-app-management-mobile-app`.
    pub feature: String,
    /// The module under `operations`, such as `device_app_management_mobile_app`.
    pub module: String,
    /// The tag as written.
    pub tag: String,
    /// Indices into [`Api::operations`].
    pub operations: Vec<usize>,
}

pub struct Areas {
    pub areas: Vec<Area>,
    /// For each type, the areas (indices into `areas`) that need it.
    pub type_users: Vec<BTreeSet<usize>>,
    /// For each patch type, the areas that need it.
    pub patch_users: Vec<BTreeSet<usize>>,
}

impl Areas {
    /// Features are only worth having when there is more than one area.
    pub fn split(&self) -> bool {
        self.areas.len() > 1
    }
}

/// Groups operations by their first tag (or, untagged, by the first segment of their path).
pub fn plan_areas(api: &Api) -> Areas {
    let mut areas: Vec<Area> = Vec::new();
    // The crate's own features; an area feature of the same name would be a duplicate key.
    let mut features: BTreeSet<String> = ["default", "client", "full"].iter().map(|f| f.to_string()).collect();
    let mut modules = BTreeSet::new();
    let mut tags: Vec<String> = api.operations.iter().map(area_tag).collect::<BTreeSet<_>>().into_iter().collect();
    tags.sort();
    for tag in tags {
        let words: String = tag.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
        // The module is a file name (`operations/<module>.rs`): bounded in length and never a
        // name a platform or Rust's module layout reserves. The feature is bounded alike.
        let feature = bounded(non_empty(words.to_kebab_case(), "area"), "-", &tag);
        let feature = crate::names::dedupe(feature, &mut features, "-");
        let module = portable_stem(bounded(non_empty(crate::names::snake(&words.to_snake_case(), "area"), "area"), "_", &tag), "_");
        let module = crate::names::dedupe(module, &mut modules, "_");
        areas.push(Area { feature, module, tag, operations: Vec::new() });
    }
    for (i, op) in api.operations.iter().enumerate() {
        let tag = area_tag(op);
        if let Some(area) = areas.iter_mut().find(|a| a.tag == tag) {
            area.operations.push(i);
        }
    }
    let mut type_users = vec![BTreeSet::new(); api.types.len()];
    let mut patch_users = vec![BTreeSet::new(); api.patches.len()];
    for (a, area) in areas.iter().enumerate() {
        let mut roots = Vec::new();
        for &i in &area.operations {
            let Some(op) = api.operations.get(i) else { continue };
            roots.extend(op.params.iter().map(|p| p.ty.clone()));
            roots.extend(op.success.body.clone());
            roots.extend(op.error.clone());
            match op.body.as_ref().map(|b| &b.ty) {
                Some(BodyType::Model(ty) | BodyType::Form(ty)) => roots.push(ty.clone()),
                Some(BodyType::Patch(p)) => {
                    if let Some(users) = patch_users.get_mut(*p) {
                        users.insert(a);
                    }
                    if let Some(patch) = api.patches.get(*p) {
                        roots.extend(patch.fields.iter().map(|f| f.ty.clone()));
                    }
                }
                Some(BodyType::Multipart(m)) => roots.extend(m.parts.iter().filter_map(|p| match &p.kind {
                    PartKind::Text(ty) | PartKind::Repeated(ty) | PartKind::Json(ty) => Some(ty.clone()),
                    PartKind::Bytes => None,
                })),
                Some(BodyType::Bytes | BodyType::Text) | None => {}
            }
        }
        for id in reachable_types(api, roots) {
            if let Some(users) = type_users.get_mut(id.0) {
                users.insert(a);
            }
        }
    }
    Areas { areas, type_users, patch_users }
}

fn area_tag(op: &Operation) -> String {
    match &op.tag {
        Some(tag) if !tag.trim().is_empty() => tag.clone(),
        _ => op.path_template.trim_start_matches('/').split('/').next().unwrap_or("").to_string(),
    }
}

fn non_empty(s: String, fallback: &str) -> String {
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

/// Every named type reachable from `roots` through fields, aliases and union members.
fn reachable_types(api: &Api, roots: Vec<TypeRef>) -> BTreeSet<TypeId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<TypeId> = Vec::new();
    for root in &roots {
        named_in(root, &mut stack);
    }
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        match api.types.get(id.0).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => {
                for f in &s.fields {
                    named_in(&f.ty, &mut stack);
                }
                if let Some(extra) = &s.extra {
                    named_in(&extra.value, &mut stack);
                }
            }
            Some(TypeKind::Alias(ty)) => named_in(ty, &mut stack),
            Some(TypeKind::Union(u)) => {
                stack.push(u.base);
                stack.extend(u.variants.iter().map(|v| v.ty));
            }
            Some(TypeKind::Alternatives(a)) => {
                for v in &a.variants {
                    named_in(&v.ty, &mut stack);
                }
            }
            Some(TypeKind::Enum(_)) | None => {}
        }
    }
    seen
}

fn named_in(ty: &TypeRef, out: &mut Vec<TypeId>) {
    match ty {
        TypeRef::Named(id) => out.push(*id),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::Lenient(inner) => named_in(inner, out),
        _ => {}
    }
}
