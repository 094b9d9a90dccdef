"""Thin typed clients for the HTTP APIs firedrill reads: Prometheus, Alertmanager v2 and Jaeger /api/v3.

Jaeger's `/api/traces` search was removed after v2.20, so only `/api/v3` is used.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from harness.errors import StackError
from harness.promql.grafana_backend import BackendQuery


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


# One series of a query result: its labels and (unix seconds, value) points. NaN is not a value (both clients
# drop it); +Inf and -Inf are.
SeriesData = tuple[dict[str, str], list[tuple[float, float]]]


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


def _text(value: Any) -> str | None:
    """A version as reported, or None when the program left it empty."""
    return str(value).strip() or None if value is not None else None


# Where Jaeger's query service writes its version into the UI's index page.
_JAEGER_VERSION = re.compile(r"JAEGER_VERSION\s*=\s*(\{.*?\})\s*;", re.DOTALL)


def blackbox_version(metrics_text: str) -> str | None:
    """The exporter's version, from the ``blackbox_exporter_build_info`` series of its own /metrics.

    >>> blackbox_version('blackbox_exporter_build_info{branch="",goversion="go1.19",version="0.23.0"} 1')
    '0.23.0'
    """
    for line in metrics_text.splitlines():
        if line.startswith("blackbox_exporter_build_info{"):
            for pair in line[line.index("{") + 1 : line.rindex("}")].split(","):
                key, _, value = pair.partition("=")
                if key.strip() == "version":
                    return value.strip().strip('"') or None
    return None


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

    def query_range(self, expr: str, start: float, end: float, step_s: float) -> list[SeriesData]:
        data = self._get("/api/v1/query_range", query=expr, start=start, end=end, step=step_s)
        return [
            (item["metric"], [(float(t), v) for t, raw in item["values"] if (v := _float(raw)) is not None])
            for item in data["result"]
        ]

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

    def version(self) -> str | None:
        """The version the running Prometheus reports (``/api/v1/status/buildinfo``), e.g. ``3.16.0``."""
        return _text(self._get("/api/v1/status/buildinfo").get("version"))

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

    def version(self) -> str | None:
        """The version the running Alertmanager reports (``/api/v2/status`` ``versionInfo``), e.g. ``0.35.0``."""
        return _text((self.status().get("versionInfo") or {}).get("version"))

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

    def version(self) -> str | None:
        """The version Jaeger stamps into its UI's page (``JAEGER_VERSION = {...}``); None for an unstamped build."""
        response = _http("jaeger", self._http.request, "GET", "/")
        match = _JAEGER_VERSION.search(response.text) if response.status_code == 200 else None
        try:
            info = json.loads(match[1]) if match else {}
        except ValueError:
            return None
        return _text(info.get("gitVersion")) if isinstance(info, dict) else None

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


def _frame_series(frame: dict[str, Any]) -> list[SeriesData]:
    """A Grafana data frame's number fields as series: values are columns, ``null`` is no value unless the
    field's entities mark it +Inf or -Inf (NaN stays no value, as the Prometheus client drops it)."""
    fields = (frame.get("schema") or {}).get("fields") or []
    data = frame.get("data") or {}
    columns = data.get("values") or []
    entities = data.get("entities") or []
    times_at = next((i for i, f in enumerate(fields) if f.get("type") == "time"), 0)
    times = columns[times_at] if times_at < len(columns) else []
    out: list[SeriesData] = []
    for index, column in enumerate(columns):
        spec = fields[index] if index < len(fields) else {}
        if index == times_at or spec.get("type") not in (None, "number"):
            continue
        marks = (entities[index] if index < len(entities) else None) or {}
        inf, neg_inf = set(marks.get("Inf") or []), set(marks.get("NegInf") or [])
        points = []
        for row, raw in enumerate(column):
            value = math.inf if row in inf else -math.inf if row in neg_inf else _float(raw)
            if value is not None:
                t = times[row] if row < len(times) and isinstance(times[row], int | float) else 0
                points.append((t / 1000, value))
        out.append((dict(spec.get("labels") or {}), points))
    return out


class BlackboxClient:
    """The blackbox exporter's own endpoints (its probes are Prometheus's to scrape): only its version."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)

    def version(self) -> str | None:
        """The version in the exporter's ``blackbox_exporter_build_info`` series, e.g. ``0.23.0``."""
        response = _http("blackbox", self._http.request, "GET", "/metrics")
        return blackbox_version(response.text) if response.status_code == 200 else None

    def close(self) -> None:
        self._http.close()


class GrafanaClient:
    """Grafana's HTTP API: run a panel's query through Grafana itself (``/api/ds/query``), as the panel would."""

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

    def version(self) -> str | None:
        """The version the running Grafana reports (``/api/health``), e.g. ``12.3.0``."""
        response = _http("grafana", self._http.request, "GET", "/api/health")
        body = _json("grafana", response)
        return _text(body.get("version")) if isinstance(body, dict) else None

    def query(self, datasource: dict[str, str], query: BackendQuery, ref_id: str = "A") -> list[SeriesData]:
        """The series Grafana returns for one Prometheus query, sent as its frontend would send it.

        A query Grafana or Prometheus refused as invalid (HTTP 400 with ``results.<refId>.error``, the result's
        status 400 or 422) raises QueryRejected; anything else failing is a StackError.
        """
        body = {
            "queries": [
                {
                    "refId": ref_id,
                    "datasource": datasource,
                    "expr": query.expr,
                    "interval": query.interval,
                    "intervalMs": query.interval_ms,
                    "maxDataPoints": query.max_data_points,
                    "intervalFactor": query.interval_factor,
                    "instant": query.instant,
                    "range": query.range,
                    "utcOffsetSec": query.utc_offset_s,
                    "format": "time_series",
                    "exemplar": False,
                }
            ],
            "from": str(query.from_ms),
            "to": str(query.to_ms),
        }
        response = _http("grafana", self._http.request, "POST", "/api/ds/query", json=body)
        payload = _json("grafana", response)
        result = ((payload.get("results") or {}).get(ref_id) or {}) if isinstance(payload, dict) else {}
        error = result.get("error") if isinstance(result, dict) else None
        if error:
            status = result.get("status")
            if status in (400, 422) or (status is None and _looks_like_query_error(str(error))):
                raise QueryRejected(f"grafana: {error}")
            raise StackError(f"grafana: the {datasource.get('type', '')} datasource failed: {error} (status {status})")
        if response.status_code >= 400:
            snippet = response.text[:300].replace("\n", " ")
            raise StackError(f"grafana: POST /api/ds/query: HTTP {response.status_code}: {snippet}")
        return [series for frame in result.get("frames") or [] for series in _frame_series(frame)]

    def close(self) -> None:
        self._http.close()


def _looks_like_query_error(error: str) -> bool:
    """An error text of a refused query (older Grafana sends no status): Prometheus's bad_data/execution."""
    return any(word in error for word in ("bad_data", "parse error", "execution", "invalid parameter"))


# Any of the clients above, as a stack holds them (one per running component).
Client = PrometheusClient | AlertmanagerClient | JaegerClient | GrafanaClient | BlackboxClient
