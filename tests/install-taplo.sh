#!/usr/bin/env bash
# Installs taplo (the TOML toolkit behind VS Code's Even Better TOML), pinned, into .tools/: the schema test
# checks the desired-state files against crates/spec/desired-state.schema.json with the checker editors use.
set -euo pipefail

TAPLO_VERSION="0.7.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"

installed="$(node -p "require('$tools/node_modules/@taplo/cli/package.json').version" 2>/dev/null || true)"
if [ -x "$tools/node_modules/.bin/taplo" ] && [ "$installed" = "$TAPLO_VERSION" ]; then
    exit 0
fi
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
echo "Installing @taplo/cli@$TAPLO_VERSION into $tools ..." >&2
mkdir -p "$tools"
npm install --silent --no-audit --no-fund --prefix "$tools" "@taplo/cli@$TAPLO_VERSION"
