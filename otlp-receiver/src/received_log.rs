use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;

use crate::received::{find, hex};
use crate::Value;

/// One log record of a logs export request, with the resource and
/// instrumentation scope it was sent under.
///
/// ```
/// use traced_otlp_receiver::ReceivedLog;
/// use traced_otlp_receiver::proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
/// use traced_otlp_receiver::proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
/// use traced_otlp_receiver::proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
///
/// let record = LogRecord {
///     severity_text: "WARN".to_owned(),
///     body: Some(AnyValue { value: Some(any_value::Value::StringValue("disk full".to_owned())) }),
///     span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
///     ..Default::default()
/// };
/// let request = ExportLogsServiceRequest {
///     resource_logs: vec![ResourceLogs {
///         scope_logs: vec![ScopeLogs { log_records: vec![record], ..Default::default() }],
///         ..Default::default()
///     }],
/// };
///
/// let log = &ReceivedLog::from_requests(&[request])[0];
/// assert_eq!(log.body.as_deref(), Some("disk full"));
/// assert_eq!(log.severity_text, "WARN");
/// assert_eq!(log.span_id, "0102030405060708");
/// assert_eq!(log.trace_id, "");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedLog {
    /// The trace id as 32 lower-case hex digits; empty if the record has none
    /// (absent or all zero).
    pub trace_id: String,
    /// The span id as 16 lower-case hex digits; empty if the record has none
    /// (absent or all zero).
    pub span_id: String,
    /// The record's flags (the W3C trace flags in the low byte).
    pub flags: u32,
    /// The event name, empty if none.
    pub event_name: String,
    /// The severity number, as sent (0 for unspecified).
    pub severity_number: i32,
    /// The severity text, empty if none.
    pub severity_text: String,
    /// The body: a string body as is, any other value in the `Debug` form of
    /// its [`Value`] (key-value lists and bytes, which read as
    /// [`Value::Other`], in the `Debug` form of the proto value); `None` if
    /// the record has no body.
    pub body: Option<String>,
    /// The record's attributes, as sent.
    pub attributes: Vec<KeyValue>,
    /// The instrumentation scope's name (the logger's name, or the record's
    /// target).
    pub scope_name: String,
    /// The attributes of the resource the record was sent under.
    pub resource: Vec<KeyValue>,
    /// When the event happened, in nanoseconds since the Unix epoch; 0 if unknown.
    pub time_unix_nano: u64,
    /// When the record was observed, in nanoseconds since the Unix epoch.
    pub observed_time_unix_nano: u64,
}

impl ReceivedLog {
    /// The log records of `requests`, flattened, in order.
    pub fn from_requests(requests: &[ExportLogsServiceRequest]) -> Vec<ReceivedLog> {
        let mut logs = Vec::new();
        for resource_logs in requests.iter().flat_map(|r| &r.resource_logs) {
            let resource = resource_logs
                .resource
                .as_ref()
                .map(|resource| resource.attributes.clone())
                .unwrap_or_default();
            for scope_logs in &resource_logs.scope_logs {
                let scope_name = scope_logs
                    .scope
                    .as_ref()
                    .map(|scope| scope.name.clone())
                    .unwrap_or_default();
                logs.extend(
                    scope_logs
                        .log_records
                        .iter()
                        .map(|record| ReceivedLog::new(record, &scope_name, &resource)),
                );
            }
        }
        logs
    }

    fn new(record: &LogRecord, scope_name: &str, resource: &[KeyValue]) -> ReceivedLog {
        ReceivedLog {
            trace_id: id(&record.trace_id),
            span_id: id(&record.span_id),
            flags: record.flags,
            event_name: record.event_name.clone(),
            severity_number: record.severity_number,
            severity_text: record.severity_text.clone(),
            body: record.body.as_ref().and_then(render),
            attributes: record.attributes.clone(),
            scope_name: scope_name.to_owned(),
            resource: resource.to_vec(),
            time_unix_nano: record.time_unix_nano,
            observed_time_unix_nano: record.observed_time_unix_nano,
        }
    }

    /// The record attribute `key`, if the record has it.
    pub fn attr(&self, key: &str) -> Option<Value> {
        find(&self.attributes, key)
    }

    /// The resource attribute `key` (for example `service.name`), if the
    /// resource has it.
    pub fn resource_attr(&self, key: &str) -> Option<Value> {
        find(&self.resource, key)
    }
}

/// How many log records `requests` hold.
pub(crate) fn count(requests: &[ExportLogsServiceRequest]) -> usize {
    requests
        .iter()
        .flat_map(|r| &r.resource_logs)
        .flat_map(|r| &r.scope_logs)
        .map(|s| s.log_records.len())
        .sum()
}

/// A trace or span id in lower-case hex; empty if absent or all zero.
fn id(bytes: &[u8]) -> String {
    if bytes.iter().all(|&byte| byte == 0) {
        String::new()
    } else {
        hex(bytes)
    }
}

/// A body as text; `None` if it holds no value.
fn render(body: &AnyValue) -> Option<String> {
    let value = body.value.as_ref()?;
    Some(match (value, Value::from(body)) {
        (any_value::Value::StringValue(text), _) => text.clone(),
        (other, Value::Other) => format!("{other:?}"),
        (_, simple) => format!("{simple:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: any_value::Value) -> Option<String> {
        render(&AnyValue { value: Some(value) })
    }

    #[test]
    fn bodies_render_as_text() {
        assert_eq!(
            body(any_value::Value::StringValue("as is".to_owned())),
            Some("as is".to_owned())
        );
        assert_eq!(
            body(any_value::Value::IntValue(42)),
            Some("Int(42)".to_owned())
        );
        assert_eq!(
            body(any_value::Value::BytesValue(vec![1])),
            Some("BytesValue([1])".to_owned())
        );
        assert_eq!(render(&AnyValue { value: None }), None);
    }

    #[test]
    fn zero_ids_read_as_empty() {
        assert_eq!(id(&[]), "");
        assert_eq!(id(&[0; 16]), "");
        assert_eq!(id(&[0, 0xab]), "00ab");
    }
}
