"""``silent: all | [ALERT, ...]``: no pending or firing during the phase.

An alert counts as noisy when it goes pending or firing inside the phase window. With named alerts, one already
pending/firing when the phase starts also fails (the user asked for it to be quiet for the whole phase); with
``all``, alerts carried over from earlier phases are ignored, so ``silent: all`` in a recovery phase only fails
on new trouble.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator

from harness.drill.expectations.base import Expectation, JudgeContext, Verdict, names_label
from harness.drill.timeline import PhaseWindow


class SilentExpectation(Expectation):
    """No pending/firing of the named alerts (or of any, with ``all``) during the phase."""

    kind: ClassVar[str] = "silent"
    silent: Literal["all"] | list[str]

    @field_validator("silent", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) and value != "all" else value

    def alert_names(self) -> list[str]:
        """The named alerts (none for ``all``)."""
        return [] if self.silent == "all" else list(self.silent)

    def label(self) -> str:
        return f"silent({names_label(self.silent)})"

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        tl = ctx.timeline
        names = None if self.silent == "all" else list(self.silent)
        problems = []
        for name in names or []:
            state = tl.state_at(name, window.start)
            if state != "inactive":
                problems.append(f"{name} was already {state} when the phase began")
        for tr in tl.transitions_for(None):
            if window.start < tr.t <= window.end and tr.state != "inactive" and (names is None or tr.alert in names):
                problems.append(f"{tr.alert} went {tr.state} at +{ctx.prod(tr.t - window.start)}")
        who = "no alert" if names is None else "none of " + ", ".join(names)
        reason = "; ".join(dict.fromkeys(problems)) if problems else f"quiet: {who} went pending or firing"
        return Verdict(kind=self.kind, passed=not problems, reason=reason)
