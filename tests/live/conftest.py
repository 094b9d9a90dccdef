"""Fixtures shared by the live tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from harness.drill.result import ScenarioResult
from harness.stack.ports import free_port
from tests.live.suites import NIGHTLY, SuiteResults, drills_to_run, run_in_order

_SUITES = pytest.StashKey[list[str]]()
_NIGHTLY_LEFT = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The suites whose tests were selected: their drills run together, once, at the first that needs them.

    A test marked ``nightly`` reads a drill only the nightly run drives (tests/live/suites.py): without
    FIREDRILL_NIGHTLY=1 it is deselected, not skipped, and the summary says how many and why.
    """
    if not NIGHTLY:
        here = Path(__file__).parent
        nightly = [item for item in items if item.get_closest_marker("nightly") and here in item.path.parents]
        if nightly:
            config.hook.pytest_deselected(items=nightly)
            items[:] = [item for item in items if item not in nightly]
            config.stash[_NIGHTLY_LEFT] = len(nightly)
    names = {getattr(getattr(item, "module", None), "SUITE_NAME", None) for item in items}
    config.stash[_SUITES] = sorted(name for name in names if name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    left = config.stash.get(_NIGHTLY_LEFT, 0)
    if left:
        terminalreporter.write_line(f"{left} test(s) of nightly drills deselected: FIREDRILL_NIGHTLY=1 runs them")


@pytest.fixture(scope="session")
def suite_runs(request: pytest.FixtureRequest) -> dict[str, SuiteResults]:
    """Every selected suite's drills in one packed batch; results by suite, then by drill file stem."""
    suites = request.config.stash.get(_SUITES, [])
    drills = [(suite, path) for suite in suites for path in drills_to_run(suite)]
    ran: list[list[ScenarioResult]] = run_in_order([path for _, path in drills])
    found = {suite: SuiteResults() for suite in suites}
    for (suite, path), results in zip(drills, ran, strict=True):
        found[suite][path.stem] = results
    return found


@pytest.fixture
def target() -> Iterator[tuple[str, Gauge]]:
    """A real /metrics endpoint on loopback with one gauge the test sets."""
    registry = CollectorRegistry()
    gauge = Gauge("firedrill_selftest_up", "a gauge the self-test flips", registry=registry)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield f"127.0.0.1:{port}", gauge
    server.shutdown()


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 0.2 s until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
