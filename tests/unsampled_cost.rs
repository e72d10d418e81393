//! Under an unsampled parent, with the provider `traced` installs, an instrumented
//! call skips the SDK: it formats nothing, and allocates only the context that
//! carries its own span id for propagation. (Its own test binary: a counting
//! allocator and the global provider.)

mod support;

use support::probes::{Counting, Noisy, allocations_in, formatted};
use traced_sdk::SamplerKind;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[traced::traced(record_err, ret)]
fn work(n: u64, name: &str, noisy: &Noisy) -> Result<u64, std::fmt::Error> {
    let _ = noisy;
    let current = traced::current_span().span_context();
    assert!(
        current.is_valid() && !current.is_sampled(),
        "a child of the unsampled parent is current"
    );
    Ok(n + name.len() as u64)
}

#[test]
fn a_call_under_an_unsampled_parent_formats_nothing_and_allocates_only_its_context() {
    let tracing = traced_sdk::setup!()
        .exporters(&[])
        .sampler(SamplerKind::ParentBasedTraceIdRatio(0.0))
        .install();
    let parent = traced::span("unsampled parent").enter();
    assert!(parent.span_context().is_valid() && !parent.span_context().is_sampled());
    let _ = work(0, "warm", &Noisy);
    let allocated = allocations_in(|| {
        for n in 0..1_000 {
            let _ = work(n, "abc", &Noisy);
        }
    });
    assert_eq!(allocated, 1_000, "one context per call, nothing else");
    assert_eq!(formatted(), 0);
    let allocated = allocations_in(|| {
        for _ in 0..1_000 {
            let span = traced::span("GET").start_with_name_and_attributes(
                || unreachable!("no name for a span that records nothing"),
                |_| unreachable!("no attributes for a span that records nothing"),
            );
            assert!(!span.is_recording());
        }
    });
    assert_eq!(allocated, 1_000, "a span by hand: its context only");
    let allocated = allocations_in(|| {
        for _ in 0..1_000 {
            let span = traced::span("SELECT users").leaf().start();
            assert!(!span.is_recording() && !span.span_context().is_valid());
        }
    });
    assert_eq!(allocated, 0, "a leaf needs no context");
    drop(parent);
    drop(tracing);
}
