"""``notification: ALERT``: Alertmanager delivered it to ``receiver`` (firing or resolved) within ``within``.

As with ``fires``, an alert already firing when the phase begins has its firing notification counted when it
reached the receiver during that firing, before the phase: a fault phase as short as one job's run (a single
deadlock) can page before the phase that judges it begins, and a page sent is a page sent.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from harness.drill.expectations.base import Expectation, JudgeContext, Verdict
from harness.drill.timeline import Notification, PhaseWindow
from harness.promql.duration import Duration, human_duration


class NotificationExpectation(Expectation):
    """A notification for the alert reaches ``receiver`` with ``status`` within ``within``."""

    kind: ClassVar[str] = "notification"
    notification: str
    receiver: str
    status: Literal["firing", "resolved"] = "firing"
    within: Duration
    labels: dict[str, str] = {}

    @property
    def alert(self) -> str | None:
        return self.notification

    def label(self) -> str:
        status = "" if self.status == "firing" else f",{self.status}"
        return f"notification({self.notification}->{self.receiver}{status})"

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        tl, alert, t0 = ctx.timeline, self.notification, window.t0
        matching = [
            n
            for n in sorted(tl.notifications, key=lambda n: n.t)
            if alert in n.alertnames
            and n.status == self.status
            and all(n.labels.get(k) == v for k, v in self.labels.items())
        ]
        earlier = self._sent_while_already_firing(ctx, t0, matching)
        if earlier is not None:
            return self.verdict(
                ctx,
                passed=True,
                wall_measured_s=0.0,
                receiver=earlier.receiver,
                reason=f"{alert} was already firing; its notification reached {earlier.receiver} "
                f"{ctx.prod(t0 - earlier.t)} before the phase began",
            )
        candidates = [n for n in matching if n.t >= t0]
        hit = next((n for n in candidates if n.receiver == self.receiver), None)
        if hit is not None:
            took = hit.t - t0
            return self.verdict(
                ctx,
                passed=took <= ctx.budget_wall(self.within),
                wall_measured_s=took,
                receiver=hit.receiver,
                reason=f"{self.status} notification delivered to {hit.receiver} after {ctx.prod(took)}, "
                f"budget {human_duration(self.within)}",
            )
        if candidates:
            got = ", ".join(sorted({n.receiver for n in candidates}))
            return self.verdict(ctx, passed=False, receiver=got, reason=f"delivered to {got}, expected {self.receiver}")
        reason = f"no {self.status} notification for {alert} reached any receiver"
        fired = any(tr.state == "firing" for tr in tl.transitions_for(alert) if tr.t >= t0)
        if self.status == "firing" and not fired and tl.state_at(alert, t0) != "firing":
            reason += " (the alert never fired)"
        return self.verdict(ctx, passed=False, reason=reason)

    def _sent_while_already_firing(
        self, ctx: JudgeContext, t0: float, matching: list[Notification]
    ) -> Notification | None:
        """The delivery to the receiver since the alert last began firing, when it is still firing at ``t0``."""
        tl = ctx.timeline
        if self.status != "firing" or tl.state_at(self.notification, t0, self.labels) != "firing":
            return None
        began = max((tr.t for tr in tl.transitions_for(self.notification, self.labels)
                     if tr.state == "firing" and tr.t <= t0), default=None)  # fmt: skip
        if began is None:  # firing since before the drill's first poll: no episode to tie a delivery to
            return None
        return next((n for n in matching if began <= n.t < t0 and n.receiver == self.receiver), None)
