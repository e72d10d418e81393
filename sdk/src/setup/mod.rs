//! One-call setup: the SDK tracer provider, its exporters, the propagators and the
//! panic hook, configured from code and from the standard `OTEL_*` variables.

#[cfg(feature = "config-file")]
mod config_file;
mod endpoint;
pub(crate) mod env;
mod guard;
mod live;

pub use guard::{SharedOutput, TracingGuard};

use crate::console::{self, ConsoleSettings, Output};
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
use crate::export::otlp;
use crate::export::otlp::Protocol;
use crate::export::{add, ExportStats, ExporterKind, Processors};
use crate::native::{self, Pipeline};
use crate::sampling::SamplerKind;
use env::{EnvSettings, Lookup};
use live::Installs;
use opentelemetry::KeyValue;
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::SpanExporter;
use opentelemetry_sdk::Resource;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// The export queue's schedule delay when none is set (the console's is
/// shorter).
const DEFAULT_DELAY: Duration = Duration::from_secs(5);
/// The OTLP export timeout when none is set.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default bound on one OTLP export request, in bytes.
const DEFAULT_EXPORT_REQUEST: usize = 4 * 1024 * 1024;
const MIN_EXPORT_REQUEST: usize = 64 * 1024;
const MAX_EXPORT_REQUEST: usize = 64 * 1024 * 1024;

/// Tracing configuration: code settings win over the environment, which wins over
/// the defaults. See the README for every variable honoured.
#[must_use = "nothing is set up until `install`"]
pub struct Setup {
    service_name: String,
    service_name_set: bool,
    service_version: String,
    resource: Vec<KeyValue>,
    exporters: Option<Vec<ExporterKind>>,
    endpoint: Option<String>,
    protocol: Option<Protocol>,
    sampler: Option<SamplerKind>,
    filter: Option<traced::filter::Filter>,
    shutdown_timeout: Duration,
    max_export_request: usize,
    console: ConsoleSettings,
    custom: Vec<AddExporter>,
    lookup: Box<Lookup>,
    metrics_exporters: Option<Vec<ExporterKind>>,
    metric_naming: traced::metrics::Naming,
    metric_interval: Option<Duration>,
    metrics_everywhere: Option<bool>,
    logs_exporters: Option<Vec<ExporterKind>>,
    exception_signal: Option<traced::logs::ExceptionSignal>,
    /// The traces console's printer, once added: the metrics and logs consoles
    /// share it.
    printer: Option<crate::console::Printer>,
}

