//! `[service.NAME.autoscaling]`: the workshop's autoscaling parsed into the model, the defaults a policy takes
//! from its section, and every class of error, as `file:line:column: field: message`.

mod common;

use std::path::Path;

use common::{file_errors, load, parse_ok};
use reconciler_spec::{Autoscaling, ScalingMetric, ScheduledAction, TargetTracking};

/// The workshop's autoscaling exercises: the frontend on CPU at 50 % with 30 s cooldowns, crystal on CPU at 20 %.
const WORKSHOP: &str = r#"[service.ecsdemo-frontend]
cluster = "container-demo"
image = "brentley/ecsdemo-frontend:latest"
port = 3000
vpc = "main"
security_groups = ["services"]
execution_role = "ecs-task-execution"

[service.ecsdemo-frontend.load_balancer]

[service.ecsdemo-frontend.autoscaling]
min_capacity = 1
max_capacity = 10

[[service.ecsdemo-frontend.autoscaling.target_tracking]]
metric = "cpu"
target = 50
scale_in_cooldown = "30s"
scale_out_cooldown = "30s"

[service.ecsdemo-crystal]
cluster = "container-demo"
image = "brentley/ecsdemo-crystal:latest"
port = 3000
desired_count = 2
vpc = "main"
security_groups = ["services"]
execution_role = "ecs-task-execution"

[service.ecsdemo-crystal.autoscaling]
min_capacity = 1
max_capacity = 10
target_tracking = [{ metric = "cpu", target = 20 }]
"#;

fn platform() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/platform.toml")).unwrap()
}

#[test]
fn workshop_autoscaling_parses_into_exactly_the_expected_model() {
    let desired = load(&[("platform.toml", &platform()), ("services.toml", WORKSHOP)]).unwrap();
    let frontend = &desired.services["ecsdemo-frontend"].spec;
    assert_eq!(
        frontend.autoscaling,
        Some(Autoscaling {
            min_capacity: 1,
            max_capacity: 10,
            target_tracking: vec![TargetTracking {
                name: "ecsdemo-frontend-cpu".into(),
                metric: ScalingMetric::Cpu,
                target: 50.0,
                scale_in_cooldown_seconds: 30,
                scale_out_cooldown_seconds: 30,
                disable_scale_in: false,
            }],
            scheduled: vec![],
        })
    );
    // The desired count stays as written: it is the count at creation.
    assert_eq!(frontend.desired_count, 1);
    let crystal = &desired.services["ecsdemo-crystal"].spec;
    assert_eq!(crystal.desired_count, 2);
    assert_eq!(
        crystal.autoscaling,
        Some(Autoscaling {
            min_capacity: 1,
            max_capacity: 10,
            target_tracking: vec![TargetTracking {
                name: "ecsdemo-crystal-cpu".into(),
                metric: ScalingMetric::Cpu,
                target: 20.0,
                // AWS's defaults.
                scale_in_cooldown_seconds: 300,
                scale_out_cooldown_seconds: 300,
                disable_scale_in: false,
            }],
            scheduled: vec![],
        })
    );
    // A service without the section has none.
    let plain = WORKSHOP.replace("[service.ecsdemo-crystal.autoscaling]", "[service.ecsdemo-crystal.deployment]");
    let plain = plain
        .replace("min_capacity = 1\nmax_capacity = 10\ntarget_tracking = [{ metric = \"cpu\", target = 20 }]\n", "");
    let desired = load(&[("platform.toml", &platform()), ("services.toml", &plain)]).unwrap();
    assert_eq!(desired.services["ecsdemo-crystal"].spec.autoscaling, None);
}

/// A `[service.web]` that needs nothing else of its file, then `tail`.
fn service(tail: &str) -> String {
    "[service.web]\ncluster = \"c\"\nimage = \"app:1\"\nport = 3000\nvpc = \"v\"\nsecurity_groups = [\"g\"]\n\
     execution_role = \"r\"\n"
        .to_string()
        + tail
}

fn autoscaling(tail: &str) -> Autoscaling {
    let parsed = parse_ok(&service(tail));
    parsed.services[0].declared.spec.autoscaling.clone().expect("an autoscaling section")
}

