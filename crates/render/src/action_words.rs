//! How each action is named in the output, in one place: adding an action (a `Delete` is planned) means one
//! arm here and one in [`crate::symbol::Symbol::for_action`]; the compiler points at both.

use reconciler_plan::ActionKind;

/// The words for one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActionWords {
    /// The verb, also the action's name in JSON: `create`.
    pub(crate) name: &'static str,
    /// Done, for the apply report: `created`.
    pub(crate) done: &'static str,
    /// To come, for the plan's comment lines: `will be created`.
    pub(crate) future: &'static str,
}

impl ActionWords {
    pub(crate) fn of(action: ActionKind) -> ActionWords {
        let (name, done, future) = match action {
            ActionKind::Create => ("create", "created", "will be created"),
            ActionKind::Update => ("update", "updated", "will be updated in place"),
            ActionKind::Replace => ("replace", "replaced", "must be replaced"),
            ActionKind::Delete => ("delete", "deleted", "will be deleted"),
            ActionKind::Adopt => ("adopt", "adopted", "will be adopted"),
            ActionKind::Release => ("release", "released", "will be released"),
        };
        ActionWords { name, done, future }
    }
}
