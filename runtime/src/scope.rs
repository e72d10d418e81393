//! The guard of a synchronous `#[traced]` call: a slot number, so that with nothing
//! recording the guard is one zero in a register. A live span and the guard that
//! keeps it current are parked in a thread-local table until the call returns.

use crate::span::{Span, SpanHandle};
use opentelemetry::ContextGuard;
use std::cell::RefCell;
use std::marker::PhantomData;

/// Ends its span, and restores the previous context, when dropped. Not `Send`: its
/// span is current on this thread.
#[derive(Debug)]
pub struct Scope {
    /// 0: nothing to end. Otherwise the table slot plus one, with [`RECORDS`] set
    /// when the span records (when clear, `recording` needs no look-up).
    slot: u32,
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

/// The bit of [`Scope::slot`] that says the span records.
const RECORDS: u32 = 1 << 31;

thread_local! {
    static TABLE: RefCell<Table> = RefCell::default();
}

impl Scope {
    /// A scope with nothing to end.
    #[inline(always)]
    #[must_use]
    pub const fn none() -> Self {
        Scope {
            slot: 0,
            _thread_bound: PhantomData,
        }
    }

    /// Makes `span` current until the scope drops, then ends it.
    #[inline(never)]
    #[must_use]
    pub fn enter(span: Span) -> Self {
        if !span.is_live() {
            return Scope::none();
        }
        let records = span.is_recording();
        let attached = span.attach();
        let entry = Entry {
            span,
            _attached: attached,
        };
        let slot = TABLE.with(|table| {
            let mut table = table.borrow_mut();
            if let Some(slot) = table.free.pop() {
                table.entries[slot as usize] = Some(entry);
                slot
            } else {
                table.entries.push(Some(entry));
                u32::try_from(table.entries.len() - 1)
                    .unwrap_or(RECORDS - 2)
                    .min(RECORDS - 2)
            }
        });
        Scope {
            slot: (slot + 1) | if records { RECORDS } else { 0 },
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
        TABLE.with(|table| {
            let table = table.borrow();
            let entry = table.entries.get(self.index())?.as_ref()?;
            Some(SpanHandle::clone(&entry.span))
        })
    }

    fn index(&self) -> usize {
        ((self.slot & !RECORDS) - 1) as usize
    }

    #[inline(never)]
    fn end(&mut self) {
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

impl Drop for Scope {
    #[inline(always)]
    fn drop(&mut self) {
        if self.slot != 0 {
            self.end();
        }
    }
}
