//! A Fargate task definition, as the planner derives it from a service: its main container (named after the
//! service) and any sidecars.
//!
//! Task definitions are immutable: every field forces a new revision. A new revision is registered before the
//! old one is let go (the service is moved to it first), unlike other replacements.

use std::collections::BTreeMap;

use reconciler_vocabulary::{ContainerHealthCheck, StartCondition};

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
    /// The main container starts once these containers meet their condition.
    pub depends_on: BTreeMap<String, StartCondition>,
    /// The other containers, sorted by name.
    pub sidecars: Vec<SidecarSpec>,
}

/// A container beside the main one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarSpec {
    pub name: String,
    pub image: String,
    /// CPU units reserved; `None`: none of its own.
    pub cpu: Option<u32>,
    /// Memory limit in MiB; `None`: none of its own.
    pub memory: Option<u32>,
    pub port: Option<u16>,
    pub environment: BTreeMap<String, String>,
    /// As [`TaskDefinitionSpec::secrets`]: `valueFrom`s, never values.
    pub secrets: BTreeMap<String, String>,
    pub command: Option<Vec<String>>,
    pub essential: bool,
    pub depends_on: BTreeMap<String, StartCondition>,
    pub health_check: Option<ContainerHealthCheck>,
    pub logs: Option<ContainerLogs>,
}

impl SidecarSpec {
    /// The whole container in one line, for the plan: a sidecar is compared as one value.
    fn describe(&self) -> String {
        let mut parts = vec![format!("{}: {}", self.name, self.image)];
        parts.extend(self.port.map(|p| format!("port {p}")));
        parts.extend(self.cpu.map(|c| format!("cpu {c}")));
        parts.extend(self.memory.map(|m| format!("memory {m}")));
        parts.push(if self.essential { "essential" } else { "not essential" }.to_string());
        if !self.environment.is_empty() {
            parts.push(format!("env {}", key_values(self.environment.iter().map(|(k, v)| format!("{k}={v}")))));
        }
        if !self.secrets.is_empty() {
            parts.push(format!("secrets {}", key_values(self.secrets.iter().map(|(k, f)| format!("{k} from {f}")))));
        }
        parts.extend(self.command.as_ref().map(|c| format!("command {}", quote_words(c))));
        if !self.depends_on.is_empty() {
            parts.push(format!("after {}", start_order(&self.depends_on).join(", ")));
        }
        parts.extend(self.health_check.as_ref().map(|c| format!("health check {}", health_check_line(c))));
        parts.extend(self.logs.as_ref().map(|l| format!("logs {}/{}", l.group_name, l.stream_prefix)));
        parts.join("; ")
    }
}

/// `a=1 b=2`.
fn key_values(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(" ")
}

/// `envoy HEALTHY`, one per container waited for.
fn start_order(depends_on: &BTreeMap<String, StartCondition>) -> Vec<String> {
    depends_on.iter().map(|(container, condition)| format!("{container} {}", condition.as_str())).collect()
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
    /// The main container's start order: `CONTAINER CONDITION` each.
    pub const DEPENDS_ON: FieldId = FieldId::new("depends_on");
    /// One line per sidecar, the whole container.
    pub const SIDECARS: FieldId = FieldId::new("sidecars");
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
            Field::replace(field::DEPENDS_ON, Value::Set(start_order(&self.depends_on))),
            Field::replace(field::SIDECARS, Value::Set(self.sidecars.iter().map(SidecarSpec::describe).collect())),
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

fn health_check_text(check: &ContainerHealthCheck) -> Value {
    Value::Text(health_check_line(check))
}

/// `CMD-SHELL "curl -f http://localhost/ || exit 1" every 30 s, timeout 5 s, 3 retries, start period 0 s`.
fn health_check_line(check: &ContainerHealthCheck) -> String {
    format!(
        "{} every {} s, timeout {} s, {} retries, start period {} s",
        quote_words(&check.command),
        check.interval_seconds,
        check.timeout_seconds,
        check.retries,
        check.start_period_seconds
    )
}

/// A command as a person would type it, each word quoted only when needed: `bundle exec "rails s"`.
fn quote_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| if w.is_empty() || w.contains(char::is_whitespace) { format!("{w:?}") } else { w.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}
