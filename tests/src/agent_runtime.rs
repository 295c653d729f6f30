//! A reference implementation of the agent runtime HTTP API (`specs/agent-runtime.yaml`, seed
//! `003`), in memory, behind the generated server trait [`agent_runtime::server::Api`].
//!
//! What it models, following the seed's conventions:
//!
//! - **Sessions are context boundaries, runs are execution boundaries, runs within a session are
//!   serial.** Sending a message (or triggering an action) answers `202` with a run. With no
//!   active run the run starts at once; otherwise it joins the session's follow-up queue
//!   (`runningRunBehavior: queue`, the default) or, with `interrupt`, the active run is
//!   cancelled and the new one starts at once, ahead of the queue. A message that would make
//!   the queue longer than [`Config::max_queue`] is refused with `429` and `Retry-After`.
//! - **The follow-up queue is a server-side resource**: `GET /sessions/{id}/queue` lists the
//!   queued runs with their messages, next first; `POST /runs/{id}/guide` takes a queued run out
//!   of the queue (status `guided`) and hands its message to the active run, which answers it
//!   before finishing.
//! - **Runs progress on a tokio task**, one step every [`Config::step`]: an action run first
//!   calls a tool (`tool.call`, then `tool.result`), then every run streams its reply word by
//!   word (`message.delta`), creates the assistant message (`message.created`) and completes;
//!   the next queued run then starts. The run resource is the authority on how a run ended
//!   (`completed`, `failed` with an `error`, `cancelled`, `guided`).
//! - **Events**: everything that happens in a session is appended to its event log with an id
//!   that increases within the session (`"1"`, `"2"`, …). `GET /sessions/{id}/events` replays
//!   the log after `Last-Event-ID` and then follows new events live, until the session is
//!   deleted.
//! - **Sandboxes** (E2B style, root exposed as `/workspace`): one per workspace, an in-memory
//!   file tree. Raw uploads, streamed downloads, listings with `depth`, and a fake command
//!   runner that understands a few builtins (`echo`, `pwd`, `cat`, `tee`, `ls`, `env`, `true`,
//!   `false`, `sleep`) against that tree.
//! - **Workspaces** are created `provisioning` and become `ready` after
//!   [`Config::provisioning`]; one workspace, [`DEFAULT_WORKSPACE`], exists from the start. The
//!   model list, the agents and the actions of the catalog are static data.
//! - **The internal model runtime** lists the same models and "invokes" one by echoing the last
//!   user message (the fake model every run uses too).
//! - **Authentication**: without a resolver (the standalone server of the seed) every caller is
//!   the minimal anonymous context, with or without a bearer token. A host injects a caller
//!   context resolver with [`Config::resolver`]; it sees the bearer token (or its absence) and
//!   answers the caller, or `None` for `401 unauthenticated`.
//! - **Idempotency**: a repeated `Idempotency-Key` on send_message or trigger_action returns
//!   the original result instead of acting twice.
//!
//! Where it deviates from (or fills in for) the real thing:
//!
//! - Everything is in memory and lost with the value; there is no model, tool or sandbox
//!   behind it. Replies are `"Echo: <the user's text>"`.
//! - Roles: only the operations that document `403` check them (create_workspace,
//!   create_session, trigger_action refuse a [`Role::Viewer`]); every caller sees everything.
//! - Action runs need a message to show in the follow-up queue, so triggering an action
//!   creates a `system` message describing it, and the run's `messageId` points to it.
//! - The `deploy` action always fails (to show a `failed` run with its `error`).
//! - Multipart uploads never reach the implementation: the generated server answers them with
//!   `415` (it reads only the first declared media type, `application/octet-stream`).
//! - Cursors are opaque strings that encode the position of the last item served. Lists that
//!   document no `400` clamp a bad `limit` and answer a bad cursor with an empty last page.
//! - An unreadable `Last-Event-ID` replays the whole log.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use agent_runtime::rt;
use agent_runtime::rt::server::axum::response::Response;
use agent_runtime::rt::server::{Failure, Presented};
use agent_runtime::server::{
    CancelRunRequest, CreateSessionRequest2, CreateWorkspaceRequest2, DeleteSessionRequest,
    DeleteWorkspaceRequest, DownloadFileRequest, GetRunRequest, GetSessionQueueRequest,
    GetSessionRequest, GetWorkspaceCatalogRequest, GetWorkspaceRequest, GuideRunRequest,
    InvokeRuntimeModelRequest, ListFilesRequest, ListMessagesRequest, ListModelsRequest,
    ListRuntimeModelsRequest, ListSessionsRequest, ListWorkspacesRequest, RunCommandRequest2,
    SendMessageRequest2, StreamSessionEventsRequest, TriggerActionRequest2,
    UpdateWorkspaceRequest2, UploadFileRequest,
};
use agent_runtime::*;
use chrono::{DateTime, Utc};
use futures::Stream;
use tokio::sync::watch;

/// The workspace that exists from the start (its sandbox is [`DEFAULT_SANDBOX`]).
pub const DEFAULT_WORKSPACE: &str = "ws_default";
/// The sandbox of [`DEFAULT_WORKSPACE`].
pub const DEFAULT_SANDBOX: &str = "sbx_default";
/// The model a run uses when the message names none.
pub const DEFAULT_MODEL: &str = "echo-1";
/// The sandbox root, as exposed to callers.
pub const ROOT: &str = "/workspace";

/// Who is calling, as the caller context resolver decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// An identifier for the caller.
    pub id: String,
    /// What the caller may do.
    pub role: Role,
}

/// What a caller may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything.
    Member,
    /// Read, and act within existing sessions, but not create workspaces, sessions or trigger
    /// actions (the operations that document `403`).
    Viewer,
}

impl Caller {
    /// The minimal caller context of a standalone server (no resolver).
    #[must_use]
    pub fn anonymous() -> Self {
        Caller {
            id: "anonymous".to_owned(),
            role: Role::Member,
        }
    }
}

/// A host's caller context resolver: given the bearer token (if any), the caller, or `None`
/// to answer `401`.
pub type CallerResolver = Arc<dyn Fn(Option<&str>) -> Option<Caller> + Send + Sync>;

/// How the runtime behaves.
#[derive(Clone)]
pub struct Config {
    /// The time between two steps of a run (a tool call, a tool result, one word of a reply).
    pub step: Duration,
    /// How long a new workspace stays `provisioning`.
    pub provisioning: Duration,
    /// The follow-up queue's capacity per session; a message beyond it is answered `429`
    /// (actions and interrupting messages are not counted against it).
    pub max_queue: usize,
    /// The `Retry-After` (seconds) sent with that `429`.
    pub retry_after: i64,
    /// The largest file a sandbox accepts; larger uploads are answered `413`.
    pub max_file_bytes: usize,
    /// The host's caller context resolver; `None` for a standalone server.
    pub resolver: Option<CallerResolver>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            step: Duration::from_millis(20),
            provisioning: Duration::from_millis(50),
            max_queue: 16,
            retry_after: 1,
            max_file_bytes: 1024 * 1024,
            resolver: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("step", &self.step)
            .field("provisioning", &self.provisioning)
            .field("max_queue", &self.max_queue)
            .field("retry_after", &self.retry_after)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("resolver", &self.resolver.as_ref().map(|_| "…"))
            .finish()
    }
}

/// The agent runtime, in memory. Serve it with
/// `agent_runtime::server::router(Arc::new(AgentRuntime::new(config)))`.
#[derive(Clone, Debug)]
pub struct AgentRuntime {
    inner: Arc<Inner>,
}

impl Default for AgentRuntime {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl AgentRuntime {
    /// A runtime with one workspace, [`DEFAULT_WORKSPACE`], ready.
    #[must_use]
    pub fn new(config: Config) -> Self {
        let now = Utc::now();
        let mut state = State::default();
        let order = state.next_order();
        state.workspaces.insert(
            DEFAULT_WORKSPACE.to_owned(),
            WorkspaceRecord {
                order,
                workspace: Workspace {
                    id: DEFAULT_WORKSPACE.to_owned(),
                    name: "Default".to_owned(),
                    description: Some(Some("The standalone server's workspace.".to_owned())),
                    status: WorkspaceStatus::Ready,
                    sandbox_id: DEFAULT_SANDBOX.to_owned(),
                    metadata: None,
                    created_at: now,
                    updated_at: now,
                },
            },
        );
        state
            .sandboxes
            .insert(DEFAULT_SANDBOX.to_owned(), Sandbox::default());
        AgentRuntime {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
            }),
        }
    }

    /// The generated router serving this runtime.
    pub fn router(self) -> rt::server::axum::Router {
        agent_runtime::server::router(Arc::new(self))
    }
}

