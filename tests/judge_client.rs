//! The judge client against a real HTTP server on 127.0.0.1 that misbehaves
//! on purpose. Every failure ends as a `JudgeError` (an unscored reason),
//! never as a verdict; the API key appears in no error.

mod common;

use std::time::{Duration, Instant};

use common::judge_server::{Behavior, Completion, JudgeServer};
use handoff_eval::Status;
use handoff_eval::judge::client::{JudgeClient, JudgeSettings, OutputMode, Reply};
use handoff_eval::judge::verdict::{Finish, Scale, Verdict, parse_reply};
use serde_json::{Value, json};

const KEY: &str = "sk-test-0123456789SECRET";
const PASS: &str = r#"{"reasoning": "The human approved the refund first.", "verdict": "pass"}"#;

fn settings(server: &JudgeServer, timeout: Duration, max_retries: u32) -> JudgeSettings {
    JudgeSettings {
        base_url: server.base_url(),
        api_key: Some(KEY.to_string()),
        model: "judge-test".to_string(),
        temperature: 0.0,
        max_tokens: 200,
        timeout,
        max_retries,
        concurrency: 8,
        follow_redirects: false,
    }
}

fn client(server: &JudgeServer, timeout: Duration, max_retries: u32) -> JudgeClient {
    JudgeClient::new(settings(server, timeout, max_retries)).unwrap()
}

async fn ask(client: &JudgeClient) -> Result<Reply, String> {
    client
        .complete("system", "user", Scale::PassFail.response_schema(false))
        .await
        .map_err(|e| e.to_string())
}

/// The verdict a reply reads as, with its finish reason.
fn verdict(reply: &Reply) -> Result<Verdict, String> {
    let finish = Finish::from_reason(reply.finish_reason.as_deref());
    parse_reply(&reply.content, finish, &Scale::PassFail, false)
}

