//! A recording implementation of the generated `conversations` server.
//!
//! Known values: every conversation is [`CONVERSATION_ID`] unless the request names another
//! id; [`MISSING_ID`] is answered with the documented 404 whose `error.code` is
//! `CONVERSATION_NOT_FOUND` (for `stream_events` through its `default` response). The stream
//! holds one event of each of the 17 kinds, `event:` the kind and `id:` the `event_id`;
//! `last_event_id` replays only the later ones.
//!
//! Credentials are checked as the real API would: only [`API_KEY`] (as the raw `Authorization`
//! value or as a bearer token) is let in; anything else is the documented 401 `UNAUTHORIZED`.
//! Requests the router refuses are answered in the spec's own error format ([`Api::reject`]),
//! not as `application/problem+json`.

use std::sync::Arc;

use conversations::rt::server::axum::response::Response;
use conversations::rt::server::{Failure, Presented, Problem, json_response};
use conversations::rt::sse::{Event as SseEvent, Events};
use conversations::server::{
    Api, CancelRunRequest, ConfirmToolRequest, CreateConversationRequest2, GetConversationRequest,
    ListConversationsRequest, SendMessageRequest2, StreamEventsRequest,
};
use conversations::{
    ApiError, CancelRunError, CancelRunOk, ConfirmToolError, ConfirmToolOk, Conversation,
    ConversationStreamEvent, ConversationWithEvents, CreateConversationError, CreateConversationOk,
    GetConversationError, GetConversationOk, ListConversationsError, ListConversationsOk,
    SendMessageError, SendMessageOk, StatusResponse, StreamEventsError, StreamEventsOk,
};
use serde_json::{Value, json};

use crate::record::Recorder;

/// The conversation every successful answer is about.
pub const CONVERSATION_ID: &str = "6f1c2b0e-8f5a-4c1e-9d2a-3b4c5d6e7f80";
/// The id answered with 404 `CONVERSATION_NOT_FOUND`.
pub const MISSING_ID: &str = "00000000-0000-0000-0000-000000000404";

/// The one API key (or bearer token) the server accepts.
pub const API_KEY: &str = "rai-interop-key-1234";

/// The 17 event kinds, in stream order.
pub const EVENT_KINDS: [&str; 17] = [
    "RUN_STARTED",
    "STEP_STARTED",
    "TEXT_MESSAGE_START",
    "TEXT_MESSAGE_CONTENT",
    "TEXT_MESSAGE_END",
    "TOOL_CALL_START",
    "TOOL_CALL_ARGS_DELTA",
    "TOOL_CONFIRMATION_REQUIRED",
    "TOOL_CALL_PROGRESS",
    "TOOL_CALL_END",
    "TOOL_CALL_RESULT",
    "STEP_FINISHED",
    "TITLE_UPDATED",
    "CONTEXT_COMPACTED",
    "RUN_ERROR",
    "RUN_CANCELLED",
    "RUN_FINISHED",
];

/// The recording implementation.
#[derive(Clone, Debug)]
pub struct Server {
    recorder: Recorder,
}

impl Server {
    /// An implementation that notes what it is handed in `recorder`.
    pub fn new(recorder: Recorder) -> Self {
        Server { recorder }
    }
}

/// The credentials an implementation was handed, as JSON.
pub fn credentials_json(credentials: &[(&'static str, Presented)]) -> Value {
    Value::Array(
        credentials
            .iter()
            .map(|(scheme, presented)| match presented {
                Presented::ApiKey(key) => json!({"scheme": scheme, "api_key": key}),
                Presented::Bearer(token) => json!({"scheme": scheme, "bearer": token}),
                Presented::Basic { username, password } => {
                    json!({"scheme": scheme, "username": username, "password": password})
                }
            })
            .collect(),
    )
}

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(v) => v,
        Err(e) => panic!("a known value does not fit its generated type: {e}"),
    }
}

fn not_found() -> ApiError {
    typed(json!({"error": {
        "code": "CONVERSATION_NOT_FOUND",
        "message": "Conversation not found.",
        "detail": format!("no conversation with id {MISSING_ID}"),
        "doc_url": "https://docs.reveng.ai/errors/CONVERSATION_NOT_FOUND",
        "trace_id": "trace-404",
    }}))
}

fn error(code: &str, message: &str, detail: Option<&str>) -> ApiError {
    typed(json!({"error": {
        "code": code,
        "message": message,
        "detail": detail,
        "trace_id": "trace-refused",
    }}))
}

fn unauthorized() -> ApiError {
    error("UNAUTHORIZED", "The API key is missing or not valid.", None)
}

