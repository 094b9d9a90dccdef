#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: every step skips what is already there.
#
#   scripts/setup.sh          everything below (what `make setup` runs)
#   scripts/setup.sh docker   only the Docker engine: install it if missing, start it, build the offline images
#   scripts/setup.sh plan     print what set-up would decide on this machine, change nothing
#
# Decisions come from what works on the machine, never from a name on PATH: a `docker` client with no engine
# behind it (as on a fresh machine of this project's kind) is not Docker. The Docker decision is one of
#   running   a daemon answers `docker info`: keep it (a CI runner's own Docker stays as it is)
#   start     no daemon answers but `dockerd` is installed: start it (root only)
#   install   no daemon answers and no `dockerd`: install Debian's docker.io, then start it
# The standing guard is tests/unit/test_setup_plan.py (fake machines) and tests/live/test_setup_live.py
# (this machine, after set-up: the decision must now be `running` and the daemon must answer).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
TOOLS_BIN=${FIREDRILL_TOOLS_BIN:-/usr/local/bin}
[ -w "$TOOLS_BIN" ] || TOOLS_BIN="$HOME/.local/bin"
DOCKERD_LOG=${FIREDRILL_DOCKERD_LOG:-/tmp/firedrill-dockerd.log}

# --- decisions (pure: they look, they do not change anything) ---------------------------------------------

docker_answers() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }

docker_decision() {
  if docker_answers; then echo running
  elif command -v dockerd >/dev/null 2>&1; then echo start
  else echo install
  fi
}

can_run_dockerd() { [ "$(id -u)" -eq 0 ]; }

compose_decision() {
  if command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; then echo present
  else echo install
  fi
}

missing_packages() {
  local pkg
  # chromium and a font: the HTML reports' tests open report.html in headless Chromium (driven by playwright).
  for pkg in prometheus prometheus-alertmanager prometheus-blackbox-exporter procps chromium fonts-dejavu-core; do
    dpkg -s "$pkg" >/dev/null 2>&1 || printf '%s\n' "$pkg"
  done
}

plan() {
  local docker; docker=$(docker_decision)
  echo "docker=$docker"
  if [ "$docker" != running ] && ! can_run_dockerd; then
    echo "docker-note=not root: dockerd cannot be started here; the containers provider will not be exercised"
  fi
  echo "compose=$(compose_decision)"
  echo "packages=$(missing_packages | tr '\n' ' ' | sed 's/ $//')"
}

# --- steps ------------------------------------------------------------------------------------------------

apt_install() {
  [ $# -gt 0 ] || return 0
  say "installing Debian packages: $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

debian_packages() {
  local need
  mapfile -t need < <(missing_packages)
  [ "$(compose_decision)" = present ] || need+=(docker-compose)
  apt_install "${need[@]}"
  # Debian's packages start services where an init system runs; firedrill starts its own on free ports.
  local svc
  for svc in prometheus prometheus-alertmanager prometheus-blackbox-exporter prometheus-node-exporter; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $SUDO systemctl stop "$svc" || true
    fi
  done
}

python_env() {
  local py=${PYTHON:-python3} stamp=.venv/.firedrill-installed
  if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    "$py" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing Python dependencies"
    .venv/bin/pip install -q --upgrade pip >/dev/null
    .venv/bin/pip install -q -e '.[dev]'
    touch "$stamp"
  fi
}

# Run a noisy step with its output in a log; show the log's tail only when the step fails.
quietly() {
  local what=$1; shift
  local log; log=$(mktemp "/tmp/firedrill-setup-XXXXXX.log")
  if "$@" >"$log" 2>&1; then rm -f "$log"; return 0; fi
  echo "setup: $what failed; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 2
}

need_go() {
  command -v go >/dev/null 2>&1 && return 0
  echo "setup: Go is needed to build $1; install Go 1.24+ (https://go.dev/dl) and run \`make setup\` again" >&2
  exit 2
}

go_tools() {
  mkdir -p "$TOOLS_BIN"
  # Jaeger v2 (the Go build is the slow part: done once per machine)
  if ! command -v jaeger >/dev/null 2>&1 && [ ! -x "$TOOLS_BIN/jaeger" ]; then
    need_go Jaeger
    say "building jaeger from its Go module into $TOOLS_BIN (first time only, a few minutes)"
    quietly "jaeger build" bash -c "cd tools/jaeger && GOFLAGS=-mod=mod go build -o '$TOOLS_BIN/jaeger' github.com/jaegertracing/jaeger/cmd/jaeger"
  fi
  # actionlint, which checks .github/workflows in `make lint`
  local actionlint_version=v1.7.12
  if ! command -v actionlint >/dev/null 2>&1 && [ ! -x "$TOOLS_BIN/actionlint" ]; then
    need_go actionlint
    say "building actionlint $actionlint_version into $TOOLS_BIN"
    quietly "actionlint build" env GOBIN="$TOOLS_BIN" go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
  fi
}

start_dockerd() {
  if ! can_run_dockerd; then
    say "no Docker daemon answers and dockerd needs root here; start it yourself (see README) or use --stack processes"
    return 0
  fi
  say "starting dockerd (vfs storage, no bridge, no iptables; log: $DOCKERD_LOG)"
  # setsid: the daemon outlives this script and is not in make's process group (Ctrl-C on make spares it).
  setsid nohup dockerd --storage-driver=vfs --bridge=none --iptables=false >"$DOCKERD_LOG" 2>&1 < /dev/null &
  local _
  for _ in $(seq 1 120); do docker_answers && return 0; sleep 0.5; done
  say "dockerd did not answer within 60s; its log: $DOCKERD_LOG"
  tail -n 5 "$DOCKERD_LOG" >&2 || true
}

docker_engine() {
  case "$(docker_decision)" in
    running) ;;
    start) start_dockerd ;;
    install)
      if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        say "no Docker engine and no root to install one: the containers provider will not be exercised"
        return 0
      fi
      say "a docker client is here but no engine answers: installing Debian's docker.io (dockerd)"
      apt_install docker.io
      hash -r
      start_dockerd ;;
  esac
  if docker_answers; then
    .venv/bin/firedrill images build
  else
    say "no Docker daemon: the containers provider will not be exercised (see $DOCKERD_LOG)"
  fi
}

export PATH="$TOOLS_BIN:$PATH"
case "${1:-all}" in
  plan) plan ;;
  docker) debian_packages; python_env; go_tools; docker_engine ;;
  all) debian_packages; python_env; go_tools; docker_engine; say "ready" ;;
  *) echo "usage: scripts/setup.sh [all|docker|plan]" >&2; exit 2 ;;
esac
