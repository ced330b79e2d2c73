//! The planner: (desired, observed) -> plan. Pure: no I/O, no clock, no SDK types.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use reconciler_spec::Desired;

use crate::autoscaling;
use crate::dependency_order::dependency_order;
use crate::expand::{expand, expand_with_secrets};
use crate::node::{Node, Observed, ObservedNode, Ref};
use crate::ownership::Owner;
use crate::ownership::{DELETION_POLICY_KEY, RETAIN};
use crate::plan::{Action, ActionKind, ChangedField, Conflict, FieldChange, Held, HeldBy, Plan, Unread};
use crate::prune::{self, Pruning};
use crate::reason::{ActionReason, ConflictReason, DriftNote, PruneGuard, Removal, StayReason};
use crate::rollback::{Live, rollback_holds};
use crate::secrets;
use crate::value::Value;
use crate::{Address, Kind, PlanError};
use crate::{NodeSpec, SecurityGroupSpec, SgPeer, SgRule, SubnetSpec};

/// Settings that shape a plan.
#[derive(Debug, Clone)]
pub struct PlanContext {
    /// This instance's owner id: only resources tagged with it are ours.
    pub owner_id: String,
    pub pruning: Pruning,
}

impl PlanContext {
    /// Pruning on, with the default guards.
    pub fn new(owner_id: impl Into<String>) -> Self {
        PlanContext { owner_id: owner_id.into(), pruning: Pruning::default() }
    }
}

/// Computes the plan that brings `observed` to `desired`, in four phases: what is ours and no longer declared
/// (and which guards hold its deletion), a decision per declared resource, the deletions, and the notes that
/// one decision adds to another.
pub fn plan(desired: &Desired, observed: &Observed, context: &PlanContext) -> Result<Plan, PlanError> {
    let (zones, owner_id) = (&observed.availability_zones, &context.owner_id);
    let nodes = order(expand_with_secrets(desired, zones, owner_id, &observed.secrets, &observed.certificates)?)?;
    let live = LiveState::sort(observed, &context.owner_id);
    let declared: BTreeSet<&Address> = nodes.iter().map(|n| &n.address).collect();
    let undeclared = Undeclared::sort(&live, &declared, context, desired.len(), !observed.unread.is_empty());

    let mut plan = Plan {
        declared: nodes.iter().map(|n| n.address.clone()).collect(),
        declared_at: declaration_locations(desired, nodes.iter().map(|n| &n.address)),
        owner_id: context.owner_id.clone(),
        unread: unread(observed),
        ..Plan::default()
    };
    // A task definition revision that is not what the file says is not taken over (it stays as it is, not
    // ours): a revision of ours is registered beside it, and the adopted service moves to it.
    let keeps =
        |node: &Node, found: &ObservedNode| !(node.spec.replaced_by_new_version() && needs_replacing(node, found));
    let adoptions = crate::adoption::adoptions(&nodes, &|address| adopts(desired, address), &live.unowned, &keeps);
    let mut decisions = Decisions {
        desired,
        adoptions,
        owner_id: &context.owner_id,
        live: &live,
        declared: &declared,
        staying: undeclared.staying(),
        desired_subnets: subnet_vpcs(nodes.iter().map(|n| (&n.address, &n.spec))),
        live_subnets: subnet_vpcs(live.ours.iter().map(|(a, n)| (a, &n.spec))),
        replaced: BTreeSet::new(),
        conflicted: BTreeSet::new(),
        in_plan: BTreeSet::new(),
    };
    let mut missing = secrets::missing(desired, &observed.secrets);
    missing.extend(crate::certificates::missing(desired, &observed.certificates));
    let rollbacks = rollback_holds(&nodes, &Live { ours: &live.ours, addresses: &live.addresses });
    let held = held_back(&nodes, &observed.unread, &missing, &rollbacks.held);
    for node in &nodes {
        match held.get(&node.address) {
            Some(by) => plan.held.push(Held { address: node.address.clone(), by: by.clone() }),
            None => decisions.decide(node, &mut plan),
        }
    }
    // Writes no field: the services stay held (and listed so), their tags only record why.
    plan.actions.extend(rollbacks.records);
    plan.revision_moves = crate::revision::moves(&plan.actions, observed);
    // Deletions are listed in the order they run: a copy goes before what it copies.
    plan_duplicates(&mut plan, &live, !observed.unread.is_empty());
    undeclared.into_plan(&mut plan, observed);
    autoscaling::note_autoscaling_removed(&mut plan);
    Ok(plan)
}

