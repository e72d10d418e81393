//! What a span costs to export over OTLP: the time an instrumented call takes on the
//! application thread, and how long the background export takes, into an
//! in-process receiver on loopback. `cargo run --release --example export_cost`.

use std::time::{Duration, Instant};
use traced_otlp_receiver::Receiver;

#[traced::traced(record_err)]
fn work(a: u64, b: &str, c: bool) -> Result<u64, std::fmt::Error> {
    if c {
        Ok(a + b.len() as u64)
    } else {
        Err(std::fmt::Error)
    }
}

fn main() {
    const CALLS: u32 = 100_000;
    let receiver = Receiver::start();
    for (protocol, endpoint) in [
        ("grpc", receiver.grpc_endpoint()),
        ("http/protobuf", receiver.http_endpoint()),
    ] {
        let before = receiver.spans().len();
        let tracing = traced_sdk::setup!()
            .exporters(&[traced_sdk::ExporterKind::Otlp])
            .otlp_endpoint(if protocol == "grpc" {
                endpoint
            } else {
                format!("{endpoint}/v1/traces")
            })
            .otlp_protocol(if protocol == "grpc" {
                traced_sdk::Protocol::Grpc
            } else {
                traced_sdk::Protocol::HttpProtobuf
            })
            .environment(|name| (name == "OTEL_BSP_MAX_QUEUE_SIZE").then(|| "200000".to_owned()))
            .install();
        let started = Instant::now();
        for i in 0..CALLS {
            let _ = std::hint::black_box(work(u64::from(i), "abc", i % 10 != 0));
        }
        let calls = started.elapsed();
        drop(tracing);
        let arrived = receiver
            .wait_for_spans(before + CALLS as usize, Duration::from_secs(60))
            .len()
            - before;
        let total = started.elapsed();
        println!(
            "{protocol:>13}: {:.0} ns per call on the application thread; {arrived} of {CALLS} spans arrived; \
             {:.0} ns per span until the last arrived",
            calls.as_nanos() as f64 / f64::from(CALLS),
            total.as_nanos() as f64 / f64::from(CALLS),
        );
    }
}
