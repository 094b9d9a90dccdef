"""Set-up decides from what works, not from names on PATH: `scripts/setup.sh plan` on fake machines.

Each test builds a PATH holding only fake programs (and the few coreutils the script needs), so the real
machine's Docker does not leak in. The live counterpart, tests/live/test_setup_live.py, checks this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "setup.sh"
_COREUTILS = ["bash", "dirname", "id", "timeout", "tr", "sed", "cat", "printf", "mktemp", "rm", "tail"]


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


@pytest.mark.skipif(os.geteuid() == 0, reason="checks the note printed to non-root users")
def test_non_root_is_told_dockerd_cannot_start(bin_dir: Path) -> None:
    _fake(bin_dir, "docker", 'case "$1" in info) exit 1;; esac')
    assert "not root" in _plan(bin_dir).get("docker-note", "")
