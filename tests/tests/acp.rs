//! The generated `acp` client against the generated `acp` server, over loopback: all 30
//! operations of the Agent Connect Protocol spec (seed 004), with values round-tripping both
//! ways.
//!
//! The implementation keeps agents, threads (with a checkpoint history) and runs in memory. Its
//! one agent "echoes": a run answers its input back as values; an input with `"interrupt":
//! true` stops on an interrupt until resumed; `"fail": true` ends in an error; `"steps": n`
//! streams n custom updates first; `"hold": true` stays pending until cancelled. Runs execute
//! in a background task, so the `wait` endpoints really block and the output streams follow a
//! run live. A stream replays the run's output after `Last-Event-ID`, then follows the run until
//! it stops being pending.
//!
//! Two wire-format problems found here are recorded as ignored tests at the end (the ACP event
//! envelope, and `create_and_stream_*` re-sending its POST on reconnect).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acp::rt;
use acp::rt::server::Failure;
use acp::server::*;
use acp::*;
use chrono::{DateTime, TimeZone as _, Utc};
use futures::StreamExt as _;
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "support/cutting_proxy.rs"]
mod cutting_proxy;

const ECHO: Uuid = Uuid::from_u128(0xEC40);
const MATH: Uuid = Uuid::from_u128(0x3A74);

type Object = BTreeMap<String, Value>;

fn object(value: Value) -> Object {
    serde_json::from_value(value).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The implementation

#[derive(Clone)]
enum Creation {
    Stateful(RunCreateStateful),
    Stateless(RunCreateStateless),
}

#[derive(Clone)]
struct RunRec {
    run_id: Uuid,
    thread_id: Option<Uuid>,
    agent_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    status: RunStatus,
    creation: Creation,
    output: Option<RunOutput>,
    /// The run's output stream so far; event ids are positions, from 1.
    events: Vec<RunOutputStreamData>,
    resumed_with: Option<ResumePayloadSchema>,
}

impl RunRec {
    fn input(&self) -> Object {
        let input = match &self.creation {
            Creation::Stateful(c) => c.input.clone(),
            Creation::Stateless(c) => c.input.clone(),
        };
        match input {
            Some(InputSchema::Object(map)) => map,
            _ => Object::new(),
        }
    }

    fn metadata(&self) -> Option<&Object> {
        match &self.creation {
            Creation::Stateful(c) => c.metadata.as_ref(),
            Creation::Stateless(c) => c.metadata.as_ref(),
        }
    }

    fn stateful(&self) -> RunStateful {
        let Creation::Stateful(creation) = &self.creation else {
            panic!("not a thread run")
        };
        RunStateful {
            run_id: self.run_id,
            thread_id: self.thread_id,
            agent_id: self.agent_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
            status: self.status.clone(),
            creation: creation.clone(),
        }
    }

    fn stateless(&self) -> RunStateless {
        let Creation::Stateless(creation) = &self.creation else {
            panic!("not a stateless run")
        };
        RunStateless {
            run_id: self.run_id,
            thread_id: self.thread_id,
            agent_id: self.agent_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
            status: self.status.clone(),
            creation: creation.clone(),
        }
    }
}

struct ThreadRec {
    thread: Thread,
    /// Newest first.
    history: Vec<ThreadState>,
}

#[derive(Default)]
struct State {
    threads: BTreeMap<Uuid, ThreadRec>,
    runs: BTreeMap<Uuid, RunRec>,
    next_id: u128,
    tick: i64,
}

impl State {
    fn now(&mut self) -> DateTime<Utc> {
        self.tick += 1;
        Utc.timestamp_opt(1_740_000_000 + self.tick, 0).unwrap()
    }

    fn new_id(&mut self, prefix: u128) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128((prefix << 64) + self.next_id)
    }

    fn checkpoint(&mut self, thread_id: Uuid) {
        let checkpoint_id = self.new_id(0xC4EC);
        let now = self.now();
        let Some(rec) = self.threads.get_mut(&thread_id) else {
            return;
        };
        rec.thread.updated_at = now;
        rec.history.insert(
            0,
            ThreadState {
                checkpoint: ThreadCheckpoint { checkpoint_id },
                values: rec
                    .thread
                    .values
                    .clone()
                    .unwrap_or_else(|| ThreadStateSchema::Object(Object::new())),
                messages: rec.thread.messages.clone(),
                metadata: Some(object(json!({"step": rec.history.len()}))),
            },
        );
    }

    fn new_thread(&mut self, thread_id: Uuid, metadata: Object) -> Thread {
        let now = self.now();
        let thread = Thread {
            thread_id: thread_id.to_string(),
            created_at: now,
            updated_at: now,
            metadata,
            status: ThreadStatus2::Idle,
            values: None,
            messages: None,
        };
        self.threads.insert(
            thread_id,
            ThreadRec {
                thread,
                history: Vec::new(),
            },
        );
        self.checkpoint(thread_id);
        self.threads[&thread_id].thread.clone()
    }

    /// Records what the run did to its thread.
    fn settle_thread(&mut self, run_id: Uuid) {
        let Some(run) = self.runs.get(&run_id).cloned() else {
            return;
        };
        let Some(thread_id) = run.thread_id else {
            return;
        };
        let Some(rec) = self.threads.get_mut(&thread_id) else {
            return;
        };
        rec.thread.status = match run.status {
            RunStatus::Pending => ThreadStatus2::Busy,
            RunStatus::Interrupted => ThreadStatus2::Interrupted,
            RunStatus::Error => ThreadStatus2::Error,
            _ => ThreadStatus2::Idle,
        };
        if let Some(RunOutput::Result(result)) = &run.output {
            if let Some(OutputSchema::Object(values)) = &result.values {
                rec.thread.values = Some(ThreadStateSchema::Object(values.clone()));
            }
            if let Some(messages) = &result.messages {
                rec.thread
                    .messages
                    .get_or_insert_with(Vec::new)
                    .extend(messages.iter().cloned());
            }
            self.checkpoint(thread_id);
        }
    }
}

/// What one request to a cancel endpoint carried.
#[derive(Clone, Debug, PartialEq)]
struct CancelCall {
    run_id: Uuid,
    wait: Option<bool>,
    action: Option<String>,
}

#[derive(Default)]
struct Acp {
    state: Arc<Mutex<State>>,
    changed: Arc<tokio::sync::watch::Sender<u64>>,
    cancels: Mutex<Vec<CancelCall>>,
    history_queries: Mutex<Vec<(Option<i64>, Option<String>)>>,
    page_queries: Mutex<Vec<(Option<i64>, Option<i64>)>>,
    /// The `Last-Event-ID` of every stream request, in order.
    stream_resumes: Mutex<Vec<Option<String>>>,
    /// Requests blocked in a `wait` endpoint right now.
    waiting: Arc<Mutex<usize>>,
}

fn agents() -> Vec<(Agent, AgentAcpDescriptor)> {
    let describe = |id: Uuid, name: &str, version: &str, description: &str| {
        let metadata = AgentMetadata {
            r#ref: AgentRef {
                name: name.to_owned(),
                version: version.to_owned(),
                url: Some(format!("https://agents.example.com/{name}")),
            },
            description: description.to_owned(),
        };
        let descriptor = AgentAcpDescriptor {
            metadata: metadata.clone(),
            specs: AgentAcpSpec {
                capabilities: AgentAcpSpecCapabilities {
                    threads: true,
                    interrupts: true,
                    callbacks: false,
                    streaming: Some(AgentAcpSpecCapabilitiesStreaming {
                        values: Some(true),
                        custom: Some(true),
                    }),
                },
                input: object(json!({"type": "object", "additionalProperties": true})),
                output: object(json!({"type": "object", "properties": {"echo": {}}})),
                custom_streaming_update: Some(object(json!({"type": "object"}))),
                thread_state: Some(object(json!({"type": "object"}))),
                config: object(
                    json!({"type": "object", "properties": {"temperature": {"type": "number"}}}),
                ),
                interrupts: Some(vec![AgentAcpSpecInterruptsItem {
                    interrupt_type: "approval".to_owned(),
                    interrupt_payload: object(json!({"type": "object"})),
                    resume_payload: object(json!({"type": "object", "required": ["approved"]})),
                }]),
            },
        };
        (
            Agent {
                agent_id: id,
                metadata,
            },
            descriptor,
        )
    };
    vec![
        describe(ECHO, "echo", "1.2.0", "Answers its input back."),
        describe(MATH, "math", "0.9.1", "Does sums."),
    ]
}

fn not_found(what: &str) -> ErrorResponse {
    format!("{what} not found")
}

