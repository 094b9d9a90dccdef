"""The instrumented stub service: stands in for the user's service and misbehaves on command.

Usage::

    from harness.stub import StubProcess

    with StubProcess(profile="customerio", lane="a") as stub:
        stub.control.set([{"kind": "error", "rate": 0.08}])

Modules: ``profile`` (the format: services, families, labels, operations, logs), ``faults`` (selector + effect,
shared with scenarios) and ``fault_targets`` (a fault checked against a profile), ``runtime`` (what executes a
profile), ``app`` (ASGI app), ``serve`` (CLI), ``process`` (child-process wrapper), ``control`` and
``control_routes`` (the fault-control API), ``redact``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.stub.app import create_app
    from harness.stub.control import StubControl
    from harness.stub.process import StubProcess
    from harness.stub.profile import load_profile
    from harness.stub.redact import PII_FIELDS

__all__ = ["HEALTH_PATH", "SIMULATED_HEADER", "PII_FIELDS", "StubControl", "StubProcess", "create_app", "load_profile"]

# Every service of a stub answers GET on this path: 200 while up, 503 under the down fault (an uptime probe's view).
HEALTH_PATH = "/health"
# Every operation's answer carries the milliseconds its run modeled (what its metrics report); a calling stub
# service adds the callee's to its own, and benchmarks subtract it from the wall-clock to get the stub's overhead.
SIMULATED_HEADER = "X-Firedrill-Simulated-Ms"

_HOMES = {
    "PII_FIELDS": "harness.stub.redact",
    "StubControl": "harness.stub.control",
    "StubProcess": "harness.stub.process",
    "create_app": "harness.stub.app",
    "load_profile": "harness.stub.profile",
}


def __getattr__(name: str) -> Any:
    # Lazy, so importing harness.stub.redact alone does not pull in OpenTelemetry and Starlette.
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'harness.stub' has no attribute {name!r}")
