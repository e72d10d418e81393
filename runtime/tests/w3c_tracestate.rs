//! The `tracestate` header as W3C Trace Context Level 2 defines it, through
//! `TraceContextPropagator` alone (no SDK, no global propagator).

mod support;

use std::collections::HashMap;
use support::Headers;
use traced::otel::propagation::TextMapPropagator;
use traced::otel::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use traced::otel::Context;
use traced::propagation::TraceContextPropagator;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The context extracted from a valid `traceparent` and the `tracestate` lines.
fn extracted(lines: &[&str]) -> Context {
    let mut headers = vec![("traceparent", TRACEPARENT)];
    headers.extend(lines.iter().map(|&line| ("tracestate", line)));
    TraceContextPropagator::new().extract_with_context(&Context::new(), &Headers(headers))
}

/// The remote parent's trace state, from the `tracestate` lines.
fn state(lines: &[&str]) -> TraceState {
    extracted(lines).span().span_context().trace_state().clone()
}

/// The `tracestate` header injected in `cx`, if any.
fn injected(cx: &Context) -> Option<String> {
    let mut headers = HashMap::new();
    TraceContextPropagator::new().inject_context(cx, &mut headers);
    headers.remove("tracestate")
}

/// The `tracestate` header forwarded after receiving the `tracestate` lines.
fn forwarded(lines: &[&str]) -> Option<String> {
    injected(&extracted(lines))
}

/// A local child of the parent in `cx`, with trace state `state`, as a span start
/// makes it: the same trace, a new span id.
fn child(cx: &Context, state: TraceState) -> Context {
    let parent = cx.span().span_context().clone();
    let child = SpanContext::new(
        parent.trace_id(),
        SpanId::from(7),
        parent.trace_flags(),
        false,
        state,
    );
    cx.with_remote_span_context(child)
}

#[test]
fn the_tracestate_is_read_with_a_valid_traceparent() {
    let state = state(&["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"]);
    assert_eq!(state.get("rojo"), Some("00f067aa0ba902b7"));
    assert_eq!(state.get("congo"), Some("t61rcWkgMzE"));
}

#[test]
fn the_tracestate_is_forwarded_unchanged() {
    let header = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
    assert_eq!(forwarded(&[header]).as_deref(), Some(header));
}

#[test]
fn a_tracestate_without_a_valid_traceparent_is_ignored() {
    let headers = Headers(vec![("tracestate", "foo=1")]);
    let cx = TraceContextPropagator::new().extract_with_context(&Context::new(), &headers);
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(injected(&cx), None);
}

#[test]
fn a_tracestate_with_a_traceparent_sent_twice_is_ignored() {
    let headers = Headers(vec![
        ("traceparent", TRACEPARENT),
        ("traceparent", TRACEPARENT),
        ("tracestate", "foo=1"),
    ]);
    let cx = TraceContextPropagator::new().extract_with_context(&Context::new(), &headers);
    assert!(!cx.span().span_context().is_valid());
}

#[test]
fn repeated_lines_are_one_list_in_order() {
    let lines = ["foo=1,bar=2", "rojo=1,congo=2", "baz=3"];
    assert_eq!(
        forwarded(&lines).as_deref(),
        Some("foo=1,bar=2,rojo=1,congo=2,baz=3")
    );
}

#[test]
fn empty_members_and_the_whitespace_around_members_are_dropped() {
    let lines = [",, foo=1 \t ,\t,bar=2,", "", " \t ", "baz=3"];
    assert_eq!(forwarded(&lines).as_deref(), Some("foo=1,bar=2,baz=3"));
}

#[test]
fn an_empty_tracestate_is_no_trace_state_and_is_not_sent() {
    assert_eq!(state(&[""]), TraceState::NONE);
    assert_eq!(forwarded(&[""]), None);
    assert!(extracted(&[""]).span().span_context().is_valid());
}

#[test]
fn the_leading_spaces_of_a_value_are_part_of_it() {
    assert_eq!(state(&["foo=  1"]).get("foo"), Some("  1"));
}

#[test]
fn trailing_whitespace_is_not_part_of_a_value() {
    assert_eq!(state(&["foo=1 \t"]).get("foo"), Some("1"));
}

