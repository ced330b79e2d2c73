//! Reading the spanned TOML tree ([`toml::de::DeTable`]) field by field, recording every problem and going on.
//!
//! serde's derive stops at the first error of a document; a desired-state file should report all of them at
//! once. So each reader here checks one value, records an error in the [`Ctx`] when it is wrong and returns
//! [`Reported`], and the caller moves on to the next field.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::error::{LineIndex, SpecError};
use crate::model::Location;

/// A value of the tree, with the byte range it was written at.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// A byte range of the file's text.
pub(crate) type Span = Range<usize>;

/// The problem with a value was recorded in the [`Ctx`]; the value cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported;

/// The result of reading one value.
pub(crate) type Read<T> = Result<T, Reported>;

/// What reading one file needs: positions for messages, and the errors and warnings found so far.
pub(crate) struct Ctx<'a> {
    index: LineIndex<'a>,
    errors: Vec<SpecError>,
    warnings: Vec<SpecError>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(file: &'a Path, text: &'a str) -> Self {
        Ctx { index: LineIndex::new(file, text), errors: Vec::new(), warnings: Vec::new() }
    }

    pub(crate) fn index(&self) -> &LineIndex<'a> {
        &self.index
    }

    pub(crate) fn location(&self, span: &Span) -> Location {
        self.index.span_location(span)
    }

    /// Records an error at the start of `span`.
    pub(crate) fn error(&mut self, span: &Span, field: &FieldPath, message: impl Into<String>) -> Reported {
        let error = SpecError::at(&self.location(span), field.as_str(), message);
        self.errors.push(error);
        Reported
    }

    /// Records a warning at the start of `span`: a problem that does not make the value unusable (and does not
    /// count in [`Ctx::error_count`]).
    pub(crate) fn warning(&mut self, span: &Span, field: &FieldPath, message: impl Into<String>) {
        let warning = SpecError::at(&self.location(span), field.as_str(), message);
        self.warnings.push(warning);
    }

    /// Number of errors so far: a declaration is valid when reading it added none.
    pub(crate) fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// The errors and the warnings.
    pub(crate) fn into_parts(self) -> (Vec<SpecError>, Vec<SpecError>) {
        (self.errors, self.warnings)
    }
}

/// The dotted path of a field, as shown in messages: `vpc.main.cidr`, `security_group.web.ingress[0].port`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(String);

impl FieldPath {
    /// The path of a key of this table. Keys that are not bare TOML keys are quoted, so that the path reads
    /// as the TOML that would address it (`tags."cost center"`).
    pub(crate) fn key(&self, key: &str) -> FieldPath {
        let mut path = self.0.clone();
        if !path.is_empty() {
            path.push('.');
        }
        if is_bare_key(key) {
            path.push_str(key);
        } else {
            path.push_str(&format!("{key:?}"));
        }
        FieldPath(path)
    }

    /// The path of an element of this array.
    pub(crate) fn index(&self, index: usize) -> FieldPath {
        FieldPath(format!("{}[{index}]", self.0))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_bare_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One table of the tree whose keys have been checked against the fields it allows.
pub(crate) struct Table<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Span,
    path: FieldPath,
}

impl<'t, 'i> Table<'t, 'i> {
    /// Reads `value` as a table whose keys must be among `allowed`, reporting every other key (at the key).
    pub(crate) fn new(
        ctx: &mut Ctx<'_>,
        value: &'t Value<'i>,
        path: FieldPath,
        what: &str,
        allowed: &[&str],
    ) -> Read<Self> {
        let Some(table) = value.get_ref().as_table() else {
            return Err(type_error(ctx, value, &path, what));
        };
        for (key, _) in table.iter() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                ctx.error(
                    &key.span(),
                    &path.key(key.get_ref()),
                    format!("unknown field `{}`, expected one of {}", key.get_ref(), list(allowed)),
                );
            }
        }
        Ok(Table { table, span: value.span(), path })
    }

    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    pub(crate) fn path(&self) -> &FieldPath {
        &self.path
    }

    /// The path of one of this table's fields.
    pub(crate) fn field(&self, key: &str) -> FieldPath {
        self.path.key(key)
    }

    /// The value of a field, if it is there.
    pub(crate) fn get(&self, key: &str) -> Option<&'t Value<'i>> {
        self.table.get(key)
    }

    /// The value of a required field; its absence is reported at the table.
    pub(crate) fn required(&self, ctx: &mut Ctx<'_>, key: &str) -> Read<&'t Value<'i>> {
        self.get(key).ok_or_else(|| ctx.error(&self.span, &self.field(key), format!("missing required field `{key}`")))
    }

    /// A boolean field, `default` when absent.
    pub(crate) fn bool_or(&self, ctx: &mut Ctx<'_>, key: &str, default: bool) -> Read<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(value) => boolean(ctx, value, &self.field(key)),
        }
    }

    /// An optional string field.
    pub(crate) fn optional_str(&self, ctx: &mut Ctx<'_>, key: &str) -> Read<Option<&'t str>> {
        self.get(key).map(|value| string(ctx, value, &self.field(key))).transpose()
    }
}

