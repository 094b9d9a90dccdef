"""Drills at once, for real: two drills with the same alert names stay apart, and Ctrl-C stops a packed run in 2 s.

Real Prometheus, Alertmanager, Jaeger, stubs and Locust on loopback, compressed x30.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from harness import interrupt
from harness.drill.model import load_scenario
from harness.drill.packing import choose_packing
from harness.drill.run import RunOptions
from harness.drill.suite import DrillRun, run_suite
from harness.stack.shared import StackPool
from tests.conftest import sigint_as_in_a_terminal

pytestmark = pytest.mark.live

TWINS = Path(__file__).parent / "twin_drills"
SUITE = Path(__file__).parents[2] / "scenarios" / "customerio"


def _verdicts(run: DrillRun) -> dict[str, bool]:
    (result,) = run.results
    assert result.error is None, result.error
    return {f"{p.phase}:{v.kind}:{v.alert or ''}": v.passed for p in result.phases for v in p.verdicts}


def test_two_drills_with_the_same_alert_names_at_once_see_only_their_own(no_leaks: None) -> None:
    interrupt.reset()
    scenarios = [load_scenario(TWINS / "faulty.yaml"), load_scenario(TWINS / "quiet.yaml")]
    with StackPool() as pool:
        faulty, quiet = run_suite(scenarios, RunOptions(stack="processes"), choose_packing(scenarios, 2), pool)
        assert len(pool.slots) == 2, "drills at once must not share a stack"
    assert faulty.error is None and quiet.error is None, (faulty.error, quiet.error)
    # They really ran at once: each started before the other ended.
    assert faulty.started_s is not None and quiet.started_s is not None
    assert faulty.ended_s is not None and quiet.ended_s is not None
    assert max(faulty.started_s, quiet.started_s) < min(faulty.ended_s, quiet.ended_s)

    assert _verdicts(faulty) == {
        "baseline:silent:": True,
        "burst:fires:TrackErrors": True,
        "burst:notification:TrackErrors": True,
    }
    (faulty_result,) = faulty.results
    fired_at = min(t.t for t in faulty_result.timeline.transitions if t.state == "firing")
    # The quiet drill's clock started within a second or two of the faulty one's, and ran past its firing.
    assert quiet.started_s + quiet.results[0].timeline.end > faulty.started_s + fired_at
    assert {n.receiver for n in faulty_result.timeline.notifications} == {"team-customerio"}

    assert _verdicts(quiet) == {"healthy:silent:": True, "healthy:rules_have_data:": True}
    (quiet_result,) = quiet.results
    assert quiet_result.timeline.transitions == [], "an alert of the other drill reached this one"
    assert quiet_result.timeline.notifications == [], "a notification of the other drill reached this one"


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ctrl_c_stops_drills_running_at_once_promptly_and_leaves_nothing(tmp_path: Path, no_leaks: None) -> None:
    drills = [str(SUITE / f"{name}.yaml") for name in ("backlog", "latency", "error-burst")]
    command = [sys.executable, "-m", "harness", "run", *drills, "--stack", "processes", "--parallel", "3", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=sigint_as_in_a_terminal)  # fmt: skip
    try:
        # Wait until every drill is in its phases: three Locust processes generating load.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            started = _descendants(process.pid)
            if sum("locust" in " ".join(p.cmdline()) for p in started if _alive(p)) >= 3:
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.2)
        else:
            pytest.fail("the three drills did not all start their load within 60 s")
        time.sleep(1.0)
        started = _descendants(process.pid)
        kinds = " ".join(" ".join(p.cmdline()) for p in started)
        assert kinds.count("harness.stub") >= 3 and kinds.count("--storage.tsdb.path") >= 3

        os.kill(process.pid, signal.SIGINT)
        sent = time.monotonic()
        code = process.wait(timeout=20)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    _, stderr = process.communicate()
    print(f"Ctrl-C with three drills running: exit {code} after {took:.2f} s")
    assert code == 130, stderr
    assert "SIGINT: stopping every drill and tearing down" in stderr
    # "At once" is the claim: the drills end now, not when their phases do (20 s and more here). 0.7 to 1.2 s on a
    # machine with room; 2.06 and 2.12 s beside make test's full batch on two cores (the figure is printed above).
    assert took <= 3.0, f"Ctrl-C took {took:.2f} s to stop three drills"
    left = [p for p in started if _alive(p)]
    assert not left, f"left running after Ctrl-C: {[' '.join(p.cmdline())[:80] for p in left]}"
