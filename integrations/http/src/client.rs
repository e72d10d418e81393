//! The client side: one CLIENT span per request sent, with the trace injected into
//! its headers. [`ClientMiddleware`] for reqwest, [`ClientLayer`] for tower-based
//! clients (hyper-util's).

use crate::conventions::{self, HeaderCapture, MethodName, REDACTED};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_REQUEST_RESEND_COUNT, HTTP_RESPONSE_STATUS_CODE, NETWORK_PROTOCOL_VERSION,
    SERVER_ADDRESS, SERVER_PORT, URL_FULL,
};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use traced::logs::events::HTTP_CLIENT_REQUEST_EXCEPTION;
use traced::metrics::{DurationHistogram, Measurement};
use traced::Span;

/// `http.client.request.duration`.
pub(crate) static CLIENT_DURATION: DurationHistogram = DurationHistogram::new(
    "http.client.request.duration",
    "Duration of HTTP client requests.",
    traced::metrics::DURATION_BUCKETS,
    ("traced-http", env!("CARGO_PKG_VERSION")),
);

/// A request's measurement for `http.client.request.duration`, with
/// `http.request.method`, `server.address` and `server.port`.
fn measure(method: &Method, host: Option<&str>, port: Option<u16>) -> Option<Measurement> {
    if !traced::metrics::enabled() || !CLIENT.is_on() {
        return None;
    }
    let mut measurement = Measurement::start(&CLIENT_DURATION, 6)?;
    measurement.add(KeyValue::new(
        opentelemetry_semantic_conventions::attribute::HTTP_REQUEST_METHOD,
        MethodName::of(method).name,
    ));
    if let Some(host) = host {
        measurement.add(KeyValue::new(SERVER_ADDRESS, host.to_owned()));
    }
    if let Some(port) = port {
        measurement.add(KeyValue::new(SERVER_PORT, i64::from(port)));
    }
    Some(measurement)
}

/// Adds the answer to a request's measurement: 4xx and 5xx are errors.
fn measure_answer(
    measurement: Option<&mut Measurement>,
    status: StatusCode,
    version: http::Version,
) {
    let Some(m) = measurement else { return };
    m.add(KeyValue::new(
        HTTP_RESPONSE_STATUS_CODE,
        i64::from(status.as_u16()),
    ));
    if let Some(version) = conventions::protocol_version(version) {
        m.add(KeyValue::new(NETWORK_PROTOCOL_VERSION, version));
    }
    if status.is_client_error() || status.is_server_error() {
        m.add(KeyValue::new(ERROR_TYPE, status.as_str().to_owned()));
    }
}

/// Adds a failure to a request's measurement.
fn measure_failure(measurement: Option<&mut Measurement>, error_type: &str) {
    if let Some(m) = measurement {
        m.add(KeyValue::new(ERROR_TYPE, error_type.to_owned()));
    }
}

type Filter = dyn Fn(&Method, &str) -> bool + Send + Sync;
type Naming = dyn Fn(&Method, &str) -> Option<String> + Send + Sync;

/// What [`ClientLayer`] and [`ClientMiddleware`] record beyond their defaults:
/// which requests, and which headers.
///
/// ```
/// use http::HeaderName;
///
/// let options = traced_http::ClientOptions::new()
///     .filter(|_method, url| !url.ends_with("/health"))
///     .capture_request_headers([HeaderName::from_static("x-request-id")]);
/// let layer = traced_http::ClientLayer::with_options(options);
/// # drop(layer);
/// ```
#[derive(Clone, Default)]
pub struct ClientOptions {
    filter: Option<Arc<Filter>>,
    span_name: Option<Arc<Naming>>,
    request_headers: HeaderCapture,
    response_headers: HeaderCapture,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("filter", &self.filter.is_some())
            .field("span_name", &self.span_name.is_some())
            .field("request_headers", &self.request_headers)
            .field("response_headers", &self.response_headers)
            .finish()
    }
}

