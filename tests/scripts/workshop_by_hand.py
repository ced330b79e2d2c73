"""The ECS workshop built by hand, through the AWS API, as its CLI steps build it (no reconciler involved).

    python workshop_by_hand.py build ENDPOINT   # builds it; prints {"secrets": [values], "ids": [every id made]}
    python workshop_by_hand.py ids ENDPOINT     # prints {"ids": [every id of those kinds that exists now]}

`tests/tests/export.rs` builds it, exports it with `reconciler export`, and checks that the first pass over the
exported files only adopts. The values are the workshop's (/work/shared/WORKSHOP.md): VPC 10.0.0.0/24 over three
zones with CDK's subnets, one NAT gateway, the "frontend to backend" group, cluster container-demo with
Container Insights, Cloud Map namespace service.local, the task execution role, the three Fargate services with
their log groups, the frontend's public load balancer, and CPU autoscaling of frontend (50 %) and crystal (20 %).
The frontend also reads two secrets (an SSM parameter and a key of a Secrets Manager secret), so that the test can
check no secret value reaches a file.

The load balancer's security group and its rule in the services group are named and described as the schema
derives them (`NAME-lb`, "load balancer of SERVICE", ...): a group's description cannot change, so one described
otherwise cannot be adopted (docs/export.md says so).
"""

import json
import sys

import boto3

REGION = "us-east-1"
TAGS = [{"Key": "Project", "Value": "ecsdemo"}]
SERVICES = ["ecsdemo-frontend", "ecsdemo-nodejs", "ecsdemo-crystal"]
SECRET_KEY_BASE = "hunter2-secret-key-base-never-exported"
DB_PASSWORD = "correct-horse-battery-staple-never-exported"


