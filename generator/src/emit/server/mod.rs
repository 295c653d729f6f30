//! The `server` module of a generated crate: what a server implements and the axum router that
//! serves it, shaped after oapi-codegen's strict server (STYLE §1, §4).
//!
//! ```text
//! pub trait Api: Send + Sync + 'static {              one method per operation, each with a
//!     fn create_run(&self, request: CreateRunRequest)  default answering 501 Not Implemented
//!         -> impl Future<Output = Result<CreateRunOk, rt::server::Failure<CreateRunError>>> + Send;
//! }
//! pub struct CreateRunRequest { … }                    parameters, body, credentials (request.rs)
//! pub fn router<A: Api>(api: Arc<A>) -> Router         every path once, all its methods (routes.rs)
//! mod handlers {
//!     async fn create_run<A: Api>(…) -> Response       Input → CreateRunRequest → respond(…)
//!     impl ApiResponse for CreateRunOk / CreateRunError (response.rs)
//! }
//! ```
//!
//! Everything that behaves (decoding parameters and bodies, problem bodies, auth extraction,
//! panics → 500, SSE framing) is `oagen-rt`'s `server` module; this emitter only says where each
//! value is and which status each variant means.
//!
//! Naming: generated items use names the model decided (`request_type`, `fn_name`, scheme and
//! parameter idents), plus `SCREAMING_CASE` constants derived from them. Items that could meet a
//! schema's name are written with full paths or kept inside the private `handlers` module.
//!
//! Tests: `routes.rs` unit tests; each generated crate builds its router in a unit test; the
//! HTTP behaviour is exercised in `tests/tests/server_bad_input.rs`.

mod request;
mod response;
mod routes;

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::responses::{BodyRepr, body_repr, is_struct_variant};
use super::{docs, ident, mentions_named};
use crate::model::{
    Api, Docs, Method, Operation, ParamLocation, Presence, SecurityKind, TypeKind, TypeRef,
};
use routes::OpRoute;

/// The operations the router leaves out, with the reason: `(index into Api::operations,
/// reason)`. Route planning is a pure function of the model, so the caller can report these
/// as warnings (located by [`crate::model::Operation::source`]) without emitting anything.
pub fn unserved(api: &Api) -> Vec<(usize, String)> {
    routes::plan(api)
        .ops
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            OpRoute::Skipped { reason } => Some((i, reason)),
            OpRoute::Served { .. } => None,
        })
        .collect()
}

/// The whole `server.rs` of the crate `crate_name`, whose module example is then a doctest
/// (`no_run`: it compiles, and would serve forever): [`server_head`], the request structs of
/// every operation ([`server_requests`]), then [`server_tail`]. `emit::emit` formats these
/// pieces on different threads and joins them.
pub fn server_rs_in_crate(api: &Api, crate_name: &str) -> TokenStream {
    let plan = routes::plan(api);
    let mut tokens = server_head(api, &plan, crate_name);
    tokens.extend(server_requests(api, &plan, 0..api.operations.len()));
    tokens.extend(server_tail(api, &plan));
    tokens
}

/// How the router serves each operation: computed once, shared by the pieces of `server.rs`.
pub use routes::{RoutePlan, plan};

