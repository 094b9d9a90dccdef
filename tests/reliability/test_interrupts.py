"""Ctrl-C at any moment of a drill: stopped within 2 s, everything torn down, exit 130 (issue 17)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import Run, drill_file

pytestmark = pytest.mark.live

# When to press Ctrl-C: a predicate on the run's live processes.
MOMENTS = {
    "stack start": lambda procs: any("jaeger --config" in cmd for cmd in procs.values()),
    "stub start": lambda procs: any("-m harness.stub" in cmd for cmd in procs.values()),
    "mid-phase": lambda procs: any("-m locust" in cmd for cmd in procs.values()),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_stops_within_two_seconds(firedrill: Callable[..., Run], tmp_path: Path, moment: str) -> None:
    run = firedrill("run", str(drill_file(tmp_path)), "--stack", "processes", "--quiet")
    run.wait_for(MOMENTS[moment], 90, moment)
    if moment == "mid-phase":
        time.sleep(2)
    pressed = time.monotonic()
    os.kill(run.proc.pid, signal.SIGINT)
    code, _, err = run.finish()
    took = time.monotonic() - pressed
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert took < 2.0, f"took {took:.2f}s to stop"
    assert run.left_running() == [] and run.left_in_tmp() == []


def test_a_second_ctrl_c_does_not_leak(firedrill: Callable[..., Run], tmp_path: Path) -> None:
    run = firedrill("run", str(drill_file(tmp_path)), "--stack", "processes", "--quiet")
    run.wait_for(MOMENTS["mid-phase"], 90, "the load")
    os.kill(run.proc.pid, signal.SIGINT)
    time.sleep(0.1)
    os.kill(run.proc.pid, signal.SIGINT)
    code, _, err = run.finish()
    assert code == 130, err
    assert run.left_running() == [] and run.left_in_tmp() == []


def test_sigterm_stops_the_same_way(firedrill: Callable[..., Run], tmp_path: Path) -> None:
    run = firedrill("run", str(drill_file(tmp_path)), "--stack", "processes", "--quiet")
    run.wait_for(MOMENTS["mid-phase"], 90, "the load")
    os.kill(run.proc.pid, signal.SIGTERM)
    code, _, err = run.finish()
    assert code == 130, err
    assert run.left_running() == [] and run.left_in_tmp() == []
