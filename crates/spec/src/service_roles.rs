//! Cross-file checks of what a service's roles can do: both of a service's roles must be assumable by ECS
//! tasks (an error); its execution role must be allowed to read its secrets, and with ECS Exec its task role
//! to open the exec channels (warnings: a policy may grant them in ways we cannot see, such as a customer
//! managed policy).

use std::collections::BTreeMap;

use crate::declarations::{FileDeclarations, Kind, Parsed};
use crate::error::SpecError;
use crate::model::{Role, SecretSource, SecretUse};

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
        let spec = &service.declared.spec;
        if let Some(role) = roles.get(spec.execution_role.as_str()) {
            for (used, action) in unreadable_secrets(&spec.secret_uses(), &role.declared.spec) {
                let field = format!("{}.{}.{}", Kind::Service, service.declared.name, used.field());
                let message = format!(
                    "the execution role `{}` shows no {action} on this secret, which ECS needs to start the tasks \
                     (allow it in the role's inline_policy for this name)",
                    spec.execution_role
                );
                warnings.push(SpecError::at(service.field_location(&used.field()), field, message));
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
    let grants = allow_statements(document);
    EXEC_ACTIONS
        .iter()
        .all(|needed| grants.iter().any(|(actions, _)| actions.iter().any(|a| action_matches(a, needed))))
}

/// The `(actions, resources)` of each `Allow` statement of a policy document.
fn allow_statements(document: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let Ok(policy) = serde_json::from_str::<serde_json::Value>(document) else { return vec![] };
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(statements) => statements.clone(),
        statement @ serde_json::Value::Object(_) => vec![statement.clone()],
        _ => return vec![],
    };
    let strings = |value: &serde_json::Value| match value {
        serde_json::Value::String(one) => vec![one.clone()],
        serde_json::Value::Array(many) => many.iter().filter_map(|a| a.as_str().map(str::to_string)).collect(),
        _ => vec![],
    };
    statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .map(|s| (strings(&s["Action"]), strings(&s["Resource"])))
        .collect()
}

/// AWS managed policies that let a role read secrets of each source.
const PARAMETER_READERS: [&str; 2] =
    ["arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonSSMFullAccess"];
const SECRET_READERS: [&str; 1] = ["arn:aws:iam::aws:policy/SecretsManagerReadWrite"];

/// The secrets of a service's containers that its execution role shows no permission to read.
fn unreadable_secrets<'a>(secrets: &[SecretUse<'a>], role: &Role) -> Vec<(SecretUse<'a>, &'static str)> {
    let grants = role.inline_policy.as_deref().map(allow_statements).unwrap_or_default();
    let managed = |readers: &[&str]| role.managed_policies.iter().any(|arn| readers.contains(&arn.as_str()));
    secrets
        .iter()
        .filter_map(|used| {
            let (action, readable) = match used.source {
                SecretSource::Parameter(id) => (
                    "ssm:GetParameters",
                    managed(&PARAMETER_READERS) || {
                        grants.iter().any(|(actions, resources)| {
                            actions.iter().any(|a| action_matches(a, "ssm:GetParameters"))
                                && resources.iter().any(|r| parameter_matches(r, id))
                        })
                    },
                ),
                SecretSource::Secret { id, .. } => (
                    "secretsmanager:GetSecretValue",
                    managed(&SECRET_READERS) || {
                        grants.iter().any(|(actions, resources)| {
                            actions.iter().any(|a| action_matches(a, "secretsmanager:GetSecretValue"))
                                && resources.iter().any(|r| secret_matches(r, id))
                        })
                    },
                ),
            };
            (!readable).then_some((*used, action))
        })
        .collect()
}

/// Whether a policy's resource pattern covers a parameter named or ARN'd `id` (any region and account: the
/// files do not say which the environment is).
fn parameter_matches(pattern: &str, id: &str) -> bool {
    if pattern == "*" || action_matches(pattern, id) {
        return true;
    }
    let name = id.rsplit_once(":parameter").map_or(id, |(_, name)| name);
    let name = format!("/{}", name.trim_start_matches('/'));
    pattern.rsplit_once(":parameter").is_some_and(|(_, wanted)| action_matches(wanted, &name))
}

/// Whether a policy's resource pattern covers a secret named or ARN'd `id`. Secret ARNs end in `-` and six
/// random characters, which a pattern for the name alone must allow (`name-??????` or `name*`).
fn secret_matches(pattern: &str, id: &str) -> bool {
    if pattern == "*" || action_matches(pattern, id) {
        return true;
    }
    let name = id.rsplit_once(":secret:").map_or(id, |(_, name)| name);
    pattern
        .rsplit_once(":secret:")
        .is_some_and(|(_, wanted)| action_matches(wanted, name) || action_matches(wanted, &format!("{name}-XXXXXX")))
}

/// IAM matching of an action or resource: case-insensitive, `*` matches any run of characters and `?` any one.
fn action_matches(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.to_ascii_lowercase().chars().collect(), text.to_ascii_lowercase().chars().collect());
    glob(&pattern, &text)
}

fn glob(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        Some((&c, rest)) => text.split_first().is_some_and(|(&t, tail)| (c == '?' || c == t) && glob(rest, tail)),
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
