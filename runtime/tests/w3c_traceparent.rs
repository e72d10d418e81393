//! The `traceparent` header as W3C Trace Context Level 2 defines it, through
//! `TraceContextPropagator` alone (no SDK, no global propagator).

mod support;

use std::collections::HashMap;
use support::Headers;
use traced::otel::propagation::TextMapPropagator;
use traced::otel::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use traced::otel::Context;
use traced::propagation::TraceContextPropagator;

const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE_ID: TraceId =
    TraceId::from_bytes(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128.to_be_bytes());
const SPAN_ID: SpanId = SpanId::from_bytes(0x00f0_67aa_0ba9_02b7_u64.to_be_bytes());

/// The remote parent extracted from `headers`, if any.
fn parent(headers: &[(&str, &str)]) -> Option<SpanContext> {
    let cx = TraceContextPropagator::new()
        .extract_with_context(&Context::new(), &Headers(headers.to_vec()));
    let parent = cx.span().span_context().clone();
    parent.is_valid().then_some(parent)
}

/// The remote parent extracted from one `traceparent` value, if any.
fn parent_of(traceparent: &str) -> Option<SpanContext> {
    parent(&[("traceparent", traceparent)])
}

/// The headers injected for a span with `context`.
fn injected(context: SpanContext) -> HashMap<String, String> {
    let mut headers = HashMap::new();
    TraceContextPropagator::new().inject_context(
        &Context::new().with_remote_span_context(context),
        &mut headers,
    );
    headers
}

fn span_context(flags: u8) -> SpanContext {
    SpanContext::new(
        TRACE_ID,
        SPAN_ID,
        TraceFlags::new(flags),
        false,
        TraceState::NONE,
    )
}

#[test]
fn a_valid_traceparent_is_the_remote_parent() {
    let parent = parent_of(VALID).expect("a parent");
    assert_eq!(parent.trace_id(), TRACE_ID);
    assert_eq!(parent.span_id(), SPAN_ID);
    assert!(parent.is_remote());
}

#[test]
fn the_sampled_flag_is_read() {
    assert!(parent_of(VALID).unwrap().is_sampled());
    let unsampled = VALID.replace("-01", "-00");
    assert!(!parent_of(&unsampled).unwrap().is_sampled());
}

#[test]
fn the_random_flag_is_kept_on_extract() {
    let random = VALID.replace("-01", "-02");
    assert_eq!(
        parent_of(&random).unwrap().trace_flags(),
        TraceFlags::new(0x02)
    );
    let both = VALID.replace("-01", "-03");
    assert_eq!(
        parent_of(&both).unwrap().trace_flags(),
        TraceFlags::new(0x03)
    );
}

#[test]
fn flags_this_version_does_not_define_are_dropped_on_extract() {
    let all = VALID.replace("-01", "-ff");
    assert_eq!(
        parent_of(&all).unwrap().trace_flags(),
        TraceFlags::new(0x03)
    );
    let unknown = VALID.replace("-01", "-04");
    assert_eq!(
        parent_of(&unknown).unwrap().trace_flags(),
        TraceFlags::new(0x00)
    );
}

#[test]
fn version_ff_is_invalid() {
    assert_eq!(parent_of(&VALID.replacen("00", "ff", 1)), None);
}

#[test]
fn the_version_is_two_lowercase_hex_digits() {
    for version in ["0", "000", "0000", "0A", ".0", "0.", "+0", " 0", "g0"] {
        let header = format!("{version}{}", &VALID[2..]);
        assert_eq!(parent_of(&header), None, "{header:?}");
    }
}

#[test]
fn the_trace_id_is_32_lowercase_hex_digits() {
    for trace_id in [
        "4bf92f3577b34da6a3ce929d0e0e473",
        "4bf92f3577b34da6a3ce929d0e0e47360",
        "4BF92F3577B34DA6A3CE929D0E0E4736",
        ".bf92f3577b34da6a3ce929d0e0e4736",
        "4bf92f3577b34da6a3ce929d0e0e473.",
        "4bf92f3577b34da6 3ce929d0e0e4736",
    ] {
        let header = format!("00-{trace_id}-00f067aa0ba902b7-01");
        assert_eq!(parent_of(&header), None, "{header:?}");
    }
}

#[test]
fn the_parent_id_is_16_lowercase_hex_digits() {
    for parent_id in [
        "00f067aa0ba902b",
        "00f067aa0ba902b70",
        "00F067AA0BA902B7",
        ".0f067aa0ba902b7",
        "00f067aa0ba902b.",
    ] {
        let header = format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{parent_id}-01");
        assert_eq!(parent_of(&header), None, "{header:?}");
    }
}

#[test]
fn the_flags_are_two_lowercase_hex_digits() {
    for flags in ["1", "001", "0A", ".0", "0.", "+1", " 1"] {
        let header = format!("{}{flags}", &VALID[..53]);
        assert_eq!(parent_of(&header), None, "{header:?}");
    }
}

#[test]
fn a_plus_sign_is_not_a_digit() {
    let header = "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert_eq!(parent_of(header), None);
    assert_eq!(
        parent_of("00-4bf92f3577b34da6a3ce929d0e0e4736-+0f067aa0ba902b7-01"),
        None
    );
}

#[test]
fn short_fields_are_not_zero_padded() {
    assert_eq!(parent_of("00-1-2-01"), None);
    assert_eq!(parent_of("00-1-2-1"), None);
}

