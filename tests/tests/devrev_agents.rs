//! The generated `devrev-agents` client against the generated server, over loopback (seed 001).
//!
//! One operation, `POST /ai-agents.events.execute-async`, with bearer auth, a request body with
//! required and optional fields, and an error body that is a union discriminated by `type` with
//! a variant per error kind. The implementation checks the token, validates the body, and can
//! be scripted to answer any documented error (or to be slow) on its next calls, so the client's
//! typed errors, retries (`Retry-After`) and timeouts are exercised end to end.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use devrev_agents::rt;
use devrev_agents::rt::client::{ClientCore, Credential, RequestOptions, RetryPolicy};
use devrev_agents::rt::server::{Failure, Presented};
use devrev_agents::server::{AiAgentsEventsExecuteAsyncRequest, Api, router};
use devrev_agents::{
    AiAgentEvent, AiAgentEventSourceTarget, AiAgentEventsExecuteAsyncRequest,
    AiAgentEventsExecuteAsyncRequestTarget, AiAgentEventsExecuteAsyncResponse, AiAgentInputMessage,
    AiAgentSessionSummary, AiAgentWebhookTarget, AiAgentsEventsExecuteAsyncError,
    AiAgentsEventsExecuteAsyncOk, Client, ErrorArtifactAlreadyAttachedToAParent,
    ErrorArtifactAlreadyAttachedToAParentType, ErrorDevOrgDeactivated, ErrorDevOrgDeactivatedType,
    ErrorForbidden, ErrorForbiddenType, ErrorInternalError, ErrorInternalErrorType,
    ErrorInvalidField, ErrorInvalidFieldType, ErrorModel, ErrorNotFound, ErrorNotFoundType,
    ErrorRequestEntityTooLarge, ErrorRequestEntityTooLargeType, ErrorServiceUnavailable,
    ErrorServiceUnavailableType, ErrorTooManyRequests, ErrorTooManyRequestsType,
    ErrorUnauthenticated, ErrorUnauthenticatedType,
};
use serde_json::json;

const TOKEN: &str = "devrev-pat-1";
const AGENT: &str = "don:core:dvrv-us-1:devo/1:ai_agent/7";
const MISSING_AGENT: &str = "don:core:dvrv-us-1:devo/1:ai_agent/404";
/// The largest `input_message.message` accepted, in bytes.
const MAX_BYTES: usize = 256;

type Outcome = Result<AiAgentsEventsExecuteAsyncOk, Failure<AiAgentsEventsExecuteAsyncError>>;

/// What the implementation does on one of its next calls, before its usual logic.
enum Scripted {
    Fail(AiAgentsEventsExecuteAsyncError),
    /// Sleep, then answer as usual.
    Sleep(Duration),
}

#[derive(Default)]
struct Agents {
    /// Every body received, in order (after the token check).
    calls: Mutex<Vec<AiAgentEventsExecuteAsyncRequest>>,
    /// When each call arrived.
    arrivals: Mutex<Vec<Instant>>,
    tokens: Mutex<Vec<String>>,
    script: Mutex<VecDeque<Scripted>>,
}

impl Agents {
    fn script(&self, steps: impl IntoIterator<Item = Scripted>) {
        self.script.lock().unwrap().extend(steps);
    }

    fn calls(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }
}

fn unauthenticated() -> ErrorModel {
    ErrorModel::Unauthenticated(ErrorUnauthenticated {
        detail: None,
        message: Some("invalid token".to_owned()),
        r#type: ErrorUnauthenticatedType::Unauthenticated,
    })
}

