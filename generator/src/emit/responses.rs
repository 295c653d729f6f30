//! The `responses` module: per operation, an enum of its documented successes (`…Ok`) and one
//! of its documented errors (`…Error`). The client decodes into them and the server's
//! implementations return them, so the two halves cannot disagree on what a status means.
//!
//! A variant's shape follows what the response carries:
//!
//! ```text
//! 201 with a JSON body             Created(Run)
//! 204, nothing                     NoContent
//! 302 with a Location header       Found { location: Option<String> }
//! 429 with a body and headers      TooManyRequests { body: Problem, retry_after: Option<u64> }
//! 4XX or default (status varies)   Default { status: u16, body: Problem }
//! binary body                      Ok(rt::ByteStream)
//! text/event-stream                Ok(rt::sse::Events<RunEvent>)
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use super::{Halves, docs, ident, mentions_named, type_tokens};
use crate::model::{Api, Docs, MediaKind, Operation, Response, ResponseBody, StatusSpec, TypeRef};

/// How a response body is held in Rust.
#[derive(Clone, Debug, PartialEq)]
pub enum BodyRepr<'a> {
    /// JSON (or form) decoded into a type.
    Typed(&'a TypeRef),
    /// `text/*`: a `String`.
    Text,
    /// Any other media type: a stream of bytes.
    Binary,
    /// `text/event-stream`: typed events.
    Events(&'a TypeRef),
}

pub fn body_repr(body: &ResponseBody) -> BodyRepr<'_> {
    match body.kind {
        MediaKind::Json | MediaKind::Form | MediaKind::Multipart => BodyRepr::Typed(&body.ty),
        MediaKind::Text => BodyRepr::Text,
        MediaKind::Binary => BodyRepr::Binary,
        MediaKind::EventStream => BodyRepr::Events(&body.ty),
    }
}

