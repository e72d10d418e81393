//! HTTP spans for [traced](https://docs.rs/traced), as the OpenTelemetry semantic
//! conventions for HTTP (semconv 1.42) describe them: one SERVER span per request a
//! service handles, one CLIENT span per request it sends, with the trace carried
//! across in W3C headers.
//!
//! Each request is also measured, sampled or not, into
//! `http.server.request.duration` and `http.client.request.duration` (see the
//! workspace README's *Metrics*).
//!
//! - Servers: [`ServerLayer`], a tower layer for axum, hyper and any tower-based
//!   server.
//! - Clients: [`ClientMiddleware`] for reqwest (through reqwest-middleware, feature
//!   `reqwest`), and [`ClientLayer`], a tower layer for hyper-util's client and
//!   other tower-based clients.
//!
//! Like every traced crate, it costs nothing when the application installs no
//! tracing: no span is started, no header is read.
//!
//! ```
//! use axum::{routing::get, Router};
//!
//! let app: Router = Router::new()
//!     .route("/users/{id}", get(|| async { "a user" }))
//!     .layer(traced_http::ServerLayer::new());
//! # drop(app);
//! ```

mod client;
mod conventions;
mod server;

#[cfg(feature = "reqwest")]
pub use client::ClientMiddleware;
pub use client::{ClientLayer, ClientOptions, ClientResponseFuture, ClientService};
pub use conventions::KNOWN_METHODS_VARIABLE;
pub use server::{RequestHead, ResponseBody, ResponseFuture, ServerLayer, ServerService};
