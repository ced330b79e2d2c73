//! The desired state as the daemon sees it: each file's last good version stays in force while a newer edit
//! of it is invalid, so a bad edit never changes or removes what the file declared.

use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use reconciler_spec::{Desired, FileDeclarations};

/// One file's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    Valid,
    /// The current content is invalid. `applied_last_good` says whether an earlier valid version is in force.
    Invalid {
        errors: Vec<String>,
        applied_last_good: bool,
    },
}

/// The outcome of reading the directory.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What to reconcile towards.
    pub desired: Desired,
    pub files: BTreeMap<PathBuf, FileStatus>,
    /// Errors that span files (a reference into an invalid file, a duplicate name); while there are any, the
    /// last desired state that assembled cleanly stays in force.
    pub cross_file_errors: Vec<String>,
    /// Errors seen for the first time in this load (for logging once per change, not once per pass).
    pub new_errors: Vec<String>,
}

impl Loaded {
    pub fn invalid_files(&self) -> usize {
        self.files.values().filter(|s| matches!(s, FileStatus::Invalid { .. })).count()
    }
}

#[derive(Debug, Default)]
struct FileMemory {
    last_good: Option<FileDeclarations>,
    /// Hash of the content whose errors were last reported, so each bad version is reported once.
    reported: Option<u64>,
}

/// Remembers each file's last good version across loads.
#[derive(Debug, Default)]
pub struct DesiredState {
    files: BTreeMap<PathBuf, FileMemory>,
    last_assembled: Option<Desired>,
    reported_cross_file: Option<u64>,
}

impl DesiredState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `dir` again. Fails only when there is nothing to go on at all (the directory cannot be read and
    /// nothing was ever loaded).
    pub fn load(&mut self, dir: &Path) -> Result<Loaded, String> {
        let paths = match reconciler_spec::desired_files(dir) {
            Ok(paths) => paths,
            Err(err) => {
                let message = format!("{}: cannot read the directory: {err}", reconciler_spec::escaped_path(dir));
                return match &self.last_assembled {
                    // Keep everything as it was: an unreadable directory (a checkout in progress, a symlink being
                    // swapped) is no reason to change AWS.
                    Some(desired) => Ok(Loaded {
                        desired: desired.clone(),
                        files: BTreeMap::new(),
                        cross_file_errors: vec![message.clone()],
                        new_errors: vec![message],
                    }),
                    None => Err(message),
                };
            }
        };
        // Files that are gone are forgotten: removing a file is how a user removes its declarations.
        self.files.retain(|path, _| paths.contains(path));

        let mut files = BTreeMap::new();
        let mut chosen = Vec::new();
        let mut new_errors = Vec::new();
        for path in paths {
            let memory = self.files.entry(path.clone()).or_default();
            // An entry that cannot be read is an invalid file like any other: its last good version stays in
            // force, and nothing is pruned while it lasts.
            let parsed = match reconciler_spec::read_desired_file(&path) {
                Ok(text) => reconciler_spec::parse_file(&path, &text).map_err(|errors| (hash(&text), errors)),
                Err(error) => Err((hash(&error.message), vec![error])),
            };
            match parsed {
                Ok(declarations) => {
                    memory.last_good = Some(declarations.clone());
                    memory.reported = None;
                    chosen.push(declarations);
                    files.insert(path, FileStatus::Valid);
                }
                Err((content_hash, errors)) => {
                    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    if memory.reported != Some(content_hash) {
                        memory.reported = Some(content_hash);
                        new_errors.extend(errors.iter().cloned());
                    }
                    let applied_last_good = memory.last_good.is_some();
                    chosen.extend(memory.last_good.clone());
                    files.insert(path, FileStatus::Invalid { errors, applied_last_good });
                }
            }
        }

        let (desired, cross_file_errors) = match reconciler_spec::assemble(chosen) {
            Ok(desired) => {
                // Warnings (an image without a tag) are logged when the desired state changes, not every pass.
                if self.last_assembled.as_ref() != Some(&desired) {
                    for warning in &desired.warnings {
                        tracing::warn!(%warning, "desired state");
                    }
                }
                self.last_assembled = Some(desired.clone());
                self.reported_cross_file = None;
                (desired, vec![])
            }
            Err(errors) => {
                let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                let errors_hash = hash(&errors);
                if self.reported_cross_file != Some(errors_hash) {
                    self.reported_cross_file = Some(errors_hash);
                    new_errors.extend(errors.iter().cloned());
                }
                (self.last_assembled.clone().unwrap_or_default(), errors)
            }
        };
        Ok(Loaded { desired, files, cross_file_errors, new_errors })
    }
}

