//! The IAM policy a desired state needs, and no more (`reconciler iam-policy`).
//!
//! Each kind's adapter says which actions it calls on which resources ([`Adapter::READS`] and
//! [`Adapter::permissions`]); this module gathers them for the declared nodes into [`Rule`]s (one action on one
//! resource under one condition) and folds the rules into as few IAM statements as say the same thing.
//!
//! What the conditions mean, as IAM evaluates them:
//! - [`Condition::Ours`]: the resource carries our `managed-by` and `owner` tags (`aws:ResourceTag/...`). Every
//!   change and delete of a kind whose service supports tag conditions is limited to what the owner id tagged.
//! - [`Condition::TaggedAsOurs`]: the request itself carries those tags (`aws:RequestTag/...`): a create that
//!   would make an untagged resource, or a tag call that adopts one, is refused.
//! - [`Condition::TagOnCreate`]: tagging within a create call (EC2, ECS and ELB authorize the tags of a create
//!   as a separate `*:CreateTags`/`TagResource`/`AddTags` on the new resource, limited by `*:CreateAction`).
//! - [`Condition::PassedTo`], [`Condition::PolicyArn`], [`Condition::ServiceLinked`]: the IAM keys that limit
//!   `iam:PassRole` to a service, `AttachRolePolicy` to the managed policies the files name, and
//!   `CreateServiceLinkedRole` to the services that need one.
//!
//! Reads are granted for every kind whatever the files declare: every pass reads every kind, so that what a
//! file no longer declares is still found and pruned.
//!
//! [`Adapter::READS`]: crate::kinds::Adapter::READS
//! [`Adapter::permissions`]: crate::kinds::Adapter::permissions

use std::collections::{BTreeMap, BTreeSet};

use reconciler_plan::ownership::{MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNER_KEY};
use reconciler_plan::{Address, Node, NodeSpec, Ref};
use serde_json::{Value, json};

/// What a policy is generated for.
pub struct PolicyFor<'a> {
    /// The desired state's nodes.
    pub nodes: &'a [Node],
    /// The nodes whose declarations say `adopt = true`.
    pub adopting: &'a BTreeSet<Address>,
    pub owner_id: &'a str,
    /// The DynamoDB lease table (`--lease-table`), when the daemons share one.
    pub lease_table: Option<&'a str>,
}

/// Every rule the desired state needs: each declared node's, each kind's reads, and what every pass reads
/// besides (zones, secrets' and certificates' metadata: never a value).
pub fn rules(target: &PolicyFor<'_>) -> BTreeSet<Rule> {
    let mut grants = Grants::new(target.nodes, target.adopting);
    crate::kinds::permissions(&mut grants);
    grants.read(&[
        "ec2:DescribeAvailabilityZones",
        "ssm:DescribeParameters",
        "secretsmanager:DescribeSecret",
        "acm:ListCertificates",
    ]);
    if let Some(table) = target.lease_table {
        let table = arn("dynamodb", &format!("table/{table}"));
        let lease = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:CreateTable"];
        grants.allow(&lease, &table, Condition::Always);
    }
    grants.rules
}

/// The policy document of [`rules`].
pub fn policy(target: &PolicyFor<'_>) -> Value {
    document(&rules(target), target.owner_id)
}

/// Under which condition a [`Rule`] allows its action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Condition {
    /// None: the action is allowed on the resource as such (reads, and the few actions AWS cannot condition).
    Always,
    /// The resource carries our ownership tags.
    Ours,
    /// The request carries our ownership tags.
    TaggedAsOurs,
    /// Tagging inside the create call `action` of the service whose condition key is `key`.
    TagOnCreate { key: &'static str, action: &'static str },
    /// `iam:PassRole` to this service principal only.
    PassedTo(String),
    /// `iam:AttachRolePolicy` of this managed policy only.
    PolicyArn(String),
    /// `iam:CreateServiceLinkedRole` for this service only.
    ServiceLinked(&'static str),
}

