"""The observer: polls Prometheus while a drill runs and records what happened, with wall-clock times.

It records every alert's state transitions (inactive -> pending -> firing -> inactive), samples each alert
rule's value expression (so a verdict can say "peaked at 0.031, threshold 0.05") and the phase's metric
expressions. Prometheus's own evaluation decides alert state; nothing here re-implements PromQL or `for`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import cast

import httpx

from harness.drill.timeline import AlertState, AlertTransition, ExprSample, MetricSample
from harness.errors import StackError
from harness.stack.clients import PrometheusClient

AlertKey = tuple[str, frozenset[tuple[str, str]]]


Series = list[tuple[str, float, list[tuple[dict[str, str], float]]]]


def _everything(labels: dict[str, str]) -> bool:
    return True


def _peaks(recorded: Series, belongs: Callable[[dict[str, str]], bool]) -> list[tuple[str, float, float | None]]:
    """(name, t, peak value among accepted series or None when none matched) per recorded query."""
    peaks = []
    for name, t, series in recorded:
        values = [value for labels, value in series if belongs(labels)]
        peaks.append((name, t, max(values) if values else None))
    return peaks


class Observer:
    """A background poller; `clock()` gives wall seconds since the drill started.

    Example:
        >>> observer = Observer(prom, clock, 0.1, {"CioHighErrorRate": "..."}, 0.5)  # doctest: +SKIP
        >>> with observer:                                                                        # doctest: +SKIP
        ...     observer.watch_metrics(["customerio_queue_depth > 1000"])
    """

    def __init__(
        self,
        prometheus: PrometheusClient,
        clock: Callable[[], float],
        poll_s: float,
        value_exprs: dict[str, str],
        sample_every_s: float,
    ) -> None:
        self._prometheus = prometheus
        self._clock = clock
        self._poll_s = poll_s
        self._value_exprs = value_exprs
        self._sample_every_s = sample_every_s
        self._states: dict[AlertKey, str] = {}
        self._metric_exprs: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="firedrill-observer", daemon=True)
        self.transitions: list[AlertTransition] = []
        self._expr_series: Series = []
        self._metric_series: Series = []
        self.errors: list[str] = []

    def watch_metrics(self, exprs: list[str]) -> None:
        """Sample these PromQL expressions from now on (the current phase's metric expectations)."""
        with self._lock:
            self._metric_exprs = list(exprs)

    def expr_samples(self, belongs: Callable[[dict[str, str]], bool] = _everything) -> list[ExprSample]:
        """Each alert's value expression over time: the peak among the series `belongs` accepts (a lane's)."""
        return [ExprSample(alert=alert, t=t, value=value) for alert, t, value in _peaks(self._expr_series, belongs)]

    def metric_samples(self, belongs: Callable[[dict[str, str]], bool] = _everything) -> list[MetricSample]:
        """The metric expectations' expressions over time, reduced the same way."""
        return [MetricSample(expr=expr, t=t, value=value) for expr, t, value in _peaks(self._metric_series, belongs)]

    def current_states(self) -> dict[str, str]:
        """alertname -> the most severe state any of its series is in now."""
        rank = {"inactive": 0, "pending": 1, "firing": 2}
        states: dict[str, str] = {}
        with self._lock:
            for (name, _), state in self._states.items():
                if rank[state] > rank.get(states.get(name, "inactive"), 0):
                    states[name] = state
        return states

    def _loop(self) -> None:
        next_sample = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._poll_alerts()
                if started >= next_sample:
                    self._sample()
                    next_sample = started + self._sample_every_s
            except (httpx.HTTPError, StackError) as exc:
                self.errors.append(f"{self._clock():.1f}s: {exc}")
            self._stop.wait(max(0.0, self._poll_s - (time.monotonic() - started)))

    def _poll_alerts(self) -> None:
        now_alerts = self._prometheus.alerts()
        t = self._clock()
        seen: dict[AlertKey, tuple[str, dict[str, str], float | None]] = {}
        for alert in now_alerts:
            labels = {k: v for k, v in alert.labels.items() if k != "alertstate"}
            seen[(alert.name, frozenset(labels.items()))] = (alert.state, labels, alert.value)
        with self._lock:
            for key, (state, labels, value) in seen.items():
                if self._states.get(key) != state:
                    self._states[key] = state
                    self.transitions.append(
                        AlertTransition(alert=key[0], labels=labels, state=cast(AlertState, state), t=t, value=value)
                    )
            for key in [k for k, s in self._states.items() if k not in seen and s != "inactive"]:
                self._states[key] = "inactive"
                self.transitions.append(AlertTransition(alert=key[0], labels=dict(key[1]), state="inactive", t=t))

    def _sample(self) -> None:
        for alert, expr in self._value_exprs.items():
            series = [(s.labels, s.value) for s in self._prometheus.query(expr)]
            self._expr_series.append((alert, self._clock(), series))
        with self._lock:
            exprs = list(self._metric_exprs)
        for expr in exprs:
            series = [(s.labels, s.value) for s in self._prometheus.query(expr)]
            self._metric_series.append((expr, self._clock(), series))

    def start(self) -> Observer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def __enter__(self) -> Observer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
