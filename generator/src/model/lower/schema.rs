//! Schemas → [`TypeRef`]s and [`TypeKind`]s.
//!
//! A schema either maps onto an existing Rust type (`String`, `Vec<T>`, a map, a reference to a
//! named type) or needs a definition of its own (a struct, a string enum, a union). Named
//! schemas (components, reference targets) always get a definition, an alias at least; inline
//! schemas get one only when they need it, named after their context (`Run` + `labels` →
//! `RunLabels`, a request body → `CreateRunRequest`).

use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaData,
    SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::{Lowerer, MAX_DEPTH, docs};
use crate::model::{
    Additional, Docs, EnumVariant, Field, Literal, Primitive, StringEnum, Struct, Tagging,
    TypeKind, TypeRef, Union, UnionVariant,
};
use crate::naming::{self, Scope};
use crate::resolve::Loc;

/// A schema as it appears in a position: a reference, or inline.
#[derive(Clone, Copy)]
pub(super) enum SchemaRef<'s> {
    Ref(&'s str),
    Inline(&'s Schema),
}

impl<'s> From<&'s ReferenceOr<Schema>> for SchemaRef<'s> {
    fn from(r: &'s ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(s) => SchemaRef::Inline(s),
        }
    }
}

impl<'s> From<&'s ReferenceOr<Box<Schema>>> for SchemaRef<'s> {
    fn from(r: &'s ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(s) => SchemaRef::Inline(s),
        }
    }
}

/// A lowered use of a schema: the type, and whether `null` is allowed there.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Lowered {
    pub ty: TypeRef,
    pub nullable: bool,
}

impl Lowered {
    /// The type with nullability folded in, for positions that are not struct fields.
    pub fn folded(self) -> TypeRef {
        if self.nullable && !matches!(self.ty, TypeRef::Any) {
            TypeRef::Nullable(Box::new(self.ty))
        } else {
            self.ty
        }
    }
}

/// What a schema needs: an existing type, or a definition.
enum Shape {
    Ty(TypeRef),
    Def(TypeKind),
}

/// The structural view of a schema, whichever `SchemaKind` openapiv3 parsed it into.
struct View<'s> {
    typ: Option<&'s str>,
    format: Option<String>,
    enumeration: Vec<Value>,
    properties: Vec<(&'s String, &'s ReferenceOr<Box<Schema>>)>,
    required: &'s [String],
    additional: Option<&'s AdditionalProperties>,
    items: Option<&'s ReferenceOr<Box<Schema>>>,
    one_of: &'s [ReferenceOr<Schema>],
    any_of: &'s [ReferenceOr<Schema>],
    all_of: &'s [ReferenceOr<Schema>],
    not: bool,
}

fn format_of<T: std::fmt::Debug>(
    f: &VariantOrUnknownOrEmpty<T>,
    name: impl Fn(&T) -> &'static str,
) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(i) => Some(name(i).to_owned()),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

const NO_SCHEMAS: &[ReferenceOr<Schema>] = &[];

fn view(kind: &SchemaKind) -> View<'_> {
    let empty = View {
        typ: None,
        format: None,
        enumeration: Vec::new(),
        properties: Vec::new(),
        required: &[],
        additional: None,
        items: None,
        one_of: NO_SCHEMAS,
        any_of: NO_SCHEMAS,
        all_of: NO_SCHEMAS,
        not: false,
    };
    match kind {
        SchemaKind::Type(Type::String(s)) => View {
            typ: Some("string"),
            format: format_of(&s.format, |f| match f {
                StringFormat::Date => "date",
                StringFormat::DateTime => "date-time",
                StringFormat::Password => "password",
                StringFormat::Byte => "byte",
                StringFormat::Binary => "binary",
            }),
            enumeration: s
                .enumeration
                .iter()
                .map(|v| v.clone().map_or(Value::Null, Value::String))
                .collect(),
            ..empty
        },
        SchemaKind::Type(Type::Number(n)) => View {
            typ: Some("number"),
            format: format_of(&n.format, |f| match f {
                NumberFormat::Float => "float",
                NumberFormat::Double => "double",
            }),
            ..empty
        },
        SchemaKind::Type(Type::Integer(i)) => View {
            typ: Some("integer"),
            format: format_of(&i.format, |f| match f {
                IntegerFormat::Int32 => "int32",
                IntegerFormat::Int64 => "int64",
            }),
            ..empty
        },
        SchemaKind::Type(Type::Boolean(_)) => View {
            typ: Some("boolean"),
            ..empty
        },
        SchemaKind::Type(Type::Object(o)) => View {
            typ: Some("object"),
            properties: o.properties.iter().collect(),
            required: &o.required,
            additional: o.additional_properties.as_ref(),
            ..empty
        },
        SchemaKind::Type(Type::Array(a)) => View {
            typ: Some("array"),
            items: a.items.as_ref(),
            ..empty
        },
        SchemaKind::OneOf { one_of } => View { one_of, ..empty },
        SchemaKind::AnyOf { any_of } => View { any_of, ..empty },
        SchemaKind::AllOf { all_of } => View { all_of, ..empty },
        SchemaKind::Not { .. } => View { not: true, ..empty },
        SchemaKind::Any(a) => any_view(a),
    }
}

