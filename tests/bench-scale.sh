#!/usr/bin/env bash
# Benchmark at scale (issue 17): N services over C clusters, generated, converged and kept by the daemon
# against moto. Measured from the daemon's own /metrics (calls by operation, pass wall time) and /proc (CPU,
# RSS): the converge pass, a no-change pass (the steady state, every resync), and the idle daemon between
# passes. Prints, beside the no-change pass's calls, the lower bound a pass could reach with batched reads
# (one read per kind and page; DescribeServices per 10 services).
#
#   tests/bench-scale.sh [SERVICES [CLUSTERS]]     default 1000 over 10; release build
#   RECONCILER_BIN=target/debug/reconciler tests/bench-scale.sh 10 2    (a binary already built: a quick check)
#
# The emulator shares the 2 cores: wall times include its work, call counts are exact.
set -euo pipefail

services="${1:-1000}"
clusters="${2:-10}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/install-emulator.sh
bin="${RECONCILER_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --quiet --release -p reconciler-cli
    bin="$root/target/release/reconciler"
fi
work="$(mktemp -d)"
EXTRA_PIDS=""
source deploy/emulator-env.sh
start_emulator "$root"
trap 'kill $EMULATOR_PID $EXTRA_PIDS 2>/dev/null || true; rm -rf "$work"' EXIT

# The desired state: one platform (a /16 VPC: the tasks must fit), C clusters, N services spread over them,
# each with its own log group and Cloud Map name, as the workshop's backends.
mkdir -p "$work/desired"
python3 - "$work/desired" "$services" "$clusters" <<'PY'
import sys
out, services, clusters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
platform = ['[vpc.main]', 'cidr = "10.0.0.0/16"', 'availability_zones = 3', 'nat_gateways = "one"', '',
            '[security_group.services]', 'vpc = "main"', 'description = "services"', '',
            '[namespace.service]', 'dns_name = "service.local"', 'vpc = "main"', '',
            '[role.exec]', 'role_name = "bench-task-execution"', 'trusted_service = "ecs-tasks.amazonaws.com"',
            'managed_policies = ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]', '']
for c in range(clusters):
    platform += [f'[cluster.c{c}]', f'cluster_name = "bench-{c}"', '']
open(f"{out}/platform.toml", "w").write("\n".join(platform))
for s in range(services):
    name = f"svc-{s:04d}"
    open(f"{out}/{name}.toml", "w").write("\n".join([
        f'[log_group.{name}]', f'group_name = "/ecs/{name}"', 'retention_days = 14', '',
        f'[service.{name}]', f'cluster = "c{s % clusters}"', 'image = "public.ecr.aws/nginx/nginx:1.27"',
        'port = 3000', 'vpc = "main"', 'security_groups = ["services"]', 'execution_role = "exec"', '',
        f'[service.{name}.logs]', f'log_group = "{name}"', '',
        f'[service.{name}.discovery]', 'namespace = "service"', '']))
PY

port="$(free_port)"
"$bin" --config-dir "$work/desired" --listen "127.0.0.1:$port" --resync-interval 3600s --config-file /dev/null \
    2>"$work/daemon.log" &
daemon=$!
EXTRA_PIDS="$daemon"
metrics() { curl -sf "http://127.0.0.1:$port/metrics" || true; }
passes() { metrics | awk '/^reconciler_passes_total/ {n += $2} END {print n + 0}'; }
wait_for_passes() {
    while [ "$(passes)" -lt "$1" ]; do
        kill -0 "$daemon" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
        sleep 1
    done
}
# CPU seconds (user + system) and RSS of the daemon, from /proc.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/$daemon/stat"; }
rss_mib() { awk -v key="$1:" '$1 == key {printf "%.1f\n", $2 / 1024}' "/proc/$daemon/status"; }

wait_for_passes 1
metrics >"$work/after-converge"
cpu_converge="$(cpu)"; rss_converge_peak="$(rss_mib VmHWM)"
sleep 10
cpu_idle_start="$(cpu)"; sleep 20; cpu_idle_end="$(cpu)"
rss_idle="$(rss_mib VmRSS)"
# Two passes now (SIGHUP): the first after a converge still reads what the converge made; the second is the
# steady state, measured.
kill -HUP "$daemon"
wait_for_passes 2
metrics >"$work/after-first-resync"
cpu_before="$(cpu)"
kill -HUP "$daemon"
wait_for_passes 3
metrics >"$work/after-steady"
cpu_steady="$(cpu)"; rss_peak="$(rss_mib VmHWM)"

python3 - "$work" "$services" "$clusters" "$cpu_converge" "$cpu_idle_start" "$cpu_idle_end" "$cpu_before" \
    "$cpu_steady" "$rss_converge_peak" "$rss_idle" "$rss_peak" "$bin" <<'PY'
import math, re, sys
work, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cpu_converge, idle0, idle1, cpu_before, cpu_steady = map(float, sys.argv[4:9])
rss_converge, rss_idle, rss_peak, binary = sys.argv[9:13]

def read(name):
    calls, last = {}, None
    for line in open(f"{work}/{name}"):
        m = re.match(r'reconciler_aws_api_calls_total\{service="([^"]+)",operation="([^"]+)",outcome="[^"]+"\} (\d+)', line)
        if m:
            key = f"{m[1]}.{m[2]}"
            calls[key] = calls.get(key, 0) + int(m[3])
        m = re.match(r"reconciler_last_pass_duration_seconds (\S+)", line)
        if m:
            last = float(m[1])
    return calls, last

converge, converge_s = read("after-converge")
before, _ = read("after-first-resync")
total, steady_s = read("after-steady")
steady = {k: v - before.get(k, 0) for k, v in total.items() if v - before.get(k, 0) > 0}
per_cluster = math.ceil(n / c)
# The lower bound: every operation once per page of what it lists (the Tagging API's GetResources, 100 per
# page, for what is read per resource today), and DescribeServices per 10 services.
per_resource = {k for k, v in steady.items() if v >= n}
batched = per_resource - {"ECS.DescribeServices"}
# What is not per resource is already one call per page.
lower = sum(v for k, v in steady.items() if k not in per_resource and k != "ECS.DescribeServices")
lower += c * math.ceil(per_cluster / 10)
lower += len(batched) * math.ceil(n / 100)
print(f"{n} services over {c} clusters, {binary}, moto on loopback")
print()
print("| pass | API calls | wall s | CPU s | peak RSS MiB |")
print("|---|---|---|---|---|")
print(f"| converge | {sum(converge.values())} | {converge_s:.1f} | {cpu_converge:.2f} | {rss_converge} |")
print(f"| no-change | {sum(steady.values())} (lower bound {lower}) | {steady_s:.1f} | {cpu_steady - cpu_before:.2f} | {rss_peak} |")
print(f"| idle, 20 s | 0 | | {idle1 - idle0:.2f} | {rss_idle} (now) |")
print()
print("No-change pass, calls by operation (most first):")
for k, v in sorted(steady.items(), key=lambda kv: -kv[1]):
    print(f"  {v:6d}  {k}{'   per resource' if k in per_resource else ''}")
PY
