//! Pruning: resources of ours that no valid declaration asks for any more are deleted, dependents first, unless
//! pruning is off, held back, or the pass would delete too much of what we own (the mass-deletion guards).

use std::collections::BTreeMap;

use crate::Address;
use crate::dependency_order::dependency_order;
use crate::node::{Node, ObservedNode};
use crate::ownership::{DELETION_POLICY_KEY, OUR_KEYS, RETAIN};
use crate::plan::{Action, ActionKind, ChangedField, FieldChange, NotDeclared};
use crate::reason::{ActionReason, HoldBack, PruneGuard, Removal, StayReason};
use crate::value::Value;

/// How undeclared resources of ours are treated.
#[derive(Debug, Clone, PartialEq)]
pub struct Pruning {
    /// Delete what is no longer declared (`--prune`, default on). Off: it is reported as an orphan.
    pub enabled: bool,
    /// The largest share (0..=1) of the resources we own that one pass may delete (default 0.5).
    pub max_share: f64,
    /// Lift the share guard and the empty-directory guard for this pass (`--allow-mass-delete`).
    pub allow_mass_delete: bool,
    /// Why nothing may be pruned in this pass whatever the guards say (a desired-state file is invalid and
    /// what it declares is unknown).
    pub held_back: Option<HoldBack>,
}

impl Default for Pruning {
    fn default() -> Self {
        Pruning { enabled: true, max_share: 0.5, allow_mass_delete: false, held_back: None }
    }
}

/// The deletion of one live resource of ours, with every field going; or, when it was declared with
/// `deletion_policy = "retain"`, its release: it stays, and only our tags go.
pub(crate) fn deletion(address: &Address, found: &ObservedNode, cause: Removal, declared_retain: bool) -> Action {
    let retained = declared_retain || found.tags.get(DELETION_POLICY_KEY).map(String::as_str) == Some(RETAIN);
    if !retained {
        return removal(address, found, ActionReason::Removal { cause, retained });
    }
    let tags = found.tags.iter().filter(|(key, _)| OUR_KEYS.contains(&key.as_str()));
    Action {
        action: ActionKind::Release,
        changes: tags.map(|(key, value)| gone(ChangedField::Tag(key.clone()), Value::Text(value.clone()))).collect(),
        ..removal(address, found, ActionReason::Removal { cause, retained })
    }
}

/// The deletion of a second resource carrying the address of one of ours. Always a deletion, whatever the
/// deletion policy: the policy keeps the resource a declaration made, not a copy of it.
pub(crate) fn duplicate(address: &Address, found: &ObservedNode, kept: &ObservedNode) -> Action {
    removal(address, found, ActionReason::Duplicate { kept_id: kept.id.clone() })
}

fn removal(address: &Address, found: &ObservedNode, reason: ActionReason) -> Action {
    let fields = found.spec.fields().into_iter().filter(|f| f.value != Value::Absent);
    Action {
        address: address.clone(),
        action: ActionKind::Delete,
        id: Some(found.id.clone()),
        reason,
        changes: fields.map(|f| gone(ChangedField::Field(f.name), f.value)).collect(),
        depends_on: vec![],
        blocked_by: None,
        desired: Node { address: address.clone(), spec: found.spec.clone(), tags: found.tags.clone(), after: vec![] },
        observed: Some(found.clone()),
    }
}

fn gone(field: ChangedField, before: Value) -> FieldChange {
    FieldChange { field, before, after: Value::Absent, forces_replacement: false }
}

/// `resources` in the order they can be deleted: what refers to something before what it refers to (the
/// reverse of the order they could be created in), so that nothing is deleted while something of ours still
/// refers to it. Deletions are listed, and carried out, in this order.
pub(crate) fn deletion_order<'a>(
    resources: Vec<(&'a Address, &'a ObservedNode)>,
) -> Vec<(&'a Address, &'a ObservedNode)> {
    let found: BTreeMap<&Address, &ObservedNode> = resources.into_iter().collect();
    let waiting_on = found
        .iter()
        .map(|(address, node)| {
            let refers_to = node.spec.references().into_iter().filter_map(|r| r.node()).filter(|d| d != address);
            (*address, refers_to.collect())
        })
        .collect();
    let (mut addresses, cycle) = dependency_order(waiting_on);
    // A cycle cannot come from our own creations; should one be found live, the rest go in address order.
    addresses.extend(cycle);
    let mut ordered: Vec<(&Address, &ObservedNode)> = addresses.into_iter().rev().map(|a| (a, found[a])).collect();
    // Scaling registrations have no references, but go first: nothing should keep scaling a service being
    // deleted. Policies and scheduled actions before the target they are attached to. (A stable sort: within
    // a tier, dependents stay first.)
    ordered.sort_by_key(|(address, _)| std::cmp::Reverse(address.kind.deletion_tier()));
    ordered
}

/// The guard that stops this pass's deletions, if one applies: more than the allowed share of what we own, or
/// no declaration at all while we own resources (an empty or unreadable checkout looks exactly like "delete
/// everything").
pub(crate) fn guard(pruning: &Pruning, deletions: usize, owned: usize, declarations: usize) -> Option<PruneGuard> {
    if deletions == 0 {
        return None;
    }
    if let Some(cause) = pruning.held_back {
        return Some(PruneGuard::HeldBack { cause });
    }
    if pruning.allow_mass_delete {
        return None;
    }
    if declarations == 0 {
        return Some(PruneGuard::NothingDeclared { owned });
    }
    #[allow(clippy::cast_precision_loss)] // Resource counts are far below 2^52.
    let share = deletions as f64 / owned.max(1) as f64;
    if share > pruning.max_share {
        return Some(PruneGuard::TooLarge { deletions, owned, max_share: pruning.max_share });
    }
    None
}

/// The orphan report for a resource not deleted, with why.
pub(crate) fn orphan(address: &Address, found: &ObservedNode, why: StayReason) -> NotDeclared {
    NotDeclared { address: address.clone(), id: found.id.clone(), reason: why }
}
