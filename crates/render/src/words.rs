//! Every sentence the planner's and the pass's decisions are told in. The plan crate says why as data
//! ([`ActionReason`], [`ConflictReason`], [`StayReason`], [`PruneGuard`], [`SkipCause`], [`StatusWhy`]); the
//! words for each are chosen here and only here, so the text plan, the JSON `reason` fields, `/status` and the
//! pass line all say the same thing the same way.

use std::fmt::Write as _;

use reconciler_plan::ownership::{MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNER_KEY, RESOURCE_KEY};
use reconciler_plan::{
    ActionKind, ActionReason, Address, ApplyReport, ChangedField, ConflictReason, DriftNote, HeldBy, HoldBack,
    PassFigures, Plan, PruneGuard, Removal, SkipCause, StatusWhy, StayReason, Summary,
};
use reconciler_spec::{Location, escaped_path};

use crate::action_words::ActionWords;
use crate::value::quote;

/// Why an action is planned: `drift in desired_count`, `not found`, ...
pub fn action_reason(reason: &ActionReason) -> String {
    match reason {
        ActionReason::NotFound => "not found".to_string(),
        ActionReason::NewRevision { fields } => format!("{} changed: a new revision is registered", list(fields)),
        ActionReason::FixedFieldsDiffer { fields } => format!("{} cannot be changed in place", list(fields)),
        ActionReason::DependencyReplaced { dependency } => format!("{dependency} is replaced"),
        ActionReason::Drift { fields, notes } => {
            let mut words = format!("drift in {}", list(fields));
            for note in notes {
                let _ = write!(words, " ({})", drift_note(note));
            }
            words
        }
        ActionReason::Adopt => {
            "adopt = true: the existing resource of this name, which has no owner, becomes ours".to_string()
        }
        ActionReason::Removal { cause, retained: false } => removal(*cause).to_string(),
        ActionReason::Removal { cause, retained: true } => {
            format!("{}, but deletion_policy = \"retain\": it stays, no longer ours", removal(*cause))
        }
        ActionReason::Duplicate { kept_id } => format!("duplicate of {kept_id}: another resource carries this address"),
        ActionReason::RollbackRecorded { revision } => format!(
            "the circuit breaker rolled back revision {revision}: recorded in the service's tags, so that it stays \
             held after ECS forgets the failed deployment"
        ),
    }
}

/// Why a service moving to a new task definition revision is updated: the fields that make the revision new
/// (`registration` is the revision's reason), then any drift of the service's own.
pub fn revision_move_reason(service: &ActionReason, registration: &ActionReason, task_definition: &Address) -> String {
    let mut words = match registration {
        ActionReason::NewRevision { fields } => {
            format!("a new revision of its task definition ({} changed)", list(fields))
        }
        other => format!("a new revision of its task definition ({})", action_reason(other)),
    };
    if let ActionReason::Drift { fields, notes } = service {
        let _ = write!(words, "; drift in {}", list(fields));
        let own =
            |n: &&DriftNote| !matches!(n, DriftNote::RefersToReplaced { dependency } if dependency == task_definition);
        for note in notes.iter().filter(own) {
            let _ = write!(words, " ({})", drift_note(note));
        }
    }
    words
}

/// A task definition revision as ECS names it (`"web:4"`), or `(next revision)` when the number is unknown.
pub fn revision(family: &str, revision: Option<u32>) -> String {
    revision.map_or_else(|| "(next revision)".to_string(), |n| quote(&format!("{family}:{n}")))
}

/// Where a planned resource comes from: `from config/web.toml:3`, or, when no declaration asks for it (pruned,
/// a duplicate), that our tags are all that makes it ours.
pub fn origin(declared_at: Option<&Location>) -> String {
    match declared_at {
        Some(location) => format!("from {}:{}", escaped_path(&location.file), location.line),
        None => format!("declared in no file; ours by its {OWNER_KEY} and {RESOURCE_KEY} tags"),
    }
}

/// Said once per plan instead of under every resource: the ownership tags every resource created or adopted
/// gets.
pub fn ownership_tagging(owner_id: &str) -> String {
    format!(
        "Every resource created or adopted is tagged {MANAGED_BY_KEY} = {}, {OWNER_KEY} = {} and {RESOURCE_KEY} = \
         its address (not repeated below).",
        quote(MANAGED_BY_VALUE),
        quote(owner_id)
    )
}

