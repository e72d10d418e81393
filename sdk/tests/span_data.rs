//! The span data of a sampled call, as exporters receive it: `traced` builds the
//! spans of its own provider itself (with sampling it decides), and the SDK builds
//! them when the sampler is one `traced` cannot apply. Both must export the same
//! standard data: ids, parentage, timestamps, limits, and what the OpenTelemetry
//! API adds to the current span.

use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{Sampler, SamplingDecision, SamplingResult, ShouldSample};
use std::time::{Duration, SystemTime};
use traced::traced;
use traced_sdk::testing::{capture, capture_with, Capture};

/// Samples everything, but is not a sampler `traced` knows: spans go through the
/// SDK's own tracer.
#[derive(Clone, Debug)]
struct Opaque;

impl ShouldSample for Opaque {
    fn should_sample(
        &self,
        _: Option<&Context>,
        _: opentelemetry::trace::TraceId,
        _: &str,
        _: &SpanKind,
        _: &[KeyValue],
        _: &[opentelemetry::trace::Link],
    ) -> SamplingResult {
        SamplingResult {
            decision: SamplingDecision::RecordAndSample,
            attributes: Vec::new(),
            trace_state: Default::default(),
        }
    }
}

/// A way of building spans: its name, and how to start capturing with it.
type Way = (&'static str, fn() -> Capture);

/// Both ways of building spans.
fn both() -> [Way; 2] {
    [
        ("traced", capture),
        ("sdk", || {
            capture_with(Sampler::ParentBased(Box::new(Opaque)))
        }),
    ]
}

#[traced(kind = server)]
fn handle(id: u64) {
    std::thread::sleep(Duration::from_millis(5));
    // What code using the plain OpenTelemetry API adds reaches the traced span.
    opentelemetry::trace::get_active_span(|span| {
        span.add_event("checked", vec![KeyValue::new("rows", 3_i64)]);
        span.set_attribute(KeyValue::new("extra", "yes"));
    });
    // A span started by hand through the global tracer is a child.
    let tracer = opentelemetry::global::tracer("by-hand");
    tracer.in_span("by hand", |_| {});
    lookup(id);
}

#[traced]
fn lookup(id: u64) -> u64 {
    id
}

#[test]
fn ids_parentage_times_and_api_additions_are_exported_the_same_either_way() {
    for (way, start) in both() {
        let capture = start();
        let before = SystemTime::now();
        handle(7);
        let after = SystemTime::now();
        let spans = capture.finish();
        let server = spans.named("handle");
        let child = spans.named("lookup");
        let by_hand = spans.named("by hand");
        assert_eq!(server.kind(), &SpanKind::Server, "{way}");
        assert!(child.is_child_of(server), "{way}");
        assert!(by_hand.is_child_of(server), "{way}");
        assert_eq!(child.trace_id(), server.trace_id(), "{way}");
        let data = server.data();
        assert!(data.span_context.is_sampled(), "{way}");
        assert!(!data.span_context.is_remote(), "{way}");
        assert_eq!(
            data.parent_span_id,
            opentelemetry::trace::SpanId::INVALID,
            "{way}"
        );
        // Timestamps: within the call, ordered, and as long as the work.
        let slack = Duration::from_millis(2);
        assert!(
            data.start_time + slack >= before,
            "{way}: started before the call"
        );
        assert!(
            data.end_time <= after + slack,
            "{way}: ended after the call"
        );
        let took = data.end_time.duration_since(data.start_time).expect(way);
        assert!(took >= Duration::from_millis(4), "{way}: {took:?}");
        let inner = child.data();
        assert!(inner.start_time >= data.start_time && inner.end_time <= data.end_time + slack);
        assert_eq!(
            server.event_attr("checked", "rows"),
            Some(&3_i64.into()),
            "{way}"
        );
        assert_eq!(server.attr("extra"), Some(&"yes".into()), "{way}");
        assert_eq!(
            data.instrumentation_scope.name(),
            env!("CARGO_PKG_NAME"),
            "{way}"
        );
        assert_eq!(data.status, Status::Unset, "{way}");
    }
}

#[traced]
fn crowded() {
    for i in 0..200_i64 {
        traced::current_span().set_attribute(format!("extra.{i}"), i);
    }
    for i in 0..130_i64 {
        traced::current_span().add_event("tick", vec![KeyValue::new("i", i)]);
    }
}

#[test]
fn the_span_limits_hold_and_what_is_dropped_is_counted() {
    for (way, start) in both() {
        let capture = start();
        crowded();
        let spans = capture.finish();
        let data = spans.named("crowded").data();
        // 3 code attributes + 200 set: the first 128 are kept.
        assert_eq!(data.attributes.len(), 128, "{way}");
        assert_eq!(data.dropped_attributes_count, 203 - 128, "{way}");
        assert_eq!(data.events.len(), 128, "{way}");
        assert_eq!(data.events.dropped_count, 2, "{way}");
    }
}

#[traced]
fn overruled() {
    let span = traced::current_span();
    span.set_status(Status::Ok);
    span.set_status(Status::error("later"));
    span.update_name("renamed");
}

#[test]
fn status_only_moves_up_and_names_can_change() {
    for (way, start) in both() {
        let capture = start();
        overruled();
        let spans = capture.finish();
        assert_eq!(spans.named("renamed").status(), &Status::Ok, "{way}");
    }
}

/// Fails its span twice among events of its own, after `crowd` events.
#[traced]
fn failing_twice(crowd: i64, ok_first: bool) {
    let span = traced::current_span();
    if ok_first {
        span.set_status(Status::Ok);
    }
    for i in 0..crowd {
        span.add_event("before", vec![KeyValue::new("i", i)]);
    }
    span.record_error(&std::io::Error::other("b: the first"));
    span.add_event("between", vec![]);
    // Described "an error occurred when formatting an argument": below the first.
    span.record_error(&std::fmt::Error);
    span.add_event("after", vec![]);
}

/// A span's events as (name, attributes), its dropped events, status and
/// attribute keys.
type Failed = (Vec<(String, Vec<KeyValue>)>, u32, Status, Vec<String>);

fn failed(capture: Capture, crowd: i64, ok_first: bool) -> Failed {
    failing_twice(crowd, ok_first);
    let spans = capture.finish();
    let data = spans.named("failing_twice").data();
    let events = data
        .events
        .iter()
        .map(|event| (event.name.to_string(), event.attributes.clone()))
        .collect();
    let keys = data
        .attributes
        .iter()
        .map(|kv| kv.key.to_string())
        .collect();
    (events, data.events.dropped_count, data.status.clone(), keys)
}

#[test]
fn failures_keep_their_place_among_events_and_the_limits_either_way() {
    let exception = |type_name: &str, message: &str| {
        (
            "exception".to_owned(),
            vec![
                KeyValue::new("exception.type", type_name.to_owned()),
                KeyValue::new("exception.message", message.to_owned()),
            ],
        )
    };
    let first = exception("std::io::error::Error", "b: the first");
    let second = exception(
        "core::fmt::Error",
        "an error occurred when formatting an argument",
    );
    let named = |name: &str| (name.to_owned(), vec![]);
    for (crowd, ok_first) in [(0, false), (0, true), (127, false), (128, false)] {
        let [(_, traced_way), (_, sdk_way)] = both();
        let native = failed(traced_way(), crowd, ok_first);
        let sdk = failed(sdk_way(), crowd, ok_first);
        assert_eq!(native, sdk, "crowd {crowd}, ok first {ok_first}");
        let (events, dropped, status, keys) = native;
        let crowd = usize::try_from(crowd).unwrap();
        let tail: Vec<_> = events[crowd..].to_vec();
        match crowd {
            0 => {
                assert_eq!(
                    tail,
                    [
                        first.clone(),
                        named("between"),
                        second.clone(),
                        named("after")
                    ]
                );
                assert_eq!(dropped, 0);
            }
            127 => {
                assert_eq!(tail, std::slice::from_ref(&first));
                assert_eq!(dropped, 3);
            }
            _ => {
                assert!(tail.is_empty());
                assert_eq!(dropped, 4);
            }
        }
        let expected = if ok_first {
            Status::Ok
        } else {
            Status::error("b: the first")
        };
        assert_eq!(status, expected);
        assert_eq!(keys.iter().filter(|key| *key == "error.type").count(), 2);
    }
}

#[test]
fn a_span_of_another_thread_under_an_extracted_remote_parent_keeps_it() {
    let remote = opentelemetry::trace::SpanContext::new(
        opentelemetry::trace::TraceId::from(0x1234_u128),
        opentelemetry::trace::SpanId::from(0x99_u64),
        opentelemetry::trace::TraceFlags::SAMPLED,
        true,
        "vendor=value".parse().expect("trace state"),
    );
    for (way, start) in both() {
        let capture = start();
        let parent = Context::new().with_remote_span_context(remote.clone());
        std::thread::scope(|s| {
            s.spawn(|| served(&parent, 5));
        });
        let spans = capture.finish();
        let data = spans.named("served").data();
        assert_eq!(data.span_context.trace_id(), remote.trace_id(), "{way}");
        assert_eq!(data.parent_span_id, remote.span_id(), "{way}");
        assert!(data.parent_span_is_remote, "{way}");
        assert_eq!(
            spans.named("served").attr("id"),
            Some(&5_i64.into()),
            "{way}"
        );
        assert_eq!(
            data.span_context.trace_state().header(),
            "vendor=value",
            "{way}"
        );
    }
}

#[traced(parent = parent, skip(parent))]
fn served(parent: &Context, id: u64) -> u64 {
    id
}

#[traced(record_err)]
fn parse(text: &str, strict: bool) -> Result<u64, std::num::ParseIntError> {
    opentelemetry::trace::get_active_span(|span| {
        span.set_attribute(KeyValue::new("late", text.len() as i64));
    });
    let _ = strict;
    text.parse()
}

/// A native span's record is emptied by the exporting side and reused by a later
/// span: nothing of a span (attributes, text, events, status, links) reaches the
/// next one that gets its record.
#[test]
fn a_reused_record_carries_nothing_of_the_span_before() {
    let capture = capture();
    let long = "9".repeat(300);
    let inputs = ["12", "x1", long.as_str(), "", "7"];
    for round in 0..50_u32 {
        for input in inputs {
            let _ = parse(input, round.is_multiple_of(2));
        }
    }
    let spans = capture.finish();
    assert_eq!(spans.len(), 250);
    for (i, span) in spans.0.iter().enumerate() {
        let input = inputs[i % inputs.len()];
        let data = span.data();
        let failed = input.parse::<u64>().is_err();
        let keys: Vec<&str> = data.attributes.iter().map(|kv| kv.key.as_str()).collect();
        let mut expected = vec![
            "code.function.name",
            "code.file.path",
            "code.line.number",
            "text",
            "strict",
            "late",
        ];
        if failed {
            expected.push("error.type");
        }
        assert_eq!(keys, expected, "span {i}");
        assert_eq!(
            span.attr("text"),
            Some(&opentelemetry::Value::from(input.to_owned()))
        );
        assert_eq!(
            span.attr("strict"),
            Some(&opentelemetry::Value::Bool(
                (i / inputs.len()).is_multiple_of(2)
            ))
        );
        assert_eq!(data.events.events.len(), usize::from(failed), "span {i}");
        assert_eq!(
            matches!(data.status, Status::Error { .. }),
            failed,
            "span {i}: {:?}",
            data.status
        );
        assert!(data.links.links.is_empty());
    }
}
