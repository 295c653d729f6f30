//! The intermediate model: what the generator knows about an API once every reference is
//! resolved, every name decided and every unsupported construct either rejected with a located
//! error or recorded as a degradation.
//!
//! Input: built by [`lower`] from the resolved document. Output: read by the emitters in
//! `crate::emit`, which see nothing else.
//!
//! Invariants:
//! - Plain data. Nothing here knows about `openapiv3` or token streams; where a fact came from
//!   is kept as text ([`TypeDef::origin`], [`Operation::source`]) only to report it.
//! - Every Rust identifier is already decided (see `crate::naming`); emitters never re-case.
//! - Deterministic order: types are sorted by name, operations keep document order, fields keep
//!   schema order, so the same document always yields the same model.
//! - A [`TypeRef::Named`] always points at an existing entry of [`Api::types`].
//!
//! Tests: `lower`'s unit tests build small documents and assert on this model; the golden tests
//! in `generator/tests/golden.rs` check what the emitters print from it.

pub mod features;
pub mod lower;
pub mod select;

/// One API: everything one generated crate is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
    /// Named types, sorted by Rust name. [`TypeId`] indexes this vector.
    pub types: Vec<TypeDef>,
    /// Operations in document order (paths in order, then methods in the order
    /// get, put, post, delete, options, head, patch, trace).
    pub operations: Vec<Operation>,
    pub security_schemes: Vec<SecurityScheme>,
    /// Places where the generator fell back to untyped JSON, with the reason.
    pub untyped: Vec<Degradation>,
    /// One cargo feature per tag, in order of first use, when operations use two tags or more
    /// (set by [`features::gate_by_tag`]); empty otherwise.
    pub tag_features: Vec<TagFeature>,
}

/// A cargo feature of the generated crate that compiles one tag's operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagFeature {
    /// The tag as the spec writes it.
    pub tag: String,
    /// The feature's name: `tag-` and the tag in kebab case (`tag-api-keys`).
    pub feature: String,
}

impl TypeRef {
    /// The type without an outer `Nullable`.
    pub fn non_null(&self) -> &TypeRef {
        match self {
            TypeRef::Nullable(inner) => inner,
            other => other,
        }
    }
}

impl Api {
    pub fn type_def(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// Whether some types compile with the `unused-types` feature: those no operation reaches,
    /// when there are tag features (set by [`features::gate_by_tag`]).
    pub fn has_unused_types_feature(&self) -> bool {
        self.types
            .iter()
            .any(|t| t.features.iter().any(|f| f == features::UNUSED_TYPES))
    }

    /// The tags operations use, each once, in order of first use.
    pub fn tags(&self) -> Vec<&str> {
        let mut tags: Vec<&str> = Vec::new();
        for tag in self.operations.iter().flat_map(|op| &op.tags) {
            if !tags.contains(&tag.as_str()) {
                tags.push(tag);
            }
        }
        tags
    }

    /// Applies `f` to every [`TypeId`] stored anywhere in the model, to renumber types.
    pub fn for_each_type_id_mut(&mut self, f: &mut dyn FnMut(&mut TypeId)) {
        for t in &mut self.types {
            t.for_each_type_id_mut(f);
        }
        for op in &mut self.operations {
            op.for_each_type_id_mut(f);
        }
    }

    /// Whether a value of type `t` can hold a string enum (see [`TypeDef::holds_enum`]).
    pub fn holds_enum(&self, t: &TypeRef) -> bool {
        match t {
            TypeRef::Named(id) => self.type_def(*id).holds_enum,
            TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => self.holds_enum(i),
            TypeRef::Primitive(_) | TypeRef::Any => false,
        }
    }
}

impl TypeRef {
    /// Calls `f` with every [`TypeId`] this reference names, however deeply nested.
    pub fn for_each_type_id(&self, f: &mut dyn FnMut(TypeId)) {
        match self {
            TypeRef::Named(id) => f(*id),
            TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => i.for_each_type_id(f),
            TypeRef::Primitive(_) | TypeRef::Any => {}
        }
    }

