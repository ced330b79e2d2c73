#!/usr/bin/env python3
"""Writes the JSON Schema of desired-state files (crates/spec/desired-state.schema.json) to standard output:
each field's documentation and default from the field tables of docs/schema.md, its type, range and fixed
values from here. Run it after changing a field (tests/tests/schema.rs fails until the two agree):

    python3 crates/spec/schema-from-docs.py > crates/spec/desired-state.schema.json

The fields of each table are tested equal to the parser's in crates/spec/src/schema.rs.
"""
import re, json, os
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
text = open(os.path.join(ROOT, 'docs', 'schema.md')).read().splitlines()
# The field tables of docs/schema.md, by the section (a heading, or a `[table]` line) they follow.
section = None; out = {}; header = None
for line in text:
    m = re.match(r'^##+ `?([^`]+)`?', line)
    if m: section = m.group(1); continue
    m = re.match(r'^`(\[\[?[^`]+\]\]?)`', line)
    if m: section = m.group(1); continue
    if line.startswith('| Field'):
        header = [h.strip() for h in line.strip('|').split('|')]; continue
    if line.startswith('|---'): continue
    if line.startswith('| `') and header:
        cells = [c.strip() for c in re.split(r'(?<!\\)\|', line.strip()[1:-1])]
        out.setdefault(section, []).append(dict(zip(header, cells)))
F = out


# Each table's fields: (name, JSON Schema type), the documentation and default added from the docs.
def rows(section):
    out = {}
    for r in F[section]:
        names = re.findall(r'`([^`]+)`', r['Field'])
        for n in names:
            if n == 'CONTAINER': continue
            out.setdefault(n, r)  # first wins (security_group description)
    return out
def clean(text):
    text = re.sub(r'\[([^\]]+)\]\([^)]*\)', r'\1', text)
    text = text.replace('**', '').replace('\\|', '|').replace(' (see below)', '').replace('see below', 'see docs/schema.md')
    return text.strip()
STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
STRS = {"type": "array", "items": STR}
TABLE_STR = {"type": "object", "additionalProperties": STR}
DURATION = {"type": ["integer", "string"], "pattern": "^[0-9]+[smh]$", "minimum": 0, "maximum": 86400}
def ref(name): return {"$ref": "#/definitions/" + name}
def prop(section, field, base, **extra):
    r = rows(section)[field]
    p = dict(base)
    desc = clean(r.get('Constraints', ''))
    default = r.get('Default', '')
    if default and default not in ('required',):
        dd = clean(default)
        desc = (desc + ('. ' if desc else '') + 'Default: ' + dd) if dd not in ('', 'none') else desc
        m = re.fullmatch(r'`(.+)`', default.strip())
        if m:
            try: p['default'] = json.loads(m.group(1))
            except Exception: pass
    elif default == 'required':
        desc = 'Required. ' + desc
    if desc: p['description'] = desc
    p.update(extra)
    return p
def table(section, fields, required=None, description=None, lifecycle=None):
    r = rows(section)
    props = {}
    for name, base, *extra in fields:
        props[name] = prop(section, name, base, **(extra[0] if extra else {}))
    if lifecycle:
        for name in lifecycle:
            props[name] = prop('Fields every declaration takes', name, {"type": "string", "enum": ["delete", "retain"]} if name == 'deletion_policy' else BOOL)
    req = [n for n, *_ in fields if r[n].get('Default') == 'required'] if required is None else required
    out = {"type": "object", "additionalProperties": False}
    if description: out["description"] = description
    out["properties"] = props
    if req: out["required"] = req
    return out
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
TAGS = {"type": "object", "additionalProperties": {"type": "string", "maxLength": 255}, "propertyNames": {"minLength": 1, "maxLength": 127, "not": {"pattern": "^(reconciler:|[aA][wW][sS]:)"}}}
ADOPT = ['adopt', 'deletion_policy']
LIFE = ['deletion_policy']
D = {}
D['vpc'] = table('vpc', [
  ('cidr', STR), ('availability_zones', {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 6}, {"type": "array", "items": STR, "minItems": 1, "maxItems": 6, "uniqueItems": True}]}),
  ('public_subnets', STRS), ('private_subnets', STRS),
  ('nat_gateways', {"enum": ["none", "one", "one-per-az", 0, 1]}),
  ('enable_dns_support', BOOL), ('enable_dns_hostnames', BOOL), ('tags', TAGS)], lifecycle=ADOPT,
  description="A VPC with public and private subnets in N availability zones, an internet gateway, NAT gateways and route tables.")
