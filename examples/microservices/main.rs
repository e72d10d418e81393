//! The microservices demo: a client calls a gateway (axum, traced-http), which
//! asks a users service (tonic, traced-tonic) over gRPC; the users service keeps
//! users in a database (sqlx, traced-sqlx) and publishes a `user.updated` event to
//! RabbitMQ (lapin, traced-lapin), which a notifier consumes and records in the
//! database. All of it runs in this process, on loopback ports.
//!
//! ```text
//! cargo run --example microservices
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run --example microservices
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run --example microservices
//! ```
//!
//! The database is SQLite in memory unless `DATABASE_URL` names a PostgreSQL one.
//! RabbitMQ is used at `AMQP_ADDR` (by default `amqp://127.0.0.1:5672`); when none
//! answers, the demo says so and runs without events.
//!
//! Three requests change a user's email, with the tenant and the user as baggage:
//! one succeeds (and the notifier hears of it), one fails in the database (the
//! email is another user's: a unique constraint, gRPC ALREADY_EXISTS, HTTP 409),
//! one names a user that does not exist (NOT_FOUND, 404). With no collector
//! configured, each request is drawn in the terminal as one tree from the client
//! down to the database, the broker and the notifier; with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, the same traces go to Jaeger, Tempo or a
//! Collector.

mod events;
mod gateway;
mod store;
mod users;

use opentelemetry::context::FutureExt as _;
use reqwest_middleware::ClientWithMiddleware;
use std::time::Duration;

/// One visit of the client: the request sent, with the tenant and the user as
/// baggage, and the gateway's answer.
#[traced::traced(skip(client, url, body))]
async fn visit(client: &ClientWithMiddleware, url: &str, user: u64, body: &str) -> u16 {
    let baggage = traced::baggage::with([
        ("tenant.id", "acme".to_owned()),
        ("user.id", user.to_string()),
    ]);
    let sent = client
        .put(url)
        .body(body.to_owned())
        .send()
        .with_context(baggage)
        .await;
    match sent {
        Ok(response) => response.status().as_u16(),
        Err(error) => {
            eprintln!("{url}: {error}");
            0
        }
    }
}

/// The services' log lines (`tracing` events): on standard output with the trace
/// and span ids of the span they happen in, as events of that span in the trace,
/// and as OpenTelemetry log records (to the collector beside the traces).
fn log_lines() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let lines = tracing_subscriber::fmt::layer()
        .event_format(traced_tracing::WithTraceIds::new(
            tracing_subscriber::fmt::format()
                .without_time()
                .with_target(false),
        ))
        .with_ansi(false);
    // The demo's own lines from INFO, the libraries' from WARN.
    let levels = tracing_subscriber::filter::Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("microservices", tracing::Level::INFO);
    let subscriber = tracing_subscriber::registry()
        .with(levels)
        .with(lines)
        .with(traced_tracing::EventsLayer::new())
        .with(traced_tracing::LogsLayer::new());
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        eprintln!("a tracing subscriber is already installed: the log lines go to it");
    }
}

#[tokio::main]
async fn main() {
    let tracing = traced_sdk::init!();
    log_lines();
    let database = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    let store = match store::Store::open(&database).await {
        Ok(store) => store,
        Err(error) => {
            eprintln!("the database at {database} cannot be used: {error}");
            std::process::exit(1);
        }
    };
    let amqp = std::env::var("AMQP_ADDR").unwrap_or_else(|_| "amqp://127.0.0.1:5672".to_owned());
    let (processed, mut notified) = tokio::sync::mpsc::unbounded_channel();
    let events = match events::Events::connect(&amqp).await {
        Ok(events) => match events.start_notifier(store.clone(), processed).await {
            Ok(()) => Some(events),
            Err(error) => {
                println!("RabbitMQ at {amqp}: no notifier ({error}); running without events");
                None
            }
        },
        Err(why) => {
            println!("{why}: running without events");
            None
        }
    };
    let with_events = events.is_some();
    let users = users::start(users::Directory::new(store.clone(), events)).await;
    let gateway = gateway::start(users).await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(traced_http::ClientMiddleware::new())
        .build();
    for (user, email) in [
        (7, "ada@lovelace.example"),
        (8, "ada@lovelace.example"),
        (99, "nobody@example.com"),
    ] {
        let path = format!("/users/{user}/email");
        let status = visit(&client, &format!("http://{gateway}{path}"), user, email).await;
        println!("PUT {path} {email} → {status}");
    }
    if with_events {
        // The one change that succeeded reaches the notifier.
        if let Ok(Some(user)) = tokio::time::timeout(Duration::from_secs(5), notified.recv()).await
        {
            let count = store.notifications(user).await.unwrap_or_default();
            println!("notifier: {count} notification(s) recorded for user {user}");
        }
    }
    // Draws (or exports) every trace, then stops.
    drop(tracing);
}
