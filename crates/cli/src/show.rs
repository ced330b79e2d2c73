//! `reconciler show [SERVICE...]`: what a person reaches for about a service, as `copilot svc show` shows it:
//! where to reach it (load balancer URL, Cloud Map name), what it runs (image and revision of each container,
//! environment, the secrets by reference: never a value), its counts and rollout, and its tasks with their
//! zone, state and stop reason. Read only: observation, one DescribeLoadBalancers, and per service one
//! DescribeServices, ListTasks and DescribeTasks.

use std::collections::BTreeMap;

use reconciler_aws::Aws;
use reconciler_aws::show::TaskView;
use reconciler_plan::ownership::Owner;
use reconciler_plan::{Kind, NodeSpec, ObservedNode, Ref, TaskDefinitionSpec};
use reconciler_spec::{Desired, SecretSource, Service};
use serde_json::{Value, json};

use crate::args::{Output, ShowArgs};
use crate::exit;

pub async fn run(args: &ShowArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    let (desired, aws) = match crate::validate::desired_and_aws(&args.config_dir, client).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    if let Some(unknown) = args.services.iter().find(|s| !desired.services.contains_key(*s)) {
        let known: Vec<&String> = desired.services.keys().collect();
        eprintln!("error: no service `{unknown}` is declared; the declared ones: {known:?}");
        return exit::ERROR;
    }
    let shown = match views(&aws, &desired, args).await {
        Ok(shown) => shown,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&json!({ "services": shown })).expect("JSON")),
        Output::Text => print!("{}", shown.iter().map(text).collect::<Vec<_>>().join("\n")),
    }
    exit::OK
}

async fn views(aws: &Aws, desired: &Desired, args: &ShowArgs) -> Result<Vec<Value>, String> {
    let hints = reconciler_plan::ObservationHints::from_desired(desired);
    let observed = reconciler_aws::observe(aws, &args.owner_id, &hints).await.map_err(|e| e.to_string())?;
    let names: Vec<String> = desired
        .services
        .values()
        .filter_map(|s| load_balancer_name(desired, &s.spec))
        .chain(desired.load_balancers.values().map(|l| l.spec.name.clone()))
        .collect();
    let dns = reconciler_aws::show::load_balancer_dns(aws, &names).await.map_err(|e| e.to_string())?;
    let mut shown = Vec::new();
    for (name, declared) in &desired.services {
        if !args.services.is_empty() && !args.services.contains(name) {
            continue;
        }
        let service = &declared.spec;
        let cluster =
            desired.clusters.get(&service.cluster).map_or(service.cluster.clone(), |c| c.spec.cluster_name.clone());
        let live = ours(&observed.nodes, &args.owner_id, name);
        let tasks = match live {
            Some(_) => {
                reconciler_aws::show::tasks(aws, &cluster, &service.service_name).await.map_err(|e| e.to_string())?
            }
            None => Vec::new(),
        };
        let definition = live.and_then(|node| running_definition(&observed.nodes, node));
        shown.push(json!({
            "name": name,
            "service_name": service.service_name,
            "cluster": cluster,
            "exists": live.is_some(),
            "desired_count": live.and_then(|n| match &n.spec { NodeSpec::Service(s) => Some(s.desired_count), _ => None }),
            "urls": urls(desired, service, &dns),
            "cloud_map": service.discovery.as_ref().map(|d| {
                let namespace = desired.namespaces.get(&d.namespace).map_or(d.namespace.clone(), |n| n.spec.dns_name.clone());
                format!("{}.{namespace}", d.name)
            }),
            "containers": definition.map(containers).unwrap_or_default(),
            "revision": live.and_then(revision),
            "secrets": secrets(service),
            "tasks": tasks.iter().map(task_json).collect::<Vec<_>>(),
        }));
    }
    Ok(shown)
}

/// The live ECS service of declaration `name`, if it is ours.
fn ours<'a>(nodes: &'a [ObservedNode], owner_id: &str, name: &str) -> Option<&'a ObservedNode> {
    nodes.iter().find(|node| {
        matches!(&node.spec, NodeSpec::Service(_))
            && matches!(Owner::from_tags(owner_id, &node.tags), Owner::Us(a) if a.kind == Kind::Service && a.name == name)
    })
}

fn running_definition<'a>(nodes: &'a [ObservedNode], service: &ObservedNode) -> Option<&'a TaskDefinitionSpec> {
    let NodeSpec::Service(spec) = &service.spec else { return None };
    let Ref::Aws(arn) = &spec.task_definition else { return None };
    nodes.iter().find(|n| &n.id == arn).and_then(|n| match &n.spec {
        NodeSpec::TaskDefinition(definition) => Some(&**definition),
        _ => None,
    })
}

/// `family:N` of the revision the service runs.
fn revision(service: &ObservedNode) -> Option<String> {
    let NodeSpec::Service(spec) = &service.spec else { return None };
    let Ref::Aws(arn) = &spec.task_definition else { return None };
    Some(arn.rsplit('/').next().unwrap_or(arn).to_string())
}

