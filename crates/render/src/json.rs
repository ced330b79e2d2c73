//! Plans and apply reports as JSON for scripts. The schema is built here, field by field, and documented in
//! `docs/plan-output.md`; it does not follow the plan crate's serde derives, so that a rename there cannot
//! silently change what scripts read.

use reconciler_plan::{
    Action, ActionOutcome, Address, ApplyReport, Conflict, FieldChange, Held, HeldBy, NotDeclared, OutcomeResult, Plan,
    PruneGuard, RevisionMove, Value,
};
use serde_json::{Value as Json, json};

use crate::action_words::ActionWords;
use crate::words;

/// The version of the JSON schema, in every document as `format_version`. It changes only when a field is
/// removed or its meaning changes; new fields may appear without a change of version.
pub const FORMAT_VERSION: &str = "1";

/// The plan as JSON:
///
/// ```json
/// { "format_version": "1",
///   "summary": {"create": 1, "update": 0, "replace": 0, "conflicts": 0, "not_declared": 0},
///   "changes": true,
///   "actions": [{"address": "vpc.main", "kind": "vpc", "name": "main", "action": "create", "id": null,
///                "reason": "not found", "depends_on": [], "blocked_by": null,
///                "changes": [{"field": "cidr", "before": null, "after": "10.0.0.0/24",
///                             "forces_replacement": false}]}],
///   "conflicts": [],
///   "not_declared": [] }
/// ```
///
/// `changes` is true when applying would change something (the `--detailed-exitcode` 2 case). Field values
/// are `null` (absent), booleans, integers, strings, or arrays of strings (sets).
pub fn plan_json(plan: &Plan) -> Json {
    let summary = plan.summary();
    json!({
        "format_version": FORMAT_VERSION,
        "summary": {
            "create": summary.create,
            "update": summary.update,
            "replace": summary.replace,
            "delete": summary.delete,
            "adopt": summary.adopt,
            "release": summary.release,
            "conflicts": summary.conflicts,
            "not_declared": summary.not_declared,
            "held": summary.held,
            "held_after_rollback": summary.held_after_rollback,
            "revision_moves": summary.revision_moves,
        },
        "changes": plan.has_changes(),
        "actions": plan.actions.iter().map(|a| action(plan, a)).collect::<Vec<_>>(),
        "conflicts": plan.conflicts.iter().map(|c| conflict(plan, c)).collect::<Vec<_>>(),
        "not_declared": plan.not_declared.iter().map(|n| not_declared(n, plan.prune_guard.as_ref())).collect::<Vec<_>>(),
        "prune_guard": plan.prune_guard.as_ref().map(|g| json!({ "code": g.code(), "reason": words::prune_guard(g) })),
        "unread": plan.unread.iter().map(|u| json!({ "kind": u.kind.as_str(), "error": u.error })).collect::<Vec<_>>(),
        "held": plan.held.iter().map(held).collect::<Vec<_>>(),
    })
}

/// `address`, `kind`, `name`: every entry names its resource the same three ways.
fn identify(address: &Address) -> serde_json::Map<String, Json> {
    let mut object = serde_json::Map::new();
    object.insert("address".into(), json!(address.to_string()));
    object.insert("kind".into(), json!(address.kind.as_str()));
    object.insert("name".into(), json!(address.name));
    object
}

/// `identify(address)` extended with `fields`.
fn entry(address: &Address, fields: Json) -> Json {
    let mut object = identify(address);
    if let Json::Object(fields) = fields {
        object.extend(fields);
    }
    Json::Object(object)
}

fn action(plan: &Plan, action: &Action) -> Json {
    entry(
        &action.address,
        json!({
            "action": ActionWords::of(action.action).name,
            "id": action.id,
            "reason": words::action_reason(&action.reason),
            "reason_code": action.reason.code(),
            "depends_on": action.depends_on.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "blocked_by": action.blocked_by.as_ref().map(ToString::to_string),
            "declared_at": declared_at(plan, &action.address),
            "revision": plan.revision_moves.get(&action.address).map(revision_move),
            "changes": action.changes.iter().map(change).collect::<Vec<_>>(),
        }),
    )
}

