//! The generated `conversations` client against the generated `conversations` server, over
//! loopback, with an in-memory implementation that behaves as seed 000 describes.
//!
//! The implementation: API keys map to users; a conversation belongs to its creator; sending
//! a message answers 202 and runs a small "agent" in a background task that appends events to
//! the conversation's log (run lifecycle, steps, text deltas; a message asking for a tool pauses
//! the run on `TOOL_CONFIRMATION_REQUIRED` until `confirm_tool` or `cancel_run`). The event
//! stream replays the log after `last_event_id`, follows the active run live, and ends once no
//! run is active. Every operation is called through the generated client, including each
//! documented error status with its `error.code`.
//!
//! How a wrong key is rejected depends on what each operation documents (the spec documents no
//! 401, and `Failure` offers no undocumented status): 401 where the operation has a `default`
//! response (`list_conversations`, `stream_events`), 403 ACCESS_DENIED for `send_message`, 404
//! CONVERSATION_NOT_FOUND for the operations on one conversation (nothing is visible to an
//! unknown caller) and 400 for `create_conversation`. A missing key never reaches the
//! implementation: the generated server answers 401 itself.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use conversations::rt;
use conversations::rt::client::{Credential, RequestOptions};
use conversations::rt::server::{Failure, Presented};
use conversations::server::{
    Api, CancelRunRequest, ConfirmToolRequest, CreateConversationRequest2, GetConversationRequest,
    ListConversationsRequest, SendMessageRequest2, StreamEventsRequest, router,
};
use conversations::{
    ApiError, CancelRunError, CancelRunOk, Client, ConfirmToolError, ConfirmToolInputBody,
    ConfirmToolOk, Conversation, ConversationContext, ConversationStreamEvent,
    ConversationWithEvents, CreateConversationError, CreateConversationOk,
    CreateConversationRequest, ErrorBody, ErrorCode, Event, GetConversationError,
    GetConversationOk, ListConversationsError, ListConversationsOk, SendMessageError,
    SendMessageOk, SendMessageRequest, StatusResponse, StreamEventsError, StreamEventsOk,
};
use futures::StreamExt as _;
use serde_json::{Value, json};
use uuid::Uuid;

const ALICE: &str = "sk-alice";
const BOB: &str = "sk-bob";
/// A user with no credits left.
const BROKE: &str = "sk-broke";

/// The 17 stream event kinds; an event's numeric `type` in the history is its index + 1.
const KINDS: [&str; 17] = [
    "RUN_STARTED",
    "RUN_FINISHED",
    "RUN_ERROR",
    "RUN_CANCELLED",
    "STEP_STARTED",
    "STEP_FINISHED",
    "TEXT_MESSAGE_START",
    "TEXT_MESSAGE_CONTENT",
    "TEXT_MESSAGE_END",
    "TOOL_CALL_START",
    "TOOL_CALL_ARGS_DELTA",
    "TOOL_CALL_PROGRESS",
    "TOOL_CALL_END",
    "TOOL_CALL_RESULT",
    "TOOL_CONFIRMATION_REQUIRED",
    "TITLE_UPDATED",
    "CONTEXT_COMPACTED",
];

fn kind_code(kind: &str) -> i64 {
    let index = KINDS.iter().position(|k| *k == kind).unwrap();
    i64::try_from(index).unwrap() + 1
}

// ---------------------------------------------------------------------------------------------
// The implementation

struct User {
    id: i64,
    credits: i64,
}

/// One entry of a conversation's log.
#[derive(Clone)]
struct Logged {
    event_id: i64,
    kind: &'static str,
    data: Value,
    run_id: String,
    at: DateTime<Utc>,
}

struct Run {
    id: String,
    pending_confirmation: bool,
}

struct Conv {
    owner: i64,
    title: String,
    context: Option<ConversationContext>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    log: Vec<Logged>,
    run: Option<Run>,
}

#[derive(Default)]
struct State {
    users: BTreeMap<&'static str, User>,
    conversations: BTreeMap<Uuid, Conv>,
    next_id: u128,
    runs: u64,
    /// A logical clock: every change is one second later, so "most recently updated" is exact.
    tick: i64,
}

impl State {
    fn now(&mut self) -> DateTime<Utc> {
        self.tick += 1;
        Utc.timestamp_opt(1_750_000_000 + self.tick, 0).unwrap()
    }

    /// Appends an event to `id`'s log if `run_id` is still its active run.
    fn append(&mut self, id: Uuid, run_id: &str, kind: &'static str, data: Value) -> bool {
        let at = self.now();
        let Some(conv) = self.conversations.get_mut(&id) else {
            return false;
        };
        if conv.run.as_ref().is_none_or(|run| run.id != run_id) {
            return false;
        }
        let event_id = conv.log.last().map_or(1, |last| last.event_id + 1);
        conv.log.push(Logged {
            event_id,
            kind,
            data,
            run_id: run_id.to_owned(),
            at,
        });
        conv.updated_at = at;
        true
    }

    fn metadata(id: Uuid, conv: &Conv) -> Conversation {
        Conversation {
            context: Some(
                conv.context
                    .as_ref()
                    .map(|c| serde_json::to_value(c).unwrap()),
            ),
            conversation_uuid: id.to_string(),
            created_at: conv.created_at,
            title: conv.title.clone(),
            updated_at: conv.updated_at,
            user_id: conv.owner,
        }
    }
}

