//! Async work is traced until it completes, or until it is dropped.

use futures_executor::block_on;
use opentelemetry::trace::{SpanId, Status, TraceContextExt};
use opentelemetry::{Context, Value};
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context as TaskContext, Poll, Waker};
use traced::traced;
use traced_sdk::testing::capture;

/// Pending on its first poll, ready on the next.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn yield_now() -> YieldOnce {
    YieldOnce(false)
}

#[traced]
async fn leaf(n: u32) -> SpanId {
    yield_now().await;
    let _ = n;
    traced::current_span().span_context().span_id()
}

#[traced]
async fn branch() -> SpanId {
    let first = leaf(1).await;
    yield_now().await;
    assert!(Context::current().has_active_span());
    let _ = leaf(2).await;
    first
}

#[test]
fn an_async_fn_is_traced_across_awaits_and_current_while_polled() {
    let capture = capture();
    let seen = block_on(branch());
    assert!(!Context::current().has_active_span());
    let spans = capture.finish();
    let leaves: Vec<_> = spans.all_named("leaf").collect();
    assert_eq!(leaves.len(), 2);
    let branch = spans.named("branch");
    assert!(leaves.iter().all(|leaf| leaf.is_child_of(branch)));
    assert_eq!(seen, leaves[0].span_id());
    assert_eq!(leaves[0].attr("n"), Some(&Value::I64(1)));
    assert_eq!(branch.attr(traced::CANCELLED_KEY), None);
}

#[traced]
async fn never_finishes() {
    yield_now().await;
    std::future::pending::<()>().await;
}

#[test]
fn a_future_dropped_before_completing_ends_its_span_as_cancelled() {
    let capture = capture();
    {
        let mut future = pin!(never_finishes());
        let mut cx = TaskContext::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
        assert!(
            capture.spans().is_empty(),
            "the span is open while the future lives"
        );
    }
    let spans = capture.finish();
    let span = spans.named("never_finishes");
    assert_eq!(span.attr(traced::CANCELLED_KEY), Some(&Value::Bool(true)));
    assert_eq!(span.status(), &Status::Unset);
}

#[derive(Debug)]
struct Failed;
impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

#[traced(record_err, ret)]
async fn maybe(ok: bool) -> Result<u8, Failed> {
    yield_now().await;
    if ok { Ok(4) } else { Err(Failed) }
}

#[test]
fn record_err_and_ret_read_the_output_of_async_work() {
    let capture = capture();
    block_on(async {
        maybe(true).await.unwrap();
        maybe(false).await.unwrap_err();
    });
    let spans = capture.finish();
    let mut calls = spans.all_named("maybe");
    let ok = calls.next().unwrap();
    assert_eq!(ok.attr("return.value"), Some(&Value::I64(4)));
    let err = calls.next().unwrap();
    assert_eq!(err.status(), &Status::error("failed"));
    assert_eq!(err.event_names(), ["exception"]);
}

#[traced]
async fn panics_while_polled() {
    yield_now().await;
    panic!("inside the future");
}

#[test]
fn a_panic_while_polled_fails_the_span() {
    let capture = capture();
    let result = std::panic::catch_unwind(|| block_on(panics_while_polled()));
    assert!(result.is_err());
    let spans = capture.finish();
    let Status::Error { description } = spans.named("panics_while_polled").status().clone() else {
        panic!("not failed")
    };
    assert!(
        description.starts_with("inside the future"),
        "{description}"
    );
}

#[traced(record_err)]
fn returns_impl_future(n: u32) -> impl Future<Output = Result<u32, Failed>> {
    let doubled = sync_double(n);
    async move {
        yield_now().await;
        leaf(0).await;
        if doubled > 10 {
            Err(Failed)
        } else {
            Ok(doubled)
        }
    }
}

#[traced]
fn sync_double(n: u32) -> u32 {
    n * 2
}

#[test]
fn a_fn_returning_impl_future_is_traced_until_the_future_completes() {
    let capture = capture();
    let future = returns_impl_future(8);
    assert_eq!(
        capture.spans().names(),
        ["sync_double"],
        "not ended when the future is built"
    );
    assert!(block_on(future).is_err());
    let spans = capture.finish();
    let outer = spans.named("returns_impl_future");
    assert!(spans.named("leaf").is_child_of(outer));
    assert!(
        spans.named("sync_double").is_child_of(outer),
        "current while the fn itself runs"
    );
    assert_eq!(outer.attr("n"), Some(&Value::I64(8)));
    assert_eq!(outer.status(), &Status::error("failed"));
}

#[traced]
fn boxed_future(early: bool) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    if early {
        return Box::pin(async { 1 });
    }
    Box::pin(async {
        yield_now().await;
        2
    })
}

#[test]
fn every_future_a_fn_returns_is_traced_including_early_returns() {
    let capture = capture();
    assert_eq!(block_on(boxed_future(true)), 1);
    assert_eq!(block_on(boxed_future(false)), 2);
    let spans = capture.finish();
    assert_eq!(spans.all_named("boxed_future").count(), 2);
}

#[async_trait::async_trait]
trait Repository {
    async fn load(&self, id: u32) -> Result<String, Failed>;
}

struct Memory;

#[async_trait::async_trait]
impl Repository for Memory {
    #[traced(record_err)]
    async fn load(&self, id: u32) -> Result<String, Failed> {
        yield_now().await;
        leaf(id).await;
        if id == 0 {
            Err(Failed)
        } else {
            Ok(format!("user {id}"))
        }
    }
}

#[test]
fn async_trait_methods_are_traced_over_the_whole_async_work() {
    let capture = capture();
    let repo: &dyn Repository = &Memory;
    assert!(block_on(repo.load(0)).is_err());
    let spans = capture.finish();
    let load = spans.named("load");
    assert!(spans.named("leaf").is_child_of(load));
    assert_eq!(load.attr("id"), Some(&Value::I64(0)));
    assert_eq!(load.status(), &Status::error("failed"));
}

trait Greeter {
    #[traced]
    async fn greet(&self, name: &str) -> String {
        yield_now().await;
        format!("hello {name}")
    }
}

struct English;
impl Greeter for English {}

#[test]
fn async_fn_in_a_trait_with_a_default_body_is_traced() {
    let capture = capture();
    assert_eq!(block_on(English.greet("ann")), "hello ann");
    let spans = capture.finish();
    assert_eq!(
        spans.named("greet").attr("name"),
        Some(&Value::String("ann".into()))
    );
}

#[test]
fn spans_on_other_threads_do_not_leak_into_this_one() {
    let capture = capture();
    let handle = std::thread::spawn(|| block_on(leaf(0)));
    let id = handle.join().unwrap();
    let spans = capture.finish();
    assert_eq!(spans.named("leaf").span_id(), id);
    assert_eq!(spans.named("leaf").parent_span_id(), SpanId::INVALID);
}
