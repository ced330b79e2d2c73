//! The parameters and secrets that services reference, read for their ARN and current version only: never
//! their values (DescribeParameters and DescribeSecret return none). One DescribeParameters per 50 parameter
//! names, one DescribeSecret per secret.

use std::collections::BTreeSet;

use aws_sdk_ssm::types::ParameterStringFilter;
use reconciler_plan::secrets::{FoundSecret, FoundSecrets};
use reconciler_vocabulary::SecretSource;

use crate::Aws;
use crate::error::{AwsError, classify};

/// The most names one DescribeParameters filter takes.
const NAMES_PER_CALL: usize = 50;

/// Finds each of `wanted` ([`reconciler_plan::secrets::lookup`] keys); one that does not exist is absent.
pub async fn observe(aws: &Aws, wanted: &BTreeSet<SecretSource>) -> Result<FoundSecrets, AwsError> {
    let mut found = FoundSecrets::new();
    let parameters: Vec<&str> = wanted
        .iter()
        .filter_map(|s| match s {
            SecretSource::Parameter(id) => Some(id.as_str()),
            SecretSource::Secret { .. } => None,
        })
        .collect();
    for names in parameters.chunks(NAMES_PER_CALL) {
        for (id, version) in parameter_versions(aws, names).await? {
            found.insert(SecretSource::Parameter(id.clone()), FoundSecret { value_from: id, version });
        }
    }
    for source in wanted.iter().filter(|s| matches!(s, SecretSource::Secret { .. })) {
        if let Some(secret) = secret_version(aws, source.id()).await? {
            found.insert(source.clone(), secret);
        }
    }
    Ok(found)
}

/// The version of each parameter of `ids` (names or ARNs) that exists, by the id as given.
async fn parameter_versions(aws: &Aws, ids: &[&str]) -> Result<Vec<(String, String)>, AwsError> {
    // DescribeParameters filters by name: an ARN is looked up by the name in it (the task's region is ours).
    let name_of = |id: &str| id.split_once(":parameter").map_or(id.to_string(), |(_, name)| name.to_string());
    let names: Vec<String> = ids.iter().map(|id| name_of(id)).collect();
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .set_values(Some(names.clone()))
        .build()
        .map_err(|e| AwsError::invalid("SSM.DescribeParameters", e.to_string()))?;
    let mut versions = Vec::new();
    let mut pages = aws.ssm.describe_parameters().parameter_filters(filter).max_results(50).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("SSM.DescribeParameters", e))?;
        for parameter in page.parameters() {
            let (Some(name), version) = (parameter.name(), parameter.version()) else { continue };
            // The emulator keeps names as written; AWS answers `/x` for a parameter created as `/x`. Either
            // way the name is matched as given.
            for id in ids.iter().filter(|id| name_of(id) == name) {
                versions.push((id.to_string(), version.to_string()));
            }
        }
    }
    Ok(versions)
}

/// A secret's ARN and `AWSCURRENT` version id; `None` if it does not exist (or is scheduled for deletion).
async fn secret_version(aws: &Aws, id: &str) -> Result<Option<FoundSecret>, AwsError> {
    let out = match aws.secretsmanager.describe_secret().secret_id(id).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = classify("SecretsManager.DescribeSecret", e);
            return if err.is_not_found() { Ok(None) } else { Err(err) };
        }
    };
    if out.deleted_date().is_some() {
        return Ok(None);
    }
    let Some(arn) = out.arn() else { return Ok(None) };
    let current = out
        .version_ids_to_stages()
        .and_then(|versions| versions.iter().find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT")))
        .map(|(version, _)| version.clone())
        .unwrap_or_default();
    Ok(Some(FoundSecret { value_from: arn.to_string(), version: current }))
}
