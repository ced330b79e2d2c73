//! ANSI colors, applied only when asked for.

/// A terminal text attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Color {
    Green,
    Yellow,
    Red,
    Magenta,
    Bold,
}

impl Color {
    /// The SGR parameter that turns this attribute on.
    fn code(self) -> &'static str {
        match self {
            Color::Green => "32",
            Color::Yellow => "33",
            Color::Red => "31",
            Color::Magenta => "35",
            Color::Bold => "1",
        }
    }
}

/// Wraps text in escape codes, or leaves it alone when colors are off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Painter {
    enabled: bool,
}

impl Painter {
    pub(crate) fn new(enabled: bool) -> Self {
        Painter { enabled }
    }

    pub(crate) fn paint(self, color: Color, text: &str) -> String {
        if self.enabled && !text.is_empty() { format!("\x1b[{}m{text}\x1b[0m", color.code()) } else { text.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_only_when_enabled() {
        assert_eq!(Painter::new(false).paint(Color::Green, "+"), "+");
        assert_eq!(Painter::new(true).paint(Color::Green, "+"), "\x1b[32m+\x1b[0m");
        assert_eq!(Painter::new(true).paint(Color::Bold, ""), "");
    }
}
