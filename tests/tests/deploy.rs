//! The deployment files in deploy/: the systemd unit (checked by systemd itself), install.sh (run into a
//! staging root), the example settings, and the IAM policy (checked against the AWS calls in the code).
//!
//! None of these tests needs AWS, the emulator or the built binary.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use reconciler_tests::workspace_root;

fn deploy(file: &str) -> PathBuf {
    workspace_root().join("deploy").join(file)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn text(output: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

// ---------------------------------------------------------------------------------------------------------
// The unit

/// Where the unit expects the binary; install.sh puts it there.
const BINARY: &str = "/usr/local/bin/reconciler";
/// Where the unit expects the settings file; install.sh puts it there.
const SETTINGS: &str = "/etc/reconciler/reconciler.toml";

/// `systemd-analyze`, or a failure saying how to get it: these tests never skip.
fn systemd_analyze(args: &[&str]) -> Output {
    match Command::new("systemd-analyze").args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "systemd-analyze is not installed, so the unit cannot be checked. Install it \
             (`apt-get install systemd`; tests/run.sh does this when it is missing)"
        ),
        Err(e) => panic!("running systemd-analyze: {e}"),
    }
}

/// A copy of the unit in a temp dir whose binary paths point at an executable that exists here:
/// `systemd-analyze verify` refuses commands that do not exist, and this machine has no installed reconciler.
fn unit_copy() -> (tempfile::TempDir, PathBuf) {
    let unit = read(&deploy("reconciler.service"));
    let exec_lines = unit.lines().filter(|l| l.starts_with("Exec") && l.contains(&format!("={BINARY} "))).count();
    assert_eq!(exec_lines, 3, "ExecStartPre, ExecStart and the first ExecReload run {BINARY}");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("reconciler.service");
    std::fs::write(&path, unit.replace(BINARY, "/bin/true")).expect("write unit copy");
    (dir, path)
}

#[test]
fn the_unit_passes_systemd_analyze_verify() {
    let (dir, path) = unit_copy();
    let output = systemd_analyze(&["verify", path.to_str().expect("UTF-8 temp path")]);
    assert!(output.status.success(), "systemd-analyze verify failed:\n{}", text(&output));
    // verify exits 0 on unknown keys and unparsable values (it ignores them, as systemd would): those only
    // show on stderr, so stderr must have nothing about our unit. Every such message names the file
    // (`/tmp/.../reconciler.service:21: Unknown key ...`) or the unit (`reconciler.service: Command ...`).
    // Other lines are kept out: verify also loads the units ours depends on (network-online.target,
    // multi-user.target and what they pull in) from this machine, and warnings about those are the host's.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let dir = dir.path().to_string_lossy();
    let ours: Vec<&str> =
        stderr.lines().filter(|l| l.contains(dir.as_ref()) || l.contains("reconciler.service")).collect();
    assert!(ours.is_empty(), "systemd-analyze verify warns about the unit:\n{}", ours.join("\n"));
}