#[test]
fn policies_take_the_section_defaults_unless_they_set_their_own() {
    let scaling = autoscaling(
        "[service.web.load_balancer]\n\
         [service.web.autoscaling]\nmin_capacity = 0\nmax_capacity = 10000\nscale_in_cooldown = \"5m\"\n\
         scale_out_cooldown = 45\ndisable_scale_in = true\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"cpu\"\ntarget = 50.5\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"memory\"\ntarget = 100\nname = \"web memory (80%)\"\n\
         scale_in_cooldown = 0\nscale_out_cooldown = \"1h\"\ndisable_scale_in = false\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"requests_per_target\"\ntarget = 1_000_000\n\
         scale_in_cooldown = \"86400s\"\n",
    );
    let policy = |name: &str, metric, target, scale_in, scale_out, disable_scale_in| TargetTracking {
        name: String::from(name),
        metric,
        target,
        scale_in_cooldown_seconds: scale_in,
        scale_out_cooldown_seconds: scale_out,
        disable_scale_in,
    };
    assert_eq!(
        scaling,
        Autoscaling {
            min_capacity: 0,
            max_capacity: 10000,
            target_tracking: vec![
                policy("web-cpu", ScalingMetric::Cpu, 50.5, 300, 45, true),
                policy("web memory (80%)", ScalingMetric::Memory, 100.0, 0, 3600, false),
                policy("web-requests_per_target", ScalingMetric::RequestsPerTarget, 1_000_000.0, 86400, 45, true),
            ],
            scheduled: vec![],
        }
    );
    assert_eq!(ScalingMetric::RequestsPerTarget.key(), "requests_per_target");
}

#[test]
fn a_fixed_range_and_scheduled_actions() {
    // No policy at all: a fixed range. The service name (not the declaration name) makes the default names.
    let scaling = autoscaling("[service.web.autoscaling]\nmin_capacity = 2\nmax_capacity = 2\n");
    assert_eq!(scaling, Autoscaling { min_capacity: 2, max_capacity: 2, target_tracking: vec![], scheduled: vec![] });
    let empty = "[service.web.autoscaling]\nmin_capacity = 2\nmax_capacity = 2\ntarget_tracking = []\nscheduled = []\n";
    assert_eq!(autoscaling(empty), scaling);
    let scaling = autoscaling(
        "service_name = \"web-app\"\n\
         [service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 4\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"cpu\"\ntarget = 60\n\
         [[service.web.autoscaling.scheduled]]\nname = \"night\"\nschedule = \"cron(0 20 * * ? *)\"\n\
         timezone = \"Europe/Paris\"\nmin_capacity = 0\nmax_capacity = 2\n\
         [[service.web.autoscaling.scheduled]]\nname = \"morning\"\nschedule = \"cron(0 7 ? * MON-FRI *)\"\n\
         timezone = \"America/Argentina/Buenos_Aires\"\nmin_capacity = 1\n\
         [[service.web.autoscaling.scheduled]]\nname = \"every 6 hours\"\nschedule = \"rate(6 hours)\"\nmax_capacity = 8\n\
         [[service.web.autoscaling.scheduled]]\nname = \"launch\"\nschedule = \"at(2028-02-29T09:00:00)\"\n\
         timezone = \"UTC\"\nmin_capacity = 10\nmax_capacity = 10\n",
    );
    assert_eq!(scaling.target_tracking.len(), 1);
    assert_eq!(scaling.target_tracking[0].name, "web-app-cpu");
    let action = |name: &str, schedule: &str, timezone: Option<&str>, min, max| ScheduledAction {
        name: name.into(),
        schedule: schedule.into(),
        timezone: timezone.map(Into::into),
        min_capacity: min,
        max_capacity: max,
    };
    assert_eq!(
        scaling.scheduled,
        [
            action("night", "cron(0 20 * * ? *)", Some("Europe/Paris"), Some(0), Some(2)),
            action("morning", "cron(0 7 ? * MON-FRI *)", Some("America/Argentina/Buenos_Aires"), Some(1), None),
            action("every 6 hours", "rate(6 hours)", None, None, Some(8)),
            action("launch", "at(2028-02-29T09:00:00)", Some("UTC"), Some(10), Some(10)),
        ]
    );
}

// Errors. `service("")` is 7 lines: the section starts on line 8.

