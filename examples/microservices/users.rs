//! The users service: gRPC `users.v1.Users` on tonic, behind
//! `traced_tonic::ServerLayer`. It reads and changes users in the database
//! (traced-sqlx), and publishes a `user.updated` event to RabbitMQ (traced-lapin)
//! for every change.
//!
//! The messages are prost messages declared in Rust, and the service glue is what
//! tonic's code generator writes for two unary methods, written out: the demo
//! builds with nothing installed (no `protoc`). The `.proto` it stands for:
//!
//! ```proto
//! syntax = "proto3";
//! package users.v1;
//! service Users {
//!   rpc GetUser(GetUserRequest) returns (User);
//!   rpc UpdateEmail(UpdateEmailRequest) returns (User);
//! }
//! message GetUserRequest { uint64 id = 1; }
//! message UpdateEmailRequest { uint64 id = 1; string email = 2; }
//! message User { uint64 id = 1; string name = 2; string email = 3; }
//! ```

use crate::events::Events;
use crate::store::{Refused, Store, UserRow};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::{Request, Response, Status};

/// The full names of the methods, as the paths of their calls.
pub const GET_USER: &str = "/users.v1.Users/GetUser";
pub const UPDATE_EMAIL: &str = "/users.v1.Users/UpdateEmail";

#[derive(Clone, PartialEq, prost::Message)]
pub struct GetUserRequest {
    #[prost(uint64, tag = "1")]
    pub id: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct UpdateEmailRequest {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub email: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct User {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub email: String,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: u64::try_from(row.id).unwrap_or_default(),
            name: row.name,
            email: row.email,
        }
    }
}

/// What the service works with: the database, and the broker when there is one.
#[derive(Debug)]
pub struct Directory {
    store: Store,
    events: Option<Events>,
}

impl Directory {
    pub fn new(store: Store, events: Option<Events>) -> Self {
        Directory { store, events }
    }

    /// `GetUser`: a span of its own, a child of the call's.
    #[traced::traced]
    async fn get_user(&self, id: u64) -> Result<User, Status> {
        let id = i64::try_from(id).map_err(|_| Status::invalid_argument("id"))?;
        match self.store.user(id).await {
            Ok(Some(user)) => {
                traced::current_server_span().set_attribute("app.user.found", true);
                Ok(user.into())
            }
            Ok(None) => Err(Status::not_found(format!("no user {id}"))),
            Err(error) => Err(Status::internal(error.to_string())),
        }
    }

    /// `UpdateEmail`: changes the email in the database, then publishes
    /// `user.updated`. The tenant and user the request carried as baggage are
    /// recorded on its span.
    #[traced::traced(skip(email), baggage(tenant.id, user.id))]
    async fn update_email(&self, id: u64, email: String) -> Result<User, Status> {
        let id = i64::try_from(id).map_err(|_| Status::invalid_argument("id"))?;
        let user = match self.store.change_email(id, &email).await {
            Ok(user) => user,
            Err(Refused::NoSuchUser) => {
                tracing::warn!(user.id = id, "no such user");
                return Err(Status::not_found(format!("no user {id}")));
            }
            Err(Refused::EmailTaken) => {
                tracing::warn!(user.id = id, "the email belongs to another user");
                return Err(Status::already_exists("the email belongs to another user"));
            }
            Err(Refused::Failed(error)) => return Err(Status::internal(error.to_string())),
        };
        tracing::info!(user.id = id, "email changed");
        if let Some(events) = &self.events
            && let Err(error) = events.user_updated(user.id, &user.email).await
        {
            tracing::error!(%error, "user.updated not published");
        }
        Ok(user.into())
    }
}

/// The service as tonic serves it.
#[derive(Debug, Clone)]
pub struct UsersServer(Arc<Directory>);

impl tonic::server::NamedService for UsersServer {
    const NAME: &'static str = "users.v1.Users";
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

struct GetUser(Arc<Directory>);

impl tonic::server::UnaryService<GetUserRequest> for GetUser {
    type Response = User;
    type Future = BoxFuture<Result<Response<User>, Status>>;

    fn call(&mut self, request: Request<GetUserRequest>) -> Self::Future {
        let directory = Arc::clone(&self.0);
        Box::pin(async move {
            let id = request.into_inner().id;
            directory.get_user(id).await.map(Response::new)
        })
    }
}

struct UpdateEmail(Arc<Directory>);

impl tonic::server::UnaryService<UpdateEmailRequest> for UpdateEmail {
    type Response = User;
    type Future = BoxFuture<Result<Response<User>, Status>>;

    fn call(&mut self, request: Request<UpdateEmailRequest>) -> Self::Future {
        let directory = Arc::clone(&self.0);
        Box::pin(async move {
            let UpdateEmailRequest { id, email } = request.into_inner();
            directory.update_email(id, email).await.map(Response::new)
        })
    }
}

impl<B> tower::Service<http::Request<B>> for UsersServer
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let directory = Arc::clone(&self.0);
        match request.uri().path() {
            GET_USER => {
                Box::pin(async move { Ok(grpc().unary(GetUser(directory), request).await) })
            }
            UPDATE_EMAIL => {
                Box::pin(async move { Ok(grpc().unary(UpdateEmail(directory), request).await) })
            }
            _ => Box::pin(async { Ok(Status::unimplemented("no such method").into_http()) }),
        }
    }
}

/// The server side of a call, with the prost codec for its messages.
fn grpc<T, U>() -> tonic::server::Grpc<tonic_prost::ProstCodec<T, U>>
where
    T: prost::Message + Send + 'static,
    U: prost::Message + Default + Send + 'static,
{
    tonic::server::Grpc::new(tonic_prost::ProstCodec::default())
}

/// Serves the users service on a free loopback port, traced.
pub async fn start(directory: Directory) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the users service");
    let addr = listener.local_addr().expect("its address");
    let server = tonic::transport::Server::builder()
        .layer(traced_tonic::ServerLayer::new())
        .add_service(UsersServer(Arc::new(directory)));
    tokio::spawn(async move {
        if let Err(error) = server
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
        {
            eprintln!("the users service stopped: {error}");
        }
    });
    addr
}

/// A client of the users service over `channel`.
#[derive(Debug, Clone)]
pub struct UsersClient<C> {
    grpc: tonic::client::Grpc<C>,
}

impl<C> UsersClient<C>
where
    C: tonic::client::GrpcService<tonic::body::Body>,
    C::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    C::ResponseBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <C::ResponseBody as http_body::Body>::Error:
        Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    pub fn new(channel: C) -> Self {
        UsersClient {
            grpc: tonic::client::Grpc::new(channel),
        }
    }

    pub async fn get_user(&mut self, id: u64) -> Result<User, Status> {
        self.call(GET_USER, GetUserRequest { id }).await
    }

    pub async fn update_email(&mut self, id: u64, email: String) -> Result<User, Status> {
        self.call(UPDATE_EMAIL, UpdateEmailRequest { id, email })
            .await
    }

    async fn call<M>(&mut self, path: &'static str, message: M) -> Result<User, Status>
    where
        M: prost::Message + Send + Sync + 'static,
    {
        self.grpc
            .ready()
            .await
            .map_err(|e| Status::unavailable(format!("users service: {}", e.into())))?;
        let path = http::uri::PathAndQuery::from_static(path);
        self.grpc
            .unary(
                Request::new(message),
                path,
                tonic_prost::ProstCodec::default(),
            )
            .await
            .map(Response::into_inner)
    }
}