impl ClientOptions {
    /// The defaults: every request traced, no header recorded.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Traces only the requests `keep` returns true for, given the method and
    /// the full URL as sent (credentials included: do not record it). The others
    /// are sent with no span, and no trace context.
    #[must_use]
    pub fn filter(mut self, keep: impl Fn(&Method, &str) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Arc::new(keep));
        self
    }

    /// The span's name for a request, given the method and the full URL as sent,
    /// in place of `{method}`; `None` keeps `{method}`. Keep names of low
    /// cardinality: a template (`GET /users/{id}`), never the URL itself.
    ///
    /// ```
    /// let options = traced_http::ClientOptions::new().span_name(|method, url| {
    ///     url.contains("/users/").then(|| format!("{method} /users/{{id}}"))
    /// });
    /// # drop(options);
    /// ```
    #[must_use]
    pub fn span_name(
        mut self,
        name: impl Fn(&Method, &str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.span_name = Some(Arc::new(name));
        self
    }

    /// Records these request headers, as `http.request.header.<name>` (a string
    /// array of the header's values). No header is recorded unless named here.
    #[must_use]
    pub fn capture_request_headers(
        mut self,
        names: impl IntoIterator<Item = http::HeaderName>,
    ) -> Self {
        self.request_headers = HeaderCapture::new("http.request.header", names);
        self
    }

    /// Records these response headers, as `http.response.header.<name>`.
    #[must_use]
    pub fn capture_response_headers(
        mut self,
        names: impl IntoIterator<Item = http::HeaderName>,
    ) -> Self {
        self.response_headers = HeaderCapture::new("http.response.header", names);
        self
    }

    /// Whether the request is left out.
    fn skips(&self, method: &Method, url: impl FnOnce() -> String) -> bool {
        self.filter
            .as_ref()
            .is_some_and(|keep| !keep(method, &url()))
    }
}

/// Where a request goes, as the client span describes it.
struct Target {
    /// `url.full`, credentials and sensitive query values redacted.
    full: String,
    host: Option<String>,
    /// The port, explicit or the scheme's.
    port: Option<u16>,
}

/// The filter's switch of client spans (see `traced::filter`).
static CLIENT: traced::filter::Switch = traced::filter::Switch::new("traced_http::client");

/// Starts the CLIENT span of a request and injects its context (and the baggage)
/// into `headers`. `target` is asked only for a request that is traced.
fn start(
    options: &ClientOptions,
    request_method: &Method,
    url: impl FnOnce() -> String,
    target: impl FnOnce() -> Target,
    resends: u32,
    headers: &mut HeaderMap,
) -> Span {
    if !traced::enabled() {
        return Span::none();
    }
    if !CLIENT.is_on() {
        // Switched off: no span, and the trace goes on through the current context.
        traced::propagation::inject(headers);
        return Span::none();
    }
    let method = MethodName::of(request_method);
    let name = || {
        let named = options
            .span_name
            .as_ref()
            .and_then(|name| name(request_method, &url()));
        named.map_or_else(|| method.for_span_name().to_owned().into(), Cow::Owned)
    };
    let span = traced::span("HTTP")
        .kind(SpanKind::Client)
        .scope("traced-http", Some(env!("CARGO_PKG_VERSION")))
        .without_code_location()
        .start_with_name_and_attributes(name, |attributes| {
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
            options.request_headers.push(headers, attributes);
        });
    traced::propagation::inject_context(span.context(), headers);
    span
}

