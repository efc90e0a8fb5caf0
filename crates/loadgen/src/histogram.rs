//! Latency histogram: every round trip is recorded, in constant time and memory.
//!
//! Keeping every sample and sorting at the end would cost memory in proportion to the
//! run (millions of round trips per second on 100 connections) and a sort the size of
//! it; averaging would hide the tail that p99 is there to show. Instead each value lands
//! in a log-linear bucket: values below 64 ns exactly, above that 32 buckets per power of
//! two, so any reported quantile is within about 1.6 % of a recorded value (the bucket's
//! midpoint stands for all of it), from nanoseconds up to the full `u64` range, in 15 KiB.
//! Recording is a few shifts and an add; histograms of several connections merge by
//! adding their buckets.

use std::time::Duration;

/// log2 of the buckets per power of two.
const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// Values below `2 * SUB` have a bucket each; above, a bucket per `SUB`-th of a power of
/// two, up to 2^64: (64 - SUB_BITS - 1) shifts of SUB buckets, after the first 2 * SUB.
const BUCKETS: usize = ((64 - SUB_BITS - 1) as usize + 2) * SUB as usize;

pub struct Histogram {
    counts: Box<[u64]>,
    count: u64,
    sum: u128,
    max: u64,
}

impl Histogram {
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            count: 0,
            sum: 0,
            max: 0,
        }
    }

    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[index(nanos)] += 1;
        self.count += 1;
        self.sum += u128::from(nanos);
        self.max = self.max.max(nanos);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value (ns) at quantile `q` in [0, 1]: the smallest recorded value that at
    /// least `q` of all values do not exceed, to the bucket's precision.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (low, width) = bucket(i);
                // Never report past the largest value actually seen.
                return (low + width / 2).min(self.max);
            }
        }
        self.max
    }

    /// `{"count": …, "mean": …, "p50": …, "p90": …, "p99": …, "p999": …, "max": …}`, in ns.
    pub fn to_json(&self) -> String {
        let mean = if self.count == 0 {
            0
        } else {
            (self.sum / u128::from(self.count)) as u64
        };
        format!(
            "{{\"count\": {}, \"mean\": {mean}, \"p50\": {}, \"p90\": {}, \"p99\": {}, \"p999\": {}, \"max\": {}}}",
            self.count,
            self.quantile(0.50),
            self.quantile(0.90),
            self.quantile(0.99),
            self.quantile(0.999),
            self.max
        )
    }
}

fn index(value: u64) -> usize {
    if value < 2 * SUB {
        return value as usize;
    }
    // `value >> shift` keeps the leading SUB_BITS + 1 bits: a number in [SUB, 2 * SUB).
    let bits = 64 - value.leading_zeros();
    let shift = bits - SUB_BITS - 1;
    (u64::from(shift) * SUB + (value >> shift)) as usize
}

/// The lowest value of bucket `i`, and how many values it spans.
fn bucket(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < 2 * SUB {
        return (i, 1);
    }
    let shift = i / SUB - 1;
    let mantissa = i - shift * SUB;
    (mantissa << shift, 1 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_contain_their_values() {
        for i in 0..BUCKETS - 1 {
            let (low, width) = bucket(i);
            let (next, _) = bucket(i + 1);
            assert_eq!(low + width, next, "bucket {i}");
            assert_eq!(index(low), i);
            assert_eq!(index(low + width - 1), i);
        }
        assert_eq!(index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles_are_within_the_bucket_precision() {
        let mut h = Histogram::new();
        for v in 1..=10_000u64 {
            h.record(Duration::from_nanos(v * 1000));
        }
        for (q, exact) in [(0.5, 5_000_000f64), (0.99, 9_900_000f64)] {
            let got = h.quantile(q) as f64;
            assert!(
                (got - exact).abs() / exact < 0.02,
                "q {q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.quantile(1.0), 10_000_000);
    }

    #[test]
    fn merging_adds_counts() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        a.record(Duration::from_nanos(100));
        b.record(Duration::from_nanos(1_000_000));
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert_eq!(a.quantile(1.0), 1_000_000);
    }
}
