//! Normalisation: OpenAPI 3.1 (and sloppy 3.0) → the OpenAPI 3.0 shape `openapiv3` 2.2 reads.
//!
//! Input: the [`Sources`] from `load`. Output: the same values rewritten in place, plus warnings
//! for everything dropped that could change the generated code. Progenitor rejects 3.1 outright
//! (progenitor #762, #1268); doing the translation once here lets every later stage read one shape.
//!
//! The walk is structural (root → paths → operations → parameters / bodies / responses /
//! callbacks → media types → schemas; components by kind), because keywords mean different things
//! in different places: `examples` is a map of Example Objects on a media type but an array of
//! values in a 3.1 schema. A `$ref` found in a typed position is followed, into other files too,
//! and its target normalised as that kind; `(file, pointer, kind)` is visited once, so cycles end.
//! A reference that can't be followed is left alone: the resolver reports it.
//!
//! Schema rules (JSON Schema 2020-12 → OAS 3.0 schema):
//! - `type: [T, "null"]` → `type: T, nullable: true`; several types → `anyOf`, one branch per
//!   type carrying only the keywords of that type; `type: "null"` → `nullable: true, enum: [null]`.
//! - `oneOf`/`anyOf` null branches → `nullable: true`; a single `$ref` left becomes
//!   `allOf: [{$ref}]`, a single inline branch is merged into the parent.
//! - `const: v` → `enum: [v]`; `examples: [a, …]` → `example: a`; numeric `exclusiveMinimum: n`
//!   → `minimum: n, exclusiveMinimum: true` (same for maximum).
//! - `$ref` with siblings → `allOf: [{$ref}]` + the siblings (OAS 3.1 §4.8.24 lets them apply).
//! - `contentEncoding: base64` → `format: byte`; a non-text `contentMediaType` → `format: binary`.
//! - `true` → `{}`, `false` → `{"not": {}}`.
//! - Keywords 3.0 can't express (`prefixItems`, `if`, `contains`, …) are dropped with a warning;
//!   `patternProperties` alone becomes `additionalProperties` (pattern not enforced, warned).
//!
//! Invariants:
//! - Idempotent: normalising twice gives the same value and no new warnings.
//! - Nothing that changes generated code disappears silently: each drop is a located warning.
//! - Never panics; recursion is bounded by [`crate::load::MAX_DEPTH`].
//! - `$ref` strings are never rewritten, so they still resolve relative to their own file.
//!
//! Tests: table-driven unit tests at the bottom of this file (`check(input, expected)`), and the
//! corpus run in `generator/tests/load.rs`.

use std::collections::{HashSet, VecDeque};

use serde_json::{Map, Value, json};

use crate::diag::{Diagnostics, pointer_push};
use crate::load::{FileId, MAX_DEPTH, Sources, SpecVersion};

/// What a value at some location is, which decides how it is normalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Schema,
    PathItem,
    Parameter,
    Header,
    RequestBody,
    Response,
    Callback,
    /// Example, Link and Security Scheme objects: only `$ref` siblings are cleaned.
    Other,
}

/// Rewrites every file of `sources` reachable from the root into the OpenAPI 3.0 shape.
/// For a 3.1 document the root's `openapi` becomes `3.0.3`; `sources.version` keeps `V3_1`.
pub fn normalize(sources: &mut Sources, diags: &mut Diagnostics) {
    if sources.files.is_empty() {
        return;
    }
    let mut n = Normalizer {
        diags,
        file: FileId::ROOT,
        display: String::new(),
        pending: Vec::new(),
        visited: HashSet::new(),
        too_deep_reported: false,
    };
    n.with_file(sources, FileId::ROOT, "", |n, root| n.document(root));

    // Follow references found in typed positions until nothing new turns up. Each
    // (file, pointer, kind) is processed once, so the loop ends on cyclic documents.
    let mut queue: VecDeque<(FileId, String, Kind)> = VecDeque::new();
    loop {
        for (from, reference, kind) in std::mem::take(&mut n.pending) {
            let Ok((file, pointer)) = sources.locate(from, &reference) else {
                continue;
            };
            if !(pointer.is_empty() || pointer.starts_with('/')) {
                continue;
            }
            if n.visited.insert((file, pointer.clone(), kind)) {
                queue.push_back((file, pointer, kind));
            }
        }
        let Some((file, pointer, kind)) = queue.pop_front() else {
            break;
        };
        n.with_file(sources, file, &pointer, |n, value| {
            n.kind(value, &pointer, kind)
        });
    }

    if sources.version == SpecVersion::V3_1 {
        if let Some(root) = sources.files[0].value.as_object_mut() {
            root.insert("openapi".into(), Value::String("3.0.3".into()));
        }
    }
}

struct Normalizer<'d> {
    diags: &'d mut Diagnostics,
    /// The file being walked, for diagnostics and for resolving the `$ref`s found in it.
    file: FileId,
    display: String,
    /// `$ref`s found in typed positions: (file they appear in, reference, kind of the target).
    pending: Vec<(FileId, String, Kind)>,
    visited: HashSet<(FileId, String, Kind)>,
    too_deep_reported: bool,
}

/// Annotation keywords: they never change the shape of the data, so a merge may drop the
/// branch's copy when the parent has its own, and they may sit beside a `null` branch.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
];

/// JSON Schema keywords with no OpenAPI 3.0 equivalent that change what a value may be.
const UNSUPPORTED: &[&str] = &[
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "propertyNames",
    "contains",
    "minContains",
    "maxContains",
];

/// Keywords that identify or annotate a schema for JSON Schema tooling only.
const SILENT_DROPS: &[&str] = &[
    "$id",
    "$schema",
    "$anchor",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
];

/// Keywords that apply to one JSON type, for splitting `type: [a, b]` into `anyOf` branches.
/// `format` and `enum` are handled apart because they apply to several types.
fn type_keywords(ty: &str) -> &'static [&'static str] {
    match ty {
        "string" => &[
            "minLength",
            "maxLength",
            "pattern",
            "contentMediaType",
            "contentEncoding",
        ],
        "number" | "integer" => &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
            "patternProperties",
            "propertyNames",
            "dependentRequired",
            "dependentSchemas",
            "unevaluatedProperties",
        ],
        "array" => &[
            "items",
            "minItems",
            "maxItems",
            "uniqueItems",
            "prefixItems",
            "contains",
            "minContains",
            "maxContains",
            "unevaluatedItems",
        ],
        _ => &[],
    }
}

const ALL_TYPES: &[&str] = &["string", "number", "integer", "boolean", "object", "array"];

fn value_has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn infer_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
        Value::Number(_) => Some("number"),
        Value::Object(_) => Some("object"),
        Value::Array(_) => Some("array"),
        Value::Null => None,
    }
}

/// Formats that describe numbers; any other format on a multi-type schema goes to the string
/// branch.
fn is_numeric_format(format: &str) -> bool {
    matches!(format, "float" | "double" | "decimal")
        || format.starts_with("int")
        || format.starts_with("uint")
}

/// Media types whose content is text, so a string with that `contentMediaType` is still text
/// (`application/json` in a string is JSON text, not bytes).
fn is_textual_media_type(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-www-form-urlencoded"
                | "application/yaml"
                | "application/x-yaml"
                | "application/graphql"
        )
}

/// A number or boolean where OpenAPI wants a string, as YAML reads `version: 1.0` or a server
/// variable `default: 80`, becomes its text.
fn scalar_to_string(value: &mut Value) {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return,
    };
    *value = Value::String(text);
}

/// Server variable `default` and `enum` values as strings (openapi-generator's petstore has
/// `default: 80`).
fn servers_to_strings(servers: &mut Value) {
    let Value::Array(servers) = servers else {
        return;
    };
    for server in servers {
        let Some(Value::Object(variables)) = server.get_mut("variables") else {
            continue;
        };
        for variable in variables.values_mut() {
            if let Some(default) = variable.get_mut("default") {
                scalar_to_string(default);
            }
            if let Some(Value::Array(values)) = variable.get_mut("enum") {
                values.iter_mut().for_each(scalar_to_string);
            }
        }
    }
}

