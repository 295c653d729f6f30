//! Paths, operations, parameters, bodies, responses and security → the model.
//!
//! Operation names come from `operationId`, or from method + path when there is none (progenitor
//! requires one; real documents often lack it). Each operation gets an `Ok` enum for its
//! documented successes and an error enum for its documented failures, named once here so that
//! client and server agree.

use openapiv3::{
    Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody, SecurityRequirement,
    StatusCode,
};

use super::schema::Lowered;
use super::{Lowerer, docs};
use crate::model::{
    BodyContent, EventStream, MediaKind, Method, Operation, Param, ParamLocation, ParamStyle,
    Primitive, RequestBody as ModelBody, Response, ResponseBody, ResponseHeader, Resume,
    SecurityKind, SecurityRequirement as ModelRequirement, SecurityScheme, StatusSpec, TypeRef,
};
use crate::naming::{self, Scope};
use crate::resolve::Loc;

/// The extension naming the parameter that carries an event stream's resume point.
pub const RESUME_EXTENSION: &str = "x-sse-resume-param";

/// Parameter names that carry a resume point by convention, when the spec does not say.
const RESUME_CONVENTIONS: &[&str] = &["last_event_id", "lastEventId", "last-event-id", "after"];

impl Lowerer<'_, '_> {
    pub(super) fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let Some(components) = self.r.doc.components.as_ref() else {
            return Vec::new();
        };
        let mut scope = Scope::new();
        let mut out = Vec::new();
        for (key, item) in &components.security_schemes {
            let loc = Loc::root("/components/securitySchemes").join(key);
            let (loc, scheme) = match self.r.deref(&loc, item) {
                Ok(found) => found,
                Err(d) => {
                    self.diags.push(d);
                    continue;
                }
            };
            let (kind, description) = match scheme.into_owned() {
                openapiv3::SecurityScheme::APIKey {
                    location,
                    name,
                    description,
                    ..
                } => (
                    SecurityKind::ApiKey {
                        location: match location {
                            openapiv3::APIKeyLocation::Query => ParamLocation::Query,
                            openapiv3::APIKeyLocation::Header => ParamLocation::Header,
                            openapiv3::APIKeyLocation::Cookie => ParamLocation::Cookie,
                        },
                        name,
                    },
                    description,
                ),
                openapiv3::SecurityScheme::HTTP {
                    scheme,
                    bearer_format,
                    description,
                    ..
                } => match scheme.to_ascii_lowercase().as_str() {
                    "bearer" => (
                        SecurityKind::Bearer {
                            format: bearer_format,
                        },
                        description,
                    ),
                    "basic" => (SecurityKind::Basic, description),
                    other => {
                        self.diags.push(self.r.warning(
                            &loc,
                            format!("HTTP auth scheme `{other}` is not supported; operations that require it are generated without it"),
                        ));
                        continue;
                    }
                },
                openapiv3::SecurityScheme::OAuth2 { description, .. }
                | openapiv3::SecurityScheme::OpenIDConnect { description, .. } => {
                    (SecurityKind::OAuth2, description)
                }
            };
            out.push(SecurityScheme {
                key: key.clone(),
                ident: scope.claim(naming::snake_ident(key)),
                description,
                kind,
            });
        }
        out
    }

    pub(super) fn operations(&mut self, schemes: &[SecurityScheme]) -> Vec<Operation> {
        // `reject` is the server trait's hook for refused requests (emit/server).
        let mut fn_names = Scope::with_reserved(["reject"]);
        let mut out = Vec::new();
        let r = self.r;
        for (path, item) in &r.doc.paths.paths {
            let loc = Loc::root("/paths").join(path);
            let (item_loc, item) = match r.deref(&loc, item) {
                Ok(found) => found,
                Err(d) => {
                    self.diags.push(d);
                    continue;
                }
            };
            let methods = [
                (Method::Get, "get", &item.get),
                (Method::Put, "put", &item.put),
                (Method::Post, "post", &item.post),
                (Method::Delete, "delete", &item.delete),
                (Method::Options, "options", &item.options),
                (Method::Head, "head", &item.head),
                (Method::Patch, "patch", &item.patch),
                (Method::Trace, "trace", &item.trace),
            ];
            for (method, key, op) in methods {
                let Some(op) = op else { continue };
                let oloc = item_loc.join(key);
                let lowered =
                    self.operation(&oloc, path, method, &item, op, schemes, &mut fn_names);
                out.push(lowered);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        loc: &Loc,
        path: &str,
        method: Method,
        item: &PathItem,
        op: &openapiv3::Operation,
        schemes: &[SecurityScheme],
        fn_names: &mut Scope,
    ) -> Operation {
        let operation_id = op
            .operation_id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .unwrap_or_else(|| derived_operation_id(method, path));
        let fn_name = fn_names.claim(naming::snake_ident(&operation_id));
        let type_stem = naming::camel_ident(naming::unraw(&fn_name));
        let ok_type = self.type_names.claim(format!("{type_stem}Ok"));
        let error_type = self.type_names.claim(format!("{type_stem}Error"));
        let request_type = self.type_names.claim(format!("{type_stem}Request"));
        let builder_type = self.type_names.claim(format!("{type_stem}Builder"));

        let params = self.params(loc, item, op, &type_stem);
        let body = op
            .request_body
            .as_ref()
            .and_then(|b| self.request_body(&loc.join("requestBody"), b, &type_stem));
        let responses = self.responses(loc, op, &type_stem);
        let stream = self.event_stream(loc, op, &responses, &params);
        let security = self.security(loc, op, schemes);
        Operation {
            operation_id,
            source: crate::model::SourceLoc {
                file: self.r.display(loc.file).to_owned(),
                pointer: loc.pointer.clone(),
            },
            fn_name,
            type_stem,
            method,
            path: path.to_owned(),
            docs: docs(
                op.summary.as_deref(),
                op.description.as_deref(),
                op.deprecated,
            ),
            tags: op.tags.clone(),
            params,
            body,
            responses,
            security,
            ok_type,
            error_type,
            request_type,
            builder_type,
            stream,
            pagination: None,
            features: Vec::new(),
        }
    }

    fn params(
        &mut self,
        loc: &Loc,
        item: &PathItem,
        op: &openapiv3::Operation,
        stem: &str,
    ) -> Vec<Param> {
        // Path-level parameters first; an operation-level one with the same name and location
        // replaces it (OAS 3.0 §4.7.9).
        let path_loc = Loc {
            file: loc.file,
            pointer: loc
                .pointer
                .rsplit_once('/')
                .map(|(p, _)| p.to_owned())
                .unwrap_or_default(),
        };
        let mut found: Vec<(Loc, std::borrow::Cow<Parameter>)> = Vec::new();
        for (base, list) in [(&path_loc, &item.parameters), (loc, &op.parameters)] {
            for (i, p) in list.iter().enumerate() {
                let ploc = base.join("parameters").join(&i.to_string());
                match self.r.deref(&ploc, p) {
                    Ok((at, param)) => {
                        let key = (param.parameter_data_ref().name.clone(), location_of(&param));
                        found.retain(|(_, existing)| {
                            (
                                existing.parameter_data_ref().name.clone(),
                                location_of(existing),
                            ) != key
                        });
                        found.push((at, param));
                    }
                    Err(d) => self.diags.push(d),
                }
            }
        }
        // Builder fields and methods of the generated client share this namespace.
        let mut scope = Scope::with_reserved([
            "body",
            "options",
            "self_",
            "client",
            "reconnect",
            "send",
            "send_with_info",
            "call",
            "decode",
            "into_future",
            "credentials",
        ]);
        let mut out = Vec::new();
        for (at, param) in found {
            let location = location_of(&param);
            let (style, explode) = style_of(&param);
            let data = param.parameter_data_ref();
            let hint = format!("{stem}{}", naming::camel_ident(&data.name));
            let lowered = match &data.format {
                ParameterSchemaOrContent::Schema(s) => {
                    self.lower_schema(&at.join("schema"), s.into(), &hint)
                }
                ParameterSchemaOrContent::Content(content) => {
                    match content
                        .iter()
                        .next()
                        .and_then(|(mt, m)| m.schema.as_ref().map(|s| (mt, s)))
                    {
                        Some((mt, s)) => {
                            let sloc = at.join("content").join(mt).join("schema");
                            self.lower_schema(&sloc, s.into(), &hint)
                        }
                        None => Lowered {
                            ty: TypeRef::Primitive(Primitive::String),
                            nullable: false,
                        },
                    }
                }
            };
            if location == ParamLocation::Path && !data.required {
                self.diags.push(self.r.warning(
                    &at,
                    format!(
                        "path parameter `{}` must be required; treating it as required",
                        data.name
                    ),
                ));
            }
            out.push(Param {
                wire_name: data.name.clone(),
                ident: scope.claim(naming::snake_ident(&data.name)),
                location,
                required: data.required || location == ParamLocation::Path,
                ty: lowered.folded(),
                style,
                explode,
                docs: docs(
                    None,
                    data.description.as_deref(),
                    data.deprecated.unwrap_or(false),
                ),
            });
        }
        out
    }

    fn request_body(
        &mut self,
        loc: &Loc,
        body: &ReferenceOr<RequestBody>,
        stem: &str,
    ) -> Option<ModelBody> {
        let (loc, body) = match self.r.deref(loc, body) {
            Ok(found) => found,
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        let mut contents = Vec::new();
        let hint = format!("{stem}Body");
        for (media_type, media) in &body.content {
            let kind = MediaKind::classify(media_type);
            let ty = match &media.schema {
                Some(s) => {
                    let sloc = loc.join("content").join(media_type).join("schema");
                    self.lower_schema(&sloc, s.into(), &hint).folded()
                }
                None => default_body_type(kind),
            };
            contents.push(BodyContent {
                media_type: media_type.clone(),
                kind,
                ty,
            });
        }
        if contents.is_empty() {
            return None;
        }
        Some(ModelBody {
            required: body.required,
            docs: docs(None, body.description.as_deref(), false),
            contents,
        })
    }

    fn responses(&mut self, loc: &Loc, op: &openapiv3::Operation, stem: &str) -> Vec<Response> {
        let mut entries: Vec<(StatusSpec, String, &ReferenceOr<openapiv3::Response>)> = op
            .responses
            .responses
            .iter()
            .map(|(code, r)| match code {
                StatusCode::Code(c) => (StatusSpec::Code(*c), c.to_string(), r),
                StatusCode::Range(n) => (StatusSpec::Range(*n as u8), format!("{n}XX"), r),
            })
            .collect();
        if let Some(d) = &op.responses.default {
            entries.push((StatusSpec::Default, "default".to_owned(), d));
        }
        // Codes first in numeric order, then ranges, then default.
        entries.sort_by_key(|(s, _, _)| match s {
            StatusSpec::Code(c) => (0, *c),
            StatusSpec::Range(r) => (1, u16::from(*r)),
            StatusSpec::Default => (2, 0),
        });
        let successes = entries.iter().filter(|(s, _, _)| s.is_success()).count();
        let mut ok_scope = Scope::new();
        let mut err_scope = Scope::new();
        let mut out = Vec::new();
        for (status, key, item) in entries {
            let rloc = loc.join("responses").join(&key);
            let (rloc, response) = match self.r.deref(&rloc, item) {
                Ok(found) => found,
                Err(d) => {
                    self.diags.push(d);
                    continue;
                }
            };
            let variant_base = status_variant(&status);
            let variant = if status.is_success() {
                ok_scope.claim(variant_base)
            } else {
                err_scope.claim(variant_base)
            };
            let hint = if status.is_success() && successes == 1 {
                format!("{stem}Response")
            } else {
                format!("{stem}{variant}Response")
            };
            // Prefer JSON when a response offers several media types.
            let chosen = response
                .content
                .iter()
                .find(|(mt, _)| MediaKind::classify(mt) == MediaKind::Json)
                .or_else(|| response.content.iter().next());
            let body = chosen.map(|(media_type, media)| {
                let kind = MediaKind::classify(media_type);
                let ty = match &media.schema {
                    Some(s) => {
                        let sloc = rloc.join("content").join(media_type).join("schema");
                        self.lower_schema(&sloc, s.into(), &hint).folded()
                    }
                    None => default_body_type(kind),
                };
                ResponseBody {
                    media_type: media_type.clone(),
                    kind,
                    ty,
                }
            });
            let mut header_scope =
                Scope::with_reserved(["body", "status", "response", "response_headers", "value"]);
            let mut headers = Vec::new();
            for (name, h) in &response.headers {
                if name.eq_ignore_ascii_case("content-type") {
                    continue;
                }
                let hloc = rloc.join("headers").join(name);
                let (hloc, header) = match self.r.deref(&hloc, h) {
                    Ok(found) => found,
                    Err(d) => {
                        self.diags.push(d);
                        continue;
                    }
                };
                let ty = match &header.format {
                    ParameterSchemaOrContent::Schema(s) => self
                        .lower_schema(
                            &hloc.join("schema"),
                            s.into(),
                            &format!("{stem}{}", naming::camel_ident(name)),
                        )
                        .folded(),
                    ParameterSchemaOrContent::Content(_) => TypeRef::Primitive(Primitive::String),
                };
                headers.push(ResponseHeader {
                    wire_name: name.clone(),
                    ident: header_scope.claim(naming::snake_ident(name)),
                    required: header.required,
                    ty,
                    docs: docs(None, header.description.as_deref(), false),
                });
            }
            out.push(Response {
                status,
                variant,
                docs: docs(None, Some(response.description.as_str()), false),
                body,
                headers,
            });
        }
        out
    }

    fn event_stream(
        &mut self,
        loc: &Loc,
        op: &openapiv3::Operation,
        responses: &[Response],
        params: &[Param],
    ) -> Option<EventStream> {
        let body = responses
            .iter()
            .filter(|r| r.status.is_success())
            .filter_map(|r| r.body.as_ref())
            .find(|b| b.kind == MediaKind::EventStream)?;
        let declared = op.extensions.get(RESUME_EXTENSION).and_then(|v| v.as_str());
        let resume = match declared {
            Some(name) if name.eq_ignore_ascii_case("last-event-id") => {
                match params
                    .iter()
                    .position(|p| p.wire_name.eq_ignore_ascii_case(name))
                {
                    Some(i) => Resume::Param(i),
                    None => Resume::LastEventIdHeader,
                }
            }
            Some(name) => match params.iter().position(|p| p.wire_name == name) {
                Some(i) => Resume::Param(i),
                None => {
                    self.diags.push(self.r.warning(
                        &loc.join(RESUME_EXTENSION),
                        format!("`{name}` is not a parameter of this operation; resuming with the Last-Event-ID header"),
                    ));
                    Resume::LastEventIdHeader
                }
            },
            None => params
                .iter()
                .position(|p| {
                    (p.location == ParamLocation::Query
                        && RESUME_CONVENTIONS.contains(&p.wire_name.as_str()))
                        || (p.location == ParamLocation::Header
                            && p.wire_name.eq_ignore_ascii_case("last-event-id"))
                })
                .map_or(Resume::LastEventIdHeader, Resume::Param),
        };
        Some(EventStream {
            event: body.ty.clone(),
            resume,
            envelope: None,
        })
    }

    fn security(
        &mut self,
        loc: &Loc,
        op: &openapiv3::Operation,
        schemes: &[SecurityScheme],
    ) -> Vec<ModelRequirement> {
        let requirements: &[SecurityRequirement] = op
            .security
            .as_deref()
            .or(self.r.doc.security.as_deref())
            .unwrap_or(&[]);
        let mut out = Vec::new();
        for (i, requirement) in requirements.iter().enumerate() {
            let mut indexes = Vec::new();
            let mut complete = true;
            for name in requirement.keys() {
                match schemes.iter().position(|s| &s.key == name) {
                    Some(i) => indexes.push(i),
                    None => {
                        complete = false;
                        self.diags.push(self.r.warning(
                            &loc.join("security").join(&i.to_string()),
                            format!("security scheme `{name}` is not defined (or not supported); this alternative is skipped"),
                        ));
                    }
                }
            }
            if complete {
                out.push(ModelRequirement { schemes: indexes });
            }
        }
        out
    }
}

fn location_of(p: &Parameter) -> ParamLocation {
    match p {
        Parameter::Query { .. } => ParamLocation::Query,
        Parameter::Header { .. } => ParamLocation::Header,
        Parameter::Path { .. } => ParamLocation::Path,
        Parameter::Cookie { .. } => ParamLocation::Cookie,
    }
}

fn style_of(p: &Parameter) -> (ParamStyle, bool) {
    let style = match p {
        Parameter::Query { style, .. } => match style {
            openapiv3::QueryStyle::Form => ParamStyle::Form,
            openapiv3::QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
            openapiv3::QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
            openapiv3::QueryStyle::DeepObject => ParamStyle::DeepObject,
        },
        Parameter::Path { style, .. } => match style {
            openapiv3::PathStyle::Simple => ParamStyle::Simple,
            openapiv3::PathStyle::Label => ParamStyle::Label,
            openapiv3::PathStyle::Matrix => ParamStyle::Matrix,
        },
        Parameter::Header { .. } => ParamStyle::Simple,
        Parameter::Cookie { .. } => ParamStyle::Form,
    };
    // `explode` defaults to true for form style only (OAS 3.0 §4.7.12.4).
    let explode = p
        .parameter_data_ref()
        .explode
        .unwrap_or(matches!(style, ParamStyle::Form | ParamStyle::DeepObject));
    (style, explode)
}

fn default_body_type(kind: MediaKind) -> TypeRef {
    match kind {
        MediaKind::Json | MediaKind::Form | MediaKind::Multipart | MediaKind::EventStream => {
            TypeRef::Any
        }
        MediaKind::Text => TypeRef::Primitive(Primitive::String),
        MediaKind::Binary => TypeRef::Primitive(Primitive::Binary),
    }
}

/// `get /sessions/{session_id}/runs` → `get_sessions_session_id_runs`.
fn derived_operation_id(method: Method, path: &str) -> String {
    let mut id = method.as_str().to_ascii_lowercase();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.push_str(segment.trim_start_matches('{').trim_end_matches('}'));
    }
    if path.trim_matches('/').is_empty() {
        id.push_str("_root");
    }
    id
}

/// The variant name for a status: its reason phrase (`NotFound`), else `Status418`.
fn status_variant(status: &StatusSpec) -> String {
    match status {
        StatusSpec::Code(code) => match reason(*code) {
            Some(r) => r.to_owned(),
            None => format!("Status{code}"),
        },
        StatusSpec::Range(r) => format!("Status{r}xx"),
        StatusSpec::Default => "Default".to_owned(),
    }
}

fn reason(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "SwitchingProtocols",
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        207 => "MultiStatus",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        407 => "ProxyAuthenticationRequired",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        414 => "UriTooLong",
        415 => "UnsupportedMediaType",
        416 => "RangeNotSatisfiable",
        417 => "ExpectationFailed",
        418 => "ImATeapot",
        421 => "MisdirectedRequest",
        422 => "UnprocessableEntity",
        423 => "Locked",
        424 => "FailedDependency",
        425 => "TooEarly",
        426 => "UpgradeRequired",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        431 => "RequestHeaderFieldsTooLarge",
        451 => "UnavailableForLegalReasons",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        505 => "HttpVersionNotSupported",
        507 => "InsufficientStorage",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids() {
        assert_eq!(
            derived_operation_id(Method::Get, "/sessions/{session_id}/runs"),
            "get_sessions_session_id_runs"
        );
        assert_eq!(derived_operation_id(Method::Get, "/"), "get_root");
    }

    #[test]
    fn status_variants() {
        assert_eq!(status_variant(&StatusSpec::Code(404)), "NotFound");
        assert_eq!(status_variant(&StatusSpec::Code(299)), "Status299");
        assert_eq!(status_variant(&StatusSpec::Range(5)), "Status5xx");
        assert_eq!(status_variant(&StatusSpec::Default), "Default");
    }
}