struct Conversations {
    state: Arc<Mutex<State>>,
    /// Bumped after every change, so that open event streams look again.
    changed: Arc<tokio::sync::watch::Sender<u64>>,
    /// Every API key the implementation was shown, in order.
    keys_seen: Mutex<Vec<String>>,
}

fn api_error(code: ErrorCode, message: &str) -> ApiError {
    ApiError {
        error: ErrorBody {
            code,
            message: message.to_owned(),
            detail: None,
            doc_url: Some("https://docs.reveng.ai/errors".to_owned()),
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
        },
    }
}

fn not_found() -> ApiError {
    api_error(ErrorCode::ConversationNotFound, "Conversation not found.")
}

fn stream_event(logged: &Logged) -> ConversationStreamEvent {
    serde_json::from_value(json!({
        "type": logged.kind,
        "event_id": logged.event_id,
        "data": logged.data,
        "source_run_id": logged.run_id,
    }))
    .unwrap()
}

impl Conversations {
    fn new() -> Self {
        let mut state = State::default();
        state.users.insert(ALICE, User { id: 1, credits: 10 });
        state.users.insert(BOB, User { id: 2, credits: 10 });
        state.users.insert(BROKE, User { id: 3, credits: 0 });
        Conversations {
            state: Arc::new(Mutex::new(state)),
            changed: Arc::new(tokio::sync::watch::channel(0).0),
            keys_seen: Mutex::default(),
        }
    }

