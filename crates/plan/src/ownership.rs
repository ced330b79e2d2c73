//! The tags that mark a resource as ours.
//!
//! Every resource the reconciler creates carries all three. Only resources whose `managed-by` and `owner`
//! tags match are ever modified; a resource found by its unique name without them is a conflict.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use crate::Address;
use crate::node::{ObservedNode, Ref};

/// Always `reconciler`: says which tool manages the resource.
pub const MANAGED_BY_KEY: &str = "reconciler:managed-by";
pub const MANAGED_BY_VALUE: &str = "reconciler";
/// The owner id of the reconciler instance (`--owner-id`), so that two instances in one account never touch
/// each other's resources.
pub const OWNER_KEY: &str = "reconciler:owner";
/// The resource's address (`subnet.main/public-1`): its identity across passes.
pub const RESOURCE_KEY: &str = "reconciler:resource";
/// On an ECS service of ours: the names (comma-separated) of the Application Auto Scaling policies, and of
/// the scheduled actions, we registered on its scalable target. Application Auto Scaling policies carry no
/// tags (and the emulator cannot read back a scalable target's), so this is how a later pass tells ours from
/// policies someone added by hand: only the named ones are ever changed or deregistered.
pub const SCALING_POLICIES_KEY: &str = "reconciler:scaling-policies";
pub const SCHEDULED_ACTIONS_KEY: &str = "reconciler:scheduled-actions";
/// `retain` on resources whose declaration says `deletion_policy = "retain"`: when the declaration goes, they
/// are released (our tags removed) instead of deleted. Recorded on the resource because by then the
/// declaration that said so is gone.
pub const DELETION_POLICY_KEY: &str = "reconciler:deletion-policy";
pub const RETAIN: &str = "retain";
/// On an ECS service of ours: the task definition revision (`family:N`) that ECS's circuit breaker rolled
/// back, and ECS's reason, so that the hold on it outlives ECS forgetting the failed deployment (see
/// [`crate::rollback`]).
pub const HELD_REVISION_KEY: &str = "reconciler:held-revision";
pub const HELD_REASON_KEY: &str = "reconciler:held-reason";

/// Every tag of ours a resource may carry: what releasing it removes.
pub const OUR_KEYS: [&str; 8] = [
    MANAGED_BY_KEY,
    OWNER_KEY,
    RESOURCE_KEY,
    DELETION_POLICY_KEY,
    SCALING_POLICIES_KEY,
    SCHEDULED_ACTIONS_KEY,
    HELD_REVISION_KEY,
    HELD_REASON_KEY,
];

/// Prefix reserved for our tags; users cannot declare tags under it.
pub const RESERVED_PREFIX: &str = "reconciler:";

/// The ownership tags for one resource.
pub fn ownership_tags(owner_id: &str, address: &Address) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_KEY.to_string(), MANAGED_BY_VALUE.to_string()),
        (OWNER_KEY.to_string(), owner_id.to_string()),
        (RESOURCE_KEY.to_string(), address.to_string()),
    ])
}

/// Who a resource belongs to, judged from its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Ours: managed by reconciler with our owner id, at this address.
    Us(Address),
    /// Managed by another reconciler instance (different owner id). Never touched.
    OtherInstance(String),
    /// No reconciler tags (created by hand, CDK, ...). Never touched.
    Nobody,
}

impl Owner {
    pub fn from_tags(owner_id: &str, tags: &BTreeMap<String, String>) -> Owner {
        if tags.get(MANAGED_BY_KEY).map(String::as_str) != Some(MANAGED_BY_VALUE) {
            return Owner::Nobody;
        }
        match tags.get(OWNER_KEY) {
            Some(owner) if owner == owner_id => {}
            Some(other) => return Owner::OtherInstance(other.clone()),
            None => return Owner::OtherInstance(String::new()),
        }
        match tags.get(RESOURCE_KEY).and_then(|a| a.parse().ok()) {
            Some(address) => Owner::Us(address),
            // Our owner id but no readable address: not something we can match to a declaration, so it is
            // treated as foreign rather than guessed at.
            None => Owner::OtherInstance(owner_id.to_string()),
        }
    }
}

/// Our live resources, one per address, as the planner and apply both see them.
#[derive(Debug, Default)]
pub struct Claims<'a> {
    /// The resource that holds each address of ours.
    pub ours: BTreeMap<Address, &'a ObservedNode>,
    /// Further resources tagged with an address already held: a create whose answer was lost and that was
    /// sent again, or a resource copied by hand. Each is deleted as a duplicate.
    pub duplicates: Vec<(Address, &'a ObservedNode)>,
    /// Everything else observed: not ours (clashing names, other owners).
    pub foreign: Vec<&'a ObservedNode>,
}

/// Sorts observed resources into ours, duplicates and foreign. Of several resources tagged with one address,
/// the one kept is the one in use (another observed resource refers to its id), else the one with the
/// lowest id: one rule, written once, so that the planner and apply never pick different ones. (The kinds
/// that can be duplicated, those whose create call has no idempotency token, are VPCs, internet gateways,
/// Elastic IPs and the like, for which AWS reports no creation time: "oldest" cannot be known for them.)
pub fn claims<'a>(nodes: &'a [ObservedNode], owner_id: &str) -> Claims<'a> {
    let in_use: BTreeSet<&str> = nodes
        .iter()
        .flat_map(|n| n.spec.references())
        .filter_map(|r| match r {
            Ref::Aws(id) => Some(id.as_str()),
            Ref::Node(_) => None,
        })
        .collect();
    let mut candidates: Vec<&ObservedNode> = nodes.iter().collect();
    candidates.sort_by_key(|n| (!in_use.contains(n.id.as_str()), n.id.as_str()));
    let mut claims = Claims::default();
    for node in candidates {
        match Owner::from_tags(owner_id, &node.tags) {
            Owner::Us(address) if address.kind == node.kind() => match claims.ours.entry(address) {
                Entry::Occupied(held) => claims.duplicates.push((held.key().clone(), node)),
                Entry::Vacant(free) => {
                    free.insert(node);
                }
            },
            _ => claims.foreign.push(node),
        }
    }
    claims
}
