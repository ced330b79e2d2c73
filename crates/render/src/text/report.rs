//! The apply report as text: one line per outcome, then the counts.

use reconciler_plan::{ActionOutcome, ApplyReport, OutcomeResult};

use super::{finish, one_line};
use crate::TextOptions;
use crate::action_words::ActionWords;
use crate::style::{Color, Painter};
use crate::words;

/// The apply report as text: one line per outcome, in the order the actions ran, then a summary line.
/// Ends in a newline, with no trailing whitespace on any line.
///
/// ```text
///   ✓ created vpc.main (vpc-0abc) in 120 ms
///   ✗ failed to update security_group.main/services: AccessDenied: not authorized
///   - skipped subnet.main/public-1: vpc.main failed
///
/// Apply: 1 succeeded, 1 failed, 1 skipped.
/// ```
pub fn report_text(report: &ApplyReport, options: &TextOptions) -> String {
    let painter = Painter::new(options.color);
    let summary = format!(
        "{} {} succeeded, {} failed, {} skipped.",
        painter.paint(Color::Bold, "Apply:"),
        report.succeeded(),
        report.failed(),
        report.skipped()
    );
    if report.outcomes.is_empty() {
        return finish(&summary);
    }
    let lines: Vec<String> = report.outcomes.iter().map(|outcome| outcome_line(outcome, painter)).collect();
    finish(&format!("{}\n\n{summary}", lines.join("\n")))
}

fn outcome_line(outcome: &ActionOutcome, painter: Painter) -> String {
    let address = &outcome.address;
    match &outcome.result {
        OutcomeResult::Succeeded { id } => {
            let id = if id.is_empty() { String::new() } else { format!(" ({})", one_line(id)) };
            let done = ActionWords::of(outcome.action).done;
            format!("  {} {done} {address}{id} in {}", painter.paint(Color::Green, "✓"), duration(outcome.elapsed_ms))
        }
        OutcomeResult::Failed { error } => {
            let verb = ActionWords::of(outcome.action).name;
            format!("  {} failed to {verb} {address}: {}", painter.paint(Color::Red, "✗"), one_line(error))
        }
        OutcomeResult::Skipped { because } => {
            format!(
                "  {} skipped {address}: {}",
                painter.paint(Color::Yellow, "-"),
                one_line(&words::skip_cause(because))
            )
        }
    }
}

/// `120 ms`, `4.2 s`, `3 min 5 s`.
fn duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{}.{} s", ms / 1_000, ms % 1_000 / 100)
    } else {
        format!("{} min {} s", ms / 60_000, ms % 60_000 / 1_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 ms");
        assert_eq!(duration(999), "999 ms");
        assert_eq!(duration(1_000), "1.0 s");
        assert_eq!(duration(4_290), "4.2 s");
        assert_eq!(duration(59_999), "59.9 s");
        assert_eq!(duration(185_000), "3 min 5 s");
    }
}
