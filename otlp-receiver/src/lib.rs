//! An in-process OTLP receiver for traces, metrics and logs, for tests that
//! assert on what an OTLP exporter really sent over the wire.
//!
//! [`Receiver::start`] serves OTLP/gRPC and OTLP/HTTP (binary protobuf) on two
//! loopback ports from a runtime of its own, so it works the same from a plain
//! `#[test]` and from inside an async test. Point an exporter at
//! [`Receiver::grpc_endpoint`] or [`Receiver::http_endpoint`], shut the tracer
//! provider down, then read what arrived with [`Receiver::wait_for_spans`].
//! Metrics (`MetricsService`, `POST /v1/metrics`) are read with
//! [`Receiver::metrics_requests`] and [`Receiver::wait_for_metric`], logs
//! (`LogsService`, `POST /v1/logs`) with [`Receiver::logs_requests`],
//! [`Receiver::log_records`] and [`Receiver::wait_for_logs`].
//!
//! ```
//! use std::time::Duration;
//! use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
//! use opentelemetry_otlp::{SpanExporter, WithExportConfig as _};
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//! use traced_otlp_receiver::Receiver;
//!
//! let receiver = Receiver::start();
//! // With a programmatic endpoint the HTTP exporter appends nothing: give it the full URL.
//! let exporter = SpanExporter::builder()
//!     .with_http()
//!     .with_endpoint(format!("{}/v1/traces", receiver.http_endpoint()))
//!     .build()
//!     .unwrap();
//! let provider = SdkTracerProvider::builder().with_simple_exporter(exporter).build();
//! provider.tracer("doc").in_span("checkout", |_| {});
//! provider.shutdown().unwrap();
//!
//! let spans = receiver.wait_for_spans(1, Duration::from_secs(5));
//! assert_eq!(spans[0].name(), "checkout");
//! assert_eq!(spans[0].scope_name, "doc");
//! ```
//!
//! Requests the receiver cannot take are answered with an error status, never
//! a panic: HTTP answers 404 for a path other than `/v1/traces`, `/v1/metrics`
//! and `/v1/logs`, 405 for a method other than `POST`, 415 for a content type
//! other than `application/x-protobuf` (OTLP/JSON is not supported) or a
//! content encoding other than `gzip`, 413 for a body over 64 MiB, and 400 for
//! a body that does not decode. gRPC accepts gzip-compressed requests.
#![warn(missing_docs)]

mod answer;
mod count;
mod grpc;
mod http;
mod inbox;
mod received;
mod received_log;
mod value;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

pub use crate::answer::Answer;
use crate::inbox::Inbox;
pub use crate::received::{Received, ReceivedSpan, Transport};
pub use crate::received_log::ReceivedLog;
pub use crate::value::Value;
/// The OTLP protobuf types the receiver hands out, re-exported so that tests
/// need no dependency of their own to name them.
pub use opentelemetry_proto as proto;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::Metric;

/// A running OTLP receiver (traces, metrics and logs): a gRPC server and an HTTP server on
/// `127.0.0.1`, each on a port of its own, served by a Tokio runtime on a
/// background thread.
///
/// Dropping the receiver stops both servers and joins the thread.
///
/// ```
/// use std::time::Duration;
/// use traced_otlp_receiver::Receiver;
///
/// let receiver = Receiver::start();
/// assert!(receiver.grpc_endpoint().starts_with("http://127.0.0.1:"));
/// assert_ne!(receiver.grpc_endpoint(), receiver.http_endpoint());
/// assert!(receiver.wait_for_spans(1, Duration::from_millis(10)).is_empty());
/// ```
pub struct Receiver {
    inbox: Arc<Inbox>,
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Binds both servers to `127.0.0.1:0` and starts serving.
    ///
    /// # Panics
    ///
    /// If the machine cannot give a loopback port, a Tokio runtime or a
    /// thread: a test environment this receiver cannot work in.
    #[must_use = "dropping the Receiver stops it"]
    pub fn start() -> Receiver {
        Self::start_with(&Options::default())
    }

    /// A receiver that only counts the spans it gets ([`Receiver::span_count`]),
    /// without decoding or keeping the requests, and answers at once: a collector
    /// that keeps up with an exporter at full speed, for throughput measurements.
    /// [`Receiver::requests`] stays empty.
    ///
    /// # Panics
    ///
    /// As [`Receiver::start`].
    #[must_use = "dropping the Receiver stops it"]
    pub fn start_counting() -> Receiver {
        Self::start_with(&Options {
            counting: true,
            ..Options::default()
        })
    }