#[derive(Debug)]
struct Inner {
    config: Config,
    state: Mutex<State>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The caller, from the bearer token presented (if any).
    fn caller(&self, credentials: &[(&'static str, Presented)]) -> Result<Caller, ApiError> {
        let Some(resolver) = &self.config.resolver else {
            return Ok(Caller::anonymous());
        };
        let token = credentials
            .iter()
            .find_map(|(_, presented)| match presented {
                Presented::Bearer(token) => Some(token.as_str()),
                _ => None,
            });
        resolver(token).ok_or_else(|| {
            ApiError::new(
                ErrorResponseErrorCode::Unauthenticated,
                if token.is_some() {
                    "the bearer token was rejected"
                } else {
                    "a bearer token is required"
                },
            )
        })
    }
}

// ------------------------------------------------------------------------------------------
// Errors

/// An error as the spec's `ErrorResponse` carries it; converted into each operation's
/// documented error enum by its code (see `documented!`).
#[derive(Debug)]
struct ApiError {
    code: ErrorResponseErrorCode,
    message: String,
    details: Option<BTreeMap<String, serde_json::Value>>,
    retry_after: Option<i64>,
}

impl ApiError {
    fn new(code: ErrorResponseErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut details = BTreeMap::new();
        details.insert("field".to_owned(), serde_json::Value::from(field));
        ApiError {
            details: Some(details),
            ..Self::new(ErrorResponseErrorCode::InvalidArgument, message)
        }
    }

    fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            ErrorResponseErrorCode::NotFound,
            format!("{what} `{id}` does not exist"),
        )
    }

    fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorResponseErrorCode::Conflict, message)
    }

    fn body(self) -> ErrorResponse {
        ErrorResponse {
            error: ErrorResponseError {
                code: self.code,
                message: self.message,
                details: self.details,
                request_id: None,
            },
        }
    }
}

/// `impl From<ApiError> for Failure<XError>`: each error code to the operation's documented
/// variant; a code the operation does not document is a bug here, answered 500.
macro_rules! documented {
    ($($error:ident { $($code:ident => $variant:ident),* $(,)? })*) => {$(
        impl From<ApiError> for Failure<$error> {
            fn from(err: ApiError) -> Self {
                match err.code {
                    $(ErrorResponseErrorCode::$code => Failure::Api($error::$variant(err.body())),)*
                    _ => Failure::internal(format!(
                        "{} cannot answer `{}`: {}", stringify!($error), err.code, err.message
                    )),
                }
            }
        }
    )*};
}

documented! {
    ListWorkspacesError { Unauthenticated => Unauthorized }
    CreateWorkspaceError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized,
        PermissionDenied => Forbidden,
    }
    GetWorkspaceError { Unauthenticated => Unauthorized, NotFound => NotFound }
    UpdateWorkspaceError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized, NotFound => NotFound,
    }
    DeleteWorkspaceError {
        Unauthenticated => Unauthorized, NotFound => NotFound, Conflict => Conflict,
    }
    GetWorkspaceCatalogError { Unauthenticated => Unauthorized, NotFound => NotFound }
    ListModelsError { InvalidArgument => BadRequest, Unauthenticated => Unauthorized }
    ListSessionsError { InvalidArgument => BadRequest, Unauthenticated => Unauthorized }
    CreateSessionError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized,
        PermissionDenied => Forbidden, NotFound => NotFound,
    }
    GetSessionError { Unauthenticated => Unauthorized, NotFound => NotFound }
    DeleteSessionError {
        Unauthenticated => Unauthorized, NotFound => NotFound, Conflict => Conflict,
    }
    ListMessagesError { Unauthenticated => Unauthorized, NotFound => NotFound }
    GetSessionQueueError { Unauthenticated => Unauthorized, NotFound => NotFound }
    StreamSessionEventsError { Unauthenticated => Unauthorized, NotFound => NotFound }
    GetRunError { Unauthenticated => Unauthorized, NotFound => NotFound }
    CancelRunError { Unauthenticated => Unauthorized, NotFound => NotFound, Conflict => Conflict }
    GuideRunError { Unauthenticated => Unauthorized, NotFound => NotFound, Conflict => Conflict }
    TriggerActionError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized,
        PermissionDenied => Forbidden, NotFound => NotFound,
    }
    DownloadFileError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized, NotFound => NotFound,
    }
    UploadFileError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized, NotFound => NotFound,
        PayloadTooLarge => PayloadTooLarge,
    }
    ListFilesError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized, NotFound => NotFound,
    }
    RunCommandError {
        InvalidArgument => BadRequest, Unauthenticated => Unauthorized, NotFound => NotFound,
    }
    InvokeRuntimeModelError {
        InvalidArgument => BadRequest, NotFound => NotFound, Unavailable => ServiceUnavailable,
    }
}

/// send_message also documents `429` with a `Retry-After` header.
impl From<ApiError> for Failure<SendMessageError> {
    fn from(err: ApiError) -> Self {
        use ErrorResponseErrorCode as Code;
        let retry_after = err.retry_after;
        match err.code {
            Code::InvalidArgument => SendMessageError::BadRequest(err.body()).into(),
            Code::Unauthenticated => SendMessageError::Unauthorized(err.body()).into(),
            Code::NotFound => SendMessageError::NotFound(err.body()).into(),
            Code::RateLimited => SendMessageError::TooManyRequests {
                body: err.body(),
                retry_after,
            }
            .into(),
            _ => Failure::internal(format!("send_message cannot answer `{}`", err.code)),
        }
    }
}

fn require_member(caller: &Caller) -> Result<(), ApiError> {
    match caller.role {
        Role::Member => Ok(()),
        Role::Viewer => Err(ApiError::new(
            ErrorResponseErrorCode::PermissionDenied,
            format!("`{}` may only read", caller.id),
        )),
    }
}

// ------------------------------------------------------------------------------------------
// Pagination

/// `limit`: 1 to 200, default 50.
fn page_limit(limit: Option<i64>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(50),
        Some(n @ 1..=200) => Ok(usize::try_from(n).unwrap_or(50)),
        Some(n) => Err(ApiError::invalid(
            "limit",
            format!("limit must be between 1 and 200, not {n}"),
        )),
    }
}

/// `cursor`: `c<order>` of the last item of the previous page.
fn page_cursor(cursor: Option<&str>) -> Result<Option<u64>, ApiError> {
    cursor
        .map(|text| {
            text.strip_prefix('c')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| ApiError::invalid("cursor", format!("`{text}` is not a cursor")))
        })
        .transpose()
}

/// One page of `items` (sorted by their order key, ascending or descending): those beyond
/// the cursor's key, at most `limit`, and the cursor of the next page if there is one. Keys
/// rather than positions, so that an item deleted between two pages shifts nothing.
fn paginate<T>(
    items: Vec<(u64, T)>,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = page_limit(limit)?;
    let after = page_cursor(cursor)?;
    let descending = items
        .first()
        .zip(items.last())
        .is_some_and(|(a, b)| a.0 > b.0);
    let start = match after {
        None => 0,
        Some(after) => items
            .iter()
            .position(|(order, _)| {
                if descending {
                    *order < after
                } else {
                    *order > after
                }
            })
            .unwrap_or(items.len()),
    };
    let rest: Vec<_> = items.into_iter().skip(start).collect();
    let more = rest.len() > limit;
    let page: Vec<_> = rest.into_iter().take(limit).collect();
    let next = if more {
        page.last().map(|(order, _)| format!("c{order}"))
    } else {
        None
    };
    Ok((page.into_iter().map(|(_, item)| item).collect(), next))
}

