//! The RPC semantic conventions (semconv 1.42) for gRPC: names, status codes, and
//! the attribute names of the conventions before them (`rpc/dup`).

use http::{HeaderMap, HeaderName};
use opentelemetry::trace::Status;
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, RPC_METHOD, RPC_METHOD_ORIGINAL, RPC_RESPONSE_STATUS_CODE, RPC_SYSTEM_NAME,
};
use std::sync::OnceLock;
use traced::Span;

/// The attribute names of the RPC conventions before semconv 1.39, written
/// besides the current ones under `OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup`. The
/// Rust constants mark them deprecated; the names are the spec's.
mod old {
    pub(super) const RPC_SYSTEM: &str = "rpc.system";
    pub(super) const RPC_SERVICE: &str = "rpc.service";
    pub(super) const RPC_GRPC_STATUS_CODE: &str = "rpc.grpc.status_code";
}

/// The variable whose `rpc/dup` asks for the old names too (read once).
pub const STABILITY_OPT_IN_VARIABLE: &str = "OTEL_SEMCONV_STABILITY_OPT_IN";

fn duplicate_old_names() -> bool {
    static DUP: OnceLock<bool> = OnceLock::new();
    *DUP.get_or_init(|| {
        std::env::var(STABILITY_OPT_IN_VARIABLE)
            .is_ok_and(|value| value.split(',').any(|v| v.trim() == "rpc/dup"))
    })
}

/// A call's method, from its path `/package.Service/Method`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Method<'a> {
    /// The path.
    path: &'a str,
    /// `package.Service/Method` and `package.Service`, for a gRPC method's path.
    full: Option<(&'a str, &'a str)>,
}

impl<'a> Method<'a> {
    pub(crate) fn of(path: &'a str) -> Self {
        let full = path.strip_prefix('/').unwrap_or(path);
        let full = match full.split_once('/') {
            Some((service, method))
                if !service.is_empty() && !method.is_empty() && !method.contains('/') =>
            {
                Some((full, service))
            }
            _ => None,
        };
        Method { path, full }
    }

    /// `rpc.method`: `package.Service/Method`, or `_OTHER` for a path that is not
    /// a gRPC method's. Also the span's name.
    pub(crate) fn name(&self) -> &'a str {
        self.full.map_or("_OTHER", |(full, _)| full)
    }

    /// Adds the attributes known when the call starts.
    pub(crate) fn push_attributes(&self, attributes: &mut Vec<KeyValue>) {
        attributes.push(KeyValue::new(RPC_SYSTEM_NAME, "grpc"));
        attributes.push(KeyValue::new(RPC_METHOD, self.name().to_owned()));
        if self.full.is_none() {
            attributes.push(KeyValue::new(RPC_METHOD_ORIGINAL, self.path.to_owned()));
        }
        if duplicate_old_names() {
            attributes.push(KeyValue::new(old::RPC_SYSTEM, "grpc"));
            if let Some((_, service)) = self.full {
                attributes.push(KeyValue::new(old::RPC_SERVICE, service.to_owned()));
            }
        }
    }
}

/// The name of gRPC status `code`, as `rpc.response.status_code` gives it.
pub(crate) fn code_name(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        // Not a code gRPC defines: treated as UNKNOWN, as gRPC itself does.
        _ => "UNKNOWN",
    }
}

/// Which side of the call a span stands for: it decides which codes are errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

impl Side {
    /// Whether `code` fails the call on this side: every code but OK on the client;
    /// on the server, only the codes that say the server failed.
    fn is_error(self, code: i32) -> bool {
        match self {
            Side::Client => code != 0,
            // UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
            Side::Server => matches!(code, 2 | 4 | 12 | 13 | 14 | 15) || !(0..=16).contains(&code),
        }
    }
}

