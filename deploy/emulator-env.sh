# Sourced by the demo and the benchmarks: starts moto server (installed by deploy/install-emulator.sh) on a
# free loopback port and points the standard AWS variables at it. Nothing else is needed to aim the
# reconciler at the emulator. The server is stopped when the sourcing script exits.
#   start_emulator ROOT    -> sets EMULATOR_PORT and exports AWS_ENDPOINT_URL, AWS_REGION and test credentials

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_emulator() {
    local root="$1"
    EMULATOR_PORT="$(free_port)"
    MOTO_IAM_LOAD_MANAGED_POLICIES=true "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$EMULATOR_PORT" >/dev/null 2>&1 &
    EMULATOR_PID=$!
    trap 'kill $EMULATOR_PID ${EXTRA_PIDS:-} 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$EMULATOR_PORT/moto-api/data.json" >/dev/null && break
        sleep 0.1
    done
    export AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT" AWS_REGION=us-east-1
    export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
    unset AWS_PROFILE
}
