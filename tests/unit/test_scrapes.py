"""Scrape gaps: which targets lost scrapes in a phase, and when that is too many for its verdicts."""

from __future__ import annotations

from typing import Any

from harness.drill.model import Phase
from harness.drill.scrapes import ScrapeGap, measure_scrape_gaps
from harness.stack.clients import Sample
from harness.stub.faults import parse_fault


class _Prometheus:
    """Answers the two queries the check makes, from scrape counts per (job, instance)."""

    def __init__(self, scrapes: dict[tuple[str, str], tuple[int, int]]) -> None:
        self.scrapes = scrapes  # (job, instance) -> (scrapes, answered)
        self.asked: list[str] = []

    def query(self, expr: str) -> list[Sample]:
        self.asked.append(expr)
        which = 0 if expr.startswith("count_over_time") else 1
        return [Sample({"__name__": "up", "job": job, "instance": instance}, float(counts[which]))
                for (job, instance), counts in self.scrapes.items()]  # fmt: skip


def _phase(*faults: dict[str, Any]) -> Phase:
    return Phase(name="degraded", duration="12m", faults=[parse_fault(f) for f in faults])


def test_the_targets_that_lost_scrapes_in_the_phase_window() -> None:
    prometheus = _Prometheus({("api", "127.0.0.1:1"): (48, 42), ("jobs", "127.0.0.1:2"): (48, 48)})
    gaps = measure_scrape_gaps(prometheus, _phase(), window_s=24.0)  # type: ignore[arg-type]
    assert gaps == [ScrapeGap("degraded", "api", "127.0.0.1:1", failed=6, scrapes=48)]
    assert prometheus.asked == ["count_over_time(up[24000ms])", "sum_over_time(up[24000ms])"]


def test_a_phase_that_takes_targets_down_is_not_checked() -> None:
    prometheus = _Prometheus({("api", "127.0.0.1:1"): (48, 0)})
    for fault in ({"kind": "down"}, {"kind": "restart", "service": "api"}):
        assert measure_scrape_gaps(prometheus, _phase(fault), window_s=24.0) == []  # type: ignore[arg-type]
    assert prometheus.asked == []


def test_more_than_a_tenth_and_more_than_one_is_too_many() -> None:
    assert ScrapeGap("p", "api", "i", failed=5, scrapes=48).too_many()
    assert not ScrapeGap("p", "api", "i", failed=4, scrapes=48).too_many()
    assert not ScrapeGap("p", "api", "i", failed=1, scrapes=4).too_many()  # one lost scrape leaves a rate its samples
    assert ScrapeGap("p", "api", "i", failed=2, scrapes=8).too_many()
