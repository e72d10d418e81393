//! What a call records is bounded by configuration, not by its arguments: strings
//! are cut to the value length limit and arrays to their first elements when they
//! are recorded, and `Debug` formatting of a collection visits only the elements
//! that fit its bound.

use opentelemetry::trace::Status;
use opentelemetry::{Array, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use traced::backend::{
    ARRAY_VALUE_MAX_LEN, DEFAULT_VALUE_LENGTH_LIMIT, set_value_length_limit, value_length_limit,
};
use traced::traced;
use traced_sdk::testing::{Capture, capture};

const TEN_MB: usize = 10 * 1024 * 1024;

fn text(value: Option<&Value>) -> &str {
    match value {
        Some(Value::String(s)) => s.as_str(),
        other => panic!("not a string: {other:?}"),
    }
}

/// A capture whose value length limit is `limit` until it is dropped (captures run
/// one at a time, so no other test sees it).
struct Limited(Capture);

impl Limited {
    fn new(limit: usize) -> Self {
        let capture = capture();
        set_value_length_limit(Some(limit));
        Limited(capture)
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        set_value_length_limit(None);
    }
}

#[traced]
fn take_str(body: &str) -> usize {
    body.len()
}

#[test]
fn a_long_str_argument_records_the_default_limit_of_characters() {
    let capture = capture();
    assert_eq!(value_length_limit(), DEFAULT_VALUE_LENGTH_LIMIT);
    let body = "é".repeat(TEN_MB / 2);
    take_str(&body);
    let spans = capture.finish();
    let recorded = text(spans.named("take_str").attr("body"));
    assert_eq!(recorded.chars().count(), DEFAULT_VALUE_LENGTH_LIMIT);
    assert!(body.starts_with(recorded));
}

#[test]
fn a_configured_limit_cuts_strings_to_that_many_characters_with_nothing_added() {
    let limited = Limited::new(5);
    take_str("héllo wörld");
    let spans = limited.0.spans();
    assert_eq!(text(spans.named("take_str").attr("body")), "héllo");
}

#[test]
fn a_string_within_the_limit_is_recorded_whole() {
    let limited = Limited::new(11);
    take_str("héllo wörld");
    let spans = limited.0.spans();
    assert_eq!(text(spans.named("take_str").attr("body")), "héllo wörld");
}

#[traced]
fn take_bytes(bytes: &[u8]) -> usize {
    bytes.len()
}

#[test]
fn a_long_byte_slice_records_its_first_elements_only() {
    let capture = capture();
    let bytes: Vec<u8> = (0..TEN_MB).map(|i| (i % 251) as u8).collect();
    take_bytes(&bytes);
    let spans = capture.finish();
    let Some(Value::Array(Array::I64(recorded))) = spans.named("take_bytes").attr("bytes") else {
        panic!("bytes not recorded as an integer array")
    };
    assert_eq!(recorded.len(), ARRAY_VALUE_MAX_LEN);
    let first: Vec<i64> = bytes[..ARRAY_VALUE_MAX_LEN]
        .iter()
        .map(|&b| i64::from(b))
        .collect();
    assert_eq!(recorded, &first);
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn take_names(names: Vec<String>) -> usize {
    names.len()
}

#[test]
fn each_string_in_an_array_is_cut_to_the_limit() {
    let limited = Limited::new(3);
    take_names(vec!["abcdef".into(), "xy".into()]);
    let spans = limited.0.spans();
    assert_eq!(
        spans.named("take_names").attr("names"),
        Some(&Value::Array(Array::String(vec![
            "abc".into(),
            "xy".into()
        ])))
    );
}

/// Counts how many times any value of it is formatted.
struct Counted;

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

impl fmt::Debug for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FORMATTED.fetch_add(1, Ordering::Relaxed);
        f.write_str("Counted")
    }
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn take_counted(items: Vec<Counted>) -> usize {
    items.len()
}

#[test]
fn a_long_vec_of_debug_only_elements_formats_only_those_that_fit() {
    let capture = capture();
    FORMATTED.store(0, Ordering::Relaxed);
    take_counted((0..TEN_MB).map(|_| Counted).collect());
    let spans = capture.finish();
    let recorded = text(spans.named("take_counted").attr("items"));
    assert!(recorded.starts_with("[Counted, Counted, "));
    assert!(recorded.ends_with('…'));
    assert!(recorded.len() <= traced::DEBUG_VALUE_MAX_LEN);
    // "Counted, " is 9 bytes: 28 elements fit in the bound, the 29th is cut.
    assert_eq!(FORMATTED.load(Ordering::Relaxed), 29);
}

#[traced]
fn take_counted_map(items: &HashMap<u32, Counted>) -> usize {
    items.len()
}

#[test]
fn a_large_map_of_debug_only_values_formats_only_the_entries_that_fit() {
    let items: HashMap<u32, Counted> = (0..100_000).map(|i| (i, Counted)).collect();
    let capture = capture();
    FORMATTED.store(0, Ordering::Relaxed);
    take_counted_map(&items);
    let spans = capture.finish();
    let recorded = text(spans.named("take_counted_map").attr("items"));
    assert!(recorded.starts_with('{'));
    assert!(recorded.ends_with('…'));
    assert!(FORMATTED.load(Ordering::Relaxed) < 30);
}

#[traced]
#[allow(clippy::needless_pass_by_value)]
fn take_few(items: Vec<Option<u8>>) -> usize {
    items.len()
}

#[test]
fn a_short_vec_of_debug_only_elements_reads_as_its_debug() {
    let capture = capture();
    take_few(vec![Some(1), None]);
    let spans = capture.finish();
    assert_eq!(
        text(spans.named("take_few").attr("items")),
        "[Some(1), None]"
    );
}

#[derive(Debug)]
struct Note {
    #[allow(dead_code)]
    text: String,
}

#[traced]
fn take_note(note: &Note) -> usize {
    note.text.len()
}

#[test]
fn debug_output_is_cut_to_its_bound_with_the_ellipsis_inside_it() {
    let capture = capture();
    take_note(&Note {
        text: "é".repeat(1000),
    });
    let spans = capture.finish();
    let recorded = text(spans.named("take_note").attr("note"));
    assert!(recorded.starts_with("Note { text: \"é"));
    assert!(recorded.ends_with('…'));
    assert!(recorded.len() <= traced::DEBUG_VALUE_MAX_LEN);
}

#[test]
fn debug_output_is_cut_to_a_lower_configured_limit() {
    let limited = Limited::new(6);
    take_note(&Note { text: "x".into() });
    let spans = limited.0.spans();
    assert_eq!(text(spans.named("take_note").attr("note")), "Note {");
}

/// An error whose description is `len` bytes, written one byte at a time.
#[derive(Debug)]
struct Huge {
    len: usize,
    written: AtomicUsize,
}

impl fmt::Display for Huge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for _ in 0..self.len {
            self.written.fetch_add(1, Ordering::Relaxed);
            f.write_str("e")?;
        }
        Ok(())
    }
}

impl std::error::Error for Huge {}

#[traced(record_err)]
fn fail(len: usize) -> Result<(), Huge> {
    Err(Huge {
        len,
        written: AtomicUsize::new(0),
    })
}

#[test]
fn an_error_description_is_formatted_up_to_the_limit_only() {
    let limited = Limited::new(10);
    let err = fail(TEN_MB).unwrap_err();
    let spans = limited.0.spans();
    let span = spans.named("fail");
    assert_eq!(span.status(), &Status::error("e".repeat(10)));
    assert_eq!(
        text(span.event_attr("exception", "exception.message")),
        "e".repeat(10)
    );
    // The description was written only until the limit refused more.
    assert!(err.written.load(Ordering::Relaxed) <= 10 * 4 + 1);
}
