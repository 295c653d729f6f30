//! Every operation of the generated `agent-platform` client, with valid arguments.

use agent_platform::rt::client::Multipart;
use agent_platform::rt::sse::ReconnectPolicy;
use agent_platform::{
    Client, DownloadFileOk, DownloadSkillFileOk, SessionStatus, StreamSessionEventsOk,
};
use serde_json::json;

use super::{Op, body, core, read_all};

/// The operations, in the spec's order.
pub fn ops(base_url: &str) -> Vec<Op> {
    let client = Client::from_core(core(base_url)).with_bearer_auth("interop-token");
    let mut ops = Vec::new();
    call!(ops, client, "list_agents", |c| c
        .list_agents()
        .archived(true)
        .limit(10)
        .cursor("c-1"));
    call!(ops, client, "create_agent", |c| c.create_agent(body(
        json!({
            "name": "support-bot",
            "model": "claude-sonnet",
            "system_prompt": "Be kind.",
            "environment_id": null,
            "skills": ["pdf"],
            "tools": ["bash"],
            "max_turns": 10,
            "metadata": {"team": "support"},
        })
    )));
    call!(ops, client, "get_agent", |c| c.get_agent("agent-1"));
    call!(ops, client, "update_agent", |c| c.update_agent(
        "agent-1",
        body(json!({"system_prompt": null, "max_turns": 20}))
    ));
    call!(ops, client, "list_agent_versions", |c| c
        .list_agent_versions("agent-1")
        .limit(2));
    call!(ops, client, "get_agent_version", |c| c
        .get_agent_version("agent-1", 3));
    call!(ops, client, "archive_agent", |c| c.archive_agent("agent-1"));
    call!(ops, client, "list_sessions", |c| c
        .list_sessions()
        .agent_id("agent-1")
        .status(vec![SessionStatus::Running, SessionStatus::Idle])
        .limit(5));
    call!(ops, client, "create_session", |c| c
        .create_session(body(json!({
            "agent_id": "agent-1",
            "agent_version": 2,
            "input": [
                {"role": "user", "content": "Hello"},
                {"role": "user", "content": [
                    {"type": "text", "text": "Look at this"},
                    {"type": "image", "file_id": "file-1", "alt": null},
                    {"type": "tool_use", "id": "tu-1", "name": "bash", "input": {"cmd": "ls"}},
                    {"type": "tool_result", "tool_use_id": "tu-1", "is_error": false,
                     "content": [{"type": "text", "text": "a.txt"}]},
                ]},
            ],
            "metadata": {"k": "v"},
        })))
        .idempotency_key("idem-1"));
    call!(ops, client, "get_session", |c| c.get_session("sess-1"));
    call!(ops, client, "delete_session", |c| c
        .delete_session("sess-1"));
    stream!(
        ops,
        client,
        "stream_session_events",
        |c| c
            .stream_session_events("sess-1")
            .after("ev-2")
            .reconnect(ReconnectPolicy::never()),
        StreamSessionEventsOk::Ok
    );
    call!(ops, client, "list_session_events", |c| c
        .list_session_events("sess-1"));
    call!(ops, client, "send_session_message", |c| c
        .send_session_message(
            "sess-1",
            body(json!({"input": [{"role": "user", "content": "And then?"}]}))
        )
        .idempotency_key("idem-2"));
    call!(ops, client, "cancel_session", |c| c
        .cancel_session("sess-1"));
    call!(ops, client, "list_environments", |c| c
        .list_environments()
        .limit(3));
    call!(ops, client, "create_environment", |c| c.create_environment(
        body(json!({
            "name": "py",
            "image": "platform/python:3.12",
            "packages": ["numpy"],
            "env": {"LANG": "C"},
            "network": "none",
        }))
    ));
    call!(ops, client, "get_environment", |c| c
        .get_environment("env-1"));
    call!(ops, client, "update_environment", |c| c.update_environment(
        "env-1",
        body(json!({"name": "py", "network": "full"}))
    ));
    call!(ops, client, "delete_environment", |c| c
        .delete_environment("env-1"));
    call!(ops, client, "list_skills", |c| c.list_skills().limit(3));
    call!(ops, client, "upload_skill", |c| c.upload_skill(
        Multipart::new()
            .text("id", "pdf-tools")
            .text("display_title", "PDF tools")
            .file(
                "files",
                b"# PDF tools\n".to_vec(),
                Some("SKILL.md".into()),
                Some("application/octet-stream".into())
            )
            .file(
                "files",
                b"print('hi')\n".to_vec(),
                Some("run.py".into()),
                Some("application/octet-stream".into())
            )
    ));
    call!(ops, client, "get_skill", |c| c.get_skill("pdf-tools"));
    call!(ops, client, "delete_skill", |c| c.delete_skill("pdf-tools"));
    with!(
        ops,
        client,
        "download_skill_file",
        |c| c.download_skill_file("pdf-tools", "SKILL.md"),
        DownloadSkillFileOk::Ok { body: b, .. } => read_all(b).await
    );
    call!(ops, client, "list_vaults", |c| c.list_vaults().limit(3));
    call!(ops, client, "create_vault", |c| c.create_vault(body(
        json!({"name": "openai", "secret": "sk-test"})
    )));
    call!(ops, client, "delete_vault", |c| c.delete_vault("vault-1"));
    call!(ops, client, "update_vault", |c| c.update_vault(
        "vault-1",
        body(json!({"secret": "sk-rotated"}))
    ));
    call!(ops, client, "list_memory_stores", |c| c
        .list_memory_stores("agent-1")
        .limit(3));
    call!(ops, client, "create_memory_store", |c| c
        .create_memory_store(body(
            json!({"agent_id": "agent-1", "name": "notes"})
        )));
    call!(ops, client, "delete_memory_store", |c| c
        .delete_memory_store("mem-1"));
    call!(ops, client, "list_memory_entries", |c| c
        .list_memory_entries("mem-1")
        .limit(3));
    call!(ops, client, "search_memory_store", |c| c
        .search_memory_store(
            "mem-1",
            body(json!({"query": "refund policy", "limit": 3}))
        ));
    call!(ops, client, "upload_file", |c| c.upload_file(
        Multipart::new().text("session_id", "sess-1").file(
            "file",
            b"col\n1\n".to_vec(),
            Some("data.csv".into()),
            Some("application/octet-stream".into())
        )
    ));
    call!(ops, client, "delete_file", |c| c.delete_file("file-1"));
    with!(
        ops,
        client,
        "download_file",
        |c| c.download_file("file-1"),
        DownloadFileOk::Ok { body: b, .. } => read_all(b).await
    );
    call!(ops, client, "list_providers", |c| c
        .list_providers()
        .limit(3));
    call!(ops, client, "create_provider", |c| c.create_provider(body(
        json!({
            "id": "my-openai",
            "provider": "openai_compatible",
            "base_url": "https://llm.example/v1",
            "api_key_vault_id": "vault-1",
            "models": ["gpt-x"],
        })
    )));
    call!(ops, client, "delete_provider", |c| c
        .delete_provider("my-openai"));
    call!(ops, client, "update_provider", |c| c.update_provider(
        "my-openai",
        body(json!({"base_url": null, "models": ["gpt-y"]}))
    ));
    call!(ops, client, "list_integrations", |c| c
        .list_integrations()
        .limit(3));
    call!(ops, client, "install_integration", |c| c
        .install_integration("slack"));
    call!(ops, client, "uninstall_integration", |c| c
        .uninstall_integration("slack"));
    call!(ops, client, "list_publications", |c| c
        .list_publications("slack")
        .limit(3));
    call!(ops, client, "create_publication", |c| c.create_publication(
        "slack",
        body(json!({"agent_id": "agent-1", "workspace_id": "T123"}))
    ));
    call!(ops, client, "delete_publication", |c| c
        .delete_publication("slack", "pub-1"));
    call!(ops, client, "list_evals", |c| c.list_evals().limit(3));
    call!(ops, client, "create_eval", |c| c.create_eval(body(json!({
        "agent_id": "agent-1",
        "agent_version": null,
        "name": "smoke",
        "cases": [{"input": "2+2?", "expected": "4"}, {"input": "hi", "expected": null}],
    }))));
    call!(ops, client, "get_eval", |c| c.get_eval("eval-1"));
    call!(ops, client, "list_api_keys", |c| c.list_api_keys().limit(3));
    call!(ops, client, "create_api_key", |c| c
        .create_api_key(body(json!({"name": "ci"}))));
    call!(ops, client, "revoke_api_key", |c| c.revoke_api_key("key-1"));
    call!(ops, client, "start_console_oauth", |c| c
        .start_console_oauth()
        .redirect_to("/agents"));
    call!(ops, client, "console_oauth_callback", |c| c
        .console_oauth_callback(
            "state-1",
            body(json!({"code": "4/0Adeu5", "state": "state-1"}))
        ));
    call!(ops, client, "health_check", |c| c.health_check());
    ops
}