/// What the echo agent streams and answers for `run`'s input: the events, then the final
/// status and output. `None`: the run holds until cancelled.
fn agent_script(run: &RunRec) -> Option<(Vec<RunOutputStreamData>, RunStatus, RunOutput)> {
    let input = run.input();
    let flag = |name: &str| input.get(name) == Some(&json!(true));
    let run_id = run.run_id;
    if flag("hold") && run.resumed_with.is_none() {
        return None;
    }
    let mut events = Vec::new();
    let steps = input.get("steps").and_then(Value::as_i64).unwrap_or(1);
    for step in 1..=steps {
        events.push(RunOutputStreamData::Custom(CustomRunResultUpdate {
            r#type: CustomRunResultUpdateType::Custom,
            run_id: Some(run_id),
            status: RunStatus::Pending,
            update: object(json!({"step": step, "of": steps})),
        }));
    }
    if flag("fail") {
        let error = RunError {
            r#type: RunErrorType::Error,
            run_id,
            errcode: 500,
            description: "the agent failed on purpose".to_owned(),
        };
        events.push(RunOutputStreamData::Error(ValueRunErrorUpdate {
            r#type: ValueRunErrorUpdateType::Error,
            run_id,
            errcode: error.errcode,
            description: error.description.clone(),
            status: RunStatus::Error,
        }));
        return Some((events, RunStatus::Error, RunOutput::Error(error)));
    }
    if flag("interrupt") && run.resumed_with.is_none() {
        let interrupt = InterruptPayloadSchema::Object(object(json!({
            "question": "Proceed?",
            "run": run_id.to_string(),
        })));
        events.push(RunOutputStreamData::Interrupt(ValueRunInterruptUpdate {
            r#type: ValueRunInterruptUpdateType::Interrupt,
            interrupt: interrupt.clone(),
            run_id,
            status: RunStatus::Interrupted,
        }));
        return Some((
            events,
            RunStatus::Interrupted,
            RunOutput::Interrupt(RunInterrupt {
                r#type: RunInterruptType::Interrupt,
                interrupt,
            }),
        ));
    }
    let mut values = object(json!({"echo": input, "agent": run.agent_id.to_string()}));
    if let Some(resume) = &run.resumed_with {
        values.insert(
            "resumed_with".to_owned(),
            serde_json::to_value(resume).unwrap(),
        );
    }
    let messages = vec![Message {
        role: "assistant".to_owned(),
        content: MessageContent::Array(vec![
            MessageContentArrayItem::MessageTextBlock(MessageContentArrayItemMessageTextBlock {
                text: "done".to_owned(),
                r#type: MessageContentArrayItemMessageTextBlockType::Text,
                metadata: None,
            }),
            MessageContentArrayItem::MessageAnyBlock(MessageContentArrayItemMessageAnyBlock {
                r#type: "image".to_owned(),
                metadata: Some(object(json!({"alt": "a chart"}))),
            }),
        ]),
        id: Some(format!("msg-{run_id}")),
        metadata: None,
    }];
    events.push(RunOutputStreamData::Values(ValueRunResultUpdate {
        r#type: ValueRunResultUpdateType::Values,
        run_id,
        status: RunStatus::Success,
        values: OutputSchema::Object(values.clone()),
        messages: Some(messages.clone()),
    }));
    Some((
        events,
        RunStatus::Success,
        RunOutput::Result(RunResult {
            r#type: RunResultType::Result,
            values: Some(OutputSchema::Object(values)),
            messages: Some(messages),
        }),
    ))
}

/// The frame a stream sends for event `index` (0-based) of `run`.
fn frame(index: usize, data: &RunOutputStreamData) -> rt::sse::Event<RunOutputStream> {
    let id = (index + 1).to_string();
    rt::sse::Event::new(RunOutputStream {
        id: id.clone(),
        event: RunOutputStreamEvent::AgentEvent,
        data: data.clone(),
    })
    .with_id(id)
    .with_event("agent_event")
}

impl Acp {
    fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// Runs the agent for `run_id` in the background, one output event at a time.
    fn execute(&self, run_id: Uuid) {
        let state = self.state.clone();
        let changed = self.changed.clone();
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            let script = {
                let state = state.lock().unwrap();
                state.runs.get(&run_id).and_then(agent_script)
            };
            let Some((events, status, output)) = script else {
                return;
            };
            for event in events {
                tokio::task::yield_now().await;
                let mut state = state.lock().unwrap();
                let now = state.now();
                let Some(run) = state.runs.get_mut(&run_id) else {
                    return;
                };
                if run.status != RunStatus::Pending {
                    return; // cancelled meanwhile
                }
                run.events.push(event);
                run.updated_at = now;
                drop(state);
                changed.send_modify(|n| *n += 1);
            }
            let mut state = state.lock().unwrap();
            let now = state.now();
            if let Some(run) = state
                .runs
                .get_mut(&run_id)
                .filter(|r| r.status == RunStatus::Pending)
            {
                run.status = status;
                run.output = Some(output);
                run.updated_at = now;
                state.settle_thread(run_id);
            }
            drop(state);
            changed.send_modify(|n| *n += 1);
        });
    }

    /// Checks the agent and creates a pending run, then starts it.
    fn start(
        &self,
        thread_id: Option<Uuid>,
        agent_id: Option<&str>,
        creation: Creation,
    ) -> Result<RunRec, ErrorResponse> {
        let agent_id = agent_id
            .and_then(|id| id.parse::<Uuid>().ok())
            .filter(|id| agents().iter().any(|(a, _)| a.agent_id == *id))
            .ok_or_else(|| not_found("agent"))?;
        let mut state = self.state.lock().unwrap();
        let run_id = state.new_id(0x7E11);
        let now = state.now();
        let run = RunRec {
            run_id,
            thread_id,
            agent_id,
            created_at: now,
            updated_at: now,
            status: RunStatus::Pending,
            creation,
            output: None,
            events: Vec::new(),
            resumed_with: None,
        };
        state.runs.insert(run_id, run.clone());
        state.settle_thread(run_id);
        drop(state);
        self.execute(run_id);
        self.notify();
        Ok(run)
    }

    /// The run, if it exists (and belongs to `thread_id` when one is given).
    fn run(&self, thread_id: Option<Uuid>, run_id: Uuid) -> Option<RunRec> {
        let state = self.state.lock().unwrap();
        let run = state.runs.get(&run_id)?;
        (thread_id.is_none() || run.thread_id == thread_id).then(|| run.clone())
    }

    /// Blocks until the run is no longer pending; `None` if it disappears.
    async fn settled(&self, thread_id: Option<Uuid>, run_id: Uuid) -> Option<RunRec> {
        let mut rx = self.changed.subscribe();
        *self.waiting.lock().unwrap() += 1;
        let result = loop {
            rx.borrow_and_update();
            match self.run(thread_id, run_id) {
                None => break None,
                Some(run) if run.status != RunStatus::Pending => break Some(run),
                Some(_) => {}
            }
            if rx.changed().await.is_err() {
                break None;
            }
        };
        *self.waiting.lock().unwrap() -= 1;
        result
    }

    /// The run's output after `last_event_id`, then live until it stops being pending.
    fn output_stream(
        &self,
        run_id: Uuid,
        last_event_id: Option<String>,
    ) -> rt::sse::Events<RunOutputStream> {
        self.stream_resumes
            .lock()
            .unwrap()
            .push(last_event_id.clone());
        let start = last_event_id
            .and_then(|id| id.parse::<usize>().ok())
            .unwrap_or(0);
        let state = self.state.clone();
        let rx = self.changed.subscribe();
        let stream = futures::stream::unfold((start, rx), move |(next, mut rx)| {
            let state = state.clone();
            async move {
                loop {
                    rx.borrow_and_update();
                    let (event, pending) = {
                        let state = state.lock().unwrap();
                        let run = state.runs.get(&run_id)?;
                        (
                            run.events.get(next).cloned(),
                            run.status == RunStatus::Pending,
                        )
                    };
                    if let Some(event) = event {
                        return Some((frame(next, &event), (next + 1, rx)));
                    }
                    if !pending {
                        return None;
                    }
                    rx.changed().await.ok()?;
                }
            }
        });
        rt::sse::Events::from_events(stream)
    }

    /// Cancels a run: `rollback` removes it, anything else interrupts it.
    fn cancel(&self, thread_id: Option<Uuid>, call: CancelCall) -> bool {
        self.cancels.lock().unwrap().push(call.clone());
        let mut state = self.state.lock().unwrap();
        let now = state.now();
        let Some(run) = state
            .runs
            .get_mut(&call.run_id)
            .filter(|run| thread_id.is_none() || run.thread_id == thread_id)
        else {
            return false;
        };
        if call.action.as_deref() == Some("rollback") {
            state.runs.remove(&call.run_id);
            if let Some(thread) = thread_id.and_then(|id| state.threads.get_mut(&id)) {
                thread.thread.status = ThreadStatus2::Idle;
            }
        } else if run.status == RunStatus::Pending {
            run.status = RunStatus::Interrupted;
            run.updated_at = now;
            state.settle_thread(call.run_id);
        }
        drop(state);
        self.notify();
        true
    }

    /// Resumes an interrupted run with `payload`.
    fn resume(
        &self,
        thread_id: Option<Uuid>,
        run_id: Uuid,
        payload: ResumePayloadSchema,
    ) -> Result<RunRec, (u16, ErrorResponse)> {
        let mut state = self.state.lock().unwrap();
        let now = state.now();
        let run = state
            .runs
            .get_mut(&run_id)
            .filter(|run| thread_id.is_none() || run.thread_id == thread_id)
            .ok_or((404, not_found("run")))?;
        if run.status != RunStatus::Interrupted {
            return Err((409, format!("run is {}, not interrupted", run.status)));
        }
        run.status = RunStatus::Pending;
        run.output = None;
        run.resumed_with = Some(payload);
        run.updated_at = now;
        let run = run.clone();
        state.settle_thread(run_id);
        drop(state);
        self.execute(run_id);
        self.notify();
        Ok(run)
    }

    fn thread_exists(&self, thread_id: Uuid) -> bool {
        self.state.lock().unwrap().threads.contains_key(&thread_id)
    }

    /// Creates a run on a thread, as `create_thread_run` and its stream and wait variants do.
    fn start_on_thread(
        &self,
        thread_id: Uuid,
        body: RunCreateStateful,
    ) -> Result<RunRec, (u16, ErrorResponse)> {
        {
            let mut state = self.state.lock().unwrap();
            if !state.threads.contains_key(&thread_id) {
                if body.if_not_exists != RunCreateStatefulIfNotExists::Create {
                    return Err((404, not_found("thread")));
                }
                state.new_thread(thread_id, Object::new());
            }
            let busy = state
                .runs
                .values()
                .any(|run| run.thread_id == Some(thread_id) && run.status == RunStatus::Pending);
            if busy && body.multitask_strategy == RunCreateStatefulMultitaskStrategy::Reject {
                return Err((409, "the thread has a run in progress".to_owned()));
            }
        }
        let agent = body.agent_id.clone();
        self.start(Some(thread_id), agent.as_deref(), Creation::Stateful(body))
            .map_err(|e| (404, e))
    }
}

fn page<T>(items: Vec<T>, limit: Option<i64>, offset: Option<i64>) -> Vec<T> {
    let offset = usize::try_from(offset.unwrap_or(0)).unwrap_or(0);
    let limit = usize::try_from(limit.unwrap_or(10)).unwrap_or(0);
    items.into_iter().skip(offset).take(limit).collect()
}

