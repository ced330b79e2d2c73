//! The examples of docs/schema.md, checked against what the code does so that the page cannot drift.
//!
//! An example is a fenced block right after a `<!-- example: GROUP NAME -->` marker: in a group, the blocks
//! named after a file are that file's text, the block named `output` is the errors loading them prints.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{load, load_errors};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// group -> name -> block text.
fn examples() -> BTreeMap<String, BTreeMap<String, String>> {
    let doc = std::fs::read_to_string(root().join("docs/schema.md")).unwrap();
    let mut examples: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(marker) = line.strip_prefix("<!-- example: ").and_then(|l| l.strip_suffix(" -->")) else {
            continue;
        };
        let (group, name) = marker.split_once(' ').expect("<!-- example: GROUP NAME -->");
        assert!(lines.next().unwrap().starts_with("```"), "a fenced block follows {line}");
        let mut text = String::new();
        for line in lines.by_ref().take_while(|line| *line != "```") {
            text.push_str(line);
            text.push('\n');
        }
        examples.entry(group.into()).or_default().insert(name.into(), text);
    }
    examples
}

fn check_error_example(group: &str) {
    let examples = examples();
    let example = &examples[group];
    let files: Vec<(&str, &str)> = example
        .iter()
        .filter(|(name, _)| *name != "output")
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    assert!(!files.is_empty());
    let expected: Vec<&str> = example["output"].lines().collect();
    assert_eq!(load_errors(&files), expected);
}

#[test]
fn multi_error_example() {
    check_error_example("errors");
}

#[test]
fn syntax_error_example() {
    check_error_example("syntax");
}

#[test]
fn complete_example_is_the_workshop_platform() {
    let examples = examples();
    let shown = &examples["platform"]["config/platform.toml"];
    let actual = std::fs::read_to_string(root().join("config/platform.toml")).unwrap();
    assert_eq!(shown, &actual, "docs/schema.md's complete example differs from config/platform.toml");
    let desired = load(&[("config/platform.toml", shown)]).unwrap();
    assert_eq!(desired.len(), 4);
}
