//! Running the reconciler as a daemon in a test: the real binary, its HTTP endpoints, and a NOTIFY_SOCKET
//! that records what it tells systemd.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{Emulator, free_port, reconciler_binary};

/// A running daemon; killed when dropped.
pub struct Daemon {
    child: Child,
    pub port: u16,
    notifications: Arc<Mutex<Vec<String>>>,
    _notify_dir: tempfile::TempDir,
}

impl Daemon {
    /// Starts `reconciler` (no `--once`) on `config_dir` against `emulator`, with extra `args`.
    pub fn start(emulator: &Emulator, config_dir: &Path, args: &[&str]) -> Daemon {
        Daemon::start_with_endpoint(&emulator.endpoint(), config_dir, args)
    }

    /// Like [`Daemon::start`], with AWS at `endpoint` (a fault proxy in front of the emulator, say).
    pub fn start_with_endpoint(endpoint: &str, config_dir: &Path, args: &[&str]) -> Daemon {
        let port = free_port();
        let notify_dir = tempfile::tempdir().expect("temp dir");
        let socket_path = notify_dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&socket_path).expect("bind NOTIFY_SOCKET");
        socket.set_read_timeout(Some(Duration::from_millis(200))).expect("socket timeout");
        let notifications = Arc::new(Mutex::new(Vec::new()));
        {
            let notifications = notifications.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                loop {
                    match socket.recv(&mut buffer) {
                        Ok(n) => notifications.lock().unwrap().push(String::from_utf8_lossy(&buffer[..n]).into_owned()),
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock
                                || e.kind() == std::io::ErrorKind::TimedOut =>
                        {
                            if Arc::strong_count(&notifications) == 1 {
                                return;
                            }
                        }
                        Err(_) => return,
                    }
                }
            });
        }
        // An empty settings file, so that a settings file on the test machine cannot change the defaults.
        let settings = notify_dir.path().join("reconciler.toml");
        std::fs::write(&settings, "").expect("write settings file");
        let child = Command::new(reconciler_binary())
            .args(["--config-dir", config_dir.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
            .args(["--config-file", settings.to_str().unwrap()])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_REGION", crate::REGION)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NOTIFY_SOCKET", &socket_path)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(notify_dir.path().join(LOG)).expect("create the daemon's log"))
            .spawn()
            .expect("daemon starts");
        Daemon { child, port, notifications, _notify_dir: notify_dir }
    }

    /// GET a path on the daemon's HTTP endpoint: (status code, body).
    pub fn get(&self, path: &str) -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        // Read to the end: the server keeps a connection open for more requests unless asked not to.
        write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let status = response.split_whitespace().nth(1)?.parse().ok()?;
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        Some((status, body))
    }

    pub fn status(&self) -> serde_json::Value {
        let (code, body) = self.get("/status").expect("/status answers");
        assert_eq!(code, 200);
        serde_json::from_str(&body).expect("/status is JSON")
    }

    /// The value of a metric sample line, e.g. `reconciler_passes_total{outcome="converged"}`.
    pub fn metric(&self, sample: &str) -> Option<f64> {
        let (_, body) = self.get("/metrics")?;
        body.lines().find_map(|line| line.strip_prefix(sample)?.trim().parse().ok())
    }

    /// Everything the daemon has logged (its standard error) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._notify_dir.path().join(LOG)).unwrap_or_default()
    }

    /// Everything the daemon sent to NOTIFY_SOCKET so far.
    pub fn notifications(&self) -> Vec<String> {
        self.notifications.lock().unwrap().clone()
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The log goes with the test's output, where a failing test shows it.
        eprint!("{}", self.log());
    }
}

/// The daemon's log file, in its temporary directory.
const LOG: &str = "daemon.log";

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns how long it took.
pub fn eventually(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
    start.elapsed()
}
