//! Selection: the part of an [`Api`] a user asked for (`--tag`, `--operation`).
//!
//! Input: a lowered [`Api`] and a [`Selection`]. Output: the same `Api` holding only the chosen
//! operations and the types they reach, or a message per tag or operation the spec lacks.
//!
//! This is a model pass, not an emitter option, so every back end (types, responses, client,
//! server, Cargo.toml) sees one consistent, smaller model and none of them filters on its own.
//!
//! Invariants:
//! - An empty selection changes nothing: every type stays, reachable or not.
//! - Otherwise a type stays exactly when a kept operation reaches it, transitively through
//!   fields, variants, aliases, newtypes, array items, map values and enum defaults
//!   ([`reachable`]). Component schemas no kept operation uses are dropped.
//! - Order is kept: operations in document order, types sorted by name (the survivors are
//!   renumbered, not re-sorted), so the output stays deterministic.
//!
//! Tests: below (pruning, errors), and `generator/tests/standalone.rs`, which builds a crate
//! generated with `--tag` and `--client-only`.

use super::{Api, Operation, TypeId};

/// Which operations to keep. An operation is kept when it has any of `tags` or is named in
/// `operations`; when both lists are empty, everything is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Tags as the spec writes them.
    pub tags: Vec<String>,
    /// `operationId`s, or the generated method names (`list_pets`).
    pub operations: Vec<String>,
}

impl Selection {
    /// Whether this keeps the whole API.
    pub fn is_all(&self) -> bool {
        self.tags.is_empty() && self.operations.is_empty()
    }

    fn names(&self, op: &Operation) -> bool {
        let method = op.fn_name.strip_prefix("r#").unwrap_or(&op.fn_name);
        self.operations
            .iter()
            .any(|o| *o == op.operation_id || o == method || *o == op.fn_name)
    }

    /// Whether `op` is selected.
    pub fn keeps(&self, op: &Operation) -> bool {
        self.is_all() || op.tags.iter().any(|t| self.tags.contains(t)) || self.names(op)
    }
}

/// `reached[i]`: whether type `i` is reachable from `ops`.
pub fn reachable<'a>(api: &Api, ops: impl IntoIterator<Item = &'a Operation>) -> Vec<bool> {
    let mut roots: Vec<TypeId> = Vec::new();
    for op in ops {
        op.for_each_type_id(&mut |id| roots.push(id));
    }
    closure(api, roots)
}

/// `reached[i]`: whether a JSON request body of some operation can hold type `i` (servers
/// read these with the strict decoder, so they need its table of non-nullable fields).
pub fn reachable_from_json_bodies(api: &Api) -> Vec<bool> {
    let mut roots: Vec<TypeId> = Vec::new();
    for c in api.operations.iter().flat_map(Operation::json_bodies) {
        c.ty.for_each_type_id(&mut |id| roots.push(id));
    }
    closure(api, roots)
}

/// `reached[i]`: whether type `i` is one of `roots` or reachable from one.
pub fn closure(api: &Api, roots: Vec<TypeId>) -> Vec<bool> {
    let mut reached = vec![false; api.types.len()];
    let mut stack = roots;
    while let Some(id) = stack.pop() {
        match reached.get_mut(id.0) {
            Some(seen) if !*seen => *seen = true,
            _ => continue,
        }
        if let Some(def) = api.types.get(id.0) {
            def.for_each_type_id(&mut |next| stack.push(next));
        }
    }
    reached
}

/// Keeps what `selection` asks for (see the module docs). On error `api` is unchanged and each
/// message names a tag or operation the spec does not have, with what it does have.
pub fn select(api: &mut Api, selection: &Selection) -> Result<(), Vec<String>> {
    if selection.is_all() {
        return Ok(());
    }
    let errors = unknown(api, selection);
    if !errors.is_empty() {
        return Err(errors);
    }
    api.operations.retain(|op| selection.keeps(op));
    let reached = reachable(api, &api.operations);
    retain_types(api, &reached);
    retain_degradations(api);
    Ok(())
}

/// A message per selected tag or operation that matches nothing.
fn unknown(api: &Api, selection: &Selection) -> Vec<String> {
    let tags = api.tags();
    let mut errors = Vec::new();
    for tag in &selection.tags {
        if !tags.contains(&tag.as_str()) {
            let known = if tags.is_empty() {
                "no operation of the spec has a tag".to_owned()
            } else {
                format!("tags in the spec: {}", brief(&tags))
            };
            errors.push(format!("no operation has the tag `{tag}`; {known}"));
        }
    }
    for name in &selection.operations {
        let one = Selection {
            tags: Vec::new(),
            operations: vec![name.clone()],
        };
        if !api.operations.iter().any(|op| one.names(op)) {
            let ids: Vec<&str> = api
                .operations
                .iter()
                .map(|op| op.operation_id.as_str())
                .collect();
            errors.push(format!(
                "no operation is named `{name}`; operations in the spec: {}",
                brief(&ids)
            ));
        }
    }
    errors
}

