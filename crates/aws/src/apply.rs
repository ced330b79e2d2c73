//! Carrying out a plan: dependencies first, independent actions concurrently (bounded), and a failure
//! stops only what depends on it.
//!
//! Replacements delete the old resource first (dependents before what they depend on), then everything is
//! created or updated in dependency order. Every mutating action is logged with its resource, reason and
//! outcome. A pass that fails part-way leaves only tagged resources behind, which the next pass finds and
//! converges.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use reconciler_plan::ownership::Owner;
use reconciler_plan::{
    Action, ActionKind, ActionOutcome, Address, ApplyReport, Observed, OutcomeResult, Plan, Ref, SkipCause,
};

use crate::error::AwsError;
use crate::ready_queue::ReadyQueue;
use crate::{Aws, calls, kinds};

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Actions in flight at once.
    pub concurrency: usize,
    /// How long to wait for AWS to finish an asynchronous change (NAT gateway, Cloud Map operation).
    pub wait_timeout: Duration,
    /// Actions not to attempt in this pass, with why (the daemon's backoff after repeated failures). They and
    /// everything depending on them are reported as skipped.
    pub hold: BTreeMap<Address, SkipCause>,
    /// Set to stop starting new actions (shutdown): actions in flight finish, the rest are skipped.
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { concurrency: 4, wait_timeout: Duration::from_secs(600), hold: BTreeMap::new(), stop: None }
    }
}

/// What an action needs while it runs: clients, and the AWS id of every resource it may refer to.
pub struct Ctx<'a> {
    pub aws: &'a Aws,
    /// Our owner id, for calls that must check ownership themselves (pruning old task definitions).
    pub owner_id: &'a str,
    pub wait_timeout: Duration,
    ids: Mutex<HashMap<Address, String>>,
}

