//! How much of a value is recorded: strings are cut to the value length limit and
//! arrays to [`ARRAY_VALUE_MAX_LEN`] elements when they are recorded, so that what a
//! call copies and what a queued span holds are bounded by configuration, whatever
//! the arguments are.
//!
//! The limit counts characters, as the OpenTelemetry specification's
//! `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` does, and a cut string is the value's first
//! `limit` characters with nothing added: the same string an SDK's export limit
//! makes of it.

use opentelemetry::{Array, StringValue, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The value length limit, in characters, when an SDK set none (see
/// [`crate::backend::set_value_length_limit`]): `traced`'s own bound, where the
/// OpenTelemetry specification's default is no limit at all.
pub const DEFAULT_VALUE_LENGTH_LIMIT: usize = 8192;

/// The most elements an array value is recorded with: the first ones are kept.
/// `traced`'s own bound; the OpenTelemetry specification limits each string in an
/// array, not how many there are.
pub const ARRAY_VALUE_MAX_LEN: usize = 128;

/// The value length limit in force, in characters.
static LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_VALUE_LENGTH_LIMIT);

pub(crate) fn set_value_length_limit(limit: Option<usize>) {
    LIMIT.store(
        limit.unwrap_or(DEFAULT_VALUE_LENGTH_LIMIT),
        Ordering::Relaxed,
    );
}

/// The value length limit in force, in characters. One relaxed load.
#[inline]
pub(crate) fn value_length_limit() -> usize {
    LIMIT.load(Ordering::Relaxed)
}

/// The length in bytes of the part of `text` within `limit` characters.
#[inline]
pub(crate) fn kept_len(text: &str, limit: usize) -> usize {
    // No more bytes than the limit means no more characters either.
    if text.len() <= limit {
        return text.len();
    }
    cut_at(text, limit)
}

#[inline(never)]
fn cut_at(text: &str, limit: usize) -> usize {
    text.char_indices()
        .nth(limit)
        .map_or(text.len(), |(at, _)| at)
}

/// `text` within the limit, copied: only the part kept is.
#[inline]
pub(crate) fn string(text: &str) -> StringValue {
    StringValue::from(text[..kept_len(text, value_length_limit())].to_owned())
}

/// `text` cut to the limit in place.
pub(crate) fn owned_string(mut text: String) -> StringValue {
    text.truncate(kept_len(&text, value_length_limit()));
    StringValue::from(text)
}

/// The elements of `items` an array value is made of.
#[inline]
pub(crate) fn elements<T>(items: &[T]) -> &[T] {
    &items[..items.len().min(ARRAY_VALUE_MAX_LEN)]
}

/// `array` with its strings cut to the limit (an [`ArrayElement`](super::ArrayElement)
/// of the user's own may have made longer ones).
pub(crate) fn limited_array(array: Array) -> Array {
    match array {
        Array::String(mut items) => {
            let limit = value_length_limit();
            items.truncate(ARRAY_VALUE_MAX_LEN);
            for item in &mut items {
                cut(item, limit);
            }
            Array::String(items)
        }
        Array::Bool(mut items) => {
            items.truncate(ARRAY_VALUE_MAX_LEN);
            Array::Bool(items)
        }
        Array::I64(mut items) => {
            items.truncate(ARRAY_VALUE_MAX_LEN);
            Array::I64(items)
        }
        Array::F64(mut items) => {
            items.truncate(ARRAY_VALUE_MAX_LEN);
            Array::F64(items)
        }
        other => other,
    }
}

/// `value` within the bounds: a copy of what is kept.
pub(crate) fn limited(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            let text = text.as_str();
            let kept = kept_len(text, value_length_limit());
            if kept == text.len() {
                value.clone()
            } else {
                Value::String(text[..kept].to_owned().into())
            }
        }
        Value::Array(Array::String(items)) => Value::Array(Array::String(
            elements(items).iter().map(|s| string(s.as_str())).collect(),
        )),
        Value::Array(Array::Bool(items)) => Value::Array(Array::Bool(elements(items).to_vec())),
        Value::Array(Array::I64(items)) => Value::Array(Array::I64(elements(items).to_vec())),
        Value::Array(Array::F64(items)) => Value::Array(Array::F64(elements(items).to_vec())),
        other => other.clone(),
    }
}

fn cut(text: &mut StringValue, limit: usize) {
    let kept = kept_len(text.as_str(), limit);
    if kept < text.as_str().len() {
        *text = StringValue::from(text.as_str()[..kept].to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_characters_and_cuts_at_their_boundary() {
        assert_eq!(kept_len("héllo", 2), "hé".len());
        assert_eq!(kept_len("héllo", 5), "héllo".len());
        assert_eq!(kept_len("héllo", 50), "héllo".len());
        assert_eq!(kept_len("héllo", 0), 0);
    }

    #[test]
    fn arrays_keep_their_first_elements() {
        let items: Vec<u8> = (0..=255).collect();
        assert_eq!(elements(&items), &items[..ARRAY_VALUE_MAX_LEN]);
        assert_eq!(elements(&items[..3]), &items[..3]);
    }

    #[test]
    fn a_value_given_whole_is_bounded_too() {
        let long = Value::String("x".repeat(DEFAULT_VALUE_LENGTH_LIMIT + 10).into());
        let Value::String(kept) = limited(&long) else {
            panic!("not a string")
        };
        assert_eq!(kept.as_str().len(), DEFAULT_VALUE_LENGTH_LIMIT);
        let many = Value::Array(Array::I64((0..1000).collect()));
        let Value::Array(Array::I64(kept)) = limited(&many) else {
            panic!("not an array")
        };
        assert_eq!(kept.len(), ARRAY_VALUE_MAX_LEN);
    }
}
