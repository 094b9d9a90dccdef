"""Grafana's HTTP API: a panel's query run through Grafana itself, as the panel would run it."""

from __future__ import annotations

import math
from typing import Any

import httpx

from harness.errors import StackError
from harness.promql.grafana_backend import BackendQuery
from harness.stack.clients.base import QueryRejected, SeriesData, call, json_body, number, version_text


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
            value = math.inf if row in inf else -math.inf if row in neg_inf else number(raw)
            if value is not None:
                t = times[row] if row < len(times) and isinstance(times[row], int | float) else 0
                points.append((t / 1000, value))
        out.append((dict(spec.get("labels") or {}), points))
    return out


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
        response = call("grafana", self._http.request, "GET", "/api/health")
        body = json_body("grafana", response)
        return version_text(body.get("version")) if isinstance(body, dict) else None

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
        response = call("grafana", self._http.request, "POST", "/api/ds/query", json=body)
        payload = json_body("grafana", response)
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
