"""Faults: a selector plus an effect, one model shared by the scenario loader, the stub and its control API.

The selector is any of ``service``, ``operation``, ``event`` and ``match`` (labels of the request or event, e.g.
``{storeId: store_7}``); what it leaves out matches everything. The effect is the ``kind``:

=========  ===================================================================================================
error      fail a ``rate`` of runs with ``status`` (4xx or 5xx), or raise (``exception: true``); with ``event``,
           the events fail (a tool call errors)
latency    add ``delay_ms`` or a ``distribution`` (ms) to a ``fraction`` of runs
event      set an event's background ``rate`` (per second), ``multiply`` it, or set its per-request ``fraction``;
           ``limit`` caps the occurrences a per-request fault causes (``limit: 1``: exactly one deadlock)
gauge      ``set`` a gauge to a value, or ``ramp_to`` a value ``over`` a time (scenario: production time; the
           control API takes wall seconds as ``over_s``)
shift      move a distribution (an event's value or a value gauge's): new ``mean``/``stddev``, or ``factor``
backlog    slow a queue's worker by ``slowdown`` (>1) or ``stop`` it
down       answer 503 to everything but the control API (``/metrics`` included: Prometheus sees ``up == 0``)
restart    the service restarts: counters and uptime start again from zero
=========  ===================================================================================================

Example:
    >>> parse_fault({"kind": "error", "operation": "track", "rate": 0.08, "status": 503}).describe()
    'error(operation=track, rate=0.08, status=503)'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from harness.promql.duration import Duration
from harness.stub.profile.dist import Distribution

# Longest injected delay: ten minutes covers any timeout worth testing; more is a typo (1e12) or a hang.
MAX_DELAY_MS = 600_000.0


class _Fault(BaseModel):
    """The selector every fault has; ``lanes`` scopes it to some lanes of a drill and is never sent to a stub."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    service: str | None = None
    operation: str | None = None
    match: dict[str, str] = {}
    lanes: list[str] | None = None

    def selector(self) -> dict[str, Any]:
        return {k: v for k, v in (("service", self.service), ("operation", self.operation)) if v is not None} | (
            {"match": self.match} if self.match else {}
        )

    def describe(self) -> str:
        """One short phrase: ``kind(key=value, ...)``."""
        body = self.model_dump(exclude_none=True, exclude_defaults=True, exclude={"kind", "lanes"})
        details = ", ".join(f"{k}={v}" for k, v in body.items())
        return f"{getattr(self, 'kind', '?')}({details})"

    def matches(self, service: str, operation: str | None, labels: dict[str, str]) -> bool:
        """True when this fault's selector covers a run of ``operation`` in ``service`` with ``labels``."""
        return (
            (self.service is None or self.service == service)
            and (self.operation is None or self.operation == operation)
            and all(labels.get(k) == v for k, v in self.match.items())
        )


class ErrorFault(_Fault):
    kind: Literal["error"]
    rate: float = Field(1.0, ge=0, le=1)
    status: int = Field(500, ge=400, le=599)
    exception: bool = False
    event: str | None = None


class LatencyFault(_Fault):
    kind: Literal["latency"]
    fraction: float = Field(1.0, ge=0, le=1)
    delay_ms: float | None = Field(default=None, ge=0, le=MAX_DELAY_MS)
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _one_delay(self) -> LatencyFault:
        if (self.delay_ms is None) == (self.distribution is None):
            raise ValueError("a latency fault needs exactly one of delay_ms or distribution")
        if self.distribution is not None and self.distribution.mean_value > MAX_DELAY_MS:
            raise ValueError(f"latency distribution's mean is above {MAX_DELAY_MS:.0f} ms; expected a delay in ms")
        return self


