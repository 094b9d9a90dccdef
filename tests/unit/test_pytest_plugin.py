"""The pytest plugin collects drills only when asked, one item per drill file."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SUITE = Path(__file__).parents[2] / "scenarios" / "customerio"


def test_drills_collected_with_flag_only(pytester: pytest.Pytester) -> None:
    for path in sorted(SUITE.glob("*.yaml"))[:2]:
        (pytester.path / path.name).write_text(path.read_text())
    (pytester.path / "not_a_drill.yaml").write_text("key: value\n")
    without = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    assert "no tests" in without.stdout.str() or without.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    with_flag = pytester.runpytest("--firedrill", "--collect-only", "-q", "-p", "no:cacheprovider")
    collected = [line for line in with_flag.stdout.lines if "::" in line]
    assert len(collected) == 2 and all(".yaml::" in line for line in collected)