/// For operations that document no `400`: a bad limit is clamped, a bad cursor gives an empty
/// last page.
fn paginate_leniently<T>(
    items: Vec<(u64, T)>,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> (Vec<T>, Option<String>) {
    let limit = limit.map(|n| n.clamp(1, 200));
    paginate(items, limit, cursor).unwrap_or((Vec::new(), None))
}

// ------------------------------------------------------------------------------------------
// Static data

struct ModelInfo {
    id: &'static str,
    provider: &'static str,
    display_name: &'static str,
    capabilities: &'static [ModelCapability],
    context_window: i64,
    loaded: bool,
}

const MODELS: &[ModelInfo] = &[
    ModelInfo {
        id: "echo-1",
        provider: "oagen",
        display_name: "Echo 1",
        capabilities: &[ModelCapability::Chat, ModelCapability::Tools],
        context_window: 8192,
        loaded: true,
    },
    ModelInfo {
        id: "gpt-4.1",
        provider: "openai",
        display_name: "GPT-4.1",
        capabilities: &[
            ModelCapability::Chat,
            ModelCapability::Tools,
            ModelCapability::Vision,
        ],
        context_window: 1_047_576,
        loaded: true,
    },
    ModelInfo {
        id: "o-reasoner",
        provider: "openai",
        display_name: "Reasoner",
        capabilities: &[
            ModelCapability::Chat,
            ModelCapability::Tools,
            ModelCapability::Reasoning,
        ],
        context_window: 200_000,
        loaded: false,
    },
    ModelInfo {
        id: "embed-small",
        provider: "oagen",
        display_name: "Small embeddings",
        capabilities: &[ModelCapability::Embedding],
        context_window: 8192,
        loaded: true,
    },
];

fn model(info: &ModelInfo) -> Model {
    Model {
        id: info.id.to_owned(),
        provider: info.provider.to_owned(),
        display_name: Some(Some(info.display_name.to_owned())),
        capabilities: info.capabilities.to_vec(),
        context_window: Some(Some(info.context_window)),
    }
}

fn find_model(id: &str) -> Option<&'static ModelInfo> {
    MODELS.iter().find(|m| m.id == id)
}

const AGENTS: &[(&str, &str, &str)] = &[
    (
        "generalist",
        "Generalist",
        "Answers anything (the default).",
    ),
    ("coder", "Coder", "Works in the sandbox."),
];

/// The catalog's actions: id, name, description, the input fields it requires.
const ACTIONS: &[(&str, &str, &str, &[&str])] = &[
    (
        "summarize",
        "Summarize",
        "Summarize a sandbox file.",
        &["path"],
    ),
    ("run_tests", "Run tests", "Run the test suite.", &[]),
    (
        "deploy",
        "Deploy",
        "Deploy the workspace (always fails here).",
        &[],
    ),
];

fn catalog_action(
    &(id, name, description, required): &(&str, &str, &str, &[&str]),
) -> CatalogAction {
    let properties: serde_json::Map<String, serde_json::Value> = required
        .iter()
        .map(|field| ((*field).to_owned(), serde_json::json!({"type": "string"})))
        .collect();
    let schema = serde_json::json!({
        "type": "object",
        "required": required,
        "properties": properties,
    });
    CatalogAction {
        id: id.to_owned(),
        name: name.to_owned(),
        description: Some(Some(description.to_owned())),
        input_schema: serde_json::from_value(schema).ok(),
    }
}

// ------------------------------------------------------------------------------------------
// State

#[derive(Debug, Default)]
struct State {
    /// Orders everything created, and makes ids unique.
    counter: u64,
    workspaces: HashMap<String, WorkspaceRecord>,
    sessions: HashMap<String, SessionRecord>,
    runs: HashMap<String, RunRecord>,
    sandboxes: HashMap<String, Sandbox>,
    /// `(operation, scope, key)` → the first answer.
    idempotent: HashMap<(&'static str, String, String), Remembered>,
}

#[derive(Debug, Clone)]
enum Remembered {
    Message(SendMessageAccepted),
    Action(Run),
}

#[derive(Debug)]
struct WorkspaceRecord {
    order: u64,
    workspace: Workspace,
}

#[derive(Debug)]
struct SessionRecord {
    order: u64,
    session: Session,
    messages: Vec<Message>,
    /// Queued run ids, next first.
    queue: VecDeque<String>,
    active: Option<String>,
    events: Vec<StreamEvent>,
    /// The number of events, for live followers; dropped with the session.
    events_len: watch::Sender<usize>,
}

impl SessionRecord {
    fn view(&self) -> Session {
        let mut session = self.session.clone();
        session.status = if self.active.is_some() {
            SessionStatus::Running
        } else {
            SessionStatus::Idle
        };
        session.active_run_id = Some(self.active.clone());
        session.queue_length = i64::try_from(self.queue.len()).unwrap_or(i64::MAX);
        session
    }

    /// Appends an event, built from its id, and wakes the followers.
    fn emit(&mut self, run_id: Option<&str>, build: impl FnOnce(EventBase) -> StreamEvent) {
        let base = EventBase {
            id: (self.events.len() + 1).to_string(),
            session_id: self.session.id.clone(),
            run_id: Some(run_id.map(str::to_owned)),
            created_at: Utc::now(),
        };
        self.events.push(build(base));
        self.events_len.send_replace(self.events.len());
    }

    fn emit_run_status(&mut self, run: &Run) {
        let status = run.status.clone();
        self.emit(Some(&run.id), |b| {
            StreamEvent::RunStatus(RunStatusEvent {
                id: b.id,
                session_id: b.session_id,
                run_id: b.run_id,
                created_at: b.created_at,
                r#type: RunStatusEventType::RunStatus,
                status,
            })
        });
    }

    fn emit_queue(&mut self) {
        let queue_length = i64::try_from(self.queue.len()).unwrap_or(i64::MAX);
        self.emit(None, |b| {
            StreamEvent::QueueUpdated(QueueUpdatedEvent {
                id: b.id,
                session_id: b.session_id,
                run_id: b.run_id,
                created_at: b.created_at,
                r#type: QueueUpdatedEventType::QueueUpdated,
                queue_length,
            })
        });
    }

    fn add_message(&mut self, message: Message) {
        let run_id = message.run_id.clone().flatten();
        self.messages.push(message.clone());
        self.emit(run_id.as_deref(), |b| {
            StreamEvent::MessageCreated(MessageCreatedEvent {
                id: b.id,
                session_id: b.session_id,
                run_id: b.run_id,
                created_at: b.created_at,
                r#type: MessageCreatedEventType::MessageCreated,
                message,
            })
        });
    }
}

/// The fields every stream event shares.
struct EventBase {
    id: String,
    session_id: String,
    run_id: Option<Option<String>>,
    created_at: DateTime<Utc>,
}

#[derive(Debug)]
struct RunRecord {
    run: Run,
    /// What the run still has to do, one step per tick.
    steps: VecDeque<Step>,
    /// The id the reply message will have (deltas refer to it before it exists).
    reply_id: String,
    reply: String,
    task: Option<tokio::task::AbortHandle>,
}

#[derive(Debug)]
enum Step {
    Call(ToolCallPart),
    Result(ToolResultPart),
    Fail(RunError),
    Word(String),
}

/// The words of a reply, each with its trailing space, so that they concatenate back.
fn words(text: &str) -> impl Iterator<Item = Step> + '_ {
    text.split_inclusive(' ').map(|w| Step::Word(w.to_owned()))
}

/// The fake model: echoes what it was told.
fn reply_to(text: &str) -> String {
    format!("Echo: {text}")
}

