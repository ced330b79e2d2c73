//! Checking recorded AWS calls against an IAM policy document, as IAM would decide them, for the test that
//! the generated policy is enough (every call the reconciler made is allowed) and not too much (calls on
//! what the files do not declare are refused).
//!
//! The emulator does not evaluate IAM, so this does, for what the generated policies use: `Allow`
//! statements, `*` in resources, and the condition keys the generator writes. For each call it derives the
//! resources IAM would authorize (the ARNs the request names, the new resource of a create) and the request's
//! context (its tags, the managed policy it attaches). Where a condition is on the resource's own tags
//! (`aws:ResourceTag/...`), the resource is taken to carry ours: every resource the recorded runs touch was
//! made by them, and the planner's ownership check (tested elsewhere) is what keeps it so.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::fault_proxy::RecordedCall;

/// One call, as IAM sees it.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// `service:Operation`.
    pub action: String,
    /// The resources IAM checks (ARNs; the region and account as the emulator has them).
    pub resources: Vec<String>,
    /// `aws:RequestTag/KEY` values the request carries.
    pub request_tags: BTreeMap<String, String>,
    /// Other request context keys (`iam:PolicyARN`).
    pub context: BTreeMap<String, String>,
    /// A create whose new resource is named by the request (a role, a log group, a cluster, an ECS service):
    /// its resources are all the one being made.
    pub creates_named: bool,
}

/// Why a call is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub action: String,
    pub resource: String,
}

impl Authorization {
    /// What IAM would authorize for a recorded request.
    pub fn of(call: &RecordedCall) -> Authorization {
        let params = Params::of(call);
        let prefix = iam_prefix(&call.service);
        let action = format!("{prefix}:{}", call.operation);
        let resources = resources(prefix, &call.operation, &params);
        let mut context = BTreeMap::new();
        if let Some(policy) = params.get("PolicyArn") {
            context.insert("iam:PolicyARN".to_string(), policy);
        }
        let creates_named = matches!(
            action.as_str(),
            "iam:CreateRole"
                | "iam:CreateInstanceProfile"
                | "logs:CreateLogGroup"
                | "ecs:CreateCluster"
                | "ecs:CreateService"
        );
        Authorization { action, resources, request_tags: params.tags(), context, creates_named }
    }

    /// Whether `policy` allows every resource of the call; the first refused resource otherwise. A call
    /// whose resources the request does not name (an EC2 association id, the reads) is checked on the
    /// action and conditions alone.
    pub fn check(&self, policy: &Value) -> Result<(), Refused> {
        let statements = policy["Statement"].as_array().expect("Statement list");
        if self.resources.is_empty() {
            let allowed = statements.iter().any(|s| {
                s["Effect"] == "Allow"
                    && strings(&s["Action"]).iter().any(|a| glob(a, &self.action))
                    && self.meets(&s["Condition"])
            });
            return if allowed { Ok(()) } else { Err(Refused { action: self.action.clone(), resource: "?".into() }) };
        }
        for resource in &self.resources {
            let allowed = statements.iter().any(|s| self.allowed_by(s, resource));
            if !allowed {
                return Err(Refused { action: self.action.clone(), resource: resource.clone() });
            }
        }
        Ok(())
    }

    fn allowed_by(&self, statement: &Value, resource: &str) -> bool {
        statement["Effect"] == "Allow"
            && strings(&statement["Action"]).iter().any(|a| glob(a, &self.action))
            && strings(&statement["Resource"]).iter().any(|r| glob(r, resource))
            && self.meets_for(&statement["Condition"], resource)
    }

    /// A resource the call creates has no tags yet: a condition on its tags cannot hold.
    fn meets_for(&self, condition: &Value, resource: &str) -> bool {
        let created = self.creates_named || resource.ends_with(CREATED);
        let on_resource_tags = condition.as_object().is_some_and(|o| {
            o.values().any(|keys| keys.as_object().is_some_and(|k| k.keys().any(|k| k.starts_with("aws:ResourceTag/"))))
        });
        !(created && on_resource_tags) && self.meets(condition)
    }

