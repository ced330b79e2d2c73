//! `reconciler status` and `reconciler --once --wait` end to end, against a moto server.
//!
//! The emulator never finishes a rollout (tasks stay pending, the deployment stays IN_PROGRESS), so here the
//! wait can only time out: what is checked is that it follows the right services, shows their progress,
//! and exits 1 with the reason. How a rollout is judged stable or failed is tested on recorded and
//! constructed DescribeServices answers in crates/rollout.

use reconciler_tests::plans::pass;
use reconciler_tests::{DesiredDir, Emulator};

fn status_json(emulator: &Emulator, desired: &DesiredDir) -> serde_json::Value {
    let run = emulator.reconciler(&["status", "--config-dir", desired.arg(), "--output", "json"]);
    assert_eq!(run.code, 0, "{run}");
    run.json()
}

fn row<'a>(status: &'a serde_json::Value, service: &str) -> &'a serde_json::Value {
    status["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_name"] == service)
        .unwrap_or_else(|| panic!("no row for {service} in {status}"))
}

#[tokio::test]
async fn status_shows_every_declared_service_its_tasks_and_its_drift() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();

    // Before anything exists: one row per declared service, each "not created".
    let empty = emulator.reconciler(&["status", "--config-dir", desired.arg()]);
    assert_eq!(empty.code, 0, "{empty}");
    let lines: Vec<&str> = empty.stdout.lines().collect();
    assert!(lines[0].starts_with("SERVICE"), "{empty}");
    assert_eq!(lines.len(), 4, "a header and three services: {empty}");
    for service in ["ecsdemo-frontend", "ecsdemo-nodejs", "ecsdemo-crystal"] {
        let line = lines.iter().find(|l| l.starts_with(service)).unwrap_or_else(|| panic!("{service}: {empty}"));
        assert!(line.contains("not created"), "{line}");
    }
    assert_eq!(row(&status_json(&emulator, &desired), "ecsdemo-nodejs")["exists"], false);

    let converge = emulator.reconciler(&["--config-dir", desired.arg(), "--once"]);
    assert_eq!(converge.code, 0, "{converge}");
    let status = status_json(&emulator, &desired);
    let nodejs = row(&status, "ecsdemo-nodejs");
    assert_eq!(nodejs["exists"], true);
    assert_eq!(nodejs["cluster"], "container-demo");
    assert_eq!(nodejs["desired"], 1);
    assert_eq!(nodejs["revision"], 1);
    assert_eq!(nodejs["drift"], serde_json::json!([]));

    // Someone scales a service by hand: status says which field drifted, and shows the live count.
    let ecs = emulator.ecs().await;
    ecs.update_service().cluster("container-demo").service("ecsdemo-nodejs").desired_count(3).send().await.unwrap();
    let status = status_json(&emulator, &desired);
    let nodejs = row(&status, "ecsdemo-nodejs");
    assert_eq!(nodejs["desired"], 3);
    assert_eq!(nodejs["drift"], serde_json::json!(["desired_count"]));
    assert_eq!(row(&status, "ecsdemo-crystal")["drift"], serde_json::json!([]));
    let table = emulator.reconciler(&["status", "--config-dir", desired.arg()]);
    let line = table.stdout.lines().find(|l| l.starts_with("ecsdemo-nodejs")).unwrap();
    assert!(line.contains("drift: desired_count"), "{table}");

    // Status is read-only: the drift is still there for the next pass to repair.
    let plan = pass(&emulator, &desired, &["--dry-run"]);
    let document = plan.json();
    let addresses: Vec<&str> =
        document["actions"].as_array().unwrap().iter().map(|a| a["address"].as_str().unwrap()).collect();
    assert_eq!(addresses, ["service.ecsdemo-nodejs"], "{plan}");
}

