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
    assert_eq!(desired.len(), 5);
}

/// The files of an example group, loaded on top of the workshop platform.
fn load_on_platform(group: &str) -> reconciler_spec::Desired {
    let examples = examples();
    let platform = std::fs::read_to_string(root().join("config/platform.toml")).unwrap();
    let mut files: Vec<(&str, &str)> = vec![("config/platform.toml", &platform)];
    files.extend(
        examples[group].iter().filter(|(name, _)| *name != "output").map(|(name, text)| (name.as_str(), text.as_str())),
    );
    load(&files).unwrap_or_else(|errors| panic!("{}", errors.join("\n")))
}

#[test]
fn services_example_is_the_shipped_config() {
    let examples = examples();
    for (name, shown) in &examples["services"] {
        let actual = std::fs::read_to_string(root().join(name)).unwrap();
        assert_eq!(shown, &actual, "docs/schema.md's example of {name} differs from the file");
    }
    let desired = load_on_platform("services");
    assert_eq!(desired.services.len(), 2);
    assert_eq!(desired.warnings, []);
}

#[test]
fn the_shipped_config_is_the_whole_workshop() {
    let desired = reconciler_spec::load_dir(&root().join("config"))
        .unwrap_or_else(|errors| panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")));
    let services: Vec<&str> = desired.services.values().map(|s| s.spec.service_name.as_str()).collect();
    assert_eq!(services, ["ecsdemo-crystal", "ecsdemo-frontend", "ecsdemo-nodejs"]);
    assert!(desired.services["ecsdemo-frontend"].spec.load_balancer.is_some());
    assert_eq!(desired.instances.len(), 1);
    assert_eq!(desired.warnings, []);
}

#[test]
fn warning_example() {
    let desired = load_on_platform("warnings");
    let shown: Vec<String> = desired.warnings.iter().map(ToString::to_string).collect();
    let examples = examples();
    let expected: Vec<&str> = examples["warnings"]["output"].lines().collect();
    assert_eq!(shown, expected);
}
