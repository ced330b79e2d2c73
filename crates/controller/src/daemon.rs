//! The daemon: a loop of passes driven by triggers, until SIGTERM/SIGINT.
//!
//! Like a Kubernetes controller, every pass recomputes everything from the files and from AWS. Passes never
//! overlap; triggers that arrive during a pass give one follow-up pass. A failing pass, a failing resource or
//! an invalid file never stops the daemon: it backs off, keeps the last good desired state, and says so in
//! /status, /metrics and the logs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reconciler_aws::{ApplyOptions, Aws};
use reconciler_plan::{HoldBack, Pruning, SkipCause};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use crate::backoff::{Backoff, RetryKey};
use crate::desired_state::DesiredState;
use crate::pass::{PassOptions, PassResult, run_pass};
use crate::schedule::Schedule;
use crate::systemd::{Notifier, watchdog_interval};
use crate::telemetry::Telemetry;
use crate::trigger::{Trigger, queue};

/// The daemon's settings (flags, environment or settings file, merged by the CLI).
#[derive(Debug, Clone)]
pub struct DaemonSettings {
    pub config_dir: PathBuf,
    pub resync_interval: Duration,
    pub owner_id: String,
    pub listen: SocketAddr,
    pub concurrency: usize,
    pub wait_timeout: Duration,
    /// Quiet time after a file event before the pass starts.
    pub debounce: Duration,
    /// How long in-flight AWS calls may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// Pruning of what is no longer declared. `allow_mass_delete` holds for the first pass only.
    pub pruning: Pruning,
    /// Timeouts and retries of the AWS clients.
    pub client: reconciler_aws::ClientOptions,
    /// One writer among several daemons: only the lease's holder runs passes. `None`: one host only.
    pub lease: Option<crate::lease::LeaseSettings>,
}