fn any_view(a: &AnySchema) -> View<'_> {
    View {
        typ: a.typ.as_deref(),
        format: a.format.clone(),
        enumeration: a.enumeration.clone(),
        properties: a.properties.iter().collect(),
        required: &a.required,
        additional: a.additional_properties.as_ref(),
        items: a.items.as_ref(),
        one_of: &a.one_of,
        any_of: &a.any_of,
        all_of: &a.all_of,
        not: a.not.is_some(),
    }
}

impl Lowerer<'_, '_> {
    /// Lowers a schema in a position where it may stay unnamed. `hint` names the type if one is
    /// needed.
    pub(super) fn lower_schema(&mut self, loc: &Loc, schema: SchemaRef<'_>, hint: &str) -> Lowered {
        match schema {
            SchemaRef::Ref(reference) => self.lower_ref(loc, reference),
            SchemaRef::Inline(schema) => self.lower_inline(loc, schema, hint),
        }
    }

    fn lower_ref(&mut self, loc: &Loc, reference: &str) -> Lowered {
        let target = match self.r.schema_ref(loc, reference) {
            Ok(t) => t,
            Err(d) => {
                self.diags.push(d);
                return Lowered {
                    ty: TypeRef::Any,
                    nullable: false,
                };
            }
        };
        let nullable = self
            .r
            .schema_at(&target)
            .map(|s| s.schema_data.nullable)
            .unwrap_or(false);
        let hint = target
            .last_token()
            .unwrap_or_else(|| self.file_stem(&target));
        let id = self.reserve(target, &hint);
        Lowered {
            ty: TypeRef::Named(id),
            nullable,
        }
    }

    fn file_stem(&self, loc: &Loc) -> String {
        self.r
            .sources()
            .file(loc.file)
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Schema".to_owned())
    }

    fn lower_inline(&mut self, loc: &Loc, schema: &Schema, hint: &str) -> Lowered {
        let nullable = schema.schema_data.nullable;
        if self.depth > MAX_DEPTH {
            let ty = self.degrade(loc, "schema nested too deeply");
            return Lowered { ty, nullable };
        }
        self.depth += 1;
        let ty = if needs_definition(schema) {
            let id = self.new_slot(hint, loc.clone());
            let name = self.names[id.0].clone();
            let (docs, kind) = self.named_kind(loc, schema, &name);
            self.define(id, docs, kind);
            TypeRef::Named(id)
        } else {
            match self.shape(loc, schema, hint) {
                Shape::Ty(t) => t,
                // `needs_definition` and `shape` agree; this arm is for safety only.
                Shape::Def(kind) => {
                    let id = self.new_slot(hint, loc.clone());
                    let d = schema_docs(&schema.schema_data);
                    self.define(id, d, kind);
                    TypeRef::Named(id)
                }
            }
        };
        self.depth -= 1;
        Lowered { ty, nullable }
    }

