//! A production-shaped service end to end (examples/production): the real binary against a moto server. Its
//! task role, container health check, health check grace period and ECS Exec are made as declared, a second
//! pass changes nothing, and each one changed by hand in AWS is put back.

use reconciler_tests::plans::{
    action, apply_as_planned, assert_nothing_to_do, assert_quiet_pass, converge, edit, pending_dry_run, planned,
};
use reconciler_tests::{DesiredDir, Emulator};

const CLUSTER: &str = "container-demo";
const SERVICE: &str = "ecsdemo-api";

async fn running_definition(emulator: &Emulator) -> aws_sdk_ecs::types::TaskDefinition {
    let service = emulator.ecs_service(CLUSTER, SERVICE).await.expect("the service exists");
    let ecs = emulator.ecs().await;
    let out = ecs.describe_task_definition().task_definition(service.task_definition().unwrap()).send().await.unwrap();
    out.task_definition().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_service_runs_with_its_task_role_health_check_grace_period_and_exec() {
    let emulator = Emulator::start();
    let desired = DesiredDir::example("production");
    converge(&emulator, &desired);
    assert_quiet_pass(&emulator, &desired);

    let role = emulator.iam().await.get_role().role_name("ecsdemo-api-task").send().await.unwrap();
    let definition = running_definition(&emulator).await;
    assert_eq!(definition.task_role_arn(), Some(role.role().unwrap().arn()), "the containers assume the task role");
    assert_ne!(definition.task_role_arn(), definition.execution_role_arn(), "two roles, not one");
    let check = definition.container_definitions()[0].health_check().expect("a container health check");
    assert_eq!(check.command(), ["CMD-SHELL", "curl -fsS http://localhost/ || exit 1"]);
    assert_eq!(
        (check.interval(), check.timeout(), check.retries(), check.start_period()),
        (Some(15), Some(5), Some(3), Some(30))
    );
    let service = emulator.ecs_service(CLUSTER, SERVICE).await.unwrap();
    assert_eq!(service.health_check_grace_period_seconds(), Some(60));
    assert!(service.enable_execute_command());
}

#[tokio::test(flavor = "multi_thread")]
async fn grace_period_and_exec_changed_by_hand_are_put_back_in_place() {
    let emulator = Emulator::start();
    let desired = DesiredDir::example("production");
    converge(&emulator, &desired);
    let before = running_definition(&emulator).await.task_definition_arn().unwrap().to_string();

    let ecs = emulator.ecs().await;
    ecs.update_service()
        .cluster(CLUSTER)
        .service(SERVICE)
        .health_check_grace_period_seconds(0)
        .enable_execute_command(false)
        .send()
        .await
        .unwrap();
    let dry = pending_dry_run(&emulator, &desired);
    let plan = planned(&dry);
    assert_eq!(plan.len(), 1, "only the service: {plan:#?}");
    let update = action(&plan, &format!("service.{SERVICE}"));
    assert_eq!(update.action, "update");
    assert_eq!(update.reason_code, "drift");
    assert_eq!(update.fields, ["health_check_grace_period_seconds", "enable_execute_command"]);
    assert_eq!(update.before_after("health_check_grace_period_seconds"), (&0.into(), &60.into()));
    assert_eq!(update.before_after("enable_execute_command"), (&false.into(), &true.into()));

    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    let service = emulator.ecs_service(CLUSTER, SERVICE).await.unwrap();
    assert_eq!((service.health_check_grace_period_seconds(), service.enable_execute_command()), (Some(60), true));
    let after = running_definition(&emulator).await.task_definition_arn().unwrap().to_string();
    assert_eq!(after, before, "settings of the service, not of its task definition: no new revision");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_health_check_or_task_role_registers_one_new_revision() {
    let emulator = Emulator::start();
    let desired = DesiredDir::example("production");
    converge(&emulator, &desired);
    let first = running_definition(&emulator).await;

    edit(&desired, "api.toml", "retries = 3", "retries = 5");
    let plan = planned(&pending_dry_run(&emulator, &desired));
    let replace = action(&plan, &format!("task_definition.{SERVICE}"));
    assert_eq!((replace.action.as_str(), replace.reason_code.as_str()), ("replace", "new_revision"));
    assert_eq!(replace.fields, ["health_check"]);
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    let second = running_definition(&emulator).await;
    assert_eq!(second.revision(), first.revision() + 1);
    assert_eq!(second.container_definitions()[0].health_check().unwrap().retries(), Some(5));

    // Without a task role the containers get none: the field goes, in a new revision.
    edit(&desired, "api.toml", "task_role = \"api-task\"\n", "");
    edit(&desired, "api.toml", "enable_execute_command = true", "enable_execute_command = false");
    let plan = planned(&pending_dry_run(&emulator, &desired));
    assert_eq!(action(&plan, &format!("task_definition.{SERVICE}")).fields, ["task_role"]);
    apply_as_planned(&emulator, &desired, &plan);
    assert_nothing_to_do(&emulator, &desired);
    assert_eq!(running_definition(&emulator).await.task_role_arn(), None);
}
