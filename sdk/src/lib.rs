//! The application side of [`traced`]: what a program adds to export the spans its
//! `#[traced]` functions, and its libraries' ones, make.
//!
//! A library depends on `traced` alone and pays for none of this. An application
//! adds `traced-sdk` and sets tracing up once, at the start of `main`:
//!
//! ```no_run
//! let tracing = traced_sdk::init!();
//! // ... the application ...
//! drop(tracing); // flushes and shuts down, within the shutdown timeout
//! ```
//!
//! - [`init!`] and [`setup!`] install the OpenTelemetry SDK's tracer provider with
//!   the exporters (OTLP over gRPC or HTTP, or the console view), sampler and limits
//!   chosen in code and by the standard `OTEL_*` variables, the W3C propagators and
//!   the [panic hook](install_panic_hook). [`TracingGuard`] flushes and shuts down.
//! - The provider they install is known to `traced`, which then decides sampling
//!   itself and builds sampled spans on this crate's native pipeline: standard
//!   `SpanData` into the SDK's batch processors and any OpenTelemetry exporter.
//! - [`testing`] (feature `testing`) captures finished spans in memory, for tests.
//!
//! The project's README documents every setting and variable.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod console;
mod export;
mod native;
mod panic;
mod propagators;
mod sampling;
mod setup;
#[cfg(feature = "testing")]
pub mod testing;

pub use export::otlp::Protocol;
pub use export::ExporterKind;
pub use panic::install_panic_hook;
pub use propagators::install_w3c_propagators;
pub use sampling::SamplerKind;
pub use setup::{Setup, SharedOutput, TracingGuard};

/// Sets up tracing for this application and returns the guard that flushes and
/// shuts it down when dropped. The service is named after the calling package.
///
/// ```no_run
/// let tracing = traced_sdk::init!();
/// // ... the application ...
/// drop(tracing); // spans are flushed here
/// ```
#[macro_export]
macro_rules! init {
    () => {
        $crate::setup!().install()
    };
}

/// A [`Setup`] for the calling package (`service.name` and `service.version` from
/// its `Cargo.toml`), to configure in code before [`Setup::install`].
///
/// ```no_run
/// use traced_sdk::SamplerKind;
///
/// let _tracing = traced_sdk::setup!()
///     .sampler(SamplerKind::ParentBasedTraceIdRatio(0.1))
///     .install();
/// ```
#[macro_export]
macro_rules! setup {
    () => {
        $crate::Setup::new(
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
        )
    };
}

// The README's examples run as doctests here, where both crates are at hand.
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
