//! The lease from the command line: `--create-lease-table`, and `--once` taking the lease before it changes
//! anything (waiting up to `--lease-wait` for another holder), keeping it renewed while it works, and giving it
//! up at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reconciler_aws::Aws;
use reconciler_aws::lease::{Acquired, Lease};
use reconciler_controller::LeaseSettings;
use reconciler_controller::telemetry::Telemetry;
use tokio::sync::Mutex;

use crate::args::LeaseArgs;
use crate::exit;

/// `--create-lease-table`: makes the table and waits until it can be used.
pub async fn create_table(args: &LeaseArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    let Some(table) = &args.lease_table else {
        eprintln!("error: --create-lease-table needs --lease-table NAME");
        return exit::ERROR;
    };
    let aws = Aws::from_env(client).await;
    match reconciler_aws::lease::create_table(&aws, table).await {
        Ok(true) => println!("Lease table {table} created and ACTIVE."),
        Ok(false) => println!("Lease table {table} exists already and is ACTIVE."),
        Err(err) => {
            eprintln!("error: cannot create the lease table {table}: {err}");
            return exit::ERROR;
        }
    }
    exit::OK
}

/// Takes the lease for a `--once` that changes things, waiting up to `wait` while another holds it; the
/// lease is then renewed in the background until [`give_up`]. `Err`: the exit code, with the reason printed.
pub async fn take(aws: &Aws, settings: &LeaseSettings, owner_id: &str, wait: Duration) -> Result<Held, i32> {
    let mut lease = Lease::new(aws, &settings.table, owner_id, settings.ttl);
    let deadline = Instant::now() + wait;
    loop {
        let held = match lease.acquire().await {
            Ok(Acquired::Ours { .. }) => break,
            Ok(Acquired::Theirs(held)) => held,
            Err(err) => {
                eprintln!("error: cannot take the lease in {}: {err}. Nothing was changed.", settings.table);
                return Err(exit::ERROR);
            }
        };
        if Instant::now() >= deadline {
            eprintln!(
                "error: another reconciler holds the lease {}/{owner_id}: {} (it runs out in {} s unless renewed). \
                 Nothing was changed. --dry-run needs no lease; --lease-wait DURATION waits for it.",
                settings.table,
                held.holder,
                held.expires_in.as_secs()
            );
            return Err(exit::ERROR);
        }
        tokio::time::sleep(Duration::from_secs(1).min(deadline - Instant::now())).await;
    }
    // The run's writes are bound to this token: if the lease is lost and the keeper takes it again, they stop.
    aws.begin_pass();
    let lease = Arc::new(Mutex::new(lease));
    // The daemon's keeper renews it; a --once queues no pass, so its triggers go nowhere.
    let (triggers, _) = tokio::sync::mpsc::unbounded_channel();
    reconciler_controller::lease::spawn_keeper(lease.clone(), triggers, Arc::new(Telemetry::new()));
    Ok(Held { lease })
}

/// A lease taken by a `--once` or `destroy`, renewed in the background until [`give_up`].
pub struct Held {
    lease: Arc<Mutex<Lease>>,
}

/// Gives the lease up at the end of a `--once` (the renewals then stop).
pub async fn give_up(held: &Held) {
    if let Err(err) = held.lease.lock().await.release().await {
        tracing::warn!(error = %err, "could not release the lease; it runs out at the end of its TTL");
    }
}
