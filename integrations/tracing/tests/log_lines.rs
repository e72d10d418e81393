//! `WithTraceIds`: text and JSON log lines carry the current span's ids, the
//! ones the exported span has.

use std::io::Write;
use std::sync::{Arc, Mutex};
use traced::traced;
use traced_sdk::testing::capture;
use traced_tracing::WithTraceIds;
use tracing_subscriber::layer::SubscriberExt as _;

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[traced]
fn handle(order: u64) {
    tracing::info!(order, "handling");
}

#[test]
fn text_and_json_lines_carry_the_ids_of_the_span_they_were_written_in() {
    let capture = capture();
    let (text, json) = (Lines::default(), Lines::default());
    let (t, j) = (text.clone(), json.clone());
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || t.clone())
                .event_format(WithTraceIds::new(
                    tracing_subscriber::fmt::format().with_ansi(false),
                )),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || j.clone())
                .event_format(WithTraceIds::json(tracing_subscriber::fmt::format().json())),
        );
    tracing::subscriber::with_default(subscriber, || {
        handle(7);
        tracing::info!("outside any span");
    });
    let spans = capture.finish();
    let span = spans.named("handle");
    let (trace_id, span_id) = (span.trace_id().to_string(), span.span_id().to_string());

    let text = text.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&format!("trace_id={trace_id} span_id={span_id} ")),
        "{text}"
    );
    assert!(
        lines[0].contains("handling") && lines[0].contains("order=7"),
        "{text}"
    );
    assert!(!lines[1].contains("trace_id="), "{text}");

    let json = json.text();
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines[0]["trace_id"], trace_id.as_str());
    assert_eq!(lines[0]["span_id"], span_id.as_str());
    assert_eq!(lines[0]["fields"]["message"], "handling");
    assert_eq!(lines[0]["fields"]["order"], 7);
    assert!(lines[1].get("trace_id").is_none());
}
