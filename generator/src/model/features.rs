//! Per-tag cargo features: a generated crate can compile only the tags a user needs.
//!
//! Input: an [`Api`] (after selection). Output: the same `Api` with [`Api::tag_features`] and,
//! on each operation and type, the features any of which compiles it; the emitters turn these
//! into `#[cfg(any(feature = …))]` and the crate's `[features]` table.
//!
//! Rules:
//! - Only when operations use two tags or more; a crate with one tag or none stays plain.
//! - An operation is gated by the features of its tags; an untagged one is never gated.
//! - A type is gated by the features of the operations that reach it ([`select::reachable`]),
//!   so it compiles whenever one of them does. It is never gated when an ungated operation
//!   reaches it, nor when such an ungated type refers to it.
//! - A type no operation reaches (a component schema kept for users) is gated by one more
//!   feature, [`UNUSED_TYPES`], and so is every type it refers to (added to the tags that reach
//!   those): a user who enables only their tags does not compile the schemas no operation uses,
//!   which in large specs are most of them.
//! - Every feature is on by default (`default = […]` in Cargo.toml), so users see no change.
//!
//! Tests: below; `generator/tests/standalone.rs` checks a crate with one tag feature on.

use super::select::{closure, reachable};
use super::{Api, TagFeature, TypeId};
use crate::naming::{self, Scope};

/// The feature that compiles the types no operation reaches (see the module docs). Tag
/// features all start with `tag-`, so it cannot collide with one.
pub const UNUSED_TYPES: &str = "unused-types";

/// Fills in the tag features of `api` (see the module docs).
pub fn gate_by_tag(api: &mut Api) {
    let tags = api.tags();
    if tags.len() < 2 {
        return;
    }
    let mut scope = Scope::new();
    let features: Vec<TagFeature> = tags
        .iter()
        .map(|tag| TagFeature {
            tag: (*tag).to_owned(),
            feature: scope.claim(naming::tag_feature(tag)),
        })
        .collect();
    for op in &mut api.operations {
        op.features = features
            .iter()
            .filter(|f| op.tags.contains(&f.tag))
            .map(|f| f.feature.clone())
            .collect();
    }

    // Types that must always compile: those an untagged operation reaches, and everything
    // these refer to.
    let mut roots: Vec<TypeId> = Vec::new();
    for op in api.operations.iter().filter(|op| op.features.is_empty()) {
        op.for_each_type_id(&mut |id| roots.push(id));
    }
    let always = closure(api, roots);
    // Types no operation reaches, and everything these refer to.
    let by_any = reachable(api, &api.operations);
    let unused: Vec<TypeId> = (0..api.types.len())
        .filter(|i| !by_any[*i] && !always[*i])
        .map(TypeId)
        .collect();
    let with_unused = closure(api, unused);
    let by_feature: Vec<Vec<bool>> = features
        .iter()
        .map(|f| {
            let ops = api
                .operations
                .iter()
                .filter(|op| op.features.contains(&f.feature));
            reachable(api, ops)
        })
        .collect();
    for (i, t) in api.types.iter_mut().enumerate() {
        if always[i] {
            continue;
        }
        t.features = features
            .iter()
            .zip(&by_feature)
            .filter(|(_, reached)| reached[i])
            .map(|(f, _)| f.feature.clone())
            .collect();
        if with_unused[i] {
            t.features.push(UNUSED_TYPES.to_owned());
        }
    }
    api.tag_features = features;
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
  /stores:
    get:
      operationId: listStores
      tags: [Store Front, pets]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Store'}}
  /orders:
    get:
      operationId: listOrders
      tags: [orders]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
  /health:
    get:
      operationId: health
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Health'}
components:
  schemas:
    Pet: {type: object, properties: {name: {type: string}}}
    Store: {type: object, properties: {pets: {type: array, items: {$ref: '#/components/schemas/Pet'}}}}
    Order: {type: object, properties: {store: {$ref: '#/components/schemas/Store'}, note: {$ref: '#/components/schemas/Note'}}}
    Note: {type: string}
    Health: {type: object, properties: {note: {$ref: '#/components/schemas/Note'}}}
    Unused: {type: object, properties: {order: {$ref: '#/components/schemas/Order'}}}
"##;

    fn gated(spec: &str) -> Api {
        let mut api = match crate::load_model_str("pets.yaml", spec) {
            Ok((api, _)) => api,
            Err(diags) => panic!("{diags}"),
        };
        gate_by_tag(&mut api);
        api
    }

    /// Each type's name and the features that compile it.
    fn type_features(api: &Api) -> Vec<(&str, Vec<&str>)> {
        api.types
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.features.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn operations_by_their_tags_types_by_the_operations_reaching_them() {
        let api = gated(SPEC);
        let features: Vec<(&str, &str)> = api
            .tag_features
            .iter()
            .map(|f| (f.tag.as_str(), f.feature.as_str()))
            .collect();
        assert_eq!(
            features,
            [
                ("pets", "tag-pets"),
                ("Store Front", "tag-store-front"),
                ("orders", "tag-orders")
            ]
        );
        let ops: Vec<(&str, Vec<&str>)> = api
            .operations
            .iter()
            .map(|o| {
                (
                    o.operation_id.as_str(),
                    o.features.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            ops,
            [
                ("listPets", vec!["tag-pets"]),
                ("listStores", vec!["tag-pets", "tag-store-front"]),
                ("listOrders", vec!["tag-orders"]),
                ("health", vec![]),
            ]
        );
        assert_eq!(
            type_features(&api),
            [
                // Health is reached by an untagged operation, Note by Health; Unused by none:
                // it compiles with `unused-types`, and so do Order, Store and Pet, which it
                // refers to.
                ("Health", vec![]),
                ("Note", vec![]),
                ("Order", vec!["tag-orders", "unused-types"]),
                (
                    "Pet",
                    vec!["tag-pets", "tag-store-front", "tag-orders", "unused-types"]
                ),
                (
                    "Store",
                    vec!["tag-pets", "tag-store-front", "tag-orders", "unused-types"]
                ),
                ("Unused", vec!["unused-types"]),
            ]
        );
        assert!(api.has_unused_types_feature());

        // Without the unused schema, each type compiles with the tags that reach it.
        let trimmed = SPEC.replace(
            "    Unused: {type: object, properties: {order: {$ref: '#/components/schemas/Order'}}}\n",
            "",
        );
        let api = gated(&trimmed);
        assert_eq!(
            type_features(&api),
            [
                ("Health", vec![]),
                ("Note", vec![]),
                ("Order", vec!["tag-orders"]),
                ("Pet", vec!["tag-pets", "tag-store-front", "tag-orders"]),
                ("Store", vec!["tag-pets", "tag-store-front", "tag-orders"]),
            ]
        );
        assert!(!api.has_unused_types_feature());
    }

    #[test]
    fn one_tag_is_no_feature() {
        let one = SPEC
            .replace("[Store Front, pets]", "[pets]")
            .replace("[orders]", "[pets]");
        let api = gated(&one);
        assert!(api.tag_features.is_empty());
        assert!(api.operations.iter().all(|o| o.features.is_empty()));
        assert!(api.types.iter().all(|t| t.features.is_empty()));
        assert!(!api.has_unused_types_feature());
    }
}
