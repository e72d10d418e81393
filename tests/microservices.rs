//! The microservices demo end to end (`examples/microservices`), against the real
//! RabbitMQ and an SQLite database: each request the client sends is one trace
//! across the client, the gateway, the users service, the database and the
//! notifier, which processes the published event as the publish's child (and
//! linked to it), with the request's baggage. All as exported over OTLP to the
//! in-process receiver.

#[path = "../examples/microservices/events.rs"]
mod events;
#[path = "../examples/microservices/gateway.rs"]
mod gateway;
#[path = "../examples/microservices/store.rs"]
mod store;
#[path = "../examples/microservices/users.rs"]
mod users;

#[path = "../integrations/http/tests/support/mod.rs"]
mod support;

use opentelemetry::context::FutureExt as _;
use std::time::Duration;
use support::{ReceivedSpan, Value, one, receiver, trace_spans};
use traced::Instrument as _;
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode;

/// The one span named `name` of `kind`.
fn find<'a>(spans: &'a [ReceivedSpan], name: &str, kind: SpanKind) -> &'a ReceivedSpan {
    one(spans, &format!("{kind:?} span {name:?}"), |s| {
        s.name() == name && s.kind() == kind
    })
}

fn child_of(child: &ReceivedSpan, parent: &ReceivedSpan) -> bool {
    child.parent_span_id().as_deref() == Some(parent.span_id().as_str())
}

