"""What every expectation kind shares: its YAML model base, the verdict it returns, and the judging context.

An expectation kind is one module in this package: a pydantic model (its YAML shape), ``judge`` (a verdict from
the timeline alone), ``label`` (a short stable name for tests and tables) and ``wants`` (the observations the run
must record for it). ``harness.drill.expectations`` lists the kinds once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.promql.duration import human_duration

if TYPE_CHECKING:
    from harness.drill.timeline import PhaseWindow, Timeline

Outcome = Literal["pass", "fail", "xfail", "xpass", "error"]


class Verdict(BaseModel):
    """The outcome of one expectation. ``measured_s``/``budget_s``/``pending_s`` are production seconds.

    ``passed`` is what counts for the drill: the expectation held, or it was expected to fail (``xfail``) and
    did. ``outcome`` says which of pass, fail, xfail (failed as expected) or xpass (held although expected to
    fail: a failure, as pytest's strict xfail) it was.
    """

    kind: str
    alert: str | None = None
    passed: bool
    reason: str
    measured_s: float | None = None
    budget_s: float | None = None
    wall_measured_s: float | None = None
    pending_s: float | None = None
    receiver: str | None = None
    outcome: Outcome | None = None
    xfail: str | None = None

    def model_post_init(self, _context: object) -> None:
        if self.outcome is None:
            self.outcome = "pass" if self.passed else "fail"


class PhaseVerdicts(BaseModel):
    """All verdicts of one phase."""

    phase: str
    verdicts: list[Verdict]

    @property
    def passed(self) -> bool:
        """True when every expectation of the phase passed (an xfail that failed counts as passed)."""
        return all(v.passed for v in self.verdicts)


@dataclass(frozen=True)
class Observation:
    """Something the run must record for an expectation: ``what`` is spans, metric, dashboard or logs."""

    what: Literal["spans", "metric", "dashboard", "logs"]
    key: str = ""


@dataclass
class JudgeContext:
    """The timeline being judged and how its wall-clock times map to production time."""

    timeline: Timeline
    # Extra wall seconds on each budget, for the observer's poll interval and scrape jitter.
    tolerance_s: float = 0.0

    @property
    def k(self) -> float:
        return self.timeline.k

    def prod(self, wall_s: float) -> str:
        """A wall-clock span as production-equivalent readable time."""
        return human_duration(wall_s * self.k)

    def budget_wall(self, within_prod_s: float) -> float:
        """A production budget in wall seconds, with the tolerance added."""
        return within_prod_s / self.k + self.tolerance_s


class Expectation(BaseModel):
    """Base of every expectation kind: its YAML key is ``kind``; ``xfail: "<reason>"`` expects it to fail."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str]
    # Expected to fail, with the reason (e.g. a known bug in the rule): the drill passes only if it does fail.
    xfail: str | None = Field(default=None, min_length=1)

    @property
    def alert(self) -> str | None:
        """The alert this expectation is about, if any."""
        return None

    def label(self) -> str:
        """A short, stable name for this expectation (pytest ids, tables)."""
        return self.kind

    def wants(self) -> list[Observation]:
        """Observations the run must record during the phase for this expectation to be judged."""
        return []

    def judge(self, ctx: JudgeContext, window: PhaseWindow) -> Verdict:
        """The verdict on this expectation, from the timeline only."""
        raise NotImplementedError

    def verdict(
        self,
        ctx: JudgeContext,
        *,
        passed: bool,
        reason: str,
        wall_measured_s: float | None = None,
        pending_s: float | None = None,
        receiver: str | None = None,
    ) -> Verdict:
        """A verdict for this expectation; wall times are reported as production-equivalent too."""
        return Verdict(
            kind=self.kind,
            alert=self.alert,
            passed=passed,
            reason=reason,
            budget_s=getattr(self, "within", None),
            # Rounded to ms: float noise in t1 - t0 would otherwise leak into reports and comparisons.
            wall_measured_s=None if wall_measured_s is None else round(wall_measured_s, 3),
            measured_s=None if wall_measured_s is None else round(wall_measured_s * ctx.k, 3),
            pending_s=None if pending_s is None else round(pending_s, 3),
            receiver=receiver,
        )


def names_label(names: str | list[str]) -> str:
    """``all`` or ``a,b``."""
    return names if isinstance(names, str) else ",".join(names)


def labels_suffix(labels: dict[str, str]) -> str:
    """``{a=1,b=2}`` or nothing."""
    inner = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return "{" + inner + "}" if inner else ""
