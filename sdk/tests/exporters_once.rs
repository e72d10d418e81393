//! An exporter named twice is used once: over HTTP each span arrives once, and
//! over gRPC no export fails. (Its own test binary: it installs the global
//! provider, one setup after another.)

mod support;

use std::time::Duration;
use traced_otlp_receiver::Receiver;
use traced_sdk::ExporterKind;

#[test]
fn otlp_named_twice_exports_each_span_once_over_either_transport() {
    let receiver = Receiver::start();
    let mut expected = 0;
    for (protocol, endpoint) in [
        ("grpc", receiver.grpc_endpoint()),
        ("http/protobuf", receiver.http_endpoint()),
    ] {
        let vars = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ];
        let from_env = [("OTEL_TRACES_EXPORTER", "otlp,otlp")];
        let in_code = traced_sdk::setup!()
            .environment(support::export::environment(&vars))
            .exporters(&[ExporterKind::Otlp, ExporterKind::Otlp]);
        let from_env = traced_sdk::setup!().environment(support::export::environment(
            &[vars.as_slice(), from_env.as_slice()].concat(),
        ));
        for (setup, source) in [
            (in_code, "Setup::exporters"),
            (from_env, "OTEL_TRACES_EXPORTER"),
        ] {
            let tracing = setup.install();
            assert_eq!(
                tracing.warnings(),
                [format!(
                    "{source} names Otlp more than once; it is used once"
                )]
            );
            let _ = support::export::request(1);
            assert_eq!(tracing.shutdown(), None, "{protocol}: no export failed");
            expected += 2;
            let received = receiver.wait_for_count(
                expected + 1,
                Duration::from_secs(10),
                Duration::from_millis(300),
            );
            assert_eq!(received, expected, "{protocol}, {source}: each span once");
        }
    }
}
