//! The daemon end to end: the real binary, watching a directory, against a moto server.

use std::time::Duration;

use reconciler_tests::daemon::{Daemon, eventually};
use reconciler_tests::{DesiredDir, Emulator};

async fn container_insights(emulator: &Emulator) -> Option<String> {
    let cluster = emulator.cluster("container-demo").await?;
    cluster.settings().first().and_then(|s| s.value()).map(str::to_string)
}

/// The desired count of one of the workshop's services, as ECS reports it.
async fn desired_count(emulator: &Emulator, service: &str) -> Option<i32> {
    let out = emulator.ecs().await.describe_services().cluster("container-demo").services(service).send().await.ok()?;
    // Deleted services stay listed as INACTIVE for a while: they are gone.
    out.services().iter().find(|s| s.status() != Some("INACTIVE")).map(|s| s.desired_count())
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

fn passes(daemon: &Daemon) -> f64 {
    ["converged", "incomplete", "failed"]
        .iter()
        .filter_map(|o| daemon.metric(&format!("reconciler_passes_total{{outcome=\"{o}\"}}")))
        .sum()
}

#[test]
fn the_daemon_converges_follows_edits_repairs_drift_and_stops_cleanly() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let mut daemon = Daemon::start(&emulator, desired.path(), &["--resync-interval", "2s"]);

    eventually(Duration::from_secs(60), "ready after the first pass", || {
        daemon.get("/readyz").is_some_and(|(code, _)| code == 200)
    });
    assert!(
        daemon.notifications().iter().any(|n| n.starts_with("READY=1\nSTATUS=Pass complete")),
        "{:?}",
        daemon.notifications()
    );
    assert_eq!(daemon.get("/healthz").map(|(c, _)| c), Some(200));
    assert_eq!(block_on(desired_count(&emulator, "ecsdemo-nodejs")), Some(1));
    let status = daemon.status();
    assert!(status["resources"].as_array().unwrap().iter().all(|r| r["state"] == "in_sync"), "{status}");

    // An edit is applied without a restart: the workshop's "scale to 3".
    let file = desired.path().join("nodejs.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("desired_count = 1", "desired_count = 3")).unwrap();
    let took = eventually(Duration::from_secs(20), "the edit applied", || {
        block_on(desired_count(&emulator, "ecsdemo-nodejs")) == Some(3)
    });
    eprintln!("file save -> change visible in AWS: {took:?}");

    // Drift made by hand is repaired by the resync timer.
    block_on(async {
        let ecs = emulator.ecs().await;
        ecs.update_service().cluster("container-demo").service("ecsdemo-nodejs").desired_count(7).send().await.unwrap();
    });
    eventually(Duration::from_secs(20), "drift repaired by resync", || {
        block_on(desired_count(&emulator, "ecsdemo-nodejs")) == Some(3)
    });

    // SIGHUP runs a pass now.
    let before = passes(&daemon);
    daemon.signal("HUP");
    eventually(Duration::from_secs(10), "a pass after SIGHUP", || passes(&daemon) > before);
    let metrics = daemon.get("/metrics").unwrap().1;
    assert!(
        metrics.contains("reconciler_aws_api_calls_total{service=\"ECS\",operation=\"UpdateService\",outcome=\"ok\"}"),
        "{metrics}"
    );
    assert!(daemon.metric("reconciler_last_successful_pass_timestamp_seconds").unwrap() > 1.0e9);

    // SIGTERM: exit 0 promptly, telling systemd first.
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(10)), Some(0));
    assert!(daemon.notifications().iter().any(|n| n.starts_with("STOPPING=1")), "{:?}", daemon.notifications());
}

