"""The blackbox exporter's own endpoints (its probes are Prometheus's to scrape): only its version."""

from __future__ import annotations

import httpx

from harness.stack.clients.base import call


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


class BlackboxClient:
    """The blackbox exporter's own endpoints (its probes are Prometheus's to scrape): only its version."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)

    def version(self) -> str | None:
        """The version in the exporter's ``blackbox_exporter_build_info`` series, e.g. ``0.23.0``."""
        response = call("blackbox", self._http.request, "GET", "/metrics")
        return blackbox_version(response.text) if response.status_code == 200 else None

    def close(self) -> None:
        self._http.close()
