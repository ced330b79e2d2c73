#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, and the end-to-end tests against moto server.
# Installs what the tests need (the emulator, into .venv/) first. Safe to run on a fresh machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deploy/install-emulator.sh
tests/install-taplo.sh
command -v systemd-analyze >/dev/null || { apt-get update -qq && apt-get install -y -qq systemd; }

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The end-to-end tests run the real binary: build it first.
cargo build --quiet -p reconciler-cli
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi
