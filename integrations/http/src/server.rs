//! The server side: a tower layer that makes one SERVER span per request.

use crate::conventions::{self, HeaderCapture, MethodName};
use http::{HeaderMap, HeaderName, Method, Request, Response, Uri, Version};
use http_body::{Body, Frame, SizeHint};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    CLIENT_ADDRESS, ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE, NETWORK_PROTOCOL_VERSION,
    SERVER_ADDRESS, SERVER_PORT, URL_PATH, URL_QUERY, URL_SCHEME, USER_AGENT_ORIGINAL,
};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use traced::logs::events::HTTP_SERVER_REQUEST_EXCEPTION;
use traced::metrics::{DurationHistogram, Measurement};
use traced::Span;

/// `http.server.request.duration`.
pub(crate) static SERVER_DURATION: DurationHistogram = DurationHistogram::new(
    "http.server.request.duration",
    "Duration of HTTP server requests.",
    traced::metrics::DURATION_BUCKETS,
    ("traced-http", env!("CARGO_PKG_VERSION")),
);

/// What the options see of a request: its head, borrowed.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RequestHead<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub version: Version,
    pub headers: &'a HeaderMap,
    pub extensions: &'a http::Extensions,
}

impl<'a> RequestHead<'a> {
    fn of<B>(request: &'a Request<B>) -> Self {
        RequestHead {
            method: request.method(),
            uri: request.uri(),
            version: request.version(),
            headers: request.headers(),
            extensions: request.extensions(),
        }
    }
}

type Filter = dyn Fn(&RequestHead<'_>) -> bool + Send + Sync;
type Naming = dyn Fn(&RequestHead<'_>) -> Option<String> + Send + Sync;

/// Traces every request of the service it wraps: one SERVER span per request,
/// named and described as the HTTP semantic conventions (semconv 1.42) ask.
///
/// - The caller's trace continues: the parent is extracted from the request's
///   headers with traced's propagators (W3C `traceparent`, `tracestate`,
///   `baggage`), unless [`public_endpoint`](ServerLayer::public_endpoint).
/// - The span is current while the service handles the request, so a `#[traced]`
///   handler is its child, and [`traced::current_server_span`] reaches it from
///   anywhere under it.
/// - It ends when the response body has been sent (or dropped): its duration is
///   the request's.
/// - Attributes: `http.request.method` (`_OTHER` and `http.request.method_original`
///   for a method not known; `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` replaces the
///   list), `http.route`, `url.path`, `url.query` (sensitive values `REDACTED`),
///   `url.scheme`, `server.address`, `server.port`, `network.protocol.version`,
///   `client.address`, `user_agent.original`, `http.response.status_code`,
///   `error.type`, and the headers named by
///   [`capture_request_headers`](ServerLayer::capture_request_headers) /
///   [`capture_response_headers`](ServerLayer::capture_response_headers).
/// - Status: Error for a 5xx answer, a failed service or a failed body; a 4xx
///   answer is the client's error and leaves the status unset.
///
/// With axum (feature `axum`), add it with `Router::layer`, after the routes and the
/// fallback: axum then runs it for every route, the fallback included (unknown
/// routes get a span named by the method alone), and `http.route` is the matched
/// route template, nested routers included.
///
/// ```
/// use axum::{routing::get, Router};
///
/// let app: Router = Router::new()
///     .route("/users/{id}", get(|| async { "a user" }))
///     .layer(traced_http::ServerLayer::new());
/// # drop(app);
/// ```
#[derive(Clone, Default)]
pub struct ServerLayer {
    options: Arc<Options>,
}

#[derive(Clone, Default)]
struct Options {
    filter: Option<Arc<Filter>>,
    route: Option<Arc<Naming>>,
    span_name: Option<Arc<Naming>>,
    public_endpoint: bool,
    request_headers: HeaderCapture,
    response_headers: HeaderCapture,
}

impl std::fmt::Debug for ServerLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = &self.options;
        f.debug_struct("ServerLayer")
            .field("filter", &o.filter.is_some())
            .field("route", &o.route.is_some())
            .field("span_name", &o.span_name.is_some())
            .field("public_endpoint", &o.public_endpoint)
            .field("request_headers", &o.request_headers)
            .field("response_headers", &o.response_headers)
            .finish()
    }
}