    /// The definition of a named type.
    pub(super) fn named_kind(
        &mut self,
        loc: &Loc,
        schema: &Schema,
        name: &str,
    ) -> (Docs, TypeKind) {
        let d = named_docs(&schema.schema_data, name);
        match self.shape(loc, schema, name) {
            Shape::Def(kind) => (d, kind),
            Shape::Ty(ty) => (d, TypeKind::Alias(ty)),
        }
    }

    fn shape(&mut self, loc: &Loc, schema: &Schema, name: &str) -> Shape {
        let v = view(&schema.schema_kind);
        if !v.all_of.is_empty() {
            return self.all_of(loc, schema, &v, name);
        }
        if !v.one_of.is_empty() || !v.any_of.is_empty() {
            let (key, variants) = if v.one_of.is_empty() {
                ("anyOf", v.any_of)
            } else {
                ("oneOf", v.one_of)
            };
            if !v.properties.is_empty() {
                self.diags.push(self.r.warning(
                    loc,
                    format!("properties beside {key} are not merged into the union's variants"),
                ));
            }
            return self.union(loc, &schema.schema_data, key, variants, name);
        }
        if v.not {
            return Shape::Ty(self.degrade(loc, "`not` cannot be expressed as a Rust type"));
        }
        let typ = v.typ.or_else(|| infer_type(&v));
        match typ {
            Some("string") => self.string(&v),
            Some("integer") => Shape::Ty(TypeRef::Primitive(match v.format.as_deref() {
                Some("int32") | Some("int16") | Some("int8") => Primitive::I32,
                Some("uint32") | Some("uint16") | Some("uint8") => Primitive::U32,
                Some("uint64") | Some("uint") => Primitive::U64,
                _ => Primitive::I64,
            })),
            Some("number") => Shape::Ty(TypeRef::Primitive(match v.format.as_deref() {
                Some("float") => Primitive::F32,
                _ => Primitive::F64,
            })),
            Some("boolean") => Shape::Ty(TypeRef::Primitive(Primitive::Bool)),
            Some("array") => {
                let item = match v.items {
                    Some(items) => self
                        .lower_schema(&loc.join("items"), items.into(), &format!("{name}Item"))
                        .folded(),
                    None => TypeRef::Any,
                };
                Shape::Ty(TypeRef::Array(Box::new(item)))
            }
            Some("object") => self.object(loc, &v, name),
            Some(other) => Shape::Ty(self.degrade(loc, format!("unknown type `{other}`"))),
            None => Shape::Ty(TypeRef::Any),
        }
    }

    fn string(&mut self, v: &View<'_>) -> Shape {
        // A value listed twice is one variant (`enum: [a, a]` is legal JSON Schema).
        let mut values: Vec<&str> = Vec::new();
        for value in v.enumeration.iter().filter_map(Value::as_str) {
            if !values.contains(&value) {
                values.push(value);
            }
        }
        if !values.is_empty() {
            let mut scope = Scope::with_reserved(["Unknown"]);
            let variants = values
                .iter()
                .map(|value| EnumVariant {
                    name: scope.claim(if value.is_empty() {
                        "Empty".to_owned()
                    } else {
                        naming::camel_ident(value)
                    }),
                    wire_value: (*value).to_owned(),
                    docs: Docs::default(),
                })
                .collect();
            return Shape::Def(TypeKind::Enum(StringEnum { variants }));
        }
        Shape::Ty(TypeRef::Primitive(match v.format.as_deref() {
            Some("date-time") => Primitive::DateTime,
            Some("date") => Primitive::Date,
            Some("uuid") => Primitive::Uuid,
            Some("byte") => Primitive::Base64,
            Some("binary") => Primitive::Binary,
            _ => Primitive::String,
        }))
    }

