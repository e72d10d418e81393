//! Issue 12: what one request costs a service with each HTTP and gRPC server
//! layer, over loopback, side by side in one run.
//!
//! ```text
//! cargo bench -p traced-benches --bench services              # the table on stdout
//! cargo bench -p traced-benches --bench services -- --write   # and benches/services.md,
//!                                                             # which BENCHMARKS.md includes
//! ```
//!
//! Options (after `--`): `--requests N` per configuration and round (default 300),
//! `--rounds R` (default 100; configurations run in a different order each round),
//! `--runs N` (default 3: whole runs, servers started afresh; the ratios are given
//! with the range of each run's median), `--only TEXT` (serve and call only the
//! configurations whose name contains it, with no table: for profiling), `--write`.
//!
//! Each configuration serves one route (`GET /users/{id}` on axum; the standard
//! health service's `Check` on tonic) on loopback, on a one-thread tokio runtime
//! shared with its client (hyper-util's, HTTP/1.1 keep-alive; a tonic channel),
//! which sends requests one after another, each with the `traceparent` of a new
//! trace (not sampled for traced's unsampled rows: traced-sdk's sampler is
//! parent-based). *CPU* is the process's CPU time (all threads:
//! client, server, export) per request; *added* is that minus the same round's
//! figure with no layer. Every layer exports its spans the same way: a batch
//! processor (traced-sdk's own queue for traced; the OpenTelemetry SDK's for the
//! tracing-based layers) into an exporter that counts and discards them.

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use traced_benches::cli;
use traced_benches::export::Counting;
use traced_benches::machine::{self, Machine};
use traced_benches::measure::cpu_time;
use traced_benches::stats::median;
use tracing_subscriber::layer::SubscriberExt as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    Http,
    Grpc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    None,
    TracedSampled,
    TracedUnsampled,
    /// tower-http's `TraceLayer::new_for_http()` → tracing-opentelemetry → SDK.
    TowerHttp,
    /// axum-tracing-opentelemetry's `OtelAxumLayer::default()` → tracing-opentelemetry → SDK.
    AxumOtel,
    /// tonic-tracing-opentelemetry's server `OtelGrpcLayer::default()` → tracing-opentelemetry → SDK.
    TonicOtel,
}

impl Layer {
    fn label(self) -> &'static str {
        match self {
            Layer::None => "no layer",
            Layer::TracedSampled => "traced, sampled",
            Layer::TracedUnsampled => "traced, unsampled",
            Layer::TowerHttp => "tower-http TraceLayer + tracing-opentelemetry",
            Layer::AxumOtel => "axum-tracing-opentelemetry + tracing-opentelemetry",
            Layer::TonicOtel => "tonic-tracing-opentelemetry + tracing-opentelemetry",
        }
    }

    fn uses_tracing(self) -> bool {
        matches!(self, Layer::TowerHttp | Layer::AxumOtel | Layer::TonicOtel)
    }
}

const CONFIGS: [(Protocol, Layer); 9] = [
    (Protocol::Http, Layer::None),
    (Protocol::Http, Layer::TracedSampled),
    (Protocol::Http, Layer::TracedUnsampled),
    (Protocol::Http, Layer::TowerHttp),
    (Protocol::Http, Layer::AxumOtel),
    (Protocol::Grpc, Layer::None),
    (Protocol::Grpc, Layer::TracedSampled),
    (Protocol::Grpc, Layer::TracedUnsampled),
    (Protocol::Grpc, Layer::TonicOtel),
];

/// A server of one configuration, alive for the whole run.
struct Server {
    addr: SocketAddr,
    /// One thread for the server and its client: a request's cost is measured
    /// without the cross-thread wake-ups whose timing varies from run to run on a
    /// small machine.
    runtime: tokio::runtime::Runtime,
    /// Where the tracing-based layers' spans go while the runtime runs.
    dispatch: Option<tracing::Dispatch>,
    /// The SDK provider of a tracing-based layer.
    provider: Option<SdkTracerProvider>,
    exported: Counting,
}

/// What one configuration measured, round by round.
#[derive(Default)]
struct Measured {
    /// CPU time per request, in each round.
    cpu: Vec<Duration>,
    latencies: Vec<Duration>,
}

async fn user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

fn http_app(layer: Layer) -> Router {
    let app = Router::new().route("/users/{id}", get(user));
    match layer {
        Layer::TracedSampled | Layer::TracedUnsampled => app.layer(traced_http::ServerLayer::new()),
        Layer::TowerHttp => app.layer(tower_http::trace::TraceLayer::new_for_http()),
        Layer::AxumOtel => {
            app.layer(axum_tracing_opentelemetry::middleware::OtelAxumLayer::default())
        }
        _ => app,
    }
}

