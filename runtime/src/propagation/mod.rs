//! Carrying the trace and baggage across process boundaries, through the
//! propagators installed globally: after `traced_sdk::init!()`, this module's
//! [`TraceContextPropagator`] (W3C `traceparent` and `tracestate`) and
//! [`BaggagePropagator`] (W3C `baggage`).
//!
//! ```
//! use std::collections::HashMap;
//!
//! // The sending side, inside an instrumented call:
//! let mut headers = HashMap::new();
//! traced::propagation::inject(&mut headers);
//!
//! // The receiving side: the extracted context is a parent.
//! #[traced::traced(kind = server, skip(headers), parent = traced::propagation::extract(headers))]
//! fn handle(headers: &HashMap<String, String>) {}
//! handle(&headers);
//! ```

#[cfg(feature = "amqp")]
mod amqp_headers;
mod baggage_header;
#[cfg(feature = "tonic")]
mod grpc_metadata;
#[cfg(feature = "http")]
mod http_headers;
mod trace_context;
mod tracestate;

pub use baggage_header::BaggagePropagator;
pub use trace_context::TraceContextPropagator;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::Context;
use std::collections::HashMap;

/// Message headers the context can be written into.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a carrier traced can write the trace context into",
    label = "not a carrier",
    note = "for `http::HeaderMap` enable the `http` feature of `traced`: traced = {{ version = \"0.1\", features = [\"http\"] }}; for tonic's `MetadataMap` the `tonic` feature; for AMQP `FieldTable` the `amqp` feature; other carriers implement `traced::propagation::Inject`"
)]
pub trait Inject {
    /// Sets header `key` to `value`; an entry the carrier cannot hold is skipped.
    fn set(&mut self, key: &str, value: String);
}

/// Message headers the context can be read from. Header names are ASCII
/// case-insensitive.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a carrier traced can read the trace context from",
    label = "not a carrier",
    note = "for `http::HeaderMap` enable the `http` feature of `traced`: traced = {{ version = \"0.1\", features = [\"http\"] }}; for tonic's `MetadataMap` the `tonic` feature; for AMQP `FieldTable` the `amqp` feature; other carriers implement `traced::propagation::Extract`"
)]
pub trait Extract {
    /// The value of header `key` (the first, if it was sent more than once).
    fn get(&self, key: &str) -> Option<&str>;
    /// Every value of header `key`, in order, for a header sent more than once:
    /// `tracestate` and `baggage` lines are combined, two `traceparent`s are no
    /// parent. By default, the one value [`get`](Extract::get) reads.
    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        self.get(key).map(|value| vec![value])
    }
    /// Every header name.
    fn keys(&self) -> Vec<&str>;
}

/// Writes the current context (trace and baggage) into `carrier`.
pub fn inject(carrier: &mut impl Inject) {
    Context::map_current(|cx| inject_context(cx, carrier));
}

/// Writes `cx` into `carrier`.
pub fn inject_context(cx: &Context, carrier: &mut impl Inject) {
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(cx, &mut Injecting(carrier));
    });
}

/// Reads a context from `carrier`: the remote span as parent, and its baggage,
/// on top of the current context. With nothing to read, the current context.
pub fn extract(carrier: &impl Extract) -> Context {
    Context::map_current(|cx| {
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.extract_with_context(cx, &Extracting(carrier))
        })
    })
}

struct Injecting<'a, C: ?Sized>(&'a mut C);

impl<C: Inject + ?Sized> Injector for Injecting<'_, C> {
    fn set(&mut self, key: &str, value: String) {
        self.0.set(key, value);
    }
}

struct Extracting<'a, C: ?Sized>(&'a C);

impl<C: Extract + ?Sized> Extractor for Extracting<'_, C> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        self.0.get_all(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys()
    }
}

impl<S: std::hash::BuildHasher> Inject for HashMap<String, String, S> {
    fn set(&mut self, key: &str, value: String) {
        self.insert(key.to_ascii_lowercase(), value);
    }
}

impl<S: std::hash::BuildHasher> Extract for HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        HashMap::get(self, key)
            .or_else(|| find_ignoring_case(self.iter().map(|(k, v)| (k.as_str(), v)), key))
            .map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }
}

impl<T: Inject + ?Sized> Inject for &mut T {
    fn set(&mut self, key: &str, value: String) {
        (**self).set(key, value);
    }
}

impl<T: Extract + ?Sized> Extract for &T {
    fn get(&self, key: &str) -> Option<&str> {
        (**self).get(key)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        (**self).get_all(key)
    }

    fn keys(&self) -> Vec<&str> {
        (**self).keys()
    }
}

/// The value of the entry named `key` in `entries`, names compared ASCII
/// case-insensitively: the slow path, after a carrier's exact look-up failed.
fn find_ignoring_case<'a, V>(
    mut entries: impl Iterator<Item = (&'a str, V)>,
    key: &str,
) -> Option<V> {
    entries.find_map(|(name, value)| name.eq_ignore_ascii_case(key).then_some(value))
}

/// What a carrier hands over for a header value that is not UTF-8: U+FFFD, which
/// no W3C header accepts, so that the value invalidates its header (a second
/// `traceparent`, a bad `tracestate` line) rather than vanish.
#[cfg(any(feature = "http", feature = "tonic", feature = "amqp"))]
const NOT_TEXT: &str = "\u{FFFD}";
