//! The workshop's services on its platform: roles, log groups, services (one behind a load balancer, two
//! backends found through Cloud Map) and the load-test instance, parsed into exactly the expected model.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{load, parse_ok};
use reconciler_spec::{
    Deployment, Discovery, HealthCheck, Instance, LoadBalancer, Location, LogGroup, Logs, Network, Role, Scheme,
    Service, SubnetGroup, Tags,
};

const SERVICES: &str = r#"# The ecsdemo services: frontend behind a load balancer, two backends found at NAME.service.local.
[role.task-execution]
role_name = "ecsdemo-task-exec"
trusted_service = "ecs-tasks.amazonaws.com"
managed_policies = ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
tags = { Project = "ecsdemo" }

[role.loadtest]
trusted_service = "ec2.amazonaws.com"
managed_policies = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
inline_policy = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:ListServices", "Resource": "*"}]}'''
instance_profile = true

[log_group.frontend]
group_name = "/ecs/ecsdemo-frontend"
retention_days = 14
tags = { Project = "ecsdemo" }

[log_group.nodejs]
group_name = "/ecs/ecsdemo-nodejs"
retention_days = 14

[log_group.crystal]
group_name = "/ecs/ecsdemo-crystal"

[service.ecsdemo-frontend]
cluster = "container-demo"
image = "brentley/ecsdemo-frontend:latest"
port = 3000
environment = { CRYSTAL_URL = "http://ecsdemo-crystal.service.local:3000/crystal", NODEJS_URL = "http://ecsdemo-nodejs.service.local:3000" }
vpc = "main"
security_groups = ["services"]
execution_role = "task-execution"
tags = { Project = "ecsdemo" }

[service.ecsdemo-frontend.logs]
log_group = "frontend"

[service.ecsdemo-frontend.discovery]
namespace = "service"

[service.ecsdemo-frontend.load_balancer]

[service.ecsdemo-nodejs]
cluster = "container-demo"
image = "brentley/ecsdemo-nodejs:latest"
cpu = 512
memory = 1024
port = 3000
desired_count = 2
vpc = "main"
subnets = "private"
security_groups = ["services"]
execution_role = "task-execution"

[service.ecsdemo-nodejs.logs]
log_group = "nodejs"
stream_prefix = "nodejs"

[service.ecsdemo-nodejs.discovery]
namespace = "service"
ttl = 10

[service.ecsdemo-crystal]
cluster = "container-demo"
image = "brentley/ecsdemo-crystal@sha256:6a0c8f3b0e2c2b6f7e0d3d9b6f0c1e8a9d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e"
port = 3000
command = ["/app/server", "--port", "3000"]
vpc = "main"
security_groups = ["services"]
execution_role = "task-execution"
keep_revisions = 5

[service.ecsdemo-crystal.logs]
log_group = "crystal"

[service.ecsdemo-crystal.discovery]
namespace = "service"
name = "crystal"

[service.ecsdemo-crystal.deployment]
minimum_healthy_percent = 50
circuit_breaker = false

[instance.loadtest]
instance_type = "t3.medium"
image = "ami-0123456789abcdef0"
vpc = "main"
security_groups = ["services"]
role = "loadtest"
user_data = '''#!/bin/bash
yum install -y siege
'''
"#;

fn platform() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/platform.toml")).unwrap()
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn network() -> Network {
    Network {
        vpc: "main".into(),
        subnets: SubnetGroup::Private,
        security_groups: vec!["services".into()],
        assign_public_ip: false,
    }
}

