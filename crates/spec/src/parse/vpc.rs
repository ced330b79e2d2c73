//! `[vpc.NAME]`: a VPC with a public and a private subnet per availability zone.

use ipnet::Ipv4Net;
use toml::de::DeValue;

use super::Decl;
use super::tags;
use crate::checks;
use crate::model::{AvailabilityZones, NatGateways, Vpc};
use crate::reader::{Ctx, FieldPath, Read, Reported, Span, Table, Value, integer, string, type_error};
use crate::subnets::{self, LARGEST_PREFIX, SMALLEST_SUBNET_PREFIX};

pub(crate) const FIELDS: &[&str] = &[
    "cidr",
    "availability_zones",
    "public_subnets",
    "private_subnets",
    "nat_gateways",
    "enable_dns_support",
    "enable_dns_hostnames",
    "tags",
];

/// The most availability zones any region has (us-east-1).
const MAX_ZONES: usize = 6;
/// CDK's `Vpc` default `maxAzs` gives 2 zones in an environment-agnostic stack; we default to the same.
const DEFAULT_ZONES: usize = 2;

pub(crate) fn read(ctx: &mut Ctx<'_>, _decl: &mut Decl<'_>, table: &Table<'_, '_>) -> Read<Vpc> {
    let cidr_value = table.get("cidr");
    let cidr = table.required(ctx, "cidr").and_then(|value| vpc_cidr(ctx, value, &table.field("cidr")));
    let zones = match table.get("availability_zones") {
        None => Ok(AvailabilityZones::Count(DEFAULT_ZONES)),
        Some(value) => availability_zones(ctx, value, &table.field("availability_zones")),
    };
    let public = subnet_list(ctx, table, "public_subnets");
    let private = subnet_list(ctx, table, "private_subnets");
    let nat_gateways = match table.get("nat_gateways") {
        None => Ok(NatGateways::One),
        Some(value) => nat_gateways(ctx, value, &table.field("nat_gateways")),
    };
    let enable_dns_support = table.bool_or(ctx, "enable_dns_support", true);
    let enable_dns_hostnames = table.bool_or(ctx, "enable_dns_hostnames", true);
    if let (Ok(false), Ok(true)) = (enable_dns_support, enable_dns_hostnames) {
        // AWS refuses DNS hostnames without DNS support. Point at hostnames when it was written out, at
        // support otherwise (hostnames then took its default).
        let (field, value) = match table.get("enable_dns_hostnames") {
            Some(value) => ("enable_dns_hostnames", value),
            None => ("enable_dns_support", table.get("enable_dns_support").expect("false was written")),
        };
        ctx.error(
            &value.span(),
            &table.field(field),
            "DNS hostnames need DNS support: set both, or set enable_dns_hostnames = false",
        );
    }
    let tags = tags::read(ctx, table);
    let zone_count = zones.as_ref().ok().map(AvailabilityZones::count);
    let (public_subnets, private_subnets) = match (cidr, public, private) {
        (cidr, Ok(public), Ok(private)) => {
            let cidr_span = cidr_value.map(|value| value.span());
            check_subnets(ctx, table, cidr.ok().zip(cidr_span), zone_count, public, private)?
        }
        _ => return Err(Reported),
    };
    Ok(Vpc {
        cidr: cidr?,
        availability_zones: zones?,
        public_subnets,
        private_subnets,
        nat_gateways: nat_gateways?,
        enable_dns_support: enable_dns_support?,
        enable_dns_hostnames: enable_dns_hostnames?,
        tags: tags?,
    })
}