#[test]
fn the_unit_is_sandboxed_to_the_documented_exposure_level() {
    let (_dir, path) = unit_copy();
    let output = systemd_analyze(&["security", "--offline=yes", "--no-pager", path.to_str().expect("UTF-8 path")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let level: f64 = stdout
        .lines()
        .find_map(|l| l.split_once("Overall exposure level for reconciler.service: "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in the output of systemd-analyze security:\n{}", text(&output)));
    // deploy/README.md says about 1.4 (0 is best, 10 unconfined); newer systemd versions add checks.
    assert!(level <= 2.0, "exposure level {level} > 2.0: the sandbox was loosened\n{stdout}");
}

/// The unit as (section, key, value) entries, in order; comments and blank lines dropped.
struct Unit(Vec<(String, String, String)>);

impl Unit {
    fn load() -> Unit {
        let mut section = String::new();
        let mut entries = Vec::new();
        for line in read(&deploy("reconciler.service")).lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            assert!(!line.ends_with('\\'), "keep unit lines unwrapped so these checks see them: {line}");
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
                continue;
            }
            let (key, value) = line.split_once('=').unwrap_or_else(|| panic!("not key=value: {line}"));
            entries.push((section.clone(), key.trim().to_string(), value.trim().to_string()));
        }
        Unit(entries)
    }

    fn all(&self, section: &str, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(s, k, _)| s == section && k == key).map(|(_, _, v)| v.as_str()).collect()
    }

    /// The value of a key set exactly once in [Service].
    fn service(&self, key: &str) -> &str {
        match self.all("Service", key)[..] {
            [value] => value,
            ref values => panic!("[Service] {key}= should be set once, is set {} times: {values:?}", values.len()),
        }
    }
}

/// A systemd time span or one of our durations: `90`, `120s`, `15min`, `10m`, `1h`.
fn span(text: &str) -> Duration {
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let number: u64 = text[..digits].parse().unwrap_or_else(|_| panic!("not a time span: {text:?}"));
    let seconds = match &text[digits..] {
        "" | "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        unit => panic!("unexpected unit {unit:?} in {text:?}"),
    };
    Duration::from_secs(number * seconds)
}

#[test]
fn the_unit_has_the_required_directives() {
    let unit = Unit::load();

    // The daemon speaks sd_notify itself; helpers may not.
    assert_eq!(unit.service("Type"), "notify");
    assert_eq!(unit.service("NotifyAccess"), "main");

    // Start: validate the same settings file the daemon then reads.
    let config = format!("--config-file {SETTINGS}");
    assert_eq!(unit.service("ExecStartPre"), format!("{BINARY} validate {config}"));
    assert_eq!(unit.service("ExecStart"), format!("{BINARY} {config}"));
    // Reload: validate, then SIGHUP, in that order.
    assert_eq!(
        unit.all("Service", "ExecReload"),
        [format!("{BINARY} validate {config}"), "/bin/kill -HUP $MAINPID".into()]
    );

    assert_eq!(unit.service("Restart"), "on-failure");
    assert!(span(unit.service("RestartSec")) >= Duration::from_secs(1));
    assert!(span(unit.service("WatchdogSec")) >= Duration::from_secs(30), "the daemon pings from its own task");
    let stop = span(unit.service("TimeoutStopSec"));
    assert!(stop > Duration::ZERO && stop <= Duration::from_secs(300), "a bounded graceful stop: {stop:?}");
    // READY=1 comes after the first pass, which may wait up to wait_timeout for NAT gateways.
    let wait_timeout = span(&settings_example()["wait_timeout"].replace('"', ""));
    assert!(
        span(unit.service("TimeoutStartSec")) > wait_timeout,
        "TimeoutStartSec must exceed wait_timeout ({wait_timeout:?}): READY=1 waits for the first pass"
    );

    assert_eq!(unit.service("User"), "reconciler");
    assert_eq!(unit.service("Group"), "reconciler");
    assert!(unit.all("Service", "DynamicUser").is_empty(), "a dedicated user, see the unit's comment");
    assert_eq!(unit.service("EnvironmentFile"), "-/etc/reconciler/reconciler.env");

    for (key, value) in [
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"),
        ("ProtectClock", "yes"),
        ("ProtectHostname", "yes"),
        ("RestrictNamespaces", "yes"),
        ("RestrictRealtime", "yes"),
        ("RestrictSUIDSGID", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("SystemCallArchitectures", "native"),
        ("CapabilityBoundingSet", ""),
        ("ReadOnlyPaths", "/etc/reconciler"),
    ] {
        assert_eq!(unit.service(key), value, "[Service] {key}=");
    }
    // AF_UNIX for sd_notify, IP for AWS and the status listener, nothing else.
    let families: BTreeSet<&str> = unit.service("RestrictAddressFamilies").split_whitespace().collect();
    assert_eq!(families, BTreeSet::from(["AF_UNIX", "AF_INET", "AF_INET6"]));
    assert_eq!(unit.all("Service", "SystemCallFilter"), ["@system-service", "~@privileged @resources"]);
    // No local state, nothing writable.
    for key in ["StateDirectory", "CacheDirectory", "LogsDirectory", "ReadWritePaths"] {
        assert!(unit.all("Service", key).is_empty(), "{key}= in a daemon that keeps no local state");
    }
    assert_eq!(unit.all("Install", "WantedBy"), ["multi-user.target"]);
}

// ---------------------------------------------------------------------------------------------------------
// The examples

/// The keys of the example settings file (`key = value` lines; values as written).
fn settings_example() -> BTreeMap<String, String> {
    read(&deploy("reconciler.toml"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, value) = l.split_once('=').unwrap_or_else(|| panic!("not key = value: {l}"));
            (key.trim().to_string(), value.trim().to_string())
        })
        .collect()
}

#[test]
fn the_example_settings_have_every_key_with_the_defaults_the_unit_and_install_sh_use() {
    let settings = settings_example();
    let keys: Vec<&str> = settings.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "allow_mass_delete",
            "aws_attempt_timeout",
            "aws_call_timeout",
            "aws_connect_timeout",
            "aws_max_attempts",
            "aws_max_rate",
            "concurrency",
            "config_dir",
            "lease_ttl",
            "listen",
            "log_format",
            "max_delete_share",
            "owner_id",
            "prune",
            "resync_interval",
            "wait_timeout"
        ]
    );
    // The guards are on in the example: lifting them belongs to a one-off run, not to the service.
    assert_eq!(settings["prune"], "true");
    assert_eq!(settings["allow_mass_delete"], "false");
    // install.sh creates this directory and fills it; the unit sandbox leaves it readable.
    assert_eq!(settings["config_dir"], "\"/etc/reconciler/desired\"");
    assert_eq!(settings["listen"], "\"127.0.0.1:9180\"", "loopback: the endpoints have no authentication");

    // EnvironmentFile= syntax: comments and KEY=VALUE, no shell.
    let env = read(&deploy("reconciler.env"));
    let mut keys = BTreeSet::new();
    for line in env.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (key, _) = line.split_once('=').unwrap_or_else(|| panic!("reconciler.env: not KEY=VALUE: {line}"));
        assert!(key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'), "{line}");
        keys.insert(key);
    }
    assert_eq!(keys, BTreeSet::from(["RUST_LOG"]), "no region by default: the rest stays commented out");
}