pub fn body_type(api: &Api, repr: &BodyRepr<'_>) -> TokenStream {
    match repr {
        BodyRepr::Typed(ty) => type_tokens(api, ty),
        BodyRepr::Text => quote!(String),
        BodyRepr::Binary => quote!(rt::ByteStream),
        BodyRepr::Events(ty) => {
            let ty = type_tokens(api, ty);
            quote!(rt::sse::Events<#ty>)
        }
    }
}

/// Whether a variant carries the status code (ranges and `default` cover several).
pub fn has_status_field(r: &Response) -> bool {
    !matches!(r.status, StatusSpec::Code(_))
}

/// Whether a variant is written with named fields rather than as a tuple or unit.
pub fn is_struct_variant(r: &Response) -> bool {
    has_status_field(r) || !r.headers.is_empty()
}

/// The Rust type of a declared response header.
pub fn header_type(api: &Api, h: &crate::model::ResponseHeader) -> TokenStream {
    let ty = type_tokens(api, &h.ty);
    if h.required { ty } else { quote!(Option<#ty>) }
}

fn variant(api: &Api, r: &Response) -> TokenStream {
    let name = ident(&r.variant);
    let status_doc = match &r.status {
        StatusSpec::Code(c) => format!("{c}"),
        StatusSpec::Range(n) => format!("{n}XX"),
        StatusSpec::Default => "Any other status".to_owned(),
    };
    let doc = docs::attrs(&Docs {
        summary: Some(match &r.docs.description {
            Some(d) => format!("{status_doc}: {d}"),
            None => status_doc,
        }),
        description: None,
        deprecated: false,
    });
    let body = r.body.as_ref().map(|b| body_type(api, &body_repr(b)));
    if !is_struct_variant(r) {
        return match body {
            Some(body) => quote!(#doc #name(#body),),
            None => quote!(#doc #name,),
        };
    }
    let status = has_status_field(r).then(|| quote!(status: u16,));
    let body = body.map(|b| quote!(body: #b,));
    let headers = r.headers.iter().map(|h| {
        let field = ident(&h.ident);
        let ty = header_type(api, h);
        let hdoc = docs::attrs(&h.docs);
        quote!(#hdoc #field: #ty,)
    });
    quote! {
        #doc
        #name {
            #status
            #body
            #(#headers)*
        },
    }
}

/// Whether every body in these responses can derive `Clone` and `PartialEq` (streams cannot).
fn plain(responses: &[&Response]) -> bool {
    responses.iter().all(|r| {
        r.body
            .as_ref()
            .is_none_or(|b| matches!(body_repr(b), BodyRepr::Typed(_) | BodyRepr::Text))
    })
}

fn response_enum(
    api: &Api,
    op: &Operation,
    name: &str,
    success: bool,
    halves: Halves,
) -> TokenStream {
    let responses: Vec<&Response> = op
        .responses
        .iter()
        .filter(|r| r.status.is_success() == success)
        .collect();
    let name = ident(name);
    let what = if success {
        "successes"
    } else {
        "error responses"
    };
    // The link goes to the client's method, or the server's when there is no client.
    let method = if halves.client() {
        "crate::client::Client"
    } else {
        "crate::server::Api"
    };
    let doc = format!(
        " Documented {what} of [`{}`]({method}::{}).",
        op.operation_id, op.fn_name
    );
    let derives = if plain(&responses) {
        quote!(#[derive(Clone, Debug, PartialEq)])
    } else {
        quote!(#[derive(Debug)])
    };
    let variants = responses.iter().map(|r| variant(api, r));
    quote! {
        #[doc = #doc]
        #derives
        pub enum #name {
            #(#variants)*
        }
    }
}

/// The whole `responses.rs`.
pub fn responses_rs(api: &Api, halves: Halves) -> TokenStream {
    let head = responses_head(api);
    let items = responses_items(api, halves, 0..api.operations.len());
    quote!(#head #items)
}

/// The `…Ok` and `…Error` enums of the operations in `range` (indices into
/// [`Api::operations`]): a slice of `responses.rs` after [`responses_head`], formatted on its
/// own like the slices of `types.rs`.
pub fn responses_items(api: &Api, halves: Halves, range: std::ops::Range<usize>) -> TokenStream {
    let items = api.operations[range].iter().map(|op| {
        let ok = response_enum(api, op, &op.ok_type, true, halves);
        let err = response_enum(api, op, &op.error_type, false, halves);
        super::gate_items(quote!(#ok #err), &op.features)
    });
    quote!(#(#items)*)
}

/// The start of `responses.rs`: its doc and imports.
pub fn responses_head(api: &Api) -> TokenStream {
    let uses_rt = api.operations.iter().filter(|op| {
        op.responses.iter().any(|r| {
            r.body.as_ref().is_some_and(|b| {
                matches!(body_repr(b), BodyRepr::Binary | BodyRepr::Events(_))
                    || mentions_base64(&b.ty)
            }) || r.headers.iter().any(|h| mentions_base64(&h.ty))
        })
    });
    let uses_types = api.operations.iter().filter(|op| {
        op.responses.iter().any(|r| {
            r.body.as_ref().is_some_and(|b| mentions_named(&b.ty))
                || r.headers.iter().any(|h| mentions_named(&h.ty))
        })
    });
    let rt_import = super::import_for(
        uses_rt.map(|op| op.features.as_slice()),
        quote!(
            use crate::rt;
        ),
    );
    let types_import = super::import_for(
        uses_types.map(|op| op.features.as_slice()),
        quote!(
            use crate::types::*;
        ),
    );
    quote! {
        //! What each operation answers: its documented successes and its documented errors.

        #rt_import
        #types_import
    }
}

fn mentions_base64(t: &TypeRef) -> bool {
    match t {
        TypeRef::Primitive(crate::model::Primitive::Base64) => true,
        TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => mentions_base64(i),
        TypeRef::Primitive(_) | TypeRef::Named(_) | TypeRef::Any => false,
    }
}
