"""The standing guard against "a Docker client taken for a Docker engine": set-up's decision on this machine,
after `make setup`, agrees with what really answers."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from harness import programs
from tests.conftest import docker_ready

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "setup.sh"


def _plan() -> dict[str, str]:
    result = subprocess.run(["bash", str(SETUP), "plan"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def _decision() -> str:
    return _plan()["docker"]


def test_after_setup_a_daemon_answers_and_the_offline_images_exist() -> None:
    # `make test` runs `make setup` first: by now a root machine must have a daemon, whatever it started with.
    if os.geteuid() != 0:  # set-up starts dockerd only as root: elsewhere it must say so
        assert "not root" in _plan().get("docker-note", "") or _decision() == "running"
        return
    assert _decision() == "running", "set-up left no Docker daemon running; run `make docker` and read its output"
    assert docker_ready() is None, docker_ready()


def test_the_decision_matches_what_answers() -> None:
    docker = shutil.which("docker")
    answers = docker is not None and subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0
    assert (_decision() == "running") == answers


def test_after_setup_the_built_prometheus_and_alertmanager_are_the_newest_and_say_their_version() -> None:
    plan = _plan()
    for server, tool in (("prometheus", "promtool"), ("alertmanager", "amtool")):
        decision, _, release = plan[server].partition(" ")
        assert decision == "present", f"set-up left {server} {release} unbuilt; run `scripts/setup.sh tools`"
        newest = programs.newest(server)
        assert newest is not None and newest.version == release, newest
        companion = programs.tool_for(newest, tool)
        assert companion is not None and companion.version == release, companion
    assert plan["prometheus"].startswith("present 3.")