/// Whether the caller presented [`API_KEY`] under one of the spec's schemes.
fn authorized(credentials: &[(&'static str, Presented)]) -> bool {
    credentials.iter().any(|(_, presented)| match presented {
        Presented::ApiKey(key) | Presented::Bearer(key) => key == API_KEY,
        Presented::Basic { .. } => false,
    })
}

fn conversation(id: &str, title: &str, context: Value) -> Value {
    json!({
        "context": context,
        "conversation_uuid": id,
        "created_at": "2025-01-02T03:04:05Z",
        "title": title,
        "updated_at": "2025-01-02T03:14:15.5Z",
        "user_id": 42,
    })
}

/// The payloads of the stream, one per kind, `event_id` 1..=17.
pub fn stream_payloads() -> Vec<Value> {
    EVENT_KINDS
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let data = match *kind {
                "TEXT_MESSAGE_CONTENT" => json!({"message_id": "m-1", "delta": "Hello"}),
                "TOOL_CALL_START" => json!({"tool_call_id": "t-1", "name": "decompile"}),
                "TOOL_CONFIRMATION_REQUIRED" => json!({"tool_call_id": "t-1"}),
                "TITLE_UPDATED" => json!({"title": "Renamed"}),
                "RUN_ERROR" => Value::Null,
                _ => json!({"seq": i + 1}),
            };
            let mut payload = json!({
                "type": kind,
                "event_id": i + 1,
                "data": data,
            });
            if i % 2 == 0 {
                payload["source_run_id"] = json!("run-7");
            }
            payload
        })
        .collect()
}

impl Api for Server {
    async fn list_conversations(
        &self,
        request: ListConversationsRequest,
    ) -> Result<ListConversationsOk, Failure<ListConversationsError>> {
        self.recorder.received(
            "list_conversations",
            json!({"credentials": credentials_json(&request.credentials)}),
        );
        if !authorized(&request.credentials) {
            return Err(Failure::Api(ListConversationsError::Default {
                status: 401,
                body: unauthorized(),
            }));
        }
        Ok(ListConversationsOk::Ok(typed(json!([
            conversation(
                CONVERSATION_ID,
                "Unpacking the dropper",
                json!({"analysis_id": 7, "function_id": 99})
            ),
            conversation(
                "0b7e5b8e-0c44-4bd6-9d1e-2f7f5f3f9a11",
                "Second",
                Value::Null
            ),
        ]))))
    }

    async fn create_conversation(
        &self,
        request: CreateConversationRequest2,
    ) -> Result<CreateConversationOk, Failure<CreateConversationError>> {
        let body = serde_json::to_value(&request.body).unwrap_or_default();
        self.recorder.received(
            "create_conversation",
            json!({"body": body, "credentials": credentials_json(&request.credentials)}),
        );
        if !authorized(&request.credentials) {
            return Err(Failure::Api(CreateConversationError::Unauthorized(
                unauthorized(),
            )));
        }
        let title = request.body.title.as_deref().unwrap_or("New conversation");
        let context = body.get("context").cloned().unwrap_or(Value::Null);
        Ok(CreateConversationOk::Created(typed::<Conversation>(
            conversation(CONVERSATION_ID, title, context),
        )))
    }

    async fn get_conversation(
        &self,
        request: GetConversationRequest,
    ) -> Result<GetConversationOk, Failure<GetConversationError>> {
        self.recorder.received(
            "get_conversation",
            json!({"id": request.id, "credentials": credentials_json(&request.credentials)}),
        );
        if !authorized(&request.credentials) {
            return Err(Failure::Api(GetConversationError::Unauthorized(
                unauthorized(),
            )));
        }
        if request.id.to_string() == MISSING_ID {
            return Err(Failure::Api(GetConversationError::NotFound(not_found())));
        }
        let id = request.id.to_string();
        let mut value = conversation(&id, "Unpacking the dropper", Value::Null);
        value["events"] = json!([
            {
                "conversation_uuid": id,
                "created_at": "2025-01-02T03:05:00Z",
                "data": {"content": "What does main do?"},
                "event_id": 1,
                "role": 1,
                "tokens_used": 12,
                "type": 3,
            },
            {
                "conversation_uuid": id,
                "created_at": "2025-01-02T03:05:01.25Z",
                "data": null,
                "event_id": 2,
                "role": 2,
                "tokens_used": 0,
                "type": 4,
            },
        ]);
        Ok(GetConversationOk::Ok(typed::<ConversationWithEvents>(
            value,
        )))
    }

