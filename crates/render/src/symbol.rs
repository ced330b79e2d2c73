//! The symbols that mark entries in the text output, their colors, and what the legend says they mean.
//!
//! Adding a resource action (a `Delete` is planned) means: map it to a symbol in [`Symbol::for_action`]
//! (`Remove` is ready, legend "delete"), give it words in `action_words.rs`, and a count in the summary line
//! (`text/plan.rs`) and the JSON summary (`json.rs`) once `Summary` has one.

use reconciler_plan::ActionKind;

use crate::style::Color;

/// A mark in the left column. The declaration order is the legend's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Symbol {
    /// `+`: a resource created, a field or set element added.
    Add,
    /// `~`: a resource updated in place, a field changed.
    Change,
    /// `-`: a set element removed (and, once the planner deletes, a resource deleted).
    Remove,
    /// `-/+`: a resource deleted and created anew.
    Replace,
    /// `<~`: an existing resource without an owner taken over and converged.
    Adopt,
    /// `~>`: a resource let go: it stays in AWS without our tags.
    Release,
    /// `!`: a declared resource that cannot be created.
    Conflict,
}

impl Symbol {
    /// The mark for a resource action.
    pub(crate) fn for_action(action: ActionKind) -> Symbol {
        match action {
            ActionKind::Create => Symbol::Add,
            ActionKind::Update => Symbol::Change,
            ActionKind::Replace => Symbol::Replace,
            ActionKind::Delete => Symbol::Remove,
            ActionKind::Adopt => Symbol::Adopt,
            ActionKind::Release => Symbol::Release,
        }
    }

    pub(crate) fn text(self) -> &'static str {
        match self {
            Symbol::Add => "+",
            Symbol::Change => "~",
            Symbol::Remove => "-",
            Symbol::Replace => "-/+",
            Symbol::Adopt => "<~",
            Symbol::Release => "~>",
            Symbol::Conflict => "!",
        }
    }

    pub(crate) fn color(self) -> Color {
        match self {
            Symbol::Add => Color::Green,
            Symbol::Change => Color::Yellow,
            Symbol::Remove | Symbol::Conflict => Color::Red,
            Symbol::Replace | Symbol::Adopt | Symbol::Release => Color::Magenta,
        }
    }

    /// What the symbol means when it marks a resource, as the legend says it.
    pub(crate) fn legend(self) -> &'static str {
        match self {
            Symbol::Add => "create",
            Symbol::Change => "update in place",
            Symbol::Remove => "delete",
            Symbol::Replace => "replace",
            Symbol::Adopt => "adopt (take over, then converge)",
            Symbol::Release => "release (stays in AWS, no longer ours)",
            Symbol::Conflict => "conflict",
        }
    }
}