/// `{"file": "config/web.toml", "line": 3}`: the declaration the resource comes from; `null` when none does.
fn declared_at(plan: &Plan, address: &Address) -> Json {
    plan.declared_at
        .get(address)
        .map_or(Json::Null, |location| json!({ "file": location.file.to_string_lossy(), "line": location.line }))
}

/// A service's move to a new task definition revision (`to` is `null` when the number cannot be known).
fn revision_move(moved: &RevisionMove) -> Json {
    json!({
        "task_definition": moved.task_definition.to_string(),
        "family": moved.family,
        "from": moved.from,
        "to": moved.to,
    })
}

fn change(change: &FieldChange) -> Json {
    json!({
        "field": change.field,
        "before": value(&change.before),
        "after": value(&change.after),
        "forces_replacement": change.forces_replacement,
    })
}

fn value(value: &Value) -> Json {
    match value {
        Value::Absent => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Text(text) => json!(text),
        Value::Set(items) => json!(items),
    }
}

fn held(held: &Held) -> Json {
    let by = match &held.by {
        HeldBy::Unread(kind) => json!({ "unread": kind.as_str() }),
        HeldBy::Missing(what) => json!({ "missing": what }),
        HeldBy::FailedRollout { revision, reason } => json!({
            "failed_rollout": { "revision": revision, "reason": reason, "message": words::held_by(&held.by) }
        }),
    };
    entry(&held.address, by)
}

fn conflict(plan: &Plan, conflict: &Conflict) -> Json {
    entry(
        &conflict.address,
        json!({
            "declared_at": declared_at(plan, &conflict.address),
            "id": conflict.id,
            "identity": conflict.identity,
            "reason": words::conflict_reason(&conflict.reason),
            "reason_code": conflict.reason.code(),
        }),
    )
}

fn not_declared(not_declared: &NotDeclared, guard: Option<&PruneGuard>) -> Json {
    let fields = json!({
        "id": not_declared.id,
        "reason": words::stay_reason(&not_declared.reason, guard),
        "reason_code": not_declared.reason.code(),
    });
    entry(&not_declared.address, fields)
}

/// The apply report as JSON:
///
/// ```json
/// { "format_version": "1", "succeeded": 1, "failed": 0, "skipped": 0,
///   "outcomes": [{"address": "vpc.main", "kind": "vpc", "name": "main", "action": "create",
///                 "outcome": "succeeded", "id": "vpc-0abc", "elapsed_ms": 120}] }
/// ```
///
/// Each outcome has exactly one of `id` (succeeded), `error` (failed) or `because` (skipped).
pub fn report_json(report: &ApplyReport) -> Json {
    json!({
        "format_version": FORMAT_VERSION,
        "succeeded": report.succeeded(),
        "failed": report.failed(),
        "skipped": report.skipped(),
        "outcomes": report.outcomes.iter().map(outcome).collect::<Vec<_>>(),
    })
}

fn outcome(outcome: &ActionOutcome) -> Json {
    let result = match &outcome.result {
        OutcomeResult::Succeeded { id } => json!({ "outcome": "succeeded", "id": id }),
        OutcomeResult::Failed { error } => json!({ "outcome": "failed", "error": error }),
        OutcomeResult::Skipped { because } => {
            json!({ "outcome": "skipped", "because": words::skip_cause(because), "because_code": because.code() })
        }
    };
    let mut object = entry(&outcome.address, json!({ "action": ActionWords::of(outcome.action).name }));
    if let (Json::Object(object), Json::Object(result)) = (&mut object, result) {
        object.extend(result);
        object.insert("elapsed_ms".into(), json!(outcome.elapsed_ms));
    }
    object
}
