//! The standard `OTEL_*` environment variables, read once, each invalid value
//! answered by one warning and its default.

use super::endpoint;
use crate::export::otlp::Protocol;
use crate::export::ExporterKind;
use crate::sampling::SamplerKind;
use std::collections::BTreeMap;
use std::time::Duration;

/// The largest batch queue traced builds, in spans: a queue is allocated whole
/// when the processor starts (a few hundred bytes a span).
pub(crate) const MAX_QUEUE_SIZE: usize = 1 << 20;
/// The export queue's size and batch size when none is set.
pub(crate) const DEFAULT_QUEUE_SIZE: usize = 2048;
pub(crate) const DEFAULT_BATCH_SIZE: usize = 512;
/// The shortest schedule delay: with none, the export thread would spin.
pub(crate) const MIN_DELAY: Duration = Duration::from_millis(1);
/// The longest delay or timeout taken: longer ones are clamped to it.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(600);

/// Where the variables come from: the process environment, or a map in tests.
pub(crate) type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Every setting the environment can give, already checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct EnvSettings {
    pub(crate) disabled: bool,
    pub(crate) service_name: Option<String>,
    pub(crate) resource: BTreeMap<String, String>,
    /// `None`: not set, so the default applies.
    pub(crate) exporters: Option<Vec<ExporterKind>>,
    pub(crate) propagators: Option<Vec<String>>,
    pub(crate) endpoint: Option<String>,
    /// Whether `endpoint` came from the signal-specific variable (used as given).
    pub(crate) endpoint_is_signal: bool,
    /// The variable `endpoint` came from, for warnings about it.
    pub(crate) endpoint_variable: &'static str,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) gzip: Option<bool>,
    pub(crate) sampler: Option<SamplerKind>,
    pub(crate) bsp_schedule_delay: Option<Duration>,
    pub(crate) bsp_max_queue_size: Option<usize>,
    pub(crate) bsp_max_export_batch_size: Option<usize>,
    pub(crate) bsp_export_timeout: Option<Duration>,
    pub(crate) value_length_limit: Option<usize>,
    pub(crate) limits: CountLimits,
    /// `TRACED_FILTER`: which call sites record; `None`: not set.
    pub(crate) filter: Option<traced::filter::Filter>,
    /// `OTEL_CONFIG_FILE`'s tracer configurator, as scope rules.
    pub(crate) file_filter: Option<traced::filter::Filter>,
    pub(crate) metrics: MetricsEnv,
    pub(crate) logs: LogsEnv,
    /// `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`; `None`: not set.
    pub(crate) exception_signal: Option<traced::logs::ExceptionSignal>,
}

/// The variables of one signal's exporters, beside the traces': its
/// `OTEL_{SIGNAL}_EXPORTER` and its `OTEL_EXPORTER_OTLP_{SIGNAL}_*` over the
/// general `OTEL_EXPORTER_OTLP_*`.
#[derive(Clone, Debug, Default)]
#[cfg_attr(
    not(any(feature = "otlp-grpc", feature = "otlp-http")),
    allow(dead_code)
)]
pub(crate) struct SignalEnv {
    /// `OTEL_{SIGNAL}_EXPORTER`; `None`: not set.
    pub(crate) exporters: Option<Vec<ExporterKind>>,
    pub(crate) endpoint: Option<String>,
    pub(crate) endpoint_is_signal: bool,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) gzip: Option<bool>,
}

/// The variables of the logs pipeline.
#[derive(Clone, Debug, Default)]
#[cfg_attr(
    not(any(feature = "otlp-grpc", feature = "otlp-http")),
    allow(dead_code)
)]
pub(crate) struct LogsEnv {
    /// `OTEL_LOGS_EXPORTER` and `OTEL_EXPORTER_OTLP_LOGS_*`.
    pub(crate) otlp: SignalEnv,
    /// `OTEL_BLRP_SCHEDULE_DELAY`.
    pub(crate) schedule_delay: Option<Duration>,
    /// `OTEL_BLRP_MAX_QUEUE_SIZE`.
    pub(crate) max_queue_size: Option<usize>,
    /// `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`.
    pub(crate) max_export_batch_size: Option<usize>,
    /// `OTEL_BLRP_EXPORT_TIMEOUT`.
    pub(crate) export_timeout: Option<Duration>,
}

