//! OTLP protobuf, written straight from span data into one buffer: an
//! `ExportTraceServiceRequest` holding one resource and its spans grouped by
//! instrumentation scope, with no intermediate message structures
//! (`export_request`). Each message's length is computed before it is written
//! (protobuf prefixes every nested message with its length), so every byte is
//! written once; the same sizes keep each export request under its bound
//! ([`fit`]). Field numbers are those of `opentelemetry/proto/trace/v1/trace.proto`,
//! `common/v1/common.proto` and `resource/v1/resource.proto`.

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use opentelemetry_sdk::Resource;

/// An export request's bytes beyond its spans and scopes: the request's field for
/// its one `ResourceSpans` (with a length prefix of at most 5 bytes), and the
/// resource in it.
fn request_overhead(resource_len: usize) -> usize {
    1 + 5 + field_len(1, resource_len)
}

/// The bytes one instrumentation scope adds to a request: its `ScopeSpans` field
/// (length prefix of at most 5 bytes), the scope, and its schema URL.
fn scope_overhead(scope: &InstrumentationScope) -> usize {
    1 + 5 + field_len(1, scope_len(scope)) + string_len(3, scope.schema_url().unwrap_or(""))
}

/// The encoded size of `resource` in a request: its `Resource` message and its
/// schema URL.
pub(crate) fn resource_len(resource: &Resource) -> usize {
    resource
        .iter()
        .map(|(key, value)| field_len(1, key_value_len(key.as_str(), value)))
        .sum::<usize>()
        + string_len(3, resource.schema_url().unwrap_or(""))
}

/// How one batch goes out: each span's encoded size, and the requests to send,
/// each the indices of its spans in the batch, in order.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) lens: Vec<usize>,
    pub(crate) requests: Vec<Vec<usize>>,
    /// Spans too big for a request alone, left out of every request.
    pub(crate) left_out: usize,
}

/// Splits `batch` into requests of at most `max` bytes each, in order (with a
/// resource of `resource_len` bytes), sizing each span once. A span that does not
/// fit a request alone loses its attributes, events and links (counted as dropped
/// on it); one that still does not fit is left out.
pub(crate) fn plan(batch: &mut [SpanData], resource_len: usize, max: usize) -> Plan {
    let base = request_overhead(resource_len);
    let mut lens = Vec::with_capacity(batch.len());
    let mut fits = Vec::with_capacity(batch.len());
    for span in batch.iter_mut() {
        let scope = scope_overhead(&span.instrumentation_scope);
        let mut len = span_len(span);
        if base + scope + field_len(2, len) > max {
            strip(span);
            len = span_len(span);
        }
        lens.push(len);
        fits.push(base + scope + field_len(2, len) <= max);
    }
    let mut requests = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut scopes: Vec<&InstrumentationScope> = Vec::new();
    let mut size = base;
    for (i, span) in batch.iter().enumerate().filter(|&(i, _)| fits[i]) {
        let scope = &span.instrumentation_scope;
        let len = field_len(2, lens[i]);
        let known = scopes.contains(&scope);
        let mut cost = len + if known { 0 } else { scope_overhead(scope) };
        if !current.is_empty() && size + cost > max {
            requests.push(std::mem::take(&mut current));
            scopes.clear();
            size = base;
            cost = len + scope_overhead(scope);
        }
        if scopes.is_empty() || !known {
            scopes.push(scope);
        }
        size += cost;
        current.push(i);
    }
    if !current.is_empty() {
        requests.push(current);
    }
    let left_out = fits.iter().filter(|fits| !**fits).count();
    Plan {
        lens,
        requests,
        left_out,
    }
}

/// Takes a span's attributes, events and links off, counting them as dropped.
fn strip(span: &mut SpanData) {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    span.dropped_attributes_count = span
        .dropped_attributes_count
        .saturating_add(count(span.attributes.len()));
    span.attributes.clear();
    span.events.dropped_count = span
        .events
        .dropped_count
        .saturating_add(count(span.events.events.len()));
    span.events.events.clear();
    span.links.dropped_count = span
        .links
        .dropped_count
        .saturating_add(count(span.links.links.len()));
    span.links.links.clear();
}

