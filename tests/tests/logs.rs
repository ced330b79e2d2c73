//! `reconciler logs` end to end: the real binary against moto, the lines written into the services' log
//! streams with the SDK while it runs, as the awslogs driver of their tasks would.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use reconciler_tests::fault_proxy::FaultProxy;
use reconciler_tests::plans::converge;
use reconciler_tests::{DesiredDir, Emulator, spawn_reconciler_piped};

const FRONTEND_TASK: &str = "3f2a4b1c9d8e4f00aa11bb22cc33dd44";
const NODEJS_TASK: &str = "77e0c5d2a1b04e3f9c8d7e6f5a4b3c2d";
const NODEJS_SECOND_TASK: &str = "c0ffee00112233445566778899aabbcc";

fn now_ms() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

/// Where a task of `family` logs, read from the task definition the reconciler registered (the awslogs
/// options and the container name): `PREFIX/CONTAINER/TASKID` as ECS names the stream.
async fn stream_of(emulator: &Emulator, family: &str, task: &str) -> (String, String) {
    let out = emulator.ecs().await.describe_task_definition().task_definition(family).send().await.unwrap();
    let container = &out.task_definition().unwrap().container_definitions()[0];
    let options = container.log_configuration().unwrap().options().unwrap();
    let stream = format!("{}/{}/{task}", options["awslogs-stream-prefix"], container.name().unwrap());
    (options["awslogs-group"].clone(), stream)
}

/// The log group and stream, made as the workshop's files declare them (for tests that need no service).
async fn workshop_stream(emulator: &Emulator, service: &str, task: &str) -> (String, String) {
    let group = format!("/ecs/{service}");
    let logs = emulator.logs().await;
    logs.create_log_group().log_group_name(&group).send().await.unwrap();
    (group, format!("{service}/{service}/{task}"))
}

/// Writes `events` (timestamp, message), oldest first, into the stream, creating it when it is new.
async fn write(emulator: &Emulator, (group, stream): &(String, String), events: &[(i64, &str)]) {
    let logs = emulator.logs().await;
    // Already there after the first write: that error is the point of asking again.
    let _ = logs.create_log_stream().log_group_name(group).log_stream_name(stream).send().await;
    let events = events
        .iter()
        .map(|(timestamp, message)| InputLogEvent::builder().timestamp(*timestamp).message(*message).build().unwrap());
    let put = logs.put_log_events().log_group_name(group).log_stream_name(stream);
    put.set_log_events(Some(events.collect())).send().await.unwrap();
}

/// The lines a running `logs --follow` prints, as they come.
struct Follow {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Follow {
    fn start(emulator: &Emulator, args: &[&str]) -> Follow {
        let mut child = spawn_reconciler_piped(&emulator.endpoint(), args);
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Follow { child, lines, seen: Vec::new() }
    }

    /// Waits until a line containing `text` is printed; every line read so far is kept in `seen`.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.seen.iter().any(|l| l.contains(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no line with {text:?} within 30 s; printed:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Reads what is printed for `time` more.
    fn keep_reading(&mut self, time: Duration) {
        let deadline = Instant::now() + time;
        while let Ok(line) = self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            self.seen.push(line);
        }
    }

    fn count(&self, text: &str) -> usize {
        self.seen.iter().filter(|l| l.ends_with(&format!("  {text}"))).count()
    }

    /// SIGTERM, as systemd or `timeout` sends it; the exit code.
    fn terminate(mut self) -> (i32, String) {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        wait_exit(&mut self.child)
    }
}

/// The exit code and standard error of a child that must end within 15 s.
fn wait_exit(child: &mut Child) -> (i32, String) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status.code().unwrap_or(-1), stderr);
        }
        assert!(Instant::now() < deadline, "still running 15 s later");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two services of the converged workshop followed while their tasks write: what was there at the start,
/// interleaved in time order, then each new line once, with the same millisecond across polls and a line
/// that arrives after a newer one.
#[tokio::test(flavor = "multi_thread")]
async fn two_services_followed_while_lines_are_written_show_each_line_once_in_time_order() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let frontend = stream_of(&emulator, "ecsdemo-frontend", FRONTEND_TASK).await;
    let nodejs = stream_of(&emulator, "ecsdemo-nodejs", NODEJS_TASK).await;
    let start = now_ms() - 5_000;
    write(&emulator, &frontend, &[(start, "f1"), (start + 2, "f3")]).await;
    write(&emulator, &nodejs, &[(start + 1, "n2"), (start + 3, "n4")]).await;
    // Something else writing into the frontend's log group: not the frontend's (moto returns it anyway).
    write(&emulator, &(frontend.0.clone(), "other/other/1234".into()), &[(start + 4, "stranger")]).await;

    let args = ["logs", "ecsdemo-frontend", "ecsdemo-nodejs", "--follow", "--config-dir", desired.arg()];
    let mut follow = Follow::start(&emulator, &args);
    follow.wait_for("n4");
    let first: Vec<&str> = follow.seen.iter().map(|l| l.rsplit("  ").next().unwrap()).collect();
    assert_eq!(first, ["f1", "n2", "f3", "n4"], "interleaved in time order:\n{}", follow.seen.join("\n"));
    assert!(follow.seen[0].starts_with("ecsdemo-frontend/3f2a4b1c  "), "{}", follow.seen[0]);
    assert!(follow.seen[1].starts_with("ecsdemo-nodejs/77e0c5d2    "), "prefixes padded: {}", follow.seen[1]);

    let live = now_ms();
    write(&emulator, &frontend, &[(live, "live-f")]).await;
    write(&emulator, &nodejs, &[(live, "live-n")]).await;
    follow.wait_for("live-f");
    follow.wait_for("live-n");
    // A second line at the millisecond of one already shown, written after a poll has shown the first.
    write(&emulator, &frontend, &[(live + 10, "same-ms-a")]).await;
    follow.wait_for("same-ms-a");
    write(&emulator, &frontend, &[(live + 10, "same-ms-b")]).await;
    follow.wait_for("same-ms-b");
    // Another task's batch that reaches CloudWatch after a newer line of the same service was shown.
    write(&emulator, &nodejs, &[(live + 20, "newer")]).await;
    follow.wait_for("newer");
    let second_task = stream_of(&emulator, "ecsdemo-nodejs", NODEJS_SECOND_TASK).await;
    write(&emulator, &second_task, &[(live - 10_000, "late")]).await;
    follow.wait_for("late");
    // Several polls more: nothing comes twice.
    follow.keep_reading(Duration::from_secs(5));
    for line in ["f1", "n2", "f3", "n4", "live-f", "live-n", "same-ms-a", "same-ms-b", "newer", "late"] {
        assert_eq!(follow.count(line), 1, "{line} once:\n{}", follow.seen.join("\n"));
    }
    assert_eq!(follow.count("stranger"), 0, "{}", follow.seen.join("\n"));
    assert_eq!(follow.seen.len(), 10, "{}", follow.seen.join("\n"));

    let (code, stderr) = follow.terminate();
    assert_eq!(code, 0, "SIGTERM ends it cleanly: {stderr}");
}