// ---------------------------------------------------------------------------------------------------------
// install.sh

fn install_sh(args: &[&Path]) -> Output {
    let output = Command::new(deploy("install.sh")).args(args).output().expect("install.sh runs");
    assert!(output.status.success(), "install.sh {args:?}:\n{}", text(&output));
    output
}

/// A stand-in for the binary: install.sh only copies it.
fn fake_binary(dir: &Path, version: &str) -> PathBuf {
    let path = dir.join(format!("reconciler-{version}"));
    std::fs::write(&path, format!("#!/bin/sh\necho {version}\n")).expect("write fake binary");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod fake binary");
    path
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o7777
}

#[test]
fn install_sh_stages_the_daemon_and_a_second_run_keeps_local_changes() {
    let work = tempfile::tempdir().expect("temp dir");
    let root = work.path().join("root");
    let etc = root.join("etc/reconciler");
    let installed_binary = root.join("usr/local/bin/reconciler");

    let v1 = fake_binary(work.path(), "v1");
    let output = install_sh(&[Path::new("--root"), &root, Path::new("--with-workshop"), &v1]);
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(!log.contains("systemctl daemon-reload done"), "a staging install calls no systemctl:\n{log}");

    assert_eq!(read(&installed_binary), read(&v1));
    assert_eq!(mode(&installed_binary), 0o755);
    assert_eq!(read(&root.join("etc/systemd/system/reconciler.service")), read(&deploy("reconciler.service")));
    assert_eq!(read(&etc.join("reconciler.toml")), read(&deploy("reconciler.toml")));
    assert_eq!(mode(&etc.join("reconciler.toml")), 0o640);
    assert_eq!(read(&etc.join("reconciler.env")), read(&deploy("reconciler.env")));
    assert_eq!(mode(&etc.join("reconciler.env")), 0o600, "it may hold AWS keys");
    // The shipped desired state, file for file.
    let shipped: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("config"))
        .expect("config/")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(!shipped.is_empty());
    for file in &shipped {
        assert_eq!(read(&etc.join("desired").join(file.file_name().unwrap())), read(file));
    }

    // An admin changes the settings and the environment and replaces the desired state.
    std::fs::write(etc.join("reconciler.toml"), "owner_id = \"prod\"\n").unwrap();
    std::fs::write(etc.join("reconciler.env"), "AWS_REGION=eu-west-1\n").unwrap();
    for file in &shipped {
        std::fs::remove_file(etc.join("desired").join(file.file_name().unwrap())).unwrap();
    }
    std::fs::write(etc.join("desired/mine.toml"), "# ours\n").unwrap();

    // An upgrade: new binary, same unit; local files untouched.
    let v2 = fake_binary(work.path(), "v2");
    let output = install_sh(&[Path::new("--root"), &root, &v2]);
    assert_eq!(read(&installed_binary), read(&v2), "the binary is upgraded");
    assert_eq!(read(&etc.join("reconciler.toml")), "owner_id = \"prod\"\n", "{}", text(&output));
    assert_eq!(read(&etc.join("reconciler.env")), "AWS_REGION=eu-west-1\n", "{}", text(&output));
    let desired: BTreeSet<String> = std::fs::read_dir(etc.join("desired"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(desired, BTreeSet::from(["mine.toml".to_string()]), "a non-empty desired/ is left alone");
    assert!(!root.join("usr/local/bin/.reconciler.new").exists(), "no temp file left behind");
}

#[test]
fn install_sh_puts_no_desired_state_in_the_live_directory_unless_asked() {
    let work = tempfile::tempdir().expect("temp dir");
    let root = work.path().join("root");
    let output = install_sh(&[Path::new("--root"), &root, &fake_binary(work.path(), "v1")]);
    let desired = root.join("etc/reconciler/desired");
    assert!(desired.is_dir(), "{}", text(&output));
    assert_eq!(
        std::fs::read_dir(&desired).unwrap().count(),
        0,
        "a daemon started now builds nothing: {}",
        text(&output)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("--with-workshop"), "it says how: {}", text(&output));
    let env = read(&root.join("etc/reconciler/reconciler.env"));
    assert!(!env.lines().any(|l| l.starts_with("AWS_REGION=")), "no region chosen for the admin:\n{env}");
}

#[test]
fn install_sh_explains_itself_and_rejects_what_it_does_not_know() {
    let help = install_sh(&[Path::new("--help")]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Usage: deploy/install.sh [--root DIR] [--with-workshop] [BINARY]"), "{help}");

    let unknown = Command::new(deploy("install.sh")).arg("--frobnicate").output().expect("install.sh runs");
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    let work = tempfile::tempdir().expect("temp dir");
    let missing = work.path().join("no-such-binary");
    let output = Command::new(deploy("install.sh")).arg("--root").arg(work.path()).arg(&missing).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no executable at"), "{}", text(&output));
}

// ---------------------------------------------------------------------------------------------------------
// The IAM policy

/// Permissions AWS requires beyond the calls the code makes itself (deploy/README.md, "IAM policy"): the
/// generated policies may hold these and the calls, nothing else.
const EXTRA_PERMISSIONS: &[&str] = &[
    // Cloud Map CreatePrivateDnsNamespace creates a Route 53 private hosted zone with the caller's
    // permissions (AWS Cloud Map API permissions reference; it also lists ec2:DescribeVpcs, which the
    // reconciler calls anyway). DeleteNamespace needs nothing beyond servicediscovery:DeleteNamespace.
    "route53:CreateHostedZone",
    "route53:GetHostedZone",
    "route53:ListHostedZonesByName",
    "ec2:DescribeRegions",
    // ECS CreateCluster creates the AWSServiceRoleForECS service-linked role on first use in an account, as
    // CreateLoadBalancer does AWSServiceRoleForElasticLoadBalancing.
    "iam:CreateServiceLinkedRole",
    // RegisterTaskDefinition (execution and task roles) and RunInstances (instance profile) pass a role.
    "iam:PassRole",
    // Target tracking policies make and remove CloudWatch alarms with the caller's permissions (and
    // RegisterScalableTarget creates its service-linked role on first use: iam:CreateServiceLinkedRole above).
    "cloudwatch:DescribeAlarms",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DeleteAlarms",
];

/// The desired-state directories the project ships: the workshop and the examples.
fn shipped_directories() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut dirs = vec![root.join("config")];
    let examples = std::fs::read_dir(root.join("examples")).expect("examples/");
    dirs.extend(examples.map(|e| e.expect("dir entry").path()).filter(|p| p.is_dir()));
    dirs.sort();
    dirs
}

/// `reconciler iam-policy` for `dir`, as the deploy/ policy is generated (lease table included).
fn generated_policy(dir: &Path) -> serde_json::Value {
    let output = Command::new(reconciler_tests::reconciler_binary())
        .args(["iam-policy", "--owner-id", "default", "--lease-table", "reconciler-lease", "--config-dir"])
        .arg(dir)
        .env_remove("RECONCILER_CONFIG_FILE")
        .output()
        .expect("reconciler runs");
    assert!(output.status.success(), "iam-policy for {}: {}", dir.display(), text(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("iam-policy prints JSON ({e}): {}", text(&output)))
}

/// The IAM prefix of each service name the code uses in `classify("Service.Operation", ...)`.
fn iam_prefix(service: &str) -> &'static str {
    match service {
        "EC2" => "ec2",
        "ECS" => "ecs",
        "ServiceDiscovery" => "servicediscovery",
        "IAM" => "iam",
        "CloudWatchLogs" => "logs",
        "ELBv2" => "elasticloadbalancing",
        "ApplicationAutoScaling" => "application-autoscaling",
        "SSM" => "ssm",
        "SecretsManager" => "secretsmanager",
        "ACM" => "acm",
        "DynamoDB" => "dynamodb",
        other => panic!("classify(\"{other}.…\"): add the IAM prefix of service {other} to iam_prefix()"),
    }
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The string literal right after each `needle` in `source` (whitespace and line breaks allowed between).
fn literals_after<'a>(source: &'a str, needle: &str) -> Vec<&'a str> {
    source
        .match_indices(needle)
        .filter_map(|(at, _)| {
            let rest = source[at + needle.len()..].trim_start().strip_prefix('"')?;
            Some(&rest[..rest.find('"')?])
        })
        .collect()
}

