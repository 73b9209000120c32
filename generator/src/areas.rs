//! Areas and model groups: what a program compiles is what it enables.
//!
//! An *area* is the operations of one tag, a Cargo feature of its own. A *model group* is a set
//! of types that are always needed together, a Cargo feature and a file of its own. An area's
//! feature turns on the groups its operations name; a group's feature turns on the groups its
//! types contain. Cargo follows those lists, so enabling one area compiles that area's operations
//! and exactly the types they reach, and the generated text grows with types plus areas, never
//! with types times areas.
//!
//! Two kinds of reference do not pull their target in, because they would make one area mean
//! every type (in Graph, navigation properties link nearly every entity to every other, and a
//! base type's union names every type derived from it):
//! - a navigation property (`Field::navigation`) exists only while its target's group is on;
//!   otherwise its member is read into the struct's unknown members, as sent (every Graph struct
//!   keeps them; a struct without `additionalProperties` skips the member, as it skips any
//!   member it does not declare);
//! - a union's variant for a derived type exists only while that type's group is on; otherwise a
//!   value of that type is read as the union's fallback (the base, its own members kept).
//!
//! Every other reference (a field's type, an alias, an alternative, a union's base) is *strong*:
//! the type cannot be compiled without its target.

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
    /// The model groups (indices into [`Split::groups`]) its operations name directly.
    pub groups: BTreeSet<usize>,
}

/// Types compiled together: one type and those only it contains.
pub struct ModelGroup {
    /// The Cargo feature, such as `model-todo-task`.
    pub feature: String,
    /// The file under `src/models/`, such as `todo_task`.
    pub module: String,
    /// Its types, in the order of [`Api::types`]; the first is the one it is named after.
    pub types: Vec<TypeId>,
    /// The other groups its types refer to strongly (turned on with it).
    pub needs: BTreeSet<usize>,
}

/// How a crate is laid out: one area and no features, or features per area and per model group.
pub enum Areas {
    /// One area (or none): every operation and type is always compiled.
    Single,
    Split(Split),
}

pub struct Split {
    pub areas: Vec<Area>,
    pub groups: Vec<ModelGroup>,
    /// For each type, its group (an index into `groups`).
    pub group_of: Vec<usize>,
}

impl Split {
    /// The feature that gates a reference from the group `from` to `ty`: none when the target is
    /// in the same group (compiled whenever the reference is).
    pub fn gate(&self, from: usize, ty: &TypeRef) -> Option<&str> {
        let target = ty.named_target()?;
        let group = *self.group_of.get(target.0)?;
        (group != from).then(|| self.groups.get(group).map(|g| g.feature.as_str())).flatten()
    }
}

/// Groups operations by their first tag (or, untagged, by the first segment of their path), and
/// types into model groups when there is more than one area.
pub fn plan_areas(api: &Api) -> Areas {
    let mut features: BTreeSet<String> = ["default", "client", "full", "tracing", "azure-identity"].iter().map(|f| f.to_string()).collect();
    let mut areas = name_areas(api, &mut features);
    if areas.len() < 2 {
        return Areas::Single;
    }
    for (i, op) in api.operations.iter().enumerate() {
        let tag = area_tag(op);
        if let Some(area) = areas.iter_mut().find(|a| a.tag == tag) {
            area.operations.push(i);
        }
    }
    let roots: Vec<BTreeSet<TypeId>> = areas.iter().map(|a| area_roots(api, &a.operations)).collect();
    let (groups, group_of) = plan_groups(api, &roots, &mut features);
    for (area, roots) in areas.iter_mut().zip(&roots) {
        area.groups = roots.iter().filter_map(|id| group_of.get(id.0).copied()).collect();
    }
    Areas::Split(Split { areas, groups, group_of })
}

