//! The last lowering passes, over the whole model at once.
//!
//! 1. Defaults given as strings on enum-typed fields become enum variants; defaults the type
//!    cannot hold are dropped (the field stays optional).
//! 2. Recursion: an alias that is part of any cycle becomes a newtype (Rust has no recursive
//!    aliases); then every struct field or union variant whose target lies in the same strongly
//!    connected component of "contains directly" edges is boxed (`Vec` and maps already
//!    indirect), so every type has a finite size.
//! 3. Types are sorted by name and every [`TypeId`] renumbered, so output order never depends on
//!    the order in which references were met.

use std::collections::BTreeMap;

use crate::model::{
    Api, Literal, MediaKind, Pagination, ParamLocation, Presence, Primitive, TypeDef, TypeId,
    TypeKind, TypeRef,
};

/// Query parameters that take a page cursor, by the names APIs give them.
const CURSOR_PARAMS: &[&str] = &[
    "cursor",
    "page_token",
    "pageToken",
    "next_token",
    "nextToken",
    "starting_after",
    "continuation_token",
    "after",
];
/// Page fields that hold the next cursor.
const NEXT_FIELDS: &[&str] = &[
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
    "next_token",
    "nextToken",
    "cursor",
    "next",
];
/// Page fields that hold the items, when a page has more than one array.
const ITEM_FIELDS: &[&str] = &["data", "items", "results", "entries", "values", "records"];

/// Marks cursor-paginated list operations: a string query parameter named like a cursor, and a
/// JSON success body that is a struct with one list of items and a string next-cursor field.
/// A convention, not a spec feature: the names above are what real APIs use.
fn detect_pagination(api: &mut Api) {
    let mut found = Vec::new();
    for (i, op) in api.operations.iter().enumerate() {
        if op.stream.is_some() {
            continue;
        }
        let Some(cursor_param) = op.params.iter().position(|p| {
            p.location == ParamLocation::Query
                && CURSOR_PARAMS.contains(&p.wire_name.as_str())
                && matches!(p.ty.non_null(), TypeRef::Primitive(Primitive::String))
        }) else {
            continue;
        };
        let page = op
            .responses
            .iter()
            .filter(|r| r.status.is_success())
            .find_map(|r| {
                let body = r.body.as_ref().filter(|b| b.kind == MediaKind::Json)?;
                let TypeRef::Named(id) = resolve_alias(api, &body.ty) else {
                    return None;
                };
                let TypeKind::Struct(s) = &api.type_def(id).kind else {
                    return None;
                };
                let next = s.fields.iter().find(|f| {
                    NEXT_FIELDS.contains(&f.wire_name.as_str())
                        && matches!(f.ty.non_null(), TypeRef::Primitive(Primitive::String))
                })?;
                let arrays: Vec<_> = s
                    .fields
                    .iter()
                    .filter(|f| matches!(resolve_alias(api, &f.ty), TypeRef::Array(_)))
                    .collect();
                let items = match arrays.as_slice() {
                    [only] => *only,
                    many => *many
                        .iter()
                        .find(|f| ITEM_FIELDS.contains(&f.wire_name.as_str()))?,
                };
                let TypeRef::Array(item) = resolve_alias(api, &items.ty) else {
                    return None;
                };
                Some(Pagination {
                    cursor_param,
                    variant: r.variant.clone(),
                    items_field: items.name.clone(),
                    item: (*item).clone(),
                    items_optional: items.presence() != Presence::Required,
                    next_field: next.name.clone(),
                    next_optional: next.presence() != Presence::Required,
                })
            });
        if let Some(p) = page {
            found.push((i, p));
        }
    }
    for (i, p) in found {
        api.operations[i].pagination = Some(p);
    }
}

/// An event schema whose properties are only the SSE fields (`id`, `event`, `retry`) and a
/// `data` describes the whole frame, not the `data` line: the Agent Connect Protocol's
/// `RunOutputStream` is written this way, and its SDK reads `data:` as the inner payload.
fn detect_envelopes(api: &mut Api) {
    let mut found = Vec::new();
    for (i, op) in api.operations.iter().enumerate() {
        let Some(stream) = &op.stream else { continue };
        let TypeRef::Named(id) = resolve_alias(api, &stream.event) else {
            continue;
        };
        let TypeKind::Struct(s) = &api.type_def(id).kind else {
            continue;
        };
        let names: Vec<&str> = s.fields.iter().map(|f| f.wire_name.as_str()).collect();
        let only_frame = names
            .iter()
            .all(|n| matches!(*n, "id" | "event" | "data" | "retry"));
        let has = |n: &str| names.contains(&n).then(|| n.to_owned());
        if only_frame
            && names.contains(&"data")
            && (names.contains(&"id") || names.contains(&"event"))
        {
            found.push((
                i,
                crate::model::Envelope {
                    id: has("id"),
                    event: has("event"),
                    retry: has("retry"),
                    data: "data".to_owned(),
                },
            ));
        }
    }
    for (i, envelope) in found {
        if let Some(stream) = &mut api.operations[i].stream {
            stream.envelope = Some(envelope);
        }
    }
}

