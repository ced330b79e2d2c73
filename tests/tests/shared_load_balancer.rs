//! Several services behind one shared load balancer (examples/shared-load-balancer): the real binary against
//! a moto server. Each service gets its own target group and listener rule; a rule changed by hand is put
//! back; a service removed takes its rule and target group with it and leaves the other's alone.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{ActionTypeEnum, RuleCondition};
use reconciler_tests::plans::{
    action, apply_as_planned, assert_nothing_to_do, assert_quiet_pass, converge, pending_dry_run, planned,
};
use reconciler_tests::{DesiredDir, Emulator};

/// The shared load balancer's listener, and its rules by priority: (rule ARN, path patterns, target group ARN).
async fn routes(
    emulator: &Emulator,
) -> (aws_sdk_elasticloadbalancingv2::types::Listener, BTreeMap<String, (String, Vec<String>, String)>) {
    let elb = emulator.elbv2().await;
    let balancers = elb.describe_load_balancers().names("ecsdemo-web").send().await.unwrap();
    let arn = balancers.load_balancers()[0].load_balancer_arn().unwrap();
    let listeners = elb.describe_listeners().load_balancer_arn(arn).send().await.unwrap();
    assert_eq!(listeners.listeners().len(), 1, "one listener");
    let listener = listeners.listeners()[0].clone();
    let rules = elb.describe_rules().listener_arn(listener.listener_arn().unwrap()).send().await.unwrap();
    let paths = |c: &RuleCondition| {
        c.path_pattern_config()
            .map(|p| p.values().to_vec())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| c.values().to_vec())
    };
    let by_priority = rules
        .rules()
        .iter()
        .filter(|r| !r.is_default().unwrap_or(false))
        .map(|r| {
            let mut patterns: Vec<String> = r.conditions().iter().flat_map(paths).collect();
            patterns.sort();
            let target = r.actions()[0].target_group_arn().unwrap_or_default().to_string();
            (r.priority().unwrap().to_string(), (r.rule_arn().unwrap().to_string(), patterns, target))
        })
        .collect();
    (listener, by_priority)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_services_share_one_load_balancer_each_with_its_rule_and_target_group() {
    let emulator = Emulator::start();
    let desired = DesiredDir::example("shared-load-balancer");
    converge(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);

    let (listener, rules) = routes(&emulator).await;
    assert_eq!(listener.port(), Some(80));
    let default = &listener.default_actions()[0];
    assert_eq!(default.r#type(), Some(&ActionTypeEnum::FixedResponse), "what no rule matches gets a 404");
    assert_eq!(default.fixed_response_config().and_then(|f| f.status_code()), Some("404"));
    let crystal = emulator.target_group_arn("ecsdemo-crystal").await;
    let nodejs = emulator.target_group_arn("ecsdemo-nodejs").await;
    assert_eq!(
        rules.values().map(|(_, p, t)| (p.clone(), t.clone())).collect::<Vec<_>>(),
        [
            (vec!["/crystal".to_string(), "/crystal/*".to_string()], crystal.clone()),
            (vec!["/nodejs".to_string(), "/nodejs/*".to_string()], nodejs.clone())
        ]
    );
    assert_eq!(rules.keys().collect::<Vec<_>>(), ["10", "20"]);
    // Each ECS service registers its tasks in its own target group.
    for (service, group) in [("ecsdemo-crystal", &crystal), ("ecsdemo-nodejs", &nodejs)] {
        let found = emulator.ecs_service("container-demo", service).await.unwrap();
        assert_eq!(found.load_balancers()[0].target_group_arn(), Some(group.as_str()), "{service}");
    }
    // The frontend keeps its own load balancer.
    let frontend = emulator.elbv2().await.describe_load_balancers().names("ecsdemo-frontend").send().await.unwrap();
    assert_eq!(frontend.load_balancers().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rule_changed_by_hand_is_put_back() {
    let emulator = Emulator::start();
    let desired = DesiredDir::example("shared-load-balancer");
    converge(&emulator, &desired);
    let (_, rules) = routes(&emulator).await;
    let (crystal_rule, _, _) = rules["10"].clone();

    let elb = emulator.elbv2().await;
    let other =
        aws_sdk_elasticloadbalancingv2::types::PathPatternConditionConfig::builder().values("/elsewhere").build();
    let condition = RuleCondition::builder().field("path-pattern").path_pattern_config(other).build();
    elb.modify_rule().rule_arn(&crystal_rule).conditions(condition).send().await.unwrap();
    let pair =
        aws_sdk_elasticloadbalancingv2::types::RulePriorityPair::builder().rule_arn(&crystal_rule).priority(30).build();
    elb.set_rule_priorities().rule_priorities(pair).send().await.unwrap();

    let plan = planned(&pending_dry_run(&emulator, &desired));
    assert_eq!(plan.len(), 1, "{plan:#?}");
    let update = action(&plan, "listener_rule.ecsdemo-crystal");
    assert_eq!(
        (update.action.as_str(), update.fields.as_slice()),
        ("update", &["priority".to_string(), "paths".to_string()][..])
    );
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    let (_, rules) = routes(&emulator).await;
    assert_eq!(rules["10"].0, crystal_rule, "the same rule, put back in place");
    assert_eq!(rules["10"].1, ["/crystal", "/crystal/*"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_removed_takes_its_rule_and_target_group_and_leaves_the_other() {
    let emulator = Emulator::start();
    let desired = DesiredDir::example("shared-load-balancer");
    converge(&emulator, &desired);
    let (_, before) = routes(&emulator).await;

    // nodejs goes: everything from its log group on is removed from the file.
    let path = desired.path().join("web.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept = text.split("[log_group.nodejs]").next().unwrap().to_string();
    std::fs::write(&path, kept).unwrap();

    let plan = planned(&pending_dry_run(&emulator, &desired));
    let deleted: Vec<&str> = plan.iter().filter(|a| a.action == "delete").map(|a| a.address.as_str()).collect();
    for address in ["listener_rule.ecsdemo-nodejs", "target_group.ecsdemo-nodejs", "service.ecsdemo-nodejs"] {
        assert!(deleted.contains(&address), "{address} pruned: {plan:#?}");
    }
    assert!(plan.iter().all(|a| !a.address.contains("crystal") && !a.address.ends_with("/shared")), "{plan:#?}");
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);

    let (_, after) = routes(&emulator).await;
    assert_eq!(after.keys().collect::<Vec<_>>(), ["10"], "only crystal's rule is left");
    assert_eq!(after["10"], before["10"], "crystal's rule untouched");
    let groups = emulator.elbv2().await.describe_target_groups().send().await.unwrap();
    let names: Vec<&str> = groups.target_groups().iter().filter_map(|g| g.target_group_name()).collect();
    assert!(!names.contains(&"ecsdemo-nodejs") && names.contains(&"ecsdemo-crystal"), "{names:?}");
}

/// CreateRule takes effect and its answer is lost (the proxy answers 500): the rule is found by its priority
/// and tags, not made twice, and the next pass has nothing to do.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_create_rule_answer_leaves_no_duplicate_rule() {
    use reconciler_tests::fault_proxy::{Fault, FaultProxy};
    use reconciler_tests::inventory::duplicates;

    let emulator = Emulator::start();
    let proxy = FaultProxy::with_fault(emulator.port(), "Action=CreateRule&", Fault::Ghost);
    let desired = DesiredDir::example("shared-load-balancer");
    let faulty = reconciler_tests::run_reconciler(
        &proxy.endpoint(),
        &["--config-dir", desired.arg(), "--once", "--output", "json"],
    );
    assert!(proxy.injected() > 0, "the ghost fell on CreateRule\n{faulty}");
    assert_eq!(duplicates(&emulator, "default").await, BTreeMap::new(), "after the faulty pass\n{faulty}");
    converge(&emulator, &desired);
    assert_eq!(duplicates(&emulator, "default").await, BTreeMap::new());
    let (_, rules) = routes(&emulator).await;
    assert_eq!(rules.keys().collect::<Vec<_>>(), ["10", "20"], "one rule per route");
    assert_nothing_to_do(&emulator, &desired);
}
