//! Every operation of the generated `devrev-agents` client, with valid arguments.

use devrev_agents::Client;
use serde_json::json;

use super::{Op, body, core};

/// The operations, in the spec's order.
pub fn ops(base_url: &str) -> Vec<Op> {
    let client = Client::from_core(core(base_url)).with_auth_token("interop-token");
    let mut ops = Vec::new();
    call!(ops, client, "ai_agents_events_execute_async", |c| c
        .ai_agents_events_execute_async(body(json!({
            "agent": "don:core:dvrv-us-1:devo/1:ai_agent/1",
            "agent_version": "don:core:dvrv-us-1:devo/1:ai_agent/1:version/2",
            "client_metadata": {"origin": "interop"},
            "context": {"ticket": "TKT-1"},
            "event": {"input_message": {"message": "Summarise the ticket"}},
            "session_object": "session-1",
            "target": "webhook_target",
            "webhook_target": {"webhook": "don:integration:dvrv-us-1:devo/1:webhook/3"},
        }))));
    ops
}
