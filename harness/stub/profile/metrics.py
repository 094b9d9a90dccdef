"""Metric families of a service: any Prometheus type, any name and labels, and what drives each.

What drives a family, its ``source`` (one key, so that YAML 1.1 never reads it as a boolean as it does ``on``):
- ``request`` or ``{request: {operations, status, observe}}``: each run of an operation (an HTTP request or a
  queue job). Counters count it; histograms and summaries observe its ``duration`` (in the family's ``unit``)
  or a numeric field of the request body (``observe: body.items``).
- ``{event: NAME, add, observe, status}``: each business event. Counters count it (or ``add: value`` adds its
  amount, as an LLM call's cost); histograms and summaries observe its value (or ``observe: duration``).
- gauges: ``in_flight`` requests, ``uptime`` seconds, ``{queue: NAME}`` depth, or ``{value: DISTRIBUTION}``
  redrawn every second (a pool's utilisation, a budget). Faults set, ramp or shift it.

Example:
    >>> spec = FamilySpec.model_validate({"name": "tokpulse_widget_render_ms", "type": "histogram",
    ...     "unit": "ms", "buckets": [50, 100, 250], "labels": ["surface", "storeId"],
    ...     "source": {"request": {"operations": ["render"]}}})
    >>> spec.source.kind, spec.label_sources()
    ('request', {'surface': 'surface', 'storeId': 'storeId'})
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.promql.duration import Duration
from harness.stub.profile.dist import Distribution
from harness.stub.profile.labels import LABEL_NAME

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
FamilyType = Literal["counter", "gauge", "histogram", "summary"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusFilter(_Strict):
    """Which outcomes count: classes (``5xx``) or codes (``429``); none given = all."""

    status: list[str] = []

    @field_validator("status", mode="before")
    @classmethod
    def _one(cls, value: Any) -> Any:
        return [str(value)] if isinstance(value, str | int) else [str(v) for v in value]

    def matches(self, code: int) -> bool:
        return not self.status or str(code) in self.status or f"{code // 100}xx" in self.status


class RequestSource(StatusFilter):
    """Each run of the listed operations (all of the service's when none are listed)."""

    kind: Literal["request"] = "request"
    operations: list[str] = []
    observe: str = "duration"

    @field_validator("observe")
    @classmethod
    def _observable(cls, value: str) -> str:
        if value != "duration" and not value.startswith("body."):
            raise ValueError(f"observe: {value!r}; expected duration or body.<field>")
        return value


class EventSource(StatusFilter):
    """Each occurrence of a business event; ``add: value`` adds its amount to a counter."""

    kind: Literal["event"] = "event"
    event: str
    add: Literal["one", "value"] = "one"
    observe: Literal["value", "duration"] = "value"


class QueueValue(_Strict):
    queue: str


class ValueSource(_Strict):
    """A gauge's value: in_flight, uptime, a queue's depth, or a distribution redrawn every second."""

    kind: Literal["value"] = "value"
    value: Literal["in_flight", "uptime"] | QueueValue | Distribution


def _source(source: Any) -> Any:
    """The YAML shorthand of a source as the tagged model input."""
    if source in ("request", "in_flight", "uptime"):
        return {"kind": "request"} if source == "request" else {"kind": "value", "value": source}
    if isinstance(source, dict) and "kind" not in source:
        if "request" in source and len(source) == 1:
            return {"kind": "request", **(source["request"] or {})}
        if "event" in source:
            return {"kind": "event", **source}
        if "queue" in source and len(source) == 1:
            return {"kind": "value", "value": source}
        if "value" in source and len(source) == 1:
            return {"kind": "value", "value": source["value"]}
    if isinstance(source, dict) and "kind" in source:
        return source
    raise ValueError(f"source: {source!r}; expected request, {{request: {{operations, status}}}}, {{event: NAME}}, "
                     "in_flight, uptime, {queue: NAME} or {value: DISTRIBUTION}")  # fmt: skip


Source = Annotated[RequestSource | EventSource | ValueSource, Field(discriminator="kind")]


class FamilySpec(_Strict):
    """One metric family as the service exposes it."""

    name: str = Field(pattern=METRIC_NAME)
    type: FamilyType
    help: str = ""
    # Family label -> the request/event label it takes its value from (a list means the same names).
    labels: dict[Annotated[str, Field(pattern=LABEL_NAME)], str] = {}
    unit: Literal["seconds", "ms", "none"] = "seconds"
    buckets: list[float] | None = None
    quantiles: list[Annotated[float, Field(gt=0, lt=1)]] = []
    # How far back a summary's quantiles look (production time; the stub scales it by the compression).
    max_age: Duration = 600.0
    source: Source

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "source" not in data:
            raise ValueError("a family needs a source: request, {event: NAME}, or for gauges in_flight, uptime, "
                             "{queue: NAME} or {value: DISTRIBUTION}")  # fmt: skip
        data["source"] = _source(data["source"])
        if isinstance(data.get("labels"), list):
            data["labels"] = {name: name for name in data["labels"]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> FamilySpec:
        if self.type == "counter" and not self.name.endswith("_total"):
            raise ValueError(f"counter {self.name}: counter names end in _total (Prometheus and OpenMetrics); "
                             f"expected {self.name}_total, or type: gauge")  # fmt: skip
        if isinstance(self.source, ValueSource) and self.type != "gauge":
            raise ValueError(f"{self.name}: in_flight, uptime, queue and value sources drive gauges only")
        if self.type == "gauge" and not isinstance(self.source, ValueSource):
            raise ValueError(f"{self.name}: a gauge's source is in_flight, uptime, {{queue: NAME}} or {{value: ...}}")
        if self.buckets is not None and (self.type != "histogram" or sorted(self.buckets) != self.buckets):
            raise ValueError(f"{self.name}: buckets are for histograms, in increasing order")
        if self.quantiles and self.type != "summary":
            raise ValueError(f"{self.name}: quantiles are for summaries")
        if isinstance(self.source, EventSource) and self.source.add == "value" and self.type != "counter":
            raise ValueError(f"{self.name}: add: value is for counters; histograms and summaries observe the value")
        reserved = {"le", "quantile"} & set(self.labels)
        if reserved:
            raise ValueError(f"{self.name}: label {sorted(reserved)[0]!r} is reserved by Prometheus for this type")
        return self

    def label_sources(self) -> dict[str, str]:
        """Family label -> source label."""
        return dict(self.labels)

    @property
    def bucket_bounds(self) -> list[float]:
        """The histogram's buckets (prometheus_client's defaults scaled to the unit when not given)."""
        if self.buckets is not None:
            return list(self.buckets)
        seconds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]
        return [b * 1000 for b in seconds] if self.unit == "ms" else seconds

    def scale(self, seconds: float) -> float:
        """A duration in seconds in this family's unit."""
        return seconds * 1000 if self.unit == "ms" else seconds
