//! The current context, carried into threads, tasks and callbacks, so that work
//! started elsewhere stays in its trace.
//!
//! ```
//! #[traced::traced]
//! fn child() {}
//!
//! #[traced::traced]
//! fn parent() {
//!     // `child` runs on another thread, still as a child of `parent`.
//!     traced::context::spawn_thread(child).join().unwrap();
//! }
//! parent();
//! ```

use opentelemetry::Context;

/// `f`, made to run in the context that is current now, wherever it is called.
pub fn bind<R>(f: impl FnOnce() -> R) -> impl FnOnce() -> R {
    let cx = Context::current();
    move || {
        let _attached = cx.attach();
        f()
    }
}

/// `std::thread::spawn`, with the current context carried into the thread.
pub fn spawn_thread<R, F>(f: F) -> std::thread::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    std::thread::spawn(bind(f))
}

/// `tokio::spawn`, with the current context carried into the task (current
/// whenever the task is polled).
#[cfg(feature = "tokio")]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    use opentelemetry::context::FutureExt;
    tokio::spawn(future.with_current_context())
}
