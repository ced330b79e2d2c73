//! Why the planner decided what it did, as data. The words for each reason are the render crate's
//! (`reconciler_render::words`); [`ActionReason::code`] and its siblings are the stable names that JSON and
//! logs carry, so that a script or a log query never depends on a sentence.

use serde::Serialize;

use crate::plan::ChangedField;
use crate::{Address, Kind};

/// Why an action is in the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ActionReason {
    /// Declared, and no live resource of ours has its address.
    NotFound,
    /// Fields that a new revision carries differ (a task definition): a new one is registered.
    NewRevision { fields: Vec<ChangedField> },
    /// Fields that AWS cannot change in place differ: delete, then create.
    FixedFieldsDiffer { fields: Vec<ChangedField> },
    /// A resource this one refers to is replaced: a fixed reference replaces this one too, any other reference
    /// is written again with the new id.
    DependencyReplaced { dependency: Address },
    /// Fields that can change in place differ.
    Drift { fields: Vec<ChangedField>, notes: Vec<DriftNote> },
    /// `adopt = true`, and an unowned resource holds the declared name.
    Adopt,
    /// Ours, and going: no longer declared, or destroyed. `retained` when `deletion_policy = "retain"` makes
    /// it a release (the resource stays, our tags go).
    Removal { cause: Removal, retained: bool },
    /// A second resource carries the address of the one kept (`kept_id`).
    Duplicate { kept_id: String },
    /// ECS's circuit breaker rolled back task definition `revision`: our tags on the service record it, so that
    /// the hold outlives ECS's list of deployments. Only tags are written.
    RollbackRecorded { revision: u32 },
}

/// What a drift means beyond its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DriftNote {
    /// The desired count is the autoscaler's, but only within this range: it is brought back into it.
    CountOutsideScalingRange { min: u32, max: u32 },
    /// The service's scaling registration goes in this pass: the file's desired count applies again.
    AutoscalingRemoved,
    /// A resource it refers to is replaced in this pass too: the update writes its references again, with the
    /// new ids, besides the fields that drifted (a service moves to its new task definition revision).
    RefersToReplaced { dependency: Address },
    /// These secret variables have a new version: the service is redeployed so that its tasks read it.
    SecretRotated { variables: Vec<String> },
}

/// Why a resource of ours goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Removal {
    /// No longer declared, and pruning is on.
    Pruned,
    /// A scaling registration whose service no longer declares autoscaling (removed whatever pruning says).
    Deregistered,
    /// `reconciler destroy` asked for it.
    Destroyed,
}

/// Why a declared resource cannot be created or adopted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ConflictReason {
    /// A resource that is not ours holds the name.
    NotOurs,
    /// A resource of ours left by a declaration that is gone (`holder`) holds the name.
    HeldByUndeclared { holder: Address },
    /// `adopt = true`, but the unowned resource differs in fields that cannot change in place.
    AdoptionNeedsReplacement { fields: Vec<ChangedField> },
}

/// Why a resource of ours that no declaration asks for stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StayReason {
    /// Pruning is off.
    PruningOff,
    /// A scalable target with policies or scheduled actions that are not ours: deregistering would delete them.
    ForeignScalingAttached,
    /// These kinds could not be read this pass; nothing is deleted while any is unread.
    Unread { kinds: Vec<Kind> },
    /// A mass-deletion guard holds this pass's deletions (the plan's `prune_guard` says which).
    Guarded,
    /// A duplicate, not deleted while a kind is unread.
    DuplicateWhileUnread,
}

/// Why a pass deletes nothing it would otherwise prune.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PruneGuard {
    /// The caller holds pruning back for this pass.
    HeldBack { cause: HoldBack },
    /// Nothing is declared while `owned` resources are ours: an empty or wrong directory looks like this.
    NothingDeclared { owned: usize },
    /// `deletions` of the `owned` resources ours would go: more than the `max_share` allowed.
    TooLarge { deletions: usize, owned: usize, max_share: f64 },
}

/// Why a caller holds pruning back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldBack {
    /// A desired-state file is invalid: what it declares is not known for sure.
    InvalidDesiredState,
}

impl ActionReason {
    /// The reason's stable name, as JSON and logs carry it.
    pub fn code(&self) -> &'static str {
        match self {
            ActionReason::NotFound => "not_found",
            ActionReason::NewRevision { .. } => "new_revision",
            ActionReason::FixedFieldsDiffer { .. } => "fixed_fields_differ",
            ActionReason::DependencyReplaced { .. } => "dependency_replaced",
            ActionReason::Drift { .. } => "drift",
            ActionReason::Adopt => "adopt",
            // The cause is the code: a script tells a prune from a deregistration or a destroy. A release is
            // the action `release` with the same codes.
            ActionReason::Removal { cause: Removal::Pruned, .. } => "pruned",
            ActionReason::Removal { cause: Removal::Deregistered, .. } => "deregistered",
            ActionReason::Removal { cause: Removal::Destroyed, .. } => "destroyed",
            ActionReason::Duplicate { .. } => "duplicate",
            ActionReason::RollbackRecorded { .. } => "rollback_recorded",
        }
    }
}

impl ConflictReason {
    /// The reason's stable name, as JSON carries it.
    pub fn code(&self) -> &'static str {
        match self {
            ConflictReason::NotOurs => "not_ours",
            ConflictReason::HeldByUndeclared { .. } => "held_by_undeclared",
            ConflictReason::AdoptionNeedsReplacement { .. } => "adoption_needs_replacement",
        }
    }
}

impl StayReason {
    /// The reason's stable name, as JSON carries it.
    pub fn code(&self) -> &'static str {
        match self {
            StayReason::PruningOff => "pruning_off",
            StayReason::ForeignScalingAttached => "foreign_scaling_attached",
            StayReason::Unread { .. } => "unread",
            StayReason::Guarded => "guarded",
            StayReason::DuplicateWhileUnread => "duplicate_while_unread",
        }
    }
}

impl PruneGuard {
    /// The guard's stable name, as JSON carries it.
    pub fn code(&self) -> &'static str {
        match self {
            PruneGuard::HeldBack { .. } => "held_back",
            PruneGuard::NothingDeclared { .. } => "nothing_declared",
            PruneGuard::TooLarge { .. } => "too_large",
        }
    }
}