/// `"`a`, `b` and `c`"`-style list of names for messages.
pub(crate) fn list(names: &[&str]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

/// The type of a value with its article, as in "found an integer".
pub(crate) fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reports that `value` is not of the `expected` type ("expected a string, found an integer").
pub(crate) fn type_error(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath, expected: &str) -> Reported {
    ctx.error(&value.span(), path, format!("expected {expected}, found {}", type_name(value.get_ref())))
}

pub(crate) fn string<'t>(ctx: &mut Ctx<'_>, value: &'t Value<'_>, path: &FieldPath) -> Read<&'t str> {
    value.get_ref().as_str().ok_or_else(|| type_error(ctx, value, path, "a string"))
}

pub(crate) fn boolean(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<bool> {
    value.get_ref().as_bool().ok_or_else(|| type_error(ctx, value, path, "a boolean (true or false)"))
}

/// An integer, however it was written (`3000`, `0x0bb8`, `3_000`).
pub(crate) fn integer(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<i64> {
    let Some(int) = value.get_ref().as_integer() else {
        return Err(type_error(ctx, value, path, "an integer"));
    };
    i64::from_str_radix(int.as_str(), int.radix())
        .map_err(|_| ctx.error(&value.span(), path, format!("integer `{int}` is too large")))
}

pub(crate) fn array<'t, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'t Value<'i>,
    path: &FieldPath,
    expected: &str,
) -> Read<&'t DeArray<'i>> {
    value.get_ref().as_array().ok_or_else(|| type_error(ctx, value, path, expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_keys_that_are_not_bare() {
        let root = FieldPath::default().key("vpc").key("main");
        assert_eq!(root.key("cidr").as_str(), "vpc.main.cidr");
        assert_eq!(root.key("tags").key("cost center").as_str(), r#"vpc.main.tags."cost center""#);
        assert_eq!(root.key("ingress").index(2).key("port").as_str(), "vpc.main.ingress[2].port");
        assert_eq!(FieldPath::default().key("a.b").as_str(), r#""a.b""#);
    }

    #[test]
    fn integers_in_any_radix() {
        let text = "a = 0x0bb8\nb = 3_000\nc = 99999999999999999999\nd = 1.5\n";
        let (root, errors) = DeTable::parse_recoverable(text);
        assert!(errors.is_empty());
        let mut ctx = Ctx::new(Path::new("f.toml"), text);
        let root = root.get_ref();
        let p = FieldPath::default();
        assert_eq!(integer(&mut ctx, root.get("a").unwrap(), &p), Ok(3000));
        assert_eq!(integer(&mut ctx, root.get("b").unwrap(), &p), Ok(3000));
        assert_eq!(integer(&mut ctx, root.get("c").unwrap(), &p), Err(Reported));
        assert_eq!(integer(&mut ctx, root.get("d").unwrap(), &p), Err(Reported));
        let messages: Vec<_> = ctx.into_parts().0.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(
            messages,
            [
                "f.toml:3:5: integer `99999999999999999999` is too large",
                "f.toml:4:5: expected an integer, found a float",
            ]
        );
    }
}
