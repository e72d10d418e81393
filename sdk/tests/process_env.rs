//! The process environment is read once, by traced: values it rejected or
//! bounded never reach the SDK or the OTLP exporters, which read `OTEL_*`
//! themselves. (Its own test binary: it sets process environment variables
//! before anything reads them, and installs the global provider.)

mod support;

use std::time::Duration;
use traced_otlp_receiver::Receiver;

#[test]
fn values_traced_rejected_are_not_read_again_by_the_sdk_or_the_exporters() {
    let receiver = Receiver::start();
    // Set once, before any thread reads the environment.
    for (name, value) in [
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0"),
        ("OTEL_BSP_SCHEDULE_DELAY", "0"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=s3cret,broken,x-line=a%0D%0Ab",
        ),
    ] {
        std::env::set_var(name, value);
    }
    for (protocol, endpoint) in [
        ("grpc", receiver.grpc_endpoint()),
        ("http/protobuf", receiver.http_endpoint()),
    ] {
        let before = receiver.requests().len();
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
        std::env::set_var("OTEL_EXPORTER_OTLP_PROTOCOL", protocol);
        let tracing = traced_sdk::setup!().install();
        let warnings = tracing.warnings().to_vec();
        let named = |name: &str| warnings.iter().filter(|w| w.contains(name)).count();
        assert_eq!(
            named("OTEL_BSP_MAX_QUEUE_SIZE=\"0\" is not valid"),
            1,
            "{warnings:#?}"
        );
        assert_eq!(
            named("OTEL_BSP_MAX_EXPORT_BATCH_SIZE=\"0\" is not valid"),
            1
        );
        assert_eq!(named("OTEL_BSP_SCHEDULE_DELAY=0 is less"), 1);
        assert_eq!(named("\"broken\" is not key=value"), 1);
        assert_eq!(named("the header x-line has a control character"), 1);
        assert_eq!(warnings.len(), 5, "{warnings:#?}");
        let grpc = protocol == "grpc";

        let _ = support::export::request(1);
        // The default queue (2048) and batch (512), not 0: nothing is lost.
        assert_eq!(tracing.shutdown(), None, "{protocol}");
        let total = if grpc { 2 } else { 4 };
        let spans = receiver.wait_for_spans(total, Duration::from_secs(10));
        assert_eq!(spans.len(), total, "{protocol}");
        let requests = receiver.requests();
        for sent in &requests[before..] {
            assert_eq!(sent.header("api-key"), Some("s3cret"), "{protocol}");
            assert_eq!(sent.header("broken"), None);
            assert_eq!(sent.header("x-line"), None);
        }
    }
}
