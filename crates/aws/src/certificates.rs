//! ACM certificates that HTTPS listeners name by domain: one ListCertificates (issued ones only, 1000 a page)
//! finds them all. A domain matches a certificate's domain name or one of its alternative names; of several,
//! the newest-listed one that matches is as good as another (ACM renews in place).

use std::collections::BTreeSet;

use aws_sdk_acm::types::CertificateStatus;
use reconciler_plan::certificates::FoundCertificates;

use crate::Aws;
use crate::error::{AwsError, classify};

pub async fn observe(aws: &Aws, domains: &BTreeSet<String>) -> Result<FoundCertificates, AwsError> {
    let mut found = FoundCertificates::new();
    if domains.is_empty() {
        return Ok(found);
    }
    let mut pages = aws
        .acm
        .list_certificates()
        .certificate_statuses(CertificateStatus::Issued)
        .max_items(1000)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("ACM.ListCertificates", e))?;
        for summary in page.certificate_summary_list() {
            let Some(arn) = summary.certificate_arn() else { continue };
            let names = summary
                .domain_name()
                .into_iter()
                .chain(summary.subject_alternative_name_summaries().iter().map(String::as_str));
            for name in names.filter(|n| domains.contains(*n)) {
                found.entry(name.to_string()).or_insert_with(|| arn.to_string());
            }
        }
    }
    Ok(found)
}