/// The variables of the metrics pipeline.
#[derive(Clone, Debug, Default)]
#[cfg_attr(
    not(any(feature = "otlp-grpc", feature = "otlp-http")),
    allow(dead_code)
)]
pub(crate) struct MetricsEnv {
    /// `OTEL_METRICS_EXPORTER` and `OTEL_EXPORTER_OTLP_METRICS_*`.
    pub(crate) otlp: SignalEnv,
    /// `OTEL_METRIC_EXPORT_INTERVAL`.
    pub(crate) interval: Option<Duration>,
    /// `OTEL_METRIC_EXPORT_TIMEOUT`.
    pub(crate) export_timeout: Option<Duration>,
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    pub(crate) temporality: Option<opentelemetry_sdk::metrics::Temporality>,
}

/// The `OTEL_*_COUNT_LIMIT` variables; `None`: not set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct CountLimits {
    pub(crate) attributes_per_span: Option<u32>,
    pub(crate) events_per_span: Option<u32>,
    pub(crate) links_per_span: Option<u32>,
    pub(crate) attributes_per_event: Option<u32>,
    pub(crate) attributes_per_link: Option<u32>,
}

impl CountLimits {
    /// The SDK's span limits, with the ones set here.
    pub(crate) fn span_limits(self) -> opentelemetry_sdk::trace::SpanLimits {
        let mut limits = opentelemetry_sdk::trace::SpanLimits::default();
        let set = |limit: &mut u32, value: Option<u32>| {
            if let Some(value) = value {
                *limit = value;
            }
        };
        set(
            &mut limits.max_attributes_per_span,
            self.attributes_per_span,
        );
        set(&mut limits.max_events_per_span, self.events_per_span);
        set(&mut limits.max_links_per_span, self.links_per_span);
        set(
            &mut limits.max_attributes_per_event,
            self.attributes_per_event,
        );
        set(
            &mut limits.max_attributes_per_link,
            self.attributes_per_link,
        );
        limits
    }
}

/// Reads the environment through `lookup`; `warn` receives one message per
/// invalid value.
pub(crate) fn read(lookup: &Lookup, warn: &mut dyn FnMut(String)) -> EnvSettings {
    let mut r = Reader {
        lookup,
        warn,
        said: Vec::new(),
    };
    let mut s = EnvSettings {
        disabled: r.bool("OTEL_SDK_DISABLED").unwrap_or(false),
        service_name: r.string("OTEL_SERVICE_NAME"),
        resource: r.resource(),
        exporters: r.exporters(),
        propagators: r.propagators(),
        ..EnvSettings::default()
    };
    const SIGNAL_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    const GENERAL_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
    if let Some(endpoint) = r.url(SIGNAL_ENDPOINT) {
        s.endpoint = Some(endpoint);
        s.endpoint_is_signal = true;
        s.endpoint_variable = SIGNAL_ENDPOINT;
    } else {
        s.endpoint = r.url(GENERAL_ENDPOINT);
        s.endpoint_variable = GENERAL_ENDPOINT;
    }
    s.protocol = r.signal("PROTOCOL", Reader::protocol);
    s.headers = r.signal("HEADERS", Reader::headers).unwrap_or_default();
    s.timeout = r.signal("TIMEOUT", Reader::timeout);
    s.gzip = r.signal("COMPRESSION", Reader::compression);
    s.sampler = r.sampler();
    s.metrics = r.metrics_env();
    s.logs = r.logs_env();
    s.exception_signal = r.exception_signal();
    if let Some(path) = r.string("OTEL_CONFIG_FILE") {
        r.config_file(&path, &mut s);
    }
    s.bsp_schedule_delay = r.millis_within("OTEL_BSP_SCHEDULE_DELAY", MIN_DELAY, MAX_WAIT);
    s.bsp_max_queue_size = r.count_at_most(
        "OTEL_BSP_MAX_QUEUE_SIZE",
        MAX_QUEUE_SIZE,
        "the largest queue traced builds",
    );
    let queue = s.bsp_max_queue_size.unwrap_or(DEFAULT_QUEUE_SIZE);
    s.bsp_max_export_batch_size =
        r.count_at_most("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", queue, "the queue's size");
    s.bsp_export_timeout = r.timeout("OTEL_BSP_EXPORT_TIMEOUT");
    s.value_length_limit = r
        .count("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT")
        .or_else(|| r.count("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"));
    // The general attribute count limit applies where no specific one is set.
    let attributes = r.limit("OTEL_ATTRIBUTE_COUNT_LIMIT");
    s.filter = r.filter();
    s.limits = CountLimits {
        attributes_per_span: r.limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT").or(attributes),
        events_per_span: r.limit("OTEL_SPAN_EVENT_COUNT_LIMIT"),
        links_per_span: r.limit("OTEL_SPAN_LINK_COUNT_LIMIT"),
        attributes_per_event: r.limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT").or(attributes),
        attributes_per_link: r.limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT").or(attributes),
    };
    s
}

