//! Small statistics the scorecards report (Wilson intervals for pass rates,
//! normal intervals for mean scores, nearest-rank quantiles) and the tests
//! the gate and calibration use: exact McNemar, two-proportion z, bootstrap,
//! Holm's correction, Cohen's kappa, and the smallest detectable drop.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal};

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959963984540054;

/// A proportion with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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

    /// The values pushed so far, as moments.
    pub fn of(values: &[f64]) -> Self {
        let mut moments = Moments::default();
        values.iter().for_each(|x| moments.push(*x));
        moments
    }

    pub fn n(&self) -> u64 {
        self.n
    }

    /// Sample standard deviation (0 below two values).
    pub fn std_dev(&self) -> f64 {
        if self.n > 1 {
            (self.m2 / (self.n - 1) as f64).sqrt()
        } else {
            0.0
        }
    }

    pub fn mean(&self) -> Option<Mean> {
        if self.n == 0 {
            return None;
        }
        let half = Z95 * self.std_dev() / (self.n as f64).sqrt();
        Some(Mean {
            value: round2(self.mean),
            low: round2(self.mean - half),
            high: round2(self.mean + half),
            n: self.n,
        })
    }

    /// [`Moments::mean`] of values on a scale from `low` to `high` (a score
    /// of 0 to 100, a CSAT of 1 to 5): the interval is clipped to the
    /// scale, where a few spread-out values would carry the normal
    /// approximation past its ends.
    pub fn mean_on_scale(&self, low: f64, high: f64) -> Option<Mean> {
        self.mean().map(|mean| Mean {
            low: mean.low.clamp(low, high),
            high: mean.high.clamp(low, high),
            ..mean
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

fn standard_normal() -> Normal {
    Normal::standard()
}

/// The standard normal quantile: z such that P(Z <= z) = p.
pub fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// P(Z >= z) for a standard normal Z.
pub fn normal_upper_tail(z: f64) -> f64 {
    standard_normal().sf(z)
}

/// Exact one-sided McNemar test for a regression on paired pass/fail data.
///
/// `worse` pairs went pass -> fail, `better` went fail -> pass. Under no
/// change each discordant pair is a fair coin, so the p-value is
/// P(X >= worse) for X ~ Binomial(worse + better, 1/2). With no discordant
/// pairs there is no evidence of change: p = 1.
pub fn mcnemar_regression(worse: u64, better: u64) -> f64 {
    let n = worse + better;
    if n == 0 || worse == 0 {
        return 1.0;
    }
    let binomial = Binomial::new(0.5, n).expect("0.5 is a probability");
    // P(X >= worse) = 1 - P(X <= worse - 1)
    binomial.sf(worse - 1).clamp(0.0, 1.0)
}

/// One-sided two-proportion z test (pooled) that the candidate's rate is
/// below the baseline's: returns the p-value, or None without data.
pub fn two_proportion_regression(baseline: (u64, u64), candidate: (u64, u64)) -> Option<f64> {
    let ((x1, n1), (x2, n2)) = (baseline, candidate);
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        // Both all-pass or both all-fail: no change at all.
        return Some(if p2 < p1 { 0.0 } else { 1.0 });
    }
    Some(normal_upper_tail((p1 - p2) / se))
}

/// A difference of means (candidate - baseline) with its bootstrap 95%
/// interval and the one-sided p-value that the candidate is lower.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Shift {
    pub delta: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
}

/// Resamples for the bootstrap; the seed is fixed so a gate decides the
/// same way on the same runs.
const RESAMPLES: usize = 4000;
const SEED: u64 = 0x6a09_e667_f3bc_c908;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Summarises bootstrap replicates of a difference: percentile interval,
/// and the p-value of the shift method (replicates re-centred on zero, the
/// share at or below the observed difference).
fn shift_from(delta: f64, mut replicates: Vec<f64>) -> Shift {
    replicates.sort_by(f64::total_cmp);
    let at =
        |q: f64| replicates[((q * replicates.len() as f64) as usize).min(replicates.len() - 1)];
    let below = replicates.iter().filter(|r| **r - delta <= delta).count();
    Shift {
        delta,
        low: at(0.025),
        high: at(0.975),
        p_value: (below as f64 + 1.0) / (replicates.len() as f64 + 1.0),
    }
}

/// Paired bootstrap of the mean difference `candidate - baseline` over pairs.
pub fn paired_bootstrap(differences: &[f64]) -> Option<Shift> {
    if differences.is_empty() {
        return None;
    }
    let delta = mean(differences);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let n = differences.len();
    let replicates = (0..RESAMPLES)
        .map(|_| {
            (0..n)
                .map(|_| differences[rng.random_range(0..n)])
                .sum::<f64>()
                / n as f64
        })
        .collect();
    Some(shift_from(delta, replicates))
}

/// Unpaired bootstrap of `mean(candidate) - mean(baseline)`, each sample
/// resampled on its own.
pub fn unpaired_bootstrap(baseline: &[f64], candidate: &[f64]) -> Option<Shift> {
    if baseline.is_empty() || candidate.is_empty() {
        return None;
    }
    let delta = mean(candidate) - mean(baseline);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let resample = |xs: &[f64], rng: &mut ChaCha8Rng| {
        (0..xs.len())
            .map(|_| xs[rng.random_range(0..xs.len())])
            .sum::<f64>()
            / xs.len() as f64
    };
    let replicates = (0..RESAMPLES)
        .map(|_| resample(candidate, &mut rng) - resample(baseline, &mut rng))
        .collect();
    Some(shift_from(delta, replicates))
}

/// Holm's step-down adjustment of p-values for a family of tests: the
/// adjusted values are compared with the unadjusted significance level.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|a, b| p_values[*a].total_cmp(&p_values[*b]));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0_f64;
    for (rank, index) in order.into_iter().enumerate() {
        running = running.max(((m - rank) as f64 * p_values[index]).min(1.0));
        adjusted[index] = running;
    }
    adjusted
}