/// What is ours and no longer declared, sorted by what happens to it this pass.
struct Undeclared<'a> {
    /// Scalable targets kept because someone else's policies are on them.
    kept: Vec<(&'a Address, &'a ObservedNode)>,
    /// Kept because pruning is off.
    orphans: Vec<(&'a Address, &'a ObservedNode)>,
    /// To delete, unless a guard or an unread kind holds the deletions back.
    to_delete: Vec<(&'a Address, &'a ObservedNode)>,
    guard: Option<PruneGuard>,
    /// While a kind could not be read, nothing is deleted: what refers to the resource (or what it refers
    /// to) may be among the unread.
    unread_holds_deletions: bool,
}

impl<'a> Undeclared<'a> {
    fn sort(
        live: &'a LiveState,
        declared: &BTreeSet<&Address>,
        context: &PlanContext,
        declarations: usize,
        unread_holds_deletions: bool,
    ) -> Self {
        // A service's scaling configuration always goes with its declaration (the autoscaler must not keep
        // scaling a service against the file's wishes); the rest goes when pruning is on and no guard holds it.
        let undeclared = live.ours.iter().filter(|(address, _)| !declared.contains(address));
        // Deregistering a scalable target deletes every policy and scheduled action on it, ours or not: a
        // target that carries someone else's is kept (and reported) rather than take theirs with it.
        let (kept, undeclared): (Vec<_>, Vec<_>) = undeclared.partition(|(_, found)| {
            autoscaling::carries_foreign_scaling(&found.spec, live.foreign_identities.values())
        });
        let pruning = &context.pruning;
        let (to_delete, orphans): (Vec<_>, Vec<_>) = undeclared
            .into_iter()
            .partition(|(address, _)| address.kind.removed_with_its_declaration() || pruning.enabled);
        let guard = prune::guard(pruning, to_delete.len(), live.ours.len(), declarations);
        Undeclared { kept, orphans, to_delete, guard, unread_holds_deletions }
    }

    /// What no declaration asks for but stays in this pass (kept, pruning off, or held back by a guard): what
    /// declared resources say about it stays too (a security group rule naming a kept group is not revoked).
    fn staying(&self) -> BTreeSet<&'a Address> {
        let held_back = self.guard.is_some() || self.unread_holds_deletions;
        let deletions_staying = if held_back { self.to_delete.as_slice() } else { &[] };
        self.kept.iter().chain(&self.orphans).chain(deletions_staying).map(|(address, _)| *address).collect()
    }

    /// Reports what stays, and plans the deletions of the rest, in the order they run (dependents first).
    fn into_plan(self, plan: &mut Plan, observed: &Observed) {
        let stays = |plan: &mut Plan, resources: Vec<(&Address, &ObservedNode)>, why: StayReason| {
            for (address, found) in resources {
                plan.not_declared.push(prune::orphan(address, found, why.clone()));
            }
        };
        stays(plan, self.kept, StayReason::ForeignScalingAttached);
        stays(plan, self.orphans, StayReason::PruningOff);
        plan.prune_guard = self.guard;
        if self.unread_holds_deletions {
            stays(plan, self.to_delete, StayReason::Unread { kinds: observed.unread.keys().copied().collect() });
        } else if self.guard.is_some() {
            stays(plan, self.to_delete, StayReason::Guarded);
        } else {
            for (address, found) in prune::deletion_order(self.to_delete) {
                let cause =
                    if address.kind.removed_with_its_declaration() { Removal::Deregistered } else { Removal::Pruned };
                plan.actions.push(prune::deletion(address, found, cause, false));
            }
        }
    }
}

/// The decision for each declared resource, with what earlier decisions settled: dependencies come first, so
/// a resource sees whether what it refers to is replaced, in conflict, or in the plan.
struct Decisions<'a> {
    desired: &'a Desired,
    /// The unowned resource each node of an `adopt = true` declaration takes over (`crate::adoption`).
    adoptions: BTreeMap<Address, ObservedNode>,
    owner_id: &'a str,
    live: &'a LiveState,
    declared: &'a BTreeSet<&'a Address>,
    staying: BTreeSet<&'a Address>,
    desired_subnets: BTreeMap<&'a Address, &'a Ref>,
    live_subnets: BTreeMap<&'a Address, &'a Ref>,
    replaced: BTreeSet<Address>,
    conflicted: BTreeSet<Address>,
    in_plan: BTreeSet<Address>,
}

