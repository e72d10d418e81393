//! Setup never panics, inside a multi-thread or a current-thread tokio runtime
//! (`#[tokio::main]` and its `current_thread` flavour) as outside one, whatever
//! the endpoint and exporters say: each fault is one warning naming its source,
//! and the default is used. (Its own test binary: it installs the global
//! provider, one setup after another.)

mod support;

use traced_sdk::{ExporterKind, Setup, SharedOutput, TracingGuard};

/// The tests here install the global provider one after another, never together.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `case` in a plain thread, then inside each kind of runtime, and returns
/// the warnings of each run.
fn everywhere(case: impl Fn() -> TracingGuard) -> Vec<Vec<String>> {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let run = || {
        let tracing = case();
        let _ = support::export::request(1);
        let warnings = tracing.warnings().to_vec();
        drop(tracing);
        warnings
    };
    vec![
        run(),
        current.block_on(async { run() }),
        multi.block_on(async { run() }),
    ]
}

fn setup(vars: &[(&str, &str)]) -> Setup {
    traced_sdk::setup!()
        .environment(support::export::environment(vars))
        .console_output(SharedOutput::default())
        .shutdown_timeout(std::time::Duration::from_millis(200))
}

#[test]
fn an_endpoint_tonic_would_refuse_is_one_warning_and_the_default() {
    for url in [
        "http://bad host:4317",
        "http://[::1",
        "http://localhost:99999",
    ] {
        for warnings in everywhere(|| {
            setup(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", url),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                ("OTEL_TRACES_EXPORTER", "otlp"),
            ])
            .install()
        }) {
            assert_eq!(warnings.len(), 1, "{warnings:#?}");
            assert!(
                warnings[0]
                    .starts_with(&format!("OTEL_EXPORTER_OTLP_ENDPOINT={url:?} is not valid")),
                "{warnings:#?}"
            );
        }
    }
}

#[test]
fn an_endpoint_set_in_code_is_checked_the_same_way() {
    for warnings in everywhere(|| {
        setup(&[])
            .exporters(&[ExporterKind::Otlp])
            .otlp_endpoint("http://localhost:99999")
            .install()
    }) {
        assert_eq!(
            warnings,
            [
                "Setup::otlp_endpoint(\"http://localhost:99999\") is not valid (the port \
              \"99999\" is not from 1 to 65535); using the default"
            ]
        );
    }
}

#[test]
fn an_exporter_named_twice_is_used_once() {
    let receiver = traced_otlp_receiver::Receiver::start();
    let endpoint = receiver.grpc_endpoint();
    for warnings in everywhere(|| {
        setup(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_TRACES_EXPORTER", "otlp,console,otlp"),
        ])
        .install()
    }) {
        assert_eq!(
            warnings,
            ["OTEL_TRACES_EXPORTER names Otlp more than once; it is used once"]
        );
    }
}

#[test]
fn an_https_endpoint_says_this_build_has_no_tls() {
    for protocol in ["grpc", "http/protobuf"] {
        for warnings in everywhere(|| {
            setup(&[
                (
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "https://collector.example.com:4317",
                ),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ])
            .install()
        }) {
            assert_eq!(warnings.len(), 1, "{warnings:#?}");
            assert!(
                warnings[0].starts_with(
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=\"https://collector.example.com:4317\" \
                     needs TLS, which this build of traced-sdk does not have"
                ),
                "{warnings:#?}"
            );
            assert!(warnings[0].contains("use an http:// endpoint"));
        }
    }
}
