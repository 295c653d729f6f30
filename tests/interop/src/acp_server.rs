//! A recording implementation of the generated `acp` server (Agent Connect Protocol).
//!
//! Known values: one agent ([`AGENT_ID`]), thread ([`THREAD_ID`], or [`BLOCKS_THREAD_ID`]
//! whose messages hold content blocks) and run ([`RUN_ID`]); an
//! agent, thread or run id equal to [`MISSING_ID`] is answered with the documented 404 (an
//! `ErrorResponse`, a JSON string). Runs echo the `creation` payload they were created with;
//! streams hold a `values` update and a `custom` update, each with `id:` and
//! `event: agent_event`.
//!
//! Requests the router refuses are answered as ACP's own servers (FastAPI) do: a `422` whose
//! body is an `ErrorResponse` ([`Api::reject`]).

use std::sync::Arc;

use acp::rt::server::axum::response::Response;
use acp::rt::server::{Failure, ParamLocation, Problem, json_response, status};
use acp::rt::sse::{Event as SseEvent, Events};
use acp::server::*;
use acp::*;
use serde_json::{Value, json};

use crate::record::Recorder;

/// The agent every answer is about.
pub const AGENT_ID: &str = "2b1a0c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// The thread every answer is about.
pub const THREAD_ID: &str = "7d3e2f10-1111-4222-8333-944455566677";
/// The run every answer is about.
pub const RUN_ID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/// A thread whose messages carry content blocks rather than text.
pub const BLOCKS_THREAD_ID: &str = "b10c0000-0000-4000-8000-00000000b10c";
/// An id answered with 404.
pub const MISSING_ID: &str = "00000000-0000-0000-0000-000000000404";

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

    fn note(&self, operation: &str, request: Value) {
        self.recorder.received(operation, request);
    }
}

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(v) => v,
        Err(e) => panic!("a known value does not fit its generated type: {e}"),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn missing(id: &uuid::Uuid) -> bool {
    id.to_string() == MISSING_ID
}

fn not_found(what: &str) -> ErrorResponse {
    format!("{what} {MISSING_ID} not found")
}

fn metadata() -> Value {
    json!({
        "ref": {"name": "org.example.echo", "version": "1.2.0", "url": "https://agents.example/echo"},
        "description": "Echoes its input back as output.",
    })
}

fn agent() -> Agent {
    typed(json!({"agent_id": AGENT_ID, "metadata": metadata()}))
}

fn descriptor() -> AgentAcpDescriptor {
    typed(json!({
        "metadata": metadata(),
        "specs": {
            "capabilities": {
                "threads": true,
                "interrupts": true,
                "callbacks": false,
                "streaming": {"values": true, "custom": true},
            },
            "input": {"type": "object", "properties": {"query": {"type": "string"}}},
            "output": {"type": "object", "properties": {"answer": {"type": "integer"}}},
            "custom_streaming_update": {"type": "object"},
            "thread_state": {"type": "object"},
            "config": {"type": "object", "properties": {"temperature": {"type": "number"}}},
            "interrupts": [{
                "interrupt_type": "approval",
                "interrupt_payload": {"type": "object"},
                "resume_payload": {"type": "object"},
            }],
        },
    }))
}

fn thread(id: &str) -> Thread {
    let answer = if id == BLOCKS_THREAD_ID {
        json!([{"type": "text", "text": "42"}, {"type": "reasoning", "metadata": {"steps": 3}}])
    } else {
        json!("42")
    };
    typed(json!({
        "thread_id": id,
        "created_at": "2025-02-03T04:05:06Z",
        "updated_at": "2025-02-03T04:05:07.5Z",
        "metadata": {"owner": "interop"},
        "status": "idle",
        "values": {"answer": 42},
        "messages": [
            {"role": "user", "content": "What is the answer?", "id": "m-1"},
            {"role": "assistant", "content": answer, "metadata": {}},
        ],
    }))
}

