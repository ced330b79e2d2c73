//! Drawing what the planner decided, and what applying it did.
//!
//! Two audiences, two forms of the same data:
//! - people: text that reads like Terraform's plan ([`plan_text`], [`report_text`]);
//! - scripts: JSON with a stable, versioned schema ([`plan_json`], [`report_json`]).
//!
//! Both are documented, with full examples, in `docs/plan-output.md`. Computing the plan is the plan
//! crate's job: nothing here decides anything, and nothing here does I/O (the caller prints, and decides
//! whether the terminal gets colors).

mod action_words;
mod json;
mod style;
mod symbol;
mod text;
mod value;
pub mod words;

pub use json::{FORMAT_VERSION, plan_json, report_json};
pub use text::{plan_text, report_text};
pub use words::pass_line;

/// How to draw text output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Color the symbols with ANSI escape codes, like Terraform: green `+`, yellow `~`, red `-` and `!`,
    /// magenta `-/+`. Off by default; the caller decides (is stdout a terminal, is `NO_COLOR` set).
    pub color: bool,
}