    async fn send_message(
        &self,
        request: SendMessageRequest2,
    ) -> Result<SendMessageOk, Failure<SendMessageError>> {
        self.recorder.received(
            "send_message",
            json!({
                "id": request.id,
                "body": request.body,
                "credentials": credentials_json(&request.credentials),
            }),
        );
        if !authorized(&request.credentials) {
            return Err(Failure::Api(SendMessageError::Unauthorized(unauthorized())));
        }
        if request.id.to_string() == MISSING_ID {
            return Err(Failure::Api(SendMessageError::NotFound(not_found())));
        }
        Ok(SendMessageOk::Accepted(StatusResponse {
            conversation_uuid: request.id,
            status: "started".into(),
            trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
        }))
    }

    async fn stream_events(
        &self,
        request: StreamEventsRequest,
    ) -> Result<StreamEventsOk, Failure<StreamEventsError>> {
        self.recorder.received(
            "stream_events",
            json!({
                "id": request.id,
                "last_event_id": request.last_event_id,
                "credentials": credentials_json(&request.credentials),
            }),
        );
        if !authorized(&request.credentials) {
            return Err(Failure::Api(StreamEventsError::Default {
                status: 401,
                body: unauthorized(),
            }));
        }
        if request.id.to_string() == MISSING_ID {
            return Err(Failure::Api(StreamEventsError::Default {
                status: 404,
                body: not_found(),
            }));
        }
        let after = request.last_event_id.unwrap_or(0);
        let events: Vec<SseEvent<ConversationStreamEvent>> = stream_payloads()
            .into_iter()
            .filter(|p| p["event_id"].as_i64().unwrap_or(0) > after)
            .map(|p| {
                let kind = p["type"].as_str().unwrap_or_default().to_owned();
                let id = p["event_id"].to_string();
                SseEvent::new(typed::<ConversationStreamEvent>(p))
                    .with_event(kind)
                    .with_id(id)
            })
            .collect();
        Ok(StreamEventsOk::Ok(Events::from_events(
            futures::stream::iter(events),
        )))
    }

    async fn cancel_run(
        &self,
        request: CancelRunRequest,
    ) -> Result<CancelRunOk, Failure<CancelRunError>> {
        self.recorder.received(
            "cancel_run",
            json!({"id": request.id, "credentials": credentials_json(&request.credentials)}),
        );
        if !authorized(&request.credentials) {
            return Err(Failure::Api(CancelRunError::Unauthorized(unauthorized())));
        }
        if request.id.to_string() == MISSING_ID {
            return Err(Failure::Api(CancelRunError::NotFound(not_found())));
        }
        Ok(CancelRunOk::Ok(StatusResponse {
            conversation_uuid: request.id,
            status: "cancelled".into(),
            trace_id: None,
        }))
    }

    async fn confirm_tool(
        &self,
        request: ConfirmToolRequest,
    ) -> Result<ConfirmToolOk, Failure<ConfirmToolError>> {
        self.recorder.received(
            "confirm_tool",
            json!({
                "id": request.id,
                "body": request.body,
                "credentials": credentials_json(&request.credentials),
            }),
        );
        if !authorized(&request.credentials) {
            return Err(Failure::Api(ConfirmToolError::Unauthorized(unauthorized())));
        }
        if request.id.to_string() == MISSING_ID {
            return Err(Failure::Api(ConfirmToolError::NotFound(not_found())));
        }
        let status = if request.body.approved {
            "approved"
        } else {
            "rejected"
        };
        Ok(ConfirmToolOk::Ok(StatusResponse {
            conversation_uuid: request.id,
            status: status.into(),
            trace_id: Some("trace-confirm".into()),
        }))
    }

    /// The spec's `APIError` with the code that fits the refusal; a malformed conversation id
    /// is `INVALID_CONVERSATION_ID`, as the spec documents.
    fn reject(&self, operation: &'static str, problem: Problem) -> Response {
        let _ = operation;
        let bad_id = problem.invalid_params().iter().any(|p| p.name == "id");
        let (code, message) = match problem.status().as_u16() {
            401 => ("UNAUTHORIZED", "The API key is missing or not valid."),
            413 => ("REQUEST_ENTITY_TOO_LARGE", "The request body is too large."),
            415 => (
                "UNSUPPORTED_MEDIA_TYPE",
                "The request body has another media type.",
            ),
            422 => ("VALIDATION_FAILED", "The request body failed validation."),
            _ if bad_id => (
                "INVALID_CONVERSATION_ID",
                "The conversation ID is not a valid UUID.",
            ),
            _ => ("BAD_REQUEST", "The request could not be understood."),
        };
        json_response(problem.status(), &error(code, message, problem.detail()))
    }
}

/// The generated router over the recording implementation, with the debug route.
pub fn app(recorder: Recorder) -> axum::Router {
    crate::record::recording(
        conversations::server::router(Arc::new(Server::new(recorder.clone()))),
        recorder,
    )
}
