//! The OTLP exporter: the transport, the endpoint, and a runtime for gRPC.

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
use super::request::OtlpExporter;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
use std::time::Duration;

/// The OTLP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP over gRPC (default port 4317).
    Grpc,
    /// OTLP over HTTP with protobuf bodies (default port 4318).
    HttpProtobuf,
}

/// Where and how the OTLP exporter sends.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) struct Target {
    pub(crate) endpoint: String,
    pub(crate) protocol: Protocol,
    pub(crate) timeout: Duration,
    pub(crate) gzip: bool,
    pub(crate) headers: Vec<(String, String)>,
    /// The most bytes of OTLP protobuf one export request may hold.
    pub(crate) max_request: usize,
}

/// The transport: as configured; else grpc for an endpoint on port 4317 (the OTLP
/// gRPC port, as in `OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317`), else
/// http/protobuf, the specification's default. A transport whose feature is not
/// compiled in gives way to the other, with a warning.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn protocol(
    configured: Option<Protocol>,
    endpoint: Option<&str>,
    warnings: &mut Vec<String>,
) -> Protocol {
    let wanted = configured.unwrap_or_else(|| {
        let port = endpoint
            .and_then(|e| e.split("://").nth(1))
            .and_then(|rest| {
                let authority = rest.split('/').next()?;
                authority.rsplit_once(':').map(|(_, port)| port.to_owned())
            });
        if port.as_deref() == Some("4317") {
            Protocol::Grpc
        } else {
            Protocol::HttpProtobuf
        }
    });
    let available = |p: Protocol| match p {
        Protocol::Grpc => cfg!(feature = "otlp-grpc"),
        Protocol::HttpProtobuf => cfg!(feature = "otlp-http"),
    };
    if available(wanted) {
        return wanted;
    }
    let other = match wanted {
        Protocol::Grpc => Protocol::HttpProtobuf,
        Protocol::HttpProtobuf => Protocol::Grpc,
    };
    let feature = match wanted {
        Protocol::Grpc => "otlp-grpc",
        Protocol::HttpProtobuf => "otlp-http",
    };
    warnings.push(format!(
        "OTLP over {wanted:?} needs traced-sdk's `{feature}` feature; using {other:?}"
    ));
    other
}

/// The URL to send spans to. A generic endpoint gets `/v1/traces` for HTTP; one
/// set in code or by the `_TRACES_` variable is used as given.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn endpoint(protocol: Protocol, configured: Option<&str>, as_given: bool) -> String {
    signal_endpoint(protocol, configured, as_given, "traces")
}

/// [`endpoint`] for the signal `signal` (`traces`, `metrics`, `logs`).
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn signal_endpoint(
    protocol: Protocol,
    configured: Option<&str>,
    as_given: bool,
    signal: &str,
) -> String {
    match (protocol, configured) {
        (_, Some(url)) if as_given => url.to_owned(),
        (Protocol::Grpc, Some(url)) => url.to_owned(),
        (Protocol::HttpProtobuf, Some(url)) => {
            format!("{}/v1/{signal}", url.trim_end_matches('/'))
        }
        (Protocol::Grpc, None) => "http://localhost:4317".to_owned(),
        (Protocol::HttpProtobuf, None) => format!("http://localhost:4318/v1/{signal}"),
    }
}

/// What a signal beside traces (metrics, logs) builds its OTLP target from.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) struct SignalPlan<'a> {
    /// `metrics` or `logs`: the HTTP path's last part, and the warnings' subject.
    pub(crate) signal: &'static str,
    /// The collector's URL set in code, which wins over the environment's.
    pub(crate) endpoint: Option<&'a str>,
    pub(crate) endpoint_as_given: bool,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) env: &'a crate::setup::env::SignalEnv,
    /// The signal's own export timeout variable, under `..._TIMEOUT`.
    pub(crate) export_timeout: Option<Duration>,
}

