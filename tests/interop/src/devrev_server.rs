//! An implementation of the generated `devrev-agents` server for outside tools (schemathesis).
//!
//! Only [`TOKEN`] is let in (anything else is the documented 401 `unauthenticated`); every
//! valid request starts a session named after its `session_object`. Requests the router
//! refuses are answered as DevRev does, in the spec's own error union ([`Api::reject`]): a
//! 400 `bad_request` (or `invalid_field` naming the field), a 401 `unauthenticated`, a 413
//! `request_entity_too_large`.

use std::sync::Arc;

use devrev_agents::rt::server::axum::response::Response;
use devrev_agents::rt::server::{Failure, Presented, Problem, json_response, status};
use devrev_agents::server::{AiAgentsEventsExecuteAsyncRequest, Api};
use devrev_agents::{
    AiAgentEventsExecuteAsyncResponse, AiAgentSessionSummary, AiAgentsEventsExecuteAsyncError,
    AiAgentsEventsExecuteAsyncOk, ErrorModel,
};
use serde_json::json;

/// The one bearer token the server accepts.
pub const TOKEN: &str = "devrev-interop-token";

/// The implementation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Server;

fn error(kind: &str, message: &str, detail: Option<&str>) -> ErrorModel {
    let value = json!({"type": kind, "message": message, "detail": detail});
    match serde_json::from_value(value) {
        Ok(error) => error,
        Err(e) => panic!("a known error does not fit the generated union: {e}"),
    }
}

impl Api for Server {
    async fn ai_agents_events_execute_async(
        &self,
        request: AiAgentsEventsExecuteAsyncRequest,
    ) -> Result<AiAgentsEventsExecuteAsyncOk, Failure<AiAgentsEventsExecuteAsyncError>> {
        let authorized = request
            .credentials
            .iter()
            .any(|(_, presented)| matches!(presented, Presented::Bearer(t) if t == TOKEN));
        if !authorized {
            return Err(AiAgentsEventsExecuteAsyncError::Unauthorized(error(
                "unauthenticated",
                "invalid token",
                None,
            ))
            .into());
        }
        Ok(AiAgentsEventsExecuteAsyncOk::Ok(
            AiAgentEventsExecuteAsyncResponse {
                session: AiAgentSessionSummary {
                    display_id: Some("AGS-1".to_owned()),
                    id: format!(
                        "don:core:dvrv-us-1:devo/1:ai_agent_session/{}",
                        request.body.session_object
                    ),
                },
            },
        ))
    }

    /// DevRev documents 400, 401 and 413 for this operation, each with the error union.
    fn reject(&self, operation: &'static str, problem: Problem) -> Response {
        let _ = operation;
        let detail = problem.detail();
        let (code, body) = match problem.status().as_u16() {
            401 => (401, error("unauthenticated", "missing token", detail)),
            413 => (
                413,
                error("request_entity_too_large", "the body is too large", detail),
            ),
            _ => match problem.pointer() {
                Some(pointer) if !pointer.is_empty() => (
                    400,
                    json_error_invalid_field(pointer.trim_start_matches('/'), detail),
                ),
                _ => (
                    400,
                    error("bad_request", "the request is malformed", detail),
                ),
            },
        };
        json_response(status(code), &body)
    }
}

fn json_error_invalid_field(field: &str, detail: Option<&str>) -> ErrorModel {
    let value = json!({
        "type": "invalid_field",
        "field_name": field.replace('/', "."),
        "message": "a field of the body is not valid",
        "detail": detail,
    });
    match serde_json::from_value(value) {
        Ok(error) => error,
        Err(_) => error("bad_request", "a field of the body is not valid", detail),
    }
}

/// The generated router over the implementation.
pub fn app() -> axum::Router {
    devrev_agents::server::router(Arc::new(Server))
}
