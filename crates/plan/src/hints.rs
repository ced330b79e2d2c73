//! What observation must look for by name, because our tags alone cannot find it cheaply.
//!
//! Task definition revisions are read through the services that run them (one DescribeTaskDefinition per
//! revision in use). A revision registered by a pass that died before its service existed is run by nothing:
//! it is found by its family, which only the desired state knows.

use std::collections::BTreeSet;

use reconciler_spec::Desired;
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
        ObservationHints { task_definition_families: families, secrets, certificate_domains }
    }
}