/// Untagged unions decode by trying variants in order, and serde's derived structs also accept
/// a JSON array (as a tuple of their fields), so `anyOf: [SomeObject, array]` would read every
/// array as `SomeObject`. Trying the narrow JSON kinds first fixes that without changing what
/// matches (`oneOf` variants are exclusive, and `anyOf` accepts any that fits): scalars, then
/// strings, then arrays, then objects, then anything; integers before numbers, since an
/// integer is also a number. The sort is stable, so variants of one kind keep document order.
fn order_untagged_variants(api: &mut Api) {
    let ranks: Vec<Vec<u8>> = api
        .types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Union(u) if u.tagging == crate::model::Tagging::Untagged => u
                .variants
                .iter()
                .map(|v| kind_rank(api, &v.ty, 0))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    for (t, ranks) in api.types.iter_mut().zip(ranks) {
        if let TypeKind::Union(u) = &mut t.kind {
            if ranks.len() == u.variants.len() && !ranks.is_empty() {
                let mut ranked: Vec<_> = ranks.into_iter().zip(u.variants.drain(..)).collect();
                ranked.sort_by_key(|(rank, _)| *rank);
                u.variants = ranked.into_iter().map(|(_, v)| v).collect();
            }
        }
    }
}

fn kind_rank(api: &Api, t: &TypeRef, depth: u8) -> u8 {
    match t.non_null() {
        TypeRef::Primitive(Primitive::Bool) => 0,
        TypeRef::Primitive(Primitive::I32 | Primitive::I64 | Primitive::U32 | Primitive::U64) => 1,
        TypeRef::Primitive(Primitive::F32 | Primitive::F64) => 2,
        TypeRef::Primitive(_) => 3,
        TypeRef::Array(_) => 4,
        TypeRef::Map(_) => 5,
        TypeRef::Any => 7,
        TypeRef::Named(id) if depth < 8 => match &api.type_def(*id).kind {
            TypeKind::Enum(_) => 3,
            TypeKind::Alias(inner) | TypeKind::Newtype(inner) => kind_rank(api, inner, depth + 1),
            TypeKind::Struct(_) => 5,
            TypeKind::Union(_) => 6,
        },
        TypeRef::Named(_) => 6,
        TypeRef::Nullable(_) => 6,
    }
}

