//! A span that is not sampled records nothing and formats no argument, but still
//! carries the trace for propagation.

mod support;

use opentelemetry::trace::SpanContext;
use opentelemetry_sdk::trace::Sampler;
use support::probes::{Noisy, count_format, formatted};
use traced::traced;
use traced_sdk::testing::capture_with;

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

#[traced]
fn root_call() -> SpanContext {
    traced::current_span().span_context()
}

/// What the SDK's own sampler decides for a root span of trace `context`.
fn sdk_decides(sampler: &Sampler, context: &SpanContext) -> bool {
    use opentelemetry_sdk::trace::{SamplingDecision, ShouldSample};
    let result = sampler.should_sample(
        None,
        context.trace_id(),
        "root_call",
        &opentelemetry::trace::SpanKind::Internal,
        &[],
        &[],
    );
    result.decision == SamplingDecision::RecordAndSample
}

#[test]
fn roots_under_a_ratio_are_decided_by_their_trace_id_as_the_sdk_decides() {
    for sampler in [
        Sampler::TraceIdRatioBased(0.3),
        Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.3))),
    ] {
        let capture = capture_with(sampler.clone());
        let roots: Vec<SpanContext> = (0..300).map(|_| root_call()).collect();
        let spans = capture.finish();
        let sampled = roots.iter().filter(|c| c.is_sampled()).count();
        assert!((40..150).contains(&sampled), "{sampled} of 300");
        assert_eq!(spans.all_named("root_call").count(), sampled);
        for root in &roots {
            assert!(root.is_valid());
            // A service downstream sampling by the same ratio agrees on every trace.
            assert_eq!(root.is_sampled(), sdk_decides(&sampler, root), "{root:?}");
        }
    }
}

#[test]
fn a_span_started_by_hand_under_an_unsampled_span_carries_its_trace() {
    let capture = capture_with(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)));
    let (outer, inner) = traced::in_span("outer", |outer| {
        let inner = traced::span("inner").start();
        (outer.span_context(), inner.span_context())
    });
    assert!(outer.is_valid() && !outer.is_sampled());
    assert_eq!(
        inner.trace_id(),
        outer.trace_id(),
        "propagating it continues the trace"
    );
    assert!(!inner.is_sampled());
    assert!(capture.finish().is_empty());
}

#[test]
fn an_unsampled_root_is_current_for_its_call_only() {
    let capture = capture_with(Sampler::AlwaysOff);
    let inside = unsampled(&Noisy);
    assert!(inside.is_valid() && !inside.is_sampled());
    assert!(
        !traced::current_span().span_context().is_valid(),
        "the call's context is detached when it returns"
    );
    let next = unsampled(&Noisy);
    assert_ne!(
        next.trace_id(),
        inside.trace_id(),
        "a new root, a new trace"
    );
    assert!(capture.finish().is_empty());
}

fn unsampled_request(flags: u8) -> SpanContext {
    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};
    SpanContext::new(
        TraceId::from(0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c),
        SpanId::from(0xb7ad_6b71_6920_3331),
        TraceFlags::new(flags),
        true,
        TraceState::NONE,
    )
}

#[test]
fn calls_inside_an_unsampled_request_are_children_with_their_own_span_ids() {
    use opentelemetry::trace::TraceContextExt;
    let capture = capture_with(Sampler::AlwaysOff);
    let request = unsampled_request(0);
    let attached = opentelemetry::Context::new()
        .with_remote_span_context(request.clone())
        .attach();
    let (first, second) = (root_call(), root_call());
    for call in [&first, &second] {
        assert_eq!(call.trace_id(), request.trace_id(), "the request's trace");
        assert_ne!(call.span_id(), request.span_id(), "a span id of its own");
        assert!(!call.is_sampled() && !call.is_remote());
    }
    assert_ne!(first.span_id(), second.span_id(), "each call its own id");
    assert_eq!(
        traced::current_span().span_context(),
        request,
        "the request is current again after each call"
    );
    drop(attached);
    let after = root_call();
    assert!(after.is_valid() && !after.is_sampled());
    assert_ne!(
        after.trace_id(),
        request.trace_id(),
        "a root once the request is gone"
    );
    assert!(!traced::current_span().span_context().is_valid());
    assert!(capture.finish().is_empty());
}

#[traced]
fn nested_unsampled() -> (SpanContext, SpanContext) {
    (traced::current_span().span_context(), root_call())
}

#[test]
fn a_child_of_an_unsampled_call_is_a_child_of_that_call() {
    let capture = capture_with(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)));
    let parent = traced::span("unsampled parent").enter();
    let (call, child) = nested_unsampled();
    assert_ne!(call.span_id(), parent.span_context().span_id());
    assert_ne!(child.span_id(), call.span_id());
    assert_eq!(child.trace_id(), parent.span_context().trace_id());
    drop(parent);
    assert!(capture.finish().is_empty());
}

#[traced(kind = client)]
fn send() -> std::collections::HashMap<String, String> {
    let mut headers = std::collections::HashMap::new();
    traced::propagation::inject(&mut headers);
    headers
}

#[test]
fn every_request_of_an_unsampled_trace_carries_its_own_parent_id() {
    use opentelemetry::trace::TraceContextExt;
    let capture = capture_with(Sampler::AlwaysOff);
    let request = unsampled_request(0x02);
    let attached = opentelemetry::Context::new()
        .with_remote_span_context(request.clone())
        .attach();
    let sent: Vec<String> = (0..3).map(|_| send()["traceparent"].clone()).collect();
    drop(attached);
    let trace = format!("00-{:032x}-", request.trace_id());
    let mut parents = Vec::new();
    for traceparent in &sent {
        assert!(traceparent.starts_with(&trace), "{traceparent}");
        assert!(
            traceparent.ends_with("-02"),
            "unsampled, random flag kept: {traceparent}"
        );
        parents.push(&traceparent[36..52]);
    }
    parents.sort_unstable();
    parents.dedup();
    assert_eq!(parents.len(), 3, "three parent ids: {sent:?}");
    assert!(!parents.contains(&format!("{:016x}", request.span_id()).as_str()));
    assert!(capture.finish().is_empty());
}

#[test]
fn a_new_root_is_flagged_random_sampled_or_not() {
    for (sampler, flags) in [(Sampler::AlwaysOff, 0x02), (Sampler::AlwaysOn, 0x03)] {
        let capture = capture_with(sampler);
        assert_eq!(root_call().trace_flags().to_u8(), flags);
        drop(capture);
    }
}

#[traced]
fn unsampled_panics() {
    assert!(traced::current_span().span_context().is_valid());
    panic!("unsampled and failing");
}

#[test]
fn an_unsampled_root_that_panics_is_detached_by_the_unwinding() {
    let capture = capture_with(Sampler::AlwaysOff);
    let caught = std::panic::catch_unwind(unsampled_panics);
    assert!(caught.is_err());
    assert!(
        !traced::current_span().span_context().is_valid(),
        "nothing stays current after the unwinding"
    );
    assert!(capture.finish().is_empty());
}
