//! The `client` module of a generated crate: one `Client`, one method and one request builder
//! per operation.
//!
//! ```text
//! client.create_run(session_id, body)        → CreateRunBuilder (required arguments)
//!       .limit(10)                            optional parameters by name
//!       .options(RequestOptions::new()…)      timeout, headers, credentials, retries
//!       .await                                → Result<CreateRunOk, rt::client::Error<CreateRunError>>
//! ```
//!
//! Everything that behaves (auth, retries, encoding, decoding, reconnection) is in the runtime;
//! a builder only says where each value goes and which status means which variant.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::responses::{BodyRepr, body_repr, has_status_field, is_struct_variant};
use super::{docs, ident, mentions_named, style_tokens, type_tokens, value_kind};
use crate::model::{
    Api, BodyContent, MediaKind, Method, Operation, Param, ParamLocation, Primitive, Response,
    Resume, SecurityKind, StatusSpec, TypeRef,
};
use crate::naming;

/// The whole `client.rs`: [`client_head`], then the request builders of every operation
/// ([`client_builders`]). `emit::emit` formats these pieces on different threads and joins them.
pub fn client_rs(api: &Api) -> TokenStream {
    let mut tokens = client_head(api);
    tokens.extend(client_builders(api, 0..api.operations.len()));
    tokens
}

