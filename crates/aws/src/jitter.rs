//! The one jitter: randomness for spreading timers (the daemon's resync and backoff, waits for AWS, retries
//! of creates) so that many daemons, resources or waiters do not act in step, without a random-number
//! dependency. It lives in the AWS layer because that is the lowest one allowed to read the clock; the
//! controller uses it too.

use std::time::Duration;

/// A fraction in `[low, high)`.
pub fn fraction_between(low: f64, high: f64) -> f64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    low + (high - low) * f64::from(nanos % 1000) / 1000.0
}

/// Between half and all of `delay` ("equal jitter"): waits keep growing with the delay, but spread.
pub fn half_to_full(delay: Duration) -> Duration {
    delay.mul_f64(fraction_between(0.5, 1.0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn stays_in_range() {
        for _ in 0..1000 {
            let f = super::fraction_between(0.9, 1.1);
            assert!((0.9..1.1).contains(&f), "{f}");
        }
    }
}
