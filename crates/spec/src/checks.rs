//! Checks of single values (names, CIDRs, descriptions, tags), as pure functions that return the message to
//! show. Kept apart from the tree walking so that each rule is written, documented and tested once.

use ipnet::Ipv4Net;

/// Most characters a declaration name may have.
pub(crate) const MAX_NAME_LEN: usize = 63;

/// Declaration names (the keys under a kind): `[A-Za-z0-9][A-Za-z0-9_-]{0,62}`. No dots, so that a field's
/// dotted path (`vpc.main.cidr`) is never ambiguous.
pub(crate) fn declaration_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= MAX_NAME_LEN
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid name `{name}`: a declaration name is 1 to {MAX_NAME_LEN} letters, digits, `_` or `-`, \
             starting with a letter or digit"
        ))
    }
}

/// An IPv4 network in CIDR notation whose host bits are zero.
pub(crate) fn network(text: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = text.parse().map_err(|_| {
        if text.contains(':') {
            format!("`{text}` is not an IPv4 CIDR: only IPv4 is supported")
        } else {
            format!("`{text}` is not an IPv4 CIDR: expected a network like `10.0.0.0/16`")
        }
    })?;
    if net.addr() != net.network() {
        return Err(format!(
            "`{text}` is not a network address: its host bits are set; the network is `{}`",
            net.trunc()
        ));
    }
    Ok(net)
}

/// Characters AWS accepts in security group names and descriptions and in rule descriptions.
fn is_ec2_description_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c)
}

/// A security group's description, name, or a rule's description: what EC2 accepts.
pub(crate) fn ec2_text(text: &str, what: &str, required: bool) -> Result<(), String> {
    if text.is_empty() {
        return if required { Err(format!("{what} must not be empty")) } else { Ok(()) };
    }
    let length = text.chars().count();
    if length > 255 {
        return Err(format!("{what} is {length} characters long; AWS allows at most 255"));
    }
    if let Some(c) = text.chars().find(|&c| !is_ec2_description_char(c)) {
        return Err(format!(
            "{what} contains {c:?}; AWS allows only ASCII letters, digits, spaces and ._-:/()#,@[]+=&;{{}}!$*"
        ));
    }
    Ok(())
}

/// A security group's name in AWS.
pub(crate) fn group_name(name: &str) -> Result<(), String> {
    ec2_text(name, "a group name", true)?;
    if name.to_ascii_lowercase().starts_with("sg-") {
        return Err(format!("group name `{name}` starts with `sg-`, which AWS reserves for group ids"));
    }
    Ok(())
}

/// An ECS cluster name: 1 to 255 letters, digits, `_` and `-`.
pub(crate) fn cluster_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("invalid cluster name `{name}`: ECS allows 1 to 255 letters, digits, `_` and `-`"))
    }
}

/// A DNS name for a Cloud Map namespace: lowercase labels of 1 to 63 of `[a-z0-9-]` that neither start nor end
/// with `-`, separated by dots, 253 characters at most. Uppercase is an error rather than lowercased silently:
/// the name is compared with what AWS reports, and a name that changes on the way in is a surprise.
pub(crate) fn dns_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("invalid DNS name `{name}`: {why}"));
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 253 {
        return bad("it is longer than 253 characters");
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return bad("it has uppercase letters; write it in lowercase");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return bad("it has an empty label (two dots in a row, or a dot at the start or end)");
        }
        if label.len() > 63 {
            return bad(&format!("label `{label}` is longer than 63 characters"));
        }
        if let Some(c) = label.chars().find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')) {
            return bad(&format!("{c:?} is not allowed; labels have only a-z, 0-9 and `-`"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad(&format!("label `{label}` starts or ends with `-`"));
        }
    }
    Ok(())
}

