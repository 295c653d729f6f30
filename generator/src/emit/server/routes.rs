//! Route planning: the spec's path templates → the routes of an axum 0.8 router.
//!
//! Input: the operations of the model. Output: a [`RoutePlan`]: each axum path once with the
//! operations it serves, and for each operation either the capture its path parameters are
//! read from or the reason it cannot be served.
//!
//! axum 0.8 writes captures as OpenAPI does (`/runs/{run_id}`), but its router (matchit 0.8)
//! refuses, by panicking when the router is built, what OpenAPI allows:
//! - a capture that is only part of a segment (`/files/{name}.json`, `/v{version}`): such an
//!   operation is not served, and the reason is listed in the router's documentation;
//! - two routes capturing different names at the same place (`/users/{id}` and
//!   `/users/{user_id}/posts`): the later route reuses the earlier name (`/users/{id}/posts`)
//!   and its handler reads `user_id` from the capture `id` (`Input::path_as`);
//! - the same name captured twice in one route (`/a/{id}/b/{id}`): the second capture gets a
//!   name of its own (`id~2`), and the parameter is read from the first;
//! - two operations with the same method on what is then the same route: the later one is not
//!   served;
//! - static segments starting with `:` or `*` (axum 0.7 syntax): the router is built
//!   `without_v07_checks`.
//!
//! Invariant: every route this plan emits can be inserted into the same router without a
//! panic. Tests: below; every generated crate also builds its router in a unit test.

use std::collections::BTreeMap;

use crate::model::{Api, Method, ParamLocation};

/// How the router serves the operations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutePlan {
    /// Each axum path once, in the order of its first operation.
    pub routes: Vec<Route>,
    /// Per operation (same index as `Api::operations`).
    pub ops: Vec<OpRoute>,
    /// Some static segment starts with `:` or `*`, which axum refuses unless told not to check.
    pub without_v07_checks: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// The path as axum matches it: `/sessions/{session_id}/runs`.
    pub path: String,
    /// Indexes into `Api::operations`, in document order.
    pub ops: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OpRoute {
    /// Served; `captures` maps each path parameter's wire name to the route capture holding
    /// it (the same name unless the router had to rename it).
    Served { captures: BTreeMap<String, String> },
    /// Not served, with the reason, for the router's documentation.
    Skipped { reason: String },
}

impl OpRoute {
    /// The capture holding the path parameter `wire_name`.
    pub fn capture<'a>(&'a self, wire_name: &'a str) -> &'a str {
        match self {
            OpRoute::Served { captures } => captures.get(wire_name).map_or(wire_name, |c| c),
            OpRoute::Skipped { .. } => wire_name,
        }
    }
}

/// One segment of a path template.
#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Static(String),
    Capture(String),
}

/// A trie of the routes planned so far: one capture name per position, as matchit requires.
#[derive(Debug, Default)]
struct Node {
    statics: BTreeMap<String, Node>,
    capture: Option<(String, Box<Node>)>,
}

/// Plans the routes of every operation of `api`.
pub fn plan(api: &Api) -> RoutePlan {
    let mut plan = RoutePlan::default();
    let mut trie = Node::default();
    // Which method of which route is taken, by which operation.
    let mut taken: BTreeMap<(String, Method), usize> = BTreeMap::new();
    for (index, op) in api.operations.iter().enumerate() {
        let segments = match parse(&op.path) {
            Ok(segments) => segments,
            Err(reason) => {
                plan.ops.push(OpRoute::Skipped { reason });
                continue;
            }
        };
        let undeclared = op.params.iter().find(|p| {
            p.location == ParamLocation::Path
                && !segments.contains(&Segment::Capture(p.wire_name.clone()))
        });
        if let Some(p) = undeclared {
            plan.ops.push(OpRoute::Skipped {
                reason: format!(
                    "the path parameter `{}` does not appear in the path template",
                    p.wire_name
                ),
            });
            continue;
        }
        let (path, captures) = insert(&mut trie, &segments);
        if let Some(&other) = taken.get(&(path.clone(), op.method)) {
            plan.ops.push(OpRoute::Skipped {
                reason: format!(
                    "`{} {path}` is already served by `{}`",
                    op.method.as_str(),
                    api.operations[other].operation_id
                ),
            });
            continue;
        }
        taken.insert((path.clone(), op.method), index);
        plan.without_v07_checks |= segments
            .iter()
            .any(|s| matches!(s, Segment::Static(t) if t.starts_with([':', '*'])));
        match plan.routes.iter_mut().find(|r| r.path == path) {
            Some(route) => route.ops.push(index),
            None => plan.routes.push(Route {
                path,
                ops: vec![index],
            }),
        }
        plan.ops.push(OpRoute::Served { captures });
    }
    plan
}

