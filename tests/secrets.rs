//! Header maps, requests and responses recorded as arguments never export header
//! values: an instrumented handler that forgets `skip(headers)` leaks no credential.

use opentelemetry::{Array, Value};
use traced::traced;
use traced_sdk::testing::capture;

const TOKEN: &str = "Bearer hunter2-token";

fn headers() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::AUTHORIZATION, TOKEN.parse().unwrap());
    headers.insert(
        http::header::COOKIE,
        "session=hunter2-cookie".parse().unwrap(),
    );
    headers.append(http::header::ACCEPT, "text/html".parse().unwrap());
    headers.append(http::header::ACCEPT, "application/json".parse().unwrap());
    headers
}

fn strings(names: &[&str]) -> Value {
    Value::Array(Array::String(
        names.iter().map(|n| (*n).to_owned().into()).collect(),
    ))
}

/// No attribute of any exported span holds a credential (`hunter2`).
fn assert_no_secret(spans: &traced_sdk::testing::Spans) {
    for name in spans.names() {
        let span = spans.named(name);
        for key in span.attr_keys() {
            let value = span.attr(key).unwrap().to_string();
            assert!(!value.contains("hunter2"), "{name}: {key} = {value}");
        }
    }
}

#[traced]
fn handle_headers(headers: http::HeaderMap) -> usize {
    headers.len()
}

#[traced]
fn handle_request(request: &http::Request<String>) -> usize {
    request.body().len()
}

#[traced]
fn handle_parts(parts: http::request::Parts) -> usize {
    parts.headers.len()
}

#[traced]
fn handle_response(response: &http::Response<()>) -> bool {
    response.status().is_success()
}

#[test]
fn a_header_map_records_its_header_names_only() {
    let capture = capture();
    handle_headers(headers());
    let spans = capture.finish();
    assert_eq!(
        spans.named("handle_headers").attr("headers"),
        Some(&strings(&["authorization", "cookie", "accept"]))
    );
    assert_no_secret(&spans);
}

#[test]
fn a_request_records_its_method_and_path_only() {
    let capture = capture();
    let mut request = http::Request::post("https://example.com/login?token=hunter2-query")
        .body("password=hunter2-body".to_owned())
        .unwrap();
    *request.headers_mut() = headers();
    handle_request(&request);
    handle_parts(request.into_parts().0);
    let spans = capture.finish();
    assert_eq!(
        spans.named("handle_request").attr("request"),
        Some(&"POST /login".into())
    );
    assert_eq!(
        spans.named("handle_parts").attr("parts"),
        Some(&"POST /login".into())
    );
    assert_no_secret(&spans);
}

#[test]
fn a_response_records_its_status_code_only() {
    let capture = capture();
    let mut response = http::Response::new(());
    response
        .headers_mut()
        .insert(http::header::SET_COOKIE, "session=hunter2".parse().unwrap());
    handle_response(&response);
    let spans = capture.finish();
    assert_eq!(
        spans.named("handle_response").attr("response"),
        Some(&200_i64.into())
    );
    assert_no_secret(&spans);
}

#[derive(Debug)]
struct Hello {
    name: String,
}

#[traced]
fn handle_metadata(metadata: &tonic::metadata::MetadataMap) -> usize {
    metadata.len()
}

#[traced]
fn say_hello(request: tonic::Request<Hello>) -> String {
    request.into_inner().name
}

#[test]
fn grpc_metadata_records_its_keys_and_a_request_its_message_only() {
    let capture = capture();
    let mut request = tonic::Request::new(Hello {
        name: "world".to_owned(),
    });
    let metadata = request.metadata_mut();
    metadata.insert("authorization", TOKEN.parse().unwrap());
    metadata.insert_bin(
        "key-bin",
        tonic::metadata::MetadataValue::from_bytes(b"hunter2"),
    );
    handle_metadata(request.metadata());
    assert_eq!(say_hello(request), "world");
    let spans = capture.finish();
    assert_eq!(
        spans.named("handle_metadata").attr("metadata"),
        Some(&strings(&["authorization", "key-bin"]))
    );
    assert_eq!(
        spans.named("say_hello").attr("request"),
        Some(&"Hello { name: \"world\" }".into())
    );
    assert_no_secret(&spans);
}
