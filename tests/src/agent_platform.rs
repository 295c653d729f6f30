//! A light in-memory implementation of the agent platform API (`specs/agent-platform.yaml`,
//! seed `002`), behind the generated server trait [`agent_platform::server::Api`], for the
//! end-to-end tests. It keeps what the tests send and answers it back, with the platform's
//! rules where the seed states them:
//!
//! - **API keys**: every operation but the health check and the Console OAuth pair requires
//!   `Authorization: Bearer <api_key>`: the bootstrap key of [`Config`] or a key created with
//!   create_api_key and not revoked. The API-key operations also accept the tenant admin's HTTP
//!   basic credentials. A key's value is returned once, by create_api_key; lists never carry
//!   it.
//! - **Vault secrets are write-only**: kept here, never returned; rotating one sets
//!   `secret_rotated_at`. A provider created with an inline `api_key` gets a vault for it.
//! - **Agents** are versioned: update bumps the version and keeps the old one readable;
//!   archiving is a soft delete.
//! - **Sessions** start with their input, run each user turn to completion at once (the reply
//!   is `"Echo: <text>"`, streamed as `message.delta` events), and log every event with an id
//!   `evt_000001`, `evt_000002`, …. The SSE stream replays the log after `?after=<id>`, then
//!   follows new events until the session ends (cancelled) or is deleted. An
//!   `Idempotency-Key` on create_session and send_session_message returns the first result.
//!   More than [`Config::max_open_sessions`] sessions that have not ended is a `429`.
//! - **Skills, files**: multipart uploads (a skill's files may sit in folders, `scripts/x.py`),
//!   downloads as byte streams with `Content-Disposition`; built-in skills cannot be deleted.
//! - **Memory**: each user turn is remembered in the agent's memory stores; search scores
//!   entries by the share of the query's words they contain.
//! - **Console OAuth**: start answers a redirect (302 with `Location`) or, for
//!   `Accept: application/json`, the URL as JSON; both set the `oauth_state` cookie. The
//!   callback checks the posted `state` against that cookie and answers 303 into the Console
//!   (or the session as JSON).
//!
//! Deviations: everything happens at once (turns, installs, evals: an eval is `completed`
//! when created); integrations are a fixed list; the error `param` names the field at fault.
//! The generated `Api` methods do not see request headers the spec does not declare, so the
//! `Accept` header of the OAuth operations reaches them through a task-local set by the
//! middleware [`Platform::router`] adds.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use agent_platform::rt;
use agent_platform::rt::server::axum::response::Response;
use agent_platform::rt::server::{Failure, Presented};
use agent_platform::server::*;
use agent_platform::*;
use chrono::{DateTime, Duration, Utc};
use futures::Stream;
use serde::Serialize;
use tokio::sync::watch;

tokio::task_local! {
    /// Whether the request being served asked for `application/json`.
    static ACCEPTS_JSON: bool;
}

/// The platform's settings.
#[derive(Clone)]
pub struct Config {
    /// An API key that always works (the tenant's first key).
    pub bootstrap_key: String,
    /// The tenant admin's basic credentials, accepted by the API-key operations.
    pub admin: (String, String),
    /// Google's authorization endpoint, where start_console_oauth sends browsers.
    pub authorize_url: String,
    /// Where the Console lives; the callback redirects to it.
    pub console_url: String,
    /// How many sessions may be open (not ended) at once; one more is a `429`.
    pub max_open_sessions: usize,
    /// The `Retry-After` (seconds) of that `429`.
    pub retry_after: i64,
    /// The largest uploaded file (skill file or session file).
    pub max_upload_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bootstrap_key: "sk_bootstrap".to_owned(),
            admin: ("admin".to_owned(), "hunter2".to_owned()),
            authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
            console_url: "https://console.example.com".to_owned(),
            max_open_sessions: 100,
            retry_after: 30,
            max_upload_bytes: 1024 * 1024,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("admin", &self.admin.0)
            .field("authorize_url", &self.authorize_url)
            .field("console_url", &self.console_url)
            .field("max_open_sessions", &self.max_open_sessions)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .finish_non_exhaustive()
    }
}

/// The platform, in memory. Clones share the same state.
#[derive(Clone, Debug)]
pub struct Platform {
    inner: Arc<Inner>,
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
}

impl Default for Platform {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl Platform {
    /// A platform with its built-in environment, skill and integrations.
    #[must_use]
    pub fn new(config: Config) -> Self {
        let now = Utc::now();
        let mut state = State::default();
        state.environments.insert(
            "env_default".to_owned(),
            (
                0,
                EnvironmentConfig {
                    name: "Python".to_owned(),
                    description: Some(Some("The built-in environment.".to_owned())),
                    image: "python:3.12".to_owned(),
                    packages: Some(Vec::new()),
                    env: None,
                    network: EnvironmentConfigNetwork::Restricted,
                    id: "env_default".to_owned(),
                    builtin: true,
                    created_at: now,
                    updated_at: now,
                },
            ),
        );
        let mut files = BTreeMap::new();
        files.insert("SKILL.md".to_owned(), rt::Bytes::from_static(b"# PDF\n"));
        files.insert(
            "scripts/extract.py".to_owned(),
            rt::Bytes::from_static(b"print('text')\n"),
        );
        state.skills.insert(
            "pdf-extract".to_owned(),
            SkillRecord {
                order: 0,
                skill: skill(
                    "pdf-extract",
                    "PDF extraction",
                    None,
                    SkillSource::Builtin,
                    &files,
                    now,
                ),
                files,
            },
        );
        for (id, name, installed) in [
            ("github", "GitHub", false),
            ("linear", "Linear", true),
            ("slack", "Slack", false),
        ] {
            state.integrations.insert(
                id.to_owned(),
                Integration {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    description: None,
                    status: if installed {
                        IntegrationStatus::Installed
                    } else {
                        IntegrationStatus::Available
                    },
                    installed_at: Some(installed.then_some(now)),
                },
            );
        }
        Platform {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
            }),
        }
    }

    /// The generated router serving this platform, with the middleware that lets the OAuth
    /// operations see the `Accept` header.
    pub fn router(&self) -> rt::server::axum::Router {
        agent_platform::server::router(Arc::new(self.clone()))
            .layer(rt::server::axum::middleware::from_fn(remember_accept))
    }

    /// The secret a vault holds (what a provider would use), for checking it was kept.
    pub fn vault_secret(&self, id: &str) -> Option<String> {
        self.lock().vaults.get(id).map(|v| v.secret.clone())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock()
    }

    fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A bearer API key that exists and is not revoked.
    fn check(&self, credentials: &[(&'static str, Presented)]) -> Result<(), ApiError> {
        let state = self.lock();
        let accepted = credentials.iter().any(|(_, presented)| match presented {
            Presented::Bearer(key) => {
                *key == self.config().bootstrap_key
                    || state.keys.iter().any(|k| !k.revoked && k.secret == *key)
            }
            Presented::Basic { .. } => false,
            Presented::ApiKey(_) => false,
        });
        if accepted {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorType::Unauthorized,
                "a valid API key is required",
            ))
        }
    }

    /// A bearer API key, or the tenant admin's basic credentials.
    fn check_admin(&self, credentials: &[(&'static str, Presented)]) -> Result<(), ApiError> {
        let admin = credentials.iter().any(|(_, presented)| {
            matches!(presented, Presented::Basic { username, password }
                if (username, password) == (&self.config().admin.0, &self.config().admin.1))
        });
        if admin {
            Ok(())
        } else {
            self.check(credentials)
        }
    }
}

/// Middleware: runs the request with [`ACCEPTS_JSON`] set from its `Accept` header.
async fn remember_accept(
    request: rt::server::axum::extract::Request,
    next: rt::server::axum::middleware::Next,
) -> rt::server::axum::response::Response {
    let json = request
        .headers()
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/json"));
    ACCEPTS_JSON.scope(json, next.run(request)).await
}

fn accepts_json() -> bool {
    ACCEPTS_JSON.try_with(|json| *json).unwrap_or(false)
}

// ------------------------------------------------------------------------------------------
// Errors

#[derive(Debug)]
struct ApiError {
    r#type: ErrorType,
    message: String,
    param: Option<String>,
    retry_after: Option<i64>,
}

impl ApiError {
    fn new(r#type: ErrorType, message: impl Into<String>) -> Self {
        ApiError {
            r#type,
            message: message.into(),
            param: None,
            retry_after: None,
        }
    }

    fn invalid(param: &str, message: impl Into<String>) -> Self {
        ApiError {
            param: Some(param.to_owned()),
            ..Self::new(ErrorType::InvalidRequest, message)
        }
    }

    fn not_found(what: &str, id: &str) -> Self {
        Self::new(ErrorType::NotFound, format!("no {what} `{id}`"))
    }

    fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorType::Conflict, message)
    }

    fn body(self) -> ErrorModel {
        ErrorModel {
            error: ErrorModelError {
                r#type: self.r#type,
                message: self.message,
                param: self.param.map(Some),
                request_id: None,
            },
        }
    }
}