fn load_balancer_name(desired: &Desired, service: &Service) -> Option<String> {
    match (&service.load_balancer, &service.route) {
        (Some(own), _) => Some(own.name.clone()),
        (None, Some(route)) => desired.load_balancers.get(&route.load_balancer).map(|l| l.spec.name.clone()),
        (None, None) => None,
    }
}

/// Where to reach the service through its load balancer: HTTPS first when it has it, with the route's paths
/// and hosts on a shared one.
fn urls(desired: &Desired, service: &Service, dns: &BTreeMap<String, String>) -> Vec<String> {
    let (https, http_port, paths) = match (&service.load_balancer, &service.route) {
        (Some(own), _) => (own.https.as_ref(), own.listener_port, vec![String::new()]),
        (None, Some(route)) => {
            let Some(shared) = desired.load_balancers.get(&route.load_balancer) else { return vec![] };
            let paths = if route.paths.is_empty() { vec![String::new()] } else { route.paths.clone() };
            (shared.spec.https.as_ref(), shared.spec.listener_port, paths)
        }
        (None, None) => return vec![],
    };
    let Some(host) = load_balancer_name(desired, service).and_then(|name| dns.get(&name).cloned()) else {
        return vec![];
    };
    let origin = match https {
        Some(https) if https.port == 443 => format!("https://{host}"),
        Some(https) => format!("https://{host}:{}", https.port),
        None if http_port == 80 => format!("http://{host}"),
        None => format!("http://{host}:{http_port}"),
    };
    paths.iter().map(|path| format!("{origin}{path}")).collect()
}

fn containers(definition: &TaskDefinitionSpec) -> Vec<Value> {
    let main = json!({
        "name": definition.container_name,
        "image": definition.image,
        "port": definition.port,
        "environment": definition.environment,
    });
    let sidecars = definition.sidecars.iter().map(|s| {
        json!({"name": s.name, "image": s.image, "port": s.port, "environment": s.environment, "essential": s.essential})
    });
    std::iter::once(main).chain(sidecars).collect()
}

/// The secrets the containers read, by where they come from. The values are never read.
fn secrets(service: &Service) -> Vec<Value> {
    service
        .secret_uses()
        .iter()
        .map(|used| {
            let from = match used.source {
                SecretSource::Parameter(name) => format!("SSM parameter {name}"),
                SecretSource::Secret { id, key: None } => format!("Secrets Manager secret {id}"),
                SecretSource::Secret { id, key: Some(key) } => format!("Secrets Manager secret {id}, key {key}"),
            };
            json!({"variable": used.label(), "from": from})
        })
        .collect()
}

fn task_json(task: &TaskView) -> Value {
    json!({
        "id": task.id,
        "availability_zone": task.availability_zone,
        "last_status": task.last_status,
        "health": task.health,
        "revision": task.revision,
        "stopped_reason": task.stopped_reason,
    })
}

/// One service as text, one fact a line.
fn text(service: &Value) -> String {
    let mut out = format!(
        "{}  (ECS service {} in {})\n",
        service["name"].as_str().unwrap_or_default(),
        service["service_name"].as_str().unwrap_or_default(),
        service["cluster"].as_str().unwrap_or_default()
    );
    if service["exists"] != true {
        out.push_str("  not created yet\n");
        return out;
    }
    let line = |out: &mut String, label: &str, value: String| out.push_str(&format!("  {label:<12} {value}\n"));
    for url in service["urls"].as_array().into_iter().flatten() {
        line(&mut out, "URL", url.as_str().unwrap_or_default().to_string());
    }
    if let Some(name) = service["cloud_map"].as_str() {
        line(&mut out, "Cloud Map", name.to_string());
    }
    line(&mut out, "Revision", service["revision"].as_str().unwrap_or("?").to_string());
    line(&mut out, "Desired", service["desired_count"].to_string());
    for container in service["containers"].as_array().into_iter().flatten() {
        let environment: Vec<String> = container["environment"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        let what = format!(
            "{} {}",
            container["name"].as_str().unwrap_or_default(),
            container["image"].as_str().unwrap_or_default()
        );
        line(&mut out, "Container", what);
        if !environment.is_empty() {
            line(&mut out, "  env", environment.join(" "));
        }
    }
    for secret in service["secrets"].as_array().into_iter().flatten() {
        let what = format!(
            "{} from {}",
            secret["variable"].as_str().unwrap_or_default(),
            secret["from"].as_str().unwrap_or_default()
        );
        line(&mut out, "Secret", what);
    }
    let tasks = service["tasks"].as_array().cloned().unwrap_or_default();
    if tasks.is_empty() {
        line(&mut out, "Tasks", "none".to_string());
    }
    for task in tasks {
        let mut what = format!(
            "{} {} {} {}",
            task["id"].as_str().unwrap_or_default(),
            task["last_status"].as_str().unwrap_or_default(),
            task["availability_zone"].as_str().unwrap_or("-"),
            task["revision"].as_str().unwrap_or_default()
        );
        if let Some(reason) = task["stopped_reason"].as_str() {
            what.push_str(&format!(" ({reason})"));
        }
        line(&mut out, "Task", what);
    }
    out
}