/// The request builders of the operations in `range`.
pub fn client_builders(api: &Api, range: std::ops::Range<usize>) -> TokenStream {
    let builders = range.filter_map(|i| {
        let op = api.operations.get(i)?;
        Some(super::gate_items(builder(api, op), &op.features))
    });
    quote!(#(#builders)*)
}

/// The start of `client.rs`: module docs, imports, security schemes and `Client` with one
/// method per operation.
pub fn client_head(api: &Api) -> TokenStream {
    // Only schemes some operation uses get a constant (an unused one would be dead code).
    let used = |i: usize| {
        api.operations
            .iter()
            .any(|op| op.security.iter().any(|r| r.schemes.contains(&i)))
    };
    let schemes = api.security_schemes.iter().enumerate().filter(|(i, _)| used(*i)).map(|(i, s)| {
        let users = api
            .operations
            .iter()
            .filter(|op| op.security.iter().any(|r| r.schemes.contains(&i)));
        let cfg = super::cfg_attr(&super::features_of_any(users.map(|op| op.features.as_slice())));
        let name = scheme_const(&s.ident);
        let key = &s.key;
        let kind = match &s.kind {
            SecurityKind::ApiKey { location, name } => match location {
                ParamLocation::Query => quote!(rt::client::AuthKind::ApiKeyQuery(#name)),
                ParamLocation::Cookie => quote!(rt::client::AuthKind::ApiKeyCookie(#name)),
                _ => quote!(rt::client::AuthKind::ApiKeyHeader(#name)),
            },
            SecurityKind::Bearer { .. } | SecurityKind::OAuth2 => {
                quote!(rt::client::AuthKind::Bearer)
            }
            SecurityKind::Basic => quote!(rt::client::AuthKind::Basic),
        };
        let doc = format!(" The `{key}` security scheme.");
        quote! {
            #[doc = #doc]
            #cfg
            const #name: rt::client::AuthScheme = rt::client::AuthScheme { key: #key, kind: #kind };
        }
    });
    let default_url = default_base_url(api).map(|url| {
        quote! {
            /// The API's base URL, from the spec's first server (variables at their defaults).
            pub const DEFAULT_BASE_URL: &str = #url;
        }
    });
    let credential_setters = api.security_schemes.iter().map(|s| {
        let key = &s.key;
        let setter = format_ident!("with_{}", naming::unraw(&s.ident));
        let what = s
            .description
            .clone()
            .unwrap_or_else(|| format!("Credentials for the `{key}` security scheme."));
        let doc = docs::lines(&what);
        match s.kind {
            SecurityKind::Basic => quote! {
                #doc
                pub fn #setter(self, username: impl Into<String>, password: impl Into<String>) -> Self {
                    Client { core: self.core.with_credential(#key, rt::client::Credential::basic(username, password)) }
                }
            },
            SecurityKind::ApiKey { .. } => quote! {
                #doc
                pub fn #setter(self, key: impl Into<String>) -> Self {
                    Client { core: self.core.with_credential(#key, rt::client::Credential::api_key(key)) }
                }
            },
            SecurityKind::Bearer { .. } | SecurityKind::OAuth2 => quote! {
                #doc
                pub fn #setter(self, token: impl Into<String>) -> Self {
                    Client { core: self.core.with_credential(#key, rt::client::Credential::bearer(token)) }
                }
            },
        }
    });
    let methods = api.operations.iter().map(|op| {
        let cfg = super::cfg_attr(&op.features);
        let method = method(api, op);
        quote!(#cfg #method)
    });
    let title_doc = format!(" A client for the {} API.", api.title.trim());
    // Multipart, binary and text bodies are runtime types; only JSON and form bodies,
    // parameters and page items name generated types here.
    let uses_types = api.operations.iter().filter(|op| {
        op.params.iter().any(|p| mentions_named(&p.ty))
            || body_content(op).is_some_and(|c| {
                matches!(c.kind, MediaKind::Json | MediaKind::Form) && mentions_named(&c.ty)
            })
            || op
                .pagination
                .as_ref()
                .is_some_and(|p| mentions_named(&p.item))
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
    quote! {
        //! The HTTP client: one method per operation, each returning a request builder that can
        //! be awaited directly.
        //!
        //! From synchronous code, drive it with a runtime:
        //! `tokio::runtime::Runtime::new()?.block_on(client.some_operation().send())`.

        use crate::rt;
        #responses_import
        #types_import

        #default_url

        #(#schemes)*

        #[doc = #title_doc]
        ///
        /// Cheap to clone: clones share the connection pool, settings and credentials.
        #[derive(Clone, Debug)]
        pub struct Client {
            core: rt::client::ClientCore,
        }

        impl Client {
            /// A client for the API at `base_url` (a path prefix is kept: `https://host/api/v1`).
            pub fn new(base_url: impl Into<String>) -> Self {
                Client { core: rt::client::ClientCore::new(base_url) }
            }

            /// A client from a configured core: timeouts, retries, default headers, credentials.
            ///
            /// `Client::from_core(rt::client::ClientCore::builder(url).timeout(t).build()?)`
            pub fn from_core(core: rt::client::ClientCore) -> Self {
                Client { core }
            }

            /// The transport this client sends through.
            pub fn core(&self) -> &rt::client::ClientCore {
                &self.core
            }

            #(#credential_setters)*

            #(#methods)*
        }
    }
}

fn scheme_const(ident: &str) -> proc_macro2::Ident {
    format_ident!("{}", naming::unraw(ident).to_ascii_uppercase())
}

/// The first server's URL with its variables at their defaults, if it is absolute.
fn default_base_url(api: &Api) -> Option<String> {
    let server = api.servers.first()?;
    let mut url = server.url.clone();
    for v in &server.variables {
        url = url.replace(&format!("{{{}}}", v.name), &v.default);
    }
    (url.starts_with("http://") || url.starts_with("https://"))
        .then(|| url.trim_end_matches('/').to_owned())
}

/// The body content the client sends: the first media type the spec lists.
fn body_content(op: &Operation) -> Option<&BodyContent> {
    op.body.as_ref().and_then(|b| b.contents.first())
}

fn body_type(api: &Api, content: &BodyContent) -> TokenStream {
    match content.kind {
        MediaKind::Json | MediaKind::Form => type_tokens(api, &content.ty),
        MediaKind::Multipart => quote!(rt::client::Multipart),
        MediaKind::Text => quote!(String),
        MediaKind::Binary | MediaKind::EventStream => quote!(rt::Bytes),
    }
}

/// The builder field type of a parameter.
fn param_field_type(api: &Api, p: &Param) -> TokenStream {
    if p.required {
        type_tokens(api, &p.ty)
    } else {
        let inner = type_tokens(api, p.ty.non_null());
        quote!(Option<#inner>)
    }
}

fn is_string(t: &TypeRef) -> bool {
    matches!(t, TypeRef::Primitive(Primitive::String))
}

/// Required arguments of the client method: `(ident, argument type, conversion)`; an empty
/// conversion stores the argument as it is.
fn required_args(api: &Api, op: &Operation) -> Vec<(proc_macro2::Ident, TokenStream, TokenStream)> {
    let mut out = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let name = ident(&p.ident);
        if is_string(&p.ty) {
            out.push((
                name.clone(),
                quote!(impl Into<String>),
                quote!(#name.into()),
            ));
        } else {
            let ty = type_tokens(api, &p.ty);
            out.push((name.clone(), ty, TokenStream::new()));
        }
    }
    if let (Some(body), Some(content)) = (&op.body, body_content(op)) {
        if body.required {
            let ty = body_type(api, content);
            out.push((format_ident!("body"), ty, TokenStream::new()));
        }
    }
    out
}

fn method(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.fn_name);
    let builder = ident(&op.builder_type);
    let args = required_args(api, op);
    let params = args.iter().map(|(n, ty, _)| quote!(#n: #ty));
    // An empty conversion means the argument is stored as it is (field shorthand).
    let inits_required = args.iter().map(|(n, _, conv)| {
        if conv.is_empty() {
            quote!(#n)
        } else {
            quote!(#n: #conv)
        }
    });
    let inits_optional = op.params.iter().filter(|p| !p.required).map(|p| {
        let n = ident(&p.ident);
        quote!(#n: None)
    });
    let optional_body = op
        .body
        .as_ref()
        .filter(|b| !b.required && body_content(op).is_some())
        .map(|_| quote!(body: None,));
    // Reconnecting re-sends the request: only safe when it is idempotent (a POST that
    // creates a run and streams it would create a run per reconnect).
    let reconnect = op.stream.as_ref().map(|_| {
        if op.retry_safe() {
            quote!(reconnect: rt::sse::ReconnectPolicy::default(),)
        } else {
            quote!(reconnect: rt::sse::ReconnectPolicy::never(),)
        }
    });
    let mut text = operation_doc(op);
    text.push_str(
        "\n\nReturns a builder: set optional parameters on it, then `.await` it or call `send`.",
    );
    let doc = docs::lines(&text);
    let deprecated = op.docs.deprecated.then(|| quote!(#[deprecated]));
    // `self` and more than six arguments trip clippy::too_many_arguments; the spec decides how
    // many parameters are required, so say so where it happens rather than crate-wide.
    let allow = (args.len() > 6).then(|| {
        quote!(#[allow(clippy::too_many_arguments)]) // the spec requires this many parameters
    });
    quote! {
        #doc
        #deprecated
        #allow
        pub fn #name(&self, #(#params),*) -> #builder {
            #builder {
                client: self.clone(),
                #(#inits_required,)*
                #(#inits_optional,)*
                #optional_body
                #reconnect
                options: rt::client::RequestOptions::default(),
            }
        }
    }
}

/// Summary, description and `METHOD /path` for an operation's docs.
fn operation_doc(op: &Operation) -> String {
    let mut text = String::new();
    if let Some(s) = &op.docs.summary {
        text.push_str(s);
    }
    if let Some(d) = &op.docs.description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(d);
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&format!("`{} {}`", op.method.as_str(), op.path));
    text
}

fn method_tokens(m: Method) -> TokenStream {
    match m {
        Method::Get => quote!(rt::client::Method::GET),
        Method::Put => quote!(rt::client::Method::PUT),
        Method::Post => quote!(rt::client::Method::POST),
        Method::Delete => quote!(rt::client::Method::DELETE),
        Method::Options => quote!(rt::client::Method::OPTIONS),
        Method::Head => quote!(rt::client::Method::HEAD),
        Method::Patch => quote!(rt::client::Method::PATCH),
        Method::Trace => quote!(rt::client::Method::TRACE),
    }
}

/// `format!` arguments for the path: literal text with `{}` where each parameter goes.
fn path_format(op: &Operation) -> (String, Vec<TokenStream>) {
    let mut fmt = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let name = &rest[open + 1..close];
        let literal = &rest[..open];
        fmt.push_str(&literal.replace('{', "{{").replace('}', "}}"));
        match op
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.wire_name == name)
        {
            Some(p) => {
                let field = ident(&p.ident);
                let style = style_tokens(p.style);
                let explode = p.explode;
                let wire = &p.wire_name;
                fmt.push_str("{}");
                args.push(quote!(rt::wire::encode_path(#wire, &self.#field, #style, #explode)?));
            }
            // A template variable with no parameter stays as written.
            None => fmt.push_str(&format!("{{{{{name}}}}}")),
        }
        rest = &rest[close + 1..];
    }
    fmt.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    (fmt, args)
}

fn security_tokens(api: &Api, op: &Operation) -> Option<TokenStream> {
    if op.security.is_empty() {
        return None;
    }
    let alternatives = op.security.iter().map(|req| {
        let schemes = req.schemes.iter().map(|i| {
            let c = scheme_const(&api.security_schemes[*i].ident);
            quote!(&#c)
        });
        quote!(&[#(#schemes),*])
    });
    Some(quote!(.security(&[#(#alternatives),*])))
}

fn builder(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.builder_type);
    let ok = ident(&op.ok_type);
    let err = ident(&op.error_type);
    let content = body_content(op);

    // Fields: every parameter, the body, the reconnect policy, the options.
    let param_fields = op.params.iter().map(|p| {
        let n = ident(&p.ident);
        let ty = param_field_type(api, p);
        quote!(#n: #ty,)
    });
    let body_field = content.map(|c| {
        let ty = body_type(api, c);
        if op.body.as_ref().is_some_and(|b| b.required) {
            quote!(body: #ty,)
        } else {
            quote!(body: Option<#ty>,)
        }
    });
    let reconnect_field = op
        .stream
        .as_ref()
        .map(|_| quote!(reconnect: rt::sse::ReconnectPolicy,));

    // Setters for what is optional.
    let param_setters = op.params.iter().filter(|p| !p.required).map(|p| {
        let n = ident(&p.ident);
        let inner = p.ty.non_null();
        let doc = docs::attrs(&p.docs);
        if is_string(inner) {
            quote! {
                #doc
                pub fn #n(mut self, value: impl Into<String>) -> Self {
                    self.#n = Some(value.into());
                    self
                }
            }
        } else {
            let ty = type_tokens(api, inner);
            quote! {
                #doc
                pub fn #n(mut self, value: #ty) -> Self {
                    self.#n = Some(value);
                    self
                }
            }
        }
    });
    let body_setter = content
        .filter(|_| op.body.as_ref().is_some_and(|b| !b.required))
        .map(|c| {
            let ty = body_type(api, c);
            let doc = docs::attrs(&op.body.as_ref().map(|b| b.docs.clone()).unwrap_or_default());
            quote! {
                #doc
                pub fn body(mut self, body: #ty) -> Self {
                    self.body = Some(body);
                    self
                }
            }
        });
    let reconnect_setter = op.stream.as_ref().map(|_| {
        quote! {
            /// How the event stream reconnects after a cut (default: 5 attempts with backoff for
            /// requests that are safe to repeat, none for the others), resuming from the last event
            /// id received.
            pub fn reconnect(mut self, policy: rt::sse::ReconnectPolicy) -> Self {
                self.reconnect = policy;
                self
            }
        }
    });

    // The request.
    let method = method_tokens(op.method);
    let (fmt, path_args) = path_format(op);
    let path = if path_args.is_empty() {
        let literal = fmt.replace("{{", "{").replace("}}", "}");
        quote!(let path = #literal;)
    } else {
        quote!(let path = format!(#fmt, #(#path_args),*);)
    };
    let params = op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .map(|p| {
            let n = ident(&p.ident);
            let wire = &p.wire_name;
            match p.location {
                ParamLocation::Query => {
                    let style = style_tokens(p.style);
                    let explode = p.explode;
                    quote!(.query(#wire, &self.#n, #style, #explode))
                }
                ParamLocation::Header if p.explode => quote!(.header_exploded(#wire, &self.#n)),
                ParamLocation::Header => quote!(.header(#wire, &self.#n)),
                ParamLocation::Cookie => quote!(.cookie(#wire, &self.#n)),
                ParamLocation::Path => quote!(),
            }
        });
    let body_call = content.map(|c| {
        let media = &c.media_type;
        // `by_ref` borrows the body (JSON and form encode from a reference); `owned` clones it
        // (multipart, bytes and text bodies are handed over).
        let send = |by_ref: TokenStream, owned: TokenStream| match c.kind {
            MediaKind::Json if media.eq_ignore_ascii_case("application/json") => {
                quote!(call.json(#by_ref))
            }
            MediaKind::Json => quote!(call.json_as(#media, #by_ref)),
            MediaKind::Form => quote!(call.form(#by_ref)),
            MediaKind::Multipart => quote!(call.multipart(#owned)),
            MediaKind::Text => quote!(call.text(#media, #owned)),
            MediaKind::Binary | MediaKind::EventStream => quote!(call.bytes(#media, #owned)),
        };
        if op.body.as_ref().is_some_and(|b| b.required) {
            let s = send(quote!(&self.body), quote!(self.body.clone()));
            quote!(let call = #s;)
        } else {
            let s = send(quote!(body), quote!(body.clone()));
            quote! {
                let call = match &self.body {
                    Some(body) => #s,
                    None => call,
                };
            }
        }
    });
    let security = security_tokens(api, op);
    let idempotent = op.retry_safe();
    let streams = op
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .any(|r| {
            r.body
                .as_ref()
                .is_some_and(|b| matches!(body_repr(b), BodyRepr::Binary | BodyRepr::Events(_)))
        });
    let stream_response = streams.then(|| quote!(.stream_response()));
    // Ask for the event stream explicitly: a server that negotiates could pick JSON otherwise.
    let accept = op
        .stream
        .as_ref()
        .map(|_| quote!(.header("Accept", "text/event-stream")));

    let decode = decode_fn(api, op);
    let into_stream = op
        .pagination
        .as_ref()
        .map(|p| pagination_stream(api, op, p));
    // Setters and paging, when there are any; `options` and the ways to send come from
    // `rt::send_methods!`.
    let methods = quote! {
        #(#param_setters)*
        #body_setter
        #reconnect_setter
        #into_stream
    };
    let inherent = (!methods.is_empty()).then(|| quote!(impl #name { #methods }));
    let builder_doc = format!(
        " A [`Client::{}`] request: set optional parameters, then `.await` it or call [`send`](Self::send).",
        naming::unraw(&op.fn_name)
    );
    quote! {
        #[doc = #builder_doc]
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #name {
            client: Client,
            #(#param_fields)*
            #body_field
            #reconnect_field
            options: rt::client::RequestOptions,
        }

        #inherent

        rt::send_methods!(#name => #ok, #err);

        impl rt::client::Operation for #name {
            type Ok = #ok;
            type Error = #err;

            fn call(&self) -> Result<rt::client::Call<'_>, rt::client::Error<#err>> {
                #path
                let call = self
                    .client
                    .core
                    .call(#method, path)
                    #(#params)*
                    #security
                    #accept
                    #stream_response
                    .idempotent(#idempotent)
                    .options(&self.options);
                #body_call
                Ok(call)
            }

            #decode
        }
    }
}

/// `fn decode(&self, response)`: status → variant. A plain one returns the runtime's future
/// (see `rt::decode_response!`); the others are written out as an `async fn`.
fn decode_fn(api: &Api, op: &Operation) -> TokenStream {
    let ok = ident(&op.ok_type);
    let err = ident(&op.error_type);
    if let Some(plain) = plain_decode(op, &ok, &err) {
        return quote! {
            fn decode(
                &self,
                response: rt::client::Response,
            ) -> impl std::future::Future<Output = Result<#ok, rt::client::Error<#err>>> + Send {
                #plain
            }
        };
    }
    let mut arms = Vec::new();
    let mut has_default = false;
    for r in &op.responses {
        let pattern = match &r.status {
            StatusSpec::Code(c) => {
                let lit = proc_macro2::Literal::u16_unsuffixed(*c);
                quote!(#lit)
            }
            StatusSpec::Range(n) => {
                // Codes the spec lists on their own are matched by their own arms; the range
                // covers the rest (overlapping arms would be dead code).
                let explicit: Vec<u16> = op
                    .responses
                    .iter()
                    .filter_map(|o| match o.status {
                        StatusSpec::Code(c) if c / 100 == u16::from(*n) => Some(c),
                        _ => None,
                    })
                    .collect();
                let pieces =
                    ranges_without(u16::from(*n) * 100, u16::from(*n) * 100 + 99, &explicit);
                if pieces.is_empty() {
                    continue;
                }
                let pieces = pieces.iter().map(|(lo, hi)| {
                    let (lo, hi) = (
                        proc_macro2::Literal::u16_unsuffixed(*lo),
                        proc_macro2::Literal::u16_unsuffixed(*hi),
                    );
                    if lo.to_string() == hi.to_string() {
                        quote!(#lo)
                    } else {
                        quote!(#lo..=#hi)
                    }
                });
                quote!(#(#pieces)|*)
            }
            StatusSpec::Default => {
                has_default = true;
                quote!(_)
            }
        };
        let enum_name = if r.status.is_success() { &ok } else { &err };
        let body = match simple_arm(r, enum_name) {
            Some(body) => body,
            None => {
                let value = variant_value(api, op, r, enum_name);
                if r.status.is_success() {
                    let status =
                        has_status_field(r).then(|| quote!(let status = response.status();));
                    quote!({ #status #value Ok(value) })
                } else {
                    quote!({
                        let status = response.status();
                        let response_headers = response.headers().clone();
                        #value
                        Err(rt::client::Error::api(status, response_headers, value))
                    })
                }
            }
        };
        arms.push((matches!(r.status, StatusSpec::Default), pattern, body));
    }
    // `default` last, after codes and ranges.
    arms.sort_by_key(|(is_default, _, _)| *is_default);
    // Only a `default`: every status is that variant, no match needed.
    if let [(true, _, body)] = arms.as_slice() {
        return quote! {
            async fn decode(&self, response: rt::client::Response) -> Result<#ok, rt::client::Error<#err>> {
                #body
            }
        };
    }
    let arms = arms
        .into_iter()
        .map(|(_, pattern, body)| quote!(#pattern => #body));
    let fallback =
        (!has_default).then(|| quote!(_ => Err(rt::client::Error::unexpected(response).await),));
    quote! {
        async fn decode(&self, response: rt::client::Response) -> Result<#ok, rt::client::Error<#err>> {
            match response.status().as_u16() {
                #(#arms)*
                #fallback
            }
        }
    }
}

/// `rt::decode_response!(response, GetRunOk { json Ok = 200 }, GetRunError { json NotFound
/// = 404, json Default = status })` when every response is a JSON body or none at one status
/// (and the `default` error, if any, has nothing else): most operations of most specs.
fn plain_decode(
    op: &Operation,
    ok: &proc_macro2::Ident,
    err: &proc_macro2::Ident,
) -> Option<TokenStream> {
    let (mut oks, mut errs, mut default) = (Vec::new(), Vec::new(), None);
    for r in &op.responses {
        let variant = ident(&r.variant);
        let kind = match r.body.as_ref().map(body_repr) {
            None => quote!(empty),
            Some(BodyRepr::Typed(_)) => quote!(json),
            Some(_) => return None,
        };
        match r.status {
            StatusSpec::Code(code) if r.headers.is_empty() => {
                let code = proc_macro2::Literal::u16_unsuffixed(code);
                let arm = quote!(#kind #variant = #code);
                if r.status.is_success() {
                    oks.push(arm);
                } else {
                    errs.push(arm);
                }
            }
            StatusSpec::Default
                if !r.status.is_success() && r.headers.is_empty() && r.body.is_some() =>
            {
                default = Some(quote!(json #variant = status));
            }
            _ => return None,
        }
    }
    errs.extend(default);
    Some(quote!(
        rt::decode_response!(response, #ok { #(#oks),* }, #err { #(#errs),* })
    ))
}

/// The arm of a response that is a tuple variant of a JSON body or a unit variant (no headers,
/// one status), as one expression: most responses of most specs.
fn simple_arm(r: &Response, enum_name: &proc_macro2::Ident) -> Option<TokenStream> {
    if is_struct_variant(r) {
        return None;
    }
    let variant = ident(&r.variant);
    let success = r.status.is_success();
    Some(match r.body.as_ref().map(body_repr) {
        Some(BodyRepr::Typed(_)) if success => {
            quote!(Ok(#enum_name::#variant(rt::client::read_json(response).await?)),)
        }
        Some(BodyRepr::Typed(_)) => {
            quote!(Err(rt::client::api_error(response, #enum_name::#variant).await),)
        }
        None if success => quote!(Ok(#enum_name::#variant),),
        None => quote! {
            Err(rt::client::Error::api(response.status(), response.headers().clone(), #enum_name::#variant)),
        },
        Some(_) => return None,
    })
}

/// Statements that bind `value` to the variant for response `r` (consuming `response`).
fn variant_value(
    api: &Api,
    op: &Operation,
    r: &Response,
    enum_name: &proc_macro2::Ident,
) -> TokenStream {
    let variant = ident(&r.variant);
    let headers = r.headers.iter().map(|h| {
        let field = ident(&h.ident);
        let wire = &h.wire_name;
        let kind = value_kind(api, &h.ty);
        if h.required {
            quote!(let #field = rt::client::required_response_header(&response, #wire, #kind)?;)
        } else {
            quote!(let #field = rt::client::response_header(&response, #wire, #kind)?;)
        }
    });
    let header_names: Vec<_> = r.headers.iter().map(|h| ident(&h.ident)).collect();
    let body = r.body.as_ref().map(|b| match body_repr(b) {
        BodyRepr::Typed(_) => quote!(let body = rt::client::read_json(response).await?;),
        BodyRepr::Text => quote!(let body = rt::client::read_text(response).await?;),
        BodyRepr::Binary => quote!(let body = rt::ByteStream::from_response(response);),
        BodyRepr::Events(_) => events_stream(op),
    });
    let has_body = r.body.is_some();
    let construct = if is_struct_variant(r) {
        let status = has_status_field(r).then(|| quote!(status: status.as_u16(),));
        let body_field = has_body.then(|| quote!(body,));
        quote!(#enum_name::#variant { #status #body_field #(#header_names,)* })
    } else if has_body {
        quote!(#enum_name::#variant(body))
    } else {
        quote!(#enum_name::#variant)
    };
    quote! {
        #(#headers)*
        #body
        let value = #construct;
    }
}

/// The body of an event-stream response: a resumable typed stream whose reconnects re-send this
/// request with the last event id where the spec says it goes.
fn events_stream(op: &Operation) -> TokenStream {
    let resume_param = match op.stream.as_ref().map(|s| &s.resume) {
        Some(Resume::Param(i)) => op.params.get(*i),
        _ => None,
    };
    let set_resume = match resume_param {
        Some(p) => {
            let field = ident(&p.ident);
            let wire = &p.wire_name;
            // The id arrives as text; a parameter of another type gets it decoded (an id the
            // type cannot hold is dropped, and the request resumes from the start).
            let value = if is_string(p.ty.non_null()) {
                quote!(Some(id))
            } else {
                quote!(rt::wire::decode_simple(#wire, &id, false, rt::ValueKind::Scalar).ok())
            };
            if p.required {
                quote! {
                    if let Some(id) = last_event_id {
                        if let Some(value) = #value {
                            request.#field = value;
                        }
                    }
                }
            } else {
                quote! {
                    if let Some(id) = last_event_id {
                        request.#field = #value;
                    }
                }
            }
        }
        None => quote! {
            if let Some(id) = last_event_id {
                request.options = request.options.header("Last-Event-ID", &id);
            }
        },
    };
    let initial_resume = resume_param.map(|p| {
        let field = ident(&p.ident);
        let text = if is_string(p.ty.non_null()) {
            quote!(id.clone())
        } else {
            quote!(id.to_string())
        };
        if p.required {
            quote!(let stream = { let id = &self.#field; stream.resuming_from(#text) };)
        } else {
            quote!(let stream = match &self.#field {
                Some(id) => stream.resuming_from(#text),
                None => stream,
            };)
        }
    });
    let enveloped = op
        .stream
        .as_ref()
        .and_then(|s| s.envelope.as_ref())
        .map(|e| {
            let env = envelope_tokens(e);
            quote!(.enveloped(#env))
        });
    quote! {
        let base = self.clone();
        let reconnect = move |last_event_id: Option<String>| -> rt::sse::ReconnectFuture {
            let mut request = base.clone();
            #set_resume
            Box::pin(async move {
                let call = request
                    .call()
                    .map_err(|e| rt::sse::StreamError::Transport(e.to_string().into()))?;
                call.send::<()>()
                    .await
                    .map_err(|e| rt::sse::StreamError::Transport(e.to_string().into()))
            })
        };
        let stream = rt::sse::EventStream::new(response, reconnect, self.reconnect)#enveloped;
        #initial_resume
        let body = rt::sse::Events::from(stream);
    }
}

/// `into_stream`: every item of every page, each page fetched as the stream is read.
fn pagination_stream(api: &Api, op: &Operation, p: &crate::model::Pagination) -> TokenStream {
    let ok = ident(&op.ok_type);
    let err = ident(&op.error_type);
    let item = type_tokens(api, &p.item);
    let variant = ident(&p.variant);
    let cursor = &op.params[p.cursor_param];
    let cursor_field = ident(&cursor.ident);
    let set_cursor = if cursor.required {
        quote!(if let Some(cursor) = cursor { request.#cursor_field = cursor; })
    } else {
        quote!(if cursor.is_some() { request.#cursor_field = cursor; })
    };
    let items_field = ident(&p.items_field);
    let next_field = ident(&p.next_field);
    let items = if p.items_optional {
        quote!(page.#items_field.unwrap_or_default())
    } else {
        quote!(page.#items_field)
    };
    let next = if p.next_optional {
        quote!(page.#next_field)
    } else {
        quote!(Some(page.#next_field))
    };
    let successes = op
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .count();
    let other = (successes > 1).then(|| quote!(_ => Ok((Vec::new(), None)),));
    let doc = format!(
        " Every item of every page, as a stream: pages are fetched as it is read, each with the `{}` of the one before.",
        cursor.wire_name
    );
    quote! {
        #[doc = #doc]
        pub fn into_stream(self) -> impl rt::client::Stream<Item = Result<#item, rt::client::Error<#err>>> + Send {
            rt::client::paginate(move |cursor: Option<String>| {
                let mut request = self.clone();
                #set_cursor
                async move {
                    match request.send().await? {
                        #ok::#variant(page) => Ok((#items, #next)),
                        #other
                    }
                }
            })
        }
    }
}

/// `lo..=hi` without the codes in `holes`, as inclusive ranges.
fn ranges_without(lo: u16, hi: u16, holes: &[u16]) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let mut start = lo;
    for code in lo..=hi {
        if holes.contains(&code) {
            if start < code {
                out.push((start, code - 1));
            }
            start = code + 1;
        }
    }
    if start <= hi {
        out.push((start, hi));
    }
    out
}

/// `rt::sse::Envelope { … }` for an event schema that describes the whole SSE frame.
pub fn envelope_tokens(e: &crate::model::Envelope) -> TokenStream {
    let opt = |v: &Option<String>| match v {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    };
    let (id, event, retry, data) = (opt(&e.id), opt(&e.event), opt(&e.retry), &e.data);
    quote!(rt::sse::Envelope { id: #id, event: #event, retry: #retry, data: #data })
}

#[cfg(test)]
mod tests {
    use super::ranges_without;

    #[test]
    fn ranges_skip_listed_codes() {
        assert_eq!(ranges_without(200, 299, &[]), vec![(200, 299)]);
        assert_eq!(ranges_without(200, 299, &[200, 201]), vec![(202, 299)]);
        assert_eq!(
            ranges_without(400, 499, &[404, 499]),
            vec![(400, 403), (405, 498)]
        );
        assert_eq!(ranges_without(500, 500, &[500]), vec![]);
    }
}
