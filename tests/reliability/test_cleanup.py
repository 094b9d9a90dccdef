"""Nothing left in /tmp: every entry point cleans up on exit, on an error, on SIGTERM and on Ctrl-C; a run killed
with SIGKILL is cleaned up by the next one (issue 21). Each run has a private TMPDIR, checked empty afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from harness.net import free_port
from tests.conftest import sigint_as_in_a_terminal
from tests.reliability.conftest import REPO, Run, drill_file

pytestmark = pytest.mark.live

STOPS = {"SIGTERM": signal.SIGTERM, "Ctrl-C": signal.SIGINT}


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def clean(run: Run) -> None:
    assert run.left_running() == [], run.left_running()
    assert run.left_in_tmp() == [], run.left_in_tmp()


@pytest.mark.parametrize("stop", list(STOPS))
def test_stub(firedrill: Callable[..., Run], stop: str) -> None:
    port = free_port()
    run = firedrill("stub", "--profile", "customerio", "--port", str(port))
    wait_http(f"http://127.0.0.1:{port}/_firedrill/health")
    run.watch()
    os.kill(run.proc.pid, STOPS[stop])
    code, _, err = run.finish(timeout=30)
    assert code == 0, err
    clean(run)


def test_stub_error_and_keep(firedrill: Callable[..., Run]) -> None:
    bad = firedrill("stub", "--profile", "nope")
    assert bad.finish(timeout=30)[0] == 2
    clean(bad)
    port = free_port()
    kept = firedrill("stub", "--port", str(port), "--keep")
    wait_http(f"http://127.0.0.1:{port}/_firedrill/health")
    os.kill(kept.proc.pid, signal.SIGTERM)
    code, out, _ = kept.finish(timeout=30)
    assert code == 0 and "logs kept in" in out
    assert len(kept.left_in_tmp()) == 1  # --keep leaves it, and says where


@pytest.mark.parametrize("stop", list(STOPS))
def test_stack_up(firedrill: Callable[..., Run], stop: str) -> None:
    run = firedrill("stack", "up", "--stack", "processes", "--components", "prometheus,alertmanager,jaeger")
    run.wait_for(lambda procs: any("jaeger --config" in c for c in procs.values()), 60, "the stack")
    time.sleep(1.5)
    run.watch()
    os.kill(run.proc.pid, STOPS[stop])
    run.finish(timeout=30)
    clean(run)


@pytest.mark.parametrize("stop", list(STOPS))
def test_sink(firedrill: Callable[..., Run], stop: str) -> None:
    port = free_port()
    run = firedrill("sink", "--port", str(port))
    wait_http(f"http://127.0.0.1:{port}/")
    os.kill(run.proc.pid, STOPS[stop])
    run.finish(timeout=30)
    clean(run)


def test_run_normal_exit_error_and_sigterm(firedrill: Callable[..., Run], tmp_path: Path) -> None:
    # The three at once: each waits on its own clock, and each run's children and temp dir are its own.
    ok = firedrill("run", str(drill_file(tmp_path, "quick", baseline="1m")), "--stack", "processes", "--quiet")
    bad = firedrill("run", str(drill_file(tmp_path, "bad", body="name: bad\ntarget: {profile: nope}\nphases: []\n")))
    term = firedrill("run", str(drill_file(tmp_path, "term", baseline="30m")), "--stack", "processes", "--quiet")
    assert bad.finish(timeout=60)[0] == 2
    clean(bad)
    assert ok.finish(timeout=120)[0] == 0
    clean(ok)
    term.wait_for(lambda procs: any("-m locust" in c for c in procs.values()), 90, "the load")
    os.kill(term.proc.pid, signal.SIGTERM)
    assert term.finish(timeout=30)[0] == 130
    clean(term)


def test_compose_and_lint(firedrill: Callable[..., Run], tmp_path: Path) -> None:
    scenario = str(REPO / "scenarios" / "customerio" / "error-burst.yaml")
    for args, expected in (
        (("compose", scenario, "--out", str(tmp_path / "compose")), 0),
        (("compose", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "compose2")), 2),
        (("lint", scenario), 0),
        (("lint", "--rules", str(tmp_path / "missing.yml")), 2),
    ):
        run = firedrill(*args)
        assert run.finish(timeout=120)[0] == expected, args
        clean(run)


@pytest.mark.parametrize("stop", [None, *STOPS])
def test_pytest_plugin(tmp_path: Path, stop: str | None) -> None:
    """The plugin's drills, run by pytest: finished, interrupted or terminated, they leave nothing."""
    private = tmp_path / "tmp"
    private.mkdir()
    drill = drill_file(tmp_path, "drill_plugin", baseline="1m" if stop is None else "10m")
    env = {**os.environ, "TMPDIR": str(private)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(drill), "--firedrill-stack",
           "processes", f"--basetemp={tmp_path / 'base'}", "--rootdir", str(tmp_path)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=sigint_as_in_a_terminal)  # fmt: skip
    run = Run(proc, private)
    if stop is not None:
        run.wait_for(lambda procs: any("-m locust" in c for c in procs.values()), 90, "the drill's load")
        os.kill(proc.pid, STOPS[stop])
    out, _ = proc.communicate(timeout=120)
    if stop is None:
        assert proc.returncode == 0, out
    clean(run)


def test_a_killed_run_is_reaped_by_the_next_one(firedrill: Callable[..., Run], tmp_path: Path) -> None:
    private = tmp_path / "shared-tmp"
    private.mkdir()
    killed = firedrill("run", str(drill_file(tmp_path)), "--stack", "processes", "--quiet", tmp=private)
    killed.wait_for(lambda procs: any("-m locust" in c for c in procs.values()), 90, "the load")
    os.kill(killed.proc.pid, signal.SIGKILL)  # no cleanup can run: its children and directories stay
    killed.proc.wait()
    time.sleep(0.5)
    assert killed.left_running() and killed.left_in_tmp()
    nxt = firedrill("lint", "--list-checks", tmp=private)
    code, _, err = nxt.finish(timeout=60)
    assert code == 0 and "firedrill: removed" in err
    deadline = time.monotonic() + 10
    while killed.left_running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert killed.left_running() == [] and nxt.left_in_tmp() == []
