//! Values recorded through `Debug`, bounded: formatting stops at
//! [`DEBUG_VALUE_MAX_LEN`] bytes. The formatting machinery cannot be stopped from
//! inside a write without unwinding, so a `Debug` implementation keeps running
//! (writing nothing) once the bound is reached; slices, arrays, `Vec`s, `VecDeque`s,
//! maps and sets are therefore formatted here, element by element, and only as many
//! elements are visited as fit.

use super::limits::{kept_len, value_length_limit};
use opentelemetry::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::{self, Debug, Write as _};
use std::rc::Rc;
use std::sync::Arc;

/// The longest attribute value, in bytes, that a value recorded through its `Debug`
/// implementation is given. Longer output is cut at a character boundary and ends
/// with `…` (within these bytes). Formatting stops there: a slice, array, `Vec`,
/// `VecDeque`, map or set formats only the elements that fit; a type of your own
/// whose `Debug` walks a large collection still walks it (writing nothing past the
/// bound).
pub const DEBUG_VALUE_MAX_LEN: usize = 256;

const ELLIPSIS: char = '…';

/// Formats `value` with `Debug`, stopping at [`DEBUG_VALUE_MAX_LEN`] bytes.
pub(crate) fn debug_value<T: Debug + ?Sized>(value: &T) -> Value {
    let mut out = Bounded::new(DEBUG_VALUE_MAX_LEN - ELLIPSIS.len_utf8());
    let full = write!(out, "{value:?}").is_err();
    out.debug_value(full)
}

/// `text` formatted into at most the value length limit (for error and panic
/// descriptions): formatting stops there.
pub(crate) fn described(text: fmt::Arguments<'_>) -> String {
    let limit = value_length_limit();
    // A character takes at most 4 bytes.
    let mut out = Bounded::new(limit.saturating_mul(4));
    out.text.reserve(64.min(limit));
    let _ = out.write_fmt(text);
    let mut text = out.text;
    text.truncate(kept_len(&text, limit));
    text
}

/// [`described`] into `out`, replacing what it held and keeping its room.
pub(crate) fn described_into(out: &mut String, text: fmt::Arguments<'_>) {
    let limit = value_length_limit();
    let mut bounded = Bounded {
        text: std::mem::take(out),
        room: limit.saturating_mul(4),
    };
    bounded.text.clear();
    let _ = bounded.write_fmt(text);
    *out = bounded.text;
    out.truncate(kept_len(out, limit));
}

/// A string that takes at most `room` bytes, then refuses more: the error stops the
/// formatting machinery's writes.
pub struct Bounded {
    text: String,
    room: usize,
}

impl Bounded {
    fn new(room: usize) -> Self {
        Bounded {
            text: String::new(),
            room,
        }
    }

    /// The value: ended with `…` when the bound was reached, within the limit.
    fn debug_value(mut self, full: bool) -> Value {
        if full {
            self.text.push(ELLIPSIS);
        }
        self.text
            .truncate(kept_len(&self.text, value_length_limit()));
        Value::String(self.text.into())
    }
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.room - self.text.len();
        if s.len() <= room {
            self.text.push_str(s);
            return Ok(());
        }
        let mut cut = room;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.text.push_str(&s[..cut]);
        self.room = self.text.len();
        Err(fmt::Error)
    }
}

/// Collections whose elements `traced` formats itself, as their `Debug` would, up
/// to the bound.
#[doc(hidden)]
pub trait DebugSequence {
    /// Writes what `{:?}` writes, stopping at the first refused write.
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result;
}

/// Formats a sequence recorded through `Debug`, visiting only the elements that fit.
pub(crate) fn debug_sequence<S: DebugSequence + ?Sized>(value: &S) -> Value {
    let mut out = Bounded::new(DEBUG_VALUE_MAX_LEN - ELLIPSIS.len_utf8());
    let full = value.write_debug(&mut out).is_err();
    out.debug_value(full)
}

/// `[a, b]` or `{a, b}`, stopping at the first element that does not fit.
fn entries<I: Iterator>(out: &mut Bounded, brackets: [&str; 2], items: I) -> fmt::Result
where
    I::Item: Debug,
{
    out.write_str(brackets[0])?;
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{item:?}")?;
    }
    out.write_str(brackets[1])
}

/// `{k: v, ...}`, stopping at the first entry that does not fit.
fn map_entries<'a, K: Debug + 'a, V: Debug + 'a>(
    out: &mut Bounded,
    items: impl Iterator<Item = (&'a K, &'a V)>,
) -> fmt::Result {
    out.write_str("{")?;
    for (i, (key, value)) in items.enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{key:?}: {value:?}")?;
    }
    out.write_str("}")
}