D['security_group'] = table('security_group', [
  ('vpc', STR), ('description', {"type": "string", "minLength": 1, "maxLength": 255}), ('group_name', STR),
  ('ingress', {"type": "array", "items": ref('security_group_rule')}), ('egress', {"type": "array", "items": ref('security_group_rule')}), ('tags', TAGS)], lifecycle=ADOPT,
  description="A security group in a declared VPC, with exactly the rules listed.")
sg_rows = F['security_group']
rule_rows = {}
seen_desc = 0
for r in sg_rows:
    for n in re.findall(r'`([^`]+)`', r['Field']):
        if n == 'description':
            seen_desc += 1
            if seen_desc == 2: rule_rows[n] = r
        elif n in ('protocol','port','from_port','to_port','cidr','self','group'): rule_rows[n] = r
F['security_group_rule'] = list({id(v): v for v in rule_rows.values()}.values())
def rule_prop(n, base):
    r = rule_rows[n]; p = dict(base); p['description'] = clean(r['Constraints']); return p
D['security_group_rule'] = {"type": "object", "additionalProperties": False, "description": "One rule: a protocol, a port or range, and one source (cidr, self or group).",
  "properties": {"protocol": rule_prop('protocol', {"enum": ["tcp", "udp", "icmp", "all", "-1"]}), "port": rule_prop('port', PORT),
   "from_port": rule_prop('from_port', PORT), "to_port": rule_prop('to_port', PORT), "cidr": rule_prop('cidr', STR),
   "self": rule_prop('self', BOOL), "group": rule_prop('group', STR), "description": rule_prop('description', {"type": "string", "maxLength": 255})}, "required": ["protocol"]}
D['cluster'] = table('cluster', [('cluster_name', STR), ('container_insights', BOOL), ('tags', TAGS)], lifecycle=ADOPT, description="An ECS cluster.")
D['namespace'] = table('namespace', [('dns_name', STR), ('vpc', STR), ('description', {"type": "string", "maxLength": 1024}), ('tags', TAGS)], lifecycle=ADOPT, description="A Cloud Map private DNS namespace in a declared VPC.")
D['role'] = table('role', [('role_name', STR), ('trusted_service', {"type": "string", "pattern": "^[a-z0-9.-]+\\.amazonaws\\.com$"}), ('managed_policies', {"type": "array", "items": {"type": "string", "pattern": "^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/"}, "uniqueItems": True}), ('inline_policy', STR), ('instance_profile', BOOL), ('tags', TAGS)], lifecycle=ADOPT, description="An IAM role trusted by one AWS service.")
D['log_group'] = table('log_group', [('group_name', STR), ('retention_days', {"enum": [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]}), ('tags', TAGS)], lifecycle=ADOPT, description="A CloudWatch Logs log group.")
CPU = {"enum": [256, 512, 1024, 2048, 4096, 8192, 16384]}
DEPENDS = {"type": "object", "additionalProperties": {"enum": ["START", "COMPLETE", "SUCCESS", "HEALTHY"]}}
D['service'] = table('service', [
  ('service_name', STR), ('cluster', STR), ('image', {"type": "string", "minLength": 1, "maxLength": 255}), ('cpu', CPU), ('memory', INT), ('port', PORT),
  ('environment', TABLE_STR), ('secrets', {"type": "object", "additionalProperties": ref('secret_reference')}), ('command', {"type": "array", "items": STR, "minItems": 1}),
  ('desired_count', {"type": "integer", "minimum": 0, "maximum": 1000}), ('vpc', STR), ('subnets', {"enum": ["private", "public"]}),
  ('security_groups', {"type": "array", "items": STR, "minItems": 1, "uniqueItems": True}), ('assign_public_ip', BOOL), ('execution_role', STR), ('task_role', STR),
  ('health_check', ref('container_health_check')), ('depends_on', DEPENDS), ('sidecars', {"type": "object", "additionalProperties": ref('sidecar')}),
  ('health_check_grace_period_seconds', {"type": "integer", "minimum": 0, "maximum": 2147483647}), ('enable_execute_command', BOOL),
  ('keep_revisions', {"type": "integer", "minimum": 1, "maximum": 100}), ('logs', ref('logs')), ('discovery', ref('discovery')), ('deployment', ref('deployment')),
  ('load_balancer', ref('service_load_balancer')), ('autoscaling', ref('autoscaling')), ('tags', TAGS)], lifecycle=ADOPT,
  description="An ECS service on Fargate: its task definition, and optionally its logs, Cloud Map name, load balancer or route, and autoscaling.")
