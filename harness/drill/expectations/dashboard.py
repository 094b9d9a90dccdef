"""``dashboard: FILE``: every PromQL panel of the dashboard returns data during the phase."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from harness.drill.expectations.base import Expectation, JudgeContext, Observation, Verdict
from harness.drill.timeline import PhaseWindow
from harness.yamlsrc import RelPath


class DashboardExpectation(Expectation):
    """Every PromQL panel of the dashboard returns data."""

    kind: ClassVar[str] = "dashboard"
    dashboard: RelPath

    def label(self) -> str:
        return f"dashboard({Path(self.dashboard).name})"

    def wants(self) -> list[Observation]:
        return [Observation("dashboard", str(self.dashboard))]

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        results = [
            r for r in ctx.timeline.dashboards if r.dashboard == str(self.dashboard) and r.phase in (None, window.name)
        ]
        if not results:
            return Verdict(kind=self.kind, passed=False, reason=f"no panel of {self.dashboard.name} was queried")
        bad = [f"{r.panel_title!r}: {r.error or 'no data'}" for r in results if r.error or not r.has_data]
        if bad:
            return Verdict(kind=self.kind, passed=False, reason="panels without data: " + "; ".join(bad))
        return Verdict(kind=self.kind, passed=True, reason=f"all {len(results)} panel queries returned data")
