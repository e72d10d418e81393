//! `http::HeaderMap` as a carrier: hyper, axum, reqwest.

use super::{Extract, Inject, NOT_TEXT};
use http::{HeaderMap, HeaderValue};
use opentelemetry::propagation::Injector;
use opentelemetry_http::HeaderInjector;

impl Inject for HeaderMap {
    fn set(&mut self, key: &str, value: String) {
        HeaderInjector(self).set(key, value);
    }
}

impl Extract for HeaderMap {
    fn get(&self, key: &str) -> Option<&str> {
        HeaderMap::get(self, key).map(text)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = HeaderMap::get_all(self, key).iter().map(text).collect();
        (!values.is_empty()).then_some(values)
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