class EventFault(_Fault):
    kind: Literal["event"]
    event: str
    rate: float | None = Field(default=None, ge=0, le=100_000)
    multiply: float | None = Field(default=None, ge=0, le=100_000)
    fraction: float | None = Field(default=None, ge=0, le=1)
    # Why: a drill that needs exactly N occurrences (one deadlock, one poison message) cannot get them from a
    # fraction and a phase's length on a machine whose timing shifts; the fault counts and then steps aside.
    limit: int | None = Field(default=None, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _one_change(self) -> EventFault:
        given = [n for n in ("rate", "multiply", "fraction") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("an event fault needs exactly one of rate (per second), multiply or fraction")
        if self.limit is not None and self.rate is not None:
            raise ValueError("limit counts the occurrences a fraction or multiply fault causes in runs; a background "
                             "rate has no runs to count: bound it by the phase's duration instead")  # fmt: skip
        return self


class GaugeFault(_Fault):
    kind: Literal["gauge"]
    metric: str
    set: float | None = None
    ramp_to: float | None = None
    # Production time in scenarios (compressed like every duration); wall seconds on the control API.
    over: Duration | None = None
    over_s: float | None = Field(default=None, gt=0, le=86_400)

    @model_validator(mode="after")
    def _one_change(self) -> GaugeFault:
        if (self.set is None) == (self.ramp_to is None):
            raise ValueError("a gauge fault needs exactly one of set or ramp_to")
        if self.ramp_to is not None and self.over is None and self.over_s is None:
            raise ValueError("ramp_to needs over (how long the ramp takes), e.g. over: 5m")
        return self


class ShiftFault(_Fault):
    kind: Literal["shift"]
    metric: str | None = None
    event: str | None = None
    mean: float | None = None
    stddev: float | None = Field(default=None, ge=0)
    factor: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _target(self) -> ShiftFault:
        if (self.metric is None) == (self.event is None):
            raise ValueError("a shift fault needs exactly one of metric (a value gauge) or event")
        if self.mean is None and self.stddev is None and self.factor is None:
            raise ValueError("a shift fault needs mean, stddev or factor")
        return self


class BacklogFault(_Fault):
    kind: Literal["backlog"]
    queue: str | None = None
    slowdown: float | None = Field(default=None, gt=1, le=1_000_000)
    stop: bool = False

    @model_validator(mode="after")
    def _one_mode(self) -> BacklogFault:
        if (self.slowdown is None) == (not self.stop):
            raise ValueError("a backlog fault needs exactly one of slowdown (>1) or stop: true")
        return self


class DownFault(_Fault):
    kind: Literal["down"]


class RestartFault(_Fault):
    kind: Literal["restart"]


AnyFault = ErrorFault | LatencyFault | EventFault | GaugeFault | ShiftFault | BacklogFault | DownFault | RestartFault
Fault = Annotated[AnyFault, Field(discriminator="kind")]
FAULT_KINDS = ("error", "latency", "event", "gauge", "shift", "backlog", "down", "restart")
_ADAPTER: TypeAdapter[AnyFault] = TypeAdapter(Fault)


def parse_fault(data: Any) -> AnyFault:
    """One fault from its mapping (pydantic's ValidationError when malformed)."""
    return _ADAPTER.validate_python(data)


def to_control(fault: AnyFault, k: float = 1.0) -> dict[str, Any]:
    """The fault as the control API takes it: no ``lanes``, production ``over`` turned into wall ``over_s``.

    >>> to_control(parse_fault({"kind": "gauge", "metric": "x", "ramp_to": 85, "over": "5m"}), k=30)
    {'kind': 'gauge', 'metric': 'x', 'ramp_to': 85.0, 'over_s': 10.0}
    """
    body = fault.model_dump(mode="json", exclude_none=True, exclude_defaults=True, exclude={"lanes"})
    body["kind"] = fault.kind
    if isinstance(fault, GaugeFault) and fault.over is not None:
        body.pop("over", None)
        body["over_s"] = fault.over / k
    return body


def hit_fraction(faults: list[AnyFault]) -> float | None:
    """The fraction of runs (or events) a phase's faults hit, when they agree on one (error rates, event
    fractions); None when they do not say or disagree. A fault with a ``limit`` causes a count, not a fraction.

    >>> hit_fraction([parse_fault({"kind": "error", "operation": "track", "rate": 0.08})])
    0.08
    >>> hit_fraction([parse_fault({"kind": "event", "event": "email_bounced", "fraction": 0.1})])
    0.1
    """
    fractions = set()
    for fault in faults:
        value = fault.rate if isinstance(fault, ErrorFault) else fault.fraction \
            if isinstance(fault, EventFault) and fault.limit is None else None  # fmt: skip
        if value is not None and 0 < value <= 1:
            fractions.add(float(value))
    return fractions.pop() if len(fractions) == 1 else None
