#![deny(warnings, clippy::pedantic)]
//! `metrics` on every shape, warning-free.

use std::future::Future;
use std::pin::Pin;
use traced::traced;

#[derive(Debug)]
pub struct Failed;

#[traced(metrics)]
pub fn plain(a: u64) -> u64 {
    a
}

#[traced(metrics, record_err)]
pub fn fallible(a: u64) -> Result<u64, std::fmt::Error> {
    if a > 1 { Err(std::fmt::Error) } else { Ok(a) }
}

#[traced(metrics(attrs(cache = "users", shard = -1, ratio = 0.5, warm = true)))]
pub fn literals() {}

#[traced(metrics(attrs(region = bounded(region), size = region.len())))]
pub fn dynamic(region: &str) -> usize {
    region.len()
}

#[traced(metrics)]
pub async fn awaited(a: u64) -> Result<u64, Failed> {
    if a == 0 { Err(Failed) } else { Ok(a) }
}

#[traced(metrics)]
pub fn returns_future(a: u64) -> impl Future<Output = u64> {
    async move { a }
}

#[traced(metrics)]
pub fn boxed(a: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move { a })
}

pub struct Store(u64);

#[traced(metrics)]
impl Store {
    #[must_use]
    pub fn get(&self) -> u64 {
        self.0
    }

    pub fn set(&mut self, v: u64) -> &mut u64 {
        self.0 = v;
        &mut self.0
    }
}

fn main() {
    let _ = plain(1);
    let _ = fallible(2);
    literals();
    let _ = dynamic("eu");
    let _ = futures_executor::block_on(awaited(1));
    let _ = futures_executor::block_on(returns_future(1));
    let _ = futures_executor::block_on(boxed(1));
    let mut store = Store(1);
    let _ = store.get();
    let _ = store.set(2);
}
