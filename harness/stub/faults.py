"""Fault models and the controller that turns the active set into per-request decisions.

Faults are pydantic models discriminated by ``kind``. The controller holds an
immutable snapshot of the active set; replacing it is atomic, so a request sees
either the old set or the new one, never a mixture. All random draws go through
one ``random.Random`` so a ``seed`` makes them reproducible.

Usage::

    >>> fc = FaultController(operations=["track"], queues=["q"], seed=1)
    >>> fc.replace(fc.parse_set({"faults": [{"kind": "latency", "delay_ms": 50}]}))
    >>> fc.plan("track").extra_delay_ms
    50.0
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from harness.stub.latency import Distribution, sample_ms

ANY = "*"


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LatencyFault(_Fault):
    """Add ``delay_ms`` (or a draw from ``distribution``) to a ``fraction`` of requests."""

    kind: Literal["latency"]
    operation: str = ANY
    fraction: float = Field(1.0, ge=0, le=1)
    delay_ms: float | None = Field(None, ge=0)
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _one_delay(self) -> LatencyFault:
        if (self.delay_ms is None) == (self.distribution is None):
            raise ValueError("latency fault needs exactly one of delay_ms or distribution")
        return self


class ErrorFault(_Fault):
    """Fail a ``rate`` of requests with ``status``, or by raising when ``exception`` is true."""

    kind: Literal["error"]
    operation: str = ANY
    rate: float = Field(ge=0, le=1)
    status: int = Field(500, ge=400, le=599)
    exception: bool = False


class BounceFault(_Fault):
    """Make a ``rate`` of sent emails bounce."""

    kind: Literal["bounce"]
    rate: float = Field(ge=0, le=1)


class BacklogFault(_Fault):
    """Slow the queue worker by ``slowdown`` (>1) or ``stop`` it entirely."""

    kind: Literal["backlog"]
    queue: str = ANY
    slowdown: float | None = Field(None, gt=1)
    stop: bool = False

    @model_validator(mode="after")
    def _one_mode(self) -> BacklogFault:
        if (self.slowdown is None) == (not self.stop):
            raise ValueError("backlog fault needs exactly one of slowdown (>1) or stop: true")
        return self


class DownFault(_Fault):
    """Answer every non-control request, ``/metrics`` included, with 503."""

    kind: Literal["down"]


Fault = Annotated[LatencyFault | ErrorFault | BounceFault | BacklogFault | DownFault, Field(discriminator="kind")]
AnyFault = LatencyFault | ErrorFault | BounceFault | BacklogFault | DownFault


class FaultSet(BaseModel):
    """Body of ``PUT /_firedrill/faults``: the complete new set and an optional seed."""

    model_config = ConfigDict(extra="forbid")
    faults: list[Fault] = Field(default_factory=list)
    seed: int | None = None


_FAULT_ADAPTER: TypeAdapter[AnyFault] = TypeAdapter(Fault)


class FaultValidationError(ValueError):
    """Rejected fault input; ``errors`` holds one readable line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _pydantic_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()]


@dataclass(frozen=True)
class RequestPlan:
    """What the active faults do to one request."""

    extra_delay_ms: float = 0.0
    error: ErrorFault | None = None

    @property
    def latency_injected(self) -> bool:
        """True when a latency fault added delay to this request."""
        return self.extra_delay_ms > 0


class FaultController:
    """Holds the active faults, validates changes, and draws per-request outcomes."""

    def __init__(self, operations: Iterable[str], queues: Iterable[str] = (), seed: int | None = None):
        self.operations = frozenset(operations)
        self.queues = frozenset(queues)
        self.seed = seed
        self.rng = random.Random(seed)
        self._faults: tuple[AnyFault, ...] = ()
        self.version = 0

    @property
    def faults(self) -> tuple[AnyFault, ...]:
        """The active faults, in the order they were set."""
        return self._faults

    @property
    def down(self) -> bool:
        """True while a ``down`` fault is active."""
        return any(isinstance(f, DownFault) for f in self._faults)

    def parse_set(self, payload: Any) -> FaultSet:
        """Validate a ``PUT`` body completely; raise ``FaultValidationError`` on any problem."""
        try:
            fault_set = FaultSet.model_validate(payload)
        except ValidationError as exc:
            raise FaultValidationError(_pydantic_errors(exc)) from exc
        self._check_references(fault_set.faults, prefix="faults.")
        return fault_set

    def parse_fault(self, payload: Any) -> AnyFault:
        """Validate a single fault (``POST`` body)."""
        try:
            fault = _FAULT_ADAPTER.validate_python(payload)
        except ValidationError as exc:
            raise FaultValidationError(_pydantic_errors(exc)) from exc
        self._check_references([fault], prefix="")
        return fault

    def _check_references(self, faults: list[AnyFault], prefix: str) -> None:
        errors: list[str] = []
        for i, fault in enumerate(faults):
            where = f"{prefix}{i}" if prefix else "fault"
            op = getattr(fault, "operation", ANY)
            if op != ANY and op not in self.operations:
                errors.append(f"{where}.operation: unknown operation {op!r}; known: {sorted(self.operations)}")
            if isinstance(fault, BacklogFault) and fault.queue != ANY and fault.queue not in self.queues:
                errors.append(f"{where}.queue: unknown queue {fault.queue!r}; known: {sorted(self.queues)}")
        if errors:
            raise FaultValidationError(errors)

    def replace(self, fault_set: FaultSet) -> None:
        """Make ``fault_set`` the active set; reseed when it carries a seed."""
        if fault_set.seed is not None:
            self.seed = fault_set.seed
            self.rng = random.Random(fault_set.seed)
        self._set(tuple(fault_set.faults))

    def add(self, fault: AnyFault) -> None:
        """Add one fault to the active set."""
        self._set((*self._faults, fault))

    def clear(self) -> None:
        """Remove every fault."""
        self._set(())

    def _set(self, faults: tuple[AnyFault, ...]) -> None:
        self._faults = faults
        self.version += 1

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready view of the active set."""
        return {
            "faults": [f.model_dump(exclude_none=True) for f in self._faults],
            "seed": self.seed,
            "version": self.version,
        }

    def plan(self, operation: str) -> RequestPlan:
        """Draw this request's injected delay and error from the active faults.

        Latency faults compose additively; of several error faults the first
        one that fires wins.
        """
        delay = 0.0
        error: ErrorFault | None = None
        for fault in self._faults:
            if isinstance(fault, LatencyFault) and fault.operation in (ANY, operation):
                if self.rng.random() < fault.fraction:
                    delay += (
                        fault.delay_ms if fault.delay_ms is not None else sample_ms(fault.distribution, self.rng)  # type: ignore[arg-type]
                    )
            elif isinstance(fault, ErrorFault) and fault.operation in (ANY, operation):
                fired = self.rng.random() < fault.rate
                if fired and error is None:
                    error = fault
        return RequestPlan(extra_delay_ms=float(delay), error=error)

    def draw_bounce(self) -> bool:
        """True when this sent email bounces under the active bounce faults."""
        rate = min(1.0, sum(f.rate for f in self._faults if isinstance(f, BounceFault)))
        return rate > 0 and self.rng.random() < rate

    def drain_factor(self, queue: str) -> float:
        """Multiplier on the queue worker's normal drain rate: 1 normal, 0 stopped."""
        factor = 1.0
        for fault in self._faults:
            if isinstance(fault, BacklogFault) and fault.queue in (ANY, queue):
                factor = 0.0 if fault.stop else factor / (fault.slowdown or 1.0)
        return factor
