//! `OTEL_CONFIG_FILE`: the declarative configuration's tracer configurator
//! switches instrumentation scopes off, over OTLP to the receiver. (Its own test
//! binary: it installs the global providers and the filter.)

mod support;

use std::time::Duration;
use traced::traced;
use traced_otlp_receiver::Receiver;

#[traced]
fn switched_off_by_scope() -> u8 {
    1
}

#[test]
fn a_scope_the_file_disables_records_nothing_and_a_path_directive_wins() {
    let receiver = Receiver::start();
    let endpoint = receiver.http_endpoint();
    let file = std::env::temp_dir().join(format!("traced-config-{}.yaml", std::process::id()));
    std::fs::write(
        &file,
        "file_format: \"1.0\"\n\
         tracer_provider:\n  tracer_configurator/development:\n    default_config:\n      disabled: false\n    tracers:\n      - name: traced-s?k\n        config:\n          disabled: ${SCOPE_OFF:-false}\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let tracing = traced_sdk::Setup::new("configured", "1.0.0")
        .environment(support::export::environment(&[
            ("OTEL_CONFIG_FILE", &path),
            ("SCOPE_OFF", "true"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("TRACED_FILTER", "config_file::support=on"),
        ]))
        .install();
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    // The scope `traced-sdk` (this test's package) is off...
    assert_eq!(switched_off_by_scope(), 1);
    // ...but a path directive wins over the file's scopes.
    let _ = support::export::request(3);
    drop(tracing);
    traced::filter::clear();
    let _ = std::fs::remove_file(&file);
    let spans = receiver.wait_for_spans(2, Duration::from_secs(10));
    let names: Vec<&str> = spans.iter().map(|s| s.name()).collect();
    assert!(
        names.contains(&"request") && names.contains(&"lookup"),
        "{names:?}"
    );
    assert!(!names.contains(&"switched_off_by_scope"), "{names:?}");
}

#[test]
fn without_a_readable_file_one_warning_and_everything_on() {
    let tracing = traced_sdk::Setup::new("configured", "1.0.0")
        .environment(support::export::environment(&[
            ("OTEL_CONFIG_FILE", "/nonexistent/otel.yaml"),
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ]))
        .install();
    let warnings = tracing.warnings().to_vec();
    drop(tracing);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("OTEL_CONFIG_FILE"), "{warnings:?}");
}
