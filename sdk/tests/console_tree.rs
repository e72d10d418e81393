//! The console exporter, through `traced_sdk::setup!()`: one tree per trace whatever
//! the order and batches its spans end in, drawn once the trace is whole and quiet,
//! on standard error unless told otherwise, and as wide as allowed. (Its own test
//! binary: it installs the global provider; the tests take turns.)

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use std::process::Command;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use traced::traced;
use traced_sdk::{SharedOutput, TracingGuard};

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

/// A server span under a caller in another process: a child, and a task that
/// outlives it.
#[traced(kind = server, skip_all, parent = remote)]
fn handle(remote: &SpanContext, release: Receiver<()>) -> JoinHandle<()> {
    cache(1);
    traced::context::spawn_thread(move || background(&release))
}

/// Returns while the task it started runs on, until `release` says.
#[traced(skip_all)]
fn start_task(release: Receiver<()>) -> JoinHandle<()> {
    traced::context::spawn_thread(move || background(&release))
}

#[traced(skip_all)]
fn background(release: &Receiver<()>) {
    let _ = release.recv();
}

#[traced]
fn describe(text: &str) {
    cache(text.len() as u64);
}

/// The tests install the global provider: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Tracing with every span sampled and `vars` set, drawing into `output`.
fn install(output: &SharedOutput, vars: &'static [(&'static str, &'static str)]) -> TracingGuard {
    let tracing = traced_sdk::setup!()
        .environment(|name| match name {
            "OTEL_TRACES_SAMPLER" => Some("always_on".to_owned()),
            _ => vars
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned()),
        })
        .console_output(output.clone())
        .install();
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    tracing
}

