//! Every operation of the generated `agent-runtime` client, with valid arguments.

use agent_runtime::rt::sse::ReconnectPolicy;
use agent_runtime::{Client, DownloadFileOk, ModelCapability, StreamSessionEventsOk};
use serde_json::json;

use super::{Op, body, core, read_all};

/// The operations, in the spec's order.
pub fn ops(base_url: &str) -> Vec<Op> {
    let client = Client::from_core(core(base_url)).with_bearer_auth("interop-token");
    let mut ops = Vec::new();
    call!(ops, client, "list_workspaces", |c| c
        .list_workspaces()
        .limit(10)
        .cursor("c-1"));
    call!(ops, client, "create_workspace", |c| c.create_workspace(
        body(json!({"name": "interop", "metadata": {"team": "qa"}}))
    ));
    call!(ops, client, "get_workspace", |c| c.get_workspace("ws-1"));
    call!(ops, client, "update_workspace", |c| c
        .update_workspace("ws-1", body(json!({"name": "renamed"}))));
    call!(ops, client, "delete_workspace", |c| c
        .delete_workspace("ws-1"));
    call!(ops, client, "get_workspace_catalog", |c| c
        .get_workspace_catalog("ws-1"));
    call!(ops, client, "list_models", |c| c
        .list_models()
        .workspace_id("ws-1")
        .capability(vec![
            ModelCapability::Chat,
            ModelCapability::Tools
        ]));
    call!(ops, client, "list_sessions", |c| c
        .list_sessions()
        .filter(body(json!({
            "workspaceId": "ws-1",
            "status": "running",
            "createdAfter": "2025-01-02T03:04:05Z",
        })))
        .limit(5));
    call!(ops, client, "create_session", |c| c.create_session(body(
        json!({"workspaceId": "ws-1", "agentId": null, "metadata": {"k": "v"}})
    )));
    call!(ops, client, "get_session", |c| c.get_session("s-1"));
    call!(ops, client, "delete_session", |c| c.delete_session("s-1"));
    call!(ops, client, "list_messages", |c| c
        .list_messages("s-1")
        .limit(3)
        .cursor("m-9"));
    call!(ops, client, "send_message", |c| {
        c
        .send_message(
            "s-1",
            body(json!({
                "content": [
                    {"type": "text", "text": "hello"},
                    {"type": "file", "path": "/workspace/a.txt", "mimeType": "text/plain"},
                    {"type": "tool_call", "callId": "call-1", "name": "ls", "arguments": {"dir": "/"}},
                    {"type": "tool_result", "callId": "call-1", "output": "a.txt", "isError": false},
                ],
                "runningRunBehavior": "interrupt",
                "modelId": "m-1",
                "metadata": {"k": "v"},
            }))
        )
        .idempotency_key("idem-1")
    });
    call!(ops, client, "get_session_queue", |c| c
        .get_session_queue("s-1"));
    stream!(
        ops,
        client,
        "stream_session_events",
        |c| c
            .stream_session_events("s-1")
            .last_event_id("ev-3")
            .reconnect(ReconnectPolicy::never()),
        StreamSessionEventsOk::Ok
    );
    call!(ops, client, "get_run", |c| c.get_run("r-1"));
    call!(ops, client, "cancel_run", |c| c.cancel_run("r-1"));
    call!(ops, client, "guide_run", |c| c.guide_run("r-1"));
    call!(ops, client, "trigger_action", |c| c
        .trigger_action("a-1", body(json!({"sessionId": "s-1", "input": {"x": 1}})))
        .idempotency_key("idem-2"));
    with!(
        ops,
        client,
        "download_file",
        |c| c.download_file("sb-1", "/workspace/a.txt"),
        DownloadFileOk::Ok(b) => read_all(b).await
    );
    call!(ops, client, "upload_file", |c| c
        .upload_file("sb-1", bytes::Bytes::from_static(b"hello, sandbox\n"))
        .path("/workspace/hello.txt"));
    call!(ops, client, "list_files", |c| c
        .list_files("sb-1")
        .path("/workspace")
        .depth(2));
    call!(ops, client, "run_command", |c| c.run_command(
        "sb-1",
        body(json!({
            "cmd": "ls",
            "args": ["-la"],
            "cwd": "/workspace",
            "env": {"LANG": "C"},
            "timeoutMs": 5000,
            "stdin": null,
        }))
    ));
    call!(ops, client, "list_runtime_models", |c| c
        .list_runtime_models());
    call!(ops, client, "invoke_runtime_model", |c| c
        .invoke_runtime_model(
            "m-1",
            body(json!({
                "messages": [
                    {"role": "system", "content": [{"type": "text", "text": "be brief"}]},
                    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
                ],
                "maxTokens": 64,
                "temperature": 0.5,
            }))
        ));
    ops
}
