"""pytest plugin (registered through the `pytest11` entry point): drills as test items, and stack fixtures.

Drill files are collected only when asked, so a repository's YAML is never mistaken for a drill:

    $ pytest --firedrill scenarios/customerio/                 # each drill YAML becomes one test
    $ pytest --firedrill --firedrill-stack processes --firedrill-compress 30 scenarios/

Fixtures:

    def test_my_rules(firedrill_stack_factory):
        stack = firedrill_stack_factory(StackSpec(rule_files=[Path("alerts.yml")]))
        assert stack.prometheus.query("up")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.stack import Stack, StackSpec


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("firedrill")
    group.addoption("--firedrill", action="store_true", help="collect drill YAML files as tests")
    group.addoption("--firedrill-stack", default="auto", choices=["auto", "containers", "processes"])
    group.addoption("--firedrill-compress", type=float, default=None, help="time-compression factor override")


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if not parent.config.getoption("--firedrill") or file_path.suffix not in (".yaml", ".yml"):
        return None
    head = file_path.read_text(errors="replace")
    if "\nphases:" not in head or "\ntarget:" not in head:
        return None
    return DrillFile.from_parent(parent, path=file_path)


class DrillFile(pytest.File):
    def collect(self) -> Iterator[DrillItem]:
        yield DrillItem.from_parent(self, name=self.path.stem)


class DrillFailed(Exception):
    pass


class DrillItem(pytest.Item):
    """One drill run live; fails with every unmet expectation and its reason."""

    def runtest(self) -> None:
        from harness.drill.model import load_scenario
        from harness.drill.run import RunOptions, run_scenario

        options = RunOptions(
            stack=self.config.getoption("--firedrill-stack"),
            compress=self.config.getoption("--firedrill-compress"),
        )
        failures = [
            f"[{result.lane}] {phase.phase}: {verdict.kind} {verdict.alert or ''}: {verdict.reason}"
            for result in run_scenario(load_scenario(self.path), options)
            for phase in result.phases
            for verdict in phase.verdicts
            if not verdict.passed
        ]
        if failures:
            raise DrillFailed("\n".join(failures))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, DrillFailed):
            return f"drill {self.path.name} failed:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"drill: {self.name}"


@pytest.fixture
def firedrill_stack_factory() -> Iterator[Callable[[StackSpec], Stack]]:
    """Start stacks on demand; every one is torn down when the test ends, pass or fail."""
    started: list[Stack] = []

    def start(spec: StackSpec) -> Stack:
        stack = Stack(spec).start()
        started.append(stack)
        return stack

    yield start
    for stack in reversed(started):
        stack.stop()
