//! Field values as text: quoting, and what changed inside a set.

use std::collections::BTreeSet;

use reconciler_plan::Value;

/// A value as Terraform prints one: strings in double quotes (JSON escapes), bools and integers bare,
/// absent as `(none)`, a set inline as `["a", "b"]` (used for empty sets and mismatched sides).
pub(crate) fn display(value: &Value) -> String {
    match value {
        Value::Absent => "(none)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(text) => quote(text),
        Value::Set(items) => {
            let items: Vec<String> = items.iter().map(|item| quote(item)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// A string in double quotes, escaped as in JSON so that control characters cannot break a line.
pub(crate) fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

/// What changed inside a set-valued field.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SetDiff<'a> {
    /// In `after` only, in order.
    pub(crate) added: Vec<&'a str>,
    /// In `before` only, in order.
    pub(crate) removed: Vec<&'a str>,
    /// In both.
    pub(crate) unchanged: usize,
}

/// The element-wise difference when the field is a set on at least one side (an absent side counts as
/// empty). `None` when the field is not a set.
pub(crate) fn set_diff<'a>(before: &'a Value, after: &'a Value) -> Option<SetDiff<'a>> {
    fn elements(value: &Value) -> Option<BTreeSet<&str>> {
        match value {
            Value::Set(items) => Some(items.iter().map(String::as_str).collect()),
            Value::Absent => Some(BTreeSet::new()),
            _ => None,
        }
    }
    if !matches!(before, Value::Set(_)) && !matches!(after, Value::Set(_)) {
        return None;
    }
    let (before, after) = (elements(before)?, elements(after)?);
    Some(SetDiff {
        added: after.difference(&before).copied().collect(),
        removed: before.difference(&after).copied().collect(),
        unchanged: before.intersection(&after).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> Value {
        Value::Set(items.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn values_print_like_terraform() {
        assert_eq!(display(&Value::Absent), "(none)");
        assert_eq!(display(&Value::Bool(true)), "true");
        assert_eq!(display(&Value::Int(-3)), "-3");
        assert_eq!(display(&Value::Text("10.0.0.0/24".into())), r#""10.0.0.0/24""#);
        assert_eq!(display(&set(&[])), "[]");
        assert_eq!(display(&set(&["a", "b"])), r#"["a", "b"]"#);
    }

    #[test]
    fn quotes_and_control_characters_are_escaped() {
        assert_eq!(quote("say \"hi\"\nbye"), r#""say \"hi\"\nbye""#);
        assert_eq!(quote("café"), "\"café\"");
    }

    #[test]
    fn set_diff_lists_added_and_removed_elements() {
        let (before, after) = (set(&["a", "b", "c"]), set(&["b", "c", "d"]));
        assert_eq!(set_diff(&before, &after), Some(SetDiff { added: vec!["d"], removed: vec!["a"], unchanged: 2 }));
    }

    #[test]
    fn absent_side_of_a_set_counts_as_empty() {
        let after = set(&["x"]);
        assert_eq!(set_diff(&Value::Absent, &after), Some(SetDiff { added: vec!["x"], removed: vec![], unchanged: 0 }));
    }

    #[test]
    fn scalars_have_no_set_diff() {
        assert_eq!(set_diff(&Value::Absent, &Value::Text("x".into())), None);
        assert_eq!(set_diff(&Value::Text("x".into()), &set(&["x"])), None);
    }
}