#[test]
fn section_values() {
    let text = service(
        "[service.web.autoscaling]\nmin_capacity = -1\nmax_capacity = 0\nscale_in_cooldown = \"30 s\"\n\
         scale_out_cooldown = 86401\ndisable_scale_in = \"no\"\nscheduled = { name = \"x\" }\n",
    );
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:9:16: service.web.autoscaling.min_capacity: -1 is out of range: expected 0 to 10000",
            "a.toml:10:16: service.web.autoscaling.max_capacity: 0 is out of range: expected 1 to 10000",
            "a.toml:11:21: service.web.autoscaling.scale_in_cooldown: `30 s` is not a duration: expected an integer \
             of seconds (30) or a string of an integer and a unit: \"30s\", \"5m\" or \"1h\"",
            "a.toml:12:22: service.web.autoscaling.scale_out_cooldown: 86401 is out of range: expected 0 to 86400 \
             seconds (24h)",
            "a.toml:13:20: service.web.autoscaling.disable_scale_in: expected a boolean (true or false), found a \
             string",
            "a.toml:14:13: service.web.autoscaling.scheduled: expected an array of scheduled actions \
             ([[service.web.autoscaling.scheduled]] tables), found a table",
        ]
    );
}

#[test]
fn required_fields_and_min_above_max() {
    assert_eq!(
        file_errors(&service("[service.web.autoscaling]\nscale_in_cooldown = \"1m\"\n")),
        [
            "a.toml:8:1: service.web.autoscaling.max_capacity: missing required field `max_capacity`",
            "a.toml:8:1: service.web.autoscaling.min_capacity: missing required field `min_capacity`",
        ]
    );
    assert_eq!(
        file_errors(&service("autoscaling = { min_capacity = 5, max_capacity = 2, cooldown = 1 }\n")),
        [
            "a.toml:8:50: service.web.autoscaling.max_capacity: max_capacity = 2 is less than min_capacity = 5",
            "a.toml:8:53: service.web.autoscaling.cooldown: unknown field `cooldown`, expected one of \
             `min_capacity`, `max_capacity`, `scale_in_cooldown`, `scale_out_cooldown`, `disable_scale_in`, \
             `target_tracking`, `scheduled`",
        ]
    );
}

#[test]
fn cooldowns() {
    let errors = |value: &str| {
        file_errors(&service(&format!(
            "[service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\nscale_in_cooldown = {value}\n"
        )))
    };
    let forms = "an integer of seconds (30) or a string of an integer and a unit: \"30s\", \"5m\" or \"1h\"";
    assert_eq!(
        errors("1.5"),
        [format!(
            "a.toml:11:21: service.web.autoscaling.scale_in_cooldown: expected a duration: {forms}, found a float"
        )]
    );
    for bad in ["\"\"", "\"30\"", "\"s\"", "\"1d\"", "\"-1s\"", "\"1.5m\"", "\"5M\""] {
        let shown = bad.trim_matches('"');
        assert_eq!(
            errors(bad),
            [format!(
                "a.toml:11:21: service.web.autoscaling.scale_in_cooldown: `{shown}` is not a duration: expected {forms}"
            )],
            "{bad}"
        );
    }
    assert_eq!(
        errors("\"25h\""),
        [
            "a.toml:11:21: service.web.autoscaling.scale_in_cooldown: `25h` is out of range: expected 0 to 86400 seconds \
          (24h)"
        ]
    );
    assert_eq!(
        errors("-1"),
        ["a.toml:11:21: service.web.autoscaling.scale_in_cooldown: -1 is out of range: expected 0 to 86400 seconds \
          (24h)"]
    );
    assert_eq!(
        errors("\"99999999999999999999999h\""),
        ["a.toml:11:21: service.web.autoscaling.scale_in_cooldown: `99999999999999999999999h` is out of range: \
          expected 0 to 86400 seconds (24h)"]
    );
    for good in ["0", "86400", "\"0s\"", "\"1440m\"", "\"24h\""] {
        let text = service(&format!(
            "[service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\nscale_in_cooldown = {good}\n"
        ));
        parse_ok(&text);
    }
}

