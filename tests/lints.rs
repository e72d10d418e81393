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
