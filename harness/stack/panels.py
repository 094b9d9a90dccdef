"""Run a dashboard's panel queries against a running stack, as Grafana would run them.

Two paths give the same answer (the pre-release contract test holds them to it, panel by panel):

- **through Grafana** (``/api/ds/query``), when the stack has Grafana: each target goes to its own datasource,
  with the request Grafana's frontend would send; Grafana's backend computes the step and the built-ins;
- **straight to Prometheus**, when it has not: firedrill does the backend's work
  (:mod:`harness.promql.grafana_backend`) and sends Prometheus the same query.

Both resolve the dashboard's variables first, asking Prometheus for query variables' options as Grafana's
frontend would, and both skip targets on non-Prometheus datasources.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness.promql.dashboard_vars import VariableQuery, load_variables
from harness.promql.dashboards import Dashboard, Datasource, PanelTarget, backend_query, panel_targets
from harness.promql.grafana_backend import duration_text, plan
from harness.promql.grafana_vars import Variable
from harness.stack.clients import GrafanaClient, PrometheusClient, QueryRejected, SeriesData


@dataclass
class PanelResult:
    """What one panel target returned: its series (NaN is no value), or why the query was refused."""

    target: PanelTarget
    expr: str  # the expression Prometheus evaluates
    series: list[SeriesData] = field(default_factory=list)
    error: str | None = None

    @property
    def has_data(self) -> bool:
        return self.error is None and any(points for _, points in self.series)


class PanelRunner:
    """Runs dashboards' PromQL targets over a time window; ``grafana`` None means straight to Prometheus.

    Example:
        >>> runner = PanelRunner(stack.prometheus, stack.grafana, PROVISIONED, scrape_s=0.5)  # doctest: +SKIP
        >>> [r.has_data for r in runner.run(load(Path("dashboard.json")), start_s, end_s)]     # doctest: +SKIP
        [True, True, False]
    """

    def __init__(
        self,
        prometheus: PrometheusClient,
        grafana: GrafanaClient | None,
        datasources: Sequence[Datasource],
        scrape_s: float,
    ) -> None:
        self._prometheus = prometheus
        self._grafana = grafana
        self._datasources = list(datasources)
        # The provisioned datasource's jsonData.timeInterval (harness.stack.launch renders the same text).
        self.ds_interval = duration_text(scrape_s)

    def variables(self, board: Dashboard, from_ms: int, to_ms: int) -> dict[str, Variable]:
        """The dashboard's variables over the window, query variables' options found in Prometheus."""
        return load_variables(board.model, find=self.find, from_ms=from_ms, to_ms=to_ms, datasources=self._datasources)

    def run(self, board: Dashboard, start_s: float, end_s: float) -> list[PanelResult]:
        """Every PromQL target of the dashboard over [start_s, end_s] (unix seconds)."""
        from_ms, to_ms = round(start_s * 1000), round(end_s * 1000)
        variables = self.variables(board, from_ms, to_ms)
        results = []
        for target in panel_targets(board.model, variables, self._datasources):
            if target.datasource is not None and not target.is_promql:
                continue  # a Jaeger or other non-Prometheus panel: not PromQL
            results.append(self.run_target(target, variables, from_ms, to_ms))
        return results

    def run_target(self, target: PanelTarget, variables: dict[str, Variable], from_ms: int, to_ms: int) -> PanelResult:
        if target.problem is not None or target.datasource is None:
            return PanelResult(target, target.expr, error=target.problem)
        query = backend_query(target, variables, from_ms, to_ms, self.ds_interval)
        try:
            planned = plan(query, self.ds_interval)
        except ValueError as exc:  # Grafana refuses an unparsable Min step the same way
            return PanelResult(target, query.expr, error=f"invalid interval {query.interval!r}: {exc}")
        try:
            if self._grafana is not None:
                ref = {"uid": target.datasource.uid, "type": target.datasource.type}
                return PanelResult(target, planned.expr, self._grafana.query(ref, query, target.ref_id))
            series: list[SeriesData] = []
            if planned.range:
                series += self._prometheus.query_range(planned.expr, planned.start_s, planned.end_s, planned.step_s)
            if planned.instant:
                at = planned.at_s
                series += [(s.labels, [(at, s.value)]) for s in self._prometheus.query(planned.expr, at=at)]
            return PanelResult(target, planned.expr, series)
        except QueryRejected as exc:  # the panel's own query is wrong: a verdict, not an environment error
            return PanelResult(target, planned.expr, error=str(exc))

    def find(self, query: VariableQuery, start_s: float, end_s: float) -> list[str]:
        """A query variable's option texts, as Grafana's Prometheus variable support finds them."""
        prometheus = self._prometheus
        try:
            if query.kind == "label_values":
                return prometheus.label_values(query.label, start_s, end_s, query.match or None)
            if query.kind == "label_names":
                match = f'{{__name__=~".*{query.match}.*"}}' if query.match else None
                return prometheus.label_names(start_s, end_s, match)
            if query.kind == "metrics":
                pattern = re.compile(query.match)
                return [n for n in prometheus.label_values("__name__", start_s, end_s) if pattern.search(n)]
            if query.kind == "query_result":
                return [_query_result_text(s.labels, s.value, end_s) for s in prometheus.query(query.expr, at=end_s)]
            return [_series_text(labels) for labels in prometheus.series(query.match, start_s, end_s)]
        except (QueryRejected, ValueError):
            return []  # Grafana shows the variable's error and offers no options


def _series_text(labels: dict[str, str]) -> str:
    rest = {k: v for k, v in labels.items() if k != "__name__"}
    return labels.get("__name__", "") + "{" + ",".join(f'{k}="{v}"' for k, v in rest.items()) + "}"


def _query_result_text(labels: dict[str, str], value: float, at_s: float) -> str:
    number = repr(value) if not math.isinf(value) else ("+Inf" if value > 0 else "-Inf")
    number = number[:-2] if number.endswith(".0") else number
    return f"{_series_text(labels)} {number} {round(at_s * 1000)}"


def disagreements(
    grafana: PanelResult, emulated: PanelResult, same_value: Callable[[float, float], bool] | None = None
) -> list[str]:
    """How Grafana's answer for a panel target differs from firedrill's emulation: data or not, refused or
    not, which series, and each value at the timestamps both hold (within 1e-9 relative by default)."""
    close = same_value or (lambda a, b: a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12))
    where = f"{grafana.target.panel_title} ({grafana.target.ref_id})"
    if (grafana.error is None) != (emulated.error is None):
        return [f"{where}: Grafana {'refused: ' + str(grafana.error) if grafana.error else 'ran the query'}, "
                f"firedrill {'refused: ' + str(emulated.error) if emulated.error else 'ran it'}"]  # fmt: skip
    if grafana.has_data != emulated.has_data:
        return [f"{where}: Grafana {'has' if grafana.has_data else 'has no'} data, firedrill's emulation "
                f"{'has' if emulated.has_data else 'has none'} (expr {emulated.expr})"]  # fmt: skip
    ours = {_key(labels): dict(points) for labels, points in emulated.series if points}
    theirs = {_key(labels): dict(points) for labels, points in grafana.series if points}
    out = []
    if set(ours) != set(theirs):
        out.append(f"{where}: series differ: only Grafana {sorted(set(theirs) - set(ours))}, "
                   f"only firedrill {sorted(set(ours) - set(theirs))}")  # fmt: skip
    for key in sorted(set(ours) & set(theirs)):
        for t in sorted(set(ours[key]) & set(theirs[key])):
            if not close(ours[key][t], theirs[key][t]):
                out.append(f"{where}: {key} at {t}: Grafana {theirs[key][t]}, firedrill {ours[key][t]}")
                break
    return out


def _key(labels: dict[str, str]) -> str:
    return "{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__") + "}"
