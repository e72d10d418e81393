//! `OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup` writes the names of the conventions
//! before 1.39 too (its own test binary: the variable is read once).

#[path = "../../http/tests/support/mod.rs"]
mod support;

use support::{in_trace, of_kind, string, trace_spans, Value};
use tonic::transport::{Channel, Server};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tower::ServiceBuilder;
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;
use traced_tonic::{ClientLayer, ServerLayer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_dup_adds_the_old_names() {
    std::env::set_var(traced_tonic::STABILITY_OPT_IN_VARIABLE, "http,rpc/dup");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reporter, health) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        let _reporter = reporter;
        Server::builder()
            .layer(ServerLayer::new())
            .add_service(health)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    let target: http::Uri = format!("http://{addr}").parse().unwrap();
    let channel = ServiceBuilder::new()
        .layer(ClientLayer::for_target(&target))
        .service(Channel::builder(target).connect_lazy());
    let (outcome, trace) = in_trace(async {
        HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
            .map(drop)
    })
    .await;
    assert!(outcome.is_ok());
    let spans = trace_spans(trace, 3).await;
    for kind in [SpanKind::Client, SpanKind::Server] {
        let span = of_kind(&spans, kind);
        assert_eq!(span.attr("rpc.system.name"), string("grpc"));
        assert_eq!(span.attr("rpc.system"), string("grpc"));
        assert_eq!(span.attr("rpc.service"), string("grpc.health.v1.Health"));
        assert_eq!(span.attr("rpc.response.status_code"), string("OK"));
        assert_eq!(span.attr("rpc.grpc.status_code"), Some(Value::Int(0)));
    }
}
