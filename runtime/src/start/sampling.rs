//! Sampling decided by `traced` before a span is built, when the installed backend
//! (see [`crate::backend`]) samples by a standard rule: an unsampled call then never
//! reaches the SDK, and a sampled one goes straight to the backend.
//!
//! The decisions are those of the SDK's standard samplers, so a service that
//! samples here agrees with every other service that samples the same trace.

use opentelemetry::trace::{SpanContext, SpanId, TraceId};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// How a backend samples, in the terms of the OpenTelemetry SDK's standard samplers.
/// `traced` applies it itself before it starts a span.
///
/// | SDK sampler | rule |
/// |---|---|
/// | `AlwaysOn` | `TraceIdRatio(1.0)` |
/// | `AlwaysOff` | `TraceIdRatio(0.0)` |
/// | `TraceIdRatioBased(r)` | `TraceIdRatio(r)` |
/// | `ParentBased(AlwaysOn)` | `ParentBased(1.0)` |
/// | `ParentBased(AlwaysOff)` | `ParentBased(0.0)` |
/// | `ParentBased(TraceIdRatioBased(r))` | `ParentBased(r)` |
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SamplingRule {
    /// Every span, root or child, is sampled by its trace id, at this ratio.
    TraceIdRatio(f64),
    /// A span with a parent is sampled when its parent is; a root by its trace id,
    /// at this ratio.
    ParentBased(f64),
}

/// The installed rule's mode, as stored in [`MODE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Mode {
    /// No rule: the provider's own sampler decides.
    Unknown = 0,
    /// [`SamplingRule::TraceIdRatio`].
    TraceIdRatio = 1,
    /// [`SamplingRule::ParentBased`].
    ParentBased = 2,
}

impl Mode {
    fn load() -> Mode {
        match MODE.load(Ordering::Acquire) {
            1 => Mode::TraceIdRatio,
            2 => Mode::ParentBased,
            _ => Mode::Unknown,
        }
    }
}

static MODE: AtomicU8 = AtomicU8::new(Mode::Unknown as u8);
/// The root rule's bound: a trace is sampled when its 63 random bits are below it.
static BOUND: AtomicU64 = AtomicU64::new(0);

/// Installs `rule`, or none: the provider's sampler decides.
pub(crate) fn set_rule(rule: Option<SamplingRule>) {
    let (mode, ratio) = match rule {
        None => (Mode::Unknown, 0.0),
        Some(SamplingRule::TraceIdRatio(r)) => (Mode::TraceIdRatio, r),
        Some(SamplingRule::ParentBased(r)) => (Mode::ParentBased, r),
    };
    BOUND.store(bound(ratio), Ordering::Relaxed);
    MODE.store(mode as u8, Ordering::Release);
}

/// The rule installed now, as `traced` applies it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rule(Mode);

/// The installed rule, if `traced` decides sampling itself.
#[inline]
pub(crate) fn rule() -> Option<Rule> {
    match Mode::load() {
        Mode::Unknown => None,
        mode => Some(Rule(mode)),
    }
}

/// What `traced` decided for a span: whether it is sampled, and its trace (the
/// parent's, or a fresh one for a root).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decision {
    pub(crate) sampled: bool,
    pub(crate) trace: TraceId,
}

impl Rule {
    /// The decision for a span whose parent is `parent` (invalid for a root).
    pub(crate) fn decide(self, parent: &SpanContext) -> Decision {
        if parent.is_valid() {
            self.child(parent)
        } else {
            Rule::root()
        }
    }

    /// The decision for a child of `parent`, a valid span.
    #[inline]
    pub(crate) fn child(self, parent: &SpanContext) -> Decision {
        let trace = parent.trace_id();
        let sampled = match self.0 {
            Mode::ParentBased => parent.is_sampled(),
            _ => by_trace_id(trace),
        };
        Decision { sampled, trace }
    }

    /// The decision for a root: its trace id is drawn first and the ratio decides
    /// by it, as the SDK's samplers do, so every service that samples the trace by
    /// ratio agrees.
    fn root() -> Decision {
        let trace = trace_id();
        Decision {
            sampled: by_trace_id(trace),
            trace,
        }
    }
}

/// The SDK's ratio rule: the trace id's low 63 bits under the bound.
fn by_trace_id(trace: TraceId) -> bool {
    trace_bits(trace) < BOUND.load(Ordering::Relaxed)
}

/// The 63 bits of a trace id the SDK's ratio sampler compares.
fn trace_bits(trace: TraceId) -> u64 {
    let bytes = trace.to_bytes();
    let mut low = [0; 8];
    low.copy_from_slice(&bytes[8..]);
    u64::from_be_bytes(low) >> 1
}

/// The bound for `ratio` of the 63-bit range, as the SDK computes it; a ratio of 1
/// or more samples everything.
fn bound(ratio: f64) -> u64 {
    if ratio >= 1.0 {
        return u64::MAX;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let bound = (ratio.max(0.0) * (1u64 << 63) as f64) as u64;
    bound
}

/// A fresh trace id (never the invalid one), whose right-most 7 bytes are random
/// as the W3C random flag promises: the bit that keeps it valid is in the left half.
pub(crate) fn trace_id() -> TraceId {
    TraceId::from((u128::from(random() | 1) << 64) | u128::from(random()))
}

/// A fresh span id (never the invalid one).
pub(crate) fn span_id() -> SpanId {
    SpanId::from(random() | 1)
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// A fast per-thread generator (splitmix64): ids and ratio draws need spread, not
/// secrecy.
fn random() -> u64 {
    RNG.with(|state| {
        let mut s = state.get();
        if s == 0 {
            s = seed() | 1;
        }
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// A seed per thread: the standard library's per-process random keys (from the
/// operating system), the time and the thread, so that ids differ across processes
/// and threads.
#[cold]
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(time);
    std::thread::current().id().hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn below(ratio: f64, trace: TraceId) -> bool {
        trace_bits(trace) < bound(ratio)
    }

    #[test]
    fn a_ratio_samples_about_that_fraction() {
        let sampled = (0..10_000).filter(|_| below(0.25, trace_id())).count();
        assert!((2_000..3_000).contains(&sampled), "{sampled}");
        assert!(!(0..1000).any(|_| below(0.0, trace_id())));
        assert!((0..1000).all(|_| below(1.0, trace_id())));
        assert!(!(0..1000).any(|_| below(f64::NAN, trace_id())));
    }

    #[test]
    fn the_bound_is_the_sdks() {
        // The SDK samples a trace when its low 63 bits are below ratio × 2^63.
        let half = TraceId::from(u128::from(1u64 << 62) - 1);
        assert!(below(0.5, half));
        assert!(!below(0.5, TraceId::from(u128::from(u64::MAX))));
        assert!(below(1.0, TraceId::from(u128::from(u64::MAX))));
    }

    #[test]
    fn fresh_ids_are_valid_and_differ() {
        let (a, b) = (trace_id(), trace_id());
        assert!(a != TraceId::INVALID && a != b);
        let (a, b) = (span_id(), span_id());
        assert!(a != SpanId::INVALID && a != b);
    }
}
