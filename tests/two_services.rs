//! Two services over real HTTP on loopback: the server's span is a child of the
//! client's, in the same trace, and the baggage arrives.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use traced::propagation::{extract, inject};
use traced::traced;
use traced_sdk::testing::capture;

/// The server: reads one request's headers and answers with the tenant it found.
#[traced(kind = server, name = "GET /users/{id}", skip(headers), parent = extract(headers), baggage(tenant.id))]
fn serve(headers: &HashMap<String, String>) -> String {
    traced::baggage::get("tenant.id").unwrap_or_default()
}

fn server(listener: TcpListener) {
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = HashMap::new();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let body = serve(&headers);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
}

#[traced(kind = client, record_err)]
fn get_user(url: &str) -> Result<String, reqwest::Error> {
    let mut headers = http::HeaderMap::new();
    inject(&mut headers);
    reqwest::blocking::Client::new()
        .get(url)
        .headers(headers)
        .send()?
        .text()
}

#[test]
fn the_server_span_is_a_child_of_the_client_span_and_baggage_arrives() {
    let capture = capture();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/users/7", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || server(listener));
    let body = traced::baggage::within([("tenant.id", "acme")], || get_user(&url)).unwrap();
    server.join().unwrap();
    assert_eq!(body, "acme");
    let spans = capture.finish();
    let (client, server) = (spans.named("get_user"), spans.named("GET /users/{id}"));
    assert!(server.is_child_of(client));
    assert!(server.data().parent_span_is_remote);
    assert_eq!(
        server.attr("tenant.id"),
        Some(&opentelemetry::Value::from("acme"))
    );
}
