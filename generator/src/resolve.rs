//! Reference resolution over every loaded file.
//!
//! Input: [`Sources`] (normalised JSON values, the root first). Output: the root parsed as
//! `openapiv3::OpenAPI`, and [`Resolver::deref`], which follows a `$ref` (local, to another
//! place in the same file, or to another file by relative path) to the object it names, parsed
//! as the type the reference stands in for.
//!
//! Invariants:
//! - Every reference is resolved relative to the file it appears in; [`Loc`] carries that file
//!   along so nested references in another file resolve from there.
//! - Chains of references are followed to a bounded depth; a cycle of pure references is an
//!   error, not a hang. Cycles *through* schemas are fine: the lowering reserves type ids first.
//! - Errors name the file and JSON pointer of the `$ref` and what is wrong with it.
//!
//! Tests: `generator/tests/diagnostics.rs` (broken references) and the lowering tests.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use openapiv3::ReferenceOr;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diag::{Diagnostic, Severity, pointer_push};
use crate::load::{FileId, Sources};

/// A place in the loaded documents: a file and a JSON pointer into it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: FileId,
    pub pointer: String,
}

impl Loc {
    pub fn root(pointer: impl Into<String>) -> Self {
        Loc {
            file: FileId(0),
            pointer: pointer.into(),
        }
    }

    /// This location extended by one pointer token.
    pub fn join(&self, token: &str) -> Loc {
        Loc {
            file: self.file,
            pointer: pointer_push(&self.pointer, token),
        }
    }

    /// The last token of the pointer, unescaped: the name a component is known by.
    pub fn last_token(&self) -> Option<String> {
        let last = self.pointer.rsplit('/').next()?;
        if last.is_empty() {
            return None;
        }
        Some(last.replace("~1", "/").replace("~0", "~"))
    }
}

/// Follows references and parses their targets, caching parsed schemas.
pub struct Resolver<'a> {
    sources: &'a Sources,
    pub doc: openapiv3::OpenAPI,
    schemas: RefCell<BTreeMap<Loc, Rc<openapiv3::Schema>>>,
}

impl std::fmt::Debug for Resolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("files", &self.sources.files.len())
            .finish_non_exhaustive()
    }
}

/// Maximum length of a chain of references that only point at other references.
const MAX_REF_CHAIN: usize = 32;

impl<'a> Resolver<'a> {
    /// Parses the root document. Fails with a located diagnostic when it does not have the shape
    /// of an OpenAPI document.
    pub fn new(sources: &'a Sources) -> Result<Self, Diagnostic> {
        let root = sources.root();
        let doc = parse_root(&root.value).map_err(|(pointer, message)| {
            let (pointer, message) = refine(&root.value).unwrap_or((pointer, message));
            error(sources, FileId(0), &pointer, message)
        })?;
        Ok(Resolver {
            sources,
            doc,
            schemas: RefCell::new(BTreeMap::new()),
        })
    }

    pub fn sources(&self) -> &Sources {
        self.sources
    }

    /// The display name of a file, for diagnostics.
    pub fn display(&self, file: FileId) -> &str {
        &self.sources.file(file).display
    }

    /// A located diagnostic.
    pub fn error(&self, loc: &Loc, message: impl Into<String>) -> Diagnostic {
        error(self.sources, loc.file, &loc.pointer, message.into())
    }

    pub fn warning(&self, loc: &Loc, message: impl Into<String>) -> Diagnostic {
        let mut d = self.error(loc, message);
        d.severity = Severity::Warning;
        d
    }

    /// Resolves `reference` written at `at` to the location and raw value it names, following
    /// chains of pure references.
    pub fn target(&self, at: &Loc, reference: &str) -> Result<(Loc, &'a Value), Diagnostic> {
        let mut here = at.clone();
        let mut reference = reference.to_owned();
        for _ in 0..MAX_REF_CHAIN {
            let loc = self.locate(&here, &reference)?;
            let value = self.sources.get(loc.file, &loc.pointer).ok_or_else(|| {
                self.error(
                    &here.join("$ref"),
                    format!("$ref '{reference}' does not exist"),
                )
            })?;
            match value.get("$ref").and_then(Value::as_str) {
                Some(next) => {
                    here = loc;
                    reference = next.to_owned();
                }
                None => return Ok((loc, value)),
            }
        }
        Err(self.error(
            &at.join("$ref"),
            format!("$ref '{reference}' is part of a cycle of references that never reaches a definition"),
        ))
    }

    /// The location a reference names, without looking at what is there.
    fn locate(&self, at: &Loc, reference: &str) -> Result<Loc, Diagnostic> {
        let (file, pointer) = self
            .sources
            .locate(at.file, reference)
            .map_err(|e| self.error(&at.join("$ref"), format!("$ref '{reference}': {e}")))?;
        Ok(Loc { file, pointer })
    }

