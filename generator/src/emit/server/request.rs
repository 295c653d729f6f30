//! Per operation: the request struct the implementation receives, and the code that decodes it
//! from a request.
//!
//! ```text
//! pub struct CreateRunRequest {          what `Api::create_run` receives
//!     pub session_id: String,            path parameter
//!     pub limit: Option<u32>,            optional query parameter
//!     pub body: CreateRunBody,           JSON body (form: same; multipart: MultipartForm;
//!                                        binary: Bytes; text: String)
//!     pub credentials: Vec<(&'static str, rt::server::Presented)>,   secured operations
//!     pub last_event_id: Option<String>, SSE operations resumed by the Last-Event-ID header
//! }
//! impl CreateRunRequest {
//!     fn from_input(input: &Input) -> Result<Self, Problem> {   401, 400, 415, 422
//!         Ok(Self { credentials: input.authenticate(CREATE_RUN_SECURITY)?, session_id: input.path(…)?, … })
//!     }
//! }
//! ```
//!
//! Credentials are checked first, then parameters in spec order, then the body, so a caller
//! without credentials learns that before anything else.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::routes::OpRoute;
use crate::emit::{docs, ident, style_tokens, type_tokens, value_kind};
use crate::model::{
    Api, BodyContent, Docs, MediaKind, Operation, Param, ParamLocation, Presence, Resume, TypeKind,
    TypeRef,
};
use crate::naming;