/// Records the answer on the client span: 4xx and 5xx are errors of the request.
fn answered(
    span: &Span,
    status: StatusCode,
    version: http::Version,
    headers: &HeaderMap,
    capture: &HeaderCapture,
) {
    if !span.is_recording() {
        return;
    }
    if !capture.is_empty() {
        let mut attributes = Vec::new();
        capture.push(headers, &mut attributes);
        for attribute in attributes {
            span.set_attribute(attribute.key, attribute.value);
        }
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
/// head has arrived. [`ClientOptions`] choose requests and headers to record.
#[derive(Debug, Clone, Default)]
pub struct ClientLayer {
    options: Arc<ClientOptions>,
}

impl ClientLayer {
    /// The layer, with the default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The layer, with `options`.
    #[must_use]
    pub fn with_options(options: ClientOptions) -> Self {
        ClientLayer {
            options: Arc::new(options),
        }
    }
}

impl<S> tower_layer::Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> ClientService<S> {
        ClientService {
            inner,
            options: Arc::clone(&self.options),
        }
    }
}

/// A client service traced by [`ClientLayer`].
#[derive(Debug, Clone)]
pub struct ClientService<S> {
    inner: S,
    options: Arc<ClientOptions>,
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
        let skipped = self.options.skips(&method, || uri.to_string());
        let measurement = if skipped {
            None
        } else {
            let port = uri
                .port_u16()
                .or_else(|| uri.scheme_str().and_then(default_port));
            measure(&method, uri.host(), port)
        };
        let span = if skipped {
            Span::none()
        } else {
            start(
                &self.options,
                &method,
                || uri.to_string(),
                target,
                0,
                request.headers_mut(),
            )
        };
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        ClientResponseFuture {
            inner,
            span: Some(span),
            measurement,
            options: Arc::clone(&self.options),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of a client traced by [`ClientLayer`].
    pub struct ClientResponseFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
        // Recorded when the answer's head came, or when dropped before.
        measurement: Option<Measurement>,
        options: Arc<ClientOptions>,
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
        let mut measurement = this.measurement.take();
        match &result {
            Ok(response) => {
                measure_answer(measurement.as_mut(), response.status(), response.version());
            }
            Err(error) => measure_failure(measurement.as_mut(), conventions::error_type(error)),
        }
        drop(measurement);
        if let Some(span) = this.span.take() {
            match &result {
                Ok(response) => answered(
                    &span,
                    response.status(),
                    response.version(),
                    response.headers(),
                    &this.options.response_headers,
                ),
                Err(error) => {
                    let error_type = conventions::error_type(error);
                    conventions::exception(&span, HTTP_CLIENT_REQUEST_EXCEPTION, error_type, "");
                    failed(&span, error_type);
                }
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
/// [`ClientOptions`] choose requests and headers to record.
///
/// ```
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(traced_http::ClientMiddleware::new())
///     .build();
/// # drop(client);
/// ```
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone, Default)]
pub struct ClientMiddleware {
    options: ClientOptions,
}

#[cfg(feature = "reqwest")]
impl ClientMiddleware {
    /// The middleware, with the default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The middleware, with `options`.
    #[must_use]
    pub fn with_options(options: ClientOptions) -> Self {
        ClientMiddleware { options }
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
        if self
            .options
            .skips(request.method(), || request.url().as_str().to_owned())
        {
            return next.run(request, extensions).await;
        }
        let resends = extensions.get::<Sent>().map_or(0, |sent| sent.0);
        extensions.insert(Sent(resends + 1));
        let mut measurement = {
            let url = request.url();
            measure(
                request.method(),
                url.host_str(),
                url.port_or_known_default(),
            )
        };
        let span = {
            let url = request.url().clone();
            let target = || Target {
                full: redacted_url(&url),
                host: url.host_str().map(str::to_owned),
                port: url.port_or_known_default(),
            };
            let method = request.method().clone();
            start(
                &self.options,
                &method,
                || url.as_str().to_owned(),
                target,
                resends,
                request.headers_mut(),
            )
        };
        let sending = next.run(request, extensions);
        let result =
            opentelemetry::context::FutureExt::with_context(sending, span.context().clone()).await;
        match &result {
            Ok(response) => {
                measure_answer(measurement.as_mut(), response.status(), response.version());
                answered(
                    &span,
                    response.status(),
                    response.version(),
                    response.headers(),
                    &self.options.response_headers,
                );
            }
            Err(reqwest_middleware::Error::Reqwest(error)) => {
                measure_failure(measurement.as_mut(), reqwest_error_type(error));
                if span.is_recording() {
                    let message = error.to_string();
                    conventions::exception(
                        &span,
                        HTTP_CLIENT_REQUEST_EXCEPTION,
                        "reqwest::Error",
                        &message,
                    );
                }
                failed(&span, reqwest_error_type(error));
            }
            Err(reqwest_middleware::Error::Middleware(error)) => {
                measure_failure(measurement.as_mut(), "reqwest_middleware::Error");
                if span.is_recording() {
                    let message = error.to_string();
                    conventions::exception(
                        &span,
                        HTTP_CLIENT_REQUEST_EXCEPTION,
                        "reqwest_middleware::Error",
                        &message,
                    );
                }
                failed(&span, "reqwest_middleware::Error");
            }
        }
        drop(measurement);
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
