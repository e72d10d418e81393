//! A provider installed after instrumented code already ran takes effect.
//! (Its own test binary: it owns the global provider.)

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanProcessor};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
struct Names(Arc<Mutex<Vec<String>>>);

impl SpanProcessor for Names {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &Context) {}
    fn on_end(&self, span: SpanData) {
        self.0.lock().unwrap().push(span.name.into_owned());
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

impl Names {
    fn provider(&self) -> SdkTracerProvider {
        SdkTracerProvider::builder()
            .with_span_processor(self.clone())
            .build()
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[traced::traced]
fn step() {}

#[test]
fn providers_installed_later_take_effect() {
    // No provider yet: nothing is recorded, and the call sites learn it.
    step();
    step();

    // Installed with the plain OpenTelemetry function, after the calls above.
    let first = Names::default();
    opentelemetry::global::set_tracer_provider(first.provider());
    step();
    assert_eq!(first.take(), ["step"]);

    // Replaced by another recording provider, through traced.
    let second = Names::default();
    traced::set_tracer_provider(second.provider());
    step();
    assert_eq!(second.take(), ["step"]);
    assert!(first.take().is_empty());

    // Back to no-op: nothing is recorded, and a new provider is noticed again.
    traced::set_tracer_provider(opentelemetry::trace::noop::NoopTracerProvider::new());
    step();
    step();
    let third = Names::default();
    opentelemetry::global::set_tracer_provider(third.provider());
    step();
    assert_eq!(third.take(), ["step"]);
    assert!(second.take().is_empty());
}
