//! tonic's `MetadataMap` as a carrier: gRPC metadata.

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
