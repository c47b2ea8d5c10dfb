//! The few random distributions business data needs, on top of `rand`'s uniform numbers.
//!
//! Written here rather than taken from `rand_distr` because five short functions are all that is
//! needed, and their exact algorithms are part of what makes a seed reproduce the same data.

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator behind every demo data set.
pub(crate) type DemoRng = ChaCha8Rng;

/// Independent streams of one seed, so that a change in how one part of the data set is drawn
/// does not reshuffle the others.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Planning = 1,
    Team = 2,
    Marketing = 3,
    Social = 4,
    Accounts = 5,
}

pub(crate) fn stream_rng(seed: u64, stream: Stream) -> DemoRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// True with the given probability (values outside 0–1 act as 0 or 1).
pub(crate) fn chance(rng: &mut impl Rng, probability: f64) -> bool {
    rng.random::<f64>() < probability
}

pub(crate) fn uniform(rng: &mut impl Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.random::<f64>()
}

/// A whole number of seconds in `[low, high)`; `low` when the range is empty.
pub(crate) fn uniform_seconds(rng: &mut impl Rng, low: i64, high: i64) -> i64 {
    if high <= low { low } else { rng.random_range(low..high) }
}

pub(crate) fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

pub(crate) fn standard_normal(rng: &mut impl Rng) -> f64 {
    let radius = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
    radius * (std::f64::consts::TAU * rng.random::<f64>()).cos()
}

pub(crate) fn normal(rng: &mut impl Rng, mean: f64, deviation: f64) -> f64 {
    mean + deviation * standard_normal(rng)
}

/// A positive amount whose logarithm is normal: half the values are below `median`, with a long
/// tail above (deal sizes, durations, order amounts).
pub(crate) fn log_normal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * standard_normal(rng)).exp()
}

pub(crate) fn poisson(rng: &mut impl Rng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    if mean >= 30.0 {
        return normal(rng, mean, mean.sqrt()).round().max(0.0) as u64;
    }
    let limit = (-mean).exp();
    let mut product = rng.random::<f64>();
    let mut count = 0;
    while product > limit {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

pub(crate) fn pick<T: Copy>(rng: &mut impl Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// One of the options, each with a probability proportional to its weight.
pub(crate) fn pick_weighted<T: Copy>(rng: &mut impl Rng, options: &[(T, f64)]) -> T {
    let total: f64 = options.iter().map(|&(_, weight)| weight).sum();
    let mut remaining = rng.random::<f64>() * total;
    for &(option, weight) in options {
        if remaining < weight {
            return option;
        }
        remaining -= weight;
    }
    options[options.len() - 1].0
}

/// `count` uniform numbers in `[0, 1)` in ascending order, drawn one at a time without storing
/// them (the largest of n uniforms is U^(1/n), the next largest that times U^(1/(n-1)), …), so
/// records can be written in chronological order as they are generated.
#[derive(Debug)]
pub(crate) struct AscendingUniforms {
    remaining: u64,
    complement: f64,
}

impl AscendingUniforms {
    pub(crate) fn new(count: u64) -> AscendingUniforms {
        AscendingUniforms { remaining: count, complement: 1.0 }
    }

    pub(crate) fn next(&mut self, rng: &mut impl Rng) -> Option<f64> {
        if self.remaining == 0 {
            return None;
        }
        let uniform = 1.0 - rng.random::<f64>();
        self.complement *= uniform.powf(1.0 / self.remaining as f64);
        self.remaining -= 1;
        Some(1.0 - self.complement)
    }
}

/// Chooses exactly `needed` of `population` items met one by one, each subset equally likely
/// (selection sampling, Knuth's algorithm S).
#[derive(Debug)]
pub(crate) struct Selection {
    needed: u64,
    remaining: u64,
}

impl Selection {
    pub(crate) fn new(needed: u64, population: u64) -> Selection {
        Selection { needed, remaining: population }
    }

    pub(crate) fn select(&mut self, rng: &mut impl Rng) -> bool {
        if self.needed == 0 {
            return false;
        }
        let probability = self.needed as f64 / self.remaining.max(1) as f64;
        self.remaining = self.remaining.saturating_sub(1);
        let selected = chance(rng, probability);
        if selected {
            self.needed -= 1;
        }
        selected
    }
}
