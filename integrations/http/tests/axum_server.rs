//! An axum service behind `ServerLayer`, called by reqwest through
//! `ClientMiddleware`, on loopback: the spans as the OTLP receiver got them.

mod support;

use axum::extract::Path;
use axum::http::{HeaderName, StatusCode};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::time::Duration;
use support::{in_trace, named, of_kind, spans_of, string, trace_spans, Value};
use traced_http::{ClientMiddleware, ServerLayer};
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode as OtelStatus;

#[traced::traced]
async fn load_user(id: u32) -> String {
    // On the request's span, from inside the handler's own span.
    traced::current_server_span().set_attribute("app.user.id", i64::from(id));
    format!("user {id}")
}

async fn user(Path(id): Path<u32>) -> ([(&'static str, &'static str); 1], String) {
    ([("x-served-by", "users")], load_user(id).await)
}

async fn slow() -> axum::response::Response {
    axum::response::Response::new(axum::body::Body::new(support_body::Slow::new(
        Duration::from_millis(150),
    )))
}

async fn wait() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3)).await;
    "late"
}

fn app(layer: ServerLayer) -> Router {
    let api = Router::new()
        .route("/users/{id}", get(user))
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/slow", get(slow))
        .route("/wait", get(wait));
    Router::new()
        .nest("/api", api)
        .route("/health", get(|| async { "ok" }))
        .layer(layer)
}

fn layer() -> ServerLayer {
    ServerLayer::new()
        .filter(|head| head.uri.path() != "/health")
        .capture_request_headers([HeaderName::from_static("x-request-id")])
        .capture_response_headers([HeaderName::from_static("x-served-by")])
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

fn client() -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build()
}

