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
    /// Not attempted because something it depends on failed or is in conflict.
    Skipped { because: String },
}
