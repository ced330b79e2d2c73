//! Fields that several kinds share: references, integers in a range, ports, AWS names with a default, optional
//! sub-tables, lists of names, and where a task or instance attaches to the network.

use crate::declarations::Kind;
use crate::model::{Network, SubnetGroup};
use crate::reader::{Ctx, FieldPath, Read, Reported, Span, Table, Value, array, integer, string, type_error};

use super::Decl;

/// A required field naming a declaration of `kind`; the reference is recorded for [`crate::assemble`].
pub(crate) fn reference(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    key: &str,
    kind: Kind,
) -> Read<String> {
    let value = table.required(ctx, key)?;
    reference_value(ctx, decl, value, &table.field(key), kind)
}

/// An optional field naming a declaration of `kind`.
pub(crate) fn optional_reference(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    key: &str,
    kind: Kind,
) -> Read<Option<String>> {
    table.get(key).map(|value| reference_value(ctx, decl, value, &table.field(key), kind)).transpose()
}

fn reference_value(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    value: &Value<'_>,
    path: &FieldPath,
    kind: Kind,
) -> Read<String> {
    let name = string(ctx, value, path)?;
    decl.reference(ctx, kind, name, value, path);
    Ok(name.to_string())
}

/// An optional integer field from `min` to `max`; `None` when absent.
pub(crate) fn integer_in(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &str, min: i64, max: i64) -> Read<Option<i64>> {
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let path = table.field(key);
    let number = integer(ctx, value, &path)?;
    if !(min..=max).contains(&number) {
        return Err(ctx.error(&value.span(), &path, format!("{number} is out of range: expected {min} to {max}")));
    }
    Ok(Some(number))
}

/// [`integer_in`] as a `u32`, `default` when absent. `max` must fit a `u32`.
pub(crate) fn u32_in(
    ctx: &mut Ctx<'_>,
    table: &Table<'_, '_>,
    key: &str,
    min: u32,
    max: u32,
    default: u32,
) -> Read<u32> {
    let number = integer_in(ctx, table, key, i64::from(min), i64::from(max))?;
    Ok(number.map_or(default, |n| u32::try_from(n).expect("checked range")))
}

/// A TCP port, 1 to 65535; `None` when absent.
pub(crate) fn port(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &str) -> Read<Option<u16>> {
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let path = table.field(key);
    let number = integer(ctx, value, &path)?;
    match u16::try_from(number) {
        Ok(port) if port > 0 => Ok(Some(port)),
        _ => Err(ctx.error(&value.span(), &path, format!("port {number} is out of range: ports go from 1 to 65535"))),
    }
}

/// What an AWS name field takes when it is left out: another name, written at `span`.
pub(crate) struct NameDefault<'a> {
    pub(crate) value: &'a str,
    pub(crate) span: Span,
    /// Added to the message when the default is not a valid name, e.g. "the declaration name is the default
    /// `group_name`; set `group_name`".
    pub(crate) note: &'a str,
}

/// An AWS name field (`role_name`, `load_balancer.name`, ...): checked with `check`, `default` when absent
/// (the error then points at where the default comes from). When written, its location is remembered as
/// `remember_as` for the cross-file checks. A `default` of `None` means the name it comes from is invalid
/// and already reported.
pub(crate) fn name(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    key: &str,
    remember_as: &str,
    default: Option<NameDefault<'_>>,
    check: fn(&str) -> Result<(), String>,
) -> Read<String> {
    let path = table.field(key);
    match table.get(key) {
        None => {
            let default = default.ok_or(Reported)?;
            check(default.value)
                .map(|()| default.value.to_string())
                .map_err(|message| ctx.error(&default.span, &path, format!("{message} ({})", default.note)))
        }
        Some(value) => {
            let name = string(ctx, value, &path)?;
            decl.remember(ctx, remember_as, value);
            check(name).map(|()| name.to_string()).map_err(|message| ctx.error(&value.span(), &path, message))
        }
    }
}

/// An optional sub-table (`[service.NAME.logs]`) whose keys must be among `fields`.
pub(crate) fn sub_table<'t, 'i>(
    ctx: &mut Ctx<'_>,
    table: &Table<'t, 'i>,
    key: &str,
    fields: &[&str],
) -> Read<Option<Table<'t, 'i>>> {
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let path = table.field(key);
    let what = format!("a table ([{}])", path.as_str());
    Table::new(ctx, value, path, &what, fields).map(Some)
}

/// One string of an array: its index, text and where it is written.
pub(crate) type Item<'t> = (usize, &'t str, Span);

