//! Summaries of per-round values: a median and its spread.

/// The median of some values with their interquartile range and extremes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub p25: f64,
    pub p75: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// Summarises `values`, ignoring NaNs; `None` when nothing is left.
    ///
    /// ```
    /// let s = traced_benches::stats::Summary::of(&[4.0, 1.0, 3.0, 2.0, 5.0]).unwrap();
    /// assert_eq!((s.median, s.p25, s.p75, s.min, s.max), (3.0, 2.0, 4.0, 1.0, 5.0));
    /// ```
    #[must_use]
    pub fn of(values: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            median: quantile(&sorted, 0.5),
            p25: quantile(&sorted, 0.25),
            p75: quantile(&sorted, 0.75),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }
}

/// The `q` quantile of sorted values, interpolated linearly between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let at = q * (sorted.len() - 1) as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let low = at.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    #[allow(clippy::cast_precision_loss)]
    let frac = at - low as f64;
    sorted[low] + (sorted[high] - sorted[low]) * frac
}

/// The median of values (NaN when there are none).
#[must_use]
pub fn median(values: &[f64]) -> f64 {
    Summary::of(values).map_or(f64::NAN, |s| s.median)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[1.0, 2.0, 3.0, 10.0]), 2.5);
    }

    #[test]
    fn nans_are_ignored() {
        assert_eq!(median(&[f64::NAN, 7.0]), 7.0);
        assert!(Summary::of(&[f64::NAN]).is_none());
    }
}