/// Every AWS operation the code calls, as IAM actions, from `classify("Service.Operation", ...)`; and the EC2
/// creates that tag in the call (the `classify` after each `.tag_specifications(`).
fn actions_in_code() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates/aws/src"), &mut files);
    let mut actions = BTreeSet::new();
    let mut tagged_creates = BTreeSet::new();
    for file in &files {
        let source = read(file);
        for operation in literals_after(&source, "classify(") {
            let (service, name) = operation
                .split_once('.')
                .unwrap_or_else(|| panic!("{}: classify({operation:?}) is not Service.Operation", file.display()));
            actions.insert(format!("{}:{name}", iam_prefix(service)));
        }
        for (at, _) in source.match_indices(".tag_specifications(") {
            let operation = literals_after(&source[at..], "classify(").into_iter().next().unwrap_or_else(|| {
                panic!("{}: no classify(\"EC2.…\") after a .tag_specifications( call", file.display())
            });
            let name = operation.strip_prefix("EC2.").unwrap_or_else(|| panic!("tag specification in {operation}"));
            tagged_creates.insert(name.to_string());
        }
    }
    assert!(actions.len() >= 40, "found only {} operations in crates/aws/src: did classify() change?", actions.len());
    (actions, tagged_creates)
}

/// A policy element that is a string or a list of strings.
fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => {
            items.iter().map(|i| i.as_str().expect("a list of strings").to_string()).collect()
        }
        other => panic!("expected a string or a list of strings, got {other}"),
    }
}

