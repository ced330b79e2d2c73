//! A service as production runs it: a task role, a container health check, a health check grace period and
//! ECS Exec. What each reads into, and the errors and warnings a user gets, with file and line.

mod common;

use std::path::Path;

use common::{load, load_errors};
use reconciler_spec::ContainerHealthCheck;

fn platform() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/platform.toml")).unwrap()
}

/// A service file on the workshop's platform, with `extra` lines in `[service.api]` and `tail` after it.
fn service(extra: &str, tail: &str) -> String {
    format!(
        r#"[role.api-task]
trusted_service = "ecs-tasks.amazonaws.com"
inline_policy = '{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}]}}'

[service.api]
cluster = "container-demo"
image = "nginx:1.27"
port = 80
vpc = "main"
security_groups = ["services"]
execution_role = "ecs-task-execution"
{extra}
{tail}"#
    )
}

fn load_service(extra: &str, tail: &str) -> Result<reconciler_spec::Desired, Vec<String>> {
    load(&[("platform.toml", &platform()), ("api.toml", &service(extra, tail))])
}

#[test]
fn a_production_service_reads_its_task_role_health_check_grace_period_and_exec() {
    let desired = load_service(
        "task_role = \"api-task\"\nhealth_check_grace_period_seconds = 60\nenable_execute_command = true",
        "[service.api.health_check]\ncommand = \"curl -f http://localhost/ || exit 1\"\nretries = 5\nstart_period_seconds = 20",
    )
    .unwrap();
    let api = &desired.services["api"].spec;
    assert_eq!(api.task_role.as_deref(), Some("api-task"));
    assert_eq!(api.health_check_grace_period_seconds, 60);
    assert!(api.enable_execute_command);
    // A command line runs in the container's shell; the rest are AWS's defaults.
    assert_eq!(
        api.health_check,
        Some(ContainerHealthCheck {
            command: vec!["CMD-SHELL".into(), "curl -f http://localhost/ || exit 1".into()],
            interval_seconds: 30,
            timeout_seconds: 5,
            retries: 5,
            start_period_seconds: 20,
        })
    );
    // The task role has no exec permissions: a warning at the line that asks for exec, nothing refused.
    let warnings: Vec<String> = desired.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("api.toml:14:26: service.api.enable_execute_command: ECS Exec needs"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("role `api-task` has no policy"), "{warnings:?}");
}

#[test]
fn without_these_fields_a_service_is_as_before() {
    let api = load_service("", "").unwrap().services["api"].spec.clone();
    assert_eq!((api.task_role, api.health_check, api.health_check_grace_period_seconds), (None, None, 0));
    assert!(!api.enable_execute_command);
}

#[test]
fn exec_with_a_role_that_allows_the_channels_or_its_managed_policy_gives_no_warning() {
    let channels = r#"[role.exec-ok]
trusted_service = "ecs-tasks.amazonaws.com"
inline_policy = '{"Statement": [{"Effect": "Allow", "Action": "ssmmessages:*", "Resource": "*"}]}'
"#;
    let desired = load_service("task_role = \"exec-ok\"\nenable_execute_command = true", channels).unwrap();
    assert_eq!(desired.warnings, []);
    let managed = r#"[role.exec-ok]
trusted_service = "ecs-tasks.amazonaws.com"
managed_policies = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
"#;
    let desired = load_service("task_role = \"exec-ok\"\nenable_execute_command = true", managed).unwrap();
    assert_eq!(desired.warnings, []);
}

#[test]
fn exec_without_a_task_role_is_a_warning_that_says_to_set_one() {
    let desired = load_service("enable_execute_command = true", "").unwrap();
    let warnings: Vec<String> = desired.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].ends_with("set `task_role`"), "{warnings:?}");
}

#[test]
fn a_task_role_ecs_tasks_cannot_assume_is_an_error_at_the_reference() {
    let ec2_role = "[role.ec2-only]\ntrusted_service = \"ec2.amazonaws.com\"\n";
    let errors =
        load_errors(&[("platform.toml", &platform()), ("api.toml", &service("task_role = \"ec2-only\"", ec2_role))]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("api.toml:12:13: service.api.task_role: role `ec2-only` trusts ec2.amazonaws.com"),
        "{errors:?}"
    );
}

