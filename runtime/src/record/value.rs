//! Turning Rust values into OpenTelemetry attribute values.

use super::limits::{elements, limited, limited_array, owned_string, string};
use crate::start::Arg;
use opentelemetry::{Array, Value};
use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

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
/// * [`Value`] itself;
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
///
/// The values of these implementations are bounded when they are made: a string is
/// cut to the value length limit (see [`crate::backend::set_value_length_limit`]),
/// an array to its first [`ARRAY_VALUE_MAX_LEN`](crate::backend::ARRAY_VALUE_MAX_LEN)
/// elements, and only what is kept is copied.
pub trait ToValue {
    /// The attribute value, or `None` for no attribute.
    fn to_value(&self) -> Option<Value>;

    /// The value as a call site hands it to its span: text stays borrowed, so
    /// that a span copies it straight into its own buffer. Not to be implemented
    /// outside `traced`: the default, [`ToValue::to_value`], is always right.
    #[doc(hidden)]
    #[inline]
    fn to_arg(&self) -> Arg<'_> {
        Arg::from(self.to_value())
    }
}

/// Element types of OpenTelemetry arrays.
pub trait ArrayElement: Sized {
    /// The array of these elements. A slice, array or `Vec` recorded through
    /// [`ToValue`] hands over at most its first
    /// [`ARRAY_VALUE_MAX_LEN`](crate::backend::ARRAY_VALUE_MAX_LEN) elements, and
    /// strings in the array made are cut to the value length limit.
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
                    Err(_) => Value::String(owned_string(self.to_string())),
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
                    Err(_) => Array::String(items.iter().map(|v| owned_string(v.to_string())).collect()),
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
    #[inline]
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(string(self)))
    }

    #[inline]
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> Option<Value> {
        self.as_str().to_value()
    }

    #[inline]
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}

impl ToValue for Cow<'_, str> {
    fn to_value(&self) -> Option<Value> {
        self.as_ref().to_value()
    }

    #[inline]
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}

impl ToValue for char {
    fn to_value(&self) -> Option<Value> {
        self.encode_utf8(&mut [0; 4]).to_value()
    }
}

/// Strings, each cut to the limit as it is copied.
fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Array {
    Array::String(items.map(string).collect())
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
        Array::String(
            items
                .iter()
                .map(|c| string(c.encode_utf8(&mut [0; 4])))
                .collect(),
        )
    }
}

impl<T: ArrayElement> ToValue for [T] {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Array(limited_array(T::to_array(elements(self)))))
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

    #[inline]
    fn to_arg(&self) -> Arg<'_> {
        self.as_ref().map_or(Arg::None, ToValue::to_arg)
    }
}

macro_rules! pointers {
    ($($p:ty)*) => {$(
        impl<T: ToValue + ?Sized> ToValue for $p {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                (**self).to_value()
            }

            #[inline]
            fn to_arg(&self) -> Arg<'_> {
                (**self).to_arg()
            }
        }
    )*};
}
pointers!(&T &mut T Box<T> Rc<T> Arc<T>);

impl ToValue for Value {
    fn to_value(&self) -> Option<Value> {
        Some(limited(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
