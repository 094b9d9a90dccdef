#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: every step skips what is already there.
#   - Debian packages: prometheus (promtool), prometheus-alertmanager (amtool), blackbox exporter, and Docker
#     with docker-compose when the machine has none (a CI runner's own Docker is kept)
#   - Python venv in .venv with firedrill and its dev tools
#   - Jaeger v2 built from its Go module (pinned in tools/jaeger/go.mod), and actionlint, into $JAEGER_BIN_DIR
#   - dockerd started when it is installed but not running (root only), and the offline images built
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# 1. Debian packages
need=()
for pkg in prometheus prometheus-alertmanager prometheus-blackbox-exporter procps; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
command -v docker >/dev/null 2>&1 || need+=(docker.io)
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  need+=(docker-compose)
fi
if [ ${#need[@]} -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's packages start services where an init system runs; firedrill starts its own on free ports.
for svc in prometheus prometheus-alertmanager prometheus-blackbox-exporter prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done

# 2. Python environment
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.firedrill-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing Python dependencies"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
fi

# 3. Jaeger v2 (the Go build is the slow part: done once per machine)
command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
JAEGER_BIN_DIR=${JAEGER_BIN_DIR:-/usr/local/bin}
[ -w "$JAEGER_BIN_DIR" ] || JAEGER_BIN_DIR="$HOME/.local/bin"
if ! command -v jaeger >/dev/null 2>&1 && [ ! -x "$JAEGER_BIN_DIR/jaeger" ]; then
  say "building jaeger from its Go module into $JAEGER_BIN_DIR (first time only, a few minutes)"
  mkdir -p "$JAEGER_BIN_DIR"
  command -v go >/dev/null 2>&1 || { echo "setup: Go is needed to build Jaeger; install Go 1.24+" >&2; exit 2; }
  (cd tools/jaeger && GOFLAGS=-mod=mod go build -o "$JAEGER_BIN_DIR/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger)
fi

# 4. actionlint, which checks .github/workflows in `make lint`
ACTIONLINT_VERSION=v1.7.12
if ! command -v actionlint >/dev/null 2>&1 && [ ! -x "$JAEGER_BIN_DIR/actionlint" ]; then
  say "building actionlint $ACTIONLINT_VERSION into $JAEGER_BIN_DIR"
  command -v go >/dev/null 2>&1 || { echo "setup: Go is needed to build actionlint; install Go 1.24+" >&2; exit 2; }
  GOBIN="$JAEGER_BIN_DIR" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

# 5. Docker daemon and offline images (air-gapped: no registry is needed)
if command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    say "starting dockerd (vfs storage, no bridge, no iptables)"
    nohup dockerd --storage-driver=vfs --bridge=none --iptables=false >/tmp/firedrill-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  fi
fi
if docker info >/dev/null 2>&1; then
  PATH="$JAEGER_BIN_DIR:$PATH" .venv/bin/firedrill images build
else
  say "no Docker daemon: the containers provider will not be exercised (see /tmp/firedrill-dockerd.log)"
fi
say "ready"
