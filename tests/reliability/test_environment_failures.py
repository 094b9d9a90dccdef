"""Kill each of a drill's own programs mid-drill: exit 2, verdict error naming it, nothing left (issue 17).

A harness that reports "your alert is broken" when its own Prometheus died is the worst failure it can have.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.conftest import Run, Runs, drill_file

pytestmark = pytest.mark.live

# (a fragment of the child's command line, the component the error must name); by flag, not by program name:
# the program is prometheus-3.16.0 or Debian's prometheus, alertmanager-0.35.0 or prometheus-alertmanager.
CHILDREN = [
    ("--storage.tsdb.path", "prometheus"),
    (" --storage.path", "alertmanager"),
    ("jaeger --config", "jaeger"),
    ("-m harness.stub", "stub"),
    ("-m locust", "locust"),
]


@dataclass
class Killed:
    """What a run said after one of its children was killed."""

    run: Run
    code: int
    err: str
    report: Path


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Killed]]:
    """One drill per child, all at once (each waits on its clock, not the machine), each with one child killed
    mid-drill; by component."""
    base = tmp_path_factory.mktemp("killed")
    runs, found = Runs(base), {}
    try:
        started = []
        for _, component in CHILDREN:
            (base / component).mkdir()
            out = base / component / "report"
            args = ("run", str(drill_file(base / component)), "--stack", "processes", "--quiet", "--report", str(out))
            started.append((runs.start(*args, tmp=base / component / "tmp"), out))
        for (fragment, _), (run, _) in zip(CHILDREN, started, strict=True):
            run.wait_for(lambda procs: any("-m locust" in cmd for cmd in procs.values()), 90, "the load to start")
            time.sleep(1.5)
            os.kill(run.pid_of(fragment), signal.SIGKILL)
        for (_, component), (run, out) in zip(CHILDREN, started, strict=True):
            code, _, err = run.finish()
            found[component] = Killed(run, code, err, out / "report.json")
        yield found
    finally:
        runs.end()


@pytest.mark.parametrize("component", [c for _, c in CHILDREN])
def test_a_child_killed_mid_drill_is_an_environment_error(killed: dict[str, Killed], component: str) -> None:
    run = killed[component]
    assert run.code == 2, run.err
    report = json.loads(run.report.read_text())
    (scenario,) = report["scenarios"]
    assert report["verdict"] == "error" and scenario["verdict"] == "error"
    assert scenario["error"]["component"] == component, scenario["error"]
    assert scenario["phases"] == [] or all(not p["expectations"] for p in scenario["phases"])  # nothing judged
    (line,) = [line for line in run.err.splitlines() if line.startswith("firedrill: error:")]
    assert f"{component}:" in line and "(no verdict)" in line
    assert "Traceback" not in run.err
    assert run.run.left_running() == [] and run.run.left_in_tmp() == []


def test_a_stub_too_starved_to_answer_its_scrapes_is_an_environment_error(tmp_path: Path) -> None:
    """A machine too busy for the stub, made for certain: the stub stopped (SIGSTOP) for 4 of its phase's 20 s.
    Its scrapes time out, so the rules' windows lack data; the drill says so, exit 2, and judges nothing."""
    runs = Runs(tmp_path)
    out = tmp_path / "report"
    try:
        args = ("run", str(drill_file(tmp_path)), "--stack", "processes", "--quiet", "--report", str(out))
        run = runs.start(*args, tmp=tmp_path / "tmp")
        run.wait_for(lambda procs: any("-m locust" in cmd for cmd in procs.values()), 90, "the load to start")
        time.sleep(2)
        stub = run.pid_of("-m harness.stub")
        os.kill(stub, signal.SIGSTOP)
        time.sleep(4)
        os.kill(stub, signal.SIGCONT)
        code, _, err = run.finish()
    finally:
        runs.end()
    assert code == 2, err
    (scenario,) = json.loads((out / "report.json").read_text())["scenarios"]
    assert scenario["verdict"] == "error" and all(not p["expectations"] for p in scenario["phases"])
    assert (
        "scrapes of customerio" in scenario["error"]["message"] and "in phase healthy" in scenario["error"]["message"]
    )
    assert "Traceback" not in err
