//! The `tags` field every kind has.

use crate::checks;
use crate::model::Tags;
use crate::reader::{Ctx, Read, Table, string, type_error};

/// Reads `tags = { Key = "value" }`: string values, keys that are neither ours (`reconciler:`) nor AWS's
/// (`aws:`), within AWS's lengths. Absent means no tags.
pub(crate) fn read(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<Tags> {
    let Some(value) = table.get("tags") else {
        return Ok(Tags::new());
    };
    let path = table.field("tags");
    let Some(entries) = value.get_ref().as_table() else {
        return Err(type_error(ctx, value, &path, "a table of tags (tags = { Key = \"value\" })"));
    };
    let errors_before = ctx.error_count();
    let mut tags = Tags::new();
    for (key, value) in entries.iter() {
        let key_path = path.key(key.get_ref());
        if let Err(message) = checks::tag_key(key.get_ref()) {
            ctx.error(&key.span(), &key_path, message);
        }
        if let Ok(text) = string(ctx, value, &key_path) {
            match checks::tag_value(text) {
                Ok(()) => {
                    tags.insert(key.get_ref().to_string(), text.to_string());
                }
                Err(message) => {
                    ctx.error(&value.span(), &key_path, message);
                }
            }
        }
    }
    if ctx.error_count() == errors_before { Ok(tags) } else { Err(crate::reader::Reported) }
}
