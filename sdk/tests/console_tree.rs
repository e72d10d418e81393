//! `traced_sdk::setup!()` with no collector configured draws each finished trace as a
//! tree. (Its own test binary: it installs the global provider.)

use traced::traced;
use traced_sdk::SharedOutput;

#[derive(Debug)]
struct NotFound(u64);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {} not found", self.0)
    }
}

#[traced(kind = server, record_err)]
fn request(user_id: u64) -> Result<(), NotFound> {
    lookup(user_id)?;
    Ok(())
}

#[traced(record_err)]
fn lookup(user_id: u64) -> Result<(), NotFound> {
    cache(user_id);
    Err(NotFound(user_id))
}

#[traced]
fn cache(key: u64) {
    let _ = key;
}

#[test]
fn the_console_draws_a_nested_trace_with_its_error() {
    let output = SharedOutput::default();
    let tracing = traced_sdk::setup!()
        .environment(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "always_on".to_owned()))
        .console_output(output.clone())
        .install();
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    let _ = request(7);
    assert_eq!(tracing.shutdown(), None, "every span was exported");
    let text = output.text();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines[0].starts_with("trace ") && lines[0].contains("3 spans"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("request [server]") && lines[1].contains("✗"),
        "{text}"
    );
    let lookup = lines
        .iter()
        .position(|l| l.contains("└─ lookup"))
        .expect(&text);
    assert!(lines[lookup].contains("user 7 not found"), "{text}");
    assert!(
        lines[lookup + 1..]
            .iter()
            .any(|l| l.contains("└─ cache") && l.contains("key=7")),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
}