#[test]
fn an_all_zero_trace_id_is_invalid() {
    assert_eq!(
        parent_of("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
        None
    );
}

#[test]
fn an_all_zero_parent_id_is_invalid() {
    assert_eq!(
        parent_of("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
        None
    );
}

#[test]
fn version_00_is_exactly_55_characters() {
    assert_eq!(parent_of(&format!("{VALID}.")), None);
    assert_eq!(
        parent_of(&format!("{VALID}-what-the-future-will-be-like")),
        None
    );
    assert_eq!(parent_of(&VALID[..54]), None);
}

#[test]
fn a_later_version_is_read_by_its_first_55_characters() {
    let later = VALID.replacen("00", "cc", 1);
    assert_eq!(parent_of(&later).unwrap().trace_id(), TRACE_ID);
    let extended = format!("{later}-what-the-future-will-be-like");
    assert_eq!(parent_of(&extended).unwrap().span_id(), SPAN_ID);
}

#[test]
fn a_later_version_has_a_dash_after_its_flags() {
    let later = VALID.replacen("00", "cc", 1);
    assert_eq!(
        parent_of(&format!("{later}.what-the-future-will-be-like")),
        None
    );
    assert_eq!(parent_of(&format!("{later}0")), None);
}

#[test]
fn a_later_version_shorter_than_55_characters_is_invalid() {
    let later = VALID.replacen("00", "cc", 1);
    assert_eq!(parent_of(&later[..54]), None);
}

#[test]
fn a_later_version_keeps_the_sampled_and_random_flags_only() {
    let later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-0123";
    assert_eq!(
        parent_of(later).unwrap().trace_flags(),
        TraceFlags::new(0x03)
    );
}

#[test]
fn the_whitespace_http_allows_around_a_value_is_ignored() {
    for header in [
        format!(" {VALID}"),
        format!("\t{VALID}"),
        format!("{VALID} "),
        format!("{VALID}\t"),
        format!("\t {VALID} \t"),
    ] {
        assert_eq!(
            parent_of(&header).map(|p| p.trace_id()),
            Some(TRACE_ID),
            "{header:?}"
        );
    }
}

#[test]
fn other_whitespace_around_a_value_is_invalid() {
    for header in [
        format!("{VALID}\n"),
        format!("\r\n{VALID}"),
        format!("\u{a0}{VALID}"),
        format!("{VALID}\u{3000}"),
        format!("\u{b}{VALID}"),
    ] {
        assert_eq!(parent_of(&header), None, "{header:?}");
    }
}

#[test]
fn a_traceparent_sent_twice_is_no_parent() {
    let other = "00-12345678901234567890123456789012-1234567890123456-01";
    assert_eq!(
        parent(&[("traceparent", VALID), ("traceparent", other)]),
        None
    );
    assert_eq!(
        parent(&[("traceparent", VALID), ("traceparent", VALID)]),
        None
    );
}

#[test]
fn an_empty_traceparent_is_no_parent() {
    assert_eq!(parent_of(""), None);
    assert_eq!(parent(&[]), None);
}

#[test]
fn no_byte_position_of_a_multibyte_character_panics() {
    for wide in ["é", "€", "𝄞"] {
        for at in 0..=VALID.len() {
            let mut header = VALID.to_owned();
            header.insert_str(at, wide);
            assert_eq!(parent_of(&header), None, "{header:?}");
            let mut replaced = VALID.to_owned();
            if at < VALID.len() {
                replaced.replace_range(at..=at, wide);
                assert_eq!(parent_of(&replaced), None, "{replaced:?}");
            }
        }
    }
}

#[test]
fn a_huge_value_is_invalid() {
    let header = format!("cc{}", "-".repeat(1 << 20));
    assert_eq!(parent_of(&header), None);
    let header = format!("{VALID}{}", "0".repeat(1 << 20));
    assert_eq!(parent_of(&header), None);
}

#[test]
fn an_invalid_traceparent_leaves_the_context_as_it_was() {
    let base = Context::new().with_remote_span_context(span_context(0x01));
    let cx = TraceContextPropagator::new()
        .extract_with_context(&base, &Headers(vec![("traceparent", "00-1-2-01")]));
    assert_eq!(cx.span().span_context().span_id(), SPAN_ID);
}

#[test]
fn inject_writes_version_00_with_the_span_ids() {
    assert_eq!(injected(span_context(0x01))["traceparent"], VALID);
}

#[test]
fn inject_writes_the_random_flag_the_span_context_holds() {
    let traceparent = &injected(span_context(0x02))["traceparent"];
    assert!(traceparent.ends_with("-02"), "{traceparent}");
    let traceparent = &injected(span_context(0x03))["traceparent"];
    assert!(traceparent.ends_with("-03"), "{traceparent}");
}

#[test]
fn inject_drops_flags_this_version_does_not_define() {
    let traceparent = &injected(span_context(0xfd))["traceparent"];
    assert!(traceparent.ends_with("-01"), "{traceparent}");
}

#[test]
fn inject_writes_nothing_for_an_invalid_span_context() {
    assert!(injected(SpanContext::empty_context()).is_empty());
}

#[test]
fn a_later_version_is_forwarded_as_version_00() {
    let later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-future";
    let traceparent = &injected(parent_of(later).unwrap())["traceparent"];
    assert_eq!(
        traceparent,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"
    );
}

#[test]
fn the_propagator_names_its_fields() {
    let propagator = TraceContextPropagator::new();
    let fields: Vec<&str> = propagator.fields().collect();
    assert_eq!(fields, ["traceparent", "tracestate"]);
}
