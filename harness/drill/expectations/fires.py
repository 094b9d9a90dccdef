"""``fires: ALERT``: the alert reaches firing within ``within`` of the phase's faults being applied."""

from __future__ import annotations

from typing import ClassVar

from harness.drill.expectations.base import Expectation, JudgeContext, Verdict, labels_suffix
from harness.drill.timeline import AlertTransition, PhaseWindow
from harness.promql.duration import Duration, human_duration


class FiresExpectation(Expectation):
    """The alert reaches ``firing`` within ``within`` of the phase's faults being applied."""

    kind: ClassVar[str] = "fires"
    fires: str
    within: Duration
    labels: dict[str, str] = {}

    @property
    def alert(self) -> str | None:
        return self.fires

    def label(self) -> str:
        return f"fires({self.fires}{labels_suffix(self.labels)})"

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        tl, alert, t0 = ctx.timeline, self.fires, window.t0
        if tl.state_at(alert, t0, self.labels) == "firing":
            return self.verdict(ctx, passed=True, wall_measured_s=0.0, reason=f"{alert} was already firing")
        after = [tr for tr in tl.transitions_for(alert, self.labels) if tr.t >= t0]
        pend = next((tr for tr in after if tr.state == "pending"), None)
        fire = next((tr for tr in after if tr.state == "firing"), None)
        pending_s = None if pend is None else (pend.t - t0) * ctx.k
        if fire is not None:
            took = fire.t - t0
            pend_txt = "" if pend is None or pend.t > fire.t else f" (pending after {ctx.prod(pend.t - t0)})"
            return self.verdict(
                ctx,
                passed=took <= ctx.budget_wall(self.within),
                wall_measured_s=took,
                pending_s=pending_s,
                reason=f"fired after {ctx.prod(took)}{pend_txt}, budget {human_duration(self.within)}",
            )
        return self.verdict(ctx, passed=False, pending_s=pending_s, reason=self._not_fired(ctx, window, pend))

    def _not_fired(self, ctx: JudgeContext, w: PhaseWindow, pend: AlertTransition | None) -> str:
        tl, alert, t0 = ctx.timeline, self.fires, w.t0
        rule = tl.rule(alert, self.labels)
        if pend is not None:
            if rule is None:
                return f"{alert} stayed pending from {ctx.prod(pend.t - t0)} and never fired"
            left = min(w.end, t0 + self.within / ctx.k) - pend.t
            why = (
                f"{alert} stayed pending: for: {human_duration(rule.for_s_prod)} is "
                f"{human_duration(rule.for_s_wall)} compressed"
            )
            if left < rule.for_s_wall:
                return f"{why}, only {human_duration(left)} of the phase/budget was left after it went pending"
            return f"{why}, it went pending but fell back before for: elapsed (the condition flapped)"
        values = [s.value for s in tl.expr_samples if s.alert == alert and t0 <= s.t <= w.end and s.value is not None]
        if not values:
            return "never pending; no samples of the expression (metric missing? check the metric name)"
        low = rule is not None and rule.op in ("<", "<=")
        peak = min(values) if low else max(values)
        word = "bottomed out" if low else "peaked"
        if rule is not None and rule.threshold is not None:
            return f"never pending: expression value {word} at {peak:.4g}, threshold {rule.op} {rule.threshold:g}"
        return f"never pending: expression value {word} at {peak:.4g}"
