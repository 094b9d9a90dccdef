"""The stub's ASGI app: profile operations, ``/metrics``, and the control API.

Each operation request runs a SERVER span named after the operation with a
CLIENT child span (the simulated downstream call) in which baseline plus
injected latency is spent and injected errors are raised.

Usage::

    >>> from starlette.testclient import TestClient
    >>> app = create_app("customerio", lane="a", seed=1)
    >>> with TestClient(app) as client:
    ...     client.post("/v1/track", json={"event": "x"}).status_code
    200
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.stub.control_routes import PREFIX, control_routes
from harness.stub.faults import FaultController
from harness.stub.latency import sample_ms
from harness.stub.logs import log_event
from harness.stub.metrics import CONTENT_TYPE
from harness.stub.profile import BounceEffect, EnqueueEffect, Operation, Profile, load_profile
from harness.stub.redact import redact
from harness.stub.state import StubState
from harness.stub.tracing import PROPAGATOR

SIMULATED_HEADER = "X-Firedrill-Simulated-Ms"


class InjectedError(Exception):
    """The simulated downstream call failed because an error fault fired."""

    def __init__(self, operation: str, status: int) -> None:
        super().__init__(f"injected error fault: HTTP {status} on {operation}")
        self.status = status


class InjectedException(RuntimeError):
    """An error fault with ``exception: true``: escapes the handler to the edge."""


class DownGate:
    """ASGI middleware answering 503 to everything outside ``/_firedrill/`` while down."""

    def __init__(self, app: ASGIApp, faults: FaultController) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.faults.down and not scope["path"].startswith(PREFIX):
            await Response("service down (firedrill fault)\n", status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)


@dataclass
class _Outcome:
    status_code: int = 200
    simulated_ms: float = 0.0
    error: str | None = None


def _run_effects(state: StubState, effects: list[Any]) -> None:
    for eff in effects:
        if isinstance(eff, EnqueueEffect):
            state.queues[eff.queue].enqueue()
        elif isinstance(eff, BounceEffect):
            if state.faults.draw_bounce():
                state.metrics.inc(eff.counter)
        else:
            state.metrics.inc(eff.counter)


def _parse_body(raw: bytes) -> tuple[Any, bool]:
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw), True
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, False


async def _serve(state: StubState, op: Operation, body: Any, span: trace.Span, out: _Outcome) -> None:
    """The operation proper; raises ``InjectedException`` to the edge."""
    _run_effects(state, op.on_receive)
    check = getattr(state.hooks, "validate_request", None)
    problem = check(op.name, body) if check else None
    if problem:
        out.status_code, out.error = 400, problem
        return
    plan = state.faults.plan(op.name)
    out.simulated_ms = sample_ms(op.latency, state.latency_rng) + plan.extra_delay_ms
    span.set_attribute("firedrill.fault.latency", plan.latency_injected)
    span.set_attribute("firedrill.fault.error", plan.error is not None)
    try:
        with state.tracer.start_as_current_span(
            op.downstream_span, kind=SpanKind.CLIENT, attributes={"operation": op.name}
        ) as child:
            child.set_attribute("firedrill.fault.latency", plan.latency_injected)
            await asyncio.sleep(out.simulated_ms / 1000)
            if plan.error is not None:
                if plan.error.exception:
                    raise InjectedException(f"injected exception fault on {op.name}")
                raise InjectedError(op.name, plan.error.status)
    except InjectedError as exc:
        span.set_status(Status(StatusCode.ERROR, str(exc)))
        span.record_exception(exc)
        out.status_code, out.error = exc.status, str(exc)
        return
    _run_effects(state, op.on_success)


def _operation_endpoint(op: Operation) -> Any:
    async def endpoint(request: Request) -> Response:
        state: StubState = request.app.state.stub
        started = time.perf_counter()
        request_id = (request.headers.get("x-request-id") or uuid.uuid4().hex)[:128]
        raw = await request.body()
        body, parsed = _parse_body(raw)
        out = _Outcome()
        attributes = {
            "operation": op.name,
            "http.method": op.method,
            "http.route": op.path,
            "firedrill.lane": state.lane,
        }
        with state.tracer.start_as_current_span(
            op.name,
            context=PROPAGATOR.extract(request.headers),
            kind=SpanKind.SERVER,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            ctx = span.get_span_context()
            if not parsed:
                out.status_code, out.error = 400, "request body is not valid JSON"
            else:
                try:
                    await _serve(state, op, body, span, out)
                except Exception as exc:  # the edge: anything unhandled becomes a 500
                    span.set_status(Status(StatusCode.ERROR, str(exc)))
                    span.record_exception(exc)
                    out.status_code, out.error = 500, f"internal error: {type(exc).__name__}"
            span.set_attribute("http.status_code", out.status_code)
        if out.status_code >= 500:
            _run_effects(state, op.on_error)
        elapsed = time.perf_counter() - started
        status = "error" if out.status_code >= 500 else "success"
        state.metrics.observe_request(op.name, status, elapsed)
        _log_request(state, op, request_id, ctx, out, status, elapsed, body if parsed else raw)
        payload = (
            {"ok": True, "operation": op.name, "request_id": request_id}
            if out.error is None
            else {"error": out.error, "operation": op.name, "request_id": request_id}
        )
        headers = {"X-Request-ID": request_id, SIMULATED_HEADER: f"{out.simulated_ms:.3f}"}
        return JSONResponse(payload, status_code=out.status_code, headers=headers)

    endpoint.__name__ = f"operation_{op.name}"
    return endpoint


def _log_request(
    state: StubState,
    op: Operation,
    request_id: str,
    ctx: trace.SpanContext,
    out: _Outcome,
    status: str,
    elapsed: float,
    body: Any,
) -> None:
    if isinstance(body, bytes):
        # Unparseable bodies may hold PII we cannot locate, so only their size is logged.
        body = f"[unparsed {len(body)} bytes]" if state.redact_bodies else body.decode("utf-8", "replace")
    elif state.redact_bodies:
        body = redact(body)
    level = logging.ERROR if out.status_code >= 500 else logging.WARNING if out.status_code >= 400 else logging.INFO
    fields: dict[str, Any] = {
        "request_id": request_id,
        "operation": op.name,
        "status": status,
        "http_status": out.status_code,
        "duration_ms": round(elapsed * 1000, 3),
        "lane": state.lane,
        "method": op.method,
        "path": op.path,
        "body": body,
    }
    if ctx.is_valid:
        fields["trace_id"] = format(ctx.trace_id, "032x")
        fields["span_id"] = format(ctx.span_id, "016x")
    if out.error:
        fields["error"] = out.error
    log_event(state.logger, "request", level=level, message=f"{op.name} {out.status_code}", **fields)


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text exposition of the stub's private registry."""
    state: StubState = request.app.state.stub
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE)


def create_app(
    profile: Profile | str | Path,
    *,
    lane: str = "a",
    tracer_provider: TracerProvider | None = None,
    logger: logging.Logger | None = None,
    redact_bodies: bool = True,
    seed: int | None = None,
) -> Starlette:
    """Build the stub app for ``profile`` (a loaded ``Profile``, a name, or a YAML path).

    The caller owns ``tracer_provider`` and ``logger`` (shut them down after the app stops).
    ``app.state.stub`` is the ``StubState`` for in-process inspection.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    state = StubState.build(
        prof, lane=lane, tracer_provider=tracer_provider, logger=logger, redact_bodies=redact_bodies, seed=seed
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        workers = [asyncio.create_task(q.run(), name=f"queue-{q.name}") for q in state.queues.values()]
        try:
            yield
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    routes = [Route(op.path, _operation_endpoint(op), methods=[op.method]) for op in prof.operations]
    routes += [Route("/metrics", metrics_endpoint, methods=["GET"]), *control_routes()]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.stub = state
    app.add_middleware(DownGate, faults=state.faults)
    return app
