//! The samplers an application chooses from: each is an OpenTelemetry SDK sampler
//! for the provider, and the rule `traced` applies itself to the spans it starts.

use opentelemetry_sdk::trace::Sampler;
use traced::backend::SamplingRule;

/// A sampler, as `OTEL_TRACES_SAMPLER` names them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SamplerKind {
    /// Sample every span.
    AlwaysOn,
    /// Sample no span.
    AlwaysOff,
    /// Sample this fraction of traces, by trace id.
    TraceIdRatio(f64),
    /// Follow the parent's decision; for roots, always sample.
    ParentBasedAlwaysOn,
    /// Follow the parent's decision; for roots, never sample.
    ParentBasedAlwaysOff,
    /// Follow the parent's decision; for roots, sample this fraction.
    ParentBasedTraceIdRatio(f64),
}

impl SamplerKind {
    /// This sampler, or, for a ratio that is not a number from 0 to 1, the same
    /// kind with the ratio 1 (the default of `OTEL_TRACES_SAMPLER_ARG`) and a
    /// warning naming `source`.
    pub(crate) fn checked(self, source: &str, warnings: &mut Vec<String>) -> SamplerKind {
        let valid = |r: f64| (0.0..=1.0).contains(&r);
        let fixed = match self {
            SamplerKind::TraceIdRatio(r) if !valid(r) => SamplerKind::TraceIdRatio(1.0),
            SamplerKind::ParentBasedTraceIdRatio(r) if !valid(r) => {
                SamplerKind::ParentBasedTraceIdRatio(1.0)
            }
            _ => return self,
        };
        warnings.push(format!(
            "{source}({self:?}) is not valid (the ratio must be a number from 0 to 1); \
             using {fixed:?}"
        ));
        fixed
    }

    /// The rule `traced` decides by: the same decisions as [`SamplerKind::sampler`].
    pub(crate) fn rule(self) -> SamplingRule {
        match self {
            SamplerKind::AlwaysOn => SamplingRule::TraceIdRatio(1.0),
            SamplerKind::AlwaysOff => SamplingRule::TraceIdRatio(0.0),
            SamplerKind::TraceIdRatio(r) => SamplingRule::TraceIdRatio(r),
            SamplerKind::ParentBasedAlwaysOn => SamplingRule::ParentBased(1.0),
            SamplerKind::ParentBasedAlwaysOff => SamplingRule::ParentBased(0.0),
            SamplerKind::ParentBasedTraceIdRatio(r) => SamplingRule::ParentBased(r),
        }
    }

    /// The SDK sampler, for spans started through the OpenTelemetry API.
    pub(crate) fn sampler(self) -> Sampler {
        let ratio = |r: f64| Sampler::TraceIdRatioBased(r);
        match self {
            SamplerKind::AlwaysOn => Sampler::AlwaysOn,
            SamplerKind::AlwaysOff => Sampler::AlwaysOff,
            SamplerKind::TraceIdRatio(r) => ratio(r),
            SamplerKind::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            SamplerKind::ParentBasedAlwaysOff => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
            SamplerKind::ParentBasedTraceIdRatio(r) => Sampler::ParentBased(Box::new(ratio(r))),
        }
    }
}

/// The rule of one of the SDK's plain samplers; `None` for others (the inner
/// sampler of a `ParentBased` cannot be seen from outside).
#[cfg(feature = "testing")]
pub(crate) fn rule_of(sampler: &Sampler) -> Option<SamplingRule> {
    match sampler {
        Sampler::AlwaysOn => Some(SamplingRule::TraceIdRatio(1.0)),
        Sampler::AlwaysOff => Some(SamplingRule::TraceIdRatio(0.0)),
        Sampler::TraceIdRatioBased(r) => Some(SamplingRule::TraceIdRatio(*r)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::SamplerKind;

    #[test]
    fn a_ratio_outside_0_to_1_is_replaced_by_1_with_one_warning() {
        let mut warnings = Vec::new();
        for (given, used) in [
            (
                SamplerKind::TraceIdRatio(f64::NAN),
                SamplerKind::TraceIdRatio(1.0),
            ),
            (
                SamplerKind::ParentBasedTraceIdRatio(1.5),
                SamplerKind::ParentBasedTraceIdRatio(1.0),
            ),
            (
                SamplerKind::TraceIdRatio(-0.1),
                SamplerKind::TraceIdRatio(1.0),
            ),
            (
                SamplerKind::TraceIdRatio(0.25),
                SamplerKind::TraceIdRatio(0.25),
            ),
            (SamplerKind::AlwaysOff, SamplerKind::AlwaysOff),
        ] {
            assert_eq!(given.checked("Setup::sampler", &mut warnings), used);
        }
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert_eq!(
            warnings[0],
            "Setup::sampler(TraceIdRatio(NaN)) is not valid (the ratio must be a number from \
             0 to 1); using TraceIdRatio(1.0)"
        );
    }
}
