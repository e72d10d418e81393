//! Which tracer provider instrumented code talks to, and how a change of it is noticed.
//!
//! Spans go to the provider registered with `opentelemetry::global::set_tracer_provider`.
//! Asking the global for a tracer takes a lock and allocates, so every call site keeps
//! its tracer and only asks again when the [`epoch`] moves. The epoch moves when:
//!
//! * [`set_tracer_provider`] installs a provider,
//! * `traced`'s own setup installs or uninstalls its SDK provider (`install_sdk`,
//!   `retire_sdk`: call sites then hold that provider's typed tracer), or
//! * the global provider is replaced while it is our *watch* provider.
//!
//! The watch provider is how a provider installed later through the plain
//! OpenTelemetry API is noticed without a lock on every call: when the first
//! instrumented call finds that the global provider records nothing (it is the
//! default no-op one), it puts a watch provider in its place. The watch provider
//! records nothing either, so nothing changes for anyone, but when
//! `set_tracer_provider` replaces it, it is dropped, and its `Drop` moves the epoch.
//! Until then, an instrumented call costs one atomic load.

use opentelemetry::trace::{noop::NoopTracer, TracerProvider};
use opentelemetry::InstrumentationScope;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
#[cfg(feature = "sdk")]
use {crate::lean::Pipeline, std::sync::Arc};

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
/// use opentelemetry::trace::noop::NoopTracerProvider;
///
/// traced::set_tracer_provider(NoopTracerProvider::new());
/// ```
pub fn set_tracer_provider<P, T, S>(provider: P)
where
    S: opentelemetry::trace::Span + Send + Sync + 'static,
    T: opentelemetry::trace::Tracer<Span = S> + Send + Sync + 'static,
    P: TracerProvider<Tracer = T> + Send + Sync + 'static,
{
    let _serial = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    opentelemetry::global::set_tracer_provider(provider);
    // A provider we did not build samples by rules we do not know.
    crate::sampling::set_rule(None);
    #[cfg(feature = "sdk")]
    set_ours(None);
    changed();
}

/// Installs an SDK provider `traced` built (setup, testing): call sites then hold
/// its typed tracer, and `rule` is how it samples. Returns the epoch it starts.
#[cfg(feature = "sdk")]
pub(crate) fn install_sdk(
    provider: &opentelemetry_sdk::trace::SdkTracerProvider,
    rule: Option<crate::sampling::Rule>,
    pipeline: Option<Arc<Pipeline>>,
) -> u64 {
    let _serial = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    opentelemetry::global::set_tracer_provider(provider.clone());
    crate::sampling::set_rule(rule);
    set_ours(Some(Ours {
        provider: provider.clone(),
        pipeline,
    }));
    changed();
    epoch()
}

/// Uninstalls the provider [`install_sdk`] installed at epoch `at`, shut down by
/// its guard, when it is still the global one.
#[cfg(feature = "sdk")]
pub(crate) fn retire_sdk(at: u64) {
    let _serial = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if epoch() == at && ours(at).is_some() {
        opentelemetry::global::set_tracer_provider(
            opentelemetry::trace::noop::NoopTracerProvider::new(),
        );
        crate::sampling::set_rule(None);
        set_ours(None);
        changed();
    }
}

/// The SDK provider `traced` installed, while it is the global one: the epoch at
/// which it was installed, and the provider.
#[cfg(feature = "sdk")]
static OURS: std::sync::RwLock<Option<(u64, Ours)>> = std::sync::RwLock::new(None);

/// An SDK provider `traced` built, and the pipeline its spans end in when `traced`
/// builds them itself (see `lean`).
#[cfg(feature = "sdk")]
#[derive(Clone, Debug)]
pub(crate) struct Ours {
    pub(crate) provider: opentelemetry_sdk::trace::SdkTracerProvider,
    pub(crate) pipeline: Option<Arc<Pipeline>>,
}

#[cfg(feature = "sdk")]
fn set_ours(provider: Option<Ours>) {
    // The epoch the coming `changed()` moves to.
    let at = epoch() + 1;
    *OURS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = provider.map(|p| (at, p));
}

/// Our SDK provider, if it is still the one installed at `at`.
#[cfg(feature = "sdk")]
pub(crate) fn ours(at: u64) -> Option<Ours> {
    let ours = OURS
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    ours.as_ref()
        .filter(|(installed, _)| *installed == at)
        .map(|(_, p)| p.clone())
}

/// The pipeline of our SDK provider, if it is still the one installed at `at`.
#[cfg(feature = "sdk")]
pub(crate) fn pipeline(at: u64) -> Option<Arc<Pipeline>> {
    let ours = OURS
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    ours.as_ref()
        .filter(|(installed, _)| *installed == at)
        .and_then(|(_, o)| o.pipeline.clone())
}

/// Called by the first instrumented call of an epoch that found the global provider
/// recording nothing. Returns whether the watch provider is (now) in place.
pub(crate) fn watch_noop(seen_at: u64) {
    let _serial = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