impl Api for Agents {
    async fn ai_agents_events_execute_async(
        &self,
        request: AiAgentsEventsExecuteAsyncRequest,
    ) -> Outcome {
        use AiAgentsEventsExecuteAsyncError as E;
        self.arrivals.lock().unwrap().push(Instant::now());
        let token = match request.credentials.as_slice() {
            [("auth-token", Presented::Bearer(token))] => token.clone(),
            other => panic!("unexpected credentials {other:?}"),
        };
        self.tokens.lock().unwrap().push(token.clone());
        if token != TOKEN {
            return Err(E::Unauthorized(unauthenticated()).into());
        }
        let body = request.body;
        self.calls.lock().unwrap().push(body.clone());
        let scripted = self.script.lock().unwrap().pop_front();
        match scripted {
            Some(Scripted::Fail(err)) => return Err(err.into()),
            Some(Scripted::Sleep(pause)) => tokio::time::sleep(pause).await,
            None => {}
        }
        if body.agent == MISSING_AGENT {
            return Err(E::NotFound(ErrorModel::NotFound(ErrorNotFound {
                detail: Some(format!("agent {} does not exist", body.agent)),
                message: None,
                r#type: ErrorNotFoundType::NotFound,
            }))
            .into());
        }
        if let Some(parent) = body.parent.as_deref().filter(|p| p.contains("private")) {
            return Err(E::Forbidden(ErrorModel::Forbidden(ErrorForbidden {
                detail: None,
                message: Some("no access to the parent".to_owned()),
                r#type: ErrorForbiddenType::Forbidden,
                object_ids: Some(vec![parent.to_owned()]),
            }))
            .into());
        }
        let message = body
            .event
            .input_message
            .as_ref()
            .map(|m| m.message.as_str());
        if message.is_some_and(|m| m.len() > MAX_BYTES) {
            return Err(E::PayloadTooLarge(ErrorModel::RequestEntityTooLarge(
                ErrorRequestEntityTooLarge {
                    detail: None,
                    message: Some("the message is too long".to_owned()),
                    r#type: ErrorRequestEntityTooLargeType::RequestEntityTooLarge,
                    max_bytes: Some(i64::try_from(MAX_BYTES).unwrap()),
                },
            ))
            .into());
        }
        if message.is_none_or(str::is_empty) {
            return Err(E::BadRequest(ErrorModel::InvalidField(ErrorInvalidField {
                detail: Some("event.input_message.message must not be empty".to_owned()),
                message: None,
                r#type: ErrorInvalidFieldType::InvalidField,
                field_name: "event.input_message.message".to_owned(),
            }))
            .into());
        }
        let n = self.calls.lock().unwrap().len();
        Ok(AiAgentsEventsExecuteAsyncOk::Ok(
            AiAgentEventsExecuteAsyncResponse {
                session: AiAgentSessionSummary {
                    display_id: Some(format!("AGS-{n}")),
                    id: format!(
                        "don:core:dvrv-us-1:devo/1:ai_agent_session/{}",
                        body.session_object
                    ),
                },
            },
        ))
    }
}

async fn serve() -> (String, Arc<Agents>) {
    let api = Arc::new(Agents::default());
    let listener = rt::server::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = router(api.clone());
    tokio::spawn(async move { rt::server::axum::serve(listener, router).await });
    (format!("http://{addr}"), api)
}

fn minimal(message: &str) -> AiAgentEventsExecuteAsyncRequest {
    AiAgentEventsExecuteAsyncRequest {
        agent: AGENT.to_owned(),
        agent_version: None,
        client_metadata: None,
        context: None,
        event: AiAgentEvent {
            input_message: Some(AiAgentInputMessage {
                message: message.to_owned(),
            }),
        },
        event_source_target: None,
        message_context: None,
        parent: None,
        session_object: "session-1".to_owned(),
        target: None,
        webhook_target: None,
    }
}

fn session_of(ok: AiAgentsEventsExecuteAsyncOk) -> AiAgentSessionSummary {
    let AiAgentsEventsExecuteAsyncOk::Ok(response) = ok;
    response.session
}

/// Fast, deterministic retries that also cover POST.
fn eager_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        jitter: false,
        retry_non_idempotent: true,
        max_retry_after: Duration::from_secs(5),
    }
}

fn retrying_client(url: &str, policy: RetryPolicy) -> Client {
    let core = ClientCore::builder(url).retry(policy).build().unwrap();
    Client::from_core(core).with_auth_token(TOKEN)
}

