"""``rules_have_data: all | [ALERT, ...]``: every rule's expression returns data at some point in the phase.

A rule on a metric the service does not emit never fires and never fails a ``silent`` check; this is how a
healthy baseline catches it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator

from harness.drill.expectations.base import Expectation, JudgeContext, Verdict, names_label
from harness.drill.timeline import PhaseWindow


class RulesHaveDataExpectation(Expectation):
    """Every alert rule's expression (``all``, or the named ones) returns data at some point in the phase."""

    kind: ClassVar[str] = "rules_have_data"
    rules_have_data: Literal["all"] | list[str]

    @field_validator("rules_have_data", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) and value != "all" else value

    def alert_names(self) -> list[str]:
        """The named alerts (none for ``all``)."""
        return [] if self.rules_have_data == "all" else list(self.rules_have_data)

    def label(self) -> str:
        return f"rules_have_data({names_label(self.rules_have_data)})"

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        tl = ctx.timeline
        # Only rules of the form `value <op> threshold` have a value to sample whether or not they fire.
        checkable = sorted({r.alert for r in tl.rules_info if r.value_expr})
        names = checkable if self.rules_have_data == "all" else list(self.rules_have_data)
        unknown = [name for name in names if name not in checkable]
        if unknown:
            reason = f"cannot check {', '.join(unknown)}: no `value <op> threshold` at the top of the expression"
            return Verdict(kind=self.kind, passed=False, reason=reason)
        with_data = {s.alert for s in tl.expr_samples if window.start <= s.t <= window.end and s.value is not None}
        without = [name for name in names if name not in with_data]
        if without:
            reason = f"no data from the expression of {', '.join(without)} (metric missing? check the metric names)"
            return Verdict(kind=self.kind, passed=False, reason=reason)
        return Verdict(kind=self.kind, passed=True, reason=f"all {len(names)} rule expressions returned data")
