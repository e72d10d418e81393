//! How the OTLP/HTTP server answers requests, good and bad, sent by hand.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use flate2::write::GzEncoder;
use prost::Message as _;
use traced_otlp_receiver::proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use traced_otlp_receiver::proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use traced_otlp_receiver::{Answer, Options, Receiver, Transport};

const PROTOBUF: &str = "application/x-protobuf";

#[test]
fn protobuf_post_is_recorded_and_answered_with_an_export_response() {
    let receiver = Receiver::start();

    let (status, body) = send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", PROTOBUF), ("X-Tenant", "blue")],
        &request_with_span("hand-made").encode_to_vec(),
    );

    assert_eq!(status, 200);
    assert_eq!(
        ExportTraceServiceResponse::decode(body.as_slice()).unwrap(),
        ExportTraceServiceResponse::default()
    );
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].transport, Transport::Http);
    assert_eq!(requests[0].header("x-tenant"), Some("blue"));
    assert_eq!(requests[0].request, request_with_span("hand-made"));
    assert_eq!(receiver.spans()[0].name(), "hand-made");
}

#[test]
fn gzip_body_is_decompressed() {
    let receiver = Receiver::start();
    let mut gzip = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&request_with_span("zipped").encode_to_vec())
        .unwrap();

    let (status, _) = send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", PROTOBUF), ("Content-Encoding", "gzip")],
        &gzip.finish().unwrap(),
    );

    assert_eq!(status, 200);
    assert_eq!(receiver.spans()[0].name(), "zipped");
}

#[test]
fn gzip_logs_body_is_decompressed_and_kept_apart_from_spans() {
    use traced_otlp_receiver::proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use traced_otlp_receiver::proto::tonic::common::v1::{any_value, AnyValue};
    use traced_otlp_receiver::proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};

    let receiver = Receiver::start();
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    body: Some(AnyValue {
                        value: Some(any_value::Value::StringValue("zipped".to_owned())),
                    }),
                    ..LogRecord::default()
                }],
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    };
    let mut gzip = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&request.encode_to_vec()).unwrap();

    let (status, body) = send(
        &receiver,
        "POST",
        "/v1/logs",
        &[("Content-Type", PROTOBUF), ("Content-Encoding", "gzip")],
        &gzip.finish().unwrap(),
    );

    assert_eq!(status, 200);
    assert!(body.is_empty(), "an empty ExportLogsServiceResponse");
    assert_eq!(receiver.logs_requests(), [request]);
    let logs = receiver.log_records();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].body.as_deref(), Some("zipped"));
    assert!(receiver.requests().is_empty());
    assert!(receiver.metrics_requests().is_empty());
}

#[test]
fn other_path_is_404() {
    let receiver = Receiver::start();
    let body = request_with_span("lost").encode_to_vec();

    let (status, _) = send(
        &receiver,
        "POST",
        "/v1/profiles",
        &[("Content-Type", PROTOBUF)],
        &body,
    );

    assert_eq!(status, 404);
    assert!(receiver.requests().is_empty());
}

#[test]
fn get_is_405() {
    let receiver = Receiver::start();

    let (status, _) = send(&receiver, "GET", "/v1/traces", &[], b"");

    assert_eq!(status, 405);
}

#[test]
fn json_body_is_415() {
    let receiver = Receiver::start();

    let (status, _) = send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        b"{}",
    );

    assert_eq!(status, 415);
    assert!(receiver.requests().is_empty());
}

#[test]
fn unsupported_content_encoding_is_415() {
    let receiver = Receiver::start();
    let body = request_with_span("squeezed").encode_to_vec();

    let (status, _) = send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", PROTOBUF), ("Content-Encoding", "zstd")],
        &body,
    );

    assert_eq!(status, 415);
}

#[test]
fn body_that_is_not_a_request_is_400() {
    let receiver = Receiver::start();

    let (status, _) = send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", PROTOBUF)],
        &[0xff; 16],
    );

    assert_eq!(status, 400);
    assert!(receiver.requests().is_empty());
}

