//! Guards that nest, and spans that end while shutdown runs: every span is
//! recorded and counted, once, as exported or as lost. (Its own test binary: it
//! installs the global provider, one setup after another.)

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Keeps what it is given.
#[derive(Debug, Clone, Default)]
struct Keep(Arc<Mutex<Vec<SpanData>>>);

impl Keep {
    fn names(&self) -> Vec<String> {
        let spans = self.0.lock().unwrap();
        spans.iter().map(|s| s.name.to_string()).collect()
    }
}

impl SpanExporter for Keep {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

#[traced::traced]
fn first_only() {}

#[traced::traced]
fn both_alive() {}

#[traced::traced]
fn after_the_newer_dropped() {}

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn install(exporter: Keep) -> traced_sdk::TracingGuard {
    traced_sdk::setup!()
        .environment(|_| None)
        .exporter(exporter)
        .install()
}

#[test]
fn dropping_a_newer_guard_gives_the_older_one_its_provider_back() {
    let _serial = serial();
    let (older, newer) = (Keep::default(), Keep::default());
    let first = install(older.clone());
    first_only();
    let second = install(newer.clone());
    both_alive();
    assert_eq!(second.shutdown(), None);
    after_the_newer_dropped();
    assert_eq!(
        first.counts().0,
        2,
        "both spans of the older provider ended into it"
    );
    assert_eq!(first.shutdown(), None, "nothing lost");
    assert_eq!(older.names(), ["first_only", "after_the_newer_dropped"]);
    assert_eq!(newer.names(), ["both_alive"]);
}

#[test]
fn dropping_an_older_guard_leaves_the_newer_provider_installed() {
    let _serial = serial();
    let (older, newer) = (Keep::default(), Keep::default());
    let first = install(older.clone());
    let second = install(newer.clone());
    drop(first);
    both_alive();
    assert_eq!(second.shutdown(), None);
    assert_eq!(newer.names(), ["both_alive"]);
    assert!(older.names().is_empty());
}

#[test]
fn a_span_is_counted_once_whatever_the_number_of_exporters() {
    let _serial = serial();
    let (a, b) = (Keep::default(), Keep::default());
    let tracing = traced_sdk::setup!()
        .environment(|_| None)
        .exporter(a.clone())
        .exporter(b.clone())
        .install();
    first_only();
    tracing.flush();
    assert_eq!(tracing.counts(), (1, 1));
    assert_eq!(tracing.shutdown(), None);
    assert_eq!((a.names().len(), b.names().len()), (1, 1));
}

/// Tells when an export starts, then waits to be let through.
#[derive(Debug)]
struct Gate {
    entered: Mutex<mpsc::Sender<()>>,
    open: Mutex<mpsc::Receiver<()>>,
}

impl SpanExporter for Gate {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        let _ = self.entered.lock().unwrap().send(());
        let _ = self
            .open
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10));
        Ok(())
    }
}

#[test]
fn a_span_that_ends_while_shutdown_runs_is_reported_lost() {
    let _serial = serial();
    let (entered, export_started) = mpsc::channel();
    let (let_through, open) = mpsc::channel();
    let tracing = traced_sdk::setup!()
        // No export before shutdown asks for one.
        .environment(|name| (name == "OTEL_BSP_SCHEDULE_DELAY").then(|| "600000".to_owned()))
        .exporter(Gate {
            entered: Mutex::new(entered),
            open: Mutex::new(open),
        })
        .shutdown_timeout(Duration::from_secs(5))
        .install();
    first_only();
    let late = traced::span("late").start();
    let ender = std::thread::spawn(move || {
        // Shutdown has begun once the final export starts.
        export_started.recv().unwrap();
        late.end();
        let_through.send(()).unwrap();
    });
    let report = tracing.shutdown();
    ender.join().unwrap();
    let report = report.expect("the late span is lost");
    assert!(
        report.starts_with("1 of 2 finished spans were not exported"),
        "{report}"
    );
}
