"""What a service does: operations (HTTP endpoints or queue jobs), their steps, business events and queues.

An operation runs as a SERVER span (a queue job: a CONSUMER span) named by ``span`` (default: the operation's
name). Its own ``latency`` is spent first; then its ``steps`` run in order, each one of
- ``{span: NAME, kind, latency, attributes, steps}``: a child span doing simulated work (nested steps allowed);
- ``{call: SERVICE.OPERATION}``: a real HTTP call to another service of the profile, carrying W3C
  ``traceparent`` and the request and correlation ids, so one trace spans services;
- ``{event: NAME, fraction | count}``: business events happen (each may have its own span);
- ``{enqueue: QUEUE}`` (or ``SERVICE.QUEUE``): a job for a queue's worker, which later runs the queue's ``job``
  operation as a child of this trace (as a broker carrying ``traceparent`` in message headers would).
Injected latency and errors land in the step marked ``faults: true``, else in the first client span, else in the
operation's own span. Span names and attributes may use ``{label}`` placeholders.

Example:
    >>> op = Operation.model_validate({"name": "track", "path": "/v1/track",
    ...     "steps": [{"span": "customerio.api track", "kind": "client"}]})
    >>> op.steps[0].kind, op.fault_step() is op.steps[0]
    ('client', True)
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from harness.stub.profile.dist import Distribution
from harness.stub.profile.labels import LABEL_NAME
from harness.stub.profile.metrics import StatusFilter

NAME = r"^[a-z][a-z0-9_]*$"
SpanKind = Literal["internal", "client", "producer", "consumer"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpanStep(_Strict):
    """A child span doing simulated work for ``latency`` ms, with its own nested steps."""

    span: str = Field(min_length=1)
    kind: SpanKind = "internal"
    latency: Distribution | None = None
    attributes: dict[str, str] = {}
    steps: list[Step] = []
    faults: bool = False


class CallStep(_Strict):
    """A real HTTP call to ``SERVICE.OPERATION`` (an error answer fails this operation unless ``ignore_errors``)."""

    call: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.[a-z][a-z0-9_]*$")
    ignore_errors: bool = False

    @property
    def service(self) -> str:
        return self.call.rsplit(".", 1)[0]

    @property
    def operation(self) -> str:
        return self.call.rsplit(".", 1)[1]


class EventStep(_Strict):
    """Business events happen here: with probability ``fraction``, or ``count`` of them."""

    event: str = Field(pattern=NAME)
    fraction: float | None = Field(default=None, ge=0, le=1)
    count: Distribution | None = None


class EnqueueStep(_Strict):
    """One job for ``QUEUE`` (this service's) or ``SERVICE.QUEUE``."""

    enqueue: str

    def target(self, own_service: str) -> tuple[str, str]:
        service, _, queue = self.enqueue.rpartition(".")
        return (service or own_service), queue


def _step_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((key for key in ("span", "call", "event", "enqueue") if key in value), None)
    tags: dict[type, str] = {SpanStep: "span", CallStep: "call", EventStep: "event", EnqueueStep: "enqueue"}
    return tags.get(type(value))


Step = Annotated[
    Annotated[SpanStep, Tag("span")]
    | Annotated[CallStep, Tag("call")]
    | Annotated[EventStep, Tag("event")]
    | Annotated[EnqueueStep, Tag("enqueue")],
    Discriminator(
        _step_tag,
        custom_error_type="step_kind",
        custom_error_message="not a step; expected a mapping with one of span, call, event, enqueue",
    ),
]
SpanStep.model_rebuild()


class Operation(_Strict):
    """One operation: an HTTP endpoint (``path``) or a queue job (no path)."""

    name: str = Field(pattern=NAME)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    path: str | None = Field(default=None, pattern=r"^/")
    # Fixed label values for every run of this operation (e.g. route, jobType, surface).
    labels: dict[Annotated[str, Field(pattern=LABEL_NAME)], str] = {}
    latency: Distribution = Distribution(type="uniform", low=5, high=30)
    span: str | None = None
    attributes: dict[str, str] = {}
    steps: list[Step] = []
    # Body fields that must hold one of the listed values; anything else is answered 400.
    require: dict[str, list[str]] = {}
    status: int = Field(200, ge=200, le=299)

    @property
    def span_name(self) -> str:
        return self.span or self.name

    def fault_step(self) -> SpanStep | None:
        """Where injected latency and errors land: the marked span step, else the first client span."""
        spans = list(_span_steps(self.steps))
        marked = next((s for s in spans if s.faults), None)
        return marked or next((s for s in spans if s.kind == "client"), None)

    def walk(self) -> list[Step]:
        """Every step, nested ones included, depth first."""
        return list(_walk(self.steps))


def _walk(steps: list[Step]) -> Any:
    for step in steps:
        yield step
        if isinstance(step, SpanStep):
            yield from _walk(step.steps)


def _span_steps(steps: list[Step]) -> Any:
    for step in _walk(steps):
        if isinstance(step, SpanStep):
            yield step


class RequestTrigger(StatusFilter):
    """Runs of these operations (all when none are listed) with these statuses."""

    operations: list[str] = []
    fraction: float = Field(1.0, ge=0, le=1)


class EventSpec(_Strict):
    """A business event: drawn labels, a value (an amount or a score), an optional span, and what triggers it."""

    labels: list[str] = []
    value: Distribution | None = None
    # Background occurrences per second (rates are real time: compression shortens windows, not rates).
    rate: float = Field(0.0, ge=0)
    # Shortcut for "some runs of these operations cause it", without a step.
    from_requests: RequestTrigger | None = None
    span: str | None = None
    latency: Distribution | None = None


class QueueSpec(_Strict):
    """A background queue: a depth per label combination, drained by a worker running the ``job`` operation."""

    drain_per_second: float = Field(gt=0)
    labels: list[str] = []
    job: str | None = None
    fed_by: RequestTrigger | None = None

    @field_validator("labels", mode="before")
    @classmethod
    def _one(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value
