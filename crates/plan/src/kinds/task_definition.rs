//! A Fargate task definition with one container, as the planner derives it from a service.
//!
//! Task definitions are immutable: every field forces a new revision. A new revision is registered before the
//! old one is let go (the service is moved to it first), unlike other replacements.

use std::collections::BTreeMap;

use reconciler_vocabulary::ContainerHealthCheck;

use super::{Declared, Resource, values};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinitionSpec {
    pub family: String,
    pub cpu: u32,
    pub memory: u32,
    /// The execution role (pulls the image, writes logs).
    pub execution_role: Ref,
    /// The role the containers assume, if any.
    pub task_role: Option<Ref>,
    /// The container's name: the service name.
    pub container_name: String,
    pub image: String,
    pub port: u16,
    pub environment: BTreeMap<String, String>,
    /// Secret variables: name -> `valueFrom` (the parameter's or secret's ARN or name; never a value).
    pub secrets: BTreeMap<String, String>,
    pub command: Option<Vec<String>>,
    pub logs: Option<ContainerLogs>,
    pub health_check: Option<ContainerHealthCheck>,
}

/// awslogs settings of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLogs {
    /// The log group's name (not a reference: the awslogs driver takes the name; the log group is an ordering
    /// dependency of the task definition).
    pub group_name: String,
    pub stream_prefix: String,
}

pub mod field {
    use crate::value::FieldId;
    pub const FAMILY: FieldId = FieldId::new("family");
    pub const CPU: FieldId = FieldId::new("cpu");
    pub const MEMORY: FieldId = FieldId::new("memory");
    pub const EXECUTION_ROLE: FieldId = FieldId::new("execution_role");
    pub const TASK_ROLE: FieldId = FieldId::new("task_role");
    pub const HEALTH_CHECK: FieldId = FieldId::new("health_check");
    pub const CONTAINER_NAME: FieldId = FieldId::new("container_name");
    pub const IMAGE: FieldId = FieldId::new("image");
    pub const PORT: FieldId = FieldId::new("port");
    pub const ENVIRONMENT: FieldId = FieldId::new("environment");
    pub const SECRETS: FieldId = FieldId::new("secrets");
    pub const COMMAND: FieldId = FieldId::new("command");
    pub const LOG_GROUP: FieldId = FieldId::new("log_group");
    pub const LOG_STREAM_PREFIX: FieldId = FieldId::new("log_stream_prefix");
}

impl Resource for TaskDefinitionSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Service
    }

    fn fields(&self) -> Vec<Field> {
        let logs = |part: fn(&ContainerLogs) -> &String| {
            self.logs.as_ref().map_or(Value::Absent, |l| Value::Text(part(l).clone()))
        };
        vec![
            Field::replace(field::FAMILY, &self.family),
            Field::replace(field::CPU, Value::Int(self.cpu.into())),
            Field::replace(field::MEMORY, Value::Int(self.memory.into())),
            Field::replace(field::EXECUTION_ROLE, &self.execution_role),
            Field::replace(field::TASK_ROLE, values::optional(&self.task_role)),
            Field::replace(field::CONTAINER_NAME, &self.container_name),
            Field::replace(field::IMAGE, &self.image),
            Field::replace(field::PORT, Value::Int(self.port.into())),
            Field::replace(
                field::ENVIRONMENT,
                Value::Set(self.environment.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            ),
            Field::replace(
                field::SECRETS,
                Value::Set(self.secrets.iter().map(|(k, from)| format!("{k} from {from}")).collect()),
            ),
            Field::replace(
                field::COMMAND,
                self.command.as_ref().map_or(Value::Absent, |c| Value::Text(quote_words(c))),
            ),
            Field::replace(field::LOG_GROUP, logs(|l| &l.group_name)),
            Field::replace(field::LOG_STREAM_PREFIX, logs(|l| &l.stream_prefix)),
            Field::replace(field::HEALTH_CHECK, self.health_check.as_ref().map_or(Value::Absent, health_check_text)),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.execution_role];
        refs.extend(&self.task_role);
        refs
    }

    fn fixed_references(&self) -> Vec<&Ref> {
        self.references()
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.execution_role = f(&self.execution_role);
        self.task_role = self.task_role.as_ref().map(&mut *f);
    }

    fn replaced_by_new_version(&self) -> bool {
        true
    }
}

/// `CMD-SHELL "curl -f http://localhost/ || exit 1" every 30 s, timeout 5 s, 3 retries, start period 0 s`.
fn health_check_text(check: &ContainerHealthCheck) -> Value {
    Value::Text(format!(
        "{} every {} s, timeout {} s, {} retries, start period {} s",
        quote_words(&check.command),
        check.interval_seconds,
        check.timeout_seconds,
        check.retries,
        check.start_period_seconds
    ))
}

/// A command as a person would type it, each word quoted only when needed: `bundle exec "rails s"`.
fn quote_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| if w.is_empty() || w.contains(char::is_whitespace) { format!("{w:?}") } else { w.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}
