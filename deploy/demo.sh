#!/usr/bin/env bash
# The main job on the local AWS emulator, from a fresh machine:
#   installs the emulator (into .venv/), builds reconciler, starts moto on a free loopback port,
#   runs `reconciler --once` on config/ (converges the workshop platform from empty), then shows the
#   dry run of a second pass, which must say "No changes.".
# Only the standard AWS variables point the reconciler at the emulator.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/install-emulator.sh
cargo build --quiet -p reconciler-cli

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
MOTO_IAM_LOAD_MANAGED_POLICIES=true .venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/moto-api/data.json" >/dev/null && break
    sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
unset AWS_PROFILE

echo "==> reconciler --config-dir config --once   (emulator at $AWS_ENDPOINT_URL)"
target/debug/reconciler --config-dir config --once
echo
echo "==> reconciler --config-dir config --once --dry-run --detailed-exitcode   (second pass)"
target/debug/reconciler --config-dir config --once --dry-run --detailed-exitcode