#[test]
fn policy_values() {
    let text = service(
        "[service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"CPU\"\ntarget = 50\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"cpu\"\ntarget = 0\nname = \"a:b\"\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"memory\"\ntarget = 100.5\nscale_out_cooldown = \"2d\"\n\
         [[service.web.autoscaling.target_tracking]]\ntarget = \"50\"\ndisable_scale_in = 1\nstep = 1\n",
    );
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:12:10: service.web.autoscaling.target_tracking[0].metric: unknown value `CPU`, expected one of \
             `cpu`, `memory`, `requests_per_target`",
            "a.toml:16:10: service.web.autoscaling.target_tracking[1].target: target 0 is out of range for `cpu`: \
             expected more than 0 and at most 100 (percent)",
            "a.toml:17:8: service.web.autoscaling.target_tracking[1].name: invalid policy name `a:b`: expected 1 to \
             255 printable ASCII characters, not starting with a space, without `:`, `/` or `|`",
            "a.toml:20:10: service.web.autoscaling.target_tracking[2].target: target 100.5 is out of range for \
             `memory`: expected more than 0 and at most 100 (percent)",
            "a.toml:21:22: service.web.autoscaling.target_tracking[2].scale_out_cooldown: `2d` is not a duration: \
             expected an integer of seconds (30) or a string of an integer and a unit: \"30s\", \"5m\" or \"1h\"",
            "a.toml:22:1: service.web.autoscaling.target_tracking[3].metric: missing required field `metric`",
            "a.toml:23:10: service.web.autoscaling.target_tracking[3].target: expected a number (an integer or a \
             float), found a string",
            "a.toml:24:20: service.web.autoscaling.target_tracking[3].disable_scale_in: expected a boolean (true or \
             false), found an integer",
            "a.toml:25:1: service.web.autoscaling.target_tracking[3].step: unknown field `step`, expected one of \
             `metric`, `target`, `name`, `scale_in_cooldown`, `scale_out_cooldown`, `disable_scale_in`",
        ]
    );
}

#[test]
fn targets_per_metric() {
    let errors = |metric: &str, target: &str| {
        let text = service(&format!(
            "[service.web.load_balancer]\n[service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\n\
             target_tracking = [{{ metric = \"{metric}\", target = {target} }}]\n"
        ));
        match reconciler_spec::parse_file(Path::new("a.toml"), &text) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.message.clone()).collect(),
        }
    };
    for (metric, target) in [("cpu", "0.01"), ("cpu", "100"), ("memory", "1"), ("requests_per_target", "1000000")] {
        assert_eq!(errors(metric, target), Vec::<String>::new(), "{metric} {target}");
    }
    let percent = |metric: &str, target: &str| {
        format!("target {target} is out of range for `{metric}`: expected more than 0 and at most 100 (percent)")
    };
    assert_eq!(errors("cpu", "-5"), [percent("cpu", "-5")]);
    assert_eq!(errors("memory", "101"), [percent("memory", "101")]);
    assert_eq!(errors("cpu", "nan"), [percent("cpu", "NaN")]);
    assert_eq!(errors("cpu", "inf"), [percent("cpu", "inf")]);
    assert_eq!(
        errors("requests_per_target", "1000000.5"),
        ["target 1000000.5 is out of range for `requests_per_target`: expected more than 0 and at most 1000000 \
          (requests per target)"]
    );
    assert_eq!(
        errors("requests_per_target", "0"),
        ["target 0 is out of range for `requests_per_target`: expected more than 0 and at most 1000000 (requests \
          per target)"]
    );
}

#[test]
fn requests_per_target_needs_a_load_balancer() {
    let text = service(
        "[service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"requests_per_target\"\ntarget = 1000\n",
    );
    assert_eq!(
        file_errors(&text),
        ["a.toml:12:10: service.web.autoscaling.target_tracking[0].metric: requests_per_target needs a load \
          balancer: it counts the requests of the service's target group; add a `load_balancer` to the service, or \
          scale on `cpu` or `memory`"]
    );
}

