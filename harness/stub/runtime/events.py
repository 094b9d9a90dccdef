"""Business events: an email bounced, an LLM call cost N dollars, a tool call failed, a guardrail was breached.

An occurrence draws the event's own labels (inheriting the run's), draws its value, may fail (an ``error``
fault with ``event:``), may take time in its own span (a tool call), and is recorded by every family whose
source is that event. Occurrences come from steps, from requests (``from_requests``), or at a background
``rate`` per second (Poisson arrivals), which faults can set or multiply. A background occurrence of an event
with a ``span`` or ``latency`` runs concurrently as its own root span (a worker's LLM call), so it takes its
time and its span reaches the tracer as a step's does. Its recorded duration is the latency it drew, not the
wall-clock: a loaded harness machine's scheduling is not the modeled system's.

Example:
    >>> import asyncio, random
    >>> from harness.stub.profile.operations import EventSpec
    >>> from harness.stub.runtime.faults import FaultController
    >>> seen = []
    >>> events = Events("svc", {"bounced": EventSpec()}, FaultController(), None, random.Random(1), None,
    ...                 record=lambda name, labels, code, seconds, value: seen.append((name, code)))
    >>> events.occur_now("bounced", {}); seen
    [('bounced', 200)]
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from harness.stub.profile.operations import EventSpec
from harness.stub.runtime.faults import FaultController
from harness.stub.runtime.labels import LabelResolver
from harness.stub.runtime.template import render

Record = Callable[[str, dict[str, str], int, float, float | None], None]
# How often a background loop looks again at a rate that is zero (a fault may raise it).
IDLE_CHECK_S = 0.1
# Background occurrences that take time and are still running, at most (more are recorded without waiting).
MAX_CONCURRENT_OCCURRENCES = 256
# Occurrences a late wake-up emits at once, at most.
MAX_CATCH_UP = 1000


class Occurrence(NamedTuple):
    """What one occurrence that a step waited for came to: its status and the milliseconds it modeled."""

    status: int
    ms: float


class Events:
    """The events of one service."""

    def __init__(
        self,
        service: str,
        specs: dict[str, EventSpec],
        faults: FaultController,
        labels: LabelResolver | None,
        rng: random.Random,
        tracer: trace.Tracer | None,
        record: Record,
    ) -> None:
        self.service = service
        self.specs = specs
        self._faults = faults
        self._labels = labels
        self._rng = rng
        self._tracer = tracer or trace.NoOpTracer()
        self._record = record
        # Per event: its background occurrences still taking their time.
        self._running: dict[str, set[asyncio.Task[Occurrence]]] = {}

    def _prepare(self, name: str, labels: dict[str, str]) -> tuple[dict[str, str], float | None, int]:
        spec = self.specs[name]
        drawn = self._labels.draw(spec.labels, labels) if self._labels is not None else dict(labels)
        value = None
        if spec.value is not None:
            dist = self._faults.distribution(self.service, spec.value, drawn, event=name)
            value = dist.sample(self._rng)
        error = self._faults.event_error(self.service, name, drawn)
        return drawn, value, (error.status if error is not None else 200)

    def occur_now(self, name: str, labels: dict[str, str]) -> None:
        """One occurrence that takes no time (caused by a finished request)."""
        drawn, value, code = self._prepare(name, labels)
        self._record(name, drawn, code, 0.0, value)

    async def occur(self, name: str, labels: dict[str, str]) -> Occurrence:
        """One occurrence inside the current span, with its own span and latency when it has them."""
        spec = self.specs[name]
        drawn, value, code = self._prepare(name, labels)
        ms = spec.latency.sample(self._rng) if spec.latency is not None else 0.0
        if spec.span is None:
            if ms > 0:
                await asyncio.sleep(ms / 1000)
        else:
            own = {f"{name}.{k}": v for k, v in drawn.items() if k in spec.labels}
            attributes = {"firedrill.event": name, **own}
            span_name = render(spec.span, drawn)
            with self._tracer.start_as_current_span(
                span_name, attributes=attributes, record_exception=False, set_status_on_exception=False
            ) as span:
                if ms > 0:
                    await asyncio.sleep(ms / 1000)
                if code >= 400:
                    span.set_status(Status(StatusCode.ERROR, f"injected error fault: {code} on event {name}"))
        self._record(name, drawn, code, ms / 1000, value)
        return Occurrence(code, ms)

    async def occur_many(
        self, name: str, labels: dict[str, str], fraction: float | None, count: Any
    ) -> list[Occurrence]:
        """The occurrences one step causes: ``count`` draws, or one with probability ``fraction``."""
        if count is not None:
            n = max(0, round(count.sample(self._rng)))
        else:
            base = 1.0 if fraction is None else fraction
            drawn = self._rng.random()  # drawn whatever the probability: a seed's draws stay aligned
            n = int(self._faults.event_happens(self.service, name, labels.get("operation", ""), labels, base,
                                               lambda: drawn))  # fmt: skip
        return [await self.occur(name, labels) for _ in range(n)]

    async def background(self, name: str) -> None:
        """Occurrences at the event's rate (as faults set it), forever (until cancelled, with the occurrences it
        started)."""
        running = self._running.setdefault(name, set())
        try:
            await self._arrivals(name, running)
        finally:
            for task in list(running):
                task.cancel()

    def _background_one(self, name: str, running: set[asyncio.Task[Occurrence]]) -> None:
        labels = {"service": self.service}
        spec = self.specs[name]
        if (spec.span is None and spec.latency is None) or len(running) >= MAX_CONCURRENT_OCCURRENCES:
            self.occur_now(name, labels)
            return
        task = asyncio.get_running_loop().create_task(self.occur(name, labels), name=f"event-{name}-occurrence")
        running.add(task)
        task.add_done_callback(running.discard)

    async def _arrivals(self, name: str, running: set[asyncio.Task[Occurrence]]) -> None:
        """Poisson arrivals on the monotonic clock: a loop that wakes late (a busy stub, a loaded machine) emits
        the occurrences that fell due meanwhile, so the rate stays the profile's instead of sagging with load."""
        spec = self.specs[name]
        due: float | None = None  # when the next occurrence is due
        current = 0.0  # the rate `due` was drawn at
        while True:
            rate = self._faults.event_rate(self.service, name, spec.rate)
            now = time.monotonic()
            if rate <= 0:
                due = None
                await asyncio.sleep(IDLE_CHECK_S)
                continue
            if due is None or rate != current:
                # Memoryless: a new rate (a fault applied or removed) starts a fresh wait from now.
                due, current = now + self._rng.expovariate(rate), rate
            for _ in range(MAX_CATCH_UP):
                if due > now:
                    break
                self._background_one(name, running)
                due += self._rng.expovariate(rate)
            else:
                due = now  # a stall longer than the catch-up allows: drop the rest rather than burst
            # Sleep in slices so a fault that changes the rate takes effect promptly.
            await asyncio.sleep(min(due - now, IDLE_CHECK_S))