/// Runs until a shutdown signal; returns the exit code.
pub async fn run(settings: DaemonSettings) -> i32 {
    let notifier = Notifier::from_env();
    let aws = Aws::from_env(&settings.client).await;
    let telemetry = Arc::new(Telemetry::new());
    let config_dir = std::path::absolute(&settings.config_dir).unwrap_or_else(|_| settings.config_dir.clone());

    let listener = match tokio::net::TcpListener::bind(settings.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(listen = %settings.listen, error = %err, "cannot listen");
            return 1;
        }
    };
    tracing::info!(
        listen = %listener.local_addr().map_or_else(|_| settings.listen.to_string(), |a| a.to_string()),
        config_dir = %config_dir.display(),
        resync_interval_s = settings.resync_interval.as_secs_f64(),
        owner_id = %settings.owner_id,
        "reconciler daemon starting"
    );
    tokio::spawn(crate::http::serve(listener, telemetry.clone(), aws.clone()));

    let (triggers, mut queue) = queue();
    spawn_file_triggers(config_dir.clone(), triggers.clone(), settings.debounce);
    let stop = Arc::new(AtomicBool::new(false));
    let (shutdown_sender, mut shutdown) = unbounded_channel::<()>();
    spawn_signals(triggers.clone(), shutdown_sender);
    if let Some(interval) = watchdog_interval() {
        spawn_watchdog(interval);
    }
    let lease = settings.lease.as_ref().map(|l| {
        let lease = reconciler_aws::lease::Lease::new(&aws, &l.table, &settings.owner_id, l.ttl);
        tracing::info!(table = %l.table, holder = %lease.holder, ttl_s = l.ttl.as_secs(), "one writer at a time: asking for the lease");
        Arc::new(tokio::sync::Mutex::new(lease))
    });
    if let Some(lease) = &lease {
        crate::lease::spawn_keeper(lease.clone(), triggers.clone(), telemetry.clone());
    }
    let _ = triggers.send(Trigger::Startup);

    let mut desired_state = DesiredState::new();
    let mut backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(300));
    let mut schedule = Schedule::new(settings.resync_interval);
    let mut readiness_sent = false;
    let mut allow_mass_delete_once = settings.pruning.allow_mass_delete;

    loop {
        let batch = tokio::select! {
            batch = queue.next_batch() => batch.unwrap_or_default(),
            trigger = schedule.wait() => vec![trigger],
            _ = shutdown.recv() => break,
        };
        let reasons: Vec<&str> = batch.iter().map(|t| t.as_str()).collect();
        // A standby (the lease is another's) waits for it; the keeper queues a pass when it is taken.
        if !aws.begin_pass() {
            tracing::debug!(trigger = %reasons.join(","), "standby: no pass without the lease");
            schedule.pass_finished(None);
            continue;
        }

        let options = PassOptions {
            owner_id: settings.owner_id.clone(),
            pruning: Pruning { allow_mass_delete: allow_mass_delete_once, ..settings.pruning.clone() },
            dry_run: false,
            apply: ApplyOptions {
                concurrency: settings.concurrency,
                wait_timeout: settings.wait_timeout,
                hold: backoff
                    .held(Instant::now())
                    .into_iter()
                    .filter_map(|(key, (failures, wait))| match key {
                        RetryKey::Resource(address) => {
                            Some((address, SkipCause::BackingOff { failures, retry_in_seconds: wait.as_secs() }))
                        }
                        // The pass's own backoff delays the pass, not one resource.
                        RetryKey::Pass => None,
                    })
                    .collect(),
                stop: Some(stop.clone()),
            },
        };
        // `--allow-mass-delete` is for one run: the first pass, which the person starting the daemon watches.
        allow_mass_delete_once = false;
        let pass = one_pass(&aws, &config_dir, &mut desired_state, &options, &telemetry, &reasons);
        tokio::pin!(pass);
        let result = tokio::select! {
            result = &mut pass => result,
            _ = shutdown.recv() => {
                // Stop starting new changes; let the ones in flight finish, within the grace period.
                tracing::info!("shutdown requested; finishing AWS calls in flight");
                notifier.stopping();
                stop.store(true, Ordering::Relaxed);
                if tokio::time::timeout(settings.shutdown_grace, &mut pass).await.is_err() {
                    tracing::warn!(grace_s = settings.shutdown_grace.as_secs(), "calls still in flight at the end of the grace period");
                    // They may still land: the lease is left to run out rather than handed over now (the
                    // process ends, and with it the renewals).
                    return 0;
                }
                release(lease.as_ref()).await;
                return 0;
            }
        };

        // Backoff: per resource for failed changes, for the whole pass when it could not observe or plan.
        let now = Instant::now();
        match &result {
            // A kind that could not be read (throttled, most likely) left part of the files unreconciled: the
            // pass is tried again after a backoff, not only at the next resync.
            Ok(pass) if !pass.plan.unread.is_empty() => {
                let delay = backoff.failed(RetryKey::Pass, now);
                let kinds: Vec<&str> = pass.plan.unread.iter().map(|u| u.kind.as_str()).collect();
                tracing::warn!(unread = %kinds.join(","), retry_in_s = delay.as_secs(), "part of the live state could not be read; retrying after backoff");
                record_outcomes(&mut backoff, pass, now);
            }
            Ok(pass) => {
                backoff.succeeded(&RetryKey::Pass);
                record_outcomes(&mut backoff, pass, now);
            }
            Err(_) => {
                let delay = backoff.failed(RetryKey::Pass, now);
                tracing::info!(retry_in_s = delay.as_secs(), "pass failed; retrying after backoff");
            }
        }
        // Come back for held-back resources when their backoff ends, not only at the next resync.
        schedule.pass_finished(backoff.next_attempt(now));

        let summary = telemetry.last_summary();
        if readiness_sent {
            notifier.status(&summary);
        } else {
            notifier.ready(&summary);
            readiness_sent = true;
        }
    }
    notifier.stopping();
    release(lease.as_ref()).await;
    tracing::info!("reconciler daemon stopped");
    0
}

/// Gives the lease up on the way out, so that a standby takes over at once rather than after the TTL (the
/// keeper, waiting for the lock, then finds it retired and asks for it no more).
async fn release(lease: Option<&Arc<tokio::sync::Mutex<reconciler_aws::lease::Lease>>>) {
    let Some(lease) = lease else { return };
    match lease.lock().await.release().await {
        Ok(()) => tracing::info!("lease released"),
        Err(err) => tracing::warn!(error = %err, "could not release the lease; it expires at the end of its TTL"),
    }
}

