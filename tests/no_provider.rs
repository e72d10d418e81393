//! With no tracer provider installed, an instrumented call allocates nothing and
//! formats no argument. (Its own test binary: nothing here installs a provider.)

mod support;

use std::future::Future;
use support::probes::{Counting, Noisy, allocations_in, formatted};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[traced::traced(record_err, ret, attrs(label = format!("{n}")))]
fn work(n: u64, name: &str, noisy: &Noisy) -> Result<u64, std::io::Error> {
    let _ = noisy;
    if n == 0 {
        return Err(std::io::ErrorKind::NotFound.into());
    }
    Ok(n + name.len() as u64)
}

#[traced::traced(parent = opentelemetry::Context::current(), links(&opentelemetry::Context::current()))]
fn with_parent(noisy: &Noisy) {
    let _ = noisy;
}

#[traced::traced(ret)]
async fn work_async(noisy: &Noisy) -> u32 {
    let _ = noisy;
    3
}

#[test]
fn with_no_provider_a_call_allocates_nothing_and_formats_nothing() {
    // The first call finds out that no provider is installed.
    let _ = work(1, "warm", &Noisy);
    let waker = std::task::Waker::noop();
    let allocated = allocations_in(|| {
        for n in 0..1000 {
            let _ = work(n, "abc", &Noisy);
            with_parent(&Noisy);
            let mut future = std::pin::pin!(work_async(&Noisy));
            let _ = future
                .as_mut()
                .poll(&mut std::task::Context::from_waker(waker));
        }
    });
    assert_eq!(allocated, 0);
    assert_eq!(formatted(), 0);
    // After a start found no provider, tracing is off in one load: integrations
    // skip their work, and a manual span allocates nothing.
    drop(traced::span("probe").start());
    assert!(
        !traced::enabled(),
        "no provider: integrations skip their work"
    );
    let allocated = allocations_in(|| drop(traced::span("again").attr("n", 1).start()));
    assert_eq!(allocated, 0);
}
