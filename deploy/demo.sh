#!/usr/bin/env bash
# The main job on the local AWS emulator, from a fresh machine:
#   installs the emulator (into .venv/), builds reconciler, starts moto on a free loopback port,
#   runs `reconciler --once` on config/ (converges the whole workshop from empty: network, cluster,
#   Cloud Map, roles, logs, the three services, the load balancer and the load-test host), shows the
#   services with `reconciler status`, then the dry run of a second pass, which must say "No changes.".
# Only the standard AWS variables point the reconciler at the emulator.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/install-emulator.sh
cargo build --quiet -p reconciler-cli

source deploy/emulator-env.sh
start_emulator "$root"

echo "==> reconciler --config-dir config --once   (emulator at $AWS_ENDPOINT_URL)"
target/debug/reconciler --config-dir config --once
echo
echo "==> reconciler status --config-dir config"
target/debug/reconciler status --config-dir config
echo
echo "==> reconciler --config-dir config --once --dry-run --detailed-exitcode   (second pass)"
target/debug/reconciler --config-dir config --once --dry-run --detailed-exitcode
