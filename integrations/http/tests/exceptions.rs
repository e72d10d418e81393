//! A request that gets no answer, as the semantic conventions' exception opt-in
//! says: a log record `http.client.request.exception` (WARN) of the client span.
//! An error status is an answer: no exception.

use opentelemetry::logs::Severity;
use traced::logs::ExceptionSignal;
use traced_http::ClientMiddleware;
use traced_sdk::testing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_nobody_answers_is_an_http_client_request_exception() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build();
    let spans = testing::capture();
    let logs = testing::logs(ExceptionSignal::LogsAndSpanEvents);
    let result = client
        .get(format!("http://127.0.0.1:{port}/users/7"))
        .send()
        .await;
    assert!(result.is_err());
    let records = logs.finish();
    let spans = spans.finish();
    let span = spans.named("GET");
    assert_eq!(span.event_names(), ["exception"], "logs/dup: both");
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.event_name, Some("http.client.request.exception"));
    assert_eq!(record.severity, Some(Severity::Warn));
    assert_eq!(record.scope, "traced-http");
    assert_eq!(record.str_attr("exception.type"), Some("reqwest::Error"));
    assert!(record
        .str_attr("exception.message")
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(record.span_id, Some(span.span_id()));
    assert_eq!(
        span.event_attr("exception", "exception.type")
            .map(|v| v.as_str().into_owned()),
        Some("reqwest::Error".to_owned())
    );
}