impl Condition {
    /// The condition key whose values rules may share one statement with: two rules that differ only in the
    /// value of such a key are one statement listing both values (IAM reads a list as "any of").
    fn mergeable_key(&self) -> Option<&'static str> {
        match self {
            Condition::TagOnCreate { key, .. } => Some(key),
            Condition::PassedTo(_) => Some("iam:PassedToService"),
            Condition::PolicyArn(_) => Some("iam:PolicyARN"),
            Condition::ServiceLinked(_) => Some("iam:AWSServiceName"),
            Condition::Always | Condition::Ours | Condition::TaggedAsOurs => None,
        }
    }

    fn value(&self) -> Option<String> {
        match self {
            Condition::TagOnCreate { action, .. } => Some(action.to_string()),
            Condition::PassedTo(service) | Condition::PolicyArn(service) => Some(service.clone()),
            Condition::ServiceLinked(service) => Some(service.to_string()),
            Condition::Always | Condition::Ours | Condition::TaggedAsOurs => None,
        }
    }

    /// A word for the statement id.
    fn purpose(&self) -> &'static str {
        match self {
            Condition::Always => "Declared",
            Condition::Ours => "ChangeOurs",
            Condition::TaggedAsOurs => "CreateTagged",
            Condition::TagOnCreate { .. } => "TagOnCreate",
            Condition::PassedTo(_) => "PassRoles",
            Condition::PolicyArn(_) => "AttachDeclaredPolicies",
            Condition::ServiceLinked(_) => "ServiceLinkedRoles",
        }
    }
}

/// One action on one resource (ARN pattern) under one condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    /// `service:Operation`, as IAM spells it.
    pub action: String,
    pub resource: String,
    pub condition: Condition,
}

/// Whether an IAM action only reads: it then goes into an `...Observe` statement.
pub fn is_read(action: &str) -> bool {
    let operation = action.split_once(':').map_or(action, |(_, op)| op);
    ["Describe", "List", "Get", "Filter"].iter().any(|p| operation.starts_with(p))
}

/// What the kinds' adapters add their needs to, for one desired state.
pub struct Grants<'a> {
    nodes: &'a [Node],
    adopting: &'a BTreeSet<Address>,
    rules: BTreeSet<Rule>,
}

impl<'a> Grants<'a> {
    pub(crate) fn new(nodes: &'a [Node], adopting: &'a BTreeSet<Address>) -> Self {
        Grants { nodes, adopting, rules: BTreeSet::new() }
    }

    /// Whether the declaration of `node` says `adopt = true`: its first pass tags a resource that is not
    /// ours yet, so its tag call is allowed on the request's tags (`TaggedAsOurs`) rather than the resource's.
    pub(crate) fn adopts(&self, node: &Node) -> bool {
        self.adopting.contains(&node.address)
    }

    /// The tag calls of a resource of ours at `resource`: writing changed tags and removing ours (release) on
    /// what is ours; and, for an adopted declaration, the first tagging of what is not ours yet.
    pub(crate) fn tags(&mut self, node: &Node, tag: &str, untag: &str, resource: &str) {
        self.allow(&[tag, untag], resource, Condition::Ours);
        if self.adopts(node) {
            self.allow(&[tag], resource, Condition::TaggedAsOurs);
        }
    }

    /// An EC2 create that tags in the call (`TagSpecifications`): the new resource of type `created` must be
    /// tagged as ours, and the resources it is made in (`within`, a VPC or a subnet) must be ours.
    pub(crate) fn ec2_create(&mut self, action: &'static str, created: &str, within: &[&str]) {
        let created = ec2_arn(created);
        self.allow(&[&format!("ec2:{action}")], &created, Condition::TaggedAsOurs);
        self.allow(&["ec2:CreateTags"], &created, Condition::TagOnCreate { key: "ec2:CreateAction", action });
        for parent in within {
            self.allow(&[&format!("ec2:{action}")], &ec2_arn(parent), Condition::Ours);
        }
    }