#[test]
fn an_undeclared_task_role_is_an_error() {
    let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &service("task_role = \"nope\"", ""))]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("api.toml:12:13: service.api.task_role: no role named `nope`"), "{errors:?}");
}

#[test]
fn health_check_errors_name_the_file_line_and_field() {
    let cases = [
        (
            "command = [\"curl\", \"-f\", \"http://localhost/\"]",
            "api.toml:14:11: service.api.health_check.command: the command array starts with `curl`",
        ),
        (
            "command = [\"CMD-SHELL\", \"  \"]",
            "api.toml:14:11: service.api.health_check.command: the health check command is empty",
        ),
        ("command = []", "api.toml:14:11: service.api.health_check.command: the health check command is empty"),
        ("command = 3", "api.toml:14:11: service.api.health_check.command: expected a shell command line"),
        (
            "command = \"true\"\ninterval_seconds = 4",
            "api.toml:15:20: service.api.health_check.interval_seconds: 4 is out of range: expected 5 to 300",
        ),
        (
            "command = \"true\"\ntimeout_seconds = 61",
            "api.toml:15:19: service.api.health_check.timeout_seconds: 61 is out of range: expected 2 to 60",
        ),
        (
            "command = \"true\"\nretries = 0",
            "api.toml:15:11: service.api.health_check.retries: 0 is out of range: expected 1 to 10",
        ),
        (
            "command = \"true\"\nstart_period_seconds = 301",
            "api.toml:15:24: service.api.health_check.start_period_seconds: 301 is out of range",
        ),
        ("command = \"true\"\npath = \"/\"", "api.toml:15:1: service.api.health_check.path: unknown field"),
        ("interval_seconds = 10", "api.toml:13:1: service.api.health_check.command: missing required field `command`"),
    ];
    for (check, expected) in cases {
        let errors = load_errors(&[
            ("platform.toml", &platform()),
            ("api.toml", &service("", &format!("[service.api.health_check]\n{check}"))),
        ]);
        assert!(errors.iter().any(|e| e.starts_with(expected)), "{check}: expected {expected:?} in {errors:#?}");
    }
}

#[test]
fn grace_period_and_exec_take_only_what_ecs_takes() {
    let errors = load_errors(&[
        ("platform.toml", &platform()),
        ("api.toml", &service("health_check_grace_period_seconds = -1", "")),
    ]);
    assert!(
        errors[0].starts_with("api.toml:12:37: service.api.health_check_grace_period_seconds: -1 is out of range"),
        "{errors:?}"
    );
    let errors =
        load_errors(&[("platform.toml", &platform()), ("api.toml", &service("enable_execute_command = \"yes\"", ""))]);
    assert!(errors[0].starts_with("api.toml:12:26: service.api.enable_execute_command:"), "{errors:?}");
}

#[test]
fn secrets_read_as_references_to_a_parameter_or_a_secret_key() {
    let secrets = "[service.api.secrets]\nDB = { parameter = \"/app/db\" }\nTOKEN = { secret = \"app/api\", key = \"token\" }\nALL = { secret = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:app/all-AbCdEf\" }";
    let desired = load_service("", secrets).unwrap();
    let api = &desired.services["api"].spec;
    use reconciler_spec::SecretSource;
    assert_eq!(api.secrets["DB"], SecretSource::Parameter("/app/db".into()));
    assert_eq!(api.secrets["TOKEN"], SecretSource::Secret { id: "app/api".into(), key: Some("token".into()) });
    assert_eq!(
        api.secrets["ALL"],
        SecretSource::Secret {
            id: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/all-AbCdEf".into(),
            key: None
        }
    );
    // The shared execution role has no permission to read them: one warning per secret, at its line.
    let warnings: Vec<String> = desired.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "api.toml:14:6: service.api.secrets.DB: the execution role `ecs-task-execution` shows no ssm:GetParameters"
        )),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|w| w.starts_with("api.toml:15:9: service.api.secrets.TOKEN: the execution role `ecs-task-execution` shows no secretsmanager:GetSecretValue")), "{warnings:?}");
}

