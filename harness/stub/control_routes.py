"""The fault-control HTTP API under ``/_firedrill/`` (same port as the service).

``GET/PUT/POST/DELETE /_firedrill/faults`` and ``GET /_firedrill/health``.
Input is validated completely before anything changes; bad input is a 4xx
with ``{"error": ..., "details": [...]}`` and leaves the active set untouched.

Usage (from a client)::

    curl -X PUT 127.0.0.1:8000/_firedrill/faults \\
         -d '{"faults": [{"kind": "error", "rate": 0.08}], "seed": 7}'
"""

from __future__ import annotations

import json
import os
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.stub.faults import FaultValidationError
from harness.stub.logs import log_event
from harness.stub.state import StubState

PREFIX = "/_firedrill/"


def _state(request: Request) -> StubState:
    return request.app.state.stub  # type: ignore[no-any-return]


def _bad_request(message: str, details: list[str] | None = None, status: int = 422) -> JSONResponse:
    return JSONResponse({"error": message, "details": details or []}, status_code=status)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise ValueError("request body is empty; expected JSON")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"request body is not valid JSON: {exc}") from exc


def _changed(state: StubState, action: str) -> JSONResponse:
    snapshot = state.faults.snapshot()
    log_event(state.logger, "fault_change", message=f"faults {action}", action=action, lane=state.lane, **snapshot)
    return JSONResponse(snapshot)


async def get_faults(request: Request) -> JSONResponse:
    """Current fault set."""
    return JSONResponse(_state(request).faults.snapshot())


async def put_faults(request: Request) -> JSONResponse:
    """Replace the whole fault set (and optionally the seed)."""
    state = _state(request)
    try:
        fault_set = state.faults.parse_set(await _json_body(request))
    except FaultValidationError as exc:
        return _bad_request("invalid fault set; nothing changed", exc.errors)
    except ValueError as exc:
        return _bad_request(str(exc), status=400)
    state.faults.replace(fault_set)
    return _changed(state, "set")


async def post_fault(request: Request) -> JSONResponse:
    """Add one fault to the active set."""
    state = _state(request)
    try:
        fault = state.faults.parse_fault(await _json_body(request))
    except FaultValidationError as exc:
        return _bad_request("invalid fault; nothing changed", exc.errors)
    except ValueError as exc:
        return _bad_request(str(exc), status=400)
    state.faults.add(fault)
    return _changed(state, "add")


async def delete_faults(request: Request) -> JSONResponse:
    """Remove every fault."""
    state = _state(request)
    state.faults.clear()
    return _changed(state, "clear")


async def health(request: Request) -> JSONResponse:
    """Liveness of the control plane; answers even while a ``down`` fault is active."""
    state = _state(request)
    return JSONResponse(
        {
            "status": "ok",
            "profile": state.profile.name,
            "service": state.profile.service.name,
            "lane": state.lane,
            "pid": os.getpid(),
            "down": state.faults.down,
            "tracing": state.tracing_enabled,
        }
    )


def control_routes() -> list[Route]:
    """Routes of the control API."""
    return [
        Route(f"{PREFIX}faults", get_faults, methods=["GET"]),
        Route(f"{PREFIX}faults", put_faults, methods=["PUT"]),
        Route(f"{PREFIX}faults", post_fault, methods=["POST"]),
        Route(f"{PREFIX}faults", delete_faults, methods=["DELETE"]),
        Route(f"{PREFIX}health", health, methods=["GET"]),
    ]