fn backticked(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Is this `oneOf`/`anyOf` branch the JSON null and nothing else?
fn is_null_branch(branch: &Value) -> bool {
    let Value::Object(obj) = branch else {
        return false;
    };
    let null_type = match obj.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => !ts.is_empty() && ts.iter().all(|t| t == "null"),
        _ => false,
    };
    let null_const = obj.get("const").is_some_and(Value::is_null);
    let null_enum = matches!(obj.get("enum"), Some(Value::Array(vs)) if !vs.is_empty() && vs.iter().all(Value::is_null));
    (null_type || null_const || null_enum)
        && obj.keys().all(|k| {
            matches!(k.as_str(), "type" | "const" | "enum" | "nullable")
                || ANNOTATIONS.contains(&k.as_str())
                || k.starts_with("x-")
        })
}

impl Normalizer<'_> {
    /// Runs `f` on the value at `pointer` of file `id`, with that file as the context. The file's
    /// value is taken out of `sources` for the walk so the walker may own a `&mut` to it.
    fn with_file(
        &mut self,
        sources: &mut Sources,
        id: FileId,
        pointer: &str,
        f: impl FnOnce(&mut Self, &mut Value),
    ) {
        let Some(file) = sources.files.get_mut(id.0) else {
            return;
        };
        let mut value = std::mem::take(&mut file.value);
        self.file = id;
        self.display = file.display.clone();
        if let Some(target) = value.pointer_mut(pointer) {
            f(self, target);
        }
        if let Some(file) = sources.files.get_mut(id.0) {
            file.value = value;
        }
    }

    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.diags.warning(self.display.clone(), pointer, message);
    }

    fn kind(&mut self, value: &mut Value, ptr: &str, kind: Kind) {
        match kind {
            Kind::Schema => self.schema(value, ptr, 0),
            Kind::PathItem => self.path_item(value, ptr),
            Kind::Parameter | Kind::Header => self.parameter(value, ptr, kind),
            Kind::RequestBody => self.request_body(value, ptr),
            Kind::Response => self.response(value, ptr),
            Kind::Callback => self.callback(value, ptr),
            Kind::Other => {
                self.ref_only(value, ptr, Kind::Other);
            }
        }
    }

    /// Marks a location as already walked, so a `$ref` to it is not walked again.
    fn mark(&mut self, ptr: &str, kind: Kind) {
        self.visited.insert((self.file, ptr.to_string(), kind));
    }

    // ---- document structure ----------------------------------------------------------------

    fn document(&mut self, root: &mut Value) {
        let Some(obj) = root.as_object_mut() else {
            return;
        };

        // OAS 3.1 §4.8.1: webhooks are requests the API sends; there is no client or server
        // method to generate for them yet.
        if let Some(webhooks) = obj.remove("webhooks") {
            match webhooks {
                Value::Object(hooks) => {
                    for name in hooks.keys().filter(|k| !k.starts_with("x-")) {
                        let at = pointer_push("/webhooks", name);
                        self.warn(&at, format!("webhook `{name}` is not generated"));
                    }
                }
                _ => self.warn("/webhooks", "`webhooks` is not generated"),
            }
        }

        // YAML reads `version: 1.0` and `openapi: 3.0` as numbers; both are strings in OpenAPI.
        if let Some(v) = obj.get_mut("openapi") {
            scalar_to_string(v);
        }
        if let Some(Value::Object(info)) = obj.get_mut("info") {
            for key in ["title", "version"] {
                if let Some(v) = info.get_mut(key) {
                    scalar_to_string(v);
                }
            }
        }
        if let Some(servers) = obj.get_mut("servers") {
            servers_to_strings(servers);
        }

        // 3.1 makes `paths` optional; openapiv3 requires it.
        if !matches!(obj.get("paths"), Some(Value::Object(_))) {
            obj.insert("paths".into(), Value::Object(Map::new()));
        }
        if let Some(Value::Object(paths)) = obj.get_mut("paths") {
            for (path, item) in paths.iter_mut() {
                if path.starts_with("x-") {
                    continue;
                }
                let ptr = pointer_push("/paths", path);
                self.mark(&ptr, Kind::PathItem);
                self.path_item(item, &ptr);
            }
        }

        if let Some(Value::Object(components)) = obj.get_mut("components") {
            self.components(components);
        }
    }

    fn components(&mut self, components: &mut Map<String, Value>) {
        let sections: [(&str, Kind); 9] = [
            ("schemas", Kind::Schema),
            ("responses", Kind::Response),
            ("parameters", Kind::Parameter),
            ("requestBodies", Kind::RequestBody),
            ("headers", Kind::Header),
            ("callbacks", Kind::Callback),
            ("pathItems", Kind::PathItem),
            ("examples", Kind::Other),
            ("links", Kind::Other),
        ];
        for (section, kind) in sections {
            let Some(Value::Object(entries)) = components.get_mut(section) else {
                continue;
            };
            let base = pointer_push("/components", section);
            for (name, entry) in entries.iter_mut() {
                let ptr = pointer_push(&base, name);
                self.mark(&ptr, kind);
                self.kind(entry, &ptr, kind);
            }
        }
        if let Some(Value::Object(schemes)) = components.get_mut("securitySchemes") {
            let mut dropped = Vec::new();
            for (name, scheme) in schemes.iter_mut() {
                let ptr = pointer_push("/components/securitySchemes", name);
                if self.ref_only(scheme, &ptr, Kind::Other) {
                    continue;
                }
                // OAS 3.1 added `mutualTLS`; openapiv3 has no variant for it and a client can
                // only satisfy it through its TLS configuration.
                if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                    self.warn(
                        &ptr,
                        format!(
                            "security scheme `{name}` (mutualTLS) is not supported and is ignored"
                        ),
                    );
                    dropped.push(name.clone());
                }
            }
            for name in dropped {
                schemes.shift_remove(&name);
            }
        }
    }

    /// If `value` is a `$ref` in a non-schema position, keeps only the `$ref` (3.1 allows
    /// `summary` and `description` beside it, which openapiv3 can't hold), queues its target and
    /// returns true.
    fn ref_only(&mut self, value: &mut Value, ptr: &str, kind: Kind) -> bool {
        let Some(obj) = value.as_object_mut() else {
            return false;
        };
        let Some(Value::String(reference)) = obj.get("$ref") else {
            return false;
        };
        let reference = reference.clone();
        if obj.len() > 1 {
            let dropped: Vec<String> = obj
                .keys()
                .filter(|k| !matches!(k.as_str(), "$ref" | "summary" | "description"))
                .cloned()
                .collect();
            if !dropped.is_empty() {
                self.warn(
                    ptr,
                    format!(
                        "keywords beside `$ref` are ignored here: {}",
                        backticked(&dropped)
                    ),
                );
            }
            obj.retain(|k, _| k == "$ref");
        }
        if kind != Kind::Other {
            self.pending.push((self.file, reference, kind));
        }
        true
    }

    fn path_item(&mut self, value: &mut Value, ptr: &str) {
        if self.ref_only(value, ptr, Kind::PathItem) {
            return;
        }
        let Some(obj) = value.as_object_mut() else {
            return;
        };
        if let Some(servers) = obj.get_mut("servers") {
            servers_to_strings(servers);
        }
        if let Some(Value::Array(params)) = obj.get_mut("parameters") {
            let base = pointer_push(ptr, "parameters");
            for (i, param) in params.iter_mut().enumerate() {
                self.parameter(param, &pointer_push(&base, &i.to_string()), Kind::Parameter);
            }
        }
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if let Some(op) = obj.get_mut(method) {
                self.operation(op, &pointer_push(ptr, method));
            }
        }
    }

    fn operation(&mut self, value: &mut Value, ptr: &str) {
        let Some(obj) = value.as_object_mut() else {
            return;
        };
        if let Some(servers) = obj.get_mut("servers") {
            servers_to_strings(servers);
        }
        if let Some(Value::Array(params)) = obj.get_mut("parameters") {
            let base = pointer_push(ptr, "parameters");
            for (i, param) in params.iter_mut().enumerate() {
                self.parameter(param, &pointer_push(&base, &i.to_string()), Kind::Parameter);
            }
        }
        if let Some(body) = obj.get_mut("requestBody") {
            self.request_body(body, &pointer_push(ptr, "requestBody"));
        }
        // 3.1 makes `responses` optional; openapiv3 requires the field.
        if !obj.contains_key("responses") {
            obj.insert("responses".into(), Value::Object(Map::new()));
        }
        if let Some(Value::Object(responses)) = obj.get_mut("responses") {
            let base = pointer_push(ptr, "responses");
            for (status, response) in responses.iter_mut() {
                if !status.starts_with("x-") {
                    self.response(response, &pointer_push(&base, status));
                }
            }
        }
        if let Some(Value::Object(callbacks)) = obj.get_mut("callbacks") {
            let base = pointer_push(ptr, "callbacks");
            for (name, callback) in callbacks.iter_mut() {
                self.callback(callback, &pointer_push(&base, name));
            }
        }
    }

    fn callback(&mut self, value: &mut Value, ptr: &str) {
        if self.ref_only(value, ptr, Kind::Callback) {
            return;
        }
        let Some(obj) = value.as_object_mut() else {
            return;
        };
        for (expression, item) in obj.iter_mut() {
            if !expression.starts_with("x-") {
                self.path_item(item, &pointer_push(ptr, expression));
            }
        }
    }

    /// Parameter and Header Objects share their shape: `schema` or `content`.
    fn parameter(&mut self, value: &mut Value, ptr: &str, kind: Kind) {
        if self.ref_only(value, ptr, kind) {
            return;
        }
        let Some(obj) = value.as_object_mut() else {
            return;
        };
        self.parameter_style(obj, ptr, kind);
        // `required: optional` (openapi-generator's petstore) and `required: "true"` are not
        // booleans; openapiv3 refuses the whole document over them.
        if let Some(required) = obj.get("required") {
            if !required.is_boolean() {
                let text = match required {
                    Value::String(s) => s.trim().to_ascii_lowercase(),
                    other => other.to_string(),
                };
                let value = text == "true";
                if text != "true" && text != "false" {
                    self.warn(
                        &pointer_push(ptr, "required"),
                        format!("`required: {text}` is not a boolean; read as `{value}`"),
                    );
                }
                obj.insert("required".into(), Value::Bool(value));
            }
        }
        if let Some(schema) = obj.get_mut("schema") {
            self.schema(schema, &pointer_push(ptr, "schema"), 0);
        }
        if let Some(content) = obj.get_mut("content") {
            self.content(content, &pointer_push(ptr, "content"));
        }
        if let Some(Value::Object(examples)) = obj.get_mut("examples") {
            self.examples(examples, &pointer_push(ptr, "examples"));
        }
    }

    /// A `style` the parameter's location doesn't allow (OAS 3.0 §4.7.12.4, e.g. `style: form`
    /// on a header in openapi-generator's echo_api.yaml) makes openapiv3 refuse the whole
    /// document; it is replaced by the location's default, with a warning.
    fn parameter_style(&mut self, obj: &mut Map<String, Value>, ptr: &str, kind: Kind) {
        let Some(Value::String(style)) = obj.get("style") else {
            return;
        };
        let location = if kind == Kind::Header {
            Some("header")
        } else {
            obj.get("in").and_then(Value::as_str)
        };
        let allowed: &[&str] = match location {
            Some("path") => &["simple", "matrix", "label"],
            Some("query") => &["form", "spaceDelimited", "pipeDelimited", "deepObject"],
            Some("header") => &["simple"],
            Some("cookie") => &["form"],
            _ => return,
        };
        if allowed.contains(&style.as_str()) {
            return;
        }
        let (style, default, location) = (
            style.clone(),
            allowed[0],
            location.unwrap_or_default().to_string(),
        );
        self.warn(
            &pointer_push(ptr, "style"),
            format!(
                "style `{style}` is not allowed for a {location} parameter; read as `{default}`"
            ),
        );
        obj.insert("style".into(), Value::String(default.into()));
    }

    fn request_body(&mut self, value: &mut Value, ptr: &str) {
        if self.ref_only(value, ptr, Kind::RequestBody) {
            return;
        }
        if let Some(content) = value.get_mut("content") {
            self.content(content, &pointer_push(ptr, "content"));
        }
    }

    fn response(&mut self, value: &mut Value, ptr: &str) {
        if self.ref_only(value, ptr, Kind::Response) {
            return;
        }
        let Some(obj) = value.as_object_mut() else {
            return;
        };
        // `description` is required by both versions but often left out; openapiv3 refuses the
        // whole document without it, and an empty one changes no generated type.
        if !obj.contains_key("description") {
            obj.insert("description".into(), Value::String(String::new()));
        }
        if let Some(Value::Object(headers)) = obj.get_mut("headers") {
            let base = pointer_push(ptr, "headers");
            for (name, header) in headers.iter_mut() {
                self.parameter(header, &pointer_push(&base, name), Kind::Header);
            }
        }
        if let Some(content) = obj.get_mut("content") {
            self.content(content, &pointer_push(ptr, "content"));
        }
        if let Some(Value::Object(links)) = obj.get_mut("links") {
            let base = pointer_push(ptr, "links");
            for (name, link) in links.iter_mut() {
                self.ref_only(link, &pointer_push(&base, name), Kind::Other);
            }
        }
    }

    /// A `content` map: media type → Media Type Object.
    fn content(&mut self, value: &mut Value, ptr: &str) {
        let Some(media_types) = value.as_object_mut() else {
            return;
        };
        for (media, object) in media_types.iter_mut() {
            let ptr = pointer_push(ptr, media);
            let Some(object) = object.as_object_mut() else {
                continue;
            };
            if let Some(schema) = object.get_mut("schema") {
                self.schema(schema, &pointer_push(&ptr, "schema"), 0);
            }
            // A media type's `examples` is the 3.0 map of Example Objects: left as it is.
            if let Some(Value::Object(examples)) = object.get_mut("examples") {
                self.examples(examples, &pointer_push(&ptr, "examples"));
            }
            if let Some(Value::Object(encodings)) = object.get_mut("encoding") {
                let base = pointer_push(&ptr, "encoding");
                for (property, encoding) in encodings.iter_mut() {
                    let eptr = pointer_push(&base, property);
                    if let Some(Value::Object(headers)) = encoding.get_mut("headers") {
                        let hbase = pointer_push(&eptr, "headers");
                        for (name, header) in headers.iter_mut() {
                            self.parameter(header, &pointer_push(&hbase, name), Kind::Header);
                        }
                    }
                }
            }
        }
    }

    /// A map of Example Objects: only `$ref` siblings need cleaning.
    fn examples(&mut self, examples: &mut Map<String, Value>, ptr: &str) {
        for (name, example) in examples.iter_mut() {
            self.ref_only(example, &pointer_push(ptr, name), Kind::Other);
        }
    }

    // ---- schemas -----------------------------------------------------------------------------

    fn schema(&mut self, value: &mut Value, ptr: &str, depth: usize) {
        if depth > MAX_DEPTH {
            if !self.too_deep_reported {
                self.too_deep_reported = true;
                self.diags.error(
                    self.display.clone(),
                    ptr,
                    format!("schemas nested deeper than {MAX_DEPTH} levels"),
                );
            }
            return;
        }
        match value {
            // JSON Schema 2020-12 §4.3.2: `true` accepts anything, `false` nothing.
            Value::Bool(true) => {
                *value = json!({});
                return;
            }
            Value::Bool(false) => {
                *value = json!({"not": {}});
                return;
            }
            Value::Object(_) => {}
            _ => return,
        }
        let Value::Object(obj) = value else { return };
        if !self.schema_keywords(obj, ptr, depth) {
            return;
        }
        self.schema_children(obj, ptr, depth);
        self.schema_types(obj);
    }

    /// Rewrites the keywords of one schema object, before its children are walked. Returns false
    /// for a bare `$ref`, whose target is normalised where it lives.
    fn schema_keywords(&mut self, obj: &mut Map<String, Value>, ptr: &str, depth: usize) -> bool {
        obj.retain(|k, _| !SILENT_DROPS.contains(&k.as_str()));
        if obj.remove("$dynamicRef").is_some() {
            self.warn(
                ptr,
                "`$dynamicRef` is not supported; the schema is read without it",
            );
        }

        if let Some(Value::String(reference)) = obj.get("$ref") {
            let reference = reference.clone();
            if obj.len() == 1 {
                self.pending.push((self.file, reference, Kind::Schema));
                return false;
            }
            // OAS 3.1 lets siblings of `$ref` apply (description, nullable, default, …); in the
            // 3.0 shape a `$ref` stands alone, so the reference moves into `allOf`.
            obj.remove("$ref");
            let reference = json!({ "$ref": reference });
            match obj.get_mut("allOf") {
                Some(Value::Array(all_of)) => all_of.insert(0, reference),
                _ => {
                    obj.insert("allOf".into(), Value::Array(vec![reference]));
                }
            }
        }

        self.null_branches(obj, "oneOf", ptr, depth);
        self.null_branches(obj, "anyOf", ptr, depth);

        // 3.1 schemas carry `examples: [...]`; the 3.0 schema has a single `example`.
        if let Some(Value::Array(examples)) = obj.get("examples") {
            let first = examples.first().cloned();
            obj.remove("examples");
            if let Some(first) = first {
                obj.entry("example").or_insert(first);
            }
        }

        if let Some(constant) = obj.remove("const") {
            if constant.is_null() {
                obj.insert("nullable".into(), Value::Bool(true));
            } else if !obj.contains_key("type") {
                if let Some(ty) = infer_type(&constant) {
                    obj.insert("type".into(), Value::String(ty.into()));
                }
            }
            obj.insert("enum".into(), Value::Array(vec![constant]));
        }

        for (exclusive, bound, stricter) in [
            ("exclusiveMinimum", "minimum", true),
            ("exclusiveMaximum", "maximum", false),
        ] {
            let Some(Value::Number(limit)) = obj.get(exclusive) else {
                continue;
            };
            let limit = limit.clone();
            let (Some(ex), existing) = (limit.as_f64(), obj.get(bound).and_then(Value::as_f64))
            else {
                continue;
            };
            // Both bounds apply in 3.1; keep whichever is tighter.
            let inclusive_wins = match existing {
                Some(b) => {
                    if stricter {
                        b > ex
                    } else {
                        b < ex
                    }
                }
                None => false,
            };
            if inclusive_wins {
                obj.remove(exclusive);
            } else {
                obj.insert(bound.into(), Value::Number(limit));
                obj.insert(exclusive.into(), Value::Bool(true));
            }
        }

        self.content_keywords(obj);
        self.integral_numbers(obj);
        self.unsupported(obj, ptr, depth);

        if obj.get("required").is_some_and(|r| !r.is_array()) {
            obj.remove("required");
            self.warn(
                ptr,
                "`required` inside a schema must be a list of property names; ignored",
            );
        }
        true
    }

    /// `oneOf`/`anyOf` with `{type: "null"}` branches (the 3.1 way to say nullable).
    fn null_branches(&mut self, obj: &mut Map<String, Value>, key: &str, ptr: &str, depth: usize) {
        let Some(Value::Array(branches)) = obj.get_mut(key) else {
            return;
        };
        let kept: Vec<usize> = (0..branches.len())
            .filter(|i| !branches.get(*i).is_some_and(is_null_branch))
            .collect();
        if kept.len() == branches.len() {
            return;
        }
        let mut index = 0;
        branches.retain(|_| {
            index += 1;
            kept.contains(&(index - 1))
        });
        match kept.as_slice() {
            [] => {
                obj.remove(key);
                obj.entry("enum").or_insert_with(|| json!([null]));
            }
            [only] => {
                let Some(Value::Array(mut branches)) = obj.remove(key) else {
                    return;
                };
                let Some(mut branch) = branches.pop() else {
                    return;
                };
                // Normalise the branch where it is in the source, so its warnings point there,
                // before its keywords move up into the parent.
                self.schema(
                    &mut branch,
                    &pointer_push(&pointer_push(ptr, key), &only.to_string()),
                    depth + 1,
                );
                if let Value::Object(branch) = branch {
                    self.merge_branch(obj, branch);
                }
            }
            _ => {}
        }
        obj.insert("nullable".into(), Value::Bool(true));
    }

    /// Merges the one branch left of a `oneOf`/`anyOf` into its parent. A `$ref` branch goes
    /// into `allOf` (so the parent keeps its own description and `nullable`); an inline branch is
    /// merged key by key, or put in `allOf` when it disagrees with the parent.
    fn merge_branch(&mut self, obj: &mut Map<String, Value>, mut branch: Map<String, Value>) {
        let mut into_all_of = None;
        if let Some(reference) = branch.remove("$ref") {
            into_all_of = Some(json!({ "$ref": reference }));
        } else {
            let conflict = branch.iter().any(|(k, v)| {
                !ANNOTATIONS.contains(&k.as_str())
                    && k != "nullable"
                    && obj.get(k).is_some_and(|existing| existing != v)
            });
            if conflict {
                into_all_of = Some(Value::Object(std::mem::take(&mut branch)));
            }
        }
        for (k, v) in branch {
            if k == "nullable" {
                continue;
            }
            obj.entry(k).or_insert(v);
        }
        if let Some(item) = into_all_of {
            match obj.get_mut("allOf") {
                Some(Value::Array(all_of)) => all_of.insert(0, item),
                _ => {
                    obj.insert("allOf".into(), Value::Array(vec![item]));
                }
            }
        }
    }

    /// `contentEncoding` / `contentMediaType` (JSON Schema 2020-12 §8) → 3.0 `format`.
    fn content_keywords(&mut self, obj: &mut Map<String, Value>) {
        let encoding = obj.remove("contentEncoding");
        let media = obj.remove("contentMediaType");
        let format = match (&encoding, &media) {
            (Some(Value::String(e)), _) => match e.to_ascii_lowercase().as_str() {
                "base64" | "base64url" => Some("byte"),
                "binary" => Some("binary"),
                _ => None,
            },
            (None, Some(Value::String(m))) if !is_textual_media_type(m) => Some("binary"),
            _ => None,
        };
        let Some(format) = format else { return };
        let is_string = match obj.get("type") {
            None => {
                obj.insert("type".into(), Value::String("string".into()));
                true
            }
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
            Some(_) => false,
        };
        if is_string && !obj.contains_key("format") {
            obj.insert("format".into(), Value::String(format.into()));
        }
    }

    /// YAML `1.0` stays a float through loading; where 3.0 wants an integer (lengths and counts,
    /// and bounds of an integer schema) an integral float is written as the integer.
    fn integral_numbers(&mut self, obj: &mut Map<String, Value>) {
        fn to_int(v: &mut Value) {
            if let Value::Number(n) = v {
                if !n.is_i64() && !n.is_u64() {
                    if let Some(f) = n.as_f64() {
                        if f.fract() == 0.0 && f.abs() < 9.0e15 {
                            *v = Value::from(f as i64);
                        }
                    }
                }
            }
        }
        for key in [
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
        ] {
            if let Some(v) = obj.get_mut(key) {
                to_int(v);
            }
        }
        let integer = match obj.get("type") {
            Some(Value::String(t)) => t == "integer",
            Some(Value::Array(ts)) => {
                ts.iter().any(|t| t == "integer") && !ts.iter().any(|t| t == "number")
            }
            _ => false,
        };
        if integer {
            for key in ["minimum", "maximum", "multipleOf"] {
                if let Some(v) = obj.get_mut(key) {
                    to_int(v);
                }
            }
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.iter_mut().for_each(to_int);
            }
        }
    }

    /// Drops keywords 3.0 can't express, with one warning per schema naming them.
    fn unsupported(&mut self, obj: &mut Map<String, Value>, ptr: &str, depth: usize) {
        let mut dropped: Vec<String> = Vec::new();
        let applicators = ["allOf", "anyOf", "oneOf", "if", "dependentSchemas", "$ref"];

        // Without applicators `unevaluatedProperties` means exactly `additionalProperties`.
        if !obj.contains_key("additionalProperties")
            && !obj.contains_key("patternProperties")
            && !applicators.iter().any(|k| obj.contains_key(*k))
        {
            if let Some(mut v) = obj.remove("unevaluatedProperties") {
                if v.is_object() {
                    self.schema(
                        &mut v,
                        &pointer_push(ptr, "unevaluatedProperties"),
                        depth + 1,
                    );
                }
                obj.insert("additionalProperties".into(), v);
            }
        }

        if let Some(patterns) = obj.remove("patternProperties") {
            let schemas: Vec<(String, Value)> = match patterns {
                Value::Object(map) => map.into_iter().collect(),
                _ => Vec::new(),
            };
            if !schemas.is_empty() && !obj.contains_key("additionalProperties") {
                let names: Vec<String> = schemas.iter().map(|(p, _)| p.clone()).collect();
                let base = pointer_push(ptr, "patternProperties");
                let mut values = Vec::new();
                for (pattern, mut schema) in schemas {
                    self.schema(&mut schema, &pointer_push(&base, &pattern), depth + 1);
                    values.push(schema);
                }
                let merged = if values.len() == 1 {
                    values.remove(0)
                } else {
                    json!({ "anyOf": values })
                };
                obj.insert("additionalProperties".into(), merged);
                self.warn(
                    ptr,
                    format!(
                        "`patternProperties` read as `additionalProperties`; the key pattern {} is not enforced",
                        backticked(&names)
                    ),
                );
            } else {
                dropped.push("patternProperties".into());
            }
        }

        let had_prefix_items = obj.contains_key("prefixItems");
        for key in UNSUPPORTED {
            if obj.remove(*key).is_some() {
                dropped.push((*key).to_string());
            }
        }
        // After `prefixItems`, `items` constrains only the rest of the array; alone it would
        // constrain every element.
        if had_prefix_items && obj.contains_key("items") {
            obj.remove("items");
            dropped.push("items".into());
        }
        if !dropped.is_empty() {
            self.warn(
                ptr,
                format!(
                    "dropped keywords with no OpenAPI 3.0 equivalent: {}; the generated type accepts more than the schema allows",
                    backticked(&dropped)
                ),
            );
        }

        // Draft-04 tuple `items: [a, b]` (not valid in 3.0 or 3.1, but found in the wild).
        if let Some(Value::Array(_)) = obj.get("items") {
            let Some(Value::Array(mut tuple)) = obj.remove("items") else {
                return;
            };
            let base = pointer_push(ptr, "items");
            for (i, item) in tuple.iter_mut().enumerate() {
                self.schema(item, &pointer_push(&base, &i.to_string()), depth + 1);
            }
            let items = match tuple.len() {
                0 => None,
                1 => Some(tuple.remove(0)),
                _ => Some(json!({ "anyOf": tuple })),
            };
            if let Some(items) = items {
                obj.insert("items".into(), items);
            }
            self.warn(ptr, "tuple-form `items` read as an array whose elements match any of the listed schemas");
        }
    }

    fn schema_children(&mut self, obj: &mut Map<String, Value>, ptr: &str, depth: usize) {
        for key in ["properties", "$defs", "definitions"] {
            if let Some(Value::Object(map)) = obj.get_mut(key) {
                let base = pointer_push(ptr, key);
                for (name, child) in map.iter_mut() {
                    self.schema(child, &pointer_push(&base, name), depth + 1);
                }
            }
        }
        if let Some(additional) = obj.get_mut("additionalProperties") {
            // `additionalProperties: true/false` is valid 3.0 and stays a boolean.
            if additional.is_object() {
                self.schema(
                    additional,
                    &pointer_push(ptr, "additionalProperties"),
                    depth + 1,
                );
            }
        }
        for key in ["items", "not"] {
            if let Some(child) = obj.get_mut(key) {
                self.schema(child, &pointer_push(ptr, key), depth + 1);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = obj.get_mut(key) {
                let base = pointer_push(ptr, key);
                for (i, branch) in branches.iter_mut().enumerate() {
                    self.schema(branch, &pointer_push(&base, &i.to_string()), depth + 1);
                }
            }
        }
    }

    /// `type: "null"` and `type: [...]` → 3.0 `type` + `nullable`, or `anyOf` per type. Runs
    /// after the children are normalised, so moving `items` or `properties` into a branch moves
    /// already-normalised schemas and warnings keep their source pointers.
    fn schema_types(&mut self, obj: &mut Map<String, Value>) {
        let types: Vec<String> = match obj.get("type") {
            Some(Value::String(t)) if t == "null" => vec!["null".into()],
            Some(Value::Array(ts)) => {
                let mut seen = Vec::new();
                for t in ts.iter().filter_map(Value::as_str) {
                    if !seen.iter().any(|s: &String| s == t) {
                        seen.push(t.to_string());
                    }
                }
                seen
            }
            _ => return,
        };
        let has_null = types.iter().any(|t| t == "null");
        let non_null: Vec<&str> = types
            .iter()
            .map(String::as_str)
            .filter(|t| *t != "null")
            .collect();
        if has_null {
            obj.insert("nullable".into(), Value::Bool(true));
        }

        // With an `enum`, a type none of whose values has can't occur: leave it out.
        let enum_values = match obj.get("enum") {
            Some(Value::Array(values)) => Some(values.clone()),
            _ => None,
        };
        let viable: Vec<&str> = match &enum_values {
            Some(values) => {
                let v: Vec<&str> = non_null
                    .iter()
                    .copied()
                    .filter(|t| values.iter().any(|x| value_has_type(x, t)))
                    .collect();
                if v.is_empty() { non_null.clone() } else { v }
            }
            None => non_null.clone(),
        };

        match viable.as_slice() {
            [] => {
                obj.remove("type");
                obj.entry("enum").or_insert_with(|| json!([null]));
            }
            [only] => {
                obj.insert("type".into(), Value::String((*only).into()));
            }
            several => {
                let branches = self.split_types(obj, several, enum_values.as_deref());
                obj.remove("type");
                if obj.contains_key("anyOf") {
                    let wrapped = json!({ "anyOf": branches });
                    match obj.get_mut("allOf") {
                        Some(Value::Array(all_of)) => all_of.push(wrapped),
                        _ => {
                            obj.insert("allOf".into(), Value::Array(vec![wrapped]));
                        }
                    }
                } else {
                    obj.insert("anyOf".into(), Value::Array(branches));
                }
            }
        }
    }

    /// One `anyOf` branch per type, each taking the keywords that apply to it. The keywords are
    /// removed from the parent; annotations stay there.
    fn split_types(
        &mut self,
        obj: &mut Map<String, Value>,
        types: &[&str],
        enum_values: Option<&[Value]>,
    ) -> Vec<Value> {
        let format = obj
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut branches = Vec::new();
        for ty in types {
            let mut branch = Map::new();
            branch.insert("type".into(), Value::String((*ty).into()));
            for key in type_keywords(ty) {
                if let Some(v) = obj.get(*key) {
                    branch.insert((*key).into(), v.clone());
                }
            }
            if let Some(format) = &format {
                let numeric = matches!(*ty, "number" | "integer");
                if (numeric && is_numeric_format(format))
                    || (*ty == "string" && !is_numeric_format(format))
                {
                    branch.insert("format".into(), Value::String(format.clone()));
                }
            }
            if let Some(values) = enum_values {
                let mine: Vec<Value> = values
                    .iter()
                    .filter(|v| value_has_type(v, ty))
                    .cloned()
                    .collect();
                branch.insert("enum".into(), Value::Array(mine));
            }
            branches.push(Value::Object(branch));
        }
        for ty in ALL_TYPES {
            for key in type_keywords(ty) {
                obj.remove(*key);
            }
        }
        obj.remove("format");
        if enum_values.is_some() {
            // A null in the enum stays allowed through `nullable`.
            obj.remove("enum");
        }
        branches
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{SourceFile, load_str};
    use std::path::PathBuf;

    type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

    fn yaml(text: &str) -> TestResult<Value> {
        Ok(serde_yaml::from_str::<Value>(text)?)
    }

    fn run(input: &str) -> TestResult<(Value, Diagnostics)> {
        let mut diags = Diagnostics::new();
        let Some(mut sources) = load_str("test.yaml", input, &mut diags) else {
            return Err(format!("load failed: {diags}").into());
        };
        normalize(&mut sources, &mut diags);
        let value = std::mem::take(&mut sources.files[0].value);
        // Idempotence: a second pass changes nothing and says nothing new.
        let mut again = Sources {
            files: vec![SourceFile {
                path: PathBuf::from("/x/test.yaml"),
                display: "test.yaml".into(),
                value: value.clone(),
            }],
            version: SpecVersion::V3_0,
        };
        let mut second = Diagnostics::new();
        normalize(&mut again, &mut second);
        assert_eq!(again.files[0].value, value, "normalize is not idempotent");
        assert!(second.is_empty(), "second pass warned: {second}");
        Ok((value, diags))
    }

    /// Normalises the document `input` and compares it with `expected`; returns the diagnostics.
    fn check(input: &str, expected: &str) -> TestResult<Diagnostics> {
        let (actual, diags) = run(input)?;
        let expected = yaml(expected)?;
        assert_eq!(
            actual,
            expected,
            "\nactual:\n{}\nexpected:\n{}",
            serde_json::to_string_pretty(&actual).unwrap_or_default(),
            serde_json::to_string_pretty(&expected).unwrap_or_default()
        );
        Ok(diags)
    }

    const HEAD_31: &str = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n";

    fn schema_doc(schema: &str) -> String {
        format!("{HEAD_31}components:\n  schemas:\n    S: {schema}\n")
    }

    fn schema_out(schema: &str) -> String {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    S: {schema}\n"
        )
    }

    /// (name, input schema, expected schema, substrings of the expected warnings in order)
    const SCHEMA_CASES: &[(&str, &str, &str, &[&str])] = &[
        (
            "type array of one",
            "{type: [string]}",
            "{type: string}",
            &[],
        ),
        (
            "type with null",
            "{type: [string, 'null'], maxLength: 3}",
            "{type: string, maxLength: 3, nullable: true}",
            &[],
        ),
        (
            "null first",
            "{type: ['null', object], properties: {a: {type: string}}}",
            "{type: object, properties: {a: {type: string}}, nullable: true}",
            &[],
        ),
        (
            "type null alone",
            "{type: 'null'}",
            "{nullable: true, enum: [null]}",
            &[],
        ),
        (
            "several types split",
            "{type: [string, integer, array], description: d, minLength: 1, minimum: 0, format: int64, items: {type: string}}",
            "{description: d, anyOf: [{type: string, minLength: 1}, {type: integer, minimum: 0, format: int64}, {type: array, items: {type: string}}]}",
            &[],
        ),
        (
            "several types with null and enum",
            "{type: [string, integer, 'null'], enum: [a, 1, null]}",
            "{nullable: true, anyOf: [{type: string, enum: [a]}, {type: integer, enum: [1]}]}",
            &[],
        ),
        (
            "enum rules out a type",
            "{type: [string, integer], enum: [a, b]}",
            "{type: string, enum: [a, b]}",
            &[],
        ),
        (
            "type split beside existing anyOf",
            "{type: [string, number], anyOf: [{minLength: 1}, {minimum: 1}]}",
            "{anyOf: [{minLength: 1}, {minimum: 1}], allOf: [{anyOf: [{type: string}, {type: number}]}]}",
            &[],
        ),
        (
            "oneOf ref or null",
            "{description: d, oneOf: [{$ref: '#/components/schemas/T'}, {type: 'null'}]}",
            "{description: d, nullable: true, allOf: [{$ref: '#/components/schemas/T'}]}",
            &[],
        ),
        (
            "anyOf inline or null merges",
            "{description: d, anyOf: [{type: string, maxLength: 3, description: inner}, {type: 'null'}]}",
            "{description: d, nullable: true, type: string, maxLength: 3}",
            &[],
        ),
        (
            "anyOf several or const null",
            "{anyOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}, {const: null}]}",
            "{anyOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}], nullable: true}",
            &[],
        ),
        (
            "only null branches",
            "{oneOf: [{enum: [null]}]}",
            "{nullable: true, enum: [null]}",
            &[],
        ),
        (
            "conflicting inline branch goes to allOf",
            "{type: object, anyOf: [{type: string}, {type: 'null'}]}",
            "{type: object, nullable: true, allOf: [{type: string}]}",
            &[],
        ),
        (
            "const string",
            "{const: x}",
            "{type: string, enum: [x]}",
            &[],
        ),
        (
            "const keeps type",
            "{type: integer, const: 3}",
            "{type: integer, enum: [3]}",
            &[],
        ),
        (
            "const null",
            "{const: null}",
            "{nullable: true, enum: [null]}",
            &[],
        ),
        (
            "examples array",
            "{type: string, examples: [a, b]}",
            "{type: string, example: a}",
            &[],
        ),
        (
            "examples keeps example",
            "{type: string, example: z, examples: [a]}",
            "{type: string, example: z}",
            &[],
        ),
        (
            "exclusive minimum",
            "{type: number, exclusiveMinimum: 0}",
            "{type: number, minimum: 0, exclusiveMinimum: true}",
            &[],
        ),
        (
            "exclusive maximum looser than maximum",
            "{type: number, maximum: 5, exclusiveMaximum: 10}",
            "{type: number, maximum: 5}",
            &[],
        ),
        (
            "exclusive minimum tighter than minimum",
            "{type: integer, minimum: 1, exclusiveMinimum: 3}",
            "{type: integer, minimum: 3, exclusiveMinimum: true}",
            &[],
        ),
        (
            "3.0 boolean exclusive kept",
            "{type: number, minimum: 1, exclusiveMinimum: true}",
            "{type: number, minimum: 1, exclusiveMinimum: true}",
            &[],
        ),
        (
            "ref with siblings",
            "{$ref: '#/components/schemas/T', description: d, readOnly: true}",
            "{description: d, readOnly: true, allOf: [{$ref: '#/components/schemas/T'}]}",
            &[],
        ),
        (
            "ref with siblings and allOf",
            "{$ref: '#/components/schemas/T', allOf: [{required: [a]}]}",
            "{allOf: [{$ref: '#/components/schemas/T'}, {required: [a]}]}",
            &[],
        ),
        (
            "bare ref untouched",
            "{$ref: '#/components/schemas/T'}",
            "{$ref: '#/components/schemas/T'}",
            &[],
        ),
        (
            "base64",
            "{type: string, contentEncoding: base64}",
            "{type: string, format: byte}",
            &[],
        ),
        (
            "base64url no type",
            "{contentEncoding: base64url}",
            "{type: string, format: byte}",
            &[],
        ),
        (
            "binary media type",
            "{type: string, contentMediaType: image/png}",
            "{type: string, format: binary}",
            &[],
        ),
        (
            "text media type",
            "{type: string, contentMediaType: application/json}",
            "{type: string}",
            &[],
        ),
        (
            "format kept",
            "{type: string, format: uri, contentMediaType: image/png}",
            "{type: string, format: uri}",
            &[],
        ),
        (
            "boolean schemas",
            "{type: object, properties: {a: true, b: false}, additionalProperties: false}",
            "{type: object, properties: {a: {}, b: {not: {}}}, additionalProperties: false}",
            &[],
        ),
        (
            "json schema metadata dropped, $defs kept",
            "{$id: 'https://x/s', $schema: 'https://json-schema.org/draft/2020-12/schema', $comment: c, $defs: {D: {type: [string, 'null']}}, type: object}",
            "{$defs: {D: {type: string, nullable: true}}, type: object}",
            &[],
        ),
        (
            "dynamic ref",
            "{$dynamicRef: '#node', type: object}",
            "{type: object}",
            &["`$dynamicRef`"],
        ),
        (
            "unsupported keywords",
            "{type: array, prefixItems: [{type: string}], items: false, contains: {type: string}, minContains: 1}",
            "{type: array}",
            &["`prefixItems`, `contains`, `minContains`, `items`"],
        ),
        (
            "if then else",
            "{type: object, if: {required: [a]}, then: {required: [b]}, else: {}}",
            "{type: object}",
            &["`if`, `then`, `else`"],
        ),
        (
            "pattern properties alone",
            "{type: object, patternProperties: {'^x-': {type: string}}}",
            "{type: object, additionalProperties: {type: string}}",
            &["pattern `^x-` is not enforced"],
        ),
        (
            "several pattern properties",
            "{type: object, patternProperties: {'^a': {type: string}, '^b': {type: integer}}}",
            "{type: object, additionalProperties: {anyOf: [{type: string}, {type: integer}]}}",
            &["`^a`, `^b`"],
        ),
        (
            "pattern properties beside additional",
            "{type: object, patternProperties: {'^a': {type: string}}, additionalProperties: false}",
            "{type: object, additionalProperties: false}",
            &["`patternProperties`"],
        ),
        (
            "unevaluated properties alone",
            "{type: object, unevaluatedProperties: false}",
            "{type: object, additionalProperties: false}",
            &[],
        ),
        (
            "unevaluated properties with allOf",
            "{allOf: [{$ref: '#/components/schemas/T'}], unevaluatedProperties: false}",
            "{allOf: [{$ref: '#/components/schemas/T'}]}",
            &["`unevaluatedProperties`"],
        ),
        (
            "tuple items",
            "{type: array, items: [{type: string}, {type: integer}]}",
            "{type: array, items: {anyOf: [{type: string}, {type: integer}]}}",
            &["tuple-form"],
        ),
        (
            "required true",
            "{type: string, required: true}",
            "{type: string}",
            &["`required`"],
        ),
        (
            "integral floats",
            "{type: integer, minimum: 1.0, maxLength: 3.0, enum: [1.0, 2]}",
            "{type: integer, minimum: 1, maxLength: 3, enum: [1, 2]}",
            &[],
        ),
        (
            "nested type array in items in properties",
            "{type: object, properties: {tags: {type: array, items: {type: [string, 'null'], examples: [x]}}}}",
            "{type: object, properties: {tags: {type: array, items: {type: string, nullable: true, example: x}}}}",
            &[],
        ),
        (
            "nested in allOf and not",
            "{allOf: [{const: 1}], not: {type: ['null']}}",
            "{allOf: [{type: integer, enum: [1]}], not: {nullable: true, enum: [null]}}",
            &[],
        ),
        (
            "additionalProperties schema",
            "{type: object, additionalProperties: {type: [integer, 'null']}}",
            "{type: object, additionalProperties: {type: integer, nullable: true}}",
            &[],
        ),
    ];

    #[test]
    fn schema_rules() -> TestResult {
        for (name, input, expected, warnings) in SCHEMA_CASES {
            let (actual, diags) = run(&schema_doc(input))?;
            let expected_doc = yaml(&schema_out(expected))?;
            assert_eq!(
                actual,
                expected_doc,
                "case `{name}`:\nactual: {}\nexpected: {}",
                serde_json::to_string(&actual["components"]["schemas"]["S"]).unwrap_or_default(),
                serde_json::to_string(&expected_doc["components"]["schemas"]["S"])
                    .unwrap_or_default()
            );
            let got: Vec<&Diagnostic> = diags.iter().collect();
            assert_eq!(got.len(), warnings.len(), "case `{name}`: warnings {diags}");
            for (d, want) in got.iter().zip(warnings.iter()) {
                assert_eq!(d.severity, crate::diag::Severity::Warning, "case `{name}`");
                assert!(
                    d.message.contains(want),
                    "case `{name}`: `{}` lacks `{want}`",
                    d.message
                );
                assert_eq!(d.pointer, "/components/schemas/S", "case `{name}`");
                assert_eq!(d.file, "test.yaml");
            }
        }
        Ok(())
    }

    use crate::diag::Diagnostic;

    #[test]
    fn warnings_point_at_nested_schemas() -> TestResult {
        let diags = check(
            &schema_doc("{type: object, properties: {'a/b': {type: array, prefixItems: [true]}}}"),
            &schema_out("{type: object, properties: {'a/b': {type: array}}}"),
        )?;
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags.iter().next().map(|d| d.pointer.as_str()),
            Some("/components/schemas/S/properties/a~1b")
        );
        Ok(())
    }

    #[test]
    fn document_rules() -> TestResult {
        let diags = check(
            "openapi: 3.1.1\ninfo: {title: t, version: '1', summary: s, license: {name: MIT, identifier: MIT}}\njsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base'\nwebhooks:\n  newPet: {post: {responses: {'200': {description: ok}}}}\n  gone: {}\n",
            "openapi: 3.0.3\ninfo: {title: t, version: '1', summary: s, license: {name: MIT, identifier: MIT}}\njsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base'\npaths: {}\n",
        )?;
        let messages: Vec<String> = diags
            .iter()
            .map(|d| format!("{}#{} {}", d.file, d.pointer, d.message))
            .collect();
        assert_eq!(
            messages,
            vec![
                "test.yaml#/webhooks/newPet webhook `newPet` is not generated",
                "test.yaml#/webhooks/gone webhook `gone` is not generated",
            ]
        );
        Ok(())
    }

    #[test]
    fn operations_parameters_and_media_types() -> TestResult {
        let input = r##"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /runs/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: [string]}}
      - {$ref: '#/components/parameters/P', description: why, summary: s}
    post:
      parameters:
        - {$ref: '#/components/parameters/P', x-extra: 1}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {a: {const: 1}}}
            examples:
              one: {summary: s, value: {a: 1}}
              two: {$ref: '#/components/examples/E', summary: kept-out}
            encoding:
              a:
                headers:
                  X-Rate: {schema: {type: [integer, 'null']}}
      responses:
        200:
          headers:
            X-Next: {schema: {type: [string, 'null']}}
          content:
            application/json:
              schema: {examples: [1, 2], type: integer}
        default: {$ref: '#/components/responses/Err'}
      callbacks:
        onDone:
          '{$request.body#/url}':
            post:
              requestBody:
                content:
                  application/json:
                    schema: {type: ['null', boolean]}
              responses: {'204': {description: done}}