#[test]
fn an_execution_role_allowed_to_read_the_secrets_gives_no_warning() {
    let role = r#"[role.reader]
trusted_service = "ecs-tasks.amazonaws.com"
inline_policy = '{"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "arn:aws:ssm:*:*:parameter/app/*"}, {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:*:*:secret:app/api-??????"}]}'
"#;
    let files = service(
        "",
        "[service.api.secrets]\nDB = { parameter = \"/app/db\" }\nTOKEN = { secret = \"app/api\", key = \"token\" }\n",
    )
    .replace("execution_role = \"ecs-task-execution\"", "execution_role = \"reader\"");
    let desired = load(&[("platform.toml", &platform()), ("api.toml", &files), ("reader.toml", role)]).unwrap();
    assert_eq!(desired.warnings, []);
}

#[test]
fn secret_errors_name_the_file_line_and_field() {
    let cases = [
        (
            "DB = { parameter = \"/a\", secret = \"b\" }",
            "api.toml:14:35: service.api.secrets.DB.secret: give either `parameter`",
        ),
        ("DB = {}", "api.toml:14:6: service.api.secrets.DB: missing the source"),
        ("DB = { parameter = \"/a\", key = \"k\" }", "api.toml:14:32: service.api.secrets.DB.key: `key` picks a key"),
        (
            "DB = { parameter = \"/aws/x\" }",
            "api.toml:14:20: service.api.secrets.DB.parameter: invalid parameter name `/aws/x`",
        ),
        ("DB = { parameter = \"a b\" }", "api.toml:14:20: service.api.secrets.DB.parameter: invalid parameter name"),
        (
            "DB = { secret = \"arn:aws:ssm:us-east-1:1:parameter/x\" }",
            "api.toml:14:17: service.api.secrets.DB.secret: `arn:aws:ssm",
        ),
        ("DB = { secret = \"s\", key = \"\" }", "api.toml:14:28: service.api.secrets.DB.key: the key is empty"),
        ("1DB = { parameter = \"/a\" }", "api.toml:14:1: service.api.secrets.1DB: invalid environment variable name"),
        ("DB = \"/a\"", "api.toml:14:6: service.api.secrets.DB: expected a table"),
    ];
    let mut wrong = Vec::new();
    for (secret, expected) in cases {
        let files = service("", &format!("[service.api.secrets]\n{secret}"));
        let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &files)]);
        if !errors.iter().any(|e| e.starts_with(expected)) {
            wrong.push(format!("{secret}: expected {expected:?} in {errors:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let both = service("environment = { DB = \"x\" }", "[service.api.secrets]\nDB = { parameter = \"/a\" }");
    let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &both)]);
    assert!(
        errors[0].starts_with("api.toml:14:1: service.api.secrets.DB: `DB` is also in `environment`"),
        "{errors:?}"
    );
}

fn shared_lb() -> &'static str {
    "[load_balancer.web]\nvpc = \"main\"\n"
}

#[test]
fn a_route_on_a_shared_load_balancer_reads_its_paths_hosts_and_priority() {
    let files = service(
        "",
        "[service.api.route]\nload_balancer = \"web\"\npaths = [\"/api\", \"/api/*\"]\nhosts = [\"api.example.com\"]\npriority = 7",
    );
    let desired = load(&[("platform.toml", &platform()), ("api.toml", &files), ("web.toml", shared_lb())]).unwrap();
    let route = desired.services["api"].spec.route.clone().expect("a route");
    assert_eq!((route.load_balancer.as_str(), route.priority, route.target_group_name.as_str()), ("web", 7, "api"));
    assert_eq!(route.paths, ["/api", "/api/*"]);
    assert_eq!(route.hosts, ["api.example.com"]);
    let web = &desired.load_balancers["web"].spec;
    assert_eq!((web.name.as_str(), web.vpc.as_str(), web.listener_port), ("web", "main", 80));
}

#[test]
fn two_routes_with_one_priority_on_one_load_balancer_are_an_error_at_the_second() {
    let route = |name: &str, path: &str| {
        format!(
            "[service.{name}]\ncluster = \"container-demo\"\nimage = \"nginx:1\"\nport = 80\nvpc = \"main\"\nsecurity_groups = [\"services\"]\nexecution_role = \"ecs-task-execution\"\n\n[service.{name}.route]\nload_balancer = \"web\"\npaths = [\"{path}\"]\npriority = 5\n"
        )
    };
    let errors = load_errors(&[
        ("platform.toml", &platform()),
        ("a.toml", &route("a", "/a")),
        ("b.toml", &route("b", "/b")),
        ("web.toml", shared_lb()),
    ]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("b.toml:12:12: service.b.route.priority: priority 5 is already taken on load balancer `web` by service `a` (a.toml:12:12)"), "{errors:?}");
}

