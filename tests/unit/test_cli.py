"""The CLI's contract for bad input: one line per problem naming file and line, exit code 2, nothing started."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import child_pids


def firedrill(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=60)


def test_malformed_scenario_exits_2_with_file_and_line(tmp_path: Path) -> None:
    drill = tmp_path / "bad.yaml"
    drill.write_text(
        "name: bad\ntarget: {profile: customerio}\nrules: [missing.yml]\ncompress: 0.5\n"
        "phases:\n  - name: p\n    duration: 5\n    expect:\n      - metric: 'rate(x[5m'\n"
    )
    result = firedrill("run", str(drill), "--stack", "processes", "--quiet")
    assert result.returncode == 2
    # What an earlier run killed with SIGKILL left behind is reaped first, and said so: not this run's errors.
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("firedrill: removed ")]
    assert len(lines) >= 4, result.stderr
    assert all(line.startswith(f"{drill}:") for line in lines), result.stderr
    assert any(":3:" in line and "missing.yml" in line for line in lines)
    assert any(":7:" in line and "no unit" in line for line in lines)
    assert any(":9:" in line and "PromQL" in line for line in lines)
    assert not child_pids()


def test_yaml_syntax_error_exits_2(tmp_path: Path) -> None:
    drill = tmp_path / "broken.yaml"
    drill.write_text("name: x\nphases: [\n")
    result = firedrill("run", str(drill))
    assert result.returncode == 2 and f"{drill}:" in result.stderr


def test_stack_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "r.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up >\n")
    result = firedrill("stack", "up", "--stack", "processes", "--rules", str(rules), "--hold", "1")
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("firedrill: error: ") and "r.yml" in line


def test_run_explains_each_failed_expectation_below_the_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The judging and printing of `firedrill run`, on a hand-made result (no programs run)."""
    from harness.cli import main
    from harness.drill import suite
    from tests.unit.test_explain import _result

    result, _ = _result()
    monkeypatch.setattr(suite, "run_scenario", lambda scenario, options: [result])
    code = main(["run", "scenarios/customerio/error-burst.yaml", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert "burst [0] burst: fires HighErrors: fired after 8m, budget 7m (FAIL)" in out
    assert "    alert   " in out and "(p pending, F firing)" in out
