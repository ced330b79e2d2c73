//! Saved plans, for a review-then-apply flow: `reconciler --once --plan-out FILE` writes the plan with a
//! fingerprint of what it was computed from (each desired-state file, each live resource, the secrets' and
//! certificates' metadata, the pruning options); `reconciler apply FILE` plans again and applies only when
//! the files, the live state and so the plan are exactly what was reviewed. Otherwise it refuses (exit 1),
//! saying what changed, before any mutating call.
//!
//! The fingerprints are SHA-256 digests of the reconciler's own reading of the state, so a plan is only
//! applied by the version of the reconciler that wrote it (the file records it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use reconciler_plan::ownership::RESOURCE_KEY;
use reconciler_plan::{Observed, Plan};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Changed when the file's meaning changes.
const FORMAT: u32 = 1;

/// What `--plan-out` writes.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: u32,
    /// The reconciler that wrote it: only the same version applies it.
    pub reconciler_version: String,
    pub owner_id: String,
    pub config_dir: PathBuf,
    pub pruning: SavedPruning,
    /// File name -> digest of its bytes.
    pub files: BTreeMap<String, String>,
    /// Live resource (its address when ours, else kind and id) -> digest of what observation read.
    pub live: BTreeMap<String, String>,
    /// The plan, as `--output json` shows it: for the reviewer, and compared with the plan made at apply.
    pub plan: Value,
}

/// The pruning options the plan was made with; apply plans with the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedPruning {
    pub enabled: bool,
    pub max_share: f64,
    pub allow_mass_delete: bool,
}

impl SavedPruning {
    pub fn of(pruning: &reconciler_plan::Pruning) -> Self {
        SavedPruning {
            enabled: pruning.enabled,
            max_share: pruning.max_share,
            allow_mass_delete: pruning.allow_mass_delete,
        }
    }

    pub fn pruning(self) -> reconciler_plan::Pruning {
        reconciler_plan::Pruning {
            enabled: self.enabled,
            max_share: self.max_share,
            allow_mass_delete: self.allow_mass_delete,
            ..Default::default()
        }
    }
}

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Each desired-state file of `dir` by name, with the digest of its bytes (what the loader reads).
pub fn file_digests(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let files = reconciler_spec::desired_files(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    files
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            Ok((name, digest(&bytes)))
        })
        .collect()
}

/// Each live resource observation found, and what else the plan depends on, with a digest of its reading.
pub fn live_digests(observed: &Observed) -> BTreeMap<String, String> {
    let mut live = BTreeMap::new();
    for node in &observed.nodes {
        let key = match node.tags.get(RESOURCE_KEY) {
            Some(address) => address.clone(),
            None => format!("{:?} {}", node.kind(), node.id),
        };
        let reading = format!("{}\n{:?}\n{:?}", node.id, node.spec, node.tags);
        live.insert(key, digest(reading.as_bytes()));
    }
    live.insert("(availability zones)".into(), digest(format!("{:?}", observed.availability_zones).as_bytes()));
    live.insert("(unread kinds)".into(), digest(format!("{:?}", observed.unread).as_bytes()));
    live.insert("(secret versions)".into(), digest(format!("{:?}", observed.secrets).as_bytes()));
    live.insert("(certificates)".into(), digest(format!("{:?}", observed.certificates).as_bytes()));
    live
}

impl SavedPlan {
    pub fn new(
        owner_id: &str,
        config_dir: &Path,
        pruning: SavedPruning,
        files: BTreeMap<String, String>,
        plan: &Plan,
        observed: &Observed,
    ) -> SavedPlan {
        SavedPlan {
            format: FORMAT,
            reconciler_version: env!("CARGO_PKG_VERSION").to_string(),
            owner_id: owner_id.to_string(),
            config_dir: config_dir.to_path_buf(),
            pruning,
            files,
            live: live_digests(observed),
            plan: reconciler_render::plan_json(plan),
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).expect("a saved plan is JSON");
        std::fs::write(path, text + "\n").map_err(|e| format!("writing {}: {e}", path.display()))
    }

    pub fn read(path: &Path) -> Result<SavedPlan, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let saved: SavedPlan = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a saved plan ({e}); write one with --once --plan-out", path.display()))?;
        if saved.format != FORMAT || saved.reconciler_version != env!("CARGO_PKG_VERSION") {
            return Err(format!(
                "{}: written by reconciler {} (format {}); this is {} (format {FORMAT}): plan again",
                path.display(),
                saved.reconciler_version,
                saved.format,
                env!("CARGO_PKG_VERSION")
            ));
        }
        Ok(saved)
    }
}

/// What differs between two digest maps: `changed`, `new` and `gone` keys, one line each.
pub fn differences(what: &str, saved: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Vec<String> {
    let keys: BTreeSet<&String> = saved.keys().chain(now.keys()).collect();
    keys.into_iter()
        .filter_map(|key| match (saved.get(key), now.get(key)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(_), Some(_)) => Some(format!("{what} {key} changed")),
            (None, Some(_)) => Some(format!("{what} {key} is new")),
            (Some(_), None) => Some(format!("{what} {key} is gone")),
            (None, None) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_what_changed_appeared_and_went() {
        let saved = BTreeMap::from([("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())]);
        let now = BTreeMap::from([("a".to_string(), "9".to_string()), ("c".to_string(), "3".to_string())]);
        assert_eq!(differences("file", &saved, &now), ["file a changed", "file b is gone", "file c is new"]);
        assert!(differences("file", &saved, &saved).is_empty());
    }

    #[test]
    fn a_digest_is_sha256() {
        assert_eq!(digest(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