    /// A receiver on the ports, in the mode and with the answer `options` give.
    /// A port that is taken is a panic, as in [`Receiver::start`].
    ///
    /// ```
    /// use traced_otlp_receiver::{Answer, Options, Receiver};
    ///
    /// let receiver = Receiver::start_with(&Options {
    ///     answer: Answer::Unavailable { retry_after: None },
    ///     ..Options::default()
    /// });
    /// // A collector that comes back.
    /// receiver.set_answer(Answer::Accept);
    /// ```
    #[must_use = "dropping the Receiver stops it"]
    pub fn start_with(options: &Options) -> Receiver {
        let inbox = if options.counting {
            Inbox::counting()
        } else {
            Inbox::default()
        };
        inbox.answering.set(options.answer);
        Self::serve(inbox, options.grpc_port, options.http_port)
    }

    /// How requests are answered from now on.
    pub fn set_answer(&self, answer: Answer) {
        self.inbox.answering.set(answer);
    }

    fn serve(inbox: Inbox, grpc_port: u16, http_port: u16) -> Receiver {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build the receiver's Tokio runtime");
        let inbox = Arc::new(inbox);
        let (grpc_addr, http_addr) = {
            // The listeners register with, and the servers are spawned on,
            // the receiver's runtime, not whatever runtime the caller is in.
            let _in_runtime = runtime.enter();
            let (grpc, grpc_addr) = bind_loopback("gRPC", grpc_port);
            let (http, http_addr) = bind_loopback("HTTP", http_port);
            if inbox.is_counting() {
                runtime.spawn(grpc::serve_counting(grpc, Arc::clone(&inbox)));
            } else {
                runtime.spawn(grpc::serve(grpc, Arc::clone(&inbox)));
            }
            runtime.spawn(http::serve(http, Arc::clone(&inbox)));
            (grpc_addr, http_addr)
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("otlp-receiver".to_owned())
            .spawn(move || {
                // Serves until a stop request, or until the Receiver is gone.
                let _ = runtime.block_on(stopped);
                // Dropping the runtime here, off any async context, cancels
                // the servers and their connections and closes the ports.
                drop(runtime);
            })
            .expect("spawn the receiver's thread");

        Receiver {
            inbox,
            grpc_addr,
            http_addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The gRPC server's endpoint, `http://127.0.0.1:PORT`, for
    /// `SpanExporter::builder().with_tonic().with_endpoint(..)` or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    /// The HTTP server's base endpoint, `http://127.0.0.1:PORT`.
    ///
    /// The HTTP exporter appends `/v1/traces` to `OTEL_EXPORTER_OTLP_ENDPOINT`,
    /// but not to an endpoint given with `with_endpoint(..)`: there, pass
    /// `format!("{}/v1/traces", receiver.http_endpoint())`.
    pub fn http_endpoint(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Every export request received so far, over either transport, in
    /// arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.inbox.requests()
    }

    /// Every metrics export request received so far, over either transport
    /// (`POST /v1/metrics`, or the gRPC `MetricsService`), in arrival order.
    pub fn metrics_requests(&self) -> Vec<ExportMetricsServiceRequest> {
        self.inbox.wait_for_metrics(Duration::ZERO, |_| true)
    }

    /// Waits until a metric named `name` has arrived or `timeout` has passed, then
    /// returns every metric of that name received so far, in arrival order.
    pub fn wait_for_metric(&self, name: &str, timeout: Duration) -> Vec<Metric> {
        let named = |requests: &[ExportMetricsServiceRequest]| -> Vec<Metric> {
            requests
                .iter()
                .flat_map(|r| &r.resource_metrics)
                .flat_map(|r| &r.scope_metrics)
                .flat_map(|s| &s.metrics)
                .filter(|m| m.name == name)
                .cloned()
                .collect()
        };
        let requests = self
            .inbox
            .wait_for_metrics(timeout, |requests| !named(requests).is_empty());
        named(&requests)
    }

    /// Every logs export request received so far, over either transport
    /// (`POST /v1/logs`, or the gRPC `LogsService`), in arrival order.
    pub fn logs_requests(&self) -> Vec<ExportLogsServiceRequest> {
        self.inbox.wait_for_logs(Duration::ZERO, |_| true)
    }

    /// Every log record of every logs request received so far, in arrival
    /// order.
    pub fn log_records(&self) -> Vec<ReceivedLog> {
        ReceivedLog::from_requests(&self.logs_requests())
    }

    /// Waits until at least `n` log records have arrived or `timeout` has
    /// passed, then returns all log records received so far (possibly fewer
    /// than `n`).
    pub fn wait_for_logs(&self, n: usize, timeout: Duration) -> Vec<ReceivedLog> {
        let requests = self
            .inbox
            .wait_for_logs(timeout, |requests| received_log::count(requests) >= n);
        ReceivedLog::from_requests(&requests)
    }

    /// All spans of all requests received so far, in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        flatten(&self.inbox.requests())
    }

    /// How many spans have arrived so far, over either transport.
    pub fn span_count(&self) -> u64 {
        self.inbox.span_count()
    }

    /// Waits until at least `n` spans have arrived, `timeout` has passed, or no
    /// span arrived for `quiet`; returns the count then.
    pub fn wait_for_count(&self, n: u64, timeout: Duration, quiet: Duration) -> u64 {
        self.inbox.wait_for_count(n, timeout, quiet)
    }

    /// Waits until at least `n` spans have arrived or `timeout` has passed,
    /// then returns all spans received so far (possibly fewer than `n`).
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        let requests = self
            .inbox
            .wait_until(timeout, |requests| span_count(requests) >= n);
        flatten(&requests)
    }

    /// Waits until at least `n` spans of the trace `trace_id` (32 lower-case hex
    /// digits) have arrived or `timeout` has passed, then returns that trace's
    /// spans received so far (possibly fewer than `n`).
    pub fn wait_for_trace(&self, trace_id: &str, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        let of_trace = |requests: &[Received]| -> Vec<ReceivedSpan> {
            flatten(requests)
                .into_iter()
                .filter(|span| span.trace_id() == trace_id)
                .collect()
        };
        let requests = self
            .inbox
            .wait_until(timeout, |requests| of_trace(requests).len() >= n);
        of_trace(&requests)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The thread may be gone already; then there is nothing to stop.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the receiver's thread must not become a second panic
            // here, which would abort a test that is already failing.
            let _ = thread.join();
        }
    }
}