D['service']['properties']['route'] = dict(ref('route'))
D['service']['properties']['route']['description'] = "The service behind a shared load_balancer: its target group and listener rule. Not with load_balancer."
D['logs'] = table('[service.NAME.logs]', [('log_group', STR), ('stream_prefix', {"type": "string", "minLength": 1, "maxLength": 512, "pattern": "^[^:*]*$"})], description="The container's logs go to CloudWatch Logs (the awslogs driver).")
D['discovery'] = table('[service.NAME.discovery]', [('namespace', STR), ('name', {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"}), ('ttl', {"type": "integer", "minimum": 0, "maximum": 2147483647})], description="The tasks are registered in a Cloud Map namespace.")
SR = rows('[service.NAME.secrets]')
D['secret_reference'] = {"type": "object", "additionalProperties": False, "description": "An environment variable read from SSM Parameter Store or Secrets Manager when a task starts. Exactly one of parameter and secret. Only the reference is in the files; the value never passes through the reconciler.",
  "properties": {k: dict(STR, description=clean(SR[k]['Constraints'])) for k in ('parameter', 'secret', 'key')},
  "oneOf": [{"required": ["parameter"], "not": {"anyOf": [{"required": ["secret"]}, {"required": ["key"]}]}}, {"required": ["secret"], "not": {"required": ["parameter"]}}]}
D['container_health_check'] = table('[service.NAME.health_check]', [('command', {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 1000}, {"type": "array", "items": STR, "minItems": 2}]}),
  ('interval_seconds', {"type": "integer", "minimum": 5, "maximum": 300}), ('timeout_seconds', {"type": "integer", "minimum": 2, "maximum": 60}), ('retries', {"type": "integer", "minimum": 1, "maximum": 10}), ('start_period_seconds', {"type": "integer", "minimum": 0, "maximum": 300})],
  description="The container's own health check, run by ECS in the task.")
D['sidecar'] = table('[service.NAME.sidecars.CONTAINER]', [('image', {"type": "string", "minLength": 1, "maxLength": 255}), ('cpu', {"type": "integer", "minimum": 0, "maximum": 16384}), ('memory', {"type": "integer", "minimum": 6, "maximum": 122880}), ('port', PORT),
  ('environment', TABLE_STR), ('secrets', {"type": "object", "additionalProperties": ref('secret_reference')}), ('command', {"type": "array", "items": STR, "minItems": 1}), ('essential', BOOL), ('depends_on', DEPENDS), ('health_check', ref('container_health_check')), ('logs', ref('logs'))],
  description="Another container in each of the service's tasks (a proxy, a telemetry agent, ...).")
D['deployment'] = table('[service.NAME.deployment]', [('minimum_healthy_percent', {"type": "integer", "minimum": 0, "maximum": 100}), ('maximum_percent', {"type": "integer", "minimum": 100, "maximum": 400}), ('circuit_breaker', BOOL), ('rollback', BOOL)], description="How ECS replaces tasks.")
LBNAME = {"type": "string", "pattern": "^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$"}
D['service_load_balancer'] = table('[service.NAME.load_balancer]', [('name', LBNAME), ('scheme', {"enum": ["internet-facing", "internal"]}), ('listener_port', PORT), ('allowed_cidrs', {"type": "array", "items": STR, "minItems": 1, "uniqueItems": True}), ('health_check', ref('target_health_check')), ('https', ref('https'))],
  description="An application load balancer of the service's own, with an HTTP listener, a target group and a security group.")
D['https'] = table('[service.NAME.load_balancer.https]', [('certificate', {"type": "string", "pattern": "^arn:aws[a-z-]*:acm:"}), ('domain', STR), ('port', PORT), ('ssl_policy', {"type": "string", "pattern": "^ELBSecurityPolicy-"}), ('redirect_http', BOOL)],
  description="An HTTPS listener beside the HTTP one. One of certificate and domain.")
D['https']['oneOf'] = [{"required": ["certificate"], "not": {"required": ["domain"]}}, {"required": ["domain"], "not": {"required": ["certificate"]}}]
D['target_health_check'] = table('[service.NAME.load_balancer.health_check]', [('path', {"type": "string", "pattern": "^/", "maxLength": 1024}), ('interval_seconds', {"type": "integer", "minimum": 5, "maximum": 300}), ('timeout_seconds', {"type": "integer", "minimum": 2, "maximum": 120}), ('healthy_threshold', {"type": "integer", "minimum": 2, "maximum": 10}), ('unhealthy_threshold', {"type": "integer", "minimum": 2, "maximum": 10})],
  description="The target group's HTTP health check on the container port.")
D['route'] = table('[service.NAME.route]', [('load_balancer', STR), ('paths', STRS), ('hosts', STRS), ('priority', {"type": "integer", "minimum": 1, "maximum": 50000}), ('target_group', LBNAME), ('health_check', ref('target_health_check'))],
  description="The service behind a shared load_balancer: a target group and a listener rule on its listener.")
D['autoscaling'] = table('[service.NAME.autoscaling]', [('min_capacity', {"type": "integer", "minimum": 0, "maximum": 10000}), ('max_capacity', {"type": "integer", "minimum": 1, "maximum": 10000}), ('scale_in_cooldown', DURATION), ('scale_out_cooldown', DURATION), ('disable_scale_in', BOOL),
  ('target_tracking', {"type": "array", "items": ref('target_tracking')}), ('scheduled', {"type": "array", "items": ref('scheduled_action')})],
  description="Application Auto Scaling of the service's task count. While it is declared, the desired count belongs to the autoscaler.")
D['target_tracking'] = table('[[service.NAME.autoscaling.target_tracking]]', [('metric', {"enum": ["cpu", "memory", "requests_per_target"]}), ('target', {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000}), ('name', {"type": "string", "minLength": 1, "maxLength": 255}), ('scale_in_cooldown', DURATION), ('scale_out_cooldown', DURATION), ('disable_scale_in', BOOL)],
  description="A target-tracking policy: keeps a metric at its target.")
D['scheduled_action'] = table('[[service.NAME.autoscaling.scheduled]]', [('name', {"type": "string", "minLength": 1, "maxLength": 255}), ('schedule', {"type": "string", "pattern": "^(cron|rate|at)\\(.*\\)$"}), ('timezone', STR), ('min_capacity', {"type": "integer", "minimum": 0, "maximum": 10000}), ('max_capacity', {"type": "integer", "minimum": 0, "maximum": 10000})],
  description="A scheduled action: a new min_capacity and/or max_capacity at a time.")
D['load_balancer'] = table('load_balancer', [('load_balancer_name', LBNAME), ('vpc', STR), ('scheme', {"enum": ["internet-facing", "internal"]}), ('listener_port', PORT), ('allowed_cidrs', {"type": "array", "items": STR, "minItems": 1, "uniqueItems": True}), ('https', ref('https')), ('tags', TAGS)], lifecycle=LIFE,
  description="An application load balancer that several services share (their [service.NAME.route]).")
D['instance'] = table('instance', [('instance_type', {"type": "string", "pattern": "^[a-z0-9-]+\\.[a-z0-9]+$"}), ('image', {"type": "string", "pattern": "^ami-[0-9a-f]{8,17}$"}), ('vpc', STR), ('subnets', {"enum": ["private", "public"]}), ('security_groups', {"type": "array", "items": STR, "minItems": 1, "uniqueItems": True}), ('role', STR), ('user_data', {"type": "string", "maxLength": 16384}), ('tags', TAGS)], lifecycle=LIFE,
  description="An EC2 instance (the workshop's load-test host).")
KINDS = ['vpc', 'security_group', 'cluster', 'namespace', 'role', 'log_group', 'service', 'instance', 'load_balancer']
NAME = {"pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"}
schema = {"$schema": "http://json-schema.org/draft-07/schema#", "$id": "https://github.com/reconciler/reconciler/desired-state.schema.json",
  "title": "reconciler desired-state file",
  "description": "One TOML file of a reconciler desired-state directory: top-level tables are kinds, their keys declaration names ([vpc.main]). Reference: docs/schema.md.",
  "type": "object", "additionalProperties": False,
  "properties": {k: {"type": "object", "description": D[k]["description"], "propertyNames": NAME, "additionalProperties": ref(k)} for k in KINDS},
  "definitions": D}
print(json.dumps(schema, indent=2, ensure_ascii=False))