#[test]
fn workshop_services_parse_into_exactly_the_expected_model() {
    let desired = load(&[("platform.toml", &platform()), ("services.toml", SERVICES)]).unwrap();
    // The platform's 5 (its execution role included), this file's 2 roles, 3 log groups, 3 services, 1 instance.
    assert_eq!(desired.len(), 5 + 2 + 3 + 3 + 1);
    assert_eq!(desired.warnings, []);
    let line_of = |header: &str| 1 + SERVICES.lines().position(|line| line == header).expect(header);
    let project = tags(&[("Project", "ecsdemo")]);

    let execution = &desired.roles["task-execution"];
    assert_eq!(
        execution.location,
        Location { file: "services.toml".into(), line: line_of("[role.task-execution]"), column: 1 }
    );
    assert_eq!(
        execution.spec,
        Role {
            role_name: "ecsdemo-task-exec".into(),
            trusted_service: "ecs-tasks.amazonaws.com".into(),
            managed_policies: vec!["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy".into()],
            inline_policy: None,
            instance_profile: false,
            tags: project.clone(),
        }
    );
    let loadtest_role = &desired.roles["loadtest"].spec;
    assert_eq!(loadtest_role.role_name, "loadtest");
    assert!(loadtest_role.instance_profile);
    assert!(loadtest_role.inline_policy.as_deref().unwrap().starts_with(r#"{"Version": "2012-10-17""#));

    assert_eq!(
        desired.log_groups["frontend"].spec,
        LogGroup { group_name: "/ecs/ecsdemo-frontend".into(), retention_days: Some(14), tags: project.clone() }
    );
    assert_eq!(desired.log_groups["crystal"].spec.retention_days, None);

    let frontend = &desired.services["ecsdemo-frontend"];
    assert_eq!(frontend.location.line, line_of("[service.ecsdemo-frontend]"));
    assert_eq!(
        frontend.spec,
        Service {
            service_name: "ecsdemo-frontend".into(),
            cluster: "container-demo".into(),
            image: "brentley/ecsdemo-frontend:latest".into(),
            cpu: 256,
            memory: 512,
            port: 3000,
            environment: BTreeMap::from([
                ("CRYSTAL_URL".into(), "http://ecsdemo-crystal.service.local:3000/crystal".into()),
                ("NODEJS_URL".into(), "http://ecsdemo-nodejs.service.local:3000".into()),
            ]),
            secrets: BTreeMap::new(),
            command: None,
            desired_count: 1,
            network: network(),
            execution_role: "task-execution".into(),
            task_role: None,
            health_check: None,
            depends_on: BTreeMap::new(),
            sidecars: BTreeMap::new(),
            health_check_grace_period_seconds: 0,
            enable_execute_command: false,
            logs: Some(Logs { log_group: "frontend".into(), stream_prefix: "ecsdemo-frontend".into() }),
            discovery: Some(Discovery { namespace: "service".into(), name: "ecsdemo-frontend".into(), ttl: 60 }),
            deployment: Deployment::default(),
            load_balancer: Some(LoadBalancer {
                name: "ecsdemo-frontend".into(),
                scheme: Scheme::InternetFacing,
                listener_port: 80,
                allowed_cidrs: vec!["0.0.0.0/0".parse().unwrap()],
                health_check: HealthCheck::default(),
                https: None,
            }),
            route: None,
            autoscaling: None,
            keep_revisions: 3,
            tags: project,
        }
    );
    assert_eq!(
        Deployment::default(),
        Deployment { minimum_healthy_percent: 100, maximum_percent: 200, circuit_breaker: true, rollback: true }
    );
    assert_eq!(
        HealthCheck::default(),
        HealthCheck {
            path: "/".into(),
            interval_seconds: 30,
            timeout_seconds: 5,
            healthy_threshold: 5,
            unhealthy_threshold: 2
        }
    );

    let nodejs = &desired.services["ecsdemo-nodejs"].spec;
    assert_eq!((nodejs.cpu, nodejs.memory, nodejs.desired_count), (512, 1024, 2));
    assert_eq!(nodejs.network, network());
    assert_eq!(nodejs.logs, Some(Logs { log_group: "nodejs".into(), stream_prefix: "nodejs".into() }));
    assert_eq!(
        nodejs.discovery,
        Some(Discovery { namespace: "service".into(), name: "ecsdemo-nodejs".into(), ttl: 10 })
    );
    assert_eq!(nodejs.load_balancer, None);
    assert_eq!(nodejs.environment, BTreeMap::new());
    assert_eq!(nodejs.tags, Tags::new());

    let crystal = &desired.services["ecsdemo-crystal"].spec;
    assert_eq!(crystal.command, Some(vec!["/app/server".into(), "--port".into(), "3000".into()]));
    assert_eq!(crystal.keep_revisions, 5);
    assert_eq!(crystal.discovery.as_ref().unwrap().name, "crystal");
    // Without the circuit breaker, rollback defaults to off.
    assert_eq!(
        crystal.deployment,
        Deployment { minimum_healthy_percent: 50, maximum_percent: 200, circuit_breaker: false, rollback: false }
    );
    assert_eq!(crystal.load_balancer, None);

    assert_eq!(
        desired.instances["loadtest"].spec,
        Instance {
            instance_type: "t3.medium".into(),
            image: Some("ami-0123456789abcdef0".into()),
            vpc: "main".into(),
            subnets: SubnetGroup::Private,
            security_groups: vec!["services".into()],
            role: Some("loadtest".into()),
            user_data: Some("#!/bin/bash\nyum install -y siege\n".into()),
            tags: Tags::new(),
        }
    );
}

#[test]
fn every_optional_field_written_out() {
    let parsed = parse_ok(
        "[service.web]\nservice_name = \"web_app\"\ncluster = \"c\"\nimage = \"nginx:1.27\"\ncpu = 16384\n\
         memory = 122880\nport = 8080\ndesired_count = 0\nvpc = \"v\"\nsubnets = \"public\"\n\
         security_groups = [\"a\", \"b\"]\nassign_public_ip = true\nexecution_role = \"r\"\nkeep_revisions = 100\n\
         [service.web.discovery]\nnamespace = \"n\"\nname = \"web\"\nttl = 2147483647\n\
         [service.web.deployment]\nminimum_healthy_percent = 0\nmaximum_percent = 400\nrollback = false\n\
         [service.web.load_balancer]\nname = \"web-lb\"\nscheme = \"internal\"\nlistener_port = 8080\n\
         allowed_cidrs = [\"10.0.0.0/8\", \"192.168.0.0/16\"]\n\
         [service.web.load_balancer.health_check]\npath = \"/health\"\ninterval_seconds = 300\n\
         timeout_seconds = 120\nhealthy_threshold = 10\nunhealthy_threshold = 10\n\
         [instance.i]\ninstance_type = \"m5.2xlarge\"\nvpc = \"v\"\nsubnets = \"public\"\nsecurity_groups = [\"a\"]\n",
    );
    let web = &parsed.services[0].declared.spec;
    assert_eq!((web.cpu, web.memory, web.port, web.desired_count, web.keep_revisions), (16384, 122880, 8080, 0, 100));
    assert_eq!(
        web.network,
        Network {
            vpc: "v".into(),
            subnets: SubnetGroup::Public,
            security_groups: vec!["a".into(), "b".into()],
            assign_public_ip: true
        }
    );
    assert_eq!(web.discovery, Some(Discovery { namespace: "n".into(), name: "web".into(), ttl: 2147483647 }));
    assert_eq!(
        web.deployment,
        Deployment { minimum_healthy_percent: 0, maximum_percent: 400, circuit_breaker: true, rollback: false }
    );
    assert_eq!(
        web.load_balancer,
        Some(LoadBalancer {
            name: "web-lb".into(),
            scheme: Scheme::Internal,
            listener_port: 8080,
            allowed_cidrs: vec!["10.0.0.0/8".parse().unwrap(), "192.168.0.0/16".parse().unwrap()],
            health_check: HealthCheck {
                path: "/health".into(),
                interval_seconds: 300,
                timeout_seconds: 120,
                healthy_threshold: 10,
                unhealthy_threshold: 10,
            },
            https: None,
        })
    );
    // What the cross-file checks need: every reference, where it is written.
    let references: Vec<_> = parsed.services[0]
        .references
        .iter()
        .map(|r| (r.field.as_str(), r.name.as_str(), r.location.line, r.location.column))
        .collect();
    assert_eq!(
        references,
        [
            ("service.web.cluster", "c", 3, 11),
            ("service.web.vpc", "v", 9, 7),
            ("service.web.security_groups[0]", "a", 11, 20),
            ("service.web.security_groups[1]", "b", 11, 25),
            ("service.web.execution_role", "r", 13, 18),
            ("service.web.discovery.namespace", "n", 16, 13),
        ]
    );
    assert_eq!(parsed.services[0].field_location("load_balancer.name").line, 24);
    assert_eq!(parsed.services[0].field_location("discovery.name").line, 17);
    let instance = &parsed.instances[0].declared.spec;
    assert_eq!(
        (instance.image.as_deref(), instance.subnets, instance.role.as_deref()),
        (None, SubnetGroup::Public, None)
    );
    assert_eq!(parsed.warnings, []);
}
