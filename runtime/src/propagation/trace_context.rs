//! W3C Trace Context Level 2: the `traceparent` header (version, trace id, parent
//! id, flags) and, with it, `tracestate` (see [`super::tracestate`]).

use super::tracestate::{self, Received, OWS};
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId};
use opentelemetry::Context;
use std::sync::OnceLock;

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";
/// The flags this version defines: sampled (`01`) and random trace id (`02`).
/// Others are dropped, as the specification asks of a version `00` writer.
const KNOWN_FLAGS: u8 = 0x03;
/// `00-` trace id `-` parent id `-` flags.
const VERSION_00_LEN: usize = 55;

/// The W3C Trace Context propagator (Level 2): reads and writes the `traceparent`
/// and `tracestate` headers exactly as the specification defines them.
///
/// - `traceparent` is `version-traceid-parentid-flags` in lowercase hex, 55
///   characters for version `00`; a later version is read by its first 55
///   characters when a `-` or the end follows them; version `ff`, an all-zero id,
///   any other character, or the header sent twice is no parent. Only the
///   whitespace HTTP allows around a header value is ignored.
/// - The sampled flag (`01`) and the random trace id flag (`02`) are kept from
///   the incoming header and written as the span context holds them; other flags
///   are dropped.
/// - `tracestate` is read only with a valid `traceparent`: repeated lines form
///   one list; a list with more than 32 members or an invalid member is discarded
///   whole.
///
/// ```
/// use std::collections::HashMap;
/// use traced::otel::propagation::TextMapPropagator;
/// use traced::otel::trace::TraceContextExt;
/// use traced::otel::Context;
/// use traced::propagation::TraceContextPropagator;
///
/// let headers = HashMap::from([(
///     "traceparent".to_owned(),
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03".to_owned(),
/// )]);
/// let cx = TraceContextPropagator::new().extract_with_context(&Context::new(), &headers);
/// let parent = cx.span().span_context().clone();
/// assert!(parent.is_remote() && parent.is_sampled());
/// assert_eq!(parent.trace_flags().to_u8(), 0x03, "the random flag is kept");
///
/// let mut out = HashMap::new();
/// TraceContextPropagator::new().inject_context(&cx, &mut out);
/// assert_eq!(out["traceparent"], headers["traceparent"]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceContextPropagator {
    _private: (),
}

impl TraceContextPropagator {
    /// The propagator; it has no options.
    #[must_use]
    pub const fn new() -> Self {
        TraceContextPropagator { _private: () }
    }
}

impl TextMapPropagator for TraceContextPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let context = span.span_context();
        if !context.is_valid() {
            return;
        }
        injector.set(TRACEPARENT, traceparent(context));
        let state = tracestate::header(
            context.trace_state(),
            cx.get::<Received>(),
            context.trace_id(),
        );
        if !state.is_empty() {
            injector.set(TRACESTATE, state);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let lines = extractor.get_all(TRACEPARENT).unwrap_or_default();
        let Some((trace_id, span_id, flags)) = parse_traceparent(&lines) else {
            return cx.clone();
        };
        let lines = extractor.get_all(TRACESTATE).unwrap_or_default();
        let (state, received) = tracestate::extract(&lines, trace_id);
        let parent = SpanContext::new(trace_id, span_id, flags, true, state);
        let cx = cx.with_remote_span_context(parent);
        match received {
            Some(received) => cx.with_value(received),
            None if cx.get::<Received>().is_some() => cx.with_value(Received::NONE),
            None => cx,
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        static FIELDS: OnceLock<[String; 2]> = OnceLock::new();
        FieldIter::new(FIELDS.get_or_init(|| [TRACEPARENT.to_owned(), TRACESTATE.to_owned()]))
    }
}

/// The `traceparent` header of `context`, a valid span context: version `00`.
/// Written digit by digit from a table: `format!` costs ten times more, on every
/// request sent.
fn traceparent(context: &SpanContext) -> String {
    let flags = context.trace_flags().to_u8() & KNOWN_FLAGS;
    let mut header = Vec::with_capacity(VERSION_00_LEN);
    header.extend_from_slice(b"00-");
    push_hex(&mut header, &context.trace_id().to_bytes());
    header.push(b'-');
    push_hex(&mut header, &context.span_id().to_bytes());
    header.push(b'-');
    push_hex(&mut header, &[flags]);
    // Every byte is an ASCII digit, letter or dash.
    String::from_utf8(header).unwrap_or_default()
}

/// Appends `bytes` in lowercase hex, two digits each.
fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)]);
        out.push(DIGITS[usize::from(byte & 0x0f)]);
    }
}