/// Every key of `wanted` is in `have` with the same value.
fn contains(have: &Object, wanted: &Object) -> bool {
    wanted.iter().all(|(k, v)| have.get(k) == Some(v))
}

impl Api for Acp {
    async fn search_agents(
        &self,
        request: SearchAgentsRequest,
    ) -> Result<SearchAgentsOk, Failure<SearchAgentsError>> {
        let body = request.body;
        if body.limit < 1 {
            return Err(SearchAgentsError::UnprocessableEntity(
                "limit must be at least 1".to_owned(),
            )
            .into());
        }
        let found: Vec<Agent> = agents()
            .into_iter()
            .map(|(agent, _)| agent)
            .filter(|a| {
                body.name
                    .as_ref()
                    .is_none_or(|n| a.metadata.r#ref.name.contains(n.as_str()))
            })
            .filter(|a| {
                body.version
                    .as_ref()
                    .is_none_or(|v| a.metadata.r#ref.version == *v)
            })
            .collect();
        Ok(SearchAgentsOk::Ok(page(
            found,
            Some(body.limit),
            Some(body.offset),
        )))
    }

    async fn get_agent_by_id(
        &self,
        request: GetAgentByIdRequest,
    ) -> Result<GetAgentByIdOk, Failure<GetAgentByIdError>> {
        agents()
            .into_iter()
            .find(|(a, _)| a.agent_id == request.agent_id)
            .map(|(a, _)| GetAgentByIdOk::Ok(a))
            .ok_or_else(|| GetAgentByIdError::NotFound(not_found("agent")).into())
    }

    async fn get_acp_descriptor_by_id(
        &self,
        request: GetAcpDescriptorByIdRequest,
    ) -> Result<GetAcpDescriptorByIdOk, Failure<GetAcpDescriptorByIdError>> {
        agents()
            .into_iter()
            .find(|(a, _)| a.agent_id == request.agent_id)
            .map(|(_, d)| GetAcpDescriptorByIdOk::Ok(d))
            .ok_or_else(|| GetAcpDescriptorByIdError::NotFound(not_found("agent")).into())
    }

    async fn create_thread(
        &self,
        request: CreateThreadRequest,
    ) -> Result<CreateThreadOk, Failure<CreateThreadError>> {
        let body = request.body;
        let mut state = self.state.lock().unwrap();
        let thread_id = match body.thread_id {
            Some(id) => id,
            None => state.new_id(0x7EAD),
        };
        if let Some(existing) = state.threads.get(&thread_id) {
            return match body.if_exists {
                ThreadCreateIfExists::DoNothing => Ok(CreateThreadOk::Ok(existing.thread.clone())),
                _ => Err(CreateThreadError::Conflict(format!("thread {thread_id} exists")).into()),
            };
        }
        let thread = state.new_thread(thread_id, body.metadata.unwrap_or_default());
        Ok(CreateThreadOk::Ok(thread))
    }

    async fn search_threads(
        &self,
        request: SearchThreadsRequest,
    ) -> Result<SearchThreadsOk, Failure<SearchThreadsError>> {
        let body = request.body;
        let state = self.state.lock().unwrap();
        let found: Vec<Thread> = state
            .threads
            .values()
            .map(|rec| rec.thread.clone())
            .filter(|t| {
                body.metadata
                    .as_ref()
                    .is_none_or(|m| contains(&t.metadata, m))
            })
            .filter(|t| {
                body.values.as_ref().is_none_or(|wanted| match &t.values {
                    Some(ThreadStateSchema::Object(values)) => contains(values, wanted),
                    _ => false,
                })
            })
            .filter(|t| {
                body.status
                    .as_ref()
                    .is_none_or(|s| s.as_str() == t.status.as_str())
            })
            .collect();
        Ok(SearchThreadsOk::Ok(page(
            found,
            Some(body.limit),
            Some(body.offset),
        )))
    }

    async fn get_thread_history(
        &self,
        request: GetThreadHistoryRequest,
    ) -> Result<GetThreadHistoryOk, Failure<GetThreadHistoryError>> {
        self.history_queries
            .lock()
            .unwrap()
            .push((request.limit, request.before.clone()));
        let state = self.state.lock().unwrap();
        let rec = state
            .threads
            .get(&request.thread_id)
            .ok_or_else(|| GetThreadHistoryError::NotFound(not_found("thread")))?;
        let mut history = rec.history.clone();
        if let Some(before) = request.before {
            let Some(at) = history
                .iter()
                .position(|s| s.checkpoint.checkpoint_id.to_string() == before)
            else {
                return Err(GetThreadHistoryError::UnprocessableEntity(format!(
                    "unknown checkpoint {before}"
                ))
                .into());
            };
            history.drain(..=at);
        }
        Ok(GetThreadHistoryOk::Ok(page(history, request.limit, None)))
    }

    async fn copy_thread(
        &self,
        request: CopyThreadRequest,
    ) -> Result<CopyThreadOk, Failure<CopyThreadError>> {
        let mut state = self.state.lock().unwrap();
        let Some(source) = state.threads.get(&request.thread_id) else {
            return Err(CopyThreadError::NotFound(not_found("thread")).into());
        };
        let (mut thread, history) = (source.thread.clone(), source.history.clone());
        let copy_id = state.new_id(0x7EAD);
        let now = state.now();
        thread.thread_id = copy_id.to_string();
        thread.created_at = now;
        thread.updated_at = now;
        thread.status = ThreadStatus2::Idle;
        state.threads.insert(
            copy_id,
            ThreadRec {
                thread: thread.clone(),
                history,
            },
        );
        Ok(CopyThreadOk::Ok(thread))
    }

    async fn get_thread(
        &self,
        request: GetThreadRequest,
    ) -> Result<GetThreadOk, Failure<GetThreadError>> {
        let state = self.state.lock().unwrap();
        state
            .threads
            .get(&request.thread_id)
            .map(|rec| GetThreadOk::Ok(rec.thread.clone()))
            .ok_or_else(|| GetThreadError::NotFound(not_found("thread")).into())
    }

    async fn delete_thread(
        &self,
        request: DeleteThreadRequest,
    ) -> Result<DeleteThreadOk, Failure<DeleteThreadError>> {
        let mut state = self.state.lock().unwrap();
        if state.threads.remove(&request.thread_id).is_none() {
            return Err(DeleteThreadError::NotFound(not_found("thread")).into());
        }
        state
            .runs
            .retain(|_, run| run.thread_id != Some(request.thread_id));
        Ok(DeleteThreadOk::NoContent)
    }

    async fn patch_thread(
        &self,
        request: PatchThreadRequest,
    ) -> Result<PatchThreadOk, Failure<PatchThreadError>> {
        let patch = request.body;
        let id = request.thread_id;
        let mut state = self.state.lock().unwrap();
        let Some(rec) = state.threads.get_mut(&id) else {
            return Err(PatchThreadError::NotFound(not_found("thread")).into());
        };
        if let Some(checkpoint) = &patch.checkpoint {
            let Some(at) = rec.history.iter().find(|s| s.checkpoint == *checkpoint) else {
                return Err(PatchThreadError::UnprocessableEntity(format!(
                    "unknown checkpoint {}",
                    checkpoint.checkpoint_id
                ))
                .into());
            };
            // Branch from that checkpoint: its state is the base of the patch.
            rec.thread.values = Some(at.values.clone());
            rec.thread.messages = at.messages.clone();
        }
        if let Some(metadata) = patch.metadata {
            rec.thread.metadata.extend(metadata);
        }
        if let Some(values) = patch.values {
            rec.thread.values = Some(values);
        }
        if let Some(messages) = patch.messages {
            rec.thread.messages = Some(messages);
        }
        state.checkpoint(id);
        Ok(PatchThreadOk::Ok(state.threads[&id].thread.clone()))
    }

    async fn list_thread_runs(
        &self,
        request: ListThreadRunsRequest,
    ) -> Result<ListThreadRunsOk, Failure<ListThreadRunsError>> {
        self.page_queries
            .lock()
            .unwrap()
            .push((request.limit, request.offset));
        if !self.thread_exists(request.thread_id) {
            return Err(ListThreadRunsError::NotFound(not_found("thread")).into());
        }
        let state = self.state.lock().unwrap();
        let runs: Vec<RunStateful> = state
            .runs
            .values()
            .filter(|run| run.thread_id == Some(request.thread_id))
            .map(RunRec::stateful)
            .collect();
        Ok(ListThreadRunsOk::Ok(page(
            runs,
            request.limit,
            request.offset,
        )))
    }

    async fn create_thread_run(
        &self,
        request: CreateThreadRunRequest,
    ) -> Result<CreateThreadRunOk, Failure<CreateThreadRunError>> {
        match self.start_on_thread(request.thread_id, request.body) {
            Ok(run) => Ok(CreateThreadRunOk::Ok(run.stateful())),
            Err((409, e)) => Err(CreateThreadRunError::Conflict(e).into()),
            Err((_, e)) => Err(CreateThreadRunError::NotFound(e).into()),
        }
    }

    async fn create_and_stream_thread_run_output(
        &self,
        request: CreateAndStreamThreadRunOutputRequest,
    ) -> Result<CreateAndStreamThreadRunOutputOk, Failure<CreateAndStreamThreadRunOutputError>>
    {
        match self.start_on_thread(request.thread_id, request.body) {
            Ok(run) => Ok(CreateAndStreamThreadRunOutputOk::Ok(
                self.output_stream(run.run_id, request.last_event_id),
            )),
            Err((409, e)) => Err(CreateAndStreamThreadRunOutputError::Conflict(e).into()),
            Err((_, e)) => Err(CreateAndStreamThreadRunOutputError::NotFound(e).into()),
        }
    }

    async fn create_and_wait_for_thread_run_output(
        &self,
        request: CreateAndWaitForThreadRunOutputRequest,
    ) -> Result<CreateAndWaitForThreadRunOutputOk, Failure<CreateAndWaitForThreadRunOutputError>>
    {
        let run = match self.start_on_thread(request.thread_id, request.body) {
            Ok(run) => run,
            Err((409, e)) => return Err(CreateAndWaitForThreadRunOutputError::Conflict(e).into()),
            Err((_, e)) => return Err(CreateAndWaitForThreadRunOutputError::NotFound(e).into()),
        };
        let run = self
            .settled(Some(request.thread_id), run.run_id)
            .await
            .ok_or_else(|| CreateAndWaitForThreadRunOutputError::NotFound(not_found("run")))?;
        Ok(CreateAndWaitForThreadRunOutputOk::Ok(
            RunWaitResponseStateful {
                run: Some(run.stateful()),
                output: run.output,
            },
        ))
    }

    async fn wait_for_thread_run_output(
        &self,
        request: WaitForThreadRunOutputRequest,
    ) -> Result<WaitForThreadRunOutputOk, Failure<WaitForThreadRunOutputError>> {
        let run = self
            .settled(Some(request.thread_id), request.run_id)
            .await
            .ok_or_else(|| WaitForThreadRunOutputError::NotFound(not_found("run")))?;
        Ok(WaitForThreadRunOutputOk::Ok(RunWaitResponseStateful {
            run: Some(run.stateful()),
            output: run.output,
        }))
    }

    async fn get_thread_run(
        &self,
        request: GetThreadRunRequest,
    ) -> Result<GetThreadRunOk, Failure<GetThreadRunError>> {
        self.run(Some(request.thread_id), request.run_id)
            .map(|run| GetThreadRunOk::Ok(run.stateful()))
            .ok_or_else(|| GetThreadRunError::NotFound(not_found("run")).into())
    }

    async fn resume_thread_run(
        &self,
        request: ResumeThreadRunRequest,
    ) -> Result<ResumeThreadRunOk, Failure<ResumeThreadRunError>> {
        match self.resume(Some(request.thread_id), request.run_id, request.body) {
            Ok(run) => Ok(ResumeThreadRunOk::Ok(run.stateful())),
            Err((409, e)) => Err(ResumeThreadRunError::Conflict(e).into()),
            Err((_, e)) => Err(ResumeThreadRunError::NotFound(e).into()),
        }
    }

    async fn delete_thread_run(
        &self,
        request: DeleteThreadRunRequest,
    ) -> Result<DeleteThreadRunOk, Failure<DeleteThreadRunError>> {
        if self.run(Some(request.thread_id), request.run_id).is_none() {
            return Err(DeleteThreadRunError::NotFound(not_found("run")).into());
        }
        self.state.lock().unwrap().runs.remove(&request.run_id);
        self.notify();
        Ok(DeleteThreadRunOk::NoContent)
    }

    async fn stream_thread_run_output(
        &self,
        request: StreamThreadRunOutputRequest,
    ) -> Result<StreamThreadRunOutputOk, Failure<StreamThreadRunOutputError>> {
        if self.run(Some(request.thread_id), request.run_id).is_none() {
            return Err(StreamThreadRunOutputError::NotFound(not_found("run")).into());
        }
        Ok(StreamThreadRunOutputOk::Ok(
            self.output_stream(request.run_id, request.last_event_id),
        ))
    }

    async fn cancel_thread_run(
        &self,
        request: CancelThreadRunRequest,
    ) -> Result<CancelThreadRunOk, Failure<CancelThreadRunError>> {
        let call = CancelCall {
            run_id: request.run_id,
            wait: request.wait,
            action: request.action.map(|a| a.as_str().to_owned()),
        };
        if self.cancel(Some(request.thread_id), call) {
            Ok(CancelThreadRunOk::NoContent)
        } else {
            Err(CancelThreadRunError::NotFound(not_found("run")).into())
        }
    }

    async fn create_stateless_run(
        &self,
        request: CreateStatelessRunRequest,
    ) -> Result<CreateStatelessRunOk, Failure<CreateStatelessRunError>> {
        let agent = request.body.agent_id.clone();
        self.start(None, agent.as_deref(), Creation::Stateless(request.body))
            .map(|run| CreateStatelessRunOk::Ok(run.stateless()))
            .map_err(|e| CreateStatelessRunError::NotFound(e).into())
    }

    async fn search_stateless_runs(
        &self,
        request: SearchStatelessRunsRequest,
    ) -> Result<SearchStatelessRunsOk, Failure<SearchStatelessRunsError>> {
        let body = request.body;
        let state = self.state.lock().unwrap();
        let found: Vec<RunStateless> = state
            .runs
            .values()
            .filter(|run| run.thread_id.is_none())
            .filter(|run| body.agent_id.is_none_or(|a| a == run.agent_id))
            .filter(|run| body.status.as_ref().is_none_or(|s| *s == run.status))
            .filter(|run| {
                body.metadata
                    .as_ref()
                    .is_none_or(|m| run.metadata().is_some_and(|have| contains(have, m)))
            })
            .map(RunRec::stateless)
            .collect();
        Ok(SearchStatelessRunsOk::Ok(page(
            found,
            Some(body.limit),
            Some(body.offset),
        )))
    }

    async fn create_and_stream_stateless_run_output(
        &self,
        request: CreateAndStreamStatelessRunOutputRequest,
    ) -> Result<CreateAndStreamStatelessRunOutputOk, Failure<CreateAndStreamStatelessRunOutputError>>
    {
        let agent = request.body.agent_id.clone();
        let run = self
            .start(None, agent.as_deref(), Creation::Stateless(request.body))
            .map_err(CreateAndStreamStatelessRunOutputError::NotFound)?;
        Ok(CreateAndStreamStatelessRunOutputOk::Ok(
            self.output_stream(run.run_id, request.last_event_id),
        ))
    }

    async fn create_and_wait_for_stateless_run_output(
        &self,
        request: CreateAndWaitForStatelessRunOutputRequest,
    ) -> Result<
        CreateAndWaitForStatelessRunOutputOk,
        Failure<CreateAndWaitForStatelessRunOutputError>,
    > {
        let agent = request.body.agent_id.clone();
        let run = self
            .start(None, agent.as_deref(), Creation::Stateless(request.body))
            .map_err(CreateAndWaitForStatelessRunOutputError::NotFound)?;
        let run = self
            .settled(None, run.run_id)
            .await
            .ok_or_else(|| CreateAndWaitForStatelessRunOutputError::NotFound(not_found("run")))?;
        Ok(CreateAndWaitForStatelessRunOutputOk::Ok(
            RunWaitResponseStateless {
                run: Some(run.stateless()),
                output: run.output,
            },
        ))
    }

    async fn wait_for_stateless_run_output(
        &self,
        request: WaitForStatelessRunOutputRequest,
    ) -> Result<WaitForStatelessRunOutputOk, Failure<WaitForStatelessRunOutputError>> {
        let run = self
            .settled(None, request.run_id)
            .await
            .filter(|run| run.thread_id.is_none())
            .ok_or_else(|| WaitForStatelessRunOutputError::NotFound(not_found("run")))?;
        Ok(WaitForStatelessRunOutputOk::Ok(RunWaitResponseStateless {
            run: Some(run.stateless()),
            output: run.output,
        }))
    }

    async fn get_stateless_run(
        &self,
        request: GetStatelessRunRequest,
    ) -> Result<GetStatelessRunOk, Failure<GetStatelessRunError>> {
        self.run(None, request.run_id)
            .filter(|run| run.thread_id.is_none())
            .map(|run| GetStatelessRunOk::Ok(run.stateless()))
            .ok_or_else(|| GetStatelessRunError::NotFound(not_found("run")).into())
    }

    async fn resume_stateless_run(
        &self,
        request: ResumeStatelessRunRequest,
    ) -> Result<ResumeStatelessRunOk, Failure<ResumeStatelessRunError>> {
        match self.resume(None, request.run_id, request.body) {
            Ok(run) => Ok(ResumeStatelessRunOk::Ok(run.stateless())),
            Err((409, e)) => Err(ResumeStatelessRunError::Conflict(e).into()),
            Err((_, e)) => Err(ResumeStatelessRunError::NotFound(e).into()),
        }
    }

    async fn delete_stateless_run(
        &self,
        request: DeleteStatelessRunRequest,
    ) -> Result<DeleteStatelessRunOk, Failure<DeleteStatelessRunError>> {
        let removed = self.state.lock().unwrap().runs.remove(&request.run_id);
        if removed.is_none() {
            return Err(DeleteStatelessRunError::NotFound(not_found("run")).into());
        }
        self.notify();
        Ok(DeleteStatelessRunOk::NoContent)
    }

    async fn stream_stateless_run_output(
        &self,
        request: StreamStatelessRunOutputRequest,
    ) -> Result<StreamStatelessRunOutputOk, Failure<StreamStatelessRunOutputError>> {
        if self.run(None, request.run_id).is_none() {
            return Err(StreamStatelessRunOutputError::NotFound(not_found("run")).into());
        }
        Ok(StreamStatelessRunOutputOk::Ok(
            self.output_stream(request.run_id, request.last_event_id),
        ))
    }

    async fn cancel_stateless_run(
        &self,
        request: CancelStatelessRunRequest,
    ) -> Result<CancelStatelessRunOk, Failure<CancelStatelessRunError>> {
        let call = CancelCall {
            run_id: request.run_id,
            wait: request.wait,
            action: request.action.map(|a| a.as_str().to_owned()),
        };
        if self.cancel(None, call) {
            Ok(CancelStatelessRunOk::NoContent)
        } else {
            Err(CancelStatelessRunError::NotFound(not_found("run")).into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Test plumbing

async fn serve() -> (Client, Arc<Acp>, std::net::SocketAddr) {
    let api = Arc::new(Acp::default());
    let listener = rt::server::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = router(api.clone());
    tokio::spawn(async move { rt::server::axum::serve(listener, router).await });
    (Client::new(format!("http://{addr}")), api, addr)
}

type Received = rt::sse::Event<RunOutputStream>;

async fn collect(mut events: rt::sse::Events<RunOutputStream>) -> Vec<Received> {
    let mut got = Vec::new();
    loop {
        // A guard against a hang, not a timing assertion.
        let item = tokio::time::timeout(Duration::from_secs(20), events.next())
            .await
            .expect("the output stream hung");
        match item {
            Some(item) => got.push(item.expect("an error item")),
            None => return got,
        }
    }
}

/// Each received event is framed as `id: n`, `event: agent_event`, with the envelope's own
/// id and event in agreement; returns the payloads.
fn payloads(events: &[Received]) -> Vec<RunOutputStreamData> {
    events
        .iter()
        .enumerate()
        .map(|(n, event)| {
            let id = (n + 1).to_string();
            assert_eq!(event.id.as_deref(), Some(id.as_str()));
            assert_eq!(event.event.as_deref(), Some("agent_event"));
            assert_eq!(event.data.id, id);
            assert_eq!(event.data.event, RunOutputStreamEvent::AgentEvent);
            event.data.data.clone()
        })
        .collect()
}

fn kind(data: &RunOutputStreamData) -> &'static str {
    match data {
        RunOutputStreamData::Values(_) => "values",
        RunOutputStreamData::Custom(_) => "custom",
        RunOutputStreamData::Interrupt(_) => "interrupt",
        RunOutputStreamData::Error(_) => "error",
        RunOutputStreamData::Unknown(_) => "unknown",
    }
}

fn stateful(input: Value) -> RunCreateStateful {
    RunCreateStateful {
        agent_id: Some(ECHO.to_string()),
        input: Some(serde_json::from_value(input).unwrap()),
        metadata: None,
        config: None,
        webhook: None,
        stream_mode: None,
        on_disconnect: RunCreateStatefulOnDisconnect::Cancel,
        multitask_strategy: RunCreateStatefulMultitaskStrategy::Reject,
        after_seconds: None,
        stream_subgraphs: false,
        if_not_exists: RunCreateStatefulIfNotExists::Reject,
    }
}

fn stateless(input: Value) -> RunCreateStateless {
    RunCreateStateless {
        agent_id: Some(ECHO.to_string()),
        input: Some(serde_json::from_value(input).unwrap()),
        metadata: None,
        config: None,
        webhook: None,
        stream_mode: None,
        on_disconnect: RunCreateStatelessOnDisconnect::Cancel,
        multitask_strategy: RunCreateStatelessMultitaskStrategy::Reject,
        after_seconds: None,
        on_completion: RunCreateStatelessOnCompletion::Delete,
    }
}

fn echoed_values(output: &Option<RunOutput>) -> Object {
    let Some(RunOutput::Result(RunResult {
        values: Some(OutputSchema::Object(values)),
        ..
    })) = output
    else {
        panic!("not a result with values: {output:?}")
    };
    values.clone()
}

/// Waits until `n` requests are blocked in a `wait` endpoint (polling; not a timing assertion).
async fn until_waiting(api: &Acp, n: usize) {
    for _ in 0..2000 {
        if *api.waiting.lock().unwrap() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("nobody waited");
}

// ---------------------------------------------------------------------------------------------
// Agents

#[tokio::test]
async fn agents_search_get_and_descriptor() {
    let (client, _, _) = serve().await;
    let all = agents();

    let SearchAgentsOk::Ok(found) = client
        .search_agents(AgentSearchRequest {
            name: None,
            version: None,
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(found, [all[0].0.clone(), all[1].0.clone()]);

    // `limit` and `offset` default on the server when the client leaves them out.
    let defaults: AgentSearchRequest = serde_json::from_value(json!({"name": "ma"})).unwrap();
    assert_eq!((defaults.limit, defaults.offset), (10, 0));
    let SearchAgentsOk::Ok(found) = client.search_agents(defaults).await.unwrap();
    assert_eq!(found, [all[1].0.clone()]);

    let SearchAgentsOk::Ok(found) = client
        .search_agents(AgentSearchRequest {
            name: None,
            version: Some("1.2.0".to_owned()),
            limit: 1,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(found, [all[0].0.clone()]);
    let SearchAgentsOk::Ok(found) = client
        .search_agents(AgentSearchRequest {
            name: None,
            version: None,
            limit: 1,
            offset: 1,
        })
        .await
        .unwrap();
    assert_eq!(found, [all[1].0.clone()]);

    let err = client
        .search_agents(AgentSearchRequest {
            name: None,
            version: None,
            limit: 0,
            offset: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&SearchAgentsError::UnprocessableEntity(
            "limit must be at least 1".to_owned()
        ))
    );

    let GetAgentByIdOk::Ok(agent) = client.get_agent_by_id(ECHO).await.unwrap();
    assert_eq!(agent, all[0].0);
    let GetAcpDescriptorByIdOk::Ok(descriptor) =
        client.get_acp_descriptor_by_id(MATH).await.unwrap();
    assert_eq!(descriptor, all[1].1);

    let missing = Uuid::from_u128(404);
    let err = client.get_agent_by_id(missing).await.unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
    assert_eq!(
        err.api_body(),
        Some(&GetAgentByIdError::NotFound("agent not found".to_owned()))
    );
    let err = client.get_acp_descriptor_by_id(missing).await.unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&GetAcpDescriptorByIdError::NotFound(
            "agent not found".to_owned()
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// Threads

#[tokio::test]
async fn threads_create_search_get_patch_copy_history_delete() {
    let (client, api, _) = serve().await;
    let id = Uuid::from_u128(0x7001);
    let metadata = object(json!({"owner": "ada", "tags": ["x", "y"], "n": 1.5}));

    let CreateThreadOk::Ok(thread) = client
        .create_thread(ThreadCreate {
            thread_id: Some(id),
            metadata: Some(metadata.clone()),
            if_exists: ThreadCreateIfExists::Raise,
        })
        .await
        .unwrap();
    assert_eq!(thread.thread_id, id.to_string());
    assert_eq!(thread.metadata, metadata);
    assert_eq!(thread.status, ThreadStatus2::Idle);
    assert_eq!(
        (thread.values.clone(), thread.messages.clone()),
        (None, None)
    );

    // The same id again: 409 with `raise`, the existing thread with `do_nothing`.
    let again = ThreadCreate {
        thread_id: Some(id),
        metadata: None,
        if_exists: ThreadCreateIfExists::Raise,
    };
    let err = client.create_thread(again.clone()).await.unwrap_err();
    assert_eq!(err.status().unwrap(), 409);
    assert_eq!(
        err.api_body(),
        Some(&CreateThreadError::Conflict(format!("thread {id} exists")))
    );
    let CreateThreadOk::Ok(same) = client
        .create_thread(ThreadCreate {
            if_exists: ThreadCreateIfExists::DoNothing,
            ..again
        })
        .await
        .unwrap();
    assert_eq!(same, thread);

    // Without an id (and every optional field left out): the server picks one.
    let minimal: ThreadCreate = serde_json::from_value(json!({})).unwrap();
    assert_eq!(minimal.if_exists, ThreadCreateIfExists::Raise);
    let CreateThreadOk::Ok(other) = client.create_thread(minimal).await.unwrap();
    assert_ne!(other.thread_id, thread.thread_id);
    assert!(other.metadata.is_empty());

    // Patch: metadata merged, values and messages replaced, a checkpoint recorded.
    let messages = vec![Message {
        role: "user".to_owned(),
        content: MessageContent::String("hello".to_owned()),
        id: Some("m1".to_owned()),
        metadata: Some(object(json!({"lang": "en"}))),
    }];
    let PatchThreadOk::Ok(patched) = client
        .patch_thread(
            id,
            ThreadPatch {
                checkpoint: None,
                metadata: Some(object(json!({"owner": "grace", "extra": null}))),
                values: Some(ThreadStateSchema::Object(object(json!({"count": 1})))),
                messages: Some(messages.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        patched.metadata,
        object(json!({"owner": "grace", "tags": ["x", "y"], "n": 1.5, "extra": null}))
    );
    assert_eq!(
        patched.values,
        Some(ThreadStateSchema::Object(object(json!({"count": 1}))))
    );
    assert_eq!(patched.messages, Some(messages.clone()));
    assert!(patched.updated_at > thread.updated_at);
    let GetThreadOk::Ok(got) = client.get_thread(id).await.unwrap();
    assert_eq!(got, patched);

    // Values of another JSON kind than an object survive too.
    let PatchThreadOk::Ok(scalar) = client
        .patch_thread(
            id,
            ThreadPatch {
                values: Some(ThreadStateSchema::Number(2.5)),
                ..ThreadPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(scalar.values, Some(ThreadStateSchema::Number(2.5)));

    // History: newest first; `limit` and `before` arrive and page it.
    let GetThreadHistoryOk::Ok(history) = client.get_thread_history(id).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].values, ThreadStateSchema::Number(2.5));
    assert_eq!(
        history[1].values,
        ThreadStateSchema::Object(object(json!({"count": 1})))
    );
    assert_eq!(history[1].messages, Some(messages.clone()));
    assert_eq!(history[2].values, ThreadStateSchema::Object(Object::new()));
    let before = history[0].checkpoint.checkpoint_id.to_string();
    let GetThreadHistoryOk::Ok(older) = client
        .get_thread_history(id)
        .limit(1)
        .before(before.clone())
        .await
        .unwrap();
    assert_eq!(older, [history[1].clone()]);
    assert_eq!(
        api.history_queries.lock().unwrap().last(),
        Some(&(Some(1), Some(before)))
    );
    let err = client
        .get_thread_history(id)
        .before("nope")
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 422);
    assert_eq!(
        err.api_body(),
        Some(&GetThreadHistoryError::UnprocessableEntity(
            "unknown checkpoint nope".to_owned()
        ))
    );

    // Patch from a checkpoint branches from its state.
    let PatchThreadOk::Ok(branched) = client
        .patch_thread(
            id,
            ThreadPatch {
                checkpoint: Some(history[1].checkpoint.clone()),
                ..ThreadPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        branched.values,
        Some(ThreadStateSchema::Object(object(json!({"count": 1}))))
    );
    let err = client
        .patch_thread(
            id,
            ThreadPatch {
                checkpoint: Some(ThreadCheckpoint {
                    checkpoint_id: Uuid::from_u128(1),
                }),
                ..ThreadPatch::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(PatchThreadError::UnprocessableEntity(_))
    ));

    // Search by metadata, values and status, with limit and offset.
    let search = |body: Value| -> ThreadSearchRequest { serde_json::from_value(body).unwrap() };
    let SearchThreadsOk::Ok(found) = client
        .search_threads(search(json!({"metadata": {"owner": "grace"}})))
        .await
        .unwrap();
    assert_eq!(found, std::slice::from_ref(&branched));
    let SearchThreadsOk::Ok(found) = client
        .search_threads(search(json!({"values": {"count": 1}, "status": "idle"})))
        .await
        .unwrap();
    assert_eq!(found, std::slice::from_ref(&branched));
    let SearchThreadsOk::Ok(found) = client
        .search_threads(search(json!({"status": "busy"})))
        .await
        .unwrap();
    assert!(found.is_empty());
    let SearchThreadsOk::Ok(found) = client
        .search_threads(ThreadSearchRequest {
            metadata: None,
            values: None,
            status: Some(ThreadStatus::Idle),
            limit: 1,
            offset: 1,
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    // Copy: a new thread with the same state and history.
    let CopyThreadOk::Ok(copy) = client.copy_thread(id).await.unwrap();
    assert_ne!(copy.thread_id, branched.thread_id);
    assert_eq!(
        (&copy.metadata, &copy.values, &copy.messages),
        (&branched.metadata, &branched.values, &branched.messages)
    );
    let copy_id: Uuid = copy.thread_id.parse().unwrap();
    let GetThreadHistoryOk::Ok(copied) = client.get_thread_history(copy_id).await.unwrap();
    assert_eq!(copied.len(), 4);

    // Delete: 204, then 404 everywhere.
    assert_eq!(
        client.delete_thread(id).await.unwrap(),
        DeleteThreadOk::NoContent
    );
    let err = client.delete_thread(id).await.unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&DeleteThreadError::NotFound("thread not found".to_owned()))
    );
    assert!(matches!(
        client.get_thread(id).await.unwrap_err().api_body(),
        Some(GetThreadError::NotFound(_))
    ));
    assert!(matches!(
        client.get_thread_history(id).await.unwrap_err().api_body(),
        Some(GetThreadHistoryError::NotFound(_))
    ));
    assert!(matches!(
        client.copy_thread(id).await.unwrap_err().api_body(),
        Some(CopyThreadError::NotFound(_))
    ));
    assert!(matches!(
        client
            .patch_thread(id, ThreadPatch::default())
            .await
            .unwrap_err()
            .api_body(),
        Some(PatchThreadError::NotFound(_))
    ));
    // The copy is independent.
    client.get_thread(copy_id).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Runs on a thread

#[tokio::test]
async fn thread_runs_create_list_get_wait_stream_delete() {
    let (client, api, _) = serve().await;
    let thread_id = Uuid::from_u128(0x7002);
    client
        .create_thread(ThreadCreate {
            thread_id: Some(thread_id),
            metadata: None,
            if_exists: ThreadCreateIfExists::Raise,
        })
        .await
        .unwrap();

    // Every field of the creation set, and echoed back in `creation`.
    let creation = RunCreateStateful {
        agent_id: Some(ECHO.to_string()),
        input: Some(InputSchema::Object(object(
            json!({"question": "2+2?", "steps": 2}),
        ))),
        metadata: Some(object(json!({"origin": "test", "attempt": 1}))),
        config: Some(RunCreateStatefulConfig {
            tags: Some(vec!["a".to_owned(), "b".to_owned()]),
            recursion_limit: Some(25),
            configurable: Some(ConfigSchema::Object(object(json!({"temperature": 0.2})))),
        }),
        webhook: Some("https://hooks.example.com/acp".to_owned()),
        stream_mode: Some(Some(RunCreateStatefulStreamMode::Array(vec![
            StreamingMode::Values,
            StreamingMode::Custom,
        ]))),
        on_disconnect: RunCreateStatefulOnDisconnect::Continue,
        multitask_strategy: RunCreateStatefulMultitaskStrategy::Enqueue,
        after_seconds: Some(0),
        stream_subgraphs: true,
        if_not_exists: RunCreateStatefulIfNotExists::Reject,
    };
    let CreateThreadRunOk::Ok(run) = client
        .create_thread_run(thread_id, creation.clone())
        .await
        .unwrap();
    assert_eq!(run.creation, creation);
    assert_eq!(run.thread_id, Some(thread_id));
    assert_eq!(run.agent_id, ECHO);
    assert_eq!(run.status, RunStatus::Pending);

    // `wait` blocks until the run is over, then gives the run and its output.
    let WaitForThreadRunOutputOk::Ok(waited) = client
        .wait_for_thread_run_output(thread_id, run.run_id)
        .await
        .unwrap();
    let done = waited.run.expect("the run");
    assert_eq!(done.status, RunStatus::Success);
    assert_eq!(done.creation, creation);
    assert!(done.updated_at > run.updated_at);
    let values = echoed_values(&waited.output);
    assert_eq!(values["echo"], json!({"question": "2+2?", "steps": 2}));

    // The run wrote its values and messages to the thread.
    let GetThreadOk::Ok(thread) = client.get_thread(thread_id).await.unwrap();
    assert_eq!(
        thread.values,
        Some(ThreadStateSchema::Object(values.clone()))
    );
    let messages = thread.messages.expect("messages");
    assert_eq!(messages[0].role, "assistant");
    let MessageContent::Array(blocks) = &messages[0].content else {
        panic!("{messages:?}")
    };
    assert!(matches!(&blocks[0], MessageContentArrayItem::MessageTextBlock(b) if b.text == "done"));
    assert!(
        matches!(&blocks[1], MessageContentArrayItem::MessageAnyBlock(b) if b.r#type == "image")
    );
    assert_eq!(thread.status, ThreadStatus2::Idle);

    // The output stream of a finished run replays it whole, typed.
    let StreamThreadRunOutputOk::Ok(events) = client
        .stream_thread_run_output(thread_id, run.run_id)
        .await
        .unwrap();
    let updates = payloads(&collect(events).await);
    assert_eq!(
        updates.iter().map(kind).collect::<Vec<_>>(),
        ["custom", "custom", "values"]
    );
    let RunOutputStreamData::Custom(first) = &updates[0] else {
        unreachable!()
    };
    assert_eq!(first.update, object(json!({"step": 1, "of": 2})));
    assert_eq!(first.run_id, Some(run.run_id));
    let RunOutputStreamData::Values(last) = &updates[2] else {
        unreachable!()
    };
    assert_eq!(last.values, OutputSchema::Object(values.clone()));
    assert_eq!(last.status, RunStatus::Success);

    // Create-and-wait and create-and-stream in one call each.
    let CreateAndWaitForThreadRunOutputOk::Ok(waited) = client
        .create_and_wait_for_thread_run_output(thread_id, stateful(json!({"n": 2})))
        .await
        .unwrap();
    assert_eq!(waited.run.as_ref().unwrap().status, RunStatus::Success);
    assert_eq!(echoed_values(&waited.output)["echo"], json!({"n": 2}));
    let streamed = client
        .create_and_stream_thread_run_output(thread_id, stateful(json!({"n": 3, "steps": 3})))
        .send_with_info()
        .await
        .unwrap();
    assert_eq!(streamed.status, 200);
    assert_eq!(streamed.headers["content-type"], "text/event-stream");
    let CreateAndStreamThreadRunOutputOk::Ok(events) = streamed.value;
    let updates = payloads(&collect(events).await);
    assert_eq!(
        updates.iter().map(kind).collect::<Vec<_>>(),
        ["custom", "custom", "custom", "values"]
    );

    // Three runs on the thread; `limit` and `offset` arrive and page the list.
    let ListThreadRunsOk::Ok(runs) = client.list_thread_runs(thread_id).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0], done);
    let ListThreadRunsOk::Ok(page) = client
        .list_thread_runs(thread_id)
        .limit(1)
        .offset(2)
        .await
        .unwrap();
    assert_eq!(page, [runs[2].clone()]);
    assert_eq!(
        *api.page_queries.lock().unwrap(),
        [(None, None), (Some(1), Some(2))]
    );

    let GetThreadRunOk::Ok(got) = client.get_thread_run(thread_id, run.run_id).await.unwrap();
    assert_eq!(got, done);

    assert_eq!(
        client
            .delete_thread_run(thread_id, run.run_id)
            .await
            .unwrap(),
        DeleteThreadRunOk::NoContent
    );
    let err = client
        .get_thread_run(thread_id, run.run_id)
        .await
        .unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&GetThreadRunError::NotFound("run not found".to_owned()))
    );
    let err = client
        .delete_thread_run(thread_id, run.run_id)
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(DeleteThreadRunError::NotFound(_))
    ));
    let err = client
        .wait_for_thread_run_output(thread_id, run.run_id)
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(WaitForThreadRunOutputError::NotFound(_))
    ));
    let err = client
        .stream_thread_run_output(thread_id, run.run_id)
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(StreamThreadRunOutputError::NotFound(_))
    ));
    // A run is found only under its own thread.
    let err = client
        .get_thread_run(Uuid::from_u128(1), runs[1].run_id)
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(GetThreadRunError::NotFound(_))
    ));
}

#[tokio::test]
async fn thread_runs_interrupt_resume_cancel_and_conflicts() {
    let (client, api, _) = serve().await;
    let thread_id = Uuid::from_u128(0x7003);

    // No such thread: 404, unless the run may create it.
    let err = client
        .create_thread_run(thread_id, stateful(json!({})))
        .await
        .unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&CreateThreadRunError::NotFound(
            "thread not found".to_owned()
        ))
    );
    let create_thread = RunCreateStateful {
        if_not_exists: RunCreateStatefulIfNotExists::Create,
        ..stateful(json!({"interrupt": true}))
    };
    let CreateThreadRunOk::Ok(run) = client
        .create_thread_run(thread_id, create_thread)
        .await
        .unwrap();
    let run_id = run.run_id;

    // The run stops on an interrupt: status, output and stream say so.
    let WaitForThreadRunOutputOk::Ok(waited) = client
        .wait_for_thread_run_output(thread_id, run_id)
        .await
        .unwrap();
    assert_eq!(waited.run.unwrap().status, RunStatus::Interrupted);
    let Some(RunOutput::Interrupt(interrupt)) = &waited.output else {
        panic!("{:?}", waited.output)
    };
    assert_eq!(
        interrupt.interrupt,
        InterruptPayloadSchema::Object(object(
            json!({"question": "Proceed?", "run": run_id.to_string()})
        ))
    );
    let GetThreadOk::Ok(thread) = client.get_thread(thread_id).await.unwrap();
    assert_eq!(thread.status, ThreadStatus2::Interrupted);
    let StreamThreadRunOutputOk::Ok(events) = client
        .stream_thread_run_output(thread_id, run_id)
        .await
        .unwrap();
    let before = payloads(&collect(events).await);
    assert_eq!(
        before.iter().map(kind).collect::<Vec<_>>(),
        ["custom", "interrupt"]
    );

    // Resume with a payload: the run finishes and its values carry the payload.
    let payload = ResumePayloadSchema::Object(object(json!({"approved": true, "note": "go"})));
    let ResumeThreadRunOk::Ok(resumed) = client
        .resume_thread_run(thread_id, run_id, payload.clone())
        .await
        .unwrap();
    assert_eq!(resumed.status, RunStatus::Pending);
    let WaitForThreadRunOutputOk::Ok(waited) = client
        .wait_for_thread_run_output(thread_id, run_id)
        .await
        .unwrap();
    assert_eq!(waited.run.unwrap().status, RunStatus::Success);
    assert_eq!(
        echoed_values(&waited.output)["resumed_with"],
        json!({"approved": true, "note": "go"})
    );
    // Resuming a run that is not interrupted: 409.
    let err = client
        .resume_thread_run(thread_id, run_id, payload.clone())
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 409);
    assert_eq!(
        err.api_body(),
        Some(&ResumeThreadRunError::Conflict(
            "run is success, not interrupted".to_owned()
        ))
    );
    let err = client
        .resume_thread_run(thread_id, Uuid::from_u128(9), payload)
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(ResumeThreadRunError::NotFound(_))
    ));

    // A held run keeps the thread busy: another run is refused, and `wait` blocks until the
    // cancel (whose query parameters arrive).
    let CreateThreadRunOk::Ok(held) = client
        .create_thread_run(thread_id, stateful(json!({"hold": true})))
        .await
        .unwrap();
    let err = client
        .create_thread_run(thread_id, stateful(json!({})))
        .await
        .unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&CreateThreadRunError::Conflict(
            "the thread has a run in progress".to_owned()
        ))
    );
    let err = client
        .create_and_wait_for_thread_run_output(thread_id, stateful(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(CreateAndWaitForThreadRunOutputError::Conflict(_))
    ));
    let err = client
        .create_and_stream_thread_run_output(thread_id, stateful(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(CreateAndStreamThreadRunOutputError::Conflict(_))
    ));

    let waiter = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .wait_for_thread_run_output(thread_id, held.run_id)
                .await
        })
    };
    until_waiting(&api, 1).await;
    assert!(!waiter.is_finished());
    assert_eq!(
        client
            .cancel_thread_run(thread_id, held.run_id)
            .wait(true)
            .action(CancelThreadRunAction::Interrupt)
            .await
            .unwrap(),
        CancelThreadRunOk::NoContent
    );
    let WaitForThreadRunOutputOk::Ok(waited) = waiter.await.unwrap().unwrap();
    assert_eq!(waited.run.unwrap().status, RunStatus::Interrupted);
    assert_eq!(waited.output, None);

    // `rollback` removes the run; no parameters at all reach the server as absent.
    let CreateThreadRunOk::Ok(held) = client
        .create_thread_run(thread_id, stateful(json!({"hold": true})))
        .await
        .unwrap();
    client
        .cancel_thread_run(thread_id, held.run_id)
        .action(CancelThreadRunAction::Rollback)
        .await
        .unwrap();
    assert!(client.get_thread_run(thread_id, held.run_id).await.is_err());
    let err = client
        .cancel_thread_run(thread_id, held.run_id)
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(CancelThreadRunError::NotFound(_))
    ));
    let cancels = api.cancels.lock().unwrap().clone();
    let params: Vec<_> = cancels
        .iter()
        .map(|c| (c.wait, c.action.as_deref()))
        .collect();
    assert_eq!(
        params,
        [
            (Some(true), Some("interrupt")),
            (None, Some("rollback")),
            (None, None)
        ]
    );

    // A failing run: status error, typed error output and stream event.
    let CreateAndWaitForThreadRunOutputOk::Ok(failed) = client
        .create_and_wait_for_thread_run_output(thread_id, stateful(json!({"fail": true})))
        .await
        .unwrap();
    let failed_run = failed.run.unwrap();
    assert_eq!(failed_run.status, RunStatus::Error);
    assert_eq!(
        failed.output,
        Some(RunOutput::Error(RunError {
            r#type: RunErrorType::Error,
            run_id: failed_run.run_id,
            errcode: 500,
            description: "the agent failed on purpose".to_owned(),
        }))
    );
    let StreamThreadRunOutputOk::Ok(events) = client
        .stream_thread_run_output(thread_id, failed_run.run_id)
        .await
        .unwrap();
    let last = payloads(&collect(events).await).pop().unwrap();
    assert!(
        matches!(&last, RunOutputStreamData::Error(e) if e.errcode == 500 && e.status == RunStatus::Error),
        "{last:?}"
    );

    // An unknown agent is a 404.
    let unknown_agent = RunCreateStateful {
        agent_id: Some(Uuid::from_u128(77).to_string()),
        ..stateful(json!({}))
    };
    let err = client
        .create_thread_run(thread_id, unknown_agent)
        .await
        .unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&CreateThreadRunError::NotFound(
            "agent not found".to_owned()
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// Stateless runs

#[tokio::test]
async fn stateless_runs_all_operations() {
    let (client, api, _) = serve().await;

    let creation = RunCreateStateless {
        metadata: Some(object(json!({"batch": 7}))),
        stream_mode: Some(None),
        on_completion: RunCreateStatelessOnCompletion::Keep,
        config: Some(RunCreateStatelessConfig {
            tags: None,
            recursion_limit: None,
            configurable: Some(ConfigSchema::Array(vec![json!(1), json!("two")])),
        }),
        ..stateless(json!({"x": [1, 2, 3]}))
    };
    let CreateStatelessRunOk::Ok(run) =
        client.create_stateless_run(creation.clone()).await.unwrap();
    assert_eq!(
        run.creation, creation,
        "an explicit null stream_mode round-trips"
    );
    assert_eq!(run.thread_id, None);

    let WaitForStatelessRunOutputOk::Ok(waited) = client
        .wait_for_stateless_run_output(run.run_id)
        .await
        .unwrap();
    let done = waited.run.unwrap();
    assert_eq!(done.status, RunStatus::Success);
    assert_eq!(
        echoed_values(&waited.output)["echo"],
        json!({"x": [1, 2, 3]})
    );
    let GetStatelessRunOk::Ok(got) = client.get_stateless_run(run.run_id).await.unwrap();
    assert_eq!(got, done);

    let StreamStatelessRunOutputOk::Ok(events) = client
        .stream_stateless_run_output(run.run_id)
        .await
        .unwrap();
    let replay = payloads(&collect(events).await);
    assert_eq!(
        replay.iter().map(kind).collect::<Vec<_>>(),
        ["custom", "values"]
    );

    let CreateAndWaitForStatelessRunOutputOk::Ok(waited) = client
        .create_and_wait_for_stateless_run_output(stateless(json!({"interrupt": true})))
        .await
        .unwrap();
    let interrupted = waited.run.unwrap();
    assert_eq!(interrupted.status, RunStatus::Interrupted);
    assert!(matches!(waited.output, Some(RunOutput::Interrupt(_))));

    // Resume with a payload of another JSON kind than an object.
    let ResumeStatelessRunOk::Ok(resumed) = client
        .resume_stateless_run(
            interrupted.run_id,
            ResumePayloadSchema::String("yes".to_owned()),
        )
        .await
        .unwrap();
    assert_eq!(resumed.status, RunStatus::Pending);
    let WaitForStatelessRunOutputOk::Ok(waited) = client
        .wait_for_stateless_run_output(interrupted.run_id)
        .await
        .unwrap();
    assert_eq!(echoed_values(&waited.output)["resumed_with"], json!("yes"));
    let err = client
        .resume_stateless_run(interrupted.run_id, ResumePayloadSchema::Boolean(true))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(ResumeStatelessRunError::Conflict(_))
    ));

    let CreateAndStreamStatelessRunOutputOk::Ok(events) = client
        .create_and_stream_stateless_run_output(stateless(json!({"steps": 4})))
        .await
        .unwrap();
    let live = payloads(&collect(events).await);
    assert_eq!(
        live.iter().map(kind).collect::<Vec<_>>(),
        ["custom", "custom", "custom", "custom", "values"]
    );

    // Search by agent, status and metadata, with limit and offset.
    let search = |body: Value| -> RunSearchRequest { serde_json::from_value(body).unwrap() };
    let SearchStatelessRunsOk::Ok(all) = client
        .search_stateless_runs(search(json!({"agent_id": ECHO})))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let SearchStatelessRunsOk::Ok(found) = client
        .search_stateless_runs(search(json!({"metadata": {"batch": 7}})))
        .await
        .unwrap();
    assert_eq!(found, std::slice::from_ref(&done));
    let SearchStatelessRunsOk::Ok(found) = client
        .search_stateless_runs(RunSearchRequest {
            agent_id: Some(ECHO),
            status: Some(RunStatus::Success),
            metadata: None,
            limit: 1,
            offset: 1,
        })
        .await
        .unwrap();
    assert_eq!(found, [all[1].clone()]);
    let SearchStatelessRunsOk::Ok(found) = client
        .search_stateless_runs(search(json!({"agent_id": MATH})))
        .await
        .unwrap();
    assert!(found.is_empty());

    // Cancel a held run while a `wait` blocks on it.
    let CreateStatelessRunOk::Ok(held) = client
        .create_stateless_run(stateless(json!({"hold": true})))
        .await
        .unwrap();
    let waiter = {
        let client = client.clone();
        tokio::spawn(async move { client.wait_for_stateless_run_output(held.run_id).await })
    };
    until_waiting(&api, 1).await;
    client
        .cancel_stateless_run(held.run_id)
        .wait(false)
        .action(CancelStatelessRunAction::Interrupt)
        .await
        .unwrap();
    let WaitForStatelessRunOutputOk::Ok(waited) = waiter.await.unwrap().unwrap();
    assert_eq!(waited.run.unwrap().status, RunStatus::Interrupted);
    assert_eq!(
        api.cancels.lock().unwrap().last(),
        Some(&CancelCall {
            run_id: held.run_id,
            wait: Some(false),
            action: Some("interrupt".to_owned()),
        })
    );

    // Delete, then 404 from every operation on that run.
    assert_eq!(
        client.delete_stateless_run(run.run_id).await.unwrap(),
        DeleteStatelessRunOk::NoContent
    );
    let gone = run.run_id;
    assert_eq!(
        client.get_stateless_run(gone).await.unwrap_err().api_body(),
        Some(&GetStatelessRunError::NotFound("run not found".to_owned()))
    );
    assert!(matches!(
        client
            .delete_stateless_run(gone)
            .await
            .unwrap_err()
            .api_body(),
        Some(DeleteStatelessRunError::NotFound(_))
    ));
    assert!(matches!(
        client
            .wait_for_stateless_run_output(gone)
            .await
            .unwrap_err()
            .api_body(),
        Some(WaitForStatelessRunOutputError::NotFound(_))
    ));
    assert!(matches!(
        client
            .stream_stateless_run_output(gone)
            .await
            .unwrap_err()
            .api_body(),
        Some(StreamStatelessRunOutputError::NotFound(_))
    ));
    assert!(matches!(
        client
            .cancel_stateless_run(gone)
            .await
            .unwrap_err()
            .api_body(),
        Some(CancelStatelessRunError::NotFound(_))
    ));
    assert!(matches!(
        client
            .resume_stateless_run(gone, ResumePayloadSchema::Integer(1))
            .await
            .unwrap_err()
            .api_body(),
        Some(ResumeStatelessRunError::NotFound(_))
    ));

    // An unknown agent is a 404 for each way of creating a run.
    let unknown = RunCreateStateless {
        agent_id: Some("not-a-uuid".to_owned()),
        ..stateless(json!({}))
    };
    assert!(matches!(
        client
            .create_stateless_run(unknown.clone())
            .await
            .unwrap_err()
            .api_body(),
        Some(CreateStatelessRunError::NotFound(_))
    ));
    assert!(matches!(
        client
            .create_and_wait_for_stateless_run_output(unknown.clone())
            .await
            .unwrap_err()
            .api_body(),
        Some(CreateAndWaitForStatelessRunOutputError::NotFound(_))
    ));
    assert!(matches!(
        client
            .create_and_stream_stateless_run_output(unknown)
            .await
            .unwrap_err()
            .api_body(),
        Some(CreateAndStreamStatelessRunOutputError::NotFound(_))
    ));
}

