//! No AWS call hangs: an endpoint that accepts connections and never answers fails the pass within the
//! configured timeouts, with an error naming the operation, and changes nothing; the daemon shows the pass
//! while it hangs, then backs off and stays alive.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reconciler_tests::daemon::{Daemon, eventually};
use reconciler_tests::{DesiredDir, run_reconciler};

/// A loopback endpoint that accepts every connection, reads nothing and never answers; the connections are
/// kept open for as long as the endpoint lives.
fn silent_endpoint() -> (String, Arc<Mutex<Vec<std::net::TcpStream>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            keep.lock().unwrap().push(stream);
        }
    });
    (endpoint, held)
}

#[test]
fn a_silent_endpoint_fails_the_pass_within_its_timeouts_naming_the_call() {
    let (endpoint, held) = silent_endpoint();
    let desired = DesiredDir::platform();
    let started = Instant::now();
    let run = run_reconciler(
        &endpoint,
        &[
            "--config-dir",
            desired.arg(),
            "--once",
            "--aws-attempt-timeout",
            "1s",
            "--aws-call-timeout",
            "4s",
            "--aws-max-attempts",
            "2",
        ],
    );
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{run}");
    assert!(!held.lock().unwrap().is_empty(), "the reconciler never connected");
    // Observation reads every kind at once: every one of them times out, and the pass reports it.
    let error = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error: reading the live state failed"))
        .unwrap_or_else(|| panic!("{run}"));
    // The call (whichever of the concurrent reads failed first) and the endpoint are named.
    assert!(error.contains(": request has timed out"), "{error}");
    assert!(error.split(':').nth(2).is_some_and(|op| op.trim().contains('.')), "the operation is named: {error}");
    assert!(error.contains(&format!("(endpoint {endpoint})")), "{error}");
    // Generous against a loaded machine: two attempts of 1 s, capped at 4 s per call, far from the hang.
    assert!(took < Duration::from_secs(60), "took {took:?}: {run}");
}

/// The daemon on a silent endpoint: `/status` shows the pass while it hangs on AWS, the pass fails within its
/// timeouts, the next one waits for the backoff, and the daemon keeps answering throughout.
#[test]
fn the_daemon_shows_a_hung_pass_in_progress_then_fails_it_backs_off_and_stays_alive() {
    let (endpoint, _held) = silent_endpoint();
    let desired = DesiredDir::platform();
    let timeouts = ["--aws-attempt-timeout", "1s", "--aws-call-timeout", "4s", "--aws-max-attempts", "2"];
    let daemon = Daemon::start_with_endpoint(&endpoint, desired.path(), &timeouts);

    let mut running = serde_json::Value::Null;
    eventually(Duration::from_secs(30), "a pass in progress in /status", || {
        running = daemon.get("/status").map_or(serde_json::Value::Null, |(_, body)| {
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["pass_in_progress"].clone()
        });
        !running.is_null()
    });
    assert!(running["started_at"].as_f64().is_some_and(|t| t > 1.6e9), "{running}");
    assert!(running["running_for_ms"].is_u64(), "{running}");

    // Failed within its timeouts (two attempts of 1 s, 4 s per call), far from a hang.
    eventually(Duration::from_secs(60), "the hung pass to fail", || {
        daemon.metric("reconciler_passes_total{outcome=\"failed\"}") == Some(1.0)
    });
    let status = daemon.status();
    assert_eq!(status["pass_in_progress"], serde_json::Value::Null, "{status}");
    assert!(status["last_pass"]["error"].as_str().is_some_and(|e| e.contains("timed out")), "{status}");
    assert_eq!(daemon.metric("reconciler_pass_running_seconds"), Some(0.0));
    let failed_at = status["last_pass"]["finished_at"].as_f64().unwrap();

    // The next pass comes after the backoff (at least 2.5 s after a first failure), not at once.
    let mut next = serde_json::Value::Null;
    eventually(Duration::from_secs(60), "the pass after the backoff", || {
        next = daemon.status()["pass_in_progress"].clone();
        !next.is_null()
    });
    let waited = next["started_at"].as_f64().unwrap() - failed_at;
    assert!(waited >= 2.0, "the next pass started {waited:.1} s after the failure: no backoff");
    assert_eq!(daemon.get("/healthz").map(|(code, _)| code), Some(200), "the daemon stays alive");
}
