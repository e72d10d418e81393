//! Without axum: a plain hyper server behind `ServerLayer`, called by hyper-util's
//! client behind `ClientLayer`; and resends under a retrying middleware.

mod support;

use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::{in_trace, of_kind, spans_of, string, trace_spans, Value};
use tower::{Layer as _, ServiceBuilder};
use traced_http::{ClientLayer, ClientMiddleware, ServerLayer};
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode as OtelStatus;

/// Serves every connection with `ServerLayer` around a service that answers
/// 503 to the first `refuse` requests, then 200.
async fn serve(refuse: usize) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let seen = Arc::clone(&seen);
            let service = ServerLayer::new().layer(tower::service_fn(
                move |_: Request<hyper::body::Incoming>| {
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    async move {
                        let status = if n < refuse {
                            StatusCode::SERVICE_UNAVAILABLE
                        } else {
                            StatusCode::OK
                        };
                        let mut response = Response::new(Full::new(Bytes::from_static(b"hello")));
                        *response.status_mut() = status;
                        Ok::<_, Infallible>(response)
                    }
                },
            ));
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(
                        TokioIo::new(stream),
                        hyper_util::service::TowerToHyperService::new(service),
                    )
                    .await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hyper_server_and_a_hyper_util_client_make_one_trace() {
    let addr = serve(0).await;
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let client = ServiceBuilder::new()
        .layer(ClientLayer::new())
        .service(client);
    let uri = format!("http://{addr}/greet?X-Amz-Credential=abc");
    let (status, trace) = in_trace(async {
        let request = Request::get(&uri).body(Empty::new()).unwrap();
        let response = tower::ServiceExt::oneshot(client, request).await.unwrap();
        let status = response.status();
        let _ = response.into_body().collect().await;
        status
    })
    .await;
    assert_eq!(status, StatusCode::OK);
    let spans = trace_spans(trace, 3).await;
    let client = of_kind(&spans, SpanKind::Client);
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(client.name(), "GET");
    assert_eq!(
        client.attr("url.full"),
        string(&format!("http://{addr}/greet?X-Amz-Credential=REDACTED"))
    );
    assert_eq!(
        client.attr("server.port"),
        Some(Value::Int(i64::from(addr.port())))
    );
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(Value::Int(200))
    );
    // No framework gives a route: the span is named by the method alone.
    assert_eq!(server.name(), "GET");
    assert_eq!(server.attr("http.route"), None);
    assert_eq!(server.attr("url.path"), string("/greet"));
    assert_eq!(
        server.attr("url.query"),
        string("X-Amz-Credential=REDACTED")
    );
    assert_eq!(
        server.parent_span_id().as_deref(),
        Some(client.span_id().as_str())
    );
}

/// Sends each request again once when it is answered 503.
struct RetryOnce;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for RetryOnce {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let again = request.try_clone().unwrap();
        let first = next.clone().run(request, extensions).await?;
        if first.status() != StatusCode::SERVICE_UNAVAILABLE {
            return Ok(first);
        }
        next.run(again, extensions).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_request_counts_its_resends() {
    let addr = serve(1).await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(RetryOnce)
        .with(ClientMiddleware::new())
        .build();
    let url = format!("http://{addr}/flaky");
    let (status, trace) = in_trace(async { client.get(&url).send().await.unwrap().status() }).await;
    assert_eq!(status, StatusCode::OK);
    let spans = trace_spans(trace, 5).await;
    let mut clients: Vec<_> = spans
        .iter()
        .filter(|s| s.kind() == SpanKind::Client)
        .collect();
    clients.sort_by_key(|s| s.span.start_time_unix_nano);
    assert_eq!(clients.len(), 2);
    assert_eq!(clients[0].attr("http.request.resend_count"), None);
    assert_eq!(clients[0].attr("error.type"), string("503"));
    assert_eq!(clients[0].status_code(), OtelStatus::Error);
    assert_eq!(
        clients[1].attr("http.request.resend_count"),
        Some(Value::Int(1))
    );
    assert_eq!(clients[1].status_code(), OtelStatus::Unset);
    let servers = spans
        .iter()
        .filter(|s| s.kind() == SpanKind::Server)
        .count();
    assert_eq!(servers, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_options_filter_requests_and_capture_named_headers() {
    let addr = serve(0).await;
    let options = traced_http::ClientOptions::new()
        .filter(|_, url| !url.ends_with("/health"))
        .capture_request_headers([http::HeaderName::from_static("x-request-id")])
        .capture_response_headers([http::header::CONTENT_LENGTH])
        .span_name(|method, url| url.ends_with("/kept").then(|| format!("{method} /kept")));
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let client = ServiceBuilder::new()
        .layer(ClientLayer::with_options(options))
        .service(client);
    let (statuses, trace) = in_trace(async {
        let mut statuses = Vec::new();
        for path in ["/health", "/kept"] {
            let request = Request::get(format!("http://{addr}{path}"))
                .header("x-request-id", "req-9")
                .header("x-other", "not captured")
                .body(Empty::new())
                .unwrap();
            let response = tower::ServiceExt::oneshot(client.clone(), request)
                .await
                .unwrap();
            statuses.push(response.status());
            let _ = response.into_body().collect().await;
        }
        statuses
    })
    .await;
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK]);
    // The root, and the kept request's client and server spans: the filtered
    // request carried no context, so its server span is a trace of its own.
    let spans = trace_spans(trace, 3).await;
    std::thread::sleep(std::time::Duration::from_millis(200));
    let spans_now = spans_of(&spans[0].trace_id(), 0);
    assert_eq!(
        spans_now.len(),
        3,
        "{:?}",
        spans_now
            .iter()
            .map(|s| (s.name(), s.attr("url.path")))
            .collect::<Vec<_>>()
    );
    let client = of_kind(&spans_now, SpanKind::Client);
    assert_eq!(client.name(), "GET /kept", "named by the option");
    assert_eq!(
        client.attr("url.full"),
        string(&format!("http://{addr}/kept"))
    );
    assert_eq!(
        client.attr("http.request.header.x-request-id"),
        Some(Value::Array(vec![Value::String("req-9".into())]))
    );
    assert_eq!(client.attr("http.request.header.x-other"), None);
    assert_eq!(
        client.attr("http.response.header.content-length"),
        Some(Value::Array(vec![Value::String("5".into())]))
    );
    assert_eq!(
        of_kind(&spans_now, SpanKind::Server).attr("url.path"),
        string("/kept")
    );
}