/// How [`Receiver::start_with`] starts a receiver.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// The gRPC server's loopback port; 0 for a free one.
    pub grpc_port: u16,
    /// The HTTP server's loopback port; 0 for a free one.
    pub http_port: u16,
    /// Count the spans only, as [`Receiver::start_counting`] does.
    pub counting: bool,
    /// How requests are answered at first.
    pub answer: Answer,
}

/// A loopback port free now, for a receiver started later on it (a collector that
/// comes up late) or again (one that goes away and comes back).
///
/// # Panics
///
/// If the machine cannot give a loopback port.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("grpc_endpoint", &self.grpc_endpoint())
            .field("http_endpoint", &self.http_endpoint())
            .finish_non_exhaustive()
    }
}

/// Serves each connection `listener` accepts with `serve`, on a task of its own,
/// until the runtime shuts down. A failed accept, or a connection error (the client
/// went away), concerns that one connection only.
pub(crate) async fn each_connection<F, Fut>(listener: tokio::net::TcpListener, serve: F)
where
    F: Fn(tokio::net::TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::task::yield_now().await;
            continue;
        };
        // As collectors do (Go sets it on every connection): answers go out at once.
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve(stream));
    }
}

/// A listener on loopback port `port` (0: a free one), registered with the current
/// runtime.
fn bind_loopback(server: &str, port: u16) -> (tokio::net::TcpListener, SocketAddr) {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|error| {
        panic!("bind the OTLP/{server} receiver to 127.0.0.1:{port}: {error}")
    });
    let addr = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("address of the OTLP/{server} receiver: {error}"));
    // Tokio takes over std listeners only in non-blocking mode.
    listener
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpListener::from_std(listener))
        .map(|listener| (listener, addr))
        .unwrap_or_else(|error| panic!("hand the OTLP/{server} listener to Tokio: {error}"))
}

fn flatten(requests: &[Received]) -> Vec<ReceivedSpan> {
    requests.iter().flat_map(Received::spans).collect()
}

fn span_count(requests: &[Received]) -> usize {
    requests
        .iter()
        .flat_map(|received| &received.request.resource_spans)
        .flat_map(|resource_spans| &resource_spans.scope_spans)
        .map(|scope_spans| scope_spans.spans.len())
        .sum()
}
