//! The gateway: an axum service behind `traced_http::ServerLayer` that asks the
//! users service over gRPC, through a channel behind `traced_tonic::ClientLayer`:
//! `GET /users/{id}` reads a user, `PUT /users/{id}/email` changes their email.

use crate::users::UsersClient;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use std::net::SocketAddr;
use tonic::transport::Channel;
use tower::ServiceBuilder;

type Users = UsersClient<traced_tonic::ClientService<Channel>>;

/// Serves the gateway on a free loopback port, calling the users service at
/// `users`.
pub async fn start(users: SocketAddr) -> SocketAddr {
    let target: http::Uri = format!("http://{users}").parse().expect("a loopback URI");
    let channel = ServiceBuilder::new()
        .layer(traced_tonic::ClientLayer::for_target(&target))
        .service(Channel::builder(target).connect_lazy());
    let app = Router::new()
        .route("/users/{id}", get(user))
        .route("/users/{id}/email", put(email))
        .with_state(UsersClient::new(channel))
        .layer(traced_http::ServerLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the gateway");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        {
            eprintln!("the gateway stopped: {error}");
        }
    });
    addr
}

async fn user(State(mut users): State<Users>, Path(id): Path<u64>) -> Result<String, StatusCode> {
    fetch_user(&mut users, id).await
}

/// Asks the users service; a user it does not know is a 404 here.
#[traced::traced(skip(users))]
async fn fetch_user(users: &mut Users, id: u64) -> Result<String, StatusCode> {
    match users.get_user(id).await {
        Ok(user) => Ok(format!("{} (user {})", user.name, user.id)),
        Err(status) if status.code() == tonic::Code::NotFound => Err(StatusCode::NOT_FOUND),
        Err(_) => Err(StatusCode::BAD_GATEWAY),
    }
}

async fn email(
    State(mut users): State<Users>,
    Path(id): Path<u64>,
    email: String,
) -> Result<String, StatusCode> {
    change_email(&mut users, id, email).await
}

/// Asks the users service to change the email: 404 for a user it does not know,
/// 409 for an email another user has.
#[traced::traced(skip(users, email), baggage(tenant.id))]
async fn change_email(users: &mut Users, id: u64, email: String) -> Result<String, StatusCode> {
    match users.update_email(id, email).await {
        Ok(user) => Ok(format!("{} <{}>", user.name, user.email)),
        Err(status) => Err(match status.code() {
            tonic::Code::NotFound => StatusCode::NOT_FOUND,
            tonic::Code::AlreadyExists => StatusCode::CONFLICT,
            _ => StatusCode::BAD_GATEWAY,
        }),
    }
}
