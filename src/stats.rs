//! Small statistics the scorecards report: Wilson intervals for pass rates,
//! normal intervals for mean scores, nearest-rank quantiles.

use serde::Serialize;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959963984540054;

/// A proportion with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Rate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: u64,
}

/// The Wilson score interval for `successes` out of `n` (None when n = 0).
pub fn wilson(successes: u64, n: u64) -> Option<Rate> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denominator;
    Some(Rate {
        value: round4(p),
        low: round4((centre - half).max(0.0)),
        high: round4((centre + half).min(1.0)),
        n,
    })
}

/// Running mean and variance (Welford), constant memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

/// A mean with its 95% normal-approximation interval.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Mean {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: u64,
}

impl Moments {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    pub fn mean(&self) -> Option<Mean> {
        if self.n == 0 {
            return None;
        }
        let half = if self.n > 1 {
            let variance = self.m2 / (self.n - 1) as f64;
            Z95 * (variance / self.n as f64).sqrt()
        } else {
            0.0
        };
        Some(Mean {
            value: round2(self.mean),
            low: round2(self.mean - half),
            high: round2(self.mean + half),
            n: self.n,
        })
    }
}

/// Nearest-rank quantile of sorted values: the smallest value with at least
/// `q` of the values at or below it.
pub fn quantile(sorted: &[f32], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(round2(sorted[rank.min(sorted.len()) - 1] as f64))
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_reference_values() {
        // Reference: Newcombe (1998), Table I, 81/263 -> 0.2553 to 0.3662.
        let rate = wilson(81, 263).unwrap();
        assert_eq!((rate.low, rate.high), (0.2553, 0.3662));
        // 15/148 -> 0.0624 to 0.1605 (same table).
        let rate = wilson(15, 148).unwrap();
        assert_eq!((rate.low, rate.high), (0.0624, 0.1605));
        let all = wilson(10, 10).unwrap();
        assert_eq!(all.high, 1.0);
        assert!(all.low > 0.69 && all.low < 0.73, "{all:?}");
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn moments_give_mean_and_interval() {
        let mut m = Moments::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.push(x);
        }
        let mean = m.mean().unwrap();
        assert_eq!(mean.value, 5.0);
        // sample sd = 2.138; half-width = 1.96 * 2.138 / sqrt(8) = 1.48
        assert_eq!((mean.low, mean.high), (3.52, 6.48));
    }

    #[test]
    fn nearest_rank_quantiles() {
        let values: Vec<f32> = (1..=10).map(|x| x as f32).collect();
        assert_eq!(quantile(&values, 0.5), Some(5.0));
        assert_eq!(quantile(&values, 0.9), Some(9.0));
        assert_eq!(quantile(&values, 1.0), Some(10.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
