//! Types of the same shape become one type: the others turn into aliases of it.
//!
//! Large specs repeat themselves: Stripe's has 2,270 string enums with only ~430 distinct lists
//! of values (638 of them are the same `""` placeholder) and hundreds of inline structs with
//! the same fields. Each emitted enum or struct costs the generated crate's `cargo check` a few
//! milliseconds of trait impls, so emitting one of each shape and `pub type Other = One;` for
//! the rest keeps every name while compiling each shape once.
//!
//! Two types have the same shape when their kinds are equal once the types they name are
//! replaced by their own representatives: same fields (Rust and wire names, presence, docs,
//! defaults, boxing), same enum variants with the same docs, same union variants and tagging.
//! Only a type's own name, origin and docs may differ (an alias keeps its docs). Found by
//! merging bottom-up until nothing changes, so types that refer to merged types merge next;
//! mutually recursive duplicates are left apart (no merge can make a cycle). Aliases and
//! newtypes are left as they are.
//!
//! The representative of a group is its member named by a component schema if any, then the
//! shortest name, then the first by name: deterministic, and the most general name wins.
//! Merged types are the same Rust type, which only matters to code that implements a trait for
//! two of them.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::model::{Api, TypeId, TypeKind, TypeRef};

pub(super) fn merge_same_shapes(api: &mut Api) {
    let n = api.types.len();
    // The ids each type names, in order; and for each type that may merge, its shape apart
    // from those ids (zeroed) as the index of the first type with that shape.
    let refs: Vec<Vec<TypeId>> = api
        .types
        .iter()
        .map(|t| {
            let mut ids = Vec::new();
            t.for_each_type_id(&mut |id| ids.push(id));
            ids
        })
        .collect();
    let mut seen: HashMap<u64, Vec<(usize, TypeKind)>> = HashMap::new();
    let mut shaped: Vec<(usize, usize)> = Vec::new();
    for (i, t) in api.types.iter().enumerate() {
        if matches!(t.kind, TypeKind::Alias(_) | TypeKind::Newtype(_)) {
            continue;
        }
        let mut bare = t.kind.clone();
        bare.for_each_type_id_mut(&mut |id| *id = TypeId(0));
        let same_hash = seen.entry(shape_hash(&bare)).or_default();
        let shape = match same_hash.iter().find(|(_, kind)| *kind == bare) {
            Some((first, _)) => *first,
            None => {
                same_hash.push((i, bare));
                i
            }
        };
        shaped.push((i, shape));
    }
    // Representatives first: a group's representative is its first member in this order.
    shaped.sort_by_cached_key(|(i, _)| {
        let t = &api.types[*i];
        (!is_component(&t.origin), t.name.len(), t.name.clone())
    });

    let mut canon: Vec<usize> = (0..n).collect();
    loop {
        // Shape and representatives of the named types → the group's representative.
        let mut groups: HashMap<(usize, Vec<usize>), usize> = HashMap::new();
        let mut next = canon.clone();
        for &(i, shape) in &shaped {
            let key = (shape, refs[i].iter().map(|id| canon[id.0]).collect());
            next[i] = *groups.entry(key).or_insert(i);
        }
        if next == canon {
            break;
        }
        canon = next;
    }
    for (i, rep) in canon.into_iter().enumerate() {
        if rep != i {
            api.types[i].kind = TypeKind::Alias(TypeRef::Named(TypeId(rep)));
        }
    }
}

/// A component schema's pointer: `/components/schemas/<name>` after the file.
fn is_component(origin: &str) -> bool {
    origin
        .split_once('#')
        .and_then(|(_, pointer)| pointer.strip_prefix("/components/schemas/"))
        .is_some_and(|name| !name.contains('/'))
}

/// A hash of everything a kind says.
fn shape_hash(kind: &TypeKind) -> u64 {
    let mut hasher = DefaultHasher::new();
    kind.hash(&mut hasher);
    hasher.finish()
}