/// Splits a template into segments, or says why axum cannot route it.
fn parse(path: &str) -> Result<Vec<Segment>, String> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("the path does not start with `/`".to_owned());
    };
    rest.split('/')
        .map(|segment| {
            if !segment.contains(['{', '}']) {
                return Ok(Segment::Static(encode_static(segment)));
            }
            let name = segment
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .filter(|name| !name.is_empty() && !name.contains(['{', '}', '*']));
            match name {
                Some(name) => Ok(Segment::Capture(name.to_owned())),
                None => Err(format!(
                    "the segment `{segment}` is not a whole capture; axum's router matches only \
                     captures that fill a segment"
                )),
            }
        })
        .collect()
}

/// Percent-encodes what cannot appear as is in a URI path segment (RFC 3986 `pchar`), as a
/// client does before sending; `%` is kept, as the spec may have encoded already.
fn encode_static(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@%".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Adds a route to the trie; returns its axum path and which capture holds each parameter.
fn insert(trie: &mut Node, segments: &[Segment]) -> (String, BTreeMap<String, String>) {
    let mut node = trie;
    let mut path = String::new();
    let mut captures = BTreeMap::new();
    let mut used: Vec<String> = Vec::new();
    for segment in segments {
        path.push('/');
        match segment {
            Segment::Static(text) => {
                path.push_str(text);
                node = node.statics.entry(text.clone()).or_default();
            }
            Segment::Capture(name) => {
                let (capture, child) = node.capture.get_or_insert_with(|| {
                    let mut candidate = name.clone();
                    let mut n = 2;
                    while used.contains(&candidate) {
                        candidate = format!("{name}~{n}");
                        n += 1;
                    }
                    (candidate, Box::default())
                });
                path.push('{');
                path.push_str(capture);
                path.push('}');
                used.push(capture.clone());
                captures
                    .entry(name.clone())
                    .or_insert_with(|| capture.clone());
                node = child;
            }
        }
    }
    if path.is_empty() {
        path.push('/');
    }
    (path, captures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Docs, Operation, Param, ParamStyle, Primitive, TypeRef};

    fn op(method: Method, path: &str) -> Operation {
        let params = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| Param {
                wire_name: name.to_owned(),
                ident: name.to_owned(),
                location: ParamLocation::Path,
                required: true,
                ty: TypeRef::Primitive(Primitive::String),
                style: ParamStyle::Simple,
                explode: false,
                docs: Docs::default(),
            })
            .collect();
        Operation {
            operation_id: format!("{} {path}", method.as_str()),
            source: Default::default(),
            fn_name: "f".into(),
            type_stem: "F".into(),
            method,
            path: path.to_owned(),
            docs: Docs::default(),
            tags: Vec::new(),
            params,
            body: None,
            responses: Vec::new(),
            security: Vec::new(),
            ok_type: "FOk".into(),
            error_type: "FError".into(),
            request_type: "FRequest".into(),
            builder_type: "FBuilder".into(),
            stream: None,
            pagination: None,
            features: Vec::new(),
        }
    }

    fn plan_of(ops: Vec<Operation>) -> RoutePlan {
        plan(&Api {
            title: String::new(),
            version: String::new(),
            description: None,
            servers: Vec::new(),
            types: Vec::new(),
            operations: ops,
            security_schemes: Vec::new(),
            untyped: Vec::new(),
            tag_features: Vec::new(),
        })
    }

    /// `(route, captures)` per operation: `captures` as `wire=capture` pairs, or `skip: reason`.
    fn summary(plan: &RoutePlan) -> Vec<String> {
        plan.ops
            .iter()
            .enumerate()
            .map(|(i, op)| match op {
                OpRoute::Served { captures } => {
                    let route = plan.routes.iter().find(|r| r.ops.contains(&i));
                    let pairs: Vec<String> =
                        captures.iter().map(|(w, c)| format!("{w}={c}")).collect();
                    format!(
                        "{} {}",
                        route.map_or("?", |r| r.path.as_str()),
                        pairs.join(",")
                    )
                    .trim_end()
                    .to_owned()
                }
                OpRoute::Skipped { reason } => format!("skip: {reason}"),
            })
            .collect()
    }

    /// Operations as `(method, path)`, and the expected [`summary`].
    type Case<'a> = (&'a [(Method, &'a str)], &'a [&'a str]);

    #[test]
    fn plans_routes() {
        let cases: &[Case<'_>] = &[
            (
                &[(Method::Get, "/runs"), (Method::Post, "/runs")],
                &["/runs", "/runs"],
            ),
            (&[(Method::Get, "/")], &["/"]),
            (
                &[
                    (Method::Get, "/users/{id}"),
                    (Method::Get, "/users/{user_id}/posts"),
                    (Method::Get, "/users/me"),
                ],
                &[
                    "/users/{id} id=id",
                    "/users/{id}/posts user_id=id",
                    "/users/me",
                ],
            ),
            (
                &[(Method::Get, "/a/{id}/b/{id}")],
                &["/a/{id}/b/{id~2} id=id"],
            ),
            (
                &[
                    (Method::Get, "/a/{x}"),
                    (Method::Get, "/a/{y}"),
                    (Method::Put, "/a/{y}"),
                ],
                &[
                    "/a/{x} x=x",
                    "skip: `GET /a/{x}` is already served by `GET /a/{x}`",
                    "/a/{x} y=x",
                ],
            ),
            (
                &[(Method::Get, "/files/{name}.json"), (Method::Get, "/v{n}")],
                &[
                    "skip: the segment `{name}.json` is not a whole capture; axum's router matches only captures that fill a segment",
                    "skip: the segment `v{n}` is not a whole capture; axum's router matches only captures that fill a segment",
                ],
            ),
            (
                &[(Method::Get, "runs")],
                &["skip: the path does not start with `/`"],
            ),
            (&[(Method::Get, "/my files/ü")], &["/my%20files/%C3%BC"]),
        ];
        for (ops, expected) in cases {
            let plan = plan_of(ops.iter().map(|(m, p)| op(*m, p)).collect());
            assert_eq!(summary(&plan), *expected, "for {ops:?}");
        }
    }

    #[test]
    fn routes_group_methods_in_first_appearance_order() {
        let plan = plan_of(vec![
            op(Method::Get, "/b"),
            op(Method::Get, "/a"),
            op(Method::Post, "/b"),
        ]);
        let routes: Vec<(&str, &[usize])> = plan
            .routes
            .iter()
            .map(|r| (r.path.as_str(), r.ops.as_slice()))
            .collect();
        assert_eq!(routes, [("/b", &[0, 2][..]), ("/a", &[1][..])]);
        assert!(!plan.without_v07_checks);
        let plan = plan_of(vec![op(Method::Get, "/x/:legacy")]);
        assert!(plan.without_v07_checks);
    }

    #[test]
    fn undeclared_path_parameter_is_not_served() {
        let mut operation = op(Method::Get, "/runs");
        operation.params = op(Method::Get, "/runs/{id}").params;
        let plan = plan_of(vec![operation]);
        assert_eq!(
            summary(&plan),
            ["skip: the path parameter `id` does not appear in the path template"]
        );
    }
}
