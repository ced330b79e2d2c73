//! Passes of the binary with `--output json`, and what they planned and applied, read the way a user would:
//! helpers shared by the end-to-end tests that check plans (services, autoscaling, commands).

use std::collections::BTreeSet;

use crate::{DesiredDir, Emulator, Run};

/// One `--once --output json` pass (applying unless `--dry-run` is among `extra`).
pub fn pass(emulator: &Emulator, desired: &DesiredDir, extra: &[&str]) -> Run {
    let mut args = vec!["--config-dir", desired.arg(), "--once", "--output", "json"];
    args.extend_from_slice(extra);
    emulator.reconciler(&args)
}

/// Converges the desired state; every action must succeed (a pass with nothing to do, which has no `apply`
/// report, converges too). Returns the run.
pub fn converge(emulator: &Emulator, desired: &DesiredDir) -> Run {
    let run = pass(emulator, desired, &[]);
    assert_eq!(run.code, 0, "{run}");
    let apply = &run.json()["apply"];
    if !apply.is_null() {
        assert_eq!((&apply["failed"], &apply["skipped"]), (&0.into(), &0.into()), "{run}");
    }
    run
}

/// One planned action: address, action, reason (words and code), the fields it changes (tags included, as `tags.KEY`) and the
/// changes themselves (`{field, before, after}` each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub address: String,
    pub action: String,
    pub reason: String,
    /// The reason's stable code (`drift`, `removal`, `dependency_replaced`, ...): what to assert on.
    pub reason_code: String,
    pub fields: Vec<String>,
    pub changes: serde_json::Value,
}

impl Planned {
    /// The change to `field` (`{field, before, after}`); panics if the action does not change it.
    pub fn change(&self, field: &str) -> &serde_json::Value {
        self.changes
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == field)
            .unwrap_or_else(|| panic!("{} has no change to {field}: {self:?}", self.address))
    }

    /// The `(before, after)` values of the change to `field`, for one-line assertions.
    pub fn before_after(&self, field: &str) -> (&serde_json::Value, &serde_json::Value) {
        let change = self.change(field);
        (&change["before"], &change["after"])
    }
}

/// The actions a `--output json` run planned, in plan order.
pub fn planned(run: &Run) -> Vec<Planned> {
    run.json()["actions"]
        .as_array()
        .unwrap_or_else(|| panic!("no actions array: {run}"))
        .iter()
        .map(|a| Planned {
            address: a["address"].as_str().unwrap().to_string(),
            action: a["action"].as_str().unwrap().to_string(),
            reason: a["reason"].as_str().unwrap().to_string(),
            reason_code: a["reason_code"].as_str().unwrap().to_string(),
            fields: a["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap().to_string()).collect(),
            changes: a["changes"].clone(),
        })
        .collect()
}

/// A dry run that must find changes (exit code 2 with `--detailed-exitcode`), make no mutating call and apply
/// nothing. Returns the run.
pub fn pending_dry_run(emulator: &Emulator, desired: &DesiredDir) -> Run {
    let dry = pass(emulator, desired, &["--dry-run", "--detailed-exitcode"]);
    assert_eq!(dry.code, 2, "changes pending: {dry}");
    let json = dry.json();
    assert_eq!(json["pass"]["mutating_api_calls"], 0, "a dry run changes nothing: {dry}");
    assert!(json.get("apply").is_none(), "nothing applied: {dry}");
    dry
}

/// A dry run that must find changes, and must not change anything (see [`pending_dry_run`]). Returns its plan.
pub fn dry_run_with_changes(emulator: &Emulator, desired: &DesiredDir) -> Vec<Planned> {
    planned(&pending_dry_run(emulator, desired))
}

/// The action on `address` in `plan`; panics with the whole plan if there is none.
pub fn action<'a>(plan: &'a [Planned], address: &str) -> &'a Planned {
    plan.iter().find(|p| p.address == address).unwrap_or_else(|| panic!("{address} is not in the plan: {plan:#?}"))
}

/// (address, action) of every planned action.
pub fn summary(plan: &[Planned]) -> BTreeSet<(String, String)> {
    plan.iter().map(|p| (p.address.clone(), p.action.clone())).collect()
}

/// (address, action) pairs written out, to compare with [`summary`] or [`applied`].
pub fn expect(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs.iter().map(|(a, k)| ((*a).to_string(), (*k).to_string())).collect()
}

/// (address, action) of every outcome in an applying run's report.
pub fn applied(run: &Run) -> BTreeSet<(String, String)> {
    run.json()["apply"]["outcomes"]
        .as_array()
        .unwrap_or_else(|| panic!("no apply outcomes: {run}"))
        .iter()
        .map(|o| (o["address"].as_str().unwrap().to_string(), o["action"].as_str().unwrap().to_string()))
        .collect()
}

/// Converges (see [`converge`]) and checks the pass did what the dry run's `plan` showed. Returns the run.
pub fn apply_as_planned(emulator: &Emulator, desired: &DesiredDir, plan: &[Planned]) -> Run {
    let repair = converge(emulator, desired);
    assert_eq!(applied(&repair), summary(plan), "the pass did what the dry run showed: {repair}");
    repair
}

/// Applies as the dry run showed (see [`apply_as_planned`]), then checks that the following dry run finds
/// nothing to do (see [`assert_nothing_to_do`]). Returns the applying run.
pub fn repair_and_settle(emulator: &Emulator, desired: &DesiredDir, plan: &[Planned]) -> Run {
    let repair = apply_as_planned(emulator, desired, plan);
    assert_nothing_to_do(emulator, desired);
    repair
}

/// A dry run that must find nothing at all to do (no actions, conflicts or resources not declared).
pub fn assert_nothing_to_do(emulator: &Emulator, desired: &DesiredDir) {
    let dry = pass(emulator, desired, &["--dry-run", "--detailed-exitcode"]);
    assert_eq!(dry.code, 0, "nothing to do: {dry}");
    let json = dry.json();
    assert_eq!(json["changes"], false, "{dry}");
    for key in ["actions", "conflicts", "not_declared"] {
        assert_eq!(json[key].as_array().unwrap_or_else(|| panic!("no {key}: {dry}")).len(), 0, "{key}: {dry}");
    }
}

/// An applying pass that must plan nothing and make no mutating call. Returns the run.
pub fn assert_quiet_pass(emulator: &Emulator, desired: &DesiredDir) -> Run {
    let run = pass(emulator, desired, &["--detailed-exitcode"]);
    assert_eq!(run.code, 0, "no changes: {run}");
    let json = run.json();
    assert_eq!(json["actions"].as_array().unwrap().len(), 0, "{run}");
    assert_eq!(json["pass"]["mutating_api_calls"], 0, "{run}");
    run
}

/// Edits a desired-state file in place: the first `from` becomes `to`, which must be there.
pub fn edit(desired: &DesiredDir, file: &str, from: &str, to: &str) {
    let path = desired.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}
