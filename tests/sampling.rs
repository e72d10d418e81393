//! A span that is not sampled records nothing and formats no argument, but still
//! carries the trace for propagation.

mod support;

use opentelemetry::trace::SpanContext;
use opentelemetry_sdk::trace::Sampler;
use support::probes::{Noisy, count_format, formatted};
use traced::testing::capture_with;
use traced::traced;

#[traced(ret, attrs(computed = count_format()))]
fn unsampled(noisy: &Noisy) -> SpanContext {
    let _ = noisy;
    inner()
}

#[traced]
fn inner() -> SpanContext {
    traced::current_span().span_context()
}

#[test]
fn an_unsampled_call_formats_nothing_and_exports_nothing_but_propagates() {
    let capture = capture_with(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)));
    let before = formatted();
    let seen = unsampled(&Noisy);
    assert_eq!(
        formatted(),
        before,
        "no argument or attrs expression evaluated"
    );
    assert!(capture.finish().is_empty());
    assert!(
        seen.is_valid(),
        "the unsampled span still has an identity to propagate"
    );
    assert!(!seen.is_sampled());
}

#[test]
fn a_ratio_sampler_samples_whole_traces() {
    let capture = capture_with(Sampler::TraceIdRatioBased(0.5));
    for _ in 0..200 {
        unsampled(&Noisy);
    }
    let spans = capture.finish();
    let outer = spans.all_named("unsampled").count();
    assert!((40..160).contains(&outer), "{outer} of 200 sampled");
    assert_eq!(
        spans.all_named("inner").count(),
        outer,
        "children follow their parent"
    );
}

#[traced(skip_all, parent = parent)]
fn with_parent(parent: &SpanContext) -> SpanContext {
    traced::current_span().span_context()
}

#[test]
fn decided_without_the_sdk_an_unsampled_call_still_propagates_its_trace() {
    // AlwaysOff is a rule `traced` applies itself, before the SDK.
    let capture = capture_with(Sampler::AlwaysOff);
    let before = formatted();
    let root = unsampled(&Noisy);
    assert_eq!(formatted(), before);
    assert!(
        root.is_valid() && !root.is_sampled(),
        "a fresh unsampled trace: {root:?}"
    );
    let again = unsampled(&Noisy);
    assert_ne!(root.trace_id(), again.trace_id());
    let child = with_parent(&root);
    assert_eq!(
        child.trace_id(),
        root.trace_id(),
        "an explicit parent's trace goes on"
    );
    assert_ne!(child.span_id(), root.span_id());
    assert!(!child.is_sampled());
    assert!(capture.finish().is_empty());
}