fn text_of(parts: &[ContentPart]) -> String {
    parts
        .iter()
        .filter_map(|part| match part {
            ContentPart::Text(text) => Some(text.text.clone()),
            ContentPart::File(file) => Some(format!("[file {}]", file.path)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn text_part(text: impl Into<String>) -> ContentPart {
    ContentPart::Text(TextPart {
        r#type: TextPartType::Text,
        text: text.into(),
    })
}

impl State {
    fn next_order(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn new_id(&mut self, prefix: &str) -> (u64, String) {
        let order = self.next_order();
        (order, format!("{prefix}_{order:04x}"))
    }

    fn session(&mut self, id: &str) -> Result<&mut SessionRecord, ApiError> {
        self.sessions
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("session", id))
    }

    fn sandbox(&mut self, id: &str) -> Result<&mut Sandbox, ApiError> {
        self.sandboxes
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("sandbox", id))
    }
}

/// A run to create: its trigger, the message that shows it, and the steps it will take.
struct NewRun {
    trigger: RunTrigger,
    action_id: Option<String>,
    model_id: String,
    role: MessageRole,
    content: Vec<ContentPart>,
    steps: Vec<Step>,
    behavior: RunningRunBehavior,
}

/// What creating a run led to.
struct Created {
    message: Message,
    run: Run,
    queue_position: Option<i64>,
}

impl Inner {
    /// Creates a run and its message in `session_id`, then starts it, queues it or interrupts
    /// the active run for it.
    fn create_run(
        self: &Arc<Self>,
        state: &mut State,
        session_id: &str,
        new: NewRun,
    ) -> Result<Created, ApiError> {
        let (_, run_id) = state.new_id("run");
        let (_, message_id) = state.new_id("msg");
        let (_, reply_id) = state.new_id("msg");
        let now = Utc::now();
        let session = state.session(session_id)?;
        let interrupting = new.behavior == RunningRunBehavior::Interrupt;
        // Only messages are capped: trigger_action documents no 429.
        let capped = new.trigger == RunTrigger::Message && !interrupting;
        if capped && session.active.is_some() && session.queue.len() >= self.config.max_queue {
            return Err(ApiError {
                retry_after: Some(self.config.retry_after),
                ..ApiError::new(
                    ErrorResponseErrorCode::RateLimited,
                    format!("the follow-up queue is full ({} runs)", session.queue.len()),
                )
            });
        }
        let message = Message {
            id: message_id.clone(),
            session_id: session_id.to_owned(),
            run_id: Some(Some(run_id.clone())),
            role: new.role,
            content: new.content,
            created_at: now,
        };
        session.add_message(message.clone());
        let run = Run {
            id: run_id.clone(),
            session_id: session_id.to_owned(),
            status: RunStatus::Queued,
            trigger: new.trigger,
            message_id: Some(Some(message_id)),
            action_id: Some(new.action_id),
            model_id: Some(Some(new.model_id)),
            error: Some(None),
            created_at: now,
            started_at: Some(None),
            finished_at: Some(None),
        };
        let active = session.active.clone();
        state.runs.insert(
            run_id.clone(),
            RunRecord {
                run,
                steps: new.steps.into(),
                reply_id,
                reply: String::new(),
                task: None,
            },
        );
        let queue_position = match active {
            None => {
                self.start_run(state, &run_id);
                None
            }
            Some(active) if interrupting => {
                self.finish_run(state, &active, RunStatus::Cancelled, None, false);
                self.start_run(state, &run_id);
                None
            }
            Some(_) => {
                let run = state.runs[&run_id].run.clone();
                let session = state.session(session_id)?;
                session.queue.push_back(run_id.clone());
                session.emit_run_status(&run);
                session.emit_queue();
                Some(i64::try_from(session.queue.len() - 1).unwrap_or(i64::MAX))
            }
        };
        Ok(Created {
            message,
            run: state.runs[&run_id].run.clone(),
            queue_position,
        })
    }

    /// Makes `run_id` the active run of its session and sets it going.
    fn start_run(self: &Arc<Self>, state: &mut State, run_id: &str) {
        let Some(record) = state.runs.get_mut(run_id) else {
            return;
        };
        record.run.status = RunStatus::Running;
        record.run.started_at = Some(Some(Utc::now()));
        let run = record.run.clone();
        let inner = Arc::clone(self);
        let id = run_id.to_owned();
        record.task = Some(tokio::spawn(inner.drive(id)).abort_handle());
        if let Some(session) = state.sessions.get_mut(&run.session_id) {
            session.active = Some(run.id.clone());
            session.emit_run_status(&run);
        }
    }

    /// The run's task: one step per tick until it is over.
    async fn drive(self: Arc<Self>, run_id: String) {
        loop {
            tokio::time::sleep(self.config.step).await;
            let mut state = self.lock();
            if !self.step(&mut state, &run_id) {
                break;
            }
        }
    }

    /// Takes one step of a running run; `false` once it is over.
    fn step(self: &Arc<Self>, state: &mut State, run_id: &str) -> bool {
        let Some(record) = state.runs.get_mut(run_id) else {
            return false;
        };
        if record.run.status != RunStatus::Running {
            return false;
        }
        let step = record.steps.pop_front();
        let (session_id, reply_id) = (record.run.session_id.clone(), record.reply_id.clone());
        if let Some(Step::Word(word)) = &step {
            record.reply.push_str(word);
        }
        let reply = record.reply.clone();
        let Some(session) = state.sessions.get_mut(&session_id) else {
            return false;
        };
        let now = Utc::now();
        match step {
            Some(Step::Word(delta)) => session.emit(Some(run_id), |b| {
                StreamEvent::MessageDelta(MessageDeltaEvent {
                    id: b.id,
                    session_id: b.session_id,
                    run_id: b.run_id,
                    created_at: b.created_at,
                    r#type: MessageDeltaEventType::MessageDelta,
                    message_id: reply_id,
                    delta,
                })
            }),
            Some(Step::Call(call)) => {
                session.add_message(Message {
                    id: format!("{reply_id}_call"),
                    session_id: session_id.clone(),
                    run_id: Some(Some(run_id.to_owned())),
                    role: MessageRole::Assistant,
                    content: vec![ContentPart::ToolCall(call.clone())],
                    created_at: now,
                });
                session.emit(Some(run_id), |b| {
                    StreamEvent::ToolCall(ToolCallEvent {
                        id: b.id,
                        session_id: b.session_id,
                        run_id: b.run_id,
                        created_at: b.created_at,
                        r#type: ToolCallEventType::ToolCall,
                        call,
                    })
                });
            }
            Some(Step::Result(result)) => {
                session.add_message(Message {
                    id: format!("{reply_id}_result"),
                    session_id: session_id.clone(),
                    run_id: Some(Some(run_id.to_owned())),
                    role: MessageRole::Tool,
                    content: vec![ContentPart::ToolResult(result.clone())],
                    created_at: now,
                });
                session.emit(Some(run_id), |b| {
                    StreamEvent::ToolResult(ToolResultEvent {
                        id: b.id,
                        session_id: b.session_id,
                        run_id: b.run_id,
                        created_at: b.created_at,
                        r#type: ToolResultEventType::ToolResult,
                        result,
                    })
                });
            }
            Some(Step::Fail(error)) => {
                self.finish_run(state, run_id, RunStatus::Failed, Some(error), true);
                return false;
            }
            None => {
                session.add_message(Message {
                    id: reply_id,
                    session_id,
                    run_id: Some(Some(run_id.to_owned())),
                    role: MessageRole::Assistant,
                    content: vec![text_part(reply)],
                    created_at: now,
                });
                self.finish_run(state, run_id, RunStatus::Completed, None, true);
                return false;
            }
        }
        true
    }

    /// Ends a run (active or queued) with `status`; if it was the active one and `then_next`,
    /// the next queued run starts.
    fn finish_run(
        self: &Arc<Self>,
        state: &mut State,
        run_id: &str,
        status: RunStatus,
        error: Option<RunError>,
        then_next: bool,
    ) {
        let Some(record) = state.runs.get_mut(run_id) else {
            return;
        };
        record.run.status = status;
        record.run.error = Some(error);
        record.run.finished_at = Some(Some(Utc::now()));
        if let Some(task) = record.task.take() {
            task.abort();
        }
        let run = record.run.clone();
        let Some(session) = state.sessions.get_mut(&run.session_id) else {
            return;
        };
        session.emit_run_status(&run);
        if let Some(position) = session.queue.iter().position(|id| *id == run.id) {
            session.queue.remove(position);
            session.emit_queue();
        }
        if session.active.as_deref() == Some(run_id) {
            session.active = None;
            if then_next {
                self.start_next(state, &run.session_id);
            }
        }
    }

    fn start_next(self: &Arc<Self>, state: &mut State, session_id: &str) {
        let Some(session) = state.sessions.get_mut(session_id) else {
            return;
        };
        if let Some(next) = session.queue.pop_front() {
            session.emit_queue();
            self.start_run(state, &next);
        }
    }

    fn provision(self: &Arc<Self>, workspace_id: String) {
        let inner = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(inner.config.provisioning).await;
            let mut state = inner.lock();
            if let Some(record) = state.workspaces.get_mut(&workspace_id) {
                if record.workspace.status == WorkspaceStatus::Provisioning {
                    record.workspace.status = WorkspaceStatus::Ready;
                    record.workspace.updated_at = Utc::now();
                }
            }
        });
    }
}

// ------------------------------------------------------------------------------------------
// Sandboxes

/// One sandbox's files, by absolute path (`/workspace/...`). Directories are implied by the
/// files under them; `/workspace` always exists.
#[derive(Debug, Default)]
struct Sandbox {
    files: BTreeMap<String, SandboxFile>,
}

#[derive(Debug, Clone)]
struct SandboxFile {
    data: rt::Bytes,
    modified_at: DateTime<Utc>,
}

/// `path` made absolute (relative to `cwd`) and normalised; it must stay under `/workspace`.
fn resolve(cwd: &str, path: &str, field: &str) -> Result<String, ApiError> {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let normal = format!("/{}", parts.join("/"));
    if normal == ROOT || normal.starts_with(&format!("{ROOT}/")) {
        Ok(normal)
    } else {
        Err(ApiError::invalid(
            field,
            format!("`{path}` is not under {ROOT}"),
        ))
    }
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

impl Sandbox {
    fn is_dir(&self, path: &str) -> bool {
        path == ROOT || {
            let prefix = format!("{path}/");
            self.files.keys().any(|f| f.starts_with(&prefix))
        }
    }

    /// The entries directly inside `dir`, with children down to `depth` levels.
    fn entries(&self, dir: &str, depth: i64) -> Vec<FileEntry> {
        let prefix = format!("{dir}/");
        let mut names: BTreeSet<(String, bool)> = BTreeSet::new();
        for path in self.files.keys() {
            if let Some(rest) = path.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((dir_name, _)) => names.insert((dir_name.to_owned(), true)),
                    None => names.insert((rest.to_owned(), false)),
                };
            }
        }
        names
            .into_iter()
            .map(|(name, is_dir)| {
                let path = format!("{prefix}{name}");
                if is_dir {
                    FileEntry {
                        name,
                        r#type: FileEntryType::Dir,
                        size: None,
                        modified_at: None,
                        children: (depth > 1).then(|| self.entries(&path, depth - 1)),
                        path,
                    }
                } else {
                    self.file_entry(&path)
                }
            })
            .collect()
    }

    fn file_entry(&self, path: &str) -> FileEntry {
        let file = self.files.get(path);
        FileEntry {
            name: file_name(path),
            path: path.to_owned(),
            r#type: FileEntryType::File,
            size: file.map(|f| i64::try_from(f.data.len()).unwrap_or(i64::MAX)),
            modified_at: file.map(|f| f.modified_at),
            children: None,
        }
    }

    /// Runs one of the builtins the fake shell knows.
    fn run(&mut self, request: &RunCommandRequest) -> Result<CommandResult, ApiError> {
        let cwd = resolve(ROOT, &request.cwd, "cwd")?;
        if !self.is_dir(&cwd) {
            return Err(ApiError::invalid(
                "cwd",
                format!("`{cwd}` is not a directory"),
            ));
        }
        if request.timeout_ms < 1 {
            return Err(ApiError::invalid(
                "timeoutMs",
                "timeoutMs must be at least 1",
            ));
        }
        let args = request.args.clone().unwrap_or_default();
        let stdin = request.stdin.clone().flatten().unwrap_or_default();
        let mut out = CommandResult {
            exit_code: Some(0),
            stdout: String::new(),
            stderr: String::new(),
            duration_ms: 1,
            timed_out: false,
        };
        match request.cmd.as_str() {
            "" => return Err(ApiError::invalid("cmd", "cmd must not be empty")),
            "true" => {}
            "false" => out.exit_code = Some(1),
            "echo" => out.stdout = format!("{}\n", args.join(" ")),
            "pwd" => out.stdout = format!("{cwd}\n"),
            "env" => {
                for (name, value) in request.env.iter().flatten() {
                    out.stdout.push_str(&format!("{name}={value}\n"));
                }
            }
            "cat" if args.is_empty() => out.stdout = stdin,
            "cat" => {
                for arg in &args {
                    match resolve(&cwd, arg, "args")
                        .ok()
                        .and_then(|path| self.files.get(&path))
                    {
                        Some(file) => out.stdout.push_str(&String::from_utf8_lossy(&file.data)),
                        None => {
                            out.stderr
                                .push_str(&format!("cat: {arg}: No such file or directory\n"));
                            out.exit_code = Some(1);
                        }
                    }
                }
            }
            "tee" => {
                for arg in &args {
                    let path = resolve(&cwd, arg, "args")?;
                    self.files.insert(
                        path,
                        SandboxFile {
                            data: rt::Bytes::from(stdin.clone()),
                            modified_at: Utc::now(),
                        },
                    );
                }
                out.stdout = stdin;
            }
            "ls" => {
                let dir = match args.first() {
                    Some(arg) => resolve(&cwd, arg, "args")?,
                    None => cwd.clone(),
                };
                if self.is_dir(&dir) {
                    for entry in self.entries(&dir, 1) {
                        out.stdout.push_str(&entry.name);
                        out.stdout.push('\n');
                    }
                } else {
                    out.stderr = format!("ls: {dir}: No such file or directory\n");
                    out.exit_code = Some(2);
                }
            }
            "sleep" => {
                let seconds: f64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(0.0);
                // The clock is fake: the command "takes" its time without sleeping.
                let wanted = (seconds * 1000.0) as i64;
                if wanted > request.timeout_ms {
                    out.exit_code = None;
                    out.timed_out = true;
                    out.duration_ms = request.timeout_ms;
                } else {
                    out.duration_ms = wanted.max(1);
                }
            }
            other => {
                out.stderr = format!("{other}: command not found\n");
                out.exit_code = Some(127);
            }
        }
        Ok(out)
    }
}

