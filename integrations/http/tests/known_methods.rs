//! `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` replaces the known methods (its own
//! test binary: the variable is read once per process).

mod support;

use http::{Request, Response};
use std::convert::Infallible;
use support::{in_trace, string, trace_spans};
use tower::{Layer as _, ServiceExt as _};
use traced_http::ServerLayer;
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;

#[tokio::test]
async fn the_variable_replaces_the_list() {
    // Set before anything reads it; the test is alone in its binary.
    std::env::set_var(traced_http::KNOWN_METHODS_VARIABLE, "GET,PURGE");
    let service = ServerLayer::new().layer(tower::service_fn(|_: Request<String>| async {
        Ok::<_, Infallible>(Response::new(String::new()))
    }));
    let (_, trace) = in_trace(async {
        for method in ["PURGE", "POST"] {
            let request = Request::builder()
                .method(method)
                .uri("/x")
                .body(String::new())
                .unwrap();
            let _ = service.clone().oneshot(request).await.unwrap();
        }
    })
    .await;
    let spans = trace_spans(trace, 3).await;
    let servers: Vec<_> = spans
        .iter()
        .filter(|s| s.kind() == SpanKind::Server)
        .collect();
    assert_eq!(servers.len(), 2);
    let purge = servers
        .iter()
        .find(|s| s.name() == "PURGE")
        .expect("PURGE is known");
    assert_eq!(purge.attr("http.request.method"), string("PURGE"));
    let post = servers
        .iter()
        .find(|s| s.name() == "HTTP")
        .expect("POST is not");
    assert_eq!(post.attr("http.request.method"), string("_OTHER"));
    assert_eq!(post.attr("http.request.method_original"), string("POST"));
}
