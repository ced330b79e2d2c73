//! Desired-state entries that cannot be read — a dangling symlink, a symlink loop, a directory or a FIFO named
//! `*.toml`, a file we may not read — are bad input, end to end: `validate` names them and fails, and a pass
//! refuses to run, so nothing the entry declared is ever deleted because it could not be read.
//! (The daemon's side is in daemon.rs: the last good version stays in force.)

use std::net::TcpListener;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use reconciler_tests::inventory::everything;
use reconciler_tests::plans::{assert_nothing_to_do, converge, pass};
use reconciler_tests::{DesiredDir, Emulator, Run, reconciler_binary, run_reconciler};

/// One way a `*.toml` entry cannot be read, and what the error says about it.
struct Unreadable {
    what: &'static str,
    make: fn(&Path),
    says: &'static str,
}

const CLASSES: [Unreadable; 4] = [
    Unreadable {
        what: "a dangling symlink",
        make: |path| symlink(path.with_file_name("checkout-in-progress.toml"), path).unwrap(),
        says: "dangling symbolic link: its target `",
    },
    Unreadable {
        what: "a symlink loop",
        make: |path| symlink(path.file_name().unwrap(), path).unwrap(),
        says: "symbolic link loop",
    },
    Unreadable {
        what: "a directory",
        make: |path| std::fs::create_dir(path).unwrap(),
        says: "cannot read the file: it is a directory, not a regular file",
    },
    Unreadable { what: "a FIFO", make: make_fifo, says: "cannot read the file: it is a FIFO (named pipe)" },
];

fn make_fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Replaces `name` in `desired` by an entry of this class.
fn replace(desired: &DesiredDir, name: &str, class: &Unreadable) {
    let path = desired.path().join(name);
    remove_entry(&path);
    (class.make)(&path);
}

/// Removes whatever is at `path`, a link (dangling or not) or a directory included.
fn remove_entry(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir(path).unwrap(),
        Ok(_) => std::fs::remove_file(path).unwrap(),
        Err(_) => {}
    }
}

fn restore(desired: &DesiredDir, name: &str) {
    let path = desired.path().join(name);
    remove_entry(&path);
    let shipped = reconciler_tests::workspace_root().join("config").join(name);
    std::fs::copy(shipped, path).unwrap();
}

fn assert_names_the_entry(run: &Run, class: &Unreadable, name: &str) {
    assert_eq!(run.code, 1, "{}: {run}", class.what);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains(name))
        .unwrap_or_else(|| panic!("{}: no error names {name}: {run}", class.what));
    assert!(line.starts_with("error: "), "{}: {line}", class.what);
    assert!(line.contains(class.says), "{}: {line}", class.what);
    assert!(run.stderr.contains("nothing was changed"), "{}: {run}", class.what);
}

#[test]
fn validate_and_a_pass_refuse_every_unreadable_entry_before_any_aws_call() {
    // A listener that records any connection: no run may make a single AWS call.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());

    for class in &CLASSES {
        let desired = DesiredDir::platform();
        replace(&desired, "extra.toml", class);
        let validate = run_reconciler(&endpoint, &["validate", "--config-dir", desired.arg()]);
        assert_names_the_entry(&validate, class, "extra.toml");
        assert!(!validate.stdout.contains("valid"), "{}: {validate}", class.what);

        for extra in [&["--dry-run"][..], &[]] {
            let mut args = vec!["--config-dir", desired.arg(), "--once"];
            args.extend_from_slice(extra);
            let run = run_reconciler(&endpoint, &args);
            assert_names_the_entry(&run, class, "extra.toml");
            assert!(!run.stderr.contains("API calls"), "{}: no pass ran: {run}", class.what);
        }
    }
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the reconciler connected to AWS"
    );
}

#[tokio::test]
async fn an_unreadable_file_deletes_nothing_it_declared() {
    let emulator = Emulator::start();
    let desired = DesiredDir::workshop();
    converge(&emulator, &desired);
    let before = everything(&emulator, "default").await;
    assert!(before.contains("service.ecsdemo-nodejs"), "{before:?}");

    for class in &CLASSES {
        replace(&desired, "nodejs.toml", class);
        let run = pass(&emulator, &desired, &[]);
        assert_names_the_entry(&run, class, "nodejs.toml");
        assert_eq!(everything(&emulator, "default").await, before, "{}: something changed: {run}", class.what);
    }
    restore(&desired, "nodejs.toml");
    assert_nothing_to_do(&emulator, &desired);
}

#[test]
fn a_file_the_service_user_may_not_read_is_an_error() {
    let desired = DesiredDir::platform();
    let file = desired.path().join("platform.toml");
    let output = if is_root() {
        // Root reads any file: run as nobody, who may enter the directory but not read the file.
        std::fs::set_permissions(desired.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        Command::new("setpriv")
            .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(reconciler_binary())
            .args(["validate", "--config-dir", desired.arg()])
            .output()
            .expect("setpriv runs")
    } else {
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
        Command::new(reconciler_binary()).args(["validate", "--config-dir", desired.arg()]).output().unwrap()
    };
    let run = Run::from(output);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("platform.toml: cannot read the file: permission denied"), "{run}");
    assert!(run.stderr.contains("nothing was changed"), "{run}");
}

fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}