components:
  parameters:
    P: {name: p, in: query, schema: {type: [integer, 'null']}}
  responses:
    Err: {description: err, content: {application/json: {schema: {const: e}}}}
  examples:
    E: {value: 1}
"##;
        let expected = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /runs/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {$ref: '#/components/parameters/P'}
    post:
      parameters:
        - {$ref: '#/components/parameters/P'}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {a: {type: integer, enum: [1]}}}
            examples:
              one: {summary: s, value: {a: 1}}
              two: {$ref: '#/components/examples/E'}
            encoding:
              a:
                headers:
                  X-Rate: {schema: {type: integer, nullable: true}}
      responses:
        '200':
          description: ''
          headers:
            X-Next: {schema: {type: string, nullable: true}}
          content:
            application/json:
              schema: {example: 1, type: integer}
        default: {$ref: '#/components/responses/Err'}
      callbacks:
        onDone:
          '{$request.body#/url}':
            post:
              requestBody:
                content:
                  application/json:
                    schema: {type: boolean, nullable: true}
              responses: {'204': {description: done}}
components:
  parameters:
    P: {name: p, in: query, schema: {type: integer, nullable: true}}
  responses:
    Err: {description: err, content: {application/json: {schema: {type: string, enum: [e]}}}}
  examples:
    E: {value: 1}