/// A constant of crates/plan/src/ownership.rs, read from the source (the tests do not link the planner).
fn ownership_constant(name: &str) -> String {
    let source = read(&workspace_root().join("crates/plan/src/ownership.rs"));
    literals_after(&source, &format!("pub const {name}: &str ="))
        .first()
        .unwrap_or_else(|| panic!("no {name} in crates/plan/src/ownership.rs"))
        .to_string()
}

#[test]
fn deploy_iam_policy_json_is_the_policy_generated_from_config() {
    let shipped: serde_json::Value =
        serde_json::from_str(&read(&deploy("iam-policy.json"))).expect("deploy/iam-policy.json is JSON");
    assert!(
        shipped == generated_policy(&workspace_root().join("config")),
        "deploy/iam-policy.json is out of date. Regenerate it:\n  target/debug/reconciler iam-policy \
         --config-dir config --lease-table reconciler-lease > deploy/iam-policy.json"
    );
}

/// What a generated policy allows, statement by statement, checked for the rules every policy keeps.
fn actions_of(policy: &serde_json::Value, dir: &Path, tag_on_create: &mut BTreeSet<String>) -> BTreeSet<String> {
    assert_eq!(policy["Version"], "2012-10-17");
    let managed_by = ownership_constant("MANAGED_BY_KEY");
    let managed_by_value = ownership_constant("MANAGED_BY_VALUE");
    let owner_key = ownership_constant("OWNER_KEY");
    let mut sids = BTreeSet::new();
    let mut allowed = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("Statement is a list") {
        let sid = statement["Sid"].as_str().expect("every statement has a Sid");
        let at = format!("{} {sid}", dir.display());
        assert!(sids.insert(sid), "{at}: Sid twice");
        assert_eq!(statement["Effect"], "Allow", "{at}");
        let resources = strings(&statement["Resource"]);
        for action in strings(&statement["Action"]) {
            assert!(!action.contains('*'), "{at}: no wildcard actions ({action})");
            let read_only =
                ["Describe", "List", "Get", "Filter"].iter().any(|p| action.split(':').nth(1).unwrap().starts_with(p));
            assert_eq!(
                sid.ends_with("Observe"),
                read_only,
                "{at}: read-only actions, and only they, go in *Observe: {action}"
            );
            // Whatever changes something on every resource must be conditioned, or be one of the few AWS
            // cannot limit (listed in deploy/README.md).
            let unlimited = resources.iter().any(|r| r == "*") && statement.get("Condition").is_none();
            let unlimited_ok = ["ecs:DeregisterTaskDefinition", "route53:CreateHostedZone"].contains(&action.as_str())
                || action.starts_with("application-autoscaling:");
            assert!(read_only || !unlimited || unlimited_ok, "{at}: {action} on every resource without a condition");
            allowed.insert(action);
        }
        // Ownership conditions use the tags the code writes.
        if let Some(condition) = statement["Condition"]["StringEquals"].as_object() {
            for (key, value) in condition {
                if let Some(tag) = key.strip_prefix("aws:ResourceTag/").or(key.strip_prefix("aws:RequestTag/")) {
                    let expected = if tag == managed_by { &managed_by_value } else { "default" };
                    assert!(tag == managed_by || tag == owner_key, "{at}: condition on tag {tag}");
                    assert_eq!(value, expected, "{at}");
                }
                if key == "ec2:CreateAction" {
                    tag_on_create.extend(strings(value));
                }
            }
        }
    }
    allowed
}

