//! Turning Rust values into OpenTelemetry attribute values.

use opentelemetry::{Array, StringValue, Value};
use std::borrow::Cow;
use std::fmt::{self, Debug, Write as _};
use std::rc::Rc;
use std::sync::Arc;

/// The longest attribute value, in bytes, that a value recorded through its `Debug`
/// implementation is given. Longer output is cut at a character boundary and ends
/// with `…`. Formatting stops there, so a large value costs no more than this.
pub const DEBUG_VALUE_MAX_LEN: usize = 256;

/// A value that can be recorded as a span attribute with its OpenTelemetry type.
///
/// `#[traced]` records each argument through this trait when the argument's type
/// implements it, and through the type's `Debug` otherwise. It is implemented for:
///
/// * integers (as `i64`; a `u64`, `u128`, `usize` or `i128` outside the `i64` range
///   becomes its decimal string), `f32` and `f64` (as `f64`), `bool`;
/// * `str`, `String`, `Cow<str>` and `char` (as strings);
/// * `Option<T>` (as `T`, or no attribute for `None`);
/// * slices, arrays and `Vec`s of the above (as OpenTelemetry arrays);
/// * references, `Box`, `Rc` and `Arc` of any of these;
/// * with the `http` and `tonic` features, header maps, requests and responses,
///   without their header values (see the README's "Secrets").
///
/// Implement it to give your own types a typed value:
///
/// ```
/// use opentelemetry::Value;
///
/// struct UserId(u64);
///
/// impl traced::ToValue for UserId {
///     fn to_value(&self) -> Option<Value> {
///         self.0.to_value()
///     }
/// }
///
/// #[traced::traced]
/// fn load(user: UserId) -> u64 {
///     user.0
/// }
/// # assert_eq!(load(UserId(7)), 7);
/// ```
pub trait ToValue {
    /// The attribute value, or `None` for no attribute.
    fn to_value(&self) -> Option<Value>;
}

/// Element types of OpenTelemetry arrays.
pub trait ArrayElement: Sized {
    /// The array of these elements.
    fn to_array(items: &[Self]) -> Array;
}

macro_rules! small_ints {
    ($($t:ty)*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                Some(Value::I64(i64::from(*self)))
            }
        }
        impl ArrayElement for $t {
            fn to_array(items: &[Self]) -> Array {
                Array::I64(items.iter().map(|v| i64::from(*v)).collect())
            }
        }
    )*};
}
small_ints!(i8 i16 i32 i64 u8 u16 u32);

macro_rules! wide_ints {
    ($($t:ty)*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                Some(match i64::try_from(*self) {
                    Ok(v) => Value::I64(v),
                    Err(_) => Value::String(self.to_string().into()),
                })
            }
        }
        impl ArrayElement for $t {
            fn to_array(items: &[Self]) -> Array {
                let narrow: Result<Vec<i64>, _> = items.iter().map(|v| i64::try_from(*v)).collect();
                match narrow {
                    Ok(values) => Array::I64(values),
                    // One element out of range makes the whole array strings: OTel
                    // arrays hold a single type.
                    Err(_) => Array::String(items.iter().map(|v| v.to_string().into()).collect()),
                }
            }
        }
    )*};
}
wide_ints!(u64 u128 usize i128 isize);

macro_rules! floats {
    ($($t:ty)*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                Some(Value::F64(f64::from(*self)))
            }
        }
        impl ArrayElement for $t {
            fn to_array(items: &[Self]) -> Array {
                Array::F64(items.iter().map(|v| f64::from(*v)).collect())
            }
        }
    )*};
}
floats!(f32 f64);

impl ToValue for bool {
    #[inline]
    fn to_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl ArrayElement for bool {
    fn to_array(items: &[Self]) -> Array {
        Array::Bool(items.to_vec())
    }
}

impl ToValue for str {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.to_owned().into()))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Option<Value> {
        self.as_str().to_value()
    }
}

impl ToValue for Cow<'_, str> {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(match self {
            Cow::Borrowed(s) => (*s).to_owned().into(),
            Cow::Owned(s) => s.clone().into(),
        }))
    }
}

impl ToValue for char {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.to_string().into()))
    }
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Array {
    Array::String(items.map(|s| StringValue::from(s.to_owned())).collect())
}

impl ArrayElement for &str {
    fn to_array(items: &[Self]) -> Array {
        strings(items.iter().copied())
    }
}

impl ArrayElement for String {
    fn to_array(items: &[Self]) -> Array {
        strings(items.iter().map(String::as_str))
    }
}

impl ArrayElement for Cow<'_, str> {
    fn to_array(items: &[Self]) -> Array {
        strings(items.iter().map(AsRef::as_ref))
    }
}

impl ArrayElement for char {
    fn to_array(items: &[Self]) -> Array {
        Array::String(items.iter().map(|c| c.to_string().into()).collect())
    }
}

impl<T: ArrayElement> ToValue for [T] {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Array(T::to_array(self)))
    }
}

impl<T: ArrayElement, const N: usize> ToValue for [T; N] {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

impl<T: ArrayElement> ToValue for Vec<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_ref().and_then(ToValue::to_value)
    }
}

macro_rules! pointers {
    ($($p:ty)*) => {$(
        impl<T: ToValue + ?Sized> ToValue for $p {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                (**self).to_value()
            }
        }
    )*};
}
pointers!(&T &mut T Box<T> Rc<T> Arc<T>);

impl ToValue for Value {
    fn to_value(&self) -> Option<Value> {
        Some(self.clone())
    }
}

/// Formats `value` with `Debug`, stopping at [`DEBUG_VALUE_MAX_LEN`] bytes.
pub(crate) fn debug_value<T: Debug + ?Sized>(value: &T) -> Value {
    let mut out = Bounded(String::new());
    if write!(out, "{value:?}").is_err() {
        out.0.push('…');
    }
    Value::String(out.0.into())
}

struct Bounded(String);

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = DEBUG_VALUE_MAX_LEN - self.0.len();
        if s.len() <= room {
            self.0.push_str(s);
            return Ok(());
        }
        let mut cut = room;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.0.push_str(&s[..cut]);
        // An error stops the formatting machinery: the rest is never formatted.
        Err(fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_debug_output_is_cut_at_a_char_boundary() {
        let text = "é".repeat(DEBUG_VALUE_MAX_LEN);
        let Value::String(s) = debug_value(&text) else {
            panic!("not a string")
        };
        let s = s.as_str();
        assert!(s.ends_with('…'));
        assert!(s.len() <= DEBUG_VALUE_MAX_LEN + '…'.len_utf8());
    }

    #[test]
    fn wide_integers_outside_i64_become_strings() {
        assert_eq!(
            u64::MAX.to_value(),
            Some(Value::String(u64::MAX.to_string().into()))
        );
        assert_eq!(7u64.to_value(), Some(Value::I64(7)));
        assert_eq!(
            vec![1u64, u64::MAX].to_value(),
            Some(Value::Array(Array::String(vec![
                "1".into(),
                u64::MAX.to_string().into()
            ])))
        );
    }
}
