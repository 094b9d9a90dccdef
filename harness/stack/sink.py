"""The notification sink: an HTTP receiver that records every Alertmanager webhook with its arrival time.

Every receiver in the user's Alertmanager config is rewritten to POST to `/receiver/<name>`, so what the sink
records answers "which receiver got it, and when".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness.stack.ports import LOOPBACK


@dataclass(frozen=True)
class ReceivedAlert:
    alertname: str
    status: str
    labels: dict[str, str]


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook (payload version 4) as it arrived: receiver, group status, alerts, wall time."""

    receiver: str
    status: str  # "firing" | "resolved"
    alerts: list[ReceivedAlert]
    group_labels: dict[str, str]
    received_at: float  # time.time()
    version: str = "4"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def alertnames(self) -> list[str]:
        return sorted({alert.alertname for alert in self.alerts})


class NotificationSink:
    """Records webhooks on a loopback port; use as a context manager.

    Example:
        >>> with NotificationSink() as sink:
        ...     sink.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(
        self, host: str = LOOPBACK, port: int = 0, on_delivery: Callable[[WebhookDelivery], None] | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._deliveries: list[WebhookDelivery] = []
        # Called on the request's thread after recording; `firedrill sink` prints each delivery with it.
        self._on_delivery = on_delivery
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver = self.path.rstrip("/").rsplit("/", 1)[-1] if "/receiver/" in self.path else ""
                try:
                    sink._record(receiver, json.loads(body or b"{}"))
                except (ValueError, KeyError, TypeError):
                    self.send_response(400)
                    self.end_headers()
                    return
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="firedrill-sink", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> NotificationSink:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> NotificationSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _record(self, receiver: str, payload: dict[str, Any]) -> None:
        alerts = [
            ReceivedAlert(
                alertname=str(alert.get("labels", {}).get("alertname", "")),
                status=str(alert.get("status", "")),
                labels={str(k): str(v) for k, v in alert.get("labels", {}).items()},
            )
            for alert in payload.get("alerts", [])
        ]
        delivery = WebhookDelivery(
            receiver=receiver or str(payload.get("receiver", "")),
            status=str(payload.get("status", "")),
            alerts=alerts,
            group_labels={str(k): str(v) for k, v in (payload.get("groupLabels") or {}).items()},
            received_at=time.time(),
            version=str(payload.get("version", "")),
            raw=payload,
        )
        with self._lock:
            self._deliveries.append(delivery)
        if self._on_delivery is not None:
            self._on_delivery(delivery)

    def clear(self) -> None:
        """Forget every delivery (a shared stack starts each drill with an empty record)."""
        with self._lock:
            self._deliveries.clear()

    def deliveries(self, since: float = 0.0) -> list[WebhookDelivery]:
        """Every delivery received at or after `since` (time.time()), oldest first."""
        with self._lock:
            return [d for d in self._deliveries if d.received_at >= since]

    def wait_for(
        self, alertname: str, receiver: str | None = None, status: str = "firing", timeout_s: float = 30.0
    ) -> WebhookDelivery | None:
        """Block until a matching delivery arrives (or the timeout passes); returns it or None."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for delivery in self.deliveries():
                if (receiver is None or delivery.receiver == receiver) and any(
                    a.alertname == alertname and a.status == status for a in delivery.alerts
                ):
                    return delivery
            time.sleep(0.05)
        return None
