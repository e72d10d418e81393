//! Baggage: key-value pairs that travel with the trace to every service it
//! reaches (W3C `baggage` header), such as a tenant or user id.
//!
//! ```
//! #[traced::traced(baggage(tenant.id))]
//! fn handle() -> Option<String> {
//!     traced::baggage::get("tenant.id")
//! }
//!
//! let tenant = traced::baggage::within([("tenant.id", "acme")], handle);
//! assert_eq!(tenant.as_deref(), Some("acme"));
//! ```

use opentelemetry::baggage::BaggageExt;
use opentelemetry::{Context, KeyValue};

/// Runs `f` with `entries` added to the current baggage.
pub fn within<R, K, V>(entries: impl IntoIterator<Item = (K, V)>, f: impl FnOnce() -> R) -> R
where
    K: Into<opentelemetry::Key>,
    V: Into<opentelemetry::Value>,
{
    let _attached = with(entries).attach();
    f()
}

/// The current context with `entries` added to its baggage: attach it, or give it
/// to a future with `opentelemetry::context::FutureExt::with_context`.
pub fn with<K, V>(entries: impl IntoIterator<Item = (K, V)>) -> Context
where
    K: Into<opentelemetry::Key>,
    V: Into<opentelemetry::Value>,
{
    let entries: Vec<KeyValue> = entries
        .into_iter()
        .map(|(k, v)| KeyValue::new(k, v))
        .collect();
    Context::map_current(|cx| cx.with_baggage(entries))
}

/// The value of baggage entry `key` in the current context.
#[must_use]
pub fn get(key: &str) -> Option<String> {
    Context::map_current(|cx| cx.baggage().get(key).map(ToString::to_string))
}
