//! The console exporter: each finished trace drawn as a tree in the terminal.

mod render;

use opentelemetry::trace::TraceId;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use render::{render, RenderOptions};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

/// Keeps the spans of each trace until its local root ends, then draws the trace.
pub(crate) struct ConsoleExporter {
    state: Mutex<State>,
}

struct State {
    output: Box<dyn Write + Send>,
    options: RenderOptions,
    pending: HashMap<TraceId, Vec<SpanData>>,
}

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleExporter")
    }
}

impl ConsoleExporter {
    /// Draws to standard output: with colour and a timeline when it is a terminal
    /// (width from `COLUMNS`, else 120; no colour when `NO_COLOR` is set).
    pub(crate) fn stdout() -> Self {
        let terminal = std::io::stdout().is_terminal();
        let width = terminal.then(|| {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(120)
        });
        let color = terminal && std::env::var_os("NO_COLOR").is_none();
        Self::new(Box::new(std::io::stdout()), RenderOptions { width, color })
    }

    /// Draws plain text, without colour or timeline, to `output`.
    pub(crate) fn plain(output: Box<dyn Write + Send>) -> Self {
        Self::new(
            output,
            RenderOptions {
                width: None,
                color: false,
            },
        )
    }

    fn new(output: Box<dyn Write + Send>, options: RenderOptions) -> Self {
        ConsoleExporter {
            state: Mutex::new(State {
                output,
                options,
                pending: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn draw(&mut self, spans: &[SpanData]) {
        let text = render(spans, &self.options);
        // A closed stdout must not take the application down.
        let _ = self.output.write_all(text.as_bytes());
        let _ = self.output.flush();
    }

    fn draw_all(&mut self) {
        let pending: Vec<SpanData> = self.pending.drain().flat_map(|(_, spans)| spans).collect();
        if !pending.is_empty() {
            self.draw(&pending);
        }
    }
}

impl SpanExporter for ConsoleExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let mut state = self.lock();
        let mut complete = Vec::new();
        for span in batch {
            // A span with no parent here (a root, or a remote parent) ends the
            // part of the trace this process holds.
            let local_root = span.parent_span_id == opentelemetry::trace::SpanId::INVALID
                || span.parent_span_is_remote;
            let trace = span.span_context.trace_id();
            state.pending.entry(trace).or_default().push(span);
            if local_root {
                complete.push(trace);
            }
        }
        for trace in complete {
            if let Some(spans) = state.pending.remove(&trace) {
                state.draw(&spans);
            }
        }
        std::future::ready(Ok(()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.lock().draw_all();
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.lock().draw_all();
        Ok(())
    }
}
