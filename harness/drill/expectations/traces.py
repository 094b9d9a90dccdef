"""``traces: {service, ...}``: Jaeger holds at least ``min_spans`` matching spans recorded during the phase.

``min_services`` asks that each counted span's trace crosses that many services (the span's own included): a
request that went from a webhook intake through a jobs worker to an API. The observer fetches whole traces, so
a trace's spans in other services are in the timeline too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.drill.expectations.base import Expectation, JudgeContext, Observation, Verdict
from harness.drill.timeline import PhaseWindow, SpanSummary
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
    # Each counted span's trace must cross at least this many services.
    min_services: int = Field(1, ge=1)


def services_by_trace(spans: list[SpanSummary]) -> dict[str, set[str]]:
    """Trace id -> the services its spans belong to.

    >>> s = [SpanSummary(phase="p", service=name, trace_id="t1", name="x", duration_s=0, error=False)
    ...      for name in ("intake", "jobs", "api", "api")]
    >>> sorted(services_by_trace(s)["t1"])
    ['api', 'intake', 'jobs']
    """
    found: dict[str, set[str]] = defaultdict(set)
    for span in spans:
        found[span.trace_id].add(span.service)
    return found


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
        phase_spans = [s for s in ctx.timeline.spans if s.phase == window.name]
        spans = [s for s in phase_spans if s.service == q.service]
        crossing = services_by_trace(phase_spans) if q.min_services > 1 else {}
        match = [
            s
            for s in spans
            if (q.status == "any" or s.error == (q.status == "error"))
            and (q.name is None or s.name == q.name)
            and (q.min_duration is None or s.duration_s >= q.min_duration)
            and all(s.attributes.get(k) == v for k, v in q.attributes.items())
            and (q.min_services == 1 or len(crossing.get(s.trace_id, ())) >= q.min_services)
        ]
        reason = f"{len(match)} matching spans of {len(spans)} from {q.service}; expected at least {q.min_spans}"
        if q.min_services > 1:
            widest = max((crossing[s.trace_id] for s in match), key=len, default=None)
            reason += f" in traces across >= {q.min_services} services"
            if widest:
                reason += f" (e.g. {', '.join(sorted(widest))})"
        return Verdict(kind=self.kind, passed=len(match) >= q.min_spans, reason=reason)