fn run_fields(thread_id: Option<&str>) -> Value {
    let mut run = json!({
        "run_id": RUN_ID,
        "agent_id": AGENT_ID,
        "created_at": "2025-02-03T04:05:06Z",
        "updated_at": "2025-02-03T04:05:08Z",
        "status": "success",
    });
    if let Some(t) = thread_id {
        run["thread_id"] = json!(t);
    }
    run
}

fn default_creation() -> Value {
    json!({"agent_id": AGENT_ID, "input": {"query": "What is the answer?"}, "metadata": {}})
}

fn run_stateful(thread_id: &str, creation: Value) -> RunStateful {
    let mut run = run_fields(Some(thread_id));
    run["creation"] = creation;
    typed(run)
}

fn run_stateless(creation: Value) -> RunStateless {
    let mut run = run_fields(None);
    run["creation"] = creation;
    typed(run)
}

fn output() -> Value {
    json!({
        "type": "result",
        "values": {"answer": 42},
        "messages": [{"role": "assistant", "content": "The answer is 42."}],
    })
}

/// The stream of every run: a `values` update then a `custom` update.
fn stream() -> Events<RunOutputStream> {
    let payloads = [
        json!({"type": "values", "run_id": RUN_ID, "status": "pending", "values": {"answer": 41}}),
        json!({"type": "custom", "run_id": RUN_ID, "status": "success", "update": {"progress": 1.0}}),
    ];
    let events: Vec<SseEvent<RunOutputStream>> = payloads
        .into_iter()
        .enumerate()
        .map(|(i, data)| {
            let id = (i + 1).to_string();
            let frame: RunOutputStream =
                typed(json!({"id": id, "event": "agent_event", "data": data}));
            SseEvent::new(frame).with_id(id).with_event("agent_event")
        })
        .collect();
    Events::from_events(futures::stream::iter(events))
}

impl Api for Server {
    async fn search_agents(
        &self,
        request: SearchAgentsRequest,
    ) -> Result<SearchAgentsOk, Failure<SearchAgentsError>> {
        self.note("search_agents", json!({"body": to_json(&request.body)}));
        Ok(SearchAgentsOk::Ok(vec![agent()]))
    }

    async fn get_agent_by_id(
        &self,
        request: GetAgentByIdRequest,
    ) -> Result<GetAgentByIdOk, Failure<GetAgentByIdError>> {
        self.note("get_agent_by_id", json!({"agent_id": request.agent_id}));
        if missing(&request.agent_id) {
            return Err(Failure::Api(GetAgentByIdError::NotFound(not_found(
                "agent",
            ))));
        }
        let mut agent = agent();
        agent.agent_id = request.agent_id;
        Ok(GetAgentByIdOk::Ok(agent))
    }

    async fn get_acp_descriptor_by_id(
        &self,
        request: GetAcpDescriptorByIdRequest,
    ) -> Result<GetAcpDescriptorByIdOk, Failure<GetAcpDescriptorByIdError>> {
        self.note(
            "get_acp_descriptor_by_id",
            json!({"agent_id": request.agent_id}),
        );
        if missing(&request.agent_id) {
            return Err(Failure::Api(GetAcpDescriptorByIdError::NotFound(
                not_found("agent"),
            )));
        }
        Ok(GetAcpDescriptorByIdOk::Ok(descriptor()))
    }

    async fn create_thread(
        &self,
        request: CreateThreadRequest,
    ) -> Result<CreateThreadOk, Failure<CreateThreadError>> {
        self.note("create_thread", json!({"body": to_json(&request.body)}));
        let id = request
            .body
            .thread_id
            .map_or_else(|| THREAD_ID.to_owned(), |t| t.to_string());
        let mut thread = thread(&id);
        if let Some(m) = request.body.metadata {
            thread.metadata = m;
        }
        Ok(CreateThreadOk::Ok(thread))
    }

