//! Helpers shared by the integration tests.
#![allow(dead_code)] // Each test crate uses its own subset.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use reconciler_spec::{Desired, FileDeclarations, SpecError, assemble, parse_file, parse_file_partial};

/// The errors of one file named `a.toml`, as displayed. Panics if the file is valid.
pub fn file_errors(text: &str) -> Vec<String> {
    match parse_file(Path::new("a.toml"), text) {
        Ok(parsed) => panic!("expected errors, got {parsed:#?}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

/// One valid file named `a.toml`. Panics with its errors otherwise.
pub fn parse_ok(text: &str) -> FileDeclarations {
    parse_file(Path::new("a.toml"), text).unwrap_or_else(|errors| panic!("{}", show(&errors)))
}

/// Files given as (name, text), parsed and assembled as `load_dir` would, without touching the disk.
pub fn load(files: &[(&str, &str)]) -> Result<Desired, Vec<String>> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (name, text) in files {
        let (declarations, file_errors) = parse_file_partial(Path::new(name), text);
        errors.extend(file_errors);
        parsed.push(declarations);
    }
    let result = assemble(parsed);
    if let Err(assemble_errors) = &result {
        errors.extend(assemble_errors.iter().cloned());
    }
    reconciler_spec::sort_errors(&mut errors);
    match result {
        Ok(desired) if errors.is_empty() => Ok(desired),
        _ => Err(errors.iter().map(ToString::to_string).collect()),
    }
}

/// `load`, expecting errors.
pub fn load_errors(files: &[(&str, &str)]) -> Vec<String> {
    match load(files) {
        Ok(desired) => panic!("expected errors, got {desired:#?}"),
        Err(errors) => errors,
    }
}

pub fn show(errors: &[SpecError]) -> String {
    errors.iter().map(|e| format!("{e}\n")).collect()
}

/// A directory under the system's temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("reconciler-spec-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
