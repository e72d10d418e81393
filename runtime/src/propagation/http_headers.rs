//! `http::HeaderMap` as a carrier: hyper, axum, reqwest.

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
