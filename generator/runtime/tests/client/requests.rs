//! What reaches the wire: parameters, paths, credentials, headers and bodies.

use axum::Router;
use axum::extract::Path;
use axum::response::IntoResponse;
use axum::routing::get;
use oagen_rt::ParamStyle;
use oagen_rt::client::{ClientCore, Credential, Error, RequestOptions, read_text};
use oagen_rt::wire::{encode_path_segment, parse_query};
use reqwest::Method;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn query_styles_on_the_wire() {
    let core = echo_core().await;
    let filter = json!({"status": "open", "owner": {"id": 7}});
    let echoed = echoed(
        core.call(Method::GET, "/search")
            .query("id", &[1, 2], ParamStyle::Form, true)
            .query("tags", &["a", "b,c"], ParamStyle::Form, false)
            .query("pipes", &["x", "y"], ParamStyle::PipeDelimited, false)
            .query("filter", &filter, ParamStyle::DeepObject, true)
            .query("q", &"a b&c=d+é", ParamStyle::Form, true)
            .query("missing", &None::<u32>, ParamStyle::Form, true),
    )
    .await;
    let raw = echoed["query"].as_str().unwrap();
    assert_eq!(
        raw,
        "id=1&id=2&tags=a%2Cb%2Cc&pipes=x%7Cy&filter%5Bstatus%5D=open&filter%5Bowner%5D%5Bid%5D=7\
         &q=a+b%26c%3Dd%2B%C3%A9"
    );
    let pairs = parse_query(raw);
    assert!(pairs.contains(&("q".to_owned(), "a b&c=d+é".to_owned())));
    assert!(pairs.contains(&("filter[owner][id]".to_owned(), "7".to_owned())));
}

#[tokio::test]
async fn header_and_cookie_parameters() {
    let core = echo_core().await;
    let echoed = echoed(
        core.call(Method::GET, "/h")
            .header("X-Ids", &[1, 2])
            .header_exploded("X-Dims", &json!({"w": 1, "h": 2}))
            .header("X-Absent", &None::<String>)
            .cookie("session", &"a b;c")
            .cookie("n", &5),
    )
    .await;
    let headers = &echoed["headers"];
    assert_eq!(headers["x-ids"], "1,2");
    assert_eq!(headers["x-dims"], "w=1,h=2");
    assert!(headers.get("x-absent").is_none());
    assert_eq!(headers["cookie"], "session=a%20b%3Bc; n=5");
    let err = core
        .call(Method::GET, "/h")
        .header("X-Bad", &"line\nbreak")
        .send::<()>()
        .await;
    assert!(matches!(err, Err(Error::InvalidRequest { .. })), "{err:?}");
}

#[tokio::test]
async fn path_segments_stay_one_segment_under_a_prefix() {
    let router = Router::new()
        .route(
            "/api/v1/items/{id}",
            get(|Path(id): Path<String>| async move { id }),
        )
        .fallback(echo);
    let base = serve(router).await;
    let core = ClientCore::new(format!("{base}/api/v1/"));
    let id = "a/b?c#d %..";
    let response = core
        .call(Method::GET, format!("/items/{}", encode_path_segment(id)))
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(read_text::<()>(response).await.unwrap(), id);

    let raw = echoed(core.call(
        Method::GET,
        format!("/raw/{}/x", encode_path_segment("a/b?")),
    ))
    .await;
    assert_eq!(raw["path"], "/api/v1/raw/a%2Fb%3F/x");
    assert_eq!(raw["query"], Value::Null);

    let dots = core
        .call(Method::GET, format!("/items/{}", encode_path_segment("..")))
        .send::<()>()
        .await;
    let Err(Error::InvalidRequest { message }) = dots else {
        panic!("{dots:?}")
    };
    assert!(message.contains("`..`"), "{message}");
}

#[tokio::test]
async fn invalid_parameters_send_nothing() {
    let (core, hits) = counting(|_| "ok".into_response()).await;
    let err = core
        .call(Method::GET, "/x")
        .query("nested", &[[1]], ParamStyle::Form, true)
        .send::<()>()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: parameter `nested`: nested arrays and objects cannot be encoded with style `form`"
    );
    assert_eq!(hits.count(), 0);
}