impl Decisions<'_> {
    fn decide(&mut self, node: &Node, plan: &mut Plan) {
        let deps = node.dependencies();
        let depends_on: Vec<Address> = deps.iter().filter(|d| self.in_plan.contains(*d)).cloned().collect();
        let blocked_by = deps.iter().find(|d| self.conflicted.contains(*d)).cloned();
        let decision = match self.live.ours.get(&node.address) {
            None => self.absent(node, plan, depends_on, blocked_by),
            Some(found) => self.present(node, found, depends_on, blocked_by),
        };
        match decision {
            None => {}
            Some(Ok(action)) => {
                if action.action == ActionKind::Replace {
                    self.replaced.insert(node.address.clone());
                }
                self.in_plan.insert(node.address.clone());
                plan.actions.push(action);
            }
            Some(Err(conflict)) => {
                self.conflicted.insert(node.address.clone());
                plan.conflicts.push(conflict);
            }
        }
    }

    /// No resource of ours has the address: create it, adopt the unowned one holding its name, or report the
    /// holder as a conflict.
    fn absent(
        &self,
        node: &Node,
        plan: &Plan,
        depends_on: Vec<Address>,
        blocked_by: Option<Address>,
    ) -> Option<Result<Action, Conflict>> {
        let scales_a_new_service = autoscaling::scales_a_new_service(node, plan);
        if let Some(holder) = self.adoptions.get(&node.address).filter(|_| !scales_a_new_service) {
            return Some(adoption(node, holder, depends_on, blocked_by));
        }
        let holder = name_holder(node, self.live, self.declared).filter(|_| !scales_a_new_service);
        if let Some((identity, holder, reason)) = holder {
            let unowned = Owner::from_tags(self.owner_id, &holder.tags) == Owner::Nobody;
            if unowned && adopts(self.desired, &node.address) {
                return Some(adoption(node, holder, depends_on, blocked_by));
            }
            let conflict = Conflict { address: node.address.clone(), id: holder.id.clone(), identity, reason };
            return Some(Err(conflict));
        }
        Some(Ok(Action {
            address: node.address.clone(),
            action: ActionKind::Create,
            id: None,
            reason: ActionReason::NotFound,
            changes: creation_changes(node),
            depends_on,
            blocked_by,
            desired: node.clone(),
            observed: None,
        }))
    }

    /// A resource of ours has the address: replace it, update it, or leave it.
    fn present(
        &self,
        node: &Node,
        found: &ObservedNode,
        depends_on: Vec<Address>,
        blocked_by: Option<Address>,
    ) -> Option<Result<Action, Conflict>> {
        // Fields the file leaves to AWS (or to the autoscaler) are settled against the live value first; the
        // settled node is also what an update writes.
        let (mut settled, live) = settle(node, found);
        keep_rules_naming(&mut settled.spec, &live.spec, &self.staying);
        let node = &settled;
        let mut changes = diff(node, &live);
        // The VPC a load balancer sits in is fixed at creation, though its subnets are not: moving it to
        // subnets of another VPC means a new one.
        let desired_vpc = placement_vpc(&node.spec, &self.desired_subnets);
        if let (Some(want), Some(have)) = (&desired_vpc, placement_vpc(&found.spec, &self.live_subnets))
            && *want != have
        {
            let change = FieldChange {
                field: ChangedField::Field(crate::kinds::PLACEMENT_VPC),
                before: Value::Text(have.to_string()),
                after: Value::Text(want.to_string()),
                forces_replacement: true,
            };
            changes.insert(0, change);
        }
        let (action, reason) = self.verdict(node, &changes, desired_vpc.as_ref())?;
        let changes =
            if action == ActionKind::Replace && changes.is_empty() { creation_changes(node) } else { changes };
        Some(Ok(Action {
            address: node.address.clone(),
            action,
            id: Some(found.id.clone()),
            reason,
            changes,
            depends_on,
            blocked_by,
            desired: node.clone(),
            observed: Some(found.clone()),
        }))
    }

    /// Replace, update or nothing, and why, for a live resource of ours with these `changes`.
    fn verdict(
        &self,
        node: &Node,
        changes: &[FieldChange],
        desired_vpc: Option<&Ref>,
    ) -> Option<(ActionKind, ActionReason)> {
        let forced: Vec<ChangedField> =
            changes.iter().filter(|c| c.forces_replacement).map(|c| c.field.clone()).collect();
        // A resource that refers, in a field AWS cannot change, to a resource being replaced must be
        // replaced too: its reference would otherwise point at something deleted. The references come from
        // the spec, not from parsing field text: a value that merely reads like an address (a namespace's
        // `dns_name = "cluster.local"` next to a `[cluster.local]`) is no reference, and a namespace's VPC is
        // one although it is not a compared field (a namespace must go with its VPC, not stay bound to it).
        let forced_by_dependency = node
            .spec
            .fixed_references()
            .into_iter()
            .chain(desired_vpc)
            .filter_map(Ref::node)
            .find(|a| self.replaced.contains(*a));
        // Only a reference points at the replaced resource's old id and needs updating; an ordering-only
        // dependency (`Node::after`: a NAT gateway waits for the internet gateway) needs nothing.
        let refers_to_replaced =
            node.spec.references().into_iter().filter_map(Ref::node).find(|a| self.replaced.contains(*a));
        let replaced = |dependency: &Address| ActionReason::DependencyReplaced { dependency: dependency.clone() };
        Some(if !forced.is_empty() && node.spec.replaced_by_new_version() {
            (ActionKind::Replace, ActionReason::NewRevision { fields: forced })
        } else if !forced.is_empty() {
            (ActionKind::Replace, ActionReason::FixedFieldsDiffer { fields: forced })
        } else if let Some(dependency) = forced_by_dependency {
            (ActionKind::Replace, replaced(dependency))
        } else if !changes.is_empty() {
            let fields = changes.iter().map(|c| c.field.clone()).collect();
            let mut notes = autoscaling::drift_notes(node, changes);
            notes.extend(refers_to_replaced.map(|d| DriftNote::RefersToReplaced { dependency: d.clone() }));
            let rotated = secrets::rotated(changes);
            if !rotated.is_empty() {
                notes.push(DriftNote::SecretRotated { variables: rotated });
            }
            (ActionKind::Update, ActionReason::Drift { fields, notes })
        } else {
            (ActionKind::Update, replaced(refers_to_replaced?))
        })
    }
}