/// The OTLP target of `plan`'s signal; `None` (with a warning) for an `https`
/// endpoint, which needs TLS.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn signal_target(plan: &SignalPlan<'_>, warnings: &mut Vec<String>) -> Option<Target> {
    let m = plan.env;
    let endpoint = plan
        .endpoint
        .map(str::to_owned)
        .or_else(|| m.endpoint.clone());
    if let Some(url) = endpoint.as_deref().filter(|u| u.starts_with("https://")) {
        warnings.push(format!(
            "{}: the OTLP endpoint {url} needs TLS, which traced-sdk does not build in; {} are not exported over OTLP",
            plan.signal, plan.signal
        ));
        return None;
    }
    let protocol = protocol(plan.protocol.or(m.protocol), endpoint.as_deref(), warnings);
    Some(Target {
        endpoint: signal_endpoint(
            protocol,
            endpoint.as_deref(),
            if plan.endpoint.is_some() {
                plan.endpoint_as_given
            } else {
                m.endpoint_is_signal
            },
            plan.signal,
        ),
        protocol,
        timeout: m
            .timeout
            .or(plan.export_timeout)
            .unwrap_or(Duration::from_secs(10)),
        gzip: m.gzip.unwrap_or(false),
        headers: m.headers.clone(),
        max_request: usize::MAX,
    })
}

/// The runtime the gRPC exporter's connection lives on. It is only ever shut down
/// in the background, never dropped whole: dropping a runtime blocks, and panics
/// inside an async context (a setup or guard drop inside `#[tokio::main]`).
#[cfg(feature = "otlp-grpc")]
pub(crate) struct GrpcRuntime(Option<tokio::runtime::Runtime>);

#[cfg(feature = "otlp-grpc")]
impl Drop for GrpcRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The gRPC exporter (traced's own: see [`super::grpc`]) and the runtime its
/// connection lives on. The runtime is our own, so gRPC export works in programs
/// with and without a tokio runtime. A header that gRPC metadata cannot carry gets
/// a warning in `warnings`.
#[cfg(feature = "otlp-grpc")]
pub(crate) fn grpc(
    target: &Target,
    warnings: &mut Vec<String>,
) -> Result<(OtlpExporter<super::grpc::GrpcTransport>, GrpcRuntime), String> {
    let (transport, runtime) = grpc_transport(target, "traced-otlp-grpc", warnings)?;
    let exporter = OtlpExporter::new(transport, target.timeout, target.max_request);
    Ok((exporter, runtime))
}

/// A gRPC transport to `target`, and the runtime of its own (threads named
/// `thread`) its connection lives on.
#[cfg(feature = "otlp-grpc")]
fn grpc_transport(
    target: &Target,
    thread: &str,
    warnings: &mut Vec<String>,
) -> Result<(super::grpc::GrpcTransport, GrpcRuntime), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(thread)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime for gRPC export: {e}"))?;
    let runtime = GrpcRuntime(Some(runtime));
    let Some(tokio) = &runtime.0 else {
        return Err("no runtime for gRPC export".into());
    };
    let transport = super::grpc::GrpcTransport::new(target, tokio, warnings)?;
    Ok((transport, runtime))
}

/// The OTLP metric exporter for `target`, over gRPC (with the runtime its
/// connection lives on) or HTTP.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn metrics(
    target: &Target,
    temporality: opentelemetry_sdk::metrics::Temporality,
    warnings: &mut Vec<String>,
) -> Result<MetricExporter, String> {
    use super::metrics::OtlpMetrics;
    match target.protocol {
        #[cfg(feature = "otlp-grpc")]
        Protocol::Grpc => {
            let (transport, runtime) = grpc_transport(target, "traced-otlp-metrics", warnings)?;
            let transport = transport.with_path(super::metrics::GRPC_EXPORT);
            Ok(MetricExporter::Grpc {
                exporter: OtlpMetrics::new(transport, target.timeout, temporality),
                _runtime: runtime,
            })
        }
        #[cfg(feature = "otlp-http")]
        Protocol::HttpProtobuf => {
            let transport = super::http::HttpTransport::new(target)?;
            Ok(MetricExporter::Http(OtlpMetrics::new(
                transport,
                target.timeout,
                temporality,
            )))
        }
        #[allow(unreachable_patterns)]
        _ => Err("no OTLP transport compiled in".into()),
    }
}

