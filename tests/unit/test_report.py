"""report.json, JUnit XML, the rich table and flake comparison, from hand-made results."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from rich.console import Console

from harness.drill.compress import CompressionNote
from harness.drill.expectations import PhaseVerdicts, Verdict
from harness.drill.result import RunResult, ScenarioResult
from harness.drill.timeline import AlertTransition, PhaseWindow, Timeline
from harness.report.flake import compare_runs
from harness.report.json import write_json
from harness.report.junit import write_junit
from harness.report.table import print_report


def result(fire_wall: float, passed: bool) -> ScenarioResult:
    tl = Timeline(
        scenario="cio",
        k=30,
        phases=[PhaseWindow(name="burst", start=0, end=20, faults=[{"kind": "error"}], faults_applied_at=0.5)],
        transitions=[
            AlertTransition(alert="A", labels={"severity": "warning"}, state="pending", t=2.5),
            AlertTransition(alert="A", labels={"severity": "warning"}, state="firing", t=fire_wall),
        ],
    )
    verdicts = [
        Verdict(kind="fires", alert="A", passed=passed, reason="fired after ...", measured_s=fire_wall * 30,
                budget_s=420, wall_measured_s=fire_wall, receiver=None),
        Verdict(kind="notification", alert="A", passed=True, reason="ok", receiver="team-warning"),
    ]  # fmt: skip
    note = CompressionNote(rule="A", severity="info", message="offset compressed")
    return ScenarioResult(
        name="cio", timeline=tl, phases=[PhaseVerdicts(phase="burst", verdicts=verdicts)], notes=[note]
    )


def run(*passes: bool) -> RunResult:
    runs = [[result(10.0 + i, ok)] for i, ok in enumerate(passes)]
    return RunResult(compress=30, started_at=datetime(2024, 5, 1, 12), scenarios=runs[-1], repeats=runs[:-1])


def test_json_schema(tmp_path: Path) -> None:
    data = json.loads(write_json(tmp_path / "out", run(True)).read_text())
    assert data["verdict"] == "pass" and data["compress"] == 30 and data["flakes"] is None
    assert data["started_at"] == "2024-05-01T12:00:00"
    sc = data["scenarios"][0]
    assert (sc["name"], sc["lane"], sc["verdict"]) == ("cio", "0", "pass")
    phase = sc["phases"][0]
    assert (phase["name"], phase["start_s"], phase["end_s"], phase["faults"]) == ("burst", 0, 20, [{"kind": "error"}])
    exp = phase["expectations"][0]
    assert {k: exp[k] for k in ("kind", "alert", "passed", "measured_s", "budget_s", "wall_measured_s")} == {
        "kind": "fires", "alert": "A", "passed": True, "measured_s": 300.0, "budget_s": 420.0, "wall_measured_s": 10.0,
    }  # fmt: skip
    alert = sc["alerts"][0]
    assert alert["labels"] == {"severity": "warning"}
    assert alert["transitions"][1] == {"state": "firing", "t_s": 10.0, "t_prod_s": 300.0}
    assert sc["notes"][0]["message"] == "offset compressed"


def test_json_flakes_and_fail(tmp_path: Path) -> None:
    data = json.loads(write_json(tmp_path, run(True, False)).read_text())
    assert data["verdict"] == "fail"
    assert data["flakes"]["runs"] == 2 and data["flakes"]["flakes"][0]["outcomes"] == [True, False]


def test_junit(tmp_path: Path) -> None:
    root = ET.parse(write_junit(tmp_path, run(False))).getroot()
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "cio"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["burst[0] fires A", "burst[1] notification A"]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("message") == "fired after ..."


def test_table_renders() -> None:
    console = Console(record=True, width=200)
    print_report(run(True, False, True), console)
    text = console.export_text()
    assert "team-warning" in text and "5m" in text and "pass fail pass" in text and "flakes over 3 runs" in text


def test_compare_runs_spread() -> None:
    report = compare_runs([[result(10, True)], [result(12, True)], [result(20, False)]])
    assert [(f.kind, f.outcomes) for f in report.flakes] == [("fires", [True, True, False])]
    spread = report.spreads[0]
    assert (spread.alert, spread.min_s, spread.median_s, spread.max_s) == ("A", 300, 360, 600)


def test_table_names_lanes_and_keeps_brackets_in_reasons() -> None:
    lane_a = result(10.0, False).model_copy(update={"lane": "a"})
    lane_a.phases[0].verdicts[0] = (
        lane_a.phases[0].verdicts[0].model_copy(update={"reason": "never pending: rate(x[5m]) peaked at 0.01"})
    )
    lane_b = result(10.0, True).model_copy(update={"lane": "b"})
    console = Console(record=True, width=250)
    print_report(RunResult(compress=30, started_at=datetime(2024, 5, 1), scenarios=[lane_a, lane_b]), console)
    text = console.export_text()
    assert "cio[a]" in text and "cio[b]" in text and "rate(x[5m])" in text


def test_versions_reach_report_json_and_the_table(tmp_path: Path) -> None:
    # Each drill records what its stack's programs said; a run over two stacks lists both Prometheus versions.
    v3 = result(10.0, True).model_copy(update={"versions": {"prometheus": "3.16.0", "alertmanager": "0.35.0"}})
    v2 = result(11.0, True).model_copy(update={"versions": {"prometheus": "2.42.0+ds", "jaeger": "unknown"}})
    both = RunResult(compress=30, started_at=datetime(2024, 5, 1, 12), scenarios=[v3, v2])
    data = json.loads(write_json(tmp_path, both).read_text())
    assert data["versions"] == {"prometheus": "2.42.0+ds, 3.16.0", "alertmanager": "0.35.0", "jaeger": "unknown"}
    assert [s["versions"] for s in data["scenarios"]] == [v3.versions, v2.versions]
    console = Console(record=True, width=200)
    print_report(both, console)
    assert "alertmanager 0.35.0 · jaeger unknown · prometheus 2.42.0+ds, 3.16.0" in console.export_text()
