//! What happened when a plan was applied: one outcome per action. Plain data, drawn by the render crate.

use serde::Serialize;

use crate::Address;
use crate::plan::ActionKind;

/// The result of applying one plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApplyReport {
    pub outcomes: Vec<ActionOutcome>,
}

impl ApplyReport {
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o.result, OutcomeResult::Failed { .. })).count()
    }

    pub fn skipped(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o.result, OutcomeResult::Skipped { .. })).count()
    }

    pub fn succeeded(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o.result, OutcomeResult::Succeeded { .. })).count()
    }

    pub fn is_success(&self) -> bool {
        self.failed() == 0 && self.skipped() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionOutcome {
    pub address: Address,
    pub action: ActionKind,
    #[serde(flatten)]
    pub result: OutcomeResult,
    /// Wall time spent on this action, in milliseconds (including waits for AWS).
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OutcomeResult {
    /// Done; `id` is the resource's AWS id afterwards.
    Succeeded { id: String },
    /// AWS refused or the wait timed out; `error` is the whole cause chain on one line.
    Failed { error: String },
    /// Not attempted: something it depends on failed or is in conflict, it is backing off, or the daemon is
    /// stopping.
    Skipped { because: SkipCause },
}

/// Why an action was not attempted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SkipCause {
    /// The daemon's backoff: it failed `failures` times in a row and is tried again in `retry_in_seconds`.
    BackingOff { failures: u32, retry_in_seconds: u64 },
    /// The daemon is stopping: actions in flight finish, no new one starts.
    ShuttingDown,
    /// A resource it depends on is in conflict.
    DependencyInConflict { dependency: Address },
    /// A resource it depends on failed or was skipped.
    DependencyFailed { dependency: Address },
    /// The live resource does not carry our ownership tags (apply's last line of defence: never planned).
    NotOurs,
}

impl SkipCause {
    /// The cause's stable name, as JSON carries it.
    pub fn code(&self) -> &'static str {
        match self {
            SkipCause::BackingOff { .. } => "backing_off",
            SkipCause::ShuttingDown => "shutting_down",
            SkipCause::DependencyInConflict { .. } => "dependency_in_conflict",
            SkipCause::DependencyFailed { .. } => "dependency_failed",
            SkipCause::NotOurs => "not_ours",
        }
    }
}

/// What a pass cost and saw beyond its plan and report, for its one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PassFigures {
    /// API calls made, every attempt counted.
    pub calls: u64,
    /// Of which mutating (not Describe/List/Get).
    pub mutating: u64,
    pub elapsed: std::time::Duration,
    /// Desired-state files whose last good version is in force because the current one is invalid.
    pub invalid_files: usize,
    /// Planned only: nothing was applied.
    pub dry_run: bool,
}
