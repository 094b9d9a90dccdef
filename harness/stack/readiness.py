"""When a started component is ready: its readiness path answers 200, from the program itself.

A free port is found by binding it and letting go; between that and the program's own bind, another program (a
drill beside this one) may take it. Then the program dies logging Go's "address already in use", or, worse, the
other program answers the readiness check. Both are :class:`PortTaken`, which the stack answers by starting the
component again on new ports when firedrill chose them.
"""

from __future__ import annotations

import time

import httpx

from harness import interrupt
from harness.errors import StackError
from harness.stack.launch import READINESS, Launch
from harness.stack.provider import Running
from harness.stack.spec import Component

# What every component (Go's net package) logs when its listen address is taken.
PORT_TAKEN = "address already in use"


class PortTaken(StackError):
    """Another program holds a port chosen for a component."""


def wait_ready(component: Component, running: Running, launch: Launch, timeout_s: float) -> None:
    """Wait for the readiness path, then for every extra path the launch names (Grafana: its provisioned
    datasources, their plugins and the dashboards, by uid; /api/health only says the database is up)."""
    port, path = READINESS[component]
    auth = ("admin", launch.secrets["admin_password"]) if "admin_password" in launch.secrets else None
    deadline = time.monotonic() + timeout_s
    for check in [path, *launch.ready_paths]:
        url = running.url(port) + check
        last = ""
        while True:
            if not running.alive():
                logs = running.logs()
                failure = PortTaken if PORT_TAKEN in logs else StackError
                raise failure(f"{component.value} ({running.ident}) exited during start-up: {last_meaningful(logs)}")
            try:
                response = httpx.get(url, timeout=1.0, auth=auth if check != path else None)
                if response.status_code == 200 and running.holds_port(port) is False:
                    raise PortTaken(f"{component.value} ({running.ident}): {url} answered, but from another "
                                    f"program: its port was taken ({PORT_TAKEN})")  # fmt: skip
                if response.status_code == 200:
                    break
                last = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            if time.monotonic() >= deadline:
                raise StackError(
                    f"{component.value} ({running.ident}) not ready at {url} after {timeout_s:.0f}s ({last}); "
                    f"last log lines:\n{running.logs()}"
                )
            interrupt.sleep(0.05, f"the start of {component.value}")


def last_meaningful(logs: str) -> str:
    """The last error-looking line of a program's output, else its last line."""
    lines = [line for line in logs.splitlines() if line.strip()]
    errors = [line for line in lines if "err" in line.lower() or "fatal" in line.lower()]
    return (errors or lines or ["(no output)"])[-1].strip()[:400]
