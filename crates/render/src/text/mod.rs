//! Plans and apply reports as text for people, in the manner of Terraform's plan.

mod plan;
mod report;

pub use plan::plan_text;
pub use report::report_text;

/// Text from the plan (reasons, errors, ids) on one line, so that it cannot break the layout.
pub(crate) fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).map(str::trim).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Trailing whitespace removed from every line (reasons may end in a space), one final newline.
pub(crate) fn finish(text: &str) -> String {
    let mut out: String = text.lines().map(|line| format!("{}\n", line.trim_end())).collect();
    if out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_text_is_joined_onto_one_line() {
        assert_eq!(one_line("first\nsecond\r\n third "), "first second third");
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn finish_strips_trailing_whitespace_and_ends_with_a_newline() {
        assert_eq!(finish("a  \n\nb\t"), "a\n\nb\n");
    }
}
