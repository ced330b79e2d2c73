//! Randomness for spreading timers (resync, backoff): enough spread that many daemons or many failing
//! resources do not act in step, without a random-number dependency.

/// A fraction in `[low, high)`.
pub fn fraction_between(low: f64, high: f64) -> f64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    low + (high - low) * f64::from(nanos % 1000) / 1000.0
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
