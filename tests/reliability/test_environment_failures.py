"""Kill each of a drill's own programs mid-drill: exit 2, verdict error naming it, nothing left (issue 17).

A harness that reports "your alert is broken" when its own Prometheus died is the worst failure it can have.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import Run, drill_file

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


@pytest.mark.parametrize(("fragment", "component"), CHILDREN, ids=[c for _, c in CHILDREN])
def test_a_child_killed_mid_drill_is_an_environment_error(
    firedrill: Callable[..., Run], tmp_path: Path, fragment: str, component: str
) -> None:
    out = tmp_path / "report"
    run = firedrill("run", str(drill_file(tmp_path)), "--stack", "processes", "--quiet", "--report", str(out))
    run.wait_for(lambda procs: any("-m locust" in cmd for cmd in procs.values()), 90, "the load to start")
    time.sleep(1.5)
    os.kill(run.pid_of(fragment), signal.SIGKILL)
    code, _, err = run.finish()
    assert code == 2, err
    report = json.loads((out / "report.json").read_text())
    (scenario,) = report["scenarios"]
    assert report["verdict"] == "error" and scenario["verdict"] == "error"
    assert scenario["error"]["component"] == component, scenario["error"]
    assert scenario["phases"] == [] or all(not p["expectations"] for p in scenario["phases"])  # nothing judged
    (line,) = [line for line in err.splitlines() if line.startswith("firedrill: error:")]
    assert f"{component}:" in line and "(no verdict)" in line
    assert "Traceback" not in err
    assert run.left_running() == [] and run.left_in_tmp() == []
