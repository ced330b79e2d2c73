//! The plan: what the planner decided, as data. Drawing it is the render crate's job.

use std::collections::BTreeMap;

use reconciler_spec::Location;
use serde::Serialize;

use crate::Address;
use crate::node::{Node, ObservedNode};
use crate::reason::{ActionReason, ConflictReason, DriftNote, PruneGuard, StayReason};
use crate::value::{FieldId, Value};

/// What a pass will do, in the order it will be done.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Changes to make, dependencies first.
    pub actions: Vec<Action>,
    /// Declared resources that cannot be created because something not ours holds their unique name.
    pub conflicts: Vec<Conflict>,
    /// Resources carrying our tags that no declaration asks for. Reported, left alone.
    pub not_declared: Vec<NotDeclared>,
    /// Every resource the declarations ask for, in plan order (with or without an action).
    #[serde(skip)]
    pub declared: Vec<Address>,
    /// Set when a mass-deletion guard stopped this pass's deletions (they are listed as not declared).
    pub prune_guard: Option<PruneGuard>,
    /// Kinds whose live state could not be read this pass, and why (in kind order).
    pub unread: Vec<Unread>,
    /// Declared resources left as they are this pass: their kind, or a kind they refer to, could not be read,
    /// something they need does not exist, or ECS rolled back the revision their file asks for.
    pub held: Vec<Held>,
    /// Where each declared resource comes from: the file and line of its declaration (for a resource derived
    /// from one, such as a service's task definition, the declaration it is derived from). A resource no
    /// declaration asks for (pruned, a duplicate) has none: it is ours by its ownership tags alone.
    #[serde(skip)]
    pub declared_at: BTreeMap<Address, Location>,
    /// The services that move to a new revision of their task definition in this plan, by service address.
    pub revision_moves: BTreeMap<Address, RevisionMove>,
    /// This instance's owner id: the value of the ownership tags every resource it creates or adopts gets.
    pub owner_id: String,
}

/// A service moving from the task definition revision it runs to one this plan registers (an image bump):
/// one change to review, though apply makes it in two actions (register, then update the service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionMove {
    /// The action that registers the new revision.
    pub task_definition: Address,
    pub family: String,
    /// The revision the service runs; `None` when its ARN has no revision number.
    pub from: Option<u32>,
    /// The number ECS will give the new revision: one more than the family's newest revision observed.
    /// `None` when no revision of the family could be read.
    pub to: Option<u32>,
}

/// A kind whose live state could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unread {
    pub kind: crate::Kind,
    /// The failed call and AWS's answer.
    pub error: String,
}

/// A declared resource the pass leaves alone because what it needs could not be read (creating it could make
/// a second one, changing or deleting it could act on a stale picture), or does not exist outside our files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    pub address: Address,
    /// What it is, or refers to (directly or through another held resource), that holds it.
    pub by: HeldBy,
}

/// What holds a declared resource back this pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldBy {
    /// A kind whose live state could not be read.
    Unread(crate::Kind),
    /// Something outside our files that it needs and that does not exist (`parameter /app/db`, `secret api`).
    Missing(String),
    /// ECS's circuit breaker rolled back this task definition `revision` (for `reason`), and the file still asks
    /// for exactly it: the service stays on the revision ECS went back to until its declaration changes.
    FailedRollout { revision: u32, reason: String },
}

impl Plan {
    /// True when applying would make at least one change.
    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty()
    }

    /// The deletions and releases, in the order apply carries them out: the order they are listed in.
    pub fn deletions(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| matches!(a.action, ActionKind::Delete | ActionKind::Release))
    }

    /// The service whose revision move (if any) includes the registration `action` makes.
    pub fn moved_service(&self, action: &Action) -> Option<&Address> {
        self.revision_moves.iter().find(|(_, m)| m.task_definition == action.address).map(|(service, _)| service)
    }

    /// True if `change` of `action` is the ownership tagging every resource created or adopted gets, with this
    /// plan's owner id and the resource's own address: what a reviewer need not read on every resource.
    pub fn is_ownership_tagging(&self, action: &Action, change: &FieldChange) -> bool {
        let ChangedField::Tag(key) = &change.field else { return false };
        let standard = crate::ownership::ownership_tags(&self.owner_id, &action.address);
        change.before == Value::Absent && standard.get(key).is_some_and(|v| change.after == Value::Text(v.clone()))
    }

    pub fn summary(&self) -> Summary {
        let rolled_back = |h: &&Held| matches!(h.by, HeldBy::FailedRollout { .. });
        let mut summary = Summary {
            revision_moves: self.revision_moves.len(),
            conflicts: self.conflicts.len(),
            not_declared: self.not_declared.len(),
            held: self.held.iter().filter(|h| !rolled_back(h)).count(),
            held_after_rollback: self.held.iter().filter(rolled_back).count(),
            ..Summary::default()
        };
        for action in &self.actions {
            match action.action {
                ActionKind::Create => summary.create += 1,
                ActionKind::Update => summary.update += 1,
                ActionKind::Replace => summary.replace += 1,
                ActionKind::Delete => summary.delete += 1,
                ActionKind::Adopt => summary.adopt += 1,
                ActionKind::Release => summary.release += 1,
            }
        }
        summary
    }
}

