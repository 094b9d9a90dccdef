#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: every step skips what is already there.
#
#   scripts/setup.sh          everything below (what `make setup` runs)
#   scripts/setup.sh docker   only the Docker engine: install it if missing, start it, build the offline images
#   scripts/setup.sh tools    only the programs built from Go modules (Jaeger, Prometheus 3, Alertmanager, actionlint)
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

# The version tools/<dir>/go.mod pins for module <path>, e.g. v0.316.0.
pinned() { awk -v mod="$2" '$1 == mod { print $2; exit }' "tools/$1/go.mod"; }

# Prometheus 3 releases as Go module v0.3MM.P: v0.316.0 is 3.16.0.
prometheus_release() {
  local v; v=$(pinned prometheus github.com/prometheus/prometheus); v=${v#v0.}
  echo "$((10#${v%%.*} / 100)).$((10#${v%%.*} % 100)).${v#*.}"
}
alertmanager_release() { local v; v=$(pinned alertmanager github.com/prometheus/alertmanager); echo "${v#v}"; }

# True when PROGRAM exists and says it is VERSION (`--version` prints "name, version X.Y.Z (...)").
has_version() { [ -x "$1" ] && "$1" --version 2>&1 | head -n 1 | grep -q "version $2 "; }

# "present 3.16.0" when both programs are installed and say that version, else "build 3.16.0".
built_decision() {
  local server=$1 tool=$2 release=$3
  if has_version "$TOOLS_BIN/$server-$release" "$release" && has_version "$TOOLS_BIN/$tool-$release" "$release"; then
    echo "present $release"
  else
    echo "build $release"
  fi
}
prometheus_decision() { built_decision prometheus promtool "$(prometheus_release)"; }
alertmanager_decision() { built_decision alertmanager amtool "$(alertmanager_release)"; }

plan() {
  local docker; docker=$(docker_decision)
  echo "docker=$docker"
  if [ "$docker" != running ] && ! can_run_dockerd; then
    echo "docker-note=not root: dockerd cannot be started here; the containers provider will not be exercised"
  fi
  echo "compose=$(compose_decision)"
  echo "packages=$(missing_packages | tr '\n' ' ' | sed 's/ $//')"
  echo "prometheus=$(prometheus_decision)"
  echo "alertmanager=$(alertmanager_decision)"
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
  prometheus_build
  alertmanager_build
  # actionlint, which checks .github/workflows in `make lint`
  local actionlint_version=v1.7.12
  if ! command -v actionlint >/dev/null 2>&1 && [ ! -x "$TOOLS_BIN/actionlint" ]; then
    need_go actionlint
    say "building actionlint $actionlint_version into $TOOLS_BIN"
    quietly "actionlint build" env GOBIN="$TOOLS_BIN" go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
  fi
}

# --- Prometheus 3 and Alertmanager 0.3x from their Go modules (tools/prometheus, tools/alertmanager) ---------
# Installed under versioned names (prometheus-3.16.0, promtool-3.16.0, alertmanager-0.35.0, amtool-0.35.0), so
# Debian's prometheus 2.42 and alertmanager 0.25 stay as they are; firedrill runs the newest it finds.

# A build directory under /tmp, removed when set-up exits (failed or not).
SCRATCH=()
scratch_dir() { SCRATCH+=("$(mktemp -d "/tmp/firedrill-$1-XXXXXX")"); }
trap '[ ${#SCRATCH[@]} -eq 0 ] || rm -rf "${SCRATCH[@]}"' EXIT

# go_build DIR MODULE RELEASE OUT_DIR MODFILE PACKAGE...: a static, trimmed build of the packages (service
# discoveries left out) with the release stamped in as the official builds do it (prometheus/common/version).
go_build() {
  local dir=$1 module=$2 release=$3 out=$4 modfile=$5; shift 5
  local v=github.com/prometheus/common/version
  local ldflags="-s -w -X $v.Version=$release -X $v.Revision=$(pinned "$dir" "$module") -X $v.Branch=go-module"
  ldflags+=" -X $v.BuildUser=firedrill-setup -X $v.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"
  (cd "tools/$dir" && CGO_ENABLED=0 go build -modfile="$modfile" -tags remove_all_sd -trimpath \
     -ldflags "$ldflags" -o "$out/" "$@")
}

prometheus_build() {
  local release; release=$(prometheus_release)
  [ "$(prometheus_decision)" = "build $release" ] || return 0
  need_go "Prometheus $release"
  say "building Prometheus $release (prometheus, promtool) into $TOOLS_BIN as prometheus-$release, promtool-$release (first time only)"
  scratch_dir prometheus; local work=${SCRATCH[-1]}
  # remove_all_sd: every service discovery but file and http is left out (no cloud SDKs); drills need none.
  quietly "Prometheus $release build" go_build prometheus github.com/prometheus/prometheus "$release" "$work" \
    "$PWD/tools/prometheus/go.mod" github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool
  install -m 0755 "$work/prometheus" "$TOOLS_BIN/prometheus-$release"
  install -m 0755 "$work/promtool" "$TOOLS_BIN/promtool-$release"
}

# Alertmanager's module zip lacks the web UI that ui/web.go embeds (ui/app/dist): build from a copy of the
# module with a one-page stand-in, wired in by a `replace` in a copy of the tools module's go.mod.
alertmanager_source() {
  local work=$1 release=$2 src
  src=$(cd tools/alertmanager && go mod download -json github.com/prometheus/alertmanager | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] && [ -f "$src/VERSION" ] || { echo "no module source for github.com/prometheus/alertmanager" >&2; return 1; }
  grep -qx "$release" "$src/VERSION" || { echo "$src/VERSION is not $release" >&2; return 1; }
  cp -r "$src" "$work/alertmanager" && chmod -R u+w "$work/alertmanager"
  local ui
  for ui in elm mantine; do
    mkdir -p "$work/alertmanager/ui/app/dist/$ui"
    printf '<!doctype html><title>Alertmanager</title><p>Built by firedrill without its web UI; the API is at /api/v2/.\n' \
      > "$work/alertmanager/ui/app/dist/$ui/index.html"
  done
  cp tools/alertmanager/go.mod tools/alertmanager/go.sum "$work/"
  echo "replace github.com/prometheus/alertmanager v$release => $work/alertmanager" >> "$work/go.mod"
}

alertmanager_build() {
  local release; release=$(alertmanager_release)
  [ "$(alertmanager_decision)" = "build $release" ] || return 0
  need_go "Alertmanager $release"
  say "building Alertmanager $release (alertmanager, amtool) into $TOOLS_BIN as alertmanager-$release, amtool-$release (first time only)"
  scratch_dir alertmanager; local work=${SCRATCH[-1]}
  quietly "Alertmanager $release source" alertmanager_source "$work" "$release"
  quietly "Alertmanager $release build" go_build alertmanager github.com/prometheus/alertmanager "$release" \
    "$work/bin" "$work/go.mod" github.com/prometheus/alertmanager/cmd/alertmanager github.com/prometheus/alertmanager/cmd/amtool
  install -m 0755 "$work/bin/alertmanager" "$TOOLS_BIN/alertmanager-$release"
  install -m 0755 "$work/bin/amtool" "$TOOLS_BIN/amtool-$release"
}

start_dockerd() {
  if ! can_run_dockerd; then
    say "no Docker daemon answers and dockerd needs root here; start it yourself (see README) or use --stack processes"
    return 0
  fi
  say "starting dockerd (vfs storage, no bridge, no iptables; log: $DOCKERD_LOG)"
  # setsid: the daemon outlives this script and is not in make's process group (Ctrl-C on make spares it).
  # Its subshell first closes every descriptor it inherited above 2: a daemon that kept the caller's lock file
  # (`flock LOCK make test`) would hold that lock until it stops.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    exec setsid nohup dockerd --storage-driver=vfs --bridge=none --iptables=false >"$DOCKERD_LOG" 2>&1 </dev/null
  ) &
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
  tools) go_tools ;;
  all) debian_packages; python_env; go_tools; docker_engine; say "ready" ;;
  *) echo "usage: scripts/setup.sh [all|docker|tools|plan]" >&2; exit 2 ;;
esac
