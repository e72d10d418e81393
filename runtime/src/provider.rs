//! Which tracer provider instrumented code talks to, and how a change of it is noticed.
//!
//! Spans go to the provider registered with `opentelemetry::global::set_tracer_provider`.
//! Asking the global for a tracer takes a lock and allocates, so every call site keeps
//! its tracer and only asks again when the [`epoch`] moves. The epoch moves when:
//!
//! * [`set_tracer_provider`] installs a provider,
//! * an SDK installs or uninstalls a provider with its backend (see `backend`), or
//! * the global provider is replaced while it is our *watch* provider.
//!
//! The watch provider is how a provider installed later through the plain
//! OpenTelemetry API is noticed without a lock on every call: when the first
//! instrumented call finds that the global provider records nothing (it is the
//! default no-op one), it puts a watch provider in its place. The watch provider
//! records nothing either, so nothing changes for anyone, but when
//! `set_tracer_provider` replaces it, it is dropped, and its `Drop` moves the epoch.
//! Until then, an instrumented call costs one atomic load.

use crate::backend::Backend;
use crate::start::{set_rule, SamplingRule};
use opentelemetry::trace::{noop::NoopTracer, noop::NoopTracerProvider, TracerProvider};
use opentelemetry::InstrumentationScope;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Nothing is known about the global provider: the next call finds out.
pub(crate) const UNKNOWN: u8 = 0;
/// The global provider is our watch provider: instrumented calls do nothing.
pub(crate) const OFF: u8 = 1;
/// The global provider records: instrumented calls start spans.
pub(crate) const ON: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);
static EPOCH: AtomicU64 = AtomicU64::new(1);
/// Serialises our own changes of the global provider, so that the watch provider
/// never replaces a provider that [`set_tracer_provider`] has just installed.
static INSTALL: Mutex<()> = Mutex::new(());
/// The backend installed with the global provider, and the epoch it started.
static BACKEND: RwLock<Option<(u64, Arc<dyn Backend>)>> = RwLock::new(None);

#[inline]
pub(crate) fn state() -> u8 {
    STATE.load(Ordering::Acquire)
}

#[inline]
pub(crate) fn epoch() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

fn changed() {
    EPOCH.fetch_add(1, Ordering::AcqRel);
    STATE.store(UNKNOWN, Ordering::Release);
}

/// Installs `provider` as the global tracer provider and makes every instrumented
/// call site use it from its next call on.
///
/// This is `opentelemetry::global::set_tracer_provider` plus the notice. A provider
/// installed with the plain OpenTelemetry function is also picked up when it replaces
/// the default no-op provider; use this function when you *replace* one recording
/// provider with another (as tests do), so that call sites drop the old one.
///
/// ```
/// use traced::otel::trace::noop::NoopTracerProvider;
///
/// traced::set_tracer_provider(NoopTracerProvider::new());
/// ```
pub fn set_tracer_provider<P, T, S>(provider: P)
where
    S: opentelemetry::trace::Span + Send + Sync + 'static,
    T: opentelemetry::trace::Tracer<Span = S> + Send + Sync + 'static,
    P: TracerProvider<Tracer = T> + Send + Sync + 'static,
{
    // A provider installed alone samples by rules `traced` does not know.
    install(provider, None);
}

/// Installs `provider`, with the backend that builds the spans `traced` samples by
/// the rule, if any. Returns the epoch it starts.
pub(crate) fn install<P, T, S>(
    provider: P,
    backend: Option<(SamplingRule, Arc<dyn Backend>)>,
) -> u64
where
    S: opentelemetry::trace::Span + Send + Sync + 'static,
    T: opentelemetry::trace::Tracer<Span = S> + Send + Sync + 'static,
    P: TracerProvider<Tracer = T> + Send + Sync + 'static,
{
    let _serial = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    opentelemetry::global::set_tracer_provider(provider);
    let (rule, backend) = backend.unzip();
    set_rule(rule);
    // The epoch the coming `changed()` moves to.
    let at = epoch() + 1;
    *BACKEND.write().unwrap_or_else(PoisonError::into_inner) = backend.map(|b| (at, b));
    changed();
    at
}

/// Uninstalls the provider installed with a backend at epoch `at`, when it is still
/// the global one.
pub(crate) fn uninstall(at: u64) {
    let _serial = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    if epoch() == at && backend_at(at, |_| ()).is_some() {
        opentelemetry::global::set_tracer_provider(NoopTracerProvider::new());
        set_rule(None);
        *BACKEND.write().unwrap_or_else(PoisonError::into_inner) = None;
        changed();
    }
}

/// Runs `f` with the backend installed at epoch `at`, if it is still the
/// installed one.
fn backend_at<R>(at: u64, f: impl FnOnce(&Arc<dyn Backend>) -> R) -> Option<R> {
    let backend = BACKEND.read().unwrap_or_else(PoisonError::into_inner);
    backend
        .as_ref()
        .filter(|(installed, _)| *installed == at)
        .map(|(_, b)| f(b))
}

/// [`backend_at`], lending the backend.
pub(crate) fn with_backend<R>(at: u64, f: impl FnOnce(&dyn Backend) -> R) -> Option<R> {
    backend_at(at, |b| f(&**b))
}

/// The backend installed at epoch `at`, to keep.
pub(crate) fn backend(at: u64) -> Option<Arc<dyn Backend>> {
    backend_at(at, Arc::clone)
}

/// Called by the first instrumented call of an epoch that found the global provider
/// recording nothing: puts the watch provider in its place.
pub(crate) fn watch_noop(seen_at: u64) {
    let _serial = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    // Someone changed the provider while we were looking: look again next call.
    if epoch() != seen_at {
        return;
    }
    // Record `OFF` before the swap: dropping the provider we replace may be the
    // drop of an earlier watch provider, which would otherwise reset the state.
    STATE.store(OFF, Ordering::Release);
    opentelemetry::global::set_tracer_provider(WatchProvider(Armed));
    if epoch() != seen_at {
        // An earlier watch provider dropped during the swap moved the epoch; the
        // provider now installed is ours, so the state is still off.
        STATE.store(OFF, Ordering::Release);
    }
}

/// Records that the global provider records spans, unless it changed meanwhile.
pub(crate) fn mark_on(seen_at: u64) {
    if epoch() == seen_at {
        let _ = STATE.compare_exchange(UNKNOWN, ON, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// A no-op provider that notices when it is replaced.
#[derive(Debug)]
struct WatchProvider(Armed);

#[derive(Debug)]
struct Armed;

impl Drop for Armed {
    fn drop(&mut self) {
        // Runs under the global provider's write lock: touch only our atomics.
        changed();
    }
}

impl TracerProvider for WatchProvider {
    type Tracer = NoopTracer;

    fn tracer_with_scope(&self, _scope: InstrumentationScope) -> NoopTracer {
        NoopTracer::new()
    }
}
