//! What the daemon knows about itself, for /status, /metrics and /readyz: written after every pass, read by
//! the HTTP server.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reconciler_aws::CallStats;
use serde_json::{Value, json};

use crate::desired_state::{FileStatus, Loaded};
use crate::metrics::Metrics;
use reconciler_plan::ResourceStatus;

use crate::pass::PassResult;

/// How a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PassOutcome {
    /// Observed, planned and applied; the live state matches.
    Converged,
    /// Ran to the end, but some action failed, was skipped, or is in conflict.
    Incomplete,
    /// Could not observe or plan (AWS unreachable, ...).
    Failed,
}

impl PassOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            PassOutcome::Converged => "converged",
            PassOutcome::Incomplete => "incomplete",
            PassOutcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// A pass has run to the end (observe, plan, apply).
    ready: bool,
    last_pass_seconds: f64,
    last_pass_finished: Option<f64>,
    last_pass_outcome: Option<PassOutcome>,
    last_pass_summary: String,
    last_pass_error: Option<String>,
    last_success: Option<f64>,
    resources: Vec<ResourceStatus>,
    files: BTreeMap<PathBuf, FileStatus>,
    cross_file_errors: Vec<String>,
    /// The pass running now, if any: a pass stuck on AWS shows here, not only once it ends.
    running: Option<RunningPass>,
    /// With a lease table: who holds the lease, as last seen (`None`: no lease configured).
    lease: Option<LeaseView>,
}

/// The lease as this daemon last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseView {
    /// This daemon holds it and is the writer.
    Held { table: String, holder: String, token: u64 },
    /// Another holds it: this daemon is a standby and makes no pass.
    Standby { table: String, held_by: String, expires_in_seconds: u64 },
    /// The table could not be reached (this daemon writes only while its last renewal lasts).
    Unreachable { table: String, error: String },
}

impl LeaseView {
    fn json(&self) -> Value {
        match self {
            LeaseView::Held { table, holder, token } => {
                json!({"state": "held", "table": table, "holder": holder, "fencing_token": token})
            }
            LeaseView::Standby { table, held_by, expires_in_seconds } => json!({
                "state": "standby", "table": table, "held_by": held_by, "expires_in_seconds": expires_in_seconds
            }),
            LeaseView::Unreachable { table, error } => json!({"state": "unreachable", "table": table, "error": error}),
        }
    }
}

/// When the pass in progress started: the wall clock for people, a monotonic instant for its age.
#[derive(Debug, Clone, Copy)]
struct RunningPass {
    started_at: f64,
    started: Instant,
}

/// Shared between the loop (writer) and the HTTP server (reader).
#[derive(Debug, Default)]
pub struct Telemetry {
    state: Mutex<State>,
    metrics: Metrics,
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64()
}

impl Telemetry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_ready(&self) -> bool {
        self.lock().ready
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that a pass has started; it is in progress until recorded as ended or failed.
    pub fn record_pass_started(&self) {
        let started = Instant::now();
        self.lock().running = Some(RunningPass { started_at: unix_now(), started });
        self.metrics.live().pass_started = Some(started);
    }

    /// Records the files as last read.
    pub fn record_files(&self, loaded: &Loaded) {
        let mut state = self.lock();
        state.files = loaded.files.clone();
        state.cross_file_errors = loaded.cross_file_errors.clone();
        self.metrics.invalid_files(loaded.invalid_files());
    }

    /// Records a pass that ran to the end.
    pub fn record_pass(&self, result: &PassResult, summary: &str) {
        let outcome = if result.converged() { PassOutcome::Converged } else { PassOutcome::Incomplete };
        let mut state = self.lock();
        state.ready = true;
        self.metrics.ready();
        self.count(&mut state, outcome, result.elapsed, summary);
        if outcome == PassOutcome::Converged {
            state.last_success = state.last_pass_finished;
            self.metrics.succeeded_at(state.last_success.unwrap_or_default());
        }
        state.last_pass_error = None;
        state.resources = result.resources.clone();
        let mut planned = BTreeMap::new();
        for action in &result.plan.actions {
            let action_name = format!("{:?}", action.action).to_lowercase();
            *planned.entry((action.address.kind.to_string(), action_name)).or_default() += 1;
        }
        self.metrics.planned(&planned, result.plan.actions.len() as u64, result.plan.conflicts.len() as u64);
    }