#[test]
fn the_generated_policies_allow_every_call_the_code_makes_and_nothing_else() {
    let mut allowed = BTreeSet::new();
    let mut tag_on_create = BTreeSet::new();
    for dir in shipped_directories() {
        allowed.extend(actions_of(&generated_policy(&dir), &dir, &mut tag_on_create));
    }
    let (called, tagged_creates) = actions_in_code();
    let expected: BTreeSet<String> =
        called.iter().cloned().chain(EXTRA_PERMISSIONS.iter().map(|a| a.to_string())).collect();
    let missing: Vec<&String> = expected.difference(&allowed).collect();
    let unused: Vec<&String> = allowed.difference(&expected).collect();
    assert!(
        missing.is_empty() && unused.is_empty(),
        "the policies generated for config/ and examples/ do not match the AWS calls in crates/aws/src (plus \
         EXTRA_PERMISSIONS):\n  called but never allowed: {missing:?}\n  allowed but never called: {unused:?}\n\
         A kind's adapter lists its calls in `READS` and `permissions()` beside the code that makes them."
    );
    // Tagging in a create call needs ec2:CreateTags for that create action: a create added without it
    // would fail with UnauthorizedOperation in AWS (the emulator does not check).
    assert_eq!(tag_on_create, tagged_creates, "ec2:CreateAction values vs the EC2 creates that pass TagSpecifications");
}