macro_rules! variant {
    ($error:ident :: $variant:ident, $err:ident) => {
        $error::$variant($err.body())
    };
    ($error:ident :: $variant:ident { retry }, $err:ident) => {
        $error::$variant {
            retry_after: $err.retry_after,
            body: $err.body(),
        }
    };
}

/// `impl From<ApiError> for Failure<XError>`, each error type to the documented variant.
macro_rules! documented {
    ($($error:ident { $($type:ident => $variant:ident $({ $retry:ident })?),* $(,)? })*) => {$(
        impl From<ApiError> for Failure<$error> {
            fn from(err: ApiError) -> Self {
                match err.r#type {
                    $(ErrorType::$type => Failure::Api(variant!($error::$variant $({ $retry })?, err)),)*
                    _ => Failure::internal(format!(
                        "{} cannot answer {:?}: {}", stringify!($error), err.r#type, err.message
                    )),
                }
            }
        }
    )*};
}

documented! {
    ListAgentsError { InvalidRequest => BadRequest, Unauthorized => Unauthorized }
    CreateAgentError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    GetAgentError { Unauthorized => Unauthorized, NotFound => NotFound }
    UpdateAgentError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
        Conflict => Conflict,
    }
    ListAgentVersionsError { Unauthorized => Unauthorized, NotFound => NotFound }
    GetAgentVersionError { Unauthorized => Unauthorized, NotFound => NotFound }
    ArchiveAgentError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListSessionsError { InvalidRequest => BadRequest, Unauthorized => Unauthorized }
    CreateSessionError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
        Conflict => Conflict, RateLimited => TooManyRequests { retry },
    }
    GetSessionError { Unauthorized => Unauthorized, NotFound => NotFound }
    DeleteSessionError { Unauthorized => Unauthorized, NotFound => NotFound }
    StreamSessionEventsError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListSessionEventsError { Unauthorized => Unauthorized, NotFound => NotFound }
    SendSessionMessageError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
        Conflict => Conflict,
    }
    CancelSessionError { Unauthorized => Unauthorized, NotFound => NotFound, Conflict => Conflict }
    ListEnvironmentsError { Unauthorized => Unauthorized }
    CreateEnvironmentError { InvalidRequest => BadRequest, Unauthorized => Unauthorized }
    GetEnvironmentError { Unauthorized => Unauthorized, NotFound => NotFound }
    UpdateEnvironmentError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    DeleteEnvironmentError {
        Unauthorized => Unauthorized, NotFound => NotFound, Conflict => Conflict,
    }
    ListSkillsError { Unauthorized => Unauthorized }
    UploadSkillError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, Conflict => Conflict,
        PayloadTooLarge => PayloadTooLarge,
    }
    GetSkillError { Unauthorized => Unauthorized, NotFound => NotFound }
    DeleteSkillError { Unauthorized => Unauthorized, Forbidden => Forbidden, NotFound => NotFound }
    DownloadSkillFileError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListVaultsError { Unauthorized => Unauthorized }
    CreateVaultError { InvalidRequest => BadRequest, Unauthorized => Unauthorized }
    UpdateVaultError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    DeleteVaultError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListMemoryStoresError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    CreateMemoryStoreError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    DeleteMemoryStoreError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListMemoryEntriesError { Unauthorized => Unauthorized, NotFound => NotFound }
    SearchMemoryStoreError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    UploadFileError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
        PayloadTooLarge => PayloadTooLarge,
    }
    DeleteFileError { Unauthorized => Unauthorized, NotFound => NotFound }
    DownloadFileError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListProvidersError { Unauthorized => Unauthorized }
    CreateProviderError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
        Conflict => Conflict,
    }
    UpdateProviderError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    DeleteProviderError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListIntegrationsError { Unauthorized => Unauthorized }
    InstallIntegrationError {
        Unauthorized => Unauthorized, NotFound => NotFound, Conflict => Conflict,
    }
    UninstallIntegrationError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListPublicationsError { Unauthorized => Unauthorized, NotFound => NotFound }
    CreatePublicationError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
        Conflict => Conflict,
    }
    DeletePublicationError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListEvalsError { Unauthorized => Unauthorized }
    CreateEvalError {
        InvalidRequest => BadRequest, Unauthorized => Unauthorized, NotFound => NotFound,
    }
    GetEvalError { Unauthorized => Unauthorized, NotFound => NotFound }
    ListApiKeysError { Unauthorized => Unauthorized }
    CreateApiKeyError { InvalidRequest => BadRequest, Unauthorized => Unauthorized }
    RevokeApiKeyError { Unauthorized => Unauthorized, NotFound => NotFound }
    ConsoleOauthCallbackError { InvalidRequest => BadRequest, Forbidden => Forbidden }
}

// ------------------------------------------------------------------------------------------
// Pages

/// One page of `items` (in serving order, each with its order key) after the cursor: the
/// items as JSON (the generated page types hold `serde_json::Value`s) and the next cursor.
fn page<T: Serialize, U: serde::de::DeserializeOwned>(
    items: Vec<(u64, T)>,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(Vec<U>, Option<String>), ApiError> {
    let limit = match limit {
        None => 20,
        Some(n @ 1..=100) => usize::try_from(n).unwrap_or(20),
        Some(_) => {
            return Err(ApiError::invalid(
                "limit",
                "limit must be between 1 and 100",
            ));
        }
    };
    let start = match cursor {
        None => 0,
        Some(cursor) => {
            let after: u64 = cursor
                .strip_prefix("cur_")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    ApiError::invalid("cursor", format!("`{cursor}` is not a cursor"))
                })?;
            items
                .iter()
                .position(|(order, _)| *order == after)
                .map_or(items.len(), |i| i + 1)
        }
    };
    let rest: Vec<_> = items.into_iter().skip(start).collect();
    let next = (rest.len() > limit).then(|| format!("cur_{}", rest[limit - 1].0));
    let data = rest
        .into_iter()
        .take(limit)
        // Stored records become the page's item type through their JSON (the same shape).
        .filter_map(|(_, item)| serde_json::from_value(serde_json::to_value(item).ok()?).ok())
        .collect();
    Ok((data, next))
}