/// Without --follow: what the last 10 minutes hold by default, further back with --since, only the matching
/// lines with --filter, and one JSON object a line with --output json.
#[tokio::test(flavor = "multi_thread")]
async fn since_and_filter_choose_the_lines_and_json_names_service_and_task() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let frontend = workshop_stream(&emulator, "ecsdemo-frontend", FRONTEND_TASK).await;
    let now = now_ms();
    let events =
        [(now - 7_200_000, "GET / two hours ago"), (now - 60_000, "ERROR boom"), (now - 30_000, "GET /health")];
    write(&emulator, &frontend, &events).await;
    let logs = |extra: &[&str]| {
        let mut args = vec!["logs", "ecsdemo-frontend", "--config-dir", desired.arg()];
        args.extend_from_slice(extra);
        let run = emulator.reconciler(&args);
        assert_eq!(run.code, 0, "{run}");
        run
    };
    let messages =
        |stdout: &str| -> Vec<String> { stdout.lines().map(|l| l.rsplit("  ").next().unwrap().to_string()).collect() };

    assert_eq!(messages(&logs(&[]).stdout), ["ERROR boom", "GET /health"]);
    assert_eq!(messages(&logs(&["--since", "3h"]).stdout), ["GET / two hours ago", "ERROR boom", "GET /health"]);
    assert_eq!(messages(&logs(&["--since", "45s"]).stdout), ["GET /health"]);
    assert_eq!(messages(&logs(&["--filter", "ERROR"]).stdout), ["ERROR boom"]);

    let json = logs(&["--output", "json"]);
    let lines: Vec<serde_json::Value> = json.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{json}");
    assert_eq!(lines[0]["service"], "ecsdemo-frontend");
    assert_eq!(lines[0]["task"], FRONTEND_TASK);
    assert_eq!(lines[0]["message"], "ERROR boom");
    assert_eq!(lines[0]["timestamp_ms"], now - 60_000);
}

/// An unknown service is refused, naming the declared ones, before any AWS call; a known one whose log group
/// does not exist yet says so and shows nothing.
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_service_is_refused_without_an_aws_call() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let proxy = FaultProxy::start(emulator.port(), "no request contains this");
    let unknown = reconciler_tests::run_reconciler(&proxy.endpoint(), &["logs", "nope", "--config-dir", desired.arg()]);
    assert_eq!(unknown.code, 1, "{unknown}");
    assert!(
        unknown.stderr.contains(
            "no service `nope` is declared; the declared ones: [\"ecsdemo-crystal\", \"ecsdemo-frontend\", \"ecsdemo-nodejs\"]"
        ),
        "{unknown}"
    );
    assert_eq!(proxy.requests_to("logs"), 0);

    let before = reconciler_tests::run_reconciler(
        &proxy.endpoint(),
        &["logs", "ecsdemo-frontend", "--config-dir", desired.arg()],
    );
    assert_eq!(before.code, 0, "{before}");
    assert!(before.stderr.contains("no log group /ecs/ecsdemo-frontend yet"), "{before}");
    assert_eq!(before.stdout, "");
    assert!(proxy.requests_to("logs") > 0, "the proxy sees the calls a known service makes");
}

/// `reconciler logs --follow | head -1`: once the reader is gone, the next line ends the command quietly.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_a_follow_quietly() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let frontend = workshop_stream(&emulator, "ecsdemo-frontend", FRONTEND_TASK).await;
    write(&emulator, &frontend, &[(now_ms() - 1_000, "first")]).await;
    let args = ["logs", "ecsdemo-frontend", "--follow", "--config-dir", desired.arg()];
    let mut child = spawn_reconciler_piped(&emulator.endpoint(), &args);
    let mut first = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    reader.read_line(&mut first).unwrap();
    assert!(first.ends_with("  first\n"), "{first:?}");
    drop(reader);
    write(&emulator, &frontend, &[(now_ms(), "second")]).await;
    let (code, stderr) = wait_exit(&mut child);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
