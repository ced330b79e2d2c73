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

/// One comparable field of a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub value: Value,
    /// AWS cannot change this field in place: a difference means replacing the resource.
    pub forces_replacement: bool,
}

impl Field {
    pub fn update(name: &'static str, value: impl Into<Value>) -> Self {
        Field { name, value: value.into(), forces_replacement: false }
    }

    pub fn replace(name: &'static str, value: impl Into<Value>) -> Self {
        Field { name, value: value.into(), forces_replacement: true }
    }
}