/// `page`, sorted by order key, oldest first.
fn sorted<T: Clone + Serialize, U: serde::de::DeserializeOwned>(
    items: impl Iterator<Item = (u64, T)>,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(Vec<U>, Option<String>), ApiError> {
    let mut items: Vec<_> = items.collect();
    items.sort_by_key(|(order, _)| *order);
    page(items, limit, cursor)
}

// ------------------------------------------------------------------------------------------
// State

#[derive(Debug, Default)]
struct State {
    counter: u64,
    keys: Vec<KeyRecord>,
    agents: HashMap<String, (u64, Vec<AgentConfig>)>,
    sessions: HashMap<String, SessionRecord>,
    idempotent: HashMap<(&'static str, String), String>,
    environments: HashMap<String, (u64, EnvironmentConfig)>,
    skills: HashMap<String, SkillRecord>,
    vaults: HashMap<String, VaultRecord>,
    stores: HashMap<String, (u64, MemoryStore, Vec<MemoryEntry>)>,
    files: HashMap<String, (FileObject, rt::Bytes)>,
    providers: HashMap<String, (u64, ModelProvider)>,
    integrations: BTreeMap<String, Integration>,
    publications: HashMap<String, (u64, Publication)>,
    evals: HashMap<String, (u64, EvalRunResults)>,
    /// OAuth `state` → where to land after sign-in.
    oauth: HashMap<String, String>,
}

impl State {
    fn id(&mut self, prefix: &str) -> (u64, String) {
        self.counter += 1;
        (self.counter, format!("{prefix}_{:06}", self.counter))
    }

    fn agent(&self, id: &str) -> Result<&AgentConfig, ApiError> {
        self.agents
            .get(id)
            .and_then(|(_, versions)| versions.last())
            .ok_or_else(|| ApiError::not_found("agent", id))
    }

    fn session(&mut self, id: &str) -> Result<&mut SessionRecord, ApiError> {
        self.sessions
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("session", id))
    }
}

#[derive(Debug)]
struct KeyRecord {
    key: ApiKey,
    secret: String,
    revoked: bool,
}

#[derive(Debug)]
struct VaultRecord {
    order: u64,
    vault: Vault,
    secret: String,
}

#[derive(Debug)]
struct SkillRecord {
    order: u64,
    skill: Skill,
    files: BTreeMap<String, rt::Bytes>,
}

#[derive(Debug)]
struct SessionRecord {
    order: u64,
    meta: SessionMeta,
    events: Vec<SessionEvent>,
    /// The number of events, for live followers; dropped with the session.
    events_len: watch::Sender<usize>,
}

fn is_over(status: &SessionStatus) -> bool {
    matches!(
        status,
        SessionStatus::Completed | SessionStatus::Failed | SessionStatus::Cancelled
    )
}

fn event_id(event: &SessionEvent) -> &str {
    match event {
        SessionEvent::SessionStatus(e) => &e.id,
        SessionEvent::MessageStarted(e) => &e.id,
        SessionEvent::MessageDelta(e) => &e.id,
        SessionEvent::MessageCompleted(e) => &e.id,
        SessionEvent::ToolCallStarted(e) => &e.id,
        SessionEvent::ToolCallCompleted(e) => &e.id,
        SessionEvent::SessionCompleted(e) => &e.id,
        SessionEvent::SessionFailed(e) => &e.id,
        SessionEvent::SessionCancelled(e) => &e.id,
        SessionEvent::Unknown(_) => "",
    }
}

impl SessionRecord {
    fn emit(&mut self, build: impl FnOnce(String, String, DateTime<Utc>) -> SessionEvent) {
        let id = format!("evt_{:06}", self.events.len() + 1);
        self.events
            .push(build(id.clone(), self.meta.id.clone(), Utc::now()));
        self.meta.last_event_id = Some(Some(id));
        self.meta.updated_at = Utc::now();
        self.events_len.send_replace(self.events.len());
    }

    fn set_status(&mut self, status: SessionStatus) {
        self.meta.status = status.clone();
        self.emit(|id, session_id, created_at| {
            SessionEvent::SessionStatus(SessionStatusEvent {
                id,
                session_id,
                created_at,
                r#type: SessionStatusEventType::SessionStatus,
                status,
            })
        });
    }

    /// One user turn, answered at once: the reply streams as deltas. Returns the user's text.
    fn turn(&mut self, message_id: String, input: &[InputMessage]) -> String {
        let text = input
            .iter()
            .filter(|m| m.role == InputMessageRole::User)
            .map(|m| match &m.content {
                InputMessageContent::String(text) => text.clone(),
                InputMessageContent::Array(blocks) => blocks
                    .iter()
                    .filter_map(|b| match b {
                        ContentBlock::Text(t) => Some(t.text.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let reply = format!("Echo: {text}");
        self.set_status(SessionStatus::Running);
        let started = message_id.clone();
        self.emit(|id, session_id, created_at| {
            SessionEvent::MessageStarted(MessageStartedEvent {
                id,
                session_id,
                created_at,
                r#type: MessageStartedEventType::MessageStarted,
                message_id: started,
                role: MessageStartedEventRole::Assistant,
            })
        });
        for word in reply.split_inclusive(' ') {
            let message_id = message_id.clone();
            self.emit(|id, session_id, created_at| {
                SessionEvent::MessageDelta(MessageDeltaEvent {
                    id,
                    session_id,
                    created_at,
                    r#type: MessageDeltaEventType::MessageDelta,
                    message_id,
                    delta: word.to_owned(),
                })
            });
        }
        let message = Message {
            id: message_id,
            role: MessageRole::Assistant,
            content: vec![ContentBlock::Text(TextBlock {
                r#type: TextBlockType::Text,
                text: reply.clone(),
            })],
        };
        self.emit(|id, session_id, created_at| {
            SessionEvent::MessageCompleted(MessageCompletedEvent {
                id,
                session_id,
                created_at,
                r#type: MessageCompletedEventType::MessageCompleted,
                message,
            })
        });
        let usage = self.meta.usage.get_or_insert(Usage {
            input_tokens: 0,
            output_tokens: 0,
        });
        usage.input_tokens += words(&text);
        usage.output_tokens += words(&reply);
        self.set_status(SessionStatus::Idle);
        text
    }
}

/// `format: uri`, which the generated router does not check: a scheme, then the rest.
fn check_uri(field: &str, value: Option<&Option<String>>) -> Result<(), ApiError> {
    let Some(Some(url)) = value else {
        return Ok(());
    };
    let scheme = url.split_once(':').map(|(scheme, _)| scheme);
    let valid = scheme.is_some_and(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("`{url}` is not an absolute URI"),
        ))
    }
}

fn words(text: &str) -> i64 {
    i64::try_from(text.split_whitespace().count()).unwrap_or(0)
}

/// The events after the `after`-th, then new ones, until the session ends or goes.
fn follow(
    platform: Arc<Inner>,
    session_id: String,
    after: usize,
    changes: watch::Receiver<usize>,
) -> impl Stream<Item = rt::sse::Event<SessionEvent>> + Send + 'static {
    let start = (platform, session_id, after, changes, Vec::new());
    futures::stream::unfold(
        start,
        |(platform, id, mut sent, mut changes, mut ready)| async move {
            loop {
                if !ready.is_empty() {
                    let event = ready.remove(0);
                    return Some((event, (platform, id, sent, changes, ready)));
                }
                {
                    let state = platform.lock();
                    let session = state.sessions.get(&id)?;
                    changes.borrow_and_update();
                    if session.events.len() > sent {
                        ready.extend(session.events[sent..].iter().map(|event| {
                            rt::sse::Event::new(event.clone()).with_id(event_id(event))
                        }));
                        sent = session.events.len();
                        continue;
                    }
                    if is_over(&session.meta.status) {
                        return None;
                    }
                }
                changes.changed().await.ok()?;
            }
        },
    )
}

fn skill(
    id: &str,
    title: &str,
    description: Option<String>,
    source: SkillSource,
    files: &BTreeMap<String, rt::Bytes>,
    created_at: DateTime<Utc>,
) -> Skill {
    Skill {
        id: id.to_owned(),
        display_title: title.to_owned(),
        description: Some(description),
        source,
        files: tree(files, ""),
        created_at,
    }
}

/// The file tree under `prefix` (`""` or `dir/`).
fn tree(files: &BTreeMap<String, rt::Bytes>, prefix: &str) -> Vec<SkillFileNode> {
    let mut nodes = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    for (path, data) in files {
        let Some(rest) = path.strip_prefix(prefix) else {
            continue;
        };
        match rest.split_once('/') {
            None => nodes.push(SkillFileNode {
                name: rest.to_owned(),
                path: path.clone(),
                kind: SkillFileNodeKind::File,
                size_bytes: Some(i64::try_from(data.len()).unwrap_or(0)),
                children: None,
            }),
            Some((dir, _)) if !dirs.iter().any(|d| d == dir) => dirs.push(dir.to_owned()),
            Some(_) => {}
        }
    }
    for dir in dirs {
        let path = format!("{prefix}{dir}");
        nodes.push(SkillFileNode {
            name: dir,
            kind: SkillFileNodeKind::Directory,
            size_bytes: None,
            children: Some(tree(files, &format!("{path}/"))),
            path,
        });
    }
    nodes
}

fn new_vault(
    state: &mut State,
    name: String,
    description: Option<Option<String>>,
    secret: String,
) -> Vault {
    let (order, id) = state.id("vault");
    let now = Utc::now();
    let vault = Vault {
        id: id.clone(),
        name,
        description,
        created_at: now,
        updated_at: now,
        secret_rotated_at: Some(None),
    };
    state.vaults.insert(
        id,
        VaultRecord {
            order,
            vault: vault.clone(),
            secret,
        },
    );
    vault
}

fn disposition(name: &str) -> Option<String> {
    Some(format!("attachment; filename=\"{name}\""))
}

// ------------------------------------------------------------------------------------------
// The operations

impl Api for Platform {
    /// Refusals in the spec's own format: `invalid_request` (400, naming the parameter or
    /// field), `unauthorized` (401) or `payload_too_large` (413), so that clients decode
    /// them as the documented errors.
    fn reject(&self, operation: &'static str, problem: rt::server::Problem) -> Response {
        let _ = operation;
        let message = problem.detail().unwrap_or(problem.title()).to_owned();
        let (status, err) = match problem.status().as_u16() {
            401 => (401, ApiError::new(ErrorType::Unauthorized, message)),
            413 => (413, ApiError::new(ErrorType::PayloadTooLarge, message)),
            _ => {
                let param = problem.culprit().unwrap_or_default();
                (400, ApiError::invalid(param, message))
            }
        };
        rt::server::json_response(rt::server::status(status), &err.body())
    }

    async fn list_agents(
        &self,
        request: ListAgentsRequest,
    ) -> Result<ListAgentsOk, Failure<ListAgentsError>> {
        self.check(&request.credentials)?;
        let archived = request.archived.unwrap_or(false);
        let state = self.lock();
        let agents = state
            .agents
            .values()
            .filter_map(|(order, versions)| Some((*order, versions.last()?.clone())))
            .filter(|(_, a)| a.archived == archived);
        let (data, next_cursor) = sorted(agents, request.limit, request.cursor.as_deref())?;
        Ok(ListAgentsOk::Ok(AgentPage { data, next_cursor }))
    }

    async fn create_agent(
        &self,
        request: CreateAgentRequest,
    ) -> Result<CreateAgentOk, Failure<CreateAgentError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        if body.name.trim().is_empty() {
            return Err(ApiError::invalid("name", "name must not be blank").into());
        }
        let mut state = self.lock();
        if let Some(Some(env)) = &body.environment_id {
            if !state.environments.contains_key(env) {
                return Err(ApiError::not_found("environment", env).into());
            }
        }
        let (order, id) = state.id("agent");
        let now = Utc::now();
        let agent = AgentConfig {
            name: body.name,
            description: body.description,
            model: body.model,
            system_prompt: body.system_prompt,
            environment_id: body.environment_id,
            skills: body.skills,
            tools: body.tools,
            max_turns: body.max_turns,
            metadata: body.metadata,
            id: id.clone(),
            version: 1,
            archived: false,
            archived_at: Some(None),
            created_at: now,
            updated_at: now,
        };
        state.agents.insert(id, (order, vec![agent.clone()]));
        Ok(CreateAgentOk::Created(agent))
    }

    async fn get_agent(
        &self,
        request: GetAgentRequest,
    ) -> Result<GetAgentOk, Failure<GetAgentError>> {
        self.check(&request.credentials)?;
        Ok(GetAgentOk::Ok(self.lock().agent(&request.id)?.clone()))
    }

    async fn update_agent(
        &self,
        request: UpdateAgentRequest,
    ) -> Result<UpdateAgentOk, Failure<UpdateAgentError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        let mut state = self.lock();
        let mut agent = state.agent(&request.id)?.clone();
        if agent.archived {
            return Err(ApiError::conflict("an archived agent cannot be updated").into());
        }
        if body.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(ApiError::invalid("name", "name must not be blank").into());
        }
        if let Some(name) = body.name {
            agent.name = name;
        }
        if let Some(description) = body.description {
            agent.description = Some(description);
        }
        if let Some(model) = body.model {
            agent.model = model;
        }
        if let Some(prompt) = body.system_prompt {
            agent.system_prompt = Some(prompt);
        }
        if let Some(env) = body.environment_id {
            agent.environment_id = Some(env);
        }
        if body.skills.is_some() {
            agent.skills = body.skills;
        }
        if body.tools.is_some() {
            agent.tools = body.tools;
        }
        // `max_turns` always arrives (it has a default), so it is always applied.
        agent.max_turns = body.max_turns;
        if body.metadata.is_some() {
            agent.metadata = body.metadata;
        }
        agent.version += 1;
        agent.updated_at = Utc::now();
        if let Some((_, versions)) = state.agents.get_mut(&request.id) {
            versions.push(agent.clone());
        }
        Ok(UpdateAgentOk::Ok(agent))
    }

    async fn list_agent_versions(
        &self,
        request: ListAgentVersionsRequest,
    ) -> Result<ListAgentVersionsOk, Failure<ListAgentVersionsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let (_, versions) = state
            .agents
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("agent", &request.id))?;
        // Newest first; the version number is the order key.
        let items: Vec<_> = versions
            .iter()
            .rev()
            .map(|v| (v.version.unsigned_abs(), v.clone()))
            .collect();
        let (data, next_cursor) =
            page(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListAgentVersionsOk::Ok(AgentPage { data, next_cursor }))
    }

    async fn get_agent_version(
        &self,
        request: GetAgentVersionRequest,
    ) -> Result<GetAgentVersionOk, Failure<GetAgentVersionError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let version = state
            .agents
            .get(&request.id)
            .and_then(|(_, versions)| versions.iter().find(|v| v.version == request.version))
            .ok_or_else(|| {
                ApiError::not_found(
                    "agent version",
                    &format!("{}@{}", request.id, request.version),
                )
            })?;
        Ok(GetAgentVersionOk::Ok(version.clone()))
    }

    async fn archive_agent(
        &self,
        request: ArchiveAgentRequest,
    ) -> Result<ArchiveAgentOk, Failure<ArchiveAgentError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        state.agent(&request.id)?;
        let versions = &mut state.agents.get_mut(&request.id).expect("checked").1;
        let agent = versions.last_mut().expect("an agent has a version");
        if !agent.archived {
            agent.archived = true;
            agent.archived_at = Some(Some(Utc::now()));
        }
        Ok(ArchiveAgentOk::Ok(agent.clone()))
    }

    async fn list_sessions(
        &self,
        request: ListSessionsRequest,
    ) -> Result<ListSessionsOk, Failure<ListSessionsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let statuses = request.status.unwrap_or_default();
        let mut items: Vec<_> = state
            .sessions
            .values()
            .filter(|s| {
                request
                    .agent_id
                    .as_ref()
                    .is_none_or(|a| s.meta.agent_id == *a)
            })
            .filter(|s| statuses.is_empty() || statuses.contains(&s.meta.status))
            .map(|s| (s.order, s.meta.clone()))
            .collect();
        items.sort_by_key(|(order, _)| std::cmp::Reverse(*order));
        let (data, next_cursor) = page(items, request.limit, request.cursor.as_deref())?;
        Ok(ListSessionsOk::Ok(SessionPage { data, next_cursor }))
    }

    async fn create_session(
        &self,
        request: CreateSessionRequest2,
    ) -> Result<CreateSessionOk, Failure<CreateSessionError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        let mut state = self.lock();
        if let Some(key) = &request.idempotency_key {
            if let Some(id) = state.idempotent.get(&("create_session", key.clone())) {
                return Ok(CreateSessionOk::Created(state.sessions[id].meta.clone()));
            }
        }
        let agent = state.agent(&body.agent_id)?.clone();
        if agent.archived {
            return Err(ApiError::conflict(format!("agent `{}` is archived", agent.id)).into());
        }
        let version = body.agent_version.flatten().unwrap_or(agent.version);
        if !(1..=agent.version).contains(&version) {
            return Err(ApiError::invalid("agent_version", format!("no version {version}")).into());
        }
        if body.input.is_empty() {
            return Err(ApiError::invalid("input", "a session starts with some input").into());
        }
        let open = state
            .sessions
            .values()
            .filter(|s| !is_over(&s.meta.status))
            .count();
        if open >= self.config().max_open_sessions {
            return Err(ApiError {
                retry_after: Some(self.config().retry_after),
                ..ApiError::new(ErrorType::RateLimited, format!("{open} sessions are open"))
            }
            .into());
        }
        let (order, id) = state.id("sess");
        let (_, message_id) = state.id("msg");
        let now = Utc::now();
        let mut record = SessionRecord {
            order,
            meta: SessionMeta {
                id: id.clone(),
                agent_id: agent.id.clone(),
                agent_version: version,
                status: SessionStatus::Queued,
                last_event_id: Some(None),
                usage: Some(Usage {
                    input_tokens: 0,
                    output_tokens: 0,
                }),
                error: Some(None),
                metadata: body.metadata,
                created_at: now,
                updated_at: now,
            },
            events: Vec::new(),
            events_len: watch::Sender::new(0),
        };
        let text = record.turn(message_id, &body.input);
        let meta = record.meta.clone();
        state.sessions.insert(id.clone(), record);
        remember(&mut state, &agent.id, &id, &text);
        if let Some(key) = request.idempotency_key {
            state.idempotent.insert(("create_session", key), id);
        }
        Ok(CreateSessionOk::Created(meta))
    }

    async fn get_session(
        &self,
        request: GetSessionRequest,
    ) -> Result<GetSessionOk, Failure<GetSessionError>> {
        self.check(&request.credentials)?;
        Ok(GetSessionOk::Ok(
            self.lock().session(&request.id)?.meta.clone(),
        ))
    }

    async fn delete_session(
        &self,
        request: DeleteSessionRequest,
    ) -> Result<DeleteSessionOk, Failure<DeleteSessionError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        state.session(&request.id)?;
        state.sessions.remove(&request.id);
        Ok(DeleteSessionOk::NoContent)
    }

    async fn stream_session_events(
        &self,
        request: StreamSessionEventsRequest,
    ) -> Result<StreamSessionEventsOk, Failure<StreamSessionEventsError>> {
        self.check(&request.credentials)?;
        let (after, changes) = {
            let mut state = self.lock();
            let session = state.session(&request.id)?;
            let after = request
                .after
                .as_deref()
                .and_then(|after| session.events.iter().position(|e| event_id(e) == after))
                .map_or(0, |i| i + 1);
            (after, session.events_len.subscribe())
        };
        let events = follow(Arc::clone(&self.inner), request.id, after, changes);
        Ok(StreamSessionEventsOk::Ok(rt::sse::Events::from_events(
            events,
        )))
    }

    async fn list_session_events(
        &self,
        request: ListSessionEventsRequest,
    ) -> Result<ListSessionEventsOk, Failure<ListSessionEventsError>> {
        self.check(&request.credentials)?;
        Ok(ListSessionEventsOk::Ok(
            self.lock().session(&request.id)?.events.clone(),
        ))
    }

    async fn send_session_message(
        &self,
        request: SendSessionMessageRequest,
    ) -> Result<SendSessionMessageOk, Failure<SendSessionMessageError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let status = state.session(&request.id)?.meta.status.clone();
        if let Some(key) = &request.idempotency_key {
            if state
                .idempotent
                .contains_key(&("send_session_message", key.clone()))
            {
                return Ok(SendSessionMessageOk::Accepted(
                    state.sessions[&request.id].meta.clone(),
                ));
            }
        }
        if is_over(&status) {
            return Err(ApiError::conflict(format!("the session is {status}")).into());
        }
        if request.body.input.is_empty() {
            return Err(ApiError::invalid("input", "a turn needs some input").into());
        }
        let (_, message_id) = state.id("msg");
        let session = state.session(&request.id)?;
        let text = session.turn(message_id, &request.body.input);
        let (agent, meta) = (session.meta.agent_id.clone(), session.meta.clone());
        remember(&mut state, &agent, &request.id, &text);
        if let Some(key) = request.idempotency_key {
            state
                .idempotent
                .insert(("send_session_message", key), request.id.clone());
        }
        Ok(SendSessionMessageOk::Accepted(meta))
    }

    async fn cancel_session(
        &self,
        request: CancelSessionRequest,
    ) -> Result<CancelSessionOk, Failure<CancelSessionError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let session = state.session(&request.id)?;
        if is_over(&session.meta.status) {
            return Err(
                ApiError::conflict(format!("the session is {}", session.meta.status)).into(),
            );
        }
        session.meta.status = SessionStatus::Cancelled;
        session.emit(|id, session_id, created_at| {
            SessionEvent::SessionCancelled(SessionCancelledEvent {
                id,
                session_id,
                created_at,
                r#type: SessionCancelledEventType::SessionCancelled,
            })
        });
        Ok(CancelSessionOk::Ok(session.meta.clone()))
    }

    async fn list_environments(
        &self,
        request: ListEnvironmentsRequest,
    ) -> Result<ListEnvironmentsOk, Failure<ListEnvironmentsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let items = state.environments.values().cloned();
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListEnvironmentsOk::Ok(EnvironmentPage {
            data,
            next_cursor,
        }))
    }

    async fn create_environment(
        &self,
        request: CreateEnvironmentRequest,
    ) -> Result<CreateEnvironmentOk, Failure<CreateEnvironmentError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let (order, id) = state.id("env");
        let environment = environment(id.clone(), request.body, Utc::now())?;
        state.environments.insert(id, (order, environment.clone()));
        Ok(CreateEnvironmentOk::Created(environment))
    }

    async fn get_environment(
        &self,
        request: GetEnvironmentRequest,
    ) -> Result<GetEnvironmentOk, Failure<GetEnvironmentError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let (_, environment) = state
            .environments
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("environment", &request.id))?;
        Ok(GetEnvironmentOk::Ok(environment.clone()))
    }

    async fn update_environment(
        &self,
        request: UpdateEnvironmentRequest,
    ) -> Result<UpdateEnvironmentOk, Failure<UpdateEnvironmentError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let (_, current) = state
            .environments
            .get_mut(&request.id)
            .ok_or_else(|| ApiError::not_found("environment", &request.id))?;
        if current.builtin {
            return Err(ApiError::invalid("id", "built-in environments cannot be changed").into());
        }
        let mut replaced = environment(request.id.clone(), request.body, current.created_at)?;
        replaced.updated_at = Utc::now();
        *current = replaced.clone();
        Ok(UpdateEnvironmentOk::Ok(replaced))
    }

    async fn delete_environment(
        &self,
        request: DeleteEnvironmentRequest,
    ) -> Result<DeleteEnvironmentOk, Failure<DeleteEnvironmentError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let (_, environment) = state
            .environments
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("environment", &request.id))?;
        if environment.builtin {
            return Err(ApiError::conflict("built-in environments cannot be deleted").into());
        }
        let users: Vec<_> = state
            .agents
            .values()
            .filter_map(|(_, versions)| versions.last())
            .filter(|a| a.environment_id.clone().flatten().as_deref() == Some(request.id.as_str()))
            .map(|a| a.id.clone())
            .collect();
        if !users.is_empty() {
            return Err(ApiError::conflict(format!("used by {}", users.join(", "))).into());
        }
        state.environments.remove(&request.id);
        Ok(DeleteEnvironmentOk::NoContent)
    }

    async fn list_skills(
        &self,
        request: ListSkillsRequest,
    ) -> Result<ListSkillsOk, Failure<ListSkillsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let items = state.skills.values().map(|s| (s.order, s.skill.clone()));
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListSkillsOk::Ok(SkillPage { data, next_cursor }))
    }

    async fn upload_skill(
        &self,
        request: UploadSkillRequest,
    ) -> Result<UploadSkillOk, Failure<UploadSkillError>> {
        self.check(&request.credentials)?;
        let form = request.body;
        let text = |name: &str| form.text(name).ok().flatten();
        let id = text("id").ok_or_else(|| ApiError::invalid("id", "`id` is required"))?;
        let valid = id.len() <= 64
            && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(ApiError::invalid("id", format!("`{id}` is not a skill id")).into());
        }
        let title = text("display_title")
            .ok_or_else(|| ApiError::invalid("display_title", "`display_title` is required"))?;
        let parts = form.files("files");
        if parts.is_empty() {
            return Err(ApiError::invalid("files", "a skill needs at least one file").into());
        }
        let size: usize = parts.iter().map(|p| p.data.len()).sum();
        if size > self.config().max_upload_bytes {
            return Err(ApiError::new(ErrorType::PayloadTooLarge, format!("{size} bytes")).into());
        }
        let files: BTreeMap<String, rt::Bytes> = parts
            .iter()
            .map(|p| (p.filename.clone().unwrap_or_default(), p.data.clone()))
            .collect();
        let mut state = self.lock();
        if state.skills.contains_key(&id) {
            return Err(ApiError::conflict(format!("skill `{id}` exists")).into());
        }
        let (order, _) = state.id("skill");
        let skill = skill(
            &id,
            &title,
            text("description"),
            SkillSource::Custom,
            &files,
            Utc::now(),
        );
        state.skills.insert(
            id,
            SkillRecord {
                order,
                skill: skill.clone(),
                files,
            },
        );
        Ok(UploadSkillOk::Created(skill))
    }

    async fn get_skill(
        &self,
        request: GetSkillRequest,
    ) -> Result<GetSkillOk, Failure<GetSkillError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let record = state
            .skills
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("skill", &request.id))?;
        Ok(GetSkillOk::Ok(record.skill.clone()))
    }

    async fn delete_skill(
        &self,
        request: DeleteSkillRequest,
    ) -> Result<DeleteSkillOk, Failure<DeleteSkillError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let record = state
            .skills
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("skill", &request.id))?;
        if record.skill.source == SkillSource::Builtin {
            return Err(
                ApiError::new(ErrorType::Forbidden, "built-in skills cannot be deleted").into(),
            );
        }
        state.skills.remove(&request.id);
        Ok(DeleteSkillOk::NoContent)
    }

    async fn download_skill_file(
        &self,
        request: DownloadSkillFileRequest,
    ) -> Result<DownloadSkillFileOk, Failure<DownloadSkillFileError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let data = state
            .skills
            .get(&request.id)
            .and_then(|s| s.files.get(&request.file_path))
            .ok_or_else(|| ApiError::not_found("skill file", &request.file_path))?;
        let name = request.file_path.rsplit('/').next().unwrap_or_default();
        Ok(DownloadSkillFileOk::Ok {
            body: rt::ByteStream::from_bytes(data.clone()),
            content_disposition: disposition(name),
        })
    }

    async fn list_vaults(
        &self,
        request: ListVaultsRequest,
    ) -> Result<ListVaultsOk, Failure<ListVaultsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let items = state.vaults.values().map(|v| (v.order, v.vault.clone()));
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListVaultsOk::Ok(VaultPage { data, next_cursor }))
    }

    async fn create_vault(
        &self,
        request: CreateVaultRequest,
    ) -> Result<CreateVaultOk, Failure<CreateVaultError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        if body.secret.is_empty() {
            return Err(ApiError::invalid("secret", "the secret must not be empty").into());
        }
        let vault = new_vault(&mut self.lock(), body.name, body.description, body.secret);
        Ok(CreateVaultOk::Created(vault))
    }

    async fn delete_vault(
        &self,
        request: DeleteVaultRequest,
    ) -> Result<DeleteVaultOk, Failure<DeleteVaultError>> {
        self.check(&request.credentials)?;
        self.lock()
            .vaults
            .remove(&request.id)
            .ok_or_else(|| ApiError::not_found("vault", &request.id))?;
        Ok(DeleteVaultOk::NoContent)
    }

    async fn update_vault(
        &self,
        request: UpdateVaultRequest,
    ) -> Result<UpdateVaultOk, Failure<UpdateVaultError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        let mut state = self.lock();
        let record = state
            .vaults
            .get_mut(&request.id)
            .ok_or_else(|| ApiError::not_found("vault", &request.id))?;
        let now = Utc::now();
        if let Some(name) = body.name {
            record.vault.name = name;
        }
        if let Some(description) = body.description {
            record.vault.description = Some(description);
        }
        if let Some(secret) = body.secret {
            if secret.is_empty() {
                return Err(ApiError::invalid("secret", "the secret must not be empty").into());
            }
            record.secret = secret;
            record.vault.secret_rotated_at = Some(Some(now));
        }
        record.vault.updated_at = now;
        Ok(UpdateVaultOk::Ok(record.vault.clone()))
    }

    async fn list_memory_stores(
        &self,
        request: ListMemoryStoresRequest,
    ) -> Result<ListMemoryStoresOk, Failure<ListMemoryStoresError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        state.agent(&request.agent_id)?;
        let items = state
            .stores
            .values()
            .filter(|(_, s, _)| s.agent_id == request.agent_id)
            .map(|(order, s, _)| (*order, s.clone()));
        let (data, next_cursor) = sorted(items, request.limit, request.cursor.as_deref())?;
        Ok(ListMemoryStoresOk::Ok(MemoryStorePage {
            data,
            next_cursor,
        }))
    }

    async fn create_memory_store(
        &self,
        request: CreateMemoryStoreRequest,
    ) -> Result<CreateMemoryStoreOk, Failure<CreateMemoryStoreError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        if body.name.trim().is_empty() {
            return Err(ApiError::invalid("name", "name must not be blank").into());
        }
        let mut state = self.lock();
        state.agent(&body.agent_id)?;
        let (order, id) = state.id("mem");
        let store = MemoryStore {
            agent_id: body.agent_id,
            name: body.name,
            description: body.description,
            id: id.clone(),
            entry_count: 0,
            created_at: Utc::now(),
        };
        state.stores.insert(id, (order, store.clone(), Vec::new()));
        Ok(CreateMemoryStoreOk::Created(store))
    }

    async fn delete_memory_store(
        &self,
        request: DeleteMemoryStoreRequest,
    ) -> Result<DeleteMemoryStoreOk, Failure<DeleteMemoryStoreError>> {
        self.check(&request.credentials)?;
        self.lock()
            .stores
            .remove(&request.id)
            .ok_or_else(|| ApiError::not_found("memory store", &request.id))?;
        Ok(DeleteMemoryStoreOk::NoContent)
    }

    async fn list_memory_entries(
        &self,
        request: ListMemoryEntriesRequest,
    ) -> Result<ListMemoryEntriesOk, Failure<ListMemoryEntriesError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let (_, _, entries) = state
            .stores
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("memory store", &request.id))?;
        // Newest first.
        let items: Vec<_> = entries
            .iter()
            .enumerate()
            .rev()
            .map(|(i, e)| (i as u64, e.clone()))
            .collect();
        let (data, next_cursor) =
            page(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListMemoryEntriesOk::Ok(MemoryEntryPage {
            data,
            next_cursor,
        }))
    }

    async fn search_memory_store(
        &self,
        request: SearchMemoryStoreRequest,
    ) -> Result<SearchMemoryStoreOk, Failure<SearchMemoryStoreError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        let query: Vec<String> = body
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        if query.is_empty() {
            return Err(ApiError::invalid("query", "the query must not be blank").into());
        }
        if !(1..=100).contains(&body.limit) {
            return Err(ApiError::invalid("limit", "limit must be between 1 and 100").into());
        }
        let state = self.lock();
        let (_, _, entries) = state
            .stores
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("memory store", &request.id))?;
        let mut hits: Vec<_> = entries
            .iter()
            .map(|entry| {
                let text = entry.content.to_lowercase();
                let found = query.iter().filter(|w| text.contains(w.as_str())).count();
                #[allow(clippy::cast_precision_loss)]
                let score = found as f64 / query.len() as f64;
                MemorySearchResponseDataItem {
                    entry: entry.clone(),
                    score,
                }
            })
            .filter(|hit| hit.score > 0.0)
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(usize::try_from(body.limit).unwrap_or(10));
        Ok(SearchMemoryStoreOk::Ok(MemorySearchResponse { data: hits }))
    }

    async fn upload_file(
        &self,
        request: UploadFileRequest,
    ) -> Result<UploadFileOk, Failure<UploadFileError>> {
        self.check(&request.credentials)?;
        let form = request.body;
        let session_id = form
            .text("session_id")
            .ok()
            .flatten()
            .ok_or_else(|| ApiError::invalid("session_id", "`session_id` is required"))?;
        let part = form
            .file("file")
            .ok_or_else(|| ApiError::invalid("file", "`file` is required"))?;
        if part.data.len() > self.config().max_upload_bytes {
            return Err(ApiError::new(
                ErrorType::PayloadTooLarge,
                format!("{} bytes is too large", part.data.len()),
            )
            .into());
        }
        let mut state = self.lock();
        state.session(&session_id)?;
        let (_, id) = state.id("file");
        let file = FileObject {
            id: id.clone(),
            session_id,
            filename: part.filename.clone().unwrap_or_else(|| "file".to_owned()),
            media_type: part
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            size_bytes: i64::try_from(part.data.len()).unwrap_or(i64::MAX),
            created_at: Utc::now(),
        };
        state.files.insert(id, (file.clone(), part.data.clone()));
        Ok(UploadFileOk::Created(file))
    }

    async fn delete_file(
        &self,
        request: DeleteFileRequest,
    ) -> Result<DeleteFileOk, Failure<DeleteFileError>> {
        self.check(&request.credentials)?;
        self.lock()
            .files
            .remove(&request.id)
            .ok_or_else(|| ApiError::not_found("file", &request.id))?;
        Ok(DeleteFileOk::NoContent)
    }

    async fn download_file(
        &self,
        request: DownloadFileRequest,
    ) -> Result<DownloadFileOk, Failure<DownloadFileError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let (file, data) = state
            .files
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("file", &request.id))?;
        // Two chunks, so the body really is a stream.
        let half = data.len() / 2;
        let chunks = vec![Ok(data.slice(..half)), Ok(data.slice(half..))];
        Ok(DownloadFileOk::Ok {
            body: rt::ByteStream::new(futures::stream::iter(chunks)),
            content_disposition: disposition(&file.filename),
        })
    }

    async fn list_providers(
        &self,
        request: ListProvidersRequest,
    ) -> Result<ListProvidersOk, Failure<ListProvidersError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let items = state.providers.values().cloned();
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListProvidersOk::Ok(ProviderPage { data, next_cursor }))
    }

    #[allow(deprecated)] // `api_key` is deprecated in the spec, and still served.
    async fn create_provider(
        &self,
        request: CreateProviderRequest,
    ) -> Result<CreateProviderOk, Failure<CreateProviderError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        check_uri("base_url", body.base_url.as_ref())?;
        let mut state = self.lock();
        if state.providers.contains_key(&body.id) {
            return Err(ApiError::conflict(format!("provider `{}` exists", body.id)).into());
        }
        if body.models.is_empty() {
            return Err(ApiError::invalid("models", "list at least one model").into());
        }
        let vault = match (body.api_key_vault_id.flatten(), body.api_key) {
            (Some(_), Some(_)) => {
                return Err(
                    ApiError::invalid("api_key", "give api_key or api_key_vault_id").into(),
                );
            }
            (Some(vault), None) => {
                if !state.vaults.contains_key(&vault) {
                    return Err(ApiError::not_found("vault", &vault).into());
                }
                Some(vault)
            }
            // An inline key is kept in a vault of its own.
            (None, Some(key)) => {
                Some(new_vault(&mut state, format!("{} API key", body.id), None, key).id)
            }
            (None, None) => None,
        };
        let (order, _) = state.id("provider");
        let now = Utc::now();
        let provider = ModelProvider {
            id: body.id.clone(),
            provider: body.provider,
            base_url: body.base_url,
            api_key_vault_id: Some(vault),
            models: body.models,
            created_at: now,
            updated_at: now,
        };
        state.providers.insert(body.id, (order, provider.clone()));
        Ok(CreateProviderOk::Created(provider))
    }

    async fn delete_provider(
        &self,
        request: DeleteProviderRequest,
    ) -> Result<DeleteProviderOk, Failure<DeleteProviderError>> {
        self.check(&request.credentials)?;
        self.lock()
            .providers
            .remove(&request.id)
            .ok_or_else(|| ApiError::not_found("provider", &request.id))?;
        Ok(DeleteProviderOk::NoContent)
    }

    async fn update_provider(
        &self,
        request: UpdateProviderRequest,
    ) -> Result<UpdateProviderOk, Failure<UpdateProviderError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        check_uri("base_url", body.base_url.as_ref())?;
        let mut state = self.lock();
        if let Some(Some(vault)) = &body.api_key_vault_id {
            if !state.vaults.contains_key(vault) {
                return Err(ApiError::not_found("vault", vault).into());
            }
        }
        let (_, provider) = state
            .providers
            .get_mut(&request.id)
            .ok_or_else(|| ApiError::not_found("provider", &request.id))?;
        if let Some(base_url) = body.base_url {
            provider.base_url = Some(base_url);
        }
        if let Some(vault) = body.api_key_vault_id {
            provider.api_key_vault_id = Some(vault);
        }
        if let Some(models) = body.models {
            if models.is_empty() {
                return Err(ApiError::invalid("models", "list at least one model").into());
            }
            provider.models = models;
        }
        provider.updated_at = Utc::now();
        Ok(UpdateProviderOk::Ok(provider.clone()))
    }

    async fn list_integrations(
        &self,
        request: ListIntegrationsRequest,
    ) -> Result<ListIntegrationsOk, Failure<ListIntegrationsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let items = state.integrations.values().cloned().enumerate();
        let items = items.map(|(i, integration)| (i as u64, integration));
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListIntegrationsOk::Ok(IntegrationPage {
            data,
            next_cursor,
        }))
    }

    async fn install_integration(
        &self,
        request: InstallIntegrationRequest,
    ) -> Result<InstallIntegrationOk, Failure<InstallIntegrationError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let (_, nonce) = state.id("st");
        let integration = state
            .integrations
            .get_mut(&request.id)
            .ok_or_else(|| ApiError::not_found("integration", &request.id))?;
        if integration.status == IntegrationStatus::Installed {
            return Err(ApiError::conflict(format!("{} is installed", integration.name)).into());
        }
        // The provider's consent screen is skipped: the install completes at once.
        let now = Utc::now();
        integration.status = IntegrationStatus::Installed;
        integration.installed_at = Some(Some(now));
        Ok(InstallIntegrationOk::Ok(OAuthRedirect {
            redirect_url: format!(
                "https://{}.example.com/oauth/authorize?state={nonce}",
                request.id
            ),
            expires_at: Some(Some(now + Duration::minutes(10))),
        }))
    }

    async fn uninstall_integration(
        &self,
        request: UninstallIntegrationRequest,
    ) -> Result<UninstallIntegrationOk, Failure<UninstallIntegrationError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        let integration = state
            .integrations
            .get_mut(&request.id)
            .filter(|i| i.status == IntegrationStatus::Installed)
            .ok_or_else(|| ApiError::not_found("installed integration", &request.id))?;
        integration.status = IntegrationStatus::Available;
        integration.installed_at = Some(None);
        state
            .publications
            .retain(|_, (_, p)| p.integration_id != request.id);
        Ok(UninstallIntegrationOk::NoContent)
    }

    async fn list_publications(
        &self,
        request: ListPublicationsRequest,
    ) -> Result<ListPublicationsOk, Failure<ListPublicationsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        if !state.integrations.contains_key(&request.id) {
            return Err(ApiError::not_found("integration", &request.id).into());
        }
        let items = state
            .publications
            .values()
            .filter(|(_, p)| p.integration_id == request.id)
            .cloned();
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListPublicationsOk::Ok(PublicationPage {
            data,
            next_cursor,
        }))
    }

    async fn create_publication(
        &self,
        request: CreatePublicationRequest,
    ) -> Result<CreatePublicationOk, Failure<CreatePublicationError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        let mut state = self.lock();
        let integration = state
            .integrations
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("integration", &request.id))?;
        if integration.status != IntegrationStatus::Installed {
            return Err(
                ApiError::conflict(format!("{} is not installed", integration.name)).into(),
            );
        }
        state.agent(&body.agent_id)?;
        if body.workspace_id.trim().is_empty() {
            return Err(ApiError::invalid("workspace_id", "workspace_id must not be blank").into());
        }
        let taken = state
            .publications
            .values()
            .any(|(_, p)| p.integration_id == request.id && p.workspace_id == body.workspace_id);
        if taken {
            return Err(ApiError::conflict("that workspace already has an agent").into());
        }
        let (order, id) = state.id("pub");
        let publication = Publication {
            agent_id: body.agent_id,
            workspace_id: body.workspace_id,
            id: id.clone(),
            integration_id: request.id,
            created_at: Utc::now(),
        };
        state.publications.insert(id, (order, publication.clone()));
        Ok(CreatePublicationOk::Created(publication))
    }

    async fn delete_publication(
        &self,
        request: DeletePublicationRequest,
    ) -> Result<DeletePublicationOk, Failure<DeletePublicationError>> {
        self.check(&request.credentials)?;
        let mut state = self.lock();
        match state.publications.get(&request.pub_id) {
            Some((_, p)) if p.integration_id == request.id => {
                state.publications.remove(&request.pub_id);
                Ok(DeletePublicationOk::NoContent)
            }
            _ => Err(ApiError::not_found("publication", &request.pub_id).into()),
        }
    }

    async fn list_evals(
        &self,
        request: ListEvalsRequest,
    ) -> Result<ListEvalsOk, Failure<ListEvalsError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let items = state.evals.values().map(|(order, results)| {
            let mut run = serde_json::to_value(results).unwrap_or_default();
            if let Some(run) = run.as_object_mut() {
                run.remove("results");
            }
            (*order, run)
        });
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListEvalsOk::Ok(EvalRunPage { data, next_cursor }))
    }

    async fn create_eval(
        &self,
        request: CreateEvalRequest,
    ) -> Result<CreateEvalOk, Failure<CreateEvalError>> {
        self.check(&request.credentials)?;
        let body = request.body;
        if body.cases.is_empty() {
            return Err(ApiError::invalid("cases", "an eval needs cases").into());
        }
        let mut state = self.lock();
        let agent = state.agent(&body.agent_id)?.clone();
        let version = body.agent_version.flatten().unwrap_or(agent.version);
        let results: Vec<_> = body
            .cases
            .iter()
            .enumerate()
            .map(|(i, case)| {
                let output = format!("Echo: {}", case.input);
                let passed = case
                    .expected
                    .clone()
                    .flatten()
                    .is_none_or(|expected| output.contains(&expected));
                EvalRunResultsResultsItem {
                    case_index: i64::try_from(i).unwrap_or(0),
                    passed,
                    score: Some(Some(if passed { 1.0 } else { 0.0 })),
                    output: Some(Some(output)),
                    session_id: Some(None),
                }
            })
            .collect();
        let passed = results.iter().filter(|r| r.passed).count();
        let (order, id) = state.id("eval");
        let now = Utc::now();
        let run = EvalRunResults {
            id: id.clone(),
            name: body.name.map(Some),
            agent_id: agent.id,
            agent_version: version,
            status: EvalRunResultsStatus::Completed,
            passed: Some(Some(i64::try_from(passed).unwrap_or(0))),
            total: Some(i64::try_from(results.len()).unwrap_or(0)),
            created_at: now,
            completed_at: Some(Some(now)),
            results,
        };
        state.evals.insert(id, (order, run.clone()));
        let mut summary = serde_json::to_value(run).unwrap_or_default();
        if let Some(summary) = summary.as_object_mut() {
            summary.remove("results");
        }
        let summary = serde_json::from_value(summary).map_err(Failure::internal)?;
        Ok(CreateEvalOk::Created(summary))
    }

    async fn get_eval(&self, request: GetEvalRequest) -> Result<GetEvalOk, Failure<GetEvalError>> {
        self.check(&request.credentials)?;
        let state = self.lock();
        let (_, run) = state
            .evals
            .get(&request.id)
            .ok_or_else(|| ApiError::not_found("eval", &request.id))?;
        Ok(GetEvalOk::Ok(run.clone()))
    }

    async fn list_api_keys(
        &self,
        request: ListApiKeysRequest,
    ) -> Result<ListApiKeysOk, Failure<ListApiKeysError>> {
        self.check_admin(&request.credentials)?;
        let state = self.lock();
        let items = state
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| !k.revoked)
            .map(|(i, k)| (i as u64, k.key.clone()));
        let (data, next_cursor) =
            sorted(items, request.limit, request.cursor.as_deref()).unwrap_or((Vec::new(), None));
        Ok(ListApiKeysOk::Ok(ApiKeyPage { data, next_cursor }))
    }

    async fn create_api_key(
        &self,
        request: CreateApiKeyRequest,
    ) -> Result<CreateApiKeyOk, Failure<CreateApiKeyError>> {
        self.check_admin(&request.credentials)?;
        if request.body.name.trim().is_empty() {
            return Err(ApiError::invalid("name", "name must not be blank").into());
        }
        let mut state = self.lock();
        let (n, id) = state.id("key");
        let secret = format!("sk_live_{n:08x}{:08x}", n.wrapping_mul(0x9e37_79b9));
        let key = ApiKey {
            id,
            name: request.body.name,
            prefix: secret[..10].to_owned(),
            created_at: Utc::now(),
            last_used_at: Some(None),
        };
        state.keys.push(KeyRecord {
            key: key.clone(),
            secret: secret.clone(),
            revoked: false,
        });
        Ok(CreateApiKeyOk::Created(ApiKeyWithSecret {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            key: secret,
        }))
    }

    async fn revoke_api_key(
        &self,
        request: RevokeApiKeyRequest,
    ) -> Result<RevokeApiKeyOk, Failure<RevokeApiKeyError>> {
        self.check_admin(&request.credentials)?;
        let mut state = self.lock();
        let key = state
            .keys
            .iter_mut()
            .find(|k| k.key.id == request.id && !k.revoked)
            .ok_or_else(|| ApiError::not_found("API key", &request.id))?;
        key.revoked = true;
        Ok(RevokeApiKeyOk::NoContent)
    }

    async fn start_console_oauth(
        &self,
        request: StartConsoleOauthRequest,
    ) -> Result<StartConsoleOauthOk, Failure<StartConsoleOauthError>> {
        let mut state = self.lock();
        let (_, nonce) = state.id("state");
        let landing = request.redirect_to.unwrap_or_else(|| "/".to_owned());
        state.oauth.insert(nonce.clone(), landing);
        let url = format!(
            "{}?client_id=console&response_mode=form_post&scope=openid%20email&state={nonce}",
            self.config().authorize_url
        );
        let cookie = Some(format!(
            "oauth_state={nonce}; HttpOnly; Secure; SameSite=None"
        ));
        if accepts_json() {
            Ok(StartConsoleOauthOk::Ok {
                body: OAuthRedirect {
                    redirect_url: url,
                    expires_at: Some(Some(Utc::now() + Duration::minutes(10))),
                },
                set_cookie: cookie,
            })
        } else {
            Ok(StartConsoleOauthOk::Found {
                location: url,
                set_cookie: cookie,
            })
        }
    }

    async fn console_oauth_callback(
        &self,
        request: ConsoleOauthCallbackRequest,
    ) -> Result<ConsoleOauthCallbackOk, Failure<ConsoleOauthCallbackError>> {
        let form = request.body;
        if form.state != request.oauth_state {
            return Err(
                ApiError::new(ErrorType::Forbidden, "state does not match the cookie").into(),
            );
        }
        let landing = self
            .lock()
            .oauth
            .remove(&form.state)
            .ok_or_else(|| ApiError::new(ErrorType::Forbidden, "unknown or used state"))?;
        if let Some(error) = form.error {
            return Err(ApiError::invalid("error", format!("Google said: {error}")).into());
        }
        let code = form
            .code
            .ok_or_else(|| ApiError::invalid("code", "`code` is required"))?;
        let session = ConsoleSession {
            user_id: format!("user_{}", code.len()),
            email: format!("{code}@example.com"),
            expires_at: Utc::now() + Duration::hours(12),
        };
        let cookie = Some(format!("console_session={code}; HttpOnly; Secure; Path=/"));
        if accepts_json() {
            Ok(ConsoleOauthCallbackOk::Ok {
                body: session,
                set_cookie: cookie,
            })
        } else {
            Ok(ConsoleOauthCallbackOk::SeeOther {
                location: format!("{}{landing}", self.config().console_url),
                set_cookie: cookie,
            })
        }
    }

    async fn health_check(
        &self,
        _request: HealthCheckRequest,
    ) -> Result<HealthCheckOk, Failure<HealthCheckError>> {
        Ok(HealthCheckOk::Ok(HealthStatus { ok: true }))
    }
}

