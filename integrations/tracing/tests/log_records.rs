//! `LogWithTraceIds`: `log` records carry the current span's ids. (Its own test
//! binary: it installs the `log` crate's one logger.)

use std::sync::Mutex;
use traced::traced;
use traced_sdk::testing::capture;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Keep;

impl log::Log for Keep {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        // Only this test's records: others (OpenTelemetry's own diagnostics,
        // forwarded from `tracing` to `log` in some builds) are not its concern.
        if record.target() == module_path!() {
            LINES
                .lock()
                .unwrap()
                .push(format!("{} {}", record.level(), record.args()));
        }
    }

    fn flush(&self) {}
}

#[traced]
fn handle(order: u64) {
    log::info!("handling order {order}");
}

#[test]
fn records_inside_a_span_carry_its_ids_and_the_others_go_through() {
    log::set_boxed_logger(Box::new(traced_tracing::LogWithTraceIds::new(Keep))).unwrap();
    log::set_max_level(log::LevelFilter::Info);
    let capture = capture();
    handle(9);
    log::warn!("outside any span");
    let spans = capture.finish();
    let span = spans.named("handle");
    let lines = LINES.lock().unwrap().clone();
    assert_eq!(
        lines,
        [
            format!(
                "INFO trace_id={} span_id={} handling order 9",
                span.trace_id(),
                span.span_id()
            ),
            "WARN outside any span".to_owned(),
        ]
    );
}
