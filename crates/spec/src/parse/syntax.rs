//! TOML syntax errors, turned into [`crate::SpecError`]s; and the declaration names a broken file still shows.
//!
//! The parser's "duplicate key" says neither which key nor where the first one is; a declaration written twice
//! in one file deserves better, so those messages are rebuilt from the text around the error.

use toml::de::{DeTable, DeValue};

use crate::declarations::{Invalid, Kind};
use crate::reader::{Ctx, FieldPath};

/// Records every syntax error of the file. The field is left empty, except for duplicate keys, where it is the
/// path of the key written twice.
pub(crate) fn report(ctx: &mut Ctx<'_>, root: &DeTable<'_>, errors: &[toml::de::Error]) {
    for error in errors {
        let span = error.span().unwrap_or(0..0);
        if error.message() == "duplicate key"
            && let Some((path, message)) = describe_duplicate(ctx, root, &span)
        {
            ctx.error(&span, &path, message);
            continue;
        }
        // toml_parser says "expected nothing" when nothing could follow: not worth showing.
        let mut message = error.message().trim_end_matches(", expected nothing").to_string();
        if error.message() == "duplicate key"
            && let Some(key) = ctx.index().text().get(span.clone())
        {
            message = format!("duplicate key `{key}`");
        }
        ctx.error(&span, &FieldPath::default(), format!("TOML syntax error: {message}"));
    }
}

/// The names of declarations in the recovered tree of a file with syntax errors: good enough to keep
/// references to them from being called dangling, not to check anything else.
pub(crate) fn recovered_names(root: &DeTable<'_>) -> Vec<Invalid> {
    let mut names = Vec::new();
    for (kind_key, kind_value) in root.iter() {
        let (Some(kind), Some(table)) = (Kind::from_key(kind_key.get_ref()), kind_value.get_ref().as_table()) else {
            continue;
        };
        for (name, _) in table.iter() {
            names.push(Invalid { kind, name: name.get_ref().to_string(), location: None, references: Vec::new() });
        }
    }
    names
}

/// The path and message for a "duplicate key" error whose key starts at `span`, or `None` when the text
/// around it is not one of the shapes recognized here.
fn describe_duplicate(ctx: &Ctx<'_>, root: &DeTable<'_>, span: &std::ops::Range<usize>) -> Option<(FieldPath, String)> {
    let index = ctx.index();
    let line = index.line_of(span.start);
    if let Some(header) = header(index.line_text(line)) {
        // `[kind.name]` written a second time.
        if header.is_array {
            return None;
        }
        let first = (0..line).find(|&l| self::header(index.line_text(l)).as_ref() == Some(&header))?;
        let path = to_path(&header.path);
        let what = match header.path.as_slice() {
            [kind, name] if Kind::from_key(kind).is_some() => {
                format!("{kind} `{name}` is declared")
            }
            _ => format!("table `[{}]` is defined", path.as_str()),
        };
        return Some((
            path,
            format!("{what} twice in this file (first at line {}); a name can be declared once per kind", first + 1),
        ));
    }
    // `key = value` written twice in the same table: the first one is in the tree, under the current header.
    let key_text = ctx.index().text().get(span.clone())?;
    let key = decode_key(key_text)?;
    let current = (0..line).rev().find_map(|l| header(index.line_text(l)));
    let mut table = root;
    let mut path = Vec::new();
    for segment in current.iter().flat_map(|header| header.path.iter()) {
        table = match table.get(segment.as_str())?.get_ref() {
            DeValue::Table(table) => table,
            DeValue::Array(array) => array.last()?.get_ref().as_table()?,
            _ => return None,
        };
        path.push(segment.clone());
    }
    let (first, _) = table.get_key_value(key.as_str())?;
    let first_line = index.line_of(first.span().start) + 1;
    path.push(key);
    let message = match path.as_slice() {
        // `[vpc.main]` and, under `[vpc]`, `main = { ... }` or `main.cidr = ...`.
        [kind, name] if Kind::from_key(kind).is_some() => format!(
            "{kind} `{name}` is declared twice in this file (first at line {first_line}); a name can be \
             declared once per kind"
        ),
        _ => format!("this field is set twice (first at line {first_line})"),
    };
    Some((to_path(&path), message))
}

fn to_path(segments: &[String]) -> FieldPath {
    segments.iter().fold(FieldPath::default(), |path, segment| path.key(segment))
}

#[derive(Debug, PartialEq, Eq)]
struct Header {
    path: Vec<String>,
    is_array: bool,
}

/// The keys of a `[a.b]` or `[[a.b]]` header line, parsed by the TOML parser itself so that quoting and spaces
/// are handled; `None` for any other line.
fn header(line: &str) -> Option<Header> {
    let trimmed = line.trim_start();
    if !trimmed.starts_with('[') {
        return None;
    }
    let is_array = trimmed.starts_with("[[");
    let parsed = DeTable::parse(line).ok()?;
    let mut table = parsed.get_ref();
    let mut path = Vec::new();
    // A header alone parses to nested one-key tables ending in an empty one.
    while let Some((key, value)) = table.iter().next() {
        if table.len() != 1 {
            return None;
        }
        path.push(key.get_ref().to_string());
        table = match value.get_ref() {
            DeValue::Table(table) => table,
            DeValue::Array(array) => array.last()?.get_ref().as_table()?,
            _ => return None,
        };
    }
    (!path.is_empty()).then_some(Header { path, is_array })
}

/// The name a key's text stands for (`"a b"` -> `a b`).
fn decode_key(text: &str) -> Option<String> {
    let line = format!("{text} = 0");
    let parsed = DeTable::parse(&line).ok()?;
    let (key, _) = parsed.get_ref().iter().next()?;
    Some(key.get_ref().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            header("[vpc.main]  # comment"),
            Some(Header { path: vec!["vpc".into(), "main".into()], is_array: false })
        );
        assert_eq!(
            header(r#"  [[ security_group."a b".ingress ]]"#),
            Some(Header { path: vec!["security_group".into(), "a b".into(), "ingress".into()], is_array: true })
        );
        assert_eq!(header("cidr = \"x\""), None);
        assert_eq!(header("[1, 2],"), None);
    }

    #[test]
    fn keys() {
        assert_eq!(decode_key("cidr").as_deref(), Some("cidr"));
        assert_eq!(decode_key("\"a b\"").as_deref(), Some("a b"));
    }
}
