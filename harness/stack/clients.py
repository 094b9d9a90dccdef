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


class QueryRejected(ValueError):
    """Prometheus (or Grafana) refused a query as invalid: a fault of the query, not of the stack."""


def _http(component: str, call: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request, with transport failures converted to StackError naming the component."""
    try:
        return call(method, path, **kwargs)  # type: ignore[no-any-return]
    except httpx.HTTPError as exc:
        raise StackError(f"{component}: {method} {path} failed ({type(exc).__name__}: {exc})") from None


def _json(component: str, response: httpx.Response) -> Any:
    """The response's JSON body; a body that is not JSON is a StackError (a proxy page, a crashed server)."""
    try:
        return response.json()
    except ValueError:
        snippet = response.text[:120].replace("\n", " ")
        raise StackError(
            f"{component}: {response.request.method} {response.request.url.path} answered HTTP "
            f"{response.status_code} with a body that is not JSON ({snippet!r})"
        ) from None


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
        response = _http("prometheus", self._http.request, "GET", path, params=params)
        body = _json("prometheus", response)
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
        response = _http("prometheus", self._http.request, "POST", "/-/reload")
        if response.status_code >= 300:
            raise StackError(f"prometheus: POST /-/reload: HTTP {response.status_code}: {response.text[:200]}")

    def close(self) -> None:
        self._http.close()


class AlertmanagerClient:
    """Alertmanager API v2: the alerts it holds and its status."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def _get(self, path: str) -> Any:
        response = _http("alertmanager", self._http.request, "GET", path)
        if response.status_code >= 300:
            raise StackError(f"alertmanager: GET {path}: HTTP {response.status_code}: {response.text[:200]}")
        return _json("alertmanager", response)

    def alerts(self) -> list[dict[str, Any]]:
        return list(self._get("/api/v2/alerts"))

    def status(self) -> dict[str, Any]:
        return dict(self._get("/api/v2/status"))

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

    def _get(self, path: str, **params: Any) -> Any:
        """JSON body of a GET; None when Jaeger answers 404 (it does when no trace matched)."""
        response = _http("jaeger", self._http.request, "GET", path, params=params)
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise StackError(f"jaeger: GET {path}: HTTP {response.status_code}: {response.text[:200]}")
        return _json("jaeger", response)

    def services(self) -> list[str]:
        return list((self._get("/api/v3/services") or {}).get("services") or [])

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
        return self._spans(self._get("/api/v3/traces", **params) or {})

    def trace(self, trace_id: str) -> list[SpanRecord]:
        return self._spans(self._get(f"/api/v3/traces/{trace_id}") or {})

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
        response = _http("grafana", self._http.request, "POST", "/api/ds/query", json=body)
        payload = _json("grafana", response)
        result = (payload.get("results") or {}).get("A", {}) if isinstance(payload, dict) else {}
        if result.get("error"):  # Grafana answers a failed query with HTTP 400 and results.<refId>.error
            raise QueryRejected(f"grafana: {result['error']}")
        if response.status_code >= 400:
            raise StackError(f"grafana: POST /api/ds/query: HTTP {response.status_code}: {response.text[:200]}")
        return any(
            any(len(column) > 0 for column in (frame.get("data") or {}).get("values", [])[1:])
            for frame in result.get("frames", [])
        )

    def close(self) -> None:
        self._http.close()
