"""Typed client for a stub's fault-control API.

Usage::

    from harness.stub.control import StubControl

    with StubControl("http://127.0.0.1:8000") as ctl:
        ctl.set([{"kind": "error", "rate": 0.08}], seed=7)
        ctl.add({"kind": "latency", "operation": "send_email", "delay_ms": 300})
        print(ctl.get()["faults"])
        ctl.clear()
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx
from pydantic import BaseModel

from harness.errors import ComponentError
from harness.stub.faults import AnyFault, to_control

FaultLike = AnyFault | dict[str, Any]


class StubControlError(ComponentError):
    """The stub rejected a control request; ``details`` lists the reasons."""

    def __init__(self, status_code: int, message: str, details: list[str]) -> None:
        super().__init__("stub", f"HTTP {status_code}: {message}" + (f" ({'; '.join(details)})" if details else ""))
        self.status_code = status_code
        self.details = details


def _as_json(fault: FaultLike) -> dict[str, Any]:
    return to_control(fault) if isinstance(fault, BaseModel) else dict(fault)


class StubControl:
    """Client for ``/_firedrill/`` on one stub; every method returns the resulting fault snapshot."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        # A fresh connection per call: calls come once a phase, and a kept one goes idle past the stub's keep-alive
        # (uvicorn's 5 s), so a phase of about 5 s sent its PUT down a socket the stub was closing (reset by peer).
        no_reuse = httpx.Limits(max_keepalive_connections=0)
        self._client = httpx.Client(base_url=f"{self.base_url}/_firedrill", timeout=timeout, limits=no_reuse)

    def _call(self, method: str, path: str, payload: Any = None) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, json=payload)  # httpx sends application/json
        except httpx.HTTPError as exc:
            raise ComponentError("stub", f"{method} {self.base_url}/_firedrill{path} failed ({exc})") from None
        if response.is_error:
            try:
                doc = response.json()
            except ValueError:
                doc = {"error": response.text}
            raise StubControlError(response.status_code, doc.get("error", ""), doc.get("details", []))
        result: dict[str, Any] = response.json()
        return result

    def get(self) -> dict[str, Any]:
        """Current faults: ``{"faults": [...], "seed": ..., "version": ...}``."""
        return self._call("GET", "/faults")

    def set(self, faults: Sequence[FaultLike], seed: int | None = None) -> dict[str, Any]:
        """Replace the whole fault set (validated as a whole; nothing changes on error)."""
        payload: dict[str, Any] = {"faults": [_as_json(f) for f in faults]}
        if seed is not None:
            payload["seed"] = seed
        return self._call("PUT", "/faults", payload)

    def add(self, fault: FaultLike) -> dict[str, Any]:
        """Add one fault."""
        return self._call("POST", "/faults", _as_json(fault))

    def clear(self) -> dict[str, Any]:
        """Remove all faults."""
        return self._call("DELETE", "/faults")

    def health(self) -> dict[str, Any]:
        """The stub's health document."""
        return self._call("GET", "/health")

    def close(self) -> None:
        """Close the underlying HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> StubControl:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