impl ServerLayer {
    /// The layer with its defaults: every request traced, the caller's trace
    /// continued, no header captured.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn options(&mut self) -> &mut Options {
        // A layer cloned before this call keeps the options it had.
        Arc::make_mut(&mut self.options)
    }

    /// Traces only the requests `keep` returns true for (health checks and
    /// the like are left out: they are served, with no span).
    #[must_use]
    pub fn filter(
        mut self,
        keep: impl Fn(&RequestHead<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.options().filter = Some(Arc::new(keep));
        self
    }

    /// The route template of a request (`/users/{id}`), for `http.route` and the
    /// span name, where the framework gives none (or to replace axum's). `None`
    /// leaves the request without a route.
    #[must_use]
    pub fn route(
        mut self,
        route: impl Fn(&RequestHead<'_>) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.options().route = Some(Arc::new(route));
        self
    }

    /// The span's name for a request, in place of `{method} {route}`; `None` keeps
    /// that one. Keep it of low cardinality: never the raw path.
    #[must_use]
    pub fn span_name(
        mut self,
        name: impl Fn(&RequestHead<'_>) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.options().span_name = Some(Arc::new(name));
        self
    }

    /// For a service the public reaches: each request starts a new trace, linked
    /// to the caller's span instead of continuing it (the caller's trace ids are
    /// not trusted).
    #[must_use]
    pub fn public_endpoint(mut self) -> Self {
        self.options().public_endpoint = true;
        self
    }

    /// Records these request headers, as `http.request.header.<name>` (a string
    /// array of the header's values). No header is recorded unless named here:
    /// headers often carry credentials.
    #[must_use]
    pub fn capture_request_headers(mut self, names: impl IntoIterator<Item = HeaderName>) -> Self {
        self.options().request_headers = HeaderCapture::new("http.request.header", names);
        self
    }

    /// Records these response headers, as `http.response.header.<name>`.
    #[must_use]
    pub fn capture_response_headers(mut self, names: impl IntoIterator<Item = HeaderName>) -> Self {
        self.options().response_headers = HeaderCapture::new("http.response.header", names);
        self
    }
}

impl<S> tower_layer::Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> ServerService<S> {
        ServerService {
            inner,
            options: Arc::clone(&self.options),
        }
    }
}

/// A service traced by [`ServerLayer`].
#[derive(Clone)]
pub struct ServerService<S> {
    inner: S,
    options: Arc<Options>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for ServerService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for ServerService<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Body,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let head = RequestHead::of(&request);
        let measurement = measure(&self.options, &head);
        let span = start(&self.options, &head);
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        ResponseFuture {
            inner,
            span: Some(span),
            measurement,
            options: Arc::clone(&self.options),
        }
    }
}

/// The filter's switch of server spans (see `traced::filter`).
static SERVER: traced::filter::Switch = traced::filter::Switch::new("traced_http::server");

/// The request's measurement for `http.server.request.duration`, with the
/// attributes its head gives: `http.request.method`, `url.scheme`, `http.route`
/// and `network.protocol.version`.
fn measure(options: &Options, head: &RequestHead<'_>) -> Option<Measurement> {
    if !traced::metrics::enabled()
        || !SERVER.is_on()
        || options.filter.as_ref().is_some_and(|keep| !keep(head))
    {
        return None;
    }
    let mut measurement = Measurement::start(&SERVER_DURATION, 6)?;
    measurement.add(KeyValue::new(
        opentelemetry_semantic_conventions::attribute::HTTP_REQUEST_METHOD,
        MethodName::of(head.method).name,
    ));
    let seen = Seen::of(head.headers);
    measurement.add(KeyValue::new(
        URL_SCHEME,
        scheme(head.uri, &Forwarded::of(&seen)),
    ));
    let route = match options.route.as_ref() {
        Some(route) => route(head).map(Cow::Owned),
        None => framework_route(head),
    };
    if let Some(route) = route {
        measurement.add(KeyValue::new(HTTP_ROUTE, route.into_owned()));
    }
    if let Some(version) = conventions::protocol_version(head.version) {
        measurement.add(KeyValue::new(NETWORK_PROTOCOL_VERSION, version));
    }
    Some(measurement)
}

