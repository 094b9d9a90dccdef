"""`firedrill compare`: regressions between two report.json files written by the real report writer."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from harness.cli import main
from harness.drill.expectations import PhaseVerdicts, Verdict
from harness.drill.result import RunResult, ScenarioResult
from harness.drill.timeline import AlertTransition, PhaseWindow, Timeline
from harness.report.json import write_json


def _report(directory: Path, fire_s: float, fires_ok: bool = True, noisy_baseline: bool = False) -> Path:
    """A two-phase drill (healthy baseline, burst) at k=30; `fire_s` is the production time to fire."""
    transitions = [AlertTransition(alert="HighErrors", state="firing", t=4 + fire_s / 30)]
    if noisy_baseline:
        transitions.append(AlertTransition(alert="Flappy", state="pending", t=1.0))
    timeline = Timeline(
        scenario="cio",
        k=30,
        phases=[PhaseWindow(name="baseline", start=0, end=4), PhaseWindow(name="burst", start=4, end=24,
                faults=[{"kind": "error"}], faults_applied_at=4)],
        transitions=transitions,
    )  # fmt: skip
    phases = [
        PhaseVerdicts(phase="baseline", verdicts=[Verdict(kind="silent", passed=True, reason="quiet")]),
        PhaseVerdicts(phase="burst", verdicts=[Verdict(kind="fires", alert="HighErrors", passed=fires_ok,
                      reason="fired" if fires_ok else "never fired", measured_s=fire_s if fires_ok else None)]),
    ]  # fmt: skip
    result = ScenarioResult(name="cio", timeline=timeline, phases=phases)
    return write_json(directory, RunResult(compress=30, started_at=datetime(2026, 11, 1), scenarios=[result]))


def test_same_report_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _report(tmp_path / "old", 300)
    new = _report(tmp_path / "new", 330)  # +10%, +30 s: within tolerance and slack
    assert main(["compare", str(old), str(new)]) == 0
    assert "no changes" in capsys.readouterr().err


def test_time_to_fire_grew(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _report(tmp_path / "old", 300)
    new = _report(tmp_path / "new", 480)
    assert main(["compare", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "regression  cio burst fires HighErrors: took longer: 5m -> 8m (+60%)" in out
    assert main(["compare", str(new), str(old)]) == 0
    assert "improvement cio burst fires HighErrors: faster: 8m -> 5m (-38%)" in capsys.readouterr().out


def test_json_and_github_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _report(tmp_path / "old", 300)
    new = _report(tmp_path / "new", 300, fires_ok=False, noisy_baseline=True)
    assert main(["compare", str(old), str(new), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["regressions"] == 2
    whats = {(c["phase"], c["what"], c["detail"]) for c in data["changes"]}
    assert ("burst", "fires HighErrors", "never fired") in whats
    assert any(phase == "baseline" and what == "false positive Flappy" for phase, what, _ in whats)
    assert main(["compare", str(old), str(new), "--format", "github"]) == 1
    assert "::error title=firedrill regression::cio burst fires HighErrors: never fired" in capsys.readouterr().out


def test_unreadable_reports_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _report(tmp_path / "old", 300)
    assert main(["compare", str(tmp_path / "missing.json"), str(good)]) == 2
    assert "missing.json: cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"verdict": "pass",\n "scenarios": [}')
    assert main(["compare", str(broken), str(good)]) == 2
    assert "broken.json:2: not JSON" in capsys.readouterr().err
    assert main(["compare", str(good), str(good), "--slack", "soon"]) == 2
