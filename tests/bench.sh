#!/usr/bin/env bash
# Benchmark: API calls, wall time and peak memory of one pass of the shipped config/ against moto.
#   converge  - from an empty account (fresh emulator state each round)
#   no-change - a pass over a converged account (the steady state of the loop)
#   dry-run   - the plan on an empty account
# Each is run ROUNDS times (default 5); the table shows the median wall time and the max RSS.
# Builds in release mode: that is what users run. The emulator shares the 2 cores, so wall times
# include its work; API-call counts are exact and do not vary.
set -euo pipefail

rounds="${ROUNDS:-5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/install-emulator.sh
cargo build --quiet --release -p reconciler-cli
bin="$root/target/release/reconciler"

source deploy/emulator-env.sh
start_emulator "$root"
port="$EMULATOR_PORT"
reset() { curl -sf -X POST "http://127.0.0.1:$port/moto-api/reset" >/dev/null; }

# Warm the emulator up (its first call per service is slow) so that it does not count against round 1.
"$bin" --config-dir config --once --dry-run >/dev/null

# One measured run: prints "calls mutating wall_ms rss_kb".
measure() {
    local out
    out="$( { /usr/bin/time -f 'RSS %M' "$bin" --config-dir config --once "$@" --output json 2>&1 >/dev/null; } )"
    local summary rss
    summary="$(grep ' API calls (' <<<"$out")"
    rss="$(grep '^RSS ' <<<"$out" | awk '{print $2}')"
    python3 - "$summary" "$rss" <<'PY'
import re, sys
s = sys.argv[1]
calls, mutating = re.search(r"(\d+) API calls \((\d+) mutating\)", s).groups()
secs = float(re.search(r"in ([\d.]+) s", s).group(1))
print(calls, mutating, int(secs * 1000), sys.argv[2])
PY
}

report() {
    local name="$1"; shift
    python3 - "$name" "$@" <<'PY'
import statistics, sys
name, rows = sys.argv[1], [list(map(int, r.split())) for r in sys.argv[2:]]
calls = {r[0] for r in rows}; mutating = {r[1] for r in rows}
print(f"| {name:<9} | {'/'.join(map(str, sorted(calls))):>9} | {'/'.join(map(str, sorted(mutating))):>8} "
      f"| {statistics.median(r[2] for r in rows):>14.0f} | {max(r[3] for r in rows) / 1024:>11.1f} |")
PY
}

converge=(); steady=(); dry=()
for _ in $(seq 1 "$rounds"); do
    reset; dry+=("$(measure --dry-run)")
    reset; converge+=("$(measure)")
    steady+=("$(measure)")
done
echo "config/: $(ls config/*.toml | wc -l) files, $rounds rounds, release build, moto on loopback"
echo "| pass      | API calls | mutating | wall ms (med.) | max RSS MiB |"
echo "|-----------|-----------|----------|----------------|-------------|"
report converge "${converge[@]}"
report no-change "${steady[@]}"
report dry-run "${dry[@]}"
