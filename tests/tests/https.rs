//! HTTPS on a load balancer: the real binary against a moto server. The workshop's frontend gets an HTTPS
//! listener with an ACM certificate (found by domain, or given by ARN), plain HTTP answers with a permanent
//! redirect to it, a listener changed by hand is put back, a missing certificate holds only what needs it, and
//! a shared load balancer's rules go on its HTTPS listener.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Listener, ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use reconciler_tests::plans::{
    action, apply_as_planned, assert_nothing_to_do, assert_quiet_pass, converge, edit, pass, pending_dry_run, planned,
};
use reconciler_tests::{DesiredDir, Emulator};

const DOMAIN: &str = "frontend.example.com";
const HTTPS_SECTION: &str = "[service.ecsdemo-frontend.load_balancer.https]\ndomain = \"frontend.example.com\"\n\n";
const HEALTH_CHECK_HEADER: &str = "[service.ecsdemo-frontend.load_balancer.health_check]";

/// An issued certificate for `domain`; its ARN. The emulator issues one at once when it is private (a
/// certificate authority given); a public one would wait for DNS validation.
async fn issue_certificate(emulator: &Emulator, domain: &str) -> String {
    let acm = emulator.acm().await;
    let out = acm
        .request_certificate()
        .domain_name(domain)
        .certificate_authority_arn("arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/test")
        .send()
        .await
        .unwrap();
    out.certificate_arn().unwrap().to_string()
}

/// The workshop, with HTTPS on the frontend's load balancer written into frontend.toml.
fn workshop_with_https(section: &str) -> DesiredDir {
    let desired = DesiredDir::workshop();
    edit(&desired, "frontend.toml", HEALTH_CHECK_HEADER, &format!("{section}{HEALTH_CHECK_HEADER}"));
    desired
}

/// The listeners of load balancer `name`, by port.
async fn listeners(emulator: &Emulator, name: &str) -> Vec<Listener> {
    let elb = emulator.elbv2().await;
    let balancers = elb.describe_load_balancers().names(name).send().await.unwrap();
    let arn = balancers.load_balancers()[0].load_balancer_arn().unwrap();
    let mut found = elb.describe_listeners().load_balancer_arn(arn).send().await.unwrap().listeners().to_vec();
    found.sort_by_key(|l| l.port());
    found
}