def client(name, endpoint):
    return boto3.client(
        name,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def tag_spec(kind, name=None):
    tags = TAGS + ([{"Key": "Name", "Value": name}] if name else [])
    return [{"ResourceType": kind, "Tags": tags}]


def network(ec2):
    """VPC, subnets as CDK derives them, internet gateway, one NAT gateway, route tables."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/24", TagSpecifications=tag_spec("vpc", "ecsdemo"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    public, private = [], []
    for i, zone in enumerate(zones):
        for group, cidr in (("public", f"10.0.0.{32 * i}/27"), ("private", f"10.0.0.{96 + 32 * i}/27")):
            subnet = ec2.create_subnet(
                VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=tag_spec("subnet")
            )["Subnet"]["SubnetId"]
            (public if group == "public" else private).append(subnet)
    for subnet in public:
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway"))["InternetGateway"]
    ec2.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc)
    eip = ec2.allocate_address(Domain="vpc", TagSpecifications=tag_spec("elastic-ip"))["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public[0], AllocationId=eip, TagSpecifications=tag_spec("natgateway"))
    nat = nat["NatGateway"]["NatGatewayId"]
    tables = []
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=tag_spec("route-table"))["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw["InternetGatewayId"])
    for subnet in public:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    tables.append(table)
    for subnet in private:
        table = ec2.create_route_table(VpcId=vpc, TagSpecifications=tag_spec("route-table"))["RouteTable"]
        table = table["RouteTableId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        tables.append(table)
    ids = [vpc, igw["InternetGatewayId"], eip, nat] + public + private + tables
    return vpc, public, private, ids


def security_groups(ec2, vpc):
    def group(name, description):
        tags = tag_spec("security-group")
        return ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc, TagSpecifications=tags)

    services = group("ecsdemo-services", "frontend to backend")["GroupId"]
    lb = group("ecsdemo-frontend-lb", "load balancer of ecsdemo-frontend")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=lb,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTP to the load balancer"}],
            }
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=services,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3000,
                "ToPort": 3000,
                "UserIdGroupPairs": [
                    {"GroupId": services, "Description": "services to services on 3000"},
                    {"GroupId": lb, "Description": "load balancer to ecsdemo-frontend"},
                ],
            }
        ],
    )
    return services, lb


def secrets(endpoint):
    ssm = client("ssm", endpoint)
    ssm.put_parameter(Name="/ecsdemo/frontend/secret-key-base", Value=SECRET_KEY_BASE, Type="SecureString")
    sm = client("secretsmanager", endpoint)
    arn = sm.create_secret(Name="ecsdemo/db", SecretString=json.dumps({"password": DB_PASSWORD}))["ARN"]
    return [
        {"name": "SECRET_KEY_BASE", "valueFrom": "/ecsdemo/frontend/secret-key-base"},
        {"name": "DB_PASSWORD", "valueFrom": f"{arn}:password::"},
    ]


def execution_role(iam):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(
        RoleName="ecsdemo-task-execution", AssumeRolePolicyDocument=json.dumps(trust), Tags=TAGS
    )["Role"]
    iam.attach_role_policy(
        RoleName="ecsdemo-task-execution",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    )
    reads = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["ssm:GetParameters", "secretsmanager:GetSecretValue"], "Resource": "*"}
        ],
    }
    iam.put_role_policy(RoleName="ecsdemo-task-execution", PolicyName="ecsdemo-task-execution", PolicyDocument=json.dumps(reads))
    return role["Arn"]


def load_balancer(elb, vpc, public, lb_group):
    tg = elb.create_target_group(
        Name="ecsdemo-frontend",
        Protocol="HTTP",
        Port=3000,
        VpcId=vpc,
        TargetType="ip",
        HealthCheckPath="/",
        HealthCheckIntervalSeconds=30,
        HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=5,
        UnhealthyThresholdCount=2,
        Tags=TAGS,
    )["TargetGroups"][0]["TargetGroupArn"]
    lb = elb.create_load_balancer(
        Name="ecsdemo-frontend",
        Subnets=public,
        SecurityGroups=[lb_group],
        Scheme="internet-facing",
        Type="application",
        Tags=TAGS,
    )["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
        Tags=TAGS,
    )["Listeners"][0]["ListenerArn"]
    return tg, [tg, lb, listener]


def build(endpoint):
    ec2 = client("ec2", endpoint)
    vpc, public, private, ids = network(ec2)
    services_group, lb_group = security_groups(ec2, vpc)
    ids += [services_group, lb_group]
    ecs = client("ecs", endpoint)
    cluster = ecs.create_cluster(
        clusterName="container-demo",
        settings=[{"name": "containerInsights", "value": "enabled"}],
        tags=[{"key": "Project", "value": "ecsdemo"}],
    )["cluster"]["clusterArn"]
    sd = client("servicediscovery", endpoint)
    sd.create_private_dns_namespace(Name="service.local", Vpc=vpc, Description="ecsdemo services", Tags=TAGS)
    namespace = next(n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == "service.local")
    role = execution_role(client("iam", endpoint))
    logs = client("logs", endpoint)
    frontend_secrets = secrets(endpoint)
    tg, lb_ids = load_balancer(client("elbv2", endpoint), vpc, public, lb_group)
    ids += [cluster, namespace["Arn"], role] + lb_ids
    for name in SERVICES:
        logs.create_log_group(logGroupName=f"/ecs/{name}", tags={"Project": "ecsdemo"})
        logs.put_retention_policy(logGroupName=f"/ecs/{name}", retentionInDays=14)
        registry = sd.create_service(
            Name=name,
            NamespaceId=namespace["Id"],
            DnsConfig={"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 60}]},
            HealthCheckCustomConfig={"FailureThreshold": 1},
            Tags=TAGS,
        )["Service"]["Arn"]
        container = {
            "name": name,
            "image": f"brentley/{name}:latest",
            "essential": True,
            "portMappings": [{"containerPort": 3000, "protocol": "tcp"}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": f"/ecs/{name}", "awslogs-region": REGION, "awslogs-stream-prefix": name},
            },
        }
        if name == "ecsdemo-frontend":
            container["environment"] = [
                {"name": "CRYSTAL_URL", "value": "http://ecsdemo-crystal.service.local:3000/crystal"},
                {"name": "NODEJS_URL", "value": "http://ecsdemo-nodejs.service.local:3000"},
            ]
            container["secrets"] = frontend_secrets
        task = ecs.register_task_definition(
            family=name,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            executionRoleArn=role,
            containerDefinitions=[container],
            tags=[{"key": "Project", "value": "ecsdemo"}],
        )["taskDefinition"]["taskDefinitionArn"]
        service = ecs.create_service(
            cluster="container-demo",
            serviceName=name,
            taskDefinition=task,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": private, "securityGroups": [services_group], "assignPublicIp": "DISABLED"}
            },
            serviceRegistries=[{"registryArn": registry}],
            loadBalancers=[{"targetGroupArn": tg, "containerName": name, "containerPort": 3000}]
            if name == "ecsdemo-frontend"
            else [],
            deploymentConfiguration={
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            },
            tags=[{"key": "Project", "value": "ecsdemo"}],
        )["service"]["serviceArn"]
        # The emulator drops the deployment configuration on create (docs/emulator.md); AWS keeps it, and there
        # this second call changes nothing.
        ecs.update_service(
            cluster="container-demo",
            service=name,
            deploymentConfiguration={
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            },
        )
        ids += [registry, task, service, f"/ecs/{name}"]
    ids += autoscaling(client("application-autoscaling", endpoint))
    print(json.dumps({"secrets": [SECRET_KEY_BASE, DB_PASSWORD], "ids": sorted(ids)}))


def autoscaling(aas):
    """Between 1 and 10 tasks on average CPU, as the workshop's `aws application-autoscaling` steps."""
    ids = []
    for name, target, policy in (
        ("ecsdemo-frontend", 50.0, "frontend-cpu-target-tracking"),
        ("ecsdemo-crystal", 20.0, "ecsdemo-crystal-cpu"),
    ):
        resource = f"service/container-demo/{name}"
        aas.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=resource,
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=1,
            MaxCapacity=10,
        )
        aas.put_scaling_policy(
            PolicyName=policy,
            ServiceNamespace="ecs",
            ResourceId=resource,
            ScalableDimension="ecs:service:DesiredCount",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": target,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                "ScaleInCooldown": 30,
                "ScaleOutCooldown": 30,
            },
        )
        ids += [resource, f"{resource}/{policy}"]
    return ids


