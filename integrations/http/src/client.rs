//! The client side: one CLIENT span per request sent, with the trace injected into
//! its headers. [`ClientMiddleware`] for reqwest, [`ClientLayer`] for tower-based
//! clients (hyper-util's).

use crate::conventions::{self, MethodName, REDACTED};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_REQUEST_RESEND_COUNT, HTTP_RESPONSE_STATUS_CODE, NETWORK_PROTOCOL_VERSION,
    SERVER_ADDRESS, SERVER_PORT, URL_FULL,
};
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use traced::Span;

/// Where a request goes, as the client span describes it.
struct Target {
    /// `url.full`, credentials and sensitive query values redacted.
    full: String,
    host: Option<String>,
    /// The port, explicit or the scheme's.
    port: Option<u16>,
}

/// Starts the CLIENT span of a request and injects its context (and the baggage)
/// into `headers`. `target` is asked only for a request that is traced.
fn start(
    method: &Method,
    target: impl FnOnce() -> Target,
    resends: u32,
    headers: &mut HeaderMap,
) -> Span {
    if !traced::enabled() {
        return Span::none();
    }
    let method = MethodName::of(method);
    let span = traced::span(method.for_span_name().to_owned())
        .kind(SpanKind::Client)
        .scope("traced-http", Some(env!("CARGO_PKG_VERSION")))
        .without_code_location()
        .start_with_attributes(|attributes| {
            let target = target();
            method.push(attributes);
            attributes.push(KeyValue::new(URL_FULL, target.full));
            if let Some(host) = target.host {
                attributes.push(KeyValue::new(SERVER_ADDRESS, host));
            }
            if let Some(port) = target.port {
                attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
            }
            if resends > 0 {
                attributes.push(KeyValue::new(HTTP_REQUEST_RESEND_COUNT, i64::from(resends)));
            }
        });
    traced::propagation::inject_context(span.context(), headers);
    span
}

/// Records the answer on the client span: 4xx and 5xx are errors of the request.
fn answered(span: &Span, status: StatusCode, version: http::Version) {
    if !span.is_recording() {
        return;
    }
    span.set_attribute(HTTP_RESPONSE_STATUS_CODE, i64::from(status.as_u16()));
    if let Some(version) = conventions::protocol_version(version) {
        span.set_attribute(NETWORK_PROTOCOL_VERSION, version);
    }
    if status.is_client_error() || status.is_server_error() {
        span.set_attribute(ERROR_TYPE, status.as_str().to_owned());
        span.set_status(Status::error(""));
    }
}

/// Records a request that got no answer.
fn failed(span: &Span, error_type: &str) {
    if !span.is_recording() {
        return;
    }
    span.set_attribute(ERROR_TYPE, error_type.to_owned());
    span.set_status(Status::error(""));
}

/// The default port of a scheme.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// `uri` as `url.full`: user information becomes `REDACTED:REDACTED`, sensitive
/// query values `REDACTED`.
fn redacted_uri(uri: &http::Uri) -> String {
    let mut full = String::new();
    if let Some(scheme) = uri.scheme_str() {
        full.push_str(scheme);
        full.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        match authority.as_str().rsplit_once('@') {
            Some((_, host)) => {
                full.push_str(REDACTED);
                full.push(':');
                full.push_str(REDACTED);
                full.push('@');
                full.push_str(host);
            }
            None => full.push_str(authority.as_str()),
        }
    }
    full.push_str(uri.path());
    if let Some(query) = uri.query() {
        full.push('?');
        full.push_str(&conventions::redact_query(query));
    }
    full
}

/// Traces every request a tower-based HTTP client sends (hyper-util's
/// `Client`, for one): one CLIENT span per request, named by its method, with
/// `url.full` (credentials and sensitive query values redacted), `server.address`,
/// `server.port`, `http.response.status_code`, `network.protocol.version` and
/// `error.type`; its context and baggage are injected into the request's headers.
/// 4xx and 5xx answers and failed requests are errors; a request dropped before
/// its answer (cancelled by the caller) is not. The span ends when the response's
/// head has arrived.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientLayer;

impl ClientLayer {
    /// The layer.
    #[must_use]
    pub fn new() -> Self {
        ClientLayer
    }
}

impl<S> tower_layer::Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> ClientService<S> {
        ClientService { inner }
    }
}