#[test]
fn one_policy_per_metric_and_per_name() {
    let text = service(
        "[service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"cpu\"\ntarget = 50\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"cpu\"\ntarget = 70\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"memory\"\ntarget = 70\nname = \"web-cpu\"\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"memory\"\ntarget = 80\nname = \"mem\"\n\
         [service.api]\ncluster = \"c\"\nimage = \"app:1\"\nport = 3000\nvpc = \"v\"\nsecurity_groups = [\"g\"]\n\
         execution_role = \"r\"\n\
         [service.api.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\n\
         [[service.api.autoscaling.target_tracking]]\nmetric = \"cpu\"\ntarget = 50\nname = \"api-memory\"\n\
         [[service.api.autoscaling.target_tracking]]\nmetric = \"memory\"\ntarget = 50\n",
    );
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:15:10: service.web.autoscaling.target_tracking[1].metric: metric `cpu` already has a policy, \
             target_tracking[0]: one target-tracking policy per metric",
            "a.toml:20:8: service.web.autoscaling.target_tracking[2].name: policy name `web-cpu` is already used by \
             target_tracking[0]",
            "a.toml:22:10: service.web.autoscaling.target_tracking[3].metric: metric `memory` already has a policy, \
             target_tracking[2]: one target-tracking policy per metric",
            // A default name that collides with a written one is reported at the policy.
            "a.toml:39:1: service.api.autoscaling.target_tracking[1].name: policy name `api-memory` (the default: \
             the service name and the metric) is already used by target_tracking[0]; set `name`",
        ]
    );
}

#[test]
fn a_default_policy_name_too_long_points_at_the_policy() {
    let name = "w".repeat(250);
    let text = format!(
        "[service.web]\nservice_name = \"{name}\"\ncluster = \"c\"\nimage = \"app:1\"\nport = 3000\nvpc = \"v\"\n\
         security_groups = [\"g\"]\nexecution_role = \"r\"\n\
         [service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\n\
         [[service.web.autoscaling.target_tracking]]\nmetric = \"memory\"\ntarget = 50\n"
    );
    // A long value is cut in the message, so that one error stays one readable line.
    let shown = format!("{}…", &name[..63]);
    assert_eq!(
        file_errors(&text),
        [format!(
            "a.toml:12:1: service.web.autoscaling.target_tracking[0].name: invalid policy name `{shown}`: \
             expected 1 to 255 printable ASCII characters, not starting with a space, without `:`, `/` or `|` (the \
             service name and the metric make the default `name`; set `name`)"
        )]
    );
}

#[test]
fn scheduled_action_values() {
    let text = service(
        "[service.web.autoscaling]\nmin_capacity = 1\nmax_capacity = 2\n\
         [[service.web.autoscaling.scheduled]]\nname = \"night\"\nschedule = \"cron(0 20 * * *)\"\nmin_capacity = 0\n\
         [[service.web.autoscaling.scheduled]]\nname = \"night\"\nschedule = \"rate(0 hours)\"\n\
         timezone = \"Europe/Paris\"\nmin_capacity = 3\nmax_capacity = 2\n\
         [[service.web.autoscaling.scheduled]]\nname = \"\"\nschedule = \"at(2025-02-29T10:00:00)\"\n\
         timezone = \"Europa/Paris\"\n\
         [[service.web.autoscaling.scheduled]]\nschedule = \"every day\"\nmax_capacity = 10001\n\
         [[service.web.autoscaling.scheduled]]\nname = \"tz\"\nschedule = \"rate(1 day)\"\ntimezone = \"UTC\"\n\
         max_capacity = 1\n\
         [[service.web.autoscaling.scheduled]]\nname = \"both\"\nschedule = \"cron(0 20 * * MON *)\"\nmin_capacity = 1\n",
    );
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:13:12: service.web.autoscaling.scheduled[0].schedule: `cron(0 20 * * *)` is not a cron \
             schedule: expected `cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)`, six fields separated by \
             single spaces, e.g. `cron(0 20 * * ? *)`",
            "a.toml:16:8: service.web.autoscaling.scheduled[1].name: scheduled action name `night` is already used \
             by scheduled[0]",
            "a.toml:17:12: service.web.autoscaling.scheduled[1].schedule: `rate(0 hours)` is not a rate schedule: \
             expected `rate(N UNIT)`, N a positive integer and UNIT one of `minute`, `minutes`, `hour`, `hours`, \
             `day`, `days`, e.g. `rate(6 hours)`",
            "a.toml:20:16: service.web.autoscaling.scheduled[1].max_capacity: max_capacity = 2 is less than \
             min_capacity = 3",
            "a.toml:21:1: service.web.autoscaling.scheduled[2]: a scheduled action sets `min_capacity`, \
             `max_capacity` or both, and this one sets neither",
            "a.toml:22:8: service.web.autoscaling.scheduled[2].name: invalid scheduled action name ``: expected 1 \
             to 255 printable ASCII characters, not starting with a space, without `:`, `/` or `|`",
            "a.toml:23:12: service.web.autoscaling.scheduled[2].schedule: `at(2025-02-29T10:00:00)` is not a \
             one-time schedule: expected `at(yyyy-mm-ddThh:mm:ss)` with a real date and time, e.g. \
             `at(2025-12-31T23:00:00)`",
            "a.toml:24:12: service.web.autoscaling.scheduled[2].timezone: `Europa/Paris` is not an IANA time zone \
             name: expected `UTC` or AREA/LOCATION like `Europe/Paris`, AREA one of Africa, America, Antarctica, \
             Arctic, Asia, Atlantic, Australia, Europe, Indian, Pacific, Etc",
            "a.toml:25:1: service.web.autoscaling.scheduled[3].name: missing required field `name`",
            "a.toml:26:12: service.web.autoscaling.scheduled[3].schedule: `every day` is not a schedule: expected \
             `cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)`, `rate(N minutes|hours|days)` or \
             `at(yyyy-mm-ddThh:mm:ss)`",
            "a.toml:27:16: service.web.autoscaling.scheduled[3].max_capacity: 10001 is out of range: expected 0 to \
             10000",
            "a.toml:31:12: service.web.autoscaling.scheduled[4].timezone: a rate schedule runs at intervals, not at \
             a time of day: `timezone` only applies to cron and at schedules; leave it out",
            "a.toml:35:12: service.web.autoscaling.scheduled[5].schedule: `cron(0 20 * * MON *)`: exactly one of \
             day-of-month (the 3rd field) and day-of-week (the 5th) must be `?`, e.g. `cron(0 20 * * ? *)`",
        ]
    );
}

