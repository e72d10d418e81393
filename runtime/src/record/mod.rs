//! What spans record: argument and return values as typed attributes, and the
//! outcome of a call (errors and panics), the way the OpenTelemetry specification
//! asks.

mod debug;
mod failure;
pub(crate) mod kind;
mod limits;
mod messages;
pub(crate) mod outcome;
mod value;

pub use debug::DEBUG_VALUE_MAX_LEN;
pub use failure::PANIC_TYPE;
pub(crate) use failure::{
    forget_panic, record_failure, record_panic, remember_panic, take_failure, Failure,
};
pub(crate) use limits::{kept_len, set_value_length_limit, value_length_limit};
pub use limits::{ARRAY_VALUE_MAX_LEN, DEFAULT_VALUE_LENGTH_LIMIT};
pub use value::{ArrayElement, ToValue};