    /// Every operator's every key must hold (IAM: AND across keys, OR across a key's values).
    fn meets(&self, condition: &Value) -> bool {
        let Some(operators) = condition.as_object() else { return true };
        operators.iter().all(|(operator, keys)| {
            keys.as_object().expect("condition keys").iter().all(|(key, values)| {
                let values = strings(values);
                match (operator.as_str(), self.value_of(key)) {
                    (_, Context::AssumedOurs) => true,
                    ("StringEquals" | "ArnEquals", Context::Value(Some(v))) => values.contains(&v),
                    (_, Context::Value(None)) => false,
                    (other, _) => panic!("condition operator {other} is not evaluated here"),
                }
            })
        })
    }

    fn value_of(&self, key: &str) -> Context {
        if key.starts_with("aws:ResourceTag/") {
            return Context::AssumedOurs;
        }
        if let Some(tag) = key.strip_prefix("aws:RequestTag/") {
            return Context::Value(self.request_tags.get(tag).cloned());
        }
        // Keys of calls the reconciler does not make itself (tagging inside a create, passing a role, a
        // service-linked role): no recorded call carries them.
        Context::Value(self.context.get(key).cloned())
    }
}

enum Context {
    AssumedOurs,
    Value(Option<String>),
}

/// A policy element that is a string or a list of strings.
pub fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// IAM's wildcard match: `*` any run of characters (`/` included), `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The IAM prefix of a SigV4 signing name.
fn iam_prefix(service: &str) -> &str {
    match service {
        "monitoring" => "cloudwatch",
        other => other,
    }
}

/// A request's parameters, from either wire format, flattened to `Name` / `Name.member.1` style keys for the
/// query protocols and top-level keys for JSON.
struct Params {
    form: BTreeMap<String, String>,
    json: Value,
}

impl Params {
    fn of(call: &RecordedCall) -> Params {
        if call.json {
            Params { form: BTreeMap::new(), json: serde_json::from_str(&call.body).unwrap_or(Value::Null) }
        } else {
            let form = call
                .body
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect();
            Params { form, json: Value::Null }
        }
    }

    /// A parameter by name (the query name, or the JSON key with a lower-case first letter).
    fn get(&self, name: &str) -> Option<String> {
        if let Some(v) = self.form.get(name) {
            return Some(v.clone());
        }
        let camel = name[..1].to_lowercase() + &name[1..];
        [name, camel.as_str()].iter().find_map(|k| self.json.get(*k).and_then(Value::as_str).map(str::to_string))
    }

    /// Every query value whose key is `name` or `name.N`/`name.member.N` (EC2's `InstanceId.1`, ELB's
    /// `ResourceArns.member.1`).
    fn all(&self, name: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .form
            .iter()
            .filter(|(k, _)| *k == name || k.strip_prefix(name).is_some_and(|rest| rest.starts_with('.')))
            .filter(|(k, _)| !k.ends_with(".Key") && !k.ends_with(".Value"))
            .map(|(_, v)| v.clone())
            .collect();
        let camel = name[..1].to_lowercase() + &name[1..];
        for key in [name, camel.as_str()] {
            match self.json.get(key) {
                Some(Value::String(s)) => found.push(s.clone()),
                Some(Value::Array(items)) => found.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string))),
                _ => {}
            }
        }
        found
    }

    /// The tags the request carries: query `...Tag.N.Key`/`...Tags.member.N.Key` with their `Value`, or JSON
    /// `tags`/`Tags` lists of `{key, value}` (any casing).
    fn tags(&self) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::new();
        for (key, value) in &self.form {
            if let Some(prefix) = key.strip_suffix(".Key")
                && let Some(v) = self.form.get(&format!("{prefix}.Value"))
            {
                tags.insert(value.clone(), v.clone());
            }
        }
        for list in ["tags", "Tags"] {
            if let Some(Value::Array(items)) = self.json.get(list) {
                for item in items {
                    let field = |names: [&str; 2]| names.iter().find_map(|n| item.get(*n).and_then(Value::as_str));
                    if let (Some(k), Some(v)) = (field(["key", "Key"]), field(["value", "Value"])) {
                        tags.insert(k.to_string(), v.to_string());
                    }
                }
            }
            // CloudWatch Logs: `tags` is a map.
            if let Some(Value::Object(map)) = self.json.get(list) {
                tags.extend(map.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))));
            }
        }
        tags
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// ARNs in the form the emulator's account and region give them.
fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{}:{ACCOUNT}:{resource}", crate::REGION)
}