/// The port an HTTP listener redirects to with a 301, if that is what it does.
fn redirects_to(listener: &Listener) -> Option<String> {
    let action = &listener.default_actions()[0];
    let config = action.redirect_config().filter(|_| action.r#type() == Some(&ActionTypeEnum::Redirect))?;
    assert_eq!(config.protocol(), Some("HTTPS"));
    assert_eq!(config.status_code().map(|s| s.as_str()), Some("HTTP_301"), "a permanent redirect");
    config.port().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread")]
async fn https_with_a_certificate_found_by_domain_and_http_redirected_to_it() {
    let emulator = Emulator::start();
    let certificate = issue_certificate(&emulator, DOMAIN).await;
    let desired = workshop_with_https(HTTPS_SECTION);
    converge(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);

    let [http, https] = &listeners(&emulator, "ecsdemo-frontend").await[..] else { panic!("two listeners") };
    assert_eq!((http.port(), http.protocol()), (Some(80), Some(&ProtocolEnum::Http)));
    assert_eq!(redirects_to(http).as_deref(), Some("443"), "plain HTTP redirects to HTTPS");
    assert_eq!((https.port(), https.protocol()), (Some(443), Some(&ProtocolEnum::Https)));
    assert_eq!(https.certificates()[0].certificate_arn(), Some(certificate.as_str()), "the domain's certificate");
    assert_eq!(https.ssl_policy(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"), "AWS's recommended policy");
    let forward = &https.default_actions()[0];
    assert_eq!(forward.target_group_arn(), Some(emulator.target_group_arn("ecsdemo-frontend").await.as_str()));

    // The load balancer's security group lets HTTPS in too.
    let ec2 = emulator.ec2().await;
    let groups = ec2
        .describe_security_groups()
        .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values("ecsdemo-frontend-lb").build())
        .send()
        .await
        .unwrap();
    let ports: Vec<Option<i32>> = groups.security_groups()[0].ip_permissions().iter().map(|p| p.from_port()).collect();
    assert!(ports.contains(&Some(80)) && ports.contains(&Some(443)), "{ports:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listener_changed_by_hand_is_put_back() {
    let emulator = Emulator::start();
    issue_certificate(&emulator, DOMAIN).await;
    let desired = workshop_with_https(HTTPS_SECTION);
    converge(&emulator, &desired);
    let [http, https] = &listeners(&emulator, "ecsdemo-frontend").await[..] else { panic!("two listeners") };

    // Someone weakens the TLS policy and makes the redirect temporary (browsers then keep asking over HTTP).
    let elb = emulator.elbv2().await;
    elb.modify_listener()
        .listener_arn(https.listener_arn().unwrap())
        .ssl_policy("ELBSecurityPolicy-2016-08")
        .send()
        .await
        .unwrap();
    let temporary = RedirectActionConfig::builder()
        .protocol("HTTPS")
        .port("443")
        .status_code(RedirectActionStatusCodeEnum::Http302)
        .build();
    let redirect = Action::builder().r#type(ActionTypeEnum::Redirect).redirect_config(temporary).build();
    elb.modify_listener().listener_arn(http.listener_arn().unwrap()).default_actions(redirect).send().await.unwrap();
    let plan = planned(&pending_dry_run(&emulator, &desired));
    assert_eq!(plan.len(), 2, "the two listeners: {plan:#?}");
    let tls = action(&plan, "listener.ecsdemo-frontend/https");
    assert_eq!((tls.action.as_str(), tls.reason_code.as_str()), ("update", "drift"));
    assert_eq!(tls.fields, ["ssl_policy"]);
    assert_eq!(
        tls.before_after("ssl_policy"),
        (&"ELBSecurityPolicy-2016-08".into(), &"ELBSecurityPolicy-TLS13-1-2-2021-06".into())
    );
    let plain = action(&plan, "listener.ecsdemo-frontend");
    assert_eq!(plain.fields, ["forward_to"]);
    assert_eq!(
        plain.before_after("forward_to"),
        (
            &serde_json::Value::from("redirect to HTTPS:443 (HTTP_302)"),
            &serde_json::Value::from("redirect to HTTPS:443")
        )
    );

    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    let [http, https] = &listeners(&emulator, "ecsdemo-frontend").await[..] else { panic!("two listeners") };
    assert_eq!(redirects_to(http).as_deref(), Some("443"));
    assert_eq!(https.ssl_policy(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_certificate_holds_its_listener_until_it_is_issued() {
    let emulator = Emulator::start();
    let desired = workshop_with_https(HTTPS_SECTION);
    let run = pass(&emulator, &desired, &[]);
    assert_eq!(run.code, 1, "not converged: {run}");
    let json = run.json();
    let held: Vec<(&str, &str)> = json["held"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["address"].as_str().unwrap(), h["missing"].as_str().unwrap_or_default()))
        .collect();
    assert!(
        held.contains(&("listener.ecsdemo-frontend/https", "an issued certificate for frontend.example.com")),
        "{held:?}"
    );
    // Everything else is made; the other services run.
    assert!(emulator.ecs_service("container-demo", "ecsdemo-nodejs").await.is_some());
    assert_eq!(listeners(&emulator, "ecsdemo-frontend").await.len(), 1, "HTTP only, for now");

    let certificate = issue_certificate(&emulator, DOMAIN).await;
    converge(&emulator, &desired);
    let found = listeners(&emulator, "ecsdemo-frontend").await;
    assert_eq!(found[1].certificates()[0].certificate_arn(), Some(certificate.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_by_arn_and_https_removed_again() {
    let emulator = Emulator::start();
    let first = issue_certificate(&emulator, DOMAIN).await;
    let second = issue_certificate(&emulator, "www.example.com").await;
    let by_arn = format!(
        "[service.ecsdemo-frontend.load_balancer.https]\ncertificate = \"{first}\"\nport = 8443\nredirect_http = false\n\n"
    );
    let desired = workshop_with_https(&by_arn);
    converge(&emulator, &desired);
    let [http, https] = &listeners(&emulator, "ecsdemo-frontend").await[..] else { panic!("two listeners") };
    assert_eq!(https.port(), Some(8443));
    assert_eq!(redirects_to(http), None, "redirect_http = false: plain HTTP still serves");
    assert_eq!(http.default_actions()[0].r#type(), Some(&ActionTypeEnum::Forward));

    // Another certificate: the listener is modified in place, not made again.
    edit(&desired, "frontend.toml", &first, &second);
    let plan = planned(&pending_dry_run(&emulator, &desired));
    let update = action(&plan, "listener.ecsdemo-frontend/https");
    assert_eq!((update.action.as_str(), update.fields.as_slice()), ("update", ["certificate".to_string()].as_slice()));
    apply_as_planned(&emulator, &desired, &plan);
    let found = listeners(&emulator, "ecsdemo-frontend").await;
    assert_eq!(found[1].listener_arn(), https.listener_arn(), "the same listener");
    assert_eq!(found[1].certificates()[0].certificate_arn(), Some(second.as_str()));

    // Without the section, the HTTPS listener goes and HTTP is what it was.
    let text = std::fs::read_to_string(desired.path().join("frontend.toml")).unwrap();
    let start = text.find("[service.ecsdemo-frontend.load_balancer.https]").unwrap();
    let end = text.find(HEALTH_CHECK_HEADER).unwrap();
    desired.write("frontend.toml", &format!("{}{}", &text[..start], &text[end..]));
    converge(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);
    let found = listeners(&emulator, "ecsdemo-frontend").await;
    assert_eq!(found.len(), 1, "the HTTPS listener is deleted");
    assert_eq!(found[0].default_actions()[0].r#type(), Some(&ActionTypeEnum::Forward));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_load_balancers_rules_go_on_its_https_listener() {
    let emulator = Emulator::start();
    issue_certificate(&emulator, "ecsdemo.example.com").await;
    let desired = DesiredDir::example("shared-load-balancer");
    edit(
        &desired,
        "web.toml",
        "[log_group.crystal]",
        "[load_balancer.web.https]\ndomain = \"ecsdemo.example.com\"\n\n[log_group.crystal]",
    );
    converge(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);

    let [http, https] = &listeners(&emulator, "ecsdemo-web").await[..] else { panic!("two listeners") };
    assert_eq!(redirects_to(http).as_deref(), Some("443"));
    let elb = emulator.elbv2().await;
    let rules_of = |listener: &Listener| {
        let request = elb.describe_rules().listener_arn(listener.listener_arn().unwrap());
        async move {
            let rules = request.send().await.unwrap();
            rules.rules().iter().filter(|r| !r.is_default().unwrap_or(false)).count()
        }
    };
    assert_eq!(rules_of(https).await, 2, "crystal's and nodejs's rules, on HTTPS");
    assert_eq!(rules_of(http).await, 0, "none on the redirecting HTTP listener");
    let default = &https.default_actions()[0];
    assert_eq!(default.fixed_response_config().and_then(|f| f.status_code()), Some("404"));
}
