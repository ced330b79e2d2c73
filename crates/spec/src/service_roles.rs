//! Cross-file checks of what a service's roles can do: both of a service's roles must be assumable by ECS
//! tasks (an error), and a service with ECS Exec needs a task role that may open the exec channels (a warning:
//! a policy may grant them in ways we cannot see, such as a managed policy of the account).

use std::collections::BTreeMap;

use crate::declarations::{FileDeclarations, Kind, Parsed};
use crate::error::SpecError;
use crate::model::Role;

/// The service principal ECS tasks assume their roles as.
pub const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

/// The actions ECS Exec needs the task role to allow.
pub const EXEC_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// AWS managed policies that allow [`EXEC_ACTIONS`].
const EXEC_MANAGED_POLICIES: [&str; 1] = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"];

pub(crate) fn check(
    files: &[FileDeclarations],
    roles: &BTreeMap<&str, &Parsed<Role>>,
    errors: &mut Vec<SpecError>,
    warnings: &mut Vec<SpecError>,
) {
    for service in files.iter().flat_map(|file| &file.services) {
        for reference in service.references.iter().filter(|r| r.kind == Kind::Role) {
            let Some(role) = roles.get(reference.name.as_str()) else { continue };
            if role.declared.spec.trusted_service != ECS_TASKS {
                errors.push(SpecError::at(
                    &reference.location,
                    reference.field.clone(),
                    format!(
                        "role `{}` trusts {}, so ECS tasks cannot assume it: a service's roles must trust {ECS_TASKS} \
                         ({})",
                        reference.name, role.declared.spec.trusted_service, role.declared.location
                    ),
                ));
            }
        }
        if service.declared.spec.enable_execute_command
            && let Some(message) = exec_problem(&service.declared.spec.task_role, roles)
        {
            let field = format!("{}.{}.enable_execute_command", Kind::Service, service.declared.name);
            warnings.push(SpecError::at(service.field_location("enable_execute_command"), field, message));
        }
    }
}

/// Why ECS Exec would not work with this task role, if we can tell.
fn exec_problem(task_role: &Option<String>, roles: &BTreeMap<&str, &Parsed<Role>>) -> Option<String> {
    let Some(name) = task_role else {
        return Some(format!("ECS Exec needs a task role that allows {}: set `task_role`", EXEC_ACTIONS.join(", ")));
    };
    let role = &roles.get(name.as_str())?.declared.spec;
    let managed = role.managed_policies.iter().any(|arn| EXEC_MANAGED_POLICIES.contains(&arn.as_str()));
    let inline = role.inline_policy.as_deref().is_some_and(allows_exec);
    (!managed && !inline).then(|| {
        format!(
            "ECS Exec needs the task role to allow {}; role `{name}` has no policy we can see that does (add them \
             to its inline_policy, or attach AmazonSSMManagedInstanceCore)",
            EXEC_ACTIONS.join(", ")
        )
    })
}

/// Whether an inline policy document allows every exec action, by name or by wildcard (`ssmmessages:*`, `*`).
/// Conditions and denies are not weighed: this is a hint, not an evaluation.
fn allows_exec(document: &str) -> bool {
    let Ok(policy) = serde_json::from_str::<serde_json::Value>(document) else { return false };
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(statements) => statements.clone(),
        statement @ serde_json::Value::Object(_) => vec![statement.clone()],
        _ => return false,
    };
    let allowed: Vec<String> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| match &s["Action"] {
            serde_json::Value::String(action) => vec![action.clone()],
            serde_json::Value::Array(actions) => {
                actions.iter().filter_map(|a| a.as_str().map(str::to_string)).collect()
            }
            _ => vec![],
        })
        .collect();
    EXEC_ACTIONS.iter().all(|needed| allowed.iter().any(|a| action_matches(a, needed)))
}

/// IAM action matching: case-insensitive, `*` matches any run of characters.
fn action_matches(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match pattern.split_once('*') {
        None => pattern == action,
        Some((prefix, rest)) => {
            action.starts_with(prefix)
                && (0..=action.len() - prefix.len()).any(|skip| action_matches(rest, &action[prefix.len() + skip..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        assert!(action_matches("ssmmessages:*", "ssmmessages:OpenDataChannel"));
        assert!(action_matches("*", "ssmmessages:OpenDataChannel"));
        assert!(action_matches("SSMMessages:open*Channel", "ssmmessages:OpenDataChannel"));
        assert!(!action_matches("ssm:*", "ssmmessages:OpenDataChannel"));
        assert!(!action_matches("ssmmessages:Create*", "ssmmessages:OpenDataChannel"));
    }

    #[test]
    fn an_inline_policy_allowing_the_channels_is_enough() {
        let four = r#"{"Statement": [{"Effect": "Allow", "Action": ["ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
            "Resource": "*"}]}"#;
        assert!(allows_exec(four));
        assert!(allows_exec(r#"{"Statement": {"Effect": "Allow", "Action": "ssmmessages:*", "Resource": "*"}}"#));
        assert!(!allows_exec(r#"{"Statement": [{"Effect": "Deny", "Action": "ssmmessages:*", "Resource": "*"}]}"#));
        assert!(!allows_exec(r#"{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#));
    }
}
