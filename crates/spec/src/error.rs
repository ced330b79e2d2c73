//! [`SpecError`]: one problem in the desired state, and how byte offsets become lines and columns.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::model::Location;

/// One problem in the desired state, pointing at the file, position and field.
///
/// Displayed as `{file}:{line}:{column}: {field}: {message}` (the `{field}: ` part is left out when `field` is
/// empty, as for TOML syntax errors; `{line}:{column}: ` when the problem is with the whole file), the form editors and terminals turn into a link to the spot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpecError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is with the file as a whole (it could not be read).
    pub line: usize,
    /// 1-based, in characters; 0 when the problem is with the file as a whole.
    pub column: usize,
    /// Dotted path of the field, e.g. `vpc.main.cidr` or `security_group.services.ingress[0].port`. Empty when
    /// the problem is not with one field (TOML syntax, unreadable file).
    pub field: String,
    pub message: String,
}

impl SpecError {
    /// An error at a known location.
    ///
    /// The message is made [`readable`]: values quoted in it come from the files and may be long or hold
    /// control characters.
    pub fn at(location: &Location, field: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            file: location.file.clone(),
            line: location.line,
            column: location.column,
            field: readable(&field.into()),
            message: readable(&message.into()),
        }
    }

    /// An error about a whole file or directory (unreadable, not UTF-8): line and column are 0.
    pub fn whole_file(file: &Path, message: impl Into<String>) -> Self {
        SpecError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            field: String::new(),
            message: readable(&message.into()),
        }
    }

    /// Where the error points.
    pub fn location(&self) -> Location {
        Location { file: self.file.clone(), line: self.line, column: self.column }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A problem with the whole file has no position: `file: message`, as compilers print it.
        if self.line == 0 {
            write!(f, "{}: ", escaped_path(&self.file))?;
        } else {
            write!(f, "{}:{}:{}: ", escaped_path(&self.file), self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for SpecError {}

/// The longest value quoted between backticks in a message that is shown whole; longer ones are cut.
const MAX_QUOTED_CHARS: usize = 64;

/// A message safe to print on one line: control characters (a newline, an ANSI escape) escaped, so that a value
/// from a file cannot forge another line of output or colour the terminal, and every value quoted between
/// backticks cut to [`MAX_QUOTED_CHARS`] characters with `…`.
pub fn readable(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    // Text between backticks alternates with text outside them.
    for (index, part) in message.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        let quoted = index % 2 == 1;
        let cut = quoted && part.chars().count() > MAX_QUOTED_CHARS;
        let shown =
            if cut { &part[..part.char_indices().nth(MAX_QUOTED_CHARS - 1).map_or(0, |(i, _)| i)] } else { part };
        push_escaped(&mut out, shown);
        if cut {
            out.push('…');
        }
    }
    out
}

/// A path as shown in messages: control characters escaped (`\n`, `\u{1b}`) and bytes that are not UTF-8 as
/// `\xNN`, so that a file name cannot forge an output line; any other name shows as it is.
pub fn escaped_path(path: &Path) -> String {
    let mut out = String::new();
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        push_escaped(&mut out, chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

/// Puts errors in the order a reader goes through the files: by file, line and column (then field and message,
/// so that the order never depends on how the checks happened to run), and drops exact repeats.
pub fn sort_errors(errors: &mut Vec<SpecError>) {
    errors.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.field, &a.message).cmp(&(&b.file, b.line, b.column, &b.field, &b.message))
    });
    errors.dedup();
}

/// Turns byte offsets of one file's text into 1-based lines and columns.
pub(crate) struct LineIndex<'a> {
    file: &'a Path,
    text: &'a str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(file: &'a Path, text: &'a str) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { file, text, line_starts }
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// 0-based line number of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// The text of a 0-based line, without its line ending.
    pub(crate) fn line_text(&self, line: usize) -> &'a str {
        let start = self.line_starts[line];
        let end = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The location of a byte offset. Columns count characters, not bytes, as editors do.
    pub(crate) fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        // A span never starts inside a character, but be safe rather than panic on a bad offset.
        let Some(before) = self.text.get(start..offset) else {
            return Location { file: self.file.to_path_buf(), line: line + 1, column: offset - start + 1 };
        };
        // A byte-order mark is no column for an editor.
        let before = before.strip_prefix('\u{feff}').unwrap_or(before);
        let column = before.chars().count() + 1;
        Location { file: self.file.to_path_buf(), line: line + 1, column }
    }

    /// The location where a span starts.
    pub(crate) fn span_location(&self, span: &Range<usize>) -> Location {
        self.location(span.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_field() {
        let mut e = SpecError {
            file: PathBuf::from("config/a.toml"),
            line: 3,
            column: 8,
            field: "vpc.main.cidr".into(),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "config/a.toml:3:8: vpc.main.cidr: bad");
        e.field.clear();
        assert_eq!(e.to_string(), "config/a.toml:3:8: bad");
    }

    #[test]
    fn a_file_name_or_a_value_cannot_forge_a_line_and_long_values_are_cut() {
        let location = Location { file: PathBuf::from("dir/evil\nerror: x.toml"), line: 1, column: 2 };
        let long = "a".repeat(200);
        let error = SpecError::at(&location, "vpc.main", format!("unknown value `{long}`, or `b\u{1b}[31m`"));
        let shown = error.to_string();
        assert_eq!(shown.lines().count(), 1, "{shown}");
        assert!(shown.starts_with("dir/evil\\nerror: x.toml:1:2: vpc.main: unknown value `aaa"), "{shown}");
        assert!(shown.contains(&format!("`{}…`", "a".repeat(63))), "{shown}");
        assert!(shown.ends_with("or `b\\u{1b}[31m`"), "{shown}");
        use std::os::unix::ffi::OsStrExt;
        let not_utf8 = Path::new(std::ffi::OsStr::from_bytes(b"caf\xe9.toml"));
        assert_eq!(escaped_path(not_utf8), "caf\\xe9.toml");
        assert_eq!(escaped_path(Path::new("ok/é x.toml")), "ok/é x.toml");
    }

    #[test]
    fn line_index_counts_characters_from_one() {
        let text = "a = 1\r\né = \"x\"\n\nlast";
        let index = LineIndex::new(Path::new("f.toml"), text);
        let at = |offset| {
            let l = index.location(offset);
            (l.line, l.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(4), (1, 5));
        // `é` is two bytes but one column.
        assert_eq!(at(text.find("\"x").unwrap()), (2, 5));
        assert_eq!(at(text.find("last").unwrap()), (4, 1));
        assert_eq!(at(text.len()), (4, 5));
        assert_eq!(index.line_text(0), "a = 1");
        let bom = LineIndex::new(Path::new("f.toml"), "\u{feff}a = 1");
        assert_eq!(bom.location("\u{feff}a ".len()).column, 3);
    }

    #[test]
    fn errors_sort_by_file_line_column() {
        let e = |file: &str, line, column| SpecError {
            file: file.into(),
            line,
            column,
            field: String::new(),
            message: "m".into(),
        };
        let mut errors = vec![e("b", 1, 1), e("a", 2, 1), e("a", 1, 9), e("a", 1, 2), e("a", 1, 2)];
        sort_errors(&mut errors);
        let order: Vec<_> = errors.iter().map(|e| (e.file.to_str().unwrap(), e.line, e.column)).collect();
        assert_eq!(order, [("a", 1, 2), ("a", 1, 9), ("a", 2, 1), ("b", 1, 1)]);
    }
}