#[test]
fn an_invalid_edit_changes_nothing_is_reported_and_its_fix_is_applied() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let daemon = Daemon::start(&emulator, desired.path(), &["--resync-interval", "2s"]);
    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));

    // Broken: a wrong type, next to a change that must not be applied while the file is invalid.
    let file = desired.path().join("platform.toml");
    let good = std::fs::read_to_string(&file).unwrap();
    let broken = good
        .replace("container_insights = true", "container_insights = false")
        .replace("enable_dns_hostnames = true", "enable_dns_hostnames = \"yes\"");
    std::fs::write(&file, broken).unwrap();
    eventually(Duration::from_secs(20), "the invalid file in /status", || {
        daemon.status()["files"].as_array().unwrap().iter().any(|f| f["state"] == "invalid")
    });
    let status = daemon.status();
    let entry = status["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["state"] == "invalid")
        .unwrap_or_else(|| panic!("no invalid file in {status}"));
    assert_eq!(entry["last_good_version_in_force"], true);
    assert!(entry["errors"][0].as_str().unwrap().contains("platform.toml:"), "{status}");
    assert!(entry["errors"][0].as_str().unwrap().contains("vpc.main.enable_dns_hostnames"), "{status}");
    assert_eq!(daemon.metric("reconciler_invalid_files"), Some(1.0));
    // Passes keep running (resync), and keep the last good version: Container Insights stays on.
    let before = passes(&daemon);
    eventually(Duration::from_secs(20), "two more passes", || passes(&daemon) >= before + 2.0);
    assert_eq!(block_on(container_insights(&emulator)).as_deref(), Some("enabled"));

    // Fixed, saved the way editors save: a temp file renamed over the original. The change now applies.
    let temp = desired.path().join(".platform.toml.tmp");
    std::fs::write(&temp, good.replace("container_insights = true", "container_insights = false")).unwrap();
    std::fs::rename(&temp, &file).unwrap();
    eventually(Duration::from_secs(20), "the fixed edit applied", || {
        block_on(container_insights(&emulator)).as_deref() == Some("disabled")
    });
    assert_eq!(daemon.metric("reconciler_invalid_files"), Some(0.0));
}

#[test]
fn a_directory_swapped_through_a_symlink_is_followed() {
    let emulator = Emulator::start();
    let releases = tempfile::tempdir().unwrap();
    let workshop = DesiredDir::workshop();
    let text = std::fs::read_to_string(workshop.path().join("platform.toml")).unwrap();
    for (release, insights) in [("v1", "true"), ("v2", "false")] {
        std::fs::create_dir(releases.path().join(release)).unwrap();
        let body = text.replace("container_insights = true", &format!("container_insights = {insights}"));
        std::fs::write(releases.path().join(release).join("platform.toml"), body).unwrap();
    }
    let current = releases.path().join("current");
    std::os::unix::fs::symlink(releases.path().join("v1"), &current).unwrap();

    // A long resync, so that only the watcher can explain a quick change.
    let daemon = Daemon::start(&emulator, &current, &["--resync-interval", "10m"]);
    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));
    assert_eq!(block_on(container_insights(&emulator)).as_deref(), Some("enabled"));

    // Atomic swap, as deploy tools do it: a new link renamed over the old one.
    let next = releases.path().join("current.next");
    std::os::unix::fs::symlink(releases.path().join("v2"), &next).unwrap();
    std::fs::rename(&next, &current).unwrap();
    eventually(Duration::from_secs(20), "the swapped-in release applied", || {
        block_on(container_insights(&emulator)).as_deref() == Some("disabled")
    });

    // And edits inside the new target are watched too.
    let file = releases.path().join("v2").join("platform.toml");
    let body =
        std::fs::read_to_string(&file).unwrap().replace("container_insights = false", "container_insights = true");
    std::fs::write(&file, body).unwrap();
    eventually(Duration::from_secs(20), "an edit in the new release applied", || {
        block_on(container_insights(&emulator)).as_deref() == Some("enabled")
    });
}

