//! `rpc.server.call.duration` and `rpc.client.call.duration` from the standard
//! health service behind `ServerLayer`, called through `ClientLayer` on
//! loopback, with no tracer provider: every call is measured.

use std::time::Duration;
use tonic::transport::{Channel, Server};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::ServingStatus;
use tower::ServiceBuilder;
use traced::otel::Value;
use traced_sdk::testing::{self, MetricPoint};
use traced_tonic::{ClientLayer, ServerLayer};

fn named<'a>(points: &'a [MetricPoint], name: &str) -> Vec<&'a MetricPoint> {
    points.iter().filter(|p| p.name == name).collect()
}

fn status<'a>(points: &[&'a MetricPoint], code: &str) -> &'a MetricPoint {
    let found: Vec<_> = points
        .iter()
        .copied()
        .filter(|p| p.attr_str("rpc.response.status_code").as_deref() == Some(code))
        .collect();
    assert_eq!(found.len(), 1, "{code} in {points:#?}");
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_measure_every_call_with_its_status() {
    let metrics = testing::metrics();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("users", ServingStatus::Serving)
        .await;
    tokio::spawn(async move {
        let _reporter = reporter;
        Server::builder()
            .layer(ServerLayer::new())
            .add_service(health)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    let target: http::Uri = format!("http://{addr}").parse().unwrap();
    let channel = Channel::builder(target.clone()).connect_lazy();
    let mut client = HealthClient::new(
        ServiceBuilder::new()
            .layer(ClientLayer::for_target(&target))
            .service(channel),
    );
    for service in ["users", "users", "missing"] {
        let request = HealthCheckRequest {
            service: service.to_owned(),
        };
        let _ = client.check(request).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let points = metrics.finish();

    let method = Value::from("grpc.health.v1.Health/Check");
    let server = named(&points, "rpc.server.call.duration");
    let ok = status(&server, "OK");
    assert_eq!(ok.count(), 2);
    assert_eq!(ok.unit, "s");
    assert_eq!(ok.attr("rpc.system.name"), Some(&Value::from("grpc")));
    assert_eq!(ok.attr("rpc.method"), Some(&method));
    assert_eq!(ok.attr("error.type"), None);
    // Opt-in on the server: left out.
    assert_eq!(ok.attr("server.address"), None);
    // NOT_FOUND is not an error of the server.
    let missing = status(&server, "NOT_FOUND");
    assert_eq!(missing.attr("error.type"), None);

    let client = named(&points, "rpc.client.call.duration");
    let ok = status(&client, "OK");
    assert_eq!(ok.count(), 2);
    assert_eq!(ok.attr("rpc.method"), Some(&method));
    assert_eq!(ok.attr("server.address"), Some(&Value::from("127.0.0.1")));
    assert_eq!(
        ok.attr("server.port"),
        Some(&Value::I64(i64::from(addr.port())))
    );
    // On the client it is.
    let missing = status(&client, "NOT_FOUND");
    assert_eq!(missing.attr("error.type"), Some(&Value::from("NOT_FOUND")));
}
