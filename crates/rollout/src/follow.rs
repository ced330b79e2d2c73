//! Following one service's rollout to a verdict (`reconciler --once --wait`), and folding the verdicts of
//! several services into one exit decision.
//!
//! The caller polls `DescribeServices`, hands each answer to [`RolloutFollower::observe`], prints the lines it
//! returns and stops at the first verdict, or calls [`RolloutFollower::timeout`] when its own deadline passes.
//!
//! What this relies on from ECS:
//! - `UpdateService` with a new task definition creates a new deployment that is PRIMARY at once; the
//!   deployments it replaces become ACTIVE while their tasks drain, then drop out of the list. So the
//!   deployment we follow is the PRIMARY one with our task definition.
//! - `rolloutState` is reported for rolling-update (ECS controller) services: IN_PROGRESS until the
//!   deployment reaches steady state (COMPLETED) or the circuit breaker trips (FAILED). Services without it
//!   (Classic Load Balancer, old API) are judged by their counts instead.
//! - When the circuit breaker trips with rollback on, our deployment turns FAILED and ACTIVE and ECS starts a
//!   new PRIMARY deployment of the last task definition that completed. Without rollback it stays PRIMARY and
//!   FAILED. Either way the rollout has failed; we do not wait for the rollback to finish.
//! - A service being deleted is DRAINING, then INACTIVE.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::snapshot::{
    Deployment, RolloutState, ServiceSnapshot, TaskDefinitionRef, describe_revision, revision_of, same_task_definition,
    short_task_definition,
};
use crate::stopped::{counted, reasons_by_task};

/// What one observation produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    /// New progress lines to print, oldest first; often empty. The verdict is not among them: print it with
    /// its `Display`.
    pub lines: Vec<String>,
    /// Set once the rollout is over; the caller stops polling this service.
    pub verdict: Option<Verdict>,
}

/// How a rollout ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The new task definition runs at the desired count. `revision` is `None` only when the expected task
    /// definition had no readable revision.
    Stable {
        service: String,
        revision: Option<u32>,
    },
    Failed {
        service: String,
        reason: String,
    },
    /// The caller's deadline passed first; `last_state` is the last thing we knew.
    TimedOut {
        service: String,
        last_state: String,
    },
}

impl Verdict {
    pub fn is_success(&self) -> bool {
        matches!(self, Verdict::Stable { .. })
    }

    pub fn service(&self) -> &str {
        match self {
            Verdict::Stable { service, .. } | Verdict::Failed { service, .. } | Verdict::TimedOut { service, .. } => {
                service
            }
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Stable { service, revision: Some(rev) } => write!(f, "{service}: rev {rev} is running and stable"),
            Verdict::Stable { service, revision: None } => {
                write!(f, "{service}: the new task definition is running and stable")
            }
            Verdict::Failed { service, reason } => write!(f, "{service}: rollout failed: {reason}"),
            Verdict::TimedOut { service, last_state } => {
                write!(f, "{service}: timed out before the rollout finished; last seen: {last_state}")
            }
        }
    }
}

/// Follows the rollout of one service to one task definition.
#[derive(Debug, Clone)]
pub struct RolloutFollower {
    service: String,
    expected: String,
    started_at_epoch_ms: i64,
    /// Events already printed, by id: every poll returns the last 100 events again.
    seen_events: HashSet<String>,
    /// The last state line printed (without the service prefix), so that an unchanged state prints nothing.
    last_state: Option<String>,
    last_observed_at_epoch_ms: Option<i64>,
    last_failed_tasks: u32,
    /// Whether our deployment has been PRIMARY: if it stops being so, it was rolled back or superseded.
    seen_primary: bool,
    /// Our deployment's `rolloutStateReason` once FAILED, kept because it drops out of the list once drained.
    last_reason: Option<String>,
    /// Why each stopped task of our revision stopped, by task id: already printed, and the verdict's detail.
    stopped: BTreeMap<String, String>,
    verdict: Option<Verdict>,
}