#[tokio::test]
async fn output_stream_follows_a_live_run() {
    let (client, api, _) = serve().await;
    // Join the stream of a held run before it produces anything, then let it go by resuming
    // an interrupt: the stream delivers the output as it is produced and ends with the run.
    let CreateStatelessRunOk::Ok(run) = client
        .create_stateless_run(stateless(json!({"interrupt": true, "steps": 2})))
        .await
        .unwrap();
    let WaitForStatelessRunOutputOk::Ok(_) = client
        .wait_for_stateless_run_output(run.run_id)
        .await
        .unwrap();
    let StreamStatelessRunOutputOk::Ok(mut events) = client
        .stream_stateless_run_output(run.run_id)
        .await
        .unwrap();
    // Interrupted: the stream replays what there is and ends.
    let mut first = Vec::new();
    while let Some(item) = events.next().await {
        first.push(item.unwrap());
    }
    assert_eq!(
        payloads(&first).iter().map(kind).collect::<Vec<_>>(),
        ["custom", "custom", "interrupt"]
    );

    // Resume, then follow from the last id seen: only the new output arrives.
    client
        .resume_stateless_run(run.run_id, ResumePayloadSchema::Object(Object::new()))
        .await
        .unwrap();
    let last_id = first.last().unwrap().id.clone().unwrap();
    let events = client
        .stream_stateless_run_output(run.run_id)
        .options(rt::client::RequestOptions::new().header("Last-Event-ID", &last_id))
        .await
        .unwrap();
    let StreamStatelessRunOutputOk::Ok(events) = events;
    let rest = collect(events).await;
    let ids: Vec<_> = rest.iter().map(|e| e.id.clone().unwrap()).collect();
    assert_eq!(ids, ["4", "5", "6"]);
    assert_eq!(
        rest.iter().map(|e| kind(&e.data.data)).collect::<Vec<_>>(),
        ["custom", "custom", "values"]
    );
    assert_eq!(
        *api.stream_resumes.lock().unwrap(),
        [None, Some("3".to_owned())]
    );
}