// ------------------------------------------------------------------------------------------
// The live event stream

/// The session's events after the `after`-th, then every new one, until the session goes.
fn follow(
    inner: Arc<Inner>,
    session_id: String,
    after: usize,
    changes: watch::Receiver<usize>,
) -> impl Stream<Item = rt::sse::Event<StreamEvent>> + Send + 'static {
    let start = (inner, session_id, after, changes, VecDeque::new());
    futures::stream::unfold(
        start,
        |(inner, session_id, mut sent, mut changes, mut ready)| async move {
            loop {
                if let Some(event) = ready.pop_front() {
                    return Some((event, (inner, session_id, sent, changes, ready)));
                }
                {
                    let state = inner.lock();
                    let session = state.sessions.get(&session_id)?;
                    // Marked seen under the lock that guards the log, so no wake-up is lost.
                    changes.borrow_and_update();
                    if session.events.len() > sent {
                        ready.extend(session.events[sent..].iter().map(|event| {
                            let id = event_id(event).to_owned();
                            rt::sse::Event::new(event.clone()).with_id(id)
                        }));
                        sent = session.events.len();
                        continue;
                    }
                }
                changes.changed().await.ok()?;
            }
        },
    )
}

fn event_id(event: &StreamEvent) -> &str {
    match event {
        StreamEvent::RunStatus(e) => &e.id,
        StreamEvent::MessageCreated(e) => &e.id,
        StreamEvent::MessageDelta(e) => &e.id,
        StreamEvent::ToolCall(e) => &e.id,
        StreamEvent::ToolResult(e) => &e.id,
        StreamEvent::QueueUpdated(e) => &e.id,
        StreamEvent::Unknown(_) => "",
    }
}

// ------------------------------------------------------------------------------------------
// The operations

impl agent_runtime::server::Api for AgentRuntime {
    /// Refusals in the spec's own format: `invalid_argument` (400, naming the parameter or
    /// field), `unauthenticated` (401) or `payload_too_large` (413), so that clients decode them
    /// as the documented errors.
    fn reject(&self, operation: &'static str, problem: rt::server::Problem) -> Response {
        let _ = operation;
        let message = problem.detail().unwrap_or(problem.title()).to_owned();
        let (status, err) = match problem.status().as_u16() {
            401 => (
                401,
                ApiError::new(ErrorResponseErrorCode::Unauthenticated, message),
            ),
            413 => (
                413,
                ApiError::new(ErrorResponseErrorCode::PayloadTooLarge, message),
            ),
            _ => {
                let field = problem.culprit().unwrap_or_default();
                (400, ApiError::invalid(field, message))
            }
        };
        rt::server::json_response(rt::server::status(status), &err.body())
    }