/// Per resource: a failed change backs off, a successful one clears its backoff.
fn record_outcomes(backoff: &mut Backoff<RetryKey>, pass: &PassResult, now: Instant) {
    for outcome in pass.report.iter().flat_map(|r| &r.outcomes) {
        let key = RetryKey::Resource(outcome.address.clone());
        match &outcome.result {
            reconciler_plan::OutcomeResult::Succeeded { .. } => backoff.succeeded(&key),
            reconciler_plan::OutcomeResult::Failed { .. } => {
                backoff.failed(key, now);
            }
            // Skipped: held back, or waiting for something else; not its own failure.
            reconciler_plan::OutcomeResult::Skipped { .. } => {}
        }
    }
}

/// Loads the files, runs a pass, records everything; returns the pass (or why it could not run).
async fn one_pass(
    aws: &Aws,
    config_dir: &std::path::Path,
    desired_state: &mut DesiredState,
    options: &PassOptions,
    telemetry: &Telemetry,
    reasons: &[&str],
) -> Result<PassResult, String> {
    let started = Instant::now();
    telemetry.record_pass_started();
    let loaded = match desired_state.load(config_dir) {
        Ok(loaded) => loaded,
        Err(err) => {
            tracing::error!(error = %err, "cannot read the desired state; nothing to reconcile");
            telemetry.record_failure(&err, started.elapsed());
            return Err(err);
        }
    };
    for error in &loaded.new_errors {
        tracing::error!(error = %error, "invalid desired state; its file's last good version stays in force");
    }
    telemetry.record_files(&loaded);

    // While a file is invalid, what it declares is not known for sure (its last good version may be missing or
    // old): nothing is pruned until it is fixed.
    let invalid = loaded.invalid_files() + usize::from(!loaded.cross_file_errors.is_empty());
    let mut options = options.clone();
    if invalid > 0 {
        options.pruning.held_back = Some(HoldBack::InvalidDesiredState);
    }
    match run_pass(aws, &loaded.desired, &options, |_, _| crate::Proceed::Apply).await {
        Ok(result) => {
            let summary = result.line(loaded.invalid_files(), false);
            tracing::info!(trigger = %reasons.join(","), "{summary}");
            telemetry.record_pass(&result, &summary);
            Ok(result)
        }
        Err(err) => {
            let message = err.to_string();
            tracing::error!(trigger = %reasons.join(","), error = %message, "pass failed");
            telemetry.record_failure(&message, started.elapsed());
            Err(message)
        }
    }
}

fn spawn_file_triggers(dir: PathBuf, triggers: UnboundedSender<Trigger>, quiet: Duration) {
    let (raw_sender, raw) = unbounded_channel();
    tokio::spawn(crate::watcher::watch(dir, raw_sender));
    tokio::spawn(crate::debounce::debounce(raw, triggers, quiet, Duration::from_secs(10)));
}

/// SIGHUP queues a pass. The first SIGTERM/SIGINT starts a graceful shutdown; a second one exits at once.
fn spawn_signals(triggers: UnboundedSender<Trigger>, shutdown: UnboundedSender<()>) {
    tokio::spawn(async move {
        let (Ok(mut hangup), Ok(mut terminate), Ok(mut interrupt)) =
            (signal(SignalKind::hangup()), signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
        else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        let mut stopping = false;
        loop {
            let shutdown_signal = tokio::select! {
                _ = hangup.recv() => false,
                _ = terminate.recv() => true,
                _ = interrupt.recv() => true,
            };
            if !shutdown_signal {
                tracing::info!("SIGHUP: re-reading the desired state");
                let _ = triggers.send(Trigger::Reload);
            } else if !stopping {
                stopping = true;
                let _ = shutdown.send(());
            } else {
                tracing::warn!("second shutdown signal: exiting now");
                std::process::exit(1);
            }
        }
    });
}

fn spawn_watchdog(interval: Duration) {
    tokio::spawn(async move {
        let notifier = Notifier::from_env();
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            notifier.watchdog();
        }
    });
}