#[test]
fn the_policy_names_the_declared_resources_and_another_owner_gets_its_own() {
    let config = workspace_root().join("config");
    let policy = generated_policy(&config);
    let text = policy.to_string();
    for declared in [
        "arn:aws:iam::*:role/ecsdemo-task-execution",
        "arn:aws:ecs:*:*:cluster/container-demo",
        "arn:aws:ecs:*:*:service/container-demo/ecsdemo-frontend",
        "arn:aws:logs:*:*:log-group:/ecs/ecsdemo-frontend",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/ecsdemo-frontend/*",
    ] {
        assert!(text.contains(declared), "{declared} is not in the policy:\n{policy:#}");
    }
    // PassRole: each role only to the service that uses it.
    let pass: Vec<&serde_json::Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| strings(&s["Action"]).contains(&"iam:PassRole".to_string()))
        .collect();
    for statement in &pass {
        let resources = strings(&statement["Resource"]);
        assert!(resources.iter().all(|r| r.starts_with("arn:aws:iam::*:role/ecsdemo-")), "{statement:#}");
    }
    assert!(
        pass.iter().any(|s| s["Condition"]["StringEquals"]["iam:PassedToService"] == "ecs-tasks.amazonaws.com"
            && s["Resource"] == "arn:aws:iam::*:role/ecsdemo-task-execution"),
        "the execution role is passed to ECS tasks only: {pass:#?}"
    );
    // Attaching managed policies: only those the files name.
    let attach = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| strings(&s["Action"]).contains(&"iam:AttachRolePolicy".to_string()))
        .map(|s| s["Condition"]["ArnEquals"]["iam:PolicyARN"].as_str().expect("one policy per role").to_string())
        .collect::<BTreeSet<_>>();
    assert_eq!(
        attach,
        BTreeSet::from([
            "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM".to_string(),
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy".to_string(),
        ])
    );

    // Another owner id: the same statements, conditioned on its tag.
    let output = Command::new(reconciler_tests::reconciler_binary())
        .args(["iam-policy", "--owner-id", "team-b", "--config-dir"])
        .arg(&config)
        .output()
        .unwrap();
    let other: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let other_text = other.to_string();
    assert!(other_text.contains(r#""aws:ResourceTag/reconciler:owner":"team-b""#), "{other:#}");
    assert!(!other_text.contains(r#""aws:ResourceTag/reconciler:owner":"default""#), "{other:#}");
    assert!(!other_text.contains("dynamodb:"), "no lease table given, no DynamoDB permission: {other:#}");
}

#[test]
fn iam_policy_refuses_bad_files_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "[cluster.x]\ncluster_name = 3\n").unwrap();
    let output = Command::new(reconciler_tests::reconciler_binary())
        .args(["iam-policy", "--config-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(output.stdout.is_empty(), "no policy for files that do not load: {}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad.toml:2"), "{}", text(&output));
}

#[test]
fn the_example_settings_file_is_accepted_by_the_binary() {
    let root = reconciler_tests::workspace_root();
    let output = std::process::Command::new(reconciler_tests::reconciler_binary())
        .args(["validate", "--config-file"])
        .arg(root.join("deploy/reconciler.toml"))
        .arg("--config-dir")
        .arg(root.join("config"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("valid"));
}