#[test]
fn route_errors_name_the_file_line_and_field() {
    let cases = [
        (
            "load_balancer = \"web\"\npriority = 1",
            "api.toml:13:1: service.api.route: a route needs `paths`, `hosts` or both",
        ),
        (
            "load_balancer = \"web\"\npaths = [\"api\"]\npriority = 1",
            "api.toml:15:10: service.api.route.paths[0]: the path pattern `api` must start with `/`",
        ),
        (
            "load_balancer = \"web\"\nhosts = [\"a b\"]\npriority = 1",
            "api.toml:15:10: service.api.route.hosts[0]: invalid host pattern `a b`",
        ),
        (
            "load_balancer = \"web\"\npaths = [\"/a\"]\npriority = 0",
            "api.toml:16:12: service.api.route.priority: 0 is out of range: expected 1 to 50000",
        ),
        (
            "load_balancer = \"web\"\npaths = [\"/a\"]",
            "api.toml:13:1: service.api.route.priority: missing required field `priority`",
        ),
        (
            "load_balancer = \"nope\"\npaths = [\"/a\"]\npriority = 1",
            "api.toml:14:17: service.api.route.load_balancer: no load_balancer named `nope` is declared",
        ),
        (
            "load_balancer = \"web\"\npaths = [\"/a\", \"/b\", \"/c\", \"/d\", \"/e\", \"/f\"]\npriority = 1",
            "api.toml:15:9: service.api.route.paths: 6 paths and hosts: a listener rule takes at most 5",
        ),
    ];
    let mut wrong = Vec::new();
    for (route, expected) in cases {
        let files = service("", &format!("[service.api.route]\n{route}"));
        let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &files), ("web.toml", shared_lb())]);
        if !errors.iter().any(|e| e.starts_with(expected)) {
            wrong.push(format!("{route}: expected {expected:?} in {errors:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let both = service(
        "",
        "[service.api.load_balancer]\n\n[service.api.route]\nload_balancer = \"web\"\npaths = [\"/a\"]\npriority = 1",
    );
    let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &both), ("web.toml", shared_lb())]);
    assert!(
        errors.iter().any(|e| e.contains("service.api.route: a service has its own `load_balancer` or a `route`")),
        "{errors:?}"
    );
}

/// A service with its own load balancer and `https` lines in `[service.api.load_balancer.https]` (line 16 on).
fn with_https(https: &str) -> String {
    service("", &format!("[service.api.load_balancer]\n\n[service.api.load_balancer.https]\n{https}"))
}

#[test]
fn https_reads_a_certificate_by_domain_or_arn_with_defaults_aws_recommends() {
    use reconciler_spec::{Certificate, Https};
    let desired = load(&[("platform.toml", &platform()), ("api.toml", &with_https("domain = \"api.example.com\""))]);
    let https = desired.unwrap().services["api"].spec.load_balancer.clone().unwrap().https;
    assert_eq!(
        https,
        Some(Https {
            port: 443,
            certificate: Certificate::Domain("api.example.com".into()),
            ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06".into(),
            redirect_http: true,
        })
    );
    let arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e";
    let written = format!(
        "certificate = \"{arn}\"\nport = 8443\nssl_policy = \"ELBSecurityPolicy-2016-08\"\nredirect_http = false"
    );
    let desired = load(&[("platform.toml", &platform()), ("api.toml", &with_https(&written))]).unwrap();
    let https = desired.services["api"].spec.load_balancer.clone().unwrap().https.unwrap();
    assert_eq!(https.certificate, Certificate::Arn(arn.into()));
    assert_eq!(
        (https.port, https.ssl_policy.as_str(), https.redirect_http),
        (8443, "ELBSecurityPolicy-2016-08", false)
    );
    // On a shared load balancer too.
    let shared = format!("{}\n[load_balancer.web.https]\ndomain = \"*.example.com\"\n", shared_lb());
    let files = service("", "[service.api.route]\nload_balancer = \"web\"\npaths = [\"/api\"]\npriority = 1");
    let desired = load(&[("platform.toml", &platform()), ("api.toml", &files), ("web.toml", &shared)]).unwrap();
    let https = desired.load_balancers["web"].spec.https.clone().unwrap();
    assert_eq!(https.certificate, Certificate::Domain("*.example.com".into()));
}

