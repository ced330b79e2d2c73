//! Secrets a service's containers read at start (SSM parameters, Secrets Manager secrets): how a reference
//! becomes the `valueFrom` a task definition carries, which references do not exist, and the version of each
//! that the service's tasks were started with. Only references and versions pass through here, never a value.

use std::collections::BTreeMap;

use reconciler_spec::Desired;
use reconciler_vocabulary::SecretSource;

use crate::plan::{ChangedField, FieldChange};
use crate::value::Value;
use crate::{Address, Kind};

/// Tag on an ECS service, one per secret variable: the version of the secret its tasks were started with.
/// A new version (a rotation) changes the tag's desired value, and the update redeploys the service.
pub const SECRET_VERSION_KEY_PREFIX: &str = "reconciler:secret:";

/// A referenced parameter or secret as found: the ARN or name a task definition takes for it, and its current
/// version (an SSM parameter's version number, a Secrets Manager secret's `AWSCURRENT` version id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSecret {
    pub value_from: String,
    pub version: String,
}

/// The parameters and secrets found, by [`lookup`] key.
pub type FoundSecrets = BTreeMap<SecretSource, FoundSecret>;

/// What observation looks a reference up by: the parameter or secret itself, without a JSON key (two variables
/// reading two keys of one secret are one lookup).
pub fn lookup(source: &SecretSource) -> SecretSource {
    match source {
        SecretSource::Parameter(id) => SecretSource::Parameter(id.clone()),
        SecretSource::Secret { id, .. } => SecretSource::Secret { id: id.clone(), key: None },
    }
}

/// The `valueFrom` of a container secret. A parameter by name is taken by ECS in the task's region; a Secrets
/// Manager secret must be given by ARN, with `:KEY::` for one key of its JSON value (any version: the current).
pub fn value_from(source: &SecretSource, found: &FoundSecrets) -> String {
    let base = found.get(&lookup(source)).map_or_else(|| source.id().to_string(), |f| f.value_from.clone());
    match source {
        SecretSource::Parameter(_) | SecretSource::Secret { key: None, .. } => base,
        SecretSource::Secret { key: Some(key), .. } => format!("{base}:{key}::"),
    }
}

/// The tag that records the version of `variable`'s secret on the service (`VAR`, or `SIDECAR/VAR`).
pub fn version_tag(variable: &str) -> String {
    format!("{SECRET_VERSION_KEY_PREFIX}{variable}")
}

/// The variables whose secret has a new version since the service's tasks were started (its version tag
/// changes from one value to another; a tag written for the first time is no rotation).
pub fn rotated(changes: &[FieldChange]) -> Vec<String> {
    changes
        .iter()
        .filter(|c| c.before != Value::Absent)
        .filter_map(|c| match &c.field {
            ChangedField::Tag(key) => key.strip_prefix(SECRET_VERSION_KEY_PREFIX).map(str::to_string),
            ChangedField::Field(_) => None,
        })
        .collect()
}

/// The task definitions whose secrets do not all exist, each with the first one missing (`parameter /x`,
/// `secret app/api`): registering them would make tasks that cannot start.
pub fn missing(desired: &Desired, found: &FoundSecrets) -> BTreeMap<Address, String> {
    desired
        .services
        .iter()
        .filter_map(|(name, declared)| {
            let uses = declared.spec.secret_uses();
            let absent = uses.iter().map(|u| u.source).find(|source| !found.contains_key(&lookup(source)))?;
            let what = match absent {
                SecretSource::Parameter(id) => format!("parameter {id}"),
                SecretSource::Secret { id, .. } => format!("secret {id}"),
            };
            Some((Address::new(Kind::TaskDefinition, name), what))
        })
        .collect()
}
