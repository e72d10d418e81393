//! The microservices demo: a client calls a gateway (axum, traced-http) that asks
//! a users service (tonic, traced-tonic) over gRPC, all in this process on
//! loopback ports.
//!
//! ```text
//! cargo run --example microservices
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run --example microservices
//! ```
//!
//! Three requests: one finds a user, one asks for a user that does not exist (the
//! users service answers NOT_FOUND, the gateway 404), one hits a route that does
//! not exist. With no collector configured, each is drawn in the terminal as one
//! tree spanning the client, the gateway and the users service; with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, the same traces go to Jaeger, Tempo or a
//! Collector.

mod gateway;
mod users;

use reqwest_middleware::ClientWithMiddleware;

/// One visit of the client: the request sent, and the gateway's answer.
#[traced::traced(skip(client))]
async fn visit(client: &ClientWithMiddleware, url: &str) -> u16 {
    match client.get(url).send().await {
        Ok(response) => response.status().as_u16(),
        Err(error) => {
            eprintln!("{url}: {error}");
            0
        }
    }
}

#[tokio::main]
async fn main() {
    let tracing = traced_sdk::init!();
    let users = users::start().await;
    let gateway = gateway::start(users).await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(traced_http::ClientMiddleware::new())
        .build();
    for path in ["/users/7", "/users/99", "/nowhere"] {
        let status = visit(&client, &format!("http://{gateway}{path}")).await;
        println!("GET {path} → {status}");
    }
    // Draws (or exports) every trace, then stops.
    drop(tracing);
}
