//! Test harness for end-to-end tests: a moto server on a free loopback port, the real `reconciler` binary,
//! and SDK clients for making changes behind the reconciler's back.
//!
//! Each test starts its own emulator, so tests run in parallel without sharing state.

pub mod daemon;
pub mod fault_proxy;
pub mod iam_policy;
pub mod inventory;
pub mod plans;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (where `config/` and `.venv/` live).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A moto server, killed when dropped.
pub struct Emulator {
    child: Child,
    port: u16,
}

impl Emulator {
    /// Starts moto on a free loopback port and waits until it answers.
    pub fn start() -> Emulator {
        let server = std::env::var_os("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join(".venv/bin/moto_server"));
        assert!(
            server.exists(),
            "moto server not found at {} (set MOTO_SERVER, or run `.ci/run`, which installs it into .venv)",
            server.display()
        );
        let port = free_port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // Without it, attaching AWS managed policies fails (see shared/EMULATOR.md).
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", server.display()));
        let emulator = Emulator { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(port, "GET", "/moto-api/data.json").is_err() {
            assert!(Instant::now() < deadline, "moto server did not answer on port {port} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        emulator
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// SDK configuration pointing at this emulator, the same way the binary gets it: environment only.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config_at(&self.endpoint()).await
    }

    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk_config().await)
    }

    pub async fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.sdk_config().await)
    }

    pub async fn servicediscovery(&self) -> aws_sdk_servicediscovery::Client {
        aws_sdk_servicediscovery::Client::new(&self.sdk_config().await)
    }

    pub async fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.sdk_config().await)
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config().await)
    }

    pub async fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk_config().await)
    }

    pub async fn acm(&self) -> aws_sdk_acm::Client {
        aws_sdk_acm::Client::new(&self.sdk_config().await)
    }

    pub async fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.sdk_config().await)
    }

    pub async fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk_config().await)
    }

    pub async fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.sdk_config().await)
    }

    /// An ECS cluster as a user would look at it: with its settings and tags. `None` if there is no active
    /// cluster of that name.
    pub async fn cluster(&self, name: &str) -> Option<aws_sdk_ecs::types::Cluster> {
        use aws_sdk_ecs::types::ClusterField;
        let out = self
            .ecs()
            .await
            .describe_clusters()
            .clusters(name)
            .include(ClusterField::Settings)
            .include(ClusterField::Tags)
            .send()
            .await
            .ok()?;
        out.clusters().iter().find(|c| c.status() == Some("ACTIVE")).cloned()
    }

    /// An ECS service as a user would look at it: with its tags. `None` if there is no active service of that
    /// name in `cluster` (or no such cluster).
    pub async fn ecs_service(&self, cluster: &str, name: &str) -> Option<aws_sdk_ecs::types::Service> {
        let out = self
            .ecs()
            .await
            .describe_services()
            .cluster(cluster)
            .services(name)
            .include(aws_sdk_ecs::types::ServiceField::Tags)
            .send()
            .await;
        // No cluster yet: no service either.
        let out = match out {
            Err(err) if err.as_service_error().is_some_and(|e| e.is_cluster_not_found_exception()) => return None,
            out => out.unwrap(),
        };
        out.services().iter().find(|s| s.status() == Some("ACTIVE")).cloned()
    }

    /// The ARN of target group `name` (it must exist).
    pub async fn target_group_arn(&self, name: &str) -> String {
        let out = self.elbv2().await.describe_target_groups().names(name).send().await.unwrap();
        out.target_groups()[0].target_group_arn().unwrap().to_string()
    }

    /// Runs the reconciler binary against this emulator.
    pub fn reconciler(&self, args: &[&str]) -> Run {
        run_reconciler(&self.endpoint(), args)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const REGION: &str = "us-east-1";

/// SDK configuration pointing at `endpoint` (an emulator, or a fault proxy in front of one).
pub async fn sdk_config_at(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new("test", "test", None, None, "tests"))
        .load()
        .await
}

/// The path of the `reconciler` binary built alongside the tests.
pub fn reconciler_binary() -> PathBuf {
    // Test executables live in target/<profile>/deps/; binaries in target/<profile>/.
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let binary = profile_dir.join("reconciler");
    assert!(
        binary.exists(),
        "{} is missing: build it first with `cargo build -p reconciler-cli` (the README's test command does)",
        binary.display()
    );
    binary
}