#[test]
fn thirty_two_members_are_kept() {
    let members: Vec<String> = (1..=32).map(|n| format!("bar{n:02}={n:02}")).collect();
    let header = members.join(",");
    assert_eq!(forwarded(&[&header]), Some(header));
}

#[test]
fn a_thirty_third_member_discards_the_whole_list() {
    let members: Vec<String> = (1..=33).map(|n| format!("bar{n:02}={n:02}")).collect();
    assert_eq!(state(&[&members.join(",")]), TraceState::NONE);
    let (first, second) = members.split_at(30);
    assert_eq!(
        state(&[&first.join(","), &second.join(",")]),
        TraceState::NONE
    );
}

#[test]
fn an_invalid_tracestate_keeps_the_traceparent() {
    let cx = extracted(&["FOO=1"]);
    assert!(cx.span().span_context().is_valid());
    assert_eq!(injected(&cx), None);
}

#[test]
fn a_key_is_at_most_256_characters() {
    let key = "z".repeat(256);
    assert_eq!(
        forwarded(&["foo=1", &format!("{key}=1")]),
        Some(format!("foo=1,{key}=1"))
    );
    let key = "z".repeat(257);
    assert_eq!(forwarded(&["foo=1", &format!("{key}=1")]), None);
}

#[test]
fn a_key_may_hold_at_signs_anywhere_after_its_first_character() {
    for key in [
        "foo@",
        "foo@@bar",
        "foo@bar@baz",
        &format!("{}@{}", "t".repeat(241), "v".repeat(14)),
        &format!("{}@v", "t".repeat(242)),
        &format!("t@{}", "v".repeat(15)),
        "1@_",
    ] {
        let header = format!("{key}=1,bar=2");
        assert_eq!(forwarded(&[&header]), Some(header.clone()), "{key}");
    }
}

#[test]
fn a_key_may_start_with_a_digit() {
    assert_eq!(forwarded(&["1foo=1"]).as_deref(), Some("1foo=1"));
}

#[test]
fn a_key_starting_with_an_at_sign_discards_the_list() {
    assert_eq!(forwarded(&["@foo=1,bar=2"]), None);
}

#[test]
fn a_key_with_another_character_discards_the_list() {
    for header in [
        "FOO=1",
        "foo.bar=1",
        "foo =1",
        "f\u{f6}o=1",
        "_foo=1",
        "=1",
        "foo\t=1",
    ] {
        assert_eq!(forwarded(&[header, "bar=2"]), None, "{header:?}");
    }
}

#[test]
fn every_character_the_grammar_allows_is_kept() {
    let key: String = ('a'..='z')
        .chain('0'..='9')
        .chain("_-*/@".chars())
        .collect();
    let value: String = (0x20u8..=0x7e)
        .filter(|&b| b != b',' && b != b'=')
        .map(char::from)
        .collect();
    let header = format!("{key}={value}");
    assert_eq!(forwarded(&[&header]), Some(header));
}

#[test]
fn a_value_with_an_equals_sign_discards_the_list() {
    assert_eq!(forwarded(&["foo=bar=baz"]), None);
}

#[test]
fn an_empty_value_discards_the_list() {
    assert_eq!(forwarded(&["foo=,bar=3"]), None);
    assert_eq!(forwarded(&["foo=   ,bar=3"]), None);
}

#[test]
fn a_member_without_an_equals_sign_discards_the_list() {
    assert_eq!(forwarded(&["foo,bar=3"]), None);
}

#[test]
fn a_value_is_at_most_256_characters() {
    let value = "v".repeat(256);
    assert_eq!(
        forwarded(&[&format!("foo={value}")]),
        Some(format!("foo={value}"))
    );
    let value = "v".repeat(257);
    assert_eq!(forwarded(&[&format!("foo={value}")]), None);
}

#[test]
fn control_characters_in_a_value_discard_the_list() {
    for value in ["a\u{1}b", "a\tb", "a\nb", "a\u{7f}b", "a\rb"] {
        let header = format!("foo={value},bar=2");
        assert_eq!(forwarded(&[&header]), None, "{header:?}");
    }
}

