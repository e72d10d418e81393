//! The client side: a tower layer for tonic channels.

use crate::call::{CallBody, CallFuture};
use crate::conventions::{Method, Side};
use http::{Request, Response, Uri};
use http_body::Body;
use std::task::{Context, Poll};

/// Traces every call made through the channel it wraps: one CLIENT span per call,
/// named by its method, with its context and baggage injected into the call's
/// metadata. Attributes as [`ServerLayer`](crate::ServerLayer) gives them, and
/// `server.address` / `server.port` from the channel's target. Every status but
/// OK is an error; a call dropped before its status (cancelled by the caller) is
/// not. The span ends with the call's status.
///
/// ```
/// use tower::ServiceBuilder;
///
/// # async fn connect() -> Result<(), tonic::transport::Error> {
/// let target: http::Uri = "http://127.0.0.1:50051".parse().unwrap();
/// let channel = tonic::transport::Channel::builder(target.clone()).connect_lazy();
/// let channel = ServiceBuilder::new()
///     .layer(traced_tonic::ClientLayer::for_target(&target))
///     .service(channel);
/// let client = tonic_health::pb::health_client::HealthClient::new(channel);
/// # drop(client);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientLayer {
    host: Option<String>,
    port: Option<u16>,
}

impl ClientLayer {
    /// The layer, for a channel whose target is not known (the calls' own URIs
    /// give `server.address` when they have one).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The layer, for a channel to `target`: its host and port are the calls'
    /// `server.address` and `server.port`.
    #[must_use]
    pub fn for_target(target: &Uri) -> Self {
        ClientLayer {
            host: target.host().map(str::to_owned),
            port: target.port_u16().or_else(|| match target.scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            }),
        }
    }
}

impl<S> tower_layer::Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> ClientService<S> {
        ClientService {
            inner,
            target: self.clone(),
        }
    }
}

/// The filter's switch of client spans (see `traced::filter`).
static CLIENT: traced::filter::Switch = traced::filter::Switch::new("traced_tonic::client");

/// A channel traced by [`ClientLayer`].
#[derive(Debug, Clone)]
pub struct ClientService<S> {
    inner: S,
    target: ClientLayer,
}

impl<S, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for ClientService<S>
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

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let measurement = if traced::metrics::enabled() && CLIENT.is_on() {
            let uri = request.uri();
            crate::call::measure(
                &Method::of(uri.path()),
                Side::Client,
                (
                    uri.host().or(self.target.host.as_deref()),
                    uri.port_u16().or(self.target.port),
                ),
            )
        } else {
            None
        };
        if !traced::enabled() {
            let inner = self.inner.call(request);
            return CallFuture::new(inner, traced::Span::none(), measurement, Side::Client);
        }
        if !CLIENT.is_on() {
            // Switched off: no span, and the trace goes on through the current context.
            traced::propagation::inject(request.headers_mut());
            let inner = self.inner.call(request);
            return CallFuture::new(inner, traced::Span::none(), measurement, Side::Client);
        }
        let method = Method::of(request.uri().path());
        let uri = request.uri();
        let span = crate::call::start(&method, Side::Client, None, || {
            (
                uri.host().or(self.target.host.as_deref()),
                uri.port_u16().or(self.target.port),
            )
        });
        traced::propagation::inject_context(span.context(), request.headers_mut());
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        CallFuture::new(inner, span, measurement, Side::Client)
    }
}
