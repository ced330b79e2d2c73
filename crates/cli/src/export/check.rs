//! After writing: the written files, planned against what was read as the first pass over them would plan.
//! Every declared resource should be adopted with no value changed (adopting adds our tags, and a `Name` where
//! the resource has none); anything else is a difference the schema cannot express (or a bug in export),
//! named here so that nobody learns of it from the first pass.

use std::path::Path;

use reconciler_aws::Aws;
use reconciler_plan::{ActionKind, ChangedField, ObservationHints, PlanContext, Value};

pub async fn first_pass(aws: &Aws, dir: &Path, owner_id: &str, cluster: &str) -> Result<Vec<String>, String> {
    let desired = crate::validate::load(dir).map_err(|e| format!("the exported files do not load (a bug): {e}"))?;
    // Read again, with what the files reference (the secrets' versions and ARNs, as a pass reads them: never
    // their values), which only the written files tell.
    let hints = ObservationHints::from_desired(&desired);
    let observed = reconciler_aws::export::read(aws, owner_id, cluster, hints).await.map_err(|e| e.to_string())?;
    let plan = reconciler_plan::plan(&desired, &observed, &PlanContext::new(owner_id)).map_err(|e| e.to_string())?;
    let mut notes = Vec::new();
    for action in plan.actions.iter().filter(|a| plan.declared.contains(&a.address)) {
        if action.action != ActionKind::Adopt {
            let fields: Vec<String> = action.changes.iter().map(|c| c.field.to_string()).collect();
            notes.push(format!(
                "the first pass would {} {} ({}): not found as it is declared",
                verb(action.action),
                action.address,
                fields.join(", ")
            ));
            continue;
        }
        for change in action.changes.iter().filter(|c| changes_a_value(&c.field, &c.before)) {
            notes.push(format!(
                "adopting {} changes {}: {} -> {} (the schema derives it)",
                action.address,
                change.field,
                shown(&change.before),
                shown(&change.after)
            ));
        }
    }
    for conflict in &plan.conflicts {
        notes.push(format!(
            "{} cannot be adopted: {} ({}) {}",
            conflict.address,
            conflict.id,
            conflict.identity,
            serde_json::to_value(&conflict.reason).map(|r| r.to_string()).unwrap_or_default()
        ));
    }
    for held in &plan.held {
        notes.push(format!("{} would be held back: {:?}", held.address, held.by));
    }
    Ok(notes)
}

/// Whether a change alters what is there: any field, or a tag that has a value (a tag added is not).
fn changes_a_value(field: &ChangedField, before: &Value) -> bool {
    match field {
        ChangedField::Field(_) => true,
        ChangedField::Tag(_) => *before != Value::Absent,
    }
}

fn verb(action: ActionKind) -> &'static str {
    match action {
        ActionKind::Create => "create",
        ActionKind::Replace => "replace",
        ActionKind::Delete => "delete",
        _ => "update",
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Absent => "(none)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Text(t) => format!("{t:?}"),
        Value::Set(items) => format!("{items:?}"),
    }
}
