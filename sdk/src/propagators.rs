//! The propagators `traced::propagation` injects and extracts with.

use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use traced::propagation::{BaggagePropagator, TraceContextPropagator};

/// Installs the W3C trace context (`traceparent`, `tracestate`) and baggage
/// propagators globally, as `init!()` does by default (and `testing::capture` too):
/// `traced`'s own, which follow Trace Context Level 2 and W3C Baggage exactly.
///
/// ```
/// traced_sdk::install_w3c_propagators();
/// ```
pub fn install_w3c_propagators() {
    install(None);
}

/// Installs the propagators named by `OTEL_PROPAGATORS` (already checked), or the
/// W3C ones.
pub(crate) fn install(names: Option<Vec<String>>) {
    let names = names.unwrap_or_else(|| vec!["tracecontext".to_owned(), "baggage".to_owned()]);
    let mut propagators: Vec<Box<dyn TextMapPropagator + Send + Sync>> = Vec::new();
    for name in names {
        match name.as_str() {
            "tracecontext" => propagators.push(Box::new(TraceContextPropagator::new())),
            "baggage" => propagators.push(Box::new(BaggagePropagator::new())),
            _ => {}
        }
    }
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(propagators));
}
