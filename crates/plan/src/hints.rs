//! What observation must look for by name, because our tags alone cannot find it cheaply.
//!
//! Task definition revisions are read through the services that run them (one DescribeTaskDefinition per
//! revision in use). A revision registered by a pass that died before its service existed is run by nothing:
//! it is found by its family, which only the desired state knows.

use std::collections::BTreeSet;

use reconciler_spec::{Desired, Kind};
use reconciler_vocabulary::SecretSource;

/// Derived from the desired state before observing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservationHints {
    /// The families of the declared task definitions (a service's task definition family is its name).
    pub task_definition_families: BTreeSet<String>,
    /// The parameters and secrets the services reference ([`crate::secrets::lookup`] keys): their versions
    /// and ARNs are read, never their values.
    pub secrets: BTreeSet<SecretSource>,
    /// The domains HTTPS listeners name their certificate by.
    pub certificate_domains: BTreeSet<String>,
    /// Where to read resources without an owner, which `adopt = true` may take over.
    pub adopting: AdoptionHints,
}

/// Which unowned resources observation reads besides ours, as candidates for `adopt = true` (the planner
/// decides which one a declaration means). Reads by tag cannot find them: they have none of ours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdoptionHints {
    /// Every VPC and what is in it, and every load balancer's listeners: what `reconciler export` reads.
    pub everything: bool,
    /// VPCs by CIDR (with them their subnets, gateways, route tables and security groups).
    pub vpc_cidrs: BTreeSet<String>,
    /// Clusters by name whose services are read although the cluster is not ours yet.
    pub clusters: BTreeSet<String>,
    /// Load balancers by name whose listeners are read although the load balancer is not ours yet.
    pub load_balancers: BTreeSet<String>,
}

impl AdoptionHints {
    /// Whether any unowned resource is to be read.
    pub fn any(&self) -> bool {
        self.everything || !self.vpc_cidrs.is_empty() || !self.clusters.is_empty() || !self.load_balancers.is_empty()
    }

    /// Whether unowned VPCs, and what is in them, are to be read.
    pub fn vpcs(&self) -> bool {
        self.everything || !self.vpc_cidrs.is_empty()
    }

    pub fn load_balancer(&self, name: &str) -> bool {
        self.everything || self.load_balancers.contains(name)
    }

    fn from_desired(desired: &Desired) -> AdoptionHints {
        let adopts = |kind, name: &String| desired.lifecycles.get(&(kind, name.clone())).is_some_and(|l| l.adopt);
        let vpc_cidrs =
            desired.vpcs.iter().filter(|(n, _)| adopts(Kind::Vpc, n)).map(|(_, v)| v.spec.cidr.to_string()).collect();
        let services: Vec<&reconciler_spec::Service> =
            desired.services.iter().filter(|(n, _)| adopts(Kind::Service, n)).map(|(_, s)| &s.spec).collect();
        let cluster_name =
            |name: &str| desired.clusters.get(name).map_or_else(|| name.to_string(), |c| c.spec.cluster_name.clone());
        let clusters = services.iter().map(|s| cluster_name(&s.cluster)).collect();
        let load_balancers =
            services.iter().filter_map(|s| s.load_balancer.as_ref()).map(|lb| lb.name.clone()).collect();
        AdoptionHints { everything: false, vpc_cidrs, clusters, load_balancers }
    }
}

impl ObservationHints {
    pub fn from_desired(desired: &Desired) -> ObservationHints {
        let families = desired.services.values().map(|service| service.spec.service_name.clone()).collect();
        let secrets = desired
            .services
            .values()
            .flat_map(|s| s.spec.secret_uses())
            .map(|u| crate::secrets::lookup(u.source))
            .collect();
        let certificate_domains = crate::certificates::domains(desired).into_iter().collect();
        let adopting = AdoptionHints::from_desired(desired);
        ObservationHints { task_definition_families: families, secrets, certificate_domains, adopting }
    }
}