/// Sets [`TypeDef::holds_enum`]: enums, and every type that reaches one through fields,
/// variants, items or aliases (a fixpoint, so recursive types settle).
fn mark_enum_holders(api: &mut Api) {
    for t in &mut api.types {
        t.holds_enum = matches!(t.kind, TypeKind::Enum(_))
            || matches!(&t.kind, TypeKind::Union(u) if matches!(u.tagging, crate::model::Tagging::Tagged { .. }));
    }
    loop {
        let mut changed = false;
        for i in 0..api.types.len() {
            if api.types[i].holds_enum {
                continue;
            }
            let holds = edges(&api.types[i].kind, false)
                .iter()
                .any(|id| api.types.get(id.0).is_some_and(|t| t.holds_enum));
            if holds {
                api.types[i].holds_enum = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Follows named aliases to what they stand for.
fn resolve_alias(api: &Api, t: &TypeRef) -> TypeRef {
    let mut here = t.non_null().clone();
    for _ in 0..16 {
        match &here {
            TypeRef::Named(id) => match &api.type_def(*id).kind {
                TypeKind::Alias(target) => here = target.non_null().clone(),
                _ => return here,
            },
            _ => return here,
        }
    }
    here
}

pub(super) fn finish(api: &mut Api) {
    resolve_defaults(api);
    detect_pagination(api);
    detect_envelopes(api);
    order_untagged_variants(api);
    mark_enum_holders(api);
    break_alias_cycles(api);
    box_cycles(api);
    sort_types(api);
    super::dedupe::merge_same_shapes(api);
}

fn resolve_defaults(api: &mut Api) {
    let enums: BTreeMap<usize, Vec<(String, String)>> = api
        .types
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match &t.kind {
            TypeKind::Enum(e) => Some((
                i,
                e.variants
                    .iter()
                    .map(|v| (v.wire_value.clone(), v.name.clone()))
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    let aliases: BTreeMap<usize, TypeRef> = api
        .types
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match &t.kind {
            TypeKind::Alias(r) => Some((i, r.clone())),
            _ => None,
        })
        .collect();
    for t in &mut api.types {
        let TypeKind::Struct(s) = &mut t.kind else {
            continue;
        };
        for f in &mut s.fields {
            let Some(default) = f.default.take() else {
                continue;
            };
            f.default = match (&f.ty, default) {
                (TypeRef::Named(id), Literal::String(value)) => {
                    if let Some(variants) = enums.get(&id.0) {
                        variants
                            .iter()
                            .find(|(wire, _)| *wire == value)
                            .map(|(_, name)| Literal::EnumVariant {
                                ty: *id,
                                variant: name.clone(),
                            })
                    } else if aliases.get(&id.0) == Some(&TypeRef::Primitive(Primitive::String)) {
                        Some(Literal::String(value))
                    } else {
                        None
                    }
                }
                (TypeRef::Named(_), _) => None,
                (TypeRef::Primitive(Primitive::U32 | Primitive::U64), Literal::Int(n)) if n < 0 => {
                    None
                }
                (TypeRef::Primitive(Primitive::I32), Literal::Int(n))
                    if i32::try_from(n).is_err() =>
                {
                    None
                }
                (TypeRef::Primitive(Primitive::U32), Literal::Int(n))
                    if u32::try_from(n).is_err() =>
                {
                    None
                }
                (_, other) => Some(other),
            };
        }
    }
}

/// Every named type a type refers to; `direct` limits it to those contained by value.
fn edges(kind: &TypeKind, direct: bool) -> Vec<TypeId> {
    let mut out = Vec::new();
    let refs: Vec<&TypeRef> = match kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| &f.ty)
            .chain(s.additional.iter().filter(|_| !direct).map(|a| &a.ty))
            .collect(),
        TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Alias(r) | TypeKind::Newtype(r) => vec![r],
        TypeKind::Enum(_) => Vec::new(),
    };
    for r in refs {
        collect(r, direct, &mut out);
    }
    out
}

fn collect(r: &TypeRef, direct: bool, out: &mut Vec<TypeId>) {
    match r {
        TypeRef::Named(id) => out.push(*id),
        TypeRef::Nullable(inner) => collect(inner, direct, out),
        TypeRef::Array(inner) | TypeRef::Map(inner) => {
            if !direct {
                collect(inner, direct, out);
            }
        }
        TypeRef::Primitive(_) | TypeRef::Any => {}
    }
}

/// Strongly connected components (Tarjan, iterative). Returns the component index per node.
fn components(graph: &[Vec<TypeId>]) -> Vec<usize> {
    let n = graph.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_comp = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        // (node, next edge to visit)
        let mut call: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next_index;
        low[start] = next_index;
        next_index += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if let Some(w) = graph[v].get(*ei).map(|t| t.0) {
                *ei += 1;
                if w >= n {
                    continue;
                }
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = next_comp;
                        if w == v {
                            break;
                        }
                    }
                    next_comp += 1;
                }
            }
        }
    }
    comp
}

fn break_alias_cycles(api: &mut Api) {
    let graph: Vec<Vec<TypeId>> = api.types.iter().map(|t| edges(&t.kind, false)).collect();
    let comp = components(&graph);
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for c in &comp {
        *sizes.entry(*c).or_default() += 1;
    }
    for (i, t) in api.types.iter_mut().enumerate() {
        let cyclic =
            graph[i].iter().any(|e| e.0 == i) || sizes.get(&comp[i]).copied().unwrap_or(0) > 1;
        if cyclic {
            if let TypeKind::Alias(target) = &t.kind {
                t.kind = TypeKind::Newtype(target.clone());
            }
        }
    }
}

fn box_cycles(api: &mut Api) {
    let graph: Vec<Vec<TypeId>> = api.types.iter().map(|t| edges(&t.kind, true)).collect();
    let comp = components(&graph);
    // An edge needs a box exactly when its target is in the source's component: a self-edge,
    // or an edge inside a larger cycle.
    let same = |from: usize, r: &TypeRef| -> bool {
        let mut targets = Vec::new();
        collect(r, true, &mut targets);
        targets
            .iter()
            .any(|t| t.0 < comp.len() && comp[t.0] == comp[from])
    };
    for (i, t) in api.types.iter_mut().enumerate() {
        match &mut t.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    f.boxed = same(i, &f.ty);
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    v.boxed = same(i, &v.ty);
                }
            }
            _ => {}
        }
    }
}

fn sort_types(api: &mut Api) {
    let mut order: Vec<usize> = (0..api.types.len()).collect();
    order.sort_by(|a, b| api.types[*a].name.cmp(&api.types[*b].name));
    let mut new_id = vec![0; order.len()];
    for (new, old) in order.iter().enumerate() {
        new_id[*old] = new;
    }
    let mut types: Vec<Option<TypeDef>> = std::mem::take(&mut api.types)
        .into_iter()
        .map(Some)
        .collect();
    api.types = order.iter().filter_map(|old| types[*old].take()).collect();
    api.for_each_type_id_mut(&mut |id| id.0 = new_id[id.0]);
}
