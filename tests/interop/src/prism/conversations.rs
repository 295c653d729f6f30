//! Every operation of the generated `conversations` client, with valid arguments.

use conversations::rt::sse::ReconnectPolicy;
use conversations::{Client, StreamEventsOk};
use serde_json::json;

use super::{Op, body, core};

const ID: &str = "6f1c2b0e-8f5a-4c1e-9d2a-3b4c5d6e7f80";

/// The operations, in the spec's order.
pub fn ops(base_url: &str) -> Vec<Op> {
    let client = Client::from_core(core(base_url)).with_api_key("interop-key");
    let id: uuid::Uuid = body(json!(ID));
    let mut ops = Vec::new();
    call!(ops, client, "list_conversations", |c| c
        .list_conversations());
    call!(ops, client, "create_conversation", |c| {
        c.create_conversation(body(
        json!({"title": "Unpacking the dropper", "context": {"analysis_id": 7, "function_id": 99}})
    ))
    });
    call!(ops, client, "get_conversation", |c| c.get_conversation(id));
    call!(ops, client, "send_message", |c| c.send_message(
        id,
        body(json!({"content": "What does main do?", "context": {"analysis_id": 7}}))
    ));
    stream!(
        ops,
        client,
        "stream_events",
        |c| c
            .stream_events(id)
            .last_event_id(3)
            .reconnect(ReconnectPolicy::never()),
        StreamEventsOk::Ok
    );
    call!(ops, client, "cancel_run", |c| c.cancel_run(id));
    call!(ops, client, "confirm_tool", |c| c
        .confirm_tool(id, body(json!({"approved": true}))));
    ops
}