/// Adds an exporter given in code to the provider being built.
type AddExporter = Box<dyn FnOnce(&mut Processors, &EnvSettings, &Arc<ExportStats>) + Send>;

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("service_name", &self.service_name)
            .field("exporters", &self.exporters)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Setup {
    /// A setup for the service `name` at `version`; [`setup!`](crate::setup!) fills
    /// them in from the calling package.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Setup {
            service_name: name.into(),
            service_name_set: false,
            service_version: version.into(),
            resource: Vec::new(),
            exporters: None,
            endpoint: None,
            protocol: None,
            sampler: None,
            filter: None,
            shutdown_timeout: Duration::from_secs(5),
            max_export_request: DEFAULT_EXPORT_REQUEST,
            console: ConsoleSettings::default(),
            custom: Vec::new(),
            lookup: Box::new(|name| std::env::var(name).ok()),
            metrics_exporters: None,
            metric_naming: traced::metrics::Naming::Semantic,
            metric_interval: None,
            metrics_everywhere: None,
            logs_exporters: None,
            exception_signal: None,
            printer: None,
        }
    }

    /// Where metrics go, over `OTEL_METRICS_EXPORTER`: without either, the same
    /// rule as spans (OTLP when an endpoint is configured, else the console). An
    /// empty list installs no meter provider.
    pub fn metrics_exporters(mut self, exporters: &[ExporterKind]) -> Self {
        self.metrics_exporters = Some(exporters.to_vec());
        self
    }

    /// Every `#[traced]` function records the metric of `#[traced(metrics)]`, not
    /// only those with `metrics`. Needs `traced`'s `metrics-everywhere` feature
    /// in the application's build (without it, a warning says so and only
    /// functions with `metrics` record).
    pub fn metrics_everywhere(mut self, on: bool) -> Self {
        self.metrics_everywhere = Some(on);
        self
    }

    /// How `#[traced(metrics)]` names its instruments (see
    /// [`traced::metrics::Naming`]).
    pub fn metric_naming(mut self, naming: traced::metrics::Naming) -> Self {
        self.metric_naming = naming;
        self
    }

    /// Where log records go (exceptions, when opted in, and `tracing` events
    /// through traced-tracing's `LogsLayer`), over `OTEL_LOGS_EXPORTER`: without
    /// either, the same rule as spans (OTLP when an endpoint is configured, else
    /// the console). An empty list installs no logger provider.
    pub fn logs_exporters(mut self, exporters: &[ExporterKind]) -> Self {
        self.logs_exporters = Some(exporters.to_vec());
        self
    }

    /// Where `record_err`, panics and the integrations record exceptions, over
    /// `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN` (see
    /// [`traced::logs::ExceptionSignal`]); span events by default.
    pub fn exception_signal(mut self, signal: traced::logs::ExceptionSignal) -> Self {
        self.exception_signal = Some(signal);
        self
    }

    /// How often metrics are exported (and the console prints its line), over
    /// `OTEL_METRIC_EXPORT_INTERVAL`; 60 s by default.
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.metric_interval = Some(interval);
        self
    }

    /// The service name, over `OTEL_SERVICE_NAME` and the package name.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = name.into();
        self.service_name_set = true;
        self
    }

    /// Adds a resource attribute (`deployment.environment.name`, ...).
    pub fn resource_attribute(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.resource.push(KeyValue::new(key, value.into()));
        self
    }

    /// Where finished spans go, over `OTEL_TRACES_EXPORTER`. An empty list
    /// exports nothing.
    pub fn exporters(mut self, exporters: &[ExporterKind]) -> Self {
        self.exporters = Some(exporters.to_vec());
        self
    }

    /// The OTLP endpoint spans are sent to, used as given, over
    /// `OTEL_EXPORTER_OTLP_*ENDPOINT`. Metrics and logs go to the same
    /// collector: over HTTP, to this URL with its `/v1/traces` (if any) replaced
    /// by `/v1/metrics` and `/v1/logs`; over gRPC, to this URL.
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The OTLP transport, over `OTEL_EXPORTER_OTLP_*PROTOCOL`.
    pub fn otlp_protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// The sampler, over `OTEL_TRACES_SAMPLER`.
    pub fn sampler(mut self, sampler: SamplerKind) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// Which call sites record, over `TRACED_FILTER` (see [`traced::filter`]);
    /// [`traced::filter::set`] changes it later, while the program runs.
    pub fn filter(mut self, filter: traced::filter::Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The most bytes of OTLP protobuf one export request may hold (default 4 MiB,
    /// the gRPC message limit collectors usually keep; from 64 KiB to 64 MiB).
    /// A batch that would be larger goes as several requests, so that one big span
    /// cannot make a collector refuse a whole batch; a span too big for a request
    /// alone loses its attributes, events and links, and one still too big is not
    /// exported (counted, and said once).
    pub fn max_export_request_size(mut self, bytes: usize) -> Self {
        self.max_export_request = bytes;
        self
    }

    /// [`Setup::max_export_request_size`], within its bounds.
    fn max_export_request(&self, warnings: &mut Vec<String>) -> usize {
        let bounds = MIN_EXPORT_REQUEST..=MAX_EXPORT_REQUEST;
        if !bounds.contains(&self.max_export_request) {
            warnings.push(format!(
                "Setup::max_export_request_size({}) is outside {MIN_EXPORT_REQUEST}..={MAX_EXPORT_REQUEST} bytes; using {}",
                self.max_export_request,
                self.max_export_request.clamp(MIN_EXPORT_REQUEST, MAX_EXPORT_REQUEST)
            ));
        }
        self.max_export_request
            .clamp(MIN_EXPORT_REQUEST, MAX_EXPORT_REQUEST)
    }

    /// How long dropping the guard (or `shutdown`, or `flush`) may take in all,
    /// however many exporters there are (default 5 s, at most 10 minutes).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Adds an exporter of your own (any OpenTelemetry `SpanExporter`), behind an
    /// export queue like the others. When exporters are added this way and none
    /// is named by [`Setup::exporters`] or `OTEL_TRACES_EXPORTER`, only they are
    /// used.
    pub fn exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.custom.push(Box::new(move |processors, env, stats| {
            let delay = env.bsp_schedule_delay.unwrap_or(DEFAULT_DELAY);
            add(processors, exporter, env, delay, stats);
        }));
        self
    }

    /// Draws the console's traces into `output` instead of standard error: plain
    /// text, no colour, lines cut only to a width set with
    /// [`Setup::console_width`].
    ///
    /// ```
    /// use traced_sdk::{ExporterKind, SharedOutput};
    ///
    /// #[traced::traced]
    /// fn greet() {}
    ///
    /// let output = SharedOutput::default();
    /// let tracing = traced_sdk::setup!()
    ///     .exporters(&[ExporterKind::Console])
    ///     .console_output(output.clone())
    ///     .install();
    /// greet();
    /// drop(tracing); // draws what is left
    /// assert!(output.text().lines().any(|line| line.starts_with("greet ")));
    /// ```
    pub fn console_output(mut self, output: impl Write + Send + 'static) -> Self {
        self.console.output = Output::Writer(Box::new(output));
        self
    }

    /// Draws the console's traces on standard output, with the application's own
    /// output, instead of standard error. Colour and width then follow standard
    /// output: whether it is a terminal, and its size.
    ///
    /// ```no_run
    /// let tracing = traced_sdk::setup!().console_to_stdout().install();
    /// ```
    pub fn console_to_stdout(mut self) -> Self {
        self.console.output = Output::Stdout;
        self
    }

    /// The console's width in columns, over `COLUMNS` and the terminal's size, for
    /// any output (also a writer given to [`Setup::console_output`]). Every line
    /// fits, cut with `…`; from 100 columns a timeline is drawn on the right.
    ///
    /// ```no_run
    /// let tracing = traced_sdk::setup!().console_width(100).install();
    /// ```
    pub fn console_width(mut self, columns: usize) -> Self {
        self.console.width = Some(columns);
        self
    }

    /// Reads `OTEL_*` settings, and the console's `COLUMNS`, `NO_COLOR` and `TERM`,
    /// through `lookup` instead of the process environment, for tests.
    pub fn environment(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.lookup = Box::new(lookup);
        self
    }

    /// Installs the tracer provider, the propagators and the panic hook. Invalid
    /// settings are reported once each on standard error (and by
    /// [`TracingGuard::warnings`]) and replaced by their defaults; nothing here
    /// panics.
    pub fn install(mut self) -> TracingGuard {
        let mut warnings = Vec::new();
        let env = env::read(&*self.lookup, &mut |w| warnings.push(w));
        self.check(&mut warnings);
        self.max_export_request = self.max_export_request(&mut warnings);
        crate::install_panic_hook();
        crate::propagators::install(env.propagators.clone());
        // Directives by path (code, then TRACED_FILTER) win over the file's scopes.
        let filter = match (
            self.filter.take().or_else(|| env.filter.clone()),
            &env.file_filter,
        ) {
            (Some(filter), Some(file)) => Some(filter.or(file)),
            (filter, file) => filter.or_else(|| file.clone()),
        };
        if let Some(filter) = filter {
            traced::filter::set(filter);
        }
        let mut guard = TracingGuard {
            provider: None,
            pipeline: None,
            live: None,
            stats: Arc::new(ExportStats::default()),
            meter: None,
            logger: None,
            timeout: self.shutdown_timeout,
            warnings: Vec::new(),
            #[cfg(feature = "otlp-grpc")]
            runtime: None,
        };
        if env.disabled {
            guard.live = Some(live::enter(Installs::Nothing));
        } else {
            let kind = self
                .sampler
                .or(env.sampler)
                .unwrap_or(SamplerKind::ParentBasedAlwaysOn);
            let resource = self.resource(&env);
            let mut processors = Vec::new();
            self.add_exporters(&mut processors, &env, &mut guard, &mut warnings);
            // The SDK reads the count limits from the process environment itself;
            // both paths take them from the settings instead.
            let limits = env.limits.span_limits();
            let pipeline = Pipeline::counted(processors, &resource, limits, &guard.stats);
            let provider = native::provider(&pipeline, resource.clone(), kind.sampler());
            // A standard sampler: call sites decide sampling themselves and build
            // sampled spans into the pipeline.
            guard.live = Some(live::enter(Installs::Provider {
                provider: provider.clone(),
                rule: kind.rule(),
                pipeline: Arc::clone(&pipeline),
                value_length_limit: env.value_length_limit,
            }));
            guard.provider = Some(provider);
            guard.pipeline = Some(pipeline);
            // Logs first: the SDK's log processors take a meter for their own
            // diagnostics (`otel.sdk.processor.log.*`) from the global provider
            // when built, and those are not the application's metrics.
            guard.logger = self.install_logs(&env, resource.clone(), &mut warnings);
            guard.meter = self.install_metrics(&env, resource, &mut warnings);
        }
        let signal = self.exception_signal.or(env.exception_signal);
        if signal.is_some_and(|s| s != traced::logs::ExceptionSignal::SpanEvents)
            && guard.logger.is_none()
            && !env.disabled
        {
            warnings.push(format!(
                "{} asks for exceptions as log records, but no logs exporter is installed; they are not recorded as logs",
                traced::logs::ExceptionSignal::VARIABLE
            ));
        }
        traced::logs::set_exception_signal(signal.unwrap_or_default());
        for warning in &warnings {
            eprintln!("traced: {warning}");
        }
        guard.warnings = warnings;
        guard
    }

    fn install_metrics(
        &mut self,
        env: &EnvSettings,
        resource: Resource,
        warnings: &mut Vec<String>,
    ) -> Option<crate::metrics::MeterGuard> {
        let plan = crate::metrics::Plan {
            kinds: self.signal_kinds(self.metrics_exporters.as_ref(), &env.metrics.otlp),
            naming: self.metric_naming,
            interval: self.metric_interval,
            endpoint: self.collector_base(),
            endpoint_as_given: false,
            protocol: self.protocol,
            env,
        };
        if let Some(on) = self.metrics_everywhere {
            if on && !traced::metrics::EVERYWHERE_BUILT {
                warnings.push(
                    "Setup::metrics_everywhere needs traced's `metrics-everywhere` feature; only functions with `metrics` record"
                        .to_owned(),
                );
            }
            traced::metrics::set_everywhere(on);
        }
        let mut printer = || self.console_printer();
        crate::metrics::install(&plan, resource, &mut printer, warnings)
    }

    fn install_logs(
        &mut self,
        env: &EnvSettings,
        resource: Resource,
        warnings: &mut Vec<String>,
    ) -> Option<crate::logs::LoggerGuard> {
        let plan = crate::logs::Plan {
            kinds: self.signal_kinds(self.logs_exporters.as_ref(), &env.logs.otlp),
            endpoint: self.collector_base(),
            protocol: self.protocol,
            env,
        };
        let mut printer = || self.console_printer();
        crate::logs::install(&plan, resource, &mut printer, warnings)
    }

    /// The exporters of a signal beside traces: as set in code, else by its
    /// `OTEL_{SIGNAL}_EXPORTER`, else the traces rule (OTLP when an endpoint is
    /// configured, else the console).
    fn signal_kinds(
        &self,
        code: Option<&Vec<ExporterKind>>,
        env: &env::SignalEnv,
    ) -> Vec<ExporterKind> {
        code.cloned()
            .or_else(|| env.exporters.clone())
            .unwrap_or_else(|| {
                vec![if self.endpoint.is_some() || env.endpoint.is_some() {
                    ExporterKind::Otlp
                } else {
                    ExporterKind::Console
                }]
            })
    }

    /// The collector's base URL set in code: metrics and logs have paths of
    /// their own, so a `/v1/traces` given for spans is taken off.
    fn collector_base(&self) -> Option<String> {
        self.endpoint.as_deref().map(|url| {
            let url = url.trim_end_matches('/');
            url.strip_suffix("/v1/traces").unwrap_or(url).to_owned()
        })
    }

    /// The console's printer: the traces console's when there is one, else one
    /// of its own, opened once and shared by metrics and logs.
    fn console_printer(&mut self) -> crate::console::Printer {
        if let Some(printer) = &self.printer {
            return printer.clone();
        }
        let console = std::mem::take(&mut self.console);
        let printer = crate::console::Printer::open(console, &*self.lookup);
        self.printer = Some(printer.clone());
        printer
    }

    /// Settings made in code, checked like the environment's: each invalid one
    /// gets a warning and its default.
    fn check(&mut self, warnings: &mut Vec<String>) {
        if let Some(sampler) = self.sampler {
            self.sampler = Some(sampler.checked("Setup::sampler", warnings));
        }
        if self.shutdown_timeout > env::MAX_WAIT {
            warnings.push(format!(
                "Setup::shutdown_timeout({:?}) is more than the most traced takes ({:?}); \
                 using {:?}",
                self.shutdown_timeout,
                env::MAX_WAIT,
                env::MAX_WAIT
            ));
            self.shutdown_timeout = env::MAX_WAIT;
        }
        if let Some(url) = &self.endpoint {
            if let Err(why) = endpoint::check(url) {
                warnings.push(format!(
                    "Setup::otlp_endpoint({url:?}) is not valid ({why}); using the default"
                ));
                self.endpoint = None;
            }
        }
        if let Some(kinds) = &self.exporters {
            let once = crate::export::once_each(kinds, "Setup::exporters", &mut |w| {
                warnings.push(w);
            });
            self.exporters = Some(once);
        }
    }

    fn resource(&self, env: &EnvSettings) -> Resource {
        let mut attributes: Vec<KeyValue> = env
            .resource
            .iter()
            .filter(|(k, _)| k.as_str() != "service.name" && k.as_str() != "service.version")
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        attributes.extend(self.resource.iter().cloned());
        // OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES, as the specification
        // requires; a name set in code wins over both.
        let name = if self.service_name_set {
            self.service_name.clone()
        } else {
            env.service_name
                .clone()
                .or_else(|| env.resource.get("service.name").cloned())
                .unwrap_or_else(|| self.service_name.clone())
        };
        let version = env
            .resource
            .get("service.version")
            .cloned()
            .unwrap_or_else(|| self.service_version.clone());
        attributes.push(KeyValue::new("service.name", name));
        attributes.push(KeyValue::new("service.version", version));
        Resource::builder_empty()
            .with_detector(Box::new(TelemetryResourceDetector))
            .with_attributes(attributes)
            .build()
    }

    fn add_exporters(
        &mut self,
        processors: &mut Processors,
        env: &EnvSettings,
        guard: &mut TracingGuard,
        warnings: &mut Vec<String>,
    ) {
        let endpoint = self.endpoint.clone().or_else(|| env.endpoint.clone());
        // Without a choice, OTLP when an endpoint is configured, else the console:
        // a newcomer sees the trace without running a collector.
        let exporters = self
            .exporters
            .clone()
            .or_else(|| env.exporters.clone())
            .unwrap_or_else(|| {
                if !self.custom.is_empty() {
                    return Vec::new();
                }
                vec![if endpoint.is_some() {
                    ExporterKind::Otlp
                } else {
                    ExporterKind::Console
                }]
            });
        for kind in exporters {
            match kind {
                ExporterKind::Console => {
                    let settings = std::mem::take(&mut self.console);
                    self.printer = Some(console::add(
                        processors,
                        settings,
                        &*self.lookup,
                        env,
                        &guard.stats,
                    ));
                    guard.stats.name_last("console");
                }
                ExporterKind::Otlp => {
                    self.add_otlp(processors, env, endpoint.clone(), guard, warnings);
                }
            }
        }
        for custom in self.custom.drain(..) {
            custom(processors, env, &guard.stats);
        }
    }

    #[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
    fn add_otlp(
        &self,
        processors: &mut Processors,
        env: &EnvSettings,
        endpoint: Option<String>,
        guard: &mut TracingGuard,
        warnings: &mut Vec<String>,
    ) {
        if let Some(url) = endpoint
            .as_deref()
            .filter(|url| url.starts_with("https://"))
        {
            let source = if self.endpoint.is_some() {
                "Setup::otlp_endpoint"
            } else {
                env.endpoint_variable
            };
            warnings.push(endpoint::no_tls(source, url));
            return;
        }
        let protocol = otlp::protocol(
            self.protocol.or(env.protocol),
            endpoint.as_deref(),
            warnings,
        );
        let target = otlp::Target {
            endpoint: otlp::endpoint(
                protocol,
                endpoint.as_deref(),
                self.endpoint.is_some() || env.endpoint_is_signal,
            ),
            protocol,
            // The export queue has no export timeout of its own:
            // OTEL_BSP_EXPORT_TIMEOUT bounds each export when the OTLP one is unset.
            timeout: env
                .timeout
                .or(env.bsp_export_timeout)
                .unwrap_or(DEFAULT_EXPORT_TIMEOUT),
            gzip: env.gzip.unwrap_or(false),
            headers: env.headers.clone(),
            max_request: self.max_export_request,
        };
        let delay = env.bsp_schedule_delay.unwrap_or(DEFAULT_DELAY);
        let stats = &guard.stats;
        match target.protocol {
            #[cfg(feature = "otlp-grpc")]
            Protocol::Grpc => match otlp::grpc(&target, warnings) {
                Ok((exporter, runtime)) => {
                    // One OTLP exporter per setup (exporters are named once each).
                    guard.runtime = Some(runtime);
                    crate::export::add_otlp(processors, exporter, env, delay, stats);
                }
                Err(e) => warnings.push(format!("no OTLP exporter: {e}")),
            },
            #[cfg(feature = "otlp-http")]
            Protocol::HttpProtobuf => match otlp::http(&target) {
                Ok(exporter) => {
                    crate::export::add_otlp(processors, exporter, env, delay, stats);
                }
                Err(e) => warnings.push(format!("no OTLP exporter: {e}")),
            },
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    #[cfg(not(any(feature = "otlp-grpc", feature = "otlp-http")))]
    fn add_otlp(
        &self,
        _: &mut Processors,
        _: &EnvSettings,
        _: Option<String>,
        _: &mut TracingGuard,
        warnings: &mut Vec<String>,
    ) {
        warnings.push("the OTLP exporter needs traced's `otlp-grpc` or `otlp-http` feature; spans are not exported".into());
    }
}
