//! An Elastic IP (for a NAT gateway): nothing to compare but its tags.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct ElasticIpSpec;

impl Resource for ElasticIpSpec {
    fn declared_by(_child: Option<&str>) -> Declared {
        Declared::Vpc
    }

    fn fields(&self) -> Vec<Field> {
        vec![]
    }

    fn references(&self) -> Vec<&Ref> {
        vec![]
    }

    fn map_refs(&mut self, _f: &mut dyn FnMut(&Ref) -> Ref) {}
}
