"""Alertmanager's API v2: the alerts it holds, its status and version."""

from __future__ import annotations

from typing import Any

import httpx

from harness.errors import StackError
from harness.stack.clients.base import call, json_body, version_text


class AlertmanagerClient:
    """Alertmanager API v2: the alerts it holds and its status."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def _get(self, path: str) -> Any:
        response = call("alertmanager", self._http.request, "GET", path)
        if response.status_code >= 300:
            raise StackError(f"alertmanager: GET {path}: HTTP {response.status_code}: {response.text[:200]}")
        return json_body("alertmanager", response)

    def alerts(self) -> list[dict[str, Any]]:
        return list(self._get("/api/v2/alerts"))

    def status(self) -> dict[str, Any]:
        return dict(self._get("/api/v2/status"))

    def version(self) -> str | None:
        """The version the running Alertmanager reports (``/api/v2/status`` ``versionInfo``), e.g. ``0.35.0``."""
        return version_text((self.status().get("versionInfo") or {}).get("version"))

    def close(self) -> None:
        self._http.close()