/// `a, b, c` or, for a long list, its start and how many more there are.
fn brief(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    let mut text = names
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// Drops the types not `reached` and renumbers the rest, keeping their order.
fn retain_types(api: &mut Api, reached: &[bool]) {
    let mut new_id = vec![usize::MAX; api.types.len()];
    let kept = reached.iter().enumerate().filter(|(_, r)| **r);
    for (new, (old, _)) in kept.enumerate() {
        new_id[old] = new;
    }
    let types = std::mem::take(&mut api.types);
    api.types = types
        .into_iter()
        .zip(reached)
        .filter_map(|(t, r)| r.then_some(t))
        .collect();
    // Every id still stored is reachable, hence kept, hence renumbered.
    api.for_each_type_id_mut(&mut |id| id.0 = new_id[id.0]);
}

/// Keeps the recorded fallbacks to untyped JSON that lie inside a kept type or operation, so
/// the counts reported (and written to the README) describe the crate generated.
fn retain_degradations(api: &mut Api) {
    let mut places: Vec<String> = api.types.iter().map(|t| t.origin.clone()).collect();
    for op in &api.operations {
        let at = |pointer: &str| format!("{}#{pointer}", op.source.file);
        places.push(at(&op.source.pointer));
        // Path-level parameters sit beside the operation, under its path item.
        if let Some((item, _)) = op.source.pointer.rsplit_once('/') {
            places.push(at(&format!("{item}/parameters")));
        }
    }
    let inside = |location: &str| {
        places.iter().any(|p| {
            location
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    };
    api.untyped.retain(|d| inside(&d.location));
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: Pets, version: '1'}
paths:
  /pets:
    get:
      operationId: listPets
      tags: [pets]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
  /stores/{id}:
    get:
      operationId: getStore
      tags: [stores]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Store'}
  /type:
    get:
      operationId: type
      responses:
        '204': {description: none}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string}
        owner: {$ref: '#/components/schemas/Owner'}
        kind: {$ref: '#/components/schemas/Kind'}
    Owner:
      type: object
      properties:
        tags: {type: object, additionalProperties: {$ref: '#/components/schemas/Label'}}
    Label: {type: string}
    Kind:
      type: string
      enum: [cat, dog]
    Store:
      type: object
      properties:
        pets: {type: array, items: {$ref: '#/components/schemas/Pet'}}
        address: {$ref: '#/components/schemas/Address'}
    Address: {type: object, properties: {street: {type: string}}}
    Unused: {type: object, properties: {x: {type: integer}}}
"##;

    fn api() -> Api {
        match crate::load_model_str("pets.yaml", SPEC) {
            Ok((api, _)) => api,
            Err(diags) => panic!("{diags}"),
        }
    }

    fn names(api: &Api) -> (Vec<&str>, Vec<&str>) {
        (
            api.operations
                .iter()
                .map(|o| o.operation_id.as_str())
                .collect(),
            api.types.iter().map(|t| t.name.as_str()).collect(),
        )
    }

    fn selection(tags: &[&str], operations: &[&str]) -> Selection {
        Selection {
            tags: tags.iter().map(|s| s.to_string()).collect(),
            operations: operations.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn keeps_what_selected_operations_reach() {
        let all = api();
        let (ops, types) = names(&all);
        assert_eq!(ops, ["listPets", "getStore", "type"]);
        assert_eq!(
            types,
            [
                "Address", "Kind", "Label", "Owner", "Pet", "Store", "Unused"
            ]
        );

        // Transitively through a field, an enum field and a map value; not Store or Unused.
        let mut pets = all.clone();
        assert_eq!(select(&mut pets, &selection(&["pets"], &[])), Ok(()));
        assert_eq!(
            names(&pets),
            (vec!["listPets"], vec!["Kind", "Label", "Owner", "Pet"])
        );
        // Ids are renumbered: every reference still names the same type.
        let pet = pets.types.iter().position(|t| t.name == "Pet").unwrap();
        let mut named = Vec::new();
        pets.types[pet].for_each_type_id(&mut |id| named.push(id));
        let named: Vec<&str> = named
            .iter()
            .map(|id| pets.types[id.0].name.as_str())
            .collect();
        assert_eq!(named, ["Owner", "Kind"]);

        // Store reaches Pet through array items; a tag and an operation add up.
        let mut stores = all.clone();
        assert_eq!(
            select(&mut stores, &selection(&["stores"], &["type"])),
            Ok(())
        );
        assert_eq!(
            names(&stores),
            (
                vec!["getStore", "type"],
                vec!["Address", "Kind", "Label", "Owner", "Pet", "Store"]
            )
        );

        // The generated method name works too (`type` is the raw `r#type`).
        let mut by_method = all.clone();
        assert_eq!(
            select(&mut by_method, &selection(&[], &["get_store"])),
            Ok(())
        );
        assert_eq!(names(&by_method).0, ["getStore"]);

        // No selection: nothing pruned, unused types included.
        let mut same = all.clone();
        assert_eq!(select(&mut same, &Selection::default()), Ok(()));
        assert_eq!(same, all);
    }

    #[test]
    fn unknown_tags_and_operations_are_named() {
        let mut api = api();
        let before = api.clone();
        let errors = select(&mut api, &selection(&["pets", "cats"], &["listDogs"]));
        assert_eq!(
            errors,
            Err(vec![
                "no operation has the tag `cats`; tags in the spec: pets, stores".to_owned(),
                "no operation is named `listDogs`; operations in the spec: listPets, getStore, type"
                    .to_owned(),
            ])
        );
        assert_eq!(api, before);
        let many: Vec<String> = (0..15).map(|i| format!("op{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(brief(&many).ends_with("op11 and 3 more"));
    }
}
