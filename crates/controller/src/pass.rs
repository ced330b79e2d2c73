//! One pass of the loop: observe, plan, and (unless dry run) apply. Used by `--once` and by the daemon.

use std::time::{Duration, Instant};

use reconciler_aws::{ApplyOptions, Aws, AwsError, CallStats};
use reconciler_plan::{
    ActionKind, ApplyReport, ObservationHints, OutcomeResult, Plan, PlanContext, PlanError, Pruning,
};
use reconciler_spec::Desired;

/// How to run a pass.
#[derive(Debug, Clone)]
pub struct PassOptions {
    pub owner_id: String,
    /// What happens to resources of ours that are no longer declared.
    pub pruning: Pruning,
    /// Plan only: no mutating call.
    pub dry_run: bool,
    pub apply: ApplyOptions,
}

/// What a pass found and did.
#[derive(Debug, Clone)]
pub struct PassResult {
    pub plan: Plan,
    /// `None` for a dry run or when there was nothing to do.
    pub report: Option<ApplyReport>,
    /// Every declared resource and where it stands after the pass.
    pub resources: Vec<ResourceStatus>,
    /// The API calls this pass made.
    pub calls: CallStats,
    pub elapsed: Duration,
}

impl PassResult {
    /// The live state matches the files (conflicts and failures say it does not).
    pub fn converged(&self) -> bool {
        self.resources.iter().all(|r| r.state == ResourceState::InSync)
    }
}

/// Where one declared resource stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceStatus {
    pub address: String,
    pub state: ResourceState,
    /// Why it is not in sync (drift, error, conflict); empty when in sync.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceState {
    InSync,
    /// Differs from its file (dry run, or a change was held back).
    Drifted,
    /// The change failed, or was skipped because something it needs failed.
    Error,
    /// Its unique name is held by a resource that is not ours.
    Conflict,
}

impl ResourceState {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceState::InSync => "in_sync",
            ResourceState::Drifted => "drifted",
            ResourceState::Error => "error",
            ResourceState::Conflict => "conflict",
        }
    }
}

/// Why a pass could not even plan.
#[derive(Debug)]
pub enum PassError {
    Observe(AwsError),
    Plan(PlanError),
}

impl std::fmt::Display for PassError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PassError::Observe(err) => write!(f, "reading the live state failed: {err}"),
            PassError::Plan(err) => write!(f, "planning failed: {err}"),
        }
    }
}

impl std::error::Error for PassError {}

/// Runs one pass over `desired`. `on_plan` sees the plan before anything is applied (the CLI prints it then,
/// so that a person sees what is about to happen while it happens).
pub async fn run_pass(
    aws: &Aws,
    desired: &Desired,
    options: &PassOptions,
    on_plan: impl FnOnce(&Plan),
) -> Result<PassResult, PassError> {
    let started = Instant::now();
    let before = aws.calls();
    let hints = ObservationHints::from_desired(desired);
    let observed = reconciler_aws::observe(aws, &options.owner_id, &hints).await.map_err(PassError::Observe)?;
    let context = PlanContext { owner_id: options.owner_id.clone(), pruning: options.pruning.clone() };
    let plan = reconciler_plan::plan(desired, &observed, &context).map_err(PassError::Plan)?;
    on_plan(&plan);
    let report = if options.dry_run || !plan.has_changes() {
        None
    } else {
        Some(reconciler_aws::apply(aws, &plan, &observed, &options.owner_id, &options.apply).await)
    };
    let resources = resource_statuses(plan.declared.iter().map(ToString::to_string), &plan, report.as_ref());
    Ok(PassResult { plan, report, resources, calls: aws.calls().since(&before), elapsed: started.elapsed() })
}

fn resource_statuses(
    declared: impl Iterator<Item = String>,
    plan: &Plan,
    report: Option<&ApplyReport>,
) -> Vec<ResourceStatus> {
    let mut statuses: Vec<ResourceStatus> = declared
        .map(|address| {
            let status = |state, reason: String| ResourceStatus { address: address.clone(), state, reason };
            if let Some(held) = plan.held.iter().find(|h| h.address.to_string() == address) {
                let reason = format!("left as it is this pass: the live state of {} could not be read", held.unread);
                return status(ResourceState::Error, reason);
            }
            if let Some(conflict) = plan.conflicts.iter().find(|c| c.address.to_string() == address) {
                return status(ResourceState::Conflict, format!("{} holds {}", conflict.id, conflict.identity));
            }
            let Some(action) = plan.actions.iter().find(|a| a.address.to_string() == address) else {
                return status(ResourceState::InSync, String::new());
            };
            let outcome = report.and_then(|r| r.outcomes.iter().find(|o| o.address == action.address));
            let verb = match action.action {
                ActionKind::Create => "create",
                ActionKind::Update => "update",
                ActionKind::Replace => "replace",
                ActionKind::Delete => "delete",
                ActionKind::Adopt => "adopt",
                ActionKind::Release => "release",
            };
            match outcome.map(|o| &o.result) {
                Some(OutcomeResult::Succeeded { .. }) => status(ResourceState::InSync, String::new()),
                Some(OutcomeResult::Failed { error }) => {
                    status(ResourceState::Error, format!("{verb} failed: {error}"))
                }
                Some(OutcomeResult::Skipped { because }) => {
                    status(ResourceState::Error, format!("{verb} skipped: {because}"))
                }
                None => status(ResourceState::Drifted, format!("{verb}: {}", action.reason)),
            }
        })
        .collect();
    statuses.sort_by(|a, b| a.address.cmp(&b.address));
    statuses
}