/// `url.scheme`: the request's, else what a proxy forwarded, else `http`.
fn scheme(uri: &Uri, forwarded: &Forwarded<'_>) -> opentelemetry::StringValue {
    match uri.scheme_str().or(forwarded.proto) {
        None => "http".into(),
        Some(s) if s.eq_ignore_ascii_case("http") => "http".into(),
        Some(s) if s.eq_ignore_ascii_case("https") => "https".into(),
        Some(other) => other.to_ascii_lowercase().into(),
    }
}

/// The request's span, started with everything the request tells.
fn start(options: &Options, head: &RequestHead<'_>) -> Span {
    if !traced::enabled()
        || !SERVER.is_on()
        || options.filter.as_ref().is_some_and(|keep| !keep(head))
    {
        return Span::none();
    }
    let method = MethodName::of(head.method);
    // The route and the name are found only for a request that is traced.
    let route = std::cell::OnceCell::new();
    let route = || {
        route.get_or_init(|| match options.route.as_ref() {
            Some(route) => route(head).map(Cow::Owned),
            None => framework_route(head),
        })
    };
    let name = || match options.span_name.as_ref().and_then(|name| name(head)) {
        Some(name) => name.into(),
        None => match route() {
            Some(route) => {
                // Not `format!`: it costs several times more for two pieces.
                let method = method.for_span_name();
                let mut name = String::with_capacity(method.len() + 1 + route.len());
                name.push_str(method);
                name.push(' ');
                name.push_str(route);
                name.into()
            }
            None => Cow::Owned(method.for_span_name().to_owned()),
        },
    };
    let parent = traced::propagation::extract(head.headers);
    let builder = traced::span("HTTP")
        .kind(SpanKind::Server)
        .scope("traced-http", Some(env!("CARGO_PKG_VERSION")))
        .without_code_location();
    let builder = if options.public_endpoint {
        builder.root().link(parent)
    } else {
        builder.parent(parent)
    };
    builder.start_with_name_and_attributes(name, |attributes| {
        // Room for all a server span records, the response's included: the list
        // is never grown.
        attributes.reserve(16);
        method.push(attributes);
        if let Some(route) = route() {
            attributes.push(KeyValue::new(HTTP_ROUTE, route.to_string()));
        }
        request_attributes(head, attributes);
        options.request_headers.push(head.headers, attributes);
    })
}

/// The route template the framework matched, if it tells.
#[allow(clippy::unnecessary_wraps)]
fn framework_route<'a>(head: &RequestHead<'a>) -> Option<Cow<'a, str>> {
    #[cfg(feature = "axum")]
    if let Some(matched) = head.extensions.get::<axum::extract::MatchedPath>() {
        return Some(Cow::Borrowed(matched.as_str()));
    }
    let _ = head;
    None
}

/// The attributes the request's head gives: URL, server, client, protocol.
fn request_attributes(head: &RequestHead<'_>, attributes: &mut Vec<KeyValue>) {
    let uri = head.uri;
    attributes.push(KeyValue::new(URL_PATH, uri.path().to_owned()));
    if let Some(query) = uri.query() {
        attributes.push(KeyValue::new(URL_QUERY, conventions::redact_query(query)));
    }
    let seen = Seen::of(head.headers);
    let forwarded = Forwarded::of(&seen);
    attributes.push(KeyValue::new(URL_SCHEME, scheme(uri, &forwarded)));
    let authority = forwarded
        .host
        .or_else(|| uri.authority().map(http::uri::Authority::as_str))
        .or(seen.host);
    if let Some((host, port)) = authority.and_then(conventions::host_and_port) {
        attributes.push(KeyValue::new(SERVER_ADDRESS, host.to_owned()));
        if let Some(port) = port {
            attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
        }
    }
    if let Some(version) = conventions::protocol_version(head.version) {
        attributes.push(KeyValue::new(NETWORK_PROTOCOL_VERSION, version));
    }
    if let Some(client) = forwarded
        .client
        .map(str::to_owned)
        .or_else(|| peer_address(head))
    {
        attributes.push(KeyValue::new(CLIENT_ADDRESS, client));
    }
    if let Some(agent) = seen.user_agent {
        attributes.push(KeyValue::new(USER_AGENT_ORIGINAL, agent.to_owned()));
    }
}