/// The request structs (and their decoders) of the operations in `range`, and how their
/// response enums are written (`ApiResponse`).
pub fn server_requests(api: &Api, plan: &RoutePlan, range: std::ops::Range<usize>) -> TokenStream {
    let requests = range.filter_map(|i| {
        let op = api.operations.get(i)?;
        let route = plan.ops.get(i).cloned().unwrap_or(OpRoute::Skipped {
            reason: String::new(),
        });
        let request = request::request_struct(api, op, &route);
        let responses = response::api_response_impls(op);
        Some(super::gate_items(quote!(#request #responses), &op.features))
    });
    quote!(#(#requests)*)
}

/// The start of `server.rs`: module docs, imports and the `Api` trait.
pub fn server_head(api: &Api, plan: &RoutePlan, crate_name: &str) -> TokenStream {
    let module_doc = inner_doc(&module_doc_text(api, plan, crate_name));
    let uses_types = api.operations.iter().filter(|op| {
        op.params.iter().any(|p| mentions_named(&p.ty))
            || op
                .body
                .as_ref()
                .and_then(|b| b.contents.first())
                .is_some_and(|c| {
                    matches!(
                        c.kind,
                        crate::model::MediaKind::Json | crate::model::MediaKind::Form
                    ) && mentions_named(&c.ty)
                })
    });
    let types_import = super::import_for(
        uses_types.map(|op| op.features.as_slice()),
        quote!(
            use crate::types::*;
        ),
    );
    let responses_import = super::import_for(
        api.operations.iter().map(|op| op.features.as_slice()),
        quote!(
            use crate::responses::*;
        ),
    );

    let trait_def = api_trait(api, plan);
    quote! {
        #module_doc

        use std::sync::Arc;

        use crate::rt;
        use rt::server::axum::Router;
        #responses_import
        #types_import

        #trait_def
    }
}

/// The end of `server.rs`, after the request structs and their `ApiResponse` impls: the
/// router, the security schemes it reads and its handlers.
pub fn server_tail(api: &Api, plan: &RoutePlan) -> TokenStream {
    let served = |i: usize| matches!(plan.ops.get(i), Some(OpRoute::Served { .. }));
    let router = router_fn(api, plan);
    let not_null = request::not_null_table(api);

    // Security tables, only for what served operations use (anything else is dead code).
    let served_ops: Vec<&Operation> = api
        .operations
        .iter()
        .enumerate()
        .filter(|(i, _)| served(*i))
        .map(|(_, op)| op)
        .collect();
    let used_schemes: BTreeSet<usize> = served_ops
        .iter()
        .flat_map(|op| &op.security)
        .flat_map(|r| r.schemes.iter().copied())
        .collect();
    let scheme_consts = used_schemes.iter().filter_map(|&i| {
        let s = api.security_schemes.get(i)?;
        let users = served_ops
            .iter()
            .copied()
            .filter(|op| op.security.iter().any(|r| r.schemes.contains(&i)));
        let cfg = super::cfg_attr(&super::features_of_any(
            users.map(|op| op.features.as_slice()),
        ));
        let name = request::scheme_const(&s.ident);
        let key = &s.key;
        let kind = match &s.kind {
            SecurityKind::ApiKey { location, name } => match location {
                ParamLocation::Query => quote!(rt::server::ServerAuthKind::ApiKeyQuery(#name)),
                ParamLocation::Cookie => quote!(rt::server::ServerAuthKind::ApiKeyCookie(#name)),
                // OpenAPI allows only query, header and cookie for API keys.
                ParamLocation::Header | ParamLocation::Path => {
                    quote!(rt::server::ServerAuthKind::ApiKeyHeader(#name))
                }
            },
            SecurityKind::Bearer { .. } | SecurityKind::OAuth2 => {
                quote!(rt::server::ServerAuthKind::Bearer)
            }
            SecurityKind::Basic => quote!(rt::server::ServerAuthKind::Basic),
        };
        let doc = format!(" Where the `{key}` security scheme's credential is read.");
        Some(quote! {
            #[doc = #doc]
            #cfg
            const #name: rt::server::ServerAuthScheme =
                rt::server::ServerAuthScheme { key: #key, kind: #kind };
        })
    });
    let handlers: Vec<TokenStream> = served_ops
        .iter()
        .map(|op| super::gate_items(handler(op), &op.features))
        .collect();
    let handlers_mod = super::import_for(
        served_ops.iter().map(|op| op.features.as_slice()),
        quote! {
            /// The HTTP side of [`router`]: one handler per operation.
            mod handlers {
                use super::*;

                #(#handlers)*
            }
        },
    );

    quote! {
        #not_null

        #router

        #(#scheme_consts)*

        #handlers_mod

        #[cfg(test)]
        mod tests {
            /// Every operation left to its default, answering 501.
            struct Unimplemented;

            impl super::Api for Unimplemented {}

            #[test]
            fn router_builds() {
                // axum panics here on a route its router cannot hold.
                let _ = super::router(std::sync::Arc::new(Unimplemented));
            }
        }
    }
}

/// `#![doc = …]` lines for the module.
fn inner_doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#![doc = #l])
    });
    quote!(#(#lines)*)
}

fn api_trait(api: &Api, plan: &RoutePlan) -> TokenStream {
    let methods = api.operations.iter().enumerate().map(|(i, op)| {
        let name = ident(&op.fn_name);
        let request = ident(&op.request_type);
        let ok = ident(&op.ok_type);
        let err = ident(&op.error_type);
        let mut text = doc_text(&op.docs);
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("`{} {}`", op.method.as_str(), op.path));
        if op.docs.deprecated {
            text.push_str("\n\nDeprecated by the spec.");
        }
        if let Some(OpRoute::Skipped { reason }) = plan.ops.get(i) {
            text.push_str(&format!(
                "\n\nNot served by [`router`]: {reason}. Route it yourself if you need it."
            ));
        }
        let doc = docs::lines(&text);
        let cfg = super::cfg_attr(&op.features);
        quote! {
            #doc
            #cfg
            fn #name(&self, request: #request)
                -> impl Future<Output = Result<#ok, rt::server::Failure<#err>>> + Send
            {
                let _ = request;
                async { Err(rt::server::Failure::NotImplemented) }
            }
        }
    });
    let title = api.title.trim();
    let api_word = if title.to_ascii_lowercase().ends_with("api") {
        ""
    } else {
        " API"
    };
    let doc = format!(
        " The {title}{api_word} as a server implements it: one method per operation.\n\n\
         Every method has a default that answers `501 Not Implemented`, so an implementation \
         writes only the operations it serves. A method receives its request already decoded \
         and checked against the spec, and returns one of the operation's documented responses \
         (`…Ok` for successes; [`Failure::Api`](rt::server::Failure::Api) with the `…Error` \
         enum for documented errors), or [`Failure::Internal`](rt::server::Failure::Internal) \
         for a 500."
    );
    let doc = docs::lines(&doc);
    let reject_doc = docs::lines(
        "Answers a request that [`router`] refused before it reached `operation` (the \
         operationId): a missing or malformed parameter, malformed JSON, missing credentials, \
         a body of another media type, of the wrong shape or over the size limit.\n\n\
         `problem` says what was wrong: its status (400, 401, 413, 415 or 422), the parameter or \
         JSON pointer at fault, and a sentence for people. The default answers it as \
         `application/problem+json`. Override this to answer in the spec's own error format \
         (for instance with [`rt::server::json_response`]), so that clients decode refusals as \
         the documented errors they are.",
    );
    let reject = quote! {
        #reject_doc
        fn reject(&self, operation: &'static str, problem: rt::server::Problem)
            -> rt::server::axum::response::Response
        {
            let _ = operation;
            rt::server::ApiResponse::into_api_response(problem)
        }
    };
    quote! {
        #doc
        pub trait Api: Send + Sync + 'static {
            #(#methods)*
            #reject
        }
    }
}

fn doc_text(d: &Docs) -> String {
    let mut text = String::new();
    if let Some(s) = &d.summary {
        text.push_str(s);
    }
    if let Some(desc) = &d.description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(desc);
    }
    text
}

fn method_fn(method: Method) -> proc_macro2::Ident {
    format_ident!("{}", method.as_str().to_ascii_lowercase())
}

fn router_fn(api: &Api, plan: &RoutePlan) -> TokenStream {
    let mut first_methods = BTreeSet::new();
    let routes: Vec<TokenStream> = plan
        .routes
        .iter()
        .filter_map(|route| {
            let mut ops = route.ops.iter().filter_map(|&i| api.operations.get(i));
            let first = ops.next()?;
            first_methods.insert(first.method);
            let path = &route.path;
            let method = method_fn(first.method);
            let handler = ident(&first.fn_name);
            let rest = ops.map(|op| {
                let method = method_fn(op.method);
                let handler = ident(&op.fn_name);
                quote!(.#method(handlers::#handler::<A>))
            });
            Some(quote!(.route(#path, #method(handlers::#handler::<A>)#(#rest)*)))
        })
        .collect();
    let imports: Vec<proc_macro2::Ident> = first_methods.into_iter().map(method_fn).collect();
    let import =
        (!imports.is_empty()).then(|| quote!(use rt::server::axum::routing::{#(#imports),*};));
    let v07 = plan
        .without_v07_checks
        .then(|| quote!(.without_v07_checks()));
    let mut text = String::from(
        "Serves `api`: every operation of [`Api`] at its path, with `application/problem+json` \
         answers (or what [`Api::reject`] makes of them) for requests that do not fit the spec \
         (400, 401, 413, 415, 422), for unknown paths (404) and for unknown methods on a known path (405).\n\n\
         A panic in an implementation is answered with a 500 and does not take the server down.",
    );
    let skipped: Vec<String> = plan
        .ops
        .iter()
        .zip(&api.operations)
        .filter_map(|(r, op)| match r {
            OpRoute::Skipped { reason } => Some(format!(
                "- `{} {}` (`{}`): {reason}.",
                op.method.as_str(),
                op.path,
                op.operation_id
            )),
            OpRoute::Served { .. } => None,
        })
        .collect();
    if !skipped.is_empty() {
        text.push_str("\n\nNot served (axum's router cannot match these paths as written):\n\n");
        text.push_str(&skipped.join("\n"));
    }
    let doc = docs::lines(&text);
    if !api.tag_features.is_empty() {
        return gated_router(api, plan, doc, v07);
    }
    quote! {
        #doc
        pub fn router<A: Api>(api: Arc<A>) -> Router {
            #import
            Router::new()
                #v07
                #(#routes)*
                .fallback(rt::server::not_found)
                .method_not_allowed_fallback(rt::server::method_not_allowed)
                .with_state(api)
        }
    }
}

/// The router of a crate with tag features: one statement per operation, each compiled with
/// the operation's features (axum merges the methods of one path given in several `route`s).
fn gated_router(
    api: &Api,
    plan: &RoutePlan,
    doc: TokenStream,
    v07: Option<TokenStream>,
) -> TokenStream {
    let routes = plan.routes.iter().flat_map(|route| {
        let path = &route.path;
        route
            .ops
            .iter()
            .filter_map(|&i| api.operations.get(i))
            .map(move |op| {
                let cfg = super::cfg_attr(&op.features);
                let method = method_fn(op.method);
                let handler = ident(&op.fn_name);
                quote! {
                    #cfg
                    let router = router.route(#path, rt::server::axum::routing::#method(handlers::#handler::<A>));
                }
            })
    });
    quote! {
        #doc
        pub fn router<A: Api>(api: Arc<A>) -> Router {
            let router: Router<Arc<A>> = Router::new() #v07;
            #(#routes)*
            router
                .fallback(rt::server::not_found)
                .method_not_allowed_fallback(rt::server::method_not_allowed)
                .with_state(api)
        }
    }
}

/// One operation's handler: decode the request, run the implementation, answer (or refuse
/// with the implementation's `reject`). What every handler does is written once, in the
/// runtime's `server_handler!`; the handler names the operation's own pieces.
fn handler(op: &Operation) -> TokenStream {
    let name = ident(&op.fn_name);
    let request = ident(&op.request_type);
    let operation_id = &op.operation_id;
    // A multipart body is read asynchronously, so its decoder is an `async fn`.
    let decodes_async = request::decodes_async(op).then(|| quote!(async));
    quote!(rt::server_handler!(#decodes_async Api::#name(#request) = #operation_id);)
}

/// The module documentation, with a complete example of implementing one operation.
fn module_doc_text(api: &Api, plan: &RoutePlan, crate_name: &str) -> String {
    let krate = crate_name.replace('-', "_");
    let mut text = String::from(
        "The server: implement [`Api`] and serve it with [`router`].\n\n\
         Each operation is a method of [`Api`] that receives its request struct (parameters, \
         body and the credentials presented, already decoded) and returns its `…Ok` enum or a \
         [`Failure`](rt::server::Failure) holding its `…Error` enum. Every method defaults to \
         answering 501, so an implementation writes only what it serves.\n\n\
         Requests that do not fit the spec never reach the implementation. They are answered \
         with an `application/problem+json` body that names the parameter or the JSON pointer \
         at fault: 400 for a missing or malformed parameter or malformed JSON, 401 for missing \
         credentials, 415 for a body of another media type, 422 for a body of the wrong shape; \
         [`Api::reject`] can answer them in the spec's own error format instead. \
         A panic in an implementation is a 500, and the server keeps serving.\n\n",
    );
    let example = example_op(api, plan);
    text.push_str("```no_run");
    text.push('\n');
    text.push_str("use std::sync::Arc;\n\n");
    match &example {
        Some((op, _)) => {
            text.push_str(&format!("use {krate}::rt::server::Failure;\n"));
            text.push_str(&format!(
                "use {krate}::server::{{Api, {}, router}};\n",
                op.request_type
            ));
            text.push_str(&format!(
                "use {krate}::{{{}, {}}};\n\n",
                op.error_type, op.ok_type
            ));
        }
        None => text.push_str(&format!("use {krate}::server::{{Api, router}};\n\n")),
    }
    match &example {
        Some((op, value)) => {
            text.push_str(&format!(
                "/// Serves `{}`; every other operation answers 501.\n\
                 struct Server;\n\n\
                 impl Api for Server {{\n\
                 \x20   async fn {}(\n\
                 \x20       &self,\n\
                 \x20       request: {},\n\
                 \x20   ) -> Result<{}, Failure<{}>> {{\n\
                 \x20       let _ = request;\n\
                 \x20       Ok({})\n\
                 \x20   }}\n\
                 }}\n\n",
                op.operation_id,
                op.fn_name,
                op.request_type,
                op.ok_type,
                op.error_type,
                value.replace("{krate}", &krate)
            ));
        }
        None => text.push_str(
            "/// Every operation answers 501.\nstruct Server;\n\nimpl Api for Server {}\n\n",
        ),
    }
    text.push_str(&format!(
        "async fn serve() -> std::io::Result<()> {{\n\
         \x20   let listener = {krate}::rt::server::TcpListener::bind(\"127.0.0.1:0\").await?;\n\
         \x20   println!(\"listening on http://{{}}\", listener.local_addr()?);\n\
         \x20   {krate}::rt::server::axum::serve(listener, router(Arc::new(Server))).await\n\
         }}\n"
    ));
    text.push_str("```");
    text
}

/// The first served operation with a success response the example can build in one
/// expression, and that expression (`{krate}` standing for the crate's name).
fn example_op<'a>(api: &'a Api, plan: &RoutePlan) -> Option<(&'a Operation, String)> {
    api.operations
        .iter()
        .enumerate()
        .filter(|(i, _)| matches!(plan.ops.get(*i), Some(OpRoute::Served { .. })))
        .find_map(|(_, op)| {
            op.responses
                .iter()
                .filter(|r| r.status.is_success() && !is_struct_variant(r))
                .find_map(|r| {
                    let value = match &r.body {
                        None => return Some(format!("{}::{}", op.ok_type, r.variant)),
                        Some(body) => match body_repr(body) {
                            BodyRepr::Typed(ty) => default_value(api, ty, 0)?,
                            BodyRepr::Text => "String::from(\"ok\")".to_owned(),
                            BodyRepr::Binary => {
                                "{krate}::rt::ByteStream::from_bytes(\"hello\")".to_owned()
                            }
                            BodyRepr::Events(_) => return None,
                        },
                    };
                    Some(format!("{}::{}({value})", op.ok_type, r.variant))
                })
                .map(|value| (op, value))
        })
}

/// An expression of type `ty` needing nothing but the crate, if there is a simple one.
fn default_value(api: &Api, ty: &TypeRef, depth: usize) -> Option<String> {
    use crate::model::Primitive as P;
    match ty {
        TypeRef::Primitive(P::String) => Some("String::new()".to_owned()),
        TypeRef::Primitive(P::Bool) => Some("false".to_owned()),
        TypeRef::Primitive(P::I32 | P::I64 | P::U32 | P::U64) => Some("0".to_owned()),
        TypeRef::Primitive(P::F32 | P::F64) => Some("0.0".to_owned()),
        TypeRef::Primitive(_) => None,
        TypeRef::Array(_) => Some("Vec::new()".to_owned()),
        TypeRef::Map(_) => Some("Default::default()".to_owned()),
        TypeRef::Nullable(_) => Some("None".to_owned()),
        TypeRef::Any => Some("serde_json::Value::Null".to_owned()),
        TypeRef::Named(id) => match &api.type_def(*id).kind {
            // `types.rs` derives `Default` exactly when every field may be absent.
            TypeKind::Struct(s)
                if s.fields.iter().all(|f| {
                    matches!(
                        f.presence(),
                        Presence::Optional | Presence::OptionalNullable
                    )
                }) =>
            {
                Some("Default::default()".to_owned())
            }
            TypeKind::Alias(inner) if depth < 8 => default_value(api, inner, depth + 1),
            _ => None,
        },
    }
}