impl<T: Debug> DebugSequence for [T] {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        entries(out, ["[", "]"], self.iter())
    }
}

impl<T: Debug, const N: usize> DebugSequence for [T; N] {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        self.as_slice().write_debug(out)
    }
}

impl<T: Debug> DebugSequence for Vec<T> {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        self.as_slice().write_debug(out)
    }
}

impl<T: Debug> DebugSequence for VecDeque<T> {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        entries(out, ["[", "]"], self.iter())
    }
}

impl<T: Debug, S> DebugSequence for HashSet<T, S> {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        entries(out, ["{", "}"], self.iter())
    }
}

impl<T: Debug> DebugSequence for BTreeSet<T> {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        entries(out, ["{", "}"], self.iter())
    }
}

impl<K: Debug, V: Debug, S> DebugSequence for HashMap<K, V, S> {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        map_entries(out, self.iter())
    }
}

impl<K: Debug, V: Debug> DebugSequence for BTreeMap<K, V> {
    fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
        map_entries(out, self.iter())
    }
}

macro_rules! pointers {
    ($($p:ty)*) => {$(
        impl<S: DebugSequence + ?Sized> DebugSequence for $p {
            fn write_debug(&self, out: &mut Bounded) -> fmt::Result {
                (**self).write_debug(out)
            }
        }
    )*};
}
pointers!(&S &mut S Box<S> Rc<S> Arc<S>);

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn text(value: &Value) -> &str {
        match value {
            Value::String(s) => s.as_str(),
            _ => panic!("not a string"),
        }
    }

    #[test]
    fn long_debug_output_is_cut_at_a_char_boundary_and_ends_with_an_ellipsis() {
        let long = "é".repeat(DEBUG_VALUE_MAX_LEN);
        let value = debug_value(&long);
        let s = text(&value);
        assert!(s.ends_with('…'));
        assert!(s.len() <= DEBUG_VALUE_MAX_LEN);
    }

    #[test]
    fn short_sequences_read_as_their_debug() {
        let list = vec![Some(1), None];
        assert_eq!(text(&debug_sequence(&list)), format!("{list:?}"));
        let deque: VecDeque<&str> = ["a", "b\"c"].into_iter().collect();
        assert_eq!(text(&debug_sequence(&deque)), format!("{deque:?}"));
        let set: BTreeSet<u8> = [3, 1].into_iter().collect();
        assert_eq!(text(&debug_sequence(&set)), format!("{set:?}"));
        let map: BTreeMap<&str, (u8, bool)> = [("k", (1, true))].into_iter().collect();
        assert_eq!(text(&debug_sequence(&map)), format!("{map:?}"));
        let empty: [char; 0] = [];
        assert_eq!(text(&debug_sequence(&empty)), "[]");
    }

    /// An iterator that counts the elements taken from it.
    struct Counting<'a, I> {
        inner: I,
        taken: &'a Cell<usize>,
    }

    impl<I: Iterator> Iterator for Counting<'_, I> {
        type Item = I::Item;
        fn next(&mut self) -> Option<I::Item> {
            self.taken.set(self.taken.get() + 1);
            self.inner.next()
        }
    }

    #[test]
    fn a_long_sequence_is_walked_only_as_far_as_its_elements_fit() {
        let taken = Cell::new(0);
        let items = Counting {
            inner: 0..10_000_000_u32,
            taken: &taken,
        };
        let mut out = Bounded::new(DEBUG_VALUE_MAX_LEN - ELLIPSIS.len_utf8());
        assert!(entries(&mut out, ["[", "]"], items).is_err());
        // "[0, 1, ..., 9" is 29 bytes, then ", 10" and on 4 bytes each: "65" ends
        // at 253 bytes, "66" is taken and refused, and nothing is taken after it.
        assert_eq!(taken.get(), 67);
    }

    /// Formats its elements with the standard `debug_list`, as a derived or
    /// hand-written `Debug` would.
    struct OwnDebug<'a>(&'a Cell<usize>, u32);

    impl Debug for OwnDebug<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let items = Counting {
                inner: 0..self.1,
                taken: self.0,
            };
            f.debug_list().entries(items).finish()
        }
    }

    #[test]
    fn a_debug_of_its_own_is_walked_whole_though_cut() {
        // What stays unbounded: the standard formatting machinery writes nothing
        // past the bound but keeps taking elements.
        let taken = Cell::new(0);
        let value = debug_value(&OwnDebug(&taken, 100_000));
        assert!(text(&value).ends_with('…'));
        assert_eq!(taken.get(), 100_001);
    }
}