    async fn list_workspaces(
        &self,
        request: ListWorkspacesRequest,
    ) -> Result<ListWorkspacesOk, Failure<ListWorkspacesError>> {
        self.inner.caller(&request.credentials)?;
        let state = self.inner.lock();
        let mut items: Vec<_> = state
            .workspaces
            .values()
            .map(|r| (r.order, r.workspace.clone()))
            .collect();
        items.sort_by_key(|(order, _)| *order);
        let (data, next_cursor) =
            paginate_leniently(items, request.limit, request.cursor.as_deref());
        Ok(ListWorkspacesOk::Ok(WorkspaceList { data, next_cursor }))
    }

    async fn create_workspace(
        &self,
        request: CreateWorkspaceRequest2,
    ) -> Result<CreateWorkspaceOk, Failure<CreateWorkspaceError>> {
        require_member(&self.inner.caller(&request.credentials)?)?;
        let body = request.body;
        if body.name.trim().is_empty() {
            return Err(ApiError::invalid("name", "name must not be blank").into());
        }
        let mut state = self.inner.lock();
        let (order, id) = state.new_id("ws");
        let sandbox_id = format!("sbx_{}", &id[3..]);
        let now = Utc::now();
        let workspace = Workspace {
            id: id.clone(),
            name: body.name,
            description: body.description,
            status: WorkspaceStatus::Provisioning,
            sandbox_id: sandbox_id.clone(),
            metadata: body.metadata,
            created_at: now,
            updated_at: now,
        };
        state.workspaces.insert(
            id.clone(),
            WorkspaceRecord {
                order,
                workspace: workspace.clone(),
            },
        );
        state.sandboxes.insert(sandbox_id, Sandbox::default());
        self.inner.provision(id);
        Ok(CreateWorkspaceOk::Created(workspace))
    }

    async fn get_workspace(
        &self,
        request: GetWorkspaceRequest,
    ) -> Result<GetWorkspaceOk, Failure<GetWorkspaceError>> {
        self.inner.caller(&request.credentials)?;
        let state = self.inner.lock();
        let record = state
            .workspaces
            .get(&request.workspace_id)
            .ok_or_else(|| ApiError::not_found("workspace", &request.workspace_id))?;
        Ok(GetWorkspaceOk::Ok(record.workspace.clone()))
    }