/// The last segment of the ARN this module gives the resource a create makes (its id is not known yet).
const CREATED: &str = "/new";

/// The emulator's account.
const ACCOUNT: &str = "123456789012";

/// The resources IAM authorizes for one call: the ones the request names, and a create's new one; none for
/// a call that names none (the reads, the actions without resource-level permissions, EC2 calls by
/// association id).
fn resources(prefix: &str, operation: &str, params: &Params) -> Vec<String> {
    match prefix {
        "ec2" => ec2_resources(operation, params),
        "iam" => iam_resources(params),
        "logs" => logs_resources(params),
        "ecs" => ecs_resources(operation, params),
        "elasticloadbalancing" => elb_resources(operation, params),
        "servicediscovery" => cloud_map_resources(operation, params),
        "dynamodb" => params.all("TableName").iter().map(|t| arn("dynamodb", &format!("table/{t}"))).collect(),
        _ => Vec::new(),
    }
}

/// EC2 resources by the id parameters a request carries; a create's new resource by its type.
fn ec2_resources(operation: &str, params: &Params) -> Vec<String> {
    let ec2 = |kind: &str, id: &str| arn("ec2", &format!("{kind}/{id}"));
    let mut found = Vec::new();
    for (param, kind) in [
        ("VpcId", "vpc"),
        ("SubnetId", "subnet"),
        ("GroupId", "security-group"),
        ("SecurityGroupId", "security-group"),
        ("RouteTableId", "route-table"),
        ("InternetGatewayId", "internet-gateway"),
        ("AllocationId", "elastic-ip"),
        ("NatGatewayId", "natgateway"),
        ("InstanceId", "instance"),
    ] {
        found.extend(params.all(param).iter().map(|id| ec2(kind, id)));
    }
    // CreateTags and DeleteTags name their resources by id alone.
    for id in params.all("ResourceId") {
        let kind = match id.split('-').next().unwrap_or_default() {
            "vpc" => "vpc",
            "subnet" => "subnet",
            "sg" => "security-group",
            "rtb" => "route-table",
            "igw" => "internet-gateway",
            "eipalloc" => "elastic-ip",
            "nat" => "natgateway",
            "i" => "instance",
            other => panic!("EC2 tag call on an id of unknown type: {other}"),
        };
        found.push(ec2(kind, &id));
    }
    let created = match operation {
        "CreateVpc" => Some("vpc"),
        "CreateSubnet" => Some("subnet"),
        "CreateSecurityGroup" => Some("security-group"),
        "CreateRouteTable" => Some("route-table"),
        "CreateInternetGateway" => Some("internet-gateway"),
        "AllocateAddress" => Some("elastic-ip"),
        "CreateNatGateway" => Some("natgateway"),
        "RunInstances" => Some("instance"),
        _ => None,
    };
    found.extend(created.map(|kind| ec2(kind, "new")));
    if operation == "RunInstances" {
        found.extend(params.all("ImageId").iter().map(|id| format!("arn:aws:ec2:{}::image/{id}", crate::REGION)));
    }
    found
}

fn iam_resources(params: &Params) -> Vec<String> {
    let iam = |resource: String| format!("arn:aws:iam::{ACCOUNT}:{resource}");
    let mut found: Vec<String> = params.all("RoleName").into_iter().map(|r| iam(format!("role/{r}"))).collect();
    found.extend(params.all("InstanceProfileName").into_iter().map(|p| iam(format!("instance-profile/{p}"))));
    found
}

fn logs_resources(params: &Params) -> Vec<String> {
    let mut found: Vec<String> =
        params.all("LogGroupName").into_iter().map(|g| arn("logs", &format!("log-group:{g}"))).collect();
    found.extend(params.all("ResourceArn"));
    found
}

