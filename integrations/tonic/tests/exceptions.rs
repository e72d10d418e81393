//! A call whose transport fails, as the semantic conventions' exception opt-in
//! says: a log record `rpc.client.call.exception` (WARN) of the client span. A
//! status is an answer: no exception.

use opentelemetry::logs::Severity;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tower::ServiceBuilder;
use traced::logs::ExceptionSignal;
use traced_sdk::testing;
use traced_tonic::ClientLayer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_nobody_answers_is_an_rpc_client_call_exception() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target: http::Uri = format!("http://127.0.0.1:{port}").parse().unwrap();
    let channel = Channel::builder(target.clone()).connect_lazy();
    let mut client = HealthClient::new(
        ServiceBuilder::new()
            .layer(ClientLayer::for_target(&target))
            .service(channel),
    );
    let spans = testing::capture();
    let logs = testing::logs(ExceptionSignal::Logs);
    let status = client
        .check(HealthCheckRequest {
            service: "users".to_owned(),
        })
        .await
        .expect_err("nobody answers");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    let records = logs.finish();
    let spans = spans.finish();
    let span = spans.named("grpc.health.v1.Health/Check");
    assert!(span.event_names().is_empty(), "logs only");
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.event_name, Some("rpc.client.call.exception"));
    assert_eq!(record.severity, Some(Severity::Warn));
    assert_eq!(record.scope, "traced-tonic");
    assert_eq!(
        record.str_attr("exception.type"),
        span.attr("error.type").map(|v| v.as_str()).as_deref()
    );
    assert_eq!(record.span_id, Some(span.span_id()));
}
