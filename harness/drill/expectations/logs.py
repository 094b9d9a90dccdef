"""``logs``: the stub's log lines written during the phase hold no PII, and every line carries given fields.

``logs: no_pii`` scans for PII only. ``logs: {no_pii: true, fields: [requestId]}`` also asks that every line of
every service holds each field (dotted for nested keys), as a request-correlation policy demands.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.drill.expectations.base import Expectation, JudgeContext, Observation, Verdict
from harness.drill.timeline import PhaseWindow


class LogQuery(BaseModel):
    """What the phase's log lines must satisfy."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    no_pii: bool = True
    # Keys every line must hold, non-empty (``requestId``, ``req.method``).
    fields: list[str] = Field(default=[], max_length=20)

    @model_validator(mode="after")
    def _checks_something(self) -> LogQuery:
        if not self.no_pii and not self.fields:
            raise ValueError("a logs check with no_pii: false needs fields; expected fields: [requestId, ...]")
        return self


class LogsExpectation(Expectation):
    """The stub's log lines written during the phase hold no PII (and carry ``fields``)."""

    kind: ClassVar[str] = "logs"
    logs: Literal["no_pii"] | LogQuery

    @property
    def query(self) -> LogQuery:
        return LogQuery() if self.logs == "no_pii" else self.logs  # type: ignore[return-value]

    def label(self) -> str:
        q = self.query
        parts = (["no_pii"] if q.no_pii else []) + [f"fields={'+'.join(q.fields)}"] * bool(q.fields)
        return f"logs({','.join(parts)})"

    def wants(self) -> list[Observation]:
        return [Observation("logs", ",".join(self.query.fields))]

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        q = self.query
        scans = [s for s in ctx.timeline.logs if s.phase in (None, window.name)]
        if not scans:
            return Verdict(kind=self.kind, passed=False, reason="no log scan was recorded")
        lines = sum(s.lines for s in scans)
        problems: list[str] = []
        if q.no_pii:
            hits = [f"{s.path}: {h}" for s in scans for h in s.pii_hits]
            if hits:
                more = f" (+{len(hits) - 3} more)" if len(hits) > 3 else ""
                problems.append("PII in logs: " + "; ".join(hits[:3]) + more)
        for name in q.fields:
            lacking = sum(s.missing.get(name, 0) for s in scans)
            if lacking:
                where = [at for s in scans for at in s.missing_at if at.endswith(f" no {name}")][:3]
                problems.append(f"{lacking} of {lines} line(s) without {name}: " + "; ".join(where))
        if problems:
            return Verdict(kind=self.kind, passed=False, reason="; ".join(problems))
        if q.fields and lines == 0:
            return Verdict(kind=self.kind, passed=False, reason="no log lines in the phase to check the fields of")
        said = (["no PII"] if q.no_pii else []) + [f"{', '.join(q.fields)} on every line"] * bool(q.fields)
        return Verdict(kind=self.kind, passed=True, reason=f"{' and '.join(said)} in {lines} log line(s) of the phase")