/// The trace id, parent id and flags of the `traceparent` header `lines`: one line
/// (a header sent twice is invalid), of a version this one can read.
fn parse_traceparent(lines: &[&str]) -> Option<(TraceId, SpanId, TraceFlags)> {
    let [line] = lines else {
        return None;
    };
    // Bytes from here: no index below can fall inside a multibyte character.
    let value = line.trim_matches(OWS).as_bytes();
    let version = hex(value.get(..2)?)?;
    let length_fits = match value.len() {
        VERSION_00_LEN => true,
        // A later version adds fields after a `-`.
        n => version > 0 && n > VERSION_00_LEN && value[VERSION_00_LEN] == b'-',
    };
    if version == 0xff || !length_fits || value[2] != b'-' || value[35] != b'-' || value[52] != b'-'
    {
        return None;
    }
    let trace_id = u128::from(hex16(&value[3..19])?) << 64 | u128::from(hex16(&value[19..35])?);
    let span_id = hex16(&value[36..52])?;
    let flags = hex(&value[53..55])?;
    if trace_id == 0 || span_id == 0 {
        return None;
    }
    let flags = u8::try_from(flags).ok()? & KNOWN_FLAGS;
    Some((
        TraceId::from(trace_id),
        SpanId::from(span_id),
        TraceFlags::new(flags),
    ))
}

/// The value of each byte as a lowercase hex digit; `NOT_HEX` for any other.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        let byte = if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        };
        table[byte as usize] = digit;
        digit += 1;
    }
    table
};
const NOT_HEX: u8 = 0xff;

/// The number written by 16 lowercase hex `digits`: eight at a time, in the
/// bytes of one word (a third of the instructions of a digit at a time).
fn hex16(digits: &[u8]) -> Option<u64> {
    let (high, low) = digits.split_at_checked(8)?;
    Some(u64::from(hex8(high.try_into().ok()?)?) << 32 | u64::from(hex8(low.try_into().ok()?)?))
}

/// Every byte of a word holding `byte`.
const fn bytes_of(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

const HIGH_BITS: u64 = bytes_of(0x80);

/// The high bit of each byte of `word` (all ASCII) that lies in `lo..=hi`.
const fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
    // Neither sum carries nor difference borrows across bytes below 0x80.
    let at_least_lo = word + bytes_of(0x80 - lo);
    let at_most_hi = bytes_of(0x80 + hi) - word;
    at_least_lo & at_most_hi & HIGH_BITS
}

/// The number written by 8 lowercase hex `digits`, or `None` if one is not.
fn hex8(digits: [u8; 8]) -> Option<u32> {
    let word = u64::from_be_bytes(digits);
    let valid = word & HIGH_BITS == 0
        && (in_range(word, b'0', b'9') | in_range(word, b'a', b'f')) == HIGH_BITS;
    if !valid {
        return None;
    }
    // A digit's value is its low nibble, plus 9 for a letter (bit 6 set).
    let mut nibbles = (word & bytes_of(0x0f)) + ((word >> 6) & bytes_of(0x01)) * 9;
    // Pairs of nibbles into bytes, bytes into halves, halves into the number.
    nibbles = (nibbles | nibbles >> 4) & 0x00ff_00ff_00ff_00ff;
    nibbles = (nibbles | nibbles >> 8) & 0x0000_ffff_0000_ffff;
    nibbles = (nibbles | nibbles >> 16) & 0xffff_ffff;
    u32::try_from(nibbles).ok()
}

/// The number written in lowercase hex by `digits` (at most 16 of them).
fn hex(digits: &[u8]) -> Option<u64> {
    let mut n = 0u64;
    let mut invalid = 0u8;
    for &digit in digits {
        let value = HEX_DIGITS[usize::from(digit)];
        // Checked once at the end: no branch per digit.
        invalid |= value & 0xf0;
        n = n << 4 | u64::from(value & 0x0f);
    }
    (invalid == 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::{hex, hex16};

    /// Digit by digit, as the specification reads them.
    fn reference(digits: &[u8]) -> Option<u64> {
        digits.iter().try_fold(0u64, |n, &d| {
            let value = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                _ => return None,
            };
            Some(n << 4 | u64::from(value))
        })
    }

    #[test]
    fn a_header_is_written_as_format_writes_it() {
        use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
        for (trace, span, flags) in [
            (
                0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128,
                0x00f0_67aa_0ba9_02b7_u64,
                1u8,
            ),
            (1, 1, 0),
            (u128::MAX, u64::MAX, 3),
        ] {
            let context = SpanContext::new(
                TraceId::from(trace),
                SpanId::from(span),
                TraceFlags::new(flags),
                false,
                TraceState::NONE,
            );
            assert_eq!(
                super::traceparent(&context),
                format!("00-{trace:032x}-{span:016x}-{flags:02x}")
            );
        }
    }

    #[test]
    fn eight_digits_at_a_time_read_as_one_at_a_time() {
        let base = *b"0123456789abcdef";
        assert_eq!(hex16(&base), Some(0x0123_4567_89ab_cdef));
        assert_eq!(hex16(b"ffffffffffffffff"), Some(u64::MAX));
        // Every byte value at every position: only the 16 digits are read.
        for position in 0..16 {
            for byte in 0..=255u8 {
                let mut digits = base;
                digits[position] = byte;
                assert_eq!(
                    hex16(&digits),
                    reference(&digits),
                    "byte {byte:#04x} at {position}"
                );
                assert_eq!(hex(&digits), reference(&digits));
            }
        }
        assert_eq!(hex16(b"0123"), None, "too short");
    }
}
