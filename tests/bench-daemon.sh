#!/usr/bin/env bash
# Benchmark of the daemon on the shipped config/ against moto (release build):
#   - resident memory idle (between passes) and peak (VmHWM, over converge + passes)
#   - time from saving a desired-state file to the first mutating AWS call (from the daemon's JSON log)
# Runs ROUNDS edits (default 5) and prints each latency and the median.
set -euo pipefail

rounds="${ROUNDS:-5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/install-emulator.sh
cargo build --quiet --release -p reconciler-cli
bin="$root/target/release/reconciler"
work="$(mktemp -d)"
source deploy/emulator-env.sh
start_emulator "$root"

mkdir "$work/desired"
cp config/*.toml "$work/desired/"
listen="127.0.0.1:$(free_port)"
echo "" > "$work/settings.toml"
RUST_LOG=info "$bin" --config-file "$work/settings.toml" --config-dir "$work/desired" --listen "$listen" \
    --resync-interval 60s --log-format json 2>"$work/log.json" &
daemon_pid=$!
EXTRA_PIDS="$daemon_pid"
for _ in $(seq 1 300); do curl -sf "http://$listen/readyz" >/dev/null && break; sleep 0.1; done
sleep 3
idle_kb="$(awk '/VmRSS/ {print $2}' /proc/$daemon_pid/status)"

latencies=()
for i in $(seq 1 "$rounds"); do
    if (( i % 2 )); then from=true; to=false; else from=false; to=true; fi
    lines_before="$(wc -l < "$work/log.json")"
    saved="$(date +%s.%N)"
    sed -i "s/container_insights = $from/container_insights = $to/" "$work/desired/platform.toml"
    for _ in $(seq 1 200); do
        applied="$(tail -n +"$((lines_before + 1))" "$work/log.json" | grep -m1 '"message":"applied"' || true)"
        [ -n "$applied" ] && break
        sleep 0.05
    done
    latencies+=("$(python3 - "$saved" "$applied" <<'PY'
import datetime, json, sys
saved = float(sys.argv[1])
stamp = json.loads(sys.argv[2])["timestamp"]
t = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
print(int((t - saved) * 1000))
PY
)")
    sleep 1
done
peak_kb="$(awk '/VmHWM/ {print $2}' /proc/$daemon_pid/status)"
median="$(printf '%s\n' "${latencies[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
echo "daemon on config/ (release build, moto on loopback, debounce 500 ms):"
echo "  file save -> first mutating call: ${latencies[*]} ms (median $median ms)"
echo "  resident memory idle after converge: $((idle_kb / 1024)) MiB; peak over the run: $((peak_kb / 1024)) MiB"
rm -rf "$work"
