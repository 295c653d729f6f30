//! Every operation of the generated `acp` client, with valid arguments.

use acp::rt::sse::ReconnectPolicy;
use acp::{
    CancelStatelessRunAction, CancelThreadRunAction, Client, CreateAndStreamStatelessRunOutputOk,
    CreateAndStreamThreadRunOutputOk, StreamStatelessRunOutputOk, StreamThreadRunOutputOk,
};
use serde_json::{Value, json};

use super::{Op, body, core};

const AGENT: &str = "2b1a0c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const THREAD: &str = "7d3e2f10-1111-4222-8333-944455566677";
const RUN: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

fn run_create() -> Value {
    json!({
        "agent_id": AGENT,
        "input": {"query": "What is the answer?"},
        "metadata": {"origin": "interop"},
        "config": {"tags": ["interop"], "recursion_limit": 5, "configurable": {"temperature": 0.2}},
        "webhook": "https://hooks.example/acp",
        "stream_mode": ["values", "custom"],
        "on_disconnect": "continue",
        "multitask_strategy": "enqueue",
        "after_seconds": 0,
    })
}

fn stateful() -> Value {
    let mut v = run_create();
    v["stream_subgraphs"] = json!(false);
    v["if_not_exists"] = json!("create");
    v
}

fn stateless() -> Value {
    let mut v = run_create();
    v["stream_mode"] = json!("values");
    v["on_completion"] = json!("keep");
    v
}

/// The operations, in the spec's order.
pub fn ops(base_url: &str) -> Vec<Op> {
    let client = Client::from_core(core(base_url));
    let agent: uuid::Uuid = body(json!(AGENT));
    let thread: uuid::Uuid = body(json!(THREAD));
    let run: uuid::Uuid = body(json!(RUN));
    let never = ReconnectPolicy::never;
    let mut ops = Vec::new();
    call!(ops, client, "search_agents", |c| c.search_agents(body(
        json!({"name": "org.example.echo", "version": "1.2.0", "limit": 5, "offset": 0})
    )));
    call!(ops, client, "get_agent_by_id", |c| c.get_agent_by_id(agent));
    call!(ops, client, "get_acp_descriptor_by_id", |c| c
        .get_acp_descriptor_by_id(agent));
    call!(ops, client, "create_thread", |c| c.create_thread(body(
        json!({"thread_id": THREAD, "metadata": {"owner": "interop"}, "if_exists": "do_nothing"})
    )));
    call!(ops, client, "search_threads", |c| {
        c.search_threads(body(
        json!({"metadata": {"owner": "interop"}, "values": {"answer": 42}, "status": "idle", "limit": 5, "offset": 1})
    ))
    });
    call!(ops, client, "get_thread_history", |c| c
        .get_thread_history(thread)
        .limit(5)
        .before("c0ffee00-0000-4000-8000-000000000002"));
    call!(ops, client, "copy_thread", |c| c.copy_thread(thread));
    call!(ops, client, "get_thread", |c| c.get_thread(thread));
    call!(ops, client, "delete_thread", |c| c.delete_thread(thread));
    call!(ops, client, "patch_thread", |c| c.patch_thread(
        thread,
        body(json!({
            "checkpoint": {"checkpoint_id": "c0ffee00-0000-4000-8000-000000000001"},
            "metadata": {"reviewed": true},
            "values": {"answer": 42},
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        }))
    ));
    call!(ops, client, "list_thread_runs", |c| c
        .list_thread_runs(thread)
        .limit(5)
        .offset(0));
    call!(ops, client, "create_thread_run", |c| c
        .create_thread_run(thread, body(stateful())));
    stream!(
        ops,
        client,
        "create_and_stream_thread_run_output",
        |c| c
            .create_and_stream_thread_run_output(thread, body(stateful()))
            .reconnect(never()),
        CreateAndStreamThreadRunOutputOk::Ok
    );
    call!(ops, client, "create_and_wait_for_thread_run_output", |c| c
        .create_and_wait_for_thread_run_output(
            thread,
            body(stateful())
        ));
    call!(ops, client, "wait_for_thread_run_output", |c| c
        .wait_for_thread_run_output(thread, run));
    call!(ops, client, "get_thread_run", |c| c
        .get_thread_run(thread, run));
    call!(ops, client, "resume_thread_run", |c| c.resume_thread_run(
        thread,
        run,
        body(json!({"approved": true}))
    ));
    call!(ops, client, "delete_thread_run", |c| c
        .delete_thread_run(thread, run));
    stream!(
        ops,
        client,
        "stream_thread_run_output",
        |c| c.stream_thread_run_output(thread, run).reconnect(never()),
        StreamThreadRunOutputOk::Ok
    );
    call!(ops, client, "cancel_thread_run", |c| c
        .cancel_thread_run(thread, run)
        .wait(true)
        .action(CancelThreadRunAction::Interrupt));
    call!(ops, client, "create_stateless_run", |c| c
        .create_stateless_run(body(stateless())));
    call!(ops, client, "search_stateless_runs", |c| {
        c.search_stateless_runs(body(
        json!({"agent_id": AGENT, "status": "success", "metadata": {"origin": "interop"}, "limit": 5, "offset": 0})
    ))
    });
    stream!(
        ops,
        client,
        "create_and_stream_stateless_run_output",
        |c| c
            .create_and_stream_stateless_run_output(body(stateless()))
            .reconnect(never()),
        CreateAndStreamStatelessRunOutputOk::Ok
    );
    call!(
        ops,
        client,
        "create_and_wait_for_stateless_run_output",
        |c| c.create_and_wait_for_stateless_run_output(body(stateless()))
    );
    call!(ops, client, "wait_for_stateless_run_output", |c| c
        .wait_for_stateless_run_output(run));
    call!(ops, client, "get_stateless_run", |c| c
        .get_stateless_run(run));
    call!(ops, client, "resume_stateless_run", |c| c
        .resume_stateless_run(run, body(json!("yes"))));
    call!(ops, client, "delete_stateless_run", |c| c
        .delete_stateless_run(run));
    stream!(
        ops,
        client,
        "stream_stateless_run_output",
        |c| c.stream_stateless_run_output(run).reconnect(never()),
        StreamStatelessRunOutputOk::Ok
    );
    call!(ops, client, "cancel_stateless_run", |c| c
        .cancel_stateless_run(run)
        .wait(false)
        .action(CancelStatelessRunAction::Rollback));
    ops
}