    /// EC2 changes and deletes (`actions`, without the `ec2:` prefix) of our resources of `types`, and the
    /// tags of `node`'s own resource type (the first of `types`).
    pub(crate) fn ec2_change(&mut self, node: &Node, actions: &[&str], types: &[&str]) {
        let actions: Vec<String> = actions.iter().map(|a| format!("ec2:{a}")).collect();
        let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
        for resource_type in types {
            self.allow(&actions, &ec2_arn(resource_type), Condition::Ours);
        }
        if let Some(own) = types.first() {
            self.tags(node, "ec2:CreateTags", "ec2:DeleteTags", &ec2_arn(own));
        }
    }

    /// Allows `actions` on `resource` under `condition`.
    pub(crate) fn allow(&mut self, actions: &[&str], resource: &str, condition: Condition) {
        for action in actions {
            self.rules.insert(Rule {
                action: action.to_string(),
                resource: resource.to_string(),
                condition: condition.clone(),
            });
        }
    }

    /// Allows read-only `actions` on every resource.
    pub(crate) fn read(&mut self, actions: &[&str]) {
        self.allow(actions, "*", Condition::Always);
    }

    /// Every declared node.
    pub(crate) fn nodes(&self) -> &'a [Node] {
        self.nodes
    }

    /// The declared node at `address`, if the reference is to one.
    pub(crate) fn node(&self, reference: &Ref) -> Option<&'a Node> {
        let address: &Address = reference.node()?;
        self.nodes.iter().find(|n| &n.address == address)
    }

    /// The ARN of the IAM role `reference` names: a declared role's, or the ARN it is given as.
    pub(crate) fn role_arn(&self, reference: &Ref) -> Option<String> {
        match reference {
            Ref::Aws(arn) => Some(arn.clone()),
            Ref::Node(_) => match &self.node(reference)?.spec {
                NodeSpec::Role(role) => Some(iam_arn(&format!("role/{}", role.role_name))),
                _ => None,
            },
        }
    }
}

/// `arn:aws:SERVICE:*:*:RESOURCE`: any region and account, as the policy is attached in the account it
/// manages. (`aws` is the commercial partition; GovCloud and China would need theirs.)
pub(crate) fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:*:*:{resource}")
}

/// Every EC2 resource of a type (`vpc`, `subnet`, ...): EC2 ids are not known before the resources exist, so
/// EC2 is limited by tags, not by ARN.
pub(crate) fn ec2_arn(resource_type: &str) -> String {
    arn("ec2", &format!("{resource_type}/*"))
}

/// The service-linked role AWS makes for `service` on its first use in an account.
pub(crate) fn service_linked_role(service: &str) -> String {
    iam_arn(&format!("role/aws-service-role/{service}/*"))
}

/// IAM ARNs have no region.
pub(crate) fn iam_arn(resource: &str) -> String {
    format!("arn:aws:iam::*:{resource}")
}

/// One IAM statement before it is written out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Statement {
    prefix: String,
    read: bool,
    condition: Condition,
    condition_values: BTreeSet<String>,
    actions: BTreeSet<String>,
    resources: BTreeSet<String>,
}