    fn object(&mut self, loc: &Loc, v: &View<'_>, name: &str) -> Shape {
        let additional = match v.additional {
            Some(AdditionalProperties::Schema(s)) => Some(
                self.lower_schema(
                    &loc.join("additionalProperties"),
                    s.as_ref().into(),
                    &format!("{name}Value"),
                )
                .folded(),
            ),
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Any),
            Some(AdditionalProperties::Any(false)) => None,
            None => None,
        };
        if v.properties.is_empty() {
            // An open object is a map, never an empty struct that drops every key.
            return Shape::Ty(TypeRef::Map(Box::new(additional.unwrap_or(TypeRef::Any))));
        }
        let mut scope = Scope::new();
        let fields = self.fields(loc, &v.properties, v.required, name, &mut scope);
        let additional = additional.map(|ty| Additional {
            name: scope.claim("additional_properties".to_owned()),
            ty,
        });
        Shape::Def(TypeKind::Struct(Struct { fields, additional }))
    }

    fn fields(
        &mut self,
        loc: &Loc,
        properties: &[(&String, &ReferenceOr<Box<Schema>>)],
        required: &[String],
        parent: &str,
        scope: &mut Scope,
    ) -> Vec<Field> {
        let mut fields = Vec::with_capacity(properties.len());
        for (wire, item) in properties {
            let ploc = loc.join("properties").join(wire);
            let hint = format!("{parent}{}", naming::camel_ident(wire));
            let lowered = self.lower_schema(&ploc, (*item).into(), &hint);
            let name = scope.claim(naming::snake_ident(wire));
            let (field_docs, data) = match item {
                ReferenceOr::Item(s) => (named_docs(&s.schema_data, &name), Some(&s.schema_data)),
                ReferenceOr::Reference { .. } => (Docs::default(), None),
            };
            let default = data
                .and_then(|d| d.default.as_ref())
                .and_then(|v| literal(&lowered.ty, v));
            fields.push(Field {
                name,
                wire_name: (*wire).clone(),
                ty: lowered.ty,
                required: required.iter().any(|r| r == *wire),
                nullable: lowered.nullable,
                docs: field_docs,
                default,
                read_only: data.is_some_and(|d| d.read_only),
                write_only: data.is_some_and(|d| d.write_only),
                boxed: false,
            });
        }
        fields
    }

    fn union(
        &mut self,
        loc: &Loc,
        data: &SchemaData,
        key: &str,
        variants: &[ReferenceOr<Schema>],
        name: &str,
    ) -> Shape {
        let uloc = loc.join(key);
        if variants.len() == 1 {
            let only = self.lower_schema(&uloc.join("0"), (&variants[0]).into(), name);
            return Shape::Ty(only.folded());
        }
        let tagged = data
            .discriminator
            .as_ref()
            .filter(|_| variants.iter().all(|v| self.is_object_like(&uloc, v)));
        let mut scope = Scope::with_reserved(["Unknown"]);
        let mut out = Vec::with_capacity(variants.len());
        for (i, variant) in variants.iter().enumerate() {
            let vloc = uloc.join(&i.to_string());
            let tag_values = match tagged {
                Some(d) => self.tag_values(&vloc, d, variant),
                None => Vec::new(),
            };
            let candidate = match (tag_values.first(), variant) {
                (Some(tag), _) => naming::camel_ident(tag),
                (None, ReferenceOr::Reference { reference }) => self
                    .r
                    .schema_ref(&vloc, reference)
                    .ok()
                    .and_then(|l| l.last_token())
                    .map(|t| naming::camel_ident(&t))
                    .unwrap_or_else(|| format!("Variant{i}")),
                (None, ReferenceOr::Item(s)) => variant_name(s, i),
            };
            let vname = scope.claim(candidate);
            let lowered = self.lower_schema(&vloc, variant.into(), &format!("{name}{vname}"));
            let vdocs = match variant {
                ReferenceOr::Item(s) => schema_docs(&s.schema_data),
                ReferenceOr::Reference { .. } => Docs::default(),
            };
            out.push(UnionVariant {
                name: vname,
                ty: lowered.folded(),
                tag_values,
                docs: vdocs,
                boxed: false,
            });
        }
        // A tag must select one variant. When the spec gives two variants the same tag (or
        // one without any), the tag cannot dispatch: decode by shape instead.
        let mut seen = std::collections::BTreeSet::new();
        let dispatchable = out.iter().all(|v| {
            !v.tag_values.is_empty() && v.tag_values.iter().all(|t| seen.insert(t.clone()))
        });
        let tagging = match tagged {
            Some(d) if dispatchable => Tagging::Tagged {
                property: d.property_name.clone(),
            },
            Some(d) => {
                self.diags.push(self.r.warning(
                    &loc.join("discriminator"),
                    format!(
                        "discriminator `{}` does not tell the variants apart (a value is shared or missing); decoding by shape instead",
                        d.property_name
                    ),
                ));
                for v in &mut out {
                    v.tag_values.clear();
                }
                Tagging::Untagged
            }
            None => Tagging::Untagged,
        };
        Shape::Def(TypeKind::Union(Union {
            tagging,
            variants: out,
        }))
    }

    /// Whether a union variant decodes from a JSON object (a discriminator needs one).
    fn is_object_like(&self, at: &Loc, variant: &ReferenceOr<Schema>) -> bool {
        let schema = match variant {
            ReferenceOr::Item(s) => std::rc::Rc::new(s.clone()),
            ReferenceOr::Reference { reference } => {
                match self
                    .r
                    .schema_ref(at, reference)
                    .and_then(|l| self.r.schema_at(&l))
                {
                    Ok(s) => s,
                    Err(_) => return false,
                }
            }
        };
        let v = view(&schema.schema_kind);
        matches!(v.typ, Some("object") | None)
            && (v.typ.is_some() || !v.properties.is_empty() || !v.all_of.is_empty())
    }

    /// The discriminator values that select `variant`: from the mapping, else the component
    /// name (OAS 3.0 §4.7.25), else a one-value enum on the tag property.
    fn tag_values(
        &self,
        at: &Loc,
        d: &openapiv3::Discriminator,
        variant: &ReferenceOr<Schema>,
    ) -> Vec<String> {
        if let ReferenceOr::Reference { reference } = variant {
            let target = self.r.schema_ref(at, reference).ok();
            let mut values: Vec<String> = d
                .mapping
                .iter()
                .filter(|(_, r)| {
                    let mapped = if r.contains('#') || r.contains('/') || r.contains('.') {
                        self.r.schema_ref(&Loc::root(""), r).ok()
                    } else {
                        Some(Loc::root("/components/schemas").join(r))
                    };
                    mapped.is_some() && mapped == target
                })
                .map(|(value, _)| value.clone())
                .collect();
            if values.is_empty() {
                if let Some(t) = target.as_ref() {
                    if let Some(tag) = self.const_tag(t, &d.property_name) {
                        values.push(tag);
                    } else if let Some(last) = t.last_token() {
                        values.push(last);
                    }
                }
            }
            return values;
        }
        if let ReferenceOr::Item(s) = variant {
            if let Some(tag) = const_property(s, &d.property_name) {
                return vec![tag];
            }
        }
        Vec::new()
    }

    fn const_tag(&self, loc: &Loc, property: &str) -> Option<String> {
        let schema = self.r.schema_at(loc).ok()?;
        const_property(&schema, property)
    }

    /// `allOf`: a single reference stays a reference; otherwise the object parts merge into
    /// one struct.
    fn all_of(&mut self, loc: &Loc, schema: &Schema, v: &View<'_>, name: &str) -> Shape {
        let aloc = loc.join("allOf");
        if v.all_of.len() == 1 && v.properties.is_empty() {
            let only = self.lower_schema(&aloc.join("0"), (&v.all_of[0]).into(), name);
            return Shape::Ty(only.ty);
        }
        // Collect every object part, following references and nested allOf.
        let mut parts: Vec<(Loc, std::rc::Rc<Schema>)> = Vec::new();
        for (i, part) in v.all_of.iter().enumerate() {
            let ploc = aloc.join(&i.to_string());
            if !self.collect_parts(&ploc, part, &mut parts, 0) {
                return Shape::Ty(
                    self.degrade(&ploc, "allOf part is not an object and cannot be merged"),
                );
            }
        }
        let mut fields: Vec<Field> = Vec::new();
        let mut additional = None;
        let mut scope = Scope::new();
        let own: Vec<(Loc, std::rc::Rc<Schema>)> = vec![(
            loc.clone(),
            std::rc::Rc::new(Schema {
                schema_data: schema.schema_data.clone(),
                schema_kind: SchemaKind::Any(AnySchema {
                    properties: v
                        .properties
                        .iter()
                        .map(|(k, s)| ((*k).clone(), (*s).clone()))
                        .collect(),
                    required: v.required.to_vec(),
                    additional_properties: v.additional.cloned(),
                    ..AnySchema::default()
                }),
            }),
        )];
        for (ploc, part) in parts.iter().chain(own.iter()) {
            let pv = view(&part.schema_kind);
            let required: Vec<String> = pv.required.to_vec();
            // A later part may only add `required` for a property an earlier part defined.
            for r in &required {
                if let Some(f) = fields.iter_mut().find(|f| &f.wire_name == r) {
                    f.required = true;
                }
            }
            let new_props: Vec<_> = pv
                .properties
                .iter()
                .filter(|(k, _)| !fields.iter().any(|f| &f.wire_name == *k))
                .copied()
                .collect();
            // A later part may refine a property an earlier part left loose (a generic `Page`
            // with `data: array` of anything, refined to an array of `Agent`): the tighter
            // type wins, in the place the property first appeared.
            let refined: Vec<_> = pv
                .properties
                .iter()
                .filter(|(k, _)| fields.iter().any(|f| &f.wire_name == *k && is_loose(&f.ty)))
                .copied()
                .collect();
            let mut scratch = Scope::new();
            for tighter in self.fields(ploc, &refined, &required, name, &mut scratch) {
                if let Some(f) = fields.iter_mut().find(|f| f.wire_name == tighter.wire_name) {
                    if !is_loose(&tighter.ty) {
                        f.ty = tighter.ty;
                        f.nullable = f.nullable && tighter.nullable;
                    }
                }
            }
            let mut new_fields = self.fields(ploc, &new_props, &required, name, &mut scope);
            fields.append(&mut new_fields);
            match pv.additional {
                Some(AdditionalProperties::Schema(s)) => {
                    additional = Some(
                        self.lower_schema(
                            &ploc.join("additionalProperties"),
                            s.as_ref().into(),
                            &format!("{name}Value"),
                        )
                        .folded(),
                    );
                }
                Some(AdditionalProperties::Any(true)) => {
                    additional = additional.or(Some(TypeRef::Any))
                }
                _ => {}
            }
        }
        if fields.is_empty() {
            return Shape::Ty(TypeRef::Map(Box::new(additional.unwrap_or(TypeRef::Any))));
        }
        let additional = additional.map(|ty| Additional {
            name: scope.claim("additional_properties".to_owned()),
            ty,
        });
        Shape::Def(TypeKind::Struct(Struct { fields, additional }))
    }

    /// Flattens an `allOf` part into object schemas. False when a part is not an object.
    fn collect_parts(
        &mut self,
        at: &Loc,
        part: &ReferenceOr<Schema>,
        out: &mut Vec<(Loc, std::rc::Rc<Schema>)>,
        depth: usize,
    ) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let (loc, schema) = match part {
            ReferenceOr::Item(s) => (at.clone(), std::rc::Rc::new(s.clone())),
            ReferenceOr::Reference { reference } => {
                match self.r.schema_ref(at, reference).and_then(|l| {
                    let s = self.r.schema_at(&l)?;
                    Ok((l, s))
                }) {
                    Ok(found) => found,
                    Err(d) => {
                        self.diags.push(d);
                        return true;
                    }
                }
            }
        };
        let v = view(&schema.schema_kind);
        if !v.all_of.is_empty() {
            let nested: Vec<ReferenceOr<Schema>> = v.all_of.to_vec();
            for (i, p) in nested.iter().enumerate() {
                if !self.collect_parts(&loc.join("allOf").join(&i.to_string()), p, out, depth + 1) {
                    return false;
                }
            }
            if !v.properties.is_empty() {
                out.push((loc, schema.clone()));
            }
            return true;
        }
        if !v.one_of.is_empty() || !v.any_of.is_empty() || v.not {
            return false;
        }
        match v.typ.or_else(|| infer_type(&v)) {
            Some("object") | None => {
                out.push((loc, schema.clone()));
                true
            }
            Some(_) => false,
        }
    }
}

