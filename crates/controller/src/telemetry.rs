//! What the daemon knows about itself, for /status, /metrics and /readyz: written after every pass, read by
//! the HTTP server.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reconciler_aws::CallStats;
use serde_json::{Value, json};

use crate::desired_state::{FileStatus, Loaded};
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
    passes: BTreeMap<PassOutcome, u64>,
    pass_seconds_sum: f64,
    last_pass_seconds: f64,
    last_pass_finished: Option<f64>,
    last_pass_outcome: Option<PassOutcome>,
    last_pass_summary: String,
    last_pass_error: Option<String>,
    last_success: Option<f64>,
    resources: Vec<ResourceStatus>,
    files: BTreeMap<PathBuf, FileStatus>,
    cross_file_errors: Vec<String>,
    planned: BTreeMap<(String, String), u64>,
    drifted: u64,
    conflicts: u64,
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
        self.lock().running = Some(RunningPass { started_at: unix_now(), started: Instant::now() });
    }

    /// Records the files as last read.
    pub fn record_files(&self, loaded: &Loaded) {
        let mut state = self.lock();
        state.files = loaded.files.clone();
        state.cross_file_errors = loaded.cross_file_errors.clone();
    }

    /// Records a pass that ran to the end.
    pub fn record_pass(&self, result: &PassResult, summary: &str) {
        let outcome = if result.converged() { PassOutcome::Converged } else { PassOutcome::Incomplete };
        let mut state = self.lock();
        state.ready = true;
        Self::count(&mut state, outcome, result.elapsed, summary);
        if outcome == PassOutcome::Converged {
            state.last_success = state.last_pass_finished;
        }
        state.last_pass_error = None;
        state.resources = result.resources.clone();
        state.planned.clear();
        for action in &result.plan.actions {
            let action_name = format!("{:?}", action.action).to_lowercase();
            *state.planned.entry((action.address.kind.to_string(), action_name)).or_default() += 1;
        }
        state.drifted = result.plan.actions.len() as u64;
        state.conflicts = result.plan.conflicts.len() as u64;
    }

    /// Records a pass that could not observe or plan.
    pub fn record_failure(&self, error: &str, elapsed: Duration) {
        let mut state = self.lock();
        Self::count(&mut state, PassOutcome::Failed, elapsed, error);
        state.last_pass_error = Some(error.to_string());
    }

    fn count(state: &mut State, outcome: PassOutcome, elapsed: Duration, summary: &str) {
        state.running = None;
        *state.passes.entry(outcome).or_default() += 1;
        state.pass_seconds_sum += elapsed.as_secs_f64();
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
        }
        state.lease = Some(view);
    }

    /// The one-line summary of the last pass (for systemd's STATUS=).
    pub fn last_summary(&self) -> String {
        self.lock().last_pass_summary.clone()
    }

    /// Prometheus text exposition format, version 0.0.4.
    pub fn metrics(&self, calls: &CallStats) -> String {
        let state = self.lock();
        let mut out = Exposition::default();

        out.family("reconciler_passes_total", "counter", "Passes of the loop, by outcome.");
        for outcome in [PassOutcome::Converged, PassOutcome::Incomplete, PassOutcome::Failed] {
            let count = state.passes.get(&outcome).copied().unwrap_or(0);
            out.sample(&format!("reconciler_passes_total{{outcome=\"{}\"}} {count}", outcome.as_str()));
        }

        out.family("reconciler_pass_duration_seconds", "summary", "Wall time of passes.");
        out.sample(&format!("reconciler_pass_duration_seconds_sum {}", state.pass_seconds_sum));
        out.sample(&format!("reconciler_pass_duration_seconds_count {}", state.passes.values().sum::<u64>()));

        out.family("reconciler_last_pass_duration_seconds", "gauge", "Wall time of the last pass.");
        out.sample(&format!("reconciler_last_pass_duration_seconds {}", state.last_pass_seconds));

        out.family(
            "reconciler_pass_running_seconds",
            "gauge",
            "How long the pass in progress has been running (0: none is).",
        );
        let running = state.running.map_or(0.0, |r| r.started.elapsed().as_secs_f64());
        out.sample(&format!("reconciler_pass_running_seconds {running}"));

        out.family(
            "reconciler_aws_api_calls_total",
            "counter",
            "AWS API call attempts since start, by service, operation and outcome.",
        );
        for ((service, operation), count) in &calls.by_operation {
            for (outcome, n) in [("ok", count.ok), ("error", count.failed)] {
                if n > 0 {
                    out.sample(&format!(
                        "reconciler_aws_api_calls_total{{service=\"{}\",operation=\"{}\",outcome=\"{outcome}\"}} {n}",
                        escape(service),
                        escape(operation)
                    ));
                }
            }
        }

        out.family(
            "reconciler_drifted_resources",
            "gauge",
            "Resources that differed from their files in the last pass.",
        );
        out.sample(&format!("reconciler_drifted_resources {}", state.drifted));

        out.family("reconciler_planned_actions", "gauge", "Actions planned in the last pass, by kind and action.");
        for ((kind, action), count) in &state.planned {
            out.sample(&format!("reconciler_planned_actions{{kind=\"{kind}\",action=\"{action}\"}} {count}"));
        }

        out.family("reconciler_conflicts", "gauge", "Declarations whose unique name is held by a resource not ours.");
        out.sample(&format!("reconciler_conflicts {}", state.conflicts));

        out.family("reconciler_invalid_files", "gauge", "Desired-state files that do not validate.");
        let invalid = state.files.values().filter(|f| matches!(f, FileStatus::Invalid { .. })).count();
        out.sample(&format!("reconciler_invalid_files {invalid}"));

        out.family(
            "reconciler_last_successful_pass_timestamp_seconds",
            "gauge",
            "Unix time of the last pass that left the live state matching the files (0: none yet).",
        );
        out.sample(&format!("reconciler_last_successful_pass_timestamp_seconds {}", state.last_success.unwrap_or(0.0)));

        out.family("reconciler_ready", "gauge", "1 once a pass has run to the end.");
        out.sample(&format!("reconciler_ready {}", u8::from(state.ready)));
        if let Some(lease) = &state.lease {
            out.family("reconciler_lease_held", "gauge", "1 while this daemon holds the lease and may write.");
            out.sample(&format!("reconciler_lease_held {}", u8::from(matches!(lease, LeaseView::Held { .. }))));
        }
        out.text
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

/// Builds a Prometheus text exposition.
#[derive(Default)]
struct Exposition {
    text: String,
}

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }
}

/// Escapes a Prometheus label value.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_in_progress_shows_until_it_fails() {
        let telemetry = Telemetry::new();
        assert_eq!(telemetry.status()["pass_in_progress"], Value::Null);
        assert!(telemetry.metrics(&CallStats::default()).contains("\nreconciler_pass_running_seconds 0\n"));

        telemetry.record_pass_started();
        let status = telemetry.status();
        let running = &status["pass_in_progress"];
        assert!(running["started_at"].as_f64().is_some_and(|t| t > 1.6e9), "{status}");
        assert!(running["running_for_ms"].is_u64(), "{status}");

        telemetry.record_failure("ECS.ListClusters: request has timed out", Duration::from_secs(4));
        let status = telemetry.status();
        assert_eq!(status["pass_in_progress"], Value::Null, "{status}");
        assert_eq!(status["last_pass"]["outcome"], "failed", "{status}");
        assert!(telemetry.metrics(&CallStats::default()).contains("\nreconciler_pass_running_seconds 0\n"));
    }
}
