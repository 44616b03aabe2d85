//! Percentiles and formatting.

use std::time::Duration;

/// p50 / p99 / max of a sample, in nanoseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub n: usize,
    pub p50: i64,
    pub p99: i64,
    pub max: i64,
}

impl Summary {
    /// Nearest-rank percentiles. Sorts `samples`.
    pub fn of(samples: &mut [i64]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        Self { n: samples.len(), p50: rank(samples, 0.50), p99: rank(samples, 0.99), max: samples[samples.len() - 1] }
    }

    /// `p50 / p99 / max` in milliseconds.
    pub fn ms(&self) -> String {
        format!("{} / {} / {} ms", ms(self.p50), ms(self.p99), ms(self.max))
    }
}

fn rank(sorted: &[i64], p: f64) -> i64 {
    let idx = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

/// Nanoseconds as milliseconds with three decimals.
pub fn ms(ns: i64) -> String {
    format!("{:.3}", ns as f64 / 1e6)
}

pub fn dur_ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut v: Vec<i64> = (1..=100).rev().collect();
        let s = Summary::of(&mut v);
        assert_eq!((s.n, s.p50, s.p99, s.max), (100, 50, 99, 100));
        let mut one = vec![7];
        let s = Summary::of(&mut one);
        assert_eq!((s.p50, s.p99, s.max), (7, 7, 7));
        assert_eq!(
            median(vec![Duration::from_millis(3), Duration::from_millis(1), Duration::from_millis(2)]),
            Duration::from_millis(2)
        );
    }
}
