//! The judge client against a real HTTP server on 127.0.0.1 that misbehaves
//! on purpose. Every failure ends as a `JudgeError` (an unscored reason),
//! never as a verdict; the API key appears in no error.

mod common;

use std::time::{Duration, Instant};

use common::judge_server::{Behavior, JudgeServer};
use handoff_eval::Status;
use handoff_eval::judge::client::{JudgeClient, JudgeSettings};
use handoff_eval::judge::verdict::{Scale, parse_reply};

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
    }
}

fn client(server: &JudgeServer, timeout: Duration, max_retries: u32) -> JudgeClient {
    JudgeClient::new(settings(server, timeout, max_retries)).unwrap()
}

async fn ask(client: &JudgeClient) -> Result<handoff_eval::judge::client::Reply, String> {
    client
        .complete("system", "user", Scale::PassFail.response_schema(false))
        .await
        .map_err(|e| e.to_string())
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
    let verdict = parse_reply(&reply.content, &Scale::PassFail, false).unwrap();
    assert_eq!(verdict.status, Status::Pass);
    assert_eq!((reply.input_tokens, reply.output_tokens), (120, 30));
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
    let reason = parse_reply(&reply.content, &Scale::PassFail, false).unwrap_err();
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
