//! Polymorphism: `@odata.type`/discriminator unions of a base and its derived types, and `oneOf`/
//! `anyOf` alternatives, ordered so that serde picks the right one.

use super::*;
use std::cmp::Reverse;

impl<'a> Lowerer<'a> {
    /// Finds every struct that others derive from through `allOf` and allocates, beside it, a union
    /// of it and all its descendants, so a response typed as the base can carry any of them.
    pub(super) fn allocate_unions(&mut self, schemas: &'a indexmap::IndexMap<String, ReferenceOr<Schema>>, keys: &[&'a String]) {
        let mut children: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
        let mut wire_of: BTreeMap<&'a str, String> = BTreeMap::new();
        for key in keys {
            let Some(ReferenceOr::Item(schema)) = schemas.get(key.as_str()) else { continue };
            let SchemaKind::AllOf { all_of } = &schema.schema_kind else { continue };
            let mut value = discriminator_value(schema);
            for part in all_of {
                match part {
                    ReferenceOr::Reference { reference } => {
                        let Some(target) = reference.strip_prefix(SCHEMA_PREFIX) else { continue };
                        let target = unescape(target);
                        if let Some((parent, _)) = schemas.get_key_value(target.as_str()) {
                            if parent != key.as_str() {
                                children.entry(parent.as_str()).or_default().push(key.as_str());
                            }
                        }
                    }
                    ReferenceOr::Item(inline) => value = value.or_else(|| discriminator_value(inline)),
                }
            }
            // Only a value the schema itself gives here; the base's mapping comes next, and the
            // default (the schema name) last, when the variants are made.
            if let Some(value) = value {
                wire_of.insert(key.as_str(), value);
            }
        }
        // A base's own discriminator mapping, where present, names its derived types' values.
        for key in keys {
            let Some(ReferenceOr::Item(schema)) = schemas.get(key.as_str()) else { continue };
            let Some(d) = &schema.schema_data.discriminator else { continue };
            for (value, target) in &d.mapping {
                if let Some((k, _)) = target.strip_prefix(SCHEMA_PREFIX).and_then(|t| schemas.get_key_value(unescape(t).as_str())) {
                    wire_of.entry(k.as_str()).or_insert_with(|| value.clone());
                }
            }
        }
        for key in keys {
            let Some(direct) = children.get(key.as_str()) else { continue };
            if direct.is_empty() {
                continue;
            }
            // Every descendant, each once, whatever cycles the input has.
            let mut descendants: BTreeSet<&'a str> = BTreeSet::new();
            let mut queue: Vec<&'a str> = direct.clone();
            while let Some(k) = queue.pop() {
                if k != key.as_str() && descendants.insert(k) {
                    queue.extend(children.get(k).into_iter().flatten().copied());
                }
            }
            let Some(&base) = self.ids.get(key.as_str()) else { continue };
            // In plain OpenAPI, `allOf` composes: only a base with a `discriminator` says that a
            // value of it may be any of its derived types. OData's `@odata.type` always does.
            let has_discriminator =
                matches!(schemas.get(key.as_str()), Some(ReferenceOr::Item(schema)) if schema.schema_data.discriminator.is_some());
            if self.dialect == Dialect::Plain && !has_discriminator {
                continue;
            }
            let mut variants = Vec::new();
            for k in std::iter::once(key.as_str()).chain(descendants.iter().copied()) {
                let Some(&ty) = self.ids.get(k) else { continue };
                let wire = wire_of.get(k).cloned().unwrap_or_else(|| self.choose_type_name(k));
                variants.push((ty, wire));
            }
            // The base's own discriminator names the member that carries the type, if it has one.
            let tag_property = match schemas.get(key.as_str()) {
                Some(ReferenceOr::Item(schema)) => schema.schema_data.discriminator.as_ref().map(|d| d.property_name.clone()),
                _ => None,
            }
            .unwrap_or_else(|| ODATA_TYPE.to_string());
            self.hierarchy.insert(base, Hierarchy { key: key.to_string(), tag_property, members: variants });
        }
    }

    /// The union for a base with derived types, made on first use: a base that is only ever
    /// inherited from (Graph's `entity`) gets none.
    pub(super) fn union_for(&mut self, base: TypeId) -> TypeId {
        if let Some(id) = self.unions.get(&base) {
            return *id;
        }
        let Some(Hierarchy { key, tag_property, members }) = self.hierarchy.get(&base).cloned() else { return base };
        let mut used = BTreeSet::new();
        let variants = members
            .into_iter()
            .filter_map(|(ty, wire)| {
                let rust_name = self.type_names.get(&ty)?.clone();
                Some(UnionVariant { rust_name: names::dedupe(rust_name, &mut used, ""), ty, wire })
            })
            .collect();
        let fallback = names::dedupe("Other".to_string(), &mut used, "");
        let base_name = self.type_names.get(&base).cloned().unwrap_or_default();
        let name = names::dedupe(format!("Any{base_name}"), &mut self.used_type_names, "");
        let id = TypeId(self.types.len());
        self.types.push(Some(TypeDef {
            name,
            doc: Some(format!("A `{key}` or any type derived from it, told apart by `{tag_property}`.")),
            schema_name: key,
            deprecated: None,
            // Named once every struct is filled (`name_union_accessors`).
            kind: TypeKind::Union(UnionDef {
                base,
                tag_property,
                variants,
                fallback,
                tag_accessor: String::new(),
                member_accessors: Vec::new(),
            }),
        }));
        self.unions.insert(base, id);
        id
    }

    /// Names each union's methods: the tag's, and the base's members every variant holds alike.
    /// A pass of its own, after every struct is filled and boxed, since a union is made on first
    /// use, before its members' structs may be.
    pub(super) fn name_union_accessors(&mut self) {
        for i in 0..self.types.len() {
            let Some(TypeKind::Union(u)) = self.kind_of(TypeId(i)) else { continue };
            let struct_def = |id: TypeId| match self.kind_of(id) {
                Some(TypeKind::Struct(s)) => Some(s),
                _ => None,
            };
            let base_fields = struct_def(u.base).map_or(&[][..], |b| b.fields.as_slice());
            let tag_accessor = base_fields
                .iter()
                .find(|f| f.json_name == u.tag_property)
                .map_or_else(|| names::snake(&u.tag_property, "tag"), |f| f.rust_name.clone());
            let structs: Vec<Option<&StructDef>> = u.variants.iter().map(|v| struct_def(v.ty)).collect();
            let member_accessors = base_fields
                .iter()
                .filter(|f| f.json_name != u.tag_property && f.rust_name != tag_accessor)
                .filter(|f| {
                    let same =
                        |g: &Field| g.rust_name == f.rust_name && g.ty == f.ty && g.boxed == f.boxed && g.is_optional() == f.is_optional();
                    structs.iter().all(|s| s.is_some_and(|s| s.fields.iter().any(same)))
                })
                .map(|f| f.rust_name.clone())
                .collect();
            if let Some(Some(TypeDef { kind: TypeKind::Union(u), .. })) = self.types.get_mut(i) {
                u.tag_accessor = tag_accessor;
                u.member_accessors = member_accessors;
            }
        }
    }

    /// The struct behind a type: itself, or a union's base.
    pub(super) fn struct_of(&self, id: TypeId) -> TypeId {
        match self.kind_of(id) {
            Some(TypeKind::Union(u)) => u.base,
            _ => id,
        }
    }

    /// True when `oneOf`/`anyOf` is more than a nullable reference or a lenient number (which
    /// `type_of` makes an `Option` and a `Lenient`).
    pub(super) fn is_real_alternatives(&mut self, parts: &'a [ReferenceOr<Schema>], pointer: &str) -> bool {
        let real: Vec<&'a ReferenceOr<Schema>> = parts.iter().filter(|p| !is_null_schema(p)).collect();
        if real.len() == 1 && parts.len() == 2 {
            return false;
        }
        let diags = self.diags.len();
        let lenient = self.dialect == Dialect::OData && self.lenient_number(&real, pointer, 0).is_some();
        self.diags.truncate(diags);
        !lenient
    }

    /// `oneOf`/`anyOf` of several alternatives: merged when they are all single string values
    /// (an enum), tagged by a discriminator when there is one, else told apart by shape. Any
    /// JSON value only where an alternative allows anything, with a warning.
    pub(super) fn lower_alternatives(
        &mut self,
        schema: &'a Schema,
        real: &[&'a ReferenceOr<Schema>],
        pointer: &str,
        owner: &str,
        depth: usize,
    ) -> Lowered {
        let key = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
        // Single-value enums (`{enum: [a]}`, `{const-like enum: [b]}`): one enum of all of them.
        let mut values: Vec<Option<String>> = Vec::new();
        let all_enums = real.iter().all(|p| match self.resolve_node(node(p), depth) {
            Some(Schema { schema_kind: SchemaKind::Type(Type::String(st)), .. }) if !st.enumeration.is_empty() => {
                values.extend(st.enumeration.iter().cloned());
                true
            }
            _ => false,
        });
        if all_enums && !real.is_empty() {
            return Lowered::Kind(TypeKind::Enum(self.lower_enum(&values, schema, pointer)));
        }
        if real.is_empty() {
            // An enum of no variants could hold no value at all; what the server sends is kept.
            self.diags.push(Diagnostic::warning(
                pointer_push(pointer, key),
                format!("`{key}` lists no alternative other than null; typed as any JSON value"),
            ));
            return Lowered::Type(TypeRef::Json);
        }
        if real.iter().any(|p| is_any_schema(p)) {
            self.diags.push(
                Diagnostic::warning(pointer_push(pointer, key), "an alternative allows any value; typed as any JSON value")
                    .help("the value is kept as serde_json::Value"),
            );
            return Lowered::Type(TypeRef::Json);
        }
        let mut variants = Vec::new();
        let mut used = BTreeSet::new();
        for (i, part) in real.iter().enumerate() {
            let part_pointer = pointer_push(&pointer_push(pointer, key), &i.to_string());
            let ty = self.type_ref_of(node(part), &part_pointer, &format!("{owner} {}", i + 1), depth + 1);
            let rust_name = names::dedupe(self.name_alternative(&ty), &mut used, "");
            let boxed = matches!(&ty, TypeRef::Named(id) if !matches!(self.kind_of(*id), Some(TypeKind::Enum(_))));
            let tag = match part {
                ReferenceOr::Reference { reference } => reference.strip_prefix(SCHEMA_PREFIX).map(|k| self.choose_type_name(&unescape(k))),
                ReferenceOr::Item(_) => None,
            };
            variants.push(Alternative { rust_name, ty, boxed, tag });
        }
        // A discriminator picks by value, where every alternative is a named schema it can name.
        let discriminator = schema.schema_data.discriminator.as_ref().filter(|_| variants.iter().all(|v| v.tag.is_some()));
        if let Some(d) = discriminator {
            for (value, target) in &d.mapping {
                let target_key = target.strip_prefix(SCHEMA_PREFIX).map(unescape);
                for (part, v) in real.iter().zip(variants.iter_mut()) {
                    if let ReferenceOr::Reference { reference } = part {
                        if reference.strip_prefix(SCHEMA_PREFIX).map(unescape) == target_key {
                            v.tag = Some(value.clone());
                        }
                    }
                }
            }
            let fallback = names::dedupe("Other".to_string(), &mut used, "");
            return Lowered::Kind(TypeKind::Alternatives(AlternativesDef {
                variants,
                tag_property: Some(d.property_name.clone()),
                fallback,
                single_value: false,
            }));
        }
        // serde tries untagged variants in order and keeps the first that reads the value, so
        // the most demanding go first: objects with more required members before fewer, then
        // maps, arrays, enums, typed strings and numbers, integers before floats, and plain text
        // (which any string matches) last. The sort is stable, so ties keep the written order.
        variants.sort_by_key(|v| self.rank_alternative(&v.ty, 0));
        for v in &mut variants {
            v.tag = None;
        }
        // Two objects requiring the same members (none, often) cannot be told apart by shape:
        // every value goes to the first. Say so, since a discriminator would fix it.
        let required_sets: Vec<(&str, Option<BTreeSet<&str>>)> =
            variants.iter().map(|v| (v.rust_name.as_str(), self.find_required_members(&v.ty))).collect();
        for (i, (first, set)) in required_sets.iter().enumerate() {
            let Some(set) = set else { continue };
            if let Some((second, _)) = required_sets.iter().skip(i + 1).find(|(_, other)| other.as_ref() == Some(set)) {
                self.diags.push(
                    Diagnostic::warning(
                        pointer_push(pointer, key),
                        format!("alternatives `{first}` and `{second}` require the same members, so a value is always read as `{first}`"),
                    )
                    .help("add a `discriminator`, or required members that tell them apart"),
                );
                break;
            }
        }
        let single_value = variants.iter().all(|v| self.is_single_value(&v.ty, 0));
        Lowered::Kind(TypeKind::Alternatives(AlternativesDef { variants, tag_property: None, fallback: String::new(), single_value }))
    }

    /// The names of a struct's required members; None for anything that is not a struct.
    pub(super) fn find_required_members(&self, ty: &TypeRef) -> Option<BTreeSet<&str>> {
        let TypeRef::Named(id) = ty else { return None };
        match self.kind_of(*id) {
            Some(TypeKind::Struct(s)) => Some(s.fields.iter().filter(|f| f.required).map(|f| f.json_name.as_str()).collect()),
            _ => None,
        }
    }

    /// The variant name of an alternative: its type's name, or what kind of value it is.
    pub(super) fn name_alternative(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::Named(id) => self
                .type_names
                .get(id)
                .cloned()
                .or_else(|| self.types.get(id.0)?.as_ref().map(|t| t.name.clone()))
                .unwrap_or_else(|| "Variant".to_string()),
            TypeRef::String => "String".to_string(),
            TypeRef::Bool => "Bool".to_string(),
            TypeRef::I16 | TypeRef::I32 | TypeRef::I64 | TypeRef::U8 | TypeRef::U16 | TypeRef::U32 | TypeRef::U64 => "Integer".to_string(),
            TypeRef::F32 | TypeRef::F64 | TypeRef::Lenient(_) => "Number".to_string(),
            TypeRef::Array(_) => "Array".to_string(),
            TypeRef::Map(_) => "Map".to_string(),
            TypeRef::DateTime => "DateTime".to_string(),
            TypeRef::Date => "Date".to_string(),
            TypeRef::Time => "Time".to_string(),
            TypeRef::Duration => "Duration".to_string(),
            TypeRef::Uuid => "Uuid".to_string(),
            TypeRef::Bytes => "Bytes".to_string(),
            TypeRef::Json | TypeRef::Nullable(_) => "Value".to_string(),
            TypeRef::ConsistencyLevel => "ConsistencyLevel".to_string(),
        }
    }

    /// Where an alternative goes in the order serde tries them.
    pub(super) fn rank_alternative(&self, ty: &TypeRef, depth: usize) -> TryOrder {
        match ty {
            TypeRef::Named(id) => match self.kind_of(*id) {
                Some(TypeKind::Struct(s)) => TryOrder::Struct { required: Reverse(s.fields.iter().filter(|f| f.required).count()) },
                Some(TypeKind::Union(_) | TypeKind::Alternatives(_)) => TryOrder::Composite,
                Some(TypeKind::Enum(_)) => TryOrder::Enum,
                // Aliases may form a cycle (`a: {$ref: b}`, `b: {$ref: a}`): bounded.
                Some(TypeKind::Alias(inner)) if depth < MAX_DEPTH => self.rank_alternative(inner, depth + 1),
                Some(TypeKind::Alias(_)) | None => TryOrder::Any,
            },
            TypeRef::Map(_) => TryOrder::Map,
            TypeRef::Array(_) => TryOrder::Array,
            TypeRef::Bool => TryOrder::Bool,
            TypeRef::DateTime | TypeRef::Date | TypeRef::Time | TypeRef::Duration | TypeRef::Uuid => TryOrder::FormattedText,
            TypeRef::U8 | TypeRef::U16 | TypeRef::U32 | TypeRef::U64 => TryOrder::Unsigned,
            TypeRef::I16 | TypeRef::I32 | TypeRef::I64 => TryOrder::Signed,
            TypeRef::F32 | TypeRef::F64 | TypeRef::Lenient(_) => TryOrder::Float,
            TypeRef::Bytes | TypeRef::String | TypeRef::ConsistencyLevel => TryOrder::Text,
            TypeRef::Json | TypeRef::Nullable(_) => TryOrder::Any,
        }
    }

    /// Recognises alternatives that are one number plus strings (and the INF/-INF/NaN enum).
    pub(super) fn lenient_number(&mut self, real: &[&'a ReferenceOr<Schema>], pointer: &str, depth: usize) -> Option<TypeRef> {
        let mut number = None;
        for part in real {
            let schema = match part {
                ReferenceOr::Item(s) => s,
                ReferenceOr::Reference { reference } => {
                    let key = unescape(reference.strip_prefix(SCHEMA_PREFIX)?);
                    match self.schemas()?.get(key.as_str())? {
                        ReferenceOr::Item(s) => s,
                        ReferenceOr::Reference { .. } => return None,
                    }
                }
            };
            match &schema.schema_kind {
                SchemaKind::Type(Type::Number(_) | Type::Integer(_)) if number.is_none() => {
                    number = Some(self.type_ref_of(Node::Item(schema), pointer, "", depth + 1));
                }
                SchemaKind::Type(Type::String(st))
                    if st.enumeration.iter().flatten().all(|v| matches!(v.as_str(), "INF" | "-INF" | "NaN")) => {}
                SchemaKind::Any(any)
                    if !any.enumeration.is_empty()
                        && any.enumeration.iter().all(|v| matches!(v.as_str(), Some("INF" | "-INF" | "NaN"))) => {}
                _ => return None,
            }
        }
        number
    }
}

/// The order serde tries untagged alternatives in, first to last (the variants are declared in
/// that order, and `Ord` is derived): the most demanding shapes first, so that a value only falls
/// through to a looser one when it fails them; any JSON value last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TryOrder {
    /// A struct, by its required members, more first: a value with fewer fails them and falls
    /// through.
    Struct {
        required: Reverse<usize>,
    },
    /// A union or another set of alternatives.
    Composite,
    Map,
    Array,
    Enum,
    Bool,
    /// Text of a stricter form: a date, a time, a duration, a UUID.
    FormattedText,
    Unsigned,
    Signed,
    Float,
    /// Any text.
    Text,
    /// Any JSON value (or a type that could not be resolved).
    Any,
}
