//! OTLP over HTTP with protobuf bodies (see [`super::request`]), on the blocking
//! reqwest client, gzipped when configured. The headers sent are exactly those
//! traced read and checked; the answers OTLP calls retryable are retried.

use super::request::Transport;
use super::retry::Failed;
use bytes::Bytes;
use opentelemetry_sdk::error::OTelSdkError;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::StatusCode;
use std::io::Write as _;
use std::time::Duration;

/// Sends to one OTLP/HTTP endpoint.
#[derive(Debug)]
pub(crate) struct HttpTransport {
    client: reqwest::blocking::Client,
    url: String,
    headers: HeaderMap,
    gzip: bool,
}

impl HttpTransport {
    /// The transport for `target`. The client is built on a thread of its own:
    /// built inside an async context, it would panic.
    pub(crate) fn new(target: &super::otlp::Target) -> Result<Self, String> {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("traced-sdk/", env!("CARGO_PKG_VERSION"))),
        );
        if target.gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        for (name, value) in &target.headers {
            // Checked when read (see `setup::env`); a pair that still cannot be a
            // header is left out there with a warning.
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                headers.insert(name, value);
            }
        }
        let timeout = target.timeout;
        let client = std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    reqwest::blocking::Client::builder()
                        .timeout(timeout)
                        .build()
                        .map_err(|e| e.to_string())
                })
                .join()
                .unwrap_or_else(|_| Err("building the HTTP client panicked".to_owned()))
        })?;
        Ok(HttpTransport {
            client,
            url: target.endpoint.clone(),
            headers,
            gzip: target.gzip,
        })
    }
}

impl Transport for HttpTransport {
    fn body(&self, encoded: Vec<u8>) -> Result<Bytes, OTelSdkError> {
        if !self.gzip {
            return Ok(Bytes::from(encoded));
        }
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder
            .write_all(&encoded)
            .and_then(|()| encoder.finish())
            .map(Bytes::from)
            .map_err(|e| OTelSdkError::InternalFailure(format!("compressing the request: {e}")))
    }

    fn try_send(&self, body: &Bytes, left: Duration) -> Result<(), Failed> {
        let answer = self
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .timeout(left)
            .body(body.clone())
            .send();
        match answer {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(Failed {
                why: format!("the collector answered HTTP {}", response.status()),
                retry_after: retryable(response.status())
                    .then(|| retry_after(response.headers()).unwrap_or_default()),
            }),
            Err(e) => Err(Failed {
                why: format!("no answer from the collector: {e}"),
                retry_after: Some(Duration::ZERO),
            }),
        }
    }
}

/// The HTTP answers OTLP says to retry: 429, 502, 503, 504.
fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// `Retry-After` in seconds (an HTTP date is not honoured).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}