/// A tag key a user may set. `reconciler:` keys are ours (they mark what we own); `aws:` keys are AWS's.
pub(crate) fn tag_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("a tag key must not be empty".into());
    }
    let length = key.chars().count();
    if length > 127 {
        return Err(format!("tag key is {length} characters long; AWS allows at most 127"));
    }
    if key.starts_with("reconciler:") {
        return Err(format!(
            "tag key `{key}` is reserved: reconciler sets `reconciler:` tags itself to mark what it owns"
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("tag key `{key}` is reserved: AWS keeps the `aws:` prefix for itself"));
    }
    Ok(())
}

pub(crate) fn tag_value(value: &str) -> Result<(), String> {
    let length = value.chars().count();
    if length > 255 {
        return Err(format!("tag value is {length} characters long; AWS allows at most 255"));
    }
    Ok(())
}

/// Edit distance counting a swap of two neighbouring characters as one edit (optimal string alignment), for
/// "did you mean" hints: `mian` is one edit from `main`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (distance(name, candidate), candidate))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_names() {
        for ok in ["main", "a", "container-demo", "A_1", &"x".repeat(63)] {
            assert_eq!(declaration_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-a", "_a", "a.b", "a b", "é", &"x".repeat(64)] {
            assert!(declaration_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn networks() {
        assert_eq!(network("10.0.0.0/24"), Ok("10.0.0.0/24".parse().unwrap()));
        assert_eq!(
            network("10.0.0.1/24").unwrap_err(),
            "`10.0.0.1/24` is not a network address: its host bits are set; the network is `10.0.0.0/24`"
        );
        assert_eq!(
            network("10.0.0.0").unwrap_err(),
            "`10.0.0.0` is not an IPv4 CIDR: expected a network like `10.0.0.0/16`"
        );
        assert_eq!(network("fd00::/8").unwrap_err(), "`fd00::/8` is not an IPv4 CIDR: only IPv4 is supported");
        assert!(network("10.0.0.0/33").is_err());
    }

    #[test]
    fn dns_names() {
        for ok in ["service.local", "a", "my-app.internal", "x1.y2"] {
            assert_eq!(dns_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            dns_name("Service.local").unwrap_err(),
            "invalid DNS name `Service.local`: it has uppercase letters; write it in lowercase"
        );
        for bad in ["", "a..b", ".a", "a.", "-a.b", "a-.b", "a_b", &"x".repeat(64), &"a.".repeat(127)] {
            assert!(dns_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tag_keys_and_values() {
        assert_eq!(tag_key("Environment"), Ok(()));
        assert!(tag_key("reconciler:owner").unwrap_err().contains("reserved"));
        assert!(tag_key("aws:cloudformation:stack").unwrap_err().contains("AWS keeps"));
        assert!(tag_key("AWS:x").is_err());
        assert!(tag_key("").is_err());
        assert!(tag_key(&"k".repeat(128)).is_err());
        assert_eq!(tag_key(&"k".repeat(127)), Ok(()));
        assert_eq!(tag_value(&"v".repeat(255)), Ok(()));
        assert!(tag_value(&"v".repeat(256)).is_err());
    }

    #[test]
    fn ec2_texts_and_names() {
        assert_eq!(ec2_text("frontend to backend", "a description", true), Ok(()));
        assert_eq!(ec2_text("", "a description", true).unwrap_err(), "a description must not be empty");
        assert_eq!(ec2_text("", "a description", false), Ok(()));
        assert!(ec2_text("café", "a description", true).unwrap_err().contains("'é'"));
        assert!(ec2_text(&"d".repeat(256), "a description", true).is_err());
        assert!(group_name("sg-123").is_err());
        assert!(group_name("SG-123").is_err());
        assert_eq!(group_name("services"), Ok(()));
        assert_eq!(cluster_name("container-demo"), Ok(()));
        assert!(cluster_name("a.b").is_err());
        assert!(cluster_name(&"c".repeat(256)).is_err());
    }

    #[test]
    fn closest_names() {
        assert_eq!(closest("mian", ["main", "other"]), Some("main"));
        assert_eq!(closest("x", ["main"]), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("mian", "main"), 1);
    }
}
