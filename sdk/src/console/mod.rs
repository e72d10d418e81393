//! The console exporter: each trace drawn as a tree, on standard error by default,
//! once it is whole and quiet (see [`traces`] for the rule).

pub(crate) mod render;
mod terminal;
mod traces;

pub(crate) use terminal::{ConsoleSettings, Output};

use crate::export::{self, Deliveries, ExportStats, Processors};
use crate::setup::env::{EnvSettings, Lookup};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use render::render;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use terminal::Sink;
use traces::{Draw, Traces};

/// Adds the console exporter, drawing as `settings` say, behind the export queue
/// like every exporter (its flush draws every whole trace; its shutdown, all).
pub(crate) fn add(
    processors: &mut Processors,
    settings: ConsoleSettings,
    lookup: &Lookup,
    env: &EnvSettings,
    stats: &Arc<ExportStats>,
) -> Printer {
    // The console is read by a person: export soon after spans end.
    let delay = env.bsp_schedule_delay.unwrap_or(Duration::from_millis(200));
    // A span that ended by the time its root was exported comes at most one delay
    // later, with the next batch.
    let quiet = delay.mul_f64(1.5);
    let console = Console::start(Sink::open(settings, lookup), quiet);
    // A span counts as exported when it is drawn, not when it reaches the console.
    let deliveries = export::add_counting_itself(
        processors,
        "console",
        ConsoleExporter(Arc::clone(&console)),
        env,
        delay,
        stats,
    );
    console.lock().deliveries = Some(deliveries);
    Printer(Printing::Traces(console))
}

/// Writes blocks of text (the metrics summary) to the console's output: the
/// traces console's own when there is one, so that both keep their order.
#[derive(Clone)]
pub(crate) struct Printer(Printing);

#[derive(Clone)]
enum Printing {
    Traces(Arc<Console>),
    Own(Arc<Mutex<Sink>>),
}

impl Printer {
    /// A printer of its own, for metrics on the console without traces there.
    pub(crate) fn open(settings: ConsoleSettings, lookup: &Lookup) -> Self {
        Printer(Printing::Own(Arc::new(Mutex::new(Sink::open(
            settings, lookup,
        )))))
    }

    /// Writes `text` as one block, after a blank line.
    pub(crate) fn print(&self, text: &str) {
        self.with_sink(|sink| sink.write(text));
    }

    /// Writes `lines` as they are (log lines, one after the other).
    pub(crate) fn print_lines(&self, lines: &str) {
        self.with_sink(|sink| sink.write_lines(lines));
    }

    fn with_sink(&self, write: impl FnOnce(&mut Sink)) {
        match &self.0 {
            Printing::Traces(console) => write(&mut console.lock().sink),
            Printing::Own(sink) => write(&mut sink.lock().unwrap_or_else(PoisonError::into_inner)),
        }
    }
}

/// The traces held and the output, shared by the exporter, the flush and the thread
/// that draws traces when they become due.
struct Console {
    state: Mutex<State>,
    /// Wakes the drawing thread: new spans came, or the console closed.
    wake: Condvar,
}

struct State {
    sink: Sink,
    traces: Traces,
    /// Counts the spans drawn, as the spans this exporter delivered.
    deliveries: Option<Deliveries>,
    /// After shutdown, spans still coming are drawn at once.
    closed: bool,
}

impl Console {
    fn start(sink: Sink, quiet: Duration) -> Arc<Self> {
        let console = Arc::new(Console {
            state: Mutex::new(State {
                sink,
                traces: Traces::new(quiet),
                deliveries: None,
                closed: false,
            }),
            wake: Condvar::new(),
        });
        let timer = Arc::clone(&console);
        // Without the thread, traces are drawn at the next export, flush or shutdown.
        let _ = std::thread::Builder::new()
            .name("traced-console".into())
            .spawn(move || timer.draw_when_due());
        console
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The drawing thread: draws each trace when it becomes due, until closed.
    fn draw_when_due(&self) {
        let mut state = self.lock();
        while !state.closed {
            state.draw(Draw::Settled);
            state = match state.traces.next_due() {
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    let woken = self.wake.wait_timeout(state, wait);
                    woken.unwrap_or_else(PoisonError::into_inner).0
                }
                None => self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    fn export(&self, batch: Vec<SpanData>) {
        let mut state = self.lock();
        state.traces.add(batch, Instant::now());
        let rule = if state.closed {
            Draw::Everything
        } else {
            Draw::Settled
        };
        state.draw(rule);
        drop(state);
        self.wake.notify_one();
    }

    fn flush(&self) {
        self.lock().draw(Draw::Whole);
    }

    /// Draws everything held, and stops the drawing thread.
    fn close(&self) {
        let mut state = self.lock();
        state.draw(Draw::Everything);
        state.closed = true;
        drop(state);
        self.wake.notify_one();
    }
}

impl State {
    fn draw(&mut self, rule: Draw) {
        let options = self.sink.options();
        let (sink, deliveries) = (&mut self.sink, &self.deliveries);
        self.traces
            .take(Instant::now(), rule, |spans, drawn, linked, early| {
                sink.write(&render(spans, drawn, linked, early, &options));
                if let Some(deliveries) = deliveries {
                    deliveries.delivered(spans.len());
                }
            });
    }
}

/// The exporter behind the console's export queue.
struct ConsoleExporter(Arc<Console>);

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleExporter")
    }
}

impl SpanExporter for ConsoleExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.0.export(batch);
        std::future::ready(Ok(()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.flush();
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.0.close();
        Ok(())
    }
}

impl Drop for ConsoleExporter {
    fn drop(&mut self) {
        self.0.close();
    }
}
