//! The generated code is clean under `clippy::all` and `clippy::pedantic` in the
//! user's crate: CI runs clippy with `-D warnings` over this file.
#![deny(warnings, clippy::all, clippy::pedantic)]
#![forbid(unsafe_code)]

use opentelemetry::Context;
use traced::traced;

#[derive(Debug)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error")
    }
}

impl std::error::Error for Error {}

#[traced]
fn plain(a: u64, b: &str, c: bool) -> u64 {
    if c { a } else { b.len() as u64 }
}

/// # Errors
/// When `fail`.
#[traced(record_err, ret, attrs(extra.key = a + 1))]
pub fn fallible(a: u64, fail: bool) -> Result<u64, Error> {
    if fail {
        return Err(Error);
    }
    Ok(a)
}

#[traced(record_err(Debug), skip_all, parent = Context::current(), links(Context::current()))]
fn options(a: u8) -> Result<u8, Error> {
    Ok(a)
}

#[traced(root, kind = producer)]
fn with_items(n: u32) -> u32 {
    fn helper(n: u32) -> u32 {
        n + 1
    }
    use std::convert::identity;
    identity(helper(n))
}

/// # Errors
/// When `fail`.
#[traced(record_err, ret)]
pub async fn async_fallible(fail: bool) -> Result<u8, Error> {
    if fail { Err(Error) } else { Ok(1) }
}

#[traced(record_err)]
fn future(n: u8) -> impl std::future::Future<Output = Result<u8, Error>> {
    async move { Ok(n) }
}

#[derive(Debug, Default)]
struct Service {
    calls: u32,
}

#[traced(record_err, ret)]
impl Service {
    fn call(&mut self, n: u32) -> Result<u32, Error> {
        self.calls += n;
        Ok(self.calls)
    }

    async fn call_async(&self) -> u32 {
        self.calls
    }

    const fn new() -> Self {
        Service { calls: 0 }
    }
}

// One of each shape class (see tests/ui/pass): bodies on one line, inner
// attributes, labelled blocks, closures returned, `_`-prefixed and raw names.
#[rustfmt::skip]
#[traced]
fn one_line(a: i64, b: i64) -> i64 { a + b }

#[rustfmt::skip]
#[traced(ret)]
async fn one_line_async(a: i64) -> i64 { a + 1 }

#[rustfmt::skip]
#[traced]
fn one_line_future(a: i64) -> impl std::future::Future<Output = i64> { async move { a } }

#[traced]
fn inner_attributes(a: u32) -> u32 {
    #![allow(clippy::no_effect_underscore_binding)]
    let _unused = 1;
    a
}

#[traced]
fn labelled(n: u32) -> u32 {
    'found: {
        if n > 1 {
            break 'found n;
        }
        0
    }
}

#[traced]
async fn closure_async(n: u32) -> impl Fn(u32) -> u32 {
    move |x| x.saturating_add(n)
}

#[traced]
async fn boxed_closure_async(prefix: &str) -> Box<dyn Fn(&str) -> String + '_> {
    Box::new(move |s| format!("{prefix}{s}"))
}

#[traced]
fn underscored(_unused: u32, r#type: u32) -> u32 {
    r#type
}

#[traced]
async fn underscored_async(_unused: u32) -> u32 {
    1
}

macro_rules! generated {
    ($name:ident) => {
        #[traced]
        fn $name(n: u32) -> u32 {
            n + 1
        }
    };
}

generated!(from_macro);

#[test]
fn shape_classes_pass_pedantic_lints() {
    let capture = traced_sdk::testing::capture();
    assert_eq!(one_line(1, 2), 3);
    assert_eq!(inner_attributes(1), 1);
    assert_eq!(labelled(2), 2);
    assert_eq!(underscored(1, 2), 2);
    assert_eq!(from_macro(1), 2);
    futures_executor::block_on(async {
        assert_eq!(one_line_async(1).await, 2);
        assert_eq!(one_line_future(1).await, 1);
        assert_eq!(closure_async(1).await(1), 2);
        assert_eq!(boxed_closure_async("a").await("b"), "ab");
        assert_eq!(underscored_async(1).await, 1);
    });
    assert_eq!(capture.finish().len(), 10);
}

#[test]
fn generated_code_passes_pedantic_lints() {
    let capture = traced_sdk::testing::capture();
    assert_eq!(plain(1, "ab", false), 2);
    assert!(fallible(1, true).is_err());
    assert!(options(1).is_ok());
    assert_eq!(with_items(1), 2);
    let mut service = Service::new();
    assert_eq!(service.call(2).unwrap(), 2);
    futures_executor::block_on(async {
        assert!(async_fallible(false).await.is_ok());
        assert!(future(1).await.is_ok());
        assert_eq!(service.call_async().await, 2);
    });
    assert_eq!(capture.finish().len(), 8);
}
