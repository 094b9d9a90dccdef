"""The watchdog: a drill's own environment is checked on every tick, so a broken run is never judged.

What it checks: every stack component is still alive (by PID or container), every stub process is, Locust
has not stopped before the schedule, and the observer's polls are answered. The first problem raises
ComponentError naming the component, what happened and the last lines of its log.
"""

from __future__ import annotations

import time

from harness.drill.observe import Observer
from harness.errors import ComponentError
from harness.load import LocustRun
from harness.stack import Stack
from harness.stub.process import StubProcess

# Process checks are cheap; containers are asked through the Docker API, so not on every tick.
CHECK_EVERY_S = 0.5


class Watchdog:
    """Checks the drill's environment; :meth:`check` raises ComponentError on the first problem.

    Example:
        >>> Watchdog(stack, stubs, loads, observer, "scenarios/x.yaml").check()   # doctest: +SKIP
    """

    def __init__(
        self, stack: Stack, stubs: list[StubProcess], loads: list[LocustRun], observer: Observer, source: str
    ) -> None:
        self._stack = stack
        self._stubs = stubs
        self._loads = loads
        self._observer = observer
        self._source = source
        self._next = 0.0

    def check(self) -> None:
        problem = self._observer.problem()
        if problem is not None:
            raise problem
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + CHECK_EVERY_S
        self._stack.check_alive()
        for stub in self._stubs:
            stub.check_alive()
        for load in self._loads:
            if not load.running():
                tail = load.log_tail(5).replace("\n", " | ")
                raise ComponentError("locust", f"stopped before the drill ended ({self._source}); its log: {tail}")
