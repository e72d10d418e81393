//! Under an unsampled parent, with the provider `traced` installs, an instrumented
//! call skips the SDK: it allocates nothing and formats nothing, and the parent's
//! trace stays current for propagation. (Its own test binary: a counting allocator
//! and the global provider.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use traced::setup::SamplerKind;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

struct Noisy;
impl fmt::Debug for Noisy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FORMATTED.fetch_add(1, Ordering::SeqCst);
        f.write_str("Noisy")
    }
}

#[traced::traced(record_err, ret)]
fn work(n: u64, name: &str, noisy: &Noisy) -> Result<u64, std::fmt::Error> {
    let _ = noisy;
    assert!(
        traced::current_span().span_context().is_valid(),
        "the parent's trace is current"
    );
    Ok(n + name.len() as u64)
}

#[test]
fn a_call_under_an_unsampled_parent_allocates_and_formats_nothing() {
    let tracing = traced::setup!()
        .exporters(&[])
        .sampler(SamplerKind::ParentBasedTraceIdRatio(0.0))
        .install();
    let parent = traced::span("unsampled parent").enter();
    assert!(parent.span_context().is_valid() && !parent.span_context().is_sampled());
    let _ = work(0, "warm", &Noisy);
    let before = ALLOCATIONS.with(Cell::get);
    for n in 0..1_000 {
        let _ = work(n, "abc", &Noisy);
    }
    assert_eq!(ALLOCATIONS.with(Cell::get) - before, 0);
    assert_eq!(FORMATTED.load(Ordering::SeqCst), 0);
    drop(parent);
    drop(tracing);
}