async fn serve_http(layer: Layer) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let app = http_app(layer);
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    addr
}

async fn serve_grpc(layer: Layer) -> SocketAddr {
    use tonic::transport::Server;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("users", tonic_health::ServingStatus::Serving)
        .await;
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(async move {
        let _reporter = reporter;
        let served = match layer {
            Layer::TracedSampled | Layer::TracedUnsampled => {
                Server::builder()
                    .layer(traced_tonic::ServerLayer::new())
                    .add_service(health)
                    .serve_with_incoming(incoming)
                    .await
            }
            Layer::TonicOtel => {
                Server::builder()
                    .layer(
                        tonic_tracing_opentelemetry::middleware::server::OtelGrpcLayer::default(),
                    )
                    .add_service(health)
                    .serve_with_incoming(incoming)
                    .await
            }
            _ => {
                Server::builder()
                    .add_service(health)
                    .serve_with_incoming(incoming)
                    .await
            }
        };
        served.expect("serve");
    });
    addr
}

/// Starts the server of one configuration. traced's layers use the global
/// provider `main` installed; the tracing-based ones, a provider of their own.
fn start(protocol: Protocol, layer: Layer, traced_exported: &Counting) -> Server {
    let exported = if layer.uses_tracing() {
        Counting::default()
    } else {
        traced_exported.clone()
    };
    // The tracing-based layers: tracing-opentelemetry into an SDK provider with a
    // batch processor, at their defaults.
    let provider = layer.uses_tracing().then(|| {
        SdkTracerProvider::builder()
            .with_span_processor(BatchSpanProcessor::builder(exported.clone()).build())
            .build()
    });
    // The layers' own spans only, as an application would filter: not the trace
    // spans of h2, hyper and tonic underneath (each would become an exported span).
    let dispatch = provider.as_ref().map(|provider| {
        let tracer = provider.tracer("services-bench");
        let own = tracing_subscriber::filter::Targets::new()
            .with_target("otel::tracing", tracing::Level::TRACE)
            .with_target("tower_http", tracing::Level::TRACE);
        tracing::Dispatch::new(
            tracing_subscriber::registry()
                .with(tracing_opentelemetry::layer().with_tracer(tracer))
                .with(own),
        )
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let addr = runtime.block_on(async {
        match protocol {
            Protocol::Http => serve_http(layer).await,
            Protocol::Grpc => serve_grpc(layer).await,
        }
    });
    Server {
        addr,
        runtime,
        dispatch,
        provider,
        exported,
    }
}

/// A client of one configuration's server, kept for the whole run (one of each
/// per configuration: their sizes do not matter).
#[allow(clippy::large_enum_variant)]
enum Caller {
    Http(
        Client<hyper_util::client::legacy::connect::HttpConnector, Empty<bytes::Bytes>>,
        http::Uri,
    ),
    Grpc(tonic_health::pb::health_client::HealthClient<tonic::transport::Channel>),
}

/// The `traceparent` of request `n`: a new trace each time, sampled or not.
fn traceparent(n: u64, sampled: bool) -> String {
    let flags = if sampled { "01" } else { "00" };
    format!(
        "00-{:032x}-{:016x}-{flags}",
        (1u128 << 100) + u128::from(n),
        n + 1
    )
}

impl Server {
    /// Runs `work` on the server's thread, with its tracing dispatcher.
    fn run<T>(&self, work: impl Future<Output = T>) -> T {
        match &self.dispatch {
            Some(dispatch) => {
                tracing::dispatcher::with_default(dispatch, || self.runtime.block_on(work))
            }
            None => self.runtime.block_on(work),
        }
    }
}

impl Caller {
    async fn new(protocol: Protocol, addr: SocketAddr) -> Caller {
        match protocol {
            Protocol::Http => Caller::Http(
                Client::builder(TokioExecutor::new()).build_http(),
                format!("http://{addr}/users/7").parse().expect("a URI"),
            ),
            Protocol::Grpc => {
                let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
                    .expect("a URI")
                    .connect()
                    .await
                    .expect("a channel");
                Caller::Grpc(tonic_health::pb::health_client::HealthClient::new(channel))
            }
        }
    }

    async fn once(&mut self, traceparent: String) {
        match self {
            Caller::Http(client, uri) => {
                let request = http::Request::get(uri.clone())
                    .header("traceparent", traceparent)
                    .body(Empty::new())
                    .expect("a request");
                let response = client.request(request).await.expect("an answer");
                assert!(response.status().is_success());
                let _ = response.into_body().collect().await;
            }
            Caller::Grpc(client) => {
                let mut request = tonic::Request::new(tonic_health::pb::HealthCheckRequest {
                    service: "users".to_owned(),
                });
                request
                    .metadata_mut()
                    .insert("traceparent", traceparent.parse().expect("ASCII"));
                client.check(request).await.expect("an answer");
            }
        }
    }

    /// Sends `requests` requests: CPU time per request, and their latencies.
    async fn batch(
        &mut self,
        requests: usize,
        sampled: bool,
        next: &mut u64,
    ) -> (Duration, Vec<Duration>) {
        let mut latencies = Vec::with_capacity(requests);
        let cpu = cpu_time();
        for _ in 0..requests {
            *next += 1;
            let header = traceparent(*next, sampled);
            let started = Instant::now();
            self.once(header).await;
            latencies.push(started.elapsed());
        }
        let cpu = cpu_time().saturating_sub(cpu);
        (cpu / u32::try_from(requests).unwrap_or(u32::MAX), latencies)
    }
}

const WARM_UP: usize = 200;

struct Options {
    requests: usize,
    rounds: usize,
    /// Whole runs (servers started afresh each time): the ratios' range over runs.
    runs: usize,
    write: bool,
    /// Serve and call only the configurations whose protocol and label contain this
    /// (the table then has only their rows; for profiling).
    only: Option<String>,
    args: Vec<String>,
}

fn options() -> Options {
    let args = cli::arguments();
    let mut options = Options {
        requests: 300,
        rounds: 100,
        runs: 3,
        write: false,
        only: None,
        args: args.clone(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize { cli::number(args.next(), name) };
        match arg.as_str() {
            "--requests" => options.requests = number("--requests").max(1),
            "--rounds" => options.rounds = number("--rounds").max(1),
            "--runs" => options.runs = number("--runs").max(1),
            "--write" => options.write = true,
            "--only" => options.only = args.next(),
            other => {
                eprintln!("unknown option {other}; see the bench's doc comment");
                std::process::exit(2);
            }
        }
    }
    options
}

fn quantile(latencies: &mut [Duration], q: f64) -> Duration {
    latencies.sort();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let at = ((latencies.len() - 1) as f64 * q).round() as usize;
    latencies[at]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// What one run measured: each configuration's rounds, and what was exported.
struct RunResult {
    results: Vec<Measured>,
    exported: Vec<u64>,
    traced_spans: u64,
    traced_report: Option<String>,
}

/// One run: every server started, warmed up, measured round by round, stopped.
/// `None` for a profiling run (`--only`).
fn one_run(options: &Options) -> Option<RunResult> {
    // One traced setup for the whole run, parent-based: a request whose
    // `traceparent` is not sampled makes an unsampled span, as in production.
    let traced_exported = Counting::default();
    let traced = traced_sdk::Setup::new("traced-benches", "0.1.0")
        .environment(|_| None)
        .sampler(traced_sdk::SamplerKind::ParentBasedAlwaysOn)
        .exporter(traced_exported.clone())
        .install();
    let servers: Vec<Server> = CONFIGS
        .iter()
        .map(|&(protocol, layer)| start(protocol, layer, &traced_exported))
        .collect();
    let mut next = 0u64;
    let mut callers: Vec<Caller> = servers
        .iter()
        .zip(&CONFIGS)
        .map(|(server, &(protocol, _))| server.run(Caller::new(protocol, server.addr)))
        .collect();
    for ((caller, server), &(_, layer)) in callers.iter_mut().zip(&servers).zip(&CONFIGS) {
        server.run(caller.batch(WARM_UP, layer != Layer::TracedUnsampled, &mut next));
    }
    let mut results: Vec<Measured> = CONFIGS.iter().map(|_| Measured::default()).collect();
    for round in 0..options.rounds {
        if round % 10 == 0 {
            eprintln!("services: round {round} of {} ...", options.rounds);
        }
        for k in 0..CONFIGS.len() {
            let i = (k + round) % CONFIGS.len();
            if let Some(only) = &options.only {
                let (protocol, layer) = CONFIGS[i];
                if !format!("{protocol:?} {}", layer.label()).contains(only.as_str()) {
                    continue;
                }
            }
            let sampled = CONFIGS[i].1 != Layer::TracedUnsampled;
            let (cpu, latencies) =
                servers[i].run(callers[i].batch(options.requests, sampled, &mut next));
            results[i].cpu.push(cpu);
            results[i].latencies.extend(latencies);
        }
    }
    drop(callers);
    if options.only.is_some() {
        // A profiling run: no table.
        return None;
    }
    let traced_report = traced.shutdown();
    let exported: Vec<u64> = servers
        .into_iter()
        .map(|server| {
            if let Some(provider) = &server.provider {
                let _ = provider.force_flush();
                let _ = provider.shutdown();
            }
            server.run(async {});
            server.runtime.shutdown_background();
            server.exported.count()
        })
        .collect();
    // traced's two configurations of a protocol share one exporter.
    let traced_spans = traced_exported.count();
    Some(RunResult {
        results,
        exported,
        traced_spans,
        traced_report,
    })
}

fn main() {
    let options = options();
    let load_before = machine::load_average();
    let mut runs = Vec::new();
    for run in 0..options.runs {
        eprintln!("services: run {} of {} ...", run + 1, options.runs);
        match one_run(&options) {
            Some(result) => runs.push(result),
            None => return,
        }
    }

    let load_after = machine::load_average();
    let mut table = String::from(
        "| protocol | layer | CPU µs/request | added CPU µs/request | × peer's added | latency p50 µs | latency p99 µs | spans exported / requests |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut all_latencies: Vec<Vec<Duration>> = (0..CONFIGS.len())
        .map(|i| {
            runs.iter_mut()
                .flat_map(|run| std::mem::take(&mut run.results[i].latencies))
                .collect()
        })
        .collect();
    // Per round, within its own run: configuration `i`'s CPU over `none`'s.
    let added_in = |run: &RunResult, i: usize, none: usize, round: usize| {
        micros(run.results[i].cpu[round]) - micros(run.results[none].cpu[round])
    };
    // Every round of every run; and each run's median.
    let rounds_of = |f: &dyn Fn(&RunResult, usize) -> f64| -> (Vec<f64>, Vec<f64>) {
        let mut all = Vec::new();
        let mut medians = Vec::new();
        for run in &runs {
            let each: Vec<f64> = (0..options.rounds).map(|r| f(run, r)).collect();
            all.extend(each.iter().copied());
            medians.push(median(&each));
        }
        (all, medians)
    };
    let range = |medians: &[f64]| {
        let low = medians.iter().copied().fold(f64::INFINITY, f64::min);
        let high = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{low:.2} … {high:.2}")
    };
    let none_of = |protocol: Protocol| {
        CONFIGS
            .iter()
            .position(|&(p, l)| p == protocol && l == Layer::None)
            .expect("a baseline")
    };
    let peer_of = |protocol: Protocol| {
        CONFIGS
            .iter()
            .position(|&(p, l)| p == protocol && matches!(l, Layer::AxumOtel | Layer::TonicOtel))
            .expect("a peer")
    };
    let mut verdicts = String::new();
    for (i, &(protocol, layer)) in CONFIGS.iter().enumerate() {
        let none = none_of(protocol);
        let peer = peer_of(protocol);
        let (cpu, _) = rounds_of(&|run, r| micros(run.results[i].cpu[r]));
        let (extra, _) = rounds_of(&|run, r| added_in(run, i, none, r));
        let (ratio, ratio_runs) =
            rounds_of(&|run, r| added_in(run, i, none, r) / added_in(run, peer, none, r));
        let latencies = &mut all_latencies[i];
        let sent = options.runs * (options.requests * options.rounds + WARM_UP);
        let exported = match layer {
            Layer::None => "—".to_owned(),
            Layer::TracedUnsampled => "(below)".to_owned(),
            Layer::TracedSampled => "(below)".to_owned(),
            _ => format!(
                "{} / {sent}",
                runs.iter().map(|run| run.exported[i]).sum::<u64>()
            ),
        };
        let ratio_text = if layer == Layer::None {
            "—".to_owned()
        } else {
            format!("{:.2} ({})", median(&ratio), range(&ratio_runs))
        };
        let _ = writeln!(
            table,
            "| {protocol:?} | {} | {:.1} | {} | {ratio_text} | {:.0} | {:.0} | {exported} |",
            layer.label(),
            median(&cpu),
            if layer == Layer::None {
                "—".to_owned()
            } else {
                format!("{:.1}", median(&extra))
            },
            micros(quantile(latencies, 0.5)),
            micros(quantile(latencies, 0.99)),
        );
        if layer == Layer::TracedSampled {
            let ratio = median(&ratio);
            let _ = writeln!(
                verdicts,
                "- {protocol:?}: traced's added CPU, sampled, is {ratio:.2}× the peer's (each run's median {}; target ≤ 0.5): **{}**",
                range(&ratio_runs),
                if ratio <= 0.5 { "met" } else { "MISSED" }
            );
        }
        if layer == Layer::TracedUnsampled {
            let sampled = CONFIGS
                .iter()
                .position(|&(p, l)| p == protocol && l == Layer::TracedSampled)
                .expect("the sampled row");
            let (of_sampled, of_sampled_runs) =
                rounds_of(&|run, r| added_in(run, i, none, r) / added_in(run, sampled, none, r));
            let ratio = median(&of_sampled);
            let _ = writeln!(
                verdicts,
                "- {protocol:?}: traced's added CPU, unsampled, is {ratio:.2}× its sampled added CPU (each run's median {}; target ≤ 0.2): **{}**",
                range(&of_sampled_runs),
                if ratio <= 0.2 { "met" } else { "MISSED" }
            );
        }
    }
    let sampled_sent = options.runs * 2 * (options.requests * options.rounds + WARM_UP);
    let traced_spans: u64 = runs.iter().map(|run| run.traced_spans).sum();
    let traced_report = runs.iter().find_map(|run| run.traced_report.clone());
    let _ = writeln!(
        verdicts,
        "\ntraced exported {traced_spans} spans for the {sampled_sent} requests of its sampled rows \
         (HTTP and gRPC), and none for its unsampled rows{}.",
        traced_report.map_or_else(String::new, |report| format!("; at shutdown: {report}"))
    );
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = String::from("cargo bench -p traced-benches --bench services");
    if !options.args.is_empty() {
        let _ = write!(command, " -- {}", options.args.join(" "));
    }
    let text = format!(
        "Measured by `{command}` on {}; source: {}; load average (1 min) {load_before} before, {load_after} after.\n\n\
         Each configuration serves `GET /users/{{id}}` on axum (HTTP) or the standard health service's `Check` on tonic \
         (gRPC) on loopback, on a one-thread tokio runtime shared with its client (no cross-thread wake-ups, whose timing \
         varies from run to run on a small machine); the client (hyper-util's over HTTP/1.1 keep-alive, or a tonic \
         channel) sends requests one after another, in rounds of {} requests per configuration, for {} rounds, in a different \
         order each round, after 200 to warm up; all servers stay up for the whole run. Every request carries a \
         `traceparent` of a new trace, sampled, except in traced's unsampled rows, where it is not (traced-sdk's sampler is \
         parent-based: the request is not traced, as in production). *CPU* is the process's CPU time per request (all threads: client, server, \
         export), the median over the rounds of all runs; *added* is that minus the same round's figure with no layer; \
         *× peer's added* is the median over rounds of the added CPU over axum-tracing-opentelemetry's (HTTP) or \
         tonic-tracing-opentelemetry's (gRPC), with the range of each run's median beside it ({} runs, each with its \
         servers started afresh). Latencies are over all rounds' requests. Every layer runs at its default settings and exports through a \
         batch processor into an exporter that counts and discards (traced-sdk's own queue for traced, the OpenTelemetry \
         SDK's `BatchSpanProcessor` for the tracing-based layers); the tracing subscriber keeps the layers' own spans \
         (targets `otel::tracing` and `tower_http`) and not those of h2, hyper and tonic beneath. *Spans exported* counts \
         what arrived, warm-up included: one per request means nothing was dropped.\n\n\
         What each layer records per request: traced-http the HTTP server attributes of semconv 1.42 (method, route, path, \
         scheme, server address and port, protocol version, client address when known, user agent, status code); \
         tower-http's `TraceLayer` a span `request` with `method`, `uri`, `version` (Debug strings) and tracing-opentelemetry's \
         own fields; axum-tracing-opentelemetry its own set of HTTP attributes (method, route, target, user agent, status code \
         and more); traced-tonic and tonic-tracing-opentelemetry the RPC attributes of their conventions. All of them but \
         tower-http's `TraceLayer` read the request's `traceparent` and continue its trace; `TraceLayer` reads no trace \
         context (each of its spans starts a trace), so its row does less work than the others, and the targets are set \
         against axum-tracing-opentelemetry and tonic-tracing-opentelemetry.\n\n{table}\n{verdicts}",
        Machine::detect().line(),
        machine::source(&workspace),
        options.requests,
        options.rounds,
        options.runs,
    );
    print!("{text}");
    if options.write {
        let path = workspace.join("benches/services.md");
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
    }
}