/// Sends `method` to `path` in a trace of its own: the answer's status and the
/// trace's spans (`n` of them expected).
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    n: usize,
) -> (u16, Vec<support::ReceivedSpan>) {
    let url = format!("http://{addr}{path}");
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let (status, trace) = in_trace(async {
        let response = client()
            .request(method, &url)
            .header("x-request-id", "req-1")
            .header("user-agent", "traced-test/1")
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let _ = response.bytes().await;
        status
    })
    .await;
    let spans = trace_spans(trace, n).await;
    (status, spans)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_one_client_and_one_server_span_with_the_conventions_attributes() {
    let addr = serve(app(layer())).await;
    let (status, spans) = call(addr, "GET", "/api/users/7?q=1&sig=secret", 4).await;
    assert_eq!(status, 200);
    let client = of_kind(&spans, SpanKind::Client);
    let server = of_kind(&spans, SpanKind::Server);
    let handler = named(&spans, "load_user");
    let root = named(&spans, "test case");

    assert_eq!(client.name(), "GET");
    assert_eq!(
        client.parent_span_id().as_deref(),
        Some(root.span_id().as_str())
    );
    assert_eq!(client.attr("http.request.method"), string("GET"));
    assert_eq!(
        client.attr("url.full"),
        string(&format!("http://{addr}/api/users/7?q=1&sig=REDACTED"))
    );
    assert_eq!(client.attr("server.address"), string("127.0.0.1"));
    assert_eq!(
        client.attr("server.port"),
        Some(Value::Int(i64::from(addr.port())))
    );
    assert_eq!(
        client.attr("http.response.status_code"),
        Some(Value::Int(200))
    );
    assert_eq!(client.attr("network.protocol.version"), string("1.1"));
    assert_eq!(client.attr("http.request.resend_count"), None);
    assert_eq!(client.status_code(), OtelStatus::Unset);
    assert_eq!(client.scope_name, "traced-http");

    assert_eq!(server.name(), "GET /api/users/{id}");
    assert_eq!(
        server.parent_span_id().as_deref(),
        Some(client.span_id().as_str())
    );
    assert_eq!(server.attr("http.route"), string("/api/users/{id}"));
    assert_eq!(server.attr("http.request.method"), string("GET"));
    assert_eq!(server.attr("url.path"), string("/api/users/7"));
    assert_eq!(server.attr("url.query"), string("q=1&sig=REDACTED"));
    assert_eq!(server.attr("url.scheme"), string("http"));
    assert_eq!(server.attr("server.address"), string("127.0.0.1"));
    assert_eq!(
        server.attr("server.port"),
        Some(Value::Int(i64::from(addr.port())))
    );
    assert_eq!(server.attr("network.protocol.version"), string("1.1"));
    assert_eq!(server.attr("client.address"), string("127.0.0.1"));
    assert_eq!(server.attr("user_agent.original"), string("traced-test/1"));
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(Value::Int(200))
    );
    assert_eq!(server.attr("error.type"), None);
    assert_eq!(
        server.attr("http.request.header.x-request-id"),
        Some(Value::Array(vec![Value::String("req-1".into())]))
    );
    assert_eq!(
        server.attr("http.response.header.x-served-by"),
        Some(Value::Array(vec![Value::String("users".into())]))
    );
    // No header is captured unless named.
    assert_eq!(server.attr("http.request.header.user-agent"), None);
    assert_eq!(server.attr("app.user.id"), Some(Value::Int(7)));
    assert_eq!(server.attr("code.file.path"), None);
    assert_eq!(server.status_code(), OtelStatus::Unset);

    assert_eq!(
        handler.parent_span_id().as_deref(),
        Some(server.span_id().as_str())
    );
    assert_eq!(handler.attr("app.user.id"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_unset_on_the_server_and_errors_on_the_client() {
    let addr = serve(app(layer())).await;
    // A `Path` rejection: the route matched, the handler was never reached.
    let (status, spans) = call(addr, "GET", "/api/users/abc", 3).await;
    assert_eq!(status, 400);
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(server.name(), "GET /api/users/{id}");
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(Value::Int(400))
    );
    assert_eq!(server.status_code(), OtelStatus::Unset);
    assert_eq!(server.attr("error.type"), None);
    let client = of_kind(&spans, SpanKind::Client);
    assert_eq!(client.status_code(), OtelStatus::Error);
    assert_eq!(client.attr("error.type"), string("400"));

    // A route that does not exist: a span all the same, named by the method.
    let (status, spans) = call(addr, "GET", "/nowhere/7", 3).await;
    assert_eq!(status, 404);
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(server.name(), "GET");
    assert_eq!(server.attr("http.route"), None);
    assert_eq!(server.attr("url.path"), string("/nowhere/7"));
    assert_eq!(
        server.attr("http.response.status_code"),
        Some(Value::Int(404))
    );
    assert_eq!(server.status_code(), OtelStatus::Unset);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_errors_on_both_sides() {
    let addr = serve(app(layer())).await;
    let (status, spans) = call(addr, "GET", "/api/fail", 3).await;
    assert_eq!(status, 500);
    for kind in [SpanKind::Server, SpanKind::Client] {
        let span = of_kind(&spans, kind);
        assert_eq!(span.status_code(), OtelStatus::Error, "{kind:?}");
        assert_eq!(span.attr("error.type"), string("500"), "{kind:?}");
        assert_eq!(
            span.attr("http.response.status_code"),
            Some(Value::Int(500))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_not_known_are_other() {
    let addr = serve(app(layer())).await;
    let (status, spans) = call(addr, "PURGE", "/api/users/7", 3).await;
    assert_eq!(status, 405);
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(server.name(), "HTTP /api/users/{id}");
    assert_eq!(server.attr("http.request.method"), string("_OTHER"));
    assert_eq!(server.attr("http.request.method_original"), string("PURGE"));
    let client = of_kind(&spans, SpanKind::Client);
    assert_eq!(client.name(), "HTTP");
    assert_eq!(client.attr("http.request.method_original"), string("PURGE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtered_requests_are_served_without_a_span() {
    let addr = serve(app(layer())).await;
    let (status, spans) = call(addr, "GET", "/health", 2).await;
    assert_eq!(status, 200);
    // The client's span, and no server span: give a stray one time to arrive.
    std::thread::sleep(Duration::from_millis(300));
    let trace = spans[0].trace_id();
    let spans = spans_of(&trace, 0);
    assert_eq!(
        spans.len(),
        2,
        "{:?}",
        spans.iter().map(|s| s.name()).collect::<Vec<_>>()
    );
    of_kind(&spans, SpanKind::Client);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_span_lasts_until_the_body_is_sent() {
    let addr = serve(app(layer())).await;
    let (status, spans) = call(addr, "GET", "/api/slow", 3).await;
    assert_eq!(status, 200);
    let server = of_kind(&spans, SpanKind::Server);
    let lasted = server.span.end_time_unix_nano - server.span.start_time_unix_nano;
    assert!(lasted >= 150_000_000, "the span lasted {lasted} ns");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_endpoint_starts_a_trace_linked_to_the_caller() {
    let addr = serve(app(ServerLayer::new().public_endpoint())).await;
    // The caller's trace holds its root and the client span.
    let (_, spans) = call(addr, "GET", "/api/users/7", 2).await;
    let client = of_kind(&spans, SpanKind::Client);
    // The server span is not in the caller's trace: find it by its link.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let server = loop {
        let found = support::receiver().spans().into_iter().find(|s| {
            s.kind() == SpanKind::Server
                && s.span
                    .links
                    .iter()
                    .any(|l| l.span_id == client.span.span_id)
        });
        if let Some(found) = found {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no server span linked to the client"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_ne!(server.trace_id(), client.trace_id());
    assert_eq!(server.parent_span_id(), None);
    assert_eq!(server.span.links[0].trace_id, client.span.trace_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_caller_cancels_is_not_an_error() {
    let addr = serve(app(layer())).await;
    let url = format!("http://{addr}/api/wait");
    let (outcome, trace) = in_trace(async {
        tokio::time::timeout(Duration::from_millis(200), client().get(&url).send()).await
    })
    .await;
    assert!(outcome.is_err(), "timed out");
    let spans = trace_spans(trace, 2).await;
    let client = of_kind(&spans, SpanKind::Client);
    assert_eq!(client.status_code(), OtelStatus::Unset);
    assert_eq!(client.attr("error.type"), None);
    assert_eq!(client.attr("http.response.status_code"), None);
}

mod support_body {
    //! A body whose one chunk comes after a delay.

    use axum::body::Bytes;
    use http_body::{Body, Frame};
    use std::future::Future as _;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    pub struct Slow {
        sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    }

    impl Slow {
        pub fn new(delay: Duration) -> Self {
            Slow {
                sleep: Some(Box::pin(tokio::time::sleep(delay))),
            }
        }
    }

    impl Body for Slow {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            match self.sleep.as_mut() {
                Some(sleep) => {
                    std::task::ready!(sleep.as_mut().poll(cx));
                    self.sleep = None;
                    Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"done")))))
                }
                None => Poll::Ready(None),
            }
        }

        fn is_end_stream(&self) -> bool {
            self.sleep.is_none()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_client_filter_leaves_out_has_no_span_and_no_context() {
    let addr = serve(app(layer())).await;
    let options = traced_http::ClientOptions::new().filter(|_, url| !url.ends_with("/users/4242"));
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::with_options(options))
        .build();
    // A path no other test asks for.
    let url = format!("http://{addr}/api/users/4242");
    let (status, trace) = in_trace(async { client.get(&url).send().await.unwrap().status() }).await;
    assert_eq!(status, 200);
    let (spans, server) = tokio::task::spawn_blocking(move || {
        let spans = spans_of(&trace, 1);
        // The server's span: a trace of its own, since no context was sent.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let server = loop {
            let found = support::receiver().spans().into_iter().find(|s| {
                s.kind() == SpanKind::Server
                    && s.attr("url.path") == string("/api/users/7")
                    && s.parent_span_id().is_none()
            });
            if found.is_some() || std::time::Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        std::thread::sleep(Duration::from_millis(200));
        (spans_of(&spans[0].trace_id(), 0), server)
    })
    .await
    .unwrap();
    assert_eq!(
        spans.len(),
        1,
        "the root only: {:?}",
        spans.iter().map(|s| s.name()).collect::<Vec<_>>()
    );
    assert!(
        server.is_some(),
        "the server traced the request as a new trace"
    );
}
