//! No AWS call hangs: an endpoint that accepts connections and never answers fails the pass within the
//! configured timeouts, with an error naming the operation, and changes nothing.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