impl Ctx<'_> {
    /// The AWS id behind a reference: known from observation, or from a create earlier in this pass.
    pub fn id_of(&self, reference: &Ref) -> Result<String, AwsError> {
        match reference {
            Ref::Aws(id) => Ok(id.clone()),
            Ref::Node(address) => self.ids.lock().expect("id map lock").get(address).cloned().ok_or_else(|| {
                AwsError::invalid("apply", format!("{address} does not exist (it was not created in this pass)"))
            }),
        }
    }

    pub fn record_id(&self, address: &Address, id: &str) {
        self.ids.lock().expect("id map lock").insert(address.clone(), id.to_string());
    }

    fn forget_id(&self, address: &Address) {
        self.ids.lock().expect("id map lock").remove(address);
    }

    /// A fresh token for a create call that accepts one: the SDK resends the same request (same token) when
    /// it retries, so AWS returns the first result instead of creating a duplicate.
    pub fn idempotency_token(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// Applies `plan`. `observed` is the state the plan was computed from; it supplies the ids of resources
/// that already exist.
pub async fn apply(aws: &Aws, plan: &Plan, observed: &Observed, owner_id: &str, options: &ApplyOptions) -> ApplyReport {
    // The same resource per address as the planner chose (a duplicate's id must never stand for it).
    let ids = reconciler_plan::ownership::claims(&observed.nodes, owner_id)
        .ours
        .into_iter()
        .map(|(address, found)| (address, found.id.clone()))
        .collect();
    let ctx = Ctx { aws, owner_id, wait_timeout: options.wait_timeout, ids: Mutex::new(ids) };
    let mut report = ApplyReport::default();
    let stopping = || options.stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed));

    // Refuse, up front, to touch anything that is not ours. The planner never plans that; this is the
    // last line of defence.
    let refused: HashSet<&Address> = plan
        .actions
        .iter()
        .filter(|a| {
            a.observed.as_ref().is_some_and(|found| match Owner::from_tags(owner_id, &found.tags) {
                Owner::Us(address) => address != a.address,
                // Adopting takes over a resource without any owner, and nothing else.
                Owner::Nobody => a.action != ActionKind::Adopt,
                Owner::OtherInstance(_) => true,
            })
        })
        .map(|a| &a.address)
        .collect();

    // Phase 1: delete what is replaced, dependents first. Never for a replacement that will not run in phase 2
    // (refused, held back, blocked, shutting down): a replacement must not turn into a deletion.
    let mut delete_failed: HashSet<&Address> = HashSet::new();
    for action in plan.actions.iter().rev().filter(|a| a.action == ActionKind::Replace) {
        let will_not_run = refused.contains(&action.address)
            || options.hold.contains_key(&action.address)
            || action.blocked_by.is_some()
            || stopping();
        // A new version is made beside the old one (task definitions): nothing to delete first.
        let deletes_first = !action.desired.spec.replaced_by_new_version();
        let Some(old) = action.observed.as_ref().filter(|_| deletes_first && !will_not_run) else { continue };
        let started = Instant::now();
        tracing::info!(resource = %action.address, id = %old.id, reason = action.reason.code(), "deleting for replacement");
        match kinds::delete(&ctx, old).await {
            Ok(()) => ctx.forget_id(&action.address),
            Err(err) => {
                tracing::warn!(resource = %action.address, error = %err, "delete for replacement failed");
                delete_failed.insert(&action.address);
                let error = format!("could not delete the old one: {err}");
                report.outcomes.push(outcome(action, OutcomeResult::Failed { error }, started));
            }
        }
    }

    // Phase 2: create and update in dependency order, each action as soon as what it depends on is done.
    let mut queue = ReadyQueue::new(&plan.actions, |a| !matches!(a.action, ActionKind::Delete | ActionKind::Release));
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < options.concurrency.max(1) {
            let Some((index, failed_dependency)) = queue.next_ready() else { break };
            let action = &plan.actions[index];
            if let Some(result) = not_run(action, failed_dependency, &refused, &delete_failed, options, stopping()) {
                queue.finished(index, false);
                // A replacement whose old resource could not be deleted was reported in phase 1.
                if let Some(result) = result {
                    report.outcomes.push(outcome(action, result, Instant::now()));
                }
                continue;
            }
            running.push(run(&ctx, action, index));
        }
        let Some((index, result, started)) = running.next().await else { break };
        let action = &plan.actions[index];
        queue.finished(index, result.is_ok());
        let result = match result {
            Ok(id) => {
                ctx.record_id(&action.address, &id);
                OutcomeResult::Succeeded { id }
            }
            Err(err) => OutcomeResult::Failed { error: err.to_string() },
        };
        report.outcomes.push(outcome(action, result, started));
    }
    // Phase 3: delete (or release) what is no longer declared, once the updates that stop referring to it have
    // been made (a security group rule admitting a load balancer's group goes before the group does). In the
    // order the plan lists them, which puts dependents first: what the reviewer read is what runs.
    for action in plan.deletions() {
        let Some(old) = action.observed.as_ref() else { continue };
        let skip_because = refused
            .contains(&action.address)
            .then_some(SkipCause::NotOurs)
            .or_else(|| options.hold.get(&action.address).cloned())
            .or_else(|| stopping().then_some(SkipCause::ShuttingDown));
        if let Some(because) = skip_because {
            report.outcomes.push(outcome(action, OutcomeResult::Skipped { because }, Instant::now()));
            continue;
        }
        let started = Instant::now();
        let result = if action.action == ActionKind::Release {
            kinds::release(&ctx, old).await
        } else {
            kinds::delete(&ctx, old).await
        };
        match result {
            Ok(()) => {
                tracing::info!(resource = %action.address, id = %old.id, reason = action.reason.code(), "deleted or released");
                report.outcomes.push(outcome(action, OutcomeResult::Succeeded { id: old.id.clone() }, started));
            }
            Err(err) => {
                tracing::warn!(resource = %action.address, error = %err, "delete failed");
                report.outcomes.push(outcome(action, OutcomeResult::Failed { error: err.to_string() }, started));
            }
        }
    }
    report
}

/// Why a ready create or update is not run, if it is not: its outcome (`Some(None)`: already reported).
fn not_run(
    action: &Action,
    failed_dependency: Option<&Address>,
    refused: &HashSet<&Address>,
    delete_failed: &HashSet<&Address>,
    options: &ApplyOptions,
    stopping: bool,
) -> Option<Option<OutcomeResult>> {
    if delete_failed.contains(&action.address) {
        return Some(None);
    }
    if refused.contains(&action.address) {
        // A failure, not a skip: this action itself is wrong, not something it waits for.
        let error = "refused: it does not carry our ownership tags".to_string();
        return Some(Some(OutcomeResult::Failed { error }));
    }
    let because = options
        .hold
        .get(&action.address)
        .cloned()
        .or_else(|| stopping.then_some(SkipCause::ShuttingDown))
        .or_else(|| Some(SkipCause::DependencyInConflict { dependency: action.blocked_by.clone()? }))
        .or_else(|| Some(SkipCause::DependencyFailed { dependency: failed_dependency?.clone() }))?;
    Some(Some(OutcomeResult::Skipped { because }))
}