/// The socket's peer, where the server tells it (axum's `ConnectInfo`).
#[allow(clippy::unnecessary_wraps)]
fn peer_address(head: &RequestHead<'_>) -> Option<String> {
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(peer)) = head
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        return Some(ip_text(peer.ip()));
    }
    let _ = head;
    None
}

/// An IP address as text; IPv4 written by hand, without the formatting
/// machinery, which costs several times more.
#[cfg(feature = "axum")]
fn ip_text(ip: std::net::IpAddr) -> String {
    let std::net::IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut text = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

/// `X-Forwarded-For`, `-Host` and `-Proto`, parsed once.
static X_FORWARDED: [HeaderName; 3] = [
    HeaderName::from_static("x-forwarded-for"),
    HeaderName::from_static("x-forwarded-host"),
    HeaderName::from_static("x-forwarded-proto"),
];

/// The headers the server span reads, found in one pass over the request's
/// headers (the first of each): a handful of comparisons, where a look-up by
/// name hashes the name each time.
#[derive(Debug, Default)]
struct Seen<'a> {
    host: Option<&'a str>,
    user_agent: Option<&'a str>,
    forwarded: Option<&'a str>,
    /// `X-Forwarded-For`, `-Host`, `-Proto`.
    x_forwarded: [Option<&'a str>; 3],
}

impl<'a> Seen<'a> {
    fn of(headers: &'a HeaderMap) -> Self {
        let mut seen = Seen::default();
        for (name, value) in headers {
            let slot = if name == http::header::HOST {
                &mut seen.host
            } else if name == http::header::USER_AGENT {
                &mut seen.user_agent
            } else if name == http::header::FORWARDED {
                &mut seen.forwarded
            } else if let Some(i) = X_FORWARDED.iter().position(|x| x == name) {
                &mut seen.x_forwarded[i]
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = value.to_str().ok();
            }
        }
        seen
    }
}

/// What proxies said about the original request: `Forwarded` (RFC 7239) first,
/// then `X-Forwarded-For`, `-Host`, `-Proto`.
#[derive(Debug, Default)]
struct Forwarded<'a> {
    client: Option<&'a str>,
    host: Option<&'a str>,
    proto: Option<&'a str>,
}

impl<'a> Forwarded<'a> {
    fn of(seen: &Seen<'a>) -> Self {
        let mut found = Forwarded::default();
        // The first hop is the original client.
        if let Some(first) = seen.forwarded.and_then(|v| v.split(',').next()) {
            for pair in first.split(';') {
                let Some((key, value)) = pair.trim().split_once('=') else {
                    continue;
                };
                let mut value = value.trim_matches('"');
                let slot = if key.eq_ignore_ascii_case("for") {
                    value = strip_port(value);
                    &mut found.client
                } else if key.eq_ignore_ascii_case("host") {
                    &mut found.host
                } else if key.eq_ignore_ascii_case("proto") {
                    &mut found.proto
                } else {
                    continue;
                };
                *slot = Some(value);
            }
        }
        let [x_for, x_host, x_proto] = seen.x_forwarded;
        found.client = found.client.or_else(|| {
            x_for
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        });
        found.host = found.host.or(x_host);
        found.proto = found.proto.or(x_proto);
        found
    }
}

/// A `Forwarded: for=` node without its port: `[2001:db8::1]:4711` is
/// `2001:db8::1`, `192.0.2.43:47011` is `192.0.2.43`.
fn strip_port(node: &str) -> &str {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match node.split_once(':') {
        Some((host, _)) => host,
        None => node,
    }
}

pin_project_lite::pin_project! {
    /// The response of a service traced by [`ServerLayer`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
        // Recorded when dropped: with the response's status once it came.
        measurement: Option<Measurement>,
        options: Arc<Options>,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _entered = this.span.as_ref().map(Span::enter);
            ready!(this.inner.poll(cx))
        };
        let span = this.span.take().unwrap_or_else(Span::none);
        let mut measurement = this.measurement.take();
        Poll::Ready(match result {
            Ok(response) => {
                if span.is_recording() {
                    respond(&span, &response, &this.options.response_headers);
                }
                if let Some(m) = &mut measurement {
                    let status = response.status();
                    m.add(KeyValue::new(
                        HTTP_RESPONSE_STATUS_CODE,
                        i64::from(status.as_u16()),
                    ));
                    if status.is_server_error() {
                        m.add(KeyValue::new(ERROR_TYPE, status.as_str().to_owned()));
                    }
                }
                Ok(response.map(|body| ResponseBody::new(body, span, measurement)))
            }
            Err(error) => {
                let error_type = conventions::error_type(&error);
                if let Some(m) = &mut measurement {
                    m.add(KeyValue::new(ERROR_TYPE, error_type));
                }
                conventions::exception(&span, HTTP_SERVER_REQUEST_EXCEPTION, error_type, "");
                span.set_attribute(ERROR_TYPE, error_type);
                span.set_status(Status::error(""));
                Err(error)
            }
        })
    }
}

