"""Scrape gaps: the scrapes of a drill's targets that failed during a phase, read from Prometheus's own ``up``.

A target that does not answer within the scrape timeout (0.5 s at x30) leaves its series without a sample for that
scrape. The rules' windows then hold fewer samples, and a ratio over a compressed window can have no value at an
evaluation, which restarts an alert's ``for``. When no fault of the phase took the target down, the gap is the
harness's, not the rules': a machine too busy for the stub to answer in time. A phase that lost more than
``MAX_FAILED_SHARE`` of a target's scrapes did not see what its verdicts need, so the drill stops with an
environment error naming the target; fewer lost scrapes are a warning.

Example:
    >>> gap = ScrapeGap(phase="degraded", job="tokpulse-api", instance="127.0.0.1:4242", failed=6, scrapes=24)
    >>> gap.too_many()
    True
    >>> gap.describe(scrape_timeout_s=0.5).split(": ")[0]
    'Prometheus failed 6 of 24 scrapes of tokpulse-api (127.0.0.1:4242) in phase degraded'
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.drill.model import Phase
from harness.stack.clients import PrometheusClient

# The share of one target's scrapes a phase may lose before its verdicts rest on too little data: a 5m rule window
# compressed to 10 s holds 20 scrapes at x30, and losing a tenth of them can leave it without a rate.
MAX_FAILED_SHARE = 0.1
# Faults that take a target's scrapes away on purpose (`down` answers 503 to /metrics; `restart` drops it briefly).
_TARGET_FAULTS = ("down", "restart")


@dataclass(frozen=True)
class ScrapeGap:
    """One target's failed scrapes in one phase."""

    phase: str
    job: str
    instance: str
    failed: int
    scrapes: int

    def too_many(self) -> bool:
        """More than the share a phase may lose, and more than one scrape (a rate still has its samples)."""
        return self.failed >= 2 and self.failed / self.scrapes > MAX_FAILED_SHARE

    def describe(self, scrape_timeout_s: float) -> str:
        return (
            f"Prometheus failed {self.failed} of {self.scrapes} scrapes of {self.job} ({self.instance}) in phase "
            f"{self.phase}: it did not answer within the {scrape_timeout_s:g}s scrape timeout (a machine too busy "
            "for the stub?)"
        )


def measure_scrape_gaps(prometheus: PrometheusClient, phase: Phase, window_s: float) -> list[ScrapeGap]:
    """The targets that failed scrapes in the last ``window_s`` seconds (the phase just ended); none for a phase
    whose faults take targets down."""
    if any(fault.kind in _TARGET_FAULTS for fault in phase.faults):
        return []
    window = f"{max(1, round(window_s * 1000))}ms"
    scrapes = {_target(s.labels): s.value for s in prometheus.query(f"count_over_time(up[{window}])")}
    answered = {_target(s.labels): s.value for s in prometheus.query(f"sum_over_time(up[{window}])")}
    failed = {target: round(total - answered.get(target, total)) for target, total in scrapes.items()}
    return [ScrapeGap(phase.name, job, instance, failed[job, instance], round(scrapes[job, instance]))
            for job, instance in sorted(scrapes) if failed[job, instance] >= 1]  # fmt: skip


def _target(labels: dict[str, str]) -> tuple[str, str]:
    return labels.get("job", ""), labels.get("instance", "")
