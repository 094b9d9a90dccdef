"""Thin typed clients for the HTTP APIs firedrill reads: Prometheus, Alertmanager v2 and Jaeger /api/v3.

Jaeger's `/api/traces` search was removed after v2.20, so only `/api/v3` is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from harness.errors import StackError


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


def _float(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


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
        response = self._http.get(path, params=params)
        body = response.json()
        if body.get("status") != "success":
            raise StackError(f"prometheus {path}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        """Instant query; scalars come back as one sample with no labels."""
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = at
        data = self._get("/api/v1/query", **params)
        if data["resultType"] in ("scalar", "string"):
            value = _float(data["result"][1])
            return [] if value is None else [Sample({}, value)]
        return [
            Sample(item["metric"], value) for item in data["result"] if (value := _float(item["value"][1])) is not None
        ]

    def query_value(self, expr: str) -> float | None:
        """The first sample's value of an instant query, or None when it returns nothing."""
        samples = self.query(expr)
        return samples[0].value if samples else None

    def query_range(
        self, expr: str, start: float, end: float, step_s: float
    ) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        data = self._get("/api/v1/query_range", query=expr, start=start, end=end, step=step_s)
        return [
            (item["metric"], [(float(t), v) for t, raw in item["values"] if (v := _float(raw)) is not None])
            for item in data["result"]
        ]

    def alerts(self) -> list[ActiveAlert]:
        return [
            ActiveAlert(
                name=alert["labels"].get("alertname", ""),
                labels=alert["labels"],
                state=alert["state"],
                active_at=alert.get("activeAt"),
                value=_float(alert.get("value")),
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

    def reload(self) -> None:
        self._http.post("/-/reload").raise_for_status()

    def close(self) -> None:
        self._http.close()


class AlertmanagerClient:
    """Alertmanager API v2: the alerts it holds and its status."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def alerts(self) -> list[dict[str, Any]]:
        response = self._http.get("/api/v2/alerts")
        response.raise_for_status()
        return list(response.json())

    def status(self) -> dict[str, Any]:
        response = self._http.get("/api/v2/status")
        response.raise_for_status()
        return dict(response.json())

    def close(self) -> None:
        self._http.close()


@dataclass(frozen=True)
class SpanRecord:
    """One span as Jaeger stored it (OTLP JSON from /api/v3), reduced to what expectations read."""

    trace_id: str
    span_id: str
    name: str
    service: str
    start_unix_s: float
    duration_s: float
    error: bool
    attributes: dict[str, Any] = field(default_factory=dict)
    event_names: list[str] = field(default_factory=list)


def _rfc3339(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _attr_value(value: dict[str, Any]) -> Any:
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in value:
            return value[key]
    return None


def _attrs(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {item["key"]: _attr_value(item.get("value", {})) for item in items or []}


class JaegerClient:
    """Jaeger query API v3 (services, trace search by service and time window, trace by id)."""

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def services(self) -> list[str]:
        response = self._http.get("/api/v3/services")
        response.raise_for_status()
        return list(response.json().get("services") or [])

    def find_spans(
        self,
        service: str,
        start_unix_s: float,
        end_unix_s: float,
        limit: int = 1000,
        operation: str | None = None,
        min_duration_s: float | None = None,
    ) -> list[SpanRecord]:
        """Every span of up to `limit` traces that `service` took part in within the window.

        The v3 HTTP gateway takes no attribute filter; callers filter `SpanRecord.attributes` themselves.
        """
        params: dict[str, Any] = {
            "query.service_name": service,
            "query.start_time_min": _rfc3339(start_unix_s),
            "query.start_time_max": _rfc3339(end_unix_s),
            "query.num_traces": limit,
        }
        if operation:
            params["query.operation_name"] = operation
        if min_duration_s:
            params["query.duration_min"] = f"{int(min_duration_s * 1000)}ms"
        response = self._http.get("/api/v3/traces", params=params)
        if response.status_code == 404:  # Jaeger answers 404 when no trace matched
            return []
        response.raise_for_status()
        return self._spans(response.json())

    def trace(self, trace_id: str) -> list[SpanRecord]:
        response = self._http.get(f"/api/v3/traces/{trace_id}")
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return self._spans(response.json())

    @staticmethod
    def _spans(body: dict[str, Any]) -> list[SpanRecord]:
        records: list[SpanRecord] = []
        for resource_spans in (body.get("result") or {}).get("resourceSpans", []):
            service = str(_attrs(resource_spans.get("resource", {}).get("attributes")).get("service.name", ""))
            for scope in resource_spans.get("scopeSpans", []):
                for span in scope.get("spans", []):
                    start = int(span.get("startTimeUnixNano", 0))
                    end = int(span.get("endTimeUnixNano", 0))
                    code = (span.get("status") or {}).get("code")
                    records.append(
                        SpanRecord(
                            trace_id=str(span.get("traceId", "")).lower(),
                            span_id=str(span.get("spanId", "")).lower(),
                            name=str(span.get("name", "")),
                            service=service,
                            start_unix_s=start / 1e9,
                            duration_s=max(0.0, (end - start) / 1e9),
                            error=code in (2, "STATUS_CODE_ERROR"),
                            attributes=_attrs(span.get("attributes")),
                            event_names=[str(e.get("name", "")) for e in span.get("events", [])],
                        )
                    )
        return records

    def close(self) -> None:
        self._http.close()


class GrafanaClient:
    """Grafana's HTTP API: run a panel's query through Grafana itself (`/api/ds/query`), as the panel would."""

    def __init__(
        self,
        base_url: str,
        password: str,
        user: str = "admin",
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, auth=(user, password), transport=transport)

    def query_has_data(self, expr: str, datasource_uid: str = "prometheus", range_s: float = 300.0) -> bool:
        """True when the Prometheus query returns at least one value through Grafana's datasource."""
        body = {
            "queries": [
                {"refId": "A", "datasource": {"uid": datasource_uid}, "expr": expr, "instant": True, "range": False}
            ],
            "from": f"now-{max(1, int(range_s))}s",
            "to": "now",
        }
        response = self._http.post("/api/ds/query", json=body)
        if response.status_code >= 400:
            raise StackError(f"grafana /api/ds/query: HTTP {response.status_code}: {response.text[:200]}")
        result = response.json().get("results", {}).get("A", {})
        if result.get("error"):
            raise StackError(f"grafana /api/ds/query: {result['error']}")
        return any(
            any(len(column) > 0 for column in (frame.get("data") or {}).get("values", [])[1:])
            for frame in result.get("frames", [])
        )

    def close(self) -> None:
        self._http.close()