/// Records the response on the request's span: its status, and for 5xx the
/// error.
fn respond<B>(span: &Span, response: &Response<B>, capture: &HeaderCapture) {
    let status = response.status();
    span.set_attribute(HTTP_RESPONSE_STATUS_CODE, i64::from(status.as_u16()));
    if status.is_server_error() {
        span.set_attribute(ERROR_TYPE, status.as_str().to_owned());
        span.set_status(Status::error(""));
    }
    if !capture.is_empty() {
        let mut attributes = Vec::new();
        capture.push(response.headers(), &mut attributes);
        for attribute in attributes {
            span.set_attribute(attribute.key, attribute.value);
        }
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends the request's span once it has been sent, or
    /// dropped.
    pub struct ResponseBody<B> {
        #[pin]
        inner: B,
        span: Option<Span>,
        // Recorded when the body ends, fails or is dropped.
        measurement: Option<Measurement>,
    }
}

impl<B: Body> ResponseBody<B> {
    fn new(inner: B, span: Span, measurement: Option<Measurement>) -> Self {
        // Nothing will be polled from an empty body: the request is done. A span
        // that records nothing has nothing to wait for.
        let ended = inner.is_end_stream();
        let span = (!ended && span.is_recording()).then_some(span);
        let measurement = measurement.filter(|_| !ended);
        ResponseBody {
            inner,
            span,
            measurement,
        }
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<B: Body> Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let mut this = self.project();
        let frame = ready!(this.inner.as_mut().poll_frame(cx));
        match &frame {
            Some(Ok(_)) if !this.inner.is_end_stream() => {}
            Some(Ok(_)) | None => {
                drop(this.span.take());
                drop(this.measurement.take());
            }
            Some(Err(error)) => {
                let error_type = conventions::error_type(error);
                if let Some(span) = this.span.take() {
                    conventions::exception(&span, HTTP_SERVER_REQUEST_EXCEPTION, error_type, "");
                    span.set_attribute(ERROR_TYPE, error_type);
                    span.set_status(Status::error(""));
                }
                if let Some(mut m) = this.measurement.take() {
                    m.add(KeyValue::new(ERROR_TYPE, error_type));
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_cloned_before_an_option_keeps_its_own() {
        let plain = ServerLayer::new();
        let filtered = plain.clone().filter(|_| false).public_endpoint();
        assert!(plain.options.filter.is_none() && !plain.options.public_endpoint);
        assert!(filtered.options.filter.is_some() && filtered.options.public_endpoint);
    }

    #[cfg(feature = "axum")]
    #[test]
    fn ip_addresses_are_written_as_std_writes_them() {
        for ip in [
            "127.0.0.1",
            "0.0.0.0",
            "10.200.9.255",
            "192.168.100.10",
            "::1",
            "2001:db8::7",
        ] {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }

    #[test]
    fn forwarded_headers_name_the_original_client_host_and_scheme() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::FORWARDED,
            "for=\"[2001:db8::1]:4711\";proto=HTTPS;host=shop.example, for=10.0.0.1"
                .parse()
                .unwrap(),
        );
        let found = Forwarded::of(&Seen::of(&headers));
        assert_eq!(found.client, Some("2001:db8::1"));
        assert_eq!(found.host, Some("shop.example"));
        assert_eq!(found.proto, Some("HTTPS"), "compared ignoring case");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "192.0.2.60, 10.0.0.2".parse().unwrap());
        assert_eq!(
            Forwarded::of(&Seen::of(&headers)).client,
            Some("192.0.2.60")
        );
        assert_eq!(strip_port("192.0.2.43:47011"), "192.0.2.43");
    }
}
