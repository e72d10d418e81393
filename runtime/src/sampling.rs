//! Sampling decided before the span is built, when the provider is ours and its
//! sampler is a standard one: an unsampled call then skips the SDK altogether, and
//! a sampled one hands its attributes to the SDK in one vector.
//!
//! The decision follows the same rules as the SDK's samplers. It reaches the SDK
//! through [`take_decision`], which the sampler `traced` installs consults first.

use opentelemetry::trace::{SpanContext, SpanId, TraceId};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// A sampling rule, as far as `traced` can apply it itself. Only the SDK setup
/// names one; without the SDK every rule is unknown.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
pub(crate) enum Rule {
    AlwaysOn,
    AlwaysOff,
    Ratio(f64),
    ParentBased(Root),
}

/// What a parent-based rule does for a root span.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
pub(crate) enum Root {
    AlwaysOn,
    AlwaysOff,
    Ratio(f64),
}

const UNKNOWN: u8 = 0;
static KIND: AtomicU8 = AtomicU8::new(UNKNOWN);
static RATIO: AtomicU64 = AtomicU64::new(0);

/// Records the rule of the provider just installed; `None` when it is not ours or
/// not a standard sampler.
pub(crate) fn set_rule(rule: Option<Rule>) {
    let (kind, ratio) = match rule {
        None => (UNKNOWN, 0.0),
        Some(Rule::AlwaysOn) => (1, 1.0),
        Some(Rule::AlwaysOff) => (2, 0.0),
        Some(Rule::Ratio(r)) => (3, r),
        Some(Rule::ParentBased(Root::AlwaysOn)) => (4, 1.0),
        Some(Rule::ParentBased(Root::AlwaysOff)) => (5, 0.0),
        Some(Rule::ParentBased(Root::Ratio(r))) => (6, r),
    };
    RATIO.store(ratio.to_bits(), Ordering::Relaxed);
    KIND.store(kind, Ordering::Release);
}

/// Whether `traced` decides sampling itself.
#[inline]
pub(crate) fn known() -> bool {
    KIND.load(Ordering::Acquire) != UNKNOWN
}

/// The rule of the SDK's plain samplers; `None` for others (the inner sampler of
/// a `ParentBased` cannot be seen from outside).
#[cfg(feature = "testing")]
pub(crate) fn rule_of(sampler: &opentelemetry_sdk::trace::Sampler) -> Option<Rule> {
    use opentelemetry_sdk::trace::Sampler;
    match sampler {
        Sampler::AlwaysOn => Some(Rule::AlwaysOn),
        Sampler::AlwaysOff => Some(Rule::AlwaysOff),
        Sampler::TraceIdRatioBased(r) => Some(Rule::Ratio(*r)),
        _ => None,
    }
}

/// The SDK sampler `traced` installs: it samples the span being built when `traced`
/// already decided to, and otherwise asks `inner`.
#[cfg(feature = "sdk")]
#[derive(Clone, Debug)]
pub(crate) struct Coordinated<S>(pub(crate) S);

#[cfg(feature = "sdk")]
impl<S: opentelemetry_sdk::trace::ShouldSample + Clone + 'static>
    opentelemetry_sdk::trace::ShouldSample for Coordinated<S>
{
    fn should_sample(
        &self,
        parent_context: Option<&opentelemetry::Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &opentelemetry::trace::SpanKind,
        attributes: &[opentelemetry::KeyValue],
        links: &[opentelemetry::trace::Link],
    ) -> opentelemetry_sdk::trace::SamplingResult {
        use opentelemetry::trace::TraceContextExt;
        use opentelemetry_sdk::trace::{SamplingDecision, SamplingResult};
        if take_decision() {
            return SamplingResult {
                decision: SamplingDecision::RecordAndSample,
                attributes: Vec::new(),
                trace_state: parent_context
                    .map(|cx| cx.span().span_context().trace_state().clone())
                    .unwrap_or_default(),
            };
        }
        self.0
            .should_sample(parent_context, trace_id, name, span_kind, attributes, links)
    }
}

/// What `traced` decided for a span: whether it is sampled, and its trace (the
/// parent's, or a fresh one for a root).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decision {
    pub(crate) sampled: bool,
    pub(crate) trace: TraceId,
}

/// The decision for a span whose parent is `parent` (invalid for a root), or `None`
/// when the rule is not known. A root's trace id is drawn first and ratio rules
/// decide by it, as the SDK's do, so every service that samples by ratio agrees.
pub(crate) fn decide(parent: &SpanContext) -> Option<Decision> {
    let kind = KIND.load(Ordering::Acquire);
    if kind == UNKNOWN {
        return None;
    }
    let trace = if parent.is_valid() {
        parent.trace_id()
    } else {
        trace_id()
    };
    let ratio = || f64::from_bits(RATIO.load(Ordering::Relaxed));
    let sampled = match kind {
        1 => true,
        2 => false,
        3 => below(ratio(), trace_bits(trace)),
        4..=6 if parent.is_valid() => parent.is_sampled(),
        4 => true,
        5 => false,
        6 => below(ratio(), trace_bits(trace)),
        _ => return None,
    };
    Some(Decision { sampled, trace })
}

/// The 63 bits of a trace id the SDK's ratio sampler compares.
fn trace_bits(trace: TraceId) -> u64 {
    let bytes = trace.to_bytes();
    let mut low = [0; 8];
    low.copy_from_slice(&bytes[8..]);
    u64::from_be_bytes(low) >> 1
}

/// The SDK's ratio comparison: `draw` (63 bits) under `ratio` of the range.
fn below(ratio: f64, draw: u64) -> bool {
    if ratio >= 1.0 {
        return true;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let bound = (ratio.max(0.0) * (1u64 << 63) as f64) as u64;
    draw < bound
}

/// A fresh trace id (never the invalid one).
pub(crate) fn trace_id() -> TraceId {
    TraceId::from((u128::from(random()) << 64) | u128::from(random() | 1))
}

/// A fresh span id (never the invalid one).
pub(crate) fn span_id() -> SpanId {
    SpanId::from(random() | 1)
}

thread_local! {
    static DECIDED: Cell<bool> = const { Cell::new(false) };
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// Tells the SDK sampler that the span about to be built is sampled: `traced`
/// decided so. (An unsampled span never reaches the SDK.)
pub(crate) fn hand_over() {
    DECIDED.with(|d| d.set(true));
}

/// Whether a decision to sample was handed over for this span (taken: it applies
/// once). Also clears a decision the SDK never asked for (a provider not ours).
pub(crate) fn take_decision() -> bool {
    DECIDED.with(|d| d.replace(false))
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

    #[test]
    fn a_ratio_samples_about_that_fraction() {
        let sampled = (0..10_000)
            .filter(|_| below(0.25, trace_bits(trace_id())))
            .count();
        assert!((2_000..3_000).contains(&sampled), "{sampled}");
        assert!(!(0..1000).any(|_| below(0.0, trace_bits(trace_id()))));
        assert!((0..1000).all(|_| below(1.0, trace_bits(trace_id()))));
    }

    #[test]
    fn fresh_ids_are_valid_and_differ() {
        let (a, b) = (trace_id(), trace_id());
        assert!(a != TraceId::INVALID && a != b);
        let (a, b) = (span_id(), span_id());
        assert!(a != SpanId::INVALID && a != b);
    }
}
