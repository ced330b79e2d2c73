//! Debouncing file events: an editor save, a `git pull` or a directory swap is a burst of events; the loop
//! wants one trigger after the burst. A steady stream still triggers every `max_wait`, so a directory that
//! never goes quiet is not ignored forever.

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use crate::trigger::Trigger;

/// Forwards one `trigger` per burst of `events`: once no event came for `quiet`, or `max_wait` after the
/// burst's first event. Returns when `events` closes.
pub async fn debounce(
    mut events: UnboundedReceiver<Trigger>,
    out: UnboundedSender<Trigger>,
    quiet: Duration,
    max_wait: Duration,
) {
    while let Some(first) = events.recv().await {
        let mut trigger = first;
        let burst_deadline = Instant::now() + max_wait;
        loop {
            let quiet_deadline = (Instant::now() + quiet).min(burst_deadline);
            tokio::select! {
                more = events.recv() => match more {
                    // A rebuilt watcher says more than a plain change (something may have been missed).
                    Some(Trigger::WatcherRebuilt) => trigger = Trigger::WatcherRebuilt,
                    Some(_) => {}
                    None => break,
                },
                () = tokio::time::sleep_until(quiet_deadline) => break,
            }
        }
        if out.send(trigger).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    #[tokio::test(start_paused = true)]
    async fn a_burst_gives_one_trigger_after_the_quiet_period() {
        let (events, raw) = unbounded_channel();
        let (out, mut triggers) = unbounded_channel();
        tokio::spawn(debounce(raw, out, Duration::from_millis(500), Duration::from_secs(5)));
        let start = Instant::now();
        for _ in 0..5 {
            events.send(Trigger::FileChange).unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(triggers.recv().await, Some(Trigger::FileChange));
        // Last event at 400 ms, then 500 ms of quiet.
        assert_eq!(start.elapsed(), Duration::from_millis(900));
        assert!(triggers.try_recv().is_err(), "exactly one trigger for the burst");
    }

    #[tokio::test(start_paused = true)]
    async fn a_never_ending_stream_still_triggers_at_the_maximum_wait() {
        let (events, raw) = unbounded_channel();
        let (out, mut triggers) = unbounded_channel();
        tokio::spawn(debounce(raw, out, Duration::from_millis(500), Duration::from_secs(2)));
        let start = Instant::now();
        tokio::spawn(async move {
            for _ in 0..100 {
                if events.send(Trigger::FileChange).is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        assert_eq!(triggers.recv().await, Some(Trigger::FileChange));
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
