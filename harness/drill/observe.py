"""Observing a drill: what happened, recorded with wall-clock times, for the judge to read.

- :class:`Observer` polls Prometheus in the background: every alert's state transitions (inactive -> pending
  -> firing -> inactive), each alert rule's value expression (so a verdict can say "peaked at 0.031, threshold
  0.05") and the phase's metric expressions. Prometheus's own evaluation decides alert state; nothing here
  re-implements PromQL or ``for``.
- :class:`PhaseCollector` gathers what a phase's expectations want once the phase is over: spans from Jaeger,
  dashboard panel results, and the stub log lines written during the phase, scanned for PII.
- :func:`notifications` reads the sink's webhook deliveries.

An observation that could not be made is never silently missing: a poll that keeps failing is reported by
:meth:`Observer.problem`, and the drill stops with an environment error instead of judging a partial timeline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from harness.drill.logscan import LogSource, scan_log
from harness.drill.model import Phase
from harness.drill.timeline import (
    AlertState,
    AlertTransition,
    DashboardResult,
    ExprSample,
    LogScan,
    MetricSample,
    Notification,
    PhaseWindow,
    SpanSummary,
)
from harness.errors import ComponentError
from harness.promql.dashboards import load
from harness.stack import Component, Stack
from harness.stack.clients import PrometheusClient
from harness.stack.launch import grafana_datasources
from harness.stack.panels import PanelRunner

AlertKey = tuple[str, frozenset[tuple[str, str]]]
Series = list[tuple[str, float, list[tuple[dict[str, str], float]]]]

# The labels that decide which lane a series belongs to (harness.drill.run.in_lane); a sample keeps only these.
SCOPE_LABELS = ("lane", "instance")
# At most this many distinct scopes per sample (about one per lane): the highest values are kept.
MAX_SCOPES = 64


def _everything(labels: dict[str, str]) -> bool:
    return True


def reduce_series(
    series: list[tuple[dict[str, str], float]], limit: int = MAX_SCOPES
) -> list[tuple[dict[str, str], float]]:
    """The peak per distinct value of the scope labels, other labels dropped: what a lane's peak needs, bounded.

    >>> reduce_series([({"lane": "a", "op": "x"}, 0.1), ({"lane": "a", "op": "y"}, 0.3), ({"lane": "b"}, 0.2)])
    [({'lane': 'a'}, 0.3), ({'lane': 'b'}, 0.2)]
    """
    peaks: dict[tuple[tuple[str, str], ...], float] = {}
    for labels, value in series:
        scope = tuple((name, labels[name]) for name in SCOPE_LABELS if name in labels)
        if scope not in peaks or value > peaks[scope]:
            peaks[scope] = value
    kept = sorted(peaks.items(), key=lambda item: item[1], reverse=True)[:limit]
    return [(dict(scope), value) for scope, value in sorted(kept)]


def next_sample_due(due: float, started: float, every_s: float) -> float:
    """When to sample next: on a fixed cadence (polls do not push it later), restarting from now when behind.

    >>> next_sample_due(10.0, 10.1, 0.5), next_sample_due(10.0, 12.0, 0.5)
    (10.5, 12.5)
    """
    after = due + every_s
    return after if after > started else started + every_s


def _peaks(recorded: Series, belongs: Callable[[dict[str, str]], bool]) -> list[tuple[str, float, float | None]]:
    """(name, t, peak value among accepted series or None when none matched) per recorded query."""
    peaks = []
    for name, t, series in recorded:
        values = [value for labels, value in series if belongs(labels)]
        peaks.append((name, t, max(values) if values else None))
    return peaks


class Observer:
    """A background poller; ``clock()`` gives wall seconds since the drill started.

    ``max_gap_s`` is how long polls may fail before the observation counts as broken: shorter than one rule
    evaluation interval, no alert state can be missed (a state changes only at an evaluation).

    Expressions are sampled on a fixed cadence of ``sample_every_s`` (the evaluation interval: one sample per
    evaluation, for the report's charts). Each sample keeps only the peak per lane scope (:func:`reduce_series`),
    so memory grows with the drill's length, not with the number of series a rule returns.

    Example:
        >>> observer = Observer(prom, clock, 0.1, {"CioHighErrorRate": "..."}, 0.5, 1.0)  # doctest: +SKIP
        >>> with observer:                                                               # doctest: +SKIP
        ...     observer.watch_metrics(["customerio_queue_depth > 1000"])
    """

    def __init__(
        self,
        prometheus: PrometheusClient,
        clock: Callable[[], float],
        poll_s: float,
        value_exprs: dict[str, str],
        sample_every_s: float,
        max_gap_s: float,
    ) -> None:
        self._prometheus = prometheus
        self._clock = clock
        self._poll_s = poll_s
        self._value_exprs = value_exprs
        self._sample_every_s = sample_every_s
        self._max_gap_s = max_gap_s
        self._states: dict[AlertKey, str] = {}
        self._metric_exprs: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="firedrill-observer", daemon=True)
        self.transitions: list[AlertTransition] = []
        self._expr_series: Series = []
        self._metric_series: Series = []
        self.errors: list[str] = []
        self._last_ok: float | None = None
        self._failing_since: float | None = None

    def watch_metrics(self, exprs: list[str]) -> None:
        """Sample these PromQL expressions from now on (the current phase's metric expectations)."""
        with self._lock:
            self._metric_exprs = list(exprs)

    def expr_samples(self, belongs: Callable[[dict[str, str]], bool] = _everything) -> list[ExprSample]:
        """Each alert's value expression over time: the peak among the series ``belongs`` accepts (a lane's)."""
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

    def problem(self) -> ComponentError | None:
        """An environment error when Prometheus has not answered a poll for longer than ``max_gap_s``."""
        with self._lock:
            since = self._failing_since
            last = self.errors[-1] if self.errors else ""
        if since is None or self._clock() - since <= self._max_gap_s:
            return None
        return ComponentError(
            "prometheus", f"the observer's polls have failed for {self._clock() - since:.1f}s (last: {last})"
        )

    def _loop(self) -> None:
        next_sample = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._poll_alerts()
                if started >= next_sample:
                    self._sample()
                    next_sample = next_sample_due(next_sample, started, self._sample_every_s)
                with self._lock:
                    self._last_ok, self._failing_since = self._clock(), None
            except Exception as exc:  # any failure is recorded and reported, never allowed to end the thread
                with self._lock:
                    self.errors.append(f"{self._clock():.1f}s: {exc}")
                    if self._failing_since is None:
                        self._failing_since = self._last_ok if self._last_ok is not None else self._clock()
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
            series = reduce_series([(s.labels, s.value) for s in self._prometheus.query(expr)])
            self._expr_series.append((alert, self._clock(), series))
        with self._lock:
            exprs = list(self._metric_exprs)
        for expr in exprs:
            series = reduce_series([(s.labels, s.value) for s in self._prometheus.query(expr)])
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


@dataclass
class PhaseObservations:
    """What one phase's expectations asked for, collected after the phase."""

    spans: list[SpanSummary] = field(default_factory=list)
    dashboards: list[DashboardResult] = field(default_factory=list)
    logs: dict[str, list[LogScan]] = field(default_factory=dict)  # per lane


class PhaseCollector:
    """Collects each phase's spans, dashboard results and log scans, as its expectations ``want``."""

    def __init__(self, stack: Stack, origin_wall: float, scrape_s: float, logs: list[LogSource]) -> None:
        self._stack = stack
        self._origin_wall = origin_wall
        self._scrape_s = scrape_s
        self._logs = logs

    def phase_started(self) -> None:
        for source in self._logs:
            source.mark_start()

    def phase_ended(self, phase: str) -> None:
        for source in self._logs:
            source.mark_end(phase)

    def collect(self, phase: Phase, window: PhaseWindow) -> PhaseObservations:
        wants = [w for exp in phase.expect for w in exp.wants()]
        out = PhaseObservations()
        services = sorted({w.key for w in wants if w.what == "spans"})
        if services:
            out.spans = self._spans(phase.name, services, window)
        for dashboard in dict.fromkeys(w.key for w in wants if w.what == "dashboard"):
            out.dashboards += self._dashboard(phase.name, Path(dashboard), window)
        if any(w.what == "logs" for w in wants):
            fields = sorted({name for w in wants if w.what == "logs" for name in w.key.split(",") if name})
            for source in self._logs:
                start, end = source.ranges.get(phase.name, (0, 0))
                scan = scan_log(source.path, start, end, source.pii, fields)
                out.logs.setdefault(source.lane, []).append(scan.model_copy(update={"phase": phase.name}))
        return out

    def _spans(self, phase: str, services: list[str], window: PhaseWindow) -> list[SpanSummary]:
        time.sleep(0.5)  # the stub's batch span processor flushes every 200 ms
        jaeger = self._stack.jaeger
        start, end = self._origin_wall + window.start, self._origin_wall + window.end
        return [
            SpanSummary(phase=phase, service=span.service, trace_id=span.trace_id, name=span.name,
                        duration_s=span.duration_s, error=span.error,
                        attributes={k: str(v) for k, v in span.attributes.items()})
            for service in services
            for span in jaeger.find_spans(service, start, end, limit=2000)
        ]  # fmt: skip

    def _dashboard(self, phase: str, path: Path, window: PhaseWindow) -> list[DashboardResult]:
        """Each PromQL target of the dashboard over the phase, through Grafana when the stack has it (each
        target to its own datasource), else straight to Prometheus with Grafana's query emulated."""
        grafana = self._stack.grafana if Component.GRAFANA in self._stack.running else None
        datasources = grafana_datasources(self._stack.spec)
        runner = PanelRunner(self._stack.prometheus, grafana, datasources, self._scrape_s)
        start, end = self._origin_wall + window.start, self._origin_wall + max(window.end, window.start + 1.0)
        return [
            DashboardResult(dashboard=str(path), panel_title=r.target.panel_title, ref_id=r.target.ref_id,
                            expr=r.expr, has_data=r.has_data, error=r.error, phase=phase)
            for r in runner.run(load(path, datasources), start, end)
        ]  # fmt: skip


def notifications(stack: Stack, origin_wall: float) -> list[Notification]:
    """Every alert of every webhook the sink received, with its time since the drill began."""
    if stack.sink is None:
        return []
    found = []
    for delivery in stack.sink.deliveries():
        for alert in delivery.alerts:
            status: Literal["firing", "resolved"] = "resolved" if alert.status == "resolved" else "firing"
            found.append(
                Notification(receiver=delivery.receiver, status=status, alertnames=[alert.alertname],
                             labels=alert.labels, t=delivery.received_at - origin_wall)
            )  # fmt: skip
    return found


def wanted_metrics(phase: Phase) -> list[str]:
    """The metric expressions the phase's expectations want sampled."""
    return [w.key for exp in phase.expect for w in exp.wants() if w.what == "metric"]
