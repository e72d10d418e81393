//! A tonic server behind `ServerLayer` (the standard health service), called
//! through a channel behind `ClientLayer`, on loopback: the spans as the OTLP
//! receiver got them.

#[path = "../../http/tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use support::{in_trace, of_kind, spans_of, string, trace_spans, ReceivedSpan, Value};
use tonic::transport::{Channel, Server};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::ServingStatus;
use tower::ServiceBuilder;
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode as OtelStatus;
use traced_tonic::{ClientLayer, ClientService, ServerLayer};

async fn serve(layer: ServerLayer) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("users", ServingStatus::Serving)
        .await;
    tokio::spawn(async move {
        // The reporter lives as long as the server.
        let _reporter = reporter;
        Server::builder()
            .layer(layer)
            .add_service(health)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    addr
}

fn client(addr: SocketAddr) -> HealthClient<ClientService<Channel>> {
    let target: http::Uri = format!("http://{addr}").parse().unwrap();
    let channel = Channel::builder(target.clone()).connect_lazy();
    HealthClient::new(
        ServiceBuilder::new()
            .layer(ClientLayer::for_target(&target))
            .service(channel),
    )
}

async fn check(
    addr: SocketAddr,
    service: &str,
    n: usize,
) -> (Result<(), tonic::Code>, Vec<ReceivedSpan>) {
    let request = HealthCheckRequest {
        service: service.to_owned(),
    };
    let (outcome, trace) = in_trace(async {
        client(addr)
            .check(request)
            .await
            .map(drop)
            .map_err(|status| status.code())
    })
    .await;
    let spans = trace_spans(trace, n).await;
    (outcome, spans)
}

const CHECK: &str = "grpc.health.v1.Health/Check";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_one_client_and_one_server_span_on_the_rpc_conventions() {
    let addr = serve(ServerLayer::new()).await;
    let (outcome, spans) = check(addr, "users", 3).await;
    assert_eq!(outcome, Ok(()));
    let client = of_kind(&spans, SpanKind::Client);
    let server = of_kind(&spans, SpanKind::Server);
    for span in [client, server] {
        assert_eq!(span.name(), CHECK);
        assert_eq!(span.attr("rpc.system.name"), string("grpc"));
        assert_eq!(span.attr("rpc.method"), string(CHECK));
        assert_eq!(span.attr("rpc.response.status_code"), string("OK"));
        assert_eq!(span.attr("error.type"), None);
        assert_eq!(span.status_code(), OtelStatus::Unset);
        assert_eq!(span.scope_name, "traced-tonic");
        // The names of the conventions before are left out unless asked for.
        assert_eq!(span.attr("rpc.system"), None);
        assert_eq!(span.attr("rpc.grpc.status_code"), None);
        assert_eq!(span.attr("server.address"), string("127.0.0.1"));
        assert_eq!(
            span.attr("server.port"),
            Some(Value::Int(i64::from(addr.port())))
        );
    }
    assert_eq!(
        server.parent_span_id().as_deref(),
        Some(client.span_id().as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_fails_the_client_and_not_the_server() {
    let addr = serve(ServerLayer::new()).await;
    let (outcome, spans) = check(addr, "nobody", 3).await;
    assert_eq!(outcome, Err(tonic::Code::NotFound));
    let client = of_kind(&spans, SpanKind::Client);
    assert_eq!(client.attr("rpc.response.status_code"), string("NOT_FOUND"));
    assert_eq!(client.attr("error.type"), string("NOT_FOUND"));
    assert_eq!(client.status_code(), OtelStatus::Error);
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(server.attr("rpc.response.status_code"), string("NOT_FOUND"));
    assert_eq!(server.attr("error.type"), None);
    assert_eq!(server.status_code(), OtelStatus::Unset);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unimplemented_method_fails_both_sides() {
    let addr = serve(ServerLayer::new()).await;
    let target: http::Uri = format!("http://{addr}").parse().unwrap();
    let channel = ServiceBuilder::new()
        .layer(ClientLayer::for_target(&target))
        .service(Channel::builder(target).connect_lazy());
    let (outcome, trace) = in_trace(async {
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.unwrap();
        let path = http::uri::PathAndQuery::from_static("/users.v1.Users/GetUser");
        let request = tonic::Request::new(HealthCheckRequest::default());
        grpc.unary::<_, tonic_health::pb::HealthCheckResponse, _>(
            request,
            path,
            tonic_prost::ProstCodec::default(),
        )
        .await
        .map(drop)
        .map_err(|status| status.code())
    })
    .await;
    assert_eq!(outcome, Err(tonic::Code::Unimplemented));
    let spans = trace_spans(trace, 3).await;
    for kind in [SpanKind::Client, SpanKind::Server] {
        let span = of_kind(&spans, kind);
        assert_eq!(span.name(), "users.v1.Users/GetUser", "{kind:?}");
        assert_eq!(
            span.attr("rpc.response.status_code"),
            string("UNIMPLEMENTED")
        );
        assert_eq!(span.attr("error.type"), string("UNIMPLEMENTED"));
        assert_eq!(span.status_code(), OtelStatus::Error, "{kind:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_call_lasts_until_the_caller_lets_it_go() {
    let addr = serve(ServerLayer::new()).await;
    let (first, trace) = in_trace(async {
        let mut stream = client(addr)
            .watch(HealthCheckRequest {
                service: "users".to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        let first = stream.message().await.unwrap().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        drop(stream);
        first.status
    })
    .await;
    assert_eq!(
        first,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let spans = trace_spans(trace, 3).await;
    let client = of_kind(&spans, SpanKind::Client);
    assert_eq!(client.name(), "grpc.health.v1.Health/Watch");
    // Dropped by the caller before any status: not an error.
    assert_eq!(client.status_code(), OtelStatus::Unset);
    assert_eq!(client.attr("rpc.response.status_code"), None);
    let lasted = client.span.end_time_unix_nano - client.span.start_time_unix_nano;
    assert!(lasted >= 100_000_000, "the call lasted {lasted} ns");
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(
        server.parent_span_id().as_deref(),
        Some(client.span_id().as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_can_be_left_out() {
    let addr = serve(ServerLayer::new().skip_health_checks()).await;
    let (outcome, spans) = check(addr, "users", 2).await;
    assert_eq!(outcome, Ok(()));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let spans = spans_of(&spans[0].trace_id(), 0);
    assert_eq!(spans.len(), 2, "the root and the client span only");
    of_kind(&spans, SpanKind::Client);
}