def existing(endpoint):
    """Every id of the kinds built above that exists now (AWS's default VPC and its parts aside)."""
    ec2 = client("ec2", endpoint)
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    in_vpcs = [{"Name": "vpc-id", "Values": vpcs}]
    ids = list(vpcs)
    ids += [s["SubnetId"] for s in ec2.describe_subnets(Filters=in_vpcs)["Subnets"]]
    ids += [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]]
    ids += [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]]
    ids += [n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"]
    for table in ec2.describe_route_tables(Filters=in_vpcs)["RouteTables"]:
        if not any(a.get("Main") for a in table.get("Associations", [])):
            ids.append(table["RouteTableId"])
    ids += [g["GroupId"] for g in ec2.describe_security_groups(Filters=in_vpcs)["SecurityGroups"] if g["GroupName"] != "default"]
    ecs = client("ecs", endpoint)
    ids += ecs.list_clusters()["clusterArns"]
    for arn in ecs.list_services(cluster="container-demo")["serviceArns"]:
        ids.append(arn)
    ids += ecs.list_task_definitions()["taskDefinitionArns"]
    sd = client("servicediscovery", endpoint)
    ids += [n["Arn"] for n in sd.list_namespaces()["Namespaces"]]
    ids += [s["Arn"] for s in sd.list_services()["Services"]]
    ids += [r["Arn"] for r in client("iam", endpoint).list_roles()["Roles"] if r["RoleName"].startswith("ecsdemo")]
    elb = client("elbv2", endpoint)
    lbs = elb.describe_load_balancers()["LoadBalancers"]
    ids += [lb["LoadBalancerArn"] for lb in lbs]
    ids += [tg["TargetGroupArn"] for tg in elb.describe_target_groups()["TargetGroups"]]
    for lb in lbs:
        ids += [l["ListenerArn"] for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]]
    ids += [g["logGroupName"] for g in client("logs", endpoint).describe_log_groups()["logGroups"]]
    aas = client("application-autoscaling", endpoint)
    ids += [t["ResourceId"] for t in aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]]
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    ids += [f"{p['ResourceId']}/{p['PolicyName']}" for p in policies]
    print(json.dumps({"ids": sorted(ids)}))


if __name__ == "__main__":
    {"build": build, "ids": existing}[sys.argv[1]](sys.argv[2])