/// Duplicates are deleted whatever the pruning settings (they are never what a declaration asked for), but
/// not while a kind is unread: what uses them may be among the unread.
fn plan_duplicates(plan: &mut Plan, live: &LiveState, unread_holds_deletions: bool) {
    for (address, found) in &live.duplicates {
        if unread_holds_deletions {
            plan.not_declared.push(prune::orphan(address, found, StayReason::DuplicateWhileUnread));
        } else {
            plan.actions.push(prune::duplicate(address, found, &live.ours[address]));
        }
    }
}

/// The file and line of the declaration each of `addresses` comes from, for those a declaration asks for.
fn declaration_locations<'a>(
    desired: &Desired,
    addresses: impl Iterator<Item = &'a Address>,
) -> BTreeMap<Address, reconciler_spec::Location> {
    addresses
        .filter_map(|address| {
            let (kind, name) = crate::expand::declaration_of(address);
            Some((address.clone(), desired.location(kind, name)?.clone()))
        })
        .collect()
}

/// The kinds observation could not read, for the plan.
fn unread(observed: &Observed) -> Vec<Unread> {
    observed.unread.iter().map(|(kind, error)| Unread { kind: *kind, error: error.clone() }).collect()
}

/// The declared resources to leave alone because their kind could not be read, because something they need
/// outside our files is `missing`, because ECS rolled back what they ask for (`rolled_back`), or because they
/// refer to one that is left alone; each with what holds it. `nodes` are in dependency order.
fn held_back(
    nodes: &[Node],
    unread: &BTreeMap<Kind, String>,
    missing: &BTreeMap<Address, String>,
    rolled_back: &BTreeMap<Address, HeldBy>,
) -> BTreeMap<Address, HeldBy> {
    let mut held: BTreeMap<Address, HeldBy> = BTreeMap::new();
    for node in nodes {
        let cause = if unread.contains_key(&node.address.kind) {
            Some(HeldBy::Unread(node.address.kind))
        } else if let Some(what) = missing.get(&node.address) {
            Some(HeldBy::Missing(what.clone()))
        } else if let Some(by) = rolled_back.get(&node.address) {
            Some(by.clone())
        } else {
            // A rollback holds the service and its task definition only: what refers to the service (its
            // scaling) is about the service as it runs, which is fine.
            let passed_on = |by: &&HeldBy| !matches!(by, HeldBy::FailedRollout { .. });
            node.dependencies().iter().find_map(|d| held.get(d).filter(passed_on).cloned())
        };
        if let Some(by) = cause {
            held.insert(node.address.clone(), by);
        }
    }
    held
}