    async fn delete_workspace(
        &self,
        request: DeleteWorkspaceRequest,
    ) -> Result<DeleteWorkspaceOk, Failure<DeleteWorkspaceError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let id = &request.workspace_id;
        let record = state
            .workspaces
            .get(id)
            .ok_or_else(|| ApiError::not_found("workspace", id))?;
        let sandbox_id = record.workspace.sandbox_id.clone();
        let sessions: Vec<String> = state
            .sessions
            .values()
            .filter(|s| s.session.workspace_id == *id)
            .map(|s| s.session.id.clone())
            .collect();
        if let Some(busy) = sessions
            .iter()
            .find(|s| state.sessions[*s].active.is_some())
        {
            return Err(ApiError::conflict(format!("session `{busy}` has an active run")).into());
        }
        for session in &sessions {
            state.sessions.remove(session);
        }
        state
            .runs
            .retain(|_, run| !sessions.contains(&run.run.session_id));
        state.sandboxes.remove(&sandbox_id);
        state.workspaces.remove(id);
        Ok(DeleteWorkspaceOk::NoContent)
    }

    async fn update_workspace(
        &self,
        request: UpdateWorkspaceRequest2,
    ) -> Result<UpdateWorkspaceOk, Failure<UpdateWorkspaceError>> {
        self.inner.caller(&request.credentials)?;
        let body = request.body;
        if body == UpdateWorkspaceRequest::default() {
            return Err(ApiError::invalid("body", "nothing to update").into());
        }
        if body.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(ApiError::invalid("name", "name must not be blank").into());
        }
        let mut state = self.inner.lock();
        let record = state
            .workspaces
            .get_mut(&request.workspace_id)
            .ok_or_else(|| ApiError::not_found("workspace", &request.workspace_id))?;
        let workspace = &mut record.workspace;
        if let Some(name) = body.name {
            workspace.name = name;
        }
        if let Some(description) = body.description {
            workspace.description = Some(description);
        }
        if let Some(metadata) = body.metadata {
            workspace.metadata = Some(metadata);
        }
        workspace.updated_at = Utc::now();
        Ok(UpdateWorkspaceOk::Ok(workspace.clone()))
    }

    async fn get_workspace_catalog(
        &self,
        request: GetWorkspaceCatalogRequest,
    ) -> Result<GetWorkspaceCatalogOk, Failure<GetWorkspaceCatalogError>> {
        self.inner.caller(&request.credentials)?;
        let state = self.inner.lock();
        if !state.workspaces.contains_key(&request.workspace_id) {
            return Err(ApiError::not_found("workspace", &request.workspace_id).into());
        }
        Ok(GetWorkspaceCatalogOk::Ok(WorkspaceCatalog {
            agents: AGENTS
                .iter()
                .map(|(id, name, description)| WorkspaceCatalogAgentsItem {
                    id: (*id).to_owned(),
                    name: (*name).to_owned(),
                    description: Some(Some((*description).to_owned())),
                })
                .collect(),
            actions: ACTIONS.iter().map(catalog_action).collect(),
            models: MODELS.iter().map(model).collect(),
        }))
    }

    async fn list_models(
        &self,
        request: ListModelsRequest,
    ) -> Result<ListModelsOk, Failure<ListModelsError>> {
        self.inner.caller(&request.credentials)?;
        if let Some(workspace) = &request.workspace_id {
            if !self.inner.lock().workspaces.contains_key(workspace) {
                return Err(ApiError::invalid(
                    "workspaceId",
                    format!("workspace `{workspace}` does not exist"),
                )
                .into());
            }
        }
        let wanted = request.capability.unwrap_or_default();
        if let Some(unknown) = wanted
            .iter()
            .find(|c| matches!(c, ModelCapability::Unknown(_)))
        {
            return Err(ApiError::invalid(
                "capability",
                format!("`{unknown}` is not a capability"),
            )
            .into());
        }
        let data = MODELS
            .iter()
            .filter(|m| wanted.iter().all(|c| m.capabilities.contains(c)))
            .map(model)
            .collect();
        Ok(ListModelsOk::Ok(ModelList { data }))
    }

    async fn list_sessions(
        &self,
        request: ListSessionsRequest,
    ) -> Result<ListSessionsOk, Failure<ListSessionsError>> {
        self.inner.caller(&request.credentials)?;
        let filter = request.filter.unwrap_or_default();
        if let Some(SessionStatus::Unknown(status)) = &filter.status {
            return Err(ApiError::invalid(
                "filter[status]",
                format!("`{status}` is not a session status"),
            )
            .into());
        }
        let state = self.inner.lock();
        let mut items: Vec<_> = state
            .sessions
            .values()
            .map(|record| (record.order, record.view()))
            .filter(|(_, s)| {
                filter
                    .workspace_id
                    .as_ref()
                    .is_none_or(|w| s.workspace_id == *w)
                    && filter.status.as_ref().is_none_or(|st| s.status == *st)
                    && filter.created_after.is_none_or(|t| s.created_at > t)
            })
            .collect();
        // Newest first.
        items.sort_by_key(|(order, _)| std::cmp::Reverse(*order));
        let (data, next_cursor) = paginate(items, request.limit, request.cursor.as_deref())?;
        Ok(ListSessionsOk::Ok(SessionList { data, next_cursor }))
    }

    async fn create_session(
        &self,
        request: CreateSessionRequest2,
    ) -> Result<CreateSessionOk, Failure<CreateSessionError>> {
        require_member(&self.inner.caller(&request.credentials)?)?;
        let body = request.body;
        let mut state = self.inner.lock();
        if !state.workspaces.contains_key(&body.workspace_id) {
            return Err(ApiError::not_found("workspace", &body.workspace_id).into());
        }
        if let Some(Some(agent)) = &body.agent_id {
            if !AGENTS.iter().any(|(id, ..)| id == agent) {
                return Err(ApiError::invalid(
                    "agentId",
                    format!("agent `{agent}` is not in the workspace catalog"),
                )
                .into());
            }
        }
        let (order, id) = state.new_id("ses");
        let now = Utc::now();
        let session = Session {
            id: id.clone(),
            workspace_id: body.workspace_id,
            agent_id: Some(body.agent_id.flatten()),
            title: Some(body.title.flatten()),
            status: SessionStatus::Idle,
            active_run_id: Some(None),
            queue_length: 0,
            metadata: body.metadata,
            created_at: now,
            updated_at: now,
        };
        let record = SessionRecord {
            order,
            session,
            messages: Vec::new(),
            queue: VecDeque::new(),
            active: None,
            events: Vec::new(),
            events_len: watch::Sender::new(0),
        };
        let view = record.view();
        state.sessions.insert(id, record);
        Ok(CreateSessionOk::Created(view))
    }

    async fn get_session(
        &self,
        request: GetSessionRequest,
    ) -> Result<GetSessionOk, Failure<GetSessionError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        Ok(GetSessionOk::Ok(state.session(&request.session_id)?.view()))
    }

    async fn delete_session(
        &self,
        request: DeleteSessionRequest,
    ) -> Result<DeleteSessionOk, Failure<DeleteSessionError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let session = state.session(&request.session_id)?;
        if let Some(active) = &session.active {
            return Err(ApiError::conflict(format!("run `{active}` is active")).into());
        }
        state.sessions.remove(&request.session_id);
        state
            .runs
            .retain(|_, run| run.run.session_id != request.session_id);
        Ok(DeleteSessionOk::NoContent)
    }

    async fn list_messages(
        &self,
        request: ListMessagesRequest,
    ) -> Result<ListMessagesOk, Failure<ListMessagesError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let session = state.session(&request.session_id)?;
        let items = session
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| (i as u64, m.clone()))
            .collect();
        let (data, next_cursor) =
            paginate_leniently(items, request.limit, request.cursor.as_deref());
        Ok(ListMessagesOk::Ok(MessageList { data, next_cursor }))
    }

    async fn send_message(
        &self,
        request: SendMessageRequest2,
    ) -> Result<SendMessageOk, Failure<SendMessageError>> {
        self.inner.caller(&request.credentials)?;
        let body = request.body;
        let content = match body.content {
            SendMessageRequestContent::String(text) => vec![text_part(text)],
            SendMessageRequestContent::Array(parts) => parts,
        };
        if content.is_empty() {
            return Err(ApiError::invalid("content", "content must not be empty").into());
        }
        let model_id = body.model_id.flatten().unwrap_or(DEFAULT_MODEL.to_owned());
        if find_model(&model_id).is_none() {
            return Err(
                ApiError::invalid("modelId", format!("model `{model_id}` does not exist")).into(),
            );
        }
        let mut state = self.inner.lock();
        state.session(&request.session_id)?;
        let remembered = request
            .idempotency_key
            .clone()
            .map(|key| ("send_message", request.session_id.clone(), key));
        if let Some(Remembered::Message(first)) = remembered
            .as_ref()
            .and_then(|key| state.idempotent.get(key))
        {
            return Ok(SendMessageOk::Accepted(first.clone()));
        }
        let steps = words(&reply_to(&text_of(&content))).collect();
        let created = self.inner.create_run(
            &mut state,
            &request.session_id,
            NewRun {
                trigger: RunTrigger::Message,
                action_id: None,
                model_id,
                role: MessageRole::User,
                content,
                steps,
                behavior: body
                    .running_run_behavior
                    .unwrap_or(RunningRunBehavior::Queue),
            },
        )?;
        let accepted = SendMessageAccepted {
            message: created.message,
            run: created.run,
            queue_position: Some(created.queue_position),
        };
        if let Some(key) = remembered {
            state
                .idempotent
                .insert(key, Remembered::Message(accepted.clone()));
        }
        Ok(SendMessageOk::Accepted(accepted))
    }

    async fn get_session_queue(
        &self,
        request: GetSessionQueueRequest,
    ) -> Result<GetSessionQueueOk, Failure<GetSessionQueueError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let session = state.session(&request.session_id)?;
        let (queue, active) = (session.queue.clone(), session.active.clone());
        let items = queue
            .iter()
            .enumerate()
            .filter_map(|(position, run_id)| {
                let run = &state.runs.get(run_id)?.run;
                let message_id = run.message_id.clone().flatten()?;
                let message = state.sessions[&request.session_id]
                    .messages
                    .iter()
                    .find(|m| m.id == message_id)?
                    .clone();
                Some(QueuedMessage {
                    run_id: run_id.clone(),
                    message,
                    position: i64::try_from(position).unwrap_or(i64::MAX),
                })
            })
            .collect();
        Ok(GetSessionQueueOk::Ok(SessionQueue {
            session_id: request.session_id,
            active_run_id: Some(active),
            items,
        }))
    }

    async fn stream_session_events(
        &self,
        request: StreamSessionEventsRequest,
    ) -> Result<StreamSessionEventsOk, Failure<StreamSessionEventsError>> {
        self.inner.caller(&request.credentials)?;
        let changes = {
            let mut state = self.inner.lock();
            state.session(&request.session_id)?.events_len.subscribe()
        };
        // Event ids are the 1-based positions in the log: resuming after `n` skips `n` events.
        let after = request
            .last_event_id
            .as_deref()
            .and_then(|id| id.parse::<usize>().ok())
            .unwrap_or(0);
        let events = follow(Arc::clone(&self.inner), request.session_id, after, changes);
        Ok(StreamSessionEventsOk::Ok(rt::sse::Events::from_events(
            events,
        )))
    }

    async fn get_run(&self, request: GetRunRequest) -> Result<GetRunOk, Failure<GetRunError>> {
        self.inner.caller(&request.credentials)?;
        let state = self.inner.lock();
        let record = state
            .runs
            .get(&request.run_id)
            .ok_or_else(|| ApiError::not_found("run", &request.run_id))?;
        Ok(GetRunOk::Ok(record.run.clone()))
    }

    async fn cancel_run(
        &self,
        request: CancelRunRequest,
    ) -> Result<CancelRunOk, Failure<CancelRunError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let record = state
            .runs
            .get(&request.run_id)
            .ok_or_else(|| ApiError::not_found("run", &request.run_id))?;
        if !matches!(record.run.status, RunStatus::Queued | RunStatus::Running) {
            return Err(ApiError::conflict(format!(
                "run `{}` is already {}",
                request.run_id, record.run.status
            ))
            .into());
        }
        self.inner.finish_run(
            &mut state,
            &request.run_id,
            RunStatus::Cancelled,
            None,
            true,
        );
        Ok(CancelRunOk::Ok(state.runs[&request.run_id].run.clone()))
    }

    async fn guide_run(
        &self,
        request: GuideRunRequest,
    ) -> Result<GuideRunOk, Failure<GuideRunError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let record = state
            .runs
            .get(&request.run_id)
            .ok_or_else(|| ApiError::not_found("run", &request.run_id))?;
        if record.run.status != RunStatus::Queued {
            return Err(ApiError::conflict(format!(
                "only a queued run can be guided; `{}` is {}",
                request.run_id, record.run.status
            ))
            .into());
        }
        let session_id = record.run.session_id.clone();
        let message_id = record.run.message_id.clone().flatten();
        let session = state.session(&session_id)?;
        let Some(active) = session.active.clone() else {
            return Err(ApiError::conflict("the session has no active run to guide").into());
        };
        // The queued message is handed to the active run: it now belongs to it, and the
        // active run answers it before finishing.
        let mut guidance = String::new();
        if let Some(message) = session
            .messages
            .iter_mut()
            .find(|m| Some(&m.id) == message_id.as_ref())
        {
            message.run_id = Some(Some(active.clone()));
            guidance = text_of(&message.content);
        }
        if let Some(active) = state.runs.get_mut(&active) {
            let extra = format!(" (guided: {guidance})");
            active.steps.extend(words(&extra));
        }
        self.inner
            .finish_run(&mut state, &request.run_id, RunStatus::Guided, None, false);
        Ok(GuideRunOk::Ok(state.runs[&request.run_id].run.clone()))
    }

    async fn trigger_action(
        &self,
        request: TriggerActionRequest2,
    ) -> Result<TriggerActionOk, Failure<TriggerActionError>> {
        require_member(&self.inner.caller(&request.credentials)?)?;
        let body = request.body;
        let Some(action) = ACTIONS.iter().find(|(id, ..)| *id == request.action_id) else {
            return Err(ApiError::not_found("action", &request.action_id).into());
        };
        let input = body.input.unwrap_or_default();
        if let Some(missing) = action.3.iter().find(|field| !input.contains_key(**field)) {
            return Err(ApiError::invalid(
                &format!("input.{missing}"),
                format!("action `{}` needs `{missing}`", action.0),
            )
            .into());
        }
        let mut state = self.inner.lock();
        state.session(&body.session_id)?;
        let remembered = request
            .idempotency_key
            .clone()
            .map(|key| ("trigger_action", request.action_id.clone(), key));
        if let Some(Remembered::Action(first)) = remembered
            .as_ref()
            .and_then(|key| state.idempotent.get(key))
        {
            return Ok(TriggerActionOk::Accepted(first.clone()));
        }
        let call_id = format!("call_{}", state.next_order());
        let input_text = serde_json::to_string(&input).unwrap_or_default();
        let mut steps = vec![Step::Call(ToolCallPart {
            r#type: ToolCallPartType::ToolCall,
            call_id: call_id.clone(),
            name: action.0.to_owned(),
            arguments: input,
        })];
        if action.0 == "deploy" {
            steps.push(Step::Fail(RunError {
                code: "action_failed".to_owned(),
                message: "deploy: the target refused the release".to_owned(),
            }));
        } else {
            let output = format!("{} done", action.1);
            steps.push(Step::Result(ToolResultPart {
                r#type: ToolResultPartType::ToolResult,
                call_id,
                output: output.clone(),
                is_error: false,
            }));
            steps.extend(words(&output));
        }
        let created = self.inner.create_run(
            &mut state,
            &body.session_id,
            NewRun {
                trigger: RunTrigger::Action,
                action_id: Some(action.0.to_owned()),
                model_id: DEFAULT_MODEL.to_owned(),
                role: MessageRole::System,
                content: vec![text_part(format!("action {} {input_text}", action.0))],
                steps,
                behavior: RunningRunBehavior::Queue,
            },
        );
        let run = created?.run;
        if let Some(key) = remembered {
            state
                .idempotent
                .insert(key, Remembered::Action(run.clone()));
        }
        Ok(TriggerActionOk::Accepted(run))
    }

    async fn download_file(
        &self,
        request: DownloadFileRequest,
    ) -> Result<DownloadFileOk, Failure<DownloadFileError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let sandbox = state.sandbox(&request.sandbox_id)?;
        let path = resolve(ROOT, &request.path, "path")?;
        let Some(file) = sandbox.files.get(&path) else {
            if sandbox.is_dir(&path) {
                return Err(ApiError::invalid("path", format!("`{path}` is a directory")).into());
            }
            return Err(ApiError::not_found("file", &path).into());
        };
        // Served in chunks, as a real sandbox streams a file from disk.
        let data = file.data.clone();
        let chunks: Vec<Result<rt::Bytes, std::io::Error>> = (0..data.len())
            .step_by(CHUNK)
            .map(|start| Ok(data.slice(start..(start + CHUNK).min(data.len()))))
            .collect();
        Ok(DownloadFileOk::Ok(rt::ByteStream::new(
            futures::stream::iter(chunks),
        )))
    }

    async fn upload_file(
        &self,
        request: UploadFileRequest,
    ) -> Result<UploadFileOk, Failure<UploadFileError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let sandbox = state.sandbox(&request.sandbox_id)?;
        let Some(path) = request.path.as_deref() else {
            return Err(ApiError::invalid("path", "a raw upload needs `path`").into());
        };
        let path = resolve(ROOT, path, "path")?;
        if sandbox.is_dir(&path) {
            return Err(ApiError::invalid("path", format!("`{path}` is a directory")).into());
        }
        let limit = self.inner.config.max_file_bytes;
        if request.body.len() > limit {
            return Err(ApiError::new(
                ErrorResponseErrorCode::PayloadTooLarge,
                format!(
                    "{} bytes is more than the {limit} a file may hold",
                    request.body.len()
                ),
            )
            .into());
        }
        sandbox.files.insert(
            path.clone(),
            SandboxFile {
                data: request.body,
                modified_at: Utc::now(),
            },
        );
        Ok(UploadFileOk::Created(sandbox.file_entry(&path)))
    }

    async fn list_files(
        &self,
        request: ListFilesRequest,
    ) -> Result<ListFilesOk, Failure<ListFilesError>> {
        self.inner.caller(&request.credentials)?;
        let depth = request.depth.unwrap_or(1);
        if !(1..=10).contains(&depth) {
            return Err(ApiError::invalid("depth", "depth must be between 1 and 10").into());
        }
        let mut state = self.inner.lock();
        let sandbox = state.sandbox(&request.sandbox_id)?;
        let path = resolve(ROOT, request.path.as_deref().unwrap_or(ROOT), "path")?;
        if !sandbox.is_dir(&path) {
            if sandbox.files.contains_key(&path) {
                return Err(ApiError::invalid("path", format!("`{path}` is a file")).into());
            }
            return Err(ApiError::not_found("directory", &path).into());
        }
        Ok(ListFilesOk::Ok(FileListing {
            entries: sandbox.entries(&path, depth),
            path,
        }))
    }

    async fn run_command(
        &self,
        request: RunCommandRequest2,
    ) -> Result<RunCommandOk, Failure<RunCommandError>> {
        self.inner.caller(&request.credentials)?;
        let mut state = self.inner.lock();
        let sandbox = state.sandbox(&request.sandbox_id)?;
        Ok(RunCommandOk::Ok(sandbox.run(&request.body)?))
    }

    async fn list_runtime_models(
        &self,
        _request: ListRuntimeModelsRequest,
    ) -> Result<ListRuntimeModelsOk, Failure<ListRuntimeModelsError>> {
        let data = MODELS
            .iter()
            .map(|m| RuntimeModelListDataItem {
                id: m.id.to_owned(),
                provider: m.provider.to_owned(),
                loaded: m.loaded,
            })
            .collect();
        Ok(ListRuntimeModelsOk::Ok(RuntimeModelList { data }))
    }

    async fn invoke_runtime_model(
        &self,
        request: InvokeRuntimeModelRequest,
    ) -> Result<InvokeRuntimeModelOk, Failure<InvokeRuntimeModelError>> {
        let body = request.body;
        let model = find_model(&request.model_id)
            .ok_or_else(|| ApiError::not_found("model", &request.model_id))?;
        if !model.loaded {
            return Err(ApiError::new(
                ErrorResponseErrorCode::Unavailable,
                format!("model `{}` is not loaded", model.id),
            )
            .into());
        }
        if body.messages.is_empty() {
            return Err(ApiError::invalid("messages", "at least one message is needed").into());
        }
        if body.max_tokens < 1 {
            return Err(ApiError::invalid("maxTokens", "maxTokens must be at least 1").into());
        }
        if !(0.0..=2.0).contains(&body.temperature) {
            return Err(
                ApiError::invalid("temperature", "temperature must be between 0 and 2").into(),
            );
        }
        let input: Vec<String> = body.messages.iter().map(|m| text_of(&m.content)).collect();
        let last_user = body
            .messages
            .iter()
            .rev()
            .find(|m| m.role == RuntimeMessageRole::User)
            .map(|m| text_of(&m.content))
            .unwrap_or_default();
        // One token per word.
        let reply_text = reply_to(&last_user);
        let reply: Vec<&str> = reply_text.split_inclusive(' ').collect();
        let budget = usize::try_from(body.max_tokens).unwrap_or(usize::MAX);
        let (text, stop_reason) = if reply.len() > budget {
            (
                reply[..budget].concat(),
                InvokeModelResponseStopReason::MaxTokens,
            )
        } else {
            (reply.concat(), InvokeModelResponseStopReason::EndTurn)
        };
        let count = |text: &str| i64::try_from(text.split_whitespace().count()).unwrap_or(0);
        Ok(InvokeRuntimeModelOk::Ok(InvokeModelResponse {
            usage: InvokeModelResponseUsage {
                input_tokens: input.iter().map(|t| count(t)).sum(),
                output_tokens: count(&text),
            },
            message: RuntimeMessage {
                role: RuntimeMessageRole::Assistant,
                content: vec![text_part(text)],
            },
            stop_reason,
        }))
    }
}

/// The size of the chunks a download is streamed in.
const CHUNK: usize = 64 * 1024;
