#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod console;
mod export;
mod logs;
pub mod metrics;
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
