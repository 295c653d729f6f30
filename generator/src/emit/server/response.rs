//! `rt::server::ApiResponse` for the per-operation `Ok` and `Error` enums of `responses.rs`:
//! one match arm per documented response, writing its status, media type, body and declared
//! headers.
//!
//! ```text
//! Created(Run)                          json_response(status(201), &body)
//! NoContent                             empty_response(status(204))
//!   (an enum with only such responses is one `rt::api_response!(…Error { json NotFound = 404, empty Gone = 410 })`)
//! Default { status, body: Problem }     json_response_as(status(status), "application/problem+json", &body)
//! TooManyRequests { body, retry_after } json_response(…), then with_header(…, "Retry-After", &retry_after)
//! Ok(rt::ByteStream)                    stream_response(status(200), "application/octet-stream", body)
//! Ok(rt::sse::Events<RunEvent>)         the events' own framing (text/event-stream)
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::ident;
use crate::emit::responses::{BodyRepr, body_repr, has_status_field, is_struct_variant};
use crate::model::{MediaKind, Operation, Response, ResponseBody, StatusSpec};

/// The two `ApiResponse` impls of `op`.
pub fn api_response_impls(op: &Operation) -> TokenStream {
    let ok = api_response_impl(op, &op.ok_type, true);
    let err = api_response_impl(op, &op.error_type, false);
    quote!(#ok #err)
}

fn api_response_impl(op: &Operation, name: &str, success: bool) -> TokenStream {
    let name = ident(name);
    let responses = || {
        op.responses
            .iter()
            .filter(move |r| r.status.is_success() == success)
    };
    if let Some(plain) = responses().map(plain_arm).collect::<Option<Vec<_>>>() {
        return quote!(rt::api_response!(#name { #(#plain),* }););
    }
    let arms = responses().map(|r| arm(op, r));
    quote! {
        impl rt::server::ApiResponse for #name {
            fn into_api_response(self) -> rt::server::Response {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// The `status` expression of a response: its code, or the variant's `status` field.
fn status_expr(r: &Response) -> TokenStream {
    match &r.status {
        StatusSpec::Code(code) => {
            let code = proc_macro2::Literal::u16_unsuffixed(*code);
            quote!(rt::server::status(#code))
        }
        StatusSpec::Range(_) | StatusSpec::Default => quote!(rt::server::status(status)),
    }
}

/// Media types that are plain JSON, written by `json_response` as `application/json`.
fn is_plain_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(essence.as_str(), "application/json" | "*/*")
}

/// A media type to send as `content-type`: a range such as `image/*` is not one.
fn concrete(media_type: &str, fallback: &str) -> String {
    if media_type.contains('*') {
        fallback.to_owned()
    } else {
        media_type.to_owned()
    }
}

/// The response with its body (bound as `body`).
fn body_response(
    op: &Operation,
    body: &ResponseBody,
    status: &TokenStream,
    default_status: bool,
) -> TokenStream {
    let media = &body.media_type;
    match body_repr(body) {
        BodyRepr::Typed(_) if json_body(body) => quote!(rt::server::json_response(#status, &body)),
        BodyRepr::Typed(_) if body.kind == MediaKind::Form => {
            quote!(rt::server::form_response(#status, &body))
        }
        BodyRepr::Typed(_) => quote!(rt::server::json_response_as(#status, #media, &body)),
        BodyRepr::Text => {
            let essence = media.split(';').next().unwrap_or_default().trim();
            if essence.eq_ignore_ascii_case("text/plain") {
                quote!(rt::server::text_response(#status, body))
            } else {
                let media = concrete(media, "text/plain; charset=utf-8");
                quote!(rt::server::bytes_response(#status, #media, body))
            }
        }
        BodyRepr::Binary => {
            let media = concrete(media, "application/octet-stream");
            quote!(rt::server::stream_response(#status, #media, body))
        }
        BodyRepr::Events(_) => {
            let body = match op.stream.as_ref().and_then(|s| s.envelope.as_ref()) {
                Some(e) => {
                    let env = crate::emit::client::envelope_tokens(e);
                    quote!(body.enveloped(#env))
                }
                None => quote!(body),
            };
            // The events frame themselves, always with 200; another documented status is set
            // afterwards.
            if default_status {
                quote!(rt::server::ApiResponse::into_api_response(#body))
            } else {
                quote! {{
                    let mut response = rt::server::ApiResponse::into_api_response(#body);
                    *response.status_mut() = #status;
                    response
                }}
            }
        }
    }
}

/// A response `rt::api_response!` writes (`json NotFound = 404`, `empty Gone = 410`,
/// `json Default = status`): no headers, and a plain JSON body or none.
fn plain_arm(r: &Response) -> Option<TokenStream> {
    if !r.headers.is_empty() {
        return None;
    }
    let status = match r.status {
        StatusSpec::Code(code) => {
            let code = proc_macro2::Literal::u16_unsuffixed(code);
            quote!(#code)
        }
        StatusSpec::Range(_) | StatusSpec::Default => quote!(status),
    };
    let kind = match &r.body {
        None => quote!(empty),
        Some(body) if json_body(body) => quote!(json),
        Some(_) => return None,
    };
    let variant = ident(&r.variant);
    Some(quote!(#kind #variant = #status))
}

/// Whether `body` is written by `json_response` (as `application/json`).
fn json_body(body: &ResponseBody) -> bool {
    // A multipart response has no writer in the runtime: sent as JSON, which every client
    // reading the declared schema can still decode.
    matches!(body_repr(body), BodyRepr::Typed(_))
        && (body.kind == MediaKind::Multipart
            || (body.kind != MediaKind::Form && is_plain_json(&body.media_type)))
}

fn arm(op: &Operation, r: &Response) -> TokenStream {
    let variant = ident(&r.variant);
    let status = status_expr(r);
    let is_200 = r.status == StatusSpec::Code(200);
    let response = match &r.body {
        Some(body) => body_response(op, body, &status, is_200),
        None => quote!(rt::server::empty_response(#status)),
    };
    if !is_struct_variant(r) {
        return match r.body {
            Some(_) => quote!(Self::#variant(body) => #response,),
            None => quote!(Self::#variant => #response,),
        };
    }
    let status_field = has_status_field(r).then(|| quote!(status,));
    let body_field = r.body.as_ref().map(|_| quote!(body,));
    let header_fields = r.headers.iter().map(|h| ident(&h.ident));
    if r.headers.is_empty() {
        return quote! {
            Self::#variant { #status_field #body_field } => #response,
        };
    }
    let mut with_headers: Vec<TokenStream> = r
        .headers
        .iter()
        .map(|h| {
            let field = ident(&h.ident);
            let wire = &h.wire_name;
            quote!(rt::server::with_header(response, #wire, &#field))
        })
        .collect();
    // The last header is the arm's value (a `let` just to return it is a clippy warning).
    let last = with_headers.pop();
    quote! {
        Self::#variant { #status_field #body_field #(#header_fields),* } => {
            let response = #response;
            #(let response = #with_headers;)*
            #last
        }
    }
}