/// Whether an inline schema needs a named type of its own.
fn needs_definition(schema: &Schema) -> bool {
    let v = view(&schema.schema_kind);
    if !v.all_of.is_empty() {
        return v.all_of.len() > 1 || !v.properties.is_empty();
    }
    if !v.one_of.is_empty() {
        return v.one_of.len() > 1;
    }
    if !v.any_of.is_empty() {
        return v.any_of.len() > 1;
    }
    if v.not {
        return false;
    }
    match v.typ.or_else(|| infer_type(&v)) {
        Some("string") => v.enumeration.iter().any(Value::is_string),
        Some("object") => !v.properties.is_empty(),
        _ => false,
    }
}

/// The JSON type a schema without `type` constrains its values to, judged by its keywords.
fn infer_type(v: &View<'_>) -> Option<&'static str> {
    if !v.properties.is_empty() || v.additional.is_some() {
        Some("object")
    } else if v.items.is_some() {
        Some("array")
    } else if !v.enumeration.is_empty()
        && v.enumeration.iter().all(|e| e.is_string() || e.is_null())
    {
        Some("string")
    } else if v.format.is_some() {
        match v.format.as_deref() {
            Some("int32" | "int64") => Some("integer"),
            Some("float" | "double") => Some("number"),
            _ => Some("string"),
        }
    } else {
        None
    }
}

/// A variant name for an inline union member: its title, else its JSON type.
fn variant_name(schema: &Schema, index: usize) -> String {
    if let Some(title) = schema
        .schema_data
        .title
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        return naming::camel_ident(title);
    }
    let v = view(&schema.schema_kind);
    match v.typ.or_else(|| infer_type(&v)) {
        Some("string") => "String".into(),
        Some("integer") => "Integer".into(),
        Some("number") => "Number".into(),
        Some("boolean") => "Boolean".into(),
        Some("array") => "Array".into(),
        Some("object") => "Object".into(),
        _ => format!("Variant{index}"),
    }
}

