//! The JSON Schema of a desired-state file (`crates/spec/desired-state.schema.json`), for editors: with taplo
//! or Even Better TOML it completes kinds and fields, shows their documentation on hover and marks a misspelt
//! field, a wrong type or a value out of range as it is typed. `reconciler schema` prints it.
//!
//! The parser stays the authority: it also checks what a schema cannot (references, CIDRs against their VPC,
//! anything across files). `crates/spec/schema-from-docs.py` writes the schema from docs/schema.md's field
//! tables (a test in tests/tests/schema.rs keeps the two equal); the tests below keep its tables' fields
//! equal to the parser's, so that an editor never flags a field the parser takes or offers one
//! it refuses.

/// The schema, as JSON text.
pub const JSON_SCHEMA: &str = include_str!("../desired-state.schema.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::JSON_SCHEMA;
    use crate::Kind;

    fn schema() -> Value {
        serde_json::from_str(JSON_SCHEMA).expect("the schema is JSON")
    }

    fn property_names(table: &Value) -> BTreeSet<String> {
        table["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
    }

    #[test]
    fn every_table_has_exactly_the_fields_the_parser_allows() {
        let schema = schema();
        let definitions = schema["definitions"].as_object().expect("definitions");
        let tables = crate::parse::fields_by_schema_definition();
        for (name, fields) in &tables {
            let table = definitions.get(*name).unwrap_or_else(|| panic!("no definition `{name}` in the schema"));
            let expected: BTreeSet<String> = fields.iter().map(|f| f.to_string()).collect();
            assert_eq!(property_names(table), expected, "definition `{name}`");
            assert_eq!(table["additionalProperties"], Value::Bool(false), "`{name}` must refuse unknown fields");
        }
        let mapped: BTreeSet<&str> = tables.iter().map(|(name, _)| *name).collect();
        let defined: BTreeSet<&str> = definitions.keys().map(String::as_str).collect();
        assert_eq!(defined, mapped, "every definition is checked against the parser");
    }

    #[test]
    fn the_top_level_tables_are_the_kinds() {
        let schema = schema();
        let kinds: BTreeSet<String> = Kind::ALL.iter().map(|k| k.to_string()).collect();
        assert_eq!(property_names(&schema), kinds);
        assert_eq!(schema["additionalProperties"], Value::Bool(false));
        for kind in &kinds {
            assert_eq!(schema["properties"][kind]["additionalProperties"]["$ref"], format!("#/definitions/{kind}"));
        }
    }

    #[test]
    fn every_field_has_a_description_and_every_reference_resolves() {
        let schema = schema();
        let definitions = schema["definitions"].as_object().expect("definitions");
        for (name, table) in definitions {
            for (field, property) in table["properties"].as_object().into_iter().flatten() {
                assert!(property["description"].as_str().is_some_and(|d| !d.is_empty()), "{name}.{field}");
            }
        }
        let text = JSON_SCHEMA;
        for reference in text.split("\"#/definitions/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(definitions.contains_key(name), "dangling reference to `{name}`");
        }
    }
}
