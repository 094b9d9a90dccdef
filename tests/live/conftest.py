"""Fixtures shared by the live tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

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


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 0.2 s until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