#[tokio::test]
async fn every_field_round_trips_and_the_session_comes_back() {
    let (url, api) = serve().await;
    let client = Client::new(&url).with_auth_token(TOKEN);

    let full = AiAgentEventsExecuteAsyncRequest {
        agent: AGENT.to_owned(),
        agent_version: Some("don:core:dvrv-us-1:devo/1:ai_agent_version/3".to_owned()),
        client_metadata: Some(BTreeMap::from([
            ("ticket".to_owned(), json!("TKT-12")),
            ("attempt".to_owned(), json!(2)),
            ("nested".to_owned(), json!({"a": [1, null, "x"]})),
        ])),
        context: Some(BTreeMap::from([("locale".to_owned(), json!("fr-FR"))])),
        event: AiAgentEvent {
            input_message: Some(AiAgentInputMessage {
                message: "Résume le ticket TKT-12 ✓".to_owned(),
            }),
        },
        event_source_target: Some(AiAgentEventSourceTarget {
            event_source: "don:integration:dvrv-us-1:devo/1:event_source/5".to_owned(),
        }),
        message_context: Some(BTreeMap::from([("thread".to_owned(), json!(null))])),
        parent: Some("don:core:dvrv-us-1:devo/1:ticket/12".to_owned()),
        session_object: "ticket-12-session".to_owned(),
        target: Some(AiAgentEventsExecuteAsyncRequestTarget::WebhookTarget),
        webhook_target: Some(AiAgentWebhookTarget {
            webhook: "don:integration:dvrv-us-1:devo/1:webhook/9".to_owned(),
        }),
    };
    let answered = client
        .ai_agents_events_execute_async(full.clone())
        .send_with_info()
        .await
        .unwrap();
    assert_eq!(answered.status, 200);
    assert_eq!(answered.headers["content-type"], "application/json");
    assert_eq!(
        session_of(answered.value),
        AiAgentSessionSummary {
            display_id: Some("AGS-1".to_owned()),
            id: "don:core:dvrv-us-1:devo/1:ai_agent_session/ticket-12-session".to_owned(),
        }
    );

    // Only the required fields: the optional ones arrive absent, not as nulls or defaults.
    let session = session_of(
        client
            .ai_agents_events_execute_async(minimal("hello"))
            .await
            .unwrap(),
    );
    assert_eq!(session.display_id.as_deref(), Some("AGS-2"));

    let calls = api.calls.lock().unwrap().clone();
    assert_eq!(calls, [full, minimal("hello")]);
    assert_eq!(*api.tokens.lock().unwrap(), [TOKEN, TOKEN]);
}

#[tokio::test]
async fn bearer_token_is_required_and_checked() {
    let (url, api) = serve().await;

    // No token: the generated server answers 401 without calling the implementation. Its
    // problem+json body has a `type` ("about:blank") that is no variant, so it is kept verbatim.
    let err = Client::new(&url)
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 401);
    let Some(AiAgentsEventsExecuteAsyncError::Unauthorized(ErrorModel::Unknown(problem))) =
        err.api_body()
    else {
        panic!("{err:?}")
    };
    assert_eq!(problem["status"], 401);
    assert_eq!(api.calls(), 0);

    // A wrong token reaches the implementation, which answers the typed 401.
    let err = Client::new(&url)
        .with_auth_token("stolen")
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap_err();
    assert_eq!(
        err.api_body(),
        Some(&AiAgentsEventsExecuteAsyncError::Unauthorized(
            unauthenticated()
        ))
    );
    assert_eq!(*api.tokens.lock().unwrap(), ["stolen"]);

    // A per-request credential replaces the client's.
    let options = RequestOptions::new().credential("auth-token", Credential::bearer(TOKEN));
    Client::new(&url)
        .with_auth_token("stolen")
        .ai_agents_events_execute_async(minimal("hi"))
        .options(options)
        .await
        .unwrap();
    assert_eq!(*api.tokens.lock().unwrap(), ["stolen", TOKEN]);
}

