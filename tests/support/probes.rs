//! Probes for what an instrumented call costs: allocations and `Debug` formatting.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A global allocator that counts this thread's allocations; a test binary
/// installs it with `#[global_allocator]`.
pub struct Counting;

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

/// How many allocations this thread made while `f` ran.
pub fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

/// An argument that counts how often it is formatted.
pub struct Noisy;

impl fmt::Debug for Noisy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FORMATTED.fetch_add(1, Ordering::SeqCst);
        f.write_str("Noisy")
    }
}

/// How many times a `Noisy` (or anything calling [`count_format`]) was formatted.
pub fn formatted() -> usize {
    FORMATTED.load(Ordering::SeqCst)
}

/// Counts a formatting, for `attrs` expressions that must not be evaluated.
pub fn count_format() -> usize {
    FORMATTED.fetch_add(100, Ordering::SeqCst)
}
