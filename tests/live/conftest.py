"""Fixtures shared by the live tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from harness.drill.result import ScenarioResult
from harness.stack.ports import free_port
from tests.conftest import under_loadgroup
from tests.live.suites import NIGHTLY, BatchDrill, SuiteResults, run_batch, suite_drills

_SUITES = pytest.StashKey[list[str]]()
_BATCH = pytest.StashKey[list[BatchDrill]]()
_NIGHTLY_LEFT = pytest.StashKey[int]()
_SPLIT = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The drills the selected tests read (their modules' suites and ``BATCH_DRILLS``): they run together, once,
    in one packed batch, at the first test that needs them.

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
    modules = {item.module for item in items if isinstance(item, pytest.Function) and item.module is not None}
    suites = sorted({name for module in modules if (name := getattr(module, "SUITE_NAME", None))})
    listed = [drill for module in sorted(modules, key=lambda m: m.__name__)
              for drill in getattr(module, "BATCH_DRILLS", [])]  # fmt: skip
    config.stash[_SUITES] = suites
    config.stash[_BATCH] = [drill for suite in suites for drill in suite_drills(suite)] + listed


def pytest_collection_finish(session: pytest.Session) -> None:
    """Under ``--dist loadgroup`` xdist has marked each test's group in its id by now: the batch's must be one."""
    if under_loadgroup(session.config):
        groups = [(item.nodeid, marker.args) for item in session.items
                  if (marker := item.get_closest_marker("xdist_group")) is not None]  # fmt: skip
        session.config.stash[_SPLIT] = any(args == ("batch",) and not nodeid.endswith("@batch")
                                           for nodeid, args in groups)  # fmt: skip


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: its controller prints the summary (pytest_testnodedown)
        workeroutput["nightly_left"] = session.config.stash.get(_NIGHTLY_LEFT, 0)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: every worker deselects the same tests; keep the count once."""
    node.config.stash[_NIGHTLY_LEFT] = getattr(node, "workeroutput", {}).get("nightly_left", 0)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    left = config.stash.get(_NIGHTLY_LEFT, 0)
    if left:
        terminalreporter.write_line(f"{left} test(s) of nightly drills deselected: FIREDRILL_NIGHTLY=1 runs them")


@pytest.fixture(scope="session")
def batch(request: pytest.FixtureRequest) -> dict[str, list[ScenarioResult]]:
    """Every drill the selected tests read, in one packed batch; results by the drill's key."""
    if request.config.stash.get(_SPLIT, False):
        # Every worker would run the whole batch at once, each judging its drills on a machine three times busier.
        pytest.fail("--dist loadgroup did not group the batch's tests on one worker (pytest 9.2 with pytest-xdist "
                    "3.8 ignores groups, pytest-dev/pytest-xdist#1386): install pytest<9.2 (make setup)")  # fmt: skip
    return run_batch(request.config.stash.get(_BATCH, []))


@pytest.fixture(scope="session")
def suite_runs(request: pytest.FixtureRequest, batch: dict[str, list[ScenarioResult]]) -> dict[str, SuiteResults]:
    """Each selected suite's results by drill file stem (from the batch)."""
    found = {suite: SuiteResults() for suite in request.config.stash.get(_SUITES, [])}
    for key, results in batch.items():
        suite, _, stem = key.partition("/")
        if suite in found:
            found[suite][stem] = results
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