#[tokio::test]
async fn wait_follows_the_changed_services_and_exits_1_with_the_reason_when_they_do_not_settle() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let converge = emulator.reconciler(&["--config-dir", desired.arg(), "--once"]);
    assert_eq!(converge.code, 0, "{converge}");

    // Change one service: only that one is followed.
    let file = desired.path().join("nodejs.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("desired_count = 1", "desired_count = 2")).unwrap();
    let run = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--wait", "--wait-timeout", "3s"]);
    assert_eq!(run.code, 1, "a rollout that does not finish in time is a failure: {run}");
    let wait_lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("ecsdemo-")).collect();
    assert!(!wait_lines.is_empty(), "progress is shown: {run}");
    assert!(wait_lines.iter().all(|l| l.starts_with("ecsdemo-nodejs")), "only the changed service: {run}");
    assert!(run.stdout.contains("ecsdemo-nodejs: timed out before the rollout finished"), "{run}");
    assert!(run.stdout.contains("1 of 1 service did not become stable"), "{run}");

    // The same as JSON, for scripts: the verdicts in the document, the progress on stderr.
    std::fs::write(&file, text.replace("desired_count = 1", "desired_count = 3")).unwrap();
    let json = pass(&emulator, &desired, &["--wait", "--wait-timeout", "2s"]);
    assert_eq!(json.code, 1, "{json}");
    let document = json.json();
    assert_eq!(document["wait"]["success"], false, "{json}");
    let verdicts = document["wait"]["services"].as_array().unwrap();
    assert_eq!(verdicts.len(), 1, "{json}");
    assert!(json.stderr.contains("ecsdemo-nodejs"), "{json}");

    // Nothing changed: nothing to follow, and the pass succeeds.
    let quiet = emulator.reconciler(&["--config-dir", desired.arg(), "--once", "--wait", "--wait-timeout", "2s"]);
    assert_eq!(quiet.code, 0, "{quiet}");
    assert!(!quiet.stdout.contains("did not become stable"), "{quiet}");
}

#[test]
fn wait_with_dry_run_is_refused_before_any_aws_call() {
    // No emulator: an AWS call would fail to connect, and the error would be a different one.
    let desired = DesiredDir::workshop();
    let run = reconciler_tests::run_reconciler(
        "http://127.0.0.1:9",
        &["--config-dir", desired.arg(), "--once", "--dry-run", "--wait"],
    );
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("--wait"), "{run}");
    assert!(run.stderr.contains("--dry-run"), "{run}");
}

#[test]
fn logs_carry_no_colour_codes_when_standard_error_is_not_a_terminal() {
    let emulator = Emulator::start();
    let desired = DesiredDir::platform();
    let run = reconciler_tests::run_reconciler_with_env(
        &emulator.endpoint(),
        &["--config-dir", desired.arg(), "--once", "--dry-run"],
        &[("RUST_LOG", "debug")],
    );
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.lines().any(|l| l.contains("DEBUG") || l.contains("INFO")), "the run logged: {run}");
    assert!(!run.stderr.contains('\u{1b}'), "an escape code went to a pipe: {run:?}");
}

/// The binary with `args`, its standard output a pipe that is already closed when it writes.
fn into_closed_pipe(args: &[&str]) -> std::process::Output {
    let mut child = std::process::Command::new(reconciler_tests::reconciler_binary())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("reconciler starts");
    drop(child.stdout.take());
    child.wait_with_output().expect("reconciler ends")
}

#[test]
fn shell_completions_and_the_man_page_come_from_the_flags() {
    let run = |args: &[&str]| {
        let output = std::process::Command::new(reconciler_tests::reconciler_binary()).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let bash = run(&["completions", "bash"]);
    for word in ["iam-policy", "--plan-out", "--lease-table", "destroy", "logs"] {
        assert!(bash.contains(word), "bash completions lack {word}");
    }
    assert!(run(&["completions", "zsh"]).contains("#compdef reconciler"));
    assert!(run(&["completions", "fish"]).contains("complete -c reconciler"));
    let man = run(&["man"]);
    assert!(man.contains(".TH reconciler 1"), "{man}");
    assert!(man.contains("desired\\-state TOML files"), "the man page speaks to users: {man}");
    assert!(!man.contains("wiring of the layers"), "no developer text in the man page");
}

#[test]
fn writing_into_a_closed_pipe_ends_quietly() {
    let dir = reconciler_tests::workspace_root().join("config");
    let mut cut_off = 0;
    for args in [
        vec!["completions", "bash"],
        vec!["man"],
        vec!["iam-policy", "--config-dir", dir.to_str().unwrap()],
        vec!["validate", "--config-dir", dir.to_str().unwrap()],
    ] {
        let output = into_closed_pipe(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?} panicked into a closed pipe: {stderr}");
        // 141, the shell's code for a process a closed pipe ended; 0 only if the process wrote everything
        // before the test closed the pipe (it closes it right after the start, so that is rare).
        match output.status.code() {
            Some(141) => cut_off += 1,
            Some(0) => {}
            other => panic!("{args:?}: exit {other:?}; {stderr}"),
        }
    }
    assert!(cut_off > 0, "no run met the closed pipe: the test did not test it");
}
