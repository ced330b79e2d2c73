#!/usr/bin/env bash
# The long matrices the default run only samples (`#[ignore = "long matrix: tests/run-long.sh"]`): a lost
# answer on every create operation of the workshop, and a crash at every mutating call of a converge. Takes
# far longer than tests/run.sh; run it before a release or after touching how creates are sent.
# Extra arguments go to the test runner (e.g. a filter: `tests/run-long.sh lost_answers`);
# CRASH_MATRIX_FROM=N resumes the crash matrix at the N-th mutating call.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/install-emulator.sh
cargo build --quiet -p reconciler-cli
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast --run-ignored ignored-only "$@"
else
    cargo test --workspace --no-fail-fast -- --ignored "$@"
fi
