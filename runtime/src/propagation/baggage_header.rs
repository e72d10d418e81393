//! The W3C `baggage` header: `key=value;property;key=value` list-members, values
//! percent-encoded.

use super::tracestate::OWS;
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::Context;
use std::sync::OnceLock;

const BAGGAGE: &str = "baggage";
/// A header carries every member while it holds at most 64 of them in at most
/// 8192 bytes; beyond that a platform may drop members.
const MAX_MEMBERS: usize = 64;
const MAX_BYTES: usize = 8192;

/// The W3C Baggage propagator: reads and writes the `baggage` header into the
/// context's [`Baggage`], which `traced::baggage` reads.
///
/// - Keys are RFC 7230 tokens; values are percent-decoded on extract (a sequence
///   that is not UTF-8 becomes U+FFFD) and percent-encoded on inject (all but
///   letters, digits and `-._~`).
/// - Properties (`;flag;key=value`) are kept as the entry's `BaggageMetadata`, in
///   their wire form without whitespace (property values stay percent-encoded).
/// - Repeated header lines are one list. A malformed member is skipped and the
///   others kept; a repeated key keeps its first entry.
/// - The limits: each member is kept while the header holds at most 64 members
///   in at most 8192 bytes; one that would go past them is dropped, whole, on
///   extract and on inject. Inject writes the entries in key order.
///
/// ```
/// use std::collections::HashMap;
/// use traced::otel::baggage::BaggageExt;
/// use traced::otel::propagation::TextMapPropagator;
/// use traced::otel::Context;
/// use traced::propagation::BaggagePropagator;
///
/// let headers = HashMap::from([(
///     "baggage".to_owned(),
///     "userId=Am%C3%A9lie, serverNode = DF%2028;region=eu".to_owned(),
/// )]);
/// let cx = BaggagePropagator::new().extract_with_context(&Context::new(), &headers);
/// assert_eq!(cx.baggage().get("userId").unwrap().as_str(), "Amélie");
/// let (node, properties) = cx.baggage().get_with_metadata("serverNode").unwrap();
/// assert_eq!((node.as_str(), properties.as_str()), ("DF 28", "region=eu"));
///
/// let mut out = HashMap::new();
/// BaggagePropagator::new().inject_context(&cx, &mut out);
/// assert_eq!(out["baggage"], "serverNode=DF%2028;region=eu,userId=Am%C3%A9lie");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BaggagePropagator {
    _private: (),
}

impl BaggagePropagator {
    /// The propagator; it has no options.
    #[must_use]
    pub const fn new() -> Self {
        BaggagePropagator { _private: () }
    }
}

impl TextMapPropagator for BaggagePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let header = header(cx.baggage());
        if !header.is_empty() {
            injector.set(BAGGAGE, header);
        }
    }

    /// With a `baggage` header, the context's baggage is the header's; without
    /// one, the context is unchanged.
    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        match extractor.get_all(BAGGAGE) {
            Some(lines) if !lines.is_empty() => cx.with_baggage(parse(&lines)),
            _ => cx.clone(),
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        static FIELDS: OnceLock<[String; 1]> = OnceLock::new();
        FieldIter::new(FIELDS.get_or_init(|| [BAGGAGE.to_owned()]))
    }
}

/// The baggage of the `baggage` header `lines`, one list in order.
fn parse(lines: &[&str]) -> Baggage {
    let mut baggage = Baggage::new();
    let mut bytes = 0;
    for member in lines.iter().flat_map(|line| line.split(',')) {
        if baggage.len() == MAX_MEMBERS {
            break;
        }
        let Some(member) = Member::parse(member) else {
            continue;
        };
        let size = usize::from(bytes > 0) + member.wire_len;
        if bytes + size > MAX_BYTES || baggage.get(member.key).is_some() {
            continue;
        }
        bytes += size;
        baggage.insert_with_metadata(
            member.key.to_owned(),
            decode(member.value),
            member.properties,
        );
    }
    baggage
}

/// A list-member as received: `key OWS "=" OWS value *( OWS ";" OWS property )`.
struct Member<'a> {
    key: &'a str,
    /// Still percent-encoded.
    value: &'a str,
    /// `;`-separated, without whitespace.
    properties: String,
    /// Its length once written without whitespace.
    wire_len: usize,
}

impl<'a> Member<'a> {
    fn parse(member: &'a str) -> Option<Self> {
        let (key, rest) = member.split_once('=')?;
        let key = key.trim_matches(OWS);
        let mut parts = rest.split(';');
        let value = parts.next()?.trim_matches(OWS);
        if !is_token(key) || !is_value(value) {
            return None;
        }
        let mut properties = String::new();
        for property in parts {
            if !properties.is_empty() {
                properties.push(';');
            }
            Property::parse(property)?.write(&mut properties);
        }
        let wire_len =
            key.len() + 1 + value.len() + usize::from(!properties.is_empty()) + properties.len();
        Some(Member {
            key,
            value,
            properties,
            wire_len,
        })
    }
}

/// `key OWS "=" OWS value`, or `key`.
struct Property<'a> {
    key: &'a str,
    value: Option<&'a str>,
}

impl<'a> Property<'a> {
    fn parse(property: &'a str) -> Option<Self> {
        let (key, value) = match property.split_once('=') {
            Some((key, value)) => (key, Some(value.trim_matches(OWS))),
            None => (property, None),
        };
        let key = key.trim_matches(OWS);
        (is_token(key) && value.is_none_or(is_value)).then_some(Property { key, value })
    }

    fn write(&self, out: &mut String) {
        out.push_str(self.key);
        if let Some(value) = self.value {
            out.push('=');
            out.push_str(value);
        }
    }
}

/// The `baggage` header for `baggage`, entries in key order: empty when there is
/// nothing to send.
fn header(baggage: &Baggage) -> String {
    let mut entries: Vec<_> = baggage.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    let mut header = String::new();
    let mut member = String::new();
    let mut count = 0;
    for (key, (value, metadata)) in entries {
        if count == MAX_MEMBERS {
            break;
        }
        if !is_token(key.as_str()) {
            continue;
        }
        member.clear();
        member.push_str(key.as_str());
        member.push('=');
        encode(value.as_str(), &mut member);
        // Metadata set in code may hold anything: only valid properties are sent.
        for property in metadata.as_str().split(';').filter_map(Property::parse) {
            member.push(';');
            property.write(&mut member);
        }
        let separator = usize::from(count > 0);
        if header.len() + separator + member.len() > MAX_BYTES {
            continue;
        }
        if separator > 0 {
            header.push(',');
        }
        header.push_str(&member);
        count += 1;
    }
    header
}

/// RFC 7230 `token`: `1*tchar`.
fn is_token(key: &str) -> bool {
    !key.is_empty()
        && key.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// `value = *baggage-octet`, `baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B /
/// %x5D-7E`: printable ASCII but `"`, `,`, `;` and `\`.
fn is_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e))
}

/// `value` percent-decoded; a `%` not followed by two hex digits stays as it is,
/// and bytes that are not UTF-8 become U+FFFD.
fn decode(value: &str) -> String {
    if !value.contains('%') {
        return value.to_owned();
    }
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some(&[b'%', high, low]) => hex_digit(high).zip(hex_digit(low)),
            _ => None,
        };
        if let Some((high, low)) = escaped {
            decoded.push(high << 4 | low);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_digit(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Appends `value` to `out`, percent-encoded: everything but the characters no
/// decoder reads differently (RFC 3986 unreserved: letters, digits, `-._~`).
fn encode(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}