#[test]
fn a_failing_resource_backs_off_without_blocking_the_rest() {
    let emulator = Emulator::start();
    let proxy = reconciler_tests::fault_proxy::FaultProxy::start(emulator.port(), "Action=CreateNatGateway");
    let desired = DesiredDir::workshop();
    let daemon = Daemon::start_with_endpoint(&proxy.endpoint(), desired.path(), &["--resync-interval", "1s"]);

    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));
    let status = daemon.status();
    let state = |address: &str| {
        let resource = status["resources"].as_array().unwrap().iter().find(|r| r["address"] == address).unwrap();
        (resource["state"].as_str().unwrap().to_string(), resource["reason"].as_str().unwrap().to_string())
    };
    let (nat, reason) = state("nat_gateway.main/nat-1");
    assert_eq!(nat, "error", "{status}");
    assert!(reason.contains("InvalidParameterValue"), "{reason}");
    assert_eq!(state("route_table.main/private-1").0, "error", "depends on the NAT gateway");
    assert_eq!(state("cluster.container-demo").0, "in_sync", "unrelated resources converge");
    assert_eq!(state("route_table.main/public").0, "in_sync");

    // Passes keep coming every second, but the NAT gateway is retried only as its backoff allows
    // (5 s, then 10 s, ...): far fewer attempts than passes.
    let first_pass_count = passes(&daemon);
    std::thread::sleep(Duration::from_secs(8));
    let more_passes = passes(&daemon) - first_pass_count;
    assert!(more_passes >= 4.0, "resync keeps running: {more_passes} passes");
    assert!(proxy.injected() <= 3, "{} NAT gateway attempts in {} passes", proxy.injected(), more_passes + 1.0);
    let status = daemon.status();
    let nat =
        status["resources"].as_array().unwrap().iter().find(|r| r["address"] == "nat_gateway.main/nat-1").unwrap();
    assert_eq!(nat["state"], "error", "{status}");
    let reason = nat["reason"].as_str().unwrap();
    assert!(reason.contains("backing off") || reason.contains("InvalidParameterValue"), "{reason}");
    assert!(daemon.metric("reconciler_passes_total{outcome=\"incomplete\"}").unwrap() >= 2.0);
}

#[test]
fn a_directory_removed_and_created_again_is_watched_again() {
    let emulator = Emulator::start();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("desired");
    std::fs::create_dir(&dir).unwrap();
    let text = std::fs::read_to_string(DesiredDir::workshop().path().join("platform.toml")).unwrap();
    std::fs::write(dir.join("platform.toml"), &text).unwrap();
    let daemon = Daemon::start(&emulator, &dir, &["--resync-interval", "10m"]);
    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));

    // Gone (a re-clone in progress): the daemon keeps what it had and changes nothing.
    std::fs::remove_dir_all(&dir).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(block_on(container_insights(&emulator)).as_deref(), Some("enabled"));
    assert_eq!(daemon.get("/healthz").map(|(c, _)| c), Some(200));

    // Back, with an edit: the new directory is watched and its content applied.
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("platform.toml"), text.replace("container_insights = true", "container_insights = false"))
        .unwrap();
    eventually(Duration::from_secs(20), "the recreated directory applied", || {
        block_on(container_insights(&emulator)).as_deref() == Some("disabled")
    });
    // And later edits in it are seen too.
    std::fs::write(dir.join("platform.toml"), &text).unwrap();
    eventually(Duration::from_secs(20), "an edit in the recreated directory applied", || {
        block_on(container_insights(&emulator)).as_deref() == Some("enabled")
    });
}

