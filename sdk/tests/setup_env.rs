//! The standard variables, as the application sees them: each invalid value is one
//! warning and its default; the rest change what is exported. (Its own test
//! binary: it installs the global provider, one setup after another.)

mod support;

use traced_sdk::SharedOutput;

#[traced::traced]
fn describe(note: &str) {
    let _ = note;
}

/// Sets up with `vars` and the console into memory, calls `describe(note)`, shuts
/// down, and returns the setup's warnings and what the console drew.
fn console_run(vars: &[(&str, &str)], note: &str) -> (Vec<String>, String) {
    let output = SharedOutput::default();
    let tracing = traced_sdk::setup!()
        .environment(support::export::environment(vars))
        .console_output(output.clone())
        .install();
    let warnings = tracing.warnings().to_vec();
    describe(note);
    drop(tracing);
    (warnings, output.text())
}

/// The tests here install the global provider one after another, never together.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn environment_variables_shape_the_export() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Invalid values: one warning each, and the defaults (the console exporter).
    let (warnings, text) = console_run(
        &[
            ("OTEL_TRACES_EXPORTER", "zipkin"),
            ("OTEL_TRACES_SAMPLER", "sometimes"),
            ("OTEL_BSP_SCHEDULE_DELAY", "later"),
            ("OTEL_PROPAGATORS", "xray"),
        ],
        "still traced",
    );
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(warnings[0].contains("OTEL_TRACES_EXPORTER=\"zipkin\" is not valid"));
    assert!(text.contains("describe"), "the defaults apply: {text}");

    // The attribute value length limit, which the SDK itself does not apply.
    let (_, text) = console_run(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "5")], "a long note");
    assert!(text.contains("note=\"a lon\""), "{text}");

    // A sampler from the environment.
    let (_, text) = console_run(&[("OTEL_TRACES_SAMPLER", "always_off")], "not sampled");
    assert!(!text.contains("describe"), "{text}");

    // No exporter, and a disabled SDK: nothing recorded.
    for vars in [
        [("OTEL_TRACES_EXPORTER", "none")],
        [("OTEL_SDK_DISABLED", "true")],
    ] {
        let (_, text) = console_run(&vars, "nowhere");
        assert!(text.is_empty(), "{vars:?}: {text}");
    }
}

/// Keeps what it is given.
#[derive(Debug, Clone, Default)]
struct Keep(std::sync::Arc<std::sync::Mutex<Vec<opentelemetry_sdk::trace::SpanData>>>);

impl opentelemetry_sdk::trace::SpanExporter for Keep {
    async fn export(
        &self,
        batch: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

#[test]
fn an_exporter_given_in_code_receives_sampled_spans_with_their_attributes() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let kept = Keep::default();
    let tracing = traced_sdk::setup!()
        .environment(|_| None)
        .sampler(traced_sdk::SamplerKind::AlwaysOn)
        .exporter(kept.clone())
        .install();
    describe("given in code");
    drop(tracing);
    let spans = kept.0.lock().unwrap();
    assert_eq!(
        spans.len(),
        1,
        "only the exporter given in code: no console"
    );
    let keys: Vec<&str> = spans[0]
        .attributes
        .iter()
        .map(|kv| kv.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "code.function.name",
            "code.file.path",
            "code.line.number",
            "note"
        ]
    );
}

#[traced::traced]
fn recording() -> bool {
    traced::current_span().is_recording()
}

#[test]
fn after_the_guard_drops_calls_record_nothing() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let kept = Keep::default();
    let tracing = traced_sdk::setup!()
        .environment(|_| None)
        .exporter(kept.clone())
        .install();
    assert!(recording());
    drop(tracing);
    assert!(!recording(), "the shut-down provider is uninstalled");
    assert_eq!(kept.0.lock().unwrap().len(), 1);

    // A provider installed since is left in place when an older guard drops.
    let first = traced_sdk::setup!()
        .environment(|_| None)
        .exporter(Keep::default())
        .install();
    let second = traced_sdk::setup!()
        .environment(|_| None)
        .exporter(kept.clone())
        .install();
    drop(first);
    assert!(recording(), "the newer provider stays installed");
    drop(second);
}

#[traced::traced]
fn crowded() {
    let span = traced::current_span();
    for i in 0..10_i64 {
        span.set_attribute(format!("extra.{i}"), i);
        span.add_event("tick", vec![opentelemetry::KeyValue::new("i", i)]);
    }
}

#[test]
fn count_limits_from_the_environment_apply_to_every_span() {
    use opentelemetry::trace::Tracer as _;
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let kept = Keep::default();
    let tracing = traced_sdk::setup!()
        .environment(support::export::environment(&[
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "5"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "2"),
        ]))
        .exporter(kept.clone())
        .install();
    crowded();
    // A span the SDK builds (by hand, through the OpenTelemetry API) gets the same.
    opentelemetry::global::tracer("by-hand").in_span("by hand", |cx| {
        use opentelemetry::trace::TraceContextExt as _;
        for i in 0..10_i64 {
            cx.span()
                .set_attribute(opentelemetry::KeyValue::new(format!("extra.{i}"), i));
        }
    });
    drop(tracing);
    let spans = kept.0.lock().unwrap();
    let traced_span = spans.iter().find(|s| s.name == "crowded").expect("crowded");
    assert_eq!(traced_span.attributes.len(), 5);
    assert_eq!(traced_span.dropped_attributes_count, 13 - 5);
    assert_eq!(traced_span.events.len(), 2);
    assert_eq!(traced_span.events.dropped_count, 8);
    let by_hand = spans.iter().find(|s| s.name == "by hand").expect("by hand");
    assert_eq!(by_hand.attributes.len(), 5);
}
