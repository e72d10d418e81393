//! Carrying the trace and baggage across process boundaries, through the
//! propagators installed globally (W3C `traceparent`/`tracestate` and `baggage`
//! after `traced::init!()`).
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

#[cfg(feature = "http")]
mod http_headers {
    use super::{Extract, Inject};
    use opentelemetry::propagation::Injector;
    use opentelemetry_http::HeaderInjector;

    impl Inject for http::HeaderMap {
        fn set(&mut self, key: &str, value: String) {
            HeaderInjector(self).set(key, value);
        }
    }

    impl Extract for http::HeaderMap {
        fn get(&self, key: &str) -> Option<&str> {
            http::HeaderMap::get(self, key).and_then(|value| value.to_str().ok())
        }

        fn keys(&self) -> Vec<&str> {
            http::HeaderMap::keys(self)
                .map(http::HeaderName::as_str)
                .collect()
        }
    }
}

#[cfg(feature = "tonic")]
mod grpc_metadata {
    use super::{Extract, Inject};
    use tonic::metadata::{KeyAndValueRef, MetadataKey, MetadataMap, MetadataValue};

    impl Inject for MetadataMap {
        fn set(&mut self, key: &str, value: String) {
            if let (Ok(key), Ok(value)) = (
                MetadataKey::from_bytes(key.as_bytes()),
                MetadataValue::try_from(value),
            ) {
                self.insert(key, value);
            }
        }
    }

    impl Extract for MetadataMap {
        fn get(&self, key: &str) -> Option<&str> {
            MetadataMap::get(self, key).and_then(|v| v.to_str().ok())
        }

        fn keys(&self) -> Vec<&str> {
            self.iter()
                .filter_map(|entry| match entry {
                    KeyAndValueRef::Ascii(key, _) => Some(key.as_str()),
                    KeyAndValueRef::Binary(..) => None,
                })
                .collect()
        }
    }
}

#[cfg(feature = "amqp")]
mod amqp_headers {
    use super::{Extract, Inject};
    use amq_protocol_types::{AMQPValue, FieldTable, LongString, ShortString};

    impl Inject for FieldTable {
        fn set(&mut self, key: &str, value: String) {
            self.insert(
                ShortString::from(key),
                AMQPValue::LongString(LongString::from(value)),
            );
        }
    }

    impl Extract for FieldTable {
        fn get(&self, key: &str) -> Option<&str> {
            match self.inner().get(key)? {
                AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok(),
                AMQPValue::ShortString(s) => Some(s.as_str()),
                _ => None,
            }
        }

        fn keys(&self) -> Vec<&str> {
            self.inner().keys().map(ShortString::as_str).collect()
        }
    }
}
