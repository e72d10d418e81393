//! `http::HeaderMap` as a carrier: hyper, axum, reqwest.

use super::{Extract, Inject, NOT_TEXT};
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::Injector;
use opentelemetry_http::HeaderInjector;

/// The headers traced's propagators read and write, parsed once: a lookup by one
/// of them skips parsing the name on every request.
static KNOWN: [HeaderName; 3] = [
    HeaderName::from_static("traceparent"),
    HeaderName::from_static("tracestate"),
    HeaderName::from_static("baggage"),
];

fn known(key: &str) -> Option<&'static HeaderName> {
    // Told apart by length (11, 10, 7) before one comparison.
    let name = match key.len() {
        11 => &KNOWN[0],
        10 => &KNOWN[1],
        7 => &KNOWN[2],
        _ => return None,
    };
    (name.as_str() == key).then_some(name)
}

impl Inject for HeaderMap {
    fn set(&mut self, key: &str, value: String) {
        match (known(key), HeaderValue::from_str(&value)) {
            (Some(name), Ok(value)) => {
                self.insert(name.clone(), value);
            }
            _ => HeaderInjector(self).set(key, value),
        }
    }
}

impl Extract for HeaderMap {
    fn get(&self, key: &str) -> Option<&str> {
        match known(key) {
            Some(name) => HeaderMap::get(self, name),
            None => HeaderMap::get(self, key),
        }
        .map(text)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let mut values = match known(key) {
            Some(name) => HeaderMap::get_all(self, name),
            None => HeaderMap::get_all(self, key),
        }
        .iter();
        // Nothing allocated for a header that is not there.
        let first = values.next()?;
        let mut all = vec![text(first)];
        all.extend(values.map(text));
        Some(all)
    }

    fn keys(&self) -> Vec<&str> {
        HeaderMap::keys(self)
            .map(http::HeaderName::as_str)
            .collect()
    }
}

fn text(value: &HeaderValue) -> &str {
    std::str::from_utf8(value.as_bytes()).unwrap_or(NOT_TEXT)
}
