//! Reading a directory: which files count, and errors from several files at once.

mod common;

use std::path::Path;

use common::TempDir;
use reconciler_spec::{SpecError, desired_files, load_dir};

#[test]
fn only_toml_files_directly_in_the_directory_count() {
    let dir = TempDir::new();
    dir.write("b.toml", "[cluster.b]\n");
    dir.write("a.toml", "[cluster.a]\n");
    // Editor and other leftovers, none of which is read: each would be an error if it were.
    dir.write(".hidden.toml", "not toml at all");
    dir.write(".#a.toml", "not toml at all");
    dir.write("a.toml~", "not toml at all");
    dir.write("a.toml.swp", "not toml at all");
    dir.write("#a.toml#", "not toml at all");
    dir.write("README.md", "not toml at all");
    dir.write("notes.TOML.bak", "not toml at all");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    dir.write("sub/c.toml", "not toml at all");

    let files = desired_files(dir.path()).unwrap();
    assert_eq!(files, [dir.path().join("a.toml"), dir.path().join("b.toml")]);
    let desired = load_dir(dir.path()).unwrap();
    assert_eq!(desired.clusters.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(desired.clusters["b"].location.file, dir.path().join("b.toml"));
}

#[test]
fn errors_of_all_files_come_together_sorted() {
    let dir = TempDir::new();
    let b = dir.write("b.toml", "[namespace.n]\nvpc = \"main\"\nbogus = 1\n");
    let a = dir.write("a.toml", "[vpc.main]\ncidr = \"10.0.0.0/24\"\n[vpc.main.x]\n");
    let c = dir.write("c.toml", "[cluster.c]\ncontainer_insights = \"no\"\n");
    let errors = load_dir(dir.path()).unwrap_err();
    let shown: Vec<(&Path, usize, usize, &str)> =
        errors.iter().map(|e| (e.file.as_path(), e.line, e.column, e.field.as_str())).collect();
    assert_eq!(
        shown,
        [
            (a.as_path(), 3, 11, "vpc.main.x"),
            (b.as_path(), 3, 1, "namespace.n.bogus"),
            (c.as_path(), 2, 22, "cluster.c.container_insights"),
        ]
    );
    assert_eq!(
        errors[0].message,
        "unknown field `x`, expected one of `cidr`, `availability_zones`, \
        `public_subnets`, `private_subnets`, `nat_gateways`, `enable_dns_support`, `enable_dns_hostnames`, `tags`, `adopt`, `deletion_policy`"
    );
    assert_eq!(
        errors[2].to_string(),
        format!(
            "{}:2:22: cluster.c.container_insights: expected a boolean (true or false), found a string",
            c.display()
        )
    );
}

#[test]
fn unreadable_directory() {
    let dir = TempDir::new();
    let missing = dir.path().join("missing");
    let errors = load_dir(&missing).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].file.as_path(), errors[0].line, errors[0].column), (missing.as_path(), 0, 0));
    assert!(errors[0].message.starts_with("cannot read the directory: "), "{}", errors[0].message);
}

/// The one error `load_dir` reports for the entry `name`, the other file of the directory being valid.
fn the_error_for(dir: &TempDir, name: &str) -> SpecError {
    dir.write("good.toml", "[cluster.c]\n");
    let errors = load_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, dir.path().join(name), "{errors:?}");
    assert_eq!(errors[0].field, "");
    errors[0].clone()
}

// An entry named like a desired-state file that cannot be read is an error, never skipped: skipped, it would
// look like its declarations were removed, and pruning would delete them.

#[test]
fn a_dangling_symlink_is_an_error_naming_its_target() {
    let dir = TempDir::new();
    std::os::unix::fs::symlink("gone.conf", dir.path().join("web.toml")).unwrap();
    let error = the_error_for(&dir, "web.toml");
    assert_eq!((error.line, error.column), (0, 0));
    assert_eq!(error.message, "cannot read the file: dangling symbolic link: its target `gone.conf` does not exist");
    assert_eq!(desired_files(dir.path()).unwrap(), [dir.path().join("good.toml"), dir.path().join("web.toml")]);
}

