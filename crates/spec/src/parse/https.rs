//! `https` on a load balancer (`[service.X.load_balancer.https]`, `[load_balancer.X.https]`): a listener with
//! an ACM certificate, by ARN or by domain name, its TLS policy, and the redirect of plain HTTP to it.

use reconciler_vocabulary::{Certificate, DEFAULT_SSL_POLICY, Https};

use super::values;
use crate::reader::{Ctx, Read, Table};

pub(crate) const FIELDS: &[&str] = &["certificate", "domain", "ssl_policy", "port", "redirect_http"];

/// `http_port`: the load balancer's HTTP listener port (when it was read), which HTTPS cannot share.
pub(crate) fn read(ctx: &mut Ctx<'_>, lb: &Table<'_, '_>, http_port: Option<u16>) -> Read<Option<Https>> {
    let Some(https) = values::sub_table(ctx, lb, "https", FIELDS)? else {
        return Ok(None);
    };
    let certificate = certificate(ctx, &https);
    let port = values::port(ctx, &https, "port").map(|p| p.unwrap_or(443)).and_then(|port| {
        if Some(port) != http_port {
            return Ok(port);
        }
        let at = https.get("port").map_or_else(|| https.span().clone(), |v| v.span());
        Err(ctx.error(
            &at,
            &https.field("port"),
            format!("port {port} is the HTTP listener's (`listener_port`): a port takes one listener"),
        ))
    });
    let ssl_policy = https.optional_str(ctx, "ssl_policy").and_then(|policy| match policy {
        None => Ok(DEFAULT_SSL_POLICY.to_string()),
        Some(policy) if policy.starts_with("ELBSecurityPolicy-") && policy.len() <= 128 => Ok(policy.to_string()),
        Some(policy) => {
            let value = https.get("ssl_policy").expect("read above");
            Err(ctx.error(
                &value.span(),
                &https.field("ssl_policy"),
                format!("`{policy}` is not an ELB security policy (ELBSecurityPolicy-...), e.g. {DEFAULT_SSL_POLICY}"),
            ))
        }
    });
    let redirect_http = https.bool_or(ctx, "redirect_http", true);
    Ok(Some(Https { port: port?, certificate: certificate?, ssl_policy: ssl_policy?, redirect_http: redirect_http? }))
}

fn certificate(ctx: &mut Ctx<'_>, https: &Table<'_, '_>) -> Read<Certificate> {
    let arn = https.optional_str(ctx, "certificate")?;
    let domain = https.optional_str(ctx, "domain")?;
    match (arn, domain) {
        (Some(_), Some(_)) => {
            let value = https.get("domain").expect("read above");
            Err(ctx.error(&value.span(), &https.field("domain"), "give `certificate` (an ARN) or `domain`, not both"))
        }
        (None, None) => Err(ctx.error(
            https.span(),
            https.path(),
            "missing the certificate: `certificate = \"arn:aws:acm:...\"` or `domain = \"example.com\"`",
        )),
        (Some(arn), None) if arn.starts_with("arn:") && arn.contains(":acm:") && arn.contains(":certificate/") => {
            Ok(Certificate::Arn(arn.to_string()))
        }
        (Some(arn), None) => {
            let value = https.get("certificate").expect("read above");
            Err(ctx.error(
                &value.span(),
                &https.field("certificate"),
                format!("`{arn}` is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID); for a name, use `domain`"),
            ))
        }
        (None, Some(domain)) => match crate::checks::host_pattern(domain) {
            Ok(()) if !domain.contains('?') => Ok(Certificate::Domain(domain.to_string())),
            _ => {
                let value = https.get("domain").expect("read above");
                Err(ctx.error(&value.span(), &https.field("domain"), format!("invalid domain name `{domain}`")))
            }
        },
    }
}