/// `0 to add, 1 to change (1 to a new revision), 0 to replace`, then deletions, adoptions and releases when
/// there are any: the counts of the summary line and of the pass line. A service's move to a new revision
/// counts as its change, the revision's registration as part of it.
pub fn action_counts(summary: &Summary) -> String {
    let mut words = format!("{} to add, {} to change", summary.create, summary.update);
    if summary.revision_moves > 0 {
        let s = if summary.revision_moves == 1 { "" } else { "s" };
        let _ = write!(words, " ({} to a new revision{s})", summary.revision_moves);
    }
    let _ = write!(words, ", {} to replace", summary.replace_besides_revision_moves());
    for (count, verb) in [(summary.delete, "delete"), (summary.adopt, "adopt"), (summary.release, "release")] {
        if count > 0 {
            let _ = write!(words, ", {count} to {verb}");
        }
    }
    words
}

fn drift_note(note: &DriftNote) -> String {
    match note {
        DriftNote::CountOutsideScalingRange { min, max } => {
            format!(
                "the desired count is autoscaling's, but only within {min} to {max}: it is brought back into the range"
            )
        }
        DriftNote::AutoscalingRemoved => "autoscaling is removed: the file's desired_count applies again".to_string(),
        DriftNote::RefersToReplaced { dependency } => format!("and {dependency} is replaced"),
        DriftNote::SecretRotated { variables } => {
            let list: Vec<String> = variables.iter().map(|v| format!("secret {v} rotated")).collect();
            format!("{}: the tasks are replaced to read the new version", list.join(", "))
        }
    }
}

fn removal(cause: Removal) -> &'static str {
    match cause {
        Removal::Pruned => "no longer declared: pruned",
        Removal::Deregistered => "no longer declared: deregistered",
        Removal::Destroyed => "destroy: declared here",
    }
}

/// Why a declared resource cannot be created or adopted.
pub fn conflict_reason(reason: &ConflictReason) -> String {
    match reason {
        ConflictReason::NotOurs => "a resource with this name exists and is not managed by this reconciler; it is \
                                    left untouched (rename the declaration or remove the other resource)"
            .to_string(),
        ConflictReason::HeldByUndeclared { holder } => format!(
            "a resource with this name exists as {holder}, which is no longer declared; it is left untouched \
             (restore its declaration, or remove it)"
        ),
        ConflictReason::AdoptionNeedsReplacement { fields } => format!(
            "adopt = true, but the existing resource differs in {}, which cannot be changed in place: it is left \
             untouched",
            list(fields)
        ),
    }
}

/// Why a resource of ours that no declaration asks for stays. `guard` is the plan's, for [`StayReason::Guarded`].
pub fn stay_reason(reason: &StayReason, guard: Option<&PruneGuard>) -> String {
    match reason {
        StayReason::PruningOff => "no declaration in the desired state; left in place".to_string(),
        StayReason::ForeignScalingAttached => "no longer declared, but kept: scaling policies or scheduled actions \
                                               that are not ours are attached, and deregistering the target would \
                                               delete them"
            .to_string(),
        StayReason::Unread { kinds } => {
            let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            format!("not deleted this pass: the live state of {} could not be read", kinds.join(", "))
        }
        StayReason::Guarded => match guard {
            Some(guard) => format!("not deleted: {}", prune_guard(guard)),
            None => "not deleted: a guard holds this pass's deletions".to_string(),
        },
        StayReason::DuplicateWhileUnread => "a duplicate; not deleted while a kind is unread".to_string(),
    }
}

/// Why a pass deletes nothing it would otherwise prune.
pub fn prune_guard(guard: &PruneGuard) -> String {
    match *guard {
        PruneGuard::HeldBack { cause: HoldBack::InvalidDesiredState } => {
            "nothing is pruned in this pass: a desired-state file is invalid; fix it, and pruning resumes".to_string()
        }
        PruneGuard::NothingDeclared { owned } => format!(
            "the desired state declares nothing while {owned} resources are ours: nothing is deleted (an empty or \
             wrong directory looks like this); run with --allow-mass-delete to delete them"
        ),
        PruneGuard::TooLarge { deletions, owned, max_share } => {
            #[allow(clippy::cast_precision_loss)] // Resource counts are far below 2^52.
            let share = deletions as f64 / owned.max(1) as f64;
            format!(
                "this pass would delete {deletions} of the {owned} resources we own ({:.0} %, more than the {:.0} % \
                 allowed): nothing is deleted; run with --allow-mass-delete to confirm",
                share * 100.0,
                max_share * 100.0
            )
        }
    }
}