impl RolloutFollower {
    /// `expected_task_definition` may be an ARN or `family:revision`. Events created before
    /// `started_at_epoch_ms` belong to earlier rollouts and are not printed.
    pub fn new(
        service_name: impl Into<String>,
        expected_task_definition: impl Into<String>,
        started_at_epoch_ms: i64,
    ) -> Self {
        RolloutFollower {
            service: service_name.into(),
            expected: expected_task_definition.into(),
            started_at_epoch_ms,
            seen_events: HashSet::new(),
            last_state: None,
            last_observed_at_epoch_ms: None,
            last_failed_tasks: 0,
            seen_primary: false,
            last_reason: None,
            stopped: BTreeMap::new(),
            verdict: None,
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// The verdict, once there is one.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// Takes in one `DescribeServices` answer for this service. Once a verdict is given it sticks: later
    /// calls return it again with no lines.
    pub fn observe(&mut self, snapshot: &ServiceSnapshot, now_epoch_ms: i64) -> Step {
        if let Some(verdict) = &self.verdict {
            return Step { lines: Vec::new(), verdict: Some(verdict.clone()) };
        }
        self.last_observed_at_epoch_ms = Some(now_epoch_ms);
        // Events first: they happened before the counts we are about to show, and they often explain a failure.
        let mut lines = self.new_event_lines(snapshot);
        self.note_stopped_tasks(snapshot, &mut lines);
        let verdict = self.judge(snapshot, &mut lines);
        self.verdict = verdict.clone();
        Step { lines, verdict }
    }

    /// The verdict to report when the caller's deadline passes (or the verdict already given, if any).
    pub fn timeout(&self) -> Verdict {
        if let Some(verdict) = &self.verdict {
            return verdict.clone();
        }
        let last_state = match (&self.last_state, self.last_observed_at_epoch_ms) {
            (Some(state), Some(at)) => {
                format!("{state}, {} after the start", format_duration_ms(at - self.started_at_epoch_ms))
            }
            (Some(state), None) => state.clone(),
            (None, _) => "no answer from ECS yet".to_string(),
        };
        // A rollout that never finishes (no circuit breaker, an image that cannot be pulled) is explained by
        // its stopped tasks.
        Verdict::TimedOut {
            service: self.service.clone(),
            last_state: format!("{last_state}{}", self.stopped_detail()),
        }
    }

    /// Prints each stopped task of our revision once, with why it stopped. Tasks that stopped before the start
    /// belong to an earlier rollout of the same revision.
    fn note_stopped_tasks(&mut self, snapshot: &ServiceSnapshot, lines: &mut Vec<String>) {
        let started = self.started_at_epoch_ms;
        let recent = snapshot.stopped_tasks.iter().filter(|t| t.stopped_at_epoch_ms.is_none_or(|at| at >= started));
        let mut fresh: Vec<(String, String)> = reasons_by_task(recent, &self.expected)
            .into_iter()
            .filter(|(id, _)| !self.stopped.contains_key(id))
            .collect();
        fresh.sort();
        for (id, why) in fresh {
            lines.push(format!("{}: task {id} stopped: {why}", self.service));
            self.stopped.insert(id, why);
        }
    }

    /// `; stopped tasks: 3 tasks: REASON` from the stopped tasks seen, or nothing.
    fn stopped_detail(&self) -> String {
        let parts = counted(self.stopped.values().cloned());
        if parts.is_empty() { String::new() } else { format!("; stopped tasks: {}", parts.join("; ")) }
    }

    fn new_event_lines(&mut self, snapshot: &ServiceSnapshot) -> Vec<String> {
        let started = self.started_at_epoch_ms;
        let seen = &mut self.seen_events;
        // ECS lists newest first; print oldest first. The stable sort keeps ECS's order for equal timestamps.
        let mut fresh: Vec<_> = snapshot
            .events
            .iter()
            .rev()
            .filter(|e| e.created_at_epoch_ms >= started)
            .filter(|e| seen.insert(e.id.clone()))
            .collect();
        fresh.sort_by_key(|e| e.created_at_epoch_ms);
        fresh.into_iter().map(|e| format!("{}: {}", self.service, one_line(&e.message))).collect()
    }

    fn judge(&mut self, snapshot: &ServiceSnapshot, lines: &mut Vec<String>) -> Option<Verdict> {
        if snapshot.is_deleted() {
            return Some(self.failed(format!("service was deleted (status {})", snapshot.status)));
        }
        let primary = snapshot.primary();
        if let Some(ours) = primary.filter(|p| self.is_ours(p)) {
            self.seen_primary = true;
            return self.judge_primary(snapshot, ours, lines);
        }
        // Not (or no longer) PRIMARY. It may still be listed as ACTIVE, e.g. after a circuit breaker rollback.
        let ours = snapshot.deployments.iter().find(|d| self.is_ours(d) && d.status != "INACTIVE");
        if let Some(ours) = ours {
            self.note_deployment(ours, lines);
        }
        match primary {
            Some(primary) => self.judge_displaced(primary, ours, lines),
            None => {
                self.show(self.waiting_text(), lines);
                None
            }
        }
    }

    /// Our deployment is PRIMARY: its rollout state decides, or its counts when ECS reports no rollout state.
    fn judge_primary(
        &mut self,
        snapshot: &ServiceSnapshot,
        ours: &Deployment,
        lines: &mut Vec<String>,
    ) -> Option<Verdict> {
        let state = match ours.rollout_state {
            Some(state) => format!(", {state}"),
            None => String::new(),
        };
        let text = format!(
            "{}/{} running, {} pending ({}{state})",
            ours.running_count,
            ours.desired_count,
            ours.pending_count,
            describe_revision(&self.expected)
        );
        self.show(text, lines);
        self.note_deployment(ours, lines);
        // Counts come from the deployment, not the service: the service's also include old tasks still draining.
        let settled = ours.running_count == ours.desired_count && ours.pending_count == 0;
        match ours.rollout_state {
            // COMPLETED stays set when the desired count is raised later without a new deployment, so also
            // wait for the counts; after a real rollout they already match when COMPLETED appears.
            Some(RolloutState::Completed) if settled => Some(self.stable()),
            Some(RolloutState::Completed) | Some(RolloutState::InProgress) => None,
            // Circuit breaker without rollback: the failed deployment stays PRIMARY.
            Some(RolloutState::Failed) => {
                let reason = self.reason();
                Some(self.failed(format!("rollout of {} failed: {reason}", describe_revision(&self.expected))))
            }
            None => {
                // Without a rollout state the only sign of the end is the old deployments being gone (INACTIVE
                // ones have no tasks left) and ours running at the desired count.
                let live = snapshot.deployments.iter().filter(|d| d.status != "INACTIVE").count();
                (live == 1 && settled).then(|| self.stable())
            }
        }
    }

    /// Another deployment is PRIMARY: ours has not started yet, was rolled back, or was superseded.
    fn judge_displaced(
        &mut self,
        primary: &Deployment,
        ours: Option<&Deployment>,
        lines: &mut Vec<String>,
    ) -> Option<Verdict> {
        // Within one family, revisions only grow, so they tell a rollback from a newer deployment.
        let primary_is_older = match (TaskDefinitionRef::parse(&primary.task_definition), self.expected_ref()) {
            (Some(p), Some(e)) if p.family == e.family => Some(p.revision < e.revision),
            _ => None,
        };
        let ours_failed = ours.is_some_and(|d| d.rollout_state == Some(RolloutState::Failed));
        // Deployments start out PRIMARY, so ours being listed at all means it has been PRIMARY before.
        let was_primary = self.seen_primary || ours.is_some();
        if ours_failed || (was_primary && primary_is_older == Some(true)) {
            let target = self.name_task_definition(&primary.task_definition);
            let reason = self.reason();
            return Some(self.failed(format!("circuit breaker rolled back to {target}: {reason}")));
        }
        if was_primary || primary_is_older == Some(false) {
            let newer = short_task_definition(&primary.task_definition);
            return Some(self.failed(format!("superseded by a newer deployment of {newer}")));
        }
        // UpdateService has not shown up in DescribeServices yet (or the caller started us early).
        self.show(self.waiting_text(), lines);
        None
    }

    /// Remembers what ECS said about our deployment and reports failed tasks going up.
    fn note_deployment(&mut self, ours: &Deployment, lines: &mut Vec<String>) {
        // Only a FAILED deployment's reason explains a failure; while IN_PROGRESS it just says "in progress".
        if ours.rollout_state == Some(RolloutState::Failed) && ours.rollout_state_reason.is_some() {
            self.last_reason = ours.rollout_state_reason.clone();
        }
        // ECS resets the count to 0 once a task runs, so only a rise is news.
        if ours.failed_tasks > self.last_failed_tasks {
            let more = ours.failed_tasks - self.last_failed_tasks;
            let noun = if more == 1 { "task" } else { "tasks" };
            lines.push(format!(
                "{}: {more} more {noun} failed to start or stay healthy ({} in a row for {})",
                self.service,
                ours.failed_tasks,
                describe_revision(&self.expected)
            ));
        }
        self.last_failed_tasks = ours.failed_tasks;
    }

    fn show(&mut self, text: String, lines: &mut Vec<String>) {
        if self.last_state.as_deref() != Some(text.as_str()) {
            lines.push(format!("{}: {text}", self.service));
            self.last_state = Some(text);
        }
    }

    fn is_ours(&self, deployment: &Deployment) -> bool {
        same_task_definition(&deployment.task_definition, &self.expected)
    }

    fn expected_ref(&self) -> Option<TaskDefinitionRef> {
        TaskDefinitionRef::parse(&self.expected)
    }

    /// `rev 6` within our family, `family:6` for another one.
    fn name_task_definition(&self, task_definition: &str) -> String {
        match (TaskDefinitionRef::parse(task_definition), self.expected_ref()) {
            (Some(t), Some(e)) if t.family == e.family => format!("rev {}", t.revision),
            _ => short_task_definition(task_definition),
        }
    }

    fn waiting_text(&self) -> String {
        format!("waiting for the deployment of {} to start", describe_revision(&self.expected))
    }

    /// ECS's reason for the failure, then why the tasks stopped.
    fn reason(&self) -> String {
        let reason =
            self.last_reason.clone().unwrap_or_else(|| "ECS gave no reason (see the service events)".to_string());
        format!("{reason}{}", self.stopped_detail())
    }

    fn stable(&self) -> Verdict {
        Verdict::Stable { service: self.service.clone(), revision: revision_of(&self.expected) }
    }

    fn failed(&self, reason: String) -> Verdict {
        Verdict::Failed { service: self.service.clone(), reason }
    }
}

/// ECS messages are one line in practice; make sure a stray newline cannot break the progress output.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `45s`, `9m58s`, `1h02m05s`.
fn format_duration_ms(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// The verdicts of one `--wait`, folded into an exit decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WaitSummary {
    /// Services that became stable.
    pub stable: Vec<String>,
    /// One line per service that did not, saying why (the verdict's `Display`).
    pub problems: Vec<String>,
}

impl WaitSummary {
    /// All services stable (or none to wait for): exit 0.
    pub fn is_success(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for WaitSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.stable.len() + self.problems.len();
        let services = |n: usize| if n == 1 { "service" } else { "services" };
        if total == 0 {
            return write!(f, "no services to wait for");
        }
        if self.is_success() {
            return write!(f, "{total} {} stable", if total == 1 { "service is" } else { "services are" });
        }
        write!(f, "{} of {total} {} did not become stable:", self.problems.len(), services(total))?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// Folds the verdicts of all followed services: success when all are stable, else the reasons, in the order given.
pub fn summarize(verdicts: &[Verdict]) -> WaitSummary {
    let mut summary = WaitSummary::default();
    for verdict in verdicts {
        if verdict.is_success() {
            summary.stable.push(verdict.service().to_string());
        } else {
            summary.problems.push(verdict.to_string());
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration_ms(45_900), "45s");
        assert_eq!(format_duration_ms(598_000), "9m58s");
        assert_eq!(format_duration_ms(3_725_000), "1h02m05s");
        assert_eq!(format_duration_ms(-5), "0s");
    }

    #[test]
    fn event_messages_are_kept_on_one_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }
}
