//! Choosing, per value type, how `#[traced]` records it: through [`ToValue`] when
//! the type implements it, else, for a slice, array, `Vec`, `VecDeque`, map or set,
//! through its elements' `Debug` (visiting only those that fit the bound), else
//! through `Debug`, else a compile error that says what to do. Method resolution
//! makes the choice, not the macro: it cannot see types. On the receiver
//! `&Wrap(value)`, `ViaValue` applies as it is, the sequences' inherent method after
//! one auto-reference, and `ViaDebug` after the same (an inherent method wins over
//! a trait's at the same step).

use super::debug::{debug_sequence, debug_value, DebugSequence};
use super::ToValue;
use crate::start::Arg;
use opentelemetry::Value;
use std::fmt::Debug;

/// Chooses, per argument type, between [`ToValue`] and `Debug` (method resolution
/// prefers `ViaValue`, which needs no auto-reference).
#[doc(hidden)]
pub struct Wrap<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait ViaValue {
    fn traced_kind(&self) -> ValueKind {
        ValueKind
    }
}
impl<T: ToValue + ?Sized> ViaValue for Wrap<'_, T> {}

#[doc(hidden)]
pub trait ViaDebug {
    fn traced_kind(&self) -> DebugKind {
        DebugKind
    }
}
impl<T: ?Sized> ViaDebug for &Wrap<'_, T> {}

impl<S: DebugSequence + ?Sized> Wrap<'_, S> {
    #[doc(hidden)]
    #[inline]
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub fn traced_kind(self: &&Self) -> SequenceKind {
        SequenceKind
    }
}

#[doc(hidden)]
pub struct ValueKind;
impl ValueKind {
    #[inline]
    pub fn value<T: ToValue + ?Sized>(self, value: &T) -> Arg<'_> {
        value.to_arg()
    }
    #[inline]
    pub fn attr_value<T: ToValue + ?Sized>(self, value: &T) -> Arg<'_> {
        value.to_arg()
    }
    #[inline]
    pub fn ret_value<T: ToValue + ?Sized>(self, value: &T) -> Option<Value> {
        value.to_value()
    }
}

#[doc(hidden)]
pub struct DebugKind;
impl DebugKind {
    pub fn value<T: Recordable + ?Sized>(self, value: &T) -> Option<Value> {
        Some(debug_value(value))
    }
    pub fn attr_value<T: RecordableAttr + ?Sized>(self, value: &T) -> Option<Value> {
        Some(debug_value(value))
    }
    pub fn ret_value<T: RecordableRet + ?Sized>(self, value: &T) -> Option<Value> {
        Some(debug_value(value))
    }
}

#[doc(hidden)]
pub struct SequenceKind;
impl SequenceKind {
    pub fn value<S: DebugSequence + ?Sized>(self, value: &S) -> Option<Value> {
        Some(debug_sequence(value))
    }
    pub fn attr_value<S: DebugSequence + ?Sized>(self, value: &S) -> Option<Value> {
        Some(debug_sequence(value))
    }
    pub fn ret_value<S: DebugSequence + ?Sized>(self, value: &S) -> Option<Value> {
        Some(debug_sequence(value))
    }
}

/// Argument types, recorded through `Debug` when not through `ToValue`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "argument of type `{Self}` cannot be recorded as a span attribute",
    label = "implements neither `traced::ToValue` nor `Debug`",
    note = "leave it out with `#[traced(skip(...))]`, or implement `traced::ToValue` or `Debug` for it"
)]
pub trait Recordable: Debug {}
impl<T: Debug + ?Sized> Recordable for T {}

/// `attrs(...)` value types.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of an attribute",
    label = "implements neither `traced::ToValue` nor `Debug`",
    note = "give the attribute a value of a recordable type (a number, a string, ...), or implement `traced::ToValue` for it"
)]
pub trait RecordableAttr: Debug {}
impl<T: Debug + ?Sized> RecordableAttr for T {}

/// Return types recorded by `ret`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`ret` cannot record a return value of type `{Self}`",
    label = "implements neither `traced::ToValue` nor `Debug`",
    note = "remove `ret`, or implement `traced::ToValue` or `Debug` for it"
)]
pub trait RecordableRet: Debug {}
impl<T: Debug + ?Sized> RecordableRet for T {}
