//! Backing off after failures, per resource: a resource whose change keeps failing is retried after
//! growing, jittered delays (so a broken resource does not cost an API call storm every pass), while
//! unrelated resources keep reconciling. One success resets it.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
struct Failures {
    count: u32,
    next_attempt: Instant,
}

/// Failure counts and next attempt times, by key (the daemon's [`RetryKey`]: a resource, or the whole pass).
#[derive(Debug)]
pub struct Backoff<K> {
    base: Duration,
    max: Duration,
    /// Returns a fraction in [0.5, 1.0): the share of the full delay actually waited.
    jitter: fn() -> f64,
    failures: HashMap<K, Failures>,
}

/// What the daemon backs off: one resource whose change failed, or the whole pass when it could not observe
/// or plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RetryKey {
    Pass,
    Resource(reconciler_plan::Address),
}

impl<K: Clone + Eq + Hash + Ord> Backoff<K> {
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff { base, max, jitter: random_jitter, failures: HashMap::new() }
    }

    #[cfg(test)]
    fn without_jitter(base: Duration, max: Duration) -> Self {
        Backoff { base, max, jitter: || 1.0, failures: HashMap::new() }
    }

    /// Records a failure of `key` at `now`; returns the delay before the next attempt.
    pub fn failed(&mut self, key: K, now: Instant) -> Duration {
        let entry = self.failures.entry(key).or_insert(Failures { count: 0, next_attempt: now });
        entry.count = entry.count.saturating_add(1);
        let exponent = entry.count.saturating_sub(1).min(20);
        let full = self.base.saturating_mul(1 << exponent).min(self.max);
        let delay = full.mul_f64((self.jitter)());
        entry.next_attempt = now + delay;
        delay
    }

    /// A success resets `key`.
    pub fn succeeded(&mut self, key: &K) {
        self.failures.remove(key);
    }

    /// Keys still waiting at `now`, each with its failures in a row and the wait left.
    pub fn held(&self, now: Instant) -> BTreeMap<K, (u32, Duration)> {
        self.failures
            .iter()
            .filter(|(_, f)| f.next_attempt > now)
            .map(|(key, f)| (key.clone(), (f.count, f.next_attempt - now)))
            .collect()
    }

    /// When the earliest held key may be tried again.
    pub fn next_attempt(&self, now: Instant) -> Option<Instant> {
        self.failures.values().map(|f| f.next_attempt).filter(|t| *t > now).min()
    }
}

fn random_jitter() -> f64 {
    reconciler_aws::jitter::fraction_between(0.5, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn delays_double_up_to_the_maximum_and_reset_after_success() {
        let mut backoff = Backoff::without_jitter(Duration::from_secs(5), Duration::from_secs(60));
        let now = Instant::now();
        let delays: Vec<u64> = (0..6).map(|_| backoff.failed("subnet.main/public-1", now).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 60, 60]);
        backoff.succeeded(&"subnet.main/public-1");
        assert_eq!(backoff.failed("subnet.main/public-1", now), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn only_the_failing_resource_is_held_and_only_until_its_time() {
        let mut backoff = Backoff::without_jitter(Duration::from_secs(5), Duration::from_secs(60));
        let start = Instant::now();
        backoff.failed("nat_gateway.main/nat-1", start);
        let held = backoff.held(start);
        assert_eq!(held.keys().copied().collect::<Vec<_>>(), ["nat_gateway.main/nat-1"]);
        assert_eq!(held["nat_gateway.main/nat-1"], (1, Duration::from_secs(5)));
        assert_eq!(backoff.next_attempt(start), Some(start + Duration::from_secs(5)));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(backoff.held(Instant::now()).is_empty());
    }

    #[test]
    fn jitter_waits_between_half_and_all_of_the_delay() {
        for _ in 0..100 {
            let fraction = random_jitter();
            assert!((0.5..1.0).contains(&fraction), "{fraction}");
        }
    }
}
