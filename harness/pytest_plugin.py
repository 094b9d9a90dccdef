"""pytest plugin: fixtures that hand a test a real stack; registered through the `pytest11` entry point.

Example:
    def test_my_rules(firedrill_stack_factory):
        stack = firedrill_stack_factory(StackSpec(rule_files=[Path("alerts.yml")]))
        assert stack.prometheus.query("up")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from harness.stack import Stack, StackSpec


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