#[test]
fn body_claiming_gzip_that_is_not_is_400() {
    let receiver = Receiver::start();
    let body = request_with_span("plain").encode_to_vec();

    let (status, _) = send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", PROTOBUF), ("Content-Encoding", "gzip")],
        &body,
    );

    assert_eq!(status, 400);
}

#[test]
fn receiver_keeps_serving_after_a_bad_request() {
    let receiver = Receiver::start();
    send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", PROTOBUF)],
        &[0xff; 16],
    );

    let body = request_with_span("after").encode_to_vec();
    let (status, _) = send(
        &receiver,
        "POST",
        "/v1/traces",
        &[("Content-Type", PROTOBUF)],
        &body,
    );

    assert_eq!(status, 200);
    assert_eq!(receiver.spans().len(), 1);
}

#[test]
fn dropping_the_receiver_closes_its_ports() {
    let receiver = Receiver::start();
    let grpc = address(&receiver.grpc_endpoint());
    let http = address(&receiver.http_endpoint());

    drop(receiver);

    assert!(TcpStream::connect(grpc).is_err());
    assert!(TcpStream::connect(http).is_err());
}

#[test]
fn receiver_starts_serves_and_stops_inside_an_async_context() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();

    let status = runtime.block_on(async {
        let receiver = Receiver::start();
        let body = request_with_span("async").encode_to_vec();
        let (status, _) = send(
            &receiver,
            "POST",
            "/v1/traces",
            &[("Content-Type", PROTOBUF)],
            &body,
        );
        drop(receiver);
        status
    });

    assert_eq!(status, 200);
}

fn request_with_span(name: &str) -> ExportTraceServiceRequest {
    let span = Span {
        name: name.to_owned(),
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        ..Span::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![span],
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

/// Sends one HTTP/1.1 request and returns the response's status and body.
fn send(
    receiver: &Receiver,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(address(&receiver.http_endpoint())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();

    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    (status, response[split + 4..].to_vec())
}

/// `127.0.0.1:PORT` from `http://127.0.0.1:PORT`.
fn address(endpoint: &str) -> String {
    endpoint.trim_start_matches("http://").to_owned()
}

/// The response head of a POST of one span to `receiver`.
fn post_head(receiver: &Receiver) -> String {
    let body = request_with_span("s").encode_to_vec();
    let mut stream = TcpStream::connect(address(&receiver.http_endpoint())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: {PROTOBUF}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[test]
fn an_unavailable_receiver_answers_503_with_retry_after_and_keeps_nothing() {
    let receiver = Receiver::start_with(&Options {
        answer: Answer::Unavailable {
            retry_after: Some(Duration::from_millis(1500)),
        },
        ..Options::default()
    });
    let head = post_head(&receiver);
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 2\r\n"),
        "{head}"
    );
    assert_eq!(receiver.span_count(), 0);
    assert!(receiver.requests().is_empty());
}

#[test]
fn a_receiver_set_back_to_accept_takes_requests_again() {
    let receiver = Receiver::start_with(&Options {
        answer: Answer::Unavailable { retry_after: None },
        ..Options::default()
    });
    assert!(post_head(&receiver).starts_with("HTTP/1.1 503"));
    receiver.set_answer(Answer::Accept);
    assert!(post_head(&receiver).starts_with("HTTP/1.1 200"));
    assert_eq!(receiver.span_count(), 1);
}

#[test]
fn a_slow_receiver_answers_after_its_delay() {
    let receiver = Receiver::start_with(&Options {
        answer: Answer::Slow(Duration::from_millis(300)),
        ..Options::default()
    });
    let started = std::time::Instant::now();
    assert!(post_head(&receiver).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn a_receiver_can_start_again_on_the_same_ports() {
    let (grpc_port, http_port) = (
        traced_otlp_receiver::free_port(),
        traced_otlp_receiver::free_port(),
    );
    let options = Options {
        grpc_port,
        http_port,
        ..Options::default()
    };
    let first = Receiver::start_with(&options);
    assert!(post_head(&first).starts_with("HTTP/1.1 200"));
    let endpoint = first.http_endpoint();
    drop(first);
    let again = Receiver::start_with(&options);
    assert_eq!(again.http_endpoint(), endpoint);
    assert!(post_head(&again).starts_with("HTTP/1.1 200"));
}
