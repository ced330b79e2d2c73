//! Where each declared resource stands after a pass: in sync, drifted, in error or in conflict, and why. Pure:
//! from the plan and the apply report. The words for each `why` are the render crate's.

use std::collections::HashMap;

use crate::Address;
use crate::plan::{ActionKind, HeldBy, Plan};
use crate::reason::ActionReason;
use crate::report::{ApplyReport, OutcomeResult, SkipCause};

/// Where one declared resource stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceStatus {
    pub address: Address,
    pub state: ResourceState,
    /// Why it is not in sync; `None` when in sync.
    pub why: Option<StatusWhy>,
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

/// Why a declared resource is not in sync.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusWhy {
    /// Left alone: the live state of a kind it is or refers to could not be read, or something it needs is
    /// missing.
    Held {
        by: HeldBy,
    },
    /// `holder_id` holds its unique `identity`.
    Conflict {
        holder_id: String,
        identity: String,
    },
    Failed {
        action: ActionKind,
        error: String,
    },
    Skipped {
        action: ActionKind,
        because: SkipCause,
    },
    /// Planned and not applied (a dry run).
    Pending {
        action: ActionKind,
        reason: ActionReason,
    },
}

/// Every declared resource of `plan` and where it stands after `report`, sorted by address as written.
/// Linear in the plan's size: each list is indexed by address once (a pass over thousands of resources
/// must not compare every address with every action).
pub fn resource_statuses(plan: &Plan, report: Option<&ApplyReport>) -> Vec<ResourceStatus> {
    let held = first_by_address(plan.held.iter().map(|h| (&h.address, &h.by)));
    let conflicts = first_by_address(plan.conflicts.iter().map(|c| (&c.address, c)));
    // A duplicate's deletion carries the address of the declared resource: the declared one's action comes
    // first, and is the one that says where the resource stands.
    let actions = first_by_address(plan.actions.iter().map(|a| (&a.address, a)));
    let outcomes = first_by_address(report.into_iter().flat_map(|r| &r.outcomes).map(|o| (&o.address, &o.result)));
    let status_of = |address: &Address| -> (ResourceState, Option<StatusWhy>) {
        if let Some(unread) = held.get(address) {
            return (ResourceState::Error, Some(StatusWhy::Held { by: (*unread).clone() }));
        }
        if let Some(conflict) = conflicts.get(address) {
            let why = StatusWhy::Conflict { holder_id: conflict.id.clone(), identity: conflict.identity.clone() };
            return (ResourceState::Conflict, Some(why));
        }
        let Some(action) = actions.get(address) else { return (ResourceState::InSync, None) };
        let kind = action.action;
        match outcomes.get(address) {
            Some(OutcomeResult::Succeeded { .. }) => (ResourceState::InSync, None),
            Some(OutcomeResult::Failed { error }) => {
                (ResourceState::Error, Some(StatusWhy::Failed { action: kind, error: error.clone() }))
            }
            Some(OutcomeResult::Skipped { because }) => {
                (ResourceState::Error, Some(StatusWhy::Skipped { action: kind, because: because.clone() }))
            }
            None => (ResourceState::Drifted, Some(StatusWhy::Pending { action: kind, reason: action.reason.clone() })),
        }
    };
    let mut statuses: Vec<(String, ResourceStatus)> = plan
        .declared
        .iter()
        .map(|address| {
            let (state, why) = status_of(address);
            (address.to_string(), ResourceStatus { address: address.clone(), state, why })
        })
        .collect();
    statuses.sort_by(|a, b| a.0.cmp(&b.0));
    statuses.into_iter().map(|(_, status)| status).collect()
}

/// The first value for each address.
fn first_by_address<'a, T>(entries: impl Iterator<Item = (&'a Address, T)>) -> HashMap<&'a Address, T> {
    let mut map = HashMap::new();
    for (address, value) in entries {
        map.entry(address).or_insert(value);
    }
    map
}