/// Folds rules into statements: the values of a mergeable condition key first (per action and resource),
/// then the actions that share resources and condition, then the resources that share actions and condition.
fn statements(rules: &BTreeSet<Rule>) -> Vec<Statement> {
    type Key = (String, bool, Condition, BTreeSet<String>);
    let mut values: BTreeMap<(String, String, Option<&'static str>, Condition), BTreeSet<String>> = BTreeMap::new();
    for rule in rules {
        let key = rule.condition.mergeable_key();
        // Rules that differ only in a mergeable value meet under one representative condition.
        let representative = if key.is_some() { first_of_kind(&rule.condition) } else { rule.condition.clone() };
        let entry = values.entry((rule.action.clone(), rule.resource.clone(), key, representative)).or_default();
        entry.extend(rule.condition.value());
    }
    let mut by_resource: BTreeMap<(Key, String), BTreeSet<String>> = BTreeMap::new();
    for ((action, resource, _, condition), condition_values) in values {
        let prefix = action.split(':').next().unwrap_or_default().to_string();
        let key = (prefix, is_read(&action), condition, condition_values);
        by_resource.entry((key, resource)).or_default().insert(action);
    }
    let mut by_actions: BTreeMap<(Key, BTreeSet<String>), BTreeSet<String>> = BTreeMap::new();
    for ((key, resource), actions) in by_resource {
        by_actions.entry((key, actions)).or_default().insert(resource);
    }
    by_actions
        .into_iter()
        .map(|(((prefix, read, condition, condition_values), actions), resources)| Statement {
            prefix,
            read,
            condition,
            condition_values,
            actions,
            resources,
        })
        .collect()
}

/// Joins the statements of one service under one condition into one, listing every action and resource.
/// That allows each action on the other statements' resources too, which grants nothing where an action
/// applies to resource types the others' are not (DeleteVpc on a subnet ARN authorizes nothing), so it is
/// only done where that holds:
/// - never for PassRole, AttachRolePolicy and service-linked roles, whose conditions pair a resource with a
///   value (this role to that service);
/// - never between a statement on every resource (`*`) and one on named resources;
/// - tagging in a create joins across creates: `CreateAction` is only ever the call that made the resource.
fn coalesce(statements: Vec<Statement>) -> Vec<Statement> {
    /// Service, read-only, condition, its values unless they join, on every resource.
    type JoinKey = (String, bool, Condition, Option<BTreeSet<String>>, bool);
    let mut joined: BTreeMap<JoinKey, Statement> = BTreeMap::new();
    let mut apart = Vec::new();
    for statement in statements {
        let joins_values = matches!(statement.condition, Condition::TagOnCreate { .. });
        if statement.condition.mergeable_key().is_some() && !joins_values {
            apart.push(statement);
            continue;
        }
        let everywhere = statement.resources.contains("*");
        let values = (!joins_values).then(|| statement.condition_values.clone());
        let key = (statement.prefix.clone(), statement.read, statement.condition.clone(), values, everywhere);
        match joined.get_mut(&key) {
            Some(into) => {
                into.actions.extend(statement.actions);
                into.resources.extend(statement.resources);
                into.condition_values.extend(statement.condition_values);
            }
            None => {
                joined.insert(key, statement);
            }
        }
    }
    joined.into_values().chain(apart).collect()
}

/// The condition that stands for all conditions of its variant (their values are merged beside it).
fn first_of_kind(condition: &Condition) -> Condition {
    match condition {
        Condition::TagOnCreate { key, .. } => Condition::TagOnCreate { key, action: "" },
        Condition::PassedTo(_) => Condition::PassedTo(String::new()),
        Condition::PolicyArn(_) => Condition::PolicyArn(String::new()),
        Condition::ServiceLinked(_) => Condition::ServiceLinked(""),
        other => other.clone(),
    }
}

/// The IAM policy document allowing exactly `rules`, for resources tagged with `owner_id`.
pub fn document(rules: &BTreeSet<Rule>, owner_id: &str) -> Value {
    let mut statements = coalesce(statements(rules));
    statements.sort_by(|a, b| (&a.prefix, !a.read, &a.condition).cmp(&(&b.prefix, !b.read, &b.condition)));
    let mut sids: BTreeMap<String, usize> = BTreeMap::new();
    let written: Vec<Value> = statements
        .iter()
        .map(|s| {
            // Read-only statements end in `Observe` (those on named resources: `DeclaredObserve`).
            let everywhere = s.resources.contains("*");
            let (purpose, suffix) = match (s.read, everywhere) {
                (true, true) => ("", "Observe"),
                (true, false) => ("Declared", "Observe"),
                (false, _) => (s.condition.purpose(), ""),
            };
            let base = format!("{}{purpose}", title(&s.prefix));
            let n = sids.entry(format!("{base}{suffix}")).or_insert(0);
            *n += 1;
            let sid = if *n == 1 { format!("{base}{suffix}") } else { format!("{base}{n}{suffix}") };
            statement_json(&sid, s, owner_id)
        })
        .collect();
    json!({ "Version": "2012-10-17", "Statement": written })
}

fn statement_json(sid: &str, statement: &Statement, owner_id: &str) -> Value {
    let mut written = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Action": statement.actions.iter().collect::<Vec<_>>(),
        "Resource": one_or_list(&statement.resources),
    });
    let tags = |context: &str| {
        json!({ "StringEquals": {
            format!("{context}/{MANAGED_BY_KEY}"): MANAGED_BY_VALUE,
            format!("{context}/{OWNER_KEY}"): owner_id,
        }})
    };
    let values = one_or_list(&statement.condition_values);
    let condition = match &statement.condition {
        Condition::Always => None,
        Condition::Ours => Some(tags("aws:ResourceTag")),
        Condition::TaggedAsOurs => Some(tags("aws:RequestTag")),
        Condition::TagOnCreate { key, .. } => Some(json!({ "StringEquals": { *key: values } })),
        Condition::PassedTo(_) => Some(json!({ "StringEquals": { "iam:PassedToService": values } })),
        Condition::PolicyArn(_) => Some(json!({ "ArnEquals": { "iam:PolicyARN": values } })),
        Condition::ServiceLinked(_) => Some(json!({ "StringEquals": { "iam:AWSServiceName": values } })),
    };
    if let Some(condition) = condition {
        written["Condition"] = condition;
    }
    written
}