impl Summary {
    /// The replacements other than the registrations of revisions that services move to (those are shown,
    /// and counted, as part of the service's change).
    pub fn replace_besides_revision_moves(&self) -> usize {
        self.replace.saturating_sub(self.revision_moves)
    }
}

/// Counts of a plan, for its summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub adopt: usize,
    pub release: usize,
    /// Services moving to a new task definition revision: each is one of `update` and its registration one of
    /// `replace`.
    pub revision_moves: usize,
    pub conflicts: usize,
    pub not_declared: usize,
    /// Declared resources left alone because their live state could not be read (or what they need is missing).
    pub held: usize,
    /// Declared resources left alone because ECS rolled back the revision their file asks for.
    pub held_after_rollback: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Create,
    /// Change in place.
    Update,
    /// Delete, then create anew: a field that AWS cannot change in place differs.
    Replace,
    /// Delete a resource of ours that is no longer declared. For now only the scaling configuration of a
    /// service (its removal from the file deregisters it); other kinds are reported as not declared.
    Delete,
    /// Take over an existing resource without an owner (`adopt = true`): tag it as ours and converge it.
    Adopt,
    /// Leave a resource no longer declared in AWS and stop owning it (`deletion_policy = "retain"`): our tags
    /// are removed.
    Release,
}

/// One change to one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub address: Address,
    pub action: ActionKind,
    /// The live resource's AWS id, when it exists.
    pub id: Option<String>,
    /// Why: what differs, or what forces the replacement.
    pub reason: ActionReason,
    /// Field by field, before -> after. For a create, every field with `before` absent.
    pub changes: Vec<FieldChange>,
    /// Addresses of other actions in this plan that must succeed first.
    pub depends_on: Vec<Address>,
    /// Set when a dependency is in conflict: the action cannot run until the conflict is resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<Address>,
    /// The resource as it must be.
    #[serde(skip)]
    pub desired: Node,
    /// The resource as it was found.
    #[serde(skip)]
    pub observed: Option<ObservedNode>,
}

impl Action {
    /// True if `field` is among the changes.
    pub fn changes(&self, field: FieldId) -> bool {
        self.changes.iter().any(|c| c.field == ChangedField::Field(field))
    }

    /// True if any of `fields` is among the changes.
    pub fn changes_any(&self, fields: &[FieldId]) -> bool {
        fields.iter().any(|f| self.changes(*f))
    }

    /// True if a field other than tags changes.
    pub fn changes_fields(&self) -> bool {
        self.changes.iter().any(|c| matches!(c.field, ChangedField::Field(_)))
    }

    /// An update that must write every reference again with the new ids, because a resource it refers to is
    /// replaced in this pass: with no field difference (planned for that alone), or beside drifted fields.
    pub fn refreshes_references(&self) -> bool {
        let beside_drift = matches!(&self.reason, ActionReason::Drift { notes, .. }
            if notes.iter().any(|n| matches!(n, DriftNote::RefersToReplaced { .. })));
        self.action == ActionKind::Update && (self.changes.is_empty() || beside_drift)
    }

    /// True if any tag changes.
    pub fn changes_tags(&self) -> bool {
        self.changes.iter().any(|c| matches!(c.field, ChangedField::Tag(_)))
    }

    /// The desired tags whose live value differs: what a tagging call must write. Tags others added are not
    /// in it, so they are never touched.
    pub fn changed_tags(&self) -> std::collections::BTreeMap<String, String> {
        self.desired
            .tags
            .iter()
            .filter(|(key, _)| self.changes.iter().any(|c| matches!(&c.field, ChangedField::Tag(k) if k == *key)))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

/// What a change is to: one of the kind's fields, or one tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangedField {
    Field(FieldId),
    /// The tag of this key.
    Tag(String),
}

/// Shown (and serialized) as the field's name, or `tags.KEY`.
impl std::fmt::Display for ChangedField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangedField::Field(field) => field.fmt(f),
            ChangedField::Tag(key) => write!(f, "tags.{key}"),
        }
    }
}

impl Serialize for ChangedField {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One field's difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: ChangedField,
    pub before: Value,
    pub after: Value,
    /// This difference alone forces a replacement.
    pub forces_replacement: bool,
}

/// A declared resource whose unique identity is held by a resource we do not own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub address: Address,
    /// The AWS id of the resource in the way.
    pub id: String,
    /// The clashing identity (cluster name, namespace name, VPC/group name).
    pub identity: String,
    pub reason: ConflictReason,
}

/// A resource with our tags that no valid declaration asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotDeclared {
    pub address: Address,
    pub id: String,
    pub reason: StayReason,
}