/// The OTLP log exporter for `target`, over gRPC (with the runtime its
/// connection lives on) or HTTP.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn logs(
    target: &Target,
    warnings: &mut Vec<String>,
) -> Result<super::logs::OtlpLogs, String> {
    use super::logs::OtlpLogs;
    match target.protocol {
        #[cfg(feature = "otlp-grpc")]
        Protocol::Grpc => {
            let (transport, runtime) = grpc_transport(target, "traced-otlp-logs", warnings)?;
            let transport = transport.with_path(super::logs::GRPC_EXPORT);
            let mut exporter = OtlpLogs::new(Box::new(transport), target.timeout);
            exporter._runtime = Some(runtime);
            Ok(exporter)
        }
        #[cfg(feature = "otlp-http")]
        Protocol::HttpProtobuf => {
            let transport = super::http::HttpTransport::new(target)?;
            Ok(OtlpLogs::new(Box::new(transport), target.timeout))
        }
        #[allow(unreachable_patterns)]
        _ => Err("no OTLP transport compiled in".into()),
    }
}

/// The OTLP metric exporter over one of the transports.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) enum MetricExporter {
    #[cfg(feature = "otlp-grpc")]
    Grpc {
        exporter: super::metrics::OtlpMetrics<super::grpc::GrpcTransport>,
        /// Kept while the exporter is.
        _runtime: GrpcRuntime,
    },
    #[cfg(feature = "otlp-http")]
    Http(super::metrics::OtlpMetrics<super::http::HttpTransport>),
}

/// The HTTP/protobuf exporter: traced's own (see [`super::http`]).
#[cfg(feature = "otlp-http")]
pub(crate) fn http(target: &Target) -> Result<OtlpExporter<super::http::HttpTransport>, String> {
    let transport = super::http::HttpTransport::new(target)?;
    Ok(OtlpExporter::new(
        transport,
        target.timeout,
        target.max_request,
    ))
}

#[cfg(all(test, any(feature = "otlp-grpc", feature = "otlp-http")))]
mod tests {
    use super::*;

    #[test]
    fn port_4317_means_grpc_and_generic_http_endpoints_get_the_signal_path() {
        let mut warnings = Vec::new();
        let grpc = protocol(None, Some("http://localhost:4317"), &mut warnings);
        let http = protocol(None, Some("http://collector:4318/"), &mut warnings);
        if cfg!(all(feature = "otlp-grpc", feature = "otlp-http")) {
            assert_eq!(grpc, Protocol::Grpc);
            assert_eq!(http, Protocol::HttpProtobuf);
            assert!(warnings.is_empty());
        }
        assert_eq!(
            endpoint(Protocol::HttpProtobuf, Some("http://c:4318/"), false),
            "http://c:4318/v1/traces"
        );
        assert_eq!(
            endpoint(Protocol::HttpProtobuf, Some("http://c:4318/x"), true),
            "http://c:4318/x"
        );
        assert_eq!(
            endpoint(Protocol::Grpc, None, false),
            "http://localhost:4317"
        );
    }

    /// The class of fault behind setup panicking inside `#[tokio::main]`: a
    /// failed gRPC build drops the runtime it made, which must not block there.
    #[cfg(feature = "otlp-grpc")]
    #[test]
    fn a_grpc_exporter_tonic_refuses_drops_its_runtime_safely_inside_a_runtime() {
        let target = Target {
            endpoint: "http://bad host:4317".to_owned(),
            protocol: Protocol::Grpc,
            timeout: Duration::from_millis(100),
            gzip: false,
            headers: Vec::new(),
            max_request: 4 << 20,
        };
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut warnings = Vec::new();
        let result = current.block_on(async { grpc(&target, &mut warnings).map(|_| ()) });
        assert!(result.is_err(), "tonic refuses the endpoint");
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let target = Target {
            endpoint: "http://localhost:4317".to_owned(),
            ..target
        };
        // Built, then dropped in an async context.
        let built = multi.block_on(async { grpc(&target, &mut warnings).map(drop) });
        assert!(built.is_ok());
    }
}