fn one_or_list(items: &BTreeSet<String>) -> Value {
    match items.len() {
        1 => json!(items.iter().next()),
        _ => json!(items.iter().collect::<Vec<_>>()),
    }
}

/// `ec2` → `Ec2`, `application-autoscaling` → `ApplicationAutoscaling`.
fn title(prefix: &str) -> String {
    prefix
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(action: &str, resource: &str, condition: Condition) -> Rule {
        Rule { action: action.into(), resource: resource.into(), condition }
    }

    #[test]
    fn rules_with_the_same_resources_and_condition_share_a_statement() {
        let rules = BTreeSet::from([
            rule("logs:DeleteLogGroup", "arn:a", Condition::Ours),
            rule("logs:PutRetentionPolicy", "arn:a", Condition::Ours),
            rule("logs:DeleteLogGroup", "arn:b", Condition::Ours),
            rule("logs:PutRetentionPolicy", "arn:b", Condition::Ours),
            rule("logs:DescribeLogGroups", "*", Condition::Always),
        ]);
        let doc = document(&rules, "team-a");
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{doc:#}");
        assert_eq!(statements[0]["Sid"], "LogsObserve");
        assert_eq!(statements[1]["Sid"], "LogsChangeOurs");
        assert_eq!(statements[1]["Resource"], json!(["arn:a", "arn:b"]));
        assert_eq!(statements[1]["Condition"]["StringEquals"]["aws:ResourceTag/reconciler:owner"], "team-a");
    }

    #[test]
    fn values_of_one_condition_key_are_listed_in_one_statement() {
        let rules = BTreeSet::from([
            rule("ec2:CreateTags", "*", Condition::TagOnCreate { key: "ec2:CreateAction", action: "CreateVpc" }),
            rule("ec2:CreateTags", "*", Condition::TagOnCreate { key: "ec2:CreateAction", action: "CreateSubnet" }),
        ]);
        let doc = document(&rules, "default");
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{doc:#}");
        assert_eq!(
            statements[0]["Condition"]["StringEquals"]["ec2:CreateAction"],
            json!(["CreateSubnet", "CreateVpc"])
        );
    }

    #[test]
    fn different_resources_under_different_conditions_stay_apart() {
        let rules = BTreeSet::from([
            rule("iam:PassRole", "arn:role/a", Condition::PassedTo("ecs-tasks.amazonaws.com".into())),
            rule("iam:PassRole", "arn:role/b", Condition::PassedTo("ec2.amazonaws.com".into())),
        ]);
        let doc = document(&rules, "default");
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{doc:#}");
        assert_eq!(statements[0]["Sid"], "IamPassRoles");
        assert_eq!(statements[1]["Sid"], "IamPassRoles2");
    }
}
