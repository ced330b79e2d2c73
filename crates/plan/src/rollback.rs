//! The hold after a circuit-breaker rollback: a service whose file still asks for the task definition that
//! ECS rolled back is left as it is, like a crash loop backing off, until its declaration changes.
//!
//! What real ECS does, and what this relies on: with `deploymentCircuitBreaker { enable, rollback }`, a
//! deployment whose tasks keep failing turns `rolloutState = FAILED` and ECS starts a new PRIMARY deployment
//! of the last revision that completed, so the service's `taskDefinition` goes back to that older revision.
//! Without a hold, the next pass would see the older revision, find the file's content newer, and move the
//! service to the failing revision again, every pass. The FAILED deployment stays in `deployments` only for a
//! while (until its tasks are gone and ECS prunes the list): so the first pass that sees it records it on the
//! service as our tags ([`HELD_REVISION_KEY`], [`HELD_REASON_KEY`]), and later passes hold on the tags.
//!
//! A record only holds while it is newer than what the service runs: once any later revision has been
//! deployed (the file changed), an old record names a revision that is no longer the service's last failure
//! and is ignored, so records never need deleting.

use std::collections::BTreeMap;

use crate::node::{Node, ObservedNode, Ref};
use crate::ownership::{HELD_REASON_KEY, HELD_REVISION_KEY};
use crate::plan::{Action, ActionKind, ChangedField, FieldChange, HeldBy};
use crate::planner::{diff, settle};
use crate::reason::ActionReason;
use crate::value::Value;
use crate::{Address, NodeSpec, ServiceSpec, TaskDefinitionSpec};

/// Longest tag value ECS accepts.
const TAG_VALUE_MAX: usize = 256;

/// What ECS says (or our tag remembers) about the deployment of a service that its circuit breaker rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRollout {
    /// ARN (or `family:revision`) of the revision that failed.
    pub task_definition: String,
    pub revision: u32,
    /// The revision the service runs now; `None` when its reference has no revision.
    pub running_revision: Option<u32>,
    /// The failed revision's content, references as AWS ids; `None` when it could not be described.
    pub content: Option<Box<TaskDefinitionSpec>>,
    /// ECS's `rolloutStateReason` of the failed deployment (or the one our tag kept).
    pub reason: String,
}

impl FailedRollout {
    /// `family:revision`: the value of [`HELD_REVISION_KEY`].
    pub fn short_name(&self) -> String {
        self.task_definition.rsplit('/').next().unwrap_or(&self.task_definition).to_string()
    }

    /// Whether the service went back from this revision: it now runs an older one. A newer one means a later
    /// deployment happened, and this failure is history.
    fn rolled_back(&self) -> bool {
        self.running_revision.is_some_and(|running| running < self.revision)
    }
}

/// The holds a pass must keep, and the tag writes that record new ones.
#[derive(Debug, Default)]
pub(crate) struct RollbackHolds {
    /// The held services and their task definitions, by address.
    pub held: BTreeMap<Address, HeldBy>,
    /// Tag-only updates of services whose failure ECS reports and our tags do not yet record.
    pub records: Vec<Action>,
}

/// The live resources the holds are judged against, as the planner sorted them.
pub(crate) struct Live<'a> {
    pub ours: &'a BTreeMap<Address, ObservedNode>,
    /// The address of each of ours by its AWS id, to read the failed revision's references as `ours` reads.
    pub addresses: &'a std::collections::HashMap<String, Address>,
}

/// For every declared service that ECS rolled back and whose declaration still asks for exactly the failed
/// revision (same task definition content, no other change to the service), the hold and, when our tags do
/// not record it yet, the tag write that does. `nodes` are the declared resources.
pub(crate) fn rollback_holds(nodes: &[Node], live: &Live<'_>) -> RollbackHolds {
    let mut holds = RollbackHolds::default();
    for node in nodes {
        let Some((task_definition, found, failed)) = held_service(node, nodes, live) else { continue };
        let by = HeldBy::FailedRollout { revision: failed.revision, reason: failed.reason.clone() };
        holds.held.insert(task_definition.clone(), by.clone());
        holds.held.insert(node.address.clone(), by);
        if let Some(record) = record(node, found, failed) {
            holds.records.push(record);
        }
    }
    holds
}