/// A client service traced by [`ClientLayer`].
#[derive(Debug, Clone)]
pub struct ClientService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for ClientService<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ClientResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let uri = request.uri().clone();
        let target = || Target {
            full: redacted_uri(&uri),
            host: uri.host().map(str::to_owned),
            port: uri
                .port_u16()
                .or_else(|| uri.scheme_str().and_then(default_port)),
        };
        let method = request.method().clone();
        let span = start(&method, target, 0, request.headers_mut());
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        ClientResponseFuture {
            inner,
            span: Some(span),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of a client traced by [`ClientLayer`].
    pub struct ClientResponseFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
    }
}

impl<F, B, E> Future for ClientResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _entered = this.span.as_ref().map(Span::enter);
            ready!(this.inner.poll(cx))
        };
        if let Some(span) = this.span.take() {
            match &result {
                Ok(response) => answered(&span, response.status(), response.version()),
                Err(error) => failed(&span, conventions::error_type(error)),
            }
        }
        Poll::Ready(result)
    }
}

/// Traces every request a reqwest client sends, as a reqwest-middleware
/// middleware: one CLIENT span per request (per attempt, under a retry
/// middleware, with `http.request.resend_count` on the resends), described as
/// [`ClientLayer`] describes it, with its context and baggage injected into the
/// request's headers. The span ends when the response's head has arrived.
///
/// ```
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(traced_http::ClientMiddleware::new())
///     .build();
/// # drop(client);
/// ```
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientMiddleware;

#[cfg(feature = "reqwest")]
impl ClientMiddleware {
    /// The middleware.
    #[must_use]
    pub fn new() -> Self {
        ClientMiddleware
    }
}

/// How many times the request these extensions belong to was sent already.
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone, Copy)]
struct Sent(u32);

#[cfg(feature = "reqwest")]
#[async_trait::async_trait]
impl reqwest_middleware::Middleware for ClientMiddleware {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let resends = extensions.get::<Sent>().map_or(0, |sent| sent.0);
        extensions.insert(Sent(resends + 1));
        let span = {
            let url = request.url().clone();
            let target = || Target {
                full: redacted_url(&url),
                host: url.host_str().map(str::to_owned),
                port: url.port_or_known_default(),
            };
            let method = request.method().clone();
            start(&method, target, resends, request.headers_mut())
        };
        let sending = next.run(request, extensions);
        let result =
            opentelemetry::context::FutureExt::with_context(sending, span.context().clone()).await;
        match &result {
            Ok(response) => answered(&span, response.status(), response.version()),
            Err(reqwest_middleware::Error::Reqwest(error)) => {
                failed(&span, reqwest_error_type(error))
            }
            Err(reqwest_middleware::Error::Middleware(_)) => {
                failed(&span, "reqwest_middleware::Error")
            }
        }
        result
    }
}

/// `url` as `url.full`, with credentials and sensitive query values redacted.
#[cfg(feature = "reqwest")]
fn redacted_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username(REDACTED);
        let _ = url.set_password(Some(REDACTED));
    }
    if let Some(query) = url.query().map(conventions::redact_query) {
        url.set_query(Some(&query));
    }
    url.into()
}

/// `error.type` for a reqwest error: what kind of failure, in a word.
#[cfg(feature = "reqwest")]
fn reqwest_error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else if error.is_redirect() {
        "redirect"
    } else if error.is_body() || error.is_decode() {
        "body"
    } else {
        "reqwest::Error"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_lose_their_credentials_and_sensitive_values() {
        let uri: http::Uri = "http://user:secret@api.example:8080/v1/x?sig=abc&q=1"
            .parse()
            .unwrap();
        assert_eq!(
            redacted_uri(&uri),
            "http://REDACTED:REDACTED@api.example:8080/v1/x?sig=REDACTED&q=1"
        );
    }

    #[cfg(feature = "reqwest")]
    #[test]
    fn urls_lose_their_credentials_and_sensitive_values() {
        let url = reqwest::Url::parse("https://user:pw@api.example/p?X-Goog-Signature=s&a=b#frag")
            .unwrap();
        assert_eq!(
            redacted_url(&url),
            "https://REDACTED:REDACTED@api.example/p?X-Goog-Signature=REDACTED&a=b#frag"
        );
        let plain = reqwest::Url::parse("http://api.example/p").unwrap();
        assert_eq!(redacted_url(&plain), "http://api.example/p");
    }
}