struct Reader<'a> {
    lookup: &'a Lookup,
    warn: &'a mut dyn FnMut(String),
    /// The warnings given: a general variable read for traces and again for
    /// metrics is warned about once.
    said: Vec<String>,
}

impl Reader<'_> {
    fn say(&mut self, warning: String) {
        if !self.said.contains(&warning) {
            self.said.push(warning.clone());
            (self.warn)(warning);
        }
    }

    /// The trimmed value, `None` when unset or empty (the specification treats an
    /// empty value as unset).
    fn string(&mut self, name: &str) -> Option<String> {
        let value = (self.lookup)(name)?;
        let value = value.trim();
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// `TRACED_FILTER`: the directives it can read; one warning for each it
    /// cannot (left out, the rest in force).
    fn filter(&mut self) -> Option<traced::filter::Filter> {
        let text = self.string(traced::filter::VARIABLE)?;
        let (filter, errors) = traced::filter::Filter::parse_lenient(&text);
        for error in errors {
            self.say(format!(
                "{}: {error}; the directive is left out",
                traced::filter::VARIABLE
            ));
        }
        Some(filter)
    }

    fn invalid(&mut self, name: &str, value: &str, expected: &str) {
        self.say(format!(
            "{name}={value:?} is not valid ({expected}); using the default"
        ));
    }

    fn parsed<T>(
        &mut self,
        name: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let value = self.string(name)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            self.invalid(name, &value, expected);
        }
        parsed
    }

    /// The `_TRACES_` form of `OTEL_EXPORTER_OTLP_{suffix}` wins over the general one.
    fn signal<T>(&mut self, suffix: &str, parse: fn(&mut Self, &str) -> Option<T>) -> Option<T> {
        self.signal_of("TRACES", suffix, parse)
    }

    /// The `_{signal}_` form of `OTEL_EXPORTER_OTLP_{suffix}` wins over the general one.
    fn signal_of<T>(
        &mut self,
        signal: &str,
        suffix: &str,
        parse: fn(&mut Self, &str) -> Option<T>,
    ) -> Option<T> {
        let specific = format!("OTEL_EXPORTER_OTLP_{signal}_{suffix}");
        let general = format!("OTEL_EXPORTER_OTLP_{suffix}");
        parse(self, &specific).or_else(|| parse(self, &general))
    }

    /// `OTEL_CONFIG_FILE`: its `disabled` and its tracer configurator.
    #[cfg(feature = "config-file")]
    fn config_file(&mut self, path: &str, s: &mut EnvSettings) {
        let lookup = self.lookup;
        let file = super::config_file::read(path, lookup, &mut |w| self.say(w));
        s.disabled |= file.disabled;
        s.file_filter = file.filter;
    }

    #[cfg(not(feature = "config-file"))]
    fn config_file(&mut self, path: &str, _: &mut EnvSettings) {
        self.say(format!(
            "OTEL_CONFIG_FILE={path:?} needs traced-sdk's `config-file` feature; the file is not read"
        ));
    }

    fn metrics_env(&mut self) -> MetricsEnv {
        use opentelemetry_sdk::metrics::Temporality;
        MetricsEnv {
            otlp: self.signal_env("METRICS"),
            interval: self.millis_within("OTEL_METRIC_EXPORT_INTERVAL", MIN_DELAY, MAX_WAIT),
            export_timeout: self.timeout("OTEL_METRIC_EXPORT_TIMEOUT"),
            temporality: self.parsed(
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                "expected cumulative, delta or lowmemory",
                |v| match v.to_ascii_lowercase().as_str() {
                    "cumulative" => Some(Temporality::Cumulative),
                    "delta" => Some(Temporality::Delta),
                    "lowmemory" => Some(Temporality::LowMemory),
                    _ => None,
                },
            ),
        }
    }

    fn logs_env(&mut self) -> LogsEnv {
        let otlp = self.signal_env("LOGS");
        let schedule_delay = self.millis_within("OTEL_BLRP_SCHEDULE_DELAY", MIN_DELAY, MAX_WAIT);
        let max_queue_size = self.count_at_most(
            "OTEL_BLRP_MAX_QUEUE_SIZE",
            MAX_QUEUE_SIZE,
            "the largest queue traced builds",
        );
        let queue = max_queue_size.unwrap_or(DEFAULT_QUEUE_SIZE);
        LogsEnv {
            otlp,
            schedule_delay,
            max_queue_size,
            max_export_batch_size: self.count_at_most(
                "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
                queue,
                "the queue's size",
            ),
            export_timeout: self.timeout("OTEL_BLRP_EXPORT_TIMEOUT"),
        }
    }

    /// `OTEL_{signal}_EXPORTER` and the OTLP variables of `signal` (`METRICS`,
    /// `LOGS`).
    fn signal_env(&mut self, signal: &str) -> SignalEnv {
        let exporters = match signal {
            "METRICS" => self.kinds("OTEL_METRICS_EXPORTER"),
            _ => self.kinds("OTEL_LOGS_EXPORTER"),
        };
        let mut m = SignalEnv {
            exporters,
            ..SignalEnv::default()
        };
        if let Some(endpoint) = self.url(&format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")) {
            m.endpoint = Some(endpoint);
            m.endpoint_is_signal = true;
        } else {
            m.endpoint = self.url("OTEL_EXPORTER_OTLP_ENDPOINT");
        }
        m.protocol = self.signal_of(signal, "PROTOCOL", Reader::protocol);
        m.headers = self
            .signal_of(signal, "HEADERS", Reader::headers)
            .unwrap_or_default();
        m.timeout = self.signal_of(signal, "TIMEOUT", Reader::timeout);
        m.gzip = self.signal_of(signal, "COMPRESSION", Reader::compression);
        m
    }

    /// `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`: one warning for each entry it does
    /// not know.
    fn exception_signal(&mut self) -> Option<traced::logs::ExceptionSignal> {
        use traced::logs::ExceptionSignal;
        let value = self.string(ExceptionSignal::VARIABLE)?;
        let (signal, unknown) = ExceptionSignal::parse(&value);
        for entry in unknown {
            self.say(format!(
                "{}: {entry:?} is not known (expected logs or logs/dup); it is left out",
                ExceptionSignal::VARIABLE
            ));
        }
        Some(signal)
    }

    fn bool(&mut self, name: &str) -> Option<bool> {
        self.parsed(name, "expected true or false", |v| {
            match v.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }
        })
    }

    fn count(&mut self, name: &str) -> Option<usize> {
        self.parsed(name, "expected a positive integer", |v| {
            v.parse().ok().filter(|n| *n > 0)
        })
    }

    /// A positive integer, clamped to `max` (`what` says what it is) with a warning.
    fn count_at_most(&mut self, name: &str, max: usize, what: &str) -> Option<usize> {
        let count = self.count(name)?;
        if count > max {
            self.say(format!(
                "{name}={count} is more than {max}, {what}; using {max}"
            ));
            return Some(max);
        }
        Some(count)
    }

    /// Milliseconds, clamped to `min..=max` with a warning.
    fn millis_within(&mut self, name: &str, min: Duration, max: Duration) -> Option<Duration> {
        let value = self.millis(name)?;
        let (bound, most_or_least) = if value < min {
            (min, "less than the least")
        } else if value > max {
            (max, "more than the most")
        } else {
            return Some(value);
        };
        let (ms, bound_ms) = (value.as_millis(), bound.as_millis());
        self.say(format!(
            "{name}={ms} is {most_or_least} traced takes ({bound_ms} ms); using {bound_ms} ms"
        ));
        Some(bound)
    }

    /// An export timeout: at least 1 ms (none would fail every export), at most
    /// [`MAX_WAIT`].
    fn timeout(&mut self, name: &str) -> Option<Duration> {
        self.millis_within(name, MIN_DELAY, MAX_WAIT)
    }

    /// A count limit: a non-negative integer (0 keeps none).
    fn limit(&mut self, name: &str) -> Option<u32> {
        self.parsed(name, "expected a non-negative integer", |v| v.parse().ok())
    }

    fn millis(&mut self, name: &str) -> Option<Duration> {
        self.parsed(name, "expected milliseconds, a non-negative integer", |v| {
            v.parse().ok().map(Duration::from_millis)
        })
    }

    fn url(&mut self, name: &str) -> Option<String> {
        let value = self.string(name)?;
        match endpoint::check(&value) {
            Ok(()) => Some(value),
            Err(why) => {
                self.invalid(name, &value, &why);
                None
            }
        }
    }

    fn protocol(&mut self, name: &str) -> Option<Protocol> {
        self.parsed(name, "expected grpc or http/protobuf", |v| match v {
            "grpc" => Some(Protocol::Grpc),
            "http/protobuf" => Some(Protocol::HttpProtobuf),
            _ => None,
        })
    }

    /// In any case (`GZIP` too), as other OTLP exporters read it.
    fn compression(&mut self, name: &str) -> Option<bool> {
        self.parsed(name, "expected gzip or none", |v| {
            match v.to_ascii_lowercase().as_str() {
                "gzip" => Some(true),
                "none" => Some(false),
                _ => None,
            }
        })
    }

    /// `key=value,key2=value2`, values percent-decoded. A pair that cannot be sent
    /// is left out with a warning that names it; the others are sent. (The OTLP
    /// exporters read this variable themselves as well, and send the same pairs.)
    fn headers(&mut self, name: &str) -> Option<Vec<(String, String)>> {
        let value = self.string(name)?;
        let mut headers = Vec::new();
        for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match header(pair) {
                Ok(header) => headers.push(header),
                Err(why) => self.say(format!("{name}: {why}; it is not sent")),
            }
        }
        Some(headers)
    }

    fn resource(&mut self) -> BTreeMap<String, String> {
        self.parsed(
            "OTEL_RESOURCE_ATTRIBUTES",
            "expected key=value pairs separated by commas",
            |v| {
                v.split(',')
                    .filter(|pair| !pair.trim().is_empty())
                    .map(|pair| {
                        let (key, value) = pair.split_once('=')?;
                        let key = key.trim();
                        (!key.is_empty()).then(|| (key.to_owned(), percent_decode(value.trim())))
                    })
                    .collect()
            },
        )
        .unwrap_or_default()
    }

    fn exporters(&mut self) -> Option<Vec<ExporterKind>> {
        self.kinds("OTEL_TRACES_EXPORTER")
    }

    /// `otlp`, `console` and `none`, as `OTEL_TRACES_EXPORTER` and
    /// `OTEL_METRICS_EXPORTER` name them.
    fn kinds(&mut self, name: &'static str) -> Option<Vec<ExporterKind>> {
        let kinds = self.parsed(
            name,
            "expected otlp, console or none, separated by commas",
            |v| {
                let mut kinds = Vec::new();
                for name in v.split(',').map(str::trim) {
                    match name {
                        "otlp" => kinds.push(ExporterKind::Otlp),
                        "console" => kinds.push(ExporterKind::Console),
                        "none" => {}
                        _ => return None,
                    }
                }
                Some(kinds)
            },
        )?;
        Some(crate::export::once_each(&kinds, name, self.warn))
    }

    fn propagators(&mut self) -> Option<Vec<String>> {
        self.parsed(
            "OTEL_PROPAGATORS",
            "expected tracecontext, baggage or none, separated by commas",
            |v| {
                let names: Vec<String> = v.split(',').map(|n| n.trim().to_owned()).collect();
                names
                    .iter()
                    .all(|n| matches!(n.as_str(), "tracecontext" | "baggage" | "none"))
                    .then(|| names.into_iter().filter(|n| n != "none").collect())
            },
        )
    }

    fn sampler(&mut self) -> Option<SamplerKind> {
        let name = self.string("OTEL_TRACES_SAMPLER")?;
        let ratio = |r: &mut Self| {
            r.parsed(
                "OTEL_TRACES_SAMPLER_ARG",
                "expected a number from 0 to 1",
                |v| v.parse::<f64>().ok().filter(|x| (0.0..=1.0).contains(x)),
            )
            .unwrap_or(1.0)
        };
        Some(match name.as_str() {
            "always_on" => SamplerKind::AlwaysOn,
            "always_off" => SamplerKind::AlwaysOff,
            "traceidratio" => SamplerKind::TraceIdRatio(ratio(self)),
            "parentbased_always_on" => SamplerKind::ParentBasedAlwaysOn,
            "parentbased_always_off" => SamplerKind::ParentBasedAlwaysOff,
            "parentbased_traceidratio" => SamplerKind::ParentBasedTraceIdRatio(ratio(self)),
            _ => {
                self.invalid(
                    "OTEL_TRACES_SAMPLER",
                    &name,
                    "expected always_on, always_off, traceidratio, parentbased_always_on, \
                     parentbased_always_off or parentbased_traceidratio",
                );
                return None;
            }
        })
    }
}

