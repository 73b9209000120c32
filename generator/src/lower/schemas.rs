//! Component and inline schemas to types: `allOf` flattened into structs, enums, formats, inline
//! types named after their owner.

use super::*;

impl<'a> Lowerer<'a> {
    /// Allocates a type id for every component schema (sorted by key, so reordering the file
    /// changes nothing) and names them all at once, so collisions are resolved as a whole.
    pub(super) fn lower_components(&mut self) {
        let Some(schemas) = self.schemas() else { return };
        let mut keys: Vec<&'a String> = schemas.keys().collect();
        keys.sort();
        let candidates: Vec<(String, Vec<String>)> = keys.iter().map(|k| (k.to_string(), names::type_name_candidates(k))).collect();
        let rust_names = names::assign_unique(&candidates, &self.used_type_names);
        for ((key, name), (_, tried)) in keys.iter().zip(&rust_names).zip(&candidates) {
            // Qualifying with the namespace is expected; a number means the names could not be
            // told apart at all, which the user should hear about.
            if !tried.contains(name) {
                let wanted = tried.first().map(String::as_str).unwrap_or_default();
                let why = if names::reserved_types().contains(wanted) {
                    "the generated code uses that name itself"
                } else {
                    "another schema's name differs from this one only in case or punctuation"
                };
                self.diags.push(
                    Diagnostic::warning(
                        pointer_push("/components/schemas", key),
                        format!("schema `{key}` is named `{name}`, not `{wanted}`: {why}"),
                    )
                    .help("the numbered name is stable; rename the schema to choose another"),
                );
            }
            self.used_type_names.insert(name.clone());
            let id = TypeId(self.types.len());
            self.ids.insert(key.as_str(), id);
            self.type_names.insert(id, name.clone());
            self.types.push(None);
        }
        self.allocate_unions(schemas, &keys);
        for (key, name) in keys.iter().zip(rust_names) {
            let pointer = pointer_push("/components/schemas", key);
            let def = match schemas.get(key.as_str()) {
                Some(ReferenceOr::Reference { reference }) => {
                    let ty = self.ref_type(reference, &pointer_push(&pointer, "$ref"));
                    TypeDef { name, schema_name: key.to_string(), doc: None, deprecated: None, kind: TypeKind::Alias(ty) }
                }
                Some(ReferenceOr::Item(schema)) => self.lower_schema_def(key, name, schema, &pointer),
                None => continue,
            };
            if let Some(slot) = self.ids.get(key.as_str()).and_then(|id| self.types.get_mut(id.0)) {
                *slot = Some(def);
            }
        }
    }