    async fn search_threads(
        &self,
        request: SearchThreadsRequest,
    ) -> Result<SearchThreadsOk, Failure<SearchThreadsError>> {
        self.note("search_threads", json!({"body": to_json(&request.body)}));
        Ok(SearchThreadsOk::Ok(vec![thread(THREAD_ID)]))
    }

    async fn get_thread_history(
        &self,
        request: GetThreadHistoryRequest,
    ) -> Result<GetThreadHistoryOk, Failure<GetThreadHistoryError>> {
        self.note(
            "get_thread_history",
            json!({"thread_id": request.thread_id, "limit": request.limit, "before": request.before}),
        );
        if missing(&request.thread_id) {
            return Err(Failure::Api(GetThreadHistoryError::NotFound(not_found(
                "thread",
            ))));
        }
        Ok(GetThreadHistoryOk::Ok(typed(json!([
            {
                "checkpoint": {"checkpoint_id": "c0ffee00-0000-4000-8000-000000000001"},
                "values": {"answer": 41},
                "messages": [{"role": "user", "content": "What is the answer?"}],
                "metadata": {"step": 1},
            },
            {
                "checkpoint": {"checkpoint_id": "c0ffee00-0000-4000-8000-000000000002"},
                "values": {"answer": 42},
            },
        ]))))
    }

    async fn copy_thread(
        &self,
        request: CopyThreadRequest,
    ) -> Result<CopyThreadOk, Failure<CopyThreadError>> {
        self.note("copy_thread", json!({"thread_id": request.thread_id}));
        if missing(&request.thread_id) {
            return Err(Failure::Api(CopyThreadError::NotFound(not_found("thread"))));
        }
        Ok(CopyThreadOk::Ok(thread(
            "5e5e5e5e-0000-4000-8000-00000000c0b1",
        )))
    }

    async fn get_thread(
        &self,
        request: GetThreadRequest,
    ) -> Result<GetThreadOk, Failure<GetThreadError>> {
        self.note("get_thread", json!({"thread_id": request.thread_id}));
        if missing(&request.thread_id) {
            return Err(Failure::Api(GetThreadError::NotFound(not_found("thread"))));
        }
        Ok(GetThreadOk::Ok(thread(&request.thread_id.to_string())))
    }

    async fn delete_thread(
        &self,
        request: DeleteThreadRequest,
    ) -> Result<DeleteThreadOk, Failure<DeleteThreadError>> {
        self.note("delete_thread", json!({"thread_id": request.thread_id}));
        if missing(&request.thread_id) {
            return Err(Failure::Api(DeleteThreadError::NotFound(not_found(
                "thread",
            ))));
        }
        Ok(DeleteThreadOk::NoContent)
    }

    async fn patch_thread(
        &self,
        request: PatchThreadRequest,
    ) -> Result<PatchThreadOk, Failure<PatchThreadError>> {
        self.note(
            "patch_thread",
            json!({"thread_id": request.thread_id, "body": to_json(&request.body)}),
        );
        if missing(&request.thread_id) {
            return Err(Failure::Api(PatchThreadError::NotFound(not_found(
                "thread",
            ))));
        }
        let mut thread = thread(&request.thread_id.to_string());
        if let Some(m) = request.body.metadata {
            thread.metadata.extend(m);
        }
        Ok(PatchThreadOk::Ok(thread))
    }

    async fn list_thread_runs(
        &self,
        request: ListThreadRunsRequest,
    ) -> Result<ListThreadRunsOk, Failure<ListThreadRunsError>> {
        self.note(
            "list_thread_runs",
            json!({"thread_id": request.thread_id, "limit": request.limit, "offset": request.offset}),
        );
        if missing(&request.thread_id) {
            return Err(Failure::Api(ListThreadRunsError::NotFound(not_found(
                "thread",
            ))));
        }
        Ok(ListThreadRunsOk::Ok(vec![run_stateful(
            &request.thread_id.to_string(),
            default_creation(),
        )]))
    }

