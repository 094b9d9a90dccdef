"""``no_notification: ALERT``: no firing notification of the alert reached a receiver while the phase ran.

What an inhibition rule or a silence promises: the alert may fire in Prometheus, but nobody is told. With
``receiver`` only that receiver counts; ``labels`` narrows to the alert's series with those labels. The reason
says whether the alert fired in the phase, so a pass is never mistaken for a proof of inhibition when the alert
simply never fired (pair it with ``fires`` for that).
"""

from __future__ import annotations

from typing import ClassVar

from harness.drill.expectations.base import Expectation, JudgeContext, Verdict, labels_suffix
from harness.drill.timeline import PhaseWindow


class NoNotificationExpectation(Expectation):
    """No firing notification of the alert reaches ``receiver`` (any receiver when none is named) in the phase."""

    kind: ClassVar[str] = "no_notification"
    no_notification: str
    receiver: str | None = None
    labels: dict[str, str] = {}

    @property
    def alert(self) -> str | None:
        return self.no_notification

    def label(self) -> str:
        to = f"->{self.receiver}" if self.receiver else ""
        return f"no_notification({self.no_notification}{labels_suffix(self.labels)}{to})"

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        tl, alert = ctx.timeline, self.no_notification
        delivered = [
            n
            for n in sorted(tl.notifications, key=lambda n: n.t)
            if window.start <= n.t <= window.end
            and alert in n.alertnames
            and n.status == "firing"
            and (self.receiver is None or n.receiver == self.receiver)
            and all(n.labels.get(k) == v for k, v in self.labels.items())
        ]
        if delivered:
            first = delivered[0]
            at = ctx.prod(first.t - window.start)
            return self.verdict(ctx, passed=False, receiver=first.receiver, wall_measured_s=first.t - window.t0,
                                reason=f"{alert} was notified to {first.receiver} at +{at} ({len(delivered)} "
                                "notification(s) in the phase); expected none")  # fmt: skip
        whom = self.receiver or "any receiver"
        firing = [tr for tr in tl.transitions_for(alert, self.labels)
                  if window.start <= tr.t <= window.end and tr.state == "firing"]  # fmt: skip
        if firing:
            since = f"although it fired at +{ctx.prod(firing[0].t - window.start)} (inhibited or silenced)"
        elif tl.state_at(alert, window.start, self.labels) == "firing":
            since = "although it was firing (inhibited or silenced)"
        else:
            since = "but it never fired in the phase"
        return self.verdict(ctx, passed=True, reason=f"no notification of {alert} reached {whom}, {since}")