#[tokio::test]
async fn each_error_variant_arrives_typed_with_its_fields() {
    use AiAgentsEventsExecuteAsyncError as E;
    let (url, api) = serve().await;
    // The default retry policy does not retry a POST, so 429 and 503 come straight back.
    let client = Client::new(&url).with_auth_token(TOKEN);

    let scripted = [
        E::BadRequest(ErrorModel::ArtifactAlreadyAttachedToAParent(
            ErrorArtifactAlreadyAttachedToAParent {
                detail: Some("already attached".to_owned()),
                message: Some("conflict".to_owned()),
                r#type: ErrorArtifactAlreadyAttachedToAParentType::ArtifactAlreadyAttachedToAParent,
                existing_parent: "don:core:dvrv-us-1:devo/1:ticket/1".to_owned(),
                is_same: false,
            },
        )),
        E::Unauthorized(ErrorModel::DevOrgDeactivated(ErrorDevOrgDeactivated {
            detail: None,
            message: Some("dev org deactivated".to_owned()),
            r#type: ErrorDevOrgDeactivatedType::DevOrgDeactivated,
        })),
        E::TooManyRequests {
            body: ErrorModel::TooManyRequests(ErrorTooManyRequests {
                detail: None,
                message: Some("slow down".to_owned()),
                r#type: ErrorTooManyRequestsType::TooManyRequests,
                retry_after: Some(30),
            }),
            retry_after: Some(30),
        },
        E::InternalServerError(ErrorModel::InternalError(ErrorInternalError {
            detail: None,
            message: Some("oops".to_owned()),
            r#type: ErrorInternalErrorType::InternalError,
            reference_id: Some("ref-8d1f".to_owned()),
        })),
        E::ServiceUnavailable(ErrorModel::ServiceUnavailable(ErrorServiceUnavailable {
            detail: Some("maintenance".to_owned()),
            message: None,
            r#type: ErrorServiceUnavailableType::ServiceUnavailable,
        })),
    ];
    let statuses = [400, 401, 429, 500, 503];
    for (err, status) in scripted.into_iter().zip(statuses) {
        api.script([Scripted::Fail(err.clone())]);
        let got = client
            .ai_agents_events_execute_async(minimal("hi"))
            .await
            .unwrap_err();
        assert_eq!(got.status().unwrap(), status, "{err:?}");
        assert_eq!(got.api_body(), Some(&err), "status {status}");
    }
    // The 429's `Retry-After` header was written from the variant and read back into it.
    api.script([Scripted::Fail(E::TooManyRequests {
        body: ErrorModel::TooManyRequests(ErrorTooManyRequests {
            detail: None,
            message: None,
            r#type: ErrorTooManyRequestsType::TooManyRequests,
            retry_after: None,
        }),
        retry_after: Some(120),
    })]);
    let got = client
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap_err();
    assert_eq!(got.headers().unwrap()["retry-after"], "120");
    assert!(
        matches!(
            got.api_body(),
            Some(E::TooManyRequests {
                retry_after: Some(120),
                ..
            })
        ),
        "{got:?}"
    );

    // The errors the implementation decides from the request itself.
    let mut private = minimal("hi");
    private.parent = Some("don:core:dvrv-us-1:devo/1:ticket/private-3".to_owned());
    let got = client
        .ai_agents_events_execute_async(private)
        .await
        .unwrap_err();
    let Some(E::Forbidden(ErrorModel::Forbidden(forbidden))) = got.api_body() else {
        panic!("{got:?}")
    };
    assert_eq!(
        forbidden.object_ids.as_deref(),
        Some(&["don:core:dvrv-us-1:devo/1:ticket/private-3".to_owned()][..])
    );

    let got = client
        .ai_agents_events_execute_async(minimal(&"x".repeat(MAX_BYTES + 1)))
        .await
        .unwrap_err();
    assert_eq!(got.status().unwrap(), 413);
    let Some(E::PayloadTooLarge(ErrorModel::RequestEntityTooLarge(too_large))) = got.api_body()
    else {
        panic!("{got:?}")
    };
    assert_eq!(too_large.max_bytes, Some(256));

    let mut missing = minimal("hi");
    missing.agent = MISSING_AGENT.to_owned();
    let got = client
        .ai_agents_events_execute_async(missing)
        .await
        .unwrap_err();
    assert_eq!(got.status().unwrap(), 404);
    assert!(matches!(
        got.api_body(),
        Some(E::NotFound(ErrorModel::NotFound(_)))
    ));

    let got = client
        .ai_agents_events_execute_async(minimal(""))
        .await
        .unwrap_err();
    let Some(E::BadRequest(ErrorModel::InvalidField(invalid))) = got.api_body() else {
        panic!("{got:?}")
    };
    assert_eq!(invalid.field_name, "event.input_message.message");

    // Each error was one call: nothing was retried.
    assert_eq!(api.calls(), 10);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_that_wait() {
    let (url, api) = serve().await;
    api.script([Scripted::Fail(
        AiAgentsEventsExecuteAsyncError::TooManyRequests {
            body: ErrorModel::TooManyRequests(ErrorTooManyRequests {
                detail: None,
                message: Some("slow down".to_owned()),
                r#type: ErrorTooManyRequestsType::TooManyRequests,
                retry_after: Some(1),
            }),
            retry_after: Some(1),
        },
    )]);
    let client = retrying_client(&url, eager_retries());
    let session = session_of(
        client
            .ai_agents_events_execute_async(minimal("hi"))
            .await
            .unwrap(),
    );
    assert_eq!(session.display_id.as_deref(), Some("AGS-2"));
    let arrivals = api.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 2);
    // `Retry-After: 1` replaced the 5 ms backoff: the retry came no earlier than a second later.
    assert!(arrivals[1] - arrivals[0] >= Duration::from_secs(1));
    // The retry sent the same body.
    let calls = api.calls.lock().unwrap().clone();
    assert_eq!(calls[0], calls[1]);
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_until_success() {
    let (url, api) = serve().await;
    let unavailable = || {
        Scripted::Fail(AiAgentsEventsExecuteAsyncError::ServiceUnavailable(
            ErrorModel::ServiceUnavailable(ErrorServiceUnavailable {
                detail: None,
                message: None,
                r#type: ErrorServiceUnavailableType::ServiceUnavailable,
            }),
        ))
    };
    api.script([unavailable(), unavailable()]);
    let client = retrying_client(&url, eager_retries());
    client
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap();
    assert_eq!(api.calls(), 3);

    // More failures than retries: the last answer is returned, typed.
    api.script([unavailable(), unavailable(), unavailable(), unavailable()]);
    let err = client
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(AiAgentsEventsExecuteAsyncError::ServiceUnavailable(_))
    ));
    assert_eq!(api.calls(), 3 + 4);
}