    async fn create_thread_run(
        &self,
        request: CreateThreadRunRequest,
    ) -> Result<CreateThreadRunOk, Failure<CreateThreadRunError>> {
        let body = to_json(&request.body);
        self.note(
            "create_thread_run",
            json!({"thread_id": request.thread_id, "body": body}),
        );
        if missing(&request.thread_id) {
            return Err(Failure::Api(CreateThreadRunError::NotFound(not_found(
                "thread",
            ))));
        }
        Ok(CreateThreadRunOk::Ok(run_stateful(
            &request.thread_id.to_string(),
            body,
        )))
    }

    async fn create_and_stream_thread_run_output(
        &self,
        request: CreateAndStreamThreadRunOutputRequest,
    ) -> Result<CreateAndStreamThreadRunOutputOk, Failure<CreateAndStreamThreadRunOutputError>>
    {
        self.note(
            "create_and_stream_thread_run_output",
            json!({
                "thread_id": request.thread_id,
                "body": to_json(&request.body),
                "last_event_id": request.last_event_id,
            }),
        );
        if missing(&request.thread_id) {
            return Err(Failure::Api(CreateAndStreamThreadRunOutputError::NotFound(
                not_found("thread"),
            )));
        }
        Ok(CreateAndStreamThreadRunOutputOk::Ok(stream()))
    }

    async fn create_and_wait_for_thread_run_output(
        &self,
        request: CreateAndWaitForThreadRunOutputRequest,
    ) -> Result<CreateAndWaitForThreadRunOutputOk, Failure<CreateAndWaitForThreadRunOutputError>>
    {
        let body = to_json(&request.body);
        self.note(
            "create_and_wait_for_thread_run_output",
            json!({"thread_id": request.thread_id, "body": body}),
        );
        if missing(&request.thread_id) {
            return Err(Failure::Api(
                CreateAndWaitForThreadRunOutputError::NotFound(not_found("thread")),
            ));
        }
        Ok(CreateAndWaitForThreadRunOutputOk::Ok(typed(json!({
            "run": to_json(&run_stateful(&request.thread_id.to_string(), body)),
            "output": output(),
        }))))
    }