    /// The user whose API key was presented, if it is one we know.
    fn user(&self, credentials: &[(&'static str, Presented)]) -> Option<i64> {
        let key = credentials
            .iter()
            .find_map(|(scheme, presented)| match presented {
                Presented::ApiKey(key) if *scheme == "APIKey" => Some(key.clone()),
                _ => None,
            })?;
        self.keys_seen.lock().unwrap().push(key.clone());
        let state = self.state.lock().unwrap();
        state.users.get(key.as_str()).map(|user| user.id)
    }

    fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// The agent, in the background: appends `steps` one by one, yielding in between, as long as
    /// `run_id` is still the active run; `finish` decides what happens after the last one.
    fn run_in_background(
        &self,
        id: Uuid,
        run_id: String,
        steps: Vec<(&'static str, Value)>,
        finish: Finish,
    ) {
        let state = self.state.clone();
        let changed = self.changed.clone();
        tokio::spawn(async move {
            for (kind, data) in steps {
                tokio::task::yield_now().await;
                let appended = state.lock().unwrap().append(id, &run_id, kind, data);
                changed.send_modify(|n| *n += 1);
                if !appended {
                    return; // cancelled meanwhile
                }
            }
            let mut state = state.lock().unwrap();
            if let Some(conv) = state.conversations.get_mut(&id) {
                if let Some(run) = conv.run.as_mut().filter(|run| run.id == run_id) {
                    match finish {
                        Finish::AwaitConfirmation => run.pending_confirmation = true,
                        Finish::Done => conv.run = None,
                    }
                }
            }
            drop(state);
            changed.send_modify(|n| *n += 1);
        });
    }
}

enum Finish {
    AwaitConfirmation,
    Done,
}

fn reply_steps(text: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("TEXT_MESSAGE_START", json!({"role": "assistant"})),
        ("TEXT_MESSAGE_CONTENT", json!({"delta": text})),
        ("TEXT_MESSAGE_END", json!(null)),
        ("STEP_FINISHED", json!({"step": 1})),
        ("RUN_FINISHED", json!({"tokens": 42})),
    ]
}

impl Api for Conversations {
    async fn list_conversations(
        &self,
        request: ListConversationsRequest,
    ) -> Result<ListConversationsOk, Failure<ListConversationsError>> {
        let Some(user) = self.user(&request.credentials) else {
            return Err(ListConversationsError::Default {
                status: 401,
                body: api_error(ErrorCode::Unauthorized, "Invalid API key."),
            }
            .into());
        };
        let state = self.state.lock().unwrap();
        let mut mine: Vec<Conversation> = state
            .conversations
            .iter()
            .filter(|(_, conv)| conv.owner == user)
            .map(|(id, conv)| State::metadata(*id, conv))
            .collect();
        mine.sort_by_key(|conv| std::cmp::Reverse(conv.updated_at));
        Ok(ListConversationsOk::Ok(mine))
    }

    async fn create_conversation(
        &self,
        request: CreateConversationRequest2,
    ) -> Result<CreateConversationOk, Failure<CreateConversationError>> {
        let Some(user) = self.user(&request.credentials) else {
            return Err(CreateConversationError::BadRequest(api_error(
                ErrorCode::Unauthorized,
                "Invalid API key.",
            ))
            .into());
        };
        if request
            .body
            .title
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            return Err(CreateConversationError::BadRequest(api_error(
                ErrorCode::BadRequest,
                "The title must not be blank.",
            ))
            .into());
        }
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        let id = Uuid::from_u128(0x0c0a_0000_0000_0000_0000_0000_0000_0000 + state.next_id);
        let now = state.now();
        let conv = Conv {
            owner: user,
            title: request
                .body
                .title
                .unwrap_or_else(|| "New conversation".to_owned()),
            context: request.body.context,
            created_at: now,
            updated_at: now,
            log: Vec::new(),
            run: None,
        };
        let created = State::metadata(id, &conv);
        state.conversations.insert(id, conv);
        Ok(CreateConversationOk::Created(created))
    }

    async fn get_conversation(
        &self,
        request: GetConversationRequest,
    ) -> Result<GetConversationOk, Failure<GetConversationError>> {
        let user = self.user(&request.credentials);
        let state = self.state.lock().unwrap();
        let conv = state
            .conversations
            .get(&request.id)
            .filter(|conv| Some(conv.owner) == user)
            .ok_or_else(|| GetConversationError::NotFound(not_found()))?;
        let meta = State::metadata(request.id, conv);
        let events: Vec<Event> = conv
            .log
            .iter()
            .map(|logged| Event {
                conversation_uuid: meta.conversation_uuid.clone(),
                created_at: logged.at,
                data: Some(logged.data.clone()),
                event_id: logged.event_id,
                role: if logged.kind.starts_with("TOOL") {
                    3
                } else {
                    2
                },
                tokens_used: logged.data["tokens"].as_i64().unwrap_or(0),
                r#type: kind_code(logged.kind),
            })
            .collect();
        Ok(GetConversationOk::Ok(ConversationWithEvents {
            context: meta.context,
            conversation_uuid: meta.conversation_uuid,
            created_at: meta.created_at,
            events: (!events.is_empty()).then_some(events),
            title: meta.title,
            updated_at: meta.updated_at,
            user_id: meta.user_id,
        }))
    }

    async fn send_message(
        &self,
        request: SendMessageRequest2,
    ) -> Result<SendMessageOk, Failure<SendMessageError>> {
        let Some(user) = self.user(&request.credentials) else {
            return Err(SendMessageError::Forbidden(api_error(
                ErrorCode::AccessDenied,
                "Access denied.",
            ))
            .into());
        };
        let id = request.id;
        let content = request.body.content;
        let mut state = self.state.lock().unwrap();
        let credits = state
            .users
            .values()
            .find(|u| u.id == user)
            .map_or(0, |u| u.credits);
        let conv = state
            .conversations
            .get(&id)
            .ok_or_else(|| SendMessageError::NotFound(not_found()))?;
        if conv.owner != user {
            return Err(SendMessageError::Forbidden(api_error(
                ErrorCode::AccessDenied,
                "Access denied.",
            ))
            .into());
        }
        if content.trim().is_empty() {
            return Err(SendMessageError::BadRequest(api_error(
                ErrorCode::BadRequest,
                "The message is empty.",
            ))
            .into());
        }
        if credits <= 0 {
            return Err(SendMessageError::PaymentRequired(api_error(
                ErrorCode::InsufficientCredits,
                "Insufficient credits to start a run.",
            ))
            .into());
        }
        if conv.run.is_some() {
            return Err(SendMessageError::Conflict(api_error(
                ErrorCode::RunAlreadyActive,
                "A run is already active for this conversation.",
            ))
            .into());
        }
        let untitled = conv.title == "New conversation";
        state.runs += 1;
        let run_id = format!("run-{}", state.runs);
        if let Some(u) = state.users.values_mut().find(|u| u.id == user) {
            u.credits -= 1;
        }
        let conv = state.conversations.get_mut(&id).unwrap();
        conv.run = Some(Run {
            id: run_id.clone(),
            pending_confirmation: false,
        });
        if let Some(context) = request.body.context {
            conv.context = Some(context);
        }
        // RUN_STARTED is logged before answering, so a stream opened after the 202 sees the
        // run from its start; the rest happens in the background.
        state.append(id, &run_id, "RUN_STARTED", json!({"input": content}));
        drop(state);
        self.notify();

        let mut steps = Vec::new();
        if untitled {
            let title: String = content.chars().take(24).collect();
            steps.push(("TITLE_UPDATED", json!({"title": title})));
        }
        steps.push(("STEP_STARTED", json!({"step": 1})));
        let finish = if content.contains("tool") {
            steps.push((
                "TOOL_CALL_START",
                json!({"tool": "decompile", "call_id": "c1"}),
            ));
            steps.push((
                "TOOL_CALL_ARGS_DELTA",
                json!({"delta": "{\"fn\":\"main\"}"}),
            ));
            steps.push((
                "TOOL_CONFIRMATION_REQUIRED",
                json!({"call_id": "c1", "tool": "decompile"}),
            ));
            Finish::AwaitConfirmation
        } else {
            steps.extend(reply_steps(&format!("You said: {content}")));
            Finish::Done
        };
        if let Some(title) = steps.iter().find(|(kind, _)| *kind == "TITLE_UPDATED") {
            let title = title.1["title"].as_str().unwrap_or_default().to_owned();
            if let Some(conv) = self.state.lock().unwrap().conversations.get_mut(&id) {
                conv.title = title;
            }
        }
        self.run_in_background(id, run_id.clone(), steps, finish);
        Ok(SendMessageOk::Accepted(StatusResponse {
            conversation_uuid: id,
            status: "started".to_owned(),
            trace_id: Some(format!("trace-{run_id}")),
        }))
    }

    async fn stream_events(
        &self,
        request: StreamEventsRequest,
    ) -> Result<StreamEventsOk, Failure<StreamEventsError>> {
        let Some(user) = self.user(&request.credentials) else {
            return Err(StreamEventsError::Default {
                status: 401,
                body: api_error(ErrorCode::Unauthorized, "Invalid API key."),
            }
            .into());
        };
        let id = request.id;
        let visible = self
            .state
            .lock()
            .unwrap()
            .conversations
            .get(&id)
            .is_some_and(|conv| conv.owner == user);
        if !visible {
            return Err(StreamEventsError::Default {
                status: 404,
                body: not_found(),
            }
            .into());
        }
        let cursor = request.last_event_id.unwrap_or(0);
        let state = self.state.clone();
        let rx = self.changed.subscribe();
        // Replay what is logged after the cursor, then follow the active run; end when no run
        // is active and everything was sent.
        let stream = futures::stream::unfold((cursor, rx), move |(cursor, mut rx)| {
            let state = state.clone();
            async move {
                loop {
                    rx.borrow_and_update();
                    let (next, active) = {
                        let state = state.lock().unwrap();
                        let conv = state.conversations.get(&id)?;
                        let next = conv.log.iter().find(|e| e.event_id > cursor).cloned();
                        (next, conv.run.is_some())
                    };
                    if let Some(logged) = next {
                        let event = rt::sse::Event::new(stream_event(&logged))
                            .with_id(logged.event_id.to_string())
                            .with_event(logged.kind);
                        return Some((event, (logged.event_id, rx)));
                    }
                    if !active {
                        return None;
                    }
                    rx.changed().await.ok()?;
                }
            }
        });
        Ok(StreamEventsOk::Ok(rt::sse::Events::from_events(stream)))
    }

    async fn cancel_run(
        &self,
        request: CancelRunRequest,
    ) -> Result<CancelRunOk, Failure<CancelRunError>> {
        let user = self.user(&request.credentials);
        let mut state = self.state.lock().unwrap();
        let conv = state
            .conversations
            .get(&request.id)
            .filter(|conv| Some(conv.owner) == user)
            .ok_or_else(|| CancelRunError::NotFound(not_found()))?;
        let Some(run) = &conv.run else {
            return Err(CancelRunError::NotFound(api_error(
                ErrorCode::NoActiveRun,
                "No run is in progress for this conversation.",
            ))
            .into());
        };
        let run_id = run.id.clone();
        state.append(request.id, &run_id, "RUN_CANCELLED", json!({"by": "user"}));
        state.conversations.get_mut(&request.id).unwrap().run = None;
        drop(state);
        self.notify();
        Ok(CancelRunOk::Ok(StatusResponse {
            conversation_uuid: request.id,
            status: "cancelled".to_owned(),
            trace_id: Some(format!("trace-{run_id}")),
        }))
    }

    async fn confirm_tool(
        &self,
        request: ConfirmToolRequest,
    ) -> Result<ConfirmToolOk, Failure<ConfirmToolError>> {
        let user = self.user(&request.credentials);
        let mut state = self.state.lock().unwrap();
        let conv = state
            .conversations
            .get_mut(&request.id)
            .filter(|conv| Some(conv.owner) == user)
            .ok_or_else(|| ConfirmToolError::NotFound(not_found()))?;
        let Some(run) = conv.run.as_mut().filter(|run| run.pending_confirmation) else {
            return Err(ConfirmToolError::NotFound(api_error(
                ErrorCode::NoPendingConfirmation,
                "No tool confirmation is pending for this conversation.",
            ))
            .into());
        };
        run.pending_confirmation = false;
        let run_id = run.id.clone();
        drop(state);
        let approved = request.body.approved;
        let mut steps = vec![
            ("TOOL_CALL_END", json!({"call_id": "c1"})),
            (
                "TOOL_CALL_RESULT",
                json!({"call_id": "c1", "approved": approved}),
            ),
        ];
        steps.extend(reply_steps(if approved {
            "main() opens a socket."
        } else {
            "Understood, I will not run the tool."
        }));
        self.run_in_background(request.id, run_id.clone(), steps, Finish::Done);
        Ok(ConfirmToolOk::Ok(StatusResponse {
            conversation_uuid: request.id,
            status: if approved { "approved" } else { "rejected" }.to_owned(),
            trace_id: Some(format!("trace-{run_id}")),
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// Test plumbing

struct Server {
    url: String,
    api: Arc<Conversations>,
}

impl Server {
    fn client(&self, key: &str) -> Client {
        Client::new(&self.url).with_api_key(key)
    }
}

async fn serve() -> Server {
    let api = Arc::new(Conversations::new());
    let listener = rt::server::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = router(api.clone());
    tokio::spawn(async move { rt::server::axum::serve(listener, router).await });
    Server {
        url: format!("http://{addr}"),
        api,
    }
}

async fn create(client: &Client, title: Option<&str>) -> Conversation {
    let body = CreateConversationRequest {
        context: None,
        title: title.map(str::to_owned),
    };
    let CreateConversationOk::Created(conv) = client.create_conversation(body).await.unwrap();
    conv
}

fn uuid_of(conv: &Conversation) -> Uuid {
    conv.conversation_uuid.parse().unwrap()
}

fn message(content: &str) -> SendMessageRequest {
    SendMessageRequest {
        content: content.to_owned(),
        context: None,
    }
}

type Stream = rt::sse::Events<ConversationStreamEvent>;
type Received = rt::sse::Event<ConversationStreamEvent>;

fn kind_of(event: &ConversationStreamEvent) -> String {
    serde_json::to_value(event).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn field(event: &ConversationStreamEvent, name: &str) -> Value {
    serde_json::to_value(event).unwrap()[name].clone()
}

async fn open(client: &Client, id: Uuid, after: Option<i64>) -> Stream {
    let builder = client.stream_events(id);
    let builder = match after {
        Some(after) => builder.last_event_id(after),
        None => builder,
    };
    let StreamEventsOk::Ok(events) = builder.await.unwrap();
    events
}

/// The next event; `None` when the stream ended. Panics on an error item or a hang.
async fn next(events: &mut Stream) -> Option<Received> {
    // A guard against a hang, not a timing assertion.
    let item = tokio::time::timeout(Duration::from_secs(20), events.next())
        .await
        .expect("the event stream hung");
    item.map(|item| item.expect("an error item"))
}

/// Reads until an event of `kind` (included).
async fn read_until(events: &mut Stream, kind: &str) -> Vec<Received> {
    let mut got = Vec::new();
    loop {
        let event = next(events)
            .await
            .unwrap_or_else(|| panic!("the stream ended before {kind}: {got:?}"));
        let done = kind_of(&event.data) == kind;
        got.push(event);
        if done {
            return got;
        }
    }
}

async fn read_to_end(events: &mut Stream) -> Vec<Received> {
    let mut got = Vec::new();
    while let Some(event) = next(events).await {
        got.push(event);
    }
    got
}

fn kinds(events: &[Received]) -> Vec<String> {
    events.iter().map(|e| kind_of(&e.data)).collect()
}

/// Each event's SSE `id:` and `event:` fields agree with its payload.
fn assert_framed(events: &[Received]) {
    for event in events {
        let id = field(&event.data, "event_id").as_i64().unwrap();
        assert_eq!(event.id, Some(id.to_string()), "{event:?}");
        assert_eq!(event.event, Some(kind_of(&event.data)), "{event:?}");
        assert!(
            !matches!(event.data, ConversationStreamEvent::Unknown(_)),
            "not decoded into its variant: {event:?}"
        );
    }
}

fn ids(events: &[Received]) -> Vec<i64> {
    events
        .iter()
        .map(|e| field(&e.data, "event_id").as_i64().unwrap())
        .collect()
}

fn code<E>(err: &rt::client::Error<E>, body: impl Fn(&E) -> Option<&ApiError>) -> ErrorCode {
    let api = err.api_body().and_then(body);
    api.unwrap_or_else(|| panic!("not a documented error: {}", err.status().unwrap()))
        .error
        .code
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn create_list_and_get_round_trip() {
    let server = serve().await;
    let alice = server.client(ALICE);
    let bob = server.client(BOB);

    let body = CreateConversationRequest {
        context: Some(ConversationContext {
            analysis_id: Some(123_456),
            function_id: Some(987),
        }),
        title: Some("Triage of sample.exe".to_owned()),
    };
    let CreateConversationOk::Created(triage) = alice.create_conversation(body).await.unwrap();
    assert_eq!(triage.title, "Triage of sample.exe");
    assert_eq!(triage.user_id, 1);
    assert_eq!(
        triage.context,
        Some(Some(json!({"analysis_id": 123_456, "function_id": 987})))
    );
    assert_eq!(triage.created_at, triage.updated_at);

    // Every field optional: the defaults, and a null context read back as `Some(None)`.
    let untitled = create(&alice, None).await;
    assert_eq!(untitled.title, "New conversation");
    assert_eq!(untitled.context, Some(None));
    assert!(untitled.created_at > triage.created_at);
    assert_ne!(untitled.conversation_uuid, triage.conversation_uuid);

    let bobs = create(&bob, Some("Bob's")).await;
    assert_eq!(bobs.user_id, 2);

    let ListConversationsOk::Ok(listed) = alice.list_conversations().await.unwrap();
    assert_eq!(
        listed,
        [untitled.clone(), triage.clone()],
        "newest first, alice's only"
    );
    let ListConversationsOk::Ok(listed) = bob.list_conversations().await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&bobs));

    let GetConversationOk::Ok(got) = alice.get_conversation(uuid_of(&triage)).await.unwrap();
    assert_eq!(got.conversation_uuid, triage.conversation_uuid);
    assert_eq!(got.title, triage.title);
    assert_eq!(got.context, triage.context);
    assert_eq!(got.created_at, triage.created_at);
    assert_eq!(got.user_id, 1);
    assert_eq!(got.events, None, "no events yet: null");

    // Another user's conversation is not visible; an unknown one is not found either.
    for id in [uuid_of(&bobs), Uuid::from_u128(7)] {
        let err = alice.get_conversation(id).await.unwrap_err();
        assert_eq!(err.status().unwrap(), 404);
        assert!(matches!(
            err.api_body(),
            Some(GetConversationError::NotFound(_))
        ));
        assert_eq!(
            code(&err, |e| match e {
                GetConversationError::NotFound(b) => Some(b),
                _ => None,
            }),
            ErrorCode::ConversationNotFound
        );
    }

    // A blank title is a documented 400 BAD_REQUEST with the whole error body.
    let body = CreateConversationRequest {
        context: None,
        title: Some("  ".to_owned()),
    };
    let err = alice.create_conversation(body).await.unwrap_err();
    let Some(CreateConversationError::BadRequest(body)) = err.api_body() else {
        panic!("{err:?}")
    };
    assert_eq!(
        body,
        &api_error(ErrorCode::BadRequest, "The title must not be blank.")
    );
}

#[tokio::test]
async fn send_message_starts_a_run_whose_events_stream_and_persist() {
    let server = serve().await;
    let alice = server.client(ALICE);
    let conv = create(&alice, None).await;
    let id = uuid_of(&conv);

    let sent = alice
        .send_message(id, message("Which functions talk to the network?"))
        .send_with_info()
        .await
        .unwrap();
    assert_eq!(sent.status, 202);
    assert_eq!(sent.headers["content-type"], "application/json");
    let SendMessageOk::Accepted(status) = sent.value;
    assert_eq!(status.conversation_uuid, id);
    assert_eq!(status.status, "started");
    assert_eq!(status.trace_id.as_deref(), Some("trace-run-1"));

    let mut events = open(&alice, id, None).await;
    let streamed = read_to_end(&mut events).await;
    assert_eq!(
        kinds(&streamed),
        [
            "RUN_STARTED",
            "TITLE_UPDATED",
            "STEP_STARTED",
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "STEP_FINISHED",
            "RUN_FINISHED",
        ]
    );
    assert_eq!(ids(&streamed), (1..=8).collect::<Vec<_>>());
    assert_framed(&streamed);
    let ConversationStreamEvent::RunStarted(started) = &streamed[0].data else {
        panic!("{:?}", streamed[0])
    };
    assert_eq!(
        started.data,
        Some(json!({"input": "Which functions talk to the network?"}))
    );
    assert_eq!(started.source_run_id.as_deref(), Some("run-1"));
    let ConversationStreamEvent::TextMessageContent(delta) = &streamed[4].data else {
        panic!("{:?}", streamed[4])
    };
    assert_eq!(
        delta.data,
        Some(json!({"delta": "You said: Which functions talk to the network?"}))
    );
    let ConversationStreamEvent::TextMessageEnd(end) = &streamed[5].data else {
        panic!("{:?}", streamed[5])
    };
    assert_eq!(end.data, None, "a null `data` reads back as None");

    // The history holds the same events, and the run renamed the conversation.
    let GetConversationOk::Ok(got) = alice.get_conversation(id).await.unwrap();
    let history = got.events.expect("events persisted");
    assert_eq!(history.len(), streamed.len());
    for (stored, live) in history.iter().zip(&streamed) {
        assert_eq!(
            Some(stored.event_id),
            field(&live.data, "event_id").as_i64()
        );
        assert_eq!(stored.r#type, kind_code(&kind_of(&live.data)));
        assert_eq!(
            stored.data.clone().unwrap_or(Value::Null),
            field(&live.data, "data")
        );
        assert_eq!(stored.conversation_uuid, conv.conversation_uuid);
    }
    assert_eq!(got.title, "Which functions talk to ");
    assert!(got.updated_at > conv.updated_at);

    // Replay from an id: only what came after it.
    let mut events = open(&alice, id, Some(5)).await;
    assert_eq!(ids(&read_to_end(&mut events).await), [6, 7, 8]);

    // The run is over, so another message starts a second run; its events continue the ids.
    alice.send_message(id, message("Thanks")).await.unwrap();
    let mut events = open(&alice, id, Some(8)).await;
    let second = read_to_end(&mut events).await;
    assert_eq!(
        second.first().map(|e| kind_of(&e.data)).as_deref(),
        Some("RUN_STARTED")
    );
    assert_eq!(
        ids(&second),
        (9..=15).collect::<Vec<_>>(),
        "no TITLE_UPDATED this time"
    );
    assert_eq!(field(&second[0].data, "source_run_id"), "run-2");
}

#[tokio::test]
async fn tool_confirmation_pauses_the_run_until_confirmed() {
    let server = serve().await;
    let alice = server.client(ALICE);
    let id = uuid_of(&create(&alice, Some("Tools")).await);

    // Nothing is pending before any run.
    let err = alice
        .confirm_tool(id, ConfirmToolInputBody { approved: true })
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_body(), Some(ConfirmToolError::NotFound(b)) if b.error.code == ErrorCode::NoPendingConfirmation),
        "{err:?}"
    );

    alice
        .send_message(id, message("please use a tool on main"))
        .await
        .unwrap();
    let mut events = open(&alice, id, None).await;
    let before = read_until(&mut events, "TOOL_CONFIRMATION_REQUIRED").await;
    assert_eq!(
        kinds(&before),
        [
            "RUN_STARTED",
            "STEP_STARTED",
            "TOOL_CALL_START",
            "TOOL_CALL_ARGS_DELTA",
            "TOOL_CONFIRMATION_REQUIRED"
        ]
    );
    assert_framed(&before);
    assert!(matches!(
        before.last().unwrap().data,
        ConversationStreamEvent::ToolConfirmationRequired(_)
    ));

    // The paused run is still active.
    let err = alice.send_message(id, message("hello?")).await.unwrap_err();
    assert_eq!(err.status().unwrap(), 409);
    assert_eq!(
        code(&err, |e| match e {
            SendMessageError::Conflict(b) => Some(b),
            _ => None,
        }),
        ErrorCode::RunAlreadyActive
    );

    let ConfirmToolOk::Ok(status) = alice
        .confirm_tool(id, ConfirmToolInputBody { approved: true })
        .await
        .unwrap();
    assert_eq!(
        (status.conversation_uuid, status.status.as_str()),
        (id, "approved")
    );

    // The same stream carries on with the rest of the run, then ends.
    let after = read_to_end(&mut events).await;
    assert_eq!(
        kinds(&after),
        [
            "TOOL_CALL_END",
            "TOOL_CALL_RESULT",
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "STEP_FINISHED",
            "RUN_FINISHED"
        ]
    );
    assert_eq!(ids(&after), (6..=12).collect::<Vec<_>>());
    let ConversationStreamEvent::ToolCallResult(result) = &after[1].data else {
        panic!("{:?}", after[1])
    };
    assert_eq!(
        result.data,
        Some(json!({"call_id": "c1", "approved": true}))
    );

    // Confirmed once: nothing pending, no run active.
    let err = alice
        .confirm_tool(id, ConfirmToolInputBody { approved: true })
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_body(), Some(ConfirmToolError::NotFound(b)) if b.error.code == ErrorCode::NoPendingConfirmation),
        "{err:?}"
    );

    // A rejection ends the run without the tool.
    alice
        .send_message(id, message("use a tool again"))
        .await
        .unwrap();
    let mut events = open(&alice, id, Some(12)).await;
    read_until(&mut events, "TOOL_CONFIRMATION_REQUIRED").await;
    let ConfirmToolOk::Ok(status) = alice
        .confirm_tool(id, ConfirmToolInputBody { approved: false })
        .await
        .unwrap();
    assert_eq!(status.status, "rejected");
    let after = read_to_end(&mut events).await;
    assert_eq!(
        field(&after[1].data, "data"),
        json!({"call_id": "c1", "approved": false})
    );
    assert_eq!(
        kinds(&after).last().map(String::as_str),
        Some("RUN_FINISHED")
    );
}

#[tokio::test]
async fn cancel_run_ends_the_active_run() {
    let server = serve().await;
    let alice = server.client(ALICE);
    let id = uuid_of(&create(&alice, Some("Cancel me")).await);

    // Two 404s, told apart by their code.
    let err = alice.cancel_run(Uuid::from_u128(99)).await.unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
    assert_eq!(
        code(&err, |e| match e {
            CancelRunError::NotFound(b) => Some(b),
            _ => None,
        }),
        ErrorCode::ConversationNotFound
    );
    let err = alice.cancel_run(id).await.unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
    let Some(CancelRunError::NotFound(body)) = err.api_body() else {
        panic!("{err:?}")
    };
    assert_eq!(body.error.code, ErrorCode::NoActiveRun);
    assert_eq!(
        body.error.message,
        "No run is in progress for this conversation."
    );
    assert_eq!(body.error.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");

    alice.send_message(id, message("use a tool")).await.unwrap();
    let mut events = open(&alice, id, None).await;
    read_until(&mut events, "TOOL_CONFIRMATION_REQUIRED").await;

    let cancelled = alice.cancel_run(id).send_with_info().await.unwrap();
    assert_eq!(cancelled.status, 200);
    let CancelRunOk::Ok(status) = cancelled.value;
    assert_eq!(status.status, "cancelled");
    assert_eq!(status.trace_id.as_deref(), Some("trace-run-1"));

    let rest = read_to_end(&mut events).await;
    assert_eq!(kinds(&rest), ["RUN_CANCELLED"]);
    assert!(matches!(
        rest[0].data,
        ConversationStreamEvent::RunCancelled(_)
    ));

    // No run, so nothing to confirm or cancel, and a new message may start one.
    let err = alice
        .confirm_tool(id, ConfirmToolInputBody { approved: true })
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_body(), Some(ConfirmToolError::NotFound(b)) if b.error.code == ErrorCode::NoPendingConfirmation)
    );
    let err = alice.cancel_run(id).await.unwrap_err();
    assert!(
        matches!(err.api_body(), Some(CancelRunError::NotFound(b)) if b.error.code == ErrorCode::NoActiveRun)
    );
    let SendMessageOk::Accepted(status) = alice.send_message(id, message("again")).await.unwrap();
    assert_eq!(status.trace_id.as_deref(), Some("trace-run-2"));
}

#[tokio::test]
async fn send_message_documented_errors() {
    let server = serve().await;
    let alice = server.client(ALICE);
    let id = uuid_of(&create(&alice, None).await);
    let bobs = uuid_of(&create(&server.client(BOB), None).await);
    let broke = server.client(BROKE);
    let brokes = uuid_of(&create(&broke, None).await);

    let cases: Vec<(Client, Uuid, &str, u16, ErrorCode)> = vec![
        (
            alice.clone(),
            Uuid::from_u128(5),
            "hi",
            404,
            ErrorCode::ConversationNotFound,
        ),
        (alice.clone(), bobs, "hi", 403, ErrorCode::AccessDenied),
        (alice.clone(), id, " \n", 400, ErrorCode::BadRequest),
        (broke, brokes, "hi", 402, ErrorCode::InsufficientCredits),
    ];
    for (client, conversation, content, status, expected) in cases {
        let err = client
            .send_message(conversation, message(content))
            .await
            .unwrap_err();
        assert_eq!(err.status().unwrap(), status, "{expected}");
        assert_eq!(err.headers().unwrap()["content-type"], "application/json");
        let body = match err.api_body().unwrap() {
            SendMessageError::BadRequest(b) if status == 400 => b,
            SendMessageError::PaymentRequired(b) if status == 402 => b,
            SendMessageError::Forbidden(b) if status == 403 => b,
            SendMessageError::NotFound(b) if status == 404 => b,
            other => panic!("{status} decoded as {other:?}"),
        };
        assert_eq!(body.error.code, expected);
        assert!(!body.error.trace_id.is_empty());
        assert_eq!(
            body.error.doc_url.as_deref(),
            Some("https://docs.reveng.ai/errors")
        );
    }
    // None of them started a run.
    let GetConversationOk::Ok(got) = alice.get_conversation(id).await.unwrap();
    assert_eq!(got.events, None);
}

#[tokio::test]
async fn api_key_is_required_and_checked() {
    let server = serve().await;
    let alice = server.client(ALICE);
    let id = uuid_of(&create(&alice, Some("Mine")).await);
    let bobs = create(&server.client(BOB), Some("Bob's")).await;
    server.api.keys_seen.lock().unwrap().clear();

    // No key: the generated server answers 401 before the implementation runs.
    let anonymous = Client::new(&server.url);
    let statuses = [
        anonymous.list_conversations().await.unwrap_err().status(),
        anonymous
            .create_conversation(CreateConversationRequest::default())
            .await
            .unwrap_err()
            .status(),
        anonymous.get_conversation(id).await.unwrap_err().status(),
        anonymous
            .send_message(id, message("hi"))
            .await
            .unwrap_err()
            .status(),
        anonymous.stream_events(id).await.unwrap_err().status(),
        anonymous.cancel_run(id).await.unwrap_err().status(),
        anonymous
            .confirm_tool(id, ConfirmToolInputBody { approved: true })
            .await
            .unwrap_err()
            .status(),
    ];
    for status in statuses {
        assert_eq!(status.map(|s| s.as_u16()), Some(401));
    }
    assert!(server.api.keys_seen.lock().unwrap().is_empty());

    // A wrong key reaches the implementation, which refuses it with what each operation
    // documents.
    let intruder = server.client("sk-wrong");
    let err = intruder.list_conversations().await.unwrap_err();
    let Some(ListConversationsError::Default { status, body }) = err.api_body() else {
        panic!("{err:?}")
    };
    assert_eq!((*status, &body.error.code), (401, &ErrorCode::Unauthorized));
    assert_eq!(err.status().unwrap(), 401);
    let err = intruder.stream_events(id).await.unwrap_err();
    assert!(
        matches!(err.api_body(), Some(StreamEventsError::Default { status: 401, body }) if body.error.code == ErrorCode::Unauthorized),
        "{err:?}"
    );
    let err = intruder.send_message(id, message("hi")).await.unwrap_err();
    assert!(
        matches!(err.api_body(), Some(SendMessageError::Forbidden(b)) if b.error.code == ErrorCode::AccessDenied)
    );
    let err = intruder.get_conversation(id).await.unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(GetConversationError::NotFound(_))
    ));
    let err = intruder.cancel_run(id).await.unwrap_err();
    assert!(
        matches!(err.api_body(), Some(CancelRunError::NotFound(b)) if b.error.code == ErrorCode::ConversationNotFound)
    );
    let err = intruder
        .confirm_tool(id, ConfirmToolInputBody { approved: true })
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_body(), Some(ConfirmToolError::NotFound(b)) if b.error.code == ErrorCode::ConversationNotFound)
    );
    let err = intruder
        .create_conversation(CreateConversationRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_body(), Some(CreateConversationError::BadRequest(b)) if b.error.code == ErrorCode::Unauthorized)
    );
    // The key arrived verbatim in the `Authorization` header, once per call.
    assert_eq!(*server.api.keys_seen.lock().unwrap(), ["sk-wrong"; 7]);

    // A per-request credential replaces the client's.
    let as_bob = RequestOptions::new().credential("APIKey", Credential::api_key(BOB));
    let ListConversationsOk::Ok(listed) = alice.list_conversations().options(as_bob).await.unwrap();
    assert_eq!(listed, [bobs]);
    let ListConversationsOk::Ok(listed) = alice.list_conversations().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(uuid_of(&listed[0]), id);
}