#[test]
fn a_symlink_loop_is_an_error() {
    let dir = TempDir::new();
    std::os::unix::fs::symlink("b.toml", dir.path().join("a.toml")).unwrap();
    std::os::unix::fs::symlink("a.toml", dir.path().join("b.toml")).unwrap();
    dir.write("good.toml", "[cluster.c]\n");
    let errors = load_dir(dir.path()).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            format!(
                "{}: cannot read the file: symbolic link loop: `b.toml` leads back to itself",
                dir.path().join("a.toml").display()
            ),
            format!(
                "{}: cannot read the file: symbolic link loop: `a.toml` leads back to itself",
                dir.path().join("b.toml").display()
            ),
        ]
    );
}

#[test]
fn a_directory_named_like_a_file_is_an_error() {
    let dir = TempDir::new();
    std::fs::create_dir(dir.path().join("dir.toml")).unwrap();
    let error = the_error_for(&dir, "dir.toml");
    assert_eq!(
        error.message,
        "cannot read the file: it is a directory, not a regular file; desired-state files must be regular files"
    );
}

#[test]
fn a_fifo_is_an_error_and_is_never_opened() {
    let dir = TempDir::new();
    let fifo = dir.path().join("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    // Opening a FIFO for reading blocks until a writer comes: this returning at all shows it was not opened.
    let error = the_error_for(&dir, "pipe.toml");
    assert!(error.message.contains("it is a FIFO (named pipe), not a regular file"), "{error}");
    // Through a link too.
    std::fs::remove_file(&fifo).unwrap();
    std::process::Command::new("mkfifo").arg(dir.path().join("pipe")).status().unwrap();
    std::os::unix::fs::symlink("pipe", &fifo).unwrap();
    assert!(the_error_for(&dir, "pipe.toml").message.contains("FIFO"));
}

#[test]
fn a_socket_or_a_device_is_an_error() {
    let dir = TempDir::new();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock.toml")).unwrap();
    assert!(the_error_for(&dir, "sock.toml").message.contains("it is a socket, not a regular file"));
    std::fs::remove_file(dir.path().join("sock.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.toml")).unwrap();
    assert!(the_error_for(&dir, "zero.toml").message.contains("it is a device, not a regular file"));
}

#[test]
fn invalid_utf8_points_at_the_first_bad_byte() {
    let dir = TempDir::new();
    std::fs::write(dir.path().join("bad.toml"), b"[vpc.main]\ncidr = \"\xc3\xa9\xff\"\n").unwrap();
    let error = the_error_for(&dir, "bad.toml");
    assert_eq!((error.line, error.column), (2, 10), "the column counts `\u{e9}` as one character");
    assert_eq!(error.message, "the file is not valid UTF-8: byte 0xff here; desired-state files must be UTF-8");
    assert_eq!(
        SpecError::whole_file(Path::new("x.toml"), "cannot read the file: denied").to_string(),
        "x.toml: cannot read the file: denied"
    );
}

#[test]
fn a_file_name_cannot_forge_an_output_line() {
    let dir = TempDir::new();
    let name = "a.toml\nerror: everything is fine.toml";
    std::os::unix::fs::symlink("nowhere", dir.path().join(name)).unwrap();
    let error = the_error_for(&dir, name);
    let shown = error.to_string();
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(shown.contains("a.toml\\nerror: everything is fine.toml: cannot read"), "{shown}");
}

#[test]
fn empty_directory_declares_nothing() {
    let dir = TempDir::new();
    assert!(load_dir(dir.path()).unwrap().is_empty());
    assert_eq!(desired_files(dir.path()).unwrap(), Vec::<std::path::PathBuf>::new());
}

#[test]
fn warnings_come_through_load_dir() {
    let dir = TempDir::new();
    dir.write(
        "a.toml",
        "[vpc.main]\ncidr = \"10.0.0.0/24\"\n[security_group.s]\nvpc = \"main\"\ndescription = \"s\"\n[cluster.c]\n\
         [role.r]\ntrusted_service = \"ecs-tasks.amazonaws.com\"\n",
    );
    let b = dir.write(
        "b.toml",
        "[service.web]\ncluster = \"c\"\nimage = \"nginx\"\nport = 80\nvpc = \"main\"\nsecurity_groups = [\"s\"]\n\
         execution_role = \"r\"\n",
    );
    let desired = load_dir(dir.path()).unwrap();
    assert_eq!(desired.len(), 5, "warnings are not declarations");
    let warnings: Vec<String> = desired.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [format!(
            "{}:3:9: service.web.image: no tag: `latest` is implied and changes under you; pin a tag or digest",
            b.display()
        )]
    );
}