    /// Follows `item` if it is a reference, and parses what it names as `T`. Returns where the
    /// object lives (the reference's target, or `at` for an inline object).
    pub fn deref<'i, T: DeserializeOwned + Clone>(
        &self,
        at: &Loc,
        item: &'i ReferenceOr<T>,
    ) -> Result<(Loc, Cow<'i, T>), Diagnostic> {
        match item {
            ReferenceOr::Item(value) => Ok((at.clone(), Cow::Borrowed(value))),
            ReferenceOr::Reference { reference } => {
                let (loc, value) = self.target(at, reference)?;
                let parsed = parse::<T>(value).map_err(|(pointer, message)| {
                    error(
                        self.sources,
                        loc.file,
                        &format!("{}{pointer}", loc.pointer),
                        message,
                    )
                })?;
                Ok((loc, Cow::Owned(parsed)))
            }
        }
    }

    /// The schema at `loc` (a reference target), parsed once and shared.
    pub fn schema_at(&self, loc: &Loc) -> Result<Rc<openapiv3::Schema>, Diagnostic> {
        if let Some(s) = self.schemas.borrow().get(loc) {
            return Ok(s.clone());
        }
        // A component schema of the root was parsed with the document: cloned, not re-read.
        if let Some(schema) = self.root_component_schema(loc) {
            let schema = Rc::new(schema.clone());
            self.schemas
                .borrow_mut()
                .insert(loc.clone(), schema.clone());
            return Ok(schema);
        }
        let value = self
            .sources
            .get(loc.file, &loc.pointer)
            .ok_or_else(|| self.error(loc, "schema does not exist"))?;
        let schema = Rc::new(
            parse::<openapiv3::Schema>(value).map_err(|(pointer, message)| {
                error(
                    self.sources,
                    loc.file,
                    &format!("{}{pointer}", loc.pointer),
                    message,
                )
            })?,
        );
        self.schemas
            .borrow_mut()
            .insert(loc.clone(), schema.clone());
        Ok(schema)
    }

    /// The schema at `loc` when it is `#/components/schemas/{name}` of the root document and
    /// not itself a reference, as `Resolver::new` parsed it.
    fn root_component_schema(&self, loc: &Loc) -> Option<&openapiv3::Schema> {
        if loc.file != FileId(0) {
            return None;
        }
        let token = loc.pointer.strip_prefix("/components/schemas/")?;
        if token.contains('/') {
            return None;
        }
        match self
            .doc
            .components
            .as_ref()?
            .schemas
            .get(&loc.last_token()?)?
        {
            ReferenceOr::Item(schema) => Some(schema),
            ReferenceOr::Reference { .. } => None,
        }
    }

    /// Resolves a schema reference to the location of its definition.
    pub fn schema_ref(&self, at: &Loc, reference: &str) -> Result<Loc, Diagnostic> {
        let (loc, value) = self.target(at, reference)?;
        if !value.is_object() {
            return Err(self.error(
                &at.join("$ref"),
                format!("$ref '{reference}' does not point at a schema object"),
            ));
        }
        Ok(loc)
    }
}

fn error(sources: &Sources, file: FileId, pointer: &str, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: sources.file(file).display.clone(),
        pointer: pointer.to_owned(),
        message,
        help: None,
    }
}

/// Parses `value` as `T`, reporting the JSON pointer (relative to `value`) of a failure.
pub fn parse<T: DeserializeOwned>(value: &Value) -> Result<T, (String, String)> {
    // Tracking the path costs on every field; it is only needed to report an error, so the
    // document is read again with it only when the plain read fails.
    if let Ok(parsed) = T::deserialize(value) {
        return Ok(parsed);
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut pointer = String::new();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer = pointer_push(&pointer, &index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer = pointer_push(&pointer, key);
                }
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let message = simplify_serde_message(&e.inner().to_string());
        (pointer, message)
    })
}

/// The root document parsed as an OpenAPI document.
///
/// `paths` and `components`, nearly all of a large document, are parsed on two threads at
/// once, and apart from the rest: `OpenAPI` collects its extensions with `#[serde(flatten)]`,
/// which makes serde copy every field it is given into a buffer first. When any part fails,
/// the whole document is parsed again in one piece, so the error is the one a plain read
/// reports.
fn parse_root(root: &Value) -> Result<openapiv3::OpenAPI, (String, String)> {
    parse_in_parts(root).map_or_else(|| parse(root), Ok)
}

fn parse_in_parts(root: &Value) -> Option<openapiv3::OpenAPI> {
    let map = root.as_object()?;
    let paths = map.get("paths").filter(|v| v.is_object())?;
    let components = map.get("components").filter(|v| v.is_object())?;
    let mut rest: serde_json::Map<String, Value> = map
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "paths" | "components"))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    rest.insert("paths".to_owned(), Value::Object(serde_json::Map::new()));
    let rest = Value::Object(rest);
    let (doc, paths, components) = std::thread::scope(|scope| {
        let components = scope.spawn(|| openapiv3::Components::deserialize(components).ok());
        let paths = openapiv3::Paths::deserialize(paths).ok();
        let doc = openapiv3::OpenAPI::deserialize(&rest).ok();
        (doc, paths, components.join().ok().flatten())
    });
    let mut doc = doc?;
    doc.paths = paths?;
    doc.components = Some(components?);
    Some(doc)
}