    /// [`TypeRef::for_each_type_id`], for renumbering.
    pub fn for_each_type_id_mut(&mut self, f: &mut dyn FnMut(&mut TypeId)) {
        match self {
            TypeRef::Named(id) => f(id),
            TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => i.for_each_type_id_mut(f),
            TypeRef::Primitive(_) | TypeRef::Any => {}
        }
    }
}

impl TypeKind {
    /// Calls `f` with every [`TypeId`] the kind refers to: field, variant, alias and
    /// newtype targets, map values and array items, and enum defaults of fields.
    pub fn for_each_type_id(&self, f: &mut dyn FnMut(TypeId)) {
        match self {
            TypeKind::Struct(s) => {
                for field in &s.fields {
                    field.ty.for_each_type_id(f);
                    if let Some(Literal::EnumVariant { ty, .. }) = &field.default {
                        f(*ty);
                    }
                }
                if let Some(a) = &s.additional {
                    a.ty.for_each_type_id(f);
                }
            }
            TypeKind::Union(u) => u.variants.iter().for_each(|v| v.ty.for_each_type_id(f)),
            TypeKind::Alias(r) | TypeKind::Newtype(r) => r.for_each_type_id(f),
            TypeKind::Enum(_) => {}
        }
    }

    /// [`TypeKind::for_each_type_id`], for renumbering.
    pub fn for_each_type_id_mut(&mut self, f: &mut dyn FnMut(&mut TypeId)) {
        match self {
            TypeKind::Struct(s) => {
                for field in &mut s.fields {
                    field.ty.for_each_type_id_mut(f);
                    if let Some(Literal::EnumVariant { ty, .. }) = &mut field.default {
                        f(ty);
                    }
                }
                if let Some(a) = &mut s.additional {
                    a.ty.for_each_type_id_mut(f);
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    v.ty.for_each_type_id_mut(f);
                }
            }
            TypeKind::Alias(r) | TypeKind::Newtype(r) => r.for_each_type_id_mut(f),
            TypeKind::Enum(_) => {}
        }
    }
}

impl TypeDef {
    /// [`TypeKind::for_each_type_id`] of its kind.
    pub fn for_each_type_id(&self, f: &mut dyn FnMut(TypeId)) {
        self.kind.for_each_type_id(f);
    }

    /// [`TypeKind::for_each_type_id_mut`] of its kind.
    pub fn for_each_type_id_mut(&mut self, f: &mut dyn FnMut(&mut TypeId)) {
        self.kind.for_each_type_id_mut(f);
    }
}

impl Operation {
    /// The request body's JSON contents (a body may offer several media types).
    pub fn json_bodies(&self) -> impl Iterator<Item = &BodyContent> {
        self.body
            .iter()
            .flat_map(|b| &b.contents)
            .filter(|c| c.kind == MediaKind::Json)
    }

    /// Calls `f` with every [`TypeId`] the operation refers to: parameters, request bodies,
    /// response bodies and headers, the event stream and the paginated item.
    pub fn for_each_type_id(&self, f: &mut dyn FnMut(TypeId)) {
        self.params.iter().for_each(|p| p.ty.for_each_type_id(f));
        if let Some(b) = &self.body {
            b.contents.iter().for_each(|c| c.ty.for_each_type_id(f));
        }
        for r in &self.responses {
            if let Some(b) = &r.body {
                b.ty.for_each_type_id(f);
            }
            r.headers.iter().for_each(|h| h.ty.for_each_type_id(f));
        }
        if let Some(s) = &self.stream {
            s.event.for_each_type_id(f);
        }
        if let Some(p) = &self.pagination {
            p.item.for_each_type_id(f);
        }
    }