#[test]
fn every_autoscaling_error_of_a_file_comes_at_once() {
    // Problems in the section, a policy, a scheduled action, the rest of the service and another declaration.
    let text = "[cluster.c]\ncontainer_insights = 1\n".to_string()
        + &service(
            "desired_count = -1\n\
             [service.web.autoscaling]\nmin_capacity = 3\nmax_capacity = 2\nscale_out_cooldown = \"1w\"\n\
             [[service.web.autoscaling.target_tracking]]\nmetric = \"requests_per_target\"\ntarget = 0\n\
             [[service.web.autoscaling.scheduled]]\nname = \"n\"\nschedule = \"cron(0 20 * * ? *)\"\n",
        );
    assert_eq!(
        file_errors(&text),
        [
            "a.toml:2:22: cluster.c.container_insights: expected a boolean (true or false), found an integer",
            "a.toml:10:17: service.web.desired_count: -1 is out of range: expected 0 to 1000",
            "a.toml:13:16: service.web.autoscaling.max_capacity: max_capacity = 2 is less than min_capacity = 3",
            "a.toml:14:22: service.web.autoscaling.scale_out_cooldown: `1w` is not a duration: expected an integer \
             of seconds (30) or a string of an integer and a unit: \"30s\", \"5m\" or \"1h\"",
            "a.toml:16:10: service.web.autoscaling.target_tracking[0].metric: requests_per_target needs a load \
             balancer: it counts the requests of the service's target group; add a `load_balancer` to the service, \
             or scale on `cpu` or `memory`",
            "a.toml:17:10: service.web.autoscaling.target_tracking[0].target: target 0 is out of range for \
             `requests_per_target`: expected more than 0 and at most 1000000 (requests per target)",
            "a.toml:18:1: service.web.autoscaling.scheduled[0]: a scheduled action sets `min_capacity`, \
             `max_capacity` or both, and this one sets neither",
        ]
    );
}

#[test]
fn the_documented_example_parses() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema.md")).unwrap();
    let start = doc.find("```toml\n[service.ecsdemo-frontend.autoscaling]\n").expect("the example") + "```toml\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let text = service("[service.web.load_balancer]\n") + &example.replace("ecsdemo-frontend", "web");
    let scaling = parse_ok(&text).services[0].declared.spec.autoscaling.clone().unwrap();
    assert_eq!((scaling.min_capacity, scaling.max_capacity), (1, 10));
    assert_eq!(scaling.target_tracking[0].name, "web-cpu");
    assert_eq!(scaling.target_tracking[0].scale_in_cooldown_seconds, 30);
    assert_eq!(scaling.scheduled[0].timezone.as_deref(), Some("Europe/Paris"));
}
