"""Alert transitions move from the poll that saw them to the evaluation that began them (Prometheus's ALERTS)."""

from __future__ import annotations

from harness.drill.evaluations import alert_samples, at_evaluations
from harness.drill.timeline import AlertTransition
from harness.stack.clients import SeriesData

LANE_A = {"alertname": "High", "lane": "a"}
LANE_B = {"alertname": "High", "lane": "b"}


def transition(state: str, t: float, labels: dict[str, str] = LANE_A) -> AlertTransition:
    return AlertTransition(alert="High", labels=labels, state=state, t=t)  # type: ignore[arg-type]


def key(state: str, labels: dict[str, str] = LANE_A) -> tuple[str, frozenset[tuple[str, str]], str]:
    return ("High", frozenset(labels.items()), state)


def every(start: float, end: float, step: float = 0.5) -> list[float]:
    return [start + i * step for i in range(round((end - start) / step) + 1)]


def test_a_late_poll_moves_back_to_the_evaluation_and_a_resolution_keeps_its_poll_time() -> None:
    polled = [transition("pending", 11.7), transition("firing", 15.1), transition("inactive", 20.2)]
    samples = {key("pending"): every(10.0, 13.5), key("firing"): every(14.0, 19.5)}
    assert [t.t for t in at_evaluations(polled, samples, 0.5)] == [10.0, 14.0, 20.2]


def test_a_second_run_of_a_state_starts_where_that_run_starts() -> None:
    polled = [transition("pending", 10.1), transition("inactive", 12.2), transition("pending", 30.9)]
    samples = {key("pending"): every(10.0, 11.5) + every(30.0, 31.0)}
    assert [t.t for t in at_evaluations(polled, samples, 0.5)] == [10.0, 12.2, 30.0]


def test_never_before_the_series_previous_transition_nor_the_drill_start() -> None:
    # The poll at 12.2 said inactive, yet the next run's samples reach back to 12.0: it began after that poll.
    polled = [transition("pending", 1.0), transition("inactive", 12.2), transition("pending", 13.1)]
    samples = {key("pending"): every(-1.0, 2.0) + every(12.0, 13.0)}
    assert [t.t for t in at_evaluations(polled, samples, 0.5)] == [0.0, 12.2, 12.2]


def test_each_label_set_is_its_own_series_and_one_without_samples_keeps_its_poll_time() -> None:
    polled = [transition("firing", 9.4, LANE_A), transition("firing", 9.6, LANE_B), transition("pending", 3.3, {})]
    samples = {key("firing", LANE_A): [8.0, 8.5, 9.0], key("firing", LANE_B): [9.5]}
    assert [t.t for t in at_evaluations(polled, samples, 0.5)] == [8.0, 9.5, 3.3]


def test_a_group_with_a_longer_interval_of_its_own_keeps_its_run_whole() -> None:
    # The global interval is 0.5 s; this rule's group evaluates every 2 s.
    polled = [transition("pending", 16.3)]
    samples = {key("pending"): every(10.0, 16.0, step=2.0)}
    assert [t.t for t in at_evaluations(polled, samples, 0.5)] == [10.0]


class FakePrometheus:
    def __init__(self, series: list[SeriesData]) -> None:
        self.series = series
        self.asked: list[tuple[str, float, float]] = []

    def stored_samples(self, selector: str, window_s: float, at: float) -> list[SeriesData]:
        self.asked.append((selector, window_s, at))
        return self.series


def test_alert_samples_are_keyed_by_the_alerts_own_labels_in_drill_seconds() -> None:
    prometheus = FakePrometheus([
        ({"__name__": "ALERTS", "alertstate": "pending", **LANE_A}, [(1010.5, 1.0), (1010.0, 1.0)]),
        ({"__name__": "ALERTS", "alertstate": "firing", **LANE_A}, [(1012.0, 1.0)]),
    ])  # fmt: skip
    samples = alert_samples(prometheus, origin_wall=1000.0, end_wall=1020.0)  # type: ignore[arg-type]
    assert samples == {key("pending"): [10.0, 10.5], key("firing"): [12.0]}
    assert prometheus.asked == [("ALERTS", 20.0, 1020.0)]
