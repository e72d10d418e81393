//! gRPC spans for [traced](https://docs.rs/traced), as the OpenTelemetry semantic
//! conventions for RPC (semconv 1.42) describe them: one SERVER span per call a
//! tonic server handles ([`ServerLayer`]), one CLIENT span per call made through a
//! channel ([`ClientLayer`]), with the trace carried across in the calls' metadata
//! (W3C `traceparent`, `tracestate`, `baggage`).
//!
//! Each call is also measured, sampled or not, into `rpc.server.call.duration`
//! and `rpc.client.call.duration` (see the workspace README's *Metrics*).
//!
//! Both are tower layers on HTTP types, so they fit tonic's `Server::layer` and
//! any channel; like every traced crate, they cost nothing when the application
//! installs no tracing.

mod call;
mod client;
mod conventions;
mod server;

pub use call::{CallBody, CallFuture};
pub use client::{ClientLayer, ClientService};
pub use conventions::STABILITY_OPT_IN_VARIABLE;
pub use server::{ServerLayer, ServerService};