#[test]
fn sigterm_lets_the_call_in_flight_finish_and_a_second_signal_exits_at_once() {
    use reconciler_tests::fault_proxy::{Fault, FaultProxy};
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();

    // Graceful: SIGTERM while CreateNatGateway is in flight (held 3 s by the proxy). The call finishes, nothing
    // new starts (the private route tables that need it are not created), and the exit code is 0.
    let slow = FaultProxy::with_fault(emulator.port(), "Action=CreateNatGateway", Fault::Delay(Duration::from_secs(3)));
    let mut daemon = Daemon::start_with_endpoint(&slow.endpoint(), desired.path(), &["--resync-interval", "10m"]);
    eventually(Duration::from_secs(60), "the NAT gateway call in flight", || slow.injected() == 1);
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(15)), Some(0));
    let (nats, tables) = block_on(async {
        let ec2 = emulator.ec2().await;
        let ours = aws_sdk_ec2::types::Filter::builder().name("tag:reconciler:managed-by").values("reconciler").build();
        let nats = ec2.describe_nat_gateways().filter(ours.clone()).send().await.unwrap().nat_gateways().len();
        let tables = ec2.describe_route_tables().filters(ours).send().await.unwrap().route_tables().len();
        (nats, tables)
    });
    assert_eq!(nats, 1, "the call in flight finished");
    assert_eq!(tables, 1, "only the public route table: nothing that needed the NAT gateway was started");
    assert!(daemon.notifications().iter().any(|n| n.starts_with("STOPPING=1")));

    // The next start converges what the interrupted pass left.
    let daemon = Daemon::start(&emulator, desired.path(), &["--resync-interval", "10m"]);
    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));
    assert!(daemon.status()["resources"].as_array().unwrap().iter().all(|r| r["state"] == "in_sync"));
    drop(daemon);

    // Impatient: a second signal during the grace period exits at once, without waiting for the call.
    let stuck =
        FaultProxy::with_fault(emulator.port(), "Action=ModifySubnetAttribute", Fault::Delay(Duration::from_secs(30)));
    block_on(async {
        // Drift on a public subnet: its repair (ModifySubnetAttribute) is the call held in flight.
        let ec2 = emulator.ec2().await;
        let filter =
            aws_sdk_ec2::types::Filter::builder().name("tag:reconciler:resource").values("subnet.main/public-1");
        let subnets = ec2.describe_subnets().filters(filter.build()).send().await.unwrap();
        let off = aws_sdk_ec2::types::AttributeBooleanValue::builder().value(false).build();
        let id = subnets.subnets()[0].subnet_id().unwrap();
        ec2.modify_subnet_attribute().subnet_id(id).map_public_ip_on_launch(off).send().await.unwrap();
    });
    let mut daemon = Daemon::start_with_endpoint(&stuck.endpoint(), desired.path(), &["--resync-interval", "10m"]);
    eventually(Duration::from_secs(60), "the subnet repair in flight", || stuck.injected() == 1);
    daemon.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(5)), Some(1), "exits at once, long before the 30 s call ends");
}

#[test]
fn nothing_is_pruned_while_a_file_is_invalid_and_pruning_resumes_once_it_is_fixed() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let converge = emulator.reconciler(&["--config-dir", desired.arg(), "--once"]);
    assert_eq!(converge.code, 0, "{converge}");

    // The daemon starts with nodejs.toml broken: it has no good version of it, so nodejs's resources are not
    // declared — and must not be pruned for that.
    let file = desired.path().join("nodejs.toml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, good.replace("port = 3000", "port = \"3000\"")).unwrap();
    let daemon = Daemon::start(&emulator, desired.path(), &["--resync-interval", "2s"]);
    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));
    let before = passes(&daemon);
    eventually(Duration::from_secs(20), "two more passes", || passes(&daemon) >= before + 2.0);
    assert_eq!(block_on(desired_count(&emulator, "ecsdemo-nodejs")), Some(1), "the nodejs service is still there");

    // Fixed, and then removed for real: now it is pruned.
    std::fs::write(&file, &good).unwrap();
    std::fs::remove_file(&file).unwrap();
    eventually(Duration::from_secs(30), "the removed service pruned", || {
        block_on(desired_count(&emulator, "ecsdemo-nodejs")).is_none()
    });
}

/// What a deployment tool caught half-way can leave in place of `nodejs.toml`; each is an invalid file to the
/// daemon, never an absent one.
#[derive(Clone, Copy)]
enum Unreadable {
    /// A link whose target is not there yet.
    DanglingLink,
    /// A link that leads back to itself.
    LinkLoop,
    /// A directory named like a file.
    Directory,
    /// A FIFO, which the daemon must not open (it would block).
    Fifo,
}

impl Unreadable {
    /// Puts this in place of `file` (already removed); returns the words the error must carry.
    fn put(self, file: &std::path::Path) -> &'static str {
        match self {
            Unreadable::DanglingLink => {
                std::os::unix::fs::symlink(file.with_file_name(".release-nodejs.toml"), file).unwrap();
                "dangling symbolic link"
            }
            Unreadable::LinkLoop => {
                std::os::unix::fs::symlink(file, file).unwrap();
                "symbolic link loop"
            }
            Unreadable::Directory => {
                std::fs::create_dir(file).unwrap();
                "it is a directory"
            }
            Unreadable::Fifo => {
                let made = std::process::Command::new("mkfifo").arg(file).status().expect("mkfifo runs");
                assert!(made.success(), "mkfifo {}", file.display());
                "it is a FIFO (named pipe)"
            }
        }
    }

    /// Takes it away again, so the good file can come back.
    fn remove(self, file: &std::path::Path) {
        match self {
            Unreadable::Directory => std::fs::remove_dir(file).unwrap(),
            _ => std::fs::remove_file(file).unwrap(),
        }
    }
}

