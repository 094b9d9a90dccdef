"""``metric: EXPR``: a PromQL filter is true at some point (``eventually``) or at every sample (``throughout``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator

from harness.drill.expectations.base import Expectation, JudgeContext, Observation, Verdict
from harness.drill.timeline import PhaseWindow
from harness.promql.duration import Duration
from harness.promql.expr import check_expr, top_level_comparison


class MetricExpectation(Expectation):
    """A PromQL filter is true at some point (``eventually``) or at every sample (``throughout``)."""

    kind: ClassVar[str] = "metric"
    metric: str
    mode: Literal["eventually", "throughout"] = "eventually"
    within: Duration | None = None

    @field_validator("metric")
    @classmethod
    def _parses(cls, value: str) -> str:
        error = check_expr(value)
        if error is not None:
            raise ValueError(f"invalid PromQL ({error}); expected an expression Prometheus accepts")
        return value

    def label(self) -> str:
        return f"metric({self.metric})"

    def wants(self) -> list[Observation]:
        return [Observation("metric", self.metric)]

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        t0 = window.t0
        end = window.end if self.within is None else min(window.end, t0 + self.within / ctx.k)
        samples = sorted(
            (s for s in ctx.timeline.metric_samples if s.expr == self.metric and t0 <= s.t <= end), key=lambda s: s.t
        )
        cmp = top_level_comparison(self.metric)
        as_bool = cmp is not None and cmp.returns_bool

        def true(value: float | None) -> bool:
            return value is not None and not (as_bool and value == 0)

        if not samples:
            return self.verdict(ctx, passed=False, reason=f"no samples of {self.metric} during the phase")
        if self.mode == "eventually":
            first = next((s for s in samples if true(s.value)), None)
            if first is None:
                return self.verdict(ctx, passed=False, reason=f"never true in {len(samples)} samples")
            took = first.t - t0
            return self.verdict(
                ctx, passed=True, wall_measured_s=took, reason=f"true after {ctx.prod(took)} ({first.value:g})"
            )
        false = [s for s in samples if not true(s.value)]
        if false:
            reason = f"false at +{ctx.prod(false[0].t - t0)} ({len(false)} of {len(samples)} samples false)"
            return self.verdict(ctx, passed=False, reason=reason)
        return self.verdict(ctx, passed=True, reason=f"true in all {len(samples)} samples")
