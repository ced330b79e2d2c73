//! ACM certificates that a load balancer's HTTPS listener names by domain: which ARN each resolves to, and which
//! listeners wait because no issued certificate has their domain.

use std::collections::BTreeMap;

use reconciler_spec::Desired;
use reconciler_vocabulary::{Certificate, Https};

use crate::{Address, Kind};

/// Issued certificates by domain name: the ARN to use.
pub type FoundCertificates = BTreeMap<String, String>;

/// The child segment of a shared load balancer's HTTPS listener.
pub const SHARED_HTTPS_CHILD: &str = "shared-https";

/// The certificate ARN an HTTPS listener presents: as written, or the one found for the domain (empty when
/// there is none: the listener is then held, see [`missing`]).
pub fn arn(certificate: &Certificate, found: &FoundCertificates) -> String {
    match certificate {
        Certificate::Arn(arn) => arn.clone(),
        Certificate::Domain(domain) => found.get(domain).cloned().unwrap_or_default(),
    }
}

/// The domains the files name certificates by, for observation.
pub fn domains(desired: &Desired) -> Vec<String> {
    https_of(desired)
        .filter_map(|(_, https)| match &https.certificate {
            Certificate::Domain(domain) => Some(domain.clone()),
            Certificate::Arn(_) => None,
        })
        .collect()
}

/// The HTTPS listeners whose certificate is named by a domain no issued certificate has.
pub fn missing(desired: &Desired, found: &FoundCertificates) -> BTreeMap<Address, String> {
    https_of(desired)
        .filter_map(|(listener, https)| match &https.certificate {
            Certificate::Domain(domain) if !found.contains_key(domain) => {
                Some((listener, format!("an issued certificate for {domain}")))
            }
            _ => None,
        })
        .collect()
}

/// Every HTTPS setting of the files, with the address of the listener it makes.
fn https_of(desired: &Desired) -> impl Iterator<Item = (Address, &Https)> {
    let own = desired.services.iter().filter_map(|(name, s)| {
        let https = s.spec.load_balancer.as_ref()?.https.as_ref()?;
        Some((Address::child(Kind::Listener, name, "https"), https))
    });
    let shared = desired.load_balancers.iter().filter_map(|(name, lb)| {
        Some((Address::child(Kind::Listener, name, SHARED_HTTPS_CHILD), lb.spec.https.as_ref()?))
    });
    own.chain(shared)
}