    async fn wait_for_thread_run_output(
        &self,
        request: WaitForThreadRunOutputRequest,
    ) -> Result<WaitForThreadRunOutputOk, Failure<WaitForThreadRunOutputError>> {
        self.note(
            "wait_for_thread_run_output",
            json!({"thread_id": request.thread_id, "run_id": request.run_id}),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(WaitForThreadRunOutputError::NotFound(
                not_found("run"),
            )));
        }
        Ok(WaitForThreadRunOutputOk::Ok(typed(json!({
            "run": to_json(&run_stateful(&request.thread_id.to_string(), default_creation())),
            "output": {"type": "interrupt", "interrupt": {"question": "Proceed?"}},
        }))))
    }

    async fn get_thread_run(
        &self,
        request: GetThreadRunRequest,
    ) -> Result<GetThreadRunOk, Failure<GetThreadRunError>> {
        self.note(
            "get_thread_run",
            json!({"thread_id": request.thread_id, "run_id": request.run_id}),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(GetThreadRunError::NotFound(not_found("run"))));
        }
        Ok(GetThreadRunOk::Ok(run_stateful(
            &request.thread_id.to_string(),
            default_creation(),
        )))
    }

    async fn resume_thread_run(
        &self,
        request: ResumeThreadRunRequest,
    ) -> Result<ResumeThreadRunOk, Failure<ResumeThreadRunError>> {
        self.note(
            "resume_thread_run",
            json!({
                "thread_id": request.thread_id,
                "run_id": request.run_id,
                "body": to_json(&request.body),
            }),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(ResumeThreadRunError::NotFound(not_found(
                "run",
            ))));
        }
        Ok(ResumeThreadRunOk::Ok(run_stateful(
            &request.thread_id.to_string(),
            default_creation(),
        )))
    }

    async fn delete_thread_run(
        &self,
        request: DeleteThreadRunRequest,
    ) -> Result<DeleteThreadRunOk, Failure<DeleteThreadRunError>> {
        self.note(
            "delete_thread_run",
            json!({"thread_id": request.thread_id, "run_id": request.run_id}),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(DeleteThreadRunError::NotFound(not_found(
                "run",
            ))));
        }
        Ok(DeleteThreadRunOk::NoContent)
    }

    async fn stream_thread_run_output(
        &self,
        request: StreamThreadRunOutputRequest,
    ) -> Result<StreamThreadRunOutputOk, Failure<StreamThreadRunOutputError>> {
        self.note(
            "stream_thread_run_output",
            json!({
                "thread_id": request.thread_id,
                "run_id": request.run_id,
                "last_event_id": request.last_event_id,
            }),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(StreamThreadRunOutputError::NotFound(
                not_found("run"),
            )));
        }
        Ok(StreamThreadRunOutputOk::Ok(stream()))
    }

    async fn cancel_thread_run(
        &self,
        request: CancelThreadRunRequest,
    ) -> Result<CancelThreadRunOk, Failure<CancelThreadRunError>> {
        self.note(
            "cancel_thread_run",
            json!({
                "thread_id": request.thread_id,
                "run_id": request.run_id,
                "wait": request.wait,
                "action": to_json(&request.action),
            }),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(CancelThreadRunError::NotFound(not_found(
                "run",
            ))));
        }
        Ok(CancelThreadRunOk::NoContent)
    }

    async fn create_stateless_run(
        &self,
        request: CreateStatelessRunRequest,
    ) -> Result<CreateStatelessRunOk, Failure<CreateStatelessRunError>> {
        let body = to_json(&request.body);
        self.note("create_stateless_run", json!({"body": body}));
        Ok(CreateStatelessRunOk::Ok(run_stateless(body)))
    }

    async fn search_stateless_runs(
        &self,
        request: SearchStatelessRunsRequest,
    ) -> Result<SearchStatelessRunsOk, Failure<SearchStatelessRunsError>> {
        self.note(
            "search_stateless_runs",
            json!({"body": to_json(&request.body)}),
        );
        Ok(SearchStatelessRunsOk::Ok(vec![run_stateless(
            default_creation(),
        )]))
    }

    async fn create_and_stream_stateless_run_output(
        &self,
        request: CreateAndStreamStatelessRunOutputRequest,
    ) -> Result<CreateAndStreamStatelessRunOutputOk, Failure<CreateAndStreamStatelessRunOutputError>>
    {
        self.note(
            "create_and_stream_stateless_run_output",
            json!({"body": to_json(&request.body), "last_event_id": request.last_event_id}),
        );
        Ok(CreateAndStreamStatelessRunOutputOk::Ok(stream()))
    }

    async fn create_and_wait_for_stateless_run_output(
        &self,
        request: CreateAndWaitForStatelessRunOutputRequest,
    ) -> Result<
        CreateAndWaitForStatelessRunOutputOk,
        Failure<CreateAndWaitForStatelessRunOutputError>,
    > {
        let body = to_json(&request.body);
        self.note(
            "create_and_wait_for_stateless_run_output",
            json!({"body": body}),
        );
        Ok(CreateAndWaitForStatelessRunOutputOk::Ok(typed(json!({
            "run": to_json(&run_stateless(body)),
            "output": output(),
        }))))
    }

    async fn wait_for_stateless_run_output(
        &self,
        request: WaitForStatelessRunOutputRequest,
    ) -> Result<WaitForStatelessRunOutputOk, Failure<WaitForStatelessRunOutputError>> {
        self.note(
            "wait_for_stateless_run_output",
            json!({"run_id": request.run_id}),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(WaitForStatelessRunOutputError::NotFound(
                not_found("run"),
            )));
        }
        Ok(WaitForStatelessRunOutputOk::Ok(typed(json!({
            "run": to_json(&run_stateless(default_creation())),
            "output": {
                "type": "error",
                "run_id": RUN_ID,
                "errcode": 500,
                "description": "the agent gave up",
            },
        }))))
    }

    async fn get_stateless_run(
        &self,
        request: GetStatelessRunRequest,
    ) -> Result<GetStatelessRunOk, Failure<GetStatelessRunError>> {
        self.note("get_stateless_run", json!({"run_id": request.run_id}));
        if missing(&request.run_id) {
            return Err(Failure::Api(GetStatelessRunError::NotFound(not_found(
                "run",
            ))));
        }
        Ok(GetStatelessRunOk::Ok(run_stateless(default_creation())))
    }

    async fn resume_stateless_run(
        &self,
        request: ResumeStatelessRunRequest,
    ) -> Result<ResumeStatelessRunOk, Failure<ResumeStatelessRunError>> {
        self.note(
            "resume_stateless_run",
            json!({"run_id": request.run_id, "body": to_json(&request.body)}),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(ResumeStatelessRunError::NotFound(not_found(
                "run",
            ))));
        }
        Ok(ResumeStatelessRunOk::Ok(run_stateless(default_creation())))
    }

    async fn delete_stateless_run(
        &self,
        request: DeleteStatelessRunRequest,
    ) -> Result<DeleteStatelessRunOk, Failure<DeleteStatelessRunError>> {
        self.note("delete_stateless_run", json!({"run_id": request.run_id}));
        if missing(&request.run_id) {
            return Err(Failure::Api(DeleteStatelessRunError::NotFound(not_found(
                "run",
            ))));
        }
        Ok(DeleteStatelessRunOk::NoContent)
    }

    async fn stream_stateless_run_output(
        &self,
        request: StreamStatelessRunOutputRequest,
    ) -> Result<StreamStatelessRunOutputOk, Failure<StreamStatelessRunOutputError>> {
        self.note(
            "stream_stateless_run_output",
            json!({"run_id": request.run_id, "last_event_id": request.last_event_id}),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(StreamStatelessRunOutputError::NotFound(
                not_found("run"),
            )));
        }
        Ok(StreamStatelessRunOutputOk::Ok(stream()))
    }

    async fn cancel_stateless_run(
        &self,
        request: CancelStatelessRunRequest,
    ) -> Result<CancelStatelessRunOk, Failure<CancelStatelessRunError>> {
        self.note(
            "cancel_stateless_run",
            json!({
                "run_id": request.run_id,
                "wait": request.wait,
                "action": to_json(&request.action),
            }),
        );
        if missing(&request.run_id) {
            return Err(Failure::Api(CancelStatelessRunError::NotFound(not_found(
                "run",
            ))));
        }
        Ok(CancelStatelessRunOk::NoContent)
    }

    /// ACP documents `422 Validation Error` (an `ErrorResponse` string) for the operations that
    /// take input, as FastAPI answers, and `404` for every operation on an id: a path id that
    /// does not even parse names nothing, so it is a `404`; every other refusal is a `422`.
    /// The problem's sentence is the string.
    fn reject(&self, operation: &'static str, problem: Problem) -> Response {
        let _ = operation;
        let message = problem.detail().unwrap_or(problem.title()).to_owned();
        let bad_path = problem
            .invalid_params()
            .iter()
            .any(|p| p.location == Some(ParamLocation::Path));
        json_response(status(if bad_path { 404 } else { 422 }), &message)
    }
}

/// The generated router over the recording implementation, with the debug route.
pub fn app(recorder: Recorder) -> axum::Router {
    crate::record::recording(
        acp::server::router(Arc::new(Server::new(recorder.clone()))),
        recorder,
    )
}
