//! tonic's `MetadataMap` as a carrier: gRPC metadata.

use super::{Extract, Inject, NOT_TEXT};
use tonic::metadata::{Ascii, KeyAndValueRef, MetadataKey, MetadataMap, MetadataValue};

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
        MetadataMap::get(self, key).map(text)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = MetadataMap::get_all(self, key).iter().map(text).collect();
        (!values.is_empty()).then_some(values)
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

fn text(value: &MetadataValue<Ascii>) -> &str {
    std::str::from_utf8(value.as_encoded_bytes()).unwrap_or(NOT_TEXT)
}
