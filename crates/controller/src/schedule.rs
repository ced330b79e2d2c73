//! When the loop wakes up by itself: at the resync deadline (drift made by hand), or earlier when a backoff
//! ends (a held-back resource may be retried). File events and signals wake it through the trigger queue.

use std::time::Duration;

use tokio::time::Instant;

use crate::trigger::Trigger;

#[derive(Debug)]
pub struct Schedule {
    interval: Duration,
    jitter: fn() -> f64,
    next_resync: Instant,
    next_retry: Option<Instant>,
}

impl Schedule {
    /// The first resync comes one interval after start-up (start-up itself triggers a pass).
    pub fn new(interval: Duration) -> Self {
        Schedule::with_jitter(interval, random_fraction)
    }

    fn with_jitter(interval: Duration, jitter: fn() -> f64) -> Self {
        let next_resync = Instant::now() + interval.mul_f64(jitter());
        Schedule { interval, jitter, next_resync, next_retry: None }
    }

    /// After a pass: the next resync is one (jittered) interval from now, whatever triggered the pass;
    /// `retry` is when the earliest backoff ends, if any.
    pub fn pass_finished(&mut self, retry: Option<Instant>) {
        let now = Instant::now();
        self.next_resync = now + self.interval.mul_f64((self.jitter)());
        self.next_retry = retry;
    }

    /// Sleeps until the next self-made trigger and says which it is.
    pub async fn wait(&self) -> Trigger {
        let wake = self.next_retry.map_or(self.next_resync, |retry| retry.min(self.next_resync));
        tokio::time::sleep_until(wake).await;
        if self.next_retry.is_some_and(|retry| retry < self.next_resync) { Trigger::Retry } else { Trigger::Resync }
    }
}

/// A factor in [0.9, 1.1): the resync interval ±10 %, so that many daemons do not poll AWS in step.
fn random_fraction() -> f64 {
    reconciler_aws::jitter::fraction_between(0.9, 1.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn resync_comes_one_interval_after_the_last_pass() {
        let start = Instant::now();
        let mut schedule = Schedule::with_jitter(Duration::from_secs(60), || 1.0);
        assert_eq!(schedule.wait().await, Trigger::Resync);
        assert_eq!(start.elapsed(), Duration::from_secs(60));

        // A pass triggered by a file change at 90 s pushes the next resync to 150 s.
        tokio::time::advance(Duration::from_secs(30)).await;
        schedule.pass_finished(None);
        assert_eq!(schedule.wait().await, Trigger::Resync);
        assert_eq!(start.elapsed(), Duration::from_secs(150));
    }

    #[tokio::test(start_paused = true)]
    async fn a_backoff_ending_before_the_resync_wakes_the_loop_early() {
        let start = Instant::now();
        let mut schedule = Schedule::with_jitter(Duration::from_secs(60), || 1.0);
        schedule.pass_finished(Some(start + Duration::from_secs(5)));
        assert_eq!(schedule.wait().await, Trigger::Retry);
        assert_eq!(start.elapsed(), Duration::from_secs(5));

        schedule.pass_finished(Some(Instant::now() + Duration::from_secs(600)));
        assert_eq!(schedule.wait().await, Trigger::Resync, "a later backoff waits for the resync");
        assert_eq!(start.elapsed(), Duration::from_secs(65));
    }

    #[tokio::test(start_paused = true)]
    async fn resync_waits_vary_within_ten_percent() {
        for _ in 0..200 {
            let start = Instant::now();
            let schedule = Schedule::new(Duration::from_secs(60));
            schedule.wait().await;
            let waited = start.elapsed();
            assert!(waited >= Duration::from_secs(54) && waited <= Duration::from_secs(66), "{waited:?}");
        }
    }
}
