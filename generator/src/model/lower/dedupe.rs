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
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};

use crate::model::{Api, TypeDef, TypeId, TypeKind, TypeRef};

pub(super) fn merge_same_shapes(api: &mut Api) {
    let n = api.types.len();
    // What each type is apart from the types it names (every id zeroed), and those ids in order.
    let mut bare: Vec<Option<(u64, TypeKind)>> = Vec::with_capacity(n);
    let mut refs: Vec<Vec<TypeId>> = Vec::with_capacity(n);
    for t in &api.types {
        let mut ids = Vec::new();
        t.for_each_type_id(&mut |id| ids.push(id));
        refs.push(ids);
        bare.push(match t.kind {
            TypeKind::Alias(_) | TypeKind::Newtype(_) => None,
            _ => {
                let mut zeroed = TypeDef {
                    name: String::new(),
                    origin: String::new(),
                    docs: Default::default(),
                    kind: t.kind.clone(),
                    holds_enum: false,
                    features: Vec::new(),
                };
                zeroed.for_each_type_id_mut(&mut |id| *id = TypeId(0));
                Some((shape_hash(&zeroed.kind), zeroed.kind))
            }
        });
    }
    let mut order: Vec<usize> = (0..n).filter(|i| bare[*i].is_some()).collect();
    order.sort_by_cached_key(|i| {
        let t = &api.types[*i];
        (!is_component(&t.origin), t.name.len(), t.name.clone())
    });

    let mut canon: Vec<usize> = (0..n).collect();
    loop {
        // Shape hash and representatives' ids → the representatives with that key (more than
        // one only when different shapes share a hash).
        let mut groups: HashMap<(u64, Vec<usize>), Vec<usize>> = HashMap::new();
        let mut next = canon.clone();
        for &i in &order {
            let Some((hash, kind)) = &bare[i] else {
                continue;
            };
            let key = (*hash, refs[i].iter().map(|id| canon[id.0]).collect());
            let reps = groups.entry(key).or_default();
            let same = reps
                .iter()
                .copied()
                .find(|r| bare[*r].as_ref().is_some_and(|(_, k)| k == kind));
            match same {
                Some(r) => next[i] = r,
                None => {
                    reps.push(i);
                    next[i] = i;
                }
            }
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

/// A hash of everything a kind says: its `Debug` text, written into the hasher as it is made.
fn shape_hash(kind: &TypeKind) -> u64 {
    struct Sink(DefaultHasher);
    impl std::fmt::Write for Sink {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut sink = Sink(DefaultHasher::new());
    // Writing into a hasher cannot fail.
    let _ = write!(sink, "{kind:?}");
    sink.0.finish()
}