/// One `key=value` header pair, as the OTLP exporters take it: a key that is an
/// HTTP header name, a value without control characters (CR, LF, DEL...).
fn header(pair: &str) -> Result<(String, String), String> {
    let Some((key, value)) = pair.split_once('=') else {
        return Err(format!("{pair:?} is not key=value"));
    };
    let (key, value) = (key.trim(), value.trim());
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if key.is_empty() || !key.bytes().all(token) {
        return Err(format!("{key:?} is not a header name"));
    }
    if value.is_empty() {
        return Err(format!("the header {key} has no value"));
    }
    let value = header_value(value);
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(format!(
            "the value of the header {key} has a control character (CR, LF, DEL...), \
             which HTTP does not allow"
        ));
    }
    Ok((key.to_ascii_lowercase(), value))
}

/// A header value, percent-decoded; as given when it is not valid
/// percent-encoding of UTF-8, as other OTLP exporters read it.
fn header_value(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
            let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) else {
                return text.to_owned();
            };
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> (EnvSettings, Vec<String>) {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |name: &str| map.get(name).cloned();
        let mut warnings = Vec::new();
        let s = read(&lookup, &mut |w| warnings.push(w));
        (s, warnings)
    }

    #[test]
    fn valid_values_are_read() {
        let (s, warnings) = settings(&[
            ("OTEL_SDK_DISABLED", "TRUE"),
            ("OTEL_TRACES_EXPORTER", "otlp,console"),
            ("OTEL_PROPAGATORS", "tracecontext,baggage"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, tenant=t1"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "service.name=from-attrs,deployment.environment=prod",
            ),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64"),
        ]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(s.disabled);
        assert_eq!(
            s.exporters,
            Some(vec![ExporterKind::Otlp, ExporterKind::Console])
        );
        assert_eq!(
            s.propagators,
            Some(vec!["tracecontext".to_owned(), "baggage".to_owned()])
        );
        assert_eq!(s.endpoint.as_deref(), Some("http://collector:4318"));
        assert!(!s.endpoint_is_signal);
        assert_eq!(s.protocol, Some(Protocol::Grpc), "the _TRACES_ form wins");
        assert_eq!(
            s.headers,
            [
                ("api-key".to_owned(), "a b".to_owned()),
                ("tenant".to_owned(), "t1".to_owned())
            ]
        );
        assert_eq!(s.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(s.gzip, Some(true));
        assert_eq!(s.sampler, Some(SamplerKind::ParentBasedTraceIdRatio(0.25)));
        assert_eq!(s.bsp_max_queue_size, Some(100));
        assert_eq!(
            s.resource.get("deployment.environment").map(String::as_str),
            Some("prod")
        );
        assert_eq!(s.value_length_limit, Some(64));
    }

    #[test]
    fn each_invalid_value_gets_one_warning_and_the_default() {
        let (s, warnings) = settings(&[
            ("OTEL_SDK_DISABLED", "yes"),
            ("OTEL_TRACES_EXPORTER", "zipkin"),
            ("OTEL_PROPAGATORS", "b3"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "2"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "-1"),
        ]);
        assert_eq!(warnings.len(), 9, "{warnings:#?}");
        assert!(warnings[0].starts_with("OTEL_SDK_DISABLED=\"yes\" is not valid"));
        assert!(!s.disabled);
        assert_eq!(s.exporters, None);
        assert_eq!(s.propagators, None);
        assert_eq!(s.endpoint, None);
        assert_eq!(s.protocol, None);
        assert_eq!(s.timeout, None);
        assert_eq!(s.gzip, None);
        assert_eq!(s.sampler, Some(SamplerKind::TraceIdRatio(1.0)));
        assert_eq!(s.bsp_max_queue_size, None);
    }

    #[test]
    fn count_limits_fall_back_to_the_general_attribute_limit() {
        let (s, warnings) = settings(&[
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "16"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "32"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "0"),
            ("OTEL_SPAN_LINK_COUNT_LIMIT", "many"),
        ]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("OTEL_SPAN_LINK_COUNT_LIMIT=\"many\" is not valid"));
        let limits = s.limits.span_limits();
        assert_eq!(limits.max_attributes_per_span, 32);
        assert_eq!(limits.max_attributes_per_event, 16);
        assert_eq!(limits.max_attributes_per_link, 16);
        assert_eq!(limits.max_events_per_span, 0);
        assert_eq!(limits.max_links_per_span, 128, "the default");
    }

    #[test]
    fn the_signal_specific_endpoint_wins_and_empty_values_are_unset() {
        let (s, warnings) = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4318/custom"),
            ("OTEL_SERVICE_NAME", "  "),
        ]);
        assert!(warnings.is_empty());
        assert_eq!(s.endpoint.as_deref(), Some("http://b:4318/custom"));
        assert!(s.endpoint_is_signal);
        assert_eq!(s.service_name, None);
    }

    #[test]
    fn sizes_and_delays_are_kept_within_their_bounds() {
        let (s, warnings) = settings(&[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "18446744073709551615"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0"),
            ("OTEL_BSP_SCHEDULE_DELAY", "0"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "18446744073709551615"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
        ]);
        assert_eq!(warnings.len(), 5, "{warnings:#?}");
        assert_eq!(
            warnings[2],
            "OTEL_BSP_MAX_QUEUE_SIZE=18446744073709551615 is more than 1048576, the largest \
             queue traced builds; using 1048576"
        );
        assert_eq!(s.bsp_max_queue_size, Some(MAX_QUEUE_SIZE));
        assert!(warnings[3].starts_with("OTEL_BSP_MAX_EXPORT_BATCH_SIZE=\"0\" is not valid"));
        assert_eq!(s.bsp_max_export_batch_size, None, "the default, 512");
        assert_eq!(
            warnings[1],
            "OTEL_BSP_SCHEDULE_DELAY=0 is less than the least traced takes (1 ms); using 1 ms"
        );
        assert_eq!(s.bsp_schedule_delay, Some(MIN_DELAY));
        assert!(warnings[4].starts_with("OTEL_BSP_EXPORT_TIMEOUT=18446744073709551615 is more"));
        assert_eq!(s.bsp_export_timeout, Some(MAX_WAIT));
        assert!(warnings[0].starts_with("OTEL_EXPORTER_OTLP_TIMEOUT=0 is less"));
        assert_eq!(s.timeout, Some(MIN_DELAY));
    }

    #[test]
    fn a_batch_larger_than_the_queue_is_cut_to_it() {
        let (s, warnings) = settings(&[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "5000"),
        ]);
        assert_eq!(
            warnings,
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE=5000 is more than 100, the queue's size; using 100"]
        );
        assert_eq!(s.bsp_max_export_batch_size, Some(100));
        let (_, warnings) = settings(&[("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2049")]);
        assert_eq!(warnings.len(), 1, "the default queue holds 2048");
    }

    #[test]
    fn each_header_that_cannot_be_sent_is_named_and_left_out() {
        let (s, warnings) = settings(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=s3cret,broken, bad key=x,x-raw=50%zz,x-line=a%0D%0Ab,x-del=a%7F,x-empty=",
        )]);
        assert_eq!(
            s.headers,
            [
                ("api-key".to_owned(), "s3cret".to_owned()),
                ("x-raw".to_owned(), "50%zz".to_owned()),
            ],
            "the pairs that can be sent, a value that is not percent-encoding as given"
        );
        assert_eq!(warnings.len(), 5, "{warnings:#?}");
        assert!(warnings[0].starts_with("OTEL_EXPORTER_OTLP_HEADERS: \"broken\" is not key=value"));
        assert!(warnings[1].contains("\"bad key\" is not a header name"));
        assert!(warnings[2].contains("the header x-line has a control character"));
        assert!(warnings[3].contains("the header x-del has a control character"));
        assert!(warnings[4].contains("the header x-empty has no value"));
    }

    #[test]
    fn an_exporter_named_twice_is_used_once() {
        let (s, warnings) = settings(&[("OTEL_TRACES_EXPORTER", "otlp,console,otlp")]);
        assert_eq!(
            s.exporters,
            Some(vec![ExporterKind::Otlp, ExporterKind::Console])
        );
        assert_eq!(
            warnings,
            ["OTEL_TRACES_EXPORTER names Otlp more than once; it is used once"]
        );
    }

    #[test]
    fn an_endpoint_the_transports_refuse_gets_a_warning_naming_the_variable() {
        for (url, why) in [
            ("http://bad host:4317", "' ' cannot be in a URL"),
            ("http://[::1", "the IPv6 address has no closing ]"),
            (
                "http://localhost:99999",
                "the port \"99999\" is not from 1 to 65535",
            ),
        ] {
            let (s, warnings) = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", url)]);
            assert_eq!(s.endpoint, None, "{url}");
            assert_eq!(
                warnings,
                [format!(
                    "OTEL_EXPORTER_OTLP_ENDPOINT={url:?} is not valid ({why}); using the default"
                )]
            );
        }
    }

    #[test]
    fn compression_is_read_in_any_case() {
        let (s, warnings) = settings(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP")]);
        assert!(warnings.is_empty());
        assert_eq!(s.gzip, Some(true));
    }
}
