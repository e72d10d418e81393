//! Whether this thread's thread-locals can still be used: during the thread's
//! teardown they are destroyed one by one, and touching one that is destroyed
//! panics, which in a thread-local destructor aborts the process. A call made then
//! (from another thread-local's destructor) runs untraced instead.
//!
//! The thread-locals a call touches are opentelemetry's context stack (behind
//! `Context::current` and `attach`), which we cannot ask, and our call-guard table.
//! So a thread-local of ours, [`WATCH`], is registered right after both: the
//! standard library destroys a thread's thread-locals in the reverse order of their
//! registration (on Linux through glibc's `__cxa_thread_atexit_impl`, which runs
//! the newest first, or else its own list, popped from the end; a thread-local with
//! a destructor registers it when it is first initialised, after its initialiser
//! ran). Its destructor therefore runs before theirs and marks the thread torn
//! down; as long as it has not run, both are alive.
//!
//! One case is not covered: a thread whose context stack was used and destroyed
//! before `traced` was ever called on it, then calls `traced` for the first time
//! from a destructor that runs later. Arming the watch then touches the destroyed
//! stack.

use std::cell::Cell;

/// No call has armed the watch on this thread yet.
const UNARMED: u8 = 0;
/// The watch is registered after the thread-locals it guards.
const ARMED: u8 = 1;
/// The watch was destroyed: the thread is tearing down.
const TORN_DOWN: u8 = 2;

thread_local! {
    // `const` and without a destructor: a plain thread-local variable that is never
    // destroyed, so it can be read at any time, and the check is one load.
    static STATE: Cell<u8> = const { Cell::new(UNARMED) };
    static WATCH: Watch = const { Watch };
}

/// Marks the thread torn down when destroyed.
struct Watch;

impl Drop for Watch {
    fn drop(&mut self) {
        STATE.set(TORN_DOWN);
    }
}

/// Whether this thread's context stack and call table can be used: false once its
/// thread-locals are being destroyed. One thread-local load once armed.
#[inline]
pub(crate) fn alive() -> bool {
    match STATE.get() {
        ARMED => true,
        UNARMED => arm(),
        _ => false,
    }
}

/// Registers the watch after the thread-locals it guards (touching them first
/// initialises those that are not yet, which registers their destructors).
#[cold]
#[inline(never)]
fn arm() -> bool {
    opentelemetry::Context::map_current(|_| ());
    crate::callsite::prepare_thread();
    if WATCH.try_with(|_| ()).is_err() {
        return false;
    }
    STATE.set(ARMED);
    true
}
