//! `reconciler export` end to end (issue 15 item 4): the workshop built by hand through the AWS API
//! (`tests/scripts/workshop_by_hand.py`, boto3, as the workshop's CLI steps), exported, and the exported files
//! applied: the first pass only adopts (tags) and changes no live value, the second has nothing to do, and
//! every resource is the one made by hand (same ids, none added).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use reconciler_tests::{DesiredDir, Emulator};

/// Runs the hand-building script in `mode` (`build` or `ids`) against the emulator; its JSON answer.
fn by_hand(emulator: &Emulator, mode: &str) -> serde_json::Value {
    // This crate's directory as this test binary was built from (the library's may be another checkout's).
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(tests.join("../.venv/bin/python"))
        .arg(tests.join("scripts/workshop_by_hand.py"))
        .args([mode, &emulator.endpoint()])
        .output()
        .expect("python from .venv runs");
    assert!(output.status.success(), "workshop_by_hand.py {mode}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn ids(answer: &serde_json::Value) -> BTreeSet<String> {
    answer["ids"].as_array().expect("ids").iter().map(|id| id.as_str().expect("an id").to_string()).collect()
}

/// Every file of the directory, concatenated.
fn contents(dir: &DesiredDir) -> String {
    let mut names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_workshop_built_by_hand_is_exported_and_the_first_pass_only_adopts_it() {
    let emulator = Emulator::start();
    let built = by_hand(&emulator, "build");
    let made = ids(&built);
    let out = DesiredDir::new();

    let export = emulator.reconciler(&["export", "--cluster", "container-demo", "--out", out.arg(), "--force"]);
    assert_eq!(export.code, 0, "{export}");
    assert!(export.stdout.contains(" API calls (0 mutating)."), "read only: {export}");
    assert!(export.stdout.contains("The first pass over them adopts every resource and changes nothing else."));
    // The only thing left out is the VPC's default group (AWS's, in every VPC); the check after writing found
    // nothing the first pass would do besides adopting.
    let notes: Vec<&str> = export.stderr.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(notes.len(), 1, "{export}");
    assert!(notes[0].contains("(default): a VPC's default group is AWS's: not exported"), "{export}");
    let files: BTreeSet<String> =
        std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let expected = ["ecsdemo-crystal.toml", "ecsdemo-frontend.toml", "ecsdemo-nodejs.toml", "platform.toml"];
    assert_eq!(files, expected.iter().map(|s| s.to_string()).collect(), "{export}");
    let written = contents(&out);
    assert!(
        written.starts_with("# Exported by `reconciler export` from cluster container-demo in us-east-1"),
        "{written}"
    );
    assert_eq!(written.matches("\nadopt = true\n").count(), 11, "every declaration adopts:\n{written}");

    // Secrets by reference only: neither value is in a file, in export's output or in the plan.
    let dry_run = emulator.reconciler(&["--config-dir", out.arg(), "--once", "--dry-run", "--output", "json"]);
    for secret in built["secrets"].as_array().unwrap() {
        let secret = secret.as_str().unwrap();
        for (what, text) in [("files", &written), ("export stdout", &export.stdout), ("export stderr", &export.stderr)]
        {
            assert!(!text.contains(secret), "a secret value in the {what}");
        }
        assert!(!dry_run.stdout.contains(secret) && !dry_run.stderr.contains(secret), "a secret value in the plan");
    }
    assert!(written.contains(r#"SECRET_KEY_BASE = { parameter = "/ecsdemo/frontend/secret-key-base" }"#), "{written}");
    assert!(written.contains(r#":secret:ecsdemo/db-"#) && written.contains(r#"key = "password""#), "{written}");

    let validate = emulator.reconciler(&["validate", "--config-dir", out.arg()]);
    assert_eq!(validate.code, 0, "{validate}");

    // The first pass: adoptions only, each one adding tags (ours, and a Name where the resource had none) and
    // changing no value that is there.
    assert_eq!(dry_run.code, 0, "{dry_run}");
    let plan = dry_run.json();
    let summary = &plan["summary"];
    for count in ["create", "update", "replace", "delete", "release", "conflicts", "held", "not_declared"] {
        assert_eq!(summary[count], 0, "{count}: {}", plan);
    }
    let actions = plan["actions"].as_array().unwrap();
    assert_eq!(summary["adopt"], actions.len());
    let adopted: BTreeSet<String> = actions.iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    for action in actions {
        assert_eq!(action["action"], "adopt", "{action}");
        for change in action["changes"].as_array().unwrap() {
            let field = change["field"].as_str().unwrap();
            assert!(field.starts_with("tags.") && change["before"].is_null(), "{} changes {change}", action["address"]);
        }
    }
    // Everything built by hand is adopted (the scaling resources are named by their resource id and policy
    // name in the script, by ARN in the plan: counted, not compared).
    let scaling = |id: &String| id.starts_with("service/") || id.contains(":scalingPolicy:");
    let unscaled = |set: &BTreeSet<String>| set.iter().filter(|id| !scaling(id)).cloned().collect::<BTreeSet<_>>();
    let made_unscaled: BTreeSet<String> =
        unscaled(&made).into_iter().filter(|id| !id.starts_with("/ecs/")).collect::<BTreeSet<_>>();
    let adopted_unscaled: BTreeSet<String> =
        unscaled(&adopted).into_iter().filter(|id| !id.contains(":log-group:")).collect();
    assert_eq!(adopted_unscaled, made_unscaled);
    assert_eq!(adopted.iter().filter(|id| scaling(id)).count(), made.iter().filter(|id| scaling(id)).count());

    let apply = emulator.reconciler(&["--config-dir", out.arg(), "--once"]);
    assert_eq!(apply.code, 0, "{apply}");
    let again = emulator.reconciler(&["--config-dir", out.arg(), "--once", "--dry-run", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "the second pass has nothing to do: {again}");
    assert!(again.stdout.contains("No changes."), "{again}");
    // Nothing was replaced, nothing was added: the resources are the ones made by hand.
    assert_eq!(ids(&by_hand(&emulator, "ids")), made);

    // Exporting again finds everything ours now: nothing is written twice, each resource is named.
    let twice = emulator.reconciler(&["export", "--cluster", "container-demo", "--out", out.arg()]);
    assert_eq!(twice.code, 1, "the directory has files and no --force: {twice}");
    assert!(twice.stderr.contains("is not empty; give --force"), "{twice}");
    let elsewhere = DesiredDir::new();
    let twice = emulator.reconciler(&["export", "--cluster", "container-demo", "--out", elsewhere.arg(), "--force"]);
    assert_eq!(twice.code, 0, "{twice}");
    assert!(twice.stderr.contains("service ecsdemo-nodejs (arn:aws:ecs:"), "{twice}");
    assert!(twice.stderr.contains("is already ours, as service.ecsdemo-nodejs: not exported"), "{twice}");
}

#[test]
fn export_of_a_cluster_that_does_not_exist_fails() {
    let emulator = Emulator::start();
    let out = DesiredDir::new();
    let export = emulator.reconciler(&["export", "--cluster", "nope", "--out", out.arg(), "--force"]);
    assert_eq!(export.code, 1, "{export}");
    assert!(export.stderr.contains("no ECS cluster named `nope` was found"), "{export}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "nothing written");
}