    /// [`Operation::for_each_type_id`], for renumbering.
    pub fn for_each_type_id_mut(&mut self, f: &mut dyn FnMut(&mut TypeId)) {
        for p in &mut self.params {
            p.ty.for_each_type_id_mut(f);
        }
        if let Some(b) = &mut self.body {
            for c in &mut b.contents {
                c.ty.for_each_type_id_mut(f);
            }
        }
        for r in &mut self.responses {
            if let Some(b) = &mut r.body {
                b.ty.for_each_type_id_mut(f);
            }
            for h in &mut r.headers {
                h.ty.for_each_type_id_mut(f);
            }
        }
        if let Some(s) = &mut self.stream {
            s.event.for_each_type_id_mut(f);
        }
        if let Some(p) = &mut self.pagination {
            p.item.for_each_type_id_mut(f);
        }
    }
}

/// Index of a named type in [`Api::types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// Documentation carried from the spec into doc comments.
#[derive(Clone, Debug, Default, PartialEq, Hash)]
pub struct Docs {
    /// `title`, `summary` or the first part of the documentation.
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
}

impl Docs {
    pub fn is_empty(&self) -> bool {
        self.summary.is_none() && self.description.is_none()
    }
}

/// A named Rust type to emit.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// The Rust name (UpperCamelCase, unique in the crate).
    pub name: String,
    /// Where it came from, for doc comments: `#/components/schemas/Run` or an inline context.
    pub origin: String,
    pub docs: Docs,
    pub kind: TypeKind,
    /// Set by the finish pass: a value of this type can hold a string enum, directly or
    /// nested, so a server must check it for values the spec does not list.
    pub holds_enum: bool,
    /// The cargo features any of which compiles this type (see [`features`]); empty: always.
    pub features: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum; always keeps an `Unknown(String)` variant for forward compatibility.
    Enum(StringEnum),
    /// `oneOf` / `anyOf`.
    Union(Union),
    /// A named alias for another type: `pub type Name = Target;`.
    Alias(TypeRef),
    /// A transparent wrapper, `pub struct Name(pub Target);`: used instead of an alias when the
    /// alias would be recursive (`Tree = Vec<Tree>`), which Rust does not allow.
    Newtype(TypeRef),
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// `additionalProperties` beside known properties: a flattened map of the rest.
    pub additional: Option<Additional>,
}

/// The flattened map that keeps undeclared properties.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Additional {
    /// Field name, unique among the struct's fields (`additional_properties`).
    pub name: String,
    pub ty: TypeRef,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Field {
    /// Rust identifier, snake_case, keywords already escaped (`r#type`).
    pub name: String,
    /// Property name on the wire.
    pub wire_name: String,
    pub ty: TypeRef,
    pub required: bool,
    /// The schema allows `null`.
    pub nullable: bool,
    pub docs: Docs,
    /// A `default` the emitter can express as a Rust literal; the field is then not optional.
    pub default: Option<Literal>,
    pub read_only: bool,
    pub write_only: bool,
    /// Set by the cycle pass: this field must be boxed to give the type a finite size.
    pub boxed: bool,
}

/// How a field is represented in Rust, derived from `required`, `nullable` and `default`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// `T`, always present on the wire.
    Required,
    /// `T` with a default used when the property is absent.
    Defaulted,
    /// `Option<T>` that is always written, as `null` when `None` (required + nullable).
    RequiredNullable,
    /// `Option<T>`: absent when `None`.
    Optional,
    /// `Option<Option<T>>`: absent, null or a value.
    OptionalNullable,
}

impl Field {
    pub fn presence(&self) -> Presence {
        match (self.required, self.nullable, self.default.is_some()) {
            (true, false, _) => Presence::Required,
            (true, true, _) => Presence::RequiredNullable,
            (false, false, true) => Presence::Defaulted,
            (false, false, false) => Presence::Optional,
            (false, true, _) => Presence::OptionalNullable,
        }
    }
}

/// A literal value from the spec (`default`, `enum`).
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    /// A string enum value: the variant of the named enum to use.
    EnumVariant {
        ty: TypeId,
        variant: String,
    },
}

