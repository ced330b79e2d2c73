#!/usr/bin/env bash
# Installs reconciler as a systemd service. Idempotent: run it again to upgrade the binary and the unit;
# files an admin owns (settings, environment, desired state) are created once and never overwritten.
# See deploy/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: deploy/install.sh [--root DIR] [--with-workshop] [BINARY]

Installs the reconciler daemon:
  BINARY                  -> /usr/local/bin/reconciler   (default: target/release/reconciler)
  deploy/reconciler.service -> /etc/systemd/system/reconciler.service   (always replaced)
  deploy/reconciler.toml  -> /etc/reconciler/reconciler.toml   (only if absent)
  deploy/reconciler.env   -> /etc/reconciler/reconciler.env    (only if absent)
  /etc/reconciler/desired/                                    (created empty: put your files there)
  config/*.toml           -> /etc/reconciler/desired/          (only with --with-workshop, into an empty one)
and creates the system user and group `reconciler`, then runs `systemctl daemon-reload`.
Run as root.

Options:
  --root DIR        install into the staging root DIR instead of /; creates no user, sets no ownership,
                    calls no systemctl (for packaging and tests). Needs no root.
  --with-workshop   also copy the ECS workshop's desired state (config/) into an empty desired/: a daemon
                    started then builds the workshop in the account. Without it, desired/ stays as it is.
  -h, --help   this text
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
root=""
binary=""
workshop=false
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --root)
            [ $# -ge 2 ] || { echo "install.sh: --root needs a directory" >&2; exit 2; }
            root="$2"
            shift 2
            ;;
        --root=*)
            root="${1#--root=}"
            shift
            ;;
        --with-workshop)
            workshop=true
            shift
            ;;
        -*)
            echo "install.sh: unknown option $1 (see --help)" >&2
            exit 2
            ;;
        *)
            [ -z "$binary" ] || { echo "install.sh: one binary only (see --help)" >&2; exit 2; }
            binary="$1"
            shift
            ;;
    esac
done
binary="${binary:-$repo/target/release/reconciler}"
staging=false
if [ -n "$root" ]; then
    staging=true
    root="${root%/}"
    mkdir -p "$root"
elif [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (or use --root DIR to stage an install)" >&2
    exit 1
fi
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
    echo "install.sh: no executable at $binary (build it: cargo build --release -p reconciler-cli)" >&2
    exit 1
fi

etc="$root/etc/reconciler"
desired="$etc/desired"
bindir="$root/usr/local/bin"
unitdir="$root/etc/systemd/system"

say() { echo "install.sh: $*"; }

# chown that only applies to a real install: a staging root has no `reconciler` user.
own() {
    if ! $staging; then
        chown "$@"
    fi
}

# Creates a directory once; an existing one keeps the owner and mode an admin gave it.
make_dir() { # path mode group
    if [ ! -d "$1" ]; then
        mkdir -p "$1"
        chmod "$2" "$1"
        own "root:$3" "$1"
        say "created $1"
    fi
}

# Installs an admin-owned file only if there is none: never overwrites local settings.
install_once() { # source destination mode group
    if [ -e "$2" ]; then
        say "kept $2 (exists; compare with $1)"
    else
        install -m "$3" "$1" "$2"
        own "root:$4" "$2"
        say "installed $2"
    fi
}

# 1. The user and group the service runs as. No home, no login shell.
if ! $staging; then
    if ! getent group reconciler >/dev/null; then
        groupadd --system reconciler
        say "created group reconciler"
    fi
    if ! getent passwd reconciler >/dev/null; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
            --gid reconciler --comment "reconciler daemon" reconciler
        say "created user reconciler"
    fi
fi

# 2. The binary: copied next to the target, then renamed over it, so a running daemon keeps its old
# executable and nothing ever sees a half-written file.
mkdir -p "$bindir"
install -m 0755 "$binary" "$bindir/.reconciler.new"
mv -f "$bindir/.reconciler.new" "$bindir/reconciler"
say "installed $bindir/reconciler"

# 3. Configuration. /etc/reconciler and desired/ are world-readable (desired state is no secret and often a
# git checkout); the settings file is readable by the service's group only; the environment file, which may
# hold AWS keys, is read by systemd as root before it drops privileges, so root only.
make_dir "$etc" 0755 reconciler
make_dir "$desired" 0755 reconciler
if ! $workshop; then
    say "desired state: put your files in $desired (--with-workshop copies the ECS workshop's)"
elif [ -z "$(find "$desired" -mindepth 1 -print -quit)" ]; then
    shopt -s nullglob
    shipped=("$repo"/config/*.toml)
    shopt -u nullglob
    for file in "${shipped[@]}"; do
        install -m 0644 "$file" "$desired/"
        own root:reconciler "$desired/$(basename "$file")"
    done
    say "copied ${#shipped[@]} desired-state file(s) from $repo/config to $desired"
else
    say "kept $desired (not empty)"
fi
install_once "$here/reconciler.toml" "$etc/reconciler.toml" 0640 reconciler
install_once "$here/reconciler.env" "$etc/reconciler.env" 0600 root

# 4. The unit. Ours, so always replaced; local changes belong in a drop-in (systemctl edit reconciler).
mkdir -p "$unitdir"
install -m 0644 "$here/reconciler.service" "$unitdir/reconciler.service"
say "installed $unitdir/reconciler.service"

if $staging; then
    say "staged into $root (no user created, no systemctl called)"
    exit 0
fi

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    say "systemctl daemon-reload done"
else
    say "systemd is not running here: skipped systemctl daemon-reload"
fi

cat <<EOF

Next steps:
  1. Set the AWS region (and credentials, unless the EC2 instance role provides them):
       \$EDITOR $etc/reconciler.env
  2. Review the settings and the desired state, and check them as the service user (no AWS call):
       \$EDITOR $etc/reconciler.toml
       runuser -u reconciler -- reconciler validate --config-file $etc/reconciler.toml
  3. Grant the AWS identity the policy `reconciler iam-policy --config-dir DIR` prints, preview the first pass (no change is
     made), then start:
       (set -a; . $etc/reconciler.env; reconciler --config-file $etc/reconciler.toml --once --dry-run)
       systemctl enable --now reconciler
  4. Watch it:
       systemctl status reconciler; journalctl -u reconciler -f; curl -s 127.0.0.1:9180/status
EOF
if systemctl is-active --quiet reconciler 2>/dev/null; then
    echo
    echo "reconciler is running the previous binary: systemctl restart reconciler"
fi