/// The single value a schema's `property` may take (`enum: [x]`, from 3.1 `const`).
fn const_property(schema: &Schema, property: &str) -> Option<String> {
    let v = view(&schema.schema_kind);
    let (_, prop) = v.properties.iter().find(|(k, _)| k.as_str() == property)?;
    let ReferenceOr::Item(p) = prop else {
        return None;
    };
    let pv = view(&p.schema_kind);
    match pv.enumeration.as_slice() {
        [Value::String(s)] => Some(s.clone()),
        _ => None,
    }
}

fn schema_docs(data: &SchemaData) -> Docs {
    docs(
        data.title.as_deref(),
        data.description.as_deref(),
        data.deprecated,
    )
}

/// Docs for something named `ident`, without a title that only repeats that name (FastAPI
/// documents title every property: `agent_id` gets "Agent Id").
fn named_docs(data: &SchemaData, ident: &str) -> Docs {
    let ident = naming::unraw(ident);
    let title = data.title.as_deref().filter(|t| {
        naming::camel_ident(t) != ident && naming::unraw(&naming::snake_ident(t)) != ident
    });
    docs(title, data.description.as_deref(), data.deprecated)
}

/// A `default` the emitter can write as a Rust literal for a field of type `ty`.
fn literal(ty: &TypeRef, value: &Value) -> Option<Literal> {
    match (ty, value) {
        (TypeRef::Primitive(Primitive::Bool), Value::Bool(b)) => Some(Literal::Bool(*b)),
        (
            TypeRef::Primitive(Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64),
            Value::Number(n),
        ) => n.as_i64().map(Literal::Int),
        (TypeRef::Primitive(Primitive::F32 | Primitive::F64), Value::Number(n)) => {
            n.as_f64().map(Literal::Float)
        }
        (TypeRef::Primitive(Primitive::String), Value::String(s)) => {
            Some(Literal::String(s.clone()))
        }
        // Resolved to a variant once every enum is defined (finish.rs).
        (TypeRef::Named(_), Value::String(s)) => Some(Literal::String(s.clone())),
        _ => None,
    }
}

/// A type that says nothing about its values (any JSON, or a list or map of any).
fn is_loose(t: &TypeRef) -> bool {
    match t {
        TypeRef::Any => true,
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => is_loose(inner),
        _ => false,
    }
}
