//! traced and the `tracing` ecosystem.
//!
//! [`EventsLayer`] is a `tracing_subscriber` layer that turns `tracing` events
//! (`info!`, `error!`, ...) into events of the current OpenTelemetry span: the
//! span of the `#[traced]` function (or any span made current) they happen in,
//! whether or not a `tracing` span is open.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt as _;
//!
//! let subscriber = tracing_subscriber::registry().with(traced_tracing::EventsLayer::new());
//! let _guard = tracing_core::dispatcher::set_default(&subscriber.into());
//! ```
//!
//! Each event becomes a span event named by its message (`event` when it has
//! none), with the attributes `level` (`ERROR`, `WARN`, `INFO`, `DEBUG`,
//! `TRACE`), `target`, `code.file.path` and `code.line.number` where the event
//! tells them, and each of its fields with its type: integers as integers
//! (an unsigned one above `i64::MAX` as text), floats, booleans and strings as
//! themselves, anything else through `Debug`, an error through `Display` (as
//! `exception.message` for a field named `error`). Strings are cut to the value
//! length limit, as every value traced records. An event in a span that is not
//! sampled, or with no span current, costs one check and records nothing.
//!
//! **Beside tracing-opentelemetry.** tracing-opentelemetry records the events
//! that happen inside `tracing` spans on their own OpenTelemetry spans. Add this
//! layer with [`EventsLayer::beside_tracing_opentelemetry`] there: it then leaves
//! those events to tracing-opentelemetry and records only the ones outside every
//! `tracing` span, which tracing-opentelemetry drops. No event is recorded twice.
//!
//! **Without tracing-opentelemetry.** [`SpansLayer`] is a light bridge of its
//! own: every `tracing` span becomes an OpenTelemetry span made by traced,
//! current while it is entered, so `#[instrument]` and `#[traced]` spans nest
//! in one trace either way round.
//!
//! **Log lines carry their trace.** [`WithTraceIds`] wraps a
//! `tracing_subscriber::fmt` format (text or JSON) so that every line has the
//! current span's `trace_id` and `span_id`; [`LogWithTraceIds`] (the `log`
//! feature) does the same for a `log` logger.
//!
//! **Errors fail the span, if asked.** With [`EventsLayer::errors_fail_span`], an
//! `error!` event that carries an error value (a field recorded as an error, such
//! as `error!(error = &e as &dyn std::error::Error, "...")`) sets the span's
//! status to Error, described by the error.
//!
//! # OpenTelemetry logs
//!
//! [`LogsLayer`] exports every `tracing` event as an OpenTelemetry log record,
//! through the logger provider `traced_sdk::init!()` installs (`OTEL_LOGS_EXPORTER`:
//! OTLP to the collector, or a line on the console). A record carries the trace and
//! span id of the span current when the event happened (a `#[traced]` span, or an
//! `#[instrument]` span through tracing-opentelemetry or [`SpansLayer`]), so a
//! backend shows the logs of a trace beside it. The record's severity comes from
//! the level (`ERROR` 17, `WARN` 13, `INFO` 9, `DEBUG` 5, `TRACE` 1), its body is
//! the message, its instrumentation scope the event's target, and its attributes
//! `code.file.path`, `code.line.number` and the fields, typed as above. With no
//! logger provider installed, an event costs one check. Events of the telemetry
//! pipeline itself are left out, since exporting them would make more: targets
//! starting with `opentelemetry` (the SDK's own diagnostics), and whatever is said
//! on the export threads (the SDK's, and traced-sdk's `traced-export-*` and
//! `traced-otlp-*` threads, where reqwest, hyper, h2 and tonic log).
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt as _;
//!
//! let subscriber = tracing_subscriber::registry()
//!     .with(traced_tracing::EventsLayer::new()) // events on their span, too
//!     .with(traced_tracing::LogsLayer::new());
//! let _guard = tracing_core::dispatcher::set_default(&subscriber.into());
//! ```

mod event;
mod ids;
#[cfg(feature = "log")]
mod log_ids;
mod logs;
mod spans;

pub use event::EventsLayer;
pub use ids::WithTraceIds;
#[cfg(feature = "log")]
pub use log_ids::LogWithTraceIds;
pub use logs::LogsLayer;
pub use spans::SpansLayer;
