"""``resolves: ALERT``: the alert leaves firing within ``within`` of the phase starting (the fault cleared)."""

from __future__ import annotations

from typing import ClassVar

from harness.drill.expectations.base import Expectation, JudgeContext, Verdict, labels_suffix
from harness.drill.timeline import PhaseWindow
from harness.promql.duration import Duration, human_duration


class ResolvesExpectation(Expectation):
    """The alert leaves ``firing`` within ``within`` of this phase starting (the fault being cleared)."""

    kind: ClassVar[str] = "resolves"
    resolves: str
    within: Duration
    labels: dict[str, str] = {}

    @property
    def alert(self) -> str | None:
        return self.resolves

    def label(self) -> str:
        return f"resolves({self.resolves}{labels_suffix(self.labels)})"

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        tl, alert, t0 = ctx.timeline, self.resolves, window.t0
        was_firing = tl.state_at(alert, t0, self.labels) == "firing"
        resolved_at = None
        for tr in tl.transitions_for(alert, self.labels):
            if tr.t < t0:
                continue
            state = tl.state_at(alert, tr.t, self.labels)
            was_firing = was_firing or state == "firing"
            if was_firing and state == "inactive":
                resolved_at = tr.t
                break
        if resolved_at is None:
            if not was_firing:
                return self.verdict(
                    ctx, passed=False, reason=f"{alert} was not firing when the phase began; nothing to resolve"
                )
            rule = tl.rule(alert, self.labels)
            keep = (
                f" (keep_firing_for: {human_duration(rule.keep_firing_for_s_prod)})"
                if rule and rule.keep_firing_for_s_prod
                else ""
            )
            return self.verdict(
                ctx,
                passed=False,
                reason=f"still firing at the end of the drill, {ctx.prod(tl.end - t0)} after the phase began{keep}",
            )
        took = resolved_at - t0
        return self.verdict(
            ctx,
            passed=took <= ctx.budget_wall(self.within),
            wall_measured_s=took,
            reason=f"resolved after {ctx.prod(took)}, budget {human_duration(self.within)}",
        )