#[test]
fn https_errors_name_the_file_line_and_field() {
    let arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    let cases = [
        (
            format!("certificate = \"{arn}\"\ndomain = \"a.example.com\""),
            "api.toml:17:10: service.api.load_balancer.https.domain: give `certificate` (an ARN) or `domain`, not both",
        ),
        ("port = 443".to_string(), "api.toml:15:1: service.api.load_balancer.https: missing the certificate"),
        (
            "certificate = \"arn:aws:iam::1:server-certificate/x\"".to_string(),
            "api.toml:16:15: service.api.load_balancer.https.certificate: `arn:aws:iam::1:server-certificate/x` is \
             not an ACM certificate ARN",
        ),
        (
            "domain = \"a.example.com\"\nssl_policy = \"TLS13\"".to_string(),
            "api.toml:17:14: service.api.load_balancer.https.ssl_policy: `TLS13` is not an ELB security policy",
        ),
        ("domain = \"a b\"".to_string(), "api.toml:16:10: service.api.load_balancer.https.domain: invalid domain name"),
        (
            "domain = \"a.example.com\"\nport = 0".to_string(),
            "api.toml:17:8: service.api.load_balancer.https.port: port 0 is out of range",
        ),
        (
            "domain = \"a.example.com\"\nport = 80".to_string(),
            "api.toml:17:8: service.api.load_balancer.https.port: port 80 is the HTTP listener's",
        ),
        (
            "domain = \"a.example.com\"\nredirect = true".to_string(),
            "api.toml:17:1: service.api.load_balancer.https.redirect: unknown field `redirect`",
        ),
    ];
    let mut wrong = Vec::new();
    for (https, expected) in cases {
        let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &with_https(&https))]);
        if !errors.iter().any(|e| e.starts_with(expected)) {
            wrong.push(format!("{https}: expected {expected:?} in {errors:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The api service with `extra` lines and a sidecar `otel` whose table (from line 16) holds `sidecar`.
fn with_sidecar(extra: &str, sidecar: &str) -> String {
    service(extra, &format!("[service.api.sidecars.otel]\nimage = \"otel/collector:0.100\"\n\n{sidecar}"))
}

#[test]
fn sidecars_read_with_their_own_settings_and_the_start_order() {
    use reconciler_spec::{SecretSource, StartCondition};
    let sidecar = "[service.api.sidecars.otel]\nimage = \"otel/collector:0.100\"\ncpu = 64\nmemory = 128\nport = 4317\n\
                   environment = { MODE = \"agent\" }\nsecrets = { API_KEY = { parameter = \"/otel/key\" } }\n\
                   essential = false\nhealth_check = { command = \"true\" }\n\n\
                   [service.api.sidecars.init]\nimage = \"busybox:1.36\"\ncommand = [\"sh\", \"-c\", \"echo ready\"]\nessential = false\n";
    let files = service("depends_on = { otel = \"HEALTHY\", init = \"SUCCESS\" }", sidecar);
    let desired = load(&[("platform.toml", &platform()), ("api.toml", &files)]).unwrap();
    let api = &desired.services["api"].spec;
    assert_eq!(
        api.depends_on.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
        [("init", StartCondition::Success), ("otel", StartCondition::Healthy)]
    );
    assert_eq!(api.sidecars.keys().collect::<Vec<_>>(), ["init", "otel"]);
    let otel = &api.sidecars["otel"];
    assert_eq!((otel.cpu, otel.memory, otel.port, otel.essential), (Some(64), Some(128), Some(4317), false));
    assert_eq!(otel.environment["MODE"], "agent");
    assert_eq!(otel.secrets["API_KEY"], SecretSource::Parameter("/otel/key".into()));
    assert!(otel.health_check.is_some() && otel.logs.is_none(), "logs where the service's go");
    let init = &api.sidecars["init"];
    assert_eq!(init.command.as_deref(), Some(&["sh".to_string(), "-c".into(), "echo ready".into()][..]));
    // The sidecar's secret is named in the plan's terms, and checked against the execution role.
    let labels: Vec<String> = api.secret_uses().iter().map(|u| u.label()).collect();
    assert_eq!(labels, ["otel/API_KEY"]);
}

#[test]
fn a_sidecars_secret_the_execution_role_cannot_read_is_a_warning_at_its_line() {
    let files = with_sidecar("", "secrets = { API_KEY = { secret = \"otel/key\" } }");
    let desired = load(&[("platform.toml", &platform()), ("api.toml", &files)]).unwrap();
    let warnings: Vec<String> = desired.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("api.toml:16:23: service.api.sidecars.otel.secrets.API_KEY: the execution role")),
        "{warnings:?}"
    );
}

#[test]
fn sidecar_errors_name_the_file_line_and_field() {
    let cases = [
        ("", "port = 80", "api.toml:16:8: service.api.sidecars.otel.port: port 80 is also the main container's"),
        (
            "",
            "cpu = 512",
            "api.toml:16:7: service.api.sidecars.otel.cpu: the sidecars' cpu adds up to 512 CPU units, more than the task's 256",
        ),
        (
            "",
            "memory = 1024",
            "api.toml:16:10: service.api.sidecars.otel.memory: the sidecars' memory adds up to 1024 MiB, more than the task's 512",
        ),
        ("", "memory = 4", "api.toml:16:10: service.api.sidecars.otel.memory: 4 is out of range: expected 6 to 122880"),
        (
            "",
            "depends_on = { nope = \"START\" }",
            "api.toml:16:16: service.api.sidecars.otel.depends_on.nope: `nope` is no container of this task; its containers are `api`, `otel`",
        ),
        (
            "",
            "depends_on = { otel = \"START\" }",
            "api.toml:16:16: service.api.sidecars.otel.depends_on.otel: a container cannot wait for itself",
        ),
        (
            "",
            "depends_on = { api = \"HEALTHY\" }",
            "api.toml:16:16: service.api.sidecars.otel.depends_on.api: `api` has no health check, so it never becomes HEALTHY",
        ),
        (
            "",
            "depends_on = { api = \"COMPLETE\" }",
            "api.toml:16:16: service.api.sidecars.otel.depends_on.api: `api` is essential: its exit stops the task, so nothing can wait for it to COMPLETE",
        ),
        (
            "",
            "depends_on = { api = \"READY\" }",
            "api.toml:16:22: service.api.sidecars.otel.depends_on.api: unknown condition `READY`, expected one of `START`, `COMPLETE`, `SUCCESS`, `HEALTHY`",
        ),
        (
            "depends_on = { otel = \"START\" }",
            "depends_on = { api = \"START\" }",
            "api.toml:5:1: service.api.depends_on: the start order loops: `api` waits for `otel`, then `otel` waits for `api`",
        ),
        ("", "ports = [80]", "api.toml:16:1: service.api.sidecars.otel.ports: unknown field `ports`"),
        ("", "essential = \"yes\"", "api.toml:16:13: service.api.sidecars.otel.essential: expected a boolean"),
    ];
    let mut wrong = Vec::new();
    for (extra, sidecar, expected) in cases {
        let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &with_sidecar(extra, sidecar))]);
        if !errors.iter().any(|e| e.starts_with(expected)) {
            wrong.push(format!("{sidecar}: expected {expected:?} in {errors:?}"));
        }
    }
    // Named as the main container, or not as ECS names containers.
    for (name, expected) in [
        ("api", "api.toml:13:23: service.api.sidecars.api: `api` is the main container's name"),
        ("\"a.b\"", "api.toml:13:23: service.api.sidecars.\"a.b\": invalid container name `a.b`"),
    ] {
        let files = service("", &format!("[service.api.sidecars.{name}]\nimage = \"x:1\""));
        let errors = load_errors(&[("platform.toml", &platform()), ("api.toml", &files)]);
        if !errors.iter().any(|e| e.starts_with(expected)) {
            wrong.push(format!("{name}: expected {expected:?} in {errors:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