async fn run<'a>(ctx: &'a Ctx<'a>, action: &'a Action, index: usize) -> (usize, Result<String, AwsError>, Instant) {
    let started = Instant::now();
    let result = match (&action.action, &action.id) {
        (ActionKind::Update | ActionKind::Adopt, Some(id)) => {
            let (result, mutating) = calls::count_mutating(kinds::update(ctx, id, action)).await;
            result.and_then(|()| made_its_change(action, mutating)).map(|()| id.clone())
        }
        // Deletions run in phase 1; one that reaches here was held back there and must not become a create.
        (ActionKind::Delete | ActionKind::Release, _) => Err(AwsError::invalid("apply", "the deletion did not run")),
        _ => kinds::create(ctx, &action.desired).await,
    };
    match &result {
        Ok(id) => {
            tracing::info!(resource = %action.address, action = ?action.action, reason = action.reason.code(), %id, "applied")
        }
        Err(err) => {
            tracing::warn!(resource = %action.address, action = ?action.action, reason = action.reason.code(), error = %err, "failed")
        }
    }
    (index, result, started)
}

/// An update that succeeded without a single mutating call changed nothing, although the plan says something
/// differs: reported as applied, it would hide a kind whose update misses a field (and the change would be
/// planned again at every pass). An update that only refreshes references (no field differs) may rightly
/// find nothing to write.
fn made_its_change(action: &Action, mutating_calls: u64) -> Result<(), AwsError> {
    if mutating_calls > 0 || action.changes.is_empty() {
        return Ok(());
    }
    let fields: Vec<String> = action.changes.iter().map(|c| c.field.to_string()).collect();
    Err(AwsError::invalid("apply", format!("planned a change to {} but no call makes it: a bug", fields.join(", "))))
}

fn outcome(action: &Action, result: OutcomeResult, started: Instant) -> ActionOutcome {
    ActionOutcome {
        address: action.address.clone(),
        action: action.action,
        result,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use reconciler_plan::{ChangedField, FieldChange, Kind, Node, Value};

    use super::*;

    fn update(changes: &[ChangedField]) -> Action {
        let address = Address::new(Kind::Cluster, "demo");
        let spec = reconciler_plan::NodeSpec::Cluster(reconciler_plan::ClusterSpec {
            cluster_name: "demo".to_string(),
            container_insights: false,
        });
        Action {
            address: address.clone(),
            action: ActionKind::Update,
            id: Some("arn:cluster/demo".to_string()),
            reason: reconciler_plan::ActionReason::Drift { fields: changes.to_vec(), notes: vec![] },
            changes: changes
                .iter()
                .map(|field| FieldChange {
                    field: field.clone(),
                    before: Value::Absent,
                    after: Value::Text("x".to_string()),
                    forces_replacement: false,
                })
                .collect(),
            depends_on: vec![],
            blocked_by: None,
            desired: Node { address, spec, tags: Default::default(), after: vec![] },
            observed: None,
        }
    }

    #[test]
    fn an_update_that_made_no_call_fails_naming_the_fields() {
        let action = update(&[ChangedField::Tag("team".to_string())]);
        let error = made_its_change(&action, 0).unwrap_err();
        assert_eq!(error.kind, crate::ErrorKind::Invalid);
        assert_eq!(error.message, "planned a change to tags.team but no call makes it: a bug");
    }

    #[test]
    fn an_update_that_made_a_call_succeeds() {
        let action = update(&[ChangedField::Tag("team".to_string())]);
        assert!(made_its_change(&action, 1).is_ok());
    }

    #[test]
    fn a_refresh_of_references_may_find_nothing_to_write() {
        assert!(made_its_change(&update(&[]), 0).is_ok());
    }
}
