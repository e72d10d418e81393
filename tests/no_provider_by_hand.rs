//! With no tracer provider installed, spans started by hand cost one atomic load
//! once the first start found that out: no allocation, no attribute converted.
//! (Its own test binary: nothing here installs a provider, and nothing else starts
//! a span, so the span builder is what finds out.)

mod support;

use support::probes::{Counting, allocations_in};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn with_no_provider_a_span_by_hand_allocates_nothing_after_the_first() {
    drop(traced::span("first").start());
    let allocated = allocations_in(|| {
        for n in 0..1000 {
            let guard = traced::span("GET /users/{id}")
                .attr("user.id", n)
                .attr("user.name", "ada")
                .enter();
            guard.set_attribute("rows", 3);
            drop(guard);
            traced::in_span("sum", |span| span.set_attribute("items", n));
        }
    });
    // Converting `"ada"` would copy it, asking the tracer would box it.
    assert_eq!(allocated, 0);
}
