//! The generated server over loopback, driven by plain HTTP (reqwest, no generated client), so
//! that what is checked is the wire: statuses, `application/problem+json` bodies naming the
//! parameter or JSON pointer at fault, headers, streamed bodies and event-stream framing.
//!
//! Each test implements a few operations of the `agent-platform` (or `agent-runtime`) `Api`
//! trait, leaves the rest at their 501 default, and serves `router(..)` on 127.0.0.1:0.

use std::sync::{Arc, Mutex};

use agent_platform::rt;
use agent_platform::rt::server::{Failure, Presented};
use agent_platform::server::{
    Api, CreateSessionRequest2, DownloadFileRequest, GetAgentRequest, ListMemoryStoresRequest,
    StreamSessionEventsRequest, UploadSkillRequest, router,
};
use agent_platform::{
    CreateSessionError, CreateSessionOk, DownloadFileError, DownloadFileOk, ErrorModel,
    GetAgentError, GetAgentOk, InputMessageRole, ListMemoryStoresError, ListMemoryStoresOk,
    MemoryStore, MemoryStorePage, StreamSessionEventsError, StreamSessionEventsOk,
    UploadSkillError, UploadSkillOk,
};
use futures::StreamExt as _;
use serde_json::{Value, json};

/// Serves `router` on a free loopback port; returns the base URL.
async fn serve(router: rt::server::axum::Router) -> String {
    let listener = rt::server::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { rt::server::axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn error_model(kind: &str, message: &str) -> ErrorModel {
    serde_json::from_value(json!({"error": {"type": kind, "message": message}})).unwrap()
}

/// A chunk of a streamed download, as the test hands it to the implementation.
type Chunk = Result<rt::Bytes, std::io::Error>;

/// Implements a handful of operations; everything else answers 501.
#[derive(Default)]
struct Platform {
    memory_requests: Mutex<Vec<ListMemoryStoresRequest>>,
    session_requests: Mutex<Vec<CreateSessionRequest2>>,
    stream_requests: Mutex<Vec<StreamSessionEventsRequest>>,
    download: Mutex<Option<futures::channel::mpsc::UnboundedReceiver<Chunk>>>,
}

impl Api for Platform {
    async fn list_memory_stores(
        &self,
        request: ListMemoryStoresRequest,
    ) -> Result<ListMemoryStoresOk, Failure<ListMemoryStoresError>> {
        let agent = request.agent_id.clone();
        self.memory_requests.lock().unwrap().push(request);
        Ok(ListMemoryStoresOk::Ok(MemoryStorePage {
            data: vec![MemoryStore {
                agent_id: agent,
                name: "notes".to_owned(),
                description: None,
                id: "ms_1".to_owned(),
                entry_count: 0,
                created_at: chrono::DateTime::UNIX_EPOCH,
            }],
            next_cursor: Some("c2".to_owned()),
        }))
    }

    async fn create_session(
        &self,
        request: CreateSessionRequest2,
    ) -> Result<CreateSessionOk, Failure<CreateSessionError>> {
        self.session_requests.lock().unwrap().push(request);
        Err(CreateSessionError::TooManyRequests {
            body: error_model("rate_limited", "slow down"),
            retry_after: Some(30),
        }
        .into())
    }

    async fn get_agent(
        &self,
        request: GetAgentRequest,
    ) -> Result<GetAgentOk, Failure<GetAgentError>> {
        if request.id == "boom" {
            panic!("a bug in the implementation");
        }
        Err(GetAgentError::NotFound(error_model("not_found", &request.id)).into())
    }

    async fn download_file(
        &self,
        request: DownloadFileRequest,
    ) -> Result<DownloadFileOk, Failure<DownloadFileError>> {
        let chunks = self.download.lock().unwrap().take();
        let chunks = chunks.ok_or_else(|| Failure::internal("no download prepared"))?;
        Ok(DownloadFileOk::Ok {
            body: rt::ByteStream::new(chunks),
            content_disposition: Some(format!("attachment; filename=\"{}.txt\"", request.id)),
        })
    }

    async fn stream_session_events(
        &self,
        request: StreamSessionEventsRequest,
    ) -> Result<StreamSessionEventsOk, Failure<StreamSessionEventsError>> {
        let after: u32 = request.after.as_deref().unwrap_or("0").parse().unwrap_or(0);
        let session = request.id.clone();
        self.stream_requests.lock().unwrap().push(request);
        let events = (after + 1..=after + 3).map(move |n| {
            let event = serde_json::from_value(json!({
                "type": "session.status",
                "id": n.to_string(),
                "session_id": session,
                "created_at": "2026-01-01T00:00:00Z",
                "status": "running",
            }))
            .unwrap();
            rt::sse::Event::new(event).with_id(n.to_string())
        });
        Ok(StreamSessionEventsOk::Ok(rt::sse::Events::from_events(
            futures::stream::iter(events),
        )))
    }

    async fn upload_skill(
        &self,
        request: UploadSkillRequest,
    ) -> Result<UploadSkillOk, Failure<UploadSkillError>> {
        // Answers with what it received, through a documented error (a `Skill` is long to build).
        let file = request.body.file("files").map_or_else(
            || "no file".to_owned(),
            |part| {
                let name = part.filename.clone().unwrap_or_default();
                format!("{name}: {}", String::from_utf8_lossy(&part.data))
            },
        );
        Err(UploadSkillError::Conflict(error_model("conflict", &file)).into())
    }
}

async fn platform() -> (Arc<Platform>, String) {
    let api = Arc::new(Platform::default());
    let base = serve(router(api.clone())).await;
    (api, base)
}

/// Status, content type and JSON body of a response.
async fn read(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, body)
}

/// Asserts a problem+json answer with `status`; returns its body.
async fn problem(response: reqwest::Response, status: u16) -> Value {
    let (actual, content_type, body) = read(response).await;
    assert_eq!(actual, status, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["status"], status, "{body}");
    body
}

#[tokio::test]
async fn good_request_reaches_the_implementation() {
    let (api, base) = platform().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/memory-stores?agent_id=a%201&limit=5"))
        .bearer_auth("t0k")
        .send()
        .await
        .unwrap();
    let (status, content_type, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(
        body,
        json!({"data": [{"agent_id": "a 1", "name": "notes", "id": "ms_1", "entry_count": 0,
                         "created_at": "1970-01-01T00:00:00Z"}], "next_cursor": "c2"})
    );

    let seen = api.memory_requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].agent_id, "a 1");
    assert_eq!(seen[0].limit, Some(5));
    assert_eq!(seen[0].cursor, None);
    assert_eq!(
        seen[0].credentials,
        [("bearerAuth", Presented::Bearer("t0k".to_owned()))]
    );
}