/// The plan of `reconciler destroy`: delete every resource of ours that `desired` declares, dependents first
/// (listed in the order the deletions run).
/// Resources of ours it does not declare, and everything not ours, are left alone; no guard applies (a
/// destroy is asked for by name, and confirmed).
pub fn destroy(desired: &Desired, observed: &Observed, context: &PlanContext) -> Result<Plan, PlanError> {
    let nodes = expand(desired, &observed.availability_zones, &context.owner_id)?;
    let declared: BTreeSet<&Address> = nodes.iter().map(|n| &n.address).collect();
    let live = LiveState::sort(observed, &context.owner_id);
    // The command refuses to run while any kind is unread: it could not delete what it cannot see.
    let mut plan = Plan {
        unread: unread(observed),
        declared_at: declaration_locations(desired, declared.iter().copied()),
        owner_id: context.owner_id.clone(),
        ..Plan::default()
    };
    // Listed, and deleted, first: a copy goes before what it copies.
    for (address, found) in live.duplicates.iter().filter(|(address, _)| declared.contains(address)) {
        plan.actions.push(prune::duplicate(address, found, &live.ours[address]));
    }
    let doomed: Vec<(&Address, &ObservedNode)> =
        live.ours.iter().filter(|(address, _)| declared.contains(address)).collect();
    for (address, found) in prune::deletion_order(doomed) {
        // The declaration is here: its deletion policy counts even if no pass has marked the resource yet.
        let (kind, name) = crate::expand::declaration_of(address);
        let retain = desired.lifecycles.get(&(kind, name.to_string())).is_some_and(|l| l.retain);
        plan.actions.push(prune::deletion(address, found, Removal::Destroyed, retain));
    }
    Ok(plan)
}

/// `adopt = true`: the existing resource without an owner takes the declaration: it is tagged as ours and
/// converged in the same update. Only what can change in place can be adopted; otherwise it stays a conflict,
/// with the fields named.
fn adoption(
    node: &Node,
    holder: &ObservedNode,
    depends_on: Vec<Address>,
    blocked_by: Option<Address>,
) -> Result<Action, Conflict> {
    // Its references to itself (a group's rules naming the group) are references to this node.
    let mut holder_as_ours = holder.clone();
    holder_as_ours.spec.map_refs(|r| match r {
        Ref::Aws(id) if *id == holder.id => Ref::Node(node.address.clone()),
        other => other.clone(),
    });
    let (settled, live_node) = settle(node, &holder_as_ours);
    let changes = diff(&settled, &live_node);
    let fixed = fixed_fields(&changes);
    if !fixed.is_empty() {
        return Err(Conflict {
            address: node.address.clone(),
            id: holder.id.clone(),
            identity: node.spec.unique_identity().unwrap_or_default(),
            reason: ConflictReason::AdoptionNeedsReplacement { fields: fixed },
        });
    }
    Ok(Action {
        address: node.address.clone(),
        action: ActionKind::Adopt,
        id: Some(holder.id.clone()),
        reason: ActionReason::Adopt,
        changes,
        depends_on,
        blocked_by,
        desired: settled,
        observed: Some(holder.clone()),
    })
}

/// The changed fields AWS cannot change in place.
fn fixed_fields(changes: &[FieldChange]) -> Vec<ChangedField> {
    changes.iter().filter(|c| c.forces_replacement).map(|c| c.field.clone()).collect()
}

/// Whether `found` differs from `node` in a field AWS cannot change in place.
fn needs_replacing(node: &Node, found: &ObservedNode) -> bool {
    let (settled, live) = settle(node, found);
    !fixed_fields(&diff(&settled, &live)).is_empty()
}

/// Whether the declaration behind `address` says `adopt = true`: every resource it expands into is then taken
/// over where an unowned one is recognised (`crate::adoption`), of the kinds that can be
/// ([`Kind::adoptable`]).
pub fn adopts(desired: &Desired, address: &Address) -> bool {
    let (kind, name) = crate::expand::declaration_of(address);
    address.kind.adoptable() && desired.lifecycles.get(&(kind, name.to_string())).is_some_and(|l| l.adopt)
}