fn scope_len(scope: &InstrumentationScope) -> usize {
    string_len(1, scope.name())
        + string_len(2, scope.version().unwrap_or(""))
        + attributes_len(3, scope.attributes())
}

pub(crate) fn span_len(span: &SpanData) -> usize {
    let context = &span.span_context;
    let mut len = bytes_len(1, 16) + bytes_len(2, 8);
    len += string_len(3, &context.trace_state().header());
    if span.parent_span_id != opentelemetry::trace::SpanId::INVALID {
        len += bytes_len(4, 8);
    }
    len += string_len(5, &span.name);
    len += varint_field_len(6, kind(&span.span_kind));
    len += 2 * (1 + 8);
    len += attributes_len_kv(9, &span.attributes);
    len += varint_field_len(10, u64::from(span.dropped_attributes_count));
    for event in span.events.iter() {
        len += field_len(11, event_len(event));
    }
    len += varint_field_len(12, u64::from(span.events.dropped_count));
    for link in span.links.iter() {
        len += field_len(13, link_len(link));
    }
    len += varint_field_len(14, u64::from(span.links.dropped_count));
    len += field_len(15, status_len(&span.status));
    len + 2 + 4
}

fn event_len(event: &opentelemetry::trace::Event) -> usize {
    1 + 8
        + string_len(2, &event.name)
        + attributes_len_kv(3, &event.attributes)
        + varint_field_len(4, u64::from(event.dropped_attributes_count))
}

fn link_len(link: &opentelemetry::trace::Link) -> usize {
    let context = &link.span_context;
    bytes_len(1, 16)
        + bytes_len(2, 8)
        + string_len(3, &context.trace_state().header())
        + attributes_len_kv(4, &link.attributes)
        + varint_field_len(5, u64::from(link.dropped_attributes_count))
        + 1
        + 4
}

fn status_len(status: &Status) -> usize {
    let message = match status {
        Status::Error { description } => string_len(2, description),
        _ => 0,
    };
    message + varint_field_len(3, status_code(status))
}

fn status_code(status: &Status) -> u64 {
    match status {
        Status::Unset => 0,
        Status::Ok => 1,
        Status::Error { .. } => 2,
    }
}

fn kind(kind: &SpanKind) -> u64 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

fn attributes_len<'a>(field: u32, attributes: impl Iterator<Item = &'a KeyValue>) -> usize {
    attributes
        .map(|kv| field_len(field, key_value_len(kv.key.as_str(), &kv.value)))
        .sum()
}

fn attributes_len_kv(field: u32, attributes: &[KeyValue]) -> usize {
    attributes_len(field, attributes.iter())
}

fn key_value_len(key: &str, value: &Value) -> usize {
    string_len(1, key) + field_len(2, any_value_len(value))
}

fn any_value_len(value: &Value) -> usize {
    match value {
        Value::Bool(_) => 2,
        Value::I64(v) => 1 + varint_len(*v as u64),
        Value::F64(_) => 1 + 8,
        Value::String(s) => field_len(1, s.as_str().len()),
        Value::Array(array) => field_len(5, array_len(array)),
        other => field_len(1, other.to_string().len()),
    }
}

fn array_len(array: &Array) -> usize {
    match array {
        Array::Bool(items) => items.len() * field_len(1, 2),
        Array::I64(items) => items
            .iter()
            .map(|v| field_len(1, 1 + varint_len(*v as u64)))
            .sum(),
        Array::F64(items) => items.len() * field_len(1, 9),
        Array::String(items) => items
            .iter()
            .map(|s| field_len(1, field_len(1, s.as_str().len())))
            .sum(),
        other => field_len(1, field_len(1, other.to_string().len())),
    }
}

fn key_len(field: u32) -> usize {
    varint_len(u64::from(field << 3))
}

