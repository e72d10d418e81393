//! The OTLP exporter both transports share: a batch is sized once, split into
//! export requests of at most the configured size ([`protobuf::plan`]), each
//! written straight from span data into one buffer and sent by the transport,
//! retried as [`super::retry`] describes. It counts what each request delivered
//! itself, so a batch split in two that half fails counts the half delivered.

use super::protobuf;
use super::retry::{self, Failed};
use super::Deliveries;
use bytes::Bytes;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// One way of sending an encoded request: OTLP over gRPC or over HTTP.
pub(crate) trait Transport: std::fmt::Debug + Send + Sync + 'static {
    /// The body to send for an encoded request (compressed, when configured).
    fn body(&self, encoded: Vec<u8>) -> Result<Bytes, OTelSdkError> {
        Ok(Bytes::from(encoded))
    }

    /// Sends `body` once, with `left` before the export timeout passes.
    fn try_send(&self, body: &Bytes, left: Duration) -> Result<(), Failed>;
}

/// Sends batches over `T` as OTLP export requests.
#[derive(Debug)]
pub(crate) struct OtlpExporter<T> {
    transport: T,
    resource: Resource,
    resource_len: usize,
    /// The most bytes of OTLP protobuf one export request may hold.
    max_request: usize,
    timeout: Duration,
    /// Where the spans delivered are counted; set when the exporter is added.
    pub(super) deliveries: Option<Deliveries>,
    /// A span too big for one request was met (and warned about) already.
    oversized: AtomicBool,
}

impl<T: Transport> OtlpExporter<T> {
    pub(crate) fn new(transport: T, timeout: Duration, max_request: usize) -> Self {
        let resource = Resource::builder_empty().build();
        OtlpExporter {
            transport,
            resource_len: protobuf::resource_len(&resource),
            resource,
            max_request,
            timeout,
            deliveries: None,
            oversized: AtomicBool::new(false),
        }
    }

    fn send(&self, batch: &mut [SpanData]) -> OTelSdkResult {
        let plan = protobuf::plan(batch, self.resource_len, self.max_request);
        if plan.left_out > 0 && !self.oversized.swap(true, Ordering::Relaxed) {
            eprintln!(
                "traced: a span too big for one export request ({} bytes) even without its \
                 attributes, events and links was not exported; such spans are counted and \
                 reported at shutdown",
                self.max_request
            );
        }
        let mut result = Ok(());
        for members in &plan.requests {
            let mut encoded = Vec::new();
            protobuf::export_request(&self.resource, batch, &plan.lens, members, &mut encoded);
            let outcome = self.transport.body(encoded).and_then(|body| {
                retry::within(self.timeout, |left| self.transport.try_send(&body, left))
            });
            match outcome {
                Ok(()) => {
                    if let Some(deliveries) = &self.deliveries {
                        deliveries.delivered(members.len());
                    }
                }
                Err(e) => result = Err(e),
            }
        }
        result
    }
}

impl<T: Transport> SpanExporter for OtlpExporter<T> {
    fn export(
        &self,
        mut batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        // Blocking: the export queue runs each export on a worker thread of its own.
        std::future::ready(self.send(&mut batch))
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource_len = protobuf::resource_len(resource);
        self.resource = resource.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::render::tests::span;
    use crate::export::Delivered;
    use opentelemetry::KeyValue;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Mutex};

    /// Accepts the first `accepted` requests, then refuses for good; keeps the
    /// body sizes it was given.
    #[derive(Debug)]
    struct Refusing {
        accepted: usize,
        tries: AtomicUsize,
        sizes: Mutex<Vec<usize>>,
    }

    impl Transport for Arc<Refusing> {
        fn try_send(&self, body: &Bytes, _left: Duration) -> Result<(), Failed> {
            self.sizes.lock().unwrap().push(body.len());
            if self.tries.fetch_add(1, Ordering::SeqCst) < self.accepted {
                Ok(())
            } else {
                Err(Failed {
                    why: "refused".into(),
                    retry_after: None,
                })
            }
        }
    }

    fn batch() -> Vec<SpanData> {
        (1..=40)
            .map(|i| {
                let mut span = span(1, i, 0, "s", 0..1);
                span.attributes.push(KeyValue::new("pad", "x".repeat(100)));
                span
            })
            .collect()
    }

    #[test]
    fn each_request_of_a_split_batch_counts_what_it_delivered() {
        const MAX: usize = 2_000;
        let transport = Arc::new(Refusing {
            accepted: 1,
            tries: AtomicUsize::new(0),
            sizes: Mutex::new(Vec::new()),
        });
        let mut exporter = OtlpExporter::new(Arc::clone(&transport), Duration::from_secs(1), MAX);
        let delivered = Arc::new(Delivered {
            name: Mutex::new("otlp".into()),
            spans: 0.into(),
            failing: false.into(),
        });
        exporter.deliveries = Some(Deliveries(Arc::clone(&delivered)));
        let outcome = futures_executor::block_on(exporter.export(batch()));
        assert!(outcome.is_err(), "the second request was refused");
        let sizes = transport.sizes.lock().unwrap().clone();
        assert!(sizes.len() >= 2, "{sizes:?}");
        assert!(sizes.iter().all(|&size| size <= MAX), "{sizes:?}");
        let resource_len = protobuf::resource_len(&Resource::builder_empty().build());
        let first = protobuf::plan(&mut batch(), resource_len, MAX).requests[0].len();
        assert!(first > 0 && first < 40);
        assert_eq!(delivered.spans.load(Ordering::SeqCst), first as u64);
    }
}