/// Power the smallest detectable drop is computed for.
pub const POWER: f64 = 0.8;

/// The smallest drop in a pass rate a one-sided test at `alpha` detects with
/// [`POWER`], for `n` conversations per side at base rate `p` (unpaired), or
/// for `n` pairs of which a share `discordant` changed verdict (paired).
pub fn detectable_drop(alpha: f64, n: u64, p: f64, discordant: Option<f64>) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let z = normal_quantile(1.0 - alpha) + normal_quantile(POWER);
    let n = n as f64;
    let variance = match discordant {
        // At least one discordant pair's worth, so a run without changes
        // does not claim to see drops of zero.
        Some(d) => d.max(1.0 / n),
        None => 2.0 * (p * (1.0 - p)).max(0.25 / n),
    };
    Some((z * (variance / n).sqrt()).min(1.0))
}

/// Cohen's kappa for two raters over the same items, from a square
/// confusion matrix (`matrix[a][b]`: rater A said category a, B said b).
/// None without items, or when chance agreement is total (one category).
pub fn cohen_kappa(matrix: &[Vec<u64>]) -> Option<f64> {
    let total: u64 = matrix.iter().flatten().sum();
    if total == 0 {
        return None;
    }
    let n = total as f64;
    let k = matrix.len();
    let observed = (0..k).map(|i| matrix[i][i]).sum::<u64>() as f64 / n;
    let expected: f64 = (0..k)
        .map(|i| {
            let row: u64 = matrix[i].iter().sum();
            let column: u64 = matrix.iter().map(|r| r[i]).sum();
            (row as f64 / n) * (column as f64 / n)
        })
        .sum();
    if (1.0 - expected).abs() < 1e-12 {
        return None;
    }
    Some((observed - expected) / (1.0 - expected))
}

