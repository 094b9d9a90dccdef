"""The timeline: everything observed during one drill lane, in wall-clock seconds since the drill start.

It is the contract between running and judging. The observer appends to it; :func:`harness.drill.judge.judge`
reads only it (and the scenario), so a saved timeline can be re-judged and judging needs no programs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from harness.drill.compress import AlertRuleInfo, CompressionNote, find_rule

AlertState = Literal["pending", "firing", "inactive"]


class AlertTransition(BaseModel):
    """An alert (one label set) changed state, as seen by polling ``/api/v1/alerts``.

    An alert that disappears from the API is recorded as ``inactive`` ("resolved" when it was firing). After the
    drill, a pending or firing transition's ``t`` is the rule evaluation that began it (harness/drill/evaluations.py).
    """

    alert: str
    labels: dict[str, str] = {}
    state: AlertState
    t: float
    value: float | None = None


class ExprSample(BaseModel):
    """The value of a rule's ``value_expr`` (the side of the comparison without the threshold); None = empty."""

    alert: str
    t: float
    value: float | None


class Notification(BaseModel):
    """A webhook delivery recorded by firedrill's sink; ``labels`` are the group's common labels."""

    receiver: str
    status: Literal["firing", "resolved"]
    alertnames: list[str]
    labels: dict[str, str] = {}
    t: float


def describe_fault(fault: dict[str, Any]) -> str:
    """A fault as one short phrase.

    >>> describe_fault({"kind": "error", "operation": "track", "rate": 0.08})
    'error(operation=track, rate=0.08)'
    """
    details = ", ".join(f"{key}={value}" for key, value in fault.items() if key != "kind")
    return f"{fault.get('kind', '?')}({details})"


class PhaseWindow(BaseModel):
    """When a phase ran; ``faults_applied_at`` is when the stub acknowledged its faults (None: not yet)."""

    name: str
    start: float
    end: float
    faults: list[dict[str, Any]] = []
    faults_applied_at: float | None = None

    @property
    def t0(self) -> float:
        """The reference time for "within" budgets: faults applied, else the phase start."""
        return self.start if self.faults_applied_at is None else self.faults_applied_at


class SpanSummary(BaseModel):
    """One span from Jaeger, assigned to the phase during which it started."""

    phase: str
    service: str
    trace_id: str
    name: str
    duration_s: float
    error: bool
    attributes: dict[str, str] = {}


class MetricSample(BaseModel):
    """An instant query of a ``metric:`` expectation; None = empty result (the filter was false)."""

    expr: str
    t: float
    value: float | None


class DashboardResult(BaseModel):
    """One dashboard panel query, run after its variables were substituted."""

    dashboard: str
    panel_title: str
    ref_id: str = ""
    expr: str
    has_data: bool
    error: str | None = None
    phase: str | None = None


class LogScan(BaseModel):
    """The lines a log file got during one phase, scanned for PII and for the fields every line must carry
    (``missing``: field -> lines without it; ``missing_at``: the first few, located); ``phase`` None means the
    whole run."""

    path: str
    pii_hits: list[str] = []
    phase: str | None = None
    lines: int = 0
    missing: dict[str, int] = {}
    missing_at: list[str] = []


class Timeline(BaseModel):
    """All observations of one lane of one scenario run.

    >>> tl = Timeline(scenario="s", lane="0", k=30)
    >>> tl.transitions_for("A")
    []
    """

    scenario: str
    lane: str = "0"
    k: float
    phases: list[PhaseWindow] = []
    transitions: list[AlertTransition] = []
    expr_samples: list[ExprSample] = []
    notifications: list[Notification] = []
    spans: list[SpanSummary] = []
    metric_samples: list[MetricSample] = []
    dashboards: list[DashboardResult] = []
    logs: list[LogScan] = []
    rules_info: list[AlertRuleInfo] = []
    notes: list[CompressionNote] = []

    @property
    def end(self) -> float:
        """The last observed time (end of the last phase)."""
        return max([p.end for p in self.phases], default=0.0)

    def phase(self, name: str) -> PhaseWindow | None:
        """The window of the phase called ``name``."""
        return next((p for p in self.phases if p.name == name), None)

    def transitions_for(self, alert: str | None, labels: dict[str, str] | None = None) -> list[AlertTransition]:
        """Transitions of ``alert`` (any alert if None) whose labels include ``labels``, in time order."""
        want = labels or {}
        found = [
            tr
            for tr in self.transitions
            if (alert is None or tr.alert == alert) and all(tr.labels.get(k) == v for k, v in want.items())
        ]
        return sorted(found, key=lambda tr: tr.t)

    def state_at(self, alert: str, t: float, labels: dict[str, str] | None = None) -> AlertState:
        """The most severe state any matching series of ``alert`` was in at time ``t``."""
        latest: dict[tuple[tuple[str, str], ...], AlertState] = {}
        for tr in self.transitions_for(alert, labels):
            if tr.t > t:
                break
            latest[tuple(sorted(tr.labels.items()))] = tr.state
        states = set(latest.values())
        return "firing" if "firing" in states else "pending" if "pending" in states else "inactive"

    def rule(self, alert: str, labels: dict[str, str] | None = None) -> AlertRuleInfo | None:
        """Compression info for the rule behind ``alert``."""
        return find_rule(self.rules_info, alert, labels)

    def save(self, path: Path) -> None:
        """Write as JSON."""
        path.write_text(self.model_dump_json(indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Timeline:
        """Read a timeline written by :meth:`save`."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
