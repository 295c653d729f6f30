//! Lowering: the resolved `openapiv3` document → the [`Api`] model.
//!
//! Input: a [`Resolver`] (the parsed root plus reference resolution across files).
//! Output: an [`Api`] and the warnings met on the way, or every error found.
//!
//! The passes, in order:
//! 1. Reserve a [`TypeId`] and a name for every schema in `components.schemas`, in document
//!    order, before converting any (typify's "ids before conversion"), so forward and cyclic
//!    references need no special case and component names win over inline ones.
//! 2. Lower security schemes, then operations (`operation.rs`); every `$ref` met reserves its
//!    target; inline schemas that need a name get one from their context (`schema.rs`).
//! 3. Drain the reserved-but-undefined types.
//! 4. Finish (`finish.rs`): resolve enum defaults, break cycles with `Box` or newtypes, sort
//!    types by name and renumber.
//! 5. Merge types of the same shape (`dedupe.rs`): one is emitted, the others become aliases.
//!
//! Invariants: lower decides, emit prints. Everything unsupported becomes a located error or a
//! recorded [`Degradation`] here; nothing in `emit` second-guesses the model.
//!
//! Tests: this module's tests lower small documents; `generator/tests/golden.rs` covers the rest.

mod dedupe;
mod finish;
mod operation;
mod schema;

use std::collections::{BTreeMap, VecDeque};

use crate::diag::Diagnostic;
use crate::model::{Api, Degradation, Docs, TypeDef, TypeId, TypeKind, TypeRef};
use crate::naming::{self, Scope};
use crate::resolve::{Loc, Resolver};

/// Lowers the resolved document. On success also returns the warnings recorded.
pub fn lower(resolver: &Resolver<'_>) -> Result<(Api, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut cx = Lowerer::new(resolver);
    cx.reserve_components();
    let security_schemes = cx.security_schemes();
    let operations = cx.operations(&security_schemes);
    cx.drain();

    let doc = &resolver.doc;
    let servers = cx.servers();
    let (errors, warnings): (Vec<_>, Vec<_>) = cx
        .diags
        .drain(..)
        .partition(|d| d.severity == crate::diag::Severity::Error);
    if !errors.is_empty() {
        return Err(errors);
    }
    let types = cx
        .types
        .into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| TypeDef {
                name: "Unnamed".into(),
                origin: String::new(),
                docs: Docs::default(),
                kind: TypeKind::Alias(TypeRef::Any),
                holds_enum: false,
                features: Vec::new(),
            })
        })
        .collect();
    let mut api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        types,
        operations,
        security_schemes,
        untyped: cx.untyped,
        tag_features: Vec::new(),
    };
    finish::finish(&mut api);
    Ok((api, warnings))
}

/// The lowering's working state.
struct Lowerer<'r, 'a> {
    r: &'r Resolver<'a>,
    /// One slot per reserved type; `None` until defined.
    types: Vec<Option<TypeDef>>,
    /// Names reserved with the slot, kept apart so a slot can be named before it is defined.
    names: Vec<String>,
    origins: Vec<Loc>,
    by_loc: BTreeMap<Loc, TypeId>,
    type_names: Scope,
    pending: VecDeque<TypeId>,
    diags: Vec<Diagnostic>,
    untyped: Vec<Degradation>,
    /// Depth of nested inline schemas being lowered, to stop pathological nesting.
    depth: usize,
}

/// Deepest nesting of inline schemas accepted.
const MAX_DEPTH: usize = 64;

impl<'r, 'a> Lowerer<'r, 'a> {
    fn new(r: &'r Resolver<'a>) -> Self {
        Lowerer {
            r,
            types: Vec::new(),
            names: Vec::new(),
            origins: Vec::new(),
            by_loc: BTreeMap::new(),
            type_names: Scope::new(),
            pending: VecDeque::new(),
            diags: Vec::new(),
            untyped: Vec::new(),
            depth: 0,
        }
    }

    fn reserve_components(&mut self) {
        let keys: Vec<String> = self
            .r
            .doc
            .components
            .as_ref()
            .map(|c| c.schemas.keys().cloned().collect())
            .unwrap_or_default();
        for key in keys {
            let loc = Loc::root("/components/schemas").join(&key);
            self.reserve(loc, &key);
        }
    }

    /// The id of the named type defined at `loc`, reserving it (and its name) on first sight.
    fn reserve(&mut self, loc: Loc, hint: &str) -> TypeId {
        if let Some(id) = self.by_loc.get(&loc) {
            return *id;
        }
        let id = self.new_slot(hint, loc.clone());
        self.by_loc.insert(loc, id);
        self.pending.push_back(id);
        id
    }

    /// A fresh slot for a type named after `hint` (made unique).
    fn new_slot(&mut self, hint: &str, origin: Loc) -> TypeId {
        let id = TypeId(self.types.len());
        let name = self.type_names.claim(naming::type_ident(hint));
        self.types.push(None);
        self.names.push(name);
        self.origins.push(origin);
        id
    }

    fn define(&mut self, id: TypeId, docs: Docs, kind: TypeKind) {
        let origin = &self.origins[id.0];
        let origin = format!("{}#{}", self.r.display(origin.file), origin.pointer);
        self.types[id.0] = Some(TypeDef {
            name: self.names[id.0].clone(),
            origin,
            docs,
            kind,
            holds_enum: false,
            features: Vec::new(),
        });
    }

    fn drain(&mut self) {
        while let Some(id) = self.pending.pop_front() {
            if self.types[id.0].is_some() {
                continue;
            }
            let loc = self.origins[id.0].clone();
            match self.r.schema_at(&loc) {
                Ok(schema) => {
                    let name = self.names[id.0].clone();
                    let (docs, kind) = self.named_kind(&loc, &schema, &name);
                    self.define(id, docs, kind);
                }
                Err(d) => {
                    self.diags.push(d);
                    self.define(id, Docs::default(), TypeKind::Alias(TypeRef::Any));
                }
            }
        }
    }

    /// Records a fallback to untyped JSON, with a warning at the schema's location.
    fn degrade(&mut self, loc: &Loc, reason: impl Into<String>) -> TypeRef {
        let reason = reason.into();
        self.diags.push(
            self.r
                .warning(loc, format!("{reason}; falling back to serde_json::Value")),
        );
        self.untyped.push(Degradation {
            location: format!("{}#{}", self.r.display(loc.file), loc.pointer),
            reason,
        });
        TypeRef::Any
    }

    fn servers(&self) -> Vec<crate::model::Server> {
        self.r
            .doc
            .servers
            .iter()
            .map(|s| crate::model::Server {
                url: s.url.clone(),
                description: s.description.clone(),
                variables: s
                    .variables
                    .iter()
                    .flat_map(|vars| vars.iter())
                    .map(|(name, v)| crate::model::ServerVariable {
                        name: name.clone(),
                        default: v.default.clone(),
                        allowed: v.enumeration.clone(),
                        description: v.description.clone(),
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Docs from a title/summary and a description, dropping empty strings and a title that only
/// repeats the type's name.
fn docs(summary: Option<&str>, description: Option<&str>, deprecated: bool) -> Docs {
    let clean = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let summary = clean(summary);
    let description = clean(description);
    let summary = match (&summary, &description) {
        (Some(s), Some(d)) if d.starts_with(s.as_str()) => None,
        _ => summary,
    };
    Docs {
        summary,
        description,
        deprecated,
    }
}

#[cfg(test)]
mod tests;