/// An optional array of strings. Items that are not strings are reported and left out; when `unique` names
/// what one item is ("policy"), an item written twice is reported at its second occurrence (and kept). So the
/// caller decides whether the list is valid by the error count. `Err` only when the value is no array.
pub(crate) fn strings<'t>(
    ctx: &mut Ctx<'_>,
    table: &Table<'t, '_>,
    key: &str,
    expected: &str,
    unique: Option<&str>,
) -> Read<Option<Vec<Item<'t>>>> {
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let path = table.field(key);
    let items = array(ctx, value, &path, expected)?;
    let mut read: Vec<Item<'t>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = path.index(i);
        let Ok(text) = string(ctx, item, &item_path) else { continue };
        if let Some(what) = unique
            && let Some((first, _, _)) = read.iter().find(|(_, other, _)| *other == text)
        {
            ctx.error(&item.span(), &item_path, format!("{what} `{text}` is listed twice (also at index {first})"));
        }
        read.push((i, text, item.span()));
    }
    Ok(Some(read))
}

/// `subnets = "private"` (the default) or `"public"`.
pub(crate) fn subnet_group(ctx: &mut Ctx<'_>, table: &Table<'_, '_>) -> Read<SubnetGroup> {
    let Some(value) = table.get("subnets") else {
        return Ok(SubnetGroup::Private);
    };
    let path = table.field("subnets");
    let Some(text) = value.get_ref().as_str() else {
        return Err(type_error(ctx, value, &path, "`private` or `public`"));
    };
    match text {
        "private" => Ok(SubnetGroup::Private),
        "public" => Ok(SubnetGroup::Public),
        other => Err(ctx.error(
            &value.span(),
            &path,
            format!("unknown value `{other}`, expected one of `private`, `public`"),
        )),
    }
}

/// The flat `vpc`, `subnets`, `security_groups` (and, when `with_public_ip`, `assign_public_ip`) fields.
pub(crate) fn network(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    with_public_ip: bool,
) -> Read<Network> {
    let vpc = reference(ctx, decl, table, "vpc", Kind::Vpc);
    let subnets = subnet_group(ctx, table);
    let security_groups = table.required(ctx, "security_groups").and_then(|value| {
        let path = table.field("security_groups");
        let errors_before = ctx.error_count();
        let expected = "an array of security group names";
        let groups = strings(ctx, table, "security_groups", expected, Some("security group"))?.unwrap_or_default();
        for (i, name, span) in &groups {
            decl.reference_at(ctx, Kind::SecurityGroup, name, span, &path.index(*i));
        }
        if groups.is_empty() && ctx.error_count() == errors_before {
            ctx.error(&value.span(), &path, "the list of security groups is empty: name at least one");
        }
        if ctx.error_count() != errors_before {
            return Err(Reported);
        }
        Ok(groups.into_iter().map(|(_, name, _)| name.to_string()).collect())
    });
    let assign_public_ip = if with_public_ip { table.bool_or(ctx, "assign_public_ip", false) } else { Ok(false) };
    Ok(Network { vpc: vpc?, subnets: subnets?, security_groups: security_groups?, assign_public_ip: assign_public_ip? })
}

/// An optional table of named entries (`environment = { NAME = "value" }`, `[service.X.sidecars.NAME]`):
/// `entry` reads each from its key (with where it is written) and value, reporting what is wrong and
/// returning `None` to leave it out. Empty when absent; `Err` when it is no table or any entry was reported.
pub(crate) fn entries<T>(
    ctx: &mut Ctx<'_>,
    table: &Table<'_, '_>,
    key: &str,
    expected: &str,
    mut entry: impl FnMut(&mut Ctx<'_>, (&str, Span), &Value<'_>, FieldPath) -> Option<T>,
) -> Read<std::collections::BTreeMap<String, T>> {
    let mut read = std::collections::BTreeMap::new();
    let Some(value) = table.get(key) else {
        return Ok(read);
    };
    let path = table.field(key);
    let Some(written) = value.get_ref().as_table() else {
        return Err(type_error(ctx, value, &path, expected));
    };
    let errors_before = ctx.error_count();
    for (name, value) in written.iter() {
        let name_path = path.key(name.get_ref());
        if let Some(item) = entry(ctx, (name.get_ref(), name.span()), value, name_path) {
            read.insert(name.get_ref().to_string(), item);
        }
    }
    if ctx.error_count() == errors_before { Ok(read) } else { Err(Reported) }
}