/// The 95% interval of the difference `b - a` of two independent
/// proportions, from their Wilson intervals: Newcombe's hybrid score method
/// (Newcombe 1998, "Interval estimation for the difference between
/// independent proportions", method 10). Runs that pair up are treated as
/// independent here, which gives a wider interval than a paired one.
pub fn newcombe_difference(a: Rate, b: Rate) -> (f64, f64) {
    let d = b.value - a.value;
    let low = d - ((b.value - b.low).powi(2) + (a.high - a.value).powi(2)).sqrt();
    let high = d + ((b.high - b.value).powi(2) + (a.value - a.low).powi(2)).sqrt();
    (low, high)
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

    #[test]
    fn mcnemar_exact_matches_binomial_tail() {
        // 10 discordant pairs, 9 pass -> fail: P(X >= 9) = (10 + 1) / 1024.
        assert!((mcnemar_regression(9, 1) - 11.0 / 1024.0).abs() < 1e-12);
        // 12 vs 2: P(X >= 12 | n = 14) = (91 + 14 + 1) / 16384 = 0.00647.
        assert!((mcnemar_regression(12, 2) - 106.0 / 16384.0).abs() < 1e-12);
        // Balanced flips are no evidence: P(X >= 5 | n = 10) = 638 / 1024.
        assert!((mcnemar_regression(5, 5) - 638.0 / 1024.0).abs() < 1e-12);
        assert_eq!(mcnemar_regression(0, 7), 1.0);
        assert_eq!(mcnemar_regression(0, 0), 1.0);
    }

    #[test]
    fn two_proportion_test_matches_hand_computation() {
        // 90/100 vs 80/100: pooled 0.85, se = sqrt(0.85 * 0.15 * 0.02) = 0.050498,
        // z = 0.1 / 0.050498 = 1.9803, one-sided p = 0.02383.
        let p = two_proportion_regression((90, 100), (80, 100)).unwrap();
        assert!((p - 0.02383).abs() < 5e-5, "{p}");
        // The candidate better: no regression.
        assert!(two_proportion_regression((80, 100), (90, 100)).unwrap() > 0.9);
        assert_eq!(two_proportion_regression((0, 0), (1, 2)), None);
    }

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-6);
        assert!((normal_quantile(0.95) - 1.644854).abs() < 1e-6);
        assert!((normal_quantile(0.8) - 0.841621).abs() < 1e-6);
        assert!((normal_upper_tail(1.644854) - 0.05).abs() < 1e-6);
    }

    #[test]
    fn holm_adjusts_step_down() {
        // m = 4, by hand:
        let adjusted = holm(&[0.01, 0.04, 0.03, 0.005]);
        // sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04)
        assert_eq!(adjusted, vec![0.03, 0.06, 0.06, 0.02]);
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn cohen_kappa_matches_textbook_examples() {
        // Wikipedia's example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4.
        let kappa = cohen_kappa(&[vec![20, 5], vec![10, 15]]).unwrap();
        assert!((kappa - 0.4).abs() < 1e-12, "{kappa}");
        // Three categories, by hand: observed (75 + 4 + 10) / 100 = 0.89;
        // rows 80/10/10, columns 80/5/15, chance 0.64 + 0.005 + 0.015 = 0.66;
        // kappa (0.89 - 0.66) / 0.34 = 0.6765.
        let kappa = cohen_kappa(&[vec![75, 1, 4], vec![5, 4, 1], vec![0, 0, 10]]).unwrap();
        assert!((kappa - 0.6765).abs() < 1e-4, "{kappa}");
        // Perfect agreement on two categories.
        assert_eq!(cohen_kappa(&[vec![7, 0], vec![0, 3]]), Some(1.0));
        // A single category: chance agreement is total, kappa undefined.
        assert_eq!(cohen_kappa(&[vec![5, 0], vec![0, 0]]), None);
    }

    #[test]
    fn bootstrap_brackets_the_true_difference() {
        // A clear drop of 10 points with little spread: p tiny, interval tight.
        let differences: Vec<f64> = (0..200).map(|i| -10.0 + (i % 5) as f64 - 2.0).collect();
        let shift = paired_bootstrap(&differences).unwrap();
        assert_eq!(shift.delta, -10.0);
        assert!(
            shift.low < -10.0 && shift.high > -10.0 && shift.high < -9.5,
            "{shift:?}"
        );
        assert!(shift.p_value < 0.001, "{shift:?}");
        // No difference on average: not significant.
        let noise: Vec<f64> = (0..200)
            .map(|i| if i % 2 == 0 { 5.0 } else { -5.0 })
            .collect();
        assert!(paired_bootstrap(&noise).unwrap().p_value > 0.3);
        // Unpaired: same sample on both sides.
        let sample: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let same = unpaired_bootstrap(&sample, &sample).unwrap();
        assert_eq!(same.delta, 0.0);
        assert!(same.p_value > 0.3 && same.low < 0.0 && same.high > 0.0);
        assert_eq!(paired_bootstrap(&[]), None);
    }

    #[test]
    fn detectable_drop_follows_sample_size() {
        // Unpaired, p = 0.5, n = 100, alpha 0.05 one-sided, power 0.8:
        // (1.6449 + 0.8416) * sqrt(2 * 0.25 / 100) = 0.1758.
        let drop = detectable_drop(0.05, 100, 0.5, None).unwrap();
        assert!((drop - 0.1758).abs() < 1e-4, "{drop}");
        // Four times the conversations, half the drop.
        let quarter = detectable_drop(0.05, 400, 0.5, None).unwrap();
        assert!((quarter * 2.0 - drop).abs() < 1e-9);
        // Paired with 10% discordant pairs over 100: 2.4865 * sqrt(0.1 / 100).
        let paired = detectable_drop(0.05, 100, 0.5, Some(0.1)).unwrap();
        assert!((paired - 0.07863).abs() < 1e-4, "{paired}");
        assert_eq!(detectable_drop(0.05, 0, 0.5, None), None);
    }

    #[test]
    fn newcombe_interval_matches_the_paper() {
        // Newcombe (1998), table II, example (a): 56/70 against 48/80,
        // method 10 gives 0.0524 to 0.3339 for the difference.
        let a = wilson(48, 80).unwrap();
        let b = wilson(56, 70).unwrap();
        let (low, high) = newcombe_difference(a, b);
        assert!((low - 0.0524).abs() < 5e-4, "{low}");
        assert!((high - 0.3339).abs() < 5e-4, "{high}");
    }
}
