//! The standard variables, as the application sees them: each invalid value is one
//! warning and its default; the rest change what is exported. (Its own test
//! binary: it installs the global provider, one setup after another.)

mod support;

use traced::setup::{SharedOutput, TracingGuard};

fn install_with_console(vars: &[(&str, &str)], output: &SharedOutput) -> TracingGuard {
    traced::setup!()
        .environment(support::export::environment(vars))
        .console_output(output.clone())
        .install()
}

#[traced::traced]
fn describe(note: &str) {
    let _ = note;
}

#[test]
fn environment_variables_shape_the_export() {
    // Invalid values: one warning each, and the defaults (the console exporter).
    let output = SharedOutput::default();
    let tracing = install_with_console(
        &[
            ("OTEL_TRACES_EXPORTER", "zipkin"),
            ("OTEL_TRACES_SAMPLER", "sometimes"),
            ("OTEL_BSP_SCHEDULE_DELAY", "later"),
            ("OTEL_PROPAGATORS", "xray"),
        ],
        &output,
    );
    assert_eq!(tracing.warnings().len(), 4, "{:?}", tracing.warnings());
    assert!(tracing.warnings()[0].contains("OTEL_TRACES_EXPORTER=\"zipkin\" is not valid"));
    describe("still traced");
    drop(tracing);
    assert!(
        output.text().contains("describe"),
        "the defaults apply: {}",
        output.text()
    );

    // The attribute value length limit, which the SDK itself does not apply.
    let output = SharedOutput::default();
    let tracing = install_with_console(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "5")], &output);
    describe("a long note");
    drop(tracing);
    assert!(
        output.text().contains("note=\"a lon\""),
        "{}",
        output.text()
    );

    // A sampler from the environment.
    let output = SharedOutput::default();
    let tracing = install_with_console(&[("OTEL_TRACES_SAMPLER", "always_off")], &output);
    describe("not sampled");
    drop(tracing);
    assert!(!output.text().contains("describe"), "{}", output.text());

    // No exporter, and a disabled SDK: nothing recorded.
    for vars in [
        [("OTEL_TRACES_EXPORTER", "none")],
        [("OTEL_SDK_DISABLED", "true")],
    ] {
        let output = SharedOutput::default();
        let tracing = install_with_console(&vars, &output);
        describe("nowhere");
        drop(tracing);
        assert!(output.text().is_empty(), "{vars:?}: {}", output.text());
    }
}
