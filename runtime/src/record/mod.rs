//! What spans record: argument and return values as typed attributes, and the
//! outcome of a call (errors and panics), the way the OpenTelemetry specification
//! asks.

mod failure;
pub(crate) mod kind;
mod messages;
pub(crate) mod outcome;
mod value;

pub use failure::PANIC_TYPE;
pub(crate) use failure::{forget_panic, record_failure, record_panic, remember_panic};
pub use value::{ArrayElement, ToValue, DEBUG_VALUE_MAX_LEN};
