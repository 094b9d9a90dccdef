"""Jaeger's query API v3: services, spans of a service in a window, a trace by id, and the version.

Jaeger's `/api/traces` search was removed after v2.20, so only `/api/v3` is used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from harness.errors import StackError
from harness.stack.clients.base import call, json_body, version_text

# Where Jaeger's query service writes its version into the UI's index page.
_JAEGER_VERSION = re.compile(r"JAEGER_VERSION\s*=\s*(\{.*?\})\s*;", re.DOTALL)


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
        response = call("jaeger", self._http.request, "GET", path, params=params)
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise StackError(f"jaeger: GET {path}: HTTP {response.status_code}: {response.text[:200]}")
        return json_body("jaeger", response)

    def version(self) -> str | None:
        """The version Jaeger stamps into its UI's page (``JAEGER_VERSION = {...}``); None for an unstamped build."""
        response = call("jaeger", self._http.request, "GET", "/")
        match = _JAEGER_VERSION.search(response.text) if response.status_code == 200 else None
        try:
            info = json.loads(match[1]) if match else {}
        except ValueError:
            return None
        return version_text(info.get("gitVersion")) if isinstance(info, dict) else None

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
