"""``logs: no_pii``: the lines the stub logged during the phase hold no PII."""

from __future__ import annotations

from typing import ClassVar, Literal

from harness.drill.expectations.base import Expectation, JudgeContext, Observation, Verdict
from harness.drill.timeline import PhaseWindow


class LogsExpectation(Expectation):
    """The stub's log lines written during the phase hold no PII."""

    kind: ClassVar[str] = "logs"
    logs: Literal["no_pii"]

    def label(self) -> str:
        return f"logs({self.logs})"

    def wants(self) -> list[Observation]:
        return [Observation("logs", self.logs)]

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        scans = [s for s in ctx.timeline.logs if s.phase in (None, window.name)]
        if not scans:
            return Verdict(kind=self.kind, passed=False, reason="no log scan was recorded")
        hits = [f"{s.path}: {h}" for s in scans for h in s.pii_hits]
        if hits:
            more = f" (+{len(hits) - 3} more)" if len(hits) > 3 else ""
            return Verdict(kind=self.kind, passed=False, reason="PII in logs: " + "; ".join(hits[:3]) + more)
        lines = sum(s.lines for s in scans)
        return Verdict(kind=self.kind, passed=True, reason=f"no PII in {lines} log line(s) of the phase")