/// Finds the smallest failing piece of a document that does not parse as a whole. openapiv3's
/// maps of paths and responses deserialize through custom visitors that lose the error's path,
/// so parse each path item and component on its own to point at the culprit.
fn refine(root: &Value) -> Option<(String, String)> {
    fn each<T: DeserializeOwned>(root: &Value, base: &str) -> Option<(String, String)> {
        let map = root.pointer(base)?.as_object()?;
        map.iter().find_map(|(key, value)| {
            parse::<T>(value)
                .err()
                .map(|(inner, message)| (format!("{}{inner}", pointer_push(base, key)), message))
        })
    }
    each::<openapiv3::PathItem>(root, "/paths")
        .or_else(|| each::<openapiv3::Schema>(root, "/components/schemas"))
        .or_else(|| each::<openapiv3::Response>(root, "/components/responses"))
        .or_else(|| each::<openapiv3::Parameter>(root, "/components/parameters"))
        .or_else(|| each::<openapiv3::RequestBody>(root, "/components/requestBodies"))
        .or_else(|| each::<openapiv3::Header>(root, "/components/headers"))
        .or_else(|| each::<openapiv3::SecurityScheme>(root, "/components/securitySchemes"))
}

/// serde's messages for untagged enums say nothing useful; say what was expected instead.
fn simplify_serde_message(message: &str) -> String {
    if message.contains("did not match any variant of untagged enum ReferenceOr") {
        "not a valid object here, nor a $ref".to_owned()
    } else if message.contains("untagged enum") {
        format!("unexpected shape ({message})")
    } else {
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document parsed in parts is the document parsed whole, for every spec of the
    /// repository; a part that fails makes the split give up, so the whole parse reports it.
    #[test]
    fn parsing_in_parts_is_parsing_whole() {
        for path in crate::repo_specs() {
            let mut diags = crate::diag::Diagnostics::default();
            let mut sources = crate::load::load(&path, &mut diags).expect("the spec loads");
            crate::normalize::normalize(&mut sources, &mut diags);
            let root = &sources.root().value;
            let whole = parse::<openapiv3::OpenAPI>(root).expect("the spec parses");
            assert_eq!(parse_in_parts(root), Some(whole), "{}", path.display());
        }

        let broken = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": "none"}}},
            "components": {"schemas": {"A": {"type": "string"}}},
        });
        assert_eq!(parse_in_parts(&broken), None);
        let (pointer, _) = parse_root(&broken).expect_err("responses must be an object");
        assert!(pointer.starts_with("/paths"), "{pointer}");
    }

    /// A component schema taken from the parsed document is the schema read from its JSON,
    /// names that need escaping in a pointer included; other places are not taken from it.
    #[test]
    fn component_schemas_come_from_the_parsed_document() {
        let mut diags = crate::diag::Diagnostics::default();
        let text = r##"{
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {
                "a/b~c": {"type": "string", "maxLength": 3},
                "Alias": {"$ref": "#/components/schemas/a~1b~0c"}
            }}
        }"##;
        let sources = crate::load::load_str("t.json", text, &mut diags).expect("loads");
        let resolver = Resolver::new(&sources).expect("parses");
        let at = Loc::root("/components/schemas").join("a/b~c");
        assert_eq!(at.pointer, "/components/schemas/a~1b~0c");
        let taken = resolver
            .root_component_schema(&at)
            .expect("taken from the document");
        let read = parse::<openapiv3::Schema>(sources.get(FileId(0), &at.pointer).expect("there"));
        assert_eq!(Ok(taken.clone()), read);
        assert_eq!(resolver.schema_at(&at).ok().as_deref(), Some(taken));
        let alias = Loc::root("/components/schemas").join("Alias");
        assert!(resolver.root_component_schema(&alias).is_none());
        let nested = at.join("items");
        assert!(resolver.root_component_schema(&nested).is_none());

        for path in crate::repo_specs() {
            let mut diags = crate::diag::Diagnostics::default();
            let mut sources = crate::load::load(&path, &mut diags).expect("the spec loads");
            crate::normalize::normalize(&mut sources, &mut diags);
            let resolver = Resolver::new(&sources).expect("the spec parses");
            let names = resolver
                .doc
                .components
                .iter()
                .flat_map(|c| c.schemas.keys());
            for name in names {
                let at = Loc::root("/components/schemas").join(name);
                if let Some(taken) = resolver.root_component_schema(&at) {
                    let value = sources.get(FileId(0), &at.pointer).expect("there");
                    assert_eq!(
                        Ok(taken.clone()),
                        parse(value),
                        "{}#{}",
                        path.display(),
                        at.pointer
                    );
                }
            }
        }
    }
}