#[tokio::test]
async fn documented_error_with_a_header() {
    let (api, base) = platform().await;
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/sessions"))
        .bearer_auth("t")
        .header("Idempotency-Key", "k-1")
        .json(&json!({"agent_id": "a1", "input": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["retry-after"], "30");
    let (status, content_type, body) = read(response).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(body["error"]["type"], "rate_limited");

    let seen = api.session_requests.lock().unwrap().clone();
    assert_eq!(seen[0].idempotency_key.as_deref(), Some("k-1"));
    assert_eq!(seen[0].body.agent_id, "a1");
    assert_eq!(seen[0].body.input[0].role, InputMessageRole::User);
}

#[tokio::test]
async fn missing_required_query_parameter_is_named() {
    let (api, base) = platform().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/memory-stores?limit=5"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["invalid_params"][0]["name"], "agent_id", "{body}");
    assert_eq!(body["invalid_params"][0]["in"], "query", "{body}");
    assert!(api.memory_requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn missing_required_cookie_is_named() {
    // No operation of either spec has a required header parameter; this one requires a cookie,
    // which is read the same way.
    let (_, base) = platform().await;
    let client = reqwest::Client::new();
    let url = format!("{base}/v1/console/oauth/callback");
    let response = client
        .post(&url)
        .form(&[("state", "s1"), ("code", "c1")])
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["invalid_params"][0]["name"], "oauth_state", "{body}");
    assert_eq!(body["invalid_params"][0]["in"], "cookie", "{body}");

    // With the cookie the request decodes, and reaches the default implementation: 501.
    let response = client
        .post(&url)
        .header("cookie", "oauth_state=s1")
        .form(&[("state", "s1"), ("code", "c1")])
        .send()
        .await
        .unwrap();
    problem(response, 501).await;
}

#[tokio::test]
async fn parameter_of_the_wrong_type_is_named() {
    let (_, base) = platform().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/memory-stores?agent_id=a1&limit=abc"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["invalid_params"][0]["name"], "limit", "{body}");
    assert_eq!(body["invalid_params"][0]["in"], "query", "{body}");

    // A path parameter too (`version` is an integer).
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/agents/a1/versions/latest"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["invalid_params"][0]["name"], "version", "{body}");
    assert_eq!(body["invalid_params"][0]["in"], "path", "{body}");
}

async fn post_session(base: &str, content_type: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/v1/sessions"))
        .bearer_auth("t")
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let (api, base) = platform().await;
    let response = post_session(
        &base,
        "application/json",
        r#"{"agent_id": "a1", "input": ["#,
    )
    .await;
    let body = problem(response, 400).await;
    assert!(
        body["detail"].as_str().unwrap().contains("malformed JSON"),
        "{body}"
    );
    assert!(api.session_requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn field_of_the_wrong_type_is_a_422_with_its_pointer() {
    let (api, base) = platform().await;
    let json = r#"{"agent_id": "a1", "input": [{"role": "user", "content": "hi"}, {"role": 7, "content": "x"}]}"#;
    let body = problem(post_session(&base, "application/json", json).await, 422).await;
    assert_eq!(body["pointer"], "/input/1/role", "{body}");

    let json = r#"{"input": []}"#;
    let body = problem(post_session(&base, "application/json", json).await, 422).await;
    assert!(
        body["detail"].as_str().unwrap().contains("agent_id"),
        "{body}"
    );
    assert!(api.session_requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn null_in_an_optional_field_that_is_not_nullable_is_a_422() {
    // `metadata` is optional and not nullable: leaving it out is the way to say "none".
    let (api, base) = platform().await;
    let json = r#"{"agent_id": "a1", "input": [], "metadata": null}"#;
    let body = problem(post_session(&base, "application/json", json).await, 422).await;
    assert_eq!(body["pointer"], "/metadata", "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("not nullable"),
        "{body}"
    );
    assert!(api.session_requests.lock().unwrap().is_empty());

    // `agent_version` is nullable: `null` reaches the implementation as such.
    let json = r#"{"agent_id": "a1", "input": [], "agent_version": null}"#;
    let response = post_session(&base, "application/json", json).await;
    assert_eq!(response.status(), 429);
    let received = api.session_requests.lock().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body.agent_version, Some(None));
    assert_eq!(received[0].body.metadata, None);
}

#[tokio::test]
async fn unknown_enum_value_is_a_422_naming_the_field() {
    // Generated enums keep an `Unknown` variant for clients; the server checks requests against
    // the spec's closed list and refuses the rest before the implementation sees them.
    let (api, base) = platform().await;
    let json = r#"{"agent_id": "a1", "input": [{"role": "robot", "content": "hi"}]}"#;
    let body = problem(post_session(&base, "application/json", json).await, 422).await;
    assert_eq!(body["pointer"], "/input/0/role", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("robot"), "{body}");
    assert!(api.session_requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn unknown_enum_value_in_a_query_parameter_is_a_400() {
    let (_, base) = platform().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/sessions?status=sleeping"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert!(
        body["detail"].as_str().unwrap().contains("status"),
        "{body}"
    );
}

#[tokio::test]
async fn wrong_content_type_is_a_415() {
    let (api, base) = platform().await;
    let response = post_session(&base, "text/plain", r#"{"agent_id": "a1", "input": []}"#).await;
    let body = problem(response, 415).await;
    assert!(
        body["detail"].as_str().unwrap().contains("text/plain"),
        "{body}"
    );

    // A multipart operation refuses JSON too.
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/skills"))
        .bearer_auth("t")
        .json(&json!({"files": []}))
        .send()
        .await
        .unwrap();
    problem(response, 415).await;
    assert!(api.session_requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn multipart_body_reaches_the_implementation() {
    let (_, base) = platform().await;
    let form = reqwest::multipart::Form::new()
        .text("display_title", "Notes")
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"# hello".to_vec()).file_name("SKILL.md"),
        );
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/skills"))
        .bearer_auth("t")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, _, body) = read(response).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["message"], "SKILL.md: # hello");
}

#[tokio::test]
async fn missing_credentials_are_a_401() {
    let (api, base) = platform().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/memory-stores?agent_id=a1"))
        .send()
        .await
        .unwrap();
    let challenges: Vec<_> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .collect();
    assert_eq!(challenges, ["Bearer"]);
    let body = problem(response, 401).await;
    assert!(
        body["detail"].as_str().unwrap().contains("bearer token"),
        "{body}"
    );

    // Basic credentials are not what this operation accepts.
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/memory-stores?agent_id=a1"))
        .basic_auth("ann", Some("pw"))
        .send()
        .await
        .unwrap();
    problem(response, 401).await;
    assert!(api.memory_requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn unimplemented_operation_is_a_501_problem() {
    let (_, base) = platform().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/agents"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let body = problem(response, 501).await;
    assert!(
        body["detail"].as_str().unwrap().contains("list_agents"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_route_is_a_404_and_unknown_method_a_405() {
    let (_, base) = platform().await;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{base}/v2/nothing"))
        .send()
        .await
        .unwrap();
    problem(response, 404).await;
    let response = client
        .put(format!("{base}/v1/agents"))
        .send()
        .await
        .unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    problem(response, 405).await;
}

#[tokio::test]
async fn panicking_implementation_is_a_500_and_the_server_keeps_serving() {
    let (_, base) = platform().await;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{base}/v1/agents/boom"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let body = problem(response, 500).await;
    assert!(
        !body.to_string().contains("a bug"),
        "the panic message leaked: {body}"
    );

    let response = client
        .get(format!("{base}/v1/agents/a7"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let (status, _, body) = read(response).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["message"], "a7");
}

#[tokio::test]
async fn binary_download_streams() {
    let (api, base) = platform().await;
    let (chunks, receiver) = futures::channel::mpsc::unbounded::<Chunk>();
    *api.download.lock().unwrap() = Some(receiver);
    chunks
        .unbounded_send(Ok(rt::Bytes::from_static(b"first,")))
        .unwrap();

    let response = reqwest::Client::new()
        .get(format!("{base}/v1/files/f1/content"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"f1.txt\""
    );
    // The first chunk arrives while the implementation has not produced the second: the body
    // is streamed, not buffered.
    let mut body = response.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"first,");
    chunks
        .unbounded_send(Ok(rt::Bytes::from_static(b"second")))
        .unwrap();
    drop(chunks);
    let mut rest = Vec::new();
    while let Some(chunk) = body.next().await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(rest, b"second");
}

#[tokio::test]
async fn event_stream_frames_events_with_ids() {
    let (api, base) = platform().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/sessions/s1/stream?after=4"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.unwrap();
    let events = rt::sse::SseDecoder::decode_all(text.as_bytes());
    let ids: Vec<_> = events
        .iter()
        .map(|e| e.id.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["5", "6", "7"], "{text}");
    for event in &events {
        let data: Value = serde_json::from_str(&event.data).unwrap();
        assert_eq!(data["type"], "session.status", "{text}");
        assert_eq!(data["session_id"], "s1", "{text}");
    }
    let seen = api.stream_requests.lock().unwrap().clone();
    assert_eq!(seen[0].after.as_deref(), Some("4"));
}

/// `agent-runtime`: optional credentials, a required query parameter on a download, and an
/// event stream resumed by a `Last-Event-ID` header parameter.
mod runtime {
    use super::*;
    use agent_runtime::server::{Api, ListWorkspacesRequest, StreamSessionEventsRequest, router};
    use agent_runtime::{
        ListWorkspacesError, ListWorkspacesOk, StreamEvent, StreamSessionEventsError,
        StreamSessionEventsOk,
    };

    #[derive(Default)]
    struct Runtime {
        workspaces: Mutex<Vec<ListWorkspacesRequest>>,
    }

    impl Api for Runtime {
        async fn list_workspaces(
            &self,
            request: ListWorkspacesRequest,
        ) -> Result<ListWorkspacesOk, Failure<ListWorkspacesError>> {
            self.workspaces.lock().unwrap().push(request);
            Err(Failure::internal("no workspaces here"))
        }

        async fn stream_session_events(
            &self,
            request: StreamSessionEventsRequest,
        ) -> Result<StreamSessionEventsOk, Failure<StreamSessionEventsError>> {
            let after: u32 = request
                .last_event_id
                .as_deref()
                .map_or(0, |id| id.parse().unwrap());
            let events = (after + 1..=after + 2).map(|n| {
                let data = StreamEvent::Unknown(json!({"type": "custom", "n": n}));
                rt::sse::Event::new(data)
                    .with_id(n.to_string())
                    .with_event("custom")
            });
            Ok(StreamSessionEventsOk::Ok(rt::sse::Events::from_events(
                futures::stream::iter(events),
            )))
        }
    }

    async fn runtime() -> (Arc<Runtime>, String) {
        let api = Arc::new(Runtime::default());
        let base = serve(router(api.clone())).await;
        (api, base)
    }

    #[tokio::test]
    async fn optional_credentials_and_wrong_types() {
        let (api, base) = runtime().await;
        let client = reqwest::Client::new();
        let response = client
            .get(format!("{base}/api/v1/workspaces?limit=abc"))
            .send()
            .await
            .unwrap();
        let body = problem(response, 400).await;
        assert_eq!(body["invalid_params"][0]["name"], "limit", "{body}");

        // No credentials is fine here (`security: [bearerAuth, {}]`), and an internal failure
        // is a 500 that does not leak its message.
        let response = client
            .get(format!("{base}/api/v1/workspaces?limit=2"))
            .send()
            .await
            .unwrap();
        let body = problem(response, 500).await;
        assert!(!body.to_string().contains("no workspaces"), "{body}");
        let seen = api.workspaces.lock().unwrap().clone();
        assert_eq!(seen[0].limit, Some(2));
        assert!(seen[0].credentials.is_empty());
    }

    #[tokio::test]
    async fn missing_required_query_parameter_on_a_download() {
        let (_, base) = runtime().await;
        let response = reqwest::Client::new()
            .get(format!("{base}/api/v1/sandboxes/sb1/files"))
            .send()
            .await
            .unwrap();
        let body = problem(response, 400).await;
        assert_eq!(body["invalid_params"][0]["name"], "path", "{body}");
        assert_eq!(body["invalid_params"][0]["in"], "query", "{body}");
    }

    #[tokio::test]
    async fn event_stream_resumes_after_last_event_id() {
        let (_, base) = runtime().await;
        let response = reqwest::Client::new()
            .get(format!("{base}/api/v1/sessions/s1/events"))
            .header("Last-Event-ID", "7")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        let events = rt::sse::SseDecoder::decode_all(text.as_bytes());
        let seen: Vec<_> = events
            .iter()
            .map(|e| {
                (
                    e.id.clone().unwrap_or_default(),
                    e.event.clone(),
                    e.data.clone(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "8".to_owned(),
                    Some("custom".to_owned()),
                    r#"{"type":"custom","n":8}"#.to_owned()
                ),
                (
                    "9".to_owned(),
                    Some("custom".to_owned()),
                    r#"{"type":"custom","n":9}"#.to_owned()
                ),
            ],
            "{text}"
        );
    }
}