/// The `grpc-status` of a header block (trailers, or a trailers-only answer's
/// headers), if it has one.
pub(crate) fn grpc_status(headers: &HeaderMap) -> Option<i32> {
    // Parsed once: a look-up by a `&str` parses the name at every call.
    static GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
    headers
        .get(&GRPC_STATUS)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Records the call's status on its span.
pub(crate) fn record_status(span: &Span, side: Side, code: i32) {
    if !span.is_recording() {
        return;
    }
    let name = code_name(code);
    span.set_attribute(RPC_RESPONSE_STATUS_CODE, name);
    if duplicate_old_names() {
        span.set_attribute(old::RPC_GRPC_STATUS_CODE, i64::from(code));
    }
    if side.is_error(code) {
        span.set_attribute(ERROR_TYPE, name);
        span.set_status(Status::error(""));
    }
}

/// Adds the call's status to its measurement: `rpc.response.status_code`, and
/// `error.type` when the status is an error on this side.
pub(crate) fn measure_status(
    measurement: Option<&mut traced::metrics::Measurement>,
    side: Side,
    code: i32,
) {
    let Some(m) = measurement else { return };
    let name = code_name(code);
    m.add(KeyValue::new(RPC_RESPONSE_STATUS_CODE, name));
    if side.is_error(code) {
        m.add(KeyValue::new(ERROR_TYPE, name));
    }
}

/// Adds a failure without a status to the call's measurement.
pub(crate) fn measure_failure(
    measurement: Option<&mut traced::metrics::Measurement>,
    error_type: &'static str,
) {
    if let Some(m) = measurement {
        m.add(KeyValue::new(ERROR_TYPE, error_type));
    }
}

/// Records a call that failed without a status (the transport failed, or the
/// answer was not gRPC's).
pub(crate) fn record_failure(span: &Span, error_type: &'static str) {
    if !span.is_recording() {
        return;
    }
    span.set_attribute(ERROR_TYPE, error_type);
    span.set_status(Status::error(""));
}

/// Records the exception of a call that failed with an error:
/// `rpc.client.call.exception` (WARN) or `rpc.server.call.exception` (ERROR). A
/// status, or an answer that is not gRPC's, is not an exception.
pub(crate) fn exception(span: &Span, side: Side, error_type: &'static str) {
    let (event_name, severity) = match side {
        Side::Client => (
            traced::logs::events::RPC_CLIENT_CALL_EXCEPTION,
            opentelemetry::logs::Severity::Warn,
        ),
        Side::Server => (
            traced::logs::events::RPC_SERVER_CALL_EXCEPTION,
            opentelemetry::logs::Severity::Error,
        ),
    };
    span.record_exception(&traced::logs::Exception {
        event_name,
        severity,
        type_name: error_type,
        message: "",
        target: Some("traced-tonic"),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_come_from_the_path() {
        let method = Method::of("/users.v1.Users/GetUser");
        assert_eq!(method.name(), "users.v1.Users/GetUser");
        assert_eq!(
            method.full,
            Some(("users.v1.Users/GetUser", "users.v1.Users"))
        );
        let odd = Method::of("/not-a-method");
        assert_eq!(odd.name(), "_OTHER");
        let mut attributes = Vec::new();
        odd.push_attributes(&mut attributes);
        assert!(attributes
            .iter()
            .any(|kv| kv.key.as_str() == "rpc.method_original"
                && kv.value.as_str() == "/not-a-method"));
        assert_eq!(Method::of("/a/b/c").name(), "_OTHER");
    }

    #[test]
    fn which_codes_are_errors_depends_on_the_side() {
        for code in 0..=16 {
            assert_eq!(Side::Client.is_error(code), code != 0);
        }
        let server: Vec<&str> = (0..=16)
            .filter(|&code| Side::Server.is_error(code))
            .map(code_name)
            .collect();
        assert_eq!(
            server,
            [
                "UNKNOWN",
                "DEADLINE_EXCEEDED",
                "UNIMPLEMENTED",
                "INTERNAL",
                "UNAVAILABLE",
                "DATA_LOSS"
            ]
        );
        assert_eq!(code_name(5), "NOT_FOUND");
        assert_eq!(code_name(99), "UNKNOWN");
    }
}
