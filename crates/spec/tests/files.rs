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
    std::fs::create_dir(dir.path().join("dir.toml")).unwrap();

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
        `public_subnets`, `private_subnets`, `nat_gateways`, `enable_dns_support`, `enable_dns_hostnames`, `tags`, `deletion_policy`"
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
fn unreadable_directory_and_file() {
    let dir = TempDir::new();
    let missing = dir.path().join("missing");
    let errors = load_dir(&missing).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].file.as_path(), errors[0].line, errors[0].column), (missing.as_path(), 0, 0));
    assert!(errors[0].message.starts_with("cannot read the directory: "), "{}", errors[0].message);

    // Not UTF-8: read_to_string fails. The other file is still checked.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, b"\xff\xfe[vpc.main]\n").unwrap();
    dir.write("good.toml", "[cluster.c]\ntags = 1\n");
    let errors = load_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!((errors[0].file.as_path(), errors[0].line, errors[0].column), (bad.as_path(), 0, 0));
    assert!(errors[0].message.starts_with("cannot read the file: "), "{}", errors[0].message);
    assert_eq!(errors[0].field, "");
    assert_eq!(errors[1].field, "cluster.c.tags");
    assert_eq!(
        SpecError::whole_file(Path::new("x.toml"), "cannot read the file: denied").to_string(),
        "x.toml:0:0: cannot read the file: denied"
    );
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