#[test]
fn non_ascii_discards_the_list_at_every_byte_position() {
    let header = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
    for wide in ["é", "€", "𝄞"] {
        for at in 0..=header.len() {
            let mut changed = header.to_owned();
            changed.insert_str(at, wide);
            assert_eq!(forwarded(&[&changed]), None, "{changed:?}");
        }
    }
}

#[test]
fn a_repeated_key_keeps_its_first_entry() {
    assert_eq!(forwarded(&["foo=1,foo=2"]).as_deref(), Some("foo=1"));
    assert_eq!(
        forwarded(&["foo=1", "bar=3", "foo=2"]).as_deref(),
        Some("foo=1,bar=3")
    );
}

#[test]
fn a_header_of_commas_is_read_in_one_pass() {
    let header = format!("{}foo=1{}", ",".repeat(1 << 20), ", ".repeat(1 << 20));
    assert_eq!(forwarded(&[&header]).as_deref(), Some("foo=1"));
}

#[test]
fn a_huge_member_discards_the_list() {
    let header = format!("foo={}", "v".repeat(1 << 20));
    assert_eq!(forwarded(&[&header]), None);
}

#[test]
fn keys_opentelemetry_cannot_hold_are_forwarded_in_order() {
    let header = "foo@@bar=1,bar=2,t@vvvvvvvvvvvvvvv=3";
    let cx = extracted(&[header]);
    let state = cx.span().span_context().trace_state().clone();
    assert_eq!(
        state.header(),
        "bar=2",
        "the span context holds what it can"
    );
    assert_eq!(injected(&child(&cx, state)).as_deref(), Some(header));
}

#[test]
fn a_member_the_service_adds_comes_first() {
    let cx = extracted(&["foo@@bar=1,bar=2"]);
    let state = cx
        .span()
        .span_context()
        .trace_state()
        .insert("mine", "1")
        .unwrap();
    assert_eq!(
        injected(&child(&cx, state)).as_deref(),
        Some("mine=1,foo@@bar=1,bar=2")
    );
}

#[test]
fn a_member_the_service_changes_moves_first() {
    let cx = extracted(&["foo@@bar=1,bar=2,baz=3"]);
    let state = cx
        .span()
        .span_context()
        .trace_state()
        .insert("baz", "4")
        .unwrap();
    assert_eq!(
        injected(&child(&cx, state)).as_deref(),
        Some("baz=4,foo@@bar=1,bar=2")
    );
}

#[test]
fn a_member_the_service_deletes_is_not_forwarded() {
    let cx = extracted(&["foo@@bar=1,bar=2,baz=3"]);
    let state = cx
        .span()
        .span_context()
        .trace_state()
        .delete("bar")
        .unwrap();
    assert_eq!(
        injected(&child(&cx, state)).as_deref(),
        Some("foo@@bar=1,baz=3")
    );
}

#[test]
fn a_span_of_another_trace_does_not_inherit_the_received_list() {
    let cx = extracted(&["foo@@bar=1,bar=2"]);
    let other = SpanContext::new(
        TraceId::from(9),
        SpanId::from(9),
        TraceFlags::SAMPLED,
        false,
        TraceState::from_key_value([("mine", "1")]).unwrap(),
    );
    assert_eq!(
        injected(&cx.with_remote_span_context(other)).as_deref(),
        Some("mine=1")
    );
}

#[test]
fn a_later_extraction_replaces_the_received_list() {
    let first = extracted(&["foo@@bar=1,bar=2"]);
    let headers = Headers(vec![("traceparent", TRACEPARENT), ("tracestate", "baz=3")]);
    let second = TraceContextPropagator::new().extract_with_context(&first, &headers);
    assert_eq!(injected(&second).as_deref(), Some("baz=3"));
}

#[test]
fn members_set_in_code_that_break_the_grammar_are_not_sent() {
    let state =
        TraceState::from_key_value([("ok", "1"), ("ctl", "a\u{1}b"), ("empty", "")]).unwrap();
    let context = SpanContext::new(
        TraceId::from(9),
        SpanId::from(9),
        TraceFlags::SAMPLED,
        false,
        state,
    );
    assert_eq!(
        injected(&Context::new().with_remote_span_context(context)).as_deref(),
        Some("ok=1")
    );
}
