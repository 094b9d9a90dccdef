"""``traces: {service, ...}``: Jaeger holds at least ``min_spans`` matching spans recorded during the phase."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.drill.expectations.base import Expectation, JudgeContext, Observation, Verdict
from harness.drill.timeline import PhaseWindow
from harness.promql.duration import Duration


class TraceQuery(BaseModel):
    """Which spans count: span durations are real (faults' latency is not compressed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    service: str
    min_spans: int = Field(1, ge=1)
    status: Literal["ok", "error", "any"] = "any"
    name: str | None = None
    min_duration: Duration | None = None
    attributes: dict[str, str] = {}


class TracesExpectation(Expectation):
    """At least ``min_spans`` spans matching the query were recorded during the phase."""

    kind: ClassVar[str] = "traces"
    traces: TraceQuery

    def label(self) -> str:
        return f"traces({self.traces.service},{self.traces.status})"

    def wants(self) -> list[Observation]:
        return [Observation("spans", self.traces.service)]

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        q = self.traces
        spans = [s for s in ctx.timeline.spans if s.phase == window.name and s.service == q.service]
        match = [
            s
            for s in spans
            if (q.status == "any" or s.error == (q.status == "error"))
            and (q.name is None or s.name == q.name)
            and (q.min_duration is None or s.duration_s >= q.min_duration)
            and all(s.attributes.get(k) == v for k, v in q.attributes.items())
        ]
        reason = f"{len(match)} matching spans of {len(spans)} from {q.service}; expected at least {q.min_spans}"
        return Verdict(kind=self.kind, passed=len(match) >= q.min_spans, reason=reason)
