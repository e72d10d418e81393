//! Every form of body compiles without a warning, keeps its meaning, and is traced:
//! one expression, one line, inner attributes (still in effect), items inside,
//! labelled blocks and loops, `unsafe` and `const` blocks, early returns.
#![deny(warnings)]

use futures_executor::block_on;
use std::future::Future;
use traced::traced;

#[derive(Debug)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("negative")
    }
}

#[traced]
fn one_line(a: i64, b: i64) -> i64 { a + b }

#[traced(ret)]
fn one_line_ret(a: i64, b: i64) -> i64 { a * b }

#[traced(record_err)]
fn one_line_result(a: i64) -> Result<i64, std::num::TryFromIntError> { u8::try_from(a).map(i64::from) }

#[traced(skip_all)]
fn one_line_skip(a: i64) -> i64 { a - 1 }

#[traced]
fn one_line_unit(a: i64) { let _ = a; }

#[traced]
fn empty() {}

#[traced]
async fn one_line_async(a: i64, b: i64) -> i64 { a + b }

#[traced(skip_all, ret)]
async fn one_line_async_skip(a: i64) -> i64 { a + 1 }

#[traced]
fn one_line_future(a: i64) -> impl Future<Output = i64> { async move { a } }

/// Inner attributes apply to the whole body, as without the attribute: the unused
/// variable below would fail this `deny(warnings)` crate otherwise.
#[traced]
fn inner_attributes(a: u32) -> u32 {
    #![allow(unused_variables)]
    //! An inner doc comment is an inner attribute too.
    let unused = 1;
    a
}

#[traced(ret)]
fn inner_attributes_ret(a: u32) -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    a
}

#[traced]
async fn inner_attributes_async(a: u32) -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    a
}

#[traced]
fn inner_attributes_future(a: u32) -> impl Future<Output = u32> {
    #![allow(unused_variables)]
    let unused = 1;
    async move { a }
}

pub struct Methods;

#[traced]
impl Methods {
    fn inner_attributes_method(&self, a: u32) -> u32 {
        #![allow(unused_variables)]
        let unused = 1;
        a
    }

    fn one_line_method(&self, a: u32) -> u32 { a + 1 }

    async fn one_line_async_method(&self, a: u32) -> u32 { a + 2 }
}

impl Methods {
    #[traced]
    fn inner_attributes_own(&self, a: u32) -> u32 {
        #![allow(unused_variables)]
        let unused = 1;
        a
    }
}

#[traced]
fn items_inside(n: u32) -> u32 {
    use std::convert::identity;
    const STEP: u32 = 2;
    static BASE: u32 = 1;
    struct Local(u32);
    impl Local {
        fn get(&self) -> u32 {
            self.0
        }
    }
    fn helper(n: u32) -> u32 {
        n + STEP
    }
    macro_rules! twice {
        ($e:expr) => {
            $e * 2
        };
    }
    identity(twice!(Local(helper(n)).get()) + BASE)
}

#[traced]
fn labelled(n: u32) -> u32 {
    let found = 'search: {
        for i in 0..n {
            if i * i > n {
                break 'search i;
            }
        }
        n
    };
    let mut count = 0;
    'outer: loop {
        loop {
            count += 1;
            if count > 2 {
                break 'outer;
            }
        }
    }
    found + count
}

#[traced]
async fn labelled_async(n: u32) -> u32 {
    'done: {
        if n > 1 {
            break 'done n;
        }
        0
    }
}

#[traced]
fn unsafe_block(v: &[u8]) -> u8 {
    // SAFETY: the slice is not empty.
    unsafe { *v.get_unchecked(0) }
}

#[traced]
fn const_block(n: usize) -> usize {
    n + const { std::mem::size_of::<u64>() }
}

#[traced]
fn match_body(n: u32) -> &'static str {
    match n {
        0 => "zero",
        _ => "more",
    }
}

#[traced(record_err)]
fn early_returns(n: i32) -> Result<i32, Error> {
    if n < 0 {
        return Err(Error);
    }
    let doubled = loop {
        break n * 2;
    };
    Ok(doubled)
}

#[traced(record_err)]
async fn early_returns_async(n: i32) -> Result<i32, Error> {
    if n < 0 {
        return Err(Error);
    }
    Ok(n)
}

fn main() {
    let capture = traced_sdk::testing::capture();
    assert_eq!(one_line(1, 2), 3);
    assert_eq!(one_line_ret(2, 3), 6);
    assert_eq!(one_line_result(3).unwrap(), 3);
    assert_eq!(one_line_skip(3), 2);
    one_line_unit(1);
    empty();
    assert_eq!(inner_attributes(1), 1);
    assert_eq!(inner_attributes_ret(2), 2);
    assert_eq!(Methods.inner_attributes_method(3), 3);
    assert_eq!(Methods.inner_attributes_own(3), 3);
    assert_eq!(Methods.one_line_method(3), 4);
    assert_eq!(items_inside(1), 7);
    assert_eq!(labelled(10), 7);
    assert_eq!(unsafe_block(&[9]), 9);
    assert_eq!(const_block(1), 9);
    assert_eq!(match_body(0), "zero");
    assert!(early_returns(-1).is_err());
    assert_eq!(early_returns(2).unwrap(), 4);
    block_on(async {
        assert_eq!(one_line_async(1, 2).await, 3);
        assert_eq!(one_line_async_skip(1).await, 2);
        assert_eq!(one_line_future(4).await, 4);
        assert_eq!(inner_attributes_async(5).await, 5);
        assert_eq!(inner_attributes_future(6).await, 6);
        assert_eq!(Methods.one_line_async_method(1).await, 3);
        assert_eq!(labelled_async(2).await, 2);
        assert!(early_returns_async(-1).await.is_err());
    });
    let spans = capture.finish();
    for name in [
        "one_line", "one_line_ret", "one_line_result", "one_line_skip", "one_line_unit", "empty",
        "inner_attributes", "inner_attributes_ret", "Methods::inner_attributes_method",
        "inner_attributes_own", "Methods::one_line_method", "items_inside", "labelled",
        "unsafe_block", "const_block", "match_body", "early_returns", "one_line_async",
        "one_line_async_skip", "one_line_future", "inner_attributes_async", "inner_attributes_future",
        "Methods::one_line_async_method", "labelled_async", "early_returns_async",
    ] {
        assert!(spans.all_named(name).count() >= 1, "no span {name}: {:?}", spans.names());
    }
    assert_eq!(spans.named("one_line").attr("b"), Some(&2_i64.into()));
    assert_eq!(spans.named("one_line_ret").attr(traced::RETURN_KEY), Some(&6_i64.into()));
    assert_eq!(spans.named("early_returns_async").status(), &opentelemetry::trace::Status::error("negative"));
}
