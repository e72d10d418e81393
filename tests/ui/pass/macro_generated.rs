//! Functions that `macro_rules!` generates, with `#[traced]` written inside the
//! macro or passed in with the item, compile without a warning and are traced
//! under the names the macro gives them.
#![deny(warnings)]

use futures_executor::block_on;
use traced::traced;

/// The attribute inside the macro; the names come from the caller.
macro_rules! getter {
    ($name:ident, $arg:ident: $ty:ty => $body:expr) => {
        #[traced]
        fn $name($arg: $ty) -> $ty {
            $body
        }
    };
}

getter!(double, n: u32 => n * 2);
getter!(negate, value: i64 => -value);

/// Parameter names the macro chooses: hygienic locals of the macro.
macro_rules! adder {
    ($name:ident) => {
        #[traced]
        fn $name(left: u32, right: u32) -> u32 {
            left + right
        }
    };
}

adder!(add);

/// The attribute passed in with the item.
macro_rules! with_attrs {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[$meta])* $vis fn $name($($arg: $ty),*) -> $ret $body
    };
}

with_attrs! {
    #[traced(ret)]
    pub fn passed_in(a: u32, b: u32) -> u32 { a * b }
}

/// An async function and a method.
macro_rules! service {
    ($ty:ident, $method:ident) => {
        pub struct $ty;

        #[traced]
        impl $ty {
            async fn $method(&self, id: u64) -> u64 {
                id + 1
            }
        }
    };
}

service!(Users, find);

/// A macro calling a macro.
macro_rules! outer {
    ($name:ident) => {
        getter!($name, x: u8 => x + 1);
    };
}

outer!(increment);

fn main() {
    let capture = traced_sdk::testing::capture();
    assert_eq!(double(2), 4);
    assert_eq!(negate(2), -2);
    assert_eq!(add(1, 2), 3);
    assert_eq!(passed_in(2, 3), 6);
    assert_eq!(increment(1), 2);
    assert_eq!(block_on(Users.find(1)), 2);
    let spans = capture.finish();
    assert_eq!(spans.named("double").attr("n"), Some(&2_i64.into()));
    assert_eq!(spans.named("negate").attr("value"), Some(&2_i64.into()));
    assert_eq!(spans.named("add").attr("right"), Some(&2_i64.into()));
    assert_eq!(spans.named("passed_in").attr(traced::RETURN_KEY), Some(&6_i64.into()));
    assert_eq!(spans.named("increment").attr("x"), Some(&1_i64.into()));
    assert_eq!(spans.named("Users::find").attr("id"), Some(&1_i64.into()));
}
