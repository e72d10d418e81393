//! The `tracestate` header of W3C Trace Context Level 2: vendor entries, as
//! `key=value` list-members, that travel with the `traceparent`.
//!
//! A received list is taken whole or not at all: a member that breaks the grammar,
//! or a 33rd member, discards it (the specification lets a vendor discard a list it
//! cannot parse, and a list of more than 32 members is not a `tracestate`). Repeated
//! header lines are one list, in order; empty members and the whitespace around
//! members are dropped; a key repeated later in the list is dropped (the left-most
//! entry is the most recent, and a vendor may discard duplicates).
//!
//! opentelemetry's `TraceState` still checks keys by the grammar of Level 1 (one
//! `@`, at most 13 characters after it), so it cannot hold every key Level 2
//! allows (`foo@`, `a@b@c`, `t@` and 14 characters). The span context carries the
//! members it can hold; when some are left over, the received list rides in the
//! context beside it ([`Received`]), and inject writes the list whole again.

use opentelemetry::trace::{TraceId, TraceState};

/// A list holds at most this many members.
const MAX_MEMBERS: usize = 32;
/// A key, and a value, is at most this many characters.
const MAX_LEN: usize = 256;
/// Optional whitespace (RFC 9110): spaces and horizontal tabs.
pub(crate) const OWS: [char; 2] = [' ', '\t'];

/// The received `tracestate`, when the span context could not hold all of it.
#[derive(Debug)]
pub(crate) struct Received {
    /// The trace it came with; spans of another trace do not inherit it.
    trace_id: TraceId,
    members: Vec<Member>,
}

#[derive(Debug)]
struct Member {
    key: String,
    value: String,
    /// Whether the span context's `TraceState` holds it too.
    held: bool,
}

impl Received {
    /// Nothing received: shadows what an earlier extraction left in the context.
    pub(crate) const NONE: Received = Received {
        trace_id: TraceId::INVALID,
        members: Vec::new(),
    };
}

/// The trace state of a remote parent in `trace_id`, read from the `tracestate`
/// header `lines`, and, when the `TraceState` cannot hold all of it, the whole
/// list for the context to carry beside it. An invalid list is no trace state.
pub(crate) fn extract(lines: &[&str], trace_id: TraceId) -> (TraceState, Option<Received>) {
    if lines.is_empty() {
        // No header, the common case: nothing to parse.
        return (TraceState::NONE, None);
    }
    let Some(members) = parse(lines) else {
        return (TraceState::NONE, None);
    };
    if let Ok(state) = TraceState::from_key_value(members.iter().copied()) {
        return (state, None);
    }
    let held: Vec<bool> = members
        .iter()
        .map(|&member| TraceState::from_key_value([member]).is_ok())
        .collect();
    let state = TraceState::from_key_value(
        members
            .iter()
            .zip(&held)
            .filter_map(|(&member, &held)| held.then_some(member)),
    )
    .unwrap_or_default();
    let members = members
        .iter()
        .zip(held)
        .map(|(&(key, value), held)| Member {
            key: key.to_owned(),
            value: value.to_owned(),
            held,
        })
        .collect();
    (state, Some(Received { trace_id, members }))
}

/// The list-members of `lines` (the values of every `tracestate` header line, one
/// list in order), or `None` when the list is invalid.
fn parse<'a>(lines: &[&'a str]) -> Option<Vec<(&'a str, &'a str)>> {
    let mut members: Vec<(&str, &str)> = Vec::new();
    let mut count = 0;
    for member in lines.iter().flat_map(|line| line.split(',')) {
        let member = member.trim_matches(OWS);
        if member.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_MEMBERS {
            return None;
        }
        let (key, value) = member.split_once('=')?;
        if !valid_key(key) || !valid_value(value) {
            return None;
        }
        if members.iter().all(|&(seen, _)| seen != key) {
            members.push((key, value));
        }
    }
    Some(members)
}

/// The `tracestate` header for a span in `trace_id` whose trace state is `state`,
/// in a context that carries `received`: empty when there is nothing to send.
///
/// With a received list the span context could not hold, the members the service
/// added or changed come first, then the received ones in their order, less those
/// it changed or deleted. A member that breaks the grammar (opentelemetry's
/// `TraceState` takes values with control characters, or empty) is not written.
pub(crate) fn header(state: &TraceState, received: Option<&Received>, trace_id: TraceId) -> String {
    let mut header = String::new();
    let mut count = 0;
    let mut write = |key: &str, value: &str| {
        if count < MAX_MEMBERS && valid_key(key) && valid_value(value) {
            if count > 0 {
                header.push(',');
            }
            header.push_str(key);
            header.push('=');
            header.push_str(value);
            count += 1;
        }
    };
    match received.filter(|received| received.trace_id == trace_id) {
        None => state.into_iter().for_each(|(key, value)| write(key, value)),
        Some(received) => {
            let was_received = |key: &str, value: &str| {
                received
                    .members
                    .iter()
                    .any(|member| member.key == key && member.value == value)
            };
            for (key, value) in state {
                if !was_received(key, value) {
                    write(key, value);
                }
            }
            for member in &received.members {
                if !member.held || state.get(&member.key) == Some(member.value.as_str()) {
                    write(&member.key, &member.value);
                }
            }
        }
    }
    header
}

/// `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`,
/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`.
fn valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    bytes.len() <= MAX_LEN
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && rest.iter().all(|&b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'_' | b'-' | b'*' | b'/' | b'@')
        })
}

/// `value = 0*255( chr ) nblk-chr`, `chr = %x20 / nblk-chr`,
/// `nblk-chr = %x21-2B / %x2D-3C / %x3E-7E`: printable ASCII but `,` and `=`,
/// not ending in a space.
fn valid_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LEN
        && bytes.last() != Some(&b' ')
        && bytes
            .iter()
            .all(|&b| matches!(b, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}
