//! Keeping the lease (`--lease-table`): a task that renews it while this daemon holds it and asks for it while
//! another does, every quarter of the TTL. When it is taken, a pass is queued at once; the loop runs passes only
//! while the fence is open (see `reconciler_aws::lease`), so a standby makes no AWS call but the lease's.

use std::sync::Arc;
use std::time::Duration;

use reconciler_aws::lease::{Acquired, Lease};
use tokio::sync::Mutex;
use tokio::sync::mpsc::UnboundedSender;

use crate::telemetry::{LeaseView, Telemetry};
use crate::trigger::Trigger;

/// Where the lease lives and how long a renewal lasts.
#[derive(Debug, Clone)]
pub struct LeaseSettings {
    pub table: String,
    pub ttl: Duration,
}

/// Renews or asks for the lease every `ttl / 4` (counted from when each round starts, so that a slow answer
/// does not push the next renewal past the fence's end at two thirds of the TTL), until the process ends.
/// After `Lease::release` its rounds do nothing.
pub fn spawn_keeper(lease: Arc<Mutex<Lease>>, triggers: UnboundedSender<Trigger>, telemetry: Arc<Telemetry>) {
    tokio::spawn(async move {
        loop {
            let started = tokio::time::Instant::now();
            let period = {
                let mut lease = lease.lock().await;
                keep(&mut lease, &triggers, &telemetry).await;
                lease.ttl / 4
            };
            tokio::time::sleep_until(started + period).await;
        }
    });
}

/// One round: renew what we hold, or ask for it.
async fn keep(lease: &mut Lease, triggers: &UnboundedSender<Trigger>, telemetry: &Telemetry) {
    let table = lease.table.clone();
    if lease.token().is_some() && !lease.is_held() {
        tracing::error!(table = %table, "the lease ran out before a renewal got through: this daemon stops writing");
    }
    if lease.is_held() {
        match lease.renew().await {
            Ok(true) => {
                let (holder, token) = (lease.holder.clone(), lease.token().unwrap_or_default());
                telemetry.record_lease(LeaseView::Held { table, holder, token });
                return;
            }
            Ok(false) => tracing::error!(table = %table, "the lease was taken over: this daemon stops writing"),
            Err(err) => {
                tracing::warn!(table = %table, error = %err, "cannot renew the lease; writing stops when it runs out unless a renewal gets through");
                telemetry.record_lease(LeaseView::Unreachable { table, error: err.to_string() });
                return;
            }
        }
    }
    match lease.acquire().await {
        Ok(Acquired::Ours { token }) => {
            tracing::info!(table = %table, holder = %lease.holder, token, "lease taken: this daemon is the writer");
            telemetry.record_lease(LeaseView::Held { table, holder: lease.holder.clone(), token });
            let _ = triggers.send(Trigger::LeaseTaken);
        }
        Ok(Acquired::Theirs(held)) => {
            tracing::debug!(table = %table, held_by = %held.holder, "standby: another daemon holds the lease");
            telemetry.record_lease(LeaseView::Standby {
                table,
                held_by: held.holder,
                expires_in_seconds: held.expires_in.as_secs(),
            });
        }
        Err(err) => {
            tracing::warn!(table = %table, error = %err, "cannot reach the lease table; not writing");
            telemetry.record_lease(LeaseView::Unreachable { table, error: err.to_string() });
        }
    }
}