#[tokio::test]
async fn send_with_info_keeps_status_and_headers() {
    let server = serve().await;
    let alice = server.client(ALICE);

    let created = alice
        .create_conversation(CreateConversationRequest::default())
        .send_with_info()
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    assert_eq!(created.headers["content-type"], "application/json");
    let CreateConversationOk::Created(conv) = created.value;

    let listed = alice.list_conversations().send_with_info().await.unwrap();
    assert_eq!(listed.status, 200);
    assert_eq!(listed.value, ListConversationsOk::Ok(vec![conv.clone()]));

    let got = alice
        .get_conversation(uuid_of(&conv))
        .send_with_info()
        .await
        .unwrap();
    assert_eq!(got.status, 200);
    let len: usize = got.headers["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(len > 0);

    let streamed = alice
        .stream_events(uuid_of(&conv))
        .send_with_info()
        .await
        .unwrap();
    assert_eq!(streamed.status, 200);
    assert_eq!(streamed.headers["content-type"], "text/event-stream");
    assert_eq!(streamed.headers["cache-control"], "no-cache");
    let StreamEventsOk::Ok(mut events) = streamed.value;
    assert!(
        read_to_end(&mut events).await.is_empty(),
        "no events, no run: ends"
    );

    // An error keeps its status and headers too.
    let err = alice
        .cancel_run(uuid_of(&conv))
        .send_with_info()
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
    assert_eq!(err.headers().unwrap()["content-type"], "application/json");
}