/// The request struct of `op`, and its `from_input` when the router serves `op`.
pub fn request_struct(api: &Api, op: &Operation, route: &OpRoute) -> TokenStream {
    let name = ident(&op.request_type);
    let doc = format!(
        " What [`Api::{}`] receives: the parameters and body of `{} {}`, decoded.",
        op.fn_name,
        op.method.as_str(),
        op.path
    );
    let params = op.params.iter().map(|p| {
        let field = ident(&p.ident);
        let ty = param_type(api, p);
        let doc = docs::attrs(&param_docs(p));
        quote! {
            #doc
            pub #field: #ty,
        }
    });
    let body = op.body.as_ref().and_then(|b| {
        let first = b.contents.first()?;
        let ty = body_field_type(api, first);
        let ty = if b.required { ty } else { quote!(Option<#ty>) };
        let doc = docs::attrs(&body_docs(op, &b.docs, &b.contents));
        Some(quote! {
            #doc
            pub body: #ty,
        })
    });
    let credentials = has_credentials(op).then(|| {
        let keys: Vec<String> = op
            .security
            .iter()
            .flat_map(|r| &r.schemes)
            .filter_map(|&i| api.security_schemes.get(i))
            .map(|s| format!("`{}`", s.key))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let doc = format!(
            " The credentials the caller presented, by security scheme ({}). They were found \
             where the spec says, not checked: deciding whether they are valid is the \
             implementation's job.",
            keys.join(", ")
        );
        quote! {
            #[doc = #doc]
            pub credentials: Vec<(&'static str, rt::server::Presented)>,
        }
    });
    let last_event_id = resumes_by_header(op).then(|| {
        quote! {
            /// The `Last-Event-ID` header of a reconnecting client: resume after this event.
            pub last_event_id: Option<String>,
        }
    });
    // An operation the router does not serve is never decoded: no decoder (dead code).
    let from_input = matches!(route, OpRoute::Served { .. }).then(|| from_input(api, op, route));
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        pub struct #name {
            #(#params)*
            #body
            #last_event_id
            #credentials
        }

        #from_input
    }
}

/// Whether decoding the request awaits (multipart bodies are parsed asynchronously).
pub fn decodes_async(op: &Operation) -> bool {
    op.body
        .as_ref()
        .and_then(|b| b.contents.first())
        .is_some_and(|c| c.kind == MediaKind::Multipart)
}

/// Whether the request struct carries the presented credentials.
fn has_credentials(op: &Operation) -> bool {
    !op.security.is_empty()
}

/// Whether the operation streams events resumed by the `Last-Event-ID` header that is not one
/// of its declared parameters (a declared one is decoded as any other header).
fn resumes_by_header(op: &Operation) -> bool {
    op.stream
        .as_ref()
        .is_some_and(|s| s.resume == Resume::LastEventIdHeader)
}

/// The operation's security alternatives for `Input::authenticate` (the first one fully
/// presented wins): `&[&[&BEARER_AUTH_SCHEME], &[&API_KEY_SCHEME, &APP_ID_SCHEME]]`.
fn security_alternatives(api: &Api, op: &Operation) -> TokenStream {
    let alternatives = op.security.iter().map(|r| {
        let schemes = r.schemes.iter().filter_map(|&i| {
            let s = api.security_schemes.get(i)?;
            let c = scheme_const(&s.ident);
            Some(quote!(&#c))
        });
        quote!(&[#(#schemes),*])
    });
    quote!(&[#(#alternatives),*])
}

/// The name of a security scheme's constant: `BEARER_AUTH_SCHEME`.
pub fn scheme_const(scheme_ident: &str) -> proc_macro2::Ident {
    format_ident!(
        "{}_SCHEME",
        naming::unraw(scheme_ident).to_ascii_uppercase()
    )
}

fn param_type(api: &Api, p: &Param) -> TokenStream {
    let ty = type_tokens(api, &p.ty);
    if p.required { ty } else { quote!(Option<#ty>) }
}

fn param_docs(p: &Param) -> Docs {
    let location = match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    };
    let mut note = format!("`{}` ({location}", p.wire_name);
    if p.docs.deprecated {
        note.push_str(", deprecated");
    }
    note.push_str(").");
    Docs {
        summary: p.docs.description.clone(),
        description: Some(note),
        deprecated: false,
    }
}

fn body_docs(op: &Operation, docs: &Docs, contents: &[BodyContent]) -> Docs {
    let mut text = String::from("The request body");
    if let Some(first) = contents.first() {
        text.push_str(&format!(" (`{}`)", first.media_type));
    }
    text.push('.');
    let unread: Vec<String> = contents
        .iter()
        .skip(1)
        .filter(|c| contents.first().is_some_and(|f| !same_repr(f, c)))
        .map(|c| format!("`{}`", c.media_type))
        .collect();
    if !unread.is_empty() {
        text.push_str(&format!(
            " The spec also allows {} for `{}`; this field holds the first media type's \
             representation, so those are answered with 415.",
            unread.join(", "),
            op.operation_id
        ));
    }
    Docs {
        summary: docs.description.clone().or_else(|| docs.summary.clone()),
        description: Some(text),
        deprecated: false,
    }
}

/// The Rust type a body content is decoded into.
fn body_field_type(api: &Api, content: &BodyContent) -> TokenStream {
    match content.kind {
        MediaKind::Json | MediaKind::Form => type_tokens(api, &content.ty),
        MediaKind::Multipart => quote!(rt::server::MultipartForm),
        MediaKind::Binary => quote!(rt::Bytes),
        MediaKind::Text | MediaKind::EventStream => quote!(String),
    }
}

/// Whether two contents decode into the same Rust value (so either can fill the field).
fn same_repr(a: &BodyContent, b: &BodyContent) -> bool {
    let class = |c: &BodyContent| match c.kind {
        MediaKind::Json | MediaKind::Form => 0,
        MediaKind::Multipart => 1,
        MediaKind::Binary => 2,
        MediaKind::Text | MediaKind::EventStream => 3,
    };
    class(a) == class(b) && (class(a) != 0 || a.ty == b.ty)
}

/// How a content is read from the input (`?` included where it can fail).
/// JSON and form bodies whose type holds an enum are checked for values the spec does not
/// list (the generated enums keep them as `Unknown` for clients; a server answers 422).
fn decode_content(api: &Api, content: &BodyContent) -> TokenStream {
    let closed = api.holds_enum(&content.ty);
    match content.kind {
        MediaKind::Json if closed => {
            quote!(rt::server::known_body(input.json_refusing_null(NOT_NULL)?)?)
        }
        MediaKind::Form if closed => quote!(rt::server::known_body(input.form()?)?),
        MediaKind::Json => quote!(input.json_refusing_null(NOT_NULL)?),
        MediaKind::Form => quote!(input.form()?),
        MediaKind::Multipart => quote!(input.multipart().await?),
        MediaKind::Binary => quote!(input.bytes()),
        MediaKind::Text | MediaKind::EventStream => quote!(input.text()?),
    }
}

/// The expression that reads one parameter, required ones unwrapped (400 naming it).
fn decode_param(api: &Api, p: &Param, route: &OpRoute) -> TokenStream {
    let wire = &p.wire_name;
    let kind = value_kind(api, &p.ty);
    let explode = p.explode;
    let (read, location) = match p.location {
        ParamLocation::Path => {
            let style = style_tokens(p.style);
            let capture = route.capture(wire);
            // Path parameters are always required: the route does not match without them.
            return if capture == wire {
                quote!(input.path(#wire, #style, #explode, #kind)?)
            } else {
                quote!(input.path_as(#capture, #wire, #style, #explode, #kind)?)
            };
        }
        ParamLocation::Query => {
            let style = style_tokens(p.style);
            (
                quote!(input.query(#wire, #style, #explode, #kind)?),
                quote!(rt::server::ParamLocation::Query),
            )
        }
        ParamLocation::Header => (
            quote!(input.header(#wire, #explode, #kind)?),
            quote!(rt::server::ParamLocation::Header),
        ),
        ParamLocation::Cookie => (
            quote!(input.cookie(#wire, #explode, #kind)?),
            quote!(rt::server::ParamLocation::Cookie),
        ),
    };
    let read = if p.required {
        quote!(rt::server::require(#read, #wire, #location)?)
    } else {
        read
    };
    // A value outside a closed enum is a bad request, not something to hand on.
    if api.holds_enum(&p.ty) {
        quote!(rt::server::known_param(#wire, #read)?)
    } else {
        read
    }
}

/// The body expression: the first content's representation, chosen by `content-type` when
/// the spec declares several media types.
fn decode_body(api: &Api, op: &Operation) -> Option<TokenStream> {
    let body = op.body.as_ref()?;
    let first = body.contents.first()?;
    let read = if body.contents.len() == 1 {
        decode_content(api, first)
    } else {
        let declared = body.contents.iter().map(|c| c.media_type.as_str());
        let first_media = &first.media_type;
        let read: Vec<String> = body
            .contents
            .iter()
            .filter(|c| same_repr(first, c))
            .map(|c| format!("`{}`", c.media_type))
            .collect();
        let arms = body.contents.iter().enumerate().map(|(i, c)| {
            let expr = if same_repr(first, c) {
                decode_content(api, c)
            } else {
                let detail = format!(
                    "this server reads {} bodies for this operation, not `{}`",
                    read.join(" or "),
                    c.media_type
                );
                quote!(return Err(rt::server::Problem::unsupported_media_type(#first_media).with_detail(#detail)))
            };
            if i + 1 == body.contents.len() {
                quote!(_ => #expr,)
            } else {
                let i = proc_macro2::Literal::usize_unsuffixed(i);
                quote!(#i => #expr,)
            }
        });
        quote! {
            match input.select_media_type(&[#(#declared),*])? {
                #(#arms)*
            }
        }
    };
    Some(if body.required {
        read
    } else {
        quote! {
            if input.bytes().is_empty() {
                None
            } else {
                Some(#read)
            }
        }
    })
}

fn from_input(api: &Api, op: &Operation, route: &OpRoute) -> TokenStream {
    let name = ident(&op.request_type);
    let credentials = has_credentials(op).then(|| {
        let table = security_alternatives(api, op);
        quote!(credentials: input.authenticate(#table)?,)
    });
    let params: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let field = ident(&p.ident);
            let read = decode_param(api, p, route);
            quote!(#field: #read,)
        })
        .collect();
    let body = decode_body(api, op).map(|read| quote!(body: #read,));
    let last_event_id = resumes_by_header(op)
        .then(|| quote!(last_event_id: rt::sse::last_event_id(input.headers()),));
    let asyncness = decodes_async(op).then(|| quote!(async));
    // An operation with nothing to decode does not look at the input.
    let reads_input =
        credentials.is_some() || !op.params.is_empty() || body.is_some() || last_event_id.is_some();
    let input = if reads_input {
        quote!(input)
    } else {
        quote!(_)
    };
    quote! {
        impl #name {
            /// Decodes the request, or says what is wrong with it.
            #asyncness fn from_input(#input: &rt::server::Input) -> Result<Self, rt::server::Problem> {
                Ok(Self {
                    #credentials
                    #(#params)*
                    #body
                    #last_event_id
                })
            }
        }
    }
}

/// `static NOT_NULL`: for each struct a JSON request body can hold, its fields that are
/// optional but not nullable (wire names), sorted by struct name, for
/// `Input::json_refusing_null`. `None` when no operation reads JSON.
pub fn not_null_table(api: &Api) -> Option<TokenStream> {
    let readers: Vec<&Operation> = api
        .operations
        .iter()
        .filter(|op| op.json_bodies().next().is_some())
        .collect();
    if readers.is_empty() {
        return None;
    }
    let reached = crate::model::select::reachable_from_json_bodies(api);
    let mut rows: Vec<(&str, Vec<&str>)> = api
        .types
        .iter()
        .zip(reached)
        .filter(|(_, r)| *r)
        .filter_map(|(t, _)| {
            let TypeKind::Struct(s) = &t.kind else {
                return None;
            };
            let fields: Vec<&str> = s
                .fields
                .iter()
                .filter(|f| f.presence() == Presence::Optional && f.ty != TypeRef::Any)
                .map(|f| f.wire_name.as_str())
                .collect();
            (!fields.is_empty()).then_some((t.name.as_str(), fields))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let rows = rows
        .iter()
        .map(|(name, fields)| quote!((#name, &[#(#fields),*]),));
    let cfg = crate::emit::cfg_attr(&crate::emit::features_of_any(
        readers.iter().map(|op| op.features.as_slice()),
    ));
    Some(quote! {
        /// Request-body fields that are optional but not nullable, by struct: `null` in one is
        /// answered with a 422 naming it (serde alone would read it as absent).
        #cfg
        static NOT_NULL: &rt::server::NotNull = &[#(#rows)*];
    })
}
