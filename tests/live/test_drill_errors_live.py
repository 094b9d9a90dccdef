"""Environment errors during a live drill: exit code 2, one line naming the cause, nothing left running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import child_pids

pytestmark = pytest.mark.live

RULES = Path(__file__).parents[2] / "fixtures" / "customerio" / "alerts.yml"


def firedrill_run(drill: Path, timeout_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "run", str(drill), "--stack", "processes", "--quiet"],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def test_broken_locustfile_stops_the_drill_with_exit_2(tmp_path: Path, no_leaks: None) -> None:
    (tmp_path / "locustfile.py").write_text('raise RuntimeError("boom in locustfile")\n')
    drill = tmp_path / "drill.yaml"
    drill.write_text(
        f"name: broken-load\ntarget: {{profile: customerio}}\nrules: [{RULES}]\n"
        "load: {locustfile: locustfile.py, users: 1, spawn_rate: 1}\ncompress: 30\n"
        "phases:\n  - name: p\n    duration: 2m\n    expect: [{silent: all}]\n"
    )
    result = firedrill_run(drill, timeout_s=120)
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("firedrill: error:")]
    assert "locust: stopped before the drill ended" in line and "boom in locustfile" in line
    assert not child_pids()


def test_invalid_rule_in_a_drill_is_file_line_and_exit_2(tmp_path: Path, no_leaks: None) -> None:
    rules = tmp_path / "alerts.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[5m]) >\n    for: 1m\n")
    drill = tmp_path / "drill.yaml"
    drill.write_text(
        "name: broken-rules\ntarget: {profile: customerio}\nrules: [alerts.yml]\ncompress: 30\n"
        "phases:\n  - name: p\n    duration: 1m\n    expect: [{silent: all}]\n"
    )
    result = firedrill_run(drill, timeout_s=60)
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith(f"firedrill: error: {rules}:5: invalid rule:") and "parse error" in line
    assert not list(Path("/tmp").glob("firedrill-broken-rules-*"))
