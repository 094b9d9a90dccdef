"""Set-up decides from what works, not from names on PATH: `scripts/setup.sh plan` on fake machines.

Each test builds a PATH holding only fake programs (and the few coreutils the script needs), so the real
machine's Docker does not leak in. The live counterpart, tests/live/test_setup_live.py, checks this machine.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "setup.sh"
_COREUTILS = ["bash", "dirname", "id", "timeout", "tr", "sed", "cat", "printf", "mktemp", "rm", "tail", "awk", "head",
              "grep"]  # fmt: skip
TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _fake(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/bash\n{script}\n")
    path.chmod(0o755)


def _plan(bin_dir: Path) -> dict[str, str]:
    for tool in _COREUTILS:
        real = shutil.which(tool)
        if real and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(real)
    _fake(bin_dir, "dpkg", "exit 0")  # every Debian package counts as installed
    env = {"PATH": str(bin_dir), "FIREDRILL_TOOLS_BIN": str(bin_dir), "HOME": str(bin_dir)}
    result = subprocess.run(["bash", str(SETUP), "plan"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return tmp_path


def test_a_client_with_no_engine_is_not_docker(bin_dir: Path) -> None:
    # A fresh machine of this kind: /usr/local/bin/docker answers --version, but `docker info` has no daemon.
    _fake(bin_dir, "docker", 'case "$1" in info) echo "Cannot connect to the Docker daemon" >&2; exit 1;; esac\n'
          'echo "Docker version 28.2.2"')  # fmt: skip
    assert _plan(bin_dir)["docker"] == "install"


def test_an_installed_engine_that_is_not_running_is_started(bin_dir: Path) -> None:
    _fake(bin_dir, "docker", 'case "$1" in info) exit 1;; esac')
    _fake(bin_dir, "dockerd", "exit 0")
    assert _plan(bin_dir)["docker"] == "start"


def test_a_daemon_that_answers_is_kept(bin_dir: Path) -> None:
    # A CI runner with its own Docker: nothing is installed or started.
    _fake(bin_dir, "docker", "exit 0")
    assert _plan(bin_dir)["docker"] == "running"


def test_no_docker_at_all_installs_the_engine(bin_dir: Path) -> None:
    assert _plan(bin_dir)["docker"] == "install"


def test_compose_comes_from_either_program(bin_dir: Path) -> None:
    assert _plan(bin_dir)["compose"] == "install"
    _fake(bin_dir, "docker-compose", "exit 0")
    assert _plan(bin_dir)["compose"] == "present"


def test_non_root_is_told_dockerd_cannot_start(bin_dir: Path) -> None:
    _fake(bin_dir, "id", "echo 1000")  # a user's uid, whoever runs the test
    _fake(bin_dir, "docker", 'case "$1" in info) exit 1;; esac')
    assert "not root" in _plan(bin_dir).get("docker-note", "")


def _pinned(tool: str, module: str) -> str:
    """The version tools/<tool>/go.mod pins for `module`, as the Go module names it (v0.316.0)."""
    for line in (TOOLS / tool / "go.mod").read_text().splitlines():
        if line.split()[:1] == [module]:
            return line.split()[1]
    raise AssertionError(f"tools/{tool}/go.mod pins no {module}")


def _prometheus_release() -> str:
    # Prometheus 3.x is published as Go module v0.3MM.P (v0.316.0 is 3.16.0); computed here independently.
    minor_major, patch = _pinned("prometheus", "github.com/prometheus/prometheus").removeprefix("v0.").split(".")
    return f"{int(minor_major) // 100}.{int(minor_major) % 100}.{patch}"


def _version_program(bin_dir: Path, name: str, program: str, version: str) -> None:
    _fake(bin_dir, name, f'echo "{program}, version {version} (branch: go-module, revision: x)"')


def test_prometheus_3_and_alertmanager_are_built_when_absent(bin_dir: Path) -> None:
    plan = _plan(bin_dir)
    release = _prometheus_release()
    assert release.startswith("3.")
    assert plan["prometheus"] == f"build {release}"
    assert plan["alertmanager"] == f"build {_pinned('alertmanager', 'github.com/prometheus/alertmanager')[1:]}"


def test_built_programs_are_kept_only_at_the_pinned_version(bin_dir: Path) -> None:
    release = _prometheus_release()
    _version_program(bin_dir, f"prometheus-{release}", "prometheus", release)
    assert _plan(bin_dir)["prometheus"] == f"build {release}", "promtool is missing: both are built"
    _version_program(bin_dir, f"promtool-{release}", "promtool", release)
    assert _plan(bin_dir)["prometheus"] == f"present {release}"
    # A program under the right name that says another version (a half-finished or tampered install) is rebuilt.
    _version_program(bin_dir, f"promtool-{release}", "promtool", "3.0.0")
    assert _plan(bin_dir)["prometheus"] == f"build {release}"


def test_debian_programs_do_not_count_as_the_built_ones(bin_dir: Path) -> None:
    _version_program(bin_dir, "prometheus", "prometheus", "2.42.0+ds")
    _version_program(bin_dir, "promtool", "promtool", "2.42.0+ds")
    assert _plan(bin_dir)["prometheus"].startswith("build ")
