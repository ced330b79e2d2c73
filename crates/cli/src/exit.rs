//! Exit codes, as `terraform plan -detailed-exitcode` has them: scripts rely on these.

use reconciler_plan::{ApplyReport, Plan};

pub const OK: i32 = 0;
pub const ERROR: i32 = 1;
/// With `--detailed-exitcode`: there were changes (planned in a dry run, or applied).
pub const CHANGES: i32 = 2;
/// Output went into a closed pipe (`reconciler status | head`): the shell's code for a process SIGPIPE ended.
pub const CLOSED_PIPE: i32 = 141;

/// Output into a closed pipe ends the process quietly with [`CLOSED_PIPE`], as SIGPIPE ends a C program. Rust
/// ignores SIGPIPE, so `println!` (and the completion and man page writers) panic instead; restoring the signal
/// would take `unsafe`, which this workspace forbids. Any other panic is reported as usual.
pub fn quiet_on_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") || message.contains("BrokenPipe") {
            std::process::exit(CLOSED_PIPE);
        }
        report(info)
    }));
}

/// The exit code of a pass. Conflicts and failed actions are errors: the live state does not match.
pub fn code(plan: &Plan, report: Option<&ApplyReport>, detailed: bool) -> i32 {
    // A guard that held deletions back also leaves the live state unlike the files: someone must look.
    // So does a kind that could not be read, or a secret that does not exist: what needs it was left alone.
    if !plan.conflicts.is_empty()
        || plan.prune_guard.is_some()
        || !plan.unread.is_empty()
        || !plan.held.is_empty()
        || report.is_some_and(|r| !r.is_success())
    {
        ERROR
    } else if detailed && plan.has_changes() {
        CHANGES
    } else {
        OK
    }
}