/// The declared service's task definition address, live service and failure, when the service is to be held.
fn held_service<'a>(
    node: &'a Node,
    nodes: &'a [Node],
    live: &Live<'a>,
) -> Option<(&'a Address, &'a ObservedNode, &'a FailedRollout)> {
    let NodeSpec::Service(desired) = &node.spec else { return None };
    let found = live.ours.get(&node.address)?;
    let NodeSpec::Service(observed) = &found.spec else { return None };
    let failed = observed.failed_rollout.as_deref().filter(|f| f.rolled_back())?;
    let Ref::Node(address) = &desired.task_definition else { return None };
    let declared = nodes.iter().find(|n| n.address == *address)?;
    (asks_for_failed_content(declared, failed, live) && nothing_else_changes(node, found))
        .then_some((address, found, failed))
}

/// Whether the declared task definition is the failed revision's content.
fn asks_for_failed_content(declared: &Node, failed: &FailedRollout, live: &Live<'_>) -> bool {
    let Some(content) = &failed.content else { return false };
    let mut spec = NodeSpec::TaskDefinition(content.clone());
    spec.map_refs(|r| match r {
        Ref::Aws(id) => live.addresses.get(id).map_or_else(|| r.clone(), |a| Ref::Node(a.clone())),
        Ref::Node(_) => r.clone(),
    });
    let failed_node = ObservedNode { id: failed.task_definition.clone(), spec, tags: BTreeMap::new() };
    let (settled, failed_node) = settle(declared, &failed_node);
    // Tags of the revision are not its content: a tag change alone does not make it a new attempt.
    diff(&settled, &failed_node).iter().all(|c| matches!(c.field, ChangedField::Tag(_)))
}

/// Whether the service itself is as its file says, apart from the task definition it was rolled back to. A
/// change to the service in the file (say a longer health check grace period, the fix for failed health
/// checks) releases the hold: it is a new attempt.
fn nothing_else_changes(node: &Node, found: &ObservedNode) -> bool {
    let (settled, found) = settle(node, found);
    let task_definition = ChangedField::Field(crate::kinds::service::field::TASK_DEFINITION);
    diff(&settled, &found).iter().all(|c| c.field == task_definition)
}

/// The tag write that records the failure on the service, unless its tags already say so.
fn record(node: &Node, found: &ObservedNode, failed: &FailedRollout) -> Option<Action> {
    let wanted = [(HELD_REVISION_KEY, failed.short_name()), (HELD_REASON_KEY, tag_value(&failed.reason))];
    let changes: Vec<FieldChange> = wanted
        .iter()
        .filter(|(key, value)| found.tags.get(*key) != Some(value))
        .map(|(key, value)| FieldChange {
            field: ChangedField::Tag(key.to_string()),
            before: found.tags.get(*key).map_or(Value::Absent, |v| Value::Text(v.clone())),
            after: Value::Text(value.clone()),
            forces_replacement: false,
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    let mut desired = node.clone();
    desired.tags.extend(wanted.into_iter().map(|(key, value)| (key.to_string(), value)));
    // The live service as found, so that the update writes only the tags (no field is among the changes).
    if let (NodeSpec::Service(want), NodeSpec::Service(have)) = (&mut desired.spec, &found.spec) {
        **want = ServiceSpec { failed_rollout: None, ..(**have).clone() };
    }
    Some(Action {
        address: node.address.clone(),
        action: ActionKind::Update,
        id: Some(found.id.clone()),
        reason: ActionReason::RollbackRecorded { revision: failed.revision },
        changes,
        depends_on: Vec::new(),
        blocked_by: None,
        desired,
        observed: Some(found.clone()),
    })
}

/// ECS's reason as a tag value: at most 256 characters, and only the characters every AWS service takes in
/// tags (letters, digits, spaces and `+ - = . _ : / @`; ECS takes more, but the tag propagates to tasks).
pub fn tag_value(reason: &str) -> String {
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c);
    let cleaned: String = reason.chars().map(|c| if allowed(c) { c } else { ' ' }).collect();
    let words = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    words.chars().take(TAG_VALUE_MAX).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_become_tag_values_ecs_accepts() {
        assert_eq!(
            tag_value("ECS deployment circuit breaker: tasks failed to start."),
            "ECS deployment circuit breaker: tasks failed to start."
        );
        assert_eq!(tag_value("exit (code 1), see\nlogs!"), "exit code 1 see logs");
        assert_eq!(tag_value(&"x".repeat(300)).len(), 256);
    }
}