/// The live resource already holding the unique identity (cluster name, namespace name, VPC/group name) of a
/// declared resource that does not exist yet, with the identity and why it is a conflict.
fn name_holder<'a>(
    node: &Node,
    live: &'a LiveState,
    declared: &BTreeSet<&Address>,
) -> Option<(String, &'a ObservedNode, ConflictReason)> {
    let identity = node.spec.unique_identity()?;
    if let Some(holder) = live.foreign_identities.get(&(node.address.kind, identity.clone())) {
        return Some((identity, holder, ConflictReason::NotOurs));
    }
    // A resource of ours left behind by a renamed declaration (still tagged with its old, undeclared address)
    // holds the name too. Creating anew would fail every pass (security group, namespace) or, with ECS, hand
    // back the old cluster untouched, every pass. A declared holder is not in the way: it holds the name only
    // because it is being replaced under another name, and replacements delete first.
    let (address, holder) = live.ours.iter().find(|(address, found)| {
        address.kind == node.address.kind
            && !declared.contains(address)
            && found.spec.unique_identity() == Some(identity.clone())
    })?;
    Some((identity, holder, ConflictReason::HeldByUndeclared { holder: address.clone() }))
}

/// The VPC of each subnet of ours, by the subnet's address.
fn subnet_vpcs<'a>(nodes: impl Iterator<Item = (&'a Address, &'a NodeSpec)>) -> BTreeMap<&'a Address, &'a Ref> {
    nodes
        .filter_map(|(address, spec)| match spec {
            NodeSpec::Subnet(SubnetSpec { vpc, .. }) => Some((address, vpc)),
            _ => None,
        })
        .collect()
}

/// The one VPC a resource's placing subnets ([`NodeSpec::placing_subnets`]) are in, when every one of them is
/// a subnet of ours (a subnet we do not manage tells us nothing).
fn placement_vpc(spec: &NodeSpec, subnet_vpcs: &BTreeMap<&Address, &Ref>) -> Option<Ref> {
    let mut vpcs = spec.placing_subnets().into_iter().map(|s| s.node().and_then(|a| subnet_vpcs.get(a).copied()));
    let first = vpcs.next()??;
    vpcs.all(|v| v == Some(first)).then(|| first.clone())
}

/// The observed resources, sorted by who owns them, with references turned into addresses.
struct LiveState {
    /// Ours, by address (references already rewritten to addresses where the target is ours).
    ours: BTreeMap<Address, ObservedNode>,
    /// A second resource claiming an address already claimed (e.g. a create retried by hand).
    duplicates: Vec<(Address, ObservedNode)>,
    /// Not ours, by kind and unique identity.
    foreign_identities: HashMap<(Kind, String), ObservedNode>,
    /// Without any owner tag (references to ours resolved): what `adopt = true` may take over.
    unowned: Vec<ObservedNode>,
    /// The address of each of ours, by its AWS id.
    addresses: HashMap<String, Address>,
}

impl LiveState {
    fn sort(observed: &Observed, owner_id: &str) -> LiveState {
        let claims = crate::ownership::claims(&observed.nodes, owner_id);
        let mut ours: BTreeMap<Address, ObservedNode> =
            claims.ours.into_iter().map(|(address, node)| (address, node.clone())).collect();
        let duplicates = claims.duplicates.into_iter().map(|(address, node)| (address, node.clone())).collect();
        let foreign: Vec<ObservedNode> = claims.foreign.into_iter().cloned().collect();
        let addresses: HashMap<String, Address> = ours.iter().map(|(a, n)| (n.id.clone(), a.clone())).collect();
        let resolve = |r: &Ref| match r {
            Ref::Aws(id) => addresses.get(id).map_or_else(|| r.clone(), |a| Ref::Node(a.clone())),
            Ref::Node(_) => r.clone(),
        };
        for node in ours.values_mut() {
            node.spec.map_refs(resolve);
        }
        let foreign: Vec<ObservedNode> = foreign
            .into_iter()
            .map(|mut node| {
                node.spec.map_refs(resolve);
                node
            })
            .collect();
        let unowned =
            foreign.iter().filter(|n| Owner::from_tags(owner_id, &n.tags) == Owner::Nobody).cloned().collect();
        let foreign_identities =
            foreign.into_iter().filter_map(|node| Some(((node.kind(), node.spec.unique_identity()?), node))).collect();
        LiveState { ours, duplicates, foreign_identities, unowned, addresses }
    }
}

