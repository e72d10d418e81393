//! `http.server.request.duration` and `http.client.request.duration`, from an
//! axum service behind `ServerLayer` called by reqwest through
//! `ClientMiddleware` on loopback, with no tracer provider at all: metrics are
//! recorded whether or not anything is traced.

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use std::time::Duration;
use traced::otel::Value;
use traced_http::{ClientMiddleware, ServerLayer};
use traced_sdk::testing::{self, MetricPoint, PointValue};

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(120)).await;
    "slow"
}

fn named<'a>(points: &'a [MetricPoint], name: &str) -> Vec<&'a MetricPoint> {
    points.iter().filter(|p| p.name == name).collect()
}

fn with<'a>(points: &[&'a MetricPoint], key: &str, value: &str) -> Vec<&'a MetricPoint> {
    points
        .iter()
        .copied()
        .filter(|p| p.attr_str(key).as_deref() == Some(value))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_measure_every_request_with_the_conventions_attributes() {
    let metrics = testing::metrics();
    let api = Router::new()
        .route("/users/{id}", get(|| async { "user" }))
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/slow", get(slow));
    let app = Router::new()
        .nest("/api", api)
        .route("/health", get(|| async { "ok" }))
        .layer(ServerLayer::new().filter(|head| head.uri.path() != "/health"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build();
    for path in [
        "/api/users/1",
        "/api/users/2",
        "/api/fail",
        "/api/missing",
        "/api/slow",
        "/health",
    ] {
        let response = client
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        let _ = response.bytes().await.unwrap();
    }
    // The server records once its response body is sent: after the client read it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let points = metrics.finish();

    let server = named(&points, "http.server.request.duration");
    assert!(server
        .iter()
        .all(|p| p.unit == "s" && p.scope == "traced-http"));
    let users = with(&server, "http.route", "/api/users/{id}");
    assert_eq!(users.len(), 1, "{server:#?}");
    let users = users[0];
    assert_eq!(users.count(), 2);
    assert_eq!(users.attr("http.request.method"), Some(&Value::from("GET")));
    assert_eq!(users.attr("url.scheme"), Some(&Value::from("http")));
    assert_eq!(
        users.attr("network.protocol.version"),
        Some(&Value::from("1.1"))
    );
    assert_eq!(
        users.attr("http.response.status_code"),
        Some(&Value::I64(200))
    );
    assert_eq!(users.attr("error.type"), None);
    let PointValue::Histogram { bounds, .. } = &users.value else {
        panic!("not a histogram")
    };
    assert_eq!(bounds, traced::metrics::DURATION_BUCKETS);
    let fail = with(&server, "http.route", "/api/fail")[0];
    assert_eq!(fail.attr("error.type"), Some(&Value::from("500")));
    // A 4xx is not a server error.
    let missing = with(&server, "http.route", "/api/missing")[0];
    assert_eq!(
        missing.attr("http.response.status_code"),
        Some(&Value::I64(404))
    );
    assert_eq!(missing.attr("error.type"), None);
    let slow = with(&server, "http.route", "/api/slow")[0];
    let PointValue::Histogram { min, .. } = slow.value else {
        panic!("not a histogram")
    };
    assert!(min.unwrap() >= 0.12, "{slow:?}");
    // The filtered route is not measured on the server.
    assert!(server
        .iter()
        .all(|p| p.attr_str("http.route").as_deref() != Some("/health")));
    assert_eq!(server.iter().map(|p| p.count()).sum::<u64>(), 5);

    let client = named(&points, "http.client.request.duration");
    assert_eq!(client.iter().map(|p| p.count()).sum::<u64>(), 6);
    let ok = with(&client, "http.response.status_code", "200");
    assert_eq!(ok.len(), 1, "{client:#?}");
    assert_eq!(ok[0].count(), 4);
    assert_eq!(
        ok[0].attr("server.address"),
        Some(&Value::from("127.0.0.1"))
    );
    assert_eq!(
        ok[0].attr("server.port"),
        Some(&Value::I64(i64::from(addr.port())))
    );
    assert_eq!(ok[0].attr("http.request.method"), Some(&Value::from("GET")));
    // On the client, 4xx and 5xx both fail the request.
    assert_eq!(with(&client, "error.type", "500").len(), 1);
    assert_eq!(with(&client, "error.type", "404").len(), 1);
}