/// With the workshop converged, `nodejs.toml` is swapped for `unreadable`: the daemon reports the file invalid,
/// keeps its last good version in force through more passes (the service stays), and takes the good file back.
fn a_file_swapped_for_something_unreadable_keeps_what_it_declared(unreadable: Unreadable) {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let converge = emulator.reconciler(&["--config-dir", desired.arg(), "--once"]);
    assert_eq!(converge.code, 0, "{converge}");
    let daemon = Daemon::start(&emulator, desired.path(), &["--resync-interval", "2s"]);
    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));

    let file = desired.path().join("nodejs.toml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let why = unreadable.put(&file);
    eventually(Duration::from_secs(20), "the unreadable file in /status", || {
        daemon.status()["files"].as_array().unwrap().iter().any(|f| f["state"] == "invalid")
    });
    let status = daemon.status();
    let entry = status["files"].as_array().unwrap().iter().find(|f| f["state"] == "invalid").unwrap();
    assert_eq!(entry["last_good_version_in_force"], true, "{status}");
    let error = entry["errors"][0].as_str().unwrap();
    assert!(error.contains("nodejs.toml: cannot read the file: ") && error.contains(why), "{status}");
    assert_eq!(daemon.metric("reconciler_invalid_files"), Some(1.0));
    let before = passes(&daemon);
    eventually(Duration::from_secs(20), "two more passes", || passes(&daemon) >= before + 2.0);
    assert_eq!(block_on(desired_count(&emulator, "ecsdemo-nodejs")), Some(1), "the nodejs service is still there");

    // The good file is back: valid again.
    unreadable.remove(&file);
    std::fs::write(&file, good).unwrap();
    eventually(Duration::from_secs(20), "the file valid again", || {
        daemon.metric("reconciler_invalid_files") == Some(0.0)
    });
}

#[test]
fn a_file_swapped_for_a_dangling_link_keeps_what_it_declared() {
    a_file_swapped_for_something_unreadable_keeps_what_it_declared(Unreadable::DanglingLink);
}

#[test]
fn a_file_swapped_for_a_link_loop_keeps_what_it_declared() {
    a_file_swapped_for_something_unreadable_keeps_what_it_declared(Unreadable::LinkLoop);
}

#[test]
fn a_file_swapped_for_a_directory_keeps_what_it_declared() {
    a_file_swapped_for_something_unreadable_keeps_what_it_declared(Unreadable::Directory);
}

#[test]
fn a_file_swapped_for_a_fifo_keeps_what_it_declared_and_the_daemon_does_not_block() {
    a_file_swapped_for_something_unreadable_keeps_what_it_declared(Unreadable::Fifo);
}

/// DescribeTaskDefinition calls the daemon has made so far (all outcomes).
fn task_definition_reads(daemon: &Daemon) -> f64 {
    ["ok", "failed"]
        .iter()
        .filter_map(|o| {
            daemon.metric(&format!(
                "reconciler_aws_api_calls_total{{service=\"ECS\",operation=\"DescribeTaskDefinition\",outcome=\"{o}\"}}"
            ))
        })
        .sum()
}

/// A revision's content never changes: once a pass has read it, the steady state of the loop reads it no more,
/// and a tag changed by the daemon itself is still seen right (its write forgets what was read).
#[test]
fn the_steady_state_reads_no_task_definition_twice() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    let daemon = Daemon::start(&emulator, desired.path(), &["--resync-interval", "1s"]);
    eventually(Duration::from_secs(60), "two passes", || passes(&daemon) >= 2.0);
    let after_two = task_definition_reads(&daemon);
    assert!(after_two > 0.0, "the first passes read them");
    eventually(Duration::from_secs(30), "three more passes", || passes(&daemon) >= 5.0);
    assert_eq!(task_definition_reads(&daemon), after_two, "no read in the steady state");

    // A tag edit reaches the task definition in place, once: the next passes see it written (a stale read
    // would plan it again at every pass).
    reconciler_tests::plans::edit(
        &desired,
        "nodejs.toml",
        "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\" }",
        "execution_role = \"ecs-task-execution\"\ntags = { Project = \"ecsdemo\", Team = \"web\" }",
    );
    eventually(Duration::from_secs(30), "the tag on the running revision", || {
        block_on(running_revision_tags(&emulator, "ecsdemo-nodejs")).iter().any(|(k, v)| k == "Team" && v == "web")
    });
    let before = passes(&daemon);
    eventually(Duration::from_secs(30), "three passes after it", || passes(&daemon) >= before + 3.0);
    let summary = daemon.status()["last_pass"]["summary"].as_str().unwrap_or_default().to_string();
    assert!(summary.starts_with("Pass complete: no changes"), "the tag is not planned again: {summary}");
}

