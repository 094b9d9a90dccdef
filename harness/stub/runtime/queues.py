"""Background queues: jobs drained by a worker at the profile's rate, each run as the queue's job operation.

A job keeps the trace context and labels of the request that enqueued it, so the job's span joins that trace,
as a broker carrying ``traceparent`` in message headers would. A queue's depth is kept per combination of its
labels (``tokpulse_webhook_queue_depth{topic}``). The backlog fault slows or stops the worker.

Example:
    >>> from harness.stub.runtime.faults import FaultController
    >>> q = WorkQueue("svc", "q", drain_per_second=500, labels=["topic"], faults=FaultController())
    >>> q.enqueue({"topic": "orders/create", "storeId": "store_1"}, context=None); q.depth({"topic": "orders/create"})
    1
    >>> q.drain(0.01), q.depth({})
    (1, 0)
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from harness.stub.runtime.faults import FaultController

TICK_SECONDS = 0.05
MAX_CONCURRENT_JOBS = 256


@dataclass(frozen=True)
class Job:
    """One queued job: the labels and trace context of the run that enqueued it."""

    labels: dict[str, str]
    context: Any
    request_id: str = ""
    correlation_id: str = ""


class WorkQueue:
    """The depth of one queue and the worker loop that drains it."""

    def __init__(
        self,
        service: str,
        name: str,
        drain_per_second: float,
        labels: list[str],
        faults: FaultController,
        on_job: Callable[[Job], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.service = service
        self.name = name
        self.drain_per_second = drain_per_second
        self.labels = labels
        self.faults = faults
        self._on_job = on_job
        self._jobs: collections.deque[Job] = collections.deque()
        self._depth: collections.Counter[tuple[str, ...]] = collections.Counter()
        self._budget = 0.0
        self._running: set[asyncio.Task[None]] = set()

    def _key(self, labels: dict[str, str]) -> tuple[str, ...]:
        return tuple(labels.get(name, "") for name in self.labels)

    def enqueue(self, labels: dict[str, str], context: Any, request_id: str = "", correlation_id: str = "") -> None:
        self._jobs.append(Job(labels, context, request_id, correlation_id))
        self._depth[self._key(labels)] += 1

    def clear(self) -> None:
        """Drop every waiting job (a restarted service loses its in-memory queue)."""
        self._jobs.clear()
        self._depth.clear()

    def depth(self, labels: dict[str, str]) -> int:
        """Jobs waiting whose queue labels match ``labels`` (all of them for ``{}``)."""
        if all(name in labels for name in self.labels):
            return self._depth[self._key(labels)]
        return sum(n for key, n in self._depth.items() if self._matches(labels, key))

    def _matches(self, labels: dict[str, str], key: tuple[str, ...]) -> bool:
        return all(labels.get(name, value) == value for name, value in zip(self.labels, key, strict=True))

    def drain(self, elapsed_s: float) -> int:
        """Take as many jobs as ``elapsed_s`` of work allows; start each one's job operation; return how many."""
        rate = self.drain_per_second * self.faults.drain_factor(self.service, self.name)
        self._budget += rate * elapsed_s
        taken = min(len(self._jobs), int(self._budget))
        self._budget -= taken
        if len(self._jobs) == taken:
            # An idle worker must not bank capacity and swallow a later burst instantly. Below one job: a stopped
            # worker (rate 0) must not take the first job of a burst with capacity banked while idle.
            self._budget = min(self._budget, 0.999)
        for _ in range(taken):
            job = self._jobs.popleft()
            self._depth[self._key(job.labels)] -= 1
            if self._on_job is not None and len(self._running) < MAX_CONCURRENT_JOBS:
                task = asyncio.get_running_loop().create_task(self._on_job(job))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
        return taken

    async def run(self) -> None:
        """Drain forever (until cancelled)."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.monotonic()
            self.drain(now - last)
            last = now