"##;
        let diags = check(input, expected)?;
        let located: Vec<(String, String)> = diags
            .iter()
            .map(|d| (d.pointer.clone(), d.message.clone()))
            .collect();
        // `summary` and `description` beside a `$ref` are allowed by 3.1 and dropped quietly.
        assert_eq!(located.len(), 1, "{diags}");
        assert_eq!(located[0].0, "/paths/~1runs~1{id}/post/parameters/0");
        assert!(located[0].1.contains("`x-extra`"));
        Ok(())
    }

    #[test]
    fn repairs_that_openapiv3_needs() -> TestResult {
        let input = r#"
openapi: 3.0
info: {title: t, version: 1.0}
servers:
  - url: 'https://{host}:{port}'
    variables:
      host: {default: example.com}
      port: {default: 80, enum: [80, 8080]}
paths:
  /a:
    servers: [{url: '/', variables: {v: {default: 2}}}]
    get:
      parameters:
        - {name: h, in: header, style: form, schema: {type: string}}
        - {name: q, in: query, style: deepObject, required: optional, schema: {type: object}}
        - {name: p, in: path, required: 'true', style: simple, schema: {type: string}}
      responses:
        '200':
          description: ok
          headers:
            X-A: {style: form, schema: {type: string}}
    post: {operationId: noResponses}
"#;
        let expected = r#"
openapi: '3.0'
info: {title: t, version: '1.0'}
servers:
  - url: 'https://{host}:{port}'
    variables:
      host: {default: example.com}
      port: {default: '80', enum: ['80', '8080']}
paths:
  /a:
    servers: [{url: '/', variables: {v: {default: '2'}}}]
    get:
      parameters:
        - {name: h, in: header, style: simple, schema: {type: string}}
        - {name: q, in: query, style: deepObject, required: false, schema: {type: object}}
        - {name: p, in: path, required: true, style: simple, schema: {type: string}}
      responses:
        '200':
          description: ok
          headers:
            X-A: {style: simple, schema: {type: string}}
    post: {operationId: noResponses, responses: {}}
"#;
        let diags = check(input, expected)?;
        let located: Vec<String> = diags
            .iter()
            .map(|d| format!("{} {}", d.pointer, d.message))
            .collect();
        assert_eq!(
            located,
            vec![
                "/paths/~1a/get/parameters/0/style style `form` is not allowed for a header parameter; read as `simple`",
                "/paths/~1a/get/parameters/1/required `required: optional` is not a boolean; read as `false`",
                "/paths/~1a/get/responses/200/headers/X-A/style style `form` is not allowed for a header parameter; read as `simple`",
            ]
        );
        Ok(())
    }

    /// Schemas that move (a merged `anyOf` branch, `patternProperties`, tuple `items`) are
    /// normalised where they are in the source, so warnings point at lines the author can find.
    #[test]
    fn warnings_inside_moved_schemas_keep_source_pointers() -> TestResult {
        let diags = check(
            &schema_doc(
                "{anyOf: [{type: 'null'}, {type: object, properties: {a: {if: {}}}}], patternProperties: {'^p': {type: array, contains: {}}}, unevaluatedProperties: false}",
            ),
            &schema_out(
                "{type: object, properties: {a: {}}, additionalProperties: {type: array}, nullable: true}",
            ),
        )?;
        let pointers: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/components/schemas/S/anyOf/1/properties/a",
                "/components/schemas/S/patternProperties/^p",
                "/components/schemas/S",
                "/components/schemas/S",
            ],
            "{diags}"
        );
        Ok(())
    }

    #[test]
    fn v30_media_type_examples_untouched() -> TestResult {
        let doc = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: string, nullable: true}
              examples: {first: {value: x}, second: {value: y}}
