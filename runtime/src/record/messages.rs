//! Header maps, requests and responses recorded without their header values, which
//! carry credentials (`authorization`, `cookie`, API keys): an argument of these
//! types records what identifies the message, never a header's value.
//!
//! | argument type | recorded as |
//! |---|---|
//! | `http::HeaderMap` | the header names, as a string array |
//! | `http::Request<B>`, `http::request::Parts` | `"{method} {path}"`: no query, headers or body |
//! | `http::Response<B>`, `http::response::Parts` | the status code |
//! | tonic's `MetadataMap` | the metadata keys, as a string array |
//! | `tonic::Request<T>` | the message, by its `Debug` (bounded); no metadata |
//!
//! Another type that holds headers (a struct that derives `Debug` over a
//! `HeaderMap`, say) is recorded by its `Debug`, values included: leave it out with
//! `skip(..)`, or give it a [`ToValue`](super::ToValue) that records what is safe.

#[cfg(any(feature = "http", feature = "tonic"))]
use super::ToValue;
#[cfg(any(feature = "http", feature = "tonic"))]
use opentelemetry::{Array, StringValue, Value};

/// The names, as a string array, within the bounds of any array value.
#[cfg(any(feature = "http", feature = "tonic"))]
fn names<'a>(names: impl Iterator<Item = &'a str>) -> Option<Value> {
    let names: Vec<StringValue> = names
        .take(super::ARRAY_VALUE_MAX_LEN)
        .map(super::limits::string)
        .collect();
    Some(Value::Array(Array::String(names)))
}

#[cfg(feature = "http")]
mod http_types {
    use super::{names, ToValue, Value};

    impl ToValue for http::HeaderMap {
        fn to_value(&self) -> Option<Value> {
            names(self.keys().map(http::HeaderName::as_str))
        }
    }

    fn request_line(method: &http::Method, uri: &http::Uri) -> Option<Value> {
        Some(Value::String(crate::record::limits::owned_string(format!(
            "{method} {}",
            uri.path()
        ))))
    }

    impl<B> ToValue for http::Request<B> {
        fn to_value(&self) -> Option<Value> {
            request_line(self.method(), self.uri())
        }
    }

    impl ToValue for http::request::Parts {
        fn to_value(&self) -> Option<Value> {
            request_line(&self.method, &self.uri)
        }
    }

    impl<B> ToValue for http::Response<B> {
        fn to_value(&self) -> Option<Value> {
            self.status().as_u16().to_value()
        }
    }

    impl ToValue for http::response::Parts {
        fn to_value(&self) -> Option<Value> {
            self.status.as_u16().to_value()
        }
    }
}

#[cfg(feature = "tonic")]
mod tonic_types {
    use super::{names, ToValue, Value};
    use tonic::metadata::{KeyRef, MetadataMap};

    impl ToValue for MetadataMap {
        fn to_value(&self) -> Option<Value> {
            names(self.keys().map(|key| match key {
                KeyRef::Ascii(key) => key.as_str(),
                KeyRef::Binary(key) => key.as_str(),
            }))
        }
    }

    impl<T: std::fmt::Debug> ToValue for tonic::Request<T> {
        fn to_value(&self) -> Option<Value> {
            Some(crate::record::debug::debug_value(self.get_ref()))
        }
    }
}
