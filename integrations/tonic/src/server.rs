//! The server side: a tower layer for tonic servers.

use crate::call::{CallBody, CallFuture};
use crate::conventions::{Method, Side};
use http::{Request, Response};
use http_body::Body;
use std::sync::Arc;
use std::task::{Context, Poll};

type Filter = dyn Fn(&str) -> bool + Send + Sync;

/// The methods of the standard health service (`grpc.health.v1.Health`).
const HEALTH_SERVICE: &str = "grpc.health.v1.Health/";

/// Traces every call a tonic server handles: one SERVER span per call, named by
/// its method (`package.Service/Method`), as the RPC semantic conventions
/// (semconv 1.42) describe it.
///
/// - The caller's trace continues: the parent is extracted from the call's
///   metadata with traced's propagators.
/// - The span is current while the service handles the call, so a `#[traced]`
///   method is its child, and [`traced::current_server_span`] reaches it.
/// - It ends with the call: when the status has been sent (after the last message
///   of a streaming answer).
/// - Attributes: `rpc.system.name` (`grpc`), `rpc.method`,
///   `rpc.response.status_code` (the status name: `OK`, `NOT_FOUND`),
///   `error.type`, `server.address` and `server.port` (from the call's
///   `:authority`); with `OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup`, also the names of
///   the conventions before (`rpc.system`, `rpc.service`, `rpc.grpc.status_code`).
/// - Status: Error only for the codes that say the server failed: UNKNOWN,
///   DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
///
/// ```no_run
/// # async fn serve(users: tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health>) -> Result<(), tonic::transport::Error> {
/// tonic::transport::Server::builder()
///     .layer(traced_tonic::ServerLayer::new())
///     .add_service(users)
///     .serve("127.0.0.1:50051".parse().unwrap())
///     .await
/// # }
/// ```
#[derive(Clone, Default)]
pub struct ServerLayer {
    filter: Option<Arc<Filter>>,
}

impl std::fmt::Debug for ServerLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerLayer")
            .field("filter", &self.filter.is_some())
            .finish()
    }
}

impl ServerLayer {
    /// The layer: every call traced.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Traces only the calls whose method (`package.Service/Method`) `keep`
    /// returns true for; the others are served with no span.
    #[must_use]
    pub fn filter(mut self, keep: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Arc::new(keep));
        self
    }

    /// Leaves out the calls of the standard health service
    /// (`grpc.health.v1.Health`), which load balancers make all the time.
    #[must_use]
    pub fn skip_health_checks(self) -> Self {
        self.filter(|method| !method.starts_with(HEALTH_SERVICE))
    }
}

impl<S> tower_layer::Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> ServerService<S> {
        ServerService {
            inner,
            filter: self.filter.clone(),
        }
    }
}

/// A service traced by [`ServerLayer`].
#[derive(Clone)]
pub struct ServerService<S> {
    inner: S,
    filter: Option<Arc<Filter>>,
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
    type Response = Response<CallBody<ResBody>>;
    type Error = S::Error;
    type Future = CallFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let measurement = measure(self.filter.as_deref(), &request);
        let span = start(self.filter.as_deref(), &request);
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        CallFuture::new(inner, span, measurement, Side::Server)
    }
}

/// The filter's switch of server spans (see `traced::filter`).
static SERVER: traced::filter::Switch = traced::filter::Switch::new("traced_tonic::server");

/// The call's `rpc.server.call.duration` measurement, unless switched off or
/// filtered out.
fn measure<B>(
    filter: Option<&Filter>,
    request: &Request<B>,
) -> Option<traced::metrics::Measurement> {
    if !traced::metrics::enabled() || !SERVER.is_on() {
        return None;
    }
    let method = Method::of(request.uri().path());
    if filter.is_some_and(|keep| !keep(method.name())) {
        return None;
    }
    crate::call::measure(&method, Side::Server, (None, None))
}

fn start<B>(filter: Option<&Filter>, request: &Request<B>) -> traced::Span {
    if !traced::enabled() || !SERVER.is_on() {
        return traced::Span::none();
    }
    let method = Method::of(request.uri().path());
    if filter.is_some_and(|keep| !keep(method.name())) {
        return traced::Span::none();
    }
    let parent = traced::propagation::extract(request.headers());
    let authority = request.uri().authority();
    crate::call::start(&method, Side::Server, Some(parent), || {
        (
            authority.map(http::uri::Authority::host),
            authority.and_then(http::uri::Authority::port_u16),
        )
    })
}