/// By value, consistent with `PartialEq`; a float by its bits.
impl std::hash::Hash for Literal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Literal::Bool(b) => b.hash(state),
            Literal::Int(i) => i.hash(state),
            // `0.0 == -0.0`, so they must hash alike.
            Literal::Float(f) => (if *f == 0.0 { 0 } else { f.to_bits() }).hash(state),
            Literal::String(s) => s.hash(state),
            Literal::EnumVariant { ty, variant } => {
                ty.hash(state);
                variant.hash(state);
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct StringEnum {
    pub variants: Vec<EnumVariant>,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct EnumVariant {
    /// Rust variant name (UpperCamelCase).
    pub name: String,
    pub wire_value: String,
    pub docs: Docs,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Union {
    pub tagging: Tagging,
    pub variants: Vec<UnionVariant>,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Tagging {
    /// A discriminator property: the tag is read first, then the body is decoded as the
    /// variant it names. Unknown tags are kept as `Unknown(serde_json::Value)`.
    Tagged { property: String },
    /// No discriminator: the first variant whose schema accepts the value wins.
    Untagged,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct UnionVariant {
    pub name: String,
    pub ty: TypeRef,
    /// Discriminator values that select this variant (tagged unions only).
    pub tag_values: Vec<String>,
    pub docs: Docs,
    /// Set by the cycle pass.
    pub boxed: bool,
}

/// A reference to a type, as written in a field, parameter or body.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum TypeRef {
    Named(TypeId),
    Primitive(Primitive),
    Array(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// `Option<T>` where `null` is allowed but the position is not a struct field (array items,
    /// map values, union variants, parameters).
    Nullable(Box<TypeRef>),
    /// Any JSON value (`serde_json::Value`): a schema with no type constraints, or a degradation
    /// recorded in [`Api::untyped`].
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Primitive {
    String,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    /// `format: date-time`: `chrono::DateTime<chrono::Utc>`.
    DateTime,
    /// `format: date`: `chrono::NaiveDate`.
    Date,
    /// `format: uuid`.
    Uuid,
    /// `format: byte`: base64 text on the wire, bytes in Rust.
    Base64,
    /// `format: binary`: raw bytes (file parts, octet-stream bodies).
    Binary,
}

/// A place in the spec: the file as the user named it and an RFC 6901 pointer into it. Kept so
/// that facts found after lowering (an operation the router cannot serve) can be reported where
/// the user would fix them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceLoc {
    pub file: String,
    pub pointer: String,
}

/// A fallback to untyped JSON, counted and reported on every run.
#[derive(Clone, Debug, PartialEq)]
pub struct Degradation {
    /// `file#/json/pointer` of the schema.
    pub location: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    /// URL template, `{var}` placeholders intact.
    pub url: String,
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServerVariable {
    pub name: String,
    pub default: String,
    pub allowed: Vec<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecurityScheme {
    /// The key in `components.securitySchemes`.
    pub key: String,
    /// snake_case identifier derived from the key (`api_key`).
    pub ident: String,
    pub description: Option<String>,
    pub kind: SecurityKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SecurityKind {
    ApiKey {
        location: ParamLocation,
        name: String,
    },
    Bearer {
        format: Option<String>,
    },
    Basic,
    /// OAuth2 and OpenID Connect: a bearer token obtained elsewhere.
    OAuth2,
}

/// One alternative of an operation's security: every scheme listed must be applied.
/// An empty requirement means the operation may be called without credentials.
#[derive(Clone, Debug, PartialEq)]
pub struct SecurityRequirement {
    /// Indexes into [`Api::security_schemes`].
    pub schemes: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Safe to repeat: retries are only automatic for these.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    /// The spec's `operationId`, or one derived from method and path.
    pub operation_id: String,
    /// Where the operation is written (`#/paths/~1runs/post`), for warnings about it.
    pub source: SourceLoc,
    /// Rust method name (snake_case).
    pub fn_name: String,
    /// UpperCamelCase stem for the operation's own types (`CreateRun` → `CreateRunOk`).
    pub type_stem: String,
    pub method: Method,
    /// Path template as in the spec: `/sessions/{session_id}/runs`.
    pub path: String,
    pub docs: Docs,
    pub tags: Vec<String>,
    /// Path, query, header and cookie parameters, path-level ones merged in.
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    /// Documented responses in order of status (ranges after codes, `default` last).
    pub responses: Vec<Response>,
    /// Empty: no authentication. Otherwise alternatives, first match wins.
    pub security: Vec<SecurityRequirement>,
    /// Name of the `Ok` enum (documented successes).
    pub ok_type: String,
    /// Name of the error enum (documented error statuses).
    pub error_type: String,
    /// Name of the server's request struct (every parameter and the body, decoded).
    pub request_type: String,
    /// Name of the client's request builder.
    pub builder_type: String,
    /// Set when the operation answers with `text/event-stream`.
    pub stream: Option<EventStream>,
    /// Set when the operation is a cursor-paginated list (see `lower/finish.rs`).
    pub pagination: Option<Pagination>,
    /// The cargo features any of which compiles this operation (see [`features`]); empty:
    /// always.
    pub features: Vec<String>,
}

/// A list operation whose pages link by cursor: the client can stream every item.
#[derive(Clone, Debug, PartialEq)]
pub struct Pagination {
    /// Index into [`Operation::params`] of the query parameter that takes the cursor.
    pub cursor_param: usize,
    /// The `Ok` variant that carries a page.
    pub variant: String,
    /// Field of the page struct holding the items, and the item type.
    pub items_field: String,
    pub item: TypeRef,
    pub items_optional: bool,
    /// Field of the page struct holding the next cursor.
    pub next_field: String,
    /// Whether that field is an `Option<String>` (absent or null on the last page).
    pub next_optional: bool,
}

impl Operation {
    /// Whether repeating the request is safe: an idempotent method, or an operation that takes
    /// an `Idempotency-Key` header (the server deduplicates by it).
    pub fn retry_safe(&self) -> bool {
        self.method.is_idempotent()
            || self.params.iter().any(|p| {
                p.location == ParamLocation::Header
                    && p.wire_name.eq_ignore_ascii_case("idempotency-key")
            })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamStyle {
    Simple,
    Form,
    Label,
    Matrix,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub wire_name: String,
    /// Rust identifier (snake_case, escaped, unique within the operation).
    pub ident: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    pub style: ParamStyle,
    pub explode: bool,
    pub docs: Docs,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    pub docs: Docs,
    /// One entry per media type, in document order; the first is the default.
    pub contents: Vec<BodyContent>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BodyContent {
    /// The media type as written (`application/json; charset=utf-8`).
    pub media_type: String,
    pub kind: MediaKind,
    pub ty: TypeRef,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `application/json` and every `+json` type (`application/problem+json`).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// `text/event-stream`.
    EventStream,
    /// `text/plain` and other `text/*`.
    Text,
    /// Anything else: bytes as they are.
    Binary,
}

impl MediaKind {
    /// Classifies a media type by its essence, ignoring parameters and case.
    pub fn classify(media_type: &str) -> MediaKind {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" | "text/json" | "*/*" => MediaKind::Json,
            "application/x-www-form-urlencoded" => MediaKind::Form,
            "multipart/form-data" | "multipart/mixed" => MediaKind::Multipart,
            "text/event-stream" => MediaKind::EventStream,
            e if e.ends_with("+json") || e.ends_with("/json") => MediaKind::Json,
            e if e.starts_with("text/") => MediaKind::Text,
            _ => MediaKind::Binary,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StatusSpec {
    Code(u16),
    /// `2XX`: the first digit.
    Range(u8),
    Default,
}

impl StatusSpec {
    /// Success statuses go to the `Ok` enum, the rest to the error enum. A documented redirect
    /// (3xx) is an outcome the caller asked for (the client does not follow redirects), so it
    /// is a success too. `default` counts as an error: it describes what the spec did not
    /// enumerate.
    pub fn is_success(&self) -> bool {
        match self {
            StatusSpec::Code(c) => (100..400).contains(c),
            StatusSpec::Range(r) => (1..=3).contains(r),
            StatusSpec::Default => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: StatusSpec,
    /// Variant name in the Ok or error enum (`Created`, `NotFound`, `Status418`, `Default`).
    pub variant: String,
    pub docs: Docs,
    /// `None` for responses without content (204).
    pub body: Option<ResponseBody>,
    pub headers: Vec<ResponseHeader>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResponseBody {
    pub media_type: String,
    pub kind: MediaKind,
    pub ty: TypeRef,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResponseHeader {
    pub wire_name: String,
    pub ident: String,
    pub required: bool,
    pub ty: TypeRef,
    pub docs: Docs,
}

/// An operation whose success response is a Server-Sent Events stream.
#[derive(Clone, Debug, PartialEq)]
pub struct EventStream {
    /// The schema of each event's `data`.
    pub event: TypeRef,
    /// How a client resumes after a cut.
    pub resume: Resume,
    /// Set when the event schema describes the whole SSE frame (`{id, event, data}`) rather
    /// than only its `data` (see `lower/finish.rs`).
    pub envelope: Option<Envelope>,
}

/// Property names (on the wire) of an event schema that describes the whole SSE frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    pub id: Option<String>,
    pub event: Option<String>,
    pub retry: Option<String>,
    pub data: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Resume {
    /// The `Last-Event-ID` header (the WHATWG default).
    LastEventIdHeader,
    /// A parameter of the operation (index into [`Operation::params`]) that carries the last id.
    Param(usize),
}
