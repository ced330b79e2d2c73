//! Field values in a form both the diff and the renderers understand.

use serde::Serialize;

/// A field's value, reduced to what a person needs to see and what compares correctly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Not set (or the resource does not exist yet). Serialized as `null`.
    Absent,
    Bool(bool),
    Int(i64),
    Text(String),
    /// An unordered collection, kept sorted so that order never shows as a difference.
    Set(Vec<String>),
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<&ipnet::Ipv4Net> for Value {
    fn from(v: &ipnet::Ipv4Net) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<&crate::Ref> for Value {
    fn from(v: &crate::Ref) -> Self {
        Value::Text(v.to_string())
    }
}

/// The name of a resource's field, as the planner, apply and the renderers share it. Each kind declares its
/// fields once, as constants in its module's `field` (`kinds::vpc::field::CIDR`); nothing else spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldId(&'static str);

impl FieldId {
    pub const fn new(name: &'static str) -> Self {
        FieldId(name)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for FieldId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// One comparable field of a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: FieldId,
    pub value: Value,
    /// AWS cannot change this field in place: a difference means replacing the resource.
    pub forces_replacement: bool,
}

impl Field {
    pub fn update(name: FieldId, value: impl Into<Value>) -> Self {
        Field { name, value: value.into(), forces_replacement: false }
    }

    pub fn replace(name: FieldId, value: impl Into<Value>) -> Self {
        Field { name, value: value.into(), forces_replacement: true }
    }
}