/// Keeps in a security group's desired rules the live ones whose peer is a group that stays although no longer
/// declared: revoking them would cut off a resource this pass leaves in place.
fn keep_rules_naming(desired: &mut NodeSpec, live: &NodeSpec, staying: &BTreeSet<&Address>) {
    let (
        NodeSpec::SecurityGroup(SecurityGroupSpec { ingress, egress, .. }),
        NodeSpec::SecurityGroup(SecurityGroupSpec { ingress: live_in, egress: live_out, .. }),
    ) = (desired, live)
    else {
        return;
    };
    let names_staying =
        |rule: &&SgRule| matches!(&rule.peer, SgPeer::Group(Ref::Node(address)) if staying.contains(address));
    ingress.extend(live_in.iter().filter(names_staying).cloned());
    egress.extend(live_out.iter().filter(names_staying).cloned());
}

/// The desired node and the live one with [`NodeSpec::settle`] applied.
pub(crate) fn settle(node: &Node, found: &ObservedNode) -> (Node, ObservedNode) {
    let (mut node, mut found) = (node.clone(), found.clone());
    NodeSpec::settle(&mut node.spec, &mut found.spec);
    // A declaration that no longer says `retain` must not leave its resources marked so (they would be released
    // instead of deleted later): the mark is overwritten, since only declared keys are ever written.
    if found.tags.get(DELETION_POLICY_KEY).map(String::as_str) == Some(RETAIN)
        && !node.tags.contains_key(DELETION_POLICY_KEY)
    {
        node.tags.insert(DELETION_POLICY_KEY.to_string(), "delete".to_string());
    }
    (node, found)
}

/// Field-level differences between what must be and what is. Tags: only declared keys (and ours) are
/// compared, of kinds whose tags are readable ([`Kind::has_own_tags`]); tags others add (cost allocation,
/// ...) are not ours to remove.
pub(crate) fn diff(node: &Node, found: &ObservedNode) -> Vec<FieldChange> {
    let live = &found.spec;
    let mut changes: Vec<FieldChange> = node
        .spec
        .fields()
        .into_iter()
        .zip(live.fields())
        .filter(|(want, have)| want.value != have.value)
        .map(|(want, have)| FieldChange {
            field: ChangedField::Field(want.name),
            before: have.value,
            after: want.value,
            forces_replacement: want.forces_replacement,
        })
        .collect();
    for (key, value) in node.tags.iter().filter(|_| node.address.kind.has_own_tags()) {
        let live = found.tags.get(key);
        if live != Some(value) {
            changes.push(FieldChange {
                field: ChangedField::Tag(key.clone()),
                before: live.map_or(Value::Absent, |v| Value::Text(v.clone())),
                after: Value::Text(value.clone()),
                forces_replacement: false,
            });
        }
    }
    changes
}

/// For a create: every field from nothing to its value, so the plan shows what will be made.
fn creation_changes(node: &Node) -> Vec<FieldChange> {
    node.spec
        .fields()
        .into_iter()
        .filter(|f| f.value != Value::Absent)
        .map(|f| FieldChange {
            field: ChangedField::Field(f.name),
            before: Value::Absent,
            after: f.value,
            forces_replacement: false,
        })
        .chain(node.tags.iter().filter(|_| node.address.kind.has_own_tags()).map(|(k, v)| FieldChange {
            field: ChangedField::Tag(k.clone()),
            before: Value::Absent,
            after: Value::Text(v.clone()),
            forces_replacement: false,
        }))
        .collect()
}

/// Dependencies first; among independent resources, by kind then name, so plans are stable.
fn order(nodes: Vec<Node>) -> Result<Vec<Node>, PlanError> {
    let mut by_address: BTreeMap<Address, Node> = nodes.into_iter().map(|n| (n.address.clone(), n)).collect();
    let waiting_on = by_address.iter().map(|(a, n)| (a.clone(), n.dependencies().into_iter().collect())).collect();
    let (ordered, cycle) = dependency_order(waiting_on);
    if !cycle.is_empty() {
        return Err(PlanError::Cycle(cycle.iter().map(ToString::to_string).collect()));
    }
    Ok(ordered.iter().map(|a| by_address.remove(a).expect("every ordered address has a node")).collect())
}
