//! What the real `opentelemetry-otlp` log exporter sends arrives, over both
//! transports, every field of the record intact.
//!
//! As in `otlp_exporter.rs`, records go through a batch log processor, whose
//! worker is a plain thread, and the gRPC exporter gets a Tokio runtime only
//! while it is built.

use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
use opentelemetry_otlp::{Compression, LogExporter, WithExportConfig as _, WithTonicConfig as _};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::Resource;
use traced_otlp_receiver::proto::tonic::common::v1::KeyValue as ProtoKeyValue;
use traced_otlp_receiver::proto::tonic::common::v1::{any_value, AnyValue as ProtoAnyValue};
use traced_otlp_receiver::{ReceivedLog, Receiver, Value};

const SERVICE: &str = "receiver-test";
const SCOPE: &str = "receiver-test-logs";
const WAIT: Duration = Duration::from_secs(10);

const TRACE_ID: u128 = 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c;
const SPAN_ID: u64 = 0xb7ad_6b71_6920_3331;
const TIME_NANOS: u64 = 1_700_000_000_123_456_789;
const OBSERVED_NANOS: u64 = 1_700_000_001_987_654_321;

#[test]
fn grpc_log_export_delivers_every_field() {
    let receiver = Receiver::start();

    export_over_grpc(&receiver, None);

    assert_the_record_arrived(&receiver);
}

#[test]
fn grpc_log_export_with_gzip_compression_is_decoded() {
    let receiver = Receiver::start();

    export_over_grpc(&receiver, Some(Compression::Gzip));

    assert_the_record_arrived(&receiver);
}

#[test]
fn http_log_export_delivers_every_field() {
    let receiver = Receiver::start();
    let exporter = LogExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/logs", receiver.http_endpoint()))
        .build()
        .expect("the HTTP log exporter builds");

    export(exporter);

    assert_the_record_arrived(&receiver);
}

#[test]
fn no_logs_means_an_empty_wait() {
    let receiver = Receiver::start();
    assert!(receiver
        .wait_for_logs(1, Duration::from_millis(10))
        .is_empty());
    assert!(receiver.logs_requests().is_empty());
    assert!(receiver.log_records().is_empty());
}

/// Emits the one record through a provider exporting with `exporter`, then
/// shuts the provider down, which flushes it.
fn export(exporter: LogExporter) {
    let provider = SdkLoggerProvider::builder()
        .with_resource(Resource::builder().with_service_name(SERVICE).build())
        .with_batch_exporter(exporter)
        .build();
    let logger = provider.logger(SCOPE);
    let mut record = logger.create_log_record();
    record.set_trace_context(
        TraceId::from(TRACE_ID),
        SpanId::from(SPAN_ID),
        Some(TraceFlags::SAMPLED),
    );
    record.set_event_name("disk.full");
    record.set_severity_number(Severity::Warn);
    record.set_severity_text("WARN");
    record.set_body(AnyValue::from("the disk is full"));
    record.add_attribute("disk.path", "/var");
    record.set_timestamp(SystemTime::UNIX_EPOCH + Duration::from_nanos(TIME_NANOS));
    record.set_observed_timestamp(SystemTime::UNIX_EPOCH + Duration::from_nanos(OBSERVED_NANOS));
    logger.emit(record);
    provider
        .shutdown()
        .expect("the provider shuts down cleanly");
}

/// Like [`export`], through a gRPC exporter, compressed with `compression` if given.
fn export_over_grpc(receiver: &Receiver, compression: Option<Compression>) {
    // The tonic channel spawns its worker on the runtime current at build time.
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime for the gRPC exporter");
    let exporter = {
        let _in_runtime = runtime.enter();
        let builder = LogExporter::builder()
            .with_tonic()
            .with_endpoint(receiver.grpc_endpoint());
        match compression {
            Some(compression) => builder.with_compression(compression),
            None => builder,
        }
        .build()
        .expect("the gRPC log exporter builds")
    };
    export(exporter);
}

fn assert_the_record_arrived(receiver: &Receiver) {
    let logs = receiver.wait_for_logs(1, WAIT);
    let [log] = logs.as_slice() else {
        panic!("expected one log record, got {logs:#?}")
    };
    assert_eq!(
        log.resource_attr("service.name"),
        Some(Value::from(SERVICE))
    );
    assert_eq!(log.attr("disk.path"), Some(Value::from("/var")));
    assert_eq!(
        *log,
        ReceivedLog {
            trace_id: "0af7651916cd43dd8448eb211c80319c".to_owned(),
            span_id: "b7ad6b7169203331".to_owned(),
            flags: 1,
            event_name: "disk.full".to_owned(),
            severity_number: 13,
            severity_text: "WARN".to_owned(),
            body: Some("the disk is full".to_owned()),
            attributes: vec![ProtoKeyValue {
                key: "disk.path".to_owned(),
                value: Some(ProtoAnyValue {
                    value: Some(any_value::Value::StringValue("/var".to_owned())),
                }),
                ..ProtoKeyValue::default()
            }],
            scope_name: SCOPE.to_owned(),
            // The SDK's own resource attributes vary by version: checked above.
            resource: log.resource.clone(),
            time_unix_nano: TIME_NANOS,
            observed_time_unix_nano: OBSERVED_NANOS,
        }
    );
    assert_eq!(receiver.log_records(), logs);
    assert_eq!(receiver.logs_requests().len(), 1);
    assert!(receiver.requests().is_empty(), "no trace request");
}
