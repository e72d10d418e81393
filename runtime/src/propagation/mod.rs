//! Carrying the trace and baggage across process boundaries, through the
//! propagators installed globally (W3C `traceparent`/`tracestate` and `baggage`
//! after `traced_sdk::init!()`).
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
#[cfg(feature = "tonic")]
mod grpc_metadata;
#[cfg(feature = "http")]
mod http_headers;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::Context;
use std::collections::HashMap;

/// Message headers the context can be written into.
pub trait Inject {
    /// Sets header `key` to `value`; an entry the carrier cannot hold is skipped.
    fn set(&mut self, key: &str, value: String);
}

/// Message headers the context can be read from.
pub trait Extract {
    /// The value of header `key`.
    fn get(&self, key: &str) -> Option<&str>;
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
            .or_else(|| HashMap::get(self, &key.to_ascii_lowercase()))
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

    fn keys(&self) -> Vec<&str> {
        (**self).keys()
    }
}
