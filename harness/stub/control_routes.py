"""The fault-control HTTP API under ``/_firedrill/`` (on every service port of the stub).

======  ======================  ==========================================================================
GET     /_firedrill/faults      the active set: ``{"faults": [...], "seed": 7, "version": 3}``
PUT     /_firedrill/faults      replace the whole set: ``{"faults": [FAULT, ...], "seed": 7}`` (seed optional)
POST    /_firedrill/faults      add one fault: ``FAULT``
DELETE  /_firedrill/faults      remove every fault
GET     /_firedrill/health      ``{"status": "ok", "profile", "services", "lane", "pid", "down": [...]}``
======  ======================  ==========================================================================

A FAULT is the mapping a scenario's ``faults:`` entry holds (:mod:`harness.stub.faults`), with durations in
wall seconds (``over_s``). Input is validated completely, against the profile too, before anything changes;
bad input is a 4xx with ``{"error": ..., "details": [...]}`` and leaves the active set untouched. The API is
for loopback test rigs only: it takes ``application/json`` alone, refuses any request carrying an ``Origin``
(a browser page) or a ``Host`` that is not loopback (DNS rebinding), and bounds the body's size and nesting.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.net import is_loopback
from harness.stub.fault_targets import fault_problems
from harness.stub.faults import AnyFault, Fault, parse_fault
from harness.stub.runtime.state import StubState

PREFIX = "/_firedrill/"
MAX_BODY_BYTES = 64 * 1024
MAX_NESTING = 16


class FaultSet(BaseModel):
    """Body of ``PUT /_firedrill/faults``: the complete new set and an optional seed."""

    model_config = ConfigDict(extra="forbid")
    faults: list[Fault] = Field(default_factory=list, max_length=256)
    seed: int | None = None


def _state(request: Request) -> StubState:
    return request.app.state.stub  # type: ignore[no-any-return]


def _error(message: str, status: int, details: list[str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "details": details or []}, status_code=status)


def _nesting(raw: bytes) -> int:
    """The deepest bracket nesting of a JSON text, strings skipped (checked before parsing it)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _guard(request: Request) -> JSONResponse | None:
    """Refuse what a loopback test rig never sends: a browser's Origin, a foreign Host."""
    if "origin" in request.headers:
        return _error("requests with an Origin header are refused (the fault API is not for browsers)", 403)
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:].split("]")[0]
    if not is_loopback(name):
        return _error(f"Host {host!r} is not loopback; the fault API answers on 127.0.0.1 only", 403)
    return None


async def _json_body(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise _Refused(415, f"Content-Type {media or 'missing'!r}; expected application/json")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise _Refused(413, f"body of {len(raw)} bytes; at most {MAX_BODY_BYTES}")
    if not raw.strip():
        raise _Refused(400, "request body is empty; expected JSON")
    if _nesting(raw) > MAX_NESTING:
        raise _Refused(400, f"JSON nested deeper than {MAX_NESTING} levels")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _Refused(400, f"request body is not valid JSON: {exc}") from None


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _problems(state: StubState, faults: list[AnyFault], prefix: str) -> list[str]:
    return [f"{prefix}{i}.{field}: {message}" if prefix else f"{field}: {message}"
            for i, fault in enumerate(faults) for field, message in fault_problems(fault, state.profile)]  # fmt: skip


def _pydantic(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()]


def _changed(request: Request, action: str) -> JSONResponse:
    """The new fault set; each service logs the change as a request of its own (with a request id, as every line
    of a request-correlated log has one)."""
    state = _state(request)
    snapshot = state.faults.snapshot()
    made = uuid.uuid4().hex
    for service in state.services.values():
        request_id = (request.headers.get(service.spec.request_id_header) or made)[:128]
        fields = {"error": None, "operation": "_firedrill", "request_id": request_id, "correlation_id": request_id}
        service.log.write("info", f"faults {action}", fields, {"fault_version": str(snapshot["version"])})
    return JSONResponse(snapshot)


async def get_faults(request: Request) -> JSONResponse:
    return _guard(request) or JSONResponse(_state(request).faults.snapshot())


async def put_faults(request: Request) -> JSONResponse:
    """Replace the whole fault set (and optionally the seed)."""
    state = _state(request)
    refused = _guard(request)
    if refused is not None:
        return refused
    try:
        fault_set = FaultSet.model_validate(await _json_body(request))
    except _Refused as exc:
        return _error(str(exc), exc.status)
    except ValidationError as exc:
        return _error("invalid fault set; nothing changed", 422, _pydantic(exc))
    problems = _problems(state, list(fault_set.faults), "faults.")
    if problems:
        return _error("fault set does not fit the profile; nothing changed", 422, problems)
    state.faults.replace(list(fault_set.faults), seed=fault_set.seed)
    return _changed(request, "set")


async def post_fault(request: Request) -> JSONResponse:
    """Add one fault to the active set."""
    state = _state(request)
    refused = _guard(request)
    if refused is not None:
        return refused
    try:
        fault = parse_fault(await _json_body(request))
    except _Refused as exc:
        return _error(str(exc), exc.status)
    except ValidationError as exc:
        return _error("invalid fault; nothing changed", 422, _pydantic(exc))
    problems = _problems(state, [fault], "")
    if problems:
        return _error("fault does not fit the profile; nothing changed", 422, problems)
    state.faults.add(fault)
    return _changed(request, "add")


async def delete_faults(request: Request) -> JSONResponse:
    """Remove every fault."""
    refused = _guard(request)
    if refused is not None:
        return refused
    state = _state(request)
    state.faults.clear()
    return _changed(request, "clear")


async def health(request: Request) -> JSONResponse:
    """Liveness of the control plane; answers even while a ``down`` fault is active."""
    state = _state(request)
    return JSONResponse({
        "status": "ok", "profile": state.profile.name, "services": sorted(state.services), "lane": state.lane,
        "pid": os.getpid(), "down": sorted(name for name in state.services if state.faults.down(name)),
        "restarted": state.restarted,
    })  # fmt: skip


def control_routes() -> list[Route]:
    """Routes of the control API."""
    return [
        Route(f"{PREFIX}faults", get_faults, methods=["GET"]),
        Route(f"{PREFIX}faults", put_faults, methods=["PUT"]),
        Route(f"{PREFIX}faults", post_fault, methods=["POST"]),
        Route(f"{PREFIX}faults", delete_faults, methods=["DELETE"]),
        Route(f"{PREFIX}health", health, methods=["GET"]),
    ]