#[tokio::test]
async fn auth_schemes_are_applied() {
    let core = echo_core()
        .await
        .with_credential("HeaderKey", Credential::api_key("hk"))
        .with_credential("QueryKey", Credential::api_key("q k"))
        .with_credential("CookieKey", Credential::api_key("ck"))
        .with_credential("Bearer", Credential::bearer("tok"))
        .with_credential("Basic", Credential::basic("Aladdin", "open sesame"));

    let header = echoed(core.call(Method::GET, "/a").security(&[&[&HEADER_KEY]])).await;
    assert_eq!(header["headers"]["x-api-key"], "hk");
    assert!(header["headers"].get("authorization").is_none());

    let query = echoed(
        core.call(Method::GET, "/a")
            .query("x", &1, ParamStyle::Form, true)
            .security(&[&[&QUERY_KEY]]),
    )
    .await;
    assert_eq!(query["query"], "x=1&api_key=q+k");

    let cookie = echoed(
        core.call(Method::GET, "/a")
            .cookie("pref", &"dark")
            .security(&[&[&COOKIE_KEY]]),
    )
    .await;
    assert_eq!(cookie["headers"]["cookie"], "pref=dark; sid=ck");

    let bearer = echoed(core.call(Method::GET, "/a").security(&[&[&BEARER]])).await;
    assert_eq!(bearer["headers"]["authorization"], "Bearer tok");

    let basic = echoed(core.call(Method::GET, "/a").security(&[&[&BASIC]])).await;
    assert_eq!(
        basic["headers"]["authorization"],
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );

    let both = echoed(
        core.call(Method::GET, "/a")
            .security(&[&[&HEADER_KEY, &BEARER]]),
    )
    .await;
    assert_eq!(both["headers"]["x-api-key"], "hk");
    assert_eq!(both["headers"]["authorization"], "Bearer tok");
}

#[tokio::test]
async fn auth_override_and_alternatives() {
    let core = echo_core()
        .await
        .with_credential("HeaderKey", Credential::api_key("client-key"));

    let options = RequestOptions::new().credential("HeaderKey", Credential::api_key("request-key"));
    let overridden = echoed(
        core.call(Method::GET, "/a")
            .security(&[&[&HEADER_KEY]])
            .options(&options),
    )
    .await;
    assert_eq!(overridden["headers"]["x-api-key"], "request-key");

    // The bearer alternative cannot be satisfied, so the API key one is used.
    let fallback = echoed(
        core.call(Method::GET, "/a")
            .security(&[&[&BEARER], &[&HEADER_KEY]]),
    )
    .await;
    assert_eq!(fallback["headers"]["x-api-key"], "client-key");

    // An empty alternative first means "anonymous is fine".
    let anonymous = echoed(
        core.call(Method::GET, "/a")
            .security(&[&[], &[&HEADER_KEY]]),
    )
    .await;
    assert!(anonymous["headers"].get("x-api-key").is_none());

    // Nothing satisfiable: sent without credentials.
    let options = RequestOptions::new().credential("Bearer", Credential::bearer("only-here"));
    let none = echoed(
        core.call(Method::GET, "/a")
            .security(&[&[&BASIC]])
            .options(&options),
    )
    .await;
    assert!(none["headers"].get("authorization").is_none());
    let per_request = echoed(
        core.call(Method::GET, "/a")
            .security(&[&[&BEARER]])
            .options(&options),
    )
    .await;
    assert_eq!(per_request["headers"]["authorization"], "Bearer only-here");
}

#[tokio::test]
async fn default_headers_user_agent_and_option_headers() {
    let base = serve(Router::new().fallback(echo)).await;
    let core = ClientCore::builder(base)
        .user_agent("my-app/1.0")
        .default_header("X-Tenant", "from-client")
        .default_header("X-Keep", "kept")
        .build()
        .unwrap();
    let options = RequestOptions::new().header("X-Tenant", "from-request");
    let echoed = echoed(core.call(Method::GET, "/").options(&options)).await;
    assert_eq!(echoed["headers"]["user-agent"], "my-app/1.0");
    assert_eq!(echoed["headers"]["x-tenant"], "from-request");
    assert_eq!(echoed["headers"]["x-keep"], "kept");

    let bad = RequestOptions::new().header("X-Bad", "a\nb");
    let err = core
        .call(Method::GET, "/")
        .options(&bad)
        .send::<()>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let core = ClientCore::builder("http://127.0.0.1:9")
        .credential("Bearer", Credential::bearer("bearer-secret"))
        .credential("Basic", Credential::basic("user", "basic-secret"))
        .default_header("Authorization", "Bearer default-secret");
    let shown = format!("{core:?}");
    let core = core.build().unwrap();
    let options = RequestOptions::new()
        .header("X-API-Key", "option-secret")
        .credential("QueryKey", Credential::api_key("option-cred-secret"));
    let shown = format!("{shown} {core:?} {options:?}");
    for secret in [
        "bearer-secret",
        "basic-secret",
        "default-secret",
        "option-secret",
        "option-cred-secret",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("Secret(***)"));

    // A query API key must not leak through the URL reqwest puts in its errors.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let core = ClientCore::builder(base)
        .retry(fast_retries(1))
        .credential("QueryKey", Credential::api_key("query-secret"))
        .build()
        .unwrap();
    let err = core
        .call(Method::GET, "/x")
        .security(&[&[&QUERY_KEY]])
        .send::<()>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("query-secret"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
}