fn string(value: &str) -> Option<Value> {
    Some(Value::String(value.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_is_one_trace_across_five_services_down_to_the_notifier() {
    receiver();
    let store = store::Store::open("sqlite::memory:").await.unwrap();
    let amqp = std::env::var("AMQP_ADDR").unwrap_or_else(|_| "amqp://127.0.0.1:5672".to_owned());
    let events = events::Events::connect(&amqp)
        .await
        .unwrap_or_else(|why| panic!("{why}: `.ci/run` starts RabbitMQ, or set AMQP_ADDR"));
    let (processed, mut notified) = tokio::sync::mpsc::unbounded_channel();
    events
        .start_notifier(store.clone(), processed)
        .await
        .unwrap();
    let users = users::start(users::Directory::new(store.clone(), Some(events))).await;
    let gateway = gateway::start(users).await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(traced_http::ClientMiddleware::new())
        .build();

    let mut traces = Vec::new();
    for (user, email) in [
        (7, "ada@lovelace.example"),
        (8, "ada@lovelace.example"),
        (99, "nobody@example.com"),
    ] {
        let visit = traced::span("visit").start();
        let trace = visit.span_context().trace_id().to_string();
        let url = format!("http://{gateway}/users/{user}/email");
        let status = async {
            let baggage = traced::baggage::with([
                ("tenant.id", "acme".to_owned()),
                ("user.id", user.to_string()),
            ]);
            let sent = client.put(&url).body(email).send().with_context(baggage);
            sent.await.unwrap().status().as_u16()
        }
        .in_span(visit)
        .await;
        traces.push((trace, status));
    }
    let statuses: Vec<u16> = traces.iter().map(|(_, s)| *s).collect();
    assert_eq!(statuses, [200, 409, 404]);
    let notified = tokio::time::timeout(Duration::from_secs(10), notified.recv()).await;
    assert_eq!(
        notified.ok().flatten(),
        Some(7),
        "the notifier heard of user 7"
    );
    assert_eq!(store.notifications(7).await.unwrap(), 1);

    // The change that succeeded: client, gateway, users service, database,
    // broker, notifier.
    let changed = trace_spans(traces[0].0.clone(), 15).await;
    assert_eq!(
        changed.len(),
        15,
        "{:?}",
        changed.iter().map(ReceivedSpan::name).collect::<Vec<_>>()
    );
    let visit = find(&changed, "visit", SpanKind::Internal);
    let http_client = find(&changed, "PUT", SpanKind::Client);
    let http_server = find(&changed, "PUT /users/{id}/email", SpanKind::Server);
    let change = find(&changed, "change_email", SpanKind::Internal);
    let grpc_client = find(&changed, "users.v1.Users/UpdateEmail", SpanKind::Client);
    let grpc_server = find(&changed, "users.v1.Users/UpdateEmail", SpanKind::Server);
    let update = find(&changed, "update_email", SpanKind::Internal);
    let begin = find(&changed, "BEGIN", SpanKind::Client);
    let query = find(&changed, "UPDATE users", SpanKind::Client);
    let commit = find(&changed, "COMMIT", SpanKind::Client);
    let publish = find(&changed, "publish users:user.updated", SpanKind::Producer);
    let process = find(
        &changed,
        "process users:user.updated:notifier",
        SpanKind::Consumer,
    );
    let notify = find(&changed, "notify", SpanKind::Internal);
    let insert = find(&changed, "INSERT notifications", SpanKind::Client);
    let ack = find(
        &changed,
        "ack users:user.updated:notifier",
        SpanKind::Client,
    );
    assert!(child_of(http_client, visit));
    assert!(child_of(http_server, http_client));
    assert!(child_of(change, http_server));
    assert!(child_of(grpc_client, change));
    assert!(child_of(grpc_server, grpc_client));
    assert!(child_of(update, grpc_server));
    for span in [begin, query, commit, publish] {
        assert!(child_of(span, update), "{} under update_email", span.name());
    }
    assert!(child_of(process, publish));
    assert_eq!(process.links(), [(publish.trace_id(), publish.span_id())]);
    assert!(child_of(notify, process) && child_of(insert, notify) && child_of(ack, process));
    assert_eq!(query.attr("db.system.name"), string("sqlite"));
    assert_eq!(query.attr("db.response.returned_rows"), Some(Value::Int(1)));
    // The baggage set by the client, on the services' spans, the notifier's too.
    assert_eq!(change.attr("tenant.id"), string("acme"));
    assert_eq!(update.attr("tenant.id"), string("acme"));
    assert_eq!(update.attr("user.id"), string("7"));
    assert_eq!(
        notify.attr("tenant.id"),
        string("acme"),
        "the baggage arrived"
    );

    // The email another user has: the constraint fails in the database; ALREADY_EXISTS
    // is an error for the gRPC client only, 409 for the HTTP client only.
    let taken = trace_spans(traces[1].0.clone(), 9).await;
    let query = find(&taken, "UPDATE users", SpanKind::Client);
    assert_eq!(query.status_code(), StatusCode::Error);
    assert_eq!(query.attr("db.response.status_code"), string("2067"));
    assert_eq!(
        find(&taken, "users.v1.Users/UpdateEmail", SpanKind::Server).status_code(),
        StatusCode::Unset
    );
    assert_eq!(
        find(&taken, "users.v1.Users/UpdateEmail", SpanKind::Client)
            .attr("rpc.response.status_code"),
        string("ALREADY_EXISTS")
    );
    let http_server = find(&taken, "PUT /users/{id}/email", SpanKind::Server);
    assert_eq!(
        http_server.attr("http.response.status_code"),
        Some(Value::Int(409))
    );
    assert_eq!(http_server.status_code(), StatusCode::Unset);
    assert_eq!(
        find(&taken, "PUT", SpanKind::Client).status_code(),
        StatusCode::Error
    );
    assert!(
        !taken.iter().any(|s| s.kind() == SpanKind::Producer),
        "nothing published"
    );

    // A user that does not exist: the update changes no row, NOT_FOUND, 404.
    let missing = trace_spans(traces[2].0.clone(), 10).await;
    assert_eq!(
        find(&missing, "UPDATE users", SpanKind::Client).attr("db.response.returned_rows"),
        Some(Value::Int(0))
    );
    assert_eq!(
        find(&missing, "users.v1.Users/UpdateEmail", SpanKind::Server)
            .attr("rpc.response.status_code"),
        string("NOT_FOUND")
    );
    assert_eq!(
        find(&missing, "PUT /users/{id}/email", SpanKind::Server).attr("http.response.status_code"),
        Some(Value::Int(404))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_is_one_trace_from_the_client_to_the_database() {
    receiver();
    let store = store::Store::open("sqlite::memory:").await.unwrap();
    let users = users::start(users::Directory::new(store, None)).await;
    let gateway = gateway::start(users).await;
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(traced_http::ClientMiddleware::new())
        .build();
    let visit = traced::span("visit").start();
    let trace = visit.span_context().trace_id().to_string();
    let url = format!("http://{gateway}/users/7");
    let status = async { client.get(&url).send().await.unwrap().status().as_u16() }
        .in_span(visit)
        .await;
    assert_eq!(status, 200);
    let spans = trace_spans(trace, 8).await;
    let grpc_server = find(&spans, "users.v1.Users/GetUser", SpanKind::Server);
    let lookup = find(&spans, "get_user", SpanKind::Internal);
    let select = find(&spans, "SELECT users", SpanKind::Client);
    assert!(child_of(lookup, grpc_server) && child_of(select, lookup));
    // A `#[traced]` method of the service adds to the call's span.
    assert_eq!(grpc_server.attr("app.user.found"), Some(Value::Bool(true)));
    assert_eq!(
        find(&spans, "GET /users/{id}", SpanKind::Server).attr("http.route"),
        string("/users/{id}")
    );
}
