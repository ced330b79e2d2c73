//! The seeded randomness of the random profile: SplitMix64, small and good enough to pick faults.

use std::time::Duration;

/// SplitMix64 (Steele, Lea, Flood 2014): one u64 of state, a full period, well mixed outputs.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator for the `occurrence`-th request (from 0) of `operation`. Keying by operation and its count,
    /// rather than drawing in arrival order, keeps a replay faithful when the reconciler's concurrent calls
    /// arrive in another order: the third CreateSubnet gets the same fate whatever came between.
    pub fn for_request(seed: u64, operation: &str, occurrence: u64) -> SplitMix64 {
        SplitMix64(seed ^ fnv1a(operation) ^ occurrence.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_share(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, max].
    pub fn next_duration(&mut self, max: Duration) -> Duration {
        max.mul_f64(self.next_share())
    }
}

/// FNV-1a: turns an operation name into part of the key.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_key_draws_the_same_numbers() {
        let draws = |seed, operation, occurrence| {
            let mut random = SplitMix64::for_request(seed, operation, occurrence);
            [random.next_u64(), random.next_u64()]
        };
        assert_eq!(draws(7, "DescribeVpcs", 3), draws(7, "DescribeVpcs", 3));
        assert_ne!(draws(7, "DescribeVpcs", 3), draws(8, "DescribeVpcs", 3));
        assert_ne!(draws(7, "DescribeVpcs", 3), draws(7, "DescribeVpcs", 4));
        assert_ne!(draws(7, "DescribeVpcs", 3), draws(7, "DescribeSubnets", 3));
    }

    #[test]
    fn shares_are_spread_over_the_unit_interval() {
        let shares: Vec<f64> = (0..10_000).map(|i| SplitMix64::for_request(1, "CreateVpc", i).next_share()).collect();
        assert!(shares.iter().all(|s| (0.0..1.0).contains(s)));
        let below_a_fifth = shares.iter().filter(|s| **s < 0.2).count();
        assert!((1_800..2_200).contains(&below_a_fifth), "{below_a_fifth} of 10000 below 0.2");
    }
}