async fn running_revision_tags(emulator: &Emulator, service: &str) -> Vec<(String, String)> {
    let Some(found) = emulator.ecs_service("container-demo", service).await else { return vec![] };
    let ecs = emulator.ecs().await;
    let definition = ecs
        .describe_task_definition()
        .task_definition(found.task_definition().unwrap_or_default())
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    definition
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
        .collect()
}

/// One HTTP/1.1 response read off `stream`: (status line, headers in lower case, body), by its Content-Length.
fn read_response(stream: &mut std::io::BufReader<std::net::TcpStream>) -> (String, String, String) {
    use std::io::{BufRead, Read};
    let mut status = String::new();
    stream.read_line(&mut status).unwrap();
    let (mut headers, mut length) = (String::new(), 0);
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        headers.push_str(&line.to_lowercase());
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    (status.trim_end().to_string(), headers, String::from_utf8(body).unwrap())
}

#[test]
fn the_endpoints_answer_as_prometheus_and_probes_expect_and_a_stalled_client_is_let_go() {
    use std::io::Write;
    let emulator = Emulator::start();
    let desired = DesiredDir::new();
    let daemon = Daemon::start(&emulator, desired.path(), &[]);
    eventually(Duration::from_secs(60), "ready", || daemon.get("/readyz").is_some_and(|(c, _)| c == 200));

    // A client that stops halfway through its request headers holds no connection for long.
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", daemon.port)).unwrap();
    stalled.write_all(b"GET /status HTTP/1.1\r\nHost: loc").unwrap();
    let stalled_at = std::time::Instant::now();

    // Prometheus keeps its connection open between scrapes: two requests on one connection.
    let connection = std::net::TcpStream::connect(("127.0.0.1", daemon.port)).unwrap();
    connection.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = std::io::BufReader::new(connection.try_clone().unwrap());
    let mut writer = connection;
    for _ in 0..2 {
        write!(writer, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: application/openmetrics-text\r\n\r\n")
            .unwrap();
        let (status, headers, body) = read_response(&mut reader);
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(headers.contains("content-type: application/openmetrics-text; version=1.0.0"), "{headers}");
        assert!(body.ends_with("# EOF\n"), "{body}");
        assert!(body.contains("# TYPE reconciler_pass_duration_seconds histogram"), "{body}");
        assert!(body.contains("reconciler_pass_duration_seconds_bucket{le=\"+Inf\"} "), "{body}");
        let passes = body.lines().find_map(|l| l.strip_prefix("reconciler_pass_duration_seconds_count "));
        assert!(passes.and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n >= 1), "{body}");
        for outcome in ["converged", "incomplete", "failed"] {
            assert!(body.contains(&format!("reconciler_passes_total{{outcome=\"{outcome}\"}}")), "{body}");
        }
    }
    write!(writer, "HEAD /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut status = String::new();
    std::io::BufRead::read_line(&mut reader, &mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    drop((reader, writer));

    let post = reconciler_tests::http(daemon.port, "POST", "/status").unwrap_err().to_string();
    assert!(post.contains("405"), "{post}");
    let missing = reconciler_tests::http(daemon.port, "GET", "/nope").unwrap_err().to_string();
    assert!(missing.contains("404"), "{missing}");

    // The stalled client is disconnected (read returns end of file) after the header timeout.
    stalled.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stalled, &mut rest);
    assert!(stalled_at.elapsed() < Duration::from_secs(25), "held for {:?}", stalled_at.elapsed());
}
