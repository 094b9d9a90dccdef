"""What a value gauge reads at scrape time: requests in flight, uptime, a queue's depth, or a drawn value.

A drawn value follows the active faults: ``gauge`` holds or ramps it, ``shift`` moves its distribution. A
``restart`` sets uptime back to zero.

Example:
    >>> import random
    >>> from harness.stub.profile.metrics import FamilySpec
    >>> from harness.stub.runtime.faults import FaultController
    >>> values = ValueState("svc", FaultController(seed=1), random.Random(1), queue_depth=lambda q, l: 0)
    >>> gauge = FamilySpec.model_validate({"name": "pool_percent", "type": "gauge",
    ...     "source": {"value": {"type": "fixed", "value": 40}}})
    >>> values.read(gauge, {})
    40.0
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

from harness.stub.profile.dist import Distribution
from harness.stub.profile.metrics import FamilySpec, QueueValue, ValueSource
from harness.stub.runtime.faults import FaultController


class ValueState:
    """The live values behind one service's value gauges."""

    def __init__(
        self,
        service: str,
        faults: FaultController,
        rng: random.Random,
        queue_depth: Callable[[str, dict[str, str]], float],
    ) -> None:
        self.service = service
        self._faults = faults
        self._rng = rng
        self._queue_depth = queue_depth
        self._lock = threading.Lock()
        self._in_flight: Counter[tuple[str, str, str]] = Counter()
        self.started_at = time.monotonic()

    def restart(self) -> None:
        """The service starts again: uptime from zero."""
        self.started_at = time.monotonic()

    def request_started(self, operation: str, route: str, method: str) -> None:
        with self._lock:
            self._in_flight[(operation, route, method)] += 1

    def request_finished(self, operation: str, route: str, method: str) -> None:
        with self._lock:
            self._in_flight[(operation, route, method)] -= 1

    def read(self, family: FamilySpec, labels: dict[str, str]) -> float:
        """The gauge's value now, for the series with these (source) labels."""
        source = family.source
        assert isinstance(source, ValueSource)
        value = source.value
        if value == "uptime":
            return time.monotonic() - self.started_at
        if value == "in_flight":
            with self._lock:
                return float(sum(n for (op, route, method), n in self._in_flight.items()
                                 if labels.get("operation", op) == op and labels.get("route", route) == route
                                 and labels.get("method", method) == method))  # fmt: skip
        if isinstance(value, QueueValue):
            return float(self._queue_depth(value.queue, labels))
        assert isinstance(value, Distribution)
        dist = self._faults.distribution(self.service, value, labels, metric=family.name)
        held = self._faults.gauge_override(self.service, family.name, labels, natural=dist.mean_value)
        return float(held) if held is not None else dist.sample(self._rng)
