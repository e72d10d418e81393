//! `record_err`, `ret` and panics, as the exported spans show them.

use opentelemetry::Value;
use opentelemetry::trace::Status;
use std::fmt;
use traced::traced;
use traced_sdk::testing::{FinishedSpan, capture};

fn s(text: &str) -> Value {
    Value::String(text.to_owned().into())
}

fn assert_failed(span: &FinishedSpan, type_name: &str, message: &str) {
    assert_eq!(
        span.status(),
        &Status::error(message.to_owned()),
        "status of {}",
        span.name()
    );
    assert_eq!(span.attr("error.type"), Some(&s(type_name)));
    assert_eq!(span.event_names(), ["exception"]);
    assert_eq!(
        span.event_attr("exception", "exception.type"),
        Some(&s(type_name))
    );
    assert_eq!(
        span.event_attr("exception", "exception.message"),
        Some(&s(message))
    );
}

#[derive(Debug)]
enum StoreError {
    NotFound { id: u32 },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound { id } => write!(f, "user {id} not found"),
        }
    }
}

impl std::error::Error for StoreError {}

#[traced(record_err)]
fn find(id: u32) -> Result<u32, StoreError> {
    if id == 0 {
        return Err(StoreError::NotFound { id });
    }
    Ok(id)
}

#[test]
fn record_err_sets_error_status_type_and_exception_event() {
    let capture = capture();
    assert!(find(0).is_err());
    assert_failed(
        capture.finish().named("find"),
        "errors::StoreError",
        "user 0 not found",
    );
}

#[test]
fn record_err_leaves_status_unset_on_ok() {
    let capture = capture();
    assert_eq!(find(3).unwrap(), 3);
    let spans = capture.finish();
    let span = spans.named("find");
    assert_eq!(span.status(), &Status::Unset);
    assert_eq!(span.attr("error.type"), None);
    assert!(span.event_names().is_empty());
}

#[traced(record_err(Debug))]
fn find_debug(id: u32) -> Result<u32, StoreError> {
    Err(StoreError::NotFound { id })
}

#[test]
fn record_err_debug_describes_the_error_with_debug() {
    let capture = capture();
    let _ = find_debug(5);
    assert_failed(
        capture.finish().named("find_debug"),
        "errors::StoreError",
        "NotFound { id: 5 }",
    );
}

fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[traced(record_err)]
fn read_io(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

#[traced(record_err)]
fn via_question_mark(text: &str) -> anyhow::Result<u32> {
    let n = parse(text)?;
    Ok(n + 1)
}

#[traced(record_err)]
fn boxed(text: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    Ok(parse(text)?)
}

#[test]
fn record_err_works_through_aliases_anyhow_and_boxed_errors() {
    let capture = capture();
    assert!(read_io("/definitely/not/here").is_err());
    assert!(via_question_mark("x").is_err());
    assert!(boxed("y").is_err());
    let spans = capture.finish();
    let io = spans.named("read_io");
    assert_eq!(io.attr("error.type"), Some(&s("std::io::error::Error")));
    assert!(
        matches!(io.status(), Status::Error { description } if description.contains("No such file"))
    );
    assert_failed(
        spans.named("via_question_mark"),
        "anyhow::Error",
        "invalid digit found in string",
    );
    assert_failed(
        spans.named("boxed"),
        "alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>",
        "invalid digit found in string",
    );
}

#[traced(ret)]
fn double(n: i64) -> i64 {
    n * 2
}

#[traced(record_err, ret)]
fn checked(n: i64) -> Result<i64, StoreError> {
    if n < 0 {
        Err(StoreError::NotFound { id: 1 })
    } else {
        Ok(n)
    }
}

#[derive(Debug)]
#[allow(dead_code)]
struct Receipt(u32);

#[traced(ret)]
fn receipt() -> Receipt {
    Receipt(4)
}

#[test]
fn ret_records_the_return_value_or_the_ok_value() {
    let capture = capture();
    double(21);
    checked(5).unwrap();
    let _ = checked(-1);
    receipt();
    let spans = capture.finish();
    assert_eq!(
        spans.named("double").attr(traced::RETURN_KEY),
        Some(&Value::I64(42))
    );
    assert_eq!(
        spans.named("receipt").attr("return.value"),
        Some(&s("Receipt(4)"))
    );
    let mut checked = spans.all_named("checked");
    assert_eq!(
        checked.next().unwrap().attr("return.value"),
        Some(&Value::I64(5))
    );
    assert_eq!(checked.next().unwrap().attr("return.value"), None);
}

#[derive(Debug)]
struct Buffer {
    items: Vec<u8>,
}

#[traced(record_err, ret)]
fn first_mut(buffer: &mut Buffer) -> Result<&mut u8, StoreError> {
    buffer
        .items
        .first_mut()
        .ok_or(StoreError::NotFound { id: 0 })
}

#[test]
fn record_err_works_on_functions_returning_borrows_of_mut_arguments() {
    let capture = capture();
    let mut buffer = Buffer { items: vec![1] };
    *first_mut(&mut buffer).unwrap() = 9;
    assert_eq!(buffer.items, [9]);
    let spans = capture.finish();
    assert_eq!(
        spans.named("first_mut").attr("return.value"),
        Some(&Value::I64(1))
    );
}

#[traced]
fn explode(n: u32) -> u32 {
    assert!(n < 10, "n is too large: {n}");
    n
}

#[traced]
fn outer_explode() -> u32 {
    explode(11) + 1
}

#[test]
fn a_panic_ends_every_span_it_unwinds_through_with_error_status() {
    let capture = capture();
    let result = std::panic::catch_unwind(outer_explode);
    let payload = result.expect_err("the panic continues unchanged");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("n is too large: 11")
    );
    let spans = capture.finish();
    assert_eq!(spans.names(), ["explode", "outer_explode"]);
    for span in &spans.0 {
        let Status::Error { description } = span.status() else {
            panic!("{} not failed", span.name())
        };
        assert!(
            description.starts_with("n is too large: 11 (at tests/errors.rs:"),
            "{description}"
        );
        assert_eq!(span.attr("error.type"), Some(&s(traced::PANIC_TYPE)));
        assert_eq!(
            span.event_attr("exception", "exception.type"),
            Some(&s("panic"))
        );
    }
    assert!(
        spans
            .named("explode")
            .is_child_of(spans.named("outer_explode"))
    );
}

#[traced]
fn catches_inside() -> bool {
    std::panic::catch_unwind(|| explode(12)).is_err()
}

#[test]
fn a_panic_caught_inside_a_function_fails_only_the_spans_it_unwound() {
    let capture = capture();
    assert!(catches_inside());
    let spans = capture.finish();
    assert!(matches!(
        spans.named("explode").status(),
        Status::Error { .. }
    ));
    assert_eq!(spans.named("catches_inside").status(), &Status::Unset);
}

#[test]
fn a_function_called_while_unwinding_is_not_marked_as_panicked() {
    struct CallsOnDrop;
    impl Drop for CallsOnDrop {
        fn drop(&mut self) {
            explode(1);
        }
    }
    let capture = capture();
    let _ = std::panic::catch_unwind(|| {
        let _on_drop = CallsOnDrop;
        panic!("elsewhere");
    });
    let spans = capture.finish();
    assert_eq!(spans.named("explode").status(), &Status::Unset);
}

#[test]
fn a_panic_message_is_not_reused_for_a_later_panic_the_hook_did_not_see() {
    let capture = capture();
    let _ = std::panic::catch_unwind(|| explode(13));
    explode(1);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let _ = std::panic::catch_unwind(|| {
        let _span = traced::span("unseen").enter();
        std::panic::panic_any(7_u8);
    });
    std::panic::set_hook(hook);
    let spans = capture.finish();
    assert_eq!(spans.named("unseen").status(), &Status::error("panicked"));
}
