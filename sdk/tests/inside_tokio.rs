//! Setup, export and shutdown work from inside a tokio runtime as well as outside
//! one (the other export tests): building the exporters and dropping the guard in
//! an async context must not panic. (Its own test binary.)

mod support;

use std::time::Duration;
use traced_otlp_receiver::Receiver;

#[test]
fn tracing_set_up_and_shut_down_inside_an_async_runtime_exports() {
    let receiver = Receiver::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for (protocol, endpoint) in [
        ("grpc", receiver.grpc_endpoint()),
        ("http/protobuf", receiver.http_endpoint()),
    ] {
        runtime.block_on(async {
            let tracing = support::export::install(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ]);
            assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
            let _ = support::export::request(1);
            tokio::task::yield_now().await;
            drop(tracing);
        });
    }
    let spans = receiver.wait_for_spans(4, Duration::from_secs(10));
    assert_eq!(
        spans.len(),
        4,
        "both transports delivered from inside the runtime"
    );
}
