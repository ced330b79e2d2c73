//! Writing desired-state TOML the way `config/` is written: one `[kind.name]` section per declaration, its
//! sub-tables as `[kind.name.part]` sections, short tables (tags, environment) inline. Keys come out in the
//! order the exporter gives them, so that a file reads like a hand-written one and is the same at every run.

use std::fmt::Write;

/// A TOML value as the exporter writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Value>),
    /// Written inline: `{ Project = "ecsdemo" }`.
    Inline(Vec<(String, Value)>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(n.into())
    }
}

impl From<u16> for Value {
    fn from(n: u16) -> Self {
        Value::Int(n.into())
    }
}

/// A string map (tags, environment) as an inline table, in key order.
pub fn inline_strings<'a>(map: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::Inline(map.into_iter().map(|(k, v)| (k.clone(), Value::Str(v.clone()))).collect())
}

/// One `[header]` (or `[[header]]`) section and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The dotted path, e.g. `service.ecsdemo-frontend.logs`: each segment quoted when it must be.
    pub path: Vec<String>,
    /// An element of an array of tables (`[[...]]`).
    pub array: bool,
    /// Comment lines written above the header.
    pub comment: Vec<String>,
    pub fields: Vec<(String, Value)>,
}

impl Section {
    pub fn new(path: &[&str]) -> Self {
        Section { path: path.iter().map(|s| s.to_string()).collect(), array: false, comment: vec![], fields: vec![] }
    }

    pub fn array(path: &[&str]) -> Self {
        Section { array: true, ..Section::new(path) }
    }

    /// Adds a field.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.fields.push((key.to_string(), value.into()));
        self
    }

    /// Adds a field only when it differs from the schema's default (what a person would leave out).
    pub fn set_unless<T: Into<Value> + PartialEq>(&mut self, key: &str, value: T, default: T) -> &mut Self {
        if value != default {
            self.set(key, value);
        }
        self
    }

    /// Adds a field when it has a value.
    pub fn set_some<T: Into<Value>>(&mut self, key: &str, value: Option<T>) -> &mut Self {
        if let Some(value) = value {
            self.set(key, value);
        }
        self
    }

    /// Adds a string map as an inline table, unless it is empty.
    pub fn set_map(&mut self, key: &str, map: &std::collections::BTreeMap<String, String>) -> &mut Self {
        if !map.is_empty() {
            self.set(key, inline_strings(map));
        }
        self
    }
}

/// A whole file: its header comment, then its sections.
pub fn render(header: &[String], sections: &[Section]) -> String {
    let mut out = String::new();
    for line in header {
        let _ = writeln!(out, "# {line}");
    }
    for section in sections {
        out.push('\n');
        for line in &section.comment {
            let _ = writeln!(out, "# {line}");
        }
        let path: Vec<String> = section.path.iter().map(|s| key(s)).collect();
        let (open, close) = if section.array { ("[[", "]]") } else { ("[", "]") };
        let _ = writeln!(out, "{open}{}{close}", path.join("."));
        for (name, value) in &section.fields {
            let _ = writeln!(out, "{} = {}", key(name), value_text(value));
        }
    }
    out
}

/// A key, bare when TOML allows it, quoted otherwise.
fn key(name: &str) -> String {
    let bare = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { name.to_string() } else { string(name) }
}

/// A basic string with TOML's escapes (the `toml` crate's, so that what it writes it reads back).
fn string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Str(s) => string(s),
        Value::Int(n) => n.to_string(),
        // A whole number is written as one: `target = 50`, as a person writes it.
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Value::Float(f) => toml::Value::Float(*f).to_string(),
        Value::Bool(b) => b.to_string(),
        Value::List(items) => format!("[{}]", items.iter().map(value_text).collect::<Vec<_>>().join(", ")),
        Value::Inline(fields) if fields.is_empty() => "{}".to_string(),
        Value::Inline(fields) => {
            let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{} = {}", key(k), value_text(v))).collect();
            format!("{{ {} }}", fields.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_sections_read_back_as_the_same_toml() {
        let mut service = Section::new(&["service", "ecsdemo-frontend"]);
        service
            .set("image", "brentley/ecsdemo-frontend:latest")
            .set("port", 3000u16)
            .set(
                "environment",
                inline_strings(&std::collections::BTreeMap::from([(
                    "URL".to_string(),
                    "http://x \"quoted\"\n".to_string(),
                )])),
            )
            .set("security_groups", Value::List(vec!["services".into()]))
            .set("tags", Value::Inline(vec![("cost center".to_string(), "42".into())]));
        let mut policy = Section::array(&["service", "ecsdemo-frontend", "autoscaling", "target_tracking"]);
        policy.set("target", Value::Float(50.0)).set("ratio", Value::Float(50.5));
        let text = render(&["exported".to_string()], &[service, policy]);
        assert!(text.starts_with("# exported\n\n[service.ecsdemo-frontend]\n"), "{text}");
        assert!(text.contains("target = 50\n") && text.contains("ratio = 50.5\n"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
        let service = &parsed["service"]["ecsdemo-frontend"];
        assert_eq!(service["environment"]["URL"].as_str(), Some("http://x \"quoted\"\n"));
        assert_eq!(service["tags"]["cost center"].as_str(), Some("42"));
        assert_eq!(service["autoscaling"]["target_tracking"][0]["target"].as_integer(), Some(50));
    }

    #[test]
    fn defaults_are_left_out() {
        let mut section = Section::new(&["discovery"]);
        section.set_unless("ttl", 60u32, 60).set_unless("name", "a", "b");
        assert_eq!(section.fields, vec![("name".to_string(), Value::from("a"))]);
    }
}
