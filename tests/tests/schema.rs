//! The JSON Schema of desired-state files, as an editor sees it: taplo (the checker behind VS Code's Even Better
//! TOML) with the schema `reconciler schema` prints. Every shipped file passes; a misspelt field, a wrong type
//! and a value out of range are each flagged at their line. That the schema's fields are exactly the parser's
//! is checked in crates/spec/src/schema.rs.

use std::path::{Path, PathBuf};
use std::process::Command;

use reconciler_tests::{DesiredDir, run_reconciler, workspace_root};

/// taplo, installed by tests/install-taplo.sh (which the README's test command runs).
fn taplo() -> PathBuf {
    let taplo = workspace_root().join(".tools/node_modules/.bin/taplo");
    assert!(taplo.exists(), "{} is missing: run tests/install-taplo.sh (tests/run.sh does)", taplo.display());
    taplo
}

/// `taplo check` of `files` with the schema at `schema`: (success, everything it printed).
fn check(schema: &Path, files: &[PathBuf]) -> (bool, String) {
    let output = Command::new(taplo())
        .arg("check")
        .arg("--schema")
        .arg(format!("file://{}", schema.display()))
        .args(files)
        // No .taplo.toml from the working directory: only the schema given here.
        .current_dir(std::env::temp_dir())
        .output()
        .expect("taplo runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), printed)
}

/// The schema as the binary prints it, in a file.
fn printed_schema(dir: &DesiredDir) -> PathBuf {
    let run = run_reconciler("http://127.0.0.1:9", &["schema"]);
    assert_eq!(run.code, 0, "{run}");
    let path = dir.path().join("reconciler.schema.json");
    std::fs::write(&path, &run.stdout).unwrap();
    path
}

fn shipped_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["config", "examples/production", "examples/shared-load-balancer"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    files
}

#[test]
fn every_shipped_desired_state_file_passes_the_schema() {
    let scratch = DesiredDir::new();
    let schema = printed_schema(&scratch);
    let (ok, printed) = check(&schema, &shipped_files());
    assert!(ok, "{printed}");
}

#[test]
fn the_schema_flags_a_misspelt_field_a_wrong_type_and_a_value_out_of_range_at_their_lines() {
    let dir = DesiredDir::new();
    let schema = printed_schema(&dir);
    dir.write(
        "web.toml",
        r#"[service.web]
cluster = "main"
image = "nginx:1.27"
port = 70000
vpc = "main"
security_groups = ["web"]
execution_role = "exec"
subnets = "dmz"
desried_count = 2

[service.web.deployment]
circuit_breaker = "yes"
"#,
    );
    let (ok, printed) = check(&schema, &[dir.path().join("web.toml")]);
    assert!(!ok, "{printed}");
    for (line, message) in [
        ("web.toml:4:", "70000 is greater than the maximum of 65535"),
        ("web.toml:8:", "\"dmz\" is not one of [\"private\",\"public\"]"),
        ("web.toml:9:", "'desried_count' was unexpected"),
        ("web.toml:12:", "\"yes\" is not of type \"boolean\""),
    ] {
        let at_line = printed.split("error: ").any(|error| error.contains(message) && error.contains(line));
        assert!(at_line, "{message} at {line}:\n{printed}");
    }
    // The parser refuses the same file, at the same places.
    let validate = run_reconciler("http://127.0.0.1:9", &["validate", "--config-dir", dir.arg()]);
    assert_eq!(validate.code, 1, "{validate}");
    for field in ["port", "subnets", "desried_count", "deployment.circuit_breaker"] {
        assert!(validate.stderr.contains(field) || validate.stdout.contains(field), "{field}: {validate}");
    }
}

#[test]
fn the_repository_associates_its_desired_state_files_with_the_schema() {
    // What an editor opening this repository does: .taplo.toml's rule, no --schema.
    let root = workspace_root();
    let output = Command::new(taplo()).arg("check").args(shipped_files()).current_dir(&root).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // The same rule on a copy of the repository's layout, with a misspelt field in an example.
    let copy = DesiredDir::new();
    std::fs::copy(root.join(".taplo.toml"), copy.path().join(".taplo.toml")).unwrap();
    std::fs::create_dir_all(copy.path().join("crates/spec")).unwrap();
    let schema = "crates/spec/desired-state.schema.json";
    std::fs::copy(root.join(schema), copy.path().join(schema)).unwrap();
    std::fs::create_dir_all(copy.path().join("examples/production")).unwrap();
    let bad = copy.path().join("examples/production/cluster.toml");
    std::fs::write(&bad, "[cluster.x]\ncontainer_insight = true\n").unwrap();
    let output = Command::new(taplo()).arg("check").arg(&bad).current_dir(copy.path()).output().unwrap();
    let printed = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && printed.contains("'container_insight' was unexpected"), "{printed}");
}

#[test]
fn the_schema_is_what_its_generator_makes_of_docs_schema_md() {
    let root = workspace_root();
    let output =
        Command::new("python3").arg(root.join("crates/spec/schema-from-docs.py")).output().expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let committed = std::fs::read_to_string(root.join("crates/spec/desired-state.schema.json")).unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "crates/spec/desired-state.schema.json is out of date with docs/schema.md: run \
         python3 crates/spec/schema-from-docs.py > crates/spec/desired-state.schema.json"
    );
}
