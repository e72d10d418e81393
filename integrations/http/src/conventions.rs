//! What the HTTP semantic conventions (semconv 1.42) ask of both sides: the known
//! methods, redaction of URLs, header capture, protocol versions, `error.type`.

use http::{HeaderMap, Method, Version};
use opentelemetry::{Key, KeyValue, StringValue, Value};
use opentelemetry_semantic_conventions::attribute::{
    HTTP_REQUEST_METHOD, HTTP_REQUEST_METHOD_ORIGINAL,
};
use std::sync::OnceLock;

/// The methods known by default: RFC 9110's, PATCH (RFC 5789) and QUERY.
const DEFAULT_KNOWN_METHODS: [&str; 10] = [
    "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE",
];

/// The variable that replaces the methods `http.request.method` knows (a
/// comma-separated, case-sensitive list, read once; the others are `_OTHER`). By
/// default: CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY, TRACE.
pub const KNOWN_METHODS_VARIABLE: &str = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";

/// The query keys whose values are written as `REDACTED` (matched case-sensitively).
const SENSITIVE_QUERY_KEYS: [&str; 5] = [
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "sig",
    "X-Goog-Signature",
];

pub(crate) const REDACTED: &str = "REDACTED";

/// The known methods: `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` when set (an empty
/// value knows none), else the default list.
fn known_methods() -> &'static [String] {
    static KNOWN: OnceLock<Vec<String>> = OnceLock::new();
    KNOWN.get_or_init(|| match std::env::var(KNOWN_METHODS_VARIABLE) {
        Ok(list) => parse_known_methods(&list),
        Err(_) => DEFAULT_KNOWN_METHODS.map(str::to_owned).to_vec(),
    })
}

fn parse_known_methods(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A request's method as the conventions name it: itself when known, else
/// `_OTHER` with the original beside it.
#[derive(Debug, Clone)]
pub(crate) struct MethodName {
    /// `http.request.method`.
    pub(crate) name: StringValue,
    /// `http.request.method_original`, for a method not known.
    pub(crate) original: Option<String>,
}

impl MethodName {
    pub(crate) fn of(method: &Method) -> Self {
        Self::among(method, known_methods())
    }

    fn among(method: &Method, known: &[String]) -> Self {
        let text = method.as_str();
        if known.iter().any(|k| k == text) {
            MethodName {
                name: static_or_owned(text),
                original: None,
            }
        } else {
            MethodName {
                name: StringValue::from("_OTHER"),
                original: Some(text.to_owned()),
            }
        }
    }

    /// What a span name starts with: the method, or `HTTP` for one not known.
    pub(crate) fn for_span_name(&self) -> &str {
        if self.original.is_some() {
            "HTTP"
        } else {
            self.name.as_str()
        }
    }

    pub(crate) fn push(&self, attributes: &mut Vec<KeyValue>) {
        attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, self.name.clone()));
        if let Some(original) = &self.original {
            attributes.push(KeyValue::new(
                HTTP_REQUEST_METHOD_ORIGINAL,
                original.clone(),
            ));
        }
    }
}

/// The default methods as static strings, with no copy.
fn static_or_owned(method: &str) -> StringValue {
    DEFAULT_KNOWN_METHODS
        .iter()
        .find(|known| **known == method)
        .map_or_else(
            || StringValue::from(method.to_owned()),
            |known| StringValue::from(*known),
        )
}

/// `query` with the values of sensitive keys replaced by `REDACTED` (the keys kept).
pub(crate) fn redact_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((key, _)) if SENSITIVE_QUERY_KEYS.contains(&key) => {
                out.push_str(key);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(pair),
        }
    }
    out
}

/// `network.protocol.version` for `version`.
pub(crate) fn protocol_version(version: Version) -> Option<&'static str> {
    match version {
        Version::HTTP_09 => Some("0.9"),
        Version::HTTP_10 => Some("1.0"),
        Version::HTTP_11 => Some("1.1"),
        Version::HTTP_2 => Some("2"),
        Version::HTTP_3 => Some("3"),
        _ => None,
    }
}

/// Which headers are captured, as `http.request.header.<name>` /
/// `http.response.header.<name>`: only those named (matched case-insensitively).
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderCapture {
    /// The names (header names are lower case), each with its attribute key.
    names: Vec<(http::HeaderName, Key)>,
}