/// The error a fresh client gets from a server following `script`.
async fn error_for(script: Vec<Behavior>, timeout: Duration, max_retries: u32) -> String {
    let server = JudgeServer::start(script);
    ask(&client(&server, timeout, max_retries))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_good_reply_is_a_verdict_with_its_cost() {
    let server = JudgeServer::start(vec![Behavior::Reply(PASS.to_string())]);
    let reply = ask(&client(&server, Duration::from_secs(5), 2))
        .await
        .unwrap();
    assert_eq!(verdict(&reply).unwrap().status, Status::Pass);
    assert_eq!(
        (reply.input_tokens, reply.output_tokens),
        (Some(120), Some(30))
    );
    assert_eq!(server.calls(), 1);
    let request = &server.requests()[0];
    assert!(
        request.starts_with("POST /v1/chat/completions"),
        "{request}"
    );
    assert!(
        request.contains("\"json_schema\"") && request.contains("\"strict\":true"),
        "{request}"
    );
    assert!(request.to_ascii_lowercase().contains(&format!(
        "authorization: bearer {}",
        KEY.to_ascii_lowercase()
    )));
}

#[tokio::test]
async fn rate_limits_wait_for_retry_after_and_shrink_concurrency() {
    let server = JudgeServer::start(vec![
        Behavior::RateLimited("1"),
        Behavior::Reply(PASS.to_string()),
    ]);
    let client = client(&server, Duration::from_secs(5), 2);
    let started = Instant::now();
    let reply = ask(&client).await.unwrap();
    assert!(reply.content.contains("pass"));
    assert_eq!(server.calls(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(
        client.throttle().limit(),
        4,
        "a 429 halves the allowed concurrency"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let server = JudgeServer::start(vec![Behavior::ServerError]);
    let err = ask(&client(&server, Duration::from_secs(5), 2))
        .await
        .unwrap_err();
    assert_eq!(server.calls(), 3, "one call and two retries");
    assert!(err.contains("HTTP 500"), "{err}");
    let server = JudgeServer::start(vec![
        Behavior::ServerError,
        Behavior::Reply(PASS.to_string()),
    ]);
    assert!(
        ask(&client(&server, Duration::from_secs(5), 2))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_slow_reply_times_out() {
    let slow = Behavior::Slow(Duration::from_secs(3), PASS.to_string());
    let err = error_for(vec![slow], Duration::from_millis(300), 0).await;
    assert!(err.contains("timed out"), "{err}");
}

#[tokio::test]
async fn malformed_and_wrongly_shaped_replies_are_errors() {
    for behavior in [Behavior::Malformed, Behavior::WrongShape] {
        let err = error_for(vec![behavior.clone()], Duration::from_secs(5), 0).await;
        assert!(err.contains("malformed reply"), "{behavior:?}: {err}");
    }
}

#[tokio::test]
async fn a_verdict_outside_the_scale_is_unscored() {
    let server = JudgeServer::start(vec![Behavior::Reply(
        r#"{"reasoning": "hm", "verdict": "maybe"}"#.into(),
    )]);
    let reply = ask(&client(&server, Duration::from_secs(5), 0))
        .await
        .unwrap();
    let reason = verdict(&reply).unwrap_err();
    assert!(reason.contains("`maybe`"), "{reason}");
}

#[tokio::test]
async fn the_key_never_appears_in_errors() {
    let server = JudgeServer::start(vec![Behavior::Unauthorized(KEY.to_string())]);
    let err = ask(&client(&server, Duration::from_secs(5), 0))
        .await
        .unwrap_err();
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(!err.contains(KEY) && err.contains("[redacted]"), "{err}");
    let settings = format!("{:?}", settings(&server, Duration::from_secs(1), 0));
    assert!(!settings.contains(KEY), "{settings}");
}

#[tokio::test]
async fn a_broken_connection_is_retried_then_reported() {
    let server = JudgeServer::start(vec![Behavior::Hangup, Behavior::Reply(PASS.to_string())]);
    assert!(
        ask(&client(&server, Duration::from_secs(5), 1))
            .await
            .is_ok()
    );
    assert_eq!(server.calls(), 2);
    let err = error_for(vec![Behavior::Hangup], Duration::from_secs(5), 1).await;
    assert!(
        err.contains("judge call failed") || err.contains("connect"),
        "{err}"
    );
}

/// A fresh client's reply from a server that answers `behavior` once.
async fn reply_to(behavior: Behavior) -> Reply {
    let server = JudgeServer::start(vec![behavior]);
    ask(&client(&server, Duration::from_secs(5), 0))
        .await
        .unwrap()
}

#[tokio::test]
async fn missing_or_partial_usage_keeps_the_verdict_with_tokens_unknown() {
    for usage in [None, Some(json!({})), Some(json!({"total_tokens": 12}))] {
        let reply = reply_to(Behavior::Complete(
            Completion::text(PASS).usage(usage.clone()),
        ))
        .await;
        assert_eq!(verdict(&reply).unwrap().status, Status::Pass, "{usage:?}");
        assert_eq!((reply.input_tokens, reply.output_tokens), (None, None));
    }
    let partial = reply_to(Behavior::Complete(
        Completion::text(PASS).usage(Some(json!({"prompt_tokens": 7}))),
    ))
    .await;
    assert_eq!(
        (partial.input_tokens, partial.output_tokens),
        (Some(7), None)
    );
}

#[tokio::test]
async fn finish_reasons_of_text_generation_servers_keep_the_verdict() {
    for reason in [json!("eos_token"), json!("eos"), json!(""), Value::Null] {
        let reply = reply_to(Behavior::Complete(
            Completion::text(PASS).finish(reason.clone()),
        ))
        .await;
        assert_eq!(verdict(&reply).unwrap().status, Status::Pass, "{reason}");
    }
}

#[tokio::test]
async fn a_refusal_is_kept_as_the_models_words() {
    let refusal = Completion::text("")
        .message("content", Value::Null)
        .message(
            "refusal",
            json!("I can't help with evaluating this conversation."),
        );
    let reply = reply_to(Behavior::Complete(refusal)).await;
    assert_eq!(reply.content, "");
    assert_eq!(
        reply.refusal.as_deref(),
        Some("I can't help with evaluating this conversation.")
    );
}

#[tokio::test]
async fn literal_control_characters_in_json_strings_are_read() {
    // The HTTP body itself carries a raw newline and tab inside a string.
    let body = "{\"id\": \"x\", \"object\": \"chat.completion\", \"choices\": [{\"index\": 0, \
        \"message\": {\"role\": \"assistant\", \"content\": \"{\\\"reasoning\\\": \\\"line one\nline\ttwo\\\", \\\"verdict\\\": \\\"pass\\\"}\"}, \
        \"finish_reason\": \"stop\"}]}";
    let reply = reply_to(Behavior::RawBody(body.to_string())).await;
    let read = verdict(&reply).unwrap();
    assert_eq!(read.status, Status::Pass);
    assert_eq!(read.reasoning, "line one\nline\ttwo");
    // The content (a JSON string in the body, properly escaped) holds a
    // raw newline inside the verdict object's reasoning.
    let content = "{\"reasoning\": \"first\nsecond\", \"verdict\": \"fail\"}";
    let reply = reply_to(Behavior::Reply(content.to_string())).await;
    assert_eq!(verdict(&reply).unwrap().status, Status::Fail);
}

#[tokio::test]
async fn retry_after_ms_and_a_503_with_retry_after_are_waited_for() {
    for (first, at_least) in [
        (Behavior::RateLimitedMs("1500"), Duration::from_millis(1400)),
        (Behavior::Unavailable("2"), Duration::from_millis(1900)),
    ] {
        let server = JudgeServer::start(vec![first.clone(), Behavior::Reply(PASS.to_string())]);
        let started = Instant::now();
        let reply = ask(&client(&server, Duration::from_secs(5), 2)).await;
        assert!(reply.is_ok(), "{first:?}: {reply:?}");
        assert_eq!(server.calls(), 2, "{first:?}");
        assert!(
            started.elapsed() >= at_least,
            "{first:?}: waited only {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_server_refusing_json_schema_is_judged_in_json_object_mode_after_one_refusal() {
    let server = JudgeServer::start(vec![Behavior::LlamaCppPython(Box::new(Behavior::Reply(
        PASS.to_string(),
    )))]);
    let client = client(&server, Duration::from_secs(5), 3);
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let client = std::sync::Arc::new({
        let notices = notices.clone();
        client.with_notice(move |notice| notices.lock().unwrap().push(notice.to_string()))
    });
    // Six calls at once: only the first meets the refusal.
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { ask(&client).await })
        })
        .collect();
    for call in calls {
        let reply = call.await.unwrap().unwrap();
        assert_eq!(verdict(&reply).unwrap().status, Status::Pass);
    }
    assert_eq!(
        server.calls(),
        7,
        "one refused request, not retried, then six"
    );
    let bodies = server.bodies();
    assert_eq!(bodies[0]["response_format"]["type"], "json_schema");
    for body in &bodies[1..] {
        assert_eq!(body["response_format"]["type"], "json_object", "{body}");
        assert_eq!(
            body["response_format"]["schema"]["properties"]["verdict"]["enum"],
            json!(["pass", "fail"])
        );
        assert!(
            body["messages"][0]["content"]
                .as_str()
                .unwrap()
                .contains("must match this JSON schema"),
            "{body}"
        );
    }
    let (mode, fallback) = client.structured_output().unwrap();
    assert_eq!(mode, OutputMode::JsonObject);
    let fallback = fallback.unwrap();
    assert!(
        fallback.contains("json_schema")
            && fallback.contains("Input should be 'text' or 'json_object'"),
        "{fallback}"
    );
    let notices = notices.lock().unwrap();
    assert_eq!(notices.len(), 1, "said once: {notices:?}");
    assert!(notices[0].contains("`json_object` mode"), "{notices:?}");
}

#[tokio::test]
async fn a_server_refusing_every_response_format_is_asked_in_plain_text() {
    let server = JudgeServer::start(vec![Behavior::TextOnly(Box::new(Behavior::Reply(
        format!("Sure. {PASS}"),
    )))]);
    let client = client(&server, Duration::from_secs(5), 3);
    let reply = ask(&client).await.unwrap();
    assert_eq!(verdict(&reply).unwrap().status, Status::Pass);
    assert_eq!(server.calls(), 3);
    let bodies = server.bodies();
    assert_eq!(bodies[1]["response_format"]["type"], "json_object");
    assert!(bodies[2].get("response_format").is_none(), "{}", bodies[2]);
    assert_eq!(client.structured_output().unwrap().0, OutputMode::Text);
    // The mode holds: the next call goes straight to plain text.
    ask(&client).await.unwrap();
    assert_eq!(server.calls(), 4);
}

#[tokio::test]
async fn an_azure_style_base_url_keeps_its_query_and_takes_the_key_as_api_key() {
    let server = JudgeServer::start(vec![Behavior::Reply(PASS.to_string())]);
    let mut settings = settings(&server, Duration::from_secs(5), 0);
    settings.base_url = server.url("/openai/deployments/judge-4o?api-version=2024-10-21");
    let reply = ask(&JudgeClient::new(settings).unwrap()).await.unwrap();
    assert_eq!(verdict(&reply).unwrap().status, Status::Pass);
    let request = &server.requests()[0];
    assert!(
        request.starts_with(
            "POST /openai/deployments/judge-4o/chat/completions?api-version=2024-10-21 HTTP/1.1"
        ),
        "{request}"
    );
    let head = request.to_ascii_lowercase();
    assert!(
        head.contains(&format!("api-key: {}", KEY.to_ascii_lowercase())),
        "{request}"
    );
    assert!(!head.contains("authorization:"), "{request}");
}

#[tokio::test]
async fn a_wrong_base_url_names_the_url_it_called() {
    let server = JudgeServer::start(vec![Behavior::NotFound]);
    let mut settings = settings(&server, Duration::from_secs(5), 2);
    settings.base_url = server.url("/v2");
    let err = ask(&JudgeClient::new(settings).unwrap()).await.unwrap_err();
    assert!(
        err.contains(&format!(
            "HTTP 404 at {}",
            server.url("/v2/chat/completions")
        )),
        "{err}"
    );
    assert_eq!(server.calls(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn redirects_are_reasons_unless_same_origin_ones_are_allowed() {
    let elsewhere = format!("http://judge.invalid/v1/chat/completions?key={KEY}");
    let server = JudgeServer::start(vec![Behavior::Redirect(307, elsewhere.clone())]);
    let err = ask(&client(&server, Duration::from_secs(5), 2))
        .await
        .unwrap_err();
    assert!(
        err.contains("redirected the call (HTTP 307) to http://judge.invalid/v1/chat/completions?key=[redacted]"),
        "{err}"
    );
    assert!(err.contains("--judge-follow-redirects"), "{err}");
    assert_eq!(server.calls(), 1);

    // Allowed, a same-origin redirect is followed, the key still sent.
    let server = JudgeServer::start(vec![
        Behavior::Redirect(307, "/v1/moved/chat/completions".into()),
        Behavior::Reply(PASS.to_string()),
    ]);
    let mut allowed = settings(&server, Duration::from_secs(5), 0);
    allowed.follow_redirects = true;
    let reply = ask(&JudgeClient::new(allowed.clone()).unwrap())
        .await
        .unwrap();
    assert_eq!(verdict(&reply).unwrap().status, Status::Pass);
    let second = &server.requests()[1];
    assert!(
        second.starts_with("POST /v1/moved/chat/completions"),
        "{second}"
    );
    assert!(
        second
            .to_ascii_lowercase()
            .contains("authorization: bearer"),
        "{second}"
    );

    // Even allowed, one to another origin is not.
    let server = JudgeServer::start(vec![Behavior::Redirect(308, elsewhere)]);
    allowed.base_url = server.base_url();
    let err = ask(&JudgeClient::new(allowed).unwrap()).await.unwrap_err();
    assert!(err.contains("only redirects to the same origin"), "{err}");
    assert_eq!(server.calls(), 1);
}

#[tokio::test]
async fn the_key_echoed_anywhere_is_scrubbed_where_it_comes_in() {
    let echo = format!(
        r#"{{"reasoning": "Your key {KEY} and Bearer {KEY} look fine.", "verdict": "pass"}}"#
    );
    let reply = reply_to(Behavior::Reply(echo)).await;
    assert!(!reply.content.contains(KEY), "{}", reply.content);
    assert_eq!(verdict(&reply).unwrap().status, Status::Pass);
    let refusal = reply_to(Behavior::Complete(
        Completion::text("")
            .message("content", Value::Null)
            .message("refusal", json!(format!("No. ({KEY})"))),
    ))
    .await;
    assert!(!refusal.refusal.unwrap().contains(KEY));
    for behavior in [
        Behavior::Error(400, format!("bad request from {KEY}")),
        Behavior::Error(500, format!("crashed on {KEY}")),
        Behavior::Redirect(302, format!("/login?token={KEY}")),
    ] {
        let err = error_for(vec![behavior.clone()], Duration::from_secs(5), 0).await;
        assert!(
            !err.contains(KEY) && err.contains("[redacted]"),
            "{behavior:?}: {err}"
        );
    }
}