#[tokio::test]
async fn a_post_is_not_retried_unless_the_policy_allows_it() {
    let (url, api) = serve().await;
    let too_many = |after: i64| {
        Scripted::Fail(AiAgentsEventsExecuteAsyncError::TooManyRequests {
            body: ErrorModel::TooManyRequests(ErrorTooManyRequests {
                detail: None,
                message: None,
                r#type: ErrorTooManyRequestsType::TooManyRequests,
                retry_after: Some(after),
            }),
            retry_after: Some(after),
        })
    };

    // `retry_non_idempotent: false`: the 429 comes back at once.
    api.script([too_many(1)]);
    let cautious = RetryPolicy {
        retry_non_idempotent: false,
        ..eager_retries()
    };
    let err = retrying_client(&url, cautious)
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(AiAgentsEventsExecuteAsyncError::TooManyRequests {
            retry_after: Some(1),
            ..
        })
    ));
    assert_eq!(api.calls(), 1);

    // A `Retry-After` beyond `max_retry_after` is not waited for either.
    api.script([too_many(30)]);
    let err = retrying_client(&url, eager_retries())
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap_err();
    assert!(matches!(
        err.api_body(),
        Some(AiAgentsEventsExecuteAsyncError::TooManyRequests {
            retry_after: Some(30),
            ..
        })
    ));
    assert_eq!(api.calls(), 2);

    // A per-request policy overrides the client's.
    api.script([too_many(0)]);
    let options = RequestOptions::new().retry(RetryPolicy::none());
    let err = retrying_client(&url, eager_retries())
        .ai_agents_events_execute_async(minimal("hi"))
        .options(options)
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 429);
    assert_eq!(api.calls(), 3);
}

#[tokio::test]
async fn per_request_timeout() {
    let (url, api) = serve().await;
    let client = Client::new(&url).with_auth_token(TOKEN);

    api.script([Scripted::Sleep(Duration::from_secs(5))]);
    let started = Instant::now();
    let err = client
        .ai_agents_events_execute_async(minimal("hi"))
        .options(RequestOptions::new().timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert!(matches!(err, rt::client::Error::Timeout), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(err.status(), None);
    // A timed-out POST is not sent again by the default policy.
    assert_eq!(api.calls(), 1);

    // The request's timeout wins over the client's, both ways.
    let core = ClientCore::builder(&url)
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let impatient = Client::from_core(core).with_auth_token(TOKEN);
    api.script([Scripted::Sleep(Duration::from_millis(300))]);
    impatient
        .ai_agents_events_execute_async(minimal("hi"))
        .options(RequestOptions::new().timeout(Duration::from_secs(10)))
        .await
        .unwrap();
    api.script([Scripted::Sleep(Duration::from_millis(300))]);
    let err = impatient
        .ai_agents_events_execute_async(minimal("hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, rt::client::Error::Timeout), "{err:?}");

    // With `retry_non_idempotent`, a timeout is retried, and the fast second try succeeds.
    let calls_before = api.calls();
    api.script([Scripted::Sleep(Duration::from_secs(5))]);
    retrying_client(&url, eager_retries())
        .ai_agents_events_execute_async(minimal("hi"))
        .options(RequestOptions::new().timeout(Duration::from_millis(200)))
        .await
        .unwrap();
    assert_eq!(api.calls() - calls_before, 2);
}
