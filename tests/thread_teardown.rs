//! When a thread ends, its thread-locals are destroyed one by one, and code in
//! their destructors may panic (and catch it) or call instrumented functions. The
//! panic hook and instrumented calls never touch a destroyed thread-local there:
//! they degrade to not recording, and the thread ends normally.
//!
//! Touching a destroyed thread-local from a destructor aborts the process, so each
//! scenario runs in a child process (this test binary, running the ignored test
//! `child` with the scenario in [`SCENARIO`]), and the test asserts on its exit.

use std::panic::catch_unwind;
use std::process::{Command, Output};
use traced::traced;
use traced_sdk::testing::{Spans, capture};

const SCENARIO: &str = "TRACED_TEST_TEARDOWN_SCENARIO";

/// Runs `scenario` in a child process.
fn run(scenario: &str) -> Output {
    let exe = std::env::current_exe().expect("the test binary");
    Command::new(exe)
        .args(["child", "--exact", "--ignored", "--nocapture"])
        .env(SCENARIO, scenario)
        .output()
        .expect("the child process runs")
}

fn assert_succeeds(scenario: &str) {
    let out = run(scenario);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "scenario {scenario} ended with {}\n{}\n{stdout}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
    );
}

#[test]
fn a_panic_caught_in_a_thread_local_destructor_does_not_abort() {
    assert_succeeds("caught_panic");
}

#[test]
fn instrumented_calls_in_a_late_thread_local_destructor_run_untraced() {
    assert_succeeds("late_calls");
}

#[test]
fn the_first_instrumented_call_of_a_thread_may_come_from_a_destructor() {
    assert_succeeds("first_call");
}

#[test]
#[ignore = "a scenario of the tests above, run by them in a child process"]
fn child() {
    match std::env::var(SCENARIO).as_deref() {
        Ok("caught_panic") => caught_panic(),
        Ok("late_calls") => late_calls(),
        Ok("first_call") => first_call(),
        _ => {}
    }
}

#[traced]
fn double(x: u32) -> u32 {
    x * 2
}

#[traced]
fn fails() {
    panic!("before the teardown");
}

/// Catches a panic when destroyed.
struct CatchesPanic;

impl Drop for CatchesPanic {
    fn drop(&mut self) {
        let caught = catch_unwind(|| panic!("inside a thread-local destructor"));
        assert!(caught.is_err());
    }
}

/// Calls instrumented code when destroyed.
struct CallsTraced;

impl Drop for CallsTraced {
    fn drop(&mut self) {
        assert_eq!(double(21), 42);
        let guard = traced::span("in a destructor").enter();
        guard.set_attribute("late", true);
        drop(guard);
        traced::current_span().set_attribute("late", true);
    }
}

thread_local! {
    static CATCHES_PANIC: CatchesPanic = const { CatchesPanic };
    static CALLS_TRACED: CallsTraced = const { CallsTraced };
}

/// Runs `f` on a thread of its own, which must end normally.
fn on_a_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::spawn(f)
        .join()
        .expect("the thread ends normally");
}

fn count(spans: &Spans, name: &str) -> usize {
    spans.all_named(name).count()
}

/// The panic hook, which remembers a panic's message in a thread-local, runs for a
/// panic caught in a destructor that runs after that thread-local's.
fn caught_panic() {
    let capture = capture();
    on_a_thread(|| {
        // Registered first, destroyed last.
        CATCHES_PANIC.with(|_| ());
        // The hook's thread-local, and traced's, come after.
        assert!(catch_unwind(fails).is_err());
        double(1);
    });
    let spans = capture.finish();
    assert_eq!(count(&spans, "fails"), 1);
}

/// Instrumented calls from a destructor that runs after the context stack's, the
/// call table's and the sampler's thread-locals are gone run untraced.
fn late_calls() {
    let capture = capture();
    on_a_thread(|| {
        CALLS_TRACED.with(|_| ());
        double(1);
        drop(traced::span("before").enter());
    });
    let spans = capture.finish();
    assert_eq!(count(&spans, "double"), 1);
    assert_eq!(count(&spans, "before"), 1);
    assert_eq!(count(&spans, "in a destructor"), 0);
}

/// A thread whose only instrumented calls are in a destructor records them.
fn first_call() {
    let capture = capture();
    on_a_thread(|| CALLS_TRACED.with(|_| ()));
    let spans = capture.finish();
    assert_eq!(count(&spans, "double"), 1);
    assert_eq!(count(&spans, "in a destructor"), 1);
}