fn environment(
    id: String,
    body: EnvironmentInput,
    created_at: DateTime<Utc>,
) -> Result<EnvironmentConfig, ApiError> {
    if body.image.trim().is_empty() {
        return Err(ApiError::invalid("image", "image must not be blank"));
    }
    let network = match body.network {
        EnvironmentInputNetwork::None => EnvironmentConfigNetwork::None,
        EnvironmentInputNetwork::Restricted => EnvironmentConfigNetwork::Restricted,
        EnvironmentInputNetwork::Full => EnvironmentConfigNetwork::Full,
        EnvironmentInputNetwork::Unknown(other) => {
            return Err(ApiError::invalid(
                "network",
                format!("`{other}` is not a network mode"),
            ));
        }
    };
    Ok(EnvironmentConfig {
        name: body.name,
        description: body.description,
        image: body.image,
        packages: body.packages,
        env: body.env,
        network,
        id,
        builtin: false,
        created_at,
        updated_at: created_at,
    })
}

/// A user turn becomes an entry of each of the agent's memory stores.
fn remember(state: &mut State, agent_id: &str, session_id: &str, text: &str) {
    let (_, id) = state.id("entry");
    for (_, store, entries) in state.stores.values_mut() {
        if store.agent_id == agent_id {
            entries.push(MemoryEntry {
                id: format!("{id}_{}", store.id),
                content: text.to_owned(),
                session_id: Some(Some(session_id.to_owned())),
                metadata: None,
                created_at: Utc::now(),
            });
            store.entry_count += 1;
        }
    }
}
