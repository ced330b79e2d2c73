//! Why a pass runs. Every source (start-up, file changes, the resync timer, SIGHUP, retries) feeds one queue,
//! and the loop takes everything queued at once: passes never overlap, and a burst of events while a pass
//! runs gives exactly one follow-up pass.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trigger {
    Startup,
    /// A desired-state file changed (debounced).
    FileChange,
    /// The file watcher failed and was rebuilt: a change may have been missed.
    WatcherRebuilt,
    /// SIGHUP: re-read and reconcile now.
    Reload,
    /// The resync timer: finds drift made by hand.
    Resync,
    /// A backoff delay after failures ran out.
    Retry,
    /// This daemon took the lease (`--lease-table`): it is the writer now.
    LeaseTaken,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Startup => "startup",
            Trigger::FileChange => "file_change",
            Trigger::WatcherRebuilt => "watcher_rebuilt",
            Trigger::Reload => "reload",
            Trigger::Resync => "resync",
            Trigger::Retry => "retry",
            Trigger::LeaseTaken => "lease_taken",
        }
    }
}

pub fn queue() -> (UnboundedSender<Trigger>, TriggerQueue) {
    let (sender, receiver) = unbounded_channel();
    (sender, TriggerQueue { receiver })
}

/// The receiving end of the queue.
pub struct TriggerQueue {
    receiver: UnboundedReceiver<Trigger>,
}

impl TriggerQueue {
    /// Waits for at least one trigger and returns every trigger queued by then, sorted and without repeats.
    /// `None` when every sender is gone.
    pub async fn next_batch(&mut self) -> Option<Vec<Trigger>> {
        let first = self.receiver.recv().await?;
        let mut batch = vec![first];
        while let Ok(more) = self.receiver.try_recv() {
            batch.push(more);
        }
        batch.sort();
        batch.dedup();
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_of_triggers_is_one_batch() {
        let (sender, mut queue) = queue();
        for trigger in [Trigger::FileChange, Trigger::Resync, Trigger::FileChange, Trigger::Reload] {
            sender.send(trigger).unwrap();
        }
        assert_eq!(queue.next_batch().await, Some(vec![Trigger::FileChange, Trigger::Reload, Trigger::Resync]));
        sender.send(Trigger::Resync).unwrap();
        assert_eq!(queue.next_batch().await, Some(vec![Trigger::Resync]));
        drop(sender);
        assert_eq!(queue.next_batch().await, None);
    }
}
