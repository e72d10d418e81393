//! The users service: gRPC `users.v1.Users/GetUser` on tonic, behind
//! `traced_tonic::ServerLayer`.
//!
//! The messages are prost messages declared in Rust, and the service glue is what
//! tonic's code generator writes for one unary method, written out: the demo
//! builds with nothing installed (no `protoc`). The `.proto` it stands for:
//!
//! ```proto
//! syntax = "proto3";
//! package users.v1;
//! service Users { rpc GetUser(GetUserRequest) returns (User); }
//! message GetUserRequest { uint64 id = 1; }
//! message User { uint64 id = 1; string name = 2; }
//! ```

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::{Request, Response, Status};

/// The full name of the method, as the path of its calls.
pub const GET_USER: &str = "/users.v1.Users/GetUser";

#[derive(Clone, PartialEq, prost::Message)]
pub struct GetUserRequest {
    #[prost(uint64, tag = "1")]
    pub id: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct User {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub name: String,
}

/// The users the service knows.
#[derive(Debug)]
pub struct Directory {
    users: HashMap<u64, String>,
}

impl Directory {
    pub fn sample() -> Self {
        Directory {
            users: HashMap::from([
                (7, "Ada Lovelace".to_owned()),
                (8, "Alan Turing".to_owned()),
            ]),
        }
    }

    /// The method's implementation: a span of its own, a child of the call's.
    #[traced::traced]
    async fn get_user(&self, id: u64) -> Result<User, Status> {
        match self.users.get(&id) {
            Some(name) => {
                traced::current_server_span().set_attribute("app.user.found", true);
                Ok(User {
                    id,
                    name: name.clone(),
                })
            }
            None => Err(Status::not_found(format!("no user {id}"))),
        }
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
        if request.uri().path() != GET_USER {
            return Box::pin(async { Ok(Status::unimplemented("no such method").into_http()) });
        }
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::default());
            Ok(grpc.unary(GetUser(directory), request).await)
        })
    }
}

/// Serves the users service on a free loopback port, traced.
pub async fn start() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the users service");
    let addr = listener.local_addr().expect("its address");
    let server = tonic::transport::Server::builder()
        .layer(traced_tonic::ServerLayer::new())
        .add_service(UsersServer(Arc::new(Directory::sample())));
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
        self.grpc
            .ready()
            .await
            .map_err(|e| Status::unavailable(format!("users service: {}", e.into())))?;
        let path = http::uri::PathAndQuery::from_static(GET_USER);
        self.grpc
            .unary(
                Request::new(GetUserRequest { id }),
                path,
                tonic_prost::ProstCodec::default(),
            )
            .await
            .map(Response::into_inner)
    }
}