fn varint_len(value: u64) -> usize {
    // 1 byte per 7 bits, at least one.
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

fn field_len(field: u32, len: usize) -> usize {
    key_len(field) + varint_len(len as u64) + len
}

fn string_len(field: u32, value: &str) -> usize {
    if value.is_empty() {
        0
    } else {
        field_len(field, value.len())
    }
}

fn bytes_len(field: u32, len: usize) -> usize {
    field_len(field, len)
}

fn varint_field_len(field: u32, value: u64) -> usize {
    if value == 0 {
        0
    } else {
        key_len(field) + varint_len(value)
    }
}

/// Writing a request: what the OTLP transports send.
mod write {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    /// `Span.flags` / `Link.flags`: the W3C trace flags in the low byte, and
    /// whether the parent (the linked span) is remote.
    const HAS_IS_REMOTE: u32 = 0x100;
    const IS_REMOTE: u32 = 0x200;

    /// Writes the request holding `members` (indices into `spans`, whose sizes
    /// are `lens`) into `out`, which it replaces.
    pub(crate) fn export_request(
        resource: &Resource,
        spans: &[SpanData],
        lens: &[usize],
        members: &[usize],
        out: &mut Vec<u8>,
    ) {
        out.clear();
        let scopes = by_scope(spans, members);
        let resource_spans = resource_spans_len(resource, lens, &scopes);
        out.reserve_exact(field_len(1, resource_spans));
        message(out, 1, resource_spans);
        message(out, 1, resource_message_len(resource));
        for (key, value) in resource.iter() {
            key_value(out, 1, key.as_str(), value);
        }
        for (scope, members) in &scopes {
            let scope_spans = scope_spans_len(scope, lens, members);
            message(out, 2, scope_spans);
            message(out, 1, scope_len(scope));
            write_scope(out, scope);
            for &i in members {
                message(out, 2, lens[i]);
                write_span(out, &spans[i]);
            }
            string(out, 3, scope.schema_url().unwrap_or(""));
        }
        string(out, 3, resource.schema_url().unwrap_or(""));
    }

    /// `members` grouped by instrumentation scope, in the order each scope first
    /// comes.
    fn by_scope<'a>(
        spans: &'a [SpanData],
        members: &[usize],
    ) -> Vec<(&'a InstrumentationScope, Vec<usize>)> {
        let mut scopes: Vec<(&InstrumentationScope, Vec<usize>)> = Vec::new();
        for &i in members {
            let scope = &spans[i].instrumentation_scope;
            match scopes.iter_mut().find(|(known, _)| *known == scope) {
                Some((_, members)) => members.push(i),
                None => scopes.push((scope, vec![i])),
            }
        }
        scopes
    }

    fn resource_spans_len(
        resource: &Resource,
        lens: &[usize],
        scopes: &[(&InstrumentationScope, Vec<usize>)],
    ) -> usize {
        let mut len = field_len(1, resource_message_len(resource));
        for (scope, members) in scopes {
            len += field_len(2, scope_spans_len(scope, lens, members));
        }
        len + string_len(3, resource.schema_url().unwrap_or(""))
    }

    fn scope_spans_len(scope: &InstrumentationScope, lens: &[usize], members: &[usize]) -> usize {
        let spans: usize = members.iter().map(|&i| field_len(2, lens[i])).sum();
        field_len(1, scope_len(scope)) + spans + string_len(3, scope.schema_url().unwrap_or(""))
    }

    fn write_scope(out: &mut Vec<u8>, scope: &InstrumentationScope) {
        string(out, 1, scope.name());
        string(out, 2, scope.version().unwrap_or(""));
        for kv in scope.attributes() {
            key_value(out, 3, kv.key.as_str(), &kv.value);
        }
    }

    fn write_span(out: &mut Vec<u8>, span: &SpanData) {
        let context = &span.span_context;
        bytes(out, 1, &context.trace_id().to_bytes());
        bytes(out, 2, &context.span_id().to_bytes());
        string(out, 3, &context.trace_state().header());
        if span.parent_span_id != opentelemetry::trace::SpanId::INVALID {
            bytes(out, 4, &span.parent_span_id.to_bytes());
        }
        string(out, 5, &span.name);
        varint_field(out, 6, kind(&span.span_kind));
        fixed64(out, 7, nanos(span.start_time));
        fixed64(out, 8, nanos(span.end_time));
        for kv in &span.attributes {
            key_value(out, 9, kv.key.as_str(), &kv.value);
        }
        varint_field(out, 10, u64::from(span.dropped_attributes_count));
        for event in span.events.iter() {
            message(out, 11, event_len(event));
            fixed64(out, 1, nanos(event.timestamp));
            string(out, 2, &event.name);
            for kv in &event.attributes {
                key_value(out, 3, kv.key.as_str(), &kv.value);
            }
            varint_field(out, 4, u64::from(event.dropped_attributes_count));
        }
        varint_field(out, 12, u64::from(span.events.dropped_count));
        for link in span.links.iter() {
            message(out, 13, link_len(link));
            let context = &link.span_context;
            bytes(out, 1, &context.trace_id().to_bytes());
            bytes(out, 2, &context.span_id().to_bytes());
            string(out, 3, &context.trace_state().header());
            for kv in &link.attributes {
                key_value(out, 4, kv.key.as_str(), &kv.value);
            }
            varint_field(out, 5, u64::from(link.dropped_attributes_count));
            fixed32(
                out,
                6,
                flags(
                    u32::from(context.trace_flags().to_u8()),
                    context.is_remote(),
                ),
            );
        }
        varint_field(out, 14, u64::from(span.links.dropped_count));
        message(out, 15, status_len(&span.status));
        if let Status::Error { description } = &span.status {
            string(out, 2, description);
        }
        varint_field(out, 3, status_code(&span.status));
        fixed32(
            out,
            16,
            flags(
                u32::from(context.trace_flags().to_u8()),
                span.parent_span_is_remote,
            ),
        );
    }

    fn flags(trace_flags: u32, remote: bool) -> u32 {
        trace_flags | HAS_IS_REMOTE | if remote { IS_REMOTE } else { 0 }
    }

    fn nanos(time: SystemTime) -> u64 {
        time.duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    fn key_value(out: &mut Vec<u8>, field: u32, key: &str, value: &Value) {
        let value_len = any_value_len(value);
        message(out, field, string_len(1, key) + field_len(2, value_len));
        string(out, 1, key);
        message(out, 2, value_len);
        any_value(out, value);
    }

    fn any_value(out: &mut Vec<u8>, value: &Value) {
        match value {
            Value::Bool(v) => varint_field_always(out, 2, u64::from(*v)),
            Value::I64(v) => varint_field_always(out, 3, *v as u64),
            Value::F64(v) => {
                key(out, 4, 1);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Value::String(s) => string_always(out, 1, s.as_str()),
            Value::Array(array) => {
                message(out, 5, array_len(array));
                write_array(out, array);
            }
            other => string_always(out, 1, &other.to_string()),
        }
    }

    fn write_array(out: &mut Vec<u8>, array: &Array) {
        match array {
            Array::Bool(items) => {
                for v in items {
                    message(out, 1, 2);
                    varint_field_always(out, 2, u64::from(*v));
                }
            }
            Array::I64(items) => {
                for v in items {
                    message(out, 1, 1 + varint_len(*v as u64));
                    varint_field_always(out, 3, *v as u64);
                }
            }
            Array::F64(items) => {
                for v in items {
                    message(out, 1, 9);
                    key(out, 4, 1);
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            Array::String(items) => {
                for s in items {
                    message(out, 1, field_len(1, s.as_str().len()));
                    string_always(out, 1, s.as_str());
                }
            }
            other => {
                let text = other.to_string();
                message(out, 1, field_len(1, text.len()));
                string_always(out, 1, &text);
            }
        }
    }

    fn key(out: &mut Vec<u8>, field: u32, wire_type: u32) {
        varint(out, u64::from(field << 3 | wire_type));
    }

    fn varint(out: &mut Vec<u8>, mut value: u64) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    fn message(out: &mut Vec<u8>, field: u32, len: usize) {
        key(out, field, 2);
        varint(out, len as u64);
    }

    fn string(out: &mut Vec<u8>, field: u32, value: &str) {
        if !value.is_empty() {
            string_always(out, field, value);
        }
    }

    fn string_always(out: &mut Vec<u8>, field: u32, value: &str) {
        message(out, field, value.len());
        out.extend_from_slice(value.as_bytes());
    }

    fn bytes(out: &mut Vec<u8>, field: u32, value: &[u8]) {
        message(out, field, value.len());
        out.extend_from_slice(value);
    }

    fn varint_field(out: &mut Vec<u8>, field: u32, value: u64) {
        if value != 0 {
            varint_field_always(out, field, value);
        }
    }

    fn varint_field_always(out: &mut Vec<u8>, field: u32, value: u64) {
        key(out, field, 0);
        varint(out, value);
    }

    fn fixed64(out: &mut Vec<u8>, field: u32, value: u64) {
        key(out, field, 1);
        out.extend_from_slice(&value.to_le_bytes());
    }

    fn fixed32(out: &mut Vec<u8>, field: u32, value: u32) {
        key(out, field, 5);
        out.extend_from_slice(&value.to_le_bytes());
    }

    /// The encoded size of `resource`'s `Resource` message alone.
    fn resource_message_len(resource: &Resource) -> usize {
        resource
            .iter()
            .map(|(key, value)| field_len(1, key_value_len(key.as_str(), value)))
            .sum()
    }
}

pub(crate) use write::export_request;

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Event, Link, SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use prost::Message as _;
    use std::time::{Duration, UNIX_EPOCH};

    fn context(span: u64, remote: bool) -> SpanContext {
        let state =
            TraceState::from_key_value([("vendor", "value"), ("other@tenant", "x")]).unwrap();
        SpanContext::new(
            TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
            SpanId::from(span),
            TraceFlags::new(0x03),
            remote,
            state,
        )
    }

    fn scope(name: &'static str) -> InstrumentationScope {
        InstrumentationScope::builder(name)
            .with_version("1.2.3")
            .with_schema_url("https://opentelemetry.io/schemas/1.42.0")
            .with_attributes([KeyValue::new("scope.key", "v")])
            .build()
    }

    /// A span with every kind of field and value.
    fn rich(id: u64, scope_name: &'static str) -> SpanData {
        let at = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
        let attributes = vec![
            KeyValue::new("text", "héllo"),
            KeyValue::new("empty", ""),
            KeyValue::new("flag", false),
            KeyValue::new("count", -42_i64),
            KeyValue::new("big", i64::MAX),
            KeyValue::new("ratio", 0.5),
            KeyValue::new(
                "names",
                Value::Array(Array::String(vec!["a".into(), "".into()])),
            ),
            KeyValue::new("ints", Value::Array(Array::I64(vec![1, -1, 300]))),
            KeyValue::new("floats", Value::Array(Array::F64(vec![1.5]))),
            KeyValue::new("bools", Value::Array(Array::Bool(vec![true, false]))),
        ];
        let mut events = SpanEvents::default();
        events
            .events
            .push(Event::new("exception", at, attributes[..2].to_vec(), 1));
        events.dropped_count = 3;
        let mut links = SpanLinks::default();
        links
            .links
            .push(Link::new(context(7, true), attributes[2..4].to_vec(), 2));
        SpanData {
            span_context: context(id, false),
            parent_span_id: SpanId::from(id + 1),
            parent_span_is_remote: true,
            span_kind: SpanKind::Server,
            name: "GET /users/{id}".into(),
            start_time: at,
            end_time: at + Duration::from_micros(1500),
            attributes,
            dropped_attributes_count: 5,
            events,
            links,
            status: Status::error("user 7 not found"),
            instrumentation_scope: scope(scope_name),
        }
    }

    fn plain(id: u64) -> SpanData {
        let mut span = rich(id, "plain");
        span.parent_span_id = SpanId::INVALID;
        span.parent_span_is_remote = false;
        span.span_kind = SpanKind::Internal;
        span.status = Status::Unset;
        span.events = SpanEvents::default();
        span.links = SpanLinks::default();
        span.dropped_attributes_count = 0;
        span.span_context = SpanContext::new(
            TraceId::from(1),
            SpanId::from(id),
            TraceFlags::default(),
            false,
            TraceState::NONE,
        );
        span
    }

    fn encoded(resource: &Resource, spans: Vec<SpanData>) -> usize {
        let resource = ResourceAttributesWithSchema::from(resource);
        ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(spans, &resource),
        }
        .encoded_len()
    }

    fn resource() -> Resource {
        Resource::builder_empty()
            .with_attributes([KeyValue::new("service.name", "checkout")])
            .with_schema_url([], "https://opentelemetry.io/schemas/1.42.0")
            .build()
    }

    #[test]
    fn a_span_is_sized_exactly_as_the_otlp_exporter_encodes_it() {
        for span in [rich(10, "rich"), plain(20)] {
            let proto = opentelemetry_proto::tonic::trace::v1::Span::from(span.clone());
            assert_eq!(span_len(&span), proto.encoded_len(), "{}", span.name);
        }
    }

    #[test]
    fn requests_stay_within_the_bound_and_keep_every_span_in_order() {
        let resource = resource();
        let batch: Vec<SpanData> = (1..=300)
            .map(|i| {
                if i % 3 == 0 {
                    rich(i, "a")
                } else {
                    rich(i, "b")
                }
            })
            .collect();
        let whole = encoded(&resource, batch.clone());
        let max = whole / 7;
        let mut planned = batch.clone();
        let plan = plan(&mut planned, resource_len(&resource), max);
        assert_eq!(plan.left_out, 0);
        assert_eq!(planned, batch, "nothing stripped");
        assert!(plan.requests.len() >= 7, "{} requests", plan.requests.len());
        let mut ids = Vec::new();
        for request in &plan.requests {
            ids.extend(request.iter().map(|&i| i as u64 + 1));
            let spans: Vec<SpanData> = request.iter().map(|&i| batch[i].clone()).collect();
            let size = encoded(&resource, spans);
            assert!(size <= max, "{size} > {max}");
        }
        assert_eq!(ids, (1..=300).collect::<Vec<u64>>());
    }

    #[test]
    fn a_span_too_big_alone_loses_its_attributes_or_is_left_out() {
        let resource = resource();
        let mut big = plain(1);
        big.attributes
            .push(KeyValue::new("blob", "x".repeat(10_000)));
        let mut huge_name = plain(2);
        huge_name.name = "n".repeat(10_000).into();
        let mut batch = vec![big, plain(3), huge_name];
        let plan = plan(&mut batch, resource_len(&resource), 2_000);
        assert_eq!(plan.requests, [vec![0, 1]]);
        assert!(batch[0].attributes.is_empty());
        assert_eq!(batch[0].dropped_attributes_count, 11);
        assert_eq!(plan.left_out, 1);
        assert!(encoded(&resource, batch[..2].to_vec()) <= 2_000);
    }

    #[test]
    fn a_request_decodes_to_what_the_otlp_exporter_sends() {
        let resource = resource();
        let batch = vec![rich(1, "a"), plain(2), rich(3, "b"), rich(4, "a")];
        let mut ours = Vec::new();
        let lens: Vec<usize> = batch.iter().map(span_len).collect();
        export_request(&resource, &batch, &lens, &[0, 1, 2, 3], &mut ours);
        let decoded = ExportTraceServiceRequest::decode(ours.as_slice()).unwrap();
        let theirs = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(
                batch,
                &ResourceAttributesWithSchema::from(&resource),
            ),
        };
        assert_eq!(decoded, theirs);
        assert_eq!(ours.len(), theirs.encoded_len());
    }
}
