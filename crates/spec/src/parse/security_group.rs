//! `[security_group.NAME]` and its `[[security_group.NAME.ingress]]` / `egress` rules.

use super::Decl;
use super::tags;
use crate::checks;
use crate::declarations::Kind;
use crate::model::{Peer, PortRange, Protocol, Rule, SecurityGroup};
use crate::reader::{Ctx, FieldPath, Read, Reported, Span, Table, Value, array, boolean, integer, string};

pub(crate) const FIELDS: &[&str] = &["vpc", "description", "group_name", "ingress", "egress", "tags"];

pub(crate) const RULE_FIELDS: &[&str] =
    &["protocol", "port", "from_port", "to_port", "cidr", "self", "group", "description"];

pub(crate) fn read(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<SecurityGroup> {
    let vpc = table.required(ctx, "vpc").and_then(|value| {
        let path = table.field("vpc");
        let name = string(ctx, value, &path)?;
        decl.reference(ctx, Kind::Vpc, name, value, &path);
        Ok(name.to_string())
    });
    let description = table.required(ctx, "description").and_then(|value| {
        let path = table.field("description");
        let text = string(ctx, value, &path)?;
        checks::ec2_text(text, "the description", true).map_err(|message| ctx.error(&value.span(), &path, message))?;
        Ok(text.to_string())
    });
    let group_name = match table.get("group_name") {
        // The declaration name is a valid group name unless it starts with `sg-`.
        None => checks::group_name(decl.name).map(|()| decl.name.to_string()).map_err(|message| {
            ctx.error(
                &decl.name_span,
                &table.field("group_name"),
                format!("{message} (the declaration name is the default `group_name`; set `group_name`)"),
            )
        }),
        Some(value) => {
            let path = table.field("group_name");
            string(ctx, value, &path).and_then(|name| {
                decl.remember(ctx, "group_name", value);
                checks::group_name(name)
                    .map(|()| name.to_string())
                    .map_err(|message| ctx.error(&value.span(), &path, message))
            })
        }
    };
    let ingress = rules(ctx, decl, table, Direction::Ingress);
    let egress = rules(ctx, decl, table, Direction::Egress);
    let tags = tags::read(ctx, table);
    Ok(SecurityGroup {
        group_name: group_name?,
        vpc: vpc?,
        description: description?,
        ingress: ingress?.unwrap_or_default(),
        egress: egress?,
        tags: tags?,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn key(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// What the peer is called for rules of this direction.
    fn peer(self) -> &'static str {
        match self {
            Direction::Ingress => "source",
            Direction::Egress => "destination",
        }
    }
}

/// Reads the `ingress` or `egress` array; `None` when the key is absent (for egress: AWS's default rule).
fn rules(
    ctx: &mut Ctx<'_>,
    decl: &mut Decl<'_>,
    table: &Table<'_, '_>,
    direction: Direction,
) -> Read<Option<Vec<Rule>>> {
    let key = direction.key();
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let path = table.field(key);
    let expected = format!("an array of rules ([[{}.{key}]] tables)", table.path().as_str());
    let items = array(ctx, value, &path, &expected)?;
    let errors_before = ctx.error_count();
    let mut read: Vec<(usize, Rule, Span)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let rule_path = path.index(i);
        let rule = Table::new(ctx, item, rule_path, "a table (one rule)", RULE_FIELDS)
            .and_then(|rule_table| rule(ctx, decl, &rule_table, direction));
        if let Ok(rule) = rule {
            read.push((i, rule, item.span()));
        }
    }
    // AWS rejects a rule that repeats another (descriptions aside): say so here, where it is easy to fix.
    for (j, (index, rule, span)) in read.iter().enumerate() {
        let same = |other: &Rule| (other.protocol, other.ports, &other.peer) == (rule.protocol, rule.ports, &rule.peer);
        if let Some((first, _, _)) = read[..j].iter().find(|(_, other, _)| same(other)) {
            ctx.error(
                span,
                &path.index(*index),
                format!("this rule repeats {key}[{first}] (same protocol, ports and {})", direction.peer()),
            );
        }
    }
    if ctx.error_count() == errors_before {
        Ok(Some(read.into_iter().map(|(_, rule, _)| rule).collect()))
    } else {
        Err(Reported)
    }
}

fn rule(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>, direction: Direction) -> Read<Rule> {
    let protocol = table.required(ctx, "protocol").and_then(|value| protocol(ctx, value, &table.field("protocol")));
    let ports = ports(ctx, table, protocol);
    let peer = peer(ctx, decl, table, direction);
    let description = table.optional_str(ctx, "description").and_then(|text| match text {
        None => Ok(None),
        Some(text) => {
            checks::ec2_text(text, "a rule description", false).map(|()| Some(text.to_string())).map_err(|message| {
                let value = table.get("description").expect("read above");
                ctx.error(&value.span(), &table.field("description"), message)
            })
        }
    });
    Ok(Rule { protocol: protocol?, ports: ports?, peer: peer?, description: description? })
}

fn protocol(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<Protocol> {
    match string(ctx, value, path)? {
        "tcp" => Ok(Protocol::Tcp),
        "udp" => Ok(Protocol::Udp),
        "icmp" => Ok(Protocol::Icmp),
        // AWS's own spelling of "all protocols".
        "all" | "-1" => Ok(Protocol::All),
        other => Err(ctx.error(
            &value.span(),
            path,
            format!("unknown protocol `{other}`, expected one of `tcp`, `udp`, `icmp`, `all` (or `-1`)"),
        )),
    }
}

/// A port field, if written: an integer from 1 to 65535.
fn port(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &str) -> Read<Option<(u16, Span)>> {
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let path = table.field(key);
    let number = integer(ctx, value, &path)?;
    match u16::try_from(number) {
        Ok(port) if port > 0 => Ok(Some((port, value.span()))),
        _ => Err(ctx.error(&value.span(), &path, format!("port {number} is out of range: ports go from 1 to 65535"))),
    }
}

/// The rule's port range: `port`, or `from_port` and `to_port`. Needed for tcp and udp, refused for `all`,
/// ignored for icmp (whose "ports" are ICMP types and codes: all of them are allowed).
fn ports(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, protocol: Read<Protocol>) -> Read<Option<PortRange>> {
    let errors_before = ctx.error_count();
    let port = port(ctx, table, "port");
    let from = port_field(ctx, table, "from_port");
    let to = port_field(ctx, table, "to_port");
    let (port, from, to) = (port?, from?, to?);
    if let (Some(_), Some((_, span, key))) = (&port, from.as_ref().or(to.as_ref())) {
        ctx.error(
            span,
            &table.field(key),
            "`port` and `from_port`/`to_port` are mutually exclusive: give one port, or a range",
        );
    }
    let range = match (port, from, to) {
        (Some((port, _)), _, _) => Some(PortRange { from: port, to: port }),
        (None, Some((from, from_span, _)), Some((to, _, _))) => {
            if from > to {
                ctx.error(
                    &from_span,
                    &table.field("from_port"),
                    format!("from_port {from} is greater than to_port {to}"),
                );
            }
            Some(PortRange { from, to })
        }
        (None, Some((_, span, key)), None) | (None, None, Some((_, span, key))) => {
            let missing = if key == "from_port" { "to_port" } else { "from_port" };
            ctx.error(&span, &table.field(key), format!("`{key}` needs `{missing}` too"));
            None
        }
        (None, None, None) => None,
    };
    match protocol? {
        Protocol::Tcp | Protocol::Udp if range.is_none() && ctx.error_count() == errors_before => {
            let name = if protocol == Ok(Protocol::Tcp) { "tcp" } else { "udp" };
            ctx.error(
                table.span(),
                &table.field("port"),
                format!("a {name} rule needs `port`, or `from_port` and `to_port`"),
            );
        }
        Protocol::All => {
            for key in ["port", "from_port", "to_port"] {
                if let Some(value) = table.get(key) {
                    ctx.error(
                        &value.span(),
                        &table.field(key),
                        format!("a rule for all protocols covers every port: remove `{key}`"),
                    );
                }
            }
        }
        _ => {}
    }
    if ctx.error_count() != errors_before {
        return Err(Reported);
    }
    Ok(match protocol? {
        Protocol::Tcp | Protocol::Udp => range,
        Protocol::Icmp | Protocol::All => None,
    })
}

fn port_field(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &'static str) -> Read<Option<(u16, Span, &'static str)>> {
    Ok(port(ctx, table, key)?.map(|(port, span)| (port, span, key)))
}

/// The rule's one source (ingress) or destination (egress): `cidr`, `self = true` or `group`.
fn peer(ctx: &mut Ctx<'_>, decl: &mut Decl<'_>, table: &Table<'_, '_>, direction: Direction) -> Read<Peer> {
    let errors_before = ctx.error_count();
    // Each peer field that is written, with where it starts, to report extra ones in the order written.
    let mut given: Vec<(usize, &str, Read<Peer>)> = Vec::new();
    if let Some(value) = table.get("cidr") {
        let path = table.field("cidr");
        let peer = string(ctx, value, &path).and_then(|text| {
            checks::network(text).map(Peer::Cidr).map_err(|message| ctx.error(&value.span(), &path, message))
        });
        given.push((value.span().start, "cidr", peer));
    }
    if let Some(value) = table.get("self") {
        // `self = false` says nothing: it is not a peer, but not an error either.
        match boolean(ctx, value, &table.field("self")) {
            Ok(false) => {}
            is_self => given.push((value.span().start, "self", is_self.map(|_| Peer::ItSelf))),
        }
    }
    if let Some(value) = table.get("group") {
        let path = table.field("group");
        let peer = string(ctx, value, &path).and_then(|name| {
            if name == decl.name {
                return Err(ctx.error(
                    &value.span(),
                    &path,
                    format!("`{name}` is this security group itself: write `self = true` instead"),
                ));
            }
            decl.reference(ctx, Kind::SecurityGroup, name, value, &path);
            Ok(Peer::Group(name.to_string()))
        });
        given.push((value.span().start, "group", peer));
    }
    given.sort_by_key(|(start, _, _)| *start);
    let peer_name = direction.peer();
    match given.as_slice() {
        [] => {
            ctx.error(
                table.span(),
                table.path(),
                format!("a rule needs a {peer_name}: one of `cidr`, `self = true` or `group`"),
            );
            Err(Reported)
        }
        [(_, _, peer)] if ctx.error_count() == errors_before => peer.clone(),
        [(_, first, _), rest @ ..] => {
            for (_, key, _) in rest {
                let value = table.get(key).expect("given");
                ctx.error(
                    &value.span(),
                    &table.field(key),
                    format!(
                        "a rule has exactly one {peer_name}: `{first}` is already given; \
                         write one rule per {peer_name}"
                    ),
                );
            }
            Err(Reported)
        }
    }
}