/// Runs the binary with AWS pointed at `endpoint` and no other configuration from this environment.
pub fn run_reconciler(endpoint: &str, args: &[&str]) -> Run {
    run_reconciler_with_env(endpoint, args, &[])
}

/// [`run_reconciler`], with these environment variables set as well (`RUST_LOG`, ...).
pub fn run_reconciler_with_env(endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    Run::from(reconciler_command(endpoint, args, env).output().expect("reconciler runs"))
}

/// Starts the binary against `endpoint` and returns at once, for a test that kills it mid-pass. Its output
/// goes to the test's own.
pub fn spawn_reconciler(endpoint: &str, args: &[&str]) -> Child {
    reconciler_command(endpoint, args, &[]).stdout(Stdio::null()).spawn().expect("reconciler starts")
}

/// Starts the binary against `endpoint` with its standard output and error piped to the test, for a command
/// that keeps running (`logs --follow`) while the test reads what it prints.
pub fn spawn_reconciler_piped(endpoint: &str, args: &[&str]) -> Child {
    let mut command = reconciler_command(endpoint, args, &[]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("reconciler starts")
}

/// The binary with `args`, talking to `endpoint` with test credentials and nothing from the environment.
fn reconciler_command(endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(reconciler_binary());
    command.args(args).current_dir(workspace_root());
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().to_string();
        if key.starts_with("AWS_") || key.starts_with("RECONCILER_") || key == "RUST_LOG" || key == "NO_COLOR" {
            command.env_remove(key);
        }
    }
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        // Keep the SDK from looking for profiles in the developer's home.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied());
    command
}

/// What one run of the binary printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// The stdout as JSON (for `--output json`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }

    /// (API calls, mutating API calls) from the pass summary line.
    pub fn api_calls(&self) -> (u64, u64) {
        let line = self
            .stdout
            .lines()
            .chain(self.stderr.lines())
            .find(|l| l.contains(" API calls ("))
            .unwrap_or_else(|| panic!("no pass summary line:\n{self}"));
        let (before, after) = line.split_once(" API calls (").expect("summary has API calls");
        let number = |word: Option<&str>| -> u64 {
            word.and_then(|w| w.parse().ok()).unwrap_or_else(|| panic!("no count in summary line {line:?}"))
        };
        let total = number(before.rsplit(' ').next());
        let mutating = number(after.split(' ').next());
        (total, mutating)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code {}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// A directory of desired-state files.
pub struct DesiredDir {
    dir: tempfile::TempDir,
}

impl DesiredDir {
    pub fn new() -> DesiredDir {
        DesiredDir { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// A copy of the shipped `config/`.
    pub fn workshop() -> DesiredDir {
        let desired = DesiredDir::new();
        for entry in std::fs::read_dir(workspace_root().join("config")).expect("config/ exists") {
            let path = entry.expect("dir entry").path();
            std::fs::copy(&path, desired.path().join(path.file_name().unwrap())).expect("copy config file");
        }
        desired
    }

    /// A copy of the shipped example directory `examples/NAME` (links followed: an example may link to
    /// `config/platform.toml`).
    pub fn example(name: &str) -> DesiredDir {
        let desired = DesiredDir::new();
        let dir = workspace_root().join("examples").join(name);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            std::fs::copy(&path, desired.path().join(path.file_name().unwrap())).expect("copy example file");
        }
        desired
    }

    /// A copy of the shipped platform alone (`config/platform.toml`): the network, cluster, namespace and
    /// execution role, without the services.
    pub fn platform() -> DesiredDir {
        let desired = DesiredDir::new();
        let file = workspace_root().join("config/platform.toml");
        std::fs::copy(&file, desired.path().join("platform.toml")).expect("copy config/platform.toml");
        desired
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write desired file");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn arg(&self) -> &str {
        self.dir.path().to_str().expect("UTF-8 temp path")
    }
}

impl Default for DesiredDir {
    fn default() -> Self {
        DesiredDir::new()
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// A minimal HTTP/1.0 request, enough to poll and reset moto without an HTTP client dependency.
pub fn http(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    if response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200") {
        Ok(response)
    } else {
        Err(std::io::Error::other(response.lines().next().unwrap_or_default().to_string()))
    }
}