    pub(super) fn lower_schema_def(&mut self, key: &str, name: String, schema: &'a Schema, pointer: &str) -> TypeDef {
        // Graph's converter puts a derived type's description on its inline `allOf` member.
        let doc = schema.schema_data.description.clone().or_else(|| match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of.iter().rev().find_map(|part| match part {
                ReferenceOr::Item(inline) => inline.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            }),
            _ => None,
        });
        let deprecated = deprecation(&schema.schema_data.extensions, schema.schema_data.deprecated);
        let kind = match &schema.schema_kind {
            SchemaKind::AllOf { .. } | SchemaKind::Type(Type::Object(_)) => {
                let flat = self.flatten_component(key, pointer);
                TypeKind::Struct(self.lower_struct(&name, key, &flat, 0))
            }
            SchemaKind::Any(any) if !any.properties.is_empty() || !any.all_of.is_empty() => {
                let flat = self.flatten_component(key, pointer);
                TypeKind::Struct(self.lower_struct(&name, key, &flat, 0))
            }
            // Alternatives get the component's own name, not an alias of an inline type.
            SchemaKind::AnyOf { any_of: parts } | SchemaKind::OneOf { one_of: parts } if self.is_real_alternatives(parts, pointer) => {
                let real: Vec<&'a ReferenceOr<Schema>> = parts.iter().filter(|p| !is_null_schema(p)).collect();
                match self.lower_alternatives(schema, &real, pointer, &name, 0) {
                    Lowered::Kind(kind) => kind,
                    Lowered::Type(ty) => TypeKind::Alias(ty),
                }
            }
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                TypeKind::Enum(self.lower_enum(&s.enumeration, schema, pointer))
            }
            _ => {
                let ty = self.type_ref_of(Node::Item(schema), pointer, &name, 0);
                TypeKind::Alias(ty)
            }
        };
        TypeDef { name, schema_name: key.to_string(), doc, deprecated, kind }
    }

    /// Properties of a component schema with its `allOf` bases flattened in, base first.
    pub(super) fn flatten_component(&mut self, key: &str, pointer: &str) -> Flat<'a> {
        if let Some(f) = self.flat_cache.get(key) {
            return f.clone();
        }
        let mut stack = Vec::new();
        let flat = self.flatten_key(key, pointer, &mut stack);
        self.flat_cache.insert(key.to_string(), flat.clone());
        flat
    }

    pub(super) fn flatten_key(&mut self, key: &str, pointer: &str, stack: &mut Vec<String>) -> Flat<'a> {
        if let Some(f) = self.flat_cache.get(key) {
            return f.clone();
        }
        if stack.iter().any(|k| k == key) {
            self.diags.push(
                Diagnostic::error(pointer, format!("`allOf` cycle: {} -> {key}", stack.join(" -> ")))
                    .help("a schema cannot inherit from itself; remove one `$ref` from the cycle"),
            );
            return Flat::default();
        }
        if stack.len() >= MAX_DEPTH {
            self.diags.push(
                Diagnostic::error(pointer, format!("`allOf` inheritance deeper than {MAX_DEPTH} levels"))
                    .help("flatten the inheritance chain"),
            );
            return Flat::default();
        }
        let Some(entry) = self.schemas().and_then(|s| s.get(key)) else { return Flat::default() };
        let own_pointer = pointer_push("/components/schemas", key);
        stack.push(key.to_string());
        let flat = match entry {
            ReferenceOr::Reference { reference } => match reference.strip_prefix(SCHEMA_PREFIX) {
                Some(target) => self.flatten_key(&unescape(target), &pointer_push(&own_pointer, "$ref"), stack),
                None => Flat::default(),
            },
            ReferenceOr::Item(schema) => self.flatten_schema(schema, &own_pointer, stack),
        };
        stack.pop();
        flat
    }

    pub(super) fn flatten_schema(&mut self, schema: &'a Schema, pointer: &str, stack: &mut Vec<String>) -> Flat<'a> {
        let mut flat = Flat::default();
        // Properties beside `allOf` (which `normalize` leaves mixed): the parts, then the properties.
        let parts = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of.as_slice(),
            SchemaKind::Any(any) => any.all_of.as_slice(),
            _ => &[],
        };
        match &schema.schema_kind {
            SchemaKind::AllOf { .. } | SchemaKind::Any(_)
                if !parts.is_empty() || matches!(schema.schema_kind, SchemaKind::AllOf { .. }) =>
            {
                for (i, part) in parts.iter().enumerate() {
                    let part_pointer = pointer_push(&pointer_push(pointer, "allOf"), &i.to_string());
                    let sub = match node(part) {
                        Node::Ref(r) => match r.strip_prefix(SCHEMA_PREFIX) {
                            Some(target) if self.schemas().is_some_and(|s| s.contains_key(unescape(target).as_str())) => {
                                self.flatten_key(&unescape(target), &pointer_push(&part_pointer, "$ref"), stack)
                            }
                            _ => self.flatten_deep(r, &pointer_push(&part_pointer, "$ref"), stack),
                        },
                        Node::Item(s) => self.flatten_schema(s, &part_pointer, stack),
                    };
                    merge_flat(&mut flat, sub);
                }
                if let SchemaKind::Any(any) = &schema.schema_kind {
                    merge_flat(&mut flat, own_properties(any, pointer));
                }
            }
            SchemaKind::Type(Type::Object(obj)) => {
                let props_pointer = pointer_push(pointer, "properties");
                for (name, prop) in &obj.properties {
                    flat.props.push(FlatProp {
                        name: name.clone(),
                        schema: node_boxed(prop),
                        pointer: pointer_push(&props_pointer, name),
                        required: obj.required.contains(name),
                    });
                }
                flat.extra = !matches!(obj.additional_properties, Some(AdditionalProperties::Any(false)));
                flat.required.extend(collect_required_entries(&obj.required, pointer));
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => merge_flat(&mut flat, own_properties(any, pointer)),
            _ => {
                self.diags.push(
                    Diagnostic::warning(pointer, "an `allOf` member that is not an object was left out")
                        .help("only object schemas and `$ref`s to them can be combined with `allOf`"),
                );
            }
        }
        flat
    }

    /// `depth` is the nesting of the struct itself: an inline struct whose `allOf` reaches back to
    /// its own component would otherwise restart the count at every level and recurse forever.
    pub(super) fn lower_struct(&mut self, type_name: &str, key: &str, flat: &Flat<'a>, depth: usize) -> StructDef {
        let mut used = BTreeSet::new();
        let mut fields = Vec::new();
        for (name, at) in &flat.required {
            if !flat.props.iter().any(|p| &p.name == name) {
                self.diags.push(
                    Diagnostic::warning(at, format!("`required` names `{name}`, which is not a property of the schema; ignored"))
                        .help("declare the property, or remove it from `required`"),
                );
            }
        }
        for prop in &flat.props {
            // Required where any part of the composition says so.
            let required_anywhere = prop.required || flat.required.iter().any(|(name, _)| name == &prop.name);
            let owner = format!("{type_name} {}", prop.name);
            let SchemaType { ty, null_in_union: nullable_union } = self.type_of(prop.schema, &prop.pointer, &owner, depth + 1);
            let (nullable, read_only, nav_ext, doc, deprecated) = match prop.schema {
                Node::Item(s) => (
                    s.schema_data.nullable,
                    s.schema_data.read_only,
                    s.schema_data.extensions.get("x-ms-navigationProperty") == Some(&serde_json::Value::Bool(true)),
                    s.schema_data.description.clone(),
                    deprecation(&s.schema_data.extensions, s.schema_data.deprecated),
                ),
                Node::Ref(_) => (false, false, false, None, None),
            };
            // A bare reference to an entity is a navigation link only where OData says so.
            let navigation = nav_ext || (self.dialect == Dialect::OData && single_ref(prop.schema).is_some_and(|r| self.is_entity_ref(r)));
            // A required property with a default may be left out by the server, and so may
            // `@odata.type`, which Graph omits when the value is of the declared type (its
            // `openapi.yaml` marks it required all the same): both are read as optional.
            let has_default = matches!(prop.schema, Node::Item(s) if s.schema_data.default.is_some()) || prop.name == ODATA_TYPE;
            fields.push(Field {
                rust_name: names::dedupe(names::snake(&prop.name, "field"), &mut used, "_"),
                json_name: prop.name.clone(),
                aliases: wire_aliases(&prop.name, flat.props.iter().map(|p| p.name.as_str())),
                doc,
                ty,
                required: required_anywhere && !has_default,
                nullable: nullable || nullable_union,
                read_only,
                navigation,
                deprecated,
                boxed: false,
            });
        }
        let extra = flat
            .extra
            .then(|| ExtraFields { rust_name: names::dedupe("additional_properties".to_string(), &mut used, "_"), value: TypeRef::Json });
        StructDef { is_entity: flat.props.iter().any(|p| p.name == "id"), fields, extra, odata_type: self.choose_type_name(key) }
    }

    /// The value that names a schema's type on the wire when nothing in the description gives
    /// one: OData's `#` + schema name, or OpenAPI's discriminator default, the schema name.
    pub(super) fn choose_type_name(&self, key: &str) -> String {
        match self.dialect {
            Dialect::OData => format!("#{key}"),
            Dialect::Plain => key.to_string(),
        }
    }

    pub(super) fn is_entity_ref(&mut self, reference: &str) -> bool {
        let Some(target) = reference.strip_prefix(SCHEMA_PREFIX) else { return false };
        let key = unescape(target);
        let is_struct = matches!(
            self.schemas().and_then(|s| s.get(key.as_str())),
            Some(ReferenceOr::Item(Schema { schema_kind: SchemaKind::AllOf { .. } | SchemaKind::Type(Type::Object(_)), .. }))
        );
        if !is_struct {
            return false;
        }
        let pointer = pointer_push("/components/schemas", &key);
        self.flatten_component(&key, &pointer).props.iter().any(|p| p.name == "id")
    }

    pub(super) fn lower_enum(&mut self, values: &[Option<String>], schema: &Schema, pointer: &str) -> EnumDef {
        // x-ms-enum carries a description per value; use it for the variant docs.
        let mut docs: HashMap<String, String> = HashMap::new();
        if let Some(serde_json::Value::Array(items)) = schema.schema_data.extensions.get("x-ms-enum").and_then(|e| e.get("values")) {
            for item in items {
                if let (Some(v), Some(d)) = (item.get("value").and_then(|v| v.as_str()), item.get("description").and_then(|d| d.as_str())) {
                    docs.insert(v.to_string(), d.to_string());
                }
            }
        }
        let mut used = BTreeSet::new();
        let mut variants = Vec::new();
        let mut seen = BTreeSet::new();
        for value in values.iter().flatten() {
            if !seen.insert(value.clone()) {
                self.diags
                    .push(Diagnostic::warning(pointer_push(pointer, "enum"), format!("enum value `{value}` is listed twice; kept once")));
                continue;
            }
            variants.push(Variant {
                rust_name: names::dedupe(names::upper_camel(value, "V"), &mut used, ""),
                wire: value.clone(),
                doc: docs.get(value).cloned(),
            });
        }
        let fallback = names::dedupe("Unrecognized".to_string(), &mut used, "");
        let flags = schema
            .schema_data
            .extensions
            .get("x-ms-enum-flags")
            .and_then(|f| f.get("isFlags"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        EnumDef { variants, flags, fallback }
    }

    /// The Rust type of a schema node, where only the type matters.
    pub(super) fn type_ref_of(&mut self, n: Node<'a>, pointer: &str, owner: &str, depth: usize) -> TypeRef {
        self.type_of(n, pointer, owner, depth).ty
    }

    /// The Rust type of a schema node, and whether a nullable union (`anyOf` with null) wrapped it.
    /// `owner` names inline types that need a name of their own.
    pub(super) fn type_of(&mut self, n: Node<'a>, pointer: &str, owner: &str, depth: usize) -> SchemaType {
        if depth > MAX_DEPTH {
            self.diags.push(
                Diagnostic::error(pointer, format!("schema nested deeper than {MAX_DEPTH} levels"))
                    .help("name the inner schemas under #/components/schemas and refer to them"),
            );
            return SchemaType::plain(TypeRef::Json);
        }
        let schema = match n {
            Node::Ref(r) => return SchemaType::plain(self.ref_type(r, &pointer_push(pointer, "$ref"))),
            Node::Item(s) => s,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                if s.enumeration.iter().flatten().next().is_some() {
                    let def = self.lower_enum(&s.enumeration, schema, pointer);
                    return SchemaType::plain(self.inline_enum(owner, schema, def));
                }
                SchemaType::plain(self.string_format(&s.format, pointer))
            }
            SchemaKind::Type(Type::Boolean(_)) => SchemaType::plain(TypeRef::Bool),
            SchemaKind::Type(Type::Integer(i)) => {
                let format = match &i.format {
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => "int32",
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => "int64",
                    VariantOrUnknownOrEmpty::Unknown(f) => f.as_str(),
                    VariantOrUnknownOrEmpty::Empty => "",
                };
                SchemaType::plain(self.number_format(format, true, pointer))
            }
            SchemaKind::Type(Type::Number(num)) => {
                // Graph's converter writes Int32 both as `integer` and as `number` with an integer format.
                let format = match &num.format {
                    VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => "float",
                    VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => "double",
                    VariantOrUnknownOrEmpty::Unknown(f) => f.as_str(),
                    VariantOrUnknownOrEmpty::Empty => "",
                };
                SchemaType::plain(self.number_format(format, false, pointer))
            }
            SchemaKind::Type(Type::Array(arr)) => {
                let Some(items) = &arr.items else { return SchemaType::plain(TypeRef::Array(Box::new(TypeRef::Json))) };
                let items_node = node_boxed(items);
                let SchemaType { ty: inner, null_in_union: union_null } =
                    self.type_of(items_node, &pointer_push(pointer, "items"), &format!("{owner} item"), depth + 1);
                let item_nullable = union_null || matches!(items_node, Node::Item(s) if s.schema_data.nullable);
                let inner = if item_nullable { TypeRef::Nullable(Box::new(inner)) } else { inner };
                SchemaType::plain(TypeRef::Array(Box::new(inner)))
            }
            SchemaKind::Type(Type::Object(obj)) => {
                if !obj.properties.is_empty() {
                    return SchemaType::plain(self.inline_struct(schema, pointer, owner, depth));
                }
                // Graph writes `additionalProperties: {type: object}` on every schema to mean "more
                // members may come", which stays a JSON value; elsewhere it is a map of objects.
                match &obj.additional_properties {
                    Some(AdditionalProperties::Schema(s)) if self.dialect == Dialect::Plain || !is_bare_object(s) => {
                        let inner =
                            self.type_ref_of(node(s), &pointer_push(pointer, "additionalProperties"), &format!("{owner} value"), depth + 1);
                        SchemaType::plain(TypeRef::Map(Box::new(inner)))
                    }
                    _ => SchemaType::plain(TypeRef::Json),
                }
            }
            SchemaKind::AnyOf { any_of: parts } | SchemaKind::OneOf { one_of: parts } => {
                // The converter's nullable reference: one real schema beside a null-only one.
                let real: Vec<&ReferenceOr<Schema>> = parts.iter().filter(|p| !is_null_schema(p)).collect();
                if let ([only], 2) = (real.as_slice(), parts.len()) {
                    let ty = self.type_ref_of(node(only), pointer, owner, depth + 1);
                    return SchemaType { ty, null_in_union: true };
                }
                // The converter's IEEE754Compatible numbers: `number | string` (Int64, Decimal) and
                // `number | string | ReferenceNumeric` (Double with INF, -INF, NaN).
                // Outside OData, `integer | string` is an id that is either, not a lenient number.
                let lenient = if self.dialect == Dialect::OData { self.lenient_number(&real, pointer, depth) } else { None };
                if let Some(number) = lenient {
                    let nullable =
                        real.len() < parts.len() || real.iter().any(|p| matches!(p, ReferenceOr::Item(s) if s.schema_data.nullable));
                    return SchemaType { ty: TypeRef::Lenient(Box::new(number)), null_in_union: nullable };
                }
                let nullable = real.len() < parts.len();
                match self.lower_alternatives(schema, &real, pointer, owner, depth) {
                    Lowered::Type(ty) => SchemaType { ty, null_in_union: nullable },
                    Lowered::Kind(kind) => {
                        let name = self.inline_name(owner);
                        SchemaType { ty: self.push_inline(name, owner, schema, kind), null_in_union: nullable }
                    }
                }
            }
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => match all_of.first() {
                Some(part) => self.type_of(node(part), &pointer_push(&pointer_push(pointer, "allOf"), "0"), owner, depth + 1),
                None => SchemaType::plain(TypeRef::Json),
            },
            SchemaKind::AllOf { .. } => SchemaType::plain(self.inline_struct(schema, pointer, owner, depth)),
            // Properties without `type: object` (often beside an `anyOf` of `required` lists):
            // an object all the same.
            SchemaKind::Any(any) if !any.properties.is_empty() || !any.all_of.is_empty() => {
                SchemaType::plain(self.inline_struct(schema, pointer, owner, depth))
            }
            SchemaKind::Any(any) => {
                let is_empty = any.typ.is_none()
                    && any.properties.is_empty()
                    && any.items.is_none()
                    && any.one_of.is_empty()
                    && any.any_of.is_empty()
                    && any.all_of.is_empty()
                    && any.not.is_none();
                if !is_empty {
                    self.diags.push(
                        Diagnostic::warning(pointer, "schema shape not recognised; typed as any JSON value")
                            .help("give the schema one `type` (string, integer, number, boolean, array, object)"),
                    );
                }
                SchemaType::plain(TypeRef::Json)
            }
            SchemaKind::Not { .. } => {
                self.diags.push(Diagnostic::warning(pointer, "`not` is not supported; typed as any JSON value"));
                SchemaType::plain(TypeRef::Json)
            }
        }
    }

    pub(super) fn string_format(&mut self, format: &VariantOrUnknownOrEmpty<openapiv3::StringFormat>, pointer: &str) -> TypeRef {
        use openapiv3::StringFormat;
        match format {
            VariantOrUnknownOrEmpty::Empty => TypeRef::String,
            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
            VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
            VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => TypeRef::Bytes,
            VariantOrUnknownOrEmpty::Item(StringFormat::Password | StringFormat::Binary) => TypeRef::String,
            VariantOrUnknownOrEmpty::Unknown(f) => match f.as_str() {
                "time" => TypeRef::Time,
                "duration" => TypeRef::Duration,
                "uuid" => TypeRef::Uuid,
                "base64url" => TypeRef::Bytes,
                // Formats that only constrain the text (JSON Schema's and OpenAPI's registry),
                // and numbers written as strings: the value stays a String, and nothing is
                // approximated, so there is nothing to warn about.
                "uri"
                | "uri-reference"
                | "uriref"
                | "uri-template"
                | "url"
                | "iri"
                | "iri-reference"
                | "email"
                | "idn-email"
                | "hostname"
                | "idn-hostname"
                | "ipv4"
                | "ipv6"
                | "ip"
                | "regex"
                | "json-pointer"
                | "relative-json-pointer"
                | "char"
                | "html"
                | "commonmark"
                | "media-range"
                | "int32"
                | "int64"
                | "decimal"
                | "double"
                | "float" => TypeRef::String,
                other => {
                    self.diags.push(
                        Diagnostic::warning(pointer_push(pointer, "format"), format!("unknown string format `{other}`; typed as String"))
                            .help("the value is kept as text; use a standard format to get a typed value"),
                    );
                    TypeRef::String
                }
            },
        }
    }

    pub(super) fn number_format(&mut self, format: &str, integer: bool, pointer: &str) -> TypeRef {
        match format {
            "int8" | "int16" => TypeRef::I16,
            // Unsigned formats keep their range: a u64 id above i64::MAX must still decode.
            "uint8" => TypeRef::U8,
            "uint16" => TypeRef::U16,
            "uint32" => TypeRef::U32,
            "uint64" | "uint" => TypeRef::U64,
            "int32" => TypeRef::I32,
            "int64" => TypeRef::I64,
            "float" => TypeRef::F32,
            "double" | "decimal" => TypeRef::F64,
            "" if integer => TypeRef::I64,
            "" => TypeRef::F64,
            other => {
                self.diags.push(
                    Diagnostic::warning(
                        pointer_push(pointer, "format"),
                        format!("unknown number format `{other}`; typed as {}", if integer { "i64" } else { "f64" }),
                    )
                    .help("use int16, int32, int64, uint8, uint16, uint32, uint64, float, double or decimal"),
                );
                if integer {
                    TypeRef::I64
                } else {
                    TypeRef::F64
                }
            }
        }
    }

    /// An inline object or `allOf` as a struct of its own. An inline schema that contains itself
    /// (an `allOf` back to the component holding it) would unfold forever, so its inner
    /// occurrence is typed as any JSON value, with a warning.
    /// How many types lowering may create: generous for any real description (a few inline types
    /// per schema and operation), but it stops an `allOf` chain that doubles at every link (a
    /// 7 KB spec once took more than 20 GB and five minutes before this bound).
    pub(super) fn type_budget(&self) -> usize {
        let schemas = self.schemas().map_or(0, |s| s.len());
        10_000 + 20 * (schemas + self.doc.paths.paths.len())
    }

    pub(super) fn inline_struct(&mut self, schema: &'a Schema, pointer: &str, owner: &str, depth: usize) -> TypeRef {
        let address = schema as *const Schema as usize;
        if self.inline_stack.contains(&address) {
            self.diags.push(
                Diagnostic::warning(
                    pointer,
                    "this inline schema contains itself through `allOf`; the inner occurrence is typed as any JSON value",
                )
                .help("name the schema under #/components/schemas and refer to it with `$ref`"),
            );
            return TypeRef::Json;
        }
        if self.types.len() > self.type_budget() {
            if !std::mem::replace(&mut self.over_budget, true) {
                self.diags.push(Diagnostic::error(pointer, format!("the schemas expand to more than {} types", self.type_budget()))
                    .help("each inline `allOf` copies the properties of the schemas it names, inline ones included, so chains of them multiply; name the inline schemas under #/components/schemas and refer to them with `$ref`"));
            }
            return TypeRef::Json;
        }
        self.inline_stack.push(address);
        let name = self.inline_name(owner);
        let mut stack = Vec::new();
        let flat = self.flatten_schema(schema, pointer, &mut stack);
        let def = self.lower_struct(&name, owner, &flat, depth);
        self.inline_stack.pop();
        self.push_inline(name, owner, schema, TypeKind::Struct(def))
    }

    pub(super) fn inline_name(&mut self, owner: &str) -> String {
        let name = names::upper_camel(owner, "Type");
        names::dedupe(name, &mut self.used_type_names, "")
    }

    /// Inline enums with the same values (Graph repeats its `$select`/`$expand` lists on every
    /// operation of a resource) share one type, named after the first owner.
    pub(super) fn inline_enum(&mut self, owner: &str, schema: &Schema, def: EnumDef) -> TypeRef {
        let key: Vec<String> = def.variants.iter().map(|v| v.wire.clone()).collect();
        if let Some(id) = self.inline_enums.get(&key) {
            return TypeRef::Named(*id);
        }
        let name = self.inline_name(owner);
        let ty = self.push_inline(name, owner, schema, TypeKind::Enum(def));
        if let TypeRef::Named(id) = ty {
            self.inline_enums.insert(key, id);
        }
        ty
    }

    pub(super) fn push_inline(&mut self, name: String, owner: &str, schema: &Schema, kind: TypeKind) -> TypeRef {
        let id = TypeId(self.types.len());
        self.types.push(Some(TypeDef {
            name,
            schema_name: owner.to_string(),
            doc: schema.schema_data.description.clone(),
            deprecated: deprecation(&schema.schema_data.extensions, schema.schema_data.deprecated),
            kind,
        }));
        TypeRef::Named(id)
    }

    /// The type a `$ref` names; an unresolvable one is an error and becomes any JSON value.
    pub(super) fn ref_type(&mut self, reference: &str, pointer: &str) -> TypeRef {
        if let Some(target) = reference.strip_prefix(SCHEMA_PREFIX).filter(|_| is_component_schema_ref(reference)) {
            if let Some(id) = self.ids.get(unescape(target).as_str()).copied() {
                // A base with derived types is referred to through its union.
                return TypeRef::Named(self.union_for(id));
            }
            self.diags.push(
                Diagnostic::error(pointer, format!("unresolved reference `{reference}`: no such schema"))
                    .help("add the schema under #/components/schemas or correct the name"),
            );
        } else if let Some(target) = self.schema_at(reference) {
            return self.deep_ref_type(reference, target);
        } else if reference.starts_with('#') {
            self.diags.push(
                Diagnostic::error(pointer, format!("`{reference}` does not point at a schema"))
                    .help("schema references must point into #/components/schemas"),
            );
        } else {
            self.diags.push(
                Diagnostic::error(pointer, format!("reference to another document `{reference}` is not supported"))
                    .help("bundle the description into one file first (all `$ref`s local, starting with `#/`)"),
            );
        }
        TypeRef::Json
    }
}

/// The properties written on a schema of mixed keywords (beside `anyOf` lists or `allOf`).
fn own_properties<'a>(any: &'a openapiv3::AnySchema, pointer: &str) -> Flat<'a> {
    let props_pointer = pointer_push(pointer, "properties");
    let props = any
        .properties
        .iter()
        .map(|(name, prop)| FlatProp {
            name: name.clone(),
            schema: node_boxed(prop),
            pointer: pointer_push(&props_pointer, name),
            required: any.required.contains(name),
        })
        .collect();
    Flat { props, extra: true, required: collect_required_entries(&any.required, pointer) }
}

pub(super) fn merge_flat<'a>(into: &mut Flat<'a>, from: Flat<'a>) {
    for prop in from.props {
        // A derived type may redeclare a base property; the derived declaration wins, in place.
        if let Some(existing) = into.props.iter_mut().find(|p| p.name == prop.name) {
            *existing = prop;
        } else {
            into.props.push(prop);
        }
    }
    into.extra |= from.extra;
    into.required.extend(from.required);
}

/// `required` entries with the pointer of each (`…/required/0`).
pub(super) fn collect_required_entries(required: &[String], pointer: &str) -> Vec<(String, String)> {
    let at = pointer_push(pointer, "required");
    required.iter().enumerate().map(|(i, name)| (name.clone(), pointer_push(&at, &i.to_string()))).collect()
}
