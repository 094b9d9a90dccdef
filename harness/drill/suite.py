"""Many drills at once: started as the packing admits them, each on a stack borrowed from a pool.

The calling thread only starts drills and waits, so Ctrl-C reaches it at once: the signal handler of
``firedrill run`` (or a KeyboardInterrupt, under pytest) asks every drill to stop through
:mod:`harness.interrupt`; each drill tears down what it started in its own thread, its borrowed stack included,
so teardowns run side by side. Drills not yet started never start.

Example:
    >>> packing = choose_packing(scenarios, "auto")                        # doctest: +SKIP
    >>> with StackPool() as pool:                                          # doctest: +SKIP
    ...     runs = run_suite(scenarios, RunOptions(), packing, pool)
    >>> [run.results for run in runs]                                      # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace

from harness import interrupt
from harness.drill.headroom import HeadroomMonitor
from harness.drill.model import Scenario
from harness.drill.packing import Packing
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions, run_scenario
from harness.errors import Interrupted
from harness.stack import teardown
from harness.stack.shared import StackPool

# How often the waiting thread wakes: a signal handler runs between waits.
_WAIT_S = 0.2


@dataclass
class DrillRun:
    """One drill of a suite: its results, or the exception that ended it; when it ran (seconds since the start)."""

    scenario: Scenario
    results: list[ScenarioResult] = field(default_factory=list)
    error: BaseException | None = None
    started_s: float | None = None
    ended_s: float | None = None

    @property
    def interrupted(self) -> bool:
        return isinstance(self.error, Interrupted)


def run_suite(
    scenarios: Sequence[Scenario],
    options: RunOptions | Sequence[RunOptions],
    packing: Packing,
    pool: StackPool | None,
    stop_on_error: bool = True,
) -> list[DrillRun]:
    """Run every scenario as ``packing`` admits them; one DrillRun per scenario, in the given order.

    ``options`` holds for every drill, or is one per scenario (drills on other programs, e.g. Prometheus 2, in
    the same batch: a slot's stack that cannot serve the next drill is replaced).

    With ``pool`` None every drill starts and tears down a stack of its own (``--fresh-stack``). With
    ``stop_on_error``, a drill that raises (bad input found late, a bug) stops the others, as Ctrl-C does;
    without it, the others run on. Raises KeyboardInterrupt again once every started drill has stopped.
    """
    teardown.install()  # SIGTERM's handler, set from this (main) thread: the drills register from workers
    runs = [DrillRun(s) for s in scenarios]
    waiting = list(packing.order)
    running: dict[Future[None], int] = {}
    origin = time.monotonic()
    stopped: BaseException | None = None
    # The headroom is measured again while drills wait: someone else's work that ended frees room.
    monitor = HeadroomMonitor(packing.headroom) if packing.budget_cores is not None and packing.headroom else None
    with ThreadPoolExecutor(max_workers=max(1, len(runs)), thread_name_prefix="drill") as executor:
        while waiting or running:
            try:
                if interrupt.requested():
                    waiting.clear()
                budget = monitor.budget() if monitor is not None and waiting else None
                for index in packing.to_start(waiting, list(running.values()), budget):
                    waiting.remove(index)
                    runs[index].started_s = time.monotonic() - origin
                    chosen = options if isinstance(options, RunOptions) else options[index]
                    running[executor.submit(_run_one, runs[index], chosen, pool)] = index
                done, _ = wait(running, timeout=_WAIT_S, return_when=FIRST_COMPLETED)
                for future in done:
                    run = runs[running.pop(future)]
                    run.ended_s = time.monotonic() - origin
                    if stop_on_error and run.error is not None and not run.interrupted:
                        interrupt.request()  # one drill failed outright: stop the others, then report it
            except BaseException as exc:  # pytest's Ctrl-C, SIGTERM's SystemExit: stop every drill, wait for them
                stopped = exc
                interrupt.request()
    if stopped is not None:
        raise stopped
    return runs


def most_at_once(runs: Sequence[DrillRun]) -> int:
    """How many of these drills ran at the same moment, at most.

    Example:
        >>> from harness.drill.model import load_scenario
        >>> s = load_scenario("scenarios/customerio/baseline.yaml")
        >>> most_at_once([DrillRun(s, started_s=0, ended_s=5), DrillRun(s, started_s=1, ended_s=2),
        ...               DrillRun(s, started_s=3, ended_s=4)])
        2
    """
    events = sorted(
        [(run.started_s, 1) for run in runs if run.started_s is not None]
        + [(run.ended_s, -1) for run in runs if run.ended_s is not None]
    )
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def describe_runs(runs: Sequence[DrillRun]) -> str:
    """One line on how the suite ran: wall time and how many at once."""
    ran = [run for run in runs if run.ended_s is not None]
    wall = max((run.ended_s or 0.0 for run in ran), default=0.0)
    return f"{len(ran)} drill(s) in {wall:.0f}s, up to {most_at_once(runs)} at once"


def _run_one(run: DrillRun, options: RunOptions, pool: StackPool | None) -> None:
    try:
        if pool is None:
            run.results = run_scenario(run.scenario, replace(options, shared_stack=None))
        else:
            with pool.borrow() as shared:
                run.results = run_scenario(run.scenario, replace(options, shared_stack=shared))
    except BaseException as exc:  # recorded for the caller, who decides what it means
        run.error = exc


def raise_first_error(runs: Sequence[DrillRun]) -> None:
    """Re-raise what stopped the suite: a drill's own error first, else Ctrl-C; nothing when all ran."""
    errors = [run.error for run in runs if run.error is not None and not run.interrupted]
    if errors:
        raise errors[0]
    stopped = [run.error for run in runs if run.interrupted]
    if stopped:
        raise stopped[0]  # type: ignore[misc]
    interrupt.check("the drills")


__all__ = ["DrillRun", "describe_runs", "most_at_once", "raise_first_error", "run_suite"]