/// Waits up to 5 s for `output` to hold a line starting with `start`.
fn wait_for_line(output: &SharedOutput, start: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if output.text().lines().any(|line| line.starts_with(start)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn headers(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| line.starts_with("trace "))
        .collect()
}

#[test]
fn the_console_draws_a_nested_trace_with_its_error() {
    let _turn = serial();
    let output = SharedOutput::default();
    let tracing = install(&output, &[]);
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

#[test]
fn a_trace_is_drawn_once_quiet_without_a_flush() {
    let _turn = serial();
    let output = SharedOutput::default();
    let tracing = install(&output, &[]);
    let _ = request(7);
    assert!(
        wait_for_line(&output, "request [server]"),
        "{}",
        output.text()
    );
    drop(tracing);
}

#[test]
fn a_root_with_a_remote_parent_is_one_tree_with_its_children() {
    let _turn = serial();
    let output = SharedOutput::default();
    // Each span in an export batch of its own: one child before the root, one after.
    let tracing = install(&output, &[("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1")]);
    let remote = SpanContext::new(
        TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
        SpanId::from(0xabc),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let (release, wait) = channel();
    let task = handle(&remote, wait);
    release.send(()).unwrap();
    task.join().unwrap();
    assert!(
        wait_for_line(&output, "handle [server]"),
        "{}",
        output.text()
    );
    drop(tracing);
    let text = output.text();
    assert_eq!(headers(&text).len(), 1, "{text}");
    assert!(headers(&text)[0].contains("3 spans"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains("↖ remote parent 0000000000000abc"),
        "{text}"
    );
    assert!(lines[2].starts_with("├─ cache"), "{text}");
    assert!(lines[3].starts_with("└─ background"), "{text}");
    assert!(!text.contains("missing parent"), "{text}");
}

#[test]
fn a_child_ending_after_its_root_in_a_later_batch_joins_its_tree() {
    let _turn = serial();
    let output = SharedOutput::default();
    let tracing = install(&output, &[("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1")]);
    let (release, wait) = channel();
    let task = start_task(wait);
    // The root has ended and gone out in its batch; the child ends now.
    release.send(()).unwrap();
    task.join().unwrap();
    assert!(wait_for_line(&output, "start_task"), "{}", output.text());
    drop(tracing);
    let text = output.text();
    assert_eq!(headers(&text).len(), 1, "{text}");
    assert!(text.contains("└─ background"), "{text}");
    assert!(!text.contains('↖'), "{text}");
}

#[test]
fn a_span_ending_after_its_trace_was_drawn_continues_it() {
    let _turn = serial();
    let output = SharedOutput::default();
    let tracing = install(&output, &[("OTEL_BSP_SCHEDULE_DELAY", "20")]);
    let (release, wait) = channel();
    let task = start_task(wait);
    assert!(wait_for_line(&output, "start_task"), "{}", output.text());
    release.send(()).unwrap();
    task.join().unwrap();
    drop(tracing);
    let text = output.text();
    let headers = headers(&text);
    assert_eq!(headers.len(), 2, "{text}");
    assert!(headers[1].contains(" · continued · "), "{text}");
    let background = text
        .lines()
        .find(|l| l.starts_with("background"))
        .expect(&text);
    assert!(
        background.ends_with("↖ child of start_task, drawn above"),
        "{text}"
    );
    assert!(!text.contains("missing parent"), "{text}");
}

#[test]
fn a_flush_draws_ended_traces_at_once() {
    let _turn = serial();
    let output = SharedOutput::default();
    // Without the flush, nothing would be drawn for a minute.
    let tracing = install(&output, &[("OTEL_BSP_SCHEDULE_DELAY", "60000")]);
    let _ = request(7);
    tracing.flush();
    let text = output.text();
    assert_eq!(headers(&text).len(), 1, "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("request [server]")),
        "{text}"
    );
    drop(tracing);
}

#[test]
fn every_line_fits_the_width_set_in_code() {
    let _turn = serial();
    let long = "a long description that goes on and on ".repeat(6);
    for width in [80, 40] {
        let output = SharedOutput::default();
        let tracing = traced_sdk::setup!()
            .environment(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "always_on".to_owned()))
            .console_output(output.clone())
            .console_width(width)
            .install();
        describe(&long);
        drop(tracing);
        let text = output.text();
        assert!(text.contains("└─ cache"), "{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= width, "{width}: {line}");
        }
        assert!(text.lines().any(|line| line.ends_with('…')), "{text}");
    }
}

/// Runs in a child process for the output tests (with `TRACED_CONSOLE_CHILD` set to
/// `stderr` or `stdout`), which ask for it by name; not a test on its own.
#[test]
#[ignore = "run by the output tests, in a child process"]
fn draw_a_trace_in_a_child_process() {
    let output = std::env::var("TRACED_CONSOLE_CHILD").expect("run by the output tests");
    let setup = traced_sdk::setup!()
        .environment(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "always_on".to_owned()));
    let setup = if output == "stdout" {
        setup.console_to_stdout()
    } else {
        setup
    };
    let tracing = setup.install();
    let _ = request(7);
    drop(tracing);
}

/// What the child process wrote on standard output and standard error.
fn child_process(output: &str) -> (String, String) {
    let run = Command::new(std::env::current_exe().unwrap())
        .args([
            "draw_a_trace_in_a_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("TRACED_CONSOLE_CHILD", output)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (text(&run.stdout), text(&run.stderr))
}

#[test]
fn traces_go_to_standard_error_by_default() {
    let (stdout, stderr) = child_process("stderr");
    assert!(
        stderr.lines().any(|l| l.starts_with("request [server]")),
        "{stderr}"
    );
    assert!(!stdout.contains("request [server]"), "{stdout}");
}

#[test]
fn console_to_stdout_draws_on_standard_output() {
    let (stdout, stderr) = child_process("stdout");
    assert!(
        stdout.lines().any(|l| l.starts_with("request [server]")),
        "{stdout}"
    );
    assert!(!stderr.contains("request [server]"), "{stderr}");
}

#[traced(skip_all)]
fn long_lived(children: usize, release: &Receiver<()>) {
    for n in 0..children {
        cache(n as u64);
    }
    let _ = release.recv();
}

#[test]
fn a_span_counts_as_exported_when_it_is_drawn() {
    let _turn = serial();
    let output = SharedOutput::default();
    let tracing = install(&output, &[("OTEL_BSP_SCHEDULE_DELAY", "10")]);
    let (release, wait) = channel();
    let root = traced::context::spawn_thread(move || long_lived(3, &wait));
    // The children reached the console, but their root has not ended: not drawn.
    let deadline = Instant::now() + Duration::from_secs(2);
    while tracing.counts().0 < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(tracing.counts(), (3, 0), "{}", output.text());
    release.send(()).unwrap();
    root.join().unwrap();
    assert!(wait_for_line(&output, "long_lived"), "{}", output.text());
    assert_eq!(tracing.counts(), (4, 4));
    assert_eq!(tracing.shutdown(), None);
}
