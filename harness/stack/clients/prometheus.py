"""Prometheus's HTTP API: queries, rules, alerts, targets, version and reload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from harness.errors import StackError
from harness.stack.clients.base import QueryRejected, SeriesData, call, json_body, number, version_text


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class ActiveAlert:
    """An alert as Prometheus's rule manager reports it (pending or firing)."""

    name: str
    labels: dict[str, str]
    state: str
    active_at: str | None
    value: float | None


@dataclass(frozen=True)
class TargetHealth:
    labels: dict[str, str]
    scrape_url: str
    health: str
    last_error: str


class PrometheusClient:
    """Prometheus HTTP API.

    Example:
        >>> client = PrometheusClient("http://127.0.0.1:9090")  # doctest: +SKIP
        >>> client.query("up")                                   # doctest: +SKIP
        [Sample(labels={'__name__': 'up', 'job': 'stub', ...}, value=1.0)]
    """

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def _get(self, path: str, **params: Any) -> Any:
        response = call("prometheus", self._http.request, "GET", path, params=params)
        body = json_body("prometheus", response)
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else body
            if isinstance(body, dict) and body.get("errorType") == "bad_data":
                raise QueryRejected(f"prometheus rejected the query: {error}")
            raise StackError(f"prometheus: GET {path}: HTTP {response.status_code}: {error}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        """Instant query; scalars come back as one sample with no labels."""
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = at
        data = self._get("/api/v1/query", **params)
        if data["resultType"] in ("scalar", "string"):
            value = number(data["result"][1])
            return [] if value is None else [Sample({}, value)]
        return [
            Sample(item["metric"], value) for item in data["result"] if (value := number(item["value"][1])) is not None
        ]

    def query_value(self, expr: str) -> float | None:
        """The first sample's value of an instant query, or None when it returns nothing."""
        samples = self.query(expr)
        return samples[0].value if samples else None

    def query_range(self, expr: str, start: float, end: float, step_s: float) -> list[SeriesData]:
        return _matrix(self._get("/api/v1/query_range", query=expr, start=start, end=end, step=step_s))

    def stored_samples(self, selector: str, window_s: float, at: float) -> list[SeriesData]:
        """Every sample of ``selector`` stored in the ``window_s`` seconds up to ``at``, at the timestamps Prometheus
        wrote: for ``ALERTS``, the rule evaluations that found each state, which no late poll can move."""
        return _matrix(self._get("/api/v1/query", query=f"{selector}[{round(window_s * 1000)}ms]", time=at))

    def label_values(self, label: str, start: float, end: float, match: str | None = None) -> list[str]:
        """Values of ``label`` among series in [start, end] (those matching ``match`` when given)."""
        params: dict[str, Any] = {"start": start, "end": end}
        if match:
            params["match[]"] = match
        return [str(v) for v in self._get(f"/api/v1/label/{label}/values", **params)]

    def label_names(self, start: float, end: float, match: str | None = None) -> list[str]:
        params: dict[str, Any] = {"start": start, "end": end}
        if match:
            params["match[]"] = match
        return [str(v) for v in self._get("/api/v1/labels", **params)]

    def series(self, match: str, start: float, end: float) -> list[dict[str, str]]:
        return [dict(item) for item in self._get("/api/v1/series", **{"match[]": match, "start": start, "end": end})]

    def alerts(self) -> list[ActiveAlert]:
        return [
            ActiveAlert(
                name=alert["labels"].get("alertname", ""),
                labels=alert["labels"],
                state=alert["state"],
                active_at=alert.get("activeAt"),
                value=number(alert.get("value")),
            )
            for alert in self._get("/api/v1/alerts")["alerts"]
        ]

    def rules(self) -> list[dict[str, Any]]:
        """Raw rule groups (name, rules with health, lastError, state)."""
        return list(self._get("/api/v1/rules")["groups"])

    def targets(self) -> list[TargetHealth]:
        return [
            TargetHealth(t["labels"], t["scrapeUrl"], t["health"], t.get("lastError", ""))
            for t in self._get("/api/v1/targets")["activeTargets"]
        ]

    def version(self) -> str | None:
        """The version the running Prometheus reports (``/api/v1/status/buildinfo``), e.g. ``3.16.0``."""
        return version_text(self._get("/api/v1/status/buildinfo").get("version"))

    def reload(self) -> None:
        response = call("prometheus", self._http.request, "POST", "/-/reload")
        if response.status_code >= 300:
            raise StackError(f"prometheus: POST /-/reload: HTTP {response.status_code}: {response.text[:200]}")

    def close(self) -> None:
        self._http.close()


def _matrix(data: dict[str, Any]) -> list[SeriesData]:
    return [
        (item["metric"], [(float(t), v) for t, raw in item["values"] if (v := number(raw)) is not None])
        for item in data["result"]
    ]