fn ecs_resources(operation: &str, params: &Params) -> Vec<String> {
    let cluster_name = |c: &str| c.rsplit('/').next().unwrap_or(c).to_string();
    let mut found = Vec::new();
    match operation {
        "CreateCluster" => found.extend(params.get("ClusterName").map(|c| arn("ecs", &format!("cluster/{c}")))),
        "UpdateCluster" | "DeleteCluster" => {
            found.extend(params.get("Cluster").map(|c| arn("ecs", &format!("cluster/{}", cluster_name(&c)))))
        }
        "CreateService" | "UpdateService" | "DeleteService" => {
            let cluster = cluster_name(&params.get("Cluster").unwrap_or_else(|| "default".into()));
            let service = params.get("ServiceName").or_else(|| params.get("Service")).unwrap_or_default();
            let service = service.rsplit('/').next().unwrap_or(&service).to_string();
            found.push(arn("ecs", &format!("service/{cluster}/{service}")));
        }
        "TagResource" | "UntagResource" => found.extend(params.get("ResourceArn")),
        _ => {}
    }
    found
}

fn elb_resources(operation: &str, params: &Params) -> Vec<String> {
    let elb = |resource: String| arn("elasticloadbalancing", &resource);
    let mut found = Vec::new();
    for param in ["LoadBalancerArn", "TargetGroupArn", "ListenerArn", "RuleArn", "ResourceArns"] {
        found.extend(params.all(param).into_iter().filter(|v| v.starts_with("arn:")));
    }
    // SetRulePriorities: `RulePriorities.member.N.RuleArn`.
    found.extend(params.form.iter().filter(|(k, _)| k.ends_with(".RuleArn")).map(|(_, v)| v.clone()));
    match operation {
        "CreateLoadBalancer" => found.extend(params.get("Name").map(|n| elb(format!("loadbalancer/app/{n}/new")))),
        "CreateTargetGroup" => found.extend(params.get("Name").map(|n| elb(format!("targetgroup/{n}/new")))),
        // The new listener is under its load balancer, the new rule under its listener.
        "CreateListener" => {
            found.extend(params.get("LoadBalancerArn").map(|a| a.replace(":loadbalancer/", ":listener/") + "/new"))
        }
        "CreateRule" => {
            found.extend(params.get("ListenerArn").map(|a| a.replace(":listener/", ":listener-rule/") + "/new"))
        }
        _ => {}
    }
    found
}

fn cloud_map_resources(operation: &str, params: &Params) -> Vec<String> {
    let map = |resource: String| arn("servicediscovery", &resource);
    match operation {
        "CreateService" => {
            let mut found: Vec<String> =
                params.get("NamespaceId").map(|n| map(format!("namespace/{n}"))).into_iter().collect();
            found.push(map("service/new".into()));
            found
        }
        "UpdateService" | "DeleteService" => {
            params.get("Id").map(|id| map(format!("service/{id}"))).into_iter().collect()
        }
        "UpdatePrivateDnsNamespace" | "DeleteNamespace" => {
            params.get("Id").map(|id| map(format!("namespace/{id}"))).into_iter().collect()
        }
        "TagResource" | "UntagResource" => params.get("ResourceARN").into_iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_as_iam_does() {
        assert!(glob("arn:aws:ecs:*:*:cluster/demo", "arn:aws:ecs:us-east-1:123:cluster/demo"));
        assert!(!glob("arn:aws:ecs:*:*:cluster/demo", "arn:aws:ecs:us-east-1:123:cluster/demo2"));
        assert!(glob(
            "arn:aws:elasticloadbalancing:*:*:listener/app/web/*",
            "arn:aws:elasticloadbalancing:r:a:listener/app/web/1/2"
        ));
        assert!(glob("*", "anything"));
        assert!(!glob("a?c", "ac"));
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(decode("reconciler%3Aowner"), "reconciler:owner");
        assert_eq!(decode("a+b%2F"), "a b/");
        assert_eq!(decode("100%"), "100%");
    }
}
