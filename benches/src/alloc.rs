//! Counting the allocations the calling thread makes.
//!
//! Install [`CountingAlloc`] as the global allocator; [`this_thread`] then tells how
//! many allocations (and reallocations) this thread has asked for. Counting is per
//! thread, so an exporter's background thread does not disturb the count of the
//! thread that makes the calls, and no counter is shared between cores.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting what each thread asks of it.
///
/// ```
/// #[global_allocator]
/// static ALLOC: traced_benches::alloc::CountingAlloc = traced_benches::alloc::CountingAlloc;
/// ```
#[derive(Debug)]
pub struct CountingAlloc;

thread_local! {
    static COUNTS: Cell<Allocations> = const { Cell::new(Allocations { count: 0, bytes: 0 }) };
}

fn count(bytes: usize) {
    // `try_with`: allocations made while the thread's locals are torn down go uncounted.
    let _ = COUNTS.try_with(|counts| {
        let mut now = counts.get();
        now.count += 1;
        now.bytes += bytes as u64;
        counts.set(now);
    });
}

// SAFETY: every call is forwarded unchanged to `System`; counting touches only a
// thread-local `Cell` that needs no allocation and has no destructor.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations asked for by one thread since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allocations {
    /// Calls of `alloc`, `alloc_zeroed` and `realloc`.
    pub count: u64,
    /// Bytes those calls asked for.
    pub bytes: u64,
}

impl std::ops::Sub for Allocations {
    type Output = Allocations;

    fn sub(self, earlier: Allocations) -> Allocations {
        Allocations {
            count: self.count - earlier.count,
            bytes: self.bytes - earlier.bytes,
        }
    }
}

/// What this thread has allocated so far (zero unless [`CountingAlloc`] is the
/// global allocator).
#[must_use]
pub fn this_thread() -> Allocations {
    COUNTS.try_with(Cell::get).unwrap_or_default()
}
