"""Fixtures shared by the live tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from harness.stack.ports import free_port


@pytest.fixture
def target() -> Iterator[tuple[str, Gauge]]:
    """A real /metrics endpoint on loopback with one gauge the test sets."""
    registry = CollectorRegistry()
    gauge = Gauge("firedrill_selftest_up", "a gauge the self-test flips", registry=registry)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield f"127.0.0.1:{port}", gauge
    server.shutdown()
