//! Addresses: the stable identity of every AWS resource the reconciler manages.
//!
//! A declaration expands into one or more resources (a VPC declaration becomes a VPC, its subnets, route
//! tables, ...). Each gets an address `kind.name`, where children of a declaration are named
//! `declaration/child` (`subnet.main/public-1`). The address is written into the resource's
//! `reconciler:resource` tag, which is how a later pass finds it again.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

pub use crate::kinds::Kind;

/// `kind.name`, e.g. `vpc.main`, `subnet.main/public-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: Kind,
    pub name: String,
}

impl Address {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Address { kind, name: name.into() }
    }

    /// A child resource of a declaration: `kind.declaration/child`.
    pub fn child(kind: Kind, declaration: &str, child: &str) -> Self {
        Address { kind, name: format!("{declaration}/{child}") }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl FromStr for Address {
    type Err = String;

    /// Parses the form written by `Display`, as found in a `reconciler:resource` tag.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, name) = s.split_once('.').ok_or_else(|| format!("no kind in address {s:?}"))?;
        let kind = kind.parse().map_err(|()| format!("unknown kind in address {s:?}"))?;
        if name.is_empty() {
            return Err(format!("no name in address {s:?}"));
        }
        Ok(Address::new(kind, name))
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_round_trips_through_its_tag_form() {
        let address = Address::child(Kind::Subnet, "main", "public-1");
        assert_eq!(address.to_string(), "subnet.main/public-1");
        assert_eq!("subnet.main/public-1".parse::<Address>().unwrap(), address);
    }

    #[test]
    fn unknown_kind_is_rejected() {
        assert!("bucket.x".parse::<Address>().is_err());
        assert!("vpc.".parse::<Address>().is_err());
    }
}