fn vpc_cidr(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<Ipv4Net> {
    let text = string(ctx, value, path)?;
    let net = checks::network(text).map_err(|message| ctx.error(&value.span(), path, message))?;
    if !(LARGEST_PREFIX..=SMALLEST_SUBNET_PREFIX).contains(&net.prefix_len()) {
        return Err(ctx.error(
            &value.span(),
            path,
            format!(
                "prefix /{} is out of range: AWS allows VPC CIDRs from /{LARGEST_PREFIX} to /{SMALLEST_SUBNET_PREFIX}",
                net.prefix_len()
            ),
        ));
    }
    Ok(net)
}

fn availability_zones(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<AvailabilityZones> {
    match value.get_ref() {
        DeValue::Integer(_) => {
            let count = integer(ctx, value, path)?;
            match usize::try_from(count) {
                Ok(count) if (1..=MAX_ZONES).contains(&count) => Ok(AvailabilityZones::Count(count)),
                _ => Err(ctx.error(
                    &value.span(),
                    path,
                    format!("{count} availability zones is out of range: expected 1 to {MAX_ZONES}"),
                )),
            }
        }
        DeValue::Array(names) => {
            let errors_before = ctx.error_count();
            if names.is_empty() {
                ctx.error(&value.span(), path, "the list of availability zones is empty: name at least one");
            }
            if names.len() > MAX_ZONES {
                ctx.error(
                    &value.span(),
                    path,
                    format!("{} availability zones is too many: no region has more than {MAX_ZONES}", names.len()),
                );
            }
            let mut zones: Vec<String> = Vec::new();
            for (i, item) in names.iter().enumerate() {
                let item_path = path.index(i);
                let Ok(name) = string(ctx, item, &item_path) else {
                    continue;
                };
                let valid =
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !valid {
                    ctx.error(
                        &item.span(),
                        &item_path,
                        format!("`{name}` is not an availability zone name like `us-east-1a`"),
                    );
                } else if let Some(first) = zones.iter().position(|zone| zone == name) {
                    ctx.error(
                        &item.span(),
                        &item_path,
                        format!("zone `{name}` is listed twice (also at index {first})"),
                    );
                }
                zones.push(name.to_string());
            }
            if ctx.error_count() == errors_before { Ok(AvailabilityZones::Named(zones)) } else { Err(Reported) }
        }
        _ => Err(type_error(
            ctx,
            value,
            path,
            &format!("a number of zones (1 to {MAX_ZONES}) or an array of zone names"),
        )),
    }
}

fn nat_gateways(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<NatGateways> {
    const EXPECTED: &str = "`none`, `one`, `one-per-az` (or the integers 0 and 1)";
    match value.get_ref() {
        DeValue::String(text) => match text.as_ref() {
            "none" => Ok(NatGateways::None),
            "one" => Ok(NatGateways::One),
            "one-per-az" => Ok(NatGateways::OnePerAz),
            other => {
                Err(ctx.error(&value.span(), path, format!("unknown value `{other}`, expected one of {EXPECTED}")))
            }
        },
        DeValue::Integer(_) => match integer(ctx, value, path)? {
            0 => Ok(NatGateways::None),
            1 => Ok(NatGateways::One),
            other => Err(ctx.error(
                &value.span(),
                path,
                format!("{other} NAT gateways is not supported: use 0, 1 or \"one-per-az\""),
            )),
        },
        _ => Err(type_error(ctx, value, path, &format!("one of {EXPECTED}"))),
    }
}

/// An explicit list of subnet CIDRs as written: each item is `None` when it was invalid (and reported).
struct SubnetList {
    key: &'static str,
    span: Span,
    items: Vec<Option<(Ipv4Net, Span)>>,
}

fn subnet_list(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, key: &'static str) -> Read<Option<SubnetList>> {
    let Some(value) = table.get(key) else {
        return Ok(None);
    };
    let path = table.field(key);
    let Some(array) = value.get_ref().as_array() else {
        return Err(type_error(ctx, value, &path, "an array of subnet CIDRs, one per availability zone"));
    };
    let items = array
        .iter()
        .enumerate()
        .map(|(i, item)| subnet(ctx, item, &path.index(i)).ok().map(|net| (net, item.span())))
        .collect();
    Ok(Some(SubnetList { key, span: value.span(), items }))
}

fn subnet(ctx: &mut Ctx<'_>, value: &Value<'_>, path: &FieldPath) -> Read<Ipv4Net> {
    let text = string(ctx, value, path)?;
    let net = checks::network(text).map_err(|message| ctx.error(&value.span(), path, message))?;
    if net.prefix_len() > SMALLEST_SUBNET_PREFIX {
        return Err(ctx.error(
            &value.span(),
            path,
            format!("subnet `{net}` is smaller than /{SMALLEST_SUBNET_PREFIX}, the smallest subnet AWS allows"),
        ));
    }
    if net.prefix_len() < LARGEST_PREFIX {
        return Err(ctx.error(
            &value.span(),
            path,
            format!("subnet `{net}` is larger than /{LARGEST_PREFIX}, the largest subnet AWS allows"),
        ));
    }
    Ok(net)
}

/// Checks the explicit subnets against the VPC and each other, and derives the missing ones. Goes as far as
/// what is valid allows: a bad VPC CIDR still lets the subnets be checked against each other.
fn check_subnets(
    ctx: &mut Ctx<'_>,
    table: &Table<'_, '_>,
    cidr: Option<(Ipv4Net, Span)>,
    zone_count: Option<usize>,
    public: Option<SubnetList>,
    private: Option<SubnetList>,
) -> Read<(Vec<Ipv4Net>, Vec<Ipv4Net>)> {
    let errors_before = ctx.error_count();
    let lists: Vec<&SubnetList> = public.iter().chain(private.iter()).collect();
    let mut all_valid = true;
    for list in &lists {
        let path = table.field(list.key);
        if let Some(zones) = zone_count
            && list.items.len() != zones
        {
            ctx.error(
                &list.span,
                &path,
                format!("expected {zones} subnets, one per availability zone, found {}", list.items.len()),
            );
        }
        all_valid &= list.items.iter().all(Option::is_some);
        if let Some((vpc, _)) = &cidr {
            for (i, (net, span)) in valid_items(list) {
                if !vpc.contains(net) {
                    ctx.error(span, &path.index(i), format!("subnet `{net}` is not inside the VPC's CIDR `{vpc}`"));
                }
            }
        }
    }
    // Every pair across both lists: a later subnet overlapping an earlier one is reported at the later one.
    let written: Vec<(FieldPath, &Ipv4Net, &Span)> = lists
        .iter()
        .flat_map(|list| valid_items(list).map(|(i, (net, span))| (table.field(list.key).index(i), net, span)))
        .collect();
    for (j, (path, net, span)) in written.iter().enumerate() {
        if let Some((other_path, other, _)) =
            written[..j].iter().find(|(_, other, _)| other.contains(&net.network()) || net.contains(&other.network()))
        {
            let relative = other_path.as_str().rsplit_once('.').map_or(other_path.as_str(), |(_, tail)| tail);
            ctx.error(span, path, format!("subnet `{net}` overlaps `{other}` ({relative})"));
        }
    }
    let (Some((vpc, cidr_span)), Some(zones)) = (cidr, zone_count) else {
        return Err(Reported);
    };
    if !all_valid || ctx.error_count() != errors_before {
        return Err(Reported);
    }
    let given =
        |list: Option<SubnetList>| list.map(|list| list.items.into_iter().flatten().map(|(net, _)| net).collect());
    let public_given = public.is_some();
    let private_given = private.is_some();
    subnets::subnets(vpc, zones, given(public), given(private)).map_err(|no_room| {
        let message = match (public_given, private_given) {
            (false, false) => format!(
                "VPC `{vpc}` is too small for {} subnets ({zones} availability zones, public and private): \
                 each would be smaller than /{SMALLEST_SUBNET_PREFIX}, the smallest subnet AWS allows",
                no_room.count
            ),
            _ => {
                let (given, derived) = if public_given { ("public", "private") } else { ("private", "public") };
                format!(
                    "VPC `{vpc}` has no room after the {given} subnets for {} {derived} subnets of at least \
                     /{SMALLEST_SUBNET_PREFIX}: make the VPC larger or list the {derived} subnets too",
                    no_room.count
                )
            }
        };
        ctx.error(&cidr_span, &table.field("cidr"), message)
    })
}

fn valid_items(list: &SubnetList) -> impl Iterator<Item = (usize, &(Ipv4Net, Span))> {
    list.items.iter().enumerate().filter_map(|(i, item)| item.as_ref().map(|item| (i, item)))
}