"#;
        let diags = check(doc, doc)?;
        assert!(diags.is_empty());
        Ok(())
    }

    #[test]
    fn mutual_tls_dropped() -> TestResult {
        let diags = check(
            &format!(
                "{HEAD_31}components:\n  securitySchemes:\n    m: {{type: mutualTLS}}\n    k: {{type: apiKey, in: header, name: X-Key}}\n"
            ),
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  securitySchemes:\n    k: {type: apiKey, in: header, name: X-Key}\n",
        )?;
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags.iter().next().map(|d| d.pointer.as_str()),
            Some("/components/securitySchemes/m")
        );
        Ok(())
    }

    #[test]
    fn cyclic_refs_terminate() -> TestResult {
        let _ = check(
            &schema_doc(
                "{type: object, properties: {next: {$ref: '#/components/schemas/S'}, alt: {$ref: '#/components/schemas/S/properties/next'}}}",
            ),
            &schema_out(
                "{type: object, properties: {next: {$ref: '#/components/schemas/S'}, alt: {$ref: '#/components/schemas/S/properties/next'}}}",
            ),
        )?;
        Ok(())
    }

    /// A root whose schemas live in another file: targets there are normalised as schemas, and
    /// warnings name that file.
    #[test]
    fn refs_into_other_files_are_normalised() -> TestResult {
        let root = yaml(
            r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /pets:
    $ref: 'paths/pets.yaml'
components:
  schemas:
    Pet: {$ref: 'schemas/pet.yaml#/Pet'}
"#,
        )?;
        let pets = yaml(
            r#"
get:
  responses:
    '200':
      description: ok
      content:
        application/json:
          schema: {type: array, items: {$ref: '../schemas/pet.yaml#/Pet'}}
"#,
        )?;
        let pet = yaml(
            r#"
Pet:
  type: object
  properties:
    name: {type: [string, 'null']}
    tag: {$ref: '#/Tag', description: the tag}
Tag: {type: string, examples: [t], if: {}}
Unused: {type: [string, 'null']}
"#,
        )?;
        let file = |path: &str, value: Value| SourceFile {
            path: PathBuf::from(format!("/spec/{path}")),
            display: format!("spec/{path}"),
            value,
        };
        let mut sources = Sources {
            files: vec![
                file("root.yaml", root),
                file("paths/pets.yaml", pets),
                file("schemas/pet.yaml", pet),
            ],
            version: SpecVersion::V3_1,
        };
        let mut diags = Diagnostics::new();
        normalize(&mut sources, &mut diags);
        assert_eq!(sources.files[0].value["openapi"], "3.0.3");
        assert_eq!(
            sources.files[2].value,
            yaml(
                r#"
Pet:
  type: object
  properties:
    name: {type: string, nullable: true}
    tag: {allOf: [{$ref: '#/Tag'}], description: the tag}
Tag: {type: string, example: t}
Unused: {type: [string, 'null']}
"#
            )?
        );
        let warnings: Vec<String> = diags
            .iter()
            .map(|d| format!("{}#{}", d.file, d.pointer))
            .collect();
        assert_eq!(warnings, vec!["spec/schemas/pet.yaml#/Tag"]);
        Ok(())
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut schema = json!({"type": "string"});
        for _ in 0..(MAX_DEPTH + 10) {
            schema = json!({"type": "array", "items": schema});
        }
        let mut sources = Sources {
            files: vec![SourceFile {
                path: PathBuf::from("/deep.json"),
                display: "deep.json".into(),
                value: json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"D": schema}}}),
            }],
            version: SpecVersion::V3_1,
        };
        let mut diags = Diagnostics::new();
        normalize(&mut sources, &mut diags);
        assert_eq!(diags.error_count(), 1, "{diags}");
    }
}
