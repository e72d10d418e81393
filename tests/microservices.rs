//! The microservices demo end to end (`examples/microservices`): each request the
//! client sends is one trace across the client, the gateway and the users
//! service, as exported over OTLP to the in-process receiver.

#[path = "../examples/microservices/gateway.rs"]
mod gateway;
#[path = "../examples/microservices/users.rs"]
mod users;

#[path = "../integrations/http/tests/support/mod.rs"]
mod support;

use support::{ReceivedSpan, Value, one, receiver, trace_spans};
use traced::Instrument as _;
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode;

/// The one span named `name` of `kind`.
fn find<'a>(spans: &'a [ReceivedSpan], name: &str, kind: SpanKind) -> &'a ReceivedSpan {
    one(spans, &format!("{kind:?} span {name:?}"), |s| {
        s.name() == name && s.kind() == kind
    })
}

fn child_of(child: &ReceivedSpan, parent: &ReceivedSpan) -> bool {
    child.parent_span_id().as_deref() == Some(parent.span_id().as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_is_one_trace_across_the_three_services() {
    receiver();
    let users = users::start().await;
    let gateway = gateway::start(users).await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(traced_http::ClientMiddleware::new())
        .build();

    let mut traces = Vec::new();
    for path in ["/users/7", "/users/99", "/nowhere"] {
        let visit = traced::span("visit").start();
        let trace = visit.span_context().trace_id().to_string();
        let url = format!("http://{gateway}{path}");
        let status = async { client.get(&url).send().await.unwrap().status().as_u16() }
            .in_span(visit)
            .await;
        traces.push((trace, status));
    }
    let statuses: Vec<u16> = traces.iter().map(|(_, s)| *s).collect();
    assert_eq!(statuses, [200, 404, 404]);
    let found = trace_spans(traces[0].0.clone(), 7).await;
    let not_found = trace_spans(traces[1].0.clone(), 7).await;
    let unknown = trace_spans(traces[2].0.clone(), 3).await;
    assert_eq!(found.len(), 7);
    let visit = find(&found, "visit", SpanKind::Internal);
    let http_client = find(&found, "GET", SpanKind::Client);
    let http_server = find(&found, "GET /users/{id}", SpanKind::Server);
    let fetch = find(&found, "fetch_user", SpanKind::Internal);
    let grpc_client = find(&found, "users.v1.Users/GetUser", SpanKind::Client);
    let grpc_server = find(&found, "users.v1.Users/GetUser", SpanKind::Server);
    let lookup = find(&found, "get_user", SpanKind::Internal);
    assert!(child_of(http_client, visit));
    assert!(child_of(http_server, http_client));
    assert!(child_of(fetch, http_server));
    assert!(child_of(grpc_client, fetch));
    assert!(child_of(grpc_server, grpc_client));
    // A `#[traced]` method of the service is the call's child, and adds to it.
    assert!(child_of(lookup, grpc_server));
    assert_eq!(grpc_server.attr("app.user.found"), Some(Value::Bool(true)));
    assert_eq!(
        grpc_client.attr("server.port"),
        Some(Value::Int(i64::from(users.port())))
    );
    assert_eq!(
        http_server.attr("http.route"),
        Some(Value::String("/users/{id}".into()))
    );

    // Not found: NOT_FOUND on gRPC (an error for the client only), 404 on HTTP
    // (an error for the client only).
    assert_eq!(not_found.len(), 7);
    let grpc_client = find(&not_found, "users.v1.Users/GetUser", SpanKind::Client);
    let grpc_server = find(&not_found, "users.v1.Users/GetUser", SpanKind::Server);
    assert_eq!(grpc_client.status_code(), StatusCode::Error);
    assert_eq!(grpc_server.status_code(), StatusCode::Unset);
    assert_eq!(
        grpc_server.attr("rpc.response.status_code"),
        Some(Value::String("NOT_FOUND".into()))
    );
    let http_server = find(&not_found, "GET /users/{id}", SpanKind::Server);
    assert_eq!(
        http_server.attr("http.response.status_code"),
        Some(Value::Int(404))
    );
    assert_eq!(http_server.status_code(), StatusCode::Unset);
    assert_eq!(
        find(&not_found, "GET", SpanKind::Client).status_code(),
        StatusCode::Error
    );

    // An unknown route: the gateway's span all the same, with no route.
    assert_eq!(unknown.len(), 3);
    let http_server = find(&unknown, "GET", SpanKind::Server);
    assert_eq!(http_server.attr("http.route"), None);
    assert_eq!(
        http_server.attr("url.path"),
        Some(Value::String("/nowhere".into()))
    );
}
