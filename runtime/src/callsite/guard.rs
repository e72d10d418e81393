//! The guard of a synchronous `#[traced]` call: a slot number (and, for an unsampled
//! decision, a context guard), so that with nothing recording the guard is one
//! zero in a register. A live span and the guard that keeps it current are parked
//! in a thread-local table until the call returns; an unsampled decision, which has
//! no span to end, only keeps its context attached.

use crate::span::{Span, SpanHandle};
use opentelemetry::ContextGuard;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

/// Ends its span, and restores the previous context, when dropped. Not `Send`: its
/// span is current on this thread.
#[derive(Debug)]
pub struct CallGuard {
    /// 0: nothing to end. [`CARRIER`]: `carrier` holds a guard. Otherwise the
    /// table slot plus one, with [`RECORDS`] set when the span records (when
    /// clear, `recording` needs no look-up).
    slot: u32,
    /// Initialized exactly when `slot == CARRIER`: the guard of a context that only
    /// carries an unsampled decision, which has no span to end and skips the table.
    /// Not an `Option`: with nothing recording, the guard is then one `u32` to
    /// write and read back, where an `Option` made two narrow stores and a wide
    /// load, which stalls (7 ns a call).
    carrier: MaybeUninit<ContextGuard>,
    _thread_bound: PhantomData<*const ()>,
}

struct Entry {
    // Field order is drop order: end the span, then restore the context.
    span: Span,
    _attached: Option<ContextGuard>,
}

#[derive(Default)]
struct Table {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
}

/// The bit of [`CallGuard::slot`] that says the span records.
const RECORDS: u32 = 1 << 31;

/// [`CallGuard::slot`] when the guard holds a carrier's guard; above every table slot.
const CARRIER: u32 = 1 << 30;

thread_local! {
    static TABLE: RefCell<Table> = RefCell::default();
}

/// Initialises this thread's table, so that it is destroyed after the teardown
/// watch registered next (see `span::teardown`).
pub(crate) fn prepare_thread() {
    let _ = TABLE.try_with(|_| ());
}

impl CallGuard {
    /// A guard with nothing to end.
    #[inline(always)]
    #[must_use]
    pub const fn none() -> Self {
        CallGuard {
            slot: 0,
            carrier: MaybeUninit::uninit(),
            _thread_bound: PhantomData,
        }
    }

    /// Makes `span` current until the guard drops, then ends it.
    #[inline(never)]
    #[must_use]
    pub fn enter(span: Span) -> Self {
        let span = match span.into_carrier() {
            Ok(None) => return CallGuard::none(),
            Ok(Some(carrier)) => {
                return CallGuard {
                    slot: CARRIER,
                    carrier: MaybeUninit::new(carrier.attach()),
                    _thread_bound: PhantomData,
                };
            }
            Err(span) => span,
        };
        let records = span.is_recording();
        let attached = span.attach_started();
        let entry = Entry {
            span,
            _attached: attached,
        };
        let mut entry = Some(entry);
        let slot = TABLE.try_with(|table| {
            let mut table = table.borrow_mut();
            if let Some(slot) = table.free.pop() {
                table.entries[slot as usize] = entry.take();
                slot
            } else {
                table.entries.push(entry.take());
                u32::try_from(table.entries.len() - 1)
                    .unwrap_or(CARRIER - 2)
                    .min(CARRIER - 2)
            }
        });
        // The table is alive while the teardown watch is (see `prepare_thread`):
        // without it, the span ends here.
        let Ok(slot) = slot else {
            drop(entry);
            return CallGuard::none();
        };
        CallGuard {
            slot: (slot + 1) | if records { RECORDS } else { 0 },
            carrier: MaybeUninit::uninit(),
            _thread_bound: PhantomData,
        }
    }

    /// A handle on the span, when it records.
    #[inline]
    #[must_use]
    pub fn recording(&self) -> Option<SpanHandle> {
        if self.slot & RECORDS == 0 {
            return None;
        }
        self.recording_slow()
    }

    #[inline(never)]
    fn recording_slow(&self) -> Option<SpanHandle> {
        TABLE
            .try_with(|table| {
                let table = table.borrow();
                let entry = table.entries.get(self.index())?.as_ref()?;
                Some(SpanHandle::clone(&entry.span))
            })
            .ok()
            .flatten()
    }

    fn index(&self) -> usize {
        ((self.slot & !RECORDS) - 1) as usize
    }

    #[inline(never)]
    fn end(&mut self) {
        if self.slot == CARRIER {
            // SAFETY: `slot == CARRIER` only when `enter` initialized `carrier`,
            // and this runs once, from `drop`.
            unsafe { self.carrier.assume_init_drop() };
            return;
        }
        let slot = u32::try_from(self.index()).unwrap_or(u32::MAX);
        // Taken out before it is dropped: ending a span runs exporters' code, which
        // may start spans of its own on this thread.
        let entry = TABLE.try_with(|table| {
            let mut table = table.borrow_mut();
            let entry = table.entries.get_mut(slot as usize).and_then(Option::take);
            table.free.push(slot);
            entry
        });
        drop(entry);
    }
}

impl Drop for CallGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if self.slot != 0 {
            self.end();
        }
    }
}