#[tokio::test]
async fn output_stream_resumes_with_last_event_id_after_cuts() {
    let (client, api, addr) = serve().await;
    const STEPS: i64 = 40;
    let CreateAndWaitForStatelessRunOutputOk::Ok(waited) = client
        .create_and_wait_for_stateless_run_output(stateless(json!({"steps": STEPS})))
        .await
        .unwrap();
    let run_id = waited.run.unwrap().run_id;
    for seed in [5_u64, 11, 23] {
        api.stream_resumes.lock().unwrap().clear();
        let proxy = cutting_proxy::cutting_proxy(addr, seed, 1500);
        let through_proxy = Client::new(format!("http://{proxy}"));
        let StreamStatelessRunOutputOk::Ok(events) = through_proxy
            .stream_stateless_run_output(run_id)
            .reconnect(rt::sse::ReconnectPolicy {
                max_attempts: 10,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(5),
                reconnect_on_eof: false,
            })
            .await
            .unwrap();
        let got = collect(events).await;
        let updates = payloads(&got);
        assert_eq!(
            updates.len(),
            usize::try_from(STEPS).unwrap() + 1,
            "seed {seed}"
        );
        for (n, data) in updates.iter().enumerate().take(40) {
            let RunOutputStreamData::Custom(update) = data else {
                panic!("seed {seed}: {data:?}")
            };
            assert_eq!(update.update["step"], json!(n + 1), "seed {seed}");
        }
        // Reconnects sent the standard `Last-Event-ID` header, each resuming further on.
        let resumes = api.stream_resumes.lock().unwrap().clone();
        assert!(resumes.len() > 3, "seed {seed}: too few cuts: {resumes:?}");
        assert_eq!(resumes[0], None);
        // (A cut before the first complete event resumes from nothing again.)
        let numbers: Vec<usize> = resumes
            .iter()
            .map(|r| r.as_deref().map_or(0, |id| id.parse().unwrap()))
            .collect();
        assert!(
            numbers.windows(2).all(|w| w[0] <= w[1]),
            "seed {seed}: {numbers:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Wire-format problems (ignored until fixed)

/// What an ACP server sends (the AGNTCY SDK's own tests frame it so): the SSE `id:` and
/// `event: agent_event` fields carry `RunOutputStream.id`/`.event`, and `data:` carries only
/// `RunOutputStream.data` (the spec: "A serialized JSON data structure carried in the SSE event
/// data field"). The generated client decodes the whole `RunOutputStream` from `data:` instead.
#[tokio::test]
async fn a_real_acp_event_stream_decodes() {
    use rt::server::axum::routing::get;
    let run_id = Uuid::from_u128(0xABC);
    let frame = format!(
        "id: 1\nevent: agent_event\ndata: {}\n\n",
        json!({"type": "values", "run_id": run_id, "status": "success", "values": {"k": "v"}})
    );
    let app = rt::server::axum::Router::new().route(
        "/runs/{run_id}/stream",
        get(move || {
            let frame = frame.clone();
            async move {
                rt::server::bytes_response(
                    rt::server::axum::http::StatusCode::OK,
                    "text/event-stream",
                    frame,
                )
            }
        }),
    );
    let listener = rt::server::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { rt::server::axum::serve(listener, app).await });
    let client = Client::new(format!("http://{addr}"));
    let StreamStatelessRunOutputOk::Ok(mut events) =
        client.stream_stateless_run_output(run_id).await.unwrap();
    let event = events.next().await.unwrap().expect("decodes");
    assert_eq!(event.data.id, "1");
    assert!(matches!(event.data.data, RunOutputStreamData::Values(_)));
}

/// `create_and_stream_*` is a POST that creates a run. Reconnecting would send that POST
/// again and create a second run, so by default the generated client does not reconnect
/// non-idempotent event streams: a cut is an error item, and there is one run.
#[tokio::test]
async fn create_and_stream_does_not_create_a_run_per_reconnect() {
    let (_, api, addr) = serve().await;
    let proxy = cutting_proxy::cutting_proxy(addr, 2, 2000);
    let client = Client::new(format!("http://{proxy}"));
    let CreateAndStreamStatelessRunOutputOk::Ok(events) = client
        .create_and_stream_stateless_run_output(stateless(json!({"steps": 20})))
        .await
        .unwrap();
    // The cut ends the stream with a transport error item instead of a reconnect.
    let items: Vec<_> = events.collect().await;
    assert!(
        matches!(items.last(), Some(Err(rt::sse::StreamError::Transport(_)))),
        "the cut is reported: {:?}",
        items.last()
    );
    let runs = api.state.lock().unwrap().runs.len();
    assert_eq!(runs, 1, "one POST, one run");
}
