"""Background queues: a job count drained by an asyncio worker at a profile-set rate.

Only the depth matters to alerts, so a queue is a counter, not real jobs. The
backlog fault scales the drain rate via ``FaultController.drain_factor``.

Usage::

    >>> from harness.stub.faults import FaultController
    >>> q = BackgroundQueue("q", drain_per_second=500, faults=FaultController([], ["q"]))
    >>> q.enqueue(); q.depth
    1
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from harness.stub.faults import FaultController

TICK_SECONDS = 0.05


class BackgroundQueue:
    """Depth of one queue plus the worker loop that drains it."""

    def __init__(
        self,
        name: str,
        drain_per_second: float,
        faults: FaultController,
        on_depth: Callable[[int], None] | None = None,
    ) -> None:
        self.name = name
        self.drain_per_second = drain_per_second
        self.faults = faults
        self.depth = 0
        self._on_depth = on_depth or (lambda _depth: None)
        self._budget = 0.0

    def enqueue(self, jobs: int = 1) -> None:
        """Add ``jobs`` to the queue."""
        self.depth += jobs
        self._on_depth(self.depth)

    def drain(self, elapsed_s: float) -> int:
        """Remove as many jobs as ``elapsed_s`` of work allows; return how many."""
        rate = self.drain_per_second * self.faults.drain_factor(self.name)
        self._budget += rate * elapsed_s
        taken = min(self.depth, int(self._budget))
        self._budget -= taken
        if self.depth == taken:
            # An idle worker must not bank capacity and swallow a later burst instantly.
            self._budget = min(self._budget, 1.0)
        self.depth -= taken
        self._on_depth(self.depth)
        return taken

    async def run(self) -> None:
        """Drain forever (until cancelled)."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.monotonic()
            self.drain(now - last)
            last = now
