"""The active faults of one stub process and what they decide, run by run.

The active set is an immutable snapshot; replacing it is atomic, so a request sees the old set or the new one,
never a mixture. Every random draw goes through one seeded ``random.Random``, so a seed reproduces a drill.

Example:
    >>> from harness.stub.faults import parse_fault
    >>> fc = FaultController(seed=1)
    >>> fc.replace([parse_fault({"kind": "latency", "operation": "track", "delay_ms": 50})])
    >>> fc.plan("svc", "track", {}).extra_delay_ms, fc.plan("svc", "identify", {}).extra_delay_ms
    (50.0, 0.0)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from harness.stub.faults import (
    AnyFault,
    BacklogFault,
    DownFault,
    ErrorFault,
    EventFault,
    GaugeFault,
    LatencyFault,
    RestartFault,
    ShiftFault,
)
from harness.stub.profile.dist import Distribution


@dataclass(frozen=True)
class Active:
    """A fault and when it was applied (monotonic seconds), which ramps start from; ``key`` is its content, which
    says whether the next set holds the same fault (faults hold dicts, so they do not hash)."""

    fault: AnyFault
    applied_at: float
    key: str


@dataclass(frozen=True)
class RunPlan:
    """What the active faults do to one run of an operation."""

    extra_delay_ms: float = 0.0
    error: ErrorFault | None = None

    @property
    def latency_injected(self) -> bool:
        return self.extra_delay_ms > 0


class FaultController:
    """Holds the active faults and draws per-run outcomes from them."""

    def __init__(self, seed: int | None = None, on_restart: Callable[[str | None], None] | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self._active: tuple[Active, ...] = ()
        self._caused: dict[str, int] = {}  # occurrences each active fault with a ``limit`` caused, by its content
        self.version = 0
        self._on_restart = on_restart or (lambda service: None)

    @property
    def faults(self) -> tuple[AnyFault, ...]:
        return tuple(a.fault for a in self._active)

    def replace(self, faults: list[AnyFault], seed: int | None = None) -> None:
        """Make ``faults`` the active set (a fault already active keeps its start time); reseed if asked."""
        if seed is not None:
            self.seed, self.rng = seed, random.Random(seed)
        now = time.monotonic()
        kept = {a.key: a.applied_at for a in self._active}
        # A fault that stays active keeps its start time (a ramp goes on) and what it caused (a limit goes on).
        active = tuple(Active(f, kept.get(key, now), key) for f, key in ((f, f.model_dump_json()) for f in faults))
        staying = {a.key for a in active}
        self._caused = {key: n for key, n in self._caused.items() if key in staying}
        self._set(active)
        for a in active:
            if isinstance(a.fault, RestartFault) and a.key not in kept:
                self._on_restart(a.fault.service)

    def add(self, fault: AnyFault) -> None:
        self._set((*self._active, Active(fault, time.monotonic(), fault.model_dump_json())))
        if isinstance(fault, RestartFault):
            self._on_restart(fault.service)

    def clear(self) -> None:
        self._caused = {}
        self._set(())

    def _set(self, active: tuple[Active, ...]) -> None:
        self._active = active
        self.version += 1

    def snapshot(self) -> dict[str, object]:
        return {"faults": [a.fault.model_dump(mode="json", exclude_none=True) for a in self._active],
                "seed": self.seed, "version": self.version}  # fmt: skip

    # -- decisions ---------------------------------------------------------------------------------------
    def down(self, service: str) -> bool:
        return any(isinstance(a.fault, DownFault) and a.fault.service in (None, service) for a in self._active)

    def plan(self, service: str, operation: str, labels: dict[str, str]) -> RunPlan:
        """This run's injected delay (latency faults add up) and error (the first that fires wins)."""
        delay, error = 0.0, None
        for active in self._active:
            fault = active.fault
            if isinstance(fault, LatencyFault) and fault.matches(service, operation, labels):
                if self.rng.random() < fault.fraction:
                    delay += fault.delay_ms if fault.delay_ms is not None else fault.distribution.sample(self.rng)  # type: ignore[union-attr]
            elif isinstance(fault, ErrorFault) and fault.event is None and fault.matches(service, operation, labels):
                fired = self.rng.random() < fault.rate  # drawn even when an earlier fault won: draws stay aligned
                if fired and error is None:
                    error = fault
        return RunPlan(float(delay), error)

    def event_error(self, service: str, event: str, labels: dict[str, str]) -> ErrorFault | None:
        """The error fault that makes this occurrence of ``event`` fail, if any."""
        for active in self._active:
            fault = active.fault
            if not (isinstance(fault, ErrorFault) and fault.event == event and fault.matches(service, None, labels)):
                continue
            if self.rng.random() < fault.rate:
                return fault
        return None

    def event_rate(self, service: str, event: str, base: float) -> float:
        """The background rate of ``event`` (per second) under the active event faults."""
        rate = base
        for active in self._active:
            fault = active.fault
            if isinstance(fault, EventFault) and fault.event == event and fault.service in (None, service):
                rate = fault.rate if fault.rate is not None else rate * (fault.multiply or 1.0)
        return rate

    def event_happens(self, service: str, event: str, operation: str, labels: dict[str, str], base: float,
                      draw: Callable[[], float]) -> bool:  # fmt: skip
        """Whether a run of ``operation`` causes ``event``: its probability under the active event faults against
        ``draw()``, a uniform draw in [0, 1) made only when the probability is above 0. A fault with a ``limit``
        counts what it caused; once at its limit, the event is what it would be without that fault."""
        fraction, limited = base, []
        for active in self._active:
            fault = active.fault
            if not isinstance(fault, EventFault) or fault.event != event:
                continue
            if not fault.matches(service, operation, labels):
                continue
            if fault.limit is not None:
                if self._caused.get(active.key, 0) >= fault.limit:
                    continue
                limited.append(active.key)
            if fault.fraction is not None:
                fraction = fault.fraction
            elif fault.multiply is not None:
                fraction = min(1.0, fraction * fault.multiply)
        happens = fraction > 0 and draw() < fraction
        for key in limited if happens else ():
            self._caused[key] = self._caused.get(key, 0) + 1
        return happens

    def distribution(self, service: str, dist: Distribution, labels: dict[str, str], *, metric: str | None = None,
                     event: str | None = None) -> Distribution:  # fmt: skip
        """``dist`` as the active shift faults move it, for a value gauge (``metric``) or an ``event``."""
        for active in self._active:
            fault = active.fault
            if (isinstance(fault, ShiftFault) and fault.matches(service, None, labels)
                    and (fault.metric, fault.event) == (metric, event)):  # fmt: skip
                dist = dist.shifted(mean=fault.mean, stddev=fault.stddev, factor=fault.factor)
        return dist

    def gauge_override(self, service: str, metric: str, labels: dict[str, str], natural: float) -> float | None:
        """The value a gauge fault holds ``metric`` at now (a ramp moves from ``natural`` to its target)."""
        for active in self._active:
            fault = active.fault
            if isinstance(fault, GaugeFault) and fault.metric == metric and fault.matches(service, None, labels):
                if fault.set is not None:
                    return fault.set
                duration = fault.over_s or 1.0
                progress = min(1.0, (time.monotonic() - active.applied_at) / duration)
                return natural + (fault.ramp_to - natural) * progress  # type: ignore[operator]
        return None

    def drain_factor(self, service: str, queue: str) -> float:
        """Multiplier on a queue worker's drain rate: 1 normal, 0 stopped."""
        factor = 1.0
        for active in self._active:
            fault = active.fault
            if isinstance(fault, BacklogFault) and fault.queue in (None, queue) and fault.service in (None, service):
                factor = 0.0 if fault.stop else factor / (fault.slowdown or 1.0)
        return factor
