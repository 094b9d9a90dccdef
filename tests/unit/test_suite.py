"""Drills at once, with a fake run_scenario: admission by the packing, stacks borrowed per slot, errors, Ctrl-C."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import interrupt
from harness.drill import suite
from harness.drill.model import Scenario, load_scenario
from harness.drill.packing import Headroom, choose_packing
from harness.drill.run import RunOptions
from harness.drill.suite import describe_runs, most_at_once, raise_first_error, run_suite
from harness.errors import Interrupted
from harness.stack.shared import SharedStack, StackPool
from tests.unit.drill_fakes import Recorder

SUITE = Path(__file__).parents[2] / "scenarios" / "customerio"
NAMES = ["backlog", "baseline", "below-threshold", "bounce", "error-burst", "latency"]


@pytest.fixture(autouse=True)
def _no_interrupt() -> Iterator[None]:
    interrupt.reset()
    yield
    interrupt.reset()


def _suite() -> list[Scenario]:
    return [load_scenario(SUITE / f"{name}.yaml") for name in NAMES]


def _fake(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> Recorder:
    monkeypatch.setattr(suite, "run_scenario", recorder)
    return recorder


def test_every_drill_at_once_when_they_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder(seconds=0.3))
    scenarios = _suite()
    packing = choose_packing(scenarios, "auto", Headroom(cpus=8, idle_cores=8.0, memory_mb=20_000))
    with StackPool() as pool:
        runs = run_suite(scenarios, RunOptions(), packing, pool)
        assert len(pool.slots) == 6, "one slot (stack) per drill running at once"
    assert recorder.most_at_once == 6
    assert recorder.started[0] == "customerio-bounce", "the longest schedule starts first"
    # Results come back in the order asked, each with its own lanes.
    assert [run.scenario.name for run in runs] == [s.name for s in scenarios]
    assert [len(run.results) for run in runs] == [1, 1, 2, 1, 1, 1]
    assert all(run.error is None and run.started_s is not None and run.ended_s is not None for run in runs)
    # Every drill running at once held a different stack.
    stacks = [options.shared_stack for options in recorder.options]
    assert len({id(s) for s in stacks}) == 6 and all(isinstance(s, SharedStack) for s in stacks)


def test_parallel_n_caps_the_count_and_slots_are_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder(seconds=0.1))
    scenarios = _suite()
    with StackPool() as pool:
        run_suite(scenarios, RunOptions(), choose_packing(scenarios, 2), pool)
        assert len(pool.slots) == 2
    assert recorder.most_at_once == 2
    assert len({id(options.shared_stack) for options in recorder.options}) == 2


def test_headroom_limits_what_runs_together(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder(seconds=0.1))
    scenarios = _suite()
    packing = choose_packing(scenarios, "auto", Headroom(cpus=2, idle_cores=1.0, memory_mb=20_000))
    run_suite(scenarios, RunOptions(), packing, StackPool())
    assert 1 < recorder.most_at_once < 6
    assert recorder.most_at_once <= packing.most_at_once()


def test_headroom_freed_while_drills_wait_lets_more_start(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder(seconds=0.5))
    scenarios = _suite()
    packing = choose_packing(scenarios, "auto", Headroom(cpus=2, idle_cores=0.1, memory_mb=20_000))
    assert packing.most_at_once() == 1
    budgets = iter([0.1, 0.1])
    monkeypatch.setattr(suite.HeadroomMonitor, "budget", lambda self: next(budgets, 8.0))
    runs = run_suite(scenarios, RunOptions(), packing, StackPool())
    assert recorder.most_at_once == 6 and most_at_once(runs) == 6
    assert describe_runs(runs).startswith("6 drill(s) in ") and describe_runs(runs).endswith("up to 6 at once")


def test_fresh_stack_means_no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder())
    scenarios = _suite()[:2]
    run_suite(scenarios, RunOptions(), choose_packing(scenarios, 2), pool=None)
    assert [options.shared_stack for options in recorder.options] == [None, None]


def test_a_broken_drill_stops_the_others_and_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder(seconds=5, fail={"customerio-backlog"}))
    scenarios = _suite()
    started = time.monotonic()
    runs = run_suite(scenarios, RunOptions(), choose_packing(scenarios, 2), StackPool())
    assert time.monotonic() - started < 2, "the other drill was not stopped"
    assert recorder.started == ["customerio-bounce", "customerio-backlog"], "queued drills must not start"
    with pytest.raises(RuntimeError, match="customerio-backlog broke"):
        raise_first_error(runs)


def test_without_stop_on_error_the_others_run_on(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder(seconds=0.05, fail={"customerio-latency"}))
    scenarios = _suite()
    runs = run_suite(scenarios, RunOptions(), choose_packing(scenarios, 3), StackPool(), stop_on_error=False)
    assert len(recorder.started) == 6
    assert [run.scenario.name for run in runs if run.error is not None] == ["customerio-latency"]


def test_ctrl_c_stops_running_drills_at_once_and_starts_no_more(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _fake(monkeypatch, Recorder(seconds=30))
    scenarios = _suite()
    threading.Timer(0.3, interrupt.request).start()
    started = time.monotonic()
    runs = run_suite(scenarios, RunOptions(), choose_packing(scenarios, 3), StackPool())
    assert time.monotonic() - started < 1.5
    assert len(recorder.started) == 3
    with pytest.raises(Interrupted):
        raise_first_error(runs)


def test_keyboard_interrupt_in_the_waiting_thread_waits_for_teardown_then_propagates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under pytest, Ctrl-C is a KeyboardInterrupt in the main thread, not a signal handler of ours."""
    recorder = _fake(monkeypatch, Recorder(seconds=30))
    scenarios = _suite()[:2]
    packing = choose_packing(scenarios, 2)
    calls = {"n": 0}
    real_to_start = type(packing).to_start

    def to_start(self, waiting, running, budget=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_to_start(self, waiting, running, budget)

    monkeypatch.setattr(type(packing), "to_start", to_start)
    with pytest.raises(KeyboardInterrupt):
        run_suite(scenarios, RunOptions(), packing, StackPool())
    assert interrupt.requested() and len(recorder.started) == 2
    assert recorder.most_at_once == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("drill")], "drill threads left running"


def test_pool_tears_down_a_stack_whose_drill_raised() -> None:
    pool = StackPool()
    closed: list[SharedStack] = []
    with pytest.raises(RuntimeError), pool.borrow() as shared:
        shared.close = lambda: closed.append(shared)  # type: ignore[method-assign]
        raise RuntimeError("drill broke")
    assert closed == [shared]
    with pool.borrow() as again:
        assert again is shared, "the slot is reused"


def test_pool_hands_out_distinct_stacks_to_drills_at_once() -> None:
    pool = StackPool()
    with pool.borrow() as first, pool.borrow() as second:
        assert first is not second
    assert len(pool.slots) == 2
    assert (pool.starts, pool.reuses) == (0, 0)