impl HeaderCapture {
    /// Captures the headers named in `names` under `prefix`.
    pub(crate) fn new(
        prefix: &'static str,
        names: impl IntoIterator<Item = http::HeaderName>,
    ) -> Self {
        let names = names
            .into_iter()
            .map(|header| {
                let key = Key::from(format!("{prefix}.{}", header.as_str()));
                (header, key)
            })
            .collect();
        HeaderCapture { names }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The captured headers of `headers`: each as a string array of its values.
    pub(crate) fn push(&self, headers: &HeaderMap, attributes: &mut Vec<KeyValue>) {
        for (name, key) in &self.names {
            let values: Vec<StringValue> = headers
                .get_all(name)
                .iter()
                .map(|v| StringValue::from(String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            if !values.is_empty() {
                attributes.push(KeyValue::new(key.clone(), Value::Array(values.into())));
            }
        }
    }
}

/// `error.type` for an error value: its type's path.
pub(crate) fn error_type<E>(_: &E) -> &'static str {
    std::any::type_name::<E>()
}

/// Records the exception of a request that failed with an error (an error status
/// is an answer, not an exception): `event_name` is the client's or the server's,
/// at the severity the conventions give it (see [`traced::logs::Exception`]).
pub(crate) fn exception(
    span: &traced::Span,
    event_name: &'static str,
    type_name: &'static str,
    message: &str,
) {
    use traced::logs::events::HTTP_SERVER_REQUEST_EXCEPTION;
    let severity = if event_name == HTTP_SERVER_REQUEST_EXCEPTION {
        opentelemetry::logs::Severity::Error
    } else {
        opentelemetry::logs::Severity::Warn
    };
    span.record_exception(&traced::logs::Exception {
        event_name,
        severity,
        type_name,
        message,
        target: Some("traced-http"),
    });
}

/// The host and port of a `Host` header value or URI authority (`[::1]:8080`,
/// `example.com`); the port only when given.
pub(crate) fn host_and_port(authority: &str) -> Option<(&str, Option<u16>)> {
    if authority.is_empty() {
        return None;
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return Some((host, port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host, port.parse().ok())),
        None => Some((authority, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_not_known_are_other_with_the_original() {
        let known = DEFAULT_KNOWN_METHODS.map(str::to_owned);
        let get = MethodName::among(&Method::GET, &known);
        assert_eq!(get.name.as_str(), "GET");
        assert!(get.original.is_none());
        assert_eq!(get.for_span_name(), "GET");
        let odd = MethodName::among(&Method::from_bytes(b"PURGE").unwrap(), &known);
        assert_eq!(odd.name.as_str(), "_OTHER");
        assert_eq!(odd.original.as_deref(), Some("PURGE"));
        assert_eq!(odd.for_span_name(), "HTTP");
        // Case-sensitive: `get` is not `GET`.
        let lower = MethodName::among(&Method::from_bytes(b"get").unwrap(), &known);
        assert_eq!(lower.name.as_str(), "_OTHER");
    }

    #[test]
    fn the_variable_replaces_the_known_methods() {
        let known = parse_known_methods("GET, PURGE,");
        assert_eq!(known, ["GET", "PURGE"]);
        let purge = MethodName::among(&Method::from_bytes(b"PURGE").unwrap(), &known);
        assert_eq!(purge.name.as_str(), "PURGE");
        let post = MethodName::among(&Method::POST, &known);
        assert_eq!(post.name.as_str(), "_OTHER");
        assert!(parse_known_methods("").is_empty());
    }

    #[test]
    fn sensitive_query_values_are_redacted_and_their_keys_kept() {
        assert_eq!(
            redact_query("q=OpenTelemetry&sig=abc&X-Amz-Signature=x&SIG=kept&flag"),
            "q=OpenTelemetry&sig=REDACTED&X-Amz-Signature=REDACTED&SIG=kept&flag"
        );
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(
            host_and_port("example.com:8080"),
            Some(("example.com", Some(8080)))
        );
        assert_eq!(host_and_port("example.com"), Some(("example.com", None)));
        assert_eq!(host_and_port("[::1]:443"), Some(("::1", Some(443))));
        assert_eq!(host_and_port("[::1]"), Some(("::1", None)));
        assert_eq!(host_and_port(""), None);
    }
}