    /// Records a pass that could not observe or plan.
    pub fn record_failure(&self, error: &str, elapsed: Duration) {
        let mut state = self.lock();
        self.count(&mut state, PassOutcome::Failed, elapsed, error);
        state.last_pass_error = Some(error.to_string());
    }

    fn count(&self, state: &mut State, outcome: PassOutcome, elapsed: Duration, summary: &str) {
        state.running = None;
        self.metrics.pass_ended(outcome.as_str(), elapsed.as_secs_f64());
        state.last_pass_seconds = elapsed.as_secs_f64();
        state.last_pass_finished = Some(unix_now());
        state.last_pass_outcome = Some(outcome);
        state.last_pass_summary = summary.to_string();
    }

    /// Records the lease as last seen. A standby is ready: it is doing what it should.
    pub fn record_lease(&self, view: LeaseView) {
        let mut state = self.lock();
        if matches!(view, LeaseView::Standby { .. }) {
            state.ready = true;
            self.metrics.ready();
        }
        self.metrics.live().lease_held = Some(matches!(view, LeaseView::Held { .. }));
        state.lease = Some(view);
    }

    /// The one-line summary of the last pass (for systemd's STATUS=).
    pub fn last_summary(&self) -> String {
        self.lock().last_pass_summary.clone()
    }

    /// The metrics in OpenMetrics text ([`crate::metrics::CONTENT_TYPE`]), with `calls` as the AWS calls so far.
    pub fn metrics(&self, calls: &CallStats) -> String {
        self.metrics.encode(calls)
    }

    /// The /status document.
    pub fn status(&self) -> Value {
        let state = self.lock();
        let resources: Vec<Value> = state
            .resources
            .iter()
            .map(|r| {
                let reason = r.why.as_ref().map(reconciler_render::words::status_why).unwrap_or_default();
                json!({"address": r.address.to_string(), "state": r.state.as_str(), "reason": reason})
            })
            .collect();
        let files: Vec<Value> = state
            .files
            .iter()
            .map(|(path, status)| match status {
                FileStatus::Valid => json!({"file": path, "state": "valid"}),
                FileStatus::Invalid { errors, applied_last_good } => json!({
                    "file": path,
                    "state": "invalid",
                    "errors": errors,
                    "last_good_version_in_force": applied_last_good,
                }),
            })
            .collect();
        json!({
            "ready": state.ready,
            "last_pass": {
                "outcome": state.last_pass_outcome.map(PassOutcome::as_str),
                "finished_at": state.last_pass_finished,
                "duration_seconds": state.last_pass_seconds,
                "summary": state.last_pass_summary,
                "error": state.last_pass_error,
            },
            "pass_in_progress": state.running.map(|r| json!({
                "started_at": r.started_at,
                "running_for_ms": u64::try_from(r.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            })),
            "last_successful_pass_at": state.last_success,
            "resources": resources,
            "files": files,
            "cross_file_errors": state.cross_file_errors,
            "lease": state.lease.as_ref().map(LeaseView::json),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_in_progress_shows_until_it_fails() {
        let telemetry = Telemetry::new();
        assert_eq!(telemetry.status()["pass_in_progress"], Value::Null);
        assert!(telemetry.metrics(&CallStats::default()).contains("\nreconciler_pass_running_seconds 0.0\n"));

        telemetry.record_pass_started();
        let status = telemetry.status();
        let running = &status["pass_in_progress"];
        assert!(running["started_at"].as_f64().is_some_and(|t| t > 1.6e9), "{status}");
        assert!(running["running_for_ms"].is_u64(), "{status}");

        telemetry.record_failure("ECS.ListClusters: request has timed out", Duration::from_secs(4));
        let status = telemetry.status();
        assert_eq!(status["pass_in_progress"], Value::Null, "{status}");
        assert_eq!(status["last_pass"]["outcome"], "failed", "{status}");
        assert!(telemetry.metrics(&CallStats::default()).contains("\nreconciler_pass_running_seconds 0.0\n"));
    }
}