fn name_areas(api: &Api, features: &mut BTreeSet<String>) -> Vec<Area> {
    let mut modules = BTreeSet::new();
    let tags: BTreeSet<String> = api.operations.iter().map(area_tag).collect();
    tags.into_iter()
        .map(|tag| {
            let words: String = tag.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
            // The module is a file name (`operations/<module>.rs`): bounded in length and never a
            // name a platform or Rust's module layout reserves. The feature is bounded alike.
            // `model-` names a model group's feature: an area never starts with it.
            let kebab = non_empty(words.to_kebab_case(), "area");
            let kebab = if kebab == "model" || kebab.starts_with("model-") { format!("area-{kebab}") } else { kebab };
            let feature = bounded(kebab, "-", &tag);
            let feature = crate::names::dedupe(feature, features, "-");
            let module = portable_stem(bounded(non_empty(crate::names::snake(&words.to_snake_case(), "area"), "area"), "_", &tag), "_");
            let module = crate::names::dedupe(module, &mut modules, "_");
            Area { feature, module, tag, operations: Vec::new(), groups: BTreeSet::new() }
        })
        .collect()
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

/// The types the operations name themselves: parameters, bodies, responses, errors.
fn area_roots(api: &Api, operations: &[usize]) -> BTreeSet<TypeId> {
    let mut refs: Vec<&TypeRef> = Vec::new();
    let mut roots = BTreeSet::new();
    for op in operations.iter().filter_map(|i| api.operations.get(*i)) {
        refs.extend(op.params.iter().map(|p| &p.ty));
        refs.extend(op.success.body());
        refs.extend(op.error.iter());
        if let Some(pager) = &op.pager {
            roots.insert(pager.page);
            refs.push(&pager.item);
        }
        match op.body.as_ref().map(|b| &b.ty) {
            Some(BodyType::Model(ty) | BodyType::Form(ty, _)) => refs.push(ty),
            // A PATCH body lives with the struct it patches.
            Some(BodyType::Patch(p)) => roots.extend(api.patches.get(*p).map(|p| p.of)),
            Some(BodyType::Multipart(m)) => refs.extend(m.parts.iter().filter_map(|p| match &p.kind {
                PartKind::Text(ty) | PartKind::Repeated(ty) | PartKind::Json(ty) => Some(ty),
                PartKind::Bytes => None,
            })),
            Some(BodyType::Bytes | BodyType::Text) | None => {}
        }
    }
    roots.extend(refs.into_iter().filter_map(|r| r.named_target()));
    roots
}

/// The references of one type: the ones it cannot be compiled without, and the ones it can.
struct Edges {
    strong: Vec<TypeId>,
    weak: Vec<TypeId>,
}

fn type_edges(def: &TypeDef) -> Edges {
    let mut edges = Edges { strong: Vec::new(), weak: Vec::new() };
    match &def.kind {
        TypeKind::Struct(s) => {
            for f in &s.fields {
                let list = if f.navigation { &mut edges.weak } else { &mut edges.strong };
                list.extend(f.ty.named_target());
            }
            if let Some(extra) = &s.extra {
                edges.strong.extend(extra.value.named_target());
            }
        }
        TypeKind::Alias(ty) => edges.strong.extend(ty.named_target()),
        TypeKind::Union(u) => {
            edges.strong.push(u.base);
            edges.weak.extend(u.variants.iter().map(|v| v.ty).filter(|ty| *ty != u.base));
        }
        TypeKind::Alternatives(a) => edges.strong.extend(a.variants.iter().filter_map(|v| v.ty.named_target())),
        TypeKind::Enum(_) => {}
    }
    edges
}

/// Model groups: a type joins the group of the one type that contains it when nothing else needs
/// it (no other container, no operation, no navigation property or union naming it), since it is
/// then compiled exactly when that container is; every other type heads a group of its own.
fn plan_groups(api: &Api, roots: &[BTreeSet<TypeId>], features: &mut BTreeSet<String>) -> (Vec<ModelGroup>, Vec<usize>) {
    let n = api.types.len();
    let edges: Vec<Edges> = api.types.iter().map(type_edges).collect();
    let mut containers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut named_loosely = vec![false; n];
    for (from, e) in edges.iter().enumerate() {
        for to in &e.strong {
            if let Some(c) = containers.get_mut(to.0) {
                c.insert(from);
            }
        }
        for to in &e.weak {
            if let Some(w) = named_loosely.get_mut(to.0) {
                *w = true;
            }
        }
    }
    let rooted: BTreeSet<usize> = roots.iter().flatten().map(|id| id.0).collect();
    // The one container a type folds into, where it folds.
    let folds_into: Vec<Option<usize>> = (0..n)
        .map(|t| {
            let only = containers.get(t).filter(|c| c.len() == 1).and_then(|c| c.first().copied());
            only.filter(|&c| c != t && !rooted.contains(&t) && !named_loosely.get(t).copied().unwrap_or(true))
        })
        .collect();
    let heads = fold_heads(&folds_into);
    // Groups in the order of their heads; a group's types in type order.
    let mut group_index = vec![usize::MAX; n];
    let mut groups: Vec<ModelGroup> = Vec::new();
    let mut modules = BTreeSet::new();
    for (t, index) in group_index.iter_mut().enumerate() {
        if heads.get(t) == Some(&t) {
            let name = api.types.get(t).map_or("model", |d| d.name.as_str());
            let feature =
                crate::names::dedupe(bounded(format!("model-{}", non_empty(name.to_kebab_case(), "type")), "-", name), features, "-");
            let module = portable_stem(bounded(crate::names::snake(&name.to_snake_case(), "model"), "_", name), "_");
            let module = crate::names::dedupe(module, &mut modules, "_");
            *index = groups.len();
            groups.push(ModelGroup { feature, module, types: Vec::new(), needs: BTreeSet::new() });
        }
    }
    let group_of: Vec<usize> = (0..n).map(|t| heads.get(t).and_then(|h| group_index.get(*h)).copied().unwrap_or(0)).collect();
    for (t, e) in edges.iter().enumerate() {
        let g = group_of[t];
        let needs: Vec<usize> = e.strong.iter().filter_map(|to| group_of.get(to.0).copied()).filter(|&to| to != g).collect();
        if let Some(group) = groups.get_mut(g) {
            group.types.push(TypeId(t));
            group.needs.extend(needs);
        }
    }
    (groups, group_of)
}

/// For each type, the head of the chain of containers it folds into. A chain that loops back on
/// itself (types that only contain each other) is headed by its first type.
fn fold_heads(folds_into: &[Option<usize>]) -> Vec<usize> {
    let n = folds_into.len();
    let mut head: Vec<Option<usize>> = vec![None; n];
    for start in 0..n {
        let mut path = Vec::new();
        let mut on_path = BTreeSet::new();
        let mut at = start;
        let found = loop {
            if let Some(h) = head[at] {
                break h;
            }
            if !on_path.insert(at) {
                // A loop: its smallest member heads it.
                let from = path.iter().position(|&p| p == at).unwrap_or(0);
                break path[from..].iter().copied().min().unwrap_or(at);
            }
            path.push(at);
            match folds_into[at] {
                Some(next) if next < n => at = next,
                _ => break at,
            }
        };
        for p in path {
            head[p] = Some(found);
        }
    }
    head.into_iter().enumerate().map(|(i, h)| h.unwrap_or(i)).collect()
}