fn hash(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUSTER: &str = "[cluster.demo]\ncontainer_insights = true\n";
    const CLUSTER_OFF: &str = "[cluster.demo]\ncontainer_insights = false\n";
    const BROKEN: &str = "[cluster.demo]\ncontainer_insights = \"yes\"\n";

    fn insights(loaded: &Loaded) -> bool {
        loaded.desired.clusters["demo"].spec.container_insights
    }

    #[test]
    fn an_invalid_edit_keeps_the_last_good_version_in_force_and_reports_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cluster.toml");
        let mut state = DesiredState::new();

        std::fs::write(&file, CLUSTER).unwrap();
        assert!(insights(&state.load(dir.path()).unwrap()));

        std::fs::write(&file, BROKEN).unwrap();
        let loaded = state.load(dir.path()).unwrap();
        assert!(insights(&loaded), "last good version still in force");
        assert_eq!(loaded.invalid_files(), 1);
        assert!(matches!(&loaded.files[&file], FileStatus::Invalid { applied_last_good: true, .. }));
        assert_eq!(loaded.new_errors.len(), 1);
        assert!(loaded.new_errors[0].contains("cluster.toml:2:"), "{:?}", loaded.new_errors);

        let again = state.load(dir.path()).unwrap();
        assert!(again.new_errors.is_empty(), "the same bad content is reported once");

        std::fs::write(&file, CLUSTER_OFF).unwrap();
        let fixed = state.load(dir.path()).unwrap();
        assert!(!insights(&fixed), "the fixed version applies");
        assert_eq!(fixed.invalid_files(), 0);
    }

    #[test]
    fn a_file_that_was_never_valid_is_not_applied_and_the_rest_is() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.toml"), CLUSTER).unwrap();
        std::fs::write(dir.path().join("bad.toml"), "[cluster.other\n").unwrap();
        let loaded = DesiredState::new().load(dir.path()).unwrap();
        assert_eq!(loaded.desired.clusters.keys().collect::<Vec<_>>(), ["demo"]);
        assert!(matches!(
            &loaded.files[&dir.path().join("bad.toml")],
            FileStatus::Invalid { applied_last_good: false, .. }
        ));
    }

    #[test]
    fn removing_a_file_removes_its_declarations() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cluster.toml");
        std::fs::write(&file, CLUSTER).unwrap();
        let mut state = DesiredState::new();
        assert_eq!(state.load(dir.path()).unwrap().desired.clusters.len(), 1);
        std::fs::remove_file(&file).unwrap();
        assert!(state.load(dir.path()).unwrap().desired.clusters.is_empty());
    }

    #[test]
    fn a_file_replaced_by_a_dangling_link_keeps_its_last_good_version_and_reports_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cluster.toml");
        std::fs::write(&file, CLUSTER).unwrap();
        let mut state = DesiredState::new();
        state.load(dir.path()).unwrap();

        // A checkout that swaps the file for a link to a path that is not there yet.
        std::fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(dir.path().join("not-yet.toml"), &file).unwrap();
        let loaded = state.load(dir.path()).unwrap();
        assert_eq!(loaded.desired.clusters.len(), 1, "the cluster is still declared");
        assert_eq!(loaded.invalid_files(), 1);
        assert!(matches!(
            loaded.files.get(&file),
            Some(FileStatus::Invalid { applied_last_good: true, errors }) if errors[0].contains("dangling symbolic link")
        ));
        assert_eq!(loaded.new_errors.len(), 1);
        assert!(state.load(dir.path()).unwrap().new_errors.is_empty(), "the same error is reported once");
    }

    #[test]
    fn an_unreadable_directory_keeps_the_last_state() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cluster.toml"), CLUSTER).unwrap();
        let mut state = DesiredState::new();
        state.load(dir.path()).unwrap();
        let missing = dir.path().join("gone");
        let loaded = state.load(&missing).unwrap();
        assert_eq!(loaded.desired.clusters.len(), 1);
        assert_eq!(loaded.cross_file_errors.len(), 1);
        assert!(DesiredState::new().load(&missing).is_err());
    }
}
