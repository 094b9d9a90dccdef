"""The stub's ASGI app: every service of the profile on its own port, in one process.

Each service answers its operations' routes, its metrics path, ``GET /health`` (what an uptime monitor or the
blackbox exporter probes: 200 while up, 503 under the ``down`` fault; the service's own operation wins when it has
one on that path) and the control API (``/_firedrill/``). A request is dispatched to a service by the local port
it arrived on; with one service every port is that service.

Usage::

    >>> from starlette.testclient import TestClient
    >>> app = create_app("customerio", lane="a", seed=1)
    >>> with TestClient(app) as client:
    ...     client.post("/v1/track", json={"event": "x"}).status_code
    200
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.stub import HEALTH_PATH, SIMULATED_HEADER
from harness.stub.control_routes import PREFIX, control_routes
from harness.stub.profile import Operation, Profile, load_profile
from harness.stub.runtime.execute import InjectedException, execute, log_run, new_run, record
from harness.stub.runtime.labels import RequestInputs
from harness.stub.runtime.metrics import CONTENT_TYPE
from harness.stub.runtime.state import ServiceState, StubState
from harness.stub.runtime.tracing import PROPAGATOR


class DownGate:
    """ASGI middleware answering 503 to everything outside ``/_firedrill/`` while the service is down."""

    def __init__(self, app: ASGIApp, service: ServiceState) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        down = scope["type"] == "http" and not scope["path"].startswith(PREFIX)
        if down and self.service.stub.faults.down(self.service.name):
            await Response("service down (firedrill fault)\n", status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _parse_body(raw: bytes) -> tuple[Any, bool]:
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw), True
    except (json.JSONDecodeError, UnicodeDecodeError):
        return raw, False


def _endpoint(service: ServiceState, op: Operation) -> Any:
    async def endpoint(request: Request) -> Response:
        body, parsed = _parse_body(await request.body())
        inputs = RequestInputs(headers={k.lower(): v for k, v in request.headers.items()},
                               body=body if parsed else None, path_params=dict(request.path_params),
                               query=dict(request.query_params))  # fmt: skip
        run = new_run(service, op, inputs, body)
        service.values.request_started(op.name, op.path or "", op.method)
        try:
            if not parsed:
                run.status, run.error = 400, "request body is not valid JSON"
            else:
                try:
                    await execute(run, PROPAGATOR.extract(request.headers), SpanKind.SERVER)
                except InjectedException as exc:  # the edge: an unhandled exception becomes a 500
                    run.status, run.error = 500, f"internal error: {type(exc).__name__}"
        finally:
            service.values.request_finished(op.name, op.path or "", op.method)
        seconds = run.simulated_ms / 1000
        record(run, seconds)
        log_run(run, seconds)
        payload = {"ok": True, "operation": op.name, "request_id": run.request_id} if run.error is None \
            else {"error": run.error, "operation": op.name, "request_id": run.request_id}  # fmt: skip
        headers = {service.spec.request_id_header: run.request_id, SIMULATED_HEADER: f"{run.simulated_ms:.3f}"}
        if service.spec.correlation_header:
            headers[service.spec.correlation_header] = run.correlation_id
        return JSONResponse(payload, status_code=run.status, headers=headers)

    endpoint.__name__ = f"operation_{op.name}"
    return endpoint


def _metrics_endpoint(service: ServiceState) -> Any:
    async def metrics(request: Request) -> Response:
        return Response(service.metrics.exposition(), media_type=CONTENT_TYPE)

    return metrics


async def _health(request: Request) -> Response:
    # Reached only while the service is up: the down gate answers 503 before it.
    return JSONResponse({"status": "ok"})


def service_app(service: ServiceState) -> ASGIApp:
    """One service: its operations, its metrics path, /health and the control API, behind its down gate."""
    routes = [Route(op.path, _endpoint(service, op), methods=[op.method]) for op in service.spec.operations if op.path]
    routes += [Route(service.spec.metrics_path, _metrics_endpoint(service), methods=["GET"]), *control_routes()]
    # After the service's own routes: Starlette takes the first match, so a profile's /health operation wins.
    routes.append(Route(HEALTH_PATH, _health, methods=["GET"]))
    app = Starlette(routes=routes)
    app.state.stub = service.stub
    return DownGate(app, service)


class StubApp:
    """Dispatches each request to the service listening on the port it arrived on; runs the background work."""

    def __init__(self, stub: StubState, ports: dict[int, str] | None = None) -> None:
        self.stub = stub
        self.state = stub  # `app.state.stub` for in-process inspection, as Starlette apps have it
        self.ports = ports or {}
        self.apps = {name: service_app(service) for name, service in stub.services.items()}
        self.default = next(iter(self.apps.values()))
        self._tasks: list[asyncio.Task[None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        server = scope.get("server")
        port = server[1] if server else None
        app = self.apps.get(self.ports.get(port, ""), self.default) if isinstance(port, int) else self.default
        await app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start(self) -> None:
        """Queue workers, background events, and the client for calls between services."""
        self.stub.http = httpx.AsyncClient(timeout=30.0, trust_env=False)
        for service in self.stub.services.values():
            for queue in service.queues.values():
                self._tasks.append(asyncio.create_task(queue.run(), name=f"queue-{service.name}-{queue.name}"))
            for name in service.spec.events:
                self._tasks.append(asyncio.create_task(service.events.background(name), name=f"event-{name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.stub.http is not None:
            await self.stub.http.aclose()


def create_app(
    profile: Profile | str | Path,
    *,
    lane: str = "a",
    seed: int | None = None,
    k: float = 1.0,
    providers: dict[str, TracerProvider | None] | None = None,
    log_dir: Path | None = None,
    redact: bool = True,
    ports: dict[str, int] | None = None,
) -> StubApp:
    """The stub app for ``profile`` (a loaded Profile, a name, or a YAML path).

    ``ports`` maps each service to its port (requests are dispatched by local port); the caller owns the tracer
    providers (shut them down after the app stops).
    """
    loaded = profile if isinstance(profile, Profile) else load_profile(profile)
    stub = StubState.build(loaded, lane=lane, seed=seed, k=k, providers=providers, log_dir=log_dir, redact=redact)
    for name, port in (ports or {}).items():
        stub.services[name].url = f"http://127.0.0.1:{port}"
    return StubApp(stub, {port: name for name, port in (ports or {}).items()})
