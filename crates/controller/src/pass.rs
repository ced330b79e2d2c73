//! One pass of the loop: observe, plan, and (unless dry run) apply. Used by `--once` and by the daemon.

use std::time::{Duration, Instant};

use reconciler_aws::{ApplyOptions, Aws, AwsError, CallStats};
use reconciler_plan::{
    ApplyReport, ObservationHints, Observed, PassFigures, Plan, PlanContext, PlanError, Pruning, ResourceState,
    ResourceStatus, resource_statuses,
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

    /// The pass's one line (the render crate's words), with `invalid_files` whose last good version is in force.
    pub fn line(&self, invalid_files: usize, dry_run: bool) -> String {
        let figures = PassFigures {
            calls: self.calls.total(),
            mutating: self.calls.mutating(),
            elapsed: self.elapsed,
            invalid_files,
            dry_run,
        };
        reconciler_render::pass_line(&self.plan, self.report.as_ref(), &figures)
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

/// What the caller of [`run_pass`] decides once it has seen the plan and the state it was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proceed {
    /// Apply the plan (unless it is a dry run).
    Apply,
    /// Stop before any change: the plan was saved, or a saved plan no longer matches.
    Stop,
}

/// Runs one pass over `desired`. `on_plan` sees the plan before anything is applied (the CLI prints it then,
/// so that a person sees what is about to happen while it happens),
/// with the live state it was made from, and says whether to go on.
pub async fn run_pass(
    aws: &Aws,
    desired: &Desired,
    options: &PassOptions,
    on_plan: impl FnOnce(&Plan, &Observed) -> Proceed,
) -> Result<PassResult, PassError> {
    let started = Instant::now();
    let before = aws.calls();
    let hints = ObservationHints::from_desired(desired);
    let observed = reconciler_aws::observe(aws, &options.owner_id, &hints).await.map_err(PassError::Observe)?;
    let context = PlanContext { owner_id: options.owner_id.clone(), pruning: options.pruning.clone() };
    let plan = reconciler_plan::plan(desired, &observed, &context).map_err(PassError::Plan)?;
    let proceed = on_plan(&plan, &observed);
    let report = if options.dry_run || proceed == Proceed::Stop || !plan.has_changes() {
        None
    } else {
        Some(reconciler_aws::apply(aws, &plan, &observed, &options.owner_id, &options.apply).await)
    };
    let resources = resource_statuses(&plan, report.as_ref());
    Ok(PassResult { plan, report, resources, calls: aws.calls().since(&before), elapsed: started.elapsed() })
}