/// What a held resource waits for: the unread kind (`cluster`), what is missing (`secret app/api`), or a
/// change to its file after a rollback (`revision 5 failed: REASON; waiting for a change to its file`).
pub fn held_by(by: &HeldBy) -> String {
    match by {
        HeldBy::Unread(kind) => kind.to_string(),
        HeldBy::Missing(what) => format!("{what}, which does not exist"),
        HeldBy::FailedRollout { revision, reason } => {
            format!("revision {revision} failed: {reason}; waiting for a change to its file")
        }
    }
}

/// One line per service held after a circuit-breaker rollback: `service.web held: revision 5 failed: ...`.
pub fn rollback_holds(plan: &Plan) -> Vec<String> {
    plan.held
        .iter()
        .filter(|h| h.address.kind == reconciler_plan::Kind::Service && matches!(h.by, HeldBy::FailedRollout { .. }))
        .map(|h| format!("{} held: {}", h.address, held_by(&h.by)))
        .collect()
}

/// Why an action was not attempted.
pub fn skip_cause(cause: &SkipCause) -> String {
    match cause {
        SkipCause::BackingOff { failures, retry_in_seconds } => {
            format!("backing off after {failures} failures; next attempt in {retry_in_seconds} s")
        }
        SkipCause::ShuttingDown => "shutting down".to_string(),
        SkipCause::DependencyInConflict { dependency } => format!("{dependency} is in conflict"),
        SkipCause::DependencyFailed { dependency } => format!("{dependency} did not succeed"),
        SkipCause::NotOurs => "refused: it does not carry our ownership tags".to_string(),
    }
}

/// Why a declared resource is not in sync after a pass (`/status`).
pub fn status_why(why: &StatusWhy) -> String {
    let verb = |action: &ActionKind| ActionWords::of(*action).name;
    match why {
        StatusWhy::Held { by: HeldBy::Unread(kind) } => {
            format!("left as it is this pass: the live state of {kind} could not be read")
        }
        StatusWhy::Held { by: HeldBy::Missing(what) } => {
            format!("left as it is this pass: {what} does not exist; create it, and the next pass goes on")
        }
        StatusWhy::Held { by: by @ HeldBy::FailedRollout { .. } } => format!("held: {}", held_by(by)),
        StatusWhy::Conflict { holder_id, identity } => format!("{holder_id} holds {identity}"),
        StatusWhy::Failed { action, error } => format!("{} failed: {error}", verb(action)),
        StatusWhy::Skipped { action, because } => format!("{} skipped: {}", verb(action), skip_cause(because)),
        StatusWhy::Pending { action, reason } => format!("{}: {}", verb(action), action_reason(reason)),
    }
}

/// The one line a pass ends with, in the daemon's log and after `--once`: what changed, what is wrong, and
/// what it cost. A dry run with changes says what it would do instead:
/// `Dry run: 17 to add, 0 to change, 0 to replace, nothing applied; 9 API calls (0 mutating) in 0.1 s.`
pub fn pass_line(plan: &Plan, report: Option<&ApplyReport>, figures: &PassFigures) -> String {
    let summary = plan.summary();
    let cost = format!(
        "{} API calls ({} mutating) in {:.1} s.",
        figures.calls,
        figures.mutating,
        figures.elapsed.as_secs_f64()
    );
    if figures.dry_run && plan.has_changes() {
        let mut line = format!("Dry run: {}, nothing applied", action_counts(&summary));
        if summary.conflicts > 0 {
            let _ = write!(line, ", {} in conflict", summary.conflicts);
        }
        for hold in rollback_holds(plan) {
            let _ = write!(line, ", {hold}");
        }
        return format!("{line}; {cost}");
    }
    let mut parts = Vec::new();
    match report {
        Some(report) => parts.push(format!(
            "{} applied, {} failed, {} skipped",
            report.succeeded(),
            report.failed(),
            report.skipped()
        )),
        None => parts.push("no changes".to_string()),
    }
    if summary.conflicts > 0 {
        parts.push(format!("{} in conflict", summary.conflicts));
    }
    if figures.invalid_files > 0 {
        parts.push(format!("{} invalid files (last good versions in force)", figures.invalid_files));
    }
    if plan.prune_guard.is_some() {
        parts.push(format!("{} deletions held back by a guard", summary.not_declared));
    }
    parts.extend(rollback_holds(plan));
    format!("Pass complete: {}; {cost}", parts.join(", "))
}

/// Field names joined by commas: `cpu, memory`.
fn list(fields: &[ChangedField]) -> String {
    fields.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
